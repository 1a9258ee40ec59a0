//! Running a compiled script (an EVAL body or a library function) for a client: Redis's
//! `scriptPrepareForRun`, `luaCallFunction` and `scriptCall`.
//!
//! `redis.call` runs its command through the dispatcher's `call`, as EXEC runs queued
//! commands, on a client of the script's own (address `lua`, so MONITOR shows
//! `[db lua]`) that cannot block. Keyspace events, WATCH and statistics therefore see
//! a script's commands like any others. The whole run happens under the server lock;
//! what other connections may learn meanwhile goes through [`ScriptWatch`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use mlua::{Function, Lua, MultiValue, Value};
use scarlet_protocol::{Args, Frame, FrameLimits, OwnedArgs, Resp, format_double};
use scarlet_storage::Millis;

use super::call_slot::NotLent;
use super::convert::{ScriptError, error_info, frame_to_lua, lua_to_reply};
use super::engine::{EngineKind, RaisedError, RunSettings, error_table, raise_error};
use super::ldb::{self, Debugger, HookParts};
use super::shebang;
use crate::client::Client;
use crate::commands::spec::flag;
use crate::commands::{Lookup, registry};
use crate::error::{CmdError, CmdResult};
use crate::log::{self, Level};
use crate::server::Server;

/// The error of a `redis.call` made while another one runs (only a Lua hook could).
const RECURSION: &str = "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?";

/// Raises an error whose text already has its code.
fn raise_error_text(message: Vec<u8>, ignore_stats: bool) -> mlua::Error {
    mlua::Error::external(RaisedError {
        message,
        ignore_stats,
    })
}

/// Bytes that go to Lua as a string (KEYS and ARGV).
struct LuaBytes<'a>(&'a [u8]);

impl mlua::IntoLua for LuaBytes<'_> {
    fn into_lua(self, lua: &Lua) -> mlua::Result<Value> {
        lua.create_string(self.0).map(Value::String)
    }
}

/// One KEYS or ARGV element. mlua pushes a `&str` straight onto the Lua stack, while
/// other bytes go through a handle of their own (about twice the cost), so the common
/// UTF-8 case takes the `&str` path; both make the same Lua string.
fn script_arg(bytes: &[u8]) -> mlua::Either<&str, LuaBytes<'_>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => mlua::Either::Left(text),
        Err(_) => mlua::Either::Right(LuaBytes(bytes)),
    }
}

/// What to run.
pub struct ScriptRun<'a> {
    /// Which interpreter the function belongs to.
    pub kind: EngineKind,
    /// The compiled function.
    pub function: Function,
    /// The SHA1 of an EVAL body, or the function's name.
    pub name: &'a str,
    /// `shebang::*` flags.
    pub flags: u32,
    /// Called as EVAL_RO, EVALSHA_RO or FCALL_RO.
    pub read_only_command: bool,
    /// Runs under the Lua debugger (its session already begun in the engine's
    /// [`Debugger`]).
    pub debug: bool,
}

/// The state `redis.call` works with during one run.
pub struct CallCtx<'s> {
    server: &'s mut Server,
    client: &'s mut Client,
    read_only: bool,
    /// The server was out of memory when the script started: until it writes, its
    /// commands that may add memory are refused (Redis's scriptVerifyOOM).
    deny_oom: bool,
    /// This is a read-only replica and the caller is not its master: writes are refused
    /// (Redis's scriptVerifyWriteCommandAllow).
    replica_read_only: bool,
    /// The script ran a write command.
    wrote: bool,
    now: Millis,
    settings: &'s RunSettings,
    /// The debugging session, when this run has one: commands and replies are logged
    /// while it steps.
    debugger: Option<Arc<Debugger>>,
    /// The arguments of the command being called, reused from call to call.
    argv: OwnedArgs,
}

