//! The implied-vol kernel sixteen contracts at a time as two AVX-512 vectors
//! (`simd_pair.rs`): what `dispatch::implied_chunk` runs on CPUs with AVX-512F and DQ. As in
//! `simd_x4`, the gain is independent chains in flight: kernel bench (4,096 CSI-like
//! inversions, one core of a Zen 4) 609 us at eight lanes, 537 at sixteen, 559 at
//! thirty-two. Prices and greeks were slower at sixteen (82 -> 100 us, 156 -> 177 us) and
//! stay at eight; their copies here are unused.

#![cfg(target_arch = "x86_64")]
// the shared kernels' price and greeks parts are not used at this width
#![allow(dead_code)]

use crate::black::greeks_scalar;
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::simd8 as base;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, LOG_FIRST};

/// Implied vols like `dispatch::implied_chunk`, sixteen at a time.
///
/// # Safety
/// The CPU must have AVX2, FMA, AVX-512F and AVX-512DQ (`simd8::available()`).
#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
pub unsafe fn implied_chunk_avx512x2(inputs: &[&[f64]; 7], out: &mut [f64]) {
    implied_chunk_wide(inputs, out)
}

macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx512f,avx512dq,avx2,fma")] #[inline] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx512f,avx512dq,avx2,fma")] $item )* };
}

include!("simd_plain.rs");
include!("simd_pair.rs");
