//! RDB persistence: SAVE, the fork-less BGSAVE, save points, loading at start-up and
//! DEBUG RELOAD, and the INFO persistence fields they feed.
//!
//! Files by concern: `file` (a temp file that becomes the real one only when complete:
//! fsync, rename, fsync of the directory), `save` (the whole keyspace written at once,
//! for SAVE, SHUTDOWN and FLUSHALL), `bgsave` (BGSAVE: every database's capture walked in
//! slices by a thread of its own while commands go on, see `storage::db_snapshot`),
//! `load` (dump.rdb into fresh databases, at start-up and for DEBUG RELOAD) and
//! `schedule` (save points and a scheduled BGSAVE, from the cron). The RDB format itself
//! is the storage crate's (`scarlet_storage::rdb`).

pub mod aof;
pub mod bgsave;
pub mod file;
pub mod load;
pub mod save;
pub mod schedule;

use std::path::PathBuf;

use crate::server::Server;

pub use bgsave::BgSave;
pub use load::Loading;

/// How long after a failed BGSAVE the save points may try again (CONFIG_BGSAVE_RETRY_DELAY).
pub const BGSAVE_RETRY_DELAY_SECS: i64 = 5;

/// What persistence remembers between saves (INFO persistence).
#[derive(Debug)]
pub struct Persistence {
    /// Unix seconds of the last successful save (LASTSAVE); start-up counts as one.
    pub lastsave: i64,
    /// Whether the last save (foreground or background) succeeded.
    pub last_save_ok: bool,
    /// Unix seconds of the last BGSAVE attempt.
    pub last_bgsave_try: i64,
    /// How long the last BGSAVE took, in seconds (-1 before any).
    pub last_bgsave_secs: i64,
    /// The BGSAVE under way.
    pub bgsave: Option<BgSave>,
    /// A BGSAVE asked for while it could not start (BGSAVE SCHEDULE, inside EXEC).
    pub bgsave_scheduled: bool,
    /// What the last BGSAVE wrote early because keys changed (INFO rdb_last_cow_size).
    pub last_copied_bytes: u64,
    /// The same for the last AOF rewrite (INFO aof_last_cow_size).
    pub last_copied_bytes_aof: u64,
    /// SAVE and BGSAVE runs started (INFO `rdb_saves`).
    pub saves: u64,
    /// Jobs handed out so far, so a cancelled BGSAVE's thread knows it is stale.
    pub jobs: u64,
    /// The load under way at start-up.
    pub loading: Option<Loading>,
    /// Keys the last load kept and dropped as expired.
    pub last_load_keys_loaded: u64,
    /// See `last_load_keys_loaded`.
    pub last_load_keys_expired: u64,
}

impl Persistence {
    /// The state at start-up: Redis considers the dataset saved at that moment.
    pub fn new(now_secs: i64) -> Persistence {
        Persistence {
            lastsave: now_secs,
            last_save_ok: true,
            last_bgsave_try: 0,
            last_bgsave_secs: -1,
            bgsave: None,
            bgsave_scheduled: false,
            last_copied_bytes: 0,
            last_copied_bytes_aof: 0,
            saves: 0,
            jobs: 0,
            loading: None,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
        }
    }
}

impl Server {
    /// Where dump.rdb lives: `dbfilename` inside `dir` (absolute, so servers sharing a
    /// process, as tests do, never depend on the working directory).
    pub fn rdb_path(&self) -> PathBuf {
        self.config.dir.join(&self.config.dbfilename)
    }

    /// True when writes must be refused because the last background save failed
    /// (stop-writes-on-bgsave-error with save points configured), as Redis's MISCONF.
    pub fn writes_refused_by_failed_save(&self) -> bool {
        self.config.stop_writes_on_bgsave_error
            && !self.config.save.is_empty()
            && !self.persistence.last_save_ok
    }

    /// Why writes are refused because of the disk, if they are (Redis's
    /// writeCommandsDeniedByDiskError): a failed background save, then a failed AOF
    /// write or fsync.
    pub fn disk_error(&self) -> Option<crate::error::CmdError> {
        if self.writes_refused_by_failed_save() {
            return Some(crate::error::CmdError::Misconf);
        }
        self.aof_write_error()
            .map(crate::error::CmdError::MisconfAof)
    }
}
