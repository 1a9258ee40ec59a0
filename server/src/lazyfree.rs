//! Lazy freeing: big values and emptied databases are dropped on a background thread, so
//! that UNLINK, FLUSHALL ASYNC and the `lazyfree-lazy-*` paths never make a client wait
//! while millions of allocations are given back (Redis's `lazyfree.c` and its BIO thread).
//!
//! It owns the thread, the queue to it and the two counters INFO prints
//! (`lazyfree_pending_objects`, `lazyfreed_objects`). Which deletions are lazy is the
//! callers' decision (the configuration and the command); the rule for when handing a
//! value over is worth it is here: as Redis, only values made of more than 64 allocations
//! go to the thread, since queueing a small one costs more than dropping it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};

use scarlet_storage::{Db, Value};

/// Values needing more frees than this go to the background (Redis's LAZYFREE_THRESHOLD).
pub const LAZYFREE_THRESHOLD: usize = 64;

/// Something for the background thread to drop, and how many objects it counts as.
enum Garbage {
    /// One value.
    Value(Value),
    /// Databases emptied by FLUSHALL/FLUSHDB ASYNC, counted as their keys.
    Dbs(Vec<Db>, u64),
}

/// The counters shared with the thread.
#[derive(Debug, Default)]
struct Counters {
    pending: AtomicU64,
    freed: AtomicU64,
}

/// The lazy-free thread's handle, owned by the server.
#[derive(Debug, Default)]
pub struct LazyFree {
    sender: Option<Sender<Garbage>>,
    counters: Arc<Counters>,
}

/// How many frees dropping `value` takes, roughly (Redis's lazyfreeGetFreeEffort): one per
/// node of a list, one per element of a hashtable or skiplist, 1 for compact encodings
/// and strings, which are one allocation.
pub fn free_effort(value: &Value) -> usize {
    match value {
        Value::List(list) => list.quicklist().node_count(),
        Value::Set(set) if set.encoding() == "hashtable" => set.len(),
        Value::Hash(hash) if hash.encoding() == "hashtable" => hash.len(),
        Value::Zset(zset) if zset.encoding() == "skiplist" => zset.len(),
        _ => 1,
    }
}

impl LazyFree {
    /// Drops `value`: on the background thread when it is big, here otherwise (Redis's
    /// freeObjAsync). Returns whether it went to the background.
    pub fn free_value(&mut self, value: Value) -> bool {
        if free_effort(&value) <= LAZYFREE_THRESHOLD {
            drop(value);
            return false;
        }
        self.send(Garbage::Value(value), 1)
    }

    /// Drops emptied databases on the background thread (Redis's emptyDbAsync), whatever
    /// their size; `keys` is how many keys they held, which is what the counters count.
    pub fn free_dbs(&mut self, dbs: Vec<Db>, keys: u64) {
        self.send(Garbage::Dbs(dbs, keys), keys);
    }

    /// Objects queued and not freed yet (INFO `lazyfree_pending_objects`).
    pub fn pending(&self) -> u64 {
        self.counters.pending.load(Ordering::Relaxed)
    }

    /// Objects freed in the background since start or CONFIG RESETSTAT (INFO
    /// `lazyfreed_objects`).
    pub fn freed(&self) -> u64 {
        self.counters.freed.load(Ordering::Relaxed)
    }

    /// CONFIG RESETSTAT.
    pub fn reset_stats(&self) {
        self.counters.freed.store(0, Ordering::Relaxed);
    }

    /// Queues `garbage`, starting the thread on first use. Drops it here when the thread
    /// cannot be started: slower, never wrong. Returns whether it was queued.
    fn send(&mut self, garbage: Garbage, objects: u64) -> bool {
        if self.sender.is_none() {
            self.sender = self.start();
        }
        let Some(sender) = &self.sender else {
            drop(garbage);
            return false;
        };
        self.counters.pending.fetch_add(objects, Ordering::Relaxed);
        match sender.send(garbage) {
            Ok(()) => true,
            Err(returned) => {
                self.counters.pending.fetch_sub(objects, Ordering::Relaxed);
                self.sender = None;
                drop(returned.0);
                false
            }
        }
    }

    fn start(&self) -> Option<Sender<Garbage>> {
        let (sender, receiver) = channel::<Garbage>();
        let counters = Arc::clone(&self.counters);
        std::thread::Builder::new()
            .name("lazyfree".into())
            .spawn(move || {
                for garbage in receiver {
                    let objects = match garbage {
                        Garbage::Value(value) => {
                            drop(value);
                            1
                        }
                        Garbage::Dbs(dbs, keys) => {
                            drop(dbs);
                            keys
                        }
                    };
                    counters.pending.fetch_sub(objects, Ordering::Relaxed);
                    counters.freed.fetch_add(objects, Ordering::Relaxed);
                }
            })
            .ok()?;
        Some(sender)
    }
}
