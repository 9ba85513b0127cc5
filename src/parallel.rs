//! The thread pool behind every large batch.
//!
//! A pool of our own rather than rayon's global one, so `set_num_threads` can resize it at
//! run time and so a host application's rayon configuration is never touched. The size comes
//! from `PRICER_RS_NUM_THREADS` when set, else from the number of available cores.

use std::sync::{Arc, RwLock};

use crate::error::{PricingError, Result};

static POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

fn default_threads() -> usize {
    std::env::var("PRICER_RS_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn build(n: usize) -> Result<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("pricer_rs-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| PricingError::InvalidArgument(format!("cannot start {n} threads: {e}")))
}

/// The current pool, created on first use.
pub fn pool() -> Result<Arc<rayon::ThreadPool>> {
    if let Ok(guard) = POOL.read()
        && let Some(p) = guard.as_ref()
    {
        return Ok(Arc::clone(p));
    }
    let mut guard = POOL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(p) = guard.as_ref() {
        return Ok(Arc::clone(p));
    }
    let p = build(default_threads())?;
    *guard = Some(Arc::clone(&p));
    Ok(p)
}

/// Resize the pool; calls already running keep the pool they started with.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(PricingError::InvalidArgument(
            "set_num_threads: n must be >= 1".to_string(),
        ));
    }
    let p = build(n)?;
    let mut guard = POOL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(p);
    Ok(())
}

pub fn num_threads() -> usize {
    pool().map_or(1, |p| p.current_num_threads())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_and_reject_zero() {
        set_num_threads(3).unwrap();
        assert_eq!(num_threads(), 3);
        assert!(set_num_threads(0).is_err());
        assert_eq!(num_threads(), 3);
        set_num_threads(2).unwrap();
        assert_eq!(num_threads(), 2);
    }
}
