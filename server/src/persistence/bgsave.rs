//! BGSAVE without fork: a point-in-time dump.rdb written while clients keep working.
//!
//! Starting a BGSAVE starts a capture on every non-empty database (see the storage
//! crate's `db_snapshot`: keys are written before their first change, so the image is
//! the dataset at this instant) and a thread that loops: take the server lock, walk the
//! captures for about a millisecond, let go, append what came out to a temp file. The
//! file gets EOF and its CRC-64, is fsynced and renamed over dump.rdb, and the thread
//! reports back under the lock (Redis's backgroundSaveDoneHandler). Clients wait at
//! most one slice for the lock; memory grows only by what changes during the walk.
//!
//! FLUSHALL and SHUTDOWN cancel it (Redis kills its child): the state is dropped at once
//! and the thread, finding its job gone, removes the temp file and stops.
//!
//! BGREWRITEAOF writes the AOF's new base the same way ([`Purpose::AofBase`]): one
//! background save runs at a time, as Redis runs one child.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scarlet_storage::SnapshotFormat;
use scarlet_storage::rdb::crc64::crc64;
use scarlet_storage::rdb::writer::{write_eof, write_functions, write_header};

use super::file::TempFile;
use crate::log::{self, Level};
use crate::server::{Server, Shared};

/// How long one slice may hold the server lock.
const SLICE: Duration = Duration::from_millis(1);
/// Entries a capture walks between clock checks.
const ENTRIES_PER_STEP: usize = 64;
/// A slice also ends once it has produced this much, to bound the buffer.
const SLICE_BYTES: usize = 4 << 20;

/// What a background save writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// dump.rdb (BGSAVE).
    Rdb,
    /// The AOF's new base file (BGREWRITEAOF).
    AofBase,
    /// The snapshot of a full synchronization, kept in memory for the replicas (sent
    /// with its length).
    ReplicaSync,
    /// The snapshot of a diskless full synchronization, handed to the replicas as it
    /// is produced (`repl-diskless-sync`, EOF-marked).
    ReplicaStream,
}

impl Purpose {
    /// Whether it writes an RDB image (what Redis's INFO and BGSAVE call an RDB child,
    /// replication's included).
    pub fn is_rdb(self) -> bool {
        self != Purpose::AofBase
    }
}

/// The background save under way.
#[derive(Debug)]
pub struct BgSave {
    /// What it writes.
    pub purpose: Purpose,
    /// Which job this is (a cancelled one's thread finds a different number or none).
    job: u64,
    /// Indices of the databases whose sections are still to come, in file order.
    pending: VecDeque<u64>,
    /// When it started.
    started: Instant,
    /// Keys in the dataset when it started, and walked so far (INFO
    /// current_save_keys_total / _processed).
    pub keys_total: u64,
    /// See `keys_total`.
    pub keys_processed: u64,
    /// Bytes of keys written early because they were about to change: what a fork
    /// would have copied on write (INFO current_cow_size).
    pub copied_bytes: u64,
    /// The change counter when it started: a success subtracts it.
    dirty_at_start: u64,
    /// Where the image goes once complete.
    pub target: std::path::PathBuf,
}

impl BgSave {
    /// Progress in percent (INFO current_fork_perc).
    pub fn progress_percent(&self) -> f64 {
        if self.keys_total == 0 {
            return 0.0;
        }
        self.keys_processed as f64 * 100.0 / self.keys_total as f64
    }

    /// Seconds since it started (INFO rdb_current_bgsave_time_sec).
    pub fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

/// Why BGSAVE did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotStarted {
    /// One is already running.
    InProgress,
    /// No thread could be started.
    Failed,
}

/// What one slice produced for the saving thread.
enum Slice {
    /// More bytes; `last` when the image is complete. `key_delay` is the
    /// rdb-key-save-delay in force (microseconds per key; negative: nanoseconds), read
    /// live so that CONFIG SET can speed a test's slow save up again.
    Bytes {
        bytes: Vec<u8>,
        visited: usize,
        last: bool,
        key_delay: i32,
    },
    /// The job was cancelled.
    Cancelled,
}

/// How the saving thread ended.
#[derive(PartialEq, Eq)]
enum Outcome {
    /// Written; the image itself when it was kept in memory.
    Saved(Option<Vec<u8>>),
    Failed,
}

