//! Argument parsing shared by the command families, with Redis's error for each failure
//! (its `get*FromObjectOrReply` functions).

use scarlet_storage::number::parse_i64;

use crate::error::CmdError;

/// An integer argument (`getLongLongFromObjectOrReply`).
pub fn int(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// An integer argument that must fit C's `int` (`getIntFromObjectOrReply`): a number
/// outside that range gets Redis's range error, not the integer error.
pub fn int32(arg: &[u8]) -> Result<i32, CmdError> {
    let n = int(arg)?;
    i32::try_from(n).map_err(|_| {
        CmdError::err(format!(
            "value is out of range, value must between {} and {}",
            i32::MIN,
            i32::MAX
        ))
    })
}

/// An integer argument with a custom error text for a non-integer (Redis's `msg` variant).
pub fn int_or(arg: &[u8], message: &'static str) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::Err(message.into()))
}

/// An argument as Redis's `%s` prints it in a message: up to its first NUL byte, since
/// the argument is handed on as a C string.
pub fn c_str(arg: &[u8]) -> std::borrow::Cow<'_, str> {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    String::from_utf8_lossy(arg.get(..end).unwrap_or_default())
}

/// A case-insensitive keyword comparison.
pub fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_strings_stop_at_nul() {
        assert_eq!(c_str(b"ab\0cd"), "ab");
        assert_eq!(c_str(b"\0"), "");
        assert_eq!(c_str(b"abc"), "abc");
    }

    #[test]
    fn integers_follow_string2ll() {
        assert_eq!(int(b"-12"), Ok(-12));
        assert_eq!(int(b"+1"), Err(CmdError::NotInteger));
        assert_eq!(int(b" 1"), Err(CmdError::NotInteger));
        assert_eq!(
            int32(b"2147483648"),
            Err(CmdError::err(
                "value is out of range, value must between -2147483648 and 2147483647"
            ))
        );
        assert_eq!(int32(b"99999999999999999999"), Err(CmdError::NotInteger));
        assert_eq!(int32(b"-2147483648"), Ok(i32::MIN));
    }
}
