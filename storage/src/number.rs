//! Redis's number parsing and formatting, in one place for the whole project.
//!
//! It owns the exact acceptance rules of Redis's `string2ll` (integers), `string2d`
//! (doubles) and `string2ld` (long doubles), and INCRBYFLOAT's long double arithmetic
//! and output format. It deliberately owns no reply formatting of doubles (`%.17g`)
//! and no error text; the C library calls themselves live in `ffi.rs`.
//!
//! Rules worth knowing:
//! - integers: optional `-`, then `0` alone or a digit 1-9 followed by digits; no `+`,
//!   no leading zeros, no spaces, at most 20 bytes, and within `i64`.
//! - doubles: whatever `strtod` consumes entirely (so `+1`, `1.`, `.5`, `1e3`, `inf`,
//!   `0x1p3` are fine), except leading white space, NaN, overflow to infinity and
//!   underflow to zero.
//! - long doubles: the same with `strtold`, and inputs of 5 KB or more are refused.

use crate::error::StorageError;
use crate::ffi;
use crate::string::{IntBuf, StrValue};

/// Parses `b` exactly as Redis's `string2ll` does.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    // string2ll refuses anything of LONG_STR_SIZE (21) bytes or more outright.
    if b.is_empty() || b.len() >= 21 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    // The first digit must be 1-9: "0" alone was handled above, so "-0" and "01" fail.
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut magnitude: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        // i64::MIN's magnitude is one more than i64::MAX's.
        if magnitude > i64::MAX.unsigned_abs() + 1 {
            return None;
        }
        Some(0i64.wrapping_sub_unsigned(magnitude))
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Parses `b` as Redis's `string2d` / `getDoubleFromObject` do (C `strtod` rules, the
/// whole input, no leading white space, not NaN, no overflow, no underflow to zero).
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    ffi::parse_double(b)
}

/// Parses one bound of a score range as Redis's `zslParseRange` does: C `strtod` over the
/// argument read as a C string (so it stops at a NUL byte), which must consume all of
/// it. Unlike [`parse_f64`], leading white space, an empty string (zero) and overflow
/// to an infinity are accepted; only NaN is refused.
pub fn parse_range_f64(b: &[u8]) -> Option<f64> {
    ffi::strtod_c_string(b).filter(|v| !v.is_nan())
}

/// True when `b` is a valid long double for Redis's `string2ld` (used by INCRBYFLOAT
/// and HINCRBYFLOAT, whose callers check the increment before the stored value).
pub fn is_valid_long_double(b: &[u8]) -> bool {
    ffi::long_double_is_valid(b)
}

/// INCRBYFLOAT: adds `delta` to the string value `current` (absent counts as zero) in
/// C `long double` and returns the result formatted as Redis stores it.
///
/// The stored value is checked before the increment, as Redis does; either being
/// invalid is `NotFloat`. A NaN or infinite sum is `NanOrInfinity`. The output is
/// `%.17Lf` with trailing zeros and dot trimmed, so `0.1 + 0.2` gives `0.3`.
pub fn incr_by_float(current: Option<&StrValue>, delta: &[u8]) -> Result<Vec<u8>, StorageError> {
    let mut scratch: IntBuf = [0; 20];
    let current = current.map(|value| value.as_bytes(&mut scratch));
    incr_by_float_bytes(current, delta)
}

/// The same as [`incr_by_float`] for a current value held as plain bytes (hash fields).
pub fn incr_by_float_bytes(current: Option<&[u8]>, delta: &[u8]) -> Result<Vec<u8>, StorageError> {
    ffi::long_double_incr(current, delta).map_err(|failure| match failure {
        ffi::IncrFailure::BadCurrent | ffi::IncrFailure::BadDelta => StorageError::NotFloat,
        ffi::IncrFailure::NanOrInfinity => StorageError::NanOrInfinity,
    })
}

/// Scratch space for formatting a double.
pub type DoubleBuf = [u8; 32];

/// Formats a double as Redis 7.0 replies with it: `%.17g` (`0.1` is
/// `0.10000000000000001`, `1e20` is `1e+20`), and `inf` / `-inf` for infinities.
pub fn format_f64(value: f64, buf: &mut DoubleBuf) -> &[u8] {
    if value.is_infinite() {
        return if value > 0.0 { b"inf" } else { b"-inf" };
    }
    if value.is_nan() {
        // Redis never stores NaN; C libraries disagree on its sign, so spell it here.
        return b"nan";
    }
    ffi::format_double(value, buf)
}

/// Formats `n` in decimal into `buf` and returns the written prefix.
pub fn format_i64(n: i64, buf: &mut IntBuf) -> &[u8] {
    let mut formatter = itoa::Buffer::new();
    let text = formatter.format(n).as_bytes();
    // An i64 never needs more than 20 bytes ("-9223372036854775808"), so the copy fits.
    let len = text.len().min(buf.len());
    let (head, _) = buf.split_at_mut(len);
    head.copy_from_slice(text.get(..len).unwrap_or_default());
    head
}

