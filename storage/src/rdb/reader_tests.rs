//! Tests of the RDB reader: round trips through the writer (fixed and random
//! databases), old encodings, and corrupt or unsupported input.

use proptest::prelude::*;

use super::objects::LoadLimits;
use super::reader::read_rdb;
use super::writer::{WriteOptions, write_rdb};
use super::writer_tests::sample_db;
use super::{RdbError, crc64::crc64};
use crate::HashValue;
use crate::db::Db;
use crate::digest::Digest;
use crate::hash::HashLimits;
use crate::list::{End, ListOptions, ListValue};
use crate::lru::Access;
use crate::set::SetValue;
use crate::string::StrValue;
use crate::value::Value;
use crate::zset::{ZsetLimits, ZsetValue};

fn digest(dbs: &[Db]) -> Digest {
    let mut out = Digest::new();
    for (i, db) in dbs.iter().enumerate() {
        db.digest_into(i as u32, &mut out);
    }
    out
}

/// Same digests, and per key the same encoding and TTL.
fn assert_same(written: &[Db], read: &[Db]) {
    assert_eq!(digest(written), digest(read));
    for (a, b) in written.iter().zip(read) {
        assert_eq!(a.len(), b.len());
        for (key, value, expire) in a.iter_with_expire() {
            let other = b.peek(key.as_bytes());
            assert_eq!(
                other.map(Value::encoding),
                Some(value.encoding()),
                "{key:?}"
            );
            assert_eq!(b.expire_at(key.as_bytes()), expire);
        }
    }
}

fn round_trip(dbs: &[Db], options: &WriteOptions) -> Vec<Db> {
    let bytes = write_rdb(dbs, options);
    match read_rdb(&bytes, dbs.len(), &LoadLimits::default()) {
        Ok(loaded) => loaded.dbs,
        Err(e) => panic!("read back failed: {e}"),
    }
}

#[test]
fn every_encoding_round_trips() {
    let dbs = [sample_db(), Db::new(), sample_db()];
    for compress in [true, false] {
        let read = round_trip(
            &dbs,
            &WriteOptions {
                compress,
                ..WriteOptions::default()
            },
        );
        assert_same(&dbs, &read);
    }
    let bytes = write_rdb(
        &dbs,
        &WriteOptions {
            ctime: 1234,
            ..WriteOptions::default()
        },
    );
    let loaded = read_rdb(&bytes, 3, &LoadLimits::default());
    let aux = loaded.map(|l| (l.version, l.aux)).unwrap_or_default();
    assert_eq!(aux.0, 10);
    assert!(aux.1.contains(&(b"ctime".to_vec(), b"1234".to_vec())));
    assert!(aux.1.contains(&(b"redis-ver".to_vec(), b"7.0.15".to_vec())));
}

#[test]
fn truncation_and_damage_are_errors_never_panics() {
    let bytes = write_rdb([&sample_db()], &WriteOptions::default());
    for len in (0..bytes.len()).step_by(41) {
        assert!(
            read_rdb(
                bytes.get(..len).unwrap_or_default(),
                1,
                &LoadLimits::default()
            )
            .is_err()
        );
    }
    // Damage with the checksum off, so the decoders themselves meet it.
    let unchecked = write_rdb(
        [&sample_db()],
        &WriteOptions {
            checksum: false,
            ..WriteOptions::default()
        },
    );
    for at in (9..unchecked.len() - 9).step_by(37) {
        let mut damaged = unchecked.clone();
        if let Some(b) = damaged.get_mut(at) {
            *b ^= 0x5a;
        }
        let _ = read_rdb(&damaged, 1, &LoadLimits::default());
    }
    let mut flipped = bytes.clone();
    if let Some(b) = flipped.get_mut(100) {
        *b ^= 1;
    }
    assert_eq!(
        read_rdb(&flipped, 1, &LoadLimits::default()).err(),
        Some(RdbError::BadChecksum)
    );
    assert!(
        read_rdb(&bytes, 0, &LoadLimits::default()).is_err(),
        "db 0 out of range"
    );
}

