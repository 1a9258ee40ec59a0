//! Interoperability with Debian's Redis 7.0.15 tools: `redis-cli` and `redis-benchmark`
//! against scarlet-server, and a corpus of commands whose raw replies must be identical
//! from `redis-server` and scarlet-server.
//!
//! These need the Debian packages `redis-server` and `redis-tools` (CI installs them), so
//! they are compiled only with `--features interop`: without the feature this test binary
//! is empty, rather than full of tests that pass without checking anything.

#[cfg(feature = "interop")]
mod benchmark;
#[cfg(feature = "interop")]
mod cli;
#[cfg(feature = "interop")]
mod corpus;
