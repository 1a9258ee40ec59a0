//! Debian's redis-cli 7.0.15 against scarlet-server: one-shot commands and their output
//! modes, `-n`, `--scan --pattern`, INFO and CONFIG GET, and HELP, which redis-cli builds
//! from the server's COMMAND DOCS (the same data drives its interactive hints).

use std::time::Duration;

use redis::Commands;
use scarlet_tests::{REDIS_CLI, REDIS_SERVER, ServerBuilder, TestServer, run_with_input};

/// redis-cli answers in milliseconds; this only bounds a hung one.
const CLI_DEADLINE: Duration = Duration::from_secs(20);

/// Runs `redis-cli -p <port> args...` with `input` on stdin and returns its stdout; fails
/// on a non-zero exit or anything on stderr.
fn cli_with_input(server: &TestServer, args: &[&str], input: &[u8]) -> String {
    let port = server.port.to_string();
    let mut all = vec!["-p", &port];
    all.extend_from_slice(args);
    let run = run_with_input(
        REDIS_CLI.as_ref(),
        &all,
        server.dir.path(),
        input,
        CLI_DEADLINE,
    );
    assert_eq!(run.code, Some(0), "redis-cli {args:?}: {run:?}");
    assert_eq!(run.stderr, "", "redis-cli {args:?}");
    run.stdout
}

fn cli(server: &TestServer, args: &[&str]) -> String {
    cli_with_input(server, args, b"")
}

/// redis-cli colours HELP even when its output is not a terminal.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip "[...m".
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn one_shot_commands_and_output_modes() {
    let server = TestServer::start(&[]);
    assert_eq!(cli(&server, &["PING"]), "PONG\n");
    assert_eq!(cli(&server, &["SET", "k", "a b"]), "OK\n");
    // Output to a pipe is raw unless --no-raw asks for the terminal format.
    assert_eq!(cli(&server, &["GET", "k"]), "a b\n");
    assert_eq!(cli(&server, &["--no-raw", "GET", "k"]), "\"a b\"\n");
    assert_eq!(cli(&server, &["SET", "nl", "x\ny"]), "OK\n");
    assert_eq!(cli(&server, &["--raw", "GET", "nl"]), "x\ny\n");
    assert_eq!(cli(&server, &["--no-raw", "GET", "nl"]), "\"x\\ny\"\n");
    assert_eq!(cli(&server, &["GET", "missing"]), "\n");
    assert_eq!(cli(&server, &["--no-raw", "GET", "missing"]), "(nil)\n");
    assert_eq!(
        cli(&server, &["--no-raw", "INCR", "counter"]),
        "(integer) 1\n"
    );
    assert_eq!(
        cli(&server, &["--no-raw", "MGET", "k", "missing", "counter"]),
        "1) \"a b\"\n2) (nil)\n3) \"1\"\n"
    );
    assert_eq!(
        cli(&server, &["--no-raw", "nosuch"]),
        "(error) ERR unknown command 'nosuch', with args beginning with: \n"
    );
    // Commands from stdin, one a line, as in `redis-cli < script`.
    assert_eq!(
        cli_with_input(&server, &[], b"SET a 1\nINCRBY a 41\nGET a\n"),
        "OK\n42\n42\n"
    );
}

#[test]
fn database_number_option() {
    let server = TestServer::start(&[]);
    assert_eq!(cli(&server, &["-n", "3", "SET", "x", "in-three"]), "OK\n");
    assert_eq!(cli(&server, &["-n", "3", "GET", "x"]), "in-three\n");
    assert_eq!(cli(&server, &["-n", "3", "DBSIZE"]), "1\n");
    assert_eq!(cli(&server, &["GET", "x"]), "\n");
    assert_eq!(cli(&server, &["DBSIZE"]), "0\n");
    let port = server.port.to_string();
    let run = scarlet_tests::run_to_exit(
        REDIS_CLI.as_ref(),
        &["-p", &port, "-n", "16", "PING"],
        server.dir.path(),
        CLI_DEADLINE,
    );
    assert_eq!(
        run.stderr,
        "SELECT 16 failed: ERR DB index is out of range\n"
    );
}

#[test]
fn scan_with_a_pattern() {
    let server = TestServer::start(&[]);
    let mut con = server.redis();
    let users: Vec<(String, u32)> = (0..300).map(|i| (format!("user:{i}"), i)).collect();
    let () = con.mset(&users).expect("MSET");
    let others: Vec<(String, u32)> = (0..100).map(|i| (format!("other:{i}"), i)).collect();
    let () = con.mset(&others).expect("MSET");
    let scan = |args: &[&str]| {
        let mut keys: Vec<String> = cli(&server, args).lines().map(String::from).collect();
        keys.sort();
        keys
    };
    let mut expected: Vec<String> = users.into_iter().map(|(k, _)| k).collect();
    expected.sort();
    assert_eq!(scan(&["--scan", "--pattern", "user:*"]), expected);
    assert_eq!(scan(&["--scan"]).len(), 400);
    assert_eq!(
        scan(&["--scan", "--pattern", "none:*"]),
        Vec::<String>::new()
    );
}

