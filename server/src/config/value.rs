//! The typed values directives hold: the named enums, the structured values of the
//! multi-argument directives, and the bridge ([`Value`]) between the typed fields of
//! [`super::Config`] and the generic parse/format/rewrite code.
//!
//! Nothing here parses text; see `parse.rs` and `format.rs`.

use std::path::PathBuf;

/// A directive's value in the generic form the table code handles. Integers are kept
/// as Redis's `long long` (an unsigned 64-bit value reads as its two's complement).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `yes`/`no`.
    Bool(bool),
    /// Any integer directive.
    Int(i64),
    /// An enum's value (OR-ed bits for multi-name enums).
    Enum(i32),
    /// A string; `None` is Redis's NULL (unset).
    Str(Option<Vec<u8>>),
    /// `save`.
    Save(Vec<SavePoint>),
    /// `bind`.
    Bind(Vec<String>),
    /// `client-output-buffer-limit`.
    OutputBufferLimits(ClientOutputBufferLimits),
    /// `oom-score-adj-values`.
    OomScoreAdjValues(OomScoreAdjValues),
    /// `notify-keyspace-events`.
    KeyspaceEvents(KeyspaceEvents),
    /// `replicaof`.
    ReplicaOf(Option<ReplicaOf>),
    /// `latency-tracking-info-percentiles`.
    Percentiles(Vec<f64>),
    /// `dir`.
    Dir(PathBuf),
}

/// Converts a [`super::Config`] field to and from [`Value`].
pub(crate) trait FieldValue: Sized {
    fn to_value(&self) -> Value;
    fn from_value(value: Value) -> Option<Self>;
}

impl FieldValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// Integer fields whose every value fits `i64` exactly.
macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::Int(v) => <$t>::try_from(v).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
int_field!(u16, u32, i32, i64);

/// `u64` fields hold Redis's unsigned 64-bit values: the same bits as the `long long`.
impl FieldValue for u64 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from_ne_bytes(self.to_ne_bytes()))
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Int(v) => Some(u64::from_ne_bytes(v.to_ne_bytes())),
            _ => None,
        }
    }
}

/// A C string value: bytes that are not UTF-8 are replaced (Redis keeps raw bytes).
impl FieldValue for String {
    fn to_value(&self) -> Value {
        Value::Str(Some(self.as_bytes().to_vec()))
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Str(s) => Some(String::from_utf8_lossy(&s.unwrap_or_default()).into_owned()),
            _ => None,
        }
    }
}

impl FieldValue for Option<String> {
    fn to_value(&self) -> Value {
        Value::Str(self.as_ref().map(|s| s.as_bytes().to_vec()))
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Str(s) => Some(s.map(|b| String::from_utf8_lossy(&b).into_owned())),
            _ => None,
        }
    }
}

/// Binary-safe strings (passwords).
impl FieldValue for Option<Vec<u8>> {
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Implements [`FieldValue`] for a structured value stored in one [`Value`] variant.
macro_rules! special_field {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl FieldValue for $t {
            fn to_value(&self) -> Value {
                Value::$variant(self.clone())
            }
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}
special_field!(
    Vec<SavePoint> => Save,
    Vec<String> => Bind,
    ClientOutputBufferLimits => OutputBufferLimits,
    OomScoreAdjValues => OomScoreAdjValues,
    KeyspaceEvents => KeyspaceEvents,
    Option<ReplicaOf> => ReplicaOf,
    Vec<f64> => Percentiles,
    PathBuf => Dir,
);

/// An enum directive's type: its accepted names with values, in Redis's order.
pub trait ConfigEnum: Sized {
    /// Accepted names and their values; a value may have several names, and the
    /// first is the one Redis shows.
    const NAMES: &'static [(&'static str, i32)];
}

