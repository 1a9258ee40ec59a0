//! MIGRATE through the real dispatcher, against a scripted target on a local socket: what
//! it sends (AUTH, SELECT only when the database changes, RESTORE with the TTL, REPLACE),
//! what it does with the replies (acknowledged keys deleted unless COPY, the target's
//! first error reported, timeouts and refused connections as Redis's IOERR texts), and
//! its connection cache. Replies expected are Redis 7.0.15's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scarlet_server::testkit::{TestServer, render};

type Received = Arc<Mutex<Vec<Vec<String>>>>;

/// A target that answers every command with `reply(command)` (None: no answer), and
/// records the commands it got (arguments as lossy text) and its connection count.
struct FakeTarget {
    port: u16,
    received: Received,
    connections: Arc<Mutex<usize>>,
}

impl FakeTarget {
    fn start(reply: fn(&[String]) -> Option<String>) -> std::io::Result<FakeTarget> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let received: Received = Arc::default();
        let connections = Arc::new(Mutex::new(0));
        let (log, count) = (received.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                if let Ok(mut n) = count.lock() {
                    *n += 1;
                }
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &log, reply));
            }
        });
        Ok(FakeTarget {
            port,
            received,
            connections,
        })
    }

    fn connections(&self) -> usize {
        self.connections.lock().map(|n| *n).unwrap_or(usize::MAX)
    }

    fn commands(&self) -> Vec<String> {
        let received = self.received.lock().map(|r| r.clone()).unwrap_or_default();
        received
            .into_iter()
            .map(|mut c| {
                // Payloads are binary: show only their presence.
                if c.first().is_some_and(|n| n == "RESTORE")
                    && let Some(payload) = c.get_mut(3)
                {
                    *payload = "<payload>".into();
                }
                c.join(" ")
            })
            .collect()
    }
}

/// Reads RESP commands and answers each; returns when the client goes or sends garbage.
fn serve(stream: TcpStream, log: &Received, reply: fn(&[String]) -> Option<String>) -> Option<()> {
    let mut writer = stream.try_clone().ok()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let count: usize = line.trim_start_matches('*').trim().parse().ok()?;
        let mut args = Vec::new();
        for _ in 0..count {
            let mut header = String::new();
            reader.read_line(&mut header).ok()?;
            let len: usize = header.trim_start_matches('$').trim().parse().ok()?;
            let mut data = vec![0; len + 2];
            reader.read_exact(&mut data).ok()?;
            data.truncate(len);
            args.push(String::from_utf8_lossy(&data).into_owned());
        }
        log.lock().ok()?.push(args.clone());
        if let Some(text) = reply(&args) {
            writer.write_all(text.as_bytes()).ok()?;
        }
    }
}

