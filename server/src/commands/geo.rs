//! Geo commands on single members: GEOADD, GEODIST, GEOHASH, GEOPOS; and the argument
//! parsing and reply formatting the searches in `geo_search.rs` share.
//!
//! A geo set is a plain sorted set whose scores are 52-bit geohashes (storage's
//! `geohash` module owns that arithmetic); GEOADD goes through ZADD's own code with the
//! scores it computed, and every read goes through the sorted set API. Nothing here
//! knows an encoding. Distances are printed with four decimals and coordinates in
//! Redis's "human" long double form, as Redis 7.0 prints them.

use scarlet_protocol::{Args, ReplyBuf, Resp};
use scarlet_storage::geohash;
use scarlet_storage::number::parse_f64;
use scarlet_storage::zset::AddFlags;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, KeySpec, acl, flag, key};
use super::zset::{add_pairs, reply_member_scores};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;

/// The single-member part of the geo family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "geoadd",
        arity: -5,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RW | key::UPDATE)],
        handler: Some(geoadd),
        summary: "Adds points to a geospatial index, a sorted set, creating the key if needed",
        since: "3.2.0",
        complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        group: Group::Geo,
        syntax: "key:key condition=[NX|XX]@6.2.0 [change=CH@6.2.0] longitude_latitude_member=(longitude:double latitude:double member)...",
        history: &[("6.2.0", "Added the `CH`, `NX` and `XX` options.")],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "geodist",
        arity: -4,
        flags: flag::READONLY,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(geodist),
        summary: "Returns the distance between two points of a geospatial index",
        since: "3.2.0",
        complexity: "O(log(N))",
        group: Group::Geo,
        syntax: r#"key:key member1 member2 unit=[M|KM|FT|MI]"#,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "geohash",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(geohash_command),
        summary: "Returns standard geohash strings of points of a geospatial index",
        since: "3.2.0",
        complexity: "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
        group: Group::Geo,
        syntax: "key:key member...",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "geopos",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::GEO,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(geopos),
        summary: "Returns the longitude and latitude of points of a geospatial index",
        since: "3.2.0",
        complexity: "O(N) where N is the number of members requested.",
        group: Group::Geo,
        syntax: "key:key member...",
        ..CommandSpec::DEFAULT
    },
];

/// A longitude and a latitude argument (Redis's `extractLongLatOrReply`).
pub(super) fn coordinates(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), CmdError> {
    let lon = parse_f64(lon).ok_or(CmdError::NotFloat)?;
    let lat = parse_f64(lat).ok_or(CmdError::NotFloat)?;
    if !geohash::is_valid(lon, lat) {
        return Err(CmdError::err(format!(
            "invalid longitude,latitude pair {lon:.6},{lat:.6}"
        )));
    }
    Ok((lon, lat))
}

/// Meters per unit of a unit argument: m, km, ft or mi, in any case.
pub(super) fn unit(arg: &[u8]) -> Result<f64, CmdError> {
    if args::is(arg, "m") {
        Ok(1.0)
    } else if args::is(arg, "km") {
        Ok(1000.0)
    } else if args::is(arg, "ft") {
        Ok(0.3048)
    } else if args::is(arg, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::err(
            "unsupported unit provided. please use M, KM, FT, MI",
        ))
    }
}

/// A size argument that must be a non-negative number; `message` is the error for one
/// that is not a number.
pub(super) fn size(arg: &[u8], message: &'static str) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::err(message))
}

/// The point a member of a geo set stands for, if the member is there.
pub(super) fn position(zset: &scarlet_storage::ZsetValue, member: &[u8]) -> Option<(f64, f64)> {
    zset.score(member).map(geohash::decode_score)
}

