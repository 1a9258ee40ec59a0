//! `cjson.encode`: Lua values to JSON text with lua-cjson's rules. A table is an
//! array when all its keys are positive integers and it is not "excessively sparse"
//! (then missing slots become null), otherwise an object with string or number keys;
//! an empty table is `{}`. Numbers use `%.14g` (the configured precision), strings
//! escape `"` `\` `/`, control characters and DEL.
//!
//! The walk is iterative, so nesting costs heap, not Rust stack, and the original's
//! Lua stack use is counted to fail where it fails. mlua can only hold a few thousand
//! Lua values at once, fewer than the deepest nesting the original accepts, so only
//! the innermost open table is held in Rust; the outer ones wait in a Lua table
//! indexed by depth. An object's entries are read in one pass while a budget of held
//! values allows; past it, the object is walked with Lua's `next` from its last key.

use std::collections::VecDeque;

use mlua::{Function, Lua, Table, Value};

use super::number::format_g;
use super::{Config, InvalidNumbers};
use crate::scripting::lib::lua_api::{LibResult, MAX_C_STACK, raise, type_name};

/// The most entry values held in Rust at once (well under mlua's limit).
const HELD_VALUES_BUDGET: usize = 4096;

/// An open table.
enum Frame {
    /// Elements 1..=len, `next` is the one to write.
    Array { len: i64, next: i64 },
    /// An object whose remaining entries were read up front.
    Read {
        entries: VecDeque<(Value, Value)>,
        first: bool,
    },
    /// An object walked with `next`; `last_key` waits in `Encoder::last_keys`.
    Walked { first: bool },
}

impl Frame {
    /// The original's Lua stack use while this table's entry is being encoded.
    fn slots(&self) -> usize {
        match self {
            Frame::Array { .. } => 1,
            Frame::Read { .. } | Frame::Walked { .. } => 2,
        }
    }
}

struct Encoder<'a> {
    lua: &'a Lua,
    config: &'a Config,
    next_fn: &'a Function,
    out: Vec<u8>,
    frames: Vec<Frame>,
    /// The innermost open table.
    current: Option<Table>,
    /// Depth -> the open table at that depth, for all but the innermost; made on
    /// first use.
    outer: Option<Table>,
    /// Depth -> the last key written of a walked object at that depth.
    last_keys: Option<Table>,
    /// Entry values held in `Frame::Read` queues.
    held: usize,
    /// Lua stack slots the original would be using (its argument counts as one).
    slots: usize,
}

/// Encodes `value` with the settings in `config`; `next_fn` is Lua's `next`.
pub(super) fn encode(
    lua: &Lua,
    config: &Config,
    next_fn: &Function,
    value: Value,
) -> LibResult<Vec<u8>> {
    let mut encoder = Encoder {
        lua,
        config,
        next_fn,
        out: Vec::new(),
        frames: Vec::new(),
        current: None,
        outer: None,
        last_keys: None,
        held: 0,
        slots: 1,
    };
    encoder.value(value)?;
    while !encoder.frames.is_empty() {
        encoder.step()?;
    }
    Ok(encoder.out)
}

/// A Lua table made on first use.
fn lazy_table<'t>(lua: &Lua, slot: &'t mut Option<Table>) -> LibResult<&'t Table> {
    if slot.is_none() {
        *slot = Some(lua.create_table()?);
    }
    match slot {
        Some(table) => Ok(table),
        None => raise("internal error: table not created"),
    }
}

