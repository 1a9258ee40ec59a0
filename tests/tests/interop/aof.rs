//! AOF directories cross between redis-server 7.0.15 and scarlet-server: each loads the
//! other's multi-part AOF (RDB-preamble base, command base, incremental files) to the same
//! DEBUG DIGEST.

use std::path::Path;

use scarlet_tests::{REDIS_SERVER, ServerBuilder, TestServer, wait_for};

const SOON: std::time::Duration = std::time::Duration::from_secs(30);

fn run(server: &TestServer, args: &[&str]) -> redis::Value {
    server.query(args)
}

fn digest(server: &TestServer) -> String {
    server.digest()
}

fn start(program: &Path, dir: Option<&Path>, preamble: &str) -> TestServer {
    let dir_text = dir.map(|d| d.display().to_string());
    let mut args = vec![
        "--enable-debug-command",
        "yes",
        "--appendonly",
        "yes",
        "--aof-use-rdb-preamble",
        preamble,
    ];
    if let Some(d) = &dir_text {
        args.extend(["--dir", d.as_str()]);
    }
    ServerBuilder::binary(program).args(&args).start()
}

/// Writes of every type, a rewrite in the middle, and more writes after it, so the
/// directory holds a base and a non-empty incremental file.
fn write_history(server: &TestServer) {
    run(server, &["DEBUG", "POPULATE", "500", "key", "10"]);
    for i in 0..100 {
        let item = format!("item-{i}");
        run(server, &["RPUSH", "list", &item]);
        run(server, &["SADD", "set", &item]);
        run(server, &["ZADD", "zset", &format!("{i}.5"), &item]);
        run(server, &["HSET", "hash", &item, &i.to_string()]);
    }
    run(server, &["SET", "ttl", "v", "EX", "10000"]);
    run(server, &["BGREWRITEAOF"]);
    assert!(wait_for(SOON, || server
        .info_field("aof_rewrite_in_progress")
        .as_deref()
        == Some("0")));
    run(server, &["SELECT", "0"]);
    run(server, &["INCRBYFLOAT", "float", "2.5"]);
    run(server, &["SPOP", "set", "3"]);
    run(server, &["LPOP", "list", "2"]);
    run(server, &["EXPIRE", "hash", "5000"]);
    run(
        server,
        &[
            "EVAL",
            "redis.call('set','a','1') redis.call('incr','a')",
            "0",
        ],
    );
}

fn cross(from: &Path, to: &Path) {
    for preamble in ["yes", "no"] {
        let mut writer = start(from, None, preamble);
        write_history(&writer);
        let expected = digest(&writer);
        let dir = writer.dir.path().to_path_buf();
        assert_eq!(writer.stop(), Some(0));
        let reader = start(to, Some(&dir), preamble);
        assert_eq!(digest(&reader), expected, "preamble {preamble}");
    }
}

#[test]
fn redis_loads_our_aof() {
    cross(&scarlet_tests::scarlet_server(), REDIS_SERVER.as_ref());
}

#[test]
fn we_load_redis_aof() {
    cross(REDIS_SERVER.as_ref(), &scarlet_tests::scarlet_server());
}
