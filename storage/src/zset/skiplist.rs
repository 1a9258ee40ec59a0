//! The large encoding of a sorted set (OBJECT ENCODING "skiplist", Redis's name for it).
//!
//! Like Redis's dict plus skiplist, it finds a member's score in O(1) and a rank or an
//! index in O(log n), but it stores each member once: members and scores live in an
//! arena of slots addressed by 32-bit ids, a chained hash index over the slots maps a
//! member to its id, and the order is an order-statistic B+tree of (score, id)
//! ([`super::tree`]). The index grows by linear hashing, one bucket split per insert,
//! so no insert waits for a whole table to be rehashed. Ids stay dense: a removal moves the last slot into the hole and
//! renames it in the index and the tree, so the arena never fragments and a random
//! member is a random id. That also gives ZSCAN its guarantee: the cursor walks ids
//! downwards, and a slot only ever moves down, from the top, so a member present for
//! the whole scan is returned at least once.
//!
//! It deliberately holds no encoding-conversion rules and no command semantics (NX,
//! GT, ...): `super` does that.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::RandomState;

use super::Member;
use super::tree::{self, Entry, Members, Tree};
use crate::key::Key;

/// Slots per arena chunk; chunks never move once full, so growth never copies the arena.
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;
/// The end of a hash chain.
const NONE: u32 = u32::MAX;
/// The smallest bucket array (Redis's DICT_HT_INITIAL_SIZE).
const MIN_BUCKETS: usize = 4;

/// One member: its bytes, score, hash (so resizing never rehashes bytes) and the next
/// slot in its hash chain. 40 bytes; members up to 22 bytes need no other allocation.
#[derive(Clone, Debug)]
struct Slot {
    member: Key,
    score: f64,
    hash: u32,
    next: u32,
}

/// The arena: chunks of `CHUNK` slots, the last one possibly partial.
#[derive(Clone, Debug, Default)]
struct Slots {
    chunks: Vec<Vec<Slot>>,
    len: usize,
}

fn split_id(id: u32) -> (usize, usize) {
    ((id >> CHUNK_BITS) as usize, (id as usize) & (CHUNK - 1))
}

impl Slots {
    fn get(&self, id: u32) -> Option<&Slot> {
        let (chunk, offset) = split_id(id);
        self.chunks.get(chunk)?.get(offset)
    }

    fn get_mut(&mut self, id: u32) -> Option<&mut Slot> {
        let (chunk, offset) = split_id(id);
        self.chunks.get_mut(chunk)?.get_mut(offset)
    }

    fn push(&mut self, slot: Slot) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(slot),
            _ => {
                // The first chunk grows as a Vec does, so a small set stays small; later
                // ones are allocated whole.
                let mut chunk = if self.chunks.is_empty() {
                    Vec::new()
                } else {
                    Vec::with_capacity(CHUNK)
                };
                chunk.push(slot);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    /// Removes slot `id`, moving the last slot into its place.
    fn swap_remove(&mut self, id: u32) -> Option<Slot> {
        if id as usize >= self.len {
            return None;
        }
        let last = self.chunks.last_mut()?.pop()?;
        if self.chunks.last().is_some_and(Vec::is_empty) {
            self.chunks.pop();
        }
        self.len -= 1;
        if id as usize == self.len {
            return Some(last);
        }
        self.get_mut(id).map(|hole| std::mem::replace(hole, last))
    }
}

impl Members for Slots {
    fn member(&self, id: u32) -> &[u8] {
        self.get(id).map_or(&[], |slot| slot.member.as_bytes())
    }
}

/// A sorted set in the large encoding.
#[derive(Clone, Debug)]
pub(super) struct Large {
    slots: Slots,
    /// Heads of the hash chains, grown one bucket at a time by linear hashing: there are
    /// `2^level + split` of them (or none yet).
    buckets: Vec<u32>,
    /// Buckets below `split` have been split for the next level and address with one
    /// more bit of the hash.
    level: u32,
    split: usize,
    hasher: RandomState,
    tree: Tree,
}

impl Default for Large {
    fn default() -> Self {
        Large::new()
    }
}

impl Large {
    pub(super) fn new() -> Large {
        Large {
            slots: Slots::default(),
            buckets: Vec::new(),
            level: 0,
            split: 0,
            hasher: RandomState::default(),
            tree: Tree::new(),
        }
    }