impl Server {
    /// Runs a script for `client`: `command` is EVAL's or FCALL's arguments, whose keys
    /// start at index 3 (`numkeys` of them, already checked) and are followed by ARGV.
    /// Writes the script's reply (or its error) to the client.
    pub(crate) fn run_script(
        &mut self,
        client: &mut Client,
        run: ScriptRun<'_>,
        command: Args<'_>,
        numkeys: usize,
        now: Millis,
    ) -> CmdResult {
        let compat = run.flags & shebang::EVAL_COMPAT != 0;
        if !compat && run.flags & shebang::NO_WRITES == 0 && run.read_only_command {
            return Err(CmdError::err(
                "Can not execute a script with write flag using *_ro command.",
            ));
        }
        // Redis's pre_command_oom_state: over maxmemory with nothing left to evict.
        let oom =
            self.config.maxmemory > 0 && self.perform_evictions() == crate::evict::Eviction::Fail;
        if oom && !compat && run.flags & (shebang::ALLOW_OOM | shebang::NO_WRITES) == 0 {
            return Err(CmdError::coded(
                "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
            ));
        }
        let deny_oom = oom && (compat || run.flags & shebang::ALLOW_OOM == 0);
        let replica_read_only = self.replication.is_replica()
            && self.config.replica_read_only
            && !self.is_master_client(client);
        // What Redis's processCommand refuses from the flags a script declares (they
        // stand for the command's), and scriptPrepareForRun from old-style scripts on a
        // stale replica: the same texts, found here since the dispatcher only knows
        // EVAL's and FCALL's own flags.
        if self.stale_replica() && (compat || run.flags & shebang::ALLOW_STALE == 0) {
            return Err(CmdError::coded(
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            ));
        }
        if replica_read_only && !compat && run.flags & shebang::NO_WRITES == 0 {
            return Err(CmdError::coded(
                "READONLY You can't write against a read only replica.",
            ));
        }
        if !compat && run.flags & shebang::NO_WRITES == 0 && self.too_few_good_replicas() {
            return Err(CmdError::NoReplicas);
        }
        let read_only = run.read_only_command || (!compat && run.flags & shebang::NO_WRITES != 0);
        let engine = match run.kind {
            EngineKind::Eval => self.scripting.eval_engine(),
            EngineKind::Functions => self.scripting.function_engine(),
        }
        .map_err(CmdError::err)?;
        let memory_limit = super::lua_memory_limit(self.config.maxmemory);
        engine.set_memory_limit(memory_limit);
        let lua = engine.lua.clone();
        let invoke = engine.invoke.clone();
        let settings = Arc::clone(&engine.settings);
        let debugger = if run.debug {
            let parts = HookParts {
                debugger: Arc::clone(&engine.debugger),
                getlocal: engine.getlocal.clone(),
                globals: engine.globals.clone(),
                redis_api: engine.redis_api.clone(),
                plain_pcall: engine.plain_pcall.clone(),
            };
            ldb::install_hook(&lua, parts).map_err(|e| CmdError::err(e.to_string()))?;
            Some(Arc::clone(&engine.debugger))
        } else {
            None
        };
        let watch = Arc::clone(&self.scripting.watch);
        settings.resp.store(2, Ordering::Relaxed);
        settings.repl.store(3, Ordering::Relaxed);

        let to_lua_err = |e: mlua::Error| CmdError::err(super::engine::lua_error_text(&e));
        // Exactly sized: the iterators know their length.
        let keys_table = lua
            .create_sequence_from(command.iter().skip(3).take(numkeys).map(script_arg))
            .map_err(to_lua_err)?;
        let argv_table = lua
            .create_sequence_from(command.iter().skip(3 + numkeys).map(script_arg))
            .map_err(to_lua_err)?;
        let is_eval = run.kind == EngineKind::Eval;

        self.scripting.ran_read = false;
        let mut lua_client = self.scripting.take_lua_client();
        lua_client.db = client.db;
        lua_client.reply.set_resp(Resp::Resp2);
        lua_client.reply.clear();
        watch.start(
            is_eval,
            self.config.busy_reply_threshold,
            run.name,
            (run.kind == EngineKind::Functions).then_some(command),
        );
        let outcome = {
            let mut ctx = CallCtx {
                server: self,
                client: &mut lua_client,
                read_only,
                deny_oom,
                replica_read_only,
                wrote: false,
                now,
                settings: &settings,
                debugger: debugger.clone(),
                argv: OwnedArgs::new(),
            };
            super::call_slot::lend(&mut ctx, || {
                super::engine::with_memory_limit(&lua, memory_limit, || {
                    invoke.call::<(bool, Value)>((&run.function, is_eval, keys_table, argv_table))
                })
            })
        };
        if debugger.is_some() {
            let restored = match run.kind {
                EngineKind::Eval => self.scripting.eval_engine(),
                EngineKind::Functions => self.scripting.function_engine(),
            }
            .map(|engine| engine.restore_hook());
            if let Ok(Err(e)) = restored {
                log::log(Level::Warning, &format!("Restoring the Lua hook: {e}"));
            }
        }
        let killed = watch.kill_requested();
        let shutdown = watch.finish();
        self.serve_busy_inbox(now);
        if killed {
            log::log(
                Level::Warning,
                "Lua script killed by user with SCRIPT KILL.",
            );
        }
        self.scripting.return_lua_client(lua_client);
        // The script itself never goes to replicas or the AOF: the commands it ran do
        // (Redis 7's effects replication).
        client.propagation.prevent = crate::propagate::target::ALL;
        // A script that read something makes a tracking caller remember its declared
        // keys (not the keys it touched), as Redis does.
        if std::mem::take(&mut self.scripting.ran_read) && client.tracking.is_some() {
            let keys: Vec<&[u8]> = command.iter().skip(3).take(numkeys).collect();
            self.tracking_remember_keys(client, &keys);
        }
        if self.scripting.gc_tick() {
            let _ = lua.gc_step();
        }
        if let Ok(engine) = match run.kind {
            EngineKind::Eval => self.scripting.eval_engine(),
            EngineKind::Functions => self.scripting.function_engine(),
        } {
            engine.collect_if_near_limit();
        }
        if shutdown {
            self.request_shutdown(0);
        }
        let script_resp = if settings.resp.load(Ordering::Relaxed) == 3 {
            Resp::Resp3
        } else {
            Resp::Resp2
        };
        match outcome {
            Ok((true, value)) => {
                let mut errors: Vec<ScriptError> = Vec::new();
                lua_to_reply(&value, &mut client.reply, script_resp, &mut errors);
                for e in errors {
                    if e.count {
                        self.count_error(&String::from_utf8_lossy(&e.line));
                    } else {
                        self.fail_call_uncounted();
                    }
                }
            }
            Ok((false, error)) => {
                let info = error_info(&error);
                let mut line = info.message.clone();
                if let (Some(source), Some(at)) = (&info.source, &info.line) {
                    line.extend_from_slice(
                        format!(" script: {}, on {source}:{at}.", run.name).as_bytes(),
                    );
                }
                client.reply.error(&line);
                if info.ignore_stats {
                    self.fail_call_uncounted();
                } else {
                    self.count_error(&String::from_utf8_lossy(&line));
                }
            }
            Err(e) => {
                return Err(CmdError::err(format!(
                    "Error running script {}, {:.100}",
                    run.name,
                    super::engine::lua_error_text(&e)
                )));
            }
        }
        Ok(())
    }
}

