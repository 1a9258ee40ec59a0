//! Number parsing exactly as Redis's C helpers do it (`strtoll`, `memtoull`), because
//! their corner cases decide which values a config accepts and which error it reports.
//! `string2ll` and `string2d` are storage's (`scarlet_storage::number`), shared with the
//! commands.
//!
//! Pure functions on bytes; no knowledge of directives.

/// C's `isspace` in the "C" locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The result of C's `strtoll`/`strtol`: the value (saturated on overflow), how many
/// bytes were consumed (0 when there were no digits), and whether it overflowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrToLl {
    pub(crate) value: i64,
    pub(crate) consumed: usize,
    pub(crate) overflow: bool,
}

impl StrToLl {
    /// Whether the whole input was a number (`*endptr == '\0'`). Note that C accepts
    /// the empty string here (0, nothing consumed, end reached).
    pub(crate) fn whole(&self, s: &[u8]) -> bool {
        self.consumed == s.len()
    }
}

/// C's `strtoll(s, &end, base)` for bases 8 and 10: leading blanks, a sign, digits.
pub(crate) fn strtoll(s: &[u8], base: u32) -> StrToLl {
    let mut i = s.iter().take_while(|&&b| is_c_space(b)).count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut mag: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(base)) {
        match mag
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(m) => mag = m,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return StrToLl {
            value: 0,
            consumed: 0,
            overflow: false,
        };
    }
    let value = if negative {
        if overflow || mag > 1u64 << 63 {
            overflow = true;
            i64::MIN
        } else if mag == 1u64 << 63 {
            i64::MIN
        } else {
            i64::try_from(mag).map_or(i64::MIN, |m| -m)
        }
    } else if overflow || mag > i64::MAX.unsigned_abs() {
        overflow = true;
        i64::MAX
    } else {
        i64::try_from(mag).unwrap_or(i64::MAX)
    };
    StrToLl {
        value,
        consumed: i,
        overflow,
    }
}

/// Redis's `memtoull`: digits then an optional unit (`b`, `k`=1000, `kb`=1024, `m`,
/// `mb`, `g`, `gb`, any case). No sign or blanks. Like Redis, no digits at all reads
/// as 0, too many digits saturate, and the unit multiplication wraps around.
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let (num, unit) = s.split_at(digits);
    let mul: u64 = match unit.to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    // Redis copies the digits into a 128-byte buffer first.
    if digits >= 128 {
        return None;
    }
    let val = num.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)
            .and_then(|a| a.checked_add(u64::from(d - b'0')))
    });
    // strtoull saturates on overflow and Redis does not look at ERANGE.
    let val = val.unwrap_or(u64::MAX);
    // Redis multiplies without an overflow check; keep its wrap-around result.
    Some(val.wrapping_mul(mul))
}

/// `printf("%f")` followed by Redis's `trimDoubleString` (drop trailing zeros and a
/// trailing dot).
pub(crate) fn format_percentile(v: f64) -> String {
    let s = format!("{v:.6}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
