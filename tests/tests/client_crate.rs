//! The server through the `redis` crate, an independent client library: strings, keys,
//! expiry (lazy, and active in every database), SCAN's guarantee under concurrent inserts,
//! pipelining, RESP3, CLIENT KILL (by id, address and filters) and CLIENT PAUSE (WRITE and
//! ALL) across connections, CONFIG SET port, INFO fields, clients on several I/O threads,
//! and large values and argument counts.

use std::collections::HashSet;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::{Commands, Value};
use scarlet_tests::{TestServer, free_port, info_field, wait_for};

/// Generous bound for things that take milliseconds, on a loaded 2-core machine.
const SOON: Duration = Duration::from_secs(10);

fn info(con: &mut redis::Connection, section: &str) -> String {
    redis::cmd("INFO").arg(section).query(con).expect("INFO")
}

/// An error reply as it was on the wire, without the "-": code, space, message.
fn wire_error(err: &redis::RedisError) -> String {
    format!(
        "{} {}",
        err.code().unwrap_or("?"),
        err.detail().unwrap_or_default()
    )
}

fn dbsize(con: &mut redis::Connection) -> u64 {
    redis::cmd("DBSIZE").query(con).expect("DBSIZE")
}

#[test]
fn strings() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let () = con.set("s", "hello").expect("SET");
    assert_eq!(con.get::<_, String>("s").expect("GET"), "hello");
    assert_eq!(con.append::<_, _, i64>("s", " world").expect("APPEND"), 11);
    assert_eq!(con.strlen::<_, i64>("s").expect("STRLEN"), 11);
    assert_eq!(
        con.getrange::<_, String>("s", 0, 4).expect("GETRANGE"),
        "hello"
    );
    assert_eq!(
        con.getrange::<_, String>("s", -5, -1).expect("GETRANGE"),
        "world"
    );
    assert_eq!(
        con.setrange::<_, _, i64>("s", 6, "WORLD")
            .expect("SETRANGE"),
        11
    );
    assert_eq!(con.get::<_, String>("s").expect("GET"), "hello WORLD");
    assert_eq!(con.get::<_, Option<String>>("missing").expect("GET"), None);

    assert_eq!(con.incr::<_, _, i64>("n", 1).expect("INCR"), 1);
    assert_eq!(con.incr::<_, _, i64>("n", 41).expect("INCRBY"), 42);
    assert_eq!(con.decr::<_, _, i64>("n", 2).expect("DECRBY"), 40);
    assert_eq!(con.incr::<_, _, f64>("n", 0.5).expect("INCRBYFLOAT"), 40.5);
    let err = con.incr::<_, _, i64>("s", 1).expect_err("INCR of text");
    assert_eq!(
        wire_error(&err),
        "ERR value is not an integer or out of range"
    );

    let () = con
        .mset(&[("a", "1"), ("b", "2"), ("c", "3")])
        .expect("MSET");
    let values: Vec<Option<String>> = con.mget(&["a", "nope", "c"]).expect("MGET");
    assert_eq!(values, [Some("1".into()), None, Some("3".into())]);
    assert!(
        !con.mset_nx::<_, _, bool>(&[("a", "x"), ("d", "4")])
            .expect("MSETNX")
    );
    assert!(!con.exists::<_, bool>("d").expect("EXISTS"));

    // SET's options, through the generic command builder.
    let set = |con: &mut redis::Connection, args: &[&str]| -> Value {
        redis::cmd("SET").arg(args).query(con).expect("SET")
    };
    assert_eq!(set(&mut con, &["o", "1", "NX"]), Value::Okay);
    assert_eq!(set(&mut con, &["o", "2", "NX"]), Value::Nil);
    assert_eq!(
        set(&mut con, &["o", "3", "XX", "GET"]),
        Value::BulkString(b"1".to_vec())
    );
    assert_eq!(set(&mut con, &["p", "1", "XX"]), Value::Nil);
    assert_eq!(con.get_del::<_, String>("o").expect("GETDEL"), "3");
    assert_eq!(con.get::<_, Option<String>>("o").expect("GET"), None);
    assert_eq!(
        con.getset::<_, _, Option<String>>("g", "new")
            .expect("GETSET"),
        None
    );

    let lcs: String = redis::cmd("LCS")
        .arg(&["a", "b"])
        .query(&mut con)
        .expect("LCS");
    assert_eq!(lcs, "");
    let () = con
        .mset(&[("x", "ohmytext"), ("y", "mynewtext")])
        .expect("MSET");
    let lcs: String = redis::cmd("LCS")
        .arg(&["x", "y"])
        .query(&mut con)
        .expect("LCS");
    assert_eq!(lcs, "mytext");

    // Binary safety: every byte value in keys and values.
    let bytes: Vec<u8> = (0..=255u8).collect();
    let () = con.set(&bytes, &bytes).expect("SET binary");
    assert_eq!(con.get::<_, Vec<u8>>(&bytes).expect("GET binary"), bytes);
}

