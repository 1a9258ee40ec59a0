//! maxmemory through the real dispatcher: each policy evicts what it should, noeviction
//! refuses writes with -OOM, evictions tell WATCH and keyspace events, and used_memory
//! stays under the limit under a write load that tries to pass it twice over.
//!
//! used_memory is the whole process's, so these tests take a lock and run one at a time,
//! and set each limit relative to the memory in use when they start. Idle times and
//! access frequencies are injected through the keys' LRU/LFU field instead of waiting.

use std::sync::Mutex;

use scarlet_protocol::Frame;
use scarlet_server::memory::used_memory;
use scarlet_server::testkit::{TestClient, TestServer, render, render_bytes};
use scarlet_storage::lru::{lfu_minutes, lru_clock};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const KEYS: usize = 2000;
const VALUE: usize = 1000;

fn value() -> String {
    "x".repeat(VALUE)
}

fn now_ms() -> i64 {
    scarlet_server::clock::unix_ms()
}

fn int(frame: Frame) -> i64 {
    match frame {
        Frame::Integer(n) => n,
        other => {
            assert_eq!(render(&other), ":<integer>");
            -1
        }
    }
}

fn exists(c: &mut TestClient, key: &str) -> bool {
    int(c.cmd(&["EXISTS", key])) == 1
}

fn info_field(c: &mut TestClient, name: &str) -> u64 {
    let text = match c.cmd(&["INFO", "all"]) {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => render(&other),
    };
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok());
    assert!(value.is_some(), "no {name} in INFO");
    value.unwrap_or_default()
}

/// Fills db 0 with `KEYS` keys "k:<i>" of `VALUE` bytes; `ttl` gives key i a TTL.
fn fill(c: &mut TestClient, ttl: impl Fn(usize) -> Option<u64>) {
    let v = value();
    for i in 0..KEYS {
        let key = format!("k:{i}");
        match ttl(i) {
            Some(seconds) => c.cmd(&["SET", &key, &v, "EX", &seconds.to_string()]),
            None => c.cmd(&["SET", &key, &v]),
        };
    }
}

/// Sets maxmemory so that about a quarter of the keys must go, and runs one command to
/// trigger eviction. Returns the limit.
fn squeeze(c: &mut TestClient, policy: &str) -> u64 {
    c.cmd(&["CONFIG", "SET", "maxmemory-policy", policy]);
    // No cron runs here to continue an eviction that runs out of time, and a debug build
    // is slow: let eviction take the time it needs.
    c.cmd(&["CONFIG", "SET", "maxmemory-eviction-tenacity", "100"]);
    let limit = used_memory() - (KEYS * VALUE / 4) as u64;
    c.cmd(&["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    c.cmd(&["PING"]);
    limit
}

fn survivors(c: &mut TestClient, keys: impl Iterator<Item = usize>) -> (usize, usize) {
    let mut total = 0;
    let mut alive = 0;
    for i in keys {
        total += 1;
        if exists(c, &format!("k:{i}")) {
            alive += 1;
        }
    }
    (alive, total)
}

#[test]
fn lru_keeps_recently_used_keys() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    fill(&mut c, |_| None);
    {
        let mut state = server.state();
        let clock = lru_clock(now_ms());
        let db = state.dbs.get_mut(0).expect("db 0");
        for i in 0..KEYS {
            // Even keys were last used 1000 seconds ago, odd keys just now.
            let field = if i % 2 == 0 { clock - 1000 } else { clock };
            db.set_meta(format!("k:{i}").as_bytes(), field);
        }
    }
    let limit = squeeze(&mut c, "allkeys-lru");
    assert!(used_memory() <= limit + 64 * 1024);
    let evicted = info_field(&mut c, "evicted_keys");
    assert!(evicted >= (KEYS / 5) as u64, "evicted {evicted}");
    let (recent, of) = survivors(&mut c, (1..KEYS).step_by(2));
    assert!(recent * 100 >= of * 97, "{recent} of {of} recent keys kept");
}

#[test]
fn lfu_keeps_frequently_used_keys() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    c.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    fill(&mut c, |_| None);
    {
        let mut state = server.state();
        let minutes = u32::from(lfu_minutes(now_ms()));
        let db = state.dbs.get_mut(0).expect("db 0");
        for i in 0..KEYS {
            // Keys divisible by 3 are hot (counter 60), the others cold (counter 5).
            let counter = if i % 3 == 0 { 60 } else { 5 };
            db.set_meta(format!("k:{i}").as_bytes(), (minutes << 8) | counter);
        }
    }
    squeeze(&mut c, "allkeys-lfu");
    let (hot, of) = survivors(&mut c, (0..KEYS).step_by(3));
    assert!(hot * 100 >= of * 97, "{hot} of {of} hot keys kept");
    assert!(matches!(c.cmd(&["OBJECT", "FREQ", "k:0"]), Frame::Integer(n) if n >= 59));
}

