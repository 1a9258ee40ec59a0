//! LZF compression (the format of liblzf, which Redis uses for RDB strings and
//! compressed quicklist nodes). Decompression is the `lzf-rust` crate's.
//!
//! Written here because the crate's compressor zeroes a 256 KiB hash table on every
//! call, which dominates when compressing millions of 100-byte values (an RDB save of
//! 1M such keys took 8 s). This one sizes its table to the input. The output is valid
//! LZF, not necessarily byte-identical to liblzf's choices (the format allows many
//! encodings of the same data; every decoder reads them all).
//!
//! The format: a control byte below 32 starts a run of `ctrl + 1` literal bytes; any
//! other control byte is a back reference: the top 3 bits hold `length - 2` (7 means an
//! extra length byte follows, adding to it), the low 5 bits and the next byte the
//! distance minus one (up to 8192 back).

/// Longest literal run one control byte covers.
const MAX_LITERALS: usize = 32;
/// Farthest a back reference reaches.
const MAX_DISTANCE: usize = 1 << 13;
/// Longest match one back reference encodes: 2 + 7 + 255.
const MAX_MATCH: usize = 264;
/// Hash table size bounds (log2): small inputs get small tables.
const MIN_HASH_LOG: u32 = 8;
const MAX_HASH_LOG: u32 = 14;

/// Compresses `input`, appending to `out`; false (with `out` as it was) when the
/// compressed form would exceed `budget` bytes.
pub fn compress_into(input: &[u8], out: &mut Vec<u8>, budget: usize) -> bool {
    let start = out.len();
    if input.is_empty() || !encode(input, out, start.saturating_add(budget)) {
        out.truncate(start);
        return false;
    }
    true
}

fn hash_log(len: usize) -> u32 {
    let bits = usize::BITS - len.leading_zeros();
    bits.clamp(MIN_HASH_LOG, MAX_HASH_LOG)
}

fn hash_at(input: &[u8], pos: usize, log: u32) -> Option<usize> {
    let [a, b, c]: [u8; 3] = input.get(pos..pos + 3)?.try_into().ok()?;
    let v = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
    Some((v.wrapping_mul(2_654_435_761) >> (32 - log)) as usize)
}

fn encode(input: &[u8], out: &mut Vec<u8>, limit: usize) -> bool {
    let log = hash_log(input.len());
    // Positions plus one, so 0 means "empty".
    let mut table = vec![0u32; 1 << log];
    let mut literal_start = 0usize;
    let mut pos = 0usize;
    while pos < input.len() {
        let found = hash_at(input, pos, log).and_then(|h| {
            let slot = table.get_mut(h)?;
            let previous = *slot as usize;
            *slot = u32::try_from(pos + 1).ok()?;
            let candidate = previous.checked_sub(1)?;
            let distance = pos - candidate;
            (distance <= MAX_DISTANCE
                && input.get(candidate..candidate + 3) == input.get(pos..pos + 3))
            .then_some(candidate)
        });
        let Some(candidate) = found else {
            pos += 1;
            continue;
        };
        let max_len = (input.len() - pos).min(MAX_MATCH);
        let len = (0..max_len)
            .take_while(|&i| input.get(candidate + i) == input.get(pos + i))
            .count();
        emit_literals(input.get(literal_start..pos).unwrap_or_default(), out);
        emit_match(len, pos - candidate - 1, out);
        if out.len() > limit {
            return false;
        }
        pos += len;
        literal_start = pos;
    }
    emit_literals(input.get(literal_start..).unwrap_or_default(), out);
    out.len() <= limit
}

fn emit_literals(literals: &[u8], out: &mut Vec<u8>) {
    for run in literals.chunks(MAX_LITERALS) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// A back reference of `len` (3..=264) bytes starting `offset + 1` bytes back.
fn emit_match(len: usize, offset: usize, out: &mut Vec<u8>) {
    let code = len - 2;
    let high = (offset >> 8) as u8;
    if code < 7 {
        out.push(((code as u8) << 5) | high);
    } else {
        out.push((7 << 5) | high);
        out.push((code - 7) as u8);
    }
    out.push((offset & 0xff) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(input: &[u8]) {
        let mut out = Vec::new();
        if compress_into(input, &mut out, input.len() * 2 + 16) {
            let back = lzf_rust::decompress_into_vec(&out, input.len()).expect("decodes");
            assert_eq!(back, input);
        } else {
            assert!(input.is_empty());
        }
    }

    #[test]
    fn repetitive_and_long_inputs() {
        round_trip(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        round_trip(&b"value:123".repeat(1000));
        let long: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        round_trip(&long);
        let mut out = Vec::new();
        assert!(compress_into(&[b'x'; 100], &mut out, 96));
        assert!(out.len() < 10);
    }

    #[test]
    fn over_budget_leaves_out_untouched() {
        let mut out = vec![1, 2, 3];
        let noise: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(97)).collect();
        assert!(!compress_into(&noise, &mut out, 10));
        assert_eq!(out, [1, 2, 3]);
    }

    proptest! {
        #[test]
        fn random_inputs_round_trip(input in prop::collection::vec(0u8..4, 1..3000)) {
            round_trip(&input);
        }
    }
}
