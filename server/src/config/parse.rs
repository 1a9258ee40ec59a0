//! Turning a directive's arguments into a [`Value`], with Redis's validation order and
//! error texts. Shared by the config file loader and CONFIG SET.
//!
//! Does not store anything: callers put the value into the [`Config`] (and decide what
//! a failure means for them).

use std::borrow::Cow;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::Config;
use super::cnum::{memtoull, strtoll};
use super::directive::{CType, Directive, Flags, Spec, Unit};
use super::value::{
    ClientBufferLimit, ClientOutputBufferLimits, KeyspaceEvents, OomScoreAdjValues, ReplicaOf,
    SavePoint, Value,
};
use scarlet_storage::number::{parse_f64 as string2d, parse_i64 as string2ll};

/// An error text for the user.
pub(crate) type Reason = Cow<'static, str>;

/// State that lives for one whole config load (Redis keeps it in statics).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ParseState {
    /// Redis's `reading_config_file`: `save` lines accumulate instead of replacing.
    /// Like Redis, finishing an included file clears it for the rest of the parent.
    pub(crate) reading_file: bool,
    /// Whether a `save` line already replaced the default save points.
    pub(crate) save_loaded: bool,
}

/// Redis's size of the buffer its formatted error messages go through.
const LOADBUF_SIZE: usize = 256;

/// Parses `args` for `d`. Returns the new value and whether it counts as a change
/// (Redis's set functions return 1 for "changed" and 2 for "same value").
pub(crate) fn parse(
    d: &Directive,
    args: &[Vec<u8>],
    cfg: &Config,
    state: &mut ParseState,
) -> Result<(Value, bool), Reason> {
    let current = (d.access.get)(cfg);
    let first = args.first().map(Vec::as_slice).unwrap_or_default();
    let new = match d.spec {
        Spec::Bool { check } => run_check(check, cfg, parse_bool(first)?)?,
        Spec::Int {
            ctype,
            min,
            max,
            unit,
        } => Value::Int(parse_int(first, ctype, min, max, unit)?),
        Spec::Enum { names, check } => {
            let v = parse_enum(args, names, d.flags.contains(Flags::MULTI_ARG))?;
            run_check(check, cfg, v)?
        }
        Spec::Str {
            empty_is_null,
            binary,
            check,
        } => {
            let s = if binary { first } else { c_string(first) };
            run_check(check, cfg, Value::Str(Some(s.to_vec())))?;
            Value::Str(if empty_is_null && s.is_empty() {
                None
            } else {
                Some(s.to_vec())
            })
        }
        Spec::Save => {
            let Value::Save(points) = current.clone() else {
                return Err(Cow::Borrowed("internal error: save type"));
            };
            return parse_save(args, points, state).map(|v| (v, true));
        }
        Spec::Bind => return parse_bind(args).map(|v| (v, true)),
        Spec::OutputBufferLimits => {
            let Value::OutputBufferLimits(limits) = current else {
                return Err(Cow::Borrowed("internal error: obuf type"));
            };
            return parse_obuf(args, limits).map(|v| (v, true));
        }
        Spec::OomScoreAdjValues => parse_oom_values(args)?,
        Spec::KeyspaceEvents => return parse_events(args).map(|v| (v, true)),
        Spec::ReplicaOf => return parse_replicaof(args).map(|v| (v, true)),
        Spec::Percentiles => return parse_percentiles(args).map(|v| (v, true)),
        Spec::Dir => return parse_dir(args, &cfg.dir).map(|v| (v, true)),
    };
    let changed = new != current || d.flags.contains(Flags::VOLATILE);
    Ok((new, changed))
}

fn run_check(
    check: Option<super::directive::Check>,
    cfg: &Config,
    v: Value,
) -> Result<Value, Reason> {
    match check {
        Some(f) => f(cfg, &v).map(|()| v).map_err(Cow::Borrowed),
        None => Ok(v),
    }
}

