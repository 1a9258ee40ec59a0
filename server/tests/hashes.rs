//! The hash family through the real dispatcher: every command, option and error path.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation). Bodies marked with `$ENC` run once per
//! encoding: with `hash-max-listpack-entries 512` every hash here stays a listpack, with
//! 0 every hash becomes a hash table at its first field. Those bodies only show replies
//! whose order does not depend on the encoding (one field, or counts).

use scarlet_server::config::ProtectedAction;
use scarlet_server::testkit::{TestClient, TestServer, render};

/// A server that allows DEBUG, as the reference server ran.
fn server() -> TestServer {
    TestServer::with_config(|config| config.enable_debug_command = ProtectedAction::Yes)
}

/// Runs `body` once per encoding, `$ENC` standing for the encoding's name.
fn for_each_encoding(body: &str) {
    for (entries, encoding) in [("512", "listpack"), ("0", "hashtable")] {
        let mut c = server().client();
        c.script(&format!(
            "CONFIG SET hash-max-listpack-entries {entries} => +OK"
        ));
        c.script(&body.replace("$ENC", encoding));
    }
}

/// Sorts the elements of a flat array reply rendered as `[a, b, ...]` (replies of
/// a hash table come in its own order).
fn sorted(rendered: &str) -> Vec<String> {
    let inner = rendered.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
    assert!(inner.is_some(), "not an array: {rendered}");
    let mut items: Vec<String> = inner
        .unwrap_or_default()
        .split(", ")
        .map(str::to_string)
        .collect();
    items.sort();
    items
}

const FIELDS: &str = r#"
    HSET h a 1 => :1
    OBJECT ENCODING h => "$ENC"
    TYPE h => +hash
    HSET h a 2 b 3 => :1
    HSET h a 4 a 5 c 6 => :1
    HGET h a => "5"
    HGET h c => "6"
    HGET h nofield => nil
    HGET nokey a => nil
    HLEN h => :3
    HLEN nokey => :0
    HMGET h a nofield c => ["5", nil, "6"]
    HMGET nokey a b => [nil, nil]
    HEXISTS h a => :1
    HEXISTS h nofield => :0
    HEXISTS nokey a => :0
    HSTRLEN h a => :1
    HSTRLEN h nofield => :0
    HSTRLEN nokey a => :0
    HSET h neg -1234 big 9223372036854775807 zero 0 lead 007 => :4
    HSTRLEN h neg => :5
    HSTRLEN h big => :19
    HSTRLEN h lead => :3
    HGET h lead => "007"
    HGET h neg => "-1234"
    HSET h "" empty => :1
    HGET h "" => "empty"
    HSET h bin "a\x00b\r\n" => :1
    HGET h bin => "a\x00b\r\n"
    HSTRLEN h bin => :5
    HSETNX h a 100 => :0
    HGET h a => "5"
    HSETNX h d 7 => :1
    HGET h d => "7"
    HSETNX newkey f v => :1
    HGET newkey f => "v"
    HMSET h a 8 e 9 => +OK
    HMGET h a e => ["8", "9"]
    HLEN h => :11
    OBJECT ENCODING h => "$ENC"
"#;

#[test]
fn field_commands() {
    for_each_encoding(FIELDS);
}

const DELETES: &str = r#"
    HSET h a 1 b 2 c 3 => :3
    HDEL h a => :1
    HDEL h a => :0
    HDEL h nofield b nofield => :1
    HDEL nokey a => :0
    HLEN h => :1
    OBJECT ENCODING h => "$ENC"
    HDEL h c => :1
    EXISTS h => :0
    HSET h a 1 b 2 => :2
    HDEL h a b c => :2
    EXISTS h => :0
    HSET h x 1 => :1
    HDEL h x x x => :1
    TYPE h => +none
"#;

#[test]
fn deleting_the_last_field_deletes_the_key() {
    for_each_encoding(DELETES);
}

