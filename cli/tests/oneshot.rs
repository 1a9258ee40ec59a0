//! scarlet-cli's non-interactive modes against a real scarlet-server: one command from
//! argv in each output mode, -x/-X, -r, -e, -n, --quoted-input, exit codes, --pipe, --scan,
//! --eval, --bigkeys, --latency, --stat, and a cluster redirection from a fake node.

// Test helpers fail the test that called them by panicking, like the assertions do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;

use common::{CLI, cli, fake_node};
use predicates::prelude::*;
use scarlet_tests::TestServer;

#[test]
fn replies_in_each_output_mode() {
    let server = TestServer::start(&[]);
    cli(&server, &["rpush", "l", "a", "b c"])
        .assert()
        .success()
        .stdout("2\n");
    cli(&server, &["lrange", "l", "0", "-1"])
        .assert()
        .stdout("a\nb c\n");
    cli(&server, &["--no-raw", "lrange", "l", "0", "-1"])
        .assert()
        .stdout("1) \"a\"\n2) \"b c\"\n");
    cli(&server, &["--csv", "lrange", "l", "0", "-1"])
        .assert()
        .stdout("\"a\",\"b c\"\n");
    cli(&server, &["--json", "lrange", "l", "0", "-1"])
        .assert()
        .stdout("[\"a\",\"b c\"]\n");
    cli(&server, &["--no-raw", "incr", "n"])
        .assert()
        .stdout("(integer) 1\n");
    cli(&server, &["--no-raw", "get", "missing"])
        .assert()
        .stdout("(nil)\n");
    cli(&server, &["get", "missing"]).assert().stdout("\n");
    cli(&server, &["-d", ",", "-D", ";", "lrange", "l", "0", "-1"])
        .assert()
        .stdout("a,b c;");
    cli(&server, &["-3", "--no-raw", "hset", "h", "f", "v"])
        .assert()
        .stdout("(integer) 1\n");
    cli(&server, &["-3", "--no-raw", "hgetall", "h"])
        .assert()
        .stdout("1# \"f\" => \"v\"\n");
}

