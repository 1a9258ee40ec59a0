//! Running a client's commands: Redis's `processInputBuffer`, `processCommand` and `call`.
//!
//! A connection task hands over everything it read; [`Server::process_input`] parses and
//! runs every complete command under the one lock the task already holds, and leaves the
//! encoded replies for the task to write after it lets go. The checks before a command
//! runs come in Redis's order, because clients observe which error wins.

use std::time::Instant;

use scarlet_protocol::{Args, Limits, RequestReader, Resp};

use crate::client::{Client, ClientKind, ReplyMode};
use crate::clock::unix_ms;
use crate::commands::spec::flag;
use crate::commands::{Command, Ctx, Lookup, may_replicate, registry};
use crate::error::CmdError;
use crate::log::{self, Level};
use crate::server::Server;

/// What the connection task does after a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Write the replies and read more.
    Continue,
    /// Write the replies, then close the connection.
    Close,
    /// Clients are paused: write the replies, then retry at the given unix ms (or when woken).
    Paused(scarlet_storage::Millis),
    /// The server is shutting down: close, and wake the task that finishes the shutdown.
    Shutdown,
    /// The client waits with a blocking command: write the replies, then run the batch
    /// again when woken, at the deadline (unix ms; `None` for none), or when input arrives.
    Blocked(Option<scarlet_storage::Millis>),
    /// The next command runs a script: write the replies, then run the batch again off
    /// the runtime's threads (see `connection.rs`), so that other clients can be told
    /// -BUSY while it runs.
    Script,
}

/// What happened to one command.
pub(crate) enum Outcome {
    Done,
    Paused,
    Blocked,
    /// A script command, left for a batch run off the runtime's threads.
    Offload,
}

impl Server {
    /// Runs every complete command in `input` for client `id`, and swaps the encoded
    /// replies into `out` (which should be empty). `read` and `written` are the bytes the
    /// task moved since the last batch, for INFO's counters.
    pub fn process_input(
        &mut self,
        id: u64,
        input: &mut RequestReader,
        out: &mut Vec<u8>,
        read: usize,
        written: usize,
    ) -> Flow {
        self.stats.net_input_bytes += read as u64;
        self.stats.net_output_bytes += written as u64;
        if read > 0 {
            self.stats.reads_processed += 1;
        }
        if written > 0 {
            self.stats.writes_processed += 1;
        }
        if read == 0
            && input.buffered() == 0
            && let Some(flow) = self.collect_output(id, out)
        {
            return flow;
        }
        let Some(mut client) = self.clients.take(id) else {
            return Flow::Close;
        };
        if read > 0 {
            client.buffers_released = false;
        }
        let flow = self.run_commands(&mut client, input);
        client.query_buffer = input.buffered();
        client.query_buffer_free = input.capacity().saturating_sub(input.buffered());
        client.argv_mem = 0;
        // A client growing its input (a big argument still arriving) is measured here,
        // between commands.
        if !client.handle.is_killed() && self.evict_clients(Some(&client)) {
            client.reply.clear();
            client.handle.kill();
        }
        // After the replies, the replication stream (a client that just became a replica
        // takes its backlog here).
        if client.kind == ClientKind::Replica {
            self.pull_replica_stream(&mut client);
        }
        client.take_output(out);
        let flow = if self.shutdown.is_some() {
            Flow::Shutdown
        } else if client.handle.is_killed() {
            Flow::Close
        } else {
            flow
        };
        if matches!(flow, Flow::Close | Flow::Shutdown) {
            // Gone for the others now, as Redis frees a client right after its last
            // reply: its subscriptions, watches and tracking must not outlive this batch
            // while the task finishes writing.
            self.forget_blocked(&mut client);
            self.forget_client_state(&mut client);
        }
        self.clients.put_back(client);
        // BCAST invalidations go out once per batch, as Redis sends them before sleeping;
        // this client's own come with its next wake-up.
        if self.tracking.total_prefixes() > 0 {
            self.broadcast_invalidations();
        }
        // Before any reply of the batch leaves: with appendfsync always, what was
        // acknowledged is on disk.
        self.flush_aof(false);
        flow
    }

