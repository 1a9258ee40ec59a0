//! The reply-comparison corpus (`corpus.txt`): every line is sent to redis-server 7.0.15
//! and to scarlet-server, in RESP2 and again in RESP3, and the raw reply bytes must be
//! identical. Every mismatch is collected and reported at once.

use std::fmt::Write as _;
use std::time::Duration;

use scarlet_tests::{REDIS_SERVER, RawConn, ReadEnd, ServerBuilder, TestServer, escape};

/// The corpus, one command a line; see its header for the markers.
const CORPUS: &str = include_str!("corpus.txt");

/// How long one line may take before its reply is recorded as missing. Every command in
/// the corpus answers in microseconds; this only bounds a server that never answers.
const LINE_DEADLINE: Duration = Duration::from_secs(3);

/// One line of the corpus.
pub(crate) struct Line {
    number: usize,
    text: String,
    kind: Kind,
}

enum Kind {
    /// A command and its reply.
    Command(Vec<Vec<u8>>),
    /// A command that sends no reply (CLIENT REPLY OFF or SKIP, and what they silence).
    Silent(Vec<Vec<u8>>),
    /// Go on on a fresh connection.
    Connect,
}

impl Line {
    /// A command line written by a generator rather than read from `corpus.txt`;
    /// `number` identifies it in reports.
    pub(crate) fn command(number: usize, text: String) -> Line {
        let args = scarlet_protocol::split_args(text.as_bytes()).unwrap_or_default();
        Line {
            number,
            text,
            kind: Kind::Command(args),
        }
    }
}

fn parse_corpus() -> Vec<Line> {
    let mut lines = Vec::new();
    for (index, raw) in CORPUS.lines().enumerate() {
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let split = |command: &str| {
            scarlet_protocol::split_args(command.as_bytes())
                .unwrap_or_else(|| panic!("corpus line {}: unbalanced quotes", index + 1))
        };
        let kind = if text == "@connect" {
            Kind::Connect
        } else if let Some(command) = text.strip_prefix("~ ") {
            Kind::Silent(split(command))
        } else {
            Kind::Command(split(text))
        };
        lines.push(Line {
            number: index + 1,
            text: text.to_string(),
            kind,
        });
    }
    lines
}

/// What one server answered to one line.
struct Record {
    line: usize,
    text: String,
    reply: Vec<u8>,
}

fn connect(port: u16) -> RawConn {
    let mut conn = RawConn::connect(port);
    conn.set_read_timeout(LINE_DEADLINE);
    conn
}

/// Sends `args` followed by a marker, an unknown command named `marker`, and returns
/// everything before the marker's error: the whole reply of the command, however many
/// frames it has (none, one, or a RESP3 attribute or push before the reply). An unknown
/// command is refused before any other check (authentication, pause), so the marker always
/// answers. The connection is `None` afterwards if the server closed it.
fn exchange(conn: &mut Option<RawConn>, port: u16, args: &[Vec<u8>], marker: &str) -> Vec<u8> {
    let live = conn.get_or_insert_with(|| connect(port));
    let mut request = Vec::new();
    scarlet_protocol::encode_command(&mut request, args);
    scarlet_protocol::encode_command(&mut request, &[marker.as_bytes()]);
    live.send(&request);
    let echo =
        format!("-ERR unknown command '{marker}', with args beginning with: \r\n").into_bytes();
    let mut reply = Vec::new();
    loop {
        match live.try_read_reply_bytes() {
            Ok(frame) if frame == echo => return reply,
            Ok(frame) => reply.extend_from_slice(&frame),
            Err(end) => {
                let (partial, note) = match end {
                    ReadEnd::Closed(p) => (p, "<connection closed>"),
                    ReadEnd::Timeout(p) => (p, "<no reply>"),
                    ReadEnd::Unparsable(p) => (p, "<unparsable>"),
                };
                reply.extend_from_slice(&partial);
                reply.extend_from_slice(note.as_bytes());
                *conn = None;
                return reply;
            }
        }
    }
}

