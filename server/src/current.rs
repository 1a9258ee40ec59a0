//! The client whose command is running, as the rest of the server sees it.
//!
//! While a command runs, its client's record is held by the dispatcher, not in the
//! registry (see `client.rs`). Output that other parts of the server produce for that
//! client (a Pub/Sub message it published to itself, a keyspace notification of its own
//! write, a tracking invalidation) waits here: pushes are put in its reply before the
//! command's own reply, where Redis would have written them; tracking invalidations
//! after it, as Redis holds them until the command is over.

use scarlet_protocol::ReplyBuf;

use crate::client::Client;
use crate::server::Server;
use crate::tracking::Pending;

/// The running client, seen from outside its record.
#[derive(Debug)]
pub struct CurrentClient {
    /// Its id.
    pub id: u64,
    /// Pushes and Pub/Sub messages for it, encoded for its protocol.
    pub pushes: ReplyBuf,
    /// Tracking invalidations held until its reply is written.
    pub pending: Vec<Pending>,
    /// It is subscribed to something (RESP2 invalidations may come as messages).
    pub in_pubsub: bool,
    /// Tracking is on.
    pub tracking_on: bool,
    /// Tracking is on in the default (not BCAST) mode.
    pub tracking_default_mode: bool,
    /// Tracking with NOLOOP.
    pub tracking_noloop: bool,
    /// Tracking's REDIRECT target (0: none).
    pub tracking_redirect: u64,
}

/// What [`Server::enter`] saved, for [`Server::leave`].
pub enum Entered {
    /// The client was already the running one (a command inside EXEC).
    Nested,
    /// The client became the running one; the previous one, if any, comes back after.
    Top(Option<CurrentClient>),
}

impl Server {
    /// Makes `client` the running client for the length of a command.
    pub(crate) fn enter(&mut self, client: &Client) -> Entered {
        if self.current.as_ref().is_some_and(|c| c.id == client.id) {
            return Entered::Nested;
        }
        let tracking = client.tracking.as_deref();
        let current = CurrentClient {
            id: client.id,
            pushes: ReplyBuf::new(client.resp()),
            pending: Vec::new(),
            in_pubsub: client.in_pubsub(),
            tracking_on: tracking.is_some(),
            tracking_default_mode: tracking.is_some_and(|t| !t.bcast),
            tracking_noloop: tracking.is_some_and(|t| t.noloop),
            tracking_redirect: tracking.map_or(0, |t| t.redirect),
        };
        Entered::Top(self.current.replace(current))
    }

    /// Ends what [`enter`](Self::enter) began. At the outermost level, the pushes for the
    /// client go in its reply at `reply_start` (before the command's reply; after CLIENT
    /// REPLY OFF dropped that reply, pushes still go, as in Redis), and the held
    /// invalidations follow.
    pub(crate) fn leave(&mut self, client: &mut Client, reply_start: usize, entered: Entered) {
        let Entered::Top(previous) = entered else {
            return;
        };
        let Some(finished) = std::mem::replace(&mut self.current, previous) else {
            return;
        };
        if !finished.pushes.is_empty() {
            client
                .reply
                .insert_raw(reply_start, finished.pushes.as_bytes());
        }
        if !finished.pending.is_empty() {
            self.send_pending_invalidations(client, &finished.pending);
        }
    }

    /// Writes a push for `client` (a subscription notice, an invalidation): to the pushes
    /// held for it when it is the running client, so that CLIENT REPLY OFF spares them.
    pub(crate) fn push_to(&mut self, client: &mut Client, write: impl FnOnce(&mut ReplyBuf)) {
        match self.current.as_mut() {
            Some(current) if current.id == client.id => write(&mut current.pushes),
            _ => write(&mut client.reply),
        }
    }
}
