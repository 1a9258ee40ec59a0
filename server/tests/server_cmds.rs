//! The server family through the real dispatcher: CONFIG GET/SET/RESETSTAT/REWRITE,
//! DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, INFO and SHUTDOWN's argument checks.
//!
//! Script rows hold Redis 7.0.15's replies to the same session. CONFIG GET with several
//! matches replies in Redis's dictionary order, which its random hash seed shuffles, so
//! those replies are compared as sets in code; so are INFO fields whose values depend on
//! time or memory.

use scarlet_protocol::Frame;
use scarlet_server::dispatch::Flow;
use scarlet_server::testkit::{TestClient, TestServer, render};

#[test]
fn config_get_and_set() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG GET maxmemory => ["maxmemory", "0"]
        CONFIG GET maxmemory-policy => ["maxmemory-policy", "noeviction"]
        CONFIG GET MAXMEMORY => ["MAXMEMORY", "0"]
        CONFIG GET nosuch => []
        CONFIG GET nosuch* => []
        CONFIG SET maxmemory 10mb maxmemory-policy allkeys-lru => +OK
        CONFIG GET maxmemory => ["maxmemory", "10485760"]
        CONFIG GET maxmemory-policy => ["maxmemory-policy", "allkeys-lru"]
        CONFIG SET maxmemory 0 => +OK
        CONFIG SET hz 0 => +OK
        CONFIG GET hz => ["hz", "1"]
        CONFIG SET hz 1000 => +OK
        CONFIG GET hz => ["hz", "500"]
        CONFIG SET hz 10 => +OK
        CONFIG SET maxmemory-policy ALLKEYS-LFU => +OK
        CONFIG GET maxmemory-policy => ["maxmemory-policy", "allkeys-lfu"]
        CONFIG SET proto-max-bulk-len 1mb => +OK
        CONFIG GET proto-max-bulk-len => ["proto-max-bulk-len", "1048576"]
        CONFIG SET lazyfree-lazy-user-flush yes => +OK
        CONFIG GET lazyfree-lazy-user-flush => ["lazyfree-lazy-user-flush", "yes"]
        config set LAZYFREE-LAZY-USER-FLUSH no => +OK
        CONFIG GET requirepass => ["requirepass", ""]
        CONFIG GET => -ERR wrong number of arguments for 'config|get' command
    "#,
    );
}

