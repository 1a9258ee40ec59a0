//! One connected client: its session state (db, protocol, name, auth), its pending reply,
//! and the registry of all clients.
//!
//! A client's record lives in the shared [`Server`](crate::server::Server) so that CLIENT
//! LIST, CLIENT KILL and (later) Pub/Sub can reach every client; its socket and input
//! buffer stay with the connection task, which never touches the record outside the lock.
//! While a client's commands execute, its record is taken out of the registry and handed
//! to the handlers directly (see [`Clients::take`]), so commands reach "this client" and
//! "the others" through two separate borrows.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::blocking::{BlockRequest, Blocked};
use crate::multi::MultiState;
use crate::pubsub::Subscriptions;
use crate::tracking::ClientTracking;
use scarlet_protocol::{OwnedArgs, ReplyBuf, Resp};
use scarlet_storage::Millis;

/// What another part of the server uses to reach a client's connection task.
///
/// A wake-up is a flag plus the task's waker, registered once: cheaper on every request
/// than a general-purpose notification, which would lock a waiter list each time the
/// connection goes idle.
#[derive(Debug, Default)]
pub struct ClientHandle {
    /// A wake-up is pending: there is output to send, or a request below.
    woken: AtomicBool,
    /// The connection task's waker.
    waker: Mutex<Option<Waker>>,
    /// The connection must close as soon as its task notices.
    killed: AtomicBool,
    /// The connection is idle: its task should give back its buffers.
    release: AtomicBool,
    /// The input buffer is large: its task should trim it to its recent peak.
    trim: AtomicBool,
    /// Reply bytes the task holds and has not written yet: they left the reply buffer and
    /// are still the client's pending output (output buffer limits).
    unsent: AtomicUsize,
    /// The capacity of the buffer those bytes are in, which counts in the client's memory
    /// (client eviction) until the write is done.
    out_capacity: AtomicUsize,
    /// A replica has more of the replication stream to take once its output is written.
    more_output: AtomicBool,
    /// The client is a replica: its connection keeps no output buffer between writes.
    replica: AtomicBool,
    /// SCRIPT DEBUG is on: the task serves the socket to a debugging session while a
    /// script batch runs.
    lua_debug: AtomicBool,
    /// A forked debugging session (SCRIPT DEBUG YES) has the socket: the task closes its
    /// descriptor without shutting the connection down.
    handed_off: AtomicBool,
    /// The client is inside MULTI (as of its last command): while a script is busy its
    /// task hands every command to the script (`busy_script.rs`), which queues or
    /// refuses it as Redis does.
    in_multi: AtomicBool,
}

impl ClientHandle {
    /// Wakes the connection task.
    pub fn wake(&self) {
        self.woken.store(true, Ordering::Release);
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(waker) = waker.as_ref() {
            waker.wake_by_ref();
        }
    }

