//! The master's command stream once the link is up: every command runs through the
//! dispatcher as the master client (Redis's CLIENT_MASTER), under the lock once per read
//! as a connection's batch does.
//!
//! The master gets no replies, except the REPLCONF ACK that answers its REPLCONF GETACK
//! (and the one sent every second). The replication offset advances by each applied
//! command's bytes, not while a MULTI is open, so that it never stands inside a
//! transaction (Redis's `commandProcessed`). Expired keys stay for the master client's
//! lookups (see `Server::running_for_master`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use scarlet_protocol::{Limits, OwnedArgs, RequestReader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::handshake::{LinkFailed, MasterConn, encode_command};
use crate::client::ClientHandle;
use crate::dispatch::Outcome;
use crate::log::{self, Level};
use crate::server::{Server, Shared};

/// How many bytes one read of the master's socket takes at most.
const READ_CHUNK: usize = 64 * 1024;

/// How often the replica reports its offset (Redis's replicationCron, once a second).
const ACK_PERIOD: Duration = Duration::from_secs(1);

/// A command CLIENT PAUSE held back, with the offset the stream reaches once it ran.
struct Postponed {
    args: OwnedArgs,
    offset_after: i64,
}

/// What applying a batch of the stream produced.
#[derive(Default)]
struct Applied {
    /// ACKs to send (answers to GETACK).
    acks: Vec<u8>,
    /// A command held by CLIENT PAUSE: the stream stops until the pause ends.
    postponed: Option<Postponed>,
    /// The stream is corrupt or the master client was killed: the link ends.
    broken: bool,
}

/// An ACK for `offset`, as the replica sends it.
fn ack(out: &mut Vec<u8>, offset: i64) {
    let offset = offset.to_string();
    encode_command(out, &[b"REPLCONF", b"ACK", offset.as_bytes()]);
}

