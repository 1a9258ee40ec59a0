//! The expiry family through the real dispatcher: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT
//! with NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST.
//!
//! Script rows hold Redis 7.0.15's replies to the same session. Commands read the wall
//! clock, so rows only use relative times whose answer cannot change within a test's run
//! (TTL rounds to whole seconds) and absolute times far in the past or future; PTTL is
//! checked against a range in code. Nothing sleeps.

use scarlet_protocol::Frame;
use scarlet_server::testkit::TestServer;

#[test]
fn expire_family_sets_and_reads_ttls() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k v => +OK
        TTL k => :-1
        PTTL k => :-1
        EXPIRETIME k => :-1
        PEXPIRETIME k => :-1
        TTL nokey => :-2
        PTTL nokey => :-2
        EXPIRETIME nokey => :-2
        PEXPIRETIME nokey => :-2
        EXPIRE k 100 => :1
        TTL k => :100
        PEXPIRE k 200000 => :1
        TTL k => :200
        EXPIREAT k 32503680000 => :1
        EXPIRETIME k => :32503680000
        PEXPIRETIME k => :32503680000000
        PEXPIREAT k 32503680000123 => :1
        PEXPIRETIME k => :32503680000123
        EXPIRETIME k => :32503680000
        PEXPIREAT k 32503680000500 => :1
        EXPIRETIME k => :32503680001
        PEXPIREAT k 32503680000499 => :1
        EXPIRETIME k => :32503680000
        PERSIST k => :1
        TTL k => :-1
        PERSIST k => :0
        PERSIST nokey => :0
        EXPIRE nokey 100 => :0
        PEXPIRE nokey 100 => :0
        EXPIREAT nokey 100 => :0
        PEXPIREAT nokey 100 => :0
        EXPIREAT k 9223372036854775 => :1
        PEXPIRETIME k => :9223372036854775000
        PEXPIREAT k 9223372036854775807 => :1
        PEXPIRETIME k => :9223372036854775807
    "#,
    );
}

#[test]
fn expire_in_the_past_deletes() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET a v => +OK
        EXPIRE a 0 => :1
        EXISTS a => :0
        SET a v => +OK
        EXPIRE a -1 => :1
        EXISTS a => :0
        SET a v => +OK
        PEXPIRE a -100 => :1
        EXISTS a => :0
        SET a v => +OK
        EXPIREAT a 1 => :1
        EXISTS a => :0
        SET a v => +OK
        PEXPIREAT a 0 => :1
        EXISTS a => :0
        SET a v => +OK
        PEXPIREAT a -9223372036854775808 => :1
        EXISTS a => :0
        SET a v => +OK
        EXPIRE a -9223372036854775 => :1
        EXISTS a => :0
        SET a v EX 100 => +OK
        EXPIRE a 0 GT => :0
        TTL a => :100
        EXPIRE a 0 LT => :1
        EXISTS a => :0
    "#,
    );
}

#[test]
fn expire_errors() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k v => +OK
        EXPIRE k abc => -ERR value is not an integer or out of range
        EXPIRE k 1.5 => -ERR value is not an integer or out of range
        EXPIRE k "" => -ERR value is not an integer or out of range
        PEXPIRE k 10x => -ERR value is not an integer or out of range
        EXPIREAT k abc => -ERR value is not an integer or out of range
        PEXPIREAT k 9223372036854775808 => -ERR value is not an integer or out of range
        EXPIRE k 9223372036854775807 => -ERR invalid expire time in 'expire' command
        EXPIRE k 9223372036854776 => -ERR invalid expire time in 'expire' command
        EXPIRE k 9223372036854775 => -ERR invalid expire time in 'expire' command
        EXPIRE k -9223372036854776 => -ERR invalid expire time in 'expire' command
        PEXPIRE k 9223372036854775807 => -ERR invalid expire time in 'pexpire' command
        EXPIREAT k 9223372036854776 => -ERR invalid expire time in 'expireat' command
        EXPIREAT k -9223372036854776 => -ERR invalid expire time in 'expireat' command
        EXPIRE nokey 9223372036854775807 => -ERR invalid expire time in 'expire' command
        EXPIRE nokey abc => -ERR value is not an integer or out of range
        EXPIRE k 100 FOO => -ERR Unsupported option FOO
        EXPIRE k 100 NX FOO => -ERR Unsupported option FOO
        EXPIRE k 100 "N\x00X" => -ERR Unsupported option N
        EXPIRE k abc FOO => -ERR Unsupported option FOO
        EXPIRE nokey 100 FOO => -ERR Unsupported option FOO
        EXPIRE k 100 NX XX => -ERR NX and XX, GT or LT options at the same time are not compatible
        EXPIRE k 100 NX GT => -ERR NX and XX, GT or LT options at the same time are not compatible
        EXPIRE k 100 NX LT => -ERR NX and XX, GT or LT options at the same time are not compatible
        EXPIRE k 100 XX NX => -ERR NX and XX, GT or LT options at the same time are not compatible
        EXPIRE k 100 GT LT => -ERR GT and LT options at the same time are not compatible
        EXPIRE k 100 LT GT => -ERR GT and LT options at the same time are not compatible
        EXPIRE k 100 NX GT LT => -ERR NX and XX, GT or LT options at the same time are not compatible
        EXPIRE k abc NX XX => -ERR NX and XX, GT or LT options at the same time are not compatible
        PEXPIRE k 100 nx xx => -ERR NX and XX, GT or LT options at the same time are not compatible
        EXPIREAT k 100 gt lt => -ERR GT and LT options at the same time are not compatible
        PEXPIREAT k 100 NX LT => -ERR NX and XX, GT or LT options at the same time are not compatible
        TTL k => :-1
        EXPIRE k => -ERR wrong number of arguments for 'expire' command
        EXPIRE => -ERR wrong number of arguments for 'expire' command
        PEXPIRE k => -ERR wrong number of arguments for 'pexpire' command
        EXPIREAT k => -ERR wrong number of arguments for 'expireat' command
        PEXPIREAT k => -ERR wrong number of arguments for 'pexpireat' command
        TTL => -ERR wrong number of arguments for 'ttl' command
        TTL a b => -ERR wrong number of arguments for 'ttl' command
        PTTL => -ERR wrong number of arguments for 'pttl' command
        EXPIRETIME => -ERR wrong number of arguments for 'expiretime' command
        PEXPIRETIME a b => -ERR wrong number of arguments for 'pexpiretime' command
        PERSIST => -ERR wrong number of arguments for 'persist' command
        PERSIST a b => -ERR wrong number of arguments for 'persist' command
    "#,
    );
}

