//! Differential check against the real `redis-server` when it is installed: every
//! bad config of the load tests must make it print exactly our error block. Skipped
//! when the binary is absent.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{load_text, temp_dir};
use crate::config::{Config, ConfigSource, RewriteInputs, SetContext};

/// Runs redis-server on a config (loopback, port 0, no persistence) and returns its
/// standard error if it exits within a few seconds.
fn redis_server_stderr(dir: &std::path::Path, text: &str) -> Option<String> {
    let conf = dir.join("t.conf");
    std::fs::write(&conf, text).ok()?;
    let mut child = Command::new("redis-server")
        .arg(&conf)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().ok()?;
    Some(String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn errors_match_the_installed_redis_server() {
    let available = Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("v=7.0.15"));
    if !available {
        return;
    }
    let dir = temp_dir("differential");
    let mut checked = 0;
    for &(text, _, _) in super::load_tests::BAD_LINES {
        // Keep the real server on loopback and off disk should a line ever be valid.
        let text = format!("{text}\n");
        let guarded = format!("port 0\nbind 127.0.0.1\nsave \"\"\n{text}");
        let ours = load_text(&guarded).expect_err(&text).to_string();
        let Some(theirs) = redis_server_stderr(&dir, &guarded) else {
            continue;
        };
        assert_eq!(ours, theirs, "{text}");
        checked += 1;
    }
    eprintln!("differential: {checked} configs checked against redis-server");
    assert!(checked > 40);
}

/// Runs `redis-cli -s <socket> <args>` and returns its `--raw` output lines.
fn cli(socket: &std::path::Path, args: &[&str]) -> Option<Vec<String>> {
    let out = Command::new("redis-cli")
        .arg("-s")
        .arg(socket)
        .arg("--raw")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// A real server on a unix socket only (`port 0`), stopped when dropped.
struct RealServer {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Drop for RealServer {
    fn drop(&mut self) {
        let _ = cli(&self.socket, &["shutdown", "nosave"]);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_real(conf: &std::path::Path, socket: &std::path::Path) -> Option<RealServer> {
    let child = Command::new("redis-server")
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let server = RealServer {
        child,
        socket: socket.to_path_buf(),
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if cli(socket, &["ping"]).is_some_and(|l| l.first().is_some_and(|p| p == "PONG")) {
            return Some(server);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn pairs(lines: &[String]) -> std::collections::BTreeMap<String, String> {
    lines
        .chunks(2)
        .filter_map(|c| Some((c.first()?.clone(), c.get(1)?.clone())))
        .collect()
}

/// The same config file and the same CONFIG SETs on the real server and on ours:
/// CONFIG GET * and CONFIG REWRITE must agree.
#[test]
fn get_set_and_rewrite_match_the_installed_redis_server() {
    let has = |bin: &str| {
        Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("7.0.15"))
    };
    if !has("redis-server") || !has("redis-cli") {
        return;
    }
    let dir = temp_dir("differential-live");
    let socket = dir.join("s.sock");
    let conf = dir.join("redis.conf");
    let text = format!(
        "# differential test\nport 0\nunixsocket {sock}\nunixsocketperm 700\ndir {dir}\n\
         logfile {dir}/log.txt\nsave \"\"\nsave 900 1\nsave 300 10\nmaxmemory 5kb\n\
         maxmemory-clients 10%\nhz 1000\nloglevel WARNING\nnotify-keyspace-events KEA\n\
         shutdown-on-sigint \"now save\"\nlatency-tracking-info-percentiles \"1.5 99.990 100\"\n\
         slave-read-only no\nlist-max-ziplist-size -5\nclient-output-buffer-limit pubsub 1gb 2mb 3\n\
         lua-time-limit 100\nproto-max-bulk-len 2gb\nmaxmemory-policy allkeys-lfu\n\
         masteruser \"a\\x00b\"\nenable-debug-command local\nrepl-backlog-size 1025kb\n",
        sock = socket.display(),
        dir = dir.display()
    );
    std::fs::write(&conf, &text).unwrap();
    let Some(server) = start_real(&conf, &socket) else {
        return;
    };
    let mut ours = Config::load(Some(ConfigSource::File(conf.clone())), &[])
        .unwrap()
        .config;
    let ours_get = |c: &Config| -> std::collections::BTreeMap<String, String> {
        c.get(&["*"])
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
            .collect()
    };
    assert_eq!(
        ours_get(&ours),
        pairs(&cli(&server.socket, &["config", "get", "*"]).unwrap())
    );

    let sets: &[&[&str]] = &[
        &["maxmemory", "10mb", "timeout", "5"],
        &["save", "60 5", "bind", "127.0.0.1 -::1"],
        &[
            "client-output-buffer-limit",
            "replica 1gb 2mb 3 normal 1 2 3",
        ],
        &["slave-priority", "1", "replica-priority", "7"],
        &["notify-keyspace-events", "xK", "hz", "0"],
        &["maxmemory-clients", "0", "oom-score-adj-values", "-1 0 1"],
        &[
            "latency-tracking-info-percentiles",
            "",
            "activedefrag",
            "yes",
        ],
        &["maxmemory", "1mb", "timeout", "-1"],
    ];
    for set in sets {
        let mut args = vec!["config", "set"];
        args.extend_from_slice(set);
        let theirs = cli(&server.socket, &args)
            .unwrap()
            .join("\n")
            .trim_end()
            .to_string();
        let pairs_b: Vec<(&[u8], &[u8])> = set
            .chunks(2)
            .map(|c| (c[0].as_bytes(), c[1].as_bytes()))
            .collect();
        let mine = match ours.set(&pairs_b, SetContext::default()) {
            Ok(_) => "OK".to_string(),
            Err(e) => e.reply_line(),
        };
        assert_eq!(mine, theirs, "{set:?}");
        assert_eq!(
            ours_get(&ours),
            pairs(&cli(&server.socket, &["config", "get", "*"]).unwrap())
        );
    }

    assert_eq!(
        cli(&server.socket, &["config", "rewrite"]).unwrap(),
        vec!["OK".to_string()]
    );
    let theirs = std::fs::read_to_string(&conf).unwrap();
    let users: Vec<String> = theirs
        .lines()
        .filter(|l| l.starts_with("user "))
        .map(str::to_string)
        .collect();
    let inputs = RewriteInputs {
        users: Some(&users),
        ..RewriteInputs::default()
    };
    let mine = String::from_utf8(ours.rewrite_content(Some(text.as_bytes()), inputs)).unwrap();
    let split = |s: &str| -> (String, Vec<String>) {
        let (kept, added) = s
            .split_once("# Generated by CONFIG REWRITE\n")
            .unwrap_or((s, ""));
        let mut added: Vec<String> = added.lines().map(str::to_string).collect();
        added.sort();
        (kept.to_string(), added)
    };
    assert_eq!(
        split(&mine),
        split(&theirs),
        "ours:\n{mine}\ntheirs:\n{theirs}"
    );
}
