//! Protocol errors in client requests, with the exact texts Redis 7.0 replies and logs.
//!
//! This module owns the error values and their texts; deciding when one happens is the request
//! parser's job, and sending it (then closing the connection) is the server's.

use std::fmt;

/// Which protocol violation a client committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// An inline line longer than 64 KiB without its end.
    TooBigInline,
    /// An inline line whose quotes do not balance.
    UnbalancedQuotes,
    /// Our master sent a non-empty inline command.
    MasterInline,
    /// A `*<count>` line longer than 64 KiB without its end.
    TooBigMultibulkCount,
    /// A `*<count>` that is not a number or is above `INT_MAX`.
    InvalidMultibulkLength,
    /// A count above 10 before authentication.
    UnauthenticatedMultibulkLength,
    /// A `$<len>` line longer than 64 KiB without its end.
    TooBigBulkCount,
    /// An argument line that does not start with `$`; the byte found instead.
    ExpectedDollar(u8),
    /// A `$<len>` that is not a number, negative, or above `proto-max-bulk-len`.
    InvalidBulkLength,
    /// A bulk length above 16384 before authentication.
    UnauthenticatedBulkLength,
}

impl ProtocolErrorKind {
    /// The short reason Redis writes in its log for this error.
    pub fn log_reason(self) -> &'static str {
        match self {
            ProtocolErrorKind::TooBigInline => "too big inline request",
            ProtocolErrorKind::UnbalancedQuotes => "unbalanced quotes in inline request",
            ProtocolErrorKind::MasterInline => "Master using the inline protocol. Desync?",
            ProtocolErrorKind::TooBigMultibulkCount => "too big mbulk count string",
            ProtocolErrorKind::InvalidMultibulkLength => "invalid mbulk count",
            ProtocolErrorKind::UnauthenticatedMultibulkLength => "unauth mbulk count",
            ProtocolErrorKind::TooBigBulkCount => "too big bulk count string",
            ProtocolErrorKind::ExpectedDollar(_) => "expected $ but got something else",
            ProtocolErrorKind::InvalidBulkLength => "invalid bulk length",
            ProtocolErrorKind::UnauthenticatedBulkLength => "unauth bulk length",
        }
    }

    /// The exact bytes Redis sends after `-ERR `.
    fn reply_bytes(self) -> Vec<u8> {
        let fixed: &str = match self {
            ProtocolErrorKind::TooBigInline => "Protocol error: too big inline request",
            ProtocolErrorKind::UnbalancedQuotes => "Protocol error: unbalanced quotes in request",
            ProtocolErrorKind::MasterInline => "Master using the inline protocol. Desync?",
            ProtocolErrorKind::TooBigMultibulkCount => "Protocol error: too big mbulk count string",
            ProtocolErrorKind::InvalidMultibulkLength => "Protocol error: invalid multibulk length",
            ProtocolErrorKind::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length"
            }
            ProtocolErrorKind::TooBigBulkCount => "Protocol error: too big bulk count string",
            ProtocolErrorKind::InvalidBulkLength => "Protocol error: invalid bulk length",
            ProtocolErrorKind::UnauthenticatedBulkLength => {
                "Protocol error: unauthenticated bulk length"
            }
            ProtocolErrorKind::ExpectedDollar(byte) => {
                // Redis formats the raw byte with %c, then turns CR and LF into spaces so the
                // error stays on one line.
                let shown = if byte == b'\r' || byte == b'\n' {
                    b' '
                } else {
                    byte
                };
                let mut text = b"Protocol error: expected '$', got '".to_vec();
                text.push(shown);
                text.push(b'\'');
                return text;
            }
        };
        fixed.as_bytes().to_vec()
    }
}

/// A protocol error in a client's request: the server replies `-ERR ` + [`message`] (unless
/// [`replies`] is false) and closes the connection once the reply is written.
///
/// [`message`]: ProtocolError::message
/// [`replies`]: ProtocolError::replies
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    kind: ProtocolErrorKind,
    bytes: Vec<u8>,
    text: String,
}

impl ProtocolError {
    pub(crate) fn new(kind: ProtocolErrorKind) -> Self {
        let bytes = kind.reply_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        ProtocolError { kind, bytes, text }
    }

    /// The text Redis sends after `-ERR `, e.g. `Protocol error: invalid multibulk length`.
    ///
    /// For "expected '$', got 'X'" with a byte that is not UTF-8 on its own, the byte shows as
    /// U+FFFD here; [`message_bytes`](Self::message_bytes) has the exact bytes to send.
    pub fn message(&self) -> &str {
        &self.text
    }

    /// The exact bytes Redis sends after `-ERR `.
    pub fn message_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Which violation this is.
    pub fn kind(&self) -> ProtocolErrorKind {
        self.kind
    }

    /// Whether Redis replies this error before closing. It does not for a master's inline
    /// command: the connection is just closed (and the error logged).
    pub fn replies(&self) -> bool {
        self.kind != ProtocolErrorKind::MasterInline
    }

    /// The short reason Redis writes in its log.
    pub fn log_reason(&self) -> &'static str {
        self.kind.log_reason()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for ProtocolError {}
