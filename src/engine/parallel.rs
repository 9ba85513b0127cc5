//! The thread pool behind every large batch.
//!
//! A pool of our own rather than rayon's global one, so `set_num_threads` can resize it at
//! run time and so a host application's rayon configuration is never touched. The size comes
//! from `PRICER_RS_NUM_THREADS` when set, else from the number of available cores.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::{PricingError, Result};

static POOL: RwLock<Option<Arc<Pool>>> = RwLock::new(None);

/// A rayon pool and what `run_tasks` needs to keep its helpers off the caller's CPU.
pub struct Pool {
    threads: rayon::ThreadPool,
    /// The process that started the threads: a child forked since has none of them.
    process: u32,
    /// The kernel's ids of the pool's threads (each records its own as it starts).
    #[cfg(target_os = "linux")]
    workers: Arc<Mutex<Vec<libc::pid_t>>>,
    /// The CPU the workers were last kept off and how many workers there were then
    /// (`(count << 32) | cpu`), or -1.
    #[cfg(target_os = "linux")]
    kept_off: std::sync::atomic::AtomicI64,
}

impl std::ops::Deref for Pool {
    type Target = rayon::ThreadPool;
    fn deref(&self) -> &rayon::ThreadPool {
        &self.threads
    }
}

impl Pool {
    /// Let the pool's threads run anywhere the caller may run except on the CPU the caller
    /// is on now. Linux wakes a sleeping thread on the waker's CPU when it takes the other
    /// CPUs for busy, as it does in a virtual machine whose idle virtual CPUs the host has
    /// descheduled: the helper then shared the caller's CPU while the other one idled, and
    /// a 30,000-price call after a few milliseconds of idleness took as long on two threads
    /// as on one (840 us against 840 us; 490 us once the helper runs beside the caller). Only
    /// redone when the caller has moved to another CPU; best effort (any failure leaves
    /// the threads as they are). Linux only: elsewhere (macOS, Windows: no
    /// `sched_setaffinity`) it does nothing and the OS places the threads, which changes
    /// speed, never results.
    fn keep_off_caller_cpu(&self) {
        #[cfg(target_os = "linux")]
        {
            use std::sync::atomic::Ordering;
            // SAFETY: plain system calls on a local, zero-initialised cpu_set_t
            unsafe {
                let cpu = libc::sched_getcpu();
                if cpu < 0 || cpu as usize >= libc::CPU_SETSIZE as usize {
                    return;
                }
                // redone when the caller has moved, or when threads have registered since
                // (they start in the background: the first call may come before them)
                let workers = self.workers.lock().unwrap_or_else(|p| p.into_inner());
                let key = ((workers.len() as i64) << 32) | i64::from(cpu);
                if self.kept_off.swap(key, Ordering::Relaxed) == key {
                    return;
                }
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                let size = std::mem::size_of::<libc::cpu_set_t>();
                if libc::sched_getaffinity(0, size, &mut set) != 0 {
                    return;
                }
                libc::CPU_CLR(cpu as usize, &mut set);
                if libc::CPU_COUNT(&set) == 0 {
                    return;
                }
                for &tid in workers.iter() {
                    libc::sched_setaffinity(tid, size, &set);
                }
            }
        }
    }
}

/// The most threads a pool may have: each one is an OS thread with its own stack, and a
/// pool of 2^34 aborted the process on its allocation while 50,000 took minutes to start
/// and to stop. (pricer_rs/__init__.py warns about a larger PRICER_RS_NUM_THREADS.)
pub const MAX_THREADS: usize = 1024;

fn default_threads() -> usize {
    std::env::var("PRICER_RS_NUM_THREADS")
        .ok()
        .and_then(|v| thread_count_setting(&v))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The thread count a `PRICER_RS_NUM_THREADS` value asks for: an integer from 1 to
/// `MAX_THREADS` (digits, an optional '+'), ASCII whitespace around it allowed. The same rule
/// as the import-time warning in `pricer_rs/__init__.py`, which cannot see Unicode spaces the
/// way `str::trim` does (a no-break space before the digits was honoured without a word
/// while the warning called the value ignored).
fn thread_count_setting(value: &str) -> Option<usize> {
    value
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .parse::<usize>()
        .ok()
        .filter(|&n| n > 0 && n <= MAX_THREADS)
}

fn build(n: usize) -> Result<Arc<Pool>> {
    let builder = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("pricer_rs-{i}"));
    #[cfg(target_os = "linux")]
    let workers = Arc::new(Mutex::new(Vec::with_capacity(n)));
    #[cfg(target_os = "linux")]
    let builder = {
        let workers = Arc::clone(&workers);
        builder.start_handler(move |_| {
            // SAFETY: gettid has no preconditions. The system call, not glibc's wrapper, which
            // glibc has only since 2.30: the manylinux2014 wheel must load on glibc 2.17.
            let tid = unsafe { libc::syscall(libc::SYS_gettid) } as libc::pid_t;
            workers.lock().unwrap_or_else(|p| p.into_inner()).push(tid);
        })
    };
    let threads = builder
        .build()
        .map_err(|e| PricingError::InvalidArgument(format!("cannot start {n} threads: {e}")))?;
    Ok(Arc::new(Pool {
        threads,
        process: std::process::id(),
        #[cfg(target_os = "linux")]
        workers,
        #[cfg(target_os = "linux")]
        kept_off: std::sync::atomic::AtomicI64::new(-1),
    }))
}

