//! An in-process harness for command tests: a [`Server`] without sockets, clients that feed
//! request bytes through the real dispatcher, and a compact text form of replies.
//!
//! This is the second ring of tests (DESIGN.md section 6): everything between the socket
//! and the reply bytes is the production code path ([`RequestReader`], `process_input`,
//! the registry, the handlers, [`ReplyBuf`](scarlet_protocol::ReplyBuf)); only the
//! connection task is replaced, by [`TestClient`], which does what `connection::serve`
//! does around each batch (a killed client closes, a closing flow unregisters).
//!
//! Replies are compared in the notation of [`render`], one line per reply:
//!
//! | reply | notation |
//! |---|---|
//! | simple string | `+OK` |
//! | error | `-ERR syntax error` |
//! | integer | `:42` |
//! | bulk string | `"bar"`, quoted and escaped as Redis's `sdscatrepr` |
//! | null (`$-1` or `_`) | `nil` |
//! | null array (`*-1`) | `*-1` |
//! | array / set / push | `[a, b]` / `~[a, b]` / `>[a, b]` |
//! | map / attribute | `{k: v, k2: v2}` / `\|{k: v}` |
//! | double / boolean / big number | `,3.141` / `#t` / `(1234` |
//! | verbatim string | `=txt:"text"` |
//!
//! The harness never panics (the workspace's lints hold here too): where a test expects
//! exactly one reply and gets none, several or unparsable bytes, [`TestClient::cmd`]
//! returns an error frame starting with `TESTKIT`, which no server reply starts with, so
//! the test's comparison fails and shows why. [`TestClient::check`] asserts, since it is
//! the tests' table runner.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use scarlet_protocol::{Frame, FrameLimits, RequestReader, encode_command, repr, split_args};

use crate::client::{ClientHandle, Peer};
use crate::config::Config;
use crate::dispatch::Flow;
use crate::net::Listeners;
use crate::server::{Server, Shared};

/// A server with default settings (or adjusted ones), no listeners and no background tasks:
/// no cron, no active expiry, so tests see exactly what commands do.
pub struct TestServer {
    shared: Arc<Shared>,
    /// The next client's port, so that every client has its own address in CLIENT LIST.
    next_port: AtomicU16,
    /// The server's `dir`: a fresh directory per server, removed with it, so files it
    /// saves (dump.rdb on FLUSHALL or SAVE) never land in the source tree.
    dir: std::path::PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new empty directory for one test server.
fn scratch_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("scarlet-testkit-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

impl Default for TestServer {
    fn default() -> Self {
        TestServer::new()
    }
}

impl TestServer {
    /// A server with Redis's default configuration.
    pub fn new() -> TestServer {
        TestServer::with_config(|_| {})
    }

    /// A server whose configuration `adjust` changes first (as a config file would).
    pub fn with_config(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = scratch_dir();
        let mut config = Config {
            dir: dir.clone(),
            ..Config::default()
        };
        adjust(&mut config);
        TestServer {
            shared: Shared::new(Server::new(config, Listeners::default(), None)),
            next_port: AtomicU16::new(50_000),
            dir,
        }
    }

    /// A client connected over loopback TCP, as `redis-cli -h 127.0.0.1` would be.
    ///
    /// Admission cannot fail for a loopback peer unless `maxclients` is reached; then the
    /// client is returned already closed, and [`TestClient::refusal`] says why.
    pub fn client(&self) -> TestClient {
        let port = self.next_port.fetch_add(1, Ordering::Relaxed);
        self.connect(Peer {
            addr: format!("127.0.0.1:{port}"),
            local: "127.0.0.1:6379".into(),
            fd: i32::from(port % 1000) + 8,
            unix: false,
        })
    }

    /// A client connected from `peer` (another address, a Unix socket ...).
    pub fn connect(&self, peer: Peer) -> TestClient {
        let admitted = self.shared.lock().register_client(peer);
        match admitted {
            Ok((id, handle)) => TestClient {
                shared: Arc::clone(&self.shared),
                id,
                handle: Some(handle),
                input: RequestReader::new(),
                written: 0,
                flow: Flow::Continue,
                refusal: None,
            },
            Err(refusal) => TestClient {
                shared: Arc::clone(&self.shared),
                id: 0,
                handle: None,
                input: RequestReader::new(),
                written: 0,
                flow: Flow::Close,
                refusal: Some(refusal),
            },
        }
    }

    /// The server state, for checks no command can make (hold it briefly: clients need the
    /// same lock).
    pub fn state(&self) -> crate::server::ServerGuard<'_> {
        self.shared.lock()
    }
}

/// One connection to a [`TestServer`]. Dropping it disconnects, as closing a socket does.
pub struct TestClient {
    shared: Arc<Shared>,
    id: u64,
    /// `None` once the connection is closed.
    handle: Option<Arc<ClientHandle>>,
    input: RequestReader,
    /// Reply bytes handed out by the last batch, for INFO's output counter.
    written: usize,
    flow: Flow,
    refusal: Option<&'static str>,
}

impl TestClient {
    /// The client's id (CLIENT ID).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The address the client connects from, as CLIENT LIST shows it.
    pub fn addr(&self) -> String {
        let server = self.shared.lock();
        server
            .clients
            .get(self.id)
            .map(|c| c.peer.addr.clone())
            .unwrap_or_default()
    }

