//! Pub/Sub: who listens to what, and delivering messages to other clients.
//!
//! The server keeps, per channel (and per shard channel, and per pattern), the ids of the
//! subscribed clients in subscription order; each client keeps its own subscriptions, so
//! that unsubscribing everything and disconnecting need no search. Publishing appends the
//! message to each receiver's reply buffer under the lock and wakes its connection task.
//!
//! The client running the current command is not in the registry (the dispatcher holds
//! its record, see `client.rs`), so what is delivered to it waits in `current.rs`.
//!
//! Deliveries are where output buffer limits are enforced for the receivers, as Redis's
//! `closeClientOnOutputBufferLimitReached` after each `addReply`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use scarlet_protocol::{ReplyBuf, Resp};
use scarlet_storage::glob::glob_match;

use crate::client::{Client, ClientKind};
use crate::clock::unix_ms;
use crate::log::{self, Level};
use crate::server::Server;

/// Which of the two channel namespaces a subscription lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// SUBSCRIBE / PUBLISH.
    Global,
    /// SSUBSCRIBE / SPUBLISH (shard channels, never matched by patterns).
    Shard,
}

impl Namespace {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Namespace::Global => b"subscribe",
            Namespace::Shard => b"ssubscribe",
        }
    }

    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Namespace::Global => b"unsubscribe",
            Namespace::Shard => b"sunsubscribe",
        }
    }

    fn message_word(self) -> &'static [u8] {
        match self {
            Namespace::Global => b"message",
            Namespace::Shard => b"smessage",
        }
    }
}

/// The server's side: channel and pattern → subscribers, in subscription order.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: HashMap<Vec<u8>, Vec<u64>>,
    shard_channels: HashMap<Vec<u8>, Vec<u64>>,
    /// Ordered, so that a message matching several patterns goes out in a stable order.
    patterns: BTreeMap<Vec<u8>, Vec<u64>>,
}

impl PubSub {
    fn table(&mut self, ns: Namespace) -> &mut HashMap<Vec<u8>, Vec<u64>> {
        match ns {
            Namespace::Global => &mut self.channels,
            Namespace::Shard => &mut self.shard_channels,
        }
    }

    fn table_ref(&self, ns: Namespace) -> &HashMap<Vec<u8>, Vec<u64>> {
        match ns {
            Namespace::Global => &self.channels,
            Namespace::Shard => &self.shard_channels,
        }
    }

    /// Channels with at least one subscriber, matching `pattern` if given (PUBSUB
    /// CHANNELS / SHARDCHANNELS).
    pub fn active_channels(&self, ns: Namespace, pattern: Option<&[u8]>) -> Vec<&[u8]> {
        self.table_ref(ns)
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
            .map(Vec::as_slice)
            .collect()
    }

    /// Subscribers of one channel, patterns not counted (PUBSUB NUMSUB / SHARDNUMSUB).
    pub fn subscriber_count(&self, ns: Namespace, channel: &[u8]) -> usize {
        self.table_ref(ns).get(channel).map_or(0, Vec::len)
    }

    /// Patterns with at least one subscriber (PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Channels plus patterns with subscribers (INFO `pubsub_channels`/`pubsub_patterns`
    /// come from the parts).
    pub fn channel_count(&self, ns: Namespace) -> usize {
        self.table_ref(ns).len()
    }
}

fn remove_id(table_entry: Option<&mut Vec<u64>>, id: u64) -> bool {
    let Some(ids) = table_entry else {
        return false;
    };
    match ids.iter().position(|&x| x == id) {
        Some(at) => {
            ids.remove(at);
            true
        }
        None => false,
    }
}

/// The bookkeeping bytes of one subscription beside its name.
const SUBSCRIPTION_NODE: usize = 48;

/// A client's own subscriptions.
#[derive(Debug, Default, Clone)]
pub struct Subscriptions {
    channels: BTreeSet<Vec<u8>>,
    shard_channels: BTreeSet<Vec<u8>>,
    /// In subscription order, as PUNSUBSCRIBE without arguments replies.
    patterns: Vec<Vec<u8>>,
}

impl Subscriptions {
    /// Bytes these subscriptions take, roughly (a node per name plus the name), for the
    /// client's memory as client eviction and CLIENT LIST count it.
    pub fn memory_usage(&self) -> usize {
        self.channels
            .iter()
            .chain(&self.shard_channels)
            .chain(&self.patterns)
            .map(|name| name.len() + SUBSCRIPTION_NODE)
            .sum()
    }

