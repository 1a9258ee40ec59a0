//! A full synchronization's payload, loaded as `repl-diskless-load` says (Redis's
//! `readSyncBulkPayload` from the bulk header on):
//!
//! - `disabled` (and `on-empty-db` with keys present): the payload goes to a temp file
//!   renamed over dump.rdb; then the dataset is emptied and the file decoded, a chunk at
//!   a time, while clients get -LOADING.
//! - `on-empty-db` with an empty dataset: decoded from the socket as it arrives
//!   (`socket_load`), clients getting -LOADING.
//! - `swapdb`: decoded from the socket into databases of its own, swapped in only once
//!   complete; a failed transfer leaves the old dataset. When the master continues the
//!   history we already have (its replication id is ours), the old dataset keeps serving
//!   reads meanwhile (`async_loading:1`): only commands flagged `no-async-loading` get
//!   -LOADING. Otherwise clients get -LOADING while it loads.
//!
//! No payload is ever held whole in memory. What the loads share (emptying the dataset
//! first, the loading state INFO reports, putting the new dataset in place) is here.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use scarlet_storage::Db;
use scarlet_storage::rdb::{LoadLimits, Loaded, RdbError, StreamDecoder};

use super::Server;
use super::handshake::{LinkFailed, MasterConn, error_text};
use super::payload::{self, Cut, PayloadEnd, PayloadReader, with_keepalive};
use crate::config::ReplDisklessLoad;
use crate::log::{self, Level};
use crate::persistence::file::TempFile;
use crate::persistence::load::{Dataset, Loading};
use crate::server::Shared;

/// How much of dump.rdb one read takes while loading it.
const FILE_CHUNK: usize = 1 << 20;

/// How the payload is to be loaded, decided when the transfer starts.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Keep the payload as dump.rdb and load it from there (repl-diskless-load
    /// disabled, or on-empty-db with keys present).
    pub to_disk: bool,
    /// repl-diskless-load swapdb: the dataset is swapped with the decoded one.
    pub swapdb: bool,
    /// swapdb continuing our own history: the old dataset serves reads meanwhile.
    pub async_loading: bool,
    /// Where dump.rdb is.
    pub rdb_path: std::path::PathBuf,
    /// rdb-del-sync-files with persistence off: dump.rdb goes once loaded.
    pub delete_file: bool,
    /// Databases to load into.
    pub databases: usize,
    /// The encodings' limits.
    pub limits: LoadLimits,
    /// key-load-delay, which tests use to slow loading down.
    pub key_delay: i32,
}

impl Server {
    /// The loading plan for the payload of a +FULLRESYNC from `master_replid` (Redis's
    /// `useDisklessLoad`, and its test for async loading).
    pub fn transfer_plan(&self, master_replid: &str) -> Plan {
        let to_parser = match self.config.repl_diskless_load {
            ReplDisklessLoad::Swapdb => true,
            ReplDisklessLoad::OnEmptyDb => self.dbs.iter().all(|db| db.is_empty()),
            ReplDisklessLoad::Disabled => false,
        };
        let swapdb = self.config.repl_diskless_load == ReplDisklessLoad::Swapdb;
        Plan {
            to_disk: !to_parser,
            swapdb,
            async_loading: swapdb && self.replid == master_replid,
            rdb_path: self.rdb_path(),
            delete_file: self.config.rdb_del_sync_files
                && self.config.save.is_empty()
                && !self.config.appendonly,
            databases: self.dbs.len(),
            limits: self.load_limits(),
            key_delay: self.config.key_load_delay,
        }
    }
}

/// Receives the payload that follows +FULLRESYNC and decodes it, as `plan` says. Keys
/// whose TTL passed are kept: a replica waits for its master's DEL. The loading state
/// stays set for the caller, who clears it as it installs the dataset (or the link
/// task after a failure).
pub async fn receive_and_load(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    plan: &Plan,
) -> Result<Dataset, LinkFailed> {
    let end = payload::read_header(conn, shared, generation).await?;
    let target = if plan.to_disk { "to disk" } else { "to parser" };
    match &end {
        PayloadEnd::Mark(_) => log::log(
            Level::Notice,
            &format!(
                "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}"
            ),
        ),
        PayloadEnd::Length(length) => log::log(
            Level::Notice,
            &format!("MASTER <-> REPLICA sync: receiving {length} bytes from master {target}"),
        ),
    }
    if plan.to_disk {
        let size = receive_to_file(conn, shared, generation, plan, end).await?;
        load_file(conn, shared, generation, plan, size).await
    } else {
        super::socket_load::load(conn, shared, generation, plan, end).await
    }
}

