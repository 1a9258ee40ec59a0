//! The sorted set API, run once per encoding against a simple model, plus the
//! conversions between encodings and the texts Redis derives from them.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

const LISTPACK: ZsetLimits = ZsetLimits {
    max_listpack_entries: 128,
    max_listpack_value: 64,
};
const SKIPLIST: ZsetLimits = ZsetLimits {
    max_listpack_entries: 0,
    max_listpack_value: 0,
};

fn new_set(limits: &ZsetLimits) -> ZsetValue {
    ZsetValue::for_first_member(1, limits)
}

fn add(z: &mut ZsetValue, member: &str, score: f64, limits: &ZsetLimits) -> AddResult {
    z.add(member.as_bytes(), score, AddFlags::default(), limits)
        .unwrap()
}

fn members(z: &ZsetValue) -> Vec<(String, f64)> {
    z.iter()
        .map(|(m, s)| (String::from_utf8(m.to_vec()).unwrap(), s))
        .collect()
}

fn both(test: impl Fn(&ZsetLimits, &str)) {
    test(&LISTPACK, "listpack");
    test(&SKIPLIST, "skiplist");
}

#[test]
fn add_flags_follow_zset_add() {
    both(|limits, encoding| {
        let mut z = new_set(limits);
        assert_eq!(add(&mut z, "a", 1.0, limits), AddResult::Added(1.0));
        assert_eq!(z.encoding(), encoding);
        assert_eq!(add(&mut z, "a", 1.0, limits), AddResult::Unchanged(1.0));
        assert_eq!(add(&mut z, "a", 2.0, limits), AddResult::Updated(2.0));
        let flags = |f: fn(&mut AddFlags)| {
            let mut flags = AddFlags::default();
            f(&mut flags);
            flags
        };
        let nx = flags(|f| f.nx = true);
        let xx = flags(|f| f.xx = true);
        let gt = flags(|f| f.gt = true);
        let lt = flags(|f| f.lt = true);
        let incr = flags(|f| f.incr = true);
        assert_eq!(z.add(b"a", 5.0, nx, limits), Ok(AddResult::Skipped));
        assert_eq!(z.add(b"b", 5.0, xx, limits), Ok(AddResult::Skipped));
        assert_eq!(z.add(b"a", 1.0, gt, limits), Ok(AddResult::Skipped));
        assert_eq!(z.add(b"a", 3.0, gt, limits), Ok(AddResult::Updated(3.0)));
        assert_eq!(z.add(b"a", 4.0, lt, limits), Ok(AddResult::Skipped));
        assert_eq!(z.add(b"c", 9.0, gt, limits), Ok(AddResult::Added(9.0)));
        assert_eq!(z.add(b"a", 0.5, incr, limits), Ok(AddResult::Updated(3.5)));
        assert_eq!(
            z.add(b"x", f64::NAN, nx, limits),
            Err(StorageError::ScoreNan)
        );
        assert_eq!(
            z.add(b"i", f64::INFINITY, incr, limits),
            Ok(AddResult::Added(f64::INFINITY))
        );
        assert_eq!(
            z.add(b"i", f64::NEG_INFINITY, incr, limits),
            Err(StorageError::ScoreNan)
        );
        assert_eq!(z.score(b"i"), Some(f64::INFINITY));
        assert_eq!(
            members(&z),
            vec![
                ("a".into(), 3.5),
                ("c".into(), 9.0),
                ("i".into(), f64::INFINITY)
            ]
        );
        z.check();
    });
}

#[test]
fn negative_zero_reads_back_as_stored() {
    let mut z = new_set(&LISTPACK);
    add(&mut z, "a", -0.0, &LISTPACK);
    assert!(z.score(b"a").unwrap().is_sign_positive());
    let mut z = new_set(&SKIPLIST);
    add(&mut z, "a", -0.0, &SKIPLIST);
    assert!(z.score(b"a").unwrap().is_sign_negative());
}

