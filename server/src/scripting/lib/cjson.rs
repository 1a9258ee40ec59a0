//! `cjson`: lua-cjson 2.1.0 as Redis bundles it: `encode`, `decode`, `null`, `new`
//! (an independent copy with its own settings) and the setting functions
//! `encode_sparse_array`, `encode_max_depth`, `decode_max_depth`,
//! `encode_number_precision`, `encode_keep_buffer`, `encode_invalid_numbers` and
//! `decode_invalid_numbers`, with their defaults, argument checks and replies.
//!
//! Not here: `cjson.safe`, which Redis does not load. `encode_keep_buffer` is only a
//! setting to read back: there is no reusable buffer to keep.

mod decode;
mod encode;
mod number;

use std::sync::{Arc, Mutex, PoisonError};

use mlua::{Function, Lua, MultiValue, Table, Value};

use super::lua_api::{
    Installer, LibResult, arg, arg_error, check_bytes, check_integer, type_error,
};

/// What `encode` does with NaN and infinities.
#[derive(Clone, Copy, PartialEq)]
enum InvalidNumbers {
    /// Refuse them (the default).
    Off,
    /// Write `nan`, `inf`, `-inf`.
    On,
    /// Write `null`.
    Null,
}

/// One cjson instance's settings.
#[derive(Clone)]
struct Config {
    sparse_convert: bool,
    sparse_ratio: i32,
    sparse_safe: i32,
    encode_max_depth: i32,
    decode_max_depth: i32,
    encode_invalid_numbers: InvalidNumbers,
    decode_invalid_numbers: bool,
    keep_buffer: bool,
    number_precision: i32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: InvalidNumbers::Off,
            decode_invalid_numbers: true,
            keep_buffer: true,
            number_precision: 14,
        }
    }
}

impl Config {
    fn decode_max_depth_usize(&self) -> usize {
        usize::try_from(self.decode_max_depth).unwrap_or(0)
    }
}

type Shared = Arc<Mutex<Config>>;

