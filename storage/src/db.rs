//! One numbered database: the keyspace table, the TTL table, and expiry.
//!
//! It owns Redis's `redisDb` semantics: keys map to values in one table, TTLs (unix
//! milliseconds) live in a second table holding only keys that have one, as Redis's
//! `expires` dict, so active expiry samples only volatile keys. Each key's meta word
//! holds the 24-bit LRU/LFU field and a "has a TTL" flag, so lookups of keys without a
//! TTL never touch the second table. It owns lazy expiry on access (per
//! [`ExpiryMode`]), one round of the active expiry cycle, RANDOMKEY's selection and
//! DEBUG DIGEST's walk. It deliberately does not read the clock, count statistics,
//! emit keyspace events or propagate deletions: it reports each key it deletes because
//! it expired to the caller, which does those things.

use crate::Millis;
use crate::dict::Dict;
use crate::digest::{Digest, key_digest, value_digest};
use crate::key::Key;
use crate::lru::{self, Access, META_MASK};
use crate::value::Value;

/// The meta word's flag marking a key that has an entry in the TTL table.
const HAS_TTL: u32 = 1 << 31;
/// How many keys the fair random pick samples (and so how many rehash steps it runs).
const RANDOM_SAMPLE: usize = 15;
/// RANDOMKEY on a replica whose keys all have TTLs gives up after this many expired
/// picks and returns the last one, as Redis does.
const REPLICA_RANDOM_TRIES: u32 = 100;
/// A hard cap on RANDOMKEY's picks when expired keys are hidden, so poor caller
/// randomness cannot make it loop forever.
const HIDDEN_RANDOM_TRIES: u32 = 10_000;
/// The active expiry cycle checks at most this many buckets per key it wants.
const BUCKETS_PER_SAMPLE: u64 = 20;
/// The active expiry cycle skips a TTL table under 1% full, waiting for it to shrink.
const MIN_SAMPLING_FILL_PERCENT: usize = 1;

/// What a lookup does with a key whose TTL has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryMode {
    /// A master: delete the key, and report it as expired.
    Delete,
    /// A replica (or while clients are paused): report the key as missing, keep it.
    Hide,
    /// While loading or applying the master's stream: the key is still there.
    Ignore,
}

/// The result of [`Db::lookup`].
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The key exists and has not expired.
    Found(&'a mut Value),
    /// No such key.
    Missing,
    /// The key's TTL has passed; `deleted` is true when the lookup removed it, and the
    /// caller then counts it, notifies `expired` and propagates a DEL.
    Expired {
        /// Whether the key was deleted (ExpiryMode::Delete).
        deleted: bool,
        /// The deleted key's value, for the caller to free (lazyfree-lazy-expire).
        value: Option<Value>,
    },
}

/// What one round of the active expiry cycle did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExpireRound {
    /// TTL entries looked at.
    pub sampled: u64,
    /// Keys deleted because they had expired.
    pub expired: u64,
    /// True when the round did not sample because there is nothing worth sampling (no
    /// TTLs, or a TTL table under 1% full); Redis then moves on to the next database
    /// instead of repeating the round.
    pub skipped: bool,
}

/// One database.
pub struct Db {
    keys: Dict<Value>,
    expires: Dict<Millis>,
    avg_ttl: u64,
    expires_cursor: u64,
    /// Set while a snapshot captures this database (see `db_snapshot`).
    capture: Option<Box<snapshot::Capture>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("keys", &self.keys)
            .field("expires", &self.expires)
            .field("avg_ttl", &self.avg_ttl)
            .finish()
    }
}

impl Default for Db {
    fn default() -> Self {
        Self::new()
    }
}

impl Db {
    /// An empty database.
    pub fn new() -> Self {
        Db {
            keys: Dict::new(),
            expires: Dict::new(),
            avg_ttl: 0,
            expires_cursor: 0,
            capture: None,
        }
    }

