//! The replication family: REPLICAOF (and its old name SLAVEOF), ROLE, REPLCONF's
//! options, and SYNC/PSYNC, by which a replica attaches to us. The links themselves are
//! in `crate::replication`.
//!
//! REPLCONF's rdb-only and rdb-filter-only are checked and acknowledged, nothing more.

use scarlet_protocol::Args;

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, acl, doc, flag};
use crate::error::{CmdError, CmdResult};
use crate::log::{self, Level};
use crate::replication::failover::FailoverRequest;

/// REPLICAOF's and SLAVEOF's argument syntax.
const REPLICAOF_SYNTAX: &str = "args=(host-port=(host port:integer)|no-one=(NO ONE))";

/// The replication family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "replicaof",
        arity: 3,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NOSCRIPT | flag::STALE,
        handler: Some(replicaof),
        summary: "Makes the server a replica of another one, or a master again",
        since: "5.0.0",
        group: Group::Server,
        syntax: REPLICAOF_SYNTAX,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "slaveof",
        arity: 3,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NOSCRIPT | flag::STALE,
        handler: Some(replicaof),
        summary: "Makes the server a replica of another one, or a master again",
        group: Group::Server,
        syntax: REPLICAOF_SYNTAX,
        doc_flags: doc::DEPRECATED,
        deprecated_since: Some("5.0.0"),
        replaced_by: Some("`REPLICAOF`"),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "failover",
        arity: -1,
        flags: flag::ADMIN | flag::NOSCRIPT | flag::STALE,
        handler: Some(failover),
        summary: "Hands the master role to a replica without losing writes",
        since: "6.2.0",
        complexity: "O(1)",
        group: Group::Server,
        syntax: "target=(TO host:string port:integer force=(FORCE)?)? abort=(ABORT)? milliseconds=(TIMEOUT milliseconds:integer)?",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "role",
        arity: 1,
        flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::SENTINEL,
        acl: acl::ADMIN | acl::DANGEROUS,
        handler: Some(role),
        summary: "Returns the server's role in replication",
        since: "2.8.12",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sync",
        arity: 1,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NO_MULTI | flag::NOSCRIPT,
        handler: Some(sync),
        summary: "Internal command used for replication",
        since: "1.0.0",
        group: Group::Server,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "psync",
        arity: -3,
        flags: flag::NO_ASYNC_LOADING | flag::ADMIN | flag::NO_MULTI | flag::NOSCRIPT,
        handler: Some(sync),
        summary: "Internal command used for replication",
        since: "2.8.0",
        group: Group::Server,
        syntax: "replicationid:string offset:integer",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "wait",
        arity: 3,
        flags: flag::NOSCRIPT,
        acl: acl::CONNECTION,
        handler: Some(wait),
        summary: "Waits until the connection's writes reached a number of replicas",
        since: "3.0.0",
        complexity: "O(1)",
        group: Group::Generic,
        syntax: "numreplicas:integer timeout:integer",
        tips: &["request_policy:all_shards", "response_policy:agg_min"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "replconf",
        arity: -1,
        flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::ALLOW_BUSY,
        handler: Some(replconf),
        summary: "Configures the replication stream (used between master and replicas)",
        since: "3.0.0",
        group: Group::Server,
        doc_flags: doc::SYSCMD,
        ..CommandSpec::DEFAULT
    },
];

