//! PFSELFTEST: Redis's self-test of the HyperLogLog implementation, run against this
//! codec. It takes its randomness as a seed, since storage holds no global state.

use super::{
    DENSE_LEN, Encoding, REGISTER_MAX, REGISTERS, count, dense_get, dense_set, dense_write,
    encoding_of, invalidate_cache, new_sparse, pattern, registers_mut, set_register,
};

/// A small deterministic generator for [`self_test`], so the test takes its randomness
/// as a seed instead of reaching for global state.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// PFSELFTEST: register access on random values, then ten million elements added to a
/// dense and a sparse HyperLogLog, checking at each power of ten that sparse is still
/// used while small, that both agree, and that the error stays within six standard
/// errors. The error text is what Redis replies after "-".
pub fn self_test(seed: u64, sparse_max_bytes: usize) -> Result<(), String> {
    let mut rng = XorShift(seed | 1);
    let mut dense = vec![0u8; DENSE_LEN];
    dense
        .get_mut(..4)
        .unwrap_or_default()
        .copy_from_slice(b"HYLL");
    let mut expected = vec![0u8; REGISTERS];
    for _ in 0..1000 {
        let regs = registers_mut(&mut dense);
        for (i, slot) in expected.iter_mut().enumerate() {
            let r = (rng.next() as u8) & REGISTER_MAX;
            *slot = r;
            dense_write(regs, i, r);
        }
        for (i, &want) in expected.iter().enumerate() {
            let got = dense_get(regs, i);
            if got != want {
                return Err(format!(
                    "TESTFAILED Register {i} should be {want} but is {got}"
                ));
            }
        }
    }
    registers_mut(&mut dense).fill(0);
    let mut sparse = new_sparse();
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    let base = rng.next();
    let estimate_of = |v: &[u8]| -> Result<u64, String> {
        let mut copy = v.to_vec();
        invalidate_cache(&mut copy);
        count(&mut copy)
            .map(|(n, _)| n)
            .map_err(|_| "TESTFAILED corrupted HLL".to_string())
    };
    for j in 1..=10_000_000u64 {
        let element = (j ^ base).to_le_bytes();
        let (index, c) = pattern(&element);
        dense_set(registers_mut(&mut dense), index, c);
        set_register(&mut sparse, index, c, sparse_max_bytes)
            .map_err(|_| "TESTFAILED corrupted HLL".to_string())?;
        if j != checkpoint {
            continue;
        }
        if j < sparse_max_bytes as u64 / 2 && encoding_of(&sparse) != Some(Encoding::Sparse) {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let dense_card = estimate_of(&dense)?;
        if dense_card != estimate_of(&sparse)? {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abserr = checkpoint.abs_diff(dense_card);
        let maxerr = if j == 10 {
            1
        } else {
            (relerr * 6.0 * checkpoint as f64).ceil() as u64
        };
        if abserr > maxerr {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}
