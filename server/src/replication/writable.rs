//! Keys a writable replica's own clients gave a TTL (Redis's `rememberSlaveKeyWithExpire`
//! and `expireSlaveKeys`). A replica never expires its master's keys, which the master's
//! DELs remove, but nobody would ever delete the keys written by its own clients: these
//! are remembered, and the cron deletes them once their TTL passes, the only active
//! expiry a replica runs.

use std::collections::HashMap;
use std::time::Instant;

use scarlet_storage::{ExpiryMode, Millis};

use crate::server::Server;

/// The keys to watch, each with the databases it was given a TTL in (a bit per database
/// below 64, as Redis tracks them).
#[derive(Debug, Default)]
pub struct WritableReplicaKeys {
    keys: HashMap<Vec<u8>, u64>,
}

impl WritableReplicaKeys {
    /// How many keys are watched.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Forgets every key (a new dataset, or the replica became a master, whose active
    /// expiry covers all keys).
    pub fn clear(&mut self) {
        self.keys = HashMap::new();
    }
}

impl Server {
    /// Notes that `key` in `db` got a TTL from a client of this writable replica.
    pub fn remember_replica_key_with_expire(&mut self, db: usize, key: &[u8]) {
        if !self.replication.is_replica() || self.running_for_master() || db >= 64 {
            return;
        }
        let bits = self
            .replication
            .writable_keys
            .keys
            .entry(key.to_vec())
            .or_default();
        *bits |= 1u64 << db;
    }

    /// Which expiry a write lookup applies: a writable replica's own clients delete the
    /// expired keys they write to (Redis's LOOKUP_WRITE), so that a write behaves as it
    /// would on a master; everything else as `expiry_mode` says.
    pub fn write_expiry_mode(&self, now: Millis) -> ExpiryMode {
        if self.expiry_left_to_master()
            && !self.replication.async_loading
            && !self.config.replica_read_only
            && !self.running_for_master()
            && !self.expiry_paused(now)
        {
            return ExpiryMode::Delete;
        }
        self.expiry_mode(now)
    }

    /// Deletes the remembered keys whose TTL passed, for about `budget` (Redis's
    /// `expireSlaveKeys`). Keys that lost their TTL or their last database are forgotten.
    pub fn expire_replica_keys(&mut self, now: Millis, until: Instant) {
        // Nothing expires while the master's payload loads in the background.
        if self.replication.writable_keys.is_empty() || self.replication.async_loading {
            return;
        }
        let keys: Vec<Vec<u8>> = self
            .replication
            .writable_keys
            .keys
            .keys()
            .cloned()
            .collect();
        for key in keys {
            if Instant::now() >= until {
                break;
            }
            let bits = self
                .replication
                .writable_keys
                .keys
                .get(&key)
                .copied()
                .unwrap_or(0);
            let mut kept = 0u64;
            for db in 0..self.dbs.len().min(64) {
                if bits & (1u64 << db) == 0 {
                    continue;
                }
                match self.dbs.get(db).and_then(|d| d.expire_at(&key)) {
                    Some(when) if when <= now => self.delete_expired_key(db, &key),
                    Some(_) => kept |= 1u64 << db,
                    None => {}
                }
            }
            if kept == 0 {
                self.replication.writable_keys.keys.remove(&key);
            } else if let Some(bits) = self.replication.writable_keys.keys.get_mut(&key) {
                *bits = kept;
            }
        }
    }

    /// Deletes a key whose TTL passed, with its event, statistics and propagation, as
    /// an expired key goes anywhere else.
    fn delete_expired_key(&mut self, db: usize, key: &[u8]) {
        let lazy = self.config.lazyfree_lazy_expire;
        if let Some(value) = self.dbs.get_mut(db).and_then(|d| d.remove(key)) {
            self.stats.expired_keys += 1;
            self.pending_events
                .push(crate::notify::KeyEvent::expired(db, key));
            crate::keyspace::free_expired(&mut self.lazyfree, value, lazy);
            self.propagating_separately(Server::flush_key_events);
        }
    }
}
