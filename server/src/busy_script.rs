//! What a connection does while another connection's script holds the server lock.
//!
//! A busy script leaves the runtime's threads (see `scripting/busy.rs`), so every other
//! connection keeps its task. Until the script passes busy-reply-threshold they wait;
//! after that a few commands are answered here, without the lock, as they must work
//! however the script is doing: SCRIPT KILL and FUNCTION KILL (which ask the hook to
//! stop the script), FUNCTION STATS, SHUTDOWN (NOSAVE stops the script and then the
//! server) and QUIT. Every other command goes to the script, which runs it from its Lua
//! hook or its next `redis.call` (`Server::process_while_busy`), as Redis processes
//! events from its hook: so unknown commands, arity, NOAUTH, CLIENT REPLY, MULTI and
//! the error stats are Redis's own, and -BUSY comes where Redis says it. A connection
//! accepted meanwhile is registered by the script too (`admit_through_script`).

use std::sync::atomic::Ordering;
use std::time::Duration;

use scarlet_protocol::{Args, Limits, OwnedArgs, ReplyBuf, RequestReader, Resp};

use crate::client::{ClientHandle, Peer};
use crate::commands::function::write_function_stats;
use crate::commands::scripting::{BUSY_EVAL, busy_error, kill_reply};
use crate::commands::{Lookup, registry};
use crate::connection::{Input, Socket, Written, receive, write_unless_killed};
use crate::scripting::busy::{Admitted, BusyAdmission, BusyRequest, ScriptWatch};

/// What the connection does next.
pub enum BusyStep {
    /// Try the lock again.
    Retry,
    /// The connection is over.
    Closed,
}

/// How long to wait between looks at the lock.
const POLL: Duration = Duration::from_millis(1);

