//! String commands: SET and its variants, GET and its variants, counters, ranges, LCS.
//!
//! Values are [`StrValue`]s; their encodings (int, embstr, raw) are storage's business, and
//! each command creates or changes values the way Redis's does so that OBJECT ENCODING
//! reports the same thing.

use scarlet_protocol::Args;
use scarlet_storage::number::incr_by_float;
use scarlet_storage::{IntBuf, StrValue, Value};

use super::Ctx;
use super::args;
use super::set_options::{Expiry, SetOptions, expire_at, parse_set_options};
use super::spec::{CommandSpec, Group, KeyRef, KeySpec, acl, doc, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The string family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "set",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::STRING,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE | key::VARIABLE_FLAGS)
                .with_notes("RW and ACCESS due to the optional `GET` argument"),
        ],
        getkeys: Some(set_keys),
        handler: Some(set),
        summary: "Sets a key's string value, with conditions and an optional expiry",
        group: Group::String,
        syntax: "key:key value condition=[NX|XX]@2.6.12 [GET]@6.2.0 expiration=[EX seconds:integer@2.6.12|PX milliseconds:integer@2.6.12|EXAT unix-time-seconds:unix-time@6.2.0|PXAT unix-time-milliseconds:unix-time@6.2.0|KEEPTTL@6.0.0]",
        history: &[
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            (
                "7.0.0",
                "Allowed the `NX` and `GET` options to be used together.",
            ),
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "get",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(get),
        summary: "Returns a key's string value",
        group: Group::String,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getex",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)
            .with_notes("RW and UPDATE because it changes the TTL")],
        handler: Some(getex),
        summary: "Returns a key's string value and changes or removes its expiry",
        since: "6.2.0",
        group: Group::String,
        syntax: "key:key expiration=[EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|PERSIST]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getdel",
        arity: 2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::DELETE)],
        handler: Some(getdel),
        summary: "Returns a key's string value and deletes the key",
        since: "6.2.0",
        group: Group::String,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getset",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(getset),
        summary: "Sets a key's string value and returns the previous one",
        group: Group::String,
        syntax: "key:key value",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`SET` with the `!GET` argument"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "mget",
        arity: -2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::to_end(1, 1, key::RO | key::ACCESS)],
        handler: Some(mget),
        summary: "Returns the string values of several keys",
        complexity: "O(N) where N is the number of keys to retrieve.",
        group: Group::String,
        syntax: "key:key...",
        tips: &["request_policy:multi_shard"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "mset",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::STRING,
        keys: &[KeySpec::to_end(1, 2, key::OW | key::UPDATE)],
        handler: Some(mset),
        summary: "Sets several keys to string values",
        since: "1.0.1",
        complexity: "O(N) where N is the number of keys to set.",
        group: Group::String,
        syntax: "key_value=(key:key value)...",
        tips: &[
            "request_policy:multi_shard",
            "response_policy:all_succeeded",
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "msetnx",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::STRING,
        keys: &[KeySpec::to_end(1, 2, key::OW | key::INSERT)],
        handler: Some(msetnx),
        summary: "Sets several keys to string values only if none of them exists",
        since: "1.0.1",
        complexity: "O(N) where N is the number of keys to set.",
        group: Group::String,
        syntax: "key_value=(key:key value)...",
        tips: &["request_policy:multi_shard", "response_policy:agg_min"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "setnx",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::OW | key::INSERT)],
        handler: Some(setnx),
        summary: "Sets a key's string value only if the key does not exist",
        group: Group::String,
        syntax: "key:key value",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "setex",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::OW | key::UPDATE)],
        handler: Some(setex),
        summary: "Sets a key's string value with an expiry in seconds",
        since: "2.0.0",
        group: Group::String,
        syntax: "key:key seconds:integer value",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "psetex",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::OW | key::UPDATE)],
        handler: Some(psetex),
        summary: "Sets a key's string value with an expiry in milliseconds",
        since: "2.6.0",
        group: Group::String,
        syntax: "key:key milliseconds:integer value",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "append",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(append),
        summary: "Appends to a key's string value, creating the key if needed",
        since: "2.0.0",
        complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        group: Group::String,
        syntax: "key:key value",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "strlen",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(strlen),
        summary: "Returns the length of a key's string value",
        since: "2.2.0",
        group: Group::String,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "incr",
        arity: 2,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(incr),
        summary: "Adds one to a key's integer value",
        group: Group::String,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "decr",
        arity: 2,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(decr),
        summary: "Subtracts one from a key's integer value",
        group: Group::String,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "incrby",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(incrby),
        summary: "Adds an integer to a key's integer value",
        group: Group::String,
        syntax: "key:key increment:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "decrby",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(decrby),
        summary: "Subtracts an integer from a key's integer value",
        group: Group::String,
        syntax: "key:key decrement:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "incrbyfloat",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(incrbyfloat),
        summary: "Adds a floating point number to a key's numeric value",
        since: "2.6.0",
        group: Group::String,
        syntax: "key:key increment:double",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getrange",
        arity: 4,
        flags: flag::READONLY,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(getrange),
        summary: "Returns a substring of a key's string value",
        since: "2.4.0",
        complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        group: Group::String,
        syntax: "key:key start:integer end:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "substr",
        arity: 4,
        flags: flag::READONLY,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(getrange),
        summary: "Returns a substring of a key's string value",
        complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        group: Group::String,
        syntax: "key:key start:integer end:integer",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("2.0.0"),
        replaced_by: Some("`GETRANGE`"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "setrange",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::STRING,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(setrange),
        summary: "Overwrites part of a key's string value from an offset, padding with zero bytes",
        since: "2.2.0",
        complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        group: Group::String,
        syntax: "key:key offset:integer value",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lcs",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::STRING,
        keys: &[KeySpec {
            flags: key::RO | key::ACCESS,
            begin: super::spec::BeginSearch::Index(1),
            find: super::spec::FindKeys::Range {
                lastkey: 1,
                step: 1,
                limit: 0,
            },
            notes: None,
        }],
        handler: Some(super::lcs::lcs),
        summary: "Finds the longest common subsequence of two keys' string values",
        since: "7.0.0",
        complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        group: Group::String,
        syntax: "key1:key key2:key [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]",
        ..CommandSpec::DEFAULT
    },
];