fn file(version: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("REDIS{version}").into_bytes();
    out.extend_from_slice(body);
    out.push(0xff);
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn unsupported_content_is_named() {
    let read = |bytes: &[u8]| read_rdb(bytes, 16, &LoadLimits::default()).err();
    assert_eq!(
        read(&file("0013", b"")),
        Some(RdbError::Unsupported("RDB version 13".into()))
    );
    assert_eq!(
        read(b"REDIX0010\xff"),
        Some(RdbError::Corrupt("wrong signature"))
    );
    assert_eq!(
        read(&file("0010", b"\x15\x01k")),
        Some(RdbError::Unsupported("streams".into()))
    );
    assert_eq!(
        read(&file("0010", b"\x07\x01k")),
        Some(RdbError::Unsupported("module values".into()))
    );
    assert_eq!(
        read(&file("0010", b"\xfe\x10")),
        Some(RdbError::Corrupt("database index out of range"))
    );
    assert_eq!(
        read(&file("0010", b"\x00\x01k\x01v\x00\x01k\x01w")),
        Some(RdbError::Corrupt("duplicate key"))
    );
}

#[test]
fn hints_are_skipped() {
    // SLOT_INFO (7.4), IDLE, FREQ and RESIZEDB carry nothing to load.
    let bytes = file(
        "0012",
        b"\xf4\x05\x01\x00\xfb\x01\x00\xf8\x40\x10\xf9\x07\x00\x01k\x01v",
    );
    let loaded = read_rdb(&bytes, 1, &LoadLimits::default());
    assert_eq!(loaded.map(|l| l.dbs.first().map(Db::len)), Ok(Some(1)));
}

#[test]
fn old_versions_and_encodings_load() {
    // Version 3: a seconds expiry, a text-double zset, a zipmap hash and a ziplist list.
    let mut body = Vec::new();
    body.extend_from_slice(b"\xfd\x00\x00\x00\x7f\x00\x01s\x03abc");
    body.extend_from_slice(b"\x03\x01z\x02\x01a\x031.5\x01b\xfe");
    let zipmap = b"\x01\x01f\x01\x00v\xff";
    body.extend_from_slice(b"\x09\x01h");
    body.push(zipmap.len() as u8);
    body.extend_from_slice(zipmap);
    let ziplist: &[u8] = b"\x10\x00\x00\x00\x0a\x00\x00\x00\x02\x00\x00\x01x\x00\xf3\xff";
    body.extend_from_slice(b"\x0a\x01l");
    body.push(ziplist.len() as u8);
    body.extend_from_slice(ziplist);
    let mut bytes = b"REDIS0003".to_vec();
    bytes.extend_from_slice(&body);
    bytes.push(0xff);
    let loaded = read_rdb(&bytes, 16, &LoadLimits::default());
    let Ok(loaded) = loaded else {
        panic!("{loaded:?}")
    };
    let db = loaded.dbs.first().map(Db::len);
    assert_eq!(db, Some(4));
    let mut expected = Db::new();
    expected.insert_with_expire(
        b"s",
        Value::Str(StrValue::from_bytes(b"abc")),
        Some(0x7f00_0000_i64 * 1000),
        &Access::NoTouch,
    );
    let limits = ZsetLimits {
        max_listpack_entries: 128,
        max_listpack_value: 64,
    };
    let pairs = vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), f64::INFINITY)];
    expected.insert(
        b"z",
        Value::Zset(Box::new(ZsetValue::from_sorted(&pairs, &limits))),
        &Access::NoTouch,
    );
    let mut hash = HashValue::new();
    hash.set(b"f", b"v", &HashLimits::default());
    expected.insert(b"h", Value::Hash(hash), &Access::NoTouch);
    let mut list = ListValue::new(&ListOptions::default());
    list.push(End::Tail, b"x");
    list.push(End::Tail, b"2");
    expected.insert(b"l", Value::List(Box::new(list)), &Access::NoTouch);
    let mut expected_dbs: Vec<Db> = (0..16).map(|_| Db::new()).collect();
    expected_dbs[0] = expected;
    assert_same(&expected_dbs, &loaded.dbs);
}

