//! Decoding one value of any RDB object type Redis 1.x-7.4 writes into today's
//! encodings, with the limits the caller passes (as Redis converts on load).
//!
//! Compact blobs (listpacks, intsets, ziplists, zipmaps) are validated before use, and
//! every count is checked against the remaining input before anything is sized by
//! it. Module values and streams are refused: Scarlet has neither yet.

use super::double::{read_binary_double, read_text_double};
use super::input::{Input, RdbError};
use super::length::read_len;
use super::string::read_string;
use super::types::*;
use super::ziplist::{Pairs, ziplist_entries, zipmap_pairs};
use crate::hash::{HashLimits, HashValue};
use crate::intset::Intset;
use crate::list::{End, ListOptions, ListValue};
use crate::listpack::Listpack;
use crate::set::{Member, SetValue};
use crate::string::StrValue;
use crate::value::Value;
use crate::zset::{ZsetLimits, ZsetValue};

/// The encoding limits values are loaded under (the server's configuration).
#[derive(Debug, Clone)]
pub struct LoadLimits {
    /// list-max-listpack-size and list-compress-depth.
    pub list: ListOptions,
    /// hash-max-listpack-entries/value.
    pub hash: HashLimits,
    /// zset-max-listpack-entries/value.
    pub zset: ZsetLimits,
    /// set-max-intset-entries.
    pub set_max_intset: usize,
    /// Accept a file whose checksum is wrong (DEBUG SET-SKIP-CHECKSUM-VALIDATION).
    pub skip_checksum: bool,
}

impl Default for LoadLimits {
    /// Redis's default configuration.
    fn default() -> Self {
        LoadLimits {
            list: ListOptions::default(),
            hash: HashLimits::default(),
            zset: ZsetLimits {
                max_listpack_entries: 128,
                max_listpack_value: 64,
            },
            set_max_intset: 512,
            skip_checksum: false,
        }
    }
}

/// Reads the value of object type `kind`.
pub fn read_object(
    input: &mut Input<'_>,
    kind: u8,
    limits: &LoadLimits,
) -> Result<Value, RdbError> {
    match kind {
        TYPE_STRING => Ok(Value::Str(StrValue::from_bytes(&read_string(input)?))),
        TYPE_LIST => {
            let count = read_count(input, 1)?;
            let mut elements = Vec::new();
            for _ in 0..count {
                elements.push(read_string(input)?);
            }
            Ok(list_of(elements, limits))
        }
        TYPE_LIST_ZIPLIST => Ok(list_of(ziplist_entries(&read_string(input)?)?, limits)),
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => read_quicklist(input, kind, limits),
        TYPE_SET => {
            let count = read_count(input, 1)?;
            let mut members = Vec::new();
            for _ in 0..count {
                members.push(read_string(input)?);
            }
            set_of(members, limits)
        }
        TYPE_SET_INTSET => {
            let ints = Intset::from_bytes(&read_string(input)?)
                .map_err(|_| RdbError::Corrupt("Intset integrity check failed."))?;
            let mut set = SetValue::new();
            for n in ints.iter() {
                set.add_member(Member::Int(n), limits.set_max_intset);
            }
            Ok(Value::Set(set))
        }
        TYPE_SET_LISTPACK => set_of(listpack_entries(&read_string(input)?)?, limits),
        TYPE_ZSET | TYPE_ZSET_2 => {
            let count = read_count(input, 2)?;
            let mut pairs = Vec::new();
            for _ in 0..count {
                let member = read_string(input)?;
                let score = if kind == TYPE_ZSET_2 {
                    read_binary_double(input)?
                } else {
                    read_text_double(input)?
                };
                pairs.push((member, score));
            }
            zset_of(pairs, limits)
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = read_string(input)?;
            let entries = if kind == TYPE_ZSET_LISTPACK {
                listpack_entries(&blob)?
            } else {
                ziplist_entries(&blob)?
            };
            let mut pairs = Vec::new();
            for (member, score) in into_pairs(entries)? {
                let score = crate::number::parse_f64(&score)
                    .ok_or(RdbError::Corrupt("invalid sorted set score"))?;
                pairs.push((member, score));
            }
            zset_of(pairs, limits)
        }
        TYPE_HASH => {
            let count = read_count(input, 2)?;
            let mut pairs = Vec::new();
            for _ in 0..count {
                pairs.push((read_string(input)?, read_string(input)?));
            }
            hash_of(pairs, limits)
        }
        TYPE_HASH_ZIPMAP => hash_of(zipmap_pairs(&read_string(input)?)?, limits),
        TYPE_HASH_ZIPLIST => hash_of(into_pairs(ziplist_entries(&read_string(input)?)?)?, limits),
        TYPE_HASH_LISTPACK => hash_of(into_pairs(listpack_entries(&read_string(input)?)?)?, limits),
        TYPE_MODULE | TYPE_MODULE_2 => Err(RdbError::Unsupported("module values".into())),
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
            Err(RdbError::Unsupported("streams".into()))
        }
        other => Err(RdbError::Unsupported(format!("object type {other}"))),
    }
}

