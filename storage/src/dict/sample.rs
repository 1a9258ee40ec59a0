//! Reading a `Dict` without a key: iteration, the SCAN cursor, and random sampling.
//!
//! It owns Redis's reverse-binary SCAN cursor over one or two tables, the
//! dictGetSomeKeys-style sampler, the fair random entry built on it, and the
//! bucket-at-a-time access the active expiry cycle uses. It deliberately never
//! changes the table: every function here takes `&self`, so rehash steps belong to
//! the caller (as Redis pauses rehashing during a scan).

use super::{Dict, Node, NodeMeta, Table};
use crate::key::Key;

/// How many entries the fair random pick samples before choosing (GETFAIR_NUM_ENTRIES).
const FAIR_SAMPLE: usize = 15;
/// After this many empty random buckets, the single-entry pick walks buckets in order
/// from a random one, so a caller's poor randomness cannot make it spin.
const RANDOM_BUCKET_TRIES: usize = 1024;

/// A small deterministic generator (splitmix64) that stretches the caller's one random
/// number into the several draws a pick needs.
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw in `0..bound` (bound > 0); the slight modulo bias does not matter here.
    fn below(&mut self, bound: usize) -> usize {
        let bound64 = u64::try_from(bound).unwrap_or(u64::MAX).max(1);
        usize::try_from(self.next() % bound64).unwrap_or(0)
    }
}

/// Advances a SCAN cursor over the bits below `mask`'s highest set bit, most
/// significant first: reverse, add one, reverse back.
fn next_cursor(cursor: u64, mask: u64) -> u64 {
    (cursor | !mask)
        .reverse_bits()
        .wrapping_add(1)
        .reverse_bits()
}

fn visit_chain<'a, V, M>(mut node: Option<&'a Node<V, M>>, f: &mut impl FnMut(&'a Node<V, M>)) {
    while let Some(current) = node {
        f(current);
        node = current.next.as_deref();
    }
}

/// Iterates over a `Dict`'s entries in bucket order.
pub struct Iter<'a, V, M = u32> {
    tables: &'a [Table<V, M>; 2],
    table: usize,
    bucket: usize,
    node: Option<&'a Node<V, M>>,
}

impl<'a, V, M> Iter<'a, V, M> {
    pub(crate) fn next_node(&mut self) -> Option<&'a Node<V, M>> {
        loop {
            if let Some(node) = self.node {
                self.node = node.next.as_deref();
                return Some(node);
            }
            let table = self.tables.get(self.table)?;
            match table.buckets.get(self.bucket) {
                Some(link) => {
                    self.node = link.as_deref();
                    self.bucket += 1;
                }
                None => {
                    self.table += 1;
                    self.bucket = 0;
                }
            }
        }
    }
}

impl<'a, V, M> Iterator for Iter<'a, V, M> {
    type Item = (&'a Key, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.next_node().map(|node| (&node.key, &node.value))
    }
}

