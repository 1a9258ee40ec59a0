//! The append-only file as users meet it, with real processes and files: what the AOF
//! records for each kind of write (Redis's propagation rewrites), restarts and rewrites
//! that keep the dataset, `appendfsync always` surviving kill -9 without losing an
//! acknowledged write, everysec losing at most about a second, truncated and damaged
//! files, turning the AOF on at runtime and upgrading a pre-7.0 single-file AOF.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use scarlet_tests::{ServerBuilder, TestServer, signal, wait_for};

const SOON: Duration = Duration::from_secs(30);

fn cmd(server: &TestServer, args: &[&str]) -> redis::Value {
    server.query(args)
}

fn text(server: &TestServer, args: &[&str]) -> String {
    match cmd(server, args) {
        redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        redis::Value::SimpleString(s) => s,
        redis::Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn digest(server: &TestServer) -> String {
    server.digest()
}

/// A server with the AOF on, working in `dir` (its own scratch dir when None).
fn start(dir: Option<&Path>, extra: &[&str]) -> TestServer {
    let mut args = vec!["--enable-debug-command", "yes", "--appendonly", "yes"];
    let dir_text = dir.map(|d| d.display().to_string());
    if let Some(d) = &dir_text {
        args.extend(["--dir", d.as_str()]);
    }
    args.extend_from_slice(extra);
    ServerBuilder::scarlet().args(&args).start()
}

fn aof_dir(server: &TestServer) -> PathBuf {
    server.path("appendonlydir")
}

/// The incremental file being appended to (the manifest's last `type i` line).
fn incr_file(dir: &Path) -> PathBuf {
    let manifest = std::fs::read_to_string(dir.join("appendonly.aof.manifest")).expect("manifest");
    let name = manifest
        .lines()
        .rev()
        .filter(|l| l.ends_with("type i"))
        .find_map(|l| l.split(' ').nth(1))
        .expect("an incr file");
    dir.join(name)
}

/// The commands of an AOF command file, as argument lists (annotations skipped).
fn parse_commands(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = scarlet_storage::aof::AofReader::new(bytes, 0);
    let mut out = Vec::new();
    while let Some(item) = reader.next_item().expect("well-formed AOF") {
        if let scarlet_storage::aof::AofItem::Command(argv) = item {
            out.push(
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
            );
        }
    }
    out
}

fn recorded(server: &TestServer) -> Vec<Vec<String>> {
    parse_commands(&std::fs::read(incr_file(&aof_dir(server))).expect("incr file"))
}

fn names(commands: &[Vec<String>]) -> Vec<String> {
    commands.iter().map(|c| c[0].to_uppercase()).collect()
}

fn wait_rewrite(server: &TestServer) {
    assert!(
        wait_for(SOON, || server
            .info_field("aof_rewrite_in_progress")
            .as_deref()
            == Some("0")
            && server.info_field("aof_rewrite_scheduled").as_deref()
                == Some("0")),
        "rewrite did not finish"
    );
}

#[test]
fn the_aof_records_what_redis_propagates() {
    let server = start(None, &[]);
    cmd(&server, &["SET", "a", "1"]);
    cmd(&server, &["SET", "b", "2", "EX", "100"]);
    cmd(&server, &["EXPIRE", "a", "100"]);
    cmd(&server, &["INCRBYFLOAT", "f", "1.5"]);
    cmd(&server, &["SADD", "s", "1", "2", "3", "4"]);
    cmd(&server, &["SPOP", "s", "2"]);
    cmd(
        &server,
        &[
            "EVAL",
            "redis.call('set','x','1') redis.call('incr','x')",
            "0",
        ],
    );
    cmd(&server, &["GET", "nothing"]);
    cmd(&server, &["SET", "gone", "v", "PX", "1"]);
    assert!(wait_for(SOON, || text(&server, &["PTTL", "gone"]) == "-2"));
    let all = recorded(&server);
    let got = names(&all);
    let expected = [
        "SELECT",
        "SET",
        "SET",
        "PEXPIREAT",
        "SET",
        "SADD",
        "MULTI",
        "SREM",
        "SREM",
        "EXEC",
        "MULTI",
        "SET",
        "INCR",
        "EXEC",
        "SET",
        "DEL",
    ];
    assert_eq!(got, expected, "{all:?}");
    // Relative times become absolute, and a float increment its result.
    assert_eq!(all[2][3], "PXAT");
    assert!(
        all[2][4]
            .parse::<i64>()
            .is_ok_and(|t| t > 1_600_000_000_000)
    );
    assert_eq!(all[4], ["SET", "f", "1.5", "KEEPTTL"]);
    assert_eq!(all[15], ["DEL", "gone"]);
}

#[test]
fn restarts_and_rewrites_keep_the_dataset() {
    for preamble in ["yes", "no"] {
        let mut first = start(None, &["--aof-use-rdb-preamble", preamble]);
        cmd(&first, &["DEBUG", "POPULATE", "2000", "key", "20"]);
        cmd(&first, &["RPUSH", "list", "a", "b", "c"]);
        cmd(&first, &["HSET", "hash", "f", "v"]);
        cmd(&first, &["ZADD", "zset", "1.5", "a", "-inf", "b"]);
        cmd(&first, &["SELECT", "0"]);
        cmd(&first, &["PEXPIRE", "list", "1000000"]);
        cmd(&first, &["BGREWRITEAOF"]);
        wait_rewrite(&first);
        cmd(&first, &["SADD", "after", "x", "y"]);
        let before = digest(&first);
        let dir = first.dir.path().to_path_buf();
        assert_eq!(first.stop(), Some(0));
        let base = if preamble == "yes" { "rdb" } else { "aof" };
        assert!(
            dir.join(format!("appendonlydir/appendonly.aof.2.base.{base}"))
                .exists()
        );
        let second = start(Some(&dir), &[]);
        assert_eq!(digest(&second), before, "preamble {preamble}");
        assert!(second.log().contains("DB loaded from append only file"));
    }
}

/// Writes as fast as acknowledgements come back, remembering the last acknowledged one.
fn write_until_stopped(port: u16, acked: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else {
        return;
    };
    let Ok(mut con) = client.get_connection() else {
        return;
    };
    let mut i = acked.load(Ordering::SeqCst);
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let done: redis::RedisResult<()> = redis::cmd("SET")
            .arg(format!("k:{i}"))
            .arg(i)
            .query(&mut con);
        if done.is_err() {
            return;
        }
        acked.store(i, Ordering::SeqCst);
    }
}

#[test]
fn always_loses_no_acknowledged_write_on_kill_9() {
    for trial in 0..10u64 {
        let mut server = start(None, &["--appendfsync", "always"]);
        let acked = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (acked, stop, port) = (Arc::clone(&acked), Arc::clone(&stop), server.port);
            std::thread::spawn(move || write_until_stopped(port, acked, stop))
        };
        assert!(wait_for(SOON, || acked.load(Ordering::SeqCst) > 200 + trial * 50));
        signal(server.pid(), "KILL");
        server.wait_exit();
        stop.store(true, Ordering::SeqCst);
        let _ = writer.join();
        let last = acked.load(Ordering::SeqCst);
        let dir = server.dir.path().to_path_buf();
        let restarted = start(Some(&dir), &[]);
        let mut con = restarted.redis();
        for i in 1..=last {
            let value: Option<u64> = redis::cmd("GET")
                .arg(format!("k:{i}"))
                .query(&mut con)
                .expect("GET");
            assert_eq!(
                value,
                Some(i),
                "trial {trial}: acknowledged write {i} of {last} lost"
            );
        }
    }
}