/// Writes the payload to a temp file, then renames it over dump.rdb; returns its size.
async fn receive_to_file(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    plan: &Plan,
    end: PayloadEnd,
) -> Result<u64, LinkFailed> {
    let temp_name = format!("temp-{}.{}.rdb", Server::now_secs(), std::process::id());
    let mut file = TempFile::create(&plan.rdb_path, &temp_name).map_err(|e| {
        log_file_error(plan, &e);
        LinkFailed
    })?;
    let mut reader = PayloadReader::new(end);
    let mut size = 0u64;
    loop {
        match reader.next(conn, shared, generation).await {
            Ok(Some(bytes)) => {
                file.write(&bytes).map_err(|e| {
                    log_file_error(plan, &e);
                    LinkFailed
                })?;
                size += bytes.len() as u64;
            }
            Ok(None) => break,
            Err(Cut::Io(why)) => {
                log::log(
                    Level::Warning,
                    &format!("I/O error trying to sync with MASTER: {why}"),
                );
                return Err(LinkFailed);
            }
            Err(Cut::Replaced) => return Err(LinkFailed),
        }
    }
    // The fsyncs may take a while: off the runtime's threads.
    let committed = tokio::task::spawn_blocking(move || file.commit())
        .await
        .map_err(|_| LinkFailed)?;
    committed.map_err(|e| {
        log_file_error(plan, &e);
        LinkFailed
    })?;
    Ok(size)
}

