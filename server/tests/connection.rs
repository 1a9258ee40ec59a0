//! The connection family through the real dispatcher: PING, ECHO, SELECT, QUIT, RESET,
//! HELLO and AUTH, with and without `requirepass`.
//!
//! Script rows hold Redis 7.0.15's replies to the same session. HELLO's reply carries the
//! client id, which counts differently (Redis's first connections get ids after its
//! internal clients'), so HELLO replies are checked in code against the client's own id.

use scarlet_server::testkit::{TestClient, TestServer, render, render_bytes};

/// HELLO's reply for this client, in RESP2 or RESP3 shape, as Redis 7.0.15 sends it.
fn hello_reply(c: &TestClient, proto: u8) -> String {
    let id = c.id();
    if proto == 3 {
        format!(
            r#"{{"server": "redis", "version": "7.0.15", "proto": :3, "id": :{id}, "mode": "standalone", "role": "master", "modules": []}}"#
        )
    } else {
        format!(
            r#"["server", "redis", "version", "7.0.15", "proto", :2, "id", :{id}, "mode", "standalone", "role", "master", "modules", []]"#
        )
    }
}

#[test]
fn ping_and_echo() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        PING => +PONG
        PING hello => "hello"
        PING "" => ""
        ping "a\x00b" => "a\x00b"
        PING a b => -ERR wrong number of arguments for 'ping' command
        ECHO hello => "hello"
        ECHO "" => ""
        ECHO "\xff\r\n" => "\xff\r\n"
        ECHO => -ERR wrong number of arguments for 'echo' command
        ECHO a b => -ERR wrong number of arguments for 'echo' command
    "#,
    );
    c.resp3().script(
        r#"
        PING => +PONG
        PING hello => "hello"
        ECHO x => "x"
    "#,
    );
}

#[test]
fn select_switches_databases() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k db0 => +OK
        SELECT 1 => +OK
        GET k => nil
        SET k db1 => +OK
        SELECT 15 => +OK
        DBSIZE => :0
        SELECT 0 => +OK
        GET k => "db0"
        SELECT 16 => -ERR DB index is out of range
        SELECT -1 => -ERR DB index is out of range
        SELECT abc => -ERR value is not an integer or out of range
        SELECT 1.0 => -ERR value is not an integer or out of range
        SELECT "" => -ERR value is not an integer or out of range
        SELECT 2147483648 => -ERR value is out of range, value must between -2147483648 and 2147483647
        SELECT -2147483649 => -ERR value is out of range, value must between -2147483648 and 2147483647
        SELECT 99999999999999999999 => -ERR value is not an integer or out of range
        SELECT 01 => -ERR value is not an integer or out of range
        SELECT => -ERR wrong number of arguments for 'select' command
        SELECT 1 2 => -ERR wrong number of arguments for 'select' command
        GET k => "db0"
    "#,
    );
}

#[test]
fn quit_replies_then_closes() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        QUIT extra args => +OK
                        => (closed)
    "#,
    );
    assert!(c.is_closed());
    assert!(c.send(&["PING"]).is_empty());
}

#[test]
fn quit_in_a_pipeline_drops_what_follows() {
    let mut c = TestServer::new().client();
    let out = c.raw(b"PING\r\nQUIT\r\nPING\r\n");
    assert_eq!(out, b"+PONG\r\n+OK\r\n");
    assert!(c.is_closed());
}

