//! Walking the tree in order, forwards or backwards, from a rank.

use super::{Entry, Inner, Leaf, Node};

/// Entries in order (or reverse order) from a starting rank; see [`super::Tree::iter_from`].
pub(in crate::zset) struct Iter<'a> {
    /// The inner nodes above the current leaf, with the child taken at each.
    stack: Vec<(&'a Inner, usize)>,
    leaf: Option<&'a Leaf>,
    index: usize,
    remaining: usize,
    reverse: bool,
}

impl<'a> Iter<'a> {
    /// Up to `count` entries from 0-based `rank` under `root`.
    pub(super) fn seek(root: &'a Node, rank: usize, count: usize, reverse: bool) -> Iter<'a> {
        let mut iter = Iter {
            stack: Vec::new(),
            leaf: None,
            index: 0,
            remaining: count,
            reverse,
        };
        if count == 0 {
            return iter;
        }
        let mut node = root;
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
