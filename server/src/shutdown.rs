//! Stopping the server: signals, SHUTDOWN, and the last steps before exit.
//!
//! A shutdown is decided under the lock (so no command runs after it), then the main task
//! wakes and finishes: listeners closed, Unix socket and pidfile removed, Redis's last log
//! line. Before deciding, the final RDB snapshot is written when save points exist or
//! SAVE asks (Redis's prepareForShutdown); a failed save cancels the shutdown unless
//! FORCE.

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};

use crate::config::ShutdownFlags;
use crate::log::{self, Level};
use crate::persistence::aof::AofState;
use crate::persistence::bgsave::Purpose;
use crate::server::{Server, Shared, ShutdownRequest};

/// Waits for SIGTERM or SIGINT and schedules a shutdown for the cron to carry out, as
/// Redis's signal handler does. A second SIGINT while one is scheduled exits at once.
pub async fn watch_signals(shared: Arc<Shared>) {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        log::log(Level::Warning, "Could not install signal handlers");
        return;
    };
    loop {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        let mut server = shared.lock_async().await;
        if server.shutdown_asap && name == "SIGINT" {
            log::log(Level::Warning, "You insist... exiting now.");
            std::process::exit(1);
        }
        log::log(
            Level::Warning,
            &format!("Received {name} scheduling shutdown..."),
        );
        server.shutdown_asap = true;
        server.last_signal = Some(name);
    }
}

impl Server {
    /// Cancels a shutdown a signal scheduled (SHUTDOWN ABORT); false if none was.
    pub fn abort_shutdown(&mut self) -> bool {
        if !self.shutdown_asap {
            return false;
        }
        self.shutdown_asap = false;
        log::log(Level::Warning, "Shutdown manually aborted.");
        true
    }

    /// Redis's prepareForShutdown with SHUTDOWN's flags: stops a BGSAVE, writes the
    /// final snapshot when due, and decides to shut down. False (after logging why) when
    /// the save failed without FORCE: the server keeps running.
    pub fn prepare_shutdown(&mut self, flags: ShutdownFlags) -> bool {
        log::log(Level::Warning, "User requested shutdown...");
        let save = flags.0 & ShutdownFlags::SAVE != 0;
        let nosave = flags.0 & ShutdownFlags::NOSAVE != 0;
        let force = flags.0 & ShutdownFlags::FORCE != 0;
        if self.background_save_running(Purpose::Rdb) {
            log::log(
                Level::Warning,
                "There is a child saving an .rdb. Killing it!",
            );
            self.cancel_bgsave();
        }
        if self.background_save_running(Purpose::AofBase) {
            // Without its first base, the AOF would lose the dataset.
            if self.aof.state == AofState::WaitRewrite {
                if force {
                    log::log(Level::Warning, "Writing initial AOF. Exit anyway.");
                } else {
                    log::log(Level::Warning, "Writing initial AOF, can't exit.");
                    log::log(
                        Level::Warning,
                        "Errors trying to shut down the server. Check the logs for more information.",
                    );
                    return false;
                }
            }
            log::log(
                Level::Warning,
                "There is a child rewriting the AOF. Killing it!",
            );
            self.cancel_aof_base_save();
            self.aof.rewrite = None;
        }
        if self.aof.is_enabled() {
            log::log(Level::Notice, "Calling fsync() on the AOF file.");
            self.flush_aof(true);
            self.fsync_aof_now();
        }
        if save || (!nosave && !self.config.save.is_empty()) {
            log::log(
                Level::Notice,
                "Saving the final RDB snapshot before exiting.",
            );
            if self.save_rdb().is_err() {
                if force {
                    log::log(Level::Warning, "Error trying to save the DB. Exit anyway.");
                } else {
                    log::log(Level::Warning, "Error trying to save the DB, can't exit.");
                    log::log(
                        Level::Warning,
                        "Errors trying to shut down the server. Check the logs for more information.",
                    );
                    return false;
                }
            }
        }
        self.request_shutdown(0);
        true
    }

    /// Decides to shut down; the main task finishes the job.
    pub fn request_shutdown(&mut self, exit_code: i32) {
        self.shutdown = Some(ShutdownRequest { exit_code });
        // Stop accepting first: Redis exits as a whole, so a client that saw its
        // connection close finds the port closed too, never a connection that then dies.
        self.listeners.close();
        // Wake every client so that their tasks notice and close.
        for client in self.clients.iter() {
            client.handle.wake();
        }
    }
}

/// The last steps, once a shutdown was requested; returns the exit code.
pub fn finish(shared: &Shared) -> i32 {
    let mut server = shared.lock();
    let code = server.shutdown.map_or(0, |r| r.exit_code);
    server.listeners.close();
    if let Some(pidfile) = crate::daemon::pidfile_path(&server.config) {
        crate::daemon::remove_pidfile(&pidfile);
    }
    log::log(Level::Warning, "Redis is now ready to exit, bye bye...");
    code
}
