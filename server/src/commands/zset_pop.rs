//! Sorted set pops: ZPOPMIN, ZPOPMAX, ZMPOP, and the blocking BZPOPMIN, BZPOPMAX and
//! BZMPOP (Redis's `genericZpopCommand` and `blockingGenericZpopCommand`).
//!
//! The reply shapes differ by command and protocol, exactly as Redis's do: ZPOPMIN
//! without a count is a flat member/score array; with a count it is flat in RESP2 and
//! a list of pairs in RESP3; BZPOPMIN is a flat key/member/score array; ZMPOP and
//! BZMPOP are a key and a list of pairs. A blocking pop that cannot serve parks the
//! client (see `blocking.rs`) and is simply run again when a key it waits on changes.

use scarlet_protocol::{Args, Resp};
use scarlet_storage::zset::Member;

use super::Ctx;
use super::args;
use super::reply_entry;
use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeySpec, acl, flag, key};
use super::zset::ranged_int;
use crate::blocking::{BlockType, parse_timeout};
use crate::error::{CmdError, CmdResult};
use crate::notify::class;

/// Keys counted by the argument at `numkeys_at`, popped from.
const fn popped_keys_after_numkeys(numkeys_at: i32) -> KeySpec {
    KeySpec {
        flags: key::RW | key::ACCESS | key::DELETE,
        begin: BeginSearch::Index(numkeys_at),
        find: FindKeys::Keynum {
            keynumidx: 0,
            firstkey: 1,
            step: 1,
        },
        notes: None,
    }
}

/// Keys from the first argument to the one before the timeout.
const POPPED_KEYS_BEFORE_TIMEOUT: KeySpec = KeySpec {
    flags: key::RW | key::ACCESS | key::DELETE,
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        lastkey: -2,
        step: 1,
        limit: 0,
    },
    notes: None,
};

