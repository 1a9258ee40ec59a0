//! scarlet-cli against Debian's redis-cli 7.0.15, byte for byte: the same corpus of
//! commands runs through both clients, each against its own server started identically, in
//! raw, formatted (`--no-raw`), CSV, JSON and RESP3 modes; stdout, stderr and the exit code
//! must match. Two server kinds are used: scarlet-server, and redis-server (which also
//! serves DEBUG PROTOCOL's RESP3 types: big numbers, attributes, verbatim strings...).
//!
//! Compiled only with `--features interop` (CI installs Debian's redis-tools), as the
//! workspace's other interoperability tests are.

// Test helpers fail the test that called them by panicking, like the assertions do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(feature = "interop")]

mod common;

use std::path::Path;

use common::{CLI, DEADLINE};
use scarlet_tests::{REDIS_CLI, REDIS_SERVER, ServerBuilder, TestServer, run_with_input};

/// Output modes compared for every command.
const MODES: &[&[&str]] = &[
    &[],
    &["--no-raw"],
    &["--csv"],
    &["--json"],
    &["--quoted-json"],
    &["-3", "--no-raw"],
    &["-3", "--csv"],
    &["-3"],
];

/// Commands run in order (each line is argv, split on spaces; `\s` stands for a space).
const CORPUS: &str = "\
SET k v
GET k
GET missing
SET bin a\\x01\\xf0\"\\\\b
GET bin
RPUSH list a b\\sc d
LRANGE list 0 -1
LRANGE missing 0 -1
HSET hash f1 v1 f2 v2
HGETALL hash
SADD set m
SMEMBERS set
ZADD zset 1.5 a 2 b 10 c
ZRANGE zset 0 -1 WITHSCORES
ZSCORE zset a
INCR counter
INCRBYFLOAT float 0.1
MGET k missing counter
EXISTS k missing
NOSUCHCOMMAND x
GET
SET k v EX notanumber
HELLO 3
CONFIG GET maxmemory-policy
TYPE hash
OBJECT ENCODING list
DEL k list hash set zset counter float bin
";

/// Extra commands only redis-server answers (DEBUG PROTOCOL).
const DEBUG_CORPUS: &str = "\
DEBUG PROTOCOL string
DEBUG PROTOCOL integer
DEBUG PROTOCOL double
DEBUG PROTOCOL bignum
DEBUG PROTOCOL null
DEBUG PROTOCOL array
DEBUG PROTOCOL set
DEBUG PROTOCOL map
DEBUG PROTOCOL attrib
DEBUG PROTOCOL push
DEBUG PROTOCOL verbatim
DEBUG PROTOCOL true
DEBUG PROTOCOL false
";

fn words(line: &str) -> Vec<String> {
    line.split(' ')
        .map(|w| {
            let w = w.replace("\\s", " ");
            // `\xHH` and `\\` in the corpus become the bytes they name (via --quoted-input
            // would change the mode under test, so decode here to valid UTF-8 only).
            w.replace("\\x01", "\u{1}")
                .replace("\\xf0", "\u{f0}")
                .replace("\\\\", "\\")
        })
        .collect()
}

fn run(program: &Path, port: u16, args: &[String], dir: &Path, fake_tty: bool) -> String {
    let port = port.to_string();
    let mut all: Vec<&str> = vec!["-p", &port];
    all.extend(args.iter().map(String::as_str));
    let exited = if fake_tty {
        // FAKETTY makes redis-cli format as for a terminal; pass it through `env`.
        let mut env_args = vec!["FAKETTY=1", program.to_str().unwrap()];
        env_args.extend_from_slice(&all);
        run_with_input(Path::new("/usr/bin/env"), &env_args, dir, b"", DEADLINE)
    } else {
        run_with_input(program, &all, dir, b"", DEADLINE)
    };
    // stdout last and unescaped, so that callers can compare its lines.
    format!(
        "code {:?}\nstderr {:?}\nstdout\n{}",
        exited.code, exited.stderr, exited.stdout
    )
}

/// Runs `corpus` through both clients, each against its own server.
fn compare(ours: &TestServer, theirs: &TestServer, corpus: &str) {
    for line in corpus.lines() {
        for mode in MODES {
            let mut args: Vec<String> = mode.iter().map(|s| s.to_string()).collect();
            args.extend(words(line));
            // FAKETTY formats as for a terminal; it only matters without a mode option.
            let fake_tty_too: &[bool] = if mode.is_empty() {
                &[false, true]
            } else {
                &[false]
            };
            for &fake_tty in fake_tty_too {
                let expected = run(
                    Path::new(REDIS_CLI),
                    theirs.port,
                    &args,
                    theirs.dir.path(),
                    fake_tty,
                );
                let got = run(Path::new(CLI), ours.port, &args, ours.dir.path(), fake_tty);
                assert_eq!(got, expected, "scarlet-cli {args:?} (FAKETTY {fake_tty})");
            }
        }
    }
}

#[test]
fn corpus_against_scarlet_server() {
    let ours = TestServer::start(&[]);
    let theirs = TestServer::start(&[]);
    compare(&ours, &theirs, CORPUS);
}

#[test]
fn corpus_against_redis_server() {
    let start = || {
        ServerBuilder::binary(Path::new(REDIS_SERVER))
            .args(&["--enable-debug-command", "yes"])
            .start()
    };
    let (ours, theirs) = (start(), start());
    compare(&ours, &theirs, CORPUS);
    compare(&ours, &theirs, DEBUG_CORPUS);
}

