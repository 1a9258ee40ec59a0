//! Replication, the master side: replicas attached to us (Redis's syncCommand,
//! masterTryPartialResynchronization, replicationFeedSlaves and the master half of
//! replicationCron).
//!
//! A replica is a client that sent SYNC or PSYNC. A PSYNC naming our replication id (or
//! the previous one, up to where it was valid) at an offset the backlog still holds
//! continues with `+CONTINUE` and the backlog from there. Anything else gets a full
//! synchronization: `+FULLRESYNC <replid> <offset>` when the snapshot starts (SYNC, the
//! old protocol, gets no line), the image as `$<len>` and its bytes once complete, then
//! everything propagated since the snapshot started. The snapshot is the fork-less
//! capture BGSAVE uses, kept in memory.
//!
//! The stream is what `propagate.rs` hands over, with the SELECTs it needs. Every byte
//! goes once into the replication buffer (`repl_buffer.rs`), which is the backlog and
//! what every replica reads: a replica has a cursor in it, and its connection takes the
//! next piece when it has written the last one ([`Server::pull_replica_stream`]), so a
//! slow replica holds older bytes in the shared buffer rather than a copy of its own.

use std::collections::BTreeMap;

use scarlet_protocol::Args;

use super::repl_buffer::ReplBuffer;
use crate::client::ClientKind;
use crate::log::{self, Level};
use crate::persistence::bgsave::Purpose;
use crate::server::Server;

/// A replica's connection takes more of the stream when it holds less than this to write.
const PULL_BELOW: usize = 64 * 1024;

/// The most a replica's connection takes from the stream at once.
const PULL_MAX: usize = 1024 * 1024;

/// Where an attached replica stands.
#[derive(Debug)]
pub enum ReplicaState {
    /// Waits for a snapshot to start (another background save is running).
    WaitSnapshotStart,
    /// Its snapshot (background save `job`) is being taken; the stream meanwhile waits
    /// in the shared buffer, from the snapshot's offset.
    WaitSnapshotEnd {
        /// The background save.
        job: u64,
        /// Diskless: the mark that ends the payload (the payload itself goes to the
        /// replica as it is produced).
        eof_mark: Option<String>,
    },
    /// Got a diskless payload: the stream since waits until its first REPLCONF ACK, since
    /// the replica finds the payload's end by the mark being the last bytes it read
    /// (Redis's repl_start_cmd_stream_on_ack).
    WaitFirstAck,
    /// Receives the stream.
    Online,
}

impl ReplicaState {
    /// INFO's name for it.
    pub fn name(&self) -> &'static str {
        match self {
            // Redis names both waits alike; its send_bulk is the file transfer after a
            // disk snapshot, which here is a single hand-over of the image.
            ReplicaState::WaitSnapshotStart | ReplicaState::WaitSnapshotEnd { .. } => "wait_bgsave",
            ReplicaState::WaitFirstAck | ReplicaState::Online => "online",
        }
    }
}

/// A replica attached to us.
#[derive(Debug)]
pub struct AttachedReplica {
    /// Where it stands.
    pub state: ReplicaState,
    /// Whether it asked with PSYNC (it then gets +FULLRESYNC).
    pub psync: bool,
    /// The offset it acknowledged (REPLCONF ACK).
    pub ack_offset: i64,
    /// When it last acknowledged, unix seconds.
    pub ack_secs: i64,
    /// Its connection's peer ip: its address when it announces none.
    pub peer_ip: String,
    /// The stream offset up to which its connection took the stream from the shared
    /// buffer (from the snapshot's offset while it waits for the snapshot; None before
    /// the snapshot starts).
    pub cursor: Option<i64>,
    /// When it started waiting for a snapshot, unix ms (repl-diskless-sync-delay).
    pub waiting_since_ms: i64,
}

