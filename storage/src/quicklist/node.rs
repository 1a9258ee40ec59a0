//! One quicklist node: a listpack of several elements, or one big element on its own
//! ("plain"), either of them possibly LZF-compressed.
//!
//! The node owns its bytes, its element count and the compression of its bytes with
//! Redis's rules (nothing under 48 bytes, and only when LZF saves at least 8 bytes). It
//! deliberately knows nothing of its neighbours or of which nodes should be compressed:
//! the quicklist decides that from the node's position.

use crate::listpack::Listpack;

/// Nodes smaller than this are never compressed (Redis's MIN_COMPRESS_BYTES).
const MIN_COMPRESS_BYTES: usize = 48;
/// Compression is kept only when it saves more than this (Redis's MIN_COMPRESS_IMPROVE).
const MIN_COMPRESS_IMPROVE: usize = 8;

/// A node's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Data {
    /// Several elements in a listpack.
    Packed(Listpack),
    /// One element too big for a listpack, as its bytes.
    Plain(Box<[u8]>),
    /// Either of the above, LZF-compressed; `raw_len` is the uncompressed size.
    Lzf {
        bytes: Box<[u8]>,
        raw_len: usize,
        plain: bool,
    },
}

/// A node's content, readable without changing the node.
pub(super) enum View<'a> {
    Packed(&'a Listpack),
    Plain(&'a [u8]),
}

/// Where a compressed node's content goes while it is read.
#[derive(Default)]
pub(super) struct Scratch {
    lp: Option<Listpack>,
    plain: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Node {
    pub(super) data: Data,
    /// Elements in the node (1 for a plain node).
    pub(super) count: usize,
    /// The node is uncompressed although it is inside the compressed region, because LZF
    /// could not shrink it; it is not tried again until it changes.
    pub(super) incompressible: bool,
}

impl Node {
    pub(super) fn packed(lp: Listpack) -> Node {
        let count = lp.len();
        Node {
            data: Data::Packed(lp),
            count,
            incompressible: false,
        }
    }

    pub(super) fn plain(bytes: &[u8]) -> Node {
        Node {
            data: Data::Plain(bytes.into()),
            count: 1,
            incompressible: false,
        }
    }

    /// The uncompressed size in bytes (Redis's `node->sz`): the listpack's total bytes,
    /// or the plain element's length.
    pub(super) fn sz(&self) -> usize {
        match &self.data {
            Data::Packed(lp) => lp.total_bytes(),
            Data::Plain(bytes) => bytes.len(),
            Data::Lzf { raw_len, .. } => *raw_len,
        }
    }

    pub(super) fn is_plain(&self) -> bool {
        matches!(self.data, Data::Plain(_) | Data::Lzf { plain: true, .. })
    }

    pub(super) fn is_compressed(&self) -> bool {
        matches!(self.data, Data::Lzf { .. })
    }

    /// Heap bytes the node's data holds.
    pub(super) fn heap_size(&self) -> usize {
        match &self.data {
            Data::Packed(lp) => lp.allocated(),
            Data::Plain(bytes) | Data::Lzf { bytes, .. } => bytes.len(),
        }
    }

    /// Makes the node uncompressed, ready to be changed; the caller will change it, so it
    /// becomes a candidate for compression again.
    pub(super) fn decompress(&mut self) {
        self.incompressible = false;
        if let Data::Lzf {
            bytes,
            raw_len,
            plain,
        } = &self.data
        {
            let raw = inflate(bytes, *raw_len);
            self.data = if *plain {
                Data::Plain(raw.into_boxed_slice())
            } else {
                Data::Packed(Listpack::from_trusted_bytes(raw))
            };
        }
    }

    /// Decompresses without marking the node changed (it moved out of the compressed
    /// region, its content is the same).
    pub(super) fn expand(&mut self) {
        let incompressible = self.incompressible;
        self.decompress();
        self.incompressible = incompressible;
    }

    /// Compresses the node if that pays, as Redis's `__quicklistCompressNode`; otherwise
    /// remembers that it does not, until the node changes.
    pub(super) fn compress(&mut self) {
        if self.incompressible {
            return;
        }
        let raw: &[u8] = match &self.data {
            Data::Packed(lp) => lp.as_bytes(),
            Data::Plain(bytes) => bytes,
            Data::Lzf { .. } => return,
        };
        let raw_len = raw.len();
        if raw_len < MIN_COMPRESS_BYTES {
            self.incompressible = true;
            return;
        }
        // As Redis: the output may not be larger than the input, and must save enough.
        let mut out = Vec::new();
        let budget = raw_len.saturating_sub(MIN_COMPRESS_IMPROVE + 1);
        match crate::lzf::compress_into(raw, &mut out, budget) {
            true => {
                self.data = Data::Lzf {
                    bytes: out.into_boxed_slice(),
                    raw_len,
                    plain: self.is_plain(),
                };
            }
            false => self.incompressible = true,
        }
    }

    /// The node's content for reading; a compressed node is inflated into `scratch`.
    pub(super) fn view<'a>(&'a self, scratch: &'a mut Scratch) -> View<'a> {
        match &self.data {
            Data::Packed(lp) => View::Packed(lp),
            Data::Plain(bytes) => View::Plain(bytes),
            Data::Lzf {
                bytes,
                raw_len,
                plain: true,
            } => {
                scratch.plain = inflate(bytes, *raw_len);
                View::Plain(&scratch.plain)
            }
            Data::Lzf {
                bytes,
                raw_len,
                plain: false,
            } => View::Packed(
                scratch
                    .lp
                    .insert(Listpack::from_trusted_bytes(inflate(bytes, *raw_len))),
            ),
        }
    }

    /// The listpack of an uncompressed packed node, and its count.
    pub(super) fn packed_mut(&mut self) -> Option<(&mut Listpack, &mut usize)> {
        match &mut self.data {
            Data::Packed(lp) => Some((lp, &mut self.count)),
            _ => None,
        }
    }
}

/// Inflates bytes this process compressed. They cannot be corrupt short of a bug; should
/// that happen, an empty listpack stands in rather than a crash.
fn inflate(bytes: &[u8], raw_len: usize) -> Vec<u8> {
    match lzf_rust::decompress_into_vec(bytes, raw_len) {
        Ok(raw) => raw,
        Err(_) => {
            debug_assert!(false, "quicklist node failed to decompress");
            Listpack::new().into_bytes()
        }
    }
}