fn settings(shared: &Shared) -> std::sync::MutexGuard<'_, Config> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A `cjson` table with fresh default settings.
pub(super) fn module(lua: &Lua, installer: &Installer) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    let shared: Shared = Arc::new(Mutex::new(Config::default()));
    let next_fn: Function = lua.globals().raw_get("next")?;

    let config = shared.clone();
    installer.install(lua, &table, "encode", move |lua, args| {
        let args: Vec<Value> = args.into_iter().collect();
        if args.len() != 1 {
            return arg_error(lua, 1, "expected 1 argument");
        }
        let snapshot = settings(&config).clone();
        let value = args.into_iter().next().unwrap_or(Value::Nil);
        let text = encode::encode(lua, &snapshot, &next_fn, value)?;
        Ok(MultiValue::from_iter([Value::String(
            lua.create_string(&text)?,
        )]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "decode", move |lua, args| {
        let args: Vec<Value> = args.into_iter().collect();
        if args.len() != 1 {
            return arg_error(lua, 1, "expected 1 argument");
        }
        let text = check_bytes(lua, &args, 1)?;
        let snapshot = settings(&config).clone();
        let value = decode::decode(lua, &snapshot, &text.as_bytes())?;
        Ok(MultiValue::from_iter([value]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "encode_sparse_array", move |lua, args| {
        let args = option_args(lua, args, 3)?;
        let mut cfg = settings(&config);
        let convert = bool_option(lua, &args, 1, &mut cfg.sparse_convert)?;
        let ratio = integer_option(lua, &args, 2, &mut cfg.sparse_ratio, 0, i32::MAX)?;
        let safe = integer_option(lua, &args, 3, &mut cfg.sparse_safe, 0, i32::MAX)?;
        Ok(MultiValue::from_iter([convert, ratio, safe]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "encode_max_depth", move |lua, args| {
        let args = option_args(lua, args, 1)?;
        let mut cfg = settings(&config);
        let depth = integer_option(lua, &args, 1, &mut cfg.encode_max_depth, 1, i32::MAX)?;
        Ok(MultiValue::from_iter([depth]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "decode_max_depth", move |lua, args| {
        let args = option_args(lua, args, 1)?;
        let mut cfg = settings(&config);
        let depth = integer_option(lua, &args, 1, &mut cfg.decode_max_depth, 1, i32::MAX)?;
        Ok(MultiValue::from_iter([depth]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "encode_number_precision", move |lua, args| {
        let args = option_args(lua, args, 1)?;
        let mut cfg = settings(&config);
        let precision = integer_option(lua, &args, 1, &mut cfg.number_precision, 1, 14)?;
        Ok(MultiValue::from_iter([precision]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "encode_keep_buffer", move |lua, args| {
        let args = option_args(lua, args, 1)?;
        let mut cfg = settings(&config);
        Ok(MultiValue::from_iter([bool_option(
            lua,
            &args,
            1,
            &mut cfg.keep_buffer,
        )?]))
    })?;

    let config = shared.clone();
    installer.install(lua, &table, "encode_invalid_numbers", move |lua, args| {
        let args = option_args(lua, args, 1)?;
        let mut cfg = settings(&config);
        let mut index = match cfg.encode_invalid_numbers {
            InvalidNumbers::Off => 0,
            InvalidNumbers::On => 1,
            InvalidNumbers::Null => 2,
        };
        let reply = enum_option(lua, &args, 1, &mut index, &["off", "on", "null"])?;
        cfg.encode_invalid_numbers = match index {
            0 => InvalidNumbers::Off,
            1 => InvalidNumbers::On,
            _ => InvalidNumbers::Null,
        };
        Ok(MultiValue::from_iter([reply]))
    })?;

    let config = shared;
    installer.install(lua, &table, "decode_invalid_numbers", move |lua, args| {
        let args = option_args(lua, args, 1)?;
        let mut cfg = settings(&config);
        Ok(MultiValue::from_iter([bool_option(
            lua,
            &args,
            1,
            &mut cfg.decode_invalid_numbers,
        )?]))
    })?;

    // `new` builds a whole new instance with default settings.
    installer.install(lua, &table, "new", |lua, _args| {
        Ok(MultiValue::from_iter([Value::Table(module(
            lua, &Installer,
        )?)]))
    })?;

    table.raw_set("null", Value::NULL)?;
    table.raw_set("_NAME", "cjson")?;
    table.raw_set("_VERSION", "2.1.0")?;
    Ok(table)
}

/// The arguments of a setting function: at most `count`, missing ones as nil.
fn option_args(lua: &Lua, args: MultiValue, count: usize) -> LibResult<Vec<Value>> {
    let mut args: Vec<Value> = args.into_iter().collect();
    if args.len() > count {
        return arg_error(lua, count + 1, "found too many arguments");
    }
    args.resize(count, Value::Nil);
    Ok(args)
}

/// An integer setting: nil keeps it; the reply is the (new) value. Like the original,
/// an out-of-range value is reported against argument 1 whatever its position.
fn integer_option(
    lua: &Lua,
    args: &[Value],
    narg: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> LibResult<Value> {
    if !matches!(arg(args, narg), None | Some(Value::Nil)) {
        // The original stores luaL_checkinteger's result in a C int.
        let value = check_integer(lua, args, narg)? as i32;
        if value < min || value > max {
            return arg_error(lua, 1, &format!("expected integer between {min} and {max}"));
        }
        *setting = value;
    }
    Ok(Value::Integer(i64::from(*setting)))
}

/// An on/off setting: a boolean, or "on"/"off"; the reply is a boolean.
fn bool_option(lua: &Lua, args: &[Value], narg: usize, setting: &mut bool) -> LibResult<Value> {
    let mut index = usize::from(*setting);
    let reply = enum_option(lua, args, narg, &mut index, &["off", "on"])?;
    *setting = index == 1;
    Ok(reply)
}

/// An enumerated setting whose first two choices double as false and true: booleans
/// set those, strings name a choice; the reply is a boolean for those two and the
/// choice's name otherwise.
fn enum_option(
    lua: &Lua,
    args: &[Value],
    narg: usize,
    index: &mut usize,
    choices: &[&str],
) -> LibResult<Value> {
    match arg(args, narg) {
        None | Some(Value::Nil) => {}
        Some(Value::Boolean(b)) => *index = usize::from(*b),
        Some(value @ (Value::String(_) | Value::Integer(_) | Value::Number(_))) => {
            let text = check_bytes(lua, std::slice::from_ref(value), 1)?;
            let text = text.as_bytes();
            match choices.iter().position(|c| c.as_bytes() == &*text) {
                Some(found) => *index = found,
                None => {
                    let shown = String::from_utf8_lossy(&text).into_owned();
                    return arg_error(lua, narg, &format!("invalid option '{shown}'"));
                }
            }
        }
        Some(_) => return type_error(lua, args, narg, "string"),
    }
    Ok(match choices.get(*index) {
        Some(name) if *index >= 2 => Value::String(lua.create_string(name)?),
        _ => Value::Boolean(*index == 1),
    })
}

#[cfg(test)]
mod tests;
