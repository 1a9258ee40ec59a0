//! DEBUG DIGEST and DEBUG DIGEST-VALUE, computed exactly as Redis 7.0 computes them.
//!
//! It owns the 20-byte digest and Redis's two ways of folding data into it: `xor`
//! (order-independent: the SHA1 of the data is XORed in) and `mix` (order-dependent:
//! XOR in, then replace the digest by its own SHA1). It owns each type's per-value
//! recipe. It deliberately does not walk databases; `Db::digest_into` does that.
//!
//! A key's contribution is: mix the key name, mix the type (as a big-endian u32, 0 for
//! strings, 1 for lists, 4 for hashes), mix the value (a string as its text, integers
//! formatted in decimal; a list's elements one by one, head first; for a hash, each pair's own digest, field then value mixed from zero, is
//! XORed in), then xor "!!expire!!" when the key has a TTL (its time does not count). A
//! database's contribution is: mix its index (big-endian u32) into the running digest,
//! then xor in every key's contribution. Empty databases contribute nothing.

use crate::Millis;
use crate::string::IntBuf;
use crate::value::Value;

/// Redis's type code for strings (OBJ_STRING).
const TYPE_STRING: u32 = 0;
/// Redis's type code for lists (OBJ_LIST).
const TYPE_LIST: u32 = 1;
/// Redis's type code for hashes (OBJ_HASH).
const TYPE_HASH: u32 = 4;
/// Redis's type code for sets (OBJ_SET).
const TYPE_SET: u32 = 2;
/// Redis's type code for sorted sets (OBJ_ZSET).
const TYPE_ZSET: u32 = 3;

/// A 20-byte digest, all zeros when nothing has been added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Digest(pub [u8; 20]);

fn sha1(data: &[u8]) -> [u8; 20] {
    sha1_smol::Sha1::from(data).digest().bytes()
}

impl Digest {
    /// The all-zero digest.
    pub fn new() -> Self {
        Digest([0; 20])
    }

    /// XORs the SHA1 of `data` into the digest (Redis's xorDigest), so the order in
    /// which items are added does not matter.
    pub fn xor(&mut self, data: &[u8]) {
        self.xor_digest(&Digest(sha1(data)));
    }

    /// XORs another digest's bytes into this one.
    pub fn xor_digest(&mut self, other: &Digest) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            *mine ^= theirs;
        }
    }

    /// XORs the SHA1 of `data` in, then replaces the digest by its own SHA1 (Redis's
    /// mixDigest), so the order of items matters.
    pub fn mix(&mut self, data: &[u8]) {
        self.xor(data);
        self.0 = sha1(&self.0);
    }

    /// The digest as 40 lowercase hex digits, as DEBUG DIGEST replies.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(40);
        for byte in self.0 {
            out.push(char::from(
                HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'),
            ));
            out.push(char::from(
                HEX.get(usize::from(byte & 15)).copied().unwrap_or(b'0'),
            ));
        }
        out
    }

    /// True for the all-zero digest (Redis replies 40 zeros for an empty dataset).
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&b| b == 0)
    }
}

/// Adds a value's part of a key digest to `digest` (Redis's xorObjectDigest): the
/// type, the contents, and the mark of a TTL.
pub fn add_value_digest(digest: &mut Digest, value: &Value, has_expire: bool) {
    match value {
        Value::Str(s) => {
            digest.mix(&TYPE_STRING.to_be_bytes());
            let mut scratch: IntBuf = [0; 20];
            digest.mix(s.as_bytes(&mut scratch));
        }
        Value::Hash(h) => {
            digest.mix(&TYPE_HASH.to_be_bytes());
            // Each pair is mixed on its own (field, then value) and the pairs are
            // XORed together, so their order does not matter.
            let (mut field_text, mut value_text) = (Vec::new(), Vec::new());
            for (field, value) in h.iter() {
                field_text.clear();
                value_text.clear();
                field.write_to(&mut field_text);
                value.write_to(&mut value_text);
                let mut pair = Digest::new();
                pair.mix(&field_text);
                pair.mix(&value_text);
                digest.xor(&pair.0);
            }
        }
        Value::List(l) => {
            digest.mix(&TYPE_LIST.to_be_bytes());
            let mut element = Vec::new();
            l.for_each(|e| {
                element.clear();
                e.write_to(&mut element);
                digest.mix(&element);
            });
        }
        Value::Set(set) => {
            // Members in any order: each one's SHA1 is XORed in.
            digest.mix(&TYPE_SET.to_be_bytes());
            let mut scratch: IntBuf = [0; 20];
            for member in set.iter() {
                digest.xor(member.as_bytes(&mut scratch));
            }
        }
        Value::Zset(z) => {
            digest.mix(&TYPE_ZSET.to_be_bytes());
            z.digest_into(digest);
        }
    }
    if has_expire {
        digest.xor(b"!!expire!!");
    }
}

