//! Debian's redis-server 7.0.15 as a replica of scarlet-server: the full synchronization
//! reaches the master's DEBUG DIGEST, the stream keeps it equal under writes of every
//! kind, and a cut link resumes with +CONTINUE from Scarlet's backlog.

use std::time::Duration;

use scarlet_tests::{REDIS_SERVER, ServerBuilder, TestServer, wait_for};

const DEADLINE: Duration = Duration::from_secs(30);

fn run(con: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
    for arg in args.iter().skip(1) {
        cmd.arg(*arg);
    }
    cmd.query(con).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn digest(server: &TestServer) -> String {
    server.digest()
}

#[test]
fn a_redis_replica_follows_a_scarlet_master() {
    let master = ServerBuilder::scarlet()
        .args(&["--enable-debug-command", "yes"])
        .start();
    let mut con = master.redis();
    run(&mut con, &["DEBUG", "POPULATE", "3000", "key", "20"]);
    run(&mut con, &["HSET", "hash", "f", "v"]);
    run(&mut con, &["ZADD", "zset", "1.5", "a"]);
    let port = master.port.to_string();
    let replica = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&[
            "--enable-debug-command",
            "yes",
            "--replicaof",
            "127.0.0.1",
            &port,
        ])
        .start();
    assert!(wait_for(DEADLINE, || digest(&master) == digest(&replica)));
    for i in 0..50 {
        let n = i.to_string();
        run(&mut con, &["SET", &format!("k{i}"), &n, "EX", "1000"]);
        run(&mut con, &["INCRBYFLOAT", "float", "1.25"]);
        run(&mut con, &["SADD", "set", &n, "x", "y"]);
        run(&mut con, &["SPOP", "set", "2"]);
        run(
            &mut con,
            &[
                "EVAL",
                "redis.call('lpush', KEYS[1], ARGV[1])",
                "1",
                "list",
                &n,
            ],
        );
        run(&mut con, &["SELECT", "3"]);
        run(&mut con, &["PEXPIRE", "nothing", "10"]);
        run(&mut con, &["ZINCRBY", "z3", "1", &n]);
        run(&mut con, &["SELECT", "0"]);
    }
    assert!(wait_for(DEADLINE, || digest(&master) == digest(&replica)));

    run(&mut con, &["CLIENT", "KILL", "TYPE", "replica"]);
    run(&mut con, &["SET", "while-cut", "1"]);
    assert!(wait_for(DEADLINE, || master
        .info_field("sync_partial_ok")
        .as_deref()
        == Some("1")));
    assert!(wait_for(DEADLINE, || digest(&master) == digest(&replica)));
    assert_eq!(master.info_field("sync_full").as_deref(), Some("1"));
}
