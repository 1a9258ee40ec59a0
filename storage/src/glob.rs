//! Redis's glob matching (`stringmatchlen`), used by KEYS, SCAN MATCH, PSUBSCRIBE and
//! ACL key patterns.
//!
//! It owns the pattern language: `*` any run of bytes, `?` any one byte, `[abc]`
//! classes with `^` negation and `a-z` ranges (either order), `\` escapes, and
//! optional ASCII case folding. It deliberately allocates nothing and never recurses:
//! the matcher backtracks only to the most recent `*`, which gives the same answers as
//! Redis's recursive matcher in at most O(len(pattern) * len(string)) steps, so hostile
//! patterns such as `a*a*a*...b` cannot stall the server.
//!
//! Redis's quirks, kept on purpose:
//! - a non-empty pattern never matches the empty string, not even `*` (KEYS and SCAN
//!   special-case a lone `*` before calling the matcher);
//! - an unterminated class such as `[abc` ends at the end of the pattern, so `[abc`
//!   matches one of a, b, c; a lone `[` at the end matches nothing and `[^` anything;
//! - `[]` is an empty class and `[^]` matches any byte; `]` right after `[` closes it;
//! - a `-` whose next byte ends the pattern is literal; otherwise `x-y` is a range even
//!   when `y` is `]` (`[a-]` is the range `]`..`a`, and the class goes on);
//! - inside a class, `\x` matches `x` exactly, even under case folding;
//! - range bounds and the tested byte compare as C's signed `char`, so bytes 0x80 and
//!   above sort below 0x00 in ranges;
//! - a `\` at the very end of the pattern is a literal backslash.

/// True when `string` matches the glob `pattern`; `nocase` folds ASCII letters.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut steps = 0u64;
    match_counting(pattern, string, nocase, &mut steps)
}

/// ASCII-only lower-casing, as C's `tolower` in the "C" locale.
fn lower(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// A pattern or string byte as C reads it through a signed `char`.
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

/// Matches one class starting at `pattern[open]` (a `[`) against `c`. Returns whether
/// it matched and the index just past the class. The class's extent depends only on the
/// pattern, never on `c`. Reading past the end yields 0, as the NUL after Redis's sds.
fn match_class(pattern: &[u8], open: usize, c: u8, nocase: bool) -> (bool, usize) {
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let end = pattern.len();
    let mut i = open + 1;
    let negate = i < end && at(i) == b'^';
    if negate {
        i += 1;
    }
    let mut matched = false;
    loop {
        let remaining = end.saturating_sub(i);
        if at(i) == b'\\' && remaining >= 2 {
            i += 1;
            matched |= at(i) == c;
        } else if at(i) == b']' && remaining >= 1 {
            break;
        } else if remaining == 0 {
            // The pattern ended inside the class: the class ends here, and the byte
            // consumed after the loop is the pattern's last one.
            i -= 1;
            break;
        } else if remaining >= 3 && at(i + 1) == b'-' {
            let (mut low, mut high) = (signed(at(i)), signed(at(i + 2)));
            if low > high {
                std::mem::swap(&mut low, &mut high);
            }
            let mut value = signed(c);
            if nocase {
                low = lower(low);
                high = lower(high);
                value = lower(value);
            }
            matched |= low <= value && value <= high;
            i += 2;
        } else if nocase {
            matched |= lower(i32::from(at(i))) == lower(i32::from(c));
        } else {
            matched |= at(i) == c;
        }
        i += 1;
    }
    (matched != negate, i + 1)
}

/// Matches the single-byte token at `pattern[i]` (not a `*`) against `c`; returns
/// whether it matched and the index of the next token.
fn match_token(pattern: &[u8], i: usize, c: u8, nocase: bool) -> (bool, usize) {
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let (literal, next) = match at(i) {
        b'?' => return (true, i + 1),
        b'[' => return match_class(pattern, i, c, nocase),
        b'\\' if pattern.len() - i >= 2 => (at(i + 1), i + 2),
        other => (other, i + 1),
    };
    let matched = if nocase {
        lower(i32::from(literal)) == lower(i32::from(c))
    } else {
        literal == c
    };
    (matched, next)
}

/// The index of the first byte at or after `i` that is not a `*`.
fn skip_stars(pattern: &[u8], mut i: usize) -> usize {
    while pattern.get(i) == Some(&b'*') {
        i += 1;
    }
    i
}

/// The matcher, counting token comparisons in `steps` so tests can bound the work.
pub(crate) fn match_counting(pattern: &[u8], string: &[u8], nocase: bool, steps: &mut u64) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    let mut p = 0usize;
    let mut s = 0usize;
    // Where to resume after the most recent star: the pattern index just past it and
    // the string index the star's match currently ends at.
    let mut resume: Option<(usize, usize)> = None;
    loop {
        *steps += 1;
        match string.get(s) {
            Some(&c) => {
                if pattern.get(p) == Some(&b'*') {
                    p = skip_stars(pattern, p);
                    if p == pattern.len() {
                        return true;
                    }
                    resume = Some((p, s));
                    continue;
                }
                if p < pattern.len() {
                    let (matched, next) = match_token(pattern, p, c, nocase);
                    if matched {
                        p = next;
                        s += 1;
                        continue;
                    }
                }
            }
            None => {
                if skip_stars(pattern, p) == pattern.len() {
                    return true;
                }
            }
        }
        // Mismatch: let the most recent star swallow one more byte. Earlier stars never
        // need to grow, since the latest one can absorb whatever they would. The star
        // never takes the whole rest of the string, because the token after it needs
        // a byte.
        match resume {
            Some((after_star, star_end)) if star_end + 1 < string.len() => {
                resume = Some((after_star, star_end + 1));
                p = after_star;
                s = star_end + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
#[path = "glob_tests.rs"]
mod tests;