/// Declares an enum directive type with its accepted names.
macro_rules! config_enum {
    ($(#[doc = $doc:literal])* $name:ident {
        $($(#[doc = $vdoc:literal])* $variant:ident = $first:literal $(| $more:literal)*),+ $(,)?
    }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[doc = $vdoc])* $variant),+
        }

        impl ConfigEnum for $name {
            const NAMES: &'static [(&'static str, i32)] = &[
                $(($first, $name::$variant as i32), $(($more, $name::$variant as i32),)*)+
            ];
        }

        impl $name {
            /// The name Redis shows for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $first),+
                }
            }
        }

        impl FieldValue for $name {
            fn to_value(&self) -> Value {
                Value::Enum(*self as i32)
            }
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    $(Value::Enum(v) if v == $name::$variant as i32 => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

config_enum!(
    /// `maxmemory-policy`.
    MaxmemoryPolicy {
        /// Evict least recently used keys that have an expire.
        VolatileLru = "volatile-lru",
        /// Evict least frequently used keys that have an expire.
        VolatileLfu = "volatile-lfu",
        /// Evict random keys that have an expire.
        VolatileRandom = "volatile-random",
        /// Evict the keys with the nearest expire.
        VolatileTtl = "volatile-ttl",
        /// Evict least recently used keys.
        AllkeysLru = "allkeys-lru",
        /// Evict least frequently used keys.
        AllkeysLfu = "allkeys-lfu",
        /// Evict random keys.
        AllkeysRandom = "allkeys-random",
        /// Refuse writes instead of evicting.
        NoEviction = "noeviction",
    }
);

impl MaxmemoryPolicy {
    /// An LFU policy: keys carry an access-frequency counter instead of an access time.
    pub fn is_lfu(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
        )
    }

    /// An LRU policy.
    pub fn is_lru(self) -> bool {
        matches!(
            self,
            MaxmemoryPolicy::VolatileLru | MaxmemoryPolicy::AllkeysLru
        )
    }
}

config_enum!(
    /// `syslog-facility`.
    SyslogFacility {
        /// `LOG_USER`.
        User = "user",
        /// `LOG_LOCAL0`.
        Local0 = "local0",
        /// `LOG_LOCAL1`.
        Local1 = "local1",
        /// `LOG_LOCAL2`.
        Local2 = "local2",
        /// `LOG_LOCAL3`.
        Local3 = "local3",
        /// `LOG_LOCAL4`.
        Local4 = "local4",
        /// `LOG_LOCAL5`.
        Local5 = "local5",
        /// `LOG_LOCAL6`.
        Local6 = "local6",
        /// `LOG_LOCAL7`.
        Local7 = "local7",
    }
);

config_enum!(
    /// `loglevel`, from most to least verbose.
    LogLevel {
        /// Everything.
        Debug = "debug",
        /// Much rarely useful information.
        Verbose = "verbose",
        /// Moderately verbose; what production wants.
        Notice = "notice",
        /// Only very important messages.
        Warning = "warning",
    }
);

config_enum!(
    /// `supervised`.
    Supervised {
        /// Signal upstart with SIGSTOP.
        Upstart = "upstart",
        /// Signal systemd through `$NOTIFY_SOCKET`.
        Systemd = "systemd",
        /// Detect from the environment.
        Auto = "auto",
        /// No supervision.
        No = "no",
    }
);

config_enum!(
    /// `appendfsync`.
    AppendFsync {
        /// fsync once a second.
        Everysec = "everysec",
        /// fsync after every write.
        Always = "always",
        /// Let the OS flush.
        No = "no",
    }
);

config_enum!(
    /// `repl-diskless-load`.
    ReplDisklessLoad {
        /// Save the payload to disk first.
        Disabled = "disabled",
        /// Load from the socket only when the dataset is empty.
        OnEmptyDb = "on-empty-db",
        /// Load from the socket into a side copy of the dataset.
        Swapdb = "swapdb",
    }
);

config_enum!(
    /// `tls-auth-clients`.
    TlsAuthClients {
        /// No client certificate needed.
        No = "no",
        /// A valid client certificate is required.
        Yes = "yes",
        /// A client certificate is checked if given.
        Optional = "optional",
    }
);

config_enum!(
    /// `oom-score-adj`.
    OomScoreAdj {
        /// Leave the OOM score alone.
        No = "no",
        /// Values are relative to the initial score (`yes` is its older name).
        Relative = "yes" | "relative",
        /// Values are absolute scores.
        Absolute = "absolute",
    }
);

config_enum!(
    /// `acl-pubsub-default`.
    AclPubsubDefault {
        /// New users may use every channel.
        AllChannels = "allchannels",
        /// New users may use no channel.
        ResetChannels = "resetchannels",
    }
);

config_enum!(
    /// `sanitize-dump-payload`.
    SanitizeDumpPayload {
        /// No deep sanitization.
        No = "no",
        /// Always sanitize RDB and RESTORE payloads.
        Yes = "yes",
        /// Sanitize only payloads from normal clients.
        Clients = "clients",
    }
);

config_enum!(
    /// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
    ProtectedAction {
        /// Refused to everybody.
        No = "no",
        /// Allowed to everybody.
        Yes = "yes",
        /// Allowed to local (loopback / unix socket) clients only.
        Local = "local",
    }
);

impl ProtectedAction {
    /// Whether a client (local or not) may perform the protected action.
    pub fn allows(self, client_is_local: bool) -> bool {
        match self {
            ProtectedAction::No => false,
            ProtectedAction::Yes => true,
            ProtectedAction::Local => client_is_local,
        }
    }
}

config_enum!(
    /// `cluster-preferred-endpoint-type`.
    ClusterPreferredEndpointType {
        /// Announce IPs.
        Ip = "ip",
        /// Announce hostnames.
        Hostname = "hostname",
        /// Announce "?" as endpoint.
        UnknownEndpoint = "unknown-endpoint",
    }
);

config_enum!(
    /// `propagation-error-behavior`.
    PropagationErrorBehavior {
        /// Ignore errors in replicated commands.
        Ignore = "ignore",
        /// Panic on them.
        Panic = "panic",
        /// Panic on them only on replicas.
        PanicOnReplicas = "panic-on-replicas",
    }
);

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: SHUTDOWN flags, OR-ed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ShutdownFlags(pub u8);

impl ShutdownFlags {
    /// Save even without save points.
    pub const SAVE: u8 = 1;
    /// Do not save.
    pub const NOSAVE: u8 = 2;
    /// Do not wait for replicas.
    pub const NOW: u8 = 4;
    /// Ignore errors that would stop the shutdown.
    pub const FORCE: u8 = 8;
}

impl ConfigEnum for ShutdownFlags {
    const NAMES: &'static [(&'static str, i32)] = &[
        ("default", 0),
        ("save", Self::SAVE as i32),
        ("nosave", Self::NOSAVE as i32),
        ("now", Self::NOW as i32),
        ("force", Self::FORCE as i32),
    ];
}

