//! Inserting and replacing elements inside a quicklist, as Redis's `_quicklistInsert`
//! and `quicklistReplaceEntry` do: into a node that has room, onto a neighbour's edge,
//! into a new node, or by splitting a full node and letting small neighbours merge back;
//! big elements get a plain node of their own, cutting a listpack around them.
//!
//! Compression is left to the public entry points, which settle it once the nodes have
//! their final places.

use std::ops::Range;

use super::node::{Data, Node};
use super::{Quicklist, seek};
use crate::listpack::Listpack;

impl Quicklist {
    /// Inserts `value` before or after the element at `index`; false if there is none.
    pub fn insert(&mut self, index: usize, after: bool, value: &[u8]) -> bool {
        let Some((ni, offset)) = self.locate(index) else {
            return false;
        };
        let touched = self.insert_at(ni, offset, after, value);
        self.settle(touched);
        true
    }

    /// Redis's `_quicklistInsert` for the element at (`ni`, `offset`): returns the range of
    /// node indexes that changed. Compression is left to the caller.
    fn insert_at(&mut self, ni: usize, offset: usize, after: bool, value: &[u8]) -> Range<usize> {
        let sz = value.len();
        let Some(node) = self.nodes.get(ni) else {
            return 0..0;
        };
        let full = !self.allow_insert(Some(node), sz);
        let at_tail = after && offset + 1 == node.count;
        let at_head = !after && offset == 0;
        let avail_next = at_tail && self.allow_insert(self.nodes.get(ni + 1), sz);
        let avail_prev = at_head && ni > 0 && self.allow_insert(self.nodes.get(ni - 1), sz);
        let node_is_plain = node.is_plain();
        self.count += 1;
        let at = if after { ni + 1 } else { ni };
        if self.is_large(sz) {
            if node_is_plain || at_tail || at_head {
                self.nodes.insert(at, Node::plain(value));
                return at..at + 1;
            }
            // A big element in the middle of a listpack: the listpack is cut in two around it.
            let part = self.split(ni, offset, after);
            if after {
                self.nodes.insert(ni + 1, Node::plain(value));
                self.nodes.insert(ni + 2, part);
            } else {
                self.nodes.insert(ni, Node::plain(value));
                self.nodes.insert(ni, part);
            }
            return ni..ni + 3;
        }
        if !full {
            if let Some((lp, count)) = self.node_mut(ni).and_then(Node::packed_mut)
                && let Some(pos) = seek(lp, offset, *count)
            {
                if after {
                    lp.insert_after(pos, value);
                } else {
                    lp.insert_before(pos, value);
                }
                *count += 1;
            }
            return ni..ni + 1;
        }
        if avail_next {
            if let Some((lp, count)) = self.node_mut(ni + 1).and_then(Node::packed_mut) {
                lp.push_front(value);
                *count += 1;
            }
            return ni + 1..ni + 2;
        }
        if avail_prev {
            if let Some((lp, count)) = self.node_mut(ni - 1).and_then(Node::packed_mut) {
                lp.push_back(value);
                *count += 1;
            }
            return ni - 1..ni;
        }
        if at_tail || at_head {
            let mut lp = Listpack::new();
            lp.push_back(value);
            self.nodes.insert(at, Node::packed(lp));
            return at..at + 1;
        }
        // A full node, in its middle: split it, put the element on the new part's cut
        // side, then let small neighbours merge.
        let mut part = self.split(ni, offset, after);
        if let Some((lp, count)) = part.packed_mut() {
            if after {
                lp.push_front(value);
            } else {
                lp.push_back(value);
            }
            *count += 1;
        }
        self.nodes.insert(at, part);
        let center = if after { ni } else { ni + 1 };
        self.merge_around(center);
        center.saturating_sub(2)..center + 3
    }

