//! What SCRIPT DEBUG YES needs from the system, as Redis does it: fork the server so that
//! the child runs the debugging session on a copy of the dataset (its writes are lost
//! with it) while the parent keeps serving, the child's direct blocking I/O on the
//! client's socket (it has no runtime), its exit, and the parent's reaping of it.
//!
//! This is the only unsafe code of the debugger. The child is a copy of a multi-threaded
//! process with only the script thread left: it runs the script (which holds the server
//! lock it inherited), talks to the socket with poll/read/write, and leaves with `_exit`
//! without running destructors or flushing anything of the parent's.
#![allow(unsafe_code)]

use std::os::raw::c_void;

/// The outcome of [`fork`].
pub enum Forked {
    /// This is the child.
    Child,
    /// This is the parent; the child's pid.
    Parent(i32),
    /// No child: why.
    Failed(String),
}

/// Forks the process.
pub fn fork() -> Forked {
    // SAFETY: fork has no preconditions; the child only uses the memory it copied, the
    // calling thread and its own file descriptors (see the module comment).
    let pid = unsafe { libc::fork() };
    match pid {
        0 => Forked::Child,
        p if p > 0 => Forked::Parent(p),
        _ => Forked::Failed(std::io::Error::last_os_error().to_string()),
    }
}

/// Waits for the child on a thread of its own, so it never lingers as a zombie.
pub fn reap(pid: i32) {
    let _ = std::thread::Builder::new()
        .name("ldb-reaper".to_string())
        .spawn(move || {
            let mut status = 0;
            // SAFETY: waitpid writes only `status`, which lives for the call.
            unsafe { libc::waitpid(pid, &mut status, 0) };
        });
}

/// Ends the child at once (no destructors, nothing of the parent's flushed).
pub fn exit_child() -> ! {
    // SAFETY: _exit ends the process; it has no preconditions.
    unsafe { libc::_exit(0) }
}

/// The client's socket in the child: blocking reads and writes on its descriptor (which
/// stays non-blocking, as the parent left it; poll waits instead).
#[derive(Debug, Clone, Copy)]
pub struct FdIo {
    fd: i32,
}

/// How long a write may wait for the client to read (Redis's send timeout in a session).
const WRITE_TIMEOUT_MS: i32 = 5000;

impl FdIo {
    /// The socket `fd`.
    pub fn new(fd: i32) -> FdIo {
        FdIo { fd }
    }

    fn wait(&self, events: i16, timeout_ms: i32) -> bool {
        let mut poll = libc::pollfd {
            fd: self.fd,
            events,
            revents: 0,
        };
        loop {
            // SAFETY: `poll` is one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut poll, 1, timeout_ms) };
            if ready > 0 {
                return true;
            }
            if ready == 0 {
                return false;
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return false;
            }
        }
    }

    /// Up to 1 KiB of what the client sends next; `None` once it closed.
    pub fn read(&self) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 1024];
        loop {
            if !self.wait(libc::POLLIN, -1) {
                return None;
            }
            // SAFETY: `buf` has `buf.len()` writable bytes.
            let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast::<c_void>(), buf.len()) };
            match n {
                n if n > 0 => {
                    buf.truncate(usize::try_from(n).unwrap_or(0));
                    return Some(buf);
                }
                0 => return None,
                _ => {
                    let kind = std::io::Error::last_os_error().kind();
                    if kind != std::io::ErrorKind::WouldBlock
                        && kind != std::io::ErrorKind::Interrupted
                    {
                        return None;
                    }
                }
            }
        }
    }

    /// Writes all of `bytes`, or gives up when the client stops reading or is gone.
    pub fn write(&self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if !self.wait(libc::POLLOUT, WRITE_TIMEOUT_MS) {
                return;
            }
            // SAFETY: `bytes` is readable for its length.
            let n = unsafe { libc::write(self.fd, bytes.as_ptr().cast::<c_void>(), bytes.len()) };
            match usize::try_from(n) {
                Ok(written) if written > 0 => bytes = bytes.get(written..).unwrap_or_default(),
                _ => {
                    let kind = std::io::Error::last_os_error().kind();
                    if kind != std::io::ErrorKind::WouldBlock
                        && kind != std::io::ErrorKind::Interrupted
                    {
                        return;
                    }
                }
            }
        }
    }
}
