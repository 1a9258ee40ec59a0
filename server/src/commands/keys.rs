//! Generic key commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME,
//! RENAMENX, MOVE, COPY, TOUCH, and OBJECT with its subcommands.
//!
//! TTL commands live in `ttl.rs`.

use scarlet_protocol::Args;
use scarlet_storage::glob::glob_match;
use scarlet_storage::lru::{idle_ms, lfu_frequency, lfu_minutes, lru_clock};
use scarlet_storage::{Access, Value};

use super::Ctx;
use super::args;
use super::scan_args::{ScanOptions, parse_scan_options};
use super::spec::{CommandSpec, KeySpec, acl, flag, key};
use crate::config::Config;
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::{KeyEvent, class};

/// The generic key family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "del",
        arity: -2,
        flags: flag::WRITE,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::to_end(1, 1, key::RM | key::DELETE)],
        handler: Some(del),
        summary: "Deletes keys",
        complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        syntax: "key:key...",
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unlink",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::to_end(1, 1, key::RM | key::DELETE)],
        handler: Some(unlink),
        summary: "Deletes keys, freeing large values in the background",
        since: "4.0.0",
        complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        syntax: "key:key...",
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "exists",
        arity: -2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::to_end(1, 1, key::RO)],
        handler: Some(exists),
        summary: "Counts how many of the given keys exist",
        complexity: "O(N) where N is the number of keys to check.",
        syntax: "key:key...",
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        history: &[("3.0.3", "Accepts multiple `key` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "type",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(type_),
        summary: "Returns the type of a key's value",
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "keys",
        arity: 2,
        flags: flag::READONLY,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        handler: Some(keys),
        summary: "Returns every key that matches a glob pattern",
        complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        syntax: "pattern:pattern",
        tips: &["request_policy:all_shards", "nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "scan",
        arity: -2,
        flags: flag::READONLY | flag::TOUCHES_ARBITRARY_KEYS,
        acl: acl::KEYSPACE,
        handler: Some(scan),
        summary: "Iterates over the keys of the database, a batch per call",
        since: "2.8.0",
        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        syntax: "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type]@6.0.0",
        tips: &["nondeterministic_output", "request_policy:special"],
        history: &[("6.0.0", "Added the `TYPE` subcommand.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "randomkey",
        arity: 1,
        flags: flag::READONLY | flag::TOUCHES_ARBITRARY_KEYS,
        acl: acl::KEYSPACE,
        handler: Some(randomkey),
        summary: "Returns a random key of the database",
        tips: &["request_policy:all_shards", "nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rename",
        arity: 3,
        flags: flag::WRITE,
        acl: acl::KEYSPACE,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::OW | key::UPDATE),
        ],
        handler: Some(rename),
        summary: "Renames a key, overwriting the destination",
        syntax: "key:key newkey:key1",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "renamenx",
        arity: 3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::OW | key::INSERT),
        ],
        handler: Some(renamenx),
        summary: "Renames a key only if the new name does not exist",
        syntax: "key:key newkey:key1",
        history: &[(
            "3.2.0",
            "The command no longer returns an error when source and destination names are the same.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "move",
        arity: 3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(move_),
        summary: "Moves a key to another database",
        syntax: "key:key db:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "copy",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::KEYSPACE,
        keys: &[
            KeySpec::single(1, key::RO | key::ACCESS),
            KeySpec::single(2, key::OW | key::UPDATE),
        ],
        handler: Some(copy),
        summary: "Copies a key's value to another key",
        since: "6.2.0",
        complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        syntax: "source:key destination:key1 [DB destination-db:integer] [REPLACE]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "touch",
        arity: -2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::to_end(1, 1, key::RO)],
        handler: Some(touch),
        summary: "Updates the access time of keys and counts those that exist",
        since: "3.2.1",
        complexity: "O(N) where N is the number of keys that will be touched.",
        syntax: "key:key...",
        tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "object",
        arity: -2,
        summary: "A container for object introspection commands",
        since: "2.2.3",
        complexity: "Depends on subcommand.",
        subcommands: OBJECT_SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
];

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "encoding",
        arity: 3,
        flags: flag::READONLY,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(2, key::RO)],
        handler: Some(object_encoding),
        summary: "Returns the internal encoding of a key's value",
        since: "2.2.3",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "freq",
        arity: 3,
        flags: flag::READONLY,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(2, key::RO)],
        handler: Some(object_freq),
        summary: "Returns the logarithmic access frequency counter of a key",
        since: "4.0.0",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE,
        acl: acl::KEYSPACE,
        handler: Some(object_help),
        summary: "Shows helpful text about the OBJECT subcommands",
        since: "6.2.0",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "idletime",
        arity: 3,
        flags: flag::READONLY,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(2, key::RO)],
        handler: Some(object_idletime),
        summary: "Returns the seconds since a key was last accessed",
        since: "2.2.3",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "refcount",
        arity: 3,
        flags: flag::READONLY,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(2, key::RO)],
        handler: Some(object_refcount),
        summary: "Returns the reference count of a key's value",
        since: "2.2.3",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
];