#[test]
fn info_and_config_get() {
    let server = TestServer::start(&[]);
    cli(&server, &["SET", "k", "v"]);
    let info = cli(&server, &["INFO"]);
    for wanted in [
        "# Server",
        "redis_version:7.0.15",
        &format!("tcp_port:{}", server.port),
        "# Clients",
        "# Memory",
        "# Stats",
        "# Keyspace",
        "db0:keys=1,expires=0,avg_ttl=0",
    ] {
        assert!(info.contains(wanted), "no {wanted:?} in\n{info}");
    }
    let keyspace = cli(&server, &["INFO", "keyspace"]);
    // INFO is one bulk string with CRLF line ends, printed as it is.
    assert_eq!(keyspace, "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
    assert_eq!(
        cli(&server, &["CONFIG", "GET", "maxclients"]),
        "maxclients\n10000\n"
    );
    assert_eq!(cli(&server, &["CONFIG", "SET", "hz", "42"]), "OK\n");
    assert_eq!(
        cli(&server, &["--no-raw", "CONFIG", "GET", "hz"]),
        "1) \"hz\"\n2) \"42\"\n"
    );
}

#[test]
fn help_is_built_from_command_docs() {
    let server = TestServer::start(&[]);
    let docs = cli(&server, &["COMMAND", "DOCS", "get"]);
    assert!(docs.starts_with("get\nsummary\n"), "{docs}");
    assert!(docs.contains("\narguments\n"), "{docs}");
    let help = strip_ansi(&cli(&server, &["HELP", "SET"]));
    let lines: Vec<&str> = help.lines().map(str::trim_end).collect();
    assert!(
        lines.contains(&"  SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"),
        "{help}"
    );
    assert!(lines.contains(&"  since: 1.0.0"), "{help}");
    assert!(lines.contains(&"  group: string"), "{help}");
}

/// The usage lines of `HELP <command>` for every command in `commands`, as redis-cli
/// prints them from the server's COMMAND DOCS (summaries left out: Scarlet words its own).
fn help_usage_lines(server: &TestServer, commands: &[String]) -> Vec<String> {
    let script: String = commands
        .iter()
        .map(|c| format!("HELP {}\n", c.replace('|', " ")))
        .collect();
    let out = strip_ansi(&cli_with_input(server, &[], script.as_bytes()));
    out.lines()
        .filter(|line| {
            line.starts_with("  ")
                && !["summary:", "since:", "group:"]
                    .iter()
                    .any(|label| line.trim_start().starts_with(label))
        })
        .map(|line| line.trim_end().to_string())
        .collect()
}

#[test]
fn help_usage_matches_redis_for_each_family() {
    // Every command of the connection, server, keys, expiry, string, bitmap and
    // HyperLogLog families, as
    // redis-cli shows it from each server's COMMAND DOCS.
    let commands: Vec<String> = [
        "ping echo quit reset hello auth select",
        "client|getname client|help client|id client|info client|kill client|list",
        "client|no-evict",
        "client|pause client|reply client|setname client|unpause",
        "info config|get config|help config|resetstat config|rewrite config|set dbsize",
        "flushdb flushall swapdb time shutdown command|count command|docs command|getkeys",
        "command|getkeysandflags command|help command|info command|list debug",
        "del unlink exists type keys scan randomkey rename renamenx move copy touch",
        "object|encoding object|freq object|help object|idletime object|refcount",
        "expire pexpire expireat pexpireat ttl pttl expiretime pexpiretime persist",
        "set get getex getdel getset mget mset msetnx setnx setex psetex append strlen",
        "incr decr incrby decrby incrbyfloat getrange substr setrange lcs",
        "setbit getbit bitcount bitpos bitop bitfield bitfield_ro",
        "pfadd pfcount pfmerge pfdebug pfselftest",
    ]
    .iter()
    .flat_map(|line| line.split(' ').map(String::from))
    .collect();
    let redis = ServerBuilder::binary(REDIS_SERVER.as_ref()).start();
    let scarlet = TestServer::start(&[]);
    let expected = help_usage_lines(&redis, &commands);
    let actual = help_usage_lines(&scarlet, &commands);
    assert_eq!(expected.len(), commands.len(), "{expected:#?}");
    let differences: Vec<String> = expected
        .iter()
        .zip(&actual)
        .filter(|(want, got)| want != got)
        .map(|(want, got)| format!("redis-server: {want}\nscarlet:      {got}"))
        .collect();
    assert!(
        differences.is_empty() && actual.len() == expected.len(),
        "HELP differs:\n{}",
        differences.join("\n")
    );
}
