//! Random fields for HRANDFIELD, with the distributions of Redis 7.0's t_hash.c.
//!
//! It owns the picking strategies of `hrandfieldWithCountCommand`: independent picks
//! (a negative count, or a count of 1), the whole hash (a count at least its size), a
//! copy thinned by random removals (a count more than a third of the size), and
//! repeated picks with duplicates dropped (a smaller count; a listpack instead takes one
//! pass of selection sampling). It deliberately draws no random numbers of its own: the
//! caller passes a generator, and deliberately writes no replies.

use std::collections::HashSet;

use super::{HashValue, Repr};
use crate::listpack::{Listpack, LpEntry};

/// A count more than a third of the size thins a copy instead of picking (Redis's
/// HRANDFIELD_SUB_STRATEGY_MUL).
const SUB_STRATEGY_MUL: usize = 3;
/// Repeated picks give up after this many draws per wanted field and take the rest in
/// table order, so a poor generator cannot make a pick loop forever.
const PICKS_PER_FIELD: usize = 64;

/// A draw in `0..bound` (`bound` > 0); the modulo bias is as small as Redis's `rand() %`.
fn below(rng: &mut dyn FnMut() -> u64, bound: usize) -> usize {
    let bound64 = u64::try_from(bound).unwrap_or(u64::MAX).max(1);
    usize::try_from(rng() % bound64).unwrap_or(0)
}

/// The positions of a listpack's fields (every other entry), for O(1) picks by index.
fn field_positions(lp: &Listpack) -> Vec<usize> {
    let mut positions = Vec::with_capacity(lp.len() / 2);
    let mut at = lp.first();
    while let Some(field) = at {
        positions.push(field);
        at = lp.next(field).and_then(|value| lp.next(value));
    }
    positions
}

/// The field at `field` and the value after it.
fn pair_at(lp: &Listpack, field: usize) -> Option<(LpEntry<'_>, LpEntry<'_>)> {
    Some((lp.get(field), lp.get(lp.next(field)?)))
}

impl HashValue {
    /// HRANDFIELD without a count: one field and its value, uniformly from a listpack,
    /// by the table's fair pick otherwise. `None` for an empty hash.
    pub fn random_pair(&self, rng: &mut dyn FnMut() -> u64) -> Option<(LpEntry<'_>, LpEntry<'_>)> {
        match &self.0 {
            Repr::Listpack(lp) => {
                let index = below(rng, self.len());
                let field = lp.seek(i64::try_from(index.checked_mul(2)?).ok()?)?;
                pair_at(lp, field)
            }
            Repr::Table(dict) => dict.random(rng()).map(|(field, value)| {
                (
                    LpEntry::Str(field.as_bytes()),
                    LpEntry::Str(value.as_bytes()),
                )
            }),
        }
    }

    /// HRANDFIELD with a negative count (or a count of 1): `count` independent picks,
    /// repeats possible, in random order, each passed to `f`; `f` returns false to stop
    /// early (the client is going away). Nothing is allocated per pick, so any count
    /// streams.
    pub fn random_pairs_with_repeats(
        &self,
        count: u64,
        rng: &mut dyn FnMut() -> u64,
        mut f: impl FnMut(LpEntry<'_>, LpEntry<'_>) -> bool,
    ) {
        match &self.0 {
            Repr::Listpack(lp) => {
                let positions = field_positions(lp);
                if positions.is_empty() {
                    return;
                }
                for _ in 0..count {
                    let picked = positions.get(below(rng, positions.len()));
                    let Some((field, value)) = picked.and_then(|&at| pair_at(lp, at)) else {
                        return;
                    };
                    if !f(field, value) {
                        return;
                    }
                }
            }
            Repr::Table(dict) => {
                for _ in 0..count {
                    let Some((field, value)) = dict.random(rng()) else {
                        return;
                    };
                    if !f(
                        LpEntry::Str(field.as_bytes()),
                        LpEntry::Str(value.as_bytes()),
                    ) {
                        return;
                    }
                }
            }
        }
    }

    /// HRANDFIELD with a positive count: `min(count, len)` distinct fields with their
    /// values, each subset of that size equally likely. The whole hash comes in
    /// iteration order; otherwise the order is the strategy's (listpack order for a
    /// listpack's one-pass sampling, pick order for a table's repeated picks).
    pub fn random_pairs_distinct(
        &self,
        count: usize,
        rng: &mut dyn FnMut() -> u64,
    ) -> Vec<(LpEntry<'_>, LpEntry<'_>)> {
        let size = self.len();
        if count >= size {
            return self.iter().collect();
        }
        if count.saturating_mul(SUB_STRATEGY_MUL) > size {
            // Thin a copy: a removal at a random index, `size - count` times.
            let mut pairs: Vec<_> = self.iter().collect();
            while pairs.len() > count {
                let index = below(rng, pairs.len());
                pairs.swap_remove(index);
            }
            return pairs;
        }
        match &self.0 {
            Repr::Listpack(lp) => sample_listpack(lp, count, size, rng),
            Repr::Table(_) => self.sample_by_picks(count, rng),
        }
    }

    /// Repeated fair picks from the table, dropping fields already taken.
    fn sample_by_picks(
        &self,
        count: usize,
        rng: &mut dyn FnMut() -> u64,
    ) -> Vec<(LpEntry<'_>, LpEntry<'_>)> {
        let Repr::Table(dict) = &self.0 else {
            return Vec::new();
        };
        let mut taken: HashSet<&[u8]> = HashSet::with_capacity(count);
        let mut pairs = Vec::with_capacity(count);
        let mut draws = count.saturating_mul(PICKS_PER_FIELD);
        while pairs.len() < count && draws > 0 {
            draws -= 1;
            let Some((field, value)) = dict.random(rng()) else {
                break;
            };
            if taken.insert(field.as_bytes()) {
                pairs.push((
                    LpEntry::Str(field.as_bytes()),
                    LpEntry::Str(value.as_bytes()),
                ));
            }
        }
        for (field, value) in dict.iter() {
            if pairs.len() >= count {
                break;
            }
            if taken.insert(field.as_bytes()) {
                pairs.push((
                    LpEntry::Str(field.as_bytes()),
                    LpEntry::Str(value.as_bytes()),
                ));
            }
        }
        pairs
    }
}

/// One pass over a listpack taking each pair with probability (still wanted) / (still
/// unseen), as Redis's lpRandomPairsUnique: `count` distinct pairs in listpack order.
fn sample_listpack<'a>(
    lp: &'a Listpack,
    count: usize,
    size: usize,
    rng: &mut dyn FnMut() -> u64,
) -> Vec<(LpEntry<'a>, LpEntry<'a>)> {
    let mut pairs = Vec::with_capacity(count);
    let mut at = lp.first();
    let mut unseen = size;
    while let Some(field) = at {
        if pairs.len() >= count || unseen == 0 {
            break;
        }
        let value = lp.next(field);
        if below(rng, unseen) < count - pairs.len()
            && let Some(value) = value
        {
            pairs.push((lp.get(field), lp.get(value)));
        }
        unseen -= 1;
        at = value.and_then(|v| lp.next(v));
    }
    pairs
}
