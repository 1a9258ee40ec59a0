//! The set family through the real dispatcher: every command, its errors and edge cases,
//! encodings and their conversions, and the generic key commands on sets.
//!
//! Script rows hold Redis 7.0.15's replies to the same session. Tests that matter for
//! both encodings run one body per encoding: the sets are built with integers only
//! (an intset), or with the same integers after a string member came and went (a hash
//! table, since the conversion is one-way). A hash table's order depends on its random
//! seed, so those replies are compared sorted; random picks are checked by property.

use std::collections::{BTreeSet, HashMap};

use scarlet_protocol::Frame;
use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestClient, TestServer, render};

/// The two encodings a test body runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Intset,
    Hashtable,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Intset => "intset",
            Encoding::Hashtable => "hashtable",
        }
    }
}

/// Runs `body` once per encoding, each on a fresh server.
fn each_encoding(body: impl Fn(&mut TestClient, Encoding)) {
    for encoding in [Encoding::Intset, Encoding::Hashtable] {
        let mut c = TestServer::new().client();
        body(&mut c, encoding);
    }
}

/// Creates `key` holding `members` (integers) in `encoding`.
fn fill(c: &mut TestClient, key: &str, members: &[i64], encoding: Encoding) {
    c.cmd(&["DEL", key]);
    let mut args = vec!["SADD".to_string(), key.to_string()];
    args.extend(members.iter().map(i64::to_string));
    c.cmd(&args);
    if encoding == Encoding::Hashtable {
        c.cmd(&["SADD", key, "not-an-integer"]);
        c.cmd(&["SREM", key, "not-an-integer"]);
    }
    assert_eq!(
        render(&c.cmd(&["OBJECT", "ENCODING", key])),
        format!("\"{}\"", encoding.name()),
        "{key}"
    );
}

/// The members of an array or set reply, as strings.
fn members_of(frame: &Frame) -> Vec<String> {
    match frame {
        Frame::Array(items) | Frame::Set(items) => items
            .iter()
            .map(|item| match item {
                Frame::Bulk(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                other => render(other),
            })
            .collect(),
        Frame::Bulk(bytes) => vec![String::from_utf8_lossy(bytes).into_owned()],
        other => vec![render(other)],
    }
}

/// A reply's members, sorted (hash tables reply in seed order).
fn sorted(c: &mut TestClient, line: &str) -> Vec<String> {
    let mut members = members_of(&c.line(line));
    members.sort();
    members
}

fn strings(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| (*s).to_string()).collect();
    v.sort();
    v
}

#[test]
fn membership_basics() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD s 3 1 2 => :3
        SADD s 2 4 => :1
        SCARD s => :4
        SISMEMBER s 2 => :1
        SISMEMBER s 5 => :0
        SISMEMBER s 02 => :0
        SMISMEMBER s 1 5 4 x => [:1, :0, :1, :0]
        SMISMEMBER nokey a b => [:0, :0]
        SMEMBERS s => ["1", "2", "3", "4"]
        OBJECT ENCODING s => "intset"
        TYPE s => +set
        SCARD nokey => :0
        SISMEMBER nokey a => :0
        SMEMBERS nokey => []
        SADD s => -ERR wrong number of arguments for 'sadd' command
        SREM s => -ERR wrong number of arguments for 'srem' command
        SMISMEMBER s => -ERR wrong number of arguments for 'smismember' command
        SCARD => -ERR wrong number of arguments for 'scard' command
        SISMEMBER s => -ERR wrong number of arguments for 'sismember' command
        SMEMBERS s s => -ERR wrong number of arguments for 'smembers' command
        SREM s 9 4 4 => :1
        SREM nokey a => :0
        SREM s 1 2 3 4 5 => :3
        EXISTS s => :0
        SADD e "" => :1
        SISMEMBER e "" => :1
        SMEMBERS e => [""]
        OBJECT ENCODING e => "hashtable"
        SADD bin "a\x00b" => :1
        SISMEMBER bin "a\x00b" => :1
        SISMEMBER bin a => :0
    "#,
    );
}

