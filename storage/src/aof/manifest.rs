//! The AOF manifest of Redis 7.0 (`<appendfilename>.manifest`): which base, incremental and
//! history files make up the append-only data, in what order.
//!
//! Each line is `file <name> seq <n> type <b|h|i>`: keys in any order, matched without case,
//! unknown keys ignored, `#` lines skipped, a name quoted when it needs quoting. Parsing
//! reports Redis's texts (the ones its loader logs before exiting); [`Manifest::to_bytes`]
//! writes what Redis writes (base, then history, then incremental files). The file names
//! and the changes Redis makes at server start and around a rewrite are here too, so the
//! server only does the I/O.
//!
//! Quoting follows Redis's `sdssplitargs`/`sdscatrepr`, which live in the protocol crate;
//! storage is a leaf crate, so callers pass those two functions in.

use std::io::BufRead;

use super::reader::read_line_limited;

/// What splits a manifest line into words (Redis's `sdssplitargs`); `None` for unbalanced
/// quotes.
pub type SplitArgs = fn(&[u8]) -> Option<Vec<Vec<u8>>>;
/// What quotes a file name that needs it (Redis's `sdscatrepr`).
pub type Repr = fn(&[u8]) -> String;

/// The role of a file in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AofFileType {
    /// The snapshot the last rewrite wrote (`b`): RDB or commands.
    Base,
    /// Commands written since the base (`i`).
    Incr,
    /// A file a rewrite made obsolete, to be deleted (`h`).
    History,
}

impl AofFileType {
    /// The letter the manifest uses.
    pub fn letter(self) -> u8 {
        match self {
            AofFileType::Base => b'b',
            AofFileType::Incr => b'i',
            AofFileType::History => b'h',
        }
    }
}

/// One file of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofInfo {
    /// A bare file name (no directory), in the AOF directory.
    pub name: Vec<u8>,
    /// Its sequence number (never 0).
    pub seq: i64,
    /// Its role.
    pub kind: AofFileType,
}

/// The parsed manifest, with the sequence counters Redis keeps next to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file, if any.
    pub base: Option<AofInfo>,
    /// Incremental files, oldest first (their sequence numbers strictly increase).
    pub incrs: Vec<AofInfo>,
    /// Files to delete, in the order the manifest lists them.
    pub history: Vec<AofInfo>,
    /// The sequence number of the newest base file (0 before the first).
    pub base_seq: i64,
    /// The sequence number of the newest incremental file; it survives the file moving
    /// to history, so names are never reused.
    pub incr_seq: i64,
}

/// Why a manifest could not be read: Redis's message, and the line it was reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// Redis's text, e.g. "Invalid AOF manifest file format".
    pub message: &'static str,
    /// The 1-based line number and the line (trimmed) when the error is about a line.
    pub line: Option<(usize, Vec<u8>)>,
}

impl ManifestError {
    fn new(message: &'static str, line: Option<(usize, Vec<u8>)>) -> ManifestError {
        ManifestError { message, line }
    }

    /// The messages Redis logs (at warning level, one log line each) before exiting.
    pub fn log_messages(&self) -> Vec<String> {
        let mut messages = vec!["\n*** FATAL AOF MANIFEST FILE ERROR ***\n".to_string()];
        if let Some((number, line)) = &self.line {
            messages.push(format!("Reading the manifest file, at line {number}\n"));
            messages.push(format!(">>> '{}'\n", String::from_utf8_lossy(line)));
        }
        messages.push(format!("{}\n", self.message));
        messages
    }
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for ManifestError {}

/// Redis reads manifest lines with a 1024-byte buffer; a longer line is an error.
const MAX_LINE: usize = 1024;

/// Names as Redis builds them from `appendfilename`.
pub mod names {
    /// `<appendfilename>.manifest`.
    pub fn manifest(appendfilename: &[u8]) -> Vec<u8> {
        [appendfilename, b".manifest"].concat()
    }

    /// `temp-<appendfilename>.manifest`, written then renamed over the manifest.
    pub fn temp_manifest(appendfilename: &[u8]) -> Vec<u8> {
        [b"temp-", appendfilename, b".manifest"].concat()
    }