/// SET's key flags depend on GET (Redis's `setGetKeys`).
fn set_keys(args: Args<'_>) -> Vec<KeyRef> {
    let has_get = args.iter().skip(3).any(|a| args::is(a, "get"));
    let flags = if has_get {
        key::RW | key::ACCESS | key::UPDATE
    } else {
        key::OW | key::UPDATE
    };
    vec![KeyRef { pos: 1, flags }]
}

/// Replies with a string value, or nil; WRONGTYPE for another type (Redis's
/// `getGenericCommand`).
fn reply_value(ctx: &mut Ctx<'_>, key_name: &[u8]) -> CmdResult {
    let db = ctx.db();
    match ctx
        .server
        .read_str(db, key_name, ctx.now, ReadFlags::NORMAL)?
    {
        None => ctx.client.reply.null(),
        Some(s) => {
            let mut scratch = IntBuf::default();
            ctx.client.reply.bulk(s.as_bytes(&mut scratch));
        }
    }
    Ok(())
}

/// SET and its shorthands: `ok` is what a successful set replies when GET was not asked
/// for (None: +OK), `aborted` what NX/XX refusals reply (None: nil).
fn set_generic(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    key_name: &[u8],
    value: &[u8],
    options: &SetOptions,
    ok: Option<i64>,
    aborted: Option<i64>,
) -> CmdResult {
    let when = expire_at(ctx, args, options.expiry)?;
    if options.get {
        reply_value(ctx, key_name)?;
    }
    let db = ctx.db();
    let found = ctx.server.write_key(db, key_name, ctx.now).is_some();
    if (options.nx && found) || (options.xx && !found) {
        if !options.get {
            match aborted {
                Some(n) => ctx.client.reply.int(n),
                None => ctx.client.reply.null(),
            }
        }
        return Ok(());
    }
    let raw_value = value;
    let value = Value::Str(StrValue::from_bytes(value));
    match when {
        Some(at) => {
            ctx.server
                .set_key_with_expire(db, key_name, value, Some(at), ctx.now);
            ctx.server.notify(class::STRING, "set", key_name, db);
            ctx.server.notify(class::GENERIC, "expire", key_name, db);
            // Replicas and the AOF get the absolute time, as SET ... PXAT.
            let mut number = itoa::Buffer::new();
            let at = number.format(at).as_bytes();
            ctx.propagate_as(&[&b"SET"[..], key_name, raw_value, b"PXAT", at]);
        }
        None => {
            let keep = options.expiry == Expiry::KeepTtl;
            ctx.server.set_key(db, key_name, value, ctx.now, keep);
            ctx.server.notify(class::STRING, "set", key_name, db);
            if options.get && ctx.propagating() {
                // GET changes nothing on the other side.
                let kept: Vec<&[u8]> = args
                    .iter()
                    .enumerate()
                    .filter(|(i, a)| *i < 3 || !a.eq_ignore_ascii_case(b"get"))
                    .map(|(_, a)| a)
                    .collect();
                ctx.propagate_as(&kept);
            }
        }
    }
    if !options.get {
        match ok {
            Some(n) => ctx.client.reply.int(n),
            None => ctx.client.reply.ok(),
        }
    }
    Ok(())
}