/// The bytes before the first NUL, as a C string sees them.
pub(crate) fn c_string(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => s.get(..n).unwrap_or(s),
        None => s,
    }
}

fn parse_bool(arg: &[u8]) -> Result<Value, Reason> {
    if arg.eq_ignore_ascii_case(b"yes") {
        Ok(Value::Bool(true))
    } else if arg.eq_ignore_ascii_case(b"no") {
        Ok(Value::Bool(false))
    } else {
        Err(Cow::Borrowed("argument must be 'yes' or 'no'"))
    }
}

/// Redis's `numericParseString` followed by `numericBoundaryCheck`.
pub(crate) fn parse_int(
    arg: &[u8],
    ctype: CType,
    min: i64,
    max: i64,
    unit: Unit,
) -> Result<i64, Reason> {
    let memory = matches!(unit, Unit::Memory | Unit::MemoryOrPercent);
    let mut parsed = None;
    if memory {
        // Redis stores the unsigned result in a long long.
        parsed = memtoull(arg).map(|u| i64::from_ne_bytes(u.to_ne_bytes()));
    }
    if parsed.is_none()
        && unit == Unit::MemoryOrPercent
        && let Some((b'%', digits)) = arg.split_last()
        && !digits.is_empty()
    {
        parsed = string2ll(digits).filter(|&p| p >= 0).map(|p| -p);
    }
    if parsed.is_none() && unit == Unit::Octal {
        let r = strtoll(arg, 8);
        if !r.overflow && r.whole(arg) {
            parsed = Some(r.value);
        }
    }
    if parsed.is_none() && unit == Unit::Plain {
        parsed = string2ll(arg);
    }
    let Some(ll) = parsed else {
        return Err(Cow::Borrowed(match unit {
            Unit::MemoryOrPercent => "argument must be a memory or percent value",
            Unit::Memory => "argument must be a memory value",
            Unit::Octal => "argument couldn't be parsed as an octal number",
            Unit::Plain => "argument couldn't be parsed into an integer",
        }));
    };
    if ctype.unsigned_bounds() {
        let (v, lo, hi) = (as_unsigned(ll), as_unsigned(min), as_unsigned(max));
        if v > hi || v < lo {
            return Err(Cow::Owned(if unit == Unit::Octal {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            }));
        }
    } else if unit == Unit::MemoryOrPercent && ll < 0 {
        if ll < min {
            return Err(Cow::Owned(format!(
                "percentage argument must be less or equal to {}",
                0i64.saturating_sub(min)
            )));
        }
    } else if ll > max || ll < min {
        return Err(Cow::Owned(format!(
            "argument must be between {min} and {max} inclusive"
        )));
    }
    Ok(ll)
}

fn as_unsigned(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// Redis's `configEnumGetValue`, then its error listing every accepted name.
fn parse_enum(args: &[Vec<u8>], names: &[(&str, i32)], bitflags: bool) -> Result<Value, Reason> {
    let refuse = || {
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let mut msg = format!(
            "argument(s) must be one of the following: {}",
            list.join(", ")
        );
        if msg.len() >= LOADBUF_SIZE {
            let mut end = LOADBUF_SIZE - 1;
            while !msg.is_char_boundary(end) {
                end = end.saturating_sub(1);
            }
            msg.truncate(end);
        }
        Cow::Owned(msg)
    };
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return Err(refuse());
    }
    let mut value = 0;
    for arg in args {
        let mut matched = false;
        for (name, v) in names {
            if name.as_bytes().eq_ignore_ascii_case(arg) {
                value |= v;
                matched = true;
            }
        }
        if !matched {
            return Err(refuse());
        }
    }
    Ok(Value::Enum(value))
}

fn invalid_save() -> Reason {
    Cow::Borrowed("Invalid save parameters")
}

