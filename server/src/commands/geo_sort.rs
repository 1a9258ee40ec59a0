//! The two sorts behind geo search results, reproduced for their order of ties.
//!
//! Redis sorts the points it found by distance with the C library's `qsort` when it
//! returns all of them, and with its own partial quicksort (`pqsort`, Bentley and
//! McIlroy's three-way quicksort that skips the parts outside the wanted window) when
//! COUNT cuts the list. Points at the same distance (the same place, or mirror images)
//! come out in whatever order those algorithms leave them, so both are reproduced here
//! step for step: glibc's `qsort` is a top-down merge sort (stable), `pqsort` is not.
//! A general-purpose sort would return the same distances in another order, and would
//! also be free to panic on the inconsistent comparisons a NaN distance gives, which
//! these never do. The sorts work on positions (indexes into the caller's points).

/// Redis's comparison of two distances, ascending: 1, 0 or -1, where a NaN compares
/// below everything.
pub(super) fn compare_ascending(a: f64, b: f64) -> i32 {
    if a > b {
        1
    } else if a == b {
        0
    } else {
        -1
    }
}

/// Sorts `items` as glibc's `qsort` does for the sizes geo results have: a stable
/// top-down merge sort that splits at `n / 2` and takes from the left on ties.
pub(super) fn merge_sort(items: &mut [usize], cmp: &impl Fn(usize, usize) -> i32) {
    let mut scratch = Vec::with_capacity(items.len());
    merge_sort_with(items, &mut scratch, cmp);
}

/// One level of [`merge_sort`]; the depth is log2 of the length.
fn merge_sort_with(
    items: &mut [usize],
    scratch: &mut Vec<usize>,
    cmp: &impl Fn(usize, usize) -> i32,
) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let (left, right) = items.split_at_mut(n / 2);
    merge_sort_with(left, scratch, cmp);
    merge_sort_with(right, scratch, cmp);
    scratch.clear();
    let (mut i, mut j) = (0, 0);
    while let (Some(&a), Some(&b)) = (left.get(i), right.get(j)) {
        if cmp(a, b) <= 0 {
            scratch.push(a);
            i += 1;
        } else {
            scratch.push(b);
            j += 1;
        }
    }
    scratch.extend(left.iter().skip(i));
    // What is left of the right half is already in place.
    for (slot, &value) in items.iter_mut().zip(scratch.iter()) {
        *slot = value;
    }
}

/// Redis's `pqsort`: sorts `items` enough that positions `lo..=hi` hold what a full sort
/// would put there. Partitions are kept on an explicit stack rather than recursed into.
pub(super) fn partial_quicksort(
    items: &mut [usize],
    cmp: &impl Fn(usize, usize) -> i32,
    lo: usize,
    hi: usize,
) {
    // Whether the part from `start`, `n` long, holds any wanted position.
    let wanted = |start: usize, n: usize| {
        let end = start + n - 1;
        !((lo < start && hi < start) || (lo > end && hi > end))
    };
    let mut pending = vec![(0usize, items.len())];
    while let Some((mut start, mut n)) = pending.pop() {
        loop {
            if n < 7 {
                insertion_sort(items, cmp, start, n);
                break;
            }
            let (pa, pb, pc, pd) = partition(items, cmp, start, n);
            let end = start + n;
            let r = (pa - start).min(pb - pa);
            swap_runs(items, start, pb - r, r);
            let r = (pd - pc).min(end - pd - 1);
            swap_runs(items, pb, end - r, r);
            let left = pb - pa;
            if left > 1 && wanted(start, left) {
                pending.push((start, left));
            }
            let right = pd - pc;
            if right > 1 && wanted(end - right, right) {
                start = end - right;
                n = right;
                continue;
            }
            break;
        }
    }
}

/// The value at position `i` (the caller's ranges keep every `i` in bounds).
fn at(items: &[usize], i: usize) -> usize {
    items.get(i).copied().unwrap_or(0)
}

fn insertion_sort(items: &mut [usize], cmp: &impl Fn(usize, usize) -> i32, start: usize, n: usize) {
    for m in start + 1..start + n {
        let mut l = m;
        while l > start && cmp(at(items, l - 1), at(items, l)) > 0 {
            items.swap(l, l - 1);
            l -= 1;
        }
    }
}

