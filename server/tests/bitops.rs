//! The bitmap commands through the real dispatcher: SETBIT, GETBIT, BITCOUNT, BITPOS,
//! BITOP, BITFIELD and BITFIELD_RO, every option and error path.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation).

use scarlet_server::testkit::{TestServer, render_bytes};

/// Single bits, offsets at the proto-max-bulk-len limit, int-encoded values read as text.
#[test]
fn setbit_and_getbit() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SETBIT k 7 1 => :0
        GET k => "\x01"
        OBJECT ENCODING k => "raw"
        SETBIT k 7 1 => :1
        SETBIT k 7 0 => :1
        GETBIT k 7 => :0
        SETBIT k 100 1 => :0
        STRLEN k => :13
        GETBIT k 100 => :1
        GETBIT k 101 => :0
        GETBIT k 999999 => :0
        GETBIT nokey 0 => :0
        SETBIT k -1 1 => -ERR bit offset is not an integer or out of range
        SETBIT k abc 1 => -ERR bit offset is not an integer or out of range
        SETBIT k 4294967296 1 => -ERR bit offset is not an integer or out of range
        SETBIT k 4294967295 2 => -ERR bit is not an integer or out of range
        SETBIT k 0 2 => -ERR bit is not an integer or out of range
        SETBIT k 0 -1 => -ERR bit is not an integer or out of range
        SETBIT k 0 abc => -ERR bit is not an integer or out of range
        SETBIT k 0 "" => -ERR bit is not an integer or out of range
        GETBIT k -1 => -ERR bit offset is not an integer or out of range
        GETBIT k 4294967296 => -ERR bit offset is not an integer or out of range
        GETBIT k 1.5 => -ERR bit offset is not an integer or out of range
        SET n 1 => +OK
        OBJECT ENCODING n => "int"
        GETBIT n 2 => :1
        GETBIT n 3 => :1
        GETBIT n 7 => :1
        SETBIT n 6 1 => :0
        GET n => "3"
        OBJECT ENCODING n => "raw"
        SET e foo => +OK
        OBJECT ENCODING e => "embstr"
        SETBIT e 0 0 => :0
        OBJECT ENCODING e => "raw"
        LPUSH l a => :1
        SETBIT l 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        GETBIT l 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        SETBIT => -ERR wrong number of arguments for 'setbit' command
        SETBIT k 1 => -ERR wrong number of arguments for 'setbit' command
        GETBIT k => -ERR wrong number of arguments for 'getbit' command
    "#,
    );
}

/// Byte and bit ranges, negative indexes, clamping, and BITCOUNT's argument checks.
#[test]
fn bitcount_ranges() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET s foobar => +OK
        BITCOUNT s => :26
        BITCOUNT s 0 0 => :4
        BITCOUNT s 1 1 => :6
        BITCOUNT s 1 1 BYTE => :6
        BITCOUNT s 5 30 BIT => :17
        BITCOUNT s 5 30 bit => :17
        BITCOUNT s 0 -1 => :26
        BITCOUNT s -2 -1 => :7
        BITCOUNT s -1 -2 => :0
        BITCOUNT s 2 1 => :0
        BITCOUNT s -100 100 => :26
        BITCOUNT s 0 -1 BIT => :26
        BITCOUNT s -5 -1 BIT => :2
        BITCOUNT s 7 7 BIT => :0
        BITCOUNT s 0 1 FOO => -ERR syntax error
        BITCOUNT s 0 => -ERR syntax error
        BITCOUNT s 0 1 BIT x => -ERR syntax error
        BITCOUNT s a 1 => -ERR value is not an integer or out of range
        BITCOUNT s 0 b => -ERR value is not an integer or out of range
        BITCOUNT nokey => :0
        BITCOUNT nokey 0 => :0
        BITCOUNT nokey a b => :0
        SET n 12345 => +OK
        BITCOUNT n => :17
        BITCOUNT n 1 2 => :7
        SET empty "" => +OK
        BITCOUNT empty => :0
        BITCOUNT empty 0 -1 => :0
        BITCOUNT empty 0 -1 BIT => :0
        HSET h f v => :1
        BITCOUNT h => -WRONGTYPE Operation against a key holding the wrong kind of value
        BITCOUNT h 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BITCOUNT => -ERR wrong number of arguments for 'bitcount' command
    "#,
    );
}

