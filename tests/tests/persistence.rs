//! RDB persistence as users meet it, with real processes and files: the final save on
//! SHUTDOWN and SIGTERM, loading at start-up (and -LOADING meanwhile), refusing to start
//! on a damaged file, and a BGSAVE taken under a write load that restores to exactly the
//! dataset of the moment it started.

use std::path::Path;
use std::time::Duration;

use scarlet_tests::{ServerBuilder, TestServer, wait_for};

const SOON: Duration = Duration::from_secs(30);

fn cmd(server: &TestServer, args: &[&str]) -> redis::Value {
    let mut c = redis::cmd(args.first().copied().unwrap_or("PING"));
    for arg in args.iter().skip(1) {
        c.arg(*arg);
    }
    c.query(&mut server.redis())
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn text(server: &TestServer, args: &[&str]) -> String {
    match cmd(server, args) {
        redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        redis::Value::SimpleString(s) => s,
        other => format!("{other:?}"),
    }
}

fn digest(server: &TestServer) -> String {
    text(server, &["DEBUG", "DIGEST"])
}

/// A server saving into `dir` (its own scratch dir when None), with DEBUG enabled.
fn start_in(dir: Option<&Path>, extra: &[&str]) -> TestServer {
    let mut args = vec!["--enable-debug-command", "yes"];
    let dir_text = dir.map(|d| d.display().to_string());
    if let Some(d) = &dir_text {
        args.extend(["--dir", d.as_str()]);
    }
    args.extend_from_slice(extra);
    ServerBuilder::scarlet().args(&args).start()
}

fn populate(server: &TestServer) {
    cmd(server, &["DEBUG", "POPULATE", "5000", "key", "30"]);
    cmd(server, &["RPUSH", "list", "a", "b", "c"]);
    cmd(server, &["HSET", "hash", "f", "v", "g", "w"]);
    cmd(server, &["ZADD", "zset", "1", "a", "2.5", "b"]);
    cmd(server, &["SADD", "set", "x", "y"]);
    cmd(server, &["SET", "ttl", "v", "EX", "1000"]);
}

fn wait_bgsave(server: &TestServer) {
    assert!(
        wait_for(SOON, || server
            .info_field("rdb_bgsave_in_progress")
            .as_deref()
            == Some("0")),
        "BGSAVE did not finish"
    );
}

#[test]
fn shutdown_saves_and_a_restart_loads_it() {
    let mut first = start_in(None, &["--save", "3600 1"]);
    populate(&first);
    let before = digest(&first);
    let mut conn = first.raw();
    conn.send(b"SHUTDOWN\r\n");
    assert_eq!(conn.read_to_close(), b"");
    assert_eq!(first.wait_exit(), Some(0));
    let log = first.log();
    assert!(
        log.contains("Saving the final RDB snapshot before exiting."),
        "{log}"
    );
    assert!(log.contains("DB saved on disk"), "{log}");

    let second = start_in(Some(first.dir.path()), &[]);
    assert_eq!(digest(&second), before);
    let log = second.log();
    assert!(
        log.contains("Done loading RDB, keys loaded: 5005, keys expired: 0."),
        "{log}"
    );
    assert_eq!(
        second.info_field("rdb_last_load_keys_loaded").as_deref(),
        Some("5005")
    );
}

#[test]
fn sigterm_saves_only_with_save_points() {
    let mut without = start_in(None, &[]);
    cmd(&without, &["SET", "a", "1"]);
    assert_eq!(without.stop(), Some(0));
    assert!(!without.path("dump.rdb").exists());

    let mut with = start_in(None, &["--save", "3600 1"]);
    cmd(&with, &["SET", "a", "1"]);
    assert_eq!(with.stop(), Some(0));
    assert!(with.path("dump.rdb").exists(), "{}", with.log());
}

#[test]
fn a_damaged_dump_stops_the_server() {
    let first = start_in(None, &[]);
    populate(&first);
    cmd(&first, &["SAVE"]);
    let path = first.path("dump.rdb");
    let mut bytes = std::fs::read(&path).expect("dump");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).expect("write");
    drop(first.raw());

    let dir = first.dir.path().display().to_string();
    let mut second = ServerBuilder::scarlet().args(&["--dir", &dir]).spawn();
    assert_eq!(second.wait_exit(), Some(1));
    let log = second.log();
    assert!(log.contains("CRC error"), "{log}");
    // As Redis: the checker's report is the last word for a checksum error.
    assert!(
        log.contains("[additional info] While doing: check-sum"),
        "{log}"
    );
    // The damaged file is left as it was.
    assert_eq!(std::fs::read(&path).expect("dump"), bytes);
}

