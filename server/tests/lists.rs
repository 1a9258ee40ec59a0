//! The list family through the real dispatcher: every command, option and error path.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation). Node layouts (fill, compression, plain
//! nodes) do not show in replies, so the sessions that exercise them run under several
//! list settings and compare with a model.

use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestClient, TestServer};

/// A server where DEBUG is allowed and lists get the given node settings.
fn server(fill: i32, depth: u32) -> TestServer {
    TestServer::with_config(|config| {
        config.enable_debug_command = ProtectedAction::Yes;
        config.list_max_listpack_size = fill;
        config.list_compress_depth = depth;
    })
}

/// The list's elements, through LRANGE.
fn lrange(c: &mut TestClient, key: &str) -> String {
    c.run_line(&format!("LRANGE {key} 0 -1"))
}

/// Pushes at both ends, LPUSHX/RPUSHX on missing keys, pops with and without a count
/// (the emptied list is deleted), integers and odd strings kept as given.
#[test]
fn pushes_and_pops() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH l a b c => :3
        LPUSH l z y => :5
        LRANGE l 0 -1 => ["y", "z", "a", "b", "c"]
        LLEN l => :5
        LPUSHX l x => :6
        RPUSHX l d e => :8
        LPUSHX nokey x => :0
        RPUSHX nokey x => :0
        EXISTS nokey => :0
        LPOP l => "x"
        RPOP l => "e"
        LPOP l 2 => ["y", "z"]
        RPOP l 2 => ["d", "c"]
        LPOP l 0 => []
        LRANGE l 0 -1 => ["a", "b"]
        RPOP l 9223372036854775807 => ["b", "a"]
        EXISTS l => :0
        LPOP l => nil
        RPOP l 3 => *-1
        LPOP l 0 => *-1
        RPUSH n 1 -1 12345678901234567890 3.5 "" 007 => :6
        LRANGE n 0 -1 => ["1", "-1", "12345678901234567890", "3.5", "", "007"]
        RPOP n 10 => ["007", "", "3.5", "12345678901234567890", "-1", "1"]
        LPUSH l => -ERR wrong number of arguments for 'lpush' command
        LPUSH => -ERR wrong number of arguments for 'lpush' command
        LPOP l 1 2 => -ERR wrong number of arguments for 'lpop' command
        RPOP l -1 => -ERR value is out of range, must be positive
        RPOP l 1.5 => -ERR value is out of range, must be positive
        LLEN => -ERR wrong number of arguments for 'llen' command
    "#,
    );
}

/// LRANGE's clamping and LINDEX at both ends and past them, with extreme numbers.
#[test]
fn ranges_and_indexes() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH l a b c d e => :5
        LRANGE l 0 0 => ["a"]
        LRANGE l -1 -1 => ["e"]
        LRANGE l 1 -2 => ["b", "c", "d"]
        LRANGE l -100 1 => ["a", "b"]
        LRANGE l 3 100 => ["d", "e"]
        LRANGE l 4 2 => []
        LRANGE l 5 10 => []
        LRANGE l 0 -6 => []
        LRANGE l -9223372036854775808 9223372036854775807 => ["a", "b", "c", "d", "e"]
        LRANGE l 9223372036854775807 9223372036854775807 => []
        LRANGE l 0 9223372036854775808 => -ERR value is not an integer or out of range
        LRANGE l x 1 => -ERR value is not an integer or out of range
        LRANGE nokey 0 -1 => []
        LRANGE nokey x 1 => -ERR value is not an integer or out of range
        LINDEX l 0 => "a"
        LINDEX l 4 => "e"
        LINDEX l 5 => nil
        LINDEX l -5 => "a"
        LINDEX l -6 => nil
        LINDEX l -9223372036854775808 => nil
        LINDEX l 9223372036854775807 => nil
        LINDEX l 1x => -ERR value is not an integer or out of range
        LINDEX nokey 1x => nil
        LLEN nokey => :0
    "#,
    );
}

