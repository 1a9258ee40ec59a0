//! RDB strings: integer "special" encodings (8/16/32-bit), LZF-compressed strings, and
//! raw length-prefixed bytes.
//!
//! The writer chooses as Redis does: a canonical integer of at most 11 bytes that fits
//! 32 bits is stored as an integer; otherwise, with compression on, a string longer
//! than 20 bytes is stored LZF-compressed when that saves at least 4 bytes; anything
//! else is stored as it is. The reader accepts every form.

use super::input::{Input, RdbError};
use super::length::{self, ENC_INT8, ENC_INT16, ENC_INT32, ENC_LZF, ENC_MARKER, Prefix};
use crate::number::{format_i64, parse_i64};
use crate::string::IntBuf;

/// Longest text that can be a 32-bit integer ("-2147483648" is 11 bytes).
const MAX_INT_TEXT: usize = 11;

/// Strings this short never compress usefully, so no attempt is made.
const MIN_COMPRESS_LEN: usize = 20;

/// Compression must save at least this many bytes to be kept.
const MIN_COMPRESS_SAVING: usize = 4;

/// The most an LZF stream can expand: a 3-byte back-reference yields at most 264
/// bytes. A declared raw length beyond this ratio is corrupt and is refused before any
/// allocation is made for it.
const MAX_LZF_RATIO: usize = 88;

