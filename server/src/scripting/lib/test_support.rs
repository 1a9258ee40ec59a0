//! Test helpers: a Lua state with the libraries registered, and shortcuts to run a
//! snippet and read its result or its error message.

use mlua::Lua;

/// A fresh Lua state with all four libraries.
pub(super) fn lua() -> Lua {
    let lua = Lua::new();
    super::register(&lua).expect("register");
    lua
}

/// Runs `code` (a chunk ending in `return ...`) and converts its result.
pub(super) fn eval<T: mlua::FromLuaMulti>(lua: &Lua, code: &str) -> T {
    lua.load(code)
        .set_name("=user_script")
        .eval::<T>()
        .unwrap_or_else(|e| panic!("{code}: {e}"))
}

/// Runs `code`, which must fail, inside `pcall` on line 1 of a chunk named like
/// Redis's ("user_script"), and returns the error value, which must be a plain string.
pub(super) fn error_of(lua: &Lua, code: &str) -> String {
    let wrapped = format!(
        "local ok, err = pcall(function() {code} end)\n\
         assert(not ok, 'expected an error')\n\
         assert(type(err) == 'string', 'error is a ' .. type(err))\n\
         return err"
    );
    lua.load(&wrapped)
        .set_name("=user_script")
        .eval::<String>()
        .unwrap_or_else(|e| panic!("{code}: {e}"))
}

/// The bytes of a Lua string result, as lowercase hex.
pub(super) fn hex_of(lua: &Lua, code: &str) -> String {
    let bytes: mlua::LuaString = eval(lua, code);
    bytes
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
