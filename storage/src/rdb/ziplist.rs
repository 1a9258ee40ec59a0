//! Decoding the old compact encodings Redis wrote before 7.0: ziplists (lists,
//! quicklist v1 nodes, small hashes and sorted sets, RDB versions up to 9) and zipmaps
//! (small hashes before Redis 2.6).
//!
//! Both are read into plain elements, which the loader turns into today's encodings;
//! nothing here is kept in these layouts. Every length is checked against the blob, so
//! a corrupt blob is an error.

use super::input::{Input, RdbError};
use crate::number::format_i64;
use crate::string::IntBuf;

/// Field/value pairs, as decoded from a pair encoding.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

const ZIPLIST_HEADER: usize = 10;
const ZIPLIST_END: u8 = 0xff;
/// A previous-entry length of this first byte is followed by 4 bytes.
const PREVLEN_WIDE: u8 = 0xfe;

const BAD_ZIPLIST: RdbError = RdbError::Corrupt("Ziplist integrity check failed.");
const BAD_ZIPMAP: RdbError = RdbError::Corrupt("Zipmap integrity check failed.");

/// The elements of a ziplist blob, integers as decimal text.
pub fn ziplist_entries(blob: &[u8]) -> Result<Vec<Vec<u8>>, RdbError> {
    let mut input = Input::new(blob);
    let total = u32::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?);
    let _tail = u32::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?);
    let _count = u16::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?);
    if usize::try_from(total).ok() != Some(blob.len()) || blob.len() <= ZIPLIST_HEADER {
        return Err(BAD_ZIPLIST);
    }
    let mut entries = Vec::new();
    loop {
        let first = input.u8().map_err(|_| BAD_ZIPLIST)?;
        if first == ZIPLIST_END {
            break;
        }
        if first == PREVLEN_WIDE {
            input.take(4).map_err(|_| BAD_ZIPLIST)?;
        }
        entries.push(ziplist_entry(&mut input)?);
    }
    if input.remaining() != 0 {
        return Err(BAD_ZIPLIST);
    }
    Ok(entries)
}

/// One entry after its previous-entry length: the encoding byte(s), then the data.
fn ziplist_entry(input: &mut Input<'_>) -> Result<Vec<u8>, RdbError> {
    let enc = input.u8().map_err(|_| BAD_ZIPLIST)?;
    let string_len = match enc >> 6 {
        0 => Some(usize::from(enc & 0x3f)),
        1 => {
            let low = input.u8().map_err(|_| BAD_ZIPLIST)?;
            Some((usize::from(enc & 0x3f) << 8) | usize::from(low))
        }
        2 if enc == 0x80 => {
            let len = u32::from_be_bytes(input.array().map_err(|_| BAD_ZIPLIST)?);
            Some(usize::try_from(len).map_err(|_| BAD_ZIPLIST)?)
        }
        2 => return Err(BAD_ZIPLIST),
        _ => None,
    };
    if let Some(len) = string_len {
        return Ok(input.take(len).map_err(|_| BAD_ZIPLIST)?.to_vec());
    }
    let value = match enc {
        0xc0 => i64::from(i16::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?)),
        0xd0 => i64::from(i32::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?)),
        0xe0 => i64::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?),
        0xf0 => {
            let [a, b, c] = input.array().map_err(|_| BAD_ZIPLIST)?;
            // 24 bits, sign-extended through the top byte.
            i64::from(i32::from_le_bytes([0, a, b, c]) >> 8)
        }
        0xfe => i64::from(i8::from_le_bytes(input.array().map_err(|_| BAD_ZIPLIST)?)),
        0xf1..=0xfd => i64::from(enc & 0x0f) - 1,
        _ => return Err(BAD_ZIPLIST),
    };
    let mut buf: IntBuf = [0; 20];
    Ok(format_i64(value, &mut buf).to_vec())
}

