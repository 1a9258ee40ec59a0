//! Tests of the RDB writer: the file's framing, and (when Debian's redis-check-rdb is
//! installed) that Redis's own checker accepts a file holding every type and encoding.

use super::crc64::crc64;
use super::writer::{WriteOptions, write_rdb};
use crate::HashValue;
use crate::db::Db;
use crate::hash::HashLimits;
use crate::list::{End, ListOptions, ListValue};
use crate::lru::Access;
use crate::set::SetValue;
use crate::string::StrValue;
use crate::value::Value;
use crate::zset::{ZsetLimits, ZsetValue};

const ACCESS: Access = Access::NoTouch;

/// A database with one key per type and encoding, some with TTLs.
pub(super) fn sample_db() -> Db {
    let mut db = Db::new();
    let put = |db: &mut Db, key: &str, value: Value| db.insert(key.as_bytes(), value, &ACCESS);
    put(
        &mut db,
        "str:raw",
        Value::Str(StrValue::from_bytes(b"hello")),
    );
    put(&mut db, "str:int", Value::Str(StrValue::from_i64(-12345)));
    put(&mut db, "str:big", Value::Str(StrValue::from_i64(i64::MAX)));
    put(
        &mut db,
        "str:long",
        Value::Str(StrValue::from_bytes(&[b'x'; 300])),
    );
    let mut list = ListValue::new(&ListOptions::default());
    for i in 0..1000 {
        list.push(End::Tail, format!("element-{i}").as_bytes());
    }
    list.push(End::Head, &[b'p'; 20000]);
    put(&mut db, "list", Value::List(Box::new(list)));
    let mut small_list = ListValue::new(&ListOptions {
        fill: -2,
        compress: 1,
        ..ListOptions::default()
    });
    for i in 0..3000 {
        small_list.push(End::Head, format!("{i}").as_bytes());
    }
    put(
        &mut db,
        "list:compressed",
        Value::List(Box::new(small_list)),
    );
    let mut ints = SetValue::new();
    for i in [-70000, 5, 1i64 << 40] {
        ints.add(format!("{i}").as_bytes(), 512);
    }
    put(&mut db, "set:intset", Value::Set(ints));
    let mut words = SetValue::new();
    for i in 0..200 {
        words.add(format!("member:{i}").as_bytes(), 512);
    }
    put(&mut db, "set:table", Value::Set(words));
    let limits = ZsetLimits {
        max_listpack_entries: 128,
        max_listpack_value: 64,
    };
    let small: Vec<(Vec<u8>, f64)> = (0..10)
        .map(|i| (format!("m{i}").into_bytes(), f64::from(i) / 3.0))
        .collect();
    put(
        &mut db,
        "zset:lp",
        Value::Zset(Box::new(ZsetValue::from_sorted(&small, &limits))),
    );
    let mut large: Vec<(Vec<u8>, f64)> = (0..300)
        .map(|i| (format!("m{i:04}").into_bytes(), f64::from(i) * 1.5))
        .collect();
    large.push((b"inf".to_vec(), f64::INFINITY));
    put(
        &mut db,
        "zset:skiplist",
        Value::Zset(Box::new(ZsetValue::from_sorted(&large, &limits))),
    );
    let mut small_hash = HashValue::new();
    small_hash.set(b"f1", b"v1", &HashLimits::default());
    small_hash.set(b"n", b"42", &HashLimits::default());
    put(&mut db, "hash:lp", Value::Hash(small_hash));
    let mut big_hash = HashValue::new();
    for i in 0..200 {
        big_hash.set(
            format!("field{i}").as_bytes(),
            format!("{i}").as_bytes(),
            &HashLimits::default(),
        );
    }
    put(&mut db, "hash:table", Value::Hash(big_hash));
    db.set_expire_at(b"str:raw", 4_000_000_000_000);
    db.set_expire_at(b"hash:lp", 4_000_000_000_001);
    db
}

#[test]
fn sample_has_every_encoding() {
    let db = sample_db();
    let encodings: Vec<&str> = db.iter().map(|(_, v)| v.encoding()).collect();
    for wanted in [
        "embstr",
        "int",
        "raw",
        "quicklist",
        "intset",
        "hashtable",
        "listpack",
        "skiplist",
    ] {
        assert!(
            encodings.contains(&wanted),
            "{wanted} missing from {encodings:?}"
        );
    }
}

#[test]
fn framing_and_checksum() {
    let empty = write_rdb([&Db::new()], &WriteOptions::default());
    assert!(empty.starts_with(b"REDIS0010\xfa\x09redis-ver\x067.0.15"));
    let (body, crc) = empty.split_at(empty.len() - 8);
    assert_eq!(body.last(), Some(&0xff));
    assert_eq!(crc, crc64(0, body).to_le_bytes());
    assert!(
        !body.contains(&0xfe),
        "an empty database writes no SELECTDB"
    );
    let unchecked = write_rdb(
        [&sample_db()],
        &WriteOptions {
            checksum: false,
            ..WriteOptions::default()
        },
    );
    assert!(unchecked.ends_with(&[0xff, 0, 0, 0, 0, 0, 0, 0, 0]));
}

#[test]
fn redis_check_rdb_accepts_every_encoding() {
    let checker = std::path::Path::new("/usr/bin/redis-check-rdb");
    if !checker.exists() {
        return;
    }
    let dbs = [Db::new(), sample_db(), Db::new(), sample_db()];
    for compress in [true, false] {
        let bytes = write_rdb(
            &dbs,
            &WriteOptions {
                compress,
                ctime: 1_700_000_000,
                ..WriteOptions::default()
            },
        );
        let path =
            std::env::temp_dir().join(format!("scarlet-rdb-{}-{compress}.rdb", std::process::id()));
        assert!(std::fs::write(&path, &bytes).is_ok());
        let run = std::process::Command::new(checker).arg(&path).output();
        let _ = std::fs::remove_file(&path);
        let Ok(run) = run else {
            panic!("redis-check-rdb did not run")
        };
        let report = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success() && report.contains("RDB looks OK"),
            "{report}"
        );
        assert!(report.contains("[info] 24 keys read"), "{report}");
        assert!(report.contains("[info] 4 expires"), "{report}");
    }
}
