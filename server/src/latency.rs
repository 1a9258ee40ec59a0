//! Per-command latency histograms for INFO latencystats (`latency-tracking`).
//!
//! The same bucket layout as the HDR histogram Redis uses (values 1 ns to 1 s, two
//! significant figures: 256 sub-buckets per power of two, half of them shared with the
//! previous power), so the percentiles it reports fall on the same boundaries: a
//! percentile is the highest value equivalent to the bucket it lands in.

/// Values below this are recorded as it (Redis's LATENCY_HISTOGRAM_MIN_VALUE, 1 ns).
const MIN_VALUE: u64 = 1;
/// Values above this are recorded as it (LATENCY_HISTOGRAM_MAX_VALUE, 1 s in ns).
const MAX_VALUE: u64 = 1_000_000_000;
/// log2 of the sub-buckets per bucket, for two significant figures.
const SUB_BUCKET_MAGNITUDE: u32 = 8;
const SUB_BUCKET_HALF_MAGNITUDE: u32 = SUB_BUCKET_MAGNITUDE - 1;
const SUB_BUCKET_COUNT: u64 = 1 << SUB_BUCKET_MAGNITUDE;
const SUB_BUCKET_HALF_COUNT: u64 = 1 << SUB_BUCKET_HALF_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = SUB_BUCKET_COUNT - 1;
/// Powers of two needed to reach MAX_VALUE from SUB_BUCKET_COUNT (256 << 22 > 1e9).
const BUCKET_COUNT: u32 = 23;
const COUNTS_LEN: usize = ((BUCKET_COUNT as usize) + 1) * (SUB_BUCKET_HALF_COUNT as usize);

/// Latencies of one command, in nanoseconds.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; COUNTS_LEN].into_boxed_slice(),
            total: 0,
        }
    }
}

/// Which bucket (power of two) and sub-bucket a value falls in.
fn bucket_of(value: u64) -> (u32, u64) {
    let pow2_ceiling = 64 - (value | SUB_BUCKET_MASK).leading_zeros();
    let bucket = pow2_ceiling - (SUB_BUCKET_HALF_MAGNITUDE + 1);
    (bucket, value >> bucket)
}

fn counts_index(bucket: u32, sub_bucket: u64) -> usize {
    let index =
        ((u64::from(bucket) + 1) << SUB_BUCKET_HALF_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF_COUNT;
    usize::try_from(index).unwrap_or(usize::MAX)
}

/// The highest value that shares the bucket of counts index `index`.
fn highest_equivalent_at(index: usize) -> u64 {
    let index = index as u64;
    let mut bucket = i64::try_from(index >> SUB_BUCKET_HALF_MAGNITUDE).unwrap_or(0) - 1;
    let mut sub_bucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if bucket < 0 {
        sub_bucket -= SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    let bucket = u32::try_from(bucket).unwrap_or(0);
    let lowest = sub_bucket << bucket;
    // A sub-bucket index at the top of the range belongs to the next power's resolution.
    let width_bucket = if sub_bucket >= SUB_BUCKET_COUNT {
        bucket + 1
    } else {
        bucket
    };
    lowest + (1u64 << width_bucket) - 1
}

impl Histogram {
    /// Records one latency.
    pub fn record(&mut self, nanos: u64) {
        let value = nanos.clamp(MIN_VALUE, MAX_VALUE);
        let (bucket, sub_bucket) = bucket_of(value);
        if let Some(count) = self.counts.get_mut(counts_index(bucket, sub_bucket)) {
            *count += 1;
            self.total += 1;
        }
    }

    /// The latency (ns) at `percentile` (0-100), as HDR's `hdr_value_at_percentile`.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let wanted = ((percentile.clamp(0.0, 100.0) / 100.0) * self.total as f64 + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return highest_equivalent_at(index);
            }
        }
        0
    }
}

/// INFO's rendering of a percentile's name: `%f` with trailing zeros and dot trimmed
/// (50.0 -> "50", 99.9 -> "99.9").
pub fn percentile_name(p: f64) -> String {
    let text = format!("{p:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::default();
        for v in [1, 2, 3, 200, 255] {
            h.record(v);
        }
        assert_eq!(h.value_at_percentile(0.0), 1);
        assert_eq!(h.value_at_percentile(50.0), 3);
        assert_eq!(h.value_at_percentile(100.0), 255);
    }

    #[test]
    fn large_values_round_up_to_their_bucket() {
        let mut h = Histogram::default();
        h.record(1000);
        // 1000 ns lies in [512, 1024) whose unit is 4: its bucket ends at 1003.
        assert_eq!(h.value_at_percentile(50.0), 1003);
        let mut h = Histogram::default();
        h.record(50_000_000);
        let v = h.value_at_percentile(50.0);
        assert!((50_000_000..50_000_000 / 100 * 101).contains(&v), "{v}");
        h.record(u64::MAX);
        assert!(h.value_at_percentile(100.0) >= MAX_VALUE);
    }

    #[test]
    fn names() {
        assert_eq!(percentile_name(50.0), "50");
        assert_eq!(percentile_name(99.9), "99.9");
        assert_eq!(percentile_name(0.0), "0");
    }
}
