//! Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT.

use scarlet_protocol::{Args, Resp};

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, acl, flag};
use crate::client::{ClientKind, ReplyMode};
use crate::error::{CmdError, CmdResult};

/// The connection family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "ping",
        arity: -1,
        flags: flag::FAST | flag::SENTINEL,
        acl: acl::CONNECTION,
        handler: Some(ping),
        summary: "Returns PONG, or the message if one is given",
        group: Group::Connection,
        syntax: "[message]",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "echo",
        arity: 2,
        flags: flag::LOADING | flag::STALE | flag::FAST,
        acl: acl::CONNECTION,
        handler: Some(echo),
        summary: "Returns its argument",
        group: Group::Connection,
        syntax: "message",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "quit",
        arity: -1,
        flags: flag::ALLOW_BUSY
            | flag::NOSCRIPT
            | flag::LOADING
            | flag::STALE
            | flag::FAST
            | flag::NO_AUTH,
        acl: acl::CONNECTION,
        handler: Some(quit),
        summary: "Closes the connection after replying OK",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "reset",
        arity: 1,
        flags: flag::NOSCRIPT
            | flag::LOADING
            | flag::STALE
            | flag::FAST
            | flag::NO_AUTH
            | flag::ALLOW_BUSY,
        acl: acl::CONNECTION,
        handler: Some(reset),
        summary: "Returns the connection to its initial state",
        since: "6.2.0",
        group: Group::Connection,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hello",
        arity: -1,
        flags: flag::NOSCRIPT
            | flag::LOADING
            | flag::STALE
            | flag::FAST
            | flag::NO_AUTH
            | flag::SENTINEL
            | flag::ALLOW_BUSY,
        acl: acl::CONNECTION,
        handler: Some(hello),
        summary: "Chooses the protocol version, optionally authenticating and naming the connection",
        since: "6.0.0",
        group: Group::Connection,
        syntax: "arguments=[protover:integer [username_password=AUTH (username password)] [SETNAME clientname]]",
        history: &[(
            "6.2.0",
            "`protover` made optional; when called without arguments the command reports the current connection's context.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "auth",
        arity: -2,
        flags: flag::NOSCRIPT
            | flag::LOADING
            | flag::STALE
            | flag::FAST
            | flag::NO_AUTH
            | flag::SENTINEL
            | flag::ALLOW_BUSY,
        acl: acl::CONNECTION,
        handler: Some(auth),
        summary: "Authenticates the connection",
        complexity: "O(N) where N is the number of passwords defined for the user",
        group: Group::Connection,
        syntax: "[username]@6.0.0 password",
        history: &[("6.0.0", "Added ACL style (username and password).")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "select",
        arity: 2,
        flags: flag::LOADING | flag::STALE | flag::FAST,
        acl: acl::CONNECTION,
        handler: Some(select),
        summary: "Switches the connection to another numbered database",
        group: Group::Connection,
        syntax: "index:integer",
        ..CommandSpec::DEFAULT
    },
];

fn ping(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len() > 2 {
        return Err(CmdError::WrongArity(ctx.command.full_name.to_string()));
    }
    let reply = &mut ctx.client.reply;
    // A RESP2 subscriber gets PING's answer in the shape of a message.
    if ctx.client.kind == ClientKind::Pubsub && reply.resp() == Resp::Resp2 {
        reply.array(2);
        reply.bulk(b"pong");
        reply.bulk(args.get(1).unwrap_or_default());
    } else if let Some(message) = args.get(1) {
        reply.bulk(message);
    } else {
        reply.simple(b"PONG");
    }
    Ok(())
}

fn echo(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ctx.client.reply.bulk(args.at(1));
    Ok(())
}

fn quit(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    ctx.client.reply.ok();
    ctx.client.close_after_reply = true;
    Ok(())
}

fn reset(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if matches!(ctx.client.kind, ClientKind::Replica | ClientKind::Master) {
        return Err(CmdError::err("can only reset normal client connections"));
    }
    let client = &mut *ctx.client;
    client.db = 0;
    client.reply.set_resp(Resp::Resp2);
    client.authenticated = !ctx.server.auth_required();
    client.name = None;
    client.kind = ClientKind::Normal;
    // Redis clears CLIENT REPLY OFF and a pending SKIP, but not the skip of the current
    // command: after CLIENT REPLY SKIP, RESET's own reply is the one skipped.
    if client.reply_mode != ReplyMode::Skip {
        client.reply_mode = ReplyMode::On;
    }
    // Redis 7.0 keeps CLIENT NO-EVICT across RESET (7.2 clears it); NO-TOUCH is 7.2's
    // and cleared as 7.2 does.
    client.no_touch = false;
    // Out of any transaction, subscription, MONITOR and tracking, as `resetCommand`.
    client.multi = None;
    ctx.server.forget_client_state(client);
    client.reply.simple(b"RESET");
    Ok(())
}

fn hello(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut next = 1;
    let mut version = None;
    if let Some(arg) = args.get(1) {
        let v = args::int_or(arg, "Protocol version is not an integer or out of range")?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::coded("NOPROTO unsupported protocol version"));
        }
        version = Some(if v == 2 { Resp::Resp2 } else { Resp::Resp3 });
        next = 2;
    }
    let mut credentials = None;
    let mut name = None;
    let mut j = next;
    while j < args.len() {
        let opt = args.at(j);
        let more = args.len() - 1 - j;
        if args::is(opt, "auth") && more >= 2 {
            credentials = Some((args.at(j + 1), args.at(j + 2)));
            j += 3;
        } else if args::is(opt, "setname") && more >= 1 {
            let candidate = args.at(j + 1);
            super::client::validate_name(candidate)?;
            name = Some(candidate);
            j += 2;
        } else {
            return Err(CmdError::err(format!(
                "Syntax error in HELLO option '{}'",
                args::c_str(opt)
            )));
        }
    }
    if let Some((username, password)) = credentials {
        check_credentials(ctx, username, password)?;
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::coded(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        ctx.client.name = (!name.is_empty()).then(|| name.to_vec());
    }
    if let Some(version) = version {
        ctx.client.reply.set_resp(version);
    }
    let proto = match ctx.client.resp() {
        Resp::Resp2 => 2,
        Resp::Resp3 => 3,
    };
    let id = i64::try_from(ctx.client.id).unwrap_or(i64::MAX);
    let reply = &mut ctx.client.reply;
    reply.map(7);
    reply.bulk(b"server");
    reply.bulk(b"redis");
    reply.bulk(b"version");
    reply.bulk(crate::REDIS_VERSION.as_bytes());
    reply.bulk(b"proto");
    reply.int(proto);
    reply.bulk(b"id");
    reply.int(id);
    reply.bulk(b"mode");
    reply.bulk(if ctx.server.config.cluster_enabled {
        b"cluster"
    } else {
        b"standalone"
    });
    reply.bulk(b"role");
    reply.bulk(b"master");
    reply.bulk(b"modules");
    reply.array(0);
    Ok(())
}

