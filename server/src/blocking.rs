//! Blocking commands (BLPOP, BZPOPMIN, BLMOVE ...): clients waiting on keys, served first
//! come, first served when a key they wait on receives a value of the type they want.
//!
//! A blocking handler first tries to serve. When it cannot, and [`Ctx::can_block`] allows
//! it, it calls [`Ctx::block`] and returns without a reply; the dispatcher then parks the
//! client: its record keeps the command, and every key it waits on lists it in
//! [`Waiters`]. The client's connection task stops running its input and waits for a
//! wake-up, its deadline, or the peer closing.
//!
//! Whenever a key is created or overwritten (the keyspace calls
//! [`Server::signal_key_ready`], as Redis's `dbAdd` calls `signalKeyAsReady`), a key with
//! waiters joins the ready list. After each command the dispatcher serves the ready keys
//! ([`Server::serve_ready_keys`], Redis's `handleClientsBlockedOnKeys`): for each waiter
//! in order, while the key holds the wanted type, it runs the waiter's command again in
//! this same critical section. The handler simply does what it always does: it serves
//! (then the client is unblocked and its task woken to send the reply and go on with its
//! input), or blocks again and keeps its place. Serving may make other keys ready (BLMOVE
//! pushes to its destination); the loop runs until no key is ready.
//!
//! The module deliberately knows nothing of lists or sorted sets: what a command does
//! when run again is the handler's business.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use scarlet_protocol::{Args, OwnedArgs};
use scarlet_storage::{Millis, Value};

use crate::client::Client;
use crate::commands::{Command, Ctx};
use crate::error::CmdError;
use crate::server::Server;

/// The type of value a blocked client waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockType {
    /// BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP.
    List,
    /// BZPOPMIN, BZPOPMAX, BZMPOP.
    Zset,
    /// WAIT: `needed` replicas acknowledging the stream up to `offset` (no keys; served
    /// by `replication::master` as acknowledgements arrive).
    Replicas {
        /// How many replicas must acknowledge.
        needed: usize,
        /// The stream offset they must reach.
        offset: i64,
    },
}

impl BlockType {
    fn matches(self, value: &Value) -> bool {
        let wanted = match self {
            BlockType::List => "list",
            BlockType::Zset => "zset",
            BlockType::Replicas { .. } => return false,
        };
        value.type_name() == wanted
    }
}

/// What a handler asks for when it cannot serve yet.
#[derive(Debug)]
pub struct BlockRequest {
    keys: Vec<Vec<u8>>,
    deadline: Option<Millis>,
    wanted: BlockType,
}

/// A blocked client's command and what it waits for.
#[derive(Debug)]
pub struct Blocked {
    db: usize,
    keys: Vec<Vec<u8>>,
    /// Unix ms at which the command times out; `None` waits forever.
    pub deadline: Option<Millis>,
    wanted: BlockType,
    args: OwnedArgs,
    command: &'static Command,
    /// When the client blocked, for the command's duration in INFO commandstats.
    since: Instant,
}

/// A key of a numbered database.
type DbKey = (usize, Vec<u8>);

/// The clients waiting on each key, and the keys that became ready since the last check.
///
/// Keyed by database, then by key, so that the check every key write makes (is anyone
/// waiting on this key?) looks the key up as it is, without copying it.
#[derive(Debug, Default)]
pub struct Waiters {
    by_db: HashMap<usize, HashMap<Vec<u8>, VecDeque<u64>>>,
    ready: VecDeque<DbKey>,
    ready_set: HashSet<DbKey>,
}

impl Waiters {
    /// How many keys have waiters.
    pub fn keys_with_waiters(&self) -> usize {
        self.by_db.values().map(HashMap::len).sum()
    }

    /// Whether any key became ready since the last [`Server::serve_ready_keys`].
    pub fn any_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The clients waiting on a key, in arrival order.
    fn queue(&self, db: usize, key: &[u8]) -> Option<&VecDeque<u64>> {
        self.by_db.get(&db)?.get(key)
    }

    fn add(&mut self, db: usize, keys: &[Vec<u8>], id: u64) {
        let queues = self.by_db.entry(db).or_default();
        for key in keys {
            queues.entry(key.clone()).or_default().push_back(id);
        }
    }

    fn remove(&mut self, db: usize, keys: &[Vec<u8>], id: u64) {
        let Some(queues) = self.by_db.get_mut(&db) else {
            return;
        };
        for key in keys {
            if let Some(queue) = queues.get_mut(key.as_slice()) {
                queue.retain(|&waiting| waiting != id);
                if queue.is_empty() {
                    queues.remove(key.as_slice());
                }
            }
        }
        if queues.is_empty() {
            self.by_db.remove(&db);
        }
    }

