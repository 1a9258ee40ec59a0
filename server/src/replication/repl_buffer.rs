//! The replication buffer: the one copy of the replication stream that the backlog and
//! every replica share (Redis 7's list of `replBufBlock`s).
//!
//! The stream is appended in blocks (of 16 KiB up to a sixteenth of the backlog, as
//! Redis sizes them). Each replica reads it from its own cursor (the
//! offset up to which its connection has taken the bytes), so two replicas, or a replica
//! and the backlog, never hold the same bytes twice. Blocks at the front go once every
//! cursor is past them and what remains is still at least `repl-backlog-size`: the
//! backlog is everything held, and it outgrows its configured size while a slow replica
//! (or one waiting for its snapshot) still needs older bytes, which also lets a replica
//! that comes back continue partially from them.
//!
//! Offsets are stream offsets as INFO shows them: the buffer holds the bytes after
//! `first` up to `end` (`master_repl_offset`).

use std::collections::VecDeque;

/// The smallest block, as Redis's PROTO_REPLY_CHUNK_BYTES.
const BLOCK_SIZE: usize = 16 * 1024;

/// A block of the stream.
#[derive(Debug)]
struct Block {
    /// The stream offset before its first byte.
    start: i64,
    /// Its bytes; the capacity is fixed when the block is made.
    data: Vec<u8>,
}

impl Block {
    fn end(&self) -> i64 {
        self.start + self.data.len() as i64
    }
}

/// The shared stream (INFO repl_backlog_*, mem_total_replication_buffers).
#[derive(Debug)]
pub struct ReplBuffer {
    blocks: VecDeque<Block>,
    /// The offset before the first byte held.
    first: i64,
    /// The offset after the last byte held.
    end: i64,
    /// The capacity of every block, which is what the buffer costs in memory.
    memory: usize,
    /// `repl-backlog-size`: the least kept when no replica needs more.
    backlog_size: usize,
}

impl ReplBuffer {
    /// An empty buffer whose stream is at `offset`.
    pub fn new(offset: i64, backlog_size: usize) -> ReplBuffer {
        ReplBuffer {
            blocks: VecDeque::new(),
            first: offset,
            end: offset,
            memory: 0,
            backlog_size: backlog_size.max(1),
        }
    }

    /// Appends stream bytes.
    pub fn append(&mut self, mut bytes: &[u8]) {
        self.end += bytes.len() as i64;
        if let Some(last) = self.blocks.back_mut() {
            let room = last.data.capacity() - last.data.len();
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            last.data.extend_from_slice(now);
            bytes = rest;
        }
        // Blocks are at most a sixteenth of the backlog (and at least BLOCK_SIZE), so that
        // a big write does not keep a whole big block alive for a small part of it.
        let largest = (self.backlog_size / 16).max(BLOCK_SIZE);
        while !bytes.is_empty() {
            let start = self.end - bytes.len() as i64;
            let size = bytes.len().clamp(BLOCK_SIZE, largest);
            let (now, rest) = bytes.split_at(size.min(bytes.len()));
            let mut data = Vec::with_capacity(size);
            data.extend_from_slice(now);
            self.memory += data.capacity();
            self.blocks.push_back(Block { start, data });
            bytes = rest;
        }
    }

    /// Bytes held (INFO repl_backlog_histlen).
    pub fn len(&self) -> usize {
        usize::try_from(self.end - self.first).unwrap_or(0)
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.end == self.first
    }

    /// The offset of the first byte held (INFO repl_backlog_first_byte_offset).
    pub fn first_byte_offset(&self) -> i64 {
        self.first + 1
    }

    /// The memory its blocks take (INFO mem_total_replication_buffers).
    pub fn memory(&self) -> usize {
        self.memory
    }

    /// Whether the bytes after `from` up to the end are all held.
    pub fn holds_since(&self, from: i64) -> bool {
        from >= self.first && from <= self.end
    }

