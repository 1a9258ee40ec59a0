//! FAILOVER with real processes: a master hands its role to a replica under a write
//! load without losing an acknowledged write (the old master continues partially as the
//! new one's replica), a replica that never catches up makes a TIMEOUT give the role
//! back, FORCE hands it over anyway, ABORT lifts the pause, and the argument and state
//! errors are Redis's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use scarlet_tests::{ServerBuilder, TestServer, signal, wait_for};

const DEADLINE: Duration = Duration::from_secs(30);

fn start(args: &[&str]) -> TestServer {
    ServerBuilder::scarlet()
        .args(&["--enable-debug-command", "yes"])
        .args(args)
        .start()
}

fn replica_of(master: &TestServer) -> TestServer {
    let replica = start(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
    assert!(
        wait_for(DEADLINE, || replica
            .info_field("master_link_status")
            .as_deref()
            == Some("up")),
        "replica never linked"
    );
    replica
}

fn error_of(server: &TestServer, args: &[&str]) -> String {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    match cmd.query::<redis::Value>(&mut server.redis()) {
        Err(e) => e.to_string(),
        Ok(v) => panic!("{args:?} answered {v:?}"),
    }
}

fn failover_state(server: &TestServer) -> String {
    server
        .info_field("master_failover_state")
        .unwrap_or_default()
}

fn role(server: &TestServer) -> String {
    server.info_field("role").unwrap_or_default()
}

#[test]
fn failover_under_writes_loses_no_acknowledged_write() {
    let master = start(&[]);
    let replica = replica_of(&master);
    let port = replica.port.to_string();

    // INCRs on the master until told to stop; each OK reply is a write the new master
    // must have. A -READONLY (the old master is a replica now) ends the writer.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let mut con = master.redis();
    let writer = {
        let (stop, acked) = (Arc::clone(&stop), Arc::clone(&acked));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match redis::cmd("INCR").arg("counter").query::<i64>(&mut con) {
                    Ok(_) => acked.fetch_add(1, Ordering::Relaxed),
                    Err(_) => break,
                };
            }
        })
    };
    assert!(wait_for(DEADLINE, || acked.load(Ordering::Relaxed) > 500));
    let partial_before = replica.info_field("sync_partial_ok");
    master.query(&["FAILOVER", "TO", "127.0.0.1", &port]);
    assert!(
        wait_for(DEADLINE, || failover_state(&master) == "no-failover"),
        "failover did not finish"
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer");

    assert_eq!(role(&master), "slave");
    assert_eq!(role(&replica), "master");
    // The old master continued partially from its new master's backlog.
    assert_eq!(partial_before.as_deref(), Some("0"));
    assert!(
        wait_for(DEADLINE, || replica
            .info_field("sync_partial_ok")
            .as_deref()
            == Some("1")),
        "no partial resync"
    );
    assert_eq!(replica.info_field("sync_full").as_deref(), Some("0"));
    let count = match replica.query(&["GET", "counter"]) {
        redis::Value::BulkString(v) => String::from_utf8_lossy(&v).parse::<u64>().expect("n"),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        count,
        acked.load(Ordering::Relaxed),
        "acknowledged writes lost"
    );
    replica.query(&["SET", "after", "1"]);
    assert!(wait_for(DEADLINE, || master.digest() == replica.digest()));
    assert!(master.wait_log("is synced, failing over.", DEADLINE));
    assert!(replica.wait_log("MASTER MODE enabled (failover request from", DEADLINE));
}

