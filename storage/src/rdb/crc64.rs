//! CRC-64 with the Jones polynomial, the checksum Redis appends to RDB files and DUMP
//! payloads.
//!
//! Reflected input and output, initial value 0, no final xor (Redis's `crc64`). It owns
//! only the checksum; where it is written (8 bytes little-endian after EOF) is the
//! writer's concern.

/// The Jones polynomial 0xad93d23594c935a9, bit-reversed for the reflected algorithm.
const POLY_REFLECTED: u64 = 0x95ac_9329_ac4b_c9b5;

/// One table entry per byte value, built at compile time.
const TABLE: [u64; 256] = build_table();

const fn build_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut rest: &mut [u64] = &mut table;
    let mut byte = 0u64;
    // A slice pattern walks the table, since the crate's lints forbid indexing.
    while let [slot, tail @ ..] = rest {
        let mut crc = byte;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        *slot = crc;
        byte += 1;
        rest = tail;
    }
    table
}

/// Continues a checksum `crc` over `bytes` (start with 0).
pub fn crc64(mut crc: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        let slot = TABLE
            .get(((crc ^ u64::from(b)) & 0xff) as usize)
            .copied()
            .unwrap_or(0);
        crc = slot ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_matches_redis() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn continues_across_chunks() {
        let text = b"This is a test of the emergency broadcast system.";
        let whole = crc64(0, text);
        let (a, b) = text.split_at(17);
        assert_eq!(crc64(crc64(0, a), b), whole);
        assert_eq!(crc64(0, b""), 0);
    }
}
