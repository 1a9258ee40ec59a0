//! Set commands: adding, removing and testing members, random picks (SPOP, SRANDMEMBER),
//! SMOVE and SSCAN. The intersections, unions and differences live in `set_algebra.rs`;
//! this table registers them too.
//!
//! Sets are [`SetValue`]s; whether one is an intset or a hash table is storage's
//! business. Handlers follow Redis's `t_set.c` in what they check first, what they reply
//! for missing keys, when they delete an emptied key, and how they count changes in the
//! dirty counter.

use rand::RngExt;
use scarlet_protocol::Args;
use scarlet_storage::glob::glob_match;
use scarlet_storage::{SetValue, Value};

use super::Ctx;
use super::args;
use super::keys::parse_cursor;
use super::reply_entry;
use super::scan_args::{ScanOptions, parse_scan_options, reply_nothing};
use super::set_algebra;
use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeySpec, acl, flag, key};
use super::{abandon_oversized_reply, random_reply_cap};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// SRANDMEMBER's count bound (Redis reads it with `-LONG_MAX..=LONG_MAX`).
const SRANDMEMBER_RANGE_ERROR: &str =
    "value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/// The set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sadd",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(sadd),
        summary: "Adds members to a set, creating the key if needed",
        complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        group: Group::Set,
        syntax: "key:key member...",
        history: &[("2.4.0", "Accepts multiple `member` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "srem",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(srem),
        summary: "Removes members from a set, deleting the key when it empties",
        complexity: "O(N) where N is the number of members to be removed.",
        group: Group::Set,
        syntax: "key:key member...",
        history: &[("2.4.0", "Accepts multiple `member` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "scard",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(scard),
        summary: "Returns the number of members of a set",
        group: Group::Set,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sismember",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(sismember),
        summary: "Tells whether a member belongs to a set",
        group: Group::Set,
        syntax: "key:key member",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "smismember",
        arity: -3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(smismember),
        summary: "Tells for each of several members whether it belongs to a set",
        since: "6.2.0",
        complexity: "O(N) where N is the number of elements being checked for membership",
        group: Group::Set,
        syntax: "key:key member...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "smembers",
        arity: 2,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(set_algebra::smembers),
        summary: "Returns every member of a set",
        complexity: "O(N) where N is the set cardinality.",
        group: Group::Set,
        syntax: "key:key",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "spop",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::DELETE)],
        handler: Some(spop),
        summary: "Removes and returns random members of a set, deleting the key when it empties",
        complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        group: Group::Set,
        syntax: "key:key [count:integer]@3.2.0",
        history: &[("3.2.0", "Added the `count` argument.")],
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "srandmember",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(srandmember),
        summary: "Returns random members of a set, distinct ones or with repeats",
        complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        group: Group::Set,
        syntax: "key:key [count:integer]@2.6.0",
        history: &[("2.6.0", "Added the optional `count` argument.")],
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "smove",
        arity: 4,
        flags: flag::WRITE | flag::FAST,
        acl: acl::SET,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::RW | key::INSERT),
        ],
        handler: Some(smove),
        summary: "Moves a member from one set to another",
        group: Group::Set,
        syntax: "source:key destination:key1 member",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sinter",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec::to_end(1, 1, key::RO | key::ACCESS)],
        handler: Some(set_algebra::sinter),
        summary: "Returns the intersection of sets",
        complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        group: Group::Set,
        syntax: "key:key...",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sintercard",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec {
            flags: key::RO | key::ACCESS,
            begin: BeginSearch::Index(1),
            find: FindKeys::Keynum {
                keynumidx: 0,
                firstkey: 1,
                step: 1,
            },
            notes: None,
        }],
        handler: Some(set_algebra::sintercard),
        summary: "Returns the number of members in the intersection of sets, up to a limit",
        since: "7.0.0",
        complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        group: Group::Set,
        syntax: "numkeys:integer key:key... [LIMIT limit:integer]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sinterstore",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SET,
        keys: &[
            KeySpec::single(1, key::RW | key::UPDATE),
            KeySpec::to_end(2, 1, key::RO | key::ACCESS),
        ],
        handler: Some(set_algebra::sinterstore),
        summary: "Stores the intersection of sets in a key",
        complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        group: Group::Set,
        syntax: "destination:key key:key1...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sunion",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec::to_end(1, 1, key::RO | key::ACCESS)],
        handler: Some(set_algebra::sunion),
        summary: "Returns the union of sets",
        complexity: "O(N) where N is the total number of elements in all given sets.",
        group: Group::Set,
        syntax: "key:key...",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sunionstore",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SET,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            KeySpec::to_end(2, 1, key::RO | key::ACCESS),
        ],
        handler: Some(set_algebra::sunionstore),
        summary: "Stores the union of sets in a key",
        complexity: "O(N) where N is the total number of elements in all given sets.",
        group: Group::Set,
        syntax: "destination:key key:key1...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sdiff",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec::to_end(1, 1, key::RO | key::ACCESS)],
        handler: Some(set_algebra::sdiff),
        summary: "Returns the members of a set that none of the following sets hold",
        complexity: "O(N) where N is the total number of elements in all given sets.",
        group: Group::Set,
        syntax: "key:key...",
        tips: &["nondeterministic_output_order"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sdiffstore",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SET,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            KeySpec::to_end(2, 1, key::RO | key::ACCESS),
        ],
        handler: Some(set_algebra::sdiffstore),
        summary: "Stores the difference of sets in a key",
        complexity: "O(N) where N is the total number of elements in all given sets.",
        group: Group::Set,
        syntax: "destination:key key:key1...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sscan",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(sscan),
        summary: "Iterates over the members of a set, a batch per call",
        since: "2.8.0",
        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        group: Group::Set,
        syntax: "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
];