/// The master side's state.
#[derive(Debug, Default)]
pub struct MasterSide {
    /// Replicas by client id.
    pub replicas: BTreeMap<u64, AttachedReplica>,
    /// The backlog and the replicas' shared stream; created by the first replica,
    /// kept afterwards.
    pub backlog: Option<ReplBuffer>,
    /// The database the stream last selected.
    selected_db: Option<usize>,
    /// The background save taking the replicas' snapshot.
    pub snapshot_job: Option<u64>,
    /// Cron ticks since the last PING to replicas.
    ping_ticks: u64,
    /// What clients announced with REPLCONF listening-port / ip-address, by client id.
    announced: BTreeMap<u64, Announced>,
    /// The unix second the once-a-second work last ran.
    last_cron_secs: i64,
    /// Clients blocked in WAIT.
    pub waiting: std::collections::BTreeSet<u64>,
    /// Since when no replica is attached, unix seconds (None: not noted yet), for
    /// `repl-backlog-ttl`.
    no_replicas_since: Option<i64>,
}

/// A replica's announced address and capabilities (REPLCONF).
#[derive(Debug, Default, Clone)]
pub struct Announced {
    /// listening-port.
    pub port: u16,
    /// ip-address, when given.
    pub ip: Option<String>,
    /// `capa eof`: it reads a payload ended by a mark (diskless transfers).
    pub capa_eof: bool,
}

impl MasterSide {
    /// The replication buffer's memory (INFO mem_total_replication_buffers).
    pub fn buffer_memory(&self) -> usize {
        self.backlog.as_ref().map_or(0, ReplBuffer::memory)
    }

    /// The oldest cursor of a replica reading the shared buffer.
    fn oldest_reader(&self) -> Option<i64> {
        self.replicas.values().filter_map(|r| r.cursor).min()
    }

    /// Lets go of the buffer's blocks no replica needs beyond the backlog's size.
    pub(crate) fn trim_buffer(&mut self) {
        let oldest = self.oldest_reader();
        if let Some(buffer) = self.backlog.as_mut() {
            buffer.trim(oldest);
        }
    }

    /// CONFIG SET repl-backlog-size.
    pub fn resize_backlog(&mut self, size: usize) {
        let oldest = self.oldest_reader();
        if let Some(buffer) = self.backlog.as_mut() {
            buffer.resize(size, oldest);
        }
    }

    /// REPLCONF listening-port.
    pub fn announce_port(&mut self, id: u64, port: u16) {
        self.announced.entry(id).or_default().port = port;
    }

    /// REPLCONF ip-address.
    pub fn announce_ip(&mut self, id: u64, ip: String) {
        self.announced.entry(id).or_default().ip = Some(ip);
    }

    /// REPLCONF capa eof.
    pub fn announce_capa_eof(&mut self, id: u64) {
        self.announced.entry(id).or_default().capa_eof = true;
    }

    /// What a replica announced.
    pub fn announced(&self, id: u64) -> Announced {
        self.announced.get(&id).cloned().unwrap_or_default()
    }

    /// The replicas whose snapshot is background save `job`.
    fn waiting_on(&self, job: u64) -> Vec<u64> {
        self.replicas
            .iter()
            .filter(|(_, r)| matches!(r.state, ReplicaState::WaitSnapshotEnd { job: j, .. } if j == job))
            .map(|(&id, _)| id)
            .collect()
    }

    /// The database the stream has selected (Redis's slaveseldb), for the RDB's
    /// `repl-stream-db`.
    pub fn selected_db(&self) -> Option<usize> {
        self.selected_db
    }

    /// Forgets which database the stream selected, so the next command fed starts
    /// with a SELECT: after a replica passed its master's stream on (with SELECTs of
    /// its own) and becomes a master, or a master becomes a replica.
    pub fn forget_selected_db(&mut self) {
        self.selected_db = None;
    }
}

impl Server {
    /// Whether a replication stream is produced: a master with a backlog or replicas.
    pub fn master_stream_wanted(&self) -> bool {
        !self.replication.is_replica()
            && (self.replication.attached.backlog.is_some()
                || !self.replication.attached.replicas.is_empty())
    }