#[test]
fn config_get_with_patterns_and_several_arguments() {
    let mut c = TestServer::new().client();
    let sorted_pairs = |reply: Frame| -> Vec<String> {
        let Frame::Array(items) = reply else {
            return vec![format!("not an array: {reply:?}")];
        };
        let mut pairs: Vec<String> = items
            .chunks(2)
            .map(|pair| pair.iter().map(render).collect::<Vec<_>>().join(" "))
            .collect();
        pairs.sort();
        pairs
    };
    assert_eq!(
        sorted_pairs(c.line("CONFIG GET maxmemory*")),
        [
            r#""maxmemory" "0""#,
            r#""maxmemory-clients" "0""#,
            r#""maxmemory-eviction-tenacity" "10""#,
            r#""maxmemory-policy" "noeviction""#,
            r#""maxmemory-samples" "5""#,
        ]
    );
    // Several arguments, overlapping: each parameter once.
    assert_eq!(
        sorted_pairs(c.line("CONFIG GET hz maxmemory-s* HZ maxmemory-samples")),
        [r#""hz" "10""#, r#""maxmemory-samples" "5""#]
    );
    assert_eq!(
        sorted_pairs(c.line("CONFIG GET lfu-*")),
        [r#""lfu-decay-time" "1""#, r#""lfu-log-factor" "10""#]
    );
    // RESP3 replies with a map.
    c.resp3();
    assert_eq!(render(&c.line("CONFIG GET hz")), r#"{"hz": "10"}"#);
}

#[test]
fn config_set_errors_roll_back_everything() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG SET foo bar => -ERR Unknown option or number of arguments for CONFIG SET - 'foo'
        CONFIG SET maxmemory abc => -ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value
        CONFIG SET maxmemory => -ERR wrong number of arguments for 'config|set' command
        CONFIG SET maxmemory 1 maxmemory-policy => -ERR syntax error
        CONFIG SET maxmemory 1mb maxmemory 2mb => -ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter
        CONFIG SET maxmemory 1mb MAXMEMORY 2mb => -ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter
        CONFIG SET daemonize yes => -ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config
        CONFIG SET dir /tmp => -ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config
        CONFIG SET maxmemory 10mb maxmemory-policy bad => -ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction
        CONFIG GET maxmemory => ["maxmemory", "0"]
        CONFIG SET requirepass x maxmemory abc => -ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value
        CONFIG GET requirepass => ["requirepass", ""]
        CONFIG SET hz abc => -ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer
        CONFIG SET lfu-log-factor -1 => -ERR CONFIG SET failed (possibly related to argument 'lfu-log-factor') - argument must be between 0 and 2147483647 inclusive
        CONFIG SET loglevel foo => -ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning
        CONFIG SET appendonly maybe => -ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'
        CONFIG SET maxmemory 1mb foo bar => -ERR Unknown option or number of arguments for CONFIG SET - 'foo'
        CONFIG GET maxmemory => ["maxmemory", "0"]
        PING => +PONG
    "#,
    );
}

#[test]
fn config_subcommands() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG RESETSTAT => +OK
        CONFIG RESETSTAT x => -ERR wrong number of arguments for 'config|resetstat' command
        CONFIG REWRITE => -ERR The server is running without a config file
        CONFIG REWRITE x => -ERR wrong number of arguments for 'config|rewrite' command
        CONFIG FOO => -ERR unknown subcommand 'FOO'. Try CONFIG HELP.
        CONFIG => -ERR wrong number of arguments for 'config' command
        config foo bar => -ERR unknown subcommand 'foo'. Try CONFIG HELP.
        CONFIG HELP x => -ERR wrong number of arguments for 'config|help' command
    "#,
    );
    let help = render(&c.line("CONFIG HELP"));
    assert!(
        help.starts_with("[+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:, ")
            && help.ends_with(", +HELP, +    Prints this help.]"),
        "{help}"
    );
}

#[test]
fn dbsize_flushdb_flushall() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        DBSIZE => :0
        MSET a 1 b 2 c 3 => +OK
        SET e v PXAT 1 => +OK
        DBSIZE => :4
        SELECT 1 => +OK
        SET x 1 => +OK
        DBSIZE => :1
        FLUSHDB => +OK
        DBSIZE => :0
        SET x 1 => +OK
        SELECT 0 => +OK
        FLUSHDB SYNC => +OK
        DBSIZE => :0
        MSET a 1 b 2 => +OK
        FLUSHDB ASYNC => +OK
        DBSIZE => :0
        SELECT 1 => +OK
        DBSIZE => :1
        SET y 1 => +OK
        FLUSHALL => +OK
        DBSIZE => :0
        SELECT 0 => +OK
        SET a 1 => +OK
        SELECT 2 => +OK
        SET b 1 => +OK
        FLUSHALL async => +OK
        DBSIZE => :0
        SELECT 0 => +OK
        DBSIZE => :0
        SET a 1 => +OK
        FLUSHALL sync => +OK
        DBSIZE => :0
        CONFIG SET lazyfree-lazy-user-flush yes => +OK
        SET a 1 => +OK
        FLUSHALL => +OK
        DBSIZE => :0
        FLUSHDB FOO => -ERR syntax error
        FLUSHDB SYNC ASYNC => -ERR syntax error
        FLUSHALL FOO => -ERR syntax error
        FLUSHALL ASYNC x => -ERR syntax error
        DBSIZE x => -ERR wrong number of arguments for 'dbsize' command
    "#,
    );
}