/// BITPOS with and without an end: an open range reads as zero-padded, a closed one does not.
#[test]
fn bitpos_ranges() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET s "\xff\xf0\x00" => +OK
        BITPOS s 0 => :12
        BITPOS s 1 => :0
        BITPOS s 1 2 => :-1
        BITPOS s 0 0 0 => :-1
        BITPOS s 1 2 -1 BYTE => :-1
        BITPOS s 0 7 15 BIT => :12
        BITPOS s 1 7 15 BIT => :7
        BITPOS s 0 12 BIT => -ERR value is not an integer or out of range
        BITPOS s 1 13 BIT => -ERR value is not an integer or out of range
        BITPOS s 1 13 22 BIT => :-1
        BITPOS s 0 0 11 BIT => :-1
        SET ones "\xff\xff\xff" => +OK
        BITPOS ones 0 => :24
        BITPOS ones 0 1 => :24
        BITPOS ones 0 0 -1 => :-1
        BITPOS ones 0 0 -1 BIT => :-1
        BITPOS ones 0 3 BIT => -ERR value is not an integer or out of range
        BITPOS ones 0 3 5 BIT => :-1
        BITPOS ones 1 -1 -1 BIT => :23
        BITPOS ones 1 5 2 => :-1
        SET zeros "\x00\x00\x00" => +OK
        BITPOS zeros 1 => :-1
        BITPOS zeros 0 => :0
        BITPOS zeros 1 1 BIT => -ERR value is not an integer or out of range
        BITPOS zeros 0 -3 -2 BIT => :21
        BITPOS nokey 0 => :0
        BITPOS nokey 1 => :-1
        BITPOS nokey 1 5 10 => :-1
        BITPOS nokey 2 => -ERR The bit argument must be 1 or 0.
        BITPOS s 2 => -ERR The bit argument must be 1 or 0.
        BITPOS s -1 => -ERR The bit argument must be 1 or 0.
        BITPOS s a => -ERR value is not an integer or out of range
        BITPOS s 1 a => -ERR value is not an integer or out of range
        BITPOS s 1 0 a => -ERR value is not an integer or out of range
        BITPOS s 1 0 1 FOO => -ERR syntax error
        BITPOS s 1 0 1 BIT extra => -ERR syntax error
        SET empty "" => +OK
        BITPOS empty 0 => :-1
        BITPOS empty 1 => :-1
        BITPOS empty 0 0 => :-1
        BITPOS empty 0 0 -1 BIT => :-1
        SET n 7 => +OK
        BITPOS n 1 => :2
        BITPOS n 0 => :0
        SADD st m => :1
        BITPOS st 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
    "#,
    );
}

