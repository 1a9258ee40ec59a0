//! The Lua debugger (SCRIPT DEBUG SYNC) over real sockets: the session's answers are
//! multi-bulks of status lines written while the script holds the server, the session
//! ends with `<endsession>`, the script's reply and the connection's close. Expected
//! bytes were taken from redis-server 7.0.15 with the same requests (function addresses
//! aside).

use std::time::Duration;

use scarlet_tests::{RawConn, TestServer, escape};

/// A RESP request.
fn request(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    out
}

/// The debugger's answer: status lines in a multi-bulk.
fn lines(lines: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", lines.len()).into_bytes();
    for line in lines {
        out.extend_from_slice(format!("+{line}\r\n").as_bytes());
    }
    out
}

fn ask(conn: &mut RawConn, args: &[&str], expected: &[&str]) {
    conn.send(&request(args));
    let got = conn.read_reply_bytes();
    assert_eq!(escape(&got), escape(&lines(expected)), "after {args:?}");
}

/// Starts a session for `script` and checks its first stop.
fn start(server: &TestServer, script: &str, args: &[&str], first: &[&str]) -> RawConn {
    let mut conn = server.raw();
    conn.roundtrip(&request(&["SCRIPT", "DEBUG", "SYNC"]), b"+OK\r\n");
    let mut eval = vec!["EVAL", script];
    eval.extend_from_slice(args);
    ask(&mut conn, &eval, first);
    conn
}

/// What arrives until the server closes the connection.
fn rest_until_close(conn: &mut RawConn) -> Vec<u8> {
    conn.read_to_close()
}

const SCRIPT: &str = "local a = {1,2,'x\\n'}\nlocal b = 3.5\nredis.debug(a, b, nil, true)\nredis.call('set','k','v')\nredis.breakpoint()\nlocal c = redis.call('get','k')\nreturn c";

#[test]
fn stepping_printing_listing_and_breakpoints() {
    let server = TestServer::start(&[]);
    let mut conn = start(
        &server,
        SCRIPT,
        &["0"],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   local a = {1,2,'x\\n'}",
        ],
    );
    ask(
        &mut conn,
        &["s"],
        &[
            "* Stopped at 2, stop reason = step over",
            "-> 2   local b = 3.5",
        ],
    );
    ask(
        &mut conn,
        &["next"],
        &[
            "* Stopped at 3, stop reason = step over",
            "-> 3   redis.debug(a, b, nil, true)",
        ],
    );
    ask(
        &mut conn,
        &["p"],
        &["<value> a = {1; 2; \"x\\n\"}", "<value> b = 3.5"],
    );
    ask(&mut conn, &["print", "a"], &["<value> {1; 2; \"x\\n\"}"]);
    ask(&mut conn, &["p", "KEYS"], &["<value> {}"]);
    ask(&mut conn, &["p", "zz"], &["No such variable."]);
    ask(
        &mut conn,
        &["l", "2", "1"],
        &[
            "   1   local a = {1,2,'x\\n'}",
            "   2   local b = 3.5",
            "-> 3   redis.debug(a, b, nil, true)",
        ],
    );
    ask(
        &mut conn,
        &["b"],
        &["No breakpoints set. Use 'b <line>' to add one."],
    );
    ask(
        &mut conn,
        &["b", "6"],
        &[
            "   5   redis.breakpoint()",
            "  #6   local c = redis.call('get','k')",
            "   7   return c",
        ],
    );
    ask(
        &mut conn,
        &["b", "99", "x"],
        &["Wrong line number.", "Invalid argument:'x'"],
    );
    ask(
        &mut conn,
        &["b"],
        &[
            "1 breakpoints set:",
            "  #6   local c = redis.call('get','k')",
        ],
    );
    ask(
        &mut conn,
        &["t"],
        &["In top level:", "-> 3   redis.debug(a, b, nil, true)"],
    );
    ask(
        &mut conn,
        &["foo"],
        &["<error> Unknown Redis Lua debugger command or wrong number of arguments."],
    );
    ask(
        &mut conn,
        &["c"],
        &[
            "<debug> line 3: {1; 2; \"x\\n\"}, 3.5, nil, true",
            "* Stopped at 6, stop reason = redis.breakpoint() called",
            "->#6   local c = redis.call('get','k')",
        ],
    );
    conn.send(&request(&["c"]));
    let end = rest_until_close(&mut conn);
    assert_eq!(escape(&end), escape(b"*1\r\n+<endsession>\r\n$1\r\nv\r\n"));
    // Sync mode keeps what the script wrote.
    assert_eq!(
        server.query(&["GET", "k"]),
        redis::Value::BulkString(b"v".to_vec())
    );
}

