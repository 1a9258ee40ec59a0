//! The replica's half of the handshake with its master, as Redis's `syncWithMaster`
//! performs it: PING, then AUTH, REPLCONF listening-port, REPLCONF ip-address and
//! REPLCONF capa sent together and their replies read in order, then PSYNC.
//!
//! [`MasterConn`] is the socket with the little buffering the handshake and the transfer
//! need: lines with a deadline, and raw bytes. It knows nothing of the server's state:
//! what to send comes in [`Settings`], taken under the lock before the handshake.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::log::{self, Level};

/// The longest line the master may send during the handshake (Redis reads them into a
/// fixed buffer; anything longer is not a reply we understand).
const MAX_LINE: usize = 64 * 1024;

/// How many bytes one read of the socket takes at most.
const READ_CHUNK: usize = 64 * 1024;

/// The connection to the master, with what was received but not consumed yet.
#[derive(Debug)]
pub struct MasterConn {
    /// The socket.
    pub stream: TcpStream,
    /// Received bytes not consumed yet.
    pending: Vec<u8>,
    /// How long a read may wait (repl-timeout).
    pub timeout: Duration,
}

/// Why the link failed; the log line was already written where it happened.
#[derive(Debug)]
pub struct LinkFailed;

impl MasterConn {
    /// Connects within `timeout`, logging Redis's line on failure.
    pub async fn connect(
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<MasterConn, LinkFailed> {
        let connect = TcpStream::connect((host, port));
        let stream = match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                log::log(
                    Level::Warning,
                    &format!("Error condition on socket for SYNC: {}", error_text(&e)),
                );
                return Err(LinkFailed);
            }
            Err(_) => {
                log::log(Level::Warning, "Timeout connecting to the MASTER...");
                return Err(LinkFailed);
            }
        };
        let _ = stream.set_nodelay(true);
        Ok(MasterConn {
            stream,
            pending: Vec::new(),
            timeout,
        })
    }

    /// Sends one command as a RESP array.
    pub async fn send(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        let mut out = Vec::new();
        encode_command(&mut out, parts);
        self.stream.write_all(&out).await
    }

    /// Sends bytes already encoded.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Reads more bytes into the pending buffer; `Ok(0)` when the master closed.
    pub async fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = vec![0u8; READ_CHUNK];
        let n = self.read_some(&mut chunk).await?;
        self.pending
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        Ok(n)
    }

    /// The next line without its CR LF (an empty line is the master's keepalive).
    pub async fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.pending.len() > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            if self.fill().await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection lost",
                ));
            }
        }
    }

    /// Takes up to `max` received bytes, reading when none are pending; empty when the
    /// master closed.
    pub async fn read_bytes(&mut self, max: usize) -> io::Result<Vec<u8>> {
        if self.pending.is_empty() {
            // Straight from the socket into the returned buffer: a payload's bytes are
            // not copied through `pending`.
            let mut chunk = vec![0u8; READ_CHUNK.min(max)];
            let n = self.read_some(&mut chunk).await?;
            chunk.truncate(n);
            return Ok(chunk);
        }
        let n = max.min(self.pending.len());
        Ok(self.pending.drain(..n).collect())
    }

    /// One read of the socket into `buf`, within the read timeout.
    async fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match tokio::time::timeout(self.timeout, self.stream.read(buf)).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "Resource temporarily unavailable",
            )),
        }
    }

    /// Everything received and not consumed (the start of the command stream).
    pub fn take_pending(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// Appends `parts` as a RESP array of bulk strings.
pub fn encode_command(out: &mut Vec<u8>, parts: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", parts.len()).as_bytes());
    for part in parts {
        out.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
}

/// An OS error as Redis's logs print `strerror`.
pub fn error_text(e: &io::Error) -> String {
    crate::reconfigure::os_error_text(e)
}

/// What the handshake sends, from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// masterauth.
    pub auth: Option<Vec<u8>>,
    /// masteruser.
    pub user: Option<String>,
    /// replica-announce-port, or our port.
    pub listening_port: u16,
    /// replica-announce-ip.
    pub announce_ip: Option<String>,
    /// The history to continue: (replication id, next offset); `None` asks for a full
    /// synchronization.
    pub psync: Option<(String, i64)>,
    /// We are handing our master role over to this server: PSYNC carries FAILOVER.
    pub failover: bool,
}

/// The master's answer to PSYNC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Psync {
    /// +FULLRESYNC: an RDB follows; the stream continues from `offset`.
    Full {
        /// The master's replication id.
        replid: String,
        /// The master's offset the RDB stands for.
        offset: i64,
    },
    /// +CONTINUE: the stream follows from the offset asked for.
    Continue {
        /// The master's id when it differs from the one asked for (after a failover).
        new_replid: Option<String>,
    },
    /// -NOMASTERLINK or -LOADING: the master cannot serve now.
    TryLater,
    /// PSYNC went unanswered, failed to go out, or got another answer (logged).
    Refused,
}