    /// `<appendfilename>.<seq>.base.rdb` (RDB preamble on) or `.base.aof`.
    pub fn base(appendfilename: &[u8], seq: i64, rdb: bool) -> Vec<u8> {
        let format = if rdb { ".rdb" } else { ".aof" };
        [appendfilename, format!(".{seq}.base{format}").as_bytes()].concat()
    }

    /// `<appendfilename>.<seq>.incr.aof`.
    pub fn incr(appendfilename: &[u8], seq: i64) -> Vec<u8> {
        [appendfilename, format!(".{seq}.incr.aof").as_bytes()].concat()
    }

    /// `temp-<appendfilename>.incr`: the incremental file written while AOF is being
    /// turned on, before the first rewrite ends.
    pub fn temp_incr(appendfilename: &[u8]) -> Vec<u8> {
        [b"temp-", appendfilename, b".incr"].concat()
    }

    /// `temp-rewriteaof-<pid>.aof`: where a rewrite writes (in the working directory).
    pub fn temp_rewrite(pid: u32) -> String {
        format!("temp-rewriteaof-{pid}.aof")
    }

    /// `temp-rewriteaof-bg-<pid>.aof`: a finished background rewrite, before it becomes
    /// the new base.
    pub fn temp_rewrite_done(pid: u32) -> String {
        format!("temp-rewriteaof-bg-{pid}.aof")
    }
}

/// What opening the AOF at server start needs (Redis's `aofOpenIfNeededOnServerStart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPlan {
    /// A base file to write from the (empty) dataset first, when the manifest had no file.
    pub new_base: Option<Vec<u8>>,
    /// The incremental file to append to (created if missing).
    pub incr: Vec<u8>,
    /// Whether `incr` was already listed ("Opening AOF incr file ..." rather than
    /// "Creating AOF incr file ...").
    pub incr_listed: bool,
}

/// The file names a finished rewrite moves into place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteNames {
    /// What the rewrite's temporary file is renamed to.
    pub base: Vec<u8>,
    /// What the temporary incremental file is renamed to, when AOF was being turned on.
    pub incr: Option<Vec<u8>>,
}

/// The AOF state a rewrite ends in, as far as the manifest cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AofState {
    /// appendonly is off: every incremental file becomes history.
    Off,
    /// appendonly is on: the file being appended to stays incremental.
    On,
    /// AOF is being turned on: the temporary incremental file joins as a new one.
    WaitRewrite,
}