#[test]
fn volatile_policies_only_evict_keys_with_a_ttl() {
    let _one = ONE_AT_A_TIME.lock();
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let server = TestServer::new();
        let mut c = server.client();
        fill(&mut c, |i| (i % 2 == 0).then_some(1000 + i as u64));
        let limit = squeeze(&mut c, policy);
        assert!(used_memory() <= limit + 64 * 1024, "{policy}");
        let (persistent, of) = survivors(&mut c, (1..KEYS).step_by(2));
        assert_eq!(persistent, of, "{policy} evicted a key without TTL");
        let (volatile, _) = survivors(&mut c, (0..KEYS).step_by(2));
        assert!(volatile < KEYS / 2, "{policy} evicted nothing");
        if policy == "volatile-ttl" {
            // The keys expiring soonest went first (mostly: sampling approximates, and
            // evicting at random would keep only about half of the late keys).
            let (late, of) = survivors(&mut c, (KEYS / 2..KEYS).step_by(2));
            assert!(
                late * 100 >= of * 80,
                "{policy}: {late} of {of} late keys kept"
            );
        }
    }
}

#[test]
fn volatile_policy_without_candidates_refuses_writes() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    fill(&mut c, |_| None);
    squeeze(&mut c, "volatile-lru");
    assert_eq!(
        render_bytes(&c.send(&["SET", "new", "v"])),
        "-OOM command not allowed when used memory > 'maxmemory'."
    );
    assert_eq!(int(c.cmd(&["DBSIZE"])), KEYS as i64);
}

#[test]
fn noeviction_refuses_denyoom_commands_only() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    fill(&mut c, |_| None);
    squeeze(&mut c, "noeviction");
    c.script(
        "
        SET new v => -OOM command not allowed when used memory > 'maxmemory'.
        STRLEN k:1 => :1000
        ",
    );
}

#[test]
fn noeviction_details() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    fill(&mut c, |_| None);
    squeeze(&mut c, "noeviction");
    let oom = "-OOM command not allowed when used memory > 'maxmemory'.";
    assert_eq!(render_bytes(&c.send(&["SET", "new", "v"])), oom);
    assert_eq!(render_bytes(&c.send(&["LPUSH", "l", "v"])), oom);
    assert!(matches!(c.cmd(&["STRLEN", "k:1"]), Frame::Integer(1000)));
    // Deleting is always allowed, and frees memory.
    assert_eq!(int(c.cmd(&["DEL", "k:1"])), 1);
    // Inside MULTI everything is refused (queueing takes memory) but EXEC and DISCARD;
    // the transaction is then aborted.
    assert_eq!(render_bytes(&c.send(&["MULTI"])), "+OK");
    assert_eq!(render_bytes(&c.send(&["GET", "k:2"])), oom);
    assert_eq!(
        render_bytes(&c.send(&["EXEC"])),
        "-EXECABORT Transaction discarded because of previous errors."
    );
    assert_eq!(info_field(&mut c, "evicted_keys"), 0);
    c.cmd(&["CONFIG", "SET", "maxmemory", "0"]);
    assert_eq!(render_bytes(&c.send(&["SET", "new", "v"])), "+OK");
}