/// LSET's two errors, LINSERT on either side of the first match, LREM from either end,
/// LTRIM down to nothing (the key goes).
#[test]
fn lset_linsert_lrem_ltrim() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH l a b c b a => :5
        LSET l 0 A => +OK
        LSET l -1 E => +OK
        LSET l 2 3 => +OK
        LSET l 5 x => -ERR index out of range
        LSET l -6 x => -ERR index out of range
        LSET l x y => -ERR value is not an integer or out of range
        LSET nokey 0 x => -ERR no such key
        LSET nokey x x => -ERR no such key
        LRANGE l 0 -1 => ["A", "b", "3", "b", "E"]
        LINSERT l BEFORE b B0 => :6
        LINSERT l after b B1 => :7
        LINSERT l AFTER 3 three => :8
        LINSERT l before 03 x => :-1
        LINSERT l before nope x => :-1
        LINSERT l between b x => -ERR syntax error
        LINSERT nokey before b x => :0
        LINSERT nokey between b x => -ERR syntax error
        LRANGE l 0 -1 => ["A", "B0", "b", "B1", "3", "three", "b", "E"]
        LREM l 0 b => :2
        LREM l -1 three => :1
        LREM l 1 nope => :0
        LREM l x b => -ERR value is not an integer or out of range
        LREM nokey 1 b => :0
        RPUSH r x y x y x y => :6
        LREM r 2 x => :2
        LRANGE r 0 -1 => ["y", "y", "x", "y"]
        LREM r -1 y => :1
        LRANGE r 0 -1 => ["y", "y", "x"]
        LREM r -9223372036854775808 y => :2
        LREM r 0 x => :1
        EXISTS r => :0
        LRANGE l 0 -1 => ["A", "B0", "B1", "3", "E"]
        LTRIM l 1 -2 => +OK
        LRANGE l 0 -1 => ["B0", "B1", "3"]
        LTRIM l -100 100 => +OK
        LRANGE l 0 -1 => ["B0", "B1", "3"]
        LTRIM l 0 0 => +OK
        LRANGE l 0 -1 => ["B0"]
        LTRIM l 1 0 => +OK
        EXISTS l => :0
        LTRIM nokey 0 1 => +OK
        LTRIM nokey x 1 => -ERR value is not an integer or out of range
        RPUSH t 1 2 3 => :3
        LTRIM t x 1 => -ERR value is not an integer or out of range
        LTRIM t 0 y => -ERR value is not an integer or out of range
        LTRIM t 2 1 => +OK
        EXISTS t => :0
    "#,
    );
}

/// LPOS with RANK (the most negative rank as Redis treats it), COUNT and MAXLEN, and its errors.
#[test]
fn lpos_options() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH l a b c 1 2 3 c c => :8
        LPOS l c => :2
        LPOS l 3 => :5
        LPOS l 03 => nil
        LPOS l nope => nil
        LPOS l c RANK 2 => :6
        LPOS l c RANK -1 => :7
        LPOS l c RANK -3 => :2
        LPOS l c RANK 4 => nil
        LPOS l c RANK -9223372036854775808 => :7
        LPOS l c RANK 9223372036854775807 => nil
        LPOS l c COUNT 0 => [:2, :6, :7]
        LPOS l c COUNT 2 => [:2, :6]
        LPOS l c COUNT 9223372036854775807 => [:2, :6, :7]
        LPOS l c COUNT 0 RANK -1 => [:7, :6, :2]
        LPOS l c COUNT 0 RANK 2 => [:6, :7]
        LPOS l c COUNT 1 MAXLEN 2 => []
        LPOS l c MAXLEN 3 => :2
        LPOS l c MAXLEN 2 => nil
        LPOS l c RANK -1 MAXLEN 1 => :7
        LPOS l c RANK 0 => -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
        LPOS l c RANK x => -ERR value is not an integer or out of range
        LPOS l c COUNT -1 => -ERR COUNT can't be negative
        LPOS l c COUNT x => -ERR COUNT can't be negative
        LPOS l c MAXLEN -1 => -ERR MAXLEN can't be negative
        LPOS l c MAXLEN x => -ERR MAXLEN can't be negative
        LPOS l c RANK => -ERR syntax error
        LPOS l c FOO 1 => -ERR syntax error
        LPOS l c RANK 1 RANK 2 => :6
        LPOS nokey c => nil
        LPOS nokey c COUNT 1 => []
        LPOS nokey c RANK 0 => -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
    "#,
    );
}

