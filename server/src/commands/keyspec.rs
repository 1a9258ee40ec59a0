//! Finding a command's keys from its key specs, and what COMMAND INFO derives from them.
//!
//! Used by COMMAND GETKEYS / GETKEYSANDFLAGS now, and by cluster routing and ACL key checks
//! later, so the search follows Redis's `getKeysUsingKeySpecs` step for step, including
//! which malformed requests yield no keys at all.

use scarlet_protocol::Args;

use super::spec::{BeginSearch, CommandSpec, FindKeys, KeyRef, KeySpec, flag, key};

/// `movablekeys` when the specs cannot be described by one legacy (first, last, step)
/// range, as Redis's `populateCommandLegacyRangeSpec` decides.
pub fn movable_flag(spec: &CommandSpec) -> u64 {
    match legacy_range(spec) {
        (_, true) => flag::MOVABLE_KEYS,
        (_, false) => 0,
    }
}

/// COMMAND INFO's first key, last key and step.
pub fn legacy_first_last_step(spec: &CommandSpec) -> (i64, i64, i64) {
    match legacy_range(spec).0 {
        None => (0, 0, 0),
        Some((first, last, step)) => {
            let last = if last >= 0 { last + first } else { last };
            (first, last, step)
        }
    }
}

/// The legacy range as (first, lastkey relative to first or negative, step), and whether
/// keys are movable.
fn legacy_range(spec: &CommandSpec) -> (Option<(i64, i64, i64)>, bool) {
    let specs = spec.keys;
    if specs.is_empty() {
        return (None, false);
    }
    if let [only] = specs
        && let (BeginSearch::Index(pos), FindKeys::Range { lastkey, step, .. }) =
            (only.begin, only.find)
    {
        let movable = only.flags & key::INCOMPLETE != 0;
        return (Some((pos.into(), lastkey.into(), step.into())), movable);
    }
    let mut movable = false;
    let mut first = i64::MAX;
    // Redis compares last keys as unsigned so that a negative ("to the end") last key wins.
    let mut last: i64 = 0;
    let mut prev_last: i64 = 0;
    for s in specs {
        let (BeginSearch::Index(pos), FindKeys::Range { lastkey, step, .. }) = (s.begin, s.find)
        else {
            movable = true;
            continue;
        };
        let pos = i64::from(pos);
        if step != 1 || (prev_last != 0 && prev_last != pos - 1) {
            movable = true;
            continue;
        }
        if s.flags & key::INCOMPLETE != 0 {
            movable = true;
        }
        first = first.min(pos);
        let abs_last = if lastkey >= 0 {
            i64::from(lastkey) + pos
        } else {
            i64::from(lastkey)
        };
        if (abs_last as u64) > (last as u64) {
            last = abs_last;
        }
        prev_last = last;
    }
    if first == i64::MAX {
        return (None, true);
    }
    let relative_last = if last < 0 { last } else { last - first };
    (Some((first, relative_last, 1)), movable)
}

/// Whether the command takes keys at all (COMMAND GETKEYS refuses those that do not).
pub fn has_keys(spec: &CommandSpec) -> bool {
    !spec.keys.is_empty() || spec.getkeys.is_some()
}

/// The keys of a request, as Redis's `getKeysFromCommandWithSpecs`: the specs when they
/// are all usable and their flags fixed, else the command's own `getkeys`. `None` when the
/// arguments do not fit the specs (the caller reports it).
pub fn keys_of(spec: &CommandSpec, args: Args<'_>) -> Option<Vec<KeyRef>> {
    let has_real_keys = spec.keys.iter().any(|s| s.flags & key::NOT_KEY == 0);
    let variable = spec.keys.iter().any(|s| s.flags & key::VARIABLE_FLAGS != 0);
    if has_real_keys
        && !variable
        && let Some(keys) = keys_from_specs(spec, args)
    {
        return Some(keys);
    }
    match spec.getkeys {
        Some(getkeys) => Some(getkeys(args)),
        None if has_real_keys && !variable => None,
        None => Some(Vec::new()),
    }
}

