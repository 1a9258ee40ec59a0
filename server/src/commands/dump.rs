//! DUMP, RESTORE and RESTORE-ASKING: a key's value as a DUMP payload and back.
//!
//! The payload format is storage's (`rdb::payload`); this family owns the commands
//! around it: RESTORE's options and checks in Redis's order, the TTL, the access-time
//! options, the keyspace event and WATCH/tracking signals. MIGRATE, which sends the same
//! payloads to another server, lives in `migrate.rs`.

use scarlet_protocol::Args;
use scarlet_storage::Millis;
use scarlet_storage::lru::{LRU_CLOCK_MAX, lfu_minutes, lru_clock};
use scarlet_storage::rdb::{PayloadError, dump_payload, read_payload, verify_payload};

use super::Ctx;
use super::args;
use super::spec::{CommandSpec, Group, KeySpec, acl, doc, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::log::{self, Level};
use crate::notify::class;
use crate::server::Server;

const RESTORE_SYNTAX: &str = "key:key ttl:integer serialized-value [REPLACE]@3.0.0 [ABSTTL]@5.0.0 [IDLETIME seconds:integer]@5.0.0 [FREQ frequency:integer]@5.0.0";
const RESTORE_COMPLEXITY: &str = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).";
const RESTORE_HISTORY: &[(&str, &str)] = &[
    ("3.0.0", "Added the `REPLACE` modifier."),
    ("5.0.0", "Added the `ABSTTL` modifier."),
    ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
];

/// The DUMP/RESTORE table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "dump",
        arity: 2,
        flags: flag::READONLY,
        acl: acl::KEYSPACE,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS)],
        handler: Some(dump),
        summary: "Returns a serialized representation of the value stored at a key",
        since: "2.6.0",
        complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
        syntax: "key:key",
        tips: &["nondeterministic_output"],
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "restore",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        keys: &[KeySpec::single(1, key::OW | key::UPDATE)],
        handler: Some(restore),
        summary: "Creates a key from the serialized representation of a value",
        since: "2.6.0",
        complexity: RESTORE_COMPLEXITY,
        syntax: RESTORE_SYNTAX,
        history: RESTORE_HISTORY,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "restore-asking",
        arity: -4,
        flags: flag::WRITE | flag::DENYOOM | flag::ASKING,
        acl: acl::KEYSPACE | acl::DANGEROUS,
        keys: &[KeySpec::single(1, key::OW | key::UPDATE)],
        handler: Some(restore),
        summary: "An internal command for migrating keys in a cluster",
        since: "3.0.0",
        complexity: RESTORE_COMPLEXITY,
        group: Group::Server,
        syntax: RESTORE_SYNTAX,
        history: RESTORE_HISTORY,
        doc_flags: doc::SYSCMD,
        ..CommandSpec::DEFAULT
    },
];

fn dump(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let db = ctx.db();
    let compress = ctx.server.config.rdbcompression;
    match ctx
        .server
        .read_key(db, args.at(1), ctx.now, ReadFlags::NORMAL)
    {
        Some(value) => {
            let payload = dump_payload(value, compress);
            ctx.client.reply.bulk(&payload);
        }
        None => ctx.client.reply.null(),
    }
    Ok(())
}

/// RESTORE's options after the payload.
#[derive(Default)]
struct RestoreOptions {
    replace: bool,
    absttl: bool,
    /// IDLETIME, in seconds.
    idle: Option<i64>,
    /// FREQ, 0-255.
    freq: Option<u8>,
}