/// LMOVE in all four directions, onto the same list, RPOPLPUSH, and type checks of both keys
/// before anything moves.
#[test]
fn moves_between_lists() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH src a b c d => :4
        LMOVE src dst LEFT RIGHT => "a"
        LMOVE src dst RIGHT LEFT => "d"
        LMOVE src dst left left => "b"
        LMOVE src dst right right => "c"
        EXISTS src => :0
        LRANGE dst 0 -1 => ["b", "d", "a", "c"]
        LMOVE src dst LEFT RIGHT => nil
        LMOVE dst dst LEFT RIGHT => "b"
        LRANGE dst 0 -1 => ["d", "a", "c", "b"]
        LMOVE dst dst RIGHT LEFT => "b"
        LRANGE dst 0 -1 => ["b", "d", "a", "c"]
        LMOVE dst dst2 UP LEFT => -ERR syntax error
        LMOVE dst dst2 LEFT DOWN => -ERR syntax error
        LMOVE nokey dst2 UP LEFT => -ERR syntax error
        RPOPLPUSH dst dst2 => "c"
        RPOPLPUSH dst dst => "a"
        LRANGE dst 0 -1 => ["a", "b", "d"]
        RPOPLPUSH nokey dst => nil
        RPUSH one x => :1
        RPOPLPUSH one one => "x"
        LRANGE one 0 -1 => ["x"]
        SET str v => +OK
        LMOVE str dst LEFT LEFT => -WRONGTYPE Operation against a key holding the wrong kind of value
        LMOVE dst str LEFT LEFT => -WRONGTYPE Operation against a key holding the wrong kind of value
        RPOPLPUSH dst str => -WRONGTYPE Operation against a key holding the wrong kind of value
        RPOPLPUSH nokey str => nil
        LRANGE dst 0 -1 => ["a", "b", "d"]
    "#,
    );
}

/// LMPOP takes from the first non-empty list, and its argument errors.
#[test]
fn lmpop_first_non_empty_list() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH a 1 2 3 => :3
        RPUSH b x y => :2
        LMPOP 2 nokey a LEFT => ["a", ["1"]]
        LMPOP 2 nokey a RIGHT COUNT 5 => ["a", ["3", "2"]]
        EXISTS a => :0
        LMPOP 3 a nokey b left count 1 => ["b", ["x"]]
        LMPOP 1 b right COUNT 9223372036854775807 => ["b", ["y"]]
        LMPOP 1 b left => *-1
        LMPOP 0 a left => -ERR numkeys should be greater than 0
        LMPOP -1 a left => -ERR numkeys should be greater than 0
        LMPOP x a left => -ERR numkeys should be greater than 0
        LMPOP 9223372036854775807 a left => -ERR syntax error
        LMPOP 3 a left => -ERR syntax error
        LMPOP 1 a middle => -ERR syntax error
        LMPOP 1 a left COUNT 0 => -ERR count should be greater than 0
        LMPOP 1 a left COUNT -1 => -ERR count should be greater than 0
        LMPOP 1 a left COUNT x => -ERR count should be greater than 0
        LMPOP 1 a left COUNT => -ERR syntax error
        LMPOP 1 a left COUNT 1 COUNT 1 => -ERR syntax error
        LMPOP 1 a left extra => -ERR syntax error
        LMPOP 1 a => -ERR wrong number of arguments for 'lmpop' command
        SET s v => +OK
        RPUSH c 1 => :1
        LMPOP 2 s c left => -WRONGTYPE Operation against a key holding the wrong kind of value
        LMPOP 2 c s left => ["c", ["1"]]
        LMPOP 2 s c left => -WRONGTYPE Operation against a key holding the wrong kind of value
    "#,
    );
}

