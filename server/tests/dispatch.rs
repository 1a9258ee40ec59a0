//! The dispatcher itself: pipelined batches, requests split across reads, inline
//! commands, protocol errors (replies to the commands before, then the error, then the
//! connection closes), unknown commands and subcommands, cross-protocol attacks, and the
//! RESP2 and RESP3 shapes of the same replies.
//!
//! Every expectation is what Redis 7.0.15 sent for the same bytes on one connection.

use scarlet_server::testkit::{TestClient, TestServer, render, render_bytes};

/// What a fresh connection gets for `bytes`: the rendered replies, one per line, and
/// `(closed)` when the server closed the connection.
fn session(bytes: &[u8]) -> String {
    let server = TestServer::new();
    let mut c = server.client();
    let mut text = render_bytes(&c.raw(bytes));
    if c.is_closed() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("(closed)");
    }
    text
}

/// Checks `(request bytes, expected session)` rows, each on a fresh connection.
fn check_sessions(rows: &[(&[u8], &str)]) {
    let mut report = String::new();
    for (bytes, expected) in rows {
        let actual = session(bytes);
        if actual != *expected {
            report.push_str(&format!(
                "{}\n  expected: {expected}\n    actual: {actual}\n",
                String::from_utf8_lossy(bytes).escape_debug()
            ));
        }
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn pipelined_commands_reply_in_order() {
    check_sessions(&[
        (
            b"PING\r\nECHO a\r\n*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n",
            "+PONG\n\"a\"\n\"b\"",
        ),
        (
            b"SET k 1\r\nINCR k\r\nINCR k\r\nGET k\r\nDEL k\r\nGET k\r\n",
            "+OK\n:2\n:3\n\"3\"\n:1\nnil",
        ),
        // Empty requests are skipped.
        (b"*-1\r\nPING\r\n", "+PONG"),
        (b"*0\r\nPING\r\n", "+PONG"),
        (b"\r\n\r\nPING\r\n", "+PONG"),
        // A complete command runs; a partial one waits for the rest.
        (b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI", "+PONG"),
        (b"*1\r\n$4\r\nPING\r", ""),
        (b"*1048577\r\n", ""),
    ]);
}

#[test]
fn a_request_split_across_reads() {
    let server = TestServer::new();
    let mut c = server.client();
    let request = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    let mut replies = Vec::new();
    for byte in request.iter() {
        replies.extend(c.raw(&[*byte]));
    }
    assert_eq!(replies, b"+OK\r\n$5\r\nhello\r\n");
    // Inline too.
    assert!(c.raw(b"ECH").is_empty());
    assert!(c.raw(b"O hi").is_empty());
    assert_eq!(c.raw(b"\r\n"), b"$2\r\nhi\r\n");
}

#[test]
fn inline_commands() {
    check_sessions(&[
        (b"SET k \"a b\"\r\nGET k\r\n", "+OK\n\"a b\""),
        (b"  PING  \r\n", "+PONG"),
        (b"PING\n", "+PONG"),
        (b"ECHO \"\\x41\\n\"\r\n", "\"A\\n\""),
        (b"ECHO 'it\\'s'\r\n", "\"it's\""),
        (
            b"GET \"unbalanced\r\n",
            "-ERR Protocol error: unbalanced quotes in request\n(closed)",
        ),
        (
            b"ECHO 'it''s'\r\n",
            "-ERR Protocol error: unbalanced quotes in request\n(closed)",
        ),
        (
            b"ECHO \"a\"b\r\n",
            "-ERR Protocol error: unbalanced quotes in request\n(closed)",
        ),
    ]);
}

#[test]
fn protocol_errors_reply_then_close() {
    let too_big_inline = vec![b'x'; 70_000];
    let too_big_count = [b"*".to_vec(), vec![b'1'; 70_000]].concat();
    let too_big_bulk_count = [b"*1\r\n$".to_vec(), vec![b'1'; 70_000]].concat();
    check_sessions(&[
        (
            b"PING\r\n*1\r\n$x\r\nPING\r\n",
            "+PONG\n-ERR Protocol error: invalid bulk length\n(closed)",
        ),
        (
            b"*abc\r\n",
            "-ERR Protocol error: invalid multibulk length\n(closed)",
        ),
        (
            b"*2147483648\r\n",
            "-ERR Protocol error: invalid multibulk length\n(closed)",
        ),
        (
            b"*1\r\nfoo\r\n",
            "-ERR Protocol error: expected '$', got 'f'\n(closed)",
        ),
        (
            b"*1\r\n$-1\r\n",
            "-ERR Protocol error: invalid bulk length\n(closed)",
        ),
        (
            b"*1\r\n$536870913\r\n",
            "-ERR Protocol error: invalid bulk length\n(closed)",
        ),
        (
            &too_big_inline,
            "-ERR Protocol error: too big inline request\n(closed)",
        ),
        (
            &too_big_count,
            "-ERR Protocol error: too big mbulk count string\n(closed)",
        ),
        (
            &too_big_bulk_count,
            "-ERR Protocol error: too big bulk count string\n(closed)",
        ),
    ]);
}

#[test]
fn commands_after_a_protocol_error_do_not_run() {
    let server = TestServer::new();
    let mut c = server.client();
    assert_eq!(
        c.raw(b"SET a 1\r\n*1\r\n$x\r\nSET b 2\r\n"),
        b"+OK\r\n-ERR Protocol error: invalid bulk length\r\n"
    );
    assert!(c.is_closed());
    let mut other = server.client();
    assert_eq!(render(&other.line("EXISTS a b")), ":1");
}

#[test]
fn proto_max_bulk_len_limits_requests() {
    let server = TestServer::new();
    let mut c = server.client();
    c.line("CONFIG SET proto-max-bulk-len 1mb");
    let fits = format!(
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n{}\r\n",
        "v".repeat(1_048_576)
    );
    assert_eq!(c.raw(fits.as_bytes()), b"+OK\r\n");
    assert_eq!(
        c.raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n"),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    assert!(c.is_closed());
}

#[test]
fn unknown_commands_quote_their_arguments_as_c_strings() {
    let long_arg = [
        b"*2\r\n$3\r\nfoo\r\n$200\r\n".to_vec(),
        vec![b'y'; 200],
        b"\r\n".to_vec(),
    ]
    .concat();
    let two_long_args = [
        b"*4\r\n$3\r\nfoo\r\n$100\r\n".to_vec(),
        vec![b'a'; 100],
        b"\r\n$100\r\n".to_vec(),
        vec![b'b'; 100],
        b"\r\n$1\r\nc\r\n".to_vec(),
    ]
    .concat();
    let long_name = [
        b"*1\r\n$200\r\n".to_vec(),
        vec![b'n'; 200],
        b"\r\n".to_vec(),
    ]
    .concat();
    let long_sub = [
        b"*2\r\n$6\r\nCONFIG\r\n$200\r\n".to_vec(),
        vec![b'z'; 200],
        b"\r\n".to_vec(),
    ]
    .concat();
    let expected_long_arg = format!(
        "-ERR unknown command 'foo', with args beginning with: '{}' ",
        "y".repeat(128)
    );
    let expected_two = format!(
        "-ERR unknown command 'foo', with args beginning with: '{}' '{}' ",
        "a".repeat(100),
        "b".repeat(25)
    );
    let expected_name = format!(
        "-ERR unknown command '{}', with args beginning with: ",
        "n".repeat(128)
    );
    let expected_sub = format!(
        "-ERR unknown subcommand '{}'. Try CONFIG HELP.",
        "z".repeat(128)
    );
    check_sessions(&[
        (
            b"FOO a b\r\n",
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
        ),
        (
            b"*3\r\n$4\r\nF\x00OO\r\n$3\r\na\x00b\r\n$1\r\nc\r\n",
            "-ERR unknown command 'F', with args beginning with: 'a' 'c' ",
        ),
        (
            b"*2\r\n$3\r\nfoo\r\n$3\r\na\nb\r\n",
            "-ERR unknown command 'foo', with args beginning with: 'a b' ",
        ),
        (&long_arg, &expected_long_arg),
        (&two_long_args, &expected_two),
        (&long_name, &expected_name),
        (&long_sub, &expected_sub),
        (
            b"*2\r\n$6\r\nCLIENT\r\n$5\r\na\r\nbc\r\n",
            "-ERR unknown subcommand 'a  bc'. Try CLIENT HELP.",
        ),
        (
            b"*3\r\n$6\r\nconfig\r\n$3\r\nf\x00o\r\n$1\r\nx\r\n",
            "-ERR unknown subcommand 'f'. Try CONFIG HELP.",
        ),
    ]);
}

#[test]
fn cross_protocol_requests_close_without_a_reply() {
    check_sessions(&[
        (b"POST / HTTP/1.1\r\n", "(closed)"),
        (b"Host: x\r\n", "(closed)"),
        (b"host: x\r\n", "(closed)"),
        // Replies to the commands before it are dropped too.
        (b"PING\r\nhost: x\r\nPING\r\n", "(closed)"),
        (b"SET k v\r\nPOST /\r\n", "(closed)"),
    ]);
}

#[test]
fn command_names_are_case_insensitive() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        set k v => +OK
        GeT k => "v"
        cOnFiG gEt maxmemory => ["maxmemory", "0"]
        object ENCODING k => "embstr"
    "#,
    );
}

/// One command's exact reply bytes in RESP2 and RESP3, each on a fresh server.
fn both_protocols(setup: &[&str], command: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let run = |resp3: bool| {
        let server = TestServer::new();
        let mut c = server.client();
        if resp3 {
            c.resp3();
        }
        for line in setup {
            c.line(line);
        }
        c.send(command)
    };
    (run(false), run(true))
}

/// Setup lines, a command, and its exact RESP2 and RESP3 replies.
type ShapeRow = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [u8],
    &'static [u8],
);

#[test]
fn resp2_and_resp3_shapes_of_the_same_replies() {
    let rows: &[ShapeRow] = &[
        (&[], &["GET", "nokey"], b"$-1\r\n", b"_\r\n"),
        (&[], &["CLIENT", "GETNAME"], b"$-1\r\n", b"_\r\n"),
        (&[], &["OBJECT", "ENCODING", "nokey"], b"$-1\r\n", b"_\r\n"),
        (
            &["SET k v"],
            &["MGET", "k", "nokey"],
            b"*2\r\n$1\r\nv\r\n$-1\r\n",
            b"*2\r\n$1\r\nv\r\n_\r\n",
        ),
        (
            &[],
            &["CONFIG", "GET", "maxmemory"],
            b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n",
            b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n",
        ),
        (
            &["MSET a ohmytext b mynewtext"],
            &["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"],
            b"*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
            b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
        ),
        (
            &[],
            &["INFO", "keyspace"],
            b"$12\r\n# Keyspace\r\n\r\n",
            b"=16\r\ntxt:# Keyspace\r\n\r\n",
        ),
        (
            &[],
            &["COMMAND", "GETKEYSANDFLAGS", "get", "k"],
            b"*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n",
            b"*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+RO\r\n+access\r\n",
        ),
        (&[], &["INCRBYFLOAT", "f", "1.5"], b"$3\r\n1.5\r\n", b"$3\r\n1.5\r\n"),
        (
            &[],
            &["TIME", "extra"],
            b"-ERR wrong number of arguments for 'time' command\r\n",
            b"-ERR wrong number of arguments for 'time' command\r\n",
        ),
    ];
    let mut report = String::new();
    for (setup, command, resp2, resp3) in rows {
        let (got2, got3) = both_protocols(setup, command);
        if got2 != *resp2 || got3 != *resp3 {
            report.push_str(&format!(
                "{command:?}\n  RESP2 {:?}\n  RESP3 {:?}\n",
                String::from_utf8_lossy(&got2),
                String::from_utf8_lossy(&got3)
            ));
        }
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn hello_switches_the_shape_of_later_replies_in_the_same_batch() {
    let mut c: TestClient = TestServer::new().client();
    let out = c.raw(b"GET nokey\r\nHELLO 3\r\nGET nokey\r\nHELLO 2\r\nGET nokey\r\n");
    let text = render_bytes(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!((lines[0], lines[2], lines[4]), ("nil", "nil", "nil"));
    assert!(
        out.starts_with(b"$-1\r\n%7\r\n"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    assert!(out.ends_with(b"_\r\n*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:3\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n$-1\r\n"), "{:?}", String::from_utf8_lossy(&out));
}

#[test]
fn unknown_commands_echo_bytes_as_they_came() {
    // Redis quotes the request's bytes, UTF-8 or not.
    let server = TestServer::new();
    let mut c = server.client();
    assert_eq!(
        c.raw(b"*2\r\n$3\r\n\xff\xfeX\r\n$2\r\n\xc3\x28\r\n"),
        b"-ERR unknown command '\xff\xfeX', with args beginning with: '\xc3(' \r\n"
    );
    assert_eq!(
        c.raw(b"*2\r\n$6\r\nCONFIG\r\n$3\r\n\xffX\x00\r\n"),
        b"-ERR unknown subcommand '\xffX'. Try CONFIG HELP.\r\n"
    );
    // The 128-byte budget counts bytes, not characters.
    let mut request = b"*2\r\n$3\r\nfoo\r\n$200\r\n".to_vec();
    request.extend(std::iter::repeat_n(0xe9u8, 200));
    request.extend_from_slice(b"\r\n");
    let mut expected = b"-ERR unknown command 'foo', with args beginning with: '".to_vec();
    expected.extend(std::iter::repeat_n(0xe9u8, 128));
    expected.extend_from_slice(b"' \r\n");
    assert_eq!(c.raw(&request), expected);
}
