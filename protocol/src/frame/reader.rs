//! Incremental parsing of server replies into [`Frame`]s.
//!
//! Parsing is two passes. A resumable scan walks headers and skips bodies, keeping only an
//! offset and a stack of counts of the aggregates still open, so bytes arriving in many reads
//! are each scanned once. When the scan finds a frame complete, one build pass decodes it;
//! nothing is allocated for a frame before all its bytes are here. This module owns those
//! passes and [`FrameReader`]'s buffer; it does no I/O.

use super::{Frame, FrameError, FrameLimits};
use crate::number::parse_i64;

/// Room offered for each read.
const READ_CHUNK: usize = 16 * 1024;
/// Longest line of a header that carries a number rather than text.
const MAX_NUMBER_LINE: usize = 128;
/// Elements reserved up front for an aggregate, whatever count it declares.
const RESERVE_CAP: usize = 1024;

/// The aggregate kinds, as the scan and build passes track them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Array,
    Set,
    Push,
    Map,
    Attribute,
}

/// One element's header, decoded; byte ranges point into the buffer.
enum Item {
    Simple(usize, usize),
    Error(usize, usize),
    Integer(i64),
    Bulk(usize, usize),
    Null,
    NullArray,
    Double(f64),
    Boolean(bool),
    BigNumber(usize, usize),
    Verbatim([u8; 3], usize, usize),
    /// An aggregate and how many elements follow it (twice the pairs for maps).
    Aggregate(Kind, u64),
}

/// Parses the element at `at`. `Ok(None)`: incomplete. `searched` remembers how far the search
/// for the header's line end got, so a long line arriving slowly is searched once; the caller
/// resets it when `at` moves.
fn parse_item(
    buf: &[u8],
    at: usize,
    searched: &mut usize,
    limits: &FrameLimits,
) -> Result<Option<(Item, usize)>, FrameError> {
    let Some(&kind) = buf.get(at) else {
        return Ok(None);
    };
    let text_line = matches!(kind, b'+' | b'-' | b'(');
    let max_line = if text_line {
        usize::try_from(limits.max_bulk_len).unwrap_or(usize::MAX)
    } else {
        MAX_NUMBER_LINE
    };
    let content_start = at + 1;
    let from = (*searched).max(content_start);
    let window = buf.get(from..).unwrap_or(&[]);
    let cr = match memchr::memchr(b'\r', window) {
        Some(offset) => from + offset,
        None => {
            *searched = buf.len();
            if buf.len() - content_start > max_line {
                return Err(line_too_long(kind, buf.len() - content_start));
            }
            return Ok(None);
        }
    };
    if cr - content_start > max_line {
        return Err(line_too_long(kind, cr - content_start));
    }
    match buf.get(cr + 1) {
        None => {
            *searched = cr;
            return Ok(None);
        }
        Some(b'\n') => {}
        Some(_) => return Err(FrameError::MissingCrlf),
    }
    let line = buf.get(content_start..cr).unwrap_or(&[]);
    let next = cr + 2;
    let item = match kind {
        b'+' => Item::Simple(content_start, cr),
        b'-' => Item::Error(content_start, cr),
        b'(' => Item::BigNumber(content_start, cr),
        b':' => Item::Integer(parse_i64(line).ok_or(FrameError::InvalidInteger)?),
        b',' => Item::Double(parse_double(line)?),
        b'#' => match line {
            b"t" => Item::Boolean(true),
            b"f" => Item::Boolean(false),
            _ => return Err(FrameError::InvalidScalar),
        },
        b'_' if line.is_empty() => Item::Null,
        b'_' => return Err(FrameError::InvalidScalar),
        b'$' | b'!' | b'=' => {
            let len = match parse_i64(line).ok_or(FrameError::InvalidLength)? {
                -1 if kind == b'$' => return Ok(Some((Item::Null, next))),
                len => u64::try_from(len).map_err(|_| FrameError::InvalidLength)?,
            };
            if len > limits.max_bulk_len {
                return Err(FrameError::TooLong(len));
            }
            let body_len = usize::try_from(len).map_err(|_| FrameError::TooLong(len))?;
            let body_end = next.checked_add(body_len).ok_or(FrameError::TooLong(len))?;
            let end = body_end.checked_add(2).ok_or(FrameError::TooLong(len))?;
            let Some(crlf) = buf.get(body_end..end) else {
                return Ok(None);
            };
            if crlf != b"\r\n" {
                return Err(FrameError::MissingCrlf);
            }
            let item = match kind {
                b'$' => Item::Bulk(next, body_end),
                b'!' => Item::Error(next, body_end),
                _ => verbatim(buf, next, body_end)?,
            };
            return Ok(Some((item, end)));
        }
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            let count = match parse_i64(line).ok_or(FrameError::InvalidLength)? {
                -1 if kind == b'*' => return Ok(Some((Item::NullArray, next))),
                count => u64::try_from(count).map_err(|_| FrameError::InvalidLength)?,
            };
            let (aggregate, elements) = match kind {
                b'*' => (Kind::Array, Some(count)),
                b'~' => (Kind::Set, Some(count)),
                b'>' => (Kind::Push, Some(count)),
                b'%' => (Kind::Map, count.checked_mul(2)),
                _ => (Kind::Attribute, count.checked_mul(2)),
            };
            let elements = elements.ok_or(FrameError::TooManyElements(count))?;
            if elements > limits.max_elements {
                return Err(FrameError::TooManyElements(elements));
            }
            Item::Aggregate(aggregate, elements)
        }
        other => return Err(FrameError::UnknownType(other)),
    };
    Ok(Some((item, next)))
}

