//! HRANDFIELD: argument checks in Redis's order and the reply shapes of each case.
//!
//! Storage picks the fields (`HashValue::random_pair`, `random_pairs_with_repeats`,
//! `random_pairs_distinct`, which follow the cases of Redis's
//! `hrandfieldWithCountCommand`); this module owns the replies: a flat array of fields
//! and values in RESP2, an array of [field, value] pairs in RESP3.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use scarlet_protocol::{Args, Resp};

use super::Ctx;
use super::args;
use super::reply_entry;
use super::{abandon_oversized_reply, random_reply_cap};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;

pub(super) fn hrandfield(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len() >= 3 {
        let count = args::int(args.at(2))?;
        if count == i64::MIN {
            return Err(CmdError::err(format!(
                "value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            )));
        }
        if args.len() > 4 || (args.len() == 4 && !args::is(args.at(3), "withvalues")) {
            return Err(CmdError::Syntax);
        }
        let with_values = args.len() == 4;
        // With values the reply has twice as many elements: Redis refuses counts whose
        // double would not fit.
        if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
            return Err(CmdError::err("value is out of range"));
        }
        return with_count(ctx, args.at(1), count, with_values);
    }
    let mut rng = SmallRng::from_rng(&mut ctx.server.rng);
    let db = ctx.db();
    let hash = ctx
        .server
        .read_hash(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
    match hash.and_then(|h| h.random_pair(&mut || rng.random())) {
        Some((field, _)) => reply_entry(&mut ctx.client.reply, field),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn with_count(ctx: &mut Ctx<'_>, key_name: &[u8], count: i64, with_values: bool) -> CmdResult {
    let mut rng = SmallRng::from_rng(&mut ctx.server.rng);
    let mut rand = || rng.random::<u64>();
    let cap = random_reply_cap(ctx.server);
    let db = ctx.db();
    let Some(hash) = ctx
        .server
        .read_hash(db, key_name, ctx.now, ReadFlags::NORMAL)?
    else {
        ctx.client.reply.array(0);
        return Ok(());
    };
    let unique = count >= 0;
    let count = count.unsigned_abs();
    let reply = &mut ctx.client.reply;
    if count == 0 {
        reply.array(0);
        return Ok(());
    }
    let pairs = with_values && reply.resp() == Resp::Resp3;
    let flat = with_values && !pairs;
    let elements = |n: u64| usize::try_from(if flat { n.saturating_mul(2) } else { n });
    if !unique || count == 1 {
        let start = reply.len();
        reply.array(elements(count).unwrap_or(usize::MAX));
        let mut overflowed = false;
        hash.random_pairs_with_repeats(count, &mut rand, |field, value| {
            if pairs {
                reply.array(2);
            }
            reply_entry(reply, field);
            if with_values {
                reply_entry(reply, value);
            }
            overflowed = reply.len() > cap;
            !overflowed
        });
        if overflowed {
            abandon_oversized_reply(ctx.client, start);
        }
        return Ok(());
    }
    let picked =
        hash.random_pairs_distinct(usize::try_from(count).unwrap_or(usize::MAX), &mut rand);
    reply.array(elements(picked.len() as u64).unwrap_or(usize::MAX));
    for (field, value) in picked {
        if pairs {
            reply.array(2);
        }
        reply_entry(reply, field);
        if with_values {
            reply_entry(reply, value);
        }
    }
    Ok(())
}
