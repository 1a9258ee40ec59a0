//! The server as a process, seen from outside: start-up with and without a config file,
//! fatal config errors, a taken port, the banner, orderly shutdown (SIGTERM, SHUTDOWN),
//! `daemonize`, the Unix socket, protected mode, `maxclients`, `timeout` and
//! `requirepass`.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use scarlet_tests::{
    PidGuard, RawConn, ServerBuilder, TestServer, info_field, process_exists, wait_for,
};

/// Generous bound for things that take a few milliseconds, on a loaded 2-core machine.
const SOON: Duration = Duration::from_secs(10);

fn config_get(server: &TestServer, name: &str) -> Vec<String> {
    redis::cmd("CONFIG")
        .arg("GET")
        .arg(name)
        .query(&mut server.redis())
        .expect("CONFIG GET")
}

#[test]
fn options_without_a_config_file_use_redis_defaults() {
    let server = TestServer::start(&["--hz", "20"]);
    assert!(
        server.log().contains("Configuration loaded"),
        "{}",
        server.log()
    );
    assert_eq!(config_get(&server, "hz"), ["hz", "20"]);
    // Untouched directives keep Redis 7.0's defaults.
    assert_eq!(
        config_get(&server, "maxmemory-policy"),
        ["maxmemory-policy", "noeviction"]
    );
    assert_eq!(config_get(&server, "databases"), ["databases", "16"]);
    assert_eq!(server.info_field("config_file").as_deref(), Some(""));
}

