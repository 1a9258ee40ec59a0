//! List commands that take elements from one list to another or from the first of
//! several lists, and the blocking forms of the pops: LMOVE, RPOPLPUSH, LMPOP, BLPOP,
//! BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP.
//!
//! Each is written as a "serve" step that either answers or reports that every source
//! was missing. A blocking form that cannot serve parks the client on its keys
//! (`Ctx::block`); when one of them gets a list, the dispatcher runs the same command
//! again, which then serves. Where blocking is not allowed (MULTI, scripts) it answers
//! as a timeout would.

use scarlet_protocol::Args;
use scarlet_storage::End;

use super::Ctx;
use super::args;
use super::list::{
    after_removal, count_at_least, parse_end, pop_event, pop_many_reply, push_values,
};
use super::reply_entry;
use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeySpec, acl, doc, flag, key};
use crate::blocking::{BlockType, parse_timeout};
use crate::error::{CmdError, CmdResult};

/// LMPOP's key spec: a count of keys, then the keys.
const MPOP_KEYS: KeySpec = KeySpec {
    flags: key::RW | key::ACCESS | key::DELETE,
    begin: BeginSearch::Index(1),
    find: FindKeys::Keynum {
        keynumidx: 0,
        firstkey: 1,
        step: 1,
    },
    notes: None,
};

/// BLMPOP's key spec: as LMPOP's, after the timeout.
const BLMPOP_KEYS: KeySpec = KeySpec {
    begin: BeginSearch::Index(2),
    ..MPOP_KEYS
};

/// The list family's moving and blocking commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "lmove",
        arity: 5,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::LIST,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::RW | key::INSERT),
        ],
        handler: Some(lmove),
        summary: "Moves an element from one end of a list to an end of another list",
        since: "6.2.0",
        group: Group::List,
        syntax: "source:key destination:key1 wherefrom=(LEFT|RIGHT) whereto=(LEFT|RIGHT)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rpoplpush",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::LIST,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::RW | key::INSERT),
        ],
        handler: Some(rpoplpush),
        summary: "Moves the last element of a list to the head of another list",
        since: "1.2.0",
        group: Group::List,
        syntax: "source:key destination:key1",
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`LMOVE` with the `RIGHT` and `LEFT` arguments"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lmpop",
        arity: -4,
        flags: flag::WRITE,
        acl: acl::LIST,
        keys: &[MPOP_KEYS],
        handler: Some(lmpop),
        summary: "Pops elements from the first non-empty list of several",
        since: "7.0.0",
        complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        group: Group::List,
        syntax: "numkeys:integer key:key... where=(LEFT|RIGHT) [COUNT count:integer]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "blpop",
        arity: -3,
        flags: flag::WRITE | flag::NOSCRIPT | flag::BLOCKING,
        acl: acl::LIST,
        keys: &[BPOP_KEYS],
        handler: Some(blpop),
        summary: "Removes and returns the first element of the first non-empty list of several, waiting for one if none has any",
        since: "2.0.0",
        complexity: "O(N) where N is the number of provided keys.",
        group: Group::List,
        syntax: "key:key... timeout:double",
        history: &[(
            "6.0.0",
            "`timeout` is interpreted as a double instead of an integer.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "brpop",
        arity: -3,
        flags: flag::WRITE | flag::NOSCRIPT | flag::BLOCKING,
        acl: acl::LIST,
        keys: &[BPOP_KEYS],
        handler: Some(brpop),
        summary: "Removes and returns the last element of the first non-empty list of several, waiting for one if none has any",
        since: "2.0.0",
        complexity: "O(N) where N is the number of provided keys.",
        group: Group::List,
        syntax: "key:key... timeout:double",
        history: &[(
            "6.0.0",
            "`timeout` is interpreted as a double instead of an integer.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "blmove",
        arity: 6,
        flags: flag::WRITE | flag::DENYOOM | flag::NOSCRIPT | flag::BLOCKING,
        acl: acl::LIST,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::RW | key::INSERT),
        ],
        handler: Some(blmove),
        summary: "Moves an element from one end of a list to an end of another list, waiting for one if the source is empty",
        since: "6.2.0",
        group: Group::List,
        syntax: "source:key destination:key1 wherefrom=(LEFT|RIGHT) whereto=(LEFT|RIGHT) timeout:double",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "brpoplpush",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM | flag::NOSCRIPT | flag::BLOCKING,
        acl: acl::LIST,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::DELETE),
            KeySpec::single(2, key::RW | key::INSERT),
        ],
        handler: Some(brpoplpush),
        summary: "Moves the last element of a list to the head of another list, waiting for one if the source is empty",
        since: "2.2.0",
        group: Group::List,
        syntax: "source:key destination:key1 timeout:double",
        history: &[(
            "6.0.0",
            "`timeout` is interpreted as a double instead of an integer.",
        )],
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("6.2.0"),
        replaced_by: Some("`BLMOVE` with the `RIGHT` and `LEFT` arguments"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "blmpop",
        arity: -5,
        flags: flag::WRITE | flag::BLOCKING,
        acl: acl::LIST,
        keys: &[BLMPOP_KEYS],
        handler: Some(blmpop),
        summary: "Pops elements from the first non-empty list of several, waiting for one if none has any",
        since: "7.0.0",
        complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        group: Group::List,
        syntax: "timeout:double numkeys:integer key:key... where=(LEFT|RIGHT) [COUNT count:integer]",
        ..CommandSpec::DEFAULT
    },
];

