//! The string type and its three encodings, as Redis 7.0 reports them.
//!
//! It owns how a string value is held in memory and which of OBJECT ENCODING's
//! names it reports, and the string operations that depend on the encoding (APPEND,
//! SETRANGE, GETRANGE, INCRBY). It deliberately knows nothing of keys, TTLs or the
//! length limit's configuration (the caller passes `proto-max-bulk-len`).
//!
//! Which encoding a value gets follows Redis exactly:
//! - `from_bytes` is Redis's `tryObjectEncoding` on a command argument, used by SET,
//!   SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX, APPEND on a missing key, and values
//!   loaded from RDB: "int" when the bytes are a `string2ll` integer of at most 20
//!   bytes, otherwise "embstr" up to 44 bytes, otherwise "raw".
//! - `from_i64` and `incr_by` (INCR, DECR, INCRBY, DECRBY) give "int".
//! - `embstr_or_raw` is Redis's `createStringObject`, used for INCRBYFLOAT results:
//!   "embstr" up to 44 bytes, else "raw", even when the text is an integer ("11").
//! - `raw_from_bytes` gives "raw" at any length: SETRANGE on a missing key.
//! - `append` and a non-empty `set_range` make the value "raw" whatever it was, even
//!   when APPEND adds nothing, because Redis unshares the value into a raw string first.
//! - `is_shared_integer` is true for "int" values 0..=9999, which Redis keeps as shared
//!   objects (OBJECT REFCOUNT 2147483647) unless maxmemory with an LRU/LFU policy is
//!   set; the server applies that configuration test.
//!
//! In memory, up to 22 bytes are inline in the value itself whatever the encoding,
//! integers are inline, longer embstr and raw values own an exact-size heap slice, and
//! values grown by APPEND or SETRANGE own a vector that grows like Redis's sds (double
//! below 1 MB, then 1 MB more), so repeated appends stay linear.

use crate::error::StorageError;
use crate::number::{format_i64, i64_len, parse_i64};

/// Scratch space for formatting an int-encoded value as text.
pub type IntBuf = [u8; 20];

/// Values of up to this many bytes are stored inline.
const INLINE_LEN: usize = 22;
/// Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
const EMBSTR_LIMIT: usize = 44;
/// Redis shares integer objects below this value (OBJ_SHARED_INTEGERS).
const SHARED_INTEGERS: i64 = 10_000;
/// Above this length a growing string reserves 1 MB more instead of doubling.
const MAX_PREALLOC: usize = 1024 * 1024;

/// A string value. Equality compares the bytes, not the encoding.
#[derive(Clone)]
pub struct StrValue(Repr);

#[derive(Clone)]
enum Repr {
    Int(i64),
    EmbInline(Inline),
    EmbHeap(Box<[u8]>),
    RawInline(Inline),
    RawHeap(Box<[u8]>),
    // Boxed on purpose: a bare Vec is 24 bytes and would push the value past 24.
    #[allow(clippy::box_collection)]
    RawGrown(Box<Vec<u8>>),
}

/// Up to INLINE_LEN bytes; the bytes past `len` are zero.
#[derive(Clone, Copy)]
struct Inline {
    len: u8,
    bytes: [u8; INLINE_LEN],
}

impl Inline {
    fn new(b: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; INLINE_LEN];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(Inline {
            len: u8::try_from(b.len()).ok()?,
            bytes,
        })
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

/// The capacity sds would reserve to hold `len` bytes after growing.
fn greedy_capacity(len: usize) -> usize {
    if len < MAX_PREALLOC {
        len.saturating_mul(2)
    } else {
        len.saturating_add(MAX_PREALLOC)
    }
}

impl StrValue {
    /// A value from a command argument, encoded as Redis's `tryObjectEncoding` would.
    pub fn from_bytes(b: &[u8]) -> Self {
        if b.len() <= 20
            && let Some(n) = parse_i64(b)
        {
            return StrValue(Repr::Int(n));
        }
        Self::embstr_or_raw(b)
    }

    /// An int-encoded value.
    pub fn from_i64(n: i64) -> Self {
        StrValue(Repr::Int(n))
    }

    /// A value Redis creates as a plain string object (`createStringObject`): embstr up
    /// to 44 bytes, else raw, never int. INCRBYFLOAT stores its result this way.
    pub fn embstr_or_raw(b: &[u8]) -> Self {
        if b.len() > EMBSTR_LIMIT {
            return StrValue(Repr::RawHeap(b.into()));
        }
        match Inline::new(b) {
            Some(inline) => StrValue(Repr::EmbInline(inline)),
            None => StrValue(Repr::EmbHeap(b.into())),
        }
    }

    /// A raw-encoded value at any length (`createRawStringObject`).
    pub fn raw_from_bytes(b: &[u8]) -> Self {
        match Inline::new(b) {
            Some(inline) => StrValue(Repr::RawInline(inline)),
            None => StrValue(Repr::RawHeap(b.into())),
        }
    }

