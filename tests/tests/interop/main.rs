//! Interoperability with Debian's Redis 7.0.15 tools: `redis-cli` and `redis-benchmark`
//! against scarlet-server, a corpus of commands whose raw replies must be identical from
//! `redis-server` and scarlet-server, and the server's self-description (CONFIG GET, INFO,
//! CLIENT INFO) compared with redis-server's, and HyperLogLog values exchanged between the two,
//! DUMP payloads and MIGRATE both ways, redis-check-rdb's and redis-check-aof's reports
//! compared, AOF directories loaded both ways, and replication (and FAILOVER) in both
//! directions.
//!
//! These need the Debian packages `redis-server` and `redis-tools` (CI installs them), so
//! they are compiled only with `--features interop`: without the feature this test binary
//! is empty, rather than full of tests that pass without checking anything.

#[cfg(feature = "interop")]
mod aof;
#[cfg(feature = "interop")]
mod benchmark;
#[cfg(feature = "interop")]
mod check_aof;
#[cfg(feature = "interop")]
mod cli;
#[cfg(feature = "interop")]
mod corpus;
#[cfg(feature = "interop")]
mod dump;
#[cfg(feature = "interop")]
mod failover;
#[cfg(feature = "interop")]
mod geo;
#[cfg(feature = "interop")]
mod hyperloglog;
#[cfg(feature = "interop")]
mod introspection;
#[cfg(feature = "interop")]
mod master;
#[cfg(feature = "interop")]
mod rdb;
#[cfg(feature = "interop")]
mod replication;