    /// The number of keys, including expired ones not yet deleted (DBSIZE).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The number of keys with a TTL (INFO keyspace's `expires`).
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The running estimate of the TTL left on volatile keys, in milliseconds (INFO
    /// keyspace's `avg_ttl`), maintained by the active expiry cycle.
    pub fn avg_ttl(&self) -> u64 {
        self.avg_ttl
    }

    /// The keyspace table, for statistics such as DEBUG HTSTATS.
    pub fn keys_table(&self) -> &Dict<Value> {
        &self.keys
    }

    /// The TTL table, for statistics and volatile sampling.
    pub fn expires_table(&self) -> &Dict<Millis> {
        &self.expires
    }

    fn expired_at(&self, key: &[u8], meta: u32, now: Millis) -> bool {
        meta & HAS_TTL != 0 && self.expires.get(key).is_some_and(|&when| now > when)
    }

    /// Looks a key up for a command: applies lazy expiry per `mode`, then records the
    /// access per `access` (Redis's lookupKey).
    pub fn lookup(
        &mut self,
        key: &[u8],
        now: Millis,
        access: &Access,
        mode: ExpiryMode,
    ) -> Lookup<'_> {
        let Some(meta) = self.keys.meta(key) else {
            return Lookup::Missing;
        };
        // The caller may change the value through the returned reference.
        self.before_change(key, false);
        if mode != ExpiryMode::Ignore && self.expired_at(key, meta, now) {
            if mode == ExpiryMode::Hide {
                return Lookup::Expired {
                    deleted: false,
                    value: None,
                };
            }
            let value = self.remove(key);
            return Lookup::Expired {
                deleted: true,
                value,
            };
        }
        match self.keys.get_meta_mut(key) {
            Some((meta, value)) => {
                *meta = lru::touch(*meta, access);
                Lookup::Found(value)
            }
            None => Lookup::Missing,
        }
    }

    /// The value under `key`, ignoring TTLs and recording no access (DEBUG, OBJECT
    /// ENCODING of an existing key, snapshots).
    pub fn peek(&self, key: &[u8]) -> Option<&Value> {
        self.keys.get(key)
    }

