//! Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP (BITFIELD and
//! BITFIELD_RO are in `bitfield.rs`).
//!
//! Bitmaps are ordinary strings; storage's `bitmap` module holds the bit algorithms and
//! `StrValue::edit_raw` the in-place growth Redis does (a changed string becomes "raw").
//! This file parses arguments in Redis's order, so that the same bad request gets the same
//! error, and maps ranges the way Redis's `bitcountCommand` and `bitposCommand` do.

use scarlet_protocol::Args;
use scarlet_storage::bitmap::{self, BitOp};
use scarlet_storage::number::parse_i64;
use scarlet_storage::{IntBuf, StrValue, Value};

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

/// The bitmap family's table (BITFIELD's pair is in `bitfield.rs`).
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "setbit",
        arity: 4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::BITMAP,
        keys: &[KeySpec::single(1, key::RW | key::ACCESS | key::UPDATE)],
        handler: Some(setbit),
        summary: "Sets or clears one bit of a key's string value, growing it as needed",
        since: "2.2.0",
        group: Group::Bitmap,
        syntax: "key:key offset:integer value:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "getbit",
        arity: 3,
        flags: flag::READONLY | flag::FAST,
        acl: acl::BITMAP,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(getbit),
        summary: "Returns one bit of a key's string value",
        since: "2.2.0",
        group: Group::Bitmap,
        syntax: "key:key offset:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bitcount",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::BITMAP,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(bitcount),
        summary: "Counts the set bits of a key's string value, or of a byte or bit range of it",
        since: "2.6.0",
        complexity: "O(N)",
        group: Group::Bitmap,
        syntax: "key:key [index=(start:integer end:integer index_unit=[BYTE|BIT]@7.0.0)]",
        history: &[("7.0.0", "Added the `BYTE|BIT` option.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bitpos",
        arity: -3,
        flags: flag::READONLY,
        acl: acl::BITMAP,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(bitpos),
        summary: "Finds the first set or clear bit of a key's string value, or of a range of it",
        since: "2.8.7",
        complexity: "O(N)",
        group: Group::Bitmap,
        syntax: "key:key bit:integer [index=(start:integer [end_index=(end:integer index_unit=[BYTE|BIT]@7.0.0)])]",
        history: &[("7.0.0", "Added the `BYTE|BIT` option.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "bitop",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::BITMAP,
        keys: &[
            KeySpec::single(2, key::OW | key::UPDATE),
            KeySpec::to_end(3, 1, key::RO | key::ACCESS),
        ],
        handler: Some(bitop),
        summary: "Stores the AND, OR, XOR of string values, or the NOT of one, in a key",
        since: "2.6.0",
        complexity: "O(N)",
        group: Group::Bitmap,
        syntax: "operation destkey:key key:key1...",
        ..CommandSpec::DEFAULT
    },
];

/// Redis's `getBitOffsetFromArgument`: a bit offset below 8 * proto-max-bulk-len. With
/// `field_bits` (BITFIELD), `#n` means n fields of that width.
pub(super) fn bit_offset(
    arg: &[u8],
    max_len: u64,
    field_bits: Option<u32>,
) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("bit offset is not an integer or out of range");
    let (digits, multiplier) = match (arg.split_first(), field_bits) {
        (Some((b'#', rest)), Some(bits)) => (rest, Some(bits)),
        _ => (arg, None),
    };
    let mut offset = parse_i64(digits).ok_or_else(invalid)?;
    if let Some(bits) = multiplier {
        // Redis multiplies in C without an overflow check; a wrapped product is then
        // refused or accepted by the range test below, as there.
        offset = offset.wrapping_mul(i64::from(bits));
    }
    match u64::try_from(offset) {
        Ok(offset) if offset >> 3 < max_len => Ok(offset),
        _ => Err(invalid()),
    }
}

/// A string's bit `offset` (0 past the end).
fn bit_at(bytes: &[u8], offset: u64) -> bool {
    usize::try_from(offset / 8)
        .ok()
        .and_then(|i| bytes.get(i))
        .is_some_and(|&b| b & (0x80 >> (offset % 8)) != 0)
}

fn setbit(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let max = ctx.server.config.proto_max_bulk_len;
    let offset = bit_offset(args.at(2), max, None)?;
    let on = args::int_or(args.at(3), "bit is not an integer or out of range")?;
    if on & !1 != 0 {
        return Err(CmdError::err("bit is not an integer or out of range"));
    }
    let needed = usize::try_from(offset / 8 + 1).map_err(|_| CmdError::StringTooLong)?;
    let db = ctx.db();
    let write = |bytes: &mut Vec<u8>, grown: bool| {
        let old = bit_at(bytes, offset);
        let changed = grown || old != (on == 1);
        if changed
            && let Some(byte) = usize::try_from(offset / 8)
                .ok()
                .and_then(|i| bytes.get_mut(i))
        {
            let mask = 0x80u8 >> (offset % 8);
            if on == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
        (old, changed)
    };
    let (old, changed) = match ctx.server.write_str(db, args.at(1), ctx.now)? {
        Some(s) => {
            let before = s.len();
            s.edit_raw(needed, |bytes| write(bytes, bytes.len() != before))
        }
        None => {
            let mut value = StrValue::raw_from_bytes(b"");
            let result = value.edit_raw(needed, |bytes| write(bytes, true));
            ctx.server
                .add_key(db, args.at(1), Value::Str(value), ctx.now);
            result
        }
    };
    if changed {
        ctx.server
            .key_changed(db, args.at(1), class::STRING, "setbit");
        ctx.server.dirty += 1;
    }
    ctx.client.reply.int(i64::from(old));
    Ok(())
}

fn getbit(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let offset = bit_offset(args.at(2), ctx.server.config.proto_max_bulk_len, None)?;
    let db = ctx.db();
    let bit = match ctx
        .server
        .read_str(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    {
        None => false,
        Some(s) => {
            let mut scratch = IntBuf::default();
            bit_at(s.as_bytes(&mut scratch), offset)
        }
    };
    ctx.client.reply.int(i64::from(bit));
    Ok(())
}

/// BYTE or BIT: true for BIT.
fn index_unit(arg: &[u8]) -> Result<bool, CmdError> {
    if args::is(arg, "bit") {
        Ok(true)
    } else if args::is(arg, "byte") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// A start/end pair in bytes or bits, negative counting from the end, clamped to a
/// string of `total` units the way Redis clamps it: `None` when the range is empty,
/// otherwise the first and last bit positions.
fn clamp_range(mut start: i64, mut end: i64, total: i64, in_bits: bool) -> Option<(u64, u64)> {
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    let (start, end) = (u64::try_from(start).ok()?, u64::try_from(end).ok()?);
    if in_bits {
        Some((start, end))
    } else {
        Some((start * 8, end * 8 + 7))
    }
}

fn bitcount(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let Some(s) = ctx
        .server
        .read_str(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        ctx.client.reply.int(0);
        return Ok(());
    };
    let mut scratch = IntBuf::default();
    let bytes = s.as_bytes(&mut scratch);
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let range = match args.len() {
        4 | 5 => {
            let start = args::int(args.at(2))?;
            let end = args::int(args.at(3))?;
            if start < 0 && end < 0 && start > end {
                ctx.client.reply.int(0);
                return Ok(());
            }
            let in_bits = args.len() == 5 && index_unit(args.at(4))?;
            let total = if in_bits { len.saturating_mul(8) } else { len };
            clamp_range(start, end, total, in_bits)
        }
        2 => clamp_range(0, len - 1, len, false),
        _ => return Err(CmdError::Syntax),
    };
    let count = range.map_or(0, |(first, last)| bitmap::count_range(bytes, first, last));
    ctx.client.reply.count(count);
    Ok(())
}

fn bitpos(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let bit = args::int(args.at(2))?;
    if bit != 0 && bit != 1 {
        return Err(CmdError::err("The bit argument must be 1 or 0."));
    }
    let db = ctx.db();
    let Some(s) = ctx
        .server
        .read_str(db, args.at(1), ctx.now, ReadFlags::NORMAL)?
    else {
        ctx.client.reply.int(if bit == 1 { -1 } else { 0 });
        return Ok(());
    };
    let mut scratch = IntBuf::default();
    let bytes = s.as_bytes(&mut scratch);
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let (range, end_given) = match args.len() {
        4..=6 => {
            let start = args::int(args.at(3))?;
            let in_bits = args.len() == 6 && index_unit(args.at(5))?;
            let end = if args.len() >= 5 {
                Some(args::int(args.at(4))?)
            } else {
                None
            };
            let total = if in_bits { len.saturating_mul(8) } else { len };
            // Without an end, Redis starts from one past the last unit and clamps it.
            let end_or_last = end.unwrap_or(if in_bits {
                len.saturating_mul(8).saturating_add(7)
            } else {
                len - 1
            });
            (
                clamp_range(start, end_or_last, total, in_bits),
                end.is_some(),
            )
        }
        3 => (clamp_range(0, len - 1, len, false), false),
        _ => return Err(CmdError::Syntax),
    };
    let position = match range {
        None => -1,
        Some((first, last)) => match bitmap::find_bit(bytes, bit == 1, first, last) {
            Some(p) => i64::try_from(p).unwrap_or(i64::MAX),
            // No clear bit in an open-ended range: the string reads as zero-padded.
            None if bit == 0 && !end_given => i64::try_from(last + 1).unwrap_or(i64::MAX),
            None => -1,
        },
    };
    ctx.client.reply.int(position);
    Ok(())
}

fn bitop(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let op = args.at(1);
    let op = if args::is(op, "and") {
        BitOp::And
    } else if args::is(op, "or") {
        BitOp::Or
    } else if args::is(op, "xor") {
        BitOp::Xor
    } else if args::is(op, "not") {
        BitOp::Not
    } else {
        return Err(CmdError::Syntax);
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CmdError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let db = ctx.db();
    let source_keys: Vec<&[u8]> = args.iter().skip(3).collect();
    // A first pass does what Redis's lookups do (expiry, statistics, type checks); the
    // second borrows the values without copying them.
    for key_name in &source_keys {
        ctx.server
            .read_str(db, key_name, ctx.now, ReadFlags::NORMAL)?;
    }
    let result = {
        let values: Vec<Option<&StrValue>> = source_keys
            .iter()
            .map(|k| {
                ctx.server
                    .dbs
                    .get(db)
                    .and_then(|d| d.peek(k))
                    .and_then(Value::as_str)
            })
            .collect();
        let mut scratch = vec![IntBuf::default(); values.len()];
        let sources: Vec<&[u8]> = values
            .iter()
            .zip(scratch.iter_mut())
            .map(|(v, buf)| v.map_or(&[][..], |s| s.as_bytes(buf)))
            .collect();
        bitmap::bitop(op, &sources)
    };
    let length = result.len();
    let value = (length > 0).then(|| Value::Str(StrValue::raw_from_vec(result)));
    ctx.server
        .store_result(db, args.at(2), value, (class::STRING, "set"), ctx.now);
    ctx.client.reply.count(length);
    Ok(())
}