/// `set-max-intset-entries`, read at each command so CONFIG SET applies at once.
pub(super) fn max_intset(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.server.config.set_max_intset_entries).unwrap_or(usize::MAX)
}

fn sadd(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(1);
    let max = max_intset(ctx);
    let members = args.iter().skip(2);
    let added = match ctx.server.write_set(db, key_name, ctx.now)? {
        Some(set) => members.filter(|member| set.add(member, max)).count(),
        None => {
            // A new set's encoding follows its first member, as Redis's setTypeCreate.
            let mut set = SetValue::for_member(args.at(2));
            let added = members.filter(|member| set.add(member, max)).count();
            ctx.server.add_key(db, key_name, Value::from(set), ctx.now);
            added
        }
    };
    if added > 0 {
        ctx.server.key_changed(db, key_name, class::SET, "sadd");
    }
    ctx.server.dirty += added as u64;
    ctx.client.reply.count(added);
    Ok(())
}

fn srem(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(1);
    let Some(set) = ctx.server.write_set(db, key_name, ctx.now)? else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    let mut removed = 0usize;
    for member in args.iter().skip(2) {
        if set.remove(member) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    let emptied = set.is_empty();
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
    }
    if removed > 0 {
        ctx.server.key_changed(db, key_name, class::SET, "srem");
        if emptied {
            ctx.server.notify(class::GENERIC, "del", key_name, db);
        }
    }
    ctx.server.dirty += removed as u64;
    ctx.client.reply.count(removed);
    Ok(())
}

fn scard(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let len = ctx
        .server
        .read_set(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .map_or(0, |set| set.len());
    ctx.client.reply.count(len);
    Ok(())
}

fn sismember(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let found = ctx
        .server
        .read_set(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .is_some_and(|set| set.contains(args.at(2)));
    ctx.client.reply.int(i64::from(found));
    Ok(())
}

fn smismember(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let Ctx {
        server,
        client,
        now,
        ..
    } = &mut *ctx;
    // A missing key is an empty set: every answer is 0.
    let set = server.read_set(db, args.at(1), *now, ReadFlags::NORMAL)?;
    client.reply.array(args.len() - 2);
    for member in args.iter().skip(2) {
        let found = set.as_ref().is_some_and(|set| set.contains(member));
        client.reply.int(i64::from(found));
    }
    Ok(())
}

fn spop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        2 => spop_one(ctx, args.at(1)),
        3 => spop_count(ctx, args.at(1), args.at(2)),
        _ => Err(CmdError::Syntax),
    }
}