impl Server {
    /// The script's command failed with an error already counted where it happened
    /// (Redis replies it without updating the error stats but counts the failed call):
    /// the dispatcher then sees an error since its mark and counts the call as failed.
    fn fail_call_uncounted(&mut self) {
        self.error_mark = self.stats.total_error_replies.saturating_sub(1);
    }

    /// Registers the connections accepted while the script was busy (see
    /// [`BusyAdmission`](super::busy::BusyAdmission)), then runs the commands other
    /// clients sent meanwhile (see [`BusyRequest`](super::busy::BusyRequest)) and hands
    /// their replies back.
    pub(crate) fn serve_busy_inbox(&mut self, now: Millis) {
        let admissions = match self.scripting.watch.admissions.lock() {
            Ok(mut waiting) if !waiting.is_empty() => std::mem::take(&mut *waiting),
            _ => Vec::new(),
        };
        for admission in admissions {
            let admitted = self.register_client(admission.peer);
            if let Err(Ok((id, _))) = admission.admitted.send(admitted) {
                // The connection stopped waiting (it is gone): so is its client.
                self.unregister_client(id);
            }
        }
        let requests = match self.scripting.watch.inbox.lock() {
            Ok(mut inbox) if !inbox.is_empty() => std::mem::take(&mut *inbox),
            _ => return,
        };
        for request in requests {
            // No command: the connection closed, and is forgotten now rather than when
            // the script ends (a replica that left must not count meanwhile).
            if request.args.is_empty() {
                // The script's own caller is out of the table: it waits for the end.
                if self.clients.get(request.client).is_some() {
                    self.unregister_client(request.client);
                    let _ = request.reply.send(Vec::new());
                }
                continue;
            }
            let Some(mut client) = self.clients.take(request.client) else {
                continue;
            };
            let start = client.reply.len();
            self.process_while_busy(&mut client, request.args.args(), now);
            let reply = client
                .reply
                .as_bytes()
                .get(start..)
                .unwrap_or_default()
                .to_vec();
            client.reply.truncate(start);
            self.clients.put_back(client);
            let _ = request.reply.send(reply);
        }
    }
}

