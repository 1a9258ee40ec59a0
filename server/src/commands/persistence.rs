//! Persistence commands: SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF. The work itself is in
//! `crate::persistence`.

use scarlet_protocol::Args;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, acl, flag};
use crate::error::{CmdError, CmdResult};
use crate::persistence::aof::rewrite::RewriteError;
use crate::persistence::bgsave::{NotStarted, Purpose};

/// The persistence family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "save",
        arity: 1,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NOSCRIPT | flag::NO_MULTI,
        handler: Some(save),
        summary: "Writes the dataset to dump.rdb, making every client wait",
        complexity: "O(N) where N is the total number of keys in all databases",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bgsave",
        arity: -1,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NOSCRIPT,
        handler: Some(bgsave),
        summary: "Writes the dataset to dump.rdb in the background",
        group: Group::Server,
        syntax: "[SCHEDULE]@3.2.2",
        history: &[("3.2.2", "Added the `SCHEDULE` option.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bgrewriteaof",
        arity: 1,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NOSCRIPT,
        handler: Some(bgrewriteaof),
        summary: "Rewrites the append-only file in the background",
        complexity: "O(1)",
        group: Group::Server,
        since: "1.0.0",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "lastsave",
        arity: 1,
        flags: flag::LOADING | flag::STALE | flag::FAST,
        acl: acl::ADMIN | acl::DANGEROUS,
        handler: Some(lastsave),
        summary: "Returns the Unix time of the last successful save",
        group: Group::Server,
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
];

fn save(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if ctx.server.rdb_save_running() {
        return Err(CmdError::err("Background save already in progress"));
    }
    ctx.server.persistence.saves += 1;
    match ctx.server.save_rdb() {
        Ok(()) => {
            ctx.client.reply.ok();
            Ok(())
        }
        Err(_) => Err(CmdError::BareErr),
    }
}

fn bgsave(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // SCHEDULE: wait for a running AOF rewrite instead of failing.
    let schedule = match args.len() {
        1 => false,
        2 if args::is(args.at(1), "schedule") => true,
        _ => return Err(CmdError::Syntax),
    };
    if ctx.server.rdb_save_running() {
        return Err(CmdError::err("Background save already in progress"));
    }
    // Inside EXEC the snapshot would catch the transaction half-way: it starts after.
    if ctx.server.persistence.bgsave.is_some() && !schedule && ctx.client.multi.is_none() {
        return Err(CmdError::err(
            "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        ));
    }
    if ctx.client.multi.is_some() || ctx.server.persistence.bgsave.is_some() {
        ctx.server.persistence.bgsave_scheduled = true;
        ctx.client.reply.simple(b"Background saving scheduled");
        return Ok(());
    }
    match ctx.server.start_bgsave() {
        Ok(()) => {
            ctx.client.reply.simple(b"Background saving started");
            Ok(())
        }
        Err(NotStarted::InProgress) => Err(CmdError::err("Background save already in progress")),
        Err(NotStarted::Failed) => Err(CmdError::BareErr),
    }
}

fn lastsave(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    ctx.client.reply.int(ctx.server.persistence.lastsave);
    Ok(())
}

fn bgrewriteaof(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if ctx.server.background_save_running(Purpose::AofBase) {
        return Err(CmdError::err(
            "Background append only file rewriting already in progress",
        ));
    }
    // Behind a BGSAVE, or inside EXEC (the base would catch the transaction half-way).
    if ctx.server.persistence.bgsave.is_some() || ctx.client.multi.is_some() {
        ctx.server.aof.rewrite_scheduled = true;
        // Asked for by hand: it may run at once, whatever the automatic back-off says.
        ctx.server.aof.stats.consecutive_failures = 0;
        ctx.client
            .reply
            .simple(b"Background append only file rewriting scheduled");
        return Ok(());
    }
    match ctx.server.start_aof_rewrite() {
        Ok(()) => {
            ctx.client
                .reply
                .simple(b"Background append only file rewriting started");
            Ok(())
        }
        Err(RewriteError::Busy | RewriteError::Failed) => Err(CmdError::err(
            "Can't execute an AOF background rewriting. Please check the server logs for more information.",
        )),
    }
}
