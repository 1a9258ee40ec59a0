//! Logging in Redis's line format, to stdout or the `logfile`.
//!
//! `pid:R dd Mon yyyy hh:mm:ss.mmm L message`: R is the role (M master, S replica, X
//! sentinel, C child) and L the level (`.` debug, `-` verbose, `*` notice, `#` warning).
//! Tools and test harnesses grep these lines, so the format and the key messages are part of
//! the compatibility contract. Like Redis, the file is opened for every line, so log
//! rotation needs no signal.

use std::io::Write;
use std::sync::RwLock;

use crate::clock::{local_time, unix_ms};

/// Log levels, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// debug
    Debug,
    /// verbose
    Verbose,
    /// notice
    Notice,
    /// warning
    Warning,
    /// nothing: the loglevel that logs nothing (Redis 7.2's; accepted by DEBUG-only paths).
    Nothing,
}

impl Level {
    /// The level for the `loglevel` directive.
    pub fn from_config(level: crate::config::LogLevel) -> Level {
        use crate::config::LogLevel;
        match level {
            LogLevel::Debug => Level::Debug,
            LogLevel::Verbose => Level::Verbose,
            LogLevel::Notice => Level::Notice,
            LogLevel::Warning => Level::Warning,
        }
    }

    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning | Level::Nothing => '#',
        }
    }
}

struct Settings {
    level: Level,
    file: Option<String>,
    role: char,
}

static SETTINGS: RwLock<Settings> = RwLock::new(Settings {
    level: Level::Notice,
    file: None,
    role: 'M',
});

/// Sets the threshold and destination (an empty `logfile` means stdout).
pub fn configure(level: Level, logfile: &str) {
    if let Ok(mut s) = SETTINGS.write() {
        s.level = level;
        s.file = (!logfile.is_empty()).then(|| logfile.to_string());
    }
}

/// Sets the role character (M, S, X or C).
pub fn set_role(role: char) {
    if let Ok(mut s) = SETTINGS.write() {
        s.role = role;
    }
}

/// Whether a message at `level` would be written (to skip formatting costly messages).
pub fn enabled(level: Level) -> bool {
    SETTINGS
        .read()
        .map(|s| level >= s.level && s.level != Level::Nothing)
        .unwrap_or(false)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Redis truncates a formatted message at 1024 bytes including its terminator.
const MAX_MESSAGE: usize = 1023;

/// Formats one line as Redis does.
pub fn format_line(pid: u32, role: char, now_ms: i64, level: Level, message: &str) -> String {
    let t = local_time(now_ms.div_euclid(1000));
    let month = usize::try_from(t.month)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .unwrap_or(&"Jan");
    let mut cut = message.len().min(MAX_MESSAGE);
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{pid}:{role} {:02} {month} {} {:02}:{:02}:{:02}.{:03} {} {}\n",
        t.day,
        t.year,
        t.hour,
        t.minute,
        t.second,
        now_ms.rem_euclid(1000),
        level.mark(),
        message.get(..cut).unwrap_or(message),
    )
}

/// Writes a message if `level` passes the threshold.
pub fn log(level: Level, message: &str) {
    let Ok(settings) = SETTINGS.read() else {
        return;
    };
    if level < settings.level || settings.level == Level::Nothing {
        return;
    }
    let line = format_line(std::process::id(), settings.role, unix_ms(), level, message);
    write_raw(settings.file.as_deref(), &line);
}

/// Writes text as is (the start-up logo, crash reports), whatever the level.
pub fn raw(text: &str) {
    let file = SETTINGS.read().ok().and_then(|s| s.file.clone());
    write_raw(file.as_deref(), text);
}

fn write_raw(file: Option<&str>, text: &str) {
    match file {
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
        Some(path) => {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = f.write_all(text.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        let line = format_line(
            42,
            'M',
            1_000_123,
            Level::Notice,
            "Ready to accept connections",
        );
        let re_ok = line.starts_with("42:M ")
            && line.ends_with(" * Ready to accept connections\n")
            && line.contains(".123 ");
        assert!(re_ok, "{line}");
        // "dd Mon yyyy hh:mm:ss.mmm"
        let stamp = &line[5..29];
        assert_eq!(stamp.len(), 24, "{stamp}");
        assert_eq!(&stamp[2..3], " ");
        assert_eq!(&stamp[6..7], " ");
    }

    #[test]
    fn long_messages_are_cut() {
        let msg = "é".repeat(1000);
        let line = format_line(1, 'M', 0, Level::Warning, &msg);
        assert!(line.len() < 1100);
    }
}
