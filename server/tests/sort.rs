//! SORT and SORT_RO through the real dispatcher: numeric and ALPHA order, LIMIT, constant
//! BY (no sorting), BY and GET patterns with `->field`, STORE, and the errors. Each
//! expected reply is what Redis 7.0.15 answered to the same session; the interop corpus
//! compares many more cases byte for byte.

use scarlet_server::testkit::TestServer;

#[test]
fn sorting_lists_sets_and_sorted_sets() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH sl 3 1 2 10 -5 2.5 => :6
        SORT sl => ["-5", "1", "2", "2.5", "3", "10"]
        SORT sl DESC LIMIT 1 2 => ["3", "2.5"]
        SORT sl ALPHA => ["-5", "1", "10", "2", "2.5", "3"]
        SORT sl BY nosort DESC LIMIT 1 2 => ["-5", "10"]
        SORT_RO sl LIMIT 0 1 => ["-5"]
        SADD ss 5 3 9 1 => :4
        SORT ss BY nosort STORE dest => :4
        LRANGE dest 0 -1 => ["1", "3", "5", "9"]
        ZADD zs 3 c 1 a 2 b => :3
        SORT zs BY nosort DESC => ["c", "b", "a"]
        SORT zs ALPHA => ["a", "b", "c"]
        SORT nokey STORE dest => :0
        EXISTS dest => :0
    "#,
    );
}

#[test]
fn weights_and_values_from_patterns() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH words banana apple cherry => :3
        SORT words => -ERR One or more scores can't be converted into double
        MSET w_banana 3 w_apple 1 w_cherry 2 v_banana B => +OK
        HSET hw_apple f 10 => :1
        HSET hw_banana f 30 => :1
        SORT words BY w_* GET v_* GET # => [nil, "apple", nil, "cherry", "B", "banana"]
        SORT words BY hw_*->f => ["cherry", "apple", "banana"]
        SORT words BY w_* STORE dest => :3
        LRANGE dest 0 -1 => ["apple", "cherry", "banana"]
        TYPE dest => +list
    "#,
    );
}

#[test]
fn errors() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        RPUSH sl 1 => :1
        SET str v => +OK
        SORT str => -WRONGTYPE Operation against a key holding the wrong kind of value
        SORT sl LIMIT a b => -ERR value is not an integer or out of range
        SORT sl LIMIT 1 => -ERR syntax error
        SORT_RO sl ALPHA STORE x => -ERR syntax error
        SORT sl NOOPTION => -ERR syntax error
    "#,
    );
}