fn replicaof(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if ctx.server.config.cluster_enabled {
        return Err(CmdError::err("REPLICAOF not allowed in cluster mode."));
    }
    if ctx.server.replication.failover.active() {
        return Err(CmdError::err("REPLICAOF not allowed while failing over."));
    }
    let who = ctx.client.info_line(ctx.now, "default");
    if args::is(args.at(1), "no") && args::is(args.at(2), "one") {
        if ctx.server.replication.is_replica() {
            ctx.server.unset_master();
            log::log(
                Level::Notice,
                &format!("MASTER MODE enabled (user request from '{who}')"),
            );
        }
        ctx.client.reply.ok();
        return Ok(());
    }
    if ctx.client.kind == crate::client::ClientKind::Replica {
        return Err(CmdError::err(
            "Command is not valid when client is a replica.",
        ));
    }
    let port = args::int(args.at(2))
        .ok()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| CmdError::err("Invalid master port"))?;
    let host = String::from_utf8_lossy(args.at(1)).into_owned();
    if let Some(master) = &ctx.server.replication.master
        && master.host.eq_ignore_ascii_case(&host)
        && master.port == port
    {
        log::log(
            Level::Notice,
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.",
        );
        ctx.client
            .reply
            .simple(b"OK Already connected to specified master");
        return Ok(());
    }
    ctx.server.set_master(host.clone(), port);
    log::log(
        Level::Notice,
        &format!("REPLICAOF {host}:{port} enabled (user request from '{who}')"),
    );
    ctx.client.reply.ok();
    Ok(())
}

/// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT (the steps are in
/// `crate::replication::failover`).
fn failover(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if ctx.server.config.cluster_enabled {
        return Err(CmdError::err(
            "FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.",
        ));
    }
    if args.len() == 2 && args::is(args.at(1), "abort") {
        if !ctx.server.replication.failover.active() {
            return Err(CmdError::err("No failover in progress."));
        }
        ctx.server.abort_failover("Failover manually aborted");
        ctx.client.reply.ok();
        return Ok(());
    }
    let mut request = FailoverRequest::default();
    let mut i = 1;
    while let Some(word) = args.get(i) {
        let left = args.len() - i - 1;
        if args::is(word, "timeout") && left >= 1 && request.timeout_ms.is_none() {
            let ms = args::int(args.at(i + 1))?;
            if ms <= 0 {
                return Err(CmdError::err("FAILOVER timeout must be greater than 0"));
            }
            request.timeout_ms = Some(ms);
            i += 2;
        } else if args::is(word, "to") && left >= 2 && request.target.is_none() {
            let port = args::int(args.at(i + 2))?;
            let host = String::from_utf8_lossy(args.at(i + 1)).into_owned();
            request.target = Some((host, port));
            i += 3;
        } else if args::is(word, "force") && !request.force {
            request.force = true;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    ctx.server
        .start_failover(request, ctx.now)
        .map_err(CmdError::err)?;
    ctx.client.reply.ok();
    Ok(())
}

fn role(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    crate::replication::info::role(ctx.server, &mut ctx.client.reply);
    Ok(())
}

/// The longest ip-address a replica may announce (Redis's NET_HOST_STR_LEN).
const MAX_ANNOUNCED_IP: usize = 256;

fn replconf(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let mut at = 1;
    while at + 1 < args.len() {
        let option = args.at(at);
        let value = args.at(at + 1);
        if args::is(option, "listening-port") {
            let port = args::int(value)?;
            ctx.server
                .replication
                .attached
                .announce_port(ctx.client.id, u16::try_from(port).unwrap_or(0));
        } else if args::is(option, "ip-address") {
            if value.len() >= MAX_ANNOUNCED_IP {
                return Err(CmdError::err(format!(
                    "REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    value.len()
                )));
            }
            ctx.server
                .replication
                .attached
                .announce_ip(ctx.client.id, String::from_utf8_lossy(value).into_owned());
        } else if args::is(option, "capa") {
            // Capabilities we do not know are ignored, as Redis does.
            if args::is(value, "eof") {
                ctx.server
                    .replication
                    .attached
                    .announce_capa_eof(ctx.client.id);
            }
        } else if args::is(option, "ack") {
            // Nobody gets a reply to an ACK.
            if ctx.client.kind == crate::client::ClientKind::Replica
                && let Ok(offset) = args::int(value)
            {
                ctx.server.replica_acked(ctx.client.id, offset);
            }
            return Ok(());
        } else if args::is(option, "getack") {
            // The answer is an ACK on the link, sent by the stream (see
            // `replication/stream.rs`), never a reply.
            if ctx.server.is_master_client(ctx.client) {
                ctx.server.replication.ack_requested = true;
            }
            return Ok(());
        } else if args::is(option, "rdb-only") || args::is(option, "rdb-filter-only") {
            if args::is(option, "rdb-only") {
                let flag = args::int(value)?;
                if flag != 0 && flag != 1 {
                    return Err(CmdError::err(
                        "value is out of range, value must between 0 and 1",
                    ));
                }
            }
        } else {
            return Err(CmdError::err(format!(
                "Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(option)
            )));
        }
        at += 2;
    }
    ctx.client.reply.ok();
    Ok(())
}

/// SYNC and PSYNC: the client becomes a replica of ours (Redis's syncCommand).
fn sync(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // A replica asking again is ignored.
    if ctx.client.kind == crate::client::ClientKind::Replica {
        return Ok(());
    }
    if args.len() > 3 && args::is(args.at(0), "psync") && args::is(args.at(3), "failover") {
        take_over_from_master(ctx, args.at(1))?;
    }
    if ctx.server.replication.failover.active() {
        return Err(CmdError::coded(
            "NOMASTERLINK Can't SYNC while failing over",
        ));
    }
    // A replica serves replicas of its own only while its link is up.
    if ctx.server.replication.is_replica() && !ctx.server.replication.link_up() {
        return Err(CmdError::coded(
            "NOMASTERLINK Can't SYNC while not connected with my master",
        ));
    }
    if !ctx.client.reply.is_empty() {
        return Err(CmdError::err(
            "SYNC and PSYNC are invalid with pending output",
        ));
    }
    let psync = if args::is(args.at(0), "psync") && args.len() >= 3 {
        let offset = args::int(args.at(2)).inspect_err(|_| {
            log::log(
                Level::Warning,
                &format!(
                    "Replica {} asks for synchronization but with a wrong offset",
                    ctx.client.peer.addr
                ),
            );
        })?;
        Some((args.at(1), offset))
    } else {
        None
    };
    if let Some(continued) = ctx.server.attach_replica(ctx.client, psync) {
        ctx.client.reply.raw(&continued);
    }
    Ok(())
}

/// PSYNC <replid> <offset> FAILOVER: our master hands its role over to us, continuing
/// its history (the PSYNC then attaches it as our replica).
fn take_over_from_master(ctx: &mut Ctx<'_>, replid: &[u8]) -> CmdResult {
    log::log(
        Level::Warning,
        &format!(
            "Failover request received for replid {}.",
            String::from_utf8_lossy(replid)
        ),
    );
    if !ctx.server.replication.is_replica() {
        return Err(CmdError::err("PSYNC FAILOVER can't be sent to a master."));
    }
    if !replid.eq_ignore_ascii_case(ctx.server.replid.as_bytes()) {
        return Err(CmdError::err("PSYNC FAILOVER replid must match my replid."));
    }
    ctx.server.unset_master();
    let who = ctx.client.info_line(ctx.now, "default");
    log::log(
        Level::Notice,
        &format!("MASTER MODE enabled (failover request from '{who}')"),
    );
    Ok(())
}

/// WAIT numreplicas timeout: how many replicas acknowledged this connection's last
/// write, waiting up to `timeout` ms (0: forever) for `numreplicas` of them.
fn wait(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if ctx.server.replication.is_replica() {
        return Err(CmdError::err(
            "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
        ));
    }
    let needed = args::int(args.at(1))?;
    let timeout = args::int(args.at(2))
        .map_err(|_| CmdError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    let offset = ctx.client.woff;
    let acked = ctx.server.replicas_acked(offset);
    if i64::try_from(acked).unwrap_or(i64::MAX) >= needed || !ctx.can_block() {
        ctx.client
            .reply
            .int(i64::try_from(acked).unwrap_or(i64::MAX));
        return Ok(());
    }
    let deadline = (timeout > 0).then(|| ctx.now.saturating_add(timeout));
    let needed = usize::try_from(needed).unwrap_or(usize::MAX);
    ctx.block(
        &[],
        deadline,
        crate::blocking::BlockType::Replicas { needed, offset },
    );
    ctx.server
        .replication
        .attached
        .waiting
        .insert(ctx.client.id);
    ctx.server.request_replica_acks();
    Ok(())
}
