//! The HyperLogLog commands through the real dispatcher: PFADD, PFCOUNT, PFMERGE and
//! PFDEBUG, the stored bytes (which must be Redis's, cache bit included), corrupt and
//! non-HyperLogLog values, and promotion to dense at hll-sparse-max-bytes.
//!
//! Each expected reply is what Redis 7.0.15 answered to the same session (see
//! `scarlet_server::testkit` for the notation).

use scarlet_server::testkit::{TestServer, render_bytes};

/// Every command, its errors and the bytes it stores.
#[test]
fn hyperloglog_commands() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        PFADD h a b c => :1
        PFADD h a => :0
        PFADD h => :0
        PFADD empty => :1
        EXISTS empty => :1
        GET empty => "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"
        PFCOUNT empty => :0
        GET empty => "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
        OBJECT ENCODING h => "raw"
        GET h => "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
        PFCOUNT h => :3
        GET h => "HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ"
        PFADD h d e f g => :1
        PFCOUNT h => :7
        PFDEBUG ENCODING h => +sparse
        PFDEBUG DECODE h => "Z:1646 v:1,1 Z:5645 v:1,1 Z:1085 v:2,1 z:57 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 v:1,1 Z:603"
        PFDEBUG TODENSE h => :1
        PFDEBUG TODENSE h => :0
        PFDEBUG ENCODING h => +dense
        PFDEBUG DECODE h => -ERR HLL encoding is not sparse
        PFCOUNT h => :7
        STRLEN h => :12304
        PFADD h2 x y z => :1
        PFCOUNT h h2 => :10
        PFCOUNT h h2 nokey => :10
        PFCOUNT nokey => :0
        PFCOUNT nokey nokey2 => :0
        PFMERGE dst h h2 => +OK
        PFCOUNT dst => :10
        PFDEBUG ENCODING dst => +dense
        PFMERGE dst2 h2 => +OK
        PFDEBUG ENCODING dst2 => +sparse
        PFCOUNT dst2 => :3
        PFDEBUG DECODE dst2 => "Z:8581 v:1,1 Z:6350 v:3,1 Z:1441 v:2,1 z:9"
        PFMERGE dst3 => +OK
        EXISTS dst3 => :1
        GET dst3 => "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"
        PFMERGE dst3 nokey => +OK
        PFCOUNT dst3 => :0
        SET s foo => +OK
        PFADD s a => -WRONGTYPE Key is not a valid HyperLogLog string value.
        PFCOUNT s => -WRONGTYPE Key is not a valid HyperLogLog string value.
        PFCOUNT h s => -WRONGTYPE Key is not a valid HyperLogLog string value.
        PFMERGE h s => -WRONGTYPE Key is not a valid HyperLogLog string value.
        PFMERGE s h => -WRONGTYPE Key is not a valid HyperLogLog string value.
        PFDEBUG ENCODING s => -WRONGTYPE Key is not a valid HyperLogLog string value.
        SET n 123 => +OK
        PFADD n a => -WRONGTYPE Key is not a valid HyperLogLog string value.
        LPUSH l a => :1
        PFADD l a => -WRONGTYPE Operation against a key holding the wrong kind of value
        PFCOUNT l => -WRONGTYPE Operation against a key holding the wrong kind of value
        PFCOUNT h l => -WRONGTYPE Operation against a key holding the wrong kind of value
        PFMERGE l h => -WRONGTYPE Operation against a key holding the wrong kind of value
        PFDEBUG ENCODING l => -WRONGTYPE Operation against a key holding the wrong kind of value
        PFDEBUG ENCODING nokey => -ERR The specified key does not exist
        PFDEBUG FOO h => -ERR Unknown PFDEBUG subcommand 'FOO'
        PFDEBUG FOO nokey => -ERR The specified key does not exist
        PFDEBUG GETREG => -ERR wrong number of arguments for 'pfdebug' command
        SET short "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" => +OK
        PFCOUNT short => -WRONGTYPE Key is not a valid HyperLogLog string value.
        SET baddense "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00" => +OK
        PFCOUNT baddense => -WRONGTYPE Key is not a valid HyperLogLog string value.
        SET badenc "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff" => +OK
        PFCOUNT badenc => -WRONGTYPE Key is not a valid HyperLogLog string value.
        SET corrupt "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe" => +OK
        PFCOUNT corrupt => -INVALIDOBJ Corrupted HLL object detected
        PFADD corrupt a b c => :1
        PFCOUNT corrupt h => -INVALIDOBJ Corrupted HLL object detected
        PFMERGE h corrupt => -INVALIDOBJ Corrupted HLL object detected
        PFDEBUG TODENSE corrupt => -INVALIDOBJ Corrupted HLL object detected
        PFDEBUG DECODE corrupt => "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:602"
        PFDEBUG ENCODING corrupt => +sparse
        SET cached "HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x7f\xff" => +OK
        PFCOUNT cached => :42
        PFADD cached a => :1
        PFCOUNT cached => :1
        SET toolong "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x7f\xff" => +OK
        PFCOUNT toolong => -INVALIDOBJ Corrupted HLL object detected
        PFADD toolong a => :1
        SET overrun "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfc\xff" => +OK
        PFCOUNT overrun => -INVALIDOBJ Corrupted HLL object detected
        PFCOUNT overrun h => -INVALIDOBJ Corrupted HLL object detected
        PFADD => -ERR wrong number of arguments for 'pfadd' command
        PFCOUNT => -ERR wrong number of arguments for 'pfcount' command
        PFMERGE => -ERR wrong number of arguments for 'pfmerge' command
        PFDEBUG ENCODING => -ERR wrong number of arguments for 'pfdebug' command
        PFSELFTEST x => -ERR wrong number of arguments for 'pfselftest' command
        CONFIG SET hll-sparse-max-bytes 30 => +OK
        PFADD small 1 2 3 4 5 6 7 8 9 10 => :1
        PFDEBUG ENCODING small => +dense
        PFCOUNT small => :10
        CONFIG SET hll-sparse-max-bytes 3000 => +OK
        CONFIG GET hll-sparse-max-bytes => ["hll-sparse-max-bytes", "3000"]
    "#,
    );
}

