//! A scarlet-server replica of Debian's redis-server 7.0.15: full synchronization from
//! disk and diskless payloads reaches the master's DEBUG DIGEST, the stream keeps it
//! equal under a write load, a cut link resumes with +CONTINUE (the master's
//! `sync_partial_ok`), writes are refused with -READONLY, and expired keys look gone on
//! the replica until the master's DEL removes them.

use std::time::Duration;

use scarlet_tests::{REDIS_SERVER, ServerBuilder, TestServer, wait_for};

/// Synchronizations take milliseconds; this bounds a stuck link.
const SYNC_DEADLINE: Duration = Duration::from_secs(30);

fn run(con: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
    for arg in args.iter().skip(1) {
        cmd.arg(*arg);
    }
    cmd.query(con).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn text(con: &mut redis::Connection, args: &[&str]) -> String {
    match run(con, args) {
        redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        redis::Value::SimpleString(s) => s,
        redis::Value::Okay => "OK".to_string(),
        redis::Value::Array(items) => match items.first() {
            Some(redis::Value::BulkString(b)) => String::from_utf8_lossy(b).into_owned(),
            other => format!("{other:?}"),
        },
        redis::Value::VerbatimString { text, .. } => text,
        other => format!("{other:?}"),
    }
}

/// A redis-server master; `diskless` chooses how it sends the payload.
fn redis_master(diskless: bool) -> TestServer {
    ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&[
            "--enable-debug-command",
            "yes",
            "--repl-diskless-sync",
            if diskless { "yes" } else { "no" },
            "--repl-diskless-sync-delay",
            "0",
        ])
        .start()
}

fn scarlet_replica(args: &[&str]) -> TestServer {
    ServerBuilder::scarlet()
        .args(&["--enable-debug-command", "yes"])
        .args(args)
        .start()
}

/// Keys of every type, with TTLs, in two databases.
fn populate(con: &mut redis::Connection) {
    run(con, &["DEBUG", "POPULATE", "2000", "key", "10"]);
    let mut pipe = redis::pipe();
    for i in 0..300 {
        let item = format!("item-{i}");
        pipe.cmd("RPUSH").arg("biglist").arg(&item).ignore();
        pipe.cmd("SADD").arg("bigset").arg(&item).ignore();
        pipe.cmd("ZADD").arg("bigzset").arg(i).arg(&item).ignore();
        pipe.cmd("HSET").arg("bighash").arg(&item).arg(i).ignore();
    }
    pipe.query::<()>(con).expect("populate");
    run(con, &["SADD", "intset", "1", "-2", "300000"]);
    run(con, &["HSET", "hash", "f", "v"]);
    run(con, &["EXPIRE", "hash", "100000"]);
    run(con, &["SELECT", "3"]);
    run(con, &["SET", "other", "db"]);
    run(con, &["SELECT", "0"]);
}

fn digest(server: &TestServer) -> String {
    text(&mut server.redis(), &["DEBUG", "DIGEST"])
}

fn replicate(replica: &TestServer, master: &TestServer) {
    let port = master.port.to_string();
    assert_eq!(
        text(&mut replica.redis(), &["REPLICAOF", "127.0.0.1", &port]),
        "OK"
    );
}

/// Waits until the link is up and the replica applied everything the master wrote,
/// then checks the digests.
fn wait_in_sync(master: &TestServer, replica: &TestServer) {
    let synced = wait_for(SYNC_DEADLINE, || {
        let link_up = replica.info_field("master_link_status").as_deref() == Some("up");
        let offset = master.info_field("master_repl_offset");
        link_up && offset.is_some() && replica.info_field("slave_repl_offset") == offset
    });
    assert!(synced, "replica did not catch up\n{}", replica.log());
    assert_eq!(digest(master), digest(replica), "{}", replica.log());
}

