//! maxmemory: Redis's `performEvictions`, run before each command and continued from the
//! cron, with the eight policies, the approximated LRU/LFU of a 16-entry eviction pool fed
//! by `maxmemory-samples` keys per database, and `maxmemory-eviction-tenacity`'s time
//! bound.
//!
//! It owns the pool, the choice of victims and what an eviction tells the rest of the
//! server (`evicted_keys`, the `evicted` event, WATCH and tracking, as expiry does). The
//! memory figures are `memory.rs`'s; freeing big values off the thread is `lazyfree.rs`'s;
//! the -OOM refusal is the dispatcher's, from the result here. Client eviction
//! (`maxmemory-clients`) is deliberately not here.

use std::time::{Duration, Instant};

use scarlet_storage::Millis;
use scarlet_storage::lru::{self, lfu_minutes, lru_clock};

use std::sync::Arc;

use crate::client::{ClientHandle, ClientKind};
use crate::config::MaxmemoryPolicy;
use crate::server::Server;

/// Entries in the eviction pool (Redis's EVPOOL_SIZE).
const POOL_SIZE: usize = 16;

/// How many times the random policies probe a non-empty table for a key before giving
/// up on it (a table under 1% full is shrunk by the cron long before this matters).
const RANDOM_PROBES: usize = 1000;

/// What [`Server::perform_evictions`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// Under the limit (or eviction is not possible now, which counts as fine).
    Ok,
    /// Still over the limit; the cron carries on evicting.
    Running,
    /// Over the limit with nothing left to evict: commands that would add memory fail.
    Fail,
}

/// One candidate: a higher score is a better victim (idle time, inverted frequency or
/// inverted TTL, per policy).
#[derive(Clone, Debug)]
struct Candidate {
    score: u64,
    db: usize,
    key: Vec<u8>,
}

/// The eviction state kept across calls.
#[derive(Debug, Default)]
pub struct Evictor {
    /// Best candidates so far, worst first (ascending score).
    pool: Vec<Candidate>,
    /// The database the random policies try next.
    next_db: usize,
    /// The limit was still exceeded when the time ran out: the cron continues.
    pub running: bool,
    /// When the limit was first found exceeded, while it still is.
    exceeded_since: Option<Instant>,
    /// Time spent over the limit, finished periods (INFO `total_eviction_exceeded_time`).
    exceeded_total: Duration,
    /// Clients disconnected by client eviction whose connection tasks have not ended
    /// yet, with their memory: it is as good as freed (Redis frees such a client at
    /// once), so key eviction must not count it.
    dying_clients: Vec<(Arc<ClientHandle>, u64)>,
    /// The keyspace tables currently carry a growth limit (maxmemory was set).
    grow_limited: bool,
}

impl Evictor {
    /// INFO's `total_eviction_exceeded_time` and `current_eviction_exceeded_time`, in ms.
    pub fn exceeded_ms(&self) -> (u64, u64) {
        let current = self.exceeded_since.map_or(0, |t| millis(t.elapsed()));
        (millis(self.exceeded_total) + current, current)
    }

    /// Notes a disconnected client whose task still holds `bytes`.
    pub fn client_dying(&mut self, handle: Arc<ClientHandle>, bytes: u64) {
        self.dying_clients.push((handle, bytes));
    }

    /// The memory of disconnected clients whose tasks still run; forgets those that ended
    /// (their task dropped its handle).
    fn dying_clients_bytes(&mut self) -> u64 {
        self.dying_clients
            .retain(|(handle, _)| Arc::strong_count(handle) > 1);
        self.dying_clients.iter().map(|(_, bytes)| bytes).sum()
    }

    /// CONFIG RESETSTAT.
    pub fn reset_stats(&mut self) {
        self.exceeded_total = Duration::ZERO;
        if self.exceeded_since.is_some() {
            self.exceeded_since = Some(Instant::now());
        }
    }

    fn record(&mut self, result: Eviction) {
        match result {
            Eviction::Ok => {
                if let Some(since) = self.exceeded_since.take() {
                    self.exceeded_total += since.elapsed();
                }
            }
            Eviction::Running | Eviction::Fail => {
                self.exceeded_since.get_or_insert_with(Instant::now);
            }
        }
    }

