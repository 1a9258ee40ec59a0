//! Replication, the replica side: following a master (Redis's `replication.c` from
//! `replicaofCommand` to `readSyncBulkPayload` and the replica half of `replicationCron`).
//!
//! [`Replication`] is the state behind the server lock: which master we follow, how far
//! the link got ([`LinkState`]), our replication ids and offset, and the master's state
//! kept for a partial resynchronization after the link drops (Redis's cached master).
//! The link itself is one task per configured master ([`link`]): it connects, performs
//! the handshake ([`handshake`]), receives the full synchronization's RDB ([`payload`])
//! and loads it ([`transfer`], [`socket_load`]) or continues partially, then applies the
//! master's command stream as the master client ([`stream`]), taking the lock once per
//! batch as a connection does.
//!
//! The master side (replicas attached to us, the backlog, SYNC and PSYNC served, WAIT,
//! chained replicas) is [`master`], fed by `propagate.rs`; FAILOVER, which moves a
//! master to the replica side, is [`failover`].

pub mod failover;
pub mod handshake;
pub mod info;
pub mod link;
pub mod master;
pub mod payload;
pub mod repl_buffer;
pub mod socket_load;
pub mod stream;
pub mod transfer;
pub mod writable;

use rand::rngs::SmallRng;
use scarlet_storage::Millis;
use scarlet_storage::rdb::ReplAux;

use crate::client::Client;
use crate::commands::Command;
use crate::commands::spec::flag;
use crate::log::{self, Level};
use crate::server::Server;

/// A replication id nobody has: the secondary id of a server with no previous history.
pub const NULL_REPLID: &str = "0000000000000000000000000000000000000000";

/// How far the link with the master got (Redis's `repl_state`), as ROLE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Must connect (the link task is starting or waiting to retry).
    Connect,
    /// The TCP connection is being made.
    Connecting,
    /// Connected: PING, AUTH, REPLCONF, PSYNC under way.
    Handshake,
    /// Receiving the RDB of a full synchronization.
    Transfer,
    /// Applying the master's stream.
    Connected,
}

impl LinkState {
    /// ROLE's name for the state.
    pub fn role_name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// The master this server follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterAddr {
    /// Host as given to REPLICAOF.
    pub host: String,
    /// Port.
    pub port: u16,
}

/// The master's replication state kept while the link is down, so the next link asks
/// for a partial resynchronization (Redis's cached master).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedMaster {
    /// The master's replication id.
    pub replid: String,
    /// The offset applied so far: PSYNC asks for the next byte.
    pub offset: i64,
    /// The database the master's stream had selected.
    pub db: usize,
}

/// Progress of a full synchronization's transfer (INFO master_sync_*).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferProgress {
    /// Announced size (0 for a diskless transfer with an end mark).
    pub total: u64,
    /// Bytes received.
    pub read: u64,
    /// Last time bytes arrived, unix seconds.
    pub last_io: i64,
}

/// The replication state of the server.
#[derive(Debug)]
pub struct Replication {
    /// The master we follow (`None`: we are a master).
    pub master: Option<MasterAddr>,
    /// The link's progress (meaningful only with a master).
    pub state: LinkState,
    /// Bumped whenever the master changes: a link task whose generation is old stops.
    pub generation: u64,
    /// The link task of the current generation.
    pub task: Option<tokio::task::AbortHandle>,
    /// The master client's id while the stream is being applied.
    pub master_client: Option<u64>,
    /// The master's state for the next PSYNC.
    pub cached: Option<CachedMaster>,
    /// The secondary replication id (INFO master_replid2).
    pub replid2: String,
    /// Up to which offset the secondary id is valid (INFO second_repl_offset).
    pub second_offset: i64,
    /// Our replication offset (INFO master_repl_offset).
    pub offset: i64,
    /// The master stream's bytes applied (INFO slave_repl_offset).
    pub applied: i64,
    /// The master stream's bytes read (INFO slave_read_repl_offset).
    pub read: i64,
    /// Last time the master sent anything, unix seconds.
    pub last_io: i64,
    /// Since when the link is down, unix seconds (0: never up since the master was set).
    pub down_since: i64,
    /// The transfer of a full synchronization in progress.
    pub transfer: Option<TransferProgress>,
    /// REPLCONF GETACK arrived from the master: the stream answers with an ACK.
    pub ack_requested: bool,
    /// The link task set `persistence.loading` while it decodes a payload.
    pub loading: bool,
    /// That load is asynchronous: the old dataset serves reads meanwhile (INFO
    /// async_loading).
    pub async_loading: bool,
    /// Keys a writable replica's clients gave a TTL, which it expires itself.
    pub writable_keys: writable::WritableReplicaKeys,
    /// Replicas attached to us and the backlog (`master.rs`).
    pub attached: master::MasterSide,
    /// A FAILOVER under way (`failover.rs`).
    pub failover: failover::Failover,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            master: None,
            state: LinkState::Connect,
            generation: 0,
            task: None,
            master_client: None,
            cached: None,
            replid2: NULL_REPLID.to_string(),
            second_offset: -1,
            offset: 0,
            applied: 0,
            read: 0,
            last_io: 0,
            down_since: 0,
            transfer: None,
            ack_requested: false,
            loading: false,
            async_loading: false,
            writable_keys: writable::WritableReplicaKeys::default(),
            attached: master::MasterSide::default(),
            failover: failover::Failover::default(),
        }
    }
}