    /// The fast path of a wake-up with no input (a Pub/Sub message, a MONITOR line): the
    /// pending output is handed over and nothing runs. `None` when the client has
    /// something to run (a blocked or postponed command) or is gone.
    fn collect_output(&mut self, id: u64, out: &mut Vec<u8>) -> Option<Flow> {
        let client = self.clients.get_mut(id)?;
        if client.blocked.is_some() || client.postponed.is_some() || client.close_after_reply {
            return None;
        }
        if client.kind == ClientKind::Replica {
            let end = self.replication.offset;
            crate::replication::master::pull_stream_into(
                &mut self.replication.attached,
                end,
                client,
            );
        }
        client.take_output(out);
        Some(if self.shutdown.is_some() {
            Flow::Shutdown
        } else if client.handle.is_killed() {
            Flow::Close
        } else {
            Flow::Continue
        })
    }

    fn run_commands(&mut self, client: &mut Client, input: &mut RequestReader) -> Flow {
        if client.blocked.is_some() && self.expire_block(client, unix_ms()) {
            return self.blocked_flow(client, input);
        }
        if let Some(postponed) = client.postponed.take() {
            match self.process_command(client, postponed.args()) {
                Outcome::Done => {}
                Outcome::Paused => {
                    client.postponed = Some(postponed);
                    return self.paused_flow();
                }
                Outcome::Offload => {
                    client.postponed = Some(postponed);
                    return Flow::Script;
                }
                Outcome::Blocked => return self.blocked_flow(client, input),
            }
        }
        loop {
            if client.close_after_reply || client.handle.is_killed() || self.shutdown.is_some() {
                return Flow::Close;
            }
            let limits = Limits {
                max_bulk_len: self.config.proto_max_bulk_len,
                unauthenticated: self.auth_required_for(client),
                from_master: client.kind == ClientKind::Master,
            };
            let capacity = input.capacity();
            match input.next_command(&limits) {
                Ok(None) => break,
                Ok(Some(args)) => {
                    // While a command runs, CLIENT LIST counts it in the query buffer.
                    client.query_buffer = args.held_bytes();
                    client.query_buffer_free = capacity.saturating_sub(args.held_bytes());
                    let replica_reply_from =
                        (client.kind == ClientKind::Replica).then(|| client.reply.len());
                    let outcome = self.process_command(client, args);
                    if let Some(from) = replica_reply_from
                        && client.reply.len() > from
                    {
                        self.drop_replying_replica(client, from);
                    }
                    match outcome {
                        Outcome::Done => {}
                        Outcome::Paused => {
                            client.postponed = Some(args.to_owned_args());
                            return self.paused_flow();
                        }
                        Outcome::Offload => {
                            client.postponed = Some(args.to_owned_args());
                            return Flow::Script;
                        }
                        Outcome::Blocked => return self.blocked_flow(client, input),
                    }
                }
                Err(e) => {
                    // The message may carry a raw byte from the request ("got 'X'"), so it
                    // goes out as bytes, not as text.
                    if e.replies() {
                        let mut line = b"ERR ".to_vec();
                        line.extend_from_slice(e.message_bytes());
                        self.count_error("ERR");
                        // CLIENT REPLY OFF or SKIP silences this error like any reply.
                        if client.reply_mode == ReplyMode::On {
                            client.reply.error(&line);
                        }
                    }
                    log::log(
                        Level::Verbose,
                        &format!(
                            "Protocol error ({}) from client: {}",
                            e.log_reason(),
                            client.info_line(unix_ms(), "default")
                        ),
                    );
                    client.close_after_reply = true;
                    return Flow::Close;
                }
            }
        }
        if input.buffered() as u64 > self.config.client_query_buffer_limit {
            log::log(
                Level::Warning,
                &format!(
                    "Closing client that reached max query buffer length: {}",
                    client.info_line(unix_ms(), "default"),
                ),
            );
            return Flow::Close;
        }
        if client.close_after_reply {
            Flow::Close
        } else {
            Flow::Continue
        }
    }

