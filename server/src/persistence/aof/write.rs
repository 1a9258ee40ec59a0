//! Writing the AOF buffer to the incremental file, with appendfsync's promises (Redis's
//! `flushAppendOnlyFile`).
//!
//! The buffer is written at the end of every batch of commands, while the lock is still
//! held and before the connection task sends the replies: with `always` it is also
//! fsynced there, so an acknowledged write is on disk. With `everysec` a thread of its
//! own fsyncs once a second; a write that finds the previous fsync still running waits
//! up to two seconds (the buffer keeps growing) and then goes ahead anyway, counted in
//! `aof_delayed_fsync`. With `no` the kernel decides.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

use crate::config::AppendFsync;
use crate::log::{self, Level};
use crate::reconfigure::os_error_text;
use crate::server::Server;

/// How long a write may wait for a slow background fsync.
const MAX_POSTPONE_SECS: i64 = 2;

/// The everysec fsync thread.
#[derive(Debug)]
pub struct Fsyncer {
    jobs: mpsc::Sender<File>,
    /// Fsyncs asked for and not finished.
    pending: Arc<AtomicU64>,
    /// Set when a background fsync failed (writes are refused until one succeeds).
    failed: Arc<AtomicBool>,
}

impl Fsyncer {
    /// Starts the thread; None when it cannot be started (fsyncs then happen inline).
    fn start() -> Option<Fsyncer> {
        let (jobs, receiver) = mpsc::channel::<File>();
        let pending = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicBool::new(false));
        let (thread_pending, thread_failed) = (Arc::clone(&pending), Arc::clone(&failed));
        std::thread::Builder::new()
            .name("aof-fsync".into())
            .spawn(move || {
                for file in receiver {
                    let ok = file.sync_data().is_ok();
                    thread_failed.store(!ok, Ordering::Relaxed);
                    thread_pending.fetch_sub(1, Ordering::Relaxed);
                }
            })
            .ok()?;
        Some(Fsyncer {
            jobs,
            pending,
            failed,
        })
    }

    fn in_progress(&self) -> bool {
        self.pending() > 0
    }

    /// Fsyncs asked for and not finished.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Asks the thread to fsync `file` (a clone of the AOF's descriptor).
    fn request(&self, file: File) -> bool {
        self.pending.fetch_add(1, Ordering::Relaxed);
        if self.jobs.send(file).is_err() {
            self.pending.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Whether the last background fsync failed.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

impl Server {
    /// Writes the buffered commands to the incremental file and fsyncs per appendfsync.
    /// `force` writes even while a background fsync is slow (shutdown, rewrites).
    pub fn flush_aof(&mut self, force: bool) {
        if self.aof.file.is_none() {
            return;
        }
        let now_secs = crate::clock::unix_ms() / 1000;
        let everysec = self.config.appendfsync == AppendFsync::Everysec;
        if self.aof.buf.is_empty() {
            // Written but not fsynced yet (an fsync was running): fsync now that it's time.
            if everysec
                && self.aof.fsynced_size != self.aof.incr_size
                && now_secs > self.aof.last_fsync_secs
            {
                self.background_fsync(now_secs);
            }
            return;
        }
        if everysec && !force && self.fsync_in_progress() {
            match self.aof.postponed_since {
                None => {
                    self.aof.postponed_since = Some(now_secs);
                    return;
                }
                Some(since) if now_secs - since < MAX_POSTPONE_SECS => return,
                Some(_) => {
                    self.aof.stats.delayed_fsync += 1;
                    log::log(
                        Level::Notice,
                        "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.",
                    );
                }
            }
        }
        self.aof.postponed_since = None;
        if self.aof.flush_sleep_us > 0 {
            std::thread::sleep(std::time::Duration::from_micros(self.aof.flush_sleep_us));
        }
        if let Err(e) = self.write_aof_buffer() {
            self.aof_write_failed(&e, now_secs);
            return;
        }
        if self.aof.last_write_failed.take().is_some() {
            log::log(
                Level::Warning,
                "AOF write error looks solved, Redis can write again.",
            );
        }
        if self.config.no_appendfsync_on_rewrite && self.background_job_running() {
            return;
        }
        match self.config.appendfsync {
            AppendFsync::Always => self.fsync_aof_now(),
            AppendFsync::Everysec if now_secs > self.aof.last_fsync_secs => {
                self.background_fsync(now_secs);
            }
            _ => {}
        }
    }

    fn write_aof_buffer(&mut self) -> std::io::Result<()> {
        let Some(file) = self.aof.file.as_mut() else {
            return Ok(());
        };
        let written = file.write_all(&self.aof.buf);
        if let Err(e) = written {
            // A partial write is taken back, so the file never ends mid-command.
            let _ = file.set_len(self.aof.incr_size);
            return Err(e);
        }
        let len = self.aof.buf.len() as u64;
        self.aof.incr_size += len;
        self.aof.current_size += len;
        // Small buffers are reused, big ones given back (Redis keeps ~4k).
        if self.aof.buf.capacity() > 4096 {
            self.aof.buf = Vec::new();
        } else {
            self.aof.buf.clear();
        }
        Ok(())
    }

    /// A failed write: with `always` the promise cannot be kept and the server exits;
    /// otherwise the buffer is kept for the next try and writes are refused meanwhile.
    fn aof_write_failed(&mut self, e: &std::io::Error, now_secs: i64) {
        let text = os_error_text(e);
        if now_secs - self.aof.last_error_log > 30 {
            self.aof.last_error_log = now_secs;
            log::log(
                Level::Warning,
                &format!("Error writing to the AOF file: {text}"),
            );
        }
        if self.config.appendfsync == AppendFsync::Always {
            log::log(
                Level::Warning,
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...",
            );
            std::process::exit(1);
        }
        self.aof.last_write_failed = Some(text);
    }

    /// fsync in the calling thread (appendfsync always, shutdown, a rewrite's start).
    pub fn fsync_aof_now(&mut self) {
        let Some(file) = self.aof.file.as_ref() else {
            return;
        };
        if let Err(e) = file.sync_data() {
            if self.config.appendfsync == AppendFsync::Always {
                log::log(
                    Level::Warning,
                    &format!(
                        "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                        os_error_text(&e)
                    ),
                );
                std::process::exit(1);
            }
            log::log(
                Level::Warning,
                &format!("Fail to fsync the AOF file: {}", os_error_text(&e)),
            );
            return;
        }
        self.aof.fsynced_size = self.aof.incr_size;
        self.aof.last_fsync_secs = crate::clock::unix_ms() / 1000;
    }

    fn background_fsync(&mut self, now_secs: i64) {
        self.aof.last_fsync_secs = now_secs;
        if self.fsync_in_progress() {
            return;
        }
        if self.aof.fsyncer.is_none() {
            self.aof.fsyncer = Fsyncer::start();
        }
        let clone = self.aof.file.as_ref().and_then(|f| f.try_clone().ok());
        let sent = match (self.aof.fsyncer.as_ref(), clone) {
            (Some(fsyncer), Some(file)) => fsyncer.request(file),
            _ => false,
        };
        if sent {
            self.aof.fsynced_size = self.aof.incr_size;
        } else {
            self.fsync_aof_now();
        }
    }

    fn fsync_in_progress(&self) -> bool {
        self.aof.fsyncer.as_ref().is_some_and(Fsyncer::in_progress)
    }

    /// Why writes are refused because of the AOF (Redis's DISK_ERROR_TYPE_AOF): the
    /// last write or background fsync failed.
    pub fn aof_write_error(&self) -> Option<String> {
        if !self.aof.is_enabled() {
            return None;
        }
        if let Some(text) = &self.aof.last_write_failed {
            return Some(text.clone());
        }
        self.aof
            .fsyncer
            .as_ref()
            .filter(|f| f.failed())
            .map(|_| "Input/output error".to_string())
    }

    /// Whether a BGSAVE or an AOF rewrite runs (no-appendfsync-on-rewrite).
    pub fn background_job_running(&self) -> bool {
        self.persistence.bgsave.is_some()
    }
}
