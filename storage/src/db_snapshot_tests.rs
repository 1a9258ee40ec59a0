//! Tests of the fork-less capture: whatever happens to the database during the walk, the
//! image is the database as it was when the capture began.

use proptest::prelude::*;

use crate::db::{Db, ExpiryMode, Lookup};
use crate::digest::Digest;
use crate::lru::Access;
use crate::rdb::crc64::crc64;
use crate::rdb::writer::{WriteOptions, write_eof, write_header, write_rdb};
use crate::rdb::{LoadLimits, read_rdb};
use crate::string::StrValue;
use crate::value::Value;

fn text(s: &str) -> Value {
    Value::Str(StrValue::from_bytes(s.as_bytes()))
}

fn digest_of(bytes: &[u8]) -> Digest {
    let loaded = read_rdb(bytes, 1, &LoadLimits::default()).expect("image loads");
    let mut out = Digest::new();
    for (i, db) in loaded.dbs.iter().enumerate() {
        db.digest_into(i as u32, &mut out);
    }
    out
}

/// A whole file around one database's captured section.
fn file_around(section: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, &WriteOptions::default());
    out.extend_from_slice(section);
    write_eof(&mut out);
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[derive(Debug, Clone)]
enum Op {
    Set(u16, u16),
    Mutate(u16, u16),
    Delete(u16),
    Expire(u16, i64),
    Persist(u16),
    Flush,
    Step(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u16..300, any::<u16>()).prop_map(|(k, v)| Op::Set(k, v)),
        3 => (0u16..300, any::<u16>()).prop_map(|(k, v)| Op::Mutate(k, v)),
        3 => (0u16..300).prop_map(Op::Delete),
        2 => (0u16..300, 1i64..1_000_000).prop_map(|(k, t)| Op::Expire(k, t)),
        1 => (0u16..300).prop_map(Op::Persist),
        1 => Just(Op::Flush),
        4 => (1u8..20).prop_map(Op::Step),
    ]
}

fn apply(db: &mut Db, op: &Op, section: &mut Vec<u8>) {
    let key = |k: u16| format!("key:{k}");
    match *op {
        Op::Set(k, v) => {
            db.insert(key(k).as_bytes(), text(&v.to_string()), &Access::NoTouch);
        }
        Op::Mutate(k, v) => {
            if let Lookup::Found(value) =
                db.lookup(key(k).as_bytes(), 0, &Access::NoTouch, ExpiryMode::Ignore)
            {
                *value = text(&format!("changed {v}"));
            }
        }
        Op::Delete(k) => {
            db.remove(key(k).as_bytes());
        }
        Op::Expire(k, when) => {
            db.set_expire_at(key(k).as_bytes(), when);
        }
        Op::Persist(k) => {
            db.persist(key(k).as_bytes());
        }
        Op::Flush => {
            db.clear();
        }
        Op::Step(n) => section.extend(db.snapshot_step(usize::from(n)).bytes),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn capture_is_the_database_at_the_start(
        initial in 0u16..300,
        ops in prop::collection::vec(op(), 0..300),
    ) {
        let mut db = Db::new();
        for k in 0..initial {
            db.insert(format!("key:{k}").as_bytes(), text(&k.to_string()), &Access::NoTouch);
            if k % 3 == 0 {
                db.set_expire_at(format!("key:{k}").as_bytes(), 5_000 + i64::from(k));
            }
        }
        let expected = digest_of(&write_rdb([&db], &WriteOptions::default()));
        db.begin_snapshot(0, true);
        let mut section = Vec::new();
        for op in &ops {
            apply(&mut db, op, &mut section);
        }
        loop {
            let chunk = db.snapshot_step(7);
            section.extend(chunk.bytes);
            if chunk.done {
                break;
            }
        }
        prop_assert!(!db.snapshot_active());
        prop_assert!(!db.keys_table().is_pinned());
        prop_assert_eq!(digest_of(&file_around(&section)), expected);
    }
}

#[test]
fn an_empty_database_has_no_section() {
    let mut db = Db::new();
    db.begin_snapshot(3, true);
    assert!(!db.snapshot_active());
    let chunk = db.snapshot_step(10);
    assert!(chunk.done && chunk.bytes.is_empty());
}

#[test]
fn the_table_neither_grows_nor_rehashes_while_pinned() {
    let mut db = Db::new();
    for k in 0..100 {
        db.insert(format!("k{k}").as_bytes(), text("v"), &Access::NoTouch);
    }
    while db.rehash_steps(100) {}
    let slots = db.keys_table().slots();
    db.begin_snapshot(0, false);
    for k in 100..1000 {
        db.insert(format!("k{k}").as_bytes(), text("v"), &Access::NoTouch);
    }
    assert_eq!(db.keys_table().slots(), slots);
    assert!(!db.keys_table().is_rehashing());
    while !db.snapshot_step(1000).done {}
    for k in 1000..1100 {
        db.insert(format!("k{k}").as_bytes(), text("v"), &Access::NoTouch);
    }
    assert!(db.keys_table().slots() > slots);
}
