//! The value stored under a key: one variant per Redis type.
//!
//! It owns the list of types and their TYPE and OBJECT ENCODING names. It deliberately
//! holds no type's operations (each type's module owns those) and no per-key data such
//! as TTL or access time (the table's node holds those). Every variant must keep the
//! enum at 24 bytes so a main-table node stays at 64 bytes: collections will be boxed.

use crate::list::ListValue;
use crate::string::StrValue;

/// A value of any Redis type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string (including the integer and float values INCR and INCRBYFLOAT work on).
    Str(StrValue),
    /// A list (always a quicklist, as in Redis 7.0).
    List(Box<ListValue>),
}

impl Value {
    /// The type's name as TYPE reports it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
        }
    }

    /// The encoding's name as OBJECT ENCODING reports it.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(_) => "quicklist",
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
}

impl From<StrValue> for Value {
    fn from(s: StrValue) -> Self {
        Value::Str(s)
    }
}

impl From<ListValue> for Value {
    fn from(l: ListValue) -> Self {
        Value::List(Box::new(l))
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
        let l = Value::from(ListValue::new(&crate::list::ListOptions::default()));
        assert_eq!(l.type_name(), "list");
        assert_eq!(l.encoding(), "quicklist");
    }
}
