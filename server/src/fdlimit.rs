//! The open-files limit `maxclients` needs, raised at start-up and on CONFIG SET as Redis's
//! `adjustOpenFilesLimit` does: every client is a file descriptor, plus a reserve for
//! listening sockets, logs and files.

use std::io;

use crate::log::{self, Level};
use crate::reconfigure::os_error_text;

/// Descriptors kept for everything that is not a client (Redis's CONFIG_MIN_RESERVED_FDS).
pub const RESERVED_FDS: u64 = 32;

#[allow(unsafe_code)]
fn get_nofile() -> io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit through a valid pointer.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if rc == 0 {
        Ok(limit)
    } else {
        Err(io::Error::last_os_error())
    }
}

#[allow(unsafe_code)]
fn set_nofile(value: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: setrlimit reads one rlimit through a valid pointer.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Raises the limit towards `maxclients` plus the reserve, stepping down by 16 until the
/// system accepts, and returns the `maxclients` that fits (the requested one when the
/// limit is high enough). `None`: not even the reserve fits, and the server cannot start.
pub fn adjust(maxclients: u32) -> Option<u32> {
    let wanted = u64::from(maxclients) + RESERVED_FDS;
    let current = match get_nofile() {
        Ok(limit) => limit.rlim_cur,
        Err(e) => {
            log::log(
                Level::Warning,
                &format!(
                    "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients configuration accordingly.",
                    os_error_text(&e)
                ),
            );
            return Some(u32::try_from(1024 - RESERVED_FDS).unwrap_or(0));
        }
    };
    if current >= wanted {
        return Some(maxclients);
    }
    let mut best = wanted;
    let mut last_error = None;
    while best > current {
        match set_nofile(best) {
            Ok(()) => break,
            Err(e) => last_error = Some(e),
        }
        if best < 16 {
            best = current;
            break;
        }
        best -= 16;
    }
    best = best.max(current);
    if best >= wanted {
        log::log(
            Level::Notice,
            &format!(
                "Increased maximum number of open files to {wanted} (it was originally set to {current})."
            ),
        );
        return Some(maxclients);
    }
    if best <= RESERVED_FDS {
        log::log(
            Level::Warning,
            &format!(
                "Your current 'ulimit -n' of {current} is not enough for the server to start. Please increase your open file limit to at least {wanted}. Exiting."
            ),
        );
        return None;
    }
    let reduced = u32::try_from(best - RESERVED_FDS).unwrap_or(u32::MAX);
    let why = last_error.map(|e| os_error_text(&e)).unwrap_or_default();
    log::log(
        Level::Warning,
        &format!(
            "You requested maxclients of {maxclients} requiring at least {wanted} max file descriptors."
        ),
    );
    log::log(
        Level::Warning,
        &format!("Server can't set maximum open files to {wanted} because of OS error: {why}."),
    );
    log::log(
        Level::Warning,
        &format!(
            "Current maximum open files is {best}. maxclients has been reduced to {reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."
        ),
    );
    Some(reduced)
}