impl FieldValue for ShutdownFlags {
    fn to_value(&self) -> Value {
        Value::Enum(i32::from(self.0))
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Enum(v) => u8::try_from(v).ok().map(ShutdownFlags),
            _ => None,
        }
    }
}

/// `maxmemory-clients`: bytes, or a percentage of `maxmemory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxmemoryClients {
    /// An absolute limit; 0 disables client eviction.
    Bytes(u64),
    /// A percentage (1..=100) of `maxmemory`.
    Percent(u64),
}

/// Redis keeps percentages as negative numbers in a `ssize_t`.
impl FieldValue for MaxmemoryClients {
    fn to_value(&self) -> Value {
        match *self {
            MaxmemoryClients::Bytes(b) => Value::Int(i64::try_from(b).unwrap_or(i64::MAX)),
            MaxmemoryClients::Percent(p) => {
                Value::Int(i64::try_from(p).map_or(i64::MIN, |p| 0i64.saturating_sub(p)))
            }
        }
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Int(v) if v < 0 => Some(MaxmemoryClients::Percent(v.unsigned_abs())),
            Value::Int(v) => u64::try_from(v).ok().map(MaxmemoryClients::Bytes),
            _ => None,
        }
    }
}

/// One `save <seconds> <changes>` point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavePoint {
    /// Seconds since the last save.
    pub seconds: i64,
    /// Minimum number of changes in that time.
    pub changes: i32,
}

impl SavePoint {
    /// Redis's built-in save points: after 3600 s and 1 change, 300 s and 100
    /// changes, 60 s and 10000 changes.
    pub fn redis_defaults() -> Vec<SavePoint> {
        [(3600, 1), (300, 100), (60, 10000)]
            .into_iter()
            .map(|(seconds, changes)| SavePoint { seconds, changes })
            .collect()
    }
}

/// One client class's output buffer limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientBufferLimit {
    /// Disconnect at once above this many bytes (0: no limit).
    pub hard_limit_bytes: u64,
    /// Disconnect when above this many bytes for `soft_limit_seconds` (0: no limit).
    pub soft_limit_bytes: u64,
    /// How long the soft limit may be exceeded.
    pub soft_limit_seconds: u32,
}

/// `client-output-buffer-limit` for the three limited classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOutputBufferLimits {
    /// Normal clients (and MONITOR).
    pub normal: ClientBufferLimit,
    /// Replicas (`slave`/`replica` in the config).
    pub replica: ClientBufferLimit,
    /// Pub/Sub subscribers.
    pub pubsub: ClientBufferLimit,
}

