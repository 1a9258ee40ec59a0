//! `redis-check-rdb`: checks an RDB file and reports as Redis 7.0's checker does.
//!
//! The server binary runs this when invoked as `redis-check-rdb` (its program name) or
//! as `scarlet-server --check-rdb FILE`. It walks the file's opcodes itself, to print
//! Redis's progress lines with their byte offsets ("[offset N] AUX FIELD ...",
//! "Selecting DB ID ..."), and decodes every value with storage's RDB reader, which
//! validates compact encodings deeply (as Redis's checker forces
//! `sanitize-dump-payload yes`). Exit status 0 when the file is sound, 1 otherwise.
//!
//! It accepts what Redis 7.0 accepts: format versions 1-10 and object types 0-7 and
//! 9-19. Values Scarlet cannot decode (module values and streams) are reported as
//! errors, where Redis's checker reads streams. Messages for damage found inside a value
//! are Scarlet's own (Redis's name a line of its C source).

use std::io::Write;

use scarlet_storage::Millis;
use scarlet_storage::rdb::crc64::crc64;
use scarlet_storage::rdb::length::read_len;
use scarlet_storage::rdb::objects::read_object;
use scarlet_storage::rdb::string::read_string;
use scarlet_storage::rdb::types::*;
use scarlet_storage::rdb::{Input, LoadLimits, RdbError};

/// The newest format version Redis 7.0's checker handles.
const MAX_VERSION: i64 = 10;

/// Runs the checker with `args` (without the program name) and returns the exit code.
pub fn main(program: &str, args: &[String]) -> i32 {
    let [file] = args else {
        eprintln!("Usage: {program} <rdb-file-name>");
        return 1;
    };
    if file == "-v" || file == "--version" {
        println!("redis-check-rdb {}", crate::REDIS_VERSION);
        return 0;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(out, "[offset 0] Checking RDB file {file}");
    let Ok(bytes) = std::fs::read(file) else {
        return 1;
    };
    let ok = check(&bytes, crate::clock::unix_ms(), &mut out);
    let _ = out.flush();
    if ok { 0 } else { 1 }
}

/// What the checker is doing, for its error report.
#[derive(Clone, Copy)]
enum Doing {
    Start,
    ReadType,
    ReadExpire,
    ReadKey,
    ReadObjectValue,
    CheckSum,
    ReadLen,
    ReadAux,
    ReadModuleAux,
    ReadFunctions,
}

impl Doing {
    fn name(self) -> &'static str {
        match self {
            Doing::Start => "start",
            Doing::ReadType => "read-type",
            Doing::ReadExpire => "read-expire",
            Doing::ReadKey => "read-key",
            Doing::ReadObjectValue => "read-object-value",
            Doing::CheckSum => "check-sum",
            Doing::ReadLen => "read-len",
            Doing::ReadAux => "read-aux",
            Doing::ReadModuleAux => "read-module-aux",
            Doing::ReadFunctions => "read-functions",
        }
    }
}

/// The names Redis's checker prints for object types, by type byte (its table, quirks
/// included: type 7 has an empty name and 19 is "unknown").
const TYPE_NAMES: &[&str] = &[
    "string",
    "list-linked",
    "set-hashtable",
    "zset-v1",
    "hash-hashtable",
    "zset-v2",
    "module-value",
    "",
    "",
    "hash-zipmap",
    "list-ziplist",
    "set-intset",
    "zset-ziplist",
    "hash-ziplist",
    "quicklist",
    "stream",
    "hash-listpack",
    "zset-listpack",
    "quicklist-v2",
];

/// The checker's state, printed with an error.
struct State {
    doing: Doing,
    /// The key being read, if any.
    key: Option<Vec<u8>>,
    /// The type of the key being read; Redis's starts at 0, not "none", and only becomes
    /// "none" after the first key.
    key_type: Option<u8>,
    keys: u64,
    expires: u64,
    already_expired: u64,
}

/// How the walk stopped early.
enum Failure {
    /// Input ended (or a value could not be decoded in a way Redis reports as EOF).
    Eof,
    /// A specific error message.
    Message(String),
    /// Damage the decoder found, which Redis reports and then ends the process with a
    /// log line (its `rdbReportError`).
    Corrupt(String),
}

