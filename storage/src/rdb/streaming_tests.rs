//! Tests of the streaming decoder: the same databases as `read_rdb` whatever the chunk
//! sizes, truncation and damage found, bytes after the end refused, and only the
//! unfinished record kept.

use proptest::prelude::*;

use super::objects::LoadLimits;
use super::reader::read_rdb;
use super::streaming::StreamDecoder;
use super::writer::{WriteOptions, write_rdb};
use super::writer_tests::sample_db;
use super::{Loaded, RdbError};
use crate::db::Db;
use crate::digest::Digest;
use crate::lru::Access;
use crate::string::StrValue;
use crate::value::Value;

fn digest(dbs: &[Db]) -> Digest {
    let mut out = Digest::new();
    for (i, db) in dbs.iter().enumerate() {
        db.digest_into(i as u32, &mut out);
    }
    out
}

/// Feeds `bytes` cut at `cuts` (offsets, any order) and finishes.
fn decode_in_chunks(bytes: &[u8], databases: usize, cuts: &[usize]) -> Result<Loaded, RdbError> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(bytes.len())).collect();
    cuts.push(bytes.len());
    cuts.sort_unstable();
    let mut decoder = StreamDecoder::new(databases, LoadLimits::default());
    let mut at = 0;
    let mut last_progress = 0u64;
    let mut on_key = |p: u64| {
        assert!(p >= last_progress, "progress goes forward");
        last_progress = p;
    };
    for cut in cuts {
        decoder.feed(&bytes[at..cut], &mut on_key)?;
        at = cut;
    }
    decoder.finish(&mut on_key)
}

fn sample_file() -> (Vec<Db>, Vec<u8>) {
    let dbs = vec![sample_db(), Db::new(), sample_db()];
    let bytes = write_rdb(&dbs, &WriteOptions::default());
    (dbs, bytes)
}

#[test]
fn any_chunk_size_decodes_what_the_reader_decodes() {
    let (dbs, bytes) = sample_file();
    let whole = read_rdb(&bytes, 3, &LoadLimits::default()).map(|l| digest(&l.dbs));
    assert_eq!(whole, Ok(digest(&dbs)));
    for size in [1, 2, 7, 64, 1000, 4096, bytes.len()] {
        let cuts: Vec<usize> = (size..bytes.len()).step_by(size).collect();
        let loaded = decode_in_chunks(&bytes, 3, &cuts);
        let loaded = loaded.unwrap_or_else(|e| panic!("chunks of {size}: {e}"));
        assert_eq!(digest(&loaded.dbs), digest(&dbs), "chunks of {size}");
        assert_eq!(loaded.version, 10);
        assert!(loaded.aux.iter().any(|(name, _)| name == b"redis-ver"));
    }
}

#[test]
fn a_cut_image_is_truncated_and_damage_is_found() {
    let (_, bytes) = sample_file();
    for len in (0..bytes.len()).step_by(29) {
        let cut = bytes.get(..len).unwrap_or_default();
        assert!(decode_in_chunks(cut, 3, &[len / 2]).is_err(), "{len}");
    }
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        decode_in_chunks(&flipped, 3, &[100]).err(),
        Some(RdbError::BadChecksum)
    );
    let mut extra = bytes.clone();
    extra.extend_from_slice(b"more");
    assert_eq!(
        decode_in_chunks(&extra, 3, &[bytes.len()]).err(),
        Some(RdbError::Corrupt("data after the end of the file"))
    );
    assert_eq!(
        decode_in_chunks(&extra, 3, &[10]).err(),
        Some(RdbError::Corrupt("data after the end of the file"))
    );
}

#[test]
fn only_the_unfinished_record_is_held() {
    let mut db = Db::new();
    let big = vec![b'x'; 1 << 20];
    db.insert_with_expire(
        b"big",
        Value::Str(StrValue::from_bytes(&big)),
        None,
        &Access::NoTouch,
    );
    for i in 0..1000 {
        let key = format!("k{i}");
        db.insert_with_expire(
            key.as_bytes(),
            Value::Str(StrValue::from_bytes(b"v")),
            None,
            &Access::NoTouch,
        );
    }
    let bytes = write_rdb(
        [&db],
        &WriteOptions {
            compress: false,
            ..WriteOptions::default()
        },
    );
    let mut decoder = StreamDecoder::new(1, LoadLimits::default());
    let mut most_held = 0;
    for chunk in bytes.chunks(1024) {
        decoder
            .feed(chunk, &mut |_| {})
            .unwrap_or_else(|e| panic!("{e}"));
        most_held = most_held.max(decoder.pending_len());
    }
    // A record waits for twice the bytes its last attempt saw: the big string may
    // only be decoded once the end is announced.
    assert!(decoder.consumed() > 0);
    // At most twice the unfinished record (the retry rule) plus a chunk.
    assert!(most_held < 2 * big.len() + 2048, "held {most_held}");
    let loaded = decoder
        .finish(&mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.dbs[0].len(), 1001);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_cuts_give_the_same_databases(cuts in prop::collection::vec(0usize..20_000, 0..12)) {
        let (dbs, bytes) = sample_file();
        let loaded = decode_in_chunks(&bytes, 3, &cuts);
        prop_assert_eq!(loaded.map(|l| digest(&l.dbs)), Ok(digest(&dbs)));
    }

    #[test]
    fn garbage_never_panics(body in prop::collection::vec(any::<u8>(), 0..400), cut in 0usize..400) {
        let mut bytes = b"REDIS0010".to_vec();
        bytes.extend_from_slice(&body);
        let _ = decode_in_chunks(&bytes, 2, &[cut]);
    }
}
