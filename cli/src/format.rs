//! Turning replies into the bytes redis-cli prints: formatted for a terminal, raw, CSV, JSON
//! and quoted JSON.
//!
//! Every function appends to a byte buffer and returns an error for the one reply type
//! redis-cli 7.0 cannot print (RESP3 big numbers: it says "Unknown reply type: 13" and exits),
//! so the caller prints nothing partial. Doubles are printed with `%.17g`, the text Redis 7.0
//! sends them with. Recursion follows the reply's nesting, which the parser bounds
//! ([`crate::conn::REPLY_LIMITS`]). This module does not do I/O.

use scarlet_protocol::{Frame, format_double, repr};

use crate::options::Output;

/// A reply redis-cli has no printer for: the type number it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unprintable(pub u8);

/// hiredis's type number for big numbers.
const BIGNUM_TYPE: u8 = 13;

type Result = std::result::Result<(), Unprintable>;

/// C strings end at the first NUL: status and error texts are printed that way.
fn c_str(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => bytes.get(..end).unwrap_or(bytes),
        None => bytes,
    }
}

fn double_text(value: f64) -> Vec<u8> {
    let mut text = Vec::new();
    format_double(value, &mut text);
    text
}

/// The elements of an aggregate as hiredis lays them out (a map's pairs flattened), or None.
fn elements(frame: &Frame) -> Option<Vec<&Frame>> {
    match frame {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            Some(items.iter().collect())
        }
        Frame::Map(pairs) | Frame::Attribute(pairs) => {
            Some(pairs.iter().flat_map(|(k, v)| [k, v]).collect())
        }
        _ => None,
    }
}

/// Formats one reply for `mode`, with the delimiters of raw mode; `raw_strings` is
/// redis-cli's "print this command's reply raw" (INFO, CLIENT LIST...), which adds no
/// delimiter after it.
pub fn format_reply(
    frame: &Frame,
    mode: Output,
    raw_strings: bool,
    mb_delim: &[u8],
    cmd_delim: &[u8],
    out: &mut Vec<u8>,
) -> Result {
    if raw_strings {
        return raw(frame, mb_delim, out);
    }
    match mode {
        Output::Standard => tty(frame, b"", out)?,
        Output::Raw => {
            raw(frame, mb_delim, out)?;
            out.extend_from_slice(cmd_delim);
        }
        Output::Csv => {
            csv(frame, out)?;
            out.push(b'\n');
        }
        Output::Json | Output::QuotedJson => {
            json(frame, mode == Output::QuotedJson, out)?;
            out.push(b'\n');
        }
    }
    Ok(())
}

/// Whether the terminal format spreads the value over several lines.
fn multiline(frame: &Frame) -> bool {
    match frame {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => match items.as_slice() {
            [] => false,
            [only] => multiline(only),
            _ => true,
        },
        Frame::Map(pairs) => match pairs.as_slice() {
            [] => false,
            [(_, value)] => multiline(value),
            _ => true,
        },
        _ => false,
    }
}

/// The terminal format: `(integer) 1`, `"quoted"`, numbered and indented aggregates.
pub fn tty(frame: &Frame, prefix: &[u8], out: &mut Vec<u8>) -> Result {
    match frame {
        Frame::Error(text) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(c_str(text));
            out.push(b'\n');
        }
        Frame::Simple(text) => {
            out.extend_from_slice(c_str(text));
            out.push(b'\n');
        }
        Frame::Integer(n) => out.extend_from_slice(format!("(integer) {n}\n").as_bytes()),
        Frame::Double(value) => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(&double_text(*value));
            out.push(b'\n');
        }
        Frame::Bulk(bytes) => {
            out.extend_from_slice(repr(bytes).as_bytes());
            out.push(b'\n');
        }
        Frame::Verbatim { text, .. } => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Frame::Null | Frame::NullArray => out.extend_from_slice(b"(nil)\n"),
        Frame::Boolean(value) => {
            out.extend_from_slice(if *value { b"(true)\n" } else { b"(false)\n" })
        }
        Frame::BigNumber(_) => return Err(Unprintable(BIGNUM_TYPE)),
        Frame::Array(_) | Frame::Set(_) | Frame::Push(_) | Frame::Map(_) | Frame::Attribute(_) => {
            tty_aggregate(frame, prefix, out)?
        }
    }
    Ok(())
}

fn tty_aggregate(frame: &Frame, prefix: &[u8], out: &mut Vec<u8>) -> Result {
    let is_map = matches!(frame, Frame::Map(_) | Frame::Attribute(_));
    let items = elements(frame).unwrap_or_default();
    if items.is_empty() {
        out.extend_from_slice(match frame {
            Frame::Array(_) => b"(empty array)\n".as_slice(),
            Frame::Map(_) => b"(empty hash)\n",
            Frame::Set(_) => b"(empty set)\n",
            Frame::Push(_) => b"(empty push)\n",
            _ => b"(empty aggregate type)\n",
        });
        return Ok(());
    }
    let shown = if is_map { items.len() / 2 } else { items.len() };
    let width = shown.to_string().len();
    let mut child_prefix = prefix.to_vec();
    child_prefix.extend(std::iter::repeat_n(b' ', width + 2));
    let separator = match frame {
        Frame::Set(_) => '~',
        Frame::Map(_) | Frame::Attribute(_) => '#',
        _ => ')',
    };
    let mut index = 0;
    let mut entries = items.iter();
    while let Some(item) = entries.next() {
        index += 1;
        if index > 1 {
            out.extend_from_slice(prefix);
        }
        out.extend_from_slice(format!("{index:>width$}{separator} ").as_bytes());
        tty(item, &child_prefix, out)?;
        if is_map && let Some(value) = entries.next() {
            out.pop();
            out.extend_from_slice(b" => ");
            if multiline(value) {
                out.push(b'\n');
                out.extend_from_slice(&child_prefix);
            }
            tty(value, &child_prefix, out)?;
        }
    }
    Ok(())
}

