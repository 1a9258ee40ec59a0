//! Sorted set commands on single members: ZADD, ZINCRBY, ZCARD, ZSCORE, ZMSCORE, ZRANK,
//! ZREVRANK, ZREM, ZRANDMEMBER, ZSCAN; and the helpers the other sorted set files share.
//!
//! The family is split by what the commands do: `zset_range.rs` holds the range
//! commands (ZRANGE and its variants, ZCOUNT, ZREMRANGEBY*), `zset_ops.rs` the
//! operations across keys (ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD),
//! `zset_pop.rs` the pops (ZPOPMIN, ZMPOP and their blocking forms). Each file has its
//! own table. Values are [`ZsetValue`]s; their encodings are storage's business.

use rand::SeedableRng;
use rand::rngs::SmallRng;
use scarlet_protocol::{Args, ReplyBuf, Resp};
use scarlet_storage::glob::glob_match;
use scarlet_storage::number::parse_f64;
use scarlet_storage::zset::{AddFlags, AddResult, Member, ZsetLimits};
use scarlet_storage::{Value, ZsetValue};

use super::Ctx;
use super::args;
use super::reply_entry;
use super::scan_args::{parse_scan_options, reply_nothing};
use super::spec::{CommandSpec, Group, KeySpec, acl, flag, key};
use super::{abandon_oversized_reply, random_reply_cap};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The single-member part of the sorted set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "zadd",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(zadd),
        summary: "Adds members to a sorted set, or updates their scores, creating the key if needed",
        since: "1.2.0",
        complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        group: Group::SortedSet,
        syntax: "key:key condition=[NX|XX]@3.0.2 comparison=[GT|LT]@6.2.0 [change=CH@3.0.2] [increment=INCR@3.0.2] score_member=(score:double member)...",
        history: &[
            ("2.4.0", "Accepts multiple elements."),
            ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
            ("6.2.0", "Added the `GT` and `LT` options."),
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zincrby",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(zincrby),
        summary: "Adds a number to a member's score, creating the member and the key if needed",
        since: "1.2.0",
        complexity: "O(log(N)) where N is the number of elements in the sorted set.",
        group: Group::SortedSet,
        syntax: "key:key increment:integer member",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zcard",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(zcard),
        summary: "Returns the number of members in a sorted set",
        since: "1.2.0",
        group: Group::SortedSet,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zscore",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zscore),
        summary: "Returns the score of a member of a sorted set",
        since: "1.2.0",
        group: Group::SortedSet,
        syntax: "key:key member",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zmscore",
        arity: -3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zmscore),
        summary: "Returns the scores of several members of a sorted set",
        since: "6.2.0",
        complexity: "O(N) where N is the number of members being requested.",
        group: Group::SortedSet,
        syntax: "key:key member...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrank",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrank),
        summary: "Returns a member's position in a sorted set, counted from the lowest score",
        since: "2.0.0",
        complexity: "O(log(N))",
        group: Group::SortedSet,
        syntax: "key:key member",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrevrank",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrevrank),
        summary: "Returns a member's position in a sorted set, counted from the highest score",
        since: "2.0.0",
        complexity: "O(log(N))",
        group: Group::SortedSet,
        syntax: "key:key member",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrem",
        arity: -3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(zrem),
        summary: "Removes members from a sorted set, deleting the key when none is left",
        since: "1.2.0",
        complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        group: Group::SortedSet,
        syntax: "key:key member...",
        history: &[("2.4.0", "Accepts multiple elements.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrandmember",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrandmember),
        summary: "Returns random members of a sorted set, distinct ones or with repetitions",
        since: "6.2.0",
        complexity: "O(N) where N is the number of elements returned",
        group: Group::SortedSet,
        syntax: "key:key options=[count:integer [WITHSCORES]]",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zscan",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zscan),
        summary: "Iterates over the members and scores of a sorted set, a batch per call",
        since: "2.8.0",
        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        group: Group::SortedSet,
        syntax: "key:key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
];