/// The median of three positions, by Bentley and McIlroy's rule.
fn median_of_three(
    items: &[usize],
    cmp: &impl Fn(usize, usize) -> i32,
    a: usize,
    b: usize,
    c: usize,
) -> usize {
    let (va, vb, vc) = (at(items, a), at(items, b), at(items, c));
    if cmp(va, vb) < 0 {
        if cmp(vb, vc) < 0 {
            b
        } else if cmp(va, vc) < 0 {
            c
        } else {
            a
        }
    } else if cmp(vb, vc) > 0 {
        b
    } else if cmp(va, vc) < 0 {
        a
    } else {
        c
    }
}

/// Picks a pivot, moves it to `start` and partitions the rest three ways: equal ones
/// gathered at both ends (`start + 1..pa` and `pd + 1..`), smaller ones in `pa..pb`,
/// larger ones in `pc + 1..=pd`. Returns `(pa, pb, pc, pd)`.
fn partition(
    items: &mut [usize],
    cmp: &impl Fn(usize, usize) -> i32,
    start: usize,
    n: usize,
) -> (usize, usize, usize, usize) {
    let mut pm = start + n / 2;
    if n > 7 {
        let mut pl = start;
        let mut pn = start + n - 1;
        if n > 40 {
            let d = n / 8;
            pl = median_of_three(items, cmp, pl, pl + d, pl + 2 * d);
            pm = median_of_three(items, cmp, pm - d, pm, pm + d);
            pn = median_of_three(items, cmp, pn - 2 * d, pn - d, pn);
        }
        pm = median_of_three(items, cmp, pl, pm, pn);
    }
    items.swap(start, pm);
    let (mut pa, mut pb) = (start + 1, start + 1);
    let (mut pc, mut pd) = (start + n - 1, start + n - 1);
    loop {
        while pb <= pc {
            let order = cmp(at(items, pb), at(items, start));
            if order > 0 {
                break;
            }
            if order == 0 {
                items.swap(pa, pb);
                pa += 1;
            }
            pb += 1;
        }
        while pb <= pc {
            let order = cmp(at(items, pc), at(items, start));
            if order < 0 {
                break;
            }
            if order == 0 {
                items.swap(pc, pd);
                pd -= 1;
            }
            pc -= 1;
        }
        if pb > pc {
            break;
        }
        items.swap(pb, pc);
        pb += 1;
        pc -= 1;
    }
    (pa, pb, pc, pd)
}

/// Swaps the `n` positions from `a` with the `n` from `b`, pairwise.
fn swap_runs(items: &mut [usize], a: usize, b: usize, n: usize) {
    for i in 0..n {
        items.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_key(keys: &[f64]) -> impl Fn(usize, usize) -> i32 + '_ {
        move |a, b| compare_ascending(keys[a], keys[b])
    }

    #[test]
    fn merge_sort_is_stable() {
        let keys = [3.0, 1.0, 2.0, 1.0, 3.0, 0.0];
        let mut items: Vec<usize> = (0..keys.len()).collect();
        merge_sort(&mut items, &by_key(&keys));
        assert_eq!(items, [5, 1, 3, 2, 0, 4]);
    }

    #[test]
    fn partial_sort_puts_the_window_in_order() {
        // A deterministic shuffle of many distances, with ties.
        let keys: Vec<f64> = (0..500u64).map(|i| ((i * 7919) % 211) as f64).collect();
        let mut sorted = keys.clone();
        sorted.sort_by(f64::total_cmp);
        for window in [0usize, 1, 5, 40, 499] {
            let mut items: Vec<usize> = (0..keys.len()).collect();
            partial_quicksort(&mut items, &by_key(&keys), 0, window);
            let got: Vec<f64> = items.iter().take(window + 1).map(|&i| keys[i]).collect();
            assert_eq!(got, sorted[..=window]);
        }
        // A short list is sorted whole, by insertion.
        let keys = [2.0, 1.0, 0.5];
        let mut items = vec![0, 1, 2];
        partial_quicksort(&mut items, &by_key(&keys), 0, 0);
        assert_eq!(items, [2, 1, 0]);
    }

    #[test]
    fn nan_distances_do_not_panic() {
        let keys = [f64::NAN, 1.0, f64::NAN, 0.0, 2.0, f64::NAN, 3.0, 1.0, 0.5];
        let mut items: Vec<usize> = (0..keys.len()).collect();
        merge_sort(&mut items, &by_key(&keys));
        partial_quicksort(&mut items, &by_key(&keys), 0, 2);
        assert_eq!(items.len(), keys.len());
    }
}