#[test]
fn everysec_loses_at_most_about_a_second_on_kill_9() {
    let mut server = start(None, &["--appendfsync", "everysec"]);
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, port) = (Arc::clone(&acked), Arc::clone(&stop), server.port);
        std::thread::spawn(move || write_until_stopped(port, acked, stop))
    };
    // Run for a while, noting how many writes were acknowledged two seconds before the
    // kill: everything up to there must survive.
    let started = Instant::now();
    let mut history: Vec<(Instant, u64)> = Vec::new();
    while started.elapsed() < Duration::from_secs(4) {
        history.push((Instant::now(), acked.load(Ordering::SeqCst)));
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed_at = Instant::now();
    signal(server.pid(), "KILL");
    server.wait_exit();
    stop.store(true, Ordering::SeqCst);
    let _ = writer.join();
    let safe = history
        .iter()
        .rev()
        .find(|(at, _)| killed_at.duration_since(*at) >= Duration::from_secs(2))
        .map_or(0, |(_, n)| *n);
    assert!(safe > 0, "the writer made no progress");
    let dir = server.dir.path().to_path_buf();
    let restarted = start(Some(&dir), &[]);
    let kept: u64 = text(&restarted, &["DBSIZE"]).parse().expect("dbsize");
    assert!(
        kept >= safe,
        "kept {kept} writes, {safe} were older than 2 s"
    );
}

