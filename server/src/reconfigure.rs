//! Applying CONFIG SET to the running server: the side effects the config module names as
//! [`Apply`] hooks, with Redis's rollback when one fails.
//!
//! Most directives need nothing here because the server reads them where they matter
//! (`hz` in the cron, `requirepass` at AUTH, `maxclients` at accept time). Hooks of
//! subsystems Scarlet does not have yet have nothing to apply.

use crate::config::{Apply, SetOutcome, apply_failed};
use crate::error::CmdError;
use crate::log::{self, Level};
use crate::server::Server;

impl Server {
    /// Runs a CONFIG SET's hooks in order; if one fails, restores the old values, runs the
    /// hooks again for them (as Redis does) and returns Redis's error.
    pub fn apply_config_set(&mut self, outcome: SetOutcome) -> Result<(), CmdError> {
        let failed = outcome
            .hooks
            .iter()
            .find_map(|&(hook, name)| self.apply_hook(hook).err().map(|e| (name, e)));
        let result = match failed {
            None => Ok(()),
            Some((name, error)) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "Failed applying new configuration. Possibly related to new {name} setting. Restoring previous settings."
                    ),
                );
                self.config.restore(outcome.undo);
                for &(hook, _) in &outcome.hooks {
                    // Redis only logs failures to re-apply the old values.
                    if let Err(e) = self.apply_hook(hook) {
                        log::log(Level::Warning, &format!("Failed restoring {name}: {e}"));
                    }
                }
                Err(CmdError::err(apply_failed(name, &error)))
            }
        };
        log::configure(
            Level::from_config(self.config.loglevel),
            &self.config.logfile,
        );
        result
    }

    fn apply_hook(&mut self, hook: Apply) -> Result<(), String> {
        match hook {
            Apply::Dir => {
                std::env::set_current_dir(&self.config.dir).map_err(|e| os_error_text(&e))
            }
            Apply::Port => self
                .listeners
                .rebind_tcp(&self.config.bind, self.config.port, self.config.tcp_backlog)
                .map_err(|_| "Unable to listen on this port. Check server logs.".to_string()),
            Apply::Bind => self
                .listeners
                .rebind_tcp(&self.config.bind, self.config.port, self.config.tcp_backlog)
                .map_err(|_| "Failed to bind to specified addresses.".to_string()),
            Apply::CrashLog => {
                crate::crash::set_signal_report(self.config.crash_log_enabled);
                Ok(())
            }
            Apply::Maxclients => {
                let wanted = self.config.maxclients;
                match crate::fdlimit::adjust(wanted) {
                    Some(fits) if fits >= wanted => Ok(()),
                    Some(fits) => Err(format!(
                        "The operating system is not able to handle the specified number of clients, try with {fits}"
                    )),
                    None => Err("The operating system is not able to handle the specified number of clients".into()),
                }
            }
            Apply::ClientEviction => {
                self.evict_clients(None);
                Ok(())
            }
            Apply::Maxmemory => {
                let used = crate::memory::used_memory();
                let limit = self.config.maxmemory;
                if limit > 0 && used > limit {
                    log::log(
                        Level::Warning,
                        &format!(
                            "WARNING: the new maxmemory value set via CONFIG SET ({limit}) is smaller than the current memory usage ({used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy."
                        ),
                    );
                }
                // As Redis, the cron starts evicting; the next command also will.
                self.evictor.running = limit > 0;
                self.evict_clients(None);
                Ok(())
            }
            Apply::Appendonly => match (self.config.appendonly, self.aof.is_enabled()) {
                (true, false) => self.start_aof(),
                (false, true) => {
                    self.stop_aof();
                    Ok(())
                }
                _ => Ok(()),
            },
            Apply::AofAutoGc => {
                self.delete_aof_history();
                Ok(())
            }
            Apply::ReplBacklogSize => {
                let size = usize::try_from(self.config.repl_backlog_size).unwrap_or(usize::MAX);
                self.replication.attached.resize_backlog(size);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// An OS error as C's `strerror` prints it (Rust appends " (os error N)").
pub fn os_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_string()
}
