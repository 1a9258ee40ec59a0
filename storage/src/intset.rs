//! Redis's intset: a sorted array of distinct integers, all stored at one width.
//!
//! It owns the byte layout Redis writes to RDB files and DUMP payloads, so a value can be
//! saved without conversion: a little-endian `u32` element width (2, 4 or 8 bytes), a
//! little-endian `u32` element count, then the elements in ascending order, each a
//! little-endian two's-complement integer of that width. Adding a value too wide for the
//! current width first widens every element (Redis's upgrade); removing never narrows.
//! Lookups are binary searches.
//!
//! The blob is an exact-size heap slice and nothing else (16 bytes), so a small set can
//! sit in the keyspace's value slot without a box around it; it grows by one element per
//! insert, as Redis reallocates its intset.
//!
//! It deliberately knows nothing of strings, limits or set semantics: the set type decides
//! which members are integers and when an intset becomes a hash table.

use crate::error::StorageError;

/// The header: element width, then element count, each a little-endian u32.
const HEADER: usize = 8;

/// Resizes an exact-size slice to `new_len` bytes, keeping the common prefix and
/// zero-filling growth. Reserving exactly lets the allocator resize in place and keeps
/// the slice exact without a second copy.
fn resize(blob: &mut Box<[u8]>, new_len: usize) {
    let mut bytes = std::mem::take(blob).into_vec();
    if new_len > bytes.len() {
        bytes.reserve_exact(new_len - bytes.len());
    }
    bytes.resize(new_len, 0);
    *blob = bytes.into_boxed_slice();
}

/// A sorted set of distinct 64-bit integers in Redis's intset layout.
#[derive(Clone)]
pub struct Intset {
    blob: Box<[u8]>,
}

impl Default for Intset {
    fn default() -> Self {
        Intset::new()
    }
}

impl std::fmt::Debug for Intset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Intset {
    /// Equal members; the width does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Intset {}

/// The narrowest width (2, 4 or 8 bytes) that holds `v`.
fn width_for(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

fn read_u32(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_le_bytes(b) as usize)
}

/// Decodes one element of `width` bytes.
fn decode(bytes: &[u8], width: usize) -> i64 {
    match width {
        2 => <[u8; 2]>::try_from(bytes).map_or(0, |b| i64::from(i16::from_le_bytes(b))),
        4 => <[u8; 4]>::try_from(bytes).map_or(0, |b| i64::from(i32::from_le_bytes(b))),
        _ => <[u8; 8]>::try_from(bytes).map_or(0, i64::from_le_bytes),
    }
}

/// Encodes `v` into `out`, whose length is the width; `v` fits by the caller's check.
fn encode(v: i64, out: &mut [u8]) {
    match out.len() {
        2 => out.copy_from_slice(&i16::try_from(v).unwrap_or_default().to_le_bytes()),
        4 => out.copy_from_slice(&i32::try_from(v).unwrap_or_default().to_le_bytes()),
        _ => out.copy_from_slice(&v.to_le_bytes()),
    }
}

impl Intset {
    /// An empty intset of 16-bit width, as Redis creates one.
    pub fn new() -> Self {
        // Width 2, count 0.
        Intset {
            blob: Box::new([2, 0, 0, 0, 0, 0, 0, 0]),
        }
    }

    /// The element width in bytes: 2, 4 or 8.
    pub fn width(&self) -> usize {
        read_u32(&self.blob, 0)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        read_u32(&self.blob, 4)
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole blob, header included, as Redis stores it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.blob
    }

    /// Heap bytes beyond the value itself.
    pub fn heap_size(&self) -> usize {
        self.blob.len()
    }

    fn contents(&self) -> &[u8] {
        self.blob.get(HEADER..).unwrap_or_default()
    }

    /// The element at `index`, in ascending order.
    pub fn get(&self, index: usize) -> Option<i64> {
        let width = self.width();
        let start = index.checked_mul(width)?;
        let bytes = self.contents().get(start..start.checked_add(width)?)?;
        Some(decode(bytes, width))
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        let width = self.width().max(2);
        self.contents()
            .chunks_exact(width)
            .map(move |bytes| decode(bytes, width))
    }

