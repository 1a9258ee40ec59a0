//! The tree against a sorted model under random operations, checking every invariant.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// Members by id, for the tests: ids are indexes.
struct Names(Vec<Vec<u8>>);

impl Members for Names {
    fn member(&self, id: u32) -> &[u8] {
        self.0.get(id as usize).map_or(&[], Vec::as_slice)
    }
}

/// The model's key: score bits ordered as the score, then the member.
#[derive(Clone, Debug, PartialEq)]
struct Key(f64, Vec<u8>);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .partial_cmp(&other.0)
            .unwrap()
            .then_with(|| self.1.cmp(&other.1))
    }
}

struct Harness {
    tree: Tree,
    names: Names,
    scores: Vec<Option<f64>>,
    model: BTreeSet<Key>,
}

impl Harness {
    fn new(members: usize) -> Harness {
        Harness {
            tree: Tree::new(),
            names: Names(
                (0..members)
                    .map(|i| format!("m{i:05}").into_bytes())
                    .collect(),
            ),
            scores: vec![None; members],
            model: BTreeSet::new(),
        }
    }

    fn member(&self, id: u32) -> Vec<u8> {
        self.names.0[id as usize].clone()
    }

    fn insert(&mut self, id: u32, score: f64) {
        if let Some(old) = self.scores[id as usize] {
            let m = self.member(id);
            assert!(self.tree.remove(Entry { score: old, id }, &m, &self.names));
            self.model.remove(&Key(old, m));
        }
        let m = self.member(id);
        self.tree.insert(Entry { score, id }, &m, &self.names);
        self.model.insert(Key(score, m));
        self.scores[id as usize] = Some(score);
    }

    fn remove(&mut self, id: u32) {
        let m = self.member(id);
        match self.scores[id as usize].take() {
            Some(score) => {
                assert!(self.tree.remove(Entry { score, id }, &m, &self.names));
                assert!(self.model.remove(&Key(score, m)));
            }
            None => assert!(!self.tree.remove(Entry { score: 0.0, id }, &m, &self.names)),
        }
    }

    fn verify(&self) {
        self.tree.check(&self.names);
        assert_eq!(self.tree.len(), self.model.len());
        let got: Vec<Key> = self
            .tree
            .iter_from(0, usize::MAX, false)
            .map(|e| Key(e.score, self.member(e.id)))
            .collect();
        let want: Vec<Key> = self.model.iter().cloned().collect();
        assert_eq!(got, want);
        let back: Vec<Key> = self
            .tree
            .iter_from(self.tree.len().saturating_sub(1), usize::MAX, true)
            .map(|e| Key(e.score, self.member(e.id)))
            .collect();
        assert_eq!(back, want.iter().rev().cloned().collect::<Vec<_>>());
        for (rank, key) in want.iter().enumerate().step_by(7) {
            let e = self.tree.select(rank).unwrap();
            assert_eq!(Key(e.score, self.member(e.id)), *key);
            assert_eq!(self.tree.rank(e, &key.1, &self.names), Some(rank));
            let below = self.tree.count_while(|x| x.score < key.0);
            assert_eq!(below, want.iter().filter(|k| k.0 < key.0).count());
        }
    }
}

#[test]
fn ascending_and_descending_inserts_fill_leaves() {
    let mut h = Harness::new(5000);
    for id in 0..5000u32 {
        h.insert(id, f64::from(id));
    }
    h.verify();
    let mut d = Harness::new(5000);
    for id in (0..5000u32).rev() {
        d.insert(id, f64::from(id));
    }
    d.verify();
    // Remove everything from the front, then from the back.
    for id in 0..2500 {
        h.remove(id);
    }
    h.verify();
    for id in (2500..5000).rev() {
        h.remove(id);
    }
    h.verify();
    assert_eq!(h.tree.len(), 0);
}

#[test]
fn equal_scores_order_by_member() {
    let mut h = Harness::new(3000);
    for id in (0..3000u32).map(|i| (i * 7919) % 3000) {
        h.insert(id, 0.0);
    }
    h.verify();
    let members = &h.names;
    let below = h
        .tree
        .count_while(|e| members.member(e.id) < b"m01500".as_slice());
    assert_eq!(below, 1500);
    for id in (0..3000u32).step_by(3) {
        h.remove(id);
    }
    h.verify();
}