/// BLPOP's and BRPOP's keys: every argument but the first and the last.
const BPOP_KEYS: KeySpec = KeySpec {
    flags: key::RW | key::ACCESS | key::DELETE,
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        lastkey: -2,
        step: 1,
        limit: 0,
    },
    notes: None,
};

/// Moves one element from `src` to `dst` and replies with it (Redis's
/// `lmoveGenericCommand`); `Ok(false)` without a reply when `src` does not exist.
pub(super) fn serve_move(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<bool, CmdError> {
    let db = ctx.db();
    if ctx.server.write_list(db, src, ctx.now)?.is_none() {
        return Ok(false);
    }
    // The destination's type is checked before anything changes.
    ctx.server.write_list(db, dst, ctx.now)?;
    let Some(value) = ctx
        .server
        .write_list(db, src, ctx.now)?
        .and_then(|list| list.pop(from))
    else {
        return Ok(false);
    };
    // The source stays in place (even emptied) until the push, so that a list moved onto
    // itself gets its element back.
    push_values(ctx, dst, to, std::iter::once(value.as_slice()), false)?;
    // The push counted the one change Redis counts for the whole move, and sent its
    // events first, as Redis's LMOVE does.
    after_removal(ctx, db, src, 0, pop_event(from));
    ctx.client.reply.bulk(&value);
    Ok(true)
}

fn lmove(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let from = parse_end(args.at(3))?;
    let to = parse_end(args.at(4))?;
    if !serve_move(ctx, args.at(1), args.at(2), from, to)? {
        ctx.client.reply.null();
    }
    Ok(())
}

fn rpoplpush(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if !serve_move(ctx, args.at(1), args.at(2), End::Tail, End::Head)? {
        ctx.client.reply.null();
    }
    Ok(())
}

/// LMPOP's and BLMPOP's arguments after the timeout.
pub(super) struct MpopRequest {
    /// Index of the first key.
    pub first_key: usize,
    /// How many keys.
    pub numkeys: usize,
    /// Which end to pop from.
    pub end: End,
    /// How many elements at most.
    pub count: usize,
}

/// Parses `numkeys key... LEFT|RIGHT [COUNT count]` from `numkeys_at` on (Redis's
/// `lmpopGenericCommand`).
pub(super) fn parse_mpop(args: Args<'_>, numkeys_at: usize) -> Result<MpopRequest, CmdError> {
    let numkeys = count_at_least(args.at(numkeys_at), 1, "numkeys should be greater than 0")?;
    let where_at = numkeys
        .checked_add(numkeys_at + 1)
        .filter(|&w| w < args.len())
        .ok_or(CmdError::Syntax)?;
    let end = parse_end(args.at(where_at))?;
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args::is(args.at(j), "count") && j + 1 < args.len() {
            j += 1;
            count = Some(count_at_least(
                args.at(j),
                1,
                "count should be greater than 0",
            )?);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(MpopRequest {
        first_key: numkeys_at + 1,
        numkeys,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first non-empty list among the request's keys and replies with
/// `[key, [elements]]`; `Ok(false)` without a reply when every list is missing.
pub(super) fn serve_mpop(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    request: &MpopRequest,
) -> Result<bool, CmdError> {
    let db = ctx.db();
    for key_name in args.iter().skip(request.first_key).take(request.numkeys) {
        let Some(list) = ctx.server.write_list(db, key_name, ctx.now)? else {
            continue;
        };
        if list.is_empty() {
            continue;
        }
        let popped = request.count.min(list.len());
        ctx.client.reply.array(2);
        ctx.client.reply.bulk(key_name);
        pop_many_reply(ctx, key_name, request.end, request.count)?;
        // Replayed as the plain pop it was, with the count it took.
        let mut number = itoa::Buffer::new();
        ctx.propagate_as(&[
            pop_name(request.end),
            key_name,
            number.format(popped).as_bytes(),
        ]);
        return Ok(true);
    }
    Ok(false)
}

fn lmpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let request = parse_mpop(args, 1)?;
    if !serve_mpop(ctx, args, &request)? {
        ctx.client.reply.null_array();
    }
    Ok(())
}

/// BLPOP and BRPOP: pops one element from the first non-empty list and replies with
/// `[key, element]`, or waits (Redis's `blockingPopGenericCommand` without a count).
fn bpop_generic(ctx: &mut Ctx<'_>, args: Args<'_>, end: End) -> CmdResult {
    let last = args.len() - 1;
    let deadline = parse_timeout(args.at(last), ctx.now)?;
    let db = ctx.db();
    for key_name in args.iter().take(last).skip(1) {
        let reply = &mut ctx.client.reply;
        let Some(list) = ctx.server.write_list(db, key_name, ctx.now)? else {
            continue;
        };
        if list.is_empty() {
            continue;
        }
        reply.array(2);
        reply.bulk(key_name);
        list.pop_with(end, |e| reply_entry(reply, e));
        after_removal(ctx, db, key_name, 1, pop_event(end));
        ctx.propagate_as(&[pop_name(end), key_name]);
        return Ok(());
    }
    if !ctx.can_block() {
        ctx.client.reply.null_array();
        return Ok(());
    }
    let keys: Vec<&[u8]> = args.iter().take(last).skip(1).collect();
    ctx.block(&keys, deadline, BlockType::List);
    Ok(())
}

/// The pop command a blocking or multi-key pop from `end` is propagated as.
fn pop_name(end: End) -> &'static [u8] {
    match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    }
}

fn blpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    bpop_generic(ctx, args, End::Head)
}

fn brpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    bpop_generic(ctx, args, End::Tail)
}