/// A count of items each taking at least `min_item_bytes` of the remaining input.
fn read_count(input: &mut Input<'_>, min_item_bytes: usize) -> Result<usize, RdbError> {
    let count = read_len(input)?;
    input.check_count(count, min_item_bytes)
}

fn read_quicklist(input: &mut Input<'_>, kind: u8, limits: &LoadLimits) -> Result<Value, RdbError> {
    let nodes = read_count(input, 1)?;
    let mut list = ListValue::new(&limits.list);
    for _ in 0..nodes {
        let container = if kind == TYPE_LIST_QUICKLIST_2 {
            read_len(input)?
        } else {
            CONTAINER_PACKED
        };
        let blob = read_string(input)?;
        match container {
            CONTAINER_PLAIN => list.push(End::Tail, &blob),
            CONTAINER_PACKED if kind == TYPE_LIST_QUICKLIST_2 => {
                for element in listpack_entries(&blob)? {
                    list.push(End::Tail, &element);
                }
            }
            CONTAINER_PACKED => {
                for element in ziplist_entries(&blob)? {
                    list.push(End::Tail, &element);
                }
            }
            _ => return Err(RdbError::Corrupt("unknown quicklist node container")),
        }
    }
    Ok(Value::List(Box::new(list)))
}

fn listpack_entries(blob: &[u8]) -> Result<Vec<Vec<u8>>, RdbError> {
    let lp = Listpack::from_bytes(blob.to_vec())
        .map_err(|_| RdbError::Corrupt("Listpack integrity check failed."))?;
    Ok(lp.iter().map(|entry| entry.to_vec()).collect())
}

fn into_pairs(entries: Vec<Vec<u8>>) -> Result<Pairs, RdbError> {
    if !entries.len().is_multiple_of(2) {
        return Err(RdbError::Corrupt(
            "odd number of entries in a pair encoding",
        ));
    }
    let mut pairs = Vec::with_capacity(entries.len() / 2);
    let mut iter = entries.into_iter();
    while let (Some(first), Some(second)) = (iter.next(), iter.next()) {
        pairs.push((first, second));
    }
    Ok(pairs)
}

fn list_of(elements: Vec<Vec<u8>>, limits: &LoadLimits) -> Value {
    let mut list = ListValue::new(&limits.list);
    for element in elements {
        list.push(End::Tail, &element);
    }
    Value::List(Box::new(list))
}

fn set_of(members: Vec<Vec<u8>>, limits: &LoadLimits) -> Result<Value, RdbError> {
    let mut set = SetValue::new();
    for member in members {
        if !set.add(&member, limits.set_max_intset) {
            return Err(RdbError::Corrupt("duplicate set member"));
        }
    }
    Ok(Value::Set(set))
}

/// Like Redis: the members as a skiplist first (so a -0 score survives), converted to
/// a listpack when they fit the limits.
fn zset_of(mut pairs: Vec<(Vec<u8>, f64)>, limits: &LoadLimits) -> Result<Value, RdbError> {
    if pairs.iter().any(|(_, score)| score.is_nan()) {
        return Err(RdbError::Corrupt("invalid sorted set score"));
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if pairs.windows(2).any(|w| matches!(w, [a, b] if a.0 == b.0)) {
        return Err(RdbError::Corrupt("duplicate sorted set member"));
    }
    // Score order as the skiplist compares (-0 equals 0), then member order.
    pairs.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(Value::Zset(Box::new(ZsetValue::from_sorted(
        &pairs,
        &limits.zset,
    ))))
}

fn hash_of(pairs: Pairs, limits: &LoadLimits) -> Result<Value, RdbError> {
    let mut hash = HashValue::new();
    for (field, value) in pairs {
        if !hash.set(&field, &value, &limits.hash) {
            return Err(RdbError::Corrupt("duplicate hash field"));
        }
    }
    Ok(Value::Hash(hash))
}
