//! Command propagation: the stream of writes the AOF and replicas receive, as Redis's
//! `call`, `alsoPropagate` and `propagatePendingCommands` produce it.
//!
//! A command that changed the dataset (the `dirty` counter moved) is propagated as it
//! came, unless its handler asked for something else: a rewritten argument vector
//! ([`CallPropagation::argv`], e.g. EXPIRE as PEXPIREAT), no propagation at all, or
//! propagation regardless of changes (FLUSHALL on an empty server, PUBLISH to replicas).
//! Handlers may also add commands of their own ([`Server::also_propagate`]), and keys
//! deleted because they expired or were evicted are propagated as DEL or UNLINK.
//!
//! Everything a top-level call produces, including the commands EXEC and scripts run
//! through nested calls, is collected and sent when the top-level call ends: wrapped in
//! MULTI/EXEC when there is more than one, as Redis 7.0 does, so a transaction or a
//! script stays atomic on the other side. Active expiry and eviction send theirs one by
//! one. This module only decides what is propagated; the AOF (`persistence::aof`) and
//! replicas (`replication::master`) are where it goes, each destination adding the
//! SELECTs its own stream needs.

use scarlet_protocol::{Args, OwnedArgs};

use crate::client::Client;
use crate::commands::Command;
use crate::commands::spec::flag;
use crate::server::Server;

/// Where a propagated command goes (Redis's PROPAGATE_* flags).
pub mod target {
    /// The append-only file.
    pub const AOF: u8 = 1;
    /// Replicas.
    pub const REPL: u8 = 2;
    /// Both.
    pub const ALL: u8 = AOF | REPL;
}

/// One command waiting to be propagated.
#[derive(Debug)]
pub struct PropagatedOp {
    /// The database it applies to.
    pub db: usize,
    /// The command as the other side runs it.
    pub argv: OwnedArgs,
    /// `target::*` bits.
    pub target: u8,
}

/// What the running command asked about its own propagation (Redis's
/// `CLIENT_FORCE_*` / `CLIENT_PREVENT_*` flags and rewritten argv). Each call starts
/// with a fresh one and puts the caller's back afterwards, since calls nest.
#[derive(Debug, Default)]
pub struct CallPropagation {
    /// Propagate this instead of the command as it came.
    pub argv: Option<OwnedArgs>,
    /// Targets the command must not be propagated to.
    pub prevent: u8,
    /// Targets the command is propagated to even when it changed nothing.
    pub force: u8,
}

/// The server's propagation state.
#[derive(Debug)]
pub struct Propagation {
    /// Collected during the current top-level call.
    pending: Vec<PropagatedOp>,
    /// How deep the running `call` is (EXEC and scripts nest).
    depth: u32,
    /// Targets the next call may propagate to: a script's `redis.set_repl` narrows them
    /// for the commands it runs.
    pub next_call_targets: u8,
}

impl Default for Propagation {
    fn default() -> Self {
        Propagation {
            pending: Vec::new(),
            depth: 0,
            next_call_targets: target::ALL,
        }
    }
}

/// A command's state before it ran, for [`Server::end_call_propagation`].
pub struct CallMark {
    dirty: u64,
    saved: CallPropagation,
    targets: u8,
}

impl Server {
    /// Whether anything listens on `target` (Redis's `shouldPropagate`): collecting
    /// commands nobody receives would only cost time.
    pub fn propagation_wanted(&self, target: u8) -> bool {
        (target & target::AOF != 0 && self.aof_accepts_commands())
            || (target & target::REPL != 0 && self.master_stream_wanted())
    }