/// Applies the stream until the link fails or is replaced. `handle` is the master
/// client's (CLIENT KILL reaches the link through it); `base` the offset the stream
/// starts at.
pub async fn run(
    mut conn: MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    handle: Arc<ClientHandle>,
    base: i64,
) -> LinkFailed {
    let mut input = RequestReader::new();
    let leftover = conn.take_pending();
    input.feed(&leftover);
    // The received bytes not applied yet, which go on to our own replicas once applied.
    let mut raw: VecDeque<u8> = leftover.iter().copied().collect();
    let mut chunk = vec![0u8; READ_CHUNK];
    let mut fed = leftover.len() as i64;
    let mut postponed: Option<Postponed> = None;
    let mut ticker = tokio::time::interval(ACK_PERIOD);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first ACK goes at once: a diskless master starts the stream on it.
    let mut out = Vec::new();
    ack(&mut out, base);
    loop {
        if !out.is_empty() {
            if conn.stream.write_all(&out).await.is_err() {
                log::log(Level::Warning, "Error writing to MASTER, closing the link");
                return LinkFailed;
            }
            out.clear();
        }
        let applied = {
            let mut server = shared.lock_async().await;
            if server.replication.generation != generation {
                return LinkFailed;
            }
            let Some(id) = server.replication.master_client else {
                return LinkFailed;
            };
            let applied =
                server.apply_master_stream(id, &mut input, base + fed, postponed.take(), &mut raw);
            server.replication.read = base + fed;
            applied
        };
        out.extend_from_slice(&applied.acks);
        if applied.broken || handle.is_killed() {
            let _ = conn.stream.write_all(&out).await;
            return LinkFailed;
        }
        if let Some(held) = applied.postponed {
            postponed = Some(held);
            // The pause ends by itself or through CLIENT UNPAUSE; looking again soon is
            // enough, since the master's writes must wait anyway.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        // A GETACK's answer leaves now, not with the next event: WAIT waits for it.
        if !applied.acks.is_empty() {
            continue;
        }
        tokio::select! {
            biased;
            read = conn.stream.read(&mut chunk) => match read {
                Ok(0) | Err(_) => return LinkFailed,
                Ok(n) => {
                    let received = chunk.get(..n).unwrap_or_default();
                    input.feed(received);
                    raw.extend(received);
                    fed += n as i64;
                    let mut server = shared.lock_async().await;
                    server.replication.last_io = Server::now_secs();
                }
            },
            () = handle.woken() => {
                if handle.is_killed() {
                    return LinkFailed;
                }
            }
            _ = ticker.tick() => {
                let server = shared.lock_async().await;
                if server.replication.generation != generation {
                    return LinkFailed;
                }
                let timeout = i64::from(server.config.repl_timeout);
                if Server::now_secs() - server.replication.last_io > timeout {
                    log::log(Level::Warning, "MASTER timeout: no data nor PING received...");
                    return LinkFailed;
                }
                ack(&mut out, server.replication.applied);
            }
        }
    }
}

impl Server {
    /// Runs every complete command of the stream as the master client; `read_end` is the
    /// stream offset of the last byte in `input`.
    fn apply_master_stream(
        &mut self,
        id: u64,
        input: &mut RequestReader,
        read_end: i64,
        postponed: Option<Postponed>,
        raw: &mut VecDeque<u8>,
    ) -> Applied {
        let mut applied = Applied::default();
        let Some(mut client) = self.clients.take(id) else {
            applied.broken = true;
            return applied;
        };
        // A script from the master runs here, under the lock, like any of its commands.
        let on_script_thread = std::mem::replace(&mut self.scripting.on_script_thread, true);
        if let Some(held) = postponed {
            match self.process_command(&mut client, held.args.args()) {
                Outcome::Paused => applied.postponed = Some(held),
                _ => self.after_master_command(&mut client, held.offset_after, &mut applied, raw),
            }
        }
        while applied.postponed.is_none() && !client.handle.is_killed() {
            let limits = Limits {
                max_bulk_len: self.config.proto_max_bulk_len,
                unauthenticated: false,
                from_master: true,
            };
            let args = match input.next_command(&limits) {
                Ok(None) => break,
                Ok(Some(args)) => args,
                Err(e) => {
                    log::log(
                        Level::Warning,
                        &format!(
                            "Protocol error ({}) from client: {}",
                            e.log_reason(),
                            client.info_line(crate::clock::unix_ms(), "default")
                        ),
                    );
                    applied.broken = true;
                    break;
                }
            };
            let errors = self.stats.total_error_replies;
            let reply_start = client.reply.len();
            let outcome = self.process_command(&mut client, args);
            if self.stats.total_error_replies > errors {
                self.log_errors_to_master(&client, reply_start);
            }
            let held = matches!(outcome, Outcome::Paused).then(|| args.to_owned_args());
            let offset_after = read_end - input.buffered() as i64;
            match held {
                Some(args) => {
                    applied.postponed = Some(Postponed { args, offset_after });
                }
                None => self.after_master_command(&mut client, offset_after, &mut applied, raw),
            }
        }
        self.scripting.on_script_thread = on_script_thread;
        client.reply.clear();
        self.clients.put_back(client);
        applied
    }

    /// A command from the master failed here: the replica's dataset may differ from the
    /// master's, which Redis logs (the reply itself never goes out), error by error.
    fn log_errors_to_master(&mut self, client: &crate::client::Client, reply_start: usize) {
        let reply = client
            .reply
            .as_bytes()
            .get(reply_start..)
            .unwrap_or_default();
        for line in reply.split(|&b| b == b'\n') {
            let Some(error) = line.strip_prefix(b"-") else {
                continue;
            };
            let error = error.strip_suffix(b"\r").unwrap_or(error);
            self.log_error_on_link("replica", "master", error, client.last_command);
        }
    }

    /// After one of the master's commands: its reply dropped, a GETACK answered with the
    /// offset before it, the offsets moved on unless a transaction is open.
    fn after_master_command(
        &mut self,
        client: &mut crate::client::Client,
        offset_after: i64,
        applied: &mut Applied,
        raw: &mut VecDeque<u8>,
    ) {
        client.reply.clear();
        if std::mem::take(&mut self.replication.ack_requested) {
            ack(&mut applied.acks, self.replication.applied);
        }
        if client.multi.is_none() {
            let step = usize::try_from(offset_after - self.replication.applied).unwrap_or(0);
            self.replication.applied = offset_after;
            // The applied bytes go on unchanged to our backlog and replicas, and move
            // our own offset.
            let bytes: Vec<u8> = raw.drain(..step.min(raw.len())).collect();
            self.feed_stream_bytes(&bytes);
        }
    }
}