/// The pop part of the sorted set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "zpopmin",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::DELETE)],
        handler: Some(zpopmin),
        summary: "Removes and returns the members with the lowest scores",
        since: "5.0.0",
        complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        group: Group::SortedSet,
        syntax: "key:key [count:integer]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zpopmax",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::DELETE)],
        handler: Some(zpopmax),
        summary: "Removes and returns the members with the highest scores",
        since: "5.0.0",
        complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        group: Group::SortedSet,
        syntax: "key:key [count:integer]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zmpop",
        arity: -4,
        flags: flag::WRITE,
        acl: acl::SORTEDSET,
        keys: &[popped_keys_after_numkeys(1)],
        handler: Some(zmpop),
        summary: "Removes and returns members with the lowest or highest scores from the first non-empty sorted set",
        since: "7.0.0",
        complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        group: Group::SortedSet,
        syntax: "numkeys:integer key:key... where=(MIN|MAX) [COUNT count:integer]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bzpopmin",
        arity: -3,
        flags: flag::WRITE | flag::NOSCRIPT | flag::FAST | flag::BLOCKING,
        acl: acl::SORTEDSET,
        keys: &[POPPED_KEYS_BEFORE_TIMEOUT],
        handler: Some(bzpopmin),
        summary: "Removes and returns the member with the lowest score from the first non-empty sorted set, waiting for one if there is none",
        since: "5.0.0",
        complexity: "O(log(N)) with N being the number of elements in the sorted set.",
        group: Group::SortedSet,
        syntax: "key:key... timeout:double",
        history: &[(
            "6.0.0",
            "`timeout` is interpreted as a double instead of an integer.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bzpopmax",
        arity: -3,
        flags: flag::WRITE | flag::NOSCRIPT | flag::FAST | flag::BLOCKING,
        acl: acl::SORTEDSET,
        keys: &[POPPED_KEYS_BEFORE_TIMEOUT],
        handler: Some(bzpopmax),
        summary: "Removes and returns the member with the highest score from the first non-empty sorted set, waiting for one if there is none",
        since: "5.0.0",
        complexity: "O(log(N)) with N being the number of elements in the sorted set.",
        group: Group::SortedSet,
        syntax: "key:key... timeout:double",
        history: &[(
            "6.0.0",
            "`timeout` is interpreted as a double instead of an integer.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bzmpop",
        arity: -5,
        flags: flag::WRITE | flag::BLOCKING,
        acl: acl::SORTEDSET,
        keys: &[popped_keys_after_numkeys(2)],
        handler: Some(bzmpop),
        summary: "Removes and returns members with the lowest or highest scores from the first non-empty sorted set, waiting for one if there is none",
        since: "7.0.0",
        complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        group: Group::SortedSet,
        syntax: "timeout:double numkeys:integer key:key... where=(MIN|MAX) [COUNT count:integer]",
        ..CommandSpec::DEFAULT
    },
];

/// The shape of a pop's reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// ZPOPMIN/ZPOPMAX: member, score, member, score ...
    Flat,
    /// ZPOPMIN/ZPOPMAX with a count in RESP3: [member, score] pairs.
    Pairs,
    /// BZPOPMIN/BZPOPMAX: key, member, score.
    KeyFlat,
    /// ZMPOP/BZMPOP: key, then [member, score] pairs.
    KeyPairs,
}

/// Pops up to `count` members (one when `None`) from the first of `keys` that exists
/// (Redis's `genericZpopCommand`); `nil_when_none` replies a null array rather than an
/// empty one when no key exists. The key goes when its last member does.
fn pop_first(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    max: bool,
    count: Option<usize>,
    shape: Shape,
    nil_when_none: bool,
) -> CmdResult {
    let db = ctx.db();
    let mut found = None;
    for &key_name in keys {
        if ctx.server.write_zset(db, key_name, ctx.now)?.is_some() {
            found = Some(key_name);
            break;
        }
    }
    let Some(key_name) = found else {
        if nil_when_none {
            ctx.client.reply.null_array();
        } else {
            ctx.client.reply.array(0);
        }
        return Ok(());
    };
    if count == Some(0) {
        ctx.client.reply.array(0);
        return Ok(());
    }
    let Some(zset) = ctx.server.write_zset(db, key_name, ctx.now)? else {
        ctx.client.reply.array(0);
        return Ok(());
    };
    let popped = count.unwrap_or(1).min(zset.len());
    let reply = &mut ctx.client.reply;
    match shape {
        Shape::Flat => reply.array(popped.saturating_mul(2)),
        Shape::Pairs => reply.array(popped),
        Shape::KeyFlat => {
            reply.array(popped.saturating_mul(2).saturating_add(1));
            reply.bulk(key_name);
        }
        Shape::KeyPairs => {
            reply.array(2);
            reply.bulk(key_name);
            reply.array(popped);
        }
    }
    for _ in 0..popped {
        let Some((member, score)) = zset.pop(max) else {
            break;
        };
        if matches!(shape, Shape::Pairs | Shape::KeyPairs) {
            reply.array(2);
        }
        reply_entry(reply, Member::Str(&member));
        reply.double(score);
    }
    let emptied = zset.is_empty();
    if popped > 0 {
        let event = if max { "zpopmax" } else { "zpopmin" };
        ctx.server.notify(class::ZSET, event, key_name, db);
        ctx.server.signal_modified_key(db, key_name);
    }
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
        ctx.server.notify(class::GENERIC, "del", key_name, db);
    }
    ctx.server.dirty += u64::try_from(popped).unwrap_or(u64::MAX);
    // The multi-key and blocking pops are replayed as the plain pop they were.
    if !matches!(ctx.command.full_name, "zpopmin" | "zpopmax") {
        let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
        match count {
            None => ctx.propagate_as(&[name, key_name]),
            Some(_) => {
                let mut number = itoa::Buffer::new();
                ctx.propagate_as(&[name, key_name, number.format(popped).as_bytes()]);
            }
        }
    }
    Ok(())
}

