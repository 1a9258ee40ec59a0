//! A bounds-checked cursor over RDB bytes, and the codec's error type.
//!
//! Every read checks the remaining input, so corrupt or truncated data is an error and
//! never a panic; lengths read from the file are checked against what is left before
//! anything is allocated for them.

use std::fmt;

/// Why RDB bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdbError {
    /// The input ended in the middle of something.
    Truncated,
    /// The input is not well formed; the text says what was wrong.
    Corrupt(&'static str),
    /// Well formed, but holds something Scarlet cannot load (modules, streams, a newer
    /// version); the text names it.
    Unsupported(String),
    /// The checksum in the trailer does not match the content.
    BadChecksum,
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdbError::Truncated => f.write_str("unexpected end of RDB data"),
            RdbError::Corrupt(what) => write!(f, "corrupt RDB data: {what}"),
            RdbError::Unsupported(what) => write!(f, "unsupported RDB content: {what}"),
            RdbError::BadChecksum => f.write_str("wrong RDB checksum"),
        }
    }
}

impl std::error::Error for RdbError {}

/// A read position in a byte slice.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    rest: &'a [u8],
    consumed: usize,
}

impl<'a> Input<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Input {
            rest: bytes,
            consumed: 0,
        }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// How many bytes were read so far.
    pub fn position(&self) -> usize {
        self.consumed
    }

    /// The next `n` bytes, or `Truncated` when fewer are left.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        if n > self.rest.len() {
            return Err(RdbError::Truncated);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        self.consumed += n;
        Ok(head)
    }

    /// The next byte.
    pub fn u8(&mut self) -> Result<u8, RdbError> {
        let (&b, tail) = self.rest.split_first().ok_or(RdbError::Truncated)?;
        self.rest = tail;
        self.consumed += 1;
        Ok(b)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let bytes = self.take(N)?;
        bytes.try_into().map_err(|_| RdbError::Truncated)
    }

    /// A count read from the file, checked to fit in what is left when each counted item
    /// needs at least `min_item_bytes` bytes, so no allocation exceeds the input's size.
    pub fn check_count(&self, count: u64, min_item_bytes: usize) -> Result<usize, RdbError> {
        let count = usize::try_from(count).map_err(|_| RdbError::Truncated)?;
        let need = count
            .checked_mul(min_item_bytes)
            .ok_or(RdbError::Truncated)?;
        if need > self.rest.len() {
            return Err(RdbError::Truncated);
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let mut input = Input::new(&[1, 2, 3]);
        assert_eq!(input.u8(), Ok(1));
        assert_eq!(input.take(3), Err(RdbError::Truncated));
        assert_eq!(input.array::<2>(), Ok([2, 3]));
        assert_eq!(input.u8(), Err(RdbError::Truncated));
        assert_eq!(input.position(), 3);
    }

    #[test]
    fn counts_are_capped_by_the_input() {
        let input = Input::new(&[0; 10]);
        assert_eq!(input.check_count(10, 1), Ok(10));
        assert_eq!(input.check_count(6, 2), Err(RdbError::Truncated));
        assert_eq!(input.check_count(u64::MAX, 1), Err(RdbError::Truncated));
        assert_eq!(input.check_count(u64::MAX / 2, 4), Err(RdbError::Truncated));
    }
}
