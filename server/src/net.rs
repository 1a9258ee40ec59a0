//! Listening sockets: binding them as Redis does (`bind`, `port`, `unixsocket`), the accept
//! loops, and admitting clients (maxclients, protected mode).
//!
//! Binding is synchronous so that start-up and CONFIG SET can report a failure before
//! anything else happens; accepting is a task per socket. The per-connection work lives in
//! [`crate::connection`].

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener, ToSocketAddrs};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::AbortHandle;

use crate::client::{Client, ClientHandle, Peer};
use crate::clock::unix_ms;
use crate::connection;
use crate::log::{self, Level};
use crate::server::{Server, Shared};

/// The error a client gets when protected mode refuses it (Redis's exact text).
const PROTECTED_MODE_ERROR: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// The sockets the server listens on.
///
/// The only strong reference to each listening socket is here; its accept task holds a
/// weak one. Dropping an entry closes the socket at once, which is what CONFIG SET bind
/// and port need: Redis closes the old sockets before binding the new ones, so that
/// `127.0.0.1:6379` can become `*:6379`.
#[derive(Debug, Default)]
pub struct Listeners {
    /// Bound but not yet accepting (start-up binds before the runtime exists).
    pending_tcp: Vec<StdTcpListener>,
    pending_unix: Option<StdUnixListener>,
    tcp: Vec<Accepting<TcpListener>>,
    unix: Option<Accepting<UnixListener>>,
    /// The Unix socket's path, removed at shutdown.
    pub unix_path: Option<PathBuf>,
    /// The server itself, for the accept tasks started after a rebind.
    shared: Weak<Shared>,
}

/// A listening socket and its accept task.
#[derive(Debug)]
struct Accepting<L> {
    /// Owned, never read: this is the socket's only strong reference.
    _socket: Arc<L>,
    task: AbortHandle,
}

impl<L> Drop for Accepting<L> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A required address could not be bound; the details are in the log, as in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindFailed;

/// Binds every `bind` address on `port` as Redis's `listenToPort`: "-" marks an optional
/// address, "*" and "::*" are the wildcards, IPv6 sockets are v6-only. Port 0 means no TCP.
pub fn bind_tcp(
    binds: &[String],
    port: u16,
    backlog: u32,
) -> Result<Vec<StdTcpListener>, BindFailed> {
    let mut bound = Vec::new();
    if port == 0 {
        return Ok(bound);
    }
    for entry in binds {
        let (optional, addr) = match entry.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, entry.as_str()),
        };
        match bind_one(addr, port, backlog) {
            Ok(listener) => bound.push(listener),
            Err(e) => {
                log::log(
                    Level::Warning,
                    &format!(
                        "Warning: Could not create server TCP listening socket {addr}:{port}: {}",
                        describe_bind_error(&e)
                    ),
                );
                let unsupported = matches!(
                    e.raw_os_error(),
                    Some(libc::ENOPROTOOPT)
                        | Some(libc::EPROTONOSUPPORT)
                        | Some(libc::ESOCKTNOSUPPORT)
                        | Some(libc::EPFNOSUPPORT)
                        | Some(libc::EAFNOSUPPORT)
                );
                let unavailable = e.raw_os_error() == Some(libc::EADDRNOTAVAIL);
                if !(unsupported || (optional && unavailable)) {
                    return Err(BindFailed);
                }
            }
        }
    }
    Ok(bound)
}

fn describe_bind_error(e: &io::Error) -> String {
    format!("bind: {}", crate::reconfigure::os_error_text(e))
}