/// Appends `bytes` as an RDB string.
pub fn write_string(out: &mut Vec<u8>, bytes: &[u8], compress: bool) {
    if bytes.len() <= MAX_INT_TEXT
        && let Some(value) = parse_i64(bytes)
        && write_int_encoded(out, value)
    {
        return;
    }
    if compress && bytes.len() > MIN_COMPRESS_LEN && write_lzf(out, bytes) {
        return;
    }
    length::write_len(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends an integer as an RDB string, in a special encoding when it fits 32 bits.
pub fn write_int_string(out: &mut Vec<u8>, value: i64) {
    if !write_int_encoded(out, value) {
        let mut buf: IntBuf = [0; 20];
        let text = format_i64(value, &mut buf);
        length::write_len(out, text.len() as u64);
        out.extend_from_slice(text);
    }
}

/// The 8/16/32-bit special encodings (little-endian); false when `value` is wider.
fn write_int_encoded(out: &mut Vec<u8>, value: i64) -> bool {
    if let Ok(v) = i8::try_from(value) {
        out.push(ENC_MARKER | ENC_INT8);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i16::try_from(value) {
        out.push(ENC_MARKER | ENC_INT16);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(value) {
        out.push(ENC_MARKER | ENC_INT32);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// The LZF form: marker, compressed length, raw length, compressed bytes. False when
/// compression does not save enough.
fn write_lzf(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let budget = bytes.len() - MIN_COMPRESS_SAVING;
    let mut compressed = Vec::new();
    if !crate::lzf::compress_into(bytes, &mut compressed, budget) {
        return false;
    }
    out.push(ENC_MARKER | ENC_LZF);
    length::write_len(out, compressed.len() as u64);
    length::write_len(out, bytes.len() as u64);
    out.extend_from_slice(&compressed);
    true
}

/// Reads an RDB string in any of its forms; integers come back as decimal text.
pub fn read_string(input: &mut Input<'_>) -> Result<Vec<u8>, RdbError> {
    match length::read_prefix(input)? {
        Prefix::Len(len) => {
            let len = input.check_count(len, 1)?;
            Ok(input.take(len)?.to_vec())
        }
        Prefix::Special(kind) => {
            let value = match kind {
                ENC_INT8 => i64::from(i8::from_le_bytes(input.array()?)),
                ENC_INT16 => i64::from(i16::from_le_bytes(input.array()?)),
                ENC_INT32 => i64::from(i32::from_le_bytes(input.array()?)),
                ENC_LZF => return read_lzf(input),
                _ => return Err(RdbError::Corrupt("unknown string encoding")),
            };
            let mut buf: IntBuf = [0; 20];
            Ok(format_i64(value, &mut buf).to_vec())
        }
    }
}

fn read_lzf(input: &mut Input<'_>) -> Result<Vec<u8>, RdbError> {
    let compressed_len = length::read_len(input)?;
    let raw_len = length::read_len(input)?;
    let compressed_len = input.check_count(compressed_len, 1)?;
    let raw_len = usize::try_from(raw_len).map_err(|_| RdbError::Corrupt("LZF length"))?;
    if raw_len > compressed_len.saturating_mul(MAX_LZF_RATIO) {
        return Err(RdbError::Corrupt(
            "LZF raw length exceeds what its data can hold",
        ));
    }
    let compressed = input.take(compressed_len)?;
    if raw_len == 0 {
        return Err(RdbError::Corrupt("invalid LZF compressed string"));
    }
    lzf_rust::decompress_into_vec(compressed, raw_len)
        .map_err(|_| RdbError::Corrupt("invalid LZF compressed string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(bytes: &[u8], compress: bool) -> Vec<u8> {
        let mut out = Vec::new();
        write_string(&mut out, bytes, compress);
        out
    }

    fn decoded(bytes: &[u8]) -> Result<Vec<u8>, RdbError> {
        let mut input = Input::new(bytes);
        let value = read_string(&mut input)?;
        assert_eq!(input.remaining(), 0);
        Ok(value)
    }

    #[test]
    fn integers_use_the_smallest_special_encoding() {
        assert_eq!(encoded(b"0", true), [0xc0, 0]);
        assert_eq!(encoded(b"-128", true), [0xc0, 0x80]);
        assert_eq!(encoded(b"128", true), [0xc1, 0x80, 0x00]);
        assert_eq!(encoded(b"-32769", true), [0xc2, 0xff, 0x7f, 0xff, 0xff]);
        assert_eq!(encoded(b"2147483647", true), [0xc2, 0xff, 0xff, 0xff, 0x7f]);
        // Wider than 32 bits, or not canonical: stored as text.
        assert_eq!(encoded(b"2147483648", true), b"\x0a2147483648");
        assert_eq!(encoded(b"007", true), b"\x03007");
        assert_eq!(encoded(b"+7", true), b"\x02+7");
        assert_eq!(encoded(b"", true), [0x00]);
    }

    #[test]
    fn integers_round_trip_as_text() {
        for text in [
            "0",
            "-1",
            "127",
            "-128",
            "300",
            "-32768",
            "70000",
            "-2147483648",
        ] {
            assert_eq!(
                decoded(&encoded(text.as_bytes(), true)),
                Ok(text.as_bytes().to_vec())
            );
        }
        let mut out = Vec::new();
        write_int_string(&mut out, i64::MIN);
        assert_eq!(decoded(&out), Ok(b"-9223372036854775808".to_vec()));
    }

    #[test]
    fn long_repetitive_strings_are_compressed() {
        let text = vec![b'a'; 200];
        let bytes = encoded(&text, true);
        assert_eq!(bytes.first(), Some(&0xc3));
        assert!(bytes.len() < 50);
        assert_eq!(decoded(&bytes), Ok(text.clone()));
        // Without compression, or when short or incompressible, stored verbatim.
        assert_eq!(encoded(&text, false).len(), 2 + 200);
        assert_eq!(encoded(&[b'a'; 20], true).first(), Some(&20));
        let noise: Vec<u8> = (0..64u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(decoded(&encoded(&noise, true)), Ok(noise));
    }

    #[test]
    fn corrupt_strings_are_errors() {
        assert_eq!(decoded(&[0x05, b'a']), Err(RdbError::Truncated));
        assert_eq!(
            decoded(&[0xc4]),
            Err(RdbError::Corrupt("unknown string encoding"))
        );
        assert_eq!(decoded(&[0xc1, 1]), Err(RdbError::Truncated));
        // LZF: a raw length no data could produce, and data that does not inflate.
        assert!(decoded(&[0xc3, 0x01, 0x80, 0xff, 0xff, 0xff, 0xff, 0x00]).is_err());
        assert!(decoded(&[0xc3, 0x02, 0x05, 0xe0, 0x00]).is_err());
        assert!(decoded(&[0xc3, 0x01, 0x00, 0x00]).is_err());
        // A huge declared plain length fails without allocating.
        assert_eq!(
            decoded(&[0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(RdbError::Truncated)
        );
    }
}
