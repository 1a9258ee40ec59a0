//! The bytes of a full synchronization's payload as they come off the master's socket:
//! the bulk header (`$<length>`, or `$EOF:<mark>` for a diskless transfer), then the
//! payload in chunks, the end mark cut off, with the transfer's progress noted for INFO
//! (the first half of Redis's `readSyncBulkPayload`).
//!
//! Where the bytes go (a temp file, or the decoder) is `transfer`'s business; this
//! module never holds more than one chunk and the mark's length of bytes.

use std::sync::Arc;
use std::time::Duration;

use super::handshake::{LinkFailed, MasterConn, error_text};
use super::{Server, TransferProgress};
use crate::log::{self, Level};
use crate::server::Shared;

/// The length of the diskless transfer's end mark.
const MARK_LEN: usize = 40;

/// How often a loading replica tells its master it is alive (Redis's
/// `replicationSendNewlineToMaster`, at most once a second).
const KEEPALIVE_PERIOD: Duration = Duration::from_secs(1);

/// How the master delimits the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadEnd {
    /// `$<length>`: exactly that many bytes.
    Length(u64),
    /// `$EOF:<mark>`: the payload ends where the last bytes received are the mark.
    Mark(Vec<u8>),
}

/// Why the payload stopped before its end.
#[derive(Debug)]
pub enum Cut {
    /// The socket failed or the master closed it (the error, as Redis's logs print it).
    Io(String),
    /// The link was replaced (REPLICAOF): nothing to log.
    Replaced,
}

/// Reads the bulk header that follows +FULLRESYNC; newlines before it are the master's
/// keepalives while it prepares the payload.
pub async fn read_header(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
) -> Result<PayloadEnd, LinkFailed> {
    let header = loop {
        let line = conn.read_line().await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                log_timeout();
            } else {
                log::log(
                    Level::Warning,
                    &format!(
                        "I/O error reading bulk count from MASTER: {}",
                        error_text(&e)
                    ),
                );
            }
            LinkFailed
        })?;
        match line.first() {
            None => {
                note_progress(shared, generation, |p| p.last_io = Server::now_secs())
                    .await
                    .map_err(|_| LinkFailed)?;
            }
            Some(b'-') => {
                log::log(
                    Level::Warning,
                    &format!(
                        "MASTER aborted replication with an error: {}",
                        String::from_utf8_lossy(line.get(1..).unwrap_or_default())
                    ),
                );
                return Err(LinkFailed);
            }
            Some(b'$') => break line,
            Some(_) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you sure the host and port are right?",
                        String::from_utf8_lossy(&line)
                    ),
                );
                return Err(LinkFailed);
            }
        }
    };
    let mark = header
        .strip_prefix(b"$EOF:")
        .filter(|m| m.len() >= MARK_LEN)
        .and_then(|m| m.get(..MARK_LEN));
    if let Some(mark) = mark {
        return Ok(PayloadEnd::Mark(mark.to_vec()));
    }
    // Redis reads the length with strtol: garbage is a zero-length payload.
    let length = std::str::from_utf8(header.get(1..).unwrap_or_default())
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    note_progress(shared, generation, |p| p.total = length)
        .await
        .map_err(|_| LinkFailed)?;
    Ok(PayloadEnd::Length(length))
}

/// The payload's bytes, chunk by chunk.
#[derive(Debug)]
pub struct PayloadReader {
    end: PayloadEnd,
    /// Bytes received so far, the mark included.
    received: u64,
    /// With an end mark: the last bytes received, held back until more arrive, since
    /// they may be the mark.
    held: Vec<u8>,
    done: bool,
}

impl PayloadReader {
    /// A reader of the payload that `end` delimits.
    pub fn new(end: PayloadEnd) -> PayloadReader {
        PayloadReader {
            end,
            received: 0,
            held: Vec::new(),
            done: false,
        }
    }