/// INFO's `migrate_cached_sockets`.
fn cached_sockets(c: &mut scarlet_server::testkit::TestClient) -> usize {
    let info = render(&c.cmd(&["INFO", "stats"]));
    info.split("migrate_cached_sockets:")
        .nth(1)
        .and_then(|rest| rest.split(|ch: char| !ch.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

fn ok_to_all(_: &[String]) -> Option<String> {
    Some("+OK\r\n".into())
}

#[test]
fn sends_select_once_and_deletes_acknowledged_keys() {
    let target = FakeTarget::start(ok_to_all).unwrap();
    let port = target.port.to_string();
    let mut c = TestServer::new().client();
    c.script("MSET a 1 b 2 c 3 => +OK\nPEXPIRE b 100000 => :1");
    let migrate = |c: &mut scarlet_server::testkit::TestClient, args: &[&str]| {
        let mut argv = vec!["MIGRATE", "127.0.0.1", port.as_str()];
        argv.extend_from_slice(args);
        render(&c.cmd(&argv))
    };
    assert_eq!(migrate(&mut c, &["a", "3", "1000"]), "+OK");
    assert_eq!(migrate(&mut c, &["b", "3", "1000", "REPLACE"]), "+OK");
    assert_eq!(migrate(&mut c, &["c", "4", "1000", "COPY"]), "+OK");
    assert_eq!(migrate(&mut c, &["nokey", "4", "1000"]), "+NOKEY");
    c.script("EXISTS a b c => :1");
    assert_eq!(cached_sockets(&mut c), 1);
    let sent = target.commands();
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert_eq!(sent[0], "SELECT 3");
    assert_eq!(sent[1], "RESTORE a 0 <payload>");
    // The TTL left (about 100 s; a loaded machine may take a while to get here).
    let ttl: u64 = sent[2]
        .strip_prefix("RESTORE b ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        (50_000..=100_000).contains(&ttl) && sent[2].ends_with(" <payload> REPLACE"),
        "{}",
        sent[2]
    );
    assert_eq!(sent[3], "SELECT 4");
    assert_eq!(sent[4], "RESTORE c 0 <payload>");
    assert_eq!(target.connections(), 1);
}

#[test]
fn auth_comes_first() {
    let target = FakeTarget::start(ok_to_all).unwrap();
    let port = target.port.to_string();
    let mut c = TestServer::new().client();
    c.script("MSET a 1 b 2 => +OK");
    c.check(&[
        (format!("MIGRATE 127.0.0.1 {port} a 0 1000 AUTH pw"), "+OK"),
        (
            format!("MIGRATE 127.0.0.1 {port} b 0 1000 AUTH2 user pw"),
            "+OK",
        ),
    ]);
    assert_eq!(
        target.commands(),
        [
            "AUTH pw",
            "SELECT 0",
            "RESTORE a 0 <payload>",
            "AUTH user pw",
            "RESTORE b 0 <payload>"
        ]
    );
}

fn refuse_b(args: &[String]) -> Option<String> {
    match args.get(1).map(String::as_str) {
        Some("b") => Some("-BUSYKEY Target key name already exists.\r\n".into()),
        _ => Some("+OK\r\n".into()),
    }
}

#[test]
fn the_first_target_error_is_reported_and_acknowledged_keys_still_go() {
    let target = FakeTarget::start(refuse_b).unwrap();
    let port = target.port.to_string();
    let mut c = TestServer::new().client();
    c.script("MSET a 1 b 2 c 3 => +OK\nCONFIG SET notify-keyspace-events Eg => +OK");
    c.check(&[
        (
            format!("MIGRATE 127.0.0.1 {port} \"\" 0 1000 KEYS a b c"),
            "-ERR Target instance replied with error: BUSYKEY Target key name already exists.",
        ),
        ("EXISTS a b c".to_string(), ":1"),
        ("GET b".to_string(), "\"2\""),
    ]);
    // The failure forgets the selected database: the next MIGRATE selects again.
    c.check(&[(
        format!("MIGRATE 127.0.0.1 {port} b 0 1000 COPY"),
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.",
    )]);
    let sent = target.commands();
    assert_eq!(
        sent.iter().filter(|s| *s == "SELECT 0").count(),
        2,
        "{sent:?}"
    );
}

fn silent(_: &[String]) -> Option<String> {
    None
}

#[test]
fn timeouts_and_refusals_are_ioerr() {
    let target = FakeTarget::start(silent).unwrap();
    let port = target.port.to_string();
    let mut c = TestServer::new().client();
    c.script("SET a 1 => +OK");
    let started = Instant::now();
    c.check(&[(
        format!("MIGRATE 127.0.0.1 {port} a 0 200"),
        "-IOERR error or timeout reading to target instance",
    )]);
    let waited = started.elapsed();
    // A timeout is not retried: one wait of about 200 ms.
    assert!(
        waited >= Duration::from_millis(190) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    c.script("EXISTS a => :1");
    assert_eq!(cached_sockets(&mut c), 0);
    // Nobody listens on a port just released.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    c.check(&[(
        format!("MIGRATE 127.0.0.1 {closed} a 0 200"),
        "-IOERR error or timeout connecting to the client",
    )]);
    c.script(
        r#"
        MIGRATE 127.0.0.1 1 a 0 abc => -ERR value is not an integer or out of range
        MIGRATE 127.0.0.1 1 a abc 10 => -ERR value is not an integer or out of range
        MIGRATE 127.0.0.1 1 a 0 10 KEYS a => -ERR When using MIGRATE KEYS option, the key argument must be set to the empty string
        MIGRATE 127.0.0.1 1 a 0 10 AUTH => -ERR syntax error
        MIGRATE 127.0.0.1 1 a 0 10 AUTH2 u => -ERR syntax error
        MIGRATE 127.0.0.1 1 a 0 10 FOO => -ERR syntax error
        MIGRATE 127.0.0.1 1 nokey 0 10 => +NOKEY
        MIGRATE 127.0.0.1 1 "" 0 10 KEYS => +NOKEY
        COMMAND GETKEYS MIGRATE h 1 "" 0 5 AUTH2 u p KEYS x y => ["x", "y"]
        COMMAND GETKEYS MIGRATE h 1 k 0 5 COPY => ["k"]
    "#,
    );
}

#[test]
fn a_dead_cached_connection_is_replaced_once() {
    // A target that closes each connection after its first batch of replies.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            // SELECT and one RESTORE: two commands, two replies, then close.
            let mut replies = 0;
            let mut line = String::new();
            while replies < 2 && reader.read_line(&mut line).unwrap_or(0) > 0 {
                if line.starts_with('*') {
                    let _ = writer.write_all(b"+OK\r\n");
                    replies += 1;
                }
                line.clear();
            }
        }
    });
    let mut c = TestServer::new().client();
    c.script("MSET a 1 b 2 => +OK");
    c.check(&[
        (format!("MIGRATE 127.0.0.1 {port} a 0 1000"), "+OK"),
        // The cached connection is closed by now: the retry reconnects (and SELECTs).
        (format!("MIGRATE 127.0.0.1 {port} b 0 1000"), "+OK"),
        ("EXISTS a b".to_string(), ":0"),
    ]);
}