#[test]
fn clients_get_loading_until_the_dataset_is_in() {
    let first = start_in(None, &[]);
    cmd(&first, &["DEBUG", "POPULATE", "1500"]);
    cmd(&first, &["SAVE"]);
    let dir = first.dir.path().display().to_string();
    // 1 ms per key: the load takes about a second and a half.
    let second = ServerBuilder::scarlet()
        .args(&["--dir", &dir, "--key-load-delay", "1000"])
        .spawn();
    let reply = wait_for_reply(&second, "PING");
    assert!(
        reply.contains("LOADING Redis is loading the dataset in memory"),
        "{reply}"
    );
    let info = wait_for_reply(&second, "INFO persistence");
    assert!(info.contains("loading:1"), "{info}");
    assert!(
        wait_for(SOON, || wait_for_reply(&second, "DBSIZE") == ":1500"),
        "never finished loading"
    );
    assert!(second.log().contains("Ready to accept connections"));
}

/// Sends one inline command on a fresh connection as soon as the port accepts, and
/// returns the reply's first line (or the whole bulk for INFO).
fn wait_for_reply(server: &TestServer, line: &str) -> String {
    use std::io::{Read, Write};
    let mut reply = String::new();
    let ok = wait_for(SOON, || {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", server.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        if s.write_all(format!("{line}\r\n").as_bytes()).is_err() {
            return false;
        }
        let mut buf = vec![0u8; 65536];
        let Ok(n) = s.read(&mut buf) else {
            return false;
        };
        reply = String::from_utf8_lossy(&buf[..n]).trim_end().to_string();
        n > 0
    });
    assert!(ok, "no reply to {line}");
    reply
}

#[test]
fn bgsave_under_writes_restores_the_moment_it_started() {
    let first = start_in(None, &[]);
    cmd(&first, &["DEBUG", "POPULATE", "20000", "key", "50"]);
    populate(&first);
    let mut c = first.redis();
    let _: () = redis::cmd("SELECT").arg(1).query(&mut c).unwrap();
    let _: () = redis::cmd("MSET")
        .arg("db1-a")
        .arg(1)
        .arg("db1-b")
        .arg(2)
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("SELECT").arg(0).query(&mut c).unwrap();
    let before = digest(&first);
    // 5 us per key (one key per slice): the save outlasts the writes below.
    cmd(&first, &["CONFIG", "SET", "rdb-key-save-delay", "5"]);
    assert_eq!(text(&first, &["BGSAVE"]), "Background saving started");
    for i in 0..500 {
        let _: () = redis::cmd("SET")
            .arg(format!("key:{}", i * 97 % 20_000))
            .arg("changed")
            .query(&mut c)
            .unwrap();
        let _: i64 = redis::cmd("DEL")
            .arg(format!("key:{}", i * 31 % 20_000))
            .query(&mut c)
            .unwrap();
        let _: () = redis::cmd("SET")
            .arg(format!("new:{i}"))
            .arg(i)
            .query(&mut c)
            .unwrap();
        let _: i64 = redis::cmd("EXPIRE")
            .arg(format!("key:{}", i * 13 % 20_000))
            .arg(5)
            .query(&mut c)
            .unwrap();
    }
    let _: () = redis::cmd("SELECT").arg(1).query(&mut c).unwrap();
    let _: () = redis::cmd("FLUSHDB").query(&mut c).unwrap();
    let _: () = redis::cmd("SET").arg("db1-c").arg(3).query(&mut c).unwrap();
    let _: () = redis::cmd("SWAPDB").arg(0).arg(1).query(&mut c).unwrap();
    assert_eq!(
        first.info_field("rdb_bgsave_in_progress").as_deref(),
        Some("1")
    );
    wait_bgsave(&first);
    assert_eq!(
        first.info_field("rdb_last_bgsave_status").as_deref(),
        Some("ok")
    );

    let copy = scarlet_tests::ScratchDir::new("restore");
    std::fs::copy(first.path("dump.rdb"), copy.path().join("dump.rdb")).expect("copy");
    let second = start_in(Some(copy.path()), &[]);
    assert_eq!(digest(&second), before);
}