/// `save`: pairs of seconds (>= 1) and changes (>= 0), or a single "" for none.
/// While reading a config file the first `save` replaces the defaults and later
/// ones add to it; otherwise (CONFIG SET) the list is replaced.
fn parse_save(
    args: &[Vec<u8>],
    mut points: Vec<SavePoint>,
    st: &mut ParseState,
) -> Result<Value, Reason> {
    let mut args = args;
    if args.len() == 1 && args.first().is_some_and(|a| c_string(a).is_empty()) {
        // Redis drops the save points right here, whatever follows.
        points.clear();
        args = &[];
    }
    if !args.len().is_multiple_of(2) {
        return Err(invalid_save());
    }
    let mut parsed = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks(2) {
        let (Some(secs), Some(changes)) = (pair.first(), pair.get(1)) else {
            return Err(invalid_save());
        };
        let (secs, changes) = (c_string(secs), c_string(changes));
        let s = strtoll(secs, 10);
        let c = strtoll(changes, 10);
        if !s.whole(secs) || s.value < 1 || !c.whole(changes) || c.value < 0 {
            return Err(invalid_save());
        }
        // Redis keeps the changes in an int, truncating larger values.
        parsed.push(SavePoint {
            seconds: s.value,
            changes: c.value as i32,
        });
    }
    if !st.reading_file {
        points.clear();
    } else if !st.save_loaded {
        st.save_loaded = true;
        points.clear();
    }
    points.extend(parsed);
    Ok(Value::Save(points))
}

/// `bind`: up to 16 addresses; a single "" means none.
fn parse_bind(args: &[Vec<u8>]) -> Result<Value, Reason> {
    if args.len() > 16 {
        return Err(Cow::Borrowed("Too many bind addresses specified."));
    }
    if args.len() == 1 && args.first().is_some_and(|a| a.is_empty()) {
        return Ok(Value::Bind(Vec::new()));
    }
    Ok(Value::Bind(
        args.iter()
            .map(|a| String::from_utf8_lossy(c_string(a)).into_owned())
            .collect(),
    ))
}

/// `client-output-buffer-limit`: groups of class, hard, soft, seconds. All groups are
/// checked before any is applied; classes not named keep their limits.
fn parse_obuf(args: &[Vec<u8>], mut limits: ClientOutputBufferLimits) -> Result<Value, Reason> {
    if !args.len().is_multiple_of(4) {
        return Err(Cow::Borrowed(
            "Wrong number of arguments in buffer limit configuration.",
        ));
    }
    let mut updates = Vec::with_capacity(args.len() / 4);
    for group in args.chunks(4) {
        let [class, hard, soft, secs] = group else {
            return Err(Cow::Borrowed(
                "Wrong number of arguments in buffer limit configuration.",
            ));
        };
        let class = c_string(class).to_ascii_lowercase();
        let slot = match class.as_slice() {
            b"normal" => 0,
            b"slave" | b"replica" => 1,
            b"pubsub" => 2,
            _ => {
                return Err(Cow::Borrowed(
                    "Invalid client class specified in buffer limit configuration.",
                ));
            }
        };
        let secs = c_string(secs);
        let s = strtoll(secs, 10);
        // Redis keeps the seconds in an int, truncating larger values.
        let seconds = s.value as i32;
        match (
            memtoull(c_string(hard)),
            memtoull(c_string(soft)),
            u32::try_from(seconds),
        ) {
            (Some(hard), Some(soft), Ok(seconds)) if s.whole(secs) => updates.push((
                slot,
                ClientBufferLimit {
                    hard_limit_bytes: hard,
                    soft_limit_bytes: soft,
                    soft_limit_seconds: seconds,
                },
            )),
            _ => {
                return Err(Cow::Borrowed(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
                ));
            }
        }
    }
    for (slot, limit) in updates {
        match slot {
            0 => limits.normal = limit,
            1 => limits.replica = limit,
            _ => limits.pubsub = limit,
        }
    }
    Ok(Value::OutputBufferLimits(limits))
}