/// A random value of a random type, sized to cross the encodings' limits sometimes.
fn value_strategy() -> impl Strategy<Value = Value> {
    let bytes = || prop::collection::vec(prop_oneof![Just(b'a'), Just(b'1'), any::<u8>()], 0..80);
    let text = prop_oneof![
        bytes(),
        any::<i64>().prop_map(|n| n.to_string().into_bytes())
    ];
    prop_oneof![
        text.clone()
            .prop_map(|b| Value::Str(StrValue::from_bytes(&b))),
        prop::collection::vec(text.clone(), 1..300).prop_map(|items| {
            let mut list = ListValue::new(&ListOptions {
                fill: 5,
                compress: 1,
                ..ListOptions::default()
            });
            for item in items {
                list.push(End::Tail, &item);
            }
            Value::List(Box::new(list))
        }),
        prop::collection::vec(text.clone(), 1..200).prop_map(|items| {
            let mut set = SetValue::new();
            for item in items {
                set.add(&item, 64);
            }
            Value::Set(set)
        }),
        prop::collection::vec((text.clone(), any::<f64>()), 1..200).prop_map(|items| {
            let limits = ZsetLimits {
                max_listpack_entries: 128,
                max_listpack_value: 64,
            };
            let mut zset = ZsetValue::new_listpack();
            for (member, score) in items {
                let score = if score.is_nan() { 0.0 } else { score };
                let _ = zset.add(&member, score, Default::default(), &limits);
            }
            Value::Zset(Box::new(zset))
        }),
        prop::collection::vec((text.clone(), text), 1..200).prop_map(|items| {
            let mut hash = HashValue::new();
            for (field, value) in items {
                hash.set(&field, &value, &HashLimits::default());
            }
            Value::Hash(hash)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn random_databases_round_trip(
        keys in prop::collection::vec((any::<u16>(), value_strategy(), prop::option::of(0i64..1 << 45), 0usize..3), 0..20),
        compress in any::<bool>(),
    ) {
        let mut dbs: Vec<Db> = (0..3).map(|_| Db::new()).collect();
        for (key, value, expire, index) in keys {
            if let Some(db) = dbs.get_mut(index) {
                db.insert_with_expire(key.to_string().as_bytes(), value, expire, &Access::NoTouch);
            }
        }
        let read = round_trip(&dbs, &WriteOptions { compress, ..WriteOptions::default() });
        assert_same(&dbs, &read);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes after a valid header, with the checksum off, so every decoder
    /// meets garbage: errors only, never a panic.
    #[test]
    fn garbage_never_panics(body in prop::collection::vec(any::<u8>(), 0..400), version in 1u32..=12) {
        let mut bytes = format!("REDIS{version:04}").into_bytes();
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&[0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
        let _ = read_rdb(&bytes, 16, &LoadLimits::default());
    }

    /// Garbage inside well-formed framing: a value of each type whose body is random.
    #[test]
    fn garbage_values_never_panic(kind in 0u8..=21, body in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut inner = vec![kind, 1, b'k'];
        inner.extend_from_slice(&body);
        let _ = read_rdb(&file("0010", &inner), 16, &LoadLimits::default());
        // And as a blob-carrying type would see it: a length-prefixed random blob.
        let mut blob = vec![kind, 1, b'k', body.len().min(63) as u8];
        blob.extend_from_slice(body.get(..body.len().min(63)).unwrap_or_default());
        let _ = read_rdb(&file("0010", &blob), 16, &LoadLimits::default());
    }
}

#[test]
fn function_libraries_round_trip_before_the_databases() {
    let code: &[u8] = b"#!lua name=lib\nredis.register_function('f', function() return 1 end)";
    let bytes =
        super::writer::write_rdb_with_functions([&sample_db()], &[code], &WriteOptions::default());
    let loaded = read_rdb(&bytes, 1, &LoadLimits::default()).expect("reads");
    assert_eq!(loaded.functions, vec![code.to_vec()]);
    assert_eq!(digest(&loaded.dbs), digest(&[sample_db()]));
}
