//! What Ctrl-C does, as in redis-cli: at the interactive prompt it leaves MONITOR or
//! SUBSCRIBE streaming (closing the connection, which is then reopened) and otherwise exits
//! with status 1; in the looping modes (--scan, --stat, --bigkeys...) it ends the loop.
//!
//! A thread waits for SIGINT with tokio's signal support (no handler code runs in signal
//! context). Where no handler is installed, SIGINT keeps its default action, as redis-cli's
//! non-interactive runs do. This module owns only these flags and that thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::conn::Stream;

/// A command is streaming replies (MONITOR, SUBSCRIBE) until Ctrl-C.
pub static BLOCKING: AtomicBool = AtomicBool::new(false);
/// Ctrl-C ended a streaming command: the connection was shut down on purpose.
pub static ABORTED: AtomicBool = AtomicBool::new(false);
/// Ctrl-C asked a looping mode to stop.
pub static CANCEL: AtomicBool = AtomicBool::new(false);

static STREAM: Mutex<Option<Stream>> = Mutex::new(None);

/// Remembers a handle to the current connection, to shut it down on Ctrl-C.
pub fn set_stream(stream: Stream) {
    if let Ok(mut slot) = STREAM.lock() {
        *slot = Some(stream);
    }
}

/// What SIGINT should do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Interactive mode: abort streaming, or exit 1.
    Interactive,
    /// Looping modes: set [`CANCEL`].
    StopLoop,
}

/// Installs the SIGINT handling for the rest of the run.
pub fn install(action: OnInterrupt) {
    let spawned = std::thread::Builder::new()
        .name("sigint".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                while tokio::signal::ctrl_c().await.is_ok() {
                    on_interrupt(action);
                }
            });
        });
    // Without the thread Ctrl-C keeps its default action, which still stops the program.
    drop(spawned);
}

fn on_interrupt(action: OnInterrupt) {
    match action {
        OnInterrupt::StopLoop => CANCEL.store(true, Ordering::SeqCst),
        OnInterrupt::Interactive if BLOCKING.load(Ordering::SeqCst) => {
            ABORTED.store(true, Ordering::SeqCst);
            if let Ok(slot) = STREAM.lock()
                && let Some(stream) = slot.as_ref()
            {
                stream.shutdown();
            }
        }
        OnInterrupt::Interactive => std::process::exit(1),
    }
}
