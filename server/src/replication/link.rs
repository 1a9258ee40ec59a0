//! The link task: one per configured master, from REPLICAOF (or `replicaof` in the
//! config file) until the master changes. It connects, hands over to the handshake, the
//! transfer and the stream, and after a failure waits a second and tries again, asking
//! for a partial resynchronization with what it cached (Redis's `connectWithMaster` and
//! the replica half of `replicationCron`).
//!
//! The task never holds the lock across an await, and checks its generation each time
//! it takes it: REPLICAOF also aborts it, but a task caught between two steps must not
//! touch the state of the next master.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::handshake::{self, LinkFailed, MasterConn, Psync, Settings};
use super::transfer;
use super::{CachedMaster, LinkState, NULL_REPLID};
use crate::client::{Client, ClientKind, Peer};
use crate::log::{self, Level};
use crate::server::{Server, Shared};

/// The wait before connecting again after a failure (Redis retries from its once-a-second
/// replication cron).
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Runs the link of `generation` until a newer one replaces it.
pub async fn run(shared: Arc<Shared>, generation: u64) {
    loop {
        let _ = attempt(&shared, generation).await;
        {
            let mut server = shared.lock_async().await;
            if server.replication.generation != generation {
                return;
            }
            server.drop_master_client();
            server.replication.transfer = None;
            // A load that failed half-way leaves the dataset it left (the old one with
            // swapdb, an empty one after a flush).
            server.end_sync_load();
            if server.replication.state != LinkState::Connect {
                server.replication.state = LinkState::Connect;
            }
        }
        tokio::time::sleep(RETRY_DELAY).await;
        let server = shared.lock_async().await;
        if server.replication.generation != generation {
            return;
        }
        if let Some(master) = &server.replication.master {
            log::log(
                Level::Notice,
                &format!("Connecting to MASTER {}:{}", master.host, master.port),
            );
        }
    }
}

/// What the task reads from the configuration before connecting.
struct Target {
    host: String,
    port: u16,
    timeout: Duration,
    settings: Settings,
}

