//! What replication shows: INFO's replication section, with every field Redis 7.0
//! prints for `role:master` and `role:slave` (Sentinel and redis-cli parse them), and
//! ROLE's reply.
//!
//! Until the master side exists, a master reports no replicas and an inactive backlog:
//! `connected_slaves:0`, `repl_backlog_active:0`, `repl_backlog_first_byte_offset:0`,
//! `repl_backlog_histlen:0`; a replica's backlog fields read the same.

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
    field(out, "connected_slaves", 0);
    if server.config.min_replicas_to_write > 0 && server.config.min_replicas_max_lag > 0 {
        field(out, "min_slaves_good_slaves", 0);
    }
    field(out, "master_failover_state", "no-failover");
    field(out, "master_replid", &server.replid);
    field(out, "master_replid2", &repl.replid2);
    field(out, "master_repl_offset", repl.offset);
    field(out, "second_repl_offset", repl.second_offset);
    field(out, "repl_backlog_active", 0);
    field(out, "repl_backlog_size", server.config.repl_backlog_size);
    field(out, "repl_backlog_first_byte_offset", 0);
    field(out, "repl_backlog_histlen", 0);
}

/// ROLE's reply: `master offset replicas` or `slave host port state offset`.
pub fn role(server: &Server, reply: &mut ReplyBuf) {
    let repl = &server.replication;
    match &repl.master {
        None => {
            reply.array(3);
            reply.bulk(b"master");
            reply.int(repl.offset);
            reply.array(0);
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
