//! The shared replication buffer, with real processes: replicas that do not read hold
//! the stream once between them (not a copy each), the backlog outgrows
//! `repl-backlog-size` while they need it and shrinks back once they caught up, a
//! replica that comes back continues partially from what a slower one still holds, and
//! a replica far behind is cut at its output buffer limit, and a master left without
//! replicas frees its backlog after `repl-backlog-ttl`.

use std::time::Duration;

use scarlet_tests::{TestServer, signal, start_for_replication as start, wait_for};

const DEADLINE: Duration = Duration::from_secs(30);

fn number(server: &TestServer, field: &str) -> i64 {
    server
        .info_field(field)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{field}"))
}

fn replica_of(master: &TestServer) -> TestServer {
    let replica = start(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
    assert!(wait_for(DEADLINE, || replica
        .info_field("master_link_status")
        .as_deref()
        == Some("up")));
    replica
}

/// `mb` megabytes of stream: SETs of 100 KB values, pipelined.
fn write_mb(master: &TestServer, tag: &str, mb: usize) {
    let mut con = master.redis();
    let value = "v".repeat(100 * 1024);
    for round in 0..mb {
        let mut pipe = redis::pipe();
        for i in 0..10 {
            pipe.cmd("SET")
                .arg(format!("{tag}{round}.{i}"))
                .arg(&value)
                .ignore();
        }
        pipe.query::<()>(&mut con).expect("SET");
    }
}

fn caught_up(master: &TestServer, replica: &TestServer) -> bool {
    let done = wait_for(DEADLINE, || {
        number(master, "master_repl_offset") == number(replica, "master_repl_offset")
    });
    if !done {
        eprintln!(
            "master at {}, replica at {} (link {:?})\n{}",
            number(master, "master_repl_offset"),
            number(replica, "master_repl_offset"),
            replica.info_field("master_link_status"),
            master.log()
        );
    }
    done
}

#[test]
fn replicas_share_one_buffer_that_outgrows_the_backlog_while_needed() {
    let master = start(&[
        "--repl-backlog-size",
        "16384",
        "--client-output-buffer-limit",
        "replica 0 0 0",
    ]);
    let a = replica_of(&master);
    let b = replica_of(&master);

    // Neither replica reads: 40 MB of stream (less what their sockets took) is held
    // once for both.
    signal(a.pid(), "STOP");
    signal(b.pid(), "STOP");
    write_mb(&master, "k", 40);
    let buffers = number(&master, "mem_total_replication_buffers");
    assert!(buffers > 20 << 20, "{buffers}");
    assert!(buffers < 45 << 20, "held twice: {buffers}");
    assert!(number(&master, "repl_backlog_histlen") > 20 << 20);
    signal(a.pid(), "CONT");
    signal(b.pid(), "CONT");
    assert!(caught_up(&master, &a) && caught_up(&master, &b));
    // Once nobody needs it, the buffer is back to about the backlog's size.
    assert!(wait_for(DEADLINE, || number(
        &master,
        "repl_backlog_histlen"
    ) < 200_000));
    assert!(number(&master, "mem_total_replication_buffers") < 200_000);
    assert_eq!(master.digest(), a.digest());

    // `b` asks for a full sync whose snapshot takes long: while it waits, it holds the
    // stream from the snapshot's start. `a` leaves and comes back, and continues
    // partially from what `b` holds beyond the backlog's size.
    master.query(&["CONFIG", "SET", "rdb-key-save-delay", "1000000"]);
    b.query(&["REPLICAOF", "NO", "ONE"]);
    b.query(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    assert!(wait_for(DEADLINE, || {
        master.info_field("rdb_bgsave_in_progress").as_deref() == Some("1")
            && ["slave0", "slave1"].iter().any(|field| {
                master
                    .info_field(field)
                    .is_some_and(|line| line.contains("state=wait_bgsave"))
            })
    }));
    a.query(&["REPLICAOF", "127.0.0.1", "1"]);
    write_mb(&master, "m", 20);
    let partial = number(&master, "sync_partial_ok");
    a.query(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]);
    assert!(caught_up(&master, &a));
    assert_eq!(number(&master, "sync_partial_ok"), partial + 1);
    assert_eq!(master.digest(), a.digest());
    assert!(number(&master, "repl_backlog_histlen") > 20_000_000);
}

#[test]
fn a_replica_far_behind_is_cut_at_its_output_limit() {
    let master = start(&["--repl-backlog-size", "16384"]);
    let replica = replica_of(&master);
    master.query(&[
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "replica 256kb 0 0",
    ]);
    signal(replica.pid(), "STOP");
    write_mb(&master, "k", 20);
    assert!(wait_for(DEADLINE, || number(&master, "connected_slaves") == 0));
    assert!(master.wait_log(
        "scheduled to be closed ASAP for overcoming of output buffer limits",
        DEADLINE
    ));
    // Without it, the buffer is the backlog again.
    assert!(wait_for(DEADLINE, || number(
        &master,
        "repl_backlog_histlen"
    ) < 100_000));
    signal(replica.pid(), "CONT");
    assert!(caught_up(&master, &replica));
    assert_eq!(master.digest(), replica.digest());
}

#[test]
fn a_master_without_replicas_frees_its_backlog_after_the_ttl() {
    let master = start(&["--repl-backlog-ttl", "1"]);
    let replica = replica_of(&master);
    let replid = master.info_field("master_replid").expect("replid");
    drop(replica);
    assert!(wait_for(DEADLINE, || master
        .info_field("repl_backlog_active")
        .as_deref()
        == Some("0")));
    // A new history: nobody may continue the old one from an offset that stood still.
    assert_ne!(master.info_field("master_replid"), Some(replid));
    assert!(master.wait_log(
        "Replication backlog freed after 1 seconds without connected replicas.",
        DEADLINE
    ));
}

#[test]
fn a_snapshot_bigger_than_the_replica_limit_still_syncs() {
    // The payload does not count against the replica's output limit, with the
    // snapshot sent whole (disk) or streamed (diskless).
    for diskless in ["no", "yes"] {
        let master = start(&[
            "--repl-diskless-sync",
            diskless,
            "--repl-backlog-size",
            "1mb",
            "--client-output-buffer-limit",
            "replica 1mb 1mb 0",
        ]);
        master.query(&["DEBUG", "POPULATE", "2000", "big", "10000"]);
        let replica = replica_of(&master);
        assert!(caught_up(&master, &replica));
        assert_eq!(master.digest(), replica.digest(), "diskless {diskless}");
        assert_eq!(number(&master, "sync_full"), 1, "diskless {diskless}");
    }
}