fn zpopmin(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    zpop(ctx, args, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    zpop(ctx, args, true)
}

fn zpop(ctx: &mut Ctx<'_>, args: Args<'_>, max: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match args.len() {
        3 => Some(positive_count(args.at(2))?),
        _ => None,
    };
    let shape = if count.is_some() && ctx.client.reply.resp() == Resp::Resp3 {
        Shape::Pairs
    } else {
        Shape::Flat
    };
    pop_first(ctx, &[args.at(1)], max, count, shape, false)
}

/// ZPOP's count (`getPositiveLongFromObjectOrReply`: one message for a non-number and a
/// negative number alike).
fn positive_count(arg: &[u8]) -> Result<usize, CmdError> {
    let n = ranged_int(
        arg,
        0,
        i64::MAX,
        Some("value is out of range, must be positive"),
    )?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The parsed arguments of ZMPOP and BZMPOP after the timeout.
struct MultiPop<'a> {
    keys: Vec<&'a [u8]>,
    max: bool,
    count: usize,
}

/// Parses `numkeys key... MIN|MAX [COUNT count]` from argument `numkeys_at` on.
fn parse_multi_pop<'a>(args: Args<'a>, numkeys_at: usize) -> Result<MultiPop<'a>, CmdError> {
    let numkeys = ranged_int(
        args.at(numkeys_at),
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )?;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_at + 1))
        .filter(|&at| at < args.len())
        .ok_or(CmdError::Syntax)?;
    let where_arg = args.at(where_at);
    let max = if args::is(where_arg, "min") {
        false
    } else if args::is(where_arg, "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count.is_none() && args::is(args.at(j), "count") && more > 0 {
            j += 1;
            let n = ranged_int(
                args.at(j),
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            )?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(MultiPop {
        keys: (numkeys_at + 1..where_at).map(|i| args.at(i)).collect(),
        max,
        count: count.unwrap_or(1),
    })
}

fn zmpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let request = parse_multi_pop(args, 1)?;
    pop_first(
        ctx,
        &request.keys,
        request.max,
        Some(request.count),
        Shape::KeyPairs,
        true,
    )
}

fn bzpopmin(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    bzpop(ctx, args, false)
}

fn bzpopmax(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    bzpop(ctx, args, true)
}

fn bzpop(ctx: &mut Ctx<'_>, args: Args<'_>, max: bool) -> CmdResult {
    let last = args.len() - 1;
    let keys: Vec<&[u8]> = (1..last).map(|i| args.at(i)).collect();
    block_or_pop(ctx, args.at(last), &keys, max, None, Shape::KeyFlat)
}

fn bzmpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let request = parse_multi_pop(args, 2)?;
    block_or_pop(
        ctx,
        args.at(1),
        &request.keys,
        request.max,
        Some(request.count),
        Shape::KeyPairs,
    )
}

/// Pops from the first key holding a non-empty sorted set, or blocks on all of them
/// (Redis's `blockingGenericZpopCommand`). Where blocking is not allowed (MULTI, scripts)
/// an empty wait ends at once, as a timeout does.
fn block_or_pop(
    ctx: &mut Ctx<'_>,
    timeout: &[u8],
    keys: &[&[u8]],
    max: bool,
    count: Option<usize>,
    shape: Shape,
) -> CmdResult {
    let deadline = parse_timeout(timeout, ctx.now)?;
    let db = ctx.db();
    for &key_name in keys {
        if ctx.server.write_zset(db, key_name, ctx.now)?.is_some() {
            return pop_first(ctx, &[key_name], max, count, shape, true);
        }
    }
    if !ctx.can_block() {
        ctx.client.reply.null_array();
        return Ok(());
    }
    ctx.block(keys, deadline, BlockType::Zset);
    Ok(())
}