#[test]
fn membership_in_both_encodings() {
    each_encoding(|c, encoding| {
        fill(c, "s", &[16, 17, -5, 70_000, 5_000_000_000], encoding);
        c.script(
            r#"
            SCARD s => :5
            SISMEMBER s 16 => :1
            SISMEMBER s 5000000000 => :1
            SISMEMBER s 18 => :0
            SISMEMBER s 016 => :0
            SISMEMBER s +16 => :0
            SISMEMBER s foo => :0
            SMISMEMBER s 16 18 -5 => [:1, :0, :1]
            SADD s 16 17 => :0
            SADD s 18 => :1
            SREM s 18 19 => :1
            SREM s 70000 => :1
            SCARD s => :4
            "#,
        );
        assert_eq!(
            sorted(c, "SMEMBERS s"),
            strings(&["-5", "16", "17", "5000000000"])
        );
        c.script("SREM s 16 17 -5 5000000000 99 => :4\nEXISTS s => :0");
    });
}

#[test]
fn encodings_convert_as_redis_does() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD s 1 2 3 => :3
        OBJECT ENCODING s => "intset"
        SADD s a => :1
        OBJECT ENCODING s => "hashtable"
        SREM s a => :1
        OBJECT ENCODING s => "hashtable"
        SADD big 213244124402402314402033402 => :1
        OBJECT ENCODING big => "hashtable"
        SISMEMBER big 213244124402402314402033402 => :1
        SADD m 9223372036854775807 -9223372036854775808 => :2
        OBJECT ENCODING m => "intset"
        SMEMBERS m => ["-9223372036854775808", "9223372036854775807"]
        SADD lz 01 => :1
        OBJECT ENCODING lz => "hashtable"
        SADD p +1 => :1
        OBJECT ENCODING p => "hashtable"
        SADD mixed 1 a => :2
        OBJECT ENCODING mixed => "hashtable"
        SADD first a 1 => :2
        OBJECT ENCODING first => "hashtable"
    "#,
    );
    let all: Vec<String> = (0..512).map(|n| n.to_string()).collect();
    c.check(&[
        (format!("SADD lim {}", all.join(" ")), ":512".to_string()),
        ("OBJECT ENCODING lim".into(), "\"intset\"".into()),
        ("SADD lim 511".into(), ":0".into()),
        ("OBJECT ENCODING lim".into(), "\"intset\"".into()),
        ("SADD lim 512".into(), ":1".into()),
        ("OBJECT ENCODING lim".into(), "\"hashtable\"".into()),
        ("SCARD lim".into(), ":513".into()),
        (
            format!("SREM lim {}", all.get(..500).unwrap_or_default().join(" ")),
            ":500".into(),
        ),
        ("OBJECT ENCODING lim".into(), "\"hashtable\"".into()),
    ]);
    // CONFIG SET applies to the next conversion at once.
    c.script(
        r#"
        CONFIG SET set-max-intset-entries 3 => +OK
        SADD c 1 2 3 => :3
        OBJECT ENCODING c => "intset"
        SADD c 4 => :1
        OBJECT ENCODING c => "hashtable"
        CONFIG SET set-max-intset-entries 0 => +OK
        SADD z 1 => :1
        OBJECT ENCODING z => "hashtable"
    "#,
    );
}

#[test]
fn wrong_types_and_argument_errors() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET str x => +OK
        SADD s 1 => :1
        SADD str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        SREM str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        SCARD str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SISMEMBER str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        SMISMEMBER str a => -WRONGTYPE Operation against a key holding the wrong kind of value
        SMEMBERS str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SPOP str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SPOP str 2 => -WRONGTYPE Operation against a key holding the wrong kind of value
        SPOP str -1 => -ERR value is out of range, must be positive
        SRANDMEMBER str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SRANDMEMBER str 2 => -WRONGTYPE Operation against a key holding the wrong kind of value
        SRANDMEMBER str a => -ERR value is not an integer or out of range
        SINTER s str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SINTER nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SINTER str nokey => -WRONGTYPE Operation against a key holding the wrong kind of value
        SINTERCARD 2 nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SINTERSTORE d nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SUNION s str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SUNIONSTORE d s str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SDIFF nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SDIFFSTORE d nokey str => -WRONGTYPE Operation against a key holding the wrong kind of value
        EXISTS d => :0
        SSCAN str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        SSCAN str x => -ERR invalid cursor
        SMOVE str s 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        SMOVE s str 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        SMOVE nokey str 1 => :0
        SISMEMBER s 1 => :1
        GET s => -WRONGTYPE Operation against a key holding the wrong kind of value
        SINTERSTORE str s => :1
        TYPE str => +set
    "#,
    );
}

