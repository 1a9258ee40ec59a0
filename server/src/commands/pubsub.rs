//! Pub/Sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE,
//! SUNSUBSCRIBE, SPUBLISH and the PUBSUB introspection container.
//!
//! The subscription tables and message delivery are in `pubsub.rs` at the crate root;
//! these handlers parse and reply. Which commands a RESP2 subscriber may still run is
//! the dispatcher's check.

use scarlet_protocol::Args;

use super::spec::{CommandSpec, Group, KeySpec, flag, key};
use super::{Ctx, reply_help};
use crate::error::{CmdError, CmdResult};
use crate::pubsub::Namespace;

/// The Pub/Sub family.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "subscribe",
        arity: -2,
        flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SENTINEL,
        handler: Some(subscribe),
        summary: "Listens for messages published to channels",
        since: "2.0.0",
        complexity: "O(N) where N is the number of channels to subscribe to.",
        group: Group::Pubsub,
        syntax: "channel...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unsubscribe",
        arity: -1,
        flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SENTINEL,
        handler: Some(unsubscribe),
        summary: "Stops listening to messages posted to channels",
        since: "2.0.0",
        complexity: "O(N) where N is the number of clients already subscribed to a channel.",
        group: Group::Pubsub,
        syntax: "[channel...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "psubscribe",
        arity: -2,
        flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SENTINEL,
        handler: Some(psubscribe),
        summary: "Listens for messages published to channels that match one or more patterns",
        since: "2.0.0",
        complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
        group: Group::Pubsub,
        syntax: "pattern=(pattern)...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "punsubscribe",
        arity: -1,
        flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SENTINEL,
        handler: Some(punsubscribe),
        summary: "Stops listening to messages published to channels that match one or more patterns",
        since: "2.0.0",
        complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        group: Group::Pubsub,
        syntax: "[pattern:pattern...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "publish",
        arity: 3,
        flags: flag::PUBSUB
            | flag::LOADING
            | flag::STALE
            | flag::FAST
            | flag::MAY_REPLICATE
            | flag::SENTINEL,
        handler: Some(publish),
        summary: "Posts a message to a channel",
        since: "2.0.0",
        complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        group: Group::Pubsub,
        syntax: "channel message",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "ssubscribe",
        arity: -2,
        flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE,
        keys: &[KeySpec::to_end(1, 1, key::NOT_KEY)],
        handler: Some(ssubscribe),
        summary: "Listens for messages published to shard channels",
        since: "7.0.0",
        complexity: "O(N) where N is the number of shard channels to subscribe to.",
        group: Group::Pubsub,
        syntax: "shardchannel...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sunsubscribe",
        arity: -1,
        flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE,
        keys: &[KeySpec::to_end(1, 1, key::NOT_KEY)],
        handler: Some(sunsubscribe),
        summary: "Stops listening to messages posted to shard channels",
        since: "7.0.0",
        complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
        group: Group::Pubsub,
        syntax: "[shardchannel...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "spublish",
        arity: 3,
        flags: flag::PUBSUB | flag::LOADING | flag::STALE | flag::FAST | flag::MAY_REPLICATE,
        keys: &[KeySpec::single(1, key::NOT_KEY)],
        handler: Some(spublish),
        summary: "Post a message to a shard channel",
        since: "7.0.0",
        complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        group: Group::Pubsub,
        syntax: "shardchannel message",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pubsub",
        arity: -2,
        summary: "A container for Pub/Sub commands",
        since: "2.8.0",
        complexity: "Depends on subcommand.",
        group: Group::Pubsub,
        subcommands: PUBSUB_SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
];

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "channels",
        arity: -2,
        flags: flag::PUBSUB | flag::LOADING | flag::STALE,
        handler: Some(pubsub_channels),
        summary: "Returns the active channels",
        since: "2.8.0",
        complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        group: Group::Pubsub,
        syntax: "[pattern:pattern]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE,
        handler: Some(pubsub_help),
        summary: "Returns helpful text about the different subcommands",
        since: "6.2.0",
        group: Group::Pubsub,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "numpat",
        arity: 2,
        flags: flag::PUBSUB | flag::LOADING | flag::STALE,
        handler: Some(pubsub_numpat),
        summary: "Returns a count of unique pattern subscriptions",
        since: "2.8.0",
        group: Group::Pubsub,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "numsub",
        arity: -2,
        flags: flag::PUBSUB | flag::LOADING | flag::STALE,
        handler: Some(pubsub_numsub),
        summary: "Returns a count of subscribers to channels",
        since: "2.8.0",
        complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        group: Group::Pubsub,
        syntax: "[channel...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "shardchannels",
        arity: -2,
        flags: flag::PUBSUB | flag::LOADING | flag::STALE,
        handler: Some(pubsub_shardchannels),
        summary: "Returns the active shard channels",
        since: "7.0.0",
        complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        group: Group::Pubsub,
        syntax: "[pattern:pattern]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "shardnumsub",
        arity: -2,
        flags: flag::PUBSUB | flag::LOADING | flag::STALE,
        handler: Some(pubsub_shardnumsub),
        summary: "Returns the count of subscribers of shard channels",
        since: "7.0.0",
        complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        group: Group::Pubsub,
        syntax: "[shardchannel...]",
        ..CommandSpec::DEFAULT
    },
];

