//! Formatting values as CONFIG GET shows them (memory as plain bytes, booleans as
//! yes/no, enums by name, structured values space-separated).
//!
//! CONFIG REWRITE's own notation (memory units, quoting) lives in `rewrite.rs`.

use std::os::unix::ffi::OsStrExt;

use super::cnum::format_percentile;
use super::directive::{Directive, Flags, Spec, Unit};
use super::value::Value;

/// A value as CONFIG GET shows it.
pub(crate) fn format_value(d: &Directive, v: &Value) -> Vec<u8> {
    match (d.spec, v) {
        (_, Value::Bool(b)) => yes_no(*b).as_bytes().to_vec(),
        (Spec::Int { unit, .. }, Value::Int(n)) => format_int(unit, *n).into_bytes(),
        (Spec::Enum { names, .. }, Value::Enum(n)) => {
            enum_name(names, *n, d.flags.contains(Flags::MULTI_ARG)).into_bytes()
        }
        (_, Value::Str(s)) => s.clone().unwrap_or_default(),
        (_, Value::Save(points)) => points
            .iter()
            .map(|p| format!("{} {}", p.seconds, p.changes))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Bind(addrs)) => addrs.join(" ").into_bytes(),
        (_, Value::OutputBufferLimits(l)) => l
            .classes()
            .iter()
            .map(|(class, c)| {
                format!(
                    "{class} {} {} {}",
                    c.hard_limit_bytes, c.soft_limit_bytes, c.soft_limit_seconds
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::OomScoreAdjValues(o)) => {
            let [a, b, c] = o.as_array();
            format!("{a} {b} {c}").into_bytes()
        }
        (_, Value::KeyspaceEvents(e)) => e.to_letters().into_bytes(),
        (_, Value::ReplicaOf(r)) => match r {
            Some(r) => format!("{} {}", r.host, r.port).into_bytes(),
            None => Vec::new(),
        },
        (_, Value::Percentiles(p)) => p
            .iter()
            .map(|&v| format_percentile(v))
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        (_, Value::Dir(p)) => p.as_os_str().as_bytes().to_vec(),
        // A value of the wrong kind for its spec cannot come out of the table.
        (_, Value::Int(n)) => n.to_string().into_bytes(),
        (_, Value::Enum(n)) => n.to_string().into_bytes(),
    }
}

pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// An integer as CONFIG GET shows it.
pub(crate) fn format_int(unit: Unit, n: i64) -> String {
    let unsigned = u64::from_ne_bytes(n.to_ne_bytes());
    match unit {
        Unit::MemoryOrPercent if n < 0 => format!("{}%", n.unsigned_abs()),
        Unit::Memory | Unit::MemoryOrPercent => unsigned.to_string(),
        Unit::Octal => format!("{unsigned:o}"),
        Unit::Plain => n.to_string(),
    }
}

/// Redis's `configEnumGetName`: the first name with exactly this value, else (for
/// multi-name enums) the names whose bits make up the value, else "unknown".
pub(crate) fn enum_name(names: &[(&str, i32)], value: i32, bitflags: bool) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut unmatched = value;
    for &(name, v) in names {
        if v == value {
            return name.to_string();
        }
        if bitflags && v != 0 && v == (unmatched & v) {
            out.push(name);
            unmatched &= !v;
        }
    }
    if out.is_empty() || unmatched != 0 {
        "unknown".to_string()
    } else {
        out.join(" ")
    }
}
