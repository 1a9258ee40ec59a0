//! BGREWRITEAOF: a new base file without fork, Redis 7.0's multi-part way.
//!
//! Starting a rewrite writes out the buffer, opens a new incremental file (listed in the
//! manifest at once, so commands from now on are safe whatever happens to the rewrite)
//! and starts a background save of the dataset as it is at this instant into a temp file
//! (`bgsave.rs`, with the `aof-base` marker). When the save is complete the temp file
//! becomes the next base, the older base and incremental files move to the manifest's
//! history, and history files are deleted. With `appendonly` turned on at runtime the
//! commands wait in a temp incremental file until the first base exists.

use std::path::Path;
use std::time::Instant;

use scarlet_storage::aof::Manifest;
use scarlet_storage::aof::manifest::{AofInfo, names};

use super::{AofState, Logged};
use crate::log::{self, Level};
use crate::persistence::bgsave::{NotStarted, Purpose};
use crate::persistence::file::fsync_dir;
use crate::server::Server;

/// The rewrite under way.
#[derive(Debug)]
pub struct Rewrite {
    /// When it started (INFO aof_current_rewrite_time_sec).
    pub started: Instant,
}

/// Why a rewrite did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewriteError {
    /// Another background save runs.
    Busy,
    /// Files could not be created (logged).
    Failed,
}

impl Server {
    /// Starts a rewrite (Redis's rewriteAppendOnlyFileBackground).
    pub fn start_aof_rewrite(&mut self) -> Result<(), RewriteError> {
        if self.persistence.bgsave.is_some() {
            return Err(RewriteError::Busy);
        }
        if self.create_aof_dir().is_err() {
            self.aof.stats.last_rewrite_failed = true;
            return Err(RewriteError::Failed);
        }
        self.aof.forget_selected_db();
        self.flush_aof(true);
        if self.open_new_incr_file().is_err() {
            self.aof.stats.last_rewrite_failed = true;
            return Err(RewriteError::Failed);
        }
        let temp = self
            .config
            .dir
            .join(names::temp_rewrite_done(std::process::id()));
        match self.start_background_save(Purpose::AofBase, temp) {
            Ok(()) => {}
            Err(NotStarted::InProgress) => return Err(RewriteError::Busy),
            Err(NotStarted::Failed) => {
                self.aof.stats.last_rewrite_failed = true;
                self.aof.stats.consecutive_failures += 1;
                return Err(RewriteError::Failed);
            }
        }
        self.aof.stats.rewrites += 1;
        self.aof.rewrite = Some(Rewrite {
            started: Instant::now(),
        });
        Ok(())
    }

