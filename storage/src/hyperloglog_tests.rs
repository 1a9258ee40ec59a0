//! Unit and property tests of the HyperLogLog codec: bytes Redis 7.0.15 wrote, sparse and
//! dense agreeing register for register, and corrupt values refused without panics.

use proptest::prelude::*;

use super::*;

const SPARSE_MAX: usize = 3000;

/// What redis-server 7.0.15 stores after `PFADD k a b c` (GET k).
const REDIS_ABC: &[u8] =
    b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ";

fn sparse_with(elements: &[&[u8]]) -> Vec<u8> {
    let mut v = new_sparse();
    for e in elements {
        add(&mut v, e, SPARSE_MAX).expect("valid");
    }
    v
}

#[test]
fn new_value_is_one_xzero() {
    let v = new_sparse();
    assert_eq!(v.len(), HEADER_LEN + 2);
    assert_eq!(encoding_of(&v), Some(Encoding::Sparse));
    assert_eq!(sparse_opcodes(&v), vec![Opcode::XZero(16384)]);
    let mut v = v;
    assert_eq!(count(&mut v), Ok((0, false)));
}

#[test]
fn same_bytes_as_redis() {
    let mut v = sparse_with(&[b"a", b"b", b"c"]);
    invalidate_cache(&mut v);
    assert_eq!(v, REDIS_ABC);
    assert_eq!(
        sparse_opcodes(&v),
        vec![
            Opcode::XZero(8436),
            Opcode::Val { value: 1, run: 1 },
            Opcode::XZero(4274),
            Opcode::Val { value: 2, run: 1 },
            Opcode::XZero(3068),
            Opcode::Val { value: 1, run: 1 },
            Opcode::XZero(603),
        ]
    );
    assert_eq!(count(&mut v), Ok((3, true)));
    assert_eq!(&v[8..16], &[3, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(count(&mut v), Ok((3, false)));
}

#[test]
fn murmur_matches_reference_tail_handling() {
    // Every tail length goes through a different branch of the final switch.
    let data = b"0123456789abcdef";
    let hashes: Vec<u64> = (0..=16).map(|n| murmur64a(&data[..n], SEED)).collect();
    for (i, a) in hashes.iter().enumerate() {
        for b in hashes.iter().skip(i + 1) {
            assert_ne!(a, b);
        }
    }
    let (index, count) = pattern(b"a");
    // Redis's PFDEBUG DECODE after PFADD k a b c puts "a" at 8436 + 1 + 4274.
    assert_eq!((index, count), (12711, 2));
}

#[test]
fn promotion_by_size_and_by_value() {
    let mut v = new_sparse();
    let mut n = 0u64;
    while encoding_of(&v) == Some(Encoding::Sparse) {
        add(&mut v, &n.to_le_bytes(), SPARSE_MAX).expect("valid");
        assert!(v.len() <= SPARSE_MAX || v.len() == DENSE_LEN);
        n += 1;
    }
    assert_eq!(v.len(), DENSE_LEN);
    let mut v = new_sparse();
    assert_eq!(set_register(&mut v, 5, 33, SPARSE_MAX), Ok(true));
    assert_eq!(encoding_of(&v), Some(Encoding::Dense));
    assert_eq!(register_values(&v).expect("valid")[5], 33);
}

#[test]
fn corrupt_values_are_refused() {
    let mut short = new_sparse();
    short.truncate(HEADER_LEN + 1);
    invalidate_cache(&mut short);
    assert_eq!(count(&mut short), Err(Corrupt));
    assert_eq!(to_dense(&mut short.clone()), Err(Corrupt));
    let mut max = [0u8; REGISTERS];
    assert_eq!(merge_into(&mut max, &short), Err(Corrupt));
    let mut empty_body = new_sparse();
    empty_body.truncate(HEADER_LEN);
    assert_eq!(add(&mut empty_body, b"x", SPARSE_MAX), Err(Corrupt));
    // A VAL run past the last register, after a complete cover: refused (CVE-2025-32023).
    let mut overrun = new_sparse();
    overrun.push(0x80);
    assert_eq!(merge_into(&mut max, &overrun), Err(Corrupt));
    assert_eq!(to_dense(&mut overrun.clone()), Err(Corrupt));
    assert_eq!(encoding_of(b"HYLL\x00"), None);
    assert_eq!(
        encoding_of(b"HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
        None
    );
    assert_eq!(
        encoding_of(b"HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00"),
        None
    );
}

#[test]
fn self_test_passes() {
    assert_eq!(self_test(12345, SPARSE_MAX), Ok(()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sparse_and_dense_agree(elements in prop::collection::vec(any::<u32>(), 0..600)) {
        let mut sparse = new_sparse();
        let mut dense = new_sparse();
        to_dense(&mut dense).expect("valid");
        for e in &elements {
            let e = e.to_be_bytes();
            let a = add(&mut sparse, &e, usize::MAX).expect("valid");
            let b = add(&mut dense, &e, usize::MAX).expect("valid");
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(register_values(&sparse), register_values(&dense));
        invalidate_cache(&mut sparse);
        invalidate_cache(&mut dense);
        prop_assert_eq!(count(&mut sparse).map(|c| c.0), count(&mut dense).map(|c| c.0));
        let mut converted = sparse.clone();
        to_dense(&mut converted).expect("valid");
        prop_assert_eq!(&converted[HEADER_LEN..], &dense[HEADER_LEN..]);
        let mut max = [0u8; REGISTERS];
        merge_into(&mut max, &sparse).expect("valid");
        prop_assert_eq!(count_registers(&max), count(&mut dense).expect("valid").0);
    }

    #[test]
    fn sparse_stays_canonical(registers in prop::collection::vec((0usize..REGISTERS, 1u8..=32), 0..300)) {
        let mut v = new_sparse();
        for (index, value) in registers {
            set_register(&mut v, index, value, usize::MAX).expect("valid");
            let mut max = [0u8; REGISTERS];
            prop_assert!(merge_into(&mut max, &v).is_ok());
        }
    }

    #[test]
    fn garbage_never_panics(body in prop::collection::vec(any::<u8>(), 0..64), element in any::<u16>()) {
        let mut v = new_sparse();
        v.truncate(HEADER_LEN);
        v.extend_from_slice(&body);
        invalidate_cache(&mut v);
        let _ = count(&mut v.clone());
        let mut max = [0u8; REGISTERS];
        let _ = merge_into(&mut max, &v);
        let _ = to_dense(&mut v.clone());
        let _ = sparse_opcodes(&v);
        let _ = add(&mut v, &element.to_le_bytes(), SPARSE_MAX);
    }
}
