//! The only place the crate calls C: the `long double` and `strtod` helper in `csrc/`.
//!
//! It owns the `extern` declarations and one safe wrapper per C function, each of
//! which hands C only buffers it owns with their exact lengths. It deliberately holds
//! no number rules of its own; `number.rs` decides what the results mean.

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int};

/// Redis refuses long double strings of this many bytes or more (MAX_LONG_DOUBLE_CHARS).
pub(crate) const LONG_DOUBLE_MAX_CHARS: usize = 5 * 1024;

/// Inputs up to this length are NUL-terminated in a stack buffer rather than a Vec.
const SHORT_INPUT: usize = 64;

const OK: c_int = 0;
const BAD_CURRENT: c_int = 1;
const BAD_DELTA: c_int = 2;
const NAN_OR_INF: c_int = 3;

unsafe extern "C" {
    fn scarlet_long_double_is_valid(s: *const c_char, len: usize) -> c_int;
    fn scarlet_parse_double(s: *const c_char, len: usize, out: *mut f64) -> c_int;
    fn scarlet_format_double(value: f64, out: *mut c_char, out_cap: usize) -> usize;
    fn scarlet_strtod_prefix(s: *const c_char, out: *mut f64) -> usize;
    fn scarlet_long_double_incr(
        current: *const c_char,
        current_len: usize,
        has_current: c_int,
        delta: *const c_char,
        delta_len: usize,
        out: *mut c_char,
        out_cap: usize,
        out_len: *mut usize,
    ) -> c_int;
}

/// How a long double increment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncrFailure {
    /// The current value is not a valid long double.
    BadCurrent,
    /// The increment is not a valid long double.
    BadDelta,
    /// The sum is NaN or infinite.
    NanOrInfinity,
}

/// True when `s` parses as a long double under Redis's `string2ld` rules.
pub(crate) fn long_double_is_valid(s: &[u8]) -> bool {
    // SAFETY: the pointer and length describe `s`, which outlives the call; the C side
    // copies at most `len` bytes into its own buffer after checking `len` against it.
    unsafe { scarlet_long_double_is_valid(s.as_ptr().cast(), s.len()) != 0 }
}

/// Parses `s` with `strtod` under Redis's `string2d` rules.
pub(crate) fn parse_double(s: &[u8]) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    // strtod needs a terminated string; the copy also keeps C from reading the caller's
    // bytes past `s`.
    let mut stack = [0u8; SHORT_INPUT + 1];
    let mut heap = Vec::new();
    let terminated: &[u8] = match stack.get_mut(..s.len()) {
        Some(prefix) if s.len() <= SHORT_INPUT => {
            prefix.copy_from_slice(s);
            &stack
        }
        _ => {
            heap.reserve_exact(s.len() + 1);
            heap.extend_from_slice(s);
            heap.push(0);
            &heap
        }
    };
    let mut value = 0.0f64;
    // SAFETY: `terminated` holds `s` followed by at least one NUL byte and lives for the
    // whole call, so strtod stops inside it; `value` is a valid place for one f64.
    let ok = unsafe { scarlet_parse_double(terminated.as_ptr().cast(), s.len(), &mut value) };
    (ok != 0).then_some(value)
}

/// Runs C's `strtod` on `s` read as a C string (up to its first NUL byte); the value
/// when the conversion consumed all of that string, with no other check.
pub(crate) fn strtod_c_string(s: &[u8]) -> Option<f64> {
    let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
    let s = s.get(..end).unwrap_or_default();
    let mut stack = [0u8; SHORT_INPUT + 1];
    let mut heap = Vec::new();
    let terminated: &[u8] = match stack.get_mut(..s.len()) {
        Some(prefix) if s.len() <= SHORT_INPUT => {
            prefix.copy_from_slice(s);
            &stack
        }
        _ => {
            heap.reserve_exact(s.len() + 1);
            heap.extend_from_slice(s);
            heap.push(0);
            &heap
        }
    };
    let mut value = 0.0f64;
    // SAFETY: `terminated` holds `s` (which has no NUL) followed by a NUL byte and lives
    // for the whole call, so strtod stops inside it; `value` is a valid place for an f64.
    let used = unsafe { scarlet_strtod_prefix(terminated.as_ptr().cast(), &mut value) };
    (used == s.len()).then_some(value)
}

/// Formats a finite double with C's `%.17g` into `out`; returns the written prefix
/// (empty if `out` were too small, which 32 bytes never is).
pub(crate) fn format_double(value: f64, out: &mut [u8; 32]) -> &[u8] {
    // SAFETY: `out` is a live, writable buffer of exactly `out.len()` bytes, and the C
    // side writes at most that many (snprintf's bound) and returns the length written.
    let len = unsafe { scarlet_format_double(value, out.as_mut_ptr().cast(), out.len()) };
    out.get(..len).unwrap_or_default()
}

/// Adds `delta` to `current` (absent means zero) in C `long double` and returns the
/// sum formatted as Redis's `ld2string` human mode.
pub(crate) fn long_double_incr(
    current: Option<&[u8]>,
    delta: &[u8],
) -> Result<Vec<u8>, IncrFailure> {
    let mut out = [0u8; LONG_DOUBLE_MAX_CHARS];
    let mut out_len = 0usize;
    let (current_ptr, current_len, has_current) = match current {
        Some(bytes) => (bytes.as_ptr(), bytes.len(), 1),
        None => (std::ptr::null(), 0, 0),
    };
    // SAFETY: every pointer/length pair describes a live buffer owned by this frame or
    // borrowed from the caller for the duration of the call (the current pointer is
    // null only together with has_current == 0, which the C side checks first); the C
    // side writes at most `out.len()` bytes to `out` and one usize to `out_len`.
    let code = unsafe {
        scarlet_long_double_incr(
            current_ptr.cast(),
            current_len,
            has_current,
            delta.as_ptr().cast(),
            delta.len(),
            out.as_mut_ptr().cast(),
            out.len(),
            &mut out_len,
        )
    };
    match code {
        OK => Ok(out.get(..out_len).map(<[u8]>::to_vec).unwrap_or_default()),
        BAD_CURRENT => Err(IncrFailure::BadCurrent),
        BAD_DELTA => Err(IncrFailure::BadDelta),
        NAN_OR_INF => Err(IncrFailure::NanOrInfinity),
        // No finite long double needs 5 KB in fixed notation; were it ever to happen,
        // Redis would store an empty string, and so do we.
        _ => Ok(Vec::new()),
    }
}
