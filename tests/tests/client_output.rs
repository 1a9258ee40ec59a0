//! A client that sends commands but never reads their replies, through real sockets: the
//! server goes on reading and running its commands while the replies pile up in the
//! client's output buffer (as Redis does), where they count in the client's memory and
//! against its output buffer limit, so `maxmemory-clients` evicts the client, or
//! `client-output-buffer-limit` closes it, while other clients are served as usual.

use std::time::{Duration, Instant};

use scarlet_tests::{RawConn, TestServer, info_field};

const WITHIN: Duration = Duration::from_secs(30);

/// One megabyte: each GET of the key replies with this much.
const VALUE_LEN: usize = 1024 * 1024;

/// The key `k` holds a 1 MB value, and a client named `reader` is connected.
fn server_with_reader(args: &[&str]) -> (TestServer, RawConn) {
    let server = TestServer::start(args);
    let mut control = server.redis();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg(vec![b'v'; VALUE_LEN])
        .query(&mut control)
        .expect("SET");
    let mut reader = server.raw();
    reader.roundtrip(
        b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$6\r\nreader\r\n",
        b"+OK\r\n",
    );
    (server, reader)
}

/// The `reader` client's line in CLIENT LIST, if it is connected.
fn reader_line(server: &TestServer) -> Option<String> {
    let mut control = server.redis();
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(&mut control)
        .expect("CLIENT LIST");
    list.lines()
        .find(|line| line.contains(" name=reader "))
        .map(str::to_owned)
}

/// A numeric field of a CLIENT LIST line.
fn field(line: &str, name: &str) -> u64 {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line}"))
}

/// Sends GETs of the big key without reading anything until the server drops the
/// client.
fn flood_until_dropped(server: &TestServer, reader: &mut RawConn) {
    let deadline = Instant::now() + WITHIN;
    loop {
        let Some(line) = reader_line(server) else {
            return;
        };
        assert!(
            Instant::now() < deadline,
            "the client was not dropped; last seen: {line}"
        );
        // Once the server closed the connection, writes may fail: the next CLIENT LIST
        // then shows the client gone.
        let _ = reader.try_send(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }
}

fn stat(server: &TestServer, name: &str) -> u64 {
    let mut control = server.redis();
    let info: String = redis::cmd("INFO").query(&mut control).expect("INFO");
    info_field(&info, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in INFO"))
}

#[test]
fn a_client_that_never_reads_is_evicted_by_maxmemory_clients() {
    let (server, mut reader) = server_with_reader(&["--maxmemory-clients", "16mb"]);
    flood_until_dropped(&server, &mut reader);
    assert_eq!(stat(&server, "evicted_clients"), 1);
    assert!(server.wait_log("Evicting client: ", WITHIN));
    // Its replies were held by the server, and counted.
    let log = server.log();
    let evicted = log
        .lines()
        .find_map(|line| line.split_once("Evicting client: ").map(|(_, info)| info))
        .expect("eviction logged");
    assert!(evicted.contains(" name=reader "), "{evicted}");
    assert!(
        field(evicted, "tot-mem") >= 16 * VALUE_LEN as u64,
        "{evicted}"
    );
    // The others are served as before.
    let mut control = server.redis();
    let len: usize = redis::cmd("STRLEN")
        .arg("k")
        .query(&mut control)
        .expect("STRLEN");
    assert_eq!(len, VALUE_LEN);
}

#[test]
fn a_client_over_its_output_buffer_limit_is_closed() {
    let (server, mut reader) =
        server_with_reader(&["--client-output-buffer-limit", "normal 8mb 0 0"]);
    flood_until_dropped(&server, &mut reader);
    assert!(server.wait_log("overcoming of output buffer limits", WITHIN));
    assert_eq!(stat(&server, "evicted_clients"), 0);
}

#[test]
fn replies_held_while_the_peer_does_not_read_arrive_in_order_once_it_does() {
    let (server, mut reader) = server_with_reader(&[]);
    // Enough replies to fill the sockets' buffers, then a marker.
    let count = 40;
    for _ in 0..count {
        reader.send(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    }
    reader.send(b"*2\r\n$4\r\nECHO\r\n$3\r\nend\r\n");
    // The server ran them all (the marker's ECHO is counted) before anything was read.
    let deadline = Instant::now() + WITHIN;
    let mut control = server.redis();
    loop {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut control)
            .expect("INFO");
        if info.contains("cmdstat_echo:calls=1,") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the commands did not run: {info}"
        );
    }
    let header = format!("${VALUE_LEN}\r\n");
    for _ in 0..count {
        let reply = reader.read_reply_bytes();
        assert!(reply.starts_with(header.as_bytes()));
        assert_eq!(reply.len(), header.len() + VALUE_LEN + 2);
    }
    reader.expect(b"$3\r\nend\r\n");
}