/// With no argument at all Redis listens on 6379 and warns that no config file was given.
/// The default port may belong to another server on this machine (Debian's redis-server
/// starts one), so this runs only when 6379 is free and skips otherwise.
#[test]
fn no_arguments_at_all_listen_on_the_default_port() {
    if TcpListener::bind("0.0.0.0:6379").is_err() {
        return;
    }
    let mut server = ServerBuilder::scarlet().bare().spawn();
    let ready = wait_for(SOON, || {
        let log = server.log();
        log.contains("Ready to accept") || log.contains("Failed listening")
    });
    if server.log().contains("Failed listening") {
        // Someone took 6379 in the meantime: nothing to check.
        return;
    }
    assert!(ready, "{}", server.log());
    assert!(
        server
            .log()
            .contains("Warning: no config file specified, using the default config."),
        "{}",
        server.log()
    );
    let mut conn = RawConn::connect(6379);
    conn.roundtrip(b"PING\r\n", b"+PONG\r\n");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn config_file_with_quoting_and_include() {
    // Quoted values use sdssplitargs' escapes; `include` reads a file relative to the
    // working directory; command-line options override the file.
    let config = concat!(
        "# a comment line, then an indented directive and a blank line\n",
        "   hz 15\n",
        "\n",
        "requirepass \"sec ret\\x21\"\n",
        "dbfilename 'my dump.rdb'\n",
        "include extra.conf\n",
        "maxclients 1000\n",
    );
    let extra = "maxclients 77\nsave \"\"\ndatabases 4\n";
    let server = ServerBuilder::scarlet()
        .config(config)
        .file("extra.conf", extra)
        .args(&["--databases", "5"])
        .start();
    let mut conn = server.raw();
    conn.roundtrip(b"PING\r\n", b"-NOAUTH Authentication required.\r\n");
    conn.command(&[b"AUTH", b"sec ret!"]);
    conn.expect(b"+OK\r\n");
    let get = |conn: &mut RawConn, name: &str| {
        conn.command(&[b"CONFIG", b"GET", name.as_bytes()]);
        conn.read_reply_bytes()
    };
    assert_eq!(get(&mut conn, "hz"), b"*2\r\n$2\r\nhz\r\n$2\r\n15\r\n");
    assert_eq!(
        get(&mut conn, "dbfilename"),
        b"*2\r\n$10\r\ndbfilename\r\n$11\r\nmy dump.rdb\r\n"
    );
    // A later line of the file wins over the include before it.
    assert_eq!(
        get(&mut conn, "maxclients"),
        b"*2\r\n$10\r\nmaxclients\r\n$4\r\n1000\r\n"
    );
    assert_eq!(
        get(&mut conn, "databases"),
        b"*2\r\n$9\r\ndatabases\r\n$1\r\n5\r\n"
    );
    conn.command(&[b"INFO", b"server"]);
    let info = conn.read_text();
    let path = server.path("redis.conf");
    assert_eq!(
        info_field(&info, "config_file").as_deref(),
        Some(path.to_str().expect("path"))
    );
}

/// Runs scarlet-server on a config file and returns (exit code, stderr).
fn fatal_config(config: &str) -> (Option<i32>, String) {
    let mut server = ServerBuilder::scarlet().config(config).bare().spawn();
    let code = server.wait_exit();
    (code, server.stderr())
}

#[test]
fn bad_config_lines_are_fatal_with_redis_report() {
    let cases = [
        (
            "port 0\n# comment\nunknown-directive \"a b\" c\n",
            "Reading the configuration file, at line 3\n>>> 'unknown-directive \"a b\" c'\nBad directive or wrong number of arguments\n",
        ),
        (
            "maxclients abc\n",
            "Reading the configuration file, at line 1\n>>> 'maxclients abc'\nargument couldn't be parsed into an integer\n",
        ),
        (
            "requirepass \"abc\n",
            "Reading the configuration file, at line 1\n>>> 'requirepass \"abc'\nUnbalanced quotes in configuration line\n",
        ),
    ];
    for (config, report) in cases {
        let (code, stderr) = fatal_config(config);
        assert_eq!(code, Some(1), "config {config:?}");
        assert_eq!(
            stderr,
            format!("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n{report}"),
            "config {config:?}"
        );
    }
}

#[test]
fn bad_command_line_option_is_fatal() {
    let mut server = ServerBuilder::scarlet()
        .args(&["--maxclients", "abc"])
        .spawn();
    assert_eq!(server.wait_exit(), Some(1));
    // Redis turns options into config lines after an empty first one (checked against
    // redis-server 7.0.15): after the harness's `--port`, `--save` and `--bind`, the
    // bad option is line 5.
    assert_eq!(
        server.stderr(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 5\n>>> 'maxclients \"abc\"'\nargument couldn't be parsed into an integer\n"
    );
}

#[test]
fn taken_port_is_fatal() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port();
    let mut server = ServerBuilder::scarlet().port(port).spawn();
    assert_eq!(server.wait_exit(), Some(1));
    assert!(
        server.log().contains(&format!(
            "# Failed listening on port {port} (TCP), aborting."
        )),
        "{}",
        server.log()
    );
    drop(holder);
}

#[test]
fn banner_shows_the_pid_before_ready() {
    let server = TestServer::start(&["--always-show-logo", "yes"]);
    let log = server.log();
    let pid_at = log
        .find(&format!(" PID: {}", server.pid()))
        .unwrap_or_else(|| panic!("no PID line in\n{log}"));
    let ready_at = log
        .find("Ready to accept connections")
        .unwrap_or_else(|| panic!("not ready in\n{log}"));
    assert!(pid_at < ready_at, "{log}");
    // Every line Redis's log format produces is `pid:role date time level message`.
    let first = log.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("{}:C ", server.pid()))
            || first.starts_with(&format!("{}:M ", server.pid())),
        "{first}"
    );
}

#[test]
fn sigterm_shuts_down_in_order() {
    let mut server =
        TestServer::start(&["--pidfile", "scarlet.pid", "--unixsocket", "scarlet.sock"]);
    let pidfile = server.path("scarlet.pid");
    let socket = server.path("scarlet.sock");
    let pid_text = std::fs::read_to_string(&pidfile).expect("pidfile");
    assert_eq!(pid_text.trim(), server.pid().to_string());
    assert!(socket.exists());
    // A connected client must not hold the shutdown up.
    let mut conn = server.raw();
    conn.roundtrip(b"PING\r\n", b"+PONG\r\n");
    assert_eq!(server.stop(), Some(0));
    let log = server.log();
    assert!(
        log.contains("Received SIGTERM scheduling shutdown..."),
        "{log}"
    );
    assert!(
        log.contains("Redis is now ready to exit, bye bye..."),
        "{log}"
    );
    assert!(!pidfile.exists(), "pidfile left behind");
    assert!(!socket.exists(), "unix socket left behind");
    assert!(conn.is_closed());
}