    /// Binary search: `Ok(index)` of `v`, or `Err(index)` where it would be inserted.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let len = self.len();
        if len == 0 || v < width_min(self.width()) || v > width_max(self.width()) {
            // Out of the current width's range: below everything or above everything.
            return Err(if v < 0 { 0 } else { len });
        }
        // The common appends and prepends need no search, as in Redis.
        match (self.get(0), self.get(len - 1)) {
            (Some(first), _) if v < first => return Err(0),
            (_, Some(last)) if v > last => return Err(len),
            _ => {}
        }
        let (mut low, mut high) = (0usize, len);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid) {
                Some(cur) if cur < v => low = mid + 1,
                Some(cur) if cur > v => high = mid,
                Some(_) => return Ok(mid),
                None => break,
            }
        }
        Err(low)
    }

    /// True when `v` is an element.
    pub fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    fn set_len(&mut self, len: usize) {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        if let Some(field) = self.blob.get_mut(4..HEADER) {
            field.copy_from_slice(&len.to_le_bytes());
        }
    }

    /// Adds `v`; false when it was already there.
    pub fn insert(&mut self, v: i64) -> bool {
        if width_for(v) > self.width() {
            self.upgrade_and_insert(v);
            return true;
        }
        let Err(index) = self.search(v) else {
            return false;
        };
        let width = self.width();
        let len = self.len();
        resize(&mut self.blob, HEADER + (len + 1) * width);
        let at = HEADER + index * width;
        let end = HEADER + len * width;
        let bytes = &mut *self.blob;
        bytes.copy_within(at..end, at + width);
        if let Some(slot) = bytes.get_mut(at..at + width) {
            encode(v, slot);
        }
        self.set_len(len + 1);
        true
    }

    /// Widens every element to fit `v`, which is then the smallest or the largest element
    /// (it does not fit the old width), and adds it at that end.
    fn upgrade_and_insert(&mut self, v: i64) {
        let width = width_for(v);
        let len = self.len();
        let mut bytes = Vec::with_capacity(HEADER + (len + 1) * width);
        bytes.extend_from_slice(&u32::try_from(width).unwrap_or(8).to_le_bytes());
        bytes.extend_from_slice(&u32::try_from(len + 1).unwrap_or(u32::MAX).to_le_bytes());
        let mut slot = [0u8; 8];
        let mut push = |bytes: &mut Vec<u8>, n: i64| {
            if let Some(out) = slot.get_mut(..width) {
                encode(n, out);
                bytes.extend_from_slice(out);
            }
        };
        if v < 0 {
            push(&mut bytes, v);
        }
        for n in self.iter() {
            push(&mut bytes, n);
        }
        if v >= 0 {
            push(&mut bytes, v);
        }
        self.blob = bytes.into_boxed_slice();
    }

    /// Removes `v`; false when it was not there.
    pub fn remove(&mut self, v: i64) -> bool {
        let Ok(index) = self.search(v) else {
            return false;
        };
        let width = self.width();
        let len = self.len();
        let at = HEADER + index * width;
        let end = HEADER + len * width;
        self.blob.copy_within(at + width..end, at);
        resize(&mut self.blob, end - width);
        self.set_len(len - 1);
        true
    }

    /// The element at `rand` modulo the length (Redis's intsetRandom); `None` when empty.
    pub fn random(&self, rand: u64) -> Option<i64> {
        let len = u64::try_from(self.len()).ok().filter(|&n| n > 0)?;
        self.get(usize::try_from(rand % len).ok()?)
    }

    /// An intset from a blob in Redis's layout, as RDB and DUMP payloads carry it: the
    /// width must be 2, 4 or 8, the size must match the count, and the elements must be
    /// strictly ascending (Redis's intsetValidateIntegrity with deep checking).
    pub fn from_bytes(bytes: &[u8]) -> Result<Intset, StorageError> {
        if bytes.len() < HEADER {
            return Err(StorageError::Corrupt);
        }
        let width = read_u32(bytes, 0);
        let len = read_u32(bytes, 4);
        if !matches!(width, 2 | 4 | 8) || len.checked_mul(width) != Some(bytes.len() - HEADER) {
            return Err(StorageError::Corrupt);
        }
        let set = Intset { blob: bytes.into() };
        let mut previous: Option<i64> = None;
        for n in set.iter() {
            if previous.is_some_and(|p| p >= n) {
                return Err(StorageError::Corrupt);
            }
            previous = Some(n);
        }
        Ok(set)
    }
}

