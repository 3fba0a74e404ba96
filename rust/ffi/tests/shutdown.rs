//! Process teardown: `shutdown` destroys every engine and stops the runtime's threads (its own process, since the
//! runtime is process-wide).

use std::time::{Duration, Instant};

/// The threads of this process whose name starts with `prefix`.
fn threads_named(prefix: &str) -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

/// The runtime's worker threads.
fn runtime_threads() -> usize {
    threads_named(azstack_ffi::THREAD_NAME)
}

#[test]
fn shutdown_stops_every_engine_and_thread() {
    if !std::path::Path::new("/proc/self/task").exists() {
        return; // not Linux
    }
    assert_eq!(runtime_threads(), 0);
    azstack_ffi::init().unwrap();
    let a = azstack_ffi::create("{}").unwrap();
    let _b = azstack_ffi::create("{}").unwrap();
    assert_eq!(azstack_ffi::live_engines(), 2);

    // Workers start lazily, and a thread names itself once it runs; wait (bounded) until they exist.
    let calls_thread = || threads_named(azstack_ffi::CALLS_THREAD_NAME);
    let deadline = Instant::now() + Duration::from_secs(10);
    while (runtime_threads() < 2 || calls_thread() < 1) && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert!(runtime_threads() >= 2);
    assert_eq!(calls_thread(), 1, "one calls' thread");

    assert!(azstack_ffi::destroy(a));
    assert!(azstack_ffi::shutdown(5_000), "every shutdown finished in time");
    assert_eq!(azstack_ffi::live_engines(), 0);
    assert_eq!(runtime_threads(), 0, "shutdown joined the runtime's threads");
    assert_eq!(calls_thread(), 0, "shutdown joined the calls' thread");

    // The bridge starts afresh.
    let c = azstack_ffi::create("{}").unwrap();
    assert!(azstack_ffi::destroy(c));
    assert!(azstack_ffi::shutdown(5_000));
}