    /// Appends a command to the replication stream (Redis's replicationFeedSlaves).
    pub fn feed_replicas(&mut self, db: usize, argv: Args<'_>) {
        let mut bytes = Vec::new();
        if self.replication.attached.selected_db != Some(db) {
            let index = db.to_string();
            let select: scarlet_protocol::OwnedArgs =
                [&b"SELECT"[..], index.as_bytes()].into_iter().collect();
            crate::propagate::encode_command(&mut bytes, select.args());
            self.replication.attached.selected_db = Some(db);
        }
        crate::propagate::encode_command(&mut bytes, argv);
        self.feed_stream_bytes(&bytes);
    }

    /// Bytes of the stream: to the backlog, the offset, and every replica. A replica
    /// feeds its master's stream through here as it applies it, so that its own
    /// replicas receive it unchanged (Redis's replicationFeedStreamFromMasterStream).
    pub(crate) fn feed_stream_bytes(&mut self, bytes: &[u8]) {
        self.replication.offset += bytes.len() as i64;
        let Some(buffer) = self.replication.attached.backlog.as_mut() else {
            return;
        };
        buffer.append(bytes);
        let end = self.replication.offset;
        let Server {
            clients,
            config,
            replication,
            ..
        } = self;
        for (&id, replica) in &replication.attached.replicas {
            let (Some(cursor), Some(client)) = (replica.cursor, clients.get_mut(id)) else {
                continue;
            };
            client.stream_pending = usize::try_from(end - cursor).unwrap_or(0);
            if matches!(replica.state, ReplicaState::Online) {
                client.handle.wake();
            }
            crate::pubsub::enforce_output_limit(client, config);
        }
        self.replication.attached.trim_buffer();
    }

    /// For a replica's connection, before its output is collected: the next piece of
    /// the stream goes to its reply buffer once what it holds is (nearly) written. Tells
    /// the handle whether more is left, so that the connection comes back for it when
    /// its output is written.
    pub fn pull_replica_stream(&mut self, client: &mut crate::client::Client) {
        pull_stream_into(
            &mut self.replication.attached,
            self.replication.offset,
            client,
        );
    }

    /// SYNC and PSYNC from `client`: partial resynchronization when possible, else a
    /// full one. Returns the line to write first (+CONTINUE), if any.
    pub fn attach_replica(
        &mut self,
        client: &mut crate::client::Client,
        psync: Option<(&[u8], i64)>,
    ) -> Option<Vec<u8>> {
        client.kind = ClientKind::Replica;
        client.handle.mark_replica();
        if self.replication.is_replica() {
            // A replica continues its master's history: its backlog starts here, with
            // the replication id it has.
            self.ensure_backlog();
        } else if self.replication.attached.backlog.is_none() {
            // A fresh history starts with the first replica (Redis changes the id).
            self.shift_to_new_history();
            self.ensure_backlog();
            log::log(
                Level::Notice,
                &format!(
                    "Replication backlog created, my new replication IDs are '{}' and '{}'",
                    self.replid, self.replication.replid2
                ),
            );
        }
        let now = crate::clock::unix_ms() / 1000;
        let peer_ip = client
            .peer
            .addr
            .rsplit_once(':')
            .map_or(client.peer.addr.as_str(), |(ip, _)| ip)
            .to_string();
        if let Some((replid, offset)) = psync
            && let Some(continued) = self.try_partial(client.id, &peer_ip, replid, offset, now)
        {
            // The backlog's bytes follow as the connection takes them.
            client.stream_pending =
                usize::try_from(self.replication.offset - (offset - 1)).unwrap_or(0);
            return Some(continued);
        }
        log::log(
            Level::Notice,
            &format!("Replica {} asks for synchronization", client.peer.addr),
        );
        self.replication.attached.replicas.insert(
            client.id,
            AttachedReplica {
                state: ReplicaState::WaitSnapshotStart,
                psync: psync.is_some(),
                ack_offset: 0,
                ack_secs: now,
                peer_ip,
                cursor: None,
                waiting_since_ms: crate::clock::unix_ms(),
            },
        );
        // A replica that knows no history ("?") is not a failed partial attempt.
        if psync.is_some_and(|(replid, _)| replid != b"?") {
            self.stats.sync_partial_err += 1;
        }
        self.start_replica_snapshot_if_needed();
        None
    }