/// AND, OR, XOR and NOT, missing keys as empty strings, an empty result deleting the key.
#[test]
fn bitop_operations() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET a "\xff\x0f" => +OK
        SET b "\x0f" => +OK
        BITOP AND dest a b => :2
        GET dest => "\x0f\x00"
        OBJECT ENCODING dest => "raw"
        BITOP OR dest a b => :2
        GET dest => "\xff\x0f"
        BITOP XOR dest a b => :2
        GET dest => "\xf0\x0f"
        BITOP NOT dest a => :2
        GET dest => "\x00\xf0"
        BITOP NOT dest a b => -ERR BITOP NOT must be called with a single source key.
        BITOP and dest a nokey => :2
        GET dest => "\x00\x00"
        BITOP or dest nokey b => :1
        GET dest => "\x0f"
        BITOP AND dest nokey nokey2 => :0
        EXISTS dest => :0
        BITOP XOR dest2 nokey => :0
        EXISTS dest2 => :0
        BITOP FOO dest a => -ERR syntax error
        BITOP AND dest => -ERR wrong number of arguments for 'bitop' command
        SET n 12 => +OK
        BITOP NOT dest n => :2
        GET dest => "\xce\xcd"
        LPUSH l x => :1
        BITOP AND dest a l => -WRONGTYPE Operation against a key holding the wrong kind of value
        BITOP AND l a => :2
        GET l => "\xff\x0f"
        SET big "0123456789012345678901234567890123456789" => +OK
        SET big2 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz" => +OK
        BITOP AND d3 big big2 => :52
        GET d3 => "  \" $$& ((   \"$00200002000 \"    \"   \"$((\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        BITOP OR d3 big big2 => :52
        GET d3 => "qsswuww\x7fy{{}\x7f\x7f\x7fuww{}uww{}\x7fww{}uww{}\x7f\x7f\x7f}\x7fopqrstuvwxyz"
        BITOP XOR d3 big big2 a => :52
        GET d3 => "\xae\\QWQSQ_QS[]_][EGEKMEGEKMOWU[]UWU[]_][UWopqrstuvwxyz"
    "#,
    );
}

/// Signed and unsigned fields, the three overflow policies, `#` offsets, BITFIELD_RO.
#[test]
fn bitfield_operations() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        BITFIELD bf SET i8 0 100 => [:0]
        BITFIELD bf GET i8 0 => [:100]
        BITFIELD bf INCRBY i8 0 27 => [:127]
        BITFIELD bf INCRBY i8 0 1 => [:-128]
        BITFIELD bf OVERFLOW SAT INCRBY i8 0 100 => [:-28]
        BITFIELD bf OVERFLOW FAIL INCRBY i8 0 1 => [:-27]
        BITFIELD bf OVERFLOW FAIL INCRBY i8 0 -1 GET i8 0 => [:-28, :-28]
        BITFIELD bf OVERFLOW WRAP INCRBY i8 0 200 => [:-84]
        BITFIELD bf SET u8 8 255 GET u8 8 INCRBY u8 8 1 => [:0, :255, :0]
        BITFIELD bf OVERFLOW SAT SET u8 8 -1 SET u8 16 300 GET u8 16 => [:0, :0, :255]
        BITFIELD bf OVERFLOW WRAP SET u8 8 -1 GET u8 8 => [:255, :255]
        BITFIELD bf SET u4 #3 15 GET u4 #3 GET u8 8 => [:15, :15, :255]
        BITFIELD bf GET i64 0 GET u63 1 => [:-5980781404659646464, :3242590632195129344]
        BITFIELD bf SET i64 64 -1 GET i64 64 GET u63 64 GET u1 127 => [:0, :-1, :9223372036854775807, :1]
        BITFIELD bf INCRBY i64 64 1 OVERFLOW SAT INCRBY i64 64 9223372036854775807 => [:0, :9223372036854775807]
        BITFIELD bf OVERFLOW SAT INCRBY i64 64 -9223372036854775808 INCRBY i64 64 -1 => [:-1, :-2]
        BITFIELD bf OVERFLOW FAIL INCRBY i64 64 -1 => [:-3]
        BITFIELD bf OVERFLOW WRAP INCRBY i64 64 -1 => [:-4]
        BITFIELD bf SET u3 5 7 GET u3 5 GET i3 5 INCRBY i3 5 1 => [:4, :7, :-1, :0]
        GET bf => "\xa8\xff\xff\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xfc"
        STRLEN bf => :16
        BITFIELD bf => []
        BITFIELD nokey GET u8 0 GET i16 100 => [:0, :0]
        EXISTS nokey => :0
        BITFIELD bf GET u64 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
        BITFIELD bf GET i65 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
        BITFIELD bf GET u0 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
        BITFIELD bf GET x8 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
        BITFIELD bf GET "" 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
        BITFIELD bf GET i8 -1 => -ERR bit offset is not an integer or out of range
        BITFIELD bf GET i8 a => -ERR bit offset is not an integer or out of range
        BITFIELD bf GET i8 #-1 => -ERR bit offset is not an integer or out of range
        BITFIELD bf GET i8 # => -ERR bit offset is not an integer or out of range
        BITFIELD bf GET i8 4294967296 => -ERR bit offset is not an integer or out of range
        BITFIELD bf GET i8 #536870912 => -ERR bit offset is not an integer or out of range
        BITFIELD bf GET i8 #536870911 => [:0]
        BITFIELD bf SET i8 0 a => -ERR value is not an integer or out of range
        BITFIELD bf SET i8 0 => -ERR syntax error
        BITFIELD bf GET i8 => -ERR syntax error
        BITFIELD bf FOO i8 0 => -ERR syntax error
        BITFIELD bf OVERFLOW FOO GET i8 0 => -ERR Invalid OVERFLOW type specified
        BITFIELD bf OVERFLOW => -ERR syntax error
        BITFIELD bf GET i8 0 FOO => -ERR syntax error
        BITFIELD bf SET i8 0 1 GET u64 0 => -ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.
        BITFIELD_RO bf GET i8 0 GET u4 #3 => [:-88, :15]
        BITFIELD_RO bf SET i8 0 1 => -ERR BITFIELD_RO only supports the GET subcommand
        BITFIELD_RO bf INCRBY i8 0 1 => -ERR BITFIELD_RO only supports the GET subcommand
        BITFIELD_RO bf OVERFLOW SAT GET i8 0 => [:-88]
        BITFIELD_RO bf GET i8 => -ERR syntax error
        BITFIELD_RO bf => []
        BITFIELD_RO nokey GET u8 0 => [:0]
        BITFIELD new OVERFLOW FAIL INCRBY u2 10 5 => [nil]
        EXISTS new => :1
        GET new => "\x00\x00"
        BITFIELD new2 GET u8 0 SET u8 #2 1 => [:0, :0]
        GET new2 => "\x00\x00\x01"
        OBJECT ENCODING new2 => "raw"
        SET n 42 => +OK
        BITFIELD n GET u8 0 GET u8 8 => [:52, :50]
        BITFIELD_RO n GET u8 0 => [:52]
        BITFIELD n SET u8 0 1 => [:52]
        GET n => "\x012"
        LPUSH l a => :1
        BITFIELD l GET u8 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BITFIELD_RO l GET u8 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BITFIELD l SET u8 0 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
        BITFIELD l GET u8 a => -ERR bit offset is not an integer or out of range
    "#,
    );
}