#[test]
fn spop_and_srandmember_replies() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD s 1 2 3 => :3
        SPOP s 1 2 => -ERR syntax error
        SPOP s 0 => []
        SPOP s -1 => -ERR value is out of range, must be positive
        SPOP s a => -ERR value is out of range, must be positive
        SPOP s 9223372036854775807 => ["1", "2", "3"]
        EXISTS s => :0
        SPOP s => nil
        SPOP s 3 => []
        SADD s 7 => :1
        SPOP s => "7"
        EXISTS s => :0
        SADD s 1 2 3 => :3
        SRANDMEMBER s 1 2 => -ERR syntax error
        SRANDMEMBER s 0 => []
        SRANDMEMBER s 3 => ["1", "2", "3"]
        SRANDMEMBER s 100 => ["1", "2", "3"]
        SRANDMEMBER s -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807
        SRANDMEMBER s 9223372036854775808 => -ERR value is not an integer or out of range
        SRANDMEMBER s 1.5 => -ERR value is not an integer or out of range
        SRANDMEMBER nokey => nil
        SRANDMEMBER nokey 5 => []
        SRANDMEMBER nokey -5 => []
        SRANDMEMBER nokey 0 => []
        SADD one x => :1
        SRANDMEMBER one => "x"
        SRANDMEMBER one -3 => ["x", "x", "x"]
        SRANDMEMBER one 1 => ["x"]
        SRANDMEMBER one 5 => ["x"]
        SPOP one 1 => ["x"]
        EXISTS one => :0
        SPOP nokey 0 => []
        SPOP nokey 1 => []
        SPOP nokey => nil
        SPOP => -ERR wrong number of arguments for 'spop' command
        SRANDMEMBER => -ERR wrong number of arguments for 'srandmember' command
    "#,
    );
}

#[test]
fn resp3_replies_use_sets_where_redis_does() {
    let mut c = TestServer::new().client();
    c.resp3();
    c.script(
        r#"
        SADD s 1 2 3 => :3
        SMEMBERS s => ~["1", "2", "3"]
        SMEMBERS nokey => ~[]
        SINTER s nokey => ~[]
        SINTER s => ~["1", "2", "3"]
        SUNION s => ~["1", "2", "3"]
        SDIFF s => ~["1", "2", "3"]
        SRANDMEMBER s 0 => []
        SRANDMEMBER s 100 => ["1", "2", "3"]
        SRANDMEMBER nokey 5 => []
        SRANDMEMBER nokey => nil
        SSCAN s 0 => ["0", ["1", "2", "3"]]
        SMISMEMBER s 1 => [:1]
        SPOP s 0 => ~[]
        SPOP nokey 1 => ~[]
        SPOP nokey => nil
        SPOP s 5 => ~["1", "2", "3"]
    "#,
    );
}

