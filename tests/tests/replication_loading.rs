//! How a scarlet-server replica loads a full synchronization's payload, with real
//! processes: `repl-diskless-load` disabled (through dump.rdb), on-empty-db and swapdb
//! (decoded from the socket) under a write load on a scarlet-server master; and, with a
//! scripted master in the test that sends the payload in pieces, swapdb's asynchronous
//! load (the old dataset serves reads without -LOADING, `no-async-loading` commands get
//! -LOADING), the -LOADING of a swap from another history, and the old dataset kept when
//! a payload is cut short or damaged, after which the link tries again; the AOF, stopped
//! for a load, starting again after a successful one or a promotion.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use scarlet_storage::rdb::{WriteOptions, write_rdb};
use scarlet_storage::{Access, Db, StrValue, Value};
use scarlet_tests::{TestServer, start_for_replication as start, wait_for};

const DEADLINE: Duration = Duration::from_secs(30);
const MARK: &[u8; 40] = b"0123456789abcdef0123456789abcdef01234567";
const REPLID: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn text(value: &redis::Value) -> String {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Okay => "OK".into(),
        redis::Value::Int(n) => n.to_string(),
        redis::Value::Nil => "(nil)".into(),
        redis::Value::ServerError(e) => format!("{} {}", e.code(), e.details().unwrap_or_default()),
        other => format!("{other:?}"),
    }
}

/// The reply, or the error text, as one string.
fn ask(server: &TestServer, args: &[&str]) -> String {
    let mut con = server.redis();
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    match cmd.query::<redis::Value>(&mut con) {
        Ok(value) => text(&value),
        Err(e) => format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or("")),
    }
}

fn field(server: &TestServer, name: &str) -> String {
    server.info_field(name).unwrap_or_default()
}