fn spop_one(ctx: &mut Ctx<'_>, key_name: &[u8]) -> CmdResult {
    let db = ctx.db();
    let (set, rng) = ctx.server.set_with_rng(db, key_name, ctx.now, None)?;
    let Some(set) = set else {
        ctx.client.reply.null();
        return Ok(());
    };
    let Some(member) = set.pop_random(rng.random()) else {
        ctx.client.reply.null();
        return Ok(());
    };
    ctx.client.reply.bulk(&member);
    let emptied = set.is_empty();
    // A random pop is replayed as the removal it was.
    ctx.propagate_as(&[&b"SREM"[..], key_name, &member]);
    ctx.server.notify(class::SET, "spop", key_name, db);
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
        ctx.server.notify(class::GENERIC, "del", key_name, db);
    }
    ctx.server.signal_modified_key(db, key_name);
    ctx.server.dirty += 1;
    Ok(())
}

fn spop_count(ctx: &mut Ctx<'_>, key_name: &[u8], count: &[u8]) -> CmdResult {
    // Redis's getPositiveLongFromObjectOrReply with a message: one error for a
    // non-number and a negative number alike.
    let count = args::int(count)
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| CmdError::err("value is out of range, must be positive"))?;
    let db = ctx.db();
    let max = max_intset(ctx);
    let wanted = ctx.server.propagation_wanted(crate::propagate::target::ALL);
    let Ctx {
        server,
        client,
        now,
        ..
    } = &mut *ctx;
    let (set, rng) = server.set_with_rng(db, key_name, *now, None)?;
    let Some(set) = set else {
        client.reply.set(0);
        return Ok(());
    };
    if count == 0 {
        client.reply.set(0);
        return Ok(());
    }
    let size = set.len();
    let popped = count.min(size);
    let reply = &mut client.reply;
    reply.set(popped);
    let mut rand = || rng.random::<u64>();
    // Replayed as one SREM per member (a DEL when the whole set went), as Redis does.
    let propagate = count < size && wanted;
    let mut removed: Vec<Vec<u8>> = Vec::new();
    set.pop_random_many(count, max, &mut rand, |member| {
        if propagate {
            let mut bytes = Vec::new();
            member.write_to(&mut bytes);
            removed.push(bytes);
        }
        reply_entry(reply, member)
    });
    let emptied = set.is_empty();
    if count >= size {
        ctx.propagate_as(&[&b"DEL"[..], key_name]);
    } else {
        ctx.prevent_propagation();
        for member in &removed {
            ctx.server.also_propagate(
                db,
                &[&b"SREM"[..], key_name, member],
                crate::propagate::target::ALL,
            );
        }
    }
    let server = &mut *ctx.server;
    server.notify(class::SET, "spop", key_name, db);
    if emptied {
        server.delete_emptied_key(db, key_name);
        server.notify(class::GENERIC, "del", key_name, db);
    }
    server.signal_modified_key(db, key_name);
    server.dirty += popped as u64;
    Ok(())
}

fn srandmember(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        2 => srandmember_one(ctx, args.at(1)),
        3 => srandmember_count(ctx, args.at(1), args.at(2)),
        _ => Err(CmdError::Syntax),
    }
}