    fn set(&mut self, ns: Namespace) -> &mut BTreeSet<Vec<u8>> {
        match ns {
            Namespace::Global => &mut self.channels,
            Namespace::Shard => &mut self.shard_channels,
        }
    }

    /// Channels plus patterns: the count in SUBSCRIBE/PSUBSCRIBE replies.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Shard channels: the count in SSUBSCRIBE replies.
    pub fn shard_count(&self) -> usize {
        self.shard_channels.len()
    }

    fn count_for(&self, ns: Namespace) -> usize {
        match ns {
            Namespace::Global => self.count(),
            Namespace::Shard => self.shard_count(),
        }
    }

    /// Channels (CLIENT LIST `sub`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Patterns (CLIENT LIST `psub`).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Whether the client listens to anything at all (Redis's CLIENT_PUBSUB flag).
    pub fn any(&self) -> bool {
        self.count() + self.shard_count() > 0
    }
}

/// The three-element notice SUBSCRIBE, UNSUBSCRIBE and their kin reply with, a push in
/// RESP3.
fn subscription_notice(reply: &mut ReplyBuf, word: &[u8], name: Option<&[u8]>, count: usize) {
    push_header(reply, 3);
    reply.bulk(word);
    match name {
        Some(name) => reply.bulk(name),
        None => reply.null(),
    }
    reply.count(count);
}

fn push_header(reply: &mut ReplyBuf, n: usize) {
    match reply.resp() {
        Resp::Resp2 => reply.array(n),
        Resp::Resp3 => reply.push(n),
    }
}

/// What a publish delivers.
enum Message<'a> {
    Channel {
        ns: Namespace,
        channel: &'a [u8],
        payload: &'a [u8],
    },
    Pattern {
        pattern: &'a [u8],
        channel: &'a [u8],
        payload: &'a [u8],
    },
}

impl Message<'_> {
    fn encode(&self, reply: &mut ReplyBuf) {
        match *self {
            Message::Channel {
                ns,
                channel,
                payload,
            } => {
                push_header(reply, 3);
                reply.bulk(ns.message_word());
                reply.bulk(channel);
                reply.bulk(payload);
            }
            Message::Pattern {
                pattern,
                channel,
                payload,
            } => {
                push_header(reply, 4);
                reply.bulk(b"pmessage");
                reply.bulk(pattern);
                reply.bulk(channel);
                reply.bulk(payload);
            }
        }
    }
}

impl Server {
    /// Writes to another client's reply buffer (or, for the running client, to
    /// [`Server::current`]) and wakes its connection task; then applies its output
    /// buffer limits. Returns false if there is no such client.
    pub fn deliver(&mut self, id: u64, write: impl FnOnce(&mut ReplyBuf)) -> bool {
        if let Some(current) = self.current.as_mut()
            && current.id == id
        {
            write(&mut current.pushes);
            return true;
        }
        let Server {
            clients, config, ..
        } = self;
        let Some(client) = clients.get_mut(id) else {
            return false;
        };
        write(&mut client.reply);
        client.handle.wake();
        enforce_output_limit(client, config);
        true
    }

    /// PUBLISH / SPUBLISH: delivers to channel subscribers and (global channels only)
    /// pattern subscribers; returns how many receptions there were.
    pub fn publish(&mut self, ns: Namespace, channel: &[u8], payload: &[u8]) -> usize {
        let mut receivers = 0;
        // The subscriber list is lent out while delivering (delivery never changes
        // subscriptions), which saves copying it on every PUBLISH.
        let ids = self
            .pubsub
            .table(ns)
            .get_mut(channel)
            .map(std::mem::take)
            .unwrap_or_default();
        let msg = Message::Channel {
            ns,
            channel,
            payload,
        };
        for &id in &ids {
            if self.deliver(id, |reply| msg.encode(reply)) {
                receivers += 1;
            }
        }
        if let Some(slot) = self.pubsub.table(ns).get_mut(channel) {
            *slot = ids;
        }
        if ns == Namespace::Shard || self.pubsub.patterns.is_empty() {
            return receivers;
        }
        let matching: Vec<(Vec<u8>, Vec<u64>)> = self
            .pubsub
            .patterns
            .iter()
            .filter(|(p, _)| glob_match(p, channel, false))
            .map(|(p, ids)| (p.clone(), ids.clone()))
            .collect();
        for (pattern, ids) in matching {
            for id in ids {
                let msg = Message::Pattern {
                    pattern: &pattern,
                    channel,
                    payload,
                };
                if self.deliver(id, |reply| msg.encode(reply)) {
                    receivers += 1;
                }
            }
        }
        receivers
    }