    /// Whether the connection is closed (QUIT, a protocol error, CLIENT KILL ...).
    pub fn is_closed(&self) -> bool {
        self.handle.is_none()
    }

    /// What the last batch asked the connection task to do.
    pub fn flow(&self) -> Flow {
        self.flow
    }

    /// The bytes the server wrote when it refused the connection, if it did.
    pub fn refusal(&self) -> Option<&'static str> {
        self.refusal
    }

    /// Feeds request bytes and returns the exact reply bytes of the batch. A closed
    /// connection reads nothing and answers nothing.
    pub fn raw(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let Some(handle) = &self.handle else {
            return out;
        };
        // What the connection task checks after every read.
        if handle.is_killed() {
            self.close();
            return out;
        }
        self.input.feed(bytes);
        let flow = self.shared.lock().process_input(
            self.id,
            &mut self.input,
            &mut out,
            bytes.len(),
            self.written,
        );
        self.written = out.len();
        // The replies count as written at once, as a connection's are when the peer reads.
        handle.set_output(0, 0);
        self.flow = flow;
        if matches!(flow, Flow::Close | Flow::Shutdown) {
            self.close();
        }
        out
    }

    /// Runs the batch again without new input, as the connection task does when a pause
    /// ends or it is woken: a postponed command runs now if it may.
    pub fn resume(&mut self) -> Vec<u8> {
        self.raw(b"")
    }

