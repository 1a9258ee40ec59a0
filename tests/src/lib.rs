//! Shared helpers for the end-to-end tests: build the real binaries, start them on free
//! ports in scratch directories, wait for them with deadlines, and stop them on drop.
//!
//! Tests talk to servers through raw sockets ([`RawConn`]) for protocol edge cases and
//! through the `redis` crate as an independent client. Nothing here sleeps for a fixed
//! time: every wait polls until a deadline.
//!
//! This is test support, so it panics (with the server's log where that helps) instead of
//! returning errors: a failed step fails the test that asked for it. Every process it starts
//! is killed when its guard drops, so a failing test leaves no server behind.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to start or stop before a test fails.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// How long a test waits for one reply before it fails instead of hanging.
pub const REPLY_DEADLINE: Duration = Duration::from_secs(10);

/// Debian's Redis 7.0.15, the reference the interoperability tests compare against.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// Debian's redis-cli 7.0.15.
pub const REDIS_CLI: &str = "/usr/bin/redis-cli";

/// Debian's redis-benchmark 7.0.15.
pub const REDIS_BENCHMARK: &str = "/usr/bin/redis-benchmark";

/// The target directory and profile this test binary was built in.
fn target_profile_dir() -> PathBuf {
    // Test binaries live in target/<profile>/deps/.
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target/debug"))
}

/// Path of a workspace binary, built (once per test process) with the same profile as the
/// tests, so that a test never runs a stale binary.
pub fn binary(package: &str, name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let dir = target_profile_dir();
    let built = BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", package, "--bin", name]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        match cmd.status() {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(format!("cargo build of {name} failed: {s}")),
            Err(e) => Err(format!("cannot run cargo to build {name}: {e}")),
        }
    });
    if let Err(e) = built {
        panic!("{e}");
    }
    dir.join(name)
}

/// The scarlet-server binary, built if needed.
pub fn scarlet_server() -> PathBuf {
    binary("scarlet-server", "scarlet-server")
}