/// DEBUG DIGEST-VALUE for one key: the value's digest from zero, including the mark
/// of a TTL when `expire` is set.
pub fn value_digest(value: &Value, expire: Option<Millis>) -> Digest {
    let mut digest = Digest::new();
    add_value_digest(&mut digest, value, expire.is_some());
    digest
}

/// One key's contribution to DEBUG DIGEST: the key name mixed first, then the value.
pub fn key_digest(key: &[u8], value: &Value, has_expire: bool) -> Digest {
    let mut digest = Digest::new();
    digest.mix(key);
    add_value_digest(&mut digest, value, has_expire);
    digest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::string::StrValue;

    #[test]
    fn value_digests_match_redis_7_0_15() {
        // From DEBUG DIGEST-VALUE on redis-server 7.0.15.
        let bar = Value::Str(StrValue::from_bytes(b"bar"));
        assert_eq!(
            value_digest(&bar, None).to_hex(),
            "68467c70ae30376e7ce005bcc8827f5ba7fd67dc"
        );
        let n = Value::Str(StrValue::from_bytes(b"12345"));
        assert_eq!(
            value_digest(&n, None).to_hex(),
            "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"
        );
        // The encoding does not matter, only the text.
        let raw = Value::Str(StrValue::raw_from_bytes(b"12345"));
        assert_eq!(value_digest(&raw, None), value_digest(&n, None));
        let hello = Value::Str(StrValue::from_bytes(b"hello"));
        assert_eq!(
            value_digest(&hello, Some(0)).to_hex(),
            "d037c4eb8a8b36b602fbced4000daeab0714c1e3"
        );
    }

    #[test]
    fn set_digests_match_redis_7_0_15() {
        // From DEBUG DIGEST-VALUE on redis-server 7.0.15: an intset, a hash table, and a
        // hash table holding integers, whose members digest as their text.
        let set_of = |members: &[&str]| {
            let mut set = crate::set::SetValue::new();
            for m in members {
                set.add(m.as_bytes(), 512);
            }
            Value::from(set)
        };
        assert_eq!(
            value_digest(&set_of(&["1", "2", "3"]), None).to_hex(),
            "2a462a3f51a1db89738ebbeef0c47ce1bbc85246"
        );
        assert_eq!(
            value_digest(&set_of(&["a", "b", "c"]), None).to_hex(),
            "593c2414786d75446e97f4ea5d4b731f3313da72"
        );
        assert_eq!(
            value_digest(&set_of(&["1", "2", "a"]), None).to_hex(),
            "db6fa6d247dc5fcf296628e955a082dc9cd0b645"
        );
    }

    #[test]
    fn xor_is_order_free_and_mix_is_not() {
        let mut a = Digest::new();
        a.xor(b"one");
        a.xor(b"two");
        let mut b = Digest::new();
        b.xor(b"two");
        b.xor(b"one");
        assert_eq!(a, b);
        let mut a = Digest::new();
        a.mix(b"one");
        a.mix(b"two");
        let mut b = Digest::new();
        b.mix(b"two");
        b.mix(b"one");
        assert_ne!(a, b);
        assert!(!a.is_zero());
        assert_eq!(a.to_hex().len(), 40);
    }
}
