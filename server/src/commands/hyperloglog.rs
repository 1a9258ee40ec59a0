//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
//!
//! A HyperLogLog is a string value in Redis's byte layout (storage's `hyperloglog`
//! codec), so GET, SET, DUMP and replication carry it unchanged between Scarlet and Redis.
//! This file checks that a string is one (Redis's `isHLLObjectOrReply`), changes values in
//! place the way Redis does (a changed value becomes a "raw" string), and counts changes
//! as Redis counts them in `dirty`, PFCOUNT's cache refresh included.

use scarlet_protocol::Args;
use scarlet_storage::hyperloglog::{self as hll, Encoding, Opcode, REGISTERS};
use scarlet_storage::{IntBuf, StrValue, Value};

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, KeySpec, acl, doc, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The HyperLogLog family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "pfadd",
        arity: -2,
        flags: flag::WRITE | flag::DENYOOM | flag::FAST,
        acl: acl::HYPERLOGLOG,
        keys: &[KeySpec::single(1, key::RW | key::INSERT)],
        handler: Some(pfadd),
        summary: "Adds elements to a HyperLogLog, creating the key if needed",
        since: "2.8.9",
        complexity: "O(1) to add every element.",
        group: Group::Hyperloglog,
        syntax: "key:key [element...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pfcount",
        arity: -2,
        flags: flag::READONLY | flag::MAY_REPLICATE,
        acl: acl::HYPERLOGLOG,
        keys: &[KeySpec::to_end(1, 1, key::RW | key::ACCESS).with_notes(
            "RW because it may change the internal representation of the key, and propagate to replicas",
        )],
        handler: Some(pfcount),
        summary: "Estimates the number of distinct elements in one HyperLogLog or in the union of several",
        since: "2.8.9",
        complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        group: Group::Hyperloglog,
        syntax: "key:key...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pfmerge",
        arity: -2,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::HYPERLOGLOG,
        keys: &[
            KeySpec::single(1, key::RW | key::ACCESS | key::INSERT),
            KeySpec::to_end(2, 1, key::RO | key::ACCESS),
        ],
        handler: Some(pfmerge),
        summary: "Merges HyperLogLogs into a destination HyperLogLog",
        since: "2.8.9",
        complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
        group: Group::Hyperloglog,
        syntax: "destkey:key sourcekey:key1...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pfdebug",
        arity: 3,
        flags: flag::WRITE | flag::DENYOOM | flag::ADMIN,
        acl: acl::HYPERLOGLOG,
        keys: &[KeySpec::single(2, key::RW | key::ACCESS)],
        handler: Some(pfdebug),
        summary: "Inspects or converts a HyperLogLog's internal representation (for tests)",
        since: "2.8.9",
        complexity: "N/A",
        group: Group::Hyperloglog,
        syntax: "subcommand key:key",
        doc_flags: doc::SYSCMD,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pfselftest",
        arity: 1,
        flags: flag::ADMIN,
        acl: acl::HYPERLOGLOG,
        handler: Some(pfselftest),
        summary: "Runs the HyperLogLog implementation's self-test",
        since: "2.8.9",
        complexity: "N/A",
        group: Group::Hyperloglog,
        doc_flags: doc::SYSCMD,
        ..CommandSpec::DEFAULT
    },
];

/// Redis's `isHLLObjectOrReply` past the type check.
fn check_hll(value: &StrValue) -> Result<Encoding, CmdError> {
    let mut scratch = IntBuf::default();
    hll::encoding_of(value.as_bytes(&mut scratch)).ok_or(CmdError::NotHll)
}

fn corrupt(_: hll::Corrupt) -> CmdError {
    CmdError::CorruptHll
}

/// `hll-sparse-max-bytes`.
fn sparse_max(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.server.config.hll_sparse_max_bytes).unwrap_or(usize::MAX)
}

fn pfadd(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let limit = sparse_max(ctx);
    let add_all = |bytes: &mut Vec<u8>, mut updated: u64| -> Result<u64, CmdError> {
        for element in args.iter().skip(2) {
            if hll::add(bytes, element, limit).map_err(corrupt)? {
                updated += 1;
            }
        }
        if updated > 0 {
            hll::invalidate_cache(bytes);
        }
        Ok(updated)
    };
    let updated = match ctx.server.write_str(db, args.at(1), ctx.now)? {
        Some(s) => {
            check_hll(s)?;
            s.edit_raw(0, |bytes| add_all(bytes, 0))?
        }
        None => {
            let mut bytes = hll::new_sparse();
            let updated = add_all(&mut bytes, 1);
            let value = Value::Str(StrValue::raw_from_vec(bytes));
            ctx.server.add_key(db, args.at(1), value, ctx.now);
            updated?
        }
    };
    if updated > 0 {
        ctx.server
            .key_changed(db, args.at(1), class::STRING, "pfadd");
        ctx.server.dirty += updated;
    }
    ctx.client.reply.int(i64::from(updated > 0));
    Ok(())
}

