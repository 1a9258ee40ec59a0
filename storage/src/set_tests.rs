//! Unit tests of the set type: Redis's encoding rules and conversions, and the random
//! algorithms' guarantees, each run against both encodings where both apply.

use super::*;

const MAX: usize = 512;

/// A tiny deterministic generator for the tests.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

fn set_of(members: &[&str]) -> SetValue {
    let mut set = SetValue::for_member(members.first().map_or(b"0", |m| m.as_bytes()));
    for m in members {
        set.add(m.as_bytes(), MAX);
    }
    set
}

fn sorted(set: &SetValue) -> Vec<Vec<u8>> {
    let mut members: Vec<Vec<u8>> = set.iter().map(|m| m.to_vec()).collect();
    members.sort();
    members
}

/// The same contents in each encoding: integers, plus "foo" for the hash table.
fn both_encodings() -> [SetValue; 2] {
    let ints = set_of(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    let mut table = ints.clone();
    table.add(b"foo", MAX);
    table.remove(b"foo");
    assert_eq!(ints.encoding(), "intset");
    assert_eq!(table.encoding(), "hashtable");
    [ints, table]
}

#[test]
fn sizes_stay_small() {
    assert_eq!(std::mem::size_of::<SetValue>(), 16);
    assert_eq!(std::mem::size_of::<crate::Value>(), 24);
    // A hash-table member of up to 22 bytes is a 32-byte node: less than Redis's
    // 24-byte dictEntry (a 32-byte allocation) plus its sds string.
    assert_eq!(std::mem::size_of::<crate::dict::Node<(), ()>>(), 32);
}

#[test]
fn new_sets_start_in_redis_encodings() {
    assert_eq!(SetValue::new().encoding(), "intset");
    assert_eq!(SetValue::for_member(b"12").encoding(), "intset");
    assert_eq!(
        SetValue::for_member(b"-9223372036854775808").encoding(),
        "intset"
    );
    assert_eq!(SetValue::for_member(b"012").encoding(), "hashtable");
    assert_eq!(SetValue::for_member(b"+1").encoding(), "hashtable");
    assert_eq!(
        SetValue::for_member(b"9223372036854775808").encoding(),
        "hashtable"
    );
    assert_eq!(SetValue::for_member(b"a").encoding(), "hashtable");
}

#[test]
fn a_non_integer_converts_for_good() {
    let mut set = set_of(&["1", "2", "3"]);
    assert_eq!(set.encoding(), "intset");
    assert!(set.add(b"a", MAX));
    assert_eq!(set.encoding(), "hashtable");
    assert!(set.remove(b"a"));
    assert_eq!(set.encoding(), "hashtable");
    assert_eq!(
        sorted(&set),
        vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]
    );
    assert!(set.contains(b"2"));
    assert!(set.contains_member(Member::Int(3)));
    assert!(!set.contains_member(Member::Int(4)));
}

#[test]
fn the_entry_limit_converts_past_it() {
    let mut set = SetValue::new();
    for n in 0..4 {
        assert!(set.add(n.to_string().as_bytes(), 4));
    }
    assert_eq!(set.encoding(), "intset");
    assert!(!set.add(b"3", 4));
    assert_eq!(set.encoding(), "intset");
    assert!(set.add(b"4", 4));
    assert_eq!(set.encoding(), "hashtable");
    assert_eq!(set.len(), 5);
    // A limit of 0 converts at the first member.
    let mut set = SetValue::new();
    set.add(b"1", 0);
    assert_eq!(set.encoding(), "hashtable");
}

#[test]
fn membership_and_removal_in_both_encodings() {
    for mut set in both_encodings() {
        assert_eq!(set.len(), 10);
        assert!(set.contains(b"10"));
        assert!(!set.contains(b"11"));
        assert!(!set.contains(b"010"));
        assert!(!set.contains(b"x"));
        assert!(set.contains_member(Member::Str(b"5")));
        assert!(!set.add(b"5", MAX));
        assert!(!set.remove(b"05"));
        assert!(!set.remove(b"x"));
        assert!(set.remove(b"5"));
        assert!(!set.contains(b"5"));
        assert!(set.remove_member(Member::Int(6)));
        assert_eq!(set.len(), 8);
    }
}

#[test]
fn clones_keep_encoding_and_members() {
    for set in both_encodings() {
        let copy = set.clone();
        assert_eq!(copy.encoding(), set.encoding());
        assert_eq!(copy, set);
        assert_eq!(sorted(&copy), sorted(&set));
    }
    let [ints, table] = both_encodings();
    assert_eq!(ints, table);
}

#[test]
fn intsets_iterate_in_order_and_expose_redis_bytes() {
    let set = set_of(&["3", "-1", "2"]);
    let members: Vec<Member<'_>> = set.iter().collect();
    assert_eq!(
        members,
        vec![Member::Int(-1), Member::Int(2), Member::Int(3)]
    );
    assert_eq!(
        set.intset_bytes(),
        Some(&[2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 2, 0, 3, 0][..])
    );
    assert_eq!(set_of(&["a"]).intset_bytes(), None);
}

#[test]
fn random_picks_cover_every_member() {
    for set in both_encodings() {
        let mut next = rng(7);
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            seen.insert(set.random(next()).map(|m| m.to_vec()));
        }
        assert_eq!(seen.len(), 10);
    }
    assert_eq!(SetValue::new().random(1), None);
}

