//! The AOF at start-up when `appendonly` is on (instead of dump.rdb), and DEBUG LOADAOF:
//! reading the manifest (Redis's aofLoadManifestFromDisk; an AOF from before 7.0,
//! `appendfilename` in `dir`, is moved into the directory first, as Redis upgrades it),
//! replaying the files (`replay.rs`), then opening the last incremental file for
//! appending, with a base written first when there were no files at all (Redis's
//! aofOpenIfNeededOnServerStart). Failures are logged; the server then stops, as Redis
//! refuses to run on half a dataset.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use scarlet_storage::aof::Manifest;
use scarlet_storage::aof::manifest::names;

use super::replay::{Locking, replay_aof};
use super::{AofState, Logged};
use crate::log::{self, Level};
use crate::reconfigure::os_error_text;
use crate::server::{Server, Shared};

/// The AOF loader's client id (Redis's CLIENT_ID_AOF is the largest id, which scripts
/// already use here).
pub const AOF_CLIENT_ID: u64 = u64::MAX - 1;

/// How loading one file or the whole AOF ended (Redis's AOF_* codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AofLoad {
    /// Loaded.
    Ok,
    /// There is no AOF.
    NotExist,
    /// The files are empty.
    Empty,
    /// Loaded up to a truncated tail, which was cut off.
    Truncated,
    /// A file could not be opened.
    OpenErr,
    /// Damaged, or a command failed to run.
    Failed,
}

impl AofLoad {
    /// Whether the server may go on with what was loaded.
    pub fn is_usable(self) -> bool {
        !matches!(self, AofLoad::OpenErr | AofLoad::Failed)
    }
}

impl Server {
    /// Reads the manifest at start-up, upgrading an old-style AOF (Redis's
    /// aofLoadManifestFromDisk and aofUpgradePrepare). Errors are logged; the server
    /// must then stop.
    pub fn load_aof_manifest(&mut self) -> Result<(), Logged> {
        let dir = self.aof_dir();
        let manifest_path = self.aof_file_path(&names::manifest(self.aof_name()));
        let mut manifest = Manifest::default();
        if manifest_path.exists() {
            let file = File::open(&manifest_path).map_err(|e| {
                log::log(
                    Level::Warning,
                    &format!(
                        "Fatal error: can't open the AOF manifest {} for reading: {}",
                        manifest_path.display(),
                        os_error_text(&e)
                    ),
                );
                Logged
            })?;
            manifest = Manifest::parse(BufReader::new(file), scarlet_protocol::split_args)
                .map_err(|e| {
                    for line in e.log_messages() {
                        log::log(Level::Warning, line.trim_end_matches('\n'));
                    }
                    Logged
                })?;
        }
        let old_style = self.config.dir.join(&self.config.appendfilename);
        let upgrade = old_style.is_file()
            && (!dir.is_dir()
                || (manifest.base.is_none() && manifest.incrs.is_empty())
                || (manifest.incrs.is_empty()
                    && manifest
                        .base
                        .as_ref()
                        .is_some_and(|b| b.name == self.aof_name())
                    && !dir.join(&self.config.appendfilename).exists()));
        if upgrade {
            self.create_aof_dir()?;
            manifest = Manifest::default();
            manifest.adopt_old_aof(self.aof_name());
            self.persist_manifest(&manifest)?;
            std::fs::rename(&old_style, dir.join(&self.config.appendfilename)).map_err(|e| {
                log::log(
                    Level::Warning,
                    &format!(
                        "Error trying to move the old AOF file {} into dir {}: {}",
                        self.config.appendfilename,
                        self.config.appenddirname,
                        os_error_text(&e)
                    ),
                );
                Logged
            })?;
            log::log(
                Level::Notice,
                &format!(
                    "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
                    self.config.appendfilename, self.config.appenddirname
                ),
            );
        }
        self.aof.manifest = manifest;
        Ok(())
    }

