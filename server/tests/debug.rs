//! DEBUG through the real dispatcher: the enable-debug-command gate, PROTOCOL for every
//! type in RESP2 and RESP3, DIGEST and DIGEST-VALUE, OBJECT, POPULATE, ERROR, LOG, SLEEP,
//! SET-ACTIVE-EXPIRE, PAUSE-CRON, STRINGMATCH-TEST and the argument errors.
//!
//! Script rows hold Redis 7.0.15's replies to the same session (with
//! `enable-debug-command yes`); digests are Redis's own numbers for the same data.

use scarlet_server::client::Peer;
use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestServer, render, render_bytes};

fn debug_server() -> TestServer {
    TestServer::with_config(|config| config.enable_debug_command = ProtectedAction::Yes)
}

#[test]
fn debug_is_refused_unless_enabled() {
    let server = TestServer::new();
    let mut c = server.client();
    c.script(
        r#"
        # scarlet: the reference server runs with enable-debug-command yes; Redis's
        # scarlet: default "no" refuses with this error.
        DEBUG HELP => -ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.
        # scarlet: as above.
        DEBUG PROTOCOL string => -ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.
        # The arity check comes first.
        DEBUG => -ERR wrong number of arguments for 'debug' command
    "#,
    );
    // "local" lets loopback and Unix socket clients in, and no one else.
    let server = TestServer::with_config(|config| {
        config.enable_debug_command = ProtectedAction::Local;
        config.protected_mode = false;
    });
    let mut local = server.client();
    assert_eq!(render(&local.line("DEBUG PROTOCOL integer")), ":12345");
    let mut unix = server.connect(Peer {
        addr: "/tmp/scarlet.sock:0".into(),
        local: "/tmp/scarlet.sock:0".into(),
        fd: 9,
        unix: true,
    });
    assert_eq!(render(&unix.line("DEBUG PROTOCOL integer")), ":12345");
    let mut remote = server.connect(Peer {
        addr: "10.0.0.7:40000".into(),
        local: "10.0.0.1:6379".into(),
        fd: 10,
        unix: false,
    });
    assert!(
        render(&remote.line("DEBUG PROTOCOL integer"))
            .starts_with("-ERR DEBUG command not allowed.")
    );
}

#[test]
fn protocol_in_resp2() {
    let mut c = debug_server().client();
    c.script(
        r#"
        DEBUG PROTOCOL string => "Hello World"
        DEBUG PROTOCOL integer => :12345
        DEBUG PROTOCOL double => "3.141"
        DEBUG PROTOCOL bignum => "1234567999999999999999999999999999999"
        DEBUG PROTOCOL null => nil
        DEBUG PROTOCOL array => [:0, :1, :2]
        DEBUG PROTOCOL set => [:0, :1, :2]
        DEBUG PROTOCOL map => [:0, :0, :1, :1, :2, :0]
        DEBUG PROTOCOL attrib => "Some real reply following the attribute"
        DEBUG PROTOCOL push => -ERR RESP2 is not supported by this command
        DEBUG PROTOCOL verbatim => "This is a verbatim\nstring"
        DEBUG PROTOCOL true => :1
        DEBUG PROTOCOL false => :0
        DEBUG PROTOCOL foo => -ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false
        DEBUG PROTOCOL STRING => "Hello World"
        DEBUG PROTOCOL => -ERR unknown subcommand or wrong number of arguments for 'PROTOCOL'. Try DEBUG HELP.
        DEBUG PROTOCOL a b => -ERR unknown subcommand or wrong number of arguments for 'PROTOCOL'. Try DEBUG HELP.
    "#,
    );
}

