//! Counters behind INFO stats and INFO commandstats, and the instantaneous rates the cron
//! samples.
//!
//! Plain integers: they are only touched under the server lock.

/// Per-command counters (INFO commandstats) and latencies (INFO latencystats).
#[derive(Clone, Debug, Default)]
pub struct CommandStats {
    /// Times the command ran.
    pub calls: u64,
    /// Microseconds spent running it.
    pub usec: u64,
    /// Times it was refused before running (arity, auth, ...).
    pub rejected_calls: u64,
    /// Times it ran and replied with an error.
    pub failed_calls: u64,
    /// Its latencies, once it ran with `latency-tracking` on.
    pub latency: Option<Box<crate::latency::Histogram>>,
}

/// How many samples an instantaneous metric averages over (Redis's STATS_METRIC_SAMPLES).
const METRIC_SAMPLES: usize = 16;

/// A rate sampled by the cron, as Redis's `trackInstantaneousMetric`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rate {
    last_time_ms: i64,
    last_value: u64,
    samples: [u64; METRIC_SAMPLES],
    next: usize,
}

impl Rate {
    /// Records the counter's current value at `now_ms`.
    pub fn sample(&mut self, now_ms: i64, value: u64) {
        let elapsed = now_ms - self.last_time_ms;
        if self.last_time_ms != 0 && elapsed > 0 {
            let delta = value.saturating_sub(self.last_value);
            let per_sec = delta.saturating_mul(1000) / u64::try_from(elapsed).unwrap_or(1).max(1);
            if let Some(slot) = self.samples.get_mut(self.next) {
                *slot = per_sec;
            }
            self.next = (self.next + 1) % METRIC_SAMPLES;
        }
        self.last_time_ms = now_ms;
        self.last_value = value;
    }

    /// The average of the samples, per second.
    pub fn per_second(&self) -> u64 {
        self.samples.iter().sum::<u64>() / METRIC_SAMPLES as u64
    }
}

/// Server-wide counters (INFO stats).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections_received: u64,
    /// Connections refused (maxclients, protected mode).
    pub rejected_connections: u64,
    /// Commands run.
    pub commands_processed: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Socket reads that delivered data.
    pub reads_processed: u64,
    /// Socket writes.
    pub writes_processed: u64,
    /// Keys deleted because their TTL passed.
    pub expired_keys: u64,
    /// Keys evicted by maxmemory.
    pub evicted_keys: u64,
    /// Full synchronizations served to replicas (INFO sync_full).
    pub sync_full: u64,
    /// PSYNCs answered with +CONTINUE (sync_partial_ok).
    pub sync_partial_ok: u64,
    /// PSYNCs that had to fall back to a full synchronization (sync_partial_err).
    pub sync_partial_err: u64,
    /// Clients disconnected by maxmemory-clients.
    pub evicted_clients: u64,
    /// Estimated percentage of logically expired keys still in memory.
    pub expired_stale_perc: f64,
    /// Active expire cycles that stopped on their time limit.
    pub expired_time_cap_reached_count: u64,
    /// Milliseconds spent in active expiry.
    pub expire_cycle_cpu_milliseconds: u64,
    /// Successful key lookups by read commands.
    pub keyspace_hits: u64,
    /// Failed key lookups by read commands.
    pub keyspace_misses: u64,
    /// Error replies sent.
    pub total_error_replies: u64,
    /// Errors sent to masters or replicas.
    pub unexpected_error_replies: u64,
    /// Commands per second.
    pub ops_rate: Rate,
    /// Input bytes per second.
    pub input_rate: Rate,
    /// Output bytes per second.
    pub output_rate: Rate,
}

impl Stats {
    /// Resets what CONFIG RESETSTAT resets.
    pub fn reset(&mut self) {
        *self = Stats::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_averages_samples() {
        let mut r = Rate::default();
        r.sample(1000, 0);
        for i in 1..=16 {
            r.sample(1000 + i * 100, (i as u64) * 100);
        }
        assert_eq!(r.per_second(), 1000);
    }
}