#[test]
fn keys_and_databases() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let () = con
        .mset(&[("k1", "v"), ("k2", "v"), ("other", "v")])
        .expect("MSET");
    let mut keys: Vec<String> = con.keys("k*").expect("KEYS");
    keys.sort();
    assert_eq!(keys, ["k1", "k2"]);
    assert_eq!(
        con.exists::<_, i64>(&["k1", "k2", "k1", "no"])
            .expect("EXISTS"),
        3
    );
    let kind: String = redis::cmd("TYPE").arg("k1").query(&mut con).expect("TYPE");
    assert_eq!(kind, "string");
    let () = con.rename("k1", "k3").expect("RENAME");
    assert!(!con.rename_nx::<_, _, bool>("k3", "k2").expect("RENAMENX"));
    let err = con
        .rename::<_, _, ()>("no", "x")
        .expect_err("RENAME missing");
    assert_eq!(wire_error(&err), "ERR no such key");
    let copied: bool = redis::cmd("COPY")
        .arg(&["k3", "k4"])
        .query(&mut con)
        .expect("COPY");
    assert!(copied);
    assert_eq!(con.del::<_, i64>(&["k2", "k3", "no"]).expect("DEL"), 2);
    assert_eq!(con.unlink::<_, i64>("k4").expect("UNLINK"), 1);
    assert_eq!(dbsize(&mut con), 1);

    // MOVE to another db and look there through a connection that SELECTs it.
    let moved: bool = redis::cmd("MOVE")
        .arg("other")
        .arg(3)
        .query(&mut con)
        .expect("MOVE");
    assert!(moved);
    assert_eq!(dbsize(&mut con), 0);
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/3", server.port)).expect("url");
    let mut db3 = client.get_connection().expect("connect");
    assert_eq!(db3.get::<_, String>("other").expect("GET"), "v");
    let () = redis::cmd("SWAPDB")
        .arg(&[0, 3])
        .query(&mut con)
        .expect("SWAPDB");
    assert_eq!(con.get::<_, String>("other").expect("GET"), "v");
    assert_eq!(dbsize(&mut db3), 0);
    let () = redis::cmd("FLUSHALL").query(&mut con).expect("FLUSHALL");
    assert_eq!(dbsize(&mut con), 0);
    let err = redis::cmd("SELECT")
        .arg(16)
        .query::<()>(&mut con)
        .expect_err("SELECT 16");
    assert_eq!(wire_error(&err), "ERR DB index is out of range");
}

