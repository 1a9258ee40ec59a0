//! The table against the real server: names, aliases, defaults, flags.

use std::collections::BTreeMap;

use super::redis_defaults::REDIS_7_0_15_DEFAULTS;
use super::{load_text, value};
use crate::config::{Config, Flags, Spec, Subsystem, directives, lookup};

#[test]
fn config_get_star_matches_real_redis_defaults() {
    let cfg = Config::default();
    let ours: BTreeMap<String, String> = cfg
        .get(&["*"])
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect();
    let cwd = std::env::current_dir()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let theirs: BTreeMap<String, String> = REDIS_7_0_15_DEFAULTS
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                if *k == "dir" {
                    cwd.clone()
                } else {
                    v.to_string()
                },
            )
        })
        .collect();
    let missing: Vec<_> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for (k, v) in &theirs {
        assert_eq!(ours.get(k), Some(v), "default of {k}");
    }
    assert_eq!(cfg.get(&["*"]).len(), 192, "no duplicates");
}

#[test]
fn hidden_directives_only_by_exact_name() {
    let cfg = Config::default();
    let hidden = [
        ("rdb-key-save-delay", "0"),
        ("key-load-delay", "0"),
        ("use-exit-on-panic", "no"),
        ("watchdog-period", "0"),
        ("loading-process-events-interval-bytes", "2097152"),
    ];
    for (name, v) in hidden {
        assert!(
            lookup(name.as_bytes())
                .unwrap()
                .flags
                .contains(Flags::HIDDEN)
        );
        assert_eq!(
            cfg.get(&[name]),
            vec![(name.to_string(), v.as_bytes().to_vec())]
        );
        assert!(cfg.get(&["*"]).iter().all(|(k, _)| k != name));
    }
    assert_eq!(cfg.get(&["key-load-delay*"]), vec![]);
}

#[test]
fn directive_count_and_unique_names() {
    let mut names = std::collections::HashSet::new();
    for d in directives() {
        assert!(names.insert(d.name), "duplicate {}", d.name);
        if let Some(a) = d.alias {
            assert!(names.insert(a), "duplicate alias {a}");
        }
        assert_eq!(d.name, d.name.to_ascii_lowercase());
    }
    // 173 visible primary names + 19 aliases = 192 CONFIG GET * entries, + 5 hidden.
    assert_eq!(directives().len(), 178);
    assert_eq!(names.len(), 197);
}

