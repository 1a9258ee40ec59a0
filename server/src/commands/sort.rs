//! SORT and SORT_RO: the elements of a list, set or sorted set, sorted numerically or
//! lexicographically, by themselves or by weights looked up through a BY pattern, with
//! GET patterns, LIMIT, and (SORT only) STORE into a list.
//!
//! The order of work is Redis's `sortCommandGeneric`, because clients observe it: options
//! are parsed and refused before the key is looked up, the whole input is weighed before
//! the conversion error is reported, and a constant BY pattern ("nosort") keeps a list's
//! or sorted set's own order (reversed by DESC) while a set is sorted anyway when the
//! result is stored.

use std::cmp::Ordering;

use scarlet_protocol::Args;
use scarlet_storage::{End, ListOptions, ListValue, Value};

use super::Ctx;
use super::args;
use super::spec::{BeginSearch, CommandSpec, FindKeys, Group, KeyRef, KeySpec, acl, flag, key};
use crate::error::{CmdError, CmdResult};
use crate::keyspace::ReadFlags;
use crate::notify::class;

const SORT_RO_SYNTAX: &str = "key:key [BY pattern:pattern1] offset_count=[LIMIT (offset:integer count:integer)] [GET pattern:pattern1+...] order=[ASC|DESC] sorting=[ALPHA]";

/// The BY/GET key spec: the keys come from the sorted key's content.
const PATTERN_KEYS: KeySpec = KeySpec {
    flags: key::RO | key::ACCESS,
    begin: BeginSearch::Unknown,
    find: FindKeys::Unknown,
    notes: Some(
        "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
    ),
};

/// The sort family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sort",
        arity: -2,
        flags: flag::WRITE | flag::DENYOOM,
        acl: acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS,
        keys: &[
            KeySpec::single(1, key::RO | key::ACCESS),
            PATTERN_KEYS,
            KeySpec {
                flags: key::OW | key::UPDATE,
                begin: BeginSearch::Unknown,
                find: FindKeys::Unknown,
                notes: Some(
                    "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
                ),
            },
        ],
        getkeys: Some(sort_keys),
        handler: Some(sort),
        summary: "Sorts the elements of a list, set or sorted set, optionally storing the result",
        since: "1.0.0",
        complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        group: Group::Generic,
        syntax: "key:key [BY pattern:pattern1] offset_count=[LIMIT (offset:integer count:integer)] [GET pattern:pattern1+...] order=[ASC|DESC] sorting=[ALPHA] [STORE destination:key2]",
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sort_ro",
        arity: -2,
        flags: flag::READONLY,
        acl: acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS,
        keys: &[KeySpec::single(1, key::RO | key::ACCESS), PATTERN_KEYS],
        getkeys: Some(sort_ro_keys),
        handler: Some(sort_ro),
        summary: "Sorts the elements of a list, set or sorted set without storing the result",
        since: "7.0.0",
        complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        group: Group::Generic,
        syntax: SORT_RO_SYNTAX,
        ..CommandSpec::DEFAULT
    },
];

