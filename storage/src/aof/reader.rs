//! Streaming the commands of an AOF command file, as Redis 7.0's loader reads them.
//!
//! [`AofReader`] yields each command as owned arguments, and each `#` line (Redis writes
//! `#TS:<unix seconds>` ones when `aof-timestamp-enabled` is on) as an annotation, with
//! the byte offset reached. The grammar is the loader's (`loadSingleAppendOnlyFile`), which
//! is laxer than `redis-check-aof`'s: lines are read 1023 bytes at most, counts are read
//! with C's `atoi`/`strtol`, and the two bytes after an argument are skipped, not checked.
//! An input that ends inside a command is [`AofReadError::UnexpectedEof`] (carrying the
//! offset to truncate to, for `aof-load-truncated`); anything else malformed is
//! [`AofReadError::BadFormat`].
//!
//! The reader does not look commands up, run them, or undo an unfinished MULTI; nor does it
//! read an RDB preamble: [`is_rdb_preamble`] tells the caller to hand the start of the
//! file to the RDB reader, then to continue here at the offset the RDB ended.

use std::io::{BufRead, ErrorKind};

/// Redis reads AOF lines into a 1024-byte buffer, so at most 1023 bytes per read.
const LINE_LIMIT: usize = 1023;
/// Arguments are read this much at a time, so a corrupt length allocates only what the
/// file really holds.
const CHUNK: usize = 64 * 1024;
/// At most this many argument slots are reserved up front, whatever the count says.
const MAX_RESERVED_ARGS: usize = 1024;

/// What the reader found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AofItem {
    /// A command's arguments, the name first.
    Command(Vec<Vec<u8>>),
    /// A line starting with `#`, as read (with its line ending).
    Annotation(Vec<u8>),
}

impl AofItem {
    /// The time of a `#TS:<unix seconds>` annotation.
    pub fn timestamp(&self) -> Option<i64> {
        let AofItem::Annotation(line) = self else {
            return None;
        };
        let digits = line.strip_prefix(b"#TS:")?;
        let end = digits
            .iter()
            .position(|b| matches!(b, b'\r' | b'\n'))
            .unwrap_or(digits.len());
        std::str::from_utf8(digits.get(..end)?).ok()?.parse().ok()
    }
}

/// Why reading stopped.
#[derive(Debug)]
pub enum AofReadError {
    /// The input ended inside a command.
    UnexpectedEof {
        /// Where the last complete command ended: 0 when none did (Redis then truncates
        /// to 0, preamble included), else an offset counted from the file's start.
        valid_up_to: u64,
    },
    /// A line that is not what the grammar expects.
    BadFormat,
    /// The reader failed.
    Io(std::io::Error),
}

impl AofReadError {
    /// The line Redis logs for this error while loading `filename`.
    pub fn log_message(&self, filename: &str) -> String {
        match self {
            AofReadError::UnexpectedEof { .. } => format!(
                "Unexpected end of file reading the append only file {filename}. You can: \
                 1) Make a backup of your AOF file, then use ./redis-check-aof --fix \
                 <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' \
                 configuration option to yes and restart the server."
            ),
            AofReadError::BadFormat => format!(
                "Bad file format reading the append only file {filename}: make a backup of \
                 your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
            ),
            AofReadError::Io(e) => {
                format!("Unrecoverable error reading the append only file {filename}: {e}")
            }
        }
    }
}

impl std::fmt::Display for AofReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AofReadError::UnexpectedEof { valid_up_to } => {
                write!(
                    f,
                    "unexpected end of file (valid up to offset {valid_up_to})"
                )
            }
            AofReadError::BadFormat => f.write_str("bad file format"),
            AofReadError::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

impl std::error::Error for AofReadError {}

/// Whether a file starting with `head` is (or starts with) an RDB file: its first five
/// bytes are `REDIS`, the test Redis's loader makes.
pub fn is_rdb_preamble(head: &[u8]) -> bool {
    head.starts_with(b"REDIS")
}

/// Reads an AOF command file item by item.
pub struct AofReader<R> {
    input: R,
    /// Bytes consumed from the start of the file.
    offset: u64,
    /// Where the last complete command ended.
    valid_up_to: u64,
    line: Vec<u8>,
}

impl<R: BufRead> AofReader<R> {
    /// A reader over `input`, which is positioned `start` bytes into the file (0, or
    /// where an RDB preamble ended).
    pub fn new(input: R, start: u64) -> AofReader<R> {
        AofReader {
            input,
            offset: start,
            valid_up_to: 0,
            line: Vec::new(),
        }
    }

    /// The offset after the last item read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Where the last complete command ended (0 before the first).
    pub fn valid_up_to(&self) -> u64 {
        self.valid_up_to
    }