/// Keyspace events: "setbit" only when a bit or field changed, BITOP's "set" or "del".
#[test]
fn bitmap_events() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut c = server.client();
    c.script("CONFIG SET notify-keyspace-events E$gn => +OK");
    sub.script("PSUBSCRIBE * => [\"psubscribe\", \"*\", :1]");
    c.script(
        r#"
        SETBIT b 3 1 => :0
        SETBIT b 3 1 => :1
        SETBIT b 3 0 => :1
        BITFIELD b GET u8 0 => [:0]
        BITFIELD b SET u8 0 5 => [:0]
        BITFIELD b SET u8 0 5 => [:5]
        BITFIELD b2 OVERFLOW FAIL INCRBY u2 0 9 => [nil]
        BITOP OR d b => :1
        BITOP OR d nokey => :0
        BITOP OR d nokey => :0
    "#,
    );
    let got = render_bytes(&sub.resume());
    let want = [
        ("new", "b"),
        ("setbit", "b"),
        ("setbit", "b"),
        ("setbit", "b"),
        ("new", "b2"),
        ("new", "d"),
        ("set", "d"),
        ("del", "d"),
    ]
    .map(|(event, key)| format!(r#"["pmessage", "*", "__keyevent@0__:{event}", "{key}"]"#))
    .join("\n");
    assert_eq!(got, want);
}
