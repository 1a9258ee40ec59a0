//! Sorted set operations across keys: ZUNION, ZINTER, ZDIFF, their STORE forms, and
//! ZINTERCARD (Redis's `zunionInterDiffGenericCommand`).
//!
//! Inputs may be sorted sets or plain sets (whose members count with score 1); a
//! missing key is an empty input. Inputs are visited from the smallest, as Redis does,
//! so sums of more than two scores add up in Redis's order. Results are collected,
//! sorted, then replied or stored in the encoding Redis would pick for them.

use std::collections::HashMap;
use std::ops::ControlFlow;

use scarlet_protocol::Args;
use scarlet_storage::zset::Member;
use scarlet_storage::{IntBuf, SetValue, Value, ZsetValue};

use super::Ctx;
use super::args;
use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeySpec, acl, flag, key};
use super::zset::{limits, reply_elements_header, score_arg};
use super::zset_range::store_result;
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;

/// Input keys counted by the argument before them.
const fn keys_after_numkeys(numkeys_at: i32) -> KeySpec {
    KeySpec {
        flags: key::RO | key::ACCESS,
        begin: BeginSearch::Index(numkeys_at),
        find: FindKeys::Keynum {
            keynumidx: 0,
            firstkey: 1,
            step: 1,
        },
        notes: None,
    }
}