/// Runs the corpus on one server; in RESP3 the connection first says `HELLO 3`.
fn run(server: &TestServer, lines: &[Line], resp3: bool) -> Vec<Record> {
    let port = server.port;
    let mut conn = Some(connect(port));
    let mut records = Vec::new();
    if resp3 {
        let args = [b"HELLO".to_vec(), b"3".to_vec()];
        records.push(Record {
            line: 0,
            text: "HELLO 3".into(),
            reply: exchange(&mut conn, port, &args, "corpus:hello"),
        });
    }
    for line in lines {
        match &line.kind {
            Kind::Connect => conn = Some(connect(port)),
            Kind::Silent(args) => {
                let mut request = Vec::new();
                scarlet_protocol::encode_command(&mut request, args);
                conn.get_or_insert_with(|| connect(port)).send(&request);
            }
            Kind::Command(args) => records.push(Record {
                line: line.number,
                text: line.text.clone(),
                reply: exchange(&mut conn, port, args, &format!("corpus:{}", line.number)),
            }),
        }
    }
    records
}

/// Client ids differ between servers (each counts its own connections): HELLO's `id`
/// field is masked in both replies.
fn mask_client_id(reply: &[u8]) -> Vec<u8> {
    let key = b"$2\r\nid\r\n:";
    let Some(at) = reply.windows(key.len()).position(|w| w == key) else {
        return reply.to_vec();
    };
    let digits_from = at + key.len();
    let digits_len = reply[digits_from..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let mut masked = reply[..digits_from].to_vec();
    masked.extend_from_slice(b"<id>");
    masked.extend_from_slice(&reply[digits_from + digits_len..]);
    masked
}

fn shorten(bytes: &[u8]) -> String {
    let text = escape(bytes);
    if text.len() > 600 {
        format!("{}... ({} bytes)", &text[..600], bytes.len())
    } else {
        text
    }
}

/// INFO's counters that depend only on the commands run: misses, expiries, errors, and
/// calls per command (times removed).
fn counters(server: &TestServer) -> Vec<String> {
    let mut conn = server.raw();
    let mut lines = Vec::new();
    for section in ["stats", "errorstats", "commandstats"] {
        conn.command(&[b"INFO", section.as_bytes()]);
        let text = conn.read_text();
        lines.extend(text.lines().filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            let kept = matches!(
                name,
                "keyspace_misses" | "expired_keys" | "total_error_replies"
            ) || name.starts_with("errorstat_")
                || name.starts_with("cmdstat_");
            let value: Vec<&str> = value
                .split(',')
                .filter(|field| !field.starts_with("usec"))
                .collect();
            kept.then(|| format!("{name}:{}", value.join(",")))
        }));
    }
    lines
}

#[test]
fn replies_match_redis_byte_for_byte() {
    assert_same_replies(&parse_corpus());
}

/// Runs `lines` on redis-server and on scarlet-server, in RESP2 then in RESP3, and fails
/// with every difference in the replies or in the INFO counters they moved.
pub(crate) fn assert_same_replies(lines: &[Line]) {
    let options = ["--enable-debug-command", "yes"];
    let redis = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&options)
        .start();
    let scarlet = ServerBuilder::scarlet().args(&options).start();
    let mut report = String::new();
    let mut mismatches = 0;
    let mut compared = 0;
    for (pass, resp3) in [("RESP2", false), ("RESP3", true)] {
        let expected = run(&redis, lines, resp3);
        let actual = run(&scarlet, lines, resp3);
        assert_eq!(expected.len(), actual.len());
        for (want, got) in expected.iter().zip(&actual) {
            compared += 1;
            let (want_bytes, got_bytes) = (mask_client_id(&want.reply), mask_client_id(&got.reply));
            if want_bytes != got_bytes {
                mismatches += 1;
                let _ = write!(
                    report,
                    "\n[{pass}] line {}: {}\n    redis-server: {}\n    scarlet:      {}\n",
                    want.line,
                    want.text,
                    shorten(&want_bytes),
                    shorten(&got_bytes)
                );
            }
        }
    }
    // The counters the corpus moves must have moved alike (times left out).
    let (want, got) = (counters(&redis), counters(&scarlet));
    for line in &want {
        if !got.contains(line) {
            mismatches += 1;
            let _ = write!(report, "\nINFO: redis-server has {line}\n");
        }
    }
    for line in &got {
        if !want.contains(line) {
            mismatches += 1;
            let _ = write!(report, "\nINFO: scarlet has {line}\n");
        }
    }
    assert!(
        mismatches == 0,
        "{mismatches} differences from redis-server 7.0.15 ({compared} replies compared):\n{report}"
    );
}
