//! The order of a large sorted set: an order-statistic B+tree of (score, member id).
//!
//! It owns the sorted order Redis's skiplist gives (score, then member bytes), with rank
//! and select in O(log n): every inner node keeps the entry count of each child. Entries
//! are a score and the id of the member's slot in the owner's arena, so a member is
//! stored once; comparing two entries with equal scores reads both members through
//! [`Members`]. It deliberately knows nothing of member lookup by name (the owner's hash
//! index does that) nor of how ids are assigned.
//!
//! Invariants (checked by `check` in tests): leaves hold 1..=`LEAF_MAX` entries and inner
//! nodes 1..=`INNER_MAX` children (a lone root leaf may be empty); all leaves are at the
//! same depth; `seps[i]` of an inner node is exactly the first entry of `children[i + 1]`
//! (never a stale copy, since ids are reused by the owner); `counts[i]` is the number of
//! entries under `children[i]`. Nodes below half full are merged or refilled when an
//! entry is removed from them; a split puts the new entry alone on the far side when it
//! lands at the end (or start) of a full leaf, so ascending or descending insertion
//! leaves full nodes behind instead of half-empty ones.

mod edit;
mod iter;

use std::cmp::Ordering;

use edit::{insert_into, remove_from};
pub(super) use iter::Iter;

/// Entries per leaf at most. With one spare slot for the split, a leaf's two arrays are
/// 512 and 256 bytes: allocator size classes, no slack.
const LEAF_MAX: usize = 63;
/// A leaf with fewer entries borrows from or merges with a sibling after a removal.
const LEAF_MIN: usize = LEAF_MAX / 2;
/// Children per inner node at most.
const INNER_MAX: usize = 63;
/// An inner node with fewer children is refilled or merged after a removal.
const INNER_MIN: usize = INNER_MAX / 2;

/// One element as the tree holds it: its score and the id of its member.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Entry {
    pub(super) score: f64,
    pub(super) id: u32,
}

/// Where the tree reads the member bytes of an id.
pub(super) trait Members {
    /// The member stored under `id` (empty if there is none, which a consistent owner
    /// never asks for).
    fn member(&self, id: u32) -> &[u8];
}

/// A position in the order: a score and member bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Probe<'a> {
    pub(super) score: f64,
    pub(super) member: &'a [u8],
}

impl Probe<'_> {
    /// How the probe compares with a stored entry: by score (so -0 equals 0, as in
    /// Redis), then by member bytes as `memcmp` with the shorter first.
    fn cmp<M: Members + ?Sized>(&self, entry: Entry, members: &M) -> Ordering {
        if self.score < entry.score {
            Ordering::Less
        } else if self.score > entry.score {
            Ordering::Greater
        } else {
            self.member.cmp(members.member(entry.id))
        }
    }
}