#[test]
fn spop_removes_what_it_returns_in_both_encodings() {
    each_encoding(|c, encoding| {
        let content: Vec<i64> = (1..=20).collect();
        let all: Vec<String> = content.iter().map(i64::to_string).collect();
        let mut all_sorted = all.clone();
        all_sorted.sort();
        // Counts of 1 and 2 pop one by one, 18 keeps the 2 survivors and rebuilds.
        for count in [1usize, 2, 18, 20, 30] {
            fill(c, "s", &content, encoding);
            let popped = members_of(&c.line(&format!("SPOP s {count}")));
            assert_eq!(popped.len(), count.min(20));
            let rest = members_of(&c.line("SMEMBERS s"));
            assert_eq!(rest.len(), 20 - count.min(20));
            let mut union = popped;
            union.extend(rest);
            union.sort();
            assert_eq!(union, all_sorted, "{encoding:?} count {count}");
        }
        assert_eq!(render(&c.line("EXISTS s")), ":0");
        fill(c, "s", &content, encoding);
        let mut popped = Vec::new();
        for _ in 0..20 {
            popped.extend(members_of(&c.line("SPOP s")));
        }
        popped.sort();
        assert_eq!(popped, all_sorted);
        assert_eq!(render(&c.line("SPOP s")), "nil");
        assert_eq!(render(&c.line("EXISTS s")), ":0");
    });
}

#[test]
fn spop_of_most_members_rebuilds_in_the_fitting_encoding() {
    // As Redis: popping all but a fifth rebuilds the set from the survivors.
    let mut c = TestServer::new().client();
    let many: Vec<String> = (0..600).map(|n| n.to_string()).collect();
    for (key, count, encoding, left) in [
        ("a", 550, "intset", 50),
        ("e", 100, "hashtable", 500),
        ("f", 501, "intset", 99),
        ("g", 499, "hashtable", 101),
    ] {
        c.line(&format!("SADD {key} {}", many.join(" ")));
        assert_eq!(
            render(&c.line(&format!("OBJECT ENCODING {key}"))),
            "\"hashtable\""
        );
        let popped = members_of(&c.line(&format!("SPOP {key} {count}")));
        assert_eq!(popped.len(), count);
        assert_eq!(
            render(&c.line(&format!("OBJECT ENCODING {key}"))),
            format!("\"{encoding}\"")
        );
        assert_eq!(render(&c.line(&format!("SCARD {key}"))), format!(":{left}"));
    }
}

/// Pearson's chi-square statistic of how often each of `members` came out.
fn chi_square(picks: &[String], members: usize) -> f64 {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for pick in picks {
        *counts.entry(pick).or_default() += 1;
    }
    let expected = picks.len() as f64 / members as f64;
    let seen: f64 = counts
        .values()
        .map(|&n| (n as f64 - expected).powi(2) / expected)
        .sum();
    seen + (members - counts.len()) as f64 * expected
}

#[test]
fn srandmember_counts_in_both_encodings() {
    each_encoding(|c, encoding| {
        let content: Vec<i64> = (0..50).collect();
        fill(c, "s", &content, encoding);
        let all: BTreeSet<String> = content.iter().map(i64::to_string).collect();
        // Negative counts repeat; every member eventually shows up.
        let picks = members_of(&c.line("SRANDMEMBER s -100"));
        assert_eq!(picks.len(), 100);
        assert!(picks.iter().all(|p| all.contains(p)));
        let mut seen = BTreeSet::new();
        for _ in 0..1000 {
            seen.extend(members_of(&c.line("SRANDMEMBER s -10")));
            if seen == all {
                break;
            }
        }
        assert_eq!(seen, all);
        // Counts at or over the size return the whole set.
        for count in [50, 100] {
            let picks: BTreeSet<String> = members_of(&c.line(&format!("SRANDMEMBER s {count}")))
                .into_iter()
                .collect();
            assert_eq!(picks, all);
        }
        // A large share (subtraction) and a small share (draws): distinct members.
        for count in [45usize, 5] {
            let mut seen = BTreeSet::new();
            for _ in 0..1000 {
                let picks = members_of(&c.line(&format!("SRANDMEMBER s {count}")));
                let unique: BTreeSet<String> = picks.iter().cloned().collect();
                assert_eq!((picks.len(), unique.len()), (count, count));
                seen.extend(unique);
                if seen == all {
                    break;
                }
            }
            assert_eq!(seen, all);
        }
    });
}