/// One connection with the master, from connecting to the end of the stream.
async fn attempt(shared: &Arc<Shared>, generation: u64) -> Result<(), LinkFailed> {
    let target = {
        let mut server = shared.lock_async().await;
        if server.replication.generation != generation {
            return Err(LinkFailed);
        }
        let Some(master) = server.replication.master.clone() else {
            return Err(LinkFailed);
        };
        server.replication.state = LinkState::Connecting;
        log::log(Level::Notice, "MASTER <-> REPLICA sync started");
        let config = &server.config;
        Target {
            host: master.host,
            port: master.port,
            timeout: Duration::from_secs(u64::from(config.repl_timeout.max(1))),
            settings: Settings {
                auth: config.masterauth.clone(),
                user: config.masteruser.clone(),
                listening_port: if config.replica_announce_port != 0 {
                    config.replica_announce_port
                } else {
                    config.port
                },
                announce_ip: config.replica_announce_ip.clone(),
                psync: server
                    .replication
                    .cached
                    .as_ref()
                    .map(|c| (c.replid.clone(), c.offset + 1)),
                failover: server.replication.failover.in_progress(),
            },
        }
    };
    let mut conn = MasterConn::connect(&target.host, target.port, target.timeout).await?;
    set_state(shared, generation, LinkState::Handshake).await?;
    log::log(
        Level::Notice,
        "Non blocking connect for SYNC fired the event.",
    );
    let answer = handshake::handshake(&mut conn, &target.settings).await?;
    if target.settings.failover {
        let mut server = shared.lock_async().await;
        if server.replication.generation != generation {
            return Err(LinkFailed);
        }
        let accepted = matches!(answer, Psync::Full { .. } | Psync::Continue { .. });
        server.failover_psync_answered(accepted);
        if !accepted {
            return Err(LinkFailed);
        }
    }
    match answer {
        Psync::TryLater | Psync::Refused => Err(LinkFailed),
        Psync::Continue { new_replid } => {
            let (handle, base) = {
                let mut server = shared.lock_async().await;
                if server.replication.generation != generation {
                    return Err(LinkFailed);
                }
                let Some(cached) = server.replication.cached.take() else {
                    return Err(LinkFailed);
                };
                if let Some(new) = new_replid.filter(|new| *new != cached.replid) {
                    // The master was promoted: its old history is our secondary id.
                    server.replication.replid2 = cached.replid.clone();
                    server.replication.second_offset = server.replication.offset + 1;
                    server.replid = new.clone();
                    log::log(
                        Level::Warning,
                        &format!("Master replication ID changed to {new}"),
                    );
                    // Our replicas learn the new id by asking again.
                    server.disconnect_replicas();
                } else {
                    server.replid = cached.replid.clone();
                }
                let handle = server.attach_master(&conn, cached.db, cached.offset);
                log::log(
                    Level::Notice,
                    "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.",
                );
                (handle, cached.offset)
            };
            let _ = super::stream::run(conn, shared, generation, handle, base).await;
            Err(LinkFailed)
        }
        Psync::Full { replid, offset } => {
            let plan = {
                let mut server = shared.lock_async().await;
                if server.replication.generation != generation {
                    return Err(LinkFailed);
                }
                // The cached master stays until the load starts replacing the dataset:
                // a transfer that fails may still be followed by a partial resync.
                server.replication.state = LinkState::Transfer;
                server.replication.transfer = Some(super::TransferProgress {
                    last_io: Server::now_secs(),
                    ..Default::default()
                });
                server.transfer_plan(&replid)
            };
            let started = Instant::now();
            let data = transfer::receive_and_load(&mut conn, shared, generation, &plan).await?;
            let handle = {
                let mut server = shared.lock_async().await;
                if server.replication.generation != generation {
                    return Err(LinkFailed);
                }
                server.end_sync_load();
                let Some(db) = server.install_synced_dataset(data, started.elapsed(), plan.swapdb)
                else {
                    return Err(LinkFailed);
                };
                // A full synchronization starts a new history: the master's.
                server.replid = replid;
                server.replication.offset = offset;
                server.replication.replid2 = NULL_REPLID.to_string();
                server.replication.second_offset = -1;
                let handle = server.attach_master(&conn, db, offset);
                log::log(
                    Level::Notice,
                    "MASTER <-> REPLICA sync: Finished with success",
                );
                handle
            };
            let _ = super::stream::run(conn, shared, generation, handle, offset).await;
            Err(LinkFailed)
        }
    }
}

async fn set_state(
    shared: &Arc<Shared>,
    generation: u64,
    state: LinkState,
) -> Result<(), LinkFailed> {
    let mut server = shared.lock_async().await;
    if server.replication.generation != generation {
        return Err(LinkFailed);
    }
    server.replication.state = state;
    Ok(())
}

impl Server {
    /// Registers the master client for the stream, at `offset` in database `db`, and
    /// marks the link up (Redis's `replicationCreateMasterClient`).
    fn attach_master(
        &mut self,
        conn: &MasterConn,
        db: usize,
        offset: i64,
    ) -> Arc<crate::client::ClientHandle> {
        let id = self.next_client_id;
        self.next_client_id += 1;
        let addr = conn
            .stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let local = conn
            .stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let peer = Peer {
            addr,
            local,
            fd: std::os::fd::AsRawFd::as_raw_fd(&conn.stream),
            unix: false,
        };
        let mut client = Client::new(id, peer, crate::clock::unix_ms(), true);
        client.kind = ClientKind::Master;
        client.db = if db < self.dbs.len() { db } else { 0 };
        // The master's blocking commands never wait (Redis never propagates them
        // unresolved).
        client.deny_blocking = true;
        let handle = Arc::clone(&client.handle);
        self.clients.insert(Box::new(client));
        self.replication.master_client = Some(id);
        self.replication.applied = offset;
        self.replication.read = offset;
        self.replication.last_io = Server::now_secs();
        self.replication.state = LinkState::Connected;
        self.replication.down_since = 0;
        self.ensure_backlog();
        self.replication.cached = None::<CachedMaster>;
        handle
    }
}