    /// For the connection task: `Ready` once woken (clearing the flag), else registers
    /// the task's waker and stays pending.
    pub fn poll_woken(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.woken.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        {
            let mut waker = self.waker.lock().unwrap_or_else(|e| e.into_inner());
            match waker.as_ref() {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *waker = Some(cx.waker().clone()),
            }
        }
        // A wake between the first check and the registration must not be lost.
        if self.woken.swap(false, Ordering::AcqRel) {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Waits for a wake-up.
    pub async fn woken(&self) {
        std::future::poll_fn(|cx| self.poll_woken(cx)).await;
    }

    /// Asks the connection task to close the connection.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.wake();
    }

    /// Whether [`kill`](Self::kill) was called.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// SCRIPT DEBUG turned on or off for this connection.
    pub fn set_lua_debug(&self, on: bool) {
        self.lua_debug.store(on, Ordering::Release);
    }

    /// Whether SCRIPT DEBUG is on for this connection.
    pub fn lua_debug(&self) -> bool {
        self.lua_debug.load(Ordering::Acquire)
    }

    /// A forked debugging session took the connection over.
    pub fn hand_off(&self) {
        self.handed_off.store(true, Ordering::Release);
    }

    /// Whether a forked debugging session took the connection over.
    pub fn is_handed_off(&self) -> bool {
        self.handed_off.load(Ordering::Acquire)
    }

    /// Records whether the client is inside MULTI (after each of its commands).
    pub fn set_in_multi(&self, in_multi: bool) {
        self.in_multi.store(in_multi, Ordering::Relaxed);
    }

    /// Whether the client was inside MULTI after its last command.
    pub fn in_multi(&self) -> bool {
        self.in_multi.load(Ordering::Relaxed)
    }

    /// Asks the connection task to free its idle buffers.
    pub fn request_release(&self) {
        self.release.store(true, Ordering::Release);
        self.wake();
    }

    /// Whether a release was requested (and clears the request).
    pub fn take_release_request(&self) -> bool {
        self.release.load(Ordering::Acquire) && self.release.swap(false, Ordering::AcqRel)
    }

    /// Asks the connection task to trim an oversized input buffer.
    pub fn request_trim(&self) {
        self.trim.store(true, Ordering::Release);
        self.wake();
    }

    /// Whether a trim was requested (and clears the request).
    pub fn take_trim_request(&self) -> bool {
        self.trim.load(Ordering::Acquire) && self.trim.swap(false, Ordering::AcqRel)
    }

    /// For the connection task: the output it holds, `unsent` bytes still to write in a
    /// buffer of `capacity` bytes (both 0 once written).
    pub fn set_output(&self, unsent: usize, capacity: usize) {
        self.unsent.store(unsent, Ordering::Relaxed);
        self.out_capacity.store(capacity, Ordering::Relaxed);
    }

    /// Output the connection task holds and has not written yet.
    pub fn unsent(&self) -> usize {
        self.unsent.load(Ordering::Relaxed)
    }

    /// The capacity of the connection task's output buffer while it holds output.
    pub fn out_capacity(&self) -> usize {
        self.out_capacity.load(Ordering::Relaxed)
    }

    /// For the master side: whether the replication stream has more for this replica
    /// than its connection took.
    pub fn set_more_output(&self, more: bool) {
        self.more_output.store(more, Ordering::Release);
    }

    /// For the connection task, once its output is written: whether to come back for
    /// more of the replication stream.
    pub fn more_output(&self) -> bool {
        self.more_output.load(Ordering::Acquire)
    }

    /// The client became a replica.
    pub fn mark_replica(&self) {
        self.replica.store(true, Ordering::Release);
    }

    /// Whether the client is a replica. Its connection frees its output buffer once
    /// written: maxmemory leaves a replica's output out of its count, so a buffer kept
    /// idle would count against the dataset as soon as it is written, then stop counting
    /// when refilled (evictions out of nothing).
    pub fn is_replica(&self) -> bool {
        self.replica.load(Ordering::Acquire)
    }
}

/// How the server answers this client (CLIENT REPLY).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// Replies are dropped.
    Off,
    /// The next command's reply is dropped.
    SkipNext,
    /// The current command's reply is dropped (SkipNext, one command later).
    Skip,
}

/// The kind of client, as CLIENT LIST `type` and CLIENT KILL TYPE see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// An ordinary client.
    Normal,
    /// A replica connected to us.
    Replica,
    /// Our master.
    Master,
    /// A client in Pub/Sub mode.
    Pubsub,
}

impl ClientKind {
    /// Parses a CLIENT KILL/LIST TYPE argument (`slave` is the old name of `replica`).
    pub fn parse(name: &[u8]) -> Option<ClientKind> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Some(ClientKind::Normal),
            b"replica" | b"slave" => Some(ClientKind::Replica),
            b"master" => Some(ClientKind::Master),
            b"pubsub" => Some(ClientKind::Pubsub),
            _ => None,
        }
    }
}

/// Where a client is connected from.
#[derive(Clone, Debug)]
pub struct Peer {
    /// `ip:port` of the peer, or `path:0` for a Unix socket.
    pub addr: String,
    /// Our side of the connection, in the same form.
    pub local: String,
    /// The socket's file descriptor (CLIENT LIST `fd`).
    pub fd: i32,
    /// Connected through the Unix socket.
    pub unix: bool,
}

impl Peer {
    /// Loopback or Unix socket: what protected mode and "local" protected configs allow.
    pub fn is_local(&self) -> bool {
        if self.unix {
            return true;
        }
        let ip = self
            .addr
            .rsplit_once(':')
            .map_or(self.addr.as_str(), |(ip, _)| ip);
        ip == "127.0.0.1" || ip == "::1" || ip == "[::1]"
    }
}

