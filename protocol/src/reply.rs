//! The server's reply encoder: RESP2 or RESP3 bytes, built the way Redis 7.0's `addReply*`
//! functions build them, including how RESP3-only types are downgraded for RESP2 clients.
//!
//! This module owns the byte layout of replies and nothing else: it does not know commands,
//! output-buffer limits or sockets. Every method appends to one growable buffer with no
//! allocation of its own (integers go through `itoa`, headers are assembled without `format!`).

use crate::double::format_double;

/// The protocol version a client speaks (`HELLO 2` / `HELLO 3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resp {
    /// RESP2, the default: maps, sets and pushes are arrays, doubles are bulk strings.
    Resp2,
    /// RESP3, with its own types for nulls, maps, sets, doubles, booleans and more.
    Resp3,
}

/// The kind of an aggregate whose length is given later with [`ReplyBuf::finish_deferred`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// `*n`.
    Array,
    /// `%n` in RESP3; an array of `2n` in RESP2.
    Map,
    /// `~n` in RESP3; an array in RESP2.
    Set,
    /// `>n` in RESP3; an array in RESP2.
    Push,
}

/// A placeholder for an aggregate length not known yet (Redis's deferred length): where its
/// header goes once [`ReplyBuf::finish_deferred`] is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deferred {
    at: usize,
}

/// A growable reply buffer plus the protocol version it encodes for.
#[derive(Clone, Debug)]
pub struct ReplyBuf {
    buf: Vec<u8>,
    resp: Resp,
}

impl ReplyBuf {
    /// An empty buffer encoding for `resp`.
    pub fn new(resp: Resp) -> Self {
        ReplyBuf {
            buf: Vec::new(),
            resp,
        }
    }

    /// The protocol version replies are encoded for.
    pub fn resp(&self) -> Resp {
        self.resp
    }

    /// Switches the protocol version for the replies that follow (HELLO).
    pub fn set_resp(&mut self, resp: Resp) {
        self.resp = resp;
    }

    fn is_resp3(&self) -> bool {
        self.resp == Resp::Resp3
    }