fn keys_from_specs(spec: &CommandSpec, args: Args<'_>) -> Option<Vec<KeyRef>> {
    let argc = i64::try_from(args.len()).ok()?;
    let mut keys = Vec::new();
    for s in spec.keys {
        if s.flags & key::NOT_KEY != 0 {
            continue;
        }
        let Some(first) = begin_of(s, args, argc)? else {
            continue;
        };
        let (first, last, step) = match s.find {
            FindKeys::Range {
                lastkey,
                step,
                limit,
            } => {
                let lastkey = i64::from(lastkey);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / i64::from(limit) + lastkey)
                };
                (first, last, i64::from(step))
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                step,
            } => {
                if i64::from(keynumidx) >= argc {
                    return None;
                }
                let count_arg = args.get(usize::try_from(first + i64::from(keynumidx)).ok()?)?;
                let count = scarlet_storage::number::parse_i64(count_arg).filter(|n| *n >= 0)?;
                let first = first + i64::from(firstkey);
                (first, first.checked_add(count)? - 1, i64::from(step))
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc || step <= 0 {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: usize::try_from(i).ok()?,
                flags: s.flags,
            });
            i += step;
        }
        if s.flags & key::INCOMPLETE != 0 {
            return None;
        }
    }
    Some(keys)
}

/// Where a spec's keys begin: `Ok(None)` when its keyword is absent (the spec is skipped),
/// `None` for an unknown begin-search.
fn begin_of(s: &KeySpec, args: Args<'_>, argc: i64) -> Option<Option<i64>> {
    match s.begin {
        BeginSearch::Index(pos) => Some(Some(i64::from(pos))),
        BeginSearch::Keyword { keyword, startfrom } => {
            let startfrom = i64::from(startfrom);
            let (start, end) = if startfrom > 0 {
                (startfrom, argc - 1)
            } else {
                (argc + startfrom, 1)
            };
            let mut i = start;
            loop {
                if i >= argc || i < 1 {
                    return Some(None);
                }
                let arg = args.get(usize::try_from(i).ok()?)?;
                if arg.eq_ignore_ascii_case(keyword.as_bytes()) {
                    return Some(Some(i + 1));
                }
                if i == end {
                    return Some(None);
                }
                i += if start <= end { 1 } else { -1 };
            }
        }
        BeginSearch::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::spec::KeySpec;
    use scarlet_protocol::OwnedArgs;

    fn spec(keys: &'static [KeySpec]) -> CommandSpec {
        CommandSpec {
            name: "x",
            arity: -2,
            keys,
            ..CommandSpec::DEFAULT
        }
    }

    #[test]
    fn single_key_range() {
        static KEYS: &[KeySpec] = &[KeySpec::single(1, key::RO | key::ACCESS)];
        let s = spec(KEYS);
        assert_eq!(legacy_first_last_step(&s), (1, 1, 1));
        assert_eq!(movable_flag(&s), 0);
        let args: OwnedArgs = ["get", "k"].into_iter().collect();
        let keys = keys_of(&s, args.args()).unwrap();
        assert_eq!(keys.iter().map(|k| k.pos).collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn mset_like_pairs() {
        static KEYS: &[KeySpec] = &[KeySpec::to_end(1, 2, key::OW | key::UPDATE)];
        let s = spec(KEYS);
        assert_eq!(legacy_first_last_step(&s), (1, -1, 2));
        let args: OwnedArgs = ["mset", "a", "1", "b", "2"].into_iter().collect();
        let keys = keys_of(&s, args.args()).unwrap();
        assert_eq!(keys.iter().map(|k| k.pos).collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn keynum_and_keyword() {
        static KEYS: &[KeySpec] = &[
            KeySpec {
                flags: key::RO,
                begin: BeginSearch::Index(2),
                find: FindKeys::Keynum {
                    keynumidx: 0,
                    firstkey: 1,
                    step: 1,
                },
                notes: None,
            },
            KeySpec {
                flags: key::OW,
                begin: BeginSearch::Keyword {
                    keyword: "STORE",
                    startfrom: -2,
                },
                find: FindKeys::Range {
                    lastkey: 0,
                    step: 1,
                    limit: 0,
                },
                notes: None,
            },
        ];
        let s = spec(KEYS);
        assert_eq!(movable_flag(&s), flag::MOVABLE_KEYS);
        let args: OwnedArgs = ["x", "y", "2", "k1", "k2", "STORE", "dst"]
            .into_iter()
            .collect();
        let keys = keys_of(&s, args.args()).unwrap();
        assert_eq!(
            keys.iter().map(|k| k.pos).collect::<Vec<_>>(),
            vec![3, 4, 6]
        );
        let bad: OwnedArgs = ["x", "y", "5", "k1"].into_iter().collect();
        assert!(keys_of(&s, bad.args()).is_none());
    }
}
