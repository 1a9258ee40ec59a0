//! Reading an RDB file (versions 1-12) into fresh databases.
//!
//! The whole file is decoded into new `Db`s, which are returned only when everything,
//! checksum included, is valid: a corrupt file never leaves a half-loaded keyspace.
//! Keys are loaded with their TTLs even when already past; dropping them (as a master
//! does on load) is the caller's decision, since this crate reads no clock. Aux fields
//! are returned for the caller to interpret, and so are function libraries' sources;
//! LRU/LFU hints are skipped. Module data and streams are refused as unsupported.
//! The body is read a record at a time (`read_record`), which the streaming decoder
//! shares: a record changes nothing until it was read whole.

use super::crc64::crc64;
use super::input::{Input, RdbError};
use super::length::read_len;
use super::objects::{LoadLimits, read_object};
use super::string::read_string;
use super::types::*;
use crate::Millis;
use crate::db::Db;
use crate::lru::Access;

/// What a file holds besides keys.
#[derive(Debug, Default)]
pub struct Loaded {
    /// One database per index the caller asked for.
    pub dbs: Vec<Db>,
    /// The aux fields, in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// The file's format version.
    pub version: u32,
    /// Empty collections skipped (Redis skips them rather than failing), and the names
    /// of the first ten, for the log.
    pub empty_keys_skipped: u64,
    /// See `empty_keys_skipped`.
    pub empty_keys: Vec<Vec<u8>>,
    /// Function libraries (FUNCTION2 records), each one's whole source, for the server
    /// to compile.
    pub functions: Vec<Vec<u8>>,
}

/// Decodes `bytes` into `databases` fresh databases.
pub fn read_rdb(bytes: &[u8], databases: usize, limits: &LoadLimits) -> Result<Loaded, RdbError> {
    read_rdb_observed(bytes, databases, limits, &mut |_| {})
}

/// [`read_rdb`], calling `on_key` with the bytes consumed so far after each key (for
/// progress reports and the key-load-delay test knob).
pub fn read_rdb_observed(
    bytes: &[u8],
    databases: usize,
    limits: &LoadLimits,
    on_key: &mut dyn FnMut(usize),
) -> Result<Loaded, RdbError> {
    let mut input = Input::new(bytes);
    let version = read_header(&mut input)?;
    if !limits.skip_checksum {
        verify_checksum(bytes, version)?;
    }
    let loaded = read_body(&mut input, version, databases, limits, on_key)?;
    check_trailer(&mut input, version)?;
    Ok(loaded)
}

/// An RDB image at the start of `bytes` followed by something else: the preamble of
/// an old-style AOF, whose command tail starts at the returned offset. The checksum
/// covers the image only, so it is verified once the image's end is known.
pub fn read_rdb_preamble(
    bytes: &[u8],
    databases: usize,
    limits: &LoadLimits,
    on_key: &mut dyn FnMut(usize),
) -> Result<(Loaded, usize), RdbError> {
    let mut input = Input::new(bytes);
    let version = read_header(&mut input)?;
    let loaded = read_body(&mut input, version, databases, limits, on_key)?;
    let mut end = input.position();
    if version >= 5 {
        let image = bytes.get(..end).ok_or(RdbError::Truncated)?;
        let trailer: [u8; 8] = input.array()?;
        let expected = u64::from_le_bytes(trailer);
        if !limits.skip_checksum && expected != 0 && crc64(0, image) != expected {
            return Err(RdbError::BadChecksum);
        }
        end = input.position();
    }
    Ok((loaded, end))
}

/// Everything between the header and the EOF opcode.
fn read_body(
    input: &mut Input<'_>,
    version: u32,
    databases: usize,
    limits: &LoadLimits,
    on_key: &mut dyn FnMut(usize),
) -> Result<Loaded, RdbError> {
    let mut loaded = Loaded::empty(version, databases);
    let mut cursor = BodyCursor::default();
    while read_record(input, &mut cursor, &mut loaded, limits, on_key)? == Record::More {}
    Ok(loaded)
}

impl Loaded {
    /// Nothing loaded yet, into `databases` fresh databases.
    pub(super) fn empty(version: u32, databases: usize) -> Loaded {
        let mut loaded = Loaded {
            version,
            ..Loaded::default()
        };
        loaded.dbs.resize_with(databases, Db::new);
        loaded
    }
}

/// What the body's records set for the ones after them: the selected database and a
/// pending expiry time.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct BodyCursor {
    db_index: usize,
    expire: Option<Millis>,
}

/// Whether a record was the body's last (the EOF opcode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Record {
    /// More records follow.
    More,
    /// The EOF opcode was read.
    Eof,
}

