//! The Lua libraries Redis bundles for scripts (cjson, cmsgpack, bit, struct). Written by
//! another branch; this stub only keeps the entry point so the scripting engine compiles.

/// Sets the globals `cjson`, `cmsgpack`, `bit` and `struct` on a fresh Lua state.
pub fn register(_lua: &mlua::Lua) -> mlua::Result<()> {
    Ok(())
}
