//! DUMP payloads, MIGRATE and redis-check-rdb between redis-server 7.0.15 and Scarlet:
//! every type and encoding DUMPed by one RESTOREs on the other to the same DEBUG
//! DIGEST-VALUE and encoding; MIGRATE moves keys both ways (KEYS, COPY, REPLACE, AUTH);
//! and Scarlet's redis-check-rdb prints what Redis's prints for sound and truncated files.

use std::path::Path;
use std::process::Command;

use redis::Value;
use scarlet_tests::{REDIS_SERVER, ServerBuilder, TestServer, scarlet_server};

const REDIS_CHECK_RDB: &str = "/usr/bin/redis-check-rdb";

fn redis_server(args: &[&str]) -> TestServer {
    ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&["--enable-debug-command", "yes"])
        .args(args)
        .start()
}

fn scarlet(args: &[&str]) -> TestServer {
    ServerBuilder::scarlet()
        .args(&["--enable-debug-command", "yes"])
        .args(args)
        .start()
}

fn run(con: &mut redis::Connection, args: &[&[u8]]) -> Value {
    let mut cmd =
        redis::cmd(std::str::from_utf8(args.first().copied().unwrap_or(b"PING")).unwrap());
    for arg in args.iter().skip(1) {
        cmd.arg(*arg);
    }
    cmd.query(con)
        .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(args[0])))
}

/// A reply as text; an error reply as its code and message.
fn text(con: &mut redis::Connection, args: &[&str]) -> String {
    let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
    for arg in args.iter().skip(1) {
        cmd.arg(*arg);
    }
    let reply = match cmd.query::<Value>(con) {
        Ok(reply) => reply,
        Err(e) => {
            return format!(
                "{} {}",
                e.code().unwrap_or("?"),
                e.detail().unwrap_or_default()
            );
        }
    };
    match reply {
        Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        Value::SimpleString(s) => s,
        Value::Okay => "OK".into(),
        Value::Int(n) => n.to_string(),
        Value::Nil => "nil".into(),
        other => format!("{other:?}"),
    }
}

/// Keys of every type in each of its encodings (names say which), plus a TTL.
fn populate(con: &mut redis::Connection) -> Vec<String> {
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let mut add = |args: &[&str]| cmds.push(args.iter().map(|s| s.to_string()).collect());
    add(&["SET", "str-embstr", "hello"]);
    add(&["SET", "str-int", "-9223372036854775808"]);
    add(&["SET", "str-raw", &"compressible-".repeat(40)]);
    add(&["SET", "str-binary", "a\u{0}b\r\n\u{ff}"]);
    add(&["RPUSH", "list-small", "a", "1", "-70000", "b", "3.5"]);
    add(&["RPUSH", "list-plain", "a", &"x".repeat(10_000), "b"]);
    add(&["SADD", "set-intset", "1", "-2", "300000", "5000000000"]);
    add(&["SADD", "set-hashtable", "a", "b", "3"]);
    add(&[
        "ZADD",
        "zset-listpack",
        "1",
        "a",
        "-2.5",
        "b",
        "inf",
        "c",
        "-0",
        "d",
    ]);
    add(&["HSET", "hash-listpack", "f", "v", "n", "42"]);
    add(&["SET", "ttl", "v", "PX", "100000000"]);
    for i in 0..700 {
        let item = format!("item-{i}");
        add(&["RPUSH", "list-big", &item]);
        add(&["SADD", "set-big", &item]);
        add(&["SADD", "set-bigint", &i.to_string()]);
        add(&["ZADD", "zset-skiplist", &format!("{}.25", i % 50), &item]);
        add(&["HSET", "hash-hashtable", &item, &i.to_string()]);
    }
    add(&["ZADD", "zset-longmember", "1", &"m".repeat(100)]);
    add(&["HSET", "hash-longvalue", "f", &"v".repeat(100)]);
    for args in &cmds {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        run(con, &args);
    }
    let mut keys: Vec<String> = cmds.iter().map(|c| c[1].clone()).collect();
    keys.dedup();
    keys.sort();
    keys.dedup();
    keys
}

fn dump(con: &mut redis::Connection, key: &str) -> Vec<u8> {
    match run(con, &[b"DUMP", key.as_bytes()]) {
        Value::BulkString(b) => b,
        other => panic!("DUMP {key}: {other:?}"),
    }
}

