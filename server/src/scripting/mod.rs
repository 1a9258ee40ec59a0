//! Lua scripting: EVAL's script cache and interpreter, FUNCTION's libraries and theirs,
//! and what both share (the sandbox, reply conversions, running a script against the
//! server, the busy state other connections read).
//!
//! Commands live in `commands/scripting.rs` and `commands/function.rs`; this module
//! holds the state they work on. The bundled Lua libraries (cjson, cmsgpack, bit,
//! struct) are `lib/`. Persistence and propagation of scripts and libraries are not
//! here: function libraries keep their source so FUNCTION DUMP (and later RDB) can
//! write it.

pub mod lib;

pub mod busy;
pub mod call_slot;
pub mod convert;
pub mod engine;
pub mod functions;
pub mod ldb;
pub mod ldb_fork;
pub mod ldb_format;
pub mod payload;
pub mod run;
pub mod script_thread;
pub mod shebang;

use std::collections::HashMap;
use std::sync::Arc;

use mlua::Function;

use crate::client::{Client, Peer};
use busy::ScriptWatch;
use engine::{Engine, EngineKind};
use functions::Libraries;

/// A script in EVAL's cache.
pub struct CachedScript {
    /// The source, as sent.
    pub body: Vec<u8>,
    /// The compiled chunk.
    pub function: Function,
    /// `shebang::*` flags.
    pub flags: u32,
}

/// The id of the client scripts run their commands as (no connection has it).
pub const SCRIPT_CLIENT_ID: u64 = u64::MAX;

/// All scripting state of a server.
pub struct Scripting {
    /// Shared with connection tasks (busy state, kill requests).
    pub watch: Arc<ScriptWatch>,
    eval: Option<Engine>,
    /// EVAL's cache: lowercase SHA1 hex to script.
    pub scripts: HashMap<String, CachedScript>,
    /// Bytes of cached script bodies (INFO `used_memory_scripts_eval`).
    pub scripts_memory: usize,
    /// Function libraries and their interpreter.
    pub libraries: Libraries,
    /// The client scripts run their commands as, between runs.
    lua_client: Option<Box<Client>>,
    /// Scripts run since the last incremental GC step.
    gc_counter: u32,
    /// The socket of the connection whose batch runs on this thread, for a Lua debugger
    /// session (set by the connection task around a script batch).
    pub debug_link: Option<ldb::Link>,
    /// DEBUG SET-DISABLE-DENY-SCRIPTS: commands flagged noscript may run from scripts.
    pub disable_deny_script: bool,
    /// A script command of a client in a Lua debugging session ends the batch, so the
    /// connection task runs it on the script thread and serves the session's socket
    /// meanwhile (set by the real server; in-process tests run them inline).
    pub offload_debugging: bool,
    /// This batch runs on the script thread (or applies the master's stream): script
    /// commands run here, inline.
    pub on_script_thread: bool,
    /// The running script ran a read-only command: its caller, if it tracks keys, then
    /// remembers the script's declared keys (Redis's rule for client-side caching).
    pub ran_read: bool,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting::new()
    }
}

impl Scripting {
    /// Empty: interpreters are built on first use.
    pub fn new() -> Scripting {
        Scripting {
            watch: Arc::new(ScriptWatch::default()),
            eval: None,
            scripts: HashMap::new(),
            scripts_memory: 0,
            libraries: Libraries::default(),
            lua_client: None,
            gc_counter: 0,
            debug_link: None,
            disable_deny_script: false,
            offload_debugging: false,
            on_script_thread: false,
            ran_read: false,
        }
    }

    /// EVAL's interpreter, built if needed.
    pub fn eval_engine(&mut self) -> Result<&Engine, String> {
        if self.eval.is_none() {
            let engine = Engine::new(EngineKind::Eval, Arc::clone(&self.watch))
                .map_err(|e| engine::lua_error_text(&e))?;
            self.eval = Some(engine);
        }
        self.eval.as_ref().ok_or_else(String::new)
    }

    /// The functions' interpreter, built if needed.
    pub fn function_engine(&mut self) -> Result<&Engine, String> {
        self.libraries.engine(&self.watch)
    }

    /// SCRIPT FLUSH: forget every cached script, with a fresh interpreter so nothing a
    /// script left behind survives.
    pub fn flush_scripts(&mut self) {
        self.scripts.clear();
        self.scripts_memory = 0;
        self.eval = None;
    }

