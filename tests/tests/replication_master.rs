//! A scarlet-server master with scarlet-server replicas, real processes on free ports:
//! a full synchronization reaches the master's DEBUG DIGEST, the stream keeps it equal
//! under writes of every kind (expiries, scripts, transactions, databases), a cut link
//! resumes with +CONTINUE from the backlog (`sync_partial_ok` moves, `sync_full` does
//! not), and INFO replication and ROLE list the replica. The stream's bytes are checked
//! through SYNC as the replication tests of Redis read it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use scarlet_tests::{TestServer, start_for_replication as start, wait_for};

const DEADLINE: Duration = Duration::from_secs(30);

fn run(server: &TestServer, args: &[&str]) -> redis::Value {
    server.query(args)
}

fn digest(server: &TestServer) -> String {
    server.digest()
}

/// Writes of every kind on one connection (so SELECT holds), as a client would.
fn writes(con: &mut redis::Connection, round: usize) {
    let mut query = |args: &[&str]| {
        let mut cmd = redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query::<redis::Value>(con)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    };
    query(&["SELECT", "0"]);
    query(&["SET", &format!("s{round}"), "v", "EX", "1000"]);
    query(&["INCRBYFLOAT", "f", "0.1"]);
    query(&["SADD", "set", "a", "b", "c", &round.to_string()]);
    query(&["SPOP", "set"]);
    query(&["RPUSH", "list", "x", "y"]);
    query(&["LPOP", "list"]);
    query(&[
        "EVAL",
        "redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 500)",
        "1",
        "counter",
    ]);
    query(&["SELECT", "5"]);
    query(&["HSET", "h", &round.to_string(), "1"]);
}

fn synced(master: &TestServer, replica: &TestServer) -> bool {
    wait_for(DEADLINE, || digest(master) == digest(replica))
}

#[test]
fn a_replica_syncs_follows_and_resumes_partially() {
    let master = start(&[]);
    run(&master, &["DEBUG", "POPULATE", "3000", "key", "20"]);
    let port = master.port.to_string();
    let replica = start(&["--replicaof", "127.0.0.1", &port]);
    assert!(synced(&master, &replica), "full sync");
    let mut con = master.redis();
    for round in 0..20 {
        writes(&mut con, round);
    }
    assert!(synced(&master, &replica), "stream");
    assert_eq!(master.info_field("connected_slaves").as_deref(), Some("1"));
    let line = master.info_field("slave0").expect("slave0");
    assert!(line.contains(&format!("port={}", replica.port)), "{line}");
    assert!(line.contains("state=online"), "{line}");
    assert_eq!(master.info_field("sync_full").as_deref(), Some("1"));

    run(&master, &["CLIENT", "KILL", "TYPE", "replica"]);
    run(&master, &["SET", "while-cut", "1"]);
    assert!(
        wait_for(DEADLINE, || master.info_field("sync_partial_ok").as_deref()
            == Some("1")),
        "no partial resync"
    );
    assert!(synced(&master, &replica), "after the cut");
    assert_eq!(master.info_field("sync_full").as_deref(), Some("1"));
    match run(&master, &["ROLE"]) {
        redis::Value::Array(items) => assert_eq!(items.len(), 3),
        other => panic!("{other:?}"),
    }
}

/// Reads one multibulk command from the stream.
fn read_command(reader: &mut BufReader<TcpStream>) -> Vec<String> {
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("read");
        if line.trim().is_empty() {
            continue; // a newline keep-alive
        }
        break;
    }
    let count: usize = line.trim()[1..].parse().expect("count");
    (0..count)
        .map(|_| {
            line.clear();
            reader.read_line(&mut line).expect("len");
            let len: usize = line.trim()[1..].parse().expect("len");
            let mut arg = vec![0; len + 2];
            reader.read_exact(&mut arg).expect("arg");
            arg.truncate(len);
            String::from_utf8_lossy(&arg).into_owned()
        })
        .collect()
}

