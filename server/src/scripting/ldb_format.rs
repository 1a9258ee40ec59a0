//! How the Lua debugger shows things: Lua values (`print`, `eval`, `redis.debug()`),
//! command replies (`<reply>` lines) and quoted strings, in the forms redis-cli users
//! know from Redis's debugger (`{1; 2; "x"}`, `{["a"]=1}`, `"+OK"`, `NULL`, `[1,2]`).
//!
//! Only text is produced here; the session (`ldb.rs`) decides what is logged and trims
//! it to `maxlen`.

use super::convert::format_g;
use mlua::Value;

/// How deep nested tables are shown before the dump stops (half of Lua's LUA_MINSTACK, as
/// Redis).
const MAX_DEPTH: usize = 10;

/// Appends `bytes` quoted and escaped as Redis's `sdscatrepr`: printable ASCII as is,
/// `\n \r \t \a \b \\ \"` escaped, anything else as `\xHH`.
pub fn push_repr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// Appends a Lua value as the debugger shows it. Tables that look like arrays (keys
/// 1, 2, 3... in iteration order) show only their values.
pub fn push_value(out: &mut Vec<u8>, value: &Value) {
    push_value_at(out, value, 0);
}

fn push_value_at(out: &mut Vec<u8>, value: &Value, depth: usize) {
    if depth == MAX_DEPTH {
        out.extend_from_slice(b"<max recursion level reached! Nested table?>");
        return;
    }
    match value {
        Value::String(s) => push_repr(out, &s.as_bytes()),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(n) => out.extend_from_slice(format_g(*n as f64, 6).as_bytes()),
        Value::Number(n) => out.extend_from_slice(format_g(*n, 6).as_bytes()),
        Value::Nil => out.extend_from_slice(b"nil"),
        Value::Table(table) => {
            let mut as_array = Vec::new();
            let mut as_map = Vec::new();
            let mut is_array = true;
            let mut expected = 1.0f64;
            for pair in table.clone().pairs::<Value, Value>() {
                let Ok((key, item)) = pair else { break };
                let key_number = match key {
                    Value::Integer(n) => Some(n as f64),
                    Value::Number(n) => Some(n),
                    _ => None,
                };
                if is_array && key_number != Some(expected) {
                    is_array = false;
                }
                if is_array {
                    push_value_at(&mut as_array, &item, depth + 1);
                    as_array.extend_from_slice(b"; ");
                }
                as_map.push(b'[');
                push_value_at(&mut as_map, &key, depth + 1);
                as_map.extend_from_slice(b"]=");
                push_value_at(&mut as_map, &item, depth + 1);
                as_map.extend_from_slice(b"; ");
                expected += 1.0;
            }
            let chosen = if is_array { as_array } else { as_map };
            out.push(b'{');
            out.extend_from_slice(
                chosen
                    .get(..chosen.len().saturating_sub(2))
                    .unwrap_or_default(),
            );
            out.push(b'}');
        }
        Value::Function(_) => push_pointer(out, "function", value),
        Value::Thread(_) => push_pointer(out, "thread", value),
        Value::LightUserData(_) => push_pointer(out, "light-userdata", value),
        Value::UserData(_) | Value::Error(_) => push_pointer(out, "userdata", value),
        _ => out.extend_from_slice(b"\"<unknown-lua-type>\""),
    }
}

/// `"kind@0x..."`, C's `%p` of the object.
fn push_pointer(out: &mut Vec<u8>, kind: &str, value: &Value) {
    let address = value.to_pointer() as usize;
    let shown = if address == 0 {
        "(nil)".to_string()
    } else {
        format!("{address:#x}")
    };
    out.extend_from_slice(format!("\"{kind}@{shown}\"").as_bytes());
}

