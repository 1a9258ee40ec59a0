//! Client-side caching (CLIENT TRACKING): which clients may hold which keys, and telling
//! them when those keys change.
//!
//! In the default mode the server remembers, per key, the clients that read it (the
//! tracking table, bounded by `tracking-table-max-keys`); a change to the key sends each
//! of them one invalidation and forgets them. In BCAST mode clients subscribe to key
//! prefixes instead; changed keys are collected per prefix and sent in one message per
//! prefix after each batch of commands (Redis sends them before sleeping).
//!
//! Invalidations go as RESP3 pushes, or, for a client redirecting them to a RESP2
//! connection in Pub/Sub mode, as messages on `__redis__:invalidate`. Those meant for
//! the client running the current command are held until its reply is written, so they
//! never land in the middle of it (Redis's `tracking_pending_keys`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use scarlet_protocol::{ReplyBuf, Resp};

use crate::client::Client;
use crate::server::Server;

/// The channel RESP2 redirect targets get invalidations on.
const INVALIDATE_CHANNEL: &[u8] = b"__redis__:invalidate";

/// A client's tracking settings (CLIENT TRACKING ON and its options).
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    /// REDIRECT: the client that gets the invalidations (0: this one).
    pub redirect: u64,
    /// BCAST mode, with its prefixes (the empty prefix for all keys).
    pub bcast: bool,
    /// OPTIN: only reads after CLIENT CACHING YES are tracked.
    pub optin: bool,
    /// OPTOUT: reads after CLIENT CACHING NO are not tracked.
    pub optout: bool,
    /// NOLOOP: no invalidations for keys this client changed itself.
    pub noloop: bool,
    /// CLIENT CACHING was given for the next command.
    pub caching: bool,
    /// The redirect target disconnected.
    pub broken_redirect: bool,
    /// BCAST prefixes.
    pub prefixes: BTreeSet<Vec<u8>>,
}

/// One BCAST prefix: its subscribers and the keys under it changed since the last
/// broadcast, each with the client that changed it (0: the server itself).
#[derive(Debug, Default)]
struct Prefix {
    clients: BTreeSet<u64>,
    changed: BTreeMap<Vec<u8>, u64>,
}

