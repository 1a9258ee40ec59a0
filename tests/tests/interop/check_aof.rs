//! Scarlet's redis-check-aof against Debian's 7.0.15: the same output (log lines' pid and
//! time aside), exit code and resulting files for AOF directories redis-server wrote (an
//! RDB base, timestamp annotations, MULTI/EXEC) and for truncated, corrupt and
//! hand-written inputs: manifests, old-style files, RDB preambles, --fix and
//! --truncate-to-timestamp.

use std::path::{Path, PathBuf};
use std::time::Duration;

use scarlet_tests::{REDIS_SERVER, ScratchDir, ServerBuilder, run_with_input, scarlet_server};

const REDIS_CHECK_AOF: &str = "/usr/bin/redis-check-aof";
const DEADLINE: Duration = Duration::from_secs(30);

/// Files by name, to lay out once per checker (a fix changes them).
type Files = Vec<(String, Vec<u8>)>;

/// What a checker did: exit code, output with log prefixes replaced, files afterwards.
#[derive(Debug, PartialEq)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    files: Files,
}

fn run_checker(program: &Path, files: &Files, args: &[&str], answer: &[u8]) -> Outcome {
    let dir = ScratchDir::new("check-aof-interop");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write input");
    }
    let run = run_with_input(program, args, dir.path(), answer, DEADLINE);
    let mut after: Files = files
        .iter()
        .map(|(name, _)| {
            let bytes = std::fs::read(dir.path().join(name)).unwrap_or_default();
            (name.clone(), bytes)
        })
        .collect();
    after.sort();
    Outcome {
        code: run.code,
        stdout: without_log_prefixes(&run.stdout),
        files: after,
    }
}

