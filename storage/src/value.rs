//! The value stored under a key: one variant per Redis type.
//!
//! It owns the list of types and their TYPE and OBJECT ENCODING names. It deliberately
//! holds no type's operations (each type's module owns those) and no per-key data such
//! as TTL or access time (the table's node holds those). Every variant must keep the
//! enum at 24 bytes so a main-table node stays at 64 bytes: a collection's small encoding
//! is a 16-byte thin blob held here directly, its big encodings are boxed.

use crate::hash::HashValue;
use crate::list::ListValue;
use crate::set::SetValue;
use crate::string::StrValue;
use crate::zset::ZsetValue;

/// A value of any Redis type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string (including the integer and float values INCR and INCRBYFLOAT work on).
    Str(StrValue),
    /// A hash: field/value pairs. Unboxed: a small hash is its listpack's pointer, so it
    /// costs what Redis's object header would, and no more.
    Hash(HashValue),
    /// A set. Unboxed like a hash: a small set is its intset's pointer.
    Set(SetValue),
    /// A list (always a quicklist, as in Redis 7.0), boxed: its node table does not fit.
    List(Box<ListValue>),
    /// A sorted set, boxed: its large encoding does not fit.
    Zset(Box<ZsetValue>),
}

impl Value {
    /// The type's name as TYPE reports it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::List(_) => "list",
            Value::Zset(_) => "zset",
        }
    }

    /// The encoding's name as OBJECT ENCODING reports it.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::List(_) => "quicklist",
            Value::Zset(z) => z.encoding(),
        }
    }

    /// True for a collection with no elements: one Redis never keeps as a key, and skips
    /// when an RDB file or DUMP payload holds one.
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::Zset(z) => z.is_empty(),
            Value::Hash(h) => h.is_empty(),
        }
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&StrValue> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string, mutably, when the value is one.
    pub fn as_str_mut(&mut self) -> Option<&mut StrValue> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The hash, when the value is one.
    pub fn as_hash(&self) -> Option<&HashValue> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// The hash, mutably, when the value is one.
    pub fn as_hash_mut(&mut self) -> Option<&mut HashValue> {
        match self {
            Value::Hash(h) => Some(h),
            _ => None,
        }
    }

    /// The set, when the value is one.
    pub fn as_set(&self) -> Option<&SetValue> {
        match self {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }

    /// The set, mutably, when the value is one.
    pub fn as_set_mut(&mut self) -> Option<&mut SetValue> {
        match self {
            Value::Set(s) => Some(s),
            _ => None,
        }
    }

    /// The list, when the value is one.
    pub fn as_list(&self) -> Option<&ListValue> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The list, mutably, when the value is one.
    pub fn as_list_mut(&mut self) -> Option<&mut ListValue> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The sorted set, when the value is one.
    pub fn as_zset(&self) -> Option<&ZsetValue> {
        match self {
            Value::Zset(z) => Some(z),
            _ => None,
        }
    }

    /// The sorted set, mutably, when the value is one.
    pub fn as_zset_mut(&mut self) -> Option<&mut ZsetValue> {
        match self {
            Value::Zset(z) => Some(z),
            _ => None,
        }
    }
}

impl From<StrValue> for Value {
    fn from(s: StrValue) -> Self {
        Value::Str(s)
    }
}

impl From<HashValue> for Value {
    fn from(h: HashValue) -> Self {
        Value::Hash(h)
    }
}

impl From<SetValue> for Value {
    fn from(s: SetValue) -> Self {
        Value::Set(s)
    }
}

impl From<ListValue> for Value {
    fn from(l: ListValue) -> Self {
        Value::List(Box::new(l))
    }
}

impl From<ZsetValue> for Value {
    fn from(z: ZsetValue) -> Self {
        Value::Zset(Box::new(z))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_24_bytes_and_leaves_room_for_boxed_types() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        // A stand-in for the enum once collections arrive as boxed variants: the
        // string's spare tag values must absorb the new tags.
        #[allow(dead_code)]
        enum Future {
            Str(StrValue),
            List(Box<[u64; 8]>),
            Hash(Box<[u64; 8]>),
            Set(Box<[u64; 8]>),
            Zset(Box<[u64; 8]>),
            Stream(Box<[u64; 8]>),
        }
        assert_eq!(std::mem::size_of::<Future>(), 24);
    }

    #[test]
    fn names() {
        let v = Value::Str(StrValue::from_bytes(b"12"));
        assert_eq!(v.type_name(), "string");
        assert_eq!(v.encoding(), "int");
        let h = Value::from(HashValue::new());
        assert_eq!(h.type_name(), "hash");
        assert_eq!(h.encoding(), "listpack");
        let set = Value::from(SetValue::new());
        assert_eq!(set.type_name(), "set");
        assert_eq!(set.encoding(), "intset");
        let l = Value::from(ListValue::new(&crate::list::ListOptions::default()));
        assert_eq!(l.type_name(), "list");
        assert_eq!(l.encoding(), "quicklist");
        let z = Value::from(ZsetValue::new_listpack());
        assert_eq!(z.type_name(), "zset");
        assert_eq!(z.encoding(), "listpack");
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }
}