    /// Opens the AOF for appending after the start-up load (Redis's
    /// aofOpenIfNeededOnServerStart): a server starting without AOF files writes a base
    /// of what it has first. Errors are logged; the server must then stop.
    pub fn open_aof_at_startup(&mut self) -> Result<(), Logged> {
        self.create_aof_dir()?;
        let mut manifest = self.aof.manifest.clone();
        let plan = manifest.on_server_start(self.aof_name(), self.config.aof_use_rdb_preamble);
        if let Some(base) = &plan.new_base {
            self.write_base_now(&self.aof_file_path(base))?;
            log::log(
                Level::Notice,
                &format!(
                    "Creating AOF base file {} on server start",
                    String::from_utf8_lossy(base)
                ),
            );
        }
        let name = String::from_utf8_lossy(&plan.incr).into_owned();
        let path = self.aof_file_path(&plan.incr);
        let file = super::rewrite::open_for_append(&path, false).map_err(|e| {
            log::log(
                Level::Warning,
                &format!(
                    "Can't open the append-only file {name}: {}",
                    os_error_text(&e)
                ),
            );
            Logged
        })?;
        self.persist_manifest(&manifest)?;
        self.aof.manifest = manifest;
        self.aof.incr_size = file.metadata().map_or(0, |m| m.len());
        self.aof.fsynced_size = self.aof.incr_size;
        self.aof.file = Some(file);
        self.aof.state = AofState::On;
        self.aof.forget_selected_db();
        let verb = if plan.incr_listed {
            "Opening"
        } else {
            "Creating"
        };
        log::log(
            Level::Notice,
            &format!("{verb} AOF incr file {name} on server start"),
        );
        self.delete_aof_history();
        Ok(())
    }

    /// Writes the dataset as a base file in the foreground (a server starting with no AOF
    /// files; Redis's rewriteAppendOnlyFile).
    fn write_base_now(&self, path: &Path) -> Result<(), Logged> {
        let image = if self.config.aof_use_rdb_preamble {
            let mut options = self.rdb_write_options();
            options.aof_base = true;
            scarlet_storage::rdb::write_rdb_with_functions(
                &self.dbs,
                &self.library_sources(),
                &options,
            )
        } else {
            let mut image = Vec::new();
            self.write_aof_base_header(&mut image);
            scarlet_storage::aof::rewrite::write_dataset(&mut image, &self.dbs);
            image
        };
        let written = super::rewrite::open_for_append(path, true)
            .and_then(|mut f| std::io::Write::write_all(&mut f, &image).and_then(|()| f.sync_all()))
            .and_then(|()| crate::persistence::file::fsync_dir(&self.aof_dir()));
        written.map_err(|e| {
            log::log(
                Level::Warning,
                &format!(
                    "Write error writing append only file on disk: {}",
                    os_error_text(&e)
                ),
            );
            Logged
        })
    }
}

/// Start-up with `appendonly yes` (Redis's aofLoadManifestFromDisk, loadDataFromDisk
/// and aofOpenIfNeededOnServerStart), on a thread of its own: the lock is taken for each
/// step, so clients are told -LOADING meanwhile. False when the server must not start.
pub fn load_aof_at_startup(shared: &Shared) -> bool {
    // Clients are told -LOADING until the AOF is open, a first base written included:
    // Redis serves nobody before then.
    shared.lock().persistence.loading = Some(crate::persistence::Loading::starting(
        0,
        std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
    ));
    let ready = load_and_open(shared);
    shared.lock().persistence.loading = None;
    ready
}

/// The start-up steps: the manifest, the replay, the file to append to.
fn load_and_open(shared: &Shared) -> bool {
    if shared.lock().load_aof_manifest().is_err() {
        return false;
    }
    let started = Instant::now();
    let result = replay_aof(&mut Locking(shared));
    if !result.is_usable() {
        return false;
    }
    if result != AofLoad::NotExist {
        log::log(
            Level::Notice,
            &format!(
                "DB loaded from append only file: {:.3} seconds",
                started.elapsed().as_secs_f64()
            ),
        );
    }
    shared.lock().open_aof_at_startup().is_ok()
}

impl Server {
    /// DEBUG LOADAOF: writes the buffer out, empties the dataset and loads the AOF back.
    /// A file that cannot be loaded stops the server, as in Redis.
    pub fn debug_loadaof(&mut self) {
        if self.aof.is_enabled() {
            self.flush_aof(true);
        }
        for db in &mut self.dbs {
            db.clear();
        }
        if self.load_aof_manifest().is_err() {
            std::process::exit(1);
        }
        self.delete_aof_history();
        let result = replay_aof(self);
        if !matches!(result, AofLoad::Ok | AofLoad::Empty) {
            std::process::exit(1);
        }
    }
}
