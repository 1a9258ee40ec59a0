//! The small encoding of a sorted set (OBJECT ENCODING "listpack"): member and score
//! entries in turn, in order, in one [`Listpack`], searched linearly as Redis does.
//!
//! Scores are stored as Redis's `zzlInsertAt` stores them: an integer entry when the
//! score is an integer within ±2^62, else its `%.17g` text (`inf`, `-inf`); reading one
//! back parses that text. The only visible effect is that -0 reads back as 0. It
//! deliberately holds no conversion rules; `super` decides when a set outgrows this
//! encoding.

use super::Member;
use crate::listpack::{Listpack, LpEntry};
use crate::number::{DoubleBuf, format_f64, parse_range_f64};

/// The largest magnitude Redis stores as an integer score: `(double)(LLONG_MAX / 2)`.
const INT_SCORE_LIMIT: f64 = 4_611_686_018_427_387_904.0;

/// Appends a score as Redis's listpack stores it: the integer's digits, or `%.17g`.
pub(super) fn write_stored_score(score: f64, out: &mut Vec<u8>) {
    if (-INT_SCORE_LIMIT..=INT_SCORE_LIMIT).contains(&score) && score.fract() == 0.0 {
        // In range and integral by the check above, so the conversion is exact.
        out.extend_from_slice(itoa::Buffer::new().format(score as i64).as_bytes());
    } else {
        let mut buf: DoubleBuf = [0; 32];
        out.extend_from_slice(format_f64(score, &mut buf));
    }
}

/// The score an entry holds (Redis's `zzlGetScore`).
fn read_score(entry: LpEntry<'_>) -> f64 {
    match entry {
        LpEntry::Int(n) => n as f64,
        LpEntry::Str(text) => parse_range_f64(text).unwrap_or(0.0),
    }
}

fn member_of(entry: LpEntry<'_>) -> Member<'_> {
    match entry {
        LpEntry::Str(bytes) => Member::Str(bytes),
        LpEntry::Int(n) => Member::Int(n),
    }
}

/// Calls `f` with the member's bytes (an integer entry rendered in decimal).
fn with_bytes<R>(entry: LpEntry<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    match entry {
        LpEntry::Str(bytes) => f(bytes),
        LpEntry::Int(n) => f(itoa::Buffer::new().format(n).as_bytes()),
    }
}

/// A sorted set in the small encoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Small {
    lp: Listpack,
}

impl Small {
    pub(super) fn new() -> Small {
        Small::default()
    }

    pub(super) fn listpack(&self) -> &Listpack {
        &self.lp
    }

    pub(super) fn len(&self) -> usize {
        self.lp.len() / 2
    }

    /// The blob's size, for Redis's 1 GB listpack safety limit and RDB.
    pub(super) fn total_bytes(&self) -> usize {
        self.lp.total_bytes()
    }

    /// The position of the first member.
    pub(super) fn first(&self) -> Option<usize> {
        self.lp.first()
    }

    /// The position of the member at 0-based `index`.
    pub(super) fn position(&self, index: usize) -> Option<usize> {
        self.lp.seek(i64::try_from(index).ok()?.checked_mul(2)?)
    }

    /// The member and score at member position `pos`.
    pub(super) fn pair_at(&self, pos: usize) -> Option<(Member<'_>, f64)> {
        let score = self.lp.next(pos)?;
        Some((member_of(self.lp.get(pos)), read_score(self.lp.get(score))))
    }

    /// The position of the member after the one at `pos`.
    pub(super) fn next_pair(&self, pos: usize) -> Option<usize> {
        self.lp.next(self.lp.next(pos)?)
    }

    /// The position of the member before the one at `pos`.
    pub(super) fn prev_pair(&self, pos: usize) -> Option<usize> {
        self.lp.prev(self.lp.prev(pos)?)
    }

    /// The index, position and score of `member` (Redis's `zzlFind`).
    pub(super) fn find(&self, member: &[u8]) -> Option<(usize, usize, f64)> {
        let mut index = 0;
        let mut pos = self.first();
        while let Some(p) = pos {
            if self.lp.get(p).eq_bytes(member) {
                let score = read_score(self.lp.get(self.lp.next(p)?));
                return Some((index, p, score));
            }
            index += 1;
            pos = self.next_pair(p);
        }
        None
    }

    /// Inserts a member that is not present, in order (Redis's `zzlInsert`).
    pub(super) fn insert(&mut self, member: &[u8], score: f64) {
        let mut pos = self.first();
        while let Some(p) = pos {
            let (current, s) = (
                self.lp.get(p),
                self.lp.next(p).map(|sp| read_score(self.lp.get(sp))),
            );
            let s = s.unwrap_or(0.0);
            if s > score || (s == score && with_bytes(current, |m| m > member)) {
                break;
            }
            pos = self.next_pair(p);
        }
        let mut text = Vec::with_capacity(24);
        write_stored_score(score, &mut text);
        match pos {
            Some(p) => {
                self.lp.insert_before(p, member);
                self.lp.insert_after(p, &text);
            }
            None => {
                self.lp.push_back(member);
                self.lp.push_back(&text);
            }
        }
    }

    /// Appends a member known to sort after every other one.
    pub(super) fn push_sorted(&mut self, member: &[u8], score: f64) {
        let mut text = Vec::with_capacity(24);
        write_stored_score(score, &mut text);
        self.lp.push_back(member);
        self.lp.push_back(&text);
    }

    /// Removes the member at position `pos` and its score.
    pub(super) fn remove_at(&mut self, pos: usize) {
        if let Some(score) = self.lp.delete(pos) {
            self.lp.delete(score);
        }
    }

    /// Removes the members at `range` of indexes (clamped to the set).
    pub(super) fn remove_range(&mut self, range: std::ops::Range<usize>) -> usize {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        self.lp.delete_range(start * 2, (end - start) * 2);
        end - start
    }

    /// How many leading members satisfy `before(member, score)`.
    pub(super) fn count_while(&self, mut before: impl FnMut(&[u8], f64) -> bool) -> usize {
        let mut count = 0;
        let mut pos = self.first();
        while let Some(p) = pos {
            let Some((member, score)) = self.pair_at(p) else {
                break;
            };
            let keep = match member {
                Member::Str(bytes) => before(bytes, score),
                Member::Int(n) => before(itoa::Buffer::new().format(n).as_bytes(), score),
            };
            if !keep {
                break;
            }
            count += 1;
            pos = self.next_pair(p);
        }
        count
    }

    /// Members and scores in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Member<'_>, f64)> + '_ {
        let mut pos = self.first();
        std::iter::from_fn(move || {
            let p = pos?;
            pos = self.next_pair(p);
            self.pair_at(p)
        })
    }

    /// The stored text of each score, with its member, for ZSCAN.
    pub(super) fn for_each_stored(&self, mut f: impl FnMut(Member<'_>, &[u8])) {
        let mut pos = self.first();
        let mut text = Vec::new();
        while let Some(p) = pos {
            let Some(score_pos) = self.lp.next(p) else {
                break;
            };
            text.clear();
            self.lp.get(score_pos).write_to(&mut text);
            f(member_of(self.lp.get(p)), &text);
            pos = self.lp.next(score_pos);
        }
    }
}
