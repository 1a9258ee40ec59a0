//! Key access for commands: Redis's `lookupKeyRead`, `lookupKeyWrite`, `setKey` and
//! `dbDelete`, with what the server adds around storage: lazy expiry and its bookkeeping,
//! hit/miss statistics, access-time updates by the eviction policy, and the dirty counter.
//!
//! Every command reads and writes keys through these, so that the day keyspace events,
//! WATCH and propagation arrive, there is one place to hook them.

use rand::rngs::SmallRng;
use scarlet_storage::lru::{lfu_minutes, lru_clock};
use scarlet_storage::{
    Access, ExpiryMode, HashLimits, HashValue, LfuParams, ListOptions, ListValue, Lookup, Millis,
    SetValue, StrValue, Value, ZsetValue,
};

use crate::error::CmdError;
use crate::notify::KeyEvent;
use crate::server::Server;

/// How a read lookup behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadFlags {
    /// Update the key's access time (LRU/LFU).
    pub touch: bool,
    /// Count keyspace hits and misses.
    pub stats: bool,
    /// A miss sends the "keymiss" event (when the `m` class is on).
    pub notify_miss: bool,
}

impl ReadFlags {
    /// An ordinary read.
    pub const NORMAL: ReadFlags = ReadFlags {
        touch: true,
        stats: true,
        notify_miss: true,
    };
    /// Introspection (TYPE, TTL): leaves the access time alone.
    pub const NO_TOUCH: ReadFlags = ReadFlags {
        touch: false,
        stats: true,
        notify_miss: true,
    };
    /// OBJECT: no access-time change and no "keymiss" event.
    pub const OBJECT: ReadFlags = ReadFlags {
        touch: false,
        stats: true,
        notify_miss: false,
    };
}

impl Server {
    /// The access-time update a lookup applies under the current eviction policy.
    pub fn access(&mut self, now: Millis, touch: bool) -> Access {
        if !touch || self.no_touch_command {
            return Access::NoTouch;
        }
        if self.config.maxmemory_policy.is_lfu() {
            Access::Lfu(LfuParams {
                minutes: lfu_minutes(now),
                log_factor: self.config.lfu_log_factor,
                decay_time: self.config.lfu_decay_time,
                random: rand::RngExt::random::<f64>(&mut self.rng),
            })
        } else {
            Access::Lru {
                clock: lru_clock(now),
            }
        }
    }

    /// How storage treats expired keys on this server: a master deletes them on access,
    /// except while clients are paused, when the dataset must not change (Redis's
    /// `checkClientPauseTimeoutAndReturnIfPaused` in `expireIfNeeded`): then expired keys
    /// only look missing, and go when the pause is over.
    pub fn expiry_mode(&self, now: Millis) -> ExpiryMode {
        // Replaying the AOF: keys expire only once the whole history is in (a command
        // may still change a key whose TTL has passed, as it did when first run).
        if self.aof.loading {
            return ExpiryMode::Ignore;
        }
        // Nothing expires while a replica loads its master's payload in the background
        // (Redis's keyIsExpired while loading): the old dataset is served as it was.
        if self.replication.async_loading {
            return ExpiryMode::Ignore;
        }
        // A replica leaves deleting to its master's DELs: expired keys look gone to its
        // clients, and stay visible to the master's own stream.
        if self.expiry_left_to_master() {
            return if self.running_for_master() {
                ExpiryMode::Ignore
            } else {
                ExpiryMode::Hide
            };
        }
        if self.expiry_paused(now) {
            ExpiryMode::Hide
        } else {
            ExpiryMode::Delete
        }
    }

    /// Whether an expiry time given to a command has already passed, so the key goes at
    /// once (Redis's checkAlreadyExpired); never while replaying the AOF or on a replica,
    /// where the key keeps the time (and goes when the master says so, or when looked up
    /// after the replay).
    pub fn already_expired(&self, when: Millis, now: Millis) -> bool {
        when <= now && !self.aof.loading && !self.replication.is_replica()
    }

    /// Whether a pause (CLIENT PAUSE of any kind, or a failover's) holds expiry back at
    /// `now`.
    pub fn expiry_paused(&self, now: Millis) -> bool {
        self.current_pause(now).is_some()
    }

