//! MIGRATE: moves (or copies) keys to another server by sending it RESTORE commands, and
//! the cache of connections it keeps to its targets.
//!
//! As in Redis, the transfer is synchronous: the command runs under the server lock and
//! does blocking socket I/O bounded by its timeout, so nothing else runs meanwhile.
//! Sockets are std's blocking `TcpStream`s with read and write timeouts; replies are read
//! a line at a time with a bounded line length (AUTH, SELECT and RESTORE answer with one
//! line), which is all Redis reads of them. Payloads come from `dump.rs`'s format
//! (storage's `rdb::payload`). Connections are cached per "host:port" (at most 64) and
//! closed by the cron after 10 idle seconds. TLS targets are not supported.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use scarlet_protocol::Args;
use scarlet_storage::Millis;
use scarlet_storage::rdb::dump_payload;

use super::Ctx;
use super::args;
use super::spec::{BeginSearch, CommandSpec, FindKeys, KeyRef, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;
use crate::server::Server;

const KEY_FLAGS: u32 = key::RW | key::ACCESS | key::DELETE;

/// The MIGRATE table.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "migrate",
    arity: -6,
    flags: flag::WRITE,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    keys: &[
        KeySpec::single(3, KEY_FLAGS),
        KeySpec {
            flags: KEY_FLAGS | key::INCOMPLETE,
            begin: BeginSearch::Keyword {
                keyword: "KEYS",
                startfrom: -2,
            },
            find: FindKeys::Range {
                lastkey: -1,
                step: 1,
                limit: 0,
            },
            notes: None,
        },
    ],
    getkeys: Some(migrate_keys),
    handler: Some(migrate),
    summary: "Atomically moves keys to another server",
    since: "2.6.0",
    complexity: "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.",
    syntax: "host port:integer key_or_empty_string=(key:key|empty_string=\"\") destination-db:integer timeout:integer [COPY]@3.0.0 [REPLACE]@3.0.0 authentication=[[AUTH password]@4.0.7|[username_password=AUTH2 (username password)]@6.0.0] [KEYS key:key1...]@3.0.6",
    history: &[
        ("3.0.0", "Added the `COPY` and `REPLACE` options."),
        ("3.0.6", "Added the `KEYS` option."),
        ("4.0.7", "Added the `AUTH` option."),
        ("6.0.0", "Added the `AUTH2` option."),
    ],
    tips: &["nondeterministic_output"],
    ..CommandSpec::DEFAULT
}];

/// Most cached connections; a new one past this evicts one (Redis picks at random).
const CACHE_CAPACITY: usize = 64;
/// Idle seconds after which the cron closes a cached connection.
const CACHE_IDLE_SECS: i64 = 10;
/// Longest reply line read from a target, as Redis's 1024-byte buffers.
const MAX_LINE: usize = 1023;
/// Commands are written in chunks of this size, each with the full timeout, as Redis.
const WRITE_CHUNK: usize = 64 * 1024;

/// A connection to a target.
#[derive(Debug)]
struct CachedSocket {
    stream: BufReader<TcpStream>,
    /// The database SELECTed last on it, so the next MIGRATE can skip SELECT.
    last_db: Option<i64>,
    /// Unix ms of the last use.
    last_use: Millis,
}

/// MIGRATE's connections, by "host:port" as the client wrote them.
#[derive(Debug, Default)]
pub struct MigrateSockets {
    sockets: HashMap<Vec<u8>, CachedSocket>,
}

impl MigrateSockets {
    /// How many connections are cached (INFO `migrate_cached_sockets`).
    pub fn len(&self) -> usize {
        self.sockets.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }

    /// Closes connections idle for more than 10 seconds (the cron calls this).
    pub fn close_idle(&mut self, now: Millis) {
        self.sockets
            .retain(|_, s| now.saturating_sub(s.last_use) <= CACHE_IDLE_SECS * 1000);
    }

    fn close(&mut self, name: &[u8]) {
        self.sockets.remove(name);
    }
}