    /// A set built from members and scores already in order, with distinct members.
    pub(super) fn from_sorted<'a>(pairs: impl IntoIterator<Item = (Member<'a>, f64)>) -> Large {
        let mut large = Large::new();
        let mut digits = itoa::Buffer::new();
        for (member, score) in pairs {
            if large.slots.len >= NONE as usize {
                break;
            }
            let member = match member {
                Member::Str(bytes) => bytes,
                Member::Int(n) => digits.format(n).as_bytes(),
            };
            let hash = large.hash(member);
            large.slots.push(Slot {
                member: Key::new(member),
                score,
                hash,
                next: NONE,
            });
        }
        let len = large.slots.len;
        large.tree = Tree::from_sorted((0..len).filter_map(|id| {
            let id = u32::try_from(id).ok()?;
            large.slots.get(id).map(|s| Entry { score: s.score, id })
        }));
        large.rebuild_index(len.next_power_of_two().max(MIN_BUCKETS));
        large
    }

    pub(super) fn len(&self) -> usize {
        self.slots.len
    }

    fn hash(&self, member: &[u8]) -> u32 {
        let mut hasher = self.hasher.build_hasher();
        hasher.write(member);
        // The low bits pick the bucket; 32 of them cover any table an id can fill.
        hasher.finish() as u32
    }

    /// The bucket of a hash under linear hashing: `level` bits of it, one more for the
    /// buckets already split at this level.
    fn bucket_of(&self, hash: u32) -> usize {
        let low = 1usize.checked_shl(self.level).map_or(usize::MAX, |n| n - 1);
        let bucket = (hash as usize) & low;
        if bucket < self.split {
            (hash as usize) & ((low << 1) | 1)
        } else {
            bucket
        }
    }

    /// The id of `member`.
    pub(super) fn find(&self, member: &[u8]) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let hash = self.hash(member);
        let mut id = *self.buckets.get(self.bucket_of(hash))?;
        while id != NONE {
            let slot = self.slots.get(id)?;
            if slot.hash == hash && slot.member.as_bytes() == member {
                return Some(id);
            }
            id = slot.next;
        }
        None
    }

    /// The member and score in slot `id`.
    pub(super) fn get(&self, id: u32) -> Option<(&[u8], f64)> {
        self.slots.get(id).map(|s| (s.member.as_bytes(), s.score))
    }

    pub(super) fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member)
            .and_then(|id| self.get(id))
            .map(|(_, s)| s)
    }

    /// Adds a member that is not in the set. False, changing nothing, when the set
    /// already holds as many members as ids can name (about four billion).
    pub(super) fn insert_new(&mut self, member: &[u8], score: f64) -> bool {
        let Ok(id) = u32::try_from(self.slots.len) else {
            return false;
        };
        if id == NONE {
            return false;
        }
        let hash = self.hash(member);
        self.slots.push(Slot {
            member: Key::new(member),
            score,
            hash,
            next: NONE,
        });
        self.tree.insert(Entry { score, id }, member, &self.slots);
        if self.buckets.is_empty() {
            self.rebuild_index(MIN_BUCKETS);
        } else {
            self.link(id, hash);
            // Redis's load factor of one, kept by splitting one bucket per insert rather
            // than rehashing the whole table at once.
            if self.slots.len > self.buckets.len() {
                self.split_one();
            }
        }
        true
    }

    /// Changes the score of the member in slot `id`.
    pub(super) fn update_score(&mut self, id: u32, score: f64) {
        let Some(slot) = self.slots.get(id) else {
            return;
        };
        let old = Entry {
            score: slot.score,
            id,
        };
        let member = slot.member.as_bytes();
        let in_place = self
            .tree
            .update_score_in_place(old, member, score, &self.slots);
        if !in_place {
            self.tree.remove(old, member, &self.slots);
            // The slot's score is read by nothing during the insert but the new entry.
            self.tree.insert(Entry { score, id }, member, &self.slots);
        }
        if let Some(slot) = self.slots.get_mut(id) {
            slot.score = score;
        }
    }

    /// Removes the member in slot `id`; the last slot moves into its place.
    pub(super) fn remove_id(&mut self, id: u32) {
        let Some(slot) = self.slots.get(id) else {
            return;
        };
        let (score, hash) = (slot.score, slot.hash);
        self.tree
            .remove(Entry { score, id }, slot.member.as_bytes(), &self.slots);
        self.unlink(id, hash);
        let last = self.slots.len.saturating_sub(1);
        if let Ok(last) = u32::try_from(last)
            && last != id
            && let Some(moved) = self.slots.get(last)
        {
            // Rename the last slot while its bytes are still where the tree looks.
            let entry = Entry {
                score: moved.score,
                id: last,
            };
            self.tree
                .relabel(entry, moved.member.as_bytes(), id, &self.slots);
            let moved_hash = moved.hash;
            self.rename_link(last, id, moved_hash);
        }
        self.slots.swap_remove(id);
        // Redis's rule: shrink a table under 10% full. Getting there took removing nine
        // members in ten, so rebuilding the rest at once costs little per removal.
        let buckets = self.buckets.len();
        if buckets > MIN_BUCKETS && self.slots.len * 10 < buckets {
            self.rebuild_index(self.slots.len.next_power_of_two().max(MIN_BUCKETS));
        }
    }

    pub(super) fn remove(&mut self, member: &[u8]) -> bool {
        match self.find(member) {
            Some(id) => {
                self.remove_id(id);
                true
            }
            None => false,
        }
    }

    /// The 0-based rank of the member in slot `id`.
    pub(super) fn rank_of_id(&self, id: u32) -> Option<usize> {
        let slot = self.slots.get(id)?;
        self.tree.rank(
            Entry {
                score: slot.score,
                id,
            },
            slot.member.as_bytes(),
            &self.slots,
        )
    }

    /// The slot id at 0-based `rank`.
    pub(super) fn id_at(&self, rank: usize) -> Option<u32> {
        self.tree.select(rank).map(|e| e.id)
    }

    /// How many leading members satisfy `before(member, score)` (a prefix of the order).
    pub(super) fn count_while(&self, mut before: impl FnMut(&[u8], f64) -> bool) -> usize {
        self.tree
            .count_while(|e| before(self.slots.member(e.id), e.score))
    }

    /// Up to `count` tree entries from `rank`, ascending or (`reverse`) descending.
    pub(super) fn tree_iter(&self, rank: usize, count: usize, reverse: bool) -> tree::Iter<'_> {
        self.tree.iter_from(rank, count, reverse)
    }

    /// Visits up to `count` members from the ZSCAN `cursor` (0 starts), returning the
    /// next cursor (0 when done). The cursor is one past the next id to visit; ids are
    /// visited downwards.
    pub(super) fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        let len = self.slots.len as u64;
        let mut next = if cursor == 0 { len } else { cursor.min(len) };
        let mut visited = 0;
        while next > 0 && visited < count {
            next -= 1;
            if let Some((member, score)) = u32::try_from(next).ok().and_then(|id| self.get(id)) {
                f(member, score);
            }
            visited += 1;
        }
        next
    }

    /// Every member with its score, in slot order (cheaper than the sorted order).
    pub(super) fn unordered(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        self.slots
            .chunks
            .iter()
            .flatten()
            .map(|s| (s.member.as_bytes(), s.score))
    }

    /// Puts slot `id` at the head of its chain.
    fn link(&mut self, id: u32, hash: u32) {
        let bucket = self.bucket_of(hash);
        let Some(head) = self.buckets.get_mut(bucket) else {
            return;
        };
        let old_head = std::mem::replace(head, id);
        if let Some(slot) = self.slots.get_mut(id) {
            slot.next = old_head;
        }
    }

    /// Takes slot `id` out of its chain.
    fn unlink(&mut self, id: u32, hash: u32) {
        let after = self.slots.get(id).map_or(NONE, |s| s.next);
        self.replace_link(id, after, hash);
    }

    /// Points the link that leads to `old` at `new` instead (the slot moved).
    fn rename_link(&mut self, old: u32, new: u32, hash: u32) {
        self.replace_link(old, new, hash);
    }

    /// In the chain of `hash`, makes the link that points at `target` point at `with`.
    fn replace_link(&mut self, target: u32, with: u32, hash: u32) {
        let bucket = self.bucket_of(hash);
        let Some(head) = self.buckets.get_mut(bucket) else {
            return;
        };
        if *head == target {
            *head = with;
            return;
        }
        let mut id = *head;
        while id != NONE {
            let Some(slot) = self.slots.get_mut(id) else {
                return;
            };
            if slot.next == target {
                slot.next = with;
                return;
            }
            id = slot.next;
        }
    }

    /// Splits the next bucket of this level: its members whose next hash bit is set move
    /// to a new bucket at the end.
    fn split_one(&mut self) {
        let Some(bit) = 1u32.checked_shl(self.level) else {
            return;
        };
        let Some(head) = self.buckets.get_mut(self.split) else {
            return;
        };
        let mut id = std::mem::replace(head, NONE);
        let (mut stay, mut moved) = (NONE, NONE);
        while id != NONE {
            let Some(slot) = self.slots.get_mut(id) else {
                break;
            };
            let next = slot.next;
            if slot.hash & bit == 0 {
                slot.next = std::mem::replace(&mut stay, id);
            } else {
                slot.next = std::mem::replace(&mut moved, id);
            }
            id = next;
        }
        if let Some(head) = self.buckets.get_mut(self.split) {
            *head = stay;
        }
        self.buckets.push(moved);
        self.split += 1;
        if self.split == bit as usize {
            self.level += 1;
            self.split = 0;
        }
    }

    /// Rebuilds every chain over `size` buckets (a power of two), walking the arena in
    /// order.
    fn rebuild_index(&mut self, size: usize) {
        self.buckets.clear();
        self.buckets.shrink_to(size);
        self.buckets.resize(size, NONE);
        self.level = size.trailing_zeros();
        self.split = 0;
        let mask = size.saturating_sub(1);
        let mut id: u32 = 0;
        for chunk in &mut self.slots.chunks {
            for slot in chunk.iter_mut() {
                if let Some(head) = self.buckets.get_mut((slot.hash as usize) & mask) {
                    slot.next = std::mem::replace(head, id);
                }
                id = id.wrapping_add(1);
            }
        }
    }

    /// Checks the index and tree against the arena (tests only).
    #[cfg(test)]
    pub(super) fn check(&self) {
        self.tree.check(&self.slots);
        assert_eq!(self.tree.len(), self.slots.len);
        assert!(self.buckets.len() >= self.slots.len);
        // A new index has no buckets until its first insert.
        if !self.buckets.is_empty() {
            assert_eq!(self.buckets.len(), (1 << self.level) + self.split);
        }
        let mut chained = 0;
        for &head in &self.buckets {
            let mut id = head;
            while id != NONE {
                chained += 1;
                id = self.slots.get(id).unwrap().next;
            }
        }
        assert_eq!(chained, self.slots.len);
        for id in 0..self.slots.len as u32 {
            let (member, _) = self.get(id).unwrap();
            assert_eq!(self.find(member), Some(id));
        }
    }
}
