//! scarlet-server as a library: `main.rs` is a thin shell over [`run`], so tests can
//! start a server in-process as well as by process.
//!
//! Start-up follows Redis's order, because logs and test harnesses observe it: load the
//! config, daemonize, bind, write the pidfile, print the banner (" PID: "), then "Ready to
//! accept connections". See ARCHITECTURE.md for the map of the modules below.

pub mod blocking;
pub mod busy_script;
pub mod check_aof;
pub mod check_rdb;
pub mod client;
pub mod client_evict;
pub mod clock;
pub mod commands;
pub mod config;
pub mod connection;
pub mod crash;
pub mod cron;
pub mod current;
pub mod daemon;
pub mod dispatch;
pub mod error;
pub mod evict;
pub mod expire;
pub mod fdlimit;
pub mod info;
pub mod keyspace;
pub mod latency;
pub mod lazyfree;
pub mod log;
pub mod memory;
pub mod monitor;
pub mod multi;
pub mod net;
pub mod notify;
pub mod persistence;
pub mod propagate;
pub mod pubsub;
pub mod reconfigure;
pub mod replication;
pub mod scripting;
pub mod server;
pub mod shutdown;
pub mod stats;
pub mod testkit;
pub mod tracking;

use std::sync::Arc;

use crate::config::Config;
use crate::log::Level;
use crate::net::Listeners;
use crate::server::{Server, Shared};

/// jemalloc, for its speed with many small allocations and its statistics, counting the
/// bytes it hands out for used_memory and maxmemory (see `memory.rs`).
#[global_allocator]
static ALLOCATOR: memory::CountingJemalloc = memory::CountingJemalloc;

/// The version Scarlet reports to clients, which gate features on it.
pub const REDIS_VERSION: &str = "7.0.15";

/// Scarlet's own version.
pub const SCARLET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs the server with the process's arguments (without the program name) until it shuts
/// down; returns the exit code.
pub fn run(program: &str, args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => {
            println!(
                "Redis server v={REDIS_VERSION} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=scarlet-{SCARLET_VERSION}"
            );
            return 0;
        }
        Some("-h" | "--help") => {
            print_usage(program);
            return 0;
        }
        Some("--test-memory") => {
            eprintln!("scarlet-server does not include a memory tester; use memtester instead.");
            return 1;
        }
        _ => {}
    }
    let command_exists = |name: &[u8]| commands::command_exists(name);
    let options = config::LoadOptions {
        args,
        command_exists: Some(&command_exists),
        ..config::LoadOptions::default()
    };
    let loaded = match Config::load_with(options) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprint!("{e}");
            return 1;
        }
    };
    start(program, args.is_empty(), loaded)
}

fn print_usage(program: &str) {
    eprintln!(
        "Usage: {program} [/path/to/redis.conf] [options] [-]\n       {program} - (read config from stdin)\n       {program} -v or --version\n       {program} -h or --help\n\nExamples:\n       {program} (run the server with default config)\n       {program} /etc/redis/6379.conf\n       {program} --port 7777\n       {program} --port 7777 --replicaof 127.0.0.1 8888\n       {program} /etc/myredis.conf --loglevel verbose -\n       {program} /etc/myredis.conf --loglevel verbose\n"
    );
}

/// Everything after the config is loaded.
fn start(program: &str, no_arguments: bool, loaded: config::Loaded) -> i32 {
    let unbuilt = loaded.unbuilt_in_use();
    let mut config = loaded.config;
    log::configure(Level::from_config(config.loglevel), &config.logfile);
    if config.daemonize
        && let Err(e) = daemon::daemonize()
    {
        log::log(Level::Warning, &format!("Can't daemonize: {e}"));
        return 1;
    }
    log::log(
        Level::Warning,
        "oO0OoO0OoO0Oo Scarlet is starting oO0OoO0OoO0Oo",
    );
    log::log(
        Level::Warning,
        &format!(
            "Scarlet version={SCARLET_VERSION} (Redis {REDIS_VERSION} compatible), bits=64, pid={}, just started",
            std::process::id()
        ),
    );
    if no_arguments {
        log::log(
            Level::Warning,
            &format!(
                "Warning: no config file specified, using the default config. In order to specify a config file use {program} /path/to/redis.conf"
            ),
        );
    } else {
        log::log(Level::Warning, "Configuration loaded");
    }
    for (directive, subsystem) in unbuilt {
        log::log(
            Level::Warning,
            &format!(
                "Config directive '{directive}' is accepted but has no effect yet: Scarlet does not implement {} yet.",
                subsystem.description()
            ),
        );
    }
    if loaded.read_stdin {
        log::log(Level::Notice, "Reading config from stdin");
    }
    if let Err(e) = std::env::set_current_dir(&config.dir) {
        log::log(
            Level::Warning,
            &format!("Can't chdir to '{}': {e}", config.dir.display()),
        );
        return 1;
    }
    commands::init_registry(&loaded.renamed_commands);
    crash::set_signal_report(config.crash_log_enabled);
    match fdlimit::adjust(config.maxclients) {
        Some(maxclients) => config.maxclients = maxclients,
        None => return 1,
    }

    let Some(listeners) = bind_listeners(&config) else {
        return 1;
    };
    // Like Redis, a daemon without a pidfile gets the default one, which CONFIG GET then
    // shows.
    if config.daemonize && daemon::pidfile_path(&config).is_none() {
        config.pidfile = Some(daemon::DEFAULT_PIDFILE.to_string());
    }
    if let Some(pidfile) = daemon::pidfile_path(&config) {
        daemon::write_pidfile(&pidfile);
    }
    show_banner(&config);
    check_tcp_backlog(config.tcp_backlog);
    log::log(Level::Warning, "Server initialized");

    let io_threads = config.io_threads.max(1);
    // The multi-threaded runtime even for one worker: a script that turns busy hands its
    // worker to another thread (tokio's block_in_place, see `scripting/busy.rs`), which
    // goes on answering the other clients. One worker costs the same as the
    // current-thread runtime (GET at P1 and P16 within 1%, `bench/compare.sh`).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::try_from(io_threads).unwrap_or(1))
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            log::log(
                Level::Warning,
                &format!("Failed creating the event loop: {e}"),
            );
            return 1;
        }
    };
    let has_tcp = config.port != 0;
    let unix_path = config.unixsocket.clone();
    let config_file = config.config_file.as_ref().map(|p| p.display().to_string());
    let mut server = Server::new(config, listeners, config_file);
    // A Lua debugging session runs off the runtime's threads: its connection task serves
    // the session's socket meanwhile.
    server.scripting.offload_debugging = true;
    runtime.block_on(serve(server, has_tcp, unix_path))
}

