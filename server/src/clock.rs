//! Wall-clock time for the server: unix milliseconds for expiry and stats, and local time
//! for log lines.
//!
//! Storage never reads the clock; the server reads it here and passes the time down.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in milliseconds.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix time in microseconds.
pub fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// The parts of a local date and time that log lines print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// Day of the month, 1-31.
    pub day: i32,
    /// Month, 0-11.
    pub month: i32,
    /// Full year.
    pub year: i32,
    /// Hour, 0-23.
    pub hour: i32,
    /// Minute, 0-59.
    pub minute: i32,
    /// Second, 0-60.
    pub second: i32,
}

/// `secs` since the epoch in the local time zone, via the C library (which knows TZ and
/// the zone files; Redis uses the same source).
#[allow(unsafe_code)]
pub fn local_time(secs: i64) -> LocalTime {
    let t: libc::time_t = secs;
    // SAFETY: `tm` is plain data that localtime_r fills completely on success; both
    // pointers are valid for the duration of the call and localtime_r is thread-safe.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return LocalTime {
            day: 1,
            month: 0,
            year: 1970,
            hour: 0,
            minute: 0,
            second: 0,
        };
    }
    LocalTime {
        day: tm.tm_mday,
        month: tm.tm_mon,
        year: tm.tm_year + 1900,
        hour: tm.tm_hour,
        minute: tm.tm_min,
        second: tm.tm_sec,
    }
}
