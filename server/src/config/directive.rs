//! What a directive *is*: its names, flags, value type with bounds, the subsystem it
//! configures and the hook the running server must run after CONFIG SET changes it.
//!
//! This file only describes; the table itself lives in `table.rs` and the behaviour
//! (parsing, formatting, rewriting) in the sibling modules.

use super::Config;
use super::value::Value;

/// Redis's per-directive flags (`IMMUTABLE_CONFIG`, ...). A directive without flags is
/// modifiable at run time with CONFIG SET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u16);

impl Flags {
    /// Only settable at start-up (config file or command line).
    pub const IMMUTABLE: Flags = Flags(1 << 0);
    /// Holds a secret: the server redacts its CONFIG SET argument from logs/slowlog/monitor.
    pub const SENSITIVE: Flags = Flags(1 << 1);
    /// Part of the debugging summary ([`Config::debug_info`]).
    pub const DEBUG: Flags = Flags(1 << 2);
    /// Takes several arguments (a config line's single argument is re-split on blanks,
    /// a CONFIG SET value is split on single spaces).
    pub const MULTI_ARG: Flags = Flags(1 << 3);
    /// Left out of `CONFIG GET` glob matches; an exact name still works.
    pub const HIDDEN: Flags = Flags(1 << 4);
    /// CONFIG SET only when `enable-protected-configs` allows it.
    pub const PROTECTED: Flags = Flags(1 << 5);
    /// CONFIG SET refused with `-LOADING` while the dataset is loading.
    pub const DENY_LOADING: Flags = Flags(1 << 6);
    /// Setting it to its current value still counts as a change (the value names a
    /// file whose content may have changed).
    pub const VOLATILE: Flags = Flags(1 << 7);

    /// No flag at all (Redis's `MODIFIABLE_CONFIG`).
    pub const fn empty() -> Flags {
        Flags(0)
    }

    /// Both sets of flags.
    pub const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The C type Redis stores a numeric directive in. It decides how bounds are compared:
/// unsigned types compare the value as unsigned, so `-1` is "too big", not "too small".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // The variants are the C type names.
pub enum CType {
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
    SizeT,
    SSizeT,
    TimeT,
    OffT,
}

impl CType {
    /// Whether Redis compares bounds as unsigned for this type.
    pub const fn unsigned_bounds(self) -> bool {
        matches!(self, CType::UInt | CType::ULongLong | CType::SizeT)
    }
}

/// How a numeric directive is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A plain decimal integer.
    Plain,
    /// Bytes with optional unit: `k`=1000, `kb`=1024, `m`, `mb`, `g`, `gb`, any case.
    Memory,
    /// Memory, or `N%` (stored as `-N`).
    MemoryOrPercent,
    /// Octal digits (file permissions).
    Octal,
}

/// A validity check beyond type and bounds, with Redis's error text.
pub type Check = fn(&Config, &Value) -> Result<(), &'static str>;

/// A directive's value type, with bounds and the names an enum accepts.
#[derive(Debug, Clone, Copy)]
pub enum Spec {
    /// `yes` / `no`.
    Bool {
        /// Extra validity check.
        check: Option<Check>,
    },
    /// An integer kept as Redis keeps it, within `min..=max` inclusive.
    Int {
        /// Redis's storage type.
        ctype: CType,
        /// Lower bound (as Redis's `long long`).
        min: i64,
        /// Upper bound (as Redis's `long long`; `ULLONG_MAX` reads as -1).
        max: i64,
        /// Accepted notation.
        unit: Unit,
    },
    /// One of a fixed set of names (several, OR-ed together, for `MULTI_ARG`).
    Enum {
        /// Accepted names and their values, in Redis's order (errors list them so).
        names: &'static [(&'static str, i32)],
        /// Extra validity check.
        check: Option<Check>,
    },
    /// A string.
    Str {
        /// Whether an empty value means "unset" (Redis's `EMPTY_STRING_IS_NULL`).
        empty_is_null: bool,
        /// Whether the value may hold any byte (Redis's sds strings); otherwise it
        /// ends at the first NUL like a C string.
        binary: bool,
        /// Extra validity check.
        check: Option<Check>,
    },
    /// `save <seconds> <changes> [...]`.
    Save,
    /// `bind <addr> [...]`.
    Bind,
    /// `client-output-buffer-limit <class> <hard> <soft> <seconds> [...]`.
    OutputBufferLimits,
    /// `oom-score-adj-values <master> <replica> <bgchild>`.
    OomScoreAdjValues,
    /// `notify-keyspace-events <flags>`.
    KeyspaceEvents,
    /// `replicaof <host> <port>` / `replicaof no one`.
    ReplicaOf,
    /// `latency-tracking-info-percentiles <p> [...]`.
    Percentiles,
    /// `dir <path>`.
    Dir,
}

