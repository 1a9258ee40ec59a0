//! A full synchronization's payload: receiving the master's RDB (`$<length>` or the
//! diskless `$EOF:<mark>` form), keeping it as dump.rdb when loading from disk, decoding
//! it off the lock and putting it in place of the dataset (Redis's `readSyncBulkPayload`).
//!
//! Whatever `repl-diskless-load` says, the old dataset keeps serving until the new one
//! is fully decoded (clients get -LOADING while it decodes): `swapdb`'s guarantee, which
//! `disabled` and `on-empty-db` only improve on. `disabled` also keeps the payload as
//! dump.rdb, as Redis renames its temp file over it. The payload is held in memory
//! while it arrives and decodes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use scarlet_storage::rdb::{LoadLimits, Loaded, read_rdb_observed};

use super::handshake::{LinkFailed, MasterConn, error_text};
use super::{Server, TransferProgress};
use crate::config::ReplDisklessLoad;
use crate::log::{self, Level};
use crate::persistence::file::TempFile;
use crate::persistence::load::{Dataset, Loading};
use crate::server::Shared;

/// The length of the diskless transfer's end mark.
const MARK_LEN: usize = 40;

/// How the payload is to be loaded, decided when the transfer starts.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Keep the payload as dump.rdb before loading it (repl-diskless-load disabled, or
    /// on-empty-db with keys present).
    pub to_disk: bool,
    /// repl-diskless-load swapdb: the dataset is swapped with the decoded one.
    pub swapdb: bool,
    /// Where dump.rdb is.
    pub rdb_path: std::path::PathBuf,
    /// Databases to load into.
    pub databases: usize,
    /// The encodings' limits.
    pub limits: LoadLimits,
    /// key-load-delay, which tests use to slow loading down.
    pub key_delay: i32,
}

impl Server {
    /// The loading plan for a transfer starting now (Redis's `useDisklessLoad`).
    pub fn transfer_plan(&self) -> Plan {
        let to_parser = match self.config.repl_diskless_load {
            ReplDisklessLoad::Swapdb => true,
            ReplDisklessLoad::OnEmptyDb => self.dbs.iter().all(|db| db.is_empty()),
            ReplDisklessLoad::Disabled => false,
        };
        Plan {
            to_disk: !to_parser,
            swapdb: self.config.repl_diskless_load == ReplDisklessLoad::Swapdb,
            rdb_path: self.rdb_path(),
            databases: self.dbs.len(),
            limits: self.load_limits(),
            key_delay: self.config.key_load_delay,
        }
    }
}