/// The current pool, created on first use.
pub fn pool() -> Result<Arc<Pool>> {
    let here = std::process::id();
    if let Ok(guard) = POOL.read()
        && let Some(p) = guard.as_ref()
        && p.process == here
    {
        return Ok(Arc::clone(p));
    }
    let mut guard = POOL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let size = match guard.as_ref() {
        Some(p) if p.process == here => return Ok(Arc::clone(p)),
        // a forked child (multiprocessing's default on Linux): the parent's threads are not
        // here, so the child gets threads of its own, as many (`install` leaves the
        // parent's pool alone)
        Some(p) => p.current_num_threads(),
        None => default_threads(),
    };
    let p = build(size)?;
    install(&mut guard, Arc::clone(&p));
    Ok(p)
}

/// Make `p` the pool. The one it replaces is dropped, unless it was started by another
/// process (we are a forked child): that one is forgotten, since its locks may have been
/// held at the fork.
fn install(slot: &mut Option<Arc<Pool>>, p: Arc<Pool>) {
    if let Some(old) = slot.replace(p)
        && old.process != std::process::id()
    {
        std::mem::forget(old);
    }
}

/// Resize the pool; calls already running keep the pool they started with.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(PricingError::InvalidArgument(
            "set_num_threads: n must be >= 1".to_string(),
        ));
    }
    if n > MAX_THREADS {
        return Err(PricingError::InvalidArgument(format!(
            "set_num_threads: n must be at most {MAX_THREADS}, got {n}"
        )));
    }
    let p = build(n)?;
    let mut guard = POOL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    install(&mut guard, p);
    Ok(())
}

pub fn num_threads() -> usize {
    pool().map_or(1, |p| p.current_num_threads())
}

/// Bit of `Shared::state` set once the caller has stopped waiting for helpers to join; the
/// bits below count the helpers inside the job.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// What the caller of `run_tasks` shares with its helpers. `job` borrows from the caller's
/// stack with its lifetime erased: it is dereferenced only by a helper that entered (raised
/// the count in `state`) before `CLOSED` was set, and the caller does not return before the
/// count is back to zero.
struct Shared {
    job: *const (dyn Fn(usize) + Sync + 'static),
    tasks: usize,
    next: AtomicUsize,
    state: AtomicUsize,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

// SAFETY: `job` points to a `Sync` closure and is only called while the caller keeps it alive
// (see `Shared`); the rest is atomics and a mutex.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// Take task indices from the shared counter and run them until none is left; a panic
    /// is kept for the caller and stops this thread's share of the work.
    ///
    /// SAFETY: only while `job` is alive (the caller's own thread, or a helper that entered).
    unsafe fn work(&self) {
        // SAFETY: the caller of `work` guarantees the closure is alive
        let job = unsafe { &*self.job };
        let result = catch_unwind(AssertUnwindSafe(|| {
            loop {
                let t = self.next.fetch_add(1, Ordering::Relaxed);
                if t >= self.tasks {
                    break;
                }
                job(t);
            }
        }));
        if let Err(payload) = result {
            // no task is taken after a panic: the others finish what they hold
            self.next.store(self.tasks, Ordering::Relaxed);
            let mut slot = self.panic.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(payload);
        }
    }
}

/// `f(0) .. f(n - 1)` on the calling thread and the pool's threads (`run_tasks`), the
/// results in order: for work items far costlier than their dispatch (a surface's smiles).
/// A slot a helper left empty (only a poisoned lock could) is filled on the calling thread.
pub fn map_tasks<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let slots: Vec<std::sync::Mutex<Option<T>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let job = |j: usize| {
        let value = f(j);
        if let Ok(mut slot) = slots[j].lock() {
            *slot = Some(value);
        }
    };
    match pool() {
        Ok(pool) if n > 1 => run_tasks(&pool, num_threads().saturating_sub(1), n, &job),
        _ => (0..n).for_each(job),
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(j, slot)| slot.into_inner().ok().flatten().unwrap_or_else(|| f(j)))
        .collect()
}

