//! Listpack tests: Redis 7.0.15's bytes for a known sequence, navigation both ways,
//! editing, and validation of bytes from outside.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The pairs of `HSET h a 1 bb -5 ...` as redis-server 7.0.15 lays them out (taken from
/// its DUMP of the hash, with hash-max-listpack-value raised so that it stays a listpack).
fn redis_sequence() -> Vec<Vec<u8>> {
    let mut items: Vec<Vec<u8>> = Vec::new();
    let pairs: &[(&str, &str)] = &[
        ("a", "1"),
        ("bb", "-5"),
        ("c", "300"),
        ("d", "-5000"),
        ("e", "70000"),
        ("f", "10000000"),
        ("g", "3000000000"),
        ("i", "-9000000000000000000"),
        ("j", "127"),
        ("k", "128"),
        ("l", "4095"),
        ("m", "-4096"),
        ("n", "4096"),
        ("o", ""),
        ("p", "007"),
        ("q", "-0"),
    ];
    for (f, v) in pairs {
        items.push(f.as_bytes().to_vec());
        items.push(v.as_bytes().to_vec());
    }
    items.push(b"r".to_vec());
    items.push(vec![b'x'; 70]);
    items.push(b"s".to_vec());
    items.push(vec![b'y'; 5000]);
    items
}

fn redis_bytes() -> Vec<u8> {
    let mut out = hex(concat!(
        "5b1400002400816102010182626203dffb02816302c12c02816402f178ec03816502f27011010481",
        "6602f38096980005816702f4005ed0b20000000009816902f400007c1daf93198309816a027f0181",
        "6b02c08002816c02cfff02816d02d00002816e02f1001003816f0280018170028330303704817102",
        "822d3003817202e046"
    ));
    out.extend_from_slice(&[b'x'; 70]);
    out.extend_from_slice(&hex("48817302f088130000"));
    out.extend_from_slice(&[b'y'; 5000]);
    out.extend_from_slice(&hex("278dff"));
    out
}

#[test]
fn same_bytes_as_redis() {
    let mut lp = Listpack::new();
    for item in redis_sequence() {
        lp.push_back(&item);
    }
    assert_eq!(lp.as_bytes(), redis_bytes().as_slice());
    assert_eq!(lp.len(), 36);
}

#[test]
fn redis_bytes_read_back() {
    let lp = Listpack::from_bytes(redis_bytes()).unwrap();
    let items: Vec<Vec<u8>> = lp.iter().map(|e| e.to_vec()).collect();
    assert_eq!(items, redis_sequence());
    let backwards: Vec<Vec<u8>> = lp.iter().rev().map(|e| e.to_vec()).collect();
    let mut expected = redis_sequence();
    expected.reverse();
    assert_eq!(backwards, expected);
    assert_eq!(lp.get(lp.seek(1).unwrap()), LpEntry::Int(1));
    assert_eq!(lp.get(lp.seek(3).unwrap()), LpEntry::Int(-5));
    assert_eq!(
        lp.get(lp.seek(15).unwrap()),
        LpEntry::Int(-9_000_000_000_000_000_000)
    );
    assert_eq!(lp.get(lp.seek(29).unwrap()), LpEntry::Str(b"007"));
    assert_eq!(lp.get(lp.seek(-1).unwrap()).len(), 5000);
    assert_eq!(lp.seek(36), None);
    assert_eq!(lp.seek(-37), None);
}

#[test]
fn integer_boundaries_round_trip() {
    let values = [
        0i64,
        127,
        128,
        -1,
        4095,
        4096,
        -4096,
        -4097,
        32767,
        32768,
        -32768,
        -32769,
        8_388_607,
        8_388_608,
        -8_388_608,
        -8_388_609,
        i64::from(i32::MAX),
        i64::from(i32::MAX) + 1,
        i64::from(i32::MIN),
        i64::from(i32::MIN) - 1,
        i64::MAX,
        i64::MIN,
    ];
    let mut lp = Listpack::new();
    for v in values {
        lp.push_back(v.to_string().as_bytes());
        lp.push_back_int(v);
    }
    let got: Vec<i64> = lp.iter().map(|e| e.as_int().unwrap()).collect();
    let expected: Vec<i64> = values.iter().flat_map(|&v| [v, v]).collect();
    assert_eq!(got, expected);
    assert!(lp.iter().all(|e| matches!(e, LpEntry::Int(_))));
    Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
}

#[test]
fn string_length_boundaries_and_backlens() {
    let mut lp = Listpack::new();
    let lens = [
        0usize, 1, 63, 64, 125, 126, 127, 128, 4095, 4096, 16382, 16383, 70000,
    ];
    for &len in &lens {
        lp.push_back(&vec![b'a'; len]);
    }
    let got: Vec<usize> = lp.iter().map(|e| e.len()).collect();
    assert_eq!(got, lens);
    let back: Vec<usize> = lp.iter().rev().map(|e| e.len()).collect();
    assert_eq!(back, lens.iter().rev().copied().collect::<Vec<_>>());
    Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
}