/// Appends a RESP reply in the debugger's human form and returns the bytes that follow
/// it (Redis's `ldbRedisProtocolToHuman`): integers bare, bulks quoted (`NULL` for
/// none), status and error lines quoted with their `+`/`-`, arrays as `[a,b]`, sets as
/// `~(a,b)`, maps as `{k => v}`, RESP3 null `(null)`, booleans `#true`, doubles
/// `(double) 1.5`. Anything else ends the conversion.
pub fn push_reply<'a>(out: &mut Vec<u8>, reply: &'a [u8]) -> &'a [u8] {
    let Some((&kind, _)) = reply.split_first() else {
        return reply;
    };
    let Some(line_end) = reply.windows(2).position(|w| w == b"\r\n") else {
        return &[];
    };
    let line = reply.get(1..line_end).unwrap_or_default();
    let mut rest = reply.get(line_end + 2..).unwrap_or_default();
    let count = || {
        std::str::from_utf8(line)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(0)
    };
    match kind {
        b':' => out.extend_from_slice(line),
        b'$' => {
            let len = count();
            match usize::try_from(len) {
                Err(_) => out.extend_from_slice(b"NULL"),
                Ok(len) => {
                    push_repr(out, rest.get(..len).unwrap_or(rest));
                    rest = rest.get(len + 2..).unwrap_or_default();
                }
            }
        }
        b'+' | b'-' => push_repr(out, reply.get(..line_end).unwrap_or_default()),
        b'*' | b'~' => {
            let n = count();
            if kind == b'*' && n < 0 {
                out.extend_from_slice(b"NULL");
                return rest;
            }
            out.extend_from_slice(if kind == b'*' { b"[" } else { b"~(" });
            for i in 0..n {
                rest = push_reply(out, rest);
                if i != n - 1 {
                    out.push(b',');
                }
            }
            out.push(if kind == b'*' { b']' } else { b')' });
        }
        b'%' => {
            let n = count();
            out.push(b'{');
            for i in 0..n {
                rest = push_reply(out, rest);
                out.extend_from_slice(b" => ");
                rest = push_reply(out, rest);
                if i != n - 1 {
                    out.push(b',');
                }
            }
            out.push(b'}');
        }
        b'_' => out.extend_from_slice(b"(null)"),
        b'#' => out.extend_from_slice(if line.first() == Some(&b't') {
            b"#true"
        } else {
            b"#false"
        }),
        b',' => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(line);
        }
        _ => return &[],
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format_matches_c() {
        assert_eq!(format_g(3.5, 6), "3.5");
        assert_eq!(format_g(1.0 / 3.0, 6), "0.333333");
        assert_eq!(format_g(1e20, 6), "1e+20");
        assert_eq!(format_g(123456.0, 6), "123456");
        assert_eq!(format_g(1234567.0, 6), "1.23457e+06");
        assert_eq!(format_g(0.0001, 6), "0.0001");
        assert_eq!(format_g(0.00001, 6), "1e-05");
        assert_eq!(format_g(-2.0, 6), "-2");
    }

    #[test]
    fn replies_in_human_form() {
        let human = |reply: &[u8]| {
            let mut out = Vec::new();
            push_reply(&mut out, reply);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(human(b"+OK\r\n"), "\"+OK\"");
        assert_eq!(human(b"$-1\r\n"), "NULL");
        assert_eq!(human(b"*2\r\n$1\r\na\r\n:3\r\n"), "[\"a\",3]");
        assert_eq!(human(b"*0\r\n"), "[]");
        assert_eq!(human(b"%1\r\n+k\r\n#t\r\n"), "{\"+k\" => #true}");
        assert_eq!(human(b"~1\r\n,1.5\r\n"), "~((double) 1.5)");
        assert_eq!(human(b"_\r\n"), "(null)");
    }

    #[test]
    fn repr_escapes() {
        let mut out = Vec::new();
        push_repr(&mut out, b"a\"\n\x01");
        assert_eq!(out, b"\"a\\\"\\n\\x01\"");
    }
}
