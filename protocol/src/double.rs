//! Formatting doubles exactly as C's `printf("%.17g")` does with glibc.
//!
//! Redis 7.0 replies doubles (ZSCORE, INCRBYFLOAT in RESP3, geo distances...) through that
//! format, so clients see its exact bytes. This module owns that one conversion; it does not
//! parse doubles, nor produce Redis's "human" long double format.

use std::fmt::Write as _;

/// Significant digits printed by `%.17g`.
const PRECISION: i32 = 17;

/// Appends `d` to `out` formatted as glibc's `printf("%.17g", d)`.
///
/// That is: 17 significant digits, correctly rounded (ties to even on the exact binary value);
/// plain notation when the decimal exponent is in -4..17, otherwise `d.ddde+XX` with at least
/// two exponent digits; trailing fraction zeros removed; `-0` for negative zero; `inf`, `-inf`,
/// `nan` and `-nan` (the sign bit of a NaN is printed, as glibc does).
pub fn format_double(d: f64, out: &mut Vec<u8>) {
    if d.is_nan() {
        out.extend_from_slice(if d.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if d.is_sign_negative() {
        out.push(b'-');
    }
    let magnitude = d.abs();
    if magnitude.is_infinite() {
        out.extend_from_slice(b"inf");
        return;
    }
    if magnitude == 0.0 {
        out.push(b'0');
        return;
    }

    // Rust's exponent formatting with an explicit precision is exact and rounds ties to even,
    // like glibc, so it gives the 17 significant digits; only the layout differs from %g.
    let mut scientific = SmallText::default();
    if write!(scientific, "{:.16e}", magnitude).is_err() {
        return;
    }
    let Some((digits, exponent)) = split_scientific(scientific.as_bytes()) else {
        return;
    };
    let significant = trim_trailing_zeros(&digits);

    if !(-4..PRECISION).contains(&exponent) {
        push_exponent_form(significant, exponent, out);
    } else if exponent >= 0 {
        push_plain_form(significant, exponent.unsigned_abs() as usize, out);
    } else {
        // A value below 1: "0." then the leading zeros implied by the exponent.
        out.extend_from_slice(b"0.");
        for _ in 1..exponent.unsigned_abs() {
            out.push(b'0');
        }
        out.extend_from_slice(significant);
    }
}

/// `d.ddd` followed by `e+XX` or `e-XX`, as %e prints exponents.
fn push_exponent_form(significant: &[u8], exponent: i32, out: &mut Vec<u8>) {
    let (first, rest) = significant.split_at(significant.len().min(1));
    out.extend_from_slice(first);
    if !rest.is_empty() {
        out.push(b'.');
        out.extend_from_slice(rest);
    }
    out.push(b'e');
    out.push(if exponent < 0 { b'-' } else { b'+' });
    let magnitude = exponent.unsigned_abs();
    if magnitude < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(itoa::Buffer::new().format(magnitude).as_bytes());
}

/// Plain notation for a value of at least 1, with `exponent + 1` integer digits.
fn push_plain_form(significant: &[u8], exponent: usize, out: &mut Vec<u8>) {
    let integer_len = exponent + 1;
    let (integer, fraction) = significant.split_at(significant.len().min(integer_len));
    out.extend_from_slice(integer);
    for _ in integer.len()..integer_len {
        out.push(b'0');
    }
    if !fraction.is_empty() {
        out.push(b'.');
        out.extend_from_slice(fraction);
    }
}

/// Splits Rust's `d.dddde-X` text into its 17 digits and its decimal exponent.
fn split_scientific(text: &[u8]) -> Option<([u8; PRECISION as usize], i32)> {
    let e_at = memchr::memchr(b'e', text)?;
    let (mantissa, exponent_text) = text.split_at(e_at);
    let exponent: i32 = std::str::from_utf8(exponent_text.get(1..)?)
        .ok()?
        .parse()
        .ok()?;
    let mut digits = [b'0'; PRECISION as usize];
    let mut count = 0;
    for &byte in mantissa.iter().filter(|byte| byte.is_ascii_digit()) {
        *digits.get_mut(count)? = byte;
        count += 1;
    }
    (count == digits.len()).then_some((digits, exponent))
}

/// The digits without the zeros %g removes from the end of the fraction, keeping at least one.
fn trim_trailing_zeros(digits: &[u8]) -> &[u8] {
    let kept = digits
        .iter()
        .rposition(|&digit| digit != b'0')
        .map_or(1, |last| last + 1);
    digits.get(..kept).unwrap_or(digits)
}

/// A fixed-size text buffer, so formatting needs no allocation.
#[derive(Default)]
struct SmallText {
    bytes: [u8; 32],
    len: usize,
}

impl SmallText {
    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl std::fmt::Write for SmallText {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let end = self.len.checked_add(text.len()).ok_or(std::fmt::Error)?;
        let target = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        target.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn formatted(d: f64) -> String {
        let mut out = Vec::new();
        format_double(d, &mut out);
        String::from_utf8(out).unwrap()
    }

    // Expected texts were printed by glibc's printf("%.17g") on this machine.
    const KNOWN: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (1.5, "1.5"),
        (3.0, "3"),
        (100.0, "100"),
        (0.1, "0.10000000000000001"),
        (0.2, "0.20000000000000001"),
        (0.3, "0.29999999999999999"),
        (1.1, "1.1000000000000001"),
        (2.5, "2.5"),
        (0.125, "0.125"),
        (1e20, "1e+20"),
        (1e21, "1e+21"),
        (1e16, "10000000000000000"),
        (1e17, "1e+17"),
        (12345678901234567.0, "12345678901234568"),
        (123456789012345678.0, "1.2345678901234568e+17"),
        (1e-4, "0.0001"),
        (0.000_1, "0.0001"),
        (1e-5, "1.0000000000000001e-05"),
        (123e-7, "1.2300000000000001e-05"),
        (0.00012345, "0.00012344999999999999"),
        (5e-324, "4.9406564584124654e-324"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::MIN, "-1.7976931348623157e+308"),
        (1e100, "1e+100"),
        (2.5e-3, "0.0025000000000000001"),
        (-2.5e-10, "-2.5000000000000002e-10"),
        // Exact ties at the 17th digit round to even, as glibc does.
        (1.0 / 33554432.0, "2.9802322387695312e-08"),
        (3.0 / 67108864.0, "4.4703483581542969e-08"),
        (9007199254740993.0, "9007199254740992"),
        (0.5, "0.5"),
        (99999999999999999.0, "1e+17"),
        (1234.5678, "1234.5678"),
        (1e15 + 0.3, "1000000000000000.2"),
        (7.0 / 3.0, "2.3333333333333335"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
        (-f64::NAN, "-nan"),
    ];

    #[test]
    fn matches_glibc_table() {
        for &(value, expected) in KNOWN {
            assert_eq!(formatted(value), expected, "formatting {value:e}");
        }
    }

    proptest! {
        #[test]
        fn parses_back_to_the_same_value(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            let text = formatted(value);
            let parsed: f64 = text.parse().unwrap();
            if value.is_nan() {
                prop_assert!(parsed.is_nan());
            } else {
                prop_assert_eq!(parsed.to_bits(), value.to_bits(), "{}", text);
            }
        }
    }
}
