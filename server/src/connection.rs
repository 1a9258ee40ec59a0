//! One task per connection: wait until the socket is readable, read what arrived, run it
//! under the server lock, write the replies, repeat.
//!
//! The lock is taken once per read, never across an await, and the socket is only touched
//! outside it. The task waits for readability *before* it needs an input buffer, so an idle
//! connection can give its buffers back (the cron asks, as Redis's clientsCron frees idle
//! query buffers). Other parts of the server reach a connection through its
//! [`ClientHandle`](crate::client::ClientHandle): they append to its reply buffer under the
//! lock and wake the task, or mark it killed.

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

/// What the connection task waits for before it runs the batch again.
#[derive(Clone, Copy)]
enum Wait {
    /// Input (or a wake-up).
    Input,
    /// Nothing: run what is buffered now.
    Nothing,
    /// A blocked command: a wake-up, its deadline, or input to buffer.
    Blocked(Option<scarlet_storage::Millis>),
    /// Nothing: run the batch, which starts with a script, off the runtime's threads.
    Script,
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
    out: &mut Vec<u8>,
    peak: &mut usize,
) {
    if handle.take_release_request() && input.buffered() == 0 {
        input.shrink_if_idle();
        *out = Vec::new();
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
    /// All written; `woken` if a wake-up came meanwhile (more output may be waiting).
    Done { woken: bool },
    /// The socket failed, or the client was killed while the peer was not reading (a
    /// subscriber over its output buffer limit must not hold its task forever).
    Failed,
}

/// Writes `out`, giving up if the client is killed meanwhile.
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
                return if result.is_ok() { Written::Done { woken } } else { Written::Failed };
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

/// Runs a batch that starts with a script on a blocking thread, so the runtime's threads
/// stay free to answer the other clients (-BUSY) while it runs. Gives the buffers back
/// with the flow, or `None` if the thread failed.
async fn run_script_batch(
    shared: &Arc<Shared>,
    id: u64,
    mut input: RequestReader,
    mut out: Vec<u8>,
    written: usize,
) -> Option<(RequestReader, Vec<u8>, Flow)> {
    shared.script.offloaded.fetch_add(1, Ordering::SeqCst);
    let task_shared = Arc::clone(shared);
    let joined = tokio::task::spawn_blocking(move || {
        let flow = {
            let mut server = task_shared.lock();
            server.scripting.on_script_thread = true;
            let flow = server.process_input(id, &mut input, &mut out, 0, written);
            server.scripting.on_script_thread = false;
            flow
        };
        (input, out, flow)
    })
    .await;
    shared.script.offloaded.fetch_sub(1, Ordering::SeqCst);
    joined.ok()
}

/// Serves one connection until it closes, then unregisters the client.
pub async fn serve<S: Socket>(shared: Arc<Shared>, stream: S, id: u64, handle: Arc<ClientHandle>) {
    serve_with(shared, stream, id, handle, RequestReader::new(), false).await;
}

/// A connection accepted while a script held the lock: answered as by a busy server
/// until it can be registered, then served.
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
    let mut out: Vec<u8> = Vec::new();
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
        let received = match wait {
            Wait::Input => receive(&mut stream, &mut input, &handle).await,
            Wait::Nothing | Wait::Script => Input::Nothing,
            Wait::Blocked(deadline) => {
                // Input still arrives (and a closed peer is noticed), but it waits in the
                // buffer until the block ends.
                let timer = async {
                    match deadline {
                        Some(at) => {
                            let ms = u64::try_from(at - unix_ms()).unwrap_or(0);
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    biased;
                    received = receive(&mut stream, &mut input, &handle) => received,
                    () = timer => Input::Nothing,
                }
            }
        };
        match received {
            Input::Read(n) => read = n,
            Input::Nothing => {}
            Input::Closed => break,
        }
        if handle.is_killed() {
            break;
        }
        peak = peak.max(input.buffered());
        resize_buffers(&handle, &mut input, &mut out, &mut peak);
        let flow = if let Wait::Script = wait {
            match run_script_batch(&shared, id, input, out, written).await {
                Some((back_input, back_out, flow)) => {
                    input = back_input;
                    out = back_out;
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
                    break server.process_input(id, &mut input, &mut out, read, written);
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
        let mut woken_while_writing = false;
        if !out.is_empty() && shared.aof_fsync_pending.load(Ordering::Acquire) {
            // appendfsync always: these replies wait for the fsync of what the batch
            // wrote. Other ready connections run their batches first, so that one fsync
            // covers them all.
            tokio::task::yield_now().await;
            shared.lock_async().await.fsync_aof_pending();
        }
        if !out.is_empty() {
            handle.set_writing(out.capacity());
            let result = write_unless_killed(&mut stream, &out, &handle).await;
            handle.set_writing(0);
            match result {
                Written::Done { woken } => woken_while_writing = woken,
                Written::Failed => break,
            }
            written = out.len();
            out.clear();
            // A big reply's buffer goes back at once instead of staying with an idle
            // connection: it counts in used_memory, and against maxmemory.
            if out.capacity() > KEEP_OUTPUT_CAPACITY
                && shared.reply_buffer_resizing.load(Ordering::Relaxed)
            {
                out = Vec::new();
            }
        }
        match flow {
            // Output that arrived during the write (Pub/Sub messages, MONITOR lines) is
            // collected at once: its wake-up was consumed while writing.
            Flow::Continue if woken_while_writing => wait = Wait::Nothing,
            Flow::Continue => wait = Wait::Input,
            Flow::Blocked(deadline) => wait = Wait::Blocked(deadline),
            Flow::Script => wait = Wait::Script,
            Flow::Close => break,
            Flow::Shutdown => {
                shared.shutdown.notify_one();
                break;
            }
            Flow::Paused(until) => {
                // Commands wait until the pause ends or another client lifts it (CLIENT
                // UNPAUSE wakes every client). Input keeps buffering in the socket.
                let pause_ms = u64::try_from((until - unix_ms()).max(1)).unwrap_or(1);
                tokio::select! {
                    biased;
                    () = handle.woken() => {}
                    () = tokio::time::sleep(Duration::from_millis(pause_ms)) => {}
                }
                wait = Wait::Nothing;
            }
        }
    }
    let _ = stream.shutdown().await;
    let mut server = shared.lock_async().await;
    server.stats.net_output_bytes += written as u64;
    server.unregister_client(id);
}
