//! The small encoding of a sorted set (OBJECT ENCODING "listpack"): member and score
//! pairs in order, searched linearly, as Redis keeps a small sorted set.
//!
//! Redis stores each score in the listpack as text (an integer when the score is one),
//! so a score read back is what that text parses to: the only visible effect is that
//! -0 becomes 0. Scores are normalized the same way on the way in. It deliberately
//! holds no conversion rules; `super` decides when a set outgrows this encoding.

use crate::key::Key;

/// A score as it reads back from a listpack's text: -0 is stored as the integer 0.
pub(super) fn stored_score(score: f64) -> f64 {
    if score == 0.0 { 0.0 } else { score }
}

/// A sorted set in the small encoding.
#[derive(Clone, Debug, Default)]
pub(super) struct Small {
    entries: Vec<(Key, f64)>,
}

impl Small {
    pub(super) fn new() -> Small {
        Small::default()
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The position and score of `member`.
    pub(super) fn find(&self, member: &[u8]) -> Option<(usize, f64)> {
        self.entries
            .iter()
            .position(|(m, _)| m.as_bytes() == member)
            .and_then(|i| self.entries.get(i).map(|&(_, s)| (i, s)))
    }

    /// The member and score at position `i`.
    pub(super) fn get(&self, i: usize) -> Option<(&[u8], f64)> {
        self.entries.get(i).map(|(m, s)| (m.as_bytes(), *s))
    }

    /// Inserts a member that is not present, in order.
    pub(super) fn insert(&mut self, member: &[u8], score: f64) {
        let score = stored_score(score);
        let at = self
            .entries
            .iter()
            .position(|(m, s)| *s > score || (*s == score && m.as_bytes() > member))
            .unwrap_or(self.entries.len());
        self.entries.insert(at, (Key::new(member), score));
    }

    /// Appends a member known to sort after every other one.
    pub(super) fn push_sorted(&mut self, member: &[u8], score: f64) {
        self.entries.push((Key::new(member), stored_score(score)));
    }

    pub(super) fn remove_at(&mut self, i: usize) -> Option<(Key, f64)> {
        (i < self.entries.len()).then(|| self.entries.remove(i))
    }

    /// Removes the positions in `range` (clamped to the set).
    pub(super) fn remove_range(&mut self, range: std::ops::Range<usize>) -> usize {
        let end = range.end.min(self.entries.len());
        let start = range.start.min(end);
        self.entries.drain(start..end).count()
    }

    /// How many leading entries satisfy `before(member, score)`.
    pub(super) fn count_while(&self, mut before: impl FnMut(&[u8], f64) -> bool) -> usize {
        self.entries
            .iter()
            .take_while(|(m, s)| before(m.as_bytes(), *s))
            .count()
    }

    /// Members and scores in order.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], f64)> + ExactSizeIterator {
        self.entries.iter().map(|(m, s)| (m.as_bytes(), *s))
    }

    /// The bytes the listpack would take (its header, each entry's encoding and
    /// back-length, the terminator), for Redis's 1 GB listpack safety limit.
    pub(super) fn total_bytes(&self) -> usize {
        self.entries
            .iter()
            .map(|(m, _)| m.len() + 2 + 12)
            .sum::<usize>()
            + 7
    }
}
