//! Tests of one database: TTL bookkeeping, lazy expiry per mode, access data,
//! RANDOMKEY, the active expiry round, and DEBUG DIGEST against redis-server 7.0.15.

use super::*;
use crate::lru::LfuParams;
use crate::string::StrValue;

const LRU: Access = Access::Lru { clock: 1000 };

fn s(text: &str) -> Value {
    Value::Str(StrValue::from_bytes(text.as_bytes()))
}

fn found(db: &mut Db, key: &str, now: Millis) -> Option<Vec<u8>> {
    match db.lookup(key.as_bytes(), now, &Access::NoTouch, ExpiryMode::Delete) {
        Lookup::Found(Value::Str(v)) => Some(v.to_vec()),
        _ => None,
    }
}

#[test]
fn db_can_move_between_threads() {
    fn check<T: Send + Sync>() {}
    check::<Db>();
    assert!(format!("{:?}", Db::new()).starts_with("Db"));
}

#[test]
fn insert_lookup_remove() {
    let mut db = Db::new();
    assert!(db.is_empty());
    assert!(db.insert(b"k", s("v1"), &LRU));
    assert!(!db.insert(b"k", s("v2"), &LRU));
    assert_eq!(db.len(), 1);
    assert_eq!(found(&mut db, "k", 0), Some(b"v2".to_vec()));
    assert!(matches!(
        db.lookup(b"nope", 0, &LRU, ExpiryMode::Delete),
        Lookup::Missing
    ));
    if let Lookup::Found(Value::Str(v)) = db.lookup(b"k", 0, &LRU, ExpiryMode::Delete) {
        v.append(b"!", u64::MAX).unwrap();
    }
    assert_eq!(
        db.peek(b"k").map(|v| v.as_str().unwrap().to_vec()),
        Some(b"v2!".to_vec())
    );
    assert_eq!(db.remove(b"k"), Some(s("v2!")));
    assert_eq!(db.remove(b"k"), None);
    assert!(db.is_empty());
}

#[test]
fn ttl_bookkeeping() {
    let mut db = Db::new();
    assert!(!db.set_expire_at(b"k", 100));
    db.insert(b"k", s("v"), &LRU);
    assert_eq!(db.expire_at(b"k"), None);
    assert!(db.set_expire_at(b"k", 100));
    assert_eq!(db.expire_at(b"k"), Some(100));
    assert_eq!(db.expires_len(), 1);
    assert!(db.set_expire_at(b"k", 200));
    assert_eq!(db.expires_len(), 1);

    // SET KEEPTTL keeps it; a plain SET clears it.
    db.insert_keep_ttl(b"k", s("w"), &LRU);
    assert_eq!(db.expire_at(b"k"), Some(200));
    db.insert(b"k", s("x"), &LRU);
    assert_eq!(db.expire_at(b"k"), None);
    assert_eq!(db.expires_len(), 0);

    db.insert_with_expire(b"k", s("y"), Some(300), &LRU);
    assert_eq!(db.expire_at(b"k"), Some(300));
    assert!(db.persist(b"k"));
    assert!(!db.persist(b"k"));
    assert_eq!(db.expires_len(), 0);

    db.insert_with_expire(b"k", s("y"), Some(400), &LRU);
    assert_eq!(db.take(b"k"), Some((s("y"), Some(400))));
    assert_eq!(db.expires_len(), 0);
    db.insert_with_expire(b"k", s("y"), Some(400), &LRU);
    db.remove(b"k");
    assert_eq!(db.expires_len(), 0);
    db.insert_keep_ttl(b"new", s("z"), &LRU);
    assert_eq!(db.expire_at(b"new"), None);
}

