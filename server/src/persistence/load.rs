//! Loading dump.rdb: at start-up (decoded off the lock while clients get -LOADING) and
//! for DEBUG RELOAD.
//!
//! The file is decoded whole into fresh databases (the storage reader verifies the
//! checksum first and returns nothing unless everything is valid), so a corrupt file
//! never leaves a half-loaded keyspace. Keys whose TTL passed are dropped and counted,
//! as a master does. Failures are logged with Redis's wording; at start-up they stop the
//! server, as Redis refuses to run on a dataset it could not read.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use scarlet_storage::rdb::{LoadLimits, Loaded, RdbError, read_rdb_observed};
use scarlet_storage::zset::ZsetLimits;
use scarlet_storage::{Db, Millis};

use crate::log::{self, Level};
use crate::reconfigure::os_error_text;
use crate::scripting::functions::Library;
use crate::server::Server;

/// A load under way (INFO persistence `loading:1` and its progress fields).
#[derive(Debug, Clone)]
pub struct Loading {
    /// When it started (unix seconds, INFO loading_start_time).
    pub start_secs: i64,
    /// For the ETA.
    pub started: Instant,
    /// The file's size.
    pub total_bytes: u64,
    /// Bytes decoded so far, updated by the loading thread.
    pub loaded_bytes: Arc<AtomicU64>,
}

impl Loading {
    /// A load of `total_bytes` (0 while unknown) starting now; the loading thread
    /// reports its progress through `loaded_bytes`.
    pub fn starting(total_bytes: u64, loaded_bytes: Arc<AtomicU64>) -> Loading {
        Loading {
            start_secs: crate::clock::unix_ms() / 1000,
            started: Instant::now(),
            total_bytes,
            loaded_bytes,
        }
    }
}

/// Why a dump could not be loaded.
#[derive(Debug)]
pub enum LoadFailure {
    /// The file exists but could not be read.
    Io(io::Error),
    /// The content is damaged, truncated or unsupported.
    Rdb(RdbError),
}

/// A decoded dump with the key counts Redis reports.
#[derive(Debug)]
pub struct Dataset {
    /// The databases, expired keys already dropped.
    pub dbs: Vec<Db>,
    /// The aux fields (redis-ver, ctime, used-mem, ...).
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Keys kept.
    pub keys_loaded: u64,
    /// Keys dropped because their TTL had passed.
    pub keys_expired: u64,
    /// Empty collections skipped, as Redis skips them.
    pub empty_keys_skipped: u64,
    /// Function libraries' sources, compiled when the dataset is installed.
    pub functions: Vec<Vec<u8>>,
    /// The keys dropped because their TTL had passed, by database: a master whose dump
    /// recorded its replication history sends their DELs to its replicas.
    pub expired: Vec<(usize, Vec<u8>)>,
}

/// What a loading thread needs from the configuration.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// Databases to load into.
    pub databases: usize,
    /// The encodings' limits.
    pub limits: LoadLimits,
    /// key-load-delay: microseconds to sleep per key (negative: nanoseconds).
    pub key_delay: i32,
    /// Keep keys whose TTL passed: a replica leaves them to its master's DEL.
    pub keep_expired: bool,
}

impl Server {
    /// The encoding limits values are loaded under.
    pub fn load_limits(&self) -> LoadLimits {
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        LoadLimits {
            list: self.list_options(),
            hash: self.hash_limits(),
            zset: ZsetLimits {
                max_listpack_entries: to_usize(self.config.zset_max_listpack_entries),
                max_listpack_value: to_usize(self.config.zset_max_listpack_value),
            },
            set_max_intset: to_usize(self.config.set_max_intset_entries),
            skip_checksum: self.skip_checksum_validation,
        }
    }

    /// The settings a load runs with.
    pub fn load_settings(&self) -> LoadSettings {
        LoadSettings {
            databases: self.dbs.len(),
            limits: self.load_limits(),
            key_delay: self.config.key_load_delay,
            keep_expired: self.expiry_left_to_master(),
        }
    }

