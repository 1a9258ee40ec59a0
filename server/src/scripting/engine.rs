//! A sandboxed Lua 5.1 state, set up as Redis 7.0 sets up its interpreters: the base,
//! table, string and math libraries plus the bundled ones (cjson, cmsgpack, bit,
//! struct), the `redis` table, and globals scripts can read but never change.
//!
//! The sandbox itself is `prelude.lua` (proxies instead of Redis's patched read-only
//! tables). This module owns what Rust provides to it: the `redis` functions that need
//! no running command, the error handler that records where a script failed, the
//! instruction-count hook that enforces busy-reply-threshold and SCRIPT KILL, and the
//! `bridge` table through which the running script reaches `redis.call`. Running a
//! script against the server is `run.rs`; it does not live here.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use super::busy::ScriptWatch;
use super::ldb::Debugger;
use crate::log::{self, Level};

/// The Lua source of the sandbox (ours, not Redis's).
const PRELUDE: &str = include_str!("prelude.lua");

/// `pcall(f)` as a Lua function, so Rust gets the raw error value back.
const PLAIN_PCALL: &str = "local pcall_ = pcall return function(f) return pcall_(f) end";

/// An error a Rust API function raises as Redis's error table: the Lua value is mlua's
/// error userdata carrying this, which the error handler turns into `{err = ...}` (with
/// where the script failed) and `pcall` into the message. Rust functions stay C
/// functions to Lua, so a tail call into one keeps the script's frame, as in Redis.
#[derive(Debug, Clone)]
pub struct RaisedError {
    /// "CODE message".
    pub message: Vec<u8>,
    /// Already counted in the error statistics.
    pub ignore_stats: bool,
}

impl std::fmt::Display for RaisedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message))
    }
}

impl std::error::Error for RaisedError {}

/// The mlua error that raises `message` (Redis's `luaPushError` + `luaError`).
pub fn raise_error(message: &[u8], ignore_stats: bool) -> mlua::Error {
    mlua::Error::external(RaisedError {
        message: error_text(message),
        ignore_stats,
    })
}

/// The Redis error inside an mlua error, if it is one.
pub fn raised(e: &mlua::Error) -> Option<&RaisedError> {
    e.downcast_ref::<RaisedError>()
}

/// How often the hook runs, in VM instructions (Redis's figure).
const HOOK_EVERY: u32 = 100_000;

/// Which interpreter: EVAL's, or the one that holds function libraries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    /// EVAL and EVALSHA scripts (chunk name `user_script`).
    Eval,
    /// FUNCTION LOAD libraries (chunk name `user_function`).
    Functions,
}

/// Per-run settings the API functions read: RESP version of `redis.call` replies
/// (`redis.setresp`) and replication flags (`redis.set_repl`).
#[derive(Debug, Default)]
pub struct RunSettings {
    /// 2 or 3.
    pub resp: AtomicU8,
    /// REPL_* bits.
    pub repl: AtomicU8,
}

/// A ready interpreter.
pub struct Engine {
    /// The state.
    pub lua: Lua,
    /// The globals table scripts see (a read-only proxy).
    pub globals: Table,
    /// The proxy's metatable: FUNCTION LOAD points its `__index` at the load-time API.
    pub globals_meta: Table,
    /// The real globals behind the proxy (where KEYS and ARGV go).
    pub real: Table,
    /// Turns any error into Redis's error table with `source` and `line`.
    pub handler: Function,
    /// `invoke(f, eval, keys, argv)` calls a script function under `xpcall` with
    /// [`Engine::handler`]: an EVAL script gets KEYS and ARGV as globals, a library
    /// function as its two arguments.
    pub invoke: Function,
    /// The full `redis` table's real contents (functions add `register_function` to a
    /// load-time copy).
    pub redis_api: Table,
    /// Wraps a table in a read-only proxy.
    pub protect: Function,
    /// The `__index` that raises "nonexistent global variable".
    pub missing: Function,
    /// `pcall(f)` returning the raw error value.
    pub plain_pcall: Function,
    /// Read by the API functions.
    pub settings: Arc<RunSettings>,
    /// The Lua debugger's session, when one runs (EVAL only).
    pub debugger: Arc<Debugger>,
    /// `debug.getlocal` (the debugger's `print`); scripts never see the debug library.
    pub getlocal: Function,
    /// Which interpreter this is (the hook to put back after a debugging session).
    pub kind: EngineKind,
    /// Where the hook reports.
    watch: Arc<ScriptWatch>,
    /// The memory limit set on the state (see [`super::lua_memory_limit`]).
    memory_limit: std::sync::atomic::AtomicUsize,
}

