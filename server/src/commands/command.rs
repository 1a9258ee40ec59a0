//! COMMAND and its subcommands: introspection generated from the command tables.
//!
//! COMMAND INFO and COMMAND DOCS are how clients (redis-cli's hints and HELP, cluster
//! clients' key routing) learn what we support, so their shapes follow Redis 7.0 exactly.

use scarlet_protocol::{Args, ReplyBuf};
use scarlet_storage::glob::glob_match;

use super::spec::{CommandSpec, Group, acl, doc, flag, key};
use super::syntax::{self, Arg, ArgType};
use super::{Command, Ctx, Lookup, args, keyspec, registry};
use crate::error::{CmdError, CmdResult};

const SUB: u64 = flag::LOADING | flag::STALE | flag::SENTINEL;

/// The COMMAND container's table.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "command",
    arity: -1,
    flags: SUB,
    acl: acl::CONNECTION,
    handler: Some(command),
    summary: "Returns details about every command",
    since: "2.8.13",
    complexity: "O(N) where N is the total number of Redis commands",
    group: Group::Server,
    tips: &["nondeterministic_output_order"],
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "count",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(count),
        summary: "Returns how many commands there are",
        since: "2.8.13",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "docs",
        arity: -2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(docs),
        summary: "Returns the documentation of commands",
        since: "7.0.0",
        complexity: "O(N) where N is the number of commands to look up",
        group: Group::Server,
        syntax: "[command-name]...",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getkeys",
        arity: -4,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(getkeys),
        summary: "Extracts the key names from a full command",
        since: "2.8.13",
        complexity: "O(N) where N is the number of arguments to the command",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getkeysandflags",
        arity: -4,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(getkeysandflags),
        summary: "Extracts the key names and their access flags from a full command",
        since: "7.0.0",
        complexity: "O(N) where N is the number of arguments to the command",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(help),
        summary: "Shows helpful text about the COMMAND subcommands",
        since: "5.0.0",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "info",
        arity: -2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(info),
        summary: "Returns details about commands",
        since: "2.8.13",
        complexity: "O(N) where N is the number of commands to look up",
        group: Group::Server,
        syntax: "[command-name]...",
        tips: &["nondeterministic_output_order"],
        history: &[(
            "7.0.0",
            "Allowed to be called with no argument to get info on all commands.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "list",
        arity: -2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(list),
        summary: "Returns the names of commands, optionally filtered",
        since: "7.0.0",
        complexity: "O(N) where N is the total number of Redis commands",
        group: Group::Server,
        syntax: "[FILTERBY (MODULE module-name|ACLCAT category|PATTERN pattern:pattern)]",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
];

fn command(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let reg = registry();
    let top: Vec<&Command> = reg.top_level().collect();
    let reply = &mut ctx.client.reply;
    reply.array(top.len());
    for cmd in top {
        reply_info(reply, cmd);
    }
    Ok(())
}

fn count(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let n = registry().top_level().count();
    ctx.client.reply.count(n);
    Ok(())
}

/// A command by its full name ("get", "config|get"), as Redis's `lookupCommandBySds`.
fn by_full_name(name: &[u8]) -> Option<&'static Command> {
    let parts: Vec<&[u8]> = name.split(|&b| b == b'|').collect();
    let reg = registry();
    match parts.as_slice() {
        [base] => reg.by_name(base),
        [base, sub] => {
            let owned: scarlet_protocol::OwnedArgs = [*base, *sub].into_iter().collect();
            match reg.lookup(owned.args()) {
                Lookup::Found(cmd) if cmd.parent.is_some() => Some(cmd),
                _ => None,
            }
        }
        _ => None,
    }
}

fn info(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let reply = &mut ctx.client.reply;
    if args.len() == 2 {
        let top: Vec<&Command> = registry().top_level().collect();
        reply.array(top.len());
        for cmd in top {
            reply_info(reply, cmd);
        }
    } else {
        reply.array(args.len() - 2);
        for name in args.iter().skip(2) {
            match by_full_name(name) {
                Some(cmd) => reply_info(reply, cmd),
                None => reply.null(),
            }
        }
    }
    Ok(())
}

