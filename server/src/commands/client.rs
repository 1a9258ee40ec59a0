//! CLIENT and its subcommands: identity (ID, SETNAME, GETNAME, SETINFO, INFO, LIST), control
//! (KILL, PAUSE, UNPAUSE, UNBLOCK, REPLY, NO-EVICT, NO-TOUCH).
//!
//! Tracking (CACHING, TRACKING, GETREDIR, TRACKINGINFO) is in `client_tracking.rs`; its
//! table entries are here with the others.

use scarlet_protocol::Args;

use super::Ctx;
use super::args;
use super::client_tracking;
use super::spec::{CommandSpec, Group, acl, flag};
use crate::client::{Client, ClientKind, ReplyMode};
use crate::error::{CmdError, CmdResult};
use crate::server::Pause;

const SUB: u64 = flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SENTINEL;
const ADMIN_SUB: u64 = flag::ADMIN | SUB;

/// The CLIENT container's table.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "client",
    arity: -2,
    flags: flag::SENTINEL,
    summary: "A container for client connection commands",
    since: "2.4.0",
    complexity: "Depends on subcommand.",
    group: Group::Connection,
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "caching",
        arity: 3,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(client_tracking::caching),
        summary: "Instructs the server whether to track the keys in the next request",
        since: "6.0.0",
        group: Group::Connection,
        syntax: "mode=(YES|NO)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getname",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(getname),
        summary: "Returns the name of the connection",
        since: "2.6.9",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getredir",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(client_tracking::getredir),
        summary: "Returns the client ID to which the connection's tracking notifications are redirected",
        since: "6.0.0",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE | flag::SENTINEL,
        acl: acl::CONNECTION,
        handler: Some(help),
        summary: "Shows helpful text about the CLIENT subcommands",
        since: "5.0.0",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "id",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(id),
        summary: "Returns the unique id of the connection",
        since: "5.0.0",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "info",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(info),
        summary: "Returns information about this connection",
        since: "6.2.0",
        group: Group::Connection,
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "kill",
        arity: -3,
        flags: ADMIN_SUB,
        acl: acl::CONNECTION,
        handler: Some(kill),
        summary: "Closes connections chosen by address, id, type or user",
        since: "2.4.0",
        complexity: "O(N) where N is the number of client connections",
        group: Group::Connection,
        syntax: "filter=(ip:port^2.8.12|new-format=([ID client-id:integer]@2.8.12|[normal_master_slave_pubsub=TYPE (NORMAL|MASTER@3.2.0|SLAVE|REPLICA@5.0.0|PUBSUB)]@2.8.12|[USER username]|[ADDR ip:port]|[LADDR ip:port]@6.2.0|[SKIPME yes/no])...)",
        history: &[
            ("2.8.12", "Added new filter format."),
            ("2.8.12", "`ID` option."),
            ("3.2.0", "Added `master` type in for `TYPE` option."),
            (
                "5.0.0",
                "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.",
            ),
            ("6.2.0", "`LADDR` option."),
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "list",
        arity: -2,
        flags: ADMIN_SUB,
        acl: acl::CONNECTION,
        handler: Some(list),
        summary: "Lists the client connections",
        since: "2.4.0",
        complexity: "O(N) where N is the number of client connections",
        group: Group::Connection,
        syntax: "[normal_master_replica_pubsub=TYPE (NORMAL|MASTER|REPLICA|PUBSUB)]@5.0.0 [ID (client-id:integer...)]@6.2.0",
        tips: &["nondeterministic_output"],
        history: &[
            ("2.8.12", "Added unique client `id` field."),
            ("5.0.0", "Added optional `TYPE` filter."),
            ("6.0.0", "Added `user` field."),
            (
                "6.2.0",
                "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.",
            ),
            (
                "7.0.0",
                "Added `resp`, `multi-mem`, `rbs` and `rbp` fields.",
            ),
            ("7.0.3", "Added `ssub` field."),
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "no-evict",
        arity: 3,
        flags: ADMIN_SUB,
        acl: acl::CONNECTION,
        handler: Some(no_evict),
        summary: "Exempts this connection from client eviction",
        since: "7.0.0",
        group: Group::Connection,
        syntax: "enabled=(ON|OFF)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "no-touch",
        arity: 3,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(no_touch),
        summary: "Stops this connection's reads from changing keys' access times",
        since: "7.2.0",
        group: Group::Connection,
        syntax: "enabled=(ON|OFF)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pause",
        arity: -3,
        flags: ADMIN_SUB,
        acl: acl::CONNECTION,
        handler: Some(pause),
        summary: "Suspends commands of every client, or just writes, for a while",
        since: "2.9.50",
        group: Group::Connection,
        syntax: "timeout:integer mode=[WRITE|ALL]@6.2.0",
        history: &[(
            "6.2.0",
            "`CLIENT PAUSE WRITE` mode added along with the `mode` option.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "reply",
        arity: 3,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(reply),
        summary: "Turns this connection's replies on or off, or skips the next one",
        since: "3.2.0",
        group: Group::Connection,
        syntax: "on_off_skip=(ON|OFF|SKIP)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "setinfo",
        arity: 4,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(setinfo),
        summary: "Records the client library's name or version for this connection",
        since: "7.2.0",
        group: Group::Connection,
        syntax: "attr=(LIB-NAME libname|LIB-VER libver)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "setname",
        arity: 3,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(setname),
        summary: "Names this connection",
        since: "2.6.9",
        group: Group::Connection,
        syntax: "connection-name",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "tracking",
        arity: -3,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(client_tracking::tracking),
        summary: "Controls server-assisted client-side caching for the connection",
        since: "6.0.0",
        complexity: "O(1). Some options may introduce additional complexity.",
        group: Group::Connection,
        syntax: "status=(ON|OFF) [REDIRECT client-id:integer] [PREFIX prefix+...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "trackinginfo",
        arity: 2,
        flags: SUB,
        acl: acl::CONNECTION,
        handler: Some(client_tracking::trackinginfo),
        summary: "Returns information about server-assisted client-side caching for the connection",
        since: "6.2.0",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unblock",
        arity: -3,
        flags: ADMIN_SUB,
        acl: acl::CONNECTION,
        handler: Some(unblock),
        summary: "Ends another connection's blocking command, as a timeout or with an error",
        since: "5.0.0",
        complexity: "O(log N) where N is the number of client connections",
        group: Group::Connection,
        syntax: "client-id:integer timeout_error=[TIMEOUT|ERROR]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unpause",
        arity: 2,
        flags: ADMIN_SUB,
        acl: acl::CONNECTION,
        handler: Some(unpause),
        summary: "Lifts a pause started by CLIENT PAUSE",
        since: "6.2.0",
        complexity: "O(N) Where N is the number of paused clients",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
];

const NAME_ERROR: &str = "Client names cannot contain spaces, newlines or special characters.";

/// Checks a connection name as Redis does: printable ASCII without spaces (an empty name
/// clears it).
pub fn validate_name(name: &[u8]) -> CmdResult {
    if name.iter().all(|&b| (b'!'..=b'~').contains(&b)) {
        Ok(())
    } else {
        Err(CmdError::err(NAME_ERROR))
    }
}

fn getname(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    match &ctx.client.name {
        Some(name) => ctx.client.reply.bulk(name),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    super::reply_help(
        &mut ctx.client.reply,
        "CLIENT",
        &[
            "CACHING (YES|NO)",
            "    Track, or not, the keys of the next command in OPTIN/OPTOUT tracking modes.",
            "GETREDIR",
            "    The id of the client that gets this connection's invalidations.",
            "GETNAME",
            "    The name of this connection.",
            "ID",
            "    The id of this connection.",
            "INFO",
            "    A CLIENT LIST line for this connection.",
            "KILL <ip:port>",
            "    Close the connection from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Close the connections that match every option:",
            "    * ADDR (<ip:port>|<unixsocket>:0): from this address",
            "    * LADDR (<ip:port>|<unixsocket>:0): to this local address",
            "    * ID <client-id>: with this id",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB): of this type",
            "    * USER <username>: authenticated as this user",
            "    * SKIPME (YES|NO): spare this connection (default: yes)",
            "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> ...]",
            "    One line per connection.",
            "NO-EVICT (ON|OFF)",
            "    Exempt this connection from client eviction.",
            "NO-TOUCH (ON|OFF)",
            "    Keep this connection's reads from changing keys' access times.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Hold every client's commands, or only writes, for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Send, drop, or skip the next of this connection's replies.",
            "SETINFO (LIB-NAME|LIB-VER) <value>",
            "    Record the client library's name or version.",
            "SETNAME <name>",
            "    Name this connection.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Turn server-assisted client-side caching on or off.",
            "TRACKINGINFO",
            "    This connection's client-side caching settings.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    End a connection's blocking command as if it timed out, or with an error.",
            "UNPAUSE",
            "    End a CLIENT PAUSE.",
        ],
    );
    Ok(())
}

fn id(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let id = ctx.client.id;
    ctx.client.reply.count(id);
    Ok(())
}

fn info(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let mut line = ctx.client.info_line(ctx.now, "default");
    line.push('\n');
    ctx.client.reply.verbatim(b"txt", line.as_bytes());
    Ok(())
}

/// CLIENT LIST/KILL's notion of a client's type.
fn kind_of(client: &Client) -> ClientKind {
    client.kind
}

fn list(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut text = String::new();
    if args.len() == 4 && args::is(args.at(2), "type") {
        let kind = ClientKind::parse(args.at(3)).ok_or_else(|| unknown_type(args.at(3)))?;
        for_each_client(ctx, |c, now| {
            if kind_of(c) == kind {
                push_line(&mut text, c, now);
            }
        });
    } else if args.len() > 3 && args::is(args.at(2), "id") {
        let mut ids = Vec::new();
        for arg in args.iter().skip(3) {
            ids.push(args::int_or(arg, "Invalid client ID")?);
        }
        for wanted in ids {
            for_each_client(ctx, |c, now| {
                if i64::try_from(c.id).is_ok_and(|id| id == wanted) {
                    push_line(&mut text, c, now);
                }
            });
        }
    } else if args.len() != 2 {
        return Err(CmdError::Syntax);
    } else {
        for_each_client(ctx, |c, now| push_line(&mut text, c, now));
    }
    ctx.client.reply.verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn push_line(text: &mut String, client: &Client, now: i64) {
    text.push_str(&client.info_line(now, "default"));
    text.push('\n');
}

/// Visits every client in id order, the current one included.
fn for_each_client(ctx: &Ctx<'_>, mut f: impl FnMut(&Client, i64)) {
    let me = &*ctx.client;
    let mut me_done = false;
    for other in ctx.server.clients.iter() {
        if !me_done && me.id < other.id {
            f(me, ctx.now);
            me_done = true;
        }
        f(other, ctx.now);
    }
    if !me_done {
        f(me, ctx.now);
    }
}

fn unknown_type(name: &[u8]) -> CmdError {
    CmdError::err(format!("Unknown client type '{}'", args::c_str(name)))
}

/// The filters of CLIENT KILL.
#[derive(Default)]
struct KillFilter {
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    kind: Option<ClientKind>,
    id: Option<u64>,
    skip_me: bool,
}

impl KillFilter {
    fn matches(&self, client: &Client) -> bool {
        self.addr
            .as_deref()
            .is_none_or(|a| a == client.peer.addr.as_bytes())
            && self
                .laddr
                .as_deref()
                .is_none_or(|a| a == client.peer.local.as_bytes())
            && self.kind.is_none_or(|k| kind_of(client) == k)
            && self.id.is_none_or(|id| id == client.id)
    }
}

fn kill(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let old_form = args.len() == 3;
    let mut filter = KillFilter::default();
    if old_form {
        filter.addr = Some(args.at(2).to_vec());
    } else {
        filter.skip_me = true;
        let mut i = 2;
        while i < args.len() {
            let option = args.at(i);
            let Some(value) = args.get(i + 1) else {
                return Err(CmdError::Syntax);
            };
            if args::is(option, "id") {
                let id = args::int_or(value, "client-id should be greater than 0")?;
                if id < 1 {
                    return Err(CmdError::err("client-id should be greater than 0"));
                }
                filter.id = u64::try_from(id).ok();
            } else if args::is(option, "type") {
                filter.kind = Some(ClientKind::parse(value).ok_or_else(|| unknown_type(value))?);
            } else if args::is(option, "addr") {
                filter.addr = Some(value.to_vec());
            } else if args::is(option, "laddr") {
                filter.laddr = Some(value.to_vec());
            } else if args::is(option, "user") {
                // The default user is the only user until ACLs arrive.
                if value != b"default" {
                    return Err(CmdError::err(format!(
                        "No such user '{}'",
                        args::c_str(value)
                    )));
                }
            } else if args::is(option, "skipme") {
                filter.skip_me = if args::is(value, "yes") {
                    true
                } else if args::is(value, "no") {
                    false
                } else {
                    return Err(CmdError::Syntax);
                };
            } else {
                return Err(CmdError::Syntax);
            }
            i += 2;
        }
    }
    let mut killed = 0i64;
    for other in ctx.server.clients.iter() {
        if filter.matches(other) {
            other.handle.kill();
            killed += 1;
        }
    }
    let close_me = !filter.skip_me && filter.matches(ctx.client);
    if close_me {
        killed += 1;
    }
    if old_form {
        if killed == 0 {
            return Err(CmdError::err("No such client"));
        }
        ctx.client.reply.ok();
    } else {
        ctx.client.reply.int(killed);
    }
    // Flagged after the reply is queued, so this client still gets it.
    if close_me {
        ctx.client.close_after_reply = true;
    }
    Ok(())
}

/// ON or OFF, for the NO-EVICT and NO-TOUCH switches.
fn on_off(arg: &[u8]) -> Result<bool, CmdError> {
    if args::is(arg, "on") {
        Ok(true)
    } else if args::is(arg, "off") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

fn no_evict(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ctx.client.no_evict = on_off(args.at(2))?;
    ctx.client.reply.ok();
    Ok(())
}

fn no_touch(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ctx.client.no_touch = on_off(args.at(2))?;
    ctx.client.reply.ok();
    Ok(())
}

fn pause(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // Redis's CLIENT accepts PAUSE with 3 or 4 arguments and answers any other count with
    // its generic subcommand error.
    if args.len() > 4 {
        return Err(super::subcommand_syntax_error(args));
    }
    let writes_only = match args.get(3) {
        None => false,
        Some(mode) if args::is(mode, "write") => true,
        Some(mode) if args::is(mode, "all") => false,
        Some(_) => return Err(CmdError::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let timeout = args::int_or(args.at(2), "timeout is not an integer or out of range")?;
    if timeout < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    // Redis 7.0.15 adds the timeout to the clock without an overflow check: a huge
    // timeout is accepted and its end wraps into the past, so the pause is over at once.
    // The wrapping add does the same, on purpose.
    let until = if timeout > 0 {
        timeout.wrapping_add(ctx.now)
    } else {
        0
    };
    // Pauses combine as Redis's: the later end and the stricter mode win.
    let merged = match ctx.server.pause {
        Some(old) => Pause {
            until: old.until.max(until),
            writes_only: old.writes_only && writes_only,
        },
        None => Pause { until, writes_only },
    };
    ctx.server.pause = Some(merged);
    ctx.client.reply.ok();
    Ok(())
}

fn reply(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let action = args.at(2);
    if args::is(action, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.client.reply.ok();
    } else if args::is(action, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if args::is(action, "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

fn setinfo(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let attr = args.at(2);
    let value = args.at(3);
    let which = if args::is(attr, "lib-name") {
        "lib-name"
    } else if args::is(attr, "lib-ver") {
        "lib-ver"
    } else {
        return Err(CmdError::err(format!(
            "Unrecognized option '{}'",
            args::c_str(attr)
        )));
    };
    if !value.iter().all(|&b| (b'!'..=b'~').contains(&b)) {
        return Err(CmdError::err(format!(
            "{which} cannot contain spaces, newlines or special characters."
        )));
    }
    let stored = (!value.is_empty()).then(|| value.to_vec());
    if which == "lib-name" {
        ctx.client.lib_name = stored;
    } else {
        ctx.client.lib_ver = stored;
    }
    ctx.client.reply.ok();
    Ok(())
}

fn setname(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let name = args.at(2);
    validate_name(name)?;
    ctx.client.name = (!name.is_empty()).then(|| name.to_vec());
    ctx.client.reply.ok();
    Ok(())
}

fn unblock(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // Redis's CLIENT takes UNBLOCK with 3 or 4 arguments, checks the reason before the id,
    // and answers other counts with its generic subcommand error.
    if args.len() > 4 {
        return Err(super::subcommand_syntax_error(args));
    }
    let with_error = match args.get(3) {
        None => false,
        Some(reason) if args::is(reason, "timeout") => false,
        Some(reason) if args::is(reason, "error") => true,
        Some(_) => {
            return Err(CmdError::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ));
        }
    };
    let id = args::int(args.at(2))?;
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.server.unblock_by_request(id, with_error));
    ctx.client.reply.int(i64::from(unblocked));
    Ok(())
}

fn unpause(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    ctx.server.pause = None;
    // Paused connections sleep until their deadline; wake them to run what they hold.
    for other in ctx.server.clients.iter() {
        other.handle.wake();
    }
    ctx.client.reply.ok();
    Ok(())
}