    /// Switches appending to a new incremental file (Redis's openNewIncrAofForAppend):
    /// listed in the manifest right away, or a temp file while waiting for a first base.
    fn open_new_incr_file(&mut self) -> Result<(), Logged> {
        if self.aof.state == AofState::Off {
            return Ok(());
        }
        let mut manifest = self.aof.manifest.clone();
        let name = if self.aof.state == AofState::WaitRewrite {
            names::temp_incr(self.aof_name())
        } else {
            manifest.new_incr(self.aof_name())
        };
        let file = match open_for_append(&self.aof_file_path(&name), true) {
            Ok(file) => file,
            Err(e) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "Can't open the append-only file {}: {}",
                        String::from_utf8_lossy(&name),
                        crate::reconfigure::os_error_text(&e)
                    ),
                );
                return Err(Logged);
            }
        };
        if self.aof.state == AofState::On {
            self.persist_manifest(&manifest)?;
            self.aof.manifest = manifest;
        }
        log::log(
            Level::Notice,
            &format!(
                "Creating AOF incr file {} on background rewrite",
                String::from_utf8_lossy(&name)
            ),
        );
        // The old file's data is already written; fsync it before letting it go.
        if let Some(old) = self.aof.file.replace(file) {
            let _ = old.sync_data();
        }
        self.aof.incr_size = 0;
        self.aof.fsynced_size = 0;
        Ok(())
    }

    /// The rewrite's save finished (Redis's backgroundRewriteDoneHandler).
    pub(crate) fn aof_rewrite_done(&mut self, saved: bool, temp: &Path, secs: u64) {
        self.aof.rewrite = None;
        self.aof.stats.last_rewrite_secs = Some(secs);
        let installed = saved && self.install_new_base(temp).is_ok();
        if saved && installed {
            self.aof.stats.last_rewrite_failed = false;
            self.aof.stats.consecutive_failures = 0;
            log::log(
                Level::Notice,
                "Background AOF rewrite finished successfully",
            );
            if self.aof.state == AofState::WaitRewrite {
                self.aof.state = AofState::On;
            }
        } else {
            if !saved {
                log::log(
                    Level::Warning,
                    "Background AOF rewrite terminated with error",
                );
            }
            self.aof.stats.last_rewrite_failed = true;
            self.aof.stats.consecutive_failures += 1;
        }
        let _ = std::fs::remove_file(temp);
        if self.aof.state == AofState::WaitRewrite {
            // Start over: the next rewrite opens a fresh temp file.
            self.aof.buf.clear();
            self.aof.file = None;
            let _ = std::fs::remove_file(self.aof_file_path(&names::temp_incr(self.aof_name())));
            self.aof.rewrite_scheduled = true;
        }
    }

    /// Makes the temp file the new base and records it in the manifest; on failure the
    /// manifest is unchanged.
    fn install_new_base(&mut self, temp: &Path) -> Result<(), Logged> {
        log::log(
            Level::Notice,
            "Background AOF rewrite terminated with success",
        );
        let mut manifest = self.aof.manifest.clone();
        let base_name = manifest.new_base(self.aof_name(), self.config.aof_use_rdb_preamble);
        let base_path = self.aof_file_path(&base_name);
        let base_shown = String::from_utf8_lossy(&base_name).into_owned();
        let temp_name = temp
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Err(e) = std::fs::rename(temp, &base_path) {
            log::log(
                Level::Warning,
                &format!(
                    "Error trying to rename the temporary AOF base file {temp_name} into {}: {}",
                    base_path.display(),
                    crate::reconfigure::os_error_text(&e)
                ),
            );
            return Err(Logged);
        }
        log::log(
            Level::Notice,
            &format!(
                "Successfully renamed the temporary AOF base file {temp_name} into {base_shown}"
            ),
        );
        let mut new_incr_path = None;
        if self.aof.state == AofState::WaitRewrite {
            let temp_incr = names::temp_incr(self.aof_name());
            let incr_name = manifest.new_incr(self.aof_name());
            let incr_path = self.aof_file_path(&incr_name);
            if let Err(e) = std::fs::rename(self.aof_file_path(&temp_incr), &incr_path) {
                log::log(
                    Level::Warning,
                    &format!(
                        "Error trying to rename the temporary AOF incr file {} into {}: {}",
                        self.aof_file_path(&temp_incr).display(),
                        incr_path.display(),
                        crate::reconfigure::os_error_text(&e)
                    ),
                );
                let _ = std::fs::remove_file(&base_path);
                return Err(Logged);
            }
            log::log(
                Level::Notice,
                &format!(
                    "Successfully renamed the temporary AOF incr file {} into {}",
                    String::from_utf8_lossy(&temp_incr),
                    String::from_utf8_lossy(&incr_name)
                ),
            );
            new_incr_path = Some(incr_path);
        }
        manifest.mark_rewritten_incrs_as_history(self.aof.state != AofState::Off);
        if self.persist_manifest(&manifest).is_err() {
            let _ = std::fs::remove_file(&base_path);
            if let Some(path) = new_incr_path {
                let _ = std::fs::remove_file(path);
            }
            return Err(Logged);
        }
        self.aof.manifest = manifest;
        let base_size = std::fs::metadata(&base_path).map_or(0, |m| m.len());
        self.aof.current_size = base_size + self.aof.incr_size;
        self.aof.base_size = self.aof.current_size;
        self.delete_aof_history();
        Ok(())
    }

    /// Writes the manifest (temp file, fsync, rename, fsync of the directory: Redis's
    /// persistAofManifest).
    pub fn persist_manifest(&self, manifest: &Manifest) -> Result<(), Logged> {
        let name = names::manifest(self.aof_name());
        let path = self.aof_file_path(&name);
        let temp = self.aof_file_path(&names::temp_manifest(self.aof_name()));
        let written = std::fs::write(&temp, manifest.to_bytes(scarlet_protocol::splitargs::repr))
            .and_then(|()| std::fs::File::open(&temp)?.sync_all())
            .and_then(|()| std::fs::rename(&temp, &path))
            .and_then(|()| fsync_dir(&self.aof_dir()));
        if let Err(e) = written {
            log::log(
                Level::Warning,
                &format!(
                    "Can't persist the AOF manifest file {}: {}",
                    String::from_utf8_lossy(&name),
                    crate::reconfigure::os_error_text(&e)
                ),
            );
            let _ = std::fs::remove_file(&temp);
            return Err(Logged);
        }
        Ok(())
    }

    /// Deletes the manifest's history files (unless aof-disable-auto-gc) and forgets
    /// them (Redis's aofDelHistoryFiles).
    pub fn delete_aof_history(&mut self) {
        if self.config.aof_disable_auto_gc || self.aof.manifest.history.is_empty() {
            return;
        }
        let mut manifest = self.aof.manifest.clone();
        let history: Vec<AofInfo> = manifest.take_history();
        if self.persist_manifest(&manifest).is_err() {
            return;
        }
        for info in history {
            log::log(
                Level::Notice,
                &format!(
                    "Removing the history file {} in the background",
                    String::from_utf8_lossy(&info.name)
                ),
            );
            let _ = std::fs::remove_file(self.aof_file_path(&info.name));
        }
        self.aof.manifest = manifest;
    }

    /// The cron's part: a scheduled rewrite when nothing else runs, and the automatic
    /// rewrite when the AOF grew by auto-aof-rewrite-percentage over its last base.
    pub fn check_aof_rewrite(&mut self) {
        if self.persistence.bgsave.is_some() || self.persistence.loading.is_some() {
            return;
        }
        if self.aof.rewrite_scheduled {
            self.aof.rewrite_scheduled = false;
            if self.start_aof_rewrite().is_err() {
                self.aof.rewrite_scheduled = self.aof.state == AofState::WaitRewrite;
            }
            return;
        }
        let percentage = u64::from(self.config.auto_aof_rewrite_percentage);
        if self.aof.state != AofState::On
            || percentage == 0
            || self.aof.current_size <= self.config.auto_aof_rewrite_min_size
        {
            return;
        }
        let base = self.aof.base_size.max(1);
        let growth = (self.aof.current_size.saturating_mul(100) / base).saturating_sub(100);
        if growth >= percentage && !self.aof_rewrite_limited() {
            log::log(
                Level::Notice,
                &format!("Starting automatic rewriting of AOF on {growth}% growth"),
            );
            let _ = self.start_aof_rewrite();
        }
    }

    /// After three failures in a row, automatic rewrites wait 1, 2, 4... up to 60
    /// minutes between tries (Redis's aofRewriteLimited).
    fn aof_rewrite_limited(&mut self) -> bool {
        const THRESHOLD: u64 = 3;
        const MAX_MINUTES: i64 = 60;
        let now = crate::clock::unix_ms() / 1000;
        let limit = &mut self.aof.limit;
        if self.aof.stats.consecutive_failures < THRESHOLD {
            *limit = Default::default();
            return false;
        }
        if limit.next_time != 0 {
            if now < limit.next_time {
                return true;
            }
            limit.next_time = 0;
            return false;
        }
        limit.delay_minutes = if limit.delay_minutes == 0 {
            1
        } else {
            (limit.delay_minutes * 2).min(MAX_MINUTES)
        };
        limit.next_time = now + limit.delay_minutes * 60;
        log::log(
            Level::Warning,
            &format!(
                "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
                limit.delay_minutes
            ),
        );
        true
    }
}

