//! Command help for the prompt: HELP output, hints and tab completion, built from the
//! server's COMMAND DOCS (with a small built-in table when the server has none).
//!
//! An entry is a command or a `COMMAND SUBCOMMAND` pair with its argument syntax rendered the
//! way redis-cli renders it (`key [EX seconds|PX milliseconds] ...`), plus one entry per
//! `@group`. The table is loaded once per process, lazily. This module does not read lines
//! nor draw anything on the terminal (see `repl`).

use std::sync::Mutex;

use scarlet_protocol::Frame;

use crate::options::VERSION;
use crate::session::{Session, emit};

/// One help entry.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Upper-case words: `["CONFIG", "SET"]`, or `["@string"]` for a group.
    pub words: Vec<String>,
    /// The words joined by a space.
    pub full: String,
    /// Whether this is a group entry.
    pub is_group: bool,
    /// Argument syntax.
    pub params: String,
    /// One-line summary.
    pub summary: String,
    /// First version with the command.
    pub since: Option<String>,
    /// Command group (`string`, `server`...).
    pub group: String,
}

static TABLE: Mutex<Option<Vec<Entry>>> = Mutex::new(None);

/// The help table, loading it through `session` (or the built-in table) on first use.
pub fn entries(session: &mut Session) -> Vec<Entry> {
    if let Ok(table) = TABLE.lock()
        && let Some(entries) = table.as_ref()
    {
        return entries.clone();
    }
    let loaded = load(session);
    if let Ok(mut table) = TABLE.lock() {
        *table = Some(loaded.clone());
    }
    loaded
}

/// Loads the table again (after a Lua debugging session, whose forked server side may
/// have closed the connection: then the next command reconnects).
pub fn reload(session: &mut Session) -> Vec<Entry> {
    let loaded = load(session);
    if let Ok(mut table) = TABLE.lock() {
        *table = Some(loaded.clone());
    }
    loaded
}

/// Loads the table from COMMAND DOCS; the built-in table when that fails.
fn load(session: &mut Session) -> Vec<Entry> {
    let docs = if session.connect(false, true) {
        match session
            .conn
            .as_mut()
            .map(|conn| conn.command(&["COMMAND", "DOCS"]))
        {
            Some(Ok(docs)) => Some(docs),
            Some(Err(_)) => {
                session.conn = None;
                None
            }
            None => None,
        }
    } else {
        None
    };
    let mut entries = Vec::new();
    match docs {
        Some(Frame::Map(pairs)) => {
            for (name, specs) in &pairs {
                add_command(&mut entries, text(name), None, specs);
            }
        }
        Some(Frame::Array(items)) => {
            for pair in items.chunks(2) {
                if let [name, specs] = pair {
                    add_command(&mut entries, text(name), None, specs);
                }
            }
        }
        _ => entries = crate::help_table::builtin(),
    }
    let mut groups: Vec<String> = entries.iter().map(|e| e.group.clone()).collect();
    groups.sort();
    groups.dedup();
    entries.sort_by(|a, b| a.full.cmp(&b.full));
    for group in groups.into_iter().filter(|g| !g.is_empty()) {
        let full = format!("@{group}");
        entries.push(Entry {
            words: vec![full.clone()],
            full,
            is_group: true,
            ..Entry::default()
        });
    }
    entries
}

fn text(frame: &Frame) -> String {
    String::from_utf8_lossy(frame.as_bytes().unwrap_or_default()).into_owned()
}