/// Where a background save writes.
enum Sink {
    File(TempFile),
    Memory(Vec<u8>),
    /// Straight to the replicas of job `.1`.
    Replicas(Arc<Shared>, u64),
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), super::file::WriteError> {
        match self {
            Sink::File(file) => file.write(bytes),
            Sink::Memory(image) => {
                image.extend_from_slice(bytes);
                Ok(())
            }
            Sink::Replicas(shared, job) => {
                shared.lock().replica_snapshot_bytes(*job, bytes);
                Ok(())
            }
        }
    }

    /// Makes the file durable and puts it in place; hands back an image kept in memory.
    fn finish(self) -> Result<Option<Vec<u8>>, super::file::WriteError> {
        match self {
            Sink::File(file) => file.commit().map(|()| None),
            Sink::Memory(image) => Ok(Some(image)),
            Sink::Replicas(..) => Ok(None),
        }
    }
}

impl Server {
    /// Starts a BGSAVE (Redis's rdbSaveBackground).
    pub fn start_bgsave(&mut self) -> Result<(), NotStarted> {
        if self.persistence.bgsave.is_some() {
            return Err(NotStarted::InProgress);
        }
        self.persistence.saves += 1;
        let now_secs = crate::clock::unix_ms() / 1000;
        self.persistence.last_bgsave_try = now_secs;
        let result = self.start_background_save(Purpose::Rdb, self.rdb_path());
        if result.is_err() {
            self.persistence.last_save_ok = false;
        }
        result
    }

    /// Starts writing the dataset as it is now to `target` in the background.
    pub fn start_background_save(
        &mut self,
        purpose: Purpose,
        target: std::path::PathBuf,
    ) -> Result<(), NotStarted> {
        if self.persistence.bgsave.is_some() {
            return Err(NotStarted::InProgress);
        }
        let Some(shared) = self.me.upgrade() else {
            return Err(NotStarted::Failed);
        };
        let mut options = self.rdb_write_options();
        options.aof_base = purpose == Purpose::AofBase;
        // An AOF base without RDB preamble is the commands that recreate the dataset.
        let commands = purpose == Purpose::AofBase && !self.config.aof_use_rdb_preamble;
        let mut header = Vec::new();
        if commands {
            self.write_aof_base_header(&mut header);
        } else {
            write_header(&mut header, &options);
            write_functions(&mut header, &self.library_sources());
        }
        let format = if commands {
            SnapshotFormat::Commands
        } else {
            SnapshotFormat::Rdb {
                compress: options.compress,
            }
        };
        let mut pending = VecDeque::new();
        let mut keys_total = 0u64;
        for (index, db) in (0u64..).zip(self.dbs.iter_mut()) {
            keys_total += db.len() as u64;
            db.begin_snapshot_as(index, format);
            if db.snapshot_active() {
                pending.push_back(index);
            }
        }
        self.persistence.jobs += 1;
        let job = self.persistence.jobs;
        let thread = Job {
            shared,
            job,
            purpose,
            header,
            rdb: !commands,
            checksum: options.checksum,
            key_delay: self.config.rdb_key_save_delay,
            target: target.clone(),
            temp_name: format!("temp-{}-{job}.rdb", std::process::id()),
        };
        let spawned = std::thread::Builder::new()
            .name("bgsave".into())
            .spawn(move || thread.run());
        if spawned.is_err() {
            self.abort_captures();
            log::log(
                Level::Warning,
                "Can't save in background: thread spawn failed",
            );
            return Err(NotStarted::Failed);
        }
        self.persistence.bgsave = Some(BgSave {
            purpose,
            target,
            job,
            pending,
            started: Instant::now(),
            keys_total,
            keys_processed: 0,
            copied_bytes: 0,
            dirty_at_start: self.dirty,
        });
        let started = match purpose {
            Purpose::Rdb | Purpose::ReplicaSync | Purpose::ReplicaStream => {
                "Background saving started by pid"
            }
            Purpose::AofBase => "Background append only file rewriting started by pid",
        };
        log::log(Level::Notice, &format!("{started} {}", std::process::id()));
        Ok(())
    }