    /// A raw-encoded value that takes over `bytes` without copying them (a BITOP result,
    /// which Redis stores as a raw sds at any length).
    pub fn raw_from_vec(bytes: Vec<u8>) -> Self {
        match Inline::new(&bytes) {
            Some(inline) => StrValue(Repr::RawInline(inline)),
            None => StrValue(Repr::RawHeap(bytes.into_boxed_slice())),
        }
    }

    /// The value's length in bytes (STRLEN); for an integer, the length of its text.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Int(n) => i64_len(*n),
            Repr::EmbInline(inline) | Repr::RawInline(inline) => usize::from(inline.len),
            Repr::EmbHeap(bytes) | Repr::RawHeap(bytes) => bytes.len(),
            Repr::RawGrown(bytes) => bytes.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value's bytes; an integer is formatted into `scratch`.
    pub fn as_bytes<'a>(&'a self, scratch: &'a mut IntBuf) -> &'a [u8] {
        match &self.0 {
            Repr::Int(n) => format_i64(*n, scratch),
            Repr::EmbInline(inline) | Repr::RawInline(inline) => inline.as_bytes(),
            Repr::EmbHeap(bytes) | Repr::RawHeap(bytes) => bytes,
            Repr::RawGrown(bytes) => bytes,
        }
    }

    /// A copy of the value's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut scratch: IntBuf = [0; 20];
        self.as_bytes(&mut scratch).to_vec()
    }

