//! The state of the running script that other connections read without the server lock:
//! a script holds the lock for as long as it runs, and past busy-reply-threshold the
//! others must still be answered (-BUSY), and SCRIPT KILL, FUNCTION KILL and SHUTDOWN
//! NOSAVE must still reach it.
//!
//! The Lua hook (see `engine.rs`) reads the kill request and marks the script busy;
//! connection tasks read `is_busy` before they wait for the lock and answer by
//! themselves while it holds (see `connection.rs`). Nothing here touches keys or
//! replies.
//!
//! Scripts run inline, on the runtime thread of the connection that sent them: a thread
//! hop per script cost more than the script (EVALSHA at pipeline 16 ran at half of
//! Redis's rate). While the script is short nobody else needs that thread, since nobody
//! else could take the lock anyway. Once it turns busy, the hook hands the thread's
//! runtime worker, with every task queued on it, to another thread (tokio's
//! `block_in_place`, again every few milliseconds, as a hand-off can fail) and the
//! script goes on where it is, serving from the hook what other connections hand it
//! (`inbox`, and `admissions` for connections accepted meanwhile). From then on the
//! lock holder counts as having left the runtime (`offloaded`), so tasks try the lock
//! instead of blocking a worker on it, and hand their commands to the script.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::engine::EngineKind;
use crate::clock::unix_ms;
use crate::log::{self, Level};

/// What FUNCTION STATS shows about the running script.
#[derive(Clone, Debug, Default)]
pub struct RunningScript {
    /// The function's name, or the script's SHA1.
    pub name: String,
    /// The command and arguments that started it.
    pub command: scarlet_protocol::OwnedArgs,
}

/// A command Redis allows while a script is busy (MULTI, WATCH, HELLO, AUTH, ...), sent
/// by a connection task to be run by the script's thread at its next `redis.call` (or
/// when it ends), since it needs the server state the script holds. A request without a
/// command is a connection that closed: its client is unregistered.
#[derive(Debug)]
pub struct BusyRequest {
    /// The client that sent it.
    pub client: u64,
    /// The command.
    pub args: scarlet_protocol::OwnedArgs,
    /// Where its reply goes.
    pub reply: tokio::sync::oneshot::Sender<Vec<u8>>,
}

/// A connection accepted while a script is busy, handed to the script to be registered
/// (Redis accepts clients from its script hook too): the script answers with the
/// client's id and handle, or the refusal to write before closing (maxclients,
/// protected mode).
#[derive(Debug)]
pub struct BusyAdmission {
    /// Who connected.
    pub peer: crate::client::Peer,
    /// Where the outcome goes.
    pub admitted: tokio::sync::oneshot::Sender<Admitted>,
}

/// What registering a client gives: its id and handle, or Redis's refusal.
pub type Admitted = Result<(u64, Arc<crate::client::ClientHandle>), &'static str>;

/// Shared between the server and every connection task.
#[derive(Debug, Default)]
pub struct ScriptWatch {
    /// Lock holders that left the runtime's threads (a debugging session's batch on the
    /// script thread, the batch of a busy script whose worker went to another thread),
    /// not finished yet: while non-zero, the runtime's threads must not block on the
    /// server lock.
    pub offloaded: AtomicUsize,
    /// The lock holder's busy script counts in `offloaded` until the lock is let go.
    left_runtime: AtomicBool,
    /// When the hook next hands the runtime worker off (unix ms; see `leave_runtime`).
    next_hand_off_ms: AtomicI64,
    running: AtomicBool,
    busy: AtomicBool,
    kill: AtomicBool,
    shutdown: AtomicBool,
    is_eval: AtomicBool,
    wrote: AtomicBool,
    started_ms: AtomicI64,
    threshold_ms: AtomicU64,
    /// A FUNCTION LOAD in progress must finish by this unix ms (0: none).
    load_deadline_ms: AtomicI64,
    load_timed_out: AtomicBool,
    /// Valid while `running`; reused from run to run (no allocation per script).
    running_info: Mutex<RunningScript>,
    /// Commands waiting to run while the script is busy.
    pub inbox: Mutex<Vec<BusyRequest>>,
    /// Connections waiting to be registered while the script is busy.
    pub admissions: Mutex<Vec<BusyAdmission>>,
    /// Signalled when a script batch gives the server lock back (or the script turns
    /// busy), so connections waiting for the lock retry at once instead of at their
    /// next poll.
    pub released: tokio::sync::Notify,
    /// Where script batches run.
    pub thread: super::script_thread::ScriptThread,
    /// Libraries and functions loaded, for FUNCTION STATS while busy.
    pub library_count: AtomicUsize,
    /// Functions loaded.
    pub function_count: AtomicUsize,
    /// The dataset is loading (DEBUG LOADAOF): a script busy meanwhile leaves other
    /// clients answered -LOADING, which Redis checks before -BUSY.
    pub loading: AtomicBool,
}

