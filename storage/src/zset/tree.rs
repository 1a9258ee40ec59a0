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

use std::cmp::Ordering;

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

/// What a node split off while taking an entry: the new right sibling, its first entry
/// (the separator) and its entry count.
struct Split {
    sep: Entry,
    right: Node,
    right_count: usize,
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
        let mut iter = Iter {
            stack: Vec::new(),
            leaf: None,
            index: 0,
            remaining: if rank < self.len { count } else { 0 },
            reverse,
        };
        if iter.remaining == 0 {
            return iter;
        }
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
                    let Some(child) = inner.children.get(c) else {
                        iter.remaining = 0;
                        return iter;
                    };
                    iter.stack.push((&**inner, c));
                    node = child;
                }
                Node::Leaf(leaf) => {
                    iter.leaf = Some(&**leaf);
                    iter.index = rank;
                    return iter;
                }
            }
        }
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

/// Inserts into the subtree at `node`; reports whether its first entry changed and
/// what it split off.
fn insert_into<M: Members + ?Sized>(
    node: &mut Node,
    entry: Entry,
    probe: Probe<'_>,
    members: &M,
) -> (bool, Option<Split>) {
    match node {
        Node::Leaf(leaf) => {
            let pos = leaf.position(probe, members);
            leaf.insert(pos, entry);
            let first_changed = pos == 0;
            let len = leaf.len();
            if len <= LEAF_MAX {
                return (first_changed, None);
            }
            let at = if pos + 1 == len {
                len - 1
            } else if pos == 0 {
                1
            } else {
                len / 2
            };
            let mut right = leaf.split_off(at);
            match right.first() {
                Some(sep) => {
                    let right_count = right.len();
                    let split = Split {
                        sep,
                        right: Node::Leaf(Box::new(right)),
                        right_count,
                    };
                    (first_changed, Some(split))
                }
                None => {
                    leaf.append(&mut right);
                    (first_changed, None)
                }
            }
        }
        Node::Inner(inner) => {
            let c = inner.child_for(probe, members);
            let Some(child) = inner.children.get_mut(c) else {
                return (false, None);
            };
            let (child_first_changed, child_split) = insert_into(child, entry, probe, members);
            inner.add_count(c, 1);
            let mut first_changed = false;
            if child_first_changed {
                match c.checked_sub(1) {
                    Some(i) => inner.set_sep(i, entry),
                    None => first_changed = true,
                }
            }
            let Some(split) = child_split else {
                return (first_changed, None);
            };
            inner.add_count(c, -(split.right_count as isize));
            let at_child = (c + 1).min(inner.children.len());
            inner.children.insert(at_child, split.right);
            inner.counts.insert(at_child, split.right_count);
            inner.seps.insert(c.min(inner.seps.len()), split.sep);
            let len = inner.children.len();
            if len <= INNER_MAX {
                return (first_changed, None);
            }
            let at = if at_child + 1 == len {
                len - 1
            } else if at_child == 1 {
                1
            } else {
                len / 2
            };
            let children: Vec<Node> = inner.children.drain(at..).collect();
            let counts: Vec<usize> = inner.counts.drain(at..).collect();
            let seps: Vec<Entry> = inner.seps.drain(at.min(inner.seps.len())..).collect();
            let Some(sep) = inner.seps.pop() else {
                // Unreachable: `at` >= 1 leaves a separator before the cut.
                inner.children.extend(children);
                inner.counts.extend(counts);
                inner.seps.extend(seps);
                return (first_changed, None);
            };
            let right_count = counts.iter().sum();
            let right = Node::Inner(Box::new(Inner::with_children(children, counts, seps)));
            (
                first_changed,
                Some(Split {
                    sep,
                    right,
                    right_count,
                }),
            )
        }
    }
}

