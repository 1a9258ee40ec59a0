//! The append-only file formats of Redis 7.0: the multi-part manifest and the command
//! files it lists.
//!
//! [`manifest`] parses and writes the manifest (`<appendfilename>.manifest`), names the
//! files as Redis names them and computes the manifest Redis moves to at server start and
//! around a rewrite. [`reader`] streams the commands of a command file. Both are pure:
//! they read from a caller's `BufRead` and never open, rename, truncate or fsync a file,
//! and never read a clock. Deciding when to rewrite, executing the commands, and the RDB
//! part of a file (its preamble or an RDB base) belong to the caller.

pub mod manifest;
pub mod reader;
pub mod rewrite;

pub use manifest::{AofFileType, AofInfo, Manifest, ManifestError};
pub use reader::{AofItem, AofReadError, AofReader, is_rdb_preamble};

/// Appends `argv` to `out` as the multi-bulk request an AOF holds
/// (`*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per argument).
pub fn append_command(out: &mut Vec<u8>, argv: &[&[u8]]) {
    append_command_from(out, argv.iter().copied());
}

/// [`append_command`] from any exact-size sequence of arguments (the server's argument
/// vectors, without collecting them first).
pub fn append_command_from<'a>(out: &mut Vec<u8>, argv: impl ExactSizeIterator<Item = &'a [u8]>) {
    let mut number = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(number.format(argv.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for arg in argv {
        out.push(b'$');
        out.extend_from_slice(number.format(arg.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// The annotation Redis writes before commands when `aof-timestamp-enabled` is on:
/// `#TS:<unix seconds>\r\n`.
pub fn timestamp_annotation(unix_seconds: i64) -> Vec<u8> {
    format!("#TS:{unix_seconds}\r\n").into_bytes()
}
