//! The string family through the real dispatcher: every command, option and error path.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation). Values other than strings do not exist
//! yet, so WRONGTYPE paths wait for the other types' families.

use scarlet_server::testkit::TestServer;

#[test]
fn set_conditions_and_get() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k v => +OK
        GET k => "v"
        GET nokey => nil
        SET k v2 NX => nil
        SET k v2 XX => +OK
        GET k => "v2"
        SET k2 v XX => nil
        EXISTS k2 => :0
        SET k2 v NX => +OK
        set k3 v nx => +OK
        SET k v NX XX => -ERR syntax error
        SET k v XX NX => -ERR syntax error
        SET k v NX NX => nil
        SET k v XX XX => +OK
        SET k v3 GET => "v"
        SET k v4 GET NX => "v3"
        GET k => "v3"
        SET k v5 NX GET => "v3"
        SET k v5 XX GET => "v3"
        GET k => "v5"
        SET new v GET => nil
        SET new2 v GET XX => nil
        EXISTS new2 => :0
        SET new3 v GET NX => nil
        SET k v GET GET => "v5"
        SET k v foo => -ERR syntax error
        SET k v NX foo => -ERR syntax error
        SET k => -ERR wrong number of arguments for 'set' command
        SET => -ERR wrong number of arguments for 'set' command
        GET => -ERR wrong number of arguments for 'get' command
        GET k k => -ERR wrong number of arguments for 'get' command
        SET "" empty => +OK
        GET "" => "empty"
        SET bin "a\x00b\r\n" => +OK
        GET bin => "a\x00b\r\n"
    "#,
    );
}

#[test]
fn set_expiry_options() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k v EX 100 => +OK
        TTL k => :100
        SET k v PX 100000 => +OK
        TTL k => :100
        SET k v => +OK
        TTL k => :-1
        SET k v EXAT 32503680000 => +OK
        EXPIRETIME k => :32503680000
        SET k v PXAT 32503680000123 => +OK
        PEXPIRETIME k => :32503680000123
        SET k v2 KEEPTTL => +OK
        PEXPIRETIME k => :32503680000123
        GET k => "v2"
        SET k v3 => +OK
        TTL k => :-1
        SET k v EX 100 PX 100 => -ERR syntax error
        SET k v EX 100 EXAT 100 => -ERR syntax error
        SET k v PX 100 PXAT 100 => -ERR syntax error
        SET k v EX 100 KEEPTTL => -ERR syntax error
        SET k v KEEPTTL EX 100 => -ERR syntax error
        SET k v KEEPTTL PXAT 100 => -ERR syntax error
        SET k v EX 10 EX 100 => +OK
        TTL k => :100
        SET k v KEEPTTL KEEPTTL => +OK
        TTL k => :100
        SET k v EX => -ERR syntax error
        SET k v PX => -ERR syntax error
        SET k v EX abc => -ERR value is not an integer or out of range
        SET k v EX 1.5 => -ERR value is not an integer or out of range
        SET k v EX 0 => -ERR invalid expire time in 'set' command
        SET k v EX -1 => -ERR invalid expire time in 'set' command
        SET k v PX 0 => -ERR invalid expire time in 'set' command
        SET k v PX -5 => -ERR invalid expire time in 'set' command
        SET k v EXAT 0 => -ERR invalid expire time in 'set' command
        SET k v PXAT -1 => -ERR invalid expire time in 'set' command
        SET k v EX 9223372036854775807 => -ERR invalid expire time in 'set' command
        SET k v EX 9223372036854775 => -ERR invalid expire time in 'set' command
        SET k v PX 9223372036854775807 => -ERR invalid expire time in 'set' command
        SET k v EX 9223372036854775808 => -ERR value is not an integer or out of range
        SET k v PXAT 9223372036854775807 => +OK
        PEXPIRETIME k => :9223372036854775807
        SET k v EXAT 1 => +OK
        GET k => nil
        SET k v PXAT 1 GET => nil
        EXISTS k => :0
        SET k v ex 100 nx => +OK
        SET k v2 px 100 xx get => "v"
        TTL k => :0
    "#,
    );
}

