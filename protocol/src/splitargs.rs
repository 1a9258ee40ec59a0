//! Splitting a line into arguments and quoting bytes, with Redis's `sdssplitargs` and
//! `sdscatrepr` rules.
//!
//! Inline commands, configuration files and redis-cli all split lines this way, and several
//! replies and log lines quote bytes this way. This module owns both rules, and the in-place
//! splitter the request parser uses for inline commands. It does not know what the arguments
//! mean, nor where lines end in a stream (the request parser decides that).

/// Splits a line as Redis's `sdssplitargs` does; `None` means unbalanced quotes.
///
/// Arguments are separated by blanks. Inside double quotes, `\xHH` gives a byte and `\n`, `\r`,
/// `\t`, `\b`, `\a` the usual control bytes, while a backslash before any other byte yields that
/// byte. Inside single quotes only `\'` is an escape. A quote may open in the middle of an
/// argument, but a closing quote must be followed by a blank or the end of the line. As in C,
/// a NUL byte ends the line.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut scratch = line.to_vec();
    let mut spans = Vec::new();
    if !split_in_place(&mut scratch, &mut spans, 0) {
        return None;
    }
    let args = spans
        .iter()
        .map(|&(start, end)| scratch.get(start..end).unwrap_or(&[]).to_vec())
        .collect();
    Some(args)
}

/// Quotes bytes as Redis's `sdscatrepr` does: within double quotes, `\` and `"` are escaped
/// with a backslash, `\n` `\r` `\t` `\a` `\b` by name, other bytes outside printable ASCII as
/// `\xHH` with lowercase hex digits.
pub fn repr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().saturating_add(2).min(4096));
    out.push('"');
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\x");
                out.push(char::from(
                    HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'),
                ));
                out.push(char::from(
                    HEX.get(usize::from(byte & 15)).copied().unwrap_or(b'0'),
                ));
            }
        }
    }
    out.push('"');
    out
}

/// C's `isspace` in the "C" locale: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Splits `line` in place, pushing each argument's `(start, end)` plus `offset` onto `spans`.
/// Returns false on unbalanced quotes (the line's bytes are then partly rewritten, and `spans`
/// may hold some arguments: the caller discards both).
///
/// Unescaping never makes an argument longer than the text it came from, so each unescaped byte
/// is written at or before the position it was read from, and bytes still to be read (including
/// the lookahead past a backslash) are never overwritten.
pub(crate) fn split_in_place(
    line: &mut [u8],
    spans: &mut Vec<(usize, usize)>,
    offset: usize,
) -> bool {
    let mut splitter = Splitter {
        line,
        read: 0,
        write: 0,
    };
    loop {
        while is_c_space(splitter.at(0)) {
            splitter.read += 1;
        }
        if splitter.at(0) == 0 {
            return true;
        }
        let start = splitter.write;
        if !splitter.token() {
            return false;
        }
        spans.push((offset + start, offset + splitter.write));
    }
}

/// Read and write cursors over a line being unescaped in place.
struct Splitter<'a> {
    line: &'a mut [u8],
    read: usize,
    write: usize,
}

impl Splitter<'_> {
    /// The byte `ahead` positions after the read cursor; the end of the line reads as NUL, the
    /// terminator C code sees there.
    fn at(&self, ahead: usize) -> u8 {
        self.line.get(self.read + ahead).copied().unwrap_or(0)
    }

    fn emit(&mut self, byte: u8) {
        if let Some(slot) = self.line.get_mut(self.write) {
            *slot = byte;
            self.write += 1;
        }
    }

    /// Whether a closing quote at the read cursor is followed by a blank or the end.
    fn quote_may_close(&self) -> bool {
        let next = self.at(1);
        next == 0 || is_c_space(next)
    }

    /// Reads one argument starting at the read cursor. False on unbalanced quotes.
    fn token(&mut self) -> bool {
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let byte = self.at(0);
            let mut done = false;
            if in_double {
                let hex = (hex_value(self.at(2)), hex_value(self.at(3)));
                if let (b'\\', b'x', (Some(high), Some(low))) = (byte, self.at(1), hex) {
                    self.emit(high * 16 + low);
                    self.read += 3;
                } else if byte == b'\\' && self.at(1) != 0 {
                    self.read += 1;
                    let escaped = match self.at(0) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    };
                    self.emit(escaped);
                } else if byte == b'"' {
                    if !self.quote_may_close() {
                        return false;
                    }
                    done = true;
                } else if byte == 0 {
                    return false;
                } else {
                    self.emit(byte);
                }
            } else if in_single {
                if byte == b'\\' && self.at(1) == b'\'' {
                    self.read += 1;
                    self.emit(b'\'');
                } else if byte == b'\'' {
                    if !self.quote_may_close() {
                        return false;
                    }
                    done = true;
                } else if byte == 0 {
                    return false;
                } else {
                    self.emit(byte);
                }
            } else {
                // Only these end an unquoted argument: `\v` and `\f` are skipped between
                // arguments but kept inside one, as Redis does.
                match byte {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => self.emit(other),
                }
            }
            // The byte under the cursor has been used (an escape has moved the cursor onto its
            // last byte); step past it unless it is the terminator.
            if self.at(0) != 0 {
                self.read += 1;
            }
            if done {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests;