fn log_file_error(plan: &Plan, e: &crate::persistence::file::WriteError) {
    let why = error_text(&e.error);
    let path = plan.rdb_path.display();
    let line = match e.step {
        "open" => {
            format!("Opening the temp file needed for MASTER <-> REPLICA synchronization: {why}")
        }
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
}

/// Empties the dataset and decodes dump.rdb (just received) off the lock.
async fn load_file(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    plan: &Plan,
    size: u64,
) -> Result<Dataset, LinkFailed> {
    let progress = begin_load(shared, generation, plan, size).await?;
    let stop = StopOnDrop::default();
    let job = LoadJob::new(plan, progress, Arc::clone(&stop.0));
    let path = plan.rdb_path.clone();
    let decoded = with_keepalive(
        conn,
        tokio::task::spawn_blocking(move || job.decode_file(&path)),
    )
    .await;
    if plan.delete_file {
        log::log(
            Level::Notice,
            "Removing the RDB file obtained from the master. This replica has persistence disabled",
        );
        let _ = std::fs::remove_file(&plan.rdb_path);
    }
    match decoded {
        Ok(Ok(loaded)) => Ok(dataset_keeping_expired(loaded)),
        Ok(Err(why)) => {
            log::log(
                Level::Warning,
                &format!("Failed trying to load the MASTER synchronization DB from disk: {why}"),
            );
            Err(LinkFailed)
        }
        Err(_) => Err(LinkFailed),
    }
}

/// Marks the load as under way, after emptying the dataset unless it is to be swapped
/// (Redis's steps between the end of the transfer and `rdbLoad`); returns the counter
/// of decoded bytes INFO reads.
pub(super) async fn begin_load(
    shared: &Arc<Shared>,
    generation: u64,
    plan: &Plan,
    total_bytes: u64,
) -> Result<Arc<AtomicU64>, LinkFailed> {
    let mut server = shared.lock_async().await;
    if server.replication.generation != generation {
        return Err(LinkFailed);
    }
    Ok(server.begin_sync_load(plan, total_bytes))
}

impl Server {
    fn begin_sync_load(&mut self, plan: &Plan, total_bytes: u64) -> Arc<AtomicU64> {
        // The AOF and a dump in progress describe the old dataset (Redis stops the AOF
        // and kills a saving child here; the AOF restarts after a successful sync).
        if self.aof.is_enabled() {
            self.stop_aof();
        }
        self.cancel_bgsave();
        if !plan.swapdb {
            self.attach_to_new_master();
            log::log(Level::Notice, "MASTER <-> REPLICA sync: Flushing old data");
            self.empty_for_sync();
        }
        log::log(
            Level::Notice,
            "MASTER <-> REPLICA sync: Loading DB in memory",
        );
        let progress = Arc::new(AtomicU64::new(0));
        self.persistence.loading = Some(Loading::starting(total_bytes, Arc::clone(&progress)));
        self.replication.loading = true;
        self.replication.async_loading = plan.async_loading;
        progress
    }

    /// The dataset is about to become the master's: the history we could have continued
    /// partially is gone, and our own replicas must synchronize again (Redis's
    /// `replicationAttachToNewMaster`).
    fn attach_to_new_master(&mut self) {
        if self.replication.cached.take().is_some() {
            log::log(Level::Notice, "Discarding previously cached master state.");
        }
        self.drop_replicas_and_backlog();
    }

    /// Empties every database and the function libraries, as a flush does (Redis's
    /// `emptyData`), in the background with replica-lazy-flush.
    fn empty_for_sync(&mut self) {
        let now = crate::clock::unix_ms();
        for db in 0..self.dbs.len() {
            self.touch_all_watched_keys_in_db(db, None, now);
        }
        self.tracking_invalidate_all();
        let lazy = self.config.replica_lazy_flush;
        let mut old = Vec::new();
        let mut keys = 0u64;
        for db in &mut self.dbs {
            let count = db.len() as u64;
            if lazy && count > 0 && !db.snapshot_active() {
                keys += count;
                old.push(std::mem::take(db));
            } else {
                db.clear();
            }
        }
        if !old.is_empty() {
            self.lazyfree.free_dbs(old, keys);
        }
        self.scripting.libraries.clear_keeping_engine();
    }

    /// The load of a payload ended, either way: clients are served as usual again.
    pub fn end_sync_load(&mut self) {
        if std::mem::take(&mut self.replication.loading) {
            self.persistence.loading = None;
        }
        self.replication.async_loading = false;
    }
}

/// Set when the load is abandoned, so the decoding thread stops sleeping per key
/// (key-load-delay) and winds down quickly.
#[derive(Debug, Default)]
pub(super) struct StopOnDrop(pub Arc<AtomicBool>);

impl StopOnDrop {
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a decoding thread needs.
pub(super) struct LoadJob {
    databases: usize,
    limits: LoadLimits,
    key_delay: i32,
    progress: Arc<AtomicU64>,
    stopped: Arc<AtomicBool>,
}

impl LoadJob {
    pub fn new(plan: &Plan, progress: Arc<AtomicU64>, stopped: Arc<AtomicBool>) -> LoadJob {
        LoadJob {
            databases: plan.databases,
            limits: plan.limits.clone(),
            key_delay: plan.key_delay,
            progress,
            stopped,
        }
    }

    /// A decoder into the plan's databases, under its limits.
    pub fn decoder(&self) -> StreamDecoder {
        StreamDecoder::new(self.databases, self.limits.clone())
    }

    /// After each key: the progress INFO shows, and key-load-delay.
    pub fn on_key(&self, decoded: u64) {
        self.progress.store(decoded, Ordering::Relaxed);
        if !self.stopped.load(Ordering::Relaxed) {
            crate::persistence::load::sleep_per_key(self.key_delay);
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Decodes the file at `path` a chunk at a time.
    fn decode_file(&self, path: &std::path::Path) -> Result<Loaded, String> {
        let mut file = std::fs::File::open(path).map_err(|e| error_text(&e))?;
        let mut decoder = self.decoder();
        let mut on_key = |at: u64| self.on_key(at);
        let mut chunk = vec![0u8; FILE_CHUNK];
        loop {
            if self.is_stopped() {
                return Err("loading abandoned".into());
            }
            let n = file.read(&mut chunk).map_err(|e| error_text(&e))?;
            if n == 0 {
                break;
            }
            decoder
                .feed(chunk.get(..n).unwrap_or_default(), &mut on_key)
                .map_err(|e| rdb_error_text(&e))?;
        }
        decoder.finish(&mut on_key).map_err(|e| rdb_error_text(&e))
    }
}

/// An RDB decoding error in the words of Redis's loader.
pub(super) fn rdb_error_text(e: &RdbError) -> String {
    match e {
        RdbError::BadChecksum => "RDB CRC error".to_string(),
        RdbError::Truncated => "Unexpected EOF reading RDB file".to_string(),
        other => other.to_string(),
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
    /// background with replica-lazy-flush or swapdb), WATCHed keys and tracked keys are
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
        // The AOF describes the old dataset: it stops here (if the load did not stop it
        // already) and starts again from a rewrite of the new one (Redis's
        // stopAppendOnly / restartAOFAfterSYNC).
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
        self.attach_to_new_master();
        self.cancel_bgsave();
        let count = self.dbs.len();
        let old = std::mem::replace(&mut self.dbs, (0..count).map(|_| Db::new()).collect());
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
