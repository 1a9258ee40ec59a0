//! Redis's listpack: a sequence of strings and integers packed into one byte blob.
//!
//! Small hashes and sorted sets live in one listpack, lists in a chain of them. The
//! layout is Redis 7.0's byte for byte, because RDB files and DUMP payloads carry
//! listpacks as they are: a 6-byte header (total bytes, u32 little-endian; entry count,
//! u16, 65535 meaning "count them"), the entries, and a 0xFF terminator. Each entry is an
//! encoding byte (integer or string, sized to fit), its data, and a "backlen" that lets a
//! reader walk backwards. Strings that Redis's `string2ll` accepts are stored as integers.
//!
//! The module owns the format and positional editing. It deliberately knows nothing of
//! hashes, lists or thresholds: the type modules decide what an entry means and when a
//! listpack has grown too big.
//!
//! Positions are byte offsets of entries, as Redis's `unsigned char *p`; one is valid
//! until the next change to the listpack.

#[cfg(test)]
mod tests;

use crate::error::StorageError;
use crate::number::{format_i64, parse_i64};
use crate::string::IntBuf;

const HEADER_SIZE: usize = 6;
const EOF: u8 = 0xFF;
/// The header's count when the real count does not fit in 16 bits.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One entry's content: bytes, or an integer standing for its decimal text. Sets and
/// sorted sets hand out their members as this type too (an intset's integers, a
/// listpack's entries, a table's bytes). Two entries are equal when they are the same
/// variant with the same content, which within one encoding means the same member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LpEntry<'a> {
    /// A string (one that does not look like an integer).
    Str(&'a [u8]),
    /// An integer, including strings that were stored as one.
    Int(i64),
}

impl<'a> LpEntry<'a> {
    /// Whether the entry equals the string `s`, as Redis's `lpCompare`: an integer entry
    /// equals the strings that parse to it.
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match *self {
            LpEntry::Str(bytes) => bytes == s,
            LpEntry::Int(v) => parse_i64(s) == Some(v),
        }
    }

    /// The entry as bytes (integers in decimal).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the entry's bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            LpEntry::Str(bytes) => out.extend_from_slice(bytes),
            LpEntry::Int(v) => out.extend_from_slice(format_i64(v, &mut IntBuf::default())),
        }
    }

    /// The entry as an integer: an integer entry, or a string `string2ll` accepts.
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            LpEntry::Str(bytes) => parse_i64(bytes),
            LpEntry::Int(v) => Some(v),
        }
    }

    /// The entry's length in bytes as a string.
    pub fn len(&self) -> usize {
        match *self {
            LpEntry::Str(bytes) => bytes.len(),
            LpEntry::Int(v) => crate::number::i64_len(v),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry's text, using `scratch` for an integer.
    pub fn as_bytes<'s>(&self, scratch: &'s mut IntBuf) -> &'s [u8]
    where
        'a: 's,
    {
        match *self {
            LpEntry::Str(bytes) => bytes,
            LpEntry::Int(v) => format_i64(v, scratch),
        }
    }
}

/// A listpack: an exact-size heap blob and nothing else (16 bytes), so that a small hash
/// or sorted set can sit in the keyspace's value slot without a box around it.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Box<[u8]>,
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

