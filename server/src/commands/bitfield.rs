//! BITFIELD and BITFIELD_RO: integers of 1 to 64 bits at any bit offset of a string.
//!
//! Every operation is parsed (and every error found) before the key is touched, as in
//! Redis's `bitfieldGeneric`; a command with a SET or INCRBY grows the string once, to
//! the farthest bit any of its writes reaches, then runs the operations in order. The
//! arithmetic and the overflow rules are storage's (`bitmap`).

use scarlet_protocol::Args;
use scarlet_storage::bitmap::{self, Overflow};
use scarlet_storage::number::parse_i64;
use scarlet_storage::{IntBuf, StrValue, Value};

use super::Ctx;
use super::args;
use super::bitops::bit_offset;
use super::spec::{CommandSpec, Group, KeyRef, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// BITFIELD and BITFIELD_RO.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "bitfield",
        arity: -2,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::BITMAP,
        keys: &[
            KeySpec::single(1, key::RW | key::UPDATE | key::ACCESS | key::VARIABLE_FLAGS)
                .with_notes("This command allows both access and modification of the key"),
        ],
        getkeys: Some(bitfield_keys),
        handler: Some(bitfield),
        summary: "Reads, writes and increments integer fields of any width at any bit offset of a string",
        since: "3.2.0",
        complexity: "O(1) for each subcommand specified",
        group: Group::Bitmap,
        syntax: "key:key [operation=(encoding_offset=GET (encoding offset:integer)|write=([wrap_sat_fail=OVERFLOW (WRAP|SAT|FAIL)] write_operation=(encoding_offset_value=SET (encoding offset:integer value:integer)|encoding_offset_increment=INCRBY (encoding offset:integer increment:integer))))...]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bitfield_ro",
        arity: -2,
        flags: flag::READONLY | flag::FAST,
        acl: acl::BITMAP,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(bitfield_ro),
        summary: "Reads integer fields of any width at any bit offset of a string",
        since: "6.0.0",
        complexity: "O(1) for each subcommand specified",
        group: Group::Bitmap,
        syntax: "key:key [encoding_offset=GET (encoding offset:integer)+...]",
        ..CommandSpec::DEFAULT
    },
];

/// BITFIELD's key is read-only when every operation is a GET (Redis's `bitfieldGetKeys`).
fn bitfield_keys(args: Args<'_>) -> Vec<KeyRef> {
    let mut readonly = true;
    let mut i = 2;
    while i < args.len() {
        let remaining = args.len() - i - 1;
        let arg = args.at(i);
        if args::is(arg, "get") && remaining >= 2 {
            i += 3;
        } else if (args::is(arg, "set") || args::is(arg, "incrby")) && remaining >= 3 {
            readonly = false;
            break;
        } else if args::is(arg, "overflow") && remaining >= 1 {
            i += 2;
        } else {
            readonly = false;
            break;
        }
    }
    let flags = if readonly {
        key::RO | key::ACCESS
    } else {
        key::RW | key::ACCESS | key::UPDATE
    };
    vec![KeyRef { pos: 1, flags }]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Get,
    Set,
    IncrBy,
}

/// One parsed operation.
struct Op {
    kind: Kind,
    offset: u64,
    bits: u32,
    signed: bool,
    /// SET's value or INCRBY's increment.
    value: i64,
    overflow: Overflow,
}

/// A field type, `i1`..`i64` or `u1`..`u63` (Redis's `getBitfieldTypeFromArgument`).
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let invalid = || {
        CmdError::err(
            "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
        )
    };
    let (signed, digits) = match arg.split_first() {
        Some((b'i', rest)) => (true, rest),
        Some((b'u', rest)) => (false, rest),
        _ => return Err(invalid()),
    };
    // Redis reads the width as a C string: it ends at the first NUL byte.
    let end = digits.iter().position(|&b| b == 0).unwrap_or(digits.len());
    let bits = parse_i64(digits.get(..end).unwrap_or_default()).ok_or_else(invalid)?;
    let limit = if signed { 64 } else { 63 };
    match u32::try_from(bits) {
        Ok(bits) if (1..=limit).contains(&bits) => Ok((signed, bits)),
        _ => Err(invalid()),
    }
}

/// Parses every operation; also returns the farthest bit a write reaches.
fn parse_ops(args: Args<'_>, max_len: u64) -> Result<(Vec<Op>, Option<u64>), CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut i = 2;
    while i < args.len() {
        let remaining = args.len() - i - 1;
        let sub = args.at(i);
        let kind = if args::is(sub, "get") && remaining >= 2 {
            Kind::Get
        } else if args::is(sub, "set") && remaining >= 3 {
            Kind::Set
        } else if args::is(sub, "incrby") && remaining >= 3 {
            Kind::IncrBy
        } else if args::is(sub, "overflow") && remaining >= 1 {
            let policy = args.at(i + 1);
            overflow = if args::is(policy, "wrap") {
                Overflow::Wrap
            } else if args::is(policy, "sat") {
                Overflow::Sat
            } else if args::is(policy, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::err("Invalid OVERFLOW type specified"));
            };
            i += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let (signed, bits) = field_type(args.at(i + 1))?;
        let offset = bit_offset(args.at(i + 2), max_len, Some(bits))?;
        let mut value = 0;
        if kind != Kind::Get {
            let last = offset + u64::from(bits) - 1;
            highest_write = Some(highest_write.map_or(last, |h| h.max(last)));
            value = args::int(args.at(i + 3))?;
            i += 4;
        } else {
            i += 3;
        }
        ops.push(Op {
            kind,
            offset,
            bits,
            signed,
            value,
            overflow,
        });
    }
    Ok((ops, highest_write))
}

