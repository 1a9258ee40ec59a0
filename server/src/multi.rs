//! Transactions: the commands a client queues between MULTI and EXEC, and WATCH.
//!
//! WATCH is optimistic locking: the server maps each watched (db, key) to the clients
//! watching it; any change to the key (a write command, expiry, eviction, a flush, a
//! database swap) marks those clients' transactions as failed ("dirty CAS"), and their
//! EXEC replies with a null array. Redis keeps the dirty flag on the client; here it is a
//! set of client ids on the server, because the client running the command that touches
//! a key is not in the registry while it runs (see `client.rs`).
//!
//! The commands themselves (MULTI, EXEC, ...) are in `commands/multi.rs`; the queueing
//! decision is the dispatcher's, as in Redis's `processCommand`.

use std::collections::{HashMap, HashSet};

use scarlet_protocol::OwnedArgs;
use scarlet_storage::Millis;

use crate::commands::Command;
use crate::server::Server;

/// A client's open transaction.
#[derive(Debug, Default)]
pub struct MultiState {
    /// The queued commands, in order.
    pub queued: Vec<(&'static Command, OwnedArgs)>,
    /// A command was refused while queueing: EXEC answers EXECABORT.
    pub dirty_exec: bool,
    /// The union of the queued commands' flags (EXEC is checked as a write if any queued
    /// command writes, and so on).
    pub flags: u64,
    /// The union of the flags the queued commands lack (Redis's `cmd_inv_flags`: EXEC
    /// waits for loading if any queued command may not run while loading).
    pub flags_missing: u64,
    /// Bytes of queued arguments (CLIENT LIST `multi-mem`).
    pub argv_bytes: usize,
}

/// One client's watch on one key.
#[derive(Debug, Clone, Copy)]
struct Watcher {
    id: u64,
    /// The key was already logically expired when watched: its deletion by expiry is no
    /// change (Redis 7.0's `watchedKey.expired`).
    expired: bool,
}

/// Who watches which key, and whose transactions a change has spoiled.
#[derive(Debug, Default)]
pub struct Watches {
    by_key: HashMap<(usize, Vec<u8>), Vec<Watcher>>,
    /// Each client's watched keys, for UNWATCH and disconnection.
    by_client: HashMap<u64, Vec<(usize, Vec<u8>)>>,
    /// Clients whose watched keys changed (Redis's CLIENT_DIRTY_CAS).
    dirty: HashSet<u64>,
}

impl Watches {
    /// Whether any key is watched: the fast path of every key change.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Bytes this client's watched keys take, roughly (a list node and a table entry
    /// per key, plus the key), for client eviction.
    pub fn memory_of(&self, id: u64) -> usize {
        self.by_client
            .get(&id)
            .map_or(0, |keys| keys.iter().map(|(_, key)| key.len() + 64).sum())
    }

    /// Whether a change spoiled this client's transaction.
    pub fn is_dirty(&self, id: u64) -> bool {
        self.dirty.contains(&id)
    }

    /// Marks a client's transaction as failed.
    pub fn mark_dirty(&mut self, id: u64) {
        self.dirty.insert(id);
    }

    fn watch(&mut self, id: u64, db: usize, key: &[u8], expired: bool) {
        let mine = self.by_client.entry(id).or_default();
        if mine.iter().any(|(d, k)| *d == db && k == key) {
            return;
        }
        mine.push((db, key.to_vec()));
        self.by_key
            .entry((db, key.to_vec()))
            .or_default()
            .push(Watcher { id, expired });
    }

    /// Forgets every watch of a client, and its dirty mark (UNWATCH, EXEC, DISCARD,
    /// disconnection).
    pub fn unwatch_all(&mut self, id: u64) {
        self.dirty.remove(&id);
        self.drop_watches(id);
    }