impl Listpack {
    /// An empty listpack (7 bytes: the header and the terminator).
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(HEADER_SIZE + 1);
        buf.extend_from_slice(&7u32.to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes());
        buf.push(EOF);
        Listpack {
            buf: buf.into_boxed_slice(),
        }
    }

    /// A listpack from bytes of unknown origin (an RDB file, a DUMP payload), checked
    /// entry by entry so that nothing later can read out of bounds.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, StorageError> {
        let lp = Listpack {
            buf: bytes.into_boxed_slice(),
        };
        if lp.validate() {
            Ok(lp)
        } else {
            Err(StorageError::Corrupt)
        }
    }

    fn validate(&self) -> bool {
        let Some(&[a, b, c, d]) = self.buf.get(..4) else {
            return false;
        };
        let total = u32::from_le_bytes([a, b, c, d]);
        if usize::try_from(total).ok() != Some(self.buf.len()) || self.buf.len() < HEADER_SIZE + 1 {
            return false;
        }
        if self.buf.last() != Some(&EOF) {
            return false;
        }
        let mut pos = HEADER_SIZE;
        let mut count = 0usize;
        let end = self.buf.len() - 1;
        while pos < end {
            let Some((_, len)) = decode(&self.buf, pos) else {
                return false;
            };
            let backlen_size = backlen_size(len);
            let Some(next) = pos.checked_add(len + backlen_size) else {
                return false;
            };
            if next > end || read_backlen(&self.buf, next - 1) != Some(len) {
                return false;
            }
            pos = next;
            count += 1;
        }
        let header = self.header_count();
        header == COUNT_UNKNOWN || usize::from(header) == count
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        match self.header_count() {
            COUNT_UNKNOWN => self.iter().count(),
            n => usize::from(n),
        }
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.buf.len() <= HEADER_SIZE + 1
    }

    /// The blob's size in bytes, header and terminator included.
    pub fn total_bytes(&self) -> usize {
        self.buf.len()
    }

    /// The blob, as RDB and DUMP store it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The heap bytes this listpack holds (for memory accounting).
    pub fn allocated(&self) -> usize {
        self.buf.len()
    }

    /// The first entry's position.
    pub fn first(&self) -> Option<usize> {
        (!self.is_empty()).then_some(HEADER_SIZE)
    }

    /// The last entry's position.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.buf.len() - 1)
    }

    /// The position after `pos`.
    pub fn next(&self, pos: usize) -> Option<usize> {
        let (_, len) = decode(&self.buf, pos)?;
        let next = pos + len + backlen_size(len);
        (self.buf.get(next).is_some_and(|&b| b != EOF)).then_some(next)
    }

    /// The entry at `pos` and the position after it, from one decoding (the walk every
    /// range read makes, so it must not decode each entry twice).
    #[inline]
    pub fn get_and_next(&self, pos: usize) -> Option<(LpEntry<'_>, Option<usize>)> {
        let (entry, len) = decode(&self.buf, pos)?;
        let next = pos + len + backlen_size(len);
        let more = self.buf.get(next).is_some_and(|&b| b != EOF);
        Some((entry, more.then_some(next)))
    }

    /// The position before `pos` (`pos` may be the terminator's).
    pub fn prev(&self, pos: usize) -> Option<usize> {
        if pos <= HEADER_SIZE {
            return None;
        }
        let len = read_backlen(&self.buf, pos - 1)?;
        pos.checked_sub(len + backlen_size(len))
    }

    /// The entry at `pos` (an empty string for a position that is not an entry's, which
    /// positions from this listpack's own navigation never are).
    pub fn get(&self, pos: usize) -> LpEntry<'_> {
        decode(&self.buf, pos).map_or(LpEntry::Str(&[]), |(entry, _)| entry)
    }

    /// The position of the entry at `index`; negative indexes count from the tail.
    pub fn seek(&self, index: i64) -> Option<usize> {
        if index >= 0 {
            let mut pos = self.first()?;
            for _ in 0..index {
                pos = self.next(pos)?;
            }
            Some(pos)
        } else {
            let mut pos = self.last()?;
            for _ in 1..index.unsigned_abs() {
                pos = self.prev(pos)?;
            }
            Some(pos)
        }
    }

    /// The entries from head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            front: self.first(),
            back: self.last(),
        }
    }

    /// Appends a string (stored as an integer when it is one).
    pub fn push_back(&mut self, ele: &[u8]) {
        let at = self.buf.len() - 1;
        self.insert_at(at, ele);
    }

    /// Prepends a string.
    pub fn push_front(&mut self, ele: &[u8]) {
        self.insert_at(HEADER_SIZE, ele);
    }

    /// Appends an integer.
    pub fn push_back_int(&mut self, v: i64) {
        let at = self.buf.len() - 1;
        self.splice_entry(at, 0, &encode_int(v), 1);
    }

    /// Inserts a string before the entry at `pos`.
    pub fn insert_before(&mut self, pos: usize, ele: &[u8]) {
        self.insert_at(pos, ele);
    }

    /// Inserts a string after the entry at `pos`.
    pub fn insert_after(&mut self, pos: usize, ele: &[u8]) {
        let at = self.end_of(pos);
        self.insert_at(at, ele);
    }

    /// Replaces the entry at `pos` with a string.
    pub fn replace(&mut self, pos: usize, ele: &[u8]) {
        let old = self.end_of(pos) - pos;
        self.splice_entry(pos, old, &encode(ele), 0);
    }

    /// Replaces the entry at `pos` with an integer.
    pub fn replace_int(&mut self, pos: usize, v: i64) {
        let old = self.end_of(pos) - pos;
        self.splice_entry(pos, old, &encode_int(v), 0);
    }

    /// Deletes the entry at `pos`; returns the position of the entry that followed.
    pub fn delete(&mut self, pos: usize) -> Option<usize> {
        let end = self.end_of(pos);
        if end == pos || end > self.buf.len() {
            return None;
        }
        self.edit(|buf| {
            buf.drain(pos..end);
        });
        self.set_header(-1);
        (self.buf.get(pos).is_some_and(|&b| b != EOF)).then_some(pos)
    }

    /// Deletes `count` entries starting at `index` (fewer if the listpack ends first).
    pub fn delete_range(&mut self, index: usize, count: usize) {
        let Some(start) = i64::try_from(index).ok().and_then(|i| self.seek(i)) else {
            return;
        };
        let mut end = start;
        let mut removed = 0usize;
        while removed < count && self.buf.get(end).is_some_and(|&b| b != EOF) {
            let next = self.end_of(end);
            if next == end {
                break;
            }
            end = next;
            removed += 1;
        }
        if end > self.buf.len() {
            return;
        }
        self.edit(|buf| {
            buf.drain(start..end);
        });
        let delta = i64::try_from(removed).unwrap_or(i64::MAX);
        self.set_header(-delta);
    }

    /// The first entry equal to `ele` at or after `pos`, comparing only every
    /// `skip + 1`-th entry (1 to look at the fields of field/value pairs), as `lpFind`.
    pub fn find(&self, pos: usize, ele: &[u8], skip: usize) -> Option<usize> {
        let as_int = parse_i64(ele);
        let mut pos = Some(pos);
        let mut to_skip = 0usize;
        while let Some(p) = pos {
            if to_skip == 0 {
                let hit = match self.get(p) {
                    LpEntry::Str(bytes) => as_int.is_none() && bytes == ele,
                    LpEntry::Int(v) => as_int == Some(v),
                };
                if hit {
                    return Some(p);
                }
                to_skip = skip;
            } else {
                to_skip -= 1;
            }
            pos = self.next(p);
        }
        None
    }

    // ---- Whole-listpack operations for the quicklist (merge, split, compression) ----

    /// A listpack from bytes this process produced itself (a node it decompressed), not
    /// validated again: they were a valid listpack when they were compressed.
    pub(crate) fn from_trusted_bytes(buf: Vec<u8>) -> Self {
        Listpack {
            buf: buf.into_boxed_slice(),
        }
    }

    /// The blob, giving up the listpack.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf.into_vec()
    }

    /// Appends every entry of `other` after this listpack's entries (Redis's `lpMerge`):
    /// entries are self-contained, so their bytes move as they are.
    pub fn append(&mut self, other: &Listpack) {
        let Some(entries) = other.buf.get(HEADER_SIZE..other.buf.len() - 1) else {
            return;
        };
        let merged = match (self.header_count(), other.header_count()) {
            (COUNT_UNKNOWN, _) | (_, COUNT_UNKNOWN) => COUNT_UNKNOWN,
            (a, b) => u16::try_from(u32::from(a) + u32::from(b)).unwrap_or(COUNT_UNKNOWN),
        };
        self.edit(|buf| {
            buf.reserve_exact(entries.len());
            let end = buf.len() - 1;
            buf.splice(end..end, entries.iter().copied());
        });
        if let Some(h) = self.buf.get_mut(4..6) {
            h.copy_from_slice(&merged.to_le_bytes());
        }
        self.set_header(0);
    }

    /// Moves the entries from `index` on into a new listpack, keeping the ones before it.
    pub fn split_off(&mut self, index: usize) -> Listpack {
        let Some(at) = i64::try_from(index).ok().and_then(|i| self.seek(i)) else {
            return Listpack::new();
        };
        let end = self.buf.len() - 1;
        let mut tail = Vec::new();
        if let Some(entries) = self.buf.get(at..end) {
            tail.reserve_exact(HEADER_SIZE + entries.len() + 1);
            tail.extend_from_slice(&[0; HEADER_SIZE]);
            tail.extend_from_slice(entries);
            tail.push(EOF);
        }
        let mut tail = Listpack::from_trusted_bytes(tail);
        let moved = tail.iter().count();
        tail.set_header(i64::try_from(moved).unwrap_or(i64::MAX));
        self.edit(|buf| {
            buf.drain(at..end);
        });
        self.set_header(-i64::try_from(moved).unwrap_or(i64::MAX));
        tail
    }

    fn insert_at(&mut self, at: usize, ele: &[u8]) {
        self.splice_entry(at, 0, &encode(ele), 1);
    }

    /// The position just past the entry at `pos` (its backlen included).
    fn end_of(&self, pos: usize) -> usize {
        decode(&self.buf, pos).map_or(pos, |(_, len)| pos + len + backlen_size(len))
    }

    /// Replaces `old_len` bytes at `at` with `entry`, and fixes the header.
    fn splice_entry(&mut self, at: usize, old_len: usize, entry: &[u8], added: i64) {
        let Some(end) = at.checked_add(old_len).filter(|&e| e < self.buf.len()) else {
            return;
        };
        let grow = entry.len().saturating_sub(old_len);
        self.edit(|buf| {
            buf.reserve_exact(grow);
            buf.splice(at..end, entry.iter().copied());
        });
        self.set_header(added);
    }

    /// Changes the blob as a vector, then gives it back its exact size, as Redis
    /// reallocates a listpack to its new size on every change: listpacks are many and
    /// small, so slack capacity would cost more than the copies.
    fn edit(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let mut buf = std::mem::take(&mut self.buf).into_vec();
        f(&mut buf);
        self.buf = buf.into_boxed_slice();
    }

    fn header_count(&self) -> u16 {
        match self.buf.get(4..6) {
            Some(&[a, b]) => u16::from_le_bytes([a, b]),
            _ => 0,
        }
    }

    /// Writes the total size and adds `delta` to the count, which becomes "unknown" past
    /// 65534 and stays so (as in Redis): `len` then counts the entries.
    fn set_header(&mut self, delta: i64) {
        let total = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        let count = match self.header_count() {
            COUNT_UNKNOWN => COUNT_UNKNOWN,
            n => {
                let n = i64::from(n) + delta;
                u16::try_from(n.max(0)).unwrap_or(COUNT_UNKNOWN)
            }
        };
        if let Some(h) = self.buf.get_mut(0..4) {
            h.copy_from_slice(&total.to_le_bytes());
        }
        if let Some(h) = self.buf.get_mut(4..6) {
            h.copy_from_slice(&count.to_le_bytes());
        }
    }
}