#[test]
fn getex_options() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        GETEX nokey => nil
        GETEX nokey EX 100 => nil
        GETEX nokey EX abc => nil
        GETEX nokey EX 0 => nil
        GETEX nokey FOO => -ERR syntax error
        SET k v => +OK
        GETEX k => "v"
        TTL k => :-1
        GETEX k EX 100 => "v"
        TTL k => :100
        GETEX k PERSIST => "v"
        TTL k => :-1
        GETEX k PX 200000 => "v"
        TTL k => :200
        GETEX k => "v"
        TTL k => :200
        GETEX k EXAT 32503680000 => "v"
        EXPIRETIME k => :32503680000
        GETEX k PXAT 32503680000123 => "v"
        PEXPIRETIME k => :32503680000123
        GETEX k persist => "v"
        PEXPIRETIME k => :-1
        GETEX k PERSIST => "v"
        GETEX k EX 0 => -ERR invalid expire time in 'getex' command
        GETEX k EX -1 => -ERR invalid expire time in 'getex' command
        GETEX k PX 0 => -ERR invalid expire time in 'getex' command
        GETEX k EXAT 0 => -ERR invalid expire time in 'getex' command
        GETEX k EX abc => -ERR value is not an integer or out of range
        GETEX k EX 9223372036854775807 => -ERR invalid expire time in 'getex' command
        GETEX k EX 100 PERSIST => -ERR syntax error
        GETEX k PERSIST EX 100 => -ERR syntax error
        GETEX k PERSIST PERSIST => "v"
        GETEX k EX 100 PX 100 => -ERR syntax error
        GETEX k EX 100 EX 200 => "v"
        TTL k => :200
        GETEX k KEEPTTL => -ERR syntax error
        GETEX k NX => -ERR syntax error
        GETEX k XX => -ERR syntax error
        GETEX k GET => -ERR syntax error
        GETEX k EX => -ERR syntax error
        GETEX k EXAT 1 => "v"
        EXISTS k => :0
        SET k v => +OK
        GETEX k PXAT 1 => "v"
        EXISTS k => :0
        GETEX => -ERR wrong number of arguments for 'getex' command
    "#,
    );
}

#[test]
fn getdel_getset_mget_mset() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k v EX 100 => +OK
        GETDEL k => "v"
        EXISTS k => :0
        GETDEL k => nil
        GETDEL => -ERR wrong number of arguments for 'getdel' command
        GETDEL a b => -ERR wrong number of arguments for 'getdel' command
        SET k v EX 100 => +OK
        GETSET k v2 => "v"
        TTL k => :-1
        GETSET nokey v => nil
        GET nokey => "v"
        GETSET k => -ERR wrong number of arguments for 'getset' command
        MSET a 1 b 2 c 3 => +OK
        MGET a b c nokey => ["1", "2", "3", "v"]
        MGET nokey => ["v"]
        MGET => -ERR wrong number of arguments for 'mget' command
        MSET a => -ERR wrong number of arguments for 'mset' command
        MSET a 1 b => -ERR wrong number of arguments for 'mset' command
        MSET => -ERR wrong number of arguments for 'mset' command
        MSET a 10 a 20 => +OK
        GET a => "20"
        MSETNX a 1 z 2 => :0
        EXISTS z => :0
        MSETNX y 1 z 2 => :1
        MGET y z => ["1", "2"]
        MSETNX x 1 x 2 => :1
        GET x => "2"
        MSETNX x => -ERR wrong number of arguments for 'msetnx' command
        MSETNX q 1 r => -ERR wrong number of arguments for 'msetnx' command
        SETNX k v => :0
        SETNX fresh v => :1
        GET fresh => "v"
        SETNX fresh => -ERR wrong number of arguments for 'setnx' command
        SETEX k 100 v => +OK
        TTL k => :100
        SETEX k 0 v => -ERR invalid expire time in 'setex' command
        SETEX k -1 v => -ERR invalid expire time in 'setex' command
        SETEX k abc v => -ERR value is not an integer or out of range
        SETEX k 9223372036854775807 v => -ERR invalid expire time in 'setex' command
        SETEX k 100 => -ERR wrong number of arguments for 'setex' command
        PSETEX k 100000 v => +OK
        TTL k => :100
        PSETEX k 0 v => -ERR invalid expire time in 'psetex' command
        PSETEX k -1 v => -ERR invalid expire time in 'psetex' command
        PSETEX k 1.5 v => -ERR value is not an integer or out of range
        PSETEX k 9223372036854775807 v => -ERR invalid expire time in 'psetex' command
        PSETEX k 100 => -ERR wrong number of arguments for 'psetex' command
    "#,
    );
}

#[test]
fn append_and_strlen() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        APPEND k hello => :5
        APPEND k " world" => :11
        GET k => "hello world"
        STRLEN k => :11
        STRLEN nokey => :0
        SET n 123 => +OK
        APPEND n 45 => :5
        GET n => "12345"
        STRLEN n => :5
        SET n -12345 => +OK
        STRLEN n => :6
        APPEND k "" => :11
        APPEND new "" => :0
        EXISTS new => :1
        APPEND k => -ERR wrong number of arguments for 'append' command
        STRLEN => -ERR wrong number of arguments for 'strlen' command
        STRLEN a b => -ERR wrong number of arguments for 'strlen' command
    "#,
    );
}

