//! What replication shows: INFO's replication section, with every field Redis 7.0
//! prints for `role:master` and `role:slave` (Sentinel and redis-cli parse them), and
//! ROLE's reply.
//!
//! A master lists its replicas (`slaveN:ip=...,port=...,state=...,offset=...,lag=...`)
//! and its backlog; a replica's backlog fields read as inactive (sub-replicas are not
//! served yet).

use std::fmt::Write;

use scarlet_protocol::ReplyBuf;

use super::LinkState;
use crate::server::Server;

fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

/// INFO replication.
pub fn section(server: &Server, out: &mut String) {
    let repl = &server.replication;
    let now = Server::now_secs();
    match &repl.master {
        None => field(out, "role", "master"),
        Some(master) => {
            field(out, "role", "slave");
            // Without a link or a cached master Redis prints 1 for both offsets.
            let (applied, read) = if repl.master_client.is_some() {
                (repl.applied, repl.read)
            } else if let Some(cached) = &repl.cached {
                (cached.offset, cached.offset)
            } else {
                (1, 1)
            };
            field(out, "master_host", &master.host);
            field(out, "master_port", master.port);
            let up = repl.state == LinkState::Connected;
            field(out, "master_link_status", if up { "up" } else { "down" });
            let last_io = if repl.master_client.is_some() {
                now - repl.last_io
            } else {
                -1
            };
            field(out, "master_last_io_seconds_ago", last_io);
            let transferring = repl.state == LinkState::Transfer;
            field(out, "master_sync_in_progress", u8::from(transferring));
            field(out, "slave_read_repl_offset", read);
            field(out, "slave_repl_offset", applied);
            if transferring {
                let progress = repl.transfer.unwrap_or_default();
                let perc = if progress.total > 0 {
                    progress.read as f64 / progress.total as f64 * 100.0
                } else {
                    0.0
                };
                field(out, "master_sync_total_bytes", progress.total);
                field(out, "master_sync_read_bytes", progress.read);
                field(
                    out,
                    "master_sync_left_bytes",
                    progress.total as i64 - progress.read as i64,
                );
                field(out, "master_sync_perc", format!("{perc:.2}"));
                field(
                    out,
                    "master_sync_last_io_seconds_ago",
                    now - progress.last_io,
                );
            }
            if !up {
                let down = if repl.down_since > 0 {
                    now - repl.down_since
                } else {
                    -1
                };
                field(out, "master_link_down_since_seconds", down);
            }
            field(out, "slave_priority", server.config.replica_priority);
            field(
                out,
                "slave_read_only",
                u8::from(server.config.replica_read_only),
            );
            field(
                out,
                "replica_announced",
                u8::from(server.config.replica_announced),
            );
        }
    }
    let attached = &repl.attached;
    field(out, "connected_slaves", attached.replicas.len());
    for (index, (&id, replica)) in attached.replicas.iter().enumerate() {
        let announced = attached.announced(id);
        let ip = server.replica_address(id, announced.ip);
        let _ = write!(
            out,
            "slave{index}:ip={ip},port={},state={},offset={},lag={}\r\n",
            announced.port,
            replica.state.name(),
            replica.ack_offset,
            now - replica.ack_secs
        );
    }
    if server.config.min_replicas_to_write > 0 && server.config.min_replicas_max_lag > 0 {
        field(out, "min_slaves_good_slaves", server.good_replicas());
    }
    field(out, "master_failover_state", repl.failover.state_name());
    field(out, "master_replid", &server.replid);
    field(out, "master_replid2", &repl.replid2);
    field(out, "master_repl_offset", repl.offset);
    field(out, "second_repl_offset", repl.second_offset);
    let backlog = attached.backlog.as_ref();
    let histlen = backlog.map_or(0, |b| b.len() as i64);
    field(out, "repl_backlog_active", u8::from(backlog.is_some()));
    field(out, "repl_backlog_size", server.config.repl_backlog_size);
    field(
        out,
        "repl_backlog_first_byte_offset",
        if backlog.is_some() {
            repl.offset - histlen + 1
        } else {
            0
        },
    );
    field(out, "repl_backlog_histlen", histlen);
}

/// ROLE's reply: `master offset replicas` or `slave host port state offset`.
pub fn role(server: &Server, reply: &mut ReplyBuf) {
    let repl = &server.replication;
    match &repl.master {
        None => {
            reply.array(3);
            reply.bulk(b"master");
            reply.int(repl.offset);
            let online: Vec<(u64, i64)> = repl
                .attached
                .replicas
                .iter()
                .filter(|(_, r)| matches!(r.state, super::master::ReplicaState::Online))
                .map(|(&id, r)| (id, r.ack_offset))
                .collect();
            reply.array(online.len());
            for (id, offset) in online {
                let announced = repl.attached.announced(id);
                let ip = server.replica_address(id, announced.ip);
                reply.array(3);
                reply.bulk(ip.as_bytes());
                reply.bulk(announced.port.to_string().as_bytes());
                reply.bulk(offset.to_string().as_bytes());
            }
        }
        Some(master) => {
            reply.array(5);
            reply.bulk(b"slave");
            reply.bulk(master.host.as_bytes());
            reply.int(i64::from(master.port));
            reply.bulk(repl.state.role_name().as_bytes());
            reply.int(server.applied_offset().unwrap_or(-1));
        }
    }
}

impl Server {
    /// A replica's address as INFO and FAILOVER name it: the ip it announced, else its
    /// connection's peer ip.
    pub(crate) fn replica_address(&self, id: u64, announced: Option<String>) -> String {
        announced.unwrap_or_else(|| {
            self.replication
                .attached
                .replicas
                .get(&id)
                .map(|r| r.peer_ip.clone())
                .unwrap_or_default()
        })
    }
}
