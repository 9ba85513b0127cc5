//! Which kernel width runs on x86-64: the widest the CPU has, asked at run time (AVX-512F
//! and DQ: `simd8`, sixteen lanes for implied vols in `simd8_x2`; AVX2 and FMA: `simd`,
//! `simd_x4`; else the scalar code). Above the kernels and below `batch`, so that no kernel
//! module imports another to dispatch.

#![cfg(target_arch = "x86_64")]

/// Prices like `black::bsm_price_chunk`, by the widest kernel the CPU has: AVX-512
/// (`simd8`), AVX2 (`simd`), or the scalar chunk kernel without AVX2 and FMA.
pub fn price_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    if crate::simd8::available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { crate::simd8::price_chunk_avx512(inputs, out) }
    } else if crate::simd::available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { crate::simd::price_chunk_avx2(inputs, out) }
    } else {
        crate::black::bsm_price_chunk(inputs, out);
    }
}

/// Greeks like `black::bsm_greeks` for each contract, by the widest kernel the CPU has;
/// `outs[j]` receives greek `which[j]`. Bit for bit the scalar values.
pub fn greeks_chunk(inputs: &[&[f64]; 7], which: &[crate::black::Greek], outs: &mut [&mut [f64]]) {
    if crate::simd8::available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { crate::simd8::greeks_chunk_avx512(inputs, which, outs) }
    } else if crate::simd::available() {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { crate::simd::greeks_chunk_avx2(inputs, which, outs) }
    } else {
        crate::black::greeks_scalar(inputs, which, outs, 0);
    }
}

/// Implied vols of up to `out.len()` prices (inputs: price, s, k, r, q, t, call as +-1),
/// by the widest vector kernel the CPU has; bit for bit the answers of
/// `implied::implied_vol`.
// inlined into the caller's CPU-specific copy (batch.rs), for the scalar fallback's
// fused multiply-adds
#[inline(always)]
pub fn implied_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    // sixteen lanes at either width: two or four vectors in flight (`simd8_x2`, `simd_x4`)
    if crate::simd8::available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { crate::simd8_x2::implied_chunk_avx512x2(inputs, out) }
    } else if crate::simd::available() {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { crate::simd_x4::implied_chunk_avx2x4(inputs, out) }
    } else {
        use crate::implied::{Prepared, prepare_row};
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = match prepare_row(inputs, i) {
                Prepared::Done(v) => v,
                Prepared::Solve(p) => p.finish(p.solve()),
            };
        }
    }
}