    fn signal(&mut self, db: usize, key: &[u8]) {
        if self.queue(db, key).is_none() {
            return;
        }
        let db_key = (db, key.to_vec());
        if self.ready_set.insert(db_key.clone()) {
            self.ready.push_back(db_key);
        }
    }

    /// Every key with waiters in database `db` (for SWAPDB, which changes them all).
    fn keys_of_db(&self, db: usize) -> Vec<Vec<u8>> {
        self.by_db
            .get(&db)
            .map(|queues| queues.keys().cloned().collect())
            .unwrap_or_default()
    }
}

impl Ctx<'_> {
    /// Whether the command may block: not inside MULTI/EXEC or a script, where blocking
    /// commands behave as if their timeout had passed.
    pub fn can_block(&self) -> bool {
        !self.client.deny_blocking
    }

    /// Parks the client until one of `keys` holds a value of type `wanted`, or `deadline`
    /// passes (then the client gets a null array, as Redis 7.0 replies to every timed-out
    /// list or sorted-set block). The handler returns right after, without a reply.
    pub fn block(&mut self, keys: &[&[u8]], deadline: Option<Millis>, wanted: BlockType) {
        let mut unique: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.iter().any(|k| k.as_slice() == *key) {
                unique.push(key.to_vec());
            }
        }
        self.client.block_request = Some(BlockRequest {
            keys: unique,
            deadline,
            wanted,
        });
    }
}

/// Parses a blocking command's timeout (seconds as C's `strtod` reads them, fractions
/// allowed) into a deadline: `None` for 0, which waits forever.
pub fn parse_timeout(arg: &[u8], now: Millis) -> Result<Option<Millis>, CmdError> {
    use scarlet_storage::number::{is_valid_long_double, parse_range_f64};
    // Redis reads a C long double, whose range is far wider than a double's: "1e400" is
    // a valid timeout there (and too large, below).
    if !is_valid_long_double(arg) {
        return Err(CmdError::err("timeout is not a float or out of range"));
    }
    let seconds = parse_range_f64(arg)
        .ok_or_else(|| CmdError::err("timeout is not a float or out of range"))?;
    // Redis rounds up to whole milliseconds; what does not fit a C long long (infinity
    // included) turns negative in its conversion on x86-64, so it reports "negative".
    let mut ms = (seconds * 1000.0).ceil();
    // A positive value too small for a double still rounds up to 1 ms in a long double.
    if ms == 0.0 && has_nonzero_mantissa(arg) && !arg.starts_with(b"-") {
        ms = 1.0;
    }
    // 2^63, the first value a C long long cannot hold.
    const LONG_LONG_END: f64 = 9_223_372_036_854_775_808.0;
    if !(0.0..LONG_LONG_END).contains(&ms) {
        return Err(CmdError::err("timeout is negative"));
    }
    // In range by the check above; `as` saturates anyway.
    let ms = ms as i64;
    Ok((ms > 0).then(|| now.saturating_add(ms)))
}

/// Whether the digits before any exponent include a non-zero one (the number is not a
/// zero, even if a double rounds it to one).
fn has_nonzero_mantissa(arg: &[u8]) -> bool {
    arg.iter()
        .take_while(|&&b| b != b'e' && b != b'E')
        .any(|b| (b'1'..=b'9').contains(b))
}

impl Server {
    /// Notes that `key` was created or overwritten, so clients waiting on it get a turn
    /// after the current command (Redis's `signalKeyAsReady`).
    pub fn signal_key_ready(&mut self, db: usize, key: &[u8]) {
        self.waiters.signal(db, key);
    }

    /// After SWAPDB: every waited-on key of both databases may have changed.
    pub fn signal_db_swapped(&mut self, a: usize, b: usize) {
        for db in [a, b] {
            for key in self.waiters.keys_of_db(db) {
                self.waiters.signal(db, &key);
            }
        }
    }

    /// Takes the block a handler asked for and parks the client (the dispatcher calls this
    /// after a first run; a client run again by [`serve_ready_keys`] keeps its place).
    /// Returns whether the client is now blocked.
    pub(crate) fn park_if_requested(
        &mut self,
        client: &mut Client,
        command: &'static Command,
        args: Args<'_>,
    ) -> bool {
        let Some(request) = client.block_request.take() else {
            return false;
        };
        self.waiters.add(client.db, &request.keys, client.id);
        client.blocked = Some(Box::new(Blocked {
            db: client.db,
            keys: request.keys,
            deadline: request.deadline,
            wanted: request.wanted,
            args: args.to_owned_args(),
            command,
            since: Instant::now(),
        }));
        true
    }