fn line_too_long(kind: u8, len: usize) -> FrameError {
    if matches!(kind, b'+' | b'-' | b'(') {
        FrameError::TooLong(u64::try_from(len).unwrap_or(u64::MAX))
    } else {
        FrameError::InvalidLength
    }
}

fn parse_double(line: &[u8]) -> Result<f64, FrameError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(FrameError::InvalidDouble)
}

/// A verbatim string's body is `fmt:text`.
fn verbatim(buf: &[u8], start: usize, end: usize) -> Result<Item, FrameError> {
    match buf.get(start..end) {
        Some([a, b, c, b':', ..]) => Ok(Item::Verbatim([*a, *b, *c], start + 4, end)),
        _ => Err(FrameError::InvalidVerbatim),
    }
}

/// An aggregate the scan is inside: elements still to come, and whether it is an attribute
/// (which does not count as an element of its parent).
#[derive(Clone, Copy, Debug)]
struct Open {
    remaining: u64,
    attribute: bool,
}

/// The resumable completeness scan of one frame.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Where the next element starts, from the frame's first byte.
    pub(super) offset: usize,
    /// How far the current header's line end was searched for.
    searched: usize,
    open: Vec<Open>,
}

impl Scan {
    /// Continues scanning the frame at the start of `buf` (which only ever grows between calls).
    /// Returns the frame's length once it is complete.
    pub(super) fn run(
        &mut self,
        buf: &[u8],
        limits: &FrameLimits,
    ) -> Result<Option<usize>, FrameError> {
        loop {
            let Some((item, next)) = parse_item(buf, self.offset, &mut self.searched, limits)?
            else {
                return Ok(None);
            };
            self.offset = next;
            self.searched = next;
            if let Item::Aggregate(kind, count) = item {
                let attribute = kind == Kind::Attribute;
                if count > 0 {
                    if self.open.len() >= limits.max_depth {
                        return Err(FrameError::TooDeep);
                    }
                    self.open.push(Open {
                        remaining: count,
                        attribute,
                    });
                    continue;
                }
                if attribute && !self.open.is_empty() {
                    continue;
                }
            }
            if self.element_done() {
                // Ready for the next frame; the emptied stack keeps its allocation.
                let len = self.offset;
                self.offset = 0;
                self.searched = 0;
                return Ok(Some(len));
            }
        }
    }

    /// Counts one finished element against the open aggregates, closing those it completes.
    /// Returns whether the whole frame is complete.
    fn element_done(&mut self) -> bool {
        while let Some(top) = self.open.last_mut() {
            top.remaining = top.remaining.saturating_sub(1);
            if top.remaining > 0 {
                return false;
            }
            let closed = self.open.pop();
            // A finished attribute inside an aggregate is not one of its elements.
            if closed.is_some_and(|open| open.attribute) && !self.open.is_empty() {
                return false;
            }
        }
        true
    }
}

/// An aggregate being built.
struct Building {
    kind: Kind,
    remaining: u64,
    items: Vec<Frame>,
    pairs: Vec<(Frame, Frame)>,
    key: Option<Frame>,
}

impl Building {
    fn new(kind: Kind, remaining: u64) -> Self {
        let reserve = usize::try_from(remaining)
            .unwrap_or(RESERVE_CAP)
            .min(RESERVE_CAP);
        let paired = matches!(kind, Kind::Map | Kind::Attribute);
        Building {
            kind,
            remaining,
            items: if paired {
                Vec::new()
            } else {
                Vec::with_capacity(reserve)
            },
            pairs: if paired {
                Vec::with_capacity(reserve / 2)
            } else {
                Vec::new()
            },
            key: None,
        }
    }

    fn add(&mut self, frame: Frame) {
        self.remaining = self.remaining.saturating_sub(1);
        match self.kind {
            Kind::Map | Kind::Attribute => match self.key.take() {
                Some(key) => self.pairs.push((key, frame)),
                None => self.key = Some(frame),
            },
            _ => self.items.push(frame),
        }
    }

    fn finish(self) -> Frame {
        match self.kind {
            Kind::Array => Frame::Array(self.items),
            Kind::Set => Frame::Set(self.items),
            Kind::Push => Frame::Push(self.items),
            Kind::Map => Frame::Map(self.pairs),
            Kind::Attribute => Frame::Attribute(self.pairs),
        }
    }
}

fn bytes(buf: &[u8], start: usize, end: usize) -> Vec<u8> {
    buf.get(start..end).unwrap_or(&[]).to_vec()
}

