//! DUMP payloads: one value in RDB encoding with a version and checksum footer, the
//! format DUMP produces and RESTORE and MIGRATE consume.
//!
//! Layout, as Redis's `createDumpPayload` writes it: the RDB type byte, the value body,
//! the RDB version (2 bytes, little-endian) and the CRC-64 of everything before it
//! (8 bytes, little-endian). This module owns only the byte format; the key, its TTL and
//! the access-time options of RESTORE are the server's business.
//!
//! Reading accepts exactly what Redis 7.0 accepts: a version up to 10 and the object
//! types Redis 7.0 knows. Every value is decoded through the same bounds-checked reader
//! as RDB files (blobs validated deeply whatever `sanitize-dump-payload` says), so a
//! corrupt payload is an error and never a panic.

use super::crc64::crc64;
use super::input::Input;
use super::objects::{LoadLimits, read_object};
use super::types::{TYPE_STREAM_LISTPACKS_2, WRITE_VERSION};
use super::writer::{type_byte, write_value};
use crate::value::Value;

/// Footer size: 2 bytes of version and 8 of checksum.
const FOOTER_LEN: usize = 10;

/// Why a payload was refused, in the two ways RESTORE tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadError {
    /// The footer is missing, names a newer version, or the checksum does not match.
    VersionOrChecksum,
    /// The footer is fine but the value cannot be decoded.
    BadFormat,
}

/// The DUMP payload of `value`, long strings LZF-compressed when `compress`
/// (rdbcompression).
pub fn dump_payload(value: &Value, compress: bool) -> Vec<u8> {
    let mut out = vec![type_byte(value)];
    write_value(&mut out, value, compress);
    out.extend_from_slice(&(WRITE_VERSION as u16).to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks the footer as Redis's `verifyDumpPayload` does: at least 10 bytes, a version
/// no newer than ours, and (unless `check_crc` is false, DEBUG
/// SET-SKIP-CHECKSUM-VALIDATION) a matching checksum.
pub fn verify_payload(bytes: &[u8], check_crc: bool) -> Result<(), PayloadError> {
    let body_len = bytes
        .len()
        .checked_sub(FOOTER_LEN)
        .ok_or(PayloadError::VersionOrChecksum)?;
    let (body, footer) = bytes.split_at(body_len);
    let (version, crc) = footer.split_at(2);
    let version = u16::from_le_bytes(
        version
            .try_into()
            .map_err(|_| PayloadError::VersionOrChecksum)?,
    );
    if u32::from(version) > WRITE_VERSION {
        return Err(PayloadError::VersionOrChecksum);
    }
    if !check_crc {
        return Ok(());
    }
    let expected = u64::from_le_bytes(
        crc.try_into()
            .map_err(|_| PayloadError::VersionOrChecksum)?,
    );
    // The checksum covers the body and the version bytes.
    let covered = bytes.get(..body_len + 2).unwrap_or(body);
    if crc64(0, covered) != expected {
        return Err(PayloadError::VersionOrChecksum);
    }
    Ok(())
}

/// Decodes a payload whose footer [`verify_payload`] accepted: the type byte and the
/// value that follows, under `limits`. As in Redis, the value is read from the whole
/// payload, footer included (a value may run into it), and whatever follows the value
/// is ignored. Empty collections are refused, as Redis 7.0 refuses them on RESTORE.
pub fn read_payload(bytes: &[u8], limits: &LoadLimits) -> Result<Value, PayloadError> {
    let mut input = Input::new(bytes);
    let kind = input.u8().map_err(|_| PayloadError::BadFormat)?;
    if !is_redis7_object_type(kind) {
        return Err(PayloadError::BadFormat);
    }
    let value = read_object(&mut input, kind, limits).map_err(|_| PayloadError::BadFormat)?;
    if is_empty(&value) {
        return Err(PayloadError::BadFormat);
    }
    Ok(value)
}

/// Object types 0-7 and 9-19: the ones Redis 7.0's `rdbLoadObjectType` accepts (the
/// listpack set, type 20, came with 7.2 and its RDB version 11).
fn is_redis7_object_type(kind: u8) -> bool {
    kind <= TYPE_STREAM_LISTPACKS_2 && kind != 8
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Str(_) => false,
        Value::List(l) => l.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::Zset(z) => z.is_empty(),
        Value::Hash(h) => h.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::string::StrValue;

    /// `DUMP` of the string "hello" on redis-server 7.0.15.
    const REDIS_HELLO: &[u8] = b"\x00\x05hello\x0a\x00cr\xdfve4 \x0a";

    #[test]
    fn string_payload_matches_redis() {
        let value = Value::Str(StrValue::from_bytes(b"hello"));
        assert_eq!(dump_payload(&value, true), REDIS_HELLO);
    }

    #[test]
    fn redis_payload_reads_back() {
        assert_eq!(verify_payload(REDIS_HELLO, true), Ok(()));
        let value = read_payload(REDIS_HELLO, &LoadLimits::default());
        assert!(matches!(value, Ok(Value::Str(s)) if s.len() == 5));
    }

    #[test]
    fn footer_checks() {
        assert_eq!(
            verify_payload(b"short", true),
            Err(PayloadError::VersionOrChecksum)
        );
        let mut bad_crc = REDIS_HELLO.to_vec();
        if let Some(last) = bad_crc.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            verify_payload(&bad_crc, true),
            Err(PayloadError::VersionOrChecksum)
        );
        assert_eq!(verify_payload(&bad_crc, false), Ok(()));
        let mut newer = REDIS_HELLO.to_vec();
        if let Some(v) = newer.get_mut(REDIS_HELLO.len() - 10) {
            *v = 11;
        }
        assert_eq!(
            verify_payload(&newer, false),
            Err(PayloadError::VersionOrChecksum)
        );
    }

    #[test]
    fn unknown_types_and_garbage_are_bad_format() {
        let limits = LoadLimits::default();
        for body in [&b"\x14\x01\x00"[..], b"\x08", b"", b"\x00\x40"] {
            let mut payload = body.to_vec();
            payload.extend_from_slice(&[10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            assert_eq!(
                read_payload(&payload, &limits),
                Err(PayloadError::BadFormat)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Random bytes, given a valid footer so the decoders meet them: an error or a
        /// value, never a panic.
        #[test]
        fn random_payloads_never_panic(
            kind in 0u8..=21,
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let mut payload = vec![kind];
            payload.extend_from_slice(&body);
            payload.extend_from_slice(&(WRITE_VERSION as u16).to_le_bytes());
            let crc = crc64(0, &payload);
            payload.extend_from_slice(&crc.to_le_bytes());
            proptest::prop_assert_eq!(verify_payload(&payload, true), Ok(()));
            let _ = read_payload(&payload, &LoadLimits::default());
            let _ = read_payload(&body, &LoadLimits::default());
        }
    }
}
