//! What the four libraries share: raising plain-string Lua errors, the argument checks
//! of Lua 5.1's auxiliary library (with its exact messages) and the C number
//! conversions the original libraries rely on.
//!
//! Why a shim: an error returned from an mlua callback reaches Lua as a userdata,
//! while Redis's libraries raise plain strings ("user_script:1: Expected value but
//! found ...") that scripts compare and concatenate. So every library function is a
//! Rust callback that returns a private marker and the message on failure, called by
//! a small C-ABI function that raises the message with `luaL_where(L, 1)` in front,
//! exactly as `luaL_error` in a C library does. Being a C function, the shim keeps
//! the calling script's frame even when the script tail-calls it, so positions match
//! Redis's in every case. It is the one unsafe block of the libraries.
//!
//! The shim also spreads long result lists (`Results`): mlua can hold only a few
//! thousand Lua values at once, fewer than the 7999 results the originals can return,
//! so such results are gathered in a Lua table that the shim unpacks.
//!
//! Not here: anything specific to one library's format.

use std::ffi::c_void;

use mlua::{LightUserData, Lua, MultiValue, Table, Value};

/// Lua 5.1's `LUAI_MAXCSTACK`: the most stack slots a C function may use. The original
/// libraries hit it (through `lua_checkstack`) on deep or wide input, which is what
/// bounds their nesting; the decoders here count slots the same way.
pub(super) const MAX_C_STACK: usize = 8000;

/// A failure inside a library function.
pub(super) enum LibError {
    /// Raised in Lua as a plain string, as `luaL_error` does.
    Raise(String),
    /// Raised as a plain string without a position, as Lua's own runtime errors
    /// inside a C function are ("table index is nil").
    Bare(String),
    /// An error of the Lua state itself (memory, a failing metamethod...).
    Lua(mlua::Error),
}

impl From<mlua::Error> for LibError {
    fn from(err: mlua::Error) -> Self {
        LibError::Lua(err)
    }
}

pub(super) type LibResult<T> = Result<T, LibError>;

/// Shorthand for a plain-string error.
pub(super) fn raise<T>(message: impl Into<String>) -> LibResult<T> {
    Err(LibError::Raise(message.into()))
}

/// The address behind the failure marker: only its identity matters.
static FAILURE_MARKER: u8 = 0;

fn failure_marker_address() -> *const c_void {
    std::ptr::addr_of!(FAILURE_MARKER).cast::<c_void>()
}

fn failure_marker() -> Value {
    Value::LightUserData(LightUserData(failure_marker_address().cast_mut()))
}

/// The marker of a `Results` reply.
static SPREAD_MARKER: u8 = 0;

fn spread_marker_address() -> *const c_void {
    std::ptr::addr_of!(SPREAD_MARKER).cast::<c_void>()
}

/// Results gathered in a Lua table, returned as separate values by the shim.
pub(super) struct Results {
    table: Table,
    len: usize,
}