    /// Looks a key up for reading (Redis's `lookupKeyReadWithFlags`).
    pub fn read_key(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        flags: ReadFlags,
    ) -> Option<&mut Value> {
        let access = self.access(now, flags.touch);
        let mode = self.expiry_mode(now);
        let lazy = self.config.lazyfree_lazy_expire;
        let value = lookup_in(
            &mut self.dbs,
            (
                &mut self.stats,
                &mut self.pending_events,
                &mut self.lazyfree,
            ),
            (db, key),
            How {
                mode,
                now,
                access: &access,
                lazy,
            },
        );
        let notify_misses = self
            .config
            .notify_keyspace_events
            .any(crate::notify::class::KEY_MISS);
        let read = ReadOutcome {
            db,
            key,
            found: value.is_some(),
            flags,
            notify_misses,
        };
        read.account(&mut self.stats, &mut self.pending_events);
        value
    }

    /// [`read_key`](Self::read_key) for a command that works on strings: `Ok(None)` when
    /// the key is missing, WRONGTYPE when it holds another type (Redis's `checkType`).
    pub fn read_str(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        flags: ReadFlags,
    ) -> Result<Option<&mut StrValue>, CmdError> {
        expect_type(self.read_key(db, key, now, flags), Value::as_str_mut)
    }

    /// [`write_key`](Self::write_key) for a command that works on strings, with the same
    /// type check as [`read_str`](Self::read_str).
    pub fn write_str(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
    ) -> Result<Option<&mut StrValue>, CmdError> {
        expect_type(self.write_key(db, key, now), Value::as_str_mut)
    }

    /// [`read_key`](Self::read_key) for a command that works on hashes: `Ok(None)` when
    /// the key is missing, WRONGTYPE when it holds another type.
    pub fn read_hash(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        flags: ReadFlags,
    ) -> Result<Option<&mut HashValue>, CmdError> {
        expect_type(self.read_key(db, key, now, flags), Value::as_hash_mut)
    }

    /// [`write_key`](Self::write_key) for a command that works on hashes, with the same
    /// type check as [`read_hash`](Self::read_hash).
    pub fn write_hash(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
    ) -> Result<Option<&mut HashValue>, CmdError> {
        expect_type(self.write_key(db, key, now), Value::as_hash_mut)
    }

    /// Runs `f` on the hash under `key`, or on a new empty hash that is stored when `f`
    /// leaves a field in it (Redis's `hashTypeLookupWriteOrCreate`, without ever keeping
    /// an empty key). WRONGTYPE when the key holds another type. The caller counts its
    /// changes in `dirty`.
    pub fn with_hash_or_create<R>(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        f: impl FnOnce(&mut HashValue) -> R,
    ) -> Result<R, CmdError> {
        match self.write_hash(db, key, now)? {
            Some(hash) => Ok(f(hash)),
            None => {
                let mut hash = HashValue::new();
                let result = f(&mut hash);
                if !hash.is_empty() {
                    self.add_key(db, key, Value::from(hash), now);
                }
                Ok(result)
            }
        }
    }

    /// The limits at which hashes leave the listpack encoding, from the configuration.
    pub fn hash_limits(&self) -> HashLimits {
        HashLimits {
            max_listpack_entries: usize::try_from(self.config.hash_max_listpack_entries)
                .unwrap_or(usize::MAX),
            max_listpack_value: usize::try_from(self.config.hash_max_listpack_value)
                .unwrap_or(usize::MAX),
        }
    }

    /// [`read_key`](Self::read_key) for a command that works on sets, with the same type
    /// check as [`read_str`](Self::read_str).
    pub fn read_set(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        flags: ReadFlags,
    ) -> Result<Option<&mut SetValue>, CmdError> {
        expect_type(self.read_key(db, key, now, flags), Value::as_set_mut)
    }

    /// [`write_key`](Self::write_key) for a command that works on sets.
    pub fn write_set(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
    ) -> Result<Option<&mut SetValue>, CmdError> {
        expect_type(self.write_key(db, key, now), Value::as_set_mut)
    }

    /// [`write_set`](Self::write_set) that also lends the server's random generator, for
    /// commands that pick members at random (SPOP). `read` makes it a read lookup with
    /// those flags instead (SRANDMEMBER).
    pub fn set_with_rng(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        read: Option<ReadFlags>,
    ) -> Result<(Option<&mut SetValue>, &mut SmallRng), CmdError> {
        let access = self.access(now, read.is_none_or(|flags| flags.touch));
        let mode = self.expiry_mode(now);
        let notify_misses = self
            .config
            .notify_keyspace_events
            .any(crate::notify::class::KEY_MISS);
        let lazy = self.config.lazyfree_lazy_expire;
        let Server {
            dbs,
            stats,
            rng,
            pending_events,
            lazyfree,
            ..
        } = self;
        let how = How {
            mode,
            now,
            access: &access,
            lazy,
        };
        let value = lookup_in(dbs, (stats, pending_events, lazyfree), (db, key), how);
        if let Some(flags) = read {
            let read = ReadOutcome {
                db,
                key,
                found: value.is_some(),
                flags,
                notify_misses,
            };
            read.account(stats, pending_events);
        }
        Ok((expect_type(value, Value::as_set_mut)?, rng))
    }