/// The operations part of the sorted set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "zunion",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[keys_after_numkeys(1)],
        handler: Some(zunion),
        summary: "Returns the union of sorted sets, scores combined by sum, minimum or maximum",
        since: "6.2.0",
        complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        group: Group::SortedSet,
        syntax: "numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE (SUM|MIN|MAX)] [WITHSCORES]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zinter",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[keys_after_numkeys(1)],
        handler: Some(zinter),
        summary: "Returns the intersection of sorted sets, scores combined by sum, minimum or maximum",
        since: "6.2.0",
        complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        group: Group::SortedSet,
        syntax: "numkeys:integer key:key... [WEIGHTS weight:integer...] [AGGREGATE (SUM|MIN|MAX)] [WITHSCORES]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zdiff",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[keys_after_numkeys(1)],
        handler: Some(zdiff),
        summary: "Returns the members of the first sorted set that are in none of the others",
        since: "6.2.0",
        complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        group: Group::SortedSet,
        syntax: "numkeys:integer key:key... [WITHSCORES]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zunionstore",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SORTEDSET,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            keys_after_numkeys(2),
        ],
        handler: Some(zunionstore),
        summary: "Stores the union of sorted sets in a key",
        since: "2.0.0",
        complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        group: Group::SortedSet,
        syntax: "destination:key numkeys:integer key:key1... [WEIGHTS weight:integer...] [AGGREGATE (SUM|MIN|MAX)]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zinterstore",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SORTEDSET,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            keys_after_numkeys(2),
        ],
        handler: Some(zinterstore),
        summary: "Stores the intersection of sorted sets in a key",
        since: "2.0.0",
        complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        group: Group::SortedSet,
        syntax: "destination:key numkeys:integer key:key1... [WEIGHTS weight:integer...] [AGGREGATE (SUM|MIN|MAX)]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zdiffstore",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SORTEDSET,
        keys: &[
            KeySpec::single(1, key::OW | key::UPDATE),
            keys_after_numkeys(2),
        ],
        handler: Some(zdiffstore),
        summary: "Stores the members of the first sorted set that are in none of the others in a key",
        since: "6.2.0",
        complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        group: Group::SortedSet,
        syntax: "destination:key numkeys:integer key:key1...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "zintercard",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::SORTEDSET,
        keys: &[keys_after_numkeys(1)],
        handler: Some(zintercard),
        summary: "Counts the members of the intersection of sorted sets, optionally up to a limit",
        since: "7.0.0",
        complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        group: Group::SortedSet,
        syntax: "numkeys:integer key:key... [LIMIT limit:integer]",
        ..CommandSpec::DEFAULT
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How scores of one member in several inputs combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Folds `value` into `target` (Redis's `zunionInterAggregate`): a sum of opposite
    /// infinities is 0, not NaN.
    fn fold(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// One input, as the operation reads it.
#[derive(Clone, Copy)]
enum Source<'a> {
    Missing,
    Zset(&'a ZsetValue),
    Set(&'a SetValue),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Zset(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }

    /// The member's score in this input (1 for a plain set's member).
    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Zset(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }

    /// Calls `f` with every member and score, until it returns `Break`.
    fn for_each(&self, mut f: impl FnMut(&[u8], f64) -> ControlFlow<()>) {
        match self {
            Source::Missing => {}
            Source::Zset(z) => {
                for (member, score) in z.iter() {
                    let flow = match member {
                        Member::Str(bytes) => f(bytes, score),
                        Member::Int(n) => f(itoa::Buffer::new().format(n).as_bytes(), score),
                    };
                    if flow.is_break() {
                        return;
                    }
                }
            }
            Source::Set(s) => {
                let mut scratch = IntBuf::default();
                for member in s.iter() {
                    if f(member.as_bytes(&mut scratch), 1.0).is_break() {
                        return;
                    }
                }
            }
        }
    }
}

/// The parsed arguments.
struct Request {
    /// Argument index of each input key, in the order given.
    keys: Vec<usize>,
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    /// ZINTERCARD's LIMIT (0: none).
    limit: usize,
}

/// Parses everything after the command name (and destination): the key count, the keys
/// (checked for type as they are read, as Redis does, before the options), the options.
fn parse(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    numkeys_at: usize,
    op: Op,
    store: bool,
    card_only: bool,
) -> Result<Request, CmdError> {
    let numkeys = args::int(args.at(numkeys_at))?;
    if numkeys < 1 {
        return Err(CmdError::err(format!(
            "at least 1 input key is needed for '{}' command",
            ctx.command.full_name
        )));
    }
    let first = numkeys_at + 1;
    let available = args.len() - first;
    let numkeys = usize::try_from(numkeys)
        .ok()
        .filter(|&n| n <= available)
        .ok_or(CmdError::Syntax)?;
    let db = ctx.db();
    for i in first..first + numkeys {
        if let Some(value) = ctx
            .server
            .read_key(db, args.at(i), ctx.now, ReadFlags::NORMAL)
            && !is_input_type(value)
        {
            return Err(CmdError::WrongType);
        }
    }
    let mut request = Request {
        keys: (first..first + numkeys).collect(),
        weights: vec![1.0; numkeys],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let mut j = first + numkeys;
    while j < args.len() {
        let remaining = args.len() - j;
        let opt = args.at(j);
        let scored = op != Op::Diff && !card_only;
        if scored && remaining > numkeys && args::is(opt, "weights") {
            for (i, weight) in request.weights.iter_mut().enumerate() {
                *weight = score_arg(args.at(j + 1 + i))
                    .map_err(|_| CmdError::err("weight value is not a float"))?;
            }
            j += 1 + numkeys;
        } else if scored && remaining >= 2 && args::is(opt, "aggregate") {
            let how = args.at(j + 1);
            request.aggregate = if args::is(how, "sum") {
                Aggregate::Sum
            } else if args::is(how, "min") {
                Aggregate::Min
            } else if args::is(how, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if !store && !card_only && args::is(opt, "withscores") {
            request.withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && args::is(opt, "limit") {
            let limit = args::int_or(args.at(j + 1), "LIMIT can't be negative")?;
            request.limit =
                usize::try_from(limit).map_err(|_| CmdError::err("LIMIT can't be negative"))?;
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(request)
}

/// Whether a value can be an input: a sorted set or a plain set.
fn is_input_type(value: &Value) -> bool {
    matches!(value, Value::Zset(_) | Value::Set(_))
}

/// The inputs, looked up again without side effects (the checked lookups ran in
/// [`parse`], so expired keys are gone or hidden; a key that is not there now reads as
/// empty).
fn sources<'a>(ctx: &'a Ctx<'_>, args: Args<'_>, keys: &[usize]) -> Vec<Source<'a>> {
    let db = ctx.server.dbs.get(ctx.db());
    keys.iter()
        .map(|&i| {
            let key_name = args.at(i);
            let live = db.filter(|d| !d.is_expired(key_name, ctx.now));
            match live.and_then(|d| d.peek(key_name)) {
                Some(Value::Zset(z)) => Source::Zset(z),
                Some(Value::Set(s)) => Source::Set(s),
                _ => Source::Missing,
            }
        })
        .collect()
}

/// Computes the operation: the result's members and scores, sorted by score then
/// member; or, for ZINTERCARD, only their number (up to the limit).
fn compute(
    op: Op,
    request: &Request,
    inputs: &[Source<'_>],
    card_only: bool,
) -> (Vec<(Vec<u8>, f64)>, usize) {
    // Smallest inputs first (a stable sort, keeping equal sizes in argument order);
    // the difference keeps its first input first.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    if op != Op::Diff {
        order.sort_by_key(|&i| inputs.get(i).map_or(0, Source::len));
    }
    let input = |i: usize| inputs.get(i).copied().unwrap_or(Source::Missing);
    let weight = |i: usize| request.weights.get(i).copied().unwrap_or(1.0);
    let mut out: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut count = 0usize;
    match op {
        Op::Union => {
            let mut scores: HashMap<Vec<u8>, f64, foldhash::fast::RandomState> = HashMap::default();
            for &i in &order {
                input(i).for_each(|member, score| {
                    let mut weighted = weight(i) * score;
                    if weighted.is_nan() {
                        weighted = 0.0;
                    }
                    match scores.get_mut(member) {
                        Some(total) => request.aggregate.fold(total, weighted),
                        None => {
                            scores.insert(member.to_vec(), weighted);
                        }
                    }
                    ControlFlow::Continue(())
                });
            }
            out.extend(scores);
        }
        Op::Inter => {
            let Some((&smallest, others)) = order.split_first() else {
                return (out, 0);
            };
            input(smallest).for_each(|member, score| {
                let mut total = weight(smallest) * score;
                if total.is_nan() {
                    total = 0.0;
                }
                for &i in others {
                    match input(i).score(member) {
                        Some(s) => request.aggregate.fold(&mut total, s * weight(i)),
                        None => return ControlFlow::Continue(()),
                    }
                }
                count += 1;
                if !card_only {
                    out.push((member.to_vec(), total));
                }
                // ZINTERCARD's LIMIT stops the search once reached.
                if card_only && request.limit > 0 && count >= request.limit {
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
        }
        Op::Diff => {
            let Some((&first, others)) = order.split_first() else {
                return (out, 0);
            };
            input(first).for_each(|member, score| {
                if others.iter().all(|&i| input(i).score(member).is_none()) {
                    out.push((member.to_vec(), score));
                }
                ControlFlow::Continue(())
            });
        }
    }
    out.sort_by(|(m1, s1), (m2, s2)| {
        s1.partial_cmp(s2)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| m1.cmp(m2))
    });
    if !card_only {
        count = out.len();
    }
    (out, count)
}

/// The whole command: `dst` for the STORE forms; `numkeys_at` is where the key count is.
fn run(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    numkeys_at: usize,
    op: Op,
    dst: Option<&[u8]>,
    card_only: bool,
) -> CmdResult {
    let request = parse(ctx, args, numkeys_at, op, dst.is_some(), card_only)?;
    let limits = limits(ctx);
    let (result, count) = {
        let inputs = sources(ctx, args, &request.keys);
        compute(op, &request, &inputs, card_only)
    };
    if card_only {
        ctx.client.reply.count(count);
        return Ok(());
    }
    if let Some(dst) = dst {
        let zset = (!result.is_empty()).then(|| ZsetValue::from_sorted(&result, &limits));
        let event = match op {
            Op::Union => "zunionstore",
            Op::Inter => "zinterstore",
            Op::Diff => "zdiffstore",
        };
        store_result(ctx, dst, zset, event);
        return Ok(());
    }
    let reply = &mut ctx.client.reply;
    reply_elements_header(reply, result.len(), request.withscores);
    for (member, score) in &result {
        super::zset::reply_element(reply, Member::Str(member), *score, request.withscores);
    }
    Ok(())
}

fn zunion(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 1, Op::Union, None, false)
}

fn zinter(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 1, Op::Inter, None, false)
}

fn zdiff(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 1, Op::Diff, None, false)
}

fn zunionstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 2, Op::Union, Some(args.at(1)), false)
}

fn zinterstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 2, Op::Inter, Some(args.at(1)), false)
}

fn zdiffstore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 2, Op::Diff, Some(args.at(1)), false)
}

fn zintercard(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    run(ctx, args, 1, Op::Inter, None, true)
}
