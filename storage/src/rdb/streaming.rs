//! Decoding an RDB image while its bytes arrive (a replica loading its master's payload
//! from the socket), without ever holding the whole image.
//!
//! [`StreamDecoder`] keeps only the bytes of the record it has not finished: each fed
//! chunk is decoded record by record into fresh databases, and a record cut by the end
//! of what arrived is read again from its start once enough more bytes are there (twice
//! as many as the last attempt saw, so a record of any size costs a bounded number of
//! attempts). The records are the reader's own (`reader::read_record`), under the same
//! limits: a count or length is still checked against the bytes present, so a lying
//! prefix only makes the decoder wait for bytes the master must really send.
//!
//! The checksum is computed as the bytes go by and checked at the trailer, so damage is
//! found at the end, not before decoding as `read_rdb` does; a caller keeps the decoded
//! databases apart from the live ones until [`StreamDecoder::finish`] succeeds. Where the
//! stream ends (a length, an end mark) is the caller's business: the decoder is told
//! when no more bytes will come.

use super::crc64::crc64;
use super::input::{Input, RdbError};
use super::objects::LoadLimits;
use super::reader::{BodyCursor, Loaded, Record, read_header, read_record};

/// Where in the image the decoder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Expecting "REDIS" and the version.
    Header,
    /// Expecting records, up to the EOF opcode.
    Body,
    /// Expecting the 8-byte checksum (versions 5 and later).
    Trailer,
    /// The image is complete.
    Done,
}

/// An RDB image decoded as it arrives (see the module doc).
#[derive(Debug)]
pub struct StreamDecoder {
    limits: LoadLimits,
    /// Bytes received but not decoded yet: the start of an unfinished record.
    pending: Vec<u8>,
    /// Decoding waits until `pending` holds this many bytes.
    retry_at: usize,
    /// Bytes decoded so far.
    consumed: u64,
    /// The checksum of the bytes decoded before the trailer.
    crc: u64,
    phase: Phase,
    cursor: BodyCursor,
    loaded: Loaded,
}

impl StreamDecoder {
    /// A decoder loading into `databases` fresh databases.
    pub fn new(databases: usize, limits: LoadLimits) -> StreamDecoder {
        StreamDecoder {
            limits,
            pending: Vec::new(),
            retry_at: 0,
            consumed: 0,
            crc: 0,
            phase: Phase::Header,
            cursor: BodyCursor::default(),
            loaded: Loaded::empty(0, databases),
        }
    }

    /// Decodes what `bytes` completes; `on_key` gets the bytes decoded so far after each
    /// key (progress reports, key-load-delay). Bytes after the image's end are an error.
    pub fn feed(&mut self, bytes: &[u8], on_key: &mut dyn FnMut(u64)) -> Result<(), RdbError> {
        if self.phase == Phase::Done {
            if bytes.is_empty() {
                return Ok(());
            }
            return Err(RdbError::Corrupt("data after the end of the file"));
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() < self.retry_at {
            return Ok(());
        }
        self.decode_pending(false, on_key)
    }

    /// Whether the whole image, checksum included, has been decoded.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Bytes decoded so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Bytes received and not decoded yet (the memory the decoder holds besides the
    /// databases).
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// No more bytes will come: the decoded image, or why it is incomplete or damaged.
    pub fn finish(mut self, on_key: &mut dyn FnMut(u64)) -> Result<Loaded, RdbError> {
        if self.phase != Phase::Done {
            self.decode_pending(true, on_key)?;
        }
        if self.phase != Phase::Done {
            return Err(RdbError::Truncated);
        }
        Ok(self.loaded)
    }

    /// Decodes every complete record in `pending`. Unless `last`, a record cut short is
    /// kept for the next feed rather than reported.
    fn decode_pending(&mut self, last: bool, on_key: &mut dyn FnMut(u64)) -> Result<(), RdbError> {
        let mut buf = std::mem::take(&mut self.pending);
        let base = self.consumed;
        let mut input = Input::new(&buf);
        let outcome = loop {
            if self.phase == Phase::Done {
                break if input.remaining() == 0 {
                    Ok(())
                } else {
                    Err((
                        RdbError::Corrupt("data after the end of the file"),
                        input.position(),
                    ))
                };
            }
            let start = input.position();
            let before = self.phase;
            if let Err(e) = self.step(&mut input, base, on_key) {
                break Err((e, start));
            }
            let end = input.position();
            if before != Phase::Trailer {
                self.crc = crc64(self.crc, buf.get(start..end).unwrap_or_default());
            }
            self.consumed = base.saturating_add(end as u64);
        };
        match outcome {
            Ok(()) => Ok(()),
            Err((RdbError::Truncated, start)) if !last => {
                buf.drain(..start);
                self.retry_at = buf.len().saturating_mul(2).max(buf.len() + 1);
                self.pending = buf;
                Ok(())
            }
            Err((e, _)) => Err(e),
        }
    }

    /// Reads the next unit of the current phase.
    fn step(
        &mut self,
        input: &mut Input<'_>,
        base: u64,
        on_key: &mut dyn FnMut(u64),
    ) -> Result<(), RdbError> {
        match self.phase {
            Phase::Header => {
                self.loaded.version = read_header(input)?;
                self.phase = Phase::Body;
            }
            Phase::Body => {
                let mut report = |at: usize| on_key(base.saturating_add(at as u64));
                let record = read_record(
                    input,
                    &mut self.cursor,
                    &mut self.loaded,
                    &self.limits,
                    &mut report,
                )?;
                if record == Record::Eof {
                    self.phase = if self.loaded.version >= 5 {
                        Phase::Trailer
                    } else {
                        Phase::Done
                    };
                }
            }
            Phase::Trailer => {
                let expected = u64::from_le_bytes(input.array()?);
                if !self.limits.skip_checksum && expected != 0 && expected != self.crc {
                    return Err(RdbError::BadChecksum);
                }
                self.phase = Phase::Done;
            }
            Phase::Done => {}
        }
        Ok(())
    }
}