/// A connected client's state.
#[derive(Debug)]
pub struct Client {
    /// CLIENT ID: unique, increasing.
    pub id: u64,
    /// Where it is connected from.
    pub peer: Peer,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
    /// The selected database.
    pub db: usize,
    /// Encoded replies not yet handed to the connection task; also knows RESP2/RESP3.
    pub reply: ReplyBuf,
    /// Whether AUTH (or HELLO AUTH) succeeded, or no password is needed.
    pub authenticated: bool,
    /// Connection time, unix ms.
    pub created: Millis,
    /// Last command time, unix ms (CLIENT LIST `idle`, `timeout`).
    pub last_interaction: Millis,
    /// CLIENT REPLY mode.
    pub reply_mode: ReplyMode,
    /// The full name of the last command run ("client|list"), or "NULL".
    pub last_command: &'static str,
    /// Close once the pending replies are written (QUIT, protocol errors, CLIENT KILL of self).
    pub close_after_reply: bool,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// CLIENT NO-TOUCH: reads do not change keys' access time.
    pub no_touch: bool,
    /// What kind of client this is.
    pub kind: ClientKind,
    /// Bytes in the input buffer, as of the last batch (CLIENT LIST `qbuf`).
    pub query_buffer: usize,
    /// Free bytes in the input buffer, as of the last batch (`qbuf-free`).
    pub query_buffer_free: usize,
    /// Bytes of the arguments of the command being executed (`argv-mem`).
    pub argv_mem: usize,
    /// What the running command asked about its own propagation.
    pub propagation: crate::propagate::CallPropagation,
    /// The replication offset right after this client's last propagated write (what
    /// WAIT waits for).
    pub woff: i64,
    /// A command that arrived while clients were paused, to run once they are not.
    pub postponed: Option<OwnedArgs>,
    /// The blocking command this client waits with (BLPOP ...), and on what.
    pub blocked: Option<Box<Blocked>>,
    /// Set by a handler that cannot serve yet ([`Ctx::block`](crate::commands::Ctx)); the
    /// dispatcher turns it into `blocked`.
    pub block_request: Option<BlockRequest>,
    /// Set while EXEC or a script runs this client's commands: blocking commands then
    /// behave as if their timeout had passed.
    pub deny_blocking: bool,
    /// SCRIPT DEBUG YES or SYNC: this client's next EVAL runs in a Lua debugger session.
    pub lua_debug: Option<crate::scripting::ldb::DebugMode>,
    /// The idle connection was asked to give back its buffers (reset by new input).
    pub buffers_released: bool,
    /// The open transaction, between MULTI and EXEC or DISCARD.
    pub multi: Option<Box<MultiState>>,
    /// Pub/Sub subscriptions (none: not in Pub/Sub mode).
    pub subscriptions: Option<Box<Subscriptions>>,
    /// Client-side caching settings (none: tracking off).
    pub tracking: Option<Box<ClientTracking>>,
    /// In MONITOR mode.
    pub monitor: bool,
    /// Since when the pending output has been over its class's soft limit, unix ms.
    pub soft_limit_since: Option<Millis>,
    /// A replica's part of the replication stream its connection has not taken yet:
    /// bytes of the shared buffer it holds there, which count as its output (Redis's
    /// referenced replication blocks).
    pub stream_pending: usize,
    /// The memory this client counted toward `maxmemory-clients` when last measured
    /// (Redis's `last_memory_usage`): what a client that cannot be evicted counts there.
    /// A `Cell`, as the measure is taken where the record is only borrowed.
    pub counted_memory: Cell<u64>,
    /// How the rest of the server reaches the connection task.
    pub handle: Arc<ClientHandle>,
}

impl Client {
    /// True for the client scripts run their commands as (Redis's CLIENT_SCRIPT).
    pub fn is_script(&self) -> bool {
        self.id == crate::scripting::SCRIPT_CLIENT_ID
    }

    /// A new client record; `authenticated` is false when a password is required.
    pub fn new(id: u64, peer: Peer, now: Millis, authenticated: bool) -> Client {
        Client {
            id,
            peer,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            reply: ReplyBuf::new(Resp::Resp2),
            authenticated,
            created: now,
            last_interaction: now,
            reply_mode: ReplyMode::On,
            last_command: "NULL",
            close_after_reply: false,
            no_evict: false,
            no_touch: false,
            kind: ClientKind::Normal,
            query_buffer: 0,
            query_buffer_free: 0,
            argv_mem: 0,
            propagation: crate::propagate::CallPropagation::default(),
            woff: 0,
            postponed: None,
            blocked: None,
            block_request: None,
            deny_blocking: false,
            lua_debug: None,
            buffers_released: false,
            multi: None,
            subscriptions: None,
            tracking: None,
            monitor: false,
            soft_limit_since: None,
            stream_pending: 0,
            counted_memory: Cell::new(0),
            handle: Arc::new(ClientHandle::default()),
        }
    }