    /// A simple string: `+s\r\n`. CR and LF inside `s` become spaces, so the reply stays one
    /// line whatever the caller passes.
    pub fn simple(&mut self, s: &[u8]) {
        self.buf.push(b'+');
        self.push_line_text(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK\r\n`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// An error: `-` + `s` + `\r\n`, where `s` includes the code (`ERR ...`). Like Redis, CR and
    /// LF inside `s` become spaces.
    pub fn error(&mut self, s: &[u8]) {
        self.buf.push(b'-');
        self.push_line_text(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Appends text that must not break the line: CR and LF become spaces.
    fn push_line_text(&mut self, s: &[u8]) {
        if memchr::memchr2(b'\r', b'\n', s).is_none() {
            self.buf.extend_from_slice(s);
        } else {
            self.buf.extend(
                s.iter()
                    .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
        }
    }

    /// An integer: `:n\r\n`.
    pub fn int(&mut self, n: i64) {
        self.buf.push(b':');
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer reply of a length or a count (saturating at `i64::MAX`, far beyond any
    /// real size).
    pub fn count<N: TryInto<i64>>(&mut self, n: N) {
        self.int(n.try_into().unwrap_or(i64::MAX));
    }

    /// A bulk string: `$len\r\nb\r\n`.
    pub fn bulk(&mut self, b: &[u8]) {
        self.header(b'$', b.len());
        self.buf.extend_from_slice(b);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal text of `n`.
    pub fn bulk_int(&mut self, n: i64) {
        let mut digits = itoa::Buffer::new();
        self.bulk(digits.format(n).as_bytes());
    }

    /// A null: `$-1\r\n` in RESP2, `_\r\n` in RESP3.
    pub fn null(&mut self) {
        self.buf.extend_from_slice(if self.is_resp3() {
            b"_\r\n"
        } else {
            b"$-1\r\n"
        });
    }

    /// A null array: `*-1\r\n` in RESP2, `_\r\n` in RESP3.
    pub fn null_array(&mut self) {
        self.buf.extend_from_slice(if self.is_resp3() {
            b"_\r\n"
        } else {
            b"*-1\r\n"
        });
    }

    /// The header of an array of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n);
    }

    /// The header of a map of `n` key/value pairs: `%n` in RESP3, an array of `2n` in RESP2.
    pub fn map(&mut self, n: usize) {
        if self.is_resp3() {
            self.header(b'%', n);
        } else {
            self.header(b'*', n.saturating_mul(2));
        }
    }

    /// The header of a set of `n` elements: `~n` in RESP3, an array in RESP2.
    pub fn set(&mut self, n: usize) {
        self.header(if self.is_resp3() { b'~' } else { b'*' }, n);
    }

    /// The header of a push message of `n` elements: `>n` in RESP3, an array in RESP2 (as
    /// Pub/Sub messages are).
    pub fn push(&mut self, n: usize) {
        self.header(if self.is_resp3() { b'>' } else { b'*' }, n);
    }

    /// The header of an attribute of `n` key/value pairs, `|n` in RESP3. RESP2 has no
    /// attributes and Redis sends none to RESP2 clients: this writes nothing then, and the
    /// caller must skip the attribute's pairs too (as DEBUG PROTOCOL attrib does), e.g. by
    /// checking [`resp`](Self::resp) first.
    pub fn attribute(&mut self, n: usize) {
        if self.is_resp3() {
            self.header(b'|', n);
        }
    }

    /// A double as Redis 7.0's `addReplyDouble`: `%.17g` text (`inf`, `-inf` for infinities),
    /// as `,text\r\n` in RESP3 and as a bulk string in RESP2.
    pub fn double(&mut self, d: f64) {
        if self.is_resp3() {
            self.buf.push(b',');
            format_double(d, &mut self.buf);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            // Format in place, then put the length header in front of the short text.
            let start = self.buf.len();
            format_double(d, &mut self.buf);
            let text_len = self.buf.len() - start;
            let mut digits = itoa::Buffer::new();
            let len_text = digits.format(text_len).as_bytes();
            let header = [b"$", len_text, b"\r\n"];
            self.buf
                .splice(start..start, header.into_iter().flatten().copied());
            self.buf.extend_from_slice(b"\r\n");
        }
    }

    /// A boolean: `:1`/`:0` in RESP2, `#t`/`#f` in RESP3.
    pub fn boolean(&mut self, b: bool) {
        let bytes: &[u8] = match (self.is_resp3(), b) {
            (true, true) => b"#t\r\n",
            (true, false) => b"#f\r\n",
            (false, true) => b":1\r\n",
            (false, false) => b":0\r\n",
        };
        self.buf.extend_from_slice(bytes);
    }

    /// A big number given as its decimal digits: `(digits\r\n` in RESP3, a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &[u8]) {
        if self.is_resp3() {
            self.buf.push(b'(');
            self.buf.extend_from_slice(digits);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(digits);
        }
    }

    /// A verbatim string: `=len\r\nfmt:text\r\n` in RESP3 (`len` counts the `fmt:` prefix), a
    /// bulk string of `text` in RESP2.
    pub fn verbatim(&mut self, format: &[u8; 3], text: &[u8]) {
        if self.is_resp3() {
            self.header(b'=', text.len().saturating_add(4));
            self.buf.extend_from_slice(format);
            self.buf.push(b':');
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// Pre-encoded bytes, appended as they are.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Pre-encoded bytes inserted at an earlier [`len`](Self::len) (pushes that belong
    /// before a reply already encoded). A position past the end appends.
    pub fn insert_raw(&mut self, at: usize, bytes: &[u8]) {
        let at = at.min(self.buf.len());
        self.buf.splice(at..at, bytes.iter().copied());
    }

    /// A placeholder for an aggregate length not known yet (Redis's deferred length). Encode
    /// the elements, then call [`finish_deferred`](Self::finish_deferred).
    pub fn deferred(&mut self) -> Deferred {
        Deferred { at: self.buf.len() }
    }

    /// Writes the header of the aggregate begun at `d`, with `n` elements (pairs for a map),
    /// using the same RESP2 downgrades as [`map`](Self::map), [`set`](Self::set) and
    /// [`push`](Self::push). A placeholder past the end (the buffer was cleared or truncated
    /// since) is ignored.
    pub fn finish_deferred(&mut self, d: Deferred, kind: Aggregate, n: usize) {
        if d.at > self.buf.len() {
            return;
        }
        let resp3 = self.is_resp3();
        let (prefix, count) = match kind {
            Aggregate::Array => (b'*', n),
            Aggregate::Map if resp3 => (b'%', n),
            Aggregate::Map => (b'*', n.saturating_mul(2)),
            Aggregate::Set => (if resp3 { b'~' } else { b'*' }, n),
            Aggregate::Push => (if resp3 { b'>' } else { b'*' }, n),
        };
        let mut digits = itoa::Buffer::new();
        let header = [&[prefix][..], digits.format(count).as_bytes(), b"\r\n"];
        // The elements after the placeholder move once, by the header's few bytes.
        self.buf
            .splice(d.at..d.at, header.into_iter().flatten().copied());
    }

    /// Bytes encoded so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes allocated for the encoded replies (what used_memory counts).
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Whether nothing is encoded.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Drops the encoded bytes, keeping the allocation.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Swaps the encoded bytes out (for writing to the socket outside the lock) with `other`,
    /// which should be empty: its allocation is kept for the next replies, its content dropped.
    pub fn swap_bytes(&mut self, other: &mut Vec<u8>) {
        std::mem::swap(&mut self.buf, other);
        self.buf.clear();
    }

    /// Rolls back to a previous [`len`](Self::len) (used when a reply is cancelled).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// `prefix`, the decimal `n`, CRLF.
    fn header(&mut self, prefix: u8, n: usize) {
        let mut digits = itoa::Buffer::new();
        let text = digits.format(n).as_bytes();
        self.buf.reserve(text.len() + 3);
        self.buf.push(prefix);
        self.buf.extend_from_slice(text);
        self.buf.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests;
