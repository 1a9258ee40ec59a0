//! LCS: the command, and the longest common subsequence of two strings.
//!
//! The classic dynamic-programming table, then one walk back from its corner that yields
//! both the subsequence and the matching ranges. The walk breaks ties the way Redis's does
//! (up before left when the two are equal, it goes left), so IDX reports the same ranges in
//! the same order (from the end of the strings to the start).

use scarlet_protocol::Args;
use scarlet_storage::IntBuf;

use super::Ctx;
use super::args;
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;

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

/// The options of LCS.
#[derive(Default)]
struct LcsOptions {
    len: bool,
    idx: bool,
    with_match_len: bool,
    min_match_len: u64,
}

/// The LCS command.
pub fn lcs(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let mut scratch = IntBuf::default();
    // Both keys are looked up (and touched) before either's type is judged, as in Redis.
    let mut fetch = |ctx: &mut Ctx<'_>, key_name: &[u8]| {
        ctx.server
            .read_str(db, key_name, ctx.now, ReadFlags::NORMAL)
            .map(|s| s.map(|s| s.as_bytes(&mut scratch).to_vec()))
    };
    let a = fetch(ctx, args.at(1));
    let b = fetch(ctx, args.at(2));
    let (Ok(a), Ok(b)) = (a, b) else {
        return Err(CmdError::err(
            "The specified keys must contain string values",
        ));
    };
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    let mut options = LcsOptions::default();
    let mut j = 3;
    while j < args.len() {
        let opt = args.at(j);
        if args::is(opt, "idx") {
            options.idx = true;
        } else if args::is(opt, "len") {
            options.len = true;
        } else if args::is(opt, "withmatchlen") {
            options.with_match_len = true;
        } else if args::is(opt, "minmatchlen") && j + 1 < args.len() {
            let n = args::int(args.at(j + 1))?;
            options.min_match_len = u64::try_from(n).unwrap_or(0);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if options.len && options.idx {
        return Err(CmdError::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    if a.len() >= (u32::MAX - 1) as usize || b.len() >= (u32::MAX - 1) as usize {
        return Err(CmdError::err("String too long for LCS"));
    }
    let cells = (a.len() as u64 + 1).saturating_mul(b.len() as u64 + 1);
    if cells.saturating_mul(4) > ctx.server.config.proto_max_bulk_len {
        return Err(CmdError::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let table = Table::build(&a, &b);
    let reply = &mut ctx.client.reply;
    if options.idx {
        let walk = table.walk(&a, &b);
        let matches: Vec<_> = walk
            .ranges
            .iter()
            .filter(|r| options.min_match_len == 0 || r.length() >= options.min_match_len)
            .collect();
        reply.map(2);
        reply.bulk(b"matches");
        reply.array(matches.len());
        for r in matches {
            reply.array(if options.with_match_len { 3 } else { 2 });
            reply.array(2);
            reply.int(r.a_start);
            reply.int(r.a_end);
            reply.array(2);
            reply.int(r.b_start);
            reply.int(r.b_end);
            if options.with_match_len {
                reply.count(r.length());
            }
        }
        reply.bulk(b"len");
        reply.int(i64::from(table.length()));
    } else if options.len {
        reply.int(i64::from(table.length()));
    } else {
        reply.bulk(&table.walk(&a, &b).subsequence);
    }
    Ok(())
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
