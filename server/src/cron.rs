//! The server's periodic work, Redis's `serverCron`, `hz` times a second: statistics
//! sampling, idle client timeouts, CLIENT PAUSE expiry, active expiry and incremental
//! rehashing. Each step holds the lock briefly; long work is sliced (see [`crate::expire`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::ClientKind;
use crate::clock::unix_ms;
use crate::expire::ExpireCycle;
use crate::log::{self, Level};
use crate::server::{Server, Shared};

/// Longest time the cron holds the lock in one go.
const SLICE: Duration = Duration::from_millis(1);

/// Redis's cap on clients handled per tick before dynamic-hz raises the frequency.
const MAX_CLIENTS_PER_TICK: usize = 200;

/// A connection idle this long gives back its buffers (Redis frees idle query buffers
/// after two seconds).
const IDLE_RELEASE_MS: i64 = 2000;

/// An input buffer larger than this is trimmed back to its recent peak (Redis's
/// PROTO_RESIZE_THRESHOLD).
const TRIM_THRESHOLD: usize = 32 * 1024;

/// Runs the cron until the process ends.
pub async fn run(shared: Arc<Shared>) {
    loop {
        let hz = shared.lock_async().await.effective_hz();
        tokio::time::sleep(Duration::from_millis(1000 / u64::from(hz.max(1)))).await;
        let (expire, effort, databases) = {
            let mut server = shared.lock_async().await;
            if server.shutdown.is_some() {
                return;
            }
            // Nothing periodic runs while the AOF is replayed, as Redis runs no timers
            // while it loads: expiry or eviction would change keys mid-history.
            if server.cron_paused || server.aof.loading {
                continue;
            }
            if server.shutdown_asap {
                server.shutdown_asap = false;
                let flags = match server.last_signal {
                    Some("SIGINT") => server.config.shutdown_on_sigint,
                    _ => server.config.shutdown_on_sigterm,
                };
                if server.prepare_shutdown(flags) {
                    drop(server);
                    shared.shutdown.notify_one();
                    return;
                }
                log::log(
                    Level::Warning,
                    "SIGTERM received but errors trying to shut down the server, check the logs for more information",
                );
            }
            server.cron_tick(unix_ms());
            (
                server.active_expire_enabled,
                server.config.active_expire_effort,
                server.dbs.len(),
            )
        };
        if expire {
            let mut cycle = ExpireCycle::new(effort, hz, databases);
            while shared
                .lock()
                .active_expire_slice(&mut cycle, Instant::now() + SLICE)
            {
                tokio::task::yield_now().await;
            }
        }
        {
            // Keys the expiry cycle deleted under BCAST prefixes.
            let mut server = shared.lock_async().await;
            if server.tracking.total_prefixes() > 0 {
                server.broadcast_invalidations();
            }
        }
        // Eviction that ran out of its time before a command goes on here, a bounded
        // slice at a time, as Redis's evictionTimeProc.
        while shared.lock_async().await.continue_evictions() {
            tokio::task::yield_now().await;
        }
        if shared.lock_async().await.config.activerehashing {
            shared
                .lock_async()
                .await
                .rehash_slice(Instant::now() + SLICE);
        }
    }
}

impl Server {
    /// `hz`, raised with many clients when `dynamic-hz` is on, as Redis does.
    pub fn effective_hz(&self) -> u32 {
        let mut hz = self.config.hz.clamp(1, 500);
        if self.config.dynamic_hz {
            while self.clients.len() / usize::try_from(hz).unwrap_or(1) > MAX_CLIENTS_PER_TICK {
                hz = hz.saturating_mul(2);
                if hz > 500 {
                    hz = 500;
                    break;
                }
            }
        }
        hz
    }

    /// The quick parts of a cron tick.
    fn cron_tick(&mut self, now: i64) {
        let processed = self.stats.commands_processed;
        let input = self.stats.net_input_bytes;
        let output = self.stats.net_output_bytes;
        self.stats.ops_rate.sample(now, processed);
        self.stats.input_rate.sample(now, input);
        self.stats.output_rate.sample(now, output);
        self.memory_peak = self.memory_peak.max(crate::memory::used_memory());
        self.close_idle_clients(now);
        self.migrate_sockets.close_idle(now);
        self.release_idle_buffers(now);
        if let Some(pause) = self.pause
            && pause.until <= now
        {
            self.pause = None;
        }
        for db in &mut self.dbs {
            db.shrink_if_sparse();
        }
        if self.tracking.clients > 0 {
            self.tracking_limit_keys();
        }
        self.check_output_buffer_soft_limits();
        self.measure_clients_memory();
        self.evict_clients(None);
        self.check_save_points(now / 1000);
        self.check_aof_rewrite();
        self.master_replication_cron(now);
        self.advance_failover(now);
        // What the cron itself propagated (evictions), a write postponed behind a slow
        // fsync, the everysec fsync of data already written.
        self.flush_aof(false);
        self.fsync_aof_pending();
    }

    /// Closes clients idle longer than `timeout` (never replicas, masters or subscribers).
    fn close_idle_clients(&mut self, now: i64) {
        let timeout = self.config.timeout;
        if timeout == 0 {
            return;
        }
        let limit = i64::from(timeout).saturating_mul(1000);
        for client in self.clients.iter() {
            if client.kind == ClientKind::Normal && now - client.last_interaction > limit {
                log::log(Level::Verbose, "Closing idle client");
                client.handle.kill();
            }
        }
    }

    /// Frees the buffers of connections idle for a while, once per idle period (the reply
    /// buffer here, the input buffer in the connection task), and asks connections with
    /// an oversized input buffer to trim it, as Redis's clientsCron resizes query buffers.
    fn release_idle_buffers(&mut self, now: i64) {
        let resize_replies = self
            .reply_buffer_resizing
            .load(std::sync::atomic::Ordering::Relaxed);
        for client in self.clients.iter_mut() {
            let capacity = client.query_buffer + client.query_buffer_free;
            if !client.buffers_released
                && client.query_buffer == 0
                && now - client.last_interaction > IDLE_RELEASE_MS
            {
                client.buffers_released = true;
                client.query_buffer_free = 0;
                if client.reply.is_empty() && resize_replies {
                    client.reply.swap_bytes(&mut Vec::new());
                }
                client.handle.request_release();
            } else if capacity > TRIM_THRESHOLD {
                client.handle.request_trim();
            }
        }
    }

    /// Moves rehashing forward in every database until `slice_end`.
    fn rehash_slice(&mut self, slice_end: Instant) {
        for db in &mut self.dbs {
            while db.rehash_steps(100) {
                if Instant::now() >= slice_end {
                    return;
                }
            }
        }
    }
}
