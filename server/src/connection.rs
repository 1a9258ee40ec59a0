//! One task per connection: read what arrived, run it under the server lock, write the
//! replies, repeat.
//!
//! The lock is taken once per read, never across an await, and the socket is only touched
//! outside it. Other parts of the server reach a connection through its
//! [`ClientHandle`](crate::client::ClientHandle): they append to its reply buffer under the
//! lock and wake the task, or mark it killed.

use std::sync::Arc;
use std::time::Duration;

use scarlet_protocol::RequestReader;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::ClientHandle;
use crate::clock::unix_ms;
use crate::dispatch::Flow;
use crate::log::{self, Level};
use crate::server::Shared;

/// Serves one connection until it closes, then unregisters the client.
pub async fn serve<S>(shared: Arc<Shared>, mut stream: S, id: u64, handle: Arc<ClientHandle>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut input = RequestReader::new();
    let mut out: Vec<u8> = Vec::new();
    let mut written = 0usize;
    let mut read_more = true;
    loop {
        let mut read = 0usize;
        if read_more {
            tokio::select! {
                result = stream.read(input.spare()) => match result {
                    Ok(0) => {
                        log::log(Level::Verbose, "Client closed connection");
                        break;
                    }
                    Ok(n) => {
                        input.advance(n);
                        read = n;
                    }
                    Err(e) => {
                        log::log(Level::Verbose, &format!("Reading from client: {e}"));
                        break;
                    }
                },
                () = handle.wake.notified() => {}
            }
        }
        if handle.is_killed() {
            break;
        }
        let flow = shared
            .lock()
            .process_input(id, &mut input, &mut out, read, written);
        written = 0;
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                break;
            }
            written = out.len();
            out.clear();
        }
        match flow {
            Flow::Continue => read_more = true,
            Flow::Close => break,
            Flow::Shutdown => {
                shared.shutdown.notify_one();
                break;
            }
            Flow::Paused(until) => {
                // Commands wait until the pause ends or another client lifts it (CLIENT
                // UNPAUSE wakes every client). Input keeps buffering in the socket.
                let wait = u64::try_from((until - unix_ms()).max(1)).unwrap_or(1);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(wait)) => {}
                    () = handle.wake.notified() => {}
                }
                read_more = false;
            }
        }
    }
    let _ = stream.shutdown().await;
    let mut server = shared.lock();
    server.stats.net_output_bytes += written as u64;
    server.unregister_client(id);
}