/// Every list command refuses another type, and string commands refuse a list.
#[test]
fn wrong_types() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET s v => +OK
        LPUSH s a => -WRONGTYPE Operation against a key holding the wrong kind of value
        RPUSH s a => -WRONGTYPE Operation against a key holding the wrong kind of value
        LPUSHX s a => -WRONGTYPE Operation against a key holding the wrong kind of value
        RPUSHX s a => -WRONGTYPE Operation against a key holding the wrong kind of value
        LPOP s => -WRONGTYPE Operation against a key holding the wrong kind of value
        RPOP s 2 => -WRONGTYPE Operation against a key holding the wrong kind of value
        LLEN s => -WRONGTYPE Operation against a key holding the wrong kind of value
        LRANGE s 0 -1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        LINDEX s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        LSET s 0 a => -WRONGTYPE Operation against a key holding the wrong kind of value
        LINSERT s before a b => -WRONGTYPE Operation against a key holding the wrong kind of value
        LREM s 0 a => -WRONGTYPE Operation against a key holding the wrong kind of value
        LTRIM s 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        LPOS s a => -WRONGTYPE Operation against a key holding the wrong kind of value
        RPUSH l a => :1
        GET l => -WRONGTYPE Operation against a key holding the wrong kind of value
        APPEND l x => -WRONGTYPE Operation against a key holding the wrong kind of value
        INCR l => -WRONGTYPE Operation against a key holding the wrong kind of value
        STRLEN l => -WRONGTYPE Operation against a key holding the wrong kind of value
        SETRANGE l 0 x => -WRONGTYPE Operation against a key holding the wrong kind of value
        GETRANGE l 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    "#,
    );
}

/// TYPE, OBJECT ENCODING, DEBUG DIGEST-VALUE, a deep COPY, RENAME, MOVE, and a TTL that
/// stays with the list until it empties.
#[test]
fn generic_commands_on_lists() {
    let mut c = server(-2, 0).client();
    c.script(
        r#"
        RPUSH l a b 1 => :3
        TYPE l => +list
        OBJECT ENCODING l => "quicklist"
        DEBUG DIGEST-VALUE l => [+981fd62c1655c074205cff40b800bd5a5bfdcd41]
        COPY l l2 => :1
        RPUSH l2 c => :4
        LRANGE l 0 -1 => ["a", "b", "1"]
        LRANGE l2 0 -1 => ["a", "b", "1", "c"]
        DEBUG DIGEST-VALUE l2 => [+c4a8a02111509d350dc1370a4bb1e7816a0d6837]
        COPY l l2 => :0
        COPY l l2 REPLACE => :1
        LRANGE l2 0 -1 => ["a", "b", "1"]
        RENAME l l3 => +OK
        LRANGE l3 0 -1 => ["a", "b", "1"]
        EXISTS l => :0
        MOVE l3 1 => :1
        SELECT 1 => +OK
        LRANGE l3 0 -1 => ["a", "b", "1"]
        TYPE l3 => +list
        DEL l3 => :1
        SELECT 0 => +OK
        EXPIRE l2 100 => :1
        LPUSH l2 x => :4
        TTL l2 => :100
        RPOP l2 4 => ["1", "b", "a", "x"]
        EXISTS l2 => :0
    "#,
    );
}

