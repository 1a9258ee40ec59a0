//! INFO: the sections, their field names and order as Redis 7.0 prints them.
//!
//! Tools (redis-cli, Sentinel, client libraries, test harnesses) parse these lines by field
//! name, so every field Redis prints is printed, with a truthful value: a subsystem that does
//! not exist yet reports its idle state (no replicas, no background save, no AOF).

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::clock::unix_us;
use crate::commands::registry;
use crate::memory;
use crate::persistence::bgsave::Purpose;
use crate::pubsub::Namespace;
use crate::server::Server;

/// The sections INFO prints without arguments or with "default".
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Which sections a request selected.
#[derive(Debug, Default)]
pub struct Selection {
    names: BTreeSet<String>,
    all: bool,
}

impl Selection {
    /// Parses INFO's arguments (section names, any case; "default", "all", "everything").
    pub fn parse<'a>(args: impl Iterator<Item = &'a [u8]>) -> Selection {
        let mut s = Selection::default();
        let mut any = false;
        for arg in args {
            any = true;
            let name = String::from_utf8_lossy(arg).to_ascii_lowercase();
            match name.as_str() {
                "default" => s
                    .names
                    .extend(DEFAULT_SECTIONS.iter().map(|n| n.to_string())),
                "all" | "everything" => s.all = true,
                _ => {
                    s.names.insert(name);
                }
            }
        }
        if !any {
            s.names
                .extend(DEFAULT_SECTIONS.iter().map(|n| n.to_string()));
        }
        s
    }

    fn wants(&self, section: &str) -> bool {
        self.all || self.names.contains(section)
    }
}

/// Writes the selected sections, separated by blank lines, as Redis's genRedisInfoString.
pub fn render(server: &Server, selection: &Selection) -> String {
    let mut out = String::new();
    let section = |out: &mut String, title: &str| {
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let _ = write!(out, "# {title}\r\n");
    };
    if selection.wants("server") {
        section(&mut out, "Server");
        server_section(server, &mut out);
    }
    if selection.wants("clients") {
        section(&mut out, "Clients");
        clients_section(server, &mut out);
    }
    if selection.wants("memory") {
        section(&mut out, "Memory");
        memory_section(server, &mut out);
    }
    if selection.wants("persistence") {
        section(&mut out, "Persistence");
        persistence_section(server, &mut out);
    }
    if selection.wants("stats") {
        section(&mut out, "Stats");
        stats_section(server, &mut out);
    }
    if selection.wants("replication") {
        section(&mut out, "Replication");
        replication_section(server, &mut out);
    }
    if selection.wants("cpu") {
        section(&mut out, "CPU");
        cpu_section(&mut out);
    }
    if selection.wants("module_list") || selection.wants("modules") {
        section(&mut out, "Modules");
    }
    if selection.wants("commandstats") {
        section(&mut out, "Commandstats");
        commandstats_section(server, &mut out);
    }
    if selection.wants("errorstats") {
        section(&mut out, "Errorstats");
        for (code, count) in &server.error_stats {
            let _ = write!(
                out,
                "errorstat_{}:count={count}\r\n",
                safe_info_string(code)
            );
        }
    }
    if selection.wants("latencystats") {
        section(&mut out, "Latencystats");
        if server.config.latency_tracking {
            latencystats_section(server, &mut out);
        }
    }
    if selection.wants("cluster") {
        section(&mut out, "Cluster");
        let _ = write!(
            out,
            "cluster_enabled:{}\r\n",
            u8::from(server.config.cluster_enabled)
        );
    }
    if selection.wants("keyspace") {
        section(&mut out, "Keyspace");
        for (i, db) in server.dbs.iter().enumerate() {
            if !db.is_empty() || db.expires_len() > 0 {
                let _ = write!(
                    out,
                    "db{i}:keys={},expires={},avg_ttl={}\r\n",
                    db.len(),
                    db.expires_len(),
                    db.avg_ttl()
                );
            }
        }
    }
    out
}