    fn paused_flow(&self) -> Flow {
        let now = unix_ms();
        Flow::Paused(self.current_pause(now).map_or(0, |p| p.until))
    }

    /// A blocked client runs no input, but input that piles up meanwhile still counts
    /// against the query buffer limit.
    fn blocked_flow(&self, client: &Client, input: &RequestReader) -> Flow {
        if input.buffered() as u64 > self.config.client_query_buffer_limit {
            return Flow::Close;
        }
        Flow::Blocked(client.blocked.as_ref().and_then(|b| b.deadline))
    }

    /// Checks one request and runs it, then applies CLIENT REPLY to what it wrote: like
    /// Redis's reply flags, the mode applies to every processed command, refused or run.
    pub(crate) fn process_command(&mut self, client: &mut Client, args: Args<'_>) -> Outcome {
        let reply_start = client.reply.len();
        let entered = self.enter(client);
        let outcome = self.check_and_call(client, args);
        if let Outcome::Done = outcome {
            apply_reply_mode(client, reply_start);
        }
        self.leave(client, reply_start, entered);
        // What a connection task reads while a script is busy (`busy_script.rs`).
        client.handle.set_in_multi(client.multi.is_some());
        // Redis checks the output buffer limits as replies are added; a client over them
        // is closed before anything else of its input runs.
        crate::pubsub::enforce_output_limit(client, &self.config);
        if self.waiters.any_ready() {
            self.serve_ready_keys(unix_ms());
        }
        outcome
    }