    /// Cuts the packed node `ni` at `offset`: with `after`, the node keeps elements up to
    /// `offset` and the returned node has the rest; otherwise the returned node has the
    /// elements before `offset` and the node keeps the rest. The returned node is not in
    /// the list yet; its elements stay counted in `self.count`.
    fn split(&mut self, ni: usize, offset: usize, after: bool) -> Node {
        let cut = if after { offset + 1 } else { offset };
        let mut removed = Node::packed(Listpack::new());
        if let Some((lp, count)) = self.node_mut(ni).and_then(Node::packed_mut) {
            let tail = lp.split_off(cut);
            let tail_count = *count - cut;
            if after {
                *count = cut;
                removed = Node::packed(tail);
                removed.count = tail_count;
            } else {
                let head = std::mem::replace(lp, tail);
                *count = tail_count;
                removed = Node::packed(head);
                removed.count = cut;
            }
        }
        removed
    }

    /// Merges small neighbours around `center`, as Redis's `_quicklistMergeNodes`: the
    /// two nodes before it, the two after it, then the center with each side.
    fn merge_around(&mut self, mut center: usize) {
        if center >= 2 && self.allow_merge(self.nodes.get(center - 1), self.nodes.get(center - 2)) {
            self.merge_pair(center - 2);
            center -= 1;
        }
        if self.allow_merge(self.nodes.get(center + 1), self.nodes.get(center + 2)) {
            self.merge_pair(center + 1);
        }
        let mut target = center;
        if center >= 1 && self.allow_merge(self.nodes.get(center), self.nodes.get(center - 1)) {
            self.merge_pair(center - 1);
            target = center - 1;
        }
        if self.allow_merge(self.nodes.get(target), self.nodes.get(target + 1)) {
            self.merge_pair(target);
        }
    }

    /// Moves node `i + 1`'s elements to the end of node `i` (both packed).
    fn merge_pair(&mut self, i: usize) {
        let both_packed = matches!(
            (self.nodes.get(i), self.nodes.get(i + 1)),
            (Some(a), Some(b)) if !a.is_plain() && !b.is_plain()
        );
        if !both_packed {
            return;
        }
        let Some(mut right) = self.nodes.remove(i + 1) else {
            return;
        };
        right.decompress();
        if let Some((lp, count)) = self.node_mut(i).and_then(Node::packed_mut)
            && let Data::Packed(right_lp) = &right.data
        {
            lp.append(right_lp);
            *count += right.count;
        }
    }

    /// Replaces the element at `index`; false if there is none.
    pub fn replace(&mut self, index: usize, value: &[u8]) -> bool {
        let Some((ni, offset)) = self.locate(index) else {
            return false;
        };
        let large = self.is_large(value.len());
        let Some(node) = self.nodes.get(ni) else {
            return false;
        };
        let touched = if !node.is_plain() && !large {
            if let Some((lp, count)) = self.node_mut(ni).and_then(Node::packed_mut)
                && let Some(pos) = seek(lp, offset, *count)
            {
                lp.replace(pos, value);
            }
            ni..ni + 1
        } else if node.is_plain() && large {
            if let Some(node) = self.node_mut(ni) {
                node.data = Data::Plain(value.into());
            }
            ni..ni + 1
        } else if node.is_plain() {
            // A small element replacing a big one joins a listpack after it; the plain
            // node goes.
            let touched = self.insert_at(ni, 0, true, value);
            self.remove_node(ni);
            touched.start.saturating_sub(1)..touched.end
        } else {
            // A big element replacing one in a listpack: it goes in after the old one
            // (splitting the listpack if needed), then the old one is deleted.
            let touched = self.insert_at(ni, offset, true, value);
            if self.nodes.get(ni).is_some_and(|n| n.count == 1) {
                self.remove_node(ni);
            } else if let Some((lp, count)) = self.node_mut(ni).and_then(Node::packed_mut)
                && let Some(pos) = lp.last()
            {
                lp.delete(pos);
                *count -= 1;
                self.count -= 1;
            }
            ni..touched.end
        };
        self.settle(touched);
        true
    }
}