#[test]
fn sigint_shuts_down_too() {
    let mut server = TestServer::start(&[]);
    assert!(scarlet_tests::signal(server.pid(), "INT"));
    assert_eq!(server.wait_exit(), Some(0));
    let log = server.log();
    assert!(
        log.contains("Received SIGINT scheduling shutdown..."),
        "{log}"
    );
    assert!(
        log.contains("Redis is now ready to exit, bye bye..."),
        "{log}"
    );
}

#[test]
fn shutdown_nosave_exits_zero() {
    let mut server = TestServer::start(&[]);
    let mut conn = server.raw();
    conn.send(b"SHUTDOWN NOSAVE\r\n");
    // SHUTDOWN never replies on success: the connection just closes.
    assert_eq!(conn.read_to_close(), b"");
    assert_eq!(server.wait_exit(), Some(0));
    assert!(
        server
            .log()
            .contains("Redis is now ready to exit, bye bye..."),
        "{}",
        server.log()
    );
}

#[test]
fn daemonize_forks_and_the_daemon_serves() {
    let mut parent = ServerBuilder::scarlet()
        .args(&["--daemonize", "yes", "--pidfile", "daemon.pid"])
        .logfile("daemon.log")
        .spawn();
    assert_eq!(parent.wait_exit(), Some(0), "{}", parent.stderr());
    let pidfile = parent.path("daemon.pid");
    assert!(wait_for(SOON, || pidfile.exists()), "no pidfile");
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .expect("pidfile")
        .trim()
        .parse()
        .expect("pid");
    let mut guard = PidGuard::new(pid);
    assert!(parent.wait_log("Ready to accept connections", SOON));
    let mut conn = RawConn::connect(parent.port);
    conn.roundtrip(b"PING\r\n", b"+PONG\r\n");
    conn.command(&[b"INFO", b"server"]);
    let info = conn.read_text();
    assert_eq!(info_field(&info, "process_id"), Some(pid.to_string()));
    assert!(scarlet_tests::signal(pid, "TERM"));
    assert!(
        wait_for(SOON, || !process_exists(pid)),
        "daemon still running"
    );
    guard.disarm();
    assert!(!pidfile.exists(), "pidfile left behind");
    assert!(
        parent
            .log()
            .contains("Redis is now ready to exit, bye bye...")
    );
}

#[test]
fn unix_socket_with_permissions() {
    let server = TestServer::start(&["--unixsocket", "s.sock", "--unixsocketperm", "700"]);
    let path = server.path("s.sock");
    let meta = std::fs::metadata(&path).expect("socket file");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    assert!(
        server
            .log()
            .contains("The server is now ready to accept connections at s.sock")
    );
    let mut stream = UnixStream::connect(&path).expect("connect");
    stream.set_read_timeout(Some(SOON)).expect("timeout");
    stream.write_all(b"PING\r\nCLIENT INFO\r\n").expect("write");
    let mut reply = Vec::new();
    while !reply.ends_with(b"\n\r\n") {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "closed");
        reply.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("+PONG\r\n"), "{text}");
    // A Unix-socket client's address is the socket path with port 0, and it has flag U.
    assert!(text.contains(" addr=s.sock:0 "), "{text}");
    assert!(text.contains(" flags=U "), "{text}");
}

