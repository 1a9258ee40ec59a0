//! The storage crate's error type.
//!
//! It owns the list of ways a storage operation can refuse its input. It deliberately
//! holds no wire text: the server maps each variant to Redis's exact reply in one place.

use std::fmt;

/// Why a storage operation refused its input. Nothing was changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The key holds a value of another type than the operation needs.
    WrongType,
    /// A value or argument is not a 64-bit integer as Redis's `string2ll` parses it.
    NotInteger,
    /// A value or argument is not a valid float as Redis's `string2d`/`string2ld` parse it.
    NotFloat,
    /// An integer increment or decrement would leave the 64-bit range.
    Overflow,
    /// A float increment would produce NaN or an infinity.
    NanOrInfinity,
    /// The resulting string would be longer than the caller's limit (proto-max-bulk-len).
    StringTooLong,
    /// Serialized data (an RDB file, a DUMP payload) is not well formed.
    Corrupt,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Short internal descriptions for logs; the wire text lives in the server.
        let text = match self {
            StorageError::WrongType => "wrong type",
            StorageError::NotInteger => "not an integer",
            StorageError::NotFloat => "not a float",
            StorageError::Overflow => "integer overflow",
            StorageError::NanOrInfinity => "NaN or infinity",
            StorageError::StringTooLong => "string too long",
            StorageError::Corrupt => "corrupt data",
        };
        f.write_str(text)
    }
}

impl std::error::Error for StorageError {}