/// PFSELFTEST runs the register and estimator checks (ten million elements).
#[test]
fn pfselftest_passes() {
    let mut c = TestServer::new().client();
    c.script("PFSELFTEST => +OK");
}

/// Keyspace events: PFADD's "pfadd" only when a register changed, PFMERGE's "pfadd", none
/// for PFCOUNT's cache refresh or PFDEBUG.
#[test]
fn hyperloglog_events() {
    let server = TestServer::new();
    let mut sub = server.client();
    let mut c = server.client();
    c.script("CONFIG SET notify-keyspace-events E$gn => +OK");
    sub.script("PSUBSCRIBE * => [\"psubscribe\", \"*\", :1]");
    c.script(
        r#"
        PFADD h a => :1
        PFADD h a => :0
        PFCOUNT h => :1
        PFCOUNT h => :1
        PFMERGE h2 h => +OK
        PFDEBUG TODENSE h => :1
    "#,
    );
    let got = render_bytes(&sub.resume());
    let want = [("new", "h"), ("pfadd", "h"), ("new", "h2"), ("pfadd", "h2")]
        .map(|(event, key)| format!(r#"["pmessage", "*", "__keyevent@0__:{event}", "{key}"]"#))
        .join("\n");
    assert_eq!(got, want);
}

/// Corrupt sparse values as Debian's Redis 7.0.15 (with the CVE-2025-32023 fix) treats
/// them: a VAL run past the last register is refused by every reader, even after a full
/// cover; a value cut inside an XZERO still takes additions, in Redis's byte layout.
#[test]
fn corrupt_sparse_values() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET over "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x80" => +OK
        PFCOUNT over nokey => -INVALIDOBJ Corrupted HLL object detected
        PFMERGE dst over => -INVALIDOBJ Corrupted HLL object detected
        PFDEBUG TODENSE over => -INVALIDOBJ Corrupted HLL object detected
        PFCOUNT over => -INVALIDOBJ Corrupted HLL object detected
        PFADD over a => :1
        GET over => "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80q\xa6\x84NW\x80"
        SET cut "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x9c\x7fV\x8fk" => +OK
        PFADD cut 1 2 3 4 5 6 7 8 9 => :1
        GET cut => "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x9cA\xed\x84H#\x80SQ\x80L\xe0\x80@\x92\x80L?\x80B\xd7\x80B\x12\x8c@\xcf\x84Bz\x8fk"
        PFDEBUG DECODE cut => "v:8,1 Z:494 v:2,1 Z:2084 v:1,1 Z:4946 v:1,1 Z:3297 v:1,1 Z:147 v:1,1 Z:3136 v:1,1 Z:728 v:1,1 Z:531 v:4,1 Z:208 v:2,1 Z:635 v:4,4 Z:11009"
    "#,
    );
}
