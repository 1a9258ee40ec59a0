//! List commands on one key: pushes, pops, LLEN, LRANGE, LINDEX, LSET, LINSERT, LREM,
//! LTRIM and LPOS.
//!
//! Commands that move elements between keys or wait for them (LMOVE, RPOPLPUSH, LMPOP and
//! the blocking forms) live in `list_move.rs`, with the helpers here that both share. A
//! list emptied by a command is deleted, as in Redis; lists are created with the
//! configuration's node settings at the time (`Server::list_options`).

use scarlet_protocol::{Aggregate, Args};
use scarlet_storage::{End, ListValue, Value};

use super::Ctx;
use super::args;
use super::reply_entry;
use super::spec::{CommandSpec, Group, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The list family's single-key commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "lpush",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(lpush),
        summary: "Prepends elements to a list, creating it if needed",
        complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        group: Group::List,
        syntax: "key:key element...",
        history: &[("2.4.0", "Accepts multiple `element` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rpush",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(rpush),
        summary: "Appends elements to a list, creating it if needed",
        complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        group: Group::List,
        syntax: "key:key element...",
        history: &[("2.4.0", "Accepts multiple `element` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lpushx",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(lpushx),
        summary: "Prepends elements to a list only if the list exists",
        since: "2.2.0",
        complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        group: Group::List,
        syntax: "key:key element...",
        history: &[("4.0.0", "Accepts multiple `element` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rpushx",
        arity: -3,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(rpushx),
        summary: "Appends elements to a list only if the list exists",
        since: "2.2.0",
        complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        group: Group::List,
        syntax: "key:key element...",
        history: &[("4.0.0", "Accepts multiple `element` arguments.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lpop",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::DELETE)],
        handler: Some(lpop),
        summary: "Removes and returns the first elements of a list, deleting it when emptied",
        complexity: "O(N) where N is the number of elements returned",
        group: Group::List,
        syntax: "key:key [count:integer@6.2.0]",
        history: &[("6.2.0", "Added the `count` argument.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rpop",
        arity: -2,
        flags: flag::WRITE | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::DELETE)],
        handler: Some(rpop),
        summary: "Removes and returns the last elements of a list, deleting it when emptied",
        complexity: "O(N) where N is the number of elements returned",
        group: Group::List,
        syntax: "key:key [count:integer@6.2.0]",
        history: &[("6.2.0", "Added the `count` argument.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "llen",
        arity: 2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RO)],
        handler: Some(llen),
        summary: "Returns the length of a list",
        group: Group::List,
        syntax: "key:key",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lrange",
        arity: 4,
        flags: flag::READONLY,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(lrange),
        summary: "Returns a range of elements of a list",
        complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        group: Group::List,
        syntax: "key:key start:integer stop:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lindex",
        arity: 3,
        flags: flag::READONLY,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(lindex),
        summary: "Returns the element at an index of a list",
        complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        group: Group::List,
        syntax: "key:key index:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lset",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(lset),
        summary: "Replaces the element at an index of a list",
        complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        group: Group::List,
        syntax: "key:key index:integer element",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "linsert",
        arity: 5,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(linsert),
        summary: "Inserts an element before or after another element of a list",
        since: "2.2.0",
        complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        group: Group::List,
        syntax: "key:key where=(BEFORE|AFTER) pivot element",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lrem",
        arity: 4,
        flags: flag::WRITE,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(lrem),
        summary: "Removes elements equal to a value from a list, deleting it when emptied",
        complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
        group: Group::List,
        syntax: "key:key count:integer element",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "ltrim",
        arity: 4,
        flags: flag::WRITE,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RW | key::DELETE)],
        handler: Some(ltrim),
        summary: "Keeps only a range of elements of a list, deleting it when emptied",
        complexity: "O(N) where N is the number of elements to be removed by the operation.",
        group: Group::List,
        syntax: "key:key start:integer stop:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lpos",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::LIST,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(lpos),
        summary: "Returns the indexes of elements equal to a value in a list",
        since: "6.0.6",
        complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        group: Group::List,
        syntax: "key:key element [RANK rank:integer] [COUNT num-matches:integer] [MAXLEN len:integer]",
        ..CommandSpec::DEFAULT
    },
];

/// LEFT or RIGHT (Redis's `getListPositionFromObjectOrReply`).
pub(super) fn parse_end(arg: &[u8]) -> Result<End, CmdError> {
    if args::is(arg, "left") {
        Ok(End::Head)
    } else if args::is(arg, "right") {
        Ok(End::Tail)
    } else {
        Err(CmdError::Syntax)
    }
}

/// A count that must be in `min..=i64::MAX`, with one message for a non-number and an
/// out-of-range number alike (Redis's `getRangeLongFromObjectOrReply` with a message).
pub(super) fn count_at_least(
    arg: &[u8],
    min: i64,
    message: &'static str,
) -> Result<usize, CmdError> {
    args::int(arg)
        .ok()
        .filter(|&n| n >= min)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .ok_or(CmdError::err(message))
}

/// The event for elements pushed at `end`.
pub(super) fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// The event for elements popped from `end`.
pub(super) fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// What follows removing elements from a list (Redis's `listElementsRemoved`): the
/// command's `event`, the key deleted (with "del") if the list is now empty, the change
/// signalled, and the removed elements counted.
pub(super) fn after_removal(
    ctx: &mut Ctx<'_>,
    db: usize,
    key_name: &[u8],
    removed: usize,
    event: &str,
) {
    ctx.server.notify(class::LIST, event, key_name, db);
    let emptied = ctx
        .server
        .dbs
        .get(db)
        .and_then(|d| d.peek(key_name))
        .and_then(Value::as_list)
        .is_some_and(ListValue::is_empty);
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
        ctx.server.notify(class::GENERIC, "del", key_name, db);
    }
    ctx.server.signal_modified_key(db, key_name);
    ctx.server.dirty += removed as u64;
}

/// Pushes `values` onto the list at `key_name`, creating it unless `existing_only`;
/// returns the new length (0 when the key is missing and `existing_only`).
pub(super) fn push_values<'v>(
    ctx: &mut Ctx<'_>,
    key_name: &[u8],
    end: End,
    values: impl Iterator<Item = &'v [u8]>,
    existing_only: bool,
) -> Result<Option<usize>, CmdError> {
    let db = ctx.db();
    let options = ctx.server.list_options();
    let mut pushed = 0u64;
    let len = match ctx.server.write_list(db, key_name, ctx.now)? {
        Some(list) => {
            for value in values {
                list.push(end, value);
                pushed += 1;
            }
            list.len()
        }
        None if existing_only => return Ok(None),
        None => {
            let mut list = ListValue::new(&options);
            for value in values {
                list.push(end, value);
                pushed += 1;
            }
            let len = list.len();
            ctx.server.add_key(db, key_name, Value::from(list), ctx.now);
            len
        }
    };
    ctx.server.dirty += pushed;
    ctx.server
        .key_changed(db, key_name, class::LIST, push_event(end));
    Ok(Some(len))
}

fn push_generic(ctx: &mut Ctx<'_>, args: Args<'_>, end: End, existing_only: bool) -> CmdResult {
    let len = push_values(ctx, args.at(1), end, args.iter().skip(2), existing_only)?;
    ctx.client.reply.count(len.unwrap_or(0));
    Ok(())
}

fn lpush(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Head, false)
}