    /// SUBSCRIBE / SSUBSCRIBE of one channel, with its notice.
    pub fn subscribe(&mut self, client: &mut Client, ns: Namespace, channel: &[u8]) {
        let subs = client.subscriptions.get_or_insert_with(Box::default);
        if subs.set(ns).insert(channel.to_vec()) {
            self.pubsub
                .table(ns)
                .entry(channel.to_vec())
                .or_default()
                .push(client.id);
        }
        let count = subs.count_for(ns);
        self.push_to(client, |reply| {
            subscription_notice(reply, ns.subscribe_word(), Some(channel), count);
        });
        update_pubsub_kind(client);
    }

    /// UNSUBSCRIBE / SUNSUBSCRIBE of the given channels, or of all when none are given
    /// (with a notice naming no channel if there were none).
    pub fn unsubscribe(&mut self, client: &mut Client, ns: Namespace, channels: &[&[u8]]) {
        let named: Vec<Vec<u8>> = if channels.is_empty() {
            client
                .subscriptions
                .as_mut()
                .map(|s| s.set(ns).iter().cloned().collect())
                .unwrap_or_default()
        } else {
            channels.iter().map(|c| c.to_vec()).collect()
        };
        if named.is_empty() {
            let count = client.subscriptions.as_ref().map_or(0, |s| s.count_for(ns));
            self.push_to(client, |reply| {
                subscription_notice(reply, ns.unsubscribe_word(), None, count);
            });
        }
        for channel in &named {
            self.unsubscribe_one(client, ns, channel, true);
        }
        update_pubsub_kind(client);
    }

    fn unsubscribe_one(
        &mut self,
        client: &mut Client,
        ns: Namespace,
        channel: &[u8],
        notify: bool,
    ) {
        let removed = client
            .subscriptions
            .as_mut()
            .is_some_and(|s| s.set(ns).remove(channel));
        if removed {
            let table = self.pubsub.table(ns);
            remove_id(table.get_mut(channel), client.id);
            if table.get(channel).is_some_and(Vec::is_empty) {
                table.remove(channel);
            }
        }
        if notify {
            let count = client.subscriptions.as_ref().map_or(0, |s| s.count_for(ns));
            self.push_to(client, |reply| {
                subscription_notice(reply, ns.unsubscribe_word(), Some(channel), count);
            });
        }
    }

    /// PSUBSCRIBE of one pattern, with its notice.
    pub fn psubscribe(&mut self, client: &mut Client, pattern: &[u8]) {
        let subs = client.subscriptions.get_or_insert_with(Box::default);
        if !subs.patterns.iter().any(|p| p == pattern) {
            subs.patterns.push(pattern.to_vec());
            self.pubsub
                .patterns
                .entry(pattern.to_vec())
                .or_default()
                .push(client.id);
        }
        let count = subs.count();
        self.push_to(client, |reply| {
            subscription_notice(reply, b"psubscribe", Some(pattern), count);
        });
        update_pubsub_kind(client);
    }

    /// PUNSUBSCRIBE of the given patterns, or of all when none are given.
    pub fn punsubscribe(&mut self, client: &mut Client, patterns: &[&[u8]]) {
        let named: Vec<Vec<u8>> = if patterns.is_empty() {
            client
                .subscriptions
                .as_ref()
                .map(|s| s.patterns.clone())
                .unwrap_or_default()
        } else {
            patterns.iter().map(|p| p.to_vec()).collect()
        };
        if named.is_empty() {
            let count = client.subscriptions.as_ref().map_or(0, |s| s.count());
            self.push_to(client, |reply| {
                subscription_notice(reply, b"punsubscribe", None, count);
            });
        }
        for pattern in &named {
            self.punsubscribe_one(client, pattern, true);
        }
        update_pubsub_kind(client);
    }