fn set(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let options = parse_set_options(args, 3, true)?;
    set_generic(ctx, args, args.at(1), args.at(2), &options, None, None)
}

fn get(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_value(ctx, args.at(1))
}

fn getex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let options = parse_set_options(args, 2, false)?;
    let key_name = args.at(1);
    let db = ctx.db();
    // Redis validates the expiry only for an existing string key, but it is computed
    // first so that the key is looked up once: one keyspace hit or miss, as in Redis.
    let when = expire_at(ctx, args, options.expiry);
    let Ctx {
        server,
        client,
        now,
        ..
    } = &mut *ctx;
    let when = match server.read_str(db, key_name, *now, ReadFlags::NORMAL)? {
        None => {
            client.reply.null();
            return Ok(());
        }
        Some(s) => {
            let when = when?;
            let mut scratch = IntBuf::default();
            client.reply.bulk(s.as_bytes(&mut scratch));
            when
        }
    };
    let absolute = matches!(options.expiry, Expiry::Absolute { .. });
    let event = match when {
        Some(at) if absolute && ctx.server.already_expired(at, ctx.now) => {
            ctx.server.delete_key(db, key_name);
            let lazy = ctx.server.config.lazyfree_lazy_expire;
            ctx.propagate_as_deletion(key_name, lazy);
            "del"
        }
        Some(at) => {
            ctx.server.set_expire(db, key_name, at);
            let mut number = itoa::Buffer::new();
            ctx.propagate_as(&[&b"PEXPIREAT"[..], key_name, number.format(at).as_bytes()]);
            "expire"
        }
        None if options.expiry == Expiry::Persist
            && ctx
                .server
                .dbs
                .get_mut(db)
                .is_some_and(|d| d.persist(key_name)) =>
        {
            ctx.server.dirty += 1;
            ctx.propagate_as(&[&b"PERSIST"[..], key_name]);
            "persist"
        }
        None => return Ok(()),
    };
    ctx.server.key_changed(db, key_name, class::GENERIC, event);
    Ok(())
}

fn getdel(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_value(ctx, args.at(1))?;
    let db = ctx.db();
    let lazy = ctx.server.config.lazyfree_lazy_user_del;
    if ctx.server.delete_key_lazily(db, args.at(1), lazy) {
        ctx.server
            .key_changed(db, args.at(1), class::GENERIC, "del");
        ctx.propagate_as_deletion(args.at(1), lazy);
    }
    Ok(())
}