    /// Redis's `processCommand`: the checks in Redis's order, then the command.
    fn check_and_call(&mut self, client: &mut Client, args: Args<'_>) -> Outcome {
        let now = unix_ms();
        client.last_interaction = now;
        let name = args.at(0);
        // Browsers sending HTTP to the Redis port: a cross-protocol attack, so drop the
        // connection without a reply, as Redis does. Redis frees such a client before
        // writing anything, so the replies to earlier commands of the batch go too.
        if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
            // At most once a minute, as Redis, so an attack cannot flood the log.
            if now - self.last_security_warning > 60_000 {
                self.last_security_warning = now;
                log::log(
                    Level::Warning,
                    "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.",
                );
            }
            client.reply.clear();
            client.handle.kill();
            return Outcome::Done;
        }
        let Some(cmd) = self.find_command(client, args) else {
            return Outcome::Done;
        };
        // Clients that take too much memory go first (Redis's evictClients), this one
        // included: then nothing runs and nothing is sent.
        if self.evict_clients(Some(client)) {
            client.reply.clear();
            client.handle.kill();
            return Outcome::Done;
        }
        if self.config.maxmemory > 0 && self.refuse_on_oom(client, cmd) {
            self.reject(client, Some(cmd), CmdError::Oom.wire_text().as_bytes());
            return Outcome::Done;
        }
        if self.tracking.clients > 0 {
            self.tracking_limit_keys();
        }
        // After a failed background save or AOF write, writes (and PING, as Redis) are
        // refused until it works again (stop-writes-on-bgsave-error; the AOF always).
        if let Some(refusal) = self.disk_error()
            && (cmd.full_name == "ping" || is_write_command(client, cmd))
        {
            self.reject(client, Some(cmd), refusal.wire_text().as_bytes());
            return Outcome::Done;
        }
        if is_write_command(client, cmd) && self.too_few_good_replicas() {
            self.reject(
                client,
                Some(cmd),
                CmdError::NoReplicas.wire_text().as_bytes(),
            );
            return Outcome::Done;
        }
        if let Some(line) = self.read_only_replica_refusal(client, cmd) {
            self.reject(client, Some(cmd), line.as_bytes());
            return Outcome::Done;
        }
        if client.resp() == Resp::Resp2
            && client.kind == ClientKind::Pubsub
            && !ALLOWED_IN_PUBSUB.contains(&cmd.full_name)
        {
            let line = format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                cmd.full_name
            );
            self.reject(client, Some(cmd), line.as_bytes());
            return Outcome::Done;
        }
        // Replicas (and monitors, which are replicas to Redis) may not touch the keyspace:
        // replicas are exempt from pauses, which this would let them get around.
        if (client.monitor || client.kind == ClientKind::Replica)
            && cmd.has(flag::READONLY | flag::WRITE | flag::MAY_REPLICATE)
        {
            self.reject(
                client,
                Some(cmd),
                b"ERR Replica can't interact with the keyspace",
            );
            return Outcome::Done;
        }
        if let Some(line) = self.stale_replica_refusal(client, cmd) {
            self.reject(client, Some(cmd), line.as_bytes());
            return Outcome::Done;
        }
        if self.refuse_while_loading(client, cmd) {
            return Outcome::Done;
        }
        if self.is_paused_for(client, cmd, now) {
            return Outcome::Paused;
        }
        if client.multi.is_some() && !RUN_INSIDE_MULTI.contains(&cmd.full_name) {
            self.queue_in_transaction(client, cmd, args);
            return Outcome::Done;
        }
        if self.scripting.offload_debugging
            && !self.scripting.on_script_thread
            && client.lua_debug.is_some()
            && (runs_script(cmd) || cmd.full_name == "exec")
        {
            return Outcome::Offload;
        }
        self.call(client, cmd, args, now);
        if self.park_if_requested(client, cmd, args) {
            return Outcome::Blocked;
        }
        Outcome::Done
    }

    /// The first checks of Redis's `processCommand`: the command exists, with its arity,
    /// and this client may run it (DEBUG's protection, authentication, MULTI). `None`
    /// when refused (the client has the error).
    fn find_command(&mut self, client: &mut Client, args: Args<'_>) -> Option<&'static Command> {
        let cmd = match registry().lookup(args) {
            Lookup::Found(cmd) => cmd,
            Lookup::Unknown => {
                let line = unknown_command_error(args);
                self.reject(client, None, &line);
                return None;
            }
            Lookup::UnknownSubcommand(container) => {
                let mut line = b"ERR unknown subcommand '".to_vec();
                line.extend_from_slice(c_string_prefix(args.at(1), 128));
                line.extend_from_slice(
                    format!("'. Try {} HELP.", container.full_name.to_ascii_uppercase()).as_bytes(),
                );
                self.reject(client, None, &line);
                return None;
            }
        };
        // Redis records the command as soon as it is found, so a client held by CLIENT
        // PAUSE shows it in CLIENT LIST.
        client.last_command = cmd.full_name;
        let refusal: Option<Vec<u8>> = if !cmd.spec.arity_ok(args.len()) {
            Some(
                CmdError::WrongArity(cmd.full_name.to_string())
                    .wire_text()
                    .into_owned()
                    .into_bytes(),
            )
        } else if cmd.has(flag::PROTECTED) && !self.debug_allowed(client) {
            Some(b"ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.".to_vec())
        } else if self.auth_required_for(client) && !cmd.has(flag::NO_AUTH) {
            Some(CmdError::NoAuth.wire_text().into_owned().into_bytes())
        } else if client.multi.is_some() && cmd.has(flag::NO_MULTI) {
            Some(b"ERR Command not allowed inside a transaction".to_vec())
        } else {
            None
        };
        match refusal {
            Some(line) => {
                self.reject(client, Some(cmd), &line);
                None
            }
            None => Some(cmd),
        }
    }

    /// A command another connection handed a busy script, run from the script's hook or
    /// its next `redis.call` (Redis's `processCommand` from `processEventsWhileBlocked`):
    /// checked as any, refused with -LOADING or -BUSY unless Redis allows it then (inside
    /// MULTI the refusal spoils the transaction, and a refused EXEC discards it), queued
    /// inside MULTI, else run; CLIENT REPLY applies as to any command. Nothing else
    /// happens meanwhile: no evictions, no blocked clients served, as the script is not
    /// over.
    pub(crate) fn process_while_busy(
        &mut self,
        client: &mut Client,
        args: Args<'_>,
        now: scarlet_storage::Millis,
    ) {
        let reply_start = client.reply.len();
        let entered = self.enter(client);
        if let Some(cmd) = self.find_command(client, args)
            && !self.refuse_while_loading(client, cmd)
        {
            if self.scripting.watch.is_busy() && !cmd.has(flag::ALLOW_BUSY) {
                let busy = crate::commands::scripting::busy_error(&self.scripting.watch);
                self.reject(client, Some(cmd), busy.as_bytes());
            } else if client.multi.is_some() && !RUN_INSIDE_MULTI.contains(&cmd.full_name) {
                self.queue_in_transaction(client, cmd, args);
            } else {
                self.call(client, cmd, args, now);
            }
        }
        apply_reply_mode(client, reply_start);
        self.leave(client, reply_start, entered);
        client.handle.set_in_multi(client.multi.is_some());
    }

    /// The loading step of Redis's `processCommand`: while a dataset loads, commands
    /// not flagged for it are refused -LOADING. True when refused.
    fn refuse_while_loading(&mut self, client: &mut Client, cmd: &'static Command) -> bool {
        let refused = self.persistence.loading.is_some()
            && denied_while_loading(client, cmd, self.replication.async_loading);
        if refused {
            self.reject(client, Some(cmd), CmdError::Loading.wire_text().as_bytes());
        }
        refused
    }

    /// The maxmemory step of Redis's `processCommand`: evicts what the policy allows, then
    /// tells whether the command must be refused with -OOM: over the limit with nothing
    /// left to evict, and the command may add memory (a `denyoom` command, an EXEC of
    /// one, or anything queued inside MULTI, since queueing itself takes memory).
    fn refuse_on_oom(&mut self, client: &Client, cmd: &Command) -> bool {
        let evicted_before = self.stats.evicted_keys;
        let out_of_memory = self.perform_evictions() == crate::evict::Eviction::Fail;
        // Evictions may have noted invalidations for keys this command will touch: they
        // must reach their clients before the command's own (Redis's
        // trackingHandlePendingKeyInvalidations).
        if self.stats.evicted_keys != evicted_before && self.tracking.total_prefixes() > 0 {
            self.broadcast_invalidations();
        }
        if !out_of_memory {
            return false;
        }
        let queued_denyoom = cmd.full_name == "exec"
            && client
                .multi
                .as_ref()
                .is_some_and(|m| m.flags & flag::DENYOOM != 0);
        let queueing = client.multi.is_some()
            && !matches!(cmd.full_name, "exec" | "discard" | "quit" | "reset");
        cmd.has(flag::DENYOOM) || queued_denyoom || queueing
    }

    /// Whether this client must authenticate before running commands (Redis's
    /// `authRequired`): it has not, and the default user has a password now. A connection
    /// made while a password was set may run commands once the password is removed.
    fn auth_required_for(&self, client: &Client) -> bool {
        !client.authenticated && self.auth_required()
    }

    /// Whether DEBUG may run for this client (enable-debug-command no / yes / local).
    fn debug_allowed(&self, client: &Client) -> bool {
        self.config
            .enable_debug_command
            .allows(client.peer.is_local())
    }

    /// CLIENT PAUSE: whether this command must wait. Pauses that have ended are cleared here.
    fn is_paused_for(
        &mut self,
        client: &Client,
        cmd: &Command,
        now: scarlet_storage::Millis,
    ) -> bool {
        if self.pause.is_some_and(|p| p.until <= now) {
            self.pause = None;
        }
        let Some(pause) = self.current_pause(now) else {
            return false;
        };
        if client.kind == ClientKind::Replica {
            return false;
        }
        // EXEC counts as a write when it would run one.
        let exec_writes = cmd.full_name == "exec"
            && client
                .multi
                .as_ref()
                .is_some_and(|m| m.flags & (flag::WRITE | flag::MAY_REPLICATE) != 0);
        !pause.writes_only || may_replicate(cmd) || exec_writes
    }

    /// Queues a command between MULTI and EXEC (Redis's `queueMultiCommand`): a
    /// transaction that will fail anyway keeps nothing.
    fn queue_in_transaction(&mut self, client: &mut Client, cmd: &'static Command, args: Args<'_>) {
        let spoiled = self.watches.is_dirty(client.id);
        if let Some(multi) = client.multi.as_mut()
            && !multi.dirty_exec
            && !spoiled
        {
            // A script counts with the flags it declares (a write script makes EXEC a
            // write on a read-only replica).
            let flags = self.scripting.command_flags(cmd.full_name, cmd.flags, args);
            multi.flags |= flags;
            multi.flags_missing |= !flags;
            multi.argv_bytes += args.iter().map(<[u8]>::len).sum::<usize>();
            multi.queued.push((cmd, args.to_owned_args()));
        }
        client.reply.simple(b"QUEUED");
    }

    /// Runs a command that passed the checks: Redis's `call`. EXEC calls it for each
    /// queued command.
    pub(crate) fn call(
        &mut self,
        client: &mut Client,
        cmd: &'static Command,
        args: Args<'_>,
        now: i64,
    ) {
        // Errors are the innermost call's: a command inside EXEC that fails is a failed
        // call of its own, not of EXEC (Redis's `incrCommandStatsOnError`).
        self.error_mark = self.stats.total_error_replies;
        client.argv_mem = args.iter().map(<[u8]>::len).sum();
        self.no_touch_command = client.no_touch && cmd.full_name != "touch";
        let started = Instant::now();
        let propagation_mark = self.begin_call_propagation(client);
        let result = match cmd.spec.handler {
            Some(handler) => {
                let mut ctx = Ctx {
                    server: self,
                    client,
                    now,
                    command: cmd,
                };
                handler(&mut ctx, args)
            }
            // A container without a subcommand: the arity check stops it first, so this is
            // only reachable through a table mistake the registry test catches.
            None => Err(CmdError::WrongArity(cmd.full_name.to_string())),
        };
        if let Err(e) = result {
            client.block_request = None;
            self.reply_error(client, &e.wire_text());
        }
        self.flush_key_events();
        self.feed_monitors(client, cmd, args);
        let usec = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let track_latency = self.config.latency_tracking;
        if let Some(stats) = self.command_stats.get_mut(cmd.id) {
            stats.calls += 1;
            stats.usec = stats.usec.saturating_add(usec);
            // Recorded in whole microseconds, as Redis records its ustime() differences; a
            // command that blocked is recorded when it completes.
            if track_latency && client.block_request.is_none() {
                stats
                    .latency
                    .get_or_insert_with(Box::default)
                    .record(usec.saturating_mul(1000));
            }
            if self.stats.total_error_replies > self.error_mark {
                stats.failed_calls += 1;
            }
        }
        self.error_mark = self.stats.total_error_replies;
        self.stats.commands_processed += 1;
        // Propagated before the tracking invalidations go out, as Redis's afterCommand.
        self.end_call_propagation(client, cmd, args, propagation_mark);
        self.after_call_tracking(client, cmd, args);
    }

    /// What client-side caching does after a command: a read-only command's keys are
    /// remembered for a tracking client; CLIENT CACHING lasts one command (or one
    /// transaction).
    fn after_call_tracking(&mut self, client: &mut Client, cmd: &'static Command, args: Args<'_>) {
        // A script's read counts for the script's caller (see `run_script`).
        if client.is_script() && cmd.has(flag::READONLY) {
            self.scripting.ran_read = true;
        }
        if client.tracking.is_none() {
            return;
        }
        // The *_RO script commands are read-only, but track only what their script reads.
        let read_only_script = matches!(cmd.full_name, "eval_ro" | "evalsha_ro" | "fcall_ro");
        if cmd.has(flag::READONLY) && !cmd.has(flag::PUBSUB) && !read_only_script {
            let keys: Vec<&[u8]> = crate::commands::keys_of(cmd.spec, args)
                .unwrap_or_default()
                .iter()
                .filter_map(|k| args.get(k.pos))
                .collect();
            if !keys.is_empty() {
                self.tracking_remember_keys(client, &keys);
            }
        }
        let is_client_command = cmd.full_name.starts_with("client|");
        if client.multi.is_none()
            && !is_client_command
            && let Some(t) = client.tracking.as_mut()
        {
            t.caching = false;
        }
    }

    /// Refuses a command before it runs: an error reply, and `rejected_calls` for a known
    /// command. Inside MULTI, the transaction is then doomed (EXECABORT).
    ///
    /// The line is bytes: it may quote the client's arguments, which Redis echoes as they
    /// came (the reply buffer turns CR and LF into spaces).
    fn reject(&mut self, client: &mut Client, cmd: Option<&Command>, line: &[u8]) {
        // A refused EXEC discards its transaction (Redis's execCommandAbort).
        if cmd.is_some_and(|c| c.full_name == "exec") && client.multi.take().is_some() {
            self.watches.unwatch_all(client.id);
            let mut text = b"EXECABORT Transaction discarded because of: ".to_vec();
            text.extend_from_slice(line.strip_prefix(b"-").unwrap_or(line));
            self.count_error(&String::from_utf8_lossy(&text));
            client.reply.error(&text);
            if let Some(stats) = cmd.and_then(|c| self.command_stats.get_mut(c.id)) {
                stats.rejected_calls += 1;
            }
            return;
        }
        if let Some(multi) = client.multi.as_mut() {
            multi.dirty_exec = true;
        }
        self.count_error(&String::from_utf8_lossy(line));
        client.reply.error(line);
        if let Some(stats) = cmd.and_then(|c| self.command_stats.get_mut(c.id)) {
            stats.rejected_calls += 1;
        }
    }

    /// A replica's link carries the stream only: a command of a replica that produced a
    /// reply (a rogue replica, or a client that sent more after SYNC) gets the reply
    /// withheld and the link closed, errors logged as Redis does.
    fn drop_replying_replica(&mut self, client: &mut Client, from: usize) {
        let reply = client.reply.as_bytes().get(from..).unwrap_or_default();
        // The command's reply is an error when it starts as one.
        if let Some(error) = reply.strip_prefix(b"-") {
            let error = error.split(|&b| b == b'\r').next().unwrap_or_default();
            self.log_error_on_link("master", "replica", error, client.last_command);
        }
        log::log(
            Level::Warning,
            &format!(
                "Replica generated a reply to command '{}', disconnecting it: {}",
                client.last_command,
                client.info_line(unix_ms(), "default")
            ),
        );
        client.reply.truncate(from);
        client.handle.kill();
    }

    /// Writes an error reply to `client` and counts it (unless replies are off).
    pub fn reply_error(&mut self, client: &mut Client, line: &str) {
        self.count_error(line);
        client.reply.error(line.as_bytes());
    }
}