    /// True when `key` exists, expired or not.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.keys.contains_key(key)
    }

    /// True when `key` exists and its TTL has passed at `now`.
    pub fn is_expired(&self, key: &[u8], now: Millis) -> bool {
        self.keys
            .meta(key)
            .is_some_and(|meta| self.expired_at(key, meta, now))
    }

    /// Stores `value` under `key` (keeping an existing TTL when `keep_ttl`), and returns
    /// the value it replaced, for the caller to free (lazyfree-lazy-server-del).
    pub fn overwrite(
        &mut self,
        key: &[u8],
        value: Value,
        access: &Access,
        keep_ttl: bool,
    ) -> Option<Value> {
        self.before_change(key, true);
        let mut had_ttl = false;
        let replaced = self.keys.insert_with_meta(key, value, |old| match old {
            None => lru::initial_meta(access),
            Some(old) => {
                had_ttl = old & HAS_TTL != 0;
                // Under LFU Redis carries the old counter over to the new value; under
                // LRU the new value is as fresh as its creation.
                let field = match access {
                    Access::Lru { .. } => lru::initial_meta(access),
                    Access::Lfu(_) | Access::NoTouch => old & META_MASK,
                };
                let ttl = if keep_ttl { old & HAS_TTL } else { 0 };
                field | ttl
            }
        });
        if had_ttl && !keep_ttl {
            self.expires.remove(key);
        }
        replaced
    }

    /// Stores `value` under `key`, replacing any value and clearing any TTL (Redis's
    /// setKey). Returns true when the key is new.
    pub fn insert(&mut self, key: &[u8], value: Value, access: &Access) -> bool {
        self.overwrite(key, value, access, false).is_none()
    }

    /// Stores `value` under `key`, keeping an existing key's TTL (SET KEEPTTL).
    /// Returns true when the key is new.
    pub fn insert_keep_ttl(&mut self, key: &[u8], value: Value, access: &Access) -> bool {
        self.overwrite(key, value, access, true).is_none()
    }

    /// Stores `value` under `key` with the given TTL (or none). Returns true when the
    /// key is new.
    pub fn insert_with_expire(
        &mut self,
        key: &[u8],
        value: Value,
        expire: Option<Millis>,
        access: &Access,
    ) -> bool {
        let new = self.overwrite(key, value, access, false).is_none();
        if let Some(when) = expire {
            self.set_expire_at(key, when);
        }
        new
    }

    /// Deletes `key` and its TTL, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        self.before_change(key, false);
        let (meta, value) = self.keys.remove_entry(key)?;
        if meta & HAS_TTL != 0 {
            self.expires.remove(key);
        }
        Some(value)
    }

    /// Deletes `key`, returning its value and TTL (RENAME, MOVE).
    pub fn take(&mut self, key: &[u8]) -> Option<(Value, Option<Millis>)> {
        self.before_change(key, false);
        let (meta, value) = self.keys.remove_entry(key)?;
        let expire = if meta & HAS_TTL != 0 {
            self.expires.remove(key)
        } else {
            None
        };
        Some((value, expire))
    }

    /// The key's TTL as unix milliseconds, if it has one.
    pub fn expire_at(&self, key: &[u8]) -> Option<Millis> {
        let meta = self.keys.meta(key)?;
        if meta & HAS_TTL == 0 {
            return None;
        }
        self.expires.get(key).copied()
    }

    /// Sets the key's TTL to `when` (unix milliseconds). Returns false when there is no
    /// such key. A time in the past is stored as is; deleting instead is the caller's
    /// decision, as in Redis's EXPIRE.
    pub fn set_expire_at(&mut self, key: &[u8], when: Millis) -> bool {
        self.before_change(key, false);
        match self.keys.get_meta_mut(key) {
            Some((meta, _)) => *meta |= HAS_TTL,
            None => return false,
        }
        self.expires.insert(key, when);
        true
    }

    /// Removes the key's TTL. Returns true when it had one (PERSIST).
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.before_change(key, false);
        match self.keys.get_meta_mut(key) {
            Some((meta, _)) if *meta & HAS_TTL != 0 => *meta &= !HAS_TTL,
            _ => return false,
        }
        self.expires.remove(key).is_some()
    }

    /// The key's 24-bit LRU/LFU field.
    pub fn meta(&self, key: &[u8]) -> Option<u32> {
        self.keys.meta(key).map(|meta| meta & META_MASK)
    }

    /// Replaces the key's 24-bit LRU/LFU field (OBJECT FREQ's decay, RESTORE IDLETIME /
    /// FREQ). Returns false when there is no such key.
    pub fn set_meta(&mut self, key: &[u8], field: u32) -> bool {
        match self.keys.get_meta_mut(key) {
            Some((meta, _)) => {
                *meta = (*meta & !META_MASK) | (field & META_MASK);
                true
            }
            None => false,
        }
    }

    /// One SCAN step over the keys (expired ones included; the caller filters them).
    pub fn scan(&self, cursor: u64, f: impl FnMut(&Key, &Value)) -> u64 {
        self.keys.scan(cursor, f)
    }

    /// Every key and value, expired ones included.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.keys.iter()
    }

    /// Every key with its value and TTL, for snapshots.
    pub fn iter_with_expire(&self) -> impl Iterator<Item = (&Key, &Value, Option<Millis>)> {
        self.keys.iter_with_meta().map(|(key, meta, value)| {
            let expire = if meta & HAS_TTL != 0 {
                self.expires.get(key.as_bytes()).copied()
            } else {
                None
            };
            (key, value, expire)
        })
    }

    /// RANDOMKEY (Redis's dbRandomKey): a fairly random key that has not expired.
    /// Expired picks are deleted (and reported with their value to `on_expired`, which
    /// frees it) or skipped per `mode`;
    /// on a replica whose keys all have TTLs it gives up after 100 expired picks and
    /// returns the last one, as Redis does. `rand` supplies the randomness.
    pub fn random_key(
        &mut self,
        now: Millis,
        mode: ExpiryMode,
        rand: &mut dyn FnMut() -> u64,
        on_expired: &mut dyn FnMut(&[u8], Value),
    ) -> Option<Vec<u8>> {
        if self.keys.is_rehashing() {
            self.keys.rehash_steps(RANDOM_SAMPLE);
        }
        let all_volatile = self.keys.len() == self.expires.len();
        let mut replica_tries = REPLICA_RANDOM_TRIES;
        let mut hidden_tries = HIDDEN_RANDOM_TRIES;
        loop {
            let (key, meta) = {
                let node = self.keys.random_node(rand())?;
                (node.key.to_vec(), node.meta)
            };
            if meta & HAS_TTL == 0 || mode == ExpiryMode::Ignore {
                return Some(key);
            }
            if mode == ExpiryMode::Hide {
                replica_tries -= u32::from(all_volatile);
                hidden_tries -= 1;
                if replica_tries == 0 || hidden_tries == 0 {
                    return Some(key);
                }
            }
            if !self.expired_at(&key, meta, now) {
                return Some(key);
            }
            if mode == ExpiryMode::Delete
                && let Some(value) = self.remove(&key)
            {
                on_expired(&key, value);
            }
        }
    }

    /// Up to `count` keys for the eviction pool, from the keys with a TTL when
    /// `volatile`, else from all keys; `f` gets each key's 24-bit LRU/LFU field and TTL.
    pub fn sample_for_eviction(
        &self,
        volatile: bool,
        count: usize,
        rand: u64,
        mut f: impl FnMut(&Key, u32, Option<Millis>),
    ) {
        if volatile {
            self.expires.sample(count, rand, |key, &when| {
                let field = self.keys.meta(key.as_bytes()).unwrap_or(0) & META_MASK;
                f(key, field, Some(when));
            });
        } else {
            self.keys.sample_with_meta(count, rand, |key, meta, _| {
                let expire = if meta & HAS_TTL != 0 {
                    self.expires.get(key.as_bytes()).copied()
                } else {
                    None
                };
                f(key, meta & META_MASK, expire);
            });
        }
    }

    /// One round of Redis 7.0's active expiry cycle for this database: walks the TTL
    /// table's buckets from a cursor kept across rounds until `keys` entries have been
    /// looked at (or 20 buckets per wanted entry), deletes the expired ones (reporting
    /// each with its value to `on_expired`, which frees it), and updates the average TTL. The caller repeats rounds
    /// while more than its acceptable share of the sample expired and time allows.
    pub fn active_expire_round(
        &mut self,
        now: Millis,
        keys: usize,
        on_expired: &mut dyn FnMut(&[u8], Value),
    ) -> ExpireRound {
        let volatile = self.expires.len();
        if volatile == 0 {
            self.avg_ttl = 0;
            return ExpireRound {
                skipped: true,
                ..ExpireRound::default()
            };
        }
        let slots = self.expires.slots();
        if slots > 4 && volatile.saturating_mul(100) / slots < MIN_SAMPLING_FILL_PERCENT {
            return ExpireRound {
                skipped: true,
                ..ExpireRound::default()
            };
        }
        // At least one entry per round, so a round always makes progress.
        let wanted = u64::try_from(volatile.min(keys.max(1))).unwrap_or(u64::MAX);
        let max_buckets = wanted.saturating_mul(BUCKETS_PER_SAMPLE);
        let mut round = ExpireRound::default();
        let mut checked = 0u64;
        let mut ttl_sum: i128 = 0;
        let mut ttl_samples: i128 = 0;
        let mut batch: Vec<(Key, Millis)> = Vec::new();
        while round.sampled < wanted && checked < max_buckets {
            batch.clear();
            let visited = self
                .expires
                .visit_buckets_at(self.expires_cursor, |key, _, &when| {
                    batch.push((key.clone(), when))
                });
            checked += u64::try_from(visited).unwrap_or(1);
            for (key, when) in &batch {
                let ttl = i128::from(*when) - i128::from(now);
                if now > *when
                    && let Some(value) = self.remove(key.as_bytes())
                {
                    on_expired(key.as_bytes(), value);
                    round.expired += 1;
                }
                if ttl > 0 {
                    ttl_sum += ttl;
                    ttl_samples += 1;
                }
                round.sampled += 1;
            }
            self.expires_cursor = self.expires_cursor.wrapping_add(1);
        }
        if ttl_samples > 0 {
            // A running average weighting the new sample at 2%, as Redis does.
            let sample = u64::try_from(ttl_sum / ttl_samples).unwrap_or(u64::MAX);
            if self.avg_ttl == 0 {
                self.avg_ttl = sample;
            }
            self.avg_ttl = (self.avg_ttl / 50)
                .saturating_mul(49)
                .saturating_add(sample / 50);
        }
        round
    }

    /// Moves up to `buckets` buckets of a running rehash: the keyspace table first,
    /// then the TTL table. Returns true while either is still rehashing. The server
    /// calls this in a loop from its cron, bounded by its own clock.
    pub fn rehash_steps(&mut self, buckets: usize) -> bool {
        if self.keys.is_rehashing() {
            self.keys.rehash_steps(buckets);
        } else if self.expires.is_rehashing() {
            self.expires.rehash_steps(buckets);
        }
        self.keys.is_rehashing() || self.expires.is_rehashing()
    }

    /// Limits the bytes either table's next bucket array may take (maxmemory headroom);
    /// None lifts the limit.
    pub fn set_grow_limit(&mut self, limit: Option<usize>) {
        self.keys.set_grow_limit(limit);
        self.expires.set_grow_limit(limit);
    }

    /// Starts shrinking either table when it is under 10% full (Redis's
    /// tryResizeHashTables, called from the server's cron).
    pub fn shrink_if_sparse(&mut self) {
        self.keys.shrink_to_fit_if_sparse();
        self.expires.shrink_to_fit_if_sparse();
    }

    /// FLUSHDB: removes every key. Returns how many there were.
    pub fn clear(&mut self) -> usize {
        let removed = self.keys.len();
        if !self.hand_tables_to_capture() {
            self.keys.clear();
            self.expires.clear();
        }
        self.avg_ttl = 0;
        self.expires_cursor = 0;
        removed
    }

    /// Adds this database's part of DEBUG DIGEST to `out`: nothing when empty, else the
    /// database index mixed in, then every key's digest (expired keys included).
    pub fn digest_into(&self, db_index: u32, out: &mut Digest) {
        if self.keys.is_empty() {
            return;
        }
        out.mix(&db_index.to_be_bytes());
        for (key, meta, value) in self.keys.iter_with_meta() {
            let digest = key_digest(key.as_bytes(), value, meta & HAS_TTL != 0);
            // Redis folds each key's digest in by XORing in the SHA1 of its bytes.
            out.xor(&digest.0);
        }
    }

    /// DEBUG DIGEST-VALUE for one key (expired or not): all zeros when it is missing.
    pub fn digest_value(&self, key: &[u8]) -> Digest {
        match self.keys.get(key) {
            Some(value) => value_digest(value, self.expire_at(key)),
            None => Digest::new(),
        }
    }
}

#[path = "db_snapshot.rs"]
mod snapshot;
#[cfg(test)]
#[path = "db_snapshot_tests.rs"]
mod snapshot_tests;
#[cfg(test)]
#[path = "db_tests.rs"]
mod tests;

pub use snapshot::{SnapshotChunk, SnapshotFormat};
