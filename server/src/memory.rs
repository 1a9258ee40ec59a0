//! Process resource readings for INFO: the allocator's own statistics (jemalloc), resident
//! set size, system memory, and CPU time.
//!
//! used_memory is the sum of the sizes jemalloc hands out for the live allocations,
//! counted by the global allocator on every allocation and free (as Redis's zmalloc counts
//! them), so that maxmemory sees every byte at once and reading it costs one atomic load;
//! the other allocator figures come from jemalloc's own statistics. Deciding what to do
//! when the count passes maxmemory belongs to `evict.rs`.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes in live allocations, each counted as the size class jemalloc serves it from.
static USED: AtomicUsize = AtomicUsize::new(0);

/// The global allocator: jemalloc, counting what it hands out into [`used_memory`].
///
/// Each allocation counts as [`size_class`] of its requested size: what jemalloc's
/// usable-size query answers for the alignments Rust uses (the tests check it), computed
/// without a call into the allocator; alloc and free count the same figure, so the total
/// never drifts.
pub struct CountingJemalloc;

#[allow(unsafe_code)]
// SAFETY: every call is forwarded to jemalloc with the caller's arguments unchanged; the
// only addition is an atomic counter.
unsafe impl GlobalAlloc for CountingJemalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl's comment).
        let ptr = unsafe { tikv_jemallocator::Jemalloc.alloc(layout) };
        if !ptr.is_null() {
            USED.fetch_add(size_class(layout.size()), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let ptr = unsafe { tikv_jemallocator::Jemalloc.alloc_zeroed(layout) };
        if !ptr.is_null() {
            USED.fetch_add(size_class(layout.size()), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        USED.fetch_sub(size_class(layout.size()), Ordering::Relaxed);
        // SAFETY: forwarded as is.
        unsafe { tikv_jemallocator::Jemalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let new = unsafe { tikv_jemallocator::Jemalloc.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            USED.fetch_sub(size_class(layout.size()), Ordering::Relaxed);
            USED.fetch_add(size_class(new_size), Ordering::Relaxed);
        }
        new
    }
}

/// Bytes allocated by the process right now (INFO's used_memory, what maxmemory limits).
pub fn used_memory() -> u64 {
    USED.load(Ordering::Relaxed) as u64
}

/// Allocator statistics at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    /// Bytes allocated, per jemalloc's statistics (allocator_allocated).
    pub allocated: u64,
    /// Bytes in pages the allocator has active.
    pub active: u64,
    /// Bytes the allocator holds resident.
    pub resident: u64,
    /// Resident set size of the process.
    pub rss: u64,
}

impl Snapshot {
    /// Reads the allocator's statistics (refreshing its cached epoch first) and the RSS.
    pub fn take() -> Snapshot {
        use tikv_jemalloc_ctl::{epoch, stats};
        let _ = epoch::advance();
        let read = |r: Result<usize, tikv_jemalloc_ctl::Error>| r.map_or(0, |v| v as u64);
        Snapshot {
            allocated: read(stats::allocated::read()),
            active: read(stats::active::read()),
            resident: read(stats::resident::read()),
            rss: resident_set_size(),
        }
    }
}

/// The process's resident set size, from /proc/self/statm.
pub fn resident_set_size() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .unwrap_or(0);
    pages * page_size()
}

fn page_size() -> u64 {
    // The kernel's page size is 4 KiB on every platform these servers run on, and
    // /proc/self/smaps would cost more to read than the rounding matters.
    4096
}

/// Total physical memory, from /proc/meminfo.
pub fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:").and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
            })
        })
        .map_or(0, |kb| kb * 1024)
}

/// Whose CPU time to read.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    /// The whole process.
    Process,
    /// Waited-for children.
    Children,
    /// The calling thread (the thread that runs commands).
    Thread,
}

/// CPU time as INFO prints it: "seconds.micros".
#[derive(Clone, Debug, Default)]
pub struct CpuTime {
    /// System time.
    pub system: String,
    /// User time.
    pub user: String,
}

