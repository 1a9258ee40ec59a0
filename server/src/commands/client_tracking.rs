//! The client-side caching subcommands of CLIENT: TRACKING, CACHING, GETREDIR,
//! TRACKINGINFO. Their table entries are in `client.rs` with the other CLIENT
//! subcommands; the tracking state is in `tracking.rs` at the crate root.

use scarlet_protocol::{Aggregate, Args};

use super::Ctx;
use super::args;
use crate::error::{CmdError, CmdResult};
use crate::tracking::ClientTracking;

/// CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]
pub(super) fn tracking(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut wanted = ClientTracking::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    let mut j = 3;
    while j < args.len() {
        let opt = args.at(j);
        let more = j + 1 < args.len();
        if args::is(opt, "redirect") && more {
            j += 1;
            if wanted.redirect != 0 {
                return Err(CmdError::err(
                    "A client can only redirect to a single other client",
                ));
            }
            let id = args::int(args.at(j))?;
            let exists = u64::try_from(id)
                .is_ok_and(|id| id == ctx.client.id || ctx.server.clients.get(id).is_some());
            if !exists {
                return Err(CmdError::err(
                    "The client ID you want redirect to does not exist",
                ));
            }
            wanted.redirect = u64::try_from(id).unwrap_or(0);
        } else if args::is(opt, "bcast") {
            wanted.bcast = true;
        } else if args::is(opt, "optin") {
            wanted.optin = true;
        } else if args::is(opt, "optout") {
            wanted.optout = true;
        } else if args::is(opt, "noloop") {
            wanted.noloop = true;
        } else if args::is(opt, "prefix") && more {
            j += 1;
            prefixes.push(args.at(j));
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let status = args.at(2);
    if args::is(status, "off") {
        ctx.server.disable_tracking(ctx.client);
        ctx.client.reply.ok();
        return Ok(());
    }
    if !args::is(status, "on") {
        return Err(CmdError::Syntax);
    }
    check_compatible(ctx, &wanted, &prefixes)?;
    wanted.prefixes = prefixes.iter().map(|p| p.to_vec()).collect();
    ctx.server.enable_tracking(ctx.client, wanted);
    ctx.client.reply.ok();
    Ok(())
}

/// The checks Redis makes before turning tracking on, in its order.
fn check_compatible(ctx: &Ctx<'_>, wanted: &ClientTracking, prefixes: &[&[u8]]) -> CmdResult {
    if !wanted.bcast && !prefixes.is_empty() {
        return Err(CmdError::err(
            "PREFIX option requires BCAST mode to be enabled",
        ));
    }
    let current = ctx.client.tracking.as_deref();
    if let Some(current) = current
        && current.bcast != wanted.bcast
    {
        return Err(CmdError::err(
            "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
        ));
    }
    if wanted.bcast && (wanted.optin || wanted.optout) {
        return Err(CmdError::err(
            "OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    if wanted.optin && wanted.optout {
        return Err(CmdError::err(
            "You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if current.is_some_and(|c| (wanted.optin && c.optout) || (wanted.optout && c.optin)) {
        return Err(CmdError::err(
            "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
        ));
    }
    if wanted.bcast {
        check_prefix_overlaps(current, prefixes)?;
    }
    Ok(())
}

/// A client's BCAST prefixes must not overlap (one a prefix of another), among
/// themselves or with those it already has.
fn check_prefix_overlaps(current: Option<&ClientTracking>, prefixes: &[&[u8]]) -> CmdResult {
    let overlaps = |a: &[u8], b: &[u8]| {
        let n = a.len().min(b.len());
        a.get(..n) == b.get(..n)
    };
    for (i, p) in prefixes.iter().enumerate() {
        if let Some(existing) = current
            .into_iter()
            .flat_map(|c| c.prefixes.iter())
            .find(|e| overlaps(e, p))
        {
            return Err(CmdError::err(format!(
                "Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(existing)
            )));
        }
        if let Some(other) = prefixes.iter().skip(i + 1).find(|q| overlaps(p, q)) {
            return Err(CmdError::err(format!(
                "Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                String::from_utf8_lossy(p),
                String::from_utf8_lossy(other)
            )));
        }
    }
    Ok(())
}

/// CLIENT CACHING (YES|NO): in OPTIN mode track the next command's keys, in OPTOUT mode
/// don't.
pub(super) fn caching(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let Some(t) = ctx.client.tracking.as_deref_mut() else {
        return Err(CmdError::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    let mode = args.at(2);
    if args::is(mode, "yes") {
        if !t.optin {
            return Err(CmdError::err(
                "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if args::is(mode, "no") {
        if !t.optout {
            return Err(CmdError::err(
                "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    t.caching = true;
    ctx.client.reply.ok();
    Ok(())
}

/// CLIENT GETREDIR: the redirect target, 0 for none, -1 when tracking is off.
pub(super) fn getredir(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let redirect = ctx
        .client
        .tracking
        .as_ref()
        .map_or(-1, |t| i64::try_from(t.redirect).unwrap_or(i64::MAX));
    ctx.client.reply.int(redirect);
    Ok(())
}

/// CLIENT TRACKINGINFO: flags, redirect, prefixes.
pub(super) fn trackinginfo(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let t = ctx.client.tracking.as_deref().cloned();
    let reply = &mut ctx.client.reply;
    reply.map(3);
    reply.bulk(b"flags");
    let mut flags: Vec<&[u8]> = Vec::new();
    match &t {
        None => flags.push(b"off"),
        Some(t) => {
            flags.push(b"on");
            if t.bcast {
                flags.push(b"bcast");
            }
            if t.optin {
                flags.push(b"optin");
                if t.caching {
                    flags.push(b"caching-yes");
                }
            }
            if t.optout {
                flags.push(b"optout");
                if t.caching {
                    flags.push(b"caching-no");
                }
            }
            if t.noloop {
                flags.push(b"noloop");
            }
            if t.broken_redirect {
                flags.push(b"broken_redirect");
            }
        }
    }
    let set = reply.deferred();
    for flag in &flags {
        reply.bulk(flag);
    }
    reply.finish_deferred(set, Aggregate::Set, flags.len());
    reply.bulk(b"redirect");
    reply.int(
        t.as_ref()
            .map_or(-1, |t| i64::try_from(t.redirect).unwrap_or(i64::MAX)),
    );
    reply.bulk(b"prefixes");
    let prefixes: Vec<&Vec<u8>> = t.iter().flat_map(|t| t.prefixes.iter()).collect();
    reply.array(prefixes.len());
    for prefix in prefixes {
        reply.bulk(prefix);
    }
    Ok(())
}
