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

#[derive(Clone, Copy)]
pub(crate) struct V([f64; 2]);

macro_rules! vfn {
    ($($item:item)*) => { $( #[inline(always)] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( $item )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 2;
pub(crate) const ALL: i32 = 0x3;

include!("simd_plain.rs");

const ONES: f64 = f64::from_bits(u64::MAX);

#[inline(always)]
fn map(a: V, f: impl Fn(f64) -> f64) -> V {
    V([f(a.0[0]), f(a.0[1])])
}

#[inline(always)]
fn zip(a: V, b: V, f: impl Fn(f64, f64) -> f64) -> V {
    V([f(a.0[0], b.0[0]), f(a.0[1], b.0[1])])
}

#[inline(always)]
fn bits(a: V, b: V, f: impl Fn(u64, u64) -> u64) -> V {
    zip(a, b, |x, y| f64::from_bits(f(x.to_bits(), y.to_bits())))
}

#[inline(always)]
fn mask(a: V, b: V, f: impl Fn(f64, f64) -> bool) -> V {
    zip(a, b, |x, y| if f(x, y) { ONES } else { 0.0 })
}

vfn! {
    pub(crate) fn splat(x: f64) -> V { V([x, x]) }
    pub(crate) fn add(a: V, b: V) -> V { zip(a, b, |x, y| x + y) }
    pub(crate) fn sub(a: V, b: V) -> V { zip(a, b, |x, y| x - y) }
    pub(crate) fn mul(a: V, b: V) -> V { zip(a, b, |x, y| x * y) }
    pub(crate) fn div(a: V, b: V) -> V { zip(a, b, |x, y| x / y) }
    /// `a * b + c` with one rounding, as `f64::mul_add`
    pub(crate) fn fma(a: V, b: V, c: V) -> V {
        V([a.0[0].mul_add(b.0[0], c.0[0]), a.0[1].mul_add(b.0[1], c.0[1])])
    }
    pub(crate) fn neg(a: V) -> V { map(a, |x| -x) }
    pub(crate) fn sqrt(a: V) -> V { map(a, f64::sqrt) }
    pub(crate) fn floor(a: V) -> V { map(a, f64::floor) }
    pub(crate) fn round_even(a: V) -> V { map(a, f64::round_ties_even) }
    /// x86's `maxpd`: `a > b ? a : b` (the second operand where either is NaN)
    pub(crate) fn max(a: V, b: V) -> V { zip(a, b, |x, y| if x > y { x } else { y }) }
    /// x86's `minpd`: `a < b ? a : b` (the second operand where either is NaN)
    pub(crate) fn min(a: V, b: V) -> V { zip(a, b, |x, y| if x < y { x } else { y }) }
    pub(crate) fn lt(a: V, b: V) -> V { mask(a, b, |x, y| x < y) }
    pub(crate) fn gt(a: V, b: V) -> V { mask(a, b, |x, y| x > y) }
    pub(crate) fn le(a: V, b: V) -> V { mask(a, b, |x, y| x <= y) }
    pub(crate) fn ge(a: V, b: V) -> V { mask(a, b, |x, y| x >= y) }
    pub(crate) fn eq(a: V, b: V) -> V { mask(a, b, |x, y| x == y) }
    pub(crate) fn or(a: V, b: V) -> V { bits(a, b, |x, y| x | y) }
    pub(crate) fn and(a: V, b: V) -> V { bits(a, b, |x, y| x & y) }
    pub(crate) fn xor(a: V, b: V) -> V { bits(a, b, |x, y| x ^ y) }
    pub(crate) fn not(a: V) -> V { map(a, |x| f64::from_bits(!x.to_bits())) }
    pub(crate) fn abs(a: V) -> V { map(a, f64::abs) }
    /// per lane: `mask ? a : b`, by the mask lane's sign bit (as `blendvpd`)
    pub(crate) fn select(mask: V, a: V, b: V) -> V {
        let pick = |m: f64, x: f64, y: f64| if m.is_sign_negative() { x } else { y };
        V([pick(mask.0[0], a.0[0], b.0[0]), pick(mask.0[1], a.0[1], b.0[1])])
    }
    /// each lane's sign bit, lane 0 lowest (as `movmskpd`)
    pub(crate) fn lanes(mask: V) -> i32 {
        i32::from(mask.0[0].is_sign_negative()) | i32::from(mask.0[1].is_sign_negative()) << 1
    }
    pub(crate) fn to_array(a: V) -> [f64; 2] { a.0 }
    pub(crate) fn from_lanes(v: [f64; 2]) -> V { V(v) }

    /// `2^n` for integral `n` in `[-1022, 1023]`, built in the exponent field (as the x86
    /// layers' shift of `n + 1023 + 2^52`, whose low bits are `n + 1023`).
    pub(crate) fn pow2(n: V) -> V {
        map(n, |x| {
            let biased = x + (1023.0 + 4_503_599_627_370_496.0);
            f64::from_bits(biased.to_bits() << 52)
        })
    }

    /// `LOG_TABLE`'s rows `row` (each lane's own, integral; clamped to the table): the
    /// reciprocal and the two parts of minus its logarithm.
    pub(crate) fn log_table_rows(row: V) -> (V, V, V) {
        let row = min(max(row, splat(0.0)), splat((LOG_TABLE.len() - 1) as f64));
        let get = |r: f64| LOG_TABLE[(r as usize).min(LOG_TABLE.len() - 1)];
        let (a, b) = (get(row.0[0]), get(row.0[1]));
        (V([a[0], b[0]]), V([a[1], b[1]]), V([a[2], b[2]]))
    }

    /// The exponent field (as a double) and the mantissa under exponent 1022 (in [0.5, 1)
    /// for positive normal lanes): `fast::ln`'s split, as the x86 layers form it.
    pub(crate) fn exponent_and_mantissa(x: V) -> (V, V) {
        let split = |v: f64| {
            let b = v.to_bits();
            let e = f64::from_bits(((b >> 52) & 0x7ff) | 0x4330_0000_0000_0000) - 4_503_599_627_370_496.0;
            let m = f64::from_bits((b & 0x000f_ffff_ffff_ffff) | (1022u64 << 52));
            (e, m)
        };
        let ((e0, m0), (e1, m1)) = (split(x.0[0]), split(x.0[1]));
        (V([e0, e1]), V([m0, m1]))
    }

    /// The eight coefficients of `erfcx`'s table rows `row` (each lane's own), as vectors.
    pub(crate) fn erfcx_coefficients(row: V) -> [V; 8] {
        // truncated towards zero and clamped, as the x86 layers read their rows
        let get = |r: f64| &ERFCX_POLY[((r as i32).max(0) as usize).min(ERFCX_POLY.len() - 1)];
        let (a, b) = (get(row.0[0]), get(row.0[1]));
        std::array::from_fn(|c| V([a[c], b[c]]))
    }

    pub(crate) fn store(s: &mut [f64], i: usize, v: V) {
        s[i..i + 2].copy_from_slice(&v.0);
    }

    pub(crate) fn load(s: &[f64], i: usize) -> V {
        V([s[i], s[i + 1]])
    }
}