#[test]
fn failover_timeout_gives_the_role_back_and_force_hands_it_over() {
    let master = start(&[]);
    let replica = replica_of(&master);
    let port = replica.port.to_string();

    // A stopped replica never acknowledges the write.
    signal(replica.pid(), "STOP");
    master.query(&["SET", "k", "1"]);
    master.query(&["FAILOVER", "TO", "127.0.0.1", &port, "TIMEOUT", "300"]);
    assert_eq!(failover_state(&master), "waiting-for-sync");
    assert!(wait_for(DEADLINE, || failover_state(&master) == "no-failover"));
    assert_eq!(role(&master), "master");
    master.query(&["SET", "k", "2"]);
    assert!(master.wait_log("aborted: Replica never caught up before timeout", DEADLINE));

    // FORCE: past the deadline the master follows the replica anyway.
    master.query(&["SET", "k", "3"]);
    master.query(&[
        "FAILOVER",
        "TO",
        "127.0.0.1",
        &port,
        "TIMEOUT",
        "100",
        "FORCE",
    ]);
    assert!(wait_for(DEADLINE, || failover_state(&master)
        == "failover-in-progress"));
    assert_eq!(role(&master), "slave");
    signal(replica.pid(), "CONT");
    assert!(wait_for(DEADLINE, || failover_state(&master) == "no-failover"));
    assert_eq!(role(&replica), "master");
    assert!(master.wait_log("time out exceeded, failing over.", DEADLINE));
    assert!(wait_for(DEADLINE, || master.digest() == replica.digest()));
}

#[test]
fn failover_abort_and_errors() {
    let master = start(&[]);
    assert_eq!(
        error_of(&master, &["FAILOVER"]),
        "ResponseError: FAILOVER requires connected replicas."
    );
    let replica = replica_of(&master);
    let port = replica.port.to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["FAILOVER", "ABORT"], "No failover in progress."),
        (
            &["FAILOVER", "TO", "127.0.0.1", "x"],
            "value is not an integer or out of range",
        ),
        (
            &["FAILOVER", "TO", "nohost", "1"],
            "FAILOVER target HOST and PORT is not a replica.",
        ),
        (
            &["FAILOVER", "FORCE", "TIMEOUT", "100"],
            "FAILOVER with force option requires both a timeout and target HOST and IP.",
        ),
        (
            &["FAILOVER", "TIMEOUT", "0"],
            "FAILOVER timeout must be greater than 0",
        ),
        (&["FAILOVER", "BOGUS"], "syntax error"),
    ];
    for (args, text) in cases {
        let e = error_of(&master, args);
        assert!(e.contains(text), "{args:?}: {e}");
    }
    let e = error_of(&replica, &["FAILOVER", "TO", "127.0.0.1", &port]);
    assert!(
        e.contains("FAILOVER is not valid when server is a replica."),
        "{e}"
    );
    let e = error_of(&master, &["PSYNC", "?", "-1", "FAILOVER"]);
    assert!(
        e.contains("PSYNC FAILOVER can't be sent to a master."),
        "{e}"
    );

    // Waiting for a stopped replica: reads go on, writes wait, ABORT lets them run.
    signal(replica.pid(), "STOP");
    master.query(&["SET", "k", "1"]);
    master.query(&["FAILOVER", "TO", "127.0.0.1", &port, "TIMEOUT", "60000"]);
    let e = error_of(&master, &["FAILOVER"]);
    assert!(e.contains("FAILOVER already in progress."), "{e}");
    let e = error_of(&master, &["REPLICAOF", "NO", "ONE"]);
    assert!(
        e.contains("REPLICAOF not allowed while failing over."),
        "{e}"
    );
    assert!(matches!(
        master.query(&["GET", "k"]),
        redis::Value::BulkString(_)
    ));
    let mut writer = master.redis();
    let held = std::thread::spawn(move || {
        redis::cmd("SET")
            .arg("k")
            .arg("2")
            .query::<String>(&mut writer)
    });
    // The write waits: the value is still the old one.
    std::thread::sleep(Duration::from_millis(200));
    assert!(!held.is_finished(), "a write ran during the failover pause");
    master.query(&["FAILOVER", "ABORT"]);
    assert_eq!(failover_state(&master), "no-failover");
    assert_eq!(held.join().expect("writer").expect("SET"), "OK");
    signal(replica.pid(), "CONT");
    assert_eq!(role(&master), "master");
    assert!(wait_for(DEADLINE, || master.digest() == replica.digest()));
}