#[test]
fn ttl_and_lazy_expiry() {
    let server = TestServer::start(&["--enable-debug-command", "yes"]);
    let mut con = server.redis();
    let () = con.set_ex("t", "v", 100).expect("SETEX");
    let ttl: i64 = con.ttl("t").expect("TTL");
    assert!((99..=100).contains(&ttl), "{ttl}");
    let pttl: i64 = con.pttl("t").expect("PTTL");
    assert!((98_000..=100_000).contains(&pttl), "{pttl}");
    assert!(con.persist::<_, bool>("t").expect("PERSIST"));
    assert_eq!(con.ttl::<_, i64>("t").expect("TTL"), -1);
    assert_eq!(con.ttl::<_, i64>("missing").expect("TTL"), -2);
    assert!(con.expire::<_, bool>("t", 50).expect("EXPIRE"));
    let gt: bool = redis::cmd("EXPIRE")
        .arg(("t", 10, "GT"))
        .query(&mut con)
        .expect("EXPIRE GT");
    assert!(!gt);
    let at: i64 = redis::cmd("EXPIRETIME")
        .arg("t")
        .query(&mut con)
        .expect("EXPIRETIME");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((now + 48..=now + 51).contains(&at), "{at} vs {now}");

    // With active expiry off, only an access removes a key past its time.
    let () = redis::cmd("DEBUG")
        .arg(&["SET-ACTIVE-EXPIRE", "0"])
        .query(&mut con)
        .expect("DEBUG SET-ACTIVE-EXPIRE");
    let () = con.pset_ex("short", "v", 20).expect("PSETEX");
    let set_at = std::time::Instant::now();
    // Wait out the 20 ms on our side of the clock, touching nothing.
    assert!(wait_for(SOON, || set_at.elapsed() > Duration::from_millis(50)));
    assert_eq!(dbsize(&mut con), 2, "the expired key is still stored");
    assert_eq!(con.get::<_, Option<String>>("short").expect("GET"), None);
    assert_eq!(dbsize(&mut con), 1, "the access removed it");
    let stats = info(&mut con, "stats");
    assert_eq!(info_field(&stats, "expired_keys").as_deref(), Some("1"));
}

#[test]
fn active_expiry_removes_keys_unless_disabled() {
    let server = TestServer::start(&["--enable-debug-command", "yes"]);
    let mut con = server.redis();
    let set_short_keys = |con: &mut redis::Connection, prefix: &str| {
        let mut pipe = redis::pipe();
        for i in 0..100 {
            pipe.cmd("SET")
                .arg(format!("{prefix}{i}"))
                .arg("v")
                .arg("PX")
                .arg(50)
                .ignore();
        }
        let () = pipe.query(con).expect("SET PX");
    };
    set_short_keys(&mut con, "a:");
    assert!(
        wait_for(Duration::from_secs(5), || dbsize(&mut con) == 0),
        "active expiry left {} keys",
        dbsize(&mut con)
    );

    let () = redis::cmd("DEBUG")
        .arg(&["SET-ACTIVE-EXPIRE", "0"])
        .query(&mut con)
        .expect("DEBUG SET-ACTIVE-EXPIRE");
    set_short_keys(&mut con, "b:");
    // Nothing removes them now: the count must hold well past their 50 ms (several cron
    // cycles at hz 10).
    assert!(
        !wait_for(Duration::from_millis(500), || dbsize(&mut con) != 100),
        "keys were removed with active expiry off"
    );
    let () = redis::cmd("DEBUG")
        .arg(&["SET-ACTIVE-EXPIRE", "1"])
        .query(&mut con)
        .expect("DEBUG SET-ACTIVE-EXPIRE");
    assert!(wait_for(Duration::from_secs(5), || dbsize(&mut con) == 0));
}

#[test]
fn scan_returns_every_key_present_throughout() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let mut writer = server.redis();
    let insert = |con: &mut redis::Connection, from: usize, to: usize| {
        let pairs: Vec<(String, usize)> = (from..to).map(|i| (format!("key:{i}"), i)).collect();
        let () = con.mset(&pairs).expect("MSET");
    };
    for chunk in 0..10 {
        insert(&mut writer, chunk * 1000, (chunk + 1) * 1000);
    }
    assert_eq!(dbsize(&mut con), 10_000);
    // Scan in small steps while the table grows to twice its size, rehashing under the
    // cursor: every key present from start to end must be returned at least once.
    let mut seen = HashSet::new();
    let mut cursor: u64 = 0;
    let mut next_new = 10_000;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(100)
            .query(&mut con)
            .expect("SCAN");
        seen.extend(keys);
        if next_new < 20_000 {
            insert(&mut writer, next_new, next_new + 100);
            next_new += 100;
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let missing: Vec<String> = (0..10_000)
        .map(|i| format!("key:{i}"))
        .filter(|k| !seen.contains(k))
        .collect();
    assert!(
        missing.is_empty(),
        "{} keys never returned, e.g. {:?}",
        missing.len(),
        missing.first()
    );

    // MATCH and TYPE filter; COUNT is only a hint.
    let (_, keys): (u64, Vec<String>) = redis::cmd("SCAN")
        .arg(0)
        .arg("MATCH")
        .arg("nothing*")
        .arg("COUNT")
        .arg(100_000)
        .query(&mut con)
        .expect("SCAN MATCH");
    assert!(keys.is_empty());
    let mut iter: Vec<String> = con
        .scan_match("key:1999*")
        .expect("SCAN iter")
        .collect::<Result<_, _>>()
        .expect("SCAN iter");
    iter.sort();
    assert_eq!(
        iter,
        [
            "key:1999",
            "key:19990",
            "key:19991",
            "key:19992",
            "key:19993",
            "key:19994",
            "key:19995",
            "key:19996",
            "key:19997",
            "key:19998",
            "key:19999"
        ]
    );
}

