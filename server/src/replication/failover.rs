//! FAILOVER: a master hands its role to one of its replicas without losing a write
//! (Redis's `failoverCommand` and `updateFailoverStatus`).
//!
//! The steps: writes are paused (replicas keep receiving the stream); once the target
//! replica (or, without TO, any replica) acknowledged our whole stream, we become its
//! replica and ask it with `PSYNC <replid> <offset> FAILOVER` to take over; it promotes
//! itself, answers +CONTINUE, and the pause ends. With TIMEOUT and no FORCE the
//! failover gives up when the replica does not catch up in time; with FORCE it goes on
//! anyway. A refused PSYNC, or FAILOVER ABORT, makes us a master again.
//!
//! The receiving end (a replica promoting itself on PSYNC ... FAILOVER) is in
//! `commands/replication.rs`, the PSYNC flag in the link's handshake.

use scarlet_storage::Millis;

use super::master::ReplicaState;
use crate::log::{self, Level};
use crate::server::{Pause, Server};

/// Where a failover stands (INFO master_failover_state).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailoverState {
    /// None under way.
    #[default]
    None,
    /// Writes are paused until a replica has acknowledged the whole stream.
    WaitForSync,
    /// We follow the target and wait for its answer to PSYNC ... FAILOVER.
    InProgress,
}

/// A failover's settings and progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failover {
    /// Its progress.
    pub state: FailoverState,
    /// The replica to hand over to: given with TO, or the first one found caught up.
    pub target: Option<(String, u16)>,
    /// When waiting for the replica ends (TIMEOUT), unix ms.
    pub deadline: Option<Millis>,
    /// Hand over when the deadline passes even if the target has not caught up.
    pub force: bool,
}

impl Failover {
    /// INFO's name for the state.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            FailoverState::None => "no-failover",
            FailoverState::WaitForSync => "waiting-for-sync",
            FailoverState::InProgress => "failover-in-progress",
        }
    }

    /// Whether a failover is under way (REPLICAOF and SYNC are refused meanwhile).
    pub fn active(&self) -> bool {
        self.state != FailoverState::None
    }

    /// Whether the PSYNC the link sends must carry FAILOVER.
    pub fn in_progress(&self) -> bool {
        self.state == FailoverState::InProgress
    }

    /// The pause a failover holds: writes, until it ends.
    pub fn pause(&self) -> Option<Pause> {
        self.active().then_some(Pause {
            until: Millis::MAX,
            writes_only: true,
        })
    }
}

/// FAILOVER's parsed arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailoverRequest {
    /// TO host port (any integer: a port no replica has finds none).
    pub target: Option<(String, i64)>,
    /// TIMEOUT in ms.
    pub timeout_ms: Option<i64>,
    /// FORCE.
    pub force: bool,
}

impl Server {
    /// Starts a failover after checking the server can (FAILOVER without ABORT).
    pub fn start_failover(&mut self, request: FailoverRequest, now: Millis) -> Result<(), String> {
        if self.replication.failover.active() {
            return Err("FAILOVER already in progress.".into());
        }
        if self.replication.is_replica() {
            return Err("FAILOVER is not valid when server is a replica.".into());
        }
        if self.replication.attached.replicas.is_empty() {
            return Err("FAILOVER requires connected replicas.".into());
        }
        if request.force && (request.timeout_ms.is_none() || request.target.is_none()) {
            return Err(
                "FAILOVER with force option requires both a timeout and target HOST and IP.".into(),
            );
        }
        let mut target = None;
        if let Some((host, port)) = request.target {
            let found = u16::try_from(port)
                .ok()
                .and_then(|port| Some((self.find_replica(&host, port)?, port)));
            let Some((id, port)) = found else {
                return Err("FAILOVER target HOST and PORT is not a replica.".into());
            };
            let online = self
                .replication
                .attached
                .replicas
                .get(&id)
                .is_some_and(|r| matches!(r.state, ReplicaState::Online));
            if !online {
                return Err("FAILOVER target replica is not online.".into());
            }
            log::log(
                Level::Notice,
                &format!("FAILOVER requested to {host}:{port}."),
            );
            target = Some((host, port));
        } else {
            log::log(Level::Notice, "FAILOVER requested to any replica.");
        }
        self.replication.failover = Failover {
            state: FailoverState::WaitForSync,
            target,
            deadline: request.timeout_ms.map(|ms| now.saturating_add(ms)),
            force: request.force,
        };
        Ok(())
    }