/// The field/value pairs of a zipmap blob.
pub fn zipmap_pairs(blob: &[u8]) -> Result<Pairs, RdbError> {
    let mut input = Input::new(blob);
    let _count = input.u8().map_err(|_| BAD_ZIPMAP)?;
    let mut pairs = Vec::new();
    while let Some(field_len) = zipmap_len(&mut input)? {
        let field = input.take(field_len).map_err(|_| BAD_ZIPMAP)?.to_vec();
        let value_len = zipmap_len(&mut input)?.ok_or(BAD_ZIPMAP)?;
        let free = input.u8().map_err(|_| BAD_ZIPMAP)?;
        let value = input.take(value_len).map_err(|_| BAD_ZIPMAP)?.to_vec();
        input.take(usize::from(free)).map_err(|_| BAD_ZIPMAP)?;
        pairs.push((field, value));
    }
    if input.remaining() != 0 {
        return Err(BAD_ZIPMAP);
    }
    Ok(pairs)
}

/// A zipmap length (one byte below 254, else 254 and 4 little-endian bytes); None at
/// the end marker.
fn zipmap_len(input: &mut Input<'_>) -> Result<Option<usize>, RdbError> {
    match input.u8().map_err(|_| BAD_ZIPMAP)? {
        0xff => Ok(None),
        0xfe => {
            let len = u32::from_le_bytes(input.array().map_err(|_| BAD_ZIPMAP)?);
            Ok(Some(usize::try_from(len).map_err(|_| BAD_ZIPMAP)?))
        }
        0xfd => Err(BAD_ZIPMAP),
        len => Ok(Some(usize::from(len))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a ziplist from encoded entries (prevlen and tail are not checked).
    fn ziplist(entries: &[&[u8]]) -> Vec<u8> {
        let body: Vec<u8> = entries
            .iter()
            .flat_map(|e| [&[0u8][..], e].concat())
            .collect();
        let total = (ZIPLIST_HEADER + body.len() + 1) as u32;
        let mut out = total.to_le_bytes().to_vec();
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(ZIPLIST_END);
        out
    }

    fn texts(entries: Vec<Vec<u8>>) -> Vec<String> {
        entries
            .into_iter()
            .map(|e| String::from_utf8_lossy(&e).into_owned())
            .collect()
    }

    #[test]
    fn every_ziplist_encoding() {
        let blob = ziplist(&[
            b"\x03abc",
            b"\x40\x02hi",
            b"\x80\x00\x00\x00\x01z",
            b"\xc0\x00\x80",
            b"\xd0\x00\x00\x00\x80",
            b"\xe0\xff\xff\xff\xff\xff\xff\xff\x7f",
            b"\xf0\xff\xff\xff",
            b"\xfe\x85",
            b"\xf1",
            b"\xfd",
        ]);
        assert_eq!(
            texts(ziplist_entries(&blob).unwrap_or_default()),
            [
                "abc",
                "hi",
                "z",
                "-32768",
                "-2147483648",
                "9223372036854775807",
                "-1",
                "-123",
                "0",
                "12"
            ]
        );
    }

    #[test]
    fn corrupt_ziplists_are_errors() {
        let mut blob = ziplist(&[b"\x03abc"]);
        assert!(ziplist_entries(blob.get(..blob.len() - 1).unwrap_or_default()).is_err());
        blob.insert(ZIPLIST_HEADER + 1, 0x05); // a string longer than the blob
        let total = blob.len() as u32;
        blob.splice(0..4, total.to_le_bytes());
        assert!(ziplist_entries(&blob).is_err());
        assert!(ziplist_entries(&ziplist(&[b"\xc1"])).is_err());
        assert!(ziplist_entries(&[]).is_err());
    }

    #[test]
    fn zipmaps() {
        let blob = b"\x02\x01a\x02\x01xy?\x02bb\x00\x00\xff";
        assert_eq!(
            zipmap_pairs(blob),
            Ok(vec![
                (b"a".to_vec(), b"xy".to_vec()),
                (b"bb".to_vec(), Vec::new())
            ])
        );
        assert!(zipmap_pairs(b"\x01\x01a\x05\x00xy\xff").is_err());
        assert!(zipmap_pairs(b"\x01").is_err());
    }
}