#[test]
fn counters() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        INCR n => :1
        INCR n => :2
        DECR n => :1
        DECR n => :0
        DECR n => :-1
        INCRBY n 10 => :9
        INCRBY n -20 => :-11
        DECRBY n -5 => :-6
        DECRBY n 5 => :-11
        GET n => "-11"
        SET n 9223372036854775806 => +OK
        INCR n => :9223372036854775807
        INCR n => -ERR increment or decrement would overflow
        INCRBY n 0 => :9223372036854775807
        SET n -9223372036854775807 => +OK
        DECR n => :-9223372036854775808
        DECR n => -ERR increment or decrement would overflow
        INCRBY n -1 => -ERR increment or decrement would overflow
        DECRBY n 1 => -ERR increment or decrement would overflow
        SET n 1 => +OK
        DECRBY n -9223372036854775808 => -ERR decrement would overflow
        INCRBY n -9223372036854775808 => :-9223372036854775807
        INCRBY n 9223372036854775808 => -ERR value is not an integer or out of range
        INCRBY n abc => -ERR value is not an integer or out of range
        INCRBY n 1.5 => -ERR value is not an integer or out of range
        INCRBY n " 1" => -ERR value is not an integer or out of range
        INCRBY n +1 => -ERR value is not an integer or out of range
        INCRBY n 01 => -ERR value is not an integer or out of range
        DECRBY n "" => -ERR value is not an integer or out of range
        SET s abc => +OK
        INCR s => -ERR value is not an integer or out of range
        DECR s => -ERR value is not an integer or out of range
        INCRBY s 1 => -ERR value is not an integer or out of range
        SET s " 1" => +OK
        INCR s => -ERR value is not an integer or out of range
        SET s "1 " => +OK
        INCR s => -ERR value is not an integer or out of range
        SET s 01 => +OK
        INCR s => -ERR value is not an integer or out of range
        SET s +1 => +OK
        INCR s => -ERR value is not an integer or out of range
        SET s 1.0 => +OK
        INCR s => -ERR value is not an integer or out of range
        SET s "" => +OK
        INCR s => -ERR value is not an integer or out of range
        SET s 9223372036854775808 => +OK
        INCR s => -ERR value is not an integer or out of range
        SET t 10 EX 100 => +OK
        INCR t => :11
        TTL t => :100
        INCRBY t 5 => :16
        TTL t => :100
        INCR => -ERR wrong number of arguments for 'incr' command
        INCR a b => -ERR wrong number of arguments for 'incr' command
        INCRBY a => -ERR wrong number of arguments for 'incrby' command
        DECRBY a => -ERR wrong number of arguments for 'decrby' command
        DECR => -ERR wrong number of arguments for 'decr' command
    "#,
    );
}

