//! A dataset as the commands that recreate it: the base file an AOF rewrite writes
//! with `aof-use-rdb-preamble no` (Redis's `rewriteAppendOnlyFileRio`).
//!
//! Strings become SET, collections RPUSH / SADD / ZADD / HMSET with at most 64 elements
//! per command (Redis's AOF_REWRITE_ITEMS_PER_CMD, so no command grows without bound),
//! a TTL a PEXPIREAT after its key; each database starts with a SELECT, and function
//! libraries come first as FUNCTION LOAD.

use super::append_command;
use crate::number::{DoubleBuf, format_f64};
use crate::value::Value;
use crate::{IntBuf, Millis};

/// Elements per command (Redis's AOF_REWRITE_ITEMS_PER_CMD).
pub const ITEMS_PER_COMMAND: usize = 64;

/// `SELECT <db>`, which starts a database's section.
pub fn write_select(out: &mut Vec<u8>, db: u64) {
    let index = itoa::Buffer::new().format(db).to_owned();
    append_command(out, &[b"SELECT", index.as_bytes()]);
}

/// `FUNCTION LOAD <code>` for one library.
pub fn write_function_load(out: &mut Vec<u8>, code: &[u8]) {
    append_command(out, &[b"FUNCTION", b"LOAD", code]);
}

/// The keys of a whole dataset as commands (a base written in the foreground): each
/// non-empty database after its SELECT.
pub fn write_dataset(out: &mut Vec<u8>, dbs: &[crate::Db]) {
    for (index, db) in (0u64..).zip(dbs) {
        if db.is_empty() {
            continue;
        }
        write_select(out, index);
        for (key, value, expire) in db.iter_with_expire() {
            write_key(out, key.as_bytes(), value, expire);
        }
    }
}

/// The commands that recreate `key` holding `value`, then its TTL.
pub fn write_key(out: &mut Vec<u8>, key: &[u8], value: &Value, expire: Option<Millis>) {
    match value {
        Value::Str(s) => {
            let mut scratch: IntBuf = [0; 20];
            append_command(out, &[b"SET", key, s.as_bytes(&mut scratch)]);
        }
        Value::List(list) => {
            let mut batch = Batch::new(b"RPUSH", key);
            list.for_each(|entry| {
                let mut item = Vec::new();
                entry.write_to(&mut item);
                batch.push(out, item);
            });
            batch.finish(out);
        }
        Value::Set(set) => {
            let mut batch = Batch::new(b"SADD", key);
            let mut scratch: IntBuf = [0; 20];
            for member in set.iter() {
                batch.push(out, member.as_bytes(&mut scratch).to_vec());
            }
            batch.finish(out);
        }
        Value::Zset(zset) => {
            let mut batch = Batch::new(b"ZADD", key);
            let mut number: DoubleBuf = [0; 32];
            for (member, score) in zset.iter() {
                let mut text = Vec::new();
                member.write_to(&mut text);
                batch.push_pair(out, format_f64(score, &mut number).to_vec(), text);
            }
            batch.finish(out);
        }
        Value::Hash(hash) => {
            let mut batch = Batch::new(b"HMSET", key);
            for (field, value) in hash.iter() {
                let (mut f, mut v) = (Vec::new(), Vec::new());
                field.write_to(&mut f);
                value.write_to(&mut v);
                batch.push_pair(out, f, v);
            }
            batch.finish(out);
        }
    }
    if let Some(when) = expire {
        let when = itoa::Buffer::new().format(when).to_owned();
        append_command(out, &[b"PEXPIREAT", key, when.as_bytes()]);
    }
}

/// Elements gathered into commands of at most [`ITEMS_PER_COMMAND`] items (a pair
/// counts as one item, as in Redis).
struct Batch<'k> {
    command: &'static [u8],
    key: &'k [u8],
    args: Vec<Vec<u8>>,
    items: usize,
}

impl<'k> Batch<'k> {
    fn new(command: &'static [u8], key: &'k [u8]) -> Batch<'k> {
        Batch {
            command,
            key,
            args: Vec::new(),
            items: 0,
        }
    }

    fn push(&mut self, out: &mut Vec<u8>, item: Vec<u8>) {
        self.args.push(item);
        self.count(out);
    }

    fn push_pair(&mut self, out: &mut Vec<u8>, first: Vec<u8>, second: Vec<u8>) {
        self.args.push(first);
        self.args.push(second);
        self.count(out);
    }

    fn count(&mut self, out: &mut Vec<u8>) {
        self.items += 1;
        if self.items == ITEMS_PER_COMMAND {
            self.finish(out);
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        if self.items == 0 {
            return;
        }
        let mut argv: Vec<&[u8]> = Vec::with_capacity(self.args.len() + 2);
        argv.push(self.command);
        argv.push(self.key);
        argv.extend(self.args.iter().map(Vec::as_slice));
        append_command(out, &argv);
        self.args.clear();
        self.items = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{End, ListOptions, ListValue};

    #[test]
    fn a_long_list_is_cut_into_commands_of_64() {
        let mut list = ListValue::new(&ListOptions::default());
        for i in 0..130 {
            list.push(End::Tail, i.to_string().as_bytes());
        }
        let mut out = Vec::new();
        write_key(&mut out, b"l", &Value::List(Box::new(list)), Some(5));
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(text.matches("RPUSH").count(), 3);
        assert!(text.starts_with("*66\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\n0\r\n"));
        assert!(text.contains("*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$3\r\n128\r\n$3\r\n129\r\n"));
        assert!(text.ends_with("*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nl\r\n$1\r\n5\r\n"));
    }
}