/// From the Lua hook of a busy script: runs what other connections handed the script
/// (see [`Server::serve_busy_inbox`]), as Redis processes events from its hook, so that
/// a script that never calls `redis.call` still serves them.
pub fn serve_inbox_from_hook() {
    let _ = super::call_slot::with_lent(|ctx| ctx.server.serve_busy_inbox(ctx.now));
}

/// `redis.call` (and, under pcall, `redis.pcall`): runs one command with the context
/// the running script lent (see `call_slot.rs`); an error reply is raised.
pub fn redis_call(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    match super::call_slot::with_lent(|ctx| ctx.call(lua, args)) {
        Ok(called) => match called? {
            (Value::Table(t), true) => {
                let info = error_info(&Value::Table(t));
                Err(raise_error_text(info.message, info.ignore_stats))
            }
            (value, _) => Ok(value),
        },
        Err(NotLent::Outside) => Err(raise_error(
            b"redis.call/pcall can only be called inside a script invocation",
            false,
        )),
        Err(NotLent::Recursive) => Err(raise_error(RECURSION.as_bytes(), false)),
    }
}

/// `redis.acl_check_cmd`: whether the script's user may run the command. The only user
/// here is Redis's default one, which may run everything: true for any command that
/// exists (Redis looks it up without checking its arity either).
pub fn acl_check_cmd(_: &Lua, args: MultiValue) -> mlua::Result<bool> {
    let mut argv = OwnedArgs::new();
    if let Err(message) = lua_args_to_argv(&args, &mut argv) {
        return Err(raise_error(message.as_bytes(), false));
    }
    match registry().lookup(argv.args()) {
        Lookup::Found(_) => Ok(true),
        _ => Err(raise_error(
            b"Invalid command passed to redis.acl_check_cmd()",
            false,
        )),
    }
}