/// BLMOVE and BRPOPLPUSH: LMOVE when the source exists, else a wait on the source alone
/// (the destination's type is checked when an element is there to move).
fn blmove_generic(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    from: End,
    to: End,
    timeout: &[u8],
) -> CmdResult {
    let deadline = parse_timeout(timeout, ctx.now)?;
    let (src, dst) = (args.at(1), args.at(2));
    if serve_move(ctx, src, dst, from, to)? {
        // Replayed as the non-blocking move.
        if ctx.command.full_name == "brpoplpush" {
            ctx.propagate_as(&[&b"RPOPLPUSH"[..], src, dst]);
        } else {
            ctx.propagate_as(&[&b"LMOVE"[..], src, dst, args.at(3), args.at(4)]);
        }
        return Ok(());
    }
    if ctx.can_block() {
        ctx.block(&[src], deadline, BlockType::List);
    } else {
        ctx.client.reply.null();
    }
    Ok(())
}

fn blmove(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let from = parse_end(args.at(3))?;
    let to = parse_end(args.at(4))?;
    blmove_generic(ctx, args, from, to, args.at(5))
}

fn brpoplpush(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    blmove_generic(ctx, args, End::Tail, End::Head, args.at(3))
}

fn blmpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let request = parse_mpop(args, 2)?;
    let deadline = parse_timeout(args.at(1), ctx.now)?;
    if serve_mpop(ctx, args, &request)? {
        return Ok(());
    }
    if !ctx.can_block() {
        ctx.client.reply.null_array();
        return Ok(());
    }
    let keys: Vec<&[u8]> = args
        .iter()
        .skip(request.first_key)
        .take(request.numkeys)
        .collect();
    ctx.block(&keys, deadline, BlockType::List);
    Ok(())
}
