//! Pinning a `Dict`'s layout so a snapshot can walk it while it keeps changing.
//!
//! A fork-less snapshot walks the table bucket by bucket in slices, between commands.
//! For "has the walk passed this key yet?" to have a stable answer, entries must not
//! move between buckets during the walk: a pinned table neither rehashes nor resizes
//! (as Redis holds back resizing while a fork child is saving). Inserts and removals
//! still work; they just land in the bucket the current layout gives them. This file
//! owns the pin, a key's position in walk order, and visiting one bucket.

use super::{Dict, NodeMeta};
use crate::key::Key;

/// Where an entry sits in walk order: table 0's buckets first, then table 1's (the
/// second table only exists while a rehash is under way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// 0 or 1.
    pub table: u8,
    /// The bucket index within that table.
    pub bucket: usize,
}

impl<V, M: NodeMeta> Dict<V, M> {
    /// Stops (or, with false, resumes) rehashing and resizing, so positions stay put.
    pub fn pin_layout(&mut self, pinned: bool) {
        self.pinned = pinned;
    }

    /// True while the layout is pinned.
    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// The position `key` has in walk order, or, when absent, the one an insert would
    /// give it (while rehashing, new entries go to table 1).
    pub fn position_of(&self, key: &[u8]) -> Position {
        let hash = self.hash(key);
        let [first, second] = &self.tables;
        let in_first = Position {
            table: 0,
            bucket: usize::try_from(hash & first.mask()).unwrap_or(usize::MAX),
        };
        if self.rehash_index.is_none() || first.find(hash, key).is_some() {
            return in_first;
        }
        Position {
            table: 1,
            bucket: usize::try_from(hash & second.mask()).unwrap_or(usize::MAX),
        }
    }

    /// The first position after the last bucket: a walk there is finished.
    pub fn end_position(&self) -> Position {
        Position {
            table: 2,
            bucket: 0,
        }
    }

    /// Calls `f` for every entry in the bucket at `at`, and returns the next position
    /// in walk order (skipping a table with no buckets left).
    pub fn visit_bucket(&self, at: Position, mut f: impl FnMut(&Key, M, &V)) -> Position {
        let Some(table) = self.tables.get(usize::from(at.table)) else {
            return self.end_position();
        };
        let mut node = table.buckets.get(at.bucket).and_then(Option::as_deref);
        while let Some(current) = node {
            f(&current.key, current.meta, &current.value);
            node = current.next.as_deref();
        }
        let next = at.bucket.saturating_add(1);
        if next < table.size() {
            return Position {
                table: at.table,
                bucket: next,
            };
        }
        match at.table {
            0 if self.tables[1].size() > 0 => Position {
                table: 1,
                bucket: 0,
            },
            _ => self.end_position(),
        }
    }
}