impl Engine {
    /// Builds an interpreter whose hook reports to `watch`.
    pub fn new(kind: EngineKind, watch: Arc<ScriptWatch>) -> mlua::Result<Engine> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::new(),
        )?;
        let real = lua.globals();
        let getlocal = debug_getlocal(&lua)?;
        for name in [
            "print", "dofile", "loadfile", "module", "require", "package",
        ] {
            real.raw_set(name, Value::Nil)?;
        }
        super::lib::register(&lua)?;
        let settings = Arc::new(RunSettings::default());
        settings.resp.store(2, Ordering::Relaxed);
        let debugger = Arc::new(Debugger::default());
        let redis_api = build_redis_api(&lua, &settings, &debugger)?;
        // Built once: a run lends it its context (`call_slot.rs`); between runs it raises.
        redis_api.raw_set("call", lua.create_function(super::run::redis_call)?)?;
        redis_api.raw_set(
            "acl_check_cmd",
            lua.create_function(super::run::acl_check_cmd)?,
        )?;
        // redis.pcall is redis.call under pcall, with the raised error turned back into
        // its table: one Rust callback per run instead of two.
        let to_table = lua.create_function(|lua, err: Value| match &err {
            Value::Error(e) => match raised(e) {
                Some(r) => {
                    let t = lua.create_table()?;
                    t.raw_set("err", lua.create_string(&r.message)?)?;
                    if r.ignore_stats {
                        t.raw_set("ignore_error_stats_update", true)?;
                    }
                    Ok(Value::Table(t))
                }
                None => Ok(err),
            },
            _ => Ok(err),
        })?;
        let pcall: Function = lua
            .load(
                "local api, to_table = ... local pcall_ = pcall \
                 return function(...) \
                   local ok, r = pcall_(api.call, ...) \
                   if ok then return r end \
                   return to_table(r) \
                 end",
            )
            .set_name("=redis_pcall")
            .into_function()?
            .call((redis_api.clone(), to_table))?;
        redis_api.raw_set("pcall", pcall)?;
        let plain_pcall = lua
            .load(PLAIN_PCALL)
            .set_name("=pcall")
            .into_function()?
            .call::<Function>(())?;

        // Built before the sandbox replaces xpcall: a killed script must end here. An
        // EVAL script's KEYS and ARGV are set here, in Lua: cheaper than two raw_set
        // calls through mlua per run. Lua 5.1's xpcall passes no arguments, so a library
        // function gets its own through `pass` (one closure for all runs, not one per
        // run; no run starts inside another).
        let handler = lua.create_function(error_handler)?;
        let invoke = lua
            .load(
                "local xpcall_, rawset_, handler, real = xpcall, rawset, ... \
                 local fn_, keys_, argv_ \
                 local function pass() \
                   local f, keys, argv = fn_, keys_, argv_ \
                   fn_, keys_, argv_ = nil, nil, nil \
                   return f(keys, argv) \
                 end \
                 return function(f, eval, keys, argv) \
                   if eval then \
                     rawset_(real, 'KEYS', keys) rawset_(real, 'ARGV', argv) \
                     return xpcall_(f, handler) \
                   end \
                   fn_, keys_, argv_ = f, keys, argv \
                   return xpcall_(pass, handler) \
                 end",
            )
            .set_name("=invoke")
            .into_function()?
            .call::<Function>((handler.clone(), real.clone()))?;
        let rust = lua.create_table()?;
        let killed_watch = Arc::clone(&watch);
        rust.raw_set(
            "killed",
            lua.create_function(move |_, ()| Ok(killed_watch.kill_requested()))?,
        )?;
        rust.raw_set(
            "message",
            lua.create_function(|lua, err: Value| match &err {
                Value::Error(e) => match raised(e) {
                    Some(r) => Ok(Value::String(lua.create_string(&r.message)?)),
                    None => Ok(err),
                },
                _ => Ok(err),
            })?,
        )?;
        let prelude = lua.load(PRELUDE).set_name("=sandbox").into_function()?;
        let (globals, globals_meta, protect, missing): (Table, Table, Function, Function) =
            prelude.call((real.clone(), rust))?;
        let redis_proxy: Table = protect.call(redis_api.clone())?;
        real.raw_set("redis", redis_proxy)?;

        real.raw_set("__redis__err__handler", handler.clone())?;

        install_hook(&lua, kind, Arc::clone(&watch))?;
        let memory_limit = super::lua_memory_limit(0);
        Ok(Engine {
            lua,
            globals,
            globals_meta,
            real,
            handler,
            invoke,
            redis_api,
            protect,
            missing,
            plain_pcall,
            settings,
            debugger,
            getlocal,
            kind,
            watch,
            memory_limit: std::sync::atomic::AtomicUsize::new(memory_limit),
        })
    }

    /// The memory limit of the next runs (maxmemory changes it).
    pub fn set_memory_limit(&self, limit: usize) {
        self.memory_limit.store(limit, Ordering::Relaxed);
    }

    /// Runs `f` (Lua code) under the memory limit. The limit is on only meanwhile: with
    /// a limit mlua protects each of its own API calls against a memory error, which
    /// costs more than the run of a small script, and outside Lua code (building KEYS
    /// and ARGV, installing `redis.call`) nothing grows without bound.
    pub fn limited<R>(&self, f: impl FnOnce() -> R) -> R {
        with_memory_limit(&self.lua, self.memory_limit.load(Ordering::Relaxed), f)
    }

    /// After a run: a script that came near the limit leaves garbage behind; it goes
    /// at once rather than at the next steps of the collector.
    pub fn collect_if_near_limit(&self) {
        if self.lua.used_memory() > self.memory_limit.load(Ordering::Relaxed) / 2 {
            let _ = self.lua.gc_collect();
        }
    }

    /// Puts the usual hook (busy-reply-threshold, SCRIPT KILL) back, after the debugger's.
    pub fn restore_hook(&self) -> mlua::Result<()> {
        install_hook(&self.lua, self.kind, Arc::clone(&self.watch))
    }

    /// Compiles a chunk into a function whose environment is the sandbox.
    pub fn compile(&self, code: &[u8], chunk_name: &str) -> Result<Function, String> {
        self.lua
            .load(code)
            .set_name(chunk_name)
            .set_mode(mlua::chunk::ChunkMode::Text)
            .set_environment(self.globals.clone())
            .into_function()
            .map_err(|e| lua_error_text(&e))
    }
}