#[test]
fn the_stream_is_what_redis_propagates() {
    let master = start(&["--repl-ping-replica-period", "3600"]);
    let stream = TcpStream::connect(("127.0.0.1", master.port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    writer.write_all(b"SYNC\r\n").expect("SYNC");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("payload length");
        if !line.trim().is_empty() {
            break;
        }
    }
    assert!(line.starts_with('$'), "{line}");
    let len: usize = line.trim()[1..].parse().expect("length");
    let mut payload = vec![0; len];
    reader.read_exact(&mut payload).expect("payload");
    assert!(payload.starts_with(b"REDIS0010"));

    run(&master, &["SET", "a", "1", "PX", "100000"]);
    let mut con = master.redis();
    redis::cmd("MULTI").query::<()>(&mut con).expect("MULTI");
    redis::cmd("INCR")
        .arg("n")
        .query::<()>(&mut con)
        .expect("INCR");
    redis::cmd("INCR")
        .arg("n")
        .query::<()>(&mut con)
        .expect("INCR");
    redis::cmd("EXEC")
        .query::<redis::Value>(&mut con)
        .expect("EXEC");
    assert_eq!(read_command(&mut reader)[0], "SELECT");
    let set = read_command(&mut reader);
    assert_eq!(set[..4], ["SET", "a", "1", "PXAT"]);
    assert_eq!(read_command(&mut reader), ["MULTI"]);
    assert_eq!(read_command(&mut reader), ["INCR", "n"]);
    assert_eq!(read_command(&mut reader), ["INCR", "n"]);
    assert_eq!(read_command(&mut reader), ["EXEC"]);
}

#[test]
fn wait_counts_the_replicas_that_acknowledged() {
    let master = start(&[]);
    let port = master.port.to_string();
    let replica = start(&["--replicaof", "127.0.0.1", &port]);
    assert!(wait_for(DEADLINE, || master
        .info_field("slave0")
        .is_some_and(|l| l.contains("state=online"))));
    let mut con = master.redis();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut con)
        .expect("SET");
    let acked: i64 = redis::cmd("WAIT")
        .arg(1)
        .arg(5000)
        .query(&mut con)
        .expect("WAIT");
    assert_eq!(acked, 1);
    // Two replicas will never answer: the timeout ends the wait with the one that did.
    let started = std::time::Instant::now();
    let acked: i64 = redis::cmd("WAIT")
        .arg(2)
        .arg(300)
        .query(&mut con)
        .expect("WAIT");
    assert_eq!(acked, 1);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let on_replica = redis::cmd("WAIT")
        .arg(0)
        .arg(0)
        .query::<i64>(&mut replica.redis());
    assert!(on_replica.is_err_and(|e| e.to_string().contains("replica instances")));
}

#[test]
fn a_diskless_sync_under_a_write_load_reaches_the_digest() {
    let master = start(&["--repl-diskless-sync", "yes"]);
    run(&master, &["DEBUG", "POPULATE", "20000", "key", "50"]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, port) = (std::sync::Arc::clone(&stop), master.port);
        std::thread::spawn(move || {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("url");
            let mut con = client.get_connection().expect("connect");
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let _: redis::RedisResult<()> = redis::cmd("SET")
                    .arg(format!("w{}", i % 5000))
                    .arg(i)
                    .query(&mut con);
            }
        })
    };
    let port = master.port.to_string();
    let replica = start(&["--replicaof", "127.0.0.1", &port]);
    assert!(wait_for(DEADLINE, || replica
        .info_field("master_link_status")
        .as_deref()
        == Some("up")));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = writer.join();
    assert!(synced(&master, &replica), "diskless sync under writes");
}

/// Reads until the server closes the connection (or a deadline passes); returns the
/// bytes read.
fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut all = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&chunk[..n]);
    }
    all
}

#[test]
fn a_replica_link_carries_no_replies() {
    let master = start(&[]);
    // After SYNC, a command with a reply closes the link; the reply never goes out.
    for (attach, command, name) in [
        ("SYNC\r\n", "PING\r\n", "ping"),
        ("PSYNC replicationid -1\r\n", "GET foo\r\n", "get"),
    ] {
        let mut link = TcpStream::connect(("127.0.0.1", master.port)).expect("connect");
        link.write_all(attach.as_bytes()).expect("attach");
        assert!(wait_for(DEADLINE, || master
            .info_field("connected_slaves")
            .as_deref()
            == Some("1")));
        link.write_all(command.as_bytes()).expect("command");
        let received = read_to_close(&mut link);
        assert!(!received.windows(5).any(|w| w == b"+PONG"), "{name}");
        assert!(master.wait_log(
            &format!("Replica generated a reply to command '{name}', disconnecting it: "),
            DEADLINE
        ));
        assert!(wait_for(DEADLINE, || master
            .info_field("connected_slaves")
            .as_deref()
            == Some("0")));
    }
    // GET is refused to a replica before it runs, and the refusal is logged as an error
    // the master sends its replica.
    assert!(master.log().contains(
        "== CRITICAL == This master is sending an error to its replica: 'ERR Replica can't interact with the keyspace' after processing the command 'get'"
    ));
    // A PSYNC whose offset is no number is an error, not a full sync.
    let mut con = master.redis();
    let err = redis::cmd("PSYNC")
        .arg("replicationid")
        .arg("offset_str")
        .query::<redis::Value>(&mut con)
        .expect_err("wrong offset");
    assert!(
        err.to_string()
            .contains("value is not an integer or out of range"),
        "{err}"
    );
    assert!(master.wait_log("asks for synchronization but with a wrong offset", DEADLINE));
    assert_eq!(
        run(&master, &["PING"]),
        redis::Value::SimpleString("PONG".into())
    );
}
