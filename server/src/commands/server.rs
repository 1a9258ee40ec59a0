//! Server commands: INFO, CONFIG and its subcommands, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME,
//! SHUTDOWN, MONITOR.

use crate::server::Server;
use scarlet_protocol::Args;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, acl, flag};
use crate::config::{SetContext, ShutdownFlags};
use crate::error::{CmdError, CmdResult};
use crate::info;
use crate::log::{self, Level};

/// The server family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "info",
        arity: -1,
        flags: flag::LOADING | flag::STALE | flag::SENTINEL,
        acl: acl::DANGEROUS,
        handler: Some(info_),
        summary: "Returns information and statistics about the server",
        group: Group::Server,
        syntax: "[section]...",
        tips: &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
        history: &[(
            "7.0.0",
            "Added support for taking multiple section arguments.",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "config",
        arity: -2,
        summary: "A container for server configuration commands",
        since: "2.0.0",
        complexity: "Depends on subcommand.",
        group: Group::Server,
        subcommands: CONFIG_SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "dbsize",
        arity: 1,
        flags: flag::READONLY | flag::FAST,
        acl: acl::KEYSPACE,
        handler: Some(dbsize),
        summary: "Returns the number of keys in the database",
        group: Group::Server,
        tips: &["request_policy:all_shards", "response_policy:agg_sum"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "flushdb",
        arity: -1,
        flags: flag::WRITE,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        handler: Some(flushdb),
        summary: "Removes every key of the selected database",
        complexity: "O(N) where N is the number of keys in the selected database",
        group: Group::Server,
        syntax: "async=[ASYNC@4.0.0|SYNC@6.2.0]",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        history: &[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "flushall",
        arity: -1,
        flags: flag::WRITE,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        handler: Some(flushall),
        summary: "Removes every key of every database",
        complexity: "O(N) where N is the total number of keys in all databases",
        group: Group::Server,
        syntax: "async=[ASYNC@4.0.0|SYNC@6.2.0]",
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        history: &[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "swapdb",
        arity: 3,
        flags: flag::WRITE | flag::FAST,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        handler: Some(swapdb),
        summary: "Swaps the contents of two databases",
        since: "4.0.0",
        complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        group: Group::Server,
        syntax: "index1:integer index2:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "time",
        arity: 1,
        flags: flag::LOADING | flag::STALE | flag::FAST,
        handler: Some(time),
        summary: "Returns the server's time as seconds and microseconds",
        since: "2.6.0",
        group: Group::Server,
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "shutdown",
        arity: -1,
        flags: flag::ADMIN
            | flag::NOSCRIPT
            | flag::LOADING
            | flag::STALE
            | flag::NO_MULTI
            | flag::SENTINEL
            | flag::ALLOW_BUSY,
        handler: Some(shutdown),
        summary: "Stops the server, saving the dataset if configured to",
        complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        group: Group::Server,
        syntax: "nosave_save=[NOSAVE|SAVE] [NOW]@7.0.0 [FORCE]@7.0.0 [ABORT]@7.0.0",
        history: &[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "monitor",
        arity: 1,
        flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE,
        handler: Some(monitor),
        summary: "Listens for all requests received by the server in real-time",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
];

const CONFIG_FLAGS: u64 = flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE;

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: -3,
        flags: CONFIG_FLAGS,
        handler: Some(config_get),
        summary: "Returns the values of configuration parameters matching patterns",
        since: "2.0.0",
        complexity: "O(N) when N is the number of configuration parameters provided",
        group: Group::Server,
        syntax: "parameter=(parameter)...",
        history: &[(
            "7.0.0",
            "Added the ability to pass multiple pattern parameters in one call",
        )],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE,
        handler: Some(config_help),
        summary: "Shows helpful text about the CONFIG subcommands",
        since: "5.0.0",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "resetstat",
        arity: 2,
        flags: CONFIG_FLAGS,
        handler: Some(config_resetstat),
        summary: "Resets the server's statistics",
        since: "2.0.0",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rewrite",
        arity: 2,
        flags: CONFIG_FLAGS,
        handler: Some(config_rewrite),
        summary: "Writes the running configuration back to the config file",
        since: "2.8.0",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "set",
        arity: -4,
        flags: CONFIG_FLAGS,
        handler: Some(config_set),
        summary: "Sets configuration parameters at runtime, all or none",
        since: "2.0.0",
        complexity: "O(N) when N is the number of configuration parameters provided",
        group: Group::Server,
        syntax: "parameter_value=(parameter value)...",
        tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
        history: &[(
            "7.0.0",
            "Added the ability to set multiple parameters in one call.",
        )],
        ..CommandSpec::DEFAULT
    },
];

fn info_(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let selection = info::Selection::parse(args.iter().skip(1));
    let text = info::render(ctx.server, &selection);
    ctx.client.reply.verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn config_get(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let patterns: Vec<&[u8]> = args.iter().skip(2).collect();
    let pairs = ctx.server.config.get(&patterns);
    let reply = &mut ctx.client.reply;
    reply.map(pairs.len());
    for (name, value) in &pairs {
        reply.bulk(name.as_bytes());
        reply.bulk(value);
    }
    Ok(())
}

fn config_help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    super::reply_help(
        &mut ctx.client.reply,
        "CONFIG",
        &[
            "GET <pattern> [<pattern> ...]",
            "    The parameters matching any of the glob patterns, with their values.",
            "SET <directive> <value> [<directive> <value> ...]",
            "    Change parameters at runtime: all of them, or none if one fails.",
            "RESETSTAT",
            "    Reset the statistics INFO reports.",
            "REWRITE",
            "    Write the running configuration back to the config file.",
        ],
    );
    Ok(())
}

fn config_resetstat(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let server = &mut *ctx.server;
    server.stats.reset();
    for stats in &mut server.command_stats {
        *stats = Default::default();
    }
    server.error_stats.clear();
    server.lazyfree.reset_stats();
    server.evictor.reset_stats();
    server.memory_peak = crate::memory::used_memory();
    ctx.client.reply.ok();
    Ok(())
}

fn config_rewrite(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    match ctx.server.config.rewrite() {
        Ok(()) => {
            log::log(Level::Warning, "CONFIG REWRITE executed with success.");
            ctx.client.reply.ok();
            Ok(())
        }
        Err(e) => {
            log::log(Level::Warning, &format!("CONFIG REWRITE failed: {e}"));
            Err(CmdError::err(e))
        }
    }
}

fn config_set(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // The arity lets any count from 4 through; a parameter without a value is Redis's
    // syntax error.
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let pairs: Vec<(&[u8], &[u8])> = args
        .iter()
        .skip(2)
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|pair| match pair {
            [name, value] => Some((*name, *value)),
            _ => None,
        })
        .collect();
    let context = SetContext {
        client_is_local: ctx.client.peer.is_local(),
        loading: ctx.server.persistence.loading.is_some(),
    };
    let outcome = ctx
        .server
        .config
        .set(&pairs, context)
        .map_err(|e| CmdError::coded(e.reply_line()))?;
    ctx.server.apply_config_set(outcome)?;
    ctx.client.reply.ok();
    Ok(())
}

fn dbsize(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let size = ctx.server.dbs.get(db).map_or(0, scarlet_storage::Db::len);
    ctx.client.reply.count(size);
    Ok(())
}

/// SYNC or ASYNC for FLUSHDB/FLUSHALL; without one, `lazyfree-lazy-user-flush` decides.
fn flush_is_async(ctx: &Ctx<'_>, args: Args<'_>) -> Result<bool, CmdError> {
    match args.len() {
        1 => Ok(ctx.server.config.lazyfree_lazy_user_flush),
        2 if args::is(args.at(1), "sync") => Ok(false),
        2 if args::is(args.at(1), "async") => Ok(true),
        _ => Err(CmdError::Syntax),
    }
}

/// Empties the databases in `range`; with `lazy`, the old contents are freed on the
/// lazy-free thread so that no client waits for millions of values to be dropped.
/// During a BGSAVE the capture takes the old tables over, so they are cleared in place.
fn empty_dbs(server: &mut Server, range: std::ops::Range<usize>, lazy: bool) {
    let mut old = Vec::new();
    let mut keys = 0u64;
    for db in server.dbs.get_mut(range).into_iter().flatten() {
        let removed = db.len() as u64;
        server.dirty += removed;
        if lazy && removed > 0 && !db.snapshot_active() {
            keys += removed;
            old.push(std::mem::take(db));
        } else {
            db.clear();
        }
    }
    if !old.is_empty() {
        server.lazyfree.free_dbs(old, keys);
    }
}

/// Redis's `signalFlushedDb`: before databases are emptied, transactions watching their
/// keys fail and tracking clients drop everything.
fn signal_flushed(ctx: &mut Ctx<'_>, db: Option<usize>) {
    let dbs = match db {
        Some(db) => db..db + 1,
        None => 0..ctx.server.dbs.len(),
    };
    for db in dbs {
        ctx.server.touch_all_watched_keys_in_db(db, None, ctx.now);
    }
    ctx.server.tracking_invalidate_all();
}

fn flushdb(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let lazy = flush_is_async(ctx, args)?;
    let db = ctx.db();
    signal_flushed(ctx, Some(db));
    empty_dbs(ctx.server, db..db + 1, lazy);
    // Propagated even when the database was already empty, as Redis does.
    ctx.force_propagation(crate::propagate::target::ALL);
    ctx.client.reply.ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let lazy = flush_is_async(ctx, args)?;
    signal_flushed(ctx, None);
    // Redis kills a saving child, so the dump does not come back after the flush.
    ctx.server.cancel_bgsave();
    let count = ctx.server.dbs.len();
    empty_dbs(ctx.server, 0..count, lazy);
    // With save points, the empty dataset is saved at once, as Redis does.
    if !ctx.server.config.save.is_empty() {
        let _ = ctx.server.save_rdb();
    }
    ctx.force_propagation(crate::propagate::target::ALL);
    ctx.client.reply.ok();
    Ok(())
}

fn swapdb(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if ctx.server.config.cluster_enabled {
        return Err(CmdError::err("SWAPDB is not allowed in cluster mode"));
    }
    let first = args::int32(args.at(1)).map_err(|_| CmdError::err("invalid first DB index"))?;
    let second = args::int32(args.at(2)).map_err(|_| CmdError::err("invalid second DB index"))?;
    let count = ctx.server.dbs.len();
    let index = |i: i32| usize::try_from(i).ok().filter(|&i| i < count);
    let (Some(a), Some(b)) = (index(first), index(second)) else {
        return Err(CmdError::DbIndexOutOfRange);
    };
    if a != b {
        ctx.server.touch_all_watched_keys_in_db(a, Some(b), ctx.now);
        ctx.server.touch_all_watched_keys_in_db(b, Some(a), ctx.now);
        ctx.server.dbs.swap(a, b);
        ctx.server.signal_db_swapped(a, b);
    }
    // Redis counts a change even when a database is swapped with itself.
    ctx.server.dirty += 1;
    ctx.client.reply.ok();
    Ok(())
}

fn time(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let us = crate::clock::unix_us();
    let reply = &mut ctx.client.reply;
    reply.array(2);
    reply.bulk_int(us / 1_000_000);
    reply.bulk_int(us % 1_000_000);
    Ok(())
}

fn shutdown(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (mut nosave, mut save, mut now, mut force, mut abort) = (false, false, false, false, false);
    for opt in args.iter().skip(1) {
        if args::is(opt, "nosave") {
            nosave = true;
        } else if args::is(opt, "save") {
            save = true;
        } else if args::is(opt, "now") {
            now = true;
        } else if args::is(opt, "force") {
            force = true;
        } else if args::is(opt, "abort") {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && (nosave || save || now || force)) || (nosave && save) {
        return Err(CmdError::Syntax);
    }
    if abort {
        // A shutdown decided by SHUTDOWN is immediate; only one a signal scheduled for the
        // next cron tick can still be cancelled.
        if ctx.server.abort_shutdown() {
            ctx.client.reply.ok();
            return Ok(());
        }
        return Err(CmdError::err("No shutdown in progress."));
    }
    let mut flags = 0;
    for (set, flag) in [
        (save, ShutdownFlags::SAVE),
        (nosave, ShutdownFlags::NOSAVE),
        (now, ShutdownFlags::NOW),
        (force, ShutdownFlags::FORCE),
    ] {
        if set {
            flags |= flag;
        }
    }
    if !ctx.server.prepare_shutdown(ShutdownFlags(flags)) {
        return Err(CmdError::err("Errors trying to SHUTDOWN. Check logs."));
    }
    ctx.client.close_after_reply = true;
    Ok(())
}

fn monitor(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if ctx.client.deny_blocking {
        return Err(CmdError::err(
            "MONITOR isn't allowed for DENY BLOCKING client",
        ));
    }
    // A second MONITOR (or one from a replica) is ignored without a reply, as in Redis.
    if ctx.client.monitor || ctx.client.kind == crate::client::ClientKind::Replica {
        return Ok(());
    }
    ctx.client.monitor = true;
    ctx.server.monitors.push(ctx.client.id);
    ctx.client.reply.ok();
    Ok(())
}
