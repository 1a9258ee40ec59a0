//! Shared helpers for scarlet-cli's tests: the binary under test and a command builder
//! pointed at a test server.

// Test helpers fail the test that called them by panicking, like the assertions do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code)]

use std::time::Duration;

use scarlet_tests::TestServer;

/// The scarlet-cli binary Cargo built for these tests.
pub const CLI: &str = env!("CARGO_BIN_EXE_scarlet-cli");

/// Bounds a hung client.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// `scarlet-cli -p <port> args...` with stdout a pipe (raw output unless told otherwise).
pub fn cli(server: &TestServer, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(CLI);
    cmd.arg("-p")
        .arg(server.port.to_string())
        .args(args)
        .env_remove("FAKETTY")
        .env_remove("REDISCLI_AUTH")
        .timeout(DEADLINE);
    cmd
}