impl Replication {
    /// The state at start-up: following the config file's `replicaof`, if any.
    pub fn configured(config: &crate::config::Config) -> Replication {
        Replication {
            master: config.replicaof.as_ref().map(|r| MasterAddr {
                host: r.host.clone(),
                port: r.port,
            }),
            ..Replication::default()
        }
    }

    /// Whether this server follows a master.
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }

    /// Whether the link is up and the stream flowing.
    pub fn link_up(&self) -> bool {
        self.is_replica() && self.state == LinkState::Connected
    }
}

/// A fresh replication id.
pub fn new_replid(rng: &mut SmallRng) -> String {
    crate::server::random_hex_id(rng)
}

impl Server {
    /// REPLICAOF host port: follows a new master (Redis's `replicationSetMaster`).
    pub fn set_master(&mut self, host: String, port: u16) {
        let was_master = !self.replication.is_replica();
        self.stop_link();
        // CONFIG GET and CONFIG REWRITE show the master REPLICAOF set.
        self.config.replicaof = Some(crate::config::ReplicaOf {
            host: host.clone(),
            port,
        });
        self.replication.master = Some(MasterAddr { host, port });
        self.replication.attached.forget_selected_db();
        log::set_role('S');
        // Clients blocked on keys would wait for writes that now come from the master.
        self.unblock_all_for_role_change();
        if was_master {
            // Our own history is what the new master may continue from.
            self.replication.cached = Some(CachedMaster {
                replid: self.replid.clone(),
                offset: self.replication.offset,
                db: 0,
            });
        }
        self.replication.state = LinkState::Connect;
        if let Some(master) = &self.replication.master {
            log::log(
                Level::Notice,
                &format!("Connecting to MASTER {}:{}", master.host, master.port),
            );
        }
        self.start_link();
    }

    /// REPLICAOF NO ONE: becomes a master (Redis's `replicationUnsetMaster`).
    pub fn unset_master(&mut self) {
        if !self.replication.is_replica() {
            return;
        }
        self.stop_link();
        self.replication.master = None;
        self.replication.writable_keys.clear();
        self.config.replicaof = None;
        log::set_role('M');
        self.replication.cached = None;
        // Our own stream starts with a SELECT (Redis's slaveseldb = -1).
        self.replication.attached.forget_selected_db();
        self.shift_replid();
        // Our replicas learn the new id by asking again, and continue partially.
        self.disconnect_replicas();
        self.replication.state = LinkState::Connect;
        self.replication.down_since = 0;
        // An AOF stopped for a synchronization that did not finish starts again (Redis's
        // replicationUnsetMaster); a failure to start is logged where it happens.
        if self.config.appendonly && !self.aof.is_enabled() {
            let _ = self.start_aof();
        }
    }

    /// At start-up, once the dataset is loaded: connects to the config file's master.
    pub fn start_configured_link(&mut self) {
        if let Some(master) = &self.replication.master {
            log::set_role('S');
            log::log(
                Level::Notice,
                &format!("Connecting to MASTER {}:{}", master.host, master.port),
            );
            self.start_link();
        }
    }

    /// Starts the link task for the current master (none without a runtime, as in the
    /// in-process test harness).
    pub fn start_link(&mut self) {
        self.replication.generation += 1;
        let Some(shared) = self.me.upgrade() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let generation = self.replication.generation;
        let task = runtime.spawn(link::run(shared, generation));
        self.replication.task = Some(task.abort_handle());
    }

