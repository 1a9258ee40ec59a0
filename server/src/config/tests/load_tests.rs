//! Loading: errors as the real redis-server 7.0.15 prints them, the command line,
//! includes, and Redis's quirks.

use std::path::PathBuf;

use super::{fatal, load_text, temp_dir, value};
use crate::config::{Config, ConfigError, ConfigSource, LoadOptions, MAX_INCLUDE_DEPTH, Subsystem};

/// (config text, error line number, reason) as printed by redis-server 7.0.15.
pub(super) const BAD_LINES: &[(&str, usize, &str)] = &[
    ("port abc", 1, "argument couldn't be parsed into an integer"),
    ("port", 1, "wrong number of arguments"),
    ("port 1 2", 1, "wrong number of arguments"),
    ("foo bar", 1, "Bad directive or wrong number of arguments"),
    ("daemonize maybe", 1, "argument must be 'yes' or 'no'"),
    (
        "port 70000",
        1,
        "argument must be between 0 and 65535 inclusive",
    ),
    ("maxmemory 1.5gb", 1, "argument must be a memory value"),
    ("maxmemory -1", 1, "argument must be a memory value"),
    (
        "# comment\n\nport \"1",
        3,
        "Unbalanced quotes in configuration line",
    ),
    (
        "port 1\nlist-max-ziplist-entries 5\nlist-max-ziplist-entries 5 6",
        3,
        "Bad directive or wrong number of arguments",
    ),
    ("mymod.cfg", 1, "Module config specified without value"),
    (
        "port 1\ninclude /nonexist*.conf\nsentinel monitor x",
        3,
        "sentinel directive while not in sentinel mode",
    ),
    (
        "loglevel loud",
        1,
        "argument(s) must be one of the following: debug, verbose, notice, warning",
    ),
    (
        "maxmemory-policy x",
        1,
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, \
        volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
    ),
    (
        "maxmemory-clients 101%",
        1,
        "percentage argument must be less or equal to 100",
    ),
    (
        "maxmemory-clients -5",
        1,
        "argument must be a memory or percent value",
    ),
    (
        "maxmemory-clients 9223372036854775808",
        1,
        "percentage argument must be less or equal to 100",
    ),
    (
        "unixsocketperm 1000",
        1,
        "argument must be between 0 and 777 inclusive",
    ),
    (
        "unixsocketperm 8",
        1,
        "argument couldn't be parsed as an octal number",
    ),
    (
        "maxclients 0",
        1,
        "argument must be between 1 and 4294967295 inclusive",
    ),
    (
        "maxclients -1",
        1,
        "argument must be between 1 and 4294967295 inclusive",
    ),
    (
        "proto-max-bulk-len 1000",
        1,
        "argument must be between 1048576 and 9223372036854775807 inclusive",
    ),
    (
        "databases 0",
        1,
        "argument must be between 1 and 2147483647 inclusive",
    ),
    (
        "databases 007",
        1,
        "argument couldn't be parsed into an integer",
    ),
    (
        "databases +7",
        1,
        "argument couldn't be parsed into an integer",
    ),
    ("save 1 2 3", 1, "Invalid save parameters"),
    ("save 0 1", 1, "Invalid save parameters"),
    ("save 10 -1", 1, "Invalid save parameters"),
    ("save x 1", 1, "Invalid save parameters"),
    (
        "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
        1,
        "Too many bind addresses specified.",
    ),
    (
        "client-output-buffer-limit master 1 2 3",
        1,
        "Invalid client class specified in buffer limit configuration.",
    ),
    (
        "client-output-buffer-limit normal 1 2",
        1,
        "Wrong number of arguments in buffer limit configuration.",
    ),
    (
        "client-output-buffer-limit normal 1x 2 3",
        1,
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
    ),
    (
        "client-output-buffer-limit normal 1 2 -3",
        1,
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
    ),
    ("oom-score-adj-values 1 2", 1, "wrong number of arguments"),
    (
        "oom-score-adj-values 1 2 3000",
        1,
        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
    ),
    (
        "notify-keyspace-events Q",
        1,
        "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
    ),
    ("replicaof host", 1, "wrong number of arguments"),
    ("replicaof host 70000", 1, "Invalid master port"),
    ("replicaof host 1x", 1, "Invalid master port"),
    (
        "latency-tracking-info-percentiles 101",
        1,
        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
    ),
    (
        "latency-tracking-info-percentiles abc",
        1,
        "Invalid latency-tracking-info-percentiles parameters",
    ),
    (
        "shutdown-on-sigint save nosave",
        1,
        "shutdown options SAVE and NOSAVE can't be used simultaneously",
    ),
    (
        "dbfilename a/b",
        1,
        "dbfilename can't be a path, just a filename",
    ),
    ("appendfilename \"\"", 1, "appendfilename can't be empty"),
    (
        "appenddirname a\\b",
        1,
        "appenddirname can't be a path, just a dirname",
    ),
    (
        "cluster-announce-hostname a_b",
        1,
        "Hostnames may only contain alphanumeric characters, hyphens or dots",
    ),
    (
        "proc-title-template {foo}",
        1,
        "template format is invalid or contains unknown variables",
    ),
    (
        "proc-title-template {title}",
        1,
        "template format is invalid or contains unknown variables",
    ),
    (
        "dir /nonexistent-scarlet-dir",
        1,
        "No such file or directory",
    ),
    ("dir /etc/passwd", 1, "Not a directory"),
    ("dir", 1, "wrong number of arguments"),
    ("include", 1, "Bad directive or wrong number of arguments"),
    (
        "include a b",
        1,
        "Bad directive or wrong number of arguments",
    ),
    (
        "rename-command a",
        1,
        "Bad directive or wrong number of arguments",
    ),
    ("user", 1, "Bad directive or wrong number of arguments"),
    (
        "loadmodule",
        1,
        "Bad directive or wrong number of arguments",
    ),
    ("save \"\" 1", 1, "Invalid save parameters"),
    ("maxmemory 1 # comment", 1, "wrong number of arguments"),
    (
        "hz -1",
        1,
        "argument must be between 0 and 2147483647 inclusive",
    ),
    (
        "port 0x10",
        1,
        "argument couldn't be parsed into an integer",
    ),
    (
        "timeout 99999999999999999999",
        1,
        "argument couldn't be parsed into an integer",
    ),
    (
        "maxmemory-clients 10%%",
        1,
        "argument must be a memory or percent value",
    ),
    ("replicaof no one extra", 1, "wrong number of arguments"),
    ("loglevel debug verbose", 1, "wrong number of arguments"),
    (
        "shutdown-on-sigint",
        1,
        "argument(s) must be one of the following: default, save, nosave, now, force",
    ),
    (
        "oom-score-adj maybe",
        1,
        "argument(s) must be one of the following: no, yes, relative, absolute",
    ),
    (
        "tls-port 70000",
        1,
        "argument must be between 0 and 65535 inclusive",
    ),
    (
        "bind 1.2.3.4\nport 1\nport 2 3",
        3,
        "wrong number of arguments",
    ),
    (
        "repl-backlog-size 0",
        1,
        "argument must be between 1 and 9223372036854775807 inclusive",
    ),
    (
        "client-query-buffer-limit 1kb",
        1,
        "argument must be between 1048576 and 9223372036854775807 inclusive",
    ),
    (
        "active-defrag-ignore-bytes 0",
        1,
        "argument must be between 1 and 9223372036854775807 inclusive",
    ),
    (
        "loading-process-events-interval-bytes 10",
        1,
        "argument must be between 1024 and 2147483647 inclusive",
    ),
    (
        "slowlog-log-slower-than -2",
        1,
        "argument must be between -1 and 9223372036854775807 inclusive",
    ),
    (
        "list-max-listpack-size 2147483648",
        1,
        "argument must be between -2147483648 and 2147483647 inclusive",
    ),
    (
        "latency-tracking-info-percentiles \"1 2 1e400\"",
        1,
        "Invalid latency-tracking-info-percentiles parameters",
    ),
    ("save \"\\\"abc\"\nsave 1 2 3", 2, "Invalid save parameters"),
    (
        "appendfsync sometimes",
        1,
        "argument(s) must be one of the following: everysec, always, no",
    ),
    // As the distribution's build (no patched jemalloc) says; Scarlet cannot defrag.
    (
        "activedefrag yes",
        1,
        "Active defragmentation cannot be enabled: it requires a Redis server \
        compiled with a modified Jemalloc like the one shipped by default with the Redis source \
        distribution",
    ),
];

