//! Command errors, and the one function that holds Redis's exact wire text for them.
//!
//! Handlers return `Err(CmdError)`; the dispatcher writes the error reply and counts it in
//! the error statistics. Clients match these strings by prefix (and some by whole text),
//! so they are part of the compatibility contract: change them only to match Redis.

use std::borrow::Cow;

use scarlet_storage::StorageError;

/// What a command handler returns.
pub type CmdResult = Result<(), CmdError>;

/// Every error a command can reply with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdError {
    /// The key holds another type.
    WrongType,
    /// An argument or a stored value is not an integer in range.
    NotInteger,
    /// An argument or a stored value is not a valid float.
    NotFloat,
    /// INCR/DECR would overflow.
    Overflow,
    /// INCRBYFLOAT would produce NaN or infinity.
    NanOrInfinity,
    /// A string would exceed proto-max-bulk-len.
    StringTooLong,
    /// "syntax error".
    Syntax,
    /// "no such key".
    NoSuchKey,
    /// "index out of range".
    OutOfRange,
    /// Wrong number of arguments for the named command (its full name, "config|get").
    WrongArity(String),
    /// "invalid expire time in '<cmd>' command".
    InvalidExpireTime(&'static str),
    /// "DB index is out of range".
    DbIndexOutOfRange,
    /// "source and destination objects are the same".
    SameObject,
    /// "NOAUTH Authentication required."
    NoAuth,
    /// "WRONGPASS invalid username-password pair or user is disabled."
    WrongPass,
    /// A string that is not a HyperLogLog, given to a PF command.
    NotHll,
    /// RESTORE (or MIGRATE's target) onto an existing key without REPLACE.
    BusyKey,
    /// A HyperLogLog whose sparse representation is corrupt.
    CorruptHll,
    /// Over maxmemory with nothing to evict, for a command that may add memory.
    Oom,
    /// A command that needs the dataset while it is still loading.
    Loading,
    /// A write refused because the last background save failed.
    Misconf,
    /// A write refused because writing the AOF failed (the OS error's text).
    MisconfAof(String),
    /// A write refused for lack of good replicas (min-replicas-to-write).
    NoReplicas,
    /// The bare "ERR" Redis sends when a save failed (details are in the log).
    BareErr,
    /// Any other error in the ERR class: the text after "ERR ".
    Err(Cow<'static, str>),
    /// An error with its own code: the whole text, code included ("NOPROTO ...").
    Coded(Cow<'static, str>),
}

impl CmdError {
    /// An `ERR` error with this text.
    pub fn err(text: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Err(text.into())
    }

    /// An error with its own code; `text` starts with the code.
    pub fn coded(text: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Coded(text.into())
    }

    /// The error line as sent after '-', without CRLF.
    pub fn wire_text(&self) -> Cow<'static, str> {
        let text = match self {
            CmdError::WrongType => {
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            }
            CmdError::NotInteger => "ERR value is not an integer or out of range",
            CmdError::NotFloat => "ERR value is not a valid float",
            CmdError::Overflow => "ERR increment or decrement would overflow",
            CmdError::NanOrInfinity => "ERR increment would produce NaN or Infinity",
            CmdError::StringTooLong => {
                "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
            }
            CmdError::Syntax => "ERR syntax error",
            CmdError::NoSuchKey => "ERR no such key",
            CmdError::OutOfRange => "ERR index out of range",
            CmdError::DbIndexOutOfRange => "ERR DB index is out of range",
            CmdError::SameObject => "ERR source and destination objects are the same",
            CmdError::NoAuth => "NOAUTH Authentication required.",
            CmdError::NotHll => "WRONGTYPE Key is not a valid HyperLogLog string value.",
            CmdError::CorruptHll => "INVALIDOBJ Corrupted HLL object detected",
            CmdError::BusyKey => "BUSYKEY Target key name already exists.",
            CmdError::WrongPass => "WRONGPASS invalid username-password pair or user is disabled.",
            CmdError::Oom => "OOM command not allowed when used memory > 'maxmemory'.",
            CmdError::Loading => "LOADING Redis is loading the dataset in memory",
            CmdError::Misconf => {
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
            }
            CmdError::MisconfAof(reason) => {
                return Cow::Owned(format!("MISCONF Errors writing to the AOF file: {reason}"));
            }
            CmdError::NoReplicas => "NOREPLICAS Not enough good replicas to write.",
            CmdError::BareErr => "ERR",
            CmdError::WrongArity(name) => {
                return Cow::Owned(format!(
                    "ERR wrong number of arguments for '{name}' command"
                ));
            }
            CmdError::InvalidExpireTime(cmd) => {
                return Cow::Owned(format!("ERR invalid expire time in '{cmd}' command"));
            }
            CmdError::Err(text) => return Cow::Owned(format!("ERR {text}")),
            CmdError::Coded(text) => return text.clone(),
        };
        Cow::Borrowed(text)
    }
}

impl From<StorageError> for CmdError {
    fn from(e: StorageError) -> CmdError {
        match e {
            StorageError::WrongType => CmdError::WrongType,
            StorageError::NotInteger => CmdError::NotInteger,
            StorageError::NotFloat => CmdError::NotFloat,
            StorageError::Overflow => CmdError::Overflow,
            StorageError::NanOrInfinity => CmdError::NanOrInfinity,
            StorageError::StringTooLong => CmdError::StringTooLong,
            StorageError::ScoreNan => CmdError::err("resulting score is not a number (NaN)"),
            StorageError::TooManyMembers => {
                CmdError::err("sorted set has reached its maximum number of members")
            }
            StorageError::Corrupt => CmdError::err("Bad data format"),
        }
    }
}

/// The error code Redis counts an error under in INFO errorstats: the text before the first
/// space when that space is within the first 32 bytes of the line, else "ERR" (Redis's
/// `afterErrorReply` bounds its search the same way).
pub fn error_code(line: &str) -> &str {
    let head = line.as_bytes().iter().take(32).position(|&b| b == b' ');
    match head.and_then(|end| line.get(..end)) {
        Some(code) => code,
        None => "ERR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_redis() {
        assert_eq!(
            CmdError::WrongArity("get".into()).wire_text(),
            "ERR wrong number of arguments for 'get' command"
        );
        assert_eq!(
            CmdError::InvalidExpireTime("set").wire_text(),
            "ERR invalid expire time in 'set' command"
        );
        assert_eq!(
            CmdError::err("syntax error").wire_text(),
            "ERR syntax error"
        );
        assert_eq!(
            CmdError::coded("NOPROTO unsupported protocol version").wire_text(),
            "NOPROTO unsupported protocol version"
        );
        assert_eq!(error_code("WRONGTYPE Operation"), "WRONGTYPE");
    }
}
