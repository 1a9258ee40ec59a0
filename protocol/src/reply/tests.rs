//! Tests of the reply encoder: exact RESP2 and RESP3 bytes for every reply type, most of them
//! as captured from Redis 7.0.15 (DEBUG PROTOCOL). Not a benchmark.

use super::*;

fn both(encode: impl Fn(&mut ReplyBuf)) -> (Vec<u8>, Vec<u8>) {
    let mut two = ReplyBuf::new(Resp::Resp2);
    let mut three = ReplyBuf::new(Resp::Resp3);
    encode(&mut two);
    encode(&mut three);
    (two.as_bytes().to_vec(), three.as_bytes().to_vec())
}

fn check(encode: impl Fn(&mut ReplyBuf), resp2: &[u8], resp3: &[u8]) {
    let (two, three) = both(encode);
    assert_eq!(
        String::from_utf8_lossy(&two),
        String::from_utf8_lossy(resp2),
        "RESP2"
    );
    assert_eq!(
        String::from_utf8_lossy(&three),
        String::from_utf8_lossy(resp3),
        "RESP3"
    );
}

#[test]
fn scalars() {
    check(|r| r.simple(b"PONG"), b"+PONG\r\n", b"+PONG\r\n");
    check(|r| r.ok(), b"+OK\r\n", b"+OK\r\n");
    check(|r| r.int(12345), b":12345\r\n", b":12345\r\n");
    check(
        |r| r.int(i64::MIN),
        b":-9223372036854775808\r\n",
        b":-9223372036854775808\r\n",
    );
    check(
        |r| r.bulk(b"Hello World"),
        b"$11\r\nHello World\r\n",
        b"$11\r\nHello World\r\n",
    );
    check(|r| r.bulk(b""), b"$0\r\n\r\n", b"$0\r\n\r\n");
    check(|r| r.bulk_int(-42), b"$3\r\n-42\r\n", b"$3\r\n-42\r\n");
    check(|r| r.raw(b"anything"), b"anything", b"anything");
}

#[test]
fn errors_stay_on_one_line() {
    check(|r| r.error(b"ERR oops"), b"-ERR oops\r\n", b"-ERR oops\r\n");
    check(
        |r| r.error(b"ERR a\r\nb\nc"),
        b"-ERR a  b c\r\n",
        b"-ERR a  b c\r\n",
    );
    check(|r| r.simple(b"a\nb"), b"+a b\r\n", b"+a b\r\n");
}

#[test]
fn nulls() {
    check(|r| r.null(), b"$-1\r\n", b"_\r\n");
    check(|r| r.null_array(), b"*-1\r\n", b"_\r\n");
}

// The expected bytes below are what Redis 7.0.15 sends for DEBUG PROTOCOL <type>.
// 3.141 is the value DEBUG PROTOCOL double sends, not an approximation of pi.
#[allow(clippy::approx_constant)]
#[test]
fn debug_protocol_types() {
    check(|r| r.double(3.141), b"$5\r\n3.141\r\n", b",3.141\r\n");
    let digits = b"1234567999999999999999999999999999999";
    check(
        |r| r.big_number(digits),
        b"$37\r\n1234567999999999999999999999999999999\r\n",
        b"(1234567999999999999999999999999999999\r\n",
    );
    check(
        |r| {
            r.array(3);
            for i in 0..3 {
                r.int(i);
            }
        },
        b"*3\r\n:0\r\n:1\r\n:2\r\n",
        b"*3\r\n:0\r\n:1\r\n:2\r\n",
    );
    check(
        |r| {
            r.set(3);
            for i in 0..3 {
                r.int(i);
            }
        },
        b"*3\r\n:0\r\n:1\r\n:2\r\n",
        b"~3\r\n:0\r\n:1\r\n:2\r\n",
    );
    check(
        |r| {
            r.map(3);
            for i in 0..3 {
                r.int(i);
                r.boolean(i == 1);
            }
        },
        b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
        b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
    );
    check(
        |r| r.verbatim(b"txt", b"This is a verbatim\nstring"),
        b"$25\r\nThis is a verbatim\nstring\r\n",
        b"=29\r\ntxt:This is a verbatim\nstring\r\n",
    );
    check(|r| r.boolean(true), b":1\r\n", b"#t\r\n");
    check(|r| r.boolean(false), b":0\r\n", b"#f\r\n");
}