#[test]
fn swapdb() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k db0 EXAT 32503680000 => +OK
        SELECT 1 => +OK
        SET k db1 => +OK
        SET only1 x => +OK
        SWAPDB 0 1 => +OK
        GET k => "db0"
        EXPIRETIME k => :32503680000
        DBSIZE => :1
        SELECT 0 => +OK
        GET k => "db1"
        GET only1 => "x"
        TTL k => :-1
        SWAPDB 1 0 => +OK
        GET k => "db0"
        SWAPDB 0 0 => +OK
        GET k => "db0"
        SWAPDB 15 0 => +OK
        DBSIZE => :0
        SWAPDB 0 15 => +OK
        SWAPDB 0 => -ERR wrong number of arguments for 'swapdb' command
        SWAPDB 0 x => -ERR invalid second DB index
        SWAPDB x 0 => -ERR invalid first DB index
        SWAPDB 0 1.5 => -ERR invalid second DB index
        SWAPDB 0 1 2 => -ERR wrong number of arguments for 'swapdb' command
        SWAPDB 0 16 => -ERR DB index is out of range
        SWAPDB -1 0 => -ERR DB index is out of range
        SWAPDB 2147483648 0 => -ERR invalid first DB index
        SWAPDB 0 99999999999999999999 => -ERR invalid second DB index
    "#,
    );
}

#[test]
fn time_is_seconds_and_microseconds() {
    let mut c = TestServer::new().client();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let Frame::Array(parts) = c.line("TIME") else {
        panic!("TIME did not reply with an array");
    };
    let numbers: Vec<u64> = parts
        .iter()
        .map(|p| {
            String::from_utf8_lossy(p.as_bytes().unwrap())
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(numbers.len(), 2);
    assert!(numbers[0] >= now && numbers[0] <= now + 5, "{numbers:?}");
    assert!(numbers[1] < 1_000_000);
    c.script(
        r#"
        TIME x => -ERR wrong number of arguments for 'time' command
    "#,
    );
}

#[test]
fn shutdown_arguments() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SHUTDOWN FOO => -ERR syntax error
        SHUTDOWN NOSAVE SAVE => -ERR syntax error
        SHUTDOWN ABORT NOW => -ERR syntax error
        SHUTDOWN ABORT FORCE => -ERR syntax error
        SHUTDOWN ABORT => -ERR No shutdown in progress.
        SHUTDOWN abort x => -ERR syntax error
        PING => +PONG
    "#,
    );
}

#[test]
fn shutdown_nosave_closes_and_stops_the_server() {
    let server = TestServer::new();
    let mut c = server.client();
    let mut other = server.client();
    assert!(c.raw(b"SHUTDOWN NOSAVE\r\nPING\r\n").is_empty());
    assert_eq!(c.flow(), Flow::Shutdown);
    assert!(c.is_closed());
    // No command runs once a shutdown is decided.
    assert!(other.raw(b"PING\r\n").is_empty());
    assert_eq!(other.flow(), Flow::Shutdown);
}

