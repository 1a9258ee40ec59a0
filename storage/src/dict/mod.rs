//! The hash table behind the keyspace (and, later, hashes, sets and sorted sets).
//!
//! It owns Redis's table design: chained buckets in a power-of-two array, growth by
//! incremental rehashing into a second array (one bucket per write, plus bulk steps
//! the server runs from its cron), Redis's grow rule (grow when entries >= buckets)
//! and shrink rule (on request, when under 10% full), the reverse-binary SCAN cursor,
//! random sampling and a fair random entry. Every node also carries a 32-bit `meta`
//! word for its owner (the keyspace keeps the LRU/LFU field and a TTL flag there).
//! It deliberately knows nothing of values, TTLs or time, and it draws no random
//! numbers of its own: callers pass a seed for each random choice.
//!
//! Keys hash with foldhash under a random seed per table, so clients cannot aim keys
//! at one bucket. Long chains are dropped one node at a time, never recursively.

pub(crate) mod layout;
pub(crate) mod sample;
#[cfg(test)]
mod tests;

use std::hash::{BuildHasher, Hasher};

use foldhash::SharedSeed;
use foldhash::fast::SeedableRandomState;

use crate::key::Key;

pub use layout::Position;
pub use sample::Iter;

/// The bucket count of a table's first allocation (DICT_HT_INITIAL_SIZE).
const INITIAL_SIZE: usize = 4;
/// A table under this percentage of fill may be shrunk (HASHTABLE_MIN_FILL).
const MIN_FILL_PERCENT: usize = 10;
/// Empty buckets a rehash step may skip per bucket it was asked to move.
const EMPTY_VISITS_PER_STEP: usize = 10;

/// The word a table's owner keeps beside each entry: `u32` for the keyspace (its LRU/LFU
/// field and TTL flag), `()` for tables that need none, such as a set's members, whose
/// nodes then take 32 bytes instead of 40 (a 48-byte allocation).
pub trait NodeMeta: Copy + Default {}

impl NodeMeta for u32 {}

impl NodeMeta for () {}

/// One entry: the bucket chain link, the key, the owner's meta word, and the value.
/// For the keyspace's values this is exactly 64 bytes.
pub(crate) struct Node<V, M = u32> {
    pub(crate) next: Link<V, M>,
    pub(crate) key: Key,
    pub(crate) meta: M,
    pub(crate) value: V,
}

pub(crate) type Link<V, M = u32> = Option<Box<Node<V, M>>>;

/// One bucket array; its length is 0 or a power of two.
pub(crate) struct Table<V, M = u32> {
    pub(crate) buckets: Vec<Link<V, M>>,
    pub(crate) used: usize,
}

impl<V, M> Table<V, M> {
    const fn empty() -> Self {
        Table {
            buckets: Vec::new(),
            used: 0,
        }
    }

    fn with_size(size: usize) -> Self {
        let mut buckets = Vec::with_capacity(size);
        buckets.resize_with(size, || None);
        Table { buckets, used: 0 }
    }

    pub(crate) fn size(&self) -> usize {
        self.buckets.len()
    }

    /// The index mask; 0 for an unallocated table, whose lookups find nothing.
    pub(crate) fn mask(&self) -> u64 {
        u64::try_from(self.buckets.len().saturating_sub(1)).unwrap_or(u64::MAX)
    }

    pub(crate) fn bucket(&self, hash_or_cursor: u64) -> Option<&Node<V, M>> {
        let index = usize::try_from(hash_or_cursor & self.mask()).ok()?;
        self.buckets.get(index)?.as_deref()
    }

    fn link_mut(&mut self, hash: u64) -> Option<&mut Link<V, M>> {
        let index = usize::try_from(hash & self.mask()).ok()?;
        self.buckets.get_mut(index)
    }

    fn find(&self, hash: u64, key: &[u8]) -> Option<&Node<V, M>> {
        let mut node = self.bucket(hash);
        while let Some(current) = node {
            if current.key.as_bytes() == key {
                return Some(current);
            }
            node = current.next.as_deref();
        }
        None
    }

