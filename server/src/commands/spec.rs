//! The declarative form of a command: everything Redis's `commands/*.json` says about it,
//! as Rust data.
//!
//! Each command family file declares a `pub static COMMANDS: &[CommandSpec]` at its top.
//! Dispatch, arity checks, COMMAND INFO/DOCS/LIST/GETKEYS and the ACL categories are all
//! derived from these tables; there is no second place to register a command. What a
//! command *does* lives in its handler, never here.

use scarlet_protocol::Args;

use crate::commands::Ctx;
use crate::error::CmdResult;

/// A command's implementation. It writes its reply into the client's reply buffer on
/// success; an `Err` is turned into an error reply (and counted) by the dispatcher, so a
/// handler validates every argument before it writes anything.
pub type Handler = fn(&mut Ctx<'_>, Args<'_>) -> CmdResult;

/// Extracts the keys of a command whose key positions depend on its arguments in ways key
/// specs cannot express (Redis's `getkeys_proc`), or whose key flags vary (SET with GET).
pub type GetKeys = fn(Args<'_>) -> Vec<KeyRef>;

/// One key found in a command's arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    /// Index of the argument that holds the key.
    pub pos: usize,
    /// The `key::*` flags that apply to this key.
    pub flags: u32,
}

/// Command flags (Redis's `CMD_*`), a bit set.
pub mod flag {
    /// The command may modify the keyspace.
    pub const WRITE: u64 = 1 << 0;
    /// The command only reads the keyspace.
    pub const READONLY: u64 = 1 << 1;
    /// The command may grow memory use: refused with -OOM over maxmemory.
    pub const DENYOOM: u64 = 1 << 2;
    /// Administrative command (implies @admin and @dangerous).
    pub const ADMIN: u64 = 1 << 4;
    /// Pub/Sub related.
    pub const PUBSUB: u64 = 1 << 5;
    /// Not allowed from scripts.
    pub const NOSCRIPT: u64 = 1 << 6;
    /// May block the client.
    pub const BLOCKING: u64 = 1 << 8;
    /// Allowed while the dataset is loading.
    pub const LOADING: u64 = 1 << 9;
    /// Allowed on a replica with stale data.
    pub const STALE: u64 = 1 << 10;
    /// Not shown by MONITOR.
    pub const SKIP_MONITOR: u64 = 1 << 11;
    /// Not recorded by the slow log.
    pub const SKIP_SLOWLOG: u64 = 1 << 12;
    /// Cluster: allowed on importing slots with ASKING.
    pub const ASKING: u64 = 1 << 13;
    /// O(1) or O(log N) and never blocks: @fast.
    pub const FAST: u64 = 1 << 14;
    /// Allowed before authentication.
    pub const NO_AUTH: u64 = 1 << 15;
    /// May replicate even though it is not a write (PUBLISH, EVAL ...).
    pub const MAY_REPLICATE: u64 = 1 << 16;
    /// Exists in Sentinel too.
    pub const SENTINEL: u64 = 1 << 17;
    /// Exists only in Sentinel.
    pub const ONLY_SENTINEL: u64 = 1 << 18;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u64 = 1 << 19;
    /// Gated by enable-debug-command / enable-module-command.
    pub const PROTECTED: u64 = 1 << 20;
    /// Refused during async loading.
    pub const NO_ASYNC_LOADING: u64 = 1 << 23;
    /// Refused inside MULTI.
    pub const NO_MULTI: u64 = 1 << 24;
    /// Key positions depend on arguments (computed from the key specs, never declared).
    pub const MOVABLE_KEYS: u64 = 1 << 25;
    /// Allowed while a script or module command is busy.
    pub const ALLOW_BUSY: u64 = 1 << 26;
    /// May lazily expire keys it was not given (RANDOMKEY, SCAN): their deletions are
    /// propagated one by one, not wrapped in MULTI/EXEC.
    pub const TOUCHES_ARBITRARY_KEYS: u64 = 1 << 28;

    /// Names as COMMAND INFO prints them, in Redis's order.
    pub const NAMES: &[(u64, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        // MAY_REPLICATE is left out: Redis 7.0 hides it from COMMAND INFO on purpose.
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
        // TOUCHES_ARBITRARY_KEYS is hidden too.
    ];
}

/// ACL categories (Redis's `ACL_CATEGORY_*`), a bit set.
pub mod acl {
    /// @keyspace
    pub const KEYSPACE: u64 = 1 << 0;
    /// @read
    pub const READ: u64 = 1 << 1;
    /// @write
    pub const WRITE: u64 = 1 << 2;
    /// @set
    pub const SET: u64 = 1 << 3;
    /// @sortedset
    pub const SORTEDSET: u64 = 1 << 4;
    /// @list
    pub const LIST: u64 = 1 << 5;
    /// @hash
    pub const HASH: u64 = 1 << 6;
    /// @string
    pub const STRING: u64 = 1 << 7;
    /// @bitmap
    pub const BITMAP: u64 = 1 << 8;
    /// @hyperloglog
    pub const HYPERLOGLOG: u64 = 1 << 9;
    /// @geo
    pub const GEO: u64 = 1 << 10;
    /// @stream
    pub const STREAM: u64 = 1 << 11;
    /// @pubsub
    pub const PUBSUB: u64 = 1 << 12;
    /// @admin
    pub const ADMIN: u64 = 1 << 13;
    /// @fast
    pub const FAST: u64 = 1 << 14;
    /// @slow
    pub const SLOW: u64 = 1 << 15;
    /// @blocking
    pub const BLOCKING: u64 = 1 << 16;
    /// @dangerous
    pub const DANGEROUS: u64 = 1 << 17;
    /// @connection
    pub const CONNECTION: u64 = 1 << 18;
    /// @transaction
    pub const TRANSACTION: u64 = 1 << 19;
    /// @scripting
    pub const SCRIPTING: u64 = 1 << 20;

