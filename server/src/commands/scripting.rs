//! EVAL scripts: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD / EXISTS / FLUSH /
//! KILL / HELP / DEBUG. After SCRIPT DEBUG YES or SYNC the client's next EVAL runs in a
//! Lua debugger session (`scripting/ldb.rs`) and the connection closes when it ends.
//! SYNC runs it in the server (which waits, and keeps the writes); YES forks, as Redis.
//!
//! The cache, the interpreter and running a script are in `scripting/`; here are the
//! argument checks in Redis's order and the replies. SCRIPT KILL during a busy script is
//! answered by the connection task without the lock (see `connection.rs`); reaching this
//! handler means no script runs.

use std::sync::Arc;

use scarlet_protocol::Args;

use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeySpec, acl, flag, key};
use super::{Ctx, args, reply_help};
use crate::error::{CmdError, CmdResult};
use crate::log::{self, Level};
use crate::scripting::busy::KillOutcome;
use crate::scripting::engine::EngineKind;
use crate::scripting::ldb::{DebugMode, Session, SessionIo};
use crate::scripting::ldb_fork::{self, Forked};
use crate::scripting::run::ScriptRun;
use crate::scripting::{CachedScript, sha1_hex, shebang};

/// The keys of a script command: `numkeys` at 2, then that many keys.
pub(crate) const fn script_keys(flags: u32, notes: Option<&'static str>) -> KeySpec {
    KeySpec {
        flags,
        begin: BeginSearch::Index(2),
        find: FindKeys::Keynum {
            keynumidx: 0,
            firstkey: 1,
            step: 1,
        },
        notes,
    }
}

/// The key-spec notes of the script-running commands (EVAL, FCALL and their forms).
pub(crate) const RW_NOTES: &str =
    "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
/// See [`RW_NOTES`].
pub(crate) const RO_NOTES: &str =
    "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";

/// The flags of a command that runs a script or function that may write.
pub(crate) const RUN_FLAGS: u64 = flag::NOSCRIPT
    | flag::SKIP_MONITOR
    | flag::MAY_REPLICATE
    | flag::NO_MANDATORY_KEYS
    | flag::STALE;
/// The flags of the read-only forms (EVAL_RO, FCALL_RO, ...).
pub(crate) const RUN_RO_FLAGS: u64 =
    flag::NOSCRIPT | flag::SKIP_MONITOR | flag::NO_MANDATORY_KEYS | flag::STALE | flag::READONLY;

/// The EVAL family.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "eval",
        arity: -3,
        flags: RUN_FLAGS,
        acl: acl::SCRIPTING,
        keys: &[script_keys(
            key::RW | key::ACCESS | key::UPDATE,
            Some(RW_NOTES),
        )],
        handler: Some(eval),
        summary: "Executes a server-side Lua script",
        since: "2.6.0",
        complexity: "Depends on the script that is executed.",
        group: Group::Scripting,
        syntax: "script numkeys:integer [key:key...] [arg...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "evalsha",
        arity: -3,
        flags: RUN_FLAGS,
        acl: acl::SCRIPTING,
        keys: &[script_keys(key::RW | key::ACCESS | key::UPDATE, None)],
        handler: Some(evalsha),
        summary: "Executes a server-side Lua script by SHA1 digest",
        since: "2.6.0",
        complexity: "Depends on the script that is executed.",
        group: Group::Scripting,
        syntax: "sha1 numkeys:integer [key:key...] [arg...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "eval_ro",
        arity: -3,
        flags: RUN_RO_FLAGS,
        acl: acl::SCRIPTING,
        keys: &[script_keys(key::RO | key::ACCESS, Some(RO_NOTES))],
        handler: Some(eval_ro),
        summary: "Executes a read-only server-side Lua script",
        since: "7.0.0",
        complexity: "Depends on the script that is executed.",
        group: Group::Scripting,
        syntax: "script numkeys:integer [key:key...] [arg...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "evalsha_ro",
        arity: -3,
        flags: RUN_RO_FLAGS,
        acl: acl::SCRIPTING,
        keys: &[script_keys(key::RO | key::ACCESS, None)],
        handler: Some(evalsha_ro),
        summary: "Executes a read-only server-side Lua script by SHA1 digest",
        since: "7.0.0",
        complexity: "Depends on the script that is executed.",
        group: Group::Scripting,
        syntax: "sha1 numkeys:integer [key:key...] [arg...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "script",
        arity: -2,
        summary: "A container for Lua scripts management commands",
        since: "2.6.0",
        complexity: "Depends on subcommand.",
        group: Group::Scripting,
        subcommands: SCRIPT_SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
];