#[test]
fn eval_redis_maxlen_and_abort() {
    let server = TestServer::start(&[]);
    let mut conn = start(
        &server,
        "local x = 1\nlocal y = {}\nreturn x",
        &["1", "key", "arg1"],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   local x = 1",
        ],
    );
    let long = "x".repeat(300);
    ask(
        &mut conn,
        &["r", "set", "key", &long],
        &[&format!("<redis> set key {long}"), "<reply> \"+OK\""],
    );
    let trimmed = format!("<reply> \"{} ...", "x".repeat(247));
    ask(
        &mut conn,
        &["r", "get", "key"],
        &[
            "<redis> get key",
            &trimmed,
            "<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.",
        ],
    );
    ask(
        &mut conn,
        &["r", "get", "key"],
        &["<redis> get key", &trimmed],
    );
    ask(
        &mut conn,
        &["m", "10"],
        &["<value> replies are truncated at 60 bytes."],
    );
    ask(&mut conn, &["m", "0"], &["<value> replies are unlimited."]);
    ask(
        &mut conn,
        &["r", "set", "a"],
        &[
            "<redis> set a",
            "<error> Wrong number of args calling Redis command from script",
        ],
    );
    ask(
        &mut conn,
        &["r", "hgetall", "nokey"],
        &["<redis> hgetall nokey", "<reply> []"],
    );
    ask(&mut conn, &["e", "{1,2}"], &["<retval> {1; 2}"]);
    ask(&mut conn, &["e", "1/3"], &["<retval> 0.333333"]);
    ask(&mut conn, &["e", "local z = 5"], &["<retval> nil"]);
    ask(
        &mut conn,
        &["e", "x"],
        &["<error> ldb_eval:1: Script attempted to access nonexistent global variable 'x'"],
    );
    ask(
        &mut conn,
        &["e", "error('boom')"],
        &["<error> ldb_eval:1: boom"],
    );
    ask(
        &mut conn,
        &["e", "x = ("],
        &["<error> ldb_eval:1: unexpected symbol near '<eof>'"],
    );
    conn.send(&request(&["a"]));
    let end = rest_until_close(&mut conn);
    let sha = "f88ca969fd1ca6479486a4d6f21480d0173d8560";
    assert_eq!(
        escape(&end),
        escape(
            format!(
                "*1\r\n+<endsession>\r\n-ERR script aborted for user request script: {sha}, on @user_script:1.\r\n"
            )
            .as_bytes()
        )
    );
}

#[test]
fn stepping_logs_commands_errors_and_replies() {
    let server = TestServer::start(&[]);
    let mut conn = start(
        &server,
        "redis.call('set',KEYS[1],'x')\nredis.call('incr',KEYS[1])\nreturn 1",
        &["1", "key"],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   redis.call('set',KEYS[1],'x')",
        ],
    );
    ask(
        &mut conn,
        &["s"],
        &[
            "<redis> set key x",
            "<reply> \"+OK\"",
            "* Stopped at 2, stop reason = step over",
            "-> 2   redis.call('incr',KEYS[1])",
        ],
    );
    conn.send(&request(&["s"]));
    let end = rest_until_close(&mut conn);
    // The script's SHA1 is in the last line; compare around it.
    let head = "*4\r\n+<redis> incr key\r\n+<error> -ERR value is not an integer or out of range\r\n+<reply> \"-ERR value is not an integer or out of range\"\r\n+<endsession>\r\n-ERR value is not an integer or out of range script: ";
    let got = String::from_utf8_lossy(&end).into_owned();
    assert!(got.starts_with(head), "got {got:?}");
    assert!(got.ends_with(", on @user_script:2.\r\n"), "got {got:?}");
}

#[test]
fn protocol_quirks_and_a_long_redis_command() {
    let server = TestServer::start(&[]);
    let mut conn = start(
        &server,
        "return 'hello'",
        &["0"],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   return 'hello'",
        ],
    );
    // 100 arguments: the log shows ten and counts the rest as Redis does.
    let mut long = b"*101\r\n$5\r\nredis\r\n".to_vec();
    for _ in 0..100 {
        long.extend_from_slice(b"$4\r\ntest\r\n");
    }
    conn.send(&long);
    let got = conn.read_reply_bytes();
    assert_eq!(
        escape(&got),
        escape(&lines(&[
            "<redis> test test test test test test test test test test ... (89 more)",
            "<error> Unknown Redis command called from script",
        ]))
    );
    // The name is compared as a C string: "h\0llo" is "h", help.
    conn.send(b"*1\r\n$5\r\nh\x00llo\r\n");
    let help = conn.read_reply_bytes();
    assert!(help.starts_with(b"*30\r\n+Redis Lua debugger help:\r\n"));
    ask(
        &mut conn,
        &["SCRIPT", "DEBUG", "SYNC"],
        &["<error> Unknown Redis Lua debugger command or wrong number of arguments."],
    );
    // Not a multi-bulk: the script ends with a protocol error.
    conn.send(b"garbage\r\n");
    let end = rest_until_close(&mut conn);
    assert!(
        end.starts_with(b"*1\r\n+<endsession>\r\n-ERR protocol error script: "),
        "got {}",
        escape(&end)
    );
    assert_eq!(
        server.query(&["PING"]),
        redis::Value::SimpleString("PONG".into())
    );
}