fn stat(server: &TestServer, name: &str) -> u64 {
    server
        .info_field(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no INFO {name}"))
}

#[test]
fn full_sync_from_a_disk_payload_reaches_the_masters_digest() {
    let master = redis_master(false);
    populate(&mut master.redis());
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    assert!(replica.log().contains("receiving"), "{}", replica.log());
    assert!(replica.log().contains("to disk"));
    assert!(
        replica.path("dump.rdb").exists(),
        "repl-diskless-load disabled keeps the payload as dump.rdb"
    );
    assert_eq!(stat(&master, "sync_full"), 1);
    let mut con = replica.redis();
    assert_eq!(text(&mut con, &["ROLE"]), "slave");
}

#[test]
fn full_sync_from_a_diskless_payload_for_each_load_mode() {
    for load in ["disabled", "swapdb", "on-empty-db"] {
        let master = redis_master(true);
        populate(&mut master.redis());
        let replica = scarlet_replica(&["--repl-diskless-load", load]);
        // Keys of the replica's own are replaced by the master's dataset.
        run(&mut replica.redis(), &["SET", "stale", "gone"]);
        replicate(&replica, &master);
        wait_in_sync(&master, &replica);
        assert!(
            replica
                .log()
                .contains("receiving streamed RDB from master with EOF"),
            "{load}: {}",
            replica.log()
        );
        let to_disk = load == "disabled" || load == "on-empty-db";
        assert_eq!(replica.log().contains("to disk"), to_disk, "{load}");
    }
}

/// Writes of many kinds on the master, in several databases and inside transactions.
fn write_load(master: &TestServer, rounds: usize) {
    let mut con = master.redis();
    for round in 0..rounds {
        let mut pipe = redis::pipe();
        for i in 0..50 {
            let key = format!("load:{}", (round * 50 + i) % 400);
            pipe.cmd("SET").arg(&key).arg(round).ignore();
            pipe.cmd("INCR").arg("counter").ignore();
            pipe.cmd("LPUSH").arg("loadlist").arg(i).ignore();
            pipe.cmd("HINCRBY").arg("loadhash").arg(i).arg(1).ignore();
            pipe.cmd("ZINCRBY").arg("loadzset").arg(1).arg(i).ignore();
            pipe.cmd("EXPIRE").arg(&key).arg(1000).ignore();
        }
        pipe.cmd("LTRIM").arg("loadlist").arg(0).arg(99).ignore();
        pipe.cmd("SELECT").arg(round % 4).ignore();
        pipe.cmd("SADD").arg("dbset").arg(round).ignore();
        pipe.cmd("MULTI").ignore();
        pipe.cmd("INCRBYFLOAT").arg("float").arg("0.1").ignore();
        pipe.cmd("SPOP").arg("dbset").ignore();
        pipe.cmd("EXEC").ignore();
        pipe.cmd("SELECT").arg(0).ignore();
        pipe.query::<()>(&mut con).expect("write load");
    }
}

#[test]
fn the_stream_keeps_the_replica_equal_under_a_write_load() {
    let master = redis_master(false);
    populate(&mut master.redis());
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    write_load(&master, 40);
    wait_in_sync(&master, &replica);
}

#[test]
fn a_cut_link_resumes_with_a_partial_resync() {
    let master = redis_master(false);
    populate(&mut master.redis());
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    for trial in 1..=3 {
        write_load(&master, 5);
        run(&mut master.redis(), &["CLIENT", "KILL", "TYPE", "replica"]);
        // Writes while the link is down come from the backlog.
        write_load(&master, 5);
        let resumed = wait_for(SYNC_DEADLINE, || stat(&master, "sync_partial_ok") == trial);
        assert!(resumed, "trial {trial}\n{}", replica.log());
        wait_in_sync(&master, &replica);
    }
    assert_eq!(stat(&master, "sync_full"), 1);
    // Killing the master client on the replica's side resumes the same way.
    run(&mut replica.redis(), &["CLIENT", "KILL", "TYPE", "master"]);
    write_load(&master, 2);
    assert!(wait_for(SYNC_DEADLINE, || stat(&master, "sync_partial_ok") == 4));
    wait_in_sync(&master, &replica);
    assert_eq!(stat(&master, "sync_full"), 1);
}

#[test]
fn a_read_only_replica_refuses_writes() {
    let master = redis_master(false);
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    let mut con = replica.redis();
    let err = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut con)
        .expect_err("SET on a replica");
    assert_eq!(err.code(), Some("READONLY"));
    assert_eq!(
        err.detail(),
        Some("You can't write against a read only replica.")
    );
    run(&mut con, &["CONFIG", "SET", "replica-read-only", "no"]);
    assert_eq!(text(&mut con, &["SET", "k", "v"]), "OK");
}

