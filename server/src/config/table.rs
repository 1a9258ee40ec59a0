//! THE directive table: every directive Redis 7.0.15 accepts in a config file (its
//! `configs[]`), declared once. The macro turns it into the typed [`Config`] struct,
//! its `Default` (Redis's defaults) and the [`Directive`] entries with typed accessors.
//!
//! Rows: `/// doc` then `field: Type = default => "name" | "alias", [FLAGS], Subsystem,
//! Apply-hook-or-None, spec;`. Grouped by area; order is otherwise free (Redis keeps
//! them in a hash table). The directives that are not in the table (`include`,
//! `rename-command`, `user`, `loadmodule`, `sentinel`, module `x.y` options) are
//! handled by the loader.

use std::path::PathBuf;

use super::checks;
use super::directive::{Access, Apply, CType, Check, Directive, Flags, Spec, Subsystem, Unit};
use super::value::{
    AclPubsubDefault, AppendFsync, ClientOutputBufferLimits, ClusterPreferredEndpointType,
    ConfigEnum, FieldValue, KeyspaceEvents, LogLevel, MaxmemoryClients, MaxmemoryPolicy,
    OomScoreAdj, OomScoreAdjValues, PropagationErrorBehavior, ProtectedAction, ReplDisklessLoad,
    ReplicaOf, SanitizeDumpPayload, SavePoint, ShutdownFlags, Supervised, SyslogFacility,
    TlsAuthClients,
};

// Redis's C limits, as the `long long` bounds its table uses.
const INT_MIN: i64 = i32::MIN as i64;
const INT_MAX: i64 = i32::MAX as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const LLONG_MAX: i64 = i64::MAX;
const SSIZE_MAX: i64 = i64::MAX;
/// `ULLONG_MAX` stored in a `long long` (compared as unsigned).
const ULLONG_MAX: i64 = -1;
const KB: u64 = 1024;
const MB: u64 = 1024 * 1024;

use CType::{Int, LongLong, OffT, SSizeT, SizeT, TimeT, UInt, ULong, ULongLong};

const B: Spec = Spec::Bool { check: None };

const fn int(ctype: CType, min: i64, max: i64) -> Spec {
    Spec::Int {
        ctype,
        min,
        max,
        unit: Unit::Plain,
    }
}

const fn mem(ctype: CType, min: i64, max: i64) -> Spec {
    Spec::Int {
        ctype,
        min,
        max,
        unit: Unit::Memory,
    }
}

const fn en<T: ConfigEnum>() -> Spec {
    Spec::Enum {
        names: T::NAMES,
        check: None,
    }
}

const fn en_checked<T: ConfigEnum>(check: Check) -> Spec {
    Spec::Enum {
        names: T::NAMES,
        check: Some(check),
    }
}

/// A C string where "" is a value.
const fn text() -> Spec {
    Spec::Str {
        empty_is_null: false,
        binary: false,
        check: None,
    }
}

/// A C string where "" means unset.
const fn opt_text() -> Spec {
    Spec::Str {
        empty_is_null: true,
        binary: false,
        check: None,
    }
}

const fn text_checked(check: Check) -> Spec {
    Spec::Str {
        empty_is_null: false,
        binary: false,
        check: Some(check),
    }
}

