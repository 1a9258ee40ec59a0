//! Sorted set range commands: ZRANGE (by rank, score or lex, forward or reversed, with
//! LIMIT), ZRANGESTORE, the older ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
//! ZREVRANGEBYLEX and ZREVRANGE, ZCOUNT, ZLEXCOUNT, and ZREMRANGEBYRANK, -SCORE, -LEX.
//!
//! Every range resolves to a window of ranks first ([`Window`]), then the window is
//! read, stored or removed; LIMIT's offset and count are applied to the window as
//! Redis's loops apply them (a negative offset matches nothing, a negative count means
//! no limit). Nothing is preallocated from a client's numbers.

use std::ops::Range;

use scarlet_protocol::Args;
use scarlet_storage::zset::{LexRange, ScoreRange};
use scarlet_storage::{Value, ZsetValue};

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, KeySpec, acl, doc, flag, key};
use super::zset::{limits, reply_element, reply_elements_header};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The range part of the sorted set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "zrange",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrange),
        summary: "Returns members of a sorted set by rank, score or lexicographic range",
        since: "1.2.0",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        group: Group::SortedSet,
        syntax: "key:key start stop sortby=[BYSCORE|BYLEX]@6.2.0 [REV@6.2.0] [offset_count=LIMIT (offset:integer count:integer)@6.2.0] [WITHSCORES]",
        history: &[(
            "6.2.0",
            "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrangestore",
        arity: -5,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SORTEDSET,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            KeySpec::single(2, key::RO | key::ACCESS),
        ],
        handler: Some(zrangestore),
        summary: "Stores members of a sorted set, selected as ZRANGE selects them, in another key",
        since: "6.2.0",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        group: Group::SortedSet,
        syntax: "dst:key src:key1 min max sortby=[BYSCORE|BYLEX] [REV] [offset_count=LIMIT (offset:integer count:integer)]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrangebyscore",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrangebyscore),
        summary: "Returns members of a sorted set whose scores are in a range, lowest first",
        since: "1.0.5",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        group: Group::SortedSet,
        syntax: "key:key min:double max:double [WITHSCORES@2.0.0] [offset_count=LIMIT (offset:integer count:integer)]",
        history: &[("2.0.0", "Added the `WITHSCORES` modifier.")],
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `BYSCORE` argument"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrevrangebyscore",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrevrangebyscore),
        summary: "Returns members of a sorted set whose scores are in a range, highest first",
        since: "2.2.0",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        group: Group::SortedSet,
        syntax: "key:key max:double min:double [WITHSCORES] [offset_count=LIMIT (offset:integer count:integer)]",
        history: &[("2.1.6", "`min` and `max` can be exclusive.")],
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `REV` and `BYSCORE` arguments"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrangebylex",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrangebylex),
        summary: "Returns members of a sorted set in a lexicographic range, in ascending order",
        since: "2.8.9",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        group: Group::SortedSet,
        syntax: "key:key min max [offset_count=LIMIT (offset:integer count:integer)]",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `BYLEX` argument"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrevrangebylex",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrevrangebylex),
        summary: "Returns members of a sorted set in a lexicographic range, in descending order",
        since: "2.8.9",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        group: Group::SortedSet,
        syntax: "key:key max min [offset_count=LIMIT (offset:integer count:integer)]",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `REV` and `BYLEX` arguments"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zrevrange",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zrevrange),
        summary: "Returns members of a sorted set by rank, counted from the highest score",
        since: "1.2.0",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        group: Group::SortedSet,
        syntax: "key:key start:integer stop:integer [WITHSCORES]",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`ZRANGE` with the `REV` argument"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zcount",
        arity: 4,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zcount),
        summary: "Counts the members of a sorted set whose scores are in a range",
        since: "2.0.0",
        complexity: "O(log(N)) with N being the number of elements in the sorted set.",
        group: Group::SortedSet,
        syntax: "key:key min:double max:double",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zlexcount",
        arity: 4,
        flags: flag::READONLY | flag::FAST,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(zlexcount),
        summary: "Counts the members of a sorted set in a lexicographic range",
        since: "2.8.9",
        complexity: "O(log(N)) with N being the number of elements in the sorted set.",
        group: Group::SortedSet,
        syntax: "key:key min max",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zremrangebyrank",
        arity: 4,
        flags: flag::WRITE,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(zremrangebyrank),
        summary: "Removes the members of a sorted set in a range of ranks",
        since: "2.0.0",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        group: Group::SortedSet,
        syntax: "key:key start:integer stop:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zremrangebyscore",
        arity: 4,
        flags: flag::WRITE,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(zremrangebyscore),
        summary: "Removes the members of a sorted set whose scores are in a range",
        since: "1.2.0",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        group: Group::SortedSet,
        syntax: "key:key min:double max:double",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zremrangebylex",
        arity: 4,
        flags: flag::WRITE,
        acl: acl::SORTEDSET,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(zremrangebylex),
        summary: "Removes the members of a sorted set in a lexicographic range",
        since: "2.8.9",
        complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        group: Group::SortedSet,
        syntax: "key:key min max",
        ..CommandSpec::DEFAULT
    },
];