impl Encoder<'_> {
    /// Writes a scalar, or opens a table (its entries follow in `step`).
    fn value(&mut self, value: Value) -> LibResult<()> {
        match value {
            Value::String(s) => self.string(&s.as_bytes()),
            Value::Integer(i) => self.number(i as f64)?,
            Value::Number(n) => self.number(n)?,
            Value::Boolean(b) => self
                .out
                .extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(ud) if ud.0.is_null() => self.out.extend_from_slice(b"null"),
            Value::Table(table) => self.open(table)?,
            other => return cannot_serialise(&other, "type not supported"),
        }
        Ok(())
    }

    fn open(&mut self, table: Table) -> LibResult<()> {
        let depth = self.frames.len() + 1;
        let max_depth = usize::try_from(self.config.encode_max_depth).unwrap_or(0);
        if depth > max_depth || self.slots + 3 > MAX_C_STACK {
            return raise(format!("Cannot serialise, excessive nesting ({depth})"));
        }
        let frame = match self.array_length(&table)? {
            Some(len) if len > 0 => {
                self.out.push(b'[');
                Frame::Array { len, next: 1 }
            }
            _ => {
                self.out.push(b'{');
                self.object_frame(&table)?
            }
        };
        if let Some(parent) = self.current.take() {
            lazy_table(self.lua, &mut self.outer)?.raw_set(depth - 1, parent)?;
        }
        self.current = Some(table);
        self.slots += frame.slots();
        self.frames.push(frame);
        Ok(())
    }

    /// Reads the object's entries if the budget allows, else sets it up for `next`.
    fn object_frame(&mut self, table: &Table) -> LibResult<Frame> {
        let mut entries = VecDeque::new();
        for pair in table.pairs::<Value, Value>() {
            if self.held + 2 * (entries.len() + 1) > HELD_VALUES_BUDGET {
                return Ok(Frame::Walked { first: true });
            }
            entries.push_back(pair?);
        }
        self.held += 2 * entries.len();
        Ok(Frame::Read {
            entries,
            first: true,
        })
    }

    /// Closes the innermost table and brings its parent back.
    fn close(&mut self) -> LibResult<()> {
        let depth = self.frames.len();
        let Some(done) = self.frames.pop() else {
            return Ok(());
        };
        self.slots -= done.slots();
        self.out.push(if matches!(done, Frame::Array { .. }) {
            b']'
        } else {
            b'}'
        });
        if let Frame::Walked { .. } = done {
            lazy_table(self.lua, &mut self.last_keys)?.raw_set(depth, Value::Nil)?;
        }
        self.current = None;
        if depth > 1 {
            let outer = lazy_table(self.lua, &mut self.outer)?;
            let parent: Table = outer.raw_get(depth - 1)?;
            outer.raw_set(depth - 1, Value::Nil)?;
            self.current = Some(parent);
        }
        Ok(())
    }

    /// Writes the next entry of the innermost table, or closes it.
    fn step(&mut self) -> LibResult<()> {
        let depth = self.frames.len();
        let (Some(table), Some(frame)) = (self.current.as_ref(), self.frames.last_mut()) else {
            return Ok(());
        };
        let entry = match frame {
            Frame::Array { len, next } => {
                if *next > *len {
                    None
                } else {
                    let item: Value = table.raw_get(*next)?;
                    let first = *next == 1;
                    *next += 1;
                    Some((first, None, item))
                }
            }
            Frame::Read { entries, first } => match entries.pop_front() {
                None => None,
                Some((key, item)) => {
                    self.held -= 2;
                    let was_first = std::mem::replace(first, false);
                    Some((was_first, Some(key), item))
                }
            },
            Frame::Walked { first } => {
                let was_first = std::mem::replace(first, false);
                let last_keys = lazy_table(self.lua, &mut self.last_keys)?;
                let last_key: Value = last_keys.raw_get(depth)?;
                let (key, item): (Value, Value) = self.next_fn.call((table, last_key))?;
                if key.is_nil() {
                    None
                } else {
                    last_keys.raw_set(depth, &key)?;
                    Some((was_first, Some(key), item))
                }
            }
        };
        let Some((first, key, item)) = entry else {
            return self.close();
        };
        if !first {
            self.out.push(b',');
        }
        match key {
            None => {}
            Some(Value::String(s)) => {
                self.string(&s.as_bytes());
                self.out.push(b':');
            }
            Some(Value::Integer(i)) => self.number_key(i as f64)?,
            Some(Value::Number(n)) => self.number_key(n)?,
            Some(other) => return cannot_serialise(&other, "table key must be a number or string"),
        }
        self.value(item)
    }

    fn number_key(&mut self, n: f64) -> LibResult<()> {
        self.out.push(b'"');
        self.number(n)?;
        self.out.extend_from_slice(b"\":");
        Ok(())
    }

    /// The array length of `table`, or `None` for an object. Errors on excessively
    /// sparse arrays unless configured to write them as objects.
    fn array_length(&self, table: &Table) -> LibResult<Option<i64>> {
        let mut max: i32 = 0;
        let mut items: i32 = 0;
        for pair in table.pairs::<Value, bool>() {
            let (key, _) = pair?;
            let k = match key {
                Value::Integer(i) => i as f64,
                Value::Number(n) => n,
                _ => return Ok(None),
            };
            if k == 0.0 || k.floor() != k || k < 1.0 {
                return Ok(None);
            }
            // The original keeps the maximum in a C int (x86 turns overflow into INT_MIN).
            if k > f64::from(max) {
                max = crate::scripting::lib::lua_api::c_double_to_i32(k);
            }
            items = items.wrapping_add(1);
        }
        let config = self.config;
        if config.sparse_ratio > 0
            && max > items.wrapping_mul(config.sparse_ratio)
            && max > config.sparse_safe
        {
            if !config.sparse_convert {
                return raise("Cannot serialise table: excessively sparse array");
            }
            return Ok(None);
        }
        Ok(Some(i64::from(max)))
    }

    fn number(&mut self, n: f64) -> LibResult<()> {
        match self.config.encode_invalid_numbers {
            InvalidNumbers::Off if !n.is_finite() => {
                return raise("Cannot serialise number: must not be NaN or Inf");
            }
            InvalidNumbers::On if n.is_nan() => {
                self.out.extend_from_slice(b"nan");
                return Ok(());
            }
            InvalidNumbers::Null if !n.is_finite() => {
                self.out.extend_from_slice(b"null");
                return Ok(());
            }
            _ => {}
        }
        let precision = usize::try_from(self.config.number_precision).unwrap_or(14);
        // Integers within the precision print as themselves: skip float formatting.
        if n.fract() == 0.0 && n.abs() < 1e15 && !(n == 0.0 && n.is_sign_negative()) {
            let mut buffer = itoa::Buffer::new();
            let text = buffer.format(n as i64);
            if text.trim_start_matches('-').len() <= precision {
                self.out.extend_from_slice(text.as_bytes());
                return Ok(());
            }
        }
        self.out
            .extend_from_slice(format_g(n, precision).as_bytes());
        Ok(())
    }

    fn string(&mut self, bytes: &[u8]) {
        self.out.reserve(bytes.len() + 2);
        self.out.push(b'"');
        for &b in bytes {
            match b {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                b'/' => self.out.extend_from_slice(b"\\/"),
                0x08 => self.out.extend_from_slice(b"\\b"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                0x0c => self.out.extend_from_slice(b"\\f"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                0..=0x1f | 0x7f => {
                    self.out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
                }
                _ => self.out.push(b),
            }
        }
        self.out.push(b'"');
    }
}

fn cannot_serialise<T>(value: &Value, reason: &str) -> LibResult<T> {
    raise(format!("Cannot serialise {}: {reason}", type_name(value)))
}
