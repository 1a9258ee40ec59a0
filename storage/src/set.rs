//! The set type and its two encodings, as Redis 7.0 keeps them.
//!
//! It owns a set's members, which encoding holds them, and the operations whose result
//! depends on the encoding: membership, random picks (including the SRANDMEMBER and SPOP
//! algorithms for counts), SSCAN steps, and iteration order. Commands see members only,
//! as [`Member`]s, never the encoding.
//!
//! Encodings follow Redis 7.0 exactly (listpack sets came in 7.2):
//! - `intset` while every member is an integer as `string2ll` parses it and there are at
//!   most `set-max-intset-entries` of them (capped at 2^30, as Redis caps it);
//! - `hashtable` (storage's [`Dict`] with neither value nor meta word, so a member of up
//!   to 22 bytes costs a 32-byte node plus its bucket slot) from the first non-integer
//!   member or the first member past the limit. The conversion is one-way: removing
//!   members never turns a hash table back into an intset.
//!
//! A set value is 16 bytes, held in the keyspace's value slot unboxed: an intset's
//! exact-size blob, or a boxed hash table.
//!
//! Which encoding a new set starts with is the caller's choice, because Redis's commands
//! differ: SADD and SMOVE start from their first member ([`SetValue::for_member`]),
//! SINTERSTORE, SUNIONSTORE and SDIFFSTORE from an empty intset ([`SetValue::new`]).
//!
//! It draws no random numbers: every random choice takes the caller's generator.

use std::collections::HashSet;

use crate::dict::Dict;
use crate::intset::Intset;
use crate::number::{format_i64, parse_i64};
use crate::string::IntBuf;

/// Redis caps `set-max-intset-entries` here, whatever the configuration says.
const MAX_INTSET_ENTRIES: usize = 1 << 30;
/// SPOP with a count rebuilds the set from the members that stay when fewer than one in
/// this many would stay (SPOP_MOVE_STRATEGY_MUL).
const POP_REBUILD_RATIO: usize = 5;
/// SRANDMEMBER with a count removes random members from a full copy, instead of
/// drawing until enough distinct ones, when the count is over 1/3 of the set
/// (SRANDMEMBER_SUB_STRATEGY_MUL).
const DISTINCT_SUBTRACT_RATIO: usize = 3;

/// A set's hash table: members only, no value, no meta word.
type Table = Dict<(), ()>;

/// A member as a set hands it out: an intset's integer (its text is its decimal form) or a
/// hash table's bytes.
pub use crate::listpack::LpEntry as Member;

/// A set value.
pub struct SetValue(Repr);

enum Repr {
    Intset(Intset),
    // Boxed so that small sets stay small: a table's header is about 100 bytes.
    Hashtable(Box<Table>),
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::new()
    }
}

impl Clone for SetValue {
    /// A deep copy with the same encoding (Redis's setTypeDup, for COPY).
    fn clone(&self) -> Self {
        match &self.0 {
            Repr::Intset(ints) => SetValue(Repr::Intset(ints.clone())),
            Repr::Hashtable(table) => {
                let mut copy = Table::default();
                copy.expand(table.len());
                for (member, ()) in table.iter() {
                    copy.insert(member.as_bytes(), ());
                }
                SetValue(Repr::Hashtable(Box::new(copy)))
            }
        }
    }
}

impl PartialEq for SetValue {
    /// The same members, whatever the encodings.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|m| other.contains_member(m))
    }
}

impl Eq for SetValue {}

impl std::fmt::Debug for SetValue {
    /// A summary, not the members: a set can hold millions.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetValue")
            .field("encoding", &self.encoding())
            .field("len", &self.len())
            .finish()
    }
}

/// Whether `bytes` can live in an intset (Redis's isSdsRepresentableAsLongLong).
fn as_int(bytes: &[u8]) -> Option<i64> {
    parse_i64(bytes)
}

impl SetValue {
    /// An empty set in the intset encoding (Redis's createIntsetObject).
    pub fn new() -> Self {
        SetValue(Repr::Intset(Intset::new()))
    }