/// What an invalidation message carries.
#[derive(Clone, Copy)]
enum Payload<'a> {
    /// One key.
    Key(&'a [u8]),
    /// A pre-encoded array of keys (BCAST).
    Encoded(&'a [u8]),
    /// Every key (after a flush): a null.
    All,
}

/// The server's tracking state.
#[derive(Debug, Default)]
pub struct TrackingTable {
    /// Key → clients that may cache it.
    keys: HashMap<Vec<u8>, BTreeSet<u64>>,
    /// Sum of the clients over all keys (INFO `tracking_total_items`).
    items: u64,
    prefixes: BTreeMap<Vec<u8>, Prefix>,
    /// Clients with tracking on (INFO `tracking_clients`).
    pub clients: usize,
    /// Consecutive evictions that could not get under the limit (more effort each time).
    eviction_rounds: u32,
}

impl TrackingTable {
    /// Keys in the table (INFO `tracking_total_keys`).
    pub fn total_keys(&self) -> usize {
        self.keys.len()
    }

    /// Client references in the table (INFO `tracking_total_items`).
    pub fn total_items(&self) -> u64 {
        self.items
    }

    /// BCAST prefixes (INFO `tracking_total_prefixes`).
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// Pending invalidations for the running client, sent after its reply.
#[derive(Debug, Clone)]
pub enum Pending {
    /// One key changed.
    Key(Vec<u8>),
    /// Everything was flushed.
    All,
}

impl Server {
    /// CLIENT TRACKING ON with validated options: enables (or re-configures) tracking.
    pub fn enable_tracking(&mut self, client: &mut Client, settings: ClientTracking) {
        if client.tracking.is_none() {
            self.tracking.clients += 1;
        }
        let mut settings = settings;
        // Prefixes accumulate across ON calls in BCAST mode, as Redis's do.
        if let Some(old) = client.tracking.take() {
            settings.prefixes.extend(old.prefixes);
        }
        if settings.bcast && settings.prefixes.is_empty() {
            settings.prefixes.insert(Vec::new());
        }
        if settings.bcast {
            for prefix in &settings.prefixes {
                self.tracking
                    .prefixes
                    .entry(prefix.clone())
                    .or_default()
                    .clients
                    .insert(client.id);
            }
        }
        client.tracking = Some(Box::new(settings));
    }

    /// CLIENT TRACKING OFF (and disconnection, RESET): leaves every prefix. The client's
    /// entries in the key table go lazily, when those keys change.
    pub fn disable_tracking(&mut self, client: &mut Client) {
        let Some(settings) = client.tracking.take() else {
            return;
        };
        self.tracking.clients = self.tracking.clients.saturating_sub(1);
        for prefix in &settings.prefixes {
            if let Some(state) = self.tracking.prefixes.get_mut(prefix) {
                state.clients.remove(&client.id);
                if state.clients.is_empty() {
                    self.tracking.prefixes.remove(prefix);
                }
            }
        }
    }

    /// After a read-only command of a tracking client: remember it may cache the keys.
    pub fn tracking_remember_keys(&mut self, client: &Client, keys: &[&[u8]]) {
        let Some(t) = client.tracking.as_deref() else {
            return;
        };
        if t.bcast || (t.optin && !t.caching) || (t.optout && t.caching) {
            return;
        }
        for key in keys {
            if self
                .tracking
                .keys
                .entry(key.to_vec())
                .or_default()
                .insert(client.id)
            {
                self.tracking.items += 1;
            }
        }
    }

    /// Redis's `trackingInvalidateKey`: `key` changed; the clients that may cache it are
    /// told (now, or after the running command's reply if it is one of them) and
    /// forgotten, and BCAST prefixes covering it collect it.
    pub fn tracking_invalidate_key(&mut self, key: &[u8]) {
        self.invalidate_tracked_key(key, true);
    }

    /// `bcast` is false for a key dropped by `tracking-table-max-keys`: it did not change,
    /// so BCAST clients hear nothing, and the running client is told at once, before its
    /// reply (Redis drops keys before the command runs).
    fn invalidate_tracked_key(&mut self, key: &[u8], bcast: bool) {
        if self.tracking.clients == 0 && self.tracking.keys.is_empty() {
            return;
        }
        let modifier = self.current.as_ref().map_or(0, |c| c.id);
        if bcast && !self.tracking.prefixes.is_empty() {
            for (prefix, state) in self.tracking.prefixes.iter_mut() {
                if key.starts_with(prefix) {
                    state.changed.insert(key.to_vec(), modifier);
                }
            }
        }
        let Some(ids) = self.tracking.keys.remove(key) else {
            return;
        };
        self.tracking.items = self.tracking.items.saturating_sub(ids.len() as u64);
        for id in ids {
            if id == modifier {
                let Some(current) = self.current.as_mut() else {
                    continue;
                };
                // The running client: a NOLOOP client hears nothing of its own changes;
                // otherwise the message follows its reply.
                if current.tracking_noloop || !current.tracking_default_mode {
                    continue;
                }
                if bcast {
                    current.pending.push(Pending::Key(key.to_vec()));
                } else {
                    self.invalidate_current_now(key);
                }
                continue;
            }
            let Some(mut target) = self.clients.take(id) else {
                continue;
            };
            let default_mode = target.tracking.as_ref().is_some_and(|t| !t.bcast);
            if default_mode {
                self.send_tracking_message(&mut target, Payload::Key(key));
            }
            self.clients.put_back(target);
        }
    }

    /// An invalidation for the running client that cannot wait for its reply: to itself
    /// as a push held before the reply, or to its redirect target.
    fn invalidate_current_now(&mut self, key: &[u8]) {
        let Some(redirect) = self.current.as_ref().map(|c| c.tracking_redirect) else {
            return;
        };
        if redirect == 0 {
            if let Some(current) = self.current.as_mut() {
                encode_invalidation(&mut current.pushes, Payload::Key(key), false);
            }
            return;
        }
        // A vanished target is noticed (and reported) by the next ordinary invalidation.
        self.deliver_to_redirect(redirect, Payload::Key(key));
    }

    /// Sends an invalidation to a REDIRECT target, as a message on `__redis__:invalidate`
    /// when it is a RESP2 connection in Pub/Sub mode. False when the target is gone.
    fn deliver_to_redirect(&mut self, redirect: u64, payload: Payload<'_>) -> bool {
        // The running client is not in the registry; its state is in `current`.
        let in_pubsub = match self.current.as_ref() {
            Some(current) if current.id == redirect => Some(current.in_pubsub),
            _ => self.clients.get(redirect).map(Client::in_pubsub),
        };
        let Some(in_pubsub) = in_pubsub else {
            return false;
        };
        self.deliver(redirect, |reply| {
            encode_invalidation(reply, payload, in_pubsub)
        })
    }

    /// After FLUSHALL/FLUSHDB: every tracking client is told all keys are invalid (a
    /// null), and the key table is emptied.
    pub fn tracking_invalidate_all(&mut self) {
        if self.tracking.clients > 0 {
            let current = self.current.as_ref().map(|c| c.id);
            let ids: Vec<u64> = self.clients.ids().collect();
            for id in ids {
                if Some(id) == current {
                    if let Some(cur) = self.current.as_mut()
                        && cur.tracking_on
                    {
                        cur.pending.push(Pending::All);
                    }
                    continue;
                }
                let Some(mut target) = self.clients.take(id) else {
                    continue;
                };
                if target.tracking.is_some() {
                    self.send_tracking_message(&mut target, Payload::All);
                }
                self.clients.put_back(target);
            }
        }
        self.tracking.keys.clear();
        self.tracking.items = 0;
    }

    /// Sends what was held for the running client, after its reply.
    pub(crate) fn send_pending_invalidations(&mut self, client: &mut Client, pending: &[Pending]) {
        for item in pending {
            match item {
                Pending::Key(key) => self.send_tracking_message(client, Payload::Key(key)),
                Pending::All => self.send_tracking_message(client, Payload::All),
            }
        }
    }

    /// Redis's `sendTrackingMessage`: to the client itself (RESP3) or its redirect
    /// target; a vanished target marks the redirect broken and tells the client (RESP3).
    fn send_tracking_message(&mut self, client: &mut Client, payload: Payload<'_>) {
        let redirect = client.tracking.as_ref().map_or(0, |t| t.redirect);
        if redirect == 0 || redirect == client.id {
            // A redirect to itself behaves as a redirect: RESP2 in Pub/Sub mode works.
            let as_message = redirect != 0 && client.in_pubsub();
            encode_invalidation(&mut client.reply, payload, as_message);
            client.handle.wake();
            return;
        }
        if self.deliver_to_redirect(redirect, payload) {
            return;
        }
        if let Some(t) = client.tracking.as_mut() {
            t.broken_redirect = true;
        }
        if client.resp() == Resp::Resp3 {
            client.reply.push(2);
            client.reply.bulk(b"tracking-redir-broken");
            client
                .reply
                .int(i64::try_from(redirect).unwrap_or(i64::MAX));
            client.handle.wake();
        }
    }

    /// Redis's `trackingBroadcastInvalidationMessages`: one message per BCAST prefix with
    /// the keys changed under it since the last call (NOLOOP clients without their own).
    pub fn broadcast_invalidations(&mut self) {
        if self
            .tracking
            .prefixes
            .values()
            .all(|p| p.changed.is_empty())
        {
            return;
        }
        let mut sends: Vec<(u64, Vec<u8>)> = Vec::new();
        for state in self.tracking.prefixes.values_mut() {
            if state.changed.is_empty() {
                continue;
            }
            let changed = std::mem::take(&mut state.changed);
            for &id in &state.clients {
                let noloop = self
                    .clients
                    .get(id)
                    .and_then(|c| c.tracking.as_ref())
                    .is_some_and(|t| t.noloop);
                let keys: Vec<&[u8]> = changed
                    .iter()
                    .filter(|&(_, &by)| !(noloop && by == id))
                    .map(|(k, _)| k.as_slice())
                    .collect();
                if keys.is_empty() {
                    continue;
                }
                let mut encoded = ReplyBuf::new(Resp::Resp2);
                encoded.array(keys.len());
                for key in keys {
                    encoded.bulk(key);
                }
                sends.push((id, encoded.as_bytes().to_vec()));
            }
        }
        for (id, encoded) in sends {
            let Some(mut target) = self.clients.take(id) else {
                continue;
            };
            self.send_tracking_message(&mut target, Payload::Encoded(&encoded));
            self.clients.put_back(target);
        }
    }

    /// Redis's `trackingLimitUsedSlots`: over `tracking-table-max-keys`, keys are dropped
    /// from the table (their clients told, as if the keys changed), with more effort each
    /// time the limit is still exceeded.
    pub fn tracking_limit_keys(&mut self) {
        let max = usize::try_from(self.config.tracking_table_max_keys).unwrap_or(usize::MAX);
        if max == 0 || self.tracking.keys.len() <= max {
            self.tracking.eviction_rounds = 0;
            return;
        }
        let effort = 100usize.saturating_mul(self.tracking.eviction_rounds as usize + 1);
        // HashMap order is arbitrary, which serves as Redis's random walk.
        let victims: Vec<Vec<u8>> = self.tracking.keys.keys().take(effort).cloned().collect();
        for key in victims {
            self.invalidate_tracked_key(&key, false);
            if self.tracking.keys.len() <= max {
                self.tracking.eviction_rounds = 0;
                return;
            }
        }
        self.tracking.eviction_rounds = self.tracking.eviction_rounds.saturating_add(1);
    }
}

/// An invalidation as a RESP3 push, or as a Pub/Sub message on `__redis__:invalidate`
/// for a RESP2 connection in Pub/Sub mode that receives redirected invalidations. A RESP2
/// connection that is neither gets nothing: it cannot receive pushes.
fn encode_invalidation(reply: &mut ReplyBuf, payload: Payload<'_>, as_message: bool) {
    match reply.resp() {
        Resp::Resp3 => {
            reply.push(2);
            reply.bulk(b"invalidate");
        }
        Resp::Resp2 if as_message => {
            reply.array(3);
            reply.bulk(b"message");
            reply.bulk(INVALIDATE_CHANNEL);
        }
        Resp::Resp2 => return,
    }
    match payload {
        Payload::Key(key) => {
            reply.array(1);
            reply.bulk(key);
        }
        Payload::Encoded(bytes) => reply.raw(bytes),
        Payload::All => reply.null(),
    }
}
