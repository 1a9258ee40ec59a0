//! One task per connection: wait until the socket is readable, read what arrived, run it
//! under the server lock, write the replies, repeat.
//!
//! The lock is taken once per read, never across an await, and the socket is only touched
//! outside it. The task waits for readability *before* it needs an input buffer, so an idle
//! connection can give its buffers back (the cron asks, as Redis's clientsCron frees idle
//! query buffers). Other parts of the server reach a connection through its
//! [`ClientHandle`](crate::client::ClientHandle): they append to its reply buffer under the
//! lock and wake the task, or mark it killed.
//!
//! A write that the socket does not take at once does not stop the task: it keeps waiting
//! for input (and running it) while it writes what the socket takes, as Redis keeps
//! reading a client whose output piles up. The replies of those commands are appended to
//! the pending output, which is what client eviction and output buffer limits measure
//! (`Output`); the task never waits for the peer to read before it reads again.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use scarlet_protocol::RequestReader;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use crate::busy_script;
use crate::client::ClientHandle;
use crate::clock::unix_ms;
use crate::dispatch::Flow;
use crate::log::{self, Level};
use crate::scripting::ldb::LinkRequest;
use crate::server::Shared;

/// A client socket. Waiting for input is readiness-based, so no buffer is held while
/// waiting; the read itself goes through `AsyncRead`, whose short reads clear the
/// readiness, which saves the `read` that would only learn the socket is drained.
pub trait Socket: AsyncRead + AsyncWrite + Unpin + Send + Sync + 'static {
    /// Polls until a read would not block.
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

impl Socket for TcpStream {
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_read_ready(cx)
    }
}

impl Socket for UnixStream {
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_read_ready(cx)
    }
}

/// What one wait on the socket produced.
pub(crate) enum Input {
    /// `n` bytes arrived.
    Read(usize),
    /// Nothing to read (woken for output, a kill, or a spurious readiness).
    Nothing,
    /// The peer closed, or the socket failed.
    Closed,
}

/// Waits for input or a wake-up, and reads what is there. Input is checked first, so a
/// busy connection never waits behind its own wake-ups.
pub(crate) async fn receive<S: Socket>(
    stream: &mut S,
    input: &mut RequestReader,
    handle: &ClientHandle,
) -> Input {
    let ready = std::future::poll_fn(|cx| match stream.poll_ready(cx) {
        Poll::Ready(result) => Poll::Ready(Some(result)),
        Poll::Pending => handle.poll_woken(cx).map(|()| None),
    })
    .await;
    match ready {
        None => return Input::Nothing,
        Some(Err(e)) => {
            log::log(Level::Verbose, &format!("Reading from client: {e}"));
            return Input::Closed;
        }
        Some(Ok(())) => {}
    }
    read_available(stream, input).await
}

/// What the connection task waits for before it runs the batch again. Every wait also
/// writes pending output as the socket takes it.
#[derive(Clone, Copy)]
enum Wait {
    /// Input (or a wake-up).
    Input,
    /// Nothing: run what is buffered now.
    Nothing,
    /// A blocked command: a wake-up, its deadline, or input to buffer.
    Blocked(Option<scarlet_storage::Millis>),
    /// Nothing: run the batch, which starts with a script of a Lua debugging session,
    /// on the script thread.
    Script,
    /// Clients are paused until then (unix ms): a wake-up (CLIENT UNPAUSE) or the end of
    /// the pause. Input stays in the socket meanwhile.
    Paused(scarlet_storage::Millis),
    /// The connection closes once its pending output is written.
    Drain,
}

/// The most output buffer capacity a connection keeps between writes; the reply buffers
/// of pipelines of small replies stay under it, so they are reused.
const KEEP_OUTPUT_CAPACITY: usize = 64 * 1024;

/// The input buffer is trimmed only when it is this much larger than its recent peak.
const TRIM_RATIO: usize = 2;

/// Gives back buffer memory when the cron asked: all of it for an idle connection, the
/// excess over the recent peak for a large input buffer (Redis's query buffer resize).
fn resize_buffers(
    handle: &ClientHandle,
    input: &mut RequestReader,
    out: &mut Output,
    peak: &mut usize,
) {
    if handle.take_release_request() && input.buffered() == 0 {
        input.shrink_if_idle();
        if out.is_done() {
            out.buf = Vec::new();
        }
        *peak = 0;
    }
    if handle.take_trim_request() {
        if input.capacity() / TRIM_RATIO > *peak {
            input.shrink_to(*peak);
        }
        *peak = input.buffered();
    }
}