    /// The protocol this client speaks.
    pub fn resp(&self) -> Resp {
        self.reply.resp()
    }

    /// Whether the client is subscribed to anything (Redis's CLIENT_PUBSUB flag).
    pub fn in_pubsub(&self) -> bool {
        self.subscriptions.as_ref().is_some_and(|s| s.any())
    }

    /// Whether the client waits with a command it cannot run yet (a blocking command, or
    /// any command under CLIENT PAUSE), which INFO counts in `blocked_clients` as Redis does.
    pub fn is_blocked(&self) -> bool {
        self.postponed.is_some() || self.blocked.is_some()
    }

    /// CLIENT LIST `flags`.
    fn flags_field(&self) -> String {
        let mut flags = String::new();
        if self.monitor {
            flags.push('O');
        }
        match self.kind {
            ClientKind::Replica => flags.push('S'),
            ClientKind::Master => flags.push('M'),
            ClientKind::Pubsub => flags.push('P'),
            ClientKind::Normal => {}
        }
        if self.multi.is_some() {
            flags.push('x');
        }
        if self.is_blocked() {
            flags.push('b');
        }
        if let Some(t) = self.tracking.as_deref() {
            flags.push('t');
            if t.broken_redirect {
                flags.push('R');
            }
            if t.bcast {
                flags.push('B');
            }
        }
        if self.close_after_reply {
            flags.push('c');
        }
        if self.peer.unix {
            flags.push('U');
        }
        if self.no_evict {
            flags.push('e');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        flags
    }

    /// One line of CLIENT LIST / CLIENT INFO, without the newline, in Redis 7.0's format.
    pub fn info_line(&self, now: Millis, user: &str) -> String {
        let name = self
            .name
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let age = (now - self.created).max(0) / 1000;
        let idle = (now - self.last_interaction).max(0) / 1000;
        let resp = match self.resp() {
            Resp::Resp2 => 2,
            Resp::Resp3 => 3,
        };
        // The reply buffer is handed to the connection task after every batch, so between
        // batches it is empty, as Redis's is once written.
        let obl = self.reply.len();
        // The output the connection task still has to write (the peer is slow to read),
        // as Redis's reply list holds what its 16 KB buffer does not.
        let omem = self.handle.unsent() + self.stream_pending;
        let subs = self.subscriptions.as_deref();
        let (sub, psub, ssub) = subs.map_or((0, 0, 0), |s| {
            (s.channel_count(), s.pattern_count(), s.shard_count())
        });
        let multi = self
            .multi
            .as_ref()
            .map_or(-1, |m| i64::try_from(m.queued.len()).unwrap_or(i64::MAX));
        let multi_mem = self.multi.as_ref().map_or(0, |m| m.argv_bytes);
        let redir = self
            .tracking
            .as_ref()
            .map_or(-1, |t| i64::try_from(t.redirect).unwrap_or(i64::MAX));
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={sub} psub={psub} ssub={ssub} multi={multi} qbuf={} qbuf-free={} argv-mem={} multi-mem={multi_mem} rbs=1024 rbp=0 obl={} oll=0 omem={omem} tot-mem={} events=r cmd={} user={} redir={redir} resp={}",
            self.id,
            self.peer.addr,
            self.peer.local,
            self.peer.fd,
            name,
            age,
            idle,
            self.flags_field(),
            self.db,
            self.query_buffer,
            self.query_buffer_free,
            self.argv_mem,
            obl,
            self.memory_usage(),
            self.last_command,
            user,
            resp,
        )
    }

    /// Output not yet written to the socket: the reply buffer plus what the connection
    /// task holds (Redis's output buffer, which output buffer limits apply to).
    pub fn pending_output(&self) -> usize {
        self.reply.len() + self.handle.unsent() + self.stream_pending
    }

