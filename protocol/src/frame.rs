//! RESP frames as a client sees them, the client-side reply parser, and request encoding.
//!
//! A [`Frame`] is one decoded reply (or one attribute). Replies come from a server this side
//! does not trust, so parsing enforces [`FrameLimits`] (nesting depth, bulk length, aggregate
//! size) and never allocates by a declared length. [`FrameReader`] parses a stream
//! incrementally without quadratic rescans. This module does not do I/O (see `client`) and
//! does not know what any reply means.

mod reader;

pub use reader::FrameReader;

use std::fmt;

use crate::reply::ReplyBuf;

/// One decoded RESP2 or RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+text`.
    Simple(Vec<u8>),
    /// `-CODE message`, or an RESP3 blob error (`!len`); the bytes include the code.
    Error(Vec<u8>),
    /// `:n`.
    Integer(i64),
    /// `$len` followed by the bytes.
    Bulk(Vec<u8>),
    /// `$-1` in RESP2 or `_` in RESP3.
    Null,
    /// `*-1` in RESP2.
    NullArray,
    /// `*n`.
    Array(Vec<Frame>),
    /// `%n`: key/value pairs in the order received.
    Map(Vec<(Frame, Frame)>),
    /// `~n`.
    Set(Vec<Frame>),
    /// `>n`: an out-of-band message (Pub/Sub, client tracking).
    Push(Vec<Frame>),
    /// `|n`: metadata about the reply that follows it. A top-level attribute arrives as its own
    /// frame before the reply it decorates; attributes nested inside aggregates are dropped, as
    /// RESP3 lets clients that do not use them do.
    Attribute(Vec<(Frame, Frame)>),
    /// `,value`.
    Double(f64),
    /// `#t` or `#f`.
    Boolean(bool),
    /// `(digits`.
    BigNumber(Vec<u8>),
    /// `=len` then `fmt:text`.
    Verbatim {
        /// The three-byte format, e.g. `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Vec<u8>,
    },
}

/// Bounds on what a server may send; beyond them parsing fails instead of allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLimits {
    /// Deepest nesting of aggregates (an aggregate inside an aggregate is depth 2).
    pub max_depth: usize,
    /// Longest bulk string, blob error, verbatim string, simple line or big number.
    pub max_bulk_len: u64,
    /// Most elements declared by one aggregate (a map of n pairs counts 2n).
    pub max_elements: u64,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            max_depth: 128,
            max_bulk_len: 512 * 1024 * 1024,
            max_elements: 1 << 32,
        }
    }
}

/// Why a server's bytes are not a valid reply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// A type byte that RESP2/RESP3 does not define (or a streamed type, which Redis never sends).
    UnknownType(u8),
    /// A line not ended by CRLF, or a bulk not followed by CRLF.
    MissingCrlf,
    /// A length or count that is not a number or is negative where that means nothing.
    InvalidLength,
    /// An integer reply that is not a 64-bit decimal integer.
    InvalidInteger,
    /// A double reply that is not a number.
    InvalidDouble,
    /// A boolean other than `t` or `f`, or a null with content.
    InvalidScalar,
    /// A verbatim string without its `fmt:` prefix.
    InvalidVerbatim,
    /// A bulk or line longer than [`FrameLimits::max_bulk_len`].
    TooLong(u64),
    /// An aggregate with more elements than [`FrameLimits::max_elements`].
    TooManyElements(u64),
    /// Aggregates nested deeper than [`FrameLimits::max_depth`].
    TooDeep,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::UnknownType(byte) => {
                write!(
                    f,
                    "unknown RESP type byte {}",
                    crate::splitargs::repr(&[*byte])
                )
            }
            FrameError::MissingCrlf => f.write_str("missing CRLF in reply"),
            FrameError::InvalidLength => f.write_str("invalid length in reply"),
            FrameError::InvalidInteger => f.write_str("invalid integer reply"),
            FrameError::InvalidDouble => f.write_str("invalid double reply"),
            FrameError::InvalidScalar => f.write_str("invalid boolean or null reply"),
            FrameError::InvalidVerbatim => f.write_str("invalid verbatim string reply"),
            FrameError::TooLong(len) => write!(f, "reply element of {len} bytes exceeds the limit"),
            FrameError::TooManyElements(n) => {
                write!(f, "aggregate reply of {n} elements exceeds the limit")
            }
            FrameError::TooDeep => f.write_str("reply nested too deeply"),
        }
    }
}

impl std::error::Error for FrameError {}

impl Frame {
    /// Parses one frame from the start of `buf`: `Ok(None)` if incomplete, else the frame and
    /// the bytes used.
    ///
    /// Each call starts over; to parse a stream arriving in pieces use [`FrameReader`], which
    /// resumes where it stopped.
    pub fn parse(buf: &[u8], limits: &FrameLimits) -> Result<Option<(Frame, usize)>, FrameError> {
        let mut scan = reader::Scan::default();
        let Some(len) = scan.run(buf, limits)? else {
            return Ok(None);
        };
        let frame = reader::build(buf.get(..len).unwrap_or(&[]), limits)?;
        Ok(Some((frame, len)))
    }

    /// Encodes the frame into `out`, with the RESP2 downgrades of [`ReplyBuf`] when `out`
    /// encodes RESP2 (an attribute, which RESP2 cannot carry, is left out whole).
    pub fn encode(&self, out: &mut ReplyBuf) {
        match self {
            Frame::Simple(text) => out.simple(text),
            Frame::Error(text) => out.error(text),
            Frame::Integer(n) => out.int(*n),
            Frame::Bulk(bytes) => out.bulk(bytes),
            Frame::Null => out.null(),
            Frame::NullArray => out.null_array(),
            Frame::Array(items) => {
                out.array(items.len());
                items.iter().for_each(|item| item.encode(out));
            }
            Frame::Set(items) => {
                out.set(items.len());
                items.iter().for_each(|item| item.encode(out));
            }
            Frame::Push(items) => {
                out.push(items.len());
                items.iter().for_each(|item| item.encode(out));
            }
            Frame::Map(pairs) => {
                out.map(pairs.len());
                encode_pairs(pairs, out);
            }
            Frame::Attribute(pairs) => {
                if out.resp() == crate::reply::Resp::Resp3 {
                    out.attribute(pairs.len());
                    encode_pairs(pairs, out);
                }
            }
            Frame::Double(value) => out.double(*value),
            Frame::Boolean(value) => out.boolean(*value),
            Frame::BigNumber(digits) => out.big_number(digits),
            Frame::Verbatim { format, text } => out.verbatim(format, text),
        }
    }

    /// The bytes of a simple string, bulk string or verbatim string; `None` for other frames.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Frame::Simple(bytes) | Frame::Bulk(bytes) => Some(bytes),
            Frame::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this is an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }
}

fn encode_pairs(pairs: &[(Frame, Frame)], out: &mut ReplyBuf) {
    for (key, value) in pairs {
        key.encode(out);
        value.encode(out);
    }
}

/// Appends a command as a RESP multibulk request.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    let mut digits = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(digits.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for arg in args {
        let arg = arg.as_ref();
        out.push(b'$');
        out.extend_from_slice(digits.format(arg.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests;
