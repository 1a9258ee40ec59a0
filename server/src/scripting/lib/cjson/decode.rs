//! `cjson.decode`: a tokenizer and an iterative parser with lua-cjson's leniency
//! (numbers as `strtod` reads them, so hex, `inf` and `nan` pass when
//! `decode_invalid_numbers` is on) and its exact error texts and character positions.
//! The input behaves like a C string: a NUL byte ends it.
//!
//! Open tables are kept by `OpenTables`, which holds only the innermost in Rust.

use mlua::{Lua, Value};

use super::Config;
use super::number::strtod;
use crate::scripting::lib::lua_api::{LibResult, MAX_C_STACK, OpenTables, raise};

/// One token. Errors carry their description and stop the parse.
enum Token {
    ObjectBegin,
    ObjectEnd,
    ArrayBegin,
    ArrayEnd,
    Str(Vec<u8>),
    Number(f64),
    Boolean(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Token {
    /// How an unexpected token is named in messages.
    fn describe(&self) -> &'static str {
        match self {
            Token::ObjectBegin => "T_OBJ_BEGIN",
            Token::ObjectEnd => "T_OBJ_END",
            Token::ArrayBegin => "T_ARR_BEGIN",
            Token::ArrayEnd => "T_ARR_END",
            Token::Str(_) => "T_STRING",
            Token::Number(_) => "T_NUMBER",
            Token::Boolean(_) => "T_BOOLEAN",
            Token::Null => "T_NULL",
            Token::Colon => "T_COLON",
            Token::Comma => "T_COMMA",
            Token::End => "T_END",
            Token::Error(what) => what,
        }
    }
}

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    decode_invalid_numbers: bool,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    fn starts_with(&self, word: &[u8]) -> bool {
        self.data
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word))
    }

    /// The next token and the offset where it starts (errors: where they were found).
    fn next(&mut self) -> (Token, usize) {
        while matches!(self.at(self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let start = self.pos;
        let single = match self.at(start) {
            b'{' => Some(Token::ObjectBegin),
            b'}' => Some(Token::ObjectEnd),
            b'[' => Some(Token::ArrayBegin),
            b']' => Some(Token::ArrayEnd),
            b',' => Some(Token::Comma),
            b':' => Some(Token::Colon),
            0 => return (Token::End, start),
            _ => None,
        };
        if let Some(token) = single {
            self.pos += 1;
            return (token, start);
        }
        let c = self.at(start);
        if c == b'"' {
            return self.string();
        }
        if c == b'-' || c.is_ascii_digit() {
            if !self.decode_invalid_numbers && self.is_invalid_number() {
                return (Token::Error("invalid number"), start);
            }
            return self.number();
        }
        if self.starts_with(b"true") {
            self.pos += 4;
            return (Token::Boolean(true), start);
        }
        if self.starts_with(b"false") {
            self.pos += 5;
            return (Token::Boolean(false), start);
        }
        if self.starts_with(b"null") {
            self.pos += 4;
            return (Token::Null, start);
        }
        // Only lua-cjson's "T_UNKNOWN" characters may start an invalid number.
        if matches!(c, b'i' | b'I' | b'n' | b'N' | b'+')
            && self.decode_invalid_numbers
            && self.is_invalid_number()
        {
            return self.number();
        }
        (Token::Error("invalid token"), start)
    }

    /// Numbers strict JSON forbids: a leading '+', hex, leading zeros, inf, nan.
    fn is_invalid_number(&self) -> bool {
        let mut p = self.pos;
        if self.at(p) == b'+' {
            return true;
        }
        if self.at(p) == b'-' {
            p += 1;
        }
        let c = self.at(p);
        if c == b'0' {
            let next = self.at(p + 1);
            return next | 0x20 == b'x' || next.is_ascii_digit();
        }
        if c <= b'9' {
            return false;
        }
        let word = |w: &[u8]| {
            w.iter()
                .enumerate()
                .all(|(k, c)| self.at(p + k).eq_ignore_ascii_case(c))
        };
        word(b"inf") || word(b"nan")
    }

    fn number(&mut self) -> (Token, usize) {
        let start = self.pos;
        match strtod(self.data, start) {
            Some((value, end)) => {
                self.pos = end;
                (Token::Number(value), start)
            }
            None => (Token::Error("invalid number"), start),
        }
    }

    fn string(&mut self) -> (Token, usize) {
        let start = self.pos;
        self.pos += 1;
        let mut text = Vec::new();
        loop {
            let c = self.at(self.pos);
            match c {
                b'"' => break,
                0 => return (Token::Error("unexpected end of string"), self.pos),
                b'\\' => {
                    let translated = match self.at(self.pos + 1) {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b't' => b'\t',
                        b'n' => b'\n',
                        b'f' => 0x0c,
                        b'r' => b'\r',
                        b'u' => {
                            if !self.unicode_escape(&mut text) {
                                return (Token::Error("invalid unicode escape code"), self.pos);
                            }
                            continue;
                        }
                        _ => return (Token::Error("invalid escape code"), self.pos),
                    };
                    text.push(translated);
                    self.pos += 2;
                }
                _ => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        (Token::Str(text), start)
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        (0..4).try_fold(0u32, |acc, k| {
            Some((acc << 4) | (self.at(at + k) as char).to_digit(16)?)
        })
    }

    /// A `\uXXXX` escape (two for a surrogate pair) as UTF-8; false when malformed.
    fn unicode_escape(&mut self, out: &mut Vec<u8>) -> bool {
        let Some(mut codepoint) = self.hex4(self.pos + 2) else {
            return false;
        };
        let mut length = 6;
        if codepoint & 0xF800 == 0xD800 {
            if codepoint & 0x400 != 0 {
                return false;
            }
            if self.at(self.pos + 6) != b'\\' || self.at(self.pos + 7) != b'u' {
                return false;
            }
            let Some(low) = self.hex4(self.pos + 8) else {
                return false;
            };
            if low & 0xFC00 != 0xDC00 {
                return false;
            }
            codepoint = (((codepoint & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            length = 12;
        }
        // Every code point here is below 0x110000, so `char` conversion only fails for
        // the unpaired surrogates excluded above.
        let mut buf = [0u8; 4];
        let encoded = match char::from_u32(codepoint) {
            Some(ch) => ch.encode_utf8(&mut buf).as_bytes(),
            None => return false,
        };
        out.extend_from_slice(encoded);
        self.pos += length;
        true
    }
}

/// A table being filled (the table itself is in `OpenTables`).
enum Frame {
    Array { next_index: i64 },
    Object,
}

impl Frame {
    /// Lua stack slots the original holds for this level: the table, plus the key
    /// while an object's value is parsed.
    fn slots(&self) -> usize {
        match self {
            Frame::Array { .. } => 1,
            Frame::Object => 2,
        }
    }
}

fn expected<T>(what: &str, token: &Token, position: usize) -> LibResult<T> {
    raise(format!(
        "Expected {what} but found {} at character {}",
        token.describe(),
        position + 1
    ))
}

/// Decodes `data` with the settings in `config`.
pub(super) fn decode(lua: &Lua, config: &Config, data: &[u8]) -> LibResult<Value> {
    if data.len() >= 2 && (data.first() == Some(&0) || data.get(1) == Some(&0)) {
        return raise("JSON parser does not support UTF-16 or UTF-32");
    }
    let mut lexer = Lexer {
        data,
        pos: 0,
        decode_invalid_numbers: config.decode_invalid_numbers,
    };
    let mut frames: Vec<Frame> = Vec::new();
    let mut open = OpenTables::new(lua);
    // The argument itself occupies one slot.
    let mut slots: usize = 1;
    let mut next = lexer.next();
    loop {
        let (token, position) = next;
        let mut value = match token {
            Token::Str(text) => Value::String(lua.create_string(&text)?),
            Token::Number(n) => Value::Number(n),
            Token::Boolean(b) => Value::Boolean(b),
            Token::Null => Value::NULL,
            Token::ArrayBegin | Token::ObjectBegin => {
                let is_array = matches!(token, Token::ArrayBegin);
                let depth = frames.len() + 1;
                let needed = if is_array { 2 } else { 3 };
                if depth > config.decode_max_depth_usize() || slots + needed > MAX_C_STACK {
                    return raise(format!(
                        "Found too many nested data structures ({depth}) at character {}",
                        lexer.pos
                    ));
                }
                let table = lua.create_table()?;
                let (after, after_position) = lexer.next();
                let closes = if is_array {
                    matches!(after, Token::ArrayEnd)
                } else {
                    matches!(after, Token::ObjectEnd)
                };
                if closes {
                    Value::Table(table)
                } else {
                    let frame = if is_array {
                        open.push(depth, table, None)?;
                        next = (after, after_position);
                        Frame::Array { next_index: 1 }
                    } else {
                        let key = object_key(lua, &mut lexer, after, after_position)?;
                        open.push(depth, table, Some(Value::String(key)))?;
                        next = lexer.next();
                        Frame::Object
                    };
                    slots += frame.slots();
                    frames.push(frame);
                    continue;
                }
            }
            other => return expected("value", &other, position),
        };
        // Store the value, then close every container it completes.
        loop {
            let depth = frames.len();
            let Some(frame) = frames.last_mut() else {
                let (after, after_position) = lexer.next();
                if !matches!(after, Token::End) {
                    return expected("the end", &after, after_position);
                }
                return Ok(value);
            };
            match frame {
                Frame::Array { next_index } => {
                    open.table()?.raw_set(*next_index, value)?;
                    *next_index += 1;
                    match lexer.next() {
                        (Token::ArrayEnd, _) => {}
                        (Token::Comma, _) => {
                            next = lexer.next();
                            break;
                        }
                        (other, at) => return expected("comma or array end", &other, at),
                    }
                }
                Frame::Object => {
                    let key = open.take_key().unwrap_or(Value::Nil);
                    open.table()?.raw_set(key, value)?;
                    match lexer.next() {
                        (Token::ObjectEnd, _) => {}
                        (Token::Comma, _) => {
                            let (after, at) = lexer.next();
                            let key = object_key(lua, &mut lexer, after, at)?;
                            open.set_key(Value::String(key));
                            next = lexer.next();
                            break;
                        }
                        (other, at) => return expected("comma or object end", &other, at),
                    }
                }
            }
            value = Value::Table(open.pop(depth)?);
            if let Some(done) = frames.pop() {
                slots -= done.slots();
            }
        }
    }
}

/// An object member's key and the colon after it.
fn object_key(
    lua: &Lua,
    lexer: &mut Lexer,
    token: Token,
    position: usize,
) -> LibResult<mlua::LuaString> {
    let Token::Str(text) = token else {
        return expected("object key string", &token, position);
    };
    let key = lua.create_string(&text)?;
    match lexer.next() {
        (Token::Colon, _) => Ok(key),
        (other, at) => expected("colon", &other, at),
    }
}