/// Receives the payload that follows +FULLRESYNC.
pub async fn receive(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    plan: &Plan,
) -> Result<Vec<u8>, LinkFailed> {
    let target = if plan.to_disk { "to disk" } else { "to parser" };
    let header = loop {
        let line = conn.read_line().await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                return log_io_error(e);
            }
            log::log(
                Level::Warning,
                &format!(
                    "I/O error reading bulk count from MASTER: {}",
                    error_text(&e)
                ),
            );
            LinkFailed
        })?;
        match line.first() {
            // A newline keeps the link alive while the master prepares the payload.
            None => {
                note_progress(shared, generation, |p| p.last_io = Server::now_secs()).await?;
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
        .and_then(|m| m.get(..MARK_LEN))
        .map(<[u8]>::to_vec);
    if !plan.to_disk {
        // Loading from the socket starts with the payload, as Redis's diskless load:
        // clients get -LOADING from here (the old dataset still stays until the end).
        let mut server = shared.lock_async().await;
        if server.replication.generation != generation {
            return Err(LinkFailed);
        }
        server.persistence.loading = Some(Loading {
            start_secs: Server::now_secs(),
            started: Instant::now(),
            total_bytes: 0,
            loaded_bytes: Arc::new(AtomicU64::new(0)),
        });
        server.replication.loading = true;
    }
    let payload = match mark {
        Some(mark) => {
            log::log(
                Level::Notice,
                &format!(
                    "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}"
                ),
            );
            receive_until_mark(conn, shared, generation, &mark).await?
        }
        None => {
            let length = std::str::from_utf8(header.get(1..).unwrap_or_default())
                .ok()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            log::log(
                Level::Notice,
                &format!("MASTER <-> REPLICA sync: receiving {length} bytes from master {target}"),
            );
            receive_length(conn, shared, generation, length).await?
        }
    };
    Ok(payload)
}

/// Reads exactly `length` bytes; what follows is the command stream.
async fn receive_length(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    length: u64,
) -> Result<Vec<u8>, LinkFailed> {
    note_progress(shared, generation, |p| p.total = length).await?;
    // The announced length sizes nothing up front: a lying master only costs what it sends.
    let mut payload = Vec::new();
    while (payload.len() as u64) < length {
        let left = usize::try_from(length - payload.len() as u64).unwrap_or(usize::MAX);
        let chunk = conn.read_bytes(left).await.map_err(log_io_error)?;
        if chunk.is_empty() {
            log::log(
                Level::Warning,
                "I/O error trying to sync with MASTER: connection lost",
            );
            return Err(LinkFailed);
        }
        payload.extend_from_slice(&chunk);
        let read = payload.len() as u64;
        note_progress(shared, generation, |p| {
            p.read = read;
            p.last_io = Server::now_secs();
        })
        .await?;
    }
    Ok(payload)
}

/// Reads until the payload ends with the announced mark, which is then cut off.
async fn receive_until_mark(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    mark: &[u8],
) -> Result<Vec<u8>, LinkFailed> {
    let mut payload = Vec::new();
    loop {
        let chunk = conn.read_bytes(usize::MAX).await.map_err(log_io_error)?;
        if chunk.is_empty() {
            log::log(
                Level::Warning,
                "I/O error trying to sync with MASTER: connection lost",
            );
            return Err(LinkFailed);
        }
        payload.extend_from_slice(&chunk);
        let read = payload.len() as u64;
        note_progress(shared, generation, |p| {
            p.read = read;
            p.last_io = Server::now_secs();
        })
        .await?;
        if payload.len() >= mark.len() && payload.ends_with(mark) {
            payload.truncate(payload.len() - mark.len());
            return Ok(payload);
        }
    }
}

fn log_io_error(e: std::io::Error) -> LinkFailed {
    if e.kind() == std::io::ErrorKind::TimedOut {
        log::log(
            Level::Warning,
            "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
        );
    } else {
        log::log(
            Level::Warning,
            &format!("I/O error trying to sync with MASTER: {}", error_text(&e)),
        );
    }
    LinkFailed
}

/// Updates the transfer's progress under the lock; fails when the link was replaced.
async fn note_progress(
    shared: &Arc<Shared>,
    generation: u64,
    update: impl FnOnce(&mut TransferProgress),
) -> Result<(), LinkFailed> {
    let mut server = shared.lock_async().await;
    if server.replication.generation != generation {
        return Err(LinkFailed);
    }
    let progress = server
        .replication
        .transfer
        .get_or_insert_with(TransferProgress::default);
    update(progress);
    Ok(())
}

/// Keeps the payload as dump.rdb (disk loading) and decodes it, off the lock. Keys whose
/// TTL passed are kept: a replica waits for its master's DEL.
pub async fn decode(
    shared: &Arc<Shared>,
    generation: u64,
    plan: Plan,
    payload: Vec<u8>,
) -> Result<Dataset, LinkFailed> {
    let progress = {
        let mut server = shared.lock_async().await;
        if server.replication.generation != generation {
            return Err(LinkFailed);
        }
        // Redis empties the dataset here unless it swaps; Scarlet keeps it until the new
        // one is decoded, but reports the steps in Redis's order.
        if !plan.swapdb {
            log::log(Level::Notice, "MASTER <-> REPLICA sync: Flushing old data");
        }
        log::log(
            Level::Notice,
            "MASTER <-> REPLICA sync: Loading DB in memory",
        );
        let loading = Loading {
            start_secs: Server::now_secs(),
            started: Instant::now(),
            total_bytes: payload.len() as u64,
            loaded_bytes: Arc::new(AtomicU64::new(0)),
        };
        let progress = Arc::clone(&loading.loaded_bytes);
        server.persistence.loading = Some(loading);
        server.replication.loading = true;
        server.replication.transfer = None;
        progress
    };
    let decoded = tokio::task::spawn_blocking(move || decode_blocking(&plan, &payload, &progress))
        .await
        .map_err(|_| LinkFailed)
        .and_then(|r| r);
    let mut server = shared.lock_async().await;
    if server.replication.generation == generation {
        server.replication.loading = false;
        server.persistence.loading = None;
    }
    decoded
}

fn decode_blocking(
    plan: &Plan,
    payload: &[u8],
    progress: &AtomicU64,
) -> Result<Dataset, LinkFailed> {
    if plan.to_disk {
        let temp_name = format!("temp-{}.{}.rdb", Server::now_secs(), std::process::id());
        let written = TempFile::create(&plan.rdb_path, &temp_name).and_then(|mut file| {
            file.write(payload)?;
            file.commit()
        });
        if let Err(e) = written {
            let why = error_text(&e.error);
            let path = plan.rdb_path.display();
            let line = match e.step {
                "open" => format!(
                    "Opening the temp file needed for MASTER <-> REPLICA synchronization: {why}"
                ),
                "write" => format!(
                    "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: {why}"
                ),
                "fsync" => format!(
                    "Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: {why}"
                ),
                "rename" => format!(
                    "Failed trying to rename the temp DB into {path} in MASTER <-> REPLICA synchronization: {why}"
                ),
                _ => format!(
                    "Failed trying to sync DB directory {path} in MASTER <-> REPLICA synchronization: {why}"
                ),
            };
            log::log(Level::Warning, &line);
            return Err(LinkFailed);
        }
    }
    let mut on_key = |offset: usize| {
        progress.store(offset as u64, Ordering::Relaxed);
        crate::persistence::load::sleep_per_key(plan.key_delay);
    };
    let loaded = read_rdb_observed(payload, plan.databases, &plan.limits, &mut on_key);
    match loaded {
        Ok(loaded) => Ok(dataset_keeping_expired(loaded)),
        Err(e) => {
            let place = if plan.to_disk {
                "from disk"
            } else {
                "from socket"
            };
            log::log(
                Level::Warning,
                &format!("Failed trying to load the MASTER synchronization DB {place}: {e}"),
            );
            Err(LinkFailed)
        }
    }
}

/// A decoded payload as a dataset, every key kept.
pub fn dataset_keeping_expired(loaded: Loaded) -> Dataset {
    let Loaded {
        dbs,
        aux,
        empty_keys_skipped,
        functions,
        ..
    } = loaded;
    let keys_loaded = dbs.iter().map(|db| db.len() as u64).sum();
    Dataset {
        dbs,
        aux,
        keys_loaded,
        keys_expired: 0,
        empty_keys_skipped,
        functions,
        expired: Vec::new(),
    }
}

/// The aux field `name` of a dataset, as text.
pub fn aux_field<'a>(aux: &'a [(Vec<u8>, Vec<u8>)], name: &[u8]) -> Option<&'a [u8]> {
    aux.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}