#[test]
fn eviction_spoils_watch_and_sends_the_evicted_event() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    let mut admin = server.client();
    let mut sub = server.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    c.cmd(&["CONFIG", "SET", "maxmemory-eviction-tenacity", "100"]);
    sub.cmd(&["SUBSCRIBE", "__keyevent@0__:evicted"]);
    fill(&mut c, |_| None);
    c.cmd(&[
        "WATCH", "k:0", "k:1", "k:2", "k:3", "k:4", "k:5", "k:6", "k:7",
    ]);
    c.cmd(&["MULTI"]);
    c.cmd(&["PING"]);
    admin.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-random"]);
    // The next command evicts every key first (the limit is 1 byte).
    admin.cmd(&["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(render_bytes(&c.send(&["EXEC"])), "*-1");
    assert_eq!(int(c.cmd(&["DBSIZE"])), 0);
    assert_eq!(info_field(&mut c, "evicted_keys"), KEYS as u64);
    let events = render_bytes(&sub.resume());
    assert_eq!(events.matches("\"message\"").count(), KEYS, "{events:.200}");
}

#[test]
fn used_memory_stays_under_maxmemory_under_a_write_load() {
    let _one = ONE_AT_A_TIME.lock();
    for policy in ["allkeys-lru", "allkeys-lfu", "allkeys-random"] {
        let server = TestServer::new();
        let mut c = server.client();
        c.cmd(&["CONFIG", "SET", "maxmemory-policy", policy]);
        let budget = 2 * 1024 * 1024u64;
        let limit = used_memory() + budget;
        c.cmd(&["CONFIG", "SET", "maxmemory", &limit.to_string()]);
        let v = value();
        let mut worst = 0i64;
        // Twice the budget in values.
        for i in 0..(2 * budget as usize / VALUE) {
            c.cmd(&["SET", &format!("key:{i}"), &v]);
            worst = worst.max(used_memory() as i64 - limit as i64);
        }
        assert!(
            worst < 32 * 1024,
            "{policy}: used_memory passed maxmemory by {worst} bytes"
        );
        assert!(info_field(&mut c, "evicted_keys") > 0);
    }
}

#[test]
fn memory_usage_and_stats() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    c.cmd(&["SET", "small", "v"]);
    c.cmd(&["SET", "big", &"x".repeat(40_000)]);
    for i in 0..300 {
        c.cmd(&["HSET", "h", &format!("field:{i}"), &format!("value:{i}")]);
        c.cmd(&["SADD", "s", &format!("member:{i}")]);
        c.cmd(&["ZADD", "z", &i.to_string(), &format!("member:{i}")]);
        c.cmd(&["RPUSH", "l", &format!("element:{i}")]);
    }
    let small = int(c.cmd(&["MEMORY", "USAGE", "small"]));
    let big = int(c.cmd(&["MEMORY", "USAGE", "big"]));
    assert!(small > 0 && small < 200, "small {small}");
    assert!(big > 40_000 && big < 42_000, "big {big}");
    for key in ["h", "s", "z", "l"] {
        let all = int(c.cmd(&["MEMORY", "USAGE", key, "SAMPLES", "0"]));
        assert!(all > 300 * 8, "{key}: {all}");
    }
    c.script(
        "
        MEMORY USAGE nokey => nil
        MEMORY USAGE small SAMPLES => -ERR syntax error
        MEMORY USAGE small SAMPLES -1 => -ERR syntax error
        MEMORY USAGE small SAMPLES x => -ERR value is not an integer or out of range
        MEMORY USAGE small FOO 1 => -ERR syntax error
        MEMORY PURGE => +OK
        MEMORY FOO => -ERR unknown subcommand 'FOO'. Try MEMORY HELP.
        ",
    );
    match c.cmd(&["MEMORY", "STATS"]) {
        Frame::Array(items) => {
            let names: Vec<String> = items.iter().step_by(2).map(render).collect();
            assert_eq!(
                names.first().map(String::as_str),
                Some("\"peak.allocated\"")
            );
            assert!(names.iter().any(|n| n == "\"db.0\""));
            assert!(names.iter().any(|n| n == "\"keys.count\""));
            assert_eq!(items.len(), 2 * 28);
        }
        other => assert_eq!(render(&other), "[MEMORY STATS's map]"),
    }
    assert!(matches!(c.cmd(&["MEMORY", "DOCTOR"]), Frame::Bulk(_)));
    assert!(matches!(c.cmd(&["MEMORY", "MALLOC-STATS"]), Frame::Bulk(b) if b.len() > 1000));
}

#[test]
fn unlink_and_flush_async_free_in_the_background() {
    let _one = ONE_AT_A_TIME.lock();
    let server = TestServer::new();
    let mut c = server.client();
    let members: Vec<String> = (0..20_000).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD".to_string(), "set".to_string()];
    sadd.extend(members.iter().cloned());
    c.cmd(&sadd);
    c.cmd(&["CONFIG", "RESETSTAT"]);
    assert_eq!(int(c.cmd(&["UNLINK", "set"])), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while info_field(&mut c, "lazyfreed_objects") < 1 {
        assert!(std::time::Instant::now() < deadline, "never freed");
        std::thread::yield_now();
    }
    // A small value is freed at once.
    c.cmd(&["SET", "small", "v"]);
    assert_eq!(int(c.cmd(&["UNLINK", "small"])), 1);
    assert_eq!(info_field(&mut c, "lazyfreed_objects"), 1);
    for i in 0..100 {
        c.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    c.script("FLUSHALL ASYNC => +OK\nDBSIZE => :0");
    while info_field(&mut c, "lazyfreed_objects") < 101 {
        assert!(std::time::Instant::now() < deadline, "flush never freed");
        std::thread::yield_now();
    }
    assert_eq!(info_field(&mut c, "lazyfree_pending_objects"), 0);
}