/// The number of leading positions in `0..len` for which `before` holds, given that it
/// holds for a prefix and then never again.
fn partition(len: usize, mut before: impl FnMut(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[derive(Clone, Debug)]
struct Leaf {
    scores: Vec<f64>,
    ids: Vec<u32>,
}

impl Leaf {
    fn new() -> Leaf {
        Leaf {
            scores: Vec::with_capacity(LEAF_MAX + 1),
            ids: Vec::with_capacity(LEAF_MAX + 1),
        }
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn get(&self, i: usize) -> Option<Entry> {
        Some(Entry {
            score: *self.scores.get(i)?,
            id: *self.ids.get(i)?,
        })
    }

    fn first(&self) -> Option<Entry> {
        self.get(0)
    }

    fn insert(&mut self, i: usize, e: Entry) {
        let i = i.min(self.len());
        self.scores.insert(i, e.score);
        self.ids.insert(i, e.id);
    }

    fn remove(&mut self, i: usize) -> Option<Entry> {
        let e = self.get(i)?;
        self.scores.remove(i);
        self.ids.remove(i);
        Some(e)
    }

    fn push(&mut self, e: Entry) {
        self.scores.push(e.score);
        self.ids.push(e.id);
    }

    fn pop(&mut self) -> Option<Entry> {
        let e = self.get(self.len().checked_sub(1)?)?;
        self.scores.pop();
        self.ids.pop();
        Some(e)
    }

    /// Moves the entries from `at` on into a new leaf of full capacity.
    fn split_off(&mut self, at: usize) -> Leaf {
        let at = at.min(self.len());
        let mut right = Leaf::new();
        right.scores.extend(self.scores.drain(at..));
        right.ids.extend(self.ids.drain(at..));
        right
    }

    fn append(&mut self, other: &mut Leaf) {
        self.scores.append(&mut other.scores);
        self.ids.append(&mut other.ids);
    }

    /// Entries that sort before `probe`.
    fn position(&self, probe: Probe<'_>, members: &(impl Members + ?Sized)) -> usize {
        partition(self.len(), |i| {
            self.get(i)
                .is_some_and(|e| probe.cmp(e, members) == Ordering::Greater)
        })
    }
}

#[derive(Clone, Debug)]
struct Inner {
    children: Vec<Node>,
    counts: Vec<usize>,
    seps: Vec<Entry>,
}

impl Inner {
    fn with_children(children: Vec<Node>, counts: Vec<usize>, seps: Vec<Entry>) -> Inner {
        let mut inner = Inner {
            children: Vec::with_capacity(INNER_MAX + 1),
            counts: Vec::with_capacity(INNER_MAX + 1),
            seps: Vec::with_capacity(INNER_MAX),
        };
        inner.children.extend(children);
        inner.counts.extend(counts);
        inner.seps.extend(seps);
        inner
    }

    /// The child whose range holds `probe`: one past the separators at or before it.
    fn child_for(&self, probe: Probe<'_>, members: &(impl Members + ?Sized)) -> usize {
        partition(self.seps.len(), |i| {
            self.seps
                .get(i)
                .is_some_and(|&s| probe.cmp(s, members) != Ordering::Less)
        })
    }

    fn count_before(&self, child: usize) -> usize {
        self.counts.iter().take(child).sum()
    }

    fn add_count(&mut self, child: usize, delta: isize) {
        if let Some(n) = self.counts.get_mut(child) {
            *n = n.saturating_add_signed(delta);
        }
    }

    fn set_sep(&mut self, i: usize, e: Entry) {
        if let Some(s) = self.seps.get_mut(i) {
            *s = e;
        }
    }
}

#[derive(Clone, Debug)]
enum Node {
    Leaf(Box<Leaf>),
    Inner(Box<Inner>),
}

impl Node {
    fn empty_leaf() -> Node {
        Node::Leaf(Box::new(Leaf::new()))
    }

    fn is_underfull(&self) -> bool {
        match self {
            Node::Leaf(leaf) => leaf.len() < LEAF_MIN,
            Node::Inner(inner) => inner.children.len() < INNER_MIN,
        }
    }

    fn can_lend(&self) -> bool {
        match self {
            Node::Leaf(leaf) => leaf.len() > LEAF_MIN,
            Node::Inner(inner) => inner.children.len() > INNER_MIN,
        }
    }

    /// The smallest entry under this node.
    fn first_entry(&self) -> Option<Entry> {
        let mut node = self;
        loop {
            match node {
                Node::Leaf(leaf) => return leaf.first(),
                Node::Inner(inner) => node = inner.children.first()?,
            }
        }
    }
}

/// The order-statistic tree.
#[derive(Clone, Debug)]
pub(super) struct Tree {
    root: Node,
    len: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    /// An empty tree.
    pub(super) fn new() -> Tree {
        Tree {
            root: Node::empty_leaf(),
            len: 0,
        }
    }

    /// The number of entries.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Inserts an entry whose member (`member`, the bytes of `entry.id`) is not in the
    /// tree yet.
    pub(super) fn insert<M: Members + ?Sized>(&mut self, entry: Entry, member: &[u8], members: &M) {
        let probe = Probe {
            score: entry.score,
            member,
        };
        let (_, split) = insert_into(&mut self.root, entry, probe, members);
        self.len += 1;
        if let Some(split) = split {
            let left = std::mem::replace(&mut self.root, Node::empty_leaf());
            let left_count = self.len - split.right_count;
            self.root = Node::Inner(Box::new(Inner::with_children(
                vec![left, split.right],
                vec![left_count, split.right_count],
                vec![split.sep],
            )));
        }
    }

    /// Removes `entry` (whose member bytes are `member`). False if it is not there.
    pub(super) fn remove<M: Members + ?Sized>(
        &mut self,
        entry: Entry,
        member: &[u8],
        members: &M,
    ) -> bool {
        let probe = Probe {
            score: entry.score,
            member,
        };
        if remove_from(&mut self.root, entry.id, probe, members).is_none() {
            return false;
        }
        self.len -= 1;
        // A root with one child gives way to it, so the tree gets shallower.
        loop {
            let only_child = match &mut self.root {
                Node::Inner(inner) if inner.children.len() == 1 => inner.children.pop(),
                _ => None,
            };
            match only_child {
                Some(child) => self.root = child,
                None => break,
            }
        }
        true
    }

    /// Replaces the id of the entry at `entry` (member bytes `member`) by `new_id`,
    /// including its copies as separators. The owner calls this when it moves a member
    /// to another slot; the bytes are unchanged, so the order is too.
    pub(super) fn relabel<M: Members + ?Sized>(
        &mut self,
        entry: Entry,
        member: &[u8],
        new_id: u32,
        members: &M,
    ) -> bool {
        let probe = Probe {
            score: entry.score,
            member,
        };
        let mut node = &mut self.root;
        loop {
            match node {
                Node::Inner(inner) => {
                    let c = inner.child_for(probe, members);
                    if let Some(sep) = c.checked_sub(1).and_then(|i| inner.seps.get_mut(i))
                        && sep.id == entry.id
                    {
                        sep.id = new_id;
                    }
                    match inner.children.get_mut(c) {
                        Some(child) => node = child,
                        None => return false,
                    }
                }
                Node::Leaf(leaf) => {
                    let pos = leaf.position(probe, members);
                    return match leaf.ids.get_mut(pos) {
                        Some(id) if *id == entry.id => {
                            *id = new_id;
                            true
                        }
                        _ => false,
                    };
                }
            }
        }
    }

    /// Changes the score of `entry` to `new_score` where it stands, when the new score
    /// keeps it between its neighbours in the same leaf and it is not the leaf's first
    /// entry (which may be copied into a separator). Returns false, changing nothing,
    /// otherwise; the caller then removes and re-inserts.
    pub(super) fn update_score_in_place<M: Members + ?Sized>(
        &mut self,
        entry: Entry,
        member: &[u8],
        new_score: f64,
        members: &M,
    ) -> bool {
        let probe = Probe {
            score: entry.score,
            member,
        };
        let mut node = &mut self.root;
        loop {
            match node {
                Node::Inner(inner) => {
                    let c = inner.child_for(probe, members);
                    match inner.children.get_mut(c) {
                        Some(child) => node = child,
                        None => return false,
                    }
                }
                Node::Leaf(leaf) => {
                    let pos = leaf.position(probe, members);
                    let moved = Probe {
                        score: new_score,
                        member,
                    };
                    let (Some(prev), Some(next)) = (
                        pos.checked_sub(1).and_then(|p| leaf.get(p)),
                        leaf.get(pos + 1),
                    ) else {
                        return false;
                    };
                    let fits = leaf.ids.get(pos) == Some(&entry.id)
                        && moved.cmp(prev, members) == Ordering::Greater
                        && moved.cmp(next, members) == Ordering::Less;
                    if fits && let Some(score) = leaf.scores.get_mut(pos) {
                        *score = new_score;
                        return true;
                    }
                    return false;
                }
            }
        }
    }

    /// The 0-based rank of `entry` (member bytes `member`), if it is in the tree.
    pub(super) fn rank<M: Members + ?Sized>(
        &self,
        entry: Entry,
        member: &[u8],
        members: &M,
    ) -> Option<usize> {
        let probe = Probe {
            score: entry.score,
            member,
        };
        let mut node = &self.root;
        let mut before = 0;
        loop {
            match node {
                Node::Inner(inner) => {
                    let c = inner.child_for(probe, members);
                    before += inner.count_before(c);
                    node = inner.children.get(c)?;
                }
                Node::Leaf(leaf) => {
                    let pos = leaf.position(probe, members);
                    return (leaf.ids.get(pos) == Some(&entry.id)).then_some(before + pos);
                }
            }
        }
    }

    /// The entry at 0-based `rank`.
    pub(super) fn select(&self, rank: usize) -> Option<Entry> {
        let mut node = &self.root;
        let mut rank = rank;
        loop {
            match node {
                Node::Inner(inner) => {
                    let mut c = 0;
                    for &n in &inner.counts {
                        if rank < n {
                            break;
                        }
                        rank -= n;
                        c += 1;
                    }
                    node = inner.children.get(c)?;
                }
                Node::Leaf(leaf) => return leaf.get(rank),
            }
        }
    }

    /// How many leading entries satisfy `before`, which must hold for a prefix of the
    /// order and then never again (a lower or upper bound by score or by member).
    pub(super) fn count_while(&self, mut before: impl FnMut(Entry) -> bool) -> usize {
        let mut node = &self.root;
        let mut count = 0;
        loop {
            match node {
                Node::Inner(inner) => {
                    let c = partition(inner.seps.len(), |i| {
                        inner.seps.get(i).is_some_and(|&s| before(s))
                    });
                    count += inner.count_before(c);
                    match inner.children.get(c) {
                        Some(child) => node = child,
                        None => return count,
                    }
                }
                Node::Leaf(leaf) => {
                    return count + partition(leaf.len(), |i| leaf.get(i).is_some_and(&mut before));
                }
            }
        }
    }

    /// Up to `count` entries from 0-based `rank`, ascending, or descending when
    /// `reverse` (then `rank` is the first, highest, one returned).
    pub(super) fn iter_from(&self, rank: usize, count: usize, reverse: bool) -> Iter<'_> {
        let count = if rank < self.len { count } else { 0 };
        Iter::seek(&self.root, rank, count, reverse)
    }

    /// Builds a tree from entries already in order, filling every leaf.
    pub(super) fn from_sorted(entries: impl IntoIterator<Item = Entry>) -> Tree {
        let mut level: Vec<(Node, usize, Entry)> = Vec::new();
        let mut leaf = Leaf::new();
        let mut len = 0;
        for e in entries {
            if leaf.len() == LEAF_MAX {
                let full = std::mem::replace(&mut leaf, Leaf::new());
                if let Some(first) = full.first() {
                    let n = full.len();
                    level.push((Node::Leaf(Box::new(full)), n, first));
                }
            }
            leaf.push(e);
            len += 1;
        }
        if let Some(first) = leaf.first() {
            let n = leaf.len();
            level.push((Node::Leaf(Box::new(leaf)), n, first));
        }
        // Group each level's nodes under parents until one node is left.
        while level.len() > 1 {
            let mut parents = Vec::with_capacity(level.len() / INNER_MAX + 1);
            let mut nodes = level.into_iter().peekable();
            while nodes.peek().is_some() {
                let group: Vec<(Node, usize, Entry)> = nodes.by_ref().take(INNER_MAX).collect();
                let Some(&(_, _, first)) = group.first() else {
                    break;
                };
                let total = group.iter().map(|(_, n, _)| n).sum();
                let seps = group.iter().skip(1).map(|&(_, _, e)| e).collect();
                let counts = group.iter().map(|&(_, n, _)| n).collect();
                let children = group.into_iter().map(|(node, _, _)| node).collect();
                parents.push((
                    Node::Inner(Box::new(Inner::with_children(children, counts, seps))),
                    total,
                    first,
                ));
            }
            level = parents;
        }
        Tree {
            root: level
                .pop()
                .map_or_else(Node::empty_leaf, |(node, _, _)| node),
            len,
        }
    }

    /// Checks every invariant in the module documentation (tests only).
    #[cfg(test)]
    pub(super) fn check<M: Members + ?Sized>(&self, members: &M) {
        fn walk(
            node: &Node,
            depth: usize,
            leaf_depth: &mut Option<usize>,
            root: bool,
            out: &mut Vec<Entry>,
        ) -> usize {
            match node {
                Node::Leaf(leaf) => {
                    assert_eq!(leaf.scores.len(), leaf.ids.len());
                    assert!(leaf.len() <= LEAF_MAX);
                    assert!(root || leaf.len() >= 1, "empty non-root leaf");
                    match leaf_depth {
                        Some(d) => assert_eq!(*d, depth, "leaves at different depths"),
                        None => *leaf_depth = Some(depth),
                    }
                    out.extend((0..leaf.len()).filter_map(|i| leaf.get(i)));
                    leaf.len()
                }
                Node::Inner(inner) => {
                    assert!(inner.children.len() <= INNER_MAX && !inner.children.is_empty());
                    assert!(!root || inner.children.len() >= 2, "root with one child");
                    assert_eq!(inner.counts.len(), inner.children.len());
                    assert_eq!(inner.seps.len() + 1, inner.children.len());
                    let mut total = 0;
                    for (i, child) in inner.children.iter().enumerate() {
                        let n = walk(child, depth + 1, leaf_depth, false, out);
                        assert_eq!(inner.counts[i], n, "stale count");
                        if i > 0 {
                            assert_eq!(
                                Some(inner.seps[i - 1]),
                                child.first_entry(),
                                "stale separator"
                            );
                        }
                        total += n;
                    }
                    total
                }
            }
        }
        let mut all = Vec::new();
        let mut leaf_depth = None;
        let n = walk(&self.root, 0, &mut leaf_depth, true, &mut all);
        assert_eq!(n, self.len);
        for pair in all.windows(2) {
            let probe = Probe {
                score: pair[0].score,
                member: members.member(pair[0].id),
            };
            assert_eq!(probe.cmp(pair[1], members), Ordering::Less, "out of order");
        }
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
