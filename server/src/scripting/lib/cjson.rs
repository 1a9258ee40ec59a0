//! placeholder
use mlua::{Lua, Table};
use super::lua_api::Installer;
pub(super) fn module(lua: &Lua, _installer: &Installer) -> mlua::Result<Table> { lua.create_table() }