    /// The value as an integer, as Redis's `getLongLongFromObject` reads it.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int(n) => Some(*n),
            _ => {
                let mut scratch: IntBuf = [0; 20];
                parse_i64(self.as_bytes(&mut scratch))
            }
        }
    }

    /// OBJECT ENCODING's name for this value.
    pub fn encoding(&self) -> &'static str {
        match &self.0 {
            Repr::Int(_) => "int",
            Repr::EmbInline(_) | Repr::EmbHeap(_) => "embstr",
            Repr::RawInline(_) | Repr::RawHeap(_) | Repr::RawGrown(_) => "raw",
        }
    }

    /// True when Redis would hold this value as one of its shared integers (0..=9999),
    /// given a configuration that allows sharing.
    pub fn is_shared_integer(&self) -> bool {
        matches!(self.0, Repr::Int(n) if (0..SHARED_INTEGERS).contains(&n))
    }

    /// Bytes this value owns on the heap, for memory estimates.
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            Repr::Int(_) | Repr::EmbInline(_) | Repr::RawInline(_) => 0,
            Repr::EmbHeap(bytes) | Repr::RawHeap(bytes) => bytes.len(),
            Repr::RawGrown(bytes) => std::mem::size_of::<Vec<u8>>() + bytes.capacity(),
        }
    }

    /// Turns the value into a growable raw string with room for `needed` bytes and runs
    /// `f` on its buffer. Redis likewise unshares a value into a raw sds before changing
    /// it, and grows it greedily.
    fn with_growable<R>(&mut self, needed: usize, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut bytes = match std::mem::replace(&mut self.0, Repr::Int(0)) {
            Repr::RawGrown(bytes) => bytes,
            other => {
                let old = StrValue(other);
                let mut scratch: IntBuf = [0; 20];
                let current = old.as_bytes(&mut scratch);
                // Unshared at its exact size unless it grows, as Redis's copy into a raw
                // string and sdsgrowzero do (only growth reserves greedily).
                let capacity = if needed > current.len() {
                    greedy_capacity(needed)
                } else {
                    current.len()
                };
                let mut bytes = Vec::with_capacity(capacity);
                bytes.extend_from_slice(current);
                Box::new(bytes)
            }
        };
        if needed > bytes.capacity() {
            let target = greedy_capacity(needed);
            bytes.reserve_exact(target.saturating_sub(bytes.len()));
        }
        let result = f(&mut bytes);
        self.0 = Repr::RawGrown(bytes);
        result
    }

    /// Unshares the value into a growable raw string (Redis's `dbUnshareStringValue`),
    /// zero-padded to at least `min_len` bytes (`sdsgrowzero`), and runs `f` on its
    /// bytes. Bitmap and HyperLogLog commands change strings in place this way; `f` may
    /// resize the vector.
    pub fn edit_raw<R>(&mut self, min_len: usize, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        // Unsharing without growing keeps the exact size, as Redis's copy into a raw
        // string does; only growth reserves greedily.
        if !matches!(self.0, Repr::RawGrown(_)) && min_len <= self.len() {
            self.0 = Repr::RawGrown(Box::new(self.to_vec()));
        }
        self.with_growable(min_len, |bytes| {
            if bytes.len() < min_len {
                bytes.resize(min_len, 0);
            }
            f(bytes)
        })
    }

    /// Replaces the value by raw `bytes`, inline when they fit.
    fn set_raw_small(&mut self, bytes: &[u8]) -> bool {
        match Inline::new(bytes) {
            Some(inline) => {
                self.0 = Repr::RawInline(inline);
                true
            }
            None => false,
        }
    }

    /// APPEND: adds `tail` and returns the new length. Fails with `StringTooLong`, leaving
    /// the value unchanged, when the result would exceed `max_len` bytes.
    pub fn append(&mut self, tail: &[u8], max_len: u64) -> Result<usize, StorageError> {
        let total = checked_total(self.len(), tail.len(), max_len)?;
        if total <= INLINE_LEN && !matches!(self.0, Repr::RawGrown(_)) {
            let mut joined = [0u8; INLINE_LEN];
            let mut scratch: IntBuf = [0; 20];
            let current = self.as_bytes(&mut scratch);
            let (head, rest) = joined.split_at_mut(current.len());
            head.copy_from_slice(current);
            rest.get_mut(..tail.len())
                .ok_or(StorageError::StringTooLong)?
                .copy_from_slice(tail);
            if self.set_raw_small(joined.get(..total).unwrap_or_default()) {
                return Ok(total);
            }
        }
        self.with_growable(total, |bytes| bytes.extend_from_slice(tail));
        Ok(total)
    }

    /// SETRANGE: writes `data` at `offset`, padding with zero bytes, and returns the new
    /// length. Writing nothing changes nothing (not even the encoding) and returns the
    /// current length. Fails with `StringTooLong`, leaving the value unchanged, when
    /// `offset + data.len()` exceeds `max_len`.
    ///
    /// For SETRANGE on a missing key with non-empty data, the caller starts from
    /// `StrValue::raw_from_bytes(b"")`.
    pub fn set_range(
        &mut self,
        offset: u64,
        data: &[u8],
        max_len: u64,
    ) -> Result<usize, StorageError> {
        if data.is_empty() {
            return Ok(self.len());
        }
        let offset = usize::try_from(offset).map_err(|_| StorageError::StringTooLong)?;
        let end = checked_total(offset, data.len(), max_len)?;
        let total = end.max(self.len());
        if total <= INLINE_LEN && !matches!(self.0, Repr::RawGrown(_)) {
            let mut joined = [0u8; INLINE_LEN];
            let mut scratch: IntBuf = [0; 20];
            let current = self.as_bytes(&mut scratch);
            joined
                .get_mut(..current.len())
                .ok_or(StorageError::StringTooLong)?
                .copy_from_slice(current);
            joined
                .get_mut(offset..end)
                .ok_or(StorageError::StringTooLong)?
                .copy_from_slice(data);
            if self.set_raw_small(joined.get(..total).unwrap_or_default()) {
                return Ok(total);
            }
        }
        Ok(self.with_growable(total, |bytes| {
            if bytes.len() < total {
                bytes.resize(total, 0);
            }
            if let Some(target) = bytes.get_mut(offset..end) {
                target.copy_from_slice(data);
            }
            bytes.len()
        }))
    }

    /// GETRANGE: the bytes from `start` to `end` inclusive, where negative indexes count
    /// from the end; out-of-range indexes are clamped as Redis does, and an empty slice
    /// is returned when nothing is selected.
    pub fn range<'a>(&'a self, start: i64, end: i64, scratch: &'a mut IntBuf) -> &'a [u8] {
        let bytes = self.as_bytes(scratch);
        let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        if start < 0 && end < 0 && start > end {
            return &[];
        }
        let mut start = if start < 0 {
            len.saturating_add(start)
        } else {
            start
        };
        let mut end = if end < 0 {
            len.saturating_add(end)
        } else {
            end
        };
        start = start.max(0);
        end = end.max(0);
        if end >= len {
            end = len - 1;
        }
        if start > end || len == 0 {
            return &[];
        }
        match (usize::try_from(start), usize::try_from(end)) {
            (Ok(from), Ok(to)) => bytes.get(from..=to).unwrap_or_default(),
            _ => &[],
        }
    }

    /// INCRBY on this value: parses it as an integer (`NotInteger` if it is not one),
    /// adds `delta` (`Overflow` past the i64 range) and stores the int-encoded result.
    pub fn incr_by(&mut self, delta: i64) -> Result<i64, StorageError> {
        let current = self.as_i64().ok_or(StorageError::NotInteger)?;
        let result = current.checked_add(delta).ok_or(StorageError::Overflow)?;
        self.0 = Repr::Int(result);
        Ok(result)
    }
}

/// `len + extra`, refused when it overflows or exceeds `max_len` (checkStringLength).
fn checked_total(len: usize, extra: usize, max_len: u64) -> Result<usize, StorageError> {
    let total = len.checked_add(extra).ok_or(StorageError::StringTooLong)?;
    match u64::try_from(total) {
        Ok(total64) if total64 <= max_len => Ok(total),
        _ => Err(StorageError::StringTooLong),
    }
}

impl PartialEq for StrValue {
    fn eq(&self, other: &Self) -> bool {
        let mut a: IntBuf = [0; 20];
        let mut b: IntBuf = [0; 20];
        self.as_bytes(&mut a) == other.as_bytes(&mut b)
    }
}

impl Eq for StrValue {}

impl std::fmt::Debug for StrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut scratch: IntBuf = [0; 20];
        let text = String::from_utf8_lossy(self.as_bytes(&mut scratch)).into_owned();
        write!(f, "StrValue({}, {:?})", self.encoding(), text)
    }
}

#[cfg(test)]
#[path = "string_tests.rs"]
mod tests;