impl Server {
    /// CONFIG SET appendonly yes (Redis's startAppendOnly): commands are appended to a
    /// temp file until a rewrite has written the first base.
    pub fn start_aof(&mut self) -> Result<(), String> {
        const FAILED: &str = "Unable to turn on AOF. Check server logs.";
        self.aof.state = AofState::WaitRewrite;
        if self.rdb_save_running() {
            self.aof.rewrite_scheduled = true;
            log::log(
                Level::Warning,
                "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.",
            );
        } else {
            self.cancel_aof_base_save();
            self.aof.rewrite = None;
            if self.start_aof_rewrite().is_err() {
                self.aof.state = AofState::Off;
                self.aof.file = None;
                log::log(
                    Level::Warning,
                    "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
                );
                return Err(FAILED.into());
            }
        }
        self.aof.last_fsync_secs = crate::clock::unix_ms() / 1000;
        Ok(())
    }

    /// CONFIG SET appendonly no (Redis's stopAppendOnly): the buffer is written and
    /// fsynced, a rewrite under way is abandoned.
    pub fn stop_aof(&mut self) {
        self.flush_aof(true);
        self.fsync_aof_now();
        self.aof.file = None;
        self.aof.forget_selected_db();
        self.aof.state = AofState::Off;
        self.aof.rewrite_scheduled = false;
        self.aof.incr_size = 0;
        self.aof.fsynced_size = 0;
        if self.background_save_running(Purpose::AofBase) {
            self.cancel_aof_base_save();
            self.aof.rewrite = None;
        }
        self.aof.buf = Vec::new();
    }
}

impl Server {
    /// What a base in command form starts with: the timestamp annotation
    /// (aof-timestamp-enabled) and the function libraries.
    pub fn write_aof_base_header(&self, out: &mut Vec<u8>) {
        if self.config.aof_timestamp_enabled {
            let now = crate::clock::unix_ms() / 1000;
            out.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
        }
        for code in self.library_sources() {
            scarlet_storage::aof::rewrite::write_function_load(out, code);
        }
    }
}

/// Opens `path` for appending (`truncate`: empty it first).
pub fn open_for_append(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    options.open(path)
}
