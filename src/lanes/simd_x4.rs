//! The implied-vol kernel sixteen contracts at a time as four AVX2 vectors (two `simd_x2`
//! values, `simd_pair.rs`): what `dispatch::implied_chunk` runs on CPUs with AVX2 and FMA but
//! no AVX-512. Each inversion is a long chain of dependent steps (the start, the
//! plain-double steps, the exact one); four independent vectors in flight keep the core
//! busy while each waits. Kernel bench (4,096 CSI-like inversions, one core of a Zen 4):
//! 877 us at four lanes, 671 at eight, 632 at sixteen. The same doubling made prices and
//! greeks no faster or slower (partly filled formula groups waste more lanes, more
//! registers spill), so they stay at four lanes and their copies here are unused.

#![cfg(target_arch = "x86_64")]
// the shared kernels' price and greeks parts are not used at this width
#![allow(dead_code)]

use crate::black::greeks_scalar;
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::simd_x2 as base;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, LOG_FIRST};

/// Implied vols like `dispatch::implied_chunk`, sixteen at a time.
///
/// # Safety
/// The CPU must have AVX2 and FMA (`simd::available()`).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn implied_chunk_avx2x4(inputs: &[&[f64]; 7], out: &mut [f64]) {
    implied_chunk_wide(inputs, out)
}

macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] #[inline] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] $item )* };
}

include!("simd_plain.rs");
include!("simd_pair.rs");
