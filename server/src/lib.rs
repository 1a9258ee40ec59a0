//! scarlet-server as a library: `main.rs` is a thin shell over [`run`], so tests can
//! start a server in-process as well as by process.

pub mod config;
