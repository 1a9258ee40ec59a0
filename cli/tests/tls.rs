//! scarlet-cli over TLS against Debian's redis-server, compared with Debian's redis-cli
//! 7.0.15 (built with OpenSSL): replies in every output mode, the TLS options (CA file and
//! directory, --insecure, client certificates, cipher lists, rediss://), and the error
//! texts and exit codes when the options or the handshake fail.
//!
//! A throwaway CA, server and client certificates are made with the `openssl` command in a
//! scratch directory at test time (nothing is committed). Compiled only with
//! `--features interop`, like the other tests that need Debian's Redis tools.

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
use std::process::Command;

use common::{CLI, DEADLINE};
use scarlet_tests::{
    REDIS_CLI, REDIS_SERVER, ScratchDir, ServerBuilder, TestServer, free_port, run_with_input,
};

/// Extensions for the leaf certificates (rustls, like most TLS stacks, wants X.509 v3).
const EXTENSIONS: &str = "\
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
[client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
";

/// The certificates of one test run.
struct Pki {
    dir: ScratchDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pki {
    /// A CA with a server and a client certificate, and an unrelated CA.
    fn new() -> Pki {
        let dir = ScratchDir::new("tls-pki");
        let d = dir.path();
        dir.write("ext.cnf", EXTENSIONS);
        for (name, subject) in [("ca", "/CN=Scarlet Test CA"), ("other", "/CN=Other CA")] {
            openssl(d, &["genrsa", "-out", &format!("{name}.key"), "2048"]);
            openssl(
                d,
                &[
                    "req",
                    "-x509",
                    "-new",
                    "-sha256",
                    "-key",
                    &format!("{name}.key"),
                    "-days",
                    "2",
                    "-subj",
                    subject,
                    "-out",
                    &format!("{name}.crt"),
                ],
            );
        }
        for leaf in ["server", "client"] {
            openssl(d, &["genrsa", "-out", &format!("{leaf}.key"), "2048"]);
            openssl(
                d,
                &[
                    "req",
                    "-new",
                    "-sha256",
                    "-key",
                    &format!("{leaf}.key"),
                    "-subj",
                    &format!("/CN={leaf}"),
                    "-out",
                    &format!("{leaf}.csr"),
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-sha256",
                    "-in",
                    &format!("{leaf}.csr"),
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    "ext.cnf",
                    "-extensions",
                    leaf,
                    "-out",
                    &format!("{leaf}.crt"),
                ],
            );
        }
        // A CA directory as OpenSSL reads one (a `<hash>.0` name), which we read too.
        let hash = Command::new("openssl")
            .args(["x509", "-hash", "-noout", "-in", "ca.crt"])
            .current_dir(d)
            .output()
            .expect("openssl x509 -hash");
        let hash = String::from_utf8_lossy(&hash.stdout).trim().to_string();
        std::fs::create_dir(d.join("cadir")).unwrap();
        std::fs::copy(d.join("ca.crt"), d.join("cadir").join(format!("{hash}.0"))).unwrap();
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Debian's redis-server with TLS only, on a free port.
    fn server(&self, extra: &[&str]) -> TestServer {
        let port = free_port().to_string();
        let (cert, key, ca) = (
            self.path("server.crt"),
            self.path("server.key"),
            self.path("ca.crt"),
        );
        let mut args = vec![
            "--port",
            "0",
            "--tls-port",
            &port,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "optional",
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
        ];
        args.extend_from_slice(extra);
        ServerBuilder::binary(Path::new(REDIS_SERVER))
            .bare()
            .port(port.parse().unwrap())
            .args(&args)
            .start()
    }
}

/// Code, stderr and stdout of one client run against `server`.
fn run(program: &str, server: &TestServer, args: &[&str], input: &[u8]) -> String {
    let port = server.port.to_string();
    let mut all = vec!["-p", &port];
    all.extend_from_slice(args);
    let exited = run_with_input(Path::new(program), &all, server.dir.path(), input, DEADLINE);
    format!(
        "code {:?}\nstderr {:?}\nstdout\n{}",
        exited.code, exited.stderr, exited.stdout
    )
}

/// Output modes compared for every command of the corpus.
const MODES: &[&[&str]] = &[
    &[],
    &["--no-raw"],
    &["--csv"],
    &["--json"],
    &["-3", "--no-raw"],
];

const CORPUS: &[&[&str]] = &[
    &["PING"],
    &["SET", "k", "v"],
    &["GET", "k"],
    &["GET", "missing"],
    &["RPUSH", "list", "a", "b c", "d"],
    &["LRANGE", "list", "0", "-1"],
    &["HSET", "hash", "f1", "v1", "f2", "v2"],
    &["HGETALL", "hash"],
    &["ZADD", "zset", "1.5", "a", "2", "b"],
    &["ZRANGE", "zset", "0", "-1", "WITHSCORES"],
    &["INCR", "counter"],
    &["NOSUCHCOMMAND", "x"],
    &["SET", "k", "v", "EX", "notanumber"],
    &["DEL", "k", "list", "hash", "zset", "counter"],
];

#[test]
fn corpus_in_every_mode_over_tls() {
    let pki = Pki::new();
    let (ours, theirs) = (pki.server(&[]), pki.server(&[]));
    let ca = pki.path("ca.crt");
    for command in CORPUS {
        for mode in MODES {
            let mut args = vec!["--tls", "--cacert", &ca];
            args.extend_from_slice(mode);
            args.extend_from_slice(command);
            let expected = run(REDIS_CLI, &theirs, &args, b"");
            let got = run(CLI, &ours, &args, b"");
            assert_eq!(got, expected, "scarlet-cli {args:?}");
        }
    }
}

#[test]
fn options_and_failures_as_redis_cli() {
    let pki = Pki::new();
    let server = pki.server(&[]);
    let p = |name: &str| pki.path(name);
    let (ca, other, cadir) = (p("ca.crt"), p("other.crt"), p("cadir"));
    let (cert, key, server_key) = (p("client.crt"), p("client.key"), p("server.key"));
    let uri = format!("rediss://127.0.0.1:{}", server.port);
    let cases: Vec<Vec<&str>> = vec![
        vec!["--tls", "--cacert", &ca, "PING"],
        vec!["--tls", "--insecure", "PING"],
        vec!["--tls", "--cacertdir", &cadir, "PING"],
        vec!["--tls", "--cacert", &ca, "--sni", "localhost", "PING"],
        vec![
            "--tls", "--cacert", &ca, "--cert", &cert, "--key", &key, "PING",
        ],
        vec!["-u", &uri, "--cacert", &ca, "PING"],
        vec!["--tls", "--cacert", &ca, "--tls-ciphers", "HIGH", "PING"],
        vec![
            "--tls",
            "--cacert",
            &ca,
            "--tls-ciphersuites",
            "TLS_AES_128_GCM_SHA256",
            "PING",
        ],
        // Failures: the wrong CA, none (the system's CAs), unreadable files, bad lists.
        vec!["--tls", "--cacert", &other, "PING"],
        vec!["--tls", "PING"],
        vec!["--tls", "--cacert", "no-such-file", "PING"],
        vec!["--tls", "--cacertdir", "no-such-dir", "PING"],
        vec!["--tls", "--cacert", &key, "PING"],
        vec![
            "--tls", "--cacert", &ca, "--cert", &key, "--key", &key, "PING",
        ],
        vec![
            "--tls",
            "--cacert",
            &ca,
            "--cert",
            &cert,
            "--key",
            &server_key,
            "PING",
        ],
        vec![
            "--tls",
            "--cacert",
            &ca,
            "--cert",
            &cert,
            "--key",
            "no-such-file",
            "PING",
        ],
        vec!["--tls", "--cacert", &ca, "--tls-ciphers", "FOO", "PING"],
        vec![
            "--tls",
            "--cacert",
            &ca,
            "--tls-ciphersuites",
            "FOO",
            "PING",
        ],
        vec!["--tls", "--cacert", &ca, "--tls-ciphersuites", "", "PING"],
    ];
    for args in &cases {
        let expected = run(REDIS_CLI, &server, args, b"");
        let got = run(CLI, &server, args, b"");
        assert_eq!(got, expected, "scarlet-cli {args:?}");
    }
}

#[test]
fn client_certificates_required() {
    let pki = Pki::new();
    let p = |name: &str| pki.path(name);
    let (ca, cert, key) = (p("ca.crt"), p("client.crt"), p("client.key"));
    // TLS 1.2 only, so that a missing certificate fails the handshake itself.
    let strict = ["--tls-auth-clients", "yes", "--tls-protocols", "TLSv1.2"];
    for server in [pki.server(&strict[..2]), pki.server(&strict)] {
        for args in [
            vec![
                "--tls", "--cacert", &ca, "--cert", &cert, "--key", &key, "PING",
            ],
            vec![
                "--tls",
                "--cacert",
                &ca,
                "--cert",
                &cert,
                "--key",
                &key,
                "--tls-ciphers",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "PING",
            ],
        ] {
            let expected = run(REDIS_CLI, &server, &args, b"");
            assert!(expected.contains("PONG"), "{expected}");
            assert_eq!(run(CLI, &server, &args, b""), expected, "{args:?}");
        }
    }
    let server = pki.server(&strict);
    for args in [
        vec!["--tls", "--cacert", &ca, "PING"],
        vec![
            "--tls",
            "--cacert",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            "--tls-ciphers",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "PING",
        ],
    ] {
        let expected = run(REDIS_CLI, &server, &args, b"");
        assert!(expected.contains("alert handshake failure"), "{expected}");
        assert_eq!(run(CLI, &server, &args, b""), expected, "{args:?}");
    }
}

#[test]
fn modes_over_tls() {
    let pki = Pki::new();
    let (ours, theirs) = (pki.server(&[]), pki.server(&[]));
    let ca = pki.path("ca.crt");
    let tls = ["--tls", "--cacert", ca.as_str()];
    let with = |extra: &[&'static str]| -> Vec<String> {
        tls.iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect::<Vec<String>>()
    };
    let both = |args: &[String], input: &[u8]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        (
            run(CLI, &ours, &args, input),
            run(REDIS_CLI, &theirs, &args, input),
        )
    };
    // --pipe with enough data for many TLS records each way.
    let mut input = Vec::new();
    for i in 0..3000 {
        input.extend_from_slice(format!("SET key:{i} {}\r\n", "v".repeat(i % 200)).as_bytes());
    }
    input.extend_from_slice(b"INCR key:1\r\n");
    let (got, expected) = both(&with(&["--pipe"]), &input);
    assert_eq!(got, expected);
    // A value larger than a TLS record, both ways.
    let big = "x".repeat(200_000);
    let (got, expected) = both(&with(&["-x", "SET", "big"]), big.as_bytes());
    assert_eq!(got, expected);
    let (got, expected) = both(&with(&["GET", "big"]), b"");
    assert_eq!(got, expected);
    // --scan (keys compared as sets: SCAN order depends on the server's hash seed).
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort_unstable();
        lines
    };
    let (got, expected) = both(&with(&["--scan", "--pattern", "key:1*"]), b"");
    assert_eq!(sorted(got), sorted(expected));
    // The prompt, fed from a pipe.
    let (got, expected) = both(&with(&[]), b"ping\nselect 2\nset a b\nget a\n");
    assert_eq!(got, expected);
    // --rdb streams the whole snapshot.
    let file = ours.dir.path().join("dump.rdb").display().to_string();
    let rdb = run(CLI, &ours, &["--tls", "--cacert", &ca, "--rdb", &file], b"");
    assert!(rdb.contains("Transfer finished with success"), "{rdb}");
    assert!(std::fs::read(&file).unwrap().starts_with(b"REDIS"));
    // --latency samples for a second and prints one line when not on a terminal.
    let latency = run(CLI, &ours, &["--tls", "--cacert", &ca, "--latency"], b"");
    assert!(latency.starts_with("code Some(0)"), "{latency}");
    assert_eq!(
        latency.lines().last().map(|l| l.split(' ').count()),
        Some(4)
    );
}