/// DEL and UNLINK. Freeing big values in the background comes with lazy free; until then
/// both free at once, which is what DEL promises and UNLINK allows.
/// DEL and UNLINK: `lazy` frees big values on the lazy-free thread.
fn delete_keys(ctx: &mut Ctx<'_>, args: Args<'_>, lazy: bool) -> CmdResult {
    let db = ctx.db();
    let mut deleted = 0i64;
    for key_name in args.iter().skip(1) {
        // Expire first so that an expired key counts as absent, as Redis's expireIfNeeded.
        if ctx
            .server
            .write_key_untouched(db, key_name, ctx.now)
            .is_some()
            && ctx.server.delete_key_lazily(db, key_name, lazy)
        {
            ctx.server.key_changed(db, key_name, class::GENERIC, "del");
            deleted += 1;
        }
    }
    ctx.client.reply.int(deleted);
    Ok(())
}

fn del(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let lazy = ctx.server.config.lazyfree_lazy_user_del;
    delete_keys(ctx, args, lazy)
}

fn unlink(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    delete_keys(ctx, args, true)
}

/// Replies with how many of the keys in `args[1..]` exist, reading them with `flags`.
fn count_existing(ctx: &mut Ctx<'_>, args: Args<'_>, flags: ReadFlags) -> CmdResult {
    let db = ctx.db();
    let mut count = 0i64;
    for key_name in args.iter().skip(1) {
        if ctx.server.read_key(db, key_name, ctx.now, flags).is_some() {
            count += 1;
        }
    }
    ctx.client.reply.int(count);
    Ok(())
}

fn exists(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    count_existing(ctx, args, ReadFlags::NO_TOUCH)
}

fn type_(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let name = ctx
        .server
        .read_key(db, args.at(1), ctx.now, ReadFlags::NO_TOUCH)
        .map_or("none", |v| v.type_name());
    ctx.client.reply.simple(name.as_bytes());
    Ok(())
}

fn keys(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let pattern = args.at(1);
    let all = pattern == b"*";
    let Some(d) = ctx.server.dbs.get(db) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    let reply = &mut ctx.client.reply;
    let count_at = reply.deferred();
    let mut count = 0;
    for (key_name, _) in d.iter() {
        let name = key_name.as_bytes();
        if (all || glob_match(pattern, name, false)) && !d.is_expired(name, ctx.now) {
            reply.bulk(name);
            count += 1;
        }
    }
    reply.finish_deferred(count_at, scarlet_protocol::Aggregate::Array, count);
    Ok(())
}

/// Parses a SCAN cursor as Redis does with `strtoul`: a sign is accepted (a negative
/// number wraps), leading space and trailing text are not, an empty cursor is 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("invalid cursor");
    let (negative, digits) = match arg.first() {
        Some(b'-') => (true, arg.get(1..).unwrap_or_default()),
        Some(b'+') => (false, arg.get(1..).unwrap_or_default()),
        _ => (false, arg),
    };
    if digits.is_empty() {
        // strtoul consumed nothing: valid only if there was nothing to consume.
        return if arg.is_empty() {
            Ok(0)
        } else {
            Err(invalid())
        };
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(invalid());
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(invalid)?;
    }
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

fn scan(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let cursor = parse_cursor(args.at(1))?;
    let ScanOptions {
        count,
        pattern,
        type_filter,
    } = parse_scan_options(args, 2, true)?;
    let db = ctx.db();
    let Some(d) = ctx.server.dbs.get(db) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut next = cursor;
    // Like Redis, visit at most ten buckets per requested key, so sparse tables return.
    let mut budget = count.saturating_mul(10);
    loop {
        next = d.scan(next, |key_name, _| found.push(key_name.as_bytes().to_vec()));
        budget = budget.saturating_sub(1);
        if next == 0 || budget == 0 || found.len() as u64 >= count {
            break;
        }
    }
    let mut keep = Vec::with_capacity(found.len());
    for key_name in found {
        if pattern.is_some_and(|p| !glob_match(p, &key_name, false)) {
            continue;
        }
        if let Some(wanted) = type_filter {
            let actual = ctx
                .server
                .read_key(db, &key_name, ctx.now, ReadFlags::NO_TOUCH)
                .map_or("none", |v| v.type_name());
            if !actual.as_bytes().eq_ignore_ascii_case(wanted) {
                continue;
            }
        }
        // Expired keys are dropped from the batch (and deleted), as Redis's expireIfNeeded.
        if ctx
            .server
            .write_key_untouched(db, &key_name, ctx.now)
            .is_none()
        {
            continue;
        }
        keep.push(key_name);
    }
    let reply = &mut ctx.client.reply;
    reply.array(2);
    reply.bulk(next.to_string().as_bytes());
    reply.array(keep.len());
    for key_name in &keep {
        reply.bulk(key_name);
    }
    Ok(())
}