/// Run `job(0) .. job(tasks - 1)` on the calling thread and up to `helpers` threads of `pool`,
/// each taking the next index from a shared counter. The caller works from the start and
/// waits only for helpers that joined while work was left: a helper that wakes after the
/// caller has run out of tasks (a pool thread asleep since the last call takes tens of
/// microseconds) does nothing, and nobody waits for it. (rayon's scopes wait for every
/// spawned job to run, which made a small call on a sleeping pool slower than a serial one.)
/// A panic in `job` is resumed on the calling thread once no helper is inside the job.
pub fn run_tasks(pool: &Pool, helpers: usize, tasks: usize, job: &(dyn Fn(usize) + Sync)) {
    // SAFETY: only the lifetime is erased; `Shared` explains why it is never outlived.
    let job: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(job) };
    let shared = Arc::new(Shared {
        job,
        tasks,
        next: AtomicUsize::new(0),
        state: AtomicUsize::new(0),
        panic: Mutex::new(None),
    });
    // from here until it is dropped, helpers may be inside the job: the guard closes the
    // call and waits for them however this function is left (a panic too)
    let closer = Closer(&shared);
    let helpers = helpers.min(tasks.saturating_sub(1));
    if helpers > 0 {
        pool.keep_off_caller_cpu();
    }
    for _ in 0..helpers {
        let shared = Arc::clone(&shared);
        pool.spawn(move || {
            let mut state = shared.state.load(Ordering::Acquire);
            loop {
                // nothing left, or the caller closed: leave without touching the job
                if state & CLOSED != 0 || shared.next.load(Ordering::Relaxed) >= shared.tasks {
                    return;
                }
                match shared.state.compare_exchange_weak(
                    state,
                    state + 1,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(now) => state = now,
                }
            }
            // SAFETY: entered before CLOSED, so the caller is still waiting for us
            unsafe { shared.work() };
            shared.state.fetch_sub(1, Ordering::Release);
        });
    }
    // SAFETY: the caller's own thread, inside the job's lifetime
    unsafe { shared.work() };
    drop(closer);
    let payload = shared
        .panic
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(payload) = payload {
        resume_unwind(payload);
    }
}

/// Closes a `run_tasks` call when dropped: no helper enters after, and the drop returns
/// once none is inside.
struct Closer<'a>(&'a Shared);

impl Drop for Closer<'_> {
    fn drop(&mut self) {
        let mut spins = 0u32;
        let mut state = self.0.state.fetch_or(CLOSED, Ordering::AcqRel) | CLOSED;
        while state != CLOSED {
            // a helper inside finishes at most the task it holds
            if spins < 64 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
            state = self.0.state.load(Ordering::Acquire);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_count_settings_follow_the_documented_rule() {
        assert_eq!(thread_count_setting("3"), Some(3));
        assert_eq!(thread_count_setting(" +4\t\n"), Some(4));
        assert_eq!(thread_count_setting("1024"), Some(MAX_THREADS));
        for ignored in ["", "0", "-2", "1025", "abc", "3.0", "\u{a0}3", "3\u{2003}"] {
            assert_eq!(thread_count_setting(ignored), None, "{ignored:?}");
        }
    }

    #[test]
    fn resize_and_reject_zero() {
        set_num_threads(3).unwrap();
        assert_eq!(num_threads(), 3);
        assert!(set_num_threads(0).is_err());
        assert_eq!(num_threads(), 3);
        set_num_threads(2).unwrap();
        assert_eq!(num_threads(), 2);
    }

    #[test]
    fn every_task_runs_once() {
        let pool = build(2).unwrap();
        for tasks in [0, 1, 2, 3, 17, 200] {
            let counts: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
            run_tasks(&pool, 1, tasks, &|t| {
                counts[t].fetch_add(1, Ordering::Relaxed);
            });
            assert!(
                counts.iter().all(|c| c.load(Ordering::Relaxed) == 1),
                "tasks = {tasks}"
            );
        }
    }

    #[test]
    fn the_caller_does_not_wait_for_a_busy_pool() {
        // the pool's only thread is held until the call has returned: the call must finish
        // on the caller's thread (a rayon scope would wait for its job here forever)
        let pool = build(1).unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        pool.spawn(move || {
            let _ = held.recv();
        });
        let (done, finished) = std::sync::mpsc::channel();
        let caller = std::thread::spawn(move || {
            let ran = AtomicUsize::new(0);
            run_tasks(&pool, 1, 8, &|_| {
                ran.fetch_add(1, Ordering::Relaxed);
            });
            let _ = done.send(ran.load(Ordering::Relaxed));
            pool
        });
        let ran = finished.recv_timeout(std::time::Duration::from_secs(20));
        release.send(()).unwrap();
        assert_eq!(ran, Ok(8));
        // the late helper then finds the call closed and leaves
        drop(caller.join().unwrap());
    }

    #[test]
    fn a_panic_in_a_task_reaches_the_caller() {
        let pool = build(2).unwrap();
        let result = catch_unwind(AssertUnwindSafe(|| {
            run_tasks(&pool, 1, 64, &|t| {
                if t == 5 {
                    panic!("task five");
                }
            })
        }));
        let payload = result.expect_err("the panic was lost");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"task five"));
    }
}