    /// Hands the pending replies to the connection task's output buffer `out`: the bytes
    /// are swapped in when `out` is empty (the usual case, no copy), appended after what
    /// it still has to write otherwise (the peer is not reading as fast as it sends).
    pub fn take_output(&mut self, out: &mut Vec<u8>) {
        let unsent = if out.is_empty() {
            self.reply.swap_bytes(out);
            out.len()
        } else {
            out.extend_from_slice(self.reply.as_bytes());
            let added = self.reply.len();
            self.reply.clear();
            self.handle.unsent() + added
        };
        if !out.is_empty() {
            self.handle.set_output(unsent, out.capacity());
        }
    }

    /// Memory held for this client (CLIENT LIST `tot-mem`): buffers plus the record itself.
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of::<Client>()
            + self.query_buffer
            + self.query_buffer_free
            + self.argv_mem
            + self.reply.len()
            + self.stream_pending
            + self.multi.as_ref().map_or(0, |m| m.argv_bytes)
            + self.handle.out_capacity()
            + self.subscriptions.as_ref().map_or(0, |s| s.memory_usage())
            + self.tracking.as_ref().map_or(0, |t| {
                t.prefixes.iter().map(|p| p.len() + 48).sum::<usize>()
            })
    }
}

/// Every connected client, by id.
///
/// Records are boxed so that taking one out for the duration of a batch moves a pointer.
#[derive(Debug, Default)]
pub struct Clients {
    by_id: BTreeMap<u64, Option<Box<Client>>>,
}

impl Clients {
    /// Registers a new client.
    pub fn insert(&mut self, client: Box<Client>) {
        self.by_id.insert(client.id, Some(client));
    }

    /// Forgets a client (it disconnected).
    pub fn remove(&mut self, id: u64) -> Option<Box<Client>> {
        self.by_id.remove(&id).flatten()
    }

    /// Takes a client's record out while its commands run; [`put_back`](Self::put_back)
    /// returns it. The slot stays, so ids keep their order and count.
    pub fn take(&mut self, id: u64) -> Option<Box<Client>> {
        self.by_id.get_mut(&id).and_then(Option::take)
    }

    /// Returns a record taken with [`take`](Self::take).
    pub fn put_back(&mut self, client: Box<Client>) {
        if let Some(slot) = self.by_id.get_mut(&client.id) {
            *slot = Some(client);
        }
    }

    /// The number of connected clients, including one whose record is taken out.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// A client other than the one executing.
    pub fn get(&self, id: u64) -> Option<&Client> {
        self.by_id.get(&id).and_then(|c| c.as_deref())
    }

    /// A client other than the one executing, mutably.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Client> {
        self.by_id.get_mut(&id).and_then(|c| c.as_deref_mut())
    }

    /// Ids in order, including one whose record is taken out (the caller has that one).
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.by_id.keys().copied()
    }

    /// The records present (all but one taken out), in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.by_id.values().filter_map(|c| c.as_deref())
    }

    /// The records present, mutably, in id order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.by_id.values_mut().filter_map(|c| c.as_deref_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(addr: &str) -> Peer {
        Peer {
            addr: addr.into(),
            local: "127.0.0.1:6379".into(),
            fd: 8,
            unix: false,
        }
    }

    #[test]
    fn info_line_has_redis_fields_in_order() {
        let mut c = Client::new(3, peer("127.0.0.1:50612"), 1_000, true);
        c.last_command = "client|list";
        let line = c.info_line(3_500, "default");
        assert!(line.starts_with(
            "id=3 addr=127.0.0.1:50612 laddr=127.0.0.1:6379 fd=8 name= age=2 idle=2 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0"
        ));
        assert!(line.ends_with("events=r cmd=client|list user=default redir=-1 resp=2"));
    }

    #[test]
    fn local_peers() {
        assert!(peer("127.0.0.1:1").is_local());
        assert!(peer("::1:5").is_local());
        assert!(!peer("10.0.0.1:5").is_local());
    }

    #[test]
    fn take_and_put_back_keep_the_slot() {
        let mut clients = Clients::default();
        clients.insert(Box::new(Client::new(1, peer("127.0.0.1:1"), 0, true)));
        clients.insert(Box::new(Client::new(2, peer("127.0.0.1:2"), 0, true)));
        let c = clients.take(1).unwrap();
        assert_eq!(clients.len(), 2);
        assert_eq!(clients.iter().count(), 1);
        clients.put_back(c);
        assert_eq!(clients.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2]);
    }
}