    /// Names in Redis's order (ACL CAT, COMMAND INFO).
    pub const NAMES: &[(u64, &str)] = &[
        (KEYSPACE, "keyspace"),
        (READ, "read"),
        (WRITE, "write"),
        (SET, "set"),
        (SORTEDSET, "sortedset"),
        (LIST, "list"),
        (HASH, "hash"),
        (STRING, "string"),
        (BITMAP, "bitmap"),
        (HYPERLOGLOG, "hyperloglog"),
        (GEO, "geo"),
        (STREAM, "stream"),
        (PUBSUB, "pubsub"),
        (ADMIN, "admin"),
        (FAST, "fast"),
        (SLOW, "slow"),
        (BLOCKING, "blocking"),
        (DANGEROUS, "dangerous"),
        (CONNECTION, "connection"),
        (TRANSACTION, "transaction"),
        (SCRIPTING, "scripting"),
    ];
}

/// Key-spec flags (Redis's `CMD_KEY_*`), a bit set.
pub mod key {
    /// Read-only access to the key.
    pub const RO: u32 = 1 << 0;
    /// Read-write access.
    pub const RW: u32 = 1 << 1;
    /// Overwrite: the old value is not read.
    pub const OW: u32 = 1 << 2;
    /// Removes the key.
    pub const RM: u32 = 1 << 3;
    /// Returns or copies user data out of the key.
    pub const ACCESS: u32 = 1 << 4;
    /// Updates data already there.
    pub const UPDATE: u32 = 1 << 5;
    /// Adds data.
    pub const INSERT: u32 = 1 << 6;
    /// Deletes data.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key (a channel, a shard key ...), listed for cluster routing only.
    pub const NOT_KEY: u32 = 1 << 8;
    /// The spec may miss keys.
    pub const INCOMPLETE: u32 = 1 << 9;
    /// Flags depend on arguments.
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// Names as COMMAND INFO and GETKEYSANDFLAGS print them, in Redis's order.
    pub const NAMES: &[(u32, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Where the search for keys begins.
#[derive(Clone, Copy, Debug)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index(i32),
    /// After a keyword, searched from `startfrom` (negative: from the end, backwards).
    Keyword {
        /// The keyword, matched case-insensitively.
        keyword: &'static str,
        /// Where the search starts.
        startfrom: i32,
    },
    /// The command's handler knows.
    Unknown,
}

/// How keys are found once the search has begun.
#[derive(Clone, Copy, Debug)]
pub enum FindKeys {
    /// A range: `lastkey` relative to the first key (negative: from the end), every `step`
    /// arguments; `limit` > 1 means only `1/limit` of the remaining arguments are keys.
    Range {
        /// Last key, relative to the first (or negative, from the end).
        lastkey: i32,
        /// Distance between keys.
        step: i32,
        /// Divisor of the remaining arguments (0: no limit).
        limit: i32,
    },
    /// An argument holds the number of keys.
    Keynum {
        /// Index of the count, relative to the begin position.
        keynumidx: i32,
        /// Index of the first key, relative to the begin position.
        firstkey: i32,
        /// Distance between keys.
        step: i32,
    },
    /// The command's handler knows.
    Unknown,
}

/// One key spec, as in Redis 7.0's command JSON.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    /// `key::*` flags.
    pub flags: u32,
    /// Where the search begins.
    pub begin: BeginSearch,
    /// How keys are found.
    pub find: FindKeys,
    /// Free-form notes shown by COMMAND INFO.
    pub notes: Option<&'static str>,
}

impl KeySpec {
    /// The common case: one key at `pos`.
    pub const fn single(pos: i32, flags: u32) -> KeySpec {
        KeySpec {
            flags,
            begin: BeginSearch::Index(pos),
            find: FindKeys::Range {
                lastkey: 0,
                step: 1,
                limit: 0,
            },
            notes: None,
        }
    }

