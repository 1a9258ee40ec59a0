//! Writing databases as an RDB version 10 file, as Redis 7.0 writes it.
//!
//! Layout: "REDIS0010", aux fields, then for each non-empty database SELECTDB, RESIZEDB
//! and its keys (an optional EXPIRETIME_MS, the type byte, the key, the value), then
//! EOF and the CRC-64 of everything before it (8 bytes, little-endian). Compact
//! encodings (listpack, intset) are written as their bytes, which are Redis's layout.
//! Function libraries (FUNCTION2 records) come after the aux fields. It deliberately
//! writes no LRU/LFU data or modules.

use super::crc64::crc64;
use super::double::write_binary_double;
use super::length::write_len;
use super::string::{write_int_string, write_string};
use super::types::*;
use crate::db::Db;
use crate::string::IntBuf;
use crate::value::Value;
use crate::{HashValue, ListValue, SetValue, ZsetValue};

/// What the writer needs from outside the databases.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Unix time in seconds, for the `ctime` aux field.
    pub ctime: i64,
    /// Memory in use, for the `used-mem` aux field.
    pub used_mem: i64,
    /// Whether this file is the base of an AOF (the `aof-base` aux field).
    pub aof_base: bool,
    /// LZF-compress long strings (rdbcompression).
    pub compress: bool,
    /// Append the CRC-64; otherwise 8 zero bytes, as Redis with rdbchecksum off.
    pub checksum: bool,
    /// Replication info (the `repl-stream-db`, `repl-id` and `repl-offset` aux fields),
    /// so a restarted replica can continue partially.
    pub repl: Option<ReplAux>,
}

/// The replication state a file records, as Redis's `rdbSaveInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplAux {
    /// The database the replication stream had selected.
    pub stream_db: i64,
    /// The replication id (40 hex digits).
    pub replid: [u8; 40],
    /// The replication offset.
    pub offset: i64,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            ctime: 0,
            used_mem: 0,
            aof_base: false,
            compress: true,
            checksum: true,
            repl: None,
        }
    }
}

/// The RDB file for `dbs`, where each database's index is its position.
pub fn write_rdb<'a>(dbs: impl IntoIterator<Item = &'a Db>, options: &WriteOptions) -> Vec<u8> {
    write_rdb_with_functions(dbs, &[], options)
}