#[test]
fn a_pipeline_of_a_thousand_commands() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let mut pipe = redis::pipe();
    for _ in 0..1000 {
        pipe.incr("counter", 1);
    }
    let replies: Vec<i64> = pipe.query(&mut con).expect("pipeline");
    assert_eq!(replies, (1..=1000).collect::<Vec<i64>>());
    // Errors stay in their slot, the others still run.
    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg("x").arg("1");
    pipe.cmd("INCRBY").arg("x").arg("notanumber");
    pipe.cmd("INCR").arg("x");
    let replies: Vec<redis::RedisResult<Value>> =
        pipe.ignore_errors().query(&mut con).expect("pipeline");
    assert!(
        matches!(
            replies.as_slice(),
            [Ok(Value::Okay), Err(_), Ok(Value::Int(2))]
        ),
        "{replies:?}"
    );
}

#[test]
fn resp3_through_hello_3() {
    let server = TestServer::start(&["--enable-debug-command", "yes"]);
    let mut con = server.redis_resp3();
    let hello: Value = redis::cmd("HELLO").arg(3).query(&mut con).expect("HELLO");
    let Value::Map(pairs) = hello else {
        panic!("HELLO 3 is a map: {hello:?}");
    };
    assert!(pairs.contains(&(Value::BulkString(b"proto".to_vec()), Value::Int(3))));
    assert!(pairs.contains(&(
        Value::BulkString(b"version".to_vec()),
        Value::BulkString(b"7.0.15".to_vec())
    )));
    let config: Value = redis::cmd("CONFIG")
        .arg(&["GET", "hz"])
        .query(&mut con)
        .expect("CONFIG GET");
    assert_eq!(
        config,
        Value::Map(vec![(
            Value::BulkString(b"hz".to_vec()),
            Value::BulkString(b"10".to_vec())
        )])
    );
    let nil: Value = redis::cmd("GET").arg("none").query(&mut con).expect("GET");
    assert_eq!(nil, Value::Nil);
    let double: Value = redis::cmd("DEBUG")
        .arg(&["PROTOCOL", "double"])
        .query(&mut con)
        .expect("DEBUG PROTOCOL");
    #[allow(
        clippy::approx_constant,
        reason = "DEBUG PROTOCOL double replies 3.141, which is not meant as pi"
    )]
    let expected = Value::Double(3.141);
    assert_eq!(double, expected);
    let boolean: Value = redis::cmd("DEBUG")
        .arg(&["PROTOCOL", "true"])
        .query(&mut con)
        .expect("DEBUG PROTOCOL");
    assert_eq!(boolean, Value::Boolean(true));
    // Typed reads work the same over RESP3.
    let () = con.set("k", 5).expect("SET");
    assert_eq!(con.incr::<_, _, i64>("k", 1).expect("INCR"), 6);
}

