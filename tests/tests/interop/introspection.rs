//! What the server says about itself, compared with redis-server 7.0.15 started with the
//! same options: every CONFIG GET parameter and its default, INFO's sections and field
//! names, the fields of a CLIENT INFO line, and what CONFIG REWRITE writes. Values that
//! name the process (port, directory, ids, addresses, memory sizes, times) are left out.

use scarlet_tests::{REDIS_SERVER, RawConn, ServerBuilder, TestServer};

fn both(args: &[&str]) -> (TestServer, TestServer) {
    let redis = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(args)
        .start();
    let scarlet = ServerBuilder::scarlet().args(args).start();
    (redis, scarlet)
}

/// `CONFIG GET *` as sorted "name value" lines, without the parameters that differ by
/// construction (each server has its own port and scratch directory).
fn all_config(server: &TestServer) -> Vec<String> {
    let mut conn = server.redis();
    let pairs: Vec<(String, String)> = redis::cmd("CONFIG")
        .arg(&["GET", "*"])
        .query(&mut conn)
        .expect("CONFIG GET *");
    let mut lines: Vec<String> = pairs
        .into_iter()
        .filter(|(name, _)| name != "port" && name != "dir")
        .map(|(name, value)| format!("{name} {value}"))
        .collect();
    lines.sort();
    lines
}

#[test]
fn every_parameter_and_its_default_match_redis() {
    let (redis, scarlet) = both(&[]);
    let want = all_config(&redis);
    let got = all_config(&scarlet);
    let missing: Vec<&String> = want.iter().filter(|l| !got.contains(l)).collect();
    let extra: Vec<&String> = got.iter().filter(|l| !want.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "redis-server only: {missing:#?}\nscarlet only: {extra:#?}"
    );
}

/// INFO of one section as (section header, field names) after the same few commands.
fn info_shape(server: &TestServer, section: &str) -> Vec<String> {
    let mut conn = server.raw();
    conn.roundtrip(b"SET k v EX 100\r\n", b"+OK\r\n");
    conn.roundtrip(b"GET k\r\n", b"$1\r\nv\r\n");
    conn.roundtrip(
        b"INCR k\r\n",
        b"-ERR value is not an integer or out of range\r\n",
    );
    conn.command(&[b"INFO", section.as_bytes()]);
    let mut names: Vec<String> = conn
        .read_text()
        .lines()
        .map(|line| line.split(':').next().unwrap_or_default().to_string())
        .collect();
    // Redis lists commands in its command table's hash order, which changes from run to
    // run.
    if section == "commandstats" {
        names.sort();
    }
    names
}

#[test]
fn info_sections_and_field_names_match_redis() {
    let (redis, scarlet) = both(&[]);
    for section in [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "commandstats",
        "errorstats",
        "cluster",
        "keyspace",
    ] {
        assert_eq!(
            info_shape(&scarlet, section),
            info_shape(&redis, section),
            "INFO {section}"
        );
    }
    // The default INFO and INFO everything list the same sections in the same order.
    for which in ["default", "everything"] {
        let headers = |server: &TestServer| -> Vec<String> {
            let mut conn = server.raw();
            conn.command(&[b"INFO", which.as_bytes()]);
            conn.read_text()
                .lines()
                .filter(|l| l.starts_with('#'))
                .map(String::from)
                .collect()
        };
        assert_eq!(headers(&scarlet), headers(&redis), "INFO {which}");
    }
    // Fields whose values do not depend on the process.
    for field in [
        "redis_version",
        "redis_mode",
        "arch_bits",
        "hz",
        "configured_hz",
        "maxmemory_policy",
        "mem_allocator",
        "role",
        "connected_slaves",
        "cluster_enabled",
        "aof_enabled",
        "loading",
    ] {
        assert_eq!(
            scarlet.info_field(field),
            redis.info_field(field),
            "INFO field {field}"
        );
    }
}

/// A CLIENT INFO line of a fresh connection that named itself, moved to db 3 and
/// switched to RESP3, as (field, value) pairs.
fn client_info(server: &TestServer) -> Vec<(String, String)> {
    let mut conn = RawConn::connect(server.port);
    conn.roundtrip(b"CLIENT SETNAME probe\r\n", b"+OK\r\n");
    conn.roundtrip(b"SELECT 3\r\n", b"+OK\r\n");
    conn.send(b"HELLO 3\r\n");
    conn.read_reply_bytes();
    conn.send(b"CLIENT INFO\r\n");
    conn.read_text()
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn client_info_fields_match_redis() {
    let (redis, scarlet) = both(&[]);
    let want = client_info(&redis);
    let got = client_info(&scarlet);
    let names = |pairs: &[(String, String)]| -> Vec<String> {
        pairs.iter().map(|(k, _)| k.clone()).collect()
    };
    assert_eq!(names(&got), names(&want));
    // These describe the client's state, not the process or its memory.
    for field in [
        "name",
        "flags",
        "db",
        "sub",
        "psub",
        "ssub",
        "multi",
        "multi-mem",
        "obl",
        "oll",
        "omem",
        "events",
        "cmd",
        "user",
        "redir",
        "resp",
    ] {
        let value = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(value(&got), value(&want), "CLIENT INFO field {field}");
    }
}

/// The config file after CONFIG SET and CONFIG REWRITE, as sorted lines. Redis appends new
/// lines in its option table's hash order, which changes from run to run, so only the set
/// of lines is compared; `port` and `dir` differ by construction, and `user` lines belong
/// to ACLs, which Scarlet does not have yet.
fn rewritten(server: &TestServer) -> Vec<String> {
    let mut conn = server.raw();
    for set in [
        "CONFIG SET hz 33",
        "CONFIG SET maxmemory 100mb",
        "CONFIG SET notify-keyspace-events KEx",
        "CONFIG SET client-output-buffer-limit \"normal 1mb 2mb 3\"",
        "CONFIG SET maxmemory-policy allkeys-lru",
        "CONFIG REWRITE",
    ] {
        conn.roundtrip(format!("{set}\r\n").as_bytes(), b"+OK\r\n");
    }
    let text = std::fs::read_to_string(server.path("redis.conf")).expect("config file");
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("port ") && !l.starts_with("dir ") && !l.starts_with("user "))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

#[test]
fn config_rewrite_writes_what_redis_writes() {
    let config = concat!(
        "# A comment that the rewrite keeps\n",
        "hz 15\n",
        "maxclients 500   \n",
        "save 900 1\n",
        "save 300 10\n",
        "client-output-buffer-limit pubsub 32mb 8mb 60\n",
        "rename-command DEBUG \"\"\n",
        "\n",
        "maxmemory-policy volatile-lru\n",
    );
    let redis = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .config(config)
        .start();
    let scarlet = ServerBuilder::scarlet().config(config).start();
    assert_eq!(rewritten(&scarlet), rewritten(&redis));
}