/// Reads one record (an opcode and what it carries). Nothing in `cursor` or `loaded`
/// changes unless the whole record was read, so a reader fed a stream may retry the
/// record from its start once more bytes have arrived.
pub(super) fn read_record(
    input: &mut Input<'_>,
    cursor: &mut BodyCursor,
    loaded: &mut Loaded,
    limits: &LoadLimits,
    on_key: &mut dyn FnMut(usize),
) -> Result<Record, RdbError> {
    let databases = loaded.dbs.len();
    let opcode = input.u8()?;
    match opcode {
        OPCODE_EOF => return Ok(Record::Eof),
        OPCODE_EXPIRETIME_MS => cursor.expire = Some(i64::from_le_bytes(input.array()?)),
        OPCODE_EXPIRETIME => {
            cursor.expire =
                Some(i64::from(i32::from_le_bytes(input.array()?)).saturating_mul(1000));
        }
        OPCODE_FREQ => {
            input.u8()?;
        }
        OPCODE_IDLE => {
            read_len(input)?;
        }
        OPCODE_SELECTDB => {
            let index = read_len(input)?;
            cursor.db_index = usize::try_from(index)
                .ok()
                .filter(|&i| i < databases)
                .ok_or(RdbError::Corrupt("database index out of range"))?;
        }
        OPCODE_RESIZEDB => {
            // Only a hint; nothing is sized by numbers from the file.
            read_len(input)?;
            read_len(input)?;
        }
        OPCODE_SLOT_INFO => {
            // Slot id and its two sizes: a sizing hint only.
            for _ in 0..3 {
                read_len(input)?;
            }
        }
        OPCODE_AUX => {
            let name = read_string(input)?;
            let value = read_string(input)?;
            loaded.aux.push((name, value));
        }
        OPCODE_MODULE_AUX => return Err(RdbError::Unsupported("module data".into())),
        OPCODE_FUNCTION2 => loaded.functions.push(read_string(input)?),
        OPCODE_FUNCTION => {
            return Err(RdbError::Unsupported(
                "functions in the format of Redis 7.0's release candidates".into(),
            ));
        }
        kind => {
            let key = read_string(input)?;
            let value = read_object(input, kind, limits)?;
            let when = cursor.expire.take();
            on_key(input.position());
            let db = loaded
                .dbs
                .get_mut(cursor.db_index)
                .ok_or(RdbError::Corrupt("database index out of range"))?;
            if value.is_empty_collection() {
                // Redis skips empty collections on load rather than failing.
                if loaded.empty_keys.len() < 10 {
                    loaded.empty_keys.push(key);
                }
                loaded.empty_keys_skipped += 1;
                return Ok(Record::More);
            }
            if !db.insert_with_expire(&key, value, when, &Access::NoTouch) {
                return Err(RdbError::Corrupt("duplicate key"));
            }
        }
    }
    Ok(Record::More)
}

/// "REDIS" and four version digits.
pub(super) fn read_header(input: &mut Input<'_>) -> Result<u32, RdbError> {
    let magic: [u8; 9] = input.array()?;
    let (name, digits) = magic.split_at(5);
    if name != b"REDIS" || !digits.iter().all(u8::is_ascii_digit) {
        return Err(RdbError::Corrupt("wrong signature"));
    }
    let version = digits
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    if version == 0 || version > MAX_READ_VERSION {
        return Err(RdbError::Unsupported(format!("RDB version {version}")));
    }
    Ok(version)
}

/// From version 5 the file ends with EOF and an 8-byte CRC-64 of everything before
/// it; zero means the writer had checksums off. Checked before decoding, so damage is
/// reported as such rather than as whatever a decoder trips over.
fn verify_checksum(bytes: &[u8], version: u32) -> Result<(), RdbError> {
    if version < 5 {
        return Ok(());
    }
    let body_len = bytes.len().checked_sub(8).ok_or(RdbError::Truncated)?;
    let (body, trailer) = bytes.split_at(body_len);
    let expected = u64::from_le_bytes(trailer.try_into().map_err(|_| RdbError::Truncated)?);
    if expected != 0 && crc64(0, body) != expected {
        return Err(RdbError::BadChecksum);
    }
    Ok(())
}

/// After EOF: the checksum (already verified) from version 5, then nothing.
fn check_trailer(input: &mut Input<'_>, version: u32) -> Result<(), RdbError> {
    if version >= 5 {
        input.take(8)?;
    }
    if input.remaining() != 0 {
        return Err(RdbError::Corrupt("data after the end of the file"));
    }
    Ok(())
}