    /// The next payload bytes (possibly none, when only held bytes arrived); `None` once
    /// the payload ended. Every read notes the transfer's progress.
    pub async fn next(
        &mut self,
        conn: &mut MasterConn,
        shared: &Arc<Shared>,
        generation: u64,
    ) -> Result<Option<Vec<u8>>, Cut> {
        if self.done {
            return Ok(None);
        }
        let want = match &self.end {
            PayloadEnd::Length(total) => {
                let left = total.saturating_sub(self.received);
                if left == 0 {
                    self.done = true;
                    return Ok(None);
                }
                usize::try_from(left).unwrap_or(usize::MAX)
            }
            PayloadEnd::Mark(_) => usize::MAX,
        };
        let chunk = match conn.read_bytes(want).await {
            Ok(chunk) if chunk.is_empty() => return Err(Cut::Io("connection lost".into())),
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                log_timeout();
                return Err(Cut::Io(error_text(&e)));
            }
            Err(e) => return Err(Cut::Io(error_text(&e))),
        };
        self.received += chunk.len() as u64;
        let received = self.received;
        note_progress(shared, generation, |p| {
            p.read = received;
            p.last_io = Server::now_secs();
        })
        .await?;
        if let PayloadEnd::Length(total) = self.end {
            self.done = received >= total;
            return Ok(Some(chunk));
        }
        let out = self.hold_back_tail(chunk);
        self.done = matches!(&self.end, PayloadEnd::Mark(mark) if *mark == self.held);
        Ok(Some(out))
    }

    /// Keeps the last `MARK_LEN` bytes received and returns what precedes them.
    fn hold_back_tail(&mut self, mut chunk: Vec<u8>) -> Vec<u8> {
        if chunk.len() >= MARK_LEN {
            let tail = chunk.split_off(chunk.len() - MARK_LEN);
            let mut out = std::mem::replace(&mut self.held, tail);
            if out.is_empty() {
                return chunk;
            }
            out.extend_from_slice(&chunk);
            return out;
        }
        self.held.extend_from_slice(&chunk);
        let excess = self.held.len().saturating_sub(MARK_LEN);
        self.held.drain(..excess).collect()
    }
}

/// Sends the master a newline once a second while `work` runs, so that a long load does
/// not look like a dead replica (Redis's replica does it from its loading callback).
pub async fn with_keepalive<T>(conn: &mut MasterConn, work: impl Future<Output = T>) -> T {
    let mut ticker = tokio::time::interval_at(
        tokio::time::Instant::now() + KEEPALIVE_PERIOD,
        KEEPALIVE_PERIOD,
    );
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = ticker.tick() => {
                // A failed write shows up as a failed read soon enough.
                let _ = conn.send_raw(b"\n").await;
            }
        }
    }
}

fn log_timeout() {
    log::log(
        Level::Warning,
        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
    );
}

/// Updates the transfer's progress under the lock; fails when the link was replaced.
async fn note_progress(
    shared: &Arc<Shared>,
    generation: u64,
    update: impl FnOnce(&mut TransferProgress),
) -> Result<(), Cut> {
    let mut server = shared.lock_async().await;
    if server.replication.generation != generation {
        return Err(Cut::Replaced);
    }
    let progress = server
        .replication
        .transfer
        .get_or_insert_with(TransferProgress::default);
    update(progress);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_held_back_across_chunks() {
        let mark = vec![b'm'; MARK_LEN];
        let mut reader = PayloadReader::new(PayloadEnd::Mark(mark.clone()));
        let mut payload = b"REDIS0010 some payload bytes".to_vec();
        payload.extend_from_slice(&mark);
        let mut out = Vec::new();
        for chunk in payload.chunks(7) {
            out.extend(reader.hold_back_tail(chunk.to_vec()));
        }
        assert_eq!(out, b"REDIS0010 some payload bytes");
        assert_eq!(reader.held, mark);
        let mut reader = PayloadReader::new(PayloadEnd::Mark(mark.clone()));
        let mut out = reader.hold_back_tail(payload[..50].to_vec());
        out.extend(reader.hold_back_tail(payload[50..].to_vec()));
        assert_eq!(out, b"REDIS0010 some payload bytes");
        assert_eq!(reader.held, mark);
    }
}
