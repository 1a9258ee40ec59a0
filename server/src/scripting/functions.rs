//! Function libraries (Redis 7.0's functions.c and function_lua.c): loading a library's
//! code (`#!lua name=<lib>` then Lua that calls `redis.register_function`), the
//! library and function tables, and what FUNCTION LIST/STATS/DUMP read.
//!
//! Library code runs once at load time in a restricted environment: its globals hold
//! only a small `redis` table (register_function, log, the LOG_* levels and versions),
//! and a load that runs longer than 500 ms is stopped. The functions it registers run
//! later, by FCALL, with the full API. Names of libraries and functions compare without
//! case, as Redis's dictionaries do.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use mlua::{Function, MultiValue, Table, Value};
use scarlet_protocol::split_args;

use super::busy::ScriptWatch;
use super::convert::error_info;
use super::engine::{Engine, EngineKind, raise_error};
use super::shebang;

/// How long library code may run at load time.
pub const LOAD_TIMEOUT_MS: i64 = 500;

/// One registered function.
#[derive(Clone)]
pub struct FunctionInfo {
    /// As registered.
    pub name: String,
    /// `description=` of the named form.
    pub description: Option<Vec<u8>>,
    /// `shebang::*` flags.
    pub flags: u32,
    /// The callback.
    pub function: Function,
}

/// One library.
pub struct Library {
    /// As given in the metadata line.
    pub name: String,
    /// The whole source, metadata line included (FUNCTION LIST WITHCODE, DUMP).
    pub code: Vec<u8>,
    /// Its functions, in registration order.
    pub functions: Vec<FunctionInfo>,
}

/// Functions registered while library code runs.
type Pending = Arc<Mutex<Option<Vec<FunctionInfo>>>>;

/// Every loaded library, and the interpreter they live in.
#[derive(Default)]
pub struct Libraries {
    engine: Option<Engine>,
    /// The globals library code sees at load time.
    load_globals: Option<Table>,
    pending: Pending,
    /// Libraries by lowercase name.
    pub libraries: BTreeMap<String, Library>,
    /// Functions by lowercase name: (library key, index in its list).
    pub functions: HashMap<String, (String, usize)>,
}

impl Libraries {
    /// The interpreter, built on first use.
    pub fn engine(&mut self, watch: &Arc<ScriptWatch>) -> Result<&Engine, String> {
        if self.engine.is_none() {
            let engine = Engine::new(EngineKind::Functions, Arc::clone(watch))
                .map_err(|e| super::engine::lua_error_text(&e))?;
            let load_globals = build_load_api(&engine, &self.pending)
                .map_err(|e| super::engine::lua_error_text(&e))?;
            self.load_globals = Some(load_globals);
            self.engine = Some(engine);
        }
        self.engine.as_ref().ok_or_else(String::new)
    }

    /// A function by name (any case).
    pub fn function(&self, name: &str) -> Option<&FunctionInfo> {
        let (lib, index) = self.functions.get(&name.to_ascii_lowercase())?;
        self.libraries.get(lib)?.functions.get(*index)
    }

    /// Lua memory of the functions' interpreter.
    pub fn memory(&self) -> usize {
        self.engine.as_ref().map_or(0, |e| e.lua.used_memory())
    }

    /// Bytes of library sources.
    pub fn code_bytes(&self) -> usize {
        self.libraries.values().map(|l| l.code.len()).sum()
    }

    /// How many functions all libraries hold.
    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    /// FUNCTION FLUSH: everything goes, with the interpreter.
    pub fn flush(&mut self) {
        self.libraries.clear();
        self.functions.clear();
        self.engine = None;
        self.load_globals = None;
    }

    /// FUNCTION RESTORE FLUSH: every library goes, but the interpreter stays, since the
    /// incoming libraries were compiled in it.
    pub fn clear_keeping_engine(&mut self) {
        self.libraries.clear();
        self.functions.clear();
    }

    /// Removes a library; false if there is none of that name.
    pub fn delete(&mut self, name: &str) -> bool {
        let key = name.to_ascii_lowercase();
        let Some(library) = self.libraries.remove(&key) else {
            return false;
        };
        for f in &library.functions {
            self.functions.remove(&f.name.to_ascii_lowercase());
        }
        true
    }

    /// Adds a compiled library (no name checks: the caller made them).
    fn link(&mut self, library: Library) {
        let key = library.name.to_ascii_lowercase();
        for (i, f) in library.functions.iter().enumerate() {
            self.functions
                .insert(f.name.to_ascii_lowercase(), (key.clone(), i));
        }
        self.libraries.insert(key, library);
    }

    /// FUNCTION LOAD: compiles and registers a library; returns its name.
    pub fn load(
        &mut self,
        code: &[u8],
        replace: bool,
        watch: &Arc<ScriptWatch>,
    ) -> Result<String, String> {
        let library = self.compile(code, watch)?;
        let key = library.name.to_ascii_lowercase();
        if self.libraries.contains_key(&key) && !replace {
            return Err(format!("Library '{}' already exists", library.name));
        }
        for f in &library.functions {
            if let Some((owner, _)) = self.functions.get(&f.name.to_ascii_lowercase())
                && *owner != key
            {
                return Err(format!("Function {} already exists", f.name));
            }
        }
        let name = library.name.clone();
        self.delete(&key);
        self.link(library);
        Ok(name)
    }