/// What SCRIPT KILL / FUNCTION KILL answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillOutcome {
    /// Killed: +OK.
    Killed,
    /// Nothing runs: -NOTBUSY.
    NotBusy,
    /// It already wrote: -UNKILLABLE.
    Unkillable,
    /// SCRIPT KILL on a function (or FUNCTION KILL on EVAL): -BUSY of the other kind.
    WrongKind,
}

impl ScriptWatch {
    /// A script starts (under the server lock): `name` is the function's name or the
    /// script's SHA1, `command` what started a function (FUNCTION STATS shows it).
    pub fn start(
        &self,
        is_eval: bool,
        threshold_ms: u64,
        name: &str,
        command: Option<scarlet_protocol::Args<'_>>,
    ) {
        self.kill.store(false, Ordering::SeqCst);
        self.busy.store(false, Ordering::SeqCst);
        self.wrote.store(false, Ordering::SeqCst);
        self.is_eval.store(is_eval, Ordering::SeqCst);
        self.started_ms.store(unix_ms(), Ordering::SeqCst);
        self.next_hand_off_ms.store(0, Ordering::SeqCst);
        self.threshold_ms.store(threshold_ms, Ordering::SeqCst);
        if let Ok(mut info) = self.running_info.lock() {
            info.name.clear();
            info.name.push_str(name);
            info.command.clear();
            if let Some(args) = command {
                for arg in args.iter() {
                    info.command.push(arg);
                }
            }
        }
        self.running.store(true, Ordering::SeqCst);
    }

    /// The script ended; returns whether SHUTDOWN NOSAVE asked the server to stop.
    pub fn finish(&self) -> bool {
        self.running.store(false, Ordering::SeqCst);
        self.busy.store(false, Ordering::SeqCst);
        self.kill.store(false, Ordering::SeqCst);
        // Connections of other runtime workers that found the script running wait for
        // this (see `Shared::try_lock_for_batch`).
        self.released.notify_waiters();
        self.shutdown.swap(false, Ordering::SeqCst)
    }

    /// A script is running now.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// The running script passed busy-reply-threshold: others get -BUSY.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    /// Whether the dataset is loading (see [`ScriptWatch::loading`]).
    pub fn is_loading(&self) -> bool {
        self.loading.load(Ordering::SeqCst)
    }

    /// The running script is an EVAL (not a function): which -BUSY text applies.
    pub fn is_eval(&self) -> bool {
        self.is_eval.load(Ordering::SeqCst)
    }

    /// The running script wrote to the dataset: SCRIPT KILL no longer applies.
    pub fn mark_wrote(&self) {
        self.wrote.store(true, Ordering::SeqCst);
    }

    /// Whether the hook must stop the script.
    pub fn kill_requested(&self) -> bool {
        self.kill.load(Ordering::Relaxed) || self.load_timed_out.load(Ordering::Relaxed)
    }