    /// The backlog, created with no change of replication id (Redis's
    /// createReplicationBacklog): a replica's when its link comes up or a replica of its
    /// own attaches, a restarted master's when its dump recorded its history.
    pub(crate) fn ensure_backlog(&mut self) {
        if self.replication.attached.backlog.is_none() {
            self.replication.attached.backlog = Some(ReplBuffer::new(
                self.replication.offset,
                usize::try_from(self.config.repl_backlog_size).unwrap_or(1 << 20),
            ));
        }
    }

    /// Drops every replica of ours and the backlog: after a full synchronization with
    /// a new master our history changed, so they must synchronize again (Redis's
    /// disconnectSlaves and freeReplicationBacklog).
    pub(crate) fn drop_replicas_and_backlog(&mut self) {
        self.disconnect_replicas();
        self.replication.attached.backlog = None;
    }

    /// Closes the connections of every replica of ours; they reconnect and ask again
    /// (Redis's disconnectSlaves), continuing partially when they can.
    pub(crate) fn disconnect_replicas(&mut self) {
        let ids: Vec<u64> = self.replication.attached.replicas.keys().copied().collect();
        for id in ids {
            if let Some(client) = self.clients.get_mut(id) {
                client.handle.kill();
            }
            self.replication.attached.replicas.remove(&id);
        }
    }

    /// A new replication id, the old one kept as the secondary up to here (Redis's
    /// changeReplicationId with clearReplicationId2 for a master's first backlog).
    fn shift_to_new_history(&mut self) {
        let new = super::new_replid(&mut self.rng);
        self.replid = new;
        self.replication.replid2 = super::NULL_REPLID.to_string();
        self.replication.second_offset = -1;
    }

    /// +CONTINUE when `replid` is ours (or our previous one, up to where it was valid)
    /// and the backlog holds everything after `offset`.
    fn try_partial(
        &mut self,
        id: u64,
        peer_ip: &str,
        replid: &[u8],
        offset: i64,
        now: i64,
    ) -> Option<Vec<u8>> {
        let ours = replid == self.replid.as_bytes();
        let previous = replid == self.replication.replid2.as_bytes()
            && offset <= self.replication.second_offset;
        if !ours && !previous {
            return None;
        }
        // PSYNC's offset is the first byte the replica lacks.
        let from = offset.checked_sub(1)?;
        if !self
            .replication
            .attached
            .backlog
            .as_ref()?
            .holds_since(from)
        {
            return None;
        }
        let missing = self.replication.offset - from;
        self.replication.attached.replicas.insert(
            id,
            AttachedReplica {
                state: ReplicaState::Online,
                psync: true,
                ack_offset: from,
                ack_secs: now,
                peer_ip: peer_ip.to_string(),
                cursor: Some(from),
                waiting_since_ms: 0,
            },
        );
        log::log(
            Level::Notice,
            &format!(
                "Partial resynchronization request from replica accepted. Sending {missing} bytes of backlog starting from offset {offset}.",
            ),
        );
        self.stats.sync_partial_ok += 1;
        Some(format!("+CONTINUE {}\r\n", self.replid).into_bytes())
    }

