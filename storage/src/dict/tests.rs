//! Tests of the table: a model check against `HashMap`, the SCAN guarantee across
//! growth and shrinking, sampling, layout sizes and a million-key load.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::value::Value;

/// Checks the table's internal invariants: counts, bucket placement, rehash index.
fn check_consistent<V>(dict: &Dict<V>) {
    let mut seen = HashSet::new();
    for (number, table) in dict.tables.iter().enumerate() {
        assert!(table.size() == 0 || table.size().is_power_of_two());
        let mut count = 0;
        for (index, bucket) in table.buckets.iter().enumerate() {
            let mut node = bucket.as_deref();
            while let Some(current) = node {
                let hash = dict.hash(current.key.as_bytes());
                assert_eq!(
                    (hash & table.mask()) as usize,
                    index,
                    "entry in the wrong bucket"
                );
                if number == 0
                    && let Some(rehash_index) = dict.rehash_index
                {
                    assert!(index >= rehash_index, "entry below the rehash index");
                }
                assert!(seen.insert(current.key.to_vec()), "duplicate key");
                count += 1;
                node = current.next.as_deref();
            }
        }
        assert_eq!(count, table.used);
    }
    if dict.rehash_index.is_none() {
        assert_eq!(dict.tables[1].size(), 0);
    }
}

#[test]
fn node_of_a_keyspace_entry_is_64_bytes() {
    assert_eq!(std::mem::size_of::<Node<Value>>(), 64);
    assert_eq!(std::mem::size_of::<Key>(), 24);
    assert_eq!(std::mem::size_of::<Value>(), 24);
}

#[test]
fn grows_by_redis_rule() {
    let mut dict = Dict::with_seed(1);
    assert_eq!(dict.slots(), 0);
    dict.insert(b"a", 1);
    assert_eq!(dict.slots(), 4);
    for i in 0..3 {
        dict.insert(format!("k{i}").as_bytes(), i);
    }
    assert_eq!(dict.len(), 4);
    assert!(!dict.is_rehashing());
    // The fifth insert finds used == size and starts a rehash to 8 buckets.
    dict.insert(b"e", 5);
    assert!(dict.is_rehashing());
    assert_eq!(dict.tables[1].size(), 8);
    while dict.rehash_steps(1) {}
    assert_eq!(dict.slots(), 8);
    check_consistent(&dict);
}

#[test]
fn shrinks_when_under_ten_percent() {
    let mut dict = Dict::with_seed(2);
    for i in 0..1000 {
        dict.insert(format!("key:{i}").as_bytes(), i);
    }
    while dict.rehash_steps(100) {}
    assert_eq!(dict.slots(), 1024);
    assert!(!dict.shrink_to_fit_if_sparse());
    for i in 0..950 {
        dict.remove(format!("key:{i}").as_bytes());
    }
    assert!(dict.shrink_to_fit_if_sparse());
    while dict.rehash_steps(100) {}
    assert_eq!(dict.slots(), 64);
    assert_eq!(dict.len(), 50);
    check_consistent(&dict);
    for i in 950..1000 {
        assert_eq!(dict.get(format!("key:{i}").as_bytes()), Some(&i));
    }
}

#[test]
fn meta_words_follow_entries() {
    let mut dict = Dict::with_seed(3);
    assert_eq!(
        dict.insert_with_meta(b"k", 1, |old| old.map_or(7, |m| m + 1)),
        None
    );
    assert_eq!(dict.meta(b"k"), Some(7));
    assert_eq!(
        dict.insert_with_meta(b"k", 2, |old| old.map_or(7, |m| m + 1)),
        Some(1)
    );
    assert_eq!(dict.meta(b"k"), Some(8));
    assert_eq!(dict.insert(b"k", 3), Some(2));
    assert_eq!(dict.meta(b"k"), Some(8));
    if let Some((meta, value)) = dict.get_meta_mut(b"k") {
        *meta = 9;
        *value = 4;
    }
    assert_eq!(
        dict.get_entry(b"k").map(|(k, m, v)| (k.to_vec(), m, *v)),
        Some((b"k".to_vec(), 9, 4))
    );
    assert_eq!(dict.remove_entry(b"k"), Some((9, 4)));
    assert_eq!(dict.remove_entry(b"k"), None);
}