/// Null replies in RESP3: a missing list, a pop with a count, LPOS, the moves, LMPOP.
#[test]
fn resp3_nulls() {
    let mut c = TestServer::new().client();
    c.resp3();
    c.script(
        r#"
        RPUSH l a => :1
        LPOP nokey => nil
        LPOP nokey 1 => nil
        RPOP nokey 0 => nil
        LINDEX nokey 0 => nil
        LINDEX l 5 => nil
        LPOS l z => nil
        LPOS nokey z => nil
        LPOS nokey z COUNT 1 => []
        LMOVE nokey l LEFT LEFT => nil
        RPOPLPUSH nokey l => nil
        LMPOP 1 nokey LEFT => nil
        LPOP l 0 => []
        LRANGE nokey 0 1 => []
    "#,
    );
}

/// The node settings the suite runs lists under: entry counts, byte sizes, compression.
const SETTINGS: &[(i32, u32)] = &[(-2, 0), (1, 2), (5, 1), (-1, 0), (128, 3), (2, 0)];

/// A model of the list and the same operations on the server, under every setting: big
/// and small, compressible and not, elements pushed, inserted, replaced, removed, trimmed.
#[test]
fn operations_match_a_model_under_every_node_setting() {
    for &(fill, depth) in SETTINGS {
        let mut c = server(fill, depth).client();
        let mut model: Vec<String> = Vec::new();
        let mut seed = 12345u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n.max(1)
        };
        for step in 0..1500 {
            let value = match next(5) {
                0 => "a".repeat(200 + next(400)),
                1 => next(100000).to_string(),
                2 => format!("v{}", next(30)),
                3 => (0..next(40))
                    .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
                    .collect(),
                _ => format!("{:x}", next(1 << 30)),
            };
            let len = model.len();
            let reply = match next(10) {
                0..=2 => {
                    model.push(value.clone());
                    c.cmd(&["RPUSH", "l", &value])
                }
                3 | 4 => {
                    model.insert(0, value.clone());
                    c.cmd(&["LPUSH", "l", &value])
                }
                5 if len > 0 => {
                    let pivot = model[next(len)].clone();
                    let at = model.iter().position(|v| *v == pivot).unwrap_or(0);
                    let after = next(2) == 0;
                    model.insert(if after { at + 1 } else { at }, value.clone());
                    let side = if after { "AFTER" } else { "BEFORE" };
                    c.cmd(&["LINSERT", "l", side, &pivot, &value])
                }
                6 if len > 0 => {
                    let index = next(len);
                    model[index] = value.clone();
                    c.cmd(&["LSET", "l", &index.to_string(), &value])
                }
                7 if len > 0 => {
                    let target = model[next(len)].clone();
                    let before = model.len();
                    model.retain(|v| *v != target);
                    let removed = before - model.len();
                    let reply = c.cmd(&["LREM", "l", "0", &target]);
                    assert_eq!(
                        format!("{reply:?}"),
                        format!("{:?}", scarlet_protocol::Frame::Integer(removed as i64))
                    );
                    reply
                }
                8 if len > 10 && next(4) == 0 => {
                    let start = next(5);
                    let stop = len - 1 - next(5);
                    model = model[start..=stop].to_vec();
                    c.cmd(&["LTRIM", "l", &start.to_string(), &stop.to_string()])
                }
                _ if len > 0 => {
                    if next(2) == 0 {
                        model.remove(0);
                        c.cmd(&["LPOP", "l"])
                    } else {
                        model.pop();
                        c.cmd(&["RPOP", "l"])
                    }
                }
                _ => continue,
            };
            assert!(
                !matches!(reply, scarlet_protocol::Frame::Error(_)),
                "step {step}: {reply:?}"
            );
            if step % 100 == 0 || model.len() < 3 {
                let expected = scarlet_server::testkit::render(&scarlet_protocol::Frame::Array(
                    model
                        .iter()
                        .map(|v| scarlet_protocol::Frame::Bulk(v.clone().into_bytes()))
                        .collect(),
                ));
                assert_eq!(
                    lrange(&mut c, "l"),
                    expected,
                    "fill {fill} depth {depth} step {step}"
                );
            }
        }
        for (i, v) in model.iter().enumerate().step_by(37) {
            assert_eq!(
                c.cmd(&["LINDEX", "l", &i.to_string()]),
                scarlet_protocol::Frame::Bulk(v.clone().into_bytes())
            );
        }
    }
}