#[test]
fn incrbyfloat_formatting() {
    let mut c = TestServer::new().client();
    c.script(r#"
        INCRBYFLOAT f 10.5 => "10.5"
        INCRBYFLOAT f 0.1 => "10.6"
        INCRBYFLOAT f -5.1 => "5.5"
        INCRBYFLOAT f 5.0e3 => "5005.5"
        INCRBYFLOAT f 2.0e-3 => "5005.50199999999999978"
        INCRBYFLOAT g 0.1 => "0.1"
        INCRBYFLOAT g 0.2 => "0.3"
        INCRBYFLOAT h 3 => "3"
        INCRBYFLOAT h 1.5e10 => "15000000003"
        INCRBYFLOAT h -15000000004.5 => "-1.5"
        INCRBYFLOAT i 1e-20 => "0"
        INCRBYFLOAT j -0.0 => "0"
        INCRBYFLOAT j 0 => "0"
        INCRBYFLOAT k 1e300 => "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144"
        INCRBYFLOAT l 123456789012345678 => "123456789012345678"
        INCRBYFLOAT l 0.5 => "123456789012345678.5"
        INCRBYFLOAT m 1.7976931348623157e308 => "179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384"
        INCRBYFLOAT m 1.7976931348623157e308 => "359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768"
        GET m => "359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768"
        INCRBYFLOAT f abc => -ERR value is not a valid float
        INCRBYFLOAT f "" => -ERR value is not a valid float
        INCRBYFLOAT f " 1" => -ERR value is not a valid float
        INCRBYFLOAT f "1 " => -ERR value is not a valid float
        INCRBYFLOAT f inf => -ERR increment would produce NaN or Infinity
        INCRBYFLOAT f -inf => -ERR increment would produce NaN or Infinity
        INCRBYFLOAT f nan => -ERR value is not a valid float
        INCRBYFLOAT f 0x10 => "5021.50199999999999978"
        INCRBYFLOAT f 1,5 => -ERR value is not a valid float
        INCRBYFLOAT f .5 => "5022.00199999999999978"
        INCRBYFLOAT f 5. => "5027.00199999999999978"
        INCRBYFLOAT f +1 => "5028.00199999999999978"
        SET s abc => +OK
        INCRBYFLOAT s 1 => -ERR value is not a valid float
        SET s 1.5abc => +OK
        INCRBYFLOAT s 1 => -ERR value is not a valid float
        SET s " 1.5" => +OK
        INCRBYFLOAT s 1 => -ERR value is not a valid float
        SET s 10 => +OK
        INCRBYFLOAT s 1.25 => "11.25"
        SET s 5.0e3 => +OK
        INCRBYFLOAT s 0 => "5000"
        SET t 1 EX 100 => +OK
        INCRBYFLOAT t 1.5 => "2.5"
        TTL t => :100
        INCRBYFLOAT => -ERR wrong number of arguments for 'incrbyfloat' command
        INCRBYFLOAT t => -ERR wrong number of arguments for 'incrbyfloat' command
        INCRBYFLOAT t 1 2 => -ERR wrong number of arguments for 'incrbyfloat' command
    "#);
}

#[test]
fn getrange_and_substr() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k "This is a string" => +OK
        GETRANGE k 0 3 => "This"
        GETRANGE k -3 -1 => "ing"
        GETRANGE k 0 -1 => "This is a string"
        GETRANGE k 10 100 => "string"
        GETRANGE k 5 3 => ""
        GETRANGE k -100 -50 => "T"
        GETRANGE k -100 2 => "Thi"
        GETRANGE k 100 200 => ""
        GETRANGE k 0 0 => "T"
        GETRANGE k -1 -1 => "g"
        GETRANGE k 15 15 => "g"
        GETRANGE k 16 16 => ""
        GETRANGE k -9223372036854775808 9223372036854775807 => "This is a string"
        GETRANGE k 0 -100 => "T"
        GETRANGE k 0 a => -ERR value is not an integer or out of range
        GETRANGE k a 0 => -ERR value is not an integer or out of range
        GETRANGE k 0 1.5 => -ERR value is not an integer or out of range
        GETRANGE nokey 0 -1 => ""
        GETRANGE nokey 0 10 => ""
        SET n 12345 => +OK
        GETRANGE n 1 2 => "23"
        GETRANGE n -2 -1 => "45"
        SET e "" => +OK
        GETRANGE e 0 -1 => ""
        GETRANGE e 0 0 => ""
        GETRANGE e -1 0 => ""
        SUBSTR k 0 3 => "This"
        SUBSTR k -6 -1 => "string"
        SUBSTR nokey 0 1 => ""
        SUBSTR k 0 x => -ERR value is not an integer or out of range
        GETRANGE k 0 => -ERR wrong number of arguments for 'getrange' command
        SUBSTR k 0 => -ERR wrong number of arguments for 'substr' command
    "#,
    );
}

#[test]
fn setrange() {
    let mut c = TestServer::new().client();
    c.script(r#"
        SET k "Hello World" => +OK
        SETRANGE k 6 Redis => :11
        GET k => "Hello Redis"
        SETRANGE new 5 x => :6
        GET new => "\x00\x00\x00\x00\x00x"
        SETRANGE k 20 ! => :21
        GET k => "Hello Redis\x00\x00\x00\x00\x00\x00\x00\x00\x00!"
        SETRANGE k 0 "" => :21
        SETRANGE k 100 "" => :21
        STRLEN k => :21
        SETRANGE missing 3 "" => :0
        EXISTS missing => :0
        SETRANGE missing 0 "" => :0
        EXISTS missing => :0
        SETRANGE k -1 x => -ERR offset is out of range
        SETRANGE k -1 "" => -ERR offset is out of range
        SETRANGE missing -1 x => -ERR offset is out of range
        SETRANGE k abc x => -ERR value is not an integer or out of range
        SETRANGE k 1.5 x => -ERR value is not an integer or out of range
        SETRANGE k 536870912 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
        SETRANGE k 536870911 "" => :21
        SETRANGE k 9223372036854775807 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
        SET n 12345 => +OK
        SETRANGE n 1 x => :5
        GET n => "1x345"
        SETRANGE n 0 9 => :5
        GET n => "9x345"
        SETRANGE k 0 => -ERR wrong number of arguments for 'setrange' command
    "#);
}

#[test]
fn size_limits_with_a_small_proto_max_bulk_len() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        CONFIG SET proto-max-bulk-len 1mb => +OK
        CONFIG GET proto-max-bulk-len => ["proto-max-bulk-len", "1048576"]
        SETRANGE k 1048576 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
        SETRANGE k 1048575 xy => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
        SETRANGE k 1048575 x => :1048576
        STRLEN k => :1048576
        APPEND k y => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
        APPEND k "" => :1048576
        STRLEN k => :1048576
        SETRANGE k 1048575 z => :1048576
        SETRANGE k 1048576 "" => :1048576
        SETRANGE j 1048576 "" => :0
        EXISTS j => :0
    "#,
    );
}

