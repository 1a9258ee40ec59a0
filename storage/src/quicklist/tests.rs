//! Quicklist tests: random operations against a `VecDeque` model under several fill,
//! compress depth and packed threshold settings, with the structure checked after each
//! one; and the node layouts Redis produces for known sequences.

use super::*;

/// A small deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn contents(ql: &Quicklist) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    ql.visit(0, false, |e| {
        out.push(e.to_vec());
        ControlFlow::Continue(())
    });
    out
}

fn value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => rng.below(1000).to_string().into_bytes(),
        1 => format!("-{}", rng.next() % 100_000_000_000).into_bytes(),
        2 => Vec::new(),
        3 => vec![b'a' + rng.below(3) as u8; 100 + rng.below(600)],
        4 => (0..rng.below(300)).map(|_| rng.next() as u8).collect(),
        _ => format!("v{}", rng.below(20)).into_bytes(),
    }
}

/// Runs `steps` random operations, comparing with a model after each.
fn random_ops(fill: i32, compress: u32, threshold: usize, seed: u64, steps: usize) {
    let mut rng = Rng(seed | 1);
    let mut ql = Quicklist::new(fill, compress);
    ql.set_packed_threshold(threshold);
    let mut model: VecDeque<Vec<u8>> = VecDeque::new();
    for step in 0..steps {
        let op = rng.below(100);
        let len = model.len();
        match op {
            0..=24 => {
                let v = value(&mut rng);
                ql.push(End::Head, &v);
                model.push_front(v);
            }
            25..=49 => {
                let v = value(&mut rng);
                ql.push(End::Tail, &v);
                model.push_back(v);
            }
            50..=57 => {
                let got = ql.pop(End::Head, |e| e.to_vec());
                assert_eq!(got, model.pop_front(), "step {step}");
            }
            58..=65 => {
                let got = ql.pop(End::Tail, |e| e.to_vec());
                assert_eq!(got, model.pop_back(), "step {step}");
            }
            66..=75 => {
                let v = value(&mut rng);
                let at = rng.below(len + 1);
                let after = rng.below(2) == 0;
                let done = ql.insert(at, after, &v);
                assert_eq!(done, at < len);
                if done {
                    model.insert(if after { at + 1 } else { at }, v);
                }
            }
            76..=85 => {
                let v = value(&mut rng);
                let at = rng.below(len + 1);
                assert_eq!(ql.replace(at, &v), at < len);
                if let Some(slot) = model.get_mut(at) {
                    *slot = v;
                }
            }
            86..=90 => {
                let start = rng.below(len + 1);
                let count = rng.below(len / 4 + 2);
                let removed = ql.delete_range(start, count);
                let expect = count.min(len.saturating_sub(start));
                assert_eq!(removed, expect, "step {step}");
                model.drain(start.min(len)..(start + expect).min(len));
            }
            91..=95 => {
                let target = value(&mut rng);
                let limit = rng.below(3);
                let from_tail = rng.below(2) == 0;
                let removed = ql.remove_matching(&target, limit, from_tail);
                let mut left = if limit == 0 { usize::MAX } else { limit };
                let mut kept: VecDeque<Vec<u8>> = VecDeque::new();
                let mut count = 0;
                let equal = |a: &[u8]| {
                    a == target.as_slice()
                        || matches!(
                            (crate::number::parse_i64(a), crate::number::parse_i64(&target)),
                            (Some(x), Some(y)) if x == y
                        )
                };
                if from_tail {
                    for v in model.drain(..).rev() {
                        if left > 0 && equal(&v) {
                            left -= 1;
                            count += 1;
                        } else {
                            kept.push_front(v);
                        }
                    }
                } else {
                    for v in model.drain(..) {
                        if left > 0 && equal(&v) {
                            left -= 1;
                            count += 1;
                        } else {
                            kept.push_back(v);
                        }
                    }
                }
                model = kept;
                assert_eq!(removed, count, "step {step}");
            }
            _ => {
                // Reads from a random place in both directions.
                if len > 0 {
                    let at = rng.below(len);
                    let reverse = rng.below(2) == 0;
                    let mut got = Vec::new();
                    ql.visit(at, reverse, |e| {
                        got.push(e.to_vec());
                        if got.len() == 50 {
                            ControlFlow::Break(())
                        } else {
                            ControlFlow::Continue(())
                        }
                    });
                    let expect: Vec<Vec<u8>> = if reverse {
                        model.iter().take(at + 1).rev().take(50).cloned().collect()
                    } else {
                        model.iter().skip(at).take(50).cloned().collect()
                    };
                    assert_eq!(got, expect, "step {step}");
                }
            }
        }
        ql.check();
        assert_eq!(ql.len(), model.len());
        if step % 64 == 0 {
            assert_eq!(contents(&ql), Vec::from(model.clone()), "step {step}");
        }
    }
    assert_eq!(contents(&ql), Vec::from(model));
}

#[test]
fn random_operations_match_a_model() {
    for (fill, compress, threshold) in [
        (-2, 0, DEFAULT_PACKED_THRESHOLD),
        (-1, 1, DEFAULT_PACKED_THRESHOLD),
        (-5, 2, DEFAULT_PACKED_THRESHOLD),
        (1, 1, DEFAULT_PACKED_THRESHOLD),
        (4, 2, DEFAULT_PACKED_THRESHOLD),
        (128, 1, DEFAULT_PACKED_THRESHOLD),
        (0, 3, DEFAULT_PACKED_THRESHOLD),
        (3, 1, 64),
        (-2, 2, 200),
        (5, 0, 1),
    ] {
        for seed in 1..4 {
            random_ops(fill, compress, threshold, seed * 7919, 3000);
        }
    }
}

