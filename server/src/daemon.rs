//! Running in the background (`daemonize yes`) and the pidfile.

use std::io;

use crate::log::{self, Level};

/// Forks into the background as Redis's `daemonize`: the parent exits, the child starts a
/// new session and points stdin/stdout/stderr at /dev/null. Must run before any thread is
/// started (the runtime comes later).
#[allow(unsafe_code)]
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called from the single-threaded start-up, before the runtime or any other
    // thread exists, so the child inherits a consistent process.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid > 0 {
        std::process::exit(0);
    }
    // SAFETY: setsid has no memory-safety preconditions.
    unsafe {
        libc::setsid();
    }
    let devnull = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&devnull);
    for target in [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: both descriptors are open; dup2 atomically replaces the target.
        unsafe {
            libc::dup2(fd, target);
        }
    }
    Ok(())
}

/// Redis's pidfile when daemonized without one configured.
pub const DEFAULT_PIDFILE: &str = "/var/run/redis.pid";

/// Where the pidfile goes; `None` when there is none.
pub fn pidfile_path(config: &crate::config::Config) -> Option<String> {
    config.pidfile.clone().filter(|path| !path.is_empty())
}

/// Writes our pid to `path`.
pub fn write_pidfile(path: &str) {
    if let Err(e) = std::fs::write(path, format!("{}\n", std::process::id())) {
        log::log(Level::Warning, &format!("Failed to write PID file: {e}"));
    }
}

/// Removes the pidfile at shutdown.
pub fn remove_pidfile(path: &str) {
    log::log(Level::Notice, "Removing the pid file.");
    let _ = std::fs::remove_file(path);
}