/// The suite's plain-node sessions: with a tiny packed threshold every element gets a node
/// of its own, and replacing or inserting across packed and plain nodes keeps the order.
#[test]
fn plain_nodes_from_a_small_packed_threshold() {
    for &(fill, depth) in SETTINGS {
        let mut c = server(fill, depth).client();
        c.script(
            r#"
            DEBUG QUICKLIST-PACKED-THRESHOLD 1b => +OK
            LPUSH lst xxxxxxxxxxx => :1
            LPUSH lst 9 => :2
            LPUSH lst xxxxxxxxxxx => :3
            LINSERT lst before 9 8 => :4
            LINDEX lst 1 => "8"
            LINSERT lst BEFORE 9 7 => :5
            LINSERT lst BEFORE 9 xxxxxxxxxxx => :6
            LINDEX lst 3 => "xxxxxxxxxxx"
            LRANGE lst 0 -1 => ["xxxxxxxxxxx", "8", "7", "xxxxxxxxxxx", "9", "xxxxxxxxxxx"]
            LREM lst -2 xxxxxxxxxxx => :2
            LTRIM lst 1 -1 => +OK
            LRANGE lst 0 -1 => ["8", "7", "9"]
            DEBUG QUICKLIST-PACKED-THRESHOLD 5b => +OK
            RPUSH lst2 aa bb cc dd ee => :5
            LSET lst2 2 xxxxxxxxxx => +OK
            LRANGE lst2 0 -1 => ["aa", "bb", "xxxxxxxxxx", "dd", "ee"]
            LSET lst2 2 cc => +OK
            LSET lst2 0 yyyyyyyyyy => +OK
            LSET lst2 -1 zzzzzzzzzz => +OK
            LRANGE lst2 0 -1 => ["yyyyyyyyyy", "bb", "cc", "dd", "zzzzzzzzzz"]
            LPOS lst2 zzzzzzzzzz => :4
            LMOVE lst2 lst3 LEFT RIGHT => "yyyyyyyyyy"
            LMOVE lst2 lst3 RIGHT LEFT => "zzzzzzzzzz"
            LRANGE lst3 0 -1 => ["zzzzzzzzzz", "yyyyyyyyyy"]
            DEBUG QUICKLIST-PACKED-THRESHOLD 10b => +OK
            LPUSH lst4 aa => :1
            LPUSH lst4 bb => :2
            LSET lst4 -2 xxxxxxxxxx => +OK
            RPOP lst4 => "aa"
            LRANGE lst4 0 -1 => ["xxxxxxxxxx"]
            DEBUG QUICKLIST-PACKED-THRESHOLD 0 => +OK
            DEBUG QUICKLIST-PACKED-THRESHOLD 4gb => -ERR argument must be a memory value bigger than 1 and smaller than 4gb
            DEBUG QUICKLIST-PACKED-THRESHOLD -1 => -ERR argument must be a memory value bigger than 1 and smaller than 4gb
            DEBUG QUICKLIST-PACKED-THRESHOLD 1x => -ERR argument must be a memory value bigger than 1 and smaller than 4gb
        "#,
        );
    }
}