/// The encoding limits from the configuration.
pub(super) fn limits(ctx: &Ctx<'_>) -> ZsetLimits {
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    ZsetLimits {
        max_listpack_entries: to_usize(ctx.server.config.zset_max_listpack_entries),
        max_listpack_value: to_usize(ctx.server.config.zset_max_listpack_value),
    }
}

/// One element of a reply that may carry scores: the member alone, or the member and
/// its score, as a pair of their own in RESP3 and flat in RESP2.
pub(super) fn reply_element(
    reply: &mut ReplyBuf,
    member: Member<'_>,
    score: f64,
    withscores: bool,
) {
    if withscores && reply.resp() == Resp::Resp3 {
        reply.array(2);
    }
    reply_entry(reply, member);
    if withscores {
        reply.double(score);
    }
}

/// The header of an array of `n` elements that may carry scores (see [`reply_element`]).
pub(super) fn reply_elements_header(reply: &mut ReplyBuf, n: usize, withscores: bool) {
    if withscores && reply.resp() == Resp::Resp2 {
        reply.array(n.saturating_mul(2));
    } else {
        reply.array(n);
    }
}

/// An integer argument within `min..=max` (Redis's `getRangeLongFromObjectOrReply`):
/// `message`, when given, is the error for a non-integer and an out-of-range value alike.
pub(super) fn ranged_int(
    arg: &[u8],
    min: i64,
    max: i64,
    message: Option<&'static str>,
) -> Result<i64, CmdError> {
    let n = match message {
        Some(text) => args::int_or(arg, text)?,
        None => args::int(arg)?,
    };
    if (min..=max).contains(&n) {
        return Ok(n);
    }
    Err(match message {
        Some(text) => CmdError::err(text),
        None => CmdError::err(format!(
            "value is out of range, value must between {min} and {max}"
        )),
    })
}

/// A score argument (`getDoubleFromObjectOrReply`).
pub(super) fn score_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

fn zadd(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    zadd_generic(ctx, args, AddFlags::default())
}

fn zincrby(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    zadd_generic(
        ctx,
        args,
        AddFlags {
            incr: true,
            ..AddFlags::default()
        },
    )
}