/// Redis's luaArgsToRedisArgv: a `redis.*` call's arguments as a command's, strings as
/// they are and numbers as Redis prints them; the error says what else came.
fn lua_args_to_argv(args: &MultiValue, argv: &mut OwnedArgs) -> Result<(), &'static str> {
    if args.is_empty() {
        return Err("Please specify at least one argument for this redis lib call");
    }
    let mut number = Vec::new();
    for value in args.iter() {
        match value {
            Value::String(s) => argv.push(&s.as_bytes()),
            Value::Integer(n) => argv.push(itoa::Buffer::new().format(*n).as_bytes()),
            Value::Number(n) => {
                number.clear();
                format_double(*n, &mut number);
                argv.push(&number);
            }
            _ => return Err("Lua redis lib command arguments must be strings or integers"),
        }
    }
    Ok(())
}

impl CallCtx<'_> {
    /// `redis.call` / `redis.pcall`: runs one command; returns the converted reply and
    /// whether it is an error (which `redis.call` raises).
    fn call(&mut self, lua: &Lua, args: MultiValue) -> mlua::Result<(Value, bool)> {
        let mut argv = std::mem::take(&mut self.argv);
        argv.clear();
        let called = self.call_with(lua, &args, &mut argv);
        self.argv = argv;
        called
    }

    /// [`CallCtx::call`] with a buffer for the command's arguments.
    fn call_with(
        &mut self,
        lua: &Lua,
        args: &MultiValue,
        argv: &mut OwnedArgs,
    ) -> mlua::Result<(Value, bool)> {
        if self.server.scripting.watch.is_busy() {
            self.server.serve_busy_inbox(self.now);
        }
        if let Err(message) = lua_args_to_argv(args, argv) {
            return self.fail_logged(lua, message, false);
        }
        if let Some(debugger) = &self.debugger {
            debugger.log_if_stepping(command_log(argv.args()));
        }
        let cmd = match registry().lookup(argv.args()) {
            Lookup::Found(cmd) if cmd.spec.arity_ok(argv.len()) => cmd,
            Lookup::Found(cmd) => {
                return self.reject(
                    lua,
                    Some(cmd.id),
                    "Wrong number of args calling Redis command from script",
                );
            }
            _ => return self.reject(lua, None, "Unknown Redis command called from script"),
        };
        if cmd.has(flag::NOSCRIPT) && !self.server.scripting.disable_deny_script {
            return self.reject(
                lua,
                Some(cmd.id),
                "This Redis command is not allowed from script",
            );
        }
        if !cmd.has(flag::STALE) && self.server.stale_replica() {
            return self.reject(
                lua,
                Some(cmd.id),
                "Can not execute the command on a stale replica",
            );
        }
        if self.read_only && cmd.has(flag::WRITE | flag::MAY_REPLICATE) {
            return self.reject(
                lua,
                Some(cmd.id),
                "Write commands are not allowed from read-only scripts.",
            );
        }
        if self.replica_read_only && !self.wrote && cmd.has(flag::WRITE) {
            return self.reject(
                lua,
                Some(cmd.id),
                "-READONLY You can't write against a read only replica.",
            );
        }
        if !self.wrote && cmd.has(flag::WRITE) && self.server.too_few_good_replicas() {
            return self.reject(
                lua,
                Some(cmd.id),
                "-NOREPLICAS Not enough good replicas to write.",
            );
        }
        if self.deny_oom && !self.wrote && cmd.has(flag::DENYOOM) {
            return self.reject(
                lua,
                Some(cmd.id),
                "-OOM command not allowed when used memory > 'maxmemory'.",
            );
        }
        if cmd.has(flag::WRITE) {
            self.wrote = true;
            self.server.scripting.watch.mark_wrote();
        }
        let resp = if self.settings.resp.load(Ordering::Relaxed) == 3 {
            Resp::Resp3
        } else {
            Resp::Resp2
        };
        if self.client.reply.resp() != resp {
            self.client.reply.set_resp(resp);
        }
        self.client.reply.clear();
        self.client.last_command = cmd.full_name;
        // redis.set_repl's REPL_* bits are the propagation targets' bits.
        self.server.propagation.next_call_targets = self.settings.repl.load(Ordering::Relaxed);
        self.server.call(self.client, cmd, argv.args(), self.now);
        if self.client.block_request.take().is_some() {
            self.client.reply.clear();
            self.client.reply.null();
        }
        let parsed = first_reply(self.client.reply.as_bytes());
        if let (Some(debugger), Some(frame)) = (&self.debugger, &parsed)
            && debugger.is_stepping()
        {
            log_reply_errors(debugger, frame);
            debugger.log_reply_if_stepping(self.client.reply.as_bytes());
        }
        self.client.reply.clear();
        match parsed {
            Some(frame) => frame_to_lua(lua, frame, resp),
            None => fail(lua, "reply of the command could not be read", false),
        }
    }

    /// A command refused before it ran: counted as Redis's `afterErrorReply` counts it
    /// (and in the command's rejected_calls when it exists), and marked so the script's own error reply does not count it again.
    fn reject(
        &mut self,
        lua: &Lua,
        command: Option<usize>,
        message: &str,
    ) -> mlua::Result<(Value, bool)> {
        let line = super::engine::error_text(message.as_bytes());
        self.server.count_error(&String::from_utf8_lossy(&line));
        if let Some(stats) = command.and_then(|id| self.server.command_stats.get_mut(id)) {
            stats.rejected_calls += 1;
            // Counted here: the script's own call must not count it as its failure
            // (Redis's incrCommandStatsOnError moves its mark).
            self.server.error_mark = self.server.stats.total_error_replies;
        }
        self.fail_logged(lua, message, true)
    }

    /// [`fail`], logged as `<error> ...` while a debugging session steps.
    fn fail_logged(
        &mut self,
        lua: &Lua,
        message: &str,
        counted: bool,
    ) -> mlua::Result<(Value, bool)> {
        if let Some(debugger) = &self.debugger {
            debugger.log_if_stepping(format!("<error> {message}").into_bytes());
        }
        fail(lua, message, counted)
    }
}

