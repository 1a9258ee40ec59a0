//! The `redis-check-aof` mode of the server binary, run as a real process: chosen by
//! program name (a symlink, as Redis's tests run `src/redis-check-aof`) or by
//! `--check-aof`, with `--fix` reading its answer from stdin.

use std::path::Path;
use std::time::Duration;

use scarlet_tests::{ScratchDir, run_to_exit, run_with_input, scarlet_server};

const DEADLINE: Duration = Duration::from_secs(30);
const SET: &str = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";

fn symlinked_checker(dir: &ScratchDir) -> std::path::PathBuf {
    let link = dir.path().join("redis-check-aof");
    std::os::unix::fs::symlink(scarlet_server(), &link).expect("symlink");
    link
}

#[test]
fn by_program_name_a_valid_file() {
    let dir = ScratchDir::new("check-aof-name");
    let checker = symlinked_checker(&dir);
    dir.write("a.aof", &format!("{SET}{SET}"));
    let run = run_to_exit(&checker, &["a.aof"], dir.path(), DEADLINE);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        "Start checking Old-Style AOF\n\
         AOF analyzed: filename=a.aof, size=54, ok_up_to=54, ok_up_to_line=15, diff=0\n\
         AOF a.aof is valid\n"
    );
}

#[test]
fn by_program_name_usage() {
    let dir = ScratchDir::new("check-aof-usage");
    let checker = symlinked_checker(&dir);
    let run = run_to_exit(&checker, &[], dir.path(), DEADLINE);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stdout,
        format!(
            "Usage: {} [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n",
            checker.display()
        )
    );
}

#[test]
fn by_flag_fix_truncates_after_yes() {
    let dir = ScratchDir::new("check-aof-flag");
    let file = dir.write("a.aof", &format!("{SET}*3\r\n$3\r\nSET"));
    let server = scarlet_server();
    let args = ["--check-aof", "--fix", "a.aof"];
    let run = run_with_input(&server, &args, dir.path(), b"n\n", DEADLINE);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stdout.ends_with("Continue? [y/N]: Aborting...\n"));
    assert_eq!(file_len(&file), 38);
    let run = run_with_input(&server, &args, dir.path(), b"y\n", DEADLINE);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout
            .ends_with("Continue? [y/N]: Successfully truncated AOF a.aof\n"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), SET);
}

#[test]
fn by_flag_a_manifest_with_a_missing_file() {
    let dir = ScratchDir::new("check-aof-manifest");
    dir.write("ao.manifest", "file ao.1.base.aof seq 1 type b\n");
    let run = run_to_exit(
        &scarlet_server(),
        &["--check-aof", "ao.manifest"],
        dir.path(),
        DEADLINE,
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stdout,
        "Start checking Multi Part AOF\n\
         Cannot open file ./ao.1.base.aof: No such file or directory\n"
    );
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