const ERRORS: &str = r#"
    SET str v => +OK
    HSET str a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HSETNX str a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HMSET str a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HGET str a => -WRONGTYPE Operation against a key holding the wrong kind of value
    HMGET str a => -WRONGTYPE Operation against a key holding the wrong kind of value
    HDEL str a => -WRONGTYPE Operation against a key holding the wrong kind of value
    HLEN str => -WRONGTYPE Operation against a key holding the wrong kind of value
    HSTRLEN str a => -WRONGTYPE Operation against a key holding the wrong kind of value
    HEXISTS str a => -WRONGTYPE Operation against a key holding the wrong kind of value
    HKEYS str => -WRONGTYPE Operation against a key holding the wrong kind of value
    HVALS str => -WRONGTYPE Operation against a key holding the wrong kind of value
    HGETALL str => -WRONGTYPE Operation against a key holding the wrong kind of value
    HINCRBY str a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HINCRBYFLOAT str a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HRANDFIELD str => -WRONGTYPE Operation against a key holding the wrong kind of value
    HRANDFIELD str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HRANDFIELD str -5 WITHVALUES => -WRONGTYPE Operation against a key holding the wrong kind of value
    HSCAN str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
    HSET h a 1 => :1
    GET h => -WRONGTYPE Operation against a key holding the wrong kind of value
    APPEND h x => -WRONGTYPE Operation against a key holding the wrong kind of value
    INCR h => -WRONGTYPE Operation against a key holding the wrong kind of value
    MGET h str => [nil, "v"]
    HSET h a => -ERR wrong number of arguments for 'hset' command
    HSET h a 1 b => -ERR wrong number of arguments for 'hset' command
    HMSET h a 1 b => -ERR wrong number of arguments for 'hmset' command
    HSET h => -ERR wrong number of arguments for 'hset' command
    HSETNX h a => -ERR wrong number of arguments for 'hsetnx' command
    HGET h => -ERR wrong number of arguments for 'hget' command
    HMGET h => -ERR wrong number of arguments for 'hmget' command
    HDEL h => -ERR wrong number of arguments for 'hdel' command
    HLEN h a => -ERR wrong number of arguments for 'hlen' command
    HKEYS h a => -ERR wrong number of arguments for 'hkeys' command
    HINCRBY h a => -ERR wrong number of arguments for 'hincrby' command
    HINCRBYFLOAT h a 1 2 => -ERR wrong number of arguments for 'hincrbyfloat' command
    HRANDFIELD => -ERR wrong number of arguments for 'hrandfield' command
    HSCAN h => -ERR wrong number of arguments for 'hscan' command
"#;

#[test]
fn wrong_types_and_arity() {
    for_each_encoding(ERRORS);
}

const COUNTERS: &str = r#"
    HINCRBY h n 5 => :5
    OBJECT ENCODING h => "$ENC"
    HINCRBY h n -7 => :-2
    HINCRBY h n 0 => :-2
    HGET h n => "-2"
    HINCRBY nokey n 3 => :3
    HSET h s abc sp " 1" spr "1 " big 9223372036854775800 small -9223372036854775800 => :5
    HINCRBY h s 1 => -ERR hash value is not an integer
    HINCRBY h sp 1 => -ERR hash value is not an integer
    HINCRBY h spr 1 => -ERR hash value is not an integer
    HINCRBY h big 7 => :9223372036854775807
    HINCRBY h big 1 => -ERR increment or decrement would overflow
    HINCRBY h small -8 => :-9223372036854775808
    HINCRBY h small -1 => -ERR increment or decrement would overflow
    HGET h big => "9223372036854775807"
    HINCRBY h n abc => -ERR value is not an integer or out of range
    HINCRBY h n 9223372036854775808 => -ERR value is not an integer or out of range
    HINCRBY h n 1.5 => -ERR value is not an integer or out of range
    HINCRBY str n x => -ERR value is not an integer or out of range
    HINCRBYFLOAT h f 10.5 => "10.5"
    HINCRBYFLOAT h f 0.1 => "10.6"
    HINCRBYFLOAT h f -10.6 => "0"
    HINCRBYFLOAT h g 0.1 => "0.1"
    HINCRBYFLOAT h g 0.2 => "0.3"
    HINCRBYFLOAT h n 1 => "-1"
    HINCRBYFLOAT h e 5.0e3 => "5000"
    HINCRBYFLOAT h e 2.0e2 => "5200"
    HINCRBYFLOAT h big 1 => "9223372036854775808"
    HINCRBYFLOAT h s 1 => -ERR hash value is not a float
    HINCRBYFLOAT h sp 1 => -ERR hash value is not a float
    HINCRBYFLOAT h f abc => -ERR value is not a valid float
    HINCRBYFLOAT h f "" => -ERR value is not a valid float
    HINCRBYFLOAT h f nan => -ERR value is not a valid float
    HINCRBYFLOAT h f inf => -ERR value is NaN or Infinity
    HINCRBYFLOAT h f -Infinity => -ERR value is NaN or Infinity
    HINCRBYFLOAT h f 1e5000 => -ERR value is not a valid float
    HINCRBYFLOAT nokey2 f inf => -ERR value is NaN or Infinity
    EXISTS nokey2 => :0
    HSET h nul "1\x002" => :1
    HINCRBYFLOAT h nul 1 => -ERR hash value is not a float
    HINCRBYFLOAT h x 1.7e308 => "170000000000000000003136778025197596795270213889694133733043585763202456051205820994061869588900300336978523841885631712661403498918000793480728637410016696547450658600006812401305436257622907062380271462782244438270443691335452761319068709501902589182028026014367280506332405764915517562011679309777401282560"