impl Server {
    /// Puts a full synchronization's dataset in place: the old one goes (in the
    /// background with replica-lazy-flush), WATCHed keys and tracked keys are
    /// invalidated as by a flush. Returns the database the master's stream had selected
    /// (the payload's `repl-stream-db`).
    pub fn install_synced_dataset(
        &mut self,
        data: Dataset,
        took: std::time::Duration,
        swapdb: bool,
    ) -> Option<usize> {
        let stream_db = aux_field(&data.aux, b"repl-stream-db")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let now = crate::clock::unix_ms();
        for db in 0..self.dbs.len() {
            self.touch_all_watched_keys_in_db(db, None, now);
        }
        self.tracking_invalidate_all();
        // The AOF describes the old dataset: it stops here and starts again from a
        // rewrite of the new one (Redis's stopAppendOnly / restartAOFAfterSYNC).
        if self.aof.is_enabled() {
            self.stop_aof();
        }
        if swapdb {
            log::log(
                Level::Notice,
                "MASTER <-> REPLICA sync: Swapping active DB with loaded DB",
            );
        }
        self.replication.writable_keys.clear();
        // A new history: our own replicas must synchronize again.
        self.drop_replicas_and_backlog();
        let count = self.dbs.len();
        let old = std::mem::replace(
            &mut self.dbs,
            (0..count).map(|_| scarlet_storage::Db::new()).collect(),
        );
        if self.config.replica_lazy_flush || swapdb {
            let keys = old.iter().map(|db| db.len() as u64).sum();
            self.lazyfree.free_dbs(old, keys);
        } else {
            drop(old);
        }
        if swapdb {
            log::log(
                Level::Notice,
                "MASTER <-> REPLICA sync: Discarding old DB in background",
            );
        }
        if self.install_dataset(data, took).is_err() {
            return None;
        }
        self.dirty += 1;
        if self.config.appendonly && self.start_aof().is_err() {
            log::log(
                Level::Warning,
                "Failed enabling the AOF after successful master synchronization!",
            );
        }
        Some(stream_db)
    }
}
