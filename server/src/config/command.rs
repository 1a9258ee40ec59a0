//! CONFIG GET and CONFIG SET on a loaded [`Config`], with Redis 7.0's matching,
//! formatting, multi-parameter atomicity and error texts.
//!
//! Not here: the reply encoding (RESP2 array / RESP3 map), argument redaction of
//! sensitive values ([`super::Directive::is_sensitive`]), running the [`Apply`] hooks
//! and CONFIG RESETSTAT: those need the running server.

use std::fmt;

use super::Config;
use super::directive::{Apply, Flags, directives, find};
use super::format::format_value;
use super::parse::{ParseState, parse};

/// Who is asking, for the checks CONFIG SET makes about the client and the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetContext {
    /// Whether the client is local (loopback or unix socket): decides protected
    /// directives when `enable-protected-configs` is `local`.
    pub client_is_local: bool,
    /// Whether the server is loading its dataset: directives flagged `DENY_LOADING`
    /// are refused.
    pub loading: bool,
}

/// Why CONFIG SET failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError {
    /// Reply `-ERR ` followed by this text.
    Err(String),
    /// Reply Redis's shared loading error (`-LOADING Redis is loading the dataset in
    /// memory`).
    Loading,
}

impl SetError {
    /// The whole error line to send after `-` (`ERR ...` or `LOADING ...`).
    pub fn reply_line(&self) -> String {
        match self {
            SetError::Err(e) => format!("ERR {e}"),
            SetError::Loading => "LOADING Redis is loading the dataset in memory".to_string(),
        }
    }
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reply_line())
    }
}

impl std::error::Error for SetError {}

/// The old values of the directives a CONFIG SET changed, to put them back with
/// [`Config::restore`] if an [`Apply`] hook fails.
#[derive(Debug, Clone)]
pub struct Undo {
    old: Box<Config>,
    indices: Vec<usize>,
}

