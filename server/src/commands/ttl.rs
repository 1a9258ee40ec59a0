//! Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT), TTL, PTTL,
//! EXPIRETIME, PEXPIRETIME, PERSIST.

use scarlet_protocol::Args;
use scarlet_storage::Millis;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

const SET_EXPIRE_HISTORY: &[(&str, &str)] =
    &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")];

/// The expiry family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "expire",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(expire),
        summary: "Sets a key's time to live in seconds",
        syntax: "key:key seconds:integer condition=[NX|XX|GT|LT]@7.0.0",
        history: SET_EXPIRE_HISTORY,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pexpire",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(pexpire),
        summary: "Sets a key's time to live in milliseconds",
        since: "2.6.0",
        syntax: "key:key milliseconds:integer condition=[NX|XX|GT|LT]@7.0.0",
        history: SET_EXPIRE_HISTORY,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "expireat",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(expireat),
        summary: "Sets a key's expiry as a unix time in seconds",
        since: "1.2.0",
        syntax: "key:key unix-time-seconds:unix-time condition=[NX|XX|GT|LT]@7.0.0",
        history: SET_EXPIRE_HISTORY,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pexpireat",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(pexpireat),
        summary: "Sets a key's expiry as a unix time in milliseconds",
        since: "2.6.0",
        syntax: "key:key unix-time-milliseconds:unix-time condition=[NX|XX|GT|LT]@7.0.0",
        history: SET_EXPIRE_HISTORY,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "ttl",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(ttl),
        summary: "Returns a key's time to live in seconds",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        history: &[("2.8.0", "Added the -2 reply.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pttl",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(pttl),
        summary: "Returns a key's time to live in milliseconds",
        since: "2.6.0",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        history: &[("2.8.0", "Added the -2 reply.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "expiretime",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(expiretime),
        summary: "Returns a key's expiry as a unix time in seconds",
        since: "7.0.0",
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pexpiretime",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(pexpiretime),
        summary: "Returns a key's expiry as a unix time in milliseconds",
        since: "7.0.0",
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "persist",
        arity: 2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(persist),
        summary: "Removes a key's expiry",
        since: "2.2.0",
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
];

/// NX / XX / GT / LT of the EXPIRE family.
#[derive(Default)]
struct Conditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn parse_conditions(args: Args<'_>) -> Result<Conditions, CmdError> {
    let mut c = Conditions::default();
    for opt in args.iter().skip(3) {
        if args::is(opt, "nx") {
            c.nx = true;
        } else if args::is(opt, "xx") {
            c.xx = true;
        } else if args::is(opt, "gt") {
            c.gt = true;
        } else if args::is(opt, "lt") {
            c.lt = true;
        } else {
            return Err(CmdError::err(format!(
                "Unsupported option {}",
                args::c_str(opt)
            )));
        }
    }
    if c.nx && (c.xx || c.gt || c.lt) {
        return Err(CmdError::err(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if c.gt && c.lt {
        return Err(CmdError::err(
            "GT and LT options at the same time are not compatible",
        ));
    }
    Ok(c)
}

/// The EXPIRE family: `base` is added to the argument (now for relative forms, 0 for the
/// absolute ones), after converting seconds to milliseconds.
fn expire_generic(ctx: &mut Ctx<'_>, args: Args<'_>, base: Millis, seconds: bool) -> CmdResult {
    let conditions = parse_conditions(args)?;
    let invalid = || CmdError::InvalidExpireTime(ctx.command.full_name);
    let mut when = args::int(args.at(2))?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    let when = when.checked_add(base).ok_or_else(invalid)?;
    let db = ctx.db();
    let key_name = args.at(1);
    if ctx.server.write_key(db, key_name, ctx.now).is_none() {
        ctx.client.reply.int(0);
        return Ok(());
    }
    let current = ctx.server.expire_of(db, key_name);
    let refused = (conditions.nx && current.is_some())
        || (conditions.xx && current.is_none())
        || (conditions.gt && current.is_none_or(|c| when <= c))
        || (conditions.lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.client.reply.int(0);
        return Ok(());
    }
    // A time already past deletes the key, which Redis reports and propagates as a DEL.
    let event = if ctx.server.already_expired(when, ctx.now) {
        let lazy = ctx.server.config.lazyfree_lazy_expire;
        ctx.server.delete_key_lazily(db, key_name, lazy);
        ctx.propagate_as_deletion(key_name, lazy);
        "del"
    } else {
        ctx.server.set_expire(db, key_name, when);
        // Propagated as PEXPIREAT with the absolute time, options kept.
        if ctx.propagating() {
            let mut number = itoa::Buffer::new();
            let mut argv: Vec<&[u8]> = vec![b"PEXPIREAT", key_name, number.format(when).as_bytes()];
            argv.extend(args.iter().skip(3));
            ctx.propagate_as(&argv);
        }
        "expire"
    };
    ctx.server.key_changed(db, key_name, class::GENERIC, event);
    ctx.client.reply.int(1);
    Ok(())
}

fn expire(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let now = ctx.now;
    expire_generic(ctx, args, now, true)
}

fn pexpire(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let now = ctx.now;
    expire_generic(ctx, args, now, false)
}

fn expireat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    expire_generic(ctx, args, 0, true)
}

fn pexpireat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    expire_generic(ctx, args, 0, false)
}

/// TTL and friends: -2 for a missing key, -1 without expiry, else the remaining time (or
/// the absolute time), in ms or rounded seconds.
fn ttl_generic(ctx: &mut Ctx<'_>, args: Args<'_>, in_ms: bool, absolute: bool) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(1);
    if ctx
        .server
        .read_key(db, key_name, ctx.now, ReadFlags::NO_TOUCH)
        .is_none()
    {
        ctx.client.reply.int(-2);
        return Ok(());
    }
    let reply = match ctx.server.expire_of(db, key_name) {
        None => -1,
        Some(at) => {
            let t = if absolute { at } else { at - ctx.now }.max(0);
            if in_ms { t } else { (t + 500) / 1000 }
        }
    };
    ctx.client.reply.int(reply);
    Ok(())
}

fn ttl(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, false, false)
}

fn pttl(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, true, false)
}

fn expiretime(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, false, true)
}

fn pexpiretime(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, true, true)
}

fn persist(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(1);
    let removed = ctx.server.write_key(db, key_name, ctx.now).is_some()
        && ctx
            .server
            .dbs
            .get_mut(db)
            .is_some_and(|d| d.persist(key_name));
    if removed {
        ctx.server.dirty += 1;
        ctx.server
            .key_changed(db, key_name, class::GENERIC, "persist");
    }
    ctx.client.reply.int(i64::from(removed));
    Ok(())
}
