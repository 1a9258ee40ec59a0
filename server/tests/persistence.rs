//! SAVE, BGSAVE, LASTSAVE, DEBUG RELOAD, FLUSHALL's save and MISCONF through the real
//! dispatcher (each test server saves into its own scratch `dir`). BGSAVE's snapshot is
//! checked to be point-in-time: writes made while it runs are not in the file. Expected
//! replies are what Redis 7.0.15 answers.

use std::time::{Duration, Instant};

use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestClient, TestServer};

fn server() -> TestServer {
    TestServer::with_config(|config| config.enable_debug_command = ProtectedAction::Yes)
}

fn info_field(c: &mut TestClient, name: &str) -> String {
    let info = c
        .line("INFO persistence")
        .as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let prefix = format!("{name}:");
    info.lines()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_string))
        .unwrap_or_default()
}

fn wait_bgsave(c: &mut TestClient) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(c, "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "BGSAVE never finished");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn save_and_reload_keep_the_dataset() {
    let s = server();
    let mut c = s.client();
    c.script(
        r#"
        DEBUG POPULATE 1000 key 20 => +OK
        RPUSH list a b c => :3
        HSET hash f v => :1
        ZADD zset 1 a 2 b => :2
        SADD set 1 2 3 => :3
        SET ttl v PX 100000 => +OK
        SELECT 9 => +OK
        SET other db => +OK
        SELECT 0 => +OK
    "#,
    );
    let digest = c.run_line("DEBUG DIGEST");
    c.script("SAVE => +OK");
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    c.script(
        r#"
        SET extra 1 => +OK
        DEBUG RELOAD NOSAVE => +OK
        EXISTS extra => :0
        OBJECT ENCODING list => "quicklist"
        OBJECT ENCODING set => "intset"
    "#,
    );
    assert_eq!(c.run_line("DEBUG DIGEST"), digest);
    c.script("DEBUG RELOAD => +OK");
    assert_eq!(c.run_line("DEBUG DIGEST"), digest);
    let ttl: i64 = c
        .run_line("PTTL ttl")
        .trim_start_matches(':')
        .parse()
        .unwrap();
    assert!(ttl > 90_000 && ttl <= 100_000, "{ttl}");
    c.script(
        r#"
        DEBUG RELOAD BOGUS => -ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.
        SAVE extra => -ERR wrong number of arguments for 'save' command
        BGSAVE now => -ERR syntax error
        MULTI => +OK
        SAVE => -ERR Command not allowed inside a transaction
        DISCARD => +OK
    "#,
    );
}

#[test]
fn reload_noflush_merges_only_when_asked() {
    let s = server();
    let mut c = s.client();
    c.script(
        r#"
        SET a 1 => +OK
        SAVE => +OK
        SET a 2 => +OK
        SET b 2 => +OK
        DEBUG RELOAD NOSAVE NOFLUSH => -ERR Error trying to load the RDB dump, check server logs.
        GET a => "2"
        DEBUG RELOAD NOSAVE NOFLUSH MERGE => +OK
        GET a => "1"
        GET b => "2"
    "#,
    );
}

#[test]
fn bgsave_writes_a_point_in_time_image() {
    let s = server();
    let mut c = s.client();
    c.script("DEBUG POPULATE 5000 key 10 => +OK");
    let before = c.run_line("DEBUG DIGEST");
    // Slow the save down so the writes below land while it runs.
    c.script(
        r#"
        CONFIG SET rdb-key-save-delay 100 => +OK
        BGSAVE => +Background saving started
        BGSAVE => -ERR Background save already in progress
        SAVE => -ERR Background save already in progress
        SET key:1 changed => +OK
        DEL key:2 key:3 => :2
        SET brand-new 1 => +OK
        EXPIRE key:4 1000 => :1
        FLUSHDB => +OK
        SET after-flush 1 => +OK
        CONFIG SET rdb-key-save-delay 0 => +OK
    "#,
    );
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1");
    wait_bgsave(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    c.script("DEBUG RELOAD NOSAVE => +OK");
    assert_eq!(c.run_line("DEBUG DIGEST"), before);
    c.script("GET key:1 => \"value:1\\x00\\x00\\x00\"");
}

#[test]
fn bgsave_inside_exec_is_scheduled() {
    let s = server();
    let mut c = s.client();
    c.script(
        r#"
        SET a 1 => +OK
        MULTI => +OK
        BGSAVE => +QUEUED
        SET a 2 => +QUEUED
        EXEC => [+Background saving scheduled, +OK]
    "#,
    );
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "0");
    s.state().check_save_points(i64::MAX / 2);
    wait_bgsave(&mut c);
    c.script(
        r#"
        DEBUG RELOAD NOSAVE => +OK
        GET a => "2"
    "#,
    );
}