#[test]
fn empty_and_binary_keys() {
    let mut dict = Dict::with_seed(4);
    dict.insert(b"", 1);
    dict.insert(b"\0\xff", 2);
    assert_eq!(dict.get(b""), Some(&1));
    assert_eq!(dict.get(b"\0\xff"), Some(&2));
    assert_eq!(dict.get(b"\0"), None);
}

#[test]
fn long_chains_drop_without_recursion() {
    let mut chain: Link<u8> = None;
    for i in 0..1_000_000u32 {
        chain = Some(Box::new(Node {
            next: chain,
            key: Key::new(&i.to_le_bytes()),
            meta: 0,
            value: 0,
        }));
    }
    let mut table = Table::with_size(1);
    table.buckets[0] = chain;
    table.used = 1_000_000;
    drop(table);
}

#[test]
fn million_small_keys() {
    // A million in release builds; a tenth of that unoptimised, to keep the suite quick.
    let count: u32 = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let mut dict: Dict<Value> = Dict::new();
    for i in 0..count {
        let key = format!("key:{i:012}");
        assert_eq!(key.len(), 16);
        let value = Value::Str(crate::string::StrValue::from_bytes(b"abc"));
        assert!(dict.insert(key.as_bytes(), value).is_none());
    }
    assert_eq!(dict.len(), count as usize);
    while dict.rehash_steps(1000) {}
    check_consistent(&dict);
    for i in (0..count).step_by(997) {
        let key = format!("key:{i:012}");
        assert!(dict.get(key.as_bytes()).is_some());
    }
    assert_eq!(dict.iter().count(), count as usize);
}

#[test]
fn scan_visits_everything_once_on_a_stable_table() {
    let mut dict = Dict::with_seed(5);
    for i in 0..500 {
        dict.insert(format!("{i}").as_bytes(), i);
    }
    while dict.rehash_steps(100) {}
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        cursor = dict.scan(cursor, |key, _| seen.push(key.to_vec()));
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 500);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 500);
}

#[test]
fn random_and_sample_on_small_and_rehashing_tables() {
    let mut dict = Dict::with_seed(6);
    assert!(dict.random(1).is_none());
    let mut called = false;
    dict.sample(5, 1, |_, _| called = true);
    assert!(!called);
    dict.insert(b"only", 1);
    for rand in 0..50 {
        assert_eq!(
            dict.random(rand).map(|(k, _)| k.to_vec()),
            Some(b"only".to_vec())
        );
    }
    for i in 0..100 {
        dict.insert(format!("{i}").as_bytes(), i);
    }
    assert!(dict.is_rehashing());
    let mut picked = HashSet::new();
    for rand in 0..2000 {
        let (key, value) = dict.random(rand).unwrap();
        assert_eq!(dict.get(key.as_bytes()), Some(value));
        picked.insert(key.to_vec());
    }
    assert!(
        picked.len() > 50,
        "random picks should spread: {}",
        picked.len()
    );
    let mut sampled = Vec::new();
    dict.sample(10, 99, |key, _| sampled.push(key.to_vec()));
    assert!(sampled.len() <= 10);
    assert!(sampled.iter().all(|key| dict.contains_key(key)));
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u16, u32),
    Remove(u16),
    Get(u16),
    Rehash(u8),
    Shrink,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        60 => (0u16..400, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        40 => (0u16..400).prop_map(Op::Remove),
        30 => (0u16..400).prop_map(Op::Get),
        10 => any::<u8>().prop_map(Op::Rehash),
        10 => Just(Op::Shrink),
        1 => Just(Op::Clear),
    ]
}

