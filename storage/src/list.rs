//! The list type: what list commands ask of a list, in Redis's index conventions.
//!
//! It owns the translation of commands' arguments (negative indexes counting from the
//! tail, LRANGE and LTRIM clamping, LPOS ranks and limits, LREM's direction) into
//! positions, and the options a list is created with. It deliberately knows nothing of
//! nodes or compression: Redis 7.0 lists are always a quicklist, which `quicklist.rs`
//! owns.

use std::ops::ControlFlow;

use crate::listpack::LpEntry;
use crate::quicklist::{DEFAULT_PACKED_THRESHOLD, Quicklist};

pub use crate::quicklist::End;

/// The settings a new list takes from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListOptions {
    /// list-max-listpack-size.
    pub fill: i32,
    /// list-compress-depth.
    pub compress: u32,
    /// The size from which an element gets a node of its own.
    pub packed_threshold: usize,
}

impl Default for ListOptions {
    /// Redis's defaults: 8 KB nodes, no compression, 1 GB packed threshold.
    fn default() -> Self {
        ListOptions {
            fill: -2,
            compress: 0,
            packed_threshold: DEFAULT_PACKED_THRESHOLD,
        }
    }
}

/// A list value.
#[derive(Clone, Debug)]
pub struct ListValue {
    ql: Quicklist,
}

impl PartialEq for ListValue {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.to_vecs() == other.to_vecs()
    }
}

impl Eq for ListValue {}

/// A range of positions: the first and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Index of the first element.
    pub first: usize,
    /// Number of elements.
    pub len: usize,
}

impl ListValue {
    /// An empty list (a key never holds one: commands delete emptied lists).
    pub fn new(options: &ListOptions) -> ListValue {
        let mut ql = Quicklist::new(options.fill, options.compress);
        ql.set_packed_threshold(options.packed_threshold);
        ListValue { ql }
    }

    /// Applies a changed packed threshold (it is server-wide in Redis, not per list).
    pub fn set_packed_threshold(&mut self, threshold: usize) {
        self.ql.set_packed_threshold(threshold);
    }

    /// The encoding underneath, for introspection (DEBUG OBJECT, memory reports).
    pub fn quicklist(&self) -> &Quicklist {
        &self.ql
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.ql.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.ql.is_empty()
    }

    /// Adds an element at one end.
    pub fn push(&mut self, end: End, value: &[u8]) {
        self.ql.push(end, value);
    }

    /// Removes the element at one end and hands it to `f`.
    pub fn pop_with<R>(&mut self, end: End, f: impl FnOnce(LpEntry<'_>) -> R) -> Option<R> {
        self.ql.pop(end, f)
    }

    /// Removes the element at one end.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        self.ql.pop(end, |e| e.to_vec())
    }