#[test]
fn flushall_cancels_bgsave_and_saves_with_save_points() {
    let s = server();
    let mut c = s.client();
    c.script(
        r#"
        DEBUG POPULATE 5000 => +OK
        CONFIG SET rdb-key-save-delay 1000 => +OK
        BGSAVE => +Background saving started
        FLUSHALL => +OK
        CONFIG SET rdb-key-save-delay 0 => +OK
    "#,
    );
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "0");
    // The default save points make FLUSHALL save the empty dataset at once.
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    c.script(
        r#"
        SET x 1 => +OK
        DEBUG RELOAD NOSAVE => +OK
        DBSIZE => :0
        CONFIG SET save "" => +OK
        SET y 1 => +OK
        FLUSHALL => +OK
    "#,
    );
    // x (kept by DEBUG RELOAD, which counts no change), y, and the key FLUSHALL removed.
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "3");
}

#[test]
fn a_failed_save_refuses_writes_with_misconf() {
    let s = TestServer::with_config(|config| {
        config.enable_debug_command = ProtectedAction::Yes;
        config.enable_protected_configs = ProtectedAction::Yes;
    });
    let mut c = s.client();
    let gone = s.state().config.dir.join("gone");
    std::fs::create_dir_all(&gone).unwrap();
    let dir = gone.display().to_string();
    c.script(&format!("CONFIG SET dir {dir} => +OK"));
    std::fs::remove_dir_all(&gone).unwrap();
    c.script("BGSAVE => +Background saving started");
    wait_bgsave(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
    let misconf = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    c.script(&format!(
        r#"
        SET a 1 => {misconf}
        PING => {misconf}
        GET a => nil
        SAVE => -ERR
        CONFIG SET stop-writes-on-bgsave-error no => +OK
        SET a 1 => +OK
        CONFIG SET stop-writes-on-bgsave-error yes => +OK
        CONFIG SET save "" => +OK
        SET a 2 => +OK
    "#
    ));
}

#[test]
fn lastsave_moves_on_success() {
    let s = server();
    let mut c = s.client();
    let start: i64 = c
        .run_line("LASTSAVE")
        .trim_start_matches(':')
        .parse()
        .unwrap();
    c.script("SAVE => +OK");
    let after: i64 = c
        .run_line("LASTSAVE")
        .trim_start_matches(':')
        .parse()
        .unwrap();
    assert!(after >= start);
    assert_eq!(info_field(&mut c, "rdb_saves"), "1");
}

#[test]
fn function_libraries_are_saved_and_loaded_with_the_dataset() {
    let s = server();
    let mut c = s.client();
    c.script(
        r##"
        FUNCTION LOAD "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)" => "mylib"
        SET k v => +OK
        DEBUG RELOAD => +OK
        FCALL myfunc 0 hello => "hello"
        FUNCTION DELETE mylib => +OK
        DEBUG RELOAD NOSAVE => +OK
        FCALL myfunc 0 again => "again"
        DEBUG RELOAD NOSAVE NOFLUSH => -ERR Error trying to load the RDB dump, check server logs.
        FUNCTION FLUSH => +OK
        DEL k => :1
        DEBUG RELOAD NOSAVE NOFLUSH => +OK
        FCALL myfunc 0 merged => "merged"
        GET k => "v"
    "##,
    );
}
