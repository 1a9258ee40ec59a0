//! Bit-level operations on string values, with Redis's bit order: bit 0 is the most
//! significant bit of the first byte.
//!
//! It owns the algorithms behind BITCOUNT, BITPOS, BITOP and BITFIELD: population counts
//! a word at a time, searches that skip whole words, integers of 1 to 64 bits at any bit
//! offset, and BITFIELD's overflow rules (WRAP, SAT, FAIL) exactly as Redis computes
//! them. It deliberately knows nothing of keys, argument parsing or offset limits: the
//! server checks offsets against `proto-max-bulk-len` and grows the string first.

/// How BITFIELD's SET and INCRBY treat a result that does not fit the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around (modular arithmetic; two's complement for signed fields).
    Wrap,
    /// Saturate at the field's minimum or maximum.
    Sat,
    /// Do nothing and reply nil.
    Fail,
}

/// A BITOP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    /// AND
    And,
    /// OR
    Or,
    /// XOR
    Xor,
    /// NOT (one source)
    Not,
}

/// An 8-byte word of `bytes` (native order: only its bit count or its being all zeros or
/// all ones matters).
fn word(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_ne_bytes)
}

/// The number of set bits.
pub fn popcount(bytes: &[u8]) -> u64 {
    // Four independent sums per 32 bytes let the compiler keep several counts in flight.
    let mut blocks = bytes.chunks_exact(32);
    let mut total = 0u64;
    for block in blocks.by_ref() {
        let (a, rest) = block.split_at(8);
        let (b, rest) = rest.split_at(8);
        let (c, d) = rest.split_at(8);
        total += u64::from(
            word(a).count_ones()
                + word(b).count_ones()
                + word(c).count_ones()
                + word(d).count_ones(),
        );
    }
    let mut words = blocks.remainder().chunks_exact(8);
    for w in words.by_ref() {
        total += u64::from(word(w).count_ones());
    }
    for &b in words.remainder() {
        total += u64::from(b.count_ones());
    }
    total
}

/// The set bits between bit positions `first` and `last` inclusive (both within `bytes`).
pub fn count_range(bytes: &[u8], first: u64, last: u64) -> u64 {
    let (Ok(first_byte), Ok(last_byte)) = (usize::try_from(first / 8), usize::try_from(last / 8))
    else {
        return 0;
    };
    let Some(range) = bytes.get(first_byte..=last_byte) else {
        return 0;
    };
    let mut count = popcount(range);
    let head_outside = !(0xffu8 >> (first % 8));
    let tail_outside = 0x7fu8 >> (last % 8);
    if let Some(&head) = range.first() {
        count -= u64::from((head & head_outside).count_ones());
    }
    if let Some(&tail) = range.last() {
        count -= u64::from((tail & tail_outside).count_ones());
    }
    count
}

/// The index of the first byte that holds a bit equal to `bit`, skipping whole words.
fn first_byte_with(bytes: &[u8], bit: bool) -> Option<usize> {
    let skip_word = if bit { 0 } else { u64::MAX };
    let skip_byte = if bit { 0 } else { 0xff };
    let mut start = 0;
    let mut words = bytes.chunks_exact(8);
    for w in words.by_ref() {
        if word(w) != skip_word {
            break;
        }
        start += 8;
    }
    bytes
        .get(start..)?
        .iter()
        .position(|&b| b != skip_byte)
        .map(|i| start + i)
}

/// The position of the first bit equal to `bit` between bit positions `first` and `last`
/// inclusive (both within `bytes`), if there is one.
pub fn find_bit(bytes: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    let first_byte = usize::try_from(first / 8).ok()?;
    let last_byte = usize::try_from(last / 8).ok()?;
    let range = bytes.get(first_byte..=last_byte)?;
    let head_mask = 0xffu8 >> (first % 8);
    let tail_mask = 0xffu8 << (7 - last % 8);
    // Candidates are the bits equal to `bit`, as ones.
    let candidates = |b: u8, mask: u8| (if bit { b } else { !b }) & mask;
    let at = |index: usize, c: u8| (first_byte + index) as u64 * 8 + u64::from(c.leading_zeros());
    let n = range.len();
    if n == 1 {
        let c = candidates(*range.first()?, head_mask & tail_mask);
        return (c != 0).then(|| at(0, c));
    }
    let c = candidates(*range.first()?, head_mask);
    if c != 0 {
        return Some(at(0, c));
    }
    let middle = range.get(1..n - 1)?;
    if let Some(i) = first_byte_with(middle, bit) {
        let c = candidates(*middle.get(i)?, 0xff);
        return Some(at(i + 1, c));
    }
    let c = candidates(*range.last()?, tail_mask);
    (c != 0).then(|| at(n - 1, c))
}

