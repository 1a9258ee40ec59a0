//! The interactive prompt: line editing with rustyline on a terminal (history file, hints,
//! tab completion, the `host:port[db](TX)>` prompt), plain line reading when standard input
//! is not a terminal, and what a typed line may mean besides a command: `N cmd` repeats,
//! `:set hints`, CONNECT, CLEAR, QUIT/EXIT.
//!
//! Commands themselves run through [`Session`]; help text comes from `help`. This module owns
//! the ~/.rediscli_history and ~/.redisclirc files and the hints preference.

use std::borrow::Cow;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::Instant;

use rustyline::completion::Completer;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::help::{self, Entry};
use crate::options::Output;
use crate::session::{Session, emit};

/// Hints and completion from the help table.
struct CliHelper {
    entries: Vec<Entry>,
    hints: bool,
}

impl Completer for CliHelper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        _pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok((0, help::completions(&self.entries, line)))
    }
}

impl Hinter for CliHelper {
    type Hint = String;
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if !self.hints || pos < line.len() {
            return None;
        }
        help::hint(&self.entries, line).filter(|hint| !hint.trim().is_empty())
    }
}

impl Highlighter for CliHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[0;90;49m{hint}\x1b[0m"))
    }
}

impl Validator for CliHelper {}
impl Helper for CliHelper {}

/// Shows typed characters as stars (`--askpass`).
struct MaskHelper;

impl Completer for MaskHelper {
    type Candidate = String;
}
impl Hinter for MaskHelper {
    type Hint = String;
}
impl Highlighter for MaskHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Owned("*".repeat(line.chars().count()))
    }
    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        true
    }
}
impl Validator for MaskHelper {}
impl Helper for MaskHelper {}

/// Reads a password: masked on a terminal, a plain line otherwise.
pub fn ask_password(prompt: &str) -> Option<Vec<u8>> {
    if std::io::stdin().is_terminal()
        && let Ok(mut editor) = Editor::<MaskHelper, DefaultHistory>::new()
    {
        editor.set_helper(Some(MaskHelper));
        return editor.readline(prompt).ok().map(String::into_bytes);
    }
    let mut line = Vec::new();
    std::io::stdin().lock().read_until(b'\n', &mut line).ok()?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Some(line)
}

/// `$VAR` if set (None for /dev/null), else `$HOME/<name>`.
fn dotfile(var: &str, name: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(path) if !path.is_empty() => (path != "/dev/null").then(|| PathBuf::from(path)),
        _ => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(name)),
    }
}

/// `:set hints` / `:set nohints`; anything else is reported.
fn set_preference(words: &[Vec<u8>], interactive: bool, hints: &mut bool) {
    let origin = if interactive { "" } else { ".redisclirc: " };
    let word = |i: usize| String::from_utf8_lossy(words.get(i).map_or(&[][..], |w| w)).into_owned();
    if word(0).eq_ignore_ascii_case(":set") && words.len() >= 2 {
        match word(1).to_ascii_lowercase().as_str() {
            "hints" => *hints = true,
            "nohints" => *hints = false,
            _ => emit(format!("{origin}unknown redis-cli preference '{}'\n", word(1)).as_bytes()),
        }
    } else {
        emit(format!("{origin}unknown redis-cli internal command '{}'\n", word(0)).as_bytes());
    }
}

/// Reads ~/.redisclirc (REDISCLI_RCFILE): `:set` lines.
fn load_preferences(hints: &mut bool) {
    let Some(path) = dotfile("REDISCLI_RCFILE", ".redisclirc") else {
        return;
    };
    let Ok(text) = std::fs::read(path) else {
        return;
    };
    for line in text.split(|&b| b == b'\n') {
        if let Some(words) = scarlet_protocol::split_args(line)
            && !words.is_empty()
        {
            set_preference(&words, false, hints);
        }
    }
}