#[test]
fn conversions_happen_at_the_limits() {
    let limits = ZsetLimits {
        max_listpack_entries: 3,
        max_listpack_value: 4,
    };
    let mut z = ZsetValue::for_first_member(1, &limits);
    for (i, m) in ["a", "b", "c"].iter().enumerate() {
        add(&mut z, m, i as f64, &limits);
    }
    assert_eq!(z.encoding(), "listpack");
    add(&mut z, "d", 3.0, &limits);
    assert_eq!(z.encoding(), "skiplist");
    z.check();
    // Removing never converts back; a computed result that fits is a listpack.
    z.remove(b"d");
    assert_eq!(z.encoding(), "skiplist");
    let pairs: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
    z = ZsetValue::from_sorted(&pairs, &limits);
    assert_eq!(z.encoding(), "listpack");
    let mut longer = pairs.clone();
    longer.push((b"d".to_vec(), 3.0));
    assert_eq!(
        ZsetValue::from_sorted(&longer, &limits).encoding(),
        "skiplist"
    );
    longer.truncate(2);
    longer.push((b"abcde".to_vec(), 3.0));
    assert_eq!(
        ZsetValue::from_sorted(&longer, &limits).encoding(),
        "skiplist"
    );
    assert_eq!(
        members(&z),
        vec![("a".into(), 0.0), ("b".into(), 1.0), ("c".into(), 2.0)]
    );
    // A long member converts at once, an update of an existing one never does.
    add(&mut z, "a", 7.0, &limits);
    assert_eq!(z.encoding(), "listpack");
    add(&mut z, "abcde", 1.0, &limits);
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(
        ZsetValue::for_first_member(5, &limits).encoding(),
        "skiplist"
    );
    assert_eq!(
        ZsetValue::for_first_member(4, &limits).encoding(),
        "listpack"
    );
    assert_eq!(
        ZsetValue::for_result_size(Some(4), &limits).encoding(),
        "skiplist"
    );
    assert_eq!(
        ZsetValue::for_result_size(None, &limits).encoding(),
        "listpack"
    );
}

#[test]
fn ranges_and_ranks() {
    both(|limits, _| {
        let mut z = new_set(limits);
        for (m, s) in [("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 3.0), ("e", 5.0)] {
            add(&mut z, m, s, limits);
        }
        assert_eq!(z.rank(b"c", false), Some(2));
        assert_eq!(z.rank(b"c", true), Some(2));
        assert_eq!(z.rank(b"e", true), Some(0));
        assert_eq!(z.rank(b"zz", false), None);
        let r = ScoreRange::parse(b"(1", b"3").unwrap();
        assert_eq!(z.score_ranks(&r), 1..4);
        let r = ScoreRange::parse(b"4", b"3").unwrap();
        assert_eq!(z.score_ranks(&r), 0..0);
        let got: Vec<_> = z.range(1..4, true).map(|(m, _)| m.to_vec()).collect();
        assert_eq!(got, vec![b"d".to_vec(), b"c".to_vec(), b"b".to_vec()]);
        let lex = LexRange::parse(b"[b", b"(d").unwrap();
        let mut same = new_set(limits);
        for m in ["a", "b", "c", "d", "e"] {
            add(&mut same, m, 0.0, limits);
        }
        assert_eq!(same.lex_ranks(&lex), 1..3);
        assert_eq!(z.remove_ranks(1..3), 2);
        assert_eq!(
            members(&z),
            vec![("a".into(), 1.0), ("d".into(), 3.0), ("e".into(), 5.0)]
        );
        assert_eq!(z.pop(true), Some((b"e".to_vec(), 5.0)));
        assert_eq!(z.pop(false), Some((b"a".to_vec(), 1.0)));
        assert_eq!(
            z.get(0).map(|(m, s)| (m.to_vec(), s)),
            Some((b"d".to_vec(), 3.0))
        );
        assert_eq!(
            z.random(12345).map(|(m, _)| m.to_vec()),
            Some(b"d".to_vec())
        );
        z.check();
    });
}

#[test]
fn scan_texts_follow_the_encoding() {
    let collect = |z: &ZsetValue| {
        let mut out = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = z.scan(cursor, 10, |m, s| {
                out.push((m.to_vec(), String::from_utf8(s.to_vec()).unwrap()))
            });
            if cursor == 0 {
                break;
            }
        }
        out.sort();
        out
    };
    for limits in [&LISTPACK, &SKIPLIST] {
        let mut z = new_set(limits);
        add(&mut z, "a", 1e17, limits);
        add(&mut z, "b", 0.1, limits);
        add(&mut z, "c", f64::NEG_INFINITY, limits);
        let want_a = if limits == &LISTPACK {
            "100000000000000000"
        } else {
            "1e+17"
        };
        assert_eq!(
            collect(&z),
            vec![
                (b"a".to_vec(), want_a.to_string()),
                (b"b".to_vec(), "0.10000000000000001".to_string()),
                (b"c".to_vec(), "-inf".to_string()),
            ]
        );
    }
}

