//! Validity checks some directives add to their type's (Redis's `isValid*`
//! functions), with Redis's error texts.

use super::Config;
use super::value::{ShutdownFlags, Value};

fn str_arg(v: &Value) -> &[u8] {
    match v {
        Value::Str(Some(s)) => s,
        _ => b"",
    }
}

/// Redis's `pathIsBaseName`.
fn is_base_name(s: &[u8]) -> bool {
    !s.contains(&b'/') && !s.contains(&b'\\')
}

/// Like a Redis built without its patched jemalloc (as the distribution packages
/// are): Scarlet has no active defragmentation.
pub(crate) fn active_defrag(_: &Config, v: &Value) -> Result<(), &'static str> {
    if *v == Value::Bool(true) {
        Err(
            "Active defragmentation cannot be enabled: it requires a Redis server compiled \
             with a modified Jemalloc like the one shipped by default with the Redis source \
             distribution",
        )
    } else {
        Ok(())
    }
}

pub(crate) fn dbfilename(_: &Config, v: &Value) -> Result<(), &'static str> {
    if is_base_name(str_arg(v)) {
        Ok(())
    } else {
        Err("dbfilename can't be a path, just a filename")
    }
}

pub(crate) fn appendfilename(_: &Config, v: &Value) -> Result<(), &'static str> {
    let s = str_arg(v);
    if s.is_empty() {
        Err("appendfilename can't be empty")
    } else if !is_base_name(s) {
        Err("appendfilename can't be a path, just a filename")
    } else {
        Ok(())
    }
}

pub(crate) fn appenddirname(_: &Config, v: &Value) -> Result<(), &'static str> {
    let s = str_arg(v);
    if s.is_empty() {
        Err("appenddirname can't be empty")
    } else if !is_base_name(s) {
        Err("appenddirname can't be a path, just a dirname")
    } else {
        Ok(())
    }
}

pub(crate) fn hostname(_: &Config, v: &Value) -> Result<(), &'static str> {
    let s = str_arg(v);
    // NET_HOST_STR_LEN is 256.
    if s.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if s.iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        Ok(())
    } else {
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots")
    }
}

pub(crate) fn shutdown_flags(_: &Config, v: &Value) -> Result<(), &'static str> {
    let bits = match v {
        Value::Enum(b) => *b,
        _ => 0,
    };
    let both = i32::from(ShutdownFlags::SAVE | ShutdownFlags::NOSAVE);
    if bits & both == both {
        Err("shutdown options SAVE and NOSAVE can't be used simultaneously")
    } else {
        Ok(())
    }
}

pub(crate) fn proc_title_template(cfg: &Config, v: &Value) -> Result<(), &'static str> {
    match expand_proc_title(cfg, str_arg(v), b"") {
        Some(t) if !t.is_empty() => Ok(()),
        _ => Err("template format is invalid or contains unknown variables"),
    }
}

/// Expands a `proc-title-template` like Redis (`{title}`, `{listen-addr}`,
/// `{server-mode}`, `{config-file}`, `{port}`, `{tls-port}`, `{unixsocket}`, `{{` for
/// a brace), trimming spaces at both ends. `None` if the template is malformed or
/// names an unknown variable.
pub(crate) fn expand_proc_title(cfg: &Config, template: &[u8], title: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.iter().position(|&b| b == b'{') else {
            out.extend_from_slice(rest);
            break;
        };
        out.extend_from_slice(rest.get(..open)?);
        let after = rest.get(open + 1..)?;
        match after.first() {
            None => return None,
            Some(b'{') => {
                out.push(b'{');
                rest = after.get(1..)?;
                continue;
            }
            Some(_) => {}
        }
        let close = after.iter().position(|&b| b == b'}')?;
        out.extend(variable(cfg, after.get(..close)?, title)?);
        rest = after.get(close + 1..)?;
    }
    let start = out.iter().position(|&b| b != b' ').unwrap_or(out.len());
    let end = out
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |e| e + 1);
    out.get(start..end).map(<[u8]>::to_vec)
}

fn variable(cfg: &Config, name: &[u8], title: &[u8]) -> Option<Vec<u8>> {
    let unixsocket = || cfg.unixsocket.clone().unwrap_or_default().into_bytes();
    Some(match name {
        b"title" => title.to_vec(),
        b"listen-addr" => {
            if cfg.port != 0 || cfg.tls_port != 0 {
                let addr = cfg.bind.first().map_or("*", String::as_str);
                let port = if cfg.port != 0 {
                    cfg.port
                } else {
                    cfg.tls_port
                };
                format!("{addr}:{port}").into_bytes()
            } else {
                [b"unixsocket:".as_slice(), &unixsocket()].concat()
            }
        }
        b"server-mode" => {
            if cfg.cluster_enabled {
                b"[cluster]".to_vec()
            } else {
                Vec::new()
            }
        }
        b"config-file" => match &cfg.config_file {
            Some(p) => p.to_string_lossy().into_owned().into_bytes(),
            None => b"-".to_vec(),
        },
        b"port" => cfg.port.to_string().into_bytes(),
        b"tls-port" => cfg.tls_port.to_string().into_bytes(),
        b"unixsocket" => unixsocket(),
        _ => return None,
    })
}