#[test]
fn prompt_fed_from_a_pipe_with_fake_tty() {
    let ours = TestServer::start(&[]);
    let theirs = TestServer::start(&[]);
    let input = b"set a 1\nget a\n3 incr a\nlrange nothing 0 -1\nget \"open\nselect 2\nset k\"\" v\nhelp nosuchcommand\nhelp set\nhelp @hash\nhelp config get\nquit\n";
    let run_prompt = |program: &str, server: &TestServer| {
        let port = server.port.to_string();
        let exited = run_with_input(
            Path::new("/usr/bin/env"),
            &["FAKETTY=1", program, "-p", &port],
            server.dir.path(),
            input,
            DEADLINE,
        );
        (exited.code, exited.stdout, exited.stderr)
    };
    assert_eq!(run_prompt(CLI, &ours), run_prompt(REDIS_CLI, &theirs));
}

#[test]
fn key_samplers_and_pipe_against_redis_server() {
    let start = || ServerBuilder::binary(Path::new(REDIS_SERVER)).start();
    let (ours, theirs) = (start(), start());
    let setup = "RPUSH list a b c\nSET str hello\nSADD set a b\nHSET hash f v\nZADD zset 1 a\nXADD stream 1-1 f v\nSET big:key 0123456789\n";
    for server in [&ours, &theirs] {
        for line in setup.lines() {
            run(
                Path::new(REDIS_CLI),
                server.port,
                &words(line),
                server.dir.path(),
                false,
            );
        }
    }
    for args in [
        &["--bigkeys"][..],
        &["--memkeys"],
        &["--memkeys-samples", "2"],
        &["--scan", "--pattern", "*i*"],
        &["--no-raw", "--scan", "--pattern", "s*"],
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let expected = run(
            Path::new(REDIS_CLI),
            theirs.port,
            &args,
            theirs.dir.path(),
            false,
        );
        let got = run(Path::new(CLI), ours.port, &args, ours.dir.path(), false);
        // SCAN order depends on each server's hash seed, and so do which keys --bigkeys
        // reports "so far": --scan's keys are compared as sets, the samplers' summaries
        // exactly.
        let sorted = |text: &str| match text.split_once("-------- summary") {
            Some((_, summary)) => summary.to_string(),
            None => {
                let mut lines: Vec<&str> = text.split('\n').collect();
                lines.sort_unstable();
                lines.join("\n")
            }
        };
        assert_eq!(sorted(&got), sorted(&expected), "scarlet-cli {args:?}");
    }
    let input = b"SET a 1\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\nINCR str\r\nPING\r\n";
    let pipe = |program: &str, server: &TestServer| {
        let port = server.port.to_string();
        let exited = run_with_input(
            Path::new(program),
            &["-p", &port, "--pipe"],
            server.dir.path(),
            input,
            DEADLINE,
        );
        (exited.code, exited.stdout, exited.stderr)
    };
    assert_eq!(pipe(CLI, &ours), pipe(REDIS_CLI, &theirs));
}

/// One `--eval` debugging session of `script` (keys `k`, argument `v`) by `program`
/// against `server`, typing `input`: the exit code, the output without the banner (worded
/// differently, our own text) and the errors.
fn ldb_session(
    program: &str,
    server: &TestServer,
    script: &str,
    mode: &str,
    input: &[u8],
) -> (Option<i32>, String, String) {
    let file = server.dir.write("debug.lua", script);
    let port = server.port.to_string();
    let exited = run_with_input(
        Path::new("/usr/bin/env"),
        &[
            "TERM=xterm",
            program,
            "-p",
            &port,
            mode,
            "--eval",
            file.to_str().unwrap(),
            "k",
            ",",
            "v",
        ],
        server.dir.path(),
        input,
        DEADLINE,
    );
    let banner = [
        "Lua debugging session started",
        "quit    --",
        "restart --",
        "help    --",
    ];
    let body: Vec<&str> = exited
        .stdout
        .lines()
        .filter(|line| !banner.iter().any(|b| line.starts_with(b)))
        .collect();
    (exited.code, body.join("\n"), exited.stderr)
}

#[test]
fn lua_debugger_against_redis_server() {
    let start = || ServerBuilder::binary(Path::new(REDIS_SERVER)).start();
    let (ours, theirs) = (start(), start());
    let script = "local a = 1\nredis.call('set', KEYS[1], ARGV[1])\nreturn a + 1\n";
    let input = b"step\nstep\nprint\nrestart\nstep\ncontinue\nping\n";
    for mode in ["--ldb", "--ldb-sync-mode"] {
        assert_eq!(
            ldb_session(CLI, &ours, script, mode, input),
            ldb_session(REDIS_CLI, &theirs, script, mode, input),
            "{mode}"
        );
    }
}

#[test]
fn lua_debugger_end_to_end_against_redis() {
    // scarlet-cli with scarlet-server against redis-cli with redis-server: the whole
    // session (colours included) must be the same but for the banner's wording.
    let script = "local a = 1\nlocal function f(x)\n  redis.debug('in f', x)\n  return x * 2\nend\nredis.call('set', KEYS[1], ARGV[1])\nlocal b = f(a)\nreturn b + 1\n";
    let input = b"step\nstep\nstep\nstep\nprint\ntrace\nwhole\nbreak 8\ncontinue\nprint b\nredis get k\neval a+1\nlist 2 1\nmaxlen 60\nhelp\ncontinue\n";
    let ours = ServerBuilder::scarlet().start();
    let theirs = ServerBuilder::binary(Path::new(REDIS_SERVER)).start();
    assert_eq!(
        ldb_session(CLI, &ours, script, "--ldb-sync-mode", input),
        ldb_session(REDIS_CLI, &theirs, script, "--ldb-sync-mode", input)
    );
}
