//! Pub/Sub and transactions through real sockets and processes: messages reach a
//! subscriber on another connection; a subscriber that stops reading is disconnected by
//! `client-output-buffer-limit pubsub` while a fast publisher goes on, and the server's
//! memory stays bounded; MONITOR streams another connection's commands; EXEC is atomic
//! for a concurrent reader.

use std::time::Duration;

use scarlet_tests::{TestServer, wait_for};

const WITHIN: Duration = Duration::from_secs(10);

fn numsub(server: &TestServer, channel: &str) -> i64 {
    let mut c = server.redis();
    let reply: (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query(&mut c)
        .expect("PUBSUB NUMSUB");
    reply.1
}

#[test]
fn a_message_reaches_a_subscriber_on_another_connection() {
    let server = TestServer::start(&[]);
    let mut sub = server.raw();
    sub.command(&[b"SUBSCRIBE", b"news"]);
    sub.expect(b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    let mut publisher = server.raw();
    publisher.roundtrip(
        b"*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
        b":1\r\n",
    );
    sub.expect(b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
}

#[test]
fn a_subscriber_that_does_not_read_is_disconnected_and_memory_stays_bounded() {
    let server = TestServer::start(&["--client-output-buffer-limit", "pubsub 1mb 0 0"]);
    let mut slow = server.raw();
    slow.command(&[b"SUBSCRIBE", b"firehose"]);
    slow.expect(b"*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n");
    // From now on the subscriber reads nothing.
    let payload = vec![b'x'; 256 * 1024];
    let mut publisher = server.redis();
    let mut peak_memory = 0u64;
    for _ in 0..400 {
        let _: i64 = redis::cmd("PUBLISH")
            .arg("firehose")
            .arg(&payload[..])
            .query(&mut publisher)
            .expect("PUBLISH");
        let used: u64 = server
            .info_field("used_memory")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        peak_memory = peak_memory.max(used);
    }
    // 100 MB were published; the subscriber's share beyond the limit was dropped.
    assert!(
        wait_for(WITHIN, || numsub(&server, "firehose") == 0),
        "the slow subscriber is still subscribed"
    );
    assert!(
        peak_memory < 40 * 1024 * 1024,
        "used_memory peaked at {peak_memory} bytes"
    );
    assert!(server.wait_log("overcoming of output buffer limits", WITHIN));
}

#[test]
fn monitor_streams_commands_of_other_connections() {
    let server = TestServer::start(&[]);
    let mut monitor = server.raw();
    monitor.roundtrip(b"*1\r\n$7\r\nMONITOR\r\n", b"+OK\r\n");
    let mut other = server.raw();
    other.roundtrip(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", b"+OK\r\n");
    let line = monitor.read_line();
    assert!(line.starts_with('+'), "{line}");
    assert!(line.ends_with(" \"SET\" \"k\" \"v\"\r\n"), "{line}");
}

#[test]
fn exec_is_atomic_for_other_connections() {
    let server = TestServer::start(&[]);
    let mut writer = server.redis();
    let mut reader = server.redis();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for _ in 0..2000 {
                let _: (i64, i64) = redis::pipe()
                    .atomic()
                    .cmd("INCR")
                    .arg("a")
                    .cmd("INCR")
                    .arg("b")
                    .query(&mut writer)
                    .expect("EXEC");
            }
        });
        for round in 0..2000 {
            let (a, b): (Option<i64>, Option<i64>) = redis::cmd("MGET")
                .arg("a")
                .arg("b")
                .query(&mut reader)
                .expect("MGET");
            assert_eq!(a, b, "round {round}: a reader saw half a transaction");
        }
    });
}
