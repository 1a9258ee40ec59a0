//! The crash report: what a panic prints before the process dies.
//!
//! Panics never happen on any input by design; if one does, the state behind the server
//! lock can no longer be trusted, so the process aborts instead of limping on. The report
//! goes to the log with the marker test harnesses look for ("REDIS BUG REPORT START"), and
//! a "runtime error" line goes to stderr, which harnesses count as a failure.

use std::backtrace::Backtrace;

use crate::log::{self, Level};

/// Installs the panic hook for the server process (not for in-process test servers,
/// which must not abort the test binary).
pub fn install_panic_report() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown location".to_string());
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        log::raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
        log::log(
            Level::Warning,
            &format!(
                "Scarlet {} crashed: {message} at {location}",
                crate::SCARLET_VERSION
            ),
        );
        log::raw(&format!(
            "\n------ STACK TRACE ------\n{}\n",
            Backtrace::force_capture()
        ));
        log::raw("=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n");
        eprintln!("runtime error: {message} at {location}");
        std::process::abort();
    }));
}
