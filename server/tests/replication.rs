//! The replication commands through the real dispatcher: REPLICAOF and SLAVEOF, ROLE,
//! REPLCONF, and what a replica refuses (-READONLY). The in-process harness has no
//! runtime, so no link is attempted: the replica stays in the "connect" state.
//!
//! Replies are Redis 7.0.15's to the same session, except the link state ROLE shows.

use scarlet_server::testkit::TestServer;

#[test]
fn replicaof_arguments_and_replies() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        ROLE => ["master", :0, []]
        REPLICAOF 127.0.0.1 notaport => -ERR Invalid master port
        REPLICAOF 127.0.0.1 70000 => -ERR Invalid master port
        REPLICAOF 127.0.0.1 -1 => -ERR Invalid master port
        REPLICAOF a => -ERR wrong number of arguments for 'replicaof' command
        REPLICAOF NO ONE => +OK
        SLAVEOF no one => +OK
        CONFIG GET replicaof => ["replicaof", ""]
        SET k v => +OK
        REPLICAOF 127.0.0.1 1 => +OK
        REPLICAOF 127.0.0.1 1 => +OK Already connected to specified master
        SLAVEOF LOCALHOST 2 => +OK
        CONFIG GET replicaof => ["replicaof", "LOCALHOST 2"]
        ROLE => ["slave", "LOCALHOST", :2, "connect", :-1]
        SET k v => -READONLY You can't write against a read only replica.
        GET k => "v"
        MULTI => +OK
        SET k v2 => -READONLY You can't write against a read only replica.
        EXEC => -EXECABORT Transaction discarded because of previous errors.
        CONFIG SET replica-read-only no => +OK
        SET k v3 => +OK
        CONFIG SET replica-read-only yes => +OK
        CONFIG SET replica-serve-stale-data no => +OK
        GET k => -MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.
        PING => -MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.
        CONFIG SET replica-serve-stale-data yes => +OK
        REPLICAOF NO ONE => +OK
        ROLE => ["master", :0, []]
        SET k v4 => +OK
        "#,
    );
}

#[test]
fn replconf_options() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        REPLCONF => +OK
        REPLCONF foo => -ERR syntax error
        REPLCONF foo bar => -ERR Unrecognized REPLCONF option: foo
        REPLCONF listening-port abc => -ERR value is not an integer or out of range
        REPLCONF listening-port 6380 => +OK
        REPLCONF capa eof capa psync2 => +OK
        REPLCONF ip-address 1.2.3.4 => +OK
        REPLCONF rdb-only 2 => -ERR value is out of range, value must between 0 and 1
        REPLCONF rdb-only x => -ERR value is not an integer or out of range
        REPLCONF rdb-only 1 => +OK
        "#,
    );
}

#[test]
fn info_replication_of_a_replica_and_after_promotion() {
    let server = TestServer::new();
    let mut c = server.client();
    let replid = server.state().replid.clone();
    c.script("REPLICAOF 127.0.0.1 1 => +OK");
    let info = c.run_line("INFO replication");
    for line in [
        "role:slave",
        "master_host:127.0.0.1",
        "master_port:1",
        "master_link_status:down",
        "master_last_io_seconds_ago:-1",
        "master_sync_in_progress:0",
        "slave_read_repl_offset:0",
        "slave_repl_offset:0",
        "master_link_down_since_seconds:-1",
        "slave_priority:100",
        "slave_read_only:1",
        "replica_announced:1",
        "connected_slaves:0",
        "master_failover_state:no-failover",
    ] {
        assert!(info.contains(line), "{line} in {info}");
    }
    c.script("REPLICAOF NO ONE => +OK");
    let info = c.run_line("INFO replication");
    assert!(info.contains("role:master"), "{info}");
    assert!(info.contains(&format!("master_replid2:{replid}")), "{info}");
    assert!(info.contains("second_repl_offset:1"), "{info}");
    assert!(!info.contains(&format!("master_replid:{replid}")), "{info}");
}

#[test]
fn scripts_on_a_replica() {
    let mut c = TestServer::new().client();
    c.script(r#"REPLICAOF 127.0.0.1 1 => +OK"#);
    c.check(&[
        (
            "EVAL \"return redis.call('set','k','v')\" 0",
            "-READONLY You can't write against a read only replica. script: d223ed8c7345b684e8ed044ed472601f536fa58b, on @user_script:1.",
        ),
        (
            "EVAL \"return redis.pcall('set','k','v')\" 0",
            "-READONLY You can't write against a read only replica.",
        ),
        (
            "EVAL \"#!lua\\nreturn 1\" 0",
            "-READONLY You can't write against a read only replica.",
        ),
        ("EVAL \"#!lua flags=no-writes\\nreturn redis.call('get','k')\" 0", "nil"),
        ("CONFIG SET replica-serve-stale-data no", "+OK"),
        (
            "EVAL \"#!lua flags=no-writes\\nreturn 1\" 0",
            "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        ),
        (
            "EVAL \"return redis.call('get','x')\" 0",
            "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        ),
        (
            "EVAL \"#!lua flags=no-writes,allow-stale\\nreturn redis.call('get','x')\" 0",
            "-ERR Can not execute the command on a stale replica script: 6d72cb254ce85df7f775c9d2b5118514e27c6232, on @user_script:2.",
        ),
    ]);
}

#[test]
fn scripts_on_a_master_without_enough_good_replicas() {
    let mut c = TestServer::new().client();
    c.check(&[
        ("CONFIG SET min-replicas-to-write 1", "+OK"),
        (
            "EVAL \"return redis.call('set','k','v')\" 0",
            "-NOREPLICAS Not enough good replicas to write. script: d223ed8c7345b684e8ed044ed472601f536fa58b, on @user_script:1.",
        ),
        (
            "EVAL \"#!lua\\nreturn 1\" 0",
            "-NOREPLICAS Not enough good replicas to write.",
        ),
        ("EVAL \"#!lua flags=no-writes\\nreturn redis.call('get','k')\" 0", "nil"),
        ("EVAL \"return redis.call('get','k')\" 0", "nil"),
    ]);
}
