//! DUMP, RESTORE and RESTORE-ASKING through the real dispatcher: payloads for every type
//! and encoding, RESTORE's options and errors in Redis's order, TTLs, access times,
//! WATCH and keyspace events, and corrupt payloads.
//!
//! Expected replies and payloads are what Redis 7.0.15 answered to the same sessions.

use rand::{RngExt, SeedableRng};
use scarlet_protocol::Frame;
use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestClient, TestServer, render};

fn debug_server() -> TestServer {
    TestServer::with_config(|config| config.enable_debug_command = ProtectedAction::Yes)
}

fn bulk(frame: Frame) -> Vec<u8> {
    assert!(
        matches!(frame, Frame::Bulk(_)),
        "expected a bulk reply, got {}",
        render(&frame)
    );
    frame.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()
}

fn dump(c: &mut TestClient, key: &str) -> Vec<u8> {
    bulk(c.cmd(&["DUMP", key]))
}

fn digest(c: &mut TestClient, key: &str) -> String {
    render(&c.cmd(&["DEBUG", "DIGEST-VALUE", key]))
}

/// DUMPs `key`, RESTOREs it as `key` + "-copy", and checks that the copy has the same
/// digest and encoding.
fn round_trip(c: &mut TestClient, key: &str) {
    let payload = dump(c, key);
    let copy = format!("{key}-copy");
    let reply = c.cmd(&[b"RESTORE".as_slice(), copy.as_bytes(), b"0", &payload]);
    assert_eq!(render(&reply), "+OK", "RESTORE of {key}");
    assert_eq!(digest(c, key), digest(c, &copy), "digest of {key}");
    assert_eq!(
        render(&c.cmd(&["OBJECT", "ENCODING", key])),
        render(&c.cmd(&["OBJECT", "ENCODING", &copy])),
        "encoding of {key}"
    );
}

#[test]
fn small_encodings_dump_as_redis_does() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET s hello => +OK
        DUMP s => "\x00\x05hello\n\x00cr\xdfve4 \n"
        SET n 12345 => +OK
        DUMP n => "\x00\xc190\n\x00\x9d\x94\xea'\x93\xfc\b\xb9"
        RPUSH l a b c 1 2 => :5
        DUMP l => "\x12\x01\x02\x14\x14\x00\x00\x00\x05\x00\x81a\x02\x81b\x02\x81c\x02\x01\x01\x02\x01\xff\n\x00\xcb\x19t\\\xc3\xea\xfb\r"
        HSET h a 1 b 2 => :2
        DUMP h => "\x10\x11\x11\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x02\x01\xff\n\x00>@cl\x8f]v\x9a"
        SADD i 1 2 3 => :3
        DUMP i => "\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b"
        ZADD z 1 a 2 b => :2
        DUMP z => "\x11\x11\x11\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x02\x01\xff\n\x00\xba\a\xf2$\xa9\xd2\x8fU"
        DUMP nokey => nil
    "#,
    );
}

#[test]
fn redis_payloads_restore() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RESTORE s 0 "\x00\x05hello\n\x00cr\xdfve4 \n" => +OK
        GET s => "hello"
        OBJECT ENCODING s => "embstr"
        RESTORE l 0 "\x12\x01\x02\x14\x14\x00\x00\x00\x05\x00\x81a\x02\x81b\x02\x81c\x02\x01\x01\x02\x01\xff\n\x00\xcb\x19t\\\xc3\xea\xfb\r" => +OK
        LRANGE l 0 -1 => ["a", "b", "c", "1", "2"]
        RESTORE i 0 "\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b" => +OK
        SMEMBERS i => ["1", "2", "3"]
        OBJECT ENCODING i => "intset"
        RESTORE set 0 "\x02\x02\x01b\x01a\n\x00u\xd9\x9d\x83^\xf8_e" => +OK
        SCARD set => :2
        OBJECT ENCODING set => "hashtable"
    "#,
    );
}