/// `debug.getlocal`, for the debugger's `print`: the debug library is opened only to
/// take that function, and its global is removed before any script runs.
fn debug_getlocal(lua: &Lua) -> mlua::Result<Function> {
    let open = open_debug_library(lua)?;
    let library: Table = open.call(())?;
    let getlocal = library.raw_get("getlocal")?;
    lua.globals().raw_set("debug", Value::Nil)?;
    Ok(getlocal)
}

/// Lua's `luaopen_debug` as a function (mlua refuses the debug library in a safe state).
#[allow(unsafe_code)]
fn open_debug_library(lua: &Lua) -> mlua::Result<Function> {
    // SAFETY: luaopen_debug is a lua_CFunction of the Lua this state runs; it registers
    // the library and returns its table, as any C function called by Lua.
    unsafe { lua.create_c_function(mlua::ffi::luaopen_debug) }
}

/// Runs `f` with `limit` as the state's memory limit (see [`Engine::limited`]).
pub fn with_memory_limit<R>(lua: &Lua, limit: usize, f: impl FnOnce() -> R) -> R {
    let _ = lua.set_memory_limit(limit);
    let result = f();
    let _ = lua.set_memory_limit(0);
    result
}

/// The text of a Lua error as Lua itself reports it (`user_script:1: ...`), without
/// mlua's decorations.
pub fn lua_error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(message) => message.clone(),
        mlua::Error::MemoryError(message) => message.clone(),
        mlua::Error::CallbackError { cause, .. } => lua_error_text(cause),
        other => other.to_string(),
    }
}

