//! The C library behaviour the checker's output depends on: `strtol`, `dirname`, C
//! strings and `%02x` of a signed `char`.

/// `--truncate-to-timestamp`'s value as Redis reads it: `strtol` must use the whole
/// argument (an empty one is 0) without overflowing.
pub(super) fn parse_timestamp(text: &str) -> Option<i64> {
    let (value, end, overflow) = c_strtol(text.as_bytes());
    let whole = if end == 0 {
        text.is_empty()
    } else {
        end == text.len()
    };
    (whole && !overflow).then_some(value)
}

/// C's `strtol(text, &end, 10)` on a 64-bit system: the value (clamped), where the number
/// ended (0 when there were no digits, as `end` is then the start), and whether it
/// overflowed.
pub(super) fn c_strtol(text: &[u8]) -> (i64, usize, bool) {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut at = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
    let negative = match text.get(at) {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let digits = text
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, 0, false);
    }
    let mut value: i64 = 0;
    let mut overflow = false;
    for &d in text.get(at..at + digits).unwrap_or_default() {
        let digit = i64::from(d - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(digit)
            } else {
                v.checked_add(digit)
            }
        });
        match next {
            Some(next) => value = next,
            None => {
                overflow = true;
                value = if negative { i64::MIN } else { i64::MAX };
                break;
            }
        }
    }
    (value, at + digits, overflow)
}

/// A `char` (signed on Redis's platforms) as C's `%02x` prints it after promotion to int.
pub(super) fn c_char_hex(byte: u8) -> String {
    if byte < 0x80 {
        format!("{byte:02x}")
    } else {
        format!("{:x}", i32::from(byte as i8) as u32)
    }
}

/// Bytes as a C string sees them: up to the first NUL.
pub(super) fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or_default()
}

/// glibc's `dirname`: the path without its last component ("." when there is none).
pub(super) fn c_dirname(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" }.to_string();
    }
    match trimmed.rfind('/') {
        None => ".".to_string(),
        Some(slash) => {
            let dir = trimmed
                .get(..slash)
                .unwrap_or_default()
                .trim_end_matches('/');
            if dir.is_empty() {
                "/".to_string()
            } else {
                dir.to_string()
            }
        }
    }
}
