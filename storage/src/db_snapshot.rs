//! A point-in-time RDB image of one database, taken without fork while it keeps changing.
//!
//! Redis forks and lets the child write the frozen copy the kernel gives it. Here the
//! database walks itself in slices (a few hundred keys per [`Db::snapshot_step`]) while
//! commands run in between, and keeps the image point-in-time by writing a key *before*
//! its first change whenever the walk has not reached it yet:
//!
//! - the key table's layout is pinned for the walk (no rehash, no resize), so "has the
//!   walk passed this key" is a comparison of positions;
//! - every change (write lookup, insert, delete, TTL change) first calls
//!   `before_change`: a key ahead of the walk is written out early, or, if it does not
//!   exist yet, remembered as born after the snapshot began; the walk skips both;
//! - FLUSHDB hands the whole old table to the capture, which walks that instead.
//!
//! Extra memory is bounded by what changes during the walk (the early records until the
//! server collects them, and the names of keys handled early), not by the dataset.
//! Records come out as RDB bytes for this database's section; the server orders the
//! sections, adds the header and the checksum, and writes the file.

use std::collections::HashSet;

use foldhash::fast::RandomState;

use super::{Db, HAS_TTL};
use crate::Millis;
use crate::dict::{Dict, Position};
use crate::rdb::writer::{write_db_header, write_record};
use crate::value::Value;

/// Buckets a step may pass per entry it was asked for.
const EMPTY_BUCKETS_PER_ENTRY: usize = 10;

/// The snapshot state a database carries while it is being captured.
pub(super) struct Capture {
    /// The database's index when the snapshot began (its SELECTDB).
    index: u64,
    /// The next position the walk visits; keys before it are already written.
    next: Position,
    /// Keys ahead of the walk that were written early or created after the start.
    handled: HashSet<Box<[u8]>, RandomState>,
    /// Records not yet collected by the server (starting with the section header).
    out: Vec<u8>,
    /// How records are written.
    format: SnapshotFormat,
    /// Bytes of records written early (before a change) since the last step: what a
    /// fork's copy-on-write would have had to copy.
    copied: usize,
    /// The tables as they were when FLUSHDB emptied the database mid-walk.
    frozen: Option<Box<(Dict<Value>, Dict<Millis>)>>,
}

/// How a capture writes keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFormat {
    /// RDB records; `compress`: LZF-compress long strings (rdbcompression).
    Rdb {
        /// LZF-compress long strings.
        compress: bool,
    },
    /// The commands that recreate each key (an AOF base without RDB preamble).
    Commands,
}

impl SnapshotFormat {
    fn write_header(self, out: &mut Vec<u8>, index: u64, keys: usize, expires: usize) {
        match self {
            SnapshotFormat::Rdb { .. } => write_db_header(out, index, keys, expires),
            SnapshotFormat::Commands => crate::aof::rewrite::write_select(out, index),
        }
    }

    /// `compress` applies to RDB records written by the walk, not to early ones.
    fn write_key(
        self,
        out: &mut Vec<u8>,
        key: &[u8],
        value: &Value,
        expire: Option<Millis>,
        compress: bool,
    ) {
        match self {
            SnapshotFormat::Rdb { .. } => write_record(out, key, value, expire, compress),
            SnapshotFormat::Commands => crate::aof::rewrite::write_key(out, key, value, expire),
        }
    }

    fn compress(self) -> bool {
        matches!(self, SnapshotFormat::Rdb { compress: true })
    }
}

/// What one slice of the walk produced.
#[derive(Debug, Default)]
pub struct SnapshotChunk {
    /// RDB bytes of this database's section, to append in order.
    pub bytes: Vec<u8>,
    /// Entries the walk passed (written now or earlier), for progress reports.
    pub visited: usize,
    /// Bytes written early, before changes, since the previous chunk (the analogue of
    /// a fork's copy-on-write, reported as INFO's cow fields).
    pub copied: usize,
    /// True when the section is complete and the capture has ended.
    pub done: bool,
}

impl Db {
    /// Starts capturing this database as database `index` of an RDB image. Nothing is
    /// captured for an empty database: its section is empty.
    pub fn begin_snapshot(&mut self, index: u64, compress: bool) {
        self.begin_snapshot_as(index, SnapshotFormat::Rdb { compress });
    }