    /// Keys from `pos` to the end (`lastkey` -1), every `step` arguments.
    pub const fn to_end(pos: i32, step: i32, flags: u32) -> KeySpec {
        KeySpec {
            flags,
            begin: BeginSearch::Index(pos),
            find: FindKeys::Range {
                lastkey: -1,
                step,
                limit: 0,
            },
            notes: None,
        }
    }

    /// The same spec with notes.
    pub const fn with_notes(mut self, notes: &'static str) -> KeySpec {
        self.notes = Some(notes);
        self
    }
}

/// The documentation group of a command (COMMAND DOCS `group`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// generic
    Generic,
    /// string
    String,
    /// list
    List,
    /// set
    Set,
    /// sorted-set
    SortedSet,
    /// hash
    Hash,
    /// pubsub
    Pubsub,
    /// transactions
    Transactions,
    /// connection
    Connection,
    /// server
    Server,
    /// scripting
    Scripting,
    /// hyperloglog
    Hyperloglog,
    /// cluster
    Cluster,
    /// sentinel
    Sentinel,
    /// geo
    Geo,
    /// stream
    Stream,
    /// bitmap
    Bitmap,
}

impl Group {
    /// The name COMMAND DOCS prints.
    pub fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::Pubsub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::Hyperloglog => "hyperloglog",
            Group::Cluster => "cluster",
            Group::Sentinel => "sentinel",
            Group::Geo => "geo",
            Group::Stream => "stream",
            Group::Bitmap => "bitmap",
        }
    }
}

/// Documentation-only flags (COMMAND DOCS `doc_flags`).
pub mod doc {
    /// The command is deprecated.
    pub const DEPRECATED: u8 = 1 << 0;
    /// A system command not meant for users (e.g. REPLCONF).
    pub const SYSCMD: u8 = 1 << 1;
}

/// A command or subcommand: its table entry.
#[derive(Clone, Copy, Debug)]
pub struct CommandSpec {
    /// Lowercase name; for a subcommand, only the subcommand's part ("get" of CONFIG GET).
    pub name: &'static str,
    /// Redis's arity: exact count when positive, minimum count when negative (the name included).
    pub arity: i32,
    /// `flag::*` bits.
    pub flags: u64,
    /// Explicit `acl::*` categories; the implicit ones are derived from the flags.
    pub acl: u64,
    /// Where the keys are.
    pub keys: &'static [KeySpec],
    /// Overrides key extraction when specs cannot express it (or flags vary).
    pub getkeys: Option<GetKeys>,
    /// The implementation; `None` for a container whose subcommands do the work.
    pub handler: Option<Handler>,
    /// Subcommands of a container command (CONFIG GET, CLIENT LIST, ...).
    pub subcommands: &'static [CommandSpec],
    /// Documentation: one-line summary.
    pub summary: &'static str,
    /// Documentation: the Redis version that introduced it.
    pub since: &'static str,
    /// Documentation: time complexity.
    pub complexity: &'static str,
    /// Documentation: group.
    pub group: Group,
    /// Documentation: the argument syntax in the notation of `commands::syntax`.
    pub syntax: &'static str,
    /// Documentation: (version, change) pairs.
    pub history: &'static [(&'static str, &'static str)],
    /// Documentation: `doc::*` bits.
    pub doc_flags: u8,
    /// Documentation: the version that deprecated it.
    pub deprecated_since: Option<&'static str>,
    /// Documentation: what replaces it.
    pub replaced_by: Option<&'static str>,
    /// Hints for clients and proxies (COMMAND INFO tips).
    pub tips: &'static [&'static str],
}

impl CommandSpec {
    /// Defaults for the fields a table entry leaves out (`..CommandSpec::DEFAULT`).
    pub const DEFAULT: CommandSpec = CommandSpec {
        name: "",
        arity: 0,
        flags: 0,
        acl: 0,
        keys: &[],
        getkeys: None,
        handler: None,
        subcommands: &[],
        summary: "",
        since: "1.0.0",
        complexity: "O(1)",
        group: Group::Generic,
        syntax: "",
        history: &[],
        doc_flags: 0,
        deprecated_since: None,
        replaced_by: None,
        tips: &[],
    };

    /// The ACL categories, explicit and implied by the flags, as Redis derives them.
    pub fn acl_categories(&self) -> u64 {
        let mut categories = self.acl;
        if self.flags & flag::WRITE != 0 {
            categories |= acl::WRITE;
        }
        if self.flags & flag::READONLY != 0 && categories & acl::SCRIPTING == 0 {
            categories |= acl::READ;
        }
        if self.flags & flag::ADMIN != 0 {
            categories |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.flags & flag::PUBSUB != 0 {
            categories |= acl::PUBSUB;
        }
        if self.flags & flag::FAST != 0 {
            categories |= acl::FAST;
        }
        if self.flags & flag::BLOCKING != 0 {
            categories |= acl::BLOCKING;
        }
        if categories & acl::FAST == 0 {
            categories |= acl::SLOW;
        }
        categories
    }

    /// Whether arity `self.arity` accepts `argc` arguments (the name included).
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }
}
