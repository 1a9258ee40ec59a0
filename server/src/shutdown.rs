//! Stopping the server: signals, SHUTDOWN, and the last steps before exit.
//!
//! A shutdown is decided under the lock (so no command runs after it), then the main task
//! wakes and finishes: listeners closed, Unix socket and pidfile removed, Redis's last log
//! line. Persistence on shutdown arrives with the persistence subsystem.

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};

use crate::log::{self, Level};
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

    /// Decides to shut down; the main task finishes the job.
    pub fn request_shutdown(&mut self, exit_code: i32) {
        log::log(Level::Warning, "User requested shutdown...");
        self.shutdown = Some(ShutdownRequest { exit_code });
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
