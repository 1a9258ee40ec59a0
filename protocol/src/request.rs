//! The server's incremental request parser: bytes from a client in, commands out.
//!
//! It owns the client's input buffer and reads both request forms exactly as Redis 7.0 does:
//! multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline (`GET k\r\n`, split with the
//! `sdssplitargs` rules), with Redis's limits and error texts. It does no I/O (the caller reads
//! into [`RequestReader::spare`]), knows nothing of what commands mean, and does not reply: a
//! [`ProtocolError`] carries the text the server sends before closing the connection.

mod args;
mod error;

pub use args::{Args, ArgsIter, OwnedArgs};
pub use error::{ProtocolError, ProtocolErrorKind};

use crate::number::parse_i64;
use crate::splitargs::split_in_place;

/// The longest line Redis waits for without finding its end (`PROTO_INLINE_MAX_SIZE`).
const INLINE_MAX: usize = 64 * 1024;
/// Bulk arguments at least this long are read in one go into a buffer sized for them
/// (`PROTO_MBULK_BIG_ARG`).
const BIG_ARG: usize = 32 * 1024;
/// The room offered for each read (`PROTO_IOBUF_LEN`).
const READ_CHUNK: usize = 16 * 1024;
/// Room given at once for a pending big argument before any of it arrived; beyond this a
/// declared length is trusted only as far as doubling what the buffer already holds, so a
/// client cannot make us allocate 512 MiB by sending one header.
const TRUSTED_BULK_ROOM: usize = 1024 * 1024;
/// Free space worth giving back when the buffer is idle.
const SHRINK_SLACK: usize = 4 * 1024;
/// Multibulk count and bulk length allowed before a client has authenticated.
const UNAUTHENTICATED_MAX_COUNT: i64 = 10;
const UNAUTHENTICATED_MAX_BULK: i64 = 16 * 1024;
/// Redis's default `proto-max-bulk-len`.
const DEFAULT_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;
/// Span slots reserved up front for a multibulk command, whatever count it announces.
const SPAN_RESERVE_CAP: usize = 1024;

/// What the parser allows a client; the server builds one per read from its configuration and
/// the client's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `proto-max-bulk-len`: the longest bulk argument (512 MiB by default).
    pub max_bulk_len: u64,
    /// The client must still AUTH, so multibulk counts above 10 and bulk lengths above 16384
    /// are refused.
    pub unauthenticated: bool,
    /// The client is our master: bulk lengths are not capped by `max_bulk_len`, and a non-empty
    /// inline command means the replication stream is corrupt.
    pub from_master: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            unauthenticated: false,
            from_master: false,
        }
    }
}

/// Where the parser is within the current command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between commands: the next byte decides the request form.
    Start,
    /// Inside an inline command, waiting for its line end.
    Inline,
    /// Inside a multibulk command, waiting for its `*<count>` line.
    Count,
    /// Reading a multibulk command's arguments: how many are left, and the length of the current
    /// one once its `$<len>` line has been read.
    Bulks {
        remaining: u64,
        bulk_len: Option<usize>,
    },
}

/// What one parsing step achieved.
enum Step {
    /// More bytes are needed; the state remembers how far parsing got.
    NeedMore,
    /// A command that Redis skips (`*0`, `*-1`, a blank line) was consumed.
    Skipped,
    /// The multibulk count was read; the arguments follow.
    CountRead,
    /// A whole command is in `spans`.
    Command,
}

/// Result of looking for the end of a `*` or `$` line.
enum LineEnd {
    /// The `\r` at this offset, with at least one byte after it.
    Found(usize),
    /// No `\r` before the end of the data or a NUL byte.
    Missing,
    /// The `\r` is the last byte received: its line is not complete yet.
    Partial,
}