#[test]
fn every_type_and_encoding_round_trips() {
    let server = debug_server();
    let mut c = server.client();
    c.script(
        r#"
        SET str hello => +OK
        SET int 12345 => +OK
        SET neg -9223372036854775808 => +OK
        RPUSH list a b c 1 2 => :5
        SADD intset 1 2 3 -100000 => :4
        SADD set a b c => :3
        HSET hash a 1 b 2 => :2
        ZADD zset 1 a 2.5 b -inf c => :3
        DEBUG QUICKLIST-PACKED-THRESHOLD 100 => +OK
    "#,
    );
    let long = "x".repeat(10_000);
    c.cmd(&["SET", "long", &long]);
    c.cmd(&["RPUSH", "plain", "small", &long, "small2"]);
    for i in 0..1000 {
        let n = i.to_string();
        c.cmd(&["RPUSH", "biglist", &format!("element-{i}")]);
        c.cmd(&["SADD", "bigset", &format!("member-{i}")]);
        c.cmd(&["SADD", "bigintset", &n]);
        c.cmd(&["HSET", "bighash", &format!("field-{i}"), &n]);
        c.cmd(&["ZADD", "bigzset", &n, &format!("member-{i}")]);
    }
    c.script(
        r#"
        OBJECT ENCODING bigset => "hashtable"
        OBJECT ENCODING bigintset => "hashtable"
        OBJECT ENCODING bighash => "hashtable"
        OBJECT ENCODING bigzset => "skiplist"
        OBJECT ENCODING long => "raw"
        OBJECT ENCODING int => "int"
    "#,
    );
    for key in [
        "str",
        "int",
        "neg",
        "long",
        "list",
        "plain",
        "intset",
        "set",
        "hash",
        "zset",
        "biglist",
        "bigset",
        "bigintset",
        "bighash",
        "bigzset",
    ] {
        round_trip(&mut c, key);
    }
}

#[test]
fn compressed_lists_round_trip() {
    let server = TestServer::with_config(|config| {
        config.enable_debug_command = ProtectedAction::Yes;
        config.list_compress_depth = 1;
    });
    let mut c = server.client();
    for i in 0..2000 {
        c.cmd(&[
            "RPUSH",
            "list",
            &format!("some fairly compressible element {i}"),
        ]);
    }
    round_trip(&mut c, "list");
}

#[test]
fn restore_errors_in_redis_order() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET s hello => +OK
        RESTORE s 0 x => -BUSYKEY Target key name already exists.
        RESTORE s -1 x REPLACE => -ERR Invalid TTL value, must be >= 0
        RESTORE s2 -1 x => -ERR Invalid TTL value, must be >= 0
        RESTORE s2 abc x => -ERR value is not an integer or out of range
        RESTORE s2 0 x => -ERR DUMP payload version or checksum are wrong
        RESTORE s2 0 0123456789 => -ERR DUMP payload version or checksum are wrong
        RESTORE s2 0 x IDLETIME -1 => -ERR Invalid IDLETIME value, must be >= 0
        RESTORE s2 0 x IDLETIME abc => -ERR value is not an integer or out of range
        RESTORE s2 0 x FREQ 256 => -ERR Invalid FREQ value, must be >= 0 and <= 255
        RESTORE s2 0 x FREQ -1 => -ERR Invalid FREQ value, must be >= 0 and <= 255
        RESTORE s2 0 x IDLETIME 1 FREQ 1 => -ERR syntax error
        RESTORE s2 0 x FREQ 1 IDLETIME 1 => -ERR syntax error
        RESTORE s2 0 x foo => -ERR syntax error
        RESTORE s2 0 x IDLETIME => -ERR syntax error
        RESTORE s 0 x foo => -ERR syntax error
        RESTORE s2 0 "\x00\x05hello\x0b\x00cr\xdfve4 \n" => -ERR DUMP payload version or checksum are wrong
        RESTORE s2 0 "\x00\x05hellp\n\x00cr\xdfve4 \n" => -ERR DUMP payload version or checksum are wrong
        RESTORE => -ERR wrong number of arguments for 'restore' command
        RESTORE s2 0 => -ERR wrong number of arguments for 'restore' command
        DUMP => -ERR wrong number of arguments for 'dump' command
        DUMP a b => -ERR wrong number of arguments for 'dump' command
        EXISTS s2 => :0
    "#,
    );
}