/// The part of the server a directive configures. Directives of subsystems that are
/// not built yet still parse, show and rewrite exactly like Redis; the server warns
/// at start-up when one is set to a non-default value ([`super::Loaded::unbuilt_in_use`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subsystem {
    /// Networking, logging, databases, timers, auth password, protocol limits, debug
    /// switches and other bookkeeping the core server does itself.
    Core,
    /// RDB snapshots and loading.
    Persistence,
    /// The append-only file.
    Aof,
    /// Master/replica replication.
    Replication,
    /// Redis Cluster.
    Cluster,
    /// Lua scripts and functions.
    Scripting,
    /// `maxmemory` and key eviction.
    Eviction,
    /// Client eviction (`maxmemory-clients`).
    ClientEviction,
    /// Per-class client output buffer limits.
    OutputBufferLimits,
    /// Background freeing (`lazyfree-*`).
    LazyFree,
    /// Keyspace notifications.
    Notifications,
    /// TLS.
    Tls,
    /// ACL users and the ACL log.
    Acl,
    /// The latency monitor (`LATENCY`).
    LatencyMonitor,
    /// Per-command latency tracking (`INFO latencystats`).
    LatencyTracking,
    /// The slow log.
    Slowlog,
    /// Client-side caching (`CLIENT TRACKING`).
    Tracking,
    /// Loadable modules.
    Modules,
    /// Active defragmentation.
    ActiveDefrag,
    /// Compact encodings of hashes, lists, sets, sorted sets and HyperLogLogs.
    Collections,
    /// Streams.
    Streams,
    /// Allocator tuning (jemalloc background thread, transparent huge pages).
    Allocator,
    /// Logging to syslog.
    Syslog,
    /// Supervision by upstart/systemd.
    Supervision,
    /// Process title.
    ProcTitle,
    /// CPU affinity of threads and children.
    CpuAffinity,
    /// Linux OOM-killer score adjustment.
    OomScore,
    /// Shutdown on signals.
    Shutdown,
    /// The software watchdog.
    Watchdog,
    /// Socket marks (`SO_MARK`) on listening sockets.
    SocketMark,
}

impl Subsystem {
    /// Whether this subsystem exists in Scarlet yet.
    pub fn is_built(self) -> bool {
        matches!(
            self,
            Subsystem::Core
                | Subsystem::LatencyTracking
                | Subsystem::Persistence
                | Subsystem::Notifications
                | Subsystem::Tracking
                | Subsystem::OutputBufferLimits
                | Subsystem::Aof
                | Subsystem::Replication
                | Subsystem::Scripting
                | Subsystem::Eviction
                | Subsystem::ClientEviction
                | Subsystem::LazyFree
                | Subsystem::Collections
        )
    }

    /// What the subsystem is, for the start-up warning about directives it would read.
    pub fn description(self) -> &'static str {
        match self {
            Subsystem::Core => "the core server",
            Subsystem::Persistence => "RDB persistence",
            Subsystem::Aof => "the append-only file",
            Subsystem::Replication => "replication",
            Subsystem::Cluster => "cluster mode",
            Subsystem::Scripting => "Lua scripting and functions",
            Subsystem::Eviction => "maxmemory and key eviction",
            Subsystem::ClientEviction => "client eviction",
            Subsystem::OutputBufferLimits => "client output buffer limits",
            Subsystem::LazyFree => "lazy freeing",
            Subsystem::Notifications => "keyspace notifications",
            Subsystem::Tls => "TLS",
            Subsystem::Acl => "ACL users",
            Subsystem::LatencyMonitor => "the latency monitor",
            Subsystem::LatencyTracking => "per-command latency tracking",
            Subsystem::Slowlog => "the slow log",
            Subsystem::Tracking => "client-side caching",
            Subsystem::Modules => "modules",
            Subsystem::ActiveDefrag => "active defragmentation",
            Subsystem::Collections => "hashes, lists, sets, sorted sets and HyperLogLogs",
            Subsystem::Streams => "streams",
            Subsystem::Allocator => "allocator tuning",
            Subsystem::Syslog => "syslog logging",
            Subsystem::Supervision => "supervision by upstart/systemd",
            Subsystem::ProcTitle => "process titles",
            Subsystem::CpuAffinity => "CPU affinity",
            Subsystem::OomScore => "OOM score adjustment",
            Subsystem::Shutdown => "shutdown tuning",
            Subsystem::Watchdog => "the software watchdog",
            Subsystem::SocketMark => "socket marks",
        }
    }
}

