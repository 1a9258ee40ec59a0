//! FUNCTION DUMP / RESTORE payloads, in Redis's DUMP format: for each library the RDB
//! opcode FUNCTION2 and its code as an RDB string, then the RDB version (2 bytes, little
//! endian) and a CRC64 of everything before it (8 bytes, little endian), so payloads move
//! between Scarlet and Redis both ways.

use scarlet_storage::rdb::Input;
use scarlet_storage::rdb::crc64::crc64;
use scarlet_storage::rdb::string::{read_string, write_string};
use scarlet_storage::rdb::types::OPCODE_FUNCTION2;

/// The RDB version written in the trailer (Redis 7.0's).
const RDB_VERSION: u16 = 10;

/// A payload holding these library sources.
pub fn dump<'a>(codes: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        write_string(&mut out, code, true);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Why a payload was refused (Redis's error texts).
#[derive(Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// Bad trailer: "DUMP payload version or checksum are wrong".
    Trailer,
    /// Not a FUNCTION2 opcode: "given type is not a function".
    NotFunction,
    /// A string that cannot be read: "can not read data type".
    Unreadable,
}

/// The library sources in a payload.
pub fn restore(payload: &[u8]) -> Result<Vec<Vec<u8>>, PayloadError> {
    let Some(body_len) = payload.len().checked_sub(10) else {
        return Err(PayloadError::Trailer);
    };
    let (body, trailer) = payload.split_at(body_len);
    let (version, crc) = trailer.split_at(2);
    let version = u16::from_le_bytes([
        version.first().copied().unwrap_or(0),
        version.get(1).copied().unwrap_or(0),
    ]);
    let mut crc_bytes = [0u8; 8];
    crc_bytes.copy_from_slice(crc);
    let expected = u64::from_le_bytes(crc_bytes);
    if version > 10
        || (expected != 0 && crc64(0, payload.get(..body_len + 2).unwrap_or_default()) != expected)
    {
        return Err(PayloadError::Trailer);
    }
    let mut input = Input::new(body);
    let mut codes = Vec::new();
    while input.remaining() > 0 {
        let opcode = input.u8().map_err(|_| PayloadError::Unreadable)?;
        if opcode != OPCODE_FUNCTION2 {
            return Err(PayloadError::NotFunction);
        }
        let code = read_string(&mut input).map_err(|_| PayloadError::Unreadable)?;
        codes.push(code);
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let payload = dump([b"#!lua name=a\nx".as_slice(), b"#!lua name=b\ny".as_slice()]);
        assert_eq!(
            restore(&payload),
            Ok(vec![
                b"#!lua name=a\nx".to_vec(),
                b"#!lua name=b\ny".to_vec()
            ])
        );
        let mut bad = payload.clone();
        if let Some(last) = bad.last_mut() {
            *last ^= 1;
        }
        assert_eq!(restore(&bad), Err(PayloadError::Trailer));
        assert_eq!(restore(b"short"), Err(PayloadError::Trailer));
    }
}