#[test]
fn editing() {
    let mut lp = Listpack::new();
    assert!(lp.is_empty());
    assert_eq!(lp.first(), None);
    assert_eq!(lp.last(), None);
    assert_eq!(lp.total_bytes(), 7);
    lp.push_back(b"b");
    lp.push_front(b"a");
    lp.push_back(b"d");
    let d = lp.seek(2).unwrap();
    lp.insert_before(d, b"c");
    let d = lp.seek(3).unwrap();
    lp.insert_after(d, b"e");
    let all = |lp: &Listpack| -> Vec<Vec<u8>> { lp.iter().map(|e| e.to_vec()).collect() };
    assert_eq!(all(&lp), [b"a", b"b", b"c", b"d", b"e"]);
    let c = lp.find(lp.first().unwrap(), b"c", 0).unwrap();
    lp.replace(c, b"a much longer replacement than before");
    lp.replace_int(lp.seek(0).unwrap(), 12345);
    assert_eq!(lp.get(lp.seek(0).unwrap()), LpEntry::Int(12345));
    let next = lp.delete(lp.seek(1).unwrap()).unwrap();
    assert_eq!(
        lp.get(next).to_vec(),
        b"a much longer replacement than before"
    );
    assert_eq!(lp.len(), 4);
    lp.delete_range(1, 2);
    assert_eq!(all(&lp), [b"12345".to_vec(), b"e".to_vec()]);
    lp.delete_range(0, 100);
    assert!(lp.is_empty());
    assert_eq!(lp.as_bytes(), Listpack::new().as_bytes());
}

#[test]
fn find_with_skip_compares_fields_only() {
    let mut lp = Listpack::new();
    for item in ["f1", "v", "v", "f2", "10", "x"] {
        lp.push_back(item.as_bytes());
    }
    let first = lp.first().unwrap();
    // "v" is a value of f1, then a field: with skip 1 only fields (even entries) match.
    assert_eq!(lp.find(first, b"v", 1), lp.seek(2));
    assert_eq!(lp.find(first, b"10", 1), lp.seek(4));
    assert_eq!(lp.find(first, b"x", 1), None);
    assert_eq!(lp.find(first, b"x", 0), lp.seek(5));
    assert_eq!(lp.find(first, b"010", 0), None);
}

#[test]
fn count_past_65534_is_counted() {
    let mut lp = Listpack::new();
    for i in 0..66_000 {
        lp.push_back_int(i % 100);
    }
    assert_eq!(lp.len(), 66_000);
    assert_eq!(lp.header_count(), COUNT_UNKNOWN);
    lp.delete_range(0, 10_000);
    assert_eq!(lp.len(), 56_000);
    Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
}

#[test]
fn corrupt_bytes_are_rejected() {
    let good = redis_bytes();
    assert!(Listpack::from_bytes(good.clone()).is_ok());
    for cut in [0, 3, 6, 7, 20, good.len() - 1] {
        assert!(
            Listpack::from_bytes(good[..cut].to_vec()).is_err(),
            "cut {cut}"
        );
    }
    let mut bad_count = good.clone();
    bad_count[4] = 7;
    assert!(Listpack::from_bytes(bad_count).is_err());
    let mut bad_backlen = good.clone();
    bad_backlen[8] = 0x05;
    assert!(Listpack::from_bytes(bad_backlen).is_err());
    let mut bad_encoding = good;
    bad_encoding[6] = 0xF7;
    assert!(Listpack::from_bytes(bad_encoding).is_err());
    // Every single-byte change is either rejected or still navigable without panics.
    let base = Listpack::new();
    let mut lp_bytes = base.as_bytes().to_vec();
    lp_bytes.splice(6..6, [0x81, b'a', 0x02]);
    lp_bytes[0] = 10;
    lp_bytes[4] = 1;
    let lp = Listpack::from_bytes(lp_bytes.clone()).unwrap();
    assert_eq!(lp.len(), 1);
    for i in 0..lp_bytes.len() {
        for b in [0u8, 0x7f, 0x80, 0xc0, 0xe0, 0xf0, 0xf4, 0xff] {
            let mut m = lp_bytes.clone();
            m[i] = b;
            if let Ok(lp) = Listpack::from_bytes(m) {
                let _ = lp.iter().count();
                let _ = lp.iter().rev().count();
            }
        }
    }
}

#[test]
fn a_listpack_is_a_thin_blob() {
    // Two words, so that a type holding a listpack fits the keyspace's 24-byte value.
    assert_eq!(std::mem::size_of::<Listpack>(), 16);
}