    /// Compiles the function libraries a dump holds (in the function interpreter, not
    /// linked yet), so that a library that fails stops the load before anything changes.
    fn compile_libraries(&mut self, sources: &[Vec<u8>]) -> Result<Vec<Library>, Reload> {
        let watch = Arc::clone(&self.scripting.watch);
        let mut compiled = Vec::with_capacity(sources.len());
        for code in sources {
            match self.scripting.libraries.compile(code, &watch) {
                Ok(library) => compiled.push(library),
                Err(e) => {
                    log::log(Level::Warning, &format!("Failed loading library, {e}"));
                    return Err(Reload::LoadFailed);
                }
            }
        }
        Ok(compiled)
    }

    /// Puts a decoded dataset, function libraries included, in place of the current one
    /// and logs Redis's lines. Fails (changing nothing) when a library does not compile.
    pub fn install_dataset(&mut self, data: Dataset, took: Duration) -> Result<(), Reload> {
        let Dataset {
            mut dbs,
            aux,
            keys_loaded,
            keys_expired,
            empty_keys_skipped,
            functions,
            ..
        } = data;
        let libraries = self.compile_libraries(&functions)?;
        self.scripting.libraries.clear_keeping_engine();
        self.scripting
            .libraries
            .join(libraries, true)
            .map_err(|e| {
                log::log(Level::Warning, &format!("Failed loading library, {e}"));
                Reload::LoadFailed
            })?;
        log_aux(&aux);
        self.cancel_bgsave();
        dbs.resize_with(self.dbs.len(), Db::new);
        self.dbs = dbs;
        self.persistence.last_load_keys_loaded = keys_loaded;
        self.persistence.last_load_keys_expired = keys_expired;
        if empty_keys_skipped > 0 {
            log::log(
                Level::Warning,
                &format!(
                    "Done loading RDB, keys loaded: {keys_loaded}, keys expired: {keys_expired}, empty keys skipped: {empty_keys_skipped}."
                ),
            );
        } else {
            log::log(
                Level::Notice,
                &format!(
                    "Done loading RDB, keys loaded: {keys_loaded}, keys expired: {keys_expired}."
                ),
            );
        }
        log::log(
            Level::Notice,
            &format!("DB loaded from disk: {:.3} seconds", took.as_secs_f64()),
        );
        Ok(())
    }
}

/// Reads and decodes the dump at `path`: `Ok(None)` when there is no file.
pub fn read_dump(
    path: &Path,
    settings: &LoadSettings,
    progress: &AtomicU64,
    now: Millis,
) -> Result<Option<Dataset>, LoadFailure> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(LoadFailure::Io(e)),
    };
    let mut on_key = |offset: usize| {
        progress.store(offset as u64, Ordering::Relaxed);
        sleep_per_key(settings.key_delay);
    };
    let loaded = read_rdb_observed(&bytes, settings.databases, &settings.limits, &mut on_key)
        .map_err(LoadFailure::Rdb)?;
    progress.store(bytes.len() as u64, Ordering::Relaxed);
    if settings.keep_expired {
        return Ok(Some(crate::replication::transfer::dataset_keeping_expired(
            loaded,
        )));
    }
    Ok(Some(drop_expired(loaded, now)))
}

/// Logs a failed load as Redis does; the caller then stops (start-up) or reports. For a
/// damaged file Redis also runs its checker on it, whose report goes to stdout.
pub fn log_load_failure(failure: &LoadFailure, path: &Path) {
    match failure {
        LoadFailure::Io(e) => log::log(
            Level::Warning,
            &format!("Fatal error loading the DB: {}. Exiting.", os_error_text(e)),
        ),
        LoadFailure::Rdb(e) => {
            let what = match e {
                RdbError::BadChecksum => "RDB CRC error".to_string(),
                RdbError::Truncated => "Unexpected EOF reading RDB file".to_string(),
                other => other.to_string(),
            };
            log::log(
                Level::Warning,
                &format!("Internal error in RDB reading offset 0, function at rdb.c:0 -> {what}"),
            );
            // The checker's report ends the story, as in Redis (whose checker exits the
            // server): for a corrupt value it prints the "Terminating server" line itself.
            let _ = crate::check_rdb::main("redis-check-rdb", &[path.display().to_string()]);
        }
    }
}