/// One round of waiting for the lock: answers what can be answered while a script is
/// busy. `deferred` receives a command that must wait for the lock; once set, nothing
/// more is read until the batch runs.
pub async fn step<S: Socket>(
    watch: &ScriptWatch,
    stream: &mut S,
    input: &mut RequestReader,
    handle: &ClientHandle,
    deferred: &mut Option<OwnedArgs>,
    client: Option<u64>,
) -> BusyStep {
    if !watch.is_busy() || deferred.is_some() {
        // The script batch usually ends within microseconds: wait for it to say so
        // (the poll stays as a fallback for a release just missed).
        tokio::select! {
            () = watch.released.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
        return BusyStep::Retry;
    }
    let mut reply = ReplyBuf::new(Resp::Resp2);
    let mut close = false;
    let limits = Limits {
        max_bulk_len: 512 * 1024 * 1024,
        unauthenticated: false,
        from_master: false,
    };
    loop {
        match input.next_command(&limits) {
            Ok(Some(args)) => match answer(watch, args, &mut reply, handle.in_multi(), client) {
                Answer::Replied => {}
                Answer::Defer => {
                    *deferred = Some(args.to_owned_args());
                    break;
                }
                Answer::RunInScript(id) => match run_in_script(watch, id, args).await {
                    Some(bytes) => reply.raw(&bytes),
                    None => {
                        // The script ended before it ran the command: it waits for the
                        // lock like any other.
                        *deferred = Some(args.to_owned_args());
                        break;
                    }
                },
                Answer::Close => {
                    close = true;
                    break;
                }
            },
            Ok(None) => break,
            Err(_) => {
                close = true;
                break;
            }
        }
    }
    if !reply.is_empty()
        && let Written::Failed = write_unless_killed(stream, reply.as_bytes(), handle).await
    {
        return BusyStep::Closed;
    }
    if close || handle.is_killed() {
        return BusyStep::Closed;
    }
    if deferred.is_some() {
        return BusyStep::Retry;
    }
    tokio::select! {
        biased;
        received = receive(stream, input, handle) => {
            if let Input::Closed = received {
                return BusyStep::Closed;
            }
        }
        () = tokio::time::sleep(POLL) => {}
    }
    BusyStep::Retry
}

/// Hands a command to the script's thread and waits for its reply (see
/// [`BusyRequest`]); `None` if the script ended first (the request is then withdrawn).
/// Replies keep their order: the caller sends nothing else meanwhile.
async fn run_in_script(watch: &ScriptWatch, id: u64, args: Args<'_>) -> Option<Vec<u8>> {
    let (reply, receiver) = tokio::sync::oneshot::channel();
    if let Ok(mut inbox) = watch.inbox.lock() {
        inbox.push(BusyRequest {
            client: id,
            args: args.to_owned_args(),
            reply,
        });
    }
    await_script(watch, receiver, || {
        watch.inbox.lock().map(|mut inbox| {
            let before = inbox.len();
            inbox.retain(|r| r.client != id);
            inbox.len() != before
        })
    })
    .await
}

/// Registers a connection accepted while a script is busy, through the script (see
/// [`BusyAdmission`]); `None` if the script ended first (the connection then waits for
/// the lock).
pub async fn admit_through_script(watch: &ScriptWatch, peer: &Peer) -> Option<Admitted> {
    let (admitted, receiver) = tokio::sync::oneshot::channel();
    if let Ok(mut waiting) = watch.admissions.lock() {
        waiting.push(BusyAdmission {
            peer: peer.clone(),
            admitted,
        });
    }
    // The descriptor is this connection's while it is open: it tells its admission apart.
    await_script(watch, receiver, || {
        watch.admissions.lock().map(|mut waiting| {
            let before = waiting.len();
            waiting.retain(|a| a.peer.fd != peer.fd);
            waiting.len() != before
        })
    })
    .await
}

/// Waits for what the script's thread sends back; once the script is over, `withdraw`
/// takes the request back, and `None` says it was never served. A request the script
/// took just before it ended is still answered.
async fn await_script<T, E>(
    watch: &ScriptWatch,
    mut receiver: tokio::sync::oneshot::Receiver<T>,
    withdraw: impl Fn() -> Result<bool, E>,
) -> Option<T> {
    loop {
        tokio::select! {
            received = &mut receiver => return received.ok(),
            () = tokio::time::sleep(Duration::from_millis(5)) => {
                if !watch.is_running() && withdraw().unwrap_or(true) {
                    return None;
                }
            }
        }
    }
}

enum Answer {
    Replied,
    Defer,
    /// Run by the script's thread for this client (see `BusyRequest`).
    RunInScript(u64),
    Close,
}

/// What to do with one command; `client` is `None` for a connection not registered yet.
fn answer(
    watch: &ScriptWatch,
    args: Args<'_>,
    reply: &mut ReplyBuf,
    in_multi: bool,
    client: Option<u64>,
) -> Answer {
    // Never queued, even inside MULTI.
    if args.at(0).eq_ignore_ascii_case(b"quit") {
        reply.ok();
        return Answer::Close;
    }
    // Everything but the few commands answered here goes through Redis's checks, by the
    // script: unknown commands, arity, NOAUTH and CLIENT REPLY come out as Redis's, and
    // the refusals count in the error stats. Inside MULTI that is everything, as Redis
    // queues what it allows while busy and refuses the rest in a way that spoils the
    // transaction, which takes the client's state.
    let by_the_script = |reply: &mut ReplyBuf| match client {
        Some(id) => Answer::RunInScript(id),
        None if watch.is_loading() => {
            reply.error(crate::error::CmdError::Loading.wire_text().as_bytes());
            Answer::Replied
        }
        None => {
            reply.error(busy_error(watch).as_bytes());
            Answer::Replied
        }
    };
    if in_multi {
        return by_the_script(reply);
    }
    let Lookup::Found(cmd) = registry().lookup(args) else {
        return by_the_script(reply);
    };
    match cmd.full_name {
        "script|kill" | "function|kill" => {
            let is_eval = cmd.full_name == "script|kill";
            match kill_reply(watch.kill(is_eval), is_eval) {
                Ok(()) => reply.ok(),
                Err(line) => reply.error(line.as_bytes()),
            }
            Answer::Replied
        }
        "function|stats" => {
            if watch.is_eval() {
                reply.error(BUSY_EVAL.as_bytes());
            } else {
                let running = watch.running_info();
                let duration = watch.duration_ms();
                write_function_stats(
                    reply,
                    running
                        .as_ref()
                        .map(|r| (r.name.as_str(), r.command.args(), duration)),
                    watch.library_count.load(Ordering::Relaxed),
                    watch.function_count.load(Ordering::Relaxed),
                );
            }
            Answer::Replied
        }
        "shutdown"
            if args
                .iter()
                .skip(1)
                .any(|a| a.eq_ignore_ascii_case(b"nosave")) =>
        {
            watch.request_shutdown();
            Answer::Defer
        }
        // Redis's SHUTDOWN refuses by itself without NOSAVE.
        "shutdown" => {
            reply.error(busy_error(watch).as_bytes());
            Answer::Replied
        }
        _ => by_the_script(reply),
    }
}
