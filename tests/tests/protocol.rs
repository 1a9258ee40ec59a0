//! RESP on the wire, byte for byte, through raw sockets: inline commands and their
//! quoting, multibulk framing, every protocol error Redis 7.0 sends (and that it closes the
//! connection after it), the limits before authentication, requests split at every byte,
//! the cross-protocol-scripting guard, and QUIT. The expected bytes were checked against
//! redis-server 7.0.15.

use std::time::Duration;

use scarlet_tests::{RawConn, TestServer};

/// How long an incomplete request is watched to see that the server waits for the rest
/// instead of answering or closing.
const QUIET: Duration = Duration::from_millis(300);

/// Sends `request` on a fresh connection and checks that the server answers exactly
/// `reply` and then closes the connection.
fn error_then_close(server: &TestServer, request: &[u8], reply: &[u8]) {
    let mut conn = server.raw();
    conn.send(request);
    let got = conn.read_to_close();
    assert_eq!(
        scarlet_tests::escape(&got),
        scarlet_tests::escape(reply),
        "request {}",
        scarlet_tests::escape(request)
    );
}

#[test]
fn inline_commands_and_their_quoting() {
    let server = TestServer::start(&[]);
    let mut conn = server.raw();
    // Double quotes take C escapes, \xHH included; an invalid \x escape is literal.
    conn.roundtrip(b"SET k \"a b\\x41\"\r\nGET k\r\n", b"+OK\r\n$4\r\na bA\r\n");
    conn.roundtrip(b"ECHO \"\\x41\\n\"\r\n", b"$2\r\nA\n\r\n");
    conn.roundtrip(b"ECHO \"\\xzz\"\r\n", b"$3\r\nxzz\r\n");
    // Single quotes take only \'.
    conn.roundtrip(b"ECHO 'it\\'s'\r\n", b"$4\r\nit's\r\n");
    conn.roundtrip(b"ECHO 'a\\nb'\r\n", b"$4\r\na\\nb\r\n");
    // Spaces around arguments, a bare LF, and empty lines are all fine.
    conn.roundtrip(b"  PING  \r\n", b"+PONG\r\n");
    conn.roundtrip(b"PING\n", b"+PONG\r\n");
    conn.roundtrip(b"\r\n\r\nPING\r\n", b"+PONG\r\n");
    // An empty quoted string is an argument.
    conn.roundtrip(b"ECHO \"\"\r\n", b"$0\r\n\r\n");
    // Inline and multibulk requests mix in one write, and replies come back in order.
    conn.roundtrip(
        b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO x\r\n",
        b"+PONG\r\n$2\r\nhi\r\n$1\r\nx\r\n",
    );
    // A null multibulk and an empty one are skipped silently.
    conn.roundtrip(b"*-1\r\n*0\r\nPING\r\n", b"+PONG\r\n");
    // The longest inline request that fits (64 KiB minus one, then CRLF) is a command.
    let mut long = vec![b'A'; 65535];
    long.extend_from_slice(b"\r\n");
    conn.send(&long);
    let reply = conn.read_line();
    assert!(
        reply.starts_with("-ERR unknown command 'AAAA")
            && reply.ends_with("', with args beginning with: \r\n"),
        "{reply}"
    );
}

#[test]
fn unbalanced_quotes_close_the_connection() {
    let server = TestServer::start(&[]);
    let error = b"-ERR Protocol error: unbalanced quotes in request\r\n";
    error_then_close(&server, b"ECHO \"abc\r\nPING\r\n", error);
    error_then_close(&server, b"ECHO 'it''s'\r\n", error);
    // A closing quote must be followed by a space.
    error_then_close(&server, b"ECHO \"a\"b\r\n", error);
}

