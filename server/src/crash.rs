//! The crash report: what a panic or a fatal signal prints before the process dies.
//!
//! Panics never happen on any input by design; if one does, the state behind the server
//! lock can no longer be trusted, so the process aborts instead of limping on. The report
//! goes to the log with the markers operators and test harnesses look for ("REDIS BUG
//! REPORT START", "crashed by signal", "STACK TRACE"), and a panic also writes a "runtime
//! error" line to stderr, which harnesses count as a failure. Fatal signals (SIGSEGV,
//! SIGBUS, SIGFPE, SIGILL, SIGABRT) get the same report when `crash-log-enabled` is on.

use std::backtrace::Backtrace;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::log::{self, Level};

/// Set once a report was written, so a panic's abort (SIGABRT) does not write a second.
static REPORTED: AtomicBool = AtomicBool::new(false);

const FATAL_SIGNALS: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// Writes the report, once per process.
fn report(headline: &str) {
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    log::raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
    log::log(Level::Warning, headline);
    log::raw(&format!(
        "\n------ STACK TRACE ------\n{}\n",
        Backtrace::force_capture()
    ));
    log::raw("=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n");
}

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
        report(&format!(
            "Scarlet {} crashed: {message} at {location}",
            crate::SCARLET_VERSION
        ));
        eprintln!("runtime error: {message} at {location}");
        std::process::abort();
    }));
}

/// Installs (or removes) the report on fatal signals (`crash-log-enabled`).
#[allow(unsafe_code)]
pub fn set_signal_report(enabled: bool) {
    for signal in FATAL_SIGNALS {
        // SAFETY: sigaction with a zeroed struct, a valid handler address (or SIG_DFL) and
        // flags; the old action is not needed.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            if enabled {
                action.sa_sigaction = on_fatal_signal as *const () as usize;
                // One shot: the handler re-raises with the default action restored.
                action.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND | libc::SA_NODEFER;
            } else {
                action.sa_sigaction = libc::SIG_DFL;
            }
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// The fatal-signal handler. It is not async-signal-safe, like Redis's own crash report:
/// the process is dying, and a report is worth the risk.
#[allow(unsafe_code)]
extern "C" fn on_fatal_signal(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo pointer to an SA_SIGINFO handler.
    let code = if info.is_null() {
        0
    } else {
        unsafe { (*info).si_code }
    };
    report(&format!(
        "Scarlet {} (Redis {} compatible) crashed by signal: {signal}, si_code: {code}",
        crate::SCARLET_VERSION,
        crate::REDIS_VERSION
    ));
    // SAFETY: SA_RESETHAND restored the default action, so this ends the process with the
    // signal, and its exit status says so.
    unsafe {
        libc::raise(signal);
    }
}

/// DEBUG SEGFAULT: crashes with SIGSEGV on purpose.
#[allow(unsafe_code)]
pub fn segfault() {
    // SAFETY: raising a signal has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGSEGV);
    }
}
