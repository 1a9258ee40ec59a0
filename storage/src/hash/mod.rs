//! The hash type: field/value pairs in one of Redis 7.0's two encodings.
//!
//! It owns how a hash is held in memory, which OBJECT ENCODING name it reports, and the
//! operations whose work depends on the encoding (lookups, writes, counters, iteration,
//! SCAN steps, random picks). It deliberately knows nothing of keys, replies or the
//! configuration: callers pass the `hash-max-listpack-*` limits with every write, and
//! randomness with every random pick.
//!
//! Encodings, as Redis 7.0's `t_hash.c`:
//! - `listpack`: one listpack of alternating fields and values, in insertion order. A new
//!   hash starts here.
//! - `hashtable`: a [`Dict`] from field to value. A hash moves here, for good, when a
//!   write would leave it with more fields than `hash-max-listpack-entries`, or when a
//!   field or value longer than `hash-max-listpack-value` is about to be written, or when
//!   the listpack would pass Redis's 1 GB safety size.
//!
//! Fields in the table are [`Key`](crate::key::Key)s (up to 22 bytes inline), values
//! [`SmallBytes`] (up to 15 bytes inline), and the nodes carry no meta word: a field
//! and value of short strings cost one 48-byte node plus a bucket slot, less than Redis
//! pays for its entry and two sds strings.

mod random;
#[cfg(test)]
mod tests;

use crate::dict::Dict;
use crate::error::StorageError;
use crate::listpack::{Listpack, LpEntry};
use crate::number::{incr_by_float_bytes, is_valid_long_double};
use crate::small_bytes::SmallBytes;
use crate::string::IntBuf;

/// Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GB.
const LISTPACK_SAFETY_SIZE: usize = 1 << 30;

/// The configuration that decides when a listpack hash becomes a hash table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// `hash-max-listpack-entries`: the most fields a listpack hash holds.
    pub max_listpack_entries: usize,
    /// `hash-max-listpack-value`: the longest field or value a listpack hash holds.
    pub max_listpack_value: usize,
}

impl Default for HashLimits {
    /// Redis's defaults: 128 entries of up to 64 bytes.
    fn default() -> Self {
        HashLimits {
            max_listpack_entries: 128,
            max_listpack_value: 64,
        }
    }
}

/// A hash value.
pub struct HashValue(Repr);

enum Repr {
    Listpack(Listpack),
    // Boxed so a small hash (the common case) costs a 24-byte value, not a table header.
    Table(Box<Dict<SmallBytes, ()>>),
}

impl Default for HashValue {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for HashValue {
    /// A deep copy in the same encoding (COPY, as Redis's hashTypeDup).
    fn clone(&self) -> Self {
        match &self.0 {
            Repr::Listpack(lp) => HashValue(Repr::Listpack(lp.clone())),
            Repr::Table(dict) => {
                let mut copy = Dict::default();
                copy.expand(dict.len());
                for (field, value) in dict.iter() {
                    copy.insert(field.as_bytes(), value.clone());
                }
                HashValue(Repr::Table(Box::new(copy)))
            }
        }
    }
}

impl PartialEq for HashValue {
    /// Same encoding and same field/value pairs (listpacks also in the same order).
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Listpack(a), Repr::Listpack(b)) => a == b,
            (Repr::Table(a), Repr::Table(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(field, value)| b.get(field.as_bytes()) == Some(value))
            }
            _ => false,
        }
    }
}

impl Eq for HashValue {}

impl std::fmt::Debug for HashValue {
    /// A summary, not the contents: a hash can hold millions of fields.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashValue")
            .field("encoding", &self.encoding())
            .field("len", &self.len())
            .finish()
    }
}

/// The text of an entry: borrowed bytes, or an integer formatted into `scratch`.
fn entry_bytes<'a>(entry: &LpEntry<'a>, scratch: &'a mut IntBuf) -> &'a [u8] {
    match *entry {
        LpEntry::Str(bytes) => bytes,
        LpEntry::Int(n) => crate::number::format_i64(n, scratch),
    }
}

