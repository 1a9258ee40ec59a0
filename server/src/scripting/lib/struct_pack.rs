//! `struct`: Roberto Ierusalimschy's struct library (1.7) as Redis bundles it:
//! `pack`, `unpack` and `size` over a format language of endianness marks (`<` `>`),
//! an alignment (`!n`), padding (`x`), integers (`b B h H l L T i[n] I[n]`, up to 32
//! bytes), floats (`f d`), fixed or counted strings (`c[n]`, `c0`) and zero-terminated
//! strings (`s`). Sizes and byte order are those of x86-64 Linux, where Redis runs:
//! little endian, 8-byte `long` and `size_t`, 4-byte `int`, doubles aligned on 8.
//!
//! Integers are C `long` underneath: wider fields are zero-filled when packing and
//! keep only their low 64 bits when unpacking, as in the original.

use mlua::{Lua, MultiValue, Table, Value};

use super::lua_api::{
    Installer, LibResult, MAX_C_STACK, Results, arg_error, c_double_to_i64, c_double_to_u64,
    check_bytes, check_number, opt_integer, raise, to_number,
};

/// The widest integer field.
const MAX_INT_SIZE: usize = 32;
/// The default for `!` without a number: the alignment of a double.
const MAX_ALIGN: i32 = 8;

/// The `struct` table.
pub(super) fn module(lua: &Lua, installer: &Installer) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    installer.install(lua, &table, "pack", pack)?;
    installer.install(lua, &table, "unpack", unpack)?;
    installer.install(lua, &table, "size", size)?;
    Ok(table)
}

#[derive(Clone, Copy, PartialEq)]
enum Endian {
    Big,
    Little,
}

/// The state a format string sets as it goes.
struct Header {
    endian: Endian,
    align: usize,
}

impl Header {
    fn new() -> Self {
        Header {
            endian: Endian::Little,
            align: 1,
        }
    }
}

/// A format string being read: C stops at its first NUL byte.
struct Format<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Format<'a> {
    fn new(raw: &'a [u8]) -> Self {
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        Format {
            bytes: raw.get(..end).unwrap_or_default(),
            pos: 0,
        }
    }

    fn next_option(&mut self) -> Option<u8> {
        let opt = self.bytes.get(self.pos).copied()?;
        self.pos += 1;
        Some(opt)
    }

    /// The decimal number at the cursor, or `default` when there is none.
    fn number(&mut self, default: i32) -> LibResult<i32> {
        let mut value: i32 = 0;
        let mut seen = false;
        while let Some(digit) = self.bytes.get(self.pos).filter(|b| b.is_ascii_digit()) {
            let digit = i32::from(digit - b'0');
            value = match value.checked_mul(10).and_then(|v| v.checked_add(digit)) {
                Some(v) => v,
                None => return raise("integral size overflow"),
            };
            seen = true;
            self.pos += 1;
        }
        Ok(if seen { value } else { default })
    }
}

/// The size of option `opt`, reading its count if it takes one; 0 for options that
/// need no room or alignment.
fn option_size(opt: u8, format: &mut Format) -> LibResult<usize> {
    Ok(match opt {
        b'B' | b'b' | b'x' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'c' => usize::try_from(format.number(1)?).unwrap_or(0),
        b'i' | b'I' => {
            let size = format.number(4)?;
            if usize::try_from(size).is_ok_and(|s| s > MAX_INT_SIZE) {
                return raise(format!(
                    "integral size {size} is larger than limit of {MAX_INT_SIZE}"
                ));
            }
            usize::try_from(size).unwrap_or(0)
        }
        _ => 0,
    })
}

/// Padding needed before an item of `size` bytes at offset `len`, alignment capped by
/// the header. Sizes that are not powers of two give the original's odd results too.
fn padding(len: usize, header: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(header.align);
    let mask = size.wrapping_sub(1);
    size.wrapping_sub(len & mask) & mask
}

