//! The vector kernels of `simd_plain.rs` on CPUs other than x86-64, two lanes at a time. On
//! aarch64 the lane layer is NEON's (`lanes_neon.rs`: `std::arch::aarch64`, one AdvSIMD
//! instruction per operation; NEON and fused multiply-add are in aarch64's base instruction
//! set, so no run-time dispatch is needed); elsewhere an array of doubles with every
//! operation written per lane in plain Rust (`lanes_array.rs`). Either way each operation is
//! the scalar code's own (IEEE arithmetic, `mul_add`, `sqrt`, `floor`, `round_ties_even`), so
//! the bits are the scalar ones by construction. Over `pulp`: see `simd`.
//!
//! Every array call off x86-64 runs these kernels (`batch`). `make test-cross` checks them
//! against the scalar code bit for bit (`proptests`, and the digest of 23,000 contracts
//! against x86-64's) and measures them against it under qemu: instructions executed per
//! contract (`tools/lane_count.py`) 1.38x fewer for prices, 1.56x for price and 9 greeks,
//! 1.43x for implied vols (session 12; 1.47x, 1.62x, 1.35x in session 11, before the scalar
//! instance's in-the-money part skipped its exponential); time under emulation
//! (`tools/lane_ratio.rs`) 0.95-0.99x, 1.08-1.09x and 0.89x in three runs (session 11),
//! because qemu runs each lane of a vector instruction through its soft float as it runs a
//! scalar one. With the array layer the compiler had kept nine in ten operations
//! scalar, and the kernels stayed on the scalar code.

#![cfg(not(target_arch = "x86_64"))]

use crate::black::greeks_scalar;
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_FIRST, LOG_TABLE};

/// Prices like `black::bsm_price_chunk`, two at a time.
pub fn price_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    // SAFETY: NEON is in aarch64's base instruction set; elsewhere nothing is required.
    #[allow(unused_unsafe)]
    unsafe {
        price_chunk_wide(inputs, out)
    }
}

/// Greeks like `black::bsm_greeks` for each contract, two at a time; `outs[j]` receives
/// greek `which[j]`.
pub fn greeks_chunk(inputs: &[&[f64]; 7], which: &[crate::black::Greek], outs: &mut [&mut [f64]]) {
    // SAFETY: as in `price_chunk`.
    #[allow(unused_unsafe)]
    unsafe {
        greeks_chunk_wide(inputs, which, outs)
    }
}

/// Implied vols like `implied::implied_vol`, two at a time.
pub fn implied_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    // SAFETY: as in `price_chunk`.
    #[allow(unused_unsafe)]
    unsafe {
        implied_chunk_wide(inputs, out)
    }
}

// On aarch64 the kernels carry NEON as the x86 layers carry AVX2 (its intrinsics ask for it
// on every function that calls them); elsewhere plain functions over arrays.
#[cfg(target_arch = "aarch64")]
macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "neon")] #[inline] $item )* };
}
#[cfg(target_arch = "aarch64")]
macro_rules! kfn {
    ($($item:item)*) => { $( #[target_feature(enable = "neon")] $item )* };
}
#[cfg(not(target_arch = "aarch64"))]
macro_rules! vfn {
    ($($item:item)*) => { $( #[inline(always)] $item )* };
}
#[cfg(not(target_arch = "aarch64"))]
macro_rules! kfn {
    ($($item:item)*) => { $( $item )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 2;
pub(crate) const ALL: i32 = 0x3;

#[cfg(target_arch = "aarch64")]
include!("lanes_neon.rs");
#[cfg(not(target_arch = "aarch64"))]
include!("lanes_array.rs");
include!("simd_plain.rs");

vfn! {
    /// `fast_block`'s sorting, lane by lane (no compress instruction at this width)
    pub(crate) fn append_lanes(mask: i32, first: u32, list: &mut [u32], count: usize) -> usize {
        append_lanes_each(mask, first, list, count)
    }
    /// `fast_block`'s gathering, lane by lane
    pub(crate) fn gather_lanes(field: &[f64], rows: &[u32]) -> V { gather_lanes_each(field, rows) }
    /// `fast_block`'s stores, lane by lane
    pub(crate) fn scatter_lanes(prices: &mut [f64], rows: &[u32], values: V) { scatter_lanes_each(prices, rows, values) }
}