impl Results {
    pub(super) fn new(lua: &Lua) -> LibResult<Self> {
        Ok(Results {
            table: lua.create_table()?,
            len: 0,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push(&mut self, value: Value) -> LibResult<()> {
        self.len += 1;
        Ok(self.table.raw_set(self.len, value)?)
    }

    /// Replaces result `index` (1-based, already counted).
    pub(super) fn set(&self, index: usize, value: Value) -> LibResult<()> {
        Ok(self.table.raw_set(index, value)?)
    }

    pub(super) fn last(&self) -> LibResult<Value> {
        Ok(self.table.raw_get(self.len)?)
    }

    pub(super) fn pop(&mut self) -> LibResult<()> {
        if self.len > 0 {
            self.table.raw_set(self.len, Value::Nil)?;
            self.len -= 1;
        }
        Ok(())
    }

    /// The reply the shim spreads into `len` values.
    pub(super) fn into_reply(self) -> LibResult<MultiValue> {
        let marker = Value::LightUserData(LightUserData(spread_marker_address().cast_mut()));
        let len = i64::try_from(self.len).unwrap_or(i64::MAX);
        Ok(MultiValue::from_iter([
            marker,
            Value::Table(self.table),
            Value::Integer(len),
        ]))
    }
}

/// Installs library functions (see the module doc).
pub(super) struct Installer;

impl Installer {
    /// Sets `table[name]` to a Lua function running `body`.
    pub(super) fn install<F>(
        &self,
        lua: &Lua,
        table: &Table,
        name: &str,
        body: F,
    ) -> mlua::Result<()>
    where
        F: Fn(&Lua, MultiValue) -> LibResult<MultiValue> + Send + 'static,
    {
        let raw = lua.create_function(move |lua, args: MultiValue| {
            let (message, positioned) = match body(lua, args) {
                Ok(values) => return Ok(values),
                Err(LibError::Lua(err)) => return Err(err),
                Err(LibError::Raise(message)) => (message, true),
                Err(LibError::Bare(message)) => (message, false),
            };
            let message = Value::String(lua.create_string(message)?);
            Ok(MultiValue::from_iter([
                failure_marker(),
                message,
                Value::Boolean(positioned),
            ]))
        })?;
        table.raw_set(name, shim::wrap(lua, raw)?)
    }
}

/// The C side of the raising convention.
#[allow(unsafe_code)]
mod shim {
    use std::ffi::c_int;

    use mlua::{Function, Lua, ffi};

    /// A C closure calling `raw` (its upvalue) and raising its failures.
    pub(super) fn wrap(lua: &Lua, raw: Function) -> mlua::Result<Function> {
        // SAFETY: the closure only pushes a C closure over the one argument it is
        // given (`raw`), which exec_raw has placed on the stack.
        unsafe {
            lua.exec_raw::<Function>(raw, |state| {
                ffi::lua_pushcclosure(state, raising_call, 1);
            })
        }
    }

    /// Calls upvalue 1 with all arguments and returns its results, unless the first
    /// result is a marker: the failure marker raises the message (result 2), prefixed
    /// with the caller's position when result 3 is true; the spread marker returns
    /// the first `n` (result 3) elements of table result 2.
    ///
    /// SAFETY: called by Lua as a C function. It holds no Rust values, so the
    /// longjmp of `lua_call` (an error inside `raw`) or of `lua_error` crosses
    /// nothing that needs dropping; it checks for stack room before it pushes.
    unsafe extern "C-unwind" fn raising_call(state: *mut ffi::lua_State) -> c_int {
        unsafe {
            let nargs = ffi::lua_gettop(state);
            ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
            ffi::lua_insert(state, 1);
            ffi::lua_call(state, nargs, ffi::LUA_MULTRET);
            let nresults = ffi::lua_gettop(state);
            if nresults != 3 || ffi::lua_type(state, 1) != ffi::LUA_TLIGHTUSERDATA {
                return nresults;
            }
            let marker = ffi::lua_touserdata(state, 1).cast_const();
            if marker == super::spread_marker_address() {
                let count = c_int::try_from(ffi::lua_tointeger(state, 3)).unwrap_or(0);
                ffi::lua_settop(state, 2);
                ffi::lua_replace(state, 1);
                if ffi::lua_checkstack(state, count) == 0 {
                    ffi::lua_pushstring(state, c"stack overflow (too many results)".as_ptr());
                    ffi::lua_error(state);
                }
                for index in 1..=count {
                    ffi::lua_rawgeti(state, 1, ffi::lua_Integer::from(index));
                }
                ffi::lua_remove(state, 1);
                return count;
            }
            if marker != super::failure_marker_address() {
                return nresults;
            }
            if ffi::lua_checkstack(state, 2) == 0 {
                ffi::lua_pushvalue(state, 2);
                ffi::lua_error(state);
            }
            if ffi::lua_toboolean(state, 3) != 0 {
                ffi::luaL_where(state, 1);
                ffi::lua_pushvalue(state, 2);
                ffi::lua_concat(state, 2);
            } else {
                ffi::lua_pushvalue(state, 2);
            }
            ffi::lua_error(state)
        }
    }
}

/// `luaL_argerror`: names the function as its caller did ("bad argument #1 to
/// 'encode' (...)"). Level 0 is the raw callback, level 1 the shim the script called.
pub(super) fn arg_error<T>(lua: &Lua, narg: usize, extra: &str) -> LibResult<T> {
    let (name, is_method) = lua
        .inspect_stack(1, |frame| {
            let names = frame.names();
            (
                names.name.map(|n| n.into_owned()),
                names.name_what == Some("method"),
            )
        })
        .unwrap_or((None, false));
    let mut narg = i64::try_from(narg).unwrap_or(i64::MAX);
    if is_method {
        narg -= 1;
        if narg == 0 {
            let name = name.unwrap_or_else(|| "?".to_string());
            return raise(format!("calling '{name}' on bad self ({extra})"));
        }
    }
    let name = name.unwrap_or_else(|| "?".to_string());
    raise(format!("bad argument #{narg} to '{name}' ({extra})"))
}

/// `luaL_typerror`: "number expected, got nil".
pub(super) fn type_error<T>(
    lua: &Lua,
    args: &[Value],
    narg: usize,
    expected: &str,
) -> LibResult<T> {
    let got = arg(args, narg).map_or("no value", type_name);
    arg_error(lua, narg, &format!("{expected} expected, got {got}"))
}

/// Lua 5.1's `lua_typename` (a light userdata is a "userdata" there).
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Integer(_) | Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Table(_) => "table",
        Value::Function(_) => "function",
        Value::Thread(_) => "thread",
        _ => "userdata",
    }
}

/// Argument `narg` (1-based), `None` when absent ("no value").
pub(super) fn arg(args: &[Value], narg: usize) -> Option<&Value> {
    narg.checked_sub(1).and_then(|i| args.get(i))
}

/// `lua_tonumber`: numbers, and strings Lua can convert; `None` otherwise.
pub(super) fn to_number(lua: &Lua, value: Option<&Value>) -> LibResult<Option<f64>> {
    Ok(match value {
        Some(Value::Number(n)) => Some(*n),
        Some(Value::Integer(i)) => Some(*i as f64),
        Some(v @ Value::String(_)) => lua.coerce_number(v.clone())?,
        _ => None,
    })
}

/// `luaL_checknumber`.
pub(super) fn check_number(lua: &Lua, args: &[Value], narg: usize) -> LibResult<f64> {
    match to_number(lua, arg(args, narg))? {
        Some(n) => Ok(n),
        None => type_error(lua, args, narg, "number"),
    }
}

/// `luaL_checkinteger`: the number truncated to C's `ptrdiff_t`.
pub(super) fn check_integer(lua: &Lua, args: &[Value], narg: usize) -> LibResult<i64> {
    check_number(lua, args, narg).map(c_double_to_i64)
}

/// `luaL_optinteger`: `default` when the argument is absent or nil.
pub(super) fn opt_integer(lua: &Lua, args: &[Value], narg: usize, default: i64) -> LibResult<i64> {
    match arg(args, narg) {
        None | Some(Value::Nil) => Ok(default),
        Some(_) => check_integer(lua, args, narg),
    }
}

/// `luaL_checklstring`: strings, and numbers converted as Lua prints them.
pub(super) fn check_bytes(lua: &Lua, args: &[Value], narg: usize) -> LibResult<mlua::LuaString> {
    let converted = match arg(args, narg) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(v @ (Value::Integer(_) | Value::Number(_))) => lua.coerce_string(v.clone())?,
        _ => None,
    };
    match converted {
        Some(s) => Ok(s),
        None => type_error(lua, args, narg, "string"),
    }
}