    /// Sends one command (each argument a bulk string) and returns the reply bytes.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        let mut request = Vec::new();
        encode_command(&mut request, args);
        self.raw(&request)
    }

    /// Sends one command and returns its one reply; see the module documentation for what
    /// comes back when there is not exactly one.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Frame {
        let bytes = self.send(args);
        match parse_replies(&bytes) {
            Ok(mut frames) if frames.len() == 1 => frames.pop().unwrap_or(Frame::Null),
            Ok(frames) => Frame::Error(format!("TESTKIT {} replies", frames.len()).into_bytes()),
            Err(e) => Frame::Error(format!("TESTKIT {e}: {}", repr(&bytes)).into_bytes()),
        }
    }

    /// Like [`cmd`](Self::cmd), with the arguments split from one line as `redis-cli` and
    /// inline commands split them (quotes and `\xHH` escapes allowed).
    pub fn line(&mut self, line: &str) -> Frame {
        match split_args(line.as_bytes()) {
            Some(args) => self.cmd(&args),
            None => Frame::Error(b"TESTKIT unbalanced quotes in the test's command".to_vec()),
        }
    }

    /// Switches the connection to RESP3 (HELLO 3), discarding HELLO's reply.
    pub fn resp3(&mut self) -> &mut TestClient {
        self.send(&["HELLO", "3"]);
        self
    }

    /// Runs a table of `(command line, expected replies)` rows in order and asserts that
    /// every row got what it expected, reporting every row that did not.
    ///
    /// The expected text is each reply in the notation of [`render`], one per line (empty
    /// for none), and a last line `(closed)` when the row closed the connection.
    pub fn check<C: AsRef<str>, E: AsRef<str>>(&mut self, rows: &[(C, E)]) {
        let mut report = String::new();
        for (index, (line, expected)) in rows.iter().enumerate() {
            let (line, expected) = (line.as_ref(), expected.as_ref());
            let actual = self.run_line(line);
            if actual != expected {
                report.push_str(&format!(
                    "row {index}: {line}\n  expected: {expected}\n    actual: {actual}\n"
                ));
            }
        }
        assert!(report.is_empty(), "replies differ:\n{report}");
    }

    /// Runs a session written as a script and asserts its replies, like
    /// [`check`](Self::check) with rows that read like a `redis-cli` session:
    ///
    /// ```text
    /// # a comment
    /// SET k v     => +OK
    /// GET k       => "v"
    /// CLIENT REPLY OFF =>
    /// QUIT        => +OK
    ///             => (closed)
    /// ```
    ///
    /// Each row is a command line, ` => ` and its first expected reply; a line that starts
    /// with `=>` adds an expected reply to the row above; `=>` alone expects no reply.
    /// Leading blanks, blank lines and `#` comments are ignored. Text after `=>` is
    /// compared exactly, trailing blanks included.
    pub fn script(&mut self, script: &str) {
        let rows = parse_script(script);
        self.check(&rows);
    }
    /// One row of [`check`](Self::check): the rendered replies of one command line.
    pub fn run_line(&mut self, line: &str) -> String {
        let Some(args) = split_args(line.as_bytes()) else {
            return "TESTKIT unbalanced quotes in the test's command".into();
        };
        let was_open = !self.is_closed();
        let bytes = self.send(&args);
        let mut text = render_bytes(&bytes);
        if was_open && self.is_closed() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str("(closed)");
        }
        text
    }

    fn close(&mut self) {
        if self.handle.take().is_some() {
            self.shared.lock().unregister_client(self.id);
        }
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        self.close();
    }
}

/// The rows of a [`TestClient::script`]: command lines and their expected replies, joined
/// by newlines as [`TestClient::check`] wants them. A malformed line becomes a row whose
/// expectation no reply can meet, with the reason in it.
pub fn parse_script(script: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    for line in script.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(more) = line.strip_prefix("=>") {
            let more = more.strip_prefix(' ').unwrap_or(more);
            match rows.last_mut() {
                Some((_, expected)) => {
                    expected.push('\n');
                    expected.push_str(more);
                }
                None => rows.push((String::new(), format!("TESTKIT continuation first: {line}"))),
            }
            continue;
        }
        let (command, expected) = match line.split_once(" =>") {
            Some((command, expected)) => (command, expected.strip_prefix(' ').unwrap_or(expected)),
            None => (line, "TESTKIT a row needs \"=>\""),
        };
        rows.push((command.trim_end().to_string(), expected.to_string()));
    }
    rows
}

/// Every complete reply in `bytes`; trailing bytes that do not form a reply are an error.
pub fn parse_replies(bytes: &[u8]) -> Result<Vec<Frame>, scarlet_protocol::FrameError> {
    let limits = FrameLimits::default();
    let mut frames = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match Frame::parse(rest, &limits)? {
            Some((frame, used)) => {
                frames.push(frame);
                rest = rest.get(used..).unwrap_or_default();
            }
            None => return Err(scarlet_protocol::FrameError::MissingCrlf),
        }
    }
    Ok(frames)
}

/// Reply bytes in the notation of [`render`], one reply per line.
pub fn render_bytes(bytes: &[u8]) -> String {
    match parse_replies(bytes) {
        Ok(frames) => frames.iter().map(render).collect::<Vec<_>>().join("\n"),
        Err(e) => format!("TESTKIT {e}: {}", repr(bytes)),
    }
}