fn key_of(k: u16) -> Vec<u8> {
    // Mix short and long keys so both key representations are exercised.
    if k.is_multiple_of(3) {
        format!("long-key-number-{k:08}-padding").into_bytes()
    } else {
        k.to_string().into_bytes()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn behaves_like_a_hash_map(ops in prop::collection::vec(op(), 1..600), seed: u64) {
        let mut dict = Dict::with_seed(seed);
        let mut model: HashMap<Vec<u8>, u32> = HashMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => prop_assert_eq!(dict.insert(&key_of(k), v), model.insert(key_of(k), v)),
                Op::Remove(k) => prop_assert_eq!(dict.remove(&key_of(k)), model.remove(&key_of(k))),
                Op::Get(k) => prop_assert_eq!(dict.get(&key_of(k)), model.get(&key_of(k))),
                Op::Rehash(n) => {
                    dict.rehash_steps(usize::from(n));
                }
                Op::Shrink => {
                    dict.shrink_to_fit_if_sparse();
                }
                Op::Clear => {
                    dict.clear();
                    model.clear();
                }
            }
            prop_assert_eq!(dict.len(), model.len());
        }
        check_consistent(&dict);
        let contents: HashMap<Vec<u8>, u32> = dict.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        prop_assert_eq!(contents, model);
    }

    #[test]
    fn scan_returns_every_key_present_throughout(
        initial in 0usize..300,
        changes in prop::collection::vec((any::<bool>(), 0u16..600, 0u8..4), 0..80),
        seed: u64,
    ) {
        let mut dict = Dict::with_seed(seed);
        for i in 0..initial {
            dict.insert(format!("stable:{i}").as_bytes(), 0u8);
        }
        // Keys named "stable:" are never removed, so all must be reported. Between
        // scan steps, volatile keys come and go in bulk, making the table grow and
        // shrink (with partial rehashes) under the cursor.
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut changes = changes.into_iter();
        loop {
            cursor = dict.scan(cursor, |key, _| {
                seen.insert(key.to_vec());
            });
            if cursor == 0 {
                break;
            }
            if let Some((grow, amount, steps)) = changes.next() {
                if grow {
                    for i in 0..amount {
                        dict.insert(format!("volatile:{i}").as_bytes(), 1);
                    }
                } else {
                    for i in 0..600u16 {
                        dict.remove(format!("volatile:{i}").as_bytes());
                    }
                    dict.shrink_to_fit_if_sparse();
                }
                dict.rehash_steps(usize::from(steps));
            }
        }
        for i in 0..initial {
            prop_assert!(seen.contains(format!("stable:{i}").as_bytes()), "missed stable:{}", i);
        }
    }

    #[test]
    fn random_and_sample_only_return_present_keys(
        keys in prop::collection::hash_set(0u16..2000, 0..300),
        removed in prop::collection::vec(0u16..2000, 0..300),
        steps in 0usize..20,
        rand: u64,
        count in 0usize..40,
    ) {
        let mut dict = Dict::with_seed(rand ^ 0x5555);
        for k in &keys {
            dict.insert(&key_of(*k), *k);
        }
        for k in &removed {
            dict.remove(&key_of(*k));
        }
        dict.shrink_to_fit_if_sparse();
        dict.rehash_steps(steps);
        let present: HashSet<Vec<u8>> = dict.iter().map(|(k, _)| k.to_vec()).collect();
        match dict.random(rand) {
            Some((key, _)) => prop_assert!(present.contains(key.as_bytes())),
            None => prop_assert!(present.is_empty()),
        }
        let mut sampled = 0;
        dict.sample(count, rand, |key, _| {
            sampled += 1;
            assert!(present.contains(key.as_bytes()));
        });
        prop_assert!(sampled <= count.min(present.len()));
    }
}

#[test]
fn a_grow_limit_holds_growth_until_the_table_is_overfull() {
    let mut d: Dict<u32> = Dict::with_seed(7);
    for i in 0..64u32 {
        d.insert(format!("k{i}").as_bytes(), i);
    }
    while d.rehash_steps(100) {}
    let slots = d.slots();
    d.set_grow_limit(Some(0));
    // Up to 1.618 entries per bucket the table keeps its size.
    let cap = slots * 1618 / 1000;
    for i in 64..cap as u32 {
        d.insert(format!("k{i}").as_bytes(), i);
    }
    assert_eq!(d.slots(), slots);
    // Past that, it grows anyway, as Redis's dictExpandAllowed allows.
    for i in cap as u32..(cap as u32 + 8) {
        d.insert(format!("k{i}").as_bytes(), i);
    }
    assert!(d.slots() > slots);
    d.set_grow_limit(None);
}