/// An address of this machine that is not loopback, if it has one: the local end of a
/// UDP socket "connected" towards a documentation address (no packet is sent).
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.255:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn protected_mode_refuses_non_loopback_clients() {
    // Protected mode only matters for a client arriving from another address than
    // loopback; a machine without such an address cannot produce one, so the check runs
    // only where one exists.
    let Some(ip) = non_loopback_address() else {
        return;
    };
    let bind = format!("127.0.0.1 {ip}");
    let server = TestServer::start(&["--bind", &bind]);
    let addr = format!("{ip}:{}", server.port);
    let mut outside = RawConn::connect_addr(&addr).expect("connect");
    let refusal = outside.read_to_close();
    assert!(
        refusal.starts_with(b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."),
        "{}",
        scarlet_tests::escape(&refusal)
    );
    assert!(refusal.ends_with(b"outside.\r\n"));
    // Loopback is still served, and lifting protected mode lets the outside in.
    let mut local = server.raw();
    local.roundtrip(b"CONFIG SET protected-mode no\r\n", b"+OK\r\n");
    let mut outside = RawConn::connect_addr(&addr).expect("connect");
    outside.roundtrip(b"PING\r\n", b"+PONG\r\n");
    // A password also lets outside clients connect (and then authenticate).
    local.roundtrip(b"CONFIG SET protected-mode yes\r\n", b"+OK\r\n");
    local.roundtrip(b"CONFIG SET requirepass pw\r\n", b"+OK\r\n");
    let mut outside = RawConn::connect_addr(&addr).expect("connect");
    outside.roundtrip(b"PING\r\n", b"-NOAUTH Authentication required.\r\n");
}

/// Waits until the server counts exactly `n` clients, as seen from `conn`. The harness's
/// readiness probe is a connection too, and it may not be gone yet.
fn wait_clients(conn: &mut redis::Connection, n: usize) -> bool {
    wait_for(SOON, || {
        let info: String = redis::cmd("INFO").arg("clients").query(conn).expect("INFO");
        info_field(&info, "connected_clients") == Some(n.to_string())
    })
}

#[test]
fn maxclients_refuses_the_client_beyond_the_limit() {
    let server = TestServer::start(&["--maxclients", "2"]);
    let mut first = server.redis();
    assert!(wait_clients(&mut first, 1));
    let mut second = server.raw();
    second.roundtrip(b"PING\r\n", b"+PONG\r\n");
    let mut third = server.raw();
    assert_eq!(
        third.read_to_close(),
        b"-ERR max number of clients reached\r\n"
    );
    let stats: String = redis::cmd("INFO")
        .arg("stats")
        .query(&mut first)
        .expect("INFO");
    assert_eq!(
        info_field(&stats, "rejected_connections").as_deref(),
        Some("1")
    );
    // When one leaves, a new client is admitted again.
    drop(second);
    assert!(wait_clients(&mut first, 1));
    let mut fourth = server.raw();
    fourth.roundtrip(b"PING\r\n", b"+PONG\r\n");
}

#[test]
fn timeout_closes_idle_clients() {
    let server = TestServer::start(&["--timeout", "1"]);
    let mut idle = server.raw();
    idle.roundtrip(b"PING\r\n", b"+PONG\r\n");
    // Redis checks idleness in whole seconds from its cron: closed within about 2 s.
    assert!(
        wait_for(SOON, || idle.is_closed()),
        "idle client still open"
    );
}

#[test]
fn requirepass_needs_auth_first() {
    let server = TestServer::start(&["--requirepass", "s3cret"]);
    let mut conn = server.raw();
    conn.roundtrip(b"GET k\r\n", b"-NOAUTH Authentication required.\r\n");
    conn.roundtrip(
        b"AUTH wrong\r\n",
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    conn.roundtrip(b"AUTH s3cret\r\n", b"+OK\r\n");
    conn.roundtrip(b"GET k\r\n", b"$-1\r\n");
    conn.roundtrip(b"AUTH default s3cret\r\n", b"+OK\r\n");

    let mut resp3 = server.raw();
    resp3.roundtrip(b"PING\r\n", b"-NOAUTH Authentication required.\r\n");
    resp3.send(b"HELLO 3 AUTH default s3cret\r\n");
    let hello = resp3.read_reply_bytes();
    assert!(hello.starts_with(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"));
    assert!(
        hello
            .windows(b"$5\r\nproto\r\n:3\r\n".len())
            .any(|w| w == b"$5\r\nproto\r\n:3\r\n")
    );
    resp3.roundtrip(b"GET k\r\n", b"_\r\n");

    // The redis crate authenticates from the URL.
    let client =
        redis::Client::open(format!("redis://:s3cret@127.0.0.1:{}/", server.port)).expect("url");
    let mut con = client.get_connection().expect("connect with password");
    let pong: String = redis::cmd("PING").query(&mut con).expect("PING");
    assert_eq!(pong, "PONG");
}
