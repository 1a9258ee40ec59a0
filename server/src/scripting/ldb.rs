//! The Lua debugger (Redis's LDB): after SCRIPT DEBUG YES or SYNC, a client's next EVAL
//! runs in a session where the script stops at each line (or at breakpoints) and the
//! client drives it with debugger commands (step, continue, list, print, break, eval,
//! redis, maxlen, abort...). Each answer is a multi-bulk of status lines, written straight
//! to the client's socket while the script holds the server, as Redis does.
//!
//! The session lives in [`Debugger`], shared by the line hook, `redis.call` (which logs
//! `<redis>`, `<reply>` and `<error>` lines while stepping) and `redis.debug()` /
//! `redis.breakpoint()`. Socket I/O goes through a [`Link`] to the connection task (the
//! script runs on a blocking thread that does not own the socket). Formatting of values
//! and replies is `ldb_format.rs`; the fork of SCRIPT DEBUG YES is `ldb_fork.rs`.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use mlua::{Function, HookTriggers, Lua, MultiValue, Table, Value, VmState};

use super::engine::raise_error;
use super::ldb_format::{push_reply, push_value};

/// SCRIPT DEBUG's modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebugMode {
    /// YES: in Redis a forked child runs the session and its writes are lost.
    Forked,
    /// SYNC: the server is blocked while the session runs and keeps its writes.
    Sync,
}

/// Breakpoints a session keeps at most.
const MAX_BREAKPOINTS: usize = 64;
/// Default trimming of logged replies and values.
const DEFAULT_MAXLEN: usize = 256;
/// A client that sends more than this without a complete command ends the script.
const MAX_COMMAND_BUFFER: usize = 1 << 20;

/// What the script thread asks of the connection task that owns the socket.
#[derive(Debug)]
pub enum LinkRequest {
    /// Write these bytes to the client.
    Write(Vec<u8>),
    /// Read what the client sends next (up to 1 KiB, as Redis); `None` when it closed.
    Read(SyncSender<Option<Vec<u8>>>),
}

/// The script thread's end of a connection's socket during a debugging session.
#[derive(Debug, Clone)]
pub struct Link {
    requests: tokio::sync::mpsc::UnboundedSender<LinkRequest>,
}

/// A new link and the receiver the connection task serves.
pub fn link() -> (Link, tokio::sync::mpsc::UnboundedReceiver<LinkRequest>) {
    let (requests, receiver) = tokio::sync::mpsc::unbounded_channel();
    (Link { requests }, receiver)
}

impl Link {
    fn write(&self, bytes: Vec<u8>) {
        let _ = self.requests.send(LinkRequest::Write(bytes));
    }

    /// Blocks until the client sent something; `None` once it is gone.
    fn read(&self) -> Option<Vec<u8>> {
        let (reply, answer) = sync_channel(1);
        self.requests.send(LinkRequest::Read(reply)).ok()?;
        answer.recv().ok().flatten()
    }
}

/// How a session reaches its client: through the connection task, or (in the forked
/// child of SCRIPT DEBUG YES) straight on the socket.
#[derive(Debug, Clone)]
pub enum SessionIo {
    /// Through the connection task.
    Task(Link),
    /// On the descriptor, in a forked child.
    Fd(super::ldb_fork::FdIo),
}

impl SessionIo {
    fn write(&self, bytes: Vec<u8>) {
        match self {
            SessionIo::Task(link) => link.write(bytes),
            SessionIo::Fd(fd) => fd.write(&bytes),
        }
    }

    fn read(&self) -> Option<Vec<u8>> {
        match self {
            SessionIo::Task(link) => link.read(),
            SessionIo::Fd(fd) => fd.read(),
        }
    }
}