/// Parses the options as Redis does: IDLETIME and FREQ exclude each other (the second
/// one given is a syntax error), and each is range-checked as it is met.
fn restore_options(args: Args<'_>) -> Result<RestoreOptions, CmdError> {
    let mut options = RestoreOptions::default();
    let mut j = 4;
    while j < args.len() {
        let opt = args.at(j);
        let has_value = j + 1 < args.len();
        if args::is(opt, "replace") {
            options.replace = true;
        } else if args::is(opt, "absttl") {
            options.absttl = true;
        } else if args::is(opt, "idletime") && has_value && options.freq.is_none() {
            let idle = args::int(args.at(j + 1))?;
            if idle < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            options.idle = Some(idle);
            j += 1;
        } else if args::is(opt, "freq") && has_value && options.idle.is_none() {
            let freq = args::int(args.at(j + 1))?;
            options.freq = Some(
                u8::try_from(freq)
                    .map_err(|_| CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"))?,
            );
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(options)
}

fn restore(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let options = restore_options(args)?;
    let db = ctx.db();
    let key = args.at(1);
    if !options.replace && ctx.server.write_key(db, key, ctx.now).is_some() {
        return Err(CmdError::BusyKey);
    }
    let ttl = args::int(args.at(2))?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let payload = args.at(3);
    let check_crc = !ctx.server.skip_checksum_validation;
    let value = verify_payload(payload, check_crc)
        .and_then(|()| read_payload(payload, &ctx.server.load_limits()))
        .map_err(|e| match e {
            PayloadError::VersionOrChecksum => {
                CmdError::err("DUMP payload version or checksum are wrong")
            }
            PayloadError::BadFormat(why) => {
                // Redis logs why a payload was refused, for the operator, at this level.
                log::log(
                    Level::Verbose,
                    &format!("Bad DUMP payload for RESTORE: {why}"),
                );
                CmdError::err("Bad data format")
            }
        })?;

    let deleted = options.replace && remove(ctx.server, db, key);
    let expire = match ttl {
        0 => None,
        ttl if options.absttl => Some(ttl),
        ttl => Some(ttl.saturating_add(ctx.now)),
    };
    if expire.is_some_and(|when| ctx.server.already_expired(when, ctx.now)) {
        // Already expired: the key is not created, and a replaced one is just deleted.
        if deleted {
            ctx.server.key_changed(db, key, class::GENERIC, "del");
            ctx.server.dirty += 1;
            ctx.propagate_as(&[&b"DEL"[..], key]);
        }
        ctx.client.reply.ok();
        return Ok(());
    }

    let field = access_field(ctx.server, &options, ctx.now);
    ctx.server.add_key(db, key, value, ctx.now);
    if let Some(d) = ctx.server.dbs.get_mut(db) {
        if let Some(when) = expire {
            d.set_expire_at(key, when);
        }
        if let Some(field) = field {
            d.set_meta(key, field);
        }
    }
    ctx.server.key_changed(db, key, class::GENERIC, "restore");
    ctx.client.reply.ok();
    ctx.server.dirty += 1;
    // A relative TTL is replayed as the absolute time it stood for.
    if let (Some(when), false, true) = (expire, options.absttl, ctx.propagating()) {
        let mut number = itoa::Buffer::new();
        let mut argv: Vec<&[u8]> = args.iter().collect();
        if let Some(ttl) = argv.get_mut(2) {
            *ttl = number.format(when).as_bytes();
        }
        argv.push(b"ABSTTL");
        ctx.propagate_as(&argv);
    }
    Ok(())
}

/// Redis's `dbDelete` without counting a change: RESTORE counts one in the end.
fn remove(server: &mut Server, db: usize, key: &[u8]) -> bool {
    server.dbs.get_mut(db).and_then(|d| d.remove(key)).is_some()
}

/// The LRU/LFU field IDLETIME or FREQ asks for, as Redis's `objectSetLRUOrLFU`: FREQ
/// under an LFU policy, IDLETIME under any other; the other option is ignored.
fn access_field(server: &Server, options: &RestoreOptions, now: Millis) -> Option<u32> {
    if server.config.maxmemory_policy.is_lfu() {
        let freq = options.freq?;
        return Some((u32::from(lfu_minutes(now)) << 8) | u32::from(freq));
    }
    let idle = options.idle?;
    let clock = i64::from(lru_clock(now));
    let mut at = clock.wrapping_sub(idle);
    if at < 0 {
        // The clock wrapped since: count back from its top, as Redis does.
        at = at.wrapping_add(i64::from(LRU_CLOCK_MAX));
    }
    // Redis stores the result in its 24-bit field: the low 24 bits.
    Some((at as u64 as u32) & LRU_CLOCK_MAX)
}