/// The `redis` functions that need no running command.
fn build_redis_api(
    lua: &Lua,
    settings: &Arc<RunSettings>,
    debugger: &Arc<Debugger>,
) -> mlua::Result<Table> {
    let api = lua.create_table()?;
    api.raw_set("REDIS_VERSION", crate::REDIS_VERSION)?;
    api.raw_set("REDIS_VERSION_NUM", redis_version_num())?;
    api.raw_set("LOG_DEBUG", 0)?;
    api.raw_set("LOG_VERBOSE", 1)?;
    api.raw_set("LOG_NOTICE", 2)?;
    api.raw_set("LOG_WARNING", 3)?;
    api.raw_set("REPL_NONE", 0)?;
    api.raw_set("REPL_AOF", 1)?;
    api.raw_set("REPL_SLAVE", 2)?;
    api.raw_set("REPL_REPLICA", 2)?;
    api.raw_set("REPL_ALL", 3)?;
    api.raw_set("log", lua.create_function(redis_log)?)?;
    api.raw_set("sha1hex", lua.create_function(sha1hex)?)?;
    api.raw_set(
        "error_reply",
        lua.create_function(|lua, args: MultiValue| error_reply(lua, args))?,
    )?;
    api.raw_set(
        "status_reply",
        lua.create_function(|lua, args: MultiValue| status_reply(lua, args))?,
    )?;
    let resp_settings = Arc::clone(settings);
    api.raw_set(
        "setresp",
        lua.create_function(move |_, args: MultiValue| {
            if args.len() != 1 {
                return raise("redis.setresp() requires one argument.");
            }
            let resp = args.front().and_then(lua_number).unwrap_or(0.0);
            if resp != 2.0 && resp != 3.0 {
                return raise("RESP version must be 2 or 3.");
            }
            resp_settings.resp.store(resp as u8, Ordering::Relaxed);
            Ok(Value::Nil)
        })?,
    )?;
    let repl_settings = Arc::clone(settings);
    api.raw_set(
        "set_repl",
        lua.create_function(move |_, args: MultiValue| {
            if args.len() != 1 {
                return raise("redis.set_repl() requires two arguments.");
            }
            let flags = args.front().and_then(lua_number).unwrap_or(0.0) as i64;
            if flags & !3 != 0 {
                return raise(
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                );
            }
            repl_settings.repl.store(flags as u8, Ordering::Relaxed);
            Ok(Value::Nil)
        })?,
    )?;
    // Effects replication is the only mode since 7.0: these remain for old scripts.
    api.raw_set(
        "replicate_commands",
        lua.create_function(|_, _: MultiValue| Ok(true))?,
    )?;
    // Both do nothing outside a debugging session.
    let breakpoint_debugger = Arc::clone(debugger);
    api.raw_set(
        "breakpoint",
        lua.create_function(move |_, _: MultiValue| Ok(breakpoint_debugger.breakpoint()))?,
    )?;
    let debug_debugger = Arc::clone(debugger);
    api.raw_set(
        "debug",
        lua.create_function(move |_, args: MultiValue| {
            debug_debugger.debug(&args);
            Ok(())
        })?,
    )?;
    Ok(api)
}

/// REDIS_VERSION_NUM: 0x00MMmmpp.
fn redis_version_num() -> i64 {
    let mut parts = crate::REDIS_VERSION
        .split('.')
        .map(|p| p.parse::<i64>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    let patch = parts.next().unwrap_or(0);
    (major << 16) | (minor << 8) | patch
}

/// A Lua number argument (numeric strings count, as `lua_tonumber`).
pub fn lua_number(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(n) => Some(*n as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok()),
        _ => None,
    }
}

/// Redis's error table for `message`: `{err = "ERR message"}` unless the message
/// already starts with `-CODE`.
pub fn error_table(lua: &Lua, message: &[u8]) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("err", lua.create_string(error_text(message))?)?;
    Ok(table)
}

/// Redis's `luaPushErrorBuff` text rule: "-CODE msg" keeps its code (without the dash),
/// anything else gets "ERR "; CR and LF at the ends go.
pub fn error_text(message: &[u8]) -> Vec<u8> {
    let (code, rest): (&[u8], &[u8]) = match message.strip_prefix(b"-") {
        Some(stripped) => match stripped.iter().position(|&b| b == b' ') {
            Some(space) => (
                stripped.get(..space).unwrap_or_default(),
                stripped.get(space + 1..).unwrap_or_default(),
            ),
            None => (b"ERR", stripped),
        },
        None => (b"ERR", message),
    };
    let trimmed = trim_crlf(rest);
    let mut text = code.to_vec();
    text.push(b' ');
    text.extend_from_slice(trimmed);
    text
}

fn trim_crlf(mut bytes: &[u8]) -> &[u8] {
    while let [b'\r' | b'\n', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b'\r' | b'\n'] = bytes {
        bytes = rest;
    }
    bytes
}

/// What an API callback returns to raise Redis's error table from its Lua wrapper.
fn raise(message: &str) -> mlua::Result<Value> {
    Err(raise_error(message.as_bytes(), false))
}

fn redis_log(_: &Lua, args: MultiValue) -> mlua::Result<Value> {
    if args.len() < 2 {
        return raise("redis.log() requires two arguments or more.");
    }
    let Some(level) = args.front().and_then(lua_number) else {
        return raise("First argument must be a number (log level).");
    };
    let level = match level as i64 {
        0 => Level::Debug,
        1 => Level::Verbose,
        2 => Level::Notice,
        3 => Level::Warning,
        _ => return raise("Invalid debug level."),
    };
    let mut line = Vec::new();
    for (i, value) in args.iter().skip(1).enumerate() {
        let piece = match value {
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Integer(_) | Value::Number(_) => lua_tostring(value).into_bytes(),
            _ => continue,
        };
        if i > 0 {
            line.push(b' ');
        }
        line.extend_from_slice(&piece);
    }
    log::log(level, &String::from_utf8_lossy(&line));
    Ok(Value::Nil)
}