"#;

#[test]
fn counters() {
    for_each_encoding(COUNTERS);
}

#[test]
fn whole_hash_replies_come_in_listpack_order() {
    let mut c = server().client();
    c.script(
        r#"
        HSET h b 1 a 2 c 3 n 10 => :4
        HKEYS h => ["b", "a", "c", "n"]
        HVALS h => ["1", "2", "3", "10"]
        HGETALL h => ["b", "1", "a", "2", "c", "3", "n", "10"]
        HSET h a 20 => :0
        HGETALL h => ["b", "1", "a", "20", "c", "3", "n", "10"]
        HDEL h b => :1
        HSET h b 1 => :1
        HKEYS h => ["a", "c", "n", "b"]
        HKEYS nokey => []
        HVALS nokey => []
        HGETALL nokey => []
    "#,
    );
    c.resp3();
    c.script(
        r#"
        # resp3
        HSET r b 1 a 2 => :2
        HGETALL r => {"b": "1", "a": "2"}
        HGETALL nokey => {}
        HKEYS nokey => []
        HKEYS r => ["b", "a"]
    "#,
    );
}

#[test]
fn whole_hash_replies_of_a_table_hold_every_pair() {
    let mut c = server().client();
    c.script("CONFIG SET hash-max-listpack-entries 2 => +OK");
    c.script("HSET h b 1 a 2 c 3 n 10 => :4");
    c.script(r#"OBJECT ENCODING h => "hashtable""#);
    let line = |c: &mut TestClient, text: &str| render(&c.line(text));
    assert_eq!(
        sorted(&line(&mut c, "HKEYS h")),
        [r#""a""#, r#""b""#, r#""c""#, r#""n""#]
    );
    assert_eq!(
        sorted(&line(&mut c, "HVALS h")),
        [r#""1""#, r#""10""#, r#""2""#, r#""3""#]
    );
    let all = line(&mut c, "HGETALL h");
    assert_eq!(sorted(&all).len(), 8);
    for pair in [r#""a", "2""#, r#""b", "1""#, r#""c", "3""#, r#""n", "10""#] {
        assert!(all.contains(pair), "{all} lacks {pair}");
    }
    c.resp3();
    let map = line(&mut c, "HGETALL h");
    assert!(
        map.starts_with('{') && map.contains(r#""n": "10""#),
        "{map}"
    );
}

#[test]
fn encodings_convert_at_the_configured_limits() {
    let mut c = server().client();
    c.script(
        r#"
        CONFIG SET hash-max-listpack-entries 3 => +OK
        CONFIG SET hash-max-listpack-value 5 => +OK
        HSET h a 1 b 2 c 3 => :3
        OBJECT ENCODING h => "listpack"
        HSET h a 9 => :0
        OBJECT ENCODING h => "listpack"
        HSET h d 4 => :1
        OBJECT ENCODING h => "hashtable"
        HDEL h a b c => :3
        OBJECT ENCODING h => "hashtable"
        HSET v f 12345 => :1
        OBJECT ENCODING v => "listpack"
        HSET v f 123456 => :0
        OBJECT ENCODING v => "hashtable"
        HSET k 123456 x => :1
        OBJECT ENCODING k => "hashtable"
        HSET m a 1 b 123456 => :2
        OBJECT ENCODING m => "hashtable"
        HSETNX n a 123456 => :1
        OBJECT ENCODING n => "hashtable"
        HSETNX n2 a 1 => :1
        HSETNX n2 a 123456 => :0
        OBJECT ENCODING n2 => "listpack"
        HINCRBYFLOAT f x 1.5 => "1.5"
        HINCRBYFLOAT f x 0.25 => "1.75"
        OBJECT ENCODING f => "listpack"
        HINCRBYFLOAT f x 0.0001 => "1.7501"
        OBJECT ENCODING f => "hashtable"
        HINCRBY i x 99999 => :99999
        OBJECT ENCODING i => "listpack"
        HINCRBY i x 1 => :100000
        OBJECT ENCODING i => "hashtable"
        HINCRBY lf longfield 1 => :1
        OBJECT ENCODING lf => "hashtable"
        CONFIG SET hash-max-ziplist-entries 0 => +OK
        HSET z a 1 => :1
        OBJECT ENCODING z => "hashtable"
        CONFIG SET hash-max-ziplist-entries 512 => +OK
        CONFIG SET hash-max-ziplist-value 64 => +OK
        HSET y a 1 => :1
        OBJECT ENCODING y => "listpack"
    "#,
    );
}

const RANDOM_ONE_FIELD: &str = r#"
    HRANDFIELD nokey => nil
    HRANDFIELD nokey 5 => []
    HRANDFIELD nokey -5 WITHVALUES => []
    HRANDFIELD nokey x => -ERR value is not an integer or out of range
    HSET h a 1 => :1
    OBJECT ENCODING h => "$ENC"
    HRANDFIELD h => "a"
    HRANDFIELD h 0 => []
    HRANDFIELD h 0 WITHVALUES => []
    HRANDFIELD h 1 => ["a"]
    HRANDFIELD h -3 => ["a", "a", "a"]
    HRANDFIELD h -2 WITHVALUES => ["a", "1", "a", "1"]
    HRANDFIELD h 5 WITHVALUES => ["a", "1"]
    HRANDFIELD h 1 WITHVALUES => ["a", "1"]
    HRANDFIELD h 1 withvalues => ["a", "1"]
    HRANDFIELD h 9223372036854775807 => ["a"]
    HRANDFIELD h 4611686018427387903 WITHVALUES => ["a", "1"]
    HRANDFIELD h -9223372036854775808 => -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807
    HRANDFIELD h 4611686018427387904 WITHVALUES => -ERR value is out of range
    HRANDFIELD h -4611686018427387904 WITHVALUES => -ERR value is out of range
    HRANDFIELD h -9223372036854770000 WITHVALUES => -ERR value is out of range
    HRANDFIELD h 1 withvalue => -ERR syntax error
    HRANDFIELD h 1 WITHVALUES x => -ERR syntax error
    HRANDFIELD h x => -ERR value is not an integer or out of range
    HRANDFIELD h x WITHVALUES => -ERR value is not an integer or out of range
    HRANDFIELD h 99999999999999999999 => -ERR value is not an integer or out of range
"#;

#[test]
fn hrandfield_arguments_and_shapes() {
    for_each_encoding(RANDOM_ONE_FIELD);
}

const RANDOM_RESP3: &str = r#"
    # resp3
    HRANDFIELD nokey => nil
    HRANDFIELD nokey 3 WITHVALUES => []
    HSET h a 1 => :1
    HRANDFIELD h -2 WITHVALUES => [["a", "1"], ["a", "1"]]
    HRANDFIELD h 2 WITHVALUES => [["a", "1"]]
    HRANDFIELD h -2 => ["a", "a"]
    HRANDFIELD h 1 => ["a"]
"#;

#[test]
fn hrandfield_pairs_in_resp3() {
    for (entries, encoding) in [("512", "listpack"), ("0", "hashtable")] {
        let mut c = server().client();
        c.script(&format!(
            "CONFIG SET hash-max-listpack-entries {entries} => +OK"
        ));
        c.resp3();
        c.script(RANDOM_RESP3);
        c.script(&format!(r#"OBJECT ENCODING h => "{encoding}""#));
    }
}

#[test]
fn hrandfield_whole_listpack_comes_in_order() {
    let mut c = server().client();
    c.script(
        r#"
        HSET h b 1 a 2 c 3 => :3
        HRANDFIELD h 3 => ["b", "a", "c"]
        HRANDFIELD h 10 WITHVALUES => ["b", "1", "a", "2", "c", "3"]
    "#,
    );
}

/// Fields of a flat HRANDFIELD reply rendered as `[f, v, f, v...]` or `[f, f...]`.
fn fields_of(rendered: &str, with_values: bool) -> Vec<String> {
    let inner = rendered.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
    assert!(inner.is_some(), "not an array: {rendered}");
    let inner = inner.unwrap_or_default();
    if inner.is_empty() {
        return Vec::new();
    }
    let items: Vec<String> = inner.split(", ").map(str::to_string).collect();
    if with_values {
        items
            .chunks(2)
            .filter_map(|pair| pair.first().cloned())
            .collect()
    } else {
        items
    }
}

#[test]
fn hrandfield_counts_in_every_case() {
    for (entries, encoding) in [("512", "listpack"), ("0", "hashtable")] {
        let mut c = server().client();
        c.script(&format!(
            "CONFIG SET hash-max-listpack-entries {entries} => +OK"
        ));
        c.script("HSET h f0 v0 f1 v1 f2 v2 f3 v3 f4 v4 f5 v5 f6 v6 f7 v7 f8 v8 f9 v9 => :10");
        c.script(&format!(r#"OBJECT ENCODING h => "{encoding}""#));
        for with_values in [false, true] {
            let suffix = if with_values { " WITHVALUES" } else { "" };
            // Negative counts repeat; 8 thins a copy; 2 picks; 10 and 20 take it all.
            for (count, expected, distinct) in [
                (-20, 20, false),
                (-1001, 1001, false),
                (8, 8, true),
                (2, 2, true),
                (10, 10, true),
                (20, 10, true),
            ] {
                let mut seen = std::collections::HashSet::new();
                for _ in 0..50 {
                    let reply = render(&c.line(&format!("HRANDFIELD h {count}{suffix}")));
                    let fields = fields_of(&reply, with_values);
                    assert_eq!(fields.len(), expected, "{encoding} {count}{suffix}");
                    let unique: std::collections::HashSet<&String> = fields.iter().collect();
                    if distinct {
                        assert_eq!(unique.len(), expected, "{encoding} {count}: {reply}");
                    }
                    if with_values {
                        for field in &fields {
                            let value = field.replace('f', "v");
                            assert!(reply.contains(&format!("{field}, {value}")), "{reply}");
                        }
                    }
                    seen.extend(fields);
                }
                assert_eq!(
                    seen.len(),
                    10,
                    "{encoding} {count}{suffix}: every field comes up"
                );
            }
        }
    }
}

#[test]
fn hrandfield_huge_negative_count_closes_at_the_output_limit() {
    for (entries, encoding) in [("512", "listpack"), ("0", "hashtable")] {
        let mut c = server().client();
        c.script(&format!(
            "CONFIG SET hash-max-listpack-entries {entries} => +OK"
        ));
        c.script(
            r#"
            CONFIG SET client-output-buffer-limit "normal 1mb 0 0" => +OK
            HSET h a 1 => :1
        "#,
        );
        c.script(&format!(r#"OBJECT ENCODING h => "{encoding}""#));
        c.script("HRANDFIELD h -9223372036854775807 => (closed)");
    }
}

const SCAN_LISTPACK: &str = r#"
    HSCAN nokey 0 => ["0", []]
    HSCAN nokey 0 COUNT 0 => ["0", []]
    HSCAN nokey 0 foo => ["0", []]
    HSCAN nokey abc => -ERR invalid cursor
    HSCAN nokey -1 => ["0", []]
    HSET h a 1 b 2 c 3 ab 4 => :4
    HSCAN h 0 => ["0", ["a", "1", "b", "2", "c", "3", "ab", "4"]]
    HSCAN h 0 COUNT 1 => ["0", ["a", "1", "b", "2", "c", "3", "ab", "4"]]
    HSCAN h 12345 => ["0", ["a", "1", "b", "2", "c", "3", "ab", "4"]]
    HSCAN h 0 MATCH a* => ["0", ["a", "1", "ab", "4"]]
    HSCAN h 0 match * count 5 => ["0", ["a", "1", "b", "2", "c", "3", "ab", "4"]]
    HSCAN h 0 MATCH nothing => ["0", []]
    HSCAN h 0 COUNT 0 => -ERR syntax error
    HSCAN h 0 COUNT -1 => -ERR syntax error
    HSCAN h 0 COUNT x => -ERR value is not an integer or out of range
    HSCAN h 0 MATCH => -ERR syntax error
    HSCAN h 0 TYPE string => -ERR syntax error
    HSCAN h abc => -ERR invalid cursor
    HSCAN h 1x => -ERR invalid cursor
    HSET n 1 x 22 y -3 z => :3
    HSCAN n 0 MATCH 2* => ["0", ["22", "y"]]
    HSCAN n 0 MATCH -* => ["0", ["-3", "z"]]
"#;

#[test]
fn hscan_of_a_listpack_is_one_step() {
    let mut c = server().client();
    c.script(SCAN_LISTPACK);
}

#[test]
fn hscan_of_a_table_visits_every_pair() {
    let mut c = server().client();
    c.script("CONFIG SET hash-max-listpack-entries 0 => +OK");
    let mut all = vec![b"HSET".to_vec(), b"h".to_vec()];
    for i in 0..1000 {
        all.push(format!("field:{i}").into_bytes());
        all.push(format!("{i}").into_bytes());
    }
    assert_eq!(render(&c.cmd(&all)), ":1000");
    let mut seen = std::collections::HashMap::new();
    let mut cursor = "0".to_string();
    let mut steps = 0;
    loop {
        let reply = c.cmd(&["HSCAN", "h", &cursor, "COUNT", "20", "MATCH", "field:*"]);
        let scarlet_protocol::Frame::Array(parts) = reply else {
            panic!("{reply:?}");
        };
        let [
            scarlet_protocol::Frame::Bulk(next),
            scarlet_protocol::Frame::Array(items),
        ] = &parts[..]
        else {
            panic!("{parts:?}");
        };
        assert!(items.len() <= 2 * 60, "about COUNT pairs per step");
        for pair in items.chunks(2) {
            seen.insert(render(&pair[0]), render(&pair[1]));
        }
        cursor = String::from_utf8(next.clone()).unwrap();
        steps += 1;
        if cursor == "0" {
            break;
        }
    }
    assert!(steps > 10, "a table scans in several steps");
    assert_eq!(seen.len(), 1000);
    assert_eq!(
        seen.get(r#""field:123""#).map(String::as_str),
        Some(r#""123""#)
    );
    let none = render(&c.line("HSCAN h 0 MATCH nomatch* COUNT 2000"));
    assert_eq!(none, r#"["0", []]"#);
}

const KEY_COMMANDS: &str = r#"
    HSET h a 1 b 2 => :2
    COPY h h2 => :1
    OBJECT ENCODING h2 => "$ENC"
    HSET h2 a changed => :0
    HGET h a => "1"
    HGET h2 a => "changed"
    RENAME h h3 => +OK
    EXISTS h => :0
    HGET h3 b => "2"
    OBJECT ENCODING h3 => "$ENC"
    EXPIRE h3 100 => :1
    HSET h3 c 3 => :1
    HDEL h3 c => :1
    TTL h3 => :100
    MOVE h3 1 => :1
    SELECT 1 => +OK
    HLEN h3 => :2
    TYPE h3 => +hash
    TTL h3 => :100
    SCAN 0 TYPE hash => ["0", ["h3"]]
    SCAN 0 TYPE string => ["0", []]
    DEBUG DIGEST-VALUE h3 => [+8a0adc4c6368e5883c77c9254afa451bf22c023c]
    PERSIST h3 => :1
    DEBUG DIGEST-VALUE h3 => [+6c8f22b3bf510fdcfd6122dd0f908a80e88243bf]
    DEL h3 => :1
    DEBUG DIGEST => +9d2980ccf312b696865976fbde86d83758854c0a
"#;

#[test]
fn generic_key_commands_on_hashes() {
    for_each_encoding(KEY_COMMANDS);
}
