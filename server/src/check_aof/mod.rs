//! `redis-check-aof`: checks (and with `--fix` truncates) append-only files as Redis 7.0's
//! checker does.
//!
//! The server binary runs this when invoked as `redis-check-aof` (its program name) or as
//! `scarlet-server --check-aof [--fix|--truncate-to-timestamp TS] FILE`. FILE is a
//! manifest (every base and incremental file it lists is checked, the base through
//! [`crate::check_rdb`] when it is an RDB), an old-style AOF, or an AOF with an RDB
//! preamble. The output lines, the exit codes (0, or 1 for anything wrong), the question
//! `--fix` asks on stdin and where it truncates are Redis's.
//!
//! The checker's grammar is its own, stricter than the loader's in `scarlet_storage::aof`
//! (every line must end in CRLF, `*0` is accepted, MULTI must be closed), so it is read
//! here, byte by byte as Redis's `fgets`/`fread` calls see it, to report the same offsets
//! and line counts. Where Redis would print stale buffer bytes or abort on an impossible
//! allocation (a corrupt length of terabytes), this checker prints zeros and reads on.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use scarlet_storage::Millis;
use scarlet_storage::aof::Manifest;
use scarlet_storage::aof::reader::read_line_limited;

use crate::check_rdb::RdbFailure;
use crate::reconfigure::os_error_text;
use c_text::{c_char_hex, c_dirname, c_string, c_strtol, parse_timestamp};
use scanner::Scanner;

/// Redis reads counts and lengths into a 128-byte buffer.
const NUMBER_LINE_LIMIT: usize = 127;
/// Redis reads annotations into a 1024-byte buffer.
const ANNOTATION_LINE_LIMIT: usize = 1023;
/// Redis reads manifest lines into a 1025-byte buffer.
const MANIFEST_LINE_LIMIT: usize = 1024;
/// Enough of a command name to tell MULTI and EXEC (and a NUL after them) apart.
const NAME_PREFIX: usize = 6;

/// Runs the checker with `args` (without the program name) and returns the exit code.
pub fn main(program: &str, args: &[String]) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let stdin = std::io::stdin();
    let mut answer = stdin.lock();
    let code = run(
        program,
        args,
        crate::clock::unix_ms(),
        &mut out,
        &mut answer,
    );
    let _ = out.flush();
    code
}

/// The checker over any output and answer source, for tests: returns the exit code.
pub fn run(
    program: &str,
    args: &[String],
    now: Millis,
    out: &mut dyn Write,
    answer: &mut dyn BufRead,
) -> i32 {
    let (fix, to_timestamp, file) = match args {
        [file] => (false, 0, file),
        [flag, file] if flag == "--fix" => (true, 0, file),
        [flag, ts, file] if flag == "--truncate-to-timestamp" => match parse_timestamp(ts) {
            Some(ts) => (false, ts, file),
            None => {
                let _ = writeln!(out, "Invalid timestamp, aborting...");
                return 1;
            }
        },
        _ => {
            let _ = writeln!(
                out,
                "Usage: {program} [--fix|--truncate-to-timestamp $timestamp] \
                 <file.manifest|file.aof>"
            );
            return 1;
        }
    };
    let mut checker = Checker {
        out,
        answer,
        now,
        fix,
        to_timestamp,
        line: 1,
        epos: 0,
        error: Vec::new(),
    };
    match checker.check(file) {
        Ok(()) => 0,
        Err(Exit) => 1,
    }
}

/// The checker stops with exit code 1 (Redis's `exit(1)` from deep inside).
struct Exit;

/// How one file's check ended well.
enum Outcome {
    Valid,
    Empty,
    Truncated,
    TruncatedToTimestamp,
}

struct Checker<'a> {
    out: &'a mut dyn Write,
    answer: &'a mut dyn BufRead,
    now: Millis,
    fix: bool,
    /// `--truncate-to-timestamp`'s value; 0 when not given.
    to_timestamp: i64,
    /// Lines read so far, counting from 1 and across all files of a manifest, as Redis's
    /// checker counts them (only the CRLFs it checks).
    line: i64,
    /// Where the read an error is about started.
    epos: u64,
    /// The error to print, already in Redis's `0x<offset>: <message>` form.
    error: Vec<u8>,
}

