//! Access-time bookkeeping for eviction: Redis's 24-bit LRU clock and its LFU counter.
//!
//! It owns the meaning of the 24-bit field every key carries (Redis's `robj->lru`):
//! under an LRU policy the field is the LRU clock (seconds, wrapping at 2^24) of the
//! last access; under an LFU policy it is the last decrement time in minutes (16 bits)
//! above an 8-bit logarithmic access counter. It deliberately reads no clock and draws
//! no random numbers: time and randomness are the caller's parameters. Choosing which
//! policy applies, and the eviction pool, belong to the server.

use crate::Millis;

/// The largest LRU clock value; the clock wraps to 0 after it (LRU_CLOCK_MAX).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
/// Milliseconds per LRU clock tick (LRU_CLOCK_RESOLUTION).
pub const LRU_CLOCK_RESOLUTION_MS: u64 = 1000;
/// The counter a new key starts with under LFU, so it is not evicted at once (LFU_INIT_VAL).
pub const LFU_INIT_VAL: u8 = 5;
/// The bits of the meta field that hold the LRU/LFU data.
pub const META_MASK: u32 = LRU_CLOCK_MAX;

/// How a lookup or a write records the access of a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Access {
    /// Leave the access data alone (OBJECT, TYPE, DEBUG, or while a snapshot runs).
    NoTouch,
    /// LRU policies: the key was accessed at this LRU clock (see [`lru_clock`]).
    Lru {
        /// The current LRU clock.
        clock: u32,
    },
    /// LFU policies: bump the logarithmic counter.
    Lfu(LfuParams),
}

/// What an LFU access needs: the time, the configuration and one random draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LfuParams {
    /// The current time in minutes, modulo 2^16 (see [`lfu_minutes`]).
    pub minutes: u16,
    /// `lfu-log-factor`.
    pub log_factor: u32,
    /// `lfu-decay-time`, in minutes; 0 disables decay.
    pub decay_time: u32,
    /// A random number in `0.0..=1.0`, as `rand()/RAND_MAX` in Redis.
    pub random: f64,
}

/// The LRU clock at `now`: seconds since the epoch, modulo 2^24.
pub fn lru_clock(now: Millis) -> u32 {
    let seconds = now.div_euclid(1000);
    // Masking an i64 to 24 bits keeps the value non-negative and in range.
    u32::try_from(seconds & i64::from(LRU_CLOCK_MAX)).unwrap_or(0)
}

/// The LFU time at `now`: minutes since the epoch, modulo 2^16.
pub fn lfu_minutes(now: Millis) -> u16 {
    let minutes = now.div_euclid(60_000);
    u16::try_from(minutes & 0xffff).unwrap_or(0)
}

/// How long ago, in milliseconds, a key with this LRU field was accessed, given the
/// current LRU clock; the clock may have wrapped once since (estimateObjectIdleTime).
pub fn idle_ms(meta: u32, clock: u32) -> u64 {
    let lru = u64::from(meta & META_MASK);
    let clock = u64::from(clock & LRU_CLOCK_MAX);
    let ticks = if clock >= lru {
        clock - lru
    } else {
        // Redis measures the wrapped distance against LRU_CLOCK_MAX, not 2^24, so the
        // result is one tick short; kept for identical OBJECT IDLETIME replies.
        clock + (u64::from(LRU_CLOCK_MAX) - lru)
    };
    ticks * LRU_CLOCK_RESOLUTION_MS
}

/// Minutes elapsed since the LFU time `then`, allowing one wrap of the 16-bit clock.
fn lfu_elapsed(then: u16, now: u16) -> u32 {
    if now >= then {
        u32::from(now - then)
    } else {
        // Redis measures the wrap against 65535, one short of 2^16; kept for fidelity.
        65535 - u32::from(then) + u32::from(now)
    }
}

/// The LFU counter of a key with this field after decay: one point lost per
/// `decay_time` minutes elapsed since the field's time (LFUDecrAndReturn). This is
/// what OBJECT FREQ reports.
pub fn lfu_frequency(meta: u32, minutes: u16, decay_time: u32) -> u8 {
    let then = u16::try_from((meta >> 8) & 0xffff).unwrap_or(0);
    let counter = u8::try_from(meta & 0xff).unwrap_or(0);
    let periods = lfu_elapsed(then, minutes)
        .checked_div(decay_time)
        .unwrap_or(0);
    let periods = u8::try_from(periods).unwrap_or(u8::MAX);
    counter.saturating_sub(periods)
}