    /// Adds several libraries at once, all or nothing (FUNCTION RESTORE): with `replace`
    /// existing libraries of the same names go first.
    pub fn join(&mut self, incoming: Vec<Library>, replace: bool) -> Result<(), String> {
        let mut removed = Vec::new();
        for library in &incoming {
            let key = library.name.to_ascii_lowercase();
            if self.libraries.contains_key(&key) {
                if !replace {
                    self.relink(removed);
                    return Err(format!("Library {} already exists", library.name));
                }
                if let Some(old) = self.unlink(&key) {
                    removed.push(old);
                }
            }
        }
        for library in &incoming {
            for f in &library.functions {
                if self.functions.contains_key(&f.name.to_ascii_lowercase()) {
                    self.relink(removed);
                    return Err(format!("Function {} already exists", f.name));
                }
            }
        }
        for library in incoming {
            self.link(library);
        }
        Ok(())
    }

    fn unlink(&mut self, key: &str) -> Option<Library> {
        let library = self.libraries.remove(key)?;
        for f in &library.functions {
            self.functions.remove(&f.name.to_ascii_lowercase());
        }
        Some(library)
    }

    fn relink(&mut self, libraries: Vec<Library>) {
        for library in libraries {
            self.link(library);
        }
    }

    /// Parses the metadata line, compiles the code and runs it to collect its functions.
    pub fn compile(&mut self, code: &[u8], watch: &Arc<ScriptWatch>) -> Result<Library, String> {
        let (name, body) = metadata(code)?;
        self.engine(watch)?;
        let (Some(engine), Some(load_globals)) = (self.engine.as_ref(), self.load_globals.as_ref())
        else {
            return Err("Lua engine not available".to_string());
        };
        let chunk = engine
            .compile(body, "@user_function")
            .map_err(|e| format!("Error compiling function: {e}"))?;
        if let Ok(mut pending) = self.pending.lock() {
            *pending = Some(Vec::new());
        }
        let lua_err = |e: mlua::Error| super::engine::lua_error_text(&e);
        engine
            .globals_meta
            .raw_set("__index", load_globals.clone())
            .map_err(lua_err)?;
        watch.start_load(LOAD_TIMEOUT_MS);
        let outcome = engine.limited(|| engine.plain_pcall.call::<(bool, Value)>(chunk));
        watch.finish_load();
        engine
            .globals_meta
            .raw_set("__index", engine.real.clone())
            .map_err(lua_err)?;
        let registered = self
            .pending
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .unwrap_or_default();
        match outcome {
            Ok((true, _)) => {}
            Ok((false, error)) => {
                let info = error_info(&error);
                return Err(format!(
                    "Error registering functions: {}",
                    String::from_utf8_lossy(&info.message)
                ));
            }
            Err(e) => return Err(format!("Error registering functions: {}", lua_err(e))),
        }
        if registered.is_empty() {
            return Err("No functions registered".to_string());
        }
        Ok(Library {
            name,
            code: code.to_vec(),
            functions: registered,
        })
    }
}

/// Letters, digits and underscores, at least one.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

const BAD_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// The library's name and the code after the metadata line (whose newline stays, so
/// line numbers hold).
fn metadata(code: &[u8]) -> Result<(String, &[u8]), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".to_string());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".to_string());
    };
    let parts = match split_args(code.get(..end).unwrap_or_default()) {
        Some(parts) if !parts.is_empty() => parts,
        _ => return Err("Invalid library metadata".to_string()),
    };
    let mut parts = parts.into_iter();
    let engine = parts.next().unwrap_or_default();
    let engine = engine.get(2..).unwrap_or_default().to_vec();
    let mut name: Option<Vec<u8>> = None;
    for part in parts {
        if part.len() >= 5
            && part
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"name="))
        {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".to_string(),
                );
            }
            name = Some(part.get(5..).unwrap_or_default().to_vec());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(&part)
        ));
    }
    let Some(name) = name else {
        return Err("Library name was not given".to_string());
    };
    if !valid_name(&name) {
        return Err(BAD_NAME.to_string());
    }
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(format!(
            "Engine '{}' not found",
            String::from_utf8_lossy(&engine)
        ));
    }
    Ok((
        String::from_utf8_lossy(&name).to_string(),
        code.get(end..).unwrap_or_default(),
    ))
}

