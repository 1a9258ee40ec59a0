//! When BGSAVE runs on its own: the `save` points (N seconds and M changes since the
//! last save) and a BGSAVE that was scheduled because it could not start at once,
//! checked by the cron as Redis's serverCron does.

use super::BGSAVE_RETRY_DELAY_SECS;
use crate::log::{self, Level};
use crate::server::Server;

impl Server {
    /// Starts a BGSAVE if a save point is due or one was scheduled.
    pub fn check_save_points(&mut self, now_secs: i64) {
        let p = &self.persistence;
        if p.bgsave.is_some() || p.loading.is_some() {
            return;
        }
        // After a failure, wait a little before trying again, as Redis does.
        let may_retry = p.last_save_ok || now_secs - p.last_bgsave_try > BGSAVE_RETRY_DELAY_SECS;
        if p.bgsave_scheduled && may_retry {
            self.persistence.bgsave_scheduled = false;
            let _ = self.start_bgsave();
            return;
        }
        let since_save = now_secs - p.lastsave;
        let due = self.config.save.iter().find(|point| {
            self.dirty >= u64::try_from(point.changes).unwrap_or(u64::MAX)
                && since_save > point.seconds
        });
        if let (Some(point), true) = (due, may_retry) {
            log::log(
                Level::Notice,
                &format!(
                    "{} changes in {} seconds. Saving...",
                    point.changes, point.seconds
                ),
            );
            let _ = self.start_bgsave();
        }
    }
}