    /// The set under a key this command has already looked up: no expiry check, no
    /// access-time update, no statistics, so a second look at the same key changes
    /// nothing (Redis holds on to the object instead).
    pub fn peek_set(&self, db: usize, key: &[u8]) -> Option<&SetValue> {
        self.dbs.get(db)?.peek(key)?.as_set()
    }

    /// [`peek_set`](Self::peek_set), mutably.
    pub fn peek_set_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut SetValue> {
        match self
            .dbs
            .get_mut(db)?
            .lookup(key, 0, &Access::NoTouch, ExpiryMode::Ignore)
        {
            Lookup::Found(value) => value.as_set_mut(),
            _ => None,
        }
    }

    /// [`read_key`](Self::read_key) for a command that works on lists: `Ok(None)` when
    /// the key is missing, WRONGTYPE when it holds another type.
    pub fn read_list(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        flags: ReadFlags,
    ) -> Result<Option<&mut ListValue>, CmdError> {
        expect_type(self.read_key(db, key, now, flags), Value::as_list_mut)
    }

    /// [`write_key`](Self::write_key) for a command that works on lists, with the same
    /// type check as [`read_list`](Self::read_list). The list takes the current packed
    /// threshold, which Redis keeps server-wide.
    pub fn write_list(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
    ) -> Result<Option<&mut ListValue>, CmdError> {
        let threshold = self.list_packed_threshold;
        let list = expect_type(self.write_key(db, key, now), Value::as_list_mut)?;
        if let Some(list) = list {
            list.set_packed_threshold(threshold);
            return Ok(Some(list));
        }
        Ok(None)
    }

    /// The settings a new list gets from the configuration.
    pub fn list_options(&self) -> ListOptions {
        ListOptions {
            fill: self.config.list_max_listpack_size,
            compress: self.config.list_compress_depth,
            packed_threshold: self.list_packed_threshold,
        }
    }

    /// [`read_key`](Self::read_key) for a command that works on sorted sets: `Ok(None)`
    /// when the key is missing, WRONGTYPE when it holds another type.
    pub fn read_zset(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        flags: ReadFlags,
    ) -> Result<Option<&mut ZsetValue>, CmdError> {
        expect_type(self.read_key(db, key, now, flags), Value::as_zset_mut)
    }

    /// [`write_key`](Self::write_key) for a command that works on sorted sets, with the
    /// same type check as [`read_zset`](Self::read_zset).
    pub fn write_zset(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
    ) -> Result<Option<&mut ZsetValue>, CmdError> {
        expect_type(self.write_key(db, key, now), Value::as_zset_mut)
    }

    /// Adds a key that does not exist (Redis's `dbAdd`): unlike [`set_key`](Self::set_key)
    /// it counts no change, since the command counts what it puts in the new value.
    /// Clients blocked on the key get a turn after the command.
    pub fn add_key(&mut self, db: usize, key: &[u8], value: Value, now: Millis) {
        let access = self.access(now, true);
        self.signal_key_ready(db, key);
        if let Some(d) = self.dbs.get_mut(db) {
            d.insert(key, value, &access);
        }
        self.notify(crate::notify::class::NEW, "new", key, db);
    }

    /// Looks a key up for writing (Redis's `lookupKeyWrite`): expires it if due, touches
    /// it, and counts no statistics.
    pub fn write_key(&mut self, db: usize, key: &[u8], now: Millis) -> Option<&mut Value> {
        let access = self.access(now, true);
        self.lookup_for_write(db, key, now, &access)
    }

    /// The lookup of [`write_key`](Self::write_key) and its untouched form: expiry, no
    /// statistics.
    fn lookup_for_write(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
        access: &Access,
    ) -> Option<&mut Value> {
        let mode = self.write_expiry_mode(now);
        let lazy = self.config.lazyfree_lazy_expire;
        let how = How {
            mode,
            now,
            access,
            lazy,
        };
        lookup_in(
            &mut self.dbs,
            (
                &mut self.stats,
                &mut self.pending_events,
                &mut self.lazyfree,
            ),
            (db, key),
            how,
        )
    }