/// A client that expects one reply per command (a script) cannot subscribe; EXEC is the
/// exception Redis keeps for compatibility, except for shard channels.
fn refuse_if_deny_blocking(ctx: &Ctx<'_>, name: &str, allow_in_multi: bool) -> CmdResult {
    if ctx.client.deny_blocking && !(allow_in_multi && ctx.client.multi.is_some()) {
        return Err(CmdError::err(format!(
            "{name} isn't allowed for a DENY BLOCKING client"
        )));
    }
    Ok(())
}

fn subscribe(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    refuse_if_deny_blocking(ctx, "SUBSCRIBE", true)?;
    for channel in args.iter().skip(1) {
        ctx.server.subscribe(ctx.client, Namespace::Global, channel);
    }
    Ok(())
}

fn unsubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let channels: Vec<&[u8]> = args.iter().skip(1).collect();
    ctx.server
        .unsubscribe(ctx.client, Namespace::Global, &channels);
    Ok(())
}

fn psubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    refuse_if_deny_blocking(ctx, "PSUBSCRIBE", true)?;
    for pattern in args.iter().skip(1) {
        ctx.server.psubscribe(ctx.client, pattern);
    }
    Ok(())
}

fn punsubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let patterns: Vec<&[u8]> = args.iter().skip(1).collect();
    ctx.server.punsubscribe(ctx.client, &patterns);
    Ok(())
}

fn publish(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let receivers = ctx
        .server
        .publish(Namespace::Global, args.at(1), args.at(2));
    // Replicas' subscribers get the message too; the AOF does not keep it.
    ctx.force_propagation(crate::propagate::target::REPL);
    ctx.client.reply.count(receivers);
    Ok(())
}

fn ssubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    refuse_if_deny_blocking(ctx, "SSUBSCRIBE", false)?;
    for channel in args.iter().skip(1) {
        ctx.server.subscribe(ctx.client, Namespace::Shard, channel);
    }
    Ok(())
}

fn sunsubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let channels: Vec<&[u8]> = args.iter().skip(1).collect();
    ctx.server
        .unsubscribe(ctx.client, Namespace::Shard, &channels);
    Ok(())
}

fn spublish(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let receivers = ctx.server.publish(Namespace::Shard, args.at(1), args.at(2));
    ctx.force_propagation(crate::propagate::target::REPL);
    ctx.client.reply.count(receivers);
    Ok(())
}

fn channel_list(ctx: &mut Ctx<'_>, args: Args<'_>, ns: Namespace) -> CmdResult {
    if args.len() > 3 {
        return Err(super::subcommand_syntax_error(args));
    }
    let channels = ctx.server.pubsub.active_channels(ns, args.get(2));
    ctx.client.reply.array(channels.len());
    for channel in channels {
        ctx.client.reply.bulk(channel);
    }
    Ok(())
}

fn pubsub_channels(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    channel_list(ctx, args, Namespace::Global)
}

fn pubsub_shardchannels(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    channel_list(ctx, args, Namespace::Shard)
}

fn subscriber_counts(ctx: &mut Ctx<'_>, args: Args<'_>, ns: Namespace) -> CmdResult {
    // A flat array of channel, count pairs, in RESP3 too, as Redis replies.
    ctx.client.reply.array((args.len() - 2) * 2);
    for channel in args.iter().skip(2) {
        ctx.client.reply.bulk(channel);
        let count = ctx.server.pubsub.subscriber_count(ns, channel);
        ctx.client.reply.count(count);
    }
    Ok(())
}

fn pubsub_numsub(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    subscriber_counts(ctx, args, Namespace::Global)
}

fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    subscriber_counts(ctx, args, Namespace::Shard)
}

fn pubsub_numpat(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let count = ctx.server.pubsub.pattern_count();
    ctx.client.reply.count(count);
    Ok(())
}

fn pubsub_help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    reply_help(
        &mut ctx.client.reply,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}