#[test]
fn large_scan_returns_everything_present_throughout() {
    let mut z = new_set(&SKIPLIST);
    for i in 0..1000 {
        add(&mut z, &format!("m{i}"), f64::from(i), &SKIPLIST);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = 0;
    let mut step = 0;
    loop {
        cursor = z.scan(cursor, 7, |m, _| {
            seen.insert(m.to_vec());
        });
        // Remove members below 500 and add new ones while the scan runs.
        step += 1;
        z.remove(format!("m{}", step * 3 % 500).as_bytes());
        add(&mut z, &format!("new{step}"), 0.5, &SKIPLIST);
        if cursor == 0 {
            break;
        }
    }
    for i in 500..1000 {
        assert!(seen.contains(format!("m{i}").as_bytes()), "m{i} missed");
    }
    z.check();
}

#[test]
fn digest_is_the_same_for_both_encodings() {
    let mut a = new_set(&LISTPACK);
    let mut b = new_set(&SKIPLIST);
    for (m, s) in [("x", 1.5), ("y", -2.0), ("z", 1e300)] {
        add(&mut a, m, s, &LISTPACK);
        add(&mut b, m, s, &SKIPLIST);
    }
    let (mut da, mut db) = (Digest::new(), Digest::new());
    a.digest_into(&mut da);
    b.digest_into(&mut db);
    assert_eq!(da, db);
    assert!(!da.is_zero());
}

#[derive(Clone, Debug)]
enum Op {
    Add(u16, i8),
    Incr(u16, i8),
    Remove(u16),
    RemoveRanks(u16, u16),
    Pop(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..300u16, -10i8..10).prop_map(|(m, s)| Op::Add(m, s)),
        2 => (0..300u16, -3i8..3).prop_map(|(m, s)| Op::Incr(m, s)),
        3 => (0..300u16).prop_map(Op::Remove),
        1 => (0..40u16, 0..5u16).prop_map(|(a, n)| Op::RemoveRanks(a, n)),
        1 => any::<bool>().prop_map(Op::Pop),
    ]
}

fn sorted_model(model: &HashMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
    let mut v: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    v
}

#[test]
fn a_new_skiplist_set_passes_its_checks_before_any_insert() {
    let limits = ZsetLimits {
        max_listpack_entries: 0,
        max_listpack_value: 64,
    };
    let mut z = ZsetValue::for_first_member(1, &limits);
    assert!(!z.remove(b"member-0"));
    z.check();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn random_operations_match_a_model(ops in proptest::collection::vec(op(), 1..1500), small in any::<bool>()) {
        let limits = ZsetLimits { max_listpack_entries: if small { 64 } else { 0 }, max_listpack_value: 64 };
        let mut z = ZsetValue::for_first_member(1, &limits);
        let mut model: HashMap<Vec<u8>, f64> = HashMap::new();
        for op in ops {
            match op {
                Op::Add(m, s) => {
                    let member = format!("member-{m}").into_bytes();
                    z.add(&member, f64::from(s), AddFlags::default(), &limits).unwrap();
                    model.insert(member, f64::from(s));
                }
                Op::Incr(m, s) => {
                    let member = format!("member-{m}").into_bytes();
                    let flags = AddFlags { incr: true, ..AddFlags::default() };
                    let got = z.add(&member, f64::from(s), flags, &limits).unwrap();
                    let entry = model.entry(member).or_insert(0.0);
                    *entry += f64::from(s);
                    prop_assert_eq!(got.score(), Some(*entry));
                }
                Op::Remove(m) => {
                    let member = format!("member-{m}").into_bytes();
                    prop_assert_eq!(z.remove(&member), model.remove(&member).is_some());
                }
                Op::RemoveRanks(start, n) => {
                    let sorted = sorted_model(&model);
                    let end = usize::from(start + n).min(sorted.len());
                    let start = usize::from(start).min(end);
                    for (m, _) in sorted.get(start..end).unwrap() {
                        model.remove(m);
                    }
                    prop_assert_eq!(z.remove_ranks(start..end), end - start);
                }
                Op::Pop(max) => {
                    let sorted = sorted_model(&model);
                    let want = if max { sorted.last() } else { sorted.first() }.cloned();
                    if let Some((m, _)) = &want {
                        model.remove(m);
                    }
                    prop_assert_eq!(z.pop(max), want);
                }
            }
        }
        z.check();
        let sorted = sorted_model(&model);
        let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        prop_assert_eq!(&got, &sorted);
        for (rank, (m, s)) in sorted.iter().enumerate() {
            prop_assert_eq!(z.rank(m, false), Some(rank));
            prop_assert_eq!(z.score(m), Some(*s));
        }
        let r = ScoreRange::parse(b"(-3", b"4").unwrap();
        let want = sorted.iter().filter(|(_, s)| r.above_min(*s) && r.below_max(*s)).count();
        prop_assert_eq!(z.score_ranks(&r).len(), want);
    }
}