#[test]
fn client_kill_closes_another_connection() {
    let server = TestServer::start(&[]);
    let mut victim = server.redis();
    let mut killer = server.redis();
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query(&mut victim)
        .expect("CLIENT ID");
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query(&mut killer)
        .expect("CLIENT KILL");
    assert_eq!(killed, 1);
    assert!(
        redis::cmd("PING").query::<String>(&mut victim).is_err(),
        "killed connection still answers"
    );
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query(&mut killer)
        .expect("CLIENT KILL");
    assert_eq!(killed, 0);
    // The old form takes an address, and errors when nobody has it.
    let mut other = server.raw();
    other.send(b"CLIENT INFO\r\n");
    let me = other.read_text();
    let addr = me
        .split(' ')
        .find_map(|field| field.strip_prefix("addr="))
        .expect("addr field");
    let () = redis::cmd("CLIENT")
        .arg("KILL")
        .arg(addr)
        .query(&mut killer)
        .expect("CLIENT KILL addr");
    assert!(other.is_closed());
    let err = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("127.0.0.1:1")
        .query::<()>(&mut killer)
        .expect_err("no such client");
    assert_eq!(wire_error(&err), "ERR No such client");
}

#[test]
fn client_pause_write_holds_writes_until_unpause() {
    let server = TestServer::start(&[]);
    let mut pauser = server.redis();
    let () = redis::cmd("CLIENT")
        .arg(&["PAUSE", "60000", "WRITE"])
        .query(&mut pauser)
        .expect("CLIENT PAUSE");
    let done = Arc::new(AtomicBool::new(false));
    let mut writer = server.redis();
    let writer_done = Arc::clone(&done);
    let thread = std::thread::spawn(move || {
        let () = writer.set("paused", "v").expect("SET");
        writer_done.store(true, Ordering::SeqCst);
    });
    // The write is held, and shows as a blocked client as in Redis; reads from other
    // clients still go through.
    assert!(
        wait_for(SOON, || info(&mut pauser, "clients")
            .contains("blocked_clients:1")),
        "the held client is not counted as blocked"
    );
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(&mut pauser)
        .expect("LIST");
    assert!(
        list.lines()
            .any(|l| l.contains(" flags=b ") && l.contains(" cmd=set ")),
        "{list}"
    );
    assert!(!done.load(Ordering::SeqCst));
    assert_eq!(
        pauser.get::<_, Option<String>>("paused").expect("GET"),
        None
    );
    let () = redis::cmd("CLIENT")
        .arg("UNPAUSE")
        .query(&mut pauser)
        .expect("CLIENT UNPAUSE");
    assert!(
        wait_for(SOON, || done.load(Ordering::SeqCst)),
        "write still held"
    );
    thread.join().expect("writer");
    assert_eq!(pauser.get::<_, String>("paused").expect("GET"), "v");
}

#[test]
fn config_set_port_rebinds() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let old = server.port;
    let new = free_port();
    let () = redis::cmd("CONFIG")
        .arg(&["SET", "port", &new.to_string()])
        .query(&mut con)
        .expect("CONFIG SET port");
    // The connection that asked stays open; the new port accepts and the old refuses.
    assert_eq!(
        redis::cmd("PING").query::<String>(&mut con).expect("PING"),
        "PONG"
    );
    let mut fresh = scarlet_tests::RawConn::connect(new);
    fresh.roundtrip(
        b"CONFIG GET port\r\n",
        format!(
            "*2\r\n$4\r\nport\r\n${}\r\n{new}\r\n",
            new.to_string().len()
        )
        .as_bytes(),
    );
    assert!(
        wait_for(SOON, || TcpStream::connect(("127.0.0.1", old)).is_err()),
        "old port still accepts"
    );
    // A port that cannot be bound leaves everything as it was.
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = holder.local_addr().expect("addr").port();
    let err = redis::cmd("CONFIG")
        .arg(&["SET", "port", &taken.to_string()])
        .query::<()>(&mut con)
        .expect_err("taken port");
    assert_eq!(
        wire_error(&err),
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
    );
    fresh.roundtrip(b"PING\r\n", b"+PONG\r\n");
    assert!(TcpStream::connect(("127.0.0.1", new)).is_ok());
}

