//! A byte string in 16 bytes: up to 15 bytes held inline, longer ones behind one pointer.
//!
//! It exists for the hash table's values: with a field as a [`Key`](crate::key::Key)
//! (24 bytes), the chain link (8) and this (16), a table node is exactly 48 bytes, a
//! jemalloc size class, where a second `Key` would take it to 64. Short values, the
//! common case in hashes, then cost no allocation of their own. A long value pays a
//! second small allocation for its fat pointer, which a thin 8-byte pointer needs
//! without unsafe code; at that length the value's own bytes dominate anyway.

use std::fmt;

/// The most bytes held inline.
pub const INLINE_LEN: usize = 15;

/// An inline length. Being an enum of exactly the 16 valid lengths leaves the other
/// byte values free for the compiler to tell the two representations apart, which is
/// what keeps [`SmallBytes`] at 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum InlineLen {
    L0,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
    L7,
    L8,
    L9,
    L10,
    L11,
    L12,
    L13,
    L14,
    L15,
}

const LENS: [InlineLen; INLINE_LEN + 1] = [
    InlineLen::L0,
    InlineLen::L1,
    InlineLen::L2,
    InlineLen::L3,
    InlineLen::L4,
    InlineLen::L5,
    InlineLen::L6,
    InlineLen::L7,
    InlineLen::L8,
    InlineLen::L9,
    InlineLen::L10,
    InlineLen::L11,
    InlineLen::L12,
    InlineLen::L13,
    InlineLen::L14,
    InlineLen::L15,
];

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Inline {
        len: InlineLen,
        bytes: [u8; INLINE_LEN],
    },
    Heap(Box<Box<[u8]>>),
}

/// A byte string of 16 bytes (see the module documentation).
#[derive(Clone, PartialEq, Eq)]
pub struct SmallBytes(Repr);

impl SmallBytes {
    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> SmallBytes {
        let mut inline = [0u8; INLINE_LEN];
        match (inline.get_mut(..bytes.len()), LENS.get(bytes.len())) {
            (Some(prefix), Some(&len)) => {
                prefix.copy_from_slice(bytes);
                SmallBytes(Repr::Inline { len, bytes: inline })
            }
            _ => SmallBytes(Repr::Heap(Box::new(bytes.into()))),
        }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..*len as usize).unwrap_or_default(),
            Repr::Heap(bytes) => bytes,
        }
    }

    /// Bytes held on the heap for this string, beyond the 16 bytes themselves.
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Heap(bytes) => std::mem::size_of::<Box<[u8]>>() + bytes.len(),
        }
    }
}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 16);
    }

    #[test]
    fn round_trips_every_length() {
        for n in 0..64 {
            let data: Vec<u8> = (0..n).map(|i| i as u8 ^ 0x5a).collect();
            let s = SmallBytes::new(&data);
            assert_eq!(s.as_bytes(), &data[..]);
            assert_eq!(s.clone(), s);
            assert_eq!(s.heap_size() == 0, n <= INLINE_LEN);
        }
        assert_ne!(SmallBytes::new(b"a"), SmallBytes::new(b"b"));
    }
}