#[test]
fn attributes_are_not_sent_to_resp2() {
    let attrib = |r: &mut ReplyBuf| {
        r.attribute(1);
        if r.resp() == Resp::Resp3 {
            r.bulk(b"key-popularity");
            r.array(2);
            r.bulk(b"key:123");
            r.int(90);
        }
        r.bulk(b"Some real reply following the attribute");
    };
    check(
        attrib,
        b"$39\r\nSome real reply following the attribute\r\n",
        b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
    );
}

#[test]
fn push_is_an_array_in_resp2() {
    check(
        |r| {
            r.push(3);
            r.bulk(b"message");
            r.bulk(b"ch");
            r.bulk(b"hi");
        },
        b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
        b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
    );
}

#[test]
fn doubles_like_add_reply_double() {
    check(|r| r.double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n");
    check(
        |r| r.double(0.1),
        b"$19\r\n0.10000000000000001\r\n",
        b",0.10000000000000001\r\n",
    );
    check(|r| r.double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n");
    check(
        |r| r.double(f64::NEG_INFINITY),
        b"$4\r\n-inf\r\n",
        b",-inf\r\n",
    );
    check(|r| r.double(1e20), b"$5\r\n1e+20\r\n", b",1e+20\r\n");
    check(|r| r.double(-0.0), b"$2\r\n-0\r\n", b",-0\r\n");
    // A double after other replies gets its header in the right place.
    check(
        |r| {
            r.int(1);
            r.double(2.0);
        },
        b":1\r\n$1\r\n2\r\n",
        b":1\r\n,2\r\n",
    );
}

#[test]
fn deferred_lengths() {
    for (kind, resp2, resp3) in [
        (
            Aggregate::Array,
            &b"*2\r\n:1\r\n:2\r\n"[..],
            &b"*2\r\n:1\r\n:2\r\n"[..],
        ),
        (Aggregate::Set, b"*2\r\n:1\r\n:2\r\n", b"~2\r\n:1\r\n:2\r\n"),
        (
            Aggregate::Push,
            b"*2\r\n:1\r\n:2\r\n",
            b">2\r\n:1\r\n:2\r\n",
        ),
        (Aggregate::Map, b"*2\r\n:1\r\n:2\r\n", b"%1\r\n:1\r\n:2\r\n"),
    ] {
        let count = if kind == Aggregate::Map { 1 } else { 2 };
        check(
            |r| {
                let d = r.deferred();
                r.int(1);
                r.int(2);
                r.finish_deferred(d, kind, count);
            },
            resp2,
            resp3,
        );
    }
}

#[test]
fn nested_deferred_lengths() {
    check(
        |r| {
            r.simple(b"before");
            let outer = r.deferred();
            for i in 0..12 {
                let inner = r.deferred();
                r.int(i);
                r.finish_deferred(inner, Aggregate::Array, 1);
            }
            r.finish_deferred(outer, Aggregate::Map, 6);
        },
        &[
            b"+before\r\n*12\r\n".as_slice(),
            &(0..12)
                .flat_map(|i| format!("*1\r\n:{i}\r\n").into_bytes())
                .collect::<Vec<u8>>(),
        ]
        .concat(),
        &[
            b"+before\r\n%6\r\n".as_slice(),
            &(0..12)
                .flat_map(|i| format!("*1\r\n:{i}\r\n").into_bytes())
                .collect::<Vec<u8>>(),
        ]
        .concat(),
    );
}

#[test]
fn stale_deferred_is_ignored() {
    let mut r = ReplyBuf::new(Resp::Resp2);
    r.int(1);
    let d = r.deferred();
    r.int(2);
    r.clear();
    r.finish_deferred(d, Aggregate::Array, 1);
    assert!(r.is_empty());
}

#[test]
fn buffer_management() {
    let mut r = ReplyBuf::new(Resp::Resp2);
    assert_eq!(r.resp(), Resp::Resp2);
    r.set_resp(Resp::Resp3);
    assert_eq!(r.resp(), Resp::Resp3);
    r.ok();
    let mark = r.len();
    r.bulk(b"cancelled");
    r.truncate(mark);
    assert_eq!(r.as_bytes(), b"+OK\r\n");
    let mut out = Vec::new();
    r.swap_bytes(&mut out);
    assert_eq!(out, b"+OK\r\n");
    assert!(r.is_empty());
    out.clear();
    r.null();
    r.swap_bytes(&mut out);
    assert_eq!(out, b"_\r\n");
}

#[test]
fn large_headers() {
    check(|r| r.array(1_000_000), b"*1000000\r\n", b"*1000000\r\n");
    check(
        |r| r.map(usize::MAX),
        b"*18446744073709551615\r\n",
        b"%18446744073709551615\r\n",
    );
}
