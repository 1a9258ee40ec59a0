//! HyperLogLog values in Redis 7.0's exact byte layout, so that a value written by one
//! server is read by the other (GET, SET, DUMP, RDB carry it as a plain string).
//!
//! It owns the format and the arithmetic: the 16-byte header ("HYLL", the encoding byte,
//! three reserved bytes, the cached cardinality as 8 little-endian bytes whose top bit
//! marks it stale), the dense encoding (16384 registers of 6 bits packed LSB first) and
//! the sparse one (ZERO, XZERO and VAL opcodes), MurmurHash64A with Redis's seed,
//! promotion from sparse to dense, and Redis 7.0's estimator (Ertl's tau and sigma).
//! Every function works on a value's bytes; it deliberately knows nothing of keys, of the
//! string type's encodings or of the `hll-sparse-max-bytes` setting (callers pass it).
//!
//! Values come from clients (SET can store anything that starts with "HYLL"), so every
//! read is bounded: a corrupt sparse value is reported as [`Corrupt`], never read past.

/// A value that claims to be a HyperLogLog but whose sparse opcodes do not describe
/// exactly the 16384 registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// The two encodings a stored HyperLogLog can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 6-bit registers, all 16384 of them.
    Dense,
    /// Run-length opcodes; small HyperLogLogs start this way.
    Sparse,
}

/// Bytes before the registers or opcodes.
pub const HEADER_LEN: usize = 16;
/// log2 of the number of registers.
const P: u32 = 14;
/// Number of registers.
pub const REGISTERS: usize = 1 << P;
/// Hash bits left after the register index.
const Q: usize = 64 - P as usize;
/// Bits per dense register.
const REGISTER_BITS: usize = 6;
/// The largest value a register holds.
const REGISTER_MAX: u8 = (1 << REGISTER_BITS) - 1;
/// Length of a dense value, header included.
pub const DENSE_LEN: usize = HEADER_LEN + (REGISTERS * REGISTER_BITS).div_ceil(8);
/// The seed Redis hashes elements with.
const SEED: u64 = 0xadc8_3b19;
/// The largest register value a sparse VAL opcode can hold; larger ones force dense.
const SPARSE_VAL_MAX_VALUE: u8 = 32;
/// The longest run one VAL opcode covers.
const SPARSE_VAL_MAX_LEN: usize = 4;
/// The longest run one ZERO opcode covers.
const SPARSE_ZERO_MAX_LEN: usize = 64;
/// Redis's alpha for an infinite number of registers, 0.5 / ln 2.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
/// Offset of the encoding byte in the header.
const ENCODING_AT: usize = 4;
/// Offset of the cached cardinality in the header.
const CARD_AT: usize = 8;
/// The byte of the cached cardinality that holds the "stale" bit.
const CARD_STALE_BYTE: usize = CARD_AT + 7;