#[test]
fn bad_multibulk_lengths_close_the_connection() {
    let server = TestServer::start(&[]);
    let error = b"-ERR Protocol error: invalid multibulk length\r\n";
    error_then_close(&server, b"*abc\r\n", error);
    error_then_close(&server, b"*2147483648\r\n", error);
    // Replies to the commands before the bad one still arrive.
    error_then_close(
        &server,
        b"PING\r\n*x\r\n",
        b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
    );
    // The largest count is accepted and waited on.
    let mut conn = server.raw();
    conn.send(b"*1048576\r\n");
    assert!(conn.is_silent_for(QUIET));
}

#[test]
fn bad_bulk_lengths_close_the_connection() {
    let server = TestServer::start(&["--proto-max-bulk-len", "1mb"]);
    let error = b"-ERR Protocol error: invalid bulk length\r\n";
    error_then_close(&server, b"*2\r\n$3\r\nGET\r\n$1048577\r\n", error);
    error_then_close(&server, b"*2\r\n$3\r\nGET\r\n$2147483648\r\n", error);
    error_then_close(&server, b"*1\r\n$-1\r\n", error);
    error_then_close(&server, b"*1\r\n$abc\r\n", error);
    // At the limit the server waits for the bytes.
    let mut conn = server.raw();
    conn.send(b"*2\r\n$3\r\nGET\r\n$1048576\r\n");
    assert!(conn.is_silent_for(QUIET));
}

#[test]
fn a_multibulk_needs_dollar_bulks() {
    let server = TestServer::start(&[]);
    error_then_close(
        &server,
        b"*1\r\nPING\r\n",
        b"-ERR Protocol error: expected '$', got 'P'\r\n",
    );
    error_then_close(
        &server,
        b"*2\r\n$4\r\nECHO\r\n:1\r\n",
        b"-ERR Protocol error: expected '$', got ':'\r\n",
    );
}

#[test]
fn oversized_requests_close_the_connection() {
    let server = TestServer::start(&[]);
    // 64 KiB of inline request without a newline.
    error_then_close(
        &server,
        &vec![b'A'; 70_000],
        b"-ERR Protocol error: too big inline request\r\n",
    );
    let mut count = b"*".to_vec();
    count.extend(std::iter::repeat_n(b'1', 70_000));
    error_then_close(
        &server,
        &count,
        b"-ERR Protocol error: too big mbulk count string\r\n",
    );
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend(std::iter::repeat_n(b'1', 70_000));
    error_then_close(
        &server,
        &bulk,
        b"-ERR Protocol error: too big bulk count string\r\n",
    );
    // Just under the inline limit, the server keeps waiting for the newline.
    let mut conn = server.raw();
    conn.send(&vec![b'A'; 65_536]);
    assert!(conn.is_silent_for(QUIET));
}

