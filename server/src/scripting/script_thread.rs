//! The thread the script batches of Lua debugging sessions run on: the connection task
//! must stay free to serve the session's socket meanwhile (see `connection.rs`). Other
//! scripts run inline (see `busy.rs`). One thread runs the batches one after the other,
//! since only one can hold the server lock at a time anyway.
//!
//! Only the queue is here; what a batch does is the caller's closure.

use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};

/// Work for the script thread.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// The script thread's queue, started on first use.
#[derive(Debug, Default)]
pub struct ScriptThread {
    queue: Mutex<Option<Sender<Job>>>,
}

impl ScriptThread {
    /// Queues `job`. Returns it back if no thread could be started (the caller then runs
    /// it some other way).
    pub fn run(&self, job: Job) -> Result<(), Job> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let job = match queue.as_ref() {
            Some(sender) => match sender.send(job) {
                Ok(()) => return Ok(()),
                // The thread is gone (a job panicked): start another.
                Err(failed) => failed.0,
            },
            None => job,
        };
        let (sender, receiver) = channel::<Job>();
        let started = std::thread::Builder::new()
            .name("scripts".to_string())
            .spawn(move || {
                while let Ok(job) = receiver.recv() {
                    job();
                }
            });
        if started.is_err() {
            return Err(job);
        }
        match sender.send(job) {
            Ok(()) => {
                *queue = Some(sender);
                Ok(())
            }
            Err(failed) => Err(failed.0),
        }
    }
}
