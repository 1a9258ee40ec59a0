//! Unit tests for the reply printers, and a property test feeding arbitrary server bytes
//! through the bounded parser into every printer.

use proptest::prelude::*;
use scarlet_protocol::{Frame, FrameReader};

use super::*;
use crate::conn::REPLY_LIMITS;

fn bulk(s: &str) -> Frame {
    Frame::Bulk(s.as_bytes().to_vec())
}

fn show(frame: &Frame, mode: Output) -> String {
    let mut out = Vec::new();
    format_reply(frame, mode, false, b"\n", b"\n", &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn terminal_scalars() {
    assert_eq!(
        show(&Frame::Integer(-3), Output::Standard),
        "(integer) -3\n"
    );
    assert_eq!(
        show(&bulk("a\tb\"\n"), Output::Standard),
        "\"a\\tb\\\"\\n\"\n"
    );
    assert_eq!(show(&Frame::Null, Output::Standard), "(nil)\n");
    assert_eq!(show(&Frame::NullArray, Output::Standard), "(nil)\n");
    assert_eq!(
        show(&Frame::Double(2.5), Output::Standard),
        "(double) 2.5\n"
    );
    assert_eq!(show(&Frame::Boolean(false), Output::Standard), "(false)\n");
    assert_eq!(
        show(&Frame::Error(b"ERR x\0y".to_vec()), Output::Standard),
        "(error) ERR x\n"
    );
    let verbatim = Frame::Verbatim {
        format: *b"txt",
        text: b"two\nlines".to_vec(),
    };
    assert_eq!(show(&verbatim, Output::Standard), "two\nlines\n");
}

#[test]
fn terminal_aggregates() {
    let ten: Vec<Frame> = (1..=10).map(Frame::Integer).collect();
    let text = show(&Frame::Array(ten), Output::Standard);
    assert!(text.starts_with(" 1) (integer) 1\n 2) (integer) 2\n"));
    assert!(text.ends_with("10) (integer) 10\n"));
    let nested = Frame::Array(vec![
        Frame::Array(vec![bulk("a"), bulk("b")]),
        Frame::Array(vec![]),
    ]);
    assert_eq!(
        show(&nested, Output::Standard),
        "1) 1) \"a\"\n   2) \"b\"\n2) (empty array)\n"
    );
    let map = Frame::Map(vec![
        (bulk("k"), Frame::Array(vec![bulk("x"), bulk("y")])),
        (Frame::Integer(1), Frame::Boolean(true)),
    ]);
    assert_eq!(
        show(&map, Output::Standard),
        "1# \"k\" => \n   1) \"x\"\n   2) \"y\"\n2# (integer) 1 => (true)\n"
    );
    assert_eq!(
        show(&Frame::Set(vec![bulk("m")]), Output::Standard),
        "1~ \"m\"\n"
    );
    assert_eq!(
        show(&Frame::Map(vec![]), Output::Standard),
        "(empty hash)\n"
    );
    assert_eq!(show(&Frame::Set(vec![]), Output::Standard), "(empty set)\n");
    assert_eq!(
        show(&Frame::Push(vec![]), Output::Standard),
        "(empty push)\n"
    );
}

#[test]
fn raw_csv_json() {
    let map = Frame::Map(vec![
        (bulk("a"), Frame::Integer(1)),
        (bulk("b"), Frame::Null),
    ]);
    assert_eq!(show(&map, Output::Raw), "a 1\nb \n");
    assert_eq!(show(&map, Output::Csv), "\"a\",1,\"b\",NULL\n");
    assert_eq!(show(&map, Output::Json), "{\"a\":1,\"b\":null}\n");
    let keyed = Frame::Map(vec![(Frame::Integer(7), bulk("v"))]);
    assert_eq!(show(&keyed, Output::Json), "{\"7\":\"v\"}\n");
    let odd = bulk("K\0\x01\u{7f}\\");
    assert_eq!(show(&odd, Output::Json), "\"K\\u0000\\u0001\u{7f}\\\\\"\n");
    assert_eq!(
        show(&odd, Output::QuotedJson),
        "\"K\\\\x00\\\\x01\\\\x7f\\\\\\\\\"\n"
    );
    assert_eq!(
        show(&Frame::Error(b"ERR e".to_vec()), Output::Csv),
        "ERROR,\"ERR e\"\n"
    );
    assert_eq!(
        show(&Frame::Error(b"ERR e".to_vec()), Output::Json),
        "error:\"ERR e\"\n"
    );
    assert_eq!(
        show(&Frame::Error(b"ERR e".to_vec()), Output::Raw),
        "ERR e\n\n"
    );
    assert_eq!(show(&Frame::Boolean(true), Output::Raw), "(true)\n");
}

#[test]
fn big_numbers_are_unprintable() {
    let frame = Frame::Array(vec![Frame::BigNumber(b"123".to_vec())]);
    for mode in [Output::Standard, Output::Raw, Output::Csv, Output::Json] {
        let mut out = Vec::new();
        assert_eq!(
            format_reply(&frame, mode, false, b"\n", b"\n", &mut out),
            Err(Unprintable(13))
        );
    }
}

#[test]
fn raw_strings_have_no_delimiter() {
    let mut out = Vec::new();
    format_reply(
        &bulk("# Server\r\n"),
        Output::Standard,
        true,
        b"\n",
        b"\n",
        &mut out,
    )
    .unwrap();
    assert_eq!(out, b"# Server\r\n");
}

#[test]
fn invalidate_on_a_terminal() {
    let push = Frame::Push(vec![
        bulk("invalidate"),
        Frame::Array(vec![bulk("a"), bulk("b")]),
    ]);
    assert_eq!(
        invalidate_tty(&push).unwrap(),
        b"-> invalidate: 'a', 'b'\n".to_vec()
    );
}

#[test]
fn deep_nesting_is_refused_by_the_parser() {
    let mut bytes = b"*1\r\n".repeat(10_000);
    bytes.extend_from_slice(b":1\r\n");
    let mut reader = FrameReader::new(REPLY_LIMITS);
    reader.feed(&bytes);
    assert!(reader.next_frame().is_err());
    let mut huge = FrameReader::new(REPLY_LIMITS);
    huge.feed(b"$99999999999999\r\n");
    assert!(huge.next_frame().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever a server sends, parsing under the limits and printing in every mode
    /// finishes without panicking.
    #[test]
    fn arbitrary_server_bytes(bytes in proptest::collection::vec(
        prop_oneof![
            Just(b'*'), Just(b'%'), Just(b'~'), Just(b'>'), Just(b'|'), Just(b'$'),
            Just(b'='), Just(b','), Just(b'#'), Just(b'('), Just(b'_'), Just(b':'),
            Just(b'-'), Just(b'+'), Just(b'\r'), Just(b'\n'), Just(b'1'), Just(b'2'),
            Just(b't'), any::<u8>(),
        ],
        0..200,
    )) {
        let mut reader = FrameReader::new(REPLY_LIMITS);
        reader.feed(&bytes);
        while let Ok(Some(frame)) = reader.next_frame() {
            for mode in [Output::Standard, Output::Raw, Output::Csv, Output::Json, Output::QuotedJson] {
                let mut out = Vec::new();
                let _ = format_reply(&frame, mode, false, b"\n", b"\n", &mut out);
            }
            let _ = invalidate_tty(&frame);
        }
    }

    /// Valid replies of any shape print in every mode.
    #[test]
    fn generated_frames(frame in frame_strategy()) {
        for mode in [Output::Standard, Output::Raw, Output::Csv, Output::Json, Output::QuotedJson] {
            let mut out = Vec::new();
            let _ = format_reply(&frame, mode, false, b"\n", b"\n", &mut out);
        }
    }
}

fn frame_strategy() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Frame::Integer),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Frame::Bulk),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Frame::Simple),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Frame::Error),
        any::<f64>().prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        Just(Frame::Null),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Array),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Set),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Push),
            proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(Frame::Map),
        ]
    })
}
