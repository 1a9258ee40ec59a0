//! Conversions between Redis replies and Lua values, exactly as Redis's scripting does
//! them: a reply of `redis.call` becomes a Lua value (errors and statuses as `{err=}` /
//! `{ok=}` tables, nulls as `false` in RESP2), and a script's return value becomes the
//! caller's reply (numbers truncated to integers, arrays cut at the first nil, the
//! special single-field tables for errors, statuses and RESP3 types).
//!
//! Depth is bounded both ways: replies by the frame parser's limits, Lua tables by
//! [`MAX_DEPTH`] (a table that contains itself would otherwise never end).

use mlua::{Lua, Table, Value};
use scarlet_protocol::{Frame, ReplyBuf, Resp};

use super::engine::{error_table, error_text};

/// The deepest nesting of Lua tables a script may return (Redis stops at its Lua stack
/// limit, which a self-referencing table reaches).
pub const MAX_DEPTH: usize = 300;

/// Turns a reply into a Lua value; `resp` is the protocol the script asked for with
/// `redis.setresp`. Returns the value and whether it is an error reply.
pub fn frame_to_lua(lua: &Lua, frame: Frame, resp: Resp) -> mlua::Result<(Value, bool)> {
    Ok(match frame {
        Frame::Error(text) => {
            let mut line = Vec::with_capacity(text.len() + 1);
            line.push(b'-');
            line.extend_from_slice(&text);
            let table = error_table(lua, &line)?;
            table.raw_set("ignore_error_stats_update", true)?;
            (Value::Table(table), true)
        }
        other => (to_lua(lua, other, resp)?, false),
    })
}

fn to_lua(lua: &Lua, frame: Frame, resp: Resp) -> mlua::Result<Value> {
    Ok(match frame {
        Frame::Simple(s) => single(lua, "ok", Value::String(lua.create_string(s)?))?,
        Frame::Error(text) => {
            let mut line = b"-".to_vec();
            line.extend_from_slice(&text);
            Value::Table(error_table(lua, &line)?)
        }
        Frame::Integer(n) => Value::Number(n as f64),
        Frame::Bulk(b) => Value::String(lua.create_string(b)?),
        Frame::Null | Frame::NullArray => {
            if resp == Resp::Resp2 {
                Value::Boolean(false)
            } else {
                Value::Nil
            }
        }
        Frame::Array(items) | Frame::Push(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.into_iter().enumerate() {
                table.raw_set(i + 1, to_lua(lua, item, resp)?)?;
            }
            Value::Table(table)
        }
        Frame::Map(pairs) => {
            let inner = lua.create_table()?;
            for (k, v) in pairs {
                inner.raw_set(to_lua(lua, k, resp)?, to_lua(lua, v, resp)?)?;
            }
            single(lua, "map", Value::Table(inner))?
        }
        Frame::Set(items) => {
            let inner = lua.create_table()?;
            for item in items {
                inner.raw_set(to_lua(lua, item, resp)?, true)?;
            }
            single(lua, "set", Value::Table(inner))?
        }
        Frame::Attribute(_) => Value::Nil,
        Frame::Double(d) => single(lua, "double", Value::Number(d))?,
        Frame::Boolean(b) => Value::Boolean(b),
        Frame::BigNumber(digits) => {
            single(lua, "big_number", Value::String(lua.create_string(digits)?))?
        }
        Frame::Verbatim { format, text } => {
            let inner = lua.create_table()?;
            inner.raw_set("format", lua.create_string(format)?)?;
            inner.raw_set("string", lua.create_string(text)?)?;
            single(lua, "verbatim_string", Value::Table(inner))?
        }
    })
}

fn single(lua: &Lua, field: &str, value: Value) -> mlua::Result<Value> {
    let table = lua.create_table()?;
    table.raw_set(field, value)?;
    Ok(Value::Table(table))
}

/// What an error table carries (Redis's `errorInfo`).
#[derive(Debug, Default)]
pub struct ErrorInfo {
    /// "CODE message".
    pub message: Vec<u8>,
    /// The chunk, e.g. `@user_script`.
    pub source: Option<String>,
    /// The line in it.
    pub line: Option<String>,
    /// The error was already counted when the command inside the script failed.
    pub ignore_stats: bool,
}

/// Reads an error value the way Redis's `luaExtractErrorInformation` does.
pub fn error_info(value: &Value) -> ErrorInfo {
    let mut info = ErrorInfo::default();
    match value {
        Value::String(s) => {
            info.message = b"ERR ".to_vec();
            info.message.extend_from_slice(&s.as_bytes());
        }
        Value::Error(e) => match super::engine::raised(e) {
            Some(r) => {
                info.message = r.message.clone();
                info.ignore_stats = r.ignore_stats;
            }
            None => {
                info.message = b"ERR ".to_vec();
                info.message
                    .extend_from_slice(super::engine::lua_error_text(e).as_bytes());
            }
        },
        Value::Table(t) => {
            if let Ok(Value::String(s)) = t.raw_get::<Value>("err") {
                info.message = s.as_bytes().to_vec();
            }
            info.source = string_field(t, "source");
            info.line = string_field(t, "line");
            if let Ok(Value::Boolean(b)) = t.raw_get::<Value>("ignore_error_stats_update") {
                info.ignore_stats = b;
            }
        }
        _ => {}
    }
    info
}