/// One reply in the compact notation of the module documentation.
pub fn render(frame: &Frame) -> String {
    let mut out = String::new();
    render_into(frame, &mut out);
    out
}

fn render_into(frame: &Frame, out: &mut String) {
    let list = |open: &str, items: &[Frame], out: &mut String| {
        out.push_str(open);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            render_into(item, out);
        }
        out.push(']');
    };
    let pairs = |open: &str, pairs: &[(Frame, Frame)], out: &mut String| {
        out.push_str(open);
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            render_into(key, out);
            out.push_str(": ");
            render_into(value, out);
        }
        out.push('}');
    };
    match frame {
        Frame::Simple(text) => {
            out.push('+');
            out.push_str(&String::from_utf8_lossy(text));
        }
        Frame::Error(text) => {
            out.push('-');
            out.push_str(&String::from_utf8_lossy(text));
        }
        Frame::Integer(n) => out.push_str(&format!(":{n}")),
        Frame::Bulk(bytes) => out.push_str(&repr(bytes)),
        Frame::Null => out.push_str("nil"),
        Frame::NullArray => out.push_str("*-1"),
        Frame::Array(items) => list("[", items, out),
        Frame::Set(items) => list("~[", items, out),
        Frame::Push(items) => list(">[", items, out),
        Frame::Map(items) => pairs("{", items, out),
        Frame::Attribute(items) => pairs("|{", items, out),
        Frame::Double(value) => out.push_str(&format!(",{value}")),
        Frame::Boolean(value) => out.push_str(if *value { "#t" } else { "#f" }),
        Frame::BigNumber(digits) => {
            out.push('(');
            out.push_str(&String::from_utf8_lossy(digits));
        }
        Frame::Verbatim { format, text } => {
            out.push('=');
            out.push_str(&String::from_utf8_lossy(format));
            out.push(':');
            out.push_str(&repr(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_covers_every_frame() {
        let frame = Frame::Array(vec![
            Frame::Simple(b"OK".to_vec()),
            Frame::Error(b"ERR x".to_vec()),
            Frame::Integer(-3),
            Frame::Bulk(b"a\"b\r\n\x00".to_vec()),
            Frame::Null,
            Frame::NullArray,
            Frame::Set(vec![Frame::Boolean(true), Frame::Boolean(false)]),
            Frame::Push(vec![Frame::Double(2.5)]),
            Frame::Map(vec![(Frame::Integer(1), Frame::BigNumber(b"12".to_vec()))]),
            Frame::Attribute(vec![]),
            Frame::Verbatim {
                format: *b"txt",
                text: b"x\n".to_vec(),
            },
        ]);
        assert_eq!(
            render(&frame),
            r#"[+OK, -ERR x, :-3, "a\"b\r\n\x00", nil, *-1, ~[#t, #f], >[,2.5], {:1: (12}, |{}, =txt:"x\n"]"#
        );
    }

    #[test]
    fn scripts_parse_into_rows() {
        let rows = parse_script(
            "
            # comment
            SET k v   => +OK
            CLIENT REPLY OFF =>
            QUIT => +OK
                 => (closed)
            GET k
            ",
        );
        assert_eq!(
            rows,
            [
                ("SET k v".to_string(), "+OK".to_string()),
                ("CLIENT REPLY OFF".to_string(), String::new()),
                ("QUIT".to_string(), "+OK\n(closed)".to_string()),
                (
                    "GET k".to_string(),
                    "TESTKIT a row needs \"=>\"".to_string()
                ),
            ]
        );
    }

    #[test]
    fn cmd_reports_a_missing_reply() {
        let server = TestServer::new();
        let mut c = server.client();
        c.cmd(&["CLIENT", "REPLY", "OFF"]);
        assert_eq!(
            c.cmd(&["PING"]),
            Frame::Error(b"TESTKIT 0 replies".to_vec())
        );
    }
}
