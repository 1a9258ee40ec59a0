//! `cmsgpack`: lua-cmsgpack 0.4.0 as Redis bundles it. `pack(...)` encodes each
//! argument and concatenates them; `unpack(s)` decodes every object in `s`;
//! `unpack_one(s [, offset])` and `unpack_limit(s, limit [, offset])` decode a few and
//! return the next offset first (-1 once the input is used up).
//!
//! Encoding choices are the original's: integral numbers use the smallest integer
//! type, other numbers a float when a float holds them exactly and a double
//! otherwise; a table whose keys are exactly 1..n is an array, anything else a map;
//! tables nested 16 deep, and values of other types, become nil. Decoding accepts
//! the old MessagePack "raw" family and rejects bin, ext and fixext types.
//!
//! Decoding is iterative and counts Lua stack slots as the original does, so deep
//! or long input ends in the same "stack overflow" errors instead of recursion. Open
//! tables are kept by `OpenTables`, which holds only the innermost in Rust.

use mlua::{Lua, MultiValue, Table, Value};

use super::lua_api::{
    Installer, LibError, LibResult, MAX_C_STACK, OpenTables, Results, arg_error, c_double_to_i32,
    c_double_to_i64, check_bytes, check_integer, opt_integer, raise,
};

/// Tables nested deeper than this are encoded as nil (so cycles terminate).
const MAX_NESTING: usize = 16;

/// The `cmsgpack` table.
pub(super) fn module(lua: &Lua, installer: &Installer) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    installer.install(lua, &table, "pack", pack)?;
    installer.install(lua, &table, "unpack", |lua, args| {
        let args: Vec<Value> = args.into_iter().collect();
        unpack_full(lua, &args, 0, 0)
    })?;
    installer.install(lua, &table, "unpack_one", |lua, args| {
        let args: Vec<Value> = args.into_iter().collect();
        let offset = opt_integer(lua, &args, 2, 0)?;
        unpack_full(lua, args.get(..1).unwrap_or_default(), 1, offset)
    })?;
    installer.install(lua, &table, "unpack_limit", |lua, args| {
        let args: Vec<Value> = args.into_iter().collect();
        let limit = check_integer(lua, &args, 2)?;
        let offset = opt_integer(lua, &args, 3, 0)?;
        unpack_full(lua, args.get(..1).unwrap_or_default(), limit, offset)
    })?;
    table.raw_set("_NAME", "cmsgpack")?;
    table.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    table.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    table.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(table)
}

fn pack(lua: &Lua, args: MultiValue) -> LibResult<MultiValue> {
    if args.is_empty() {
        return arg_error(lua, 0, "MessagePack pack needs input.");
    }
    // The original reserves one stack slot per argument on top of the arguments.
    if args.len().saturating_mul(2) > MAX_C_STACK {
        return arg_error(lua, 0, "Too many arguments for MessagePack pack.");
    }
    let mut out = Vec::new();
    for value in args.iter() {
        encode(value, 0, &mut out)?;
    }
    Ok(MultiValue::from_iter([Value::String(
        lua.create_string(&out)?,
    )]))
}