#[test]
fn limits_before_authentication() {
    let server = TestServer::start(&["--requirepass", "pw"]);
    error_then_close(
        &server,
        b"*11\r\n",
        b"-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
    error_then_close(
        &server,
        b"*2\r\n$3\r\nGET\r\n$16385\r\n",
        b"-ERR Protocol error: unauthenticated bulk length\r\n",
    );
    // Up to the limits, the request is read (and refused for want of AUTH).
    let mut conn = server.raw();
    let mut ten = b"*10\r\n$3\r\nDEL\r\n".to_vec();
    for _ in 0..9 {
        ten.extend_from_slice(b"$1\r\nk\r\n");
    }
    conn.roundtrip(&ten, b"-NOAUTH Authentication required.\r\n");
    // After AUTH the limits are gone.
    conn.roundtrip(b"AUTH pw\r\n", b"+OK\r\n");
    let mut eleven = b"*11\r\n$3\r\nDEL\r\n".to_vec();
    for _ in 0..10 {
        eleven.extend_from_slice(b"$1\r\nk\r\n");
    }
    conn.roundtrip(&eleven, b":0\r\n");
    let value = vec![b'v'; 20_000];
    conn.command(&[b"SET", b"big", &value]);
    conn.expect(b"+OK\r\n");
    conn.roundtrip(b"STRLEN big\r\n", b":20000\r\n");
}

#[test]
fn requests_split_at_every_byte() {
    let server = TestServer::start(&[]);
    let mut conn = server.raw();
    let value = b"line1\r\nline2\0end";
    let mut request = Vec::new();
    scarlet_protocol::encode_command(&mut request, &[b"SET".as_slice(), b"key", value]);
    scarlet_protocol::encode_command(&mut request, &[b"GET".as_slice(), b"key"]);
    request.extend_from_slice(b"ECHO \"in line\"\r\n");
    scarlet_protocol::encode_command(&mut request, &[b"PING".as_slice()]);
    conn.send_bytewise(&request);
    let mut expected = b"+OK\r\n$16\r\n".to_vec();
    expected.extend_from_slice(value);
    expected.extend_from_slice(b"\r\n$7\r\nin line\r\n+PONG\r\n");
    conn.expect(&expected);
}

#[test]
fn big_arguments_arrive_in_pieces() {
    // Arguments beyond 32 KiB take Redis's "big argument" path; a 1 MB value sent in
    // uneven pieces must come back whole.
    let server = TestServer::start(&[]);
    let mut conn = server.raw();
    let value: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut request = Vec::new();
    scarlet_protocol::encode_command(&mut request, &[b"SET".as_slice(), b"big", &value]);
    for piece in request.chunks(7_919) {
        conn.send(piece);
    }
    conn.expect(b"+OK\r\n");
    conn.roundtrip(b"GET big\r\n", b"$1000000\r\n");
    assert!(conn.read_exact(1_000_000) == value, "value changed");
    conn.expect(b"\r\n");
}

#[test]
fn http_requests_close_without_a_reply() {
    let server = TestServer::start(&[]);
    // Commands before the guard in the same read still run, but like Redis (checked with
    // redis-server 7.0.15) the connection closes with nothing written, their replies
    // included.
    for (request, reply) in [
        (
            b"POST / HTTP/1.1\r\nHost: x\r\n\r\n".as_slice(),
            b"".as_slice(),
        ),
        (b"PING\r\nHost: example.com\r\nPING\r\n", b""),
    ] {
        let mut conn = server.raw();
        conn.send(request);
        assert_eq!(
            scarlet_tests::escape(&conn.read_to_close()),
            scarlet_tests::escape(reply)
        );
    }
    let log = server.log();
    assert!(
        log.contains("# Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted."),
        "{log}"
    );
}

#[test]
fn quit_replies_ok_then_closes() {
    let server = TestServer::start(&[]);
    let mut conn = server.raw();
    conn.send(b"QUIT\r\nPING\r\n");
    assert_eq!(conn.read_to_close(), b"+OK\r\n");
    let mut conn = server.raw();
    conn.send(b"*1\r\n$4\r\nQUIT\r\n");
    assert_eq!(conn.read_to_close(), b"+OK\r\n");
}

#[test]
fn resp3_replies_after_hello_3() {
    let server = TestServer::start(&[]);
    let mut conn = RawConn::connect(server.port);
    conn.send(b"HELLO 3\r\n");
    let hello = conn.read_reply_bytes();
    assert!(
        hello.starts_with(b"%7\r\n"),
        "{}",
        scarlet_tests::escape(&hello)
    );
    conn.roundtrip(b"GET nothing\r\n", b"_\r\n");
    conn.roundtrip(
        b"CONFIG GET maxclients\r\n",
        b"%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n",
    );
    conn.roundtrip(b"SET n 1\r\nINCRBYFLOAT n 0.5\r\n", b"+OK\r\n$3\r\n1.5\r\n");
    // Back to RESP2: nulls are $-1 again.
    conn.send(b"HELLO 2\r\n");
    let hello = conn.read_reply_bytes();
    assert!(
        hello.starts_with(b"*14\r\n"),
        "{}",
        scarlet_tests::escape(&hello)
    );
    conn.roundtrip(b"GET nothing\r\n", b"$-1\r\n");
}
