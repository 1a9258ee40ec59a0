//! Deep integrity checks of the pre-7.0 compact blobs (ziplists and zipmaps), with the
//! rules of Redis's `ziplistValidateIntegrity` and `zipmapValidateIntegrity`.
//!
//! The decoders in `ziplist` already refuse blobs they cannot walk; these checks add
//! what a walk does not need but Redis insists on before trusting a blob from outside
//! (a RESTORE payload): header fields that agree with the contents (total size, tail
//! offset, entry count) and previous-entry lengths that match. They decode nothing.

use super::input::Input;

const ZIPLIST_HEADER: usize = 10;
const ZIPLIST_END: u8 = 0xff;
/// A ziplist header count of this value means "count the entries".
const ZIPLIST_COUNT_UNKNOWN: u16 = u16::MAX;
/// A zipmap header count of this value or more means "count the entries".
const ZIPMAP_BIGLEN: u8 = 254;
const ZIPMAP_END: u8 = 0xff;

/// Whether `blob` is a sound ziplist: header, end marker, every entry inside the blob
/// with a valid encoding and the right previous-entry length, the tail offset at the
/// last entry and the header count right (unless it says "unknown").
pub fn ziplist_is_valid(blob: &[u8]) -> bool {
    ziplist_check(blob).is_some()
}

fn ziplist_check(blob: &[u8]) -> Option<()> {
    if blob.len() < ZIPLIST_HEADER + 1 || blob.last() != Some(&ZIPLIST_END) {
        return None;
    }
    let mut input = Input::new(blob);
    let total = u32::from_le_bytes(input.array().ok()?);
    let tail = u32::from_le_bytes(input.array().ok()?);
    let count = u16::from_le_bytes(input.array().ok()?);
    let size = blob.len();
    if usize::try_from(total).ok()? != size || usize::try_from(tail).ok()? > size - 1 {
        return None;
    }
    let mut entries = 0usize;
    let mut prev_size = 0usize;
    let mut last_start = None;
    loop {
        let start = input.position();
        let rest = blob.get(start..)?;
        if rest.first() == Some(&ZIPLIST_END) {
            // The first end marker must be the last byte.
            if start != size - 1 {
                return None;
            }
            break;
        }
        let entry_size = ziplist_entry_size(rest, prev_size)?;
        // The entry must end before the end marker.
        if start + entry_size > size - 1 {
            return None;
        }
        input.take(entry_size).ok()?;
        last_start = Some(start);
        prev_size = entry_size;
        entries += 1;
    }
    if let Some(last) = last_start
        && usize::try_from(tail).ok()? != last
    {
        return None;
    }
    if count != ZIPLIST_COUNT_UNKNOWN && usize::from(count) != entries {
        return None;
    }
    Some(())
}

/// The size of the entry at the start of `bytes`, whose previous-entry length must be
/// `expected_prev`; `None` when it is malformed.
fn ziplist_entry_size(bytes: &[u8], expected_prev: usize) -> Option<usize> {
    let mut input = Input::new(bytes);
    let first = input.u8().ok()?;
    let prev = if first == 0xfe {
        usize::try_from(u32::from_le_bytes(input.array().ok()?)).ok()?
    } else {
        usize::from(first)
    };
    if prev != expected_prev {
        return None;
    }
    let enc = input.u8().ok()?;
    let data_len = match enc >> 6 {
        0 => usize::from(enc & 0x3f),
        1 => (usize::from(enc & 0x3f) << 8) | usize::from(input.u8().ok()?),
        // Redis reads any 10xxxxxx byte as a 32-bit big-endian length.
        2 => usize::try_from(u32::from_be_bytes(input.array().ok()?)).ok()?,
        _ => match enc {
            0xc0 => 2,
            0xd0 => 4,
            0xe0 => 8,
            0xf0 => 3,
            0xfe => 1,
            0xf1..=0xfd => 0,
            _ => return None,
        },
    };
    input.position().checked_add(data_len)
}

/// Whether `blob` is a sound zipmap: end marker last, every entry inside the blob, at
/// least one entry, and the header count right (unless it says "count them").
pub fn zipmap_is_valid(blob: &[u8]) -> bool {
    zipmap_check(blob).is_some()
}

fn zipmap_check(blob: &[u8]) -> Option<()> {
    if blob.len() < 2 || blob.last() != Some(&ZIPMAP_END) {
        return None;
    }
    let mut input = Input::new(blob);
    let header_count = input.u8().ok()?;
    let mut entries = 0usize;
    loop {
        let rest = blob.get(input.position()..)?;
        if rest.first() == Some(&ZIPMAP_END) {
            break;
        }
        let field_len = zipmap_len(&mut input)?;
        input.take(field_len).ok()?;
        let value_len = zipmap_len(&mut input)?;
        let free = input.u8().ok()?;
        input.take(value_len).ok()?;
        input.take(usize::from(free)).ok()?;
        // Nothing may reach the end marker's byte but the marker itself.
        if input.position() > blob.len() - 1 {
            return None;
        }
        entries += 1;
    }
    if entries == 0 {
        return None;
    }
    if header_count < ZIPMAP_BIGLEN && usize::from(header_count) != entries {
        return None;
    }
    Some(())
}

/// A zipmap length: one byte below 254, or 254 and 4 little-endian bytes.
fn zipmap_len(input: &mut Input<'_>) -> Option<usize> {
    match input.u8().ok()? {
        0xfe => usize::try_from(u32::from_le_bytes(input.array().ok()?)).ok(),
        0xff => None,
        len => Some(usize::from(len)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ziplist of "a" and 5, as Redis writes it.
    fn two_entries() -> Vec<u8> {
        let mut blob = vec![0, 0, 0, 0, 0, 0, 0, 0, 2, 0];
        blob.extend_from_slice(&[0, 0x01, b'a']); // prevlen 0, 1-byte string
        blob.extend_from_slice(&[3, 0xf6]); // prevlen 3, immediate 5
        blob.push(0xff);
        let total = blob.len() as u32;
        blob.splice(0..4, total.to_le_bytes());
        blob.splice(4..8, 13u32.to_le_bytes());
        blob
    }

    #[test]
    fn sound_ziplist_passes() {
        assert!(ziplist_is_valid(&two_entries()));
    }

    #[test]
    fn header_disagreements_fail() {
        let mut wrong_count = two_entries();
        wrong_count[8] = 3;
        assert!(!ziplist_is_valid(&wrong_count));
        let mut unknown_count = two_entries();
        unknown_count[8] = 0xff;
        unknown_count[9] = 0xff;
        assert!(ziplist_is_valid(&unknown_count));
        let mut wrong_tail = two_entries();
        wrong_tail[4] = 10;
        assert!(!ziplist_is_valid(&wrong_tail));
        let mut wrong_prev = two_entries();
        wrong_prev[13] = 4;
        assert!(!ziplist_is_valid(&wrong_prev));
        let mut short = two_entries();
        short.pop();
        assert!(!ziplist_is_valid(&short));
    }

    #[test]
    fn zipmaps() {
        // One pair "a" => "bc" with no free bytes.
        let good = [1, 1, b'a', 2, 0, b'b', b'c', 0xff];
        assert!(zipmap_is_valid(&good));
        assert!(!zipmap_is_valid(&[2, 1, b'a', 2, 0, b'b', b'c', 0xff]));
        assert!(zipmap_is_valid(&[254, 1, b'a', 2, 0, b'b', b'c', 0xff]));
        assert!(!zipmap_is_valid(&[0, 0xff]));
        assert!(!zipmap_is_valid(&[1, 1, b'a', 9, 0, b'b', b'c', 0xff]));
    }
}