/// A GET on bytes that may be shorter than the field (missing bits read as 0).
fn get(bytes: &[u8], op: &Op) -> i64 {
    if op.signed {
        bitmap::get_signed(bytes, op.offset, op.bits)
    } else {
        bitmap::get_unsigned(bytes, op.offset, op.bits) as i64
    }
}

/// SET or INCRBY on bytes already long enough: the reply (None under FAIL overflow) and
/// whether the stored field changed.
fn write(bytes: &mut [u8], op: &Op) -> (Option<i64>, bool) {
    let (old, new, reply) = if op.signed {
        let old = bitmap::get_signed(bytes, op.offset, op.bits);
        let (base, incr) = match op.kind {
            Kind::IncrBy => (old, op.value),
            _ => (op.value, 0),
        };
        let overflow = bitmap::signed_overflow(base, incr, op.bits, op.overflow);
        if overflow.is_some() && op.overflow == Overflow::Fail {
            return (None, false);
        }
        let new = overflow.unwrap_or(base.wrapping_add(incr));
        let reply = if op.kind == Kind::IncrBy { new } else { old };
        (old as u64, new as u64, reply)
    } else {
        let old = bitmap::get_unsigned(bytes, op.offset, op.bits);
        let (base, incr) = match op.kind {
            Kind::IncrBy => (old, op.value),
            _ => (op.value as u64, 0),
        };
        let overflow = bitmap::unsigned_overflow(base, incr, op.bits, op.overflow);
        if overflow.is_some() && op.overflow == Overflow::Fail {
            return (None, false);
        }
        let new = overflow.unwrap_or(base.wrapping_add(incr as u64));
        let reply = if op.kind == Kind::IncrBy { new } else { old };
        (old, new, reply as i64)
    };
    bitmap::set_bits(bytes, op.offset, op.bits, new);
    (Some(reply), old != new)
}

/// Runs every operation on a string grown to hold the writes; `grown` (the key was created
/// or lengthened) makes every write count as a change, as in Redis.
fn run_all(bytes: &mut [u8], ops: &[Op], grown: bool) -> (Vec<Option<i64>>, u64) {
    let mut replies = Vec::with_capacity(ops.len());
    let mut changes = 0;
    for op in ops {
        if op.kind == Kind::Get {
            replies.push(Some(get(bytes, op)));
            continue;
        }
        let (reply, changed) = write(bytes, op);
        if reply.is_some() && (grown || changed) {
            changes += 1;
        }
        replies.push(reply);
    }
    (replies, changes)
}

fn bitfield_generic(ctx: &mut Ctx<'_>, args: Args<'_>, readonly_command: bool) -> CmdResult {
    let max = ctx.server.config.proto_max_bulk_len;
    let (ops, highest_write) = parse_ops(args, max)?;
    let db = ctx.db();
    let key_name = args.at(1);
    let replies = match highest_write {
        None => {
            let value = ctx
                .server
                .read_str(db, key_name, ctx.now, ReadFlags::NORMAL)?;
            let mut scratch = IntBuf::default();
            let bytes = value.map_or(&[][..], |s| s.as_bytes(&mut scratch));
            ops.iter().map(|op| Some(get(bytes, op))).collect()
        }
        Some(_) if readonly_command => {
            return Err(CmdError::err(
                "BITFIELD_RO only supports the GET subcommand",
            ));
        }
        Some(highest) => {
            let needed = usize::try_from(highest / 8 + 1).map_err(|_| CmdError::StringTooLong)?;
            let (replies, changes) = match ctx.server.write_str(db, key_name, ctx.now)? {
                Some(s) => {
                    let before = s.len();
                    s.edit_raw(needed, |bytes| {
                        let grown = bytes.len() != before;
                        run_all(bytes, &ops, grown)
                    })
                }
                None => {
                    let mut value = StrValue::raw_from_bytes(b"");
                    let result = value.edit_raw(needed, |bytes| run_all(bytes, &ops, true));
                    ctx.server.add_key(db, key_name, Value::Str(value), ctx.now);
                    result
                }
            };
            if changes > 0 {
                ctx.server
                    .key_changed(db, key_name, class::STRING, "setbit");
                ctx.server.dirty += changes;
            }
            replies
        }
    };
    ctx.client.reply.array(replies.len());
    for reply in replies {
        match reply {
            Some(n) => ctx.client.reply.int(n),
            None => ctx.client.reply.null(),
        }
    }
    Ok(())
}

fn bitfield(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    bitfield_generic(ctx, args, false)
}

fn bitfield_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    bitfield_generic(ctx, args, true)
}