    /// Ends the link with the current master: the task stops, the master client goes,
    /// a load it started is forgotten. The master's state is cached for a PSYNC.
    pub fn stop_link(&mut self) {
        self.replication.generation += 1;
        if let Some(task) = self.replication.task.take() {
            task.abort();
        }
        self.drop_master_client();
        self.end_sync_load();
        self.replication.transfer = None;
    }

    /// Forgets the master client and caches the master's state (Redis's
    /// `replicationCacheMaster`), when the link was up.
    pub fn drop_master_client(&mut self) {
        let Some(id) = self.replication.master_client.take() else {
            return;
        };
        let db = self.clients.get_mut(id).map_or(0, |c| c.db);
        if let Some(client) = self.clients.get_mut(id) {
            client.handle.kill();
        }
        self.unregister_client(id);
        log::log(Level::Warning, "Connection with master lost.");
        log::log(Level::Notice, "Caching the disconnected master state.");
        self.replication.cached = Some(CachedMaster {
            replid: self.replid.clone(),
            offset: self.replication.applied,
            db,
        });
        self.replication.state = LinkState::Connect;
        self.replication.down_since = crate::clock::unix_ms() / 1000;
    }

    /// Starts a new history: the current id becomes the secondary one, valid up to our
    /// offset (Redis's `shiftReplicationId`).
    pub fn shift_replid(&mut self) {
        let new = new_replid(&mut self.rng);
        self.replication.replid2 = std::mem::replace(&mut self.replid, new);
        self.replication.second_offset = self.replication.offset + 1;
        log::log(
            Level::Notice,
            &format!(
                "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
                self.replication.replid2, self.replication.second_offset, self.replid
            ),
        );
    }

    /// Clients blocked on keys lose their wait, and their connection, when the role
    /// changes (Redis's `disconnectAllBlockedClients`); clients held by CLIENT PAUSE keep
    /// waiting.
    fn unblock_all_for_role_change(&mut self) {
        let blocked: Vec<u64> = self
            .clients
            .iter()
            .filter(|c| c.blocked.is_some())
            .map(|c| c.id)
            .collect();
        for id in blocked {
            let Some(mut client) = self.clients.take(id) else {
                continue;
            };
            self.reply_error(
                &mut client,
                "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
            );
            self.unblock(&mut client);
            client.close_after_reply = true;
            client.handle.wake();
            self.clients.put_back(client);
        }
    }