/// A port nobody listens on right now. Another process could take it before the server
/// binds, so [`TestServer::start`] retries on "Failed listening".
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// A fresh scratch directory, removed on drop.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// Creates a new empty directory under the system temp dir.
    pub fn new(tag: &str) -> ScratchDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("scarlet-{tag}-{}-{n}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        ScratchDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `name` inside the directory; returns the file's path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write scratch file");
        path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How to start a server: which binary, an optional config file (passed first, as
/// `redis-server redis.conf --opts`), other files to place beside it, and options.
///
/// Every server gets `--port <free> --save "" --bind 127.0.0.1` before the caller's
/// options, so a caller's `--bind` or `--save` wins. Relative paths in options and config
/// files resolve against the scratch directory, which is the server's working directory.
pub struct ServerBuilder {
    program: PathBuf,
    config: Option<String>,
    files: Vec<(String, String)>,
    args: Vec<String>,
    logfile: Option<String>,
    port: Option<u16>,
    bare: bool,
}

impl ServerBuilder {
    /// scarlet-server with no config file and no options.
    pub fn scarlet() -> ServerBuilder {
        ServerBuilder::binary(&scarlet_server())
    }

    /// Any Redis-compatible server binary (scarlet-server or redis-server).
    pub fn binary(program: &Path) -> ServerBuilder {
        ServerBuilder {
            program: program.to_path_buf(),
            config: None,
            files: Vec::new(),
            args: Vec::new(),
            logfile: None,
            port: None,
            bare: false,
        }
    }

    /// A config file with this text, written to `redis.conf` and passed as the first
    /// argument.
    pub fn config(mut self, text: &str) -> ServerBuilder {
        self.config = Some(text.to_string());
        self
    }

    /// Another file placed in the scratch directory before start (for `include`).
    pub fn file(mut self, name: &str, text: &str) -> ServerBuilder {
        self.files.push((name.to_string(), text.to_string()));
        self
    }

    /// Command-line options after the defaults.
    pub fn args(mut self, args: &[&str]) -> ServerBuilder {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Logs to this file in the scratch directory instead of stdout; [`TestServer::log`]
    /// reads it.
    pub fn logfile(mut self, name: &str) -> ServerBuilder {
        self.args
            .extend(["--logfile".to_string(), name.to_string()]);
        self.logfile = Some(name.to_string());
        self
    }

    /// Uses this port instead of a free one (for a port the test holds itself).
    pub fn port(mut self, port: u16) -> ServerBuilder {
        self.port = Some(port);
        self
    }

    /// Passes none of the default options, only the config file and the caller's
    /// options; the server's port is then [`port`](Self::port)'s, or 6379.
    pub fn bare(mut self) -> ServerBuilder {
        self.bare = true;
        self
    }

    /// Starts the server on a free port and waits until it accepts connections; panics
    /// with its log if it does not start within [`STARTUP_DEADLINE`]. A server that found
    /// its free port taken meanwhile is retried on another.
    pub fn start(self) -> TestServer {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            let mut server = self.spawn();
            match server.wait_ready(deadline) {
                Ready::Yes => return server,
                Ready::PortTaken if self.port.is_none() && !self.bare => continue,
                Ready::PortTaken => panic!("port {} is taken\n{}", server.port, server.log()),
                Ready::No(why) => panic!(
                    "server did not start: {why}\nlog:\n{}\nstderr:\n{}",
                    server.log(),
                    server.stderr()
                ),
            }
        }
    }

    /// Starts the process without waiting for anything: for servers expected to refuse to
    /// start, or to fork into the background.
    pub fn spawn(&self) -> TestServer {
        let dir = ScratchDir::new("server");
        let port = self
            .port
            .unwrap_or_else(|| if self.bare { 6379 } else { free_port() });
        for (name, text) in &self.files {
            dir.write(name, text);
        }
        let stdout = std::fs::File::create(dir.path().join("stdout.log")).expect("log file");
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("log file");
        let mut all: Vec<String> = Vec::new();
        if let Some(text) = &self.config {
            all.push(dir.write("redis.conf", text).display().to_string());
        }
        if !self.bare {
            let port_text = port.to_string();
            all.extend(
                ["--port", &port_text, "--save", "", "--bind", "127.0.0.1"].map(String::from),
            );
        }
        all.extend(self.args.iter().cloned());
        let child = Command::new(&self.program)
            .args(&all)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("spawn server");
        let log_path = dir
            .path()
            .join(self.logfile.as_deref().unwrap_or("stdout.log"));
        TestServer {
            child: Some(child),
            port,
            dir,
            log_path,
        }
    }
}

/// A running scarlet-server (or any Redis-compatible server binary), killed on drop.
pub struct TestServer {
    child: Option<Child>,
    /// The TCP port it listens on.
    pub port: u16,
    /// Its scratch directory (working directory, log and files).
    pub dir: ScratchDir,
    log_path: PathBuf,
}

impl TestServer {
    /// Starts scarlet-server with `args` on a free port, in a scratch directory, and waits
    /// until it accepts connections.
    pub fn start(args: &[&str]) -> TestServer {
        ServerBuilder::scarlet().args(args).start()
    }

    /// Starts the given server binary (scarlet-server or redis-server) the same way.
    pub fn start_binary(program: &Path, args: &[&str]) -> TestServer {
        ServerBuilder::binary(program).args(args).start()
    }

    fn wait_ready(&mut self, deadline: Instant) -> Ready {
        loop {
            let log = self.log();
            if log.contains("Failed listening on port") {
                // Someone took the free port first; the caller retries on another.
                if let Some(mut child) = self.child.take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                return Ready::PortTaken;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Ready::No(format!("exited with {status}"));
            }
            if log.contains("Ready to accept")
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                return Ready::Yes;
            }
            if Instant::now() > deadline {
                return Ready::No("timed out".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the log contains `text`; false if it does not within `within`.
    pub fn wait_log(&self, text: &str, within: Duration) -> bool {
        wait_for(within, || self.log().contains(text))
    }

    /// Everything the server logged so far (stdout, or its `logfile`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Everything the server wrote to stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// A path inside the server's scratch directory (its working directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// A `redis` crate connection, with a read timeout so that a missing reply fails the
    /// test instead of hanging it.
    pub fn redis(&self) -> redis::Connection {
        self.redis_url(&format!("redis://127.0.0.1:{}/", self.port))
    }

    /// Runs one command on a new connection and returns its reply; panics (naming the
    /// command) on an error reply.
    pub fn query(&self, args: &[&str]) -> redis::Value {
        let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
        for arg in args.iter().skip(1) {
            cmd.arg(*arg);
        }
        cmd.query(&mut self.redis())
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// DEBUG DIGEST (the server needs `enable-debug-command yes`).
    pub fn digest(&self) -> String {
        redis::cmd("DEBUG")
            .arg("DIGEST")
            .query(&mut self.redis())
            .expect("DEBUG DIGEST")
    }

    /// A `redis` crate connection that speaks RESP3 (the crate sends `HELLO 3` first).
    pub fn redis_resp3(&self) -> redis::Connection {
        self.redis_url(&format!("redis://127.0.0.1:{}/?protocol=resp3", self.port))
    }

    fn redis_url(&self, url: &str) -> redis::Connection {
        let client = redis::Client::open(url).expect("url");
        let con = client
            .get_connection_with_timeout(REPLY_DEADLINE)
            .expect("connect");
        con.set_read_timeout(Some(REPLY_DEADLINE))
            .expect("read timeout");
        con
    }

    /// A raw socket connection.
    pub fn raw(&self) -> RawConn {
        RawConn::connect(self.port)
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code (`None` if it did not
    /// exit within [`STARTUP_DEADLINE`] and had to be killed, or died by a signal).
    pub fn stop(&mut self) -> Option<i32> {
        let pid = self.child.as_ref()?.id();
        signal(pid, "TERM");
        self.wait_exit_or_kill()
    }

    /// Waits for the process to exit by itself (after SHUTDOWN); returns the exit code, or
    /// `None` if it did not exit within [`STARTUP_DEADLINE`] (then it is killed).
    pub fn wait_exit(&mut self) -> Option<i32> {
        self.wait_exit_or_kill()
    }

    fn wait_exit_or_kill(&mut self) -> Option<i32> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// One field of `INFO` (all sections), as text.
    pub fn info_field(&self, name: &str) -> Option<String> {
        let text: String = redis::cmd("INFO")
            .arg("everything")
            .query(&mut self.redis())
            .expect("INFO");
        info_field(&text, name)
    }
}

/// The value of `name:value` in an INFO text.
pub fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim_end().to_string())
    })
}

enum Ready {
    Yes,
    PortTaken,
    No(String),
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
    }
}

/// A scarlet-server for replication tests, with `args` added: DEBUG allowed and full
/// synchronizations starting at once (`repl-diskless-sync-delay 0`).
pub fn start_for_replication(args: &[&str]) -> TestServer {
    ServerBuilder::scarlet()
        .args(&[
            "--enable-debug-command",
            "yes",
            "--repl-diskless-sync-delay",
            "0",
        ])
        .args(args)
        .start()
}

/// Sends a signal (`TERM`, `KILL`, ...) to a process by id with kill(1): the test crate
/// stays free of unsafe code.
pub fn signal(pid: u32, name: &str) -> bool {
    Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True while a process with this id exists (signal 0 succeeds).
pub fn process_exists(pid: u32) -> bool {
    signal(pid, "0")
}

/// Kills a process that is not our child (a daemonized server) when dropped, unless
/// [`disarm`](Self::disarm)ed after it exited by itself.
pub struct PidGuard(Option<u32>);

impl PidGuard {
    /// Guards `pid`.
    pub fn new(pid: u32) -> PidGuard {
        PidGuard(Some(pid))
    }

    /// The process is gone: nothing to kill.
    pub fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for PidGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            signal(pid, "KILL");
        }
    }
}

/// How a process that ran to its end finished.
#[derive(Debug)]
pub struct Exited {
    /// The exit code (`None` when killed by a signal, or by the deadline).
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

/// Runs `program` with `args` in `dir` until it exits, killing it after `within`; stdin is
/// empty. For servers expected to refuse to start, and for redis-cli and redis-benchmark.
pub fn run_to_exit(program: &Path, args: &[&str], dir: &Path, within: Duration) -> Exited {
    run_with_input(program, args, dir, b"", within)
}

/// Like [`run_to_exit`], with `input` on stdin (a file, so that a program that reads it
/// at its own pace never blocks us).
pub fn run_with_input(
    program: &Path,
    args: &[&str],
    dir: &Path,
    input: &[u8],
    within: Duration,
) -> Exited {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let base = dir.join(format!("run-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let (inp, out, err) = (
        base.with_extension("in"),
        base.with_extension("out"),
        base.with_extension("err"),
    );
    std::fs::write(&inp, input).expect("input file");
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(std::fs::File::open(&inp).expect("input file"))
        .stdout(std::fs::File::create(&out).expect("output file"))
        .stderr(std::fs::File::create(&err).expect("output file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let deadline = Instant::now() + within;
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let exited = Exited {
        code,
        stdout: read(&out),
        stderr: read(&err),
    };
    for file in [&inp, &out, &err] {
        let _ = std::fs::remove_file(file);
    }
    exited
}

/// Polls `condition` every 10 ms until it holds or `within` passes.
pub fn wait_for(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A raw TCP connection for protocol edge cases: write bytes, read exact replies.
///
/// Reads go through a buffer of our own, so that reading one reply never swallows the
/// bytes of the next.
pub struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RawConn {
    /// Connects to 127.0.0.1:`port`, with a read timeout so a missing reply fails the
    /// test instead of hanging it.
    pub fn connect(port: u16) -> RawConn {
        RawConn::connect_addr(&format!("127.0.0.1:{port}")).expect("connect")
    }

    /// Connects to `addr` ("ip:port").
    pub fn connect_addr(addr: &str) -> std::io::Result<RawConn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(REPLY_DEADLINE))?;
        Ok(RawConn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends raw bytes, returning the error instead of failing the test (for peers the
    /// server may close).
    pub fn try_send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends `bytes` one write per byte with Nagle's algorithm off, so that the server sees
    /// requests cut at every possible point.
    pub fn send_bytewise(&mut self, bytes: &[u8]) {
        self.stream.set_nodelay(true).expect("nodelay");
        for byte in bytes {
            self.stream
                .write_all(std::slice::from_ref(byte))
                .expect("write");
        }
    }

    /// Sends a command as a RESP multibulk.
    pub fn command(&mut self, args: &[&[u8]]) {
        let mut out = Vec::new();
        scarlet_protocol::frame::encode_command(&mut out, args);
        self.send(&out);
    }

    /// Reads more from the socket into the buffer; `Ok(0)` at EOF.
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut chunk = [0u8; 64 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.buf
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        Ok(n)
    }

    /// Like [`fill`](Self::fill), but a timeout or EOF fails the test, naming what was
    /// being waited for and what arrived.
    fn fill_or_fail(&mut self, waiting_for: &str) {
        match self.fill() {
            Ok(0) => panic!(
                "connection closed while waiting for {waiting_for}; got {}",
                escape(&self.buf)
            ),
            Ok(_) => {}
            Err(e) => panic!(
                "no {waiting_for} within {REPLY_DEADLINE:?} ({e}); got {}",
                escape(&self.buf)
            ),
        }
    }

    /// Reads one line including its CRLF.
    pub fn read_line(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                return String::from_utf8_lossy(&line).into_owned();
            }
            self.fill_or_fail("a line");
        }
    }

    /// Reads exactly `n` bytes.
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            self.fill_or_fail(&format!("{n} bytes"));
        }
        self.buf.drain(..n).collect()
    }

    /// Reads exactly as many bytes as `expected` has and checks they are equal, showing
    /// both escaped on a mismatch.
    pub fn expect(&mut self, expected: &[u8]) {
        let got = self.read_exact(expected.len());
        assert_eq!(
            escape(&got),
            escape(expected),
            "unexpected reply bytes from the server"
        );
    }

    /// Sends `request` and checks that the reply is exactly `expected`.
    pub fn roundtrip(&mut self, request: &[u8], expected: &[u8]) {
        self.send(request);
        self.expect(expected);
    }

    /// Reads one complete reply and returns its raw bytes (exactly one reply's worth).
    pub fn read_reply_bytes(&mut self) -> Vec<u8> {
        match self.try_read_reply_bytes() {
            Ok(reply) => reply,
            Err(ReadEnd::Closed(partial)) => panic!(
                "connection closed while waiting for a reply; got {}",
                escape(&partial)
            ),
            Err(ReadEnd::Timeout(partial)) => panic!(
                "no complete reply within the read timeout; got {}",
                escape(&partial)
            ),
            Err(ReadEnd::Unparsable(bytes)) => panic!("unparsable reply: {}", escape(&bytes)),
        }
    }

    /// Reads one complete reply's raw bytes, or says why there is none (with what did
    /// arrive): for callers that record failures instead of stopping at the first.
    pub fn try_read_reply_bytes(&mut self) -> Result<Vec<u8>, ReadEnd> {
        let limits = scarlet_protocol::FrameLimits::default();
        loop {
            match scarlet_protocol::Frame::parse(&self.buf, &limits) {
                Ok(Some((_, used))) => return Ok(self.buf.drain(..used).collect()),
                Ok(None) => match self.fill() {
                    Ok(0) => return Err(ReadEnd::Closed(std::mem::take(&mut self.buf))),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                        return Err(ReadEnd::Closed(std::mem::take(&mut self.buf)));
                    }
                    Err(_) => return Err(ReadEnd::Timeout(std::mem::take(&mut self.buf))),
                },
                Err(_) => return Err(ReadEnd::Unparsable(std::mem::take(&mut self.buf))),
            }
        }
    }

    /// Changes how long a read waits before it fails (the default is
    /// [`REPLY_DEADLINE`]).
    pub fn set_read_timeout(&mut self, timeout: Duration) {
        self.stream
            .set_read_timeout(Some(timeout))
            .expect("timeout");
    }

    /// Reads one complete reply as a frame.
    pub fn read_frame(&mut self) -> scarlet_protocol::Frame {
        let bytes = self.read_reply_bytes();
        match scarlet_protocol::Frame::parse(&bytes, &scarlet_protocol::FrameLimits::default()) {
            Ok(Some((frame, _))) => frame,
            other => panic!("reply did not parse again: {other:?}"),
        }
    }

    /// Reads one reply that carries text (simple, bulk, verbatim or error) and returns the
    /// text; panics on other replies.
    pub fn read_text(&mut self) -> String {
        let frame = self.read_frame();
        let text = match &frame {
            scarlet_protocol::Frame::Verbatim { text, .. } => text.as_slice(),
            other => other
                .as_bytes()
                .unwrap_or_else(|| panic!("expected a text reply, got {other:?}")),
        };
        String::from_utf8_lossy(text).into_owned()
    }

    /// True once the server has closed the connection (EOF or a reset) with nothing left
    /// unread, waiting at most [`REPLY_DEADLINE`]; false if data arrives or the connection
    /// stays open.
    pub fn is_closed(&mut self) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        match self.fill() {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }

    /// Everything the server sends until it closes the connection (within
    /// [`REPLY_DEADLINE`]); panics if it keeps the connection open.
    pub fn read_to_close(&mut self) -> Vec<u8> {
        loop {
            match self.fill() {
                Ok(0) => return std::mem::take(&mut self.buf),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    return std::mem::take(&mut self.buf);
                }
                Err(e) => panic!(
                    "connection still open after {REPLY_DEADLINE:?} ({e}); got {}",
                    escape(&self.buf)
                ),
            }
        }
    }

    /// True if nothing arrives within `within` and the connection stays open: for
    /// requests that are incomplete and must be waited on, not answered.
    pub fn is_silent_for(&mut self, within: Duration) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        self.stream.set_read_timeout(Some(within)).expect("timeout");
        let silent = matches!(self.fill(), Err(e)
            if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
        self.stream
            .set_read_timeout(Some(REPLY_DEADLINE))
            .expect("timeout");
        silent
    }
}

/// Why [`RawConn::try_read_reply_bytes`] returned no reply; each carries the bytes that
/// did arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadEnd {
    /// The server closed the connection.
    Closed(Vec<u8>),
    /// Nothing complete arrived within the read timeout.
    Timeout(Vec<u8>),
    /// What arrived is not RESP.
    Unparsable(Vec<u8>),
}

/// Bytes as printable text, with CR, LF and non-ASCII escaped, for assertion messages.
pub fn escape(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}