/// Iterator over a listpack's entries, from either end.
pub struct Iter<'a> {
    lp: &'a Listpack,
    front: Option<usize>,
    back: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpEntry<'a>;

    fn next(&mut self) -> Option<LpEntry<'a>> {
        let pos = self.front?;
        let (entry, next) = self.lp.get_and_next(pos)?;
        if self.front == self.back {
            self.front = None;
            self.back = None;
        } else {
            self.front = next;
        }
        Some(entry)
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let pos = self.back?;
        if self.front == self.back {
            self.front = None;
            self.back = None;
        } else {
            self.back = self.lp.prev(pos);
        }
        Some(self.lp.get(pos))
    }
}

/// Decodes the entry at `pos`: its content and the size of its encoding and data
/// (without the backlen). `None` when the bytes are not a whole entry.
#[inline]
fn decode(buf: &[u8], pos: usize) -> Option<(LpEntry<'_>, usize)> {
    let first = *buf.get(pos)?;
    let bytes = |from: usize, n: usize| buf.get(pos + from..pos + from + n);
    let le = |from: usize, n: usize| -> Option<u64> {
        let b = bytes(from, n)?;
        Some(
            b.iter()
                .rev()
                .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)),
        )
    };
    // A value stored in `bits` bits as two's complement: shift it to the top of an i64
    // and back, which extends the sign.
    let signed = |u: u64, bits: u32| -> i64 { ((u << (64 - bits)) as i64) >> (64 - bits) };
    let string = |from: usize, len: usize| -> Option<(LpEntry<'_>, usize)> {
        let data = buf.get(pos + from..pos.checked_add(from)?.checked_add(len)?)?;
        Some((LpEntry::Str(data), from + len))
    };
    match first {
        0x00..=0x7F => Some((LpEntry::Int(i64::from(first)), 1)),
        0x80..=0xBF => string(1, usize::from(first & 0x3F)),
        0xC0..=0xDF => {
            let u = (u64::from(first & 0x1F) << 8) | u64::from(*buf.get(pos + 1)?);
            Some((LpEntry::Int(signed(u, 13)), 2))
        }
        0xE0..=0xEF => {
            let len = (usize::from(first & 0x0F) << 8) | usize::from(*buf.get(pos + 1)?);
            string(2, len)
        }
        0xF0 => string(5, usize::try_from(le(1, 4)?).ok()?),
        0xF1 => Some((LpEntry::Int(signed(le(1, 2)?, 16)), 3)),
        0xF2 => Some((LpEntry::Int(signed(le(1, 3)?, 24)), 4)),
        0xF3 => Some((LpEntry::Int(signed(le(1, 4)?, 32)), 5)),
        0xF4 => Some((LpEntry::Int(signed(le(1, 8)?, 64)), 9)),
        _ => None,
    }
}