pub(crate) fn sleep_per_key(delay: i32) {
    match delay {
        0 => {}
        d if d > 0 => std::thread::sleep(Duration::from_micros(u64::from(d.unsigned_abs()))),
        d => std::thread::sleep(Duration::from_nanos(u64::from(d.unsigned_abs()))),
    }
}

impl Dataset {
    /// A decoded image with the keys whose TTL passed before `now` dropped.
    pub fn from_loaded(loaded: Loaded, now: Millis) -> Dataset {
        drop_expired(loaded, now)
    }
}

/// Drops keys whose TTL passed before `now`, as a master does while loading.
fn drop_expired(loaded: Loaded, now: Millis) -> Dataset {
    let Loaded {
        mut dbs,
        aux,
        empty_keys_skipped,
        empty_keys,
        functions,
        ..
    } = loaded;
    for key in &empty_keys {
        log::log(
            Level::Warning,
            &format!(
                "rdbLoadObject skipping empty key: {}",
                String::from_utf8_lossy(key)
            ),
        );
    }
    let mut keys_expired = 0u64;
    let mut dropped = Vec::new();
    for (index, db) in dbs.iter_mut().enumerate() {
        let expired: Vec<Vec<u8>> = db
            .iter_with_expire()
            .filter(|(_, _, when)| when.is_some_and(|w| w < now))
            .map(|(key, _, _)| key.to_vec())
            .collect();
        for key in expired {
            db.remove(&key);
            keys_expired += 1;
            dropped.push((index, key));
        }
    }
    let keys_loaded = dbs.iter().map(|db| db.len() as u64).sum();
    Dataset {
        dbs,
        aux,
        keys_loaded,
        keys_expired,
        empty_keys_skipped,
        functions,
        expired: dropped,
    }
}

/// Redis's lines about the file's origin.
fn log_aux(aux: &[(Vec<u8>, Vec<u8>)]) {
    let field = |name: &[u8]| {
        aux.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    if let Some(version) = field(b"redis-ver") {
        log::log(
            Level::Notice,
            &format!("Loading RDB produced by version {version}"),
        );
    }
    if let Some(ctime) = field(b"ctime").and_then(|c| c.parse::<i64>().ok()) {
        let age = crate::clock::unix_ms() / 1000 - ctime;
        log::log(Level::Notice, &format!("RDB age {age} seconds"));
    }
    if let Some(mem) = field(b"used-mem").and_then(|m| m.parse::<f64>().ok()) {
        log::log(
            Level::Notice,
            &format!(
                "RDB memory usage when created {:.2} Mb",
                mem / 1024.0 / 1024.0
            ),
        );
    }
}

/// How DEBUG RELOAD runs.
#[derive(Debug, Clone, Copy)]
pub struct ReloadOptions {
    /// Save first (no NOSAVE).
    pub save: bool,
    /// Replace the dataset (no NOFLUSH); otherwise the file's keys are added to it.
    pub flush: bool,
    /// With NOFLUSH: a key in both replaces the one in memory (MERGE).
    pub merge: bool,
}

impl Server {
    /// DEBUG RELOAD: saves (unless NOSAVE), then loads dump.rdb back. The file is decoded
    /// before the dataset is touched, so a failed load changes nothing.
    pub fn debug_reload(&mut self, options: ReloadOptions, now: Millis) -> Result<(), Reload> {
        if options.save && self.save_rdb().is_err() {
            return Err(Reload::SaveFailed);
        }
        let started = Instant::now();
        let settings = self.load_settings();
        let data = match read_dump(&self.rdb_path(), &settings, &AtomicU64::new(0), now) {
            Ok(Some(data)) => data,
            Ok(None) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "Error loading {}: No such file or directory",
                        self.rdb_path().display()
                    ),
                );
                return Err(Reload::LoadFailed);
            }
            Err(failure) => {
                log_load_failure(&failure, &self.rdb_path());
                return Err(Reload::LoadFailed);
            }
        };
        if options.flush {
            for db in 0..self.dbs.len() {
                self.touch_all_watched_keys_in_db(db, None, now);
            }
            self.tracking_invalidate_all();
            self.install_dataset(data, started.elapsed())?;
        } else {
            self.merge_dataset(data, options.merge)?;
        }
        log::log(Level::Warning, "DB reloaded by DEBUG RELOAD");
        Ok(())
    }

    /// Adds a loaded dataset's keys to the current one (DEBUG RELOAD NOFLUSH).
    fn merge_dataset(&mut self, data: Dataset, replace: bool) -> Result<(), Reload> {
        let libraries = self.compile_libraries(&data.functions)?;
        let mut loaded = data.dbs;
        for (index, (from, into)) in loaded.iter_mut().zip(self.dbs.iter()).enumerate() {
            let clash = from.iter().find(|(key, _)| into.contains(key.as_bytes()));
            if let (Some((key, _)), false) = (clash, replace) {
                log::log(
                    Level::Warning,
                    &format!(
                        "RDB has duplicated key '{}' in DB {index}",
                        String::from_utf8_lossy(key.as_bytes())
                    ),
                );
                return Err(Reload::LoadFailed);
            }
        }
        self.scripting
            .libraries
            .join(libraries, replace)
            .map_err(|e| {
                log::log(Level::Warning, &format!("Failed loading library, {e}"));
                Reload::LoadFailed
            })?;
        for (from, into) in loaded.iter_mut().zip(self.dbs.iter_mut()) {
            let keys: Vec<Vec<u8>> = from.iter().map(|(key, _)| key.to_vec()).collect();
            for key in keys {
                if let Some((value, expire)) = from.take(&key) {
                    into.insert_with_expire(&key, value, expire, &scarlet_storage::Access::NoTouch);
                }
            }
        }
        Ok(())
    }
}

