//! Commands: the registry built from every family's table, and the context handlers get.
//!
//! Each family file (`string.rs`, `keys.rs`, ...) starts with its `COMMANDS` table and
//! implements the handlers below it, in table order. [`FAMILIES`] lists the tables; the
//! registry, COMMAND's replies, ACL categories and arity checks all come from there.

pub mod spec;
pub mod syntax;

mod args;
mod bitfield;
mod bitops;
mod client;
mod client_tracking;
mod command;
mod connection;
mod debug;
mod dump;
pub(crate) mod function;
mod geo;
mod geo_search;
mod geo_sort;
mod hash;
mod hash_random;
mod hyperloglog;
mod keys;
mod keyspec;
mod lcs;
mod list;
mod list_move;
mod memory;
mod migrate;
mod multi;
mod persistence;
mod pubsub;
mod replication;
mod scan_args;
pub(crate) mod scripting;
mod server;
mod set;
mod set_algebra;
mod set_options;
mod sort;
mod string;
mod ttl;
mod zset;
mod zset_ops;
mod zset_pop;
mod zset_range;

use std::collections::HashMap;
use std::sync::OnceLock;

use scarlet_protocol::{Args, ReplyBuf};
use scarlet_storage::Millis;

use crate::client::Client;
use crate::error::CmdError;
use crate::server::Server;
use spec::{CommandSpec, flag};

pub use keyspec::keys_of;
pub use migrate::MigrateSockets;

/// Every family's table, in the order COMMAND lists them (Redis's order is a hash order,
/// so clients must not depend on it).
pub const FAMILIES: &[&[CommandSpec]] = &[
    connection::COMMANDS,
    client::COMMANDS,
    server::COMMANDS,
    persistence::COMMANDS,
    command::COMMANDS,
    debug::COMMANDS,
    keys::COMMANDS,
    dump::COMMANDS,
    migrate::COMMANDS,
    ttl::COMMANDS,
    string::COMMANDS,
    hash::COMMANDS,
    set::COMMANDS,
    list::COMMANDS,
    list_move::COMMANDS,
    zset::COMMANDS,
    zset_range::COMMANDS,
    zset_ops::COMMANDS,
    zset_pop::COMMANDS,
    geo::COMMANDS,
    geo_search::COMMANDS,
    sort::COMMANDS,
    multi::COMMANDS,
    pubsub::COMMANDS,
    bitops::COMMANDS,
    bitfield::COMMANDS,
    hyperloglog::COMMANDS,
    scripting::COMMANDS,
    function::COMMANDS,
    memory::COMMANDS,
    replication::COMMANDS,
];

/// What a handler works with: the server, the client that sent the command, and the time
/// the command started (all of a command sees one instant, as Redis's cached time).
pub struct Ctx<'a> {
    /// Shared state; its `clients` lacks the current client, which is `client`.
    pub server: &'a mut Server,
    /// The client running the command.
    pub client: &'a mut Client,
    /// Unix ms when the command started.
    pub now: Millis,
    /// The command being run.
    pub command: &'static Command,
}

impl Ctx<'_> {
    /// The index of the client's selected database.
    pub fn db(&self) -> usize {
        self.client.db
    }

    /// Whether anything receives propagated commands (the AOF, replicas): handlers
    /// check it before building a rewritten argument vector, so that a server with
    /// neither pays nothing for them.
    pub fn propagating(&self) -> bool {
        self.server
            .propagation_wanted(crate::propagate::target::ALL)
    }

    /// Propagates this command to the AOF and replicas as `argv` instead of how it came
    /// (Redis's `rewriteClientCommandVector`), e.g. EXPIRE as PEXPIREAT.
    pub fn propagate_as<A: AsRef<[u8]>>(&mut self, argv: &[A]) {
        if self.propagating() {
            self.client.propagation.argv = Some(argv.iter().collect());
        }
    }

    /// Propagates this command's deletion of `key` as DEL, or UNLINK when `lazy`.
    pub fn propagate_as_deletion(&mut self, key: &[u8], lazy: bool) {
        let name: &[u8] = if lazy { b"UNLINK" } else { b"DEL" };
        self.propagate_as(&[name, key]);
    }

    /// This command is not propagated, whatever it changed (what it adds with
    /// `Server::also_propagate` still is).
    pub fn prevent_propagation(&mut self) {
        self.client.propagation.prevent = crate::propagate::target::ALL;
    }

    /// This command is propagated to `to` even if it changed nothing.
    pub fn force_propagation(&mut self, to: u8) {
        self.client.propagation.force |= to;
    }
}

