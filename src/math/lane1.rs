//! The one-lane instance of the elementary functions' lane source (`lanes/lane_math.rs`,
//! over `lanes/one_lane.rs`): `elementary::exp`, `ln`, `exp_dd`, `ln_dd`, `two_sinh_half`,
//! `normal`'s tabulated `erfcx` and `normal_cdf_dd` are these, so the vector kernels (`simd_plain.rs`
//! includes the same file) give their bits by construction rather than by a hand-kept
//! mirror. Every function is inlined into its caller.

// the lane layer's functions the scalar code does not use, and the drivers' macro `kfn!`
#![allow(dead_code, unused_macros)]

use crate::dd::Dd;

include!("../lanes/one_lane.rs");

fn one(v: V) -> f64 {
    v.0[0]
}

/// `elementary::exp`
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp1(x: f64) -> f64 {
    one(exp(splat(x)))
}

/// `elementary::ln` (positive normal `x`)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn ln1(x: f64) -> f64 {
    one(ln(splat(x)))
}

/// `elementary::exp_dd`
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_dd1(v: Dd) -> f64 {
    one(exp_dd(lane_dd(v)))
}

/// `elementary::ln_dd` (positive normal high part)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn ln_dd1(v: Dd) -> Dd {
    scalar_dd(ln_dd(lane_dd(v)))
}

/// `elementary::two_sinh_half`
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn two_sinh_half1(x: Dd) -> f64 {
    one(two_sinh_half(lane_dd(x)))
}

/// `normal`'s tabulated `erfcx` (arguments above -0.99)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erfcx1(x: f64) -> f64 {
    one(erfcx(splat(x)))
}

/// `normal::normal_cdf_dd` (`|z.hi| <= 1e100`)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn normal_cdf_dd1(z: Dd) -> f64 {
    one(normal_cdf_dd(lane_dd(z)))
}

/// `normal::erfcx_dd` from `erfcx(x.hi)` (`lane_math.rs`'s `erfcx_low_part`)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erfcx_low_part1(e: f64, x: Dd) -> f64 {
    one(erfcx_low_part(splat(e), lane_dd(x)))
}