    fn find_mut(&mut self, hash: u64, key: &[u8]) -> Option<&mut Node<V, M>> {
        let mut node = self.link_mut(hash)?.as_deref_mut();
        while let Some(current) = node {
            if current.key.as_bytes() == key {
                return Some(current);
            }
            node = current.next.as_deref_mut();
        }
        None
    }

    /// Unlinks the node holding `key` from its chain.
    fn unlink(&mut self, hash: u64, key: &[u8]) -> Option<Box<Node<V, M>>> {
        let head = self.link_mut(hash)?;
        // Find the node's position first, then walk to its link: two short walks keep
        // the borrow checker content without any unsafe pointer juggling.
        let mut position = 0usize;
        let mut node = head.as_deref();
        loop {
            let current = node?;
            if current.key.as_bytes() == key {
                break;
            }
            position += 1;
            node = current.next.as_deref();
        }
        let mut link = head;
        for _ in 0..position {
            link = &mut link.as_mut()?.next;
        }
        let mut found = link.take()?;
        *link = found.next.take();
        self.used = self.used.saturating_sub(1);
        Some(found)
    }

    /// Drops every node iteratively, so a long chain cannot overflow the stack.
    fn clear(&mut self) {
        for bucket in &mut self.buckets {
            drop_chain(bucket.take());
        }
        self.used = 0;
    }
}

impl<V, M> Drop for Table<V, M> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Frees a chain one node at a time.
fn drop_chain<V, M>(mut link: Link<V, M>) {
    while let Some(mut node) = link {
        link = node.next.take();
    }
}

/// A hash table from byte-string keys to `V` (and a meta word `M` per entry), with
/// Redis's incremental rehashing.
pub struct Dict<V, M = u32> {
    /// Table 0 holds everything when not rehashing; while rehashing, entries move from
    /// table 0 to table 1 bucket by bucket, and new entries go to table 1.
    pub(crate) tables: [Table<V, M>; 2],
    /// While rehashing, the next bucket of table 0 to move.
    pub(crate) rehash_index: Option<usize>,
    /// While a snapshot walks the table: no rehash steps and no resizing (see layout).
    pub(crate) pinned: bool,
    /// Bytes a new bucket array may take while the table is not overfull (Redis's
    /// dictExpandAllowed under maxmemory); None: no limit.
    grow_limit: Option<usize>,
    hasher: SeedableRandomState,
}

impl<V, M: NodeMeta> std::fmt::Debug for Dict<V, M> {
    /// A summary, not the contents: a keyspace can hold millions of entries.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict")
            .field("len", &self.len())
            .field("slots", &self.slots())
            .field("rehashing", &self.is_rehashing())
            .finish()
    }
}

impl<V, M: NodeMeta> Default for Dict<V, M> {
    /// An empty table with a random hash seed.
    fn default() -> Self {
        Self::with_hasher(SeedableRandomState::random())
    }
}

fn hash_key(hasher: &SeedableRandomState, key: &[u8]) -> u64 {
    let mut state = hasher.build_hasher();
    state.write(key);
    state.finish()
}

// The plain constructors name the common case (a `u32` meta word), so callers need not
// spell the meta type; tables without one use `Dict::default()` or `seeded`.
impl<V> Dict<V> {
    /// An empty table with a random hash seed; it allocates nothing until first used.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty table whose hashing is fixed by `seed`, for reproducible tests.
    pub fn with_seed(seed: u64) -> Self {
        Self::seeded(seed)
    }
}

impl<V, M: NodeMeta> Dict<V, M> {
    /// An empty table whose hashing is fixed by `seed`, whatever its meta type.
    pub fn seeded(seed: u64) -> Self {
        Self::with_hasher(SeedableRandomState::with_seed(
            seed,
            SharedSeed::global_fixed(),
        ))
    }

    fn with_hasher(hasher: SeedableRandomState) -> Self {
        Dict {
            tables: [Table::empty(), Table::empty()],
            rehash_index: None,
            pinned: false,
            grow_limit: None,
            hasher,
        }
    }