/// Redis replaces the characters that would break INFO's format in names it prints.
fn safe_info_string(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, ':' | '\r' | '\n') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

fn server_section(server: &Server, out: &mut String) {
    let uptime = server.started_instant.elapsed().as_secs();
    let os = format!(
        "{} {} {}",
        read_trimmed("/proc/sys/kernel/ostype").unwrap_or_else(|| "Linux".into()),
        read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_default(),
        std::env::consts::ARCH
    );
    field(out, "redis_version", crate::REDIS_VERSION);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", 0);
    field(out, "redis_build_id", "0");
    field(
        out,
        "redis_mode",
        if server.config.cluster_enabled {
            "cluster"
        } else {
            "standalone"
        },
    );
    field(out, "os", os);
    field(out, "arch_bits", 64);
    field(out, "monotonic_clock", "POSIX clock_gettime");
    field(out, "multiplexing_api", "epoll");
    field(out, "atomicvar_api", "c11-builtin");
    field(out, "gcc_version", "0.0.0");
    field(out, "process_id", std::process::id());
    field(out, "process_supervised", "no");
    field(out, "run_id", &server.run_id);
    field(out, "tcp_port", server.config.port);
    field(out, "server_time_usec", unix_us());
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", server.effective_hz());
    field(out, "configured_hz", server.config.hz);
    field(
        out,
        "lru_clock",
        scarlet_storage::lru::lru_clock(crate::clock::unix_ms()),
    );
    field(out, "executable", &server.executable);
    field(
        out,
        "config_file",
        server.config_file.as_deref().unwrap_or(""),
    );
    field(out, "io_threads_active", 0);
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn clients_section(server: &Server, out: &mut String) {
    let clients = server.clients.len();
    let max_input = server
        .clients
        .iter()
        .map(|c| c.query_buffer)
        .max()
        .unwrap_or(0);
    let max_output = server
        .clients
        .iter()
        .map(|c| c.reply.len())
        .max()
        .unwrap_or(0);
    field(out, "connected_clients", clients);
    field(out, "cluster_connections", 0);
    field(out, "maxclients", server.config.maxclients);
    field(out, "client_recent_max_input_buffer", max_input);
    field(out, "client_recent_max_output_buffer", max_output);
    field(
        out,
        "blocked_clients",
        server.clients.iter().filter(|c| c.is_blocked()).count(),
    );
    field(out, "tracking_clients", server.tracking.clients);
    // Blocked clients with a deadline (Redis keeps them in a timeout table).
    field(
        out,
        "clients_in_timeout_table",
        server
            .clients
            .iter()
            .filter(|c| c.blocked.as_ref().is_some_and(|b| b.deadline.is_some()))
            .count(),
    );
}

/// Redis's `bytesToHuman`.
pub fn human_bytes(n: u64) -> String {
    let n_f = n as f64;
    const K: f64 = 1024.0;
    if n < 1024 {
        format!("{n}B")
    } else if n_f < K * K {
        format!("{:.2}K", n_f / K)
    } else if n_f < K * K * K {
        format!("{:.2}M", n_f / (K * K))
    } else if n_f < K * K * K * K {
        format!("{:.2}G", n_f / (K * K * K))
    } else if n_f < K * K * K * K * K {
        format!("{:.2}T", n_f / (K * K * K * K))
    } else if n_f < K * K * K * K * K * K {
        format!("{:.2}P", n_f / (K * K * K * K * K))
    } else {
        format!("{n}B")
    }
}

fn memory_section(server: &Server, out: &mut String) {
    let report = memory::MemoryReport::take(server);
    let m = report.allocator;
    let used = report.used;
    let peak = report.peak;
    let startup = report.startup;
    let clients = report.clients_normal;
    let overhead = report.overhead;
    let dataset = report.dataset();
    let ratio = memory::ratio;
    let total_system = memory::total_system_memory();
    let maxmemory = server.config.maxmemory;
    field(out, "used_memory", used);
    field(out, "used_memory_human", human_bytes(used));
    field(out, "used_memory_rss", m.rss);
    field(out, "used_memory_rss_human", human_bytes(m.rss));
    field(out, "used_memory_peak", peak);
    field(out, "used_memory_peak_human", human_bytes(peak));
    field(
        out,
        "used_memory_peak_perc",
        format!("{:.2}%", ratio(used, peak) * 100.0),
    );
    field(out, "used_memory_overhead", overhead);
    field(out, "used_memory_startup", startup);
    field(out, "used_memory_dataset", dataset);
    field(
        out,
        "used_memory_dataset_perc",
        format!("{:.2}%", report.dataset_perc()),
    );
    field(out, "allocator_allocated", m.allocated);
    field(out, "allocator_active", m.active);
    field(out, "allocator_resident", m.resident);
    field(out, "total_system_memory", total_system);
    field(out, "total_system_memory_human", human_bytes(total_system));
    let scripting = &server.scripting;
    let vm_eval = scripting.eval_memory();
    let vm_functions = scripting.libraries.memory();
    let scripts_eval = scripting.scripts_memory;
    let functions_memory = scripting.libraries.code_bytes();
    field(out, "used_memory_lua", vm_eval);
    field(out, "used_memory_vm_eval", vm_eval);
    field(out, "used_memory_lua_human", human_bytes(vm_eval as u64));
    field(out, "used_memory_scripts_eval", scripts_eval);
    field(out, "number_of_cached_scripts", scripting.scripts.len());
    field(
        out,
        "number_of_functions",
        scripting.libraries.function_count(),
    );
    field(
        out,
        "number_of_libraries",
        scripting.libraries.libraries.len(),
    );
    field(out, "used_memory_vm_functions", vm_functions);
    field(out, "used_memory_vm_total", vm_eval + vm_functions);
    field(
        out,
        "used_memory_vm_total_human",
        human_bytes((vm_eval + vm_functions) as u64),
    );
    field(out, "used_memory_functions", functions_memory);
    field(out, "used_memory_scripts", scripts_eval + functions_memory);
    field(
        out,
        "used_memory_scripts_human",
        human_bytes((scripts_eval + functions_memory) as u64),
    );
    field(out, "maxmemory", maxmemory);
    field(out, "maxmemory_human", human_bytes(maxmemory));
    field(
        out,
        "maxmemory_policy",
        server.config.maxmemory_policy.as_str(),
    );
    field(
        out,
        "allocator_frag_ratio",
        format!("{:.2}", ratio(m.active, m.allocated)),
    );
    field(
        out,
        "allocator_frag_bytes",
        m.active.saturating_sub(m.allocated),
    );
    field(
        out,
        "allocator_rss_ratio",
        format!("{:.2}", ratio(m.resident, m.active)),
    );
    field(
        out,
        "allocator_rss_bytes",
        m.resident as i64 - m.active as i64,
    );
    field(
        out,
        "rss_overhead_ratio",
        format!("{:.2}", ratio(m.rss, m.resident)),
    );
    field(out, "rss_overhead_bytes", m.rss as i64 - m.resident as i64);
    field(
        out,
        "mem_fragmentation_ratio",
        format!("{:.2}", ratio(m.rss, used)),
    );
    field(out, "mem_fragmentation_bytes", m.rss as i64 - used as i64);
    field(
        out,
        "mem_not_counted_for_evict",
        server.memory_not_counted_for_evict(),
    );
    // The shared replication buffer is the backlog up to its configured size; what it
    // holds beyond that, while replicas are attached, is there for them and counts as
    // theirs (as Redis splits it).
    let buffer = server.replication.attached.buffer_memory() as u64;
    let backlog = if server.replication.attached.replicas.is_empty() {
        buffer
    } else {
        buffer.min(server.config.repl_backlog_size)
    };
    field(out, "mem_replication_backlog", backlog);
    field(out, "mem_total_replication_buffers", buffer);
    field(
        out,
        "mem_clients_slaves",
        report.clients_replicas + (buffer - backlog),
    );
    field(out, "mem_clients_normal", clients);
    field(out, "mem_cluster_links", 0);
    field(out, "mem_aof_buffer", server.aof.buf.capacity());
    field(out, "mem_allocator", "jemalloc-5.3.0");
    field(out, "active_defrag_running", 0);
    field(out, "lazyfree_pending_objects", server.lazyfree.pending());
    field(out, "lazyfreed_objects", server.lazyfree.freed());
}

fn persistence_section(server: &Server, out: &mut String) {
    let p = &server.persistence;
    let async_loading = server.replication.async_loading;
    field(
        out,
        "loading",
        u8::from(p.loading.is_some() && !async_loading),
    );
    field(out, "async_loading", u8::from(async_loading));
    if let Some(loading) = &p.loading {
        loading_fields(loading, out);
    }
    let bgsave = p.bgsave.as_ref();
    // No fork: the "copy-on-write" figures are the bytes of keys the snapshot had to
    // write early because they were about to change.
    let copied = bgsave.map_or(0, |b| b.copied_bytes);
    field(out, "current_cow_peak", copied);
    field(out, "current_cow_size", copied);
    field(out, "current_cow_size_age", 0);
    field(
        out,
        "current_fork_perc",
        format!("{:.2}", bgsave.map_or(0.0, |b| b.progress_percent())),
    );
    field(
        out,
        "current_save_keys_processed",
        bgsave.map_or(0, |b| b.keys_processed),
    );
    field(
        out,
        "current_save_keys_total",
        bgsave.map_or(0, |b| b.keys_total),
    );
    field(out, "rdb_changes_since_last_save", server.dirty);
    let rdb = bgsave.filter(|b| b.purpose.is_rdb());
    let aof_base = bgsave.filter(|b| b.purpose == Purpose::AofBase);
    field(out, "rdb_bgsave_in_progress", u8::from(rdb.is_some()));
    field(out, "rdb_last_save_time", p.lastsave);
    field(
        out,
        "rdb_last_bgsave_status",
        if p.last_save_ok { "ok" } else { "err" },
    );
    field(out, "rdb_last_bgsave_time_sec", p.last_bgsave_secs);
    field(
        out,
        "rdb_current_bgsave_time_sec",
        rdb.map_or(-1, |b| i64::try_from(b.elapsed_secs()).unwrap_or(i64::MAX)),
    );
    field(out, "rdb_saves", p.saves);
    field(out, "rdb_last_cow_size", p.last_copied_bytes);
    field(out, "rdb_last_load_keys_expired", p.last_load_keys_expired);
    field(out, "rdb_last_load_keys_loaded", p.last_load_keys_loaded);
    let aof = &server.aof;
    let status = |failed: bool| if failed { "err" } else { "ok" };
    field(out, "aof_enabled", u8::from(aof.is_enabled()));
    field(out, "aof_rewrite_in_progress", u8::from(aof_base.is_some()));
    field(
        out,
        "aof_rewrite_scheduled",
        u8::from(aof.rewrite_scheduled),
    );
    field(
        out,
        "aof_last_rewrite_time_sec",
        aof.stats
            .last_rewrite_secs
            .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX)),
    );
    field(
        out,
        "aof_current_rewrite_time_sec",
        aof_base.map_or(-1, |b| i64::try_from(b.elapsed_secs()).unwrap_or(i64::MAX)),
    );
    field(
        out,
        "aof_last_bgrewrite_status",
        status(aof.stats.last_rewrite_failed),
    );
    field(out, "aof_rewrites", aof.stats.rewrites);
    field(
        out,
        "aof_rewrites_consecutive_failures",
        aof.stats.consecutive_failures,
    );
    field(
        out,
        "aof_last_write_status",
        status(server.aof_write_error().is_some()),
    );
    field(out, "aof_last_cow_size", p.last_copied_bytes_aof);
    field(out, "module_fork_in_progress", 0);
    field(out, "module_fork_last_cow_size", 0);
    if server.config.appendonly {
        field(out, "aof_current_size", aof.current_size);
        field(out, "aof_base_size", aof.base_size);
        field(out, "aof_pending_rewrite", u8::from(aof.rewrite_scheduled));
        field(out, "aof_buffer_length", aof.buf.len());
        field(out, "aof_pending_bio_fsync", aof.pending_fsyncs());
        field(out, "aof_delayed_fsync", aof.stats.delayed_fsync);
    }
}