/// Long compressible elements under compression: the inner nodes are compressed, and
/// every command still sees the elements (the suite's "check compression" sessions).
#[test]
fn compressed_inner_nodes_stay_readable() {
    let mut c = server(1, 2).client();
    let value = |ch: char| ch.to_string().repeat(500);
    for ch in ['a', 'b', 'c', 'd'] {
        c.cmd(&["LPUSH", "list1", &value(ch)]);
    }
    for ch in ['e', 'f', 'g', 'j'] {
        c.cmd(&["LINSERT", "list1", "AFTER", &value('d'), &value(ch)]);
    }
    for ch in ['d', 'j', 'g', 'f', 'e', 'c', 'b', 'a'] {
        assert_eq!(
            c.cmd(&["LPOP", "list1"]),
            scarlet_protocol::Frame::Bulk(value(ch).into_bytes())
        );
    }
    c.cmd(&["LPUSH", "list2", &value('a')]);
    c.cmd(&["LINSERT", "list2", "AFTER", &value('a'), &value('b')]);
    c.cmd(&["RPUSH", "list2", &value('c')]);
    assert_eq!(
        c.cmd(&["LINDEX", "list2", "1"]),
        scarlet_protocol::Frame::Bulk(value('b').into_bytes())
    );
    c.script("LTRIM list2 1 -1 => +OK\nLLEN list2 => :2");
    for i in 0..20 {
        c.cmd(&["RPUSH", "list3", &format!("{i}{}", value('x'))]);
    }
    let object = c.run_line("DEBUG OBJECT list3");
    assert!(
        object.contains(" ql_nodes:20 ql_avg_node:1.00 ql_listpack_max:1 ql_compressed:1 "),
        "{object}"
    );
    assert_eq!(
        c.cmd(&["LINDEX", "list3", "10"]),
        scarlet_protocol::Frame::Bulk(format!("10{}", value('x')).into_bytes())
    );
    assert_eq!(c.run_line("LSET list3 10 new"), "+OK");
    let around = c.run_line("LRANGE list3 9 11");
    assert!(
        around.starts_with("[\"9xxx") && around.contains(", \"new\", \"11xxx"),
        "{around}"
    );
}

/// Counts far beyond the list's length are served without reserving room for them.
#[test]
fn huge_counts_do_not_preallocate() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH l a b c => :3
        LRANGE l 0 9223372036854775807 => ["a", "b", "c"]
        LPOS l a COUNT 9223372036854775807 MAXLEN 9223372036854775807 => [:0]
        LMPOP 1 l LEFT COUNT 9223372036854775807 => ["l", ["a", "b", "c"]]
        RPUSH l a => :1
        RPOP l 9223372036854775807 => ["a"]
        LREM l 9223372036854775807 a => :0
    "#,
    );
}

/// Replies a blocked client got since it was last read, in the script notation.
fn pending(c: &mut TestClient) -> String {
    scarlet_server::testkit::render_bytes(&c.resume())
}