/// Every key DUMPed on `from` RESTOREs on `to` to the same digest and encoding (but the
/// key with a TTL, whose digest includes its expire time).
fn payloads_cross(from: &mut redis::Connection, to: &mut redis::Connection, keys: &[String]) {
    for key in keys.iter().filter(|k| *k != "ttl") {
        let payload = dump(from, key);
        let restored = run(
            to,
            &[b"RESTORE", key.as_bytes(), b"0", &payload, b"REPLACE"],
        );
        assert_eq!(restored, Value::Okay, "RESTORE {key}");
        assert_eq!(
            text(from, &["DEBUG", "DIGEST-VALUE", key]),
            text(to, &["DEBUG", "DIGEST-VALUE", key]),
            "digest of {key}"
        );
        assert_eq!(
            text(from, &["OBJECT", "ENCODING", key]),
            text(to, &["OBJECT", "ENCODING", key]),
            "encoding of {key}"
        );
    }
}

#[test]
fn payloads_cross_both_ways() {
    let redis = redis_server(&[]);
    let ours = scarlet(&[]);
    let mut r = redis.redis();
    let mut s = ours.redis();
    let keys = populate(&mut r);
    payloads_cross(&mut r, &mut s, &keys);
    // And back: Scarlet's payloads on a fresh Redis.
    let fresh = redis_server(&[]);
    let mut f = fresh.redis();
    payloads_cross(&mut s, &mut f, &keys);
    // Compressed list nodes too.
    run(&mut s, &[b"CONFIG", b"SET", b"list-compress-depth", b"1"]);
    for i in 0..3000 {
        run(
            &mut s,
            &[
                b"RPUSH",
                b"list-compressed",
                format!("element number {i}").as_bytes(),
            ],
        );
    }
    payloads_cross(&mut s, &mut f, &["list-compressed".to_string()]);
}

#[test]
fn migrate_both_ways() {
    let redis = redis_server(&[]);
    let ours = scarlet(&[]);
    let mut r = redis.redis();
    let mut s = ours.redis();
    let keys = populate(&mut s);
    // Per-key digests without the key with a TTL, whose digest includes its expire time.
    let digests = |con: &mut redis::Connection| -> Vec<String> {
        keys.iter()
            .filter(|k| *k != "ttl")
            .map(|k| text(con, &["DEBUG", "DIGEST-VALUE", k]))
            .collect()
    };
    let digest = digests(&mut s);
    let rport = redis.port.to_string();
    let sport = ours.port.to_string();

    // Scarlet to Redis, all keys at once, into db 0.
    let mut args: Vec<&str> = vec!["MIGRATE", "127.0.0.1", &rport, "", "0", "5000", "KEYS"];
    args.extend(keys.iter().map(String::as_str));
    assert_eq!(text(&mut s, &args), "OK");
    assert_eq!(text(&mut s, &["DBSIZE"]), "0");
    assert_eq!(digests(&mut r), digest);
    let ttl: i64 = text(&mut r, &["PTTL", "ttl"]).parse().unwrap();
    assert!(ttl > 99_000_000, "{ttl}");

    // Redis to Scarlet, one key, COPY, into db 2 (twice: the cached connection).
    assert_eq!(
        text(
            &mut r,
            &[
                "MIGRATE",
                "127.0.0.1",
                &sport,
                "list-big",
                "2",
                "5000",
                "COPY"
            ]
        ),
        "OK"
    );
    assert_eq!(
        text(
            &mut r,
            &[
                "MIGRATE",
                "127.0.0.1",
                &sport,
                "list-big",
                "2",
                "5000",
                "COPY"
            ]
        ),
        "ERR Target instance replied with error: BUSYKEY Target key name already exists."
    );
    assert_eq!(
        text(
            &mut r,
            &[
                "MIGRATE",
                "127.0.0.1",
                &sport,
                "list-big",
                "2",
                "5000",
                "COPY",
                "REPLACE"
            ]
        ),
        "OK"
    );
    run(&mut s, &[b"SELECT", b"2"]);
    assert_eq!(
        text(&mut s, &["DEBUG", "DIGEST-VALUE", "list-big"]),
        text(&mut r, &["DEBUG", "DIGEST-VALUE", "list-big"])
    );
    assert_eq!(text(&mut r, &["EXISTS", "list-big"]), "1");
    assert_eq!(
        text(
            &mut r,
            &["MIGRATE", "127.0.0.1", &sport, "nokey", "2", "5000"]
        ),
        "NOKEY"
    );

    // Back to Scarlet with AUTH.
    run(&mut s, &[b"CONFIG", b"SET", b"requirepass", b"secret"]);
    assert_eq!(
        text(
            &mut r,
            &[
                "MIGRATE",
                "127.0.0.1",
                &sport,
                "hash-hashtable",
                "0",
                "5000",
                "AUTH",
                "secret"
            ]
        ),
        "OK"
    );
    assert_eq!(text(&mut r, &["EXISTS", "hash-hashtable"]), "0");
    let wrong = text(
        &mut r,
        &[
            "MIGRATE",
            "127.0.0.1",
            &sport,
            "set-big",
            "0",
            "5000",
            "AUTH",
            "nope",
        ],
    );
    assert!(wrong.contains("WRONGPASS"), "{wrong}");
    // Scarlet to Redis with AUTH2 against a Redis asking for a password.
    run(&mut r, &[b"CONFIG", b"SET", b"requirepass", b"pw"]);
    run(&mut s, &[b"AUTH", b"secret"]);
    run(&mut s, &[b"SELECT", b"0"]);
    assert_eq!(
        text(
            &mut s,
            &[
                "MIGRATE",
                "127.0.0.1",
                &rport,
                "hash-hashtable",
                "5",
                "5000",
                "AUTH2",
                "default",
                "pw"
            ]
        ),
        "OK"
    );
    let refused = text(&mut s, &["MIGRATE", "127.0.0.1", "1", "x", "0", "100"]);
    assert_eq!(refused, "NOKEY");
}