/// The number of bytes `n` takes in decimal.
pub fn i64_len(n: i64) -> usize {
    let digits = n
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |log| log as usize + 1);
    digits + usize::from(n < 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_accepts_what_string2ll_accepts() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"123"), Some(123));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn parse_i64_refuses_what_string2ll_refuses() {
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"00",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"1a",
            b"1.0",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"000000000000000000001",
            b"\x001",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn parse_range_f64_follows_zsl_parse_range() {
        assert_eq!(parse_range_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_range_f64(b""), Some(0.0));
        assert_eq!(parse_range_f64(b" 2"), Some(2.0));
        assert_eq!(parse_range_f64(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_range_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_range_f64(b"3\x00junk"), Some(3.0));
        assert_eq!(parse_range_f64(b"nan"), None);
        assert_eq!(parse_range_f64(b"1 "), None);
        assert_eq!(parse_range_f64(b"abc"), None);
    }

    #[test]
    fn parse_f64_follows_strtod_and_string2d() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"+1"), Some(1.0));
        assert_eq!(parse_f64(b"1."), Some(1.0));
        assert_eq!(parse_f64(b".5"), Some(0.5));
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"-0"), Some(0.0));
        assert!(
            parse_f64(b"4e-320").is_some(),
            "a subnormal result is accepted"
        );
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"NaN",
            b"1e400",
            b"-1e400",
            b"1e-400",
            b"abc",
            b"1\x002",
            b"1e",
        ] {
            assert_eq!(parse_f64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        let long = format!("{}1", "0".repeat(200));
        assert_eq!(parse_f64(long.as_bytes()), Some(1.0));
    }

    fn incr(current: Option<&str>, delta: &str) -> Result<String, StorageError> {
        incr_by_float_bytes(current.map(str::as_bytes), delta.as_bytes())
            .map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn incr_by_float_matches_redis_output() {
        assert_eq!(incr(Some("0.1"), "0.2").unwrap(), "0.3");
        assert_eq!(incr(Some("10.5"), "0.1").unwrap(), "10.6");
        assert_eq!(incr(Some("10.5"), "1").unwrap(), "11.5");
        assert_eq!(incr(Some("5.0e3"), "2.0e2").unwrap(), "5200");
        assert_eq!(incr(None, "3").unwrap(), "3");
        assert_eq!(incr(None, "-0").unwrap(), "0");
        assert_eq!(incr(Some("1"), "-1").unwrap(), "0");
        assert_eq!(incr(Some("-1.5"), "0.25").unwrap(), "-1.25");
        assert_eq!(incr(Some("0x10"), "1").unwrap(), "17");
        assert_eq!(incr(Some("1e-20"), "0").unwrap(), "0");
        assert_eq!(incr(Some("1"), "1e-17").unwrap(), "1.00000000000000001");
        // 1e4000 is not exact in long double; Redis 7.0.15 prints these 4000 digits.
        let huge = incr(Some("1e4000"), "1").unwrap();
        assert_eq!(huge.len(), 4000);
        assert!(huge.starts_with("9999999999999999999965463873099623784932492"));
        assert_eq!(
            incr(Some("12345678901234567890"), "1").unwrap(),
            "12345678901234567891"
        );
        assert_eq!(incr(Some("1.5"), "1e-4950").unwrap(), "1.5");
        assert_eq!(incr(Some("3.0"), "0").unwrap(), "3");
    }

    #[test]
    fn incr_by_float_refuses_bad_operands() {
        assert_eq!(incr(Some(" 1"), "1"), Err(StorageError::NotFloat));
        assert_eq!(incr(Some("1"), " 1"), Err(StorageError::NotFloat));
        assert_eq!(incr(Some(""), "1"), Err(StorageError::NotFloat));
        assert_eq!(incr(Some("abc"), "1"), Err(StorageError::NotFloat));
        assert_eq!(incr(Some("1"), "nan"), Err(StorageError::NotFloat));
        // Beyond the long double range strtold reports ERANGE: refused like Redis.
        assert_eq!(incr(Some("1"), "1e5000"), Err(StorageError::NotFloat));
        assert_eq!(incr(Some("1"), "1e-5000"), Err(StorageError::NotFloat));
        assert_eq!(incr(Some("1"), "inf"), Err(StorageError::NanOrInfinity));
        assert_eq!(incr(Some("-inf"), "inf"), Err(StorageError::NanOrInfinity));
        let long = "1".repeat(5120);
        assert_eq!(incr(Some("1"), &long), Err(StorageError::NotFloat));
        let near = format!("{}1", "0".repeat(5118));
        assert_eq!(incr(Some("1"), &near).unwrap(), "2");
        assert!(is_valid_long_double(b"1.5"));
        assert!(!is_valid_long_double(b"1.5 "));
    }

    #[test]
    fn incr_by_float_reads_int_encoded_values() {
        let value = StrValue::from_i64(i64::MAX);
        assert_eq!(
            incr_by_float(Some(&value), b"0").unwrap(),
            b"9223372036854775807".to_vec()
        );
    }

    #[test]
    fn format_f64_is_percent_17g() {
        let mut buf: DoubleBuf = [0; 32];
        let cases: &[(f64, &str)] = &[
            (0.1, "0.10000000000000001"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5, "1.5"),
            (3.0, "3"),
            (-0.0, "-0"),
            (1e20, "1e+20"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1e-5, "1.0000000000000001e-05"),
            (1e-4, "0.0001"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (value, text) in cases {
            assert_eq!(format_f64(*value, &mut buf), text.as_bytes(), "{value}");
        }
    }

    #[test]
    fn format_and_len_of_i64() {
        let mut buf: IntBuf = [0; 20];
        for n in [0, 7, -7, 10, 99, -100, i64::MAX, i64::MIN] {
            let text = n.to_string();
            assert_eq!(format_i64(n, &mut buf), text.as_bytes());
            assert_eq!(i64_len(n), text.len());
        }
    }
}
