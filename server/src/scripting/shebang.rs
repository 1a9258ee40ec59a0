//! Script flags: the `#!lua flags=...` first line of an EVAL script, and the same flag
//! names in `redis.register_function`. A script without a shebang runs in Redis's
//! compatibility mode ([`EVAL_COMPAT`]), where none of the flag checks apply.

use scarlet_protocol::split_args;

/// no-writes: the script may only read.
pub const NO_WRITES: u32 = 1 << 0;
/// allow-oom: the script may run over maxmemory.
pub const ALLOW_OOM: u32 = 1 << 1;
/// allow-stale: the script may run on a stale replica.
pub const ALLOW_STALE: u32 = 1 << 2;
/// no-cluster: the script may not run in cluster mode.
pub const NO_CLUSTER: u32 = 1 << 3;
/// No shebang: the pre-7.0 behaviour.
pub const EVAL_COMPAT: u32 = 1 << 4;
/// allow-cross-slot-keys.
pub const ALLOW_CROSS_SLOT: u32 = 1 << 5;

/// Flag names, in Redis's order (FUNCTION LIST prints them so).
pub const NAMES: &[(u32, &str)] = &[
    (NO_WRITES, "no-writes"),
    (ALLOW_OOM, "allow-oom"),
    (ALLOW_STALE, "allow-stale"),
    (NO_CLUSTER, "no-cluster"),
    (ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
];

/// A flag by its name (exact for shebangs; FUNCTION flags compare without case).
pub fn flag_by_name(name: &[u8], ignore_case: bool) -> Option<u32> {
    NAMES
        .iter()
        .find(|(_, n)| {
            if ignore_case {
                n.as_bytes().eq_ignore_ascii_case(name)
            } else {
                n.as_bytes() == name
            }
        })
        .map(|(f, _)| *f)
}

/// Reads an EVAL body's shebang: the flags and how many bytes the shebang line takes
/// (the newline stays, so line numbers do not move).
pub fn parse(body: &[u8]) -> Result<(u32, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((EVAL_COMPAT, 0));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err("Invalid script shebang".to_string());
    };
    let line = body.get(..end).unwrap_or_default();
    let parts = match split_args(line) {
        Some(parts) if !parts.is_empty() => parts,
        _ => return Err("Invalid engine in script shebang".to_string()),
    };
    let mut parts = parts.into_iter();
    let engine = parts.next().unwrap_or_default();
    if engine != b"#!lua" {
        return Err(format!(
            "Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(&engine)
        ));
    }
    let mut flags = 0;
    for part in parts {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(format!(
                "Unknown lua shebang option: {}",
                String::from_utf8_lossy(&part)
            ));
        };
        if list.is_empty() {
            continue;
        }
        for name in list.split(|&b| b == b',') {
            let Some(flag) = flag_by_name(name, false) else {
                return Err(format!(
                    "Unexpected flag in script shebang: {}",
                    String::from_utf8_lossy(name)
                ));
            };
            flags |= flag;
        }
    }
    Ok((flags, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        assert_eq!(parse(b"return 1"), Ok((EVAL_COMPAT, 0)));
        assert_eq!(parse(b"#!lua\nreturn 1"), Ok((0, 5)));
        assert_eq!(
            parse(b"#!lua flags=no-writes,allow-oom\nreturn 1"),
            Ok((NO_WRITES | ALLOW_OOM, 31))
        );
        assert!(parse(b"#!lua").is_err());
        assert_eq!(
            parse(b"#!python\n"),
            Err("Unexpected engine in script shebang: #!python".to_string())
        );
        assert_eq!(
            parse(b"#!lua flags=bad\n"),
            Err("Unexpected flag in script shebang: bad".to_string())
        );
        assert_eq!(
            parse(b"#!lua foo=bar\n"),
            Err("Unknown lua shebang option: foo=bar".to_string())
        );
    }
}
