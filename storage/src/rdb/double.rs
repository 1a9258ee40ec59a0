//! RDB doubles: the binary form (8 bytes, little-endian IEEE 754) that sorted sets of
//! type ZSET_2 use, and the old text form of type ZSET (RDB version < 8).
//!
//! The text form is a one-byte length followed by the digits; the lengths 253, 254 and
//! 255 stand for NaN, +inf and -inf with no digits following. Only the binary form is
//! written.

use super::input::{Input, RdbError};

const TEXT_NAN: u8 = 253;
const TEXT_POS_INF: u8 = 254;
const TEXT_NEG_INF: u8 = 255;

/// Appends `value` in the binary form.
pub fn write_binary_double(out: &mut Vec<u8>, value: f64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Reads a binary double.
pub fn read_binary_double(input: &mut Input<'_>) -> Result<f64, RdbError> {
    Ok(f64::from_le_bytes(input.array()?))
}

/// Reads a text double (sorted sets of RDB type ZSET).
pub fn read_text_double(input: &mut Input<'_>) -> Result<f64, RdbError> {
    match input.u8()? {
        TEXT_NAN => Ok(f64::NAN),
        TEXT_POS_INF => Ok(f64::INFINITY),
        TEXT_NEG_INF => Ok(f64::NEG_INFINITY),
        len => {
            let digits = input.take(usize::from(len))?;
            std::str::from_utf8(digits)
                .ok()
                .and_then(|text| text.trim().parse::<f64>().ok())
                .ok_or(RdbError::Corrupt("unreadable text double"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_doubles_are_little_endian_ieee() {
        let mut out = Vec::new();
        write_binary_double(&mut out, 1.5);
        assert_eq!(out, [0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
        for value in [
            0.0,
            -0.0,
            1.5,
            -3.25e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ] {
            let mut out = Vec::new();
            write_binary_double(&mut out, value);
            let back = read_binary_double(&mut Input::new(&out));
            assert_eq!(back.map(f64::to_bits), Ok(value.to_bits()));
        }
        assert_eq!(
            read_binary_double(&mut Input::new(&[0; 7])),
            Err(RdbError::Truncated)
        );
    }

    #[test]
    fn text_doubles_and_their_special_lengths() {
        assert_eq!(read_text_double(&mut Input::new(b"\x031.5")), Ok(1.5));
        assert_eq!(read_text_double(&mut Input::new(b"\x051e+20")), Ok(1e20));
        assert_eq!(read_text_double(&mut Input::new(&[254])), Ok(f64::INFINITY));
        assert_eq!(
            read_text_double(&mut Input::new(&[255])),
            Ok(f64::NEG_INFINITY)
        );
        assert!(read_text_double(&mut Input::new(&[253])).is_ok_and(f64::is_nan));
        assert!(read_text_double(&mut Input::new(b"\x03abc")).is_err());
        assert_eq!(
            read_text_double(&mut Input::new(b"\x091")),
            Err(RdbError::Truncated)
        );
    }
}