fn docs(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let reply = &mut ctx.client.reply;
    let wanted: Vec<&Command> = if args.len() == 2 {
        registry().top_level().collect()
    } else {
        args.iter().skip(2).filter_map(by_full_name).collect()
    };
    reply.map(wanted.len());
    for cmd in wanted {
        reply.bulk(cmd.full_name.as_bytes());
        reply_docs(reply, cmd);
    }
    Ok(())
}

/// The keys of the command in `args[2..]`, or the error COMMAND GETKEYS gives.
fn keys_for(
    args: Args<'_>,
) -> Result<(scarlet_protocol::OwnedArgs, Vec<super::spec::KeyRef>), CmdError> {
    let inner: scarlet_protocol::OwnedArgs = args.iter().skip(2).collect();
    let cmd = match registry().lookup(inner.args()) {
        Lookup::Found(cmd) => cmd,
        _ => return Err(CmdError::err("Invalid command specified")),
    };
    if !keyspec::has_keys(cmd.spec) {
        return Err(CmdError::err("The command has no key arguments"));
    }
    if !cmd.spec.arity_ok(inner.len()) {
        return Err(CmdError::err(
            "Invalid number of arguments specified for command",
        ));
    }
    match keyspec::keys_of(cmd.spec, inner.args()) {
        Some(keys) if !keys.is_empty() => Ok((inner, keys)),
        _ if cmd.has(flag::NO_MANDATORY_KEYS) => Ok((inner, Vec::new())),
        _ => Err(CmdError::err("Invalid arguments specified for command")),
    }
}

fn getkeys(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (inner, keys) = keys_for(args)?;
    let reply = &mut ctx.client.reply;
    reply.array(keys.len());
    for k in keys {
        reply.bulk(inner.args().at(k.pos));
    }
    Ok(())
}

fn getkeysandflags(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (inner, keys) = keys_for(args)?;
    let reply = &mut ctx.client.reply;
    reply.array(keys.len());
    for k in keys {
        reply.array(2);
        reply.bulk(inner.args().at(k.pos));
        reply_flag_set(
            reply,
            key::NAMES.iter().map(|&(bit, name)| (u64::from(bit), name)),
            u64::from(k.flags),
        );
    }
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    super::reply_help(
        &mut ctx.client.reply,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Details about every command.",
            "COUNT",
            "    How many commands there are.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    The names of the commands, optionally filtered.",
            "INFO [<command-name> ...]",
            "    Details about the given commands, or all of them.",
            "DOCS [<command-name> ...]",
            "    Documentation of the given commands, or all of them.",
            "GETKEYS <full-command>",
            "    The keys of a full command.",
            "GETKEYSANDFLAGS <full-command>",
            "    The keys of a full command with their access flags.",
        ],
    );
    Ok(())
}

/// COMMAND LIST's filter.
enum Filter<'a> {
    None,
    Module,
    AclCategory(u64),
    Pattern(&'a [u8]),
}