/// Merges every existing HyperLogLog among `keys` into one register per byte; also says
/// whether any of them is dense.
fn merge_keys<'a>(
    ctx: &mut Ctx<'_>,
    keys: impl Iterator<Item = &'a [u8]>,
) -> Result<(Box<[u8; REGISTERS]>, bool), CmdError> {
    let db = ctx.db();
    let mut max = Box::new([0u8; REGISTERS]);
    let mut any_dense = false;
    for key_name in keys {
        let Some(s) = ctx
            .server
            .read_str(db, key_name, ctx.now, ReadFlags::NORMAL)?
        else {
            continue;
        };
        any_dense |= check_hll(s)? == Encoding::Dense;
        let mut scratch = IntBuf::default();
        hll::merge_into(&mut max, s.as_bytes(&mut scratch)).map_err(corrupt)?;
    }
    Ok((max, any_dense))
}

fn pfcount(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len() > 2 {
        let (max, _) = merge_keys(ctx, args.iter().skip(1))?;
        ctx.client.reply.count(hll::count_registers(&max));
        return Ok(());
    }
    let db = ctx.db();
    let Some(s) = ctx
        .server
        .read_str(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    check_hll(s)?;
    let (card, refreshed) = s.edit_raw(0, |bytes| hll::count(bytes)).map_err(corrupt)?;
    // Refreshing the cached estimate changes the stored value, so Redis counts it.
    if refreshed {
        ctx.server.signal_modified_key(db, args.at(1));
        ctx.server.dirty += 1;
    }
    ctx.client.reply.count(card);
    Ok(())
}

fn pfmerge(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (max, any_dense) = merge_keys(ctx, args.iter().skip(1))?;
    let limit = sparse_max(ctx);
    let write_registers = |bytes: &mut Vec<u8>| -> Result<(), CmdError> {
        if any_dense {
            hll::to_dense(bytes).map_err(corrupt)?;
        }
        for (index, &register) in max.iter().enumerate() {
            if register > 0 {
                // As in Redis, a failure here cannot happen: the value was just checked.
                let _ = hll::set_register(bytes, index, register, limit);
            }
        }
        hll::invalidate_cache(bytes);
        Ok(())
    };
    let db = ctx.db();
    match ctx.server.write_str(db, args.at(1), ctx.now)? {
        Some(s) => s.edit_raw(0, write_registers)?,
        None => {
            let mut bytes = hll::new_sparse();
            let result = write_registers(&mut bytes);
            let value = Value::Str(StrValue::raw_from_vec(bytes));
            ctx.server.add_key(db, args.at(1), value, ctx.now);
            result?;
        }
    }
    // PFMERGE is a mass add, so Redis names its event "pfadd".
    ctx.server
        .key_changed(db, args.at(1), class::STRING, "pfadd");
    ctx.server.dirty += 1;
    ctx.client.reply.ok();
    Ok(())
}

/// PFDEBUG DECODE's text for a sparse value.
fn decode_text(value: &[u8]) -> String {
    let parts: Vec<String> = hll::sparse_opcodes(value)
        .into_iter()
        .map(|op| match op {
            Opcode::Zero(run) => format!("z:{run}"),
            Opcode::XZero(run) => format!("Z:{run}"),
            Opcode::Val { value, run } => format!("v:{value},{run}"),
        })
        .collect();
    parts.join(" ")
}

fn pfdebug(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let sub = args.at(1);
    let db = ctx.db();
    let Some(s) = ctx.server.write_str(db, args.at(2), ctx.now)? else {
        return Err(CmdError::err("The specified key does not exist"));
    };
    let encoding = check_hll(s)?;
    if args::is(sub, "getreg") {
        let (registers, converted) = s
            .edit_raw(0, |bytes| {
                let converted = hll::to_dense(bytes)?;
                hll::register_values(bytes).map(|r| (r, converted))
            })
            .map_err(corrupt)?;
        if converted {
            ctx.server.dirty += 1;
        }
        ctx.client.reply.array(registers.len());
        for register in registers {
            ctx.client.reply.int(i64::from(register));
        }
    } else if args::is(sub, "decode") {
        if encoding != Encoding::Sparse {
            return Err(CmdError::err("HLL encoding is not sparse"));
        }
        let text = s.edit_raw(0, |bytes| decode_text(bytes));
        ctx.client.reply.bulk(text.as_bytes());
    } else if args::is(sub, "encoding") {
        s.edit_raw(0, |_| ());
        ctx.client.reply.simple(match encoding {
            Encoding::Dense => b"dense",
            Encoding::Sparse => b"sparse",
        });
    } else if args::is(sub, "todense") {
        let converted = s.edit_raw(0, hll::to_dense).map_err(corrupt)?;
        if converted {
            ctx.server.dirty += 1;
        }
        ctx.client.reply.int(i64::from(converted));
    } else {
        s.edit_raw(0, |_| ());
        return Err(CmdError::err(format!(
            "Unknown PFDEBUG subcommand '{}'",
            args::c_str(sub)
        )));
    }
    Ok(())
}

fn pfselftest(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let seed = rand::RngExt::random::<u64>(&mut ctx.server.rng);
    hll::self_test(seed, sparse_max(ctx)).map_err(CmdError::err)?;
    ctx.client.reply.ok();
    Ok(())
}