    fn drop_watches(&mut self, id: u64) {
        let Some(keys) = self.by_client.remove(&id) else {
            return;
        };
        for db_key in keys {
            if let Some(watchers) = self.by_key.get_mut(&db_key) {
                watchers.retain(|w| w.id != id);
                if watchers.is_empty() {
                    self.by_key.remove(&db_key);
                }
            }
        }
    }

    /// The clients watching a key that still hold it un-expired-at-watch-time, for a
    /// change; clients that watched an already expired key which is now gone only lose
    /// that mark. `exists` says whether the key is in the database after the change.
    fn touch(&mut self, db: usize, key: &[u8], exists: bool) {
        let Some(watchers) = self.by_key.get_mut(&(db, key.to_vec())) else {
            return;
        };
        let mut spoiled = Vec::new();
        for w in watchers.iter_mut() {
            if w.expired && !exists {
                // An expired key that is now deleted: logically no change.
                w.expired = false;
                continue;
            }
            spoiled.push(w.id);
        }
        for id in spoiled {
            self.dirty.insert(id);
            // A spoiled transaction needs no more watching.
            self.drop_watches(id);
        }
    }

    fn keys_of_db(&self, db: usize) -> Vec<Vec<u8>> {
        self.by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }
}

impl Server {
    /// WATCH of one key by client `id` in `db`.
    pub fn watch_key(&mut self, id: u64, db: usize, key: &[u8], now: Millis) {
        let expired = self.dbs.get(db).is_some_and(|d| d.is_expired(key, now));
        self.watches.watch(id, db, key, expired);
    }

    /// Redis's `touchWatchedKey`: a key changed, so transactions watching it fail.
    pub fn touch_watched_key(&mut self, db: usize, key: &[u8]) {
        if self.watches.is_empty() {
            return;
        }
        let exists = self.dbs.get(db).is_some_and(|d| d.peek(key).is_some());
        self.watches.touch(db, key, exists);
    }

    /// Redis's `touchAllWatchedKeysInDb`, called before FLUSHDB/FLUSHALL empty `db` or
    /// SWAPDB replaces it with `replaced_with`: a watched key that exists in either spoils
    /// its watchers, except an expired key whose watchers already saw it expired.
    pub fn touch_all_watched_keys_in_db(
        &mut self,
        db: usize,
        replaced_with: Option<usize>,
        now: Millis,
    ) {
        if self.watches.is_empty() {
            return;
        }
        for key in self.watches.keys_of_db(db) {
            let in_emptied = self.dbs.get(db).is_some_and(|d| d.peek(&key).is_some());
            let other = replaced_with.and_then(|r| self.dbs.get(r));
            let in_other = other.is_some_and(|d| d.peek(&key).is_some());
            let other_expired = other.is_some_and(|d| d.is_expired(&key, now));
            if !in_emptied && !in_other {
                continue;
            }
            let Some(watchers) = self.watches.by_key.get_mut(&(db, key.clone())) else {
                continue;
            };
            let mut spoiled = Vec::new();
            for w in watchers.iter_mut() {
                if w.expired {
                    if !in_other {
                        w.expired = false;
                        continue;
                    }
                    if other_expired {
                        continue;
                    }
                } else if !in_emptied && other_expired {
                    // A missing key replaced by an expired one.
                    w.expired = true;
                    continue;
                }
                spoiled.push(w.id);
            }
            for id in spoiled {
                self.watches.mark_dirty(id);
            }
        }
    }

    /// Whether a key watched by `id` has expired since it was watched (EXEC then fails,
    /// as Redis's `isWatchedKeyExpired`).
    pub fn watched_key_expired(&self, id: u64, now: Millis) -> bool {
        let Some(keys) = self.watches.by_client.get(&id) else {
            return false;
        };
        keys.iter().any(|(db, key)| {
            let was_expired = self
                .watches
                .by_key
                .get(&(*db, key.clone()))
                .and_then(|ws| ws.iter().find(|w| w.id == id))
                .is_some_and(|w| w.expired);
            !was_expired && self.dbs.get(*db).is_some_and(|d| d.is_expired(key, now))
        })
    }
}