    /// -READONLY: a read-only replica refuses writes from anyone but its master (a step
    /// of Redis's `processCommand`).
    pub fn read_only_replica_refusal(
        &self,
        client: &Client,
        cmd: &Command,
    ) -> Option<&'static str> {
        if !self.replication.is_replica()
            || !self.config.replica_read_only
            || self.is_master_client(client)
        {
            return None;
        }
        let writes = cmd.has(flag::WRITE)
            || (cmd.full_name == "exec"
                && client
                    .multi
                    .as_ref()
                    .is_some_and(|m| m.flags & flag::WRITE != 0));
        writes.then_some("READONLY You can't write against a read only replica.")
    }

    /// -MASTERDOWN: with replica-serve-stale-data off, a replica whose link is down only
    /// runs commands flagged `stale` (a step of Redis's `processCommand`).
    pub fn stale_replica_refusal(&self, client: &Client, cmd: &Command) -> Option<&'static str> {
        if !self.stale_replica() {
            return None;
        }
        let stale_ok = if cmd.full_name == "exec" {
            client
                .multi
                .as_ref()
                .is_none_or(|m| m.flags_missing & flag::STALE == 0)
        } else {
            cmd.has(flag::STALE)
        };
        (!stale_ok).then_some(
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        )
    }

    /// Whether this replica's link is down and it must not serve stale data.
    pub fn stale_replica(&self) -> bool {
        self.replication.is_replica()
            && !self.replication.link_up()
            && !self.config.replica_serve_stale_data
    }

    /// Whether `client` is our master's connection.
    pub fn is_master_client(&self, client: &Client) -> bool {
        self.replication.master_client == Some(client.id)
    }

    /// Whether the running command comes from our master (its lookups see expired keys,
    /// which only the master's DEL removes).
    pub fn running_for_master(&self) -> bool {
        match (self.replication.master_client, self.current.as_ref()) {
            (Some(id), Some(current)) => current.id == id,
            _ => false,
        }
    }

    /// Whether expired keys are only hidden, never deleted, by this server's own
    /// lookups and active expiry: a replica leaves that to its master's DELs.
    pub fn expiry_left_to_master(&self) -> bool {
        self.replication.is_replica()
    }

    /// The offset the master's stream has been applied to (ROLE, INFO, ACKs): -1 without
    /// a master link, as Redis prints it.
    pub fn applied_offset(&self) -> Option<i64> {
        self.replication
            .master_client
            .map(|_| self.replication.applied)
    }

    /// The replication info a dump records (Redis's `rdbPopulateSaveInfo`): our id and
    /// offset, and the database the master's stream had selected. A master records its
    /// own history (database 0 until the master side tracks its stream's database).
    pub fn replication_aux(&self) -> Option<ReplAux> {
        let stream_db = if self.replication.is_replica() {
            match (self.replication.master_client, &self.replication.cached) {
                (Some(id), _) => self.clients.iter().find(|c| c.id == id).map_or(0, |c| c.db),
                (None, Some(cached)) => cached.db,
                (None, None) => return None,
            }
        } else {
            // A master records its history only once it is in a replication chain
            // (it has a backlog), as Redis's rdbPopulateSaveInfo.
            self.replication.attached.backlog.as_ref()?;
            self.replication.attached.selected_db().unwrap_or(0)
        };
        let mut replid = [b'0'; 40];
        for (to, from) in replid.iter_mut().zip(self.replid.bytes()) {
            *to = from;
        }
        Some(ReplAux {
            stream_db: i64::try_from(stream_db).unwrap_or(0),
            replid,
            offset: self.replication.offset,
        })
    }

    /// At start-up, after loading a dump: a replica takes the recorded id and offset as
    /// the history to continue with a PSYNC; a master keeps them as its secondary id
    /// (Redis's `loadDataFromDisk`).
    pub fn restore_replication_info(
        &mut self,
        aux: &[(Vec<u8>, Vec<u8>)],
        expired: &[(usize, Vec<u8>)],
    ) {
        let text =
            |name: &[u8]| transfer::aux_field(aux, name).and_then(|v| std::str::from_utf8(v).ok());
        let replid = text(b"repl-id").filter(|id| id.len() == 40);
        let offset = text(b"repl-offset").and_then(|o| o.parse::<i64>().ok());
        let db = text(b"repl-stream-db").and_then(|d| d.parse::<usize>().ok());
        let (Some(replid), Some(offset), Some(db)) = (replid, offset, db) else {
            return;
        };
        if self.replication.is_replica() {
            self.replid = replid.to_string();
            self.replication.offset = offset;
            self.replication.cached = Some(CachedMaster {
                replid: replid.to_string(),
                offset,
                db: if db < self.dbs.len() { db } else { 0 },
            });
        } else {
            self.replication.replid2 = replid.to_string();
            self.replication.second_offset = offset + 1;
            self.replication.offset += offset;
            // Replicas of the previous run continue from the backlog, which holds the
            // DELs of the keys that expired while we were down (Redis propagates them
            // as it loads).
            self.ensure_backlog();
            for (db, key) in expired {
                let del: [&[u8]; 2] = [b"DEL", key];
                let argv: scarlet_protocol::OwnedArgs = del.into_iter().collect();
                self.feed_replicas(*db, argv.args());
            }
        }
    }

    /// An error reply went over a replication link, where replies never should (Redis's
    /// afterErrorReply for master and replica clients): logged as critical, at most
    /// 4096 bytes of it, and counted in `unexpected_error_replies`. `from` sends to `to`
    /// ("master" to "replica", or the reverse).
    pub fn log_error_on_link(&mut self, from: &str, to: &str, error: &[u8], command: &str) {
        let shown = error.get(..4096).unwrap_or(error);
        log::log(
            Level::Warning,
            &format!(
                "== CRITICAL == This {from} is sending an error to its {to}: '{}' after processing the command '{command}'",
                String::from_utf8_lossy(shown),
            ),
        );
        self.stats.unexpected_error_replies += 1;
    }

    /// Unix seconds now, the unit of INFO's replication times.
    pub(crate) fn now_secs() -> Millis {
        crate::clock::unix_ms() / 1000
    }
}