/// Commands whose lines stay out of the history (they carry passwords).
fn is_sensitive(words: &[Vec<u8>]) -> bool {
    let is = |i: usize, name: &str| {
        words
            .get(i)
            .is_some_and(|w| w.eq_ignore_ascii_case(name.as_bytes()))
    };
    let argc = words.len();
    if is(0, "auth") {
        return true;
    }
    if argc > 1 && is(0, "acl") && is(1, "setuser") {
        return true;
    }
    if argc > 2
        && is(0, "config")
        && is(1, "set")
        && (is(2, "masterauth") || is(2, "masteruser") || is(2, "requirepass"))
    {
        return true;
    }
    if argc > 4 && is(0, "hello") {
        let mut j = 2;
        while j < argc {
            let more = argc - 1 - j;
            if is(j, "auth") && more >= 2 {
                return true;
            } else if is(j, "setname") && more > 0 {
                j += 1;
            } else {
                return false;
            }
            j += 1;
        }
    }
    if argc > 7 && is(0, "migrate") {
        for j in 6..argc {
            let more = argc - 1 - j;
            if (is(j, "auth") && more > 0) || (is(j, "auth2") && more >= 2) {
                return true;
            }
            if is(j, "keys") && more > 0 {
                return false;
            }
        }
    }
    false
}

/// Writes the history as plain lines, the format redis-cli (linenoise) reads and writes,
/// so both programs can share the file (rustyline's own format adds a header line).
fn save_history(editor: &Editor<CliHelper, DefaultHistory>, path: &std::path::Path) {
    let mut text = String::new();
    for entry in editor.history().iter() {
        text.push_str(entry);
        text.push('\n');
    }
    let _ = std::fs::write(path, text);
}

/// What one typed line asks for, once the repeat prefix is taken off.
enum LineAction {
    /// Nothing to do (blank line, or an error already printed).
    Nothing,
    /// Leave the program.
    Quit,
    /// Run this command that many times.
    Run(i64, Vec<Vec<u8>>),
}

/// The source of lines: rustyline on a terminal, plain stdin otherwise.
enum Input {
    Terminal(Box<Editor<CliHelper, DefaultHistory>>),
    Plain(std::io::StdinLock<'static>),
}

/// Runs the prompt until end of input or QUIT; returns (true) only when RESTART asks for
/// a new Lua debugging session.
pub fn run(session: &mut Session) -> bool {
    session.interactive = true;
    let mut history_file = None;
    let mut input = if std::io::stdin().is_terminal() {
        let mut hints = true;
        load_preferences(&mut hints);
        // The Lua debugger has its own commands and help: no table while debugging.
        let entries = if session.ldb {
            Vec::new()
        } else {
            help::entries(session)
        };
        match Editor::<CliHelper, DefaultHistory>::new() {
            Ok(mut editor) => {
                editor.set_helper(Some(CliHelper { entries, hints }));
                history_file = dotfile("REDISCLI_HISTFILE", ".rediscli_history");
                if let Some(path) = &history_file {
                    let _ = editor.load_history(path);
                }
                Input::Terminal(Box::new(editor))
            }
            Err(_) => Input::Plain(std::io::stdin().lock()),
        }
    } else {
        Input::Plain(std::io::stdin().lock())
    };
    loop {
        let prompt = session.prompt();
        let line: Vec<u8> = match &mut input {
            Input::Terminal(editor) => match editor.readline(&prompt) {
                Ok(line) => line.into_bytes(),
                Err(_) => return false,
            },
            Input::Plain(stdin) => {
                let mut line = Vec::new();
                match stdin.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return false,
                    Ok(_) => {
                        if line.last() == Some(&b'\n') {
                            line.pop();
                        }
                        line
                    }
                }
            }
        };
        if line.is_empty() {
            continue;
        }
        let remember = |editor_input: &mut Input| {
            if let Input::Terminal(editor) = editor_input {
                let _ = editor.add_history_entry(String::from_utf8_lossy(&line).into_owned());
                if let Some(path) = &history_file {
                    save_history(editor, path);
                }
            }
        };
        let action = parse_line(&line, session.ldb, &mut |words| {
            if !is_sensitive(words) {
                remember(&mut input);
            }
        });
        let action = match action {
            Ok(action) => action,
            Err(message) => {
                emit(message.as_bytes());
                if message.starts_with("Invalid argument") {
                    remember(&mut input);
                }
                continue;
            }
        };
        match action {
            LineAction::Nothing => {}
            LineAction::Quit => std::process::exit(0),
            LineAction::Run(repeat, words) => {
                if run_words(session, &mut input, repeat, words) {
                    return true;
                }
            }
        }
    }
}