/// Every directive accepts its own default value back, from a config file line and
/// through its alias, and shows it unchanged.
#[test]
fn every_directive_parses_its_default_value() {
    let defaults = Config::default();
    for d in directives() {
        let v = String::from_utf8(d.default_value()).unwrap();
        let quoted = scarlet_protocol::repr(v.as_bytes());
        for name in std::iter::once(d.name).chain(d.alias) {
            let line = if matches!(d.spec, Spec::ReplicaOf) {
                format!("{name} no one")
            } else {
                format!("{name} {quoted}")
            };
            let loaded = load_text(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(
                value(&loaded.config, d.name),
                value(&defaults, d.name),
                "{line}"
            );
            assert!(loaded.was_set(name));
        }
    }
}

/// A non-default value for every directive kind survives a load and shows as Redis
/// shows it.
#[test]
fn typical_values_show_like_redis() {
    let cases = [
        ("maxmemory 1gb", "maxmemory", "1073741824"),
        ("maxmemory 1G", "maxmemory", "1000000000"),
        ("maxmemory 5KB", "maxmemory", "5120"),
        ("maxmemory 5k", "maxmemory", "5000"),
        ("maxmemory 7b", "maxmemory", "7"),
        ("maxmemory \"\"", "maxmemory", "0"),
        ("maxmemory kb", "maxmemory", "0"),
        (
            "maxmemory 99999999999999999999gb",
            "maxmemory",
            "18446744072635809792",
        ),
        ("maxmemory-clients 10%", "maxmemory-clients", "10%"),
        ("maxmemory-clients 0%", "maxmemory-clients", "0"),
        ("maxmemory-clients 1mb", "maxmemory-clients", "1048576"),
        ("unixsocketperm 700", "unixsocketperm", "700"),
        ("unixsocketperm \"\"", "unixsocketperm", "0"),
        ("unixsocketperm \" 0755\"", "unixsocketperm", "755"),
        ("daemonize YES", "daemonize", "yes"),
        ("loglevel WARNING", "loglevel", "warning"),
        ("oom-score-adj relative", "oom-score-adj", "yes"),
        ("oom-score-adj absolute", "oom-score-adj", "absolute"),
        (
            "shutdown-on-sigint \"now save\"",
            "shutdown-on-sigint",
            "save now",
        ),
        (
            "shutdown-on-sigterm force nosave",
            "shutdown-on-sigterm",
            "nosave force",
        ),
        (
            "notify-keyspace-events KEA",
            "notify-keyspace-events",
            "AKE",
        ),
        ("notify-keyspace-events An", "notify-keyspace-events", "A"),
        (
            "notify-keyspace-events nxgK",
            "notify-keyspace-events",
            "gxnK",
        ),
        ("notify-keyspace-events \"\"", "notify-keyspace-events", ""),
        ("hz 1000", "hz", "500"),
        ("hz 0", "hz", "1"),
        (
            "latency-tracking-info-percentiles \"1.5 99.990 100\"",
            "latency-tracking-info-percentiles",
            "1.5 99.99 100",
        ),
        (
            "latency-tracking-info-percentiles \"\"",
            "latency-tracking-info-percentiles",
            "",
        ),
        ("bind 127.0.0.1 ::1", "bind", "127.0.0.1 ::1"),
        ("bind \"\"", "bind", ""),
        ("replicaof 10.0.0.1 6380", "replicaof", "10.0.0.1 6380"),
        ("slaveof 10.0.0.1 6380", "slaveof", "10.0.0.1 6380"),
        (
            "client-output-buffer-limit pubsub 1gb 2mb 3",
            "client-output-buffer-limit",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1073741824 2097152 3",
        ),
        (
            "client-output-buffer-limit replica 1 2 3 normal 4 5 6",
            "client-output-buffer-limit",
            "normal 4 5 6 slave 1 2 3 pubsub 33554432 8388608 60",
        ),
        (
            "oom-score-adj-values \"-100 0 2000\"",
            "oom-score-adj-values",
            "-100 0 2000",
        ),
        ("requirepass \"a\\x00b\"", "requirepass", "a\0b"),
        ("masteruser \"a\\x00b\"", "masteruser", "a"),
        ("list-max-ziplist-size -5", "list-max-listpack-size", "-5"),
        (
            "slowlog-log-slower-than -1",
            "slowlog-log-slower-than",
            "-1",
        ),
        ("save \"\"", "save", ""),
        ("save 100 \"\"", "save", "100 0"),
        ("pidfile \"\"", "pidfile", ""),
        (
            "cluster-announce-hostname a-b.c",
            "cluster-announce-hostname",
            "a-b.c",
        ),
    ];
    for (line, name, expected) in cases {
        let loaded = load_text(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(value(&loaded.config, name), expected, "{line}");
    }
}

#[test]
fn typed_fields_follow_the_table() {
    let loaded = load_text(
        "port 7000\nbind 1.2.3.4\nmaxmemory 2mb\nmaxmemory-clients 5%\nloglevel debug\n\
         replicaof h 1\nsave 1 2\nrequirepass x\nappendfsync always\nunixsocket /tmp/s\n",
    )
    .unwrap();
    let c = &loaded.config;
    assert_eq!(c.port, 7000);
    assert_eq!(c.bind, vec!["1.2.3.4".to_string()]);
    assert_eq!(c.maxmemory, 2 * 1024 * 1024);
    assert_eq!(
        c.maxmemory_clients,
        crate::config::MaxmemoryClients::Percent(5)
    );
    assert_eq!(c.loglevel, crate::config::LogLevel::Debug);
    assert_eq!(
        c.replicaof,
        Some(crate::config::ReplicaOf {
            host: "h".into(),
            port: 1
        })
    );
    assert_eq!(
        c.save,
        vec![crate::config::SavePoint {
            seconds: 1,
            changes: 2
        }]
    );
    assert_eq!(c.requirepass, Some(b"x".to_vec()));
    assert_eq!(c.appendfsync, crate::config::AppendFsync::Always);
    assert_eq!(c.unixsocket.as_deref(), Some("/tmp/s"));
}

#[test]
fn built_subsystems_and_core_has_the_documented_directives() {
    for d in directives() {
        assert_eq!(
            d.subsystem.is_built(),
            matches!(
                d.subsystem,
                Subsystem::Core
                    | Subsystem::LatencyTracking
                    | Subsystem::Persistence
                    | Subsystem::Notifications
                    | Subsystem::Tracking
                    | Subsystem::OutputBufferLimits
                    | Subsystem::Aof
                    | Subsystem::Replication
                    | Subsystem::Scripting
                    | Subsystem::Eviction
                    | Subsystem::ClientEviction
                    | Subsystem::LazyFree
                    | Subsystem::Collections
            ),
            "{}",
            d.name
        );
    }
    let core = [
        "bind",
        "port",
        "unixsocket",
        "unixsocketperm",
        "protected-mode",
        "maxclients",
        "timeout",
        "tcp-keepalive",
        "tcp-backlog",
        "io-threads",
        "io-threads-do-reads",
        "daemonize",
        "pidfile",
        "loglevel",
        "logfile",
        "always-show-logo",
        "databases",
        "hz",
        "dynamic-hz",
        "active-expire-effort",
        "activerehashing",
        "requirepass",
        "proto-max-bulk-len",
        "client-query-buffer-limit",
        "enable-debug-command",
        "enable-protected-configs",
        "enable-module-command",
        "dir",
        "crash-log-enabled",
        "crash-memcheck-enabled",
    ];
    for name in core {
        assert_eq!(
            lookup(name.as_bytes()).unwrap().subsystem,
            Subsystem::Core,
            "{name}"
        );
    }
}

#[test]
fn flags_match_redis_for_a_sample() {
    let f = |n: &str| lookup(n.as_bytes()).unwrap().flags;
    assert!(f("daemonize").contains(Flags::IMMUTABLE));
    assert!(f("dir").contains(Flags::PROTECTED.union(Flags::DENY_LOADING)));
    assert!(f("dbfilename").contains(Flags::PROTECTED));
    assert!(f("appendonly").contains(Flags::DENY_LOADING));
    assert!(f("requirepass").contains(Flags::SENSITIVE));
    assert!(f("masteruser").contains(Flags::SENSITIVE));
    assert!(f("save").contains(Flags::MULTI_ARG));
    assert!(f("slaveof").contains(Flags::IMMUTABLE.union(Flags::MULTI_ARG)));
    assert!(f("tls-cert-file").contains(Flags::VOLATILE));
    assert!(f("io-threads").contains(Flags::DEBUG.union(Flags::IMMUTABLE)));
    assert_eq!(f("port"), Flags::empty());
    assert!(lookup(b"SLAVE-READ-ONLY").is_some());
    assert!(lookup(b"nope").is_none());
}

#[test]
fn debug_info_lists_debug_directives() {
    let info = Config::default().debug_info();
    assert!(info.contains("io-threads 1\n"), "{info}");
    assert!(info.contains("client-query-buffer-limit 1gb\n"), "{info}");
    assert!(info.contains("replica-read-only yes\n"), "{info}");
    assert!(!info.contains("port"), "{info}");
}

#[test]
fn proc_title_expands_like_redis() {
    let mut c = Config::default();
    assert_eq!(
        c.proc_title("redis-server").as_deref(),
        Some("redis-server *:6379")
    );
    c.cluster_enabled = true;
    c.proc_title_template = "{{x} {title} {server-mode} {port}".into();
    assert_eq!(c.proc_title("t").as_deref(), Some("{x} t [cluster] 6379"));
}
