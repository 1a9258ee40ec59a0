//! Scarlet's data: the keyspace and every value type with its encodings.
//!
//! The crate owns keys and values in memory, their encodings, the main hash table
//! (incremental rehashing, SCAN cursors, random sampling), TTLs and expiry, the access
//! data eviction reads, DEBUG DIGEST, and Redis's number and glob rules. It deliberately
//! has no sockets, no async, no clock reads (time is a parameter), no global state, no
//! wire format and no configuration: callers pass limits, time and randomness.

pub mod aof;
pub mod bitmap;
pub mod db;
pub mod dict;
pub mod digest;
pub mod error;
mod ffi;
pub mod geohash;
pub mod glob;
pub mod hash;
pub mod hyperloglog;
pub mod intset;
pub mod key;
pub mod list;
pub mod listpack;
pub mod lru;
pub mod lzf;
pub mod number;
pub mod quicklist;
pub mod rdb;
pub mod set;
pub mod small_bytes;
pub mod string;
pub mod value;
pub mod zset;

/// A point in time as unix time in milliseconds.
pub type Millis = i64;

pub use db::{Db, ExpireRound, ExpiryMode, Lookup, SnapshotChunk, SnapshotFormat};
pub use dict::Dict;
pub use digest::{Digest, value_digest};
pub use error::StorageError;
pub use hash::{HashLimits, HashValue};
pub use key::Key;
pub use list::{End, ListOptions, ListValue};
pub use listpack::{Listpack, LpEntry};
pub use lru::{Access, LfuParams};
pub use set::{Member, SetValue};
pub use string::{IntBuf, StrValue};
pub use value::Value;
pub use zset::ZsetValue;