/// How a range is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    /// Not given yet: ZRANGE and ZRANGESTORE take BYSCORE or BYLEX, else rank.
    Auto,
    Rank,
    Score,
    Lex,
}

/// A parsed range.
enum Bounds {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// A window of ranks and the direction to read it in.
struct Window {
    ranks: Range<usize>,
    reverse: bool,
}

/// Ranks `start..=stop` (negative counts from the end) of a set of `len` members, as
/// Redis sanitizes them: empty when the start is past the stop or the end.
fn rank_window(start: i64, stop: i64, len: usize) -> Range<usize> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 {
        n.saturating_add(start)
    } else {
        start
    }
    .max(0);
    let stop = if stop < 0 {
        n.saturating_add(stop)
    } else {
        stop
    };
    if start > stop || start >= n {
        return 0..0;
    }
    let stop = stop.min(n - 1);
    let to_usize = |v: i64| usize::try_from(v).unwrap_or(0);
    to_usize(start)..to_usize(stop) + 1
}

/// LIMIT applied to the ranks `matched` of a score or lex range: skip `offset` from
/// the first end (the highest one when `reverse`), then keep `count` (all when negative).
fn limit_window(matched: Range<usize>, offset: i64, count: i64, reverse: bool) -> Range<usize> {
    let Ok(offset) = usize::try_from(offset) else {
        return 0..0;
    };
    let available = matched.len().saturating_sub(offset);
    let taken = usize::try_from(count).map_or(available, |c| c.min(available));
    if reverse {
        let top = matched.end - (matched.len() - available);
        top - taken..top
    } else {
        let first = matched.start + (matched.len() - available);
        first..first + taken
    }
}

impl Bounds {
    /// The window of `zset` to read.
    fn window(&self, zset: &ZsetValue, reverse: bool, offset: i64, count: i64) -> Window {
        let ranks = match self {
            Bounds::Rank(start, stop) => {
                let r = rank_window(*start, *stop, zset.len());
                if reverse {
                    // Positions count from the highest score.
                    zset.len() - r.end..zset.len() - r.start
                } else {
                    r
                }
            }
            Bounds::Score(range) => {
                let matched = zset.score_ranks(range);
                limit_window(matched, offset, count, reverse)
            }
            Bounds::Lex(range) => {
                let matched = zset.lex_ranks(range);
                limit_window(matched, offset, count, reverse)
            }
        };
        Window { ranks, reverse }
    }
}

/// ZRANGE and its relatives (Redis's `zrangeGenericCommand`). `src` is the index of the
/// source key; `dst` the destination of ZRANGESTORE.
fn range_generic(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    src: usize,
    dst: Option<&[u8]>,
    mut by: By,
    reverse: Option<bool>,
) -> CmdResult {
    let mut withscores = false;
    let mut reverse_given = reverse;
    let (mut offset, mut count) = (0i64, -1i64);
    let mut j = src + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let opt = args.at(j);
        if dst.is_none() && args::is(opt, "withscores") {
            withscores = true;
        } else if args::is(opt, "limit") && left >= 2 {
            offset = args::int(args.at(j + 1))?;
            count = args::int(args.at(j + 2))?;
            j += 2;
        } else if reverse_given.is_none() && args::is(opt, "rev") {
            reverse_given = Some(true);
        } else if by == By::Auto && args::is(opt, "bylex") {
            by = By::Lex;
        } else if by == By::Auto && args::is(opt, "byscore") {
            by = By::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let reverse = reverse_given.unwrap_or(false);
    if by == By::Auto {
        by = By::Rank;
    }
    // Redis checks for the default count, so `LIMIT 0 -1` passes with a rank range.
    if count != -1 && by == By::Rank {
        return Err(CmdError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && by == By::Lex {
        return Err(CmdError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut min, mut max) = (args.at(src + 1), args.at(src + 2));
    if reverse && by != By::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let bounds = match by {
        By::Score => Bounds::Score(
            ScoreRange::parse(min, max).ok_or(CmdError::err("min or max is not a float"))?,
        ),
        By::Lex => Bounds::Lex(
            LexRange::parse(min, max)
                .ok_or(CmdError::err("min or max not valid string range item"))?,
        ),
        By::Auto | By::Rank => Bounds::Rank(args::int(min)?, args::int(max)?),
    };
    let limits = limits(ctx);
    let db = ctx.db();
    let zset = ctx
        .server
        .read_zset(db, args.at(src), ctx.now, ReadFlags::NORMAL)?;
    let Some(dst) = dst else {
        let reply = &mut ctx.client.reply;
        let Some(zset) = zset else {
            reply.array(0);
            return Ok(());
        };
        let window = bounds.window(zset, reverse, offset, count);
        reply_elements_header(reply, window.ranks.len(), withscores);
        for (member, score) in zset.range(window.ranks, window.reverse) {
            reply_element(reply, member, score, withscores);
        }
        return Ok(());
    };
    let result = zset.map(|zset| {
        let window = bounds.window(zset, reverse, offset, count);
        // Redis sizes the destination from a rank range's length (other ranges are
        // sized as they fill), then adds member by member under the usual limits.
        let known = matches!(bounds, Bounds::Rank(..)).then_some(window.ranks.len());
        let mut out = ZsetValue::for_result_size(known, &limits);
        for (member, score) in zset.range(window.ranks, window.reverse) {
            // Members of a set are distinct and scores never NaN: nothing to refuse.
            let _ = out.add(&member.to_vec(), score, Default::default(), &limits);
        }
        out
    });
    store_result(ctx, dst, result, "zrangestore");
    Ok(())
}

/// Stores a STORE command's result in `dst` (replacing it and its TTL) with `event`, and
/// replies with its size; an empty (or no) result deletes `dst` instead.
pub(super) fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], result: Option<ZsetValue>, event: &str) {
    let db = ctx.db();
    let result = result.filter(|z| !z.is_empty());
    let len = result.as_ref().map_or(0, |z| z.len());
    let value = result.map(|zset| Value::Zset(Box::new(zset)));
    ctx.server
        .store_result(db, dst, value, (class::ZSET, event), ctx.now);
    ctx.client.reply.count(len);
}

fn zrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 1, None, By::Auto, None)
}

