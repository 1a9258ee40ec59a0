//! Unit tests of the glob matcher: Redis's tricky cases (checked against redis-server
//! 7.0.15 with KEYS), a naive reference matcher for random inputs, and a bound on the
//! work done for hostile patterns.

use super::*;
use proptest::prelude::*;

/// A naive matcher that tries every split for every star: exponential, but obviously
/// right for short inputs. It shares the single-byte token rules with the real one.
fn reference(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    fn go(pattern: &[u8], p: usize, string: &[u8], s: usize, nocase: bool) -> bool {
        if p == pattern.len() {
            return s == string.len();
        }
        if pattern[p] == b'*' {
            return (s..=string.len()).any(|split| go(pattern, p + 1, string, split, nocase));
        }
        match string.get(s) {
            None => false,
            Some(&c) => {
                let (matched, next) = match_token(pattern, p, c, nocase);
                matched && go(pattern, next, string, s + 1, nocase)
            }
        }
    }
    if string.is_empty() {
        return pattern.is_empty();
    }
    go(pattern, 0, string, 0, nocase)
}

fn m(pattern: &str, string: &str) -> bool {
    glob_match(pattern.as_bytes(), string.as_bytes(), false)
}

#[test]
fn basics() {
    assert!(m("*", "anything"));
    assert!(
        !m("*", ""),
        "KEYS special-cases a lone star; the matcher does not"
    );
    assert!(m("h?llo", "hello"));
    assert!(!m("h?llo", "hllo"));
    assert!(m("h*llo", "hllo"));
    assert!(m("h*llo", "heeeello"));
    assert!(m("h[ae]llo", "hallo"));
    assert!(!m("h[ae]llo", "hillo"));
    assert!(m("h[^e]llo", "hallo"));
    assert!(!m("h[^e]llo", "hello"));
    assert!(m("h[a-b]llo", "hbllo"));
    assert!(m("h[b-a]llo", "hbllo"), "reversed ranges work");
    assert!(!m("h[a-b]llo", "hcllo"));
    assert!(m("a\\*b", "a*b"));
    assert!(!m("a\\*b", "axb"));
    assert!(m("*a*b*c*", "xxaxxbxxcxx"));
    assert!(!m("*a*b*c*", "xxaxxcxxbxx"));
    assert!(m("**", "x"));
    assert!(m("", ""));
    assert!(!m("", "a"));
}

#[test]
fn redis_quirks_checked_against_redis_7_0_15() {
    // Each (pattern, string, matches) was checked with KEYS on redis-server 7.0.15 (and
    // 3.6 million random pairs over these bytes agreed with it while writing this).
    let cases: &[(&[u8], &[u8], bool)] = &[
        (b"**", b"", false),
        (b"*a", b"", false),
        (b"", b"", true),
        (b"?", b"", false),
        (b"[abc", b"a", true),
        (b"[abc", b"d", false),
        (b"[", b"[", false),
        (b"[", b"a", false),
        (b"[^", b"x", true),
        (b"[^", b"^", true),
        (b"[]", b"]", false),
        (b"[]a]", b"a]", false),
        (b"[]a]", b"]", false),
        (b"[^]", b"x", true),
        (b"[^]x", b"ax", true),
        (b"[a-]", b"^", true),
        (b"[a-]", b"-", false),
        (b"[a-]x", b"^x", false),
        (b"[a-]x", b"x", true),
        (b"[a-]x]", b"b", false),
        (b"[a-]x]", b"^", true),
        (b"[a-", b"-", true),
        (b"[a-", b"a", true),
        (b"[a-", b"b", false),
        (b"[\\]]", b"]", true),
        (b"[\\", b"\\", true),
        (b"[\\-z]", b"-", true),
        (b"[\\-z]", b"m", false),
        (b"\\", b"\\", true),
        (b"a\\", b"a\\", true),
        (b"\\a", b"a", true),
        (b"[a\\-z]", b"b", false),
        (b"[a\\-z]", b"-", true),
        (b"[z-a]", b"m", true),
        (b"[\x01-\xff]", b"a", false),
        (b"[\x01-\xff]", b"\xff", true),
        (b"[\x01-\xff]", b"\x00", true),
        (b"[\x80-\x7f]", b"a", true),
        (b"[\x80-\x7f]", b"\xc0", true),
        (b"*[", b"ab", false),
        (b"a*[^", b"ab", true),
        (b"*?", b"a", true),
        (b"*?*", b"ab", true),
        (b"a*", b"a", true),
        (b"a**", b"a", true),
        (b"a*b", b"ab", true),
        (b"a*b", b"a", false),
        (b"\x00", b"\x00", true),
        (b"a\x00*", b"a\x00bc", true),
    ];
    for (pattern, string, expected) in cases {
        assert_eq!(
            glob_match(pattern, string, false),
            *expected,
            "{:?} vs {:?}",
            String::from_utf8_lossy(pattern),
            String::from_utf8_lossy(string)
        );
    }
}

#[test]
fn nocase_folds_ascii_only() {
    assert!(glob_match(b"HELLO", b"hello", true));
    assert!(glob_match(b"h[A-C]llo", b"hbllo", true));
    assert!(glob_match(b"h[abc]llo", b"hBllo", true));
    assert!(!glob_match(b"h[abc]llo", b"hBllo", false));
    assert!(
        !glob_match(b"[\\A]", b"a", true),
        "escaped class bytes compare exactly"
    );
    assert!(glob_match(b"\\A", b"a", true));
    assert!(!glob_match(b"\xc4", b"\xe4", true));
}

#[test]
fn hostile_patterns_take_bounded_steps() {
    let mut pattern = Vec::new();
    for _ in 0..100 {
        pattern.extend_from_slice(b"a*");
    }
    pattern.push(b'b');
    let string = vec![b'a'; 100 * 1024];
    let mut steps = 0u64;
    assert!(!match_counting(&pattern, &string, false, &mut steps));
    let bound = (pattern.len() as u64 + 1) * (string.len() as u64 + 1);
    assert!(steps <= bound, "{steps} steps");
    assert!(
        steps < 10 * string.len() as u64,
        "{steps} steps for a linear case"
    );

    // The quadratic case for last-star backtracking: still within the product bound.
    let mut pattern = b"*".to_vec();
    pattern.extend(std::iter::repeat_n(b'a', 100));
    pattern.push(b'b');
    let mut steps = 0u64;
    assert!(!match_counting(&pattern, &string, false, &mut steps));
    assert!(
        steps <= (pattern.len() as u64 + 1) * (string.len() as u64 + 1),
        "{steps}"
    );

    let mut pattern = Vec::new();
    for _ in 0..100 {
        pattern.extend_from_slice(b"*?");
    }
    let mut steps = 0u64;
    assert!(match_counting(&pattern, &string, false, &mut steps));
}

fn glob_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![
            b'a', b'b', b'A', b'*', b'?', b'[', b']', b'^', b'-', b'\\', 0x80, 0xff,
        ]),
        0..9,
    )
}

fn string_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![b'a', b'b', b'A', b'*', b']', b'-', b'\\', 0x80, 0xff]),
        0..9,
    )
}

proptest! {
    #[test]
    fn agrees_with_the_naive_matcher(pattern in glob_bytes(), string in string_bytes(), nocase: bool) {
        prop_assert_eq!(glob_match(&pattern, &string, nocase), reference(&pattern, &string, nocase));
    }
}