static SCRIPT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "debug",
        arity: 3,
        flags: flag::NOSCRIPT,
        acl: acl::SCRIPTING,
        handler: Some(script_debug),
        summary: "Sets the debug mode of server-side Lua scripts",
        since: "3.2.0",
        complexity: "O(1)",
        group: Group::Scripting,
        syntax: "mode=(YES|SYNC|NO)",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "exists",
        arity: -3,
        flags: flag::NOSCRIPT,
        acl: acl::SCRIPTING,
        handler: Some(script_exists),
        summary: "Determines whether server-side Lua scripts exist in the script cache",
        since: "2.6.0",
        complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
        group: Group::Scripting,
        syntax: "sha1...",
        tips: &[
            "request_policy:all_shards",
            "response_policy:agg_logical_and",
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "flush",
        arity: -2,
        flags: flag::NOSCRIPT,
        acl: acl::SCRIPTING,
        handler: Some(script_flush),
        summary: "Removes all server-side Lua scripts from the script cache",
        since: "2.6.0",
        complexity: "O(N) with N being the number of scripts in cache",
        group: Group::Scripting,
        syntax: "async=[ASYNC|SYNC]@6.2.0",
        history: &[(
            "6.2.0",
            "Added the `ASYNC` and `SYNC` flushing mode modifiers.",
        )],
        tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE,
        acl: acl::SCRIPTING,
        handler: Some(script_help),
        summary: "Returns helpful text about the different subcommands",
        since: "5.0.0",
        group: Group::Scripting,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "kill",
        arity: 2,
        flags: flag::NOSCRIPT | flag::ALLOW_BUSY,
        acl: acl::SCRIPTING,
        handler: Some(script_kill),
        summary: "Terminates a server-side Lua script during execution",
        since: "2.6.0",
        group: Group::Scripting,
        tips: &["request_policy:all_shards", "response_policy:one_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "load",
        arity: 3,
        flags: flag::NOSCRIPT | flag::STALE,
        acl: acl::SCRIPTING,
        handler: Some(script_load),
        summary: "Loads a server-side Lua script to the script cache",
        since: "2.6.0",
        complexity: "O(N) with N being the length in bytes of the script body.",
        group: Group::Scripting,
        syntax: "script",
        tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
];

fn eval(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    eval_generic(ctx, args, false, false)
}

fn evalsha(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    eval_generic(ctx, args, true, false)
}

fn eval_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    eval_generic(ctx, args, false, true)
}

fn evalsha_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    eval_generic(ctx, args, true, true)
}

/// The NOSCRIPT error.
fn no_script() -> CmdError {
    CmdError::coded("NOSCRIPT No matching script. Please use EVAL.")
}