/// How a write went.
pub(crate) enum Written {
    /// All written.
    Done,
    /// The socket failed, or the client was killed while the peer was not reading (a
    /// subscriber over its output buffer limit must not hold its task forever).
    Failed,
}

/// Writes `out`, giving up if the client is killed meanwhile. A wake-up that came during
/// the write is raised again for the task's next wait.
pub(crate) async fn write_unless_killed<S: Socket>(
    stream: &mut S,
    out: &[u8],
    handle: &ClientHandle,
) -> Written {
    let mut woken = false;
    let write = stream.write_all(out);
    tokio::pin!(write);
    loop {
        tokio::select! {
            biased;
            result = &mut write => {
                if woken {
                    handle.wake();
                }
                return if result.is_ok() { Written::Done } else { Written::Failed };
            }
            () = handle.woken() => {
                if handle.is_killed() {
                    return Written::Failed;
                }
                woken = true;
            }
        }
    }
}

/// The replies a connection has to write: the buffer and how much of it the socket took.
///
/// While the peer does not read, the task goes on reading and running its commands, as
/// Redis does: their replies are appended here and count as the client's pending output
/// (output buffer limits) and memory (client eviction) until written. The bookkeeping the
/// rest of the server reads is in the client's handle.
struct Output {
    buf: Vec<u8>,
    sent: usize,
}

/// Whether a write step finished the pending output.
enum Flush {
    /// Nothing is left to write.
    Done,
    /// The socket takes no more for now.
    Pending,
    /// The socket failed.
    Failed,
}

impl Output {
    fn is_done(&self) -> bool {
        self.sent >= self.buf.len()
    }

    /// Writes as much as the socket takes now; registers for writability when it takes
    /// no more, telling the handle what is left (it shrinks as the peer reads).
    fn poll_flush<S: Socket>(
        &mut self,
        stream: &mut S,
        cx: &mut Context<'_>,
        handle: &ClientHandle,
    ) -> Flush {
        let before = self.sent;
        while let Some(rest) = self.buf.get(self.sent..).filter(|r| !r.is_empty()) {
            match Pin::new(&mut *stream).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Flush::Failed,
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Pending => {
                    if self.sent != before {
                        handle.set_output(self.buf.len() - self.sent, self.buf.capacity());
                    }
                    return Flush::Pending;
                }
            }
        }
        Flush::Done
    }

    /// Writes what the socket takes without waiting.
    async fn flush_now<S: Socket>(&mut self, stream: &mut S, handle: &ClientHandle) -> Flush {
        std::future::poll_fn(|cx| Poll::Ready(self.poll_flush(stream, cx, handle))).await
    }

    /// After a write step: tells the handle what is still held, or, when all is written,
    /// resets the buffer and returns its length (for the output byte counter).
    fn settle(&mut self, handle: &ClientHandle, keep_big: bool) -> usize {
        if !self.is_done() {
            handle.set_output(self.buf.len() - self.sent, self.buf.capacity());
            return 0;
        }
        let written = self.buf.len();
        if written == 0 {
            return 0;
        }
        handle.set_output(0, 0);
        self.buf.clear();
        self.sent = 0;
        // A big reply's buffer goes back at once instead of staying with an idle
        // connection: it counts in used_memory, and against maxmemory.
        if (self.buf.capacity() > KEEP_OUTPUT_CAPACITY && !keep_big) || handle.is_replica() {
            self.buf = Vec::new();
        }
        written
    }
}

/// What ended a wait.
enum Event {
    /// The socket is readable (or failed).
    Readable(io::Result<()>),
    /// A wake-up: output from elsewhere, a kill, a request from the cron.
    Woken,
    /// The pending output is all written.
    Flushed,
    /// Writing failed.
    WriteFailed,
    /// The wait's deadline passed.
    Timeout,
}