/// A binary-safe string where "" means unset.
const fn secret() -> Spec {
    Spec::Str {
        empty_is_null: true,
        binary: true,
        check: None,
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// What `dir` starts as: the process's current directory.
fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

macro_rules! directives {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident : $fty:ty = $default:expr =>
        $name:literal $(| $alias:literal)?, [$($flag:ident)|*], $sub:ident, $apply:ident, $spec:expr;
    )+) => {
        /// The server's configuration: one typed field per directive (named after it,
        /// `-` becoming `_`), plus the config file's path. `Default` is Redis's
        /// defaults. Load it with [`Config::load`]; the CONFIG subcommands are
        /// [`Config::get`], [`Config::set`] and [`Config::rewrite`].
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $($(#[doc = $doc])+ pub $field: $fty,)+
            /// Not a directive: the absolute path of the config file the server was
            /// started with, where CONFIG REWRITE writes (`None`: no config file).
            pub config_file: Option<PathBuf>,
        }

        impl Default for Config {
            fn default() -> Self {
                Config { $($field: $default,)+ config_file: None }
            }
        }

        pub(crate) static DIRECTIVES: &[Directive] = &[$(
            Directive {
                name: $name,
                alias: directives!(@alias $($alias)?),
                flags: Flags::empty()$(.union(Flags::$flag))*,
                subsystem: Subsystem::$sub,
                apply: directives!(@apply $apply),
                spec: $spec,
                access: Access {
                    get: |c| FieldValue::to_value(&c.$field),
                    put: |c, v| match FieldValue::from_value(v) {
                        Some(x) => {
                            c.$field = x;
                            true
                        }
                        None => false,
                    },
                    copy: |dst, src| dst.$field = src.$field.clone(),
                    default: || {
                        let d: $fty = $default;
                        FieldValue::to_value(&d)
                    },
                },
            },
        )+];
    };
    (@alias) => { None };
    (@alias $a:literal) => { Some($a) };
    (@apply None) => { None };
    (@apply $a:ident) => { Some(Apply::$a) };
}

directives! {
    // ---- Core: networking ----
    /// Addresses to listen on (`bind`); empty: no TCP listener.
    bind: Vec<String> = vec![s("*"), s("-::*")] => "bind", [MULTI_ARG], Core, Bind, Spec::Bind;
    /// TCP port (0: no TCP listener).
    port: u16 = 6379 => "port", [], Core, Port, int(Int, 0, 65535);
    /// Unix socket path.
    unixsocket: Option<String> = None => "unixsocket", [IMMUTABLE], Core, None, opt_text();
    /// Unix socket permissions (octal; 0: leave as created).
    unixsocketperm: u32 = 0 => "unixsocketperm", [IMMUTABLE], Core, None,
        Spec::Int { ctype: UInt, min: 0, max: 0o777, unit: Unit::Octal };
    /// Refuse non-local clients when no password and no bind are set.
    protected_mode: bool = true => "protected-mode", [], Core, None, B;
    /// Maximum number of connected clients.
    maxclients: u32 = 10000 => "maxclients", [], Core, Maxclients, int(UInt, 1, UINT_MAX);
    /// Close idle clients after this many seconds (0: never).
    timeout: u32 = 0 => "timeout", [], Core, None, int(Int, 0, INT_MAX);
    /// TCP keepalive interval in seconds (0: off).
    tcp_keepalive: u32 = 300 => "tcp-keepalive", [], Core, None, int(Int, 0, INT_MAX);
    /// `listen()` backlog.
    tcp_backlog: u32 = 511 => "tcp-backlog", [IMMUTABLE], Core, None, int(Int, 0, INT_MAX);
    /// Number of I/O threads (1: only the main thread).
    io_threads: u32 = 1 => "io-threads", [DEBUG | IMMUTABLE], Core, None, int(Int, 1, 128);
    /// Whether I/O threads also read and parse requests.
    io_threads_do_reads: bool = false => "io-threads-do-reads", [DEBUG | IMMUTABLE], Core, None, B;
    /// Largest bulk string a request may carry.
    proto_max_bulk_len: u64 = 512 * MB => "proto-max-bulk-len", [DEBUG], Core, None,
        mem(LongLong, MB as i64, LONG_MAX);
    /// Largest query buffer of one client.
    client_query_buffer_limit: u64 = 1024 * MB => "client-query-buffer-limit", [DEBUG], Core, None,
        mem(SizeT, MB as i64, LONG_MAX);
    /// `SO_MARK` for listening sockets (0: none).
    socket_mark_id: u32 = 0 => "socket-mark-id", [IMMUTABLE], SocketMark, None, int(UInt, 0, UINT_MAX);

    // ---- Core: process, logging, bookkeeping ----
    /// Run in the background.
    daemonize: bool = false => "daemonize", [IMMUTABLE], Core, None, B;
    /// File to write the pid to.
    pidfile: Option<String> = None => "pidfile", [IMMUTABLE], Core, None, opt_text();
    /// Log verbosity.
    loglevel: LogLevel = LogLevel::Notice => "loglevel", [], Core, None, en::<LogLevel>();
    /// Log file ("": standard output).
    logfile: String = s("") => "logfile", [IMMUTABLE], Core, None, text();
    /// Show the ASCII-art logo even when not logging to a terminal.
    always_show_logo: bool = false => "always-show-logo", [IMMUTABLE], Core, None, B;
    /// Number of databases.
    databases: u32 = 16 => "databases", [IMMUTABLE], Core, None, int(Int, 1, INT_MAX);
    /// Working directory: RDB, AOF and relative paths live here.
    dir: PathBuf = current_dir() => "dir", [PROTECTED | DENY_LOADING], Core, Dir, Spec::Dir;
    /// Frequency of background tasks per second (clamped to 1..=500).
    hz: u32 = 10 => "hz", [], Core, Hz, int(Int, 0, INT_MAX);
    /// Scale `hz` with the number of clients.
    dynamic_hz: bool = true => "dynamic-hz", [], Core, None, B;
    /// Effort of the active expire cycle (1..=10).
    active_expire_effort: u32 = 1 => "active-expire-effort", [], Core, None, int(Int, 1, 10);
    /// Incrementally rehash the main dictionaries.
    activerehashing: bool = true => "activerehashing", [], Core, None, B;
    /// The default user's password (unset: no password).
    requirepass: Option<Vec<u8>> = None => "requirepass", [SENSITIVE], Core, RequirePass, secret();
    /// Who may use DEBUG.
    enable_debug_command: ProtectedAction = ProtectedAction::No => "enable-debug-command",
        [IMMUTABLE], Core, None, en::<ProtectedAction>();
    /// Who may CONFIG SET protected directives.
    enable_protected_configs: ProtectedAction = ProtectedAction::No => "enable-protected-configs",
        [IMMUTABLE], Core, None, en::<ProtectedAction>();
    /// Who may use MODULE.
    enable_module_command: ProtectedAction = ProtectedAction::No => "enable-module-command",
        [IMMUTABLE], Core, None, en::<ProtectedAction>();
    /// Log a crash report on fatal signals.
    crash_log_enabled: bool = true => "crash-log-enabled", [], Core, CrashLog, B;
    /// Run a memory test as part of the crash report.
    crash_memcheck_enabled: bool = true => "crash-memcheck-enabled", [], Core, None, B;
    /// Exit instead of aborting on a panic (testing).
    use_exit_on_panic: bool = false => "use-exit-on-panic", [HIDDEN], Core, None, B;
    /// Start-up warnings to suppress (e.g. `ARM64-COW-BUG`).
    ignore_warnings: String = s("") => "ignore-warnings", [], Core, None, text();

    // ---- Persistence (RDB) ----
    /// Save points.
    save: Vec<SavePoint> = SavePoint::redis_defaults() => "save", [MULTI_ARG], Persistence, None,
        Spec::Save;
    /// RDB file name (inside `dir`).
    dbfilename: String = s("dump.rdb") => "dbfilename", [PROTECTED], Persistence, None,
        text_checked(checks::dbfilename);
    /// Compress strings in RDB files with LZF.
    rdbcompression: bool = true => "rdbcompression", [], Persistence, None, B;
    /// Append and check a CRC64 checksum in RDB files.
    rdbchecksum: bool = true => "rdbchecksum", [IMMUTABLE], Persistence, None, B;
    /// Delete RDB files used only for replication.
    rdb_del_sync_files: bool = false => "rdb-del-sync-files", [], Persistence, None, B;
    /// Refuse writes after a failed background save.
    stop_writes_on_bgsave_error: bool = true => "stop-writes-on-bgsave-error", [], Persistence, None, B;
    /// fsync the RDB file every 4 MB while saving.
    rdb_save_incremental_fsync: bool = true => "rdb-save-incremental-fsync", [], Persistence, None, B;
    /// Deep-check RDB and RESTORE payloads.
    sanitize_dump_payload: SanitizeDumpPayload = SanitizeDumpPayload::No => "sanitize-dump-payload",
        [DEBUG], Persistence, None, en::<SanitizeDumpPayload>();
    /// Microseconds to sleep per key while saving (testing).
    rdb_key_save_delay: i32 = 0 => "rdb-key-save-delay", [HIDDEN], Persistence, None,
        int(Int, INT_MIN, INT_MAX);
    /// Microseconds to sleep per key while loading (testing).
    key_load_delay: i32 = 0 => "key-load-delay", [HIDDEN], Persistence, None, int(Int, INT_MIN, INT_MAX);
    /// Serve events every this many bytes while loading.
    loading_process_events_interval_bytes: u64 = 2 * MB => "loading-process-events-interval-bytes",
        [HIDDEN], Persistence, None, int(OffT, 1024, INT_MAX);

    // ---- Append-only file ----
    /// Enable the AOF.
    appendonly: bool = false => "appendonly", [DENY_LOADING], Aof, Appendonly, B;
    /// Base name of the AOF files.
    appendfilename: String = s("appendonly.aof") => "appendfilename", [IMMUTABLE], Aof, None,
        text_checked(checks::appendfilename);
    /// Directory (inside `dir`) of the AOF files.
    appenddirname: String = s("appendonlydir") => "appenddirname", [IMMUTABLE], Aof, None,
        text_checked(checks::appenddirname);
    /// When to fsync the AOF.
    appendfsync: AppendFsync = AppendFsync::Everysec => "appendfsync", [], Aof, None, en::<AppendFsync>();
    /// Skip fsync while a rewrite or save runs.
    no_appendfsync_on_rewrite: bool = false => "no-appendfsync-on-rewrite", [], Aof, None, B;
    /// Rewrite when the AOF grew by this percentage (0: never).
    auto_aof_rewrite_percentage: u32 = 100 => "auto-aof-rewrite-percentage", [], Aof, None,
        int(Int, 0, INT_MAX);
    /// Minimum AOF size for an automatic rewrite.
    auto_aof_rewrite_min_size: u64 = 64 * MB => "auto-aof-rewrite-min-size", [], Aof, None,
        mem(OffT, 0, LLONG_MAX);
    /// Load a truncated AOF instead of refusing to start.
    aof_load_truncated: bool = true => "aof-load-truncated", [], Aof, None, B;
    /// Start rewritten AOFs with an RDB preamble.
    aof_use_rdb_preamble: bool = true => "aof-use-rdb-preamble", [], Aof, None, B;
    /// fsync every 4 MB while rewriting.
    aof_rewrite_incremental_fsync: bool = true => "aof-rewrite-incremental-fsync", [], Aof, None, B;
    /// Write timestamp annotations into the AOF.
    aof_timestamp_enabled: bool = false => "aof-timestamp-enabled", [], Aof, None, B;
    /// Keep AOF history files.
    aof_disable_auto_gc: bool = false => "aof-disable-auto-gc", [], Aof, AofAutoGc, B;

    // ---- Replication ----
    /// The master to replicate (`None`: this is a master).
    replicaof: Option<ReplicaOf> = None => "replicaof" | "slaveof", [IMMUTABLE | MULTI_ARG],
        Replication, None, Spec::ReplicaOf;
    /// ACL user to authenticate to the master as.
    masteruser: Option<String> = None => "masteruser", [SENSITIVE], Replication, None, opt_text();
    /// Password for the master.
    masterauth: Option<Vec<u8>> = None => "masterauth", [SENSITIVE], Replication, None, secret();
    /// Serve possibly stale data while out of sync.
    replica_serve_stale_data: bool = true => "replica-serve-stale-data" | "slave-serve-stale-data",
        [], Replication, None, B;
    /// Refuse writes on a replica.
    replica_read_only: bool = true => "replica-read-only" | "slave-read-only", [DEBUG],
        Replication, None, B;
    /// Send the RDB straight to replicas' sockets.
    repl_diskless_sync: bool = true => "repl-diskless-sync", [DEBUG], Replication, None, B;
    /// Seconds to wait for more replicas before a diskless transfer.
    repl_diskless_sync_delay: u32 = 5 => "repl-diskless-sync-delay", [], Replication, None,
        int(Int, 0, INT_MAX);
    /// Start a diskless transfer once this many replicas wait (0: no such limit).
    repl_diskless_sync_max_replicas: u32 = 0 => "repl-diskless-sync-max-replicas", [], Replication,
        None, int(Int, 0, INT_MAX);
    /// How a replica loads the payload from its master.
    repl_diskless_load: ReplDisklessLoad = ReplDisklessLoad::Disabled => "repl-diskless-load",
        [DEBUG | DENY_LOADING], Replication, None, en::<ReplDisklessLoad>();
    /// Seconds between PINGs from master to replicas.
    repl_ping_replica_period: u32 = 10 => "repl-ping-replica-period" | "repl-ping-slave-period", [],
        Replication, None, int(Int, 1, INT_MAX);
    /// Replication timeout in seconds.
    repl_timeout: u32 = 60 => "repl-timeout", [], Replication, None, int(Int, 1, INT_MAX);
    /// Disable TCP_NODELAY on the replication socket.
    repl_disable_tcp_nodelay: bool = false => "repl-disable-tcp-nodelay", [], Replication, None, B;
    /// Replication backlog size.
    repl_backlog_size: u64 = MB => "repl-backlog-size", [], Replication, ReplBacklogSize,
        mem(LongLong, 1, LLONG_MAX);
    /// Seconds without replicas before the backlog is freed.
    repl_backlog_ttl: u64 = 3600 => "repl-backlog-ttl", [], Replication, None, int(TimeT, 0, LONG_MAX);
    /// Priority for promotion by Sentinel (0: never).
    replica_priority: u32 = 100 => "replica-priority" | "slave-priority", [], Replication, None,
        int(Int, 0, INT_MAX);
    /// Whether Sentinel reports this replica.
    replica_announced: bool = true => "replica-announced", [], Replication, None, B;
    /// IP a replica announces to its master.
    replica_announce_ip: Option<String> = None => "replica-announce-ip" | "slave-announce-ip", [],
        Replication, None, opt_text();
    /// Port a replica announces to its master (0: the real one).
    replica_announce_port: u16 = 0 => "replica-announce-port" | "slave-announce-port", [],
        Replication, None, int(Int, 0, 65535);
    /// Refuse writes with fewer good replicas than this.
    min_replicas_to_write: u32 = 0 => "min-replicas-to-write" | "min-slaves-to-write", [],
        Replication, GoodReplicas, int(Int, 0, INT_MAX);
    /// Maximum lag in seconds of a good replica.
    min_replicas_max_lag: u32 = 10 => "min-replicas-max-lag" | "min-slaves-max-lag", [],
        Replication, GoodReplicas, int(Int, 0, INT_MAX);
    /// Flush the dataset in the background on full sync.
    replica_lazy_flush: bool = false => "replica-lazy-flush" | "slave-lazy-flush", [], Replication,
        None, B;
    /// A replica ignores `maxmemory`.
    replica_ignore_maxmemory: bool = true => "replica-ignore-maxmemory" | "slave-ignore-maxmemory",
        [], Replication, None, B;
    /// A replica keeps running after disk write errors.
    replica_ignore_disk_write_errors: bool = false => "replica-ignore-disk-write-errors", [],
        Replication, None, B;
    /// What to do when a replicated command fails.
    propagation_error_behavior: PropagationErrorBehavior = PropagationErrorBehavior::Ignore =>
        "propagation-error-behavior", [], Replication, None, en::<PropagationErrorBehavior>();
    /// Source address for outgoing connections (to the master).
    bind_source_addr: Option<String> = None => "bind-source-addr", [], Replication, None, opt_text();

    // ---- Cluster ----
    /// Run as a cluster node.
    cluster_enabled: bool = false => "cluster-enabled", [IMMUTABLE], Cluster, None, B;
    /// The cluster's own state file.
    cluster_config_file: String = s("nodes.conf") => "cluster-config-file", [IMMUTABLE], Cluster,
        None, text();
    /// Node timeout in milliseconds.
    cluster_node_timeout: u64 = 15000 => "cluster-node-timeout", [], Cluster, None,
        int(LongLong, 0, LLONG_MAX);
    /// Cluster bus port (0: port + 10000).
    cluster_port: u16 = 0 => "cluster-port", [IMMUTABLE], Cluster, None, int(Int, 0, 65535);
    /// Factor of the maximum data age of a replica allowed to fail over.
    cluster_replica_validity_factor: u32 = 10 =>
        "cluster-replica-validity-factor" | "cluster-slave-validity-factor", [], Cluster, None,
        int(Int, 0, INT_MAX);
    /// Replicas a master keeps before one may migrate.
    cluster_migration_barrier: u32 = 1 => "cluster-migration-barrier", [], Cluster, None,
        int(Int, 0, INT_MAX);
    /// Allow replica migration.
    cluster_allow_replica_migration: bool = true => "cluster-allow-replica-migration", [], Cluster,
        None, B;
    /// Stop serving when some slot is uncovered.
    cluster_require_full_coverage: bool = true => "cluster-require-full-coverage", [], Cluster, None, B;
    /// Never fail over automatically.
    cluster_replica_no_failover: bool = false =>
        "cluster-replica-no-failover" | "cluster-slave-no-failover", [], Cluster, ClusterFlags, B;
    /// Serve reads while the cluster is down.
    cluster_allow_reads_when_down: bool = false => "cluster-allow-reads-when-down", [], Cluster, None, B;
    /// Allow shard Pub/Sub while the cluster is down.
    cluster_allow_pubsubshard_when_down: bool = true => "cluster-allow-pubsubshard-when-down", [],
        Cluster, None, B;
    /// IP to announce.
    cluster_announce_ip: Option<String> = None => "cluster-announce-ip", [], Cluster, ClusterIp,
        opt_text();
    /// Hostname to announce.
    cluster_announce_hostname: Option<String> = None => "cluster-announce-hostname", [], Cluster,
        ClusterHostname,
        Spec::Str { empty_is_null: true, binary: false, check: Some(checks::hostname) };
    /// Endpoint type shown in redirects.
    cluster_preferred_endpoint_type: ClusterPreferredEndpointType = ClusterPreferredEndpointType::Ip
        => "cluster-preferred-endpoint-type", [], Cluster, None, en::<ClusterPreferredEndpointType>();
    /// Client port to announce (0: the real one).
    cluster_announce_port: u16 = 0 => "cluster-announce-port", [], Cluster, ClusterAnnouncedPorts,
        int(Int, 0, 65535);
    /// Bus port to announce (0: the real one).
    cluster_announce_bus_port: u16 = 0 => "cluster-announce-bus-port", [], Cluster,
        ClusterAnnouncedPorts, int(Int, 0, 65535);
    /// TLS port to announce (0: the real one).
    cluster_announce_tls_port: u16 = 0 => "cluster-announce-tls-port", [], Cluster,
        ClusterAnnouncedPorts, int(Int, 0, 65535);
    /// Send buffer limit of a cluster link (0: none).
    cluster_link_sendbuf_limit: u64 = 0 => "cluster-link-sendbuf-limit", [], Cluster, None,
        mem(ULongLong, 0, ULLONG_MAX);

    // ---- Memory and eviction ----
    /// Memory limit (0: none).
    maxmemory: u64 = 0 => "maxmemory", [], Eviction, Maxmemory, mem(ULongLong, 0, ULLONG_MAX);
    /// What to evict at the limit.
    maxmemory_policy: MaxmemoryPolicy = MaxmemoryPolicy::NoEviction => "maxmemory-policy", [],
        Eviction, None, en::<MaxmemoryPolicy>();
    /// Keys sampled per eviction.
    maxmemory_samples: u32 = 5 => "maxmemory-samples", [], Eviction, None, int(Int, 1, INT_MAX);
    /// Eviction effort (0..=100).
    maxmemory_eviction_tenacity: u32 = 10 => "maxmemory-eviction-tenacity", [], Eviction, None,
        int(Int, 0, 100);
    /// LFU counter logarithm factor.
    lfu_log_factor: u32 = 10 => "lfu-log-factor", [], Eviction, None, int(Int, 0, INT_MAX);
    /// Minutes to halve an LFU counter.
    lfu_decay_time: u32 = 1 => "lfu-decay-time", [], Eviction, None, int(Int, 0, INT_MAX);
    /// Memory all clients together may use before some are evicted.
    maxmemory_clients: MaxmemoryClients = MaxmemoryClients::Bytes(0) => "maxmemory-clients", [],
        ClientEviction, ClientEviction,
        Spec::Int { ctype: SSizeT, min: -100, max: SSIZE_MAX, unit: Unit::MemoryOrPercent };
    /// Output buffer limits per client class.
    client_output_buffer_limit: ClientOutputBufferLimits = ClientOutputBufferLimits::default() =>
        "client-output-buffer-limit", [MULTI_ARG], OutputBufferLimits, None, Spec::OutputBufferLimits;
    /// Free evicted keys in the background.
    lazyfree_lazy_eviction: bool = false => "lazyfree-lazy-eviction", [DEBUG], LazyFree, None, B;
    /// Free expired keys in the background.
    lazyfree_lazy_expire: bool = false => "lazyfree-lazy-expire", [DEBUG], LazyFree, None, B;
    /// Free keys deleted implicitly by the server in the background.
    lazyfree_lazy_server_del: bool = false => "lazyfree-lazy-server-del", [DEBUG], LazyFree, None, B;
    /// DEL behaves like UNLINK.
    lazyfree_lazy_user_del: bool = false => "lazyfree-lazy-user-del", [DEBUG], LazyFree, None, B;
    /// FLUSHDB/FLUSHALL default to ASYNC.
    lazyfree_lazy_user_flush: bool = false => "lazyfree-lazy-user-flush", [DEBUG], LazyFree, None, B;
    /// Use jemalloc's background thread.
    jemalloc_bg_thread: bool = true => "jemalloc-bg-thread", [], Allocator, JemallocBgThread, B;
    /// Disable transparent huge pages for the process.
    disable_thp: bool = true => "disable-thp", [IMMUTABLE], Allocator, None, B;

    // ---- Active defragmentation ----
    /// Enable active defragmentation.
    activedefrag: bool = false => "activedefrag", [DEBUG], ActiveDefrag, None,
        Spec::Bool { check: Some(checks::active_defrag) };
    /// Minimum fragmentation waste to start.
    active_defrag_ignore_bytes: u64 = 100 * MB => "active-defrag-ignore-bytes", [], ActiveDefrag,
        None, mem(SizeT, 1, LLONG_MAX);
    /// Fragmentation percentage to start at.
    active_defrag_threshold_lower: u32 = 10 => "active-defrag-threshold-lower", [], ActiveDefrag,
        None, int(Int, 0, 1000);
    /// Fragmentation percentage of maximum effort.
    active_defrag_threshold_upper: u32 = 100 => "active-defrag-threshold-upper", [], ActiveDefrag,
        None, int(Int, 0, 1000);
    /// Minimum CPU percentage.
    active_defrag_cycle_min: u32 = 1 => "active-defrag-cycle-min", [], ActiveDefrag, None,
        int(Int, 1, 99);
    /// Maximum CPU percentage.
    active_defrag_cycle_max: u32 = 25 => "active-defrag-cycle-max", [], ActiveDefrag, None,
        int(Int, 1, 99);
    /// Fields of a collection processed per step.
    active_defrag_max_scan_fields: u64 = 1000 => "active-defrag-max-scan-fields", [], ActiveDefrag,
        None, int(ULong, 1, LONG_MAX);

    // ---- Compact encodings ----
    /// Hash listpack maximum entries.
    hash_max_listpack_entries: u64 = 512 => "hash-max-listpack-entries" | "hash-max-ziplist-entries",
        [], Collections, None, int(SizeT, 0, LONG_MAX);
    /// Hash listpack maximum value size.
    hash_max_listpack_value: u64 = 64 => "hash-max-listpack-value" | "hash-max-ziplist-value", [],
        Collections, None, mem(SizeT, 0, LONG_MAX);
    /// List node size: entries if positive, -1..-5 for 4..64 KB.
    list_max_listpack_size: i32 = -2 => "list-max-listpack-size" | "list-max-ziplist-size", [],
        Collections, None, int(Int, INT_MIN, INT_MAX);
    /// Uncompressed nodes at each end of a list (0: no compression).
    list_compress_depth: u32 = 0 => "list-compress-depth", [DEBUG], Collections, None,
        int(Int, 0, INT_MAX);
    /// Intset maximum entries.
    set_max_intset_entries: u64 = 512 => "set-max-intset-entries", [], Collections, None,
        int(SizeT, 0, LONG_MAX);
    /// Sorted set listpack maximum entries.
    zset_max_listpack_entries: u64 = 128 => "zset-max-listpack-entries" | "zset-max-ziplist-entries",
        [], Collections, None, int(SizeT, 0, LONG_MAX);
    /// Sorted set listpack maximum value size.
    zset_max_listpack_value: u64 = 64 => "zset-max-listpack-value" | "zset-max-ziplist-value", [],
        Collections, None, mem(SizeT, 0, LONG_MAX);
    /// Largest sparse HyperLogLog.
    hll_sparse_max_bytes: u64 = 3000 => "hll-sparse-max-bytes", [], Collections, None,
        mem(SizeT, 0, LONG_MAX);
    /// Largest stream node in bytes.
    stream_node_max_bytes: u64 = 4 * KB => "stream-node-max-bytes", [], Streams, None,
        mem(SizeT, 0, LONG_MAX);
    /// Most entries in a stream node.
    stream_node_max_entries: u64 = 100 => "stream-node-max-entries", [], Streams, None,
        int(LongLong, 0, LLONG_MAX);

    // ---- Scripting, notifications, tracking, diagnostics ----
    /// Milliseconds before a script or function is reported busy.
    busy_reply_threshold: u64 = 5000 => "busy-reply-threshold" | "lua-time-limit", [], Scripting,
        None, int(LongLong, 0, LONG_MAX);
    /// Keyspace event classes to publish.
    notify_keyspace_events: KeyspaceEvents = KeyspaceEvents::default() => "notify-keyspace-events",
        [], Notifications, None, Spec::KeyspaceEvents;
    /// Most keys remembered for client-side caching.
    tracking_table_max_keys: u64 = 1_000_000 => "tracking-table-max-keys", [], Tracking, None,
        int(SizeT, 0, LONG_MAX);
    /// Log commands slower than this many microseconds (-1: never, 0: all).
    slowlog_log_slower_than: i64 = 10000 => "slowlog-log-slower-than", [], Slowlog, None,
        int(LongLong, -1, LLONG_MAX);
    /// Slow log length.
    slowlog_max_len: u64 = 128 => "slowlog-max-len", [], Slowlog, None, int(ULong, 0, LONG_MAX);
    /// Record events slower than this many milliseconds (0: off).
    latency_monitor_threshold: u64 = 0 => "latency-monitor-threshold", [], LatencyMonitor, None,
        int(LongLong, 0, LLONG_MAX);
    /// Track per-command latency.
    latency_tracking: bool = true => "latency-tracking", [], LatencyTracking, None, B;
    /// Percentiles INFO latencystats reports.
    latency_tracking_info_percentiles: Vec<f64> = vec![50.0, 99.0, 99.9] =>
        "latency-tracking-info-percentiles", [MULTI_ARG], LatencyTracking, None, Spec::Percentiles;
    /// Software watchdog period in milliseconds (0: off; debugging).
    watchdog_period: u32 = 0 => "watchdog-period", [HIDDEN], Watchdog, WatchdogPeriod,
        int(Int, 0, INT_MAX);

    // ---- ACL ----
    /// External ACL file ("": users come from the config file).
    aclfile: String = s("") => "aclfile", [IMMUTABLE], Acl, None, text();
    /// ACL LOG length.
    acllog_max_len: u64 = 128 => "acllog-max-len", [], Acl, None, int(ULong, 0, LONG_MAX);
    /// Channel permissions of new users.
    acl_pubsub_default: AclPubsubDefault = AclPubsubDefault::ResetChannels => "acl-pubsub-default",
        [], Acl, None, en::<AclPubsubDefault>();

    // ---- Process integration ----
    /// Supervision mode.
    supervised: Supervised = Supervised::No => "supervised", [IMMUTABLE], Supervision, None,
        en::<Supervised>();
    /// Log to syslog too.
    syslog_enabled: bool = false => "syslog-enabled", [IMMUTABLE], Syslog, None, B;
    /// Syslog identity.
    syslog_ident: String = s("redis") => "syslog-ident", [IMMUTABLE], Syslog, None, text();
    /// Syslog facility.
    syslog_facility: SyslogFacility = SyslogFacility::Local0 => "syslog-facility", [IMMUTABLE],
        Syslog, None, en::<SyslogFacility>();
    /// Change the process title.
    set_proc_title: bool = true => "set-proc-title", [IMMUTABLE], ProcTitle, None, B;
    /// Process title template.
    proc_title_template: String = s("{title} {listen-addr} {server-mode}") => "proc-title-template",
        [], ProcTitle, ProcTitle, text_checked(checks::proc_title_template);
    /// CPUs of the main and I/O threads.
    server_cpulist: Option<String> = None => "server_cpulist", [IMMUTABLE], CpuAffinity, None,
        opt_text();
    /// CPUs of the background I/O threads.
    bio_cpulist: Option<String> = None => "bio_cpulist", [IMMUTABLE], CpuAffinity, None, opt_text();
    /// CPUs of the AOF rewrite child.
    aof_rewrite_cpulist: Option<String> = None => "aof_rewrite_cpulist", [IMMUTABLE], CpuAffinity,
        None, opt_text();
    /// CPUs of the BGSAVE child.
    bgsave_cpulist: Option<String> = None => "bgsave_cpulist", [IMMUTABLE], CpuAffinity, None,
        opt_text();
    /// How to adjust the OOM-killer score.
    oom_score_adj: OomScoreAdj = OomScoreAdj::No => "oom-score-adj", [], OomScore, OomScoreAdj,
        en::<OomScoreAdj>();
    /// OOM-killer scores for master, replica and background child.
    oom_score_adj_values: OomScoreAdjValues = OomScoreAdjValues::default() => "oom-score-adj-values",
        [MULTI_ARG], OomScore, OomScoreAdj, Spec::OomScoreAdjValues;
    /// SHUTDOWN flags used on SIGINT.
    shutdown_on_sigint: ShutdownFlags = ShutdownFlags::default() => "shutdown-on-sigint",
        [MULTI_ARG], Shutdown, None, en_checked::<ShutdownFlags>(checks::shutdown_flags);
    /// SHUTDOWN flags used on SIGTERM.
    shutdown_on_sigterm: ShutdownFlags = ShutdownFlags::default() => "shutdown-on-sigterm",
        [MULTI_ARG], Shutdown, None, en_checked::<ShutdownFlags>(checks::shutdown_flags);
    /// Seconds to wait for replicas on shutdown.
    shutdown_timeout: u32 = 10 => "shutdown-timeout", [], Shutdown, None, int(Int, 0, INT_MAX);

    // ---- TLS ----
    /// TLS port (0: no TLS listener).
    tls_port: u16 = 0 => "tls-port", [], Tls, TlsPort, int(Int, 0, 65535);
    /// Server certificate.
    tls_cert_file: Option<String> = None => "tls-cert-file", [VOLATILE], Tls, TlsConfig, opt_text();
    /// Server private key.
    tls_key_file: Option<String> = None => "tls-key-file", [VOLATILE], Tls, TlsConfig, opt_text();
    /// Passphrase of the server private key.
    tls_key_file_pass: Option<String> = None => "tls-key-file-pass", [], Tls, TlsConfig, opt_text();
    /// Client certificate for outgoing connections.
    tls_client_cert_file: Option<String> = None => "tls-client-cert-file", [VOLATILE], Tls,
        TlsConfig, opt_text();
    /// Client private key for outgoing connections.
    tls_client_key_file: Option<String> = None => "tls-client-key-file", [VOLATILE], Tls, TlsConfig,
        opt_text();
    /// Passphrase of the client private key.
    tls_client_key_file_pass: Option<String> = None => "tls-client-key-file-pass", [], Tls,
        TlsConfig, opt_text();
    /// DH parameters file.
    tls_dh_params_file: Option<String> = None => "tls-dh-params-file", [VOLATILE], Tls, TlsConfig,
        opt_text();
    /// CA certificate bundle.
    tls_ca_cert_file: Option<String> = None => "tls-ca-cert-file", [VOLATILE], Tls, TlsConfig,
        opt_text();
    /// CA certificate directory.
    tls_ca_cert_dir: Option<String> = None => "tls-ca-cert-dir", [VOLATILE], Tls, TlsConfig,
        opt_text();
    /// Allowed TLS protocol versions.
    tls_protocols: Option<String> = None => "tls-protocols", [], Tls, TlsConfig, opt_text();
    /// TLS 1.2 cipher list.
    tls_ciphers: Option<String> = None => "tls-ciphers", [], Tls, TlsConfig, opt_text();
    /// TLS 1.3 cipher suites.
    tls_ciphersuites: Option<String> = None => "tls-ciphersuites", [], Tls, TlsConfig, opt_text();
    /// Prefer the server's cipher order.
    tls_prefer_server_ciphers: bool = false => "tls-prefer-server-ciphers", [], Tls, TlsConfig, B;
    /// Client certificate requirement.
    tls_auth_clients: TlsAuthClients = TlsAuthClients::Yes => "tls-auth-clients", [], Tls, None,
        en::<TlsAuthClients>();
    /// Use TLS on replication links.
    tls_replication: bool = false => "tls-replication", [], Tls, TlsConfig, B;
    /// Use TLS on the cluster bus.
    tls_cluster: bool = false => "tls-cluster", [], Tls, TlsConfig, B;
    /// Cache TLS sessions.
    tls_session_caching: bool = true => "tls-session-caching", [], Tls, TlsConfig, B;
    /// TLS session cache size.
    tls_session_cache_size: u32 = 20 * 1024 => "tls-session-cache-size", [], Tls, TlsConfig,
        int(Int, 0, INT_MAX);
    /// TLS session cache timeout in seconds.
    tls_session_cache_timeout: u32 = 300 => "tls-session-cache-timeout", [], Tls, TlsConfig,
        int(Int, 0, INT_MAX);
}