/// Checks `numkeys` against the arguments (Redis's order and texts); `bad_number` is the
/// error for a number that does not parse.
pub(crate) fn numkeys(args: Args<'_>, bad_number: CmdError) -> Result<usize, CmdError> {
    let n = args::int(args.at(2)).map_err(|_| bad_number)?;
    let available = i64::try_from(args.len().saturating_sub(3)).unwrap_or(i64::MAX);
    if n > available {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    usize::try_from(n).map_err(|_| CmdError::err("Number of keys can't be negative"))
}

fn eval_generic(ctx: &mut Ctx<'_>, args: Args<'_>, by_sha: bool, ro: bool) -> CmdResult {
    // Shown before the commands the script runs, as Redis feeds monitors first.
    ctx.server
        .feed_monitors_always(ctx.client, ctx.command, args);
    if by_sha && args.at(1).len() != 40 {
        return Err(no_script());
    }
    if ctx.client.lua_debug.is_some() {
        if by_sha {
            return Err(CmdError::err(
                "Please use EVAL instead of EVALSHA for debugging",
            ));
        }
        return eval_debugged(ctx, args, ro);
    }
    eval_script(ctx, args, by_sha, ro, false)
}

/// EVAL in a debugging session: the session starts before anything is checked, and
/// ends (`<endsession>`) whatever happened; the connection then closes after the reply.
/// SCRIPT DEBUG YES forks first, as Redis: the child runs the session on its copy of the
/// dataset and exits, the parent closes its side of the connection and goes on.
fn eval_debugged(ctx: &mut Ctx<'_>, args: Args<'_>, ro: bool) -> CmdResult {
    let link = ctx.server.scripting.debug_link.take();
    // Only a real connection (served by its task, so with a link) can be forked over.
    if ctx.client.lua_debug == Some(DebugMode::Forked) && link.is_some() && ctx.client.peer.fd >= 0
    {
        return match ldb_fork::fork() {
            Forked::Failed(why) => {
                ctx.server.scripting.debug_link = link;
                stop_debugging(ctx);
                Err(CmdError::err(format!(
                    "Fork() failed: can't run EVAL in debugging mode: {why}"
                )))
            }
            Forked::Parent(pid) => {
                ctx.server.scripting.debug_link = link;
                log::log(
                    Level::Warning,
                    &format!("Redis forked for debugging eval (child {pid})"),
                );
                ldb_fork::reap(pid);
                stop_debugging(ctx);
                ctx.client.reply.clear();
                ctx.client.handle.hand_off();
                ctx.client.close_after_reply = true;
                Ok(())
            }
            Forked::Child => {
                let fd = ldb_fork::FdIo::new(ctx.client.peer.fd);
                let (_, result) = debug_session(ctx, args, ro, Some(SessionIo::Fd(fd)));
                if let Err(e) = result {
                    ctx.client.reply.error(e.wire_text().as_bytes());
                }
                fd.write(ctx.client.reply.as_bytes());
                ldb_fork::exit_child()
            }
        };
    }
    log::log(
        Level::Warning,
        "Redis synchronous debugging eval session started",
    );
    let (link, result) = debug_session(ctx, args, ro, link.map(SessionIo::Task));
    if let Some(SessionIo::Task(link)) = link {
        ctx.server.scripting.debug_link = Some(link);
    }
    log::log(
        Level::Warning,
        "Redis synchronous debugging eval session ended",
    );
    ctx.client.close_after_reply = true;
    result
}

/// Runs EVAL in a session over `io` (its reply goes after the session's last lines).
/// Gives the I/O back with EVAL's outcome.
fn debug_session(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    ro: bool,
    io: Option<SessionIo>,
) -> (Option<SessionIo>, CmdResult) {
    let timeout = ctx.server.config.busy_reply_threshold;
    let debugger = match ctx.server.scripting.eval_engine() {
        Ok(engine) => Arc::clone(&engine.debugger),
        Err(e) => return (io, Err(CmdError::err(e))),
    };
    debugger.begin(Session::new(io, args.at(1), timeout));
    let result = eval_script(ctx, args, false, ro, true);
    (debugger.end(), result)
}

/// SCRIPT DEBUG NO, as Redis's `ldbDisable`.
fn stop_debugging(ctx: &mut Ctx<'_>) {
    ctx.client.lua_debug = None;
    ctx.client.handle.set_lua_debug(false);
}

fn eval_script(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    by_sha: bool,
    ro: bool,
    debug: bool,
) -> CmdResult {
    let numkeys = numkeys(args, CmdError::NotInteger)?;
    let mut lowered = [0u8; 40];
    let computed;
    let sha = if by_sha {
        cache_key(args.at(1), &mut lowered).ok_or_else(no_script)?
    } else {
        computed = sha1_hex(args.at(1));
        if !ctx.server.scripting.scripts.contains_key(&computed) {
            create_script(ctx, args.at(1), &computed)?;
        }
        &computed
    };
    let Some(script) = ctx.server.scripting.scripts.get(sha) else {
        return Err(no_script());
    };
    let run = ScriptRun {
        kind: EngineKind::Eval,
        function: script.function.clone(),
        name: sha,
        flags: script.flags,
        read_only_command: ro,
        debug,
    };
    ctx.server
        .run_script(ctx.client, run, args, numkeys, ctx.now)
}

/// The script cache's key for a SHA1 a client gave (EVALSHA, SCRIPT EXISTS): lowered, as
/// Redis compares them case-insensitively, into `buf` (on the caller's stack: this runs
/// for every EVALSHA). `None` when it cannot name a cached script (not 40 ASCII bytes).
fn cache_key<'b>(given: &[u8], buf: &'b mut [u8; 40]) -> Option<&'b str> {
    if given.len() != buf.len() {
        return None;
    }
    for (low, byte) in buf.iter_mut().zip(given) {
        *low = byte.to_ascii_lowercase();
    }
    std::str::from_utf8(buf.as_slice()).ok()
}