/// Raw output: bare values, aggregate elements separated by `mb_delim`.
pub fn raw(frame: &Frame, mb_delim: &[u8], out: &mut Vec<u8>) -> Result {
    match frame {
        Frame::Null | Frame::NullArray => {}
        Frame::Error(text) | Frame::Simple(text) | Frame::Bulk(text) => {
            out.extend_from_slice(text);
            if frame.is_error() {
                out.push(b'\n');
            }
        }
        Frame::Verbatim { text, .. } => out.extend_from_slice(text),
        Frame::Boolean(value) => out.extend_from_slice(if *value { b"(true)" } else { b"(false)" }),
        Frame::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Frame::Double(value) => out.extend_from_slice(&double_text(*value)),
        Frame::BigNumber(_) => return Err(Unprintable(BIGNUM_TYPE)),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(mb_delim);
                }
                raw(item, mb_delim, out)?;
            }
        }
        Frame::Map(pairs) | Frame::Attribute(pairs) => {
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(mb_delim);
                }
                raw(key, mb_delim, out)?;
                out.push(b' ');
                raw(value, mb_delim, out)?;
            }
        }
    }
    Ok(())
}

/// CSV output: quoted strings, aggregates flattened with commas.
pub fn csv(frame: &Frame, out: &mut Vec<u8>) -> Result {
    match frame {
        Frame::Error(text) => {
            out.extend_from_slice(b"ERROR,");
            out.extend_from_slice(repr(c_str(text)).as_bytes());
        }
        Frame::Simple(text) | Frame::Bulk(text) | Frame::Verbatim { text, .. } => {
            out.extend_from_slice(repr(text).as_bytes())
        }
        Frame::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Frame::Double(value) => out.extend_from_slice(&double_text(*value)),
        Frame::Null | Frame::NullArray => out.extend_from_slice(b"NULL"),
        Frame::Boolean(value) => out.extend_from_slice(if *value { b"true" } else { b"false" }),
        Frame::BigNumber(_) => return Err(Unprintable(BIGNUM_TYPE)),
        _ => {
            let items = elements(frame).unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv(item, out)?;
            }
        }
    }
    Ok(())
}

/// A JSON string: escaped as RFC 7159 asks with raw bytes kept, or (`quoted`) as redis-cli's
/// `"\xHH"` quoting with every backslash doubled.
fn json_string(bytes: &[u8], quoted: bool, out: &mut Vec<u8>) {
    if quoted {
        for &byte in repr(bytes).as_bytes() {
            if byte == b'\\' {
                out.extend_from_slice(b"\\\\");
            } else {
                out.push(byte);
            }
        }
        return;
    }
    out.push(b'"');
    for &byte in bytes {
        match byte {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', byte]),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0..=0x1f => out.extend_from_slice(format!("\\u{byte:04x}").as_bytes()),
            _ => out.push(byte),
        }
    }
    out.push(b'"');
}

/// JSON output.
pub fn json(frame: &Frame, quoted: bool, out: &mut Vec<u8>) -> Result {
    match frame {
        Frame::Error(text) => {
            out.extend_from_slice(b"error:");
            json_string(c_str(text), quoted, out);
        }
        Frame::Simple(text) | Frame::Bulk(text) | Frame::Verbatim { text, .. } => {
            json_string(text, quoted, out)
        }
        Frame::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Frame::Double(value) => out.extend_from_slice(&double_text(*value)),
        Frame::Null | Frame::NullArray => out.extend_from_slice(b"null"),
        Frame::Boolean(value) => out.extend_from_slice(if *value { b"true" } else { b"false" }),
        Frame::BigNumber(_) => return Err(Unprintable(BIGNUM_TYPE)),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json(item, quoted, out)?;
            }
            out.push(b']');
        }
        Frame::Map(pairs) | Frame::Attribute(pairs) => {
            out.push(b'{');
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let stringy = matches!(
                    key,
                    Frame::Error(_) | Frame::Simple(_) | Frame::Bulk(_) | Frame::Verbatim { .. }
                );
                if stringy {
                    json(key, quoted, out)?;
                } else {
                    // JSON keys are strings: other types are formatted, then quoted unless
                    // the result already starts with a quote.
                    let mut text = Vec::new();
                    json(key, quoted, &mut text)?;
                    if text.first() == Some(&b'"') {
                        out.extend_from_slice(&text);
                    } else {
                        out.push(b'"');
                        out.extend_from_slice(&text);
                        out.push(b'"');
                    }
                }
                out.push(b':');
                json(value, quoted, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// RESP3 `invalidate` pushes on a terminal: `-> invalidate: 'k1', 'k2'`.
pub fn invalidate_tty(frame: &Frame) -> Option<Vec<u8>> {
    let Frame::Push(items) = frame else {
        return None;
    };
    let [Frame::Bulk(kind) | Frame::Simple(kind), Frame::Array(keys)] = items.as_slice() else {
        return None;
    };
    if !kind.starts_with(b"invalidate") {
        return None;
    }
    let mut out = b"-> invalidate: ".to_vec();
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.push(b'\'');
        out.extend_from_slice(c_str(key.as_bytes().unwrap_or_default()));
        out.push(b'\'');
    }
    out.push(b'\n');
    Some(out)
}

#[cfg(test)]
mod tests;