/// Key/value pairs of a map, or of an array laid out as one (RESP2).
fn pairs(frame: &Frame) -> Vec<(&Frame, &Frame)> {
    match frame {
        Frame::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        Frame::Array(items) => items
            .chunks(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((k, v)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn add_command(entries: &mut Vec<Entry>, name: String, sub: Option<String>, specs: &Frame) {
    let mut words = vec![name.to_uppercase()];
    if let Some(sub) = &sub {
        let tail = sub.split_once('|').map_or(sub.as_str(), |(_, tail)| tail);
        words.push(tail.to_uppercase());
    }
    let mut entry = Entry {
        full: words.join(" "),
        words,
        ..Entry::default()
    };
    let mut subcommands = Vec::new();
    for (key, value) in pairs(specs) {
        match key.as_bytes().unwrap_or_default() {
            b"summary" => entry.summary = text(value),
            b"since" => entry.since = Some(text(value)),
            b"group" => entry.group = text(value),
            b"arguments" => {
                if let Frame::Array(args) = value {
                    entry.params = join_arguments(args, " ");
                }
            }
            b"subcommands" => {
                for (sub_name, sub_specs) in pairs(value) {
                    subcommands.push((text(sub_name), sub_specs));
                }
            }
            _ => {}
        }
    }
    entries.push(entry);
    for (sub_name, sub_specs) in subcommands {
        add_command(entries, name.clone(), Some(sub_name), sub_specs);
    }
}

fn join_arguments(args: &[Frame], separator: &str) -> String {
    args.iter()
        .map(argument)
        .collect::<Vec<_>>()
        .join(separator)
}

fn or_quotes(value: String) -> String {
    if value.is_empty() {
        "\"\"".into()
    } else {
        value
    }
}

/// One argument's syntax: `[TOKEN name [name ...]]` and so on.
fn argument(spec: &Frame) -> String {
    let mut name = String::new();
    let mut kind = String::new();
    let mut token = String::new();
    let (mut optional, mut multiple, mut multiple_token) = (false, false, false);
    let mut nested: &[Frame] = &[];
    for (key, value) in pairs(spec) {
        match key.as_bytes().unwrap_or_default() {
            b"name" => name = text(value),
            b"type" => kind = text(value),
            b"token" => token = or_quotes(text(value)),
            b"arguments" => {
                if let Frame::Array(items) = value {
                    nested = items;
                }
            }
            b"flags" => {
                if let Frame::Set(flags) | Frame::Array(flags) = value {
                    for flag in flags {
                        match flag.as_bytes().unwrap_or_default() {
                            b"optional" => optional = true,
                            b"multiple" => multiple = true,
                            b"multiple_token" => multiple_token = true,
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let repeat = match kind.as_str() {
        "oneof" => join_arguments(nested, "|"),
        "block" => join_arguments(nested, " "),
        "pure-token" => String::new(),
        _ => or_quotes(name),
    };
    if !token.is_empty() && kind != "pure-token" {
        token.push(' ');
    }
    let mut out = String::new();
    if optional {
        out.push('[');
    }
    out.push_str(&token);
    out.push_str(&repeat);
    if multiple {
        out.push_str(" [");
        if multiple_token {
            out.push_str(&token);
        }
        out.push_str(&repeat);
        out.push_str(" ...]");
    }
    if optional {
        out.push(']');
    }
    out
}

fn command_help(entry: &Entry, with_group: bool, out: &mut String) {
    out.push_str(&format!(
        "\r\n  \x1b[1m{}\x1b[0m \x1b[90m{}\x1b[0m\r\n",
        entry.full, entry.params
    ));
    out.push_str(&format!("  \x1b[33msummary:\x1b[0m {}\r\n", entry.summary));
    if let Some(since) = &entry.since {
        out.push_str(&format!("  \x1b[33msince:\x1b[0m {since}\r\n"));
    }
    if with_group {
        out.push_str(&format!("  \x1b[33mgroup:\x1b[0m {}\r\n", entry.group));
    }
}

/// `HELP`, `HELP @group`, `HELP command [subcommand]`.
pub fn print_help(session: &mut Session, args: &[Vec<u8>]) {
    let Some(first) = args.first() else {
        emit(
            format!(
                "redis-cli {VERSION}\n\
                 To get help about Redis commands type:\n      \
                 \"help @<group>\" to get a list of commands in <group>\n      \
                 \"help <command>\" for help on <command>\n      \
                 \"help <tab>\" to get a list of possible help topics\n      \
                 \"quit\" to exit\n\n\
                 To set redis-cli preferences:\n      \
                 \":set hints\" enable online hints\n      \
                 \":set nohints\" disable online hints\n\
                 Set your preferences in ~/.redisclirc\n"
            )
            .as_bytes(),
        );
        return;
    };
    let words: Vec<String> = args
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let group = first.strip_prefix(b"@").map(String::from_utf8_lossy);
    let mut out = String::new();
    for entry in entries(session).iter().filter(|e| !e.is_group) {
        match &group {
            Some(group) => {
                if entry.group.eq_ignore_ascii_case(group) {
                    command_help(entry, false, &mut out);
                }
            }
            None => {
                let matches = words.len() <= entry.words.len()
                    && words
                        .iter()
                        .zip(&entry.words)
                        .all(|(typed, known)| typed.eq_ignore_ascii_case(known));
                if matches {
                    command_help(entry, true, &mut out);
                }
            }
        }
    }
    out.push_str("\r\n");
    emit(out.as_bytes());
}

/// Completions for a typed line: command names (and `@group`s after `help `).
pub fn completions(entries: &[Entry], line: &str) -> Vec<String> {
    let (start, groups_too) = match line.get(..5) {
        Some(head) if head.eq_ignore_ascii_case("help ") => {
            let rest = line.get(5..).unwrap_or_default();
            (line.len() - rest.trim_start().len(), true)
        }
        _ => (0, false),
    };
    let typed = line.get(start..).unwrap_or_default();
    entries
        .iter()
        .filter(|e| groups_too || !e.is_group)
        .filter(|e| {
            e.full
                .get(..typed.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(typed))
        })
        .map(|e| format!("{}{}", line.get(..start).unwrap_or_default(), e.full))
        .collect()
}

/// The hint after a typed line: the arguments not typed yet.
pub fn hint(entries: &[Entry], line: &str) -> Option<String> {
    let typed = scarlet_protocol::split_args(line.as_bytes())?;
    if typed.is_empty() {
        return None;
    }
    let typed: Vec<String> = typed
        .iter()
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    let mut best: Option<&Entry> = None;
    for entry in entries.iter().filter(|e| !e.is_group) {
        let fits = entry.words.len() <= typed.len()
            && entry
                .words
                .iter()
                .zip(&typed)
                .all(|(known, word)| known.eq_ignore_ascii_case(word));
        if fits && best.is_none_or(|b| entry.words.len() > b.words.len()) {
            best = Some(entry);
        }
    }
    let entry = best?;
    let mut params = entry.params.as_str();
    let mut to_remove = typed.len() - entry.words.len();
    while to_remove > 0 && !params.is_empty() {
        if params.starts_with('[') {
            break;
        }
        if params.starts_with(' ') {
            to_remove -= 1;
        }
        params = params.get(1..).unwrap_or_default();
    }
    let ends_with_space = line.ends_with(|c: char| c.is_ascii_whitespace());
    Some(if ends_with_space {
        params.to_string()
    } else {
        format!(" {params}")
    })
}
