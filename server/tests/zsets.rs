//! The sorted set family through the real dispatcher: every command, option and error
//! path, each session run once per encoding.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session, under
//! `zset-max-listpack-entries 128` / `-value 64` (listpack) and under `0` / `0`
//! (skiplist); both encodings must answer the same, except OBJECT ENCODING (`{enc}` in
//! the scripts). See `scarlet_server::testkit` for the notation.

use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestClient, TestServer};

/// The two encodings: their names and the limits that force them.
const ENCODINGS: [(&str, u64, u64); 2] = [("listpack", 128, 64), ("skiplist", 0, 0)];

fn server_for(entries: u64, value: u64) -> TestServer {
    TestServer::with_config(|config| {
        config.zset_max_listpack_entries = entries;
        config.zset_max_listpack_value = value;
        config.enable_debug_command = ProtectedAction::Yes;
    })
}

/// Runs `script` on a fresh server per encoding; `resp3` switches the client first.
fn both_encodings(script: &str, resp3: bool) {
    for (encoding, entries, value) in ENCODINGS {
        let server = server_for(entries, value);
        let mut client = server.client();
        if resp3 {
            client.resp3();
        }
        client.script(&script.replace("{enc}", encoding));
    }
}

#[test]
fn add_score_rank_remove() {
    both_encodings(ADD, false);
}

#[test]
fn ranges() {
    both_encodings(RANGE, false);
}

#[test]
fn range_store() {
    both_encodings(STORE, false);
}

#[test]
fn remove_ranges() {
    both_encodings(REMRANGE, false);
}

#[test]
fn union_inter_diff() {
    both_encodings(OPS, false);
}

#[test]
fn plain_sets_as_inputs() {
    both_encodings(SETINPUT, false);
}

#[test]
fn pops() {
    both_encodings(POP, false);
}

#[test]
fn resp3_shapes() {
    both_encodings(RESP3, true);
}

/// The reply bytes a blocked client has been sent since it blocked.
fn pending(client: &mut TestClient) -> String {
    scarlet_server::testkit::render_bytes(&client.resume())
}