#[test]
fn random_members_repeat_and_stop_on_request() {
    for set in both_encodings() {
        let mut next = rng(3);
        let mut got = Vec::new();
        set.random_members(100, &mut next, |m| {
            got.push(m.to_vec());
            true
        });
        assert_eq!(got.len(), 100);
        assert!(got.iter().all(|m| set.contains(m)));
        let mut calls = 0;
        set.random_members(u64::MAX, &mut next, |_| {
            calls += 1;
            calls < 5
        });
        assert_eq!(calls, 5);
    }
}

#[test]
fn random_distinct_members_for_every_strategy() {
    for set in both_encodings() {
        let mut next = rng(11);
        // The whole set, a large share (subtraction) and a small share (draws).
        for count in [10, 50, 9, 4, 3, 1] {
            let mut got = Vec::new();
            set.random_distinct(count, &mut next, |m| got.push(m.to_vec()));
            assert_eq!(got.len(), count.min(10));
            let unique: HashSet<_> = got.iter().collect();
            assert_eq!(unique.len(), got.len());
            assert!(got.iter().all(|m| set.contains(m)));
        }
    }
}

/// Pearson's chi-square statistic of how often each member came out.
fn chi_square(counts: &std::collections::HashMap<Vec<u8>, u64>, members: usize) -> f64 {
    let total: u64 = counts.values().sum();
    let expected = total as f64 / members as f64;
    counts
        .values()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum::<f64>()
        + (members - counts.len()) as f64 * expected
}

#[test]
fn random_picks_are_evenly_spread() {
    // As the suite's SRANDMEMBER histogram test: 9 degrees of freedom, 40 is far out.
    for set in both_encodings() {
        let mut next = rng(5);
        for count in [8usize, 2] {
            let mut counts = std::collections::HashMap::new();
            // 1000 picks, as the suite's histogram tests (see the hash tests for why).
            for _ in 0..(1000 / count) {
                set.random_distinct(count, &mut next, |m| {
                    *counts.entry(m.to_vec()).or_insert(0u64) += 1;
                });
            }
            assert!(chi_square(&counts, 10) < 40.0, "count {count}");
        }
        let mut counts = std::collections::HashMap::new();
        set.random_members(1000, &mut next, |m| {
            *counts.entry(m.to_vec()).or_insert(0u64) += 1;
            true
        });
        assert!(chi_square(&counts, 10) < 40.0);
    }
}

#[test]
fn pops_remove_what_they_return() {
    for count in [0usize, 1, 2, 9, 10, 30] {
        for mut set in both_encodings() {
            let before = sorted(&set);
            let mut next = rng(count as u64 + 1);
            let mut popped = Vec::new();
            set.pop_random_many(count, MAX, &mut next, |m| popped.push(m.to_vec()));
            assert_eq!(popped.len(), count.min(10));
            assert_eq!(set.len(), 10 - count.min(10));
            let mut all = popped.clone();
            all.extend(sorted(&set));
            all.sort();
            assert_eq!(all, before);
        }
    }
    let mut set = set_of(&["a"]);
    assert_eq!(set.pop_random(9), Some(b"a".to_vec()));
    assert!(set.is_empty());
    assert_eq!(set.pop_random(9), None);
}

#[test]
fn popping_most_members_rebuilds_in_the_fitting_encoding() {
    // 600 integers are a hash table; popping 550 keeps 50, under a fifth, so the set is
    // rebuilt from the survivors, which fit an intset (as in Redis).
    let mut set = SetValue::new();
    for n in 0..600 {
        set.add(n.to_string().as_bytes(), MAX);
    }
    assert_eq!(set.encoding(), "hashtable");
    let mut next = rng(1);
    let mut popped = 0;
    set.pop_random_many(550, MAX, &mut next, |_| popped += 1);
    assert_eq!((popped, set.len(), set.encoding()), (550, 50, "intset"));
    // Popping few members keeps the encoding.
    let mut set = SetValue::new();
    for n in 0..600 {
        set.add(n.to_string().as_bytes(), MAX);
    }
    set.pop_random_many(100, MAX, &mut next, |_| {});
    assert_eq!((set.len(), set.encoding()), (500, "hashtable"));
}

#[test]
fn scans_return_every_member() {
    let [ints, _] = both_encodings();
    let mut got = Vec::new();
    assert_eq!(ints.scan(0, 1, |m| got.push(m.to_vec())), 0);
    assert_eq!(got.len(), 10);

    let mut big = SetValue::new();
    for n in 0..1000 {
        big.add(format!("m:{n}").as_bytes(), MAX);
    }
    let mut seen = HashSet::new();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        cursor = big.scan(cursor, 10, |m| {
            seen.insert(m.to_vec());
        });
        calls += 1;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 1000);
    assert!(calls > 10);
}

#[test]
fn shrinks_after_mass_removal() {
    let mut set = SetValue::new();
    for n in 0..1000 {
        set.add(format!("m:{n}").as_bytes(), MAX);
    }
    for n in 0..995 {
        assert!(set.remove(format!("m:{n}").as_bytes()));
    }
    assert_eq!(set.len(), 5);
    assert!(set.contains(b"m:999"));
}