#[test]
fn errors_and_exit_codes() {
    let server = TestServer::start(&[]);
    cli(&server, &["--no-raw", "nosuchcommand"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("(error) ERR unknown command"));
    cli(&server, &["-e", "nosuchcommand"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("ERR unknown command"));
    cli(&server, &["-x", "-X", "tag"])
        .assert()
        .code(1)
        .stderr("Options -x and -X are mutually exclusive.\n");
    cli(&server, &["--bogus"])
        .assert()
        .code(1)
        .stderr("Unrecognized option or bad number of args for: '--bogus'\n");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    assert_cmd::Command::new(CLI)
        .args(["-p", &port.to_string(), "ping"])
        .assert()
        .code(1)
        .stderr(format!(
            "Could not connect to Redis at 127.0.0.1:{port}: Connection refused\n"
        ));
}

#[test]
fn arguments_from_stdin_and_quoting() {
    let server = TestServer::start(&[]);
    cli(&server, &["-x", "set", "k"])
        .write_stdin("from\nstdin")
        .assert()
        .stdout("OK\n");
    cli(&server, &["get", "k"]).assert().stdout("from\nstdin\n");
    cli(&server, &["-X", "T", "set", "k2", "T"])
        .write_stdin("v")
        .assert()
        .stdout("OK\n");
    cli(&server, &["-X", "T", "set", "k2", "nope"])
        .write_stdin("v")
        .assert()
        .code(1)
        .stderr("Using -X option but stdin tag not match.\n");
    cli(&server, &["--quoted-input", "set", r#""\x41\x42""#, "q"])
        .assert()
        .stdout("OK\n");
    cli(&server, &["get", "AB"]).assert().stdout("q\n");
    cli(&server, &["--quoted-input", "get", r#""open"#])
        .assert()
        .code(1)
        .stdout("Invalid quoted string\n");
}

#[test]
fn repeat_database_and_auth() {
    let server = TestServer::start(&["--requirepass", "pw"]);
    cli(&server, &["-a", "pw", "-r", "3", "incr", "c"])
        .assert()
        .stdout("1\n2\n3\n")
        .stderr(predicate::str::contains("Warning: Using a password"));
    cli(
        &server,
        &[
            "-a",
            "pw",
            "--no-auth-warning",
            "-n",
            "2",
            "set",
            "in2",
            "x",
        ],
    )
    .assert()
    .stdout("OK\n")
    .stderr("");
    let mut env_auth = cli(&server, &["-n", "2", "get", "in2"]);
    env_auth.env("REDISCLI_AUTH", "pw").assert().stdout("x\n");
    let uri = format!("redis://pw@127.0.0.1:{}/2", server.port);
    assert_cmd::Command::new(CLI)
        .args(["--no-auth-warning", "-u", &uri, "get", "in2"])
        .assert()
        .stdout("x\n");
    cli(&server, &["-a", "wrong", "--no-auth-warning", "ping"])
        .assert()
        .stderr(predicate::str::starts_with("AUTH failed:"));
}

#[test]
fn pipe_mode_counts_replies_and_errors() {
    let server = TestServer::start(&[]);
    let mut input = Vec::new();
    for i in 0..1000 {
        let key = format!("k{i}");
        input.extend_from_slice(
            format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$1\r\nv\r\n", key.len()).as_bytes(),
        );
    }
    input.extend_from_slice(b"INCR k1\r\nPING\r\n");
    cli(&server, &["--pipe"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(
            "All data transferred. Waiting for the last reply...\n\
             Last reply received from server.\n\
             errors: 1, replies: 1002\n",
        )
        .stderr("ERR value is not an integer or out of range\n");
    cli(&server, &["dbsize"]).assert().stdout("1000\n");
    cli(&server, &["--pipe"])
        .write_stdin("SET a b\r\n")
        .assert()
        .success()
        .stdout(predicate::str::ends_with("errors: 0, replies: 1\n"));
}

#[test]
fn scan_modes() {
    let server = TestServer::start(&[]);
    for key in ["user:1", "user:2", "other"] {
        cli(&server, &["set", key, "v"]).assert().success();
    }
    let listed = cli(&server, &["--scan"]).output().unwrap().stdout;
    let mut keys: Vec<&str> = std::str::from_utf8(&listed).unwrap().lines().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["other", "user:1", "user:2"]);
    cli(&server, &["--scan", "--pattern", "*:2"])
        .assert()
        .stdout("user:2\n");
    cli(
        &server,
        &["--scan", "--quoted-pattern", r#""*:\x31""#, "--count", "5"],
    )
    .assert()
    .stdout("user:1\n");
    cli(&server, &["--no-raw", "--scan", "--pattern", "oth*"])
        .assert()
        .stdout("\"other\"\n");
}

#[test]
fn bigkeys_summary() {
    let server = TestServer::start(&[]);
    cli(&server, &["rpush", "list", "a", "b", "c"])
        .assert()
        .success();
    cli(&server, &["set", "str", "hello"]).assert().success();
    cli(&server, &["--bigkeys"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Sampled 2 keys in the keyspace!"))
        .stdout(predicate::str::contains(
            "Biggest   list found '\"list\"' has 3 items",
        ))
        .stdout(predicate::str::contains(
            "Biggest string found '\"str\"' has 5 bytes",
        ))
        .stdout(predicate::str::contains(
            "1 lists with 3 items (50.00% of keys, avg size 3.00)",
        ));
}

#[test]
fn latency_stat_and_intrinsic_latency() {
    let server = TestServer::start(&[]);
    cli(&server, &["--latency", "-i", "0.2"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^\d+ \d+ \d+\.\d\d \d+\n$").unwrap());
    cli(&server, &["--latency", "--csv", "-i", "0.2"])
        .assert()
        .stdout(predicate::str::is_match(r"^\d+,\d+,\d+\.\d\d,\d+\n$").unwrap());
    assert_cmd::Command::new(CLI)
        .args(["--intrinsic-latency", "1"])
        .timeout(common::DEADLINE)
        .assert()
        .success()
        .stdout(predicate::str::contains("total runs (avg latency:"));
    // --stat runs until interrupted: read its header and first line, then stop it.
    let mut child = std::process::Command::new(CLI)
        .args(["-p", &server.port.to_string(), "--stat", "-i", "0.1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let header = lines.next().unwrap().unwrap();
    assert!(header.starts_with("------- data ------"), "{header}");
    let columns = lines.next().unwrap().unwrap();
    assert!(
        columns.starts_with("keys       mem      clients"),
        "{columns}"
    );
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with('0'), "{first}");
    child.kill().unwrap();
    child.wait().unwrap();
    // --lru-test also loops: its first report line.
    let mut child = std::process::Command::new(CLI)
        .args(["-p", &server.port.to_string(), "--lru-test", "1000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let report = lines.next().unwrap().unwrap();
    let shape = regex_like_lru(&report);
    assert!(shape, "{report}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `N Gets/sec | Hits: N (P%) | Misses: N (P%)`.
fn regex_like_lru(line: &str) -> bool {
    predicate::str::is_match(
        r"^\d+ Gets/sec \| Hits: \d+ \(\d+\.\d\d%\) \| Misses: \d+ \(\d+\.\d\d%\)$",
    )
    .unwrap()
    .eval(line)
}

#[test]
fn eval_file_with_keys_and_arguments() {
    let server = TestServer::start(&[]);
    let script = server
        .dir
        .write("s.lua", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}");
    let script = script.to_str().unwrap();
    let out = cli(&server, &["--eval", script, "k1", "k2", ",", "a1"])
        .output()
        .unwrap();
    // The server may lack scripting; either it ran the script or it refused EVAL.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text == "k1\na1\n2\n1\n" || text.contains("unknown command"),
        "{text}"
    );
    cli(&server, &["--eval", "/nonexistent/x.lua"])
        .assert()
        .code(1)
        .stderr("Can't open file '/nonexistent/x.lua': No such file or directory\n");
}

#[test]
fn cluster_mode_follows_moved_and_ask() {
    let (target_port, target) = fake_node("+OK\r\n");
    let redirect: &'static str =
        Box::leak(format!("-ASK 12182 127.0.0.1:{target_port}\r\n").into_boxed_str());
    let (first_port, first) = fake_node(redirect);
    assert_cmd::Command::new(CLI)
        .args(["-p", &first_port.to_string(), "-c", "set", "foo", "bar"])
        .timeout(common::DEADLINE)
        .assert()
        .success()
        .stdout("OK\n");
    assert_eq!(first.join().unwrap(), ["set foo bar"]);
    assert_eq!(target.join().unwrap(), ["ASKING", "set foo bar"]);
}
