//! Hash commands: HSET and its variants, reads of fields and whole hashes, counters,
//! HRANDFIELD and HSCAN.
//!
//! Hashes are [`HashValue`]s; their encodings (listpack, hashtable) and the conversion
//! between them are storage's business. Handlers pass the `hash-max-listpack-*` limits
//! with every write, so a CONFIG SET takes effect on the next write, as in Redis. A hash
//! whose last field goes is deleted with it. HRANDFIELD's strategies live in
//! `hash_random.rs`.

use scarlet_protocol::Args;
use scarlet_storage::glob::glob_match;
use scarlet_storage::number::{is_valid_long_double, parse_f64};
use scarlet_storage::{HashValue, LpEntry, StorageError};

use super::Ctx;
use super::args;
use super::hash_random::hrandfield;
use super::keys::parse_cursor;
use super::reply_entry;
use super::scan_args::{parse_scan_options, reply_nothing};
use super::spec::{CommandSpec, Group, KeySpec, acl, doc, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The hash family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "hset",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(hset),
        summary: "Sets fields of a hash to values, creating the key if needed",
        since: "2.0.0",
        complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        group: Group::Hash,
        syntax: "key:key field_value=(field value)...",
        history: &[("4.0.0", "Accepts multiple `field` and `value` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hsetnx",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(hsetnx),
        summary: "Sets a field of a hash only if the field does not exist",
        since: "2.0.0",
        group: Group::Hash,
        syntax: "key:key field value",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hget",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hget),
        summary: "Returns the value of a field of a hash",
        since: "2.0.0",
        group: Group::Hash,
        syntax: "key:key field",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hmget",
        arity: -3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hmget),
        summary: "Returns the values of several fields of a hash",
        since: "2.0.0",
        complexity: "O(N) where N is the number of fields being requested.",
        group: Group::Hash,
        syntax: "key:key field...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hmset",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(hmset),
        summary: "Sets fields of a hash to values",
        since: "2.0.0",
        complexity: "O(N) where N is the number of fields being set.",
        group: Group::Hash,
        syntax: "key:key field_value=(field value)...",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("4.0.0"),
        replaced_by: Some("`HSET` with multiple field-value pairs"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hdel",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(hdel),
        summary: "Deletes fields of a hash, and the key with its last field",
        since: "2.0.0",
        complexity: "O(N) where N is the number of fields to be removed.",
        group: Group::Hash,
        syntax: "key:key field...",
        history: &[("2.4.0", "Accepts multiple `field` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hlen",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(hlen),
        summary: "Returns the number of fields in a hash",
        since: "2.0.0",
        group: Group::Hash,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hstrlen",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(hstrlen),
        summary: "Returns the length of the value of a field of a hash",
        since: "3.2.0",
        group: Group::Hash,
        syntax: "key:key field",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hexists",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(hexists),
        summary: "Tells whether a field exists in a hash",
        since: "2.0.0",
        group: Group::Hash,
        syntax: "key:key field",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hkeys",
        arity: 2,
        flags: flag::READONLY,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hkeys),
        summary: "Returns every field of a hash",
        since: "2.0.0",
        complexity: "O(N) where N is the size of the hash.",
        group: Group::Hash,
        syntax: "key:key",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hvals",
        arity: 2,
        flags: flag::READONLY,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hvals),
        summary: "Returns every value of a hash",
        since: "2.0.0",
        complexity: "O(N) where N is the size of the hash.",
        group: Group::Hash,
        syntax: "key:key",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hgetall",
        arity: 2,
        flags: flag::READONLY,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hgetall),
        summary: "Returns every field and value of a hash",
        since: "2.0.0",
        complexity: "O(N) where N is the size of the hash.",
        group: Group::Hash,
        syntax: "key:key",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hincrby",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(hincrby),
        summary: "Adds an integer to the integer value of a field of a hash",
        since: "2.0.0",
        group: Group::Hash,
        syntax: "key:key field increment:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hincrbyfloat",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(hincrbyfloat),
        summary: "Adds a floating point number to the numeric value of a field of a hash",
        since: "2.6.0",
        group: Group::Hash,
        syntax: "key:key field increment:double",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hrandfield",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hrandfield),
        summary: "Returns random fields of a hash, optionally with their values",
        since: "6.2.0",
        complexity: "O(N) where N is the number of fields returned",
        group: Group::Hash,
        syntax: "key:key options=[count:integer [WITHVALUES]]",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "hscan",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::HASH,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(hscan),
        summary: "Iterates over the fields and values of a hash",
        since: "2.8.0",
        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        group: Group::Hash,
        syntax: "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
];

/// HSET and HMSET: HSET replies with the number of new fields, HMSET with +OK.
fn set_fields(ctx: &mut Ctx<'_>, args: Args<'_>, count_new: bool) -> CmdResult {
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::WrongArity(ctx.command.full_name.to_string()));
    }
    let limits = ctx.server.hash_limits();
    let db = ctx.db();
    let added = ctx
        .server
        .with_hash_or_create(db, args.at(1), ctx.now, |hash| {
            hash.prepare_write(args.iter().skip(2), &limits);
            let mut added = 0usize;
            let mut i = 2;
            while i + 1 < args.len() {
                added += usize::from(hash.set(args.at(i), args.at(i + 1), &limits));
                i += 2;
            }
            added
        })?;
    let pairs = (args.len() - 2) / 2;
    ctx.server.dirty += u64::try_from(pairs).unwrap_or(u64::MAX);
    ctx.server.key_changed(db, args.at(1), class::HASH, "hset");
    if count_new {
        ctx.client.reply.count(added);
    } else {
        ctx.client.reply.ok();
    }
    Ok(())
}

