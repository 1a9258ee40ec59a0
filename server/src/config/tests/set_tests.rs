//! CONFIG GET / CONFIG SET semantics and error texts (captured from redis-server
//! 7.0.15 with redis-cli).

use super::{temp_dir, value};
use crate::config::{Apply, Config, SetContext, SetError};

fn set(cfg: &mut Config, pairs: &[(&str, &str)]) -> Result<crate::config::SetOutcome, SetError> {
    let pairs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
        .collect();
    cfg.set(&pairs, SetContext::default())
}

fn err(cfg: &mut Config, pairs: &[(&str, &str)]) -> String {
    match set(cfg, pairs) {
        Err(SetError::Err(e)) => e,
        other => panic!("{pairs:?}: {other:?}"),
    }
}

#[test]
fn set_errors_match_redis() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("foo", "1")],
            "Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &[("daemonize", "yes")],
            "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
        ),
        (
            &[("DAEMONIZE", "yes")],
            "CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config",
        ),
        (
            &[("dir", "/tmp"), ("dbfilename", "x.rdb")],
            "CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
        ),
        (
            &[("maxmemory", "10mb"), ("maxmemory", "20mb")],
            "CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter",
        ),
        (
            &[("maxmemory", "10mb"), ("hz", "abc")],
            "CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
        ),
        (
            &[("HZ", "abc")],
            "CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
        ),
        (
            &[("SLAVE-priority", "abc")],
            "CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer",
        ),
        (
            &[("maxmemory-clients", "101%")],
            "CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100",
        ),
        (
            &[("save", "1 2 3")],
            "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
        ),
        (
            &[("save", "  ")],
            "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
        ),
        (
            &[("foo", "1"), ("daemonize", "yes")],
            "Unknown option or number of arguments for CONFIG SET - 'foo'",
        ),
        (
            &[("daemonize", "yes"), ("foo", "1")],
            "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
        ),
        (
            &[("oom-score-adj-values", "1 2")],
            "CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments",
        ),
        (
            &[("oom-score-adj-values", "")],
            "CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments",
        ),
        (
            &[("shutdown-on-sigint", "save nosave")],
            "CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
        (
            &[("appendfilename", "a")],
            "CONFIG SET failed (possibly related to argument 'appendfilename') - can't set immutable config",
        ),
        (
            &[("dbfilename", "a/b")],
            "CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config",
        ),
        (
            &[("cluster-announce-hostname", "a_b")],
            "CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots",
        ),
        (
            &[("proc-title-template", "{foo}")],
            "CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables",
        ),
        (
            &[("client-output-buffer-limit", "master 1 2 3")],
            "CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.",
        ),
        (
            &[("client-output-buffer-limit", "normal 1 2")],
            "CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.",
        ),
        (
            &[("client-output-buffer-limit", "normal 1x 2 3")],
            "CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        ),
        (
            &[("latency-tracking-info-percentiles", "101")],
            "CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
        ),
        (
            &[("latency-tracking-info-percentiles", "abc")],
            "CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters",
        ),
        (
            &[("notify-keyspace-events", "Q")],
            "CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        (
            &[("unixsocketperm", "1000")],
            "CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config",
        ),
        (
            &[("bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17")],
            "CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.",
        ),
        (
            &[("slaveof", "a 1")],
            "CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config",
        ),
    ];
    for (pairs, expected) in cases {
        let mut cfg = Config::default();
        let before = cfg.clone();
        assert_eq!(err(&mut cfg, pairs), *expected, "{pairs:?}");
        assert_eq!(cfg, before, "{pairs:?} must change nothing");
    }
}

#[test]
fn multi_parameter_set_is_atomic() {
    let mut cfg = Config::default();
    let before = cfg.clone();
    // The first two are valid and get stored before the third fails: all roll back.
    let e = err(
        &mut cfg,
        &[("maxmemory", "10mb"), ("save", "60 1"), ("timeout", "-1")],
    );
    assert_eq!(
        e,
        "CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive"
    );
    assert_eq!(cfg, before);

    let out = set(
        &mut cfg,
        &[
            ("maxmemory", "10mb"),
            ("save", "60 1 30 2"),
            ("timeout", "5"),
        ],
    )
    .unwrap();
    assert_eq!(value(&cfg, "maxmemory"), "10485760");
    assert_eq!(value(&cfg, "save"), "60 1 30 2");
    assert_eq!(cfg.timeout, 5);
    assert_eq!(out.hooks, vec![(Apply::Maxmemory, "maxmemory")]);
    assert_eq!(out.names, vec!["maxmemory", "save", "timeout"]);
    // A hook failed: everything goes back.
    cfg.restore(out.undo);
    assert_eq!(cfg, before);
}