/// A reaction the running server must perform after CONFIG SET changed a directive
/// (Redis's "apply" functions, plus `Dir` for the `chdir` Redis does while setting).
/// Each hook runs once per CONFIG SET however many of its directives changed; if one
/// fails, the server restores the old values with [`Config::restore`] and runs the
/// hooks again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Apply {
    /// `chdir` to the new `dir`. Error: the OS error text (`strerror`).
    Dir,
    /// Listen on the new `port` (close the old listener). Error text in Redis:
    /// "Unable to listen on this port. Check server logs.".
    Port,
    /// Listen on the new `bind` addresses. Error: "Failed to bind to specified addresses.".
    Bind,
    /// Raise the open-files limit for `maxclients`. Error: "The operating system is not
    /// able to handle the specified number of clients, try with N".
    Maxclients,
    /// Adopt the new `hz` (already clamped to 1..=500 in the config).
    Hz,
    /// Set the default user's password from `requirepass`.
    RequirePass,
    /// Apply `oom-score-adj` / `oom-score-adj-values`. Error: "Failed to set current
    /// oom_score_adj. Check server logs.".
    OomScoreAdj,
    /// Set the process title from `proc-title-template`. Error: "failed to set process title".
    ProcTitle,
    /// Install or remove the crash signal handlers (`crash-log-enabled`).
    CrashLog,
    /// Start or stop the AOF (`appendonly`). Error: "Unable to turn on AOF. Check server logs.".
    Appendonly,
    /// Delete AOF history files when `aof-disable-auto-gc` is turned off.
    AofAutoGc,
    /// Toggle jemalloc's background thread.
    JemallocBgThread,
    /// Resize the replication backlog.
    ReplBacklogSize,
    /// Start evicting if over the new `maxmemory` (Redis logs a warning when below usage).
    Maxmemory,
    /// Recount replicas good for `min-replicas-*`.
    GoodReplicas,
    /// Re-arm the software watchdog.
    WatchdogPeriod,
    /// Start or stop client eviction bookkeeping (`maxmemory-clients`).
    ClientEviction,
    /// Update the cluster node's flags (`cluster-replica-no-failover`).
    ClusterFlags,
    /// Update the cluster node's announced ports.
    ClusterAnnouncedPorts,
    /// Update the cluster node's announced IP.
    ClusterIp,
    /// Update the cluster node's announced hostname.
    ClusterHostname,
    /// Reconfigure TLS. Error: "Unable to update TLS configuration. Check server logs.".
    TlsConfig,
    /// Reconfigure TLS and listen on the new `tls-port`.
    TlsPort,
}

/// Typed access to one directive's field of [`Config`], generated by the table.
#[derive(Clone, Copy)]
pub(crate) struct Access {
    /// The current value.
    pub(crate) get: fn(&Config) -> Value,
    /// Store a value; false if its variant does not fit the field (a table bug).
    pub(crate) put: fn(&mut Config, Value) -> bool,
    /// Copy the field from another config (undo).
    pub(crate) copy: fn(&mut Config, &Config),
    /// Redis's default.
    pub(crate) default: fn() -> Value,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Access")
    }
}

/// One configuration directive, as declared in the table.
#[derive(Debug, Clone, Copy)]
pub struct Directive {
    /// The name (lower case), as CONFIG GET shows it and CONFIG REWRITE writes it.
    pub name: &'static str,
    /// The other accepted name, if any (`slaveof` for `replicaof`, ...).
    pub alias: Option<&'static str>,
    /// Redis's flags.
    pub flags: Flags,
    /// What it configures.
    pub subsystem: Subsystem,
    /// What the running server must do after CONFIG SET changes it.
    pub apply: Option<Apply>,
    /// Value type, bounds, accepted names.
    pub spec: Spec,
    pub(crate) access: Access,
}

impl Directive {
    /// Redis's default value, formatted as CONFIG GET shows it. For `dir` this is the
    /// process's current directory.
    pub fn default_value(&self) -> Vec<u8> {
        super::format::format_value(self, &(self.access.default)())
    }

    /// Whether CONFIG SET may never change it.
    pub fn is_immutable(&self) -> bool {
        self.flags.contains(Flags::IMMUTABLE)
    }

    /// Whether CONFIG SET arguments for it must be redacted.
    pub fn is_sensitive(&self) -> bool {
        self.flags.contains(Flags::SENSITIVE)
    }
}

/// A directive found by name: which entry, and whether the name used was the alias.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) index: usize,
    pub(crate) directive: &'static Directive,
    pub(crate) via_alias: bool,
}

impl Found {
    /// The name as Redis reports it for this entry (the alias when found by alias).
    pub(crate) fn entry_name(&self) -> &'static str {
        match (self.via_alias, self.directive.alias) {
            (true, Some(alias)) => alias,
            _ => self.directive.name,
        }
    }
}

/// Every directive, in table order.
pub fn directives() -> &'static [Directive] {
    super::table::DIRECTIVES
}

/// Finds a directive by name or alias, ignoring ASCII case.
pub fn lookup(name: &[u8]) -> Option<&'static Directive> {
    find(name).map(|f| f.directive)
}

pub(crate) fn find(name: &[u8]) -> Option<Found> {
    directives()
        .iter()
        .enumerate()
        .find_map(|(index, directive)| {
            if directive.name.as_bytes().eq_ignore_ascii_case(name) {
                Some(Found {
                    index,
                    directive,
                    via_alias: false,
                })
            } else if directive
                .alias
                .is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(name))
            {
                Some(Found {
                    index,
                    directive,
                    via_alias: true,
                })
            } else {
                None
            }
        })
}