    /// Starts the replicas' snapshot when some wait and no background save runs; each
    /// waiting replica gets +FULLRESYNC with the offset the snapshot stands at. The
    /// snapshot streams to them (EOF-marked) when `repl-diskless-sync` is on and they all
    /// read that, after `repl-diskless-sync-delay` seconds for more replicas to arrive
    /// (or as soon as `-max-replicas` wait); otherwise it is sent with its length once
    /// complete.
    pub fn start_replica_snapshot_if_needed(&mut self) {
        let waiting: Vec<(u64, i64)> = self
            .replication
            .attached
            .replicas
            .iter()
            .filter(|(_, r)| matches!(r.state, ReplicaState::WaitSnapshotStart))
            .map(|(&id, r)| (id, r.waiting_since_ms))
            .collect();
        if waiting.is_empty() || self.persistence.bgsave.is_some() {
            return;
        }
        let attached = &self.replication.attached;
        let diskless = self.config.repl_diskless_sync
            && waiting
                .iter()
                .all(|(id, _)| attached.announced(*id).capa_eof);
        if diskless {
            let delay_ms = i64::from(self.config.repl_diskless_sync_delay) * 1000;
            let oldest = waiting.iter().map(|(_, since)| *since).min().unwrap_or(0);
            let max = usize::try_from(self.config.repl_diskless_sync_max_replicas).unwrap_or(0);
            let enough = max > 0 && waiting.len() >= max;
            if !enough && crate::clock::unix_ms() - oldest < delay_ms {
                return;
            }
        }
        let purpose = if diskless {
            Purpose::ReplicaStream
        } else {
            Purpose::ReplicaSync
        };
        if self
            .start_background_save(purpose, std::path::PathBuf::new())
            .is_err()
        {
            return;
        }
        let job = self.persistence.jobs;
        self.replication.attached.snapshot_job = Some(job);
        // The stream after a snapshot starts with a SELECT (Redis resets slaveseldb).
        self.replication.attached.selected_db = None;
        self.stats.sync_full += 1;
        let line = format!(
            "+FULLRESYNC {} {}\r\n",
            self.replid, self.replication.offset
        );
        let mark = diskless.then(|| super::new_replid(&mut self.rng));
        if diskless {
            log::log(
                Level::Notice,
                "Starting BGSAVE for SYNC with target: replicas sockets",
            );
        }
        let offset = self.replication.offset;
        for (id, _) in waiting {
            let psync = match self.replication.attached.replicas.get_mut(&id) {
                Some(replica) => {
                    replica.state = ReplicaState::WaitSnapshotEnd {
                        job,
                        eof_mark: mark.clone(),
                    };
                    replica.cursor = Some(offset);
                    replica.psync
                }
                None => continue,
            };
            self.deliver(id, |reply| {
                if psync {
                    reply.raw(line.as_bytes());
                }
                if let Some(mark) = &mark {
                    reply.raw(format!("$EOF:{mark}\r\n").as_bytes());
                }
            });
        }
    }

    /// Bytes of a diskless snapshot, for the replicas waiting on `job`.
    pub(crate) fn replica_snapshot_bytes(&mut self, job: u64, bytes: &[u8]) {
        let ids = self.replication.attached.waiting_on(job);
        for id in ids {
            self.deliver(id, |reply| reply.raw(bytes));
        }
    }

    /// The snapshot is complete (or failed): each replica waiting for it gets the image
    /// and the stream since, and goes online.
    pub(crate) fn replica_snapshot_done(&mut self, job: u64, image: Option<Vec<u8>>) {
        self.replication.attached.snapshot_job = None;
        let waiting = self.replication.attached.waiting_on(job);
        for id in waiting {
            let Some(image) = &image else {
                // Redis drops the replicas of a failed snapshot; they reconnect.
                log::log(
                    Level::Warning,
                    "SYNC failed. BGSAVE child returned an error",
                );
                if let Some(client) = self.clients.get_mut(id) {
                    client.handle.kill();
                }
                self.replication.attached.replicas.remove(&id);
                continue;
            };
            let Some(replica) = self.replication.attached.replicas.get_mut(&id) else {
                continue;
            };
            let eof_mark = match std::mem::replace(&mut replica.state, ReplicaState::Online) {
                ReplicaState::WaitSnapshotEnd { eof_mark, .. } => eof_mark,
                _ => None,
            };
            // Its lag counts from now, not from when it asked (Redis's replicaPutOnline):
            // a long snapshot must not make it a bad replica for min-replicas-max-lag.
            replica.ack_secs = Server::now_secs();
            match &eof_mark {
                // Diskless: the payload went as it was produced; the mark ends it, and the
                // stream waits for the replica's first ACK.
                Some(mark) => {
                    replica.state = ReplicaState::WaitFirstAck;
                    self.deliver(id, |reply| reply.raw(mark.as_bytes()));
                }
                None => {
                    self.deliver(id, |reply| {
                        reply.raw(format!("${}\r\n", image.len()).as_bytes());
                        reply.raw(image);
                    });
                }
            }
            log::log(Level::Notice, "Synchronization with replica succeeded");
        }
        self.start_replica_snapshot_if_needed();
    }

