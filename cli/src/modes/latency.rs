//! The latency modes: --latency and --latency-history (PING round trips in milliseconds),
//! --latency-dist (a colour spectrum of round trips per interval) and --intrinsic-latency
//! (how long this machine stalls a busy loop, no server involved).

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::options::Output;
use crate::session::{Session, emit};

/// Pause between PINGs.
const SAMPLE_PAUSE: Duration = Duration::from_millis(10);

fn ping(session: &mut Session) {
    session.reconnecting_command(&["PING"]);
}

fn line(output: Output, min: u64, max: u64, avg: f64, count: u64) -> String {
    match output {
        Output::Standard => format!("min: {min}, max: {max}, avg: {avg:.2} ({count} samples)"),
        Output::Csv => format!("{min},{max},{avg:.2},{count}\n"),
        Output::Raw => format!("{min} {max} {avg:.2} {count}\n"),
        Output::Json | Output::QuotedJson => {
            format!("{{\"min\": {min}, \"max\": {max}, \"avg\": {avg:.2}, \"count\": {count}}}\n")
        }
    }
}

/// `--latency` / `--latency-history`.
pub fn latency(session: &mut Session) -> ! {
    let history = session.config.latency_history;
    let output = session.config.output;
    let history_interval_ms = match session.config.interval_us {
        0 => 15_000,
        us => us / 1000,
    };
    let once_after_ms = match session.config.interval_us {
        0 => 1000,
        us => us / 1000,
    };
    let (mut min, mut max, mut total, mut count) = (0u64, 0u64, 0u64, 0u64);
    let mut history_start = Instant::now();
    loop {
        let start = Instant::now();
        ping(session);
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        count += 1;
        if count == 1 {
            (min, max, total) = (ms, ms, ms);
        } else {
            min = min.min(ms);
            max = max.max(ms);
            total = total.saturating_add(ms);
        }
        let avg = total as f64 / count as f64;
        let elapsed_ms = u64::try_from(history_start.elapsed().as_millis()).unwrap_or(u64::MAX);
        if output == Output::Standard {
            emit(format!("\x1b[0G\x1b[2K{}", line(output, min, max, avg, count)).as_bytes());
        } else if history {
            emit(line(output, min, max, avg, count).as_bytes());
        } else if elapsed_ms > once_after_ms {
            emit(line(output, min, max, avg, count).as_bytes());
            std::process::exit(0);
        }
        if history && elapsed_ms > history_interval_ms {
            emit(format!(" -- {:.2} seconds range\n", elapsed_ms as f64 / 1000.0).as_bytes());
            history_start = Instant::now();
            (min, max, total, count) = (0, 0, 0, 0);
        }
        std::thread::sleep(SAMPLE_PAUSE);
    }
}

/// Bucket upper bounds in microseconds and their characters; the last catches the rest.
const BUCKETS: [(u64, u8); 31] = [
    (10, b'.'),
    (125, b'-'),
    (250, b'*'),
    (500, b'#'),
    (1000, b'1'),
    (2000, b'2'),
    (3000, b'3'),
    (4000, b'4'),
    (5000, b'5'),
    (6000, b'6'),
    (7000, b'7'),
    (8000, b'8'),
    (9000, b'9'),
    (10000, b'A'),
    (20000, b'B'),
    (30000, b'C'),
    (40000, b'D'),
    (50000, b'E'),
    (100_000, b'F'),
    (200_000, b'G'),
    (300_000, b'H'),
    (400_000, b'I'),
    (500_000, b'J'),
    (1_000_000, b'K'),
    (2_000_000, b'L'),
    (4_000_000, b'M'),
    (8_000_000, b'N'),
    (16_000_000, b'O'),
    (30_000_000, b'P'),
    (60_000_000, b'Q'),
    (u64::MAX, b'?'),
];

/// xterm-256 colours from empty to full.
const PALETTE: [u8; 19] = [
    0, 233, 234, 235, 237, 239, 241, 243, 245, 247, 144, 143, 142, 184, 226, 214, 208, 202, 196,
];