/// The progress lines INFO shows while loading, as Redis's.
fn loading_fields(loading: &crate::persistence::Loading, out: &mut String) {
    let loaded = loading
        .loaded_bytes
        .load(std::sync::atomic::Ordering::Relaxed);
    let total = loading.total_bytes;
    let elapsed = loading.started.elapsed().as_secs_f64();
    let perc = if total > 0 {
        loaded as f64 / total as f64 * 100.0
    } else {
        0.0
    };
    // The ETA from the rate so far; 1 second until there is a rate, as Redis.
    let eta = if loaded > 0 && elapsed > 0.0 {
        ((total.saturating_sub(loaded)) as f64 / (loaded as f64 / elapsed)) as u64
    } else {
        1
    };
    field(out, "loading_start_time", loading.start_secs);
    field(out, "loading_total_bytes", total);
    field(out, "loading_rdb_used_mem", 0);
    field(out, "loading_loaded_bytes", loaded);
    field(out, "loading_loaded_perc", format!("{perc:.2}"));
    field(out, "loading_eta_seconds", eta);
}

fn stats_section(server: &Server, out: &mut String) {
    let s = &server.stats;
    let kbps = |bytes_per_sec: u64| format!("{:.2}", bytes_per_sec as f64 / 1024.0);
    field(out, "total_connections_received", s.connections_received);
    field(out, "total_commands_processed", s.commands_processed);
    field(out, "instantaneous_ops_per_sec", s.ops_rate.per_second());
    field(out, "total_net_input_bytes", s.net_input_bytes);
    field(out, "total_net_output_bytes", s.net_output_bytes);
    field(out, "total_net_repl_input_bytes", 0);
    field(out, "total_net_repl_output_bytes", 0);
    field(
        out,
        "instantaneous_input_kbps",
        kbps(s.input_rate.per_second()),
    );
    field(
        out,
        "instantaneous_output_kbps",
        kbps(s.output_rate.per_second()),
    );
    field(out, "instantaneous_input_repl_kbps", "0.00");
    field(out, "instantaneous_output_repl_kbps", "0.00");
    field(out, "rejected_connections", s.rejected_connections);
    field(out, "sync_full", s.sync_full);
    field(out, "sync_partial_ok", s.sync_partial_ok);
    field(out, "sync_partial_err", s.sync_partial_err);
    field(out, "expired_keys", s.expired_keys);
    field(
        out,
        "expired_stale_perc",
        format!("{:.2}", s.expired_stale_perc * 100.0),
    );
    field(
        out,
        "expired_time_cap_reached_count",
        s.expired_time_cap_reached_count,
    );
    field(
        out,
        "expire_cycle_cpu_milliseconds",
        s.expire_cycle_cpu_milliseconds,
    );
    let (exceeded_total, exceeded_current) = server.evictor.exceeded_ms();
    field(out, "evicted_keys", s.evicted_keys);
    field(out, "evicted_clients", s.evicted_clients);
    field(out, "total_eviction_exceeded_time", exceeded_total);
    field(out, "current_eviction_exceeded_time", exceeded_current);
    field(out, "keyspace_hits", s.keyspace_hits);
    field(out, "keyspace_misses", s.keyspace_misses);
    field(
        out,
        "pubsub_channels",
        server.pubsub.channel_count(Namespace::Global),
    );
    field(out, "pubsub_patterns", server.pubsub.pattern_count());
    field(
        out,
        "pubsubshard_channels",
        server.pubsub.channel_count(Namespace::Shard),
    );
    field(out, "latest_fork_usec", 0);
    field(out, "total_forks", 0);
    field(out, "migrate_cached_sockets", server.migrate_sockets.len());
    field(out, "slave_expires_tracked_keys", 0);
    field(out, "active_defrag_hits", 0);
    field(out, "active_defrag_misses", 0);
    field(out, "active_defrag_key_hits", 0);
    field(out, "active_defrag_key_misses", 0);
    field(out, "total_active_defrag_time", 0);
    field(out, "current_active_defrag_time", 0);
    field(out, "tracking_total_keys", server.tracking.total_keys());
    field(out, "tracking_total_items", server.tracking.total_items());
    field(
        out,
        "tracking_total_prefixes",
        server.tracking.total_prefixes(),
    );
    field(out, "unexpected_error_replies", s.unexpected_error_replies);
    field(out, "total_error_replies", s.total_error_replies);
    field(out, "dump_payload_sanitizations", 0);
    field(out, "total_reads_processed", s.reads_processed);
    field(out, "total_writes_processed", s.writes_processed);
    field(out, "io_threaded_reads_processed", 0);
    field(out, "io_threaded_writes_processed", 0);
    field(out, "reply_buffer_shrinks", 0);
    field(out, "reply_buffer_expands", 0);
}

