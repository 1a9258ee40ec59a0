//! DEBUG: the developer and test-harness command, gated by `enable-debug-command`.
//!
//! Subcommands that belong to subsystems not built yet (LISTPACK, REPLICATE ...)
//! answer as unknown until those subsystems arrive.

use scarlet_protocol::{Args, Resp};
use scarlet_storage::digest::{Digest, value_digest};
use scarlet_storage::lru::{idle_ms, lru_clock};
use scarlet_storage::quicklist::{DEFAULT_PACKED_THRESHOLD, MAX_PACKED_THRESHOLD, Quicklist};
use scarlet_storage::{Access, StrValue, Value};

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, doc, flag};
use crate::error::{CmdError, CmdResult};
use crate::log::{self, Level};
use crate::persistence::load::{Reload, ReloadOptions};

/// The DEBUG table.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "debug",
    arity: -2,
    flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::PROTECTED,
    handler: Some(debug),
    summary: "A container for debugging commands",
    complexity: "Depends on subcommand.",
    group: Group::Server,
    doc_flags: doc::SYSCMD,
    ..CommandSpec::DEFAULT
}];

fn debug(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let sub = args.at(1).to_ascii_lowercase();
    let argc = args.len();
    match (sub.as_slice(), argc) {
        (b"help", 2) => help(ctx),
        (b"log", 3) => {
            log::log(
                Level::Warning,
                &format!("DEBUG LOG: {}", String::from_utf8_lossy(args.at(2))),
            );
            ctx.client.reply.ok();
            Ok(())
        }
        (b"error", 3) => {
            // Redis writes '-' and the argument as they are (newlines made spaces), with
            // no ERR prefix, and as a plain reply: it is not counted as an error reply.
            ctx.client.reply.error(args.at(2));
            Ok(())
        }
        (b"replicate", 3..) => {
            // Straight into the replication stream, without running it here: tests use
            // it to make replicas fail a command.
            if ctx.server.master_stream_wanted() {
                let argv: scarlet_protocol::OwnedArgs = args.iter().skip(2).collect();
                let db = ctx.server.replication.attached.selected_db().unwrap_or(0);
                ctx.server.feed_replicas(db, argv.args());
            }
            ctx.client.reply.ok();
            Ok(())
        }
        (b"object", 3) => object(ctx, args),
        (b"quicklist", 3 | 4) => quicklist(ctx, args),
        (b"quicklist-packed-threshold", 3) => packed_threshold(ctx, args.at(2)),
        (b"populate", 3..=5) => populate(ctx, args),
        (b"digest", 2) => digest(ctx),
        (b"digest-value", _) => digest_value(ctx, args),
        (b"protocol", 3) => protocol(ctx, args.at(2)),
        (b"sleep", 3) => {
            let seconds = strtod_prefix(args.at(2));
            if seconds > 0.0 && seconds.is_finite() {
                // Blocks the whole server, as in Redis: that is what tests use it for.
                std::thread::sleep(std::time::Duration::from_secs_f64(seconds.min(1e9)));
            }
            ctx.client.reply.ok();
            Ok(())
        }
        (b"set-active-expire", 3) => {
            ctx.server.active_expire_enabled = atoi(args.at(2)) != 0;
            ctx.client.reply.ok();
            Ok(())
        }
        (b"set-disable-deny-scripts", 3) => {
            ctx.server.scripting.disable_deny_script = atoi(args.at(2)) != 0;
            ctx.client.reply.ok();
            Ok(())
        }
        (b"set-skip-checksum-validation", 3) => {
            ctx.server.skip_checksum_validation = atoi(args.at(2)) != 0;
            ctx.client.reply.ok();
            Ok(())
        }
        (b"pause-cron", 3) => {
            ctx.server.cron_paused = atoi(args.at(2)) != 0;
            ctx.client.reply.ok();
            Ok(())
        }
        (b"stringmatch-test", 2) => {
            stringmatch_test(ctx);
            ctx.client
                .reply
                .simple(b"Apparently Redis did not crash: test passed");
            Ok(())
        }
        (b"panic", 2) => crash(&format!(
            "DEBUG PANIC called at Unix time {}",
            ctx.now / 1000
        )),
        (b"assert", 2) => crash("DEBUG ASSERT: assertion failed on purpose"),
        (b"config-rewrite-force-all", 2) => {
            let inputs = crate::config::RewriteInputs {
                force_all: true,
                ..Default::default()
            };
            match ctx.server.config.rewrite_with(inputs) {
                Ok(()) => {
                    ctx.client.reply.ok();
                    Ok(())
                }
                Err(e) => Err(CmdError::err(format!(
                    "CONFIG-REWRITE-FORCE-ALL failed: {e}"
                ))),
            }
        }
        (b"reload", _) => reload(ctx, args),
        (b"aof-flush-sleep", 3) => {
            ctx.server.aof.flush_sleep_us = u64::try_from(atoi(args.at(2))).unwrap_or(0);
            ctx.client.reply.ok();
            Ok(())
        }
        (b"loadaof", 2) => {
            ctx.server.debug_loadaof();
            // What loading did is not a change to propagate.
            ctx.prevent_propagation();
            ctx.server.dirty = 0;
            log::log(Level::Warning, "Append Only File loaded by DEBUG LOADAOF");
            ctx.client.reply.ok();
            Ok(())
        }
        (b"replybuffer", 4) if args::is(args.at(2), "resizing") => {
            ctx.server
                .reply_buffer_resizing
                .store(atoi(args.at(3)) != 0, std::sync::atomic::Ordering::Relaxed);
            ctx.client.reply.ok();
            Ok(())
        }
        (b"segfault", 2) => {
            crate::crash::segfault();
            Ok(())
        }
        _ => Err(super::subcommand_syntax_error(args)),
    }
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, then load the file back.
fn reload(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut options = ReloadOptions {
        save: true,
        flush: true,
        merge: false,
    };
    for opt in args.iter().skip(2) {
        if args::is(opt, "merge") {
            options.merge = true;
        } else if args::is(opt, "noflush") {
            options.flush = false;
        } else if args::is(opt, "nosave") {
            options.save = false;
        } else {
            return Err(CmdError::err(
                "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    match ctx.server.debug_reload(options, ctx.now) {
        Ok(()) => {
            ctx.client.reply.ok();
            Ok(())
        }
        Err(Reload::SaveFailed) => Err(CmdError::BareErr),
        Err(Reload::LoadFailed) => Err(CmdError::err(
            "Error trying to load the RDB dump, check server logs.",
        )),
    }
}

/// Crashes on purpose, through the panic hook's crash report (which aborts the process):
/// DEBUG PANIC and DEBUG ASSERT exist so that operators and tests can see that report.
#[allow(clippy::panic)]
fn crash(reason: &str) -> ! {
    panic!("{reason}")
}

fn help(ctx: &mut Ctx<'_>) -> CmdResult {
    super::reply_help(
        &mut ctx.client.reply,
        "DEBUG",
        &[
            "AOF-FLUSH-SLEEP <microsec>",
            "    Sleep before each write of the AOF buffer (a test knob).",
            "CONFIG-REWRITE-FORCE-ALL",
            "    Like CONFIG REWRITE, but writes every directive, defaults included.",
            "DIGEST",
            "    A hash of the whole dataset, equal on servers holding the same data.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    The hash of each key's value.",
            "ERROR <string>",
            "    Reply with <string> as an error.",
            "LOADAOF",
            "    Write the AOF buffer out and load the AOF back.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Low-level details of the value at <key>.",
            "PANIC",
            "    Crash the server on purpose, with a crash report (ASSERT does the same).",
            "SEGFAULT",
            "    Crash the server with SIGSEGV on purpose, with a crash report.",
            "PAUSE-CRON <0|1>",
            "    Stop or resume the periodic background work.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> keys named <prefix>:<n> (default 'key') with values value:<n>.",
            "QUICKLIST <key> [<0|1>]",
            "    Print the nodes of the list at <key> on stdout (1: with their elements).",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    List elements of <size> bytes or more get a quicklist node of their own (0: 1gb).",
            "PROTOCOL <type>",
            "    Reply with a sample of a RESP type: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
            "    Save dump.rdb (unless NOSAVE) and load it back; NOFLUSH adds it to the dataset",
            "    (MERGE: its keys win over existing ones).",
            "REPLYBUFFER RESIZING <0|1>",
            "    Stop or resume giving big reply buffers back after writes and when idle.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Stop or resume the active expiry of keys.",
            "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
            "    Turn off (1) or on (0) the checksum check of RESTORE payloads and RDB files.",
            "SLEEP <seconds>",
            "    Block the server for <seconds> (a decimal number).",
            "STRINGMATCH-TEST",
            "    Run the glob matcher against random patterns.",
        ],
    );
    Ok(())
}

/// C's `atoi`: leading digits with an optional sign, anything else is 0.
fn atoi(arg: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(arg);
    let text = text.trim_start();
    let end = text
        .char_indices()
        .take_while(|&(i, c)| c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+')))
        .count();
    text.get(..end).and_then(|t| t.parse().ok()).unwrap_or(0)
}

/// C's `strtod` on the longest numeric prefix (DEBUG SLEEP is lenient like Redis's).
fn strtod_prefix(arg: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(arg);
    let text = text.trim_start();
    (1..=text.len())
        .rev()
        .filter_map(|end| text.get(..end))
        .find_map(|prefix| prefix.parse::<f64>().ok())
        .unwrap_or(0.0)
}

fn object(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let key_name = args.at(2);
    let now = ctx.now;
    let Some(d) = ctx.server.dbs.get_mut(db) else {
        return Err(CmdError::NoSuchKey);
    };
    let meta = d.meta(key_name).ok_or(CmdError::NoSuchKey)?;
    let (address, encoding, serialized, value, extra) = match d.lookup(
        key_name,
        now,
        &Access::NoTouch,
        scarlet_storage::ExpiryMode::Ignore,
    ) {
        scarlet_storage::Lookup::Found(v) => {
            let address = std::ptr::from_ref::<Value>(v) as usize;
            let extra = v.as_list().map(|l| quicklist_details(l.quicklist()));
            (
                address,
                v.encoding(),
                serialized_length(v),
                v,
                extra.unwrap_or_default(),
            )
        }
        _ => return Err(CmdError::NoSuchKey),
    };
    let refcount = super::keys::refcount_of(&ctx.server.config, value);
    let idle = idle_ms(meta, lru_clock(now)) / 1000;
    let line = format!(
        "Value at:0x{address:x} refcount:{refcount} encoding:{encoding} serializedlength:{serialized} lru:{meta} lru_seconds_idle:{idle}{extra}"
    );
    ctx.client.reply.simple(line.as_bytes());
    Ok(())
}

/// DEBUG OBJECT's extra fields for a quicklist.
fn quicklist_details(ql: &Quicklist) -> String {
    let nodes = ql.node_count();
    let avg = if nodes == 0 {
        0.0
    } else {
        ql.len() as f64 / nodes as f64
    };
    format!(
        " ql_nodes:{nodes} ql_avg_node:{avg:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
        ql.fill(),
        u8::from(ql.compress_depth() != 0),
        ql.uncompressed_size()
    )
}

/// DEBUG QUICKLIST: the nodes of a list, printed on stdout as Redis does.
fn quicklist(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let full = args.len() == 4 && atoi(args.at(3)) != 0;
    let value = ctx
        .server
        .read_key(
            db,
            args.at(2),
            ctx.now,
            crate::keyspace::ReadFlags::NO_TOUCH,
        )
        .ok_or(CmdError::NoSuchKey)?;
    let Some(list) = value.as_list() else {
        return Err(CmdError::err("Not a quicklist encoded object."));
    };
    let ql = list.quicklist();
    let mut out = format!(
        "{{count : {}}}\n{{len : {}}}\n{{fill : {}}}\n{{compress : {}}}\n{{bookmark_count : 0}}\n",
        ql.len(),
        ql.node_count(),
        ql.fill(),
        ql.compress_depth()
    );
    for (i, node) in ql.node_summary().enumerate() {
        out.push_str(&format!(
            "{{quicklist node({i})\n{{container : {}, encoding: {}, size: {}, count: {}, recompress: 0, attempted_compress: 0}}\n",
            if node.plain { "PLAIN" } else { "PACKED" },
            if node.compressed.is_some() { "LZF" } else { "RAW" },
            node.size,
            node.count
        ));
    }
    if full {
        list.for_each(|e| {
            out.push_str(&String::from_utf8_lossy(&e.to_vec()));
            out.push('\n');
        });
    }
    print!("{out}");
    ctx.client
        .reply
        .simple(b"Quicklist structure printed on stdout");
    Ok(())
}

/// DEBUG QUICKLIST-PACKED-THRESHOLD: a memory size, at most just under 4 GB; 0 brings
/// back the 1 GB default.
fn packed_threshold(ctx: &mut Ctx<'_>, arg: &[u8]) -> CmdResult {
    let size = crate::config::memtoull(arg)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n <= MAX_PACKED_THRESHOLD)
        .ok_or_else(|| {
            CmdError::err("argument must be a memory value bigger than 1 and smaller than 4gb")
        })?;
    ctx.server.list_packed_threshold = if size == 0 {
        DEFAULT_PACKED_THRESHOLD
    } else {
        size
    };
    ctx.client.reply.ok();
    Ok(())
}

/// The size of a value in an RDB file, uncompressed (Redis compresses strings longer than
/// 20 bytes with LZF when rdbcompression is on, which this estimate leaves out).
fn serialized_length(value: &Value) -> usize {
    match value {
        Value::Str(s) => rdb_string_length(s.as_bytes(&mut scarlet_storage::IntBuf::default())),
        // A listpack is saved as one string; a table as a count, then fields and values.
        Value::Hash(h) => match h.as_listpack() {
            Some(lp) => rdb_string_length(lp.as_bytes()),
            None => {
                let mut text = (Vec::new(), Vec::new());
                h.iter()
                    .fold(rdb_length_size(h.len()), |total, (field, value)| {
                        text.0.clear();
                        text.1.clear();
                        field.write_to(&mut text.0);
                        value.write_to(&mut text.1);
                        total + rdb_string_length(&text.0) + rdb_string_length(&text.1)
                    })
            }
        },
        // RDB_TYPE_LIST_QUICKLIST_2: the node count, then per node its container and its
        // bytes, compressed nodes as an LZF blob (1 marker byte and two lengths).
        Value::List(l) => {
            let ql = l.quicklist();
            rdb_length_size(ql.node_count())
                + ql.node_summary()
                    .map(|n| {
                        1 + match n.compressed {
                            Some(c) => 1 + rdb_length_size(c) + rdb_length_size(n.size) + c,
                            None => rdb_length_size(n.size) + n.size,
                        }
                    })
                    .sum::<usize>()
        }
        // A listpack is saved as one string; a skiplist as a count, then each member
        // as a string and its score as an 8-byte binary double.
        Value::Zset(z) => match z.listpack_bytes() {
            Some(blob) => rdb_length_size(blob) + blob,
            None => z
                .unordered()
                .fold(rdb_length_size(z.len()), |total, (m, _)| {
                    total + rdb_string_length(&m.to_vec()) + 8
                }),
        },
        // An intset is saved as one string (its blob); a table as a count, then members.
        Value::Set(set) => match set.intset_bytes() {
            Some(blob) => rdb_string_length(blob),
            None => set
                .iter()
                .fold(rdb_length_size(set.len()), |total, member| {
                    let mut scratch = scarlet_storage::IntBuf::default();
                    total + rdb_string_length(member.as_bytes(&mut scratch))
                }),
        },
    }
}

/// The bytes of an RDB length prefix.
fn rdb_length_size(len: usize) -> usize {
    if len < 64 {
        1
    } else if len < 16_384 {
        2
    } else if u32::try_from(len).is_ok() {
        5
    } else {
        9
    }
}

/// The bytes of a string in an RDB file: integers of up to 11 characters in 8, 16 or
/// 32 bits, anything else as a length and the bytes.
fn rdb_string_length(bytes: &[u8]) -> usize {
    if bytes.len() <= 11
        && let Some(n) = scarlet_storage::number::parse_i64(bytes)
    {
        if i8::try_from(n).is_ok() {
            return 2;
        } else if i16::try_from(n).is_ok() {
            return 3;
        } else if i32::try_from(n).is_ok() {
            return 5;
        }
    }
    rdb_length_size(bytes.len()) + bytes.len()
}

fn populate(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // Redis's getPositiveLongFromObjectOrReply with a message: one error for a
    // non-number and a negative number alike.
    let positive = |arg: &[u8]| -> Result<u64, CmdError> {
        args::int(arg)
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| CmdError::err("value is out of range, must be positive"))
    };
    let count = positive(args.at(2))?;
    let prefix = args.get(3).unwrap_or(b"key");
    let size = match args.get(4) {
        Some(arg) => usize::try_from(positive(arg)?).map_err(|_| CmdError::NotInteger)?,
        None => 0,
    };
    let db = ctx.db();
    let now = ctx.now;
    // Redis's populate leaves the dirty counter alone, so the keys are neither
    // propagated to replicas nor counted as changes since the last save.
    let dirty = ctx.server.dirty;
    let mut key_name = Vec::with_capacity(prefix.len() + 21);
    for j in 0..count {
        key_name.clear();
        key_name.extend_from_slice(prefix);
        key_name.push(b':');
        key_name.extend_from_slice(itoa::Buffer::new().format(j).as_bytes());
        if ctx.server.write_key(db, &key_name, now).is_some() {
            continue;
        }
        let text = format!("value:{j}");
        let value = if size == 0 {
            StrValue::embstr_or_raw(text.as_bytes())
        } else {
            let mut bytes = vec![0u8; size];
            let n = size.min(text.len());
            if let (Some(dst), Some(src)) = (bytes.get_mut(..n), text.as_bytes().get(..n)) {
                dst.copy_from_slice(src);
            }
            StrValue::embstr_or_raw(&bytes)
        };
        ctx.server
            .set_key(db, &key_name, Value::Str(value), now, false);
    }
    ctx.server.dirty = dirty;
    ctx.client.reply.ok();
    Ok(())
}

fn digest(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut total = Digest::new();
    for (i, d) in ctx.server.dbs.iter().enumerate() {
        d.digest_into(u32::try_from(i).unwrap_or(u32::MAX), &mut total);
    }
    ctx.client.reply.simple(total.to_hex().as_bytes());
    Ok(())
}

fn digest_value(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let now = ctx.now;
    ctx.client.reply.array(args.len() - 2);
    for key_name in args.iter().skip(2) {
        // A debug command sees logically expired keys too.
        let Some(d) = ctx.server.dbs.get_mut(db) else {
            return Err(CmdError::DbIndexOutOfRange);
        };
        let expire = d.expire_at(key_name);
        let hex = match d.lookup(
            key_name,
            now,
            &Access::NoTouch,
            scarlet_storage::ExpiryMode::Ignore,
        ) {
            scarlet_storage::Lookup::Found(v) => value_digest(v, expire).to_hex(),
            _ => Digest::new().to_hex(),
        };
        ctx.client.reply.simple(hex.as_bytes());
    }
    Ok(())
}

fn protocol(ctx: &mut Ctx<'_>, name: &[u8]) -> CmdResult {
    let reply = &mut ctx.client.reply;
    let is = |n: &str| args::is(name, n);
    if is("string") {
        reply.bulk(b"Hello World");
    } else if is("integer") {
        reply.int(12345);
    } else if is("double") {
        // Redis's sample double is exactly 3.141, not pi.
        #[allow(clippy::approx_constant)]
        reply.double(3.141);
    } else if is("bignum") {
        reply.big_number(b"1234567999999999999999999999999999999");
    } else if is("null") {
        reply.null();
    } else if is("array") {
        reply.array(3);
        for j in 0..3 {
            reply.int(j);
        }
    } else if is("set") {
        reply.set(3);
        for j in 0..3 {
            reply.int(j);
        }
    } else if is("map") {
        reply.map(3);
        for j in 0..3 {
            reply.int(j);
            reply.boolean(j == 1);
        }
    } else if is("attrib") {
        if reply.resp() == Resp::Resp3 {
            reply.attribute(1);
            reply.bulk(b"key-popularity");
            reply.array(2);
            reply.bulk(b"key:123");
            reply.int(90);
        }
        reply.bulk(b"Some real reply following the attribute");
    } else if is("push") {
        if reply.resp() == Resp::Resp2 {
            return Err(CmdError::err("RESP2 is not supported by this command"));
        }
        reply.push(2);
        reply.bulk(b"server-cpu-usage");
        reply.int(42);
        reply.bulk(b"Some real reply following the push reply");
    } else if is("true") {
        reply.boolean(true);
    } else if is("false") {
        reply.boolean(false);
    } else if is("verbatim") {
        reply.verbatim(b"txt", b"This is a verbatim\nstring");
    } else {
        return Err(CmdError::err(
            "Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    }
    Ok(())
}

/// Runs the glob matcher over random patterns and strings: it must return, whatever the
/// input (Redis's `stringmatchlen_fuzz_test`).
fn stringmatch_test(ctx: &mut Ctx<'_>) {
    use rand::RngExt;
    let alphabet = b"*?[]^-\\abc";
    for _ in 0..100_000 {
        let len = ctx.server.rng.random_range(0..32usize);
        let pattern: Vec<u8> = (0..len)
            .map(|_| {
                let i = ctx.server.rng.random_range(0..alphabet.len());
                alphabet.get(i).copied().unwrap_or(b'*')
            })
            .collect();
        let len = ctx.server.rng.random_range(0..32usize);
        let subject: Vec<u8> = (0..len).map(|_| ctx.server.rng.random::<u8>()).collect();
        let _ = scarlet_storage::glob::glob_match(&pattern, &subject, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_number_parsing() {
        assert_eq!(atoi(b"1"), 1);
        assert_eq!(atoi(b"  -3x"), -3);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(strtod_prefix(b"0.5s"), 0.5);
        assert_eq!(strtod_prefix(b"abc"), 0.0);
    }
}