#[test]
fn hooks_run_once_per_reaction_for_changed_values_only() {
    let mut cfg = Config::default();
    let out = set(
        &mut cfg,
        &[
            ("port", "6379"),
            ("hz", "20"),
            ("oom-score-adj", "yes"),
            ("oom-score-adj-values", "1 2 3"),
            ("min-slaves-to-write", "1"),
            ("min-replicas-max-lag", "3"),
        ],
    )
    .unwrap();
    assert_eq!(
        out.hooks,
        vec![
            (Apply::Hz, "hz"),
            (Apply::OomScoreAdj, "oom-score-adj"),
            (Apply::GoodReplicas, "min-slaves-to-write")
        ]
    );
    // bind always counts as changed, like Redis's set function.
    let out = set(&mut cfg, &[("bind", "* -::*")]).unwrap();
    assert_eq!(out.hooks, vec![(Apply::Bind, "bind")]);
    // Volatile files always re-apply.
    let out = set(&mut cfg, &[("tls-cert-file", "")]).unwrap();
    assert_eq!(out.hooks, vec![(Apply::TlsConfig, "tls-cert-file")]);
    let out = set(&mut cfg, &[("tls-key-file-pass", "")]).unwrap();
    assert!(out.hooks.is_empty());
    // A name and its alias are not duplicates; the later wins.
    set(
        &mut cfg,
        &[("slave-priority", "1"), ("replica-priority", "2")],
    )
    .unwrap();
    assert_eq!(cfg.replica_priority, 2);
    // hz is clamped like Redis's apply function does.
    set(&mut cfg, &[("hz", "100000")]).unwrap();
    assert_eq!(value(&cfg, "hz"), "500");
}

#[test]
fn protected_and_loading_checks() {
    let dir = temp_dir("set-dir");
    let mut cfg = Config {
        enable_protected_configs: crate::config::ProtectedAction::Local,
        ..Config::default()
    };
    let d = dir.to_str().unwrap();
    let remote = SetContext {
        client_is_local: false,
        loading: false,
    };
    let local = SetContext {
        client_is_local: true,
        loading: false,
    };
    let pairs: [(&[u8], &[u8]); 1] = [(b"dir", d.as_bytes())];
    assert!(matches!(cfg.set(&pairs, remote), Err(SetError::Err(_))));
    let out = cfg.set(&pairs, local).unwrap();
    assert_eq!(out.hooks, vec![(Apply::Dir, "dir")]);
    assert_eq!(value(&cfg, "dir"), d);
    let loading = SetContext {
        client_is_local: true,
        loading: true,
    };
    let e = cfg.set(&pairs, loading).unwrap_err();
    assert_eq!(e, SetError::Loading);
    assert_eq!(
        e.reply_line(),
        "LOADING Redis is loading the dataset in memory"
    );
    // Relative to the current dir; errors are the OS's.
    std::fs::create_dir(dir.join("sub")).unwrap();
    cfg.set(&[(b"dir", b"sub")], local).unwrap();
    assert_eq!(cfg.dir, dir.join("sub"));
    match cfg.set(&[(b"dir", b"nope")], local) {
        Err(SetError::Err(e)) => assert_eq!(
            e,
            "CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn set_multi_arg_values_split_on_single_spaces() {
    let mut cfg = Config::default();
    set(&mut cfg, &[("save", "")]).unwrap();
    assert_eq!(value(&cfg, "save"), "");
    set(&mut cfg, &[("bind", "")]).unwrap();
    assert_eq!(value(&cfg, "bind"), "");
    set(&mut cfg, &[("save", "10 1"), ("bind", "127.0.0.1 ::1")]).unwrap();
    assert_eq!(value(&cfg, "save"), "10 1");
    assert_eq!(value(&cfg, "bind"), "127.0.0.1 ::1");
    assert!(set(&mut cfg, &[("save", "10  1")]).is_err());
    set(
        &mut cfg,
        &[("client-output-buffer-limit", "pubsub 1mb 1kb 5")],
    )
    .unwrap();
    assert_eq!(
        value(&cfg, "client-output-buffer-limit"),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1024 5"
    );
    set(&mut cfg, &[("latency-tracking-info-percentiles", "")]).unwrap();
    assert_eq!(value(&cfg, "latency-tracking-info-percentiles"), "");
    set(&mut cfg, &[("shutdown-on-sigterm", "nosave now")]).unwrap();
    assert_eq!(value(&cfg, "shutdown-on-sigterm"), "nosave now");
    set(
        &mut cfg,
        &[("requirepass", "s3cret"), ("maxmemory-clients", "10%")],
    )
    .unwrap();
    assert_eq!(cfg.requirepass.as_deref(), Some(b"s3cret".as_slice()));
    set(&mut cfg, &[("requirepass", "")]).unwrap();
    assert_eq!(cfg.requirepass, None);
}

#[test]
fn get_patterns_like_redis() {
    let cfg = Config::default();
    let keys = |p: &[&str]| cfg.get(p).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(keys(&["PORT"]), vec!["PORT"]);
    assert_eq!(keys(&["PORT", "port"]), vec!["PORT"]);
    assert_eq!(keys(&["PORT", "p*t"]), vec!["PORT"]);
    assert_eq!(keys(&["slaveof"]), vec!["slaveof"]);
    let mut k = keys(&["*max-*-entries"]);
    k.sort();
    assert_eq!(
        k,
        vec![
            "hash-max-listpack-entries",
            "hash-max-ziplist-entries",
            "set-max-intset-entries",
            "zset-max-listpack-entries",
            "zset-max-ziplist-entries"
        ]
    );
    let mut k = keys(&["MAXMEMORY*", "maxmemory"]);
    k.sort();
    assert_eq!(
        k,
        vec![
            "maxmemory",
            "maxmemory-clients",
            "maxmemory-eviction-tenacity",
            "maxmemory-policy",
            "maxmemory-samples"
        ]
    );
    assert_eq!(keys(&["nope", "x*y"]), Vec::<String>::new());
    assert_eq!(
        cfg.get(&["client-output-buffer-limit"])[0].1,
        b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".to_vec()
    );
}