/// One debugging session's state.
pub struct Session {
    /// The client's socket; `None` once it is gone (the script then runs to its end).
    link: Option<SessionIo>,
    /// Lines to send with the next answer.
    logs: Vec<Vec<u8>>,
    /// The script's source, by line.
    source: Vec<Vec<u8>>,
    breakpoints: Vec<i64>,
    /// Stop at the next line.
    step: bool,
    /// Stop at the next line because the script called redis.breakpoint().
    lua_breakpoint: bool,
    current_line: i64,
    /// What the client sent that is not a whole command yet.
    input: Vec<u8>,
    /// Replies and values longer than this are trimmed (0: never).
    maxlen: usize,
    maxlen_hint_sent: bool,
    /// Since when the script runs without stopping (an endless loop stops it).
    running_since: Instant,
    /// How long it may (busy-reply-threshold, else 5 s).
    timeout_ms: u64,
}

impl Session {
    /// A session for `body` (trailing newlines dropped, then split at `\n`, as Redis).
    pub fn new(link: Option<SessionIo>, body: &[u8], timeout_ms: u64) -> Session {
        let mut end = body.len();
        while end > 0 && matches!(body.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        let body = body.get(..end).unwrap_or_default();
        let source = if body.is_empty() {
            Vec::new()
        } else {
            body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
        };
        Session {
            link,
            logs: Vec::new(),
            source,
            breakpoints: Vec::new(),
            step: true,
            lua_breakpoint: false,
            current_line: 0,
            input: Vec::new(),
            maxlen: DEFAULT_MAXLEN,
            maxlen_hint_sent: false,
            running_since: Instant::now(),
            timeout_ms: if timeout_ms == 0 { 5000 } else { timeout_ms },
        }
    }

    fn log(&mut self, line: impl Into<Vec<u8>>) {
        self.logs.push(line.into());
    }

    /// Logs `line` trimmed to `maxlen` (with " ..."), and the first time a hint about it.
    fn log_trimmed(&mut self, mut line: Vec<u8>) {
        let trimmed = self.maxlen != 0 && line.len() > self.maxlen;
        if trimmed {
            line.truncate(self.maxlen);
            line.extend_from_slice(b" ...");
        }
        self.log(line);
        if trimmed && !self.maxlen_hint_sent {
            self.maxlen_hint_sent = true;
            self.log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
        }
    }

    /// Sends the pending lines as a multi-bulk of status replies (CR and LF turned into
    /// spaces).
    fn send_logs(&mut self) {
        let mut out = format!("*{}\r\n", self.logs.len()).into_bytes();
        for line in self.logs.drain(..) {
            out.push(b'+');
            out.extend(
                line.into_iter()
                    .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
            out.extend_from_slice(b"\r\n");
        }
        if let Some(link) = &self.link {
            link.write(out);
        }
    }

    fn source_line(&self, line: i64) -> &[u8] {
        usize::try_from(line - 1)
            .ok()
            .and_then(|i| self.source.get(i))
            .map_or(b"<out of range source code line>", Vec::as_slice)
    }

    fn is_breakpoint(&self, line: i64) -> bool {
        self.breakpoints.contains(&line)
    }

    fn log_source_line(&mut self, line: i64) {
        let prefix = match (line == self.current_line, self.is_breakpoint(line)) {
            (true, true) => "->#",
            (true, false) => "-> ",
            (false, true) => "  #",
            (false, false) => "   ",
        };
        let mut text = format!("{prefix}{line:<3} ").into_bytes();
        text.extend_from_slice(self.source_line(line));
        self.log(text);
    }

    fn list(&mut self, around: i64, context: i64) {
        let lines = i64::try_from(self.source.len()).unwrap_or(i64::MAX);
        for line in 1..=lines {
            if around != 0 && (around - line).abs() > context {
                continue;
            }
            self.log_source_line(line);
        }
    }

    fn lines(&self) -> i64 {
        i64::try_from(self.source.len()).unwrap_or(i64::MAX)
    }

    /// `break` with arguments: add, remove or clear breakpoints.
    fn set_breakpoints(&mut self, args: &[Vec<u8>]) {
        for arg in args {
            let Some(line) = strict_int(arg) else {
                self.log(format!(
                    "Invalid argument:'{}'",
                    String::from_utf8_lossy(arg)
                ));
                continue;
            };
            if line == 0 {
                self.breakpoints.clear();
                self.log("All breakpoints removed.");
            } else if line > 0 {
                if self.breakpoints.len() == MAX_BREAKPOINTS {
                    self.log("Too many breakpoints set.");
                } else if line <= self.lines() && !self.is_breakpoint(line) {
                    self.breakpoints.push(line);
                    self.list(line, 1);
                } else {
                    self.log("Wrong line number.");
                }
            } else if let Some(at) = self.breakpoints.iter().position(|&b| b == -line) {
                self.breakpoints.remove(at);
                self.log("Breakpoint removed.");
            } else {
                self.log("No breakpoint in the specified line.");
            }
        }
    }

    /// `break` alone: the breakpoints set.
    fn show_breakpoints(&mut self) {
        if self.breakpoints.is_empty() {
            self.log("No breakpoints set. Use 'b <line>' to add one.");
            return;
        }
        self.log(format!("{} breakpoints set:", self.breakpoints.len()));
        for line in self.breakpoints.clone() {
            self.log_source_line(line);
        }
    }

    fn maxlen(&mut self, args: &[Vec<u8>]) {
        if let Some(arg) = args.first() {
            let mut value = usize::try_from(atoi(arg)).unwrap_or(0);
            self.maxlen_hint_sent = true;
            if value != 0 && value <= 60 {
                value = 60;
            }
            self.maxlen = value;
        }
        if self.maxlen != 0 {
            let text = format!("<value> replies are truncated at {} bytes.", self.maxlen);
            self.log(text);
        } else {
            self.log("<value> replies are unlimited.");
        }
    }

    /// The next whole command in the input, if any (Redis's deliberately simple parser:
    /// it ignores anything before `*`, accepts at most 1024 arguments of 1 to 1024 bytes,
    /// and drops whatever follows the command).
    fn parse_command(&mut self) -> Result<Option<Vec<Vec<u8>>>, &'static str> {
        const PROTOCOL: &str = "protocol error";
        if self.input.is_empty() {
            return Ok(None);
        }
        let data = &self.input;
        let Some(star) = data.iter().position(|&b| b == b'*') else {
            return Err(PROTOCOL);
        };
        let Some(count_end) = find_crlf(data, star + 1) else {
            return Ok(None);
        };
        let count = atoi(data.get(star + 1..count_end).unwrap_or_default());
        if !(1..=1024).contains(&count) {
            return Err(PROTOCOL);
        }
        let mut at = count_end + 2;
        let mut args = Vec::new();
        while i64::try_from(args.len()).unwrap_or(i64::MAX) < count {
            let Some(&first) = data.get(at) else {
                return Ok(None);
            };
            if first != b'$' {
                return Err(PROTOCOL);
            }
            let Some(len_end) = find_crlf(data, at + 1) else {
                return Ok(None);
            };
            let len = atoi(data.get(at + 1..len_end).unwrap_or_default());
            if !(1..=1024).contains(&len) {
                return Err(PROTOCOL);
            }
            let len = usize::try_from(len).unwrap_or(0);
            let start = len_end + 2;
            if start + len + 2 > data.len() {
                return Ok(None);
            }
            args.push(data.get(start..start + len).unwrap_or_default().to_vec());
            if data.get(start + len..start + len + 2) != Some(b"\r\n".as_slice()) {
                return Err(PROTOCOL);
            }
            at = start + len + 2;
        }
        self.input.clear();
        Ok(Some(args))
    }
}

/// A whole decimal integer without sign `+`, leading zeros or blanks (Redis's
/// `string2l`).
fn strict_int(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let canonical = match digits {
        [b'0'] => bytes.len() == 1,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !canonical {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// C's `atoi`: optional blanks and sign, then digits; 0 if none.
fn atoi(bytes: &[u8]) -> i64 {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if negative { -value } else { value }
}

fn find_crlf(data: &[u8], from: usize) -> Option<usize> {
    data.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| p + from)
}

/// The debugger of one interpreter: a session while a debugged EVAL runs.
#[derive(Default)]
pub struct Debugger {
    session: Mutex<Option<Session>>,
}

impl Debugger {
    fn lock(&self) -> MutexGuard<'_, Option<Session>> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a session.
    pub fn begin(&self, session: Session) {
        *self.lock() = Some(session);
    }

    /// Ends the session: sends what is left with `<endsession>`, and gives the link back.
    pub fn end(&self) -> Option<SessionIo> {
        let mut session = self.lock().take()?;
        session.log("<endsession>");
        session.send_logs();
        session.link.take()
    }

    /// A session is running (redis.breakpoint() and redis.debug() work).
    pub fn is_active(&self) -> bool {
        self.lock().is_some()
    }

    /// A session is running and stepping: `redis.call` logs what it does.
    pub fn is_stepping(&self) -> bool {
        self.lock().as_ref().is_some_and(|s| s.step)
    }

    /// Logs a line if the session is stepping.
    pub fn log_if_stepping(&self, line: Vec<u8>) {
        if let Some(session) = self.lock().as_mut().filter(|s| s.step) {
            session.log(line);
        }
    }

    /// Logs a command reply (`<reply> ...`) if the session is stepping.
    pub fn log_reply_if_stepping(&self, reply: &[u8]) {
        if let Some(session) = self.lock().as_mut().filter(|s| s.step) {
            let mut line = b"<reply> ".to_vec();
            push_reply(&mut line, reply);
            session.log_trimmed(line);
        }
    }

    /// redis.breakpoint(): stop at the next line; whether a session runs.
    pub fn breakpoint(&self) -> bool {
        match self.lock().as_mut() {
            Some(session) => {
                session.lua_breakpoint = true;
                true
            }
            None => false,
        }
    }

    /// redis.debug(...): logs its arguments.
    pub fn debug(&self, args: &MultiValue) {
        if let Some(session) = self.lock().as_mut() {
            let mut line = format!("<debug> line {}: ", session.current_line).into_bytes();
            for (i, value) in args.iter().enumerate() {
                if i > 0 {
                    line.extend_from_slice(b", ");
                }
                push_value(&mut line, value);
            }
            session.log(line);
        }
    }
}

/// What the line hook needs besides the session.
pub struct HookParts {
    /// The session.
    pub debugger: Arc<Debugger>,
    /// `debug.getlocal`, kept out of the scripts' reach.
    pub getlocal: Function,
    /// The sandboxed globals (`eval` runs there).
    pub globals: Table,
    /// The real `redis` table (`redis` runs its `call`).
    pub redis_api: Table,
    /// `pcall(f)` returning Lua's raw error value.
    pub plain_pcall: Function,
}

/// Why a stop happened.
const STEP: &str = "step over";

/// Installs the debugger's hook: every line, and every 100000 instructions to stop an
/// endless loop.
pub fn install_hook(lua: &Lua, parts: HookParts) -> mlua::Result<()> {
    lua.set_hook(
        HookTriggers::new()
            .every_line()
            .every_nth_instruction(100_000),
        move |lua, debug| {
            let source = debug.source();
            let in_script = source
                .short_src
                .as_deref()
                .is_some_and(|s| s.contains("user_script"));
            let line = debug.current_line().and_then(|l| i64::try_from(l).ok());
            let count_event = matches!(debug.event(), mlua::debug::DebugEvent::Count);
            let reason = {
                let mut guard = parts.debugger.lock();
                let Some(session) = guard.as_mut() else {
                    return Ok(VmState::Continue);
                };
                session.current_line = line.unwrap_or(-1);
                let at_breakpoint =
                    session.is_breakpoint(session.current_line) || session.lua_breakpoint;
                if !in_script {
                    return Ok(VmState::Continue);
                }
                let mut timeout = false;
                if count_event && !session.step && !at_breakpoint {
                    let elapsed = session.running_since.elapsed().as_millis();
                    if elapsed < u128::from(session.timeout_ms) {
                        return Ok(VmState::Continue);
                    }
                    timeout = true;
                    session.step = true;
                }
                if !session.step && !at_breakpoint {
                    return Ok(VmState::Continue);
                }
                let reason = if at_breakpoint {
                    if session.lua_breakpoint {
                        "redis.breakpoint() called"
                    } else {
                        "break point"
                    }
                } else if timeout {
                    "timeout reached, infinite loop?"
                } else {
                    STEP
                };
                session.step = false;
                session.lua_breakpoint = false;
                let current = session.current_line;
                session.log(format!("* Stopped at {current}, stop reason = {reason}"));
                session.log_source_line(current);
                session.send_logs();
                (timeout, reason)
            };
            drop(source);
            let connected = repl(lua, &parts)?;
            if !connected && reason.0 {
                return Err(raise_error(
                    b"timeout during Lua debugging with client closing connection",
                    false,
                ));
            }
            if let Some(session) = parts.debugger.lock().as_mut() {
                session.running_since = Instant::now();
            }
            Ok(VmState::Continue)
        },
    )
}

/// Serves debugger commands until one resumes the script. `Ok(false)`: the client is
/// gone (the script then runs on without stopping).
fn repl(lua: &Lua, parts: &HookParts) -> mlua::Result<bool> {
    loop {
        let args = {
            let mut guard = parts.debugger.lock();
            let Some(session) = guard.as_mut() else {
                return Ok(true);
            };
            loop {
                match session.parse_command() {
                    Ok(Some(args)) => break args,
                    Err(message) => return Err(raise_error(message.as_bytes(), false)),
                    Ok(None) => {}
                }
                let read = session.link.as_ref().and_then(SessionIo::read);
                let Some(bytes) = read else {
                    session.step = false;
                    session.breakpoints.clear();
                    session.link = None;
                    return Ok(false);
                };
                session.input.extend_from_slice(&bytes);
                if session.input.len() > MAX_COMMAND_BUFFER {
                    session.input = Vec::new();
                    return Err(raise_error(b"max client buffer reached", false));
                }
            }
        };
        let Some((name, rest)) = args.split_first() else {
            continue;
        };
        // Redis compares the name as a C string: it ends at a NUL byte.
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        let is = |short: &str, long: &str| {
            name.eq_ignore_ascii_case(short.as_bytes())
                || name.eq_ignore_ascii_case(long.as_bytes())
        };
        if is("h", "help") {
            with_session(parts, |s| {
                for line in HELP {
                    s.log(*line);
                }
            });
        } else if is("s", "step") || is("n", "next") {
            with_session(parts, |s| s.step = true);
            return Ok(true);
        } else if is("c", "continue") {
            return Ok(true);
        } else if is("t", "trace") {
            trace(lua, parts);
        } else if is("m", "maxlen") {
            with_session(parts, |s| s.maxlen(rest));
        } else if is("b", "break") {
            with_session(parts, |s| {
                if rest.is_empty() {
                    s.show_breakpoints();
                } else {
                    s.set_breakpoints(rest);
                }
            });
        } else if is("e", "eval") {
            eval(lua, parts, rest);
        } else if is("a", "abort") {
            return Err(raise_error(b"script aborted for user request", false));
        } else if !rest.is_empty() && is("r", "redis") {
            redis_command(lua, parts, rest);
        } else if is("p", "print") {
            match rest {
                [name] => print_variable(lua, parts, name),
                _ => print_locals(lua, parts),
            }
        } else if is("l", "list") {
            with_session(parts, |s| {
                let mut around = s.current_line;
                if let Some(arg) = rest.first() {
                    let n = atoi(arg);
                    if n > 0 {
                        around = n;
                    }
                }
                let context = rest.get(1).map_or(5, |a| atoi(a));
                s.list(around, context);
            });
        } else if is("w", "whole") {
            with_session(parts, |s| s.list(1, 1_000_000));
        } else {
            with_session(parts, |s| {
                s.log("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
            });
        }
        with_session(parts, Session::send_logs);
    }
}

fn with_session(parts: &HookParts, f: impl FnOnce(&mut Session)) {
    if let Some(session) = parts.debugger.lock().as_mut() {
        f(session);
    }
}

/// The help text (our layout of the same commands).
const HELP: &[&str] = &[
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
];

/// The locals of the frame `level` levels up from the hook (0: the running function),
/// by `debug.getlocal` (which counts its own caller as level 1).
fn locals(parts: &HookParts, level: usize) -> Vec<(Vec<u8>, Value)> {
    let mut found = Vec::new();
    for index in 1.. {
        let got: mlua::Result<(Value, Value)> = parts.getlocal.call((level + 1, index));
        match got {
            Ok((Value::String(name), value)) => found.push((name.as_bytes().to_vec(), value)),
            _ => break,
        }
    }
    found
}

/// `print`: every local of the current function (temporaries aside).
fn print_locals(lua: &Lua, parts: &HookParts) {
    let mut lines = Vec::new();
    if lua.inspect_stack(0, |_| ()).is_some() {
        for (name, value) in locals(parts, 0) {
            if name.windows(12).any(|w| w == b"(*temporary)") {
                continue;
            }
            let mut line = b"<value> ".to_vec();
            line.extend_from_slice(&name);
            line.extend_from_slice(b" = ");
            push_value(&mut line, &value);
            lines.push(line);
        }
    }
    with_session(parts, |s| {
        if lines.is_empty() {
            s.log("No local variables in the current context.");
        }
        for line in lines {
            s.log_trimmed(line);
        }
    });
}

/// `print <name>`: the innermost local of that name, or the globals KEYS and ARGV.
fn print_variable(lua: &Lua, parts: &HookParts, name: &[u8]) {
    let mut level = 0;
    while lua.inspect_stack(level, |_| ()).is_some() {
        if let Some((_, value)) = locals(parts, level).into_iter().find(|(n, _)| n == name) {
            log_value(parts, &value);
            return;
        }
        level += 1;
    }
    if name == b"KEYS" || name == b"ARGV" {
        let value = std::str::from_utf8(name)
            .ok()
            .and_then(|n| parts.globals.get::<Value>(n).ok())
            .unwrap_or(Value::Nil);
        log_value(parts, &value);
    } else {
        with_session(parts, |s| s.log("No such variable."));
    }
}

fn log_value(parts: &HookParts, value: &Value) {
    let mut line = b"<value> ".to_vec();
    push_value(&mut line, value);
    with_session(parts, |s| s.log_trimmed(line));
}

/// `trace`: the script's frames, innermost first.
fn trace(lua: &Lua, parts: &HookParts) {
    let mut frames = Vec::new();
    let mut level = 0;
    while let Some(frame) = lua.inspect_stack(level, |debug| {
        let in_script = debug
            .source()
            .short_src
            .as_deref()
            .is_some_and(|s| s.contains("user_script"));
        let name = debug.names().name.map(|n| n.to_string());
        let line = debug.current_line().and_then(|l| i64::try_from(l).ok());
        (in_script, name, line)
    }) {
        if let (true, name, line) = frame {
            frames.push((level, name, line.unwrap_or(-1)));
        }
        level += 1;
    }
    with_session(parts, |s| {
        if level == 0 {
            s.log("<error> Can't retrieve Lua stack.");
        }
        for (level, name, line) in frames {
            let place = if level == 0 { "In" } else { "From" };
            s.log(format!(
                "{place} {}:",
                name.as_deref().unwrap_or("top level")
            ));
            s.log_source_line(line);
        }
    });
}

/// `eval <code>`: runs the code as an expression if it is one, else as a statement, in
/// the script's globals, and shows its first result.
fn eval(lua: &Lua, parts: &HookParts, words: &[Vec<u8>]) {
    let code = words.join(&b' ');
    let mut expression = b"return ".to_vec();
    expression.extend_from_slice(&code);
    let compile = |text: &[u8]| {
        lua.load(text)
            .set_name("@ldb_eval")
            .set_mode(mlua::chunk::ChunkMode::Text)
            .set_environment(parts.globals.clone())
            .into_function()
    };
    let function = match compile(&expression).or_else(|_| compile(&code)) {
        Ok(f) => f,
        Err(e) => {
            let line = format!("<error> {}", super::engine::lua_error_text(&e));
            with_session(parts, |s| s.log(line));
            return;
        }
    };
    // Through Lua's own pcall, so an error comes back as Lua's message (no traceback).
    let outcome = parts.plain_pcall.call::<(bool, Value)>(function);
    let (ok, value) = match outcome {
        Ok(result) => result,
        Err(e) => (false, Value::Error(Box::new(e))),
    };
    if ok {
        let mut line = b"<retval> ".to_vec();
        push_value(&mut line, &value);
        with_session(parts, |s| s.log_trimmed(line));
        return;
    }
    let mut line = b"<error> ".to_vec();
    match &value {
        Value::String(text) => line.extend_from_slice(&text.as_bytes()),
        Value::Error(e) => match super::engine::raised(e) {
            Some(r) => line.extend_from_slice(&r.message),
            None => line.extend_from_slice(super::engine::lua_error_text(e).as_bytes()),
        },
        Value::Integer(_) | Value::Number(_) => {
            line.extend_from_slice(super::engine::lua_tostring(&value).as_bytes());
        }
        _ => line.extend_from_slice(b"(null)"),
    }
    with_session(parts, |s| s.log(line));
}

/// `redis <command...>`: runs it through `redis.call` while stepping, so the command
/// and its reply are logged; errors are only logged.
fn redis_command(lua: &Lua, parts: &HookParts, words: &[Vec<u8>]) {
    let Ok(call) = parts.redis_api.raw_get::<Function>("call") else {
        return;
    };
    let args: MultiValue = words
        .iter()
        .filter_map(|w| lua.create_string(w).ok().map(Value::String))
        .collect();
    with_session(parts, |s| s.step = true);
    let _ = call.call::<Value>(args);
    with_session(parts, |s| s.step = false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_as_redis_does() {
        let mut session = Session::new(None, b"return 1\n\n", 0);
        assert_eq!(session.source.len(), 1);
        session.input = b"*2\r\n$1\r\np\r\n$1\r\n".to_vec();
        assert_eq!(session.parse_command(), Ok(None));
        session.input.extend_from_slice(b"a\r\n");
        assert_eq!(
            session.parse_command(),
            Ok(Some(vec![b"p".to_vec(), b"a".to_vec()]))
        );
        assert!(session.input.is_empty());
        session.input = b"hello".to_vec();
        assert_eq!(session.parse_command(), Err("protocol error"));
        session.input = b"*0\r\n".to_vec();
        assert_eq!(session.parse_command(), Err("protocol error"));
        session.input = b"*1\r\n$0\r\n\r\n".to_vec();
        assert_eq!(session.parse_command(), Err("protocol error"));
    }

    #[test]
    fn atoi_is_c_like() {
        assert_eq!(atoi(b"12abc"), 12);
        assert_eq!(atoi(b"-3"), -3);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b" 7"), 7);
    }
}