/// INFO as `field -> value` lines of one section.
fn info(c: &mut TestClient, section: &str) -> Vec<(String, String)> {
    let reply = c.cmd(&["INFO", section]);
    let text = String::from_utf8_lossy(reply.as_bytes().unwrap_or_default()).into_owned();
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn info_field(c: &mut TestClient, section: &str, name: &str) -> Option<String> {
    info(c, section)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[test]
fn info_sections() {
    let mut c = TestServer::new().client();
    c.script(
        r##"
        INFO nosuch => ""
        INFO keyspace => "# Keyspace\r\n"
        SET a 1 => +OK
        SET b 2 EXAT 32503680000 => +OK
        SELECT 3 => +OK
        SET c 3 => +OK
        INFO x y => ""
    "##,
    );
    let keyspace = render(&c.line("INFO keyspace"));
    assert!(
        keyspace.starts_with(r##""# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl="##)
            && keyspace.ends_with(r##"\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n""##),
        "{keyspace}"
    );
    let server = render(&c.line("INFO server"));
    assert!(
        server.starts_with(r##""# Server\r\nredis_version:7.0.15\r\n"##),
        "{server}"
    );
    // Several sections, each once, in Redis's order whatever the order asked.
    let both = render(&c.line("INFO keyspace server KEYSPACE"));
    let server_at = both.find("# Server").unwrap();
    let keyspace_at = both.find("# Keyspace").unwrap();
    assert!(
        server_at < keyspace_at && both.matches("# Keyspace").count() == 1,
        "{both}"
    );
    // RESP3 sends INFO as a verbatim string.
    c.resp3();
    assert!(render(&c.line("INFO keyspace")).starts_with(r##"=txt:"# Keyspace\r\n"##));
}

#[test]
fn info_counts_hits_misses_expiries_and_errors() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG RESETSTAT => +OK
        SET k v => +OK
        GET k => "v"
        GET nokey => nil
        MGET k nokey nokey => ["v", nil, nil]
        SET e v PXAT 1 => +OK
        GET e => nil
        GETEX k => "v"
        GETEX k EX 100 => "v"
        GETEX nokey => nil
        INCR k => -ERR value is not an integer or out of range
        GET => -ERR wrong number of arguments for 'get' command
        FOOBAR => -ERR unknown command 'FOOBAR', with args beginning with: 
    "#,
    );
    assert_eq!(
        info_field(&mut c, "stats", "keyspace_hits").as_deref(),
        Some("4")
    );
    assert_eq!(
        info_field(&mut c, "stats", "keyspace_misses").as_deref(),
        Some("5")
    );
    assert_eq!(
        info_field(&mut c, "stats", "expired_keys").as_deref(),
        Some("1")
    );
    assert_eq!(
        info_field(&mut c, "stats", "total_error_replies").as_deref(),
        Some("3")
    );
    assert_eq!(
        info_field(&mut c, "errorstats", "errorstat_ERR").as_deref(),
        Some("count=3")
    );
    let get = info_field(&mut c, "commandstats", "cmdstat_get").unwrap();
    assert!(get.starts_with("calls=3,usec="), "{get}");
    assert!(get.ends_with(",rejected_calls=1,failed_calls=0"), "{get}");
    let incr = info_field(&mut c, "commandstats", "cmdstat_incr").unwrap();
    assert!(
        incr.starts_with("calls=1,") && incr.ends_with(",rejected_calls=0,failed_calls=1"),
        "{incr}"
    );
    c.line("CONFIG RESETSTAT");
    assert_eq!(
        info_field(&mut c, "stats", "keyspace_hits").as_deref(),
        Some("0")
    );
    assert_eq!(info_field(&mut c, "errorstats", "errorstat_ERR"), None);
}

#[test]
fn info_counters_after_a_session_of_every_family() {
    let server = TestServer::with_config(|config| {
        config.enable_debug_command = scarlet_server::config::ProtectedAction::Yes;
    });
    let mut c = server.client();
    c.script(
        r#"
        CONFIG RESETSTAT => +OK
        SET a 1 => +OK
        GET a => "1"
        GET nokey => nil
        EXISTS a nokey => :1
        TYPE a => +string
        TYPE nokey => +none
        TTL a => :-1
        TTL nokey => :-2
        OBJECT ENCODING a => "int"
        OBJECT ENCODING nokey => nil
        MGET a nokey => ["1", nil]
        GETRANGE a 0 1 => "1"
        GETRANGE nokey 0 1 => ""
        STRLEN a => :1
        STRLEN nokey => :0
        SET a 2 GET => "1"
        SET b 2 GET => nil
        GETEX a => "2"
        GETEX nokey => nil
        GETDEL b => "2"
        GETDEL nokey => nil
        GETSET a 3 => "2"
        GETSET c 3 => nil
        INCR a => :4
        APPEND a x => :2
        SETRANGE a 0 y => :2
        INCRBYFLOAT f 1 => "1"
        LCS a nokey => ""
        COPY a a2 => :1
        COPY nokey a3 => :0
        RENAME a2 a4 => +OK
        MOVE a4 1 => :1
        TOUCH a nokey => :1
        KEYS a => ["a"]
        SCAN 0 MATCH a => ["0", ["a"]]
        DEBUG DIGEST-VALUE a => [+4b3b4e21bf06ffa5a9b9254ed6416ed28d38b5ba]
        SET e v PXAT 1 => +OK
        GET e => nil
        SET e2 v PXAT 1 => +OK
        EXISTS e2 => :0
        SET e3 v PXAT 1 => +OK
        TTL e3 => :-2
        SET e4 v PXAT 1 => +OK
        DEL e4 => :0
        SET e5 v PXAT 1 => +OK
        SET e5 v NX => +OK
        SET e6 v PXAT 1 => +OK
        EXPIRE e6 100 => :0
        SETNX a 1 => :0
        MSETNX a 1 z 1 => :0
        EXPIRE a 100 => :1
        PERSIST a => :1
        PERSIST a => :0
        EXPIRE nokey 10 => :0
        DEL nokey => :0
        GET => -ERR wrong number of arguments for 'get' command
        FOOBAR => -ERR unknown command 'FOOBAR', with args beginning with: 
    "#,
    );
    // Redis 7.0.15's counters after the same session (one INFO per section, since INFO
    // counts as a command too).
    let stats = info(&mut c, "stats");
    let persistence = info(&mut c, "persistence");
    let field = |lines: &[(String, String)], name: &str| {
        lines
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    for (name, value) in [
        ("keyspace_hits", "15"),
        ("keyspace_misses", "18"),
        ("expired_keys", "6"),
        ("total_error_replies", "2"),
        ("total_commands_processed", "56"),
    ] {
        assert_eq!(field(&stats, name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(
        field(&persistence, "rdb_changes_since_last_save").as_deref(),
        Some("22")
    );
}

#[test]
fn changes_since_last_save_count_flushes_and_swaps() {
    let mut c = TestServer::new().client();
    let changes = |c: &mut TestClient| info_field(c, "persistence", "rdb_changes_since_last_save");
    c.script(
        r#"
        SET a 1 => +OK
        SET b 2 => +OK
        FLUSHDB => +OK
        FLUSHDB => +OK
    "#,
    );
    // Two writes, then two keys flushed; an empty flush changes nothing.
    assert_eq!(changes(&mut c).as_deref(), Some("4"));
    c.script(
        r#"
        SET a 1 => +OK
        FLUSHALL => +OK
        FLUSHALL => +OK
    "#,
    );
    assert_eq!(changes(&mut c).as_deref(), Some("6"));
    // SWAPDB counts one change, even for a database swapped with itself.
    c.script(
        r#"
        SWAPDB 0 0 => +OK
        SWAPDB 0 1 => +OK
        MOVE nokey 1 => :0
        COPY nokey x => :0
    "#,
    );
    assert_eq!(changes(&mut c).as_deref(), Some("8"));
}

#[test]
fn latencystats_follow_latency_tracking() {
    let mut c = TestServer::new().client();
    c.line("SET k v");
    c.line("CLIENT ID");
    let text = |c: &mut TestClient| {
        String::from_utf8(c.line("INFO latencystats").as_bytes().unwrap().to_vec()).unwrap()
    };
    let info = text(&mut c);
    // One line per command and subcommand that ran, with the configured percentiles.
    let set = info
        .lines()
        .find(|l| l.starts_with("latency_percentiles_usec_set:"))
        .unwrap_or_else(|| panic!("{info}"));
    assert!(
        set.contains(":p50=") && set.contains(",p99=") && set.contains(",p99.9="),
        "{set}"
    );
    assert!(
        info.contains("latency_percentiles_usec_client|id:p50="),
        "{info}"
    );
    c.script(
        r#"
        CONFIG SET latency-tracking-info-percentiles "0 100" => +OK
    "#,
    );
    assert!(
        text(&mut c).contains("latency_percentiles_usec_set:p0="),
        "p0"
    );
    c.line("CONFIG SET latency-tracking no");
    assert_eq!(text(&mut c), "# Latencystats\r\n");
    c.line("CONFIG SET latency-tracking yes");
    c.line("CONFIG RESETSTAT");
    assert!(
        !text(&mut c).contains("_set:"),
        "reset clears the histograms"
    );
}