fn zrangestore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 2, Some(args.at(1)), By::Auto, None)
}

fn zrangebyscore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 1, None, By::Score, Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 1, None, By::Score, Some(true))
}

fn zrangebylex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 1, None, By::Lex, Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 1, None, By::Lex, Some(true))
}

fn zrevrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    range_generic(ctx, args, 1, None, By::Rank, Some(true))
}

fn zcount(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let range = ScoreRange::parse(args.at(2), args.at(3))
        .ok_or(CmdError::err("min or max is not a float"))?;
    let db = ctx.db();
    let count = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .map_or(0, |z| z.score_ranks(&range).len());
    ctx.client.reply.count(count);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let range = LexRange::parse(args.at(2), args.at(3))
        .ok_or(CmdError::err("min or max not valid string range item"))?;
    let db = ctx.db();
    let count = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .map_or(0, |z| z.lex_ranks(&range).len());
    ctx.client.reply.count(count);
    Ok(())
}

/// ZREMRANGEBYRANK, -SCORE and -LEX (Redis's `zremrangeGenericCommand`): the range is
/// checked before the key is looked up.
fn remove_range(ctx: &mut Ctx<'_>, args: Args<'_>, bounds: Bounds) -> CmdResult {
    let (db, key_name) = (ctx.db(), args.at(1));
    let Some(zset) = ctx.server.write_zset(db, key_name, ctx.now)? else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    let window = bounds.window(zset, false, 0, -1);
    let removed = zset.remove_ranks(window.ranks);
    let emptied = zset.is_empty();
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
    }
    if removed > 0 {
        let event = match bounds {
            Bounds::Rank(..) => "zremrangebyrank",
            Bounds::Score(_) => "zremrangebyscore",
            Bounds::Lex(_) => "zremrangebylex",
        };
        ctx.server.key_changed(db, key_name, class::ZSET, event);
        if emptied {
            ctx.server.notify(class::GENERIC, "del", key_name, db);
        }
    }
    ctx.server.dirty += u64::try_from(removed).unwrap_or(u64::MAX);
    ctx.client.reply.count(removed);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let bounds = Bounds::Rank(args::int(args.at(2))?, args::int(args.at(3))?);
    remove_range(ctx, args, bounds)
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let range = ScoreRange::parse(args.at(2), args.at(3))
        .ok_or(CmdError::err("min or max is not a float"))?;
    remove_range(ctx, args, Bounds::Score(range))
}

fn zremrangebylex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let range = LexRange::parse(args.at(2), args.at(3))
        .ok_or(CmdError::err("min or max not valid string range item"))?;
    remove_range(ctx, args, Bounds::Lex(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_windows_follow_redis_sanitizing() {
        assert_eq!(rank_window(0, -1, 5), 0..5);
        assert_eq!(rank_window(-2, -1, 5), 3..5);
        assert_eq!(rank_window(-100, 1, 5), 0..2);
        assert_eq!(rank_window(3, 1, 5), 0..0);
        assert_eq!(rank_window(5, 10, 5), 0..0);
        assert_eq!(rank_window(0, i64::MAX, 5), 0..5);
        assert_eq!(rank_window(i64::MIN, i64::MIN, 5), 0..0);
        assert_eq!(rank_window(0, -1, 0), 0..0);
    }

    #[test]
    fn limits_cut_windows_from_the_reading_end() {
        assert_eq!(limit_window(2..10, 0, -1, false), 2..10);
        assert_eq!(limit_window(2..10, 3, 2, false), 5..7);
        assert_eq!(limit_window(2..10, 3, 2, true), 5..7);
        assert_eq!(limit_window(2..10, 1, 100, true), 2..9);
        assert_eq!(limit_window(2..10, 100, 1, false).len(), 0);
        assert_eq!(limit_window(2..10, -1, 1, false).len(), 0);
        assert_eq!(limit_window(2..10, 0, 0, false).len(), 0);
        assert_eq!(limit_window(2..10, i64::MAX, i64::MAX, true).len(), 0);
    }
}