#[test]
fn skip_checksum_validation() {
    let server = debug_server();
    let mut c = server.client();
    c.script(
        r#"
        RESTORE k 0 "\x00\x05hello\n\x00XXXXXXXX" => -ERR DUMP payload version or checksum are wrong
        DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 => +OK
        RESTORE k 0 "\x00\x05hello\n\x00XXXXXXXX" => +OK
        GET k => "hello"
        RESTORE k2 0 "\x00\x05hello\x0b\x00XXXXXXXX" => -ERR DUMP payload version or checksum are wrong
        RESTORE k2 0 "\x00\x20hello\n\x00XXXXXXXX" => -ERR Bad data format
        RESTORE k2 0 "\x00\x09hello\n\x00XXXXXXXX" => +OK
        GET k2 => "hello\n\x00XX"
        RESTORE k4 0 "\x14\x01a\n\x00XXXXXXXX" => -ERR Bad data format
        RESTORE k5 0 "\x02\x00\n\x00XXXXXXXX" => -ERR Bad data format
        DEBUG SET-SKIP-CHECKSUM-VALIDATION 0 => +OK
        RESTORE k3 0 "\x00\x05hello\n\x00XXXXXXXX" => -ERR DUMP payload version or checksum are wrong
    "#,
    );
}

#[test]
fn ttls_replace_and_absttl() {
    let mut c = TestServer::new().client();
    let payload = b"\x00\x05hello\n\x00cr\xdfve4 \n".as_slice();
    let restore = |c: &mut TestClient, args: &[&str]| {
        let mut argv: Vec<&[u8]> =
            vec![b"RESTORE", args[0].as_bytes(), args[1].as_bytes(), payload];
        argv.extend(args[2..].iter().map(|a| a.as_bytes()));
        render(&c.cmd(&argv))
    };
    assert_eq!(restore(&mut c, &["k", "3000"]), "+OK");
    let pttl: i64 = render(&c.cmd(&["PTTL", "k"]))[1..].parse().unwrap();
    assert!((2000..=3000).contains(&pttl), "{pttl}");
    // An expire that overflows 32 bits.
    assert_eq!(restore(&mut c, &["big", "2569591501", "REPLACE"]), "+OK");
    let pttl: i64 = render(&c.cmd(&["PTTL", "big"]))[1..].parse().unwrap();
    assert!((2569591501 - 2000..=2569591501).contains(&pttl), "{pttl}");
    assert_eq!(restore(&mut c, &["abs", "32503680000123", "ABSTTL"]), "+OK");
    assert_eq!(render(&c.cmd(&["PEXPIRETIME", "abs"])), ":32503680000123");
    // ABSTTL in the past: nothing is created; with REPLACE the old key goes.
    assert_eq!(restore(&mut c, &["past", "1000", "ABSTTL"]), "+OK");
    assert_eq!(render(&c.cmd(&["EXISTS", "past"])), ":0");
    assert_eq!(
        restore(&mut c, &["abs", "1000", "ABSTTL"]),
        "-BUSYKEY Target key name already exists."
    );
    assert_eq!(
        restore(&mut c, &["abs", "1000", "ABSTTL", "REPLACE"]),
        "+OK"
    );
    assert_eq!(render(&c.cmd(&["EXISTS", "abs"])), ":0");
    // REPLACE drops the old TTL.
    c.cmd(&["SET", "t", "v", "EX", "100"]);
    assert_eq!(restore(&mut c, &["t", "0", "REPLACE"]), "+OK");
    assert_eq!(render(&c.cmd(&["TTL", "t"])), ":-1");
    assert_eq!(render(&c.cmd(&["GET", "t"])), "\"hello\"");
}

#[test]
fn idletime_and_freq() {
    let mut c = TestServer::new().client();
    let payload = b"\x00\x05hello\n\x00cr\xdfve4 \n".as_slice();
    c.cmd(&[
        b"RESTORE".as_slice(),
        b"k",
        b"0",
        payload,
        b"IDLETIME",
        b"1000",
    ]);
    let idle: i64 = render(&c.cmd(&["OBJECT", "IDLETIME", "k"]))[1..]
        .parse()
        .unwrap();
    assert!((1000..1010).contains(&idle), "{idle}");
    c.script(
        r#"
        OBJECT FREQ k => -ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.
        CONFIG SET maxmemory-policy allkeys-lfu => +OK
    "#,
    );
    c.cmd(&[b"RESTORE".as_slice(), b"f", b"0", payload, b"FREQ", b"100"]);
    c.script("OBJECT FREQ f => :100");
    // The option that does not apply to the policy is ignored.
    c.cmd(&[
        b"RESTORE".as_slice(),
        b"g",
        b"0",
        payload,
        b"IDLETIME",
        b"100",
    ]);
    c.script("OBJECT FREQ g => :5");
}

