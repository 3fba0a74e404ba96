//! The process's open-file limit: raised to the hard limit at start, and how many descriptors are in use then.
//!
//! The common default soft limit of 1,024 is far below what a chat server holds; the hard limit (often 524,288 or
//! more under systemd) is what an administrator allows. The figure returned bounds the connections the admission
//! lets in before it sheds unauthenticated ones ([`crate::admission`]).

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit now in force (`None`: unknown).
#[cfg(unix)]
pub fn raise() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own; setrlimit reads it.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    #[allow(clippy::useless_conversion)] // rlim_t is u64 on Linux, not everywhere
    u64::try_from(limit.rlim_cur).ok()
}

#[cfg(not(unix))]
pub fn raise() -> Option<u64> {
    None
}

/// Descriptors open now (Linux: `/proc/self/fd`); `None` elsewhere.
pub fn in_use() -> Option<usize> {
    std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count())
}