#[test]
fn srandmember_distributions_are_even() {
    // The suite's histogram test: 10 members, 9 degrees of freedom, 40 is far out.
    each_encoding(|c, encoding| {
        fill(c, "s", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], encoding);
        let picks = members_of(&c.line("SRANDMEMBER s -1000"));
        assert!(chi_square(&picks, 10) < 40.0, "{encoding:?}");
        for count in [8usize, 2] {
            let mut picks = Vec::new();
            for _ in 0..(1000 / count) {
                picks.extend(members_of(&c.line(&format!("SRANDMEMBER s {count}"))));
            }
            assert!(chi_square(&picks, 10) < 40.0, "{encoding:?} count {count}");
        }
    });
}

#[test]
fn srandmember_with_a_huge_negative_count_does_not_preallocate() {
    let mut c = TestServer::with_config(|config| {
        config.client_output_buffer_limit.normal.hard_limit_bytes = 1 << 20;
    })
    .client();
    c.line("SADD s a b c");
    // The reply outgrows the normal clients' hard limit: the client is dropped, as
    // Redis drops it, instead of the server buffering 2^63 members.
    let bytes = c.send(&["SRANDMEMBER", "s", "-9223372036854775807"]);
    assert!(bytes.is_empty());
    assert!(c.is_closed());
}

#[test]
fn smove_every_branch() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD src 1 2 3 => :3
        SADD dst 5 => :1
        SMOVE src dst 2 => :1
        SMEMBERS src => ["1", "3"]
        SMEMBERS dst => ["2", "5"]
        SMOVE src dst 9 => :0
        SMOVE src dst 5 => :0
        SMEMBERS src => ["1", "3"]
        SMOVE src src 1 => :1
        SMOVE src src 9 => :0
        SMOVE nokey dst 1 => :0
        SMOVE src new 3 => :1
        OBJECT ENCODING new => "intset"
        SMEMBERS new => ["3"]
        SMOVE src new2 1 => :1
        EXISTS src => :0
        SADD src a => :1
        SMOVE src new3 a => :1
        OBJECT ENCODING new3 => "hashtable"
        SMOVE new3 new a => :1
        OBJECT ENCODING new => "hashtable"
        SMEMBERS new3 => []
        EXISTS new3 => :0
        SMOVE new new 4 => :0
        SMOVE a b => -ERR wrong number of arguments for 'smove' command
        SADD ex 1 2 => :2
        EXPIRE ex 100 => :1
        SMOVE ex dst 1 => :1
        TTL ex => :100
        SMOVE ex dst 2 => :1
        EXISTS ex => :0
    "#,
    );
}

#[test]
fn smove_between_encodings() {
    each_encoding(|c, encoding| {
        fill(c, "src", &[1, 2, 3], encoding);
        fill(c, "dst", &[4], Encoding::Intset);
        c.script(
            r#"
            SMOVE src dst 1 => :1
            SMOVE src dst 1 => :0
            SISMEMBER dst 1 => :1
            SCARD src => :2
            OBJECT ENCODING dst => "intset"
            SADD src x => :1
            SMOVE src dst x => :1
            OBJECT ENCODING dst => "hashtable"
            "#,
        );
        assert_eq!(sorted(c, "SMEMBERS dst"), strings(&["1", "4", "x"]));
        assert_eq!(sorted(c, "SMEMBERS src"), strings(&["2", "3"]));
    });
}

