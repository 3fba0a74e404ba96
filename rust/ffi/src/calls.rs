//! The calls' thread: how an API call gets from the JS thread to the engine and its result back.
//!
//! The JS thread only queues a call ([`Calls::queue`]) and, once per turn of its event loop, wakes this thread
//! ([`Calls::flush`]; cpp/NativeAZStack.cpp does it from a microtask). The thread (`azstack-calls`) takes every queued
//! call, parses its options, starts the engine method and polls all calls in flight in one
//! [`FuturesUnordered`], inside the engines' tokio runtime context (so their timers, sockets and spawned tasks live
//! on that runtime as before); each call's continuation runs on this thread when it completes.
//!
//! Why not `Runtime::spawn` per call, as before: a task spawned from outside the runtime wakes a parked worker through
//! the I/O driver (an `eventfd` write), and that worker, leaving its searching state, wakes the other one — two thread
//! wake-ups and two parks per call, most of the time of a local call's round trip (bench/RESULTS.md). Here a call costs
//! one wake-up of a thread that is parked with `std::thread::park` (none at all while it is busy), and a burst of
//! calls issued in one turn costs one.
//!
//! Dropping a call without completing it (at [`Calls::stop`], with calls still in flight) drops its continuation; the
//! C++ completion settles the Promise from its destructor.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{JoinHandle, Thread};

use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::{FutureExt, future::BoxFuture};
use tokio::runtime::Handle;

/// The name of the calls' thread.
pub const THREAD_NAME: &str = "azstack-calls";

/// A queued call: started on the calls' thread, where it is polled to completion.
pub type Job = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// The calls' thread and its queue.
pub struct Calls {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    queue: Mutex<Vec<Job>>,
    stop: AtomicBool,
    /// The calls' thread, to unpark (set before the thread runs).
    thread: std::sync::OnceLock<Thread>,
}

impl Shared {
    fn unpark(&self) {
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }
}

/// Wakes the calls' thread: a call in flight can make progress.
struct ThreadWaker(Arc<Shared>);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl Calls {
    /// Starts the calls' thread inside `runtime`'s context.
    pub fn start(runtime: Handle) -> std::io::Result<Calls> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            thread: std::sync::OnceLock::new(),
        });
        let thread = std::thread::Builder::new().name(THREAD_NAME.to_owned()).spawn({
            let shared = Arc::clone(&shared);
            move || {
                let _entered = runtime.enter();
                run(&shared);
            }
        })?;
        let _ = shared.thread.set(thread.thread().clone());
        Ok(Calls { shared, thread: Some(thread) })
    }

    /// Queues a call (any thread). It starts once [`Calls::flush`] has run (or the thread is awake anyway).
    pub fn queue(&self, job: Job) {
        self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner).push(job);
    }

    /// Wakes the calls' thread if it sleeps: cheap (no system call) when it is awake.
    pub fn flush(&self) {
        self.shared.unpark();
    }

    /// Stops the thread: calls still queued or in flight are dropped. Must not be called from the calls' thread.
    pub fn stop(mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.unpark();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's loop: start what was queued, poll what was woken, sleep until more of either.
fn run(shared: &Arc<Shared>) {
    let waker = Waker::from(Arc::new(ThreadWaker(Arc::clone(shared))));
    let mut cx = Context::from_waker(&waker);
    let mut in_flight: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
    let mut queued = Vec::new();
    loop {
        if shared.stop.load(Ordering::Acquire) {
            break;
        }
        std::mem::swap(&mut queued, &mut *shared.queue.lock().unwrap_or_else(PoisonError::into_inner));
        for job in queued.drain(..) {
            in_flight.push(job());
        }
        // Polls the calls that were woken (and the new ones) until none can make progress. A panic escaping a call
        // (its continuation's) is caught here so that the thread keeps serving the others.
        loop {
            match std::panic::AssertUnwindSafe(in_flight.next()).catch_unwind().poll_unpin(&mut cx) {
                Poll::Ready(Ok(Some(()))) => continue,
                Poll::Ready(Ok(None)) | Poll::Pending => break,
                Poll::Ready(Err(panic)) => {
                    eprintln!("azstack-ffi: internal error in a call: {}", crate::panic_message(&*panic));
                }
            }
        }
        let idle = shared.queue.lock().unwrap_or_else(PoisonError::into_inner).is_empty();
        if idle && !shared.stop.load(Ordering::Acquire) {
            std::thread::park();
        }
    }
    drop(in_flight); // inside the runtime's context: their timers and sockets deregister
}
