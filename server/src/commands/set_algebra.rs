//! The set commands that combine sets: SMEMBERS and SINTER, SINTERCARD, SINTERSTORE,
//! SUNION, SUNIONSTORE, SDIFF and SDIFFSTORE (their table entries are in `set.rs`).
//!
//! They follow Redis's `sinterGenericCommand` and `sunionDiffGenericCommand`: every key
//! is looked up for reading in argument order and the first that is not a set fails the
//! command before anything is written; a missing key is an empty set. Results that Redis
//! builds as a temporary set are built the same way here (starting from an empty intset,
//! or for SDIFF by the same one of Redis's two algorithms), so the STORE forms leave the
//! destination in the encoding Redis would, and a STORE with an empty result deletes the
//! destination.

use scarlet_protocol::{Aggregate, Args};
use scarlet_storage::{SetValue, Value};

use super::Ctx;
use super::args;
use super::reply_entry;
use super::set::max_intset;
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// Looks every key up for reading, in order (each counts a hit or a miss, and expires
/// if due). Returns which ones exist; WRONGTYPE at the first that is not a set.
fn look_up_all<'k>(
    ctx: &mut Ctx<'_>,
    keys: impl Iterator<Item = &'k [u8]>,
) -> Result<Vec<(&'k [u8], bool)>, CmdError> {
    let db = ctx.db();
    let mut found = Vec::new();
    for key_name in keys {
        let exists = ctx
            .server
            .read_set(db, key_name, ctx.now, ReadFlags::NORMAL)?
            .is_some();
        found.push((key_name, exists));
    }
    Ok(found)
}

/// Stores `result` under `destination` (replacing any value and TTL) with `event`, and
/// replies with its size; an empty result deletes the destination instead and replies 0.
fn store(ctx: &mut Ctx<'_>, destination: &[u8], result: SetValue, event: &str) {
    let db = ctx.db();
    let len = result.len();
    let result = (len > 0).then(|| Value::from(result));
    ctx.server
        .store_result(db, destination, result, (class::SET, event), ctx.now);
    ctx.client.reply.count(len);
}

/// What an intersection produces.
enum InterOutput<'a> {
    /// The members, as a set reply (SINTER, SMEMBERS).
    Reply,
    /// The number of members, counting up to a limit when it is not 0 (SINTERCARD).
    Cardinality { limit: usize },
    /// A set stored under this key (SINTERSTORE).
    Store(&'a [u8]),
}

pub(super) fn smembers(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // In Redis 7.0 SMEMBERS is SINTER of one key.
    sinter_generic(ctx, args.iter().skip(1), InterOutput::Reply)
}

pub(super) fn sinter(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sinter_generic(ctx, args.iter().skip(1), InterOutput::Reply)
}

pub(super) fn sintercard(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let numkeys = args::int(args.at(1))
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n >= 1)
        .ok_or_else(|| CmdError::err("numkeys should be greater than 0"))?;
    if numkeys > args.len() - 2 {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if args::is(args.at(i), "limit") && i + 1 < args.len() {
            limit = args::int(args.at(i + 1))
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| CmdError::err("LIMIT can't be negative"))?;
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let keys = args.iter().skip(2).take(numkeys);
    sinter_generic(ctx, keys, InterOutput::Cardinality { limit })
}

pub(super) fn sinterstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sinter_generic(ctx, args.iter().skip(2), InterOutput::Store(args.at(1)))
}