#[test]
fn bad_lines_fail_like_redis() {
    for &(text, line, reason) in BAD_LINES {
        let err = load_text(text).expect_err(text);
        let (at, why) = fatal(err);
        assert_eq!(why, reason, "{text}");
        let (n, shown) = at.unwrap_or_else(|| panic!("{text}: no line"));
        assert_eq!(n, line, "{text}");
        let expected_line = text.lines().nth(line - 1).unwrap().trim();
        assert_eq!(shown, expected_line, "{text}");
    }
}

#[test]
fn fatal_error_display_is_redis_block() {
    let e = load_text("  port abc \t\r\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n\
         >>> 'port abc'\nargument couldn't be parsed into an integer\n"
    );
    let e = load_text("cluster-enabled yes\nreplicaof 1.2.3.4 5\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n"
    );
}

#[test]
fn log_file_is_checked_after_reading() {
    let e = load_text("logfile /nonexistent-scarlet/x.log").unwrap_err();
    assert_eq!(
        fatal(e),
        (
            None,
            "Can't open the log file: No such file or directory".to_string()
        )
    );
    let dir = temp_dir("logfile");
    let conf = format!("dir {}\nlogfile rel.log\n", dir.display());
    load_text(&conf).unwrap();
    assert!(
        dir.join("rel.log").exists(),
        "relative to dir, like Redis after its chdir"
    );
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn load_file_args(text: &str, extra: &[&str]) -> Result<crate::config::Loaded, ConfigError> {
    let src = ConfigSource::Text {
        text: text.as_bytes().to_vec(),
        path: None,
    };
    Config::load(Some(src), &args(extra))
}

#[test]
fn command_line_options_become_quoted_lines_after_the_file() {
    // The file ends with a newline, then Redis adds one before the options.
    let e = load_file_args("port 1\n", &["--port", "0", "--maxmemory", "abc"]).unwrap_err();
    assert_eq!(
        fatal(e),
        (
            Some((4, "maxmemory \"abc\"".into())),
            "argument must be a memory value".into()
        )
    );
    let e = load_file_args("port 1", &["--maxmemory", "1", "2"]).unwrap_err();
    assert_eq!(
        fatal(e),
        (
            Some((2, "maxmemory \"1\" \"2\"".into())),
            "wrong number of arguments".into()
        )
    );
    let e = load_file_args("", &["--foo"]).unwrap_err();
    assert_eq!(fatal(e).0, Some((2, "foo".into())));
    let e = load_file_args("", &["--foo bar", "baz"]).unwrap_err();
    assert_eq!(fatal(e).0, Some((2, "foo bar \"baz\"".into())));
    let e = load_file_args("", &["--loglevel", "it's \"q\"\\n"]).unwrap_err();
    assert_eq!(
        fatal(e).0,
        Some((2, "loglevel \"it's \\\"q\\\"\\\\n\"".into()))
    );
}

#[test]
fn command_line_save_and_multi_values() {
    let l = load_file_args("", &["--save"]).unwrap();
    assert_eq!(value(&l.config, "save"), "");
    let l = load_file_args("", &["--save", "--port", "7"]).unwrap();
    assert_eq!(value(&l.config, "save"), "");
    assert_eq!(l.config.port, 7);
    let l = load_file_args(
        "",
        &["--save", "10", "1", "20", "2", "--bind", "127.0.0.1", "::1"],
    )
    .unwrap();
    assert_eq!(value(&l.config, "save"), "10 1 20 2");
    assert_eq!(value(&l.config, "bind"), "127.0.0.1 ::1");
    let l = load_file_args("", &["--save", "10 1 20 2"]).unwrap();
    assert_eq!(value(&l.config, "save"), "10 1 20 2");
    let l = load_file_args("", &["--port 7", "--sentinel", "--hz", "20"]).unwrap();
    assert_eq!((l.config.port, l.config.hz), (7, 20));
    // Options come after the file: the last one wins.
    let l = load_file_args("port 1\n", &["--port", "2"]).unwrap();
    assert_eq!(l.config.port, 2);
    assert!(l.was_set("port"));
    assert!(!l.was_set("hz"));
}

#[test]
fn first_argument_is_the_file_and_dash_is_stdin() {
    let dir = temp_dir("args");
    let file = dir.join("a.conf");
    std::fs::write(&file, "port 1111\nhz 20\n").unwrap();
    let l = Config::load(None, &args(&[file.to_str().unwrap(), "--hz", "30"])).unwrap();
    assert_eq!((l.config.port, l.config.hz), (1111, 30));
    assert_eq!(l.config.config_file.as_deref(), Some(file.as_path()));

    let mut stdin: &[u8] = b"port 2222\n";
    let a = args(&[file.to_str().unwrap(), "--hz", "40", "-"]);
    let l = Config::load_with(LoadOptions {
        args: &a,
        stdin: Some(&mut stdin),
        ..Default::default()
    })
    .unwrap();
    assert_eq!((l.config.port, l.config.hz, l.read_stdin), (2222, 40, true));

    let mut stdin: &[u8] = b"port 3333\n";
    let a = args(&["-", "--hz", "50"]);
    let l = Config::load_with(LoadOptions {
        args: &a,
        stdin: Some(&mut stdin),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (l.config.port, l.config.hz, l.config.config_file.clone()),
        (3333, 50, None)
    );

    let missing = dir.join("missing.conf");
    let e = Config::load(None, &args(&[missing.to_str().unwrap()])).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Fatal error, can't open config file '{}': No such file or directory",
            missing.display()
        )
    );
    // No arguments at all: defaults, nothing read.
    let l = Config::load(None, &[]).unwrap();
    assert_eq!(l.config, Config::default());
}

