//! The client's state across commands: the connection, the selected database, MULTI, and
//! how one command is sent, repeated, redirected (cluster mode) and its reply printed.
//!
//! This follows redis-cli's flow: connect (AUTH, SELECT, HELLO 3 as configured), send the
//! command `-r` times with `-i` pauses, print each reply in the configured format, follow
//! MOVED/ASK in `-c` mode, stream replies for MONITOR and SUBSCRIBE. It does not read input
//! lines (see `repl`) nor implement the special modes (see `modes`).

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use scarlet_protocol::Frame;

use crate::conn::{Conn, ConnError};
use crate::format::{self, Unprintable};
use crate::options::{Config, Output, Resp3, c_atoi};
use crate::signals;
use crate::tls::TlsClient;

/// Writes to stdout and flushes; a closed stdout ends the program quietly.
pub fn emit(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if out.write_all(bytes).and_then(|()| out.flush()).is_err() {
        std::process::exit(1);
    }
}

/// Prints a reply that cannot be printed, as redis-cli does, and exits 1.
pub fn unprintable(Unprintable(kind): Unprintable) -> ! {
    eprintln!("Unknown reply type: {kind}");
    std::process::exit(1);
}

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// The connection and everything redis-cli tracks about it.
pub struct Session {
    /// Options.
    pub config: Config,
    /// The connection, `None` when not connected.
    pub conn: Option<Conn>,
    /// The database currently selected on the connection.
    pub dbnum: i64,
    /// Inside MULTI (the prompt shows `(TX)`).
    pub in_multi: bool,
    pre_multi_dbnum: i64,
    /// The interactive prompt is running (errors do not exit, redirections are announced).
    pub interactive: bool,
    cluster_reissue: bool,
    cluster_asking: bool,
    shutdown: bool,
    monitor: bool,
    pubsub: bool,
    last_was_error: bool,
    last_was_nil: bool,
    /// In a Lua debugging session (`lua debugger>` prompt, debugger output).
    pub ldb: bool,
    /// A debugging session just ended: EVAL's own reply is still to be read.
    pub ldb_end: bool,
    /// SCRIPT DEBUG yes/sync was typed: the next EVAL starts a debugging session.
    enable_ldb_on_eval: bool,
    /// The TLS configuration, once built.
    tls: Option<TlsClient>,
}

/// Why opening a connection failed.
enum OpenError {
    /// The socket could not connect.
    Connect(std::io::Error),
    /// The TLS options are unusable (redis-cli's text).
    TlsSetup(&'static str),
    /// The TLS handshake failed.
    Handshake(std::io::Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Connect(error) => f.write_str(&crate::conn::io_text(error)),
            OpenError::TlsSetup(text) => f.write_str(text),
            OpenError::Handshake(error) => write!(
                f,
                "SSL_connect failed: {}",
                crate::tls::handshake_error_text(error)
            ),
        }
    }
}

impl Session {
    /// A session not yet connected.
    pub fn new(config: Config) -> Session {
        let config_ldb = config.ldb;
        Session {
            config,
            conn: None,
            dbnum: 0,
            in_multi: false,
            pre_multi_dbnum: 0,
            interactive: false,
            cluster_reissue: false,
            cluster_asking: false,
            shutdown: false,
            monitor: false,
            pubsub: false,
            last_was_error: false,
            last_was_nil: false,
            ldb: config_ldb,
            ldb_end: false,
            enable_ldb_on_eval: false,
            tls: None,
        }
    }

    /// The prompt: `host:port[db](TX)> ` or `redis /path> `.
    pub fn prompt(&self) -> String {
        if self.ldb {
            return "lua debugger> ".into();
        }
        if self.conn.is_none() {
            return "not connected> ".into();
        }
        let mut prompt = match &self.config.socket {
            Some(path) => format!("redis {path}"),
            None if self.config.host.contains(':') => {
                format!("[{}]:{}", self.config.host, self.config.port)
            }
            None => format!("{}:{}", self.config.host, self.config.port),
        };
        if self.dbnum != 0 {
            prompt.push_str(&format!("[{}]", self.dbnum));
        }
        if self.in_multi {
            prompt.push_str("(TX)");
        }
        prompt.push_str("> ");
        prompt
    }