/// How an RDB check that found a problem ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdbFailure {
    /// The error was reported; the caller decides what follows.
    Unsound,
    /// The error was reported with Redis's "Terminating server" line: Redis exits there,
    /// whatever the caller would have printed next.
    Terminated,
}

impl From<RdbError> for Failure {
    fn from(e: RdbError) -> Failure {
        match e {
            RdbError::Truncated => Failure::Eof,
            RdbError::Corrupt(_) => Failure::Corrupt(e.to_string()),
            other => Failure::Message(other.to_string()),
        }
    }
}

/// Checks `bytes` as an RDB file, writing Redis's report after its "Checking" line.
/// Returns whether the file is sound.
pub fn check(bytes: &[u8], now: Millis, out: &mut impl Write) -> bool {
    check_prefix(bytes, now, out).is_ok()
}

/// Like [`check`], for an RDB at the start of `bytes` that may be followed by more (an
/// AOF's RDB preamble): returns where the RDB ended when it is sound.
pub fn check_prefix(bytes: &[u8], now: Millis, out: &mut impl Write) -> Result<usize, RdbFailure> {
    let mut state = State {
        doing: Doing::Start,
        key: None,
        key_type: Some(0),
        keys: 0,
        expires: 0,
        already_expired: 0,
    };
    let mut input = Input::new(bytes);
    match walk(bytes, &mut input, &mut state, (now, out)) {
        Ok(()) => {
            let _ = writeln!(out, "[offset {}] \\o/ RDB looks OK! \\o/", input.position());
            generic_info(&state, out);
            Ok(input.position())
        }
        Err(failure) => {
            let (message, outcome) = match failure {
                Failure::Eof => (
                    "Unexpected EOF reading RDB file".to_string(),
                    RdbFailure::Unsound,
                ),
                Failure::Message(message) => (message, RdbFailure::Unsound),
                Failure::Corrupt(message) => (message, RdbFailure::Terminated),
            };
            report_error(&state, input.position(), &message, out);
            if outcome == RdbFailure::Terminated {
                let line = crate::log::format_line(
                    std::process::id(),
                    'C',
                    now,
                    crate::log::Level::Warning,
                    "Terminating server after rdb file reading failure.",
                );
                let _ = out.write_all(line.as_bytes());
            }
            Err(outcome)
        }
    }
}