    /// Whether a background save of an RDB image runs (dump.rdb or a replica's).
    pub fn rdb_save_running(&self) -> bool {
        self.persistence
            .bgsave
            .as_ref()
            .is_some_and(|b| b.purpose.is_rdb())
    }

    /// Whether a background save for `purpose` runs.
    pub fn background_save_running(&self, purpose: Purpose) -> bool {
        self.persistence
            .bgsave
            .as_ref()
            .is_some_and(|b| b.purpose == purpose)
    }

    /// Cancels the BGSAVE under way, as Redis's killRDBChild (not an error: the last
    /// save status is kept). An AOF rewrite is left alone.
    pub fn cancel_bgsave(&mut self) {
        if self.background_save_running(Purpose::Rdb) {
            self.persistence.bgsave = None;
            self.abort_captures();
            log::log(Level::Warning, "Background saving terminated by signal 10");
        }
    }

    /// Cancels an AOF rewrite's save (Redis's killAppendOnlyChild).
    pub fn cancel_aof_base_save(&mut self) {
        if self.background_save_running(Purpose::AofBase) {
            self.persistence.bgsave = None;
            self.abort_captures();
            log::log(
                Level::Notice,
                &format!("Killing running AOF rewrite child: {}", std::process::id()),
            );
        }
    }

    fn abort_captures(&mut self) {
        for db in &mut self.dbs {
            db.abort_snapshot();
        }
    }

    /// One slice of job `job`'s walk.
    fn bgsave_slice(&mut self, job: u64, max_entries: usize) -> Slice {
        let Some(state) = self.persistence.bgsave.as_mut().filter(|s| s.job == job) else {
            return Slice::Cancelled;
        };
        let started = Instant::now();
        let mut bytes = Vec::new();
        let mut visited = 0usize;
        while let Some(&index) = state.pending.front() {
            // SWAPDB moves a capture along with its database: find it by its index.
            let db = self
                .dbs
                .iter_mut()
                .find(|db| db.snapshot_index() == Some(index));
            let Some(db) = db else {
                state.pending.pop_front();
                continue;
            };
            let chunk = db.snapshot_step(ENTRIES_PER_STEP.min(max_entries));
            bytes.extend_from_slice(&chunk.bytes);
            visited += chunk.visited;
            state.copied_bytes += chunk.copied as u64;
            if chunk.done {
                state.pending.pop_front();
            }
            if visited >= max_entries || started.elapsed() >= SLICE || bytes.len() >= SLICE_BYTES {
                break;
            }
        }
        state.keys_processed += visited as u64;
        Slice::Bytes {
            bytes,
            visited,
            last: state.pending.is_empty(),
            key_delay: self.config.rdb_key_save_delay,
        }
    }

    fn bgsave_is_current(&self, job: u64) -> bool {
        self.persistence
            .bgsave
            .as_ref()
            .is_some_and(|s| s.job == job)
    }

    /// The thread's report (Redis's backgroundSaveDoneHandlerDisk).
    fn bgsave_done(&mut self, job: u64, outcome: Outcome) {
        let Some(state) = self.persistence.bgsave.take_if(|s| s.job == job) else {
            return;
        };
        match (state.purpose, outcome) {
            (Purpose::AofBase, outcome) => {
                let secs = state.started.elapsed().as_secs();
                self.persistence.last_copied_bytes_aof = state.copied_bytes;
                let saved = matches!(outcome, Outcome::Saved(_));
                self.aof_rewrite_done(saved, &state.target, secs);
            }
            (Purpose::ReplicaSync | Purpose::ReplicaStream, Outcome::Saved(image)) => {
                self.replica_snapshot_done(job, Some(image.unwrap_or_default()));
            }
            (Purpose::ReplicaSync | Purpose::ReplicaStream, Outcome::Failed) => {
                self.replica_snapshot_done(job, None);
            }
            (Purpose::Rdb, outcome) => self.rdb_bgsave_done(&state, outcome),
        }
    }