    /// Connects (again when `force`), then AUTH, SELECT and HELLO 3 as configured. Errors are
    /// printed unless `quiet`.
    pub fn connect(&mut self, force: bool, quiet: bool) -> bool {
        if self.conn.is_some() && !force {
            return true;
        }
        if self.conn.take().is_some() {
            self.dbnum = 0;
            self.in_multi = false;
        }
        let use_tcp = self.config.socket.is_none() || (self.config.cluster && self.cluster_reissue);
        let target = match (&self.config.socket, use_tcp) {
            (Some(path), false) => path.clone(),
            _ => format!("{}:{}", self.config.host, self.config.port),
        };
        let mut conn = match self.open(use_tcp) {
            Ok(conn) => conn,
            Err(OpenError::TlsSetup(text)) => {
                // Printed even when quiet, as redis-cli does.
                eprintln!("Could not negotiate a TLS connection: {text}");
                return false;
            }
            Err(error) => {
                if !quiet {
                    eprintln!("Could not connect to Redis at {target}: {error}");
                }
                return false;
            }
        };
        if let Ok(clone) = conn.stream().try_clone() {
            signals::set_stream(clone);
        }
        let auth_ok = self.auth(&mut conn);
        self.conn = Some(conn);
        if !auth_ok {
            return false;
        }
        self.select() && self.switch_protocol()
    }

    /// Opens the socket and, with `--tls`, runs the handshake (the TLS configuration is
    /// built at the first connection and kept).
    fn open(&mut self, use_tcp: bool) -> Result<Conn, OpenError> {
        let conn = match (&self.config.socket, use_tcp) {
            (Some(path), false) => Conn::unix(path),
            _ => Conn::tcp(&self.config.host, self.config.port),
        }
        .map_err(OpenError::Connect)?;
        if !self.config.tls {
            return Ok(conn);
        }
        let client = match &self.tls {
            Some(client) => client.clone(),
            None => {
                let client = TlsClient::new(&self.config.tls_options, &self.config.host)
                    .map_err(OpenError::TlsSetup)?;
                self.tls = Some(client.clone());
                client
            }
        };
        conn.secure(&client).map_err(OpenError::Handshake)
    }

    fn auth(&self, conn: &mut Conn) -> bool {
        let Some(password) = &self.config.auth else {
            return true;
        };
        let mut args: Vec<&[u8]> = vec![b"AUTH"];
        if let Some(user) = &self.config.user {
            args.push(user);
        }
        args.push(password);
        match conn.command(&args) {
            Ok(Frame::Error(text)) => {
                eprintln!("AUTH failed: {}", String::from_utf8_lossy(&text));
                false
            }
            Ok(_) => true,
            Err(_) => {
                eprintln!("\nI/O error");
                false
            }
        }
    }

    fn select(&mut self) -> bool {
        if self.config.dbnum == self.dbnum {
            return true;
        }
        let db = self.config.dbnum.to_string();
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        match conn.command(&["SELECT", db.as_str()]) {
            Ok(Frame::Error(text)) => {
                eprintln!("SELECT {db} failed: {}", String::from_utf8_lossy(&text));
                false
            }
            Ok(_) => {
                self.dbnum = self.config.dbnum;
                true
            }
            Err(_) => {
                eprintln!("\nI/O error");
                false
            }
        }
    }

    fn switch_protocol(&mut self) -> bool {
        if !self.config.wants_resp3() {
            return true;
        }
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        match conn.command(&["HELLO", "3"]) {
            Ok(Frame::Error(text)) => {
                eprintln!("HELLO 3 failed: {}", String::from_utf8_lossy(&text));
                self.config.resp3 != Resp3::Required
            }
            Ok(_) => true,
            Err(_) => {
                eprintln!("\nI/O error");
                false
            }
        }
    }