impl<V, M: NodeMeta> Dict<V, M> {
    /// Every entry, in bucket order.
    pub fn iter(&self) -> Iter<'_, V, M> {
        Iter {
            tables: &self.tables,
            table: 0,
            bucket: 0,
            node: None,
        }
    }

    /// Every entry with its meta word, in bucket order.
    pub fn iter_with_meta(&self) -> impl Iterator<Item = (&Key, M, &V)> {
        let mut iter = self.iter();
        std::iter::from_fn(move || {
            iter.next_node()
                .map(|node| (&node.key, node.meta, &node.value))
        })
    }

    /// One SCAN step (Redis's dictScan): calls `f` for every entry in the bucket(s) at
    /// `cursor` and returns the next cursor, 0 when the scan is complete. Every entry
    /// present for the whole scan is reported at least once, however the table grows
    /// or shrinks between steps; some may be reported more than once.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&Key, &V)) -> u64 {
        self.scan_nodes(cursor, |node| f(&node.key, &node.value))
    }

    pub(crate) fn scan_nodes<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a Node<V, M>)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let [first, second] = &self.tables;
        if !self.is_rehashing() {
            let mask = first.mask();
            visit_chain(first.bucket(cursor), &mut f);
            return next_cursor(cursor, mask);
        }
        // Visit the smaller table's bucket, then every bucket of the larger table that
        // expands it, so the two tables behave as one.
        let (small, large) = if first.size() <= second.size() {
            (first, second)
        } else {
            (second, first)
        };
        let small_mask = small.mask();
        let large_mask = large.mask();
        visit_chain(small.bucket(cursor), &mut f);
        let mut cursor = cursor;
        loop {
            visit_chain(large.bucket(cursor), &mut f);
            cursor = next_cursor(cursor, large_mask);
            if cursor & (small_mask ^ large_mask) == 0 {
                break;
            }
        }
        cursor
    }

    /// Visits the bucket at `cursor` (masked) in table 0, and in table 1 while
    /// rehashing, as the active expiry cycle walks the expires table in Redis 7.0.
    /// Returns how many buckets were looked at.
    pub fn visit_buckets_at(&self, cursor: u64, mut f: impl FnMut(&Key, M, &V)) -> usize {
        let mut checked = 0;
        for (number, table) in self.tables.iter().enumerate() {
            if number == 1 && !self.is_rehashing() {
                break;
            }
            checked += 1;
            visit_chain(table.bucket(cursor), &mut |node: &Node<V, M>| {
                f(&node.key, node.meta, &node.value)
            });
        }
        checked
    }

    /// Up to `count` entries from a random region of the table (Redis's
    /// dictGetSomeKeys): fast, not uniformly distributed, possibly fewer than asked
    /// for. `rand` seeds every random choice.
    pub fn sample(&self, count: usize, rand: u64, mut f: impl FnMut(&Key, &V)) {
        let mut rng = SplitMix::new(rand);
        for node in self.sample_nodes(count, &mut rng) {
            f(&node.key, &node.value);
        }
    }

    /// Like [`Dict::sample`], also passing each entry's meta word.
    pub fn sample_with_meta(&self, count: usize, rand: u64, mut f: impl FnMut(&Key, M, &V)) {
        let mut rng = SplitMix::new(rand);
        for node in self.sample_nodes(count, &mut rng) {
            f(&node.key, node.meta, &node.value);
        }
    }

    pub(crate) fn sample_nodes(&self, count: usize, rng: &mut SplitMix) -> Vec<&Node<V, M>> {
        let count = count.min(self.len());
        let mut found: Vec<&Node<V, M>> = Vec::with_capacity(count);
        if count == 0 {
            return found;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let rehash_index = self.rehash_index.unwrap_or(0);
        let max_mask = self
            .tables
            .iter()
            .take(tables)
            .map(Table::mask)
            .max()
            .unwrap_or(0);
        let mut index = rng.next() & max_mask;
        let mut empty_run = 0usize;
        let mut seen = 0usize;
        let mut steps = count.saturating_mul(10);
        while seen < count && steps > 0 {
            steps -= 1;
            for (number, table) in self.tables.iter().take(tables).enumerate() {
                let position = usize::try_from(index).unwrap_or(usize::MAX);
                // Buckets of table 0 below the rehash index are already empty; when the
                // index is also past the end of table 1, jump to the rehash index.
                if tables == 2 && number == 0 && position < rehash_index {
                    if position >= self.tables[1].size() {
                        index = u64::try_from(rehash_index).unwrap_or(0);
                    } else {
                        continue;
                    }
                }
                let position = usize::try_from(index).unwrap_or(usize::MAX);
                if position >= table.size() {
                    continue;
                }
                match table.buckets.get(position).and_then(|link| link.as_deref()) {
                    None => {
                        empty_run += 1;
                        if empty_run >= 5 && empty_run > count {
                            index = rng.next() & max_mask;
                            empty_run = 0;
                        }
                    }
                    Some(head) => {
                        empty_run = 0;
                        // Take the whole chain, keeping a uniform choice among its
                        // entries once enough are found (reservoir sampling), so the
                        // end of a long chain can be sampled too.
                        visit_chain(Some(head), &mut |node| {
                            if seen < count {
                                found.push(node);
                            } else {
                                let slot = rng.below(seen + 1);
                                if let Some(entry) = found.get_mut(slot) {
                                    *entry = node;
                                }
                            }
                            seen += 1;
                        });
                        if seen >= count {
                            return found;
                        }
                    }
                }
            }
            index = index.wrapping_add(1) & max_mask;
        }
        found
    }

    /// A random entry, chosen from a sample of a few so chain lengths skew the odds less
    /// (Redis's dictGetFairRandomKey). `None` only when the table is empty.
    pub fn random(&self, rand: u64) -> Option<(&Key, &V)> {
        self.random_node(rand).map(|node| (&node.key, &node.value))
    }

    pub(crate) fn random_node(&self, rand: u64) -> Option<&Node<V, M>> {
        let mut rng = SplitMix::new(rand);
        let sampled = self.sample_nodes(FAIR_SAMPLE, &mut rng);
        if sampled.is_empty() {
            return self.random_single(&mut rng);
        }
        sampled.get(rng.below(sampled.len())).copied()
    }

    /// A random non-empty bucket, then a random entry of its chain (dictGetRandomKey).
    fn random_single(&self, rng: &mut SplitMix) -> Option<&Node<V, M>> {
        if self.is_empty() {
            return None;
        }
        let [first, second] = &self.tables;
        // While rehashing, table 0's buckets below the rehash index are empty, so pick
        // among the remaining ones of table 0 followed by all of table 1.
        let start = self.rehash_index.unwrap_or(0);
        let span = first.size() + second.size() - start;
        let bucket_at = |offset: usize| {
            let position = start + offset;
            if position < first.size() {
                first.buckets.get(position)
            } else {
                second.buckets.get(position - first.size())
            }
        };
        let mut head = None;
        for _ in 0..RANDOM_BUCKET_TRIES {
            if let Some(node) = bucket_at(rng.below(span)).and_then(|link| link.as_deref()) {
                head = Some(node);
                break;
            }
        }
        if head.is_none() {
            let offset = rng.below(span);
            head = (0..span).find_map(|step| {
                bucket_at((offset + step) % span).and_then(|link| link.as_deref())
            });
        }
        let head = head?;
        let mut length = 0usize;
        visit_chain(Some(head), &mut |_| length += 1);
        let mut node = head;
        for _ in 0..rng.below(length) {
            node = node.next.as_deref()?;
        }
        Some(node)
    }
}
