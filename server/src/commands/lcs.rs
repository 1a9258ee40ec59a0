//! The longest common subsequence of two strings, for LCS.
//!
//! The classic dynamic-programming table, then one walk back from its corner that yields
//! both the subsequence and the matching ranges. The walk breaks ties the way Redis's does
//! (up before left when the two are equal, it goes left), so IDX reports the same ranges in
//! the same order (from the end of the strings to the start).

/// One run of matching bytes: inclusive positions in each string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First position in the first string.
    pub a_start: i64,
    /// Last position in the first string.
    pub a_end: i64,
    /// First position in the second string.
    pub b_start: i64,
    /// Last position in the second string.
    pub b_end: i64,
}

impl Range {
    /// The number of matching bytes.
    pub fn length(&self) -> u64 {
        u64::try_from(self.a_end - self.a_start + 1).unwrap_or(0)
    }
}

/// What walking the table back yields.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// The subsequence itself.
    pub subsequence: Vec<u8>,
    /// The matching runs, from the end of the strings towards the start.
    pub ranges: Vec<Range>,
}

/// The table: `cell(i, j)` is the LCS length of `a[..i]` and `b[..j]`.
pub struct Table {
    cells: Vec<u32>,
    width: usize,
    a_len: usize,
    b_len: usize,
}

impl Table {
    /// Fills the table. The caller caps `(a.len()+1) * (b.len()+1)` beforehand.
    pub fn build(a: &[u8], b: &[u8]) -> Table {
        let width = b.len() + 1;
        let mut cells = vec![0u32; (a.len() + 1) * width];
        for (i, &ca) in a.iter().enumerate() {
            for (j, &cb) in b.iter().enumerate() {
                let up_left = cells.get(i * width + j).copied().unwrap_or(0);
                let up = cells.get(i * width + j + 1).copied().unwrap_or(0);
                let left = cells.get((i + 1) * width + j).copied().unwrap_or(0);
                let value = if ca == cb { up_left + 1 } else { up.max(left) };
                if let Some(cell) = cells.get_mut((i + 1) * width + j + 1) {
                    *cell = value;
                }
            }
        }
        Table {
            cells,
            width,
            a_len: a.len(),
            b_len: b.len(),
        }
    }

    fn cell(&self, i: usize, j: usize) -> u32 {
        self.cells.get(i * self.width + j).copied().unwrap_or(0)
    }

    /// The length of the longest common subsequence.
    pub fn length(&self) -> u32 {
        self.cell(self.a_len, self.b_len)
    }

    /// Walks back from the corner, collecting the subsequence and its runs.
    pub fn walk(&self, a: &[u8], b: &[u8]) -> Walk {
        let length = usize::try_from(self.length()).unwrap_or(0);
        let mut subsequence = vec![0u8; length];
        let mut ranges = Vec::new();
        let mut remaining = length;
        let (mut i, mut j) = (self.a_len, self.b_len);
        let mut current: Option<Range> = None;
        while i > 0 && j > 0 {
            let mut emit = false;
            let (ca, cb) = (a.get(i - 1).copied(), b.get(j - 1).copied());
            if ca.is_some() && ca == cb {
                if let Some(slot) = remaining
                    .checked_sub(1)
                    .and_then(|k| subsequence.get_mut(k))
                {
                    *slot = ca.unwrap_or_default();
                }
                let (pi, pj) = (pos(i - 1), pos(j - 1));
                match current.as_mut() {
                    None => {
                        current = Some(Range {
                            a_start: pi,
                            a_end: pi,
                            b_start: pj,
                            b_end: pj,
                        });
                    }
                    // Contiguous with the run so far: extend it backwards.
                    Some(r) if r.a_start == pos(i) && r.b_start == pos(j) => {
                        r.a_start -= 1;
                        r.b_start -= 1;
                    }
                    Some(_) => emit = true,
                }
                if current.is_some_and(|r| r.a_start == 0 || r.b_start == 0) {
                    emit = true;
                }
                remaining = remaining.saturating_sub(1);
                i -= 1;
                j -= 1;
            } else {
                if self.cell(i - 1, j) > self.cell(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                if current.is_some() {
                    emit = true;
                }
            }
            if emit && let Some(r) = current.take() {
                ranges.push(r);
            }
        }
        Walk {
            subsequence,
            ranges,
        }
    }
}

fn pos(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from Redis's documentation of LCS.
    const A: &[u8] = b"ohmytext";
    const B: &[u8] = b"mynewtext";

    #[test]
    fn subsequence_and_length() {
        let t = Table::build(A, B);
        assert_eq!(t.length(), 6);
        assert_eq!(t.walk(A, B).subsequence, b"mytext");
    }

    #[test]
    fn ranges_from_the_end() {
        let t = Table::build(A, B);
        let walk = t.walk(A, B);
        assert_eq!(
            walk.ranges,
            vec![
                Range {
                    a_start: 4,
                    a_end: 7,
                    b_start: 5,
                    b_end: 8
                },
                Range {
                    a_start: 2,
                    a_end: 3,
                    b_start: 0,
                    b_end: 1
                },
            ]
        );
    }

    #[test]
    fn empty_inputs() {
        let t = Table::build(b"", b"abc");
        assert_eq!(t.length(), 0);
        assert_eq!(t.walk(b"", b"abc"), Walk::default());
    }
}