/// Writes on the master from a thread until dropped.
struct WriteLoad {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl WriteLoad {
    fn start(master: &TestServer) -> WriteLoad {
        let stop = Arc::new(AtomicBool::new(false));
        let mut con = master.redis();
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut n = 0u64;
            while !flag.load(Ordering::Relaxed) {
                let key = format!("load:{}", n % 5000);
                let _: redis::RedisResult<()> = redis::pipe()
                    .cmd("SET")
                    .arg(&key)
                    .arg(n)
                    .cmd("INCR")
                    .arg("load:counter")
                    .cmd("RPUSH")
                    .arg("load:list")
                    .arg(n)
                    .query(&mut con);
                n += 1;
            }
            n
        });
        WriteLoad {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for WriteLoad {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn every_load_mode_reaches_the_master_dataset_under_writes() {
    let master = start(&[]);
    ask(&master, &["DEBUG", "POPULATE", "20000", "key", "100"]);
    let port = master.port.to_string();
    for mode in ["disabled", "on-empty-db", "swapdb"] {
        let replica = start(&["--repl-diskless-load", mode]);
        // on-empty-db decodes from the socket only into an empty dataset.
        if mode != "on-empty-db" {
            ask(&replica, &["SET", "replica-only", "1"]);
        }
        let load = WriteLoad::start(&master);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(ask(&replica, &["REPLICAOF", "127.0.0.1", &port]), "OK");
        assert!(
            wait_for(DEADLINE, || field(&replica, "master_link_status") == "up"),
            "{mode}: no sync\n{}",
            replica.log()
        );
        std::thread::sleep(Duration::from_millis(200));
        assert!(load.finish() > 0, "{mode}: the load wrote");
        assert!(
            wait_for(DEADLINE, || master.digest() == replica.digest()),
            "{mode}: datasets differ"
        );
        assert_eq!(ask(&replica, &["GET", "replica-only"]), "(nil)", "{mode}");
        let log = replica.log();
        let to_disk = log.contains("from master with EOF to disk");
        assert_eq!(to_disk, mode == "disabled", "{mode}\n{log}");
        assert_eq!(
            replica.path("dump.rdb").exists(),
            mode == "disabled",
            "{mode}: dump.rdb kept only when loading from disk"
        );
        assert_eq!(
            log.contains("Swapping active DB with loaded DB"),
            mode == "swapdb"
        );
        assert_eq!(field(&replica, "loading"), "0");
        assert_eq!(field(&replica, "async_loading"), "0");
    }
}

/// Reads one command (a multibulk, or an inline line) from the replica.
fn read_command(reader: &mut BufReader<TcpStream>) -> Option<Vec<String>> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let Some(count) = line.trim().strip_prefix('*') else {
        return Some(line.split_whitespace().map(String::from).collect());
    };
    let count: usize = count.parse().ok()?;
    let mut args = Vec::new();
    for _ in 0..count {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let len: usize = line.trim().strip_prefix('$')?.parse().ok()?;
        let mut arg = vec![0; len + 2];
        reader.read_exact(&mut arg).ok()?;
        arg.truncate(len);
        args.push(String::from_utf8_lossy(&arg).into_owned());
    }
    Some(args)
}

/// A master played by the test: it answers the handshake and sends what it is told.
struct ScriptedMaster {
    listener: TcpListener,
    port: u16,
}

impl ScriptedMaster {
    fn new() -> ScriptedMaster {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        ScriptedMaster { listener, port }
    }

    /// Accepts the replica, answers up to its PSYNC with +FULLRESYNC, and sends the
    /// diskless header. Returns the socket and the PSYNC's arguments.
    fn full_sync(&self) -> (TcpStream, Vec<String>) {
        let (stream, _) = self.listener.accept().expect("accept");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        loop {
            let command = read_command(&mut reader).expect("handshake");
            let name = command.first().map(|c| c.to_ascii_uppercase());
            match name.as_deref() {
                Some("PING") => writer.write_all(b"+PONG\r\n").expect("write"),
                Some("PSYNC") => {
                    let reply = format!("+FULLRESYNC {REPLID} 0\r\n$EOF:");
                    writer.write_all(reply.as_bytes()).expect("write");
                    writer.write_all(MARK).expect("write");
                    writer.write_all(b"\r\n").expect("write");
                    return (writer, command);
                }
                _ => writer.write_all(b"+OK\r\n").expect("write"),
            }
        }
    }
}

/// An RDB image of `count` keys `master:<i>` (values of 100 bytes).
fn payload(count: usize) -> Vec<u8> {
    let mut db = Db::new();
    let value = vec![b'v'; 100];
    for i in 0..count {
        db.insert_with_expire(
            format!("master:{i}").as_bytes(),
            Value::Str(StrValue::from_bytes(&value)),
            None,
            &Access::NoTouch,
        );
    }
    write_rdb([&db], &WriteOptions::default())
}

/// Sends a whole payload and its mark, then waits for the replica's first ACK.
fn send_whole(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).expect("payload");
    stream.write_all(MARK).expect("mark");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let ack = read_command(&mut reader).expect("ack");
    assert_eq!(ack.first().map(String::as_str), Some("REPLCONF"), "{ack:?}");
}

#[test]
fn swapdb_serves_the_old_dataset_while_loading_the_same_history() {
    let fake = ScriptedMaster::new();
    let replica = start(&[
        "--repl-diskless-load",
        "swapdb",
        "--replica-read-only",
        "no",
        "--key-load-delay",
        "50",
    ]);
    let port = fake.port.to_string();
    ask(&replica, &["REPLICAOF", "127.0.0.1", &port]);
    // A first full sync gives the replica the master's history.
    let (mut first, psync) = fake.full_sync();
    assert_ne!(psync.get(1).map(String::as_str), Some(REPLID));
    send_whole(&mut first, &payload(10));
    assert!(wait_for(DEADLINE, || field(&replica, "master_link_status") == "up"));
    assert_eq!(field(&replica, "master_replid"), REPLID);
    ask(&replica, &["SET", "mykey", "myvalue"]);
    ask(&replica, &["SET", "short-lived", "1", "PX", "1500"]);
    assert_eq!(ask(&replica, &["DBSIZE"]), "12");

    // The master cuts the link and answers the partial resync with a full one of the
    // same history: the load is asynchronous.
    drop(first);
    let (mut second, psync) = fake.full_sync();
    assert_eq!(psync.get(1).map(String::as_str), Some(REPLID));
    let image = payload(5000);
    let half = image.len() / 2;
    second.write_all(&image[..half]).expect("first half");
    assert!(
        wait_for(DEADLINE, || field(&replica, "async_loading") == "1"),
        "{}",
        replica.log()
    );
    assert_eq!(field(&replica, "loading"), "0");
    assert!(!field(&replica, "loading_loaded_bytes").is_empty());
    assert_eq!(ask(&replica, &["GET", "mykey"]), "myvalue");
    assert_eq!(ask(&replica, &["DBSIZE"]), "12");
    // Nothing expires while loading, as in Redis.
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(ask(&replica, &["GET", "short-lived"]), "1");
    assert_eq!(ask(&replica, &["SET", "during", "1"]), "OK");
    assert!(ask(&replica, &["REPLICAOF", "NO", "ONE"]).starts_with("LOADING"));
    assert!(ask(&replica, &["CONFIG", "SET", "appendonly", "no"]).starts_with("LOADING"));
    assert!(ask(&replica, &["BGSAVE"]).starts_with("LOADING"));

    // Cut short: the old dataset stays, and the link tries again.
    drop(second);
    assert!(wait_for(DEADLINE, || field(&replica, "async_loading") == "0"));
    assert_eq!(ask(&replica, &["GET", "mykey"]), "myvalue");
    assert_eq!(ask(&replica, &["GET", "short-lived"]), "(nil)");
    assert_eq!(ask(&replica, &["GET", "during"]), "1");
    assert_eq!(ask(&replica, &["EXISTS", "master:0", "master:9"]), "2");
    assert!(
        replica
            .log()
            .contains("Discarding temporary DB in background")
    );

    let (mut third, psync) = fake.full_sync();
    assert_eq!(psync.get(1).map(String::as_str), Some(REPLID));
    send_whole(&mut third, &image);
    assert!(wait_for(DEADLINE, || field(&replica, "master_link_status") == "up"));
    assert_eq!(ask(&replica, &["DBSIZE"]), "5000");
    assert_eq!(ask(&replica, &["GET", "mykey"]), "(nil)");
    assert_eq!(field(&replica, "async_loading"), "0");
}

#[test]
fn swapdb_from_another_history_answers_loading_and_keeps_the_old_dataset() {
    let fake = ScriptedMaster::new();
    let replica = start(&["--repl-diskless-load", "swapdb", "--key-load-delay", "50"]);
    ask(&replica, &["SET", "mykey", "myvalue"]);
    let port = fake.port.to_string();
    ask(&replica, &["REPLICAOF", "127.0.0.1", &port]);
    let (mut stream, _) = fake.full_sync();
    let image = payload(5000);
    stream.write_all(&image[..image.len() / 2]).expect("half");
    assert!(wait_for(DEADLINE, || field(&replica, "loading") == "1"));
    assert_eq!(field(&replica, "async_loading"), "0");
    assert!(ask(&replica, &["GET", "mykey"]).starts_with("LOADING"));
    drop(stream);
    assert!(wait_for(DEADLINE, || field(&replica, "loading") == "0"));
    assert_eq!(ask(&replica, &["GET", "mykey"]), "myvalue");
    assert_eq!(ask(&replica, &["DBSIZE"]), "1");
}

#[test]
fn a_damaged_payload_keeps_the_old_dataset_and_the_link_retries() {
    let fake = ScriptedMaster::new();
    let replica = start(&["--repl-diskless-load", "swapdb"]);
    ask(&replica, &["SET", "mykey", "myvalue"]);
    let port = fake.port.to_string();
    ask(&replica, &["REPLICAOF", "127.0.0.1", &port]);

    // A flipped byte: the checksum is wrong.
    let (mut stream, _) = fake.full_sync();
    let mut image = payload(100);
    let middle = image.len() / 2;
    image[middle] ^= 0x20;
    stream.write_all(&image).expect("payload");
    stream.write_all(MARK).expect("mark");
    assert!(wait_for(DEADLINE, || replica.log().contains(
        "Failed trying to load the MASTER synchronization DB from socket"
    )));
    assert_eq!(ask(&replica, &["GET", "mykey"]), "myvalue");

    // Bytes after the image's end.
    let (mut stream, _) = fake.full_sync();
    let mut image = payload(100);
    image.extend_from_slice(b"trailing");
    stream.write_all(&image).expect("payload");
    stream.write_all(MARK).expect("mark");
    // The link tries again, and a good payload then loads.
    let (mut stream, _) = fake.full_sync();
    assert_eq!(ask(&replica, &["GET", "mykey"]), "myvalue");
    send_whole(&mut stream, &payload(100));
    assert!(wait_for(DEADLINE, || field(&replica, "master_link_status") == "up"));
    assert_eq!(ask(&replica, &["DBSIZE"]), "100");
}

#[test]
fn on_empty_db_cut_short_leaves_an_empty_dataset_and_disabled_keeps_dump_rdb_until_complete() {
    for mode in ["on-empty-db", "disabled"] {
        let fake = ScriptedMaster::new();
        let replica = start(&["--repl-diskless-load", mode]);
        if mode == "disabled" {
            ask(&replica, &["SET", "mykey", "myvalue"]);
        }
        let port = fake.port.to_string();
        ask(&replica, &["REPLICAOF", "127.0.0.1", &port]);
        let (mut stream, _) = fake.full_sync();
        let image = payload(1000);
        stream.write_all(&image[..image.len() / 2]).expect("half");
        if mode == "on-empty-db" {
            assert!(wait_for(DEADLINE, || field(&replica, "loading") == "1"));
        } else {
            // Received to disk: not loading yet, the old dataset still served.
            assert!(wait_for(DEADLINE, || field(
                &replica,
                "master_sync_read_bytes"
            ) != "0"));
            assert_eq!(field(&replica, "loading"), "0");
            assert_eq!(ask(&replica, &["GET", "mykey"]), "myvalue");
        }
        drop(stream);
        assert!(wait_for(DEADLINE, || field(&replica, "loading") == "0"
            && field(&replica, "master_sync_in_progress") == "0"));
        let expected_keys = if mode == "disabled" { "1" } else { "0" };
        assert_eq!(ask(&replica, &["DBSIZE"]), expected_keys, "{mode}");
        assert!(!replica.path("dump.rdb").exists(), "{mode}");
        let (mut stream, _) = fake.full_sync();
        send_whole(&mut stream, &image);
        assert!(wait_for(DEADLINE, || field(&replica, "master_link_status") == "up"));
        assert_eq!(ask(&replica, &["DBSIZE"]), "1000", "{mode}");
        assert_eq!(replica.path("dump.rdb").exists(), mode == "disabled");
    }
}

#[test]
fn the_aof_stops_for_a_load_and_starts_again_after_it_or_after_a_promotion() {
    let fake = ScriptedMaster::new();
    let replica = start(&["--appendonly", "yes", "--repl-diskless-load", "swapdb"]);
    assert_eq!(field(&replica, "aof_enabled"), "1");
    let port = fake.port.to_string();
    ask(&replica, &["REPLICAOF", "127.0.0.1", &port]);
    let (mut stream, _) = fake.full_sync();
    let image = payload(1000);
    stream.write_all(&image[..image.len() / 2]).expect("half");
    assert!(wait_for(DEADLINE, || field(&replica, "loading") == "1"));
    assert_eq!(field(&replica, "aof_enabled"), "0");
    drop(stream);
    // A failed load leaves the AOF off until a sync succeeds or the replica is promoted.
    assert!(wait_for(DEADLINE, || field(&replica, "loading") == "0"));
    assert_eq!(field(&replica, "aof_enabled"), "0");
    let (mut stream, _) = fake.full_sync();
    send_whole(&mut stream, &image);
    assert!(wait_for(DEADLINE, || field(&replica, "master_link_status") == "up"));
    assert_eq!(field(&replica, "aof_enabled"), "1");
    drop(stream);
    let (mut stream, _) = fake.full_sync();
    stream.write_all(&image[..100]).expect("start");
    // The same history this time: an asynchronous load, which stops the AOF too.
    assert!(wait_for(DEADLINE, || field(&replica, "async_loading") == "1"));
    assert_eq!(field(&replica, "aof_enabled"), "0");
    assert!(ask(&replica, &["REPLICAOF", "NO", "ONE"]).starts_with("LOADING"));
    drop(stream);
    assert!(wait_for(DEADLINE, || field(&replica, "async_loading") == "0"));
    assert_eq!(ask(&replica, &["REPLICAOF", "NO", "ONE"]), "OK");
    assert!(wait_for(DEADLINE, || field(&replica, "aof_enabled") == "1"));
    assert_eq!(ask(&replica, &["DBSIZE"]), "1000");
}