fn srandmember_one(ctx: &mut Ctx<'_>, key_name: &[u8]) -> CmdResult {
    let db = ctx.db();
    let (set, rng) = ctx
        .server
        .set_with_rng(db, key_name, ctx.now, Some(ReadFlags::NORMAL))?;
    match set.and_then(|set| set.random(rng.random())) {
        Some(member) => reply_entry(&mut ctx.client.reply, member),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn srandmember_count(ctx: &mut Ctx<'_>, key_name: &[u8], count: &[u8]) -> CmdResult {
    let count = args::int(count)?;
    if count == i64::MIN {
        return Err(CmdError::err(SRANDMEMBER_RANGE_ERROR));
    }
    let db = ctx.db();
    let guard = random_reply_cap(ctx.server);
    let Ctx {
        server,
        client,
        now,
        ..
    } = &mut *ctx;
    let (set, rng) = server.set_with_rng(db, key_name, *now, Some(ReadFlags::NORMAL))?;
    let set = match set {
        Some(set) if count != 0 => set,
        _ => {
            client.reply.array(0);
            return Ok(());
        }
    };
    let mut rand = || rng.random::<u64>();
    let reply = &mut client.reply;
    if count < 0 || count == 1 {
        // Independent picks, repeats allowed.
        let start = reply.len();
        reply.array(usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX));
        let mut overflow = false;
        set.random_members(count.unsigned_abs(), &mut rand, |member| {
            reply_entry(reply, member);
            overflow = reply.len().saturating_sub(start) > guard;
            !overflow
        });
        if overflow {
            abandon_oversized_reply(client, start);
        }
        return Ok(());
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    reply.array(count.min(set.len()));
    set.random_distinct(count, &mut rand, |member| reply_entry(reply, member));
    Ok(())
}

fn smove(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (source, destination, member) = (args.at(1), args.at(2), args.at(3));
    let db = ctx.db();
    let now = ctx.now;
    // Both keys are looked up (and expired if due) before anything else, as in Redis.
    let is_set = |value: Option<&mut Value>| value.map(|v| v.as_set().is_some());
    let source_is_set = is_set(ctx.server.write_key(db, source, now));
    let destination_is_set = is_set(ctx.server.write_key(db, destination, now));
    let Some(source_is_set) = source_is_set else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    if !source_is_set || destination_is_set == Some(false) {
        return Err(CmdError::WrongType);
    }
    if source == destination {
        let found = ctx
            .server
            .peek_set(db, source)
            .is_some_and(|set| set.contains(member));
        ctx.client.reply.int(i64::from(found));
        return Ok(());
    }
    let Some(set) = ctx.server.peek_set_mut(db, source) else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    if !set.remove(member) {
        ctx.client.reply.int(0);
        return Ok(());
    }
    let emptied = set.is_empty();
    ctx.server.notify(class::SET, "srem", source, db);
    if emptied {
        ctx.server.delete_emptied_key(db, source);
        ctx.server.notify(class::GENERIC, "del", source, db);
    }
    let max = max_intset(ctx);
    let added = match ctx.server.peek_set_mut(db, destination) {
        Some(set) => set.add(member, max),
        None => {
            let mut set = SetValue::for_member(member);
            set.add(member, max);
            ctx.server.add_key(db, destination, Value::from(set), now);
            true
        }
    };
    ctx.server.signal_modified_key(db, source);
    ctx.server.dirty += 1;
    if added {
        ctx.server.dirty += 1;
        ctx.server.key_changed(db, destination, class::SET, "sadd");
    }
    ctx.client.reply.int(1);
    Ok(())
}

fn sscan(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let cursor = parse_cursor(args.at(2))?;
    let db = ctx.db();
    let Ctx {
        server,
        client,
        now,
        ..
    } = &mut *ctx;
    let Some(set) = server.read_set(db, args.at(1), *now, ReadFlags::NORMAL)? else {
        reply_nothing(&mut client.reply);
        return Ok(());
    };
    // Options are checked only for an existing set, as Redis's scanGenericCommand.
    let ScanOptions { count, pattern, .. } = parse_scan_options(args, 3, false)?;
    let mut members: Vec<Vec<u8>> = Vec::new();
    let next = set.scan(cursor, count, |member| {
        let bytes = member.to_vec();
        if pattern.is_none_or(|p| glob_match(p, &bytes, false)) {
            members.push(bytes);
        }
    });
    let reply = &mut client.reply;
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.array(members.len());
    for member in &members {
        reply.bulk(member);
    }
    Ok(())
}