#[test]
fn relabel_and_in_place_updates_keep_order() {
    let mut h = Harness::new(400);
    for id in 0..200u32 {
        h.insert(id, f64::from(id % 50));
    }
    // Move member 10's entry to id 300, which then names the same bytes.
    h.names.0[300] = h.member(10);
    let score = h.scores[10].unwrap();
    assert!(
        h.tree
            .relabel(Entry { score, id: 10 }, &h.member(10), 300, &h.names)
    );
    h.names.0[10] = b"gone".to_vec();
    h.scores[300] = h.scores[10].take();
    h.tree.check(&h.names);
    assert_eq!(
        h.tree
            .rank(Entry { score, id: 300 }, &h.member(300), &h.names),
        Some(h.model.iter().position(|k| k.1 == h.member(300)).unwrap())
    );
    // A tiny move stays in place; a large one is refused.
    let id = 120u32;
    let old = h.scores[id as usize].unwrap();
    let m = h.member(id);
    if h.tree
        .update_score_in_place(Entry { score: old, id }, &m, old + 1e-9, &h.names)
    {
        h.model.remove(&Key(old, m.clone()));
        h.model.insert(Key(old + 1e-9, m.clone()));
        h.scores[id as usize] = Some(old + 1e-9);
    }
    assert!(!h.tree.update_score_in_place(
        Entry {
            score: h.scores[id as usize].unwrap(),
            id
        },
        &m,
        1e9,
        &h.names
    ));
    h.tree.check(&h.names);
}

#[test]
fn bulk_build_matches_inserts() {
    let names = Names(
        (0..10_000)
            .map(|i| format!("m{i:05}").into_bytes())
            .collect(),
    );
    let tree = Tree::from_sorted((0..10_000u32).map(|id| Entry { score: 1.0, id }));
    tree.check(&names);
    assert_eq!(tree.len(), 10_000);
    assert_eq!(tree.select(4321).map(|e| e.id), Some(4321));
    let empty = Tree::from_sorted(std::iter::empty());
    empty.check(&names);
    assert_eq!(empty.len(), 0);
    assert_eq!(empty.iter_from(0, 10, false).count(), 0);
}

#[test]
fn iteration_windows() {
    let mut h = Harness::new(1000);
    for id in 0..1000u32 {
        h.insert(id, f64::from(id));
    }
    let ids: Vec<u32> = h.tree.iter_from(990, 100, false).map(|e| e.id).collect();
    assert_eq!(ids, (990..1000).collect::<Vec<_>>());
    let ids: Vec<u32> = h.tree.iter_from(5, 10, true).map(|e| e.id).collect();
    assert_eq!(ids, vec![5, 4, 3, 2, 1, 0]);
    assert_eq!(h.tree.iter_from(1000, 5, false).count(), 0);
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u32, i8),
    Remove(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..600u32, -20i8..20).prop_map(|(id, s)| Op::Insert(id, s)),
        2 => (0..600u32).prop_map(Op::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_operations_match_a_sorted_model(ops in proptest::collection::vec(op(), 1..3000)) {
        let mut h = Harness::new(600);
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Insert(id, s) => h.insert(id, f64::from(s)),
                Op::Remove(id) => h.remove(id),
            }
            if i % 500 == 0 {
                h.tree.check(&h.names);
            }
        }
        h.verify();
    }
}

/// Deep trees: enough entries for three levels, so inner nodes split, borrow and merge.
#[test]
fn deep_tree_survives_growth_and_shrinkage() {
    let n = 40_000usize;
    let mut h = Harness::new(n);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..60_000 {
        let id = (next() % n as u64) as u32;
        h.insert(id, (next() % 1000) as f64);
    }
    h.verify();
    // Shrink unevenly: whole stretches of the order go, so inner nodes empty out.
    for id in 0..n as u32 {
        if id % 10 != 0 || next() % 3 == 0 {
            h.remove(id);
        }
    }
    h.verify();
    for _ in 0..20_000 {
        let id = (next() % n as u64) as u32;
        if next() % 2 == 0 {
            h.insert(id, (next() % 50) as f64);
        } else {
            h.remove(id);
        }
    }
    h.verify();
    for id in 0..n as u32 {
        h.remove(id);
    }
    h.verify();
}
