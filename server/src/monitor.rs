//! MONITOR: every command the server runs, shown to the clients that asked, in Redis's
//! line format: `+<sec>.<usec> [<db> <client address>] "arg" "arg" ...`.
//!
//! Commands are shown after they ran (EXEC's commands inside it, then EXEC), except what
//! Redis hides: administrative commands and those flagged skip-monitor, and passwords
//! (AUTH's arguments, HELLO's AUTH pair), which are shown as `(redacted)`.

use std::time::{SystemTime, UNIX_EPOCH};

use scarlet_protocol::Args;
use scarlet_protocol::splitargs::repr;

use crate::client::Client;
use crate::commands::Command;
use crate::commands::spec::flag;
use crate::server::Server;

impl Server {
    /// Shows a command that ran to every monitor.
    pub(crate) fn feed_monitors(&mut self, client: &Client, cmd: &Command, args: Args<'_>) {
        if self.monitors.is_empty() || cmd.has(flag::SKIP_MONITOR) || cmd.has(flag::ADMIN) {
            return;
        }
        let line = self.monitor_line(client, cmd, args);
        let ids = self.monitors.clone();
        for id in ids {
            self.deliver(id, |reply| reply.simple(line.as_bytes()));
        }
    }

    /// Shows a command to every monitor even if it is flagged skip-monitor: EVAL and
    /// FCALL appear before the commands their script runs, as in Redis.
    pub(crate) fn feed_monitors_always(&mut self, client: &Client, cmd: &Command, args: Args<'_>) {
        if self.monitors.is_empty() {
            return;
        }
        let line = self.monitor_line(client, cmd, args);
        let ids = self.monitors.clone();
        for id in ids {
            self.deliver(id, |reply| reply.simple(line.as_bytes()));
        }
    }

    fn monitor_line(&self, client: &Client, cmd: &Command, args: Args<'_>) -> String {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let origin = if client.peer.unix {
            format!(
                "unix:{}",
                self.config.unixsocket.as_deref().unwrap_or_default()
            )
        } else {
            client.peer.addr.clone()
        };
        let mut line = format!(
            "{}.{:06} [{} {}]",
            since_epoch.as_secs(),
            since_epoch.subsec_micros(),
            client.db,
            origin
        );
        let redacted = redacted_from(cmd, args);
        for (i, arg) in args.iter().enumerate() {
            line.push(' ');
            if redacted.as_ref().is_some_and(|r| r.contains(&i)) {
                line.push_str("\"(redacted)\"");
            } else {
                line.push_str(&repr(arg));
            }
        }
        line
    }
}

/// The argument positions a command's monitor line hides.
fn redacted_from(cmd: &Command, args: Args<'_>) -> Option<std::ops::Range<usize>> {
    match cmd.full_name {
        "auth" => Some(1..args.len()),
        "hello" => {
            let at = (2..args.len()).find(|&i| args.at(i).eq_ignore_ascii_case(b"auth"))?;
            Some(at + 1..at + 3)
        }
        _ => None,
    }
}