/// Runs a checker on `file` and returns its exit code and stdout.
fn check(program: &Path, args: &[&str], file: &Path) -> (Option<i32>, String) {
    let output = Command::new(program)
        .args(args)
        .arg(file)
        .output()
        .expect("run checker");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn check_rdb_reports_as_redis_does() {
    let redis = redis_server(&[]);
    let mut r = redis.redis();
    populate(&mut r);
    run(&mut r, &[b"SELECT", b"4"]);
    run(&mut r, &[b"SET", b"past", b"v", b"PX", b"1"]);
    run(&mut r, &[b"SAVE"]);
    let good = std::fs::read(redis.path("dump.rdb")).expect("dump.rdb");
    let ours = scarlet_server();
    // A Redis-style alias, as the suite and operators call it.
    let alias = redis.path("redis-check-rdb");
    std::os::unix::fs::symlink(&ours, &alias).expect("symlink");

    let mut cases: Vec<(String, Vec<u8>)> = vec![("good.rdb".into(), good.clone())];
    let mut crc_off = good.clone();
    if let Some(b) = crc_off.last_mut() {
        *b ^= 0x55;
    }
    cases.push(("bad-crc.rdb".into(), crc_off));
    let mut no_crc = good.clone();
    let len = no_crc.len();
    no_crc.truncate(len - 8);
    no_crc.extend_from_slice(&[0; 8]);
    cases.push(("no-crc.rdb".into(), no_crc));
    cases.push(("version.rdb".into(), b"REDIS0011\xff".to_vec()));
    cases.push(("signature.rdb".into(), b"RUDIS0010\xff".to_vec()));
    // Truncations at header, aux, key and value boundaries and in between.
    let step = (good.len() / 40).max(1);
    for cut in (0..good.len())
        .step_by(step)
        .chain([9, 10, 30, good.len() - 1])
    {
        cases.push((format!("cut-{cut}.rdb"), good.get(..cut).unwrap().to_vec()));
    }
    let mut differences = String::new();
    for (name, bytes) in &cases {
        let path = redis.path(name);
        std::fs::write(&path, bytes).expect("write case");
        let theirs = check(Path::new(REDIS_CHECK_RDB), &[], &path);
        let by_name = check(&alias, &[], &path);
        let by_flag = check(&ours, &["--check-rdb"], &path);
        assert_eq!(by_name, by_flag, "{name}: alias and flag differ");
        // Redis's messages for damage inside a value name a line of its C source; ours
        // name the damage. Everything else must match.
        let comparable = |(code, out): &(Option<i32>, String)| {
            let lines: Vec<&str> = out
                .lines()
                .filter(|l| !l.contains("Terminating server after rdb file reading failure"))
                .map(|l| {
                    if l.contains("Internal error in RDB") || l.contains("corrupt RDB data") {
                        "<damage>"
                    } else {
                        l
                    }
                })
                .collect();
            (*code, lines.join("\n"))
        };
        if comparable(&theirs) != comparable(&by_name) {
            differences.push_str(&format!(
                "{name}:\n--- redis\n{}\n--- scarlet\n{}\n",
                theirs.1, by_name.1
            ));
        }
    }
    assert!(differences.is_empty(), "{differences}");
    let (code, report) = check(&alias, &[], &redis.path("good.rdb"));
    assert_eq!(code, Some(0));
    assert!(report.contains("\\o/ RDB looks OK! \\o/"), "{report}");
    assert!(report.contains("[info] 1 already expired"), "{report}");
}