/// The incremental request parser of one client connection; see the module documentation.
///
/// The buffer holds `[consumed | current command | unparsed | spare]`. Commands are returned as
/// spans into it; consumed bytes are dropped by moving the rest to the front before a read,
/// which moves each byte at most once since only a partial command is ever left behind.
pub struct RequestReader {
    /// Always fully initialized: its length is the allocated capacity offered to reads.
    buf: Vec<u8>,
    /// End of the received bytes.
    filled: usize,
    /// Where parsing continues.
    pos: usize,
    /// Start of the current command; `spans` are relative to it.
    command_start: usize,
    /// The current command's arguments.
    spans: Vec<(usize, usize)>,
    state: State,
    /// Bytes in `pos..scanned_to` were searched for the current line end without success, so a
    /// line arriving in many small reads is searched once.
    scanned_to: usize,
    /// A command was returned and is consumed once the caller comes back.
    returned: bool,
    /// A protocol error is final: the connection is closed after replying it.
    error: Option<ProtocolError>,
}

impl Default for RequestReader {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RequestReader {
    // Sizes and positions only: the buffer may hold a gigabyte of a client's data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestReader")
            .field("capacity", &self.buf.len())
            .field("filled", &self.filled)
            .field("pos", &self.pos)
            .field("command_start", &self.command_start)
            .field("args", &self.spans.len())
            .field("state", &self.state)
            .field("error", &self.error)
            .finish()
    }
}

impl RequestReader {
    /// An empty reader. The buffer is allocated on the first [`spare`](Self::spare).
    pub fn new() -> Self {
        RequestReader {
            buf: Vec::new(),
            filled: 0,
            pos: 0,
            command_start: 0,
            spans: Vec::new(),
            state: State::Start,
            scanned_to: 0,
            returned: false,
            error: None,
        }
    }

    /// Writable space at the end of the buffer (at least 16 KiB; more when a known big bulk
    /// argument is pending, like Redis reading a big argument in one go). Memory stays
    /// initialized so the caller can pass it to a socket read without re-zeroing.
    pub fn spare(&mut self) -> &mut [u8] {
        self.release_returned();
        self.compact();
        self.reserve_for_read();
        self.buf.get_mut(self.filled..).unwrap_or(&mut [])
    }

    /// The caller wrote `n` bytes into [`spare`](Self::spare).
    pub fn advance(&mut self, n: usize) {
        // Never trust `n` past the buffer: bytes beyond it were not written anywhere.
        self.filled = self.filled.saturating_add(n).min(self.buf.len());
    }