#[test]
fn expiry_modes_on_lookup() {
    let mut db = Db::new();
    db.insert_with_expire(b"k", s("v"), Some(100), &LRU);
    // A key expires strictly after its time.
    assert!(!db.is_expired(b"k", 100));
    assert_eq!(found(&mut db, "k", 100), Some(b"v".to_vec()));
    assert!(db.is_expired(b"k", 101));
    assert!(matches!(
        db.lookup(b"k", 101, &LRU, ExpiryMode::Ignore),
        Lookup::Found(_)
    ));
    assert!(matches!(
        db.lookup(b"k", 101, &LRU, ExpiryMode::Hide),
        Lookup::Expired { deleted: false, .. }
    ));
    assert!(db.contains(b"k"));
    assert!(matches!(
        db.lookup(b"k", 101, &LRU, ExpiryMode::Delete),
        Lookup::Expired { deleted: true, .. }
    ));
    assert!(!db.contains(b"k"));
    assert_eq!(db.expires_len(), 0);
}

#[test]
fn access_data_is_recorded() {
    let mut db = Db::new();
    db.insert(b"k", s("v"), &Access::Lru { clock: 10 });
    assert_eq!(db.meta(b"k"), Some(10));
    db.lookup(b"k", 0, &Access::NoTouch, ExpiryMode::Delete);
    assert_eq!(db.meta(b"k"), Some(10));
    db.lookup(b"k", 0, &Access::Lru { clock: 20 }, ExpiryMode::Delete);
    assert_eq!(db.meta(b"k"), Some(20));
    // Under LRU an overwrite is a fresh value.
    db.insert(b"k", s("w"), &Access::Lru { clock: 30 });
    assert_eq!(db.meta(b"k"), Some(30));
    // TTL flag and field are independent.
    db.set_expire_at(b"k", 5);
    assert!(db.set_meta(b"k", 0xff_ffff));
    assert_eq!(db.meta(b"k"), Some(0xff_ffff));
    assert_eq!(db.expire_at(b"k"), Some(5));
    assert!(!db.set_meta(b"nope", 1));

    let lfu = |random| {
        Access::Lfu(LfuParams {
            minutes: 100,
            log_factor: 10,
            decay_time: 1,
            random,
        })
    };
    let mut db = Db::new();
    db.insert(b"k", s("v"), &lfu(0.0));
    assert_eq!(db.meta(b"k"), Some((100 << 8) | 5));
    db.lookup(b"k", 0, &lfu(0.0), ExpiryMode::Delete);
    assert_eq!(db.meta(b"k"), Some((100 << 8) | 6));
    // Under LFU an overwrite keeps the counter, as Redis's dbOverwrite does.
    db.insert(b"k", s("w"), &lfu(0.0));
    assert_eq!(db.meta(b"k"), Some((100 << 8) | 6));
}

#[test]
fn random_key_skips_and_deletes_expired_keys() {
    let mut db = Db::new();
    let mut seed = 0u64;
    let mut rand = move || {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        seed
    };
    let mut expired = Vec::new();
    assert_eq!(
        db.random_key(0, ExpiryMode::Delete, &mut rand, &mut |k, _| expired
            .push(k.to_vec())),
        None
    );

    for i in 0..20 {
        db.insert_with_expire(format!("gone{i}").as_bytes(), s("v"), Some(10), &LRU);
    }
    db.insert(b"live", s("v"), &LRU);
    // Ignore returns whatever it picks; Hide never deletes.
    assert!(
        db.random_key(50, ExpiryMode::Ignore, &mut rand, &mut |_, _| panic!())
            .is_some()
    );
    for _ in 0..10 {
        assert_eq!(
            db.random_key(50, ExpiryMode::Hide, &mut rand, &mut |_, _| panic!()),
            Some(b"live".to_vec())
        );
    }
    assert_eq!(db.len(), 21);
    for _ in 0..10 {
        let key = db.random_key(50, ExpiryMode::Delete, &mut rand, &mut |k, _| {
            expired.push(k.to_vec())
        });
        assert_eq!(key, Some(b"live".to_vec()));
    }
    assert!(expired.iter().all(|k| k.starts_with(b"gone")));
    assert_eq!(db.len(), 21 - expired.len());

    // All keys volatile and expired: a master deletes them all, a replica gives up.
    let mut db = Db::new();
    for i in 0..20 {
        db.insert_with_expire(format!("gone{i}").as_bytes(), s("v"), Some(10), &LRU);
    }
    let key = db.random_key(50, ExpiryMode::Hide, &mut rand, &mut |_, _| panic!());
    assert!(key.unwrap().starts_with(b"gone"));
    let mut count = 0;
    assert_eq!(
        db.random_key(50, ExpiryMode::Delete, &mut rand, &mut |_, _| count += 1),
        None
    );
    assert_eq!(count, 20);
    assert!(db.is_empty());

    // A caller with no randomness at all still gets an answer.
    let mut db = Db::new();
    for i in 0..100 {
        db.insert_with_expire(format!("gone{i}").as_bytes(), s("v"), Some(10), &LRU);
    }
    db.insert(b"live", s("v"), &LRU);
    let _ = db.random_key(50, ExpiryMode::Hide, &mut || 0, &mut |_, _| panic!());
}