/// The options that only change the header (and the error for unknown ones).
fn control_option(lua: &Lua, opt: u8, format: &mut Format, header: &mut Header) -> LibResult<()> {
    match opt {
        b' ' => {}
        b'>' => header.endian = Endian::Big,
        b'<' => header.endian = Endian::Little,
        b'!' => {
            let align = format.number(MAX_ALIGN)?;
            if align <= 0 || align & (align - 1) != 0 {
                return raise(format!("alignment {align} is not a power of 2"));
            }
            header.align = usize::try_from(align).unwrap_or(1);
        }
        _ => {
            let shown = String::from_utf8_lossy(&[opt]).into_owned();
            return arg_error(lua, 1, &format!("invalid format option '{shown}'"));
        }
    }
    Ok(())
}

fn pack(lua: &Lua, args: MultiValue) -> LibResult<MultiValue> {
    let mut args: Vec<Value> = args.into_iter().collect();
    let format_text = check_bytes(lua, &args, 1)?;
    // The original pushes a nil after its arguments, so the first missing one reads
    // as nil rather than "no value".
    args.push(Value::Nil);
    let format_bytes = format_text.as_bytes();
    let mut format = Format::new(&format_bytes);
    let mut header = Header::new();
    let mut narg = 2;
    let mut out: Vec<u8> = Vec::new();
    while let Some(opt) = format.next_option() {
        let mut size = option_size(opt, &mut format)?;
        out.resize(out.len() + padding(out.len(), &header, opt, size), 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let number = check_number(lua, &args, narg)?;
                narg += 1;
                let value = if number < 0.0 {
                    c_double_to_i64(number) as u64
                } else {
                    c_double_to_u64(number)
                };
                put_integer(&mut out, value, header.endian, size);
            }
            b'x' => out.push(0),
            b'f' => {
                let number = check_number(lua, &args, narg)? as f32;
                narg += 1;
                out.extend(match header.endian {
                    Endian::Little => number.to_le_bytes(),
                    Endian::Big => number.to_be_bytes(),
                });
            }
            b'd' => {
                let number = check_number(lua, &args, narg)?;
                narg += 1;
                out.extend(match header.endian {
                    Endian::Little => number.to_le_bytes(),
                    Endian::Big => number.to_be_bytes(),
                });
            }
            b'c' | b's' => {
                let text = check_bytes(lua, &args, narg)?;
                narg += 1;
                let text = text.as_bytes();
                if size == 0 {
                    size = text.len();
                }
                // The original reports the argument after the string.
                let Some(head) = text.get(..size) else {
                    return arg_error(lua, narg, "string too short");
                };
                out.extend_from_slice(head);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => control_option(lua, opt, &mut format, &mut header)?,
        }
    }
    Ok(MultiValue::from_iter([Value::String(
        lua.create_string(&out)?,
    )]))
}

/// Writes the low `size` bytes of `value` (zeros beyond its 8 bytes).
fn put_integer(out: &mut Vec<u8>, value: u64, endian: Endian, size: usize) {
    let byte_at = |i: usize| -> u8 {
        u32::try_from(i * 8)
            .ok()
            .and_then(|shift| value.checked_shr(shift))
            .map_or(0, |v| v as u8)
    };
    match endian {
        Endian::Little => out.extend((0..size).map(byte_at)),
        Endian::Big => out.extend((0..size).rev().map(byte_at)),
    }
}

/// Reads a `size`-byte integer; like the original, a sign bit beyond 64 bits is
/// looked for where x86's shift-count masking puts it.
fn get_integer(bytes: &[u8], endian: Endian, signed: bool) -> f64 {
    let mut value: u64 = 0;
    let mut take = |b: &u8| value = (value << 8) | u64::from(*b);
    match endian {
        Endian::Big => bytes.iter().for_each(&mut take),
        Endian::Little => bytes.iter().rev().for_each(&mut take),
    }
    if !signed {
        return value as f64;
    }
    let size = u32::try_from(bytes.len()).unwrap_or(0);
    let mask = u64::MAX.wrapping_shl(size.wrapping_mul(8).wrapping_sub(1));
    if value & mask != 0 {
        value |= mask;
    }
    value as i64 as f64
}

