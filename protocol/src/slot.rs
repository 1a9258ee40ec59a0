//! Cluster key slots: which of the 16384 hash slots a key belongs to.
//!
//! This module owns the hash-tag rule and the CRC16 reduction only. It does not know which node
//! serves a slot, nor anything else about cluster state.

use crc16::{State, XMODEM};

/// The number of hash slots in a Redis cluster.
pub const SLOT_COUNT: u16 = 16384;

/// Returns the cluster hash slot of `key`: CRC16/XMODEM of the key, modulo 16384.
///
/// When the key contains a `{`, and a `}` follows it with at least one byte between them, only
/// the bytes between the first `{` and the first `}` after it are hashed (the hash tag). An empty
/// tag such as `{}` or a missing `}` means the whole key is hashed.
pub fn key_hash_slot(key: &[u8]) -> u16 {
    let hashed = hash_tag(key).unwrap_or(key);
    // 16384 is a power of two, so the remainder is a mask of the low 14 bits.
    State::<XMODEM>::calculate(hashed) & (SLOT_COUNT - 1)
}

/// The non-empty hash tag of `key`, if it has one.
fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = memchr::memchr(b'{', key)?;
    let after_open = key.get(open + 1..)?;
    let close = memchr::memchr(b'}', after_open)?;
    if close == 0 {
        return None;
    }
    after_open.get(..close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_slots() {
        assert_eq!(key_hash_slot(b"foo"), 12182);
        assert_eq!(key_hash_slot(b"bar"), 5061);
        assert_eq!(key_hash_slot(b""), 0);
        assert_eq!(key_hash_slot(b"123456789"), 0x31C3 & 16383);
    }

    // Values printed by CLUSTER KEYSLOT on Redis 7.0.15.
    #[test]
    fn matches_cluster_keyslot() {
        for (key, slot) in [
            (&b"foo"[..], 12182),
            (b"bar", 5061),
            (b"{user1000}.following", 3443),
            (b"{}", 15257),
            (b"foo{}{bar}", 8363),
            (b"foo{{bar}}zap", 4015),
            (b"}foo{", 8453),
            (b"a{b", 13340),
        ] {
            assert_eq!(key_hash_slot(key), slot, "{}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn hash_tags_select_the_same_slot() {
        assert_eq!(
            key_hash_slot(b"{user1000}.following"),
            key_hash_slot(b"{user1000}.followers")
        );
        assert_eq!(
            key_hash_slot(b"{user1000}.following"),
            key_hash_slot(b"user1000")
        );
        assert_eq!(key_hash_slot(b"foo{bar}{zap}"), key_hash_slot(b"bar"));
        assert_eq!(key_hash_slot(b"foo{{bar}}zap"), key_hash_slot(b"{bar"));
    }

    #[test]
    fn empty_or_unclosed_tags_hash_the_whole_key() {
        assert_ne!(key_hash_slot(b"{}"), key_hash_slot(b""));
        assert_eq!(
            key_hash_slot(b"{}"),
            State::<XMODEM>::calculate(b"{}") & 16383
        );
        assert_eq!(
            key_hash_slot(b"foo{}{bar}"),
            State::<XMODEM>::calculate(b"foo{}{bar}") & 16383
        );
        assert_eq!(
            key_hash_slot(b"foo{bar"),
            State::<XMODEM>::calculate(b"foo{bar") & 16383
        );
        assert_eq!(
            key_hash_slot(b"}foo{"),
            State::<XMODEM>::calculate(b"}foo{") & 16383
        );
    }
}