    fn hash(&self, key: &[u8]) -> u64 {
        hash_key(&self.hasher, key)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    /// True when the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of buckets over both tables (Redis's dictSlots).
    pub fn slots(&self) -> usize {
        self.tables[0].size() + self.tables[1].size()
    }

    /// True while entries are moving to a resized table.
    pub fn is_rehashing(&self) -> bool {
        self.rehash_index.is_some()
    }

    fn find(&self, key: &[u8]) -> Option<&Node<V, M>> {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key);
        let [first, second] = &self.tables;
        first.find(hash, key).or_else(|| second.find(hash, key))
    }

    fn find_mut(&mut self, key: &[u8]) -> Option<&mut Node<V, M>> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let hash = self.hash(key);
        let [first, second] = &mut self.tables;
        match first.find_mut(hash, key) {
            Some(node) => Some(node),
            None => second.find_mut(hash, key),
        }
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.find(key).map(|node| &node.value)
    }

    /// The stored key, meta word and value under `key`.
    pub fn get_entry(&self, key: &[u8]) -> Option<(&Key, M, &V)> {
        self.find(key)
            .map(|node| (&node.key, node.meta, &node.value))
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// The value under `key`, mutably. Like every write it advances a rehash by a step.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.find_mut(key).map(|node| &mut node.value)
    }

    /// The meta word of `key`'s entry.
    pub fn meta(&self, key: &[u8]) -> Option<M> {
        self.find(key).map(|node| node.meta)
    }

    /// The meta word and value of `key`'s entry, mutably.
    pub fn get_meta_mut(&mut self, key: &[u8]) -> Option<(&mut M, &mut V)> {
        self.find_mut(key)
            .map(|node| (&mut node.meta, &mut node.value))
    }

    /// Inserts or replaces; a new entry's meta word is 0, a replaced one keeps its own.
    /// Returns the replaced value.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        self.insert_with_meta(key, value, |old| old.unwrap_or_default())
    }

    /// Inserts or replaces, setting the meta word to `meta(old meta word)`, where the
    /// old word is `None` for a new entry. Returns the replaced value.
    pub fn insert_with_meta(
        &mut self,
        key: &[u8],
        value: V,
        meta: impl FnOnce(Option<M>) -> M,
    ) -> Option<V> {
        self.rehash_step();
        self.expand_if_needed();
        let hash = self.hash(key);
        let [first, second] = &mut self.tables;
        if let Some(node) = first
            .find_mut(hash, key)
            .or_else(|| second.find_mut(hash, key))
        {
            node.meta = meta(Some(node.meta));
            return Some(std::mem::replace(&mut node.value, value));
        }
        // New entries go to the table being filled, so table 0 only ever shrinks while
        // rehashing.
        let target = if self.is_rehashing() {
            &mut self.tables[1]
        } else {
            &mut self.tables[0]
        };
        let Some(head) = target.link_mut(hash) else {
            // Unreachable: expand_if_needed allocated the table. Dropping the value is
            // the only non-panicking answer.
            return None;
        };
        let node = Box::new(Node {
            next: head.take(),
            key: Key::new(key),
            meta: meta(None),
            value,
        });
        *head = Some(node);
        target.used += 1;
        None
    }

    /// Removes `key`'s entry and returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, value)| value)
    }

    /// Removes `key`'s entry and returns its meta word and value.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(M, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let hash = self.hash(key);
        let [first, second] = &mut self.tables;
        let node = match first.unlink(hash, key) {
            Some(node) => node,
            None => second.unlink(hash, key)?,
        };
        let Node { meta, value, .. } = *node;
        Some((meta, value))
    }

    /// Removes every entry and frees both tables.
    pub fn clear(&mut self) {
        self.tables = [Table::empty(), Table::empty()];
        self.rehash_index = None;
    }

    /// Grows when full (Redis's `_dictExpandIfNeeded` with resizing allowed).
    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let first = &self.tables[0];
        if first.size() == 0 {
            self.expand(INITIAL_SIZE);
        } else if first.used >= first.size() && self.growth_allowed() {
            self.expand(first.used.saturating_add(1));
        }
    }

    /// Sets the bytes a new bucket array may take (None: any), as the server's maxmemory
    /// headroom allows.
    pub fn set_grow_limit(&mut self, limit: Option<usize>) {
        self.grow_limit = limit;
    }

    /// Redis's dictExpandAllowed: growing may not push memory over the limit unless the
    /// table is more than 1.618 times overfull (HASHTABLE_MAX_LOAD_FACTOR).
    fn growth_allowed(&self) -> bool {
        let Some(limit) = self.grow_limit else {
            return true;
        };
        let first = &self.tables[0];
        let overfull = first.used.saturating_mul(1000) > first.size().saturating_mul(1618);
        let next = first.used.saturating_add(1).checked_next_power_of_two();
        let bytes = next.map_or(usize::MAX, |n| {
            n.saturating_mul(std::mem::size_of::<Link<V, M>>())
        });
        overfull || bytes <= limit
    }

    /// Starts resizing to the smallest power of two holding `size` entries (at least
    /// 4), as Redis's dictExpand presizes a table that is about to be filled. Refused
    /// while rehashing, below the current entry count, or to the same size.
    pub fn expand(&mut self, size: usize) -> bool {
        // A pinned table may still get its first buckets: it had no entries to move.
        let pinned = self.pinned && self.tables[0].size() > 0;
        if pinned || self.is_rehashing() || self.tables[0].used > size {
            return false;
        }
        let Some(new_size) = size.max(INITIAL_SIZE).checked_next_power_of_two() else {
            return false;
        };
        if new_size == self.tables[0].size() {
            return false;
        }
        let table = Table::with_size(new_size);
        if self.tables[0].size() == 0 {
            self.tables[0] = table;
        } else {
            self.tables[1] = table;
            self.rehash_index = Some(0);
        }
        true
    }

    /// Redis's htNeedsResize + dictResize: when the table is under 10% full, starts
    /// shrinking it to fit its entries. Returns true when a resize started.
    pub fn shrink_to_fit_if_sparse(&mut self) -> bool {
        let slots = self.slots();
        let used = self.len();
        let sparse = slots > INITIAL_SIZE && used.saturating_mul(100) / slots < MIN_FILL_PERCENT;
        if !sparse || self.is_rehashing() {
            return false;
        }
        self.expand(used.max(INITIAL_SIZE))
    }

    fn rehash_step(&mut self) {
        if self.is_rehashing() {
            self.rehash(1);
        }
    }

    /// Moves up to `buckets` buckets of a running rehash (Redis's dictRehash). Returns
    /// true while the rehash is still running.
    pub fn rehash_steps(&mut self, buckets: usize) -> bool {
        self.rehash(buckets);
        self.is_rehashing()
    }

    fn rehash(&mut self, buckets: usize) {
        let Some(mut index) = self.rehash_index else {
            return;
        };
        if self.pinned {
            return;
        }
        let mut empty_visits = buckets.saturating_mul(EMPTY_VISITS_PER_STEP);
        let Dict {
            tables: [from, to],
            hasher,
            ..
        } = self;
        let mut remaining = buckets;
        'steps: while remaining > 0 && from.used > 0 {
            remaining -= 1;
            // Skip empty buckets, but only so many, so one call stays short.
            loop {
                match from.buckets.get(index) {
                    Some(Some(_)) => break,
                    Some(None) => {
                        index += 1;
                        empty_visits = empty_visits.saturating_sub(1);
                        if empty_visits == 0 {
                            break 'steps;
                        }
                    }
                    // Unreachable while entries remain; stop rather than spin.
                    None => break 'steps,
                }
            }
            let mut chain = from.buckets.get_mut(index).and_then(Option::take);
            while let Some(mut node) = chain {
                chain = node.next.take();
                let hash = hash_key(hasher, node.key.as_bytes());
                if let Some(head) = to.link_mut(hash) {
                    node.next = head.take();
                    *head = Some(node);
                    from.used -= 1;
                    to.used += 1;
                }
            }
            index += 1;
        }
        if from.used == 0 {
            std::mem::swap(from, to);
            *to = Table::empty();
            self.rehash_index = None;
        } else {
            self.rehash_index = Some(index);
        }
    }
}