/// Compiles a body into the cache (Redis's `luaCreateFunction`).
fn create_script(ctx: &mut Ctx<'_>, body: &[u8], sha: &str) -> CmdResult {
    let (flags, shebang_len) = shebang::parse(body).map_err(CmdError::err)?;
    let engine = ctx.server.scripting.eval_engine().map_err(CmdError::err)?;
    let function = engine
        .compile(body.get(shebang_len..).unwrap_or_default(), "@user_script")
        .map_err(|e| CmdError::err(format!("Error compiling script (new function): {e}")))?;
    ctx.server.scripting.scripts_memory += body.len() + sha.len();
    ctx.server.scripting.scripts.insert(
        sha.to_string(),
        CachedScript {
            body: body.to_vec(),
            function,
            flags,
        },
    );
    Ok(())
}

fn script_exists(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    ctx.client.reply.array(args.len() - 2);
    let mut lowered = [0u8; 40];
    for sha in args.iter().skip(2) {
        let found = cache_key(sha, &mut lowered)
            .is_some_and(|key| ctx.server.scripting.scripts.contains_key(key));
        ctx.client.reply.int(i64::from(found));
    }
    Ok(())
}

fn script_flush(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        2 => {}
        3 if args::is(args.at(2), "sync") || args::is(args.at(2), "async") => {}
        _ => return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option")),
    }
    ctx.server.scripting.flush_scripts();
    ctx.client.reply.ok();
    Ok(())
}

fn script_debug(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if !ctx.client.reply.is_empty() || ctx.client.pending_output() > 0 {
        return Err(CmdError::err(
            "SCRIPT DEBUG must be called outside a pipeline",
        ));
    }
    let mode = args.at(2);
    ctx.client.lua_debug = if args::is(mode, "no") {
        None
    } else if args::is(mode, "yes") {
        Some(DebugMode::Forked)
    } else if args::is(mode, "sync") {
        Some(DebugMode::Sync)
    } else {
        return Err(CmdError::err("Use SCRIPT DEBUG YES/SYNC/NO"));
    };
    ctx.client
        .handle
        .set_lua_debug(ctx.client.lua_debug.is_some());
    ctx.client.reply.ok();
    Ok(())
}

fn script_help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    reply_help(
        &mut ctx.client.reply,
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
    Ok(())
}

/// The reply to SCRIPT KILL / FUNCTION KILL, shared with the lock-free busy path.
pub fn kill_reply(outcome: KillOutcome, is_eval: bool) -> Result<(), &'static str> {
    match outcome {
        KillOutcome::Killed => Ok(()),
        KillOutcome::NotBusy => Err("NOTBUSY No scripts in execution right now."),
        KillOutcome::Unkillable => Err(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ),
        KillOutcome::WrongKind if is_eval => Err(BUSY_FUNCTION),
        KillOutcome::WrongKind => Err(BUSY_EVAL),
    }
}

/// -BUSY while an EVAL script runs.
pub const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// -BUSY while a function runs.
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// The -BUSY line for the script running now (EVAL or function).
pub fn busy_error(watch: &crate::scripting::busy::ScriptWatch) -> &'static str {
    if watch.is_eval() {
        BUSY_EVAL
    } else {
        BUSY_FUNCTION
    }
}

fn script_kill(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let outcome = ctx.server.scripting.watch.kill(true);
    kill_reply(outcome, true).map_err(CmdError::coded)?;
    ctx.client.reply.ok();
    Ok(())
}

fn script_load(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let body = args.at(2);
    let sha = sha1_hex(body);
    if !ctx.server.scripting.scripts.contains_key(&sha) {
        create_script(ctx, body, &sha)?;
    }
    ctx.client.reply.bulk(sha.as_bytes());
    Ok(())
}