    /// The error the hook raises to stop the script, if it must stop.
    pub fn kill_message(&self) -> Option<&'static str> {
        if self.load_timed_out.load(Ordering::Relaxed) {
            Some("FUNCTION LOAD timeout")
        } else if self.kill.load(Ordering::Relaxed) {
            Some("Script killed by user with SCRIPT KILL...")
        } else {
            None
        }
    }

    /// How long the running script has run, ms.
    pub fn duration_ms(&self) -> i64 {
        (unix_ms() - self.started_ms.load(Ordering::SeqCst)).max(0)
    }

    /// What FUNCTION STATS reports about the running script.
    pub fn running_info(&self) -> Option<RunningScript> {
        if !self.is_running() {
            return None;
        }
        self.running_info.lock().ok().map(|info| info.clone())
    }

    /// Called by the hook: enters busy mode past the threshold (logging Redis's warning
    /// once), and times out a FUNCTION LOAD.
    pub fn check_busy(&self, kind: EngineKind) {
        let deadline = self.load_deadline_ms.load(Ordering::Relaxed);
        if deadline > 0 && unix_ms() > deadline {
            self.load_timed_out.store(true, Ordering::SeqCst);
            return;
        }
        if !self.is_running() || self.is_busy() {
            return;
        }
        let threshold = self.threshold_ms.load(Ordering::Relaxed);
        let elapsed = self.duration_ms();
        if threshold > 0 && u64::try_from(elapsed).unwrap_or(0) >= threshold {
            let command = match kind {
                EngineKind::Eval => "SCRIPT KILL",
                EngineKind::Functions => "FUNCTION KILL",
            };
            let script = self.running_info().map(|r| r.name).unwrap_or_default();
            log::log(
                Level::Warning,
                &format!(
                    "Slow script detected: still in execution after {elapsed} milliseconds. You can try killing the script using the {command} command. Script name is: {script}."
                ),
            );
            self.busy.store(true, Ordering::SeqCst);
            self.released.notify_waiters();
        }
    }

    /// Called by the hook while the script is busy: lets the runtime go on without this
    /// thread (see the module's doc). Does nothing off the runtime (the script thread,
    /// in-process tests).
    ///
    /// Done again every [`HAND_OFF_EVERY_MS`], not once: a hand-off can silently fail.
    /// `block_in_place` takes the worker back when its closure returns before the new
    /// thread took it, and the marker that should show the new thread runs can be stolen
    /// and run by another worker meanwhile. A worker taken back stays with the script,
    /// and with it the tasks queued on it and those this thread wakes (the replies to
    /// what it runs for others): they would wait for the script's end. When the worker
    /// is already gone, a call only waits for some worker to run the marker; doing that
    /// at every hook call slowed a busy Lua loop by half (1.6 s -> 2.45 s).
    pub fn leave_runtime(&self) {
        if !on_runtime_worker() {
            return;
        }
        let now = unix_ms();
        if now < self.next_hand_off_ms.load(Ordering::Relaxed) {
            return;
        }
        self.next_hand_off_ms
            .store(now + HAND_OFF_EVERY_MS, Ordering::Relaxed);
        // Counted before the hand-off: the tasks the worker's new thread runs must find
        // it so, or they would block it on the lock.
        if !self.left_runtime.swap(true, Ordering::SeqCst) {
            self.offloaded.fetch_add(1, Ordering::SeqCst);
        }
        hand_worker_to_another_thread();
    }

    /// The lock is being let go (see `ServerGuard`): a holder that left the runtime is
    /// back to counting as none, and the connections waiting for the lock retry.
    pub fn lock_released(&self) {
        if self.left_runtime.load(Ordering::Relaxed)
            && self.left_runtime.swap(false, Ordering::SeqCst)
        {
            self.offloaded.fetch_sub(1, Ordering::SeqCst);
            self.released.notify_waiters();
        }
    }

    /// SCRIPT KILL (`is_eval`) or FUNCTION KILL.
    pub fn kill(&self, is_eval: bool) -> KillOutcome {
        if !self.is_running() {
            return KillOutcome::NotBusy;
        }
        if self.wrote.load(Ordering::SeqCst) {
            return KillOutcome::Unkillable;
        }
        if is_eval != self.is_eval() {
            return KillOutcome::WrongKind;
        }
        self.kill.store(true, Ordering::SeqCst);
        KillOutcome::Killed
    }

    /// SHUTDOWN NOSAVE while busy: stop the script even if it wrote, then the server.
    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        self.kill.store(true, Ordering::SeqCst);
    }

    /// FUNCTION LOAD runs library code for at most `timeout_ms`.
    pub fn start_load(&self, timeout_ms: i64) {
        self.load_timed_out.store(false, Ordering::SeqCst);
        self.load_deadline_ms
            .store(unix_ms() + timeout_ms, Ordering::SeqCst);
    }

    /// The load ended; returns whether it timed out.
    pub fn finish_load(&self) -> bool {
        self.load_deadline_ms.store(0, Ordering::SeqCst);
        self.load_timed_out.swap(false, Ordering::SeqCst)
    }
}

/// Whether this thread runs a worker of a multi-threaded runtime (or the thread blocked in
/// its `block_on`), where `block_in_place` is allowed.
fn on_runtime_worker() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// How often a busy script hands its runtime worker off again (see `leave_runtime`): a
/// worker taken back holds its tasks at most this long.
const HAND_OFF_EVERY_MS: i64 = 10;

/// How long one hand-off waits for another thread to take the worker (a new thread
/// starts within a millisecond; the hook calls again a few milliseconds later anyway).
const HAND_OFF_WAIT: Duration = Duration::from_millis(20);

/// Hands this thread's runtime worker, if it has one, to another thread, which then runs
/// the tasks queued on it; the caller carries on here, off the runtime. Waits at most
/// [`HAND_OFF_WAIT`] for a worker to run a marker task (if none did, `block_in_place`
/// took the worker back and the next call tries again).
fn hand_worker_to_another_thread() {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let taken = Arc::new(AtomicBool::new(false));
    let marker = Arc::clone(&taken);
    // Queued on this worker, so it runs once another thread drives the worker (or, off
    // the worker already, on whichever worker is free).
    drop(runtime.spawn(async move { marker.store(true, Ordering::SeqCst) }));
    // block_in_place gives the worker to a new thread and takes it back when the closure
    // returns, unless that thread already took it: so the closure waits for that.
    tokio::task::block_in_place(|| {
        let deadline = Instant::now() + HAND_OFF_WAIT;
        while !taken.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
    });
}
