//! The hash family through the real dispatcher: every command, option and error path.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation). Bodies marked with `$ENC` run once per
//! encoding: with `hash-max-listpack-entries 512` every hash here stays a listpack, with
//! 0 every hash becomes a hash table at its first field. Those bodies only show replies
//! whose order does not depend on the encoding (one field, or counts).

use scarlet_server::testkit::{TestClient, TestServer};

/// Runs `body` once per encoding, `$ENC` standing for the encoding's name.
fn for_each_encoding(body: &str) {
    for (entries, encoding) in [("512", "listpack"), ("0", "hashtable")] {
        let mut c = TestServer::new().client();
        c.script(&format!(
            "CONFIG SET hash-max-listpack-entries {entries} => +OK"
        ));
        c.script(&body.replace("$ENC", encoding));
    }
}

/// Sorts the elements of a flat array reply rendered as `[a, b, ...]` (replies of
/// a hash table come in its own order).
fn sorted(rendered: &str) -> Vec<String> {
    let inner = rendered
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not an array: {rendered}"));
    let mut items: Vec<String> = inner.split(", ").map(str::to_string).collect();
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