/// Lua 5.1's own number-to-string conversion (`%.14g`).
pub fn lua_tostring(value: &Value) -> String {
    let n = match value {
        Value::Integer(n) => return n.to_string(),
        Value::Number(n) => *n,
        _ => return String::new(),
    };
    super::convert::format_g(n, 14)
}

fn sha1hex(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    if args.len() != 1 {
        return raise("wrong number of arguments");
    }
    let bytes = match args.front() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(v @ (Value::Integer(_) | Value::Number(_))) => lua_tostring(v).into_bytes(),
        _ => Vec::new(),
    };
    let hex = sha1_smol::Sha1::from(&bytes).digest().to_string();
    Ok(Value::String(lua.create_string(hex)?))
}

fn error_reply(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    let Some(Value::String(message)) = args.front().filter(|_| args.len() == 1) else {
        return Ok(Value::Table(error_table(
            lua,
            b"wrong number or type of arguments",
        )?));
    };
    let bytes = message.as_bytes();
    let mut text = Vec::with_capacity(bytes.len() + 1);
    if !bytes.starts_with(b"-") {
        text.push(b'-');
    }
    text.extend_from_slice(&bytes);
    Ok(Value::Table(error_table(lua, &text)?))
}

fn status_reply(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    let Some(Value::String(message)) = args.front().filter(|_| args.len() == 1) else {
        return Ok(Value::Table(error_table(
            lua,
            b"wrong number or type of arguments",
        )?));
    };
    let table = lua.create_table()?;
    table.raw_set("ok", message.clone())?;
    Ok(Value::Table(table))
}

/// The error handler every script runs under: a non-table error becomes
/// `{err = "ERR <message>"}`, and the innermost script frame's chunk and line are
/// recorded (Redis's `__redis__err__handler`).
fn error_handler(lua: &Lua, err: Value) -> mlua::Result<Value> {
    let table = match err {
        Value::Table(t) => t,
        Value::Error(e) if raised(&e).is_some() => {
            let t = lua.create_table()?;
            if let Some(r) = raised(&e) {
                t.raw_set("err", lua.create_string(&r.message)?)?;
                if r.ignore_stats {
                    t.raw_set("ignore_error_stats_update", true)?;
                }
            }
            t
        }
        other => {
            let text = match &other {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Error(e) => lua_error_text(e).into_bytes(),
                Value::Integer(_) | Value::Number(_) => lua_tostring(&other).into_bytes(),
                Value::Nil => b"nil".to_vec(),
                _ => lua
                    .globals()
                    .raw_get::<Function>("tostring")
                    .and_then(|f| f.call::<mlua::LuaString>(other.clone()))
                    .map(|s| s.as_bytes().to_vec())
                    .unwrap_or_default(),
            };
            let mut message = b"ERR ".to_vec();
            message.extend_from_slice(&text);
            let t = lua.create_table()?;
            t.raw_set("err", lua.create_string(&message)?)?;
            t
        }
    };
    for level in 0..64 {
        let Some(found) = lua.inspect_stack(level, |debug| {
            let source = debug.source();
            let name = source.source.as_deref().map(|s| s.to_string());
            (name, debug.current_line())
        }) else {
            break;
        };
        if let (Some(source), line) = found
            && source.starts_with("@user_")
        {
            table.raw_set("source", source)?;
            if let Some(line) = line {
                table.raw_set("line", line)?;
            }
            break;
        }
    }
    Ok(Value::Table(table))
}

/// The instruction-count hook: it marks the script busy once it has run past
/// busy-reply-threshold (so other clients get -BUSY) and stops it when SCRIPT KILL,
/// FUNCTION KILL or SHUTDOWN NOSAVE asked.
fn install_hook(lua: &Lua, kind: EngineKind, watch: Arc<ScriptWatch>) -> mlua::Result<()> {
    lua.set_hook(
        HookTriggers::new().every_nth_instruction(HOOK_EVERY),
        move |_, _| {
            watch.check_busy(kind);
            if watch.is_busy() {
                watch.leave_runtime();
                super::run::serve_inbox_from_hook();
            }
            if let Some(message) = watch.kill_message() {
                return Err(mlua::Error::RuntimeError(message.to_string()));
            }
            Ok(VmState::Continue)
        },
    )
}
