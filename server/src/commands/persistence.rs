//! Persistence commands: SAVE, BGSAVE, LASTSAVE. The work itself is in
//! `crate::persistence`.

use scarlet_protocol::Args;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, acl, flag};
use crate::error::{CmdError, CmdResult};
use crate::persistence::bgsave::NotStarted;

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
    if ctx.server.persistence.bgsave.is_some() {
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
    // SCHEDULE only matters while another child (an AOF rewrite) holds BGSAVE back;
    // Scarlet has none yet, so with or without it BGSAVE starts at once, as Redis's does
    // when nothing is running.
    if !(args.len() == 1 || (args.len() == 2 && args::is(args.at(1), "schedule"))) {
        return Err(CmdError::Syntax);
    }
    if ctx.server.persistence.bgsave.is_some() {
        return Err(CmdError::err("Background save already in progress"));
    }
    // Inside EXEC the snapshot would catch the transaction half-way: it starts after.
    if ctx.client.multi.is_some() {
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
