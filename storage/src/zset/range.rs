//! Score and lexicographic ranges: parsing Redis's bound syntax and testing values.
//!
//! It owns the rules of `zslParseRange` (`1.5`, `(1.5` exclusive, `-inf`, `+inf`, any
//! `strtod` text, NaN refused) and `zslParseLexRange` (`[a` inclusive, `(a` exclusive,
//! `-` and `+` for the ends), and the tests each value goes through. It deliberately
//! holds no error text: a failed parse is `None` and the server picks the message.

use std::cmp::Ordering;

use crate::number::parse_range_f64;

/// A score interval, as ZRANGEBYSCORE, ZCOUNT and ZREMRANGEBYSCORE take it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// The lower bound.
    pub min: f64,
    /// The upper bound.
    pub max: f64,
    /// Whether `min` itself is outside the range.
    pub min_exclusive: bool,
    /// Whether `max` itself is outside the range.
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// Parses two bounds; `None` when either is not a number (or is NaN).
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let (min, min_exclusive) = parse_score_bound(min)?;
        let (max, max_exclusive) = parse_score_bound(max)?;
        Some(ScoreRange {
            min,
            max,
            min_exclusive,
            max_exclusive,
        })
    }

    /// Whether `score` is at or above the lower bound (above, when exclusive).
    pub fn above_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// Whether `score` is at or below the upper bound (below, when exclusive).
    pub fn below_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }

    /// Whether no score at all can be in the range.
    pub fn is_void(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }
}

fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.split_first() {
        Some((b'(', rest)) => Some((parse_range_f64(rest)?, true)),
        _ => Some((parse_range_f64(arg)?, false)),
    }
}

/// One end of a lexicographic range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[value`: the value itself is in the range.
    Inclusive(Vec<u8>),
    /// `(value`: the value itself is not.
    Exclusive(Vec<u8>),
}

impl LexBound {
    /// Parses `-`, `+`, `[value` or `(value`. Like Redis, which reads the first two
    /// bytes as a C string, `-` and `+` may be followed by a NUL byte and anything.
    pub fn parse(arg: &[u8]) -> Option<LexBound> {
        let (&first, rest) = arg.split_first()?;
        let ends_here = matches!(rest.first(), None | Some(0));
        match first {
            b'-' if ends_here => Some(LexBound::Min),
            b'+' if ends_here => Some(LexBound::Max),
            b'[' => Some(LexBound::Inclusive(rest.to_vec())),
            b'(' => Some(LexBound::Exclusive(rest.to_vec())),
            _ => None,
        }
    }

    /// `value` against the bound's string, with `-` below and `+` above everything.
    fn cmp_value(&self, value: &[u8]) -> Ordering {
        match self {
            LexBound::Min => Ordering::Greater,
            LexBound::Max => Ordering::Less,
            LexBound::Inclusive(s) | LexBound::Exclusive(s) => value.cmp(s),
        }
    }

    fn is_exclusive(&self) -> bool {
        // `-` and `+` are exclusive in Redis, which matters for a range like `- -`.
        !matches!(self, LexBound::Inclusive(_))
    }

    fn rank(&self) -> u8 {
        match self {
            LexBound::Min => 0,
            LexBound::Inclusive(_) | LexBound::Exclusive(_) => 1,
            LexBound::Max => 2,
        }
    }

    /// Two bounds compared as Redis's `sdscmplex` does.
    fn cmp_bound(&self, other: &LexBound) -> Ordering {
        match (self, other) {
            (
                LexBound::Inclusive(a) | LexBound::Exclusive(a),
                LexBound::Inclusive(b) | LexBound::Exclusive(b),
            ) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// A lexicographic interval, as ZRANGEBYLEX, ZLEXCOUNT and ZREMRANGEBYLEX take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// The lower end.
    pub min: LexBound,
    /// The upper end.
    pub max: LexBound,
}

impl LexRange {
    /// Parses two bounds; `None` when either is not valid.
    pub fn parse(min: &[u8], max: &[u8]) -> Option<LexRange> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    /// Whether `value` is at or above the lower end.
    pub fn above_min(&self, value: &[u8]) -> bool {
        match self.min.cmp_value(value) {
            Ordering::Greater => true,
            Ordering::Equal => !self.min.is_exclusive(),
            Ordering::Less => false,
        }
    }

    /// Whether `value` is at or below the upper end.
    pub fn below_max(&self, value: &[u8]) -> bool {
        match self.max.cmp_value(value) {
            Ordering::Less => true,
            Ordering::Equal => !self.max.is_exclusive(),
            Ordering::Greater => false,
        }
    }

    /// Whether no string at all can be in the range.
    pub fn is_void(&self) -> bool {
        match self.min.cmp_bound(&self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.min.is_exclusive() || self.max.is_exclusive(),
            Ordering::Less => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds() {
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert!(r.min_exclusive && !r.max_exclusive);
        assert!(!r.above_min(1.0) && r.above_min(1.5) && r.below_max(f64::INFINITY));
        assert!(ScoreRange::parse(b"nan", b"1").is_none());
        assert!(ScoreRange::parse(b"(", b"1").is_some());
        assert!(ScoreRange::parse(b"1", b"x").is_none());
        assert!(ScoreRange::parse(b"2", b"1").unwrap().is_void());
        assert!(ScoreRange::parse(b"(1", b"1").unwrap().is_void());
        assert!(!ScoreRange::parse(b"1", b"1").unwrap().is_void());
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(LexBound::parse(b"-"), Some(LexBound::Min));
        assert_eq!(LexBound::parse(b"+\0x"), Some(LexBound::Max));
        assert_eq!(LexBound::parse(b"+x"), None);
        assert_eq!(LexBound::parse(b""), None);
        assert_eq!(LexBound::parse(b"a"), None);
        assert_eq!(LexBound::parse(b"["), Some(LexBound::Inclusive(vec![])));
        let r = LexRange::parse(b"[b", b"(d").unwrap();
        assert!(r.above_min(b"b") && !r.above_min(b"a") && r.below_max(b"c") && !r.below_max(b"d"));
        assert!(LexRange::parse(b"-", b"-").unwrap().is_void());
        assert!(LexRange::parse(b"+", b"-").unwrap().is_void());
        assert!(!LexRange::parse(b"-", b"+").unwrap().is_void());
        assert!(LexRange::parse(b"(a", b"[a").unwrap().is_void());
        assert!(!LexRange::parse(b"[a", b"[a").unwrap().is_void());
        let all = LexRange::parse(b"-", b"+").unwrap();
        assert!(all.above_min(b"") && all.below_max(b"\xff\xff"));
    }
}