    /// Copies `bytes` in, for callers that do not read into [`spare`](Self::spare) directly.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let spare = self.spare();
            if spare.is_empty() {
                // Cannot happen (a read is always offered room), but never spin on it.
                return;
            }
            let n = spare.len().min(bytes.len());
            let (now, later) = bytes.split_at(n);
            if let Some(target) = spare.get_mut(..n) {
                target.copy_from_slice(now);
            }
            self.advance(n);
            bytes = later;
        }
    }

    /// Parses the next complete command. `Ok(None)`: more bytes are needed. Empty commands
    /// (`*0\r\n`, `*-1\r\n`, blank inline lines) are skipped as Redis skips them.
    ///
    /// Commands before a protocol error are returned first; once the error is returned, every
    /// later call returns it again.
    pub fn next_command(&mut self, limits: &Limits) -> Result<Option<Args<'_>>, ProtocolError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.release_returned();
        loop {
            let step = match self.state {
                State::Start => {
                    let Some(&first) = self.buf.get(self.pos..self.filled).and_then(<[u8]>::first)
                    else {
                        return Ok(None);
                    };
                    self.state = if first == b'*' {
                        State::Count
                    } else {
                        State::Inline
                    };
                    continue;
                }
                State::Inline => self.parse_inline(limits),
                State::Count => self.parse_count(limits),
                State::Bulks {
                    remaining,
                    bulk_len,
                } => self.parse_bulks(limits, remaining, bulk_len),
            };
            match step {
                Ok(Step::NeedMore) => return Ok(None),
                Ok(Step::CountRead) => {}
                Ok(Step::Skipped) => {
                    self.state = State::Start;
                    self.spans.clear();
                    self.command_start = self.pos;
                }
                Ok(Step::Command) => {
                    self.state = State::Start;
                    self.returned = true;
                    break;
                }
                Err(kind) => {
                    let error = ProtocolError::new(kind);
                    self.error = Some(error.clone());
                    return Err(error);
                }
            }
        }
        let base = self.buf.get(self.command_start..self.filled).unwrap_or(&[]);
        Ok(Some(Args::from_spans(base, &self.spans)))
    }

    /// Bytes received but not yet returned as commands (CLIENT LIST `qbuf`). While a big
    /// bulk argument (32 KiB or more) is arriving, only its own bytes count: Redis then
    /// moves what came before it out of the query buffer (into the command's arguments)
    /// so that the argument can be read in place.
    pub fn buffered(&self) -> usize {
        if let State::Bulks {
            bulk_len: Some(len),
            ..
        } = self.state
            && len >= BIG_ARG
            && !self.returned
        {
            return self.filled.saturating_sub(self.pos);
        }
        let start = if self.returned {
            self.pos
        } else {
            self.command_start
        };
        self.filled.saturating_sub(start)
    }

    /// Allocated capacity of the buffer (for `qbuf-free` and memory accounting).
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Gives back memory when the buffer is idle and oversized (Redis's query buffer resize):
    /// all of it when nothing is buffered, else the free space beyond what is held.
    pub fn shrink_if_idle(&mut self) {
        self.release_returned();
        self.compact();
        // The spans of a huge command are not kept around for the next, usually small, one.
        if self.state == State::Start && self.spans.capacity() > SPAN_RESERVE_CAP {
            self.spans = Vec::new();
        }
        if self.buf.len() - self.filled <= SHRINK_SLACK {
            return;
        }
        if self.filled == 0 {
            self.buf = Vec::new();
        } else {
            self.buf.truncate(self.filled);
            self.buf.shrink_to_fit();
        }
    }

    /// Gives back the buffer's memory beyond `keep` bytes, never below what it holds: Redis
    /// trims a query buffer that grew for one big command back to its recent peak.
    pub fn shrink_to(&mut self, keep: usize) {
        self.release_returned();
        self.compact();
        // As in shrink_if_idle: a busy connection is never idle, and the spans of one huge
        // command would otherwise stay for good.
        if self.state == State::Start && self.spans.capacity() > SPAN_RESERVE_CAP {
            self.spans = Vec::new();
        }
        let target = keep.max(self.filled);
        if self.buf.len() > target {
            self.buf.truncate(target);
            self.buf.shrink_to_fit();
        }
    }

    /// Drops the command returned last time: its bytes and spans are no longer borrowed.
    fn release_returned(&mut self) {
        if self.returned {
            self.returned = false;
            self.spans.clear();
            self.command_start = self.pos;
        }
    }

    /// Moves the bytes still needed to the front of the buffer.
    fn compact(&mut self) {
        let start = self.command_start;
        if start == 0 {
            return;
        }
        if start < self.filled {
            self.buf.copy_within(start..self.filled, 0);
        }
        self.filled = self.filled.saturating_sub(start);
        self.pos = self.pos.saturating_sub(start);
        self.scanned_to = self.scanned_to.saturating_sub(start);
        self.command_start = 0;
    }

    /// Grows the buffer so a read has room, following the bytes actually received: a declared
    /// bulk length is trusted up to [`TRUSTED_BULK_ROOM`], and past that the buffer only grows
    /// to twice what it holds, so memory follows the bytes that really arrived.
    fn reserve_for_read(&mut self) {
        let held = self.filled;
        let big_bulk_rest = self.pending_big_bulk_rest();
        // A pending big argument gets room up to its end and no further, as Redis sizes the
        // query buffer for it: its size then does not depend on how the bytes were split
        // into reads, and client eviction sees the same memory for the same command.
        let wanted = if big_bulk_rest > 0 {
            big_bulk_rest
        } else {
            READ_CHUNK
        };
        let target = held.saturating_add(wanted);
        let current = self.buf.len();
        if current >= target {
            return;
        }
        let trusted_rest = big_bulk_rest.min(TRUSTED_BULK_ROOM);
        let limit = held
            .saturating_mul(2)
            .max(held.saturating_add(READ_CHUNK.max(trusted_rest)));
        let mut new_len = target.min(limit);
        if big_bulk_rest == 0 && held >= current / 2 {
            // A long command fills the buffer: grow geometrically so copying stays linear.
            new_len = new_len.max(current.saturating_mul(2));
        }
        if new_len <= current {
            // Already larger than the bytes held justify; there is room for a normal read.
            return;
        }
        self.buf.reserve_exact(new_len - current);
        self.buf.resize(new_len, 0);
    }

    /// The bytes still to come of a pending bulk argument of at least [`BIG_ARG`] bytes.
    fn pending_big_bulk_rest(&self) -> usize {
        match self.state {
            State::Bulks {
                bulk_len: Some(len),
                ..
            } if len >= BIG_ARG => {
                let end = self.pos.saturating_add(len).saturating_add(2);
                end.saturating_sub(self.filled)
            }
            _ => 0,
        }
    }

    /// Looks for the `\r` ending a `*` or `$` line at `pos`, as Redis's `strchr` does: a NUL
    /// byte ends the search as the end of the data would.
    fn find_line_end(&mut self) -> LineEnd {
        let from = self.scanned_to.max(self.pos);
        let window = self.buf.get(from..self.filled).unwrap_or(&[]);
        match memchr::memchr2(b'\r', 0, window) {
            Some(offset) if window.get(offset) == Some(&b'\r') => {
                let at = from + offset;
                if at + 1 >= self.filled {
                    self.scanned_to = at;
                    LineEnd::Partial
                } else {
                    LineEnd::Found(at)
                }
            }
            Some(offset) => {
                self.scanned_to = from + offset;
                LineEnd::Missing
            }
            None => {
                self.scanned_to = self.filled;
                LineEnd::Missing
            }
        }
    }

    /// Bytes from `pos` to the end of the received data.
    fn unparsed_len(&self) -> usize {
        self.filled.saturating_sub(self.pos)
    }

    /// Consumes the bytes up to and including the two after `cr` (Redis skips them unchecked).
    fn consume_line(&mut self, cr: usize) {
        self.pos = cr + 2;
        self.scanned_to = self.pos;
    }

    fn parse_inline(&mut self, limits: &Limits) -> Result<Step, ProtocolErrorKind> {
        let from = self.scanned_to.max(self.pos);
        let window = self.buf.get(from..self.filled).unwrap_or(&[]);
        let newline = match memchr::memchr2(b'\n', 0, window) {
            Some(offset) if window.get(offset) == Some(&b'\n') => from + offset,
            // No line end yet, or a NUL before it: Redis's strchr stops at a NUL, so it keeps
            // waiting until the 64 KiB limit.
            found => {
                self.scanned_to = found.map_or(self.filled, |offset| from + offset);
                if self.unparsed_len() > INLINE_MAX {
                    return Err(ProtocolErrorKind::TooBigInline);
                }
                return Ok(Step::NeedMore);
            }
        };
        let mut line_end = newline;
        if newline > self.pos && self.buf.get(newline - 1) == Some(&b'\r') {
            line_end -= 1;
        }
        self.command_start = self.pos;
        self.spans.clear();
        let line = self.buf.get_mut(self.pos..line_end).unwrap_or(&mut []);
        let empty_line = line.is_empty();
        if !split_in_place(line, &mut self.spans, 0) {
            return Err(ProtocolErrorKind::UnbalancedQuotes);
        }
        // A master may send a bare newline as a keepalive, but nothing else inline.
        if !empty_line && limits.from_master {
            return Err(ProtocolErrorKind::MasterInline);
        }
        self.pos = newline + 1;
        self.scanned_to = self.pos;
        Ok(if self.spans.is_empty() {
            Step::Skipped
        } else {
            Step::Command
        })
    }

    fn parse_count(&mut self, limits: &Limits) -> Result<Step, ProtocolErrorKind> {
        let cr = match self.find_line_end() {
            LineEnd::Found(cr) => cr,
            LineEnd::Partial => return Ok(Step::NeedMore),
            LineEnd::Missing if self.unparsed_len() > INLINE_MAX => {
                return Err(ProtocolErrorKind::TooBigMultibulkCount);
            }
            LineEnd::Missing => return Ok(Step::NeedMore),
        };
        // The line starts with the '*' that chose this state.
        let digits = self.buf.get(self.pos + 1..cr).unwrap_or(&[]);
        let count = match parse_i64(digits) {
            Some(count) if count <= i64::from(i32::MAX) => count,
            _ => return Err(ProtocolErrorKind::InvalidMultibulkLength),
        };
        if count > UNAUTHENTICATED_MAX_COUNT && limits.unauthenticated {
            return Err(ProtocolErrorKind::UnauthenticatedMultibulkLength);
        }
        // The command starts at its '*' line, so that its held bytes (Redis's qbuf while it
        // runs) include the header.
        let header_start = self.pos;
        self.consume_line(cr);
        let Ok(remaining @ 1..) = u64::try_from(count) else {
            return Ok(Step::Skipped);
        };
        self.command_start = header_start;
        self.spans.clear();
        self.spans.reserve(
            usize::try_from(remaining)
                .unwrap_or(SPAN_RESERVE_CAP)
                .min(SPAN_RESERVE_CAP),
        );
        self.state = State::Bulks {
            remaining,
            bulk_len: None,
        };
        Ok(Step::CountRead)
    }

    /// Reads as many arguments as the buffer holds. `remaining` and `bulk_len` come from the
    /// state and are written back when more bytes are needed.
    fn parse_bulks(
        &mut self,
        limits: &Limits,
        mut remaining: u64,
        mut bulk_len: Option<usize>,
    ) -> Result<Step, ProtocolErrorKind> {
        loop {
            let len = match bulk_len {
                Some(len) => len,
                None => match self.read_bulk_len(limits)? {
                    Some(len) => len,
                    None => {
                        self.state = State::Bulks {
                            remaining,
                            bulk_len: None,
                        };
                        return Ok(Step::NeedMore);
                    }
                },
            };
            // The two bytes after the argument are skipped without being checked, like Redis.
            let needed = len
                .checked_add(2)
                .ok_or(ProtocolErrorKind::InvalidBulkLength)?;
            if self.unparsed_len() < needed {
                self.state = State::Bulks {
                    remaining,
                    bulk_len: Some(len),
                };
                return Ok(Step::NeedMore);
            }
            let start = self.pos - self.command_start;
            self.spans.push((start, start + len));
            self.pos += needed;
            self.scanned_to = self.pos;
            remaining -= 1;
            bulk_len = None;
            if remaining == 0 {
                return Ok(Step::Command);
            }
        }
    }

    /// Reads a `$<len>` line. `Ok(None)`: the line is not complete yet.
    fn read_bulk_len(&mut self, limits: &Limits) -> Result<Option<usize>, ProtocolErrorKind> {
        let cr = match self.find_line_end() {
            LineEnd::Found(cr) => cr,
            LineEnd::Partial => return Ok(None),
            LineEnd::Missing if self.unparsed_len() > INLINE_MAX => {
                return Err(ProtocolErrorKind::TooBigBulkCount);
            }
            LineEnd::Missing => return Ok(None),
        };
        let first = self.buf.get(self.pos).copied().unwrap_or(0);
        if first != b'$' {
            return Err(ProtocolErrorKind::ExpectedDollar(first));
        }
        let digits = self.buf.get(self.pos + 1..cr).unwrap_or(&[]);
        let len = match parse_i64(digits) {
            Some(len)
                if len >= 0
                    && (limits.from_master || len.unsigned_abs() <= limits.max_bulk_len) =>
            {
                len
            }
            _ => return Err(ProtocolErrorKind::InvalidBulkLength),
        };
        if len > UNAUTHENTICATED_MAX_BULK && limits.unauthenticated {
            return Err(ProtocolErrorKind::UnauthenticatedBulkLength);
        }
        self.consume_line(cr);
        usize::try_from(len)
            .map(Some)
            .map_err(|_| ProtocolErrorKind::InvalidBulkLength)
    }
}

#[cfg(test)]
mod tests;