/// `oom-score-adj-values`: exactly three values within -2000..=2000.
fn parse_oom_values(args: &[Vec<u8>]) -> Result<Value, Reason> {
    let [master, replica, bgchild] = args else {
        return Err(Cow::Borrowed("wrong number of arguments"));
    };
    let one = |a: &Vec<u8>| {
        let a = c_string(a);
        let r = strtoll(a, 10);
        if !r.whole(a) || !(-2000..=2000).contains(&r.value) {
            return Err(Cow::Borrowed(
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
            ));
        }
        Ok(i32::try_from(r.value).unwrap_or_default())
    };
    Ok(Value::OomScoreAdjValues(OomScoreAdjValues {
        master: one(master)?,
        replica: one(replica)?,
        bgchild: one(bgchild)?,
    }))
}

fn parse_events(args: &[Vec<u8>]) -> Result<Value, Reason> {
    let [arg] = args else {
        return Err(Cow::Borrowed("wrong number of arguments"));
    };
    KeyspaceEvents::parse(c_string(arg))
        .map(Value::KeyspaceEvents)
        .ok_or(Cow::Borrowed(
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ))
}

fn parse_replicaof(args: &[Vec<u8>]) -> Result<Value, Reason> {
    let [host, port] = args else {
        return Err(Cow::Borrowed("wrong number of arguments"));
    };
    let (host, port) = (c_string(host), c_string(port));
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        return Ok(Value::ReplicaOf(None));
    }
    let r = strtoll(port, 10);
    match u16::try_from(r.value) {
        Ok(p) if r.whole(port) => Ok(Value::ReplicaOf(Some(ReplicaOf {
            host: String::from_utf8_lossy(host).into_owned(),
            port: p,
        }))),
        _ => Err(Cow::Borrowed("Invalid master port")),
    }
}

/// `latency-tracking-info-percentiles`: numbers within 0..=100; a single "" for none.
fn parse_percentiles(args: &[Vec<u8>]) -> Result<Value, Reason> {
    if args.len() == 1 && args.first().is_some_and(|a| a.is_empty()) {
        return Ok(Value::Percentiles(Vec::new()));
    }
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        let Some(p) = string2d(c_string(a)) else {
            return Err(Cow::Borrowed(
                "Invalid latency-tracking-info-percentiles parameters",
            ));
        };
        if !(0.0..=100.0).contains(&p) {
            return Err(Cow::Borrowed(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
            ));
        }
        out.push(p);
    }
    Ok(Value::Percentiles(out))
}

/// `dir`: must name a directory reachable from the current one; the value kept is
/// its absolute, resolved path (what `getcwd` reports after Redis's `chdir`). The
/// `chdir` itself is the server's job ([`super::Apply::Dir`]).
fn parse_dir(args: &[Vec<u8>], cwd: &std::path::Path) -> Result<Value, Reason> {
    let [arg] = args else {
        return Err(Cow::Borrowed("wrong number of arguments"));
    };
    let arg = c_string(arg);
    if arg.is_empty() {
        return Err(Cow::Owned(strerror(&std::io::Error::from_raw_os_error(
            libc::ENOENT,
        ))));
    }
    let path = cwd.join(OsStr::from_bytes(arg));
    match std::fs::metadata(&path) {
        Err(e) => return Err(Cow::Owned(strerror(&e))),
        Ok(m) if !m.is_dir() => {
            return Err(Cow::Owned(strerror(&std::io::Error::from_raw_os_error(
                libc::ENOTDIR,
            ))));
        }
        Ok(_) => {}
    }
    std::fs::canonicalize(&path)
        .map(|p: PathBuf| Value::Dir(p))
        .map_err(|e| Cow::Owned(strerror(&e)))
}

/// C's `strerror` text for an I/O error (Rust's message without " (os error N)").
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}