/// Decodes the complete frame that fills `buf` (the scan checked it), without recursion.
pub(super) fn build(buf: &[u8], limits: &FrameLimits) -> Result<Frame, FrameError> {
    let mut open: Vec<Building> = Vec::new();
    let mut offset = 0;
    loop {
        let mut searched = offset;
        // The scan saw every header complete, so a missing one means the bytes changed.
        let (item, next) =
            parse_item(buf, offset, &mut searched, limits)?.ok_or(FrameError::MissingCrlf)?;
        offset = next;
        let mut done = match item {
            Item::Simple(start, end) => Frame::Simple(bytes(buf, start, end)),
            Item::Error(start, end) => Frame::Error(bytes(buf, start, end)),
            Item::Integer(n) => Frame::Integer(n),
            Item::Bulk(start, end) => Frame::Bulk(bytes(buf, start, end)),
            Item::Null => Frame::Null,
            Item::NullArray => Frame::NullArray,
            Item::Double(value) => Frame::Double(value),
            Item::Boolean(value) => Frame::Boolean(value),
            Item::BigNumber(start, end) => Frame::BigNumber(bytes(buf, start, end)),
            Item::Verbatim(format, start, end) => Frame::Verbatim {
                format,
                text: bytes(buf, start, end),
            },
            Item::Aggregate(kind, count) if count > 0 => {
                if open.len() >= limits.max_depth {
                    return Err(FrameError::TooDeep);
                }
                open.push(Building::new(kind, count));
                continue;
            }
            Item::Aggregate(kind, _) => Building::new(kind, 0).finish(),
        };
        loop {
            let Some(parent) = open.last_mut() else {
                return Ok(done);
            };
            if matches!(done, Frame::Attribute(_)) {
                // Attributes inside aggregates are dropped (see `Frame::Attribute`).
                break;
            }
            parent.add(done);
            if parent.remaining > 0 {
                break;
            }
            match open.pop() {
                Some(finished) => done = finished.finish(),
                None => break,
            }
        }
    }
}

/// Parses a stream of replies arriving in pieces, owning the buffer they are read into.
pub struct FrameReader {
    limits: FrameLimits,
    /// Always fully initialized: its length is the room offered to reads.
    buf: Vec<u8>,
    filled: usize,
    /// Start of the frame being scanned; `scan` offsets are relative to it.
    start: usize,
    pub(super) scan: Scan,
    /// A malformed reply leaves the stream unusable; the error is returned from then on.
    error: Option<FrameError>,
}

impl std::fmt::Debug for FrameReader {
    // Sizes and positions only: the buffer may hold a very large reply.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameReader")
            .field("limits", &self.limits)
            .field("capacity", &self.buf.len())
            .field("filled", &self.filled)
            .field("start", &self.start)
            .field("scan", &self.scan)
            .field("error", &self.error)
            .finish()
    }
}

impl FrameReader {
    /// An empty reader enforcing `limits`.
    pub fn new(limits: FrameLimits) -> Self {
        FrameReader {
            limits,
            buf: Vec::new(),
            filled: 0,
            start: 0,
            scan: Scan::default(),
            error: None,
        }
    }

    /// Writable space at the end of the buffer, at least 16 KiB, initialized. Consumed bytes
    /// are dropped first by moving the partial frame to the front.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        let current = self.buf.len();
        let target = self.filled.saturating_add(READ_CHUNK);
        if current < target {
            // Double while one frame fills the buffer, so a big reply is copied a bounded
            // number of times overall.
            let new_len = if self.filled >= current / 2 {
                target.max(current.saturating_mul(2))
            } else {
                target
            };
            self.buf.reserve_exact(new_len - current);
            self.buf.resize(new_len, 0);
        }
        self.buf.get_mut(self.filled..).unwrap_or(&mut [])
    }

    /// The caller wrote `n` bytes into [`spare`](Self::spare).
    pub fn advance(&mut self, n: usize) {
        self.filled = self.filled.saturating_add(n).min(self.buf.len());
    }

    /// Copies `bytes` in.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let spare = self.spare();
            let n = spare.len().min(bytes.len());
            if n == 0 {
                return;
            }
            let (now, later) = bytes.split_at(n);
            if let Some(target) = spare.get_mut(..n) {
                target.copy_from_slice(now);
            }
            self.advance(n);
            bytes = later;
        }
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let pending = self.buf.get(self.start..self.filled).unwrap_or(&[]);
        let result = match self.scan.run(pending, &self.limits) {
            Ok(Some(len)) => {
                build(pending.get(..len).unwrap_or(&[]), &self.limits).map(|frame| (frame, len))
            }
            Ok(None) => return Ok(None),
            Err(error) => Err(error),
        };
        match result {
            Ok((frame, len)) => {
                self.start += len;
                if self.start == self.filled {
                    // Everything is consumed: start over at the front without moving bytes.
                    self.start = 0;
                    self.filled = 0;
                }
                Ok(Some(frame))
            }
            Err(error) => {
                self.error = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.filled - self.start
    }

    /// The limits this reader enforces.
    pub fn limits(&self) -> &FrameLimits {
        &self.limits
    }
}