    /// Ends a client's block: it leaves every queue. Its reply is already written.
    /// What a block that ends without being served replies: a null array for the pops
    /// (Redis 7.0), the replicas that did acknowledge for WAIT.
    fn reply_timed_out(&mut self, client: &mut Client) {
        match client.blocked.as_ref().map(|b| b.wanted) {
            Some(BlockType::Replicas { offset, .. }) => {
                let acked = self.replicas_acked(offset);
                client.reply.int(i64::try_from(acked).unwrap_or(i64::MAX));
            }
            _ => client.reply.null_array(),
        }
    }

    /// The WAIT a blocked client is in: how many replicas it needs, at which offset.
    pub(crate) fn waiting_for_replicas(client: &Client) -> Option<(usize, i64)> {
        match client.blocked.as_ref().map(|b| b.wanted) {
            Some(BlockType::Replicas { needed, offset }) => Some((needed, offset)),
            _ => None,
        }
    }

    pub(crate) fn unblock(&mut self, client: &mut Client) {
        if let Some(blocked) = client.blocked.take() {
            self.waiters.remove(blocked.db, &blocked.keys, client.id);
            self.record_unblocked(&blocked);
        }
    }

    /// A blocked client whose deadline has passed gets the null array and is unblocked.
    /// Returns whether it is still blocked.
    pub(crate) fn expire_block(&mut self, client: &mut Client, now: Millis) -> bool {
        match client.blocked.as_ref().map(|b| b.deadline) {
            None => false,
            Some(Some(deadline)) if deadline <= now => {
                self.reply_timed_out(client);
                self.unblock(client);
                false
            }
            Some(_) => true,
        }
    }

