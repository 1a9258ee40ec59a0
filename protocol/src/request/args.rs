//! A command's arguments: borrowed from the request buffer ([`Args`]) or owned ([`OwnedArgs`]).
//!
//! Both are a byte area plus `(start, end)` spans into it, so a command costs no allocation per
//! argument. This module does not parse anything; the request parser fills the spans.

use std::fmt;

/// A command's arguments, borrowed from the buffer they were parsed in.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    base: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl<'a> Args<'a> {
    /// Arguments made of the byte ranges `spans` of `base`. Out-of-range spans read as empty.
    pub(crate) fn from_spans(base: &'a [u8], spans: &'a [(usize, usize)]) -> Self {
        Args { base, spans }
    }

    /// The bytes held in the input buffer from this command's first byte on (the command
    /// and what arrived after it): what Redis reports as a client's `qbuf` while the command
    /// runs. For owned arguments, the size of the arguments.
    pub fn held_bytes(&self) -> usize {
        self.base.len()
    }

    /// The number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no arguments at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The `i`-th argument, if there is one.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let &(start, end) = self.spans.get(i)?;
        self.base.get(start..end)
    }

    /// The `i`-th argument, or an empty slice when out of range (the server's arity check makes
    /// fixed positions safe; this keeps handlers panic-free without unwraps).
    pub fn at(&self, i: usize) -> &'a [u8] {
        self.get(i).unwrap_or(&[])
    }

    /// The arguments in order.
    pub fn iter(&self) -> ArgsIter<'a> {
        ArgsIter {
            base: self.base,
            spans: self.spans.iter(),
        }
    }

    /// Copies the arguments into an [`OwnedArgs`] (one byte buffer for all of them).
    pub fn to_owned_args(&self) -> OwnedArgs {
        let total: usize = self.iter().map(<[u8]>::len).sum();
        let mut owned = OwnedArgs {
            bytes: Vec::with_capacity(total),
            spans: Vec::with_capacity(self.len()),
        };
        for arg in self.iter() {
            owned.push(arg);
        }
        owned
    }
}

impl fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(Quoted)).finish()
    }
}

/// Shows an argument quoted as Redis quotes bytes in logs.
struct Quoted<'a>(&'a [u8]);

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::splitargs::repr(self.0))
    }
}

impl PartialEq for Args<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Args<'_> {}

impl<'a> IntoIterator for Args<'a> {
    type Item = &'a [u8];
    type IntoIter = ArgsIter<'a>;

    fn into_iter(self) -> ArgsIter<'a> {
        self.iter()
    }
}

/// Iterator over the arguments of an [`Args`].
#[derive(Clone)]
pub struct ArgsIter<'a> {
    base: &'a [u8],
    spans: std::slice::Iter<'a, (usize, usize)>,
}

impl<'a> Iterator for ArgsIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let &(start, end) = self.spans.next()?;
        Some(self.base.get(start..end).unwrap_or(&[]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for ArgsIter<'_> {}

impl<'a> DoubleEndedIterator for ArgsIter<'a> {
    fn next_back(&mut self) -> Option<&'a [u8]> {
        let &(start, end) = self.spans.next_back()?;
        Some(self.base.get(start..end).unwrap_or(&[]))
    }
}

/// A command's arguments owned in one byte buffer, for keeping a command past the request
/// buffer's lifetime (MULTI queues, replication, blocked clients).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OwnedArgs {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl OwnedArgs {
    /// No arguments.
    pub fn new() -> Self {
        OwnedArgs::default()
    }

    /// Appends one argument.
    pub fn push(&mut self, arg: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(arg);
        self.spans.push((start, self.bytes.len()));
    }

    /// Removes every argument, keeping the buffers for reuse.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
    }

    /// The arguments, borrowed.
    pub fn args(&self) -> Args<'_> {
        Args {
            base: &self.bytes,
            spans: &self.spans,
        }
    }

    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

impl fmt::Debug for OwnedArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.args().fmt(f)
    }
}

impl<A: AsRef<[u8]>> FromIterator<A> for OwnedArgs {
    fn from_iter<I: IntoIterator<Item = A>>(iter: I) -> Self {
        let mut owned = OwnedArgs::new();
        for arg in iter {
            owned.push(arg.as_ref());
        }
        owned
    }
}

impl<'a> From<Args<'a>> for OwnedArgs {
    fn from(args: Args<'a>) -> Self {
        args.to_owned_args()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_args_round_trip() {
        let owned: OwnedArgs = ["SET", "key", ""].into_iter().collect();
        assert_eq!(owned.len(), 3);
        assert!(!owned.is_empty());
        let args = owned.args();
        assert_eq!(args.get(0), Some(&b"SET"[..]));
        assert_eq!(args.at(2), b"");
        assert_eq!(args.get(3), None);
        assert_eq!(args.at(99), b"");
        assert_eq!(args.iter().len(), 3);
        assert_eq!(args.iter().next_back(), Some(&b""[..]));
        assert_eq!(args.to_owned_args(), owned);
        assert_eq!(format!("{args:?}"), r#"["SET", "key", ""]"#);
    }

    #[test]
    fn empty_owned_args() {
        let owned = OwnedArgs::new();
        assert!(owned.is_empty());
        assert!(owned.args().is_empty());
        assert_eq!(owned.args().iter().next(), None);
    }
}