#[test]
fn info_fields() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let _others = [server.redis(), server.redis()];
    let clients = info(&mut con, "clients");
    assert_eq!(
        info_field(&clients, "connected_clients").as_deref(),
        Some("3")
    );

    // The redis crate's handshake (CLIENT SETINFO, a 7.2 command) fails on Redis 7.0 and
    // counts there as errors: count from a reset instead.
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .expect("RESETSTAT");
    let processed = |con: &mut redis::Connection| -> u64 {
        info_field(&info(con, "stats"), "total_commands_processed")
            .expect("total_commands_processed")
            .parse()
            .expect("number")
    };
    let before = processed(&mut con);
    for _ in 0..5 {
        let _: String = redis::cmd("PING").query(&mut con).expect("PING");
    }
    // The five PINGs and the INFO that counted before.
    assert_eq!(processed(&mut con), before + 6);
    let commands = info(&mut con, "commandstats");
    let ping = info_field(&commands, "cmdstat_ping").expect("cmdstat_ping");
    assert!(ping.starts_with("calls=5,usec="), "{ping}");
    assert!(ping.ends_with(",rejected_calls=0,failed_calls=0"), "{ping}");

    let () = con.set("plain", 1).expect("SET");
    let () = con.set_ex("ttl", 1, 1000).expect("SETEX");
    let keyspace = info(&mut con, "keyspace");
    let db0 = info_field(&keyspace, "db0").expect("db0 line");
    assert!(db0.starts_with("keys=2,expires=1,avg_ttl="), "{db0}");

    let memory = info(&mut con, "memory");
    let used: u64 = info_field(&memory, "used_memory")
        .expect("used_memory")
        .parse()
        .expect("number");
    assert!(used > 0);

    // One failed call and one rejected (unknown) command: both are error replies.
    let _ = redis::cmd("INCRBY")
        .arg(&["plain", "x"])
        .query::<()>(&mut con)
        .expect_err("not a number");
    let _ = redis::cmd("NOSUCHCOMMAND")
        .query::<()>(&mut con)
        .expect_err("unknown");
    let errors = info(&mut con, "errorstats");
    assert_eq!(
        info_field(&errors, "errorstat_ERR").as_deref(),
        Some("count=2"),
        "{errors}"
    );
    let stats = info(&mut con, "stats");
    assert_eq!(
        info_field(&stats, "total_error_replies").as_deref(),
        Some("2")
    );
    let commands = info(&mut con, "commandstats");
    let incrby = info_field(&commands, "cmdstat_incrby").expect("cmdstat_incrby");
    assert!(
        incrby.ends_with(",rejected_calls=0,failed_calls=1"),
        "{incrby}"
    );

    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .expect("RESETSTAT");
    let errors = info(&mut con, "errorstats");
    assert_eq!(info_field(&errors, "errorstat_ERR"), None);

    // GETEX reads its key once: one keyspace hit, as in Redis.
    let hits = |con: &mut redis::Connection| -> u64 {
        info_field(&info(con, "stats"), "keyspace_hits")
            .expect("keyspace_hits")
            .parse()
            .expect("number")
    };
    let before = hits(&mut con);
    let _: String = redis::cmd("GETEX")
        .arg(&["plain", "PERSIST"])
        .query(&mut con)
        .expect("GETEX");
    assert_eq!(hits(&mut con), before + 1);

    // While a command runs, its own bytes are in the query buffer (Redis's qbuf=26 for
    // "client list" as a multibulk).
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(&mut con)
        .expect("LIST");
    let id: String = redis::cmd("CLIENT")
        .arg("ID")
        .query::<i64>(&mut con)
        .expect("ID")
        .to_string();
    let mine = list
        .lines()
        .find(|l| l.starts_with(&format!("id={id} ")))
        .expect("own line");
    assert!(mine.contains(" qbuf=26 "), "{mine}");
}

#[test]
fn a_ten_megabyte_value() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let value: Vec<u8> = (0..10_000_000u32).map(|i| (i % 253) as u8).collect();
    let () = con.set("big", &value).expect("SET");
    assert_eq!(con.strlen::<_, usize>("big").expect("STRLEN"), value.len());
    let back: Vec<u8> = con.get("big").expect("GET");
    assert!(back == value, "value changed on the way");
    let tail: Vec<u8> = con.getrange("big", -3, -1).expect("GETRANGE");
    assert_eq!(tail, &value[value.len() - 3..]);
}