/// Reads CPU time with getrusage.
#[allow(unsafe_code)]
pub fn cpu_usage(who: Who) -> CpuTime {
    let which = match who {
        Who::Process => libc::RUSAGE_SELF,
        Who::Children => libc::RUSAGE_CHILDREN,
        Who::Thread => libc::RUSAGE_THREAD,
    };
    // SAFETY: rusage is plain data; getrusage fills it and the pointer is valid for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let rc = unsafe { libc::getrusage(which, &mut usage) };
    if rc != 0 {
        return CpuTime {
            system: "0.000000".into(),
            user: "0.000000".into(),
        };
    }
    let fmt = |tv: libc::timeval| format!("{}.{:06}", tv.tv_sec, tv.tv_usec);
    CpuTime {
        system: fmt(usage.ru_stime),
        user: fmt(usage.ru_utime),
    }
}

/// `a / b`, 0 when `b` is 0 (the ratios of INFO memory and MEMORY STATS).
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Above this, jemalloc's usable size is the request rounded up to whole pages.
const LARGE_FROM: usize = 32 * 1024;
/// jemalloc's page.
const PAGE: usize = 4096;

/// The usable size jemalloc reports for a request of `bytes`, as Redis counts it: its
/// size classes (8, multiples of 16 up to 128, then four classes per doubling) up to
/// 32 KB, whole pages above. Checked against jemalloc in the tests. Called on every
/// allocation: arithmetic only.
#[inline]
pub fn size_class(bytes: usize) -> usize {
    if bytes <= 8 {
        return 8;
    }
    if bytes <= 128 {
        return bytes.div_ceil(16) * 16;
    }
    if bytes > LARGE_FROM {
        return bytes.div_ceil(PAGE).saturating_mul(PAGE);
    }
    let group = usize::BITS - (bytes - 1).leading_zeros() - 1;
    let spacing = (1usize << group) / 4;
    bytes.div_ceil(spacing).saturating_mul(spacing)
}

