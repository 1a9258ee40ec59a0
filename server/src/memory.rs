//! Process resource readings for INFO: the allocator's own statistics (jemalloc), resident
//! set size, system memory, and CPU time.
//!
//! used_memory is what jemalloc says is allocated, not an estimate, so that memory
//! accounting (and later maxmemory) is exact.

/// Allocator statistics at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    /// Bytes allocated by the program (used_memory).
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