impl HashValue {
    /// An empty hash in the listpack encoding, as Redis creates every hash.
    pub fn new() -> Self {
        HashValue(Repr::Listpack(Listpack::new()))
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Listpack(lp) => lp.len() / 2,
            Repr::Table(dict) => dict.len(),
        }
    }

    /// True when the hash has no fields (commands delete such a key).
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Repr::Listpack(lp) => lp.is_empty(),
            Repr::Table(dict) => dict.is_empty(),
        }
    }

    /// The encoding's name as OBJECT ENCODING reports it.
    pub fn encoding(&self) -> &'static str {
        match &self.0 {
            Repr::Listpack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// The listpack, while the hash is in that encoding (for RDB and DUMP).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match &self.0 {
            Repr::Listpack(lp) => Some(lp),
            Repr::Table(_) => None,
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<LpEntry<'_>> {
        match &self.0 {
            Repr::Listpack(lp) => {
                let at = lp.find(lp.first()?, field, 1)?;
                Some(lp.get(lp.next(at)?))
            }
            Repr::Table(dict) => dict.get(field).map(|v| LpEntry::Str(v.as_bytes())),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.0 {
            Repr::Listpack(lp) => lp.first().and_then(|p| lp.find(p, field, 1)).is_some(),
            Repr::Table(dict) => dict.contains_key(field),
        }
    }

    /// The length of `field`'s value in bytes, 0 when there is no such field (HSTRLEN).
    pub fn value_len(&self, field: &[u8]) -> usize {
        self.get(field).map_or(0, |value| value.len())
    }

    /// Converts to a hash table before a write of `items` (fields and values) when one of
    /// them is longer than `hash-max-listpack-value`, or when together they could take
    /// the listpack past its safety size (Redis's hashTypeTryConversion).
    pub fn prepare_write<'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a [u8]>,
        limits: &HashLimits,
    ) {
        let Repr::Listpack(lp) = &self.0 else {
            return;
        };
        let mut sum = 0usize;
        for item in items {
            if item.len() > limits.max_listpack_value {
                self.convert();
                return;
            }
            sum = sum.saturating_add(item.len());
        }
        if lp.total_bytes().saturating_add(sum) > LISTPACK_SAFETY_SIZE {
            self.convert();
        }
    }

    /// Sets `field` to `value` (Redis's hashTypeSet). Returns true when the field is new.
    ///
    /// A listpack hash first becomes a table when the field or value is too long for
    /// it, and after the write when it holds too many fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: &HashLimits) -> bool {
        if matches!(self.0, Repr::Listpack(_))
            && (field.len() > limits.max_listpack_value || value.len() > limits.max_listpack_value)
        {
            self.convert();
        }
        match &mut self.0 {
            Repr::Listpack(lp) => {
                let existing = lp
                    .first()
                    .and_then(|p| lp.find(p, field, 1))
                    .and_then(|at| lp.next(at));
                let new = match existing {
                    Some(value_at) => {
                        lp.replace(value_at, value);
                        false
                    }
                    None => {
                        lp.push_back(field);
                        lp.push_back(value);
                        true
                    }
                };
                if self.len() > limits.max_listpack_entries {
                    self.convert();
                }
                new
            }
            Repr::Table(dict) => dict.insert(field, SmallBytes::new(value)).is_none(),
        }
    }

    /// Removes `field`. Returns true when it existed. A table shrinks when it becomes
    /// sparse, as Redis's hashTypeDelete; it never goes back to a listpack.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.0 {
            Repr::Listpack(lp) => {
                let Some(at) = lp.first().and_then(|p| lp.find(p, field, 1)) else {
                    return false;
                };
                // The value follows its field, so the pair goes as two deletions at
                // the same position.
                lp.delete(at);
                lp.delete(at);
                true
            }
            Repr::Table(dict) => {
                let removed = dict.remove(field).is_some();
                if removed {
                    dict.shrink_to_fit_if_sparse();
                }
                removed
            }
        }
    }

    /// HINCRBY: adds `delta` to the integer in `field` (absent counts as 0) and returns
    /// the result. `NotInteger` when the stored value is not an integer, `Overflow` when
    /// the sum leaves the 64-bit range; nothing changes on error.
    pub fn incr_by(
        &mut self,
        field: &[u8],
        delta: i64,
        limits: &HashLimits,
    ) -> Result<i64, StorageError> {
        let current = match self.get(field) {
            None => 0,
            Some(value) => value.as_int().ok_or(StorageError::NotInteger)?,
        };
        let sum = current.checked_add(delta).ok_or(StorageError::Overflow)?;
        let mut scratch = IntBuf::default();
        self.set(field, crate::number::format_i64(sum, &mut scratch), limits);
        Ok(sum)
    }

    /// HINCRBYFLOAT: adds the long double `delta` to the number in `field` (absent counts
    /// as 0) and returns the stored text (`%.17Lf`, trimmed). `NotFloat` when the stored
    /// value (or the increment, which the caller checks first) is not a valid long
    /// double, `NanOrInfinity` for an infinite or NaN sum; nothing changes on error.
    pub fn incr_by_float(
        &mut self,
        field: &[u8],
        delta: &[u8],
        limits: &HashLimits,
    ) -> Result<Vec<u8>, StorageError> {
        let mut scratch = IntBuf::default();
        let current = self.get(field);
        let current = current
            .as_ref()
            .map(|value| entry_bytes(value, &mut scratch));
        if current.is_some_and(|text| !is_valid_long_double(text)) {
            return Err(StorageError::NotFloat);
        }
        let result = incr_by_float_bytes(current, delta)?;
        self.set(field, &result, limits);
        Ok(result)
    }

    /// Every field and value: in insertion order for a listpack, table order otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Listpack(lp) => Iter(IterRepr::Listpack(lp.iter())),
            Repr::Table(dict) => Iter(IterRepr::Table(dict.iter())),
        }
    }

    /// One HSCAN step from `cursor`: calls `f` with each field and value found, and
    /// returns the next cursor (0 when done). A listpack hash is reported whole in one
    /// step. A table visits buckets until `count` pairs are found or `count * 20` more
    /// buckets were visited, as Redis's scanGenericCommand (which counts fields and
    /// values separately, so its limits are twice the count).
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(LpEntry<'a>, LpEntry<'a>),
    ) -> u64 {
        match &self.0 {
            Repr::Listpack(_) => {
                for (field, value) in self.iter() {
                    f(field, value);
                }
                0
            }
            Repr::Table(dict) => {
                let wanted = count.saturating_mul(2);
                let mut iterations = wanted.saturating_mul(10);
                let mut found = 0usize;
                let mut cursor = cursor;
                loop {
                    cursor = dict.scan_nodes(cursor, |node| {
                        found += 2;
                        f(
                            LpEntry::Str(node.key.as_bytes()),
                            LpEntry::Str(node.value.as_bytes()),
                        );
                    });
                    if cursor == 0 || iterations == 0 || found >= wanted {
                        return cursor;
                    }
                    iterations -= 1;
                }
            }
        }
    }

    /// Moves every pair into a hash table (Redis's hashTypeConvertListpack).
    fn convert(&mut self) {
        let Repr::Listpack(lp) = &self.0 else {
            return;
        };
        // Sized up front, as Redis's dictExpand here: the new table is not left half-way
        // through a rehash, which would skew HRANDFIELD's sampling pick.
        let mut dict = Dict::default();
        dict.expand(lp.len() / 2);
        let mut pairs = lp.iter();
        let mut field_scratch = IntBuf::default();
        let mut value_scratch = IntBuf::default();
        while let (Some(field), Some(value)) = (pairs.next(), pairs.next()) {
            let field = entry_bytes(&field, &mut field_scratch);
            let value = entry_bytes(&value, &mut value_scratch);
            dict.insert(field, SmallBytes::new(value));
        }
        self.0 = Repr::Table(Box::new(dict));
    }
}

/// An iterator over a hash's fields and values.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    /// Entries alternate field, value.
    Listpack(crate::listpack::Iter<'a>),
    Table(crate::dict::Iter<'a, SmallBytes, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (LpEntry<'a>, LpEntry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Listpack(entries) => {
                let field = entries.next()?;
                let value = entries.next()?;
                Some((field, value))
            }
            IterRepr::Table(entries) => entries.next().map(|(field, value)| {
                (
                    LpEntry::Str(field.as_bytes()),
                    LpEntry::Str(value.as_bytes()),
                )
            }),
        }
    }
}