/// A server on `dir`'s AOF that refuses a truncated file, spawned without waiting for it.
fn spawn_strict(dir: &Path) -> TestServer {
    ServerBuilder::scarlet()
        .args(&[
            "--appendonly",
            "yes",
            "--aof-load-truncated",
            "no",
            "--dir",
            &dir.display().to_string(),
        ])
        .spawn()
}

/// A stopped server's AOF directory holding `count` SETs in its incremental file, and
/// that file's path.
fn aof_with_sets(count: usize) -> (TestServer, PathBuf) {
    let mut server = start(None, &[]);
    for i in 0..count {
        cmd(&server, &["SET", &format!("key{i}"), "value"]);
    }
    assert_eq!(server.stop(), Some(0));
    let incr = incr_file(&aof_dir(&server));
    (server, incr)
}

#[test]
fn every_truncation_point_of_the_tail_loads_the_prefix_or_refuses() {
    let (holder, incr) = aof_with_sets(5);
    let bytes = std::fs::read(&incr).expect("incr");
    let last_start = {
        let commands = parse_commands(&bytes);
        assert_eq!(commands.len(), 6, "SELECT and five SETs");
        // The last command is 38 bytes: *3 $3 SET $4 key4 $5 value.
        bytes.len() - "*3\r\n$3\r\nSET\r\n$4\r\nkey4\r\n$5\r\nvalue\r\n".len()
    };
    let dir = holder.dir.path().to_path_buf();
    for cut in last_start + 1..bytes.len() {
        std::fs::write(&incr, &bytes[..cut]).expect("truncate");
        let mut refused = spawn_strict(&dir);
        assert_eq!(refused.wait_exit(), Some(1), "cut at {cut}");
        assert!(
            refused
                .log()
                .contains("Unexpected end of file reading the append only file"),
            "{}",
            refused.log()
        );
        let server = start(Some(&dir), &["--aof-load-truncated", "yes"]);
        assert_eq!(text(&server, &["DBSIZE"]), "4", "cut at {cut}");
        assert!(
            server
                .log()
                .contains("loaded anyway because aof-load-truncated is enabled")
        );
        drop(server);
        // Loading truncated the file after its last complete command.
        assert_eq!(std::fs::read(&incr).expect("incr").len(), last_start);
    }
}

#[test]
fn damaged_files_are_refused_or_loaded_never_crash() {
    let (holder, incr) = aof_with_sets(20);
    let dir = holder.dir.path().to_path_buf();
    let bytes = std::fs::read(&incr).expect("incr");
    let base = dir.join("appendonlydir/appendonly.aof.1.base.rdb");
    let base_bytes = std::fs::read(&base).expect("base");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..12 {
        let (path, original) = if round % 3 == 0 {
            (&base, &base_bytes)
        } else {
            (&incr, &bytes)
        };
        let mut damaged = original.clone();
        let at = (next() % damaged.len() as u64) as usize;
        damaged[at] ^= 1 << (next() % 8);
        std::fs::write(path, &damaged).expect("write");
        let mut server = spawn_strict(&dir);
        // Either it starts, or it logs why it refuses and exits 1.
        const REFUSALS: [&str; 5] = [
            "Bad file format",
            "Unexpected end of file",
            "Unknown command",
            "AOF loading aborted",
            "Unrecoverable error",
        ];
        let settled = wait_for(SOON, || {
            let log = server.log();
            log.contains("Ready to accept") || REFUSALS.iter().any(|r| log.contains(r))
        });
        assert!(settled, "{}", server.log());
        if server.log().contains("Ready to accept") {
            // A flip inside a value loads: the keys are all there.
            let count: u64 = text(&server, &["DBSIZE"]).parse().expect("dbsize");
            assert!(count <= 20);
            server.stop();
        } else {
            assert_eq!(server.wait_exit(), Some(1), "{}", server.log());
        }
        std::fs::write(path, original).expect("restore");
    }
}