fn rpush(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Tail, false)
}

fn lpushx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Head, true)
}

fn rpushx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Tail, true)
}

/// Pops up to `count` elements from one end of the list at `key_name` (which must exist)
/// and replies with them as an array, nearest the end first.
pub(super) fn pop_many_reply(
    ctx: &mut Ctx<'_>,
    key_name: &[u8],
    end: End,
    count: usize,
) -> CmdResult {
    let db = ctx.db();
    let reply = &mut ctx.client.reply;
    let popped = match ctx.server.write_list(db, key_name, ctx.now)? {
        Some(list) => {
            reply.array(count.min(list.len()));
            list.pop_many(end, count, |e| reply_entry(reply, e))
        }
        None => {
            reply.array(0);
            return Ok(());
        }
    };
    after_removal(ctx, db, key_name, popped, pop_event(end));
    Ok(())
}

/// LPOP and RPOP, with and without a count (Redis's `popGenericCommand`).
fn pop_generic(ctx: &mut Ctx<'_>, args: Args<'_>, end: End) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::WrongArity(ctx.command.full_name.to_string()));
    }
    let count = match args.len() {
        3 => Some(count_at_least(
            args.at(2),
            0,
            "value is out of range, must be positive",
        )?),
        _ => None,
    };
    let db = ctx.db();
    let key_name = args.at(1);
    let reply = &mut ctx.client.reply;
    let Some(list) = ctx.server.write_list(db, key_name, ctx.now)? else {
        match count {
            Some(_) => reply.null_array(),
            None => reply.null(),
        }
        return Ok(());
    };
    match count {
        None => {
            list.pop_with(end, |e| reply_entry(reply, e));
            after_removal(ctx, db, key_name, 1, pop_event(end));
        }
        Some(0) => reply.array(0),
        Some(n) => pop_many_reply(ctx, key_name, end, n)?,
    }
    Ok(())
}

fn lpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    pop_generic(ctx, args, End::Head)
}

fn rpop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    pop_generic(ctx, args, End::Tail)
}