#[test]
fn expired_keys_look_gone_on_the_replica_until_the_master_deletes_them() {
    let master = redis_master(false);
    let mut mcon = master.redis();
    // The master must not delete the key by itself before the replica looks.
    run(&mut mcon, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    run(&mut mcon, &["SET", "short", "lived", "PX", "3000"]);
    wait_in_sync(&master, &replica);
    let mut rcon = replica.redis();
    assert_eq!(text(&mut rcon, &["GET", "short"]), "lived");
    assert!(wait_for(SYNC_DEADLINE, || {
        run(&mut rcon, &["GET", "short"]) == redis::Value::Nil
    }));
    // Still there: only hidden, and DBSIZE counts it.
    assert_eq!(run(&mut rcon, &["DBSIZE"]), redis::Value::Int(1));
    assert_eq!(run(&mut rcon, &["EXISTS", "short"]), redis::Value::Int(0));
    // The master's lookup deletes it and sends the DEL.
    assert_eq!(run(&mut mcon, &["GET", "short"]), redis::Value::Nil);
    assert!(wait_for(SYNC_DEADLINE, || {
        run(&mut rcon, &["DBSIZE"]) == redis::Value::Int(0)
    }));
}

#[test]
fn stale_data_is_refused_when_the_link_is_down_and_serving_it_is_off() {
    let master = redis_master(false);
    let replica = scarlet_replica(&["--replica-serve-stale-data", "no"]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    let mut con = replica.redis();
    assert_eq!(run(&mut con, &["GET", "x"]), redis::Value::Nil);
    drop(master);
    assert!(wait_for(SYNC_DEADLINE, || {
        replica.info_field("master_link_status").as_deref() == Some("down")
    }));
    let err = redis::cmd("GET")
        .arg("x")
        .query::<()>(&mut con)
        .expect_err("GET with the link down");
    assert_eq!(err.code(), Some("MASTERDOWN"));
    // Commands flagged stale still run.
    assert_eq!(text(&mut con, &["ROLE"]), "slave");
}

#[test]
fn replicaof_no_one_starts_a_new_history() {
    let master = redis_master(false);
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    let master_replid = master.info_field("master_replid").expect("replid");
    assert_eq!(
        replica.info_field("master_replid"),
        Some(master_replid.clone())
    );
    let mut con = replica.redis();
    assert_eq!(
        text(
            &mut con,
            &["REPLICAOF", "127.0.0.1", &master.port.to_string()]
        ),
        "OK Already connected to specified master"
    );
    assert_eq!(text(&mut con, &["REPLICAOF", "NO", "ONE"]), "OK");
    assert_eq!(replica.info_field("role").as_deref(), Some("master"));
    assert_eq!(replica.info_field("master_replid2"), Some(master_replid));
    let offset: i64 = replica
        .info_field("master_repl_offset")
        .and_then(|o| o.parse().ok())
        .expect("offset");
    assert_eq!(
        replica.info_field("second_repl_offset"),
        Some((offset + 1).to_string())
    );
    assert_eq!(text(&mut con, &["SET", "k", "v"]), "OK");
}

#[test]
fn a_restarted_replica_continues_from_the_history_in_its_dump() {
    let master = redis_master(false);
    populate(&mut master.redis());
    let mut first = scarlet_replica(&[]);
    replicate(&first, &master);
    wait_in_sync(&master, &first);
    write_load(&master, 5);
    wait_in_sync(&master, &first);
    run(&mut first.redis(), &["SAVE"]);
    first.stop();
    write_load(&master, 5);
    let dir = first.dir.path().display().to_string();
    let port = master.port.to_string();
    let second = scarlet_replica(&["--dir", &dir, "--replicaof", "127.0.0.1", &port]);
    assert!(
        wait_for(SYNC_DEADLINE, || stat(&master, "sync_partial_ok") == 1),
        "{}",
        second.log()
    );
    wait_in_sync(&master, &second);
    assert_eq!(stat(&master, "sync_full"), 1);
    assert!(second.log().contains("Trying a partial resynchronization"));
}

/// A write load on the master from another thread until the guard drops.
struct Load {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(master: &TestServer) -> Load {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let port = master.port;
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
            let Ok(mut con) = client.get_connection() else {
                return;
            };
            let mut round = 0u64;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let mut pipe = redis::pipe();
                for i in 0..20 {
                    let key = format!("bg:{}", (round * 20 + i) % 500);
                    pipe.cmd("SET").arg(&key).arg(round).ignore();
                    pipe.cmd("RPUSH").arg("bglist").arg(i).ignore();
                    pipe.cmd("PEXPIRE").arg(&key).arg(60_000).ignore();
                }
                pipe.cmd("LTRIM").arg("bglist").arg(-200).arg(-1).ignore();
                // The master may be restarting: errors end nothing but this round.
                let _ = pipe.query::<()>(&mut con);
                std::thread::sleep(Duration::from_millis(2));
                if let Err(_) | Ok(None) = redis::cmd("PING").query::<Option<String>>(&mut con) {
                    std::thread::sleep(Duration::from_millis(50));
                    if let Ok(c) = client.get_connection() {
                        con = c;
                    }
                }
                round += 1;
            }
        });
        Load {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn faults_under_a_write_load_end_with_equal_datasets() {
    let master = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&[
            "--enable-debug-command",
            "yes",
            "--repl-diskless-sync",
            "no",
            "--repl-backlog-size",
            "64mb",
        ])
        .start();
    populate(&mut master.redis());
    let mut replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    let port = master.port.to_string();

    // A link cut shorter than the backlog: partial resyncs only.
    let load = Load::start(&master);
    for trial in 1..=3 {
        run(&mut master.redis(), &["CLIENT", "KILL", "TYPE", "replica"]);
        assert!(
            wait_for(SYNC_DEADLINE, || stat(&master, "sync_partial_ok") == trial),
            "short cut {trial}\n{}",
            replica.log()
        );
    }
    load.finish();
    wait_in_sync(&master, &replica);
    assert_eq!(stat(&master, "sync_full"), 1);

    // A cut longer than the backlog: the replica is kept away (paused) while more than
    // the backlog is written, so only a full resync can serve it.
    run(
        &mut master.redis(),
        &["CONFIG", "SET", "repl-backlog-size", "16kb"],
    );
    signal_replica(&replica, "STOP");
    run(&mut master.redis(), &["CLIENT", "KILL", "TYPE", "replica"]);
    write_load(&master, 60);
    signal_replica(&replica, "CONT");
    assert!(
        wait_for(SYNC_DEADLINE, || stat(&master, "sync_full") == 2),
        "{}",
        replica.log()
    );
    wait_in_sync(&master, &replica);
    run(
        &mut master.redis(),
        &["CONFIG", "SET", "repl-backlog-size", "64mb"],
    );

    // The replica killed and restarted from its dump while writes go on.
    run(&mut replica.redis(), &["SAVE"]);
    let load = Load::start(&master);
    signal_replica(&replica, "KILL");
    let _ = replica.wait_exit();
    let dir = replica.dir.path().display().to_string();
    let restarted = scarlet_replica(&["--dir", &dir, "--replicaof", "127.0.0.1", &port]);
    assert!(wait_for(SYNC_DEADLINE, || {
        restarted.info_field("master_link_status").as_deref() == Some("up")
    }));
    load.finish();
    wait_in_sync(&master, &restarted);
    // The first process's scratch directory is the restarted one's: it must stay.
    let _first = std::mem::replace(&mut replica, restarted);

    // The master restarted: it keeps its old history as its secondary id, and the
    // replica continues partially with the new id.
    let partial_before = replica.log().matches("Master accepted a Partial").count();
    let old_replid = master.info_field("master_replid").expect("replid");
    let master_dir = master.dir.path().display().to_string();
    // SHUTDOWN SAVE records the offset after everything the replica was sent.
    let _ = redis::cmd("SHUTDOWN")
        .arg("SAVE")
        .query::<()>(&mut master.redis());
    let mut master = master;
    master.wait_exit();
    let master = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .port(master.port)
        .args(&["--enable-debug-command", "yes", "--dir", &master_dir])
        .args(&["--repl-diskless-sync", "no", "--repl-backlog-size", "64mb"])
        .start();
    assert_eq!(master.info_field("master_replid2"), Some(old_replid));
    write_load(&master, 5);
    assert!(
        wait_for(SYNC_DEADLINE, || {
            replica.log().matches("Master accepted a Partial").count() > partial_before
        }),
        "{}",
        replica.log()
    );
    wait_in_sync(&master, &replica);
    assert_eq!(stat(&master, "sync_full"), 0);
    assert!(replica.log().contains("Master replication ID changed to"));
}

fn signal_replica(replica: &TestServer, name: &str) {
    assert!(scarlet_tests::signal(replica.pid(), name), "kill -{name}");
}

#[test]
fn the_handshake_authenticates_and_announces_the_replica() {
    let master = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&["--enable-debug-command", "yes", "--requirepass", "secret"])
        .start();
    let port = master.port.to_string();
    // A wrong password: the master refuses, the replica logs it and retries.
    let replica = scarlet_replica(&[
        "--masterauth",
        "wrong",
        "--replica-announce-ip",
        "10.1.2.3",
        "--replica-announce-port",
        "4321",
    ]);
    replicate(&replica, &master);
    assert!(replica.wait_log("Unable to AUTH to MASTER", SYNC_DEADLINE));
    let mut rcon = replica.redis();
    run(&mut rcon, &["CONFIG", "SET", "masterauth", "secret"]);
    let master_info = || -> String {
        let client =
            redis::Client::open(format!("redis://:secret@127.0.0.1:{port}/")).expect("url");
        let mut con = client.get_connection().expect("connect");
        text(&mut con, &["INFO", "replication"])
    };
    assert!(
        wait_for(SYNC_DEADLINE, || master_info()
            .contains("slave0:ip=10.1.2.3,port=4321,state=online")),
        "{}\n{}",
        master_info(),
        replica.log()
    );
}