    /// Lua memory of the EVAL interpreter (INFO `used_memory_lua`).
    pub fn eval_memory(&self) -> usize {
        self.eval.as_ref().map_or(0, |e| e.lua.used_memory())
    }

    /// Lends out the client scripts run commands as.
    pub(crate) fn take_lua_client(&mut self) -> Box<Client> {
        self.lua_client.take().unwrap_or_else(|| {
            let peer = Peer {
                addr: "lua".to_string(),
                local: String::new(),
                fd: -1,
                unix: false,
            };
            let mut client = Client::new(SCRIPT_CLIENT_ID, peer, 0, true);
            client.deny_blocking = true;
            Box::new(client)
        })
    }

    /// Takes the script client back.
    pub(crate) fn return_lua_client(&mut self, client: Box<Client>) {
        self.lua_client = Some(client);
    }

    /// The flags a script command counts with (Redis's `getCommandFlags`): a script or
    /// function that declares flags turns EVAL's `may-replicate`/`stale`/`denyoom` into
    /// what it declared (`write` unless no-writes, `denyoom` unless no-writes or
    /// allow-oom, `stale` with allow-stale). Other commands, and scripts without a
    /// shebang, keep the command's own flags.
    pub fn command_flags(
        &self,
        name: &str,
        cmd_flags: u64,
        args: scarlet_protocol::Args<'_>,
    ) -> u64 {
        let script_flags = match name {
            "eval" | "eval_ro" => {
                let body = args.get(1).unwrap_or_default();
                match self.scripts.get(&sha1_hex(body)) {
                    Some(script) => Some(script.flags),
                    None => shebang::parse(body).ok().map(|(flags, _)| flags),
                }
            }
            "evalsha" | "evalsha_ro" => args
                .get(1)
                .map(|sha| String::from_utf8_lossy(sha).to_ascii_lowercase())
                .and_then(|sha| self.scripts.get(&sha).map(|s| s.flags)),
            "fcall" | "fcall_ro" => args
                .get(1)
                .and_then(|n| self.libraries.function(&String::from_utf8_lossy(n)))
                .map(|f| f.flags),
            _ => None,
        };
        match script_flags {
            Some(flags) if flags & shebang::EVAL_COMPAT == 0 => {
                use crate::commands::spec::flag;
                let mut out = cmd_flags & !(flag::STALE | flag::DENYOOM | flag::WRITE);
                if flags & (shebang::ALLOW_OOM | shebang::NO_WRITES) == 0 {
                    out |= flag::DENYOOM;
                }
                if flags & shebang::NO_WRITES == 0 {
                    out |= flag::WRITE;
                }
                if flags & shebang::ALLOW_STALE != 0 {
                    out |= flag::STALE;
                }
                out & !flag::MAY_REPLICATE
            }
            _ => cmd_flags,
        }
    }

    /// Counts a run; every 50 runs the interpreter does a GC step (Redis's rhythm), so a
    /// full collection never lands on one script.
    pub(crate) fn gc_tick(&mut self) -> bool {
        self.gc_counter += 1;
        if self.gc_counter >= 50 {
            self.gc_counter = 0;
            return true;
        }
        false
    }
}

/// The most memory one Lua interpreter may hold. Redis sets no bound (a script that
/// grows a table forever takes the machine); ours is `maxmemory` when set (but at
/// least [`LUA_MEMORY_FLOOR`], so a tiny maxmemory still lets scripts run), else
/// [`LUA_MEMORY_DEFAULT`] or half the machine's memory, whichever is smaller. A script
/// that reaches it fails with "not enough memory"; the server goes on.
pub fn lua_memory_limit(maxmemory: u64) -> usize {
    // The machine's memory is read once (it is a file read).
    static DEFAULT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let limit = if maxmemory > 0 {
        maxmemory.max(LUA_MEMORY_FLOOR)
    } else {
        *DEFAULT.get_or_init(|| {
            let half = crate::memory::total_system_memory() / 2;
            if half == 0 {
                LUA_MEMORY_DEFAULT
            } else {
                LUA_MEMORY_DEFAULT.min(half)
            }
        })
    };
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// See [`lua_memory_limit`].
pub const LUA_MEMORY_FLOOR: u64 = 64 << 20;
/// See [`lua_memory_limit`].
pub const LUA_MEMORY_DEFAULT: u64 = 4 << 30;

/// Lowercase SHA1 hex of a script body.
pub fn sha1_hex(body: &[u8]) -> String {
    sha1_smol::Sha1::from(body).digest().to_string()
}