#[test]
fn expire_conditions_nx_xx_gt_lt() {
    let mut c = TestServer::new().client();
    c.script(
        r#"
        SET k v => +OK
        EXPIRE k 100 XX => :0
        TTL k => :-1
        # No TTL counts as an infinite one: GT never wins over it, LT always does.
        EXPIRE k 100 GT => :0
        TTL k => :-1
        EXPIRE k 100 LT => :1
        TTL k => :100
        PERSIST k => :1
        EXPIRE k 100 NX => :1
        TTL k => :100
        EXPIRE k 200 NX => :0
        TTL k => :100
        EXPIRE k 200 XX => :1
        TTL k => :200
        EXPIRE k 100 GT => :0
        TTL k => :200
        EXPIRE k 300 GT => :1
        TTL k => :300
        EXPIRE k 400 LT => :0
        TTL k => :300
        EXPIRE k 100 LT => :1
        TTL k => :100
        EXPIRE k 150 XX GT => :1
        TTL k => :150
        EXPIRE k 120 XX LT => :1
        TTL k => :120
        EXPIRE k 100 GT GT => :0
        EXPIRE k 100 LT LT => :1
        TTL k => :100
        EXPIRE k 100 NX NX => :0
        EXPIRE k 200 XX XX => :1
        TTL k => :200
        # GT and LT are strict comparisons.
        PEXPIREAT k 32503680000000 => :1
        PEXPIREAT k 32503680000000 GT => :0
        PEXPIREAT k 32503680000000 LT => :0
        PEXPIREAT k 32503680000001 LT => :0
        PEXPIREAT k 32503680000001 GT => :1
        PEXPIRETIME k => :32503680000001
        PEXPIREAT k 32503679999999 LT => :1
        PEXPIRETIME k => :32503679999999
        EXPIREAT k 32503680000 NX => :0
        EXPIREAT k 32503680001 XX => :1
        EXPIRETIME k => :32503680001
        PERSIST k => :1
        PEXPIREAT k 32503680000000 LT => :1
        PEXPIRETIME k => :32503680000000
        PEXPIREAT k 1 GT => :0
        EXISTS k => :1
        PEXPIREAT k 1 LT => :1
        EXISTS k => :0
        EXPIRE nokey 100 NX => :0
        EXPIRE nokey 100 XX => :0
        EXPIRE nokey 100 LT => :0
    "#,
    );
}

#[test]
fn pttl_counts_down_from_the_expiry_in_milliseconds() {
    let mut c = TestServer::new().client();
    c.line("SET k v PX 5000");
    let Frame::Integer(pttl) = c.line("PTTL k") else {
        panic!("PTTL did not reply with an integer");
    };
    assert!((4_000..=5_000).contains(&pttl), "{pttl}");
    c.line("PEXPIRE k 100000");
    let Frame::Integer(pttl) = c.line("PTTL k") else {
        panic!("PTTL did not reply with an integer");
    };
    assert!((99_000..=100_000).contains(&pttl), "{pttl}");
    let Frame::Integer(at) = c.line("PEXPIRETIME k") else {
        panic!("PEXPIRETIME did not reply with an integer");
    };
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    assert!(
        (now + 99_000..=now + 100_000).contains(&at),
        "{at} vs {now}"
    );
}