#[test]
fn blocking_pops_wait_for_a_sorted_set() {
    for (_, entries, value) in ENCODINGS {
        let server = server_for(entries, value);
        let mut waiter = server.client();
        let mut writer = server.client();
        assert_eq!(waiter.run_line("BZPOPMIN z1 z2 0"), "");
        // A string under the key does not serve the waiter; a sorted set does.
        writer.script(
            r#"
            SET z1 notazset => +OK
            DEL z1 => :1
            ZADD z2 2 b 1 a => :2
            "#,
        );
        assert_eq!(pending(&mut waiter), r#"["z2", "a", "1"]"#);
        writer.script("ZRANGE z2 0 -1 => [\"b\"]");
        assert_eq!(waiter.run_line("BZMPOP 0 2 z1 z3 MAX COUNT 2"), "");
        writer.script("ZADD z3 1 a 2 b 3 c => :3");
        assert_eq!(pending(&mut waiter), r#"["z3", [["c", "3"], ["b", "2"]]]"#);
        waiter.resp3();
        assert_eq!(waiter.run_line("BZPOPMAX z4 0"), "");
        writer.script("ZADD z4 5 x => :1");
        assert_eq!(pending(&mut waiter), r#"["z4", "x", ,5]"#);
        writer.script("EXISTS z4 => :0");
    }
}

#[test]
fn blocked_clients_are_served_first_come_first_served() {
    let server = TestServer::new();
    let mut first = server.client();
    let mut second = server.client();
    let mut writer = server.client();
    assert_eq!(first.run_line("BZPOPMIN z 0"), "");
    assert_eq!(second.run_line("BZPOPMAX z 0"), "");
    writer.script("ZADD z 1 a 2 b 3 c => :3");
    assert_eq!(pending(&mut first), r#"["z", "a", "1"]"#);
    assert_eq!(pending(&mut second), r#"["z", "c", "3"]"#);
    writer.script("ZRANGE z 0 -1 => [\"b\"]");
}

#[test]
fn encodings_convert_at_redis_thresholds() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG SET zset-max-listpack-entries 3 zset-max-listpack-value 4 => +OK
        ZADD z 1 a 2 b 3 c => :3
        OBJECT ENCODING z => "listpack"
        ZADD z 4 d => :1
        OBJECT ENCODING z => "skiplist"
        ZREM z d c => :2
        OBJECT ENCODING z => "skiplist"
        ZADD y 1 abcd => :1
        OBJECT ENCODING y => "listpack"
        ZADD y 1 abcde => :1
        OBJECT ENCODING y => "skiplist"
        ZADD x 1 abcde => :1
        OBJECT ENCODING x => "skiplist"
        ZADD w 1 a => :1
        ZADD w 2 a => :0
        OBJECT ENCODING w => "listpack"
        ZUNIONSTORE u 1 z => :2
        OBJECT ENCODING u => "listpack"
        ZUNIONSTORE u 2 z y => :4
        OBJECT ENCODING u => "skiplist"
        ZINTERSTORE u 1 y => :2
        OBJECT ENCODING u => "skiplist"
        ZDIFFSTORE u 1 z => :2
        OBJECT ENCODING u => "listpack"
        ZRANGESTORE u y 0 -1 => :2
        OBJECT ENCODING u => "skiplist"
        ZRANGESTORE u y 0 0 => :1
        OBJECT ENCODING u => "listpack"
        CONFIG SET zset-max-listpack-entries 1 => +OK
        ZADD r 1 a 2 b => :2
        ZRANGESTORE r1 r 0 0 => :1
        OBJECT ENCODING r1 => "listpack"
        ZRANGESTORE r2 r 0 1 => :2
        OBJECT ENCODING r2 => "skiplist"
        CONFIG SET zset-max-listpack-entries 0 => +OK
        ZADD s 1 a => :1
        OBJECT ENCODING s => "skiplist"
        ZRANGESTORE s2 s 0 -1 => :1
        OBJECT ENCODING s2 => "skiplist"
        ZRANGESTORE s3 s -inf +inf BYSCORE => :1
        OBJECT ENCODING s3 => "skiplist"
        "#,
    );
}

#[test]
fn negative_zero_is_an_encoding_detail_redis_shows() {
    // A listpack stores scores as text, where -0 is the integer 0.
    for (encoding, entries, value, score, scan) in [
        ("listpack", 128, 64, "0", "0"),
        ("skiplist", 0, 0, "-0", "-0"),
    ] {
        let mut c = server_for(entries, value).client();
        c.script(&format!(
            r#"
            ZADD z -0 a 1e17 b => :2
            OBJECT ENCODING z => "{encoding}"
            ZSCORE z a => "{score}"
            ZRANGE z 0 -1 WITHSCORES => ["a", "{score}", "b", "1e+17"]
            ZSCAN z 0 MATCH a => ["0", ["a", "{scan}"]]
            "#
        ));
    }
    let mut c = TestServer::new().client();
    c.script(
        r#"
        ZADD z 1e17 b 2.5 c => :2
        ZSCAN z 0 => ["0", ["c", "2.5", "b", "100000000000000000"]]
        "#,
    );
}

#[test]
fn scan_visits_everything() {
    let mut c = server_for(0, 0).client();
    let members: Vec<String> = (0..500).map(|i| format!("m{i}")).collect();
    for chunk in members.chunks(100) {
        let mut args = vec!["ZADD".to_string(), "z".to_string()];
        for m in chunk {
            args.push("1".into());
            args.push(m.clone());
        }
        c.cmd(&args);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let reply = c.cmd(&["ZSCAN", "z", &cursor, "COUNT", "37"]);
        let scarlet_protocol::Frame::Array(parts) = reply else {
            panic!("not an array: {reply:?}");
        };
        let [
            scarlet_protocol::Frame::Bulk(next),
            scarlet_protocol::Frame::Array(items),
        ] = &parts[..]
        else {
            panic!("bad scan reply");
        };
        for pair in items.chunks(2) {
            if let scarlet_protocol::Frame::Bulk(m) = &pair[0] {
                seen.insert(m.clone());
            }
        }
        cursor = String::from_utf8(next.clone()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 500);
    c.script(
        r#"
        ZSCAN z 0 COUNT 0 => -ERR syntax error
        ZSCAN z 0 COUNT x => -ERR value is not an integer or out of range
        ZSCAN z 0 TYPE zset => -ERR syntax error
        ZSCAN z x => -ERR invalid cursor
        ZSCAN nokey 0 COUNT 0 => ["0", []]
        ZSCAN z 0 MATCH m499 COUNT 1000 => ["0", ["m499", "1"]]
        "#,
    );
}

#[test]
fn random_members() {
    both_encodings(
        r#"
        ZADD z 1 a 2 b 3 c => :3
        ZRANDMEMBER nokey => nil
        ZRANDMEMBER nokey 5 => []
        ZRANDMEMBER z 0 => []
        ZRANDMEMBER z 0 WITHSCORES => []
        ZRANDMEMBER z 3 WITHSCORES => ["c", "3", "b", "2", "a", "1"]
        ZRANDMEMBER z 10 => ["c", "b", "a"]
        ZRANDMEMBER z -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807
        ZRANDMEMBER z -9223372036854770000 WITHSCORES => -ERR value is out of range
        ZRANDMEMBER z 5 withscore => -ERR syntax error
        ZRANDMEMBER z 5 WITHSCORES extra => -ERR syntax error
        ZRANDMEMBER z x => -ERR value is not an integer or out of range
        "#,
        false,
    );
    for (_, entries, value) in ENCODINGS {
        let mut c = server_for(entries, value).client();
        c.line("ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j");
        for count in ["1", "3", "5", "9", "-5", "-30"] {
            let reply = c.cmd(&["ZRANDMEMBER", "z", count]);
            let scarlet_protocol::Frame::Array(items) = reply else {
                panic!("not an array");
            };
            let n: i64 = count.parse().unwrap();
            assert_eq!(items.len() as i64, n.abs());
            let distinct: std::collections::HashSet<String> =
                items.iter().map(scarlet_server::testkit::render).collect();
            if n > 0 {
                assert_eq!(distinct.len() as i64, n, "repeated members for {count}");
            }
        }
        let one = c.run_line("ZRANDMEMBER z");
        assert!(one.len() == 3 && one.starts_with('"'), "{one}");
    }
}

#[test]
fn digests_copies_and_moves() {
    for (_, entries, value) in ENCODINGS {
        let mut c = server_for(entries, value).client();
        c.script(
            r#"
            ZADD z 1.5 a -2 b 1e300 c inf d => :4
            DEBUG DIGEST-VALUE z => [+cc6d332232da924c3a78d99792cb285ca1d3e337]
            COPY z z2 => :1
            DEBUG DIGEST-VALUE z2 => [+cc6d332232da924c3a78d99792cb285ca1d3e337]
            ZADD z2 3 e => :1
            ZCARD z => :4
            RENAME z2 z3 => +OK
            ZRANGE z3 0 -1 => ["b", "a", "e", "c", "d"]
            MOVE z3 1 => :1
            SELECT 1 => +OK
            ZCARD z3 => :5
            TYPE z3 => +zset
            "#,
        );
    }
}

/// Adding, scores, ranks and removal; WRONGTYPE for every command that reads one key.
const ADD: &str = r#"
        ZADD z 1 a 2 b 3 c => :3
        OBJECT ENCODING z => "{enc}"
        TYPE z => +zset
        ZADD z NX XX 1 a => -ERR XX and NX options at the same time are not compatible
        ZADD z GT LT 1 a => -ERR GT, LT, and/or NX options at the same time are not compatible
        ZADD z NX GT 1 a => -ERR GT, LT, and/or NX options at the same time are not compatible
        ZADD z NX LT 1 a => -ERR GT, LT, and/or NX options at the same time are not compatible
        ZADD z INCR 1 a 2 b => -ERR INCR option supports a single increment-element pair
        ZADD z 1 => -ERR wrong number of arguments for 'zadd' command
        ZADD z 1 a 2 => -ERR syntax error
        ZADD z abc a => -ERR value is not a valid float
        ZADD z nan a => -ERR value is not a valid float
        ZADD z "" a => -ERR value is not a valid float
        ZADD z inf x -inf y => :2
        ZADD z INCR -inf x => -ERR resulting score is not a number (NaN)
        ZSCORE z x => "inf"
        ZADD z CH 5 a 2 b 7 new => :2
        ZADD z XX CH 6 a 8 zz => :1
        ZADD z GT CH 1 a 100 b => :1
        ZADD z LT CH 1 a 100 b => :1
        ZADD z INCR GT -1 a => nil
        ZADD z INCR GT 1 a => "2"
        ZADD z INCR XX 1 nope => nil
        ZADD z INCR NX 1 a => nil
        ZADD z INCR 0 a => "2"
        ZADD z XX 1 nope => :0
        ZADD z nx 9 a 9 q => :1
        zadd z Ch Gt 10 a => :1
        ZINCRBY z 2.5 a => "12.5"
        ZINCRBY z x a => -ERR value is not a valid float
        ZINCRBY z 1 newm => "1"
        ZINCRBY z nx m => -ERR syntax error
        ZINCRBY z => -ERR wrong number of arguments for 'zincrby' command
        ZADD nokey XX 1 a => :0
        ZADD nokey XX INCR 1 a => nil
        EXISTS nokey => :0
        ZADD z 0.1 pointone 1e17 big 1.5e300 huge 1e-320 tiny => :4
        ZRANGE z 0 -1 => ["y", "tiny", "pointone", "newm", "c", "new", "q", "a", "b", "big", "huge", "x"]
        ZSCORE z pointone => "0.10000000000000001"
        ZSCORE z big => "1e+17"
        ZSCORE z tiny => "9.9998886718268301e-321"
        ZADD z 1.7976931348623157e308 dblmax => :1
        ZSCORE z dblmax => "1.7976931348623157e+308"
        ZADD z 1e400 over => -ERR value is not a valid float
        ZADD z +inf pinf => :1
        ZSCORE z pinf => "inf"
        ZINCRBY z 0.2 pointone => "0.30000000000000004"
        ZCARD z => :14
        ZCARD nokey => :0
        ZSCORE z nope => nil
        ZSCORE nokey a => nil
        ZMSCORE z a nope b => ["12.5", nil, "100"]
        ZMSCORE nokey a b => [nil, nil]
        ZMSCORE z => -ERR wrong number of arguments for 'zmscore' command
        ZRANK z a => :7
        ZREVRANK z a => :6
        ZRANK z y => :0
        ZREVRANK z y => :13
        ZRANK z nope => nil
        ZRANK nokey a => nil
        ZREM z a nope => :1
        ZREM z nope => :0
        ZREM nokey a => :0
        ZREM z => -ERR wrong number of arguments for 'zrem' command
        ZADD small 1 a => :1
        ZREM small a => :1
        EXISTS small => :0
        ZADD small 1 a 2 b => :2
        ZREM small a b c => :2
        EXISTS small => :0
        SET str v => +OK
        ZADD str 1 a => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZINCRBY str 1 a => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZCARD str => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZSCORE str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZMSCORE str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZRANK str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZREM str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZRANDMEMBER str => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZSCAN str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
"#;

/// ZRANGE in all its forms, the older range commands, ZCOUNT and ZLEXCOUNT.
const RANGE: &str = r#"
        ZADD z 1 a 2 b 3 c 4 d 5 e 6 f => :6
        ZRANGE z 0 -1 => ["a", "b", "c", "d", "e", "f"]
        ZRANGE z 0 -1 WITHSCORES => ["a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"]
        ZRANGE z 2 1 => []
        ZRANGE z -2 -1 WITHSCORES => ["e", "5", "f", "6"]
        ZRANGE z -100 100 => ["a", "b", "c", "d", "e", "f"]
        ZRANGE z 0 -1 REV => ["f", "e", "d", "c", "b", "a"]
        ZRANGE z 1 3 REV WITHSCORES => ["e", "5", "d", "4", "c", "3"]
        ZREVRANGE z 0 1 WITHSCORES => ["f", "6", "e", "5"]
        ZREVRANGE z 0 1 BYSCORE => -ERR syntax error
        ZRANGE z (1 5 BYSCORE => ["b", "c", "d", "e"]
        ZRANGE z (1 5 BYSCORE LIMIT 1 2 => ["c", "d"]
        ZRANGE z (1 5 BYSCORE LIMIT -1 2 => []
        ZRANGE z (1 5 BYSCORE LIMIT 1 -1 => ["c", "d", "e"]
        ZRANGE z (1 5 BYSCORE LIMIT 1 0 => []
        ZRANGE z (1 5 BYSCORE LIMIT 100 1 => []
        ZRANGE z -inf +inf BYSCORE LIMIT 0 9223372036854775807 => ["a", "b", "c", "d", "e", "f"]
        ZRANGE z -inf +inf BYSCORE LIMIT 9223372036854775807 1 => []
        ZRANGE z 5 (1 BYSCORE REV => ["e", "d", "c", "b"]
        ZRANGE z 5 (1 BYSCORE REV LIMIT 1 2 WITHSCORES => ["d", "4", "c", "3"]
        ZRANGE z 0 -1 LIMIT 1 2 => -ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX
        ZRANGE z 0 -1 LIMIT 0 -1 => ["a", "b", "c", "d", "e", "f"]
        ZRANGE z 0 -1 LIMIT 0 -2 => -ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX
        ZRANGE z 0 9223372036854775807 => ["a", "b", "c", "d", "e", "f"]
        ZRANGE z -9223372036854775808 -9223372036854775808 => []
        ZRANGE z 0 9223372036854775808 => -ERR value is not an integer or out of range
        ZRANGE z - + BYLEX => ["a", "b", "c", "d", "e", "f"]
        ZRANGE z - + BYLEX WITHSCORES => -ERR syntax error, WITHSCORES not supported in combination with BYLEX
        ZRANGE z [b (e BYLEX => ["b", "c", "d"]
        ZRANGE z [b (e BYLEX LIMIT 1 1 => ["c"]
        ZRANGE z (e [b BYLEX REV => ["d", "c", "b"]
        ZRANGE z + - BYLEX REV LIMIT 0 2 => ["f", "e"]
        ZRANGE z 0 -1 BYSCORE BYLEX => -ERR syntax error
        ZRANGE z 0 -1 REV REV => -ERR syntax error
        ZRANGE z 0 -1 foo => -ERR syntax error
        ZRANGE z 0 -1 LIMIT 1 => -ERR syntax error
        ZRANGE z 0 -1 LIMIT a b => -ERR value is not an integer or out of range
        ZRANGE z a b => -ERR value is not an integer or out of range
        ZRANGE z x y BYSCORE => -ERR min or max is not a float
        ZRANGE z a b BYLEX => -ERR min or max not valid string range item
        ZRANGE z 1 2 BYSCORE WITHSCORES WITHSCORES => ["a", "1", "b", "2"]
        ZRANGEBYSCORE z -inf +inf => ["a", "b", "c", "d", "e", "f"]
        ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 2 2 => ["c", "3", "d", "4"]
        ZRANGEBYSCORE z 1 5 REV => -ERR syntax error
        ZRANGEBYSCORE z "" "" => []
        ZRANGEBYSCORE z " 2" 3 => ["b", "c"]
        ZRANGEBYSCORE z 1e400 inf => []
        ZRANGEBYSCORE z ( 3 => ["a", "b", "c"]
        ZRANGEBYSCORE z nan 3 => -ERR min or max is not a float
        ZRANGEBYSCORE z 2 1 => []
        ZRANGEBYSCORE z (2 2 => []
        ZRANGEBYSCORE z 0x2 3 => ["b", "c"]
        ZREVRANGEBYSCORE z +inf -inf WITHSCORES => ["f", "6", "e", "5", "d", "4", "c", "3", "b", "2", "a", "1"]
        ZREVRANGEBYSCORE z 5 2 LIMIT 1 2 => ["d", "c"]
        ZREVRANGEBYSCORE z 5 2 BYSCORE => -ERR syntax error
        ZRANGEBYLEX z - + => ["a", "b", "c", "d", "e", "f"]
        ZRANGEBYLEX z - + WITHSCORES => -ERR syntax error, WITHSCORES not supported in combination with BYLEX
        ZRANGEBYLEX z [a [c LIMIT 0 1 => ["a"]
        ZREVRANGEBYLEX z + - LIMIT 1 2 => ["e", "d"]
        ZRANGEBYLEX z a c => -ERR min or max not valid string range item
        ZRANGEBYLEX z +x - => -ERR min or max not valid string range item
        ZRANGEBYLEX z + - => []
        ZRANGEBYLEX z - - => []
        ZRANGEBYLEX z [a [a => ["a"]
        ZRANGEBYLEX z (a [a => []
        ZRANGEBYLEX z "" + => -ERR min or max not valid string range item
        ZRANGEBYLEX nokey - + => []
        ZRANGE nokey 0 -1 => []
        ZRANGE nokey 0 -1 WITHSCORES => []
        ZRANGE nokey a b => -ERR value is not an integer or out of range
        ZCOUNT z -inf +inf => :6
        ZCOUNT z (1 (3 => :1
        ZCOUNT z 3 1 => :0
        ZCOUNT z x 1 => -ERR min or max is not a float
        ZCOUNT nokey 1 2 => :0
        ZCOUNT nokey x 2 => -ERR min or max is not a float
        ZLEXCOUNT z - + => :6
        ZLEXCOUNT z [b (d => :2
        ZLEXCOUNT z b d => -ERR min or max not valid string range item
        ZLEXCOUNT nokey - + => :0
        SET str x => +OK
        ZRANGE str 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZRANGE str x y => -ERR value is not an integer or out of range
        ZCOUNT str 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZLEXCOUNT str - + => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZRANGEBYSCORE str 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
"#;

/// ZRANGESTORE: results, encodings, empty results deleting the destination.
const STORE: &str = r#"
        ZADD z{t} 1 a 2 b 3 c 4 d 5 e 6 f => :6
        ZRANGESTORE dst{t} z{t} 0 -1 => :6
        ZRANGE dst{t} 0 -1 WITHSCORES => ["a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"]
        OBJECT ENCODING dst{t} => "{enc}"
        ZRANGESTORE dst{t} z{t} 0 1 REV => :2
        ZRANGE dst{t} 0 -1 WITHSCORES => ["e", "5", "f", "6"]
        ZRANGESTORE dst{t} z{t} (1 4 BYSCORE LIMIT 1 1 => :1
        ZRANGE dst{t} 0 -1 WITHSCORES => ["c", "3"]
        ZRANGESTORE dst{t} z{t} 5 1 BYSCORE REV => :5
        ZRANGE dst{t} 0 -1 => ["a", "b", "c", "d", "e"]
        ZRANGESTORE dst{t} z{t} 0 -1 WITHSCORES => -ERR syntax error
        ZRANGESTORE dst{t} z{t} 0 -1 LIMIT 1 2 => -ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX
        ZRANGESTORE dst{t} nokey{t} 0 -1 => :0
        EXISTS dst{t} => :0
        ZRANGESTORE dst{t} z{t} 0 0 => :1
        ZRANGESTORE dst{t} z{t} 3 1 => :0
        EXISTS dst{t} => :0
        ZRANGESTORE dst{t} z{t} [a [c BYLEX => :3
        ZRANGE dst{t} 0 -1 => ["a", "b", "c"]
        ZRANGESTORE z{t} z{t} 1 2 => :2
        ZRANGE z{t} 0 -1 WITHSCORES => ["b", "2", "c", "3"]
        SET str{t} x => +OK
        ZRANGESTORE dst{t} str{t} 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZRANGESTORE str{t} z{t} 0 0 => :1
        TYPE str{t} => +zset
        SET str{t} x => +OK
        EXPIRE dst{t} 100 => :1
        ZRANGESTORE dst{t} z{t} 0 -1 => :2
        TTL dst{t} => :-1
"#;

/// ZREMRANGEBYRANK, -SCORE and -LEX, and the key going with its last member.
const REMRANGE: &str = r#"
        ZADD z 1 a 2 b 3 c 4 d 5 e 6 f => :6
        ZREMRANGEBYRANK z 0 0 => :1
        ZREMRANGEBYRANK z -1 -1 => :1
        ZREMRANGEBYRANK z 5 1 => :0
        ZREMRANGEBYRANK z 100 200 => :0
        ZREMRANGEBYRANK z a 1 => -ERR value is not an integer or out of range
        ZREMRANGEBYRANK nokey 0 1 => :0
        ZREMRANGEBYRANK nokey a 1 => -ERR value is not an integer or out of range
        ZRANGE z 0 -1 WITHSCORES => ["b", "2", "c", "3", "d", "4", "e", "5"]
        ZREMRANGEBYSCORE z (2 3 => :1
        ZREMRANGEBYSCORE z x 3 => -ERR min or max is not a float
        ZREMRANGEBYSCORE nokey 1 2 => :0
        ZREMRANGEBYSCORE nokey x 2 => -ERR min or max is not a float
        ZREMRANGEBYLEX z - [b => :1
        ZREMRANGEBYLEX z a b => -ERR min or max not valid string range item
        ZREMRANGEBYLEX nokey a b => -ERR min or max not valid string range item
        ZRANGE z 0 -1 WITHSCORES => ["d", "4", "e", "5"]
        ZREMRANGEBYRANK z 0 -1 => :2
        EXISTS z => :0
        ZADD z 1 a 2 b => :2
        ZREMRANGEBYSCORE z -inf +inf => :2
        EXISTS z => :0
        ZADD z 0 a 0 b 0 c => :3
        ZREMRANGEBYLEX z - + => :3
        EXISTS z => :0
        SET str x => +OK
        ZREMRANGEBYRANK str 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZREMRANGEBYSCORE str 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZREMRANGEBYLEX str - + => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZREMRANGEBYRANK str a 1 => -ERR value is not an integer or out of range
"#;

/// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD: weights, aggregates, infinities.
const OPS: &str = r#"
        ZADD za{t} 1 a 2 b 3 c => :3
        ZADD zb{t} 1 b 2 c 3 d => :3
        ZADD zc{t} 5 c 6 e => :2
        ZUNION 2 za{t} zb{t} => ["a", "b", "d", "c"]
        ZUNION 2 za{t} zb{t} WITHSCORES => ["a", "1", "b", "3", "d", "3", "c", "5"]
        ZUNION 3 za{t} zb{t} zc{t} WEIGHTS 1 2 3 WITHSCORES => ["a", "1", "b", "4", "d", "6", "e", "18", "c", "22"]
        ZUNION 2 za{t} zb{t} WEIGHTS 1 WITHSCORES => -ERR weight value is not a float
        ZUNION 2 za{t} zb{t} WEIGHTS 1 x WITHSCORES => -ERR weight value is not a float
        ZUNION 2 za{t} zb{t} AGGREGATE MIN WITHSCORES => ["a", "1", "b", "1", "c", "2", "d", "3"]
        ZUNION 2 za{t} zb{t} AGGREGATE MAX WITHSCORES => ["a", "1", "b", "2", "c", "3", "d", "3"]
        ZUNION 2 za{t} zb{t} AGGREGATE foo => -ERR syntax error
        ZUNION 2 za{t} zb{t} AGGREGATE => -ERR syntax error
        ZUNION 0 za{t} => -ERR at least 1 input key is needed for 'zunion' command
        ZUNION -1 za{t} => -ERR at least 1 input key is needed for 'zunion' command
        ZUNION x za{t} => -ERR value is not an integer or out of range
        ZUNION 3 za{t} zb{t} => -ERR syntax error
        ZUNION 1 nokey{t} => []
        ZUNION 1 za{t} WEIGHTS 1.5 WITHSCORES => ["a", "1.5", "b", "3", "c", "4.5"]
        ZUNION 2 za{t} zb{t} WITHSCORES AGGREGATE SUM WEIGHTS 1 1 => ["a", "1", "b", "3", "d", "3", "c", "5"]
        ZINTER 2 za{t} zb{t} WITHSCORES => ["b", "3", "c", "5"]
        ZINTER 3 za{t} zb{t} zc{t} WITHSCORES => ["c", "10"]
        ZINTER 2 za{t} nokey{t} => []
        ZINTER 2 za{t} za{t} WITHSCORES => ["a", "2", "b", "4", "c", "6"]
        ZINTER 2 za{t} zb{t} WEIGHTS 2 3 AGGREGATE MAX WITHSCORES => ["b", "4", "c", "6"]
        ZDIFF 2 za{t} zb{t} WITHSCORES => ["a", "1"]
        ZDIFF 2 za{t} za{t} => []
        ZDIFF 1 za{t} WITHSCORES => ["a", "1", "b", "2", "c", "3"]
        ZDIFF 2 za{t} zb{t} WEIGHTS 1 2 => -ERR syntax error
        ZDIFF 2 za{t} zb{t} AGGREGATE SUM => -ERR syntax error
        ZDIFF 2 nokey{t} za{t} => []
        ZINTERCARD 2 za{t} zb{t} => :2
        ZINTERCARD 2 za{t} zb{t} LIMIT 1 => :1
        ZINTERCARD 2 za{t} zb{t} LIMIT 0 => :2
        ZINTERCARD 2 za{t} zb{t} LIMIT -1 => -ERR LIMIT can't be negative
        ZINTERCARD 2 za{t} zb{t} LIMIT x => -ERR LIMIT can't be negative
        ZINTERCARD 2 za{t} zb{t} WITHSCORES => -ERR syntax error
        ZINTERCARD 1 za{t} za{t} => -ERR syntax error
        ZINTERCARD 1 za{t} LIMIT => -ERR syntax error
        ZINTERCARD 0 za{t} => -ERR at least 1 input key is needed for 'zintercard' command
        ZINTERCARD 2 za{t} nokey{t} => :0
        ZUNIONSTORE dst{t} 2 za{t} zb{t} => :4
        ZRANGE dst{t} 0 -1 WITHSCORES => ["a", "1", "b", "3", "d", "3", "c", "5"]
        ZUNIONSTORE dst{t} 2 za{t} zb{t} WITHSCORES => -ERR syntax error
        ZINTERSTORE dst{t} 2 za{t} zb{t} WEIGHTS 2 3 => :2
        ZRANGE dst{t} 0 -1 WITHSCORES => ["b", "7", "c", "12"]
        ZINTERSTORE dst{t} 2 za{t} nokey{t} => :0
        EXISTS dst{t} => :0
        ZDIFFSTORE dst{t} 2 za{t} zb{t} => :1
        ZRANGE dst{t} 0 -1 WITHSCORES => ["a", "1"]
        ZDIFFSTORE dst{t} 2 za{t} za{t} => :0
        EXISTS dst{t} => :0
        ZUNIONSTORE za{t} 2 za{t} zb{t} => :4
        ZRANGE za{t} 0 -1 WITHSCORES => ["a", "1", "b", "3", "d", "3", "c", "5"]
        SET str{t} x => +OK
        ZUNION 2 za{t} str{t} => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZUNION 2 str{t} nokey{t} WEIGHTS x => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZUNION 3 za{t} str{t} WEIGHTS 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZUNIONSTORE dst{t} 1 str{t} => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZUNIONSTORE str{t} 1 zb{t} => :3
        TYPE str{t} => +zset
        ZADD inf{t} inf a -inf b => :2
        ZADD ninf{t} -inf a inf b => :2
        ZUNION 2 inf{t} ninf{t} WITHSCORES => ["a", "0", "b", "0"]
        ZINTER 2 inf{t} ninf{t} WITHSCORES => ["a", "0", "b", "0"]
        ZUNION 2 inf{t} ninf{t} WEIGHTS 0 1 WITHSCORES => ["a", "-inf", "b", "inf"]
        ZINTER 2 inf{t} ninf{t} WEIGHTS 0 0 WITHSCORES => ["a", "0", "b", "0"]
        ZINTER 2 inf{t} ninf{t} WEIGHTS 0 0 AGGREGATE MIN WITHSCORES => ["a", "0", "b", "0"]
        ZINTER 2 inf{t} ninf{t} WEIGHTS nan 1 => -ERR weight value is not a float
        ZUNIONSTORE out{t} 1 inf{t} WEIGHTS 0 => :2
        ZRANGE out{t} 0 -1 WITHSCORES => ["a", "0", "b", "0"]
        ZADD int{t} 1 1 2 2 3 3 => :3
        ZADD int2{t} 1 2 2 3 3 4 => :3
        ZUNION 2 int{t} int2{t} WITHSCORES => ["1", "1", "2", "3", "4", "3", "3", "5"]
        ZINTER 2 int{t} int2{t} WITHSCORES => ["2", "3", "3", "5"]
"#;

/// ZPOPMIN, ZPOPMAX, ZMPOP and the blocking pops when they need not block.
const POP: &str = r#"
        ZADD z 1 a 2 b 3 c 4 d 5 e => :5
        ZPOPMIN z => ["a", "1"]
        ZPOPMAX z => ["e", "5"]
        ZPOPMIN z 2 => ["b", "2", "c", "3"]
        ZPOPMAX z 0 => []
        ZPOPMAX z 100 => ["d", "4"]
        EXISTS z => :0
        ZPOPMIN nokey => []
        ZPOPMIN nokey 1 => []
        ZPOPMIN nokey -1 => -ERR value is out of range, must be positive
        ZPOPMIN z -1 => -ERR value is out of range, must be positive
        ZPOPMIN z x => -ERR value is out of range, must be positive
        ZPOPMIN z 1 2 => -ERR syntax error
        ZADD z 1 a 2 b 3 c => :3
        ZMPOP 1 z MIN => ["z", [["a", "1"]]]
        ZMPOP 2 nokey z MAX COUNT 10 => ["z", [["c", "3"], ["b", "2"]]]
        ZMPOP 1 z MIN => *-1
        ZMPOP 2 nokey nokey2 MIN COUNT 1 => *-1
        ZADD z 1 a 2 b 3 c => :3
        ZMPOP 0 z MIN => -ERR numkeys should be greater than 0
        ZMPOP a z MIN => -ERR numkeys should be greater than 0
        ZMPOP -1 z MAX => -ERR numkeys should be greater than 0
        ZMPOP 1 z bad => -ERR syntax error
        ZMPOP 1 z MIN bar => -ERR syntax error
        ZMPOP 1 z MAX MIN => -ERR syntax error
        ZMPOP 1 z COUNT => -ERR syntax error
        ZMPOP 1 z MAX COUNT 1 COUNT 2 => -ERR syntax error
        ZMPOP 1 z MIN COUNT 0 => -ERR count should be greater than 0
        ZMPOP 1 z MIN COUNT a => -ERR count should be greater than 0
        ZMPOP 1 z MIN COUNT -1 => -ERR count should be greater than 0
        ZMPOP 2 z MIN => -ERR syntax error
        ZMPOP 9223372036854775807 z MIN => -ERR syntax error
        ZMPOP 1 => -ERR wrong number of arguments for 'zmpop' command
        ZMPOP 1 z => -ERR wrong number of arguments for 'zmpop' command
        SET str x => +OK
        ZPOPMIN str => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZPOPMIN str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZPOPMAX str 2 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZMPOP 1 str MIN => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZMPOP 2 nokey str MAX COUNT 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        ZMPOP 2 z str MIN => ["z", [["a", "1"]]]
        ZADD zz 1 a 2 b 3 c => :3
        BZPOPMIN zz 0 => ["zz", "a", "1"]
        BZPOPMAX nokey zz 0 => ["zz", "c", "3"]
        BZPOPMIN str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BZPOPMIN nokey str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BZPOPMIN nokey -1 => -ERR timeout is negative
        BZPOPMIN nokey x => -ERR timeout is not a float or out of range
        BZMPOP 0 0 nokey MIN => -ERR numkeys should be greater than 0
        BZMPOP x 1 nokey MIN => -ERR timeout is not a float or out of range
        BZMPOP -1 1 nokey MIN => -ERR timeout is negative
        BZMPOP 0 1 nokey bad => -ERR syntax error
        BZMPOP 0 2 nokey zz MAX COUNT 2 => ["zz", [["b", "2"]]]
        EXISTS zz => :0
"#;

/// RESP3 reply shapes: doubles, nulls, score pairs.
const RESP3: &str = r#"
        ZADD z 1 a 2 b 3 c => :3
        ZSCORE z a => ,1
        ZSCORE z nope => nil
        ZMSCORE z a nope => [,1, nil]
        ZINCRBY z 0.5 a => ,1.5
        ZADD z INCR 1 b => ,3
        ZADD z INCR GT -5 b => nil
        ZRANGE z 0 -1 => ["a", "b", "c"]
        ZRANGE z 0 -1 WITHSCORES => [["a", ,1.5], ["b", ,3], ["c", ,3]]
        ZRANGEBYSCORE z -inf +inf WITHSCORES => [["a", ,1.5], ["b", ,3], ["c", ,3]]
        ZREVRANGE z 0 0 WITHSCORES => [["c", ,3]]
        ZRANK z nope => nil
        ZRANGE nokey 0 -1 WITHSCORES => []
        ZUNION 1 z WITHSCORES => [["a", ,1.5], ["b", ,3], ["c", ,3]]
        ZINTER 1 z WITHSCORES => [["a", ,1.5], ["b", ,3], ["c", ,3]]
        ZDIFF 1 z WITHSCORES => [["a", ,1.5], ["b", ,3], ["c", ,3]]
        ZRANDMEMBER z 5 WITHSCORES => [["c", ,3], ["b", ,3], ["a", ,1.5]]
        ZRANDMEMBER z 0 WITHSCORES => []
        ZRANDMEMBER nokey => nil
        ZRANDMEMBER nokey 3 => []
        ZSCAN nokey 0 => ["0", []]
        ZPOPMIN z => ["a", ,1.5]
        ZPOPMIN z 1 => [["b", ,3]]
        ZPOPMAX z 0 => []
        ZPOPMIN nokey 1 => []
        ZMPOP 1 z MIN => ["z", [["c", ,3]]]
        ZMPOP 1 nokey MIN => nil
        ZADD z 1 a 2 b => :2
        BZPOPMIN z 0 => ["z", "a", ,1]
        BZMPOP 0 1 z MAX COUNT 5 => ["z", [["b", ,2]]]
"#;

/// Plain sets as inputs of ZUNION, ZINTER and ZDIFF: every member scores 1.
const SETINPUT: &str = r#"
        SADD seta{t} a b c => :3
        SADD setb{t} 1 2 3 => :3
        ZADD za{t} 2 b 3 c 4 d => :3
        ZADD zn{t} 5 2 6 4 => :2
        ZUNION 2 seta{t} za{t} WITHSCORES => ["a", "1", "b", "3", "c", "4", "d", "4"]
        ZUNION 2 seta{t} za{t} WEIGHTS 2 3 WITHSCORES => ["a", "2", "b", "8", "c", "11", "d", "12"]
        ZINTER 2 seta{t} za{t} WITHSCORES => ["b", "3", "c", "4"]
        ZINTER 2 setb{t} zn{t} WITHSCORES => ["2", "6"]
        ZDIFF 2 seta{t} za{t} WITHSCORES => ["a", "1"]
        ZDIFF 2 za{t} seta{t} WITHSCORES => ["d", "4"]
        ZINTERCARD 2 seta{t} za{t} => :2
        ZUNIONSTORE dst{t} 2 seta{t} setb{t} => :6
        ZRANGE dst{t} 0 -1 WITHSCORES => ["1", "1", "2", "1", "3", "1", "a", "1", "b", "1", "c", "1"]
        OBJECT ENCODING dst{t} => "{enc}"
        ZINTERSTORE dst{t} 2 seta{t} seta{t} WEIGHTS 1 2 => :3
        ZRANGE dst{t} 0 -1 WITHSCORES => ["a", "3", "b", "3", "c", "3"]
        ZDIFFSTORE dst{t} 2 setb{t} zn{t} => :2
        ZRANGE dst{t} 0 -1 WITHSCORES => ["1", "1", "3", "1"]
        ZINTERSTORE dst{t} 2 seta{t} setb{t} => :0
        EXISTS dst{t} => :0
        ZRANGE seta{t} 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        LPUSH list{t} a => :1
        ZUNION 2 seta{t} list{t} => -WRONGTYPE Operation against a key holding the wrong kind of value
        HSET hash{t} a 1 => :1
        ZINTER 1 hash{t} => -WRONGTYPE Operation against a key holding the wrong kind of value
"#;

#[test]
fn zrandmember_huge_negative_count_closes_at_the_output_limit() {
    for (entries, encoding) in [("128", "listpack"), ("0", "skiplist")] {
        let mut c = scarlet_server::testkit::TestServer::new().client();
        c.script(&format!(
            "CONFIG SET zset-max-listpack-entries {entries} => +OK"
        ));
        c.script(
            r#"
            CONFIG SET client-output-buffer-limit "normal 1mb 0 0" => +OK
            ZADD z 1 a => :1
        "#,
        );
        c.script(&format!(r#"OBJECT ENCODING z => "{encoding}""#));
        c.script("ZRANDMEMBER z -9223372036854775807 => (closed)");
    }
}