#[test]
fn restore_signals_watch_and_sends_its_event() {
    let server = TestServer::new();
    let mut watcher = server.client();
    let mut other = server.client();
    let mut subscriber = server.client();
    subscriber.script(
        r#"
        PSUBSCRIBE __key* => ["psubscribe", "__key*", :1]
    "#,
    );
    other.script("CONFIG SET notify-keyspace-events KEAn => +OK");
    watcher.script(
        r#"
        WATCH k => +OK
        MULTI => +OK
        PING => +QUEUED
    "#,
    );
    let payload = b"\x00\x05hello\n\x00cr\xdfve4 \n".as_slice();
    assert_eq!(
        render(&other.cmd(&[b"RESTORE".as_slice(), b"k", b"0", payload])),
        "+OK"
    );
    watcher.script("EXEC => *-1");
    let events = render_bytes_all(&mut subscriber);
    assert!(
        events.contains(r#""__keyspace@0__:k", "new"]"#)
            && events.contains(r#""__keyspace@0__:k", "restore"]"#)
            && events.contains(r#""__keyevent@0__:restore", "k"]"#),
        "{events}"
    );
}

fn render_bytes_all(c: &mut TestClient) -> String {
    scarlet_server::testkit::render_bytes(&c.resume())
}

#[test]
fn random_payloads_are_errors_not_crashes() {
    let server = debug_server();
    let mut c = server.client();
    c.script("DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 => +OK");
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    for round in 0..3000u32 {
        let len = rng.random_range(0..120);
        let mut payload: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if let Some(kind) = payload.first_mut() {
            *kind = rng.random_range(0..22);
        }
        payload.extend_from_slice(&[10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let key = format!("k{round}");
        let reply = render(&c.cmd(&[b"RESTORE".as_slice(), key.as_bytes(), b"0", &payload]));
        assert!(
            reply == "+OK" || reply == "-ERR Bad data format",
            "{reply} for {payload:?}"
        );
    }
    // The server still answers.
    c.script("PING => +PONG");
}

/// Every `sanitize-dump-payload` mode takes sound payloads and refuses corrupt ones: the
/// reader validates deeply whatever the mode (Redis without sanitizing would accept some
/// corrupt blobs and crash later).
#[test]
fn sanitize_modes_all_validate() {
    let server = debug_server();
    let mut c = server.client();
    c.script("DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 => +OK");
    for mode in ["no", "yes", "clients"] {
        c.script(&format!(
            r#"
            CONFIG SET sanitize-dump-payload {mode} => +OK
            CONFIG GET sanitize-dump-payload => ["sanitize-dump-payload", "{mode}"]
            RESTORE s-{mode} 0 "\x00\x05hello\n\x00cr\xdfve4 \n" => +OK
            RESTORE h-{mode} 0 "\x10\x17\x17\x00\x00\x00\x04\x00\x82a\x00\x03\x82b\x00\x03\x82a\x00\x03\x82d\x00\x03\xff\n\x00\xc0\xcf\xa6\x87\xe5\xa7\xc5\xbe" => -ERR Bad data format
            RESTORE l-{mode} 0 "\x12\x01\x01\x00\n\x00\x8f\xc6\xc0W\x1c\n\xb3<" => -ERR Bad data format
            RESTORE z-{mode} 0 "\x0c\x19\x19\x00\x00\x00\x02\x00\x00\x00\x06\x00\x00\xf1\x02\xf1\x02\x02_1\x04\xf2\x02\xf3\x02\xf3\xff\t\x00Mr{{\x97\xcd\x9ap\xc1" => -ERR Bad data format
            RESTORE m-{mode} 0 "\t\x02\x00\xff\t\x00\xc0\xf1\xb8gL\x16\xac\xe3" => -ERR Bad data format
        "#
        ));
    }
}

#[test]
fn restore_asking_is_restore() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RESTORE-ASKING s 0 "\x00\x05hello\n\x00cr\xdfve4 \n" => +OK
        GET s => "hello"
        RESTORE-ASKING s 0 "\x00\x05hello\n\x00cr\xdfve4 \n" => -BUSYKEY Target key name already exists.
    "#,
    );
}
