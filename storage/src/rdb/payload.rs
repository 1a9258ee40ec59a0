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

use super::blob_checks::{ziplist_is_valid, zipmap_is_valid};
use super::crc64::crc64;
use super::input::{Input, RdbError};
use super::length::read_len;
use super::objects::{LoadLimits, read_object};
use super::string::read_string;
use super::types::*;
use super::writer::{type_byte, write_value};
use crate::value::Value;

/// Footer size: 2 bytes of version and 8 of checksum.
const FOOTER_LEN: usize = 10;

/// Why a payload was refused, in the two ways RESTORE tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadError {
    /// The footer is missing, names a newer version, or the checksum does not match.
    VersionOrChecksum,
    /// The footer is fine but the value cannot be decoded; the text says why, in
    /// Redis's words where Redis has some ("Ziplist integrity check failed.").
    BadFormat(&'static str),
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
    let kind = input
        .u8()
        .map_err(|_| PayloadError::BadFormat(SHORT_PAYLOAD))?;
    if !is_redis7_object_type(kind) {
        return Err(PayloadError::BadFormat("Unknown RDB encoding type"));
    }
    check_old_blobs(&mut input.clone(), kind).map_err(PayloadError::BadFormat)?;
    let value = read_object(&mut input, kind, limits)
        .map_err(|e| PayloadError::BadFormat(failure_text(kind, &e)))?;
    if is_empty(&value) {
        return Err(PayloadError::BadFormat("Empty keys are not allowed"));
    }
    Ok(value)
}

const SHORT_PAYLOAD: &str = "Unexpected end of the payload";

/// The checks Redis applies to ziplists and zipmaps and the shared decoder does not
/// (header fields, previous-entry lengths), plus quicklist nodes that are empty. Runs
/// ahead of decoding, over the value's structure.
fn check_old_blobs(input: &mut Input<'_>, kind: u8) -> Result<(), &'static str> {
    let blob = |input: &mut Input<'_>| read_string(input).map_err(|_| SHORT_PAYLOAD);
    match kind {
        TYPE_HASH_ZIPMAP if !zipmap_is_valid(&blob(input)?) => {
            Err("Zipmap integrity check failed.")
        }
        TYPE_LIST_ZIPLIST if !ziplist_is_valid(&blob(input)?) => {
            Err("List ziplist integrity check failed.")
        }
        TYPE_ZSET_ZIPLIST if !ziplist_is_valid(&blob(input)?) => {
            Err("Zset ziplist integrity check failed.")
        }
        TYPE_HASH_ZIPLIST if !ziplist_is_valid(&blob(input)?) => {
            Err("Hash ziplist integrity check failed.")
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = read_len(input).map_err(|_| SHORT_PAYLOAD)?;
            for _ in 0..nodes {
                if kind == TYPE_LIST_QUICKLIST_2 {
                    read_len(input).map_err(|_| SHORT_PAYLOAD)?;
                }
                let node = blob(input)?;
                if node.is_empty() {
                    return Err("Quicklist integrity check failed.");
                }
                if kind == TYPE_LIST_QUICKLIST && !ziplist_is_valid(&node) {
                    return Err("Ziplist integrity check failed.");
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Redis's words for why a value of type `kind` could not be loaded.
fn failure_text(kind: u8, error: &RdbError) -> &'static str {
    match (kind, error) {
        (_, RdbError::Truncated) => SHORT_PAYLOAD,
        (TYPE_LIST_QUICKLIST_2, _) => "Listpack integrity check failed.",
        (TYPE_HASH_LISTPACK, _) => "Hash listpack integrity check failed.",
        (TYPE_ZSET_LISTPACK, _) => "Zset listpack integrity check failed.",
        (TYPE_SET_INTSET, _) => "Intset integrity check failed.",
        (TYPE_LIST_QUICKLIST, _) => "Ziplist integrity check failed.",
        (TYPE_LIST_ZIPLIST, _) => "List ziplist integrity check failed.",
        (TYPE_ZSET_ZIPLIST, _) => "Zset ziplist integrity check failed.",
        (TYPE_HASH_ZIPLIST, _) => "Hash ziplist integrity check failed.",
        (TYPE_HASH_ZIPMAP, _) => "Zipmap integrity check failed.",
        (TYPE_SET, _) => "Duplicate set members detected",
        (TYPE_HASH, _) => "Duplicate hash fields detected",
        (TYPE_ZSET | TYPE_ZSET_2, RdbError::Corrupt("invalid sorted set score")) => {
            "Zset with NAN score detected"
        }
        (TYPE_ZSET | TYPE_ZSET_2, _) => "Duplicate zset fields detected",
        (TYPE_MODULE | TYPE_MODULE_2, _) => "Module values are not supported",
        (TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2, _) => "Streams are not supported",
        _ => "Bad data format",
    }
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
            assert!(matches!(
                read_payload(&payload, &limits),
                Err(PayloadError::BadFormat(_))
            ));
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