/// [`write_rdb`] with function libraries (each one's whole source), which Redis 7.0
/// writes after the aux fields, before the databases.
pub fn write_rdb_with_functions<'a>(
    dbs: impl IntoIterator<Item = &'a Db>,
    libraries: &[&[u8]],
    options: &WriteOptions,
) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, options);
    write_functions(&mut out, libraries);
    for (index, db) in dbs.into_iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        write_db_header(&mut out, index as u64, db.len(), db.expires_len());
        for (key, value, expire) in db.iter_with_expire() {
            write_record(&mut out, key.as_bytes(), value, expire, options.compress);
        }
    }
    write_eof(&mut out);
    let crc = if options.checksum { crc64(0, &out) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The file's start: "REDIS0010" and the aux fields Redis 7.0 writes.
pub fn write_header(out: &mut Vec<u8>, options: &WriteOptions) {
    out.extend_from_slice(format!("REDIS{WRITE_VERSION:04}").as_bytes());
    write_aux(out, b"redis-ver", b"7.0.15");
    write_aux_int(out, b"redis-bits", 64);
    write_aux_int(out, b"ctime", options.ctime);
    write_aux_int(out, b"used-mem", options.used_mem);
    if let Some(repl) = &options.repl {
        write_aux_int(out, b"repl-stream-db", repl.stream_db);
        write_aux(out, b"repl-id", &repl.replid);
        write_aux_int(out, b"repl-offset", repl.offset);
    }
    write_aux_int(out, b"aof-base", i64::from(options.aof_base));
}

/// One FUNCTION2 record per library: its source as an RDB string.
pub fn write_functions(out: &mut Vec<u8>, libraries: &[&[u8]]) {
    for code in libraries {
        out.push(OPCODE_FUNCTION2);
        write_string(out, code, false);
    }
}

/// A database's section start: SELECTDB and the RESIZEDB sizing hint.
pub fn write_db_header(out: &mut Vec<u8>, index: u64, keys: usize, expires: usize) {
    out.push(OPCODE_SELECTDB);
    write_len(out, index);
    out.push(OPCODE_RESIZEDB);
    write_len(out, keys as u64);
    write_len(out, expires as u64);
}

/// One key: its TTL if any, type byte, name and value.
pub fn write_record(
    out: &mut Vec<u8>,
    key: &[u8],
    value: &Value,
    expire: Option<crate::Millis>,
    compress: bool,
) {
    if let Some(when) = expire {
        out.push(OPCODE_EXPIRETIME_MS);
        out.extend_from_slice(&when.to_le_bytes());
    }
    out.push(type_byte(value));
    write_string(out, key, compress);
    write_value(out, value, compress);
}

/// The EOF opcode; the caller appends the 8-byte checksum of everything up to it.
pub fn write_eof(out: &mut Vec<u8>) {
    out.push(OPCODE_EOF);
}

fn write_aux(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(OPCODE_AUX);
    write_string(out, name, false);
    write_string(out, value, false);
}

fn write_aux_int(out: &mut Vec<u8>, name: &[u8], value: i64) {
    out.push(OPCODE_AUX);
    write_string(out, name, false);
    write_int_string(out, value);
}

/// The type byte Redis 7.0 writes for a value's encoding.
pub fn type_byte(value: &Value) -> u8 {
    match value {
        Value::Str(_) => TYPE_STRING,
        Value::List(_) => TYPE_LIST_QUICKLIST_2,
        Value::Set(s) if s.intset_bytes().is_some() => TYPE_SET_INTSET,
        Value::Set(_) => TYPE_SET,
        Value::Zset(z) if z.as_listpack().is_some() => TYPE_ZSET_LISTPACK,
        Value::Zset(_) => TYPE_ZSET_2,
        Value::Hash(h) if h.as_listpack().is_some() => TYPE_HASH_LISTPACK,
        Value::Hash(_) => TYPE_HASH,
    }
}

/// A value's body, after its type byte and key (also the body of a DUMP payload).
pub fn write_value(out: &mut Vec<u8>, value: &Value, compress: bool) {
    match value {
        Value::Str(s) => {
            let mut scratch: IntBuf = [0; 20];
            write_string(out, s.as_bytes(&mut scratch), compress);
        }
        Value::List(list) => write_list(out, list, compress),
        Value::Set(set) => write_set(out, set, compress),
        Value::Zset(zset) => write_zset(out, zset, compress),
        Value::Hash(hash) => write_hash(out, hash, compress),
    }
}

fn write_list(out: &mut Vec<u8>, list: &ListValue, compress: bool) {
    let quicklist = list.quicklist();
    write_len(out, quicklist.node_count() as u64);
    quicklist.for_each_node_bytes(|plain, bytes| {
        write_len(
            out,
            if plain {
                CONTAINER_PLAIN
            } else {
                CONTAINER_PACKED
            },
        );
        write_string(out, bytes, compress);
    });
}

fn write_set(out: &mut Vec<u8>, set: &SetValue, compress: bool) {
    if let Some(blob) = set.intset_bytes() {
        write_string(out, blob, compress);
        return;
    }
    write_len(out, set.len() as u64);
    let mut scratch: IntBuf = [0; 20];
    for member in set.iter() {
        write_string(out, member.as_bytes(&mut scratch), compress);
    }
}

fn write_zset(out: &mut Vec<u8>, zset: &ZsetValue, compress: bool) {
    if let Some(lp) = zset.as_listpack() {
        write_string(out, lp.as_bytes(), compress);
        return;
    }
    // Highest score first, as Redis writes them, so a reader inserting each at the
    // head builds the skiplist without searching.
    write_len(out, zset.len() as u64);
    let mut member_text = Vec::new();
    for (member, score) in zset.range(0..zset.len(), true) {
        member_text.clear();
        member.write_to(&mut member_text);
        write_string(out, &member_text, compress);
        write_binary_double(out, score);
    }
}

fn write_hash(out: &mut Vec<u8>, hash: &HashValue, compress: bool) {
    if let Some(lp) = hash.as_listpack() {
        write_string(out, lp.as_bytes(), compress);
        return;
    }
    write_len(out, hash.len() as u64);
    let mut text = Vec::new();
    for (field, value) in hash.iter() {
        text.clear();
        field.write_to(&mut text);
        write_string(out, &text, compress);
        text.clear();
        value.write_to(&mut text);
        write_string(out, &text, compress);
    }
}
