//! The MEMORY family: USAGE (a key's estimated footprint), STATS, DOCTOR, MALLOC-STATS,
//! PURGE and HELP.
//!
//! MEMORY USAGE estimates what a key costs in Scarlet's own layout (the keyspace node,
//! the value's allocations rounded up to jemalloc's size classes), sampling the elements
//! of big collections as Redis's `objectComputeSize` does, so its cost stays bounded. The
//! server-wide figures come from `memory.rs`'s report, which INFO memory shares.

use scarlet_protocol::Args;
use scarlet_storage::Value;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::memory::{self, MemoryReport, size_class};

/// The family's table.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "memory",
    arity: -2,
    summary: "A container for memory diagnostics commands",
    since: "4.0.0",
    complexity: "Depends on subcommand.",
    group: Group::Server,
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "doctor",
        arity: 2,
        handler: Some(doctor),
        summary: "Reports memory problems and how to address them",
        since: "4.0.0",
        complexity: "O(1)",
        group: Group::Server,
        tips: &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: flag::LOADING | flag::STALE,
        handler: Some(help),
        summary: "Shows helpful text about the MEMORY subcommands",
        since: "4.0.0",
        complexity: "O(1)",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "malloc-stats",
        arity: 2,
        handler: Some(malloc_stats),
        summary: "Returns the allocator's internal statistics",
        since: "4.0.0",
        complexity: "Depends on how much memory is allocated, could be slow",
        group: Group::Server,
        tips: &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "purge",
        arity: 2,
        handler: Some(purge),
        summary: "Asks the allocator to give unused memory back",
        since: "4.0.0",
        complexity: "Depends on how much memory is allocated, could be slow",
        group: Group::Server,
        tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "stats",
        arity: 2,
        handler: Some(stats),
        summary: "Returns details about the server's memory usage",
        since: "4.0.0",
        complexity: "O(1)",
        group: Group::Server,
        tips: &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "usage",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(2, key::RO)],
        handler: Some(usage),
        summary: "Estimates how many bytes a key and its value take",
        since: "4.0.0",
        complexity: "O(N) where N is the number of samples.",
        group: Group::Server,
        syntax: "key:key [SAMPLES count:integer]",
        ..CommandSpec::DEFAULT
    },
];

/// Elements MEMORY USAGE looks at by default (Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES).
const DEFAULT_SAMPLES: usize = 5;

/// A keyspace node (key inline up to 22 bytes, meta word, value, chain link) and its
/// bucket pointer.
const KEY_NODE: usize = 64 + 8;
/// A node of a hash's or a set's table, with its bucket pointer.
const TABLE_NODE: usize = 48 + 8;
/// A sorted set member's share of the arena, the hash index and the rank tree.
const ZSET_NODE: usize = 64;
/// Elements of up to this many bytes are held inline by table nodes.
const INLINE_ELEMENT: usize = 15;

fn doctor(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let report = MemoryReport::take(ctx.server);
    let text = report.doctor();
    ctx.client.reply.verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    super::reply_help(
        &mut ctx.client.reply,
        "MEMORY",
        &[
            "DOCTOR",
            "    A report of memory problems, with advice.",
            "MALLOC-STATS",
            "    The memory allocator's internal statistics.",
            "PURGE",
            "    Ask the allocator to return dirty pages to the system.",
            "STATS",
            "    Details about the server's memory usage.",
            "USAGE <key> [SAMPLES <count>]",
            "    Bytes used by <key> and its value. Collections are estimated from up to",
            "    <count> of their elements (default: 5, 0 means all of them).",
        ],
    );
    Ok(())
}

fn malloc_stats(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let text = memory::allocator_stats_text();
    ctx.client.reply.verbatim(b"txt", text.as_bytes());
    Ok(())
}

fn purge(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if memory::purge() {
        ctx.client.reply.ok();
        Ok(())
    } else {
        Err(CmdError::err("Error purging dirty pages"))
    }
}