fn bind_one(addr: &str, port: u16, backlog: u32) -> io::Result<StdTcpListener> {
    let v6 = addr.contains(':');
    let host = match addr {
        "*" => "0.0.0.0",
        "::*" => "::",
        other => other,
    };
    let wanted = if v6 { Domain::IPV6 } else { Domain::IPV4 };
    let candidates: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()?
        .filter(|a| a.is_ipv6() == v6)
        .collect();
    let mut last_error = io::Error::from_raw_os_error(libc::EADDRNOTAVAIL);
    for candidate in candidates {
        let socket = Socket::new(wanted, Type::STREAM, Some(Protocol::TCP))?;
        if v6 {
            socket.set_only_v6(true)?;
        }
        socket.set_reuse_address(true)?;
        match socket.bind(&candidate.into()) {
            Ok(()) => {
                let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
                socket.listen(backlog)?;
                socket.set_nonblocking(true)?;
                return Ok(socket.into());
            }
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

/// Binds the Unix socket, replacing a stale file, and applies `unixsocketperm`.
pub fn bind_unix(path: &str, perm: u32) -> io::Result<StdUnixListener> {
    // A file left by a previous run would make bind fail; Redis removes it too.
    let _ = std::fs::remove_file(path);
    let listener = StdUnixListener::bind(path)?;
    if perm != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))?;
    }
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl Listeners {
    /// Listeners bound at start-up, accepting once [`start`](Self::start) runs.
    pub fn new(tcp: Vec<StdTcpListener>, unix: Option<(StdUnixListener, PathBuf)>) -> Listeners {
        let (pending_unix, unix_path) = match unix {
            Some((l, p)) => (Some(l), Some(p)),
            None => (None, None),
        };
        Listeners {
            pending_tcp: tcp,
            pending_unix,
            unix_path,
            ..Listeners::default()
        }
    }

    /// Starts the accept tasks (inside the runtime).
    pub fn start(&mut self, shared: &Arc<Shared>) -> io::Result<()> {
        self.shared = Arc::downgrade(shared);
        for listener in std::mem::take(&mut self.pending_tcp) {
            self.tcp
                .push(spawn_tcp(shared, TcpListener::from_std(listener)?));
        }
        if let Some(listener) = self.pending_unix.take() {
            let listener = Arc::new(UnixListener::from_std(listener)?);
            let path = self
                .unix_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let task = tokio::spawn(accept_unix(
                Arc::clone(shared),
                Arc::downgrade(&listener),
                path,
            ));
            self.unix = Some(Accepting {
                _socket: listener,
                task: task.abort_handle(),
            });
        }
        Ok(())
    }

    /// Replaces the TCP listeners (CONFIG SET port / bind): the old sockets close first,
    /// then the new ones bind. On failure there are no TCP listeners; the caller restores
    /// the old configuration and calls this again, as Redis does.
    pub fn rebind_tcp(
        &mut self,
        binds: &[String],
        port: u16,
        backlog: u32,
    ) -> Result<(), BindFailed> {
        let Some(shared) = self.shared.upgrade() else {
            return Err(BindFailed);
        };
        self.tcp.clear();
        for listener in bind_tcp(binds, port, backlog)? {
            let listener = TcpListener::from_std(listener).map_err(|_| BindFailed)?;
            self.tcp.push(spawn_tcp(&shared, listener));
        }
        Ok(())
    }

    /// Stops accepting and removes the Unix socket file.
    pub fn close(&mut self) {
        self.tcp.clear();
        self.unix = None;
        if let Some(path) = self.unix_path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn spawn_tcp(shared: &Arc<Shared>, listener: TcpListener) -> Accepting<TcpListener> {
    let listener = Arc::new(listener);
    let task = tokio::spawn(accept_tcp(Arc::clone(shared), Arc::downgrade(&listener)));
    Accepting {
        _socket: listener,
        task: task.abort_handle(),
    }
}

/// Waits for the next connection on a listener held weakly: `None` once the listener is
/// gone. The strong reference lives only for one poll, so dropping the listener's owner
/// closes the socket immediately.
async fn next_connection<L, S, A>(
    listener: &Weak<L>,
    poll: impl Fn(&L, &mut Context<'_>) -> Poll<io::Result<(S, A)>>,
) -> Option<io::Result<(S, A)>> {
    std::future::poll_fn(|cx| match listener.upgrade() {
        Some(l) => poll(&l, cx).map(Some),
        None => Poll::Ready(None),
    })
    .await
}

/// Accepts TCP connections until the listener is closed.
async fn accept_tcp(shared: Arc<Shared>, listener: Weak<TcpListener>) {
    loop {
        let Some(accepted) = next_connection(&listener, TcpListener::poll_accept).await else {
            return;
        };
        match accepted {
            Ok((stream, addr)) => {
                let _ = stream.set_nodelay(true);
                // Redis's default when a script holds the lock.
                let keepalive = shared
                    .try_lock_for_batch()
                    .map_or(300, |server| server.config.tcp_keepalive);
                if keepalive > 0 {
                    // Redis's anetKeepAlive: idle time, a third of it between probes, and
                    // three probes before the peer is declared dead.
                    let ka = socket2::TcpKeepalive::new()
                        .with_time(Duration::from_secs(keepalive.into()))
                        .with_interval(Duration::from_secs(u64::from(keepalive / 3).max(1)))
                        .with_retries(3);
                    let _ = SockRef::from(&stream).set_tcp_keepalive(&ka);
                }
                let local = stream
                    .local_addr()
                    .map(|a| format_addr(&a))
                    .unwrap_or_default();
                let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
                let peer = Peer {
                    addr: format_addr(&addr),
                    local,
                    fd,
                    unix: false,
                };
                log::log(Level::Verbose, &format!("Accepted {}", peer.addr));
                admit(&shared, stream, peer).await;
            }
            Err(e) => accept_failed(&e).await,
        }
    }
}

/// Accepts Unix-socket connections at `path` until the listener is closed (without the
/// lock: a busy script must not keep connections out).
async fn accept_unix(shared: Arc<Shared>, listener: Weak<UnixListener>, path: String) {
    loop {
        let Some(accepted) = next_connection(&listener, UnixListener::poll_accept).await else {
            return;
        };
        match accepted {
            Ok((stream, _)) => {
                let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
                let peer = Peer {
                    addr: format!("{path}:0"),
                    local: format!("{path}:0"),
                    fd,
                    unix: true,
                };
                log::log(Level::Verbose, &format!("Accepted connection to {path}"));
                admit(&shared, stream, peer).await;
            }
            Err(e) => accept_failed(&e).await,
        }
    }
}

/// Out of file descriptors and the like: log, and give the system a moment instead of
/// spinning on the same error.
async fn accept_failed(e: &io::Error) {
    log::log(Level::Warning, &format!("Accepting client connection: {e}"));
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// `ip:port` as Redis prints it (IPv6 without brackets).
fn format_addr(addr: &SocketAddr) -> String {
    format!("{}:{}", addr.ip(), addr.port())
}

/// Registers the client, or writes Redis's refusal and drops the connection.
async fn admit<S: connection::Socket>(shared: &Arc<Shared>, mut stream: S, peer: Peer) {
    let Some(admitted) = shared
        .try_lock_for_batch()
        .map(|mut server| server.register_client(peer.clone()))
    else {
        // A script holds the lock: the connection is answered -BUSY until it ends.
        tokio::spawn(connection::admit_after_script(
            Arc::clone(shared),
            stream,
            peer,
        ));
        return;
    };
    match admitted {
        Ok((id, handle)) => {
            tokio::spawn(connection::serve(Arc::clone(shared), stream, id, handle));
        }
        Err(refusal) => {
            // Best effort, as Redis: the client may already be gone.
            let _ = tokio::io::AsyncWriteExt::write_all(&mut stream, refusal.as_bytes()).await;
        }
    }
}

impl Server {
    /// Admits a new connection: maxclients and protected mode, then a client record.
    pub fn register_client(
        &mut self,
        peer: Peer,
    ) -> Result<(u64, Arc<ClientHandle>), &'static str> {
        if self.clients.len() as u64 >= u64::from(self.config.maxclients) {
            self.stats.rejected_connections += 1;
            return Err("-ERR max number of clients reached\r\n");
        }
        if self.config.protected_mode && !self.auth_required() && !peer.is_local() {
            self.stats.rejected_connections += 1;
            return Err(PROTECTED_MODE_ERROR);
        }
        let id = self.next_client_id;
        self.next_client_id += 1;
        let client = Client::new(id, peer, unix_ms(), !self.auth_required());
        let handle = Arc::clone(&client.handle);
        self.clients.insert(Box::new(client));
        self.stats.connections_received += 1;
        Ok((id, handle))
    }

    /// Forgets a client whose connection ended.
    pub fn unregister_client(&mut self, id: u64) {
        if let Some(mut client) = self.clients.remove(id) {
            self.forget_blocked(&mut client);
            self.forget_client_state(&mut client);
        }
    }
}