/// Checks a username and password against the default user, the only user until ACLs
/// arrive: `requirepass` is its password, and with none set any password is accepted.
fn check_credentials(ctx: &Ctx<'_>, username: &[u8], password: &[u8]) -> CmdResult {
    let ok = username == b"default"
        && match &ctx.server.config.requirepass {
            None => true,
            Some(required) => constant_time_eq(password, required),
        };
    if ok { Ok(()) } else { Err(CmdError::WrongPass) }
}

/// Compares secrets without leaking, through timing, how long a matching prefix is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn auth(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let (username, password) = if args.len() == 2 {
        if !ctx.server.auth_required() {
            return Err(CmdError::err(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ));
        }
        (&b"default"[..], args.at(1))
    } else {
        (args.at(1), args.at(2))
    };
    check_credentials(ctx, username, password)?;
    ctx.client.authenticated = true;
    ctx.client.reply.ok();
    Ok(())
}

fn select(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let index = args::int32(args.at(1))?;
    if ctx.server.config.cluster_enabled && index != 0 {
        return Err(CmdError::err("SELECT is not allowed in cluster mode"));
    }
    let index = usize::try_from(index).map_err(|_| CmdError::DbIndexOutOfRange)?;
    if index >= ctx.server.dbs.len() {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.client.db = index;
    ctx.client.reply.ok();
    Ok(())
}