/// Redis's `is_write_command`: a write, or an EXEC whose transaction holds one.
fn is_write_command(client: &Client, cmd: &Command) -> bool {
    cmd.has(flag::WRITE)
        || (cmd.full_name == "exec"
            && client
                .multi
                .as_ref()
                .is_some_and(|m| m.flags & flag::WRITE != 0))
}

/// Whether the command must wait for the dataset: it lacks the `loading` flag, or it is
/// an EXEC whose transaction holds such a command. During a replica's asynchronous load
/// the old dataset serves everything but `no-async-loading` commands (and EXECs of them).
fn denied_while_loading(client: &Client, cmd: &Command, async_loading: bool) -> bool {
    if async_loading {
        if cmd.full_name == "exec" {
            return client
                .multi
                .as_ref()
                .is_some_and(|m| m.flags & flag::NO_ASYNC_LOADING != 0);
        }
        return cmd.has(flag::NO_ASYNC_LOADING);
    }
    if cmd.full_name == "exec" {
        return client
            .multi
            .as_ref()
            .is_some_and(|m| m.flags_missing & flag::LOADING != 0);
    }
    !cmd.has(flag::LOADING)
}

/// What a RESP2 client in Pub/Sub mode may run.
const ALLOWED_IN_PUBSUB: &[&str] = &[
    "ping",
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "quit",
    "reset",
];

