//! The append-only file, Redis 7.0's multi-part layout: a directory (`appenddirname`)
//! holding a base file (an RDB image or commands), incremental files of commands
//! appended since, and the manifest that lists them.
//!
//! Propagated commands (`propagate.rs`) are encoded into [`Aof::buf`]; the buffer is
//! written to the current incremental file at the end of every batch, before its replies
//! leave (`write.rs`), fsynced there with `appendfsync always`, once a second by a thread
//! of its own with `everysec`. BGREWRITEAOF (`rewrite.rs`) opens a new incremental file
//! and writes a new base from the same fork-less capture BGSAVE uses; when it is done the
//! manifest moves the old files to history and deletes them. `load.rs` finds the files
//! at start-up (upgrading a pre-7.0 AOF) and opens the AOF for appending; `replay.rs`
//! runs them back into the dataset, at start-up and for DEBUG LOADAOF.

pub mod load;
pub mod replay;
pub mod rewrite;
pub mod write;

use std::fs::File;
use std::path::PathBuf;

use scarlet_protocol::Args;
use scarlet_storage::aof::Manifest;

use crate::server::Server;

/// A failure that was already logged with Redis's wording (the caller only decides
/// whether to go on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logged;

/// Redis's `aof_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AofState {
    /// appendonly no.
    #[default]
    Off,
    /// Appending.
    On,
    /// Turned on at runtime: appending to a temporary file until the first rewrite
    /// gives it a base.
    WaitRewrite,
}

/// The AOF's state.
#[derive(Debug, Default)]
pub struct Aof {
    /// Whether commands are appended.
    pub state: AofState,
    /// Encoded commands not written yet.
    pub buf: Vec<u8>,
    /// The database the last appended command applies to (a SELECT precedes a change).
    selected_db: Option<usize>,
    /// The last `#TS:` annotation written (aof-timestamp-enabled), unix seconds.
    last_timestamp: i64,
    /// The incremental file being appended to.
    pub file: Option<File>,
    /// The files that make up the AOF.
    pub manifest: Manifest,
    /// Bytes of the whole AOF (base and incremental files) and of the current
    /// incremental file (INFO aof_current_size, the truncation point after a short
    /// write).
    pub current_size: u64,
    /// See `current_size`.
    pub incr_size: u64,
    /// The size right after the last rewrite (INFO aof_base_size), the reference of
    /// auto-aof-rewrite-percentage.
    pub base_size: u64,
    /// Bytes of the incremental file known to be on disk.
    pub fsynced_size: u64,
    /// Unix seconds of the last fsync asked for (everysec).
    pub last_fsync_secs: i64,
    /// The background fsync thread (everysec).
    pub fsyncer: Option<write::Fsyncer>,
    /// Whether the last write failed (writes are refused with -MISCONF until one works).
    pub last_write_failed: Option<String>,
    /// The rewrite under way.
    pub rewrite: Option<rewrite::Rewrite>,
    /// A rewrite asked for while another background job ran.
    pub rewrite_scheduled: bool,
    /// INFO counters.
    pub stats: AofStats,
    /// The AOF is being replayed (keys do not expire meanwhile).
    pub loading: bool,
    /// DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write (a test knob that
    /// widens the window between a write and its reply).
    pub flush_sleep_us: u64,
    /// Since when (unix seconds) a write waits for a slow background fsync.
    pub postponed_since: Option<i64>,
    /// When a write error was last logged (at most one line per 30 seconds).
    pub last_error_log: i64,
    /// The back-off of automatic rewrites after repeated failures.
    pub limit: RewriteLimit,
}

/// When automatic rewrites may try again after failing repeatedly.
#[derive(Debug, Default)]
pub struct RewriteLimit {
    /// Unix seconds of the next allowed try (0: none pending).
    pub next_time: i64,
    /// The current delay.
    pub delay_minutes: i64,
}

/// What INFO persistence reports about past rewrites and writes.
#[derive(Debug, Default)]
pub struct AofStats {
    /// Rewrites started (aof_rewrites).
    pub rewrites: u64,
    /// Rewrites that failed in a row (aof_rewrites_consecutive_failures).
    pub consecutive_failures: u64,
    /// Whether the last rewrite succeeded.
    pub last_rewrite_failed: bool,
    /// How long the last rewrite took (-1 before any).
    pub last_rewrite_secs: Option<u64>,
    /// Writes done without waiting for a slow fsync (aof_delayed_fsync).
    pub delayed_fsync: u64,
}

impl Aof {
    /// Whether propagated commands go to the AOF.
    pub fn is_enabled(&self) -> bool {
        self.state != AofState::Off
    }

    /// Appends a command to the buffer, after the SELECT (and the timestamp annotation)
    /// it needs (Redis's `feedAppendOnlyFile`).
    pub fn feed(&mut self, db: usize, argv: Args<'_>, now_ms: i64, timestamps: bool) {
        let now_secs = now_ms / 1000;
        if timestamps && now_secs > self.last_timestamp {
            self.last_timestamp = now_secs;
            self.buf
                .extend_from_slice(format!("#TS:{now_secs}\r\n").as_bytes());
        }
        if self.selected_db != Some(db) {
            let index = db.to_string();
            let select: scarlet_protocol::OwnedArgs =
                [&b"SELECT"[..], index.as_bytes()].into_iter().collect();
            crate::propagate::encode_command(&mut self.buf, select.args());
            self.selected_db = Some(db);
        }
        crate::propagate::encode_command(&mut self.buf, argv);
    }

    /// Background fsyncs asked for and not done (INFO aof_pending_bio_fsync).
    pub fn pending_fsyncs(&self) -> u64 {
        self.fsyncer.as_ref().map_or(0, write::Fsyncer::pending)
    }

    /// The next command appended starts with a SELECT (a new file begins).
    pub fn forget_selected_db(&mut self) {
        self.selected_db = None;
    }
}

impl Server {
    /// Whether propagated commands are appended now: always while on; while waiting for
    /// a first base, only once its rewrite runs (what came before is in the base).
    pub fn aof_accepts_commands(&self) -> bool {
        match self.aof.state {
            AofState::Off => false,
            AofState::On => true,
            AofState::WaitRewrite => {
                self.background_save_running(crate::persistence::bgsave::Purpose::AofBase)
            }
        }
    }

    /// The AOF directory: `appenddirname` inside `dir`.
    pub fn aof_dir(&self) -> PathBuf {
        self.config.dir.join(&self.config.appenddirname)
    }

    /// Creates the AOF directory if missing (the failure logged as Redis logs it).
    pub fn create_aof_dir(&self) -> Result<(), Logged> {
        std::fs::create_dir_all(self.aof_dir()).map_err(|e| {
            crate::log::log(
                crate::log::Level::Warning,
                &format!(
                    "Can't open or create append-only dir {}: {}",
                    self.config.appenddirname,
                    crate::reconfigure::os_error_text(&e)
                ),
            );
            Logged
        })
    }

    /// A file of the AOF directory.
    pub fn aof_file_path(&self, name: &[u8]) -> PathBuf {
        use std::os::unix::ffi::OsStrExt;
        self.aof_dir().join(std::ffi::OsStr::from_bytes(name))
    }

    /// `appendfilename` as the manifest's names are built from it.
    pub fn aof_name(&self) -> &[u8] {
        self.config.appendfilename.as_bytes()
    }
}
