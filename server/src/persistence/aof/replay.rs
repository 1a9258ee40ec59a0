//! Replaying the AOF's files into the dataset (Redis's loadAppendOnlyFiles and
//! loadSingleAppendOnlyFile).
//!
//! Files are read and decoded without the server: an RDB part (a base, or an old-style
//! preamble) is decoded whole, commands are parsed in chunks. Only installing a decoded
//! image and running a chunk of commands need the server, through a [`ServerAccess`]:
//! at start-up that takes the lock for each step, so other clients are answered
//! -LOADING meanwhile; DEBUG LOADAOF already holds it.
//!
//! Commands run one by one on a client of the loader's own, as Redis runs them on its
//! fake AOF client: queued inside MULTI, otherwise run directly (no statistics, no
//! propagation, the reply dropped). A truncated last file is loaded up to its last
//! complete command and cut there when `aof-load-truncated` is on (a transaction left
//! open is taken back to its MULTI); every other failure is fatal.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use scarlet_protocol::OwnedArgs;
use scarlet_storage::aof::{AofItem, AofReadError, AofReader, is_rdb_preamble};
use scarlet_storage::rdb::read_rdb_preamble;

use super::AofState;
use super::load::{AOF_CLIENT_ID, AofLoad};
use crate::client::{Client, Peer};
use crate::commands::{Command, Ctx, Lookup, registry};
use crate::log::{self, Level};
use crate::persistence::load::{
    Dataset, LoadFailure, LoadSettings, Loading, log_load_failure, sleep_per_key,
};
use crate::reconfigure::os_error_text;
use crate::server::{Server, Shared};

/// Commands parsed before they are run under the lock.
const CHUNK_COMMANDS: usize = 1024;
/// Bytes parsed before they are run under the lock.
const CHUNK_BYTES: u64 = 1 << 20;

/// How the loader reaches the server: each call is one step under the lock.
pub trait ServerAccess {
    /// Runs `f` on the server.
    fn with<R>(&mut self, f: impl FnOnce(&mut Server) -> R) -> R;
}

impl ServerAccess for Server {
    fn with<R>(&mut self, f: impl FnOnce(&mut Server) -> R) -> R {
        f(self)
    }
}

/// The server behind its lock, taken for each step (start-up loading).
pub struct Locking<'a>(pub &'a Shared);

impl ServerAccess for Locking<'_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Server) -> R) -> R {
        f(&mut self.0.lock())
    }
}

/// What the replay needs from the configuration, read once.
struct Settings {
    old_style_name: Vec<u8>,
    load_truncated: bool,
    key_delay: i32,
    load: LoadSettings,
}

/// One file of the manifest.
struct AofFile {
    name: Vec<u8>,
    path: PathBuf,
    is_base: bool,
    last: bool,
}