fn getset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_value(ctx, args.at(1))?;
    let db = ctx.db();
    let value = Value::Str(StrValue::from_bytes(args.at(2)));
    ctx.server.set_key(db, args.at(1), value, ctx.now, false);
    ctx.server.notify(class::STRING, "set", args.at(1), db);
    ctx.propagate_as(&[&b"SET"[..], args.at(1), args.at(2)]);
    Ok(())
}

fn mget(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    ctx.client.reply.array(args.len() - 1);
    let mut scratch = IntBuf::default();
    for key_name in args.iter().skip(1) {
        match ctx
            .server
            .read_key(db, key_name, ctx.now, ReadFlags::NORMAL)
        {
            Some(Value::Str(s)) => ctx.client.reply.bulk(s.as_bytes(&mut scratch)),
            // MGET answers nil for keys of other types instead of failing.
            _ => ctx.client.reply.null(),
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx<'_>, args: Args<'_>, nx: bool) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::WrongArity(ctx.command.full_name.to_string()));
    }
    let db = ctx.db();
    if nx {
        for key_name in args.iter().skip(1).step_by(2) {
            if ctx.server.write_key(db, key_name, ctx.now).is_some() {
                ctx.client.reply.int(0);
                return Ok(());
            }
        }
    }
    let mut i = 1;
    while i + 1 < args.len() {
        let value = Value::Str(StrValue::from_bytes(args.at(i + 1)));
        // Redis's setKey looks the key up first: an expired key goes, with its event,
        // before the new value arrives (MSETNX has looked every key up already).
        if !nx {
            ctx.server.write_key(db, args.at(i), ctx.now);
        }
        ctx.server.set_key(db, args.at(i), value, ctx.now, false);
        ctx.server.notify(class::STRING, "set", args.at(i), db);
        i += 2;
    }
    if nx {
        ctx.client.reply.int(1);
    } else {
        ctx.client.reply.ok();
    }
    Ok(())
}

fn mset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    mset_generic(ctx, args, false)
}

fn msetnx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    mset_generic(ctx, args, true)
}

fn setnx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let options = SetOptions {
        nx: true,
        ..SetOptions::default()
    };
    set_generic(
        ctx,
        args,
        args.at(1),
        args.at(2),
        &options,
        Some(1),
        Some(0),
    )
}

/// SETEX and PSETEX: `key time value`, the time in seconds or milliseconds.
fn set_with_expiry(ctx: &mut Ctx<'_>, args: Args<'_>, seconds: bool) -> CmdResult {
    let options = SetOptions {
        expiry: Expiry::Relative {
            arg_index: 2,
            seconds,
        },
        ..SetOptions::default()
    };
    set_generic(ctx, args, args.at(1), args.at(3), &options, None, None)
}

fn setex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_with_expiry(ctx, args, true)
}

fn psetex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_with_expiry(ctx, args, false)
}

fn append(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let max = ctx.server.config.proto_max_bulk_len;
    let tail = args.at(2);
    let length = match ctx.server.write_str(db, args.at(1), ctx.now)? {
        None => {
            let value = StrValue::from_bytes(tail);
            let length = value.len();
            ctx.server
                .add_key(db, args.at(1), Value::Str(value), ctx.now);
            length
        }
        Some(s) => s.append(tail, max)?,
    };
    ctx.server.dirty += 1;
    ctx.server
        .key_changed(db, args.at(1), class::STRING, "append");
    ctx.client.reply.count(length);
    Ok(())
}