#[test]
fn reset_restores_the_initial_state() {
    let server = TestServer::new();
    let mut c = server.client();
    c.script(
        r#"
        SELECT 3 => +OK
        CLIENT SETNAME conn => +OK
        CLIENT NO-EVICT on => +OK
        # scarlet: CLIENT NO-TOUCH is Redis 7.2's; Scarlet accepts it (DESIGN.md).
        CLIENT NO-TOUCH on => +OK
        SET k v => +OK
    "#,
    );
    assert_eq!(render(&c.line("HELLO 3")), hello_reply(&c, 3));
    c.script(
        r#"
        RESET => +RESET
        CLIENT GETNAME => nil
        GET k => nil
    "#,
    );
    let info = render(&c.line("CLIENT INFO"));
    assert!(
        info.contains(" name= ") && info.contains(" db=0 ") && info.contains("resp=2"),
        "{info}"
    );
    // Redis 7.0 keeps NO-EVICT across RESET.
    assert!(info.contains(" flags=e "), "{info}");
    c.script(
        r#"
        SELECT 3 => +OK
        GET k => "v"
        RESET x => -ERR wrong number of arguments for 'reset' command
    "#,
    );
    // RESET turns replies back on; after a SKIP, RESET's own reply is the one skipped.
    c.script(
        r#"
        CLIENT REPLY OFF =>
        RESET => +RESET
        PING => +PONG
        CLIENT REPLY SKIP =>
        RESET =>
        PING => +PONG
    "#,
    );
}