#[test]
fn wait_on_the_master_counts_the_replicas_ack() {
    let master = redis_master(false);
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    let mut con = master.redis();
    run(&mut con, &["SET", "k", "v"]);
    // WAIT sends REPLCONF GETACK; the replica answers with its offset.
    assert_eq!(run(&mut con, &["WAIT", "1", "5000"]), redis::Value::Int(1));
}

#[test]
fn a_silent_master_times_out_and_the_link_comes_back() {
    let master = redis_master(false);
    let replica = scarlet_replica(&["--repl-timeout", "2"]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    assert!(scarlet_tests::signal(master.pid(), "STOP"));
    let timed_out = replica.wait_log(
        "MASTER timeout: no data nor PING received...",
        SYNC_DEADLINE,
    );
    assert!(scarlet_tests::signal(master.pid(), "CONT"));
    assert!(timed_out, "{}", replica.log());
    run(&mut master.redis(), &["SET", "after", "pause"]);
    wait_in_sync(&master, &replica);
    assert_eq!(stat(&master, "sync_full"), 1);
}

#[test]
fn a_replicas_aof_holds_the_synced_dataset_and_the_stream() {
    let master = redis_master(false);
    populate(&mut master.redis());
    let mut replica = scarlet_replica(&["--appendonly", "yes"]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    write_load(&master, 5);
    wait_in_sync(&master, &replica);
    // The AOF restarted after the sync from a rewrite of the new dataset.
    assert!(
        wait_for(SYNC_DEADLINE, || {
            replica.info_field("aof_rewrite_in_progress").as_deref() == Some("0")
                && replica.info_field("aof_rewrite_scheduled").as_deref() == Some("0")
        }),
        "{}",
        replica.log()
    );
    write_load(&master, 5);
    wait_in_sync(&master, &replica);
    let expected = digest(&master);
    replica.stop();
    let dir = replica.dir.path().display().to_string();
    let restarted = scarlet_replica(&["--dir", &dir, "--appendonly", "yes"]);
    assert_eq!(digest(&restarted), expected, "{}", restarted.log());
}

#[test]
fn a_writable_replica_expires_its_own_keys_and_writes_through_expired_ones() {
    let master = redis_master(false);
    let mut mcon = master.redis();
    run(&mut mcon, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let replica = scarlet_replica(&["--replica-read-only", "no"]);
    replicate(&replica, &master);
    run(&mut mcon, &["SELECT", "5"]);
    run(&mut mcon, &["SET", "key1", "5", "PX", "10"]);
    run(&mut mcon, &["SET", "key2", "5", "PX", "10"]);
    wait_in_sync(&master, &replica);
    let mut rcon = replica.redis();
    run(&mut rcon, &["SELECT", "5"]);
    assert!(wait_for(SYNC_DEADLINE, || {
        run(&mut rcon, &["DBSIZE"]) == redis::Value::Int(2)
            && run(&mut rcon, &["EXISTS", "key1", "key2"]) == redis::Value::Int(0)
    }));
    // A write deletes the expired key it touches and starts afresh.
    assert_eq!(run(&mut rcon, &["INCR", "key1"]), redis::Value::Int(1));
    assert_eq!(run(&mut rcon, &["TTL", "key1"]), redis::Value::Int(-1));
    assert_eq!(run(&mut rcon, &["GET", "key2"]), redis::Value::Nil);
    assert_eq!(run(&mut rcon, &["DBSIZE"]), redis::Value::Int(2));
    run(&mut rcon, &["DEL", "key1", "key2"]);
    // Keys the replica's own clients gave a TTL go by themselves.
    for key in ["own1", "own2", "own3"] {
        run(&mut rcon, &["SET", key, "1", "PX", "200"]);
    }
    assert_eq!(run(&mut rcon, &["DBSIZE"]), redis::Value::Int(3));
    assert!(
        wait_for(SYNC_DEADLINE, || run(&mut rcon, &["DBSIZE"])
            == redis::Value::Int(0)),
        "{}",
        replica.log()
    );
}

#[test]
fn a_chained_replica_waits_for_its_masters_link_then_follows_it() {
    let top = redis_master(false);
    populate(&mut top.redis());
    // The middle one follows nothing reachable yet: it answers PSYNC with -NOMASTERLINK.
    let middle = redis_master(false);
    let dead = scarlet_tests::free_port().to_string();
    run(&mut middle.redis(), &["REPLICAOF", "127.0.0.1", &dead]);
    let replica = scarlet_replica(&[]);
    replicate(&replica, &middle);
    assert!(
        replica.wait_log(
            "Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK",
            SYNC_DEADLINE
        ),
        "{}",
        replica.log()
    );
    run(
        &mut middle.redis(),
        &["REPLICAOF", "127.0.0.1", &top.port.to_string()],
    );
    let synced = wait_for(SYNC_DEADLINE, || {
        replica.info_field("master_link_status").as_deref() == Some("up")
            && replica.info_field("slave_repl_offset") == top.info_field("master_repl_offset")
    });
    assert!(synced, "{}", replica.log());
    write_load(&top, 10);
    let caught_up = wait_for(SYNC_DEADLINE, || {
        replica.info_field("slave_repl_offset") == top.info_field("master_repl_offset")
    });
    assert!(caught_up, "{}", replica.log());
    assert_eq!(digest(&top), digest(&replica));
}

#[test]
fn the_replica_acknowledges_its_offset_every_second() {
    let master = redis_master(false);
    let replica = scarlet_replica(&[]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    write_load(&master, 3);
    // INFO's slave0 line shows the offset of the last REPLCONF ACK.
    let acked = wait_for(SYNC_DEADLINE, || {
        let offset = master.info_field("master_repl_offset").unwrap_or_default();
        master
            .info_field("slave0")
            .is_some_and(|line| line.contains(&format!(",offset={offset},")))
    });
    assert!(acked, "{:?}", master.info_field("slave0"));
}

#[test]
fn a_replica_serves_replicas_of_its_own_with_its_masters_stream() {
    let top = redis_master(false);
    populate(&mut top.redis());
    let middle = scarlet_replica(&[]);
    replicate(&middle, &top);
    wait_in_sync(&top, &middle);
    // A Redis replica of the Scarlet replica.
    let leaf = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&["--enable-debug-command", "yes"])
        .start();
    replicate(&leaf, &middle);
    write_load(&top, 10);
    wait_in_sync(&top, &middle);
    let leaf_synced = wait_for(SYNC_DEADLINE, || {
        leaf.info_field("master_link_status").as_deref() == Some("up")
            && leaf.info_field("slave_repl_offset") == top.info_field("master_repl_offset")
    });
    assert!(leaf_synced, "{}\n{}", middle.log(), leaf.log());
    assert_eq!(digest(&top), digest(&leaf));
    // The same replication id all along the chain.
    assert_eq!(
        leaf.info_field("master_replid"),
        top.info_field("master_replid")
    );
    // The middle's link cut and resumed: the leaf keeps its link.
    run(&mut top.redis(), &["CLIENT", "KILL", "TYPE", "replica"]);
    write_load(&top, 5);
    assert!(wait_for(SYNC_DEADLINE, || stat(&top, "sync_partial_ok") == 1));
    assert!(wait_for(SYNC_DEADLINE, || {
        leaf.info_field("slave_repl_offset") == top.info_field("master_repl_offset")
    }));
    assert_eq!(digest(&top), digest(&leaf));
    assert_eq!(stat(&middle, "sync_full"), 1);
    // The middle promoted: the leaf continues from it partially, under its new id.
    run(&mut middle.redis(), &["REPLICAOF", "NO", "ONE"]);
    run(&mut middle.redis(), &["SET", "promoted", "yes"]);
    let continued = wait_for(SYNC_DEADLINE, || {
        stat(&middle, "sync_partial_ok") >= 1
            && leaf.info_field("slave_repl_offset") == middle.info_field("master_repl_offset")
    });
    assert!(continued, "{}\n{}", middle.log(), leaf.log());
    assert_eq!(digest(&middle), digest(&leaf));
    assert_eq!(stat(&middle, "sync_full"), 1);
}

/// A second full synchronization of the same history into a swapdb replica is loaded
/// asynchronously: the old dataset answers reads without -LOADING while redis-server
/// streams the payload (slowed by rdb-key-save-delay), a cut transfer leaves it, and the
/// next one replaces it, under a write load.
#[test]
fn swapdb_loads_a_resync_of_the_same_history_asynchronously() {
    let master = redis_master(true);
    populate(&mut master.redis());
    let replica = scarlet_replica(&[
        "--repl-diskless-load",
        "swapdb",
        "--replica-read-only",
        "no",
    ]);
    replicate(&replica, &master);
    wait_in_sync(&master, &replica);
    let mut con = replica.redis();
    run(&mut con, &["SET", "replica-only", "old"]);
    let keys = text(&mut con, &["DBSIZE"]);

    // Beyond the backlog: the replica's PSYNC gets a full resync from the same master.
    let mut m = master.redis();
    run(&mut m, &["CONFIG", "SET", "repl-backlog-size", "16384"]);
    run(&mut m, &["CONFIG", "SET", "rdb-key-save-delay", "2000"]);
    run(&mut m, &["CLIENT", "KILL", "TYPE", "replica"]);
    let filler = "x".repeat(20000);
    for i in 0..4 {
        run(&mut m, &["SET", &format!("filler:{i}"), &filler]);
    }
    assert!(
        wait_for(SYNC_DEADLINE, || replica
            .info_field("async_loading")
            .as_deref()
            == Some("1")),
        "{}",
        replica.log()
    );
    assert_eq!(replica.info_field("loading").as_deref(), Some("0"));
    assert_eq!(text(&mut con, &["GET", "replica-only"]), "old");
    assert_eq!(text(&mut con, &["DBSIZE"]), keys);
    let refused = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query::<redis::Value>(&mut con);
    assert!(
        refused.as_ref().is_err_and(|e| e.code() == Some("LOADING")),
        "{refused:?}"
    );

    // Cut: the old dataset stays.
    run(&mut m, &["CLIENT", "KILL", "TYPE", "replica"]);
    assert!(wait_for(SYNC_DEADLINE, || replica
        .info_field("async_loading")
        .as_deref()
        == Some("0")));
    assert_eq!(text(&mut con, &["GET", "replica-only"]), "old");
    assert!(
        replica
            .log()
            .contains("Discarding temporary DB in background")
    );

    // The next transfer completes under writes.
    run(&mut m, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    write_load(&master, 50);
    wait_in_sync(&master, &replica);
    assert_eq!(
        run(&mut con, &["EXISTS", "replica-only"]),
        redis::Value::Int(0)
    );
    assert!(replica.log().contains("Swapping active DB with loaded DB"));
}