#[test]
fn relative_config_file_becomes_absolute_like_redis() {
    let cwd = PathBuf::from("/a/b/c");
    let abs = |p: &str| {
        String::from_utf8(crate::config::load::absolute_path(p.as_bytes(), &cwd)).unwrap()
    };
    assert_eq!(abs("x.conf"), "/a/b/c/x.conf");
    assert_eq!(abs(" ../x.conf\n"), "/a/b/x.conf");
    assert_eq!(abs("../../../../x.conf"), "/x.conf");
    assert_eq!(abs("./x.conf"), "/a/b/c/./x.conf");
    assert_eq!(abs("/etc/x.conf"), "/etc/x.conf");
}

#[test]
fn save_lines_accumulate_until_an_include_ends() {
    let l = load_text("save 900 1\nsave 300 10\n").unwrap();
    assert_eq!(value(&l.config, "save"), "900 1 300 10");
    let l = load_text("save 900 1\nsave \"\"\nsave 300 10\n").unwrap();
    assert_eq!(value(&l.config, "save"), "300 10");
    // Redis forgets it is reading a file once an included file is done: later save
    // lines replace instead of adding (checked against redis-server 7.0.15).
    let dir = temp_dir("save");
    std::fs::write(dir.join("inc.conf"), "save 100 1\n").unwrap();
    let text = format!(
        "save 900 1\ninclude {}/inc.conf\nsave 300 10\nsave 60 5\n",
        dir.display()
    );
    let l = load_text(&text).unwrap();
    assert_eq!(value(&l.config, "save"), "60 5");
}

