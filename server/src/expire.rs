//! Active expiry: Redis's `activeExpireCycle`, run from the cron in slices of about a
//! millisecond so that no command waits long behind it (DESIGN.md section 3).
//!
//! Each round samples keys with a TTL in one database and deletes the expired ones; a
//! database is revisited while more than the acceptable share of its samples were expired.
//! Lazy expiry on access (see [`crate::keyspace`]) catches the rest.

use std::time::{Duration, Instant};

use crate::clock::unix_ms;
use crate::server::Server;

/// How many databases one cycle visits at most (Redis's CRON_DBS_PER_CALL).
const DBS_PER_CYCLE: usize = 16;

/// One active expire cycle in progress, carried across slices.
#[derive(Debug)]
pub struct ExpireCycle {
    started: Instant,
    time_limit: Duration,
    dbs_left: usize,
    keys_per_round: usize,
    acceptable_stale: u64,
    sampled: u64,
    expired: u64,
    iteration: u64,
}

impl ExpireCycle {
    /// A slow cycle as the cron starts it: `effort` is `active-expire-effort` (1-10).
    pub fn new(effort: u32, hz: u32, databases: usize) -> ExpireCycle {
        let effort = u64::from(effort.clamp(1, 10) - 1);
        let slow_time_perc = 25 + 2 * effort;
        let hz = u64::from(hz.max(1));
        ExpireCycle {
            started: Instant::now(),
            time_limit: Duration::from_micros((slow_time_perc * 1_000_000 / hz / 100).max(1)),
            dbs_left: databases.min(DBS_PER_CYCLE),
            keys_per_round: usize::try_from(20 + 20 / 4 * effort).unwrap_or(20),
            acceptable_stale: 10 - effort,
            sampled: 0,
            expired: 0,
            iteration: 0,
        }
    }
}

impl Server {
    /// Works on the cycle until `slice_end`; returns whether the cycle has more to do.
    /// Nothing expires while clients are paused: the dataset stays as the pause found it.
    pub fn active_expire_slice(&mut self, cycle: &mut ExpireCycle, slice_end: Instant) -> bool {
        if !self.active_expire_enabled
            || self.dbs.is_empty()
            || self.expiry_paused(crate::clock::unix_ms())
        {
            return false;
        }
        while cycle.dbs_left > 0 {
            let db_index = self.expire_next_db % self.dbs.len();
            let repeat = self.expire_round(db_index, cycle);
            if !repeat {
                cycle.dbs_left -= 1;
                self.expire_next_db = (db_index + 1) % self.dbs.len();
            }
            cycle.iteration += 1;
            if cycle.started.elapsed() > cycle.time_limit {
                self.stats.expired_time_cap_reached_count += 1;
                cycle.dbs_left = 0;
                break;
            }
            if Instant::now() >= slice_end {
                return true;
            }
        }
        self.finish_expire_cycle(cycle);
        false
    }

    /// One sampling round in a database; true when it should be repeated.
    fn expire_round(&mut self, db_index: usize, cycle: &mut ExpireCycle) -> bool {
        let now = unix_ms();
        let lazy = self.config.lazyfree_lazy_expire;
        let Server {
            dbs,
            stats,
            pending_events,
            lazyfree,
            ..
        } = self;
        let Some(db) = dbs.get_mut(db_index) else {
            return false;
        };
        if db.expires_len() == 0 {
            return false;
        }
        let round = db.active_expire_round(now, cycle.keys_per_round, &mut |key, value| {
            stats.expired_keys += 1;
            pending_events.push(crate::notify::KeyEvent::expired(db_index, key));
            crate::keyspace::free_expired(lazyfree, value, lazy);
        });
        // Each deletion goes out on its own, never wrapped (Redis's propagate_no_multi).
        self.propagating_separately(Server::flush_key_events);
        self.flush_aof(false);
        if round.skipped {
            return false;
        }
        cycle.sampled += round.sampled;
        cycle.expired += round.expired;
        round.sampled == 0 || round.expired * 100 / round.sampled > cycle.acceptable_stale
    }

    fn finish_expire_cycle(&mut self, cycle: &ExpireCycle) {
        let elapsed = cycle.started.elapsed();
        self.stats.expire_cycle_cpu_milliseconds += u64::try_from(elapsed.as_millis()).unwrap_or(0);
        let current = if cycle.sampled > 0 {
            cycle.expired as f64 / cycle.sampled as f64
        } else {
            0.0
        };
        self.stats.expired_stale_perc = current * 0.05 + self.stats.expired_stale_perc * 0.95;
    }
}