#[test]
fn lcs_doc_example_and_options() {
    let server = TestServer::new();
    let mut c = server.client();
    c.script(r#"
        MSET key1 ohmytext key2 mynewtext => +OK
        LCS key1 key2 => "mytext"
        LCS key1 key2 LEN => :6
        LCS key1 key2 IDX => ["matches", [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], "len", :6]
        LCS key1 key2 IDX MINMATCHLEN 4 => ["matches", [[[:4, :7], [:5, :8]]], "len", :6]
        LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN => ["matches", [[[:4, :7], [:5, :8], :4]], "len", :6]
        LCS key1 key2 IDX WITHMATCHLEN => ["matches", [[[:4, :7], [:5, :8], :4], [[:2, :3], [:0, :1], :2]], "len", :6]
        LCS key1 key2 WITHMATCHLEN => "mytext"
        LCS key1 key2 MINMATCHLEN 4 => "mytext"
        LCS key1 key2 idx minmatchlen 0 => ["matches", [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], "len", :6]
        LCS key1 key2 IDX MINMATCHLEN -1 => ["matches", [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], "len", :6]
        LCS key1 key2 IDX MINMATCHLEN 100 => ["matches", [], "len", :6]
        LCS key1 key2 IDX MINMATCHLEN 2 MINMATCHLEN 5 => ["matches", [], "len", :6]
        LCS key1 key2 LEN IDX => -ERR If you want both the length and indexes, please just use IDX.
        LCS key1 key2 IDX LEN => -ERR If you want both the length and indexes, please just use IDX.
        LCS key1 key2 LEN LEN => :6
        LCS key1 key2 MINMATCHLEN => -ERR syntax error
        LCS key1 key2 MINMATCHLEN abc => -ERR value is not an integer or out of range
        LCS key1 key2 MINMATCHLEN abc LEN IDX => -ERR value is not an integer or out of range
        LCS key1 key2 LEN IDX MINMATCHLEN abc => -ERR value is not an integer or out of range
        LCS key1 key2 foo => -ERR syntax error
        LCS key1 nokey => ""
        LCS nokey key1 IDX => ["matches", [], "len", :0]
        LCS nokey1 nokey2 LEN => :0
        LCS key1 key1 => "ohmytext"
        LCS key2 key1 IDX WITHMATCHLEN => ["matches", [[[:5, :8], [:4, :7], :4], [[:0, :1], [:2, :3], :2]], "len", :6]
        MSET a abcde b xyz => +OK
        LCS a b => ""
        LCS a b IDX => ["matches", [], "len", :0]
        LCS key1 => -ERR wrong number of arguments for 'lcs' command
        LCS => -ERR wrong number of arguments for 'lcs' command
    "#);
    // RESP3: IDX replies with a map.
    c.resp3().script(r#"
        LCS key1 key2 IDX WITHMATCHLEN => {"matches": [[[:4, :7], [:5, :8], :4], [[:2, :3], [:0, :1], :2]], "len": :6}
        LCS key1 key2 LEN => :6
    "#);
}

#[test]
fn lcs_transient_memory_is_capped_by_proto_max_bulk_len() {
    let mut c = TestServer::new().client();
    let a511 = "a".repeat(511);
    let a512 = "a".repeat(512);
    // The table takes (len1 + 1) * (len2 + 1) four-byte cells: 512 * 512 * 4 is exactly
    // 1 MiB, which fits; 512 * 513 * 4 does not.
    c.check(&[
        ("CONFIG SET proto-max-bulk-len 1mb".to_string(), "+OK"),
        (format!("SET d {a511}"), "+OK"),
        (format!("SET e {a512}"), "+OK"),
        ("LCS d d LEN".to_string(), ":511"),
        (
            "LCS d e LEN".to_string(),
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ),
        (
            "LCS e e LEN".to_string(),
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ),
        (
            "LCS e e IDX".to_string(),
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ),
    ]);
}