    /// Sends a command for the monitoring modes (--stat, --latency): when the connection
    /// is lost, reconnects once a second (plain connect, as redis-cli does) showing
    /// "Reconnecting... N", then resends. Other failures exit.
    pub fn reconnecting_command(&mut self, args: &[&str]) -> Frame {
        let mut tries = 0u64;
        loop {
            let reply = match self.conn.as_mut() {
                Some(conn) => conn.command(args),
                None => Err(ConnError::Eof),
            };
            match reply {
                Ok(frame) => {
                    if tries > 0 {
                        emit(b"\r\x1b[0K");
                    }
                    return frame;
                }
                Err(ConnError::Protocol(text)) => {
                    eprintln!("Error: {text}");
                    std::process::exit(1);
                }
                Err(_) => {}
            }
            self.conn = None;
            while self.conn.is_none() {
                tries += 1;
                emit(format!("\r\x1b[0KReconnecting... {tries}\r").as_bytes());
                self.conn = match self.open(true) {
                    Ok(conn) => Some(conn),
                    Err(OpenError::TlsSetup(text)) => {
                        eprintln!("TLS Error: {text}");
                        std::process::exit(1);
                    }
                    Err(_) => None,
                };
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }

    /// Runs a command `config.repeat` times.
    pub fn issue(&mut self, args: &[Vec<u8>]) -> bool {
        let repeat = self.config.repeat;
        self.issue_repeat(args, repeat)
    }

    /// Runs a command `repeat` times (HELP is answered locally), reconnecting first when
    /// needed and again after a cluster redirection. False when the connection failed.
    pub fn issue_repeat(&mut self, args: &[Vec<u8>], repeat: i64) -> bool {
        let Some(name) = args.first() else {
            return true;
        };
        if !self.ldb && (eq(name, "help") || eq(name, "?")) {
            crate::help::print_help(self, args.get(1..).unwrap_or_default());
            return true;
        }
        loop {
            if (self.cluster_reissue || self.conn.is_none()) && !self.connect(true, false) {
                self.cluster_reissue = false;
                return false;
            }
            self.cluster_reissue = false;
            if self.cluster_asking {
                self.cluster_asking = false;
                let asked = self.conn.as_mut().map(|conn| conn.command(&["ASKING"]));
                match asked {
                    Some(Ok(Frame::Error(text))) => {
                        eprintln!("{}", String::from_utf8_lossy(&text));
                        return false;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => {
                        eprintln!("Error: {error}");
                        return false;
                    }
                    None => return false,
                }
            }
            if let Err(error) = self.send_command(args, repeat) {
                eprintln!("Error: {error}");
                self.conn = None;
                return false;
            }
            if self.config.cluster && self.cluster_reissue {
                continue;
            }
            return true;
        }
    }

    /// Whether redis-cli prints this command's reply raw even on a terminal.
    fn prints_raw(args: &[Vec<u8>]) -> bool {
        let empty = Vec::new();
        let name = args.first().unwrap_or(&empty);
        let sub = args.get(1).unwrap_or(&empty);
        let argc = args.len();
        eq(name, "info")
            || eq(name, "lolwut")
            || (argc >= 2
                && eq(name, "debug")
                && (eq(sub, "htstats") || eq(sub, "htstats-key") || eq(sub, "client-eviction")))
            || (argc >= 2 && eq(name, "memory") && (eq(sub, "malloc-stats") || eq(sub, "doctor")))
            || (argc == 2 && eq(name, "cluster") && (eq(sub, "nodes") || eq(sub, "info")))
            || (argc >= 2 && eq(name, "client") && (eq(sub, "list") || eq(sub, "info")))
            || (argc == 3 && eq(name, "latency") && eq(sub, "graph"))
            || (argc == 2 && eq(name, "latency") && eq(sub, "doctor"))
            || (argc >= 2 && eq(name, "proxy") && eq(sub, "info"))
    }

    fn send_command(&mut self, args: &[Vec<u8>], mut repeat: i64) -> Result<(), ConnError> {
        let empty = Vec::new();
        let name = args.first().unwrap_or(&empty);
        let raw_strings = Self::prints_raw(args);
        if eq(name, "shutdown") {
            self.shutdown = true;
        }
        if eq(name, "monitor") {
            self.monitor = true;
        }
        if eq(name, "subscribe") || eq(name, "psubscribe") || eq(name, "ssubscribe") {
            self.pubsub = true;
        }
        let replica = eq(name, "sync") || eq(name, "psync");
        if args.len() == 3 && eq(name, "script") && args.get(1).is_some_and(|a| eq(a, "debug")) {
            let mode = args.get(2).map(|a| a.to_ascii_lowercase());
            self.enable_ldb_on_eval = matches!(mode.as_deref(), Some(b"yes" | b"sync"));
        }
        if eq(name, "eval") && self.enable_ldb_on_eval {
            self.ldb = true;
            self.config.output = Output::Raw;
        }
        while repeat < 0 || {
            repeat -= 1;
            repeat >= 0
        } {
            let Some(conn) = self.conn.as_mut() else {
                return Err(ConnError::Eof);
            };
            conn.send(args)?;
            if self.monitor {
                signals::BLOCKING.store(true, Ordering::SeqCst);
                while self.monitor {
                    self.read_reply(raw_strings)?;
                    if self.last_was_error {
                        self.monitor = false;
                    }
                }
                signals::BLOCKING.store(false, Ordering::SeqCst);
                return Ok(());
            }
            if self.pubsub {
                if self.config.output != Output::Raw {
                    emit(b"Reading messages... (press Ctrl-C to quit)\n");
                }
                signals::BLOCKING.store(true, Ordering::SeqCst);
                while self.pubsub {
                    self.read_reply(raw_strings)?;
                    if self.last_was_error {
                        self.pubsub = false;
                    }
                }
                signals::BLOCKING.store(false, Ordering::SeqCst);
                continue;
            }
            if replica {
                emit(b"Entering replica output mode...  (press Ctrl-C to quit)\n");
                crate::modes::replica::follow(self);
                return Err(ConnError::Eof);
            }
            self.read_reply(raw_strings)?;
            self.after_reply(args);
            if self.cluster_reissue {
                break;
            }
            if self.config.interval_us > 0 {
                std::thread::sleep(Duration::from_micros(self.config.interval_us));
            }
        }
        Ok(())
    }

    /// Tracks SELECT, AUTH, MULTI/EXEC/DISCARD and RESET for the prompt.
    fn after_reply(&mut self, args: &[Vec<u8>]) {
        let empty = Vec::new();
        let name = args.first().unwrap_or(&empty);
        let argc = args.len();
        if eq(name, "select") && argc == 2 && !self.last_was_error {
            let db = c_atoi(args.get(1).unwrap_or(&empty));
            self.config.dbnum = db;
            self.dbnum = db;
        } else if eq(name, "auth") && (argc == 2 || argc == 3) {
            self.select();
        } else if eq(name, "multi") && argc == 1 && !self.last_was_error {
            self.in_multi = true;
            self.pre_multi_dbnum = self.dbnum;
        } else if eq(name, "exec") && argc == 1 && self.in_multi {
            self.in_multi = false;
            if self.last_was_error || self.last_was_nil {
                self.dbnum = self.pre_multi_dbnum;
                self.config.dbnum = self.pre_multi_dbnum;
            }
        } else if eq(name, "discard") && argc == 1 && !self.last_was_error {
            self.in_multi = false;
            self.dbnum = self.pre_multi_dbnum;
            self.config.dbnum = self.pre_multi_dbnum;
        } else if eq(name, "reset") && argc == 1 && !self.last_was_error {
            self.in_multi = false;
            self.dbnum = 0;
            self.config.dbnum = 0;
            self.config.resp3 = Resp3::No;
        }
    }

    /// Reads the next reply: push messages go to the push printer (or are dropped), except
    /// in Pub/Sub mode where they are the replies.
    fn next_reply(&mut self) -> Result<Frame, ConnError> {
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Err(ConnError::Eof);
            };
            let frame = conn.read_frame()?;
            match frame {
                Frame::Attribute(_) => {
                    return Err(ConnError::Protocol(
                        "Protocol error, got \"|\" as reply type byte".into(),
                    ));
                }
                Frame::Push(_) if !self.pubsub => {
                    if self.config.push_output {
                        self.print_push(&frame);
                    }
                }
                frame => return Ok(frame),
            }
        }
    }

    fn print_push(&self, frame: &Frame) {
        let text = match (self.config.output, format::invalidate_tty(frame)) {
            (Output::Standard, Some(text)) => text,
            _ => {
                let mut out = Vec::new();
                if let Err(kind) = format::format_reply(
                    frame,
                    self.config.output,
                    false,
                    &self.config.mb_delim,
                    &self.config.cmd_delim,
                    &mut out,
                ) {
                    unprintable(kind);
                }
                out
            }
        };
        emit(&text);
    }

    /// Reads one reply and prints it (or follows a redirection).
    pub fn read_reply(&mut self, raw_strings: bool) -> Result<(), ConnError> {
        let frame = match self.next_reply() {
            Ok(frame) => frame,
            Err(error) => {
                if signals::ABORTED.swap(false, Ordering::SeqCst) {
                    signals::BLOCKING.store(false, Ordering::SeqCst);
                    self.monitor = false;
                    self.pubsub = false;
                    self.connect(true, false);
                    return Ok(());
                }
                if self.shutdown {
                    self.conn = None;
                    return Ok(());
                }
                if self.interactive && is_disconnect(&error) {
                    return Err(error);
                }
                eprintln!("Error: {error}");
                std::process::exit(1);
            }
        };
        self.last_was_error = frame.is_error();
        self.last_was_nil = matches!(frame, Frame::Null | Frame::NullArray);
        if self.config.cluster
            && let Frame::Error(text) = &frame
            && (text.starts_with(b"MOVED ") || text.starts_with(b"ASK "))
        {
            self.redirect(text);
            return Ok(());
        }
        if !self.interactive
            && self.config.set_errcode
            && let Frame::Error(text) = &frame
        {
            eprintln!("{}", String::from_utf8_lossy(text));
            std::process::exit(1);
        }
        let mut out = Vec::new();
        if self.ldb && !raw_strings {
            match crate::ldb::format(&frame, &self.config.mb_delim, &mut out) {
                Ok(true) => {
                    self.ldb = false;
                    self.enable_ldb_on_eval = false;
                    self.ldb_end = true;
                    self.config.output = Output::Standard;
                }
                Ok(false) => {}
                Err(kind) => unprintable(kind),
            }
            out.extend_from_slice(&self.config.cmd_delim);
            emit(&out);
            return Ok(());
        }
        if let Err(kind) = format::format_reply(
            &frame,
            self.config.output,
            raw_strings,
            &self.config.mb_delim,
            &self.config.cmd_delim,
            &mut out,
        ) {
            unprintable(kind);
        }
        emit(&out);
        Ok(())
    }

    /// `MOVED <slot> <host>:<port>` or `ASK ...`: remember where to go and reissue.
    fn redirect(&mut self, text: &[u8]) {
        let text = String::from_utf8_lossy(text);
        let mut words = text.split(' ');
        let kind = words.next().unwrap_or_default();
        let slot = c_atoi(words.next().unwrap_or_default().as_bytes());
        let target = words.next().unwrap_or_default();
        let (host, port) = target.rsplit_once(':').unwrap_or((target, "0"));
        self.config.host = host.to_string();
        self.config.port = (c_atoi(port.as_bytes()) & 0xffff) as u16;
        if self.interactive {
            emit(
                format!(
                    "-> Redirected to slot [{slot}] located at {}:{}\n",
                    self.config.host, self.config.port
                )
                .as_bytes(),
            );
        }
        self.cluster_reissue = true;
        if kind == "ASK" {
            self.cluster_asking = true;
        }
    }
}

/// The errors after which the interactive prompt reconnects instead of exiting.
fn is_disconnect(error: &ConnError) -> bool {
    match error {
        ConnError::Eof => true,
        ConnError::Io(error) => matches!(
            error.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        ConnError::Protocol(_) => false,
    }
}