    /// CLIENT UNBLOCK: ends another client's block as a timeout or with an error. Returns
    /// whether that client was blocked.
    pub fn unblock_by_request(&mut self, id: u64, with_error: bool) -> bool {
        let Some(mut client) = self.clients.take(id) else {
            return false;
        };
        let was_blocked = client.blocked.is_some();
        if was_blocked {
            if with_error {
                self.reply_error(&mut client, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
            } else {
                self.reply_timed_out(&mut client);
            }
            let command_id = client.blocked.as_ref().map(|b| b.command.id);
            self.unblock(&mut client);
            // Redis counts an unblocked command as failed either way.
            if let Some(stats) = command_id.and_then(|id| self.command_stats.get_mut(id)) {
                stats.failed_calls += 1;
            }
            client.handle.wake();
        }
        self.clients.put_back(client);
        was_blocked
    }

    /// A client that disconnects while blocked leaves the queues.
    pub(crate) fn forget_blocked(&mut self, client: &mut Client) {
        if let Some(blocked) = client.blocked.take() {
            self.waiters.remove(blocked.db, &blocked.keys, client.id);
        }
    }

    /// Serves the clients waiting on keys that became ready, until none is ready (Redis's
    /// `handleClientsBlockedOnKeys`).
    pub(crate) fn serve_ready_keys(&mut self, now: Millis) {
        while let Some(db_key) = self.waiters.ready.pop_front() {
            self.waiters.ready_set.remove(&db_key);
            let (db, key) = &db_key;
            // A key that expired meanwhile goes now, its DEL propagated on its own, as
            // Redis's lookup in handleClientsBlockedOnKeys does; nobody is served.
            if self.dbs.get(*db).is_some_and(|d| d.is_expired(key, now)) {
                let quiet = crate::keyspace::ReadFlags {
                    touch: false,
                    stats: false,
                    notify_miss: false,
                };
                self.read_key(*db, key, now, quiet);
                self.flush_key_events();
                self.propagate_pending(true);
                continue;
            }
            let queue: Vec<u64> = self
                .waiters
                .queue(*db, key)
                .map(|q| q.iter().copied().collect())
                .unwrap_or_default();
            for id in queue {
                if !self.key_holds(*db, key, id, now) {
                    break;
                }
                self.run_again(id, now);
            }
        }
    }

    /// Whether `key` holds the type client `id` waits for.
    fn key_holds(&self, db: usize, key: &[u8], id: u64, now: Millis) -> bool {
        let Some(wanted) = self
            .clients
            .get(id)
            .and_then(|c| c.blocked.as_ref())
            .map(|b| b.wanted)
        else {
            return false;
        };
        self.dbs
            .get(db)
            .filter(|d| !d.is_expired(key, now))
            .and_then(|d| d.peek(key))
            .is_some_and(|v| wanted.matches(v))
    }

    /// Runs a blocked client's command again; unblocks and wakes it unless it blocks
    /// again.
    fn run_again(&mut self, id: u64, now: Millis) {
        let Some(mut client) = self.clients.take(id) else {
            return;
        };
        let Some(blocked) = client.blocked.take() else {
            self.clients.put_back(client);
            return;
        };
        let command = blocked.command;
        let db_before = client.db;
        client.db = blocked.db;
        let errors_before = self.stats.total_error_replies;
        let reply_start = client.reply.len();
        let entered = self.enter(&client);
        let propagation_mark = self.begin_call_propagation(&mut client);
        if let Some(handler) = command.spec.handler {
            let result = {
                let mut ctx = Ctx {
                    server: self,
                    client: &mut client,
                    now,
                    command,
                };
                handler(&mut ctx, blocked.args.args())
            };
            if let Err(e) = result {
                self.reply_error(&mut client, &e.wire_text());
            }
        }
        self.flush_key_events();
        // Served now: propagated on its own (as the pop it turned into), as Redis's
        // serveClientsBlockedOn* does right away.
        self.end_call_propagation(&mut client, command, blocked.args.args(), propagation_mark);
        self.leave(&mut client, reply_start, entered);
        crate::pubsub::enforce_output_limit(&mut client, &self.config);
        client.db = db_before;
        if client.block_request.take().is_some() {
            // Still nothing to take: keep the place in every queue.
            client.blocked = Some(blocked);
        } else {
            self.waiters.remove(blocked.db, &blocked.keys, id);
            if self.stats.total_error_replies > errors_before
                && let Some(stats) = self.command_stats.get_mut(command.id)
            {
                stats.failed_calls += 1;
            }
            self.record_unblocked(&blocked);
            client.handle.wake();
        }
        self.clients.put_back(client);
    }

    /// The command's duration, counted when it completes (its call was counted when it
    /// blocked), as Redis's `updateStatsOnUnblock`.
    fn record_unblocked(&mut self, blocked: &Blocked) {
        let usec = u64::try_from(blocked.since.elapsed().as_micros()).unwrap_or(u64::MAX);
        let track_latency = self.config.latency_tracking;
        if let Some(stats) = self.command_stats.get_mut(blocked.command.id) {
            stats.usec = stats.usec.saturating_add(usec);
            if track_latency {
                stats
                    .latency
                    .get_or_insert_with(Box::default)
                    .record(usec.saturating_mul(1000));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(b"0", 1000), Ok(None));
        assert_eq!(parse_timeout(b"0.0", 1000), Ok(None));
        assert_eq!(parse_timeout(b"1", 1000), Ok(Some(2000)));
        assert_eq!(parse_timeout(b"0.1", 1000), Ok(Some(1100)));
        assert_eq!(parse_timeout(b"0.0001", 1000), Ok(Some(1001)));
        assert_eq!(parse_timeout(b"-0.0001", 1000), Ok(None));
        assert_eq!(parse_timeout(b"0x10", 1000), Ok(Some(17000)));
        for bad in [&b"abc"[..], b"", b" 1", b"1e", b"nan"] {
            assert_eq!(
                parse_timeout(bad, 0),
                Err(CmdError::err("timeout is not a float or out of range")),
                "{bad:?}"
            );
        }
        assert_eq!(parse_timeout(b"1e-400", 1000), Ok(Some(1001)));
        for negative in [&b"-1"[..], b"inf", b"-inf", b"1e20", b"1e400"] {
            assert_eq!(
                parse_timeout(negative, 0),
                Err(CmdError::err("timeout is negative")),
                "{negative:?}"
            );
        }
    }

    #[test]
    fn waiters_queue_in_order_and_forget() {
        let mut w = Waiters::default();
        w.add(0, &[b"a".to_vec(), b"b".to_vec()], 1);
        w.add(0, &[b"a".to_vec()], 2);
        w.signal(0, b"a");
        w.signal(0, b"a");
        w.signal(0, b"zzz");
        w.signal(1, b"a");
        assert_eq!(w.ready.len(), 1);
        assert_eq!(
            w.queue(0, b"a")
                .map(|q| q.iter().copied().collect::<Vec<_>>()),
            Some(vec![1, 2])
        );
        w.remove(0, &[b"a".to_vec(), b"b".to_vec()], 1);
        assert_eq!(w.keys_with_waiters(), 1);
        w.remove(0, &[b"a".to_vec()], 2);
        assert_eq!(w.keys_with_waiters(), 0);
    }
}