    /// REPLCONF ACK from a replica.
    pub fn replica_acked(&mut self, id: u64, offset: i64) {
        let now = crate::clock::unix_ms() / 1000;
        if let Some(replica) = self.replication.attached.replicas.get_mut(&id) {
            replica.ack_offset = replica.ack_offset.max(offset);
            replica.ack_secs = now;
            if let ReplicaState::WaitFirstAck = replica.state {
                replica.state = ReplicaState::Online;
                // Its connection is running this ACK: it takes the stream afterwards.
            }
        }
        if !self.replication.attached.waiting.is_empty() {
            self.serve_replica_waiters();
        }
        self.advance_failover(crate::clock::unix_ms());
    }

    /// A replica's connection went away.
    pub fn detach_replica(&mut self, id: u64) {
        self.replication.attached.announced.remove(&id);
        if self.replication.attached.replicas.remove(&id).is_some() {
            log::log(Level::Notice, "Connection with replica lost.");
            self.replication.attached.trim_buffer();
            if self.replication.attached.replicas.is_empty() {
                // repl-backlog-ttl counts from the last replica leaving.
                self.replication.attached.no_replicas_since = Some(Server::now_secs());
            }
        }
    }

    /// The master half of replicationCron, from every cron tick: replicas that arrived
    /// during another background save get their snapshot, and once a second a PING every
    /// `repl-ping-replica-period` seconds keeps idle links alive and moves the offset.
    pub fn master_replication_cron(&mut self, now_ms: i64) {
        if self.replication.attached.replicas.is_empty() {
            self.free_idle_backlog(now_ms / 1000);
            return;
        }
        self.replication.attached.no_replicas_since = None;
        self.start_replica_snapshot_if_needed();
        // A replica's replicas get its master's PINGs within the stream it passes on.
        if self.replication.is_replica() {
            return;
        }
        let attached = &mut self.replication.attached;
        if attached.last_cron_secs == now_ms / 1000 {
            return;
        }
        attached.last_cron_secs = now_ms / 1000;
        attached.ping_ticks += 1;
        let period = u64::from(self.config.repl_ping_replica_period.max(1));
        // A failover with a deadline waits for the replica to reach our offset: a PING
        // would move it (as Redis skips it during a manual failover).
        let failover = &self.replication.failover;
        let holding_offset = failover.active() && failover.deadline.is_some();
        if attached.ping_ticks >= period && !holding_offset {
            attached.ping_ticks = 0;
            let db = attached.selected_db.unwrap_or(0);
            let ping: scarlet_protocol::OwnedArgs = [b"PING"].into_iter().collect();
            // PING needs no SELECT: the stream keeps its database.
            if attached.selected_db.is_none() {
                attached.selected_db = Some(db);
            }
            self.feed_replicas(db, ping.args());
        }
    }

    /// A master without replicas for `repl-backlog-ttl` seconds frees its backlog, and
    /// starts a new history: without a backlog its offset no longer follows the writes,
    /// so nobody may continue the old one (Redis's replicationCron). A replica keeps its
    /// backlog, to serve PSYNCs if it is promoted.
    fn free_idle_backlog(&mut self, now: i64) {
        let ttl = i64::try_from(self.config.repl_backlog_ttl).unwrap_or(i64::MAX);
        if self.replication.is_replica() || ttl == 0 || self.replication.attached.backlog.is_none()
        {
            return;
        }
        let since = *self
            .replication
            .attached
            .no_replicas_since
            .get_or_insert(now);
        if now - since <= ttl {
            return;
        }
        self.shift_to_new_history();
        self.replication.attached.backlog = None;
        self.replication.attached.no_replicas_since = None;
        log::log(
            Level::Notice,
            &format!("Replication backlog freed after {ttl} seconds without connected replicas."),
        );
    }