/// Appends `value` at nesting `level` (recursion is bounded by `MAX_NESTING`).
fn encode(value: &Value, level: usize, out: &mut Vec<u8>) -> LibResult<()> {
    match value {
        Value::String(s) => encode_bytes(&s.as_bytes(), out),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => encode_number(*i as f64, out),
        Value::Number(n) => encode_number(*n, out),
        Value::Table(table) if level < MAX_NESTING => {
            if table_is_array(table)? {
                let len = table.raw_len();
                encode_length(len as u64, 0x90, 0xdc, out);
                for index in 1..=len {
                    let item: Value = table.raw_get(index)?;
                    encode(&item, level + 1, out)?;
                }
            } else {
                // Two passes, as the original: mlua can hold only a few thousand values
                // at once, so the entries are never collected.
                let mut count: u64 = 0;
                for pair in table.pairs::<bool, bool>() {
                    pair?;
                    count += 1;
                }
                encode_length(count, 0x80, 0xde, out);
                for pair in table.pairs::<Value, Value>() {
                    let (key, item) = pair?;
                    encode(&key, level + 1, out)?;
                    encode(&item, level + 1, out)?;
                }
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

/// Whether the keys are exactly the integers 1..n (an empty table counts).
fn table_is_array(table: &Table) -> LibResult<bool> {
    let mut count: i64 = 0;
    let mut max: i64 = 0;
    for pair in table.pairs::<Value, bool>() {
        let (key, _) = pair?;
        let number = match key {
            Value::Integer(i) => i as f64,
            Value::Number(n) => n,
            _ => return Ok(false),
        };
        if number <= 0.0 || number.is_infinite() || f64::from(c_double_to_i32(number)) != number {
            return Ok(false);
        }
        max = max.max(number as i64);
        count += 1;
    }
    Ok(max == count)
}

fn encode_number(n: f64, out: &mut Vec<u8>) {
    if !n.is_infinite() && c_double_to_i64(n) as f64 == n {
        encode_integer(c_double_to_i64(n), out);
    } else if f64::from(n as f32) == n {
        out.push(0xca);
        out.extend((n as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend(n.to_be_bytes());
    }
}

fn encode_integer(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend([0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend((n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend((n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend((n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend([0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend((n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend((n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend(n.to_be_bytes());
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let len = bytes.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend([0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend((len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend((len as u32).to_be_bytes());
    }
    out.extend_from_slice(bytes);
}

/// An array or map header: the fix form up to 15, then 16 and 32-bit counts.
fn encode_length(len: u64, fix: u8, wide16: u8, out: &mut Vec<u8>) {
    if len <= 15 {
        out.push(fix | len as u8);
    } else if len <= 0xffff {
        out.push(wide16);
        out.extend((len as u16).to_be_bytes());
    } else {
        out.push(wide16 + 1);
        out.extend((len as u32).to_be_bytes());
    }
}

/// The shared body of the three unpack functions; `args` holds what the original
/// leaves on the Lua stack (all arguments for `unpack`, the string alone otherwise).
fn unpack_full(lua: &Lua, args: &[Value], limit: i64, offset: i64) -> LibResult<MultiValue> {
    let input = check_bytes(lua, args, 1)?;
    let input = input.as_bytes();
    let len = input.len();
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        // The original prints the input length where it means the limit.
        return raise(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, len as i32
        ));
    }
    if offset as u64 > len as u64 {
        return raise(format!(
            "Start offset {} greater than input length {}.",
            offset as i32, len as i32
        ));
    }
    let limit = if decode_all {
        i64::from(i32::MAX)
    } else {
        limit
    };
    let mut cursor = Cursor {
        bytes: input.get(offset as usize..).unwrap_or_default(),
    };
    let mut results = Results::new(lua)?;
    if !decode_all {
        // Slot 1 is kept for the next offset, which comes first.
        results.push(Value::Nil)?;
    }
    let offset_slots = results.len();
    let mut count: i64 = 0;
    while !cursor.bytes.is_empty() && count < limit {
        let used = args.len() + results.len() - offset_slots;
        results.push(decode_one(lua, &mut cursor, used)?)?;
        count += 1;
    }
    if !decode_all {
        if args.len() + results.len() > MAX_C_STACK {
            return raise("stack overflow (in function mp_unpack_full)");
        }
        let next = if cursor.bytes.is_empty() {
            -1
        } else {
            (len - cursor.bytes.len()) as i64
        };
        results.set(1, Value::Number(next as f64))?;
    }
    results.into_reply()
}

/// The unread input.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Takes `n` bytes, or fails as the original does on truncated input.
    fn take(&mut self, n: usize) -> LibResult<&'a [u8]> {
        if self.bytes.len() < n {
            return raise("Missing bytes in input.");
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn take_array<const N: usize>(&mut self) -> LibResult<[u8; N]> {
        let head = self.take(N)?;
        Ok(head.try_into().unwrap_or([0; N]))
    }

    /// A big-endian length of `N` bytes.
    fn take_length<const N: usize>(&mut self) -> LibResult<u64> {
        Ok(self
            .take_array::<N>()?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}

/// A table being filled while decoding (the table itself is in `OpenTables`).
enum Frame {
    Array {
        next_index: u64,
        remaining: u64,
    },
    /// `has_key` once the pending entry's key is decoded (it waits in `OpenTables`).
    Map {
        remaining: u64,
        has_key: bool,
    },
}

/// What one header byte starts.
enum Item {
    Value(Value),
    Array(u64),
    Map(u64),
}

const TOO_MANY_VALUES: &str =
    "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)";

/// Decodes one complete object; `used` is the stack slots the original would already
/// occupy (arguments and earlier results).
fn decode_one(lua: &Lua, cursor: &mut Cursor, mut used: usize) -> LibResult<Value> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut open = OpenTables::new(lua);
    loop {
        if cursor.bytes.is_empty() {
            return raise("Missing bytes in input.");
        }
        if used + 1 > MAX_C_STACK {
            return raise(TOO_MANY_VALUES);
        }
        let mut value = match decode_item(lua, cursor)? {
            Item::Value(value) => value,
            Item::Array(count) => {
                let table = lua.create_table()?;
                if used + 2 > MAX_C_STACK {
                    return raise("stack overflow (in function mp_decode_to_lua_array)");
                }
                if count > 0 {
                    open.push(frames.len() + 1, table, None)?;
                    frames.push(Frame::Array {
                        next_index: 1,
                        remaining: count,
                    });
                    used += 2;
                    continue;
                }
                Value::Table(table)
            }
            Item::Map(count) => {
                let table = lua.create_table()?;
                if count > 0 {
                    open.push(frames.len() + 1, table, None)?;
                    frames.push(Frame::Map {
                        remaining: count,
                        has_key: false,
                    });
                    used += 1;
                    continue;
                }
                Value::Table(table)
            }
        };
        // Hand the finished value to its table, closing every table it completes.
        loop {
            let depth = frames.len();
            let Some(frame) = frames.last_mut() else {
                return Ok(value);
            };
            match frame {
                Frame::Array {
                    next_index,
                    remaining,
                } => {
                    open.table()?.raw_set(*next_index, value)?;
                    *next_index += 1;
                    *remaining -= 1;
                    if *remaining > 0 {
                        break;
                    }
                    used -= 2;
                }
                Frame::Map { remaining, has_key } => {
                    if !*has_key {
                        open.set_key(value);
                        *has_key = true;
                        used += 1;
                        break;
                    }
                    let key = open.take_key().unwrap_or(Value::Nil);
                    set_field(open.table()?, key, value)?;
                    *has_key = false;
                    used -= 1;
                    *remaining -= 1;
                    if *remaining > 0 {
                        break;
                    }
                    used -= 1;
                }
            }
            value = Value::Table(open.pop(depth)?);
            frames.pop();
        }
    }
}

/// `t[key] = value` with Lua's own errors for keys a table cannot hold.
fn set_field(table: &Table, key: Value, value: Value) -> LibResult<()> {
    match key {
        Value::Nil => Err(LibError::Bare("table index is nil".to_string())),
        Value::Number(n) if n.is_nan() => Err(LibError::Bare("table index is NaN".to_string())),
        key => Ok(table.raw_set(key, value)?),
    }
}

/// Reads one header (and a scalar's payload).
fn decode_item(lua: &Lua, cursor: &mut Cursor) -> LibResult<Item> {
    let [tag] = cursor.take_array::<1>()?;
    let number = |n: f64| Ok(Item::Value(Value::Number(n)));
    match tag {
        0xc0 => Ok(Item::Value(Value::Nil)),
        0xc2 => Ok(Item::Value(Value::Boolean(false))),
        0xc3 => Ok(Item::Value(Value::Boolean(true))),
        0xcc => number(f64::from(u8::from_be_bytes(cursor.take_array()?))),
        0xcd => number(f64::from(u16::from_be_bytes(cursor.take_array()?))),
        0xce => number(f64::from(u32::from_be_bytes(cursor.take_array()?))),
        // The original pushes a uint64 as a signed Lua integer first.
        0xcf => number(u64::from_be_bytes(cursor.take_array()?) as i64 as f64),
        0xd0 => number(f64::from(i8::from_be_bytes(cursor.take_array()?))),
        0xd1 => number(f64::from(i16::from_be_bytes(cursor.take_array()?))),
        0xd2 => number(f64::from(i32::from_be_bytes(cursor.take_array()?))),
        0xd3 => number(i64::from_be_bytes(cursor.take_array()?) as f64),
        0xca => number(f64::from(f32::from_be_bytes(cursor.take_array()?))),
        0xcb => number(f64::from_be_bytes(cursor.take_array()?)),
        0xd9 => string(lua, cursor, 1),
        0xda => string(lua, cursor, 2),
        0xdb => string(lua, cursor, 4),
        0xdc => Ok(Item::Array(cursor.take_length::<2>()?)),
        0xdd => Ok(Item::Array(cursor.take_length::<4>()?)),
        0xde => Ok(Item::Map(cursor.take_length::<2>()?)),
        0xdf => Ok(Item::Map(cursor.take_length::<4>()?)),
        _ if tag & 0x80 == 0 => number(f64::from(tag)),
        _ if tag & 0xe0 == 0xe0 => number(f64::from(tag as i8)),
        _ if tag & 0xe0 == 0xa0 => {
            let text = cursor.take(usize::from(tag & 0x1f))?;
            Ok(Item::Value(Value::String(lua.create_string(text)?)))
        }
        _ if tag & 0xf0 == 0x90 => Ok(Item::Array(u64::from(tag & 0x0f))),
        _ if tag & 0xf0 == 0x80 => Ok(Item::Map(u64::from(tag & 0x0f))),
        _ => raise("Bad data format in input."),
    }
}

/// A string whose length takes `width` bytes.
fn string(lua: &Lua, cursor: &mut Cursor, width: usize) -> LibResult<Item> {
    let len = match width {
        1 => cursor.take_length::<1>()?,
        2 => cursor.take_length::<2>()?,
        _ => cursor.take_length::<4>()?,
    };
    let text = cursor.take(usize::try_from(len).unwrap_or(usize::MAX))?;
    Ok(Item::Value(Value::String(lua.create_string(text)?)))
}

#[cfg(test)]
mod tests;