/// C's `(int64_t)d` as x86-64 computes it: out-of-range values and NaN give `INT64_MIN`.
pub(super) fn c_double_to_i64(d: f64) -> i64 {
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&d) {
        i64::MIN
    } else {
        d as i64
    }
}

/// C's `(int)d` on x86-64: out-of-range values and NaN give `INT_MIN`.
pub(super) fn c_double_to_i32(d: f64) -> i32 {
    if !(-2_147_483_649.0..2_147_483_648.0).contains(&d) || d == -2_147_483_649.0 {
        i32::MIN
    } else {
        d as i32
    }
}

/// C's `(uint64_t)d` as GCC compiles it on x86-64 (values from 2^63 go through a
/// subtract-and-flip): negative, out-of-range and NaN inputs give what it gives.
pub(super) fn c_double_to_u64(d: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if d >= TWO_63 {
        (c_double_to_i64(d - TWO_63) as u64) ^ (1 << 63)
    } else {
        c_double_to_i64(d) as u64
    }
}

/// The tables a decoder is filling, innermost last. mlua can hold only a few thousand
/// Lua values at once, fewer than the deepest nesting the original decoders accept,
/// so only the innermost table (and the key its next value goes to) is held in Rust;
/// the outer ones wait in Lua tables indexed by depth, made on first use.
pub(super) struct OpenTables<'lua> {
    lua: &'lua Lua,
    current: Option<(Table, Option<Value>)>,
    outer: Option<(Table, Table)>,
}