    /// Appends to `out` up to `max` bytes following offset `from`; returns the offset
    /// after the last byte copied.
    pub fn copy_since(&self, from: i64, max: usize, out: &mut Vec<u8>) -> i64 {
        let mut at = from.max(self.first);
        let stop = self
            .end
            .min(at.saturating_add(i64::try_from(max).unwrap_or(i64::MAX)));
        // The first block holding the byte after `at`.
        let index = self.blocks.partition_point(|b| b.end() <= at);
        for block in self.blocks.iter().skip(index) {
            if at >= stop {
                break;
            }
            let skip = usize::try_from(at - block.start).unwrap_or(0);
            let take = usize::try_from(stop.min(block.end()) - at).unwrap_or(0);
            if let Some(bytes) = block.data.get(skip..skip + take) {
                out.extend_from_slice(bytes);
            }
            at += take as i64;
        }
        at
    }

    /// Lets the front blocks go that no reader needs: the oldest reader is at `oldest`
    /// (None: no replica reads), and at least `repl-backlog-size` bytes stay.
    pub fn trim(&mut self, oldest: Option<i64>) {
        while let Some(front) = self.blocks.front() {
            let needed = oldest.is_some_and(|o| o < front.end());
            let left = self.len().saturating_sub(front.data.len());
            if needed || left < self.backlog_size {
                break;
            }
            self.first = front.end();
            self.memory -= front.data.capacity();
            self.blocks.pop_front();
        }
    }

    /// CONFIG SET repl-backlog-size: the next trims keep at least the new size.
    pub fn resize(&mut self, backlog_size: usize, oldest: Option<i64>) {
        self.backlog_size = backlog_size.max(1);
        self.trim(oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn since(buffer: &ReplBuffer, from: i64) -> Vec<u8> {
        let mut out = Vec::new();
        buffer.copy_since(from, usize::MAX, &mut out);
        out
    }

    #[test]
    fn readers_hold_blocks_and_the_backlog_keeps_its_size() {
        let mut buffer = ReplBuffer::new(100, 10);
        let chunk = vec![b'x'; BLOCK_SIZE];
        for _ in 0..4 {
            buffer.append(&chunk);
        }
        assert_eq!(buffer.len(), 4 * BLOCK_SIZE);
        // A reader at the start keeps everything.
        buffer.trim(Some(100));
        assert_eq!(buffer.len(), 4 * BLOCK_SIZE);
        assert!(buffer.holds_since(100));
        // Without readers, only what the backlog size needs stays (whole blocks).
        buffer.trim(None);
        assert_eq!(buffer.len(), BLOCK_SIZE);
        assert_eq!(buffer.first_byte_offset(), 101 + 3 * BLOCK_SIZE as i64);
        assert!(!buffer.holds_since(100));
        assert_eq!(buffer.memory(), BLOCK_SIZE);
    }

    #[test]
    fn copies_span_blocks_and_stop_at_max() {
        let mut buffer = ReplBuffer::new(0, 1 << 20);
        let mut all = Vec::new();
        for i in 0..5000u32 {
            let piece = format!("{i};").into_bytes();
            all.extend_from_slice(&piece);
            buffer.append(&piece);
        }
        buffer.append(&vec![b'y'; 3 * BLOCK_SIZE]);
        all.extend(std::iter::repeat_n(b'y', 3 * BLOCK_SIZE));
        assert_eq!(since(&buffer, 0), all);
        assert_eq!(since(&buffer, 7), all[7..]);
        let mut out = Vec::new();
        let at = buffer.copy_since(10, 100, &mut out);
        assert_eq!(at, 110);
        assert_eq!(out, all[10..110]);
        let end = all.len() as i64;
        assert!(since(&buffer, end).is_empty());
        // Blocks stay at most a sixteenth of the backlog (1 MiB here).
        buffer.append(&vec![b'z'; 5 << 20]);
        assert!(buffer.blocks.iter().all(|b| b.data.capacity() <= 1 << 20));
        buffer.trim(None);
        assert!(buffer.len() < (1 << 20) + (1 << 20));
    }
}
