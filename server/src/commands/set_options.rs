//! The option grammar of SET and GETEX (Redis's `parseExtendedStringArgumentsOrReply`):
//! conditions, GET, and the expiry forms, with Redis's rules on which may be combined.

use scarlet_protocol::Args;
use scarlet_storage::Millis;

use super::Ctx;
use super::args;
use crate::error::CmdError;

/// The expiry options of SET and GETEX.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expiry {
    #[default]
    None,
    /// EX / PX: relative, in ms units after conversion.
    Relative {
        arg_index: usize,
        seconds: bool,
    },
    /// EXAT / PXAT: absolute.
    Absolute {
        arg_index: usize,
        seconds: bool,
    },
    KeepTtl,
    Persist,
}

/// Options of SET (and GETEX), parsed as Redis's `parseExtendedStringArgumentsOrReply`:
/// each option may appear once among its incompatible peers, repeats of the same one are
/// fine.
#[derive(Default)]
pub struct SetOptions {
    pub nx: bool,
    pub xx: bool,
    pub get: bool,
    pub expiry: Expiry,
}

pub fn parse_set_options(
    args: Args<'_>,
    first: usize,
    for_set: bool,
) -> Result<SetOptions, CmdError> {
    let mut o = SetOptions::default();
    let mut j = first;
    while j < args.len() {
        let opt = args.at(j);
        let has_next = j + 1 < args.len();
        let expiry_free = |e: Expiry, same: &dyn Fn(Expiry) -> bool| e == Expiry::None || same(e);
        if for_set && args::is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if for_set && args::is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if for_set && args::is(opt, "get") {
            o.get = true;
        } else if for_set
            && args::is(opt, "keepttl")
            && expiry_free(o.expiry, &|e| e == Expiry::KeepTtl)
        {
            o.expiry = Expiry::KeepTtl;
        } else if !for_set
            && args::is(opt, "persist")
            && expiry_free(o.expiry, &|e| e == Expiry::Persist)
        {
            o.expiry = Expiry::Persist;
        } else if has_next
            && let Some(expiry) = timed_expiry(opt, j + 1)
            && expiry_free(o.expiry, &|e| same_kind(e, expiry))
        {
            o.expiry = expiry;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

fn timed_expiry(opt: &[u8], arg_index: usize) -> Option<Expiry> {
    if args::is(opt, "ex") {
        Some(Expiry::Relative {
            arg_index,
            seconds: true,
        })
    } else if args::is(opt, "px") {
        Some(Expiry::Relative {
            arg_index,
            seconds: false,
        })
    } else if args::is(opt, "exat") {
        Some(Expiry::Absolute {
            arg_index,
            seconds: true,
        })
    } else if args::is(opt, "pxat") {
        Some(Expiry::Absolute {
            arg_index,
            seconds: false,
        })
    } else {
        None
    }
}

/// Whether two timed expiries are the same option (EX twice is allowed, EX then PX not).
fn same_kind(a: Expiry, b: Expiry) -> bool {
    match (a, b) {
        (Expiry::Relative { seconds: s1, .. }, Expiry::Relative { seconds: s2, .. })
        | (Expiry::Absolute { seconds: s1, .. }, Expiry::Absolute { seconds: s2, .. }) => s1 == s2,
        _ => false,
    }
}

/// The absolute expiry in unix ms, validated as Redis's `getExpireMillisecondsOrReply`.
pub fn expire_at(
    ctx: &Ctx<'_>,
    args: Args<'_>,
    expiry: Expiry,
) -> Result<Option<Millis>, CmdError> {
    let (arg_index, seconds, relative) = match expiry {
        Expiry::Relative { arg_index, seconds } => (arg_index, seconds, true),
        Expiry::Absolute { arg_index, seconds } => (arg_index, seconds, false),
        _ => return Ok(None),
    };
    let invalid = || CmdError::InvalidExpireTime(ctx.command.full_name);
    let mut ms = args::int(args.at(arg_index))?;
    if ms <= 0 {
        return Err(invalid());
    }
    if seconds {
        ms = ms.checked_mul(1000).ok_or_else(invalid)?;
    }
    if relative {
        ms = ms.checked_add(ctx.now).ok_or_else(invalid)?;
    }
    Ok(Some(ms))
}