impl Manifest {
    /// Parses a manifest as Redis's `aofLoadManifestFromFile` does.
    pub fn parse(mut input: impl BufRead, split: SplitArgs) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::default();
        let mut line_number = 0usize;
        let mut chunk = Vec::new();
        loop {
            chunk.clear();
            let read = read_line_limited(&mut input, MAX_LINE, &mut chunk)
                .map_err(|_| ManifestError::new("Read AOF manifest failed", None))?;
            if read == 0 {
                if line_number == 0 {
                    return Err(ManifestError::new("Found an empty AOF manifest", None));
                }
                break;
            }
            line_number += 1;
            if chunk.first() == Some(&b'#') {
                continue;
            }
            // The C code sees the buffer as a string: a NUL byte ends it.
            let text = c_string(&chunk);
            if !text.contains(&b'\n') {
                return Err(ManifestError::new(
                    "The AOF manifest file contains too long line",
                    None,
                ));
            }
            let line = trim(text);
            let at = |message| ManifestError::new(message, Some((line_number, line.to_vec())));
            let info = parse_line(line, split).map_err(at)?;
            manifest.add_parsed(info).map_err(at)?;
        }
        Ok(manifest)
    }

    fn add_parsed(&mut self, info: AofInfo) -> Result<(), &'static str> {
        match info.kind {
            AofFileType::Base => {
                if self.base.is_some() {
                    return Err("Found duplicate base file information");
                }
                self.base_seq = info.seq;
                self.base = Some(info);
            }
            AofFileType::History => self.history.push(info),
            AofFileType::Incr => {
                // Redis compares with the largest sequence seen so far, starting at 0.
                if info.seq <= self.incrs.last().map_or(0, |last| last.seq) {
                    return Err("Found a non-monotonic sequence number");
                }
                self.incr_seq = info.seq;
                self.incrs.push(info);
            }
        }
        Ok(())
    }

    /// The manifest as Redis writes it: base, history, then incremental files, one line
    /// each, names quoted only when they need it.
    pub fn to_bytes(&self, repr: Repr) -> Vec<u8> {
        let mut out = Vec::new();
        let files = self.base.iter().chain(&self.history).chain(&self.incrs);
        for info in files {
            out.extend_from_slice(b"file ");
            if needs_repr(&info.name) {
                out.extend_from_slice(repr(&info.name).as_bytes());
            } else {
                out.extend_from_slice(&info.name);
            }
            out.extend_from_slice(format!(" seq {} type ", info.seq).as_bytes());
            out.push(info.kind.letter());
            out.push(b'\n');
        }
        out
    }

    /// Starts a new base file: the current base (if any) becomes the first history file.
    /// Returns the new base's name (Redis's `getNewBaseFileNameAndMarkPreAsHistory`).
    pub fn new_base(&mut self, appendfilename: &[u8], rdb: bool) -> Vec<u8> {
        if let Some(mut old) = self.base.take() {
            old.kind = AofFileType::History;
            self.history.insert(0, old);
        }
        self.base_seq = self.base_seq.saturating_add(1);
        let name = names::base(appendfilename, self.base_seq, rdb);
        self.base = Some(AofInfo {
            name: name.clone(),
            seq: self.base_seq,
            kind: AofFileType::Base,
        });
        name
    }

    /// Adds a new incremental file after the others and returns its name (Redis's
    /// `getNewIncrAofName`).
    pub fn new_incr(&mut self, appendfilename: &[u8]) -> Vec<u8> {
        self.incr_seq = self.incr_seq.saturating_add(1);
        let name = names::incr(appendfilename, self.incr_seq);
        self.incrs.push(AofInfo {
            name: name.clone(),
            seq: self.incr_seq,
            kind: AofFileType::Incr,
        });
        name
    }

    /// The newest incremental file, or a new one when there is none (Redis's
    /// `getLastIncrAofName`).
    pub fn last_incr_or_new(&mut self, appendfilename: &[u8]) -> Vec<u8> {
        match self.incrs.last() {
            Some(last) => last.name.clone(),
            None => self.new_incr(appendfilename),
        }
    }

    /// Moves the incremental files a rewrite covered to the front of history, keeping
    /// the one being appended to when `aof_on` (Redis's `markRewrittenIncrAofAsHistory`).
    pub fn mark_rewritten_incrs_as_history(&mut self, aof_on: bool) {
        let keep = usize::from(aof_on).min(self.incrs.len());
        let covered = self.incrs.len() - keep;
        let moved: Vec<AofInfo> = self
            .incrs
            .drain(..covered)
            .map(|mut info| {
                info.kind = AofFileType::History;
                info
            })
            .collect();
        self.history.splice(0..0, moved);
    }

    /// The changes to make when the server starts with appendonly on (Redis's
    /// `aofOpenIfNeededOnServerStart`): a base file for an empty start, and the
    /// incremental file to append to. The manifest must then be written.
    pub fn on_server_start(&mut self, appendfilename: &[u8], rdb: bool) -> StartPlan {
        let incr_listed = !self.incrs.is_empty();
        let new_base =
            (self.base.is_none() && !incr_listed).then(|| self.new_base(appendfilename, rdb));
        let incr = self.last_incr_or_new(appendfilename);
        StartPlan {
            new_base,
            incr,
            incr_listed,
        }
    }

    /// The manifest to write when a rewrite starts with appendonly on, and the new
    /// incremental file to open (Redis's `openNewIncrAofForAppend`, which changes a copy
    /// and keeps the old manifest if opening or writing fails).
    pub fn on_rewrite_start(&self, appendfilename: &[u8]) -> (Manifest, Vec<u8>) {
        let mut next = self.clone();
        let name = next.new_incr(appendfilename);
        (next, name)
    }

    /// The manifest to write when a rewrite succeeded, and the names to rename the
    /// temporary files to (the manifest part of Redis's `backgroundRewriteDoneHandler`):
    /// a new base, the old base and covered incremental files moved to history.
    pub fn on_rewrite_done(
        &self,
        appendfilename: &[u8],
        rdb: bool,
        state: AofState,
    ) -> (Manifest, RewriteNames) {
        let mut next = self.clone();
        let base = next.new_base(appendfilename, rdb);
        let incr = (state == AofState::WaitRewrite).then(|| next.new_incr(appendfilename));
        next.mark_rewritten_incrs_as_history(state != AofState::Off);
        (next, RewriteNames { base, incr })
    }

    /// Empties history and returns the files to delete (Redis's `aofDelHistoryFiles`,
    /// which writes the manifest afterwards).
    pub fn take_history(&mut self) -> Vec<AofInfo> {
        std::mem::take(&mut self.history)
    }

    /// Makes a pre-7.0 single AOF named `appendfilename` the base (Redis's
    /// `aofUpgradePrepare`, which then moves the file into the AOF directory).
    pub fn adopt_old_aof(&mut self, appendfilename: &[u8]) {
        self.base = Some(AofInfo {
            name: appendfilename.to_vec(),
            seq: 1,
            kind: AofFileType::Base,
        });
        self.base_seq = 1;
    }
}