    /// How many online replicas acknowledged the stream up to `offset` (Redis's
    /// replicationCountAcksByOffset).
    pub fn replicas_acked(&self, offset: i64) -> usize {
        self.replication
            .attached
            .replicas
            .values()
            .filter(|r| matches!(r.state, ReplicaState::Online) && r.ack_offset >= offset)
            .count()
    }

    /// Asks every replica for an acknowledgement (REPLCONF GETACK *, part of the stream
    /// as in Redis, without a SELECT).
    pub fn request_replica_acks(&mut self) {
        let getack: scarlet_protocol::OwnedArgs =
            [&b"REPLCONF"[..], b"GETACK", b"*"].into_iter().collect();
        let mut bytes = Vec::new();
        crate::propagate::encode_command(&mut bytes, getack.args());
        self.feed_stream_bytes(&bytes);
    }

    /// Replies to the clients in WAIT whose replicas acknowledged enough.
    fn serve_replica_waiters(&mut self) {
        let waiting: Vec<u64> = self.replication.attached.waiting.iter().copied().collect();
        for id in waiting {
            let Some(mut client) = self.clients.take(id) else {
                self.replication.attached.waiting.remove(&id);
                continue;
            };
            match Server::waiting_for_replicas(&client) {
                None => {
                    self.replication.attached.waiting.remove(&id);
                }
                Some((needed, offset)) => {
                    let acked = self.replicas_acked(offset);
                    if acked >= needed {
                        client.reply.int(i64::try_from(acked).unwrap_or(i64::MAX));
                        self.unblock(&mut client);
                        client.handle.wake();
                        self.replication.attached.waiting.remove(&id);
                    }
                }
            }
            self.clients.put_back(client);
        }
    }

    /// Online replicas that acknowledged within `min-replicas-max-lag` seconds (Redis's
    /// repl_good_slaves_count).
    pub fn good_replicas(&self) -> usize {
        let now = crate::clock::unix_ms() / 1000;
        let max_lag = i64::from(self.config.min_replicas_max_lag);
        self.replication
            .attached
            .replicas
            .values()
            .filter(|r| matches!(r.state, ReplicaState::Online) && now - r.ack_secs <= max_lag)
            .count()
    }

    /// Whether writes are refused for lack of good replicas (min-replicas-to-write with
    /// min-replicas-max-lag; -NOREPLICAS).
    pub fn too_few_good_replicas(&self) -> bool {
        !self.replication.is_replica()
            && self.config.min_replicas_max_lag > 0
            && self.config.min_replicas_to_write > 0
            && self.good_replicas()
                < usize::try_from(self.config.min_replicas_to_write).unwrap_or(usize::MAX)
    }
}

/// [`Server::pull_replica_stream`] for a client still in the client table: the next
/// piece of the stream (which ends at `end`) to its reply buffer.
pub fn pull_stream_into(attached: &mut MasterSide, end: i64, client: &mut crate::client::Client) {
    let more = take_stream_piece(attached, end, client);
    client.handle.set_more_output(more);
}

/// The pull itself; returns whether more of the stream is left for the replica.
fn take_stream_piece(
    attached: &mut MasterSide,
    end: i64,
    client: &mut crate::client::Client,
) -> bool {
    let (Some(replica), Some(buffer)) = (
        attached.replicas.get_mut(&client.id),
        attached.backlog.as_ref(),
    ) else {
        return false;
    };
    let (ReplicaState::Online, Some(cursor)) = (&replica.state, replica.cursor) else {
        return false;
    };
    if cursor >= end || client.reply.len() + client.handle.unsent() >= PULL_BELOW {
        return cursor < end;
    }
    let at = buffer.read_since(cursor, PULL_MAX, |bytes| client.reply.raw(bytes));
    replica.cursor = Some(at);
    client.stream_pending = usize::try_from(end - at).unwrap_or(0);
    attached.trim_buffer();
    at < end
}
