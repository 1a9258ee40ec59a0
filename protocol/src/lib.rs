//! The Redis serialization protocol (RESP2 and RESP3) as Scarlet speaks it.
//!
//! This crate knows bytes on the wire and nothing else: not keys' values, not commands.
