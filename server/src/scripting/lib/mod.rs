//! The libraries Redis 7.0 loads into every Lua state, as globals: `cjson` (JSON),
//! `cmsgpack` (MessagePack), `bit` (LuaBitOp) and `struct` (binary packing). Their
//! behaviour, replies and error texts follow Redis 7.0.15's bundled C versions.
//!
//! Not here: the sandbox (read-only globals, the `redis` table), script execution and
//! reply conversion, which belong to the scripting engine.

mod bit;
mod cjson;
mod cmsgpack;
mod lua_api;
mod struct_pack;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod test_support;

use mlua::Lua;

/// Sets the globals `cjson`, `struct`, `cmsgpack` and `bit` in `lua`, in Redis's order.
/// Needs the base library's `next` (cjson walks tables with it).
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let installer = lua_api::Installer;
    let globals = lua.globals();
    globals.raw_set("cjson", cjson::module(lua, &installer)?)?;
    globals.raw_set("struct", struct_pack::module(lua, &installer)?)?;
    globals.raw_set("cmsgpack", cmsgpack::module(lua, &installer)?)?;
    globals.raw_set("bit", bit::module(lua, &installer)?)?;
    Ok(())
}