/// Removes the entry `id` at `probe` from the subtree at `node`. `None` if it is not
/// there; otherwise whether the subtree's first entry changed.
fn remove_from<M: Members + ?Sized>(
    node: &mut Node,
    id: u32,
    probe: Probe<'_>,
    members: &M,
) -> Option<bool> {
    match node {
        Node::Leaf(leaf) => {
            let pos = leaf.position(probe, members);
            if leaf.ids.get(pos) != Some(&id) {
                return None;
            }
            leaf.remove(pos);
            Some(pos == 0)
        }
        Node::Inner(inner) => {
            let c = inner.child_for(probe, members);
            let child = inner.children.get_mut(c)?;
            let child_first_changed = remove_from(child, id, probe, members)?;
            inner.add_count(c, -1);
            let mut first_changed = false;
            if child_first_changed {
                match c.checked_sub(1) {
                    None => first_changed = true,
                    // Fix the separator before any rebalancing copies it down. An empty
                    // leaf has no first entry; rebalancing rewrites or drops its separator.
                    Some(i) => {
                        if let Some(first) = inner.children.get(c).and_then(Node::first_entry) {
                            inner.set_sep(i, first);
                        }
                    }
                }
            }
            if inner.children.get(c).is_some_and(Node::is_underfull) {
                rebalance(inner, c);
            }
            Some(first_changed)
        }
    }
}

/// Refills or merges the underfull child `c` of `inner` with a sibling.
fn rebalance(inner: &mut Inner, c: usize) {
    let n = inner.children.len();
    let lends = |i: usize| inner.children.get(i).is_some_and(Node::can_lend);
    if c > 0 && lends(c - 1) {
        borrow_from_left(inner, c);
    } else if c + 1 < n && lends(c + 1) {
        borrow_from_right(inner, c);
    } else if c > 0 {
        merge_with_next(inner, c - 1);
    } else if c + 1 < n {
        merge_with_next(inner, c);
    }
}

/// Moves the last entry (or child) of child `c - 1` to the front of child `c`.
fn borrow_from_left(inner: &mut Inner, c: usize) {
    let Some(sep_index) = c.checked_sub(1) else {
        return;
    };
    let (head, tail) = inner.children.split_at_mut(c);
    let (Some(left), Some(current)) = (head.last_mut(), tail.first_mut()) else {
        return;
    };
    let moved = match (left, current) {
        (Node::Leaf(left), Node::Leaf(current)) => {
            let Some(e) = left.pop() else {
                return;
            };
            current.insert(0, e);
            if let Some(s) = inner.seps.get_mut(sep_index) {
                *s = e;
            }
            1
        }
        (Node::Inner(left), Node::Inner(current)) => {
            let (Some(child), Some(count), Some(left_last_sep), Some(&old_sep)) = (
                left.children.pop(),
                left.counts.pop(),
                left.seps.pop(),
                inner.seps.get(sep_index),
            ) else {
                return;
            };
            current.children.insert(0, child);
            current.counts.insert(0, count);
            current.seps.insert(0, old_sep);
            if let Some(s) = inner.seps.get_mut(sep_index) {
                *s = left_last_sep;
            }
            count
        }
        _ => return,
    };
    inner.add_count(sep_index, -(moved as isize));
    inner.add_count(c, moved as isize);
}

