//! The checker's view of a file: buffered reads that keep the offset Redis's `ftello`
//! would report, with `fgets`-sized lines and `fread`-sized runs that hold on to only the
//! bytes the checker looks at.

use std::fs::File;
use std::io::{BufRead, BufReader};

use scarlet_storage::aof::reader::read_line_limited;

/// A buffered file with the offset Redis's `ftello` would report.
pub(super) struct Scanner {
    pub(super) input: BufReader<File>,
    pub(super) pos: u64,
}

/// What [`Scanner::read_bytes`] saw.
pub(super) struct BulkRead {
    /// How many bytes there were (fewer than asked when the file ended).
    pub(super) count: u64,
    /// The first bytes, as many as were asked to be kept.
    pub(super) prefix: Vec<u8>,
    /// The last two bytes: the CRLF the checker looks for.
    pub(super) last_two: [u8; 2],
}

impl Scanner {
    pub(super) fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    pub(super) fn read_line(&mut self, limit: usize, out: &mut Vec<u8>) -> std::io::Result<usize> {
        let read = read_line_limited(&mut self.input, limit, out)?;
        self.pos += read as u64;
        Ok(read)
    }

    /// Reads up to `len` bytes, keeping the first `keep` and the last two.
    pub(super) fn read_bytes(&mut self, len: u64, keep: usize) -> std::io::Result<BulkRead> {
        let mut read = BulkRead {
            count: 0,
            prefix: Vec::new(),
            last_two: [0; 2],
        };
        while read.count < len {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                break;
            }
            let want = usize::try_from(len - read.count).unwrap_or(usize::MAX);
            let chunk = available
                .get(..available.len().min(want))
                .unwrap_or_default();
            let room = keep.saturating_sub(read.prefix.len());
            read.prefix
                .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            match chunk {
                [.., a, b] => read.last_two = [*a, *b],
                [b] => read.last_two = [read.last_two[1], *b],
                [] => {}
            }
            let taken = chunk.len();
            self.input.consume(taken);
            read.count += taken as u64;
            self.pos += taken as u64;
        }
        Ok(read)
    }
}
