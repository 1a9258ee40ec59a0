//! What SCAN, HSCAN, SSCAN and ZSCAN share (Redis's `scanGenericCommand`): the COUNT and
//! MATCH options (and TYPE, for SCAN only), and the reply for a key that does not exist.
//!
//! The collection scans check their options only once the key is found, as Redis does:
//! a missing key answers the empty reply whatever follows it.

use scarlet_protocol::{Args, ReplyBuf};

use super::args;
use crate::error::CmdError;

/// The parsed options.
pub struct ScanOptions<'a> {
    /// COUNT: how much work to do per call (at least 1; default 10).
    pub count: u64,
    /// MATCH: a glob pattern, or `None` for every element (`*` is the same as none).
    pub pattern: Option<&'a [u8]>,
    /// TYPE (SCAN only): the type name keys must have.
    pub type_filter: Option<&'a [u8]>,
}

/// Parses the options from argument `first` on, in pairs; TYPE only when `allow_type`.
pub fn parse_scan_options(
    args: Args<'_>,
    first: usize,
    allow_type: bool,
) -> Result<ScanOptions<'_>, CmdError> {
    let mut options = ScanOptions {
        count: 10,
        pattern: None,
        type_filter: None,
    };
    let mut i = first;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        let option = args.at(i);
        if args::is(option, "count") && has_value {
            options.count = u64::try_from(args::int(args.at(i + 1))?)
                .ok()
                .filter(|&n| n >= 1)
                .ok_or(CmdError::Syntax)?;
        } else if args::is(option, "match") && has_value {
            let p = args.at(i + 1);
            options.pattern = (p != b"*").then_some(p);
        } else if allow_type && args::is(option, "type") && has_value {
            options.type_filter = Some(args.at(i + 1));
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok(options)
}

/// The reply to a scan of a missing key: cursor 0 and nothing.
pub fn reply_nothing(reply: &mut ReplyBuf) {
    reply.array(2);
    reply.bulk(b"0");
    reply.array(0);
}
