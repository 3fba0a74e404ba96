//! Process limits: enough file descriptors for the bench and (inherited at spawn) for the server child.

/// Raises RLIMIT_NOFILE to at least `want` (soft, and hard too when allowed). Returns the soft limit in force.
pub fn raise_nofile(want: u64) -> Result<u64, String> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit write/read only the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
    }
    // rlim_t is u64 on Linux, the only platform the bench runs on (it reads /proc).
    let want: libc::rlim_t = want;
    if lim.rlim_cur >= want {
        return Ok(lim.rlim_cur);
    }
    if lim.rlim_max < want {
        // Only a privileged process may raise the hard limit; try, and fall back to the hard limit.
        let raised = libc::rlimit { rlim_cur: want, rlim_max: want };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Ok(want);
        }
        lim.rlim_cur = lim.rlim_max;
    } else {
        lim.rlim_cur = want;
    }
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(format!("setrlimit: {}", std::io::Error::last_os_error()));
    }
    Ok(lim.rlim_cur)
}

/// Size of the ephemeral port range (each client socket to 127.0.0.1:P takes one port).
pub fn ephemeral_ports() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = text.split_whitespace().map(str::parse::<u64>);
    let (Some(Ok(lo)), Some(Ok(hi))) = (it.next(), it.next()) else { return None };
    Some(hi.saturating_sub(lo) + 1)
}

/// `nproc` and total memory, for the report header.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| l.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        })
        .unwrap_or(0);
    format!("{cores} cores, {:.1} GiB RAM", mem_kb as f64 / 1024.0 / 1024.0)
}

/// Pins the calling thread, and so every thread it starts later, to CPU `cpu`.
pub fn pin_to_cpu(cpu: usize) -> Result<(), String> {
    // Not available_parallelism(): it counts the CPUs this process may use, one after a parent pinned it.
    // SAFETY: sysconf has no preconditions.
    let online = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if cpu >= usize::try_from(online).unwrap_or(0) {
        return Err(format!("this machine has {online} CPUs online"));
    }
    // SAFETY: cpu_set_t is plain data; CPU_ZERO/CPU_SET write only the set we own (cpu < CPU_SETSIZE), and
    // sched_setaffinity reads it.
    let result = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if result != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// A tokio runtime of `workers` threads named `name`, for a server the bench runs in its own process: its CPU is then
/// read from those threads apart from the bench's ([`threads_cpu_secs`]).
pub fn named_runtime(name: &str, workers: usize) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build the {name} runtime: {e}"))
}

/// CPU seconds of this process's threads named `name`.
pub fn threads_cpu_secs(name: &str) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    let mut total = 0u64;
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the parenthesised command: state is field 3, utime 14 and stime 15.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        total += field(14) + field(15);
    }
    total as f64 / ticks
}
