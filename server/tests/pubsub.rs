//! Pub/Sub through the real dispatcher with several clients: subscription notices and
//! counts, messages and pattern messages, shard channels, RESP2's subscribed-mode rules
//! and RESP3 pushes, PUBSUB introspection, MONITOR lines, and keyspace notifications of
//! the keyspace layer itself (new keys, expiry, misses). Each expected reply is what
//! Redis 7.0.15 answered to the same session.

use scarlet_server::testkit::{TestServer, render_bytes};

#[test]
fn subscribe_publish_and_unsubscribe() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut publisher = server.client();
    sub.script(
        r#"
        SUBSCRIBE a b a => ["subscribe", "a", :1]
        => ["subscribe", "b", :2]
        => ["subscribe", "a", :2]
        PSUBSCRIBE news.* => ["psubscribe", "news.*", :3]
    "#,
    );
    publisher.script(
        r#"
        PUBLISH a hello => :1
        PUBLISH news.today x => :1
        PUBLISH nobody x => :0
        PUBSUB NUMSUB a b c => ["a", :1, "b", :1, "c", :0]
        PUBSUB NUMPAT => :1
        PUBSUB CHANNELS b* => ["b"]
        PUBSUB CHANNELS x y => -ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.
    "#,
    );
    assert_eq!(
        render_bytes(&sub.resume()),
        "[\"message\", \"a\", \"hello\"]\n[\"pmessage\", \"news.*\", \"news.today\", \"x\"]"
    );
    sub.script(
        r#"
        GET k => -ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context
        PING => ["pong", ""]
        PING hi => ["pong", "hi"]
        UNSUBSCRIBE a => ["unsubscribe", "a", :2]
        PUNSUBSCRIBE => ["punsubscribe", "news.*", :1]
        PUNSUBSCRIBE => ["punsubscribe", nil, :1]
        UNSUBSCRIBE => ["unsubscribe", "b", :0]
        UNSUBSCRIBE => ["unsubscribe", nil, :0]
        PING => +PONG
    "#,
    );
}

#[test]
fn resp3_subscribers_get_pushes_and_may_run_anything() {
    let server = TestServer::new();
    let mut sub = server.client();
    sub.resp3();
    sub.script(
        r#"
        SUBSCRIBE ch => >["subscribe", "ch", :1]
        SET k v => +OK
        PUBLISH ch self => >["message", "ch", "self"]
        => :1
    "#,
    );
}

#[test]
fn shard_channels() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut publisher = server.client();
    sub.script(
        r#"
        SSUBSCRIBE s1 s2 => ["ssubscribe", "s1", :1]
        => ["ssubscribe", "s2", :2]
        SUBSCRIBE c => ["subscribe", "c", :1]
    "#,
    );
    publisher.script(
        r#"
        SPUBLISH s1 m => :1
        PUBLISH s1 m => :0
        PUBSUB SHARDCHANNELS s1* => ["s1"]
        PUBSUB SHARDNUMSUB s1 x => ["s1", :1, "x", :0]
    "#,
    );
    assert_eq!(render_bytes(&sub.resume()), "[\"smessage\", \"s1\", \"m\"]");
    sub.script(
        r#"
        SUNSUBSCRIBE s1 => ["sunsubscribe", "s1", :1]
        SUNSUBSCRIBE => ["sunsubscribe", "s2", :0]
    "#,
    );
}

#[test]
fn notices_survive_client_reply_off() {
    let server = TestServer::new();
    let mut sub = server.client();
    sub.script(
        r#"
        CLIENT REPLY OFF =>
        SUBSCRIBE ch => ["subscribe", "ch", :1]
    "#,
    );
}

#[test]
fn reset_leaves_pubsub_mode() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut publisher = server.client();
    sub.script("SUBSCRIBE ch => [\"subscribe\", \"ch\", :1]\nRESET => +RESET");
    publisher.script("PUBLISH ch x => :0\nPUBSUB NUMSUB ch => [\"ch\", :0]");
}

#[test]
fn monitor_shows_commands_after_they_run() {
    let server = TestServer::new();
    let mut monitor = server.client();
    let mut other = server.client();
    monitor.script(
        "MONITOR => +OK\nMONITOR =>\nGET k => -ERR Replica can't interact with the keyspace",
    );
    other.script("SET k \"a b\" => +OK\nAUTH secret => -ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\nCONFIG GET maxmemory => [\"maxmemory\", \"0\"]");
    let lines = render_bytes(&monitor.resume());
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].ends_with(r#" "SET" "k" "a b""#), "{}", lines[0]);
    assert!(lines[0].contains(" [0 "), "{}", lines[0]);
    assert!(
        lines[1].ends_with(r#" "AUTH" "(redacted)""#),
        "{}",
        lines[1]
    );
}

#[test]
fn keyspace_layer_events() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut c = server.client();
    c.script("CONFIG SET notify-keyspace-events KEnxm => +OK");
    sub.script("PSUBSCRIBE * => [\"psubscribe\", \"*\", :1]");
    c.script("SET k v PX 1 => +OK");
    // Poll until the key has expired: the read that finds it expired deletes it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while c.run_line("GET k") != "nil" {
        assert!(std::time::Instant::now() < deadline, "k never expired");
        std::thread::yield_now();
    }
    c.script("GET missing => nil");
    let got = render_bytes(&sub.resume());
    assert_eq!(
        got,
        [
            r#"["pmessage", "*", "__keyspace@0__:k", "new"]"#,
            r#"["pmessage", "*", "__keyevent@0__:new", "k"]"#,
            r#"["pmessage", "*", "__keyspace@0__:k", "expired"]"#,
            r#"["pmessage", "*", "__keyevent@0__:expired", "k"]"#,
            r#"["pmessage", "*", "__keyspace@0__:k", "keymiss"]"#,
            r#"["pmessage", "*", "__keyevent@0__:keymiss", "k"]"#,
            r#"["pmessage", "*", "__keyspace@0__:missing", "keymiss"]"#,
            r#"["pmessage", "*", "__keyevent@0__:keymiss", "missing"]"#,
        ]
        .join("\n")
    );
}

#[test]
fn overwriting_an_expired_key_creates_a_new_one() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut c = server.client();
    c.script("CONFIG SET notify-keyspace-events KEA$n => +OK");
    sub.script("PSUBSCRIBE __keyevent* => [\"psubscribe\", \"__keyevent*\", :1]");
    c.script("SET k v PX 1 => +OK");
    let set_at = std::time::Instant::now();
    while set_at.elapsed() < std::time::Duration::from_millis(5) {
        std::thread::yield_now();
    }
    sub.resume();
    c.script("SET k v2 => +OK");
    assert_eq!(
        render_bytes(&sub.resume()),
        [
            r#"["pmessage", "__keyevent*", "__keyevent@0__:expired", "k"]"#,
            r#"["pmessage", "__keyevent*", "__keyevent@0__:new", "k"]"#,
            r#"["pmessage", "__keyevent*", "__keyevent@0__:set", "k"]"#,
        ]
        .join("\n")
    );
}