fn hset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_fields(ctx, args, true)
}

fn hsetnx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let limits = ctx.server.hash_limits();
    let db = ctx.db();
    let (field, value) = (args.at(2), args.at(3));
    let added = ctx
        .server
        .with_hash_or_create(db, args.at(1), ctx.now, |hash| {
            if hash.contains(field) {
                return false;
            }
            hash.prepare_write([field, value], &limits);
            hash.set(field, value, &limits)
        })?;
    if added {
        ctx.server.dirty += 1;
        ctx.server.key_changed(db, args.at(1), class::HASH, "hset");
    }
    ctx.client.reply.int(i64::from(added));
    Ok(())
}

fn hget(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let hash = ctx
        .server
        .read_hash(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
    match hash.and_then(|h| h.get(args.at(2))) {
        Some(value) => reply_entry(&mut ctx.client.reply, value),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let hash = ctx
        .server
        .read_hash(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
    let reply = &mut ctx.client.reply;
    reply.array(args.len() - 2);
    for field in args.iter().skip(2) {
        match hash.as_deref().and_then(|h| h.get(field)) {
            Some(value) => reply_entry(reply, value),
            None => reply.null(),
        }
    }
    Ok(())
}

fn hmset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_fields(ctx, args, false)
}

fn hdel(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(1);
    let mut deleted = 0usize;
    let mut emptied = false;
    if let Some(hash) = ctx.server.write_hash(db, key_name, ctx.now)? {
        for field in args.iter().skip(2) {
            if hash.remove(field) {
                deleted += 1;
                if hash.is_empty() {
                    emptied = true;
                    break;
                }
            }
        }
    }
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
    }
    if deleted > 0 {
        ctx.server.key_changed(db, key_name, class::HASH, "hdel");
        if emptied {
            ctx.server.notify(class::GENERIC, "del", key_name, db);
        }
    }
    ctx.server.dirty += u64::try_from(deleted).unwrap_or(u64::MAX);
    ctx.client.reply.count(deleted);
    Ok(())
}

/// Replies with a number computed from the hash, 0 when the key is missing.
fn reply_count_of(
    ctx: &mut Ctx<'_>,
    key_name: &[u8],
    f: impl FnOnce(&HashValue) -> usize,
) -> CmdResult {
    let db = ctx.db();
    let n = ctx
        .server
        .read_hash(db, key_name, ctx.now, ReadFlags::NORMAL)?
        .map_or(0, |h| f(h));
    ctx.client.reply.count(n);
    Ok(())
}

fn hlen(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_count_of(ctx, args.at(1), HashValue::len)
}

fn hstrlen(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_count_of(ctx, args.at(1), |h| h.value_len(args.at(2)))
}

fn hexists(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_count_of(ctx, args.at(1), |h| usize::from(h.contains(args.at(2))))
}

/// What HKEYS, HVALS and HGETALL return of each pair.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Fields,
    Values,
    Both,
}