#[test]
fn hello_switches_protocols_and_names() {
    let server = TestServer::new();
    let mut c = server.client();
    assert_eq!(render(&c.line("HELLO")), hello_reply(&c, 2));
    assert_eq!(render(&c.line("HELLO 3")), hello_reply(&c, 3));
    // Without a version, HELLO reports the current protocol.
    assert_eq!(render(&c.line("HELLO")), hello_reply(&c, 3));
    assert_eq!(render(&c.line("HELLO 3 SETNAME x")), hello_reply(&c, 3));
    assert_eq!(render(&c.line("CLIENT GETNAME")), r#""x""#);
    assert_eq!(render(&c.line("HELLO 2 SETNAME ok")), hello_reply(&c, 2));
    assert_eq!(render(&c.line("CLIENT GETNAME")), r#""ok""#);
    // An empty name clears it.
    assert_eq!(render(&c.line(r#"HELLO 3 SETNAME """#)), hello_reply(&c, 3));
    assert_eq!(render(&c.line("CLIENT GETNAME")), "nil");
    // With no password set, the default user takes any password.
    assert_eq!(
        render(&c.line("HELLO 2 AUTH default whatever")),
        hello_reply(&c, 2)
    );
    assert_eq!(
        render(&c.line("HELLO 3 setname n2 auth default x")),
        hello_reply(&c, 3)
    );
    assert_eq!(render(&c.line("CLIENT GETNAME")), r#""n2""#);
    c.script(
        r#"
        CLIENT SETNAME keep => +OK
        HELLO 3 AUTH default => -ERR Syntax error in HELLO option 'AUTH'
        HELLO 3 AUTH => -ERR Syntax error in HELLO option 'AUTH'
        HELLO 3 "F\x00OO" => -ERR Syntax error in HELLO option 'F'
        HELLO 3 FOO => -ERR Syntax error in HELLO option 'FOO'
        HELLO 3 SETNAME => -ERR Syntax error in HELLO option 'SETNAME'
        HELLO 3 SETNAME "a b" => -ERR Client names cannot contain spaces, newlines or special characters.
        HELLO 3 SETNAME "a\nb" => -ERR Client names cannot contain spaces, newlines or special characters.
        HELLO 3 AUTH default x FOO => -ERR Syntax error in HELLO option 'FOO'
        HELLO 3 AUTH nouser pass => -WRONGPASS invalid username-password pair or user is disabled.
        HELLO 1 => -NOPROTO unsupported protocol version
        HELLO 4 => -NOPROTO unsupported protocol version
        HELLO -1 => -NOPROTO unsupported protocol version
        HELLO 0 => -NOPROTO unsupported protocol version
        HELLO abc => -ERR Protocol version is not an integer or out of range
        HELLO 2.0 => -ERR Protocol version is not an integer or out of range
        HELLO "" => -ERR Protocol version is not an integer or out of range
        HELLO 9223372036854775808 => -ERR Protocol version is not an integer or out of range
        HELLO 4 FOO => -NOPROTO unsupported protocol version
        HELLO abc FOO => -ERR Protocol version is not an integer or out of range
        CLIENT GETNAME => "keep"
    "#,
    );
}

#[test]
fn auth_without_a_password() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        AUTH xyz => -ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?
        AUTH default xyz => +OK
        AUTH default "" => +OK
        AUTH nouser xyz => -WRONGPASS invalid username-password pair or user is disabled.
        AUTH a b c => -ERR syntax error
        AUTH => -ERR wrong number of arguments for 'auth' command
    "#,
    );
}

#[test]
fn requirepass_gates_every_command_but_a_few() {
    // redis-config: requirepass foo
    let server = TestServer::with_config(|config| config.requirepass = Some(b"foo".to_vec()));
    let mut c = server.client();
    c.script(
        r#"
        PING => -NOAUTH Authentication required.
        GET k => -NOAUTH Authentication required.
        CLIENT ID => -NOAUTH Authentication required.
        GET => -ERR wrong number of arguments for 'get' command
        FOOBAR => -ERR unknown command 'FOOBAR', with args beginning with: 
        CLIENT FOO => -ERR unknown subcommand 'FOO'. Try CLIENT HELP.
        HELLO 3 => -NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time
        HELLO 3 AUTH default wrong => -WRONGPASS invalid username-password pair or user is disabled.
        HELLO 3 AUTH nouser foo => -WRONGPASS invalid username-password pair or user is disabled.
        AUTH bar => -WRONGPASS invalid username-password pair or user is disabled.
        AUTH default bar => -WRONGPASS invalid username-password pair or user is disabled.
        AUTH a b c => -ERR syntax error
        PING => -NOAUTH Authentication required.
        AUTH foo => +OK
        PING => +PONG
        GET k => nil
        RESET => +RESET
        PING => -NOAUTH Authentication required.
        AUTH default foo => +OK
        PING => +PONG
        QUIT => +OK
             => (closed)
    "#,
    );
    let mut c = server.client();
    assert_eq!(
        render(&c.line("HELLO 3 AUTH default foo")),
        hello_reply(&c, 3)
    );
    assert_eq!(render(&c.line("PING")), "+PONG");
}

#[test]
fn requirepass_set_at_runtime() {
    let server = TestServer::new();
    let mut c0 = server.client();
    c0.script(
        r#"
        CONFIG SET requirepass foo => +OK
        PING => +PONG
    "#,
    );
    // A connection made while a password is set must authenticate ...
    let mut c1 = server.client();
    c1.script(
        r#"
        PING => -NOAUTH Authentication required.
        HELLO 3 => -NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time
    "#,
    );
    c0.script(
        r#"
        CONFIG SET requirepass "" => +OK
    "#,
    );
    // ... until the password is removed: then commands run, but HELLO still wants the
    // connection to have authenticated.
    c1.script(
        r#"
        PING => +PONG
        HELLO 2 => -NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time
        CLIENT SETNAME x => +OK
    "#,
    );
    c0.script(
        r#"
        CONFIG SET requirepass foo => +OK
    "#,
    );
    c1.script(
        r#"
        PING => -NOAUTH Authentication required.
        RESET => +RESET
        PING => -NOAUTH Authentication required.
        AUTH foo => +OK
        PING => +PONG
        RESET => +RESET
        PING => -NOAUTH Authentication required.
    "#,
    );
}

#[test]
fn unauthenticated_protocol_limits_follow_the_current_password() {
    let server = TestServer::new();
    let mut c0 = server.client();
    c0.line("CONFIG SET requirepass foo");
    let mut c1 = server.client();
    assert_eq!(render(&c1.line("PING")), "-NOAUTH Authentication required.");
    let mut twenty = b"*20\r\n".to_vec();
    for _ in 0..20 {
        twenty.extend_from_slice(b"$1\r\nx\r\n");
    }
    c0.line(r#"CONFIG SET requirepass """#);
    // No password any more: a 20-argument request is an ordinary (unknown) command.
    let expected = format!(
        "-ERR unknown command 'x', with args beginning with: {}",
        "'x' ".repeat(19)
    );
    assert_eq!(render_bytes(&c1.raw(&twenty)), expected);
    c0.line("CONFIG SET requirepass foo");
    // A password again: more than 10 arguments before AUTH is a protocol error.
    assert_eq!(
        c1.raw(&twenty),
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    assert!(c1.is_closed());
}
