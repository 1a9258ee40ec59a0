//! Unit and property tests of the bit algorithms against bit-by-bit references.

use proptest::prelude::*;

use super::*;

fn bit_at(bytes: &[u8], pos: u64) -> bool {
    bytes[(pos / 8) as usize] & (0x80 >> (pos % 8)) != 0
}

#[test]
fn popcount_counts_every_length() {
    let data: Vec<u8> = (0..100u32).map(|i| (i * 37 + 11) as u8).collect();
    for n in 0..data.len() {
        let want: u64 = data[..n].iter().map(|b| u64::from(b.count_ones())).sum();
        assert_eq!(popcount(&data[..n]), want);
    }
}

#[test]
fn fields_at_odd_offsets() {
    let mut bytes = vec![0u8; 2];
    set_bits(&mut bytes, 7, 5, 23);
    assert_eq!(bytes, [0b0000_0001, 0b0111_0000]);
    assert_eq!(get_unsigned(&bytes, 7, 5), 23);
    assert_eq!(get_signed(&bytes, 7, 5), -9);
    let mut wide = vec![0u8; 9];
    set_bits(&mut wide, 7, 64, u64::MAX);
    assert_eq!(get_signed(&wide, 7, 64), -1);
    assert_eq!(wide[0], 1);
    assert_eq!(wide[8], 0xfe);
    assert_eq!(get_unsigned(&[0xff], 4, 8), 0xf0);
}

#[test]
fn overflow_rules_match_redis() {
    assert_eq!(unsigned_overflow(255, 1, 8, Overflow::Wrap), Some(0));
    assert_eq!(unsigned_overflow(255, 1, 8, Overflow::Sat), Some(255));
    assert_eq!(unsigned_overflow(0, -1, 8, Overflow::Sat), Some(0));
    assert_eq!(unsigned_overflow(0, -1, 8, Overflow::Wrap), Some(255));
    // SET of a negative number on an unsigned field: a huge value, saturating high.
    assert_eq!(
        unsigned_overflow(-1i64 as u64, 0, 8, Overflow::Sat),
        Some(255)
    );
    assert_eq!(unsigned_overflow(10, 5, 8, Overflow::Wrap), None);
    assert_eq!(signed_overflow(127, 1, 8, Overflow::Wrap), Some(-128));
    assert_eq!(signed_overflow(127, 1, 8, Overflow::Sat), Some(127));
    assert_eq!(signed_overflow(-128, -1, 8, Overflow::Sat), Some(-128));
    assert_eq!(
        signed_overflow(i64::MAX, 1, 64, Overflow::Wrap),
        Some(i64::MIN)
    );
    assert_eq!(
        signed_overflow(i64::MIN, -1, 64, Overflow::Sat),
        Some(i64::MIN)
    );
    assert_eq!(signed_overflow(5, -3, 64, Overflow::Sat), None);
}

proptest! {
    #[test]
    fn ranges_match_bit_by_bit(data in prop::collection::vec(any::<u8>(), 1..80), a in any::<u16>(), b in any::<u16>(), bit in any::<bool>()) {
        let total = data.len() as u64 * 8;
        let (x, y) = (u64::from(a) % total, u64::from(b) % total);
        let (first, last) = (x.min(y), x.max(y));
        let want = (first..=last).filter(|&p| bit_at(&data, p)).count() as u64;
        prop_assert_eq!(count_range(&data, first, last), want);
        let want_pos = (first..=last).find(|&p| bit_at(&data, p) == bit);
        prop_assert_eq!(find_bit(&data, bit, first, last), want_pos);
    }

    #[test]
    fn fields_round_trip(data in prop::collection::vec(any::<u8>(), 18..24), offset in 0u64..72, bits in 1u32..=64, value in any::<u64>()) {
        let mut bytes = data.clone();
        set_bits(&mut bytes, offset, bits, value);
        let mask = if bits == 64 { u64::MAX } else { (1 << bits) - 1 };
        prop_assert_eq!(get_unsigned(&bytes, offset, bits), value & mask);
        for p in 0..bytes.len() as u64 * 8 {
            if p < offset || p >= offset + u64::from(bits) {
                prop_assert_eq!(bit_at(&bytes, p), bit_at(&data, p));
            }
        }
    }
}