/// A distance as Redis prints it: a bulk string with exactly four decimals, rounded
/// half to even from the double (Redis's `fixedpoint_d2string` with `llrint`).
pub(super) fn reply_distance(reply: &mut ReplyBuf, meters_or_units: f64) {
    let scaled = geohash::c_llrint(meters_or_units * 10000.0);
    let magnitude = scaled.unsigned_abs();
    let text = format!(
        "{}{}.{:04}",
        if scaled < 0 { "-" } else { "" },
        magnitude / 10000,
        magnitude % 10000
    );
    reply.bulk(text.as_bytes());
}

/// A coordinate as Redis prints it (`addReplyHumanLongDouble`): 17 decimals with the
/// trailing zeros and point removed, as a bulk string in RESP2 and a double in RESP3.
pub(super) fn reply_coordinate(reply: &mut ReplyBuf, degrees: f64) {
    let text = format!("{degrees:.17}");
    let mut text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        text = "0";
    }
    if reply.resp() == Resp::Resp3 {
        reply.raw(b",");
        reply.raw(text.as_bytes());
        reply.raw(b"\r\n");
    } else {
        reply.bulk(text.as_bytes());
    }
}

/// GEOADD: Redis checks the options and every coordinate first, then hands ZADD the
/// scores (so NX, XX and CH mean what they mean for ZADD).
fn geoadd(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (mut nx, mut xx, mut changed_count) = (false, false, false);
    let mut first = 2;
    while first < args.len() {
        let opt = args.at(first);
        if args::is(opt, "nx") {
            nx = true;
        } else if args::is(opt, "xx") {
            xx = true;
        } else if args::is(opt, "ch") {
            changed_count = true;
        } else {
            break;
        }
        first += 1;
    }
    let rest = args.len() - first;
    if !rest.is_multiple_of(3) || (nx && xx) || rest == 0 {
        return Err(CmdError::Syntax);
    }
    let mut pairs = Vec::with_capacity(rest / 3);
    for at in (first..args.len()).step_by(3) {
        let (lon, lat) = coordinates(args.at(at), args.at(at + 1))?;
        let score = geohash::score_of(lon, lat).ok_or(CmdError::NotFloat)?;
        pairs.push((score as f64, args.at(at + 2)));
    }
    let flags = AddFlags {
        nx,
        xx,
        ..AddFlags::default()
    };
    add_pairs(ctx, args.at(1), flags, changed_count, &pairs)?;
    // Replayed as the ZADD it is, with the cells as integer scores (exact in a double:
    // they have 52 bits).
    if ctx.propagating() {
        let cells: Vec<String> = pairs
            .iter()
            .map(|(score, _)| (*score as u64).to_string())
            .collect();
        let mut argv: Vec<&[u8]> = vec![b"zadd"];
        argv.extend(args.iter().take(first).skip(1));
        for (cell, (_, member)) in cells.iter().zip(&pairs) {
            argv.push(cell.as_bytes());
            argv.push(member);
        }
        ctx.propagate_as(&argv);
    }
    Ok(())
}

fn geodist(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let to_meters = match args.len() {
        4 => 1.0,
        5 => unit(args.at(4))?,
        _ => return Err(CmdError::Syntax),
    };
    let db = ctx.db();
    let zset = ctx
        .server
        .read_zset(db, args.at(1), ctx.now, ReadFlags::NORMAL)?;
    let points = zset.and_then(|z| Some((position(z, args.at(2))?, position(z, args.at(3))?)));
    match points {
        Some(((lon1, lat1), (lon2, lat2))) => reply_distance(
            &mut ctx.client.reply,
            geohash::distance(lon1, lat1, lon2, lat2) / to_meters,
        ),
        None => ctx.client.reply.null(),
    }
    Ok(())
}

fn geohash_command(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_member_scores(ctx, args, |reply, score| match score {
        Some(score) => reply.bulk(&geohash::geohash_string(score)),
        None => reply.null(),
    })
}

fn geopos(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_member_scores(ctx, args, |reply, score| {
        match score.map(geohash::decode_score) {
            Some((lon, lat)) => {
                reply.array(2);
                reply_coordinate(reply, lon);
                reply_coordinate(reply, lat);
            }
            None => reply.null_array(),
        }
    })
}