fn stats(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let report = MemoryReport::take(ctx.server);
    let reply = &mut ctx.client.reply;
    let dbs: Vec<_> = report.dbs.iter().filter(|d| d.keys > 0).collect();
    reply.map(27 + dbs.len());
    let int = |reply: &mut scarlet_protocol::ReplyBuf, name: &str, value: u64| {
        reply.bulk(name.as_bytes());
        reply.int(i64::try_from(value).unwrap_or(i64::MAX));
    };
    int(reply, "peak.allocated", report.peak);
    int(reply, "total.allocated", report.used);
    int(reply, "startup.allocated", report.startup);
    int(reply, "replication.backlog", 0);
    int(reply, "clients.slaves", report.clients_replicas);
    int(reply, "clients.normal", report.clients_normal);
    int(reply, "cluster.links", 0);
    int(reply, "aof.buffer", 0);
    int(reply, "lua.caches", 0);
    int(reply, "functions.caches", 0);
    for db in dbs {
        reply.bulk(format!("db.{}", db.index).as_bytes());
        reply.map(3);
        int(reply, "overhead.hashtable.main", db.main);
        int(reply, "overhead.hashtable.expires", db.expires);
        int(reply, "overhead.hashtable.slot-to-keys", 0);
    }
    int(reply, "overhead.total", report.overhead);
    int(reply, "keys.count", report.keys);
    int(reply, "keys.bytes-per-key", report.bytes_per_key());
    int(reply, "dataset.bytes", report.dataset());
    reply.bulk(b"dataset.percentage");
    reply.double(report.dataset_perc());
    reply.bulk(b"peak.percentage");
    reply.double(report.peak_perc());
    int(reply, "allocator.allocated", report.allocator.allocated);
    int(reply, "allocator.active", report.allocator.active);
    int(reply, "allocator.resident", report.allocator.resident);
    let a = &report.allocator;
    reply.bulk(b"allocator-fragmentation.ratio");
    reply.double(memory::ratio(a.active, a.allocated));
    int(
        reply,
        "allocator-fragmentation.bytes",
        a.active.saturating_sub(a.allocated),
    );
    reply.bulk(b"allocator-rss.ratio");
    reply.double(memory::ratio(a.resident, a.active));
    int(
        reply,
        "allocator-rss.bytes",
        a.resident.saturating_sub(a.active),
    );
    reply.bulk(b"rss-overhead.ratio");
    reply.double(memory::ratio(a.rss, a.resident));
    int(
        reply,
        "rss-overhead.bytes",
        a.rss.saturating_sub(a.resident),
    );
    reply.bulk(b"fragmentation");
    reply.double(memory::ratio(a.rss, report.used));
    int(
        reply,
        "fragmentation.bytes",
        a.rss.saturating_sub(report.used),
    );
    Ok(())
}

/// MEMORY USAGE key [SAMPLES count]: like Redis, it looks at the key as stored (an
/// expired key not yet deleted still counts) and records no access.
fn usage(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut samples = DEFAULT_SAMPLES;
    let mut rest = args.iter().skip(3);
    while let Some(option) = rest.next() {
        match rest.next() {
            Some(count) if args::is(option, "samples") => {
                let count = args::int(count)?;
                samples = match usize::try_from(count) {
                    Ok(0) => usize::MAX,
                    Ok(n) => n,
                    Err(_) => return Err(CmdError::Syntax),
                };
            }
            _ => return Err(CmdError::Syntax),
        }
    }
    let db = ctx.db();
    let key = args.at(2);
    let size = ctx
        .server
        .dbs
        .get(db)
        .and_then(|d| d.peek(key))
        .map(|value| key_usage(key, value, samples));
    match size {
        Some(size) => ctx
            .client
            .reply
            .int(i64::try_from(size).unwrap_or(i64::MAX)),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

/// The estimated bytes of a key and its value.
fn key_usage(key: &[u8], value: &Value, samples: usize) -> usize {
    let key_heap = if key.len() > scarlet_storage::key::INLINE_KEY_LEN {
        size_class(key.len())
    } else {
        0
    };
    KEY_NODE + key_heap + value_usage(value, samples)
}

/// Heap bytes of an element held by a table node: inline when short.
fn element_heap(len: usize) -> usize {
    if len <= INLINE_ELEMENT {
        0
    } else {
        size_class(len)
    }
}

/// `total` elements estimated from the per-element sizes of a sample (Redis's
/// objectComputeSize scaling).
fn scale(sampled_bytes: usize, sampled: usize, total: usize) -> usize {
    if sampled == 0 {
        return 0;
    }
    let avg = sampled_bytes as f64 / sampled as f64;
    (avg * total as f64) as usize
}

fn value_usage(value: &Value, samples: usize) -> usize {
    match value {
        Value::Str(s) => size_class_or_zero(s.heap_size()),
        Value::List(list) => list.quicklist().heap_size() + size_class(48),
        Value::Hash(hash) => match hash.as_listpack() {
            Some(lp) => size_class(lp.total_bytes()),
            None => {
                let mut bytes = 0;
                let mut seen = 0;
                for (field, value) in hash.iter().take(samples) {
                    bytes += TABLE_NODE + element_heap(field.len()) + element_heap(value.len());
                    seen += 1;
                }
                size_class(64) + scale(bytes, seen, hash.len())
            }
        },
        Value::Set(set) => match set.intset_bytes() {
            Some(bytes) => size_class(bytes.len()),
            None => {
                let mut bytes = 0;
                let mut seen = 0;
                for member in set.iter().take(samples) {
                    bytes += TABLE_NODE + element_heap(member.len());
                    seen += 1;
                }
                size_class(64) + scale(bytes, seen, set.len())
            }
        },
        Value::Zset(zset) => match zset.listpack_bytes() {
            Some(bytes) => size_class(bytes),
            None => {
                let mut bytes = 0;
                let mut seen = 0;
                for (member, _) in zset.iter().take(samples) {
                    bytes += ZSET_NODE + size_class(member.len().max(1));
                    seen += 1;
                }
                size_class(128) + scale(bytes, seen, zset.len())
            }
        },
        #[allow(unreachable_patterns)]
        _ => 0,
    }
}

fn size_class_or_zero(bytes: usize) -> usize {
    if bytes == 0 { 0 } else { size_class(bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_estimates_the_whole_from_a_sample() {
        assert_eq!(scale(0, 0, 100), 0);
        assert_eq!(scale(100, 5, 50), 1000);
    }

    #[test]
    fn short_elements_are_inline() {
        assert_eq!(element_heap(15), 0);
        assert_eq!(element_heap(16), 16);
        assert_eq!(element_heap(17), 32);
    }
}
