//! Unit tests of the string type: encodings at Redis's boundaries and every edge of
//! APPEND, SETRANGE, GETRANGE and INCRBY.

use super::*;

const MAX: u64 = 512 * 1024 * 1024;

fn bytes(v: &StrValue) -> Vec<u8> {
    v.to_vec()
}

#[test]
fn value_is_24_bytes() {
    assert_eq!(std::mem::size_of::<StrValue>(), 24);
    assert_eq!(std::mem::size_of::<Option<StrValue>>(), 24);
}

#[test]
fn from_bytes_picks_int_embstr_raw_like_try_object_encoding() {
    let cases: &[(&[u8], &str)] = &[
        (b"0", "int"),
        (b"1", "int"),
        (b"-1", "int"),
        (b"9999", "int"),
        (b"10000", "int"),
        (b"9223372036854775807", "int"),
        (b"-9223372036854775808", "int"),
        (b"9223372036854775808", "embstr"),
        (b"-0", "embstr"),
        (b"00", "embstr"),
        (b"01", "embstr"),
        (b" 1", "embstr"),
        (b"1 ", "embstr"),
        (b"+1", "embstr"),
        (b"1.5", "embstr"),
        (b"", "embstr"),
        (b"hello", "embstr"),
    ];
    for (input, encoding) in cases {
        let v = StrValue::from_bytes(input);
        assert_eq!(
            v.encoding(),
            *encoding,
            "{:?}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(bytes(&v), input.to_vec());
        assert_eq!(v.len(), input.len());
    }
    for len in [21, 22, 23, 43, 44] {
        let input = vec![b'x'; len];
        assert_eq!(StrValue::from_bytes(&input).encoding(), "embstr", "{len}");
        assert_eq!(bytes(&StrValue::from_bytes(&input)), input);
    }
    for len in [45, 46, 100, 10_000] {
        let input = vec![b'x'; len];
        assert_eq!(StrValue::from_bytes(&input).encoding(), "raw", "{len}");
        assert_eq!(bytes(&StrValue::from_bytes(&input)), input);
    }
    // A 21-digit number is never an integer, however it is written.
    assert_eq!(
        StrValue::from_bytes(b"100000000000000000000").encoding(),
        "embstr"
    );
}

#[test]
fn shared_integers_are_0_to_9999() {
    assert!(StrValue::from_bytes(b"0").is_shared_integer());
    assert!(StrValue::from_bytes(b"9999").is_shared_integer());
    assert!(!StrValue::from_bytes(b"10000").is_shared_integer());
    assert!(!StrValue::from_bytes(b"-1").is_shared_integer());
    assert!(!StrValue::embstr_or_raw(b"1").is_shared_integer());
}

#[test]
fn embstr_or_raw_never_makes_ints() {
    assert_eq!(StrValue::embstr_or_raw(b"11").encoding(), "embstr");
    assert_eq!(StrValue::embstr_or_raw(&[b'1'; 44]).encoding(), "embstr");
    assert_eq!(StrValue::embstr_or_raw(&[b'1'; 45]).encoding(), "raw");
    assert_eq!(StrValue::raw_from_bytes(b"1").encoding(), "raw");
    assert_eq!(StrValue::raw_from_bytes(&[7; 30]).encoding(), "raw");
}

#[test]
fn as_i64_reads_like_string2ll() {
    assert_eq!(StrValue::from_i64(-5).as_i64(), Some(-5));
    assert_eq!(StrValue::raw_from_bytes(b"42").as_i64(), Some(42));
    assert_eq!(StrValue::embstr_or_raw(b"042").as_i64(), None);
    assert_eq!(StrValue::embstr_or_raw(b"4.0").as_i64(), None);
}

#[test]
fn append_makes_raw_even_from_int_and_even_when_empty() {
    let mut v = StrValue::from_bytes(b"123");
    assert_eq!(v.append(b"", MAX), Ok(3));
    assert_eq!(v.encoding(), "raw");
    assert_eq!(bytes(&v), b"123");

    let mut v = StrValue::from_bytes(b"12");
    assert_eq!(v.append(b"34", MAX), Ok(4));
    assert_eq!(v.encoding(), "raw");
    assert_eq!(v.as_i64(), Some(1234));

    let mut v = StrValue::from_bytes(b"hello");
    let mut expected = b"hello".to_vec();
    for i in 0..200u32 {
        let tail = format!("-{i}");
        expected.extend_from_slice(tail.as_bytes());
        assert_eq!(v.append(tail.as_bytes(), MAX), Ok(expected.len()));
        assert_eq!(v.encoding(), "raw");
    }
    assert_eq!(bytes(&v), expected);
}

#[test]
fn append_respects_the_length_limit() {
    let mut v = StrValue::from_bytes(b"abc");
    assert_eq!(v.append(b"de", 4), Err(StorageError::StringTooLong));
    assert_eq!(v.encoding(), "embstr", "unchanged on error");
    assert_eq!(v.append(b"d", 4), Ok(4));
    assert_eq!(v.append(b"", 4), Ok(4));
}

#[test]
fn set_range_pads_with_zeros() {
    let mut v = StrValue::raw_from_bytes(b"");
    assert_eq!(v.set_range(5, b"ab", MAX), Ok(7));
    assert_eq!(bytes(&v), b"\0\0\0\0\0ab");
    assert_eq!(v.encoding(), "raw");

    let mut v = StrValue::from_bytes(b"Hello World");
    assert_eq!(v.set_range(6, b"Redis", MAX), Ok(11));
    assert_eq!(bytes(&v), b"Hello Redis");
    assert_eq!(v.encoding(), "raw");

    let mut v = StrValue::from_bytes(b"1234");
    assert_eq!(v.set_range(1, b"x", MAX), Ok(4));
    assert_eq!(bytes(&v), b"1x34");

    let mut v = StrValue::from_bytes(&[b'a'; 30]);
    assert_eq!(v.set_range(40, b"z", MAX), Ok(41));
    let mut expected = vec![b'a'; 30];
    expected.resize(40, 0);
    expected.push(b'z');
    assert_eq!(bytes(&v), expected);
    assert_eq!(v.set_range(0, b"b", MAX), Ok(41));
    assert_eq!(bytes(&v)[0], b'b');
}

#[test]
fn set_range_with_no_data_changes_nothing() {
    let mut v = StrValue::from_bytes(b"1234");
    assert_eq!(v.set_range(100, b"", MAX), Ok(4));
    assert_eq!(v.encoding(), "int");
    assert_eq!(v.set_range(u64::MAX, b"", 0), Ok(4));
}

#[test]
fn set_range_respects_the_length_limit() {
    let mut v = StrValue::from_bytes(b"abc");
    assert_eq!(v.set_range(10, b"x", 10), Err(StorageError::StringTooLong));
    assert_eq!(v.set_range(9, b"x", 10), Ok(10));
    assert_eq!(
        v.set_range(u64::MAX, b"x", u64::MAX),
        Err(StorageError::StringTooLong)
    );
    assert_eq!(
        v.set_range(u64::MAX - 1, b"xy", u64::MAX),
        Err(StorageError::StringTooLong)
    );
}

#[test]
fn range_follows_getrange() {
    let v = StrValue::from_bytes(b"This is a string");
    let mut scratch: IntBuf = [0; 20];
    let cases: &[(i64, i64, &[u8])] = &[
        (0, 3, b"This"),
        (-3, -1, b"ing"),
        (0, -1, b"This is a string"),
        (10, 100, b"string"),
        (5, 3, b""),
        (-1, -5, b""),
        (-100, 3, b"This"),
        (-100, -100, b"T"),
        (0, -100, b"T"),
        (16, 20, b""),
        (100, 200, b""),
        (i64::MIN, i64::MAX, b"This is a string"),
        (i64::MAX, i64::MIN, b""),
    ];
    for (start, end, expected) in cases {
        assert_eq!(
            v.range(*start, *end, &mut scratch),
            *expected,
            "{start} {end}"
        );
    }
    let v = StrValue::from_bytes(b"");
    assert_eq!(v.range(0, -1, &mut scratch), b"");
    assert_eq!(v.range(0, 0, &mut scratch), b"");
    let v = StrValue::from_i64(-12345);
    assert_eq!(v.range(1, 2, &mut scratch), b"12");
}

#[test]
fn incr_by_checks_and_stores_int() {
    let mut v = StrValue::from_bytes(b"10");
    assert_eq!(v.incr_by(5), Ok(15));
    assert_eq!(v.encoding(), "int");

    let mut v = StrValue::raw_from_bytes(b"10");
    assert_eq!(v.incr_by(-20), Ok(-10));
    assert_eq!(v.encoding(), "int");

    let mut v = StrValue::embstr_or_raw(b"1.5");
    assert_eq!(v.incr_by(1), Err(StorageError::NotInteger));
    assert_eq!(v.encoding(), "embstr");
    let mut v = StrValue::embstr_or_raw(b" 1");
    assert_eq!(v.incr_by(1), Err(StorageError::NotInteger));

    let mut v = StrValue::from_i64(i64::MAX);
    assert_eq!(v.incr_by(1), Err(StorageError::Overflow));
    assert_eq!(v.as_i64(), Some(i64::MAX));
    let mut v = StrValue::from_i64(i64::MIN);
    assert_eq!(v.incr_by(-1), Err(StorageError::Overflow));
    assert_eq!(v.incr_by(i64::MAX), Ok(-1));
}

#[test]
fn equality_ignores_encoding() {
    assert_eq!(StrValue::from_bytes(b"12"), StrValue::raw_from_bytes(b"12"));
    assert_ne!(StrValue::from_bytes(b"12"), StrValue::raw_from_bytes(b"13"));
}
