//! Shared helpers for the end-to-end tests: build the real binaries, start them on free
//! ports in scratch directories, wait for them with deadlines, and stop them on drop.
//!
//! Tests talk to servers through raw sockets ([`RawConn`]) for protocol edge cases and
//! through the `redis` crate as an independent client. Nothing here sleeps for a fixed
//! time: every wait polls until a deadline.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to start or stop before a test fails.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

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
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running scarlet-server (or any Redis-compatible server binary).
pub struct TestServer {
    child: Option<Child>,
    /// The TCP port it listens on.
    pub port: u16,
    /// Its scratch directory (working directory, log and files).
    pub dir: ScratchDir,
}

impl TestServer {
    /// Starts scarlet-server with `args` on a free port, in a scratch directory, and waits
    /// until it accepts connections.
    pub fn start(args: &[&str]) -> TestServer {
        TestServer::start_binary(&binary("scarlet-server", "scarlet-server"), args)
    }

    /// Starts the given server binary (scarlet-server or redis-server) the same way.
    pub fn start_binary(program: &Path, args: &[&str]) -> TestServer {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            let dir = ScratchDir::new("server");
            let port = free_port();
            let log = dir.path().join("stdout.log");
            let stdout = std::fs::File::create(&log).expect("log file");
            let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("log file");
            let port_text = port.to_string();
            let mut all: Vec<&str> =
                vec!["--port", &port_text, "--save", "", "--bind", "127.0.0.1"];
            all.extend_from_slice(args);
            let child = Command::new(program)
                .args(&all)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                .spawn()
                .expect("spawn server");
            let mut server = TestServer {
                child: Some(child),
                port,
                dir,
            };
            match server.wait_ready(deadline) {
                Ready::Yes => return server,
                Ready::PortTaken => continue,
                Ready::No(why) => panic!("server did not start: {why}\n{}", server.log()),
            }
        }
    }

    fn wait_ready(&mut self, deadline: Instant) -> Ready {
        loop {
            let log = self.log();
            if log.contains("Failed listening on port") {
                return Ready::PortTaken;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Ready::No(format!("exited with {status}"));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && log.contains("Ready to accept")
            {
                return Ready::Yes;
            }
            if Instant::now() > deadline {
                return Ready::No("timed out".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything the server wrote to stdout (its log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default()
    }

    /// Everything the server wrote to stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// A `redis` crate connection.
    pub fn redis(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).expect("url");
        client.get_connection().expect("connect")
    }

    /// A raw socket connection.
    pub fn raw(&self) -> RawConn {
        RawConn::connect(self.port)
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        let child = self.child.as_mut()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
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

    /// Waits for the process to exit by itself (after SHUTDOWN); returns the exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status.code();
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
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
pub struct RawConn {
    reader: std::io::BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawConn {
    /// Connects to 127.0.0.1:`port`, with a read timeout so a missing reply fails the
    /// test instead of hanging it.
    pub fn connect(port: u16) -> RawConn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let writer = stream.try_clone().expect("clone");
        RawConn {
            reader: std::io::BufReader::new(stream),
            writer,
        }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write");
    }

    /// Sends a command as a RESP multibulk.
    pub fn command(&mut self, args: &[&[u8]]) {
        let mut out = Vec::new();
        scarlet_protocol::frame::encode_command(&mut out, args);
        self.send(&out);
    }

    /// Reads one line including its CRLF.
    pub fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read line");
        line
    }

    /// Reads exactly `n` bytes.
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        self.reader.read_exact(&mut buf).expect("read");
        buf
    }

    /// Reads one complete reply as a frame.
    pub fn read_frame(&mut self) -> scarlet_protocol::Frame {
        let mut buf = Vec::new();
        let limits = scarlet_protocol::FrameLimits::default();
        loop {
            if let Ok(Some((frame, _))) = scarlet_protocol::Frame::parse(&buf, &limits) {
                return frame;
            }
            let mut chunk = [0u8; 4096];
            let n = self.reader.read(&mut chunk).expect("read");
            assert!(n > 0, "connection closed before a full reply");
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
    }

    /// True once the server has closed the connection (reads return EOF).
    pub fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.reader.read(&mut byte), Ok(0))
    }
}
