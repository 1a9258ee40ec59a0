//! RDB length prefixes: 6-, 14-, 32- and 64-bit lengths, and the "special encoding"
//! marker that introduces an integer or LZF string in place of a length.
//!
//! The two top bits of the first byte choose the form: 00 a 6-bit length, 01 a 14-bit
//! big-endian length, 10 followed by 0x80/0x81 a 32/64-bit big-endian length, 11 a
//! special encoding whose kind is in the low six bits.

use super::input::{Input, RdbError};

/// Special encodings, in the low six bits of a first byte whose top bits are 11.
/// A signed 8-bit integer follows.
pub const ENC_INT8: u8 = 0;
/// A signed 16-bit little-endian integer follows.
pub const ENC_INT16: u8 = 1;
/// A signed 32-bit little-endian integer follows.
pub const ENC_INT32: u8 = 2;
/// An LZF-compressed string follows.
pub const ENC_LZF: u8 = 3;

/// The top-bit marker of a special encoding.
pub const ENC_MARKER: u8 = 0xc0;

const LEN_14BIT: u8 = 0x40;
const LEN_32BIT: u8 = 0x80;
const LEN_64BIT: u8 = 0x81;

/// What a length prefix says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// A plain length or count.
    Len(u64),
    /// A special encoding (`ENC_*`) follows instead of a length.
    Special(u8),
}

/// Appends `len` in the shortest form, as Redis writes it.
pub fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(LEN_14BIT | (len >> 8) as u8);
        out.push(len as u8);
    } else if let Ok(len32) = u32::try_from(len) {
        out.push(LEN_32BIT);
        out.extend_from_slice(&len32.to_be_bytes());
    } else {
        out.push(LEN_64BIT);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// Reads a length prefix, which may announce a special encoding.
pub fn read_prefix(input: &mut Input<'_>) -> Result<Prefix, RdbError> {
    let first = input.u8()?;
    match first >> 6 {
        0 => Ok(Prefix::Len(u64::from(first & 0x3f))),
        1 => {
            let low = input.u8()?;
            Ok(Prefix::Len((u64::from(first & 0x3f) << 8) | u64::from(low)))
        }
        2 => match first {
            LEN_32BIT => Ok(Prefix::Len(u64::from(u32::from_be_bytes(input.array()?)))),
            LEN_64BIT => Ok(Prefix::Len(u64::from_be_bytes(input.array()?))),
            _ => Err(RdbError::Corrupt("unknown length encoding")),
        },
        _ => Ok(Prefix::Special(first & 0x3f)),
    }
}

/// Reads a plain length; a special encoding here is corrupt.
pub fn read_len(input: &mut Input<'_>) -> Result<u64, RdbError> {
    match read_prefix(input)? {
        Prefix::Len(len) => Ok(len),
        Prefix::Special(_) => Err(RdbError::Corrupt("encoded value where a length belongs")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(len: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_len(&mut out, len);
        out
    }

    #[test]
    fn each_width_has_redis_bytes() {
        assert_eq!(encoded(0), [0x00]);
        assert_eq!(encoded(63), [0x3f]);
        assert_eq!(encoded(64), [0x40, 0x40]);
        assert_eq!(encoded(16383), [0x7f, 0xff]);
        assert_eq!(encoded(16384), [0x80, 0x00, 0x00, 0x40, 0x00]);
        assert_eq!(encoded(u64::from(u32::MAX)), [0x80, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(encoded(1 << 32), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn round_trips_at_the_boundaries() {
        for len in [
            0,
            1,
            63,
            64,
            16383,
            16384,
            1 << 31,
            u64::from(u32::MAX),
            1 << 32,
            u64::MAX,
        ] {
            let bytes = encoded(len);
            let mut input = Input::new(&bytes);
            assert_eq!(read_len(&mut input), Ok(len));
            assert_eq!(input.remaining(), 0);
        }
    }

    #[test]
    fn rejects_bad_prefixes() {
        assert_eq!(
            read_len(&mut Input::new(&[0x82])),
            Err(RdbError::Corrupt("unknown length encoding"))
        );
        assert_eq!(read_len(&mut Input::new(&[0x40])), Err(RdbError::Truncated));
        assert_eq!(
            read_len(&mut Input::new(&[0x80, 1, 2])),
            Err(RdbError::Truncated)
        );
        assert_eq!(
            read_prefix(&mut Input::new(&[0xc3])),
            Ok(Prefix::Special(ENC_LZF))
        );
        assert!(read_len(&mut Input::new(&[0xc0])).is_err());
    }
}