fn list(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut filter = Filter::None;
    let mut i = 2;
    while i < args.len() {
        if args::is(args.at(i), "filterby") && args.len() - 1 - i == 2 {
            let kind = args.at(i + 1);
            let value = args.at(i + 2);
            filter = if args::is(kind, "module") {
                Filter::Module
            } else if args::is(kind, "aclcat") {
                let category = acl::NAMES
                    .iter()
                    .find(|(_, name)| name.as_bytes().eq_ignore_ascii_case(value))
                    .map_or(0, |&(bit, _)| bit);
                Filter::AclCategory(category)
            } else if args::is(kind, "pattern") {
                Filter::Pattern(value)
            } else {
                return Err(CmdError::Syntax);
            };
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let reg = registry();
    let mut names = Vec::new();
    for top in reg.top_level() {
        for cmd in std::iter::once(top).chain(reg.subcommands_of(top)) {
            let keep = match filter {
                Filter::None => true,
                // No modules exist, so no command belongs to one.
                Filter::Module => false,
                Filter::AclCategory(0) => false,
                Filter::AclCategory(bit) => cmd.spec.acl_categories() & bit != 0,
                Filter::Pattern(p) => glob_match(p, cmd.full_name.as_bytes(), true),
            };
            if keep {
                names.push(cmd.full_name);
            }
        }
    }
    let reply = &mut ctx.client.reply;
    reply.array(names.len());
    for name in names {
        reply.bulk(name.as_bytes());
    }
    Ok(())
}

/// A set of status replies naming the bits of `value`.
fn reply_flag_set<'n>(
    reply: &mut ReplyBuf,
    names: impl Iterator<Item = (u64, &'n str)> + Clone,
    value: u64,
) {
    let count = names.clone().filter(|(bit, _)| value & bit != 0).count();
    reply.set(count);
    for (bit, name) in names {
        if value & bit != 0 {
            reply.simple(name.as_bytes());
        }
    }
}

/// One command's COMMAND INFO entry.
pub fn reply_info(reply: &mut ReplyBuf, cmd: &Command) {
    let spec = cmd.spec;
    let (first, last, step) = keyspec::legacy_first_last_step(spec);
    reply.array(10);
    reply.bulk(cmd.full_name.as_bytes());
    reply.int(i64::from(spec.arity));
    reply_flag_set(reply, flag::NAMES.iter().copied(), cmd.flags);
    reply.int(first);
    reply.int(last);
    reply.int(step);
    let categories = spec.acl_categories();
    let count = acl::NAMES
        .iter()
        .filter(|(bit, _)| categories & bit != 0)
        .count();
    reply.set(count);
    for &(bit, name) in acl::NAMES {
        if categories & bit != 0 {
            reply.simple(format!("@{name}").as_bytes());
        }
    }
    reply.set(spec.tips.len());
    for tip in spec.tips {
        reply.bulk(tip.as_bytes());
    }
    reply.set(spec.keys.len());
    for ks in spec.keys {
        reply_key_spec(reply, ks);
    }
    let reg = registry();
    let subs: Vec<&Command> = reg.subcommands_of(cmd).collect();
    if subs.is_empty() {
        reply.set(0);
    } else {
        reply.array(subs.len());
        for sub in subs {
            reply_info(reply, sub);
        }
    }
}

fn reply_key_spec(reply: &mut ReplyBuf, ks: &super::spec::KeySpec) {
    use super::spec::{BeginSearch, FindKeys};
    reply.map(if ks.notes.is_some() { 4 } else { 3 });
    if let Some(notes) = ks.notes {
        reply.bulk(b"notes");
        reply.bulk(notes.as_bytes());
    }
    reply.bulk(b"flags");
    reply_flag_set(
        reply,
        key::NAMES.iter().map(|&(bit, name)| (u64::from(bit), name)),
        u64::from(ks.flags),
    );
    reply.bulk(b"begin_search");
    reply.map(2);
    reply.bulk(b"type");
    match ks.begin {
        BeginSearch::Index(pos) => {
            reply.bulk(b"index");
            reply.bulk(b"spec");
            reply.map(1);
            reply.bulk(b"index");
            reply.int(pos.into());
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            reply.bulk(b"keyword");
            reply.bulk(b"spec");
            reply.map(2);
            reply.bulk(b"keyword");
            reply.bulk(keyword.as_bytes());
            reply.bulk(b"startfrom");
            reply.int(startfrom.into());
        }
        BeginSearch::Unknown => {
            reply.bulk(b"unknown");
            reply.bulk(b"spec");
            reply.map(0);
        }
    }
    reply.bulk(b"find_keys");
    reply.map(2);
    reply.bulk(b"type");
    match ks.find {
        FindKeys::Range {
            lastkey,
            step,
            limit,
        } => {
            reply.bulk(b"range");
            reply.bulk(b"spec");
            reply.map(3);
            reply.bulk(b"lastkey");
            reply.int(lastkey.into());
            reply.bulk(b"keystep");
            reply.int(step.into());
            reply.bulk(b"limit");
            reply.int(limit.into());
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            step,
        } => {
            reply.bulk(b"keynum");
            reply.bulk(b"spec");
            reply.map(3);
            reply.bulk(b"keynumidx");
            reply.int(keynumidx.into());
            reply.bulk(b"firstkey");
            reply.int(firstkey.into());
            reply.bulk(b"keystep");
            reply.int(step.into());
        }
        FindKeys::Unknown => {
            reply.bulk(b"unknown");
            reply.bulk(b"spec");
            reply.map(0);
        }
    }
}

/// One command's COMMAND DOCS entry.
pub fn reply_docs(reply: &mut ReplyBuf, cmd: &Command) {
    let spec = cmd.spec;
    // A table's syntax is checked by a unit test, so parsing cannot fail here; an empty
    // argument list is the safe answer if it ever did.
    let arguments = syntax::parse(spec.syntax).unwrap_or_default();
    let reg = registry();
    let subs: Vec<&Command> = reg.subcommands_of(cmd).collect();
    let mut fields = 4; // summary, since, group, complexity
    fields += usize::from(spec.doc_flags != 0);
    fields += usize::from(spec.deprecated_since.is_some());
    fields += usize::from(spec.replaced_by.is_some());
    fields += usize::from(!spec.history.is_empty());
    fields += usize::from(!arguments.is_empty());
    fields += usize::from(!subs.is_empty());
    reply.map(fields);
    reply.bulk(b"summary");
    reply.bulk(spec.summary.as_bytes());
    reply.bulk(b"since");
    reply.bulk(spec.since.as_bytes());
    reply.bulk(b"group");
    reply.bulk(spec.group.name().as_bytes());
    reply.bulk(b"complexity");
    reply.bulk(spec.complexity.as_bytes());
    if spec.doc_flags != 0 {
        reply.bulk(b"doc_flags");
        let names = [
            (u64::from(doc::DEPRECATED), "deprecated"),
            (u64::from(doc::SYSCMD), "syscmd"),
        ];
        reply_flag_set(reply, names.into_iter(), u64::from(spec.doc_flags));
    }
    if let Some(since) = spec.deprecated_since {
        reply.bulk(b"deprecated_since");
        reply.bulk(since.as_bytes());
    }
    if let Some(by) = spec.replaced_by {
        reply.bulk(b"replaced_by");
        reply.bulk(by.as_bytes());
    }
    if !spec.history.is_empty() {
        reply.bulk(b"history");
        reply.set(spec.history.len());
        for (version, change) in spec.history {
            reply.array(2);
            reply.bulk(version.as_bytes());
            reply.bulk(change.as_bytes());
        }
    }
    if !arguments.is_empty() {
        reply.bulk(b"arguments");
        reply_arguments(reply, &arguments);
    }
    if !subs.is_empty() {
        reply.bulk(b"subcommands");
        reply.map(subs.len());
        for sub in subs {
            reply.bulk(sub.full_name.as_bytes());
            reply_docs(reply, sub);
        }
    }
}

fn reply_arguments(reply: &mut ReplyBuf, arguments: &[Arg]) {
    reply.array(arguments.len());
    for arg in arguments {
        let nested = matches!(arg.kind, ArgType::OneOf | ArgType::Block);
        let flags = u64::from(arg.optional)
            | u64::from(arg.multiple) << 1
            | u64::from(arg.multiple_token) << 2;
        let fields = 2
            + usize::from(arg.key_spec.is_some())
            + usize::from(arg.token.is_some())
            + usize::from(arg.since.is_some())
            + usize::from(arg.deprecated_since.is_some())
            + usize::from(flags != 0)
            + usize::from(nested);
        reply.map(fields);
        reply.bulk(b"name");
        reply.bulk(arg.name.as_bytes());
        reply.bulk(b"type");
        reply.bulk(arg.kind.name().as_bytes());
        if let Some(index) = arg.key_spec {
            reply.bulk(b"key_spec_index");
            reply.int(index.into());
        }
        if let Some(token) = &arg.token {
            reply.bulk(b"token");
            reply.bulk(token.as_bytes());
        }
        if let Some(since) = &arg.since {
            reply.bulk(b"since");
            reply.bulk(since.as_bytes());
        }
        if let Some(version) = &arg.deprecated_since {
            reply.bulk(b"deprecated_since");
            reply.bulk(version.as_bytes());
        }
        if flags != 0 {
            reply.bulk(b"flags");
            let names = [(1, "optional"), (2, "multiple"), (4, "multiple_token")];
            reply_flag_set(reply, names.into_iter(), flags);
        }
        if nested {
            reply.bulk(b"arguments");
            reply_arguments(reply, &arg.children);
        }
    }
}