/// A command or subcommand in the registry: its table entry plus what is derived from it.
#[derive(Debug)]
pub struct Command {
    /// The table entry.
    pub spec: &'static CommandSpec,
    /// "get", or "config|get" for a subcommand.
    pub full_name: &'static str,
    /// Index into per-command statistics.
    pub id: usize,
    /// The declared flags plus `movablekeys` when the key specs call for it.
    pub flags: u64,
    /// The container, for a subcommand.
    pub parent: Option<usize>,
    /// Subcommands by lowercase name, for a container.
    pub subcommands: HashMap<&'static [u8], usize>,
}

impl Command {
    /// Whether a flag is set.
    pub fn has(&self, flag: u64) -> bool {
        self.flags & flag != 0
    }
}

/// The result of looking a command up by its arguments.
pub enum Lookup<'r> {
    /// Found (a subcommand if the container has it).
    Found(&'r Command),
    /// No such command.
    Unknown,
    /// The container exists but not this subcommand.
    UnknownSubcommand(&'r Command),
}

/// The registry's name index: looked up once per command, so a fast hash pays.
type NameIndex = HashMap<Vec<u8>, usize, foldhash::fast::RandomState>;

/// All commands, built once from [`FAMILIES`].
#[derive(Debug)]
pub struct Registry {
    commands: Vec<Command>,
    by_name: NameIndex,
}

impl Registry {
    fn build(renames: &[(Vec<u8>, Vec<u8>)]) -> Registry {
        let mut registry = Registry {
            commands: Vec::new(),
            by_name: NameIndex::default(),
        };
        for family in FAMILIES {
            for spec in *family {
                let id = registry.add(spec, None);
                registry.by_name.insert(spec.name.as_bytes().to_vec(), id);
            }
        }
        // rename-command: the config already validated that each old name exists once.
        for (old, new) in renames {
            if let Some(id) = registry.by_name.remove(&old.to_ascii_lowercase())
                && !new.is_empty()
            {
                registry.by_name.insert(new.to_ascii_lowercase(), id);
            }
        }
        registry
    }

    fn add(&mut self, spec: &'static CommandSpec, parent: Option<usize>) -> usize {
        let id = self.commands.len();
        let full_name: &'static str = match parent.and_then(|p| self.commands.get(p)) {
            // Built once per process; the names live as long as the registry.
            Some(p) => Box::leak(format!("{}|{}", p.full_name, spec.name).into_boxed_str()),
            None => spec.name,
        };
        self.commands.push(Command {
            spec,
            full_name,
            id,
            flags: spec.flags | keyspec::movable_flag(spec),
            parent,
            subcommands: HashMap::new(),
        });
        for sub in spec.subcommands {
            let sub_id = self.add(sub, Some(id));
            if let Some(me) = self.commands.get_mut(id) {
                me.subcommands.insert(sub.name.as_bytes(), sub_id);
            }
        }
        id
    }

    /// How many commands and subcommands there are (the size of per-command tables).
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether the registry is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// A command by id.
    pub fn get(&self, id: usize) -> Option<&Command> {
        self.commands.get(id)
    }

    /// Top-level commands, in table order (renamed ones under their new names).
    pub fn top_level(&self) -> impl Iterator<Item = &Command> {
        let mut ids: Vec<usize> = self.by_name.values().copied().collect();
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.commands.get(id))
    }

    /// The subcommands of a container, in table order.
    pub fn subcommands_of<'r>(&'r self, cmd: &'r Command) -> impl Iterator<Item = &'r Command> {
        let mut ids: Vec<usize> = cmd.subcommands.values().copied().collect();
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.commands.get(id))
    }

    /// A top-level command by name, any case.
    pub fn by_name(&self, name: &[u8]) -> Option<&Command> {
        let mut lower = [0u8; 64];
        let id = if name.len() <= lower.len() {
            let buf = lower.get_mut(..name.len())?;
            buf.copy_from_slice(name);
            buf.make_ascii_lowercase();
            self.by_name.get(&*buf)
        } else {
            self.by_name.get(&name.to_ascii_lowercase())
        };
        id.and_then(|&id| self.commands.get(id))
    }

    /// Finds the command for a request, descending into a container when there is a
    /// second argument (as Redis's `lookupCommand`).
    pub fn lookup(&self, args: Args<'_>) -> Lookup<'_> {
        let Some(base) = self.by_name(args.at(0)) else {
            return Lookup::Unknown;
        };
        if args.len() < 2 || base.subcommands.is_empty() {
            return Lookup::Found(base);
        }
        let sub = args.at(1).to_ascii_lowercase();
        match base
            .subcommands
            .get(sub.as_slice())
            .and_then(|&id| self.commands.get(id))
        {
            Some(cmd) => Lookup::Found(cmd),
            None => Lookup::UnknownSubcommand(base),
        }
    }

    /// Every command and subcommand, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Command> {
        self.commands.iter()
    }
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// Builds the registry with the config's `rename-command` pairs; later calls keep the first.
pub fn init_registry(renames: &[(Vec<u8>, Vec<u8>)]) -> &'static Registry {
    REGISTRY.get_or_init(|| Registry::build(renames))
}

