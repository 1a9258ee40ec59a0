//! `--lru-test <keys>`: a cache workload for eviction tuning. Cycles of one second send
//! pipelined SETs and GETs of keys drawn with an 80-20 power law from `keys` names, and
//! print gets per second with the hit and miss rates.

use std::time::{Duration, Instant};

use scarlet_protocol::Frame;

use crate::session::{Session, emit};

/// Commands per pipelined batch.
const BATCH: usize = 250;
/// Length of a reporting cycle.
const CYCLE: Duration = Duration::from_secs(1);

/// A small xorshift generator: the workload needs spread, not quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [0, 1].
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A key index in 1..=max, biased to low values (alpha 6.2 gives the 80-20 rule).
fn power_law(rng: &mut Rng, max: u64) -> u64 {
    const ALPHA: f64 = 6.2;
    let (min, max_f) = (1.0f64, (max + 1) as f64);
    let r = rng.unit();
    let pl = ((max_f.powf(ALPHA + 1.0) - min.powf(ALPHA + 1.0)) * r + min.powf(ALPHA + 1.0))
        .powf(1.0 / (ALPHA + 1.0));
    let picked = max_f - 1.0 - pl.floor() + min;
    (picked.max(1.0) as u64).min(max)
}

/// Runs the mode (until interrupted).
pub fn lru_test(session: &mut Session, keys: u64) -> ! {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        ^ u64::from(std::process::id());
    let mut rng = Rng(seed | 1);
    let keys = keys.max(1);
    let Some(conn) = session.conn.as_mut() else {
        std::process::exit(1);
    };
    loop {
        let started = Instant::now();
        let (mut hits, mut misses) = (0u64, 0u64);
        while started.elapsed() < CYCLE {
            let mut out = Vec::new();
            for _ in 0..BATCH {
                let key = format!("lru:{}", power_law(&mut rng, keys));
                let value: String = (0..5)
                    .map(|_| char::from(b'A' + (rng.next() % u64::from(b'z' - b'A')) as u8))
                    .collect();
                scarlet_protocol::encode_command(&mut out, &["SET", &key, &value]);
            }
            for _ in 0..BATCH {
                let key = format!("lru:{}", power_law(&mut rng, keys));
                scarlet_protocol::encode_command(&mut out, &["GET", &key]);
            }
            if conn.send_raw(&out).is_err() {
                eprintln!("I/O error during LRU test");
                std::process::exit(1);
            }
            for i in 0..BATCH * 2 {
                match conn.read_frame() {
                    Ok(Frame::Error(text)) => eprintln!("{}", String::from_utf8_lossy(&text)),
                    Ok(_) if i < BATCH => {}
                    Ok(Frame::Null) => misses += 1,
                    Ok(_) => hits += 1,
                    Err(_) => {
                        eprintln!("I/O error during LRU test");
                        std::process::exit(1);
                    }
                }
            }
        }
        let total = hits + misses;
        let share = |n: u64| n as f64 / total as f64 * 100.0;
        emit(
            format!(
                "{total} Gets/sec | Hits: {hits} ({:.2}%) | Misses: {misses} ({:.2}%)\n",
                share(hits),
                share(misses)
            )
            .as_bytes(),
        );
    }
}