impl Default for ClientOutputBufferLimits {
    /// Redis's defaults: normal unlimited, replica 256mb/64mb/60s, pubsub 32mb/8mb/60s.
    fn default() -> Self {
        const MB: u64 = 1024 * 1024;
        ClientOutputBufferLimits {
            normal: ClientBufferLimit::default(),
            replica: ClientBufferLimit {
                hard_limit_bytes: 256 * MB,
                soft_limit_bytes: 64 * MB,
                soft_limit_seconds: 60,
            },
            pubsub: ClientBufferLimit {
                hard_limit_bytes: 32 * MB,
                soft_limit_bytes: 8 * MB,
                soft_limit_seconds: 60,
            },
        }
    }
}

impl ClientOutputBufferLimits {
    /// The classes in Redis's order with the names CONFIG GET uses.
    pub fn classes(&self) -> [(&'static str, &ClientBufferLimit); 3] {
        [
            ("normal", &self.normal),
            ("slave", &self.replica),
            ("pubsub", &self.pubsub),
        ]
    }
}

/// `oom-score-adj-values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OomScoreAdjValues {
    /// For a master.
    pub master: i32,
    /// For a replica.
    pub replica: i32,
    /// For background children.
    pub bgchild: i32,
}

impl Default for OomScoreAdjValues {
    /// Redis's defaults: 0 200 800.
    fn default() -> Self {
        OomScoreAdjValues {
            master: 0,
            replica: 200,
            bgchild: 800,
        }
    }
}

impl OomScoreAdjValues {
    /// The three values in Redis's order.
    pub fn as_array(&self) -> [i32; 3] {
        [self.master, self.replica, self.bgchild]
    }
}

/// `notify-keyspace-events` classes, as Redis's `NOTIFY_*` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyspaceEvents(pub u32);

impl KeyspaceEvents {
    /// `K`: `__keyspace@<db>__` channel.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: `__keyevent@<db>__` channel.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands.
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expirations.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evictions.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key misses (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// Module-only "key loaded" event (no letter).
    pub const LOADED: u32 = 1 << 12;
    /// `d`: module key type events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new keys (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: `g$lshzxetd`.
    pub const ALL: u32 = Self::GENERIC
        | Self::STRING
        | Self::LIST
        | Self::SET
        | Self::HASH
        | Self::ZSET
        | Self::EXPIRED
        | Self::EVICTED
        | Self::STREAM
        | Self::MODULE;

    /// Whether any of `bits` is set.
    pub fn any(self, bits: u32) -> bool {
        self.0 & bits != 0
    }

    /// Parses the class letters; `None` on an unknown letter.
    pub fn parse(classes: &[u8]) -> Option<KeyspaceEvents> {
        let mut flags = 0;
        for &c in classes {
            flags |= match c {
                b'A' => Self::ALL,
                b'g' => Self::GENERIC,
                b'$' => Self::STRING,
                b'l' => Self::LIST,
                b's' => Self::SET,
                b'h' => Self::HASH,
                b'z' => Self::ZSET,
                b'x' => Self::EXPIRED,
                b'e' => Self::EVICTED,
                b'K' => Self::KEYSPACE,
                b'E' => Self::KEYEVENT,
                b't' => Self::STREAM,
                b'm' => Self::KEY_MISS,
                b'd' => Self::MODULE,
                b'n' => Self::NEW,
                _ => return None,
            };
        }
        Some(KeyspaceEvents(flags))
    }

    /// The class letters in Redis's canonical order. Like Redis, `A` stands for all
    /// of its classes and then hides `n` too.
    pub fn to_letters(self) -> String {
        let f = self.0;
        let mut s = String::new();
        if f & Self::ALL == Self::ALL {
            s.push('A');
        } else {
            let letters = [
                (Self::GENERIC, 'g'),
                (Self::STRING, '$'),
                (Self::LIST, 'l'),
                (Self::SET, 's'),
                (Self::HASH, 'h'),
                (Self::ZSET, 'z'),
                (Self::EXPIRED, 'x'),
                (Self::EVICTED, 'e'),
                (Self::STREAM, 't'),
                (Self::MODULE, 'd'),
                (Self::NEW, 'n'),
            ];
            s.extend(
                letters
                    .iter()
                    .filter(|(bit, _)| f & bit != 0)
                    .map(|&(_, c)| c),
            );
        }
        for (bit, c) in [
            (Self::KEYSPACE, 'K'),
            (Self::KEYEVENT, 'E'),
            (Self::KEY_MISS, 'm'),
        ] {
            if f & bit != 0 {
                s.push(c);
            }
        }
        s
    }
}

/// `replicaof <host> <port>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaOf {
    /// The master's host.
    pub host: String,
    /// The master's port.
    pub port: u16,
}