#[test]
fn intersections_unions_and_differences() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD a 1 2 3 4 => :4
        SADD b 3 4 5 => :3
        SADD c 4 5 6 => :3
        SINTER a b => ["3", "4"]
        SINTER a b c => ["4"]
        SINTER a => ["1", "2", "3", "4"]
        SINTER a a a => ["1", "2", "3", "4"]
        SINTER a nokey => []
        SINTER nokey => []
        SINTERCARD 2 a b => :2
        SINTERCARD 3 a b c => :1
        SINTERCARD 1 a LIMIT 2 => :2
        SINTERCARD 1 a LIMIT 0 => :4
        SINTERCARD 1 a limit 10 => :4
        SINTERCARD 1 a LIMIT 1 LIMIT 3 => :3
        SINTERCARD 2 a nokey => :0
        SINTERCARD 1 nokey LIMIT 5 => :0
        SINTERCARD 0 a => -ERR numkeys should be greater than 0
        SINTERCARD a a => -ERR numkeys should be greater than 0
        SINTERCARD -1 a => -ERR numkeys should be greater than 0
        SINTERCARD 9223372036854775808 a => -ERR numkeys should be greater than 0
        SINTERCARD 2 a => -ERR Number of keys can't be greater than number of args
        SINTERCARD 3 a b => -ERR Number of keys can't be greater than number of args
        SINTERCARD 1 a b => -ERR syntax error
        SINTERCARD 1 a LIMIT => -ERR syntax error
        SINTERCARD 1 a LIMIT -1 => -ERR LIMIT can't be negative
        SINTERCARD 1 a LIMIT x => -ERR LIMIT can't be negative
        SINTERCARD 1 => -ERR wrong number of arguments for 'sintercard' command
        SINTERCARD => -ERR wrong number of arguments for 'sintercard' command
        SUNION a b => ["1", "2", "3", "4", "5"]
        SUNION a nokey c => ["1", "2", "3", "4", "5", "6"]
        SUNION nokey => []
        SDIFF a b => ["1", "2"]
        SDIFF a b c => ["1", "2"]
        SDIFF a nokey => ["1", "2", "3", "4"]
        SDIFF nokey a => []
        SDIFF a a => []
        SDIFF a b a => []
        SDIFF b a c => []
        SET d x => +OK
        EXPIRE d 100 => :1
        SINTERSTORE d a b => :2
        TTL d => :-1
        SMEMBERS d => ["3", "4"]
        OBJECT ENCODING d => "intset"
        SINTERSTORE d a nokey => :0
        EXISTS d => :0
        SINTERSTORE d a c b => :1
        SMEMBERS d => ["4"]
        SINTERSTORE d b c => :2
        SINTERSTORE d a a => :4
        SMEMBERS d => ["1", "2", "3", "4"]
        SUNIONSTORE d a b c => :6
        SMEMBERS d => ["1", "2", "3", "4", "5", "6"]
        SUNIONSTORE d nokey => :0
        EXISTS d => :0
        SDIFFSTORE d a b => :2
        SMEMBERS d => ["1", "2"]
        SDIFFSTORE d a a => :0
        EXISTS d => :0
        SDIFFSTORE a a b => :2
        SMEMBERS a => ["1", "2"]
        SINTERSTORE => -ERR wrong number of arguments for 'sinterstore' command
        SINTERSTORE d => -ERR wrong number of arguments for 'sinterstore' command
        SUNIONSTORE d => -ERR wrong number of arguments for 'sunionstore' command
        SDIFFSTORE d => -ERR wrong number of arguments for 'sdiffstore' command
        SINTER => -ERR wrong number of arguments for 'sinter' command
        SUNION => -ERR wrong number of arguments for 'sunion' command
        SDIFF => -ERR wrong number of arguments for 'sdiff' command
    "#,
    );
}