#[test]
fn active_expire_rounds_delete_expired_keys() {
    let mut db = Db::new();
    let mut none = |_: &[u8], _: Value| panic!("nothing to expire");
    assert_eq!(
        db.active_expire_round(0, 20, &mut none),
        ExpireRound {
            sampled: 0,
            expired: 0,
            skipped: true
        }
    );
    for i in 0..200 {
        let when = if i % 2 == 0 { 1_000 } else { 100_000 };
        db.insert_with_expire(format!("k{i}").as_bytes(), s("v"), Some(when), &LRU);
    }
    for i in 0..50 {
        db.insert(format!("persistent{i}").as_bytes(), s("v"), &LRU);
    }
    let mut expired = Vec::new();
    let mut rounds = 0;
    while db.expires_len() > 100 {
        let round = db.active_expire_round(50_000, 20, &mut |k, _| expired.push(k.to_vec()));
        assert!(!round.skipped);
        assert!(round.sampled >= round.expired);
        rounds += 1;
        assert!(rounds < 1000);
    }
    assert_eq!(expired.len(), 100);
    assert!(expired.iter().all(|k| {
        let n: u32 = std::str::from_utf8(&k[1..]).unwrap().parse().unwrap();
        n.is_multiple_of(2)
    }));
    assert_eq!(db.len(), 150);
    // Remaining TTLs are 50 seconds away; the running average heads there.
    assert!(db.avg_ttl() > 0);
    let round = db.active_expire_round(50_000, 20, &mut none);
    assert_eq!(round.expired, 0);
    assert!(round.sampled > 0);
    // Over ten rounds, a round asked for 0 keys must have looked at some.
    let sampled: u64 = (0..10)
        .map(|_| db.active_expire_round(50_000, 0, &mut none).sampled)
        .sum();
    assert!(sampled > 0);

    // A sparse TTL table is skipped until it shrinks.
    let mut db = Db::new();
    for i in 0..1000 {
        db.insert_with_expire(format!("k{i}").as_bytes(), s("v"), Some(100_000), &LRU);
    }
    for i in 0..995 {
        db.remove(format!("k{i}").as_bytes());
    }
    while db.rehash_steps(100) {}
    assert!(db.active_expire_round(0, 20, &mut none).skipped);
    db.shrink_if_sparse();
    while db.rehash_steps(100) {}
    assert!(!db.active_expire_round(0, 20, &mut none).skipped);

    let mut db = Db::new();
    db.insert_with_expire(b"k", s("v"), Some(1), &LRU);
    db.clear();
    assert!(db.active_expire_round(0, 20, &mut none).skipped);
    assert_eq!(db.avg_ttl(), 0);
}

#[test]
fn sample_for_eviction_reports_fields_and_ttls() {
    let mut db = Db::new();
    for i in 0..50 {
        db.insert(
            format!("p{i}").as_bytes(),
            s("v"),
            &Access::Lru { clock: 7 },
        );
        db.insert_with_expire(
            format!("v{i}").as_bytes(),
            s("v"),
            Some(i),
            &Access::Lru { clock: 9 },
        );
    }
    let mut seen = 0;
    db.sample_for_eviction(true, 5, 42, |key, field, expire| {
        seen += 1;
        assert!(key.as_bytes().starts_with(b"v"));
        assert_eq!(field, 9);
        assert_eq!(expire, db.expire_at(key.as_bytes()));
    });
    assert!(seen > 0 && seen <= 5);
    db.sample_for_eviction(false, 16, 43, |key, field, expire| {
        let volatile = key.as_bytes().starts_with(b"v");
        assert_eq!(field, if volatile { 9 } else { 7 });
        assert_eq!(expire.is_some(), volatile);
    });
}

