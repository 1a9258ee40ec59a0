//! The two C library number conversions cjson leans on, reproduced: printf's `%.Ng`
//! (how numbers are written) and glibc's `strtod` (how they are read, including
//! hexadecimal, `inf`/`infinity` and `nan(...)` forms).

/// `printf("%.{precision}g", value)` for finite and infinite values; NaN prints as
/// glibc does ("nan", "-nan" with the sign bit set).
pub(super) fn format_g(value: f64, precision: usize) -> String {
    let precision = precision.max(1);
    if value.is_nan() {
        return if value.is_sign_negative() {
            "-nan"
        } else {
            "nan"
        }
        .to_string();
    }
    if value.is_infinite() {
        return if value < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Integers that fit in the precision print as themselves (the common case).
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let integer = value as i64;
        let text = integer.to_string();
        if text.trim_start_matches('-').len() <= precision {
            return text;
        }
    }
    // Round to `precision` significant digits once: the exponent of the rounded
    // value decides between fixed and exponential notation, as C specifies.
    let scientific = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let precision_i = i64::try_from(precision).unwrap_or(i64::MAX);
    if exponent < -4 || exponent >= precision_i {
        let mantissa = trim_fraction(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    // Fixed notation from the same rounded digits.
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut text = String::with_capacity(digits.len() + 8);
    if negative {
        text.push('-');
    }
    if exponent >= 0 {
        let split = usize::try_from(exponent + 1).unwrap_or(0).min(digits.len());
        let (whole, fraction) = digits.split_at(split);
        text.push_str(whole);
        text.push('.');
        text.push_str(fraction);
    } else {
        text.push_str("0.");
        let zeros = usize::try_from(-exponent - 1).unwrap_or(0);
        text.extend(std::iter::repeat_n('0', zeros));
        text.push_str(&digits);
    }
    trim_fraction(&text).to_string()
}

/// Drops trailing zeros of a fraction, and the point if nothing is left after it.
fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// `strtod` on `bytes` from `start`: the value and where it stopped, or `None` when
/// no number starts there. Bytes past the end read as NUL, as in a C string.
pub(super) fn strtod(bytes: &[u8], start: usize) -> Option<(f64, usize)> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut pos = start;
    let negative = at(pos) == b'-';
    if matches!(at(pos), b'+' | b'-') {
        pos += 1;
    }
    let sign = |v: f64| if negative { -v } else { v };
    let starts_with = |i: usize, word: &[u8]| {
        word.iter()
            .enumerate()
            .all(|(k, w)| at(i + k).eq_ignore_ascii_case(w))
    };
    if starts_with(pos, b"inf") {
        let end = if starts_with(pos + 3, b"inity") {
            pos + 8
        } else {
            pos + 3
        };
        return Some((sign(f64::INFINITY), end));
    }
    if starts_with(pos, b"nan") {
        let mut end = pos + 3;
        if at(end) == b'(' {
            let mut close = end + 1;
            while at(close).is_ascii_alphanumeric() || at(close) == b'_' {
                close += 1;
            }
            if at(close) == b')' {
                end = close + 1;
            }
        }
        return Some((sign(f64::NAN), end));
    }
    if at(pos) == b'0' && at(pos + 1) | 0x20 == b'x' {
        if let Some((value, end)) = hex_float(bytes, pos + 2) {
            return Some((sign(value), end));
        }
        // "0x" without hex digits reads as the "0" alone.
        return Some((sign(0.0), pos + 1));
    }
    let digits_from = |mut i: usize| {
        while at(i).is_ascii_digit() {
            i += 1;
        }
        i
    };
    let int_end = digits_from(pos);
    let mut end = int_end;
    let mut has_digits = int_end > pos;
    if at(end) == b'.' {
        let frac_end = digits_from(end + 1);
        has_digits |= frac_end > end + 1;
        end = frac_end;
    }
    if !has_digits {
        return None;
    }
    if at(end) | 0x20 == b'e' {
        let mut exp = end + 1;
        if matches!(at(exp), b'+' | b'-') {
            exp += 1;
        }
        let exp_end = digits_from(exp);
        if exp_end > exp {
            end = exp_end;
        }
    }
    let text = std::str::from_utf8(bytes.get(pos..end)?).ok()?;
    // Rust's parser wants a digit on at least one side of the point, which holds here.
    let value: f64 = text.parse().ok()?;
    Some((sign(value), end))
}

/// The hexadecimal significand (and optional binary exponent) after "0x".
fn hex_float(bytes: &[u8], start: usize) -> Option<(f64, usize)> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut pos = start;
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut sticky = false;
    let mut seen_point = false;
    loop {
        let c = at(pos);
        if c == b'.' && !seen_point {
            seen_point = true;
            pos += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        digits += 1;
        if mantissa >> 60 == 0 {
            mantissa = (mantissa << 4) | u64::from(d);
            if seen_point {
                exponent -= 4;
            }
        } else {
            // Further digits only matter for rounding (and the scale when before the point).
            sticky |= d != 0;
            if !seen_point {
                exponent += 4;
            }
        }
        pos += 1;
    }
    if digits == 0 {
        return None;
    }
    if at(pos) | 0x20 == b'p' {
        let mut exp = pos + 1;
        let negative = at(exp) == b'-';
        if matches!(at(exp), b'+' | b'-') {
            exp += 1;
        }
        let mut value: i64 = 0;
        let mut end = exp;
        while at(end).is_ascii_digit() {
            value = (value * 10 + i64::from(at(end) - b'0')).min(100_000);
            end += 1;
        }
        if end > exp {
            exponent += if negative { -value } else { value };
            pos = end;
        }
    }
    if sticky {
        mantissa |= 1;
    }
    Some((scale_by_power_of_two(mantissa as f64, exponent), pos))
}

/// `x * 2^exponent` without overflowing the intermediate power.
fn scale_by_power_of_two(mut x: f64, mut exponent: i64) -> f64 {
    while exponent > 1000 {
        x *= 2f64.powi(1000);
        exponent -= 1000;
    }
    while exponent < -1000 {
        x *= 2f64.powi(-1000);
        exponent += 1000;
    }
    x * 2f64.powi(i32::try_from(exponent).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::{format_g, strtod};

    #[test]
    fn format_g_matches_printf() {
        // Expected strings are what glibc's printf("%.14g") prints.
        let cases: &[(f64, &str)] = &[
            (0.1, "0.1"),
            (100.0, "100"),
            (1e20, "1e+20"),
            (1e14, "1e+14"),
            (123456789012345.0, "1.2345678901234e+14"),
            (12345678901234.0, "12345678901234"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-1.5, "-1.5"),
            (1.0 / 3.0, "0.33333333333333"),
            (2.0f64.powi(53), "9.007199254741e+15"),
            (-0.0, "-0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (1e300, "1e+300"),
            (5e-324, "4.9406564584125e-324"),
            (99999999999999.5, "1e+14"),
            (99999999999999.0, "99999999999999"),
            (-123.456, "-123.456"),
            (0.000123456789012345, "0.00012345678901234"),
            (0.0001f64.next_down(), "0.0001"),
            (1234567.5, "1234567.5"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_g(*value, 14), *expected, "{value}");
        }
        assert_eq!(format_g(1.23456, 3), "1.23");
        assert_eq!(format_g(1234.0, 1), "1e+03");
    }

    #[test]
    fn strtod_matches_glibc() {
        let cases: &[(&str, f64, usize)] = &[
            ("1", 1.0, 1),
            ("-5e3,", -5000.0, 4),
            ("0.3e-3", 0.0003, 6),
            ("1.", 1.0, 2),
            ("-.5", -0.5, 3),
            ("1e", 1.0, 1),
            ("1e+", 1.0, 1),
            ("0x10", 16.0, 4),
            ("0x1p4", 16.0, 5),
            ("0x1.8p1", 3.0, 7),
            ("0x", 0.0, 1),
            ("0xg", 0.0, 1),
            ("inf", f64::INFINITY, 3),
            ("-Infinity", f64::NEG_INFINITY, 9),
            ("infinit", f64::INFINITY, 3),
            ("+7", 7.0, 2),
            ("1e400", f64::INFINITY, 5),
            ("00012", 12.0, 5),
        ];
        for (text, value, end) in cases {
            let (got, got_end) = strtod(text.as_bytes(), 0).unwrap_or((-999.0, 0));
            assert_eq!((got, got_end), (*value, *end), "{text}");
        }
        let (nan, end) = strtod(b"nan(123)x", 0).unwrap_or((0.0, 0));
        assert!(nan.is_nan() && end == 8);
        let (nan, end) = strtod(b"-nan", 0).unwrap_or((0.0, 0));
        assert!(nan.is_nan() && nan.is_sign_negative() && end == 4);
        assert!(strtod(b"-", 0).is_none());
        assert!(strtod(b".", 0).is_none());
        assert!(strtod(b"-x", 0).is_none());
    }
}