impl<'lua> OpenTables<'lua> {
    pub(super) fn new(lua: &'lua Lua) -> Self {
        OpenTables {
            lua,
            current: None,
            outer: None,
        }
    }

    fn outer(&mut self) -> LibResult<&(Table, Table)> {
        if self.outer.is_none() {
            self.outer = Some((self.lua.create_table()?, self.lua.create_table()?));
        }
        match &self.outer {
            Some(outer) => Ok(outer),
            None => raise("internal error: no table for open tables"),
        }
    }

    /// Opens `table` at `depth` (1 for the outermost), with an optional pending key.
    pub(super) fn push(&mut self, depth: usize, table: Table, key: Option<Value>) -> LibResult<()> {
        if let Some((parent, parent_key)) = self.current.take() {
            let (tables, keys) = self.outer()?;
            tables.raw_set(depth - 1, parent)?;
            keys.raw_set(depth - 1, parent_key.unwrap_or(Value::Nil))?;
        }
        self.current = Some((table, key));
        Ok(())
    }

    /// The innermost table.
    pub(super) fn table(&self) -> LibResult<&Table> {
        match &self.current {
            Some((table, _)) => Ok(table),
            None => raise("internal error: no open table"),
        }
    }

    pub(super) fn set_key(&mut self, key: Value) {
        if let Some((_, slot)) = &mut self.current {
            *slot = Some(key);
        }
    }

    pub(super) fn take_key(&mut self) -> Option<Value> {
        self.current.as_mut().and_then(|(_, key)| key.take())
    }

    /// Closes the innermost table, at `depth`, and returns it; its parent (if any)
    /// becomes the innermost again.
    pub(super) fn pop(&mut self, depth: usize) -> LibResult<Table> {
        let Some((done, _)) = self.current.take() else {
            return raise("internal error: no open table");
        };
        if depth > 1 {
            let (tables, keys) = self.outer()?;
            let parent: Table = tables.raw_get(depth - 1)?;
            let key: Value = keys.raw_get(depth - 1)?;
            tables.raw_set(depth - 1, Value::Nil)?;
            keys.raw_set(depth - 1, Value::Nil)?;
            self.current = Some((parent, if key.is_nil() { None } else { Some(key) }));
        }
        Ok(done)
    }
}