/// Whether a top-level command of this name (any case) exists in the tables: what
/// `rename-command` checks in the config file.
pub fn command_exists(name: &[u8]) -> bool {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .any(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
}

/// The registry (built without renames if [`init_registry`] was not called first).
pub fn registry() -> &'static Registry {
    REGISTRY.get_or_init(|| Registry::build(&[]))
}
/// Replies with an element of a collection (a listpack entry, a set or sorted-set member)
/// as a bulk string: integers in decimal, as Redis replies with an integer-encoded element.
pub(crate) fn reply_entry(reply: &mut ReplyBuf, entry: scarlet_storage::LpEntry<'_>) {
    match entry {
        scarlet_storage::LpEntry::Str(bytes) => reply.bulk(bytes),
        scarlet_storage::LpEntry::Int(n) => reply.bulk_int(n),
    }
}

/// The most bytes a reply of repeated random picks (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER
/// with a negative count) may reach: the normal clients' output buffer hard limit, where
/// Redis stops and drops the client, or 1 GiB when there is none, so that a count of
/// -2^62 cannot exhaust memory.
pub(crate) fn random_reply_cap(server: &Server) -> usize {
    const BACKSTOP: usize = 1 << 30;
    let limit = server
        .config
        .client_output_buffer_limit
        .normal
        .hard_limit_bytes;
    usize::try_from(limit)
        .ok()
        .filter(|&limit| limit > 0)
        .map_or(BACKSTOP, |limit| limit.min(BACKSTOP))
}

/// A reply of random picks passed [`random_reply_cap`]: as Redis drops the client at its
/// output limit, the partial reply is abandoned and the connection closed.
pub(crate) fn abandon_oversized_reply(client: &mut Client, reply_start: usize) {
    client.reply.truncate(reply_start);
    client.handle.kill();
}