/// What a successful CONFIG SET did and what the server must still do.
///
/// ```
/// # use scarlet_server::config::{Apply, Config, SetContext, apply_failed};
/// # fn run_hook(_: Apply, _: &Config) -> Result<(), String> { Ok(()) }
/// let mut config = Config::default();
/// let pairs = [(b"hz".as_slice(), b"20".as_slice()), (b"port".as_slice(), b"7000".as_slice())];
/// let reply = match config.set(&pairs, SetContext::default()) {
///     Err(e) => format!("-{}", e.reply_line()),
///     Ok(outcome) => {
///         let failed = outcome
///             .hooks
///             .iter()
///             .find_map(|&(hook, name)| run_hook(hook, &config).err().map(|e| (name, e)));
///         match failed {
///             None => "+OK".to_string(),
///             Some((name, e)) => {
///                 let hooks = outcome.hooks.clone();
///                 config.restore(outcome.undo);
///                 for (hook, _) in hooks {
///                     let _ = run_hook(hook, &config); // Redis only logs these failures.
///                 }
///                 format!("-ERR {}", apply_failed(name, &e))
///             }
///         }
///     }
/// };
/// assert_eq!(reply, "+OK");
/// assert_eq!((config.hz, config.port), (20, 7000));
/// ```
#[derive(Debug, Clone)]
pub struct SetOutcome {
    /// Hooks to run, in order, each with the directive name to report if it fails
    /// (see [`apply_failed`]). `Dir` comes first: Redis changes directory while
    /// setting, before any other hook.
    pub hooks: Vec<(Apply, &'static str)>,
    /// The directives set (their names as given: an alias stays an alias), for the
    /// module "config change" event.
    pub names: Vec<&'static str>,
    /// How to go back if a hook fails.
    pub undo: Undo,
}

/// The error text for a failed hook, `CONFIG SET failed (possibly related to argument
/// 'DIRECTIVE') - ERROR`, to send after `-ERR `. Redis first logs `Failed applying new
/// configuration. Possibly related to new DIRECTIVE setting. Restoring previous
/// settings.`, then restores the old values and runs the hooks again.
pub fn apply_failed(directive: &str, error: &str) -> String {
    format!("CONFIG SET failed (possibly related to argument '{directive}') - {error}")
}

/// Redis's `sdssplitlen(value, " ")`: every single space separates, so "a  b" has an
/// empty middle argument and "" has none.
fn split_spaces(value: &[u8]) -> Vec<Vec<u8>> {
    if value.is_empty() {
        Vec::new()
    } else {
        value.split(|&b| b == b' ').map(<[u8]>::to_vec).collect()
    }
}

impl Config {
    /// CONFIG GET: every directive matching one of the patterns, once, with its value
    /// formatted as Redis does. A pattern without `*`, `?` or `[` is a name (any case;
    /// the reply uses it as given, and hidden directives are found); otherwise it is
    /// a case-insensitive glob over the names and aliases of non-hidden directives.
    pub fn get<P: AsRef<[u8]>>(&self, patterns: &[P]) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        let seen = |out: &Vec<(String, Vec<u8>)>, key: &[u8]| {
            out.iter()
                .any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(key))
        };
        for pattern in patterns {
            let pattern = pattern.as_ref();
            if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if seen(&out, pattern) {
                    continue;
                }
                if let Some(found) = find(pattern) {
                    let d = found.directive;
                    let value = format_value(d, &(d.access.get)(self));
                    out.push((String::from_utf8_lossy(pattern).into_owned(), value));
                }
                continue;
            }
            for d in directives() {
                if d.flags.contains(Flags::HIDDEN) {
                    continue;
                }
                for key in std::iter::once(d.name).chain(d.alias) {
                    if !seen(&out, key.as_bytes())
                        && scarlet_storage::glob::glob_match(pattern, key.as_bytes(), true)
                    {
                        out.push((key.to_string(), format_value(d, &(d.access.get)(self))));
                    }
                }
            }
        }
        out
    }

    /// CONFIG SET with one or more `(name, value)` pairs, all or nothing, as Redis 7.0
    /// does it: every name is checked first (unknown, immutable, protected, loading,
    /// duplicate), then every value is parsed and stored; the first bad value puts
    /// back the old ones. On success the caller runs [`SetOutcome::hooks`].
    pub fn set(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: SetContext,
    ) -> Result<SetOutcome, SetError> {
        let mut unknown: Option<&[u8]> = None;
        let mut failure: Option<(String, &'static str)> = None;
        let mut deny_loading = false;
        let mut invalid = false;
        let mut targets = Vec::with_capacity(pairs.len());
        for &(name, _) in pairs {
            let Some(found) = find(name) else {
                if !invalid {
                    unknown = Some(name);
                    invalid = true;
                }
                continue;
            };
            if invalid {
                continue;
            }
            let d = found.directive;
            let protected = d.flags.contains(Flags::PROTECTED)
                && !self.enable_protected_configs.allows(ctx.client_is_local);
            if d.flags.contains(Flags::IMMUTABLE) || protected {
                let why = if d.flags.contains(Flags::IMMUTABLE) {
                    "can't set immutable config"
                } else {
                    "can't set protected config"
                };
                failure = Some((String::from_utf8_lossy(name).into_owned(), why));
                invalid = true;
                continue;
            }
            if ctx.loading && d.flags.contains(Flags::DENY_LOADING) {
                deny_loading = true;
                invalid = true;
                continue;
            }
            // Like Redis, a name and its alias are different entries here: setting
            // both is not a duplicate, and the later one wins.
            let dup = targets.iter().any(|t: &super::directive::Found| {
                t.index == found.index && t.via_alias == found.via_alias
            });
            if dup {
                failure = Some((
                    String::from_utf8_lossy(name).into_owned(),
                    "duplicate parameter",
                ));
                invalid = true;
            }
            targets.push(found);
        }
        if deny_loading {
            return Err(SetError::Loading);
        }
        if let Some(name) = unknown {
            return Err(SetError::Err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            )));
        }
        if let Some((name, why)) = failure {
            return Err(SetError::Err(format!(
                "CONFIG SET failed (possibly related to argument '{name}') - {why}"
            )));
        }

        let old = Box::new(self.clone());
        let mut state = ParseState::default();
        let mut hooks: Vec<(Apply, &'static str)> = Vec::new();
        for (k, (found, &(_, value))) in targets.iter().zip(pairs).enumerate() {
            let d = found.directive;
            let args = if d.flags.contains(Flags::MULTI_ARG) {
                split_spaces(value)
            } else {
                vec![value.to_vec()]
            };
            let stored = parse(d, &args, self, &mut state).and_then(|(v, changed)| {
                if (d.access.put)(self, v) {
                    Ok(changed)
                } else {
                    Err("internal error: value type".into())
                }
            });
            match stored {
                Ok(true) => {
                    if let Some(hook) = d.apply
                        && !hooks.iter().any(|(h, _)| *h == hook)
                    {
                        hooks.push((hook, found.entry_name()));
                    }
                }
                Ok(false) => {}
                Err(reason) => {
                    for t in targets.iter().take(k + 1) {
                        (t.directive.access.copy)(self, &old);
                    }
                    return Err(SetError::Err(apply_failed(found.entry_name(), &reason)));
                }
            }
        }
        self.clamp_hz();
        // Redis changes directory while setting, before any apply function runs.
        if let Some(pos) = hooks.iter().position(|(h, _)| *h == Apply::Dir) {
            let dir = hooks.remove(pos);
            hooks.insert(0, dir);
        }
        Ok(SetOutcome {
            hooks,
            names: targets.iter().map(|t| t.entry_name()).collect(),
            undo: Undo {
                old,
                indices: targets.iter().map(|t| t.index).collect(),
            },
        })
    }

    /// Puts back the values a CONFIG SET replaced (after a hook failed). The caller
    /// then runs the same hooks again, logging failures, as Redis does.
    pub fn restore(&mut self, undo: Undo) {
        for i in undo.indices {
            if let Some(d) = directives().get(i) {
                (d.access.copy)(self, &undo.old);
            }
        }
    }

    /// Redis accepts any `hz` but runs with it clamped to 1..=500, and shows that.
    pub(crate) fn clamp_hz(&mut self) {
        self.hz = self.hz.clamp(1, 500);
    }
}
