//! The sorted set type: members with scores, ordered by score then member bytes.
//!
//! It owns the type's API and Redis 7.0's two encodings with their conversion rules:
//! "listpack" (`listpack.rs`, small sets in one ordered sequence) while the set has at
//! most `zset-max-listpack-entries` members of at most `zset-max-listpack-value` bytes,
//! and "skiplist" (`skiplist.rs`, a hash index plus an order-statistic tree) beyond.
//! A set converts to the large encoding the moment an insert would break either limit,
//! and back only where Redis converts back: results built by the STORE commands
//! ([`ZsetValue::from_sorted`]). Range syntax lives in `range.rs`.
//!
//! Commands never see encodings. Positions are 0-based ranks in ascending order; a
//! range query resolves to a window of ranks first, then the window is read or
//! removed. It deliberately holds no command semantics beyond ZADD's flags (which are
//! part of Redis's `zsetAdd`), and no reply formatting except the score texts that
//! Redis derives from its encodings (ZSCAN, DEBUG DIGEST).

mod listpack;
mod range;
mod skiplist;
mod tree;

#[cfg(test)]
mod tests;

use std::ops::Range;

pub use range::{LexBound, LexRange, ScoreRange};

use crate::digest::Digest;
use crate::error::StorageError;
use crate::number::{DoubleBuf, format_f64};
use listpack::Small;
use skiplist::Large;

/// Redis refuses to grow a listpack past 1 GB (LISTPACK_MAX_SAFETY_SIZE).
const LISTPACK_SAFETY_LIMIT: usize = 1 << 30;

/// The two encoding limits, from `zset-max-listpack-entries` and `-value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZsetLimits {
    /// Most members a listpack-encoded set may hold.
    pub max_listpack_entries: usize,
    /// Longest member (in bytes) a listpack-encoded set may hold.
    pub max_listpack_value: usize,
}

/// ZADD's conditions (Redis's `ZADD_IN_*` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
    /// Add the score to the current one (absent counts as 0).
    pub incr: bool,
}

/// What [`ZsetValue::add`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddResult {
    /// A new member, with this score.
    Added(f64),
    /// An existing member's score changed to this one.
    Updated(f64),
    /// An existing member already had this score.
    Unchanged(f64),
    /// Nothing was done because of NX, XX, GT or LT.
    Skipped,
}

impl AddResult {
    /// The member's score after the operation, unless it was skipped.
    pub fn score(self) -> Option<f64> {
        match self {
            AddResult::Added(s) | AddResult::Updated(s) | AddResult::Unchanged(s) => Some(s),
            AddResult::Skipped => None,
        }
    }
}

/// A member as a sorted set hands it out: bytes, or an integer a listpack stored as such.
pub use crate::listpack::LpEntry as Member;

/// A sorted set.
#[derive(Clone)]
pub struct ZsetValue(Encoding);

#[derive(Clone)]
enum Encoding {
    Listpack(Small),
    /// Boxed, so that a small set costs no more than its listpack.
    Skiplist(Box<Large>),
}

impl std::fmt::Debug for ZsetValue {
    /// A summary, not the contents: a set can hold millions of members.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZsetValue")
            .field("encoding", &self.encoding())
            .field("len", &self.len())
            .finish()
    }
}

impl PartialEq for ZsetValue {
    /// Same encoding, same members in the same order with bit-identical scores.
    fn eq(&self, other: &Self) -> bool {
        self.encoding() == other.encoding()
            && self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((m1, s1), (m2, s2))| m1 == m2 && s1.to_bits() == s2.to_bits())
    }
}

impl Eq for ZsetValue {}

impl ZsetValue {
    /// An empty set in the listpack encoding.
    pub fn new_listpack() -> ZsetValue {
        ZsetValue(Encoding::Listpack(Small::new()))
    }

    /// An empty set in the skiplist encoding.
    pub fn new_skiplist() -> ZsetValue {
        ZsetValue(Encoding::Skiplist(Box::default()))
    }

    /// The set ZADD and ZINCRBY create for a missing key: a skiplist when listpacks are
    /// disabled or the first member is already too long for one.
    pub fn for_first_member(member_len: usize, limits: &ZsetLimits) -> ZsetValue {
        if limits.max_listpack_entries == 0 || member_len > limits.max_listpack_value {
            ZsetValue::new_skiplist()
        } else {
            ZsetValue::new_listpack()
        }
    }