#[test]
fn count_fill_puts_that_many_entries_per_node() {
    let mut ql = Quicklist::new(5, 0);
    for i in 0..23 {
        ql.push(End::Tail, format!("{i}").as_bytes());
    }
    let counts: Vec<usize> = ql.node_summary().map(|n| n.count).collect();
    assert_eq!(counts, [5, 5, 5, 5, 3]);
    // Even a big count stops at 8 KB.
    let mut ql = Quicklist::new(1000, 0);
    for _ in 0..1000 {
        ql.push(End::Tail, &[b'x'; 100]);
    }
    assert!(ql.node_summary().all(|n| n.size <= SIZE_SAFETY_LIMIT));
    ql.check();
}

#[test]
fn size_fill_keeps_nodes_within_their_bytes() {
    for (fill, limit) in [
        (-1, 4096),
        (-2, 8192),
        (-3, 16384),
        (-4, 32768),
        (-5, 65536),
    ] {
        let mut ql = Quicklist::new(fill, 0);
        for i in 0..20_000 {
            ql.push(End::Head, format!("element-{i}").as_bytes());
        }
        let sizes: Vec<usize> = ql.node_summary().map(|n| n.size).collect();
        assert!(sizes.iter().all(|&s| s <= limit), "fill {fill}");
        // Full nodes (all but the head, which is filling) leave less than one element's
        // estimate unused.
        assert!(sizes.iter().skip(1).all(|&s| s + 40 > limit), "fill {fill}");
        ql.check();
    }
    // Fills beyond -5 act as -5.
    assert_eq!(Quicklist::new(-100, 0).fill(), -5);
}

#[test]
fn inner_nodes_are_compressed_and_ends_are_not() {
    let mut ql = Quicklist::new(4, 2);
    for i in 0..40 {
        ql.push(End::Tail, format!("{i:0>60}").as_bytes());
    }
    let nodes: Vec<bool> = ql.node_summary().map(|n| n.compressed.is_some()).collect();
    assert_eq!(nodes.len(), 10);
    assert_eq!(
        nodes,
        [
            false, false, true, true, true, true, true, true, false, false
        ]
    );
    // Reading does not change anything.
    assert_eq!(
        ql.pop(End::Head, |e| e.to_vec()),
        Some(format!("{:0>60}", 0).into_bytes())
    );
    let mut seen = 0;
    ql.visit(0, false, |_| {
        seen += 1;
        ControlFlow::Continue(())
    });
    assert_eq!(seen, 39);
    assert_eq!(ql.compressed_nodes(), 6);
    ql.check();
    // Emptying nodes brings compressed ones to the ends, uncompressed.
    assert_eq!(ql.delete_range(0, 30), 30);
    ql.check();
    assert_eq!(ql.compressed_nodes(), 0);
}

#[test]
fn small_lists_are_never_compressed() {
    let mut ql = Quicklist::new(1, 2);
    for _ in 0..4 {
        ql.push(End::Tail, &[b'a'; 500]);
    }
    assert_eq!(ql.compressed_nodes(), 0);
    ql.push(End::Tail, &[b'a'; 500]);
    assert_eq!(ql.compressed_nodes(), 1);
    ql.check();
}

#[test]
fn big_elements_get_plain_nodes() {
    let mut ql = Quicklist::new(-2, 0);
    ql.set_packed_threshold(10);
    ql.push(End::Tail, b"aa");
    ql.push(End::Tail, b"bb");
    ql.push(End::Tail, b"cc");
    // Replacing the middle element with a big one cuts the listpack around it.
    assert!(ql.replace(1, b"xxxxxxxxxx"));
    let nodes: Vec<(usize, bool)> = ql.node_summary().map(|n| (n.count, n.plain)).collect();
    assert_eq!(nodes, [(1, false), (1, true), (1, false)]);
    assert_eq!(
        contents(&ql),
        [b"aa".to_vec(), b"xxxxxxxxxx".to_vec(), b"cc".to_vec()]
    );
    // And a small one replacing the big one joins a listpack again.
    assert!(ql.replace(1, b"bb"));
    assert_eq!(
        contents(&ql),
        [b"aa".to_vec(), b"bb".to_vec(), b"cc".to_vec()]
    );
    assert!(ql.node_summary().all(|n| !n.plain));
    ql.check();
}

#[test]
fn split_then_merge_keeps_nodes_full() {
    // Inserting into the middle of full nodes splits them; small neighbours merge back.
    let mut ql = Quicklist::new(8, 0);
    for i in 0..64 {
        ql.push(End::Tail, format!("{i}").as_bytes());
    }
    for i in 0..64 {
        assert!(ql.insert((i * 2 + 3) % ql.len(), false, b"new"));
        ql.check();
    }
    assert_eq!(ql.len(), 128);
    assert!(ql.node_summary().all(|n| n.count <= 8));
}

#[test]
fn a_million_small_items_cost_what_they_do_in_redis() {
    // 8 KB nodes of listpack entries: about 5 bytes for "12345"-like items in Redis.
    let mut ql = Quicklist::new(-2, 0);
    for i in 0..1_000_000u32 {
        ql.push(End::Tail, format!("x{}", i % 1000).as_bytes());
    }
    let per_item = ql.heap_size() as f64 / 1_000_000.0;
    assert!(per_item < 7.0, "{per_item} bytes per item");
    assert_eq!(ql.len(), 1_000_000);
    ql.check();
}