/// MurmurHash64A, as Redis hashes HyperLogLog elements (little-endian words).
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let len = data.len() as u64;
    let mut h = seed ^ len.wrapping_mul(M);
    let mut words = data.chunks_exact(8);
    for word in words.by_ref() {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(word);
        let mut k = u64::from_le_bytes(raw);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        for (i, &byte) in tail.iter().enumerate() {
            h ^= u64::from(byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element falls in and the length of its hash's "000..1" pattern
/// (Redis's `hllPatLen`): 1 to 51.
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The bit above the Q hash bits stops the count at Q + 1.
    let rest = (hash >> P) | (1u64 << Q);
    let count = rest.trailing_zeros() + 1;
    (index, u8::try_from(count).unwrap_or(REGISTER_MAX))
}

/// A new, empty HyperLogLog as Redis creates it: sparse, one XZERO covering everything,
/// a cached cardinality of 0 that is valid.
pub fn new_sparse() -> Vec<u8> {
    let mut value = Vec::with_capacity(HEADER_LEN + 2);
    value.extend_from_slice(b"HYLL");
    value.push(1);
    value.resize(HEADER_LEN, 0);
    value.extend_from_slice(&xzero_opcode(REGISTERS));
    value
}

/// Whether a string value is a HyperLogLog Redis would accept (its `isHLLObjectOrReply`
/// past the type check), and its encoding.
pub fn encoding_of(value: &[u8]) -> Option<Encoding> {
    if value.len() < HEADER_LEN || value.get(..4) != Some(b"HYLL") {
        return None;
    }
    match value.get(ENCODING_AT) {
        Some(0) if value.len() == DENSE_LEN => Some(Encoding::Dense),
        Some(1) => Some(Encoding::Sparse),
        _ => None,
    }
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(value: &mut [u8]) {
    if let Some(byte) = value.get_mut(CARD_STALE_BYTE) {
        *byte |= 0x80;
    }
}

/// Adds an element: true when a register grew. A sparse value turns dense when a
/// register needs more than the sparse encoding holds, or when it would grow past
/// `sparse_max_bytes`.
pub fn add(value: &mut Vec<u8>, element: &[u8], sparse_max_bytes: usize) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    set_register(value, index, count, sparse_max_bytes)
}

/// Raises register `index` to `count` if it is lower: true when it changed.
pub fn set_register(
    value: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<bool, Corrupt> {
    match encoding_of(value) {
        Some(Encoding::Dense) => Ok(dense_set(registers_mut(value), index, count)),
        Some(Encoding::Sparse) => sparse_set(value, index, count, sparse_max_bytes),
        None => Err(Corrupt),
    }
}

/// The cardinality estimate, from the cache when it is valid; otherwise computed and
/// cached. Returns the estimate and whether the value changed (the cache was written).
pub fn count(value: &mut [u8]) -> Result<(u64, bool), Corrupt> {
    let card = value.get(CARD_AT..HEADER_LEN).ok_or(Corrupt)?;
    let mut raw = [0u8; 8];
    raw.copy_from_slice(card);
    if raw[7] & 0x80 == 0 {
        return Ok((u64::from_le_bytes(raw), false));
    }
    let mut histogram = [0u32; 64];
    match encoding_of(value) {
        Some(Encoding::Dense) => dense_histogram(registers(value), &mut histogram),
        Some(Encoding::Sparse) => sparse_histogram(registers(value), &mut histogram)?,
        None => return Err(Corrupt),
    }
    let estimate = estimate(&histogram);
    if let Some(card) = value.get_mut(CARD_AT..HEADER_LEN) {
        card.copy_from_slice(&estimate.to_le_bytes());
    }
    Ok((estimate, true))
}

/// Merges a HyperLogLog into `max`, one byte per register, keeping the larger value
/// (Redis's `hllMerge`).
pub fn merge_into(max: &mut [u8; REGISTERS], value: &[u8]) -> Result<(), Corrupt> {
    match encoding_of(value) {
        Some(Encoding::Dense) => {
            let regs = registers(value);
            for (index, slot) in max.iter_mut().enumerate() {
                *slot = (*slot).max(dense_get(regs, index));
            }
            Ok(())
        }
        Some(Encoding::Sparse) => {
            let mut index = 0;
            for_each_run(registers(value), |run, register| {
                if register > 0 {
                    for slot in max.iter_mut().skip(index).take(run) {
                        *slot = (*slot).max(register);
                    }
                }
                index += run;
            })?;
            Ok(())
        }
        None => Err(Corrupt),
    }
}

/// The estimate for registers held one per byte (PFCOUNT over several keys).
pub fn count_registers(max: &[u8; REGISTERS]) -> u64 {
    let mut histogram = [0u32; 64];
    for &register in max {
        if let Some(slot) = histogram.get_mut(usize::from(register)) {
            *slot += 1;
        }
    }
    estimate(&histogram)
}

/// Converts a sparse value to dense in place (header kept, cache included); false when
/// it was dense already.
pub fn to_dense(value: &mut Vec<u8>) -> Result<bool, Corrupt> {
    if encoding_of(value) != Some(Encoding::Sparse) {
        return if encoding_of(value).is_some() {
            Ok(false)
        } else {
            Err(Corrupt)
        };
    }
    let mut dense = vec![0u8; DENSE_LEN];
    if let (Some(to), Some(from)) = (dense.get_mut(..HEADER_LEN), value.get(..HEADER_LEN)) {
        to.copy_from_slice(from);
    }
    if let Some(encoding) = dense.get_mut(ENCODING_AT) {
        *encoding = 0;
    }
    let mut index = 0;
    let regs = dense.get_mut(HEADER_LEN..).unwrap_or_default();
    for_each_run(registers(value), |run, register| {
        if register > 0 {
            for i in index..index + run {
                dense_write(regs, i, register);
            }
        }
        index += run;
    })?;
    *value = dense;
    Ok(true)
}

/// Every register's value (PFDEBUG GETREG reads them after a conversion to dense).
pub fn register_values(value: &[u8]) -> Result<Vec<u8>, Corrupt> {
    let mut max = [0u8; REGISTERS];
    merge_into(&mut max, value)?;
    Ok(max.to_vec())
}

/// One sparse opcode, for PFDEBUG DECODE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// ZERO: a run of up to 64 empty registers.
    Zero(usize),
    /// XZERO: a run of up to 16384 empty registers.
    XZero(usize),
    /// VAL: a run of up to 4 registers holding the value.
    Val {
        /// The registers' value, 1 to 32.
        value: u8,
        /// How many registers.
        run: usize,
    },
}

/// A sparse value's opcodes in order, as they are stored (no validation).
pub fn sparse_opcodes(value: &[u8]) -> Vec<Opcode> {
    let ops = registers(value);
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&byte) = ops.get(at) {
        let (op, len) = decode(byte, ops.get(at + 1).copied());
        out.push(op);
        at += len;
    }
    out
}

/// The bytes after the header.
fn registers(value: &[u8]) -> &[u8] {
    value.get(HEADER_LEN..).unwrap_or_default()
}

fn registers_mut(value: &mut [u8]) -> &mut [u8] {
    value.get_mut(HEADER_LEN..).unwrap_or_default()
}

/// Decodes the opcode starting with `byte`; `next` is the byte after it, which an
/// XZERO uses (a truncated value reads it as 0, like the string terminator Redis reads).
fn decode(byte: u8, next: Option<u8>) -> (Opcode, usize) {
    if byte & 0xc0 == 0 {
        (Opcode::Zero(usize::from(byte & 0x3f) + 1), 1)
    } else if byte & 0x80 != 0 {
        (
            Opcode::Val {
                value: ((byte >> 2) & 0x1f) + 1,
                run: usize::from(byte & 0x3) + 1,
            },
            1,
        )
    } else {
        let run = (usize::from(byte & 0x3f) << 8 | usize::from(next.unwrap_or(0))) + 1;
        (Opcode::XZero(run), 2)
    }
}

/// Calls `f(run, value)` for each opcode of a sparse body; `Corrupt` unless the runs
/// cover exactly the 16384 registers. A VAL run past the end is refused before `f` sees
/// it, so `f` never gets registers beyond the last one (Debian's Redis 7.0.15 carries the
/// CVE-2025-32023 fix, which refuses it there too, even after a complete cover).
fn for_each_run(ops: &[u8], mut f: impl FnMut(usize, u8)) -> Result<(), Corrupt> {
    let mut index = 0usize;
    let mut at = 0;
    while let Some(&byte) = ops.get(at) {
        let (op, len) = decode(byte, ops.get(at + 1).copied());
        at += len;
        match op {
            Opcode::Zero(run) | Opcode::XZero(run) => {
                index += run;
                f(run, 0);
            }
            Opcode::Val { value, run } => {
                if index + run > REGISTERS {
                    return Err(Corrupt);
                }
                index += run;
                f(run, value);
            }
        }
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Register `index` of dense registers.
fn dense_get(regs: &[u8], index: usize) -> u8 {
    let bit = index * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let b0 = u16::from(regs.get(byte).copied().unwrap_or(0));
    let b1 = u16::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 | b1 << 8) >> shift) as u8) & REGISTER_MAX
}