/// SORT's keys: the sorted key, and the last STORE destination (Redis's `sortGetKeys`
/// skips the arguments of LIMIT, GET and BY so that a pattern named "store" is not one).
fn sort_keys(args: Args<'_>) -> Vec<KeyRef> {
    let mut keys = vec![KeyRef {
        pos: 1,
        flags: key::RO | key::ACCESS,
    }];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let arg = args.at(i);
        if args::is(arg, "limit") {
            i += 2;
        } else if args::is(arg, "get") || args::is(arg, "by") {
            i += 1;
        } else if args::is(arg, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(pos) = store {
        keys.push(KeyRef {
            pos,
            flags: key::OW | key::UPDATE,
        });
    }
    keys
}

fn sort_ro_keys(_args: Args<'_>) -> Vec<KeyRef> {
    vec![KeyRef {
        pos: 1,
        flags: key::RO | key::ACCESS,
    }]
}

/// SORT's options, as parsed.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    by: Option<&'a [u8]>,
    /// A BY pattern without `*` was given: nothing to weigh, keep the input's order.
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

fn parse_options<'a>(
    ctx: &Ctx<'_>,
    args: Args<'a>,
    readonly: bool,
) -> Result<Options<'a>, CmdError> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
        store: None,
    };
    let cluster = ctx.server.config.cluster_enabled;
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let arg = args.at(j);
        if args::is(arg, "asc") {
            o.desc = false;
        } else if args::is(arg, "desc") {
            o.desc = true;
        } else if args::is(arg, "alpha") {
            o.alpha = true;
        } else if args::is(arg, "limit") && left >= 2 {
            o.limit_start = args::int(args.at(j + 1))?;
            o.limit_count = args::int(args.at(j + 2))?;
            j += 2;
        } else if !readonly && args::is(arg, "store") && left >= 1 {
            o.store = Some(args.at(j + 1));
            j += 1;
        } else if args::is(arg, "by") && left >= 1 {
            let pattern = args.at(j + 1);
            // Once a constant BY was seen, a later BY pattern does not bring sorting back.
            if c_str(pattern).contains(&b'*') {
                if cluster {
                    return Err(CmdError::err("BY option of SORT denied in Cluster mode."));
                }
            } else {
                o.dont_sort = true;
            }
            o.by = Some(pattern);
            j += 1;
        } else if args::is(arg, "get") && left >= 1 {
            if cluster {
                return Err(CmdError::err("GET option of SORT denied in Cluster mode."));
            }
            o.gets.push(args.at(j + 1));
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

fn sort(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sort_generic(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    sort_generic(ctx, args, true)
}

/// One element to sort, with its weight.
struct Item {
    element: Vec<u8>,
    score: f64,
    /// The BY value for ALPHA sorting by pattern (`None`: the weight key is missing).
    by_value: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx<'_>, args: Args<'_>, readonly: bool) -> CmdResult {
    let mut o = parse_options(ctx, args, readonly)?;
    let db = ctx.db();
    let (kind, elements) = match ctx
        .server
        .read_key(db, args.at(1), ctx.now, ReadFlags::NORMAL)
    {
        None => (Kind::List, Vec::new()),
        Some(value) => sortable_elements(value).ok_or(CmdError::WrongType)?,
    };
    // A set has no order of its own: a stored result, or one a script sees, must not
    // depend on hashing (replicas and the AOF replay the same writes), so it is sorted
    // anyway, as Redis does.
    if o.dont_sort && kind == Kind::Set && (o.store.is_some() || ctx.client.is_script()) {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = i64::try_from(elements.len()).unwrap_or(i64::MAX);
    let (start, end) = limit_range(o.limit_start, o.limit_count, len);

    let mut items: Vec<Item> = elements
        .into_iter()
        .map(|element| Item {
            element,
            score: 0.0,
            by_value: None,
        })
        .collect();
    let mut conversion_error = false;
    if o.dont_sort {
        // Lists and sorted sets keep their order, which DESC reverses; a set's order is
        // whatever its iteration gives.
        if o.desc && kind != Kind::Set {
            items.reverse();
        }
    } else {
        for item in &mut items {
            let by_value = match o.by {
                Some(pattern) => match lookup_by_pattern(ctx, pattern, &item.element) {
                    Some(v) => v,
                    None => continue,
                },
                None => item.element.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    item.by_value = Some(by_value);
                }
            } else {
                match sort_score(&by_value) {
                    Some(score) => item.score = score,
                    None => conversion_error = true,
                }
            }
        }
        let by_pattern = o.by.is_some();
        let binary = o.store.is_some();
        items.sort_by(|a, b| {
            let cmp = compare(a, b, o.alpha, by_pattern, binary);
            if o.desc { cmp.reverse() } else { cmp }
        });
    }
    if conversion_error {
        return Err(CmdError::err(
            "One or more scores can't be converted into double",
        ));
    }

    let selected: &[Item] = match (usize::try_from(start), usize::try_from(end)) {
        (Ok(s), Ok(e)) if e >= s => items.get(s..=e).unwrap_or_default(),
        _ => &[],
    };
    let per_item = o.gets.len().max(1);
    let output_len = selected.len().saturating_mul(per_item);
    match o.store {
        None => {
            ctx.client.reply.array(output_len);
            for item in selected {
                if o.gets.is_empty() {
                    ctx.client.reply.bulk(&item.element);
                }
                for pattern in &o.gets {
                    match lookup_by_pattern(ctx, pattern, &item.element) {
                        Some(v) => ctx.client.reply.bulk(&v),
                        None => ctx.client.reply.null(),
                    }
                }
            }
        }
        Some(destination) => {
            let mut out: Vec<Vec<u8>> = Vec::with_capacity(output_len);
            for item in selected {
                if o.gets.is_empty() {
                    out.push(item.element.clone());
                }
                for pattern in &o.gets {
                    out.push(lookup_by_pattern(ctx, pattern, &item.element).unwrap_or_default());
                }
            }
            let stored = !out.is_empty();
            let list = stored.then(|| list_of(out, &ctx.server.list_options()));
            ctx.server
                .store_result(db, destination, list, (class::LIST, "sortstore"), ctx.now);
            if stored {
                // Redis counts one change per stored element (the store counted one).
                ctx.server.dirty += u64::try_from(output_len - 1).unwrap_or(0);
            }
            ctx.client.reply.count(output_len);
        }
    }
    Ok(())
}

/// The first and last index to return, as Redis clamps LIMIT (end < start: none).
fn limit_range(limit_start: i64, limit_count: i64, len: i64) -> (i64, i64) {
    let start = limit_start.clamp(0, len);
    let count = limit_count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    let mut start = start;
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    (start, end)
}

/// Redis's `sortCompare`.
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, binary: bool) -> Ordering {
    if !alpha {
        // Equal scores fall back to the elements, so the result is deterministic.
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element));
    }
    let (x, y) = if by_pattern {
        match (&a.by_value, &b.by_value) {
            (Some(x), Some(y)) => (x.as_slice(), y.as_slice()),
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    } else {
        (a.element.as_slice(), b.element.as_slice())
    };
    if binary {
        x.cmp(y)
    } else {
        // strcoll() in the C locale: a byte comparison that stops at a NUL.
        c_str(x).cmp(c_str(y))
    }
}