fn walk(
    bytes: &[u8],
    input: &mut Input<'_>,
    state: &mut State,
    (now, out): (Millis, &mut impl Write),
) -> Result<(), Failure> {
    let header: [u8; 9] = input.array()?;
    let (magic, digits) = header.split_at(5);
    if magic != b"REDIS" {
        return Err(Failure::Message(
            "Wrong signature trying to load DB from file".into(),
        ));
    }
    let version = c_atoi(digits);
    if !(1..=MAX_VERSION).contains(&version) {
        return Err(Failure::Message(format!(
            "Can't handle RDB format version {version}"
        )));
    }
    let limits = LoadLimits::default();
    let mut expire: Option<Millis> = None;
    loop {
        state.doing = Doing::ReadType;
        let kind = input.u8()?;
        match kind {
            OPCODE_EXPIRETIME => {
                state.doing = Doing::ReadExpire;
                let seconds = i32::from_le_bytes(input.array()?);
                expire = Some(i64::from(seconds).saturating_mul(1000));
            }
            OPCODE_EXPIRETIME_MS => {
                state.doing = Doing::ReadExpire;
                expire = Some(i64::from_le_bytes(input.array()?));
            }
            OPCODE_FREQ => {
                input.u8()?;
            }
            OPCODE_IDLE => {
                read_len(input)?;
            }
            OPCODE_EOF => break,
            OPCODE_SELECTDB => {
                state.doing = Doing::ReadLen;
                let db = read_len(input)?;
                info(out, input, format_args!("Selecting DB ID {db}"));
            }
            OPCODE_RESIZEDB => {
                state.doing = Doing::ReadLen;
                read_len(input)?;
                read_len(input)?;
            }
            OPCODE_AUX => {
                state.doing = Doing::ReadAux;
                let name = read_string(input)?;
                let value = read_string(input)?;
                let _ = write!(out, "[offset {}] AUX FIELD ", input.position());
                let _ = out.write_all(c_string(&name));
                let _ = out.write_all(b" = '");
                let _ = out.write_all(c_string(&value));
                let _ = out.write_all(b"'\n");
            }
            OPCODE_MODULE_AUX => {
                state.doing = Doing::ReadModuleAux;
                return Err(Failure::Message(
                    "module data: not supported by this checker".into(),
                ));
            }
            OPCODE_FUNCTION | OPCODE_FUNCTION2 => {
                state.doing = Doing::ReadFunctions;
                skip_function(input, kind)?;
            }
            kind => {
                if !(kind <= TYPE_STREAM_LISTPACKS_2 && kind != 8) {
                    return Err(Failure::Message(format!("Invalid object type: {kind}")));
                }
                state.key_type = Some(kind);
                read_key_value(input, state, kind, &limits)?;
                if let Some(when) = expire.take() {
                    if when < now {
                        state.already_expired += 1;
                    }
                    state.expires += 1;
                }
                state.key = None;
                state.key_type = None;
            }
        }
    }
    if version >= 5 {
        state.doing = Doing::CheckSum;
        let expected = crc64(0, bytes.get(..input.position()).unwrap_or_default());
        let stored = u64::from_le_bytes(input.array()?);
        if stored == 0 {
            info(
                out,
                input,
                format_args!("RDB file was saved with checksum disabled: no check performed."),
            );
        } else if stored != expected {
            return Err(Failure::Message("RDB CRC error".into()));
        } else {
            info(out, input, format_args!("Checksum OK"));
        }
    }
    Ok(())
}

fn read_key_value(
    input: &mut Input<'_>,
    state: &mut State,
    kind: u8,
    limits: &LoadLimits,
) -> Result<(), Failure> {
    state.doing = Doing::ReadKey;
    let key = read_string(input)?;
    state.key = Some(key);
    state.keys += 1;
    state.doing = Doing::ReadObjectValue;
    let start = input.clone();
    let value = match read_object(input, kind, limits) {
        Ok(value) => value,
        Err(RdbError::Truncated) => {
            // The decoder checks counts against what is left before reading elements;
            // Redis reads element by element until one fails. Walking the structure again
            // finds the offset Redis reports.
            *input = start;
            skim_object(input, kind)?;
            return Err(Failure::Eof);
        }
        Err(e) => return Err(e.into()),
    };
    if value.is_empty_collection() {
        // Redis's loader returns no object for an empty collection, which its checker
        // reports as an unexpected end.
        return Err(Failure::Eof);
    }
    Ok(())
}

/// Reads a value's structure (lengths, strings, scores) without decoding it, as Redis's
/// loader reads it, so that a truncation is found at the same offset.
fn skim_object(input: &mut Input<'_>, kind: u8) -> Result<(), RdbError> {
    match kind {
        TYPE_LIST | TYPE_SET | TYPE_LIST_QUICKLIST => {
            for _ in 0..read_len(input)? {
                read_string(input)?;
            }
        }
        TYPE_LIST_QUICKLIST_2 => {
            for _ in 0..read_len(input)? {
                read_len(input)?;
                read_string(input)?;
            }
        }
        TYPE_HASH => {
            for _ in 0..read_len(input)? {
                read_string(input)?;
                read_string(input)?;
            }
        }
        TYPE_ZSET => {
            for _ in 0..read_len(input)? {
                read_string(input)?;
                // A text score: a length byte (253-255 stand for NaN and infinities).
                let len = input.u8()?;
                if len < 253 {
                    input.take(usize::from(len))?;
                }
            }
        }
        TYPE_ZSET_2 => {
            for _ in 0..read_len(input)? {
                read_string(input)?;
                input.take(8)?;
            }
        }
        _ => {
            read_string(input)?;
        }
    }
    Ok(())
}