/// Moves the first entry (or child) of child `c + 1` to the end of child `c`.
fn borrow_from_right(inner: &mut Inner, c: usize) {
    let (head, tail) = inner.children.split_at_mut(c + 1);
    let (Some(current), Some(right)) = (head.last_mut(), tail.first_mut()) else {
        return;
    };
    let moved = match (current, right) {
        (Node::Leaf(current), Node::Leaf(right)) => {
            let Some(e) = right.remove(0) else {
                return;
            };
            current.push(e);
            if let Some(first) = right.first()
                && let Some(s) = inner.seps.get_mut(c)
            {
                *s = first;
            }
            // A leaf emptied by the removal has a new first entry: the borrowed one.
            if current.len() == 1
                && let Some(s) = c.checked_sub(1).and_then(|i| inner.seps.get_mut(i))
            {
                *s = e;
            }
            1
        }
        (Node::Inner(current), Node::Inner(right)) => {
            if right.children.is_empty() || right.seps.is_empty() {
                return;
            }
            let child = right.children.remove(0);
            let count = right.counts.remove(0);
            let right_first_sep = right.seps.remove(0);
            let Some(&old_sep) = inner.seps.get(c) else {
                return;
            };
            current.children.push(child);
            current.counts.push(count);
            current.seps.push(old_sep);
            if let Some(s) = inner.seps.get_mut(c) {
                *s = right_first_sep;
            }
            count
        }
        _ => return,
    };
    inner.add_count(c, moved as isize);
    inner.add_count(c + 1, -(moved as isize));
}

/// Merges child `a + 1` into child `a`.
fn merge_with_next(inner: &mut Inner, a: usize) {
    if a + 1 >= inner.children.len() || a >= inner.seps.len() {
        return;
    }
    let right = inner.children.remove(a + 1);
    let right_count = inner.counts.remove(a + 1);
    let sep = inner.seps.remove(a);
    match (inner.children.get_mut(a), right) {
        (Some(Node::Leaf(left)), Node::Leaf(mut right)) => left.append(&mut right),
        (Some(Node::Inner(left)), Node::Inner(right)) => {
            let right = *right;
            left.seps.push(sep);
            left.seps.extend(right.seps);
            left.children.extend(right.children);
            left.counts.extend(right.counts);
        }
        _ => {}
    }
    inner.add_count(a, right_count as isize);
}

/// Entries in order (or reverse order) from a starting rank; see [`Tree::iter_from`].
pub(super) struct Iter<'a> {
    /// The inner nodes above the current leaf, with the child taken at each.
    stack: Vec<(&'a Inner, usize)>,
    leaf: Option<&'a Leaf>,
    index: usize,
    remaining: usize,
    reverse: bool,
}

impl Iter<'_> {
    fn step_forward(&mut self) {
        if let Some(leaf) = self.leaf
            && self.index + 1 < leaf.len()
        {
            self.index += 1;
            return;
        }
        while let Some((inner, c)) = self.stack.pop() {
            if let Some(mut node) = inner.children.get(c + 1) {
                self.stack.push((inner, c + 1));
                loop {
                    match node {
                        Node::Inner(next) => {
                            self.stack.push((&**next, 0));
                            match next.children.first() {
                                Some(child) => node = child,
                                None => break,
                            }
                        }
                        Node::Leaf(leaf) => {
                            self.leaf = Some(&**leaf);
                            self.index = 0;
                            return;
                        }
                    }
                }
            }
        }
        self.remaining = 0;
    }

    fn step_backward(&mut self) {
        if self.index > 0 {
            self.index -= 1;
            return;
        }
        while let Some((inner, c)) = self.stack.pop() {
            if let Some(prev) = c.checked_sub(1)
                && let Some(mut node) = inner.children.get(prev)
            {
                self.stack.push((inner, prev));
                loop {
                    match node {
                        Node::Inner(next) => {
                            let last = next.children.len().saturating_sub(1);
                            self.stack.push((&**next, last));
                            match next.children.get(last) {
                                Some(child) => node = child,
                                None => break,
                            }
                        }
                        Node::Leaf(leaf) => {
                            self.leaf = Some(&**leaf);
                            self.index = leaf.len().saturating_sub(1);
                            return;
                        }
                    }
                }
            }
        }
        self.remaining = 0;
    }
}

impl Iterator for Iter<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        if self.remaining == 0 {
            return None;
        }
        let entry = self.leaf.and_then(|leaf| leaf.get(self.index))?;
        self.remaining -= 1;
        if self.remaining > 0 {
            if self.reverse {
                self.step_backward();
            } else {
                self.step_forward();
            }
        }
        Some(entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
