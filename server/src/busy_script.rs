//! What a connection does while another connection's script holds the server lock.
//!
//! A busy script leaves the runtime's threads (see `scripting/busy.rs`), so every other
//! connection keeps its task. Until the script passes busy-reply-threshold they wait;
//! after that they answer by themselves, without the lock, as Redis answers from inside
//! its script hook: -BUSY to most commands, SCRIPT KILL and FUNCTION KILL (which ask the
//! hook to stop the script), FUNCTION STATS, SHUTDOWN NOSAVE (which stops the script and
//! then the server) and QUIT. Other commands Redis allows while busy (MULTI, WATCH,
//! HELLO, AUTH, ...) need the server state: they go to the script, which runs them from
//! its Lua hook or its next `redis.call` (`Server::process_while_busy`), as Redis
//! processes events from its hook. So does every command of a client inside MULTI,
//! since Redis queues it or refuses it in a way that spoils the transaction.

use std::sync::atomic::Ordering;
use std::time::Duration;

use scarlet_protocol::{Args, Limits, OwnedArgs, ReplyBuf, RequestReader, Resp};

use crate::client::ClientHandle;
use crate::commands::function::write_function_stats;
use crate::commands::scripting::{BUSY_EVAL, busy_error, kill_reply};
use crate::commands::spec::flag;
use crate::commands::{Lookup, registry};
use crate::connection::{Input, Socket, Written, receive, write_unless_killed};
use crate::scripting::busy::{BusyRequest, ScriptWatch};

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
            Ok(Some(args)) => match answer(watch, args, &mut reply, handle.in_multi()) {
                Answer::Replied => {}
                Answer::Defer => {
                    *deferred = Some(args.to_owned_args());
                    break;
                }
                Answer::RunInScript => {
                    let Some(id) = client else {
                        *deferred = Some(args.to_owned_args());
                        break;
                    };
                    // Replies must keep their order: what is answered so far goes first.
                    let (sender, receiver) = tokio::sync::oneshot::channel();
                    if let Ok(mut inbox) = watch.inbox.lock() {
                        inbox.push(BusyRequest {
                            client: id,
                            args: args.to_owned_args(),
                            reply: sender,
                        });
                    }
                    match await_script_reply(watch, id, receiver).await {
                        Some(bytes) => reply.raw(&bytes),
                        None => {
                            // The script ended before it ran the command: it waits for
                            // the lock like any other.
                            *deferred = Some(args.to_owned_args());
                            break;
                        }
                    }
                }
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

/// Waits for the script's thread to run a [`BusyRequest`]; `None` if the script ended
/// first (the request is then withdrawn).
async fn await_script_reply(
    watch: &ScriptWatch,
    id: u64,
    mut receiver: tokio::sync::oneshot::Receiver<Vec<u8>>,
) -> Option<Vec<u8>> {
    loop {
        tokio::select! {
            received = &mut receiver => return received.ok(),
            () = tokio::time::sleep(Duration::from_millis(5)) => {
                if !watch.is_running() {
                    let withdrawn = watch.inbox.lock().map(|mut inbox| {
                        let before = inbox.len();
                        inbox.retain(|r| r.client != id);
                        inbox.len() != before
                    });
                    if withdrawn.unwrap_or(true) {
                        return None;
                    }
                }
            }
        }
    }
}

enum Answer {
    Replied,
    Defer,
    /// Run by the script's thread (see `BusyRequest`).
    RunInScript,
    Close,
}

fn answer(watch: &ScriptWatch, args: Args<'_>, reply: &mut ReplyBuf, in_multi: bool) -> Answer {
    if in_multi {
        // Inside MULTI Redis queues what it allows while busy and refuses the rest in a
        // way that spoils the transaction: that takes the client's state, which the
        // script holds. QUIT is never queued.
        if args.at(0).eq_ignore_ascii_case(b"quit") {
            reply.ok();
            return Answer::Close;
        }
        return Answer::RunInScript;
    }
    let busy = busy_error(watch);
    let cmd = match registry().lookup(args) {
        Lookup::Found(cmd) => cmd,
        _ => {
            reply.error(busy.as_bytes());
            return Answer::Replied;
        }
    };
    if watch.is_loading() && !cmd.has(flag::LOADING) {
        reply.error(crate::error::CmdError::Loading.wire_text().as_bytes());
        return Answer::Replied;
    }
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
        "shutdown" => {
            reply.error(busy.as_bytes());
            Answer::Replied
        }
        "quit" => {
            reply.ok();
            Answer::Close
        }
        _ if cmd.has(flag::ALLOW_BUSY) => Answer::RunInScript,
        _ => {
            reply.error(busy.as_bytes());
            Answer::Replied
        }
    }
}