#[test]
fn integer_members_keep_their_bytes_and_order() {
    both(|limits, _| {
        let mut z = new_set(limits);
        for m in ["10", "9", "-5", "01", "1", "a"] {
            add(&mut z, m, 0.0, limits);
        }
        let got: Vec<String> = members(&z).into_iter().map(|(m, _)| m).collect();
        assert_eq!(got, vec!["-5", "01", "1", "10", "9", "a"]);
        assert_eq!(z.score(b"01"), Some(0.0));
        assert_eq!(z.rank(b"10", false), Some(3));
        assert!(z.remove(b"1"));
        assert!(!z.remove(b"1"));
        assert_eq!(z.rank(b"01", false), Some(1));
        let lex = LexRange::parse(b"[1", b"(a").unwrap();
        assert_eq!(z.lex_ranks(&lex), 2..4);
        let mut big = z.clone();
        big.add(&[b'x'; 100], 1.0, AddFlags::default(), limits)
            .unwrap();
        assert_eq!(big.encoding(), "skiplist");
        assert_eq!(big.score(b"10"), Some(0.0));
    });
}

#[test]
fn listpack_scores_round_trip_through_their_text() {
    let mut z = new_set(&LISTPACK);
    for (i, s) in [
        0.1,
        1e17,
        4.611686018427388e18,
        1e19,
        -3.0,
        f64::INFINITY,
        5e-324,
    ]
    .iter()
    .enumerate()
    {
        add(&mut z, &format!("m{i}"), *s, &LISTPACK);
        assert_eq!(z.score(format!("m{i}").as_bytes()), Some(*s));
    }
    let mut texts = Vec::new();
    z.scan(0, 10, |m, s| {
        texts.push(format!(
            "{}={}",
            String::from_utf8(m.to_vec()).unwrap(),
            String::from_utf8(s.to_vec()).unwrap()
        ))
    });
    assert_eq!(
        texts,
        vec![
            "m4=-3",
            "m6=4.9406564584124654e-324",
            "m0=0.10000000000000001",
            "m1=100000000000000000",
            "m2=4611686018427387904",
            "m3=1e+19",
            "m5=inf"
        ]
    );
}

#[test]
fn the_hash_index_grows_a_bucket_at_a_time_and_shrinks_when_sparse() {
    let mut z = new_set(&SKIPLIST);
    for i in 0..10_000 {
        add(&mut z, &format!("m{i}"), f64::from(i % 97), &SKIPLIST);
        if i % 1000 == 0 {
            z.check();
        }
    }
    z.check();
    for i in 0..9_950 {
        assert!(z.remove(format!("m{i}").as_bytes()));
    }
    z.check();
    assert_eq!(z.len(), 50);
    for i in 9_950..10_000 {
        assert_eq!(z.score(format!("m{i}").as_bytes()), Some(f64::from(i % 97)));
    }
}