/// Replays every file of the manifest into the (empty) dataset.
pub fn replay_aof(access: &mut impl ServerAccess) -> AofLoad {
    let (settings, files) = access.with(|s| {
        let settings = Settings {
            old_style_name: s.aof_name().to_vec(),
            load_truncated: s.config.aof_load_truncated,
            key_delay: s.config.key_load_delay,
            load: s.load_settings(),
        };
        let manifest = &s.aof.manifest;
        let count = usize::from(manifest.base.is_some()) + manifest.incrs.len();
        let files: Vec<AofFile> = manifest
            .base
            .iter()
            .chain(manifest.incrs.iter())
            .enumerate()
            .map(|(index, info)| AofFile {
                path: s.aof_file_path(&info.name),
                name: info.name.clone(),
                is_base: index == 0 && manifest.base.is_some(),
                last: index + 1 == count,
            })
            .collect();
        (settings, files)
    });
    if files.is_empty() {
        return AofLoad::NotExist;
    }
    let mut total = 0u64;
    for file in &files {
        match std::fs::metadata(&file.path) {
            Ok(m) => total += m.len(),
            Err(e) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "The append log file {} doesn't exist: {}",
                        String::from_utf8_lossy(&file.name),
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
    let progress = Arc::new(AtomicU64::new(0));
    let (saved_state, owns_loading) = access.with(|s| {
        s.aof.loading = true;
        s.scripting
            .watch
            .loading
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Start-up marks the whole of its work as loading already; DEBUG LOADAOF does not.
        let owns_loading = s.persistence.loading.is_none();
        s.persistence.loading = Some(Loading::starting(total, Arc::clone(&progress)));
        // EXEC must not feed a MULTI into the file being read.
        (
            std::mem::replace(&mut s.aof.state, AofState::Off),
            owns_loading,
        )
    });
    let mut replay = Replay {
        settings,
        progress,
        done_bytes: 0,
        client: aof_client(),
    };
    let mut result = AofLoad::Ok;
    let mut base_size = 0;
    for file in &files {
        let started = Instant::now();
        let mut outcome = replay.load_file(access, file);
        if file.is_base {
            base_size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
        }
        if outcome == AofLoad::Empty && !file.is_base {
            outcome = AofLoad::Ok;
        }
        if outcome == AofLoad::Ok || (outcome == AofLoad::Truncated && file.last) {
            let kind = if file.is_base { "base" } else { "incr" };
            log::log(
                Level::Notice,
                &format!(
                    "DB loaded from {kind} file {}: {:.3} seconds",
                    String::from_utf8_lossy(&file.name),
                    started.elapsed().as_secs_f64()
                ),
            );
        }
        if outcome == AofLoad::Truncated && !file.last {
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
        replay.done_bytes += std::fs::metadata(&file.path).map_or(0, |m| m.len());
    }
    access.with(|s| {
        s.aof.state = saved_state;
        s.aof.loading = false;
        s.scripting
            .watch
            .loading
            .store(false, std::sync::atomic::Ordering::SeqCst);
        if owns_loading {
            s.persistence.loading = None;
        }
        if result.is_usable() {
            s.aof.current_size = total;
            s.aof.base_size = base_size;
        }
    });
    result
}

/// The AOF loader's client.
fn aof_client() -> Client {
    let peer = Peer {
        addr: String::new(),
        local: String::new(),
        fd: -1,
        unix: false,
    };
    let mut client = Client::new(AOF_CLIENT_ID, peer, crate::clock::unix_ms(), true);
    client.deny_blocking = true;
    client
}

/// A replay under way.
struct Replay {
    settings: Settings,
    /// Bytes replayed (INFO loading_loaded_bytes).
    progress: Arc<AtomicU64>,
    /// Bytes of the files already replayed.
    done_bytes: u64,
    client: Client,
}

impl Replay {
    fn load_file(&mut self, access: &mut impl ServerAccess, file: &AofFile) -> AofLoad {
        let name = String::from_utf8_lossy(&file.name).into_owned();
        let mut handle = match File::open(&file.path) {
            Ok(handle) => handle,
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
        if handle.metadata().is_ok_and(|m| m.len() == 0) {
            return AofLoad::Empty;
        }
        let mut magic = [0u8; 5];
        let rdb = handle.read_exact(&mut magic).is_ok() && is_rdb_preamble(&magic);
        let mut start = 0u64;
        if rdb {
            let old_style = file.name == self.settings.old_style_name;
            match self.load_rdb_part(access, &file.path, old_style) {
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
        if handle.seek(SeekFrom::Start(start)).is_err() {
            return AofLoad::Failed;
        }
        self.run_commands(access, &name, &file.path, BufReader::new(handle), start)
    }

    /// Decodes the RDB image at the start of `path` (without the server) and installs
    /// it; returns where the image ends.
    fn load_rdb_part(
        &mut self,
        access: &mut impl ServerAccess,
        path: &Path,
        old_style: bool,
    ) -> Option<u64> {
        log::log(
            Level::Notice,
            if old_style {
                "Reading RDB preamble from AOF file..."
            } else {
                "Reading RDB base file on AOF loading..."
            },
        );
        let bytes = std::fs::read(path).ok()?;
        let load = &self.settings.load;
        let progress = &self.progress;
        let done = self.done_bytes;
        let mut on_key = |offset: usize| {
            progress.store(done + offset as u64, Ordering::Relaxed);
            sleep_per_key(load.key_delay);
        };
        let decoded = read_rdb_preamble(&bytes, load.databases, &load.limits, &mut on_key);
        let (loaded, end) = match decoded {
            Ok(decoded) => decoded,
            Err(e) => {
                log_load_failure(&LoadFailure::Rdb(e), path);
                return None;
            }
        };
        let data = Dataset::from_loaded(loaded, crate::clock::unix_ms());
        access
            .with(|s| s.install_dataset(data, Duration::ZERO))
            .ok()?;
        u64::try_from(end).ok()
    }

    /// Runs the commands of a file from `start` on, a chunk per step.
    fn run_commands(
        &mut self,
        access: &mut impl ServerAccess,
        name: &str,
        path: &Path,
        input: BufReader<File>,
        start: u64,
    ) -> AofLoad {
        let mut reader = AofReader::new(input, start);
        let mut valid_before_multi = start;
        let mut valid_up_to = start;
        loop {
            let chunk_start = reader.offset();
            let mut chunk: Vec<(OwnedArgs, u64)> = Vec::new();
            let mut ended = None;
            // With key-load-delay (a test knob) one command per step, sleeping outside
            // the lock.
            let delay = self.settings.key_delay;
            let limit = if delay == 0 { CHUNK_COMMANDS } else { 1 };
            while chunk.len() < limit && reader.offset() - chunk_start < CHUNK_BYTES {
                match reader.next_item() {
                    Ok(Some(AofItem::Command(argv))) => {
                        chunk.push((argv.iter().collect(), reader.offset()));
                    }
                    Ok(Some(AofItem::Annotation(_))) => {}
                    Ok(None) => {
                        ended = Some(Ok(()));
                        break;
                    }
                    Err(e) => {
                        ended = Some(Err(e));
                        break;
                    }
                }
            }
            let client = &mut self.client;
            let outcome = access.with(|s| {
                for (args, end) in &chunk {
                    let Some(cmd) = lookup(args) else {
                        log::log(
                            Level::Warning,
                            &format!(
                                "Unknown command '{}' reading the append only file {name}",
                                String::from_utf8_lossy(args.args().at(0))
                            ),
                        );
                        return Err(());
                    };
                    if cmd.full_name == "multi" {
                        valid_before_multi = valid_up_to;
                    }
                    s.run_loaded_command(client, cmd, args);
                    valid_up_to = *end;
                }
                Ok(())
            });
            if delay != 0 && !chunk.is_empty() {
                sleep_per_key(delay);
            }
            self.progress
                .store(self.done_bytes + reader.offset(), Ordering::Relaxed);
            if outcome.is_err() {
                return AofLoad::Failed;
            }
            match ended {
                None => continue,
                Some(Ok(())) => break,
                Some(Err(AofReadError::UnexpectedEof { .. })) => {
                    return self.truncated(name, path, valid_up_to);
                }
                Some(Err(e)) => {
                    log::log(Level::Warning, &e.log_message(name));
                    return AofLoad::Failed;
                }
            }
        }
        if self.client.multi.take().is_some() {
            log::log(
                Level::Warning,
                &format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}"),
            );
            return self.truncated(name, path, valid_before_multi);
        }
        AofLoad::Ok
    }

    /// A file that ends early: with aof-load-truncated, cut it after its last complete
    /// command and go on; otherwise refuse (Redis's `uxeof` path).
    fn truncated(&self, name: &str, path: &Path, valid_up_to: u64) -> AofLoad {
        if self.settings.load_truncated {
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

fn lookup(args: &OwnedArgs) -> Option<&'static Command> {
    match registry().lookup(args.args()) {
        Lookup::Found(cmd) => Some(cmd),
        _ => None,
    }
}

impl Server {
    /// One command of the file, as Redis's loader runs it: queued inside MULTI, else
    /// run directly (no statistics, no propagation, the reply dropped).
    fn run_loaded_command(&mut self, client: &mut Client, cmd: &'static Command, args: &OwnedArgs) {
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
                now: crate::clock::unix_ms(),
                command: cmd,
            };
            let _ = handler(&mut ctx, args.args());
        }
        self.flush_key_events();
        client.reply.clear();
        client.block_request = None;
    }
}