fn strlen(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let length = match ctx
        .server
        .read_str(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    {
        None => 0,
        Some(s) => s.len(),
    };
    ctx.client.reply.count(length);
    Ok(())
}

/// INCR, DECR, INCRBY and DECRBY. Changes the value in place, keeping its TTL.
fn incr_generic(ctx: &mut Ctx<'_>, key_name: &[u8], delta: i64) -> CmdResult {
    let db = ctx.db();
    let value = match ctx.server.write_str(db, key_name, ctx.now)? {
        None => {
            let value = Value::Str(StrValue::from_i64(delta));
            ctx.server.add_key(db, key_name, value, ctx.now);
            delta
        }
        Some(s) => s.incr_by(delta)?,
    };
    ctx.server.dirty += 1;
    ctx.server
        .key_changed(db, key_name, class::STRING, "incrby");
    ctx.client.reply.int(value);
    Ok(())
}

fn incr(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    incr_generic(ctx, args.at(1), 1)
}

fn decr(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    incr_generic(ctx, args.at(1), -1)
}

fn incrby(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = args::int(args.at(2))?;
    incr_generic(ctx, args.at(1), delta)
}

fn decrby(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = args::int(args.at(2))?;
    let delta = delta
        .checked_neg()
        .ok_or_else(|| CmdError::err("decrement would overflow"))?;
    incr_generic(ctx, args.at(1), delta)
}

fn incrbyfloat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(1);
    let (result, exists) = match ctx.server.write_str(db, key_name, ctx.now)? {
        None => (incr_by_float(None, args.at(2))?, false),
        Some(s) => (incr_by_float(Some(s), args.at(2))?, true),
    };
    // The result is stored as text, never int-encoded, as Redis's
    // createStringObjectFromLongDouble; an existing key keeps its TTL.
    let value = Value::Str(StrValue::embstr_or_raw(&result));
    ctx.server.set_key(db, key_name, value, ctx.now, exists);
    ctx.server
        .notify(class::STRING, "incrbyfloat", key_name, db);
    // The result, not the increment: float arithmetic may differ on the other side.
    ctx.propagate_as(&[&b"SET"[..], key_name, &result, b"KEEPTTL"]);
    ctx.client.reply.bulk(&result);
    Ok(())
}

fn getrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let start = args::int(args.at(2))?;
    let end = args::int(args.at(3))?;
    let db = ctx.db();
    let mut scratch = IntBuf::default();
    match ctx
        .server
        .read_str(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    {
        None => ctx.client.reply.bulk(b""),
        Some(s) => ctx.client.reply.bulk(s.range(start, end, &mut scratch)),
    }
    Ok(())
}

fn setrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let offset = args::int(args.at(2))?;
    let offset = u64::try_from(offset).map_err(|_| CmdError::err("offset is out of range"))?;
    let data = args.at(3);
    let max = ctx.server.config.proto_max_bulk_len;
    let db = ctx.db();
    let too_long = |len: u64| offset.checked_add(len).is_none_or(|total| total > max);
    let length = match ctx.server.write_str(db, args.at(1), ctx.now)? {
        None => {
            if data.is_empty() {
                0
            } else {
                if too_long(data.len() as u64) {
                    return Err(CmdError::StringTooLong);
                }
                // A new value gets exactly its size, as Redis's sdsnewlen: only growing
                // an existing one reserves room.
                let start = usize::try_from(offset).map_err(|_| CmdError::StringTooLong)?;
                let length = start
                    .checked_add(data.len())
                    .ok_or(CmdError::StringTooLong)?;
                let mut bytes = vec![0u8; length];
                if let Some(tail) = bytes.get_mut(start..) {
                    tail.copy_from_slice(data);
                }
                let value = StrValue::raw_from_vec(bytes);
                ctx.server
                    .add_key(db, args.at(1), Value::Str(value), ctx.now);
                length
            }
        }
        Some(s) => {
            if data.is_empty() {
                s.len()
            } else {
                if too_long(data.len() as u64) {
                    return Err(CmdError::StringTooLong);
                }
                s.set_range(offset, data, max)?
            }
        }
    };
    if !data.is_empty() {
        ctx.server.dirty += 1;
        ctx.server
            .key_changed(db, args.at(1), class::STRING, "setrange");
    }
    ctx.client.reply.count(length);
    Ok(())
}