/// Whether the command runs a Lua script, which a debugging session may follow.
fn runs_script(cmd: &Command) -> bool {
    matches!(
        cmd.full_name,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    )
}

/// What runs at once between MULTI and EXEC instead of being queued.
const RUN_INSIDE_MULTI: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

/// Drops what a command wrote after `reply_start` when CLIENT REPLY says so, and moves a
/// SKIP on by one command.
fn apply_reply_mode(client: &mut Client, reply_start: usize) {
    match client.reply_mode {
        ReplyMode::On => {}
        ReplyMode::Off => client.reply.truncate(reply_start),
        ReplyMode::Skip => {
            client.reply.truncate(reply_start);
            client.reply_mode = ReplyMode::On;
        }
        // Set by CLIENT REPLY SKIP itself: that command sends nothing, the next one is
        // skipped.
        ReplyMode::SkipNext => {
            client.reply.truncate(reply_start);
            client.reply_mode = ReplyMode::Skip;
        }
    }
}

/// "unknown command" with the first arguments, as Redis formats it: each argument quoted
/// and cut at 128 bytes overall (and, like C strings, at a NUL byte), bytes as they came.
fn unknown_command_error(args: Args<'_>) -> Vec<u8> {
    let mut listed: Vec<u8> = Vec::new();
    for arg in args.iter().skip(1) {
        if listed.len() >= 128 {
            break;
        }
        let room = 128 - listed.len();
        listed.push(b'\'');
        listed.extend_from_slice(c_string_prefix(arg, room));
        listed.extend_from_slice(b"' ");
    }
    let mut line = b"ERR unknown command '".to_vec();
    line.extend_from_slice(c_string_prefix(args.at(0), 128));
    line.extend_from_slice(b"', with args beginning with: ");
    line.extend_from_slice(&listed);
    line
}

/// At most `max` bytes of `arg`, stopping at a NUL as C's `%.*s` does.
fn c_string_prefix(arg: &[u8], max: usize) -> &[u8] {
    let end = arg
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(arg.len())
        .min(max);
    arg.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scarlet_protocol::OwnedArgs;

    #[test]
    fn unknown_command_text() {
        let args: OwnedArgs = ["foo", "bar", "baz"].into_iter().collect();
        assert_eq!(
            unknown_command_error(args.args()),
            b"ERR unknown command 'foo', with args beginning with: 'bar' 'baz' "
        );
        let args: OwnedArgs = ["foo"].into_iter().collect();
        assert_eq!(
            unknown_command_error(args.args()),
            b"ERR unknown command 'foo', with args beginning with: "
        );
        let long = "x".repeat(200);
        let args: OwnedArgs = ["f", long.as_str(), "y"].into_iter().collect();
        let text = unknown_command_error(args.args());
        assert!(text.ends_with(format!("'{}' ", "x".repeat(128)).as_bytes()));
    }
}
