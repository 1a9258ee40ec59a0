//! Keyspace notifications and WATCH, end to end: a subscriber connection listens on
//! `__key*@*__:*` while another connection runs write commands, and the test checks the
//! exact sequence of messages; a watching client's EXEC fails when another client changed
//! the key, and still runs after a write that changed nothing; a client tracking the key
//! (client-side caching) is told of exactly the same changes.
//!
//! Each case runs against a fresh dataset with notifications off during its setup. After
//! the commands the writer publishes on a marker channel the subscriber also listens to:
//! the server sends messages in order, so everything before the marker is the case's
//! events, with no waiting for silence.
//!
//! The same tables run against Debian's redis-server 7.0.15 with `--features interop`,
//! which is how the expectations were checked (`REDIS_ORACLE_PORT` pins its port).

use std::time::Duration;

use scarlet_tests::{RawConn, TestServer};

mod tables;

use tables::{
    BITS_AND_HLL, Case, GENERIC, GEO, HASHES, LISTS, MISSES_AND_EXPIRY, SETS, SORT, STRINGS,
    WATCHES, ZSETS,
};

/// Where the writer announces the end of a case.
const MARKER: &str = "keyspace-test-marker";

/// A connection whose replies must come within a few seconds, so that a command that
/// blocks by mistake fails the test instead of hanging it.
fn connect(client: &redis::Client) -> redis::Connection {
    let con = client.get_connection().expect("connect");
    con.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    con
}

/// Splits a command written as text into its arguments.
fn words(command: &str) -> Vec<&str> {
    command.split(' ').collect()
}

fn exec(con: &mut redis::Connection, command: &str) -> redis::Value {
    let mut args = words(command).into_iter();
    let mut cmd = redis::cmd(args.next().unwrap_or_default());
    for arg in args {
        cmd.arg(arg);
    }
    // Some commands are expected to fail (WRONGTYPE, NaN): their events still count.
    cmd.query(con).unwrap_or(redis::Value::Nil)
}

/// A message as the tables write it.
fn describe(msg: &redis::Msg) -> String {
    let channel = msg.get_channel_name();
    let payload = String::from_utf8_lossy(msg.get_payload_bytes());
    let (kind, rest) = if let Some(rest) = channel.strip_prefix("__keyevent@") {
        ('E', rest)
    } else if let Some(rest) = channel.strip_prefix("__keyspace@") {
        ('K', rest)
    } else {
        return format!("? {channel} {payload}");
    };
    let (db, name) = rest.split_once("__:").unwrap_or((rest, ""));
    match kind {
        'E' => format!("E{db} {name} {payload}"),
        _ => format!("K{db} {name} {payload}"),
    }
}

/// Runs every case of `table` against the server on `port` and returns the mismatches.
fn check(port: u16, family: &str, table: &[Case]) -> Vec<String> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
    let mut writer = connect(&client);
    let mut listener = connect(&client);
    let mut sub = listener.as_pubsub();
    sub.psubscribe("__key*@*__:*").expect("psubscribe");
    sub.subscribe(MARKER).expect("subscribe");
    let mut failures = Vec::new();
    for (i, case) in table.iter().enumerate() {
        exec(&mut writer, "CONFIG SET notify-keyspace-events ");
        exec(&mut writer, "FLUSHALL");
        for command in case.setup {
            exec(&mut writer, command);
        }
        let flags = format!("CONFIG SET notify-keyspace-events {}", case.flags);
        exec(&mut writer, &flags);
        for command in case.run {
            exec(&mut writer, command);
        }
        exec(&mut writer, &format!("PUBLISH {MARKER} end"));
        let mut got = Vec::new();
        loop {
            let msg = sub.get_message().expect("a message");
            if msg.get_channel_name() == MARKER {
                break;
            }
            got.push(describe(&msg));
        }
        if got != case.events {
            failures.push(format!(
                "{family} case {i} ({}): {:?}\n  expected {:?}\n  got      {:?}",
                case.flags, case.run, case.events, got
            ));
        }
    }
    exec(&mut writer, "CONFIG SET notify-keyspace-events ");
    failures
}

fn check_watches(port: u16) -> Vec<String> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
    let mut writer = connect(&client);
    let mut watcher = connect(&client);
    let mut failures = Vec::new();
    for (i, case) in WATCHES.iter().enumerate() {
        exec(&mut writer, "FLUSHALL");
        for command in case.setup {
            exec(&mut writer, command);
        }
        exec(&mut watcher, &format!("WATCH {}", case.key));
        exec(&mut writer, case.write);
        exec(&mut watcher, "MULTI");
        exec(&mut watcher, "PING");
        let aborted = exec(&mut watcher, "EXEC") == redis::Value::Nil;
        if aborted != case.aborts {
            failures.push(format!(
                "watch case {i}: WATCH {} then {:?}: EXEC {}",
                case.key,
                case.write,
                if aborted { "failed" } else { "ran" }
            ));
        }
    }
    failures
}