fn unpack(lua: &Lua, args: MultiValue) -> LibResult<MultiValue> {
    let args: Vec<Value> = args.into_iter().collect();
    let format_text = check_bytes(lua, &args, 1)?;
    let data = check_bytes(lua, &args, 2)?;
    let data = data.as_bytes();
    let start = opt_integer(lua, &args, 3, 1)? as u64 as usize;
    if start == 0 {
        return arg_error(lua, 3, "offset must be 1 or greater");
    }
    let mut pos = start - 1;
    let format_bytes = format_text.as_bytes();
    let mut format = Format::new(&format_bytes);
    let mut header = Header::new();
    let mut results = Results::new(lua)?;
    while let Some(opt) = format.next_option() {
        let mut size = option_size(opt, &mut format)?;
        pos = pos.wrapping_add(padding(pos, &header, opt, size));
        if !fits(data.len(), pos, size) {
            return arg_error(lua, 2, "data string too short");
        }
        // The original checks for two free Lua stack slots per item.
        if args.len() + results.len() + 2 > MAX_C_STACK {
            return raise("stack overflow (too many results)");
        }
        let field = data.get(pos..pos.saturating_add(size)).unwrap_or_default();
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let signed = opt.is_ascii_lowercase();
                results.push(Value::Number(get_integer(field, header.endian, signed)))?;
            }
            b'x' => {}
            b'f' => {
                let raw: [u8; 4] = field.try_into().unwrap_or_default();
                let number = match header.endian {
                    Endian::Little => f32::from_le_bytes(raw),
                    Endian::Big => f32::from_be_bytes(raw),
                };
                results.push(Value::Number(f64::from(number)))?;
            }
            b'd' => {
                let raw: [u8; 8] = field.try_into().unwrap_or_default();
                let number = match header.endian {
                    Endian::Little => f64::from_le_bytes(raw),
                    Endian::Big => f64::from_be_bytes(raw),
                };
                results.push(Value::Number(number))?;
            }
            b'c' => {
                if size == 0 {
                    // 'c0' takes its length from the previous result, which it replaces.
                    let length = match results.len() {
                        0 => None,
                        _ => to_number(lua, Some(&results.last()?))?,
                    };
                    let Some(length) = length else {
                        return raise("format 'c0' needs a previous size");
                    };
                    results.pop()?;
                    size = c_double_to_u64(length) as usize;
                    if !fits(data.len(), pos, size) {
                        return arg_error(lua, 2, "data string too short");
                    }
                }
                let text = data.get(pos..pos.saturating_add(size)).unwrap_or_default();
                results.push(Value::String(lua.create_string(text)?))?;
            }
            b's' => {
                let rest = data.get(pos..).unwrap_or_default();
                let Some(nul) = rest.iter().position(|&b| b == 0) else {
                    return raise("unfinished string in data");
                };
                let text = rest.get(..nul).unwrap_or_default();
                results.push(Value::String(lua.create_string(text)?))?;
                size = nul + 1;
            }
            _ => control_option(lua, opt, &mut format, &mut header)?,
        }
        pos = pos.wrapping_add(size);
    }
    results.push(Value::Number(pos.wrapping_add(1) as i64 as f64))?;
    results.into_reply()
}

/// Whether `size` bytes at `pos` lie inside `len` bytes.
fn fits(len: usize, pos: usize, size: usize) -> bool {
    size <= len && pos <= len - size
}