fn string_field(t: &Table, name: &str) -> Option<String> {
    match t.raw_get::<Value>(name).ok()? {
        Value::String(s) => Some(s.to_string_lossy().to_string()),
        Value::Integer(n) => Some(n.to_string()),
        Value::Number(n) => Some(super::engine::lua_tostring(&Value::Number(n))),
        _ => None,
    }
}

/// An error reply produced from a script: the line to send and whether to count it.
pub struct ScriptError {
    /// The error line without the leading dash.
    pub line: Vec<u8>,
    /// Count it in the error statistics.
    pub count: bool,
}

/// Writes a script's return value as the caller's reply. `script_resp` is the protocol
/// the script chose (booleans depend on it). Errors are returned instead of written, so
/// the caller can count them.
pub fn lua_to_reply(
    value: &Value,
    reply: &mut ReplyBuf,
    script_resp: Resp,
    errors: &mut Vec<ScriptError>,
) {
    write_value(value, reply, script_resp, errors, 0);
}

fn write_value(
    value: &Value,
    reply: &mut ReplyBuf,
    script_resp: Resp,
    errors: &mut Vec<ScriptError>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        reply.error(b"ERR reached lua stack limit");
        errors.push(ScriptError {
            line: Vec::new(),
            count: true,
        });
        return;
    }
    match value {
        Value::String(s) => reply.bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if script_resp == Resp::Resp2 {
                if *b {
                    reply.int(1);
                } else {
                    reply.null();
                }
            } else {
                reply.boolean(*b);
            }
        }
        Value::Integer(n) => reply.int(*n),
        Value::Number(n) => reply.int(truncate(*n)),
        Value::Table(t) => write_table(t, reply, script_resp, errors, depth),
        _ => reply.null(),
    }
}

/// C's `(long long)` cast of a double, saturating where C is undefined.
fn truncate(n: f64) -> i64 {
    if n.is_nan() { i64::MIN } else { n as i64 }
}

fn write_table(
    t: &Table,
    reply: &mut ReplyBuf,
    script_resp: Resp,
    errors: &mut Vec<ScriptError>,
    depth: usize,
) {
    if let Ok(Value::String(_)) = t.raw_get::<Value>("err") {
        let info = error_info(&Value::Table(t.clone()));
        let line = error_line(&info.message);
        reply.error(&line);
        errors.push(ScriptError {
            line,
            count: !info.ignore_stats,
        });
        return;
    }
    if let Ok(Value::String(s)) = t.raw_get::<Value>("ok") {
        let status: Vec<u8> = s
            .as_bytes()
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        reply.simple(&status);
        return;
    }
    if let Ok(v @ (Value::Number(_) | Value::Integer(_))) = t.raw_get::<Value>("double") {
        reply.double(super::engine::lua_number(&v).unwrap_or(0.0));
        return;
    }
    if let Ok(Value::String(s)) = t.raw_get::<Value>("big_number") {
        let digits: Vec<u8> = s
            .as_bytes()
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        reply.big_number(&digits);
        return;
    }
    if let Ok(Value::Table(v)) = t.raw_get::<Value>("verbatim_string")
        && let Ok(Value::String(format)) = v.raw_get::<Value>("format")
        && let Ok(Value::String(text)) = v.raw_get::<Value>("string")
    {
        let format = format.as_bytes();
        let mut fmt = [b' '; 3];
        for (slot, b) in fmt.iter_mut().zip(format.iter()) {
            *slot = *b;
        }
        reply.verbatim(&fmt, &text.as_bytes());
        return;
    }
    if let Ok(Value::Table(map)) = t.raw_get::<Value>("map") {
        let pairs: Vec<(Value, Value)> = map.pairs::<Value, Value>().flatten().collect();
        reply.map(pairs.len());
        for (k, v) in &pairs {
            write_value(k, reply, script_resp, errors, depth + 1);
            write_value(v, reply, script_resp, errors, depth + 1);
        }
        return;
    }
    if let Ok(Value::Table(set)) = t.raw_get::<Value>("set") {
        let members: Vec<Value> = set
            .pairs::<Value, Value>()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        reply.set(members.len());
        for k in &members {
            write_value(k, reply, script_resp, errors, depth + 1);
        }
        return;
    }
    let mut items = Vec::new();
    let mut i = 1usize;
    while let Ok(v) = t.raw_get::<Value>(i) {
        if v.is_nil() {
            break;
        }
        items.push(v);
        i += 1;
    }
    reply.array(items.len());
    for item in &items {
        write_value(item, reply, script_resp, errors, depth + 1);
    }
}

/// The line of an error reply from an error message: as given when it already carries
/// a code, which `error_text` guarantees for messages made here.
pub fn error_line(message: &[u8]) -> Vec<u8> {
    if message.is_empty() {
        return error_text(b"");
    }
    message.to_vec()
}

/// C's `%.<precision>g` (Lua's tostring is `%.14g`; the debugger prints `%g`).
pub fn format_g(n: f64, precision: usize) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let precision = precision.max(1);
    let sci = format!("{n:.*e}", precision - 1);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let limit = i64::try_from(precision).unwrap_or(i64::MAX);
    if exponent < -4 || exponent >= limit {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_zeros(mantissa),
            exponent.unsigned_abs()
        )
    } else {
        let decimals = usize::try_from(limit - 1 - exponent).unwrap_or(0);
        strip_zeros(&format!("{n:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}