/// Client-side caching hears of the same changes as WATCH (both come from Redis's
/// `signalModifiedKey`): a RESP3 client tracking the watched key gets an invalidation
/// exactly when the WATCH case's EXEC fails.
fn check_tracking(port: u16) -> Vec<String> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
    let mut writer = connect(&client);
    let mut failures = Vec::new();
    for (i, case) in WATCHES.iter().enumerate() {
        exec(&mut writer, "FLUSHALL");
        for command in case.setup {
            exec(&mut writer, command);
        }
        // A new client per case, so that FLUSHALL's invalidation never reaches it.
        let mut reader = RawConn::connect(port);
        for command in [&[&b"HELLO"[..], b"3"][..], &[b"CLIENT", b"TRACKING", b"ON"]] {
            reader.command(command);
            reader.read_reply_bytes();
        }
        reader.command(&[b"TYPE", case.key.as_bytes()]);
        reader.read_reply_bytes();
        exec(&mut writer, case.write);
        reader.command(&[b"PING"]);
        let invalidated = reader.read_reply_bytes().starts_with(b">");
        if invalidated {
            reader.read_reply_bytes();
        }
        if invalidated != case.aborts {
            failures.push(format!(
                "tracking case {i}: {} tracked, then {:?}: {}",
                case.key,
                case.write,
                if invalidated {
                    "invalidated"
                } else {
                    "not invalidated"
                }
            ));
        }
    }
    failures
}

/// Every table and the WATCH cases against the server on `port`.
fn check_everything(port: u16) {
    let mut failures = Vec::new();
    for (family, table) in [
        ("generic", GENERIC),
        ("strings", STRINGS),
        ("hashes", HASHES),
        ("sets", SETS),
        ("lists", LISTS),
        ("zsets", ZSETS),
        ("geo", GEO),
        ("bits and hll", BITS_AND_HLL),
        ("sort", SORT),
        ("misses and expiry", MISSES_AND_EXPIRY),
    ] {
        failures.extend(check(port, family, table));
    }
    failures.extend(check_watches(port));
    failures.extend(check_tracking(port));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A client blocked on a list is served by a push after the pusher's own events, with
/// the pop's events (and "del" when it emptied the list) following.
fn check_blocked_pops(port: u16) {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
    let mut writer = connect(&client);
    let mut listener = connect(&client);
    let mut sub = listener.as_pubsub();
    sub.psubscribe("__keyevent@*__:*").expect("psubscribe");
    exec(&mut writer, "FLUSHALL");
    exec(&mut writer, "CONFIG SET notify-keyspace-events EA");
    let blocked_count = |con: &mut redis::Connection| -> bool {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query(con)
            .unwrap_or_default();
        info.contains("blocked_clients:2")
    };
    let mut popper = connect(&client);
    let mut mover = connect(&client);
    let pop = std::thread::spawn(move || exec(&mut popper, "BLPOP q 0"));
    let moved = std::thread::spawn(move || exec(&mut mover, "BLMOVE q2 dst LEFT RIGHT 0"));
    assert!(
        scarlet_tests::wait_for(Duration::from_secs(10), || blocked_count(&mut writer)),
        "the clients did not block"
    );
    exec(&mut writer, "RPUSH q a");
    exec(&mut writer, "RPUSH q2 b c");
    let _ = pop.join();
    let _ = moved.join();
    // The last one is a marker: nothing else came in between.
    exec(&mut writer, "LPUSH dst end");
    let mut got = Vec::new();
    for _ in 0..7 {
        got.push(describe(&sub.get_message().expect("a message")));
    }
    let expected = [
        "E0 rpush q",
        "E0 lpop q",
        "E0 del q",
        "E0 rpush q2",
        "E0 rpush dst",
        "E0 lpop q2",
        "E0 lpush dst",
    ];
    assert_eq!(got, expected);
    exec(&mut writer, "CONFIG SET notify-keyspace-events ");
}

/// DEBUG SET-ACTIVE-EXPIRE and DEBUG SLEEP make the expiry cases deterministic.
const SERVER_OPTIONS: &[&str] = &["--enable-debug-command", "yes"];

#[test]
fn write_commands_send_redis_events_and_spoil_watches() {
    let server = TestServer::start(SERVER_OPTIONS);
    check_everything(server.port);
}

#[test]
fn served_blocked_pops_send_their_events() {
    let server = TestServer::start(SERVER_OPTIONS);
    check_blocked_pops(server.port);
}

/// The expectations, checked against Debian's redis-server 7.0.15.
#[cfg(feature = "interop")]
#[test]
fn redis_server_agrees() {
    let mut builder =
        scarlet_tests::ServerBuilder::binary(std::path::Path::new("/usr/bin/redis-server"))
            .args(&["--appendonly", "no"])
            .args(SERVER_OPTIONS);
    if let Some(port) = std::env::var("REDIS_ORACLE_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
    {
        builder = builder.port(port);
    }
    let server = builder.start();
    check_everything(server.port);
    check_blocked_pops(server.port);
}