    fn punsubscribe_one(&mut self, client: &mut Client, pattern: &[u8], notify: bool) {
        let removed = client.subscriptions.as_mut().is_some_and(|s| {
            let at = s.patterns.iter().position(|p| p == pattern);
            at.map(|at| s.patterns.remove(at)).is_some()
        });
        if removed {
            remove_id(self.pubsub.patterns.get_mut(pattern), client.id);
            if self.pubsub.patterns.get(pattern).is_some_and(Vec::is_empty) {
                self.pubsub.patterns.remove(pattern);
            }
        }
        if notify {
            let count = client.subscriptions.as_ref().map_or(0, |s| s.count());
            self.push_to(client, |reply| {
                subscription_notice(reply, b"punsubscribe", Some(pattern), count);
            });
        }
    }

    /// Drops every subscription without notices (disconnect, RESET).
    pub fn unsubscribe_all_silently(&mut self, client: &mut Client) {
        let Some(subs) = client.subscriptions.as_deref().cloned() else {
            return;
        };
        for channel in &subs.channels {
            self.unsubscribe_one(client, Namespace::Global, channel, false);
        }
        for channel in &subs.shard_channels {
            self.unsubscribe_one(client, Namespace::Shard, channel, false);
        }
        for pattern in &subs.patterns {
            self.punsubscribe_one(client, pattern, false);
        }
        client.subscriptions = None;
        update_pubsub_kind(client);
    }
}

impl Server {
    /// The soft limits are about time: a client over one must be closed once the time is
    /// up even if nothing more is delivered to it (Redis checks in its clients cron).
    pub fn check_output_buffer_soft_limits(&mut self) {
        let Server {
            clients, config, ..
        } = self;
        for client in clients.iter_mut() {
            if client.soft_limit_since.is_some() {
                enforce_output_limit(client, config);
            }
        }
    }
}

/// A client with subscriptions is a Pub/Sub client (Redis's CLIENT_PUBSUB); one without
/// goes back to normal.
fn update_pubsub_kind(client: &mut Client) {
    let any = client.in_pubsub();
    match (client.kind, any) {
        (ClientKind::Normal, true) => client.kind = ClientKind::Pubsub,
        (ClientKind::Pubsub, false) => {
            client.kind = ClientKind::Normal;
            client.subscriptions = None;
        }
        _ => {}
    }
}

/// Redis's `checkClientOutputBufferLimits`: a client whose pending output (its reply
/// buffer and what its connection task has not written yet) passes its class's hard
/// limit, or stays above the soft limit longer than allowed, is closed. Monitors and
/// ordinary clients use the normal class. Applied wherever output is added: deliveries to
/// other clients, a served blocked client, and the running client after each command.
pub fn enforce_output_limit(client: &mut Client, config: &crate::config::Config) {
    if client.handle.is_killed() {
        return;
    }
    let limits = &config.client_output_buffer_limit;
    let class = match client.kind {
        ClientKind::Pubsub => &limits.pubsub,
        ClientKind::Replica => &limits.replica,
        ClientKind::Normal | ClientKind::Master => &limits.normal,
    };
    // A replica's output, for its limits, is the stream it has not taken from the
    // shared buffer (what it took is at most a pull's size). The snapshot's payload does
    // not count: Redis sends it from the file or the snapshot's pipe, outside the output
    // buffer, so a big dataset is no reason to drop a replica mid-sync.
    let used = if client.kind == ClientKind::Replica {
        client.stream_pending as u64
    } else {
        client.pending_output() as u64
    };
    let over = |limit: u64| limit != 0 && used >= limit;
    // A replica's hard limit is at least the backlog's size: a partial resync sends that
    // much at once, from the buffer the backlog shares (as Redis raises it).
    let hard = if client.kind == ClientKind::Replica && class.hard_limit_bytes != 0 {
        over(class.hard_limit_bytes.max(config.repl_backlog_size))
    } else {
        over(class.hard_limit_bytes)
    };
    let soft_over = over(class.soft_limit_bytes);
    if !hard && !soft_over {
        // The common case, without reading the clock.
        client.soft_limit_since = None;
        return;
    }
    let now = unix_ms();
    let mut soft = false;
    if soft_over {
        let since = *client.soft_limit_since.get_or_insert(now);
        soft = now - since > i64::from(class.soft_limit_seconds) * 1000;
    }
    if hard || soft {
        log::log(
            Level::Warning,
            &format!(
                "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                client.info_line(now, "default")
            ),
        );
        // Nothing more goes to a client that is being closed.
        client.reply.clear();
        client.handle.kill();
    }
}
