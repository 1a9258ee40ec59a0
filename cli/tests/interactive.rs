//! The interactive prompt driven through a pseudo-terminal: prompt changes (database,
//! MULTI, not connected), formatted replies, hints from the command table, tab completion,
//! the `N cmd` repeat prefix, HELP, `:set nohints`, the history file (without sensitive
//! lines), SUBSCRIBE streaming ended by Ctrl-C, and reconnection after a server restart.

// Test helpers fail the test that called them by panicking, like the assertions do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Command;

use common::{CLI, fake_node};
use rexpect::session::{PtySession, spawn_command};
use scarlet_tests::{ScratchDir, ServerBuilder, TestServer};

/// Starts the prompt against `port` with its dotfiles in `home`.
fn prompt(port: u16, home: &ScratchDir) -> PtySession {
    let mut command = Command::new(CLI);
    command
        .args(["-p", &port.to_string()])
        .env("HOME", home.path())
        .env("TERM", "xterm")
        .env_remove("REDISCLI_HISTFILE")
        .env_remove("REDISCLI_RCFILE")
        .env_remove("FAKETTY");
    spawn_command(command, Some(15_000)).expect("spawn scarlet-cli in a pty")
}

/// Types a line once the prompt `ready` is shown.
fn run(session: &mut PtySession, ready: &str, line: &str) {
    session.exp_string(ready).unwrap();
    session.send_line(line).unwrap();
}

#[test]
fn prompt_replies_and_markers() {
    let server = TestServer::start(&[]);
    let home = ScratchDir::new("cli-home");
    let mut s = prompt(server.port, &home);
    let base = format!("127.0.0.1:{}>", server.port);
    run(&mut s, &base, "set k v");
    s.exp_string("OK").unwrap();
    run(&mut s, &base, "3 rpush l x");
    s.exp_string("(integer) 3").unwrap();
    run(&mut s, &base, "lrange l 0 -1");
    s.exp_string("1) \"x\"").unwrap();
    s.exp_string("3) \"x\"").unwrap();
    run(&mut s, &base, "select 2");
    let db2 = format!("127.0.0.1:{}[2]>", server.port);
    run(&mut s, &db2, "multi");
    let tx = format!("127.0.0.1:{}[2](TX)>", server.port);
    run(&mut s, &tx, "incr c");
    s.exp_string("QUEUED").unwrap();
    run(&mut s, &tx, "exec");
    s.exp_string("1) (integer) 1").unwrap();
    run(&mut s, &db2, "get \"unbalanced");
    s.exp_string("Invalid argument(s)").unwrap();
    run(&mut s, &db2, "0 ping");
    s.exp_string("Invalid redis-cli repeat command option value.")
        .unwrap();
    run(&mut s, &db2, "auth secret");
    s.exp_string("(error)").unwrap();
    run(&mut s, &db2, "quit");
    s.exp_eof().unwrap();
    let history = std::fs::read_to_string(home.path().join(".rediscli_history")).unwrap();
    assert!(history.starts_with("set k v\n"), "{history}");
    assert!(history.contains("3 rpush l x"), "{history}");
    assert!(!history.contains("secret"), "{history}");
}

#[test]
fn hints_completion_and_help() {
    let server = TestServer::start(&[]);
    let home = ScratchDir::new("cli-home");
    let mut s = prompt(server.port, &home);
    let base = format!("127.0.0.1:{}>", server.port);
    s.exp_string(&base).unwrap();
    s.send("set k ").unwrap();
    s.flush().unwrap();
    // The hint shows the arguments not typed yet.
    s.exp_string("value [NX|XX]").unwrap();
    s.send_control('u').unwrap();
    s.send("hgeta\t").unwrap();
    s.flush().unwrap();
    s.exp_string("HGETALL").unwrap();
    s.send_control('u').unwrap();
    s.send_line(":set nohints").unwrap();
    run(&mut s, &base, "help get");
    s.exp_string("GET").unwrap();
    s.exp_string("key").unwrap();
    run(&mut s, &base, "help");
    s.exp_string("\"help @<group>\"").unwrap();
    run(&mut s, &base, ":set bogus");
    s.exp_string("unknown redis-cli preference 'bogus'")
        .unwrap();
    run(&mut s, &base, "exit");
    s.exp_eof().unwrap();
}

