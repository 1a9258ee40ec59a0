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

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
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

/// A one-shot fake cluster node: answers every command with `reply` and records them.
pub fn fake_node(reply: &'static str) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let mut seen = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return seen;
            }
            let argc: usize = header.trim().trim_start_matches('*').parse().unwrap();
            let mut words = Vec::new();
            for _ in 0..argc {
                let mut len = String::new();
                reader.read_line(&mut len).unwrap();
                let mut word = String::new();
                reader.read_line(&mut word).unwrap();
                words.push(word.trim_end().to_string());
            }
            seen.push(words.join(" "));
            writer.write_all(reply.as_bytes()).unwrap();
        }
    });
    (port, handle)
}