/// Writes register `index` of dense registers.
fn dense_write(regs: &mut [u8], index: usize, value: u8) {
    let bit = index * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let word = u16::from(value & REGISTER_MAX) << shift;
    let mask = u16::from(REGISTER_MAX) << shift;
    if let Some(b0) = regs.get_mut(byte) {
        *b0 = (*b0 & !(mask as u8)) | word as u8;
    }
    if let Some(b1) = regs.get_mut(byte + 1) {
        *b1 = (*b1 & !((mask >> 8) as u8)) | (word >> 8) as u8;
    }
}

/// Raises a dense register: true when it changed.
fn dense_set(regs: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(regs, index) {
        dense_write(regs, index, count);
        true
    } else {
        false
    }
}

fn dense_histogram(regs: &[u8], histogram: &mut [u32; 64]) {
    // Twelve bytes hold sixteen registers; reading them a group at a time avoids the
    // per-register shifts' bounds checks.
    for group in regs.chunks_exact(12).take(REGISTERS / 16) {
        let mut raw = [0u8; 16];
        if let Some(head) = raw.get_mut(..12) {
            head.copy_from_slice(group);
        }
        let bits = u128::from_le_bytes(raw);
        for i in 0..16 {
            let register = ((bits >> (i * REGISTER_BITS)) & u128::from(REGISTER_MAX)) as usize;
            if let Some(slot) = histogram.get_mut(register) {
                *slot += 1;
            }
        }
    }
}