/// The load-time globals: `redis` with register_function, log, LOG_* and the version,
/// everything else missing.
fn build_load_api(engine: &Engine, pending: &Pending) -> mlua::Result<Table> {
    let lua = &engine.lua;
    let api = lua.create_table()?;
    for field in [
        "log",
        "LOG_DEBUG",
        "LOG_VERBOSE",
        "LOG_NOTICE",
        "LOG_WARNING",
        "REDIS_VERSION",
        "REDIS_VERSION_NUM",
    ] {
        api.raw_set(field, engine.redis_api.raw_get::<Value>(field)?)?;
    }
    let pending = Arc::clone(pending);
    let register =
        lua.create_function(move |_, args: MultiValue| register_function(args, &pending))?;
    api.raw_set("register_function", register)?;
    let missing_meta = lua.create_table()?;
    missing_meta.raw_set("__index", engine.missing.clone())?;
    api.set_metatable(Some(missing_meta.clone()))?;
    let api_proxy: Table = engine.protect.call(api)?;
    let globals = lua.create_table()?;
    globals.raw_set("redis", api_proxy)?;
    globals.set_metatable(Some(missing_meta))?;
    Ok(globals)
}

/// `redis.register_function(name, callback)` or `redis.register_function{...}`.
fn register_function(args: MultiValue, pending: &Pending) -> mlua::Result<()> {
    let fail = |message: &str| -> mlua::Result<()> { Err(raise_error(message.as_bytes(), false)) };
    let loading = pending.lock().map(|p| p.is_some()).unwrap_or(false);
    if !loading {
        return fail("redis.register_function can only be called on FUNCTION LOAD command");
    }
    let info = match args.len() {
        1 => match named_args(args.front()) {
            Ok(info) => info,
            Err(message) => return fail(message),
        },
        2 => {
            let name = match args.front() {
                Some(Value::String(s)) => s.to_string_lossy().to_string(),
                Some(v @ (Value::Integer(_) | Value::Number(_))) => super::engine::lua_tostring(v),
                _ => return fail("first argument to redis.register_function must be a string"),
            };
            let Some(Value::Function(function)) = args.get(1) else {
                return fail("second argument to redis.register_function must be a function");
            };
            FunctionInfo {
                name,
                description: None,
                flags: 0,
                function: function.clone(),
            }
        }
        _ => return fail("wrong number of arguments to redis.register_function"),
    };
    if !valid_name(info.name.as_bytes()) {
        return fail(BAD_NAME);
    }
    let Ok(mut guard) = pending.lock() else {
        return fail("redis.register_function can only be called on FUNCTION LOAD command");
    };
    let Some(list) = guard.as_mut() else {
        return fail("redis.register_function can only be called on FUNCTION LOAD command");
    };
    if list.iter().any(|f| f.name.eq_ignore_ascii_case(&info.name)) {
        return fail("Function already exists in the library");
    }
    list.push(info);
    Ok(())
}

fn named_args(arg: Option<&Value>) -> Result<FunctionInfo, &'static str> {
    let Some(Value::Table(table)) = arg else {
        return Err(
            "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
        );
    };
    let mut name = None;
    let mut description = None;
    let mut callback = None;
    let mut flags = 0;
    for pair in table.pairs::<Value, Value>() {
        let Ok((key, value)) = pair else {
            return Err("unknown argument given to redis.register_function");
        };
        let key = match &key {
            Value::String(s) => s.to_string_lossy().to_ascii_lowercase(),
            Value::Integer(_) | Value::Number(_) => super::engine::lua_tostring(&key),
            _ => return Err("named argument key given to redis.register_function is not a string"),
        };
        match key.as_str() {
            "function_name" => match &value {
                Value::String(s) => name = Some(s.to_string_lossy().to_string()),
                Value::Integer(_) | Value::Number(_) => {
                    name = Some(super::engine::lua_tostring(&value))
                }
                _ => {
                    return Err(
                        "function_name argument given to redis.register_function must be a string",
                    );
                }
            },
            "description" => match &value {
                Value::String(s) => description = Some(s.as_bytes().to_vec()),
                Value::Integer(_) | Value::Number(_) => {
                    description = Some(super::engine::lua_tostring(&value).into_bytes())
                }
                _ => {
                    return Err(
                        "description argument given to redis.register_function must be a string",
                    );
                }
            },
            "callback" => match value {
                Value::Function(f) => callback = Some(f),
                _ => {
                    return Err(
                        "callback argument given to redis.register_function must be a function",
                    );
                }
            },
            "flags" => {
                let Value::Table(list) = value else {
                    return Err(
                        "flags argument to redis.register_function must be a table representing function flags",
                    );
                };
                for item in list.sequence_values::<Value>() {
                    let Ok(Value::String(s)) = item else {
                        return Err("unknown flag given");
                    };
                    let Some(flag) = shebang::flag_by_name(&s.as_bytes(), true) else {
                        return Err("unknown flag given");
                    };
                    flags |= flag;
                }
            }
            _ => return Err("unknown argument given to redis.register_function"),
        }
    }
    let Some(name) = name else {
        return Err("redis.register_function must get a function name argument");
    };
    let Some(function) = callback else {
        return Err("redis.register_function must get a callback argument");
    };
    Ok(FunctionInfo {
        name,
        description,
        flags,
        function,
    })
}