/// ZADD and ZINCRBY (Redis's `zaddGenericCommand`): options, then score/member pairs,
/// all scores checked before anything changes.
fn zadd_generic(ctx: &mut Ctx<'_>, args: Args<'_>, mut flags: AddFlags) -> CmdResult {
    let mut changed_count = false;
    let mut first = 2;
    while first < args.len() {
        let opt = args.at(first);
        if args::is(opt, "nx") {
            flags.nx = true;
        } else if args::is(opt, "xx") {
            flags.xx = true;
        } else if args::is(opt, "ch") {
            changed_count = true;
        } else if args::is(opt, "incr") {
            flags.incr = true;
        } else if args::is(opt, "gt") {
            flags.gt = true;
        } else if args::is(opt, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        first += 1;
    }
    let rest = args.len() - first;
    if !rest.is_multiple_of(2) || rest == 0 {
        return Err(CmdError::Syntax);
    }
    let pairs = rest / 2;
    if flags.nx && flags.xx {
        return Err(CmdError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CmdError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && pairs > 1 {
        return Err(CmdError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let pairs = (0..pairs)
        .map(|j| {
            Ok((
                score_arg(args.at(first + 2 * j))?,
                args.at(first + 2 * j + 1),
            ))
        })
        .collect::<Result<Vec<(f64, &[u8])>, CmdError>>()?;
    add_pairs(ctx, args.at(1), flags, changed_count, &pairs)
}

/// The work of ZADD once its arguments are checked: adds (score, member) pairs to the
/// set at `key_name`, creating it if needed, and replies. GEOADD comes here too, with
/// the scores it computed.
pub(super) fn add_pairs(
    ctx: &mut Ctx<'_>,
    key_name: &[u8],
    flags: AddFlags,
    changed_count: bool,
    pairs: &[(f64, &[u8])],
) -> CmdResult {
    let limits = limits(ctx);
    let (db, now) = (ctx.db(), ctx.now);
    let mut created = None;
    let zset = match ctx.server.write_zset(db, key_name, now)? {
        Some(zset) => zset,
        None if flags.xx => {
            reply_zadd(ctx, flags, changed_count, 0, 0, None);
            return Ok(());
        }
        None => created.insert(ZsetValue::for_first_member(
            pairs.first().map_or(0, |(_, member)| member.len()),
            &limits,
        )),
    };
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last_score = None;
    let mut failure = None;
    for &(score, member) in pairs {
        match zset.add(member, score, flags, &limits) {
            Ok(result) => {
                match result {
                    AddResult::Added(_) => added += 1,
                    AddResult::Updated(_) => updated += 1,
                    AddResult::Unchanged(_) | AddResult::Skipped => {}
                }
                if result != AddResult::Skipped {
                    processed += 1;
                }
                last_score = result.score();
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    if let Some(zset) = created.filter(|z| !z.is_empty()) {
        ctx.server
            .add_key(db, key_name, Value::Zset(Box::new(zset)), now);
    }
    // A failure part way (a NaN score) still reports what changed before it.
    if added + updated > 0 {
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.server.key_changed(db, key_name, class::ZSET, event);
    }
    if let Some(e) = failure {
        return Err(e.into());
    }
    ctx.server.dirty += added + updated;
    reply_zadd(
        ctx,
        flags,
        changed_count,
        added,
        added + updated,
        (processed > 0).then_some(last_score).flatten(),
    );
    Ok(())
}

fn reply_zadd(
    ctx: &mut Ctx<'_>,
    flags: AddFlags,
    changed_count: bool,
    added: u64,
    changed: u64,
    score: Option<f64>,
) {
    let reply = &mut ctx.client.reply;
    if flags.incr {
        match score {
            Some(score) => reply.double(score),
            None => reply.null(),
        }
    } else {
        reply.count(if changed_count { changed } else { added });
    }
}

fn zcard(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let len = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .map_or(0, |z| z.len());
    ctx.client.reply.count(len);
    Ok(())
}

fn zscore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let score = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .and_then(|z| z.score(args.at(2)));
    match score {
        Some(score) => ctx.client.reply.double(score),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_member_scores(ctx, args, |reply, score| match score {
        Some(score) => reply.double(score),
        None => reply.null(),
    })
}

/// The shape ZMSCORE, GEOHASH and GEOPOS share: the sorted set under `args[1]`, then one
/// reply element per member from `args[2]` on, written by `each` from the member's
/// score (`None` for a member, or a key, that is not there).
pub(super) fn reply_member_scores(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    each: impl Fn(&mut ReplyBuf, Option<f64>),
) -> CmdResult {
    let db = ctx.db();
    let zset = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
    let reply = &mut ctx.client.reply;
    reply.array(args.len() - 2);
    for member in args.iter().skip(2) {
        each(reply, zset.as_ref().and_then(|z| z.score(member)));
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    rank_generic(ctx, args, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    rank_generic(ctx, args, true)
}

fn rank_generic(ctx: &mut Ctx<'_>, args: Args<'_>, reverse: bool) -> CmdResult {
    let db = ctx.db();
    let rank = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .and_then(|z| z.rank(args.at(2), reverse));
    match rank {
        Some(rank) => ctx.client.reply.count(rank),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn zrem(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (db, key_name) = (ctx.db(), args.at(1));
    let Some(zset) = ctx.server.write_zset(db, key_name, ctx.now)? else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    let mut deleted: u64 = 0;
    let mut emptied = false;
    for member in args.iter().skip(2) {
        if zset.remove(member) {
            deleted += 1;
        }
        if zset.is_empty() {
            emptied = true;
            break;
        }
    }
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
    }
    if deleted > 0 {
        ctx.server.notify(class::ZSET, "zrem", key_name, db);
        if emptied {
            ctx.server.notify(class::GENERIC, "del", key_name, db);
        }
        ctx.server.signal_modified_key(db, key_name);
    }
    ctx.server.dirty += deleted;
    ctx.client.reply.count(deleted);
    Ok(())
}

/// How much bigger than the count a set must be for ZRANDMEMBER to pick members one by
/// one rather than start from all of them (Redis's ZRANDMEMBER_SUB_STRATEGY_MUL).
const PICK_ONE_BY_ONE_FACTOR: usize = 3;

fn zrandmember(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    // A private generator seeded from the server's, so the set can stay borrowed.
    let mut rng = SmallRng::seed_from_u64(rand::RngExt::random(&mut ctx.server.rng));
    if args.len() < 3 {
        let zset = ctx
            .server
            .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
        match zset.and_then(|z| z.random(rand::RngExt::random(&mut rng))) {
            Some((member, _)) => reply_entry(&mut ctx.client.reply, member),
            None => ctx.client.reply.null(),
        }
        return Ok(());
    }
    let count = ranged_int(args.at(2), -i64::MAX, i64::MAX, None)?;
    let withscores = match args.len() {
        3 => false,
        4 if args::is(args.at(3), "withscores") => true,
        _ => return Err(CmdError::Syntax),
    };
    // With scores the reply holds two items per member, so Redis halves the range.
    if withscores && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    let cap = random_reply_cap(ctx.server);
    let Ctx {
        server,
        client,
        now,
        ..
    } = &mut *ctx;
    let Some(zset) = server.read_zset(db, args.at(1), *now, ReadFlags::NORMAL)? else {
        client.reply.array(0);
        return Ok(());
    };
    let reply = &mut client.reply;
    let size = zset.len();
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if wanted == 0 {
        reply.array(0);
        return Ok(());
    }
    if count < 0 || wanted == 1 {
        // Repetitions allowed: each pick is independent, in random order.
        let start = reply.len();
        reply_elements_header(reply, wanted, withscores);
        for _ in 0..wanted {
            if let Some((member, score)) = zset.random(rand::RngExt::random(&mut rng)) {
                reply_element(reply, member, score, withscores);
            }
            if reply.len() - start > cap {
                abandon_oversized_reply(client, start);
                return Ok(());
            }
        }
        return Ok(());
    }
    if wanted >= size {
        // The whole set, highest score first: Redis walks sorted sets backwards here.
        reply_elements_header(reply, size, withscores);
        for (member, score) in zset.range(0..size, true) {
            reply_element(reply, member, score, withscores);
        }
        return Ok(());
    }
    reply_elements_header(reply, wanted, withscores);
    let random_below = |rng: &mut SmallRng, n: usize| -> usize {
        let n = u64::try_from(n).unwrap_or(u64::MAX).max(1);
        usize::try_from(rand::RngExt::random::<u64>(rng) % n).unwrap_or(0)
    };
    if wanted.saturating_mul(PICK_ONE_BY_ONE_FACTOR) > size {
        // Most of the set: shuffle the first `wanted` of all ranks into place.
        let mut ranks: Vec<usize> = (0..size).collect();
        for i in 0..wanted {
            let j = i + random_below(&mut rng, size - i);
            ranks.swap(i, j);
        }
        for &rank in ranks.iter().take(wanted) {
            if let Some((member, score)) = zset.get(rank) {
                reply_element(reply, member, score, withscores);
            }
        }
    } else {
        // A small part of a big set: draw until enough distinct ranks came up.
        let mut seen = std::collections::HashSet::with_capacity(wanted);
        while seen.len() < wanted {
            let rank = random_below(&mut rng, size);
            if seen.insert(rank)
                && let Some((member, score)) = zset.get(rank)
            {
                reply_element(reply, member, score, withscores);
            }
        }
    }
    Ok(())
}

fn zscan(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let cursor = super::keys::parse_cursor(args.at(2))?;
    let db = ctx.db();
    let Some(zset) = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        reply_nothing(&mut ctx.client.reply);
        return Ok(());
    };
    let options = parse_scan_options(args, 3, false)?;
    let count = usize::try_from(options.count).unwrap_or(usize::MAX);
    let pattern = options.pattern;
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = zset.scan(cursor, count, |member, score| {
        let member = member.to_vec();
        if pattern.is_none_or(|p| glob_match(p, &member, false)) {
            found.push((member, score.to_vec()));
        }
    });
    let reply = &mut ctx.client.reply;
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.array(found.len().saturating_mul(2));
    for (member, score) in &found {
        reply.bulk(member);
        reply.bulk(score);
    }
    Ok(())
}