    /// The set ZRANGESTORE fills: a skiplist when the result is known to have more
    /// members than a listpack may hold.
    pub fn for_result_size(known_len: Option<usize>, limits: &ZsetLimits) -> ZsetValue {
        match known_len {
            Some(n) if n > limits.max_listpack_entries => ZsetValue::new_skiplist(),
            _ => ZsetValue::new_listpack(),
        }
    }

    /// A set of distinct members already sorted by score then member (a computed result),
    /// in the encoding Redis would give it after `zsetConvertToListpackIfNeeded`.
    pub fn from_sorted(pairs: &[(Vec<u8>, f64)], limits: &ZsetLimits) -> ZsetValue {
        let (longest, total) = pairs.iter().fold((0, 0usize), |(longest, total), (m, _)| {
            (longest.max(m.len()), total.saturating_add(m.len()))
        });
        if pairs.len() <= limits.max_listpack_entries
            && longest <= limits.max_listpack_value
            && total <= LISTPACK_SAFETY_LIMIT
        {
            let mut small = Small::new();
            for (member, score) in pairs {
                small.push_sorted(member, *score);
            }
            ZsetValue(Encoding::Listpack(small))
        } else {
            ZsetValue(Encoding::Skiplist(Box::new(Large::from_sorted(
                pairs.iter().map(|(m, s)| (Member::Str(m), *s)),
            ))))
        }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        match &self.0 {
            Encoding::Listpack(small) => small.len(),
            Encoding::Skiplist(large) => large.len(),
        }
    }

