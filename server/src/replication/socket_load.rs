//! Loading a payload straight from the master's socket (repl-diskless-load on-empty-db
//! with an empty dataset, or swapdb): the link task reads chunks and hands them to a
//! decoding thread through a short channel, so the decoder's pace sets the reading pace
//! and no more than a few chunks wait in memory (Redis's diskless branch of
//! `readSyncBulkPayload`, which reads the socket from inside `rdbLoadRio`).
//!
//! The decoded databases stay the thread's until the whole payload, checksum included,
//! is valid: a payload cut short or damaged is dropped with them (in that thread, so in
//! the background), and the dataset in place is untouched. Which dataset clients see
//! meanwhile, and whether they get -LOADING, was settled by `transfer::begin_load`.

use std::sync::Arc;

use scarlet_storage::rdb::{Loaded, RdbError};
use tokio::sync::mpsc;

use super::handshake::{LinkFailed, MasterConn};
use super::payload::{Cut, PayloadEnd, PayloadReader, with_keepalive};
use super::transfer::{LoadJob, Plan, StopOnDrop, begin_load, dataset_keeping_expired};
use crate::log::{self, Level};
use crate::persistence::load::Dataset;
use crate::server::Shared;

/// How many received chunks may wait for the decoder.
const FEED_DEPTH: usize = 4;

/// What the link task hands the decoding thread.
enum Feed {
    /// Payload bytes.
    Bytes(Vec<u8>),
    /// The payload ended.
    End,
}

/// Decodes the payload delimited by `end` as it arrives.
pub async fn load(
    conn: &mut MasterConn,
    shared: &Arc<Shared>,
    generation: u64,
    plan: &Plan,
    end: PayloadEnd,
) -> Result<Dataset, LinkFailed> {
    let total = match end {
        PayloadEnd::Length(length) => length,
        PayloadEnd::Mark(_) => 0,
    };
    let progress = begin_load(shared, generation, plan, total).await?;
    let stop = StopOnDrop::default();
    let job = LoadJob::new(plan, Arc::clone(&progress), Arc::clone(&stop.0));
    let (tx, rx) = mpsc::channel(FEED_DEPTH);
    let decoder = tokio::task::spawn_blocking(move || decode_fed(&job, rx));
    let mut reader = PayloadReader::new(end);
    let cut = loop {
        let feed = match reader.next(conn, shared, generation).await {
            Ok(Some(bytes)) if bytes.is_empty() => continue,
            Ok(Some(bytes)) => Feed::Bytes(bytes),
            Ok(None) => Feed::End,
            Err(cut) => break Some(cut),
        };
        let last = matches!(feed, Feed::End);
        // A closed channel means the decoder stopped on an error, which it returns.
        if with_keepalive(conn, tx.send(feed)).await.is_err() || last {
            break None;
        }
    };
    drop(tx);
    if cut.is_some() {
        stop.stop();
    }
    let decoded = with_keepalive(conn, decoder).await;
    let failure = match (cut, decoded) {
        (Some(Cut::Replaced), _) | (None, Err(_)) => return Err(LinkFailed),
        (None, Ok(Ok(loaded))) => return Ok(dataset_keeping_expired(loaded)),
        (Some(Cut::Io(why)), _) => {
            let at = progress.load(std::sync::atomic::Ordering::Relaxed);
            log::log(
                Level::Warning,
                "Short read or OOM loading DB. Unrecoverable error, aborting now.",
            );
            log::log(
                Level::Warning,
                &format!(
                    "Internal error in RDB reading offset {at}, function at rdb.c:0 -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation."
                ),
            );
            why
        }
        (None, Ok(Err(e))) => {
            // Redis exits on a damaged payload; the link tries again instead.
            let at = progress.load(std::sync::atomic::Ordering::Relaxed);
            let why = super::transfer::rdb_error_text(&e);
            log::log(
                Level::Warning,
                &format!(
                    "Internal error in RDB reading offset {at}, function at rdb.c:0 -> {why}. Failure loading rdb format"
                ),
            );
            why
        }
    };
    log::log(
        Level::Warning,
        &format!("Failed trying to load the MASTER synchronization DB from socket: {failure}"),
    );
    if plan.swapdb {
        log::log(
            Level::Notice,
            "MASTER <-> REPLICA sync: Discarding temporary DB in background",
        );
    }
    Err(LinkFailed)
}

/// The decoding thread: decodes what the link task sends until the payload ends. The
/// link task going away before the end is a payload cut short.
fn decode_fed(job: &LoadJob, mut rx: mpsc::Receiver<Feed>) -> Result<Loaded, RdbError> {
    let mut decoder = job.decoder();
    let mut on_key = |at: u64| job.on_key(at);
    while let Some(feed) = rx.blocking_recv() {
        match feed {
            Feed::Bytes(bytes) => decoder.feed(&bytes, &mut on_key)?,
            Feed::End => return decoder.finish(&mut on_key),
        }
    }
    Err(RdbError::Truncated)
}