    /// Hands up to `count` elements from one end to `f`, nearest the end first, then
    /// removes them; returns how many there were.
    pub fn pop_many(&mut self, end: End, count: usize, mut f: impl FnMut(LpEntry<'_>)) -> usize {
        let len = count.min(self.len());
        if len == 0 {
            return 0;
        }
        let (first, reverse) = match end {
            End::Head => (0, false),
            End::Tail => (self.len() - len, true),
        };
        self.visit(Span { first, len }, reverse, &mut f);
        self.ql.delete_range(first, len)
    }

    /// A position from an index that may count from the tail.
    fn position(&self, index: i64) -> Option<usize> {
        let len = i64::try_from(self.len()).ok()?;
        let index = if index < 0 { len + index } else { index };
        usize::try_from(index).ok().filter(|&i| i < self.len())
    }

    /// Hands the element at `index` (negative: from the tail) to `f`.
    pub fn get_with<R>(&self, index: i64, f: impl FnOnce(LpEntry<'_>) -> R) -> Option<R> {
        let position = self.position(index)?;
        let mut f = Some(f);
        let mut result = None;
        self.ql.visit(position, false, |e| {
            result = f.take().map(|f| f(e));
            ControlFlow::Break(())
        });
        result
    }

    /// The element at `index` (negative: from the tail).
    pub fn get(&self, index: i64) -> Option<Vec<u8>> {
        self.get_with(index, |e| e.to_vec())
    }

    /// Replaces the element at `index`; false when out of range.
    pub fn set(&mut self, index: i64, value: &[u8]) -> bool {
        match self.position(index) {
            Some(position) => self.ql.replace(position, value),
            None => false,
        }
    }

    /// LRANGE's interpretation of `start` and `stop` (inclusive, negative from the
    /// tail, clamped); `None` when the range is empty.
    pub fn span(&self, start: i64, stop: i64) -> Option<Span> {
        let len = i64::try_from(self.len()).ok()?;
        let start = if start < 0 {
            (len + start).max(0)
        } else {
            start
        };
        let stop = if stop < 0 { len + stop } else { stop };
        if start > stop || start >= len {
            return None;
        }
        let stop = stop.min(len - 1);
        Some(Span {
            first: usize::try_from(start).ok()?,
            len: usize::try_from(stop - start + 1).ok()?,
        })
    }

    /// Hands the elements of `span` to `f`, head to tail (or tail to head).
    pub fn visit(&self, span: Span, reverse: bool, mut f: impl FnMut(LpEntry<'_>)) {
        if span.len == 0 {
            return;
        }
        let start = if reverse {
            span.first + span.len - 1
        } else {
            span.first
        };
        let mut left = span.len;
        self.ql.visit(start, reverse, |e| {
            f(e);
            left -= 1;
            if left == 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
    }

    /// Hands every element to `f`, head to tail.
    pub fn for_each(&self, mut f: impl FnMut(LpEntry<'_>)) {
        self.ql.visit(0, false, |e| {
            f(e);
            ControlFlow::Continue(())
        });
    }

    /// The elements as byte strings, head to tail.
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        self.for_each(|e| out.push(e.to_vec()));
        out
    }

    /// Inserts `value` before or after the first element equal to `pivot` (LINSERT);
    /// returns the new length, or `None` when no element equals `pivot`.
    pub fn insert(&mut self, pivot: &[u8], value: &[u8], after: bool) -> Option<usize> {
        let mut index = 0;
        let mut found = None;
        self.ql.visit(0, false, |e| {
            if e.eq_bytes(pivot) {
                found = Some(index);
                return ControlFlow::Break(());
            }
            index += 1;
            ControlFlow::Continue(())
        });
        let position = found?;
        self.ql.insert(position, after, value);
        Some(self.len())
    }

    /// LREM: removes elements equal to `value`, `count` of them from the head (all when
    /// 0, from the tail when negative). Returns how many went.
    pub fn remove(&mut self, value: &[u8], count: i64) -> usize {
        let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        self.ql.remove_matching(value, limit, count < 0)
    }

    /// LTRIM: keeps only the elements from `start` to `stop` (LRANGE's interpretation);
    /// returns how many were removed.
    pub fn trim(&mut self, start: i64, stop: i64) -> usize {
        let len = self.len();
        let (left, right) = match self.span(start, stop) {
            Some(span) => (span.first, len - span.first - span.len),
            None => (len, 0),
        };
        let mut removed = self.ql.delete_range(0, left);
        let remaining = self.len();
        if right > 0 {
            removed += self.ql.delete_range(remaining - right, right);
        }
        removed
    }

    /// LPOS: hands the positions of elements equal to `value` to `f`, skipping the first
    /// `|rank| - 1` matches (from the tail when `rank` is negative), at most `limit` of
    /// them (`None`: no limit), looking at no more than `maxlen` elements (0: all).
    pub fn positions(
        &self,
        value: &[u8],
        rank: i64,
        limit: Option<usize>,
        maxlen: usize,
        mut f: impl FnMut(usize),
    ) {
        let len = self.len();
        if len == 0 || rank == 0 || limit == Some(0) {
            return;
        }
        let from_tail = rank < 0;
        let skip = rank.unsigned_abs() - 1;
        let mut scanned = 0usize;
        let mut matches = 0u64;
        let mut emitted = 0usize;
        let start = if from_tail { len - 1 } else { 0 };
        self.ql.visit(start, from_tail, |e| {
            if maxlen != 0 && scanned >= maxlen {
                return ControlFlow::Break(());
            }
            if e.eq_bytes(value) {
                matches += 1;
                if matches > skip {
                    f(if from_tail {
                        len - 1 - scanned
                    } else {
                        scanned
                    });
                    emitted += 1;
                    if limit.is_some_and(|l| emitted >= l) {
                        return ControlFlow::Break(());
                    }
                }
            }
            scanned += 1;
            ControlFlow::Continue(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> ListValue {
        let mut l = ListValue::new(&ListOptions::default());
        for item in items {
            l.push(End::Tail, item.as_bytes());
        }
        l
    }

    fn strings(l: &ListValue) -> Vec<String> {
        l.to_vecs()
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn spans_follow_lrange() {
        let l = list(&["a", "b", "c", "d"]);
        assert_eq!(l.span(0, -1), Some(Span { first: 0, len: 4 }));
        assert_eq!(l.span(-100, 1), Some(Span { first: 0, len: 2 }));
        assert_eq!(l.span(2, 100), Some(Span { first: 2, len: 2 }));
        assert_eq!(l.span(3, 2), None);
        assert_eq!(l.span(4, 10), None);
        assert_eq!(l.span(-1, -1), Some(Span { first: 3, len: 1 }));
        assert_eq!(l.span(i64::MIN, i64::MAX), Some(Span { first: 0, len: 4 }));
        assert_eq!(l.span(0, i64::MIN), None);
    }

    #[test]
    fn index_set_insert_remove_trim() {
        let mut l = list(&["a", "b", "c", "b", "1"]);
        assert_eq!(l.get(-1), Some(b"1".to_vec()));
        assert_eq!(l.get(5), None);
        assert_eq!(l.get(i64::MIN), None);
        assert!(l.set(-2, b"x"));
        assert!(!l.set(9, b"x"));
        assert_eq!(l.insert(b"1", b"z", false), Some(6));
        assert_eq!(l.insert(b"nope", b"z", false), None);
        assert_eq!(strings(&l), ["a", "b", "c", "x", "z", "1"]);
        assert_eq!(l.insert(b"a", b"b", true), Some(7));
        assert_eq!(l.remove(b"b", -1), 1);
        assert_eq!(strings(&l), ["a", "b", "c", "x", "z", "1"]);
        assert_eq!(l.remove(b"01", 0), 0);
        assert_eq!(l.remove(b"1", 0), 1);
        assert_eq!(l.trim(1, -2), 2);
        assert_eq!(strings(&l), ["b", "c", "x"]);
        assert_eq!(l.trim(5, 10), 3);
        assert!(l.is_empty());
    }

    #[test]
    fn positions_follow_lpos() {
        let l = list(&["a", "b", "c", "1", "2", "3", "c", "c"]);
        let pos = |rank, limit, maxlen| {
            let mut out = Vec::new();
            l.positions(b"c", rank, limit, maxlen, |p| out.push(p));
            out
        };
        assert_eq!(pos(1, Some(1), 0), [2]);
        assert_eq!(pos(1, None, 0), [2, 6, 7]);
        assert_eq!(pos(2, None, 0), [6, 7]);
        assert_eq!(pos(-1, None, 0), [7, 6, 2]);
        assert_eq!(pos(-2, Some(1), 0), [6]);
        assert_eq!(pos(1, None, 3), [2]);
        assert_eq!(pos(-1, None, 2), [7, 6]);
        assert_eq!(pos(i64::MIN, None, 0), Vec::<usize>::new());
    }

    #[test]
    fn pop_many_from_either_end() {
        let mut l = list(&["a", "b", "c", "d"]);
        let mut out = Vec::new();
        assert_eq!(l.pop_many(End::Tail, 3, |e| out.push(e.to_vec())), 3);
        assert_eq!(out, [b"d".to_vec(), b"c".to_vec(), b"b".to_vec()]);
        assert_eq!(l.pop_many(End::Head, usize::MAX, |_| {}), 1);
        assert!(l.is_empty());
    }
}