fn replication_section(server: &Server, out: &mut String) {
    crate::replication::info::section(server, out);
}

fn cpu_section(out: &mut String) {
    let this = memory::cpu_usage(memory::Who::Process);
    let children = memory::cpu_usage(memory::Who::Children);
    let thread = memory::cpu_usage(memory::Who::Thread);
    field(out, "used_cpu_sys", this.system);
    field(out, "used_cpu_user", this.user);
    field(out, "used_cpu_sys_children", children.system);
    field(out, "used_cpu_user_children", children.user);
    field(out, "used_cpu_sys_main_thread", thread.system);
    field(out, "used_cpu_user_main_thread", thread.user);
}

fn latencystats_section(server: &Server, out: &mut String) {
    let percentiles = &server.config.latency_tracking_info_percentiles;
    for cmd in registry().iter() {
        let Some(histogram) = server
            .command_stats
            .get(cmd.id)
            .and_then(|s| s.latency.as_ref())
        else {
            continue;
        };
        let values: Vec<String> = percentiles
            .iter()
            .map(|&p| {
                let usec = histogram.value_at_percentile(p) as f64 / 1000.0;
                format!("p{}={usec:.3}", crate::latency::percentile_name(p))
            })
            .collect();
        let _ = write!(
            out,
            "latency_percentiles_usec_{}:{}\r\n",
            safe_info_string(cmd.full_name),
            values.join(",")
        );
    }
}

