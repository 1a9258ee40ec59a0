//! Loading the AOF: at start-up when `appendonly` is on (instead of dump.rdb), and for
//! DEBUG LOADAOF (Redis's loadAppendOnlyFiles and loadSingleAppendOnlyFile).
//!
//! The manifest lists a base file and incremental files, read in order. A file that
//! starts with "REDIS" is an RDB image (a base, or the preamble of an old-style AOF,
//! whose command tail follows); the rest is commands, run one by one on a client of
//! the loader's own as Redis runs them on its fake AOF client, with no propagation.
//! An AOF from before 7.0 (`appendfilename` in `dir`) is moved into the directory
//! first, as Redis upgrades it.
//!
//! A truncated last file is loaded up to its last complete command and truncated there
//! when `aof-load-truncated` is on (a transaction left open is taken back to its MULTI);
//! every other failure stops the server, as Redis refuses to run on half a dataset.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use scarlet_protocol::OwnedArgs;
use scarlet_storage::aof::manifest::names;
use scarlet_storage::aof::{AofInfo, AofItem, AofReadError, AofReader, Manifest};
use scarlet_storage::rdb::read_rdb_preamble;

use super::{AofState, Logged};
use crate::client::{Client, Peer};
use crate::commands::{Ctx, Lookup, registry};
use crate::log::{self, Level};
use crate::persistence::load::{Dataset, LoadFailure, log_load_failure};
use crate::reconfigure::os_error_text;
use crate::server::Server;

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
            std::fs::create_dir_all(&dir).map_err(|e| {
                log::log(
                    Level::Warning,
                    &format!(
                        "Can't open or create append-only dir {}: {}",
                        self.config.appenddirname,
                        os_error_text(&e)
                    ),
                );
                Logged
            })?;
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
        let dir = self.aof_dir();
        std::fs::create_dir_all(&dir).map_err(|e| {
            log::log(
                Level::Warning,
                &format!(
                    "Can't open or create append-only dir {}: {}",
                    self.config.appenddirname,
                    os_error_text(&e)
                ),
            );
            Logged
        })?;
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
        let mut options = self.rdb_write_options();
        options.aof_base = true;
        let image = scarlet_storage::rdb::write_rdb_with_functions(
            &self.dbs,
            &self.library_sources(),
            &options,
        );
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

    /// Loads every file of the manifest into the (empty) dataset.
    pub fn load_aof_files(&mut self) -> AofLoad {
        let manifest = self.aof.manifest.clone();
        let files: Vec<&AofInfo> = manifest.base.iter().chain(manifest.incrs.iter()).collect();
        if files.is_empty() {
            return AofLoad::NotExist;
        }
        let mut total = 0u64;
        for info in &files {
            match std::fs::metadata(self.aof_file_path(&info.name)) {
                Ok(m) => total += m.len(),
                Err(e) => {
                    log::log(
                        Level::Warning,
                        &format!(
                            "The append log file {} doesn't exist: {}",
                            String::from_utf8_lossy(&info.name),
                            os_error_text(&e)
                        ),
                    );
                    return AofLoad::Failed;
                }
            }
        }
        if total == 0 {
            return AofLoad::Empty;
        }
        let saved_state = std::mem::replace(&mut self.aof.state, AofState::Off);
        let mut result = AofLoad::Ok;
        let mut base_size = 0;
        let count = files.len();
        for (index, info) in files.iter().enumerate() {
            let last = index + 1 == count;
            let is_base = index == 0 && manifest.base.is_some();
            let started = Instant::now();
            let mut outcome = self.load_one_aof_file(&info.name);
            if is_base {
                base_size =
                    std::fs::metadata(self.aof_file_path(&info.name)).map_or(0, |m| m.len());
            }
            if outcome == AofLoad::Empty && !is_base {
                outcome = AofLoad::Ok;
            }
            if outcome == AofLoad::Ok || (outcome == AofLoad::Truncated && last) {
                let kind = if is_base { "base" } else { "incr" };
                log::log(
                    Level::Notice,
                    &format!(
                        "DB loaded from {kind} file {}: {:.3} seconds",
                        String::from_utf8_lossy(&info.name),
                        started.elapsed().as_secs_f64()
                    ),
                );
            }
            if outcome == AofLoad::Truncated && !last {
                log::log(
                    Level::Warning,
                    "Fatal error: the truncated file is not the last file",
                );
                outcome = AofLoad::Failed;
            }
            if !outcome.is_usable() {
                result = outcome;
                break;
            }
            if outcome == AofLoad::Truncated {
                result = AofLoad::Truncated;
            }
        }
        self.aof.state = saved_state;
        if result.is_usable() {
            self.aof.current_size = total;
            self.aof.base_size = base_size;
        }
        result
    }

    /// Loads one file (Redis's loadSingleAppendOnlyFile).
    fn load_one_aof_file(&mut self, file_name: &[u8]) -> AofLoad {
        let path = self.aof_file_path(file_name);
        let name = &*String::from_utf8_lossy(file_name);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                log::log(
                    Level::Warning,
                    &format!(
                        "The append log file {name} doesn't exist: {}",
                        os_error_text(&e)
                    ),
                );
                return AofLoad::NotExist;
            }
            Err(e) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "Fatal error: can't open the append log file {name} for reading: {}",
                        os_error_text(&e)
                    ),
                );
                return AofLoad::OpenErr;
            }
        };
        if file.metadata().is_ok_and(|m| m.len() == 0) {
            return AofLoad::Empty;
        }
        let mut magic = [0u8; 5];
        let rdb =
            file.read_exact(&mut magic).is_ok() && scarlet_storage::aof::is_rdb_preamble(&magic);
        let mut start = 0u64;
        if rdb {
            let old_style = file_name == self.aof_name();
            match self.load_rdb_part(&path, old_style) {
                Some(end) => start = end,
                None => {
                    let what = if old_style {
                        format!(
                            "Error reading the RDB preamble of the AOF file {name}, AOF loading aborted"
                        )
                    } else {
                        format!("Error reading the RDB base file {name}, AOF loading aborted")
                    };
                    log::log(Level::Warning, &what);
                    return AofLoad::Failed;
                }
            }
            if old_style {
                log::log(Level::Notice, "Reading the remaining AOF tail...");
            }
        }
        if file.seek(SeekFrom::Start(start)).is_err() {
            return AofLoad::Failed;
        }
        self.run_aof_commands(name, &path, BufReader::new(file), start)
    }

    /// Decodes the RDB image at the start of `path` and installs it; returns where the
    /// image ends.
    fn load_rdb_part(&mut self, path: &Path, old_style: bool) -> Option<u64> {
        log::log(
            Level::Notice,
            if old_style {
                "Reading RDB preamble from AOF file..."
            } else {
                "Reading RDB base file on AOF loading..."
            },
        );
        let bytes = std::fs::read(path).ok()?;
        let settings = self.load_settings();
        let decoded = read_rdb_preamble(&bytes, settings.databases, &settings.limits, &mut |_| {});
        let (loaded, end) = match decoded {
            Ok(decoded) => decoded,
            Err(e) => {
                log_load_failure(&LoadFailure::Rdb(e), path);
                return None;
            }
        };
        let data = Dataset::from_loaded(loaded, crate::clock::unix_ms());
        self.install_dataset(data, std::time::Duration::ZERO).ok()?;
        u64::try_from(end).ok()
    }

    /// Runs the commands of a file from `start` on, as the AOF client.
    fn run_aof_commands(
        &mut self,
        name: &str,
        path: &Path,
        input: BufReader<File>,
        start: u64,
    ) -> AofLoad {
        let mut reader = AofReader::new(input, start);
        let peer = Peer {
            addr: String::new(),
            local: String::new(),
            fd: -1,
            unix: false,
        };
        let mut client = Client::new(AOF_CLIENT_ID, peer, crate::clock::unix_ms(), true);
        client.deny_blocking = true;
        let mut valid_before_multi = start;
        let mut valid_up_to = start;
        loop {
            let item = match reader.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(AofReadError::UnexpectedEof { .. }) => {
                    return self.truncated_aof(name, path, valid_up_to);
                }
                Err(e) => {
                    log::log(Level::Warning, &e.log_message(name));
                    return AofLoad::Failed;
                }
            };
            let AofItem::Command(argv) = item else {
                continue;
            };
            let end = reader.offset();
            let args: OwnedArgs = argv.iter().collect();
            let cmd = match registry().lookup(args.args()) {
                Lookup::Found(cmd) => cmd,
                _ => {
                    log::log(
                        Level::Warning,
                        &format!(
                            "Unknown command '{}' reading the append only file {name}",
                            String::from_utf8_lossy(args.args().at(0))
                        ),
                    );
                    return AofLoad::Failed;
                }
            };
            if cmd.full_name == "multi" {
                valid_before_multi = valid_up_to;
            }
            self.run_loaded_command(&mut client, cmd, &args);
            valid_up_to = end;
            if self.config.key_load_delay != 0 {
                crate::persistence::load::sleep_per_key(self.config.key_load_delay);
            }
        }
        if client.multi.is_some() {
            log::log(
                Level::Warning,
                &format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}"),
            );
            return self.truncated_aof(name, path, valid_before_multi);
        }
        AofLoad::Ok
    }

    /// One command of the file, as Redis's loader runs it: queued inside MULTI, else
    /// run directly (no statistics, no propagation, the reply dropped).
    fn run_loaded_command(
        &mut self,
        client: &mut Client,
        cmd: &'static crate::commands::Command,
        args: &OwnedArgs,
    ) {
        let now = crate::clock::unix_ms();
        if let Some(multi) = client.multi.as_mut()
            && cmd.full_name != "exec"
        {
            multi.flags |= cmd.flags;
            multi.queued.push((cmd, args.clone()));
            return;
        }
        if let Some(handler) = cmd.spec.handler {
            let mut ctx = Ctx {
                server: self,
                client,
                now,
                command: cmd,
            };
            let _ = handler(&mut ctx, args.args());
        }
        self.flush_key_events();
        client.reply.clear();
        client.block_request = None;
    }

    /// A file that ends early: with aof-load-truncated, cut it after its last complete
    /// command and go on; otherwise refuse (Redis's `uxeof` path).
    fn truncated_aof(&mut self, name: &str, path: &Path, valid_up_to: u64) -> AofLoad {
        if self.config.aof_load_truncated {
            log::log(
                Level::Warning,
                &format!("!!! Warning: short read while loading the AOF file {name}!!!"),
            );
            log::log(
                Level::Warning,
                &format!("!!! Truncating the AOF {name} at offset {valid_up_to} !!!"),
            );
            let cut = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(valid_up_to));
            match cut {
                Ok(()) => {
                    log::log(
                        Level::Warning,
                        &format!("AOF {name} loaded anyway because aof-load-truncated is enabled"),
                    );
                    return AofLoad::Truncated;
                }
                Err(e) => log::log(
                    Level::Warning,
                    &format!(
                        "Error truncating the AOF file {name}: {}",
                        os_error_text(&e)
                    ),
                ),
            }
        }
        let eof = AofReadError::UnexpectedEof { valid_up_to };
        log::log(Level::Warning, &eof.log_message(name));
        AofLoad::Failed
    }
}

impl Server {
    /// Start-up with `appendonly yes` (Redis's aofLoadManifestFromDisk, loadDataFromDisk
    /// and aofOpenIfNeededOnServerStart). False when the server must not start.
    pub fn load_aof_at_startup(&mut self) -> bool {
        if self.load_aof_manifest().is_err() {
            return false;
        }
        let started = Instant::now();
        let result = self.load_aof_files();
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
        self.open_aof_at_startup().is_ok()
    }
}