#[test]
fn includes_nest_glob_and_report_their_own_lines() {
    let dir = temp_dir("include");
    std::fs::create_dir(dir.join("conf.d")).unwrap();
    std::fs::write(dir.join("conf.d/b.conf"), "hz 30\n").unwrap();
    std::fs::write(dir.join("conf.d/a.conf"), "hz 20\ntimeout 5\n").unwrap();
    std::fs::write(dir.join("conf.d/.hidden.conf"), "hz 99\n").unwrap();
    std::fs::write(dir.join("bad.conf"), "\n\nport x\n").unwrap();
    let base = dir.display();
    // Sorted: a then b.
    let l = load_text(&format!("include {base}/conf.d/*.conf\n")).unwrap();
    assert_eq!((l.config.hz, l.config.timeout), (30, 5));
    // No match is fine.
    let l = load_text(&format!("include {base}/none/*.conf\nport 5\n")).unwrap();
    assert_eq!(l.config.port, 5);
    // Relative includes follow `dir`, like Redis after its chdir.
    let l = load_text(&format!("dir {base}\ninclude conf.d/a.conf\n")).unwrap();
    assert_eq!(l.config.hz, 20);
    let e = load_text(&format!("port 1\ninclude {base}/bad.conf\n")).unwrap_err();
    assert_eq!(fatal(e).0, Some((3, "port x".into())));
    let e = load_text("include /nonexistent-scarlet.conf").unwrap_err();
    assert_eq!(
        e,
        ConfigError::CantOpen {
            path: "/nonexistent-scarlet.conf".into(),
            reason: "No such file or directory".into()
        }
    );
    // A file including itself stops at the depth limit instead of overflowing.
    std::fs::write(dir.join("loop.conf"), format!("include {base}/loop.conf\n")).unwrap();
    let e = load_text(&format!("include {base}/loop.conf")).unwrap_err();
    assert_eq!(
        fatal(e).1,
        format!("Too many nested includes (at most {MAX_INCLUDE_DEPTH})")
    );
}