#[test]
fn evalsha_multi_and_script_debug_errors() {
    let server = TestServer::start(&[]);
    let mut conn = server.raw();
    conn.roundtrip(
        &request(&["SCRIPT", "DEBUG", "MAYBE"]),
        b"-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n",
    );
    conn.roundtrip(&request(&["SCRIPT", "DEBUG", "SYNC"]), b"+OK\r\n");
    conn.roundtrip(
        &request(&["EVALSHA", &"a".repeat(40), "0"]),
        b"-ERR Please use EVAL instead of EVALSHA for debugging\r\n",
    );
    conn.roundtrip(&request(&["MULTI"]), b"+OK\r\n");
    conn.roundtrip(&request(&["SCRIPT", "DEBUG", "NO"]), b"+QUEUED\r\n");
    conn.roundtrip(
        &request(&["EXEC"]),
        b"*1\r\n-ERR SCRIPT DEBUG must be called outside a pipeline\r\n",
    );
    // An EVAL inside EXEC still starts a session; EXEC's reply follows it.
    conn.roundtrip(&request(&["MULTI"]), b"+OK\r\n");
    conn.roundtrip(&request(&["EVAL", "return 1", "0"]), b"+QUEUED\r\n");
    ask(
        &mut conn,
        &["EXEC"],
        &["* Stopped at 1, stop reason = step over", "-> 1   return 1"],
    );
    conn.send(&request(&["s"]));
    assert_eq!(
        escape(&rest_until_close(&mut conn)),
        escape(b"*1\r\n+<endsession>\r\n*1\r\n:1\r\n")
    );
    // A compile error ends the session at once.
    let mut conn = server.raw();
    conn.roundtrip(&request(&["SCRIPT", "DEBUG", "SYNC"]), b"+OK\r\n");
    conn.send(&request(&["EVAL", "return 1 +", "0"]));
    assert_eq!(
        escape(&rest_until_close(&mut conn)),
        escape(b"*1\r\n+<endsession>\r\n-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n")
    );
}

#[test]
fn endless_loops_stop_and_a_closed_client_lets_the_script_finish() {
    let server = TestServer::start(&["--busy-reply-threshold", "200"]);
    let mut conn = start(
        &server,
        "local i = 0\nwhile true do\n  i = i + 1\nend",
        &["0"],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   local i = 0",
        ],
    );
    conn.set_read_timeout(Duration::from_secs(20));
    ask(
        &mut conn,
        &["c"],
        &[
            "* Stopped at 3, stop reason = timeout reached, infinite loop?",
            "-> 3     i = i + 1",
        ],
    );
    conn.send(&request(&["a"]));
    let end = rest_until_close(&mut conn);
    assert!(end.starts_with(b"*1\r\n+<endsession>\r\n-ERR script aborted for user request"));

    // The client goes away mid-session: the script runs to its end.
    let mut conn = start(
        &server,
        "redis.call('set','gone','1')\nreturn 1",
        &["0"],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   redis.call('set','gone','1')",
        ],
    );
    drop(conn);
    let mut other = server.raw();
    other.set_read_timeout(Duration::from_secs(20));
    other.roundtrip(&request(&["GET", "gone"]), b"$1\r\n1\r\n");
    other.roundtrip(&request(&["PING"]), b"+PONG\r\n");
    conn = other;
    conn.roundtrip(&request(&["SCRIPT", "DEBUG", "NO"]), b"+OK\r\n");
    conn.roundtrip(
        &request(&["EVAL", "return redis.breakpoint()", "0"]),
        b"$-1\r\n",
    );
}

#[test]
fn forked_sessions_lose_their_writes_and_the_server_keeps_serving() {
    let server = TestServer::start(&[]);
    let mut other = server.raw();
    other.roundtrip(&request(&["SET", "yes", "0"]), b"+OK\r\n");
    let mut conn = server.raw();
    conn.roundtrip(&request(&["SCRIPT", "DEBUG", "YES"]), b"+OK\r\n");
    ask(
        &mut conn,
        &[
            "EVAL",
            "redis.call('incr','yes')\nreturn redis.call('get','yes')",
            "0",
        ],
        &[
            "* Stopped at 1, stop reason = step over",
            "-> 1   redis.call('incr','yes')",
        ],
    );
    ask(
        &mut conn,
        &["s"],
        &[
            "<redis> incr yes",
            "<reply> 1",
            "* Stopped at 2, stop reason = step over",
            "-> 2   return redis.call('get','yes')",
        ],
    );
    // The session is a forked child: the server answers meanwhile, without its write.
    other.roundtrip(&request(&["GET", "yes"]), b"$1\r\n0\r\n");
    other.roundtrip(&request(&["INCR", "yes"]), b":1\r\n");
    other.roundtrip(&request(&["INCR", "yes"]), b":2\r\n");
    conn.send(&request(&["c"]));
    assert_eq!(
        escape(&rest_until_close(&mut conn)),
        escape(b"*1\r\n+<endsession>\r\n$1\r\n1\r\n")
    );
    other.roundtrip(&request(&["GET", "yes"]), b"$1\r\n2\r\n");
}