/// BITOP over `sources` (missing keys are empty strings); the result is as long as the
/// longest source, shorter sources read as zero bytes.
pub fn bitop(op: BitOp, sources: &[&[u8]]) -> Vec<u8> {
    let longest = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![0u8; longest];
    let Some((first, rest)) = sources.split_first() else {
        return out;
    };
    if let Some(head) = out.get_mut(..first.len()) {
        head.copy_from_slice(first);
    }
    match op {
        BitOp::Not => out.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in rest {
                for (o, s) in out.iter_mut().zip(src.iter()) {
                    *o &= s;
                }
                // Past a shorter source's end, AND with zero bytes.
                if let Some(tail) = out.get_mut(src.len()..) {
                    tail.fill(0);
                }
            }
        }
        BitOp::Or => {
            for src in rest {
                for (o, s) in out.iter_mut().zip(src.iter()) {
                    *o |= s;
                }
            }
        }
        BitOp::Xor => {
            for src in rest {
                for (o, s) in out.iter_mut().zip(src.iter()) {
                    *o ^= s;
                }
            }
        }
    }
    out
}

/// Up to nine bytes from `byte` on, zero-padded, as the top of a big-endian u128.
fn window(bytes: &[u8], byte: usize) -> u128 {
    let mut buf = [0u8; 16];
    let available = bytes.get(byte..).unwrap_or_default();
    let n = available.len().min(9);
    if let (Some(to), Some(from)) = (buf.get_mut(..n), available.get(..n)) {
        to.copy_from_slice(from);
    }
    u128::from_be_bytes(buf)
}

/// The unsigned `bits`-bit integer (1 to 64) at bit `offset`; bits past the end read as 0.
pub fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let Ok(byte) = usize::try_from(offset / 8) else {
        return 0;
    };
    let shift = (offset % 8) as u32;
    let v = window(bytes, byte) << shift;
    (v >> (128 - bits)) as u64
}

/// The signed (two's complement) `bits`-bit integer at bit `offset`.
pub fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let raw = get_unsigned(bytes, offset, bits);
    if bits < 64 && raw & (1u64 << (bits - 1)) != 0 {
        (raw | (u64::MAX << bits)) as i64
    } else {
        raw as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset`; the caller has grown `bytes`
/// to hold them.
pub fn set_bits(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    let Ok(byte) = usize::try_from(offset / 8) else {
        return;
    };
    let shift = (offset % 8) as u32;
    let low = 128 - shift - bits;
    let field_mask = (u128::MAX >> (128 - bits)) << low;
    let v = (window(bytes, byte) & !field_mask) | ((u128::from(value) << low) & field_mask);
    let out = v.to_be_bytes();
    let touched = ((shift + bits).div_ceil(8)) as usize;
    if let (Some(to), Some(from)) = (
        bytes.get_mut(byte..byte.saturating_add(touched)),
        out.get(..touched),
    ) {
        to.copy_from_slice(from);
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`: whether `value + incr` leaves the field of
/// `bits` bits (1 to 63), and the value to store instead under WRAP or SAT.
pub fn unsigned_overflow(value: u64, incr: i64, bits: u32, policy: Overflow) -> Option<u64> {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = (value as i64).wrapping_neg();
    let wrapped = || {
        let sum = value.wrapping_add(incr as u64);
        if bits >= 64 { sum } else { sum & max }
    };
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if policy == Overflow::Sat {
            max
        } else {
            wrapped()
        })
    } else if incr < 0 && incr < min_incr {
        Some(if policy == Overflow::Sat {
            0
        } else {
            wrapped()
        })
    } else {
        None
    }
}

/// Redis's `checkSignedBitfieldOverflow`, for fields of 1 to 64 bits.
pub fn signed_overflow(value: i64, incr: i64, bits: u32, policy: Overflow) -> Option<i64> {
    let max = if bits >= 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let mut sum = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let high = u64::MAX << bits;
            if sum & (1u64 << (bits - 1)) != 0 {
                sum |= high;
            } else {
                sum &= !high;
            }
        }
        sum as i64
    };
    let full = bits >= 64;
    if value > max || (!full && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        Some(if policy == Overflow::Sat {
            max
        } else {
            wrapped()
        })
    } else if value < min
        || (!full && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(if policy == Overflow::Sat {
            min
        } else {
            wrapped()
        })
    } else {
        None
    }
}

#[cfg(test)]
#[path = "bitmap_tests.rs"]
mod tests;