/// Why DEBUG RELOAD failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// The save before loading failed.
    SaveFailed,
    /// The file could not be loaded (the log says why).
    LoadFailed,
}

/// Redis accepts no client before its start-up load ends; here the listeners start
/// first, so the server is marked loading before they do when there is something to
/// load, or a client quick enough would be served an empty dataset (PING answered
/// +PONG where Redis says -LOADING).
pub fn mark_loading_before_listening(server: &mut Server) {
    if server.config.appendonly || server.rdb_path().exists() {
        server.persistence.loading = Some(Loading::starting(0, Arc::new(AtomicU64::new(0))));
    }
}

/// Loads the dataset at start-up: the AOF when `appendonly` is on, else dump.rdb
/// while the event loop serves clients -LOADING. Returns false when the server must
/// not start (the failure is logged). The caller marks the server loading before its
/// listeners start (see [`mark_loading_before_listening`]); this clears the mark.
pub async fn load_at_startup(shared: &Arc<crate::server::Shared>) -> bool {
    if shared.lock().config.appendonly {
        let shared = Arc::clone(shared);
        return tokio::task::spawn_blocking(move || super::aof::load::load_aof_at_startup(&shared))
            .await
            .unwrap_or(false);
    }
    let (path, settings, progress) = {
        let mut server = shared.lock();
        let path = server.rdb_path();
        let Ok(metadata) = std::fs::metadata(&path) else {
            server.persistence.loading = None;
            return true;
        };
        let progress = Arc::new(AtomicU64::new(0));
        server.persistence.loading = Some(Loading::starting(metadata.len(), Arc::clone(&progress)));
        (path, server.load_settings(), progress)
    };
    let shown = path.clone();
    let started = Instant::now();
    let now = crate::clock::unix_ms();
    let result =
        tokio::task::spawn_blocking(move || read_dump(&path, &settings, &progress, now)).await;
    let mut server = shared.lock();
    server.persistence.loading = None;
    match result {
        Ok(Ok(Some(mut data))) => {
            let aux = data.aux.clone();
            let expired = std::mem::take(&mut data.expired);
            if server.install_dataset(data, started.elapsed()).is_err() {
                log::log(
                    Level::Warning,
                    "Terminating server after rdb file reading failure.",
                );
                return false;
            }
            server.restore_replication_info(&aux, &expired);
            true
        }
        Ok(Ok(None)) => true,
        Ok(Err(failure)) => {
            log_load_failure(&failure, &shown);
            false
        }
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("Fatal error loading the DB: {e}. Exiting."),
            );
            false
        }
    }
}