#[test]
fn protocol_in_resp3() {
    let mut c = debug_server().client();
    c.resp3().script(
        r#"
        DEBUG PROTOCOL string => "Hello World"
        DEBUG PROTOCOL integer => :12345
        DEBUG PROTOCOL double => ,3.141
        DEBUG PROTOCOL bignum => (1234567999999999999999999999999999999
        DEBUG PROTOCOL null => nil
        DEBUG PROTOCOL array => [:0, :1, :2]
        DEBUG PROTOCOL set => ~[:0, :1, :2]
        DEBUG PROTOCOL map => {:0: #f, :1: #t, :2: #f}
        DEBUG PROTOCOL attrib => |{"key-popularity": ["key:123", :90]}
                              => "Some real reply following the attribute"
        DEBUG PROTOCOL push => >["server-cpu-usage", :42]
                            => "Some real reply following the push reply"
        DEBUG PROTOCOL verbatim => =txt:"This is a verbatim\nstring"
        DEBUG PROTOCOL true => #t
        DEBUG PROTOCOL false => #f
    "#,
    );
}

#[test]
fn protocol_exact_bytes() {
    let mut c = debug_server().client();
    let resp2: &[(&str, &[u8])] = &[
        ("double", b"$5\r\n3.141\r\n"),
        (
            "bignum",
            b"$37\r\n1234567999999999999999999999999999999\r\n",
        ),
        ("null", b"$-1\r\n"),
        ("map", b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n"),
        ("true", b":1\r\n"),
        ("verbatim", b"$25\r\nThis is a verbatim\nstring\r\n"),
    ];
    for (name, bytes) in resp2 {
        assert_eq!(c.send(&["DEBUG", "PROTOCOL", name]), *bytes, "{name}");
    }
    c.resp3();
    let resp3: &[(&str, &[u8])] = &[
        ("double", b",3.141\r\n"),
        ("bignum", b"(1234567999999999999999999999999999999\r\n"),
        ("null", b"_\r\n"),
        ("set", b"~3\r\n:0\r\n:1\r\n:2\r\n"),
        ("map", b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
        ("true", b"#t\r\n"),
        ("false", b"#f\r\n"),
        ("verbatim", b"=29\r\ntxt:This is a verbatim\nstring\r\n"),
        (
            "attrib",
            b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
        ),
        (
            "push",
            b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n",
        ),
    ];
    for (name, bytes) in resp3 {
        assert_eq!(c.send(&["DEBUG", "PROTOCOL", name]), *bytes, "{name}");
    }
}

#[test]
fn digests_are_redis_numbers() {
    let mut c = debug_server().client();
    c.script(
        r#"
        DEBUG DIGEST => +0000000000000000000000000000000000000000
        DEBUG DIGEST-VALUE nokey => [+0000000000000000000000000000000000000000]
        DEBUG DIGEST-VALUE => []
        SET a 1 => +OK
        DEBUG DIGEST => +943d800368fb9c0e951138f1bc0e313ac769d91f
        DEBUG DIGEST-VALUE a => [+b4fc66738120fba0b5aa500ab5c2bf89cea1c5da]
        SET a 1 EXAT 32503680000 => +OK
        DEBUG DIGEST => +0c68bbcf4ad5c984f8ca839729889d52ec025271
        DEBUG DIGEST-VALUE a => [+5279988c5d1911f474bcbbf2f0a87012d40f8459]
        SET b abc => +OK
        DEBUG DIGEST => +bd03fe08a6b3b7dfb69fcffc273469f4bb1bcbb3
        DEBUG DIGEST-VALUE b a nokey => [+21ffcd2d36aebffca02995acb412bcb827d4c1db, +5279988c5d1911f474bcbbf2f0a87012d40f8459, +0000000000000000000000000000000000000000]
        SET k 12 => +OK
        DEBUG DIGEST-VALUE k => [+655ac46b180ad2f61a3cee25f0b1780fa2ec879a]
        SET long 123456789012345678901234567890123456789012345678901234567890 => +OK
        DEBUG DIGEST-VALUE long => [+d962bcec0fd56d9e5e299929915479a7424c20f6]
        SELECT 1 => +OK
        SET a 1 => +OK
        DEBUG DIGEST => +c034d69e61d26e576a38ac10c087ab4cccd360ef
        DEBUG DIGEST-VALUE a => [+b4fc66738120fba0b5aa500ab5c2bf89cea1c5da]
        FLUSHALL => +OK
        DEBUG DIGEST => +0000000000000000000000000000000000000000
        DEBUG DIGEST x => -ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.
    "#,
    );
}

#[test]
fn equal_datasets_have_equal_digests() {
    let server_a = debug_server();
    let server_b = debug_server();
    let mut a = server_a.client();
    let mut b = server_b.client();
    // The same data written in different orders and ways.
    a.script(
        r#"
        MSET x 1 y hello z 3.5 => +OK
        SET t v EXAT 32503680000 => +OK
        SELECT 2 => +OK
        SET other v => +OK
        SELECT 0 => +OK
    "#,
    );
    b.script(
        r#"
        SELECT 2 => +OK
        APPEND other v => :1
        SELECT 0 => +OK
        INCRBYFLOAT z 3.5 => "3.5"
        SET t v => +OK
        EXPIREAT t 32503680000 => :1
        SET y hel => +OK
        APPEND y lo => :5
        INCR x => :1
    "#,
    );
    let digest = |c: &mut scarlet_server::testkit::TestClient| render(&c.line("DEBUG DIGEST"));
    assert_eq!(digest(&mut a), digest(&mut b));
    assert_eq!(
        render(&a.line("DEBUG DIGEST-VALUE x y z t")),
        render(&b.line("DEBUG DIGEST-VALUE x y z t"))
    );
    // A TTL is part of the digest.
    b.line("PERSIST t");
    assert_ne!(digest(&mut a), digest(&mut b));
}

#[test]
fn object_populate_and_small_subcommands() {
    let mut c = debug_server().client();
    c.script(
        r#"
        DEBUG OBJECT nokey => -ERR no such key
        DEBUG POPULATE 3 => +OK
        DBSIZE => :3
        MGET key:0 key:2 => ["value:0", "value:2"]
        DEBUG POPULATE 2 pre => +OK
        MGET pre:0 pre:1 => ["value:0", "value:1"]
        DEBUG POPULATE 2 big 10 => +OK
        GET big:0 => "value:0\x00\x00\x00"
        DEBUG POPULATE 1 small 3 => +OK
        GET small:0 => "val"
        SET key:1 kept => +OK
        DEBUG POPULATE 3 => +OK
        GET key:1 => "kept"
        DEBUG POPULATE -1 => -ERR value is out of range, must be positive
        DEBUG POPULATE abc => -ERR value is out of range, must be positive
        DEBUG POPULATE 1 x -1 => -ERR value is out of range, must be positive
        DEBUG POPULATE 1 x abc => -ERR value is out of range, must be positive
        DEBUG POPULATE 0 => +OK
        DEBUG POPULATE => -ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.
        DEBUG POPULATE 1 a 1 x => -ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.
        DEBUG LOG hello => +OK
        DEBUG LOG => -ERR unknown subcommand or wrong number of arguments for 'LOG'. Try DEBUG HELP.
        DEBUG SLEEP 0 => +OK
        DEBUG SLEEP abc => +OK
        DEBUG SET-ACTIVE-EXPIRE 1 => +OK
        DEBUG SET-ACTIVE-EXPIRE 0 => +OK
        DEBUG PAUSE-CRON 0 => +OK
        DEBUG ERROR foo => -foo
        DEBUG ERROR "-CUSTOM code here" => --CUSTOM code here
        DEBUG ERROR "" => -
        DEBUG ERROR "-" => --
        DEBUG ERROR "a\r\nb" => -a  b
        DEBUG FOO => -ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.
        DEBUG foo bar => -ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.
        DEBUG "\x00x" => -ERR unknown subcommand or wrong number of arguments for ''. Try DEBUG HELP.
        DEBUG "ab\x00cd" 1 => -ERR unknown subcommand or wrong number of arguments for 'ab'. Try DEBUG HELP.
        DEBUG HELP x => -ERR unknown subcommand or wrong number of arguments for 'HELP'. Try DEBUG HELP.
        DEBUG => -ERR wrong number of arguments for 'debug' command
    "#,
    );
    c.line("SET k 12");
    let object = render(&c.line("DEBUG OBJECT k"));
    assert!(object.starts_with("+Value at:0x"), "{object}");
    assert!(
        object.contains(" refcount:2147483647 encoding:int serializedlength:2 lru:"),
        "{object}"
    );
    c.line("SET s abcdefghij");
    let object = render(&c.line("DEBUG OBJECT s"));
    assert!(
        object.contains(" refcount:1 encoding:embstr serializedlength:11 lru:"),
        "{object}"
    );
    let help = render(&c.line("DEBUG HELP"));
    assert!(
        help.starts_with("[+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, ")
            && help.ends_with(", +HELP, +    Prints this help.]"),
        "{help}"
    );
}

#[test]
fn stringmatch_test_returns() {
    let mut c = debug_server().client();
    assert_eq!(
        render_bytes(&c.send(&["DEBUG", "STRINGMATCH-TEST"])),
        "+Apparently Redis did not crash: test passed"
    );
}

#[test]
fn debug_error_is_not_counted_as_an_error_reply() {
    let mut c = debug_server().client();
    c.script(
        r#"
        CONFIG RESETSTAT => +OK
        DEBUG ERROR "ERR boom" => -ERR boom
        FOOBAR => -ERR unknown command 'FOOBAR', with args beginning with: 
    "#,
    );
    let stats = render(&c.line("INFO stats"));
    assert!(stats.contains("total_error_replies:1\\r\\n"), "{stats}");
}

#[test]
fn unknown_subcommand_is_quoted_as_a_c_string_of_at_most_128_bytes() {
    let mut c = debug_server().client();
    let long = "x".repeat(200);
    assert_eq!(
        render(&c.cmd(&["DEBUG", long.as_str()])),
        format!(
            "-ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            "x".repeat(128)
        )
    );
}

#[test]
fn replybuffer_resizing_toggles() {
    let server = debug_server();
    let mut c = server.client();
    c.script(
        r#"
        DEBUG REPLYBUFFER RESIZING 0 => +OK
        DEBUG REPLYBUFFER RESIZING 1 => +OK
        DEBUG REPLYBUFFER RESIZING => -ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP.
    "#,
    );
    assert!(
        server
            .state()
            .reply_buffer_resizing
            .load(std::sync::atomic::Ordering::Relaxed)
    );
}
