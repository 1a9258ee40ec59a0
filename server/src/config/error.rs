//! Errors of loading the configuration, formatted exactly as Redis reports them.
//!
//! The server prints nothing of its own for these: it writes `Display` where Redis
//! writes (see each variant) and exits with status 1.

use std::fmt;

/// Why the configuration could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A bad line or value. Redis writes the `Display` text (a whole block starting
    /// with a newline) to standard error and exits with status 1.
    Fatal {
        /// 1-based line number within the text being parsed (the file, or the file
        /// plus standard input plus the command-line options), and the line as read
        /// (trimmed). `None` for the checks made after all lines were read.
        line: Option<(usize, Vec<u8>)>,
        /// Redis's reason text.
        reason: String,
    },
    /// A config file (the main one, an `include`d one or a glob match) could not be
    /// opened. Redis logs the `Display` text at WARNING level ("#" in the log) and
    /// exits with status 1.
    CantOpen {
        /// The file name as Redis shows it (absolute for the main file, as written
        /// for an include).
        path: String,
        /// The OS error text (`strerror`).
        reason: String,
    },
}

impl ConfigError {
    pub(crate) fn at_line(linenum: usize, line: &[u8], reason: impl Into<String>) -> ConfigError {
        ConfigError::Fatal {
            line: Some((linenum, line.to_vec())),
            reason: reason.into(),
        }
    }

    pub(crate) fn global(reason: impl Into<String>) -> ConfigError {
        ConfigError::Fatal {
            line: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Fatal { line, reason } => {
                writeln!(f)?;
                writeln!(f, "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***")?;
                if let Some((n, text)) = line {
                    writeln!(f, "Reading the configuration file, at line {n}")?;
                    writeln!(f, ">>> '{}'", String::from_utf8_lossy(text))?;
                }
                writeln!(f, "{reason}")
            }
            ConfigError::CantOpen { path, reason } => {
                write!(f, "Fatal error, can't open config file '{path}': {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}