/// Reads past a function library: FUNCTION2 is one string; the 7.0 release candidates'
/// FUNCTION is a name, an engine, an optional description and the code.
fn skip_function(input: &mut Input<'_>, kind: u8) -> Result<(), Failure> {
    let failed = |what: &str| Failure::Message(format!("Failed loading library, {what}"));
    if kind == OPCODE_FUNCTION2 {
        read_string(input).map_err(|_| failed("Failed loading library payload"))?;
        return Ok(());
    }
    read_string(input).map_err(|_| failed("Failed loading library name"))?;
    read_string(input).map_err(|_| failed("Failed loading engine name"))?;
    let has_desc =
        read_len(input).map_err(|_| failed("Failed loading library description indicator"))?;
    if has_desc != 0 {
        read_string(input).map_err(|_| failed("Failed loading library description"))?;
    }
    read_string(input).map_err(|_| failed("Failed loading library blob"))?;
    Ok(())
}

fn info(out: &mut impl Write, input: &Input<'_>, message: std::fmt::Arguments<'_>) {
    let _ = writeln!(out, "[offset {}] {message}", input.position());
}

fn report_error(state: &State, offset: usize, message: &str, out: &mut impl Write) {
    let _ = writeln!(out, "--- RDB ERROR DETECTED ---");
    let _ = writeln!(out, "[offset {offset}] {message}");
    let _ = writeln!(out, "[additional info] While doing: {}", state.doing.name());
    if let Some(key) = &state.key {
        let _ = out.write_all(b"[additional info] Reading key '");
        let _ = out.write_all(c_string(key));
        let _ = out.write_all(b"'\n");
    }
    if let Some(kind) = state.key_type {
        let name = TYPE_NAMES.get(usize::from(kind)).unwrap_or(&"unknown");
        let _ = writeln!(out, "[additional info] Reading type {kind} ({name})");
    }
    generic_info(state, out);
}

fn generic_info(state: &State, out: &mut impl Write) {
    let _ = writeln!(out, "[info] {} keys read", state.keys);
    let _ = writeln!(out, "[info] {} expires", state.expires);
    let _ = writeln!(out, "[info] {} already expired", state.already_expired);
}

/// Bytes as C's `%s` prints them: up to the first NUL.
fn c_string(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or_default()
}

/// C's `atoi`: optional blanks and sign, then digits; anything else ends it.
fn c_atoi(bytes: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or_default()),
        Some(b'+') => (false, text.get(1..).unwrap_or_default()),
        _ => (false, text),
    };
    let value = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if negative { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scarlet_storage::Value;

    fn report(bytes: &[u8]) -> (bool, String) {
        let mut out = Vec::new();
        let ok = check(bytes, 0, &mut out);
        (ok, String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn empty_file_reports_eof_at_start() {
        let (ok, text) = report(b"");
        assert!(!ok);
        assert_eq!(
            text,
            "--- RDB ERROR DETECTED ---\n[offset 0] Unexpected EOF reading RDB file\n[additional info] While doing: start\n[additional info] Reading type 0 (string)\n[info] 0 keys read\n[info] 0 expires\n[info] 0 already expired\n"
        );
    }

    #[test]
    fn version_and_signature() {
        let (ok, text) = report(b"REDIS0019\xff");
        assert!(!ok);
        assert!(text.contains("[offset 9] Can't handle RDB format version 19\n"));
        let (_, text) = report(b"REDIX0010\xff");
        assert!(text.contains("[offset 9] Wrong signature trying to load DB from file\n"));
    }

    #[test]
    fn a_written_file_looks_ok() {
        let mut db = scarlet_storage::Db::new();
        db.insert_with_expire(
            b"k",
            Value::Str(scarlet_storage::StrValue::from_bytes(b"v")),
            Some(5),
            &scarlet_storage::Access::NoTouch,
        );
        let bytes = scarlet_storage::rdb::write_rdb([&db], &Default::default());
        let (ok, text) = report(&bytes);
        assert!(ok, "{text}");
        assert!(text.contains("] Selecting DB ID 0\n"));
        assert!(text.contains("] Checksum OK\n"));
        assert!(text.ends_with(
            "\\o/ RDB looks OK! \\o/\n[info] 1 keys read\n[info] 1 expires\n[info] 0 already expired\n"
        ));
    }
}