/// A weight as SORT reads it with `strtod`: leading white space allowed, the whole rest
/// a number, no NaN, no overflow or underflow; an empty string weighs 0.
fn sort_score(bytes: &[u8]) -> Option<f64> {
    if bytes.is_empty() {
        return Some(0.0);
    }
    let trimmed = bytes.trim_ascii_start();
    if trimmed.first().is_some_and(u8::is_ascii_whitespace) || trimmed.is_empty() {
        return None;
    }
    scarlet_storage::number::parse_f64(trimmed)
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` is
/// replaced by the element and the key read, a string, or with `->field` a hash field.
fn lookup_by_pattern(ctx: &mut Ctx<'_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    // Redis searches the pattern as a C string; the lengths it then uses are the full ones.
    let searchable = c_str(pattern);
    let star = searchable.iter().position(|&b| b == b'*')?;
    let after_star = searchable.get(star + 1..).unwrap_or_default();
    let field = after_star
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&arrow| searchable.get(arrow + 2).is_some())
        .and_then(|arrow| pattern.get(arrow + 2..));
    let postfix_end = pattern.len() - field.map_or(0, |f| f.len() + 2);
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(pattern.get(..star).unwrap_or_default());
    key.extend_from_slice(element);
    key.extend_from_slice(pattern.get(star + 1..postfix_end).unwrap_or_default());
    let db = ctx.db();
    let value = ctx.server.read_key(db, &key, ctx.now, ReadFlags::NORMAL)?;
    match field {
        Some(field) => hash_field(value, field),
        None => string_bytes(value),
    }
}

/// The bytes before the first NUL, as C string functions see them.
fn c_str(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or_default()
}

/// The sortable types.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
    Zset,
}

/// The elements of a list (in order), set (iteration order) or sorted set (by score);
/// `None` for other types.
fn sortable_elements(value: &Value) -> Option<(Kind, Vec<Vec<u8>>)> {
    match value {
        Value::List(list) => Some((Kind::List, list.to_vecs())),
        Value::Set(set) => Some((Kind::Set, set.iter().map(|m| m.to_vec()).collect())),
        Value::Zset(zset) => Some((Kind::Zset, zset.iter().map(|(m, _)| m.to_vec()).collect())),
        _ => None,
    }
}

/// A hash's field, when `value` is a hash that has it.
fn hash_field(value: &Value, field: &[u8]) -> Option<Vec<u8>> {
    value.as_hash()?.get(field).map(|v| v.to_vec())
}

/// A string's bytes, when `value` is a string.
fn string_bytes(value: &Value) -> Option<Vec<u8>> {
    let s = value.as_str()?;
    let mut scratch = scarlet_storage::IntBuf::default();
    Some(s.as_bytes(&mut scratch).to_vec())
}

/// A list value holding `items`, for STORE.
fn list_of(items: Vec<Vec<u8>>, options: &ListOptions) -> Value {
    let mut list = ListValue::new(options);
    for item in &items {
        list.push(End::Tail, item);
    }
    Value::List(Box::new(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_clamps_as_redis() {
        assert_eq!(limit_range(0, -1, 5), (0, 4));
        assert_eq!(limit_range(1, 2, 5), (1, 2));
        assert_eq!(limit_range(-10, 2, 5), (0, 1));
        assert_eq!(limit_range(3, 100, 5), (3, 4));
        assert_eq!(limit_range(5, 1, 5), (4, 3));
        assert_eq!(limit_range(i64::MAX, i64::MAX, 5), (4, 3));
        assert_eq!(limit_range(0, 0, 5), (0, -1));
        assert_eq!(limit_range(0, -1, 0), (-1, -2));
    }

    #[test]
    fn scores_as_strtod() {
        assert_eq!(sort_score(b""), Some(0.0));
        assert_eq!(sort_score(b" 1.5"), Some(1.5));
        assert_eq!(sort_score(b"10"), Some(10.0));
        assert_eq!(sort_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(sort_score(b"abc"), None);
        assert_eq!(sort_score(b"1 "), None);
        assert_eq!(sort_score(b"   "), None);
        assert_eq!(sort_score(b"nan"), None);
        assert_eq!(sort_score(b"1e400"), None);
    }
}