    /// Like [`write_key`](Self::write_key) but leaves the access time alone.
    pub fn write_key_untouched(
        &mut self,
        db: usize,
        key: &[u8],
        now: Millis,
    ) -> Option<&mut Value> {
        self.lookup_for_write(db, key, now, &Access::NoTouch)
    }

    /// Stores a value (Redis's `setKey`): replaces any old value and, unless `keep_ttl`,
    /// its TTL, and signals the change (WATCH, tracking). Returns whether the key is new.
    /// Clients blocked on the key get a turn after the command. The command sends its own
    /// keyspace event.
    pub fn set_key(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        now: Millis,
        keep_ttl: bool,
    ) -> bool {
        self.expire_if_due(db, key, now);
        let access = self.access(now, true);
        self.dirty += 1;
        self.signal_key_ready(db, key);
        let replaced = self
            .dbs
            .get_mut(db)
            .map(|d| d.overwrite(key, value, &access, keep_ttl));
        let added = matches!(replaced, Some(None));
        if let Some(Some(old)) = replaced {
            self.free_replaced(old);
        }
        if added {
            self.notify(crate::notify::class::NEW, "new", key, db);
        }
        self.signal_modified_key(db, key);
        added
    }

    /// Deletes `key` if it has expired, with its "expired" event, as Redis's `setKey`
    /// does by looking the key up for writing first: an overwrite of an expired key is
    /// then the creation of a new one. Free when the database has no TTLs.
    fn expire_if_due(&mut self, db: usize, key: &[u8], now: Millis) {
        if self.dbs.get(db).is_some_and(|d| d.expires_len() > 0) {
            self.write_key_untouched(db, key, now);
        }
    }

    /// Stores a value with a TTL (or none), replacing what was there.
    pub fn set_key_with_expire(
        &mut self,
        db: usize,
        key: &[u8],
        value: Value,
        expire: Option<Millis>,
        now: Millis,
    ) -> bool {
        self.expire_if_due(db, key, now);
        let access = self.access(now, true);
        self.dirty += 1;
        self.signal_key_ready(db, key);
        let replaced = self
            .dbs
            .get_mut(db)
            .map(|d| d.overwrite(key, value, &access, false));
        let added = matches!(replaced, Some(None));
        if let (Some(when), Some(d)) = (expire, self.dbs.get_mut(db)) {
            d.set_expire_at(key, when);
            self.remember_replica_key_with_expire(db, key);
        }
        if let Some(Some(old)) = replaced {
            self.free_replaced(old);
        }
        if added {
            self.notify(crate::notify::class::NEW, "new", key, db);
        }
        self.signal_modified_key(db, key);
        added
    }

    /// Stores what a STORE form computed (SINTERSTORE, ZUNIONSTORE, SORT ... STORE, ...)
    /// under `key`, as Redis's commands do: a result replaces the key through `setKey`,
    /// which looks the key up first (so an expired one goes, with its event, before the
    /// new one arrives), and is announced with `event`; no result (an empty one) deletes
    /// the key instead, announced as "del" when there was one. Counts one change.
    pub fn store_result(
        &mut self,
        db: usize,
        key: &[u8],
        result: Option<Value>,
        (class, event): (u32, &str),
        now: Millis,
    ) {
        match result {
            Some(value) => {
                self.write_key(db, key, now);
                self.set_key(db, key, value, now, false);
                self.notify(class, event, key, db);
            }
            None => {
                if self.delete_key(db, key) {
                    self.key_changed(db, key, crate::notify::class::GENERIC, "del");
                }
            }
        }
    }

    /// Frees a value a write replaced (Redis's dbSetValue): on the lazy-free thread when
    /// it is big and `lazyfree-lazy-server-del` is on, here otherwise.
    fn free_replaced(&mut self, old: Value) {
        if self.config.lazyfree_lazy_server_del {
            self.lazyfree.free_value(old);
        }
    }

    /// Deletes a key and its TTL (Redis's `dbDelete`), freeing a big value in the
    /// background under `lazyfree-lazy-server-del`. Returns whether it existed.
    pub fn delete_key(&mut self, db: usize, key: &[u8]) -> bool {
        let lazy = self.config.lazyfree_lazy_server_del;
        self.delete_key_lazily(db, key, lazy)
    }