    /// Adds a command to what the running command propagates (Redis's `alsoPropagate`).
    pub fn also_propagate<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A], target: u8) {
        if !self.propagation_wanted(target) {
            return;
        }
        let argv: OwnedArgs = argv.iter().collect();
        self.propagation
            .pending
            .push(PropagatedOp { db, argv, target });
    }

    /// The deletion of a key that expired or was evicted: DEL, or UNLINK when the key
    /// was freed lazily (Redis's `propagateDeletion`).
    pub fn propagate_deletion(&mut self, db: usize, key: &[u8], lazy: bool) {
        let name: &[u8] = if lazy { b"UNLINK" } else { b"DEL" };
        self.also_propagate(db, &[name, key], target::ALL);
    }

    /// Called as a command starts: the caller's propagation requests are set aside.
    pub fn begin_call_propagation(&mut self, client: &mut Client) -> CallMark {
        self.propagation.depth += 1;
        CallMark {
            dirty: self.dirty,
            saved: std::mem::take(&mut client.propagation),
            targets: std::mem::replace(&mut self.propagation.next_call_targets, target::ALL),
        }
    }

    /// Called as a command ends: queues it as Redis's `call` does when it changed the
    /// dataset or asked to be propagated, then, at the top level, sends everything.
    pub fn end_call_propagation(
        &mut self,
        client: &mut Client,
        cmd: &'static Command,
        args: Args<'_>,
        mark: CallMark,
    ) {
        self.propagation.depth = self.propagation.depth.saturating_sub(1);
        let asked = std::mem::replace(&mut client.propagation, mark.saved);
        // EXEC itself never goes out: its commands do, wrapped when there are several.
        if cmd.full_name != "exec" {
            let mut to = asked.force;
            if self.dirty > mark.dirty {
                to |= target::ALL;
            }
            to &= !asked.prevent & mark.targets;
            if to != 0 && self.propagation_wanted(to) {
                let argv = asked.argv.unwrap_or_else(|| args.to_owned_args());
                self.propagation.pending.push(PropagatedOp {
                    db: client.db,
                    argv,
                    target: to,
                });
            }
        }
        if self.propagation.depth == 0 {
            // A command that may expire arbitrary keys (RANDOMKEY, SCAN) run directly
            // sends their deletions one by one, as active expiry does.
            let wrap = !cmd.has(flag::TOUCHES_ARBITRARY_KEYS);
            let offset = self.replication.offset;
            self.propagate_pending(wrap);
            if self.replication.offset != offset {
                client.woff = self.replication.offset;
            }
        }
    }

    /// Runs `work`, which deletes keys on its own account (eviction, active expiry), and
    /// sends what it propagated one command at a time (Redis's `propagate_no_multi`).
    /// Commands the running command collected before stay pending, in their order.
    pub fn propagating_separately<T>(&mut self, work: impl FnOnce(&mut Server) -> T) -> T {
        let outer = std::mem::take(&mut self.propagation.pending);
        let result = work(self);
        self.propagate_pending(false);
        self.propagation.pending = outer;
        result
    }

    /// Sends what was collected: in a MULTI/EXEC when `wrap` and there is more than one
    /// command (Redis's `propagatePendingCommands`).
    pub fn propagate_pending(&mut self, wrap: bool) {
        if self.propagation.pending.is_empty() {
            return;
        }
        let ops = std::mem::take(&mut self.propagation.pending);
        let transaction = wrap && ops.len() > 1;
        if transaction && let Some(first) = ops.first() {
            // MULTI goes to the first command's database, so its SELECT comes first.
            let multi: OwnedArgs = [b"MULTI"].into_iter().collect();
            self.propagate_now(first.db, multi.args(), target::ALL);
        }
        for op in &ops {
            self.propagate_now(op.db, op.argv.args(), op.target);
        }
        if transaction && let Some(last) = ops.last() {
            let exec: OwnedArgs = [b"EXEC"].into_iter().collect();
            self.propagate_now(last.db, exec.args(), target::ALL);
        }
    }

    /// Hands one command to each destination it is meant for.
    fn propagate_now(&mut self, db: usize, argv: Args<'_>, to: u8) {
        if to & target::AOF != 0 && self.aof_accepts_commands() {
            let now = crate::clock::unix_ms();
            self.aof
                .feed(db, argv, now, self.config.aof_timestamp_enabled);
        }
        if to & target::REPL != 0 && self.master_stream_wanted() {
            self.feed_replicas(db, argv);
        }
    }
}

/// Appends `argv` as a RESP multibulk request, the form both the AOF and the
/// replication stream use.
pub fn encode_command(out: &mut Vec<u8>, argv: Args<'_>) {
    scarlet_storage::aof::append_command_from(out, argv.iter());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_encoded_as_multibulk() {
        let argv: OwnedArgs = ["SET", "k", ""].into_iter().collect();
        let mut out = Vec::new();
        encode_command(&mut out, argv.args());
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }
}