/// Runs the event loop until shutdown; returns the exit code.
async fn serve(server: Server, has_tcp: bool, unix_path: Option<String>) -> i32 {
    let shared = Shared::new(server);
    let started = {
        let mut guard = shared.lock();
        persistence::load::mark_loading_before_listening(&mut guard);
        let mut listeners = std::mem::take(&mut guard.listeners);
        let result = listeners.start(&shared);
        guard.listeners = listeners;
        result
    };
    if let Err(e) = started {
        log::log(Level::Warning, &format!("Failed starting listeners: {e}"));
        return 1;
    }
    tokio::spawn(cron::run(Arc::clone(&shared)));
    tokio::spawn(shutdown::watch_signals(Arc::clone(&shared)));
    if !persistence::load::load_at_startup(&shared).await {
        return 1;
    }
    shared.lock().start_configured_link();
    if has_tcp {
        log::log(Level::Notice, "Ready to accept connections");
    }
    if let Some(path) = unix_path {
        log::log(
            Level::Notice,
            &format!("The server is now ready to accept connections at {path}"),
        );
    }
    shared.shutdown.notified().await;
    shutdown::finish(&shared)
}

/// Binds TCP and the Unix socket; logs and returns `None` on failure, as Redis exits then.
fn bind_listeners(config: &Config) -> Option<Listeners> {
    let port = config.port;
    let tcp = match net::bind_tcp(&config.bind, port, config.tcp_backlog) {
        Ok(tcp) => tcp,
        Err(net::BindFailed) => {
            log::log(
                Level::Warning,
                &format!("Failed listening on port {port} (TCP), aborting."),
            );
            return None;
        }
    };
    let unix = match &config.unixsocket {
        None => None,
        Some(path) => match net::bind_unix(path, config.unixsocketperm) {
            Ok(l) => Some((l, std::path::PathBuf::from(path))),
            Err(e) => {
                log::log(Level::Warning, &format!("Failed opening Unix socket: {e}"));
                return None;
            }
        },
    };
    if tcp.is_empty() && unix.is_none() {
        log::log(
            Level::Warning,
            "Configured to not listen anywhere, exiting.",
        );
        return None;
    }
    Some(Listeners::new(tcp, unix))
}

/// The start-up banner: shown when logging to a terminal or with always-show-logo,
/// otherwise one line. Test harnesses look for " PID: <pid>" in it.
fn show_banner(config: &Config) {
    use std::io::IsTerminal;
    let show = config.always_show_logo
        || (!config.syslog_enabled && config.logfile.is_empty() && std::io::stdout().is_terminal());
    let mode = if config.cluster_enabled {
        "cluster"
    } else {
        "standalone"
    };
    if !show {
        log::log(
            Level::Notice,
            &format!("Running mode={mode}, port={}.", config.port),
        );
        return;
    }
    log::raw(&format!(
        "\n    Scarlet {SCARLET_VERSION}, speaking Redis {REDIS_VERSION}, 64 bit\n    Running in {mode} mode\n    Port: {}\n    PID: {}\n\n",
        config.port,
        std::process::id()
    ));
}

/// Warns when the kernel caps the listen backlog below `tcp-backlog`, as Redis does.
fn check_tcp_backlog(backlog: u32) {
    let Ok(text) = std::fs::read_to_string("/proc/sys/net/core/somaxconn") else {
        return;
    };
    if let Ok(somaxconn) = text.trim().parse::<u32>()
        && somaxconn < backlog
    {
        log::log(
            Level::Warning,
            &format!(
                "WARNING: The TCP backlog setting of {backlog} cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of {somaxconn}."
            ),
        );
    }
}