impl Checker<'_> {
    fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    fn check(&mut self, file: &str) -> Result<(), Exit> {
        if self.is_manifest(file)? {
            self.check_multi_part(file)?;
        } else {
            let preamble = self.is_rdb(file)?;
            self.say("Start checking Old-Style AOF");
            let outcome = self.check_single(file, Path::new(file), file, true, preamble)?;
            let message = match outcome {
                Outcome::Valid => format!("AOF {file} is valid"),
                Outcome::Empty => format!("AOF {file} is empty"),
                Outcome::TruncatedToTimestamp => format!(
                    "Successfully truncated AOF {file} to timestamp {}",
                    self.to_timestamp
                ),
                Outcome::Truncated => format!("Successfully truncated AOF {file}"),
            };
            self.say(&message);
        }
        Ok(())
    }

    fn check_multi_part(&mut self, manifest_path: &str) -> Result<(), Exit> {
        self.say("Start checking Multi Part AOF");
        let manifest = self.load_manifest(manifest_path)?;
        let dir = c_dirname(manifest_path);
        let files: Vec<(bool, Vec<u8>)> = manifest
            .base
            .iter()
            .map(|base| (true, base.name.clone()))
            .chain(manifest.incrs.iter().map(|incr| (false, incr.name.clone())))
            .collect();
        let total = files.len();
        let mut said_incr = false;
        for (number, (is_base, name)) in files.into_iter().enumerate() {
            let last_file = number + 1 == total;
            let mut path_bytes = dir.as_bytes().to_vec();
            path_bytes.push(b'/');
            path_bytes.extend_from_slice(&name);
            let path = PathBuf::from(std::ffi::OsStr::from_bytes(&path_bytes));
            let path_text = String::from_utf8_lossy(&path_bytes).into_owned();
            let name = String::from_utf8_lossy(&name).into_owned();
            let (role, preamble) = if is_base {
                let preamble = self.is_rdb(&path_text)?;
                let format = if preamble { "RDB" } else { "RESP" };
                self.say(&format!("Start to check BASE AOF ({format} format)."));
                ("BASE", preamble)
            } else {
                if !said_incr {
                    self.say("Start to check INCR files.");
                    said_incr = true;
                }
                ("INCR", false)
            };
            let outcome = self.check_single(&name, &path, &path_text, last_file, preamble)?;
            let message = match outcome {
                Outcome::Valid => format!("{role} AOF {name} is valid"),
                Outcome::Empty => format!("{role} AOF {name} is empty"),
                Outcome::TruncatedToTimestamp => format!(
                    "Successfully truncated AOF {name} to timestamp {}",
                    self.to_timestamp
                ),
                Outcome::Truncated => format!("Successfully truncated AOF {name}"),
            };
            self.say(&message);
        }
        self.say("All AOF files and manifest are valid");
        Ok(())
    }

    /// Reads the manifest, reporting a bad one as Redis's loader logs it.
    fn load_manifest(&mut self, path: &str) -> Result<Manifest, Exit> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) => {
                let message = format!(
                    "Fatal error: can't open the AOF manifest file {path} for reading: {}",
                    os_error_text(&e)
                );
                self.log(&message);
                return Err(Exit);
            }
        };
        match Manifest::parse(BufReader::new(file), scarlet_protocol::split_args) {
            Ok(manifest) => Ok(manifest),
            Err(e) => {
                for message in e.log_messages() {
                    self.log(&message);
                }
                Err(Exit)
            }
        }
    }

    /// A warning in Redis's log format, on the checker's output as Redis's goes to stdout.
    fn log(&mut self, message: &str) {
        let line = crate::log::format_line(
            std::process::id(),
            'C',
            self.now,
            crate::log::Level::Warning,
            message,
        );
        let _ = self.out.write_all(line.as_bytes());
    }

    /// Redis's `fileIsManifest`: a line (not a comment) starts with `file`.
    fn is_manifest(&mut self, path: &str) -> Result<bool, Exit> {
        let (file, size) = self.open_to_sniff(path)?;
        if size == 0 {
            return Ok(false);
        }
        let mut input = BufReader::new(file);
        let mut chunk = Vec::new();
        let mut found = false;
        loop {
            chunk.clear();
            match read_line_limited(&mut input, MANIFEST_LINE_LIMIT, &mut chunk) {
                Ok(0) => return Ok(found),
                Ok(_) => {}
                Err(_) => {
                    self.say(&format!("Cannot read file: {path}"));
                    return Err(Exit);
                }
            }
            if chunk.first() != Some(&b'#') && chunk.starts_with(b"file") {
                found = true;
            }
        }
    }

    /// Redis's `fileIsRDB`: at least 8 bytes, starting with `REDIS`.
    fn is_rdb(&mut self, path: &str) -> Result<bool, Exit> {
        let (file, size) = self.open_to_sniff(path)?;
        if size < 8 {
            return Ok(false);
        }
        let mut head = [0u8; 5];
        Ok(file.take(5).read_exact(&mut head).is_ok()
            && scarlet_storage::aof::is_rdb_preamble(&head))
    }

    fn open_to_sniff(&mut self, path: &str) -> Result<(File, u64), Exit> {
        let opened = File::open(path).and_then(|file| {
            let size = file.metadata()?.len();
            Ok((file, size))
        });
        opened.map_err(|e| {
            self.say(&format!("Cannot open file {path}: {}", os_error_text(&e)));
            Exit
        })
    }

    /// Redis's `checkSingleAof`: `name` is what the summary lines print, `path_text` what
    /// the error lines print.
    fn check_single(
        &mut self,
        name: &str,
        path: &Path,
        path_text: &str,
        last_file: bool,
        preamble: bool,
    ) -> Result<Outcome, Exit> {
        // Opened for writing too, as Redis does (so a read-only file cannot be checked).
        let mut file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(file) => file,
            Err(e) => {
                self.say(&format!(
                    "Cannot open file {path_text}: {}, aborting...",
                    os_error_text(&e)
                ));
                return Err(Exit);
            }
        };
        let Ok(size) = file.metadata().map(|m| m.len()) else {
            self.say(&format!("Cannot stat file: {name}, aborting..."));
            return Err(Exit);
        };
        if size == 0 {
            return Ok(Outcome::Empty);
        }
        let mut start = 0u64;
        if preamble {
            start = self.check_preamble(&mut file, name)?;
        }
        let mut input = Scanner {
            input: BufReader::new(file),
            pos: start,
        };
        let mut pos = start;
        let mut multi: i64 = 0;
        let mut format_error = false;
        loop {
            if multi == 0 {
                pos = input.pos;
            }
            let next = match input.peek() {
                Ok(next) => next,
                Err(_) => {
                    self.say(&format!("Failed to read from AOF {name}, aborting..."));
                    return Err(Exit);
                }
            };
            match next {
                None => break,
                Some(b'#') => {
                    if !self.annotation(&mut input, path_text, last_file)? {
                        return Ok(Outcome::TruncatedToTimestamp);
                    }
                }
                Some(b'*') => {
                    if !self.command(&mut input, path_text, &mut multi)? {
                        break;
                    }
                }
                Some(_) => {
                    self.say(&format!("AOF {name} format error"));
                    format_error = true;
                    break;
                }
            }
        }
        // Every other way out of the loop met the end of the file, or set an error.
        if !format_error && multi != 0 && self.error.is_empty() {
            self.set_error("Reached EOF before reading EXEC for MULTI".into());
        }
        if !self.error.is_empty() {
            let _ = self.out.write_all(&self.error);
            let _ = self.out.write_all(b"\n");
        }
        let diff = size.saturating_sub(pos);
        if diff == 0 && self.to_timestamp != 0 {
            self.say(&format!(
                "Truncate nothing in AOF {name} to timestamp {}",
                self.to_timestamp
            ));
            return Ok(Outcome::Valid);
        }
        self.say(&format!(
            "AOF analyzed: filename={name}, size={size}, ok_up_to={pos}, ok_up_to_line={}, \
             diff={diff}",
            self.line
        ));
        if diff == 0 {
            return Ok(Outcome::Valid);
        }
        if !self.fix {
            self.say(&format!(
                "AOF {name} is not valid. Use the --fix option to try fixing it."
            ));
            return Err(Exit);
        }
        if !last_file {
            self.say(&format!(
                "Failed to truncate AOF {name} because it is not the last file"
            ));
            return Err(Exit);
        }
        self.say(&format!(
            "This will shrink the AOF {name} from {size} bytes, with {diff} bytes, to {pos} bytes"
        ));
        let _ = write!(self.out, "Continue? [y/N]: ");
        let _ = self.out.flush();
        if !self.confirmed() {
            self.say("Aborting...");
            return Err(Exit);
        }
        if input.input.get_ref().set_len(pos).is_err() {
            self.say(&format!("Failed to truncate AOF {name}"));
            return Err(Exit);
        }
        Ok(Outcome::Truncated)
    }

    /// Redis reads one character of the answer: `y` or `Y` goes ahead.
    fn confirmed(&mut self) -> bool {
        let mut first = [0u8; 1];
        matches!(self.answer.read(&mut first), Ok(1)) && first[0].eq_ignore_ascii_case(&b'y')
    }

    /// Checks the RDB at the start of `file` with the RDB checker; returns where it ended.
    fn check_preamble(&mut self, file: &mut File, name: &str) -> Result<u64, Exit> {
        let mut bytes = Vec::new();
        if file.read_to_end(&mut bytes).is_err() {
            self.say(&format!("Failed to read from AOF {name}, aborting..."));
            return Err(Exit);
        }
        let _ = writeln!(self.out, "[offset 0] Checking RDB file {name}");
        let end = crate::check_rdb::check_prefix(&bytes, self.now, &mut self.out);
        drop(bytes);
        let end = match end {
            Ok(end) => end,
            Err(RdbFailure::Unsound) => {
                self.say("RDB preamble of AOF file is not sane, aborting.");
                return Err(Exit);
            }
            Err(RdbFailure::Terminated) => return Err(Exit),
        };
        self.say("RDB preamble is OK, proceeding with AOF tail...");
        let end = end as u64;
        if file.seek(SeekFrom::Start(end)).is_err() {
            self.say(&format!("Failed to read from AOF {name}, aborting..."));
            return Err(Exit);
        }
        Ok(end)
    }

    /// Redis's `processAnnotations`: false when the file was truncated at this
    /// annotation for `--truncate-to-timestamp`.
    fn annotation(
        &mut self,
        input: &mut Scanner,
        path_text: &str,
        last_file: bool,
    ) -> Result<bool, Exit> {
        self.epos = input.pos;
        let mut text = Vec::new();
        if !matches!(input.read_line(ANNOTATION_LINE_LIMIT, &mut text), Ok(1..)) {
            self.say(&format!(
                "Failed to read annotations from AOF {path_text}, aborting..."
            ));
            return Err(Exit);
        }
        let Some(digits) = text.strip_prefix(b"#TS:") else {
            return Ok(true);
        };
        if self.to_timestamp == 0 {
            return Ok(true);
        }
        let (ts, end, overflow) = c_strtol(digits);
        if overflow || digits.get(end) != Some(&b'\r') {
            self.say("Invalid timestamp annotation");
            return Err(Exit);
        }
        if ts <= self.to_timestamp {
            return Ok(true);
        }
        let to = self.to_timestamp;
        if self.epos == 0 {
            self.say(&format!(
                "AOF {path_text} has nothing before timestamp {to}, aborting..."
            ));
            return Err(Exit);
        }
        if !last_file {
            self.say(&format!(
                "Failed to truncate AOF {path_text} to timestamp {to} to offset {} because \
                 it is not the last file.",
                self.epos
            ));
            self.say(
                "If you insist, please delete all files after this file according to the \
                 manifest file and delete the corresponding records in manifest file \
                 manually. Then re-run redis-check-aof.",
            );
            return Err(Exit);
        }
        if input.input.get_ref().set_len(self.epos).is_err() {
            self.say(&format!(
                "Failed to truncate AOF {path_text} to timestamp {to}"
            ));
            return Err(Exit);
        }
        Ok(false)
    }

    /// Redis's `processRESP`: false when the command is not sound (the error, if any,
    /// is set).
    fn command(
        &mut self,
        input: &mut Scanner,
        path_text: &str,
        multi: &mut i64,
    ) -> Result<bool, Exit> {
        let Some(argc) = self.number(input, b'*')? else {
            return Ok(false);
        };
        for i in 0..argc {
            let Some(name) = self.string(input)? else {
                return Ok(false);
            };
            if i != 0 {
                continue;
            }
            let name = c_string(&name);
            if name.eq_ignore_ascii_case(b"multi") {
                let nested = *multi != 0;
                *multi += 1;
                if nested {
                    self.set_error(format!("Unexpected MULTI in AOF {path_text}").into());
                    return Ok(false);
                }
            } else if name.eq_ignore_ascii_case(b"exec") {
                *multi -= 1;
                if *multi != 0 {
                    self.set_error(format!("Unexpected EXEC in AOF {path_text}").into());
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Redis's `readLong`: a line of `prefix`, a number and CRLF. `None` when the file
    /// ended (no error) or the line is wrong (error set).
    fn number(&mut self, input: &mut Scanner, prefix: u8) -> Result<Option<i64>, Exit> {
        self.epos = input.pos;
        let mut text = Vec::new();
        match input.read_line(NUMBER_LINE_LIMIT, &mut text) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(_) => return Ok(None),
        }
        let first = text.first().copied().unwrap_or(0);
        if first != prefix {
            let mut message = b"Expected prefix '".to_vec();
            message.extend_from_slice(&[prefix, b'\'', b',']);
            message.extend_from_slice(b" got: '");
            message.extend_from_slice(&[first, b'\'']);
            self.set_error(message);
            return Ok(None);
        }
        let (value, end, _) = c_strtol(text.get(1..).unwrap_or_default());
        // Past a line that ends early, Redis looks at its buffer's NUL and then at
        // whatever an earlier call left on the stack; zero is what it shows most often.
        let rest = text.get(1 + end..).unwrap_or_default();
        if !self.newline(rest) {
            return Ok(None);
        }
        Ok(Some(value))
    }

    /// Redis's `readString`: returns the first bytes of a sound bulk string.
    fn string(&mut self, input: &mut Scanner) -> Result<Option<Vec<u8>>, Exit> {
        let Some(len) = self.number(input, b'$')? else {
            return Ok(None);
        };
        if !(0..=i64::MAX - 2).contains(&len) {
            self.set_error(
                format!(
                    "Expected to read string of {len} bytes, which is not in the suitable range"
                )
                .into(),
            );
            return Ok(None);
        }
        let total = len.unsigned_abs() + 2;
        self.epos = input.pos;
        let Ok(read) = input.read_bytes(total, NAME_PREFIX) else {
            return Ok(None);
        };
        if read.count != total {
            self.set_error(
                format!("Expected to read {total} bytes, got {} bytes", read.count).into(),
            );
            return Ok(None);
        }
        if !self.newline(&read.last_two) {
            return Ok(None);
        }
        // Redis ends the string with a NUL where the CRLF was.
        let mut name = read.prefix;
        name.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        Ok(Some(name))
    }

    /// Redis's `consumeNewline`: `rest` must start with CRLF.
    fn newline(&mut self, rest: &[u8]) -> bool {
        let first = rest.first().copied().unwrap_or(0);
        let second = rest.get(1).copied().unwrap_or(0);
        if first == b'\r' && second == b'\n' {
            self.line += 1;
            return true;
        }
        self.set_error(
            format!(
                "Expected \\r\\n, got: {}{}",
                c_char_hex(first),
                c_char_hex(second)
            )
            .into(),
        );
        false
    }

    /// Redis's `ERROR` macro: the message (cut at a NUL, as C's `%s` would, and at its
    /// buffer's size) after the offset in hex, padded to 16 places with blanks.
    fn set_error(&mut self, message: Vec<u8>) {
        let message = c_string(&message);
        let message = message.get(..message.len().min(1023)).unwrap_or_default();
        let mut error = format!("0x{:16x}: ", self.epos).into_bytes();
        error.extend_from_slice(message);
        error.truncate(1043);
        self.error = error;
    }
}

mod c_text;
mod scanner;

#[cfg(test)]
mod tests;