    /// [`delete_key`](Self::delete_key), with `lazy` saying whether a big value is freed
    /// on the lazy-free thread (Redis's `dbAsyncDelete`) or here (`dbSyncDelete`).
    pub fn delete_key_lazily(&mut self, db: usize, key: &[u8], lazy: bool) -> bool {
        let Some(value) = self.dbs.get_mut(db).and_then(|d| d.remove(key)) else {
            return false;
        };
        self.dirty += 1;
        if lazy {
            self.lazyfree.free_value(value);
        }
        true
    }

    /// Deletes a key whose collection a command just emptied (Redis's `dbDelete` after the
    /// last element went). Unlike [`delete_key`](Self::delete_key) it counts nothing in
    /// `dirty`: the command counts the elements it removed.
    pub fn delete_emptied_key(&mut self, db: usize, key: &[u8]) {
        if let Some(d) = self.dbs.get_mut(db) {
            d.remove(key);
        }
    }

    /// Sets a key's absolute expiry time; false if the key does not exist.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when: Millis) -> bool {
        let set = self
            .dbs
            .get_mut(db)
            .is_some_and(|d| d.set_expire_at(key, when));
        if set {
            self.dirty += 1;
            self.remember_replica_key_with_expire(db, key);
        }
        set
    }

    /// A key's absolute expiry time, if it has one.
    pub fn expire_of(&self, db: usize, key: &[u8]) -> Option<Millis> {
        self.dbs.get(db).and_then(|d| d.expire_at(key))
    }
}

/// What a read lookup found, for what Redis's `lookupKeyReadWithFlags` does after it:
/// count the hit or miss, and note a miss's "keymiss" event (when that class is on).
struct ReadOutcome<'k> {
    db: usize,
    key: &'k [u8],
    found: bool,
    flags: ReadFlags,
    notify_misses: bool,
}

impl ReadOutcome<'_> {
    fn account(&self, stats: &mut crate::stats::Stats, pending_events: &mut Vec<KeyEvent>) {
        if self.flags.stats {
            if self.found {
                stats.keyspace_hits += 1;
            } else {
                stats.keyspace_misses += 1;
            }
        }
        if !self.found && self.flags.notify_miss && self.notify_misses {
            pending_events.push(KeyEvent {
                class: crate::notify::class::KEY_MISS,
                event: "keymiss",
                db: self.db,
                key: self.key.to_vec(),
            });
        }
    }
}

/// A lookup with lazy expiry, counting expired keys and noting them for their events
/// (sent by [`Server::flush_key_events`] before the command's own, or after it).
/// Takes the databases and the statistics as separate borrows, so the caller can keep
/// counting while it holds the value.
fn lookup_in<'d>(
    dbs: &'d mut [scarlet_storage::Db],
    (stats, pending_events, lazyfree): ExpiryBooks<'_>,
    (db, key): (usize, &[u8]),
    how: How<'_>,
) -> Option<&'d mut Value> {
    match dbs.get_mut(db)?.lookup(key, how.now, how.access, how.mode) {
        Lookup::Found(value) => Some(value),
        Lookup::Missing => None,
        Lookup::Expired { deleted, value } => {
            if deleted {
                stats.expired_keys += 1;
                pending_events.push(KeyEvent::expired(db, key));
            }
            if let Some(value) = value {
                free_expired(lazyfree, value, how.lazy);
            }
            None
        }
    }
}

/// What a lookup that expires a key updates: statistics, pending events, and the
/// lazy-free thread that may take the value.
type ExpiryBooks<'a> = (
    &'a mut crate::stats::Stats,
    &'a mut Vec<KeyEvent>,
    &'a mut crate::lazyfree::LazyFree,
);

/// Frees the value of a key that expired: on the lazy-free thread when it is big and
/// `lazyfree-lazy-expire` is on, here otherwise.
pub fn free_expired(lazyfree: &mut crate::lazyfree::LazyFree, value: Value, lazy: bool) {
    if lazy {
        lazyfree.free_value(value);
    }
}

/// How a lookup treats expiry and access time.
#[derive(Clone, Copy)]
struct How<'a> {
    mode: ExpiryMode,
    now: Millis,
    access: &'a Access,
    /// lazyfree-lazy-expire.
    lazy: bool,
}

/// A looked-up value as the type `as_type` picks (`Value::as_hash_mut`, ...), or
/// WRONGTYPE (Redis's `checkType`).
fn expect_type<T>(
    value: Option<&mut Value>,
    as_type: fn(&mut Value) -> Option<&mut T>,
) -> Result<Option<&mut T>, CmdError> {
    match value {
        None => Ok(None),
        Some(value) => as_type(value).map(Some).ok_or(CmdError::WrongType),
    }
}
