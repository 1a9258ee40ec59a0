//! Redis 7.0's quicklist: a list stored as a chain of listpack nodes, the inner ones
//! LZF-compressed.
//!
//! It owns the node layout, which follows Redis's rules so that memory per element
//! matches: how full a node may grow (`list-max-listpack-size`: a count of entries when
//! positive, 4 KB to 64 KB of bytes for -1 to -5, and never more than 8 KB for a count),
//! when an element is big enough to get a node of its own ("plain", from the packed
//! threshold, 1 GB unless DEBUG QUICKLIST-PACKED-THRESHOLD changes it), how inserts split
//! nodes and merge small neighbours, and which nodes are compressed: all but the
//! `list-compress-depth` nodes at each end.
//!
//! Nodes live in a `VecDeque` rather than a linked list: the ends are O(1) as in Redis,
//! and a node in the middle is found by walking node counts from the nearer end, as
//! Redis does. It deliberately knows nothing of list commands' index conventions
//! (negative indexes, LRANGE clamping): `list.rs` turns those into positions.
//!
//! Compression is settled at the end of each change: the end nodes are kept
//! uncompressed, and every inner node that changed or moved inward is compressed (or
//! remembered as not worth it). Reads never change a node: a compressed node is inflated
//! into a scratch buffer, where Redis would decompress and recompress it.

mod insert;
mod node;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::ops::{ControlFlow, Range};

use crate::listpack::{Listpack, LpEntry};
use node::{Data, Node, Scratch, View};

/// The packed threshold Redis starts with: elements of 1 GB or more get a plain node.
pub const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;
/// The largest packed threshold Redis accepts (just under 4 GB).
pub const MAX_PACKED_THRESHOLD: usize = (1 << 32) - (1 << 20);

/// Node byte limits for fill -1 .. -5.
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A node whose limit is an entry count still never grows past this many bytes.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// What one more entry is assumed to add beyond its data (an overestimate, as Redis's).
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Fill values are kept within Redis's 16-bit field.
const FILL_MAX: i32 = 32767;
const FILL_MIN: i32 = -5;
/// Compress depths are kept within Redis's 16-bit field.
const COMPRESS_MAX: u32 = 65535;
/// How many nodes one change can push across the compressed region's edge.
const EDGE_WINDOW: usize = 3;

/// What DEBUG and the tests see of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Elements in the node.
    pub count: usize,
    /// Uncompressed size in bytes.
    pub size: usize,
    /// One big element on its own rather than a listpack.
    pub plain: bool,
    /// The compressed size, when the node is compressed.
    pub compressed: Option<usize>,
}

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The head (left, index 0).
    Head,
    /// The tail (right, index -1).
    Tail,
}

/// A quicklist.
#[derive(Clone, Debug)]
pub struct Quicklist {
    nodes: VecDeque<Node>,
    count: usize,
    fill: i32,
    compress: usize,
    packed_threshold: usize,
}

impl Quicklist {
    /// An empty quicklist with a fill (list-max-listpack-size) and a compress depth
    /// (list-compress-depth), clamped to the ranges Redis keeps.
    pub fn new(fill: i32, compress: u32) -> Quicklist {
        Quicklist {
            nodes: VecDeque::new(),
            count: 0,
            fill: fill.clamp(FILL_MIN, FILL_MAX),
            compress: usize::try_from(compress.min(COMPRESS_MAX)).unwrap_or(0),
            packed_threshold: DEFAULT_PACKED_THRESHOLD,
        }
    }

    /// Sets the size from which an element gets a plain node of its own.
    pub fn set_packed_threshold(&mut self, threshold: usize) {
        self.packed_threshold = threshold;
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The fill setting this list was created with.
    pub fn fill(&self) -> i32 {
        self.fill
    }

    /// The compress depth this list was created with.
    pub fn compress_depth(&self) -> usize {
        self.compress
    }

    /// The nodes' uncompressed sizes added up (DEBUG OBJECT's ql_uncompressed_size).
    pub fn uncompressed_size(&self) -> usize {
        self.nodes.iter().map(Node::sz).sum()
    }

    /// How many nodes are compressed.
    pub fn compressed_nodes(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_compressed()).count()
    }

    /// Heap bytes held (node table and node data).
    pub fn heap_size(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.nodes.iter().map(Node::heap_size).sum::<usize>()
    }