/// Splits a line and takes off a leading repeat count; `Err` carries the message to print.
/// `remember` is called with the command words when the line belongs in the history.
fn parse_line(
    line: &[u8],
    debugging: bool,
    remember: &mut dyn FnMut(&[Vec<u8>]),
) -> Result<LineAction, String> {
    let words = match (debugging, ldb_eval(line)) {
        (true, Some(words)) => words,
        _ => scarlet_protocol::split_args(line).ok_or("Invalid argument(s)\n")?,
    };
    let Some(first) = words.first() else {
        return Ok(LineAction::Nothing);
    };
    let mut repeat = 1;
    let mut skip = 0;
    if words.len() > 1 && is_c_long(first) {
        match std::str::from_utf8(first)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
        {
            Some(n) if n > 0 => {
                repeat = n;
                skip = 1;
            }
            _ => return Err("Invalid redis-cli repeat command option value.\n".into()),
        }
    }
    let command = words.get(skip..).unwrap_or_default().to_vec();
    remember(&command);
    let name = command.first().map(|w| w.to_ascii_lowercase());
    if matches!(name.as_deref(), Some(b"quit" | b"exit")) {
        return Ok(LineAction::Quit);
    }
    Ok(LineAction::Run(repeat, command))
}

/// In the Lua debugger, `eval <code>` and `e <code>` pass the code as one argument.
fn ldb_eval(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (name, code) = if let Some(code) = line.strip_prefix(b"eval ") {
        (&b"eval"[..], code)
    } else {
        (&b"e"[..], line.strip_prefix(b"e ")?)
    };
    Some(vec![name.to_vec(), code.to_vec()])
}

/// Whether `strtol` would consume the whole word: optional blanks and sign, then digits.
fn is_c_long(word: &[u8]) -> bool {
    let trimmed = word.trim_ascii_start();
    let digits = trimmed
        .strip_prefix(b"-")
        .or_else(|| trimmed.strip_prefix(b"+"))
        .unwrap_or(trimmed);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Runs one typed command; true when RESTART asks for a new debugging session.
fn run_words(session: &mut Session, input: &mut Input, repeat: i64, words: Vec<Vec<u8>>) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let name = first.to_ascii_lowercase();
    if name.first() == Some(&b':') {
        let mut hints = match input {
            Input::Terminal(editor) => editor.helper_mut().is_some_and(|h| h.hints),
            Input::Plain(_) => true,
        };
        set_preference(&words, true, &mut hints);
        if let Input::Terminal(editor) = input
            && let Some(helper) = editor.helper_mut()
        {
            helper.hints = hints;
        }
    } else if name == b"restart" {
        if session.config.eval.is_some() {
            session.ldb = true;
            session.config.output = Output::Raw;
            return true;
        }
        emit(b"Use 'restart' only in Lua debugging mode.\n");
    } else if words.len() == 3 && name == b"connect" {
        let arg =
            |i: usize| String::from_utf8_lossy(words.get(i).map_or(&[][..], |w| w)).into_owned();
        session.config.host = arg(1);
        session.config.port = (crate::options::c_atoi(arg(2).as_bytes()) & 0xffff) as u16;
        session.connect(true, false);
    } else if words.len() == 1 && name == b"clear" {
        match input {
            Input::Terminal(editor) => {
                let _ = editor.clear_screen();
            }
            Input::Plain(_) => emit(b"\x1b[H\x1b[2J"),
        }
    } else {
        let started = Instant::now();
        session.issue_repeat(&words, repeat);
        if session.ldb_end {
            // The debugger said goodbye; EVAL's own reply follows.
            session.ldb_end = false;
            let _ = session.read_reply(false);
            let rolled_back = if session.config.ldb_sync {
                ""
            } else {
                " -- dataset changes rolled back"
            };
            emit(format!("\n(Lua debugging session ended{rolled_back})\n\n").as_bytes());
            let entries = help::reload(session);
            if let Input::Terminal(editor) = input
                && let Some(helper) = editor.helper_mut()
            {
                helper.entries = entries;
            }
        }
        let elapsed = started.elapsed();
        if elapsed.as_millis() >= 500 && session.config.output == Output::Standard {
            emit(format!("({:.2}s)\n", elapsed.as_secs_f64()).as_bytes());
        }
    }
    false
}

#[cfg(test)]
mod tests;