    /// True when the set has no members (a key never holds an empty set).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoding's name as OBJECT ENCODING reports it.
    pub fn encoding(&self) -> &'static str {
        match &self.0 {
            Encoding::Listpack(_) => "listpack",
            Encoding::Skiplist(_) => "skiplist",
        }
    }

    /// The size of the listpack blob, for a set in that encoding.
    pub fn listpack_bytes(&self) -> Option<usize> {
        match &self.0 {
            Encoding::Listpack(small) => Some(small.total_bytes()),
            Encoding::Skiplist(_) => None,
        }
    }

    /// The listpack, while the set is in that encoding (for RDB and DUMP).
    pub fn as_listpack(&self) -> Option<&crate::listpack::Listpack> {
        match &self.0 {
            Encoding::Listpack(small) => Some(small.listpack()),
            Encoding::Skiplist(_) => None,
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.0 {
            Encoding::Listpack(small) => small.find(member).map(|(_, _, s)| s),
            Encoding::Skiplist(large) => large.score(member),
        }
    }

    /// Adds `member` or updates its score under ZADD's `flags` (Redis's `zsetAdd`),
    /// converting to the skiplist encoding when a new member would break a limit.
    /// A NaN score, given or resulting from INCR, is refused with nothing changed.
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        limits: &ZsetLimits,
    ) -> Result<AddResult, StorageError> {
        if score.is_nan() {
            return Err(StorageError::ScoreNan);
        }
        let Some(current) = self.score(member) else {
            if flags.xx {
                return Ok(AddResult::Skipped);
            }
            self.insert_new(member, score, limits)?;
            return Ok(AddResult::Added(score));
        };
        if flags.nx {
            return Ok(AddResult::Skipped);
        }
        let mut new = score;
        if flags.incr {
            new += current;
            if new.is_nan() {
                return Err(StorageError::ScoreNan);
            }
        }
        if (flags.lt && new >= current) || (flags.gt && new <= current) {
            return Ok(AddResult::Skipped);
        }
        if new == current {
            return Ok(AddResult::Unchanged(new));
        }
        match &mut self.0 {
            Encoding::Listpack(small) => {
                if let Some((_, pos, _)) = small.find(member) {
                    small.remove_at(pos);
                    small.insert(member, new);
                }
            }
            Encoding::Skiplist(large) => {
                if let Some(id) = large.find(member) {
                    large.update_score(id, new);
                }
            }
        }
        Ok(AddResult::Updated(new))
    }

    /// Inserts a member known to be absent, converting first if a limit requires it.
    fn insert_new(
        &mut self,
        member: &[u8],
        score: f64,
        limits: &ZsetLimits,
    ) -> Result<(), StorageError> {
        if let Encoding::Listpack(small) = &self.0
            && (small.len() + 1 > limits.max_listpack_entries
                || member.len() > limits.max_listpack_value
                || small.total_bytes().saturating_add(member.len()) > LISTPACK_SAFETY_LIMIT)
        {
            self.convert_to_skiplist();
        }
        match &mut self.0 {
            Encoding::Listpack(small) => small.insert(member, score),
            Encoding::Skiplist(large) => {
                if !large.insert_new(member, score) {
                    return Err(StorageError::TooManyMembers);
                }
            }
        }
        Ok(())
    }

    /// Removes `member`; false if it was not there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.0 {
            Encoding::Listpack(small) => match small.find(member) {
                Some((_, pos, _)) => {
                    small.remove_at(pos);
                    true
                }
                None => false,
            },
            Encoding::Skiplist(large) => large.remove(member),
        }
    }

    /// The 0-based rank of `member`, counted from the highest score when `reverse`.
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<usize> {
        let rank = match &self.0 {
            Encoding::Listpack(small) => small.find(member).map(|(i, _, _)| i),
            Encoding::Skiplist(large) => large.find(member).and_then(|id| large.rank_of_id(id)),
        }?;
        Some(if reverse {
            self.len().saturating_sub(rank + 1)
        } else {
            rank
        })
    }

    /// How many leading members (in order) satisfy `before`.
    fn count_while(&self, before: impl FnMut(&[u8], f64) -> bool) -> usize {
        match &self.0 {
            Encoding::Listpack(small) => small.count_while(before),
            Encoding::Skiplist(large) => large.count_while(before),
        }
    }

    /// The ranks of the members whose scores are in `range`.
    pub fn score_ranks(&self, range: &ScoreRange) -> Range<usize> {
        if range.is_void() {
            return 0..0;
        }
        let start = self.count_while(|_, s| !range.above_min(s));
        let end = self.count_while(|_, s| range.below_max(s)).max(start);
        start..end
    }

    /// The ranks of the members in lexicographic `range`. Like Redis, this assumes all
    /// members have the same score; otherwise the answer is some window of ranks.
    pub fn lex_ranks(&self, range: &LexRange) -> Range<usize> {
        if range.is_void() {
            return 0..0;
        }
        let start = self.count_while(|m, _| !range.above_min(m));
        let end = self.count_while(|m, _| range.below_max(m)).max(start);
        start..end
    }

    /// The members and scores at `ranks`, ascending, or descending from the top of the
    /// window when `reverse`.
    pub fn range(&self, ranks: Range<usize>, reverse: bool) -> Iter<'_> {
        let end = ranks.end.min(self.len());
        let start = ranks.start.min(end);
        let count = end - start;
        let first = if reverse {
            end.saturating_sub(1)
        } else {
            start
        };
        match &self.0 {
            Encoding::Listpack(small) => Iter(IterInner::Small {
                small,
                pos: if count > 0 {
                    small.position(first)
                } else {
                    None
                },
                remaining: count,
                reverse,
            }),
            Encoding::Skiplist(large) => Iter(IterInner::Large {
                large,
                entries: large.tree_iter(first, count, reverse),
            }),
        }
    }

    /// Every member and score, in order.
    pub fn iter(&self) -> Iter<'_> {
        self.range(0..self.len(), false)
    }

    /// The member and score at 0-based `rank`.
    pub fn get(&self, rank: usize) -> Option<(Member<'_>, f64)> {
        self.range(rank..rank.saturating_add(1), false).next()
    }

    /// Removes the members at `ranks`; returns how many went.
    pub fn remove_ranks(&mut self, ranks: Range<usize>) -> usize {
        let len = self.len();
        let end = ranks.end.min(len);
        let start = ranks.start.min(end);
        match &mut self.0 {
            Encoding::Listpack(small) => small.remove_range(start..end),
            Encoding::Skiplist(large) => {
                if start == 0 && end == len {
                    **large = Large::new();
                } else {
                    for _ in start..end {
                        match large.id_at(start) {
                            Some(id) => large.remove_id(id),
                            None => break,
                        }
                    }
                }
                end - start
            }
        }
    }

    /// Removes and returns the member with the lowest score, or the highest when `max`.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        let (member, score) = self.get(rank).map(|(m, s)| (m.to_vec(), s))?;
        self.remove_ranks(rank..rank + 1);
        Some((member, score))
    }

    /// The member and score at a uniformly random position, given a random number.
    pub fn random(&self, rand: u64) -> Option<(Member<'_>, f64)> {
        let len = u64::try_from(self.len()).ok().filter(|&n| n > 0)?;
        let rank = usize::try_from(rand % len).ok()?;
        match &self.0 {
            Encoding::Listpack(_) => self.get(rank),
            // Slots are dense, so a random slot is a random member without a tree walk.
            Encoding::Skiplist(large) => u32::try_from(rank)
                .ok()
                .and_then(|id| large.get(id))
                .map(|(m, s)| (Member::Str(m), s)),
        }
    }

    /// Every member and score in no particular order (cheaper than [`iter`](Self::iter)
    /// for the large encoding).
    pub fn unordered(&self) -> Box<dyn Iterator<Item = (Member<'_>, f64)> + '_> {
        match &self.0 {
            Encoding::Listpack(_) => Box::new(self.iter()),
            Encoding::Skiplist(large) => {
                Box::new(large.unordered().map(|(m, s)| (Member::Str(m), s)))
            }
        }
    }

    /// One ZSCAN step: calls `f` with each visited member and its score as Redis's
    /// ZSCAN prints it, and returns the next cursor (0 when done). A listpack returns
    /// everything at once; its scores print as stored there (integers without an
    /// exponent), the skiplist's with `%.17g`.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member<'_>, &[u8])) -> u64 {
        let mut buf: DoubleBuf = [0; 32];
        match &self.0 {
            Encoding::Listpack(small) => {
                small.for_each_stored(f);
                0
            }
            Encoding::Skiplist(large) => large.scan(cursor, count, |member, score| {
                f(Member::Str(member), format_f64(score, &mut buf));
            }),
        }
    }

    fn convert_to_skiplist(&mut self) {
        if let Encoding::Listpack(small) = &self.0 {
            self.0 = Encoding::Skiplist(Box::new(Large::from_sorted(small.iter())));
        }
    }

    /// Adds the set's part of DEBUG DIGEST (after the type): for each member, the
    /// digest of the member mixed with its score as `%.17g`, XORed in.
    pub fn digest_into(&self, digest: &mut Digest) {
        let mut buf: DoubleBuf = [0; 32];
        for (member, score) in self.unordered() {
            let mut element = Digest::new();
            element.mix(&member.to_vec());
            element.mix(format_f64(score, &mut buf));
            digest.xor(&element.0);
        }
    }

    /// Checks the internal structures (tests only).
    #[cfg(test)]
    fn check(&self) {
        if let Encoding::Skiplist(large) = &self.0 {
            large.check();
        }
    }
}

/// Members and scores of a window of ranks; see [`ZsetValue::range`].
pub struct Iter<'a>(IterInner<'a>);

enum IterInner<'a> {
    Small {
        small: &'a Small,
        /// The next member's position in the listpack.
        pos: Option<usize>,
        remaining: usize,
        reverse: bool,
    },
    Large {
        large: &'a Large,
        entries: tree::Iter<'a>,
    },
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Member<'a>, f64);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterInner::Small {
                small,
                pos,
                remaining,
                reverse,
            } => {
                if *remaining == 0 {
                    return None;
                }
                let current = (*pos)?;
                let pair = small.pair_at(current)?;
                *remaining -= 1;
                *pos = if *reverse {
                    small.prev_pair(current)
                } else {
                    small.next_pair(current)
                };
                Some(pair)
            }
            IterInner::Large { large, entries } => {
                let entry = entries.next()?;
                large.get(entry.id).map(|(m, s)| (Member::Str(m), s))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterInner::Small { remaining, .. } => (*remaining, Some(*remaining)),
            IterInner::Large { entries, .. } => entries.size_hint(),
        }
    }
}