fn size(lua: &Lua, args: MultiValue) -> LibResult<MultiValue> {
    let args: Vec<Value> = args.into_iter().collect();
    let format_text = check_bytes(lua, &args, 1)?;
    let format_bytes = format_text.as_bytes();
    let mut format = Format::new(&format_bytes);
    let mut header = Header::new();
    let mut pos: usize = 0;
    while let Some(opt) = format.next_option() {
        let size = option_size(opt, &mut format)?;
        pos = pos.wrapping_add(padding(pos, &header, opt, size));
        if opt == b's' {
            return arg_error(lua, 1, "option 's' has no fixed size");
        }
        if opt == b'c' && size == 0 {
            return arg_error(lua, 1, "option 'c0' has no fixed size");
        }
        // Letters and digits the library does not know are skipped, not rejected.
        if !opt.is_ascii_alphanumeric() {
            control_option(lua, opt, &mut format, &mut header)?;
        }
        pos = pos.wrapping_add(size);
    }
    Ok(MultiValue::from_iter([Value::Number(pos as i64 as f64)]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error_of, eval, hex_of, lua};

    #[test]
    fn pack_matches_redis() {
        let lua = lua();
        // Expected bytes read from redis-server 7.0.15 (hex of the same EVAL).
        let cases: &[(&str, &str)] = &[
            ("struct.pack('>i', 1)", "00000001"),
            ("struct.pack('<i', -2)", "feffffff"),
            ("struct.pack('bBhH', -1, 255, -2, 65535)", "ffff feffffff"),
            ("struct.pack('!4 b i', 1, 2)", "01000000 02000000"),
            (
                "struct.pack('!b d', 1, 1.5)",
                "0100000000000000 000000000000f83f",
            ),
            ("struct.pack('>d', 0.1)", "3fb999999999999a"),
            ("struct.pack('>f', 0.5)", "3f000000"),
            ("struct.pack('l', -1)", "ffffffffffffffff"),
            (
                "struct.pack('>i16', -1)",
                "0000000000000000ffffffffffffffff",
            ),
            ("struct.pack('i3', 0x123456)", "563412"),
            ("struct.pack('c3', 'abcdef')", "616263"),
            ("struct.pack('c0', 'abcdef')", "616263646566"),
            ("struct.pack('s', 'hi')", "686900"),
            ("struct.pack('x b', 7)", "0007"),
            ("struct.pack('>I', 2^32 + 3)", "00000003"),
            ("struct.pack('>I', 2^64)", "00000000"),
            ("struct.pack('>i', 1.9)", "00000001"),
            ("struct.pack('c', 7)", "37"),
            ("struct.pack('>L', 0/0)", "8000000000000000"),
            ("struct.pack('>L', 2^63)", "8000000000000000"),
            ("struct.pack('>l', -2^63-5000)", "8000000000000000"),
            ("struct.pack('>l', 1e30)", "0000000000000000"),
        ];
        for (expr, expected) in cases {
            let got = hex_of(&lua, &format!("return {expr}"));
            assert_eq!(got, expected.replace(' ', ""), "{expr}");
        }
    }

    #[test]
    fn unpack_and_size_match_redis() {
        let lua = lua();
        let cases: &[(&str, &str)] = &[
            ("struct.unpack('>i', '\\0\\0\\1\\0')", "256 5"),
            ("struct.unpack('<h', '\\255\\255')", "-1 3"),
            ("struct.unpack('<H', '\\255\\255')", "65535 3"),
            ("struct.unpack('b', 'abc', 2)", "98 3"),
            ("struct.unpack('c2', 'abc')", "ab 3"),
            ("struct.unpack('b c0', '\\3abcd')", "abc 5"),
            ("struct.unpack('c1 c0', '2abc')", "ab 4"),
            ("struct.unpack('s b', 'hi\\0\\7')", "hi 7 5"),
            (
                "struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0')",
                "1 2 9",
            ),
            ("struct.unpack('>d', struct.pack('>d', 0.1))", "0.1 9"),
            ("struct.unpack('<f', struct.pack('<f', 0.5))", "0.5 5"),
            ("struct.unpack('i16', string.rep('\\255', 16))", "-1 17"),
            (
                "struct.unpack('<i9', '\\0\\0\\0\\0\\0\\0\\0\\128\\0')",
                "-128 10",
            ),
            (
                "struct.unpack('<i10', '\\255\\255\\255\\255\\255\\255\\255\\127\\0\\0')",
                "-1 11",
            ),
            ("struct.unpack('i0', 'a')", "0 1"),
            ("struct.unpack('x', 'a')", "2"),
            ("struct.size('!8 b d')", "16"),
            ("struct.size('i i3 c10')", "17"),
            ("struct.size('zq')", "0"),
            ("struct.size('')", "0"),
        ];
        for (expr, expected) in cases {
            let got: String = eval(
                &lua,
                &format!(
                    "local t = {{{expr}}} for i = 1, #t do t[i] = tostring(t[i]) end \
                     return table.concat(t, ' ')"
                ),
            );
            assert_eq!(&got, expected, "{expr}");
        }
    }

    #[test]
    fn errors_match_redis() {
        let lua = lua();
        let cases: &[(&str, &str)] = &[
            (
                "struct.pack('z')",
                "bad argument #1 to 'pack' (invalid format option 'z')",
            ),
            (
                "struct.pack('i')",
                "bad argument #2 to 'pack' (number expected, got nil)",
            ),
            (
                "struct.pack('ii', 1)",
                "bad argument #3 to 'pack' (number expected, got nil)",
            ),
            (
                "struct.pack('iii', 1)",
                "bad argument #3 to 'pack' (number expected, got nil)",
            ),
            (
                "struct.pack('c')",
                "bad argument #2 to 'pack' (string expected, got nil)",
            ),
            (
                "struct.pack('c5', 'ab')",
                "bad argument #3 to 'pack' (string too short)",
            ),
            (
                "struct.pack('i33', 1)",
                "integral size 33 is larger than limit of 32",
            ),
            ("struct.pack('!3 i', 1)", "alignment 3 is not a power of 2"),
            ("struct.pack('!0 i', 1)", "alignment 0 is not a power of 2"),
            ("struct.pack('c99999999999', 'a')", "integral size overflow"),
            (
                "struct.pack()",
                "bad argument #1 to 'pack' (string expected, got no value)",
            ),
            (
                "struct.unpack('i', 'abc')",
                "bad argument #2 to 'unpack' (data string too short)",
            ),
            (
                "struct.unpack('i', 'abcd', 0)",
                "bad argument #3 to 'unpack' (offset must be 1 or greater)",
            ),
            (
                "struct.unpack('i', 'abcd', -1)",
                "bad argument #2 to 'unpack' (data string too short)",
            ),
            (
                "struct.unpack('c0', 'abc')",
                "format 'c0' needs a previous size",
            ),
            (
                "struct.unpack('c1 c0', 'xabc')",
                "format 'c0' needs a previous size",
            ),
            (
                "struct.unpack('b c0', '\\9abc')",
                "bad argument #2 to 'unpack' (data string too short)",
            ),
            ("struct.unpack('s', 'abc')", "unfinished string in data"),
            (
                "struct.unpack('y', 'abc')",
                "bad argument #1 to 'unpack' (invalid format option 'y')",
            ),
            (
                "struct.size('s')",
                "bad argument #1 to 'size' (option 's' has no fixed size)",
            ),
            (
                "struct.size('c0')",
                "bad argument #1 to 'size' (option 'c0' has no fixed size)",
            ),
            (
                "struct.size('?')",
                "bad argument #1 to 'size' (invalid format option '?')",
            ),
        ];
        for (code, expected) in cases {
            assert_eq!(
                error_of(&lua, code),
                format!("user_script:1: {expected}"),
                "{code}"
            );
        }
    }

    #[test]
    fn too_many_results_is_an_error() {
        let lua = lua();
        let message = error_of(
            &lua,
            "struct.unpack(string.rep('b', 9000), string.rep('a', 9000))",
        );
        assert_eq!(message, "user_script:1: stack overflow (too many results)");
        let count: usize = eval(
            &lua,
            "return select('#', struct.unpack(string.rep('b', 7000), string.rep('a', 7000)))",
        );
        assert_eq!(count, 7001);
        let count: usize = eval(
            &lua,
            "return select('#', struct.unpack(string.rep('c1', 7997), string.rep('a', 9000)))",
        );
        assert_eq!(count, 7998);
    }
}