fn commandstats_section(server: &Server, out: &mut String) {
    for cmd in registry().iter() {
        let Some(s) = server.command_stats.get(cmd.id) else {
            continue;
        };
        if s.calls == 0 && s.failed_calls == 0 && s.rejected_calls == 0 {
            continue;
        }
        let per_call = if s.calls == 0 {
            0.0
        } else {
            s.usec as f64 / s.calls as f64
        };
        let _ = write!(
            out,
            "cmdstat_{}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            safe_info_string(cmd.full_name),
            s.calls,
            s.usec,
            s.rejected_calls,
            s.failed_calls
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_like_redis() {
        assert_eq!(human_bytes(0), "0B");
        assert_eq!(human_bytes(1023), "1023B");
        assert_eq!(human_bytes(1024), "1.00K");
        assert_eq!(human_bytes(1536 * 1024), "1.50M");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.00G");
    }

    #[test]
    fn selection() {
        let s = Selection::parse(std::iter::empty());
        assert!(s.wants("server") && !s.wants("commandstats"));
        let args: Vec<&[u8]> = vec![b"commandSTATS"];
        let s = Selection::parse(args.into_iter());
        assert!(s.wants("commandstats") && !s.wants("server"));
        let args: Vec<&[u8]> = vec![b"cpu", b"all"];
        let s = Selection::parse(args.into_iter());
        assert!(s.wants("commandstats") && s.wants("cpu"));
    }
}