fn legend() -> String {
    let mut out = String::from("---------------------------------------------\n");
    out.push_str(". - * #          .01 .125 .25 .5 milliseconds\n");
    out.push_str("1,2,3,...,9      from 1 to 9     milliseconds\n");
    out.push_str("A,B,C,D,E        10,20,30,40,50  milliseconds\n");
    out.push_str("F,G,H,I,J        .1,.2,.3,.4,.5       seconds\n");
    out.push_str("K,L,M,N,O,P,Q,?  1,2,4,8,16,30,60,>60 seconds\n");
    out.push_str("From 0 to 100%: ");
    for color in PALETTE {
        out.push_str(&format!("\x1b[48;5;{color}m "));
    }
    out.push_str("\x1b[0m\n---------------------------------------------\n");
    out
}

/// `--latency-dist`.
pub fn latency_dist(session: &mut Session) -> ! {
    let interval_ms = match session.config.interval_us {
        0 => 1000,
        us => us / 1000,
    };
    let mut counts = [0u64; BUCKETS.len()];
    let mut total = 0u64;
    let mut outputs = 0u64;
    let mut history_start = Instant::now();
    loop {
        let start = Instant::now();
        ping(session);
        let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        total += 1;
        let bucket = BUCKETS
            .iter()
            .position(|&(max, _)| us <= max)
            .unwrap_or(BUCKETS.len() - 1);
        if let Some(count) = counts.get_mut(bucket) {
            *count += 1;
        }
        if u64::try_from(history_start.elapsed().as_millis()).unwrap_or(u64::MAX) > interval_ms {
            let mut out = String::new();
            if outputs.is_multiple_of(20) {
                out.push_str(&legend());
            }
            outputs += 1;
            out.push_str("\x1b[38;5;0m");
            for (count, &(_, symbol)) in counts.iter_mut().zip(&BUCKETS) {
                let share = *count as f64 / total as f64 * (PALETTE.len() - 1) as f64;
                let index = (share.ceil() as usize).min(PALETTE.len() - 1);
                let color = PALETTE.get(index).copied().unwrap_or(0);
                out.push_str(&format!("\x1b[48;5;{color}m{}", char::from(symbol)));
                *count = 0;
            }
            out.push_str("\x1b[0m\n");
            emit(out.as_bytes());
            history_start = Instant::now();
            total = 0;
        }
        std::thread::sleep(SAMPLE_PAUSE);
    }
}

/// A little work whose duration should be stable (an integer hash over a small buffer).
fn something_fast() -> u64 {
    let mut state = [0u8; 256];
    let mut hash = 0u64;
    for (i, byte) in state.iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(31);
    }
    for _ in 0..100 {
        for &byte in &state {
            hash = hash.wrapping_mul(33).wrapping_add(u64::from(byte));
        }
    }
    black_box(hash)
}

/// `--intrinsic-latency <seconds>`.
pub fn intrinsic(seconds: i64) -> ! {
    crate::signals::install(crate::signals::OnInterrupt::StopLoop);
    let run_us = u64::try_from(seconds)
        .unwrap_or(0)
        .saturating_mul(1_000_000);
    let test_start = Instant::now();
    let (mut max_latency, mut runs) = (0u64, 0u64);
    loop {
        let start = Instant::now();
        black_box(something_fast());
        let latency = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        runs += 1;
        if latency == 0 {
            continue;
        }
        if latency > max_latency {
            max_latency = latency;
            emit(format!("Max latency so far: {max_latency} microseconds.\n").as_bytes());
        }
        let avg_us = run_us as f64 / runs as f64;
        let cancelled = crate::signals::CANCEL.load(std::sync::atomic::Ordering::SeqCst);
        if cancelled || test_start.elapsed().as_micros() > u128::from(run_us) {
            emit(
                format!(
                    "\n{runs} total runs (avg latency: {avg_us:.4} microseconds / {:.2} nanoseconds per run).\nWorst run took {:.0}x longer than the average latency.\n",
                    avg_us * 1e3,
                    max_latency as f64 / avg_us
                )
                .as_bytes(),
            );
            std::process::exit(0);
        }
    }
}