/// Increments an LFU counter with probability 1 / ((counter - LFU_INIT_VAL) *
/// log_factor + 1), so counts grow logarithmically (LFULogIncr). `random` is a draw in
/// `0.0..=1.0`.
pub fn lfu_log_incr(counter: u8, log_factor: u32, random: f64) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if random < p { counter + 1 } else { counter }
}

/// The field a newly created value gets: the clock under LRU; under LFU the current
/// minutes above LFU_INIT_VAL; 0 when the caller records no access.
pub fn initial_meta(access: &Access) -> u32 {
    match access {
        Access::NoTouch => 0,
        Access::Lru { clock } => clock & LRU_CLOCK_MAX,
        Access::Lfu(params) => (u32::from(params.minutes) << 8) | u32::from(LFU_INIT_VAL),
    }
}

/// The field after an access of a key whose field is `meta` (Redis's lookupKey):
/// under LRU it becomes the clock; under LFU the counter decays, then is bumped, and
/// the time becomes now (updateLFU). Bits above the 24-bit field are returned as they
/// were.
pub fn touch(meta: u32, access: &Access) -> u32 {
    let flags = meta & !META_MASK;
    let field = match access {
        Access::NoTouch => return meta,
        Access::Lru { clock } => clock & LRU_CLOCK_MAX,
        Access::Lfu(params) => {
            let counter = lfu_frequency(meta, params.minutes, params.decay_time);
            let counter = lfu_log_incr(counter, params.log_factor, params.random);
            (u32::from(params.minutes) << 8) | u32::from(counter)
        }
    };
    flags | field
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_clock_is_seconds_modulo_2_24() {
        assert_eq!(lru_clock(0), 0);
        assert_eq!(lru_clock(1_999), 1);
        assert_eq!(
            lru_clock(1_700_000_000_000),
            (1_700_000_000u64 % (1 << 24)) as u32
        );
        assert!(lru_clock(-1) <= LRU_CLOCK_MAX);
        assert!(lru_clock(i64::MIN) <= LRU_CLOCK_MAX);
    }

    #[test]
    fn idle_time_handles_the_wrap_like_redis() {
        assert_eq!(idle_ms(100, 160), 60_000);
        assert_eq!(idle_ms(160, 160), 0);
        assert_eq!(idle_ms(LRU_CLOCK_MAX - 1, 1), 2_000);
    }

    #[test]
    fn lfu_counter_decays_per_period() {
        let meta = (100u32 << 8) | 20;
        assert_eq!(lfu_frequency(meta, 100, 1), 20);
        assert_eq!(lfu_frequency(meta, 105, 1), 15);
        assert_eq!(lfu_frequency(meta, 105, 2), 18);
        assert_eq!(lfu_frequency(meta, 200, 1), 0);
        assert_eq!(
            lfu_frequency(meta, 200, 0),
            20,
            "decay time 0 disables decay"
        );
        // Wrapped clock: from 65530 to 4 is 65535 - 65530 + 4 = 9 minutes in Redis.
        let meta = (65530u32 << 8) | 20;
        assert_eq!(lfu_frequency(meta, 4, 1), 11);
    }

    #[test]
    fn lfu_log_incr_is_probabilistic_above_the_initial_value() {
        assert_eq!(lfu_log_incr(255, 10, 0.0), 255);
        assert_eq!(lfu_log_incr(5, 10, 0.99), 6, "p = 1 at the initial value");
        assert_eq!(lfu_log_incr(15, 10, 0.5), 15, "p = 1/101");
        assert_eq!(lfu_log_incr(15, 10, 0.001), 16);
    }

    #[test]
    fn initial_and_touch() {
        let lfu = Access::Lfu(LfuParams {
            minutes: 7,
            log_factor: 10,
            decay_time: 1,
            random: 0.0,
        });
        assert_eq!(initial_meta(&lfu), (7 << 8) | 5);
        assert_eq!(initial_meta(&Access::Lru { clock: 42 }), 42);
        assert_eq!(
            touch((7 << 8) | 5 | (1 << 31), &lfu),
            (7 << 8) | 6 | (1 << 31)
        );
        assert_eq!(
            touch(3 | (1 << 31), &Access::Lru { clock: 9 }),
            9 | (1 << 31)
        );
        assert_eq!(touch(3, &Access::NoTouch), 3);
    }
}