/// Key positions, as Redis's `migrateGetKeys`: the key argument, or with KEYS (and an
/// empty key argument) everything after it.
fn migrate_keys(args: Args<'_>) -> Vec<KeyRef> {
    let mut first = 3;
    let mut count = 1;
    let mut i = 6;
    while i < args.len() {
        let arg = args.at(i);
        if args::is(arg, "keys") {
            if args.at(3).is_empty() {
                first = i + 1;
                count = args.len() - first;
            } else {
                count = 0;
            }
            break;
        }
        if args::is(arg, "auth") {
            i += 1;
        } else if args::is(arg, "auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + count)
        .map(|pos| KeyRef {
            pos,
            flags: KEY_FLAGS,
        })
        .collect()
}

/// MIGRATE's options.
struct Options<'a> {
    copy: bool,
    replace: bool,
    /// AUTH's password, or AUTH2's user and password.
    auth: Option<(Option<&'a [u8]>, &'a [u8])>,
    /// Index of the first key argument and how many there are.
    keys: (usize, usize),
}

fn parse_options(args: Args<'_>) -> Result<Options<'_>, CmdError> {
    let mut options = Options {
        copy: false,
        replace: false,
        auth: None,
        keys: (3, 1),
    };
    let mut j = 6;
    while j < args.len() {
        let opt = args.at(j);
        let more = args.len() - 1 - j;
        if args::is(opt, "copy") {
            options.copy = true;
        } else if args::is(opt, "replace") {
            options.replace = true;
        } else if args::is(opt, "auth") {
            if more == 0 {
                return Err(CmdError::Syntax);
            }
            options.auth = Some((None, args.at(j + 1)));
            j += 1;
        } else if args::is(opt, "auth2") {
            if more < 2 {
                return Err(CmdError::Syntax);
            }
            options.auth = Some((Some(args.at(j + 1)), args.at(j + 2)));
            j += 2;
        } else if args::is(opt, "keys") {
            if !args.at(3).is_empty() {
                return Err(CmdError::err(
                    "When using MIGRATE KEYS option, the key argument must be set to the empty string",
                ));
            }
            options.keys = (j + 1, more);
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(options)
}

fn migrate(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let options = parse_options(args)?;
    let timeout = args::int(args.at(5))?;
    let target_db = args::int(args.at(4))?;
    let timeout = if timeout <= 0 { 1000 } else { timeout };
    let timeout = Duration::from_millis(u64::try_from(timeout).unwrap_or(1000));

    let db = ctx.db();
    let (first, count) = options.keys;
    let mut keys: Vec<&[u8]> = Vec::new();
    for pos in first..first + count {
        let key = args.at(pos);
        if ctx
            .server
            .read_key(db, key, ctx.now, ReadFlags::NORMAL)
            .is_some()
        {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        ctx.client.reply.simple(b"NOKEY");
        return Ok(());
    }

    let target = Target {
        host: args.at(1),
        port: args.at(2),
        timeout,
    };
    let mut may_retry = true;
    loop {
        let attempt = attempt(ctx, &target, &options, target_db, &keys)?;
        match attempt {
            Attempt::Done => return Ok(()),
            Attempt::SocketError {
                writing,
                timed_out,
                retry_allowed,
            } => {
                ctx.server.migrate_sockets.close(&target.name());
                if may_retry && retry_allowed && !timed_out {
                    may_retry = false;
                    continue;
                }
                let what = if writing { "writing" } else { "reading" };
                return Err(CmdError::coded(format!(
                    "IOERR error or timeout {what} to target instance"
                )));
            }
        }
    }
}

/// Where MIGRATE sends keys.
struct Target<'a> {
    host: &'a [u8],
    port: &'a [u8],
    timeout: Duration,
}

impl Target<'_> {
    /// The cache key: host and port as given.
    fn name(&self) -> Vec<u8> {
        let mut name = self.host.to_vec();
        name.push(b':');
        name.extend_from_slice(self.port);
        name
    }
}

/// How one try went.
enum Attempt {
    /// OK was replied.
    Done,
    /// The connection failed; the socket is to be closed, and maybe the whole try
    /// repeated on a fresh connection.
    SocketError {
        /// It failed while writing (else reading).
        writing: bool,
        /// Because of the timeout (never retried).
        timed_out: bool,
        /// Nothing was acknowledged, so a retry cannot apply anything twice.
        retry_allowed: bool,
    },
}

/// One try: connect (or reuse), send AUTH/SELECT/RESTOREs, read the replies, delete the
/// acknowledged keys unless COPY.
fn attempt(
    ctx: &mut Ctx<'_>,
    target: &Target<'_>,
    options: &Options<'_>,
    target_db: i64,
    keys: &[&[u8]],
) -> Result<Attempt, CmdError> {
    let name = target.name();
    let now = ctx.now;
    ensure_connected(ctx.server, &name, target, now)?;
    let db = ctx.db();
    let restore: &[u8] = if ctx.server.config.cluster_enabled {
        b"RESTORE-ASKING"
    } else {
        b"RESTORE"
    };
    let compress = ctx.server.config.rdbcompression;
    let last_db = ctx
        .server
        .migrate_sockets
        .sockets
        .get(&name)
        .and_then(|s| s.last_db);
    let select = last_db != Some(target_db);

    let mut out = Vec::new();
    if let Some((user, password)) = options.auth {
        let mut parts: Vec<&[u8]> = vec![b"AUTH"];
        parts.extend(user);
        parts.push(password);
        write_command(&mut out, &parts);
    }
    if select {
        write_command(&mut out, &[b"SELECT", target_db.to_string().as_bytes()]);
    }
    // Keys that expired since they were looked up are left out.
    let mut sent: Vec<&[u8]> = Vec::new();
    for &key in keys {
        let ttl = match ctx
            .server
            .expire_of(db, key)
            .map(|when| when.saturating_sub(now))
        {
            Some(left) if left < 0 => continue,
            Some(left) => left.max(1),
            None => 0,
        };
        let Some(value) = ctx.server.dbs.get(db).and_then(|d| d.peek(key)) else {
            continue;
        };
        let payload = dump_payload(value, compress);
        let ttl = ttl.to_string();
        let mut parts: Vec<&[u8]> = vec![restore, key, ttl.as_bytes(), &payload];
        if options.replace {
            parts.push(b"REPLACE");
        }
        write_command(&mut out, &parts);
        sent.push(key);
    }

    let Some(socket) = ctx.server.migrate_sockets.sockets.get_mut(&name) else {
        return Ok(Attempt::SocketError {
            writing: true,
            timed_out: false,
            retry_allowed: true,
        });
    };
    if let Err(e) = write_chunks(socket.stream.get_mut(), &out, target.timeout) {
        return Ok(Attempt::SocketError {
            writing: true,
            timed_out: is_timeout(&e),
            retry_allowed: true,
        });
    }
    let mut prelude_error: Option<String> = None;
    for expected in [options.auth.is_some(), select] {
        if !expected {
            continue;
        }
        match read_line(&mut socket.stream, target.timeout) {
            Ok(line) => {
                if prelude_error.is_none() && line.first() == Some(&b'-') {
                    prelude_error = Some(error_text(&line));
                }
            }
            Err(e) => {
                return Ok(Attempt::SocketError {
                    writing: false,
                    timed_out: is_timeout(&e),
                    retry_allowed: true,
                });
            }
        }
    }

    // Every RESTORE reply is read; keys the target acknowledged go (unless COPY) even
    // when another key failed, and the first error is the one reported.
    let mut target_error: Option<String> = None;
    let mut socket_error: Option<io::Error> = None;
    let mut replies = 0usize;
    // Replicas and the AOF see the keys that went as a DEL (Redis rewrites MIGRATE).
    let mut deleted: Vec<&[u8]> = vec![b"DEL"];
    for &key in &sent {
        let Some(socket) = ctx.server.migrate_sockets.sockets.get_mut(&name) else {
            break;
        };
        let line = match read_line(&mut socket.stream, target.timeout) {
            Ok(line) => line,
            Err(e) => {
                socket_error = Some(e);
                break;
            }
        };
        replies += 1;
        let error = prelude_error
            .clone()
            .or_else(|| (line.first() == Some(&b'-')).then(|| error_text(&line)));
        match error {
            Some(text) => {
                if target_error.is_none() {
                    socket.last_db = None;
                    target_error = Some(text);
                }
            }
            None => {
                if !options.copy && ctx.server.delete_key(db, key) {
                    ctx.server.key_changed(db, key, class::GENERIC, "del");
                    deleted.push(key);
                }
            }
        }
    }
    if deleted.len() > 1 {
        ctx.propagate_as(&deleted);
    }

    if let Some(text) = target_error {
        if socket_error.is_some() {
            ctx.server.migrate_sockets.close(&name);
        }
        return Err(CmdError::err(format!(
            "Target instance replied with error: {text}"
        )));
    }
    if let Some(e) = socket_error {
        return Ok(Attempt::SocketError {
            writing: false,
            timed_out: is_timeout(&e),
            retry_allowed: replies == 0,
        });
    }
    if let Some(socket) = ctx.server.migrate_sockets.sockets.get_mut(&name) {
        socket.last_db = Some(target_db);
    }
    ctx.client.reply.ok();
    Ok(Attempt::Done)
}

/// A cached connection to the target, or a new one: Redis's `migrateGetSocket`.
fn ensure_connected(
    server: &mut Server,
    name: &[u8],
    target: &Target<'_>,
    now: Millis,
) -> Result<(), CmdError> {
    let cache = &mut server.migrate_sockets;
    if let Some(socket) = cache.sockets.get_mut(name) {
        socket.last_use = now;
        return Ok(());
    }
    if cache.sockets.len() >= CACHE_CAPACITY {
        let victim = cache.sockets.keys().next().cloned();
        if let Some(victim) = victim {
            cache.sockets.remove(&victim);
        }
    }
    let stream = connect(target)
        .map_err(|_| CmdError::coded("IOERR error or timeout connecting to the client"))?;
    cache.sockets.insert(
        name.to_vec(),
        CachedSocket {
            stream: BufReader::new(stream),
            last_db: None,
            last_use: now,
        },
    );
    Ok(())
}

/// Connects within the timeout to the first address the host resolves to that accepts.
fn connect(target: &Target<'_>) -> io::Result<TcpStream> {
    let host = std::str::from_utf8(target.host)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "host"))?;
    // The port as C's atoi reads it: an unparsable one is 0, which fails to connect.
    let port = u16::try_from(c_atoi(target.port)).unwrap_or(0);
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, target.timeout) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn c_atoi(arg: &[u8]) -> i64 {
    let digits = arg.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(arg.get(..digits).unwrap_or_default())
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

/// A RESP array of bulk strings.
fn write_command(out: &mut Vec<u8>, parts: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", parts.len()).as_bytes());
    for part in parts {
        out.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
}

fn write_chunks(stream: &mut TcpStream, bytes: &[u8], timeout: Duration) -> io::Result<()> {
    stream.set_write_timeout(Some(timeout))?;
    for chunk in bytes.chunks(WRITE_CHUNK) {
        stream.write_all(chunk)?;
    }
    Ok(())
}

/// One reply line without its CRLF, at most [`MAX_LINE`] bytes (a longer line is cut
/// there, as Redis's buffer cuts it). End of stream is an error.
fn read_line(stream: &mut BufReader<TcpStream>, timeout: Duration) -> io::Result<Vec<u8>> {
    stream.get_ref().set_read_timeout(Some(timeout))?;
    let mut line = Vec::new();
    let limit = u64::try_from(MAX_LINE + 1).unwrap_or(u64::MAX);
    let n = stream.by_ref().take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else {
        line.truncate(MAX_LINE);
    }
    Ok(line)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The text of an error line, after its '-'.
fn error_text(line: &[u8]) -> String {
    String::from_utf8_lossy(line.get(1..).unwrap_or_default()).into_owned()
}