/// Redis's HELP reply: a header naming the command, the given lines, then HELP's own entry.
pub fn reply_help(reply: &mut ReplyBuf, command: &str, lines: &[&str]) {
    reply.array(lines.len() + 3);
    reply.simple(
        format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for line in lines {
        reply.simple(line.as_bytes());
    }
    reply.simple(b"HELP");
    reply.simple(b"    Prints this help.");
}

/// Redis's `addReplySubcommandSyntaxError`: the answer of a container whose own checks
/// refuse a subcommand's argument count (beyond what the table's arity allows). The
/// subcommand is quoted as typed, as a C string of at most 128 bytes.
pub fn subcommand_syntax_error(args: Args<'_>) -> CmdError {
    let sub = args.at(1);
    let end = sub
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(sub.len())
        .min(128);
    CmdError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(sub.get(..end).unwrap_or_default()),
        String::from_utf8_lossy(args.at(0)).to_ascii_uppercase()
    ))
}

/// Whether the command may change the dataset or propagate: what CLIENT PAUSE WRITE stops.
pub fn may_replicate(cmd: &Command) -> bool {
    cmd.has(flag::WRITE) || cmd.has(flag::MAY_REPLICATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_consistent() {
        let registry = Registry::build(&[]);
        let mut names = std::collections::HashSet::new();
        for cmd in registry.iter() {
            let spec = cmd.spec;
            assert!(
                names.insert(cmd.full_name),
                "duplicate command {}",
                cmd.full_name
            );
            assert_eq!(
                spec.name,
                spec.name.to_ascii_lowercase(),
                "{} not lowercase",
                spec.name
            );
            assert!(spec.arity != 0, "{} has no arity", cmd.full_name);
            assert!(!spec.summary.is_empty(), "{} has no summary", cmd.full_name);
            if spec.handler.is_none() {
                assert!(
                    !spec.subcommands.is_empty() && spec.arity <= -2,
                    "{}: only a container that needs a subcommand may lack a handler",
                    cmd.full_name
                );
            }
            assert!(
                !(spec.flags & flag::WRITE != 0 && spec.flags & flag::READONLY != 0),
                "{} is both write and readonly",
                cmd.full_name
            );
            let args = syntax::parse(spec.syntax)
                .unwrap_or_else(|e| panic!("{}: bad syntax: {e:?}", cmd.full_name));
            for arg in &args {
                if let Some(index) = arg.key_spec {
                    assert!(
                        (index as usize) < spec.keys.len(),
                        "{}: argument {} refers to missing key spec {index}",
                        cmd.full_name,
                        arg.name
                    );
                }
            }
            if cmd.parent.is_some() {
                assert!(spec.arity < 0 || spec.arity >= 2, "{}", cmd.full_name);
            }
        }
    }

    #[test]
    fn lookup_descends_into_containers() {
        let registry = Registry::build(&[]);
        let args: scarlet_protocol::OwnedArgs = ["CONFIG", "get", "x"].into_iter().collect();
        match registry.lookup(args.args()) {
            Lookup::Found(cmd) => assert_eq!(cmd.full_name, "config|get"),
            _ => panic!("config get not found"),
        }
        let args: scarlet_protocol::OwnedArgs = ["config", "nope"].into_iter().collect();
        assert!(matches!(
            registry.lookup(args.args()),
            Lookup::UnknownSubcommand(_)
        ));
        let args: scarlet_protocol::OwnedArgs = ["nope"].into_iter().collect();
        assert!(matches!(registry.lookup(args.args()), Lookup::Unknown));
    }

    #[test]
    fn renames_apply() {
        let registry = Registry::build(&[
            (b"get".to_vec(), b"fetch".to_vec()),
            (b"flushall".to_vec(), Vec::new()),
        ]);
        assert!(registry.by_name(b"get").is_none());
        assert_eq!(registry.by_name(b"FETCH").map(|c| c.full_name), Some("get"));
        assert!(registry.by_name(b"flushall").is_none());
    }
}