    /// An empty set in the encoding that can hold `member` (Redis's setTypeCreate).
    pub fn for_member(member: &[u8]) -> Self {
        if as_int(member).is_some() {
            SetValue::new()
        } else {
            SetValue(Repr::Hashtable(Box::default()))
        }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Intset(ints) => ints.len(),
            Repr::Hashtable(table) => table.len(),
        }
    }

    /// True when the set has no members (a stored set never is: it is deleted first).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoding's name as OBJECT ENCODING reports it.
    pub fn encoding(&self) -> &'static str {
        match &self.0 {
            Repr::Intset(_) => "intset",
            Repr::Hashtable(_) => "hashtable",
        }
    }

    /// The intset's blob in Redis's layout, when the set is an intset (for RDB and DUMP).
    pub fn intset_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Repr::Intset(ints) => Some(ints.as_bytes()),
            Repr::Hashtable(_) => None,
        }
    }

    /// True when `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.contains_member(Member::Str(member))
    }

    /// True when `member` (possibly another set's integer) is in the set.
    pub fn contains_member(&self, member: Member<'_>) -> bool {
        match (&self.0, member) {
            (Repr::Intset(ints), Member::Int(n)) => ints.contains(n),
            (Repr::Intset(ints), Member::Str(b)) => as_int(b).is_some_and(|n| ints.contains(n)),
            (Repr::Hashtable(table), Member::Str(b)) => table.contains_key(b),
            (Repr::Hashtable(table), Member::Int(n)) => {
                let mut scratch = IntBuf::default();
                table.contains_key(format_i64(n, &mut scratch))
            }
        }
    }

    /// Adds `member`; false when it was there already. `max_intset` is
    /// `set-max-intset-entries`: an intset growing past it becomes a hash table.
    pub fn add(&mut self, member: &[u8], max_intset: usize) -> bool {
        self.add_member(Member::Str(member), max_intset)
    }

    /// [`add`](Self::add) for a member taken from another set.
    pub fn add_member(&mut self, member: Member<'_>, max_intset: usize) -> bool {
        let mut scratch = IntBuf::default();
        match &mut self.0 {
            Repr::Hashtable(table) => table.insert(member.as_bytes(&mut scratch), ()).is_none(),
            Repr::Intset(ints) => {
                let as_integer = match member {
                    Member::Int(n) => Some(n),
                    Member::Str(b) => as_int(b),
                };
                match as_integer {
                    Some(n) => {
                        if !ints.insert(n) {
                            return false;
                        }
                        if ints.len() > max_intset.min(MAX_INTSET_ENTRIES) {
                            self.convert_to_hashtable();
                        }
                        true
                    }
                    None => {
                        self.convert_to_hashtable();
                        if let Repr::Hashtable(table) = &mut self.0 {
                            table.insert(member.as_bytes(&mut scratch), ());
                        }
                        true
                    }
                }
            }
        }
    }

    /// Moves an intset's members into a hash table sized for them (Redis's
    /// setTypeConvert).
    fn convert_to_hashtable(&mut self) {
        if let Repr::Intset(ints) = &self.0 {
            let mut table = Table::default();
            table.expand(ints.len());
            let mut scratch = IntBuf::default();
            for n in ints.iter() {
                table.insert(format_i64(n, &mut scratch), ());
            }
            self.0 = Repr::Hashtable(Box::new(table));
        }
    }

    /// Removes `member`; false when it was not there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.remove_member(Member::Str(member))
    }

    /// [`remove`](Self::remove) for a member taken from another set.
    pub fn remove_member(&mut self, member: Member<'_>) -> bool {
        match (&mut self.0, member) {
            (Repr::Intset(ints), Member::Int(n)) => ints.remove(n),
            (Repr::Intset(ints), Member::Str(b)) => as_int(b).is_some_and(|n| ints.remove(n)),
            (Repr::Hashtable(table), member) => {
                let mut scratch = IntBuf::default();
                let removed = table.remove(member.as_bytes(&mut scratch)).is_some();
                if removed {
                    // Redis shrinks a set's table as soon as it is under 10% full.
                    table.shrink_to_fit_if_sparse();
                }
                removed
            }
        }
    }

    /// Every member: an intset's in ascending order, a hash table's in bucket order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Intset(ints) => Iter(IterRepr::Ints { ints, next: 0 }),
            Repr::Hashtable(table) => Iter(IterRepr::Table(table.iter())),
        }
    }

    /// A random member: uniform for an intset, Redis's fair pick from a sample for a
    /// hash table. `None` only when empty.
    pub fn random(&self, rand: u64) -> Option<Member<'_>> {
        match &self.0 {
            Repr::Intset(ints) => ints.random(rand).map(Member::Int),
            Repr::Hashtable(table) => table
                .random(rand)
                .map(|(member, ())| Member::Str(member.as_bytes())),
        }
    }

    /// Removes and returns a random member (SPOP without a count).
    pub fn pop_random(&mut self, rand: u64) -> Option<Vec<u8>> {
        let picked = self.random(rand)?;
        let text = picked.to_vec();
        match picked {
            Member::Int(n) => self.remove_member(Member::Int(n)),
            Member::Str(_) => self.remove(&text),
        };
        Some(text)
    }

    /// SRANDMEMBER with a negative count: `count` independent random picks, repeats
    /// allowed. `emit` returns false to stop early (the reply grew too large).
    pub fn random_members(
        &self,
        count: u64,
        rand: &mut impl FnMut() -> u64,
        mut emit: impl FnMut(Member<'_>) -> bool,
    ) {
        for _ in 0..count {
            match self.random(rand()) {
                Some(member) if emit(member) => {}
                _ => return,
            }
        }
    }

    /// SRANDMEMBER with a positive count: `min(count, len)` distinct members, each
    /// subset of that size as likely as any other. Redis's three strategies: the whole
    /// set when the count covers it; for a count over a third of the set, a copy from
    /// which random members are dropped; otherwise draws until enough distinct ones.
    pub fn random_distinct(
        &self,
        count: usize,
        rand: &mut impl FnMut() -> u64,
        mut emit: impl FnMut(Member<'_>),
    ) {
        let size = self.len();
        if count >= size {
            self.iter().for_each(emit);
            return;
        }
        if count.saturating_mul(DISTINCT_SUBTRACT_RATIO) > size {
            let mut members: Vec<Member<'_>> = self.iter().collect();
            // A partial Fisher-Yates shuffle: the first `count` slots are the sample.
            for slot in 0..count {
                let remaining = u64::try_from(members.len() - slot).unwrap_or(u64::MAX);
                let pick = slot + usize::try_from(rand() % remaining).unwrap_or(0);
                members.swap(slot, pick);
            }
            members.into_iter().take(count).for_each(emit);
            return;
        }
        let mut picked: HashSet<Member<'_>> = HashSet::with_capacity(count);
        while picked.len() < count {
            let Some(member) = self.random(rand()) else {
                return;
            };
            if picked.insert(member) {
                emit(member);
            }
        }
    }

    /// SPOP with a count: removes `min(count, len)` random members, passing each to
    /// `emit`. Like Redis, when fewer than a fifth of the members would stay, it picks
    /// the ones that stay instead and rebuilds the set from them, in the encoding that
    /// suits them (so a hash table of integers can become an intset).
    pub fn pop_random_many(
        &mut self,
        count: usize,
        max_intset: usize,
        rand: &mut impl FnMut() -> u64,
        mut emit: impl FnMut(Member<'_>),
    ) {
        let size = self.len();
        if count >= size {
            self.iter().for_each(emit);
            *self = SetValue::new();
            return;
        }
        let remaining = size - count;
        if remaining.saturating_mul(POP_REBUILD_RATIO) > count {
            for _ in 0..count {
                match self.pop_random(rand()) {
                    Some(member) => emit(Member::Str(&member)),
                    None => return,
                }
            }
            return;
        }
        let mut kept: Option<SetValue> = None;
        for _ in 0..remaining {
            let Some(member) = self.pop_random(rand()) else {
                break;
            };
            kept.get_or_insert_with(|| SetValue::for_member(&member))
                .add(&member, max_intset);
        }
        self.iter().for_each(emit);
        *self = kept.unwrap_or_default();
    }

    /// One SSCAN call: up to about `count` members from `cursor` on, and the next cursor
    /// (0 when done). An intset returns everything at once with cursor 0, as Redis does
    /// for compact encodings; a hash table visits buckets until `count` members are found
    /// or ten times `count` buckets were seen, whichever comes first.
    pub fn scan(&self, cursor: u64, count: u64, mut f: impl FnMut(Member<'_>)) -> u64 {
        match &self.0 {
            Repr::Intset(ints) => {
                ints.iter().map(Member::Int).for_each(f);
                0
            }
            Repr::Hashtable(table) => {
                let mut cursor = cursor;
                let mut found = 0u64;
                let mut budget = count.saturating_mul(10);
                loop {
                    cursor = table.scan(cursor, |member, ()| {
                        found += 1;
                        f(Member::Str(member.as_bytes()));
                    });
                    if cursor == 0 || budget == 0 || found >= count {
                        return cursor;
                    }
                    budget -= 1;
                }
            }
        }
    }
}

/// An iterator over a set's members.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Ints { ints: &'a Intset, next: usize },
    Table(crate::dict::Iter<'a, (), ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match &mut self.0 {
            IterRepr::Ints { ints, next } => {
                let n = ints.get(*next)?;
                *next += 1;
                Some(Member::Int(n))
            }
            IterRepr::Table(iter) => iter
                .next()
                .map(|(member, ())| Member::Str(member.as_bytes())),
        }
    }
}

#[cfg(test)]
#[path = "set_tests.rs"]
mod tests;