/// Runs the handshake up to PSYNC's answer.
pub async fn handshake(conn: &mut MasterConn, settings: &Settings) -> Result<Psync, LinkFailed> {
    send_or_log(conn, &[b"PING"]).await?;
    let reply = read_reply(conn).await?;
    // A master that wants a password refuses PING; the AUTH below settles it.
    if reply.first() == Some(&b'-')
        && !reply.starts_with(b"-NOAUTH")
        && !reply.starts_with(b"-NOPERM")
        && !reply.starts_with(b"-ERR operation not permitted")
    {
        log::log(
            Level::Warning,
            &format!(
                "Error reply to PING from master: '{}'",
                String::from_utf8_lossy(&reply)
            ),
        );
        return Err(LinkFailed);
    }
    log::log(
        Level::Notice,
        "Master replied to PING, replication can continue...",
    );
    let mut batch = Vec::new();
    if let Some(auth) = &settings.auth {
        match &settings.user {
            Some(user) => encode_command(&mut batch, &[b"AUTH", user.as_bytes(), auth]),
            None => encode_command(&mut batch, &[b"AUTH", auth]),
        }
    }
    let port = settings.listening_port.to_string();
    encode_command(
        &mut batch,
        &[b"REPLCONF", b"listening-port", port.as_bytes()],
    );
    if let Some(ip) = &settings.announce_ip {
        encode_command(&mut batch, &[b"REPLCONF", b"ip-address", ip.as_bytes()]);
    }
    encode_command(
        &mut batch,
        &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"],
    );
    if let Err(e) = conn.send_raw(&batch).await {
        log_send_error(&e);
        return Err(LinkFailed);
    }
    if settings.auth.is_some() {
        let reply = read_reply(conn).await?;
        if reply.first() == Some(&b'-') {
            log::log(
                Level::Warning,
                &format!(
                    "Unable to AUTH to MASTER: {}",
                    String::from_utf8_lossy(&reply)
                ),
            );
            return Err(LinkFailed);
        }
    }
    let reply = read_reply(conn).await?;
    non_critical(&reply, "listening-port");
    if settings.announce_ip.is_some() {
        let reply = read_reply(conn).await?;
        non_critical(&reply, "ip-address");
    }
    let reply = read_reply(conn).await?;
    non_critical(&reply, "capa");
    psync(conn, settings).await
}

/// Sends PSYNC and reads its answer (Redis's `slaveTryPartialResynchronization`).
async fn psync(conn: &mut MasterConn, settings: &Settings) -> Result<Psync, LinkFailed> {
    let (replid, offset) = match &settings.psync {
        Some((replid, offset)) => {
            log::log(
                Level::Notice,
                &format!("Trying a partial resynchronization (request {replid}:{offset})."),
            );
            (replid.clone(), offset.to_string())
        }
        None => {
            log::log(
                Level::Notice,
                "Partial resynchronization not possible (no cached master)",
            );
            ("?".to_string(), "-1".to_string())
        }
    };
    let mut request: Vec<&[u8]> = vec![b"PSYNC", replid.as_bytes(), offset.as_bytes()];
    if settings.failover {
        request.push(b"FAILOVER");
    }
    if send_or_log(conn, &request).await.is_err() {
        return Ok(Psync::Refused);
    }
    let reply = loop {
        match conn.read_line().await {
            // Keepalives while the master prepares its answer.
            Ok(line) if line.is_empty() => {}
            Ok(line) => break line,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                log::log(Level::Warning, "Timeout connecting to the MASTER...");
                return Ok(Psync::Refused);
            }
            Err(_) => {
                log::log(
                    Level::Warning,
                    "Master did not reply to PSYNC, will try later",
                );
                return Ok(Psync::Refused);
            }
        }
    };
    let text = String::from_utf8_lossy(&reply).into_owned();
    if let Some(rest) = text.strip_prefix("+FULLRESYNC") {
        let mut words = rest.split_whitespace();
        let replid = words.next().filter(|id| id.len() == 40);
        let offset = words.next().and_then(|o| o.parse::<i64>().ok());
        let (Some(replid), Some(offset)) = (replid, offset) else {
            log::log(
                Level::Warning,
                "Master replied with wrong +FULLRESYNC syntax.",
            );
            return Ok(Psync::Refused);
        };
        log::log(
            Level::Notice,
            &format!("Full resync from master: {replid}:{offset}"),
        );
        return Ok(Psync::Full {
            replid: replid.to_string(),
            offset,
        });
    }
    if let Some(rest) = text.strip_prefix("+CONTINUE") {
        log::log(
            Level::Notice,
            "Successful partial resynchronization with master.",
        );
        let new_replid = rest
            .split_whitespace()
            .next()
            .filter(|id| id.len() == 40)
            .map(str::to_string);
        return Ok(Psync::Continue { new_replid });
    }
    if text.starts_with("-NOMASTERLINK") || text.starts_with("-LOADING") {
        log::log(
            Level::Notice,
            &format!("Master is currently unable to PSYNC but should be in the future: {text}"),
        );
        return Ok(Psync::TryLater);
    }
    log::log(
        Level::Warning,
        &format!("Unexpected reply to PSYNC from master: {text}"),
    );
    Ok(Psync::Refused)
}

async fn send_or_log(conn: &mut MasterConn, parts: &[&[u8]]) -> Result<(), LinkFailed> {
    conn.send(parts).await.map_err(|e| {
        log_send_error(&e);
        LinkFailed
    })
}

fn log_send_error(e: &io::Error) {
    log::log(
        Level::Warning,
        &format!(
            "Sending command to master in replication handshake: {}",
            error_text(e)
        ),
    );
}

/// One reply line of the handshake.
async fn read_reply(conn: &mut MasterConn) -> Result<Vec<u8>, LinkFailed> {
    conn.read_line().await.map_err(|e| {
        // Redis's cron notices a handshake that takes longer than repl-timeout.
        let line = if e.kind() == io::ErrorKind::TimedOut {
            "Timeout connecting to the MASTER..."
        } else {
            "Master did not respond to command during SYNC handshake"
        };
        log::log(Level::Warning, line);
        LinkFailed
    })
}

/// REPLCONF options an old master may not know: the link goes on without them.
fn non_critical(reply: &[u8], what: &str) {
    if reply.first() == Some(&b'-') {
        log::log(
            Level::Notice,
            &format!(
                "(Non critical) Master does not understand REPLCONF {what}: {}",
                String::from_utf8_lossy(reply)
            ),
        );
    }
}