#[test]
fn set_algebra_in_both_encodings() {
    // The suite's sets: set1 0..199, set2 195..394, set3 {199 195 1000 2000}, set4
    // 5..199, set5 {0}, each with one more member that fixes its encoding.
    each_encoding(|c, encoding| {
        let extra = match encoding {
            Encoding::Intset => "200",
            Encoding::Hashtable => "foo",
        };
        let ranges: [Vec<i64>; 5] = [
            (0..200).collect(),
            (195..395).collect(),
            vec![199, 195, 1000, 2000],
            (5..200).collect(),
            vec![0],
        ];
        for (i, members) in ranges.iter().enumerate() {
            let key = format!("set{}", i + 1);
            fill(c, &key, members, Encoding::Intset);
            c.cmd(&["SADD", &key, extra]);
            assert_eq!(
                render(&c.cmd(&["OBJECT", "ENCODING", &key])),
                format!("\"{}\"", encoding.name())
            );
        }
        let with_extra = |items: &[&str]| {
            let mut v = items.to_vec();
            v.push(extra);
            strings(&v)
        };
        assert_eq!(
            sorted(c, "SINTER set1 set2"),
            with_extra(&["195", "196", "197", "198", "199"])
        );
        c.script(
            r#"
            SINTERCARD 2 set1 set2 => :6
            SINTERCARD 2 set1 set2 LIMIT 3 => :3
            SINTERCARD 3 set1 set2 set3 => :3
            SINTERCARD 3 set1 set2 set3 LIMIT 2 => :2
            "#,
        );
        c.line("SINTERSTORE setres set1 set2");
        assert_eq!(
            render(&c.line("OBJECT ENCODING setres")),
            format!("\"{}\"", encoding.name())
        );
        assert_eq!(
            sorted(c, "SMEMBERS setres"),
            with_extra(&["195", "196", "197", "198", "199"])
        );
        let mut union: BTreeSet<String> = (0..395).map(|n: i64| n.to_string()).collect();
        union.insert(extra.to_string());
        let union: Vec<String> = strings(&union.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(sorted(c, "SUNION set1 set2"), union);
        assert_eq!(sorted(c, "SUNION nokey1 set1 set2 nokey2"), union);
        c.line("SUNIONSTORE setres set1 set2");
        assert_eq!(
            render(&c.line("OBJECT ENCODING setres")),
            format!("\"{}\"", encoding.name())
        );
        assert_eq!(sorted(c, "SMEMBERS setres"), union);
        assert_eq!(
            sorted(c, "SINTER set1 set2 set3"),
            with_extra(&["195", "199"])
        );
        assert_eq!(
            sorted(c, "SDIFF set1 set4"),
            strings(&["0", "1", "2", "3", "4"])
        );
        assert_eq!(
            sorted(c, "SDIFF set1 set4 set5"),
            strings(&["1", "2", "3", "4"])
        );
        c.line("SDIFFSTORE setres set1 set4 set5");
        // Starting from intsets, the result is an intset too.
        if encoding == Encoding::Intset {
            assert_eq!(render(&c.line("OBJECT ENCODING setres")), "\"intset\"");
        }
        assert_eq!(sorted(c, "SMEMBERS setres"), strings(&["1", "2", "3", "4"]));
        let set1 = sorted(c, "SMEMBERS set1");
        assert_eq!(sorted(c, "SINTER set1 set1 set1"), set1);
        assert_eq!(sorted(c, "SUNION set1 set1 set1"), set1);
        assert_eq!(render(&c.line("SDIFF set1 set1 set1")), "[]");
    });
}

#[test]
fn stored_results_take_the_encoding_redis_gives_them() {
    let mut c = TestServer::new().client();
    let range = |from: i64, to: i64| {
        (from..to)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    c.line(&format!("SADD a {}", range(0, 600)));
    c.line(&format!("SADD b {}", range(0, 50)));
    c.line(&format!("SADD c {}", range(50, 100)));
    c.script(
        r#"
        OBJECT ENCODING a => "hashtable"
        SDIFFSTORE d a b c => :500
        OBJECT ENCODING d => "hashtable"
        SDIFFSTORE d a b => :550
        OBJECT ENCODING d => "hashtable"
        SADD h 1 2 3 x => :4
        SREM h x => :1
        SUNIONSTORE d h => :3
        OBJECT ENCODING d => "intset"
        SINTERSTORE d h h => :3
        OBJECT ENCODING d => "intset"
        SDIFFSTORE d h b => :0
        OBJECT ENCODING d => nil
    "#,
    );
}

#[test]
fn sscan_options_and_encodings() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SADD s 1 2 3 => :3
        SSCAN s 0 => ["0", ["1", "2", "3"]]
        SSCAN s 123 => ["0", ["1", "2", "3"]]
        SSCAN s 0 MATCH 2 => ["0", ["2"]]
        SSCAN s 0 match * => ["0", ["1", "2", "3"]]
        SSCAN s 0 COUNT 1 => ["0", ["1", "2", "3"]]
        SSCAN s 0 COUNT 0 => -ERR syntax error
        SSCAN s 0 COUNT x => -ERR value is not an integer or out of range
        SSCAN s 0 COUNT -1 => -ERR syntax error
        SSCAN s 0 TYPE set => -ERR syntax error
        SSCAN s 0 MATCH => -ERR syntax error
        SSCAN s 0 foo bar => -ERR syntax error
        SSCAN s -1 => ["0", ["1", "2", "3"]]
        SSCAN s x => -ERR invalid cursor
        SSCAN nokey 0 COUNT 0 => ["0", []]
        SSCAN nokey x => -ERR invalid cursor
        SSCAN s => -ERR wrong number of arguments for 'sscan' command
        SADD one a => :1
        SSCAN one 0 => ["0", ["a"]]
        SSCAN one 0 MATCH b => ["0", []]
    "#,
    );
    // A hash table is scanned a few buckets at a time; every member comes back.
    let members: Vec<String> = (0..1000).map(|n| format!("m:{n}")).collect();
    c.line(&format!("SADD big {}", members.join(" ")));
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = c.cmd(&["SSCAN", "big", &cursor, "COUNT", "20"]);
        let Frame::Array(parts) = reply else {
            panic!("not an array: {}", render(&reply));
        };
        let [Frame::Bulk(next), batch] = parts.as_slice() else {
            panic!("bad SSCAN reply");
        };
        seen.extend(members_of(batch));
        calls += 1;
        cursor = String::from_utf8_lossy(next).into_owned();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 1000);
    assert!(calls > 10);
    let reply = c.line("SSCAN big 0 MATCH m:99* COUNT 10000");
    let found: BTreeSet<String> = match &reply {
        Frame::Array(parts) => parts.get(1).map(members_of).unwrap_or_default(),
        _ => Vec::new(),
    }
    .into_iter()
    .collect();
    assert_eq!(found.len(), 11);
}