/// The debugger's `<redis>` line: the command and its first ten arguments.
fn command_log(args: Args<'_>) -> Vec<u8> {
    let mut line = b"<redis>".to_vec();
    for (i, arg) in args.iter().enumerate() {
        if i == 10 {
            line.extend_from_slice(format!(" ... ({} more)", args.len() - i - 1).as_bytes());
            break;
        }
        line.push(b' ');
        line.extend_from_slice(arg);
    }
    line
}

/// Logs every error in a reply as `<error> -CODE message`, as the conversion to Lua
/// meets them.
fn log_reply_errors(debugger: &Debugger, frame: &Frame) {
    match frame {
        Frame::Error(text) => {
            let mut line = b"<error> -".to_vec();
            line.extend_from_slice(text);
            debugger.log_if_stepping(line);
        }
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            for item in items {
                log_reply_errors(debugger, item);
            }
        }
        Frame::Map(pairs) => {
            for (key, value) in pairs {
                log_reply_errors(debugger, key);
                log_reply_errors(debugger, value);
            }
        }
        _ => {}
    }
}

/// The reply in `bytes`, past any RESP3 attributes before it (scripts do not see them).
fn first_reply(mut bytes: &[u8]) -> Option<Frame> {
    loop {
        let (frame, used) = Frame::parse(bytes, &FrameLimits::default()).ok()??;
        if !matches!(frame, Frame::Attribute(_)) {
            return Some(frame);
        }
        bytes = bytes.get(used..)?;
    }
}

fn fail(lua: &Lua, message: &str, counted: bool) -> mlua::Result<(Value, bool)> {
    let table = error_table(lua, message.as_bytes())?;
    if counted {
        table.raw_set("ignore_error_stats_update", true)?;
    }
    Ok((Value::Table(table), true))
}
