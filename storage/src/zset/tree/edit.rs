//! The tree's edits: inserting with node splits, removing with refills and merges.
//!
//! These are the only functions that change the tree's shape; they keep every invariant
//! listed in the parent module, separators above all (a separator is an exact copy of
//! its child's first entry, so it is fixed before any rebalancing copies it down).

use super::{Entry, INNER_MAX, Inner, LEAF_MAX, Members, Node, Probe};

/// What a node split off while taking an entry: the new right sibling, its first entry
/// (the separator) and its entry count.
pub(super) struct Split {
    pub(super) sep: Entry,
    pub(super) right: Node,
    pub(super) right_count: usize,
}

/// Inserts into the subtree at `node`; reports whether its first entry changed and
/// what it split off.
pub(super) fn insert_into<M: Members + ?Sized>(
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
pub(super) fn remove_from<M: Members + ?Sized>(
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