#[test]
fn clear_counts_keys() {
    let mut db = Db::new();
    for i in 0..10 {
        db.insert_with_expire(format!("{i}").as_bytes(), s("v"), Some(5), &LRU);
    }
    assert_eq!(db.clear(), 10);
    assert!(db.is_empty());
    assert_eq!(db.expires_len(), 0);
    assert_eq!(db.iter().count(), 0);
}

fn dataset_digest(dbs: &[&Db]) -> String {
    let mut digest = Digest::new();
    for (index, db) in dbs.iter().enumerate() {
        db.digest_into(index as u32, &mut digest);
    }
    digest.to_hex()
}

#[test]
fn digests_match_redis_7_0_15() {
    // Every expected value below came from DEBUG DIGEST / DIGEST-VALUE on
    // redis-server 7.0.15 after the same commands.
    let mut db0 = Db::new();
    let mut db1 = Db::new();
    assert_eq!(
        dataset_digest(&[&db0, &db1]),
        "0000000000000000000000000000000000000000"
    );
    assert!(Digest::new().is_zero());

    db0.insert(b"foo", s("bar"), &LRU);
    assert_eq!(
        dataset_digest(&[&db0, &db1]),
        "d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a"
    );
    assert_eq!(
        db0.digest_value(b"foo").to_hex(),
        "68467c70ae30376e7ce005bcc8827f5ba7fd67dc"
    );

    db0.insert(b"n", s("12345"), &LRU);
    assert_eq!(db0.peek(b"n").unwrap().encoding(), "int");
    assert_eq!(
        db0.digest_value(b"n").to_hex(),
        "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"
    );
    assert_eq!(
        dataset_digest(&[&db0, &db1]),
        "cd5a02343543db03481294f2a80f5609dd27c72b"
    );

    db0.insert_with_expire(b"e", s("hello"), Some(99_999_999_999_999), &LRU);
    assert_eq!(
        db0.digest_value(b"e").to_hex(),
        "d037c4eb8a8b36b602fbced4000daeab0714c1e3"
    );
    assert_eq!(
        value_digest(db0.peek(b"e").unwrap(), Some(1)).to_hex(),
        "d037c4eb8a8b36b602fbced4000daeab0714c1e3",
        "only the presence of a TTL counts"
    );
    assert_eq!(
        dataset_digest(&[&db0, &db1]),
        "3ec3a0d6d9c6ebee170c956466ba5c03401b29b9"
    );

    db1.insert(b"foo", s("bar"), &LRU);
    assert_eq!(
        dataset_digest(&[&db0, &db1]),
        "5eed385271bedc2a40058162aeef8e6613622f03"
    );

    db1.insert(b"", s(""), &LRU);
    assert_eq!(
        db1.digest_value(b"").to_hex(),
        "8b3447c33a834b810e3e181b6fd6a2ee1020921c"
    );
    assert_eq!(
        db0.digest_value(b"nosuch").to_hex(),
        "0000000000000000000000000000000000000000"
    );
    assert_eq!(
        dataset_digest(&[&db0, &db1]),
        "0f436dac2fc3c5a4a6ec2acf5dbd95e36d68903a"
    );
}

#[test]
fn iter_with_expire_reports_ttls() {
    let mut db = Db::new();
    db.insert(b"a", s("1"), &LRU);
    db.insert_with_expire(b"b", s("2"), Some(77), &LRU);
    let mut all: Vec<_> = db
        .iter_with_expire()
        .map(|(k, _, e)| (k.to_vec(), e))
        .collect();
    all.sort();
    assert_eq!(all, vec![(b"a".to_vec(), None), (b"b".to_vec(), Some(77))]);
}