    /// Moves a waiting failover on: gives up or forces it at the deadline, and hands
    /// over once the target acknowledged our whole stream. Runs from the cron and after
    /// every acknowledgement.
    pub fn advance_failover(&mut self, now: Millis) {
        let failover = &self.replication.failover;
        if failover.state != FailoverState::WaitForSync {
            return;
        }
        if failover.deadline.is_some_and(|deadline| deadline <= now) {
            match failover.target.clone() {
                Some((host, port)) if failover.force => {
                    log::log(
                        Level::Notice,
                        &format!("FAILOVER to {host}:{port} time out exceeded, failing over."),
                    );
                    self.hand_over(host, port);
                }
                _ => self.abort_failover("Replica never caught up before timeout"),
            }
            return;
        }
        let offset = self.replication.offset;
        let caught_up = match &failover.target {
            Some((host, port)) => self
                .find_replica(host, *port)
                .filter(|id| self.replica_ack_offset(*id) == Some(offset))
                .map(|_| (host.clone(), *port)),
            None => self
                .replication
                .attached
                .replicas
                .iter()
                .find_map(|(id, r)| {
                    (r.ack_offset == offset).then(|| {
                        let announced = self.replication.attached.announced(*id);
                        (self.replica_address(*id, announced.ip), announced.port)
                    })
                }),
        };
        if let Some((host, port)) = caught_up {
            log::log(
                Level::Notice,
                &format!("Failover target {host}:{port} is synced, failing over."),
            );
            self.hand_over(host, port);
        }
    }

    /// Follows the target; the link's PSYNC carries FAILOVER.
    fn hand_over(&mut self, host: String, port: u16) {
        let failover = &mut self.replication.failover;
        failover.state = FailoverState::InProgress;
        failover.target = Some((host.clone(), port));
        self.set_master(host, port);
    }

    /// The target answered PSYNC ... FAILOVER: +CONTINUE or +FULLRESYNC ends the
    /// failover; anything else aborts it (Redis's check after
    /// slaveTryPartialResynchronization).
    pub fn failover_psync_answered(&mut self, accepted: bool) {
        if !self.replication.failover.in_progress() {
            return;
        }
        if accepted {
            self.end_failover();
        } else {
            self.abort_failover("Failover target rejected psync request");
        }
    }

    /// FAILOVER ABORT, a timeout or a refusal: we are a master again if we had started
    /// following the target, and writes resume.
    pub fn abort_failover(&mut self, why: &str) {
        let failover = &self.replication.failover;
        if !failover.active() {
            return;
        }
        match &failover.target {
            Some((host, port)) => log::log(
                Level::Notice,
                &format!("FAILOVER to {host}:{port} aborted: {why}"),
            ),
            None => log::log(
                Level::Notice,
                &format!("FAILOVER to any replica aborted: {why}"),
            ),
        }
        if failover.in_progress() {
            self.unset_master();
        }
        self.end_failover();
    }

    /// Forgets the failover and lifts its pause (Redis's clearFailoverState).
    fn end_failover(&mut self) {
        self.replication.failover = Failover::default();
        // Paused connections sleep until their deadline; wake them to run what they hold.
        for client in self.clients.iter() {
            client.handle.wake();
        }
    }

    /// The attached replica at `host`:`port`, as it announced itself (or its peer
    /// address when it announced no ip).
    fn find_replica(&self, host: &str, port: u16) -> Option<u64> {
        self.replication
            .attached
            .replicas
            .keys()
            .copied()
            .find(|id| {
                let announced = self.replication.attached.announced(*id);
                announced.port == port
                    && self
                        .replica_address(*id, announced.ip)
                        .eq_ignore_ascii_case(host)
            })
    }

    fn replica_ack_offset(&self, id: u64) -> Option<i64> {
        self.replication
            .attached
            .replicas
            .get(&id)
            .map(|r| r.ack_offset)
    }
}
