//! The vector kernels of `simd_plain.rs` on CPUs other than x86-64 (aarch64 first), two lanes
//! at a time, with a lane type that is an array of doubles and every operation written per
//! lane in plain Rust: each is the scalar code's own operation (`f64::mul_add`, `sqrt`,
//! `floor`, `round_ties_even`, IEEE arithmetic), so the bits are the scalar ones by
//! construction, and the compiler maps the two-lane arrays onto NEON's 128-bit registers
//! (aarch64 has NEON and fused multiply-add in its base instruction set, so no run-time
//! dispatch is needed). Masks follow the x86 layers' conventions, which the kernels rely on:
//! all-ones lanes from the compares, `select` and `lanes` reading each lane's sign bit, and
//! `min`/`max` returning their second operand when either is NaN.
//!
//! Chosen over `std::arch::aarch64` intrinsics for this first instance: the per-lane code
//! compiles to NEON's two-lane instructions where the compiler sees fit, and bit-identity
//! holds by construction; over `pulp`: see `simd`.
//!
//! Not dispatched yet: `make test-cross` checks these kernels against the scalar code bit for
//! bit (`proptests`) and times them against it under qemu (`tools/lane_ratio.rs`): prices
//! 0.83x, price and 9 greeks 0.85x, implied vols 0.86x. The formula sorting and gathers of
//! `simd_plain` pay at eight and four lanes, not at two; the arrays stay on the scalar code
//! (`batch`) until a two-lane shape of the kernels wins.

#![cfg(not(target_arch = "x86_64"))]

use crate::black::greeks_scalar;
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_FIRST, LOG_TABLE};

/// Prices like `black::bsm_price_chunk`, two at a time.
pub fn price_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    price_chunk_wide(inputs, out)
}

/// Greeks like `black::bsm_greeks` for each contract, two at a time; `outs[j]` receives
/// greek `which[j]`.
pub fn greeks_chunk(inputs: &[&[f64]; 7], which: &[crate::black::Greek], outs: &mut [&mut [f64]]) {
    greeks_chunk_wide(inputs, which, outs)
}

/// Implied vols like `implied::implied_vol`, two at a time.
pub fn implied_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    implied_chunk_wide(inputs, out)
}

macro_rules! vfn {
    ($($item:item)*) => { $( #[inline(always)] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( $item )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 2;
pub(crate) const ALL: i32 = 0x3;

include!("lanes_array.rs");
include!("simd_plain.rs");