    /// Offers a sampled key to the pool (Redis's evictionPoolPopulate insertion): kept
    /// sorted, at most [`POOL_SIZE`] entries, dropping the worst when full.
    fn offer(&mut self, candidate: Candidate) {
        let at = self.pool.partition_point(|c| c.score < candidate.score);
        if self.pool.len() >= POOL_SIZE {
            if at == 0 {
                return;
            }
            self.pool.remove(0);
            self.pool.insert(at - 1, candidate);
        } else {
            self.pool.insert(at, candidate);
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `maxmemory-eviction-tenacity` as a time limit (Redis's evictionTimeLimitUs): linear
/// up to 500 us at 10, then 15% more per step, unlimited at 100.
fn time_limit(tenacity: u32) -> Duration {
    let us = match tenacity {
        0..=10 => 50 * u64::from(tenacity),
        11..=99 => (500.0 * 1.15f64.powf(f64::from(tenacity) - 10.0)) as u64,
        _ => return Duration::MAX,
    };
    Duration::from_micros(us)
}

impl Server {
    /// Memory that maxmemory does not count: the replicas' unsent output, which would
    /// otherwise feed back into more evictions and more DELs to send them, and the AOF
    /// buffer (Redis's freeMemoryGetNotCountedMemory; INFO `mem_not_counted_for_evict`).
    /// The backlog (the replication buffer up to `repl-backlog-size`) counts, as in Redis.
    pub fn memory_not_counted_for_evict(&self) -> u64 {
        let replicas: u64 = self
            .clients
            .iter()
            .filter(|c| c.kind == ClientKind::Replica)
            // What their buffers hold allocated, as used_memory counts it.
            .map(|c| (c.reply.capacity() + c.handle.out_capacity()) as u64)
            .sum();
        let aof = if self.aof.is_enabled() {
            self.aof.buf.capacity() as u64
        } else {
            0
        };
        // The replication buffer beyond the backlog's size is held for replicas.
        let held_for_replicas = (self.replication.attached.buffer_memory() as u64)
            .saturating_sub(self.config.repl_backlog_size);
        replicas + aof + held_for_replicas
    }

    /// How many bytes must go to be back under maxmemory; 0 when under it or unlimited
    /// (Redis's getMaxmemoryState).
    pub fn memory_to_free(&mut self) -> u64 {
        let limit = self.config.maxmemory;
        if limit == 0 {
            return 0;
        }
        let used = crate::memory::used_memory();
        if used <= limit {
            return 0;
        }
        let not_counted = self.memory_not_counted_for_evict() + self.evictor.dying_clients_bytes();
        used.saturating_sub(not_counted).saturating_sub(limit)
    }

    /// Keeps the keyspace tables from growing past maxmemory (Redis's
    /// dictExpandAllowed): the next bucket array must fit in what is left.
    fn limit_table_growth(&mut self) {
        // Without maxmemory there is nothing to set, once the limits are lifted.
        if self.config.maxmemory == 0 && !self.evictor.grow_limited {
            return;
        }
        self.evictor.grow_limited = self.config.maxmemory > 0;
        let limit = (self.config.maxmemory > 0).then(|| {
            let mut used = crate::memory::used_memory();
            // Replica buffers do not count; summing them costs a walk over the clients,
            // so only when it can matter.
            if used > self.config.maxmemory {
                used = used.saturating_sub(self.memory_not_counted_for_evict());
            }
            usize::try_from(self.config.maxmemory.saturating_sub(used)).unwrap_or(usize::MAX)
        });
        for db in &mut self.dbs {
            db.set_grow_limit(limit);
        }
    }

    /// Whether evicting now is allowed: not while clients are paused (the dataset must
    /// stay as the pause found it).
    fn may_evict(&self) -> bool {
        // A replica that ignores maxmemory leaves its dataset to the master's stream.
        let ignored = self.replication.is_replica() && self.config.replica_ignore_maxmemory;
        !ignored && !self.expiry_paused(crate::clock::unix_ms())
    }

    /// Redis's performEvictions: evicts keys per `maxmemory-policy` until used memory is
    /// under `maxmemory` or the tenacity's time is up (then the cron continues). Each
    /// deletion is propagated on its own.
    pub fn perform_evictions(&mut self) -> Eviction {
        self.limit_table_growth();
        if self.config.maxmemory == 0 || !self.may_evict() {
            return Eviction::Ok;
        }
        self.propagating_separately(Server::evict_until_enough)
    }

    fn evict_until_enough(&mut self) -> Eviction {
        let to_free = self.memory_to_free();
        if to_free == 0 {
            self.evictor.record(Eviction::Ok);
            self.evictor.running = false;
            return Eviction::Ok;
        }
        if self.config.maxmemory_policy == MaxmemoryPolicy::NoEviction {
            self.evictor.record(Eviction::Fail);
            return Eviction::Fail;
        }
        let started = Instant::now();
        let limit = time_limit(self.config.maxmemory_eviction_tenacity);
        let lazy = self.config.lazyfree_lazy_eviction;
        let mut freed: i64 = 0;
        let mut evicted = 0u64;
        let mut result = Eviction::Ok;
        let target = i64::try_from(to_free).unwrap_or(i64::MAX);
        self.evictor.running = false;
        while freed < target {
            let Some((db, key)) = self.pick_victim() else {
                result = Eviction::Fail;
                break;
            };
            freed += self.evict_key(db, &key, lazy);
            evicted += 1;
            if evicted.is_multiple_of(16) {
                // The background thread frees on its own schedule: look at the real figure.
                if lazy && self.memory_to_free() == 0 {
                    break;
                }
                if started.elapsed() > limit {
                    self.evictor.running = true;
                    result = Eviction::Running;
                    break;
                }
            }
        }
        if result == Eviction::Fail {
            // Values being freed in the background may still bring memory back under the
            // limit: wait for them a little, within the same time bound.
            while self.lazyfree.pending() > 0 && started.elapsed() < limit {
                if self.memory_to_free() == 0 {
                    result = Eviction::Ok;
                    break;
                }
                std::thread::sleep(limit.min(Duration::from_millis(1)));
            }
        }
        self.evictor.record(result);
        result
    }

    /// The next key to evict per policy, with its database.
    fn pick_victim(&mut self) -> Option<(usize, Vec<u8>)> {
        let policy = self.config.maxmemory_policy;
        match policy {
            MaxmemoryPolicy::AllkeysRandom | MaxmemoryPolicy::VolatileRandom => {
                self.pick_random(policy == MaxmemoryPolicy::VolatileRandom)
            }
            MaxmemoryPolicy::NoEviction => None,
            _ => self.pick_from_pool(),
        }
    }

    /// The random policies: one random key of the next database that has any.
    fn pick_random(&mut self, volatile: bool) -> Option<(usize, Vec<u8>)> {
        let count = self.dbs.len();
        for _ in 0..count {
            self.evictor.next_db = (self.evictor.next_db + 1) % count.max(1);
            let index = self.evictor.next_db;
            let Some(db) = self.dbs.get(index) else {
                continue;
            };
            let size = if volatile { db.expires_len() } else { db.len() };
            if size == 0 {
                continue;
            }
            // A probe looks at a few buckets from a random start, and a sparse table may
            // show none of its keys there: probe again, as Redis's dictGetRandomKey loops.
            for _ in 0..RANDOM_PROBES {
                let rand: u64 = rand::RngExt::random(&mut self.rng);
                let mut picked = None;
                db.sample_for_eviction(volatile, 1, rand, |key, _, _| {
                    picked = Some(key.as_bytes().to_vec());
                });
                if let Some(key) = picked {
                    return Some((index, key));
                }
            }
        }
        None
    }

    /// The LRU, LFU and TTL policies: fill the pool from every database, then take the
    /// best candidate that still exists (others are ghosts: deleted since sampled).
    fn pick_from_pool(&mut self) -> Option<(usize, Vec<u8>)> {
        let policy = self.config.maxmemory_policy;
        let volatile = !matches!(
            policy,
            MaxmemoryPolicy::AllkeysLru | MaxmemoryPolicy::AllkeysLfu
        );
        loop {
            let mut total = 0usize;
            for index in 0..self.dbs.len() {
                total += self.populate_pool(index, policy, volatile);
            }
            if total == 0 {
                return None;
            }
            while let Some(best) = self.evictor.pool.pop() {
                let exists = self.dbs.get(best.db).is_some_and(|db| {
                    if volatile {
                        db.expire_at(&best.key).is_some()
                    } else {
                        db.contains(&best.key)
                    }
                });
                if exists {
                    return Some((best.db, best.key));
                }
            }
        }
    }

    /// Samples `maxmemory-samples` keys of one database into the pool; returns how many
    /// keys the sampled table holds.
    fn populate_pool(&mut self, index: usize, policy: MaxmemoryPolicy, volatile: bool) -> usize {
        let Some(db) = self.dbs.get(index) else {
            return 0;
        };
        let size = if volatile { db.expires_len() } else { db.len() };
        if size == 0 {
            return 0;
        }
        let samples = usize::try_from(self.config.maxmemory_samples).unwrap_or(5);
        let rand: u64 = rand::RngExt::random(&mut self.rng);
        let now = crate::clock::unix_ms();
        let clock = lru_clock(now);
        let minutes = lfu_minutes(now);
        let decay = self.config.lfu_decay_time;
        let mut sampled: Vec<Candidate> = Vec::with_capacity(samples.min(64));
        db.sample_for_eviction(volatile, samples, rand, |key, field, expire| {
            let score = if policy.is_lfu() {
                255 - u64::from(lru::lfu_frequency(field, minutes, decay))
            } else if policy == MaxmemoryPolicy::VolatileTtl {
                ttl_score(expire)
            } else {
                lru::idle_ms(field, clock)
            };
            sampled.push(Candidate {
                score,
                db: index,
                key: key.as_bytes().to_vec(),
            });
        });
        for candidate in sampled {
            self.evictor.offer(candidate);
        }
        size
    }

    /// Deletes an evicted key with everything Redis does around it: `evicted_keys`, WATCH
    /// and tracking, the `evicted` event. Returns the bytes the deletion itself freed:
    /// what telling others costs (invalidation messages in output buffers) is left out,
    /// or eviction would feed on its own messages, as Redis explains in performEvictions.
    fn evict_key(&mut self, db: usize, key: &[u8], lazy: bool) -> i64 {
        let before = crate::memory::used_memory();
        let Some(value) = self.dbs.get_mut(db).and_then(|d| d.remove(key)) else {
            return 0;
        };
        if lazy {
            self.lazyfree.free_value(value);
        } else {
            drop(value);
        }
        let after = crate::memory::used_memory();
        self.stats.evicted_keys += 1;
        self.signal_modified_key(db, key);
        self.notify(crate::notify::class::EVICTED, "evicted", key, db);
        self.propagate_deletion(db, key, lazy);
        i64::try_from(before).unwrap_or(i64::MAX) - i64::try_from(after).unwrap_or(i64::MAX)
    }

    /// The cron's part, Redis's evictionTimeProc: one bounded round of eviction while an
    /// earlier call ran out of time (or CONFIG SET lowered maxmemory). Memory that grows
    /// without commands is left to the next command, as in Redis. Returns whether
    /// another round is needed.
    pub fn continue_evictions(&mut self) -> bool {
        if self.config.maxmemory == 0 || !self.evictor.running {
            self.evictor.running = false;
            return false;
        }
        self.perform_evictions() == Eviction::Running
    }
}

/// Sooner expiry is the better victim under volatile-ttl.
fn ttl_score(expire: Option<Millis>) -> u64 {
    let when = u64::try_from(expire.unwrap_or(i64::MAX)).unwrap_or(0);
    u64::MAX - when
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(score: u64) -> Candidate {
        Candidate {
            score,
            db: 0,
            key: score.to_string().into_bytes(),
        }
    }

    #[test]
    fn pool_keeps_the_best_sixteen_sorted() {
        let mut evictor = Evictor::default();
        for score in [5, 1, 9, 3] {
            evictor.offer(candidate(score));
        }
        let scores: Vec<u64> = evictor.pool.iter().map(|c| c.score).collect();
        assert_eq!(scores, vec![1, 3, 5, 9]);
        for score in 100..120 {
            evictor.offer(candidate(score));
        }
        assert_eq!(evictor.pool.len(), POOL_SIZE);
        assert_eq!(evictor.pool.first().map(|c| c.score), Some(104));
        assert_eq!(evictor.pool.last().map(|c| c.score), Some(119));
        evictor.offer(candidate(2));
        assert_eq!(evictor.pool.first().map(|c| c.score), Some(104));
    }

    #[test]
    fn tenacity_time_limits() {
        assert_eq!(time_limit(0), Duration::ZERO);
        assert_eq!(time_limit(10), Duration::from_micros(500));
        assert_eq!(time_limit(11), Duration::from_micros(575));
        assert_eq!(time_limit(100), Duration::MAX);
    }
}
