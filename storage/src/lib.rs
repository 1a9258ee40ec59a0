//! Scarlet's data: the keyspace and every value type with its encodings.
//!
//! No sockets, no async, no clock reads (time is a parameter), no global state.
