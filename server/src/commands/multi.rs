//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! The dispatcher queues commands between MULTI and EXEC and refuses those it would
//! refuse outside (which dooms the transaction); EXEC runs the queue through the same
//! `call` as any command, with blocking commands turned into non-blocking ones, and
//! nothing else runs meanwhile because the whole EXEC happens under the server lock.
//! Clients blocked on keys the transaction fills are served after EXEC, not between its
//! commands. WATCH bookkeeping is in `multi.rs` at the crate root.

use scarlet_protocol::Args;

use super::Ctx;
use super::spec::{CommandSpec, Group, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::multi::MultiState;

/// The transactions family.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "multi",
        arity: 1,
        flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY,
        acl: acl::TRANSACTION,
        handler: Some(multi),
        summary: "Starts a transaction",
        since: "1.2.0",
        group: Group::Transactions,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "exec",
        arity: 1,
        flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SKIP_SLOWLOG,
        acl: acl::TRANSACTION,
        handler: Some(exec),
        summary: "Executes all commands in a transaction",
        since: "1.2.0",
        complexity: "Depends on commands in the transaction",
        group: Group::Transactions,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "discard",
        arity: 1,
        flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY,
        acl: acl::TRANSACTION,
        handler: Some(discard),
        summary: "Discards a transaction",
        since: "2.0.0",
        complexity: "O(N), when N is the number of queued commands",
        group: Group::Transactions,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "watch",
        arity: -2,
        flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY,
        acl: acl::TRANSACTION,
        keys: &[KeySpec::to_end(1, 1, key::RO)],
        handler: Some(watch),
        summary: "Monitors changes to keys to determine the execution of a transaction",
        since: "2.2.0",
        complexity: "O(1) for every key.",
        group: Group::Transactions,
        syntax: "key:key...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unwatch",
        arity: 1,
        flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY,
        acl: acl::TRANSACTION,
        handler: Some(unwatch),
        summary: "Forgets about watched keys of a transaction",
        since: "2.2.0",
        group: Group::Transactions,
        ..CommandSpec::DEFAULT
    },
];

fn multi(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Box::default());
    ctx.client.reply.ok();
    Ok(())
}

fn exec(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let Some(state) = ctx.client.multi.take() else {
        return Err(CmdError::err("EXEC without MULTI"));
    };
    let id = ctx.client.id;
    if ctx.server.watched_key_expired(id, ctx.now) {
        ctx.server.watches.mark_dirty(id);
    }
    let spoiled = ctx.server.watches.is_dirty(id);
    ctx.server.watches.unwatch_all(id);
    if state.dirty_exec {
        return Err(CmdError::coded(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    if spoiled {
        ctx.client.reply.null_array();
        return Ok(());
    }
    run_queued(ctx, *state);
    Ok(())
}

/// Runs a transaction's commands in order, each reply an element of EXEC's array.
fn run_queued(ctx: &mut Ctx<'_>, state: MultiState) {
    let deny_before = ctx.client.deny_blocking;
    ctx.client.deny_blocking = true;
    // The client stays in MULTI state while EXEC runs, as in Redis: CLIENT CACHING then
    // lasts for the whole transaction, and SUBSCRIBE stays allowed.
    ctx.client.multi = Some(Box::default());
    ctx.client.reply.array(state.queued.len());
    for (command, args) in &state.queued {
        ctx.client.last_command = command.full_name;
        ctx.server.call(ctx.client, command, args.args(), ctx.now);
        // Nothing may block inside EXEC; a handler that asked anyway got no reply.
        if ctx.client.block_request.take().is_some() {
            ctx.client.reply.null_array();
        }
    }
    ctx.client.deny_blocking = deny_before;
    ctx.client.multi = None;
    ctx.client.last_command = ctx.command.full_name;
}

fn discard(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if ctx.client.multi.take().is_none() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    ctx.server.watches.unwatch_all(ctx.client.id);
    ctx.client.reply.ok();
    Ok(())
}

fn watch(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    // A transaction that already failed needs no more watching.
    if !ctx.server.watches.is_dirty(ctx.client.id) {
        let db = ctx.db();
        for key in args.iter().skip(1) {
            ctx.server.watch_key(ctx.client.id, db, key, ctx.now);
        }
    }
    ctx.client.reply.ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    ctx.server.watches.unwatch_all(ctx.client.id);
    ctx.client.reply.ok();
    Ok(())
}