fn width_min(width: usize) -> i64 {
    match width {
        2 => i64::from(i16::MIN),
        4 => i64::from(i32::MIN),
        _ => i64::MIN,
    }
}

fn width_max(width: usize) -> i64 {
    match width {
        2 => i64::from(i16::MAX),
        4 => i64::from(i32::MAX),
        _ => i64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(values: &[i64]) -> Intset {
        let mut set = Intset::new();
        for &v in values {
            set.insert(v);
        }
        set
    }

    #[test]
    fn value_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Intset>(), 16);
    }

    #[test]
    fn empty_layout_matches_redis() {
        let set = Intset::new();
        assert_eq!(set.as_bytes(), &[2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(set.is_empty());
        assert_eq!(set.random(7), None);
        assert_eq!(set.get(0), None);
    }

    #[test]
    fn inserts_keep_order_and_layout() {
        let set = from(&[5, 1, 3, 3, -2]);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![-2, 1, 3, 5]);
        assert_eq!(
            set.as_bytes(),
            &[2, 0, 0, 0, 4, 0, 0, 0, 0xfe, 0xff, 1, 0, 3, 0, 5, 0]
        );
        assert!(set.contains(3));
        assert!(!set.contains(4));
        assert!(!set.contains(100_000));
    }

    #[test]
    fn upgrades_widen_every_element() {
        let mut set = from(&[1, 2]);
        assert!(set.insert(70_000));
        assert_eq!(set.width(), 4);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![1, 2, 70_000]);
        assert!(set.insert(-5_000_000_000));
        assert_eq!(set.width(), 8);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![-5_000_000_000, 1, 2, 70_000]
        );
        assert_eq!(set.as_bytes().len(), 8 + 4 * 8);
        assert!(set.insert(i64::MAX));
        assert!(set.insert(i64::MIN));
        assert!(!set.insert(i64::MIN));
        assert_eq!(set.get(0), Some(i64::MIN));
        assert_eq!(set.get(5), Some(i64::MAX));
        // Removing the wide ones does not narrow the width back.
        assert!(set.remove(i64::MIN));
        assert!(set.remove(i64::MAX));
        assert!(set.remove(-5_000_000_000));
        assert_eq!(set.width(), 8);
        assert!(!set.remove(-5_000_000_000));
    }

    #[test]
    fn the_blob_keeps_its_exact_size() {
        let mut set = Intset::new();
        for v in 0..100 {
            assert!(set.insert(v));
            assert_eq!(set.len(), usize::try_from(v + 1).unwrap());
        }
        assert_eq!(set.heap_size(), 8 + 200);
        for v in (0..100).rev() {
            assert!(set.remove(v));
        }
        assert!(set.is_empty());
        assert_eq!(set.heap_size(), 8);
        assert_eq!(set.as_bytes(), Intset::new().as_bytes());
    }

    #[test]
    fn random_picks_by_index() {
        let set = from(&[10, 20, 30]);
        assert_eq!(set.random(0), Some(10));
        assert_eq!(set.random(4), Some(20));
        assert_eq!(set.random(u64::MAX), Some(10));
    }

    #[test]
    fn blobs_round_trip_and_bad_ones_are_refused() {
        let set = from(&[-1, 7, 40_000]);
        let copy = Intset::from_bytes(set.as_bytes()).unwrap();
        assert_eq!(copy, set);
        assert!(Intset::from_bytes(&[2, 0, 0, 0, 1, 0, 0, 0]).is_err());
        assert!(Intset::from_bytes(&[3, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(Intset::from_bytes(&[2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 5, 0]).is_err());
        assert!(Intset::from_bytes(&[2, 0, 0]).is_err());
        assert!(
            Intset::from_bytes(&[2, 0, 0, 0, 0, 0, 0, 0])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn matches_a_model_under_random_operations() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut set = Intset::new();
        let mut model = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            let r = next();
            let magnitude = match r % 3 {
                0 => 100,
                1 => 100_000,
                _ => i64::MAX,
            };
            let v = (next() as i64) % magnitude;
            if r % 5 < 3 {
                assert_eq!(set.insert(v), model.insert(v));
            } else {
                assert_eq!(set.remove(v), model.remove(&v));
            }
            assert_eq!(set.len(), model.len());
        }
        assert!(set.iter().eq(model.iter().copied()));
        for &v in &model {
            assert!(set.contains(v));
        }
    }
}