#[test]
fn generic_key_commands_on_sets() {
    let mut c = TestServer::with_config(|config| {
        config.enable_debug_command = ProtectedAction::Yes;
    })
    .client();
    c.script(
        r#"
        SADD s 1 2 3 => :3
        SADD one a => :1
        TYPE s => +set
        OBJECT ENCODING s => "intset"
        OBJECT ENCODING one => "hashtable"
        COPY s s2 => :1
        SADD s2 4 => :1
        SCARD s => :3
        OBJECT ENCODING s2 => "intset"
        COPY one one2 => :1
        OBJECT ENCODING one2 => "hashtable"
        SMEMBERS one2 => ["a"]
        SADD one2 b => :1
        SCARD one => :1
        RENAME s2 s3 => +OK
        SMEMBERS s3 => ["1", "2", "3", "4"]
        EXISTS s2 => :0
        MOVE s3 1 => :1
        SELECT 1 => +OK
        SMEMBERS s3 => ["1", "2", "3", "4"]
        SELECT 0 => +OK
        SET str x => +OK
        SCAN 0 TYPE string COUNT 100 => ["0", ["str"]]
        DEBUG DIGEST-VALUE s one => [+2a462a3f51a1db89738ebbeef0c47ce1bbc85246, +344e2dce84032272e136053b2083009290148e5e]
        EXPIRE s 100 => :1
        DEBUG DIGEST-VALUE s => [+ccc3d4c08d9831ddb2985016b5aeb37aa16613c5]
        SADD s 4 => :1
        TTL s => :100
        DEL s one one2 => :3
        DEBUG DIGEST => +2aaa245c5fc23cdbc6a089dbca18d28df6439265
    "#,
    );
    c.line("SADD s 1");
    let scan = c.line("SCAN 0 TYPE set COUNT 100");
    let keys = match &scan {
        Frame::Array(parts) => parts.get(1).map(members_of).unwrap_or_default(),
        _ => Vec::new(),
    };
    assert_eq!(keys, vec!["s".to_string()]);
    // The digest does not depend on the encoding.
    for encoding in [Encoding::Intset, Encoding::Hashtable] {
        fill(&mut c, "d", &[1, 2, 3], encoding);
        c.script("DEBUG DIGEST-VALUE d => [+2a462a3f51a1db89738ebbeef0c47ce1bbc85246]");
    }
}