#[test]
fn appendonly_turned_on_at_runtime_writes_a_base_then_appends() {
    let mut server = ServerBuilder::scarlet()
        .args(&["--enable-debug-command", "yes"])
        .start();
    cmd(&server, &["DEBUG", "POPULATE", "100"]);
    cmd(&server, &["CONFIG", "SET", "appendonly", "yes"]);
    wait_rewrite(&server);
    assert_eq!(server.info_field("aof_enabled").as_deref(), Some("1"));
    cmd(&server, &["SET", "after", "1"]);
    let before = digest(&server);
    let manifest = std::fs::read_to_string(aof_dir(&server).join("appendonly.aof.manifest"))
        .expect("manifest");
    assert_eq!(
        manifest,
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let dir = server.dir.path().to_path_buf();
    assert_eq!(server.stop(), Some(0));
    let second = start(Some(&dir), &[]);
    assert_eq!(digest(&second), before);
}

#[test]
fn a_pre_7_single_file_aof_is_moved_into_the_directory() {
    let holder = ServerBuilder::scarlet().start();
    let dir = holder.dir.path().to_path_buf();
    let mut old = Vec::new();
    for argv in [["SET", "k1", "v1"], ["SET", "k2", "v2"]] {
        let parts: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        scarlet_storage::aof::append_command(&mut old, &parts);
    }
    std::fs::write(dir.join("appendonly.aof"), &old).expect("old aof");
    let server = start(Some(&dir), &[]);
    assert_eq!(text(&server, &["GET", "k2"]), "v2");
    assert!(
        server
            .log()
            .contains("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).")
    );
    assert!(!dir.join("appendonly.aof").exists());
    assert!(dir.join("appendonlydir/appendonly.aof").exists());
}

#[test]
fn clients_are_told_loading_while_the_aof_replays() {
    let (holder, _) = aof_with_sets(300);
    let dir = holder.dir.path().display().to_string();
    // 300 commands at 10 ms each: three seconds of loading.
    let server = ServerBuilder::scarlet()
        .args(&[
            "--appendonly",
            "yes",
            "--key-load-delay",
            "10000",
            "--dir",
            &dir,
        ])
        .spawn();
    let mut saw_loading = false;
    let loaded = wait_for(SOON, || {
        let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{}/", server.port)) else {
            return false;
        };
        let mut con = match client.get_connection() {
            Ok(con) => con,
            Err(e) => {
                saw_loading |= e.to_string().to_lowercase().contains("loading");
                return false;
            }
        };
        match redis::cmd("DBSIZE").query::<u64>(&mut con) {
            Ok(n) => n == 300,
            Err(e) => {
                saw_loading |= e.to_string().to_lowercase().contains("loading");
                false
            }
        }
    });
    assert!(loaded, "{}", server.log());
    assert!(saw_loading, "no -LOADING while the AOF loaded");
}

#[test]
fn the_aof_is_rewritten_when_it_doubles_past_the_minimum_size() {
    let server = start(
        None,
        &[
            "--auto-aof-rewrite-percentage",
            "100",
            "--auto-aof-rewrite-min-size",
            "1mb",
        ],
    );
    let value = "x".repeat(1000);
    let mut con = server.redis();
    for i in 0..1500 {
        redis::cmd("SET")
            .arg(format!("k{}", i % 10))
            .arg(&value)
            .query::<()>(&mut con)
            .expect("SET");
    }
    assert!(
        wait_for(SOON, || server.info_field("aof_rewrites").as_deref()
            == Some("1")),
        "no automatic rewrite"
    );
    wait_rewrite(&server);
    assert!(
        server
            .log()
            .contains("Starting automatic rewriting of AOF on")
    );
    // The rewrite keeps ten keys: the new base is far smaller than what was appended.
    let size: u64 = server
        .info_field("aof_current_size")
        .and_then(|s| s.parse().ok())
        .expect("aof_current_size");
    assert!(size < 1_000_000, "{size}");
}
