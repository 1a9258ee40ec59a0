//! The shared server state: everything commands read and change, owned by one execution
//! context at a time.
//!
//! [`Shared`] wraps a [`Server`] in a mutex that a connection task takes once per batch of
//! pipelined commands (DESIGN.md section 3), never once per key. Background work (the cron,
//! active expiry) takes the same lock in short slices. Nothing here does I/O on sockets:
//! connection tasks read and write outside the lock.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use scarlet_storage::{Db, Millis};
use tokio::sync::Notify;

use crate::blocking::Waiters;
use crate::client::Clients;
use crate::commands::registry;
use crate::config::Config;
use crate::current::CurrentClient;
use crate::multi::Watches;
use crate::net::Listeners;
use crate::pubsub::PubSub;
use crate::scripting::busy::ScriptWatch;
use crate::stats::{CommandStats, Stats};
use crate::tracking::TrackingTable;

/// The server state behind its lock, plus what tasks use to signal each other.
pub struct Shared {
    state: Mutex<Server>,
    /// Notified when the server must stop (SHUTDOWN, SIGTERM handled).
    pub shutdown: Notify,
    /// The running script's state, readable without the lock (see `scripting/busy.rs`).
    pub script: Arc<ScriptWatch>,
    /// DEBUG REPLYBUFFER RESIZING: whether connections give big reply buffers back after
    /// writing them (the server's copy is `Server::reply_buffer_resizing`).
    pub reply_buffer_resizing: Arc<std::sync::atomic::AtomicBool>,
    /// appendfsync always: AOF data written but not fsynced yet; replies wait for it
    /// (the server's copy is `Aof::fsync_pending`).
    pub aof_fsync_pending: Arc<std::sync::atomic::AtomicBool>,
}

impl Shared {
    /// Wraps a server, which gets a handle back to its wrapper (background work it
    /// starts, such as BGSAVE, takes the lock through it).
    pub fn new(mut server: Server) -> Arc<Shared> {
        Arc::new_cyclic(|me| {
            server.me = me.clone();
            let script = Arc::clone(&server.scripting.watch);
            let reply_buffer_resizing = Arc::clone(&server.reply_buffer_resizing);
            let aof_fsync_pending = Arc::clone(&server.aof.fsync_pending);
            Shared {
                state: Mutex::new(server),
                shutdown: Notify::new(),
                script,
                reply_buffer_resizing,
                aof_fsync_pending,
            }
        })
    }

    /// Takes the lock unless a script holds it: a runtime thread must never block behind
    /// a script, or nobody could answer -BUSY once it turns busy. Blocking is fine
    /// otherwise, since batches are short (and with one runtime worker, a script that is
    /// not busy yet holds the only thread that could ask).
    ///
    /// The wait is in slices of [`LOCK_RECHECK`]: with several workers, a task can start
    /// waiting just before another connection's script takes the lock. Between slices it
    /// looks again and gives up once a script runs, so its worker (and the tasks queued
    /// on it) is free to answer -BUSY instead of holding on until the script ends.
    pub fn try_lock_for_batch(&self) -> Option<ServerGuard<'_>> {
        while self.script.offloaded.load(Ordering::SeqCst) == 0 && !self.script.is_running() {
            if let Some(guard) = self.state.try_lock_for(LOCK_RECHECK) {
                return Some(self.guarded(guard));
            }
        }
        self.state.try_lock().map(|guard| self.guarded(guard))
    }

    /// Takes the lock from a task, waiting (without blocking the thread) while a script
    /// holds it.
    pub async fn lock_async(&self) -> ServerGuard<'_> {
        loop {
            if let Some(guard) = self.try_lock_for_batch() {
                return guard;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    /// Takes the lock, blocking the thread until it is free.
    pub fn lock(&self) -> ServerGuard<'_> {
        self.guarded(self.state.lock())
    }

    fn guarded<'a>(&'a self, guard: MutexGuard<'a, Server>) -> ServerGuard<'a> {
        ServerGuard {
            guard,
            script: &self.script,
        }
    }
}