fn llen(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let len = ctx
        .server
        .read_list(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
        .map_or(0, |l| l.len());
    ctx.client.reply.count(len);
    Ok(())
}

fn lrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let start = args::int(args.at(2))?;
    let stop = args::int(args.at(3))?;
    let db = ctx.db();
    let reply = &mut ctx.client.reply;
    let list = ctx
        .server
        .read_list(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
    match list.and_then(|l| Some((l.span(start, stop)?, l))) {
        None => reply.array(0),
        Some((span, list)) => {
            reply.array(span.len);
            list.visit(span, false, |e| reply_entry(reply, e));
        }
    }
    Ok(())
}

fn lindex(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let reply = &mut ctx.client.reply;
    let Some(list) = ctx
        .server
        .read_list(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        reply.null();
        return Ok(());
    };
    let index = args::int(args.at(2))?;
    if list.get_with(index, |e| reply_entry(reply, e)).is_none() {
        reply.null();
    }
    Ok(())
}

fn lset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let list = ctx
        .server
        .write_list(db, args.at(1), ctx.now)?
        .ok_or(CmdError::NoSuchKey)?;
    let index = args::int(args.at(2))?;
    if !list.set(index, args.at(3)) {
        return Err(CmdError::OutOfRange);
    }
    ctx.server.dirty += 1;
    ctx.server.key_changed(db, args.at(1), class::LIST, "lset");
    ctx.client.reply.ok();
    Ok(())
}

fn linsert(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let after = if args::is(args.at(2), "after") {
        true
    } else if args::is(args.at(2), "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let db = ctx.db();
    let Some(list) = ctx.server.write_list(db, args.at(1), ctx.now)? else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    match list.insert(args.at(3), args.at(4), after) {
        Some(len) => {
            ctx.server.dirty += 1;
            ctx.server
                .key_changed(db, args.at(1), class::LIST, "linsert");
            ctx.client.reply.count(len);
        }
        None => ctx.client.reply.int(-1),
    }
    Ok(())
}

fn lrem(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let count = args::int(args.at(2))?;
    let db = ctx.db();
    let key_name = args.at(1);
    let Some(list) = ctx.server.write_list(db, key_name, ctx.now)? else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    let removed = list.remove(args.at(3), count);
    let emptied = list.is_empty();
    // Unlike the pops, Redis's LREM signals before its event.
    if removed > 0 {
        ctx.server.key_changed(db, key_name, class::LIST, "lrem");
    }
    if emptied {
        ctx.server.delete_emptied_key(db, key_name);
        ctx.server.notify(class::GENERIC, "del", key_name, db);
    }
    ctx.server.dirty += removed as u64;
    ctx.client.reply.count(removed);
    Ok(())
}

fn ltrim(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let start = args::int(args.at(2))?;
    let stop = args::int(args.at(3))?;
    let db = ctx.db();
    let key_name = args.at(1);
    if let Some(list) = ctx.server.write_list(db, key_name, ctx.now)? {
        let removed = list.trim(start, stop);
        after_removal(ctx, db, key_name, removed, "ltrim");
    }
    ctx.client.reply.ok();
    Ok(())
}

/// LPOS's options.
struct LposOptions {
    rank: i64,
    /// COUNT, when given (0: every match).
    count: Option<usize>,
    maxlen: usize,
}

fn parse_lpos_options(args: Args<'_>) -> Result<LposOptions, CmdError> {
    let mut options = LposOptions {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut j = 3;
    while j < args.len() {
        let opt = args.at(j);
        let has_value = j + 1 < args.len();
        if args::is(opt, "rank") && has_value {
            j += 1;
            options.rank = args::int(args.at(j))?;
            if options.rank == 0 {
                return Err(CmdError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if args::is(opt, "count") && has_value {
            j += 1;
            options.count = Some(count_at_least(args.at(j), 0, "COUNT can't be negative")?);
        } else if args::is(opt, "maxlen") && has_value {
            j += 1;
            options.maxlen = count_at_least(args.at(j), 0, "MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    // Redis negates the rank in a C long: the most negative one stays negative and then
    // matches from the first hit at the tail.
    if options.rank == i64::MIN {
        options.rank = -1;
    }
    Ok(options)
}

fn lpos(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let options = parse_lpos_options(args)?;
    let db = ctx.db();
    let reply = &mut ctx.client.reply;
    let Some(list) = ctx
        .server
        .read_list(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        match options.count {
            Some(_) => reply.array(0),
            None => reply.null(),
        }
        return Ok(());
    };
    match options.count {
        Some(count) => {
            let limit = (count != 0).then_some(count);
            let deferred = reply.deferred();
            let mut found = 0;
            list.positions(args.at(2), options.rank, limit, options.maxlen, |p| {
                reply.count(p);
                found += 1;
            });
            reply.finish_deferred(deferred, Aggregate::Array, found);
        }
        None => {
            let mut first = None;
            list.positions(args.at(2), options.rank, Some(1), options.maxlen, |p| {
                first = Some(p);
            });
            match first {
                Some(p) => reply.count(p),
                None => reply.null(),
            }
        }
    }
    Ok(())
}