/// Encodes a string entry, or an integer entry when `string2ll` accepts it.
fn encode(ele: &[u8]) -> Vec<u8> {
    if let Some(v) = parse_i64(ele) {
        return encode_int(v);
    }
    let len = ele.len();
    let mut out = Vec::with_capacity(len + 10);
    if len < 64 {
        out.push(0x80 | len as u8);
    } else if len < 4096 {
        out.push(0xE0 | (len >> 8) as u8);
        out.push((len & 0xFF) as u8);
    } else {
        out.push(0xF0);
        out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
    }
    out.extend_from_slice(ele);
    push_backlen(&mut out);
    out
}

/// Encodes an integer entry in the smallest of Redis's integer encodings.
fn encode_int(v: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    let le = v.to_le_bytes();
    match v {
        0..=127 => out.push(v as u8),
        -4096..=4095 => {
            let u = (v & 0x1FFF) as u16;
            out.push(0xC0 | (u >> 8) as u8);
            out.push((u & 0xFF) as u8);
        }
        -32768..=32767 => {
            out.push(0xF1);
            out.extend_from_slice(le.get(..2).unwrap_or_default());
        }
        -8_388_608..=8_388_607 => {
            out.push(0xF2);
            out.extend_from_slice(le.get(..3).unwrap_or_default());
        }
        -2_147_483_648..=2_147_483_647 => {
            out.push(0xF3);
            out.extend_from_slice(le.get(..4).unwrap_or_default());
        }
        _ => {
            out.push(0xF4);
            out.extend_from_slice(&le);
        }
    }
    push_backlen(&mut out);
    out
}

/// Appends the backlen of the encoding and data already in `out`.
fn push_backlen(out: &mut Vec<u8>) {
    let l = out.len() as u64;
    let n = backlen_size(out.len());
    // Most significant 7-bit group first; every byte but the first has the high bit set,
    // so a reader going backwards knows where the number starts.
    for i in (0..n).rev() {
        let group = ((l >> (7 * i)) & 0x7F) as u8;
        out.push(if i == n - 1 { group } else { group | 0x80 });
    }
}

/// How many bytes the backlen of an entry of `len` bytes takes.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Reads a backlen whose last byte is at `end`, going backwards.
fn read_backlen(buf: &[u8], end: usize) -> Option<usize> {
    let mut value = 0usize;
    let mut shift = 0u32;
    let mut pos = end;
    for _ in 0..5 {
        let b = *buf.get(pos)?;
        value |= usize::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
        shift += 7;
        pos = pos.checked_sub(1)?;
    }
    None
}