/// Reads one trimmed, non-comment line into a file entry, as Redis does: pairs of key and
/// value, at least three pairs (more are allowed for later versions), a later key
/// overriding an earlier one.
fn parse_line(line: &[u8], split: SplitArgs) -> Result<AofInfo, &'static str> {
    const INVALID: &str = "Invalid AOF manifest file format";
    if line.is_empty() {
        return Err(INVALID);
    }
    let words = split(line).ok_or(INVALID)?;
    if words.len() < 6 || words.len() % 2 != 0 {
        return Err(INVALID);
    }
    let (mut name, mut seq, mut kind) = (None, 0i64, 0u8);
    for pair in words.chunks_exact(2) {
        let [key, value] = pair else { continue };
        if key.eq_ignore_ascii_case(b"file") {
            let value = c_string(value);
            if value.contains(&b'/') || value.contains(&b'\\') {
                return Err("File can't be a path, just a filename");
            }
            name = Some(value.to_vec());
        } else if key.eq_ignore_ascii_case(b"seq") {
            seq = c_atoll(value);
        } else if key.eq_ignore_ascii_case(b"type") {
            kind = value.first().copied().unwrap_or(0);
        }
    }
    let Some(name) = name else {
        return Err(INVALID);
    };
    if seq == 0 || kind == 0 {
        return Err(INVALID);
    }
    let kind = match kind {
        b'b' => AofFileType::Base,
        b'h' => AofFileType::History,
        b'i' => AofFileType::Incr,
        _ => return Err("Unknown AOF file type"),
    };
    Ok(AofInfo { name, seq, kind })
}

/// Whether Redis quotes a name in the manifest (`sdsneedsrepr`): any byte that is not
/// printable ASCII, a blank, a quote or a backslash.
pub fn needs_repr(name: &[u8]) -> bool {
    name.iter()
        .any(|&b| matches!(b, b'\\' | b'"' | b' ') || !(0x20..=0x7e).contains(&b))
}

/// Bytes as a C string sees them: up to the first NUL.
fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or_default()
}

/// Redis's `sdstrim(line, " \t\r\n")`.
fn trim(bytes: &[u8]) -> &[u8] {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// C's `atoll` as glibc implements it (`strtoll`): leading blanks, a sign, digits;
/// saturates on overflow; 0 when there are no digits.
pub(crate) fn c_atoll(bytes: &[u8]) -> i64 {
    let c_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = bytes
        .iter()
        .position(|b| !c_space(b))
        .unwrap_or(bytes.len());
    let rest = bytes.get(start..).unwrap_or_default();
    let (negative, digits) = match rest.first() {
        Some(b'-') => (true, rest.get(1..).unwrap_or_default()),
        Some(b'+') => (false, rest.get(1..).unwrap_or_default()),
        _ => (false, rest),
    };
    let mut value: i64 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        let digit = i64::from(d - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(digit)
        } else {
            value.saturating_mul(10).saturating_add(digit)
        };
    }
    value
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
