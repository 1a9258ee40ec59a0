//! What a change to a key tells the rest of the server: WATCH (transactions fail),
//! client-side caching (clients drop their copy), and keyspace notifications (Pub/Sub
//! messages on `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>`).
//!
//! Commands call these where Redis calls `signalModifiedKey` and `notifyKeyspaceEvent`:
//! after the change, once per key, with Redis's event names, in execution order. The
//! keyspace layer (`keyspace.rs`) calls them for what it does on its own: overwrites
//! through `set_key`, lazy expiry.

use crate::config::KeyspaceEvents;
use crate::pubsub::Namespace;
use crate::server::Server;

/// Notification classes, the letters of `notify-keyspace-events`.
pub mod class {
    use crate::config::KeyspaceEvents;
    /// `g`: DEL, EXPIRE, RENAME, ...
    pub const GENERIC: u32 = KeyspaceEvents::GENERIC;
    /// `$`: string commands.
    pub const STRING: u32 = KeyspaceEvents::STRING;
    /// `l`: list commands.
    pub const LIST: u32 = KeyspaceEvents::LIST;
    /// `s`: set commands.
    pub const SET: u32 = KeyspaceEvents::SET;
    /// `h`: hash commands.
    pub const HASH: u32 = KeyspaceEvents::HASH;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = KeyspaceEvents::ZSET;
    /// `x`: a key expired.
    pub const EXPIRED: u32 = KeyspaceEvents::EXPIRED;
    /// `e`: a key was evicted.
    pub const EVICTED: u32 = KeyspaceEvents::EVICTED;
    /// `t`: stream commands.
    pub const STREAM: u32 = KeyspaceEvents::STREAM;
    /// `m`: a read missed.
    pub const KEY_MISS: u32 = KeyspaceEvents::KEY_MISS;
    /// `n`: a key was created.
    pub const NEW: u32 = KeyspaceEvents::NEW;
}

/// An event a lookup noted, sent by [`Server::flush_key_events`].
#[derive(Debug, Clone)]
pub struct KeyEvent {
    /// Its class.
    pub class: u32,
    /// Its name.
    pub event: &'static str,
    /// The database.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
}

impl KeyEvent {
    /// A key deleted because it expired.
    pub fn expired(db: usize, key: &[u8]) -> KeyEvent {
        KeyEvent {
            class: class::EXPIRED,
            event: "expired",
            db,
            key: key.to_vec(),
        }
    }
}

impl Server {
    /// Redis's `signalModifiedKey`: the value under `key` changed (or the key went), so
    /// transactions watching it fail and clients caching it are told.
    pub fn signal_modified_key(&mut self, db: usize, key: &[u8]) {
        self.flush_key_events();
        self.touch_watched_key(db, key);
        self.tracking_invalidate_key(key);
    }

    /// Redis's `notifyKeyspaceEvent`: publishes `event` for `key` if its class is enabled.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        self.flush_key_events();
        let flags = self.config.notify_keyspace_events;
        if !flags.any(class) {
            return;
        }
        if flags.any(KeyspaceEvents::KEYSPACE) {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            self.publish(Namespace::Global, &channel, event.as_bytes());
        }
        if flags.any(KeyspaceEvents::KEYEVENT) {
            let channel = format!("__keyevent@{db}__:{event}");
            self.publish(Namespace::Global, channel.as_bytes(), key);
        }
    }

    /// Sends the events lookups noted since the last call (they cannot send them while
    /// they hand out a borrowed value): for a key deleted because it expired, Redis's
    /// `deleteExpiredKeyAndPropagate` ("expired", then WATCH and tracking); for a read
    /// that missed, "keymiss". Runs before any other event and after each command, so
    /// the order is Redis's.
    pub fn flush_key_events(&mut self) {
        if self.pending_events.is_empty() {
            return;
        }
        for e in std::mem::take(&mut self.pending_events) {
            self.notify(e.class, e.event, &e.key, e.db);
            if e.class == class::EXPIRED {
                self.touch_watched_key(e.db, &e.key);
                self.tracking_invalidate_key(&e.key);
                let lazy = self.config.lazyfree_lazy_expire;
                self.propagate_deletion(e.db, &e.key, lazy);
            }
        }
    }

    /// The usual pair after a command changed a key: [`signal_modified_key`] and
    /// [`notify`].
    ///
    /// [`signal_modified_key`]: Self::signal_modified_key
    /// [`notify`]: Self::notify
    pub fn key_changed(&mut self, db: usize, key: &[u8], class: u32, event: &str) {
        self.signal_modified_key(db, key);
        self.notify(class, event, key, db);
    }
}