#[test]
fn rc_file_and_connect() {
    let first = TestServer::start(&[]);
    let second = TestServer::start(&[]);
    let home = ScratchDir::new("cli-home");
    home.write(".redisclirc", ":set nohints\n:set colors\n");
    let mut s = prompt(first.port, &home);
    s.exp_string(".redisclirc: unknown redis-cli preference 'colors'")
        .unwrap();
    let base = format!("127.0.0.1:{}>", first.port);
    run(&mut s, &base, "set where first");
    s.exp_string("OK").unwrap();
    run(&mut s, &base, &format!("connect 127.0.0.1 {}", second.port));
    let other = format!("127.0.0.1:{}>", second.port);
    run(&mut s, &other, "get where");
    s.exp_string("(nil)").unwrap();
    run(&mut s, &other, "quit");
    s.exp_eof().unwrap();
}

#[test]
fn askpass_reads_a_masked_password() {
    let server = TestServer::start(&["--requirepass", "s3cret"]);
    let home = ScratchDir::new("cli-home");
    let mut command = Command::new(CLI);
    command
        .args(["-p", &server.port.to_string(), "--askpass"])
        .env("HOME", home.path())
        .env_remove("REDISCLI_AUTH");
    let mut s = spawn_command(command, Some(15_000)).unwrap();
    s.exp_string("Please input password: ").unwrap();
    s.send_line("s3cret").unwrap();
    s.exp_string("******").unwrap();
    let base = format!("127.0.0.1:{}>", server.port);
    run(&mut s, &base, "ping");
    s.exp_string("PONG").unwrap();
    run(&mut s, &base, "quit");
    s.exp_eof().unwrap();
}

#[test]
fn subscribe_streams_until_ctrl_c() {
    let server = TestServer::start(&[]);
    let home = ScratchDir::new("cli-home");
    let mut s = prompt(server.port, &home);
    let base = format!("127.0.0.1:{}>", server.port);
    run(&mut s, &base, "subscribe news");
    s.exp_string("Reading messages... (press Ctrl-C to quit)")
        .unwrap();
    s.exp_string("3) (integer) 1").unwrap();
    let published = Command::new(CLI)
        .args(["-p", &server.port.to_string(), "publish", "news", "hello"])
        .output()
        .unwrap();
    assert_eq!(published.stdout, b"1\n");
    s.exp_string("3) \"hello\"").unwrap();
    s.send_control('c').unwrap();
    run(&mut s, &base, "ping");
    s.exp_string("PONG").unwrap();
    run(&mut s, &base, "quit");
    s.exp_eof().unwrap();
}

#[test]
fn reconnects_after_a_server_restart() {
    let mut server = TestServer::start(&[]);
    let port = server.port;
    let home = ScratchDir::new("cli-home");
    let mut s = prompt(port, &home);
    let base = format!("127.0.0.1:{port}>");
    run(&mut s, &base, "ping");
    s.exp_string("PONG").unwrap();
    server.stop();
    run(&mut s, &base, "ping");
    s.exp_string("not connected>").unwrap();
    let _again = ServerBuilder::scarlet().port(port).start();
    s.send_line("ping").unwrap();
    s.exp_string("PONG").unwrap();
    run(&mut s, &base, "quit");
    s.exp_eof().unwrap();
}

#[test]
fn cluster_redirection_is_announced() {
    let (target_port, _target) = fake_node("+OK\r\n");
    let redirect: &'static str =
        Box::leak(format!("-MOVED 12182 127.0.0.1:{target_port}\r\n").into_boxed_str());
    let (first_port, _first) = fake_node(redirect);
    let home = ScratchDir::new("cli-home");
    let mut command = Command::new(CLI);
    command
        .args(["-p", &first_port.to_string(), "-c"])
        .env("HOME", home.path());
    let mut s = spawn_command(command, Some(15_000)).unwrap();
    run(&mut s, &format!("127.0.0.1:{first_port}>"), "set foo bar");
    s.exp_string(&format!(
        "-> Redirected to slot [12182] located at 127.0.0.1:{target_port}"
    ))
    .unwrap();
    s.exp_string("OK").unwrap();
    run(&mut s, &format!("127.0.0.1:{target_port}>"), "quit");
    s.exp_eof().unwrap();
}