/// Redis's sinterGenericCommand: walks the smallest set and keeps the members every
/// other set holds.
fn sinter_generic<'k>(
    ctx: &mut Ctx<'_>,
    keys: impl Iterator<Item = &'k [u8]>,
    output: InterOutput<'_>,
) -> CmdResult {
    let found = look_up_all(ctx, keys)?;
    if found.iter().any(|&(_, exists)| !exists) {
        // An empty set makes the intersection empty.
        match output {
            InterOutput::Reply => ctx.client.reply.set(0),
            InterOutput::Cardinality { .. } => ctx.client.reply.int(0),
            InterOutput::Store(destination) => {
                store(ctx, destination, SetValue::new(), "sinterstore");
            }
        }
        return Ok(());
    }
    let db = ctx.db();
    let max = max_intset(ctx);
    let mut result = SetValue::new();
    {
        let Ctx { server, client, .. } = &mut *ctx;
        let mut sets: Vec<&SetValue> = found
            .iter()
            .filter_map(|&(key_name, _)| server.peek_set(db, key_name))
            .collect();
        sets.sort_by_key(|set| set.len());
        let Some((&smallest, others)) = sets.split_first() else {
            client.reply.set(0);
            return Ok(());
        };
        let reply = &mut client.reply;
        let header = reply.deferred();
        let mut cardinality = 0usize;
        for member in smallest.iter() {
            // The same key named twice is the same set: nothing to check against it.
            let everywhere = others
                .iter()
                .all(|&set| std::ptr::eq(set, smallest) || set.contains_member(member));
            if !everywhere {
                continue;
            }
            cardinality += 1;
            match output {
                InterOutput::Reply => reply_entry(reply, member),
                InterOutput::Cardinality { limit } => {
                    if limit != 0 && cardinality >= limit {
                        break;
                    }
                }
                InterOutput::Store(_) => {
                    result.add_member(member, max);
                }
            }
        }
        match output {
            InterOutput::Reply => reply.finish_deferred(header, Aggregate::Set, cardinality),
            InterOutput::Cardinality { .. } => reply.count(cardinality),
            InterOutput::Store(_) => {}
        }
    }
    if let InterOutput::Store(destination) = output {
        store(ctx, destination, result, "sinterstore");
    }
    Ok(())
}

pub(super) fn sunion(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sunion_diff_generic(ctx, args.iter().skip(1), None, Op::Union)
}

pub(super) fn sunionstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sunion_diff_generic(ctx, args.iter().skip(2), Some(args.at(1)), Op::Union)
}

pub(super) fn sdiff(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sunion_diff_generic(ctx, args.iter().skip(1), None, Op::Diff)
}

pub(super) fn sdiffstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sunion_diff_generic(ctx, args.iter().skip(2), Some(args.at(1)), Op::Diff)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// Redis's sunionDiffGenericCommand.
fn sunion_diff_generic<'k>(
    ctx: &mut Ctx<'_>,
    keys: impl Iterator<Item = &'k [u8]>,
    destination: Option<&[u8]>,
    op: Op,
) -> CmdResult {
    let found = look_up_all(ctx, keys)?;
    let db = ctx.db();
    let max = max_intset(ctx);
    let mut result = SetValue::new();
    {
        let server = &*ctx.server;
        let sets: Vec<Option<&SetValue>> = found
            .iter()
            .map(|&(key_name, exists)| exists.then(|| server.peek_set(db, key_name)).flatten())
            .collect();
        match op {
            Op::Union => {
                for set in sets.iter().flatten() {
                    for member in set.iter() {
                        result.add_member(member, max);
                    }
                }
            }
            Op::Diff => {
                let first_key = found.first().map(|&(key_name, _)| key_name);
                // The first set named again later: everything is subtracted.
                let repeated = found
                    .iter()
                    .skip(1)
                    .any(|&(key_name, _)| Some(key_name) == first_key);
                if let Some(Some(first)) = sets.first()
                    && !repeated
                {
                    let others: Vec<&SetValue> = sets.iter().skip(1).flatten().copied().collect();
                    diff_into(&mut result, first, others, max);
                }
            }
        }
    }
    match destination {
        Some(destination) => {
            let event = match op {
                Op::Union => "sunionstore",
                Op::Diff => "sdiffstore",
            };
            store(ctx, destination, result, event);
        }
        None => {
            let reply = &mut ctx.client.reply;
            reply.set(result.len());
            for member in result.iter() {
                reply_entry(reply, member);
            }
        }
    }
    Ok(())
}

/// The members of `first` that none of `others` holds, by the cheaper of Redis's two
/// algorithms: checking each member of `first` against the others (preferred, with a
/// factor two, because it stops early on common members), or copying `first` and
/// removing every member of the others.
fn diff_into(result: &mut SetValue, first: &SetValue, mut others: Vec<&SetValue>, max: usize) {
    let sets = others.len() + 1;
    let check_work = first.len().saturating_mul(sets) / 2;
    let remove_work = others
        .iter()
        .fold(first.len(), |total, set| total.saturating_add(set.len()));
    if check_work <= remove_work {
        // The biggest sets first: they are the likeliest to hold a member.
        others.sort_by_key(|set| std::cmp::Reverse(set.len()));
        for member in first.iter() {
            if !others.iter().any(|set| set.contains_member(member)) {
                result.add_member(member, max);
            }
        }
    } else {
        for member in first.iter() {
            result.add_member(member, max);
        }
        for set in others {
            if result.is_empty() {
                break;
            }
            for member in set.iter() {
                result.remove_member(member);
            }
        }
    }
}