    /// A description of each node, head first.
    pub fn node_summary(&self) -> impl Iterator<Item = NodeInfo> + '_ {
        self.nodes.iter().map(|n| NodeInfo {
            count: n.count,
            size: n.sz(),
            plain: n.is_plain(),
            compressed: match &n.data {
                Data::Lzf { bytes, .. } => Some(bytes.len()),
                _ => None,
            },
        })
    }

    /// Calls `f` on each node's uncompressed content, head first, with whether the node
    /// is plain (one element's bytes) rather than a listpack (for RDB and DUMP).
    pub fn for_each_node_bytes(&self, mut f: impl FnMut(bool, &[u8])) {
        let mut scratch = Scratch::default();
        for node in &self.nodes {
            match node.view(&mut scratch) {
                View::Plain(bytes) => f(true, bytes),
                View::Packed(lp) => f(false, lp.as_bytes()),
            }
        }
    }

    fn is_large(&self, sz: usize) -> bool {
        sz >= self.packed_threshold
    }

    /// Whether `bytes` fits the fill's byte limit (only for negative fills).
    fn meets_size_level(&self, bytes: usize) -> bool {
        if self.fill >= 0 {
            return false;
        }
        let level = usize::try_from(-self.fill - 1).ok();
        level
            .and_then(|l| SIZE_LEVELS.get(l))
            .is_some_and(|&limit| bytes <= limit)
    }

    /// Whether an element of `sz` bytes may join `node` (Redis's
    /// `_quicklistNodeAllowInsert`).
    fn allow_insert(&self, node: Option<&Node>, sz: usize) -> bool {
        let Some(node) = node else {
            return false;
        };
        if node.is_plain() || self.is_large(sz) {
            return false;
        }
        let new_sz = node.sz() + sz + SIZE_ESTIMATE_OVERHEAD;
        if self.meets_size_level(new_sz) {
            true
        } else if new_sz > SIZE_SAFETY_LIMIT {
            false
        } else {
            i64::try_from(node.count).is_ok_and(|c| c < i64::from(self.fill))
        }
    }

    /// Whether two neighbours may become one node (Redis's `_quicklistNodeAllowMerge`).
    fn allow_merge(&self, a: Option<&Node>, b: Option<&Node>) -> bool {
        let (Some(a), Some(b)) = (a, b) else {
            return false;
        };
        if a.is_plain() || b.is_plain() {
            return false;
        }
        // One header and terminator go away (Redis's estimate subtracts 11).
        let merged = (a.sz() + b.sz()).saturating_sub(11);
        if self.meets_size_level(merged) {
            true
        } else if merged > SIZE_SAFETY_LIMIT {
            false
        } else {
            i64::try_from(a.count + b.count).is_ok_and(|c| c <= i64::from(self.fill))
        }
    }

    /// The node at `i`, uncompressed and marked as changing.
    fn node_mut(&mut self, i: usize) -> Option<&mut Node> {
        let node = self.nodes.get_mut(i)?;
        node.decompress();
        Some(node)
    }

    fn remove_node(&mut self, i: usize) -> Option<Node> {
        let node = self.nodes.remove(i)?;
        self.count -= node.count;
        Some(node)
    }

    /// Adds an element at one end.
    pub fn push(&mut self, end: End, value: &[u8]) {
        let sz = value.len();
        let (edge, index) = match end {
            End::Head => (self.nodes.front(), 0),
            End::Tail => (self.nodes.back(), self.nodes.len().saturating_sub(1)),
        };
        if self.is_large(sz) {
            let node = Node::plain(value);
            match end {
                End::Head => self.nodes.push_front(node),
                End::Tail => self.nodes.push_back(node),
            }
        } else if self.allow_insert(edge, sz) {
            if let Some((lp, count)) = self.node_mut(index).and_then(Node::packed_mut) {
                match end {
                    End::Head => lp.push_front(value),
                    End::Tail => lp.push_back(value),
                }
                *count += 1;
            }
        } else {
            let mut lp = Listpack::new();
            lp.push_back(value);
            match end {
                End::Head => self.nodes.push_front(Node::packed(lp)),
                End::Tail => self.nodes.push_back(Node::packed(lp)),
            }
        }
        self.count += 1;
        self.settle(0..0);
    }

    /// Removes the element at one end, handing it to `f` first.
    pub fn pop<R>(&mut self, end: End, f: impl FnOnce(LpEntry<'_>) -> R) -> Option<R> {
        let index = match end {
            End::Head => 0,
            End::Tail => self.nodes.len().checked_sub(1)?,
        };
        let node = self.node_mut(index)?;
        let result = match &mut node.data {
            Data::Plain(bytes) => {
                let r = f(LpEntry::Str(bytes));
                node.count = 0;
                r
            }
            Data::Packed(lp) => {
                let pos = match end {
                    End::Head => lp.first(),
                    End::Tail => lp.last(),
                }?;
                let r = f(lp.get(pos));
                lp.delete(pos);
                node.count -= 1;
                r
            }
            Data::Lzf { .. } => return None,
        };
        if node.count == 0 {
            self.nodes.remove(index);
        }
        self.count -= 1;
        self.settle(0..0);
        Some(result)
    }

    /// The node holding element `index` and the element's offset in it, walking from the
    /// nearer end.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.count {
            return None;
        }
        if index <= (self.count - 1) / 2 {
            let mut before = 0;
            for (i, node) in self.nodes.iter().enumerate() {
                if before + node.count > index {
                    return Some((i, index - before));
                }
                before += node.count;
            }
        } else {
            let from_tail = self.count - 1 - index;
            let mut after = 0;
            for (i, node) in self.nodes.iter().enumerate().rev() {
                if after + node.count > from_tail {
                    return Some((i, node.count - 1 - (from_tail - after)));
                }
                after += node.count;
            }
        }
        None
    }

    /// Calls `f` on elements from `start` towards the tail (or the head when `reverse`),
    /// until `f` breaks or the list ends.
    pub fn visit(
        &self,
        start: usize,
        reverse: bool,
        mut f: impl FnMut(LpEntry<'_>) -> ControlFlow<()>,
    ) {
        let Some((mut ni, offset)) = self.locate(start) else {
            return;
        };
        let mut scratch = Scratch::default();
        let mut first = Some(offset);
        while let Some(node) = self.nodes.get(ni) {
            match node.view(&mut scratch) {
                View::Plain(bytes) => {
                    if f(LpEntry::Str(bytes)).is_break() {
                        return;
                    }
                }
                View::Packed(lp) => {
                    let mut pos = match first {
                        Some(offset) => seek(lp, offset, node.count),
                        None if reverse => lp.last(),
                        None => lp.first(),
                    };
                    while let Some(p) = pos {
                        if reverse {
                            if f(lp.get(p)).is_break() {
                                return;
                            }
                            pos = lp.prev(p);
                        } else {
                            let Some((entry, next)) = lp.get_and_next(p) else {
                                break;
                            };
                            if f(entry).is_break() {
                                return;
                            }
                            pos = next;
                        }
                    }
                }
            }
            first = None;
            if reverse {
                let Some(prev) = ni.checked_sub(1) else {
                    return;
                };
                ni = prev;
            } else {
                ni += 1;
            }
        }
    }

    /// Deletes up to `count` elements from `start` towards the tail; returns how many went.
    pub fn delete_range(&mut self, start: usize, count: usize) -> usize {
        let Some((mut ni, mut offset)) = self.locate(start) else {
            return 0;
        };
        let first = ni;
        let deleted = count.min(self.count - start);
        let mut extent = deleted;
        while extent > 0 {
            let Some(node) = self.nodes.get(ni) else {
                break;
            };
            if (offset == 0 && extent >= node.count) || node.is_plain() {
                let n = node.count;
                self.remove_node(ni);
                extent = extent.saturating_sub(n);
                continue;
            }
            let del = (node.count - offset).min(extent);
            if let Some((lp, count)) = self.node_mut(ni).and_then(Node::packed_mut) {
                lp.delete_range(offset, del);
                *count -= del;
            }
            self.count -= del;
            extent -= del;
            ni += 1;
            offset = 0;
        }
        // Only the first and the last node can have lost part of their elements.
        self.settle(first..ni + 1);
        deleted
    }

    /// Removes elements equal to `value` (Redis's comparison: an integer entry equals
    /// the strings that parse to it), at most `limit` of them (0: all), scanning from the
    /// head or from the tail. Returns how many were removed.
    pub fn remove_matching(&mut self, value: &[u8], limit: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let mut i = if from_tail {
            self.nodes.len().checked_sub(1)
        } else {
            Some(0)
        };
        let mut scratch = Scratch::default();
        while let Some(ni) = i {
            let Some(node) = self.nodes.get(ni) else {
                break;
            };
            let want = if limit == 0 {
                usize::MAX
            } else {
                limit - removed
            };
            // Matching positions, in scan order, read without touching the node.
            let hits = match node.view(&mut scratch) {
                View::Plain(bytes) => usize::from(bytes == value),
                View::Packed(lp) => {
                    let hits = lp.iter().filter(|e| e.eq_bytes(value));
                    hits.count().min(want)
                }
            };
            let mut node_gone = false;
            if hits > 0 {
                if node.is_plain() {
                    self.remove_node(ni);
                    node_gone = true;
                } else if let Some((lp, count)) = self.node_mut(ni).and_then(Node::packed_mut) {
                    let mut positions: Vec<usize> = Vec::new();
                    let mut pos = lp.first();
                    while let Some(p) = pos {
                        if lp.get(p).eq_bytes(value) {
                            positions.push(p);
                        }
                        pos = lp.next(p);
                    }
                    // Highest position first, so that the others stay valid.
                    let chosen: Vec<usize> = if from_tail {
                        positions.iter().rev().take(hits).copied().collect()
                    } else {
                        positions.iter().take(hits).rev().copied().collect()
                    };
                    for p in chosen {
                        lp.delete(p);
                    }
                    *count -= hits;
                    let emptied = *count == 0;
                    self.count -= hits;
                    if emptied {
                        self.nodes.remove(ni);
                        node_gone = true;
                    }
                }
                removed += hits;
            }
            if limit != 0 && removed >= limit {
                break;
            }
            i = if from_tail {
                ni.checked_sub(1)
            } else if node_gone {
                Some(ni)
            } else {
                Some(ni + 1)
            };
        }
        if removed > 0 {
            let len = self.nodes.len();
            self.settle(0..len);
        }
        removed
    }

    /// Keeps the end nodes uncompressed and compresses inner nodes that changed (in
    /// `touched`) or crossed into the compressed region (near its edges).
    fn settle(&mut self, touched: Range<usize>) {
        let depth = self.compress;
        if depth == 0 {
            return;
        }
        let len = self.nodes.len();
        let edge = depth.min(len);
        for i in (0..edge).chain(len - edge..len) {
            if let Some(node) = self.nodes.get_mut(i) {
                node.expand();
            }
        }
        if len <= 2 * depth {
            return;
        }
        let inner = depth..len - depth;
        let windows = [
            touched,
            depth..depth + EDGE_WINDOW,
            (len - depth).saturating_sub(EDGE_WINDOW)..len - depth,
        ];
        for window in windows {
            for i in window.start.max(inner.start)..window.end.min(inner.end) {
                if let Some(node) = self.nodes.get_mut(i) {
                    node.compress();
                }
            }
        }
    }

    /// Checks the structure (tests): counts add up, no node is empty or over its limits,
    /// end nodes are uncompressed and inner nodes compressed unless that did not pay.
    #[cfg(test)]
    pub(crate) fn check(&self) {
        let mut total = 0;
        let len = self.nodes.len();
        for (i, node) in self.nodes.iter().enumerate() {
            assert!(node.count > 0, "empty node {i}");
            total += node.count;
            match &node.data {
                Data::Packed(lp) => assert_eq!(lp.len(), node.count, "node {i} count"),
                Data::Plain(_) => assert_eq!(node.count, 1),
                Data::Lzf { .. } => {}
            }
            let inner = self.compress > 0
                && len > 2 * self.compress
                && i >= self.compress
                && i < len - self.compress;
            if inner {
                assert!(
                    node.is_compressed() || node.incompressible,
                    "inner node {i} of {len} left uncompressed"
                );
            } else {
                assert!(!node.is_compressed(), "edge node {i} of {len} compressed");
            }
        }
        assert_eq!(total, self.count);
    }
}

/// The position of entry `offset` in a listpack of `count` entries, seeking from the
/// nearer end.
fn seek(lp: &Listpack, offset: usize, count: usize) -> Option<usize> {
    if offset < count / 2 {
        lp.seek(i64::try_from(offset).ok()?)
    } else {
        let from_end = i64::try_from(count - offset).ok()?;
        lp.seek(-from_end)
    }
}