/// Waits for the next event, writing pending output meanwhile. The output goes first, then
/// input (when `read`), so a busy connection never waits behind its own wake-ups.
async fn next_event<S: Socket>(
    stream: &mut S,
    out: &mut Output,
    read: bool,
    handle: &ClientHandle,
    deadline: Option<scarlet_storage::Millis>,
) -> Event {
    let timer = async {
        match deadline {
            Some(at) => {
                let ms = u64::try_from(at - unix_ms()).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(timer);
    std::future::poll_fn(|cx| {
        if !out.is_done() {
            match out.poll_flush(stream, cx, handle) {
                Flush::Done => return Poll::Ready(Event::Flushed),
                Flush::Failed => return Poll::Ready(Event::WriteFailed),
                Flush::Pending => {}
            }
        }
        if read && let Poll::Ready(result) = stream.poll_ready(cx) {
            return Poll::Ready(Event::Readable(result));
        }
        if handle.poll_woken(cx).is_ready() {
            return Poll::Ready(Event::Woken);
        }
        // A replica whose output is written takes the next piece of the replication
        // stream.
        if out.is_done() && handle.more_output() {
            return Poll::Ready(Event::Woken);
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Event::Timeout);
        }
        Poll::Pending
    })
    .await
}

/// Reads what a readable socket has, into the input buffer.
async fn read_available<S: Socket>(stream: &mut S, input: &mut RequestReader) -> Input {
    let mut buf = ReadBuf::new(input.spare());
    // One poll: after a spurious readiness the read is pending, and the task goes back to
    // waiting without a buffer (the read interest is registered either way).
    let result = std::future::poll_fn(|cx| match Pin::new(&mut *stream).poll_read(cx, &mut buf) {
        Poll::Ready(result) => Poll::Ready(Some(result)),
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    let n = buf.filled().len();
    match result {
        None => Input::Nothing,
        Some(Ok(())) if n == 0 => {
            log::log(Level::Verbose, "Client closed connection");
            Input::Closed
        }
        Some(Ok(())) => {
            input.advance(n);
            Input::Read(n)
        }
        Some(Err(e)) => {
            log::log(Level::Verbose, &format!("Reading from client: {e}"));
            Input::Closed
        }
    }
}

/// Runs a batch that starts with a script of a Lua debugging session on the script thread
/// (`scripting/script_thread.rs`). Gives the buffers back with the flow, or `None` if the
/// thread failed.
///
/// Meanwhile the task serves the socket for the session (see `scripting/ldb.rs`): it
/// writes what the session sends and reads what it asks for.
async fn run_script_batch<S: Socket>(
    shared: &Arc<Shared>,
    stream: &mut S,
    handle: &ClientHandle,
    id: u64,
    mut input: RequestReader,
    mut out: Vec<u8>,
    written: usize,
) -> Option<(RequestReader, Vec<u8>, Flow)> {
    shared.script.offloaded.fetch_add(1, Ordering::SeqCst);
    let task_shared = Arc::clone(shared);
    // The link to the socket exists only for a connection that turned SCRIPT DEBUG on.
    let (link, debug_requests) = if handle.lua_debug() {
        let (link, requests) = crate::scripting::ldb::link();
        (Some(link), Some(requests))
    } else {
        (None, None)
    };
    let (done, finished) = tokio::sync::oneshot::channel();
    let job: crate::scripting::script_thread::Job = Box::new(move || {
        let flow = {
            let mut server = task_shared.lock();
            server.scripting.on_script_thread = true;
            server.scripting.debug_link = link;
            let flow = server.process_input(id, &mut input, &mut out, 0, written);
            server.scripting.debug_link = None;
            server.scripting.on_script_thread = false;
            flow
        };
        task_shared.script.released.notify_one();
        let _ = done.send((input, out, flow));
    });
    if let Err(job) = shared.script.thread.run(job) {
        // No script thread could be started: a pool thread then.
        drop(tokio::task::spawn_blocking(job));
    }
    let joined = finished;
    let joined = match debug_requests {
        None => joined.await,
        Some(mut requests) => {
            tokio::pin!(joined);
            let mut serving = true;
            loop {
                tokio::select! {
                    biased;
                    request = requests.recv(), if serving => match request {
                        Some(request) => serve_debugger(stream, request).await,
                        None => serving = false,
                    },
                    joined = &mut joined => break joined,
                }
            }
        }
    };
    shared.script.offloaded.fetch_sub(1, Ordering::SeqCst);
    joined.ok()
}

/// One request of a debugging session: a write to the client, or a read from it (up to
/// 1 KiB, as Redis reads; `None` once the peer closed).
async fn serve_debugger<S: Socket>(stream: &mut S, request: LinkRequest) {
    match request {
        LinkRequest::Write(bytes) => {
            let _ = stream.write_all(&bytes).await;
        }
        LinkRequest::Read(answer) => {
            let mut buf = vec![0u8; 1024];
            let read = match tokio::io::AsyncReadExt::read(stream, &mut buf).await {
                Ok(n) if n > 0 => {
                    buf.truncate(n);
                    Some(buf)
                }
                _ => None,
            };
            let _ = answer.send(read);
        }
    }
}

/// Serves one connection until it closes, then unregisters the client.
pub async fn serve<S: Socket>(shared: Arc<Shared>, stream: S, id: u64, handle: Arc<ClientHandle>) {
    serve_with(shared, stream, id, handle, RequestReader::new(), false).await;
}

/// A connection accepted while a script held the lock: registered by the script once it
/// is busy, or once the lock is free, then served.
pub async fn admit_after_script<S: Socket>(
    shared: Arc<Shared>,
    mut stream: S,
    peer: crate::client::Peer,
) {
    let waiting = ClientHandle::default();
    let mut input = RequestReader::new();
    let mut deferred = None;
    loop {
        let admitted = shared.try_lock_for_batch().map(|mut server| {
            let admitted = server.register_client(peer.clone());
            if let (Ok((id, _)), Some(args)) = (&admitted, deferred.take()) {
                server.postpone_for(*id, args);
            }
            admitted
        });
        match admitted {
            Some(Ok((id, handle))) => {
                serve_with(shared, stream, id, handle, input, true).await;
                return;
            }
            Some(Err(refusal)) => {
                let _ = stream.write_all(refusal.as_bytes()).await;
                return;
            }
            None => {}
        }
        // A busy script registers it from its hook, as Redis accepts clients there: then
        // it is served as any (MULTI, HELLO, AUTH and the rest reach the script).
        if shared.script.is_busy()
            && deferred.is_none()
            && let Some(admitted) = busy_script::admit_through_script(&shared.script, &peer).await
        {
            match admitted {
                Ok((id, handle)) => serve_with(shared, stream, id, handle, input, true).await,
                Err(refusal) => {
                    let _ = stream.write_all(refusal.as_bytes()).await;
                }
            }
            return;
        }
        match busy_script::step(
            &shared.script,
            &mut stream,
            &mut input,
            &waiting,
            &mut deferred,
            None,
        )
        .await
        {
            busy_script::BusyStep::Retry => {}
            busy_script::BusyStep::Closed => return,
        }
    }
}

async fn serve_with<S: Socket>(
    shared: Arc<Shared>,
    mut stream: S,
    id: u64,
    handle: Arc<ClientHandle>,
    mut input: RequestReader,
    start_now: bool,
) {
    let mut out = Output {
        buf: Vec::new(),
        sent: 0,
    };
    // Output bytes written since the last batch, for the server's counter.
    let mut written = 0usize;
    // What arrived before the client was registered runs at once.
    let mut wait = if start_now {
        Wait::Nothing
    } else {
        Wait::Input
    };
    // The most input held at once since the last trim (Redis's querybuf_peak).
    let mut peak = 0usize;
    'serve: loop {
        let mut read = 0usize;
        let (reading, deadline) = match wait {
            Wait::Nothing | Wait::Script => (None, None),
            Wait::Input => (Some(true), None),
            // Input still arrives (and a closed peer is noticed), but it waits in the
            // buffer until the block ends.
            Wait::Blocked(deadline) => (Some(true), deadline),
            // Commands wait until the pause ends or another client lifts it (CLIENT
            // UNPAUSE wakes every client). Input keeps buffering in the socket.
            Wait::Paused(until) => (Some(false), Some(until.max(unix_ms() + 1))),
            Wait::Drain => (Some(false), None),
        };
        if let Some(reading) = reading {
            loop {
                match next_event(&mut stream, &mut out, reading, &handle, deadline).await {
                    Event::Flushed => {
                        written += out.settle(&handle, keep_big_output(&shared));
                        if let Wait::Drain = wait {
                            break 'serve;
                        }
                    }
                    Event::WriteFailed => break 'serve,
                    Event::Readable(Err(e)) => {
                        log::log(Level::Verbose, &format!("Reading from client: {e}"));
                        break 'serve;
                    }
                    Event::Readable(Ok(())) => {
                        match read_available(&mut stream, &mut input).await {
                            Input::Read(n) => {
                                read = n;
                                break;
                            }
                            // A spurious readiness: back to waiting, without a buffer.
                            Input::Nothing => {}
                            Input::Closed => break 'serve,
                        }
                    }
                    Event::Woken => {
                        if handle.is_killed() {
                            break 'serve;
                        }
                        if !matches!(wait, Wait::Drain) {
                            break;
                        }
                    }
                    Event::Timeout => break,
                }
            }
        }
        if handle.is_killed() {
            break;
        }
        if let Wait::Drain = wait {
            break;
        }
        peak = peak.max(input.buffered());
        resize_buffers(&handle, &mut input, &mut out, &mut peak);
        let flow = if let Wait::Script = wait {
            let buf = std::mem::take(&mut out.buf);
            match run_script_batch(&shared, &mut stream, &handle, id, input, buf, written).await {
                Some((back_input, back_out, flow)) => {
                    input = back_input;
                    out.buf = back_out;
                    flow
                }
                None => break,
            }
        } else {
            let mut deferred = None;
            loop {
                if let Some(mut server) = shared.try_lock_for_batch() {
                    if let Some(args) = deferred.take() {
                        server.postpone_for(id, args);
                    }
                    break server.process_input(id, &mut input, &mut out.buf, read, written);
                }
                // A script holds the lock, and the busy replies go straight to the
                // socket: what was pending goes first.
                if !out.is_done() {
                    let rest = out.buf.get(out.sent..).unwrap_or(&[]);
                    match write_unless_killed(&mut stream, rest, &handle).await {
                        Written::Done => {
                            out.sent = out.buf.len();
                            written += out.settle(&handle, keep_big_output(&shared));
                        }
                        Written::Failed => break 'serve,
                    }
                }
                match busy_script::step(
                    &shared.script,
                    &mut stream,
                    &mut input,
                    &handle,
                    &mut deferred,
                    Some(id),
                )
                .await
                {
                    busy_script::BusyStep::Retry => {}
                    busy_script::BusyStep::Closed => break 'serve,
                }
            }
        };
        written = 0;
        if !out.is_done() && shared.aof_fsync_pending.load(Ordering::Acquire) {
            // appendfsync always: these replies wait for the fsync of what the batch
            // wrote. Other ready connections run their batches first, so that one fsync
            // covers them all.
            tokio::task::yield_now().await;
            shared.lock_async().await.fsync_aof_pending();
        }
        // The replies go out as far as the socket takes them now; the rest is written
        // while the next wait lasts.
        if !out.is_done() {
            match out.flush_now(&mut stream, &handle).await {
                Flush::Failed => break,
                Flush::Done | Flush::Pending => {
                    written += out.settle(&handle, keep_big_output(&shared));
                }
            }
        }
        wait = match flow {
            Flow::Continue => Wait::Input,
            Flow::Blocked(deadline) => Wait::Blocked(deadline),
            Flow::Script => Wait::Script,
            Flow::Close => Wait::Drain,
            Flow::Shutdown => {
                shared.shutdown.notify_one();
                Wait::Drain
            }
            Flow::Paused(until) => Wait::Paused(until),
        };
        if let Wait::Drain = wait
            && out.is_done()
        {
            break;
        }
    }
    // A forked debugging session owns the connection now: only our descriptor closes.
    if !handle.is_handed_off() {
        let _ = stream.shutdown().await;
    }
    let sent = (written + out.sent.min(out.buf.len())) as u64;
    loop {
        if let Some(mut server) = shared.try_lock_for_batch() {
            server.stats.net_output_bytes += sent;
            server.unregister_client(id);
            return;
        }
        // A busy script holds the lock: it forgets the client at its next redis.call,
        // as Redis frees clients while a script runs.
        if shared.script.is_busy() {
            let (reply, answered) = tokio::sync::oneshot::channel();
            if let Ok(mut inbox) = shared.script.inbox.lock() {
                inbox.push(crate::scripting::busy::BusyRequest {
                    client: id,
                    args: scarlet_protocol::OwnedArgs::new(),
                    reply,
                });
            }
            if answered.await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Whether big output buffers are kept after a write (DEBUG REPLYBUFFER RESIZING 0).
fn keep_big_output(shared: &Shared) -> bool {
    !shared.reply_buffer_resizing.load(Ordering::Relaxed)
}