#[test]
fn special_lines_are_kept_for_the_server() {
    let l = load_text(
        "rename-command flushall \"\"\nrename-command GET get2\nuser alice on >pw ~* +@all\n\
         loadmodule /x.so a b\nmod.opt 1 2\nmod.opt 3\nsentinel\n",
    )
    .unwrap();
    assert_eq!(
        l.renamed_commands,
        vec![
            (b"flushall".to_vec(), b"".to_vec()),
            (b"GET".to_vec(), b"get2".to_vec())
        ]
    );
    assert_eq!(
        l.users,
        vec![vec![
            b"alice".to_vec(),
            b"on".to_vec(),
            b">pw".to_vec(),
            b"~*".to_vec(),
            b"+@all".to_vec()
        ]]
    );
    assert_eq!(l.modules[0].path, b"/x.so".to_vec());
    assert_eq!(l.modules[0].args, vec![b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(
        l.module_configs,
        vec![("mod.opt".to_string(), b"3".to_vec())]
    );
}

#[test]
fn rename_command_checks_like_redis_when_given_the_command_table() {
    let exists = |n: &[u8]| {
        ["get", "set", "flushall"]
            .iter()
            .any(|c| c.as_bytes().eq_ignore_ascii_case(n))
    };
    let run = |text: &str| {
        let src = ConfigSource::Text {
            text: text.as_bytes().to_vec(),
            path: None,
        };
        Config::load_with(LoadOptions {
            file: Some(src),
            command_exists: Some(&exists),
            ..Default::default()
        })
    };
    assert_eq!(
        fatal(run("rename-command foo bar").unwrap_err()).1,
        "No such command in rename-command"
    );
    assert_eq!(
        fatal(run("rename-command get set").unwrap_err()).1,
        "Target command name already exists"
    );
    assert!(run("rename-command get set2\nrename-command set get").is_ok());
    assert_eq!(
        fatal(run("rename-command get x\nrename-command get y").unwrap_err()).1,
        "No such command in rename-command"
    );
    assert!(run("rename-command get x\nrename-command x y").is_ok());
}

#[test]
fn user_lines_are_checked_when_given_a_checker() {
    let check = |argv: &[Vec<u8>]| -> Result<(), (usize, String)> {
        match argv.iter().position(|a| a == b"badrule") {
            Some(i) => Err((i, "Syntax error".to_string())),
            None => Ok(()),
        }
    };
    let src = ConfigSource::Text {
        text: b"user bob on badrule".to_vec(),
        path: None,
    };
    let e = Config::load_with(LoadOptions {
        file: Some(src),
        check_user: Some(&check),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        fatal(e).1,
        "Error in user declaration 'badrule': Syntax error"
    );
}

#[test]
fn unbuilt_subsystems_in_use_are_listed() {
    let l = load_text(
        "port 7000\nappendonly yes\nmaxmemory 0\nslowlog-max-len 5\nlazyfree-lazy-expire yes\nuser x on\n",
    )
    .unwrap();
    assert_eq!(
        l.unbuilt_in_use(),
        vec![
            ("slowlog-max-len", Subsystem::Slowlog),
            ("user", Subsystem::Acl)
        ]
    );
}

#[test]
fn whitespace_comments_and_case() {
    let l = load_text("\r\n   # c\n\t PORT 12  \r\n\x0b\nMaxMemory 1MB # trailing\n").unwrap_err();
    // "# trailing" is not a comment in Redis: three arguments.
    assert_eq!(
        fatal(l),
        (
            Some((5, "MaxMemory 1MB # trailing".into())),
            "wrong number of arguments".into()
        )
    );
    let l = load_text("\r\n   # c\n\t PORT 12  \r\nMaxMemory 1MB\n").unwrap();
    assert_eq!((l.config.port, l.config.maxmemory), (12, 1024 * 1024));
}

/// The Redis test suite's config files load (read from the Redis source tree when it
/// is present next to the project).
#[test]
fn redis_test_suite_configs_load() {
    let assets = std::path::Path::new("/work/ref/tests/assets");
    let Ok(entries) = std::fs::read_dir(assets) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "conf") {
            let text = std::fs::read_to_string(&p).unwrap();
            let l = load_text(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            if p.ends_with("default.conf") {
                assert_eq!(value(&l.config, "notify-keyspace-events"), "AKE");
                assert_eq!(
                    l.config.enable_debug_command,
                    crate::config::ProtectedAction::Yes
                );
            }
        }
    }
    // The same directives as the suite's default.conf, as plain facts.
    let l = load_text(
        "always-show-logo yes\nnotify-keyspace-events KEA\ndaemonize no\npidfile /var/run/redis.pid\n\
         port 6379\ntimeout 0\nbind 127.0.0.1\nloglevel verbose\nlogfile ''\ndatabases 16\n\
         latency-monitor-threshold 1\nrepl-diskless-sync-delay 0\nsave 900 1\nrdbcompression yes\n\
         dbfilename dump.rdb\ndir ./\nslave-serve-stale-data yes\nappendonly no\nappendfsync everysec\n\
         no-appendfsync-on-rewrite no\nactiverehashing yes\nenable-protected-configs yes\n\
         enable-debug-command yes\nenable-module-command yes\npropagation-error-behavior panic\n",
    )
    .unwrap();
    assert_eq!(value(&l.config, "save"), "900 1");
}

/// Redis's own redis.conf (every directive documented, most commented out) loads.
#[test]
fn redis_conf_loads() {
    let Ok(text) = std::fs::read_to_string("/work/ref/redis.conf") else {
        return;
    };
    let l = load_text(&text).unwrap();
    assert_eq!(value(&l.config, "bind"), "127.0.0.1 -::1");
}