/// `pid:C 24 Nov 2026 07:30:34.467 # message` becomes `LOG # message`.
fn without_log_prefixes(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let mut parts = line.splitn(6, ' ');
            let head = parts.next().unwrap_or_default();
            if head.ends_with(":C") && head.trim_end_matches(":C").parse::<u32>().is_ok() {
                let rest: Vec<&str> = parts.skip(4).collect();
                format!("LOG {}", rest.join(" "))
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// Runs both checkers on copies of `files` and requires the same outcome. When a count or
/// length line ends early, Redis prints a stale byte of its stack after the NUL
/// ("got: 00XX"); that byte is not compared.
fn same(files: &Files, args: &[&str], answer: &[u8]) -> Outcome {
    let theirs = run_checker(Path::new(REDIS_CHECK_AOF), files, args, answer);
    let link_dir = ScratchDir::new("check-aof-link");
    let ours_program = link_dir.path().join("redis-check-aof");
    std::os::unix::fs::symlink(scarlet_server(), &ours_program).expect("symlink");
    let ours = run_checker(&ours_program, files, args, answer);
    let blur = |mut outcome: Outcome| {
        outcome.stdout = blur_stale_byte(&outcome.stdout);
        outcome
    };
    let (ours, theirs) = (blur(ours), blur(theirs));
    assert_eq!(ours, theirs, "args {args:?}");
    theirs
}

fn blur_stale_byte(text: &str) -> String {
    text.lines()
        .map(|line| match line.split_once("Expected \\r\\n, got: 00") {
            Some((head, _)) => format!("{head}Expected \\r\\n, got: 00??\n"),
            None => format!("{line}\n"),
        })
        .collect()
}

fn file(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    (name.to_string(), bytes.to_vec())
}

/// An AOF directory written by redis-server: a rewrite's RDB base, then an incremental
/// file with timestamp annotations and a transaction.
fn redis_aof_dir() -> Files {
    let server = ServerBuilder::binary(REDIS_SERVER.as_ref())
        .args(&["--appendonly", "yes", "--aof-timestamp-enabled", "yes"])
        .start();
    let mut con = server.redis();
    let cmd = |con: &mut redis::Connection, args: &[&str]| {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        let _: redis::Value = c.query(con).expect("command");
    };
    cmd(&mut con, &["SET", "a", "1"]);
    cmd(&mut con, &["RPUSH", "l", "x", "y"]);
    cmd(&mut con, &["BGREWRITEAOF"]);
    let dir: PathBuf = server.dir.path().join("appendonlydir");
    let rewritten = scarlet_tests::wait_for(Duration::from_secs(10), || {
        std::fs::read_to_string(dir.join("appendonly.aof.manifest"))
            .is_ok_and(|m| m.contains("seq 2 type b"))
    });
    assert!(rewritten, "BGREWRITEAOF did not finish");
    cmd(&mut con, &["SET", "b", "2"]);
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("INCR")
        .arg("a")
        .cmd("SET")
        .arg("c")
        .arg("3");
    let _: redis::Value = pipe.query(&mut con).expect("MULTI/EXEC");
    cmd(&mut con, &["SET", "d", &"x".repeat(300)]);
    let mut files: Files = std::fs::read_dir(&dir)
        .expect("appendonlydir")
        .map(|entry| {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

fn named<'a>(files: &'a Files, suffix: &str) -> &'a [u8] {
    files
        .iter()
        .find(|(name, _)| name.ends_with(suffix))
        .map(|(_, bytes)| bytes.as_slice())
        .expect("file")
}

fn replace(files: &Files, suffix: &str, bytes: Vec<u8>) -> Files {
    files
        .iter()
        .map(|(name, old)| {
            let new = if name.ends_with(suffix) {
                bytes.clone()
            } else {
                old.clone()
            };
            (name.clone(), new)
        })
        .collect()
}

const MANIFEST: &str = "appendonly.aof.manifest";

#[test]
fn redis_written_directories_sound_and_cut_at_every_tenth_byte() {
    let files = redis_aof_dir();
    let out = same(&files, &[MANIFEST], b"");
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    same(&files, &["appendonly.aof.2.base.rdb"], b"");
    same(&files, &["appendonly.aof.2.incr.aof"], b"");
    let incr = named(&files, ".incr.aof").to_vec();
    for cut in (1..incr.len()).step_by(10) {
        let cut_files = replace(&files, ".incr.aof", incr[..cut].to_vec());
        same(&cut_files, &[MANIFEST], b"");
        same(&cut_files, &["--fix", MANIFEST], b"y\n");
    }
    let base = named(&files, ".base.rdb").to_vec();
    for cut in (1..base.len()).step_by(17) {
        same(
            &replace(&files, ".base.rdb", base[..cut].to_vec()),
            &[MANIFEST],
            b"",
        );
    }
}

#[test]
fn truncate_to_timestamp_on_a_redis_directory() {
    // Redis writes an annotation only when the second changes, so this test places its
    // own around what Redis wrote.
    let files = redis_aof_dir();
    let set = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    let incr = [
        &b"#TS:100\r\n"[..],
        named(&files, ".incr.aof"),
        b"#TS:200\r\n",
        set,
    ]
    .concat();
    let files = replace(&files, ".incr.aof", incr);
    for ts in ["99", "100", "150", "200", "0", "x1", ""] {
        same(&files, &["--truncate-to-timestamp", ts, MANIFEST], b"");
    }
}

#[test]
fn old_style_files_with_and_without_preamble() {
    let files = redis_aof_dir();
    let base = named(&files, ".base.rdb");
    let incr = named(&files, ".incr.aof");
    let preamble = [base, incr].concat();
    same(&vec![file("a.aof", &preamble)], &["a.aof"], b"");
    for cut in [3, 8, 40, base.len() + 5, preamble.len() - 3] {
        let cut_file = vec![file("a.aof", &preamble[..cut])];
        same(&cut_file, &["a.aof"], b"");
        same(&cut_file, &["--fix", "a.aof"], b"y\n");
        same(&cut_file, &["--fix", "a.aof"], b"n\n");
    }
    same(&vec![file("a.aof", incr)], &["a.aof"], b"");
    same(&vec![file("a.aof", b"")], &["a.aof"], b"");
    same(&vec![], &["missing.aof"], b"");
}

#[test]
fn corrupt_commands() {
    let set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    let cases = [
        format!("{set}*1\r\n$5\r\nMULTI\r\n{set}"),
        format!("{set}*1\r\n$5\r\nMULTI\r\n{set}*1\r\n$4\r\nEXEC\r\n"),
        "*1\r\n$4\r\nEXEC\r\n".to_string(),
        "*1\r\n$5\r\nMULTI\r\n*1\r\n$5\r\nmulti\r\n".to_string(),
        "*0\r\n*\r\n*-3\r\n".to_string(),
        format!("{set}x"),
        "*1\r\n$-1\r\n".to_string(),
        "*1\r\n$3\r\nabcd\r\n".to_string(),
        "*1\r\n$3\r\nab\u{80}\u{81}".to_string(),
        "*1\r\n$x\r\n".to_string(),
        "*1\n".to_string(),
        "*1\r\n$99999999999999999999\r\n".to_string(),
        format!("#TS:12\r\n{set}#TS:x\r\n{set}"),
    ];
    for case in cases {
        let files = vec![file("a.aof", case.as_bytes())];
        same(&files, &["a.aof"], b"");
        same(&files, &["--fix", "a.aof"], b"y\n");
        same(&files, &["--truncate-to-timestamp", "11", "a.aof"], b"");
    }
}

#[test]
fn manifests() {
    let set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    let manifests = [
        "file b.aof seq 1 type b\nfile i.aof seq 1 type i\n",
        "file i.aof seq 1 type i\nfile b.aof seq 1 type b\n",
        "# only a comment\n",
        "file b.aof seq 1 type b",
        "file b.aof seq 1 type b\n\n",
        "file b.aof seq 0 type b\n",
        "file d/b.aof seq 1 type b\n",
        "file b.aof seq 1 type q\n",
        "file b.aof seq 1 type b\nfile i.aof seq 2 type b\n",
        "file i.aof seq 2 type i\nfile b.aof seq 1 type i\n",
        "file \"b.aof\" seq 1 type b\nfile i.aof seq 3 type i\nfile old seq 1 type h\n",
        "file \"b.aof seq 1 type b\n",
        "  FILE b.aof SEQ 1 TYPE b extra pair\n",
        "file missing.aof seq 1 type i\n",
    ];
    for manifest in manifests {
        let files = vec![
            file("m.manifest", manifest.as_bytes()),
            file("b.aof", set.as_bytes()),
            file("i.aof", &set.as_bytes()[..20]),
        ];
        same(&files, &["m.manifest"], b"");
        same(&files, &["--fix", "m.manifest"], b"y\n");
    }
    // The manifest in a subdirectory: its files are looked for beside it.
    let files = vec![
        file("sub/m.manifest", b"file b.aof seq 1 type b\n"),
        file("sub/b.aof", set.as_bytes()),
    ];
    same(&files, &["sub/m.manifest"], b"");
}