/// HKEYS, HVALS and HGETALL (a map in RESP3, as Redis's genericHgetallCommand).
fn reply_all(ctx: &mut Ctx<'_>, key_name: &[u8], part: Part) -> CmdResult {
    let db = ctx.db();
    let hash = ctx
        .server
        .read_hash(db, key_name, ctx.now, ReadFlags::NORMAL)?;
    let reply = &mut ctx.client.reply;
    let len = hash.as_ref().map_or(0, |h| h.len());
    if part == Part::Both {
        reply.map(len);
    } else {
        reply.array(len);
    }
    for (field, value) in hash.iter().flat_map(|h| h.iter()) {
        if part != Part::Values {
            reply_entry(reply, field);
        }
        if part != Part::Fields {
            reply_entry(reply, value);
        }
    }
    Ok(())
}

fn hkeys(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_all(ctx, args.at(1), Part::Fields)
}

fn hvals(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_all(ctx, args.at(1), Part::Values)
}

fn hgetall(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_all(ctx, args.at(1), Part::Both)
}

fn hincrby(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = args::int(args.at(3))?;
    let limits = ctx.server.hash_limits();
    let db = ctx.db();
    let field = args.at(2);
    let result = ctx
        .server
        .with_hash_or_create(db, args.at(1), ctx.now, |hash| {
            hash.incr_by(field, delta, &limits)
        })?;
    let value = result.map_err(|e| match e {
        StorageError::NotInteger => CmdError::err("hash value is not an integer"),
        other => CmdError::from(other),
    })?;
    ctx.server.dirty += 1;
    ctx.server
        .key_changed(db, args.at(1), class::HASH, "hincrby");
    ctx.client.reply.int(value);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = args.at(3);
    if !is_valid_long_double(delta) {
        return Err(CmdError::NotFloat);
    }
    // string2ld accepts "inf" (but not NaN); a double parse tells the infinite
    // spellings apart from finite long doubles beyond the double range.
    if parse_f64(delta).is_some_and(f64::is_infinite) {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let limits = ctx.server.hash_limits();
    let db = ctx.db();
    let field = args.at(2);
    let result = ctx
        .server
        .with_hash_or_create(db, args.at(1), ctx.now, |hash| {
            hash.incr_by_float(field, delta, &limits)
        })?;
    let text = result.map_err(|e| match e {
        StorageError::NotFloat => CmdError::err("hash value is not a float"),
        other => CmdError::from(other),
    })?;
    ctx.server.dirty += 1;
    ctx.server
        .key_changed(db, args.at(1), class::HASH, "hincrbyfloat");
    // The result, not the increment: float arithmetic may differ on the other side.
    ctx.propagate_as(&[&b"HSET"[..], args.at(1), field, &text]);
    ctx.client.reply.bulk(&text);
    Ok(())
}

fn hscan(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let cursor = parse_cursor(args.at(2))?;
    let db = ctx.db();
    let Some(hash) = ctx
        .server
        .read_hash(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        reply_nothing(&mut ctx.client.reply);
        return Ok(());
    };
    let options = parse_scan_options(args, 3, false)?;
    let count = usize::try_from(options.count).unwrap_or(usize::MAX);
    let pattern = options.pattern;
    let mut found: Vec<(LpEntry<'_>, LpEntry<'_>)> = Vec::new();
    let next = hash.scan(cursor, count, |field, value| {
        let keep = match (pattern, field) {
            (None, _) => true,
            (Some(p), LpEntry::Str(text)) => glob_match(p, text, false),
            (Some(p), LpEntry::Int(n)) => {
                glob_match(p, itoa::Buffer::new().format(n).as_bytes(), false)
            }
        };
        if keep {
            found.push((field, value));
        }
    });
    let reply = &mut ctx.client.reply;
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.array(found.len().saturating_mul(2));
    for (field, value) in found {
        reply_entry(reply, field);
        reply_entry(reply, value);
    }
    Ok(())
}
