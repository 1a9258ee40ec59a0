//! File name globbing for `include` patterns, like glob(3) with no flags: `*`, `?`
//! and `[...]` (`!` or `^` negates) per path component, `\` escapes, names starting
//! with a dot only matched by a pattern starting with one, results sorted.
//!
//! Only what `include` needs; CONFIG GET's matcher is `scarlet_storage::glob`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn has_magic(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.iter();
    while let Some(&b) = it.next() {
        if b == b'\\'
            && let Some(&n) = it.next()
        {
            out.push(n);
            continue;
        }
        out.push(b);
    }
    out
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = prefix.to_vec();
    if !p.is_empty() && p.last() != Some(&b'/') {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Paths matching `pattern`, relative to `cwd` when the pattern is relative (and
/// then returned relative, as glob(3) does).
pub(crate) fn glob(pattern: &[u8], cwd: &Path) -> Vec<Vec<u8>> {
    let comps: Vec<&[u8]> = pattern
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    let mut found: Vec<Vec<u8>> = vec![if pattern.first() == Some(&b'/') {
        b"/".to_vec()
    } else {
        Vec::new()
    }];
    let on_disk = |p: &[u8]| cwd.join(OsStr::from_bytes(if p.is_empty() { b"." } else { p }));
    for (k, comp) in comps.iter().enumerate() {
        let last = k + 1 == comps.len();
        let keep = |p: &[u8]| {
            let m = std::fs::metadata(on_disk(p));
            if last {
                m.is_ok()
            } else {
                m.is_ok_and(|m| m.is_dir())
            }
        };
        let mut next = Vec::new();
        for prefix in &found {
            if has_magic(comp) {
                let Ok(entries) = std::fs::read_dir(on_disk(prefix)) else {
                    continue;
                };
                let mut names: Vec<Vec<u8>> = entries
                    .flatten()
                    .map(|e| e.file_name().as_bytes().to_vec())
                    .collect();
                names.sort();
                for name in names {
                    let hidden_ok = name.first() != Some(&b'.') || comp.first() == Some(&b'.');
                    if hidden_ok && fnmatch(comp, &name) {
                        let cand = join(prefix, &name);
                        if keep(&cand) {
                            next.push(cand);
                        }
                    }
                }
            } else {
                let cand = join(prefix, &unescape(comp));
                if keep(&cand) {
                    next.push(cand);
                }
            }
        }
        found = next;
    }
    found.sort();
    found
}

/// fnmatch(3) without flags, for one path component.
pub(crate) fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => {
            (0..=name.len()).any(|k| name.get(k..).is_some_and(|n| fnmatch(rest, n)))
        }
        Some((b'?', rest)) => name.split_first().is_some_and(|(_, n)| fnmatch(rest, n)),
        Some((b'[', rest)) => match (bracket(rest, name.first().copied()), name.split_first()) {
            (Some((true, after)), Some((_, n))) => fnmatch(after, n),
            // An unterminated '[' is an ordinary character.
            (None, Some((b'[', n))) => fnmatch(rest, n),
            _ => false,
        },
        Some((b'\\', rest)) if !rest.is_empty() => match (rest.split_first(), name.split_first()) {
            (Some((p, pr)), Some((c, n))) => p == c && fnmatch(pr, n),
            _ => false,
        },
        Some((p, rest)) => name
            .split_first()
            .is_some_and(|(c, n)| p == c && fnmatch(rest, n)),
    }
}

/// Matches a bracket expression (after its `[`) against `c`: whether it matched and
/// the pattern after `]`, or `None` if the bracket never closes.
fn bracket(pat: &[u8], c: Option<u8>) -> Option<(bool, &[u8])> {
    let c = c?;
    let (negate, mut p) = match pat.split_first() {
        Some((b'!' | b'^', r)) => (true, r),
        _ => (false, pat),
    };
    let mut matched = false;
    let mut first = true;
    loop {
        match p {
            [] => return None,
            [b']', r @ ..] if !first => return Some((matched != negate, r)),
            [b'\\', x, r @ ..] => {
                matched |= *x == c;
                p = r;
            }
            [a, b'-', z, r @ ..] if *z != b']' => {
                matched |= (*a..=*z).contains(&c);
                p = r;
            }
            [x, r @ ..] => {
                matched |= *x == c;
                p = r;
            }
        }
        first = false;
    }
}