#[test]
fn an_mset_of_a_hundred_thousand_arguments() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let pairs: Vec<(String, usize)> = (0..50_000).map(|i| (format!("m:{i}"), i)).collect();
    let () = con.mset(&pairs).expect("MSET");
    assert_eq!(dbsize(&mut con), 50_000);
    let keys: Vec<String> = (0..50_000).map(|i| format!("m:{i}")).collect();
    let values: Vec<usize> = con.mget(&keys).expect("MGET");
    assert_eq!(values, (0..50_000).collect::<Vec<usize>>());
}

#[test]
fn concurrent_clients_on_io_threads() {
    // With io-threads > 1 connections run on several threads; commands must still apply
    // one at a time.
    let server = TestServer::start(&["--io-threads", "2"]);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mut con = server.redis();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let mut pipe = redis::pipe();
                    for _ in 0..50 {
                        pipe.incr("shared", 1).ignore();
                    }
                    let () = pipe.query(&mut con).expect("pipeline");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("client thread");
    }
    let mut con = server.redis();
    assert_eq!(con.get::<_, i64>("shared").expect("GET"), 2000);
}

#[test]
fn client_pause_all_ends_by_itself() {
    let server = TestServer::start(&[]);
    let mut pauser = server.redis();
    let () = redis::cmd("CLIENT")
        .arg(&["PAUSE", "500"])
        .query(&mut pauser)
        .expect("CLIENT PAUSE");
    let started = std::time::Instant::now();
    let mut reader = server.redis();
    // In ALL mode even reads wait, until the pause runs out without an UNPAUSE.
    let pong: String = redis::cmd("PING").query(&mut reader).expect("PING");
    assert_eq!(pong, "PONG");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "PING answered after {:?}",
        started.elapsed()
    );
}

#[test]
fn active_expiry_covers_every_database() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    for db in [0, 5, 15] {
        let () = redis::cmd("SELECT")
            .arg(db)
            .query(&mut con)
            .expect("SELECT");
        let mut pipe = redis::pipe();
        for i in 0..20 {
            pipe.cmd("SET")
                .arg(format!("k{i}"))
                .arg("v")
                .arg("PX")
                .arg(50)
                .ignore();
        }
        let () = pipe.query(&mut con).expect("SET PX");
    }
    assert!(
        wait_for(Duration::from_secs(5), || {
            info(&mut con, "keyspace").trim_end() == "# Keyspace"
        }),
        "{}",
        info(&mut con, "keyspace")
    );
}

#[test]
fn client_kill_with_filters() {
    let server = TestServer::start(&[]);
    let mut admin = server.redis();
    let others: Vec<redis::Connection> = (0..3).map(|_| server.redis()).collect();
    let mut named = server.redis();
    let () = redis::cmd("CLIENT")
        .arg(&["SETNAME", "named"])
        .query(&mut named)
        .expect("SETNAME");
    // The harness's readiness probe may still be counted for a moment.
    assert!(wait_for(SOON, || {
        info_field(&info(&mut admin, "clients"), "connected_clients").as_deref() == Some("5")
    }));
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query(&mut admin)
        .expect("CLIENT KILL TYPE pubsub");
    assert_eq!(killed, 0);
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "normal", "SKIPME", "yes"])
        .query(&mut admin)
        .expect("CLIENT KILL TYPE normal");
    assert_eq!(killed, 4);
    assert!(wait_for(SOON, || {
        info_field(&info(&mut admin, "clients"), "connected_clients").as_deref() == Some("1")
    }));
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(&mut admin)
        .expect("CLIENT LIST");
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains(" cmd=client|list "), "{list}");
    drop(others);
    // Killing oneself replies first, then closes.
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "normal", "SKIPME", "no"])
        .query(&mut admin)
        .expect("CLIENT KILL self");
    assert_eq!(killed, 1);
    assert!(redis::cmd("PING").query::<String>(&mut admin).is_err());
}