fn randomkey(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let now = ctx.now;
    let mode = ctx.server.expiry_mode(now);
    let lazy = ctx.server.config.lazyfree_lazy_expire;
    let crate::server::Server {
        dbs,
        stats,
        rng,
        pending_events,
        lazyfree,
        ..
    } = &mut *ctx.server;
    let Some(d) = dbs.get_mut(db) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    let mut rand = || rand::RngExt::random::<u64>(rng);
    let key_name = d.random_key(now, mode, &mut rand, &mut |key, value| {
        stats.expired_keys += 1;
        pending_events.push(KeyEvent::expired(db, key));
        crate::keyspace::free_expired(lazyfree, value, lazy);
    });
    match key_name {
        Some(k) => ctx.client.reply.bulk(&k),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

/// RENAME and RENAMENX; `nx` replies with integers instead of +OK.
fn rename_generic(ctx: &mut Ctx<'_>, args: Args<'_>, nx: bool) -> CmdResult {
    let (from, to) = (args.at(1), args.at(2));
    let db = ctx.db();
    if ctx.server.write_key(db, from, ctx.now).is_none() {
        return Err(CmdError::NoSuchKey);
    }
    if from == to {
        if nx {
            ctx.client.reply.int(0);
        } else {
            ctx.client.reply.ok();
        }
        return Ok(());
    }
    if ctx.server.write_key(db, to, ctx.now).is_some() {
        if nx {
            ctx.client.reply.int(0);
            return Ok(());
        }
        ctx.server.delete_key(db, to);
    }
    move_key(ctx, (db, from, "rename_from"), (db, to, "rename_to"))?;
    if nx {
        ctx.client.reply.int(1);
    } else {
        ctx.client.reply.ok();
    }
    Ok(())
}

/// Moves a key with its TTL and access time (the value keeps its identity, as Redis
/// moves the same object), then tells of both changes as Redis's RENAME and MOVE do: the
/// destination is a new key, both keys are signalled, then the source's event and the
/// destination's (each a `(db, key, event)`).
fn move_key(
    ctx: &mut Ctx<'_>,
    (from_db, from, from_event): (usize, &[u8], &str),
    (to_db, to, to_event): (usize, &[u8], &str),
) -> CmdResult {
    let server = &mut *ctx.server;
    let meta = server.dbs.get(from_db).and_then(|d| d.meta(from));
    let Some((value, expire)) = server.dbs.get_mut(from_db).and_then(|d| d.take(from)) else {
        return Err(CmdError::NoSuchKey);
    };
    let Some(target) = server.dbs.get_mut(to_db) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    target.insert_with_expire(to, value, expire, &Access::NoTouch);
    if let Some(meta) = meta {
        target.set_meta(to, meta);
    }
    server.dirty += 1;
    server.signal_key_ready(to_db, to);
    server.notify(class::NEW, "new", to, to_db);
    server.signal_modified_key(from_db, from);
    server.signal_modified_key(to_db, to);
    server.notify(class::GENERIC, from_event, from, from_db);
    server.notify(class::GENERIC, to_event, to, to_db);
    Ok(())
}

fn rename(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// A database index argument: an integer (else the integer error) within range.
fn db_index(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CmdError> {
    let index = args::int32(arg)?;
    usize::try_from(index)
        .ok()
        .filter(|&i| i < ctx.server.dbs.len())
        .ok_or(CmdError::DbIndexOutOfRange)
}

fn move_(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if ctx.server.config.cluster_enabled {
        return Err(CmdError::err("MOVE is not allowed in cluster mode"));
    }
    let src = ctx.db();
    let dst = db_index(ctx, args.at(2))?;
    if src == dst {
        return Err(CmdError::SameObject);
    }
    let key_name = args.at(1);
    if ctx.server.write_key(src, key_name, ctx.now).is_none()
        || ctx.server.write_key(dst, key_name, ctx.now).is_some()
    {
        ctx.client.reply.int(0);
        return Ok(());
    }
    move_key(
        ctx,
        (src, key_name, "move_from"),
        (dst, key_name, "move_to"),
    )?;
    ctx.client.reply.int(1);
    Ok(())
}

fn copy(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        let opt = args.at(j);
        if args::is(opt, "replace") {
            replace = true;
        } else if args::is(opt, "db") && j + 1 < args.len() {
            dst_db = db_index(ctx, args.at(j + 1))?;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if ctx.server.config.cluster_enabled && (src_db != 0 || dst_db != 0) {
        return Err(CmdError::err(
            "Copying to another database is not allowed in cluster mode",
        ));
    }
    let (from, to) = (args.at(1), args.at(2));
    if src_db == dst_db && from == to {
        return Err(CmdError::SameObject);
    }
    let Some(value) = ctx
        .server
        .read_key(src_db, from, ctx.now, ReadFlags::NORMAL)
        .map(|v| v.clone())
    else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    let expire = ctx.server.expire_of(src_db, from);
    if ctx.server.write_key(dst_db, to, ctx.now).is_some() {
        if !replace {
            ctx.client.reply.int(0);
            return Ok(());
        }
        ctx.server.delete_key(dst_db, to);
    }
    ctx.server
        .set_key_with_expire(dst_db, to, value, expire, ctx.now);
    ctx.server.notify(class::GENERIC, "copy_to", to, dst_db);
    ctx.client.reply.int(1);
    Ok(())
}

fn touch(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // TOUCH updates access times even for a NO-TOUCH client: that is its purpose.
    count_existing(ctx, args, ReadFlags::NORMAL)
}

/// Looks a key up for OBJECT: no access-time change; nil when missing.
fn object_lookup<'c>(ctx: &'c mut Ctx<'_>, args: Args<'_>) -> Option<&'c mut Value> {
    let db = ctx.db();
    ctx.server
        .read_key(db, args.at(2), ctx.now, ReadFlags::OBJECT)
}

fn object_encoding(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match object_lookup(ctx, args).map(|v| v.encoding()) {
        Some(encoding) => ctx.client.reply.bulk(encoding.as_bytes()),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

/// What OBJECT REFCOUNT reports for a shared object (Redis's OBJ_SHARED_REFCOUNT).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// Whether Redis would have used a shared integer object for this value: small integers
/// are shared unless an LRU/LFU policy needs per-key access times.
pub fn refcount_of(config: &Config, value: &Value) -> i64 {
    refcount_under(policy_needs_own(config), value)
}

/// Whether the eviction policy keeps Redis from sharing integer objects.
fn policy_needs_own(config: &Config) -> bool {
    config.maxmemory > 0 && (config.maxmemory_policy.is_lru() || config.maxmemory_policy.is_lfu())
}

fn refcount_under(policy_needs_own: bool, value: &Value) -> i64 {
    match value {
        Value::Str(s) if s.is_shared_integer() && !policy_needs_own => SHARED_REFCOUNT,
        _ => 1,
    }
}

fn object_refcount(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let needs_own = policy_needs_own(&ctx.server.config);
    match object_lookup(ctx, args).map(|v| refcount_under(needs_own, v)) {
        Some(refcount) => ctx.client.reply.int(refcount),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

/// The access field of OBJECT's key, if the key exists; refuses under the wrong kind of
/// policy (`lfu` says which kind the subcommand needs) with Redis's error.
fn object_access_field(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    lfu: bool,
    wrong_policy: &'static str,
) -> Result<Option<u32>, CmdError> {
    if object_lookup(ctx, args).is_none() {
        return Ok(None);
    }
    if ctx.server.config.maxmemory_policy.is_lfu() != lfu {
        return Err(CmdError::err(wrong_policy));
    }
    let db = ctx.db();
    Ok(Some(
        ctx.server
            .dbs
            .get(db)
            .and_then(|d| d.meta(args.at(2)))
            .unwrap_or(0),
    ))
}

fn object_idletime(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let field = object_access_field(
        ctx,
        args,
        false,
        "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    )?;
    match field {
        None => ctx.client.reply.null(),
        Some(meta) => {
            let idle = idle_ms(meta, lru_clock(ctx.now)) / 1000;
            ctx.client.reply.count(idle);
        }
    }
    Ok(())
}

fn object_freq(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let field = object_access_field(
        ctx,
        args,
        true,
        "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    )?;
    match field {
        None => ctx.client.reply.null(),
        Some(meta) => {
            let minutes = lfu_minutes(ctx.now);
            let freq = lfu_frequency(meta, minutes, ctx.server.config.lfu_decay_time);
            ctx.client.reply.int(i64::from(freq));
        }
    }
    Ok(())
}

fn object_help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    super::reply_help(
        &mut ctx.client.reply,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    The internal representation of the value at <key>.",
            "FREQ <key>",
            "    The logarithmic access frequency counter of <key> (LFU policies only).",
            "IDLETIME <key>",
            "    Seconds since <key> was last accessed (not with LFU policies).",
            "REFCOUNT <key>",
            "    How many references the value at <key> has.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"+7"), Ok(7));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert!(parse_cursor(b" 1").is_err());
        assert!(parse_cursor(b"1x").is_err());
        assert!(parse_cursor(b"+").is_err());
        assert!(parse_cursor(b"18446744073709551616").is_err());
    }
}
