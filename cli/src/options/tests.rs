//! Unit tests for option parsing.

use std::ffi::OsString;

use super::*;

fn run(args: &[&str]) -> (Config, Vec<Vec<u8>>) {
    let args = args.iter().map(OsString::from).collect();
    match parse(args, false, false) {
        Parsed::Run(config, command) => (*config, command),
        _ => panic!("expected a run"),
    }
}

fn failure(args: &[&str]) -> String {
    let args = args.iter().map(OsString::from).collect();
    match parse(args, false, false) {
        Parsed::Fail(text) => text,
        _ => panic!("expected a failure"),
    }
}

#[test]
fn options_stop_at_the_command() {
    let (config, command) = run(&["-p", "7000", "-n", "3", "--raw", "set", "-x", "1"]);
    assert_eq!(config.port, 7000);
    assert_eq!(config.dbnum, 3);
    assert_eq!(config.output, Output::Raw);
    assert_eq!(
        command,
        vec![b"set".to_vec(), b"-x".to_vec(), b"1".to_vec()]
    );
    assert!(!config.stdin_lastarg);
}

#[test]
fn numbers_read_like_c() {
    assert_eq!(c_atoi(b" 42abc"), 42);
    assert_eq!(c_atoi(b"-7"), -7);
    assert_eq!(c_atoi(b"x"), 0);
    assert_eq!(c_atof(b"0.5s"), 0.5);
    let (config, _) = run(&["-i", "0.25", "-r", "-1"]);
    assert_eq!(config.interval_us, 250_000);
    assert_eq!(config.repeat, -1);
}

#[test]
fn errors_as_redis_cli_words_them() {
    assert_eq!(
        failure(&["-x", "-X", "tag"]),
        "Options -x and -X are mutually exclusive."
    );
    assert_eq!(
        failure(&["-X"]),
        "Unrecognized option or bad number of args for: '-X'"
    );
    assert_eq!(
        failure(&["-2", "-3"]),
        "Options -2 and -3 are mutually exclusive."
    );
    assert_eq!(
        failure(&["-c", "-s", "/tmp/s"]),
        "Options -c and -s are mutually exclusive."
    );
    assert_eq!(failure(&["-u", "http://x"]), "Invalid URI scheme");
}

#[test]
fn uri_parts() {
    let (config, _) = run(&[
        "--no-auth-warning",
        "-u",
        "redis://us%65r:p%40ss@example:6380/4",
    ]);
    assert_eq!(config.host, "example");
    assert_eq!(config.port, 6380);
    assert_eq!(config.dbnum, 4);
    assert_eq!(config.user.as_deref(), Some(&b"user"[..]));
    assert_eq!(config.auth.as_deref(), Some(&b"p@ss"[..]));
}

#[test]
fn json_prefers_resp3_unless_told_otherwise() {
    assert_eq!(run(&["--json"]).0.resp3, Resp3::Preferred);
    assert!(!run(&["-2", "--json"]).0.wants_resp3());
    assert_eq!(run(&["-3", "--json"]).0.resp3, Resp3::Required);
}

#[test]
fn help_and_version() {
    let parsed = parse(vec![OsString::from("-h")], false, false);
    assert!(matches!(parsed, Parsed::Print(text) if text.contains("Usage: redis-cli")));
    let parsed = parse(vec![OsString::from("-v")], false, false);
    assert!(matches!(parsed, Parsed::Print(text) if text.starts_with("redis-cli 7.0.15")));
}

#[test]
fn quoted_arguments() {
    assert_eq!(unquote(br#""\x00\x41""#), Some(vec![0, b'A']));
    assert_eq!(unquote(br#""a" "b""#), None);
    assert_eq!(unquote(br#""open"#), None);
}

#[test]
fn tls_options_and_rediss_uri() {
    let (config, command) = run(&[
        "--tls",
        "--sni",
        "example.org",
        "--cacert",
        "ca.crt",
        "--cacertdir",
        "cas",
        "--insecure",
        "--cert",
        "c.crt",
        "--key",
        "c.key",
        "--tls-ciphers",
        "HIGH",
        "--tls-ciphersuites",
        "TLS_AES_128_GCM_SHA256",
        "ping",
    ]);
    assert!(config.tls);
    let tls = &config.tls_options;
    assert_eq!(tls.sni.as_deref(), Some("example.org"));
    assert_eq!(tls.cacert.as_deref(), Some("ca.crt"));
    assert_eq!(tls.cacertdir.as_deref(), Some("cas"));
    assert!(tls.insecure);
    assert_eq!(tls.cert.as_deref(), Some("c.crt"));
    assert_eq!(tls.key.as_deref(), Some("c.key"));
    assert_eq!(tls.ciphers.as_deref(), Some("HIGH"));
    assert_eq!(tls.ciphersuites.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(command, vec![b"ping".to_vec()]);
    assert!(!run(&["--insecure"]).0.tls);
    let (config, _) = run(&["-u", "REDISS://host:6390/2"]);
    assert!(config.tls);
    assert_eq!(
        (config.host.as_str(), config.port, config.dbnum),
        ("host", 6390, 2)
    );
    assert_eq!(
        failure(&["--cacert"]),
        "Unrecognized option or bad number of args for: '--cacert'"
    );
}
