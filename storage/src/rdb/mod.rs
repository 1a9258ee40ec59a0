//! Redis's RDB file format: the codec between `Db`s and RDB bytes.
//!
//! This module owns the on-disk format (Redis 7.0 writes version 10; versions 1-12 are
//! read) as pure functions over byte slices and vectors. It deliberately does no file or
//! socket I/O, no scheduling (SAVE/BGSAVE live in the server) and reads no clock: the
//! caller passes the time for the `ctime` aux field.
//!
//! Files by concern: `crc64` (the checksum trailer), `input` (a bounds-checked cursor
//! and the error type), `length` (length and special-encoding prefixes), `string`
//! (integer, LZF and raw string encodings), `double` (score encodings), `types` (type
//! and opcode bytes), `writer` (databases to a version 10 file), `reader` (a file of
//! any version to fresh databases), `streaming` (the same, fed as the bytes arrive),
//! `objects` (one value of any object type) and `ziplist` (the pre-7.0 ziplist and
//! zipmap blobs); `payload` one value as a DUMP
//! payload (type byte, body, version and checksum footer); `blob_checks` Redis's deep
//! integrity checks of ziplists and zipmaps.

pub mod blob_checks;
pub mod crc64;
pub mod double;
pub mod input;
pub mod length;
pub mod objects;
pub mod payload;
pub mod reader;
#[cfg(test)]
mod reader_tests;
pub mod streaming;
#[cfg(test)]
mod streaming_tests;
pub mod string;
pub mod types;
pub mod writer;
#[cfg(test)]
mod writer_tests;
pub mod ziplist;

pub use input::{Input, RdbError};
pub use objects::LoadLimits;
pub use payload::{PayloadError, dump_payload, read_payload, verify_payload};
pub use reader::{Loaded, read_rdb, read_rdb_observed, read_rdb_preamble};
pub use streaming::StreamDecoder;
pub use writer::{ReplAux, WriteOptions, write_rdb, write_rdb_with_functions};
