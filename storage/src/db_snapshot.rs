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
    /// LZF-compress long strings (rdbcompression).
    compress: bool,
    /// Bytes of records written early (before a change) since the last step: what a
    /// fork's copy-on-write would have had to copy.
    copied: usize,
    /// The tables as they were when FLUSHDB emptied the database mid-walk.
    frozen: Option<Box<(Dict<Value>, Dict<Millis>)>>,
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
        self.abort_snapshot();
        if self.keys.is_empty() {
            return;
        }
        let mut out = Vec::new();
        write_db_header(&mut out, index, self.keys.len(), self.expires.len());
        self.keys.pin_layout(true);
        self.capture = Some(Box::new(Capture {
            index,
            next: Position::default(),
            handled: HashSet::default(),
            out,
            compress,
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

    /// Walks on for at least `min_entries` entries (whole buckets), returning the bytes
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
            compress,
            copied,
            frozen,
        } = capture;
        let (keys, expires) = match frozen.as_deref() {
            Some((keys, expires)) => (keys, expires),
            None => (&self.keys, &self.expires),
        };
        let end = keys.end_position();
        let mut visited = 0usize;
        while visited < min_entries && *next < end {
            *next = keys.visit_bucket(*next, |key, meta, value| {
                visited += 1;
                if handled.remove(key.as_bytes()) {
                    return;
                }
                let expire = ttl_of(expires, key.as_bytes(), meta);
                write_record(out, key.as_bytes(), value, expire, *compress);
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
                write_record(&mut capture.out, key, value, expire, false);
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
