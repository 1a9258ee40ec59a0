//! Client eviction (`maxmemory-clients`, Redis 7.0): when the memory of the clients that
//! may be evicted adds up to more than the limit, the biggest ones are disconnected until
//! it does not, so that a few greedy connections cannot take the memory the data needs.
//!
//! A client's memory is what `Client::memory_usage` counts (its buffers, the arguments of
//! the running command, a queued transaction). Clients that set CLIENT NO-EVICT, replicas
//! and masters are never evicted and not counted, as in Redis. Redis approximates the
//! order with memory buckets; this picks the biggest client each time, which is the order
//! the buckets approximate.
//!
//! When it measures follows Redis too: a client that may be evicted counts what it holds
//! now, one that may not (CLIENT NO-EVICT, or eviction off) what it held when last
//! measured, by the cron or after its last batch while it was evictable, since Redis
//! refreshes those clients' share of the total only in its clients cron. A client being
//! closed (killed, its task not done yet) counts nothing: Redis frees those before it
//! evicts.

use crate::client::{Client, ClientKind};
use crate::clock::unix_ms;
use crate::config::MaxmemoryClients;
use crate::log::{self, Level};
use crate::server::Server;

/// The smallest limit applied, so that a tiny setting cannot cut every connection off
/// (Redis's 128 KB floor).
const MIN_LIMIT: u64 = 128 * 1024;

/// Whether a client's memory counts toward the limit: ordinary and Pub/Sub clients that
/// are not being closed.
fn counted(client: &Client) -> bool {
    matches!(client.kind, ClientKind::Normal | ClientKind::Pubsub) && !client.handle.is_killed()
}

/// A client's memory as client eviction counts it: its own, plus its watched keys,
/// which the server keeps.
fn client_size(watches: &crate::multi::Watches, client: &Client) -> u64 {
    (client.memory_usage() + watches.memory_of(client.id)) as u64
}

/// Whether client eviction may disconnect this client.
fn evictable(client: &Client) -> bool {
    counted(client) && !client.no_evict
}

/// What a counted client adds to the total: its memory now if it may be evicted (and
/// that becomes its last measure), else its last measure.
fn share(watches: &crate::multi::Watches, client: &Client) -> u64 {
    if evictable(client) {
        let size = client_size(watches, client);
        client.counted_memory.set(size);
        size
    } else {
        client.counted_memory.get()
    }
}

impl Server {
    /// `maxmemory-clients` in bytes (a percentage is of `maxmemory`, and off without it);
    /// 0 when off, else at least 128 KB.
    pub fn client_memory_limit(&self) -> u64 {
        let limit = match self.config.maxmemory_clients {
            MaxmemoryClients::Bytes(bytes) => bytes,
            MaxmemoryClients::Percent(percent) => {
                (self.config.maxmemory as f64 * percent as f64 / 100.0) as u64
            }
        };
        if limit == 0 { 0 } else { limit.max(MIN_LIMIT) }
    }

    /// Redis's evictClients: while the counted clients' memory reaches the limit,
    /// disconnects the biggest evictable client. `current` is the client whose command
    /// is running (outside the registry); returns true when it is the one to go, and the
    /// caller closes it without running anything more.
    pub fn evict_clients(&mut self, current: Option<&Client>) -> bool {
        let limit = self.client_memory_limit();
        if limit == 0 {
            return false;
        }
        let mut total: u64 = self
            .clients
            .iter()
            .filter(|c| counted(c))
            .map(|c| share(&self.watches, c))
            .sum::<u64>()
            + current
                .filter(|c| counted(c))
                .map_or(0, |c| share(&self.watches, c));
        while total >= limit {
            let biggest = self
                .clients
                .iter()
                .filter(|c| evictable(c))
                .map(|c| (client_size(&self.watches, c), c.id))
                .max();
            let mine = current
                .filter(|c| evictable(c))
                .map(|c| client_size(&self.watches, c));
            let other = match (biggest, mine) {
                (None, None) => {
                    log::log(
                        Level::Warning,
                        "Over client maxmemory after evicting all evictable clients",
                    );
                    return false;
                }
                (Some((other, id)), Some(mine)) if other > mine => (other, id),
                (Some(found), None) => found,
                (_, Some(mine)) => {
                    if let Some(client) = current {
                        let handle = std::sync::Arc::clone(&client.handle);
                        self.evictor.client_dying(handle, mine);
                    }
                    self.log_client_eviction(current.map(|c| c.info_line(unix_ms(), "default")));
                    return true;
                }
            };
            let (bytes, id) = other;
            let line = self
                .clients
                .get_mut(id)
                .map(|c| c.info_line(unix_ms(), "default"));
            self.log_client_eviction(line);
            if let Some(client) = self.clients.get_mut(id) {
                client.handle.kill();
                let handle = std::sync::Arc::clone(&client.handle);
                self.evictor.client_dying(handle, bytes);
            }
            // Gone from CLIENT LIST at once, as Redis frees it; its task sees the kill
            // and ends.
            self.unregister_client(id);
            total = total.saturating_sub(bytes);
        }
        false
    }

    /// Redis's clients cron measure: every client's memory as of now, which is what the
    /// clients that cannot be evicted count until the next measure.
    pub fn measure_clients_memory(&mut self) {
        for client in self.clients.iter() {
            client
                .counted_memory
                .set(client_size(&self.watches, client));
        }
    }

    fn log_client_eviction(&mut self, line: Option<String>) {
        self.stats.evicted_clients += 1;
        if let Some(line) = line {
            log::log(Level::Notice, &format!("Evicting client: {line}"));
        }
    }
}