    /// [`begin_snapshot`](Self::begin_snapshot) writing keys in `format`.
    pub fn begin_snapshot_as(&mut self, index: u64, format: SnapshotFormat) {
        self.abort_snapshot();
        if self.keys.is_empty() {
            return;
        }
        let mut out = Vec::new();
        format.write_header(&mut out, index, self.keys.len(), self.expires.len());
        self.keys.pin_layout(true);
        self.capture = Some(Box::new(Capture {
            index,
            next: Position::default(),
            handled: HashSet::default(),
            out,
            format,
            copied: 0,
            frozen: None,
        }));
    }

    /// True while a capture is under way.
    pub fn snapshot_active(&self) -> bool {
        self.capture.is_some()
    }

    /// The index the database had when its capture began (SWAPDB may have moved it).
    pub fn snapshot_index(&self) -> Option<u64> {
        self.capture.as_ref().map(|c| c.index)
    }

    /// Drops the capture (the snapshot was abandoned) and unpins the table.
    pub fn abort_snapshot(&mut self) {
        self.capture = None;
        self.keys.pin_layout(false);
    }

    /// Walks on for `min_entries` entries (whole buckets; fewer when it meets a long run of
    /// empty buckets), returning the bytes
    /// produced since the last call, early records included. When the walk ends, the
    /// capture ends with it.
    pub fn snapshot_step(&mut self, min_entries: usize) -> SnapshotChunk {
        let Some(capture) = self.capture.as_deref_mut() else {
            return SnapshotChunk {
                done: true,
                ..SnapshotChunk::default()
            };
        };
        let Capture {
            index: _,
            next,
            handled,
            out,
            format,
            copied,
            frozen,
        } = capture;
        let format = *format;
        let (keys, expires) = match frozen.as_deref() {
            Some((keys, expires)) => (keys, expires),
            None => (&self.keys, &self.expires),
        };
        let end = keys.end_position();
        let mut visited = 0usize;
        // Empty buckets count too, so that a stretch of them (the moved half of a table
        // caught mid-rehash) cannot make one step long.
        let mut buckets_left = min_entries.saturating_mul(EMPTY_BUCKETS_PER_ENTRY).max(1);
        while visited < min_entries && *next < end && buckets_left > 0 {
            buckets_left -= 1;
            *next = keys.visit_bucket(*next, |key, meta, value| {
                visited += 1;
                if handled.remove(key.as_bytes()) {
                    return;
                }
                let expire = ttl_of(expires, key.as_bytes(), meta);
                format.write_key(out, key.as_bytes(), value, expire, format.compress());
            });
        }
        let done = *next >= end;
        let bytes = std::mem::take(out);
        let copied = std::mem::take(copied);
        if done {
            self.abort_snapshot();
        }
        SnapshotChunk {
            bytes,
            visited,
            copied,
            done,
        }
    }

    /// Called before `key` changes: if the walk has not reached it, writes its current
    /// state now (or, when `creating` and it does not exist, notes that it was born
    /// after the snapshot began), so the walk skips it later.
    pub(super) fn before_change(&mut self, key: &[u8], creating: bool) {
        let Some(capture) = self.capture.as_deref_mut() else {
            return;
        };
        if capture.frozen.is_some()
            || self.keys.position_of(key) < capture.next
            || capture.handled.contains(key)
        {
            return;
        }
        match self.keys.get_entry(key) {
            Some((_, meta, value)) => {
                let expire = ttl_of(&self.expires, key, meta);
                let before = capture.out.len();
                // Uncompressed: this runs inside the command that changes the key, so
                // it stays as cheap as a copy (and the byte count is what was copied).
                capture
                    .format
                    .write_key(&mut capture.out, key, value, expire, false);
                capture.copied += capture.out.len() - before;
            }
            None if creating => {}
            None => return,
        }
        capture.handled.insert(key.into());
    }

    /// FLUSHDB during a capture: the capture keeps the old tables and finishes the walk
    /// over them, while the database starts afresh. Returns false when there is no
    /// capture (the caller then clears as usual).
    pub(super) fn hand_tables_to_capture(&mut self) -> bool {
        let Some(capture) = self.capture.as_deref_mut() else {
            return false;
        };
        if capture.frozen.is_none() {
            let keys = std::mem::take(&mut self.keys);
            let expires = std::mem::take(&mut self.expires);
            capture.frozen = Some(Box::new((keys, expires)));
        } else {
            self.keys.clear();
            self.expires.clear();
        }
        true
    }
}

fn ttl_of(expires: &Dict<Millis>, key: &[u8], meta: u32) -> Option<Millis> {
    if meta & HAS_TTL == 0 {
        return None;
    }
    expires.get(key).copied()
}