/// jemalloc's own statistics report (MEMORY MALLOC-STATS).
pub fn allocator_stats_text() -> String {
    let mut out = Vec::new();
    let options = tikv_jemalloc_ctl::stats_print::Options::default();
    if tikv_jemalloc_ctl::stats_print::stats_print(&mut out, options).is_err() {
        return "Stats not supported for the current allocator".into();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Asks jemalloc to give the dirty pages of every arena back to the system (MEMORY
/// PURGE). Returns whether it could.
#[allow(unsafe_code)]
pub fn purge() -> bool {
    // "arena.<MALLCTL_ARENAS_ALL>.purge", MALLCTL_ARENAS_ALL being 4096.
    let name = b"arena.4096.purge\0";
    // SAFETY: the name is NUL-terminated; purge reads and writes nothing, so every other
    // argument is null, as that control requires.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    rc == 0
}

/// One database's share of the overhead (MEMORY STATS `db.<n>`).
#[derive(Clone, Copy, Debug, Default)]
pub struct DbOverhead {
    /// The database number.
    pub index: usize,
    /// Its keys.
    pub keys: u64,
    /// The key table: bucket array and one node per key.
    pub main: u64,
    /// The TTL table.
    pub expires: u64,
}

/// Bytes of one keyspace node (key inline, meta word, value, chain link).
const KEY_NODE_BYTES: u64 = 64;
/// Bytes of one TTL table node.
const TTL_NODE_BYTES: u64 = 48;

/// Where the memory goes, as INFO memory and MEMORY STATS report it (Redis's
/// getMemoryOverheadData): what the server needs besides the data is overhead, the rest
/// is the dataset.
#[derive(Clone, Debug, Default)]
pub struct MemoryReport {
    /// used_memory.
    pub used: u64,
    /// The peak of used_memory.
    pub peak: u64,
    /// used_memory after start-up.
    pub startup: u64,
    /// Normal clients' buffers.
    pub clients_normal: u64,
    /// Replicas' buffers.
    pub clients_replicas: u64,
    /// Per database (every database, empty ones included).
    pub dbs: Vec<DbOverhead>,
    /// Everything counted as overhead.
    pub overhead: u64,
    /// Keys in all databases.
    pub keys: u64,
    /// jemalloc's figures and the RSS.
    pub allocator: Snapshot,
}

impl MemoryReport {
    /// The report for the server as it is now.
    pub fn take(server: &crate::server::Server) -> MemoryReport {
        use crate::client::ClientKind;
        let used = used_memory();
        let startup = server.memory_startup.min(used);
        let mut clients_normal = 0u64;
        let mut clients_replicas = 0u64;
        for client in server.clients.iter() {
            let size = client.memory_usage() as u64;
            if client.kind == ClientKind::Replica {
                // Its share of the replication buffer is counted with the buffer.
                clients_replicas += size - client.stream_pending as u64;
            } else {
                clients_normal += size;
            }
        }
        let dbs: Vec<DbOverhead> = server
            .dbs
            .iter()
            .enumerate()
            .map(|(index, db)| {
                let keys = db.len() as u64;
                let volatile = db.expires_len() as u64;
                DbOverhead {
                    index,
                    keys,
                    main: db.keys_table().slots() as u64 * 8 + keys * KEY_NODE_BYTES,
                    expires: db.expires_table().slots() as u64 * 8 + volatile * TTL_NODE_BYTES,
                }
            })
            .collect();
        let overhead = startup
            + clients_normal
            + clients_replicas
            + dbs.iter().map(|d| d.main + d.expires).sum::<u64>();
        MemoryReport {
            used,
            peak: server.memory_peak.max(used),
            startup,
            clients_normal,
            clients_replicas,
            keys: dbs.iter().map(|d| d.keys).sum(),
            dbs,
            overhead,
            allocator: Snapshot::take(),
        }
    }

    /// used_memory_dataset: what is not overhead.
    pub fn dataset(&self) -> u64 {
        self.used.saturating_sub(self.overhead)
    }

    /// The dataset's share of what was allocated since start-up, in percent.
    pub fn dataset_perc(&self) -> f64 {
        let net = self.used.saturating_sub(self.startup);
        ratio(self.dataset(), net) * 100.0
    }

    /// used_memory as a percentage of the peak.
    pub fn peak_perc(&self) -> f64 {
        ratio(self.used, self.peak) * 100.0
    }

    /// Bytes per key above start-up (MEMORY STATS `keys.bytes-per-key`).
    pub fn bytes_per_key(&self) -> u64 {
        self.used
            .saturating_sub(self.startup)
            .checked_div(self.keys)
            .unwrap_or(0)
    }

    /// MEMORY DOCTOR: the problems the figures show, with advice, or a clean bill.
    pub fn doctor(&self) -> String {
        const SMALL: u64 = 5 * 1024 * 1024;
        if self.used < SMALL {
            return "This instance holds very little data, so there is nothing to diagnose yet. Come back once it holds some.\n".into();
        }
        let mut issues: Vec<String> = Vec::new();
        if self.peak_perc() < 50.0 {
            issues.push(format!(
                " * Peak memory: used memory was once {} bytes, more than twice what is used now; fragmentation figures may look worse than they are. MEMORY PURGE may give pages back.",
                self.peak
            ));
        }
        let frag = ratio(self.allocator.rss, self.used);
        if frag > 1.4 {
            issues.push(format!(
                " * High fragmentation: the process holds {frag:.2} times the memory it uses. MEMORY PURGE, or a restart, gives it back."
            ));
        }
        let clients = self.clients_normal + self.clients_replicas;
        if clients > 200 * 1024 * 1024 {
            issues.push(
                " * Big client buffers: clients use more than 200 MB; check for slow readers and for big replies (output buffer limits)."
                    .into(),
            );
        }
        if issues.is_empty() {
            return "No memory problem found: the instance looks healthy.\n".into();
        }
        let mut text = String::from("Memory problems found:\n\n");
        for issue in issues {
            text.push_str(&issue);
            text.push_str("\n\n");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn size_classes_are_jemallocs() {
        let sizes = (1..=4096).chain((4097..200_000).step_by(97)).chain([
            1 << 20,
            (1 << 20) + 1,
            3 << 20,
            10_000_000,
        ]);
        for size in sizes {
            let v: Vec<u8> = Vec::with_capacity(size);
            // SAFETY: the pointer is a live allocation of this vector.
            let usable = unsafe { tikv_jemallocator::usable_size(v.as_ptr()) };
            assert_eq!(size_class(size), usable, "size {size}");
        }
    }

    #[test]
    fn used_memory_follows_allocations() {
        let before = used_memory();
        let big: Vec<u8> = vec![1; 10_000_000];
        let during = used_memory();
        drop(big);
        // Other tests allocate meanwhile: only the big one is sure to show.
        assert!(during >= before + 9_000_000);
    }
}