/// BLPOP and BRPOP serve at once when a list has elements, else wait; a push serves the
/// waiting clients first come, first served, one element each.
#[test]
fn blocking_pops_wait_for_a_push() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut b = server.client();
    let mut c = server.client();
    c.script(
        r#"
        RPUSH l1 x => :1
        BLPOP nokey l1 0 => ["l1", "x"]
        EXISTS l1 => :0
    "#,
    );
    assert_eq!(a.run_line("BLPOP l1 l2 0"), "");
    assert_eq!(b.run_line("BRPOP l2 0"), "");
    assert!(c.run_line("INFO clients").contains("blocked_clients:2"));
    c.script("RPUSH l2 a b c => :3");
    assert_eq!(pending(&mut a), r#"["l2", "a"]"#);
    assert_eq!(pending(&mut b), r#"["l2", "c"]"#);
    c.script(
        r#"
        LRANGE l2 0 -1 => ["b"]
        DEL l2 => :1
    "#,
    );
    assert!(c.run_line("INFO clients").contains("blocked_clients:0"));
    // Served clients go on with their input.
    a.script("PING => +PONG");
}

/// BLMOVE and BRPOPLPUSH wait on the source; the element moved to a destination that
/// another client waits on serves that client too (the suite's "Linked LMOVEs").
#[test]
fn blocking_moves_chain() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut b = server.client();
    let mut c = server.client();
    assert_eq!(a.run_line("BLMOVE list1 list2 RIGHT LEFT 0"), "");
    assert_eq!(b.run_line("BLMOVE list2 list3 LEFT RIGHT 0"), "");
    c.script("RPUSH list1 foo => :1");
    assert_eq!(pending(&mut a), r#""foo""#);
    assert_eq!(pending(&mut b), r#""foo""#);
    c.script(
        r#"
        EXISTS list1 list2 => :0
        LRANGE list3 0 -1 => ["foo"]
    "#,
    );
    // Onto itself: the element comes back.
    assert_eq!(a.run_line("BRPOPLPUSH blist blist 0"), "");
    c.script("RPUSH blist foo => :1");
    assert_eq!(pending(&mut a), r#""foo""#);
    c.script("LRANGE blist 0 -1 => [\"foo\"]");
}

/// A destination of the wrong type is found when the element arrives: the waiting client
/// gets the error and the source keeps its elements.
#[test]
fn blocking_move_onto_the_wrong_type() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut c = server.client();
    c.script("SET target nolist => +OK");
    assert_eq!(a.run_line("BRPOPLPUSH blist target 0"), "");
    c.script("RPUSH blist a b c => :3");
    assert_eq!(
        pending(&mut a),
        "-WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    c.script("LRANGE blist 0 -1 => [\"a\", \"b\", \"c\"]");
}

/// BLMPOP takes up to COUNT elements from the first list that gets some.
#[test]
fn blocking_mpop() {
    let server = TestServer::new();
    let mut a = server.client();
    let mut c = server.client();
    c.script(
        r#"
        RPUSH l1 a b c => :3
        BLMPOP 0 2 nokey l1 RIGHT COUNT 2 => ["l1", ["c", "b"]]
        BLMPOP 0 0 l1 LEFT => -ERR numkeys should be greater than 0
        BLMPOP x 1 l1 LEFT => -ERR timeout is not a float or out of range
        BLMPOP -1 1 l1 LEFT => -ERR timeout is negative
        BLMPOP 0 1 l1 MIDDLE => -ERR syntax error
    "#,
    );
    assert_eq!(a.run_line("BLMPOP 0 2 e1 e2 LEFT COUNT 10"), "");
    c.script("LPUSH e2 x y => :2");
    assert_eq!(pending(&mut a), r#"["e2", ["y", "x"]]"#);
}

/// Errors come before any wait: the timeout's, the types', and the arguments'.
#[test]
fn blocking_argument_errors() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET s v => +OK
        BLPOP nokey abc => -ERR timeout is not a float or out of range
        BLPOP nokey -1 => -ERR timeout is negative
        BRPOP nokey 1e20 => -ERR timeout is negative
        BLPOP s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BLPOP nokey s 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BLMOVE s x LEFT LEFT 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BLMOVE nokey x UP LEFT abc => -ERR syntax error
        BLMOVE nokey x LEFT LEFT abc => -ERR timeout is not a float or out of range
        BRPOPLPUSH nokey x abc => -ERR timeout is not a float or out of range
        RPUSH l a => :1
        BLMOVE l s LEFT LEFT 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BLPOP l 0 => ["l", "a"]
        BLPOP => -ERR wrong number of arguments for 'blpop' command
        BLPOP k => -ERR wrong number of arguments for 'blpop' command
        BLMPOP 0 1 => -ERR wrong number of arguments for 'blmpop' command
    "#,
    );
}

/// A wait that times out gets a null array, in RESP2 and RESP3, whatever the command.
#[test]
fn blocking_timeouts() {
    let server = TestServer::new();
    let mut a = server.client();
    for (line, resp3) in [
        ("BLPOP nokey 0.01", false),
        ("BLMOVE nokey x LEFT LEFT 0.01", false),
        ("BLMPOP 0.01 1 nokey LEFT", true),
        ("BRPOPLPUSH nokey x 0.01", true),
    ] {
        if resp3 {
            a.resp3();
        }
        assert_eq!(a.run_line(line), "");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut got = String::new();
        while got.is_empty() && std::time::Instant::now() < deadline {
            std::thread::yield_now();
            got = pending(&mut a);
        }
        assert_eq!(got, if resp3 { "nil" } else { "*-1" }, "{line}");
    }
}