    /// The next item, or `None` at the end of the input between items.
    pub fn next_item(&mut self) -> Result<Option<AofItem>, AofReadError> {
        if self.read_line()? == 0 {
            return Ok(None);
        }
        match self.line.first() {
            Some(b'#') => return Ok(Some(AofItem::Annotation(self.line.clone()))),
            Some(b'*') => {}
            _ => return Err(AofReadError::BadFormat),
        }
        let count = self.line.get(1..).unwrap_or_default();
        match count.first() {
            // "*" alone: the file ended right after it.
            None => return Err(self.eof()),
            // A NUL byte, which Redis's C string test cannot tell from the end.
            Some(0) => return Err(AofReadError::BadFormat),
            Some(_) => {}
        }
        // Redis's `atoi` is glibc's `(int) strtol(...)`: the low 32 bits of the clamped
        // value, so a count past 2^31 may come out small or negative.
        let argc = c_strtol(count) as i32;
        let Ok(argc) = usize::try_from(argc) else {
            return Err(AofReadError::BadFormat);
        };
        if argc == 0 {
            return Err(AofReadError::BadFormat);
        }
        let mut argv = Vec::with_capacity(argc.min(MAX_RESERVED_ARGS));
        for _ in 0..argc {
            argv.push(self.read_argument()?);
        }
        self.valid_up_to = self.offset;
        Ok(Some(AofItem::Command(argv)))
    }

    fn read_argument(&mut self) -> Result<Vec<u8>, AofReadError> {
        if self.read_line()? == 0 {
            return Err(self.eof());
        }
        if self.line.first() != Some(&b'$') {
            return Err(AofReadError::BadFormat);
        }
        // Redis reads the length with `strtol` into an unsigned long: a negative one asks
        // for an impossible allocation and aborts Redis; here it is a format error.
        let len = c_strtol(self.line.get(1..).unwrap_or_default());
        let Ok(len) = u64::try_from(len) else {
            return Err(AofReadError::BadFormat);
        };
        let mut arg = Vec::new();
        if !self.read_exact_chunked(len, Some(&mut arg))? {
            return Err(self.eof());
        }
        // The line ending after the argument is skipped without being looked at.
        if !self.read_exact_chunked(2, None)? {
            return Err(self.eof());
        }
        Ok(arg)
    }

    fn eof(&self) -> AofReadError {
        AofReadError::UnexpectedEof {
            valid_up_to: self.valid_up_to,
        }
    }

    /// Reads one line as C's `fgets` with Redis's buffer would.
    fn read_line(&mut self) -> Result<usize, AofReadError> {
        self.line.clear();
        let read = read_line_limited(&mut self.input, LINE_LIMIT, &mut self.line)
            .map_err(AofReadError::Io)?;
        self.offset = self.offset.saturating_add(read as u64);
        Ok(read)
    }

    /// Reads `len` bytes into `out` (or skips them), a chunk at a time; false when the
    /// input ends first.
    fn read_exact_chunked(
        &mut self,
        len: u64,
        mut out: Option<&mut Vec<u8>>,
    ) -> Result<bool, AofReadError> {
        let mut left = len;
        while left > 0 {
            let available = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(AofReadError::Io(e)),
            };
            if available.is_empty() {
                return Ok(false);
            }
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(CHUNK);
            let take = available.len().min(want);
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(available.get(..take).unwrap_or_default());
            }
            self.input.consume(take);
            left -= take as u64;
            self.offset = self.offset.saturating_add(take as u64);
        }
        Ok(true)
    }
}

impl<R: BufRead> Iterator for AofReader<R> {
    type Item = Result<AofItem, AofReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

/// Reads like C's `fgets` with a buffer of `limit + 1` bytes: up to and including a
/// newline, at most `limit` bytes. Returns how many bytes it appended to `out` (0 at the
/// end of the input).
pub fn read_line_limited(
    input: &mut impl BufRead,
    limit: usize,
    out: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut read = 0;
    while read < limit {
        let available = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let room = available.len().min(limit - read);
        let window = available.get(..room).unwrap_or_default();
        let (take, done) = match window.iter().position(|&b| b == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (room, false),
        };
        out.extend_from_slice(window.get(..take).unwrap_or_default());
        input.consume(take);
        read += take;
        if done {
            break;
        }
    }
    Ok(read)
}

/// C's `strtol(text, NULL, 10)` on a 64-bit system: leading blanks, a sign, digits;
/// clamped to the `i64` range; 0 without digits.
pub(crate) fn c_strtol(text: &[u8]) -> i64 {
    super::manifest::c_atoll(text)
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