    fn rdb_bgsave_done(&mut self, state: &BgSave, outcome: Outcome) {
        self.persistence.last_bgsave_secs =
            i64::try_from(state.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        self.persistence.last_copied_bytes = state.copied_bytes;
        match outcome {
            Outcome::Saved(_) => {
                log::log(Level::Notice, "Background saving terminated with success");
                self.dirty = self.dirty.saturating_sub(state.dirty_at_start);
                self.persistence.lastsave = crate::clock::unix_ms() / 1000;
                self.persistence.last_save_ok = true;
            }
            Outcome::Failed => {
                log::log(Level::Warning, "Background saving error");
                self.persistence.last_save_ok = false;
            }
        }
    }
}

/// Everything the saving thread needs.
struct Job {
    shared: Arc<Shared>,
    job: u64,
    purpose: Purpose,
    header: Vec<u8>,
    /// An RDB image (EOF and checksum at the end), not commands.
    rdb: bool,
    checksum: bool,
    /// rdb-key-save-delay when the save started (later slices report the current one).
    key_delay: i32,
    target: std::path::PathBuf,
    temp_name: String,
}

impl Job {
    fn run(self) {
        // None: cancelled, and the server already moved on.
        if let Some(outcome) = self.write() {
            self.shared.lock().bgsave_done(self.job, outcome);
        }
    }

    /// Writes the file; None when the job was cancelled meanwhile.
    fn write(&self) -> Option<Outcome> {
        let mut file = if self.purpose == Purpose::ReplicaSync {
            Sink::Memory(Vec::new())
        } else if self.purpose == Purpose::ReplicaStream {
            Sink::Replicas(Arc::clone(&self.shared), self.job)
        } else {
            match TempFile::create(&self.target, &self.temp_name) {
                Ok(file) => Sink::File(file),
                Err(e) => {
                    self.shared.lock().log_save_error(&self.temp_name, &e);
                    return Some(Outcome::Failed);
                }
            }
        };
        let mut crc = crc64(0, &self.header);
        let mut failure = file.write(&self.header).err();
        let mut key_delay = self.key_delay;
        while failure.is_none() {
            // With a per-key delay, walk one key at a time and sleep outside the lock.
            let max_entries = if key_delay == 0 { usize::MAX } else { 1 };
            let slice = self.shared.lock().bgsave_slice(self.job, max_entries);
            let Slice::Bytes {
                bytes,
                visited,
                last,
                key_delay: now_delay,
            } = slice
            else {
                return None;
            };
            key_delay = now_delay;
            crc = crc64(crc, &bytes);
            failure = file.write(&bytes).err();
            if !self.delay(key_delay, visited) {
                return None;
            }
            if last {
                break;
            }
        }
        if failure.is_none() && self.rdb {
            let mut tail = Vec::new();
            write_eof(&mut tail);
            crc = crc64(crc, &tail);
            let crc = if self.checksum { crc } else { 0 };
            tail.extend_from_slice(&crc.to_le_bytes());
            failure = file.write(&tail).err();
        }
        let finished = match failure {
            None => file.finish(),
            Some(e) => Err(e),
        };
        match finished {
            Ok(image) => {
                if self.purpose == Purpose::Rdb {
                    log::log(Level::Notice, "DB saved on disk");
                } else if self.purpose == Purpose::AofBase {
                    log::log(
                        Level::Notice,
                        &format!(
                            "Successfully created the temporary AOF base file {}",
                            self.target
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default()
                        ),
                    );
                }
                Some(Outcome::Saved(image))
            }
            Err(e) => {
                self.shared.lock().log_save_error(&self.temp_name, &e);
                Some(Outcome::Failed)
            }
        }
    }

    /// Sleeps `key_delay` per key, in pieces short enough to notice a cancellation
    /// (tests set delays of minutes, then cancel). False when the job was cancelled.
    fn delay(&self, key_delay: i32, keys: usize) -> bool {
        const PIECE: Duration = Duration::from_millis(50);
        let per_key = u64::from(key_delay.unsigned_abs());
        let total = per_key.saturating_mul(u64::try_from(keys).unwrap_or(u64::MAX));
        let mut left = match key_delay {
            0 => return true,
            d if d > 0 => Duration::from_micros(total),
            _ => Duration::from_nanos(total),
        };
        while left > PIECE {
            std::thread::sleep(PIECE);
            left -= PIECE;
            if !self.shared.lock().bgsave_is_current(self.job) {
                return false;
            }
        }
        std::thread::sleep(left);
        true
    }
}