fn sparse_histogram(ops: &[u8], histogram: &mut [u32; 64]) -> Result<(), Corrupt> {
    let mut index = 0usize;
    let mut at = 0;
    // Unlike a merge, the histogram counts every run, even one past the end; the value
    // is then refused anyway.
    while let Some(&byte) = ops.get(at) {
        let (op, len) = decode(byte, ops.get(at + 1).copied());
        at += len;
        let (run, value) = match op {
            Opcode::Zero(run) | Opcode::XZero(run) => (run, 0),
            Opcode::Val { value, run } => (run, value),
        };
        index += run;
        if let Some(slot) = histogram.get_mut(usize::from(value)) {
            *slot += run as u32;
        }
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Ertl's sigma function (arXiv:1702.01284), as Redis 7.0 computes it.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

/// Ertl's tau function, as Redis 7.0 computes it.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

/// Redis 7.0's estimator over a register histogram.
fn estimate(histogram: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let at = |i: usize| f64::from(histogram.get(i).copied().unwrap_or(0));
    let mut z = m * tau((m - at(Q + 1)) / m);
    for j in (1..=Q).rev() {
        z += at(j);
        z *= 0.5;
    }
    z += m * sigma(at(0) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

fn val_opcode(value: u8, run: usize) -> u8 {
    0x80 | (value.saturating_sub(1) & 0x1f) << 2 | (run.saturating_sub(1) & 0x3) as u8
}

fn zero_opcode(run: usize) -> u8 {
    (run.saturating_sub(1) & 0x3f) as u8
}

fn xzero_opcode(run: usize) -> [u8; 2] {
    let l = run.saturating_sub(1);
    [0x40 | ((l >> 8) & 0x3f) as u8, (l & 0xff) as u8]
}

/// A zero run as Redis writes it when splitting: ZERO up to 64, else XZERO.
fn push_zero_run(seq: &mut Vec<u8>, run: usize) {
    if run > SPARSE_ZERO_MAX_LEN {
        seq.extend_from_slice(&xzero_opcode(run));
    } else {
        seq.push(zero_opcode(run));
    }
}

/// Redis's `hllSparseSet`: updates the opcode covering `index` in place, splitting it
/// and merging equal neighbours the way Redis does, so both servers produce the same
/// bytes; promotes to dense when needed.
fn sparse_set(
    value: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(value, index, count);
    }
    // Find the opcode covering the register.
    let end = value.len();
    let mut at = HEADER_LEN;
    let mut first = 0usize;
    let mut prev = None;
    let mut found = None;
    while let Some(&byte) = value.get(at) {
        let (op, len) = decode(byte, value.get(at + 1).copied());
        let span = match op {
            Opcode::Zero(run) | Opcode::XZero(run) => run,
            Opcode::Val { run, .. } => run,
        };
        if index < first + span {
            found = Some((op, len, span));
            break;
        }
        prev = Some(at);
        at += len;
        first += span;
    }
    let Some((op, op_len, span)) = found else {
        return Err(Corrupt);
    };
    let last = first + span - 1;
    match op {
        Opcode::Val { value: old, .. } if old >= count => return Ok(false),
        Opcode::Val { run: 1, .. } | Opcode::Zero(1) => {
            if let Some(byte) = value.get_mut(at) {
                *byte = val_opcode(count, 1);
            }
        }
        _ => {
            let mut seq = Vec::with_capacity(5);
            match op {
                Opcode::Val { value: old, .. } => {
                    if index != first {
                        seq.push(val_opcode(old, index - first));
                    }
                    seq.push(val_opcode(count, 1));
                    if index != last {
                        seq.push(val_opcode(old, last - index));
                    }
                }
                Opcode::Zero(_) | Opcode::XZero(_) => {
                    if index != first {
                        push_zero_run(&mut seq, index - first);
                    }
                    seq.push(val_opcode(count, 1));
                    if index != last {
                        push_zero_run(&mut seq, last - index);
                    }
                }
            }
            if seq.len() > op_len && end + (seq.len() - op_len) > sparse_max_bytes {
                return promote(value, index, count);
            }
            // An XZERO cut off by the end of the value (its second byte missing) is
            // replaced the way Redis replaces it: the new opcodes are written from its
            // first byte but the length grows only by the size difference, so the last
            // new byte falls outside the value.
            let new_len = (end + seq.len()).saturating_sub(op_len);
            let replaced = at..(at + op_len).min(end);
            value.splice(replaced, seq);
            value.truncate(new_len);
        }
    }
    merge_neighbours(value, prev.unwrap_or(HEADER_LEN));
    invalidate_cache(value);
    Ok(true)
}

/// Merges adjacent VAL opcodes of equal value, looking at up to five opcodes from `at`
/// (Redis's step 4 of `hllSparseSet`).
fn merge_neighbours(value: &mut Vec<u8>, mut at: usize) {
    let is_val = |b: u8| b & 0x80 != 0;
    let mut budget = 5;
    while at < value.len() && budget > 0 {
        budget -= 1;
        let Some(&byte) = value.get(at) else { break };
        if byte & 0xc0 == 0x40 {
            at += 2;
            continue;
        }
        if byte & 0xc0 == 0 {
            at += 1;
            continue;
        }
        if let Some(&next) = value.get(at + 1)
            && is_val(next)
        {
            let (Opcode::Val { value: v1, run: r1 }, _) = decode(byte, None) else {
                break;
            };
            let (Opcode::Val { value: v2, run: r2 }, _) = decode(next, None) else {
                break;
            };
            if v1 == v2 && r1 + r2 <= SPARSE_VAL_MAX_LEN {
                if let Some(slot) = value.get_mut(at + 1) {
                    *slot = val_opcode(v1, r1 + r2);
                }
                value.remove(at);
                continue;
            }
        }
        at += 1;
    }
}

fn promote(value: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(value)?;
    dense_set(registers_mut(value), index, count);
    Ok(true)
}

#[path = "hyperloglog_selftest.rs"]
mod selftest;
pub use selftest::self_test;

#[cfg(test)]
#[path = "hyperloglog_tests.rs"]
mod tests;