/// How long a task blocks on the server lock before it looks whether a script took it
/// (see [`Shared::try_lock_for_batch`]). Batches are far shorter, so this is rarely
/// reached except behind a script.
const LOCK_RECHECK: Duration = Duration::from_millis(1);

/// The server lock, held. Letting go of it also ends the hand-off of a busy script that
/// ran meanwhile (`ScriptWatch::lock_released`).
pub struct ServerGuard<'a> {
    guard: MutexGuard<'a, Server>,
    script: &'a ScriptWatch,
}

impl std::ops::Deref for ServerGuard<'_> {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.guard
    }
}

impl std::ops::DerefMut for ServerGuard<'_> {
    fn deref_mut(&mut self) -> &mut Server {
        &mut self.guard
    }
}

impl Drop for ServerGuard<'_> {
    fn drop(&mut self) {
        self.script.lock_released();
    }
}

/// Why and how the server is stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownRequest {
    /// Remove the pidfile and socket files and exit with this code.
    pub exit_code: i32,
}

/// CLIENT PAUSE state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    /// Unix ms when the pause ends.
    pub until: Millis,
    /// Only commands that may write are paused (CLIENT PAUSE WRITE).
    pub writes_only: bool,
}

impl Pause {
    /// The pause in force when several are (CLIENT PAUSE's and a failover's), as Redis
    /// combines its pause purposes: the stricter kind wins, and among pauses of that
    /// kind the later end.
    pub fn combine(a: Option<Pause>, b: Option<Pause>) -> Option<Pause> {
        match (a, b) {
            (Some(a), Some(b)) if a.writes_only == b.writes_only => Some(Pause {
                until: a.until.max(b.until),
                writes_only: a.writes_only,
            }),
            (Some(a), Some(b)) => Some(if a.writes_only { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

impl Server {
    /// The pause in force at `now`: CLIENT PAUSE's (until it ends) combined with a
    /// failover's.
    pub fn current_pause(&self, now: Millis) -> Option<Pause> {
        let by_command = self.pause.filter(|p| p.until > now);
        Pause::combine(by_command, self.replication.failover.pause())
    }
}

/// 40 random hex digits, the form of Redis's run and replication ids.
pub(crate) fn random_hex_id(rng: &mut SmallRng) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..40)
        .map(|_| {
            char::from(
                HEX.get(rng.random_range(0..16usize))
                    .copied()
                    .unwrap_or(b'0'),
            )
        })
        .collect()
}

/// Everything the commands share.
pub struct Server {
    /// The configuration, as loaded and changed by CONFIG SET.
    pub config: Config,
    /// The numbered databases.
    pub dbs: Vec<Db>,
    /// Every connected client (but the one executing, whose record the dispatcher holds).
    pub clients: Clients,
    /// Counters for INFO stats.
    pub stats: Stats,
    /// Per-command counters, indexed by command id.
    pub command_stats: Vec<CommandStats>,
    /// Error replies by error code (INFO errorstats).
    pub error_stats: BTreeMap<String, u64>,
    /// Changes since the last save (INFO persistence `rdb_changes_since_last_save`).
    pub dirty: u64,
    /// A random 40-hex-digit id for this run (INFO `run_id`).
    pub run_id: String,
    /// When the server started, unix ms.
    pub started: Millis,
    /// When the server started, for uptime arithmetic that must not jump with the wall clock.
    pub started_instant: Instant,
    /// DEBUG SET-ACTIVE-EXPIRE.
    pub active_expire_enabled: bool,
    /// The next client id to hand out.
    pub next_client_id: u64,
    /// CLIENT PAUSE, while in effect.
    pub pause: Option<Pause>,
    /// Set once a shutdown has been decided; no command runs after that.
    pub shutdown: Option<ShutdownRequest>,
    /// A signal asked for a shutdown, which the next cron tick carries out (SHUTDOWN ABORT
    /// can still cancel it), as Redis's `shutdown_asap`.
    pub shutdown_asap: bool,
    /// The signal that set `shutdown_asap` (its shutdown-on-sig* flags apply).
    pub last_signal: Option<&'static str>,
    /// The sockets we listen on (CONFIG SET port/bind rebinds them).
    pub listeners: Listeners,
    /// The path of the config file, if any (CONFIG REWRITE, INFO `config_file`).
    pub config_file: Option<String>,
    /// Randomness for RANDOMKEY, sampling and LFU; not for anything secret.
    pub rng: SmallRng,
    /// Which database the active expire cycle visits next.
    pub expire_next_db: usize,
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE accepts payloads whatever their CRC.
    pub skip_checksum_validation: bool,
    /// MIGRATE's cached connections to its targets.
    pub migrate_sockets: crate::commands::MigrateSockets,
    /// DEBUG PAUSE-CRON: the periodic work is suspended.
    pub cron_paused: bool,
    /// The running command comes from a CLIENT NO-TOUCH client (and is not TOUCH): its
    /// lookups leave access times alone, as Redis 7.2's `lookupKey`.
    pub no_touch_command: bool,
    /// Clients waiting on keys with blocking commands, and the keys that became ready.
    pub waiters: Waiters,
    /// When the cross-protocol attack warning was last logged, unix ms.
    pub last_security_warning: Millis,
    /// The absolute path of our program (INFO `executable`).
    pub executable: String,
    /// Allocated bytes after start-up, before any data (INFO `used_memory_startup`).
    pub memory_startup: u64,
    /// The most bytes allocated so far, sampled by the cron (INFO `used_memory_peak`).
    pub memory_peak: u64,
    /// This server's replication id (INFO `master_replid`), random per run.
    pub replid: String,
    /// The size from which a list element gets a quicklist node of its own (DEBUG
    /// QUICKLIST-PACKED-THRESHOLD; server-wide, as Redis's).
    pub list_packed_threshold: usize,
    /// Pub/Sub subscriptions.
    pub pubsub: PubSub,
    /// The client whose command is running, and output held for it.
    pub current: Option<CurrentClient>,
    /// WATCHed keys and spoiled transactions.
    pub watches: Watches,
    /// Client-side caching.
    pub tracking: TrackingTable,
    /// Clients in MONITOR mode, in the order they asked.
    pub monitors: Vec<u64>,
    /// `total_error_replies` when the innermost running call began or its last inner call
    /// ended: errors past it are that call's (see `dispatch.rs`).
    pub error_mark: u64,
    /// Events of lookups (expiry, misses) not sent yet (see `notify.rs`).
    pub pending_events: Vec<crate::notify::KeyEvent>,
    /// Lua scripts, function libraries and the running script's state.
    pub scripting: crate::scripting::Scripting,
    /// maxmemory's eviction pool and state (see `evict.rs`).
    pub evictor: crate::evict::Evictor,
    /// The background thread that frees big values (see `lazyfree.rs`).
    pub lazyfree: crate::lazyfree::LazyFree,
    /// Replication: the master we follow, the link, our ids and offsets.
    pub replication: crate::replication::Replication,
    /// RDB saving and loading state.
    pub persistence: crate::persistence::Persistence,
    /// The append-only file.
    pub aof: crate::persistence::aof::Aof,
    /// Commands collected for the AOF and replicas (see `propagate.rs`).
    pub propagation: crate::propagate::Propagation,
    /// The `Shared` this server lives in, for threads it starts.
    pub me: Weak<Shared>,
    /// DEBUG REPLYBUFFER RESIZING: reply buffers are given back after big replies and
    /// when idle (on by default; tests turn it off to measure client memory steadily).
    pub reply_buffer_resizing: Arc<std::sync::atomic::AtomicBool>,
}

impl Server {
    /// A server with `config`, empty databases and no clients.
    pub fn new(config: Config, listeners: Listeners, config_file: Option<String>) -> Server {
        let databases = usize::try_from(config.databases).unwrap_or(16).max(1);
        let mut rng = SmallRng::from_rng(&mut rand::rng());
        let run_id = random_hex_id(&mut rng);
        let replid = random_hex_id(&mut rng);
        let memory_startup = crate::memory::used_memory();
        let replication = crate::replication::Replication::configured(&config);
        Server {
            config,
            dbs: (0..databases).map(|_| Db::new()).collect(),
            clients: Clients::default(),
            stats: Stats::default(),
            command_stats: vec![CommandStats::default(); registry().len()],
            error_stats: BTreeMap::new(),
            dirty: 0,
            run_id,
            started: crate::clock::unix_ms(),
            started_instant: Instant::now(),
            active_expire_enabled: true,
            // Redis's two scripting clients (EVAL's and the functions') take ids 1 and 2
            // at start-up: the first connection is client 3 there too.
            next_client_id: 3,
            pause: None,
            shutdown: None,
            shutdown_asap: false,
            last_signal: None,
            listeners,
            config_file,
            rng,
            expire_next_db: 0,
            cron_paused: false,
            skip_checksum_validation: false,
            migrate_sockets: Default::default(),
            no_touch_command: false,
            waiters: Waiters::default(),
            last_security_warning: 0,
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            memory_startup,
            memory_peak: memory_startup,
            replid,
            list_packed_threshold: scarlet_storage::quicklist::DEFAULT_PACKED_THRESHOLD,
            pubsub: PubSub::default(),
            current: None,
            watches: Watches::default(),
            tracking: TrackingTable::default(),
            monitors: Vec::new(),
            pending_events: Vec::new(),
            replication,
            persistence: crate::persistence::Persistence::new(crate::clock::unix_ms() / 1000),
            aof: crate::persistence::aof::Aof::default(),
            propagation: crate::propagate::Propagation::default(),
            me: Weak::new(),
            reply_buffer_resizing: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            error_mark: 0,
            scripting: crate::scripting::Scripting::new(),
            evictor: crate::evict::Evictor::default(),
            lazyfree: crate::lazyfree::LazyFree::default(),
        }
    }

    /// Counts an error reply in the error statistics (INFO errorstats and
    /// `total_error_replies`), as Redis's `afterErrorReply` does for every error sent.
    pub fn count_error(&mut self, line: &str) {
        self.stats.total_error_replies += 1;
        let code = crate::error::error_code(line);
        // Redis stops adding new error codes past 128, so a client cannot grow the table
        // without bound by inventing codes.
        if let Some(count) = self.error_stats.get_mut(code) {
            *count += 1;
        } else if self.error_stats.len() < 128 {
            self.error_stats.insert(code.to_string(), 1);
        }
    }

    /// Drops what the server holds about a client outside its record: watched keys,
    /// subscriptions, MONITOR, tracking (disconnection, RESET).
    pub fn forget_client_state(&mut self, client: &mut crate::client::Client) {
        self.watches.unwatch_all(client.id);
        self.unsubscribe_all_silently(client);
        if client.monitor {
            client.monitor = false;
            self.monitors.retain(|&id| id != client.id);
        }
        self.disable_tracking(client);
        self.detach_replica(client.id);
    }

    /// Publishes the library and function counts for FUNCTION STATS during a busy script.
    pub fn function_counts_changed(&mut self) {
        use std::sync::atomic::Ordering;
        let libraries = &self.scripting.libraries;
        let watch = &self.scripting.watch;
        watch
            .library_count
            .store(libraries.libraries.len(), Ordering::Relaxed);
        watch
            .function_count
            .store(libraries.function_count(), Ordering::Relaxed);
    }

    /// Queues a command for a client's next batch (a command that waited for a busy
    /// script to end).
    pub fn postpone_for(&mut self, id: u64, args: scarlet_protocol::OwnedArgs) {
        if let Some(client) = self.clients.get_mut(id) {
            client.postponed = Some(args);
        }
    }

    /// Whether a password is needed before other commands are accepted.
    pub fn auth_required(&self) -> bool {
        self.config.requirepass.is_some()
    }
}
