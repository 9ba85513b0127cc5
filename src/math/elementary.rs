//! `exp` and a double-double `ln`, written for the pricing kernels: branch-light, inlinable
//! into the CPU-specific kernel copies (so their fused multiply-adds become instructions),
//! and accurate to about an ulp (`exp`) and about 2^-60 (`ln_dd`).

use crate::dd::{Dd, LN_2, two_sum};
use crate::tables::{LOG_FIRST, LOG_TABLE};

pub(crate) const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that `n * LN2_HI` is exact for |n| < 2^11.
pub(crate) const LN2_HI: f64 = 0.693_147_180_559_890_3;
pub(crate) const LN2_LO: f64 = 5.497_923_018_708_371e-14;

/// `2^n` for an integral `n` in `[-1022, 1023]`, built from the exponent bits.
#[inline(always)]
pub(crate) fn pow2(n: f64) -> f64 {
    f64::from_bits(((n as i64 + 1023) as u64) << 52)
}

/// `e^x`, within about one ulp over the whole range (subnormal results included).
///
/// `x = n ln2 + r` with `|r| <= ln2/2` (Cody-Waite, two-part ln 2), then `e^r` by its Taylor
/// polynomial to degree 13 (the first neglected term is below 2^-58 of the result), then
/// scaling by `2^n` in two exact steps. `simd::exp` repeats these operations lane by lane.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    let n = (x * LOG2_E).round_ties_even();
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    // 1 + r + r^2/2! + ... + r^13/13!: p = 1/2! + r/3! + ... + r^11/13! by Estrin's scheme
    // (pairs, then powers r^2, r^4, r^8: four multiply-adds deep instead of Horner's eleven,
    // which is what a single exp waits for; p is damped by r^2 <= 0.12 in the result)
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = (1.0 / 6.0f64).mul_add(r, 0.5);
    let q1 = (1.0 / 120.0f64).mul_add(r, 1.0 / 24.0);
    let q2 = (1.0 / 5_040.0f64).mul_add(r, 1.0 / 720.0);
    let q3 = (1.0 / 362_880.0f64).mul_add(r, 1.0 / 40_320.0);
    let q4 = (1.0 / 39_916_800.0f64).mul_add(r, 1.0 / 3_628_800.0);
    let q5 = (1.0 / 6_227_020_800.0f64).mul_add(r, 1.0 / 479_001_600.0);
    let p = q5
        .mul_add(r2, q4)
        .mul_add(r8, q3.mul_add(r2, q2).mul_add(r4, q1.mul_add(r2, q0)));
    // 1 + r + r^2 p, with the large terms added last
    let er = r2.mul_add(p, r) + 1.0;
    // scale by 2^n in two exact steps, so that a subnormal result rounds only once
    let n1 = (0.5 * n).floor();
    er * pow2(n1) * pow2(n - n1)
}

/// `e^(hi + lo)` for a double-double argument: `e^hi (1 + lo)`.
#[inline(always)]
pub fn exp_dd(v: Dd) -> f64 {
    let base = exp(v.hi);
    if base == 0.0 || base.is_infinite() {
        // the low part may be NaN when the high part overflowed (inf - inf)
        return base;
    }
    base.mul_add(v.lo, base)
}

/// `2 sinh(x/2)` for a double-double `x`: the normalised intrinsic value `e^{x/2} - e^{-x/2}`.
/// Below |x| = 1 the difference would cancel, so the odd Taylor series is used there.
#[inline(always)]
pub fn two_sinh_half(x: Dd) -> f64 {
    let h = 0.5 * x.hi;
    let e = exp(h);
    let main = if h.abs() < 0.5 {
        // 2 sinh(h) = 2h (1 + h^2/3! + h^4/5! + ...); h^2 <= 1/4, so the terms to h^18/19!
        // leave less than 2^-70
        let h2 = h * h;
        let mut p: f64 = 1.0 / 121_645_100_408_832_000.0; // 1/19!
        p = p.mul_add(h2, 1.0 / 355_687_428_096_000.0); // 1/17!
        p = p.mul_add(h2, 1.0 / 1_307_674_368_000.0); // 1/15!
        p = p.mul_add(h2, 1.0 / 6_227_020_800.0); // 1/13!
        p = p.mul_add(h2, 1.0 / 39_916_800.0);
        p = p.mul_add(h2, 1.0 / 362_880.0);
        p = p.mul_add(h2, 1.0 / 5_040.0);
        p = p.mul_add(h2, 1.0 / 120.0);
        p = p.mul_add(h2, 1.0 / 6.0);
        2.0 * (h * h2).mul_add(p, h)
    } else {
        e - 1.0 / e
    };
    // d/dx 2 sinh(x/2) = cosh(x/2)
    let cosh = 0.5 * (e + 1.0 / e);
    cosh.mul_add(x.lo, main)
}

/// Natural logarithm of a positive double-double, correct to about 2^-60 (absolute for
/// results below 1 in magnitude, relative above).
///
/// `ln(2^e m) = e ln2 - ln r_j + ln(1 + v)` with `m` in `[1/sqrt2, sqrt2)`, `j = round(128 m)`,
/// a tabulated `r_j ~ 1/m` and `v = m r_j - 1` (one fused multiply-add, `|v| < 2^-7`); near
/// `m = 1` the table gives `r_j = 1` exactly, so small logarithms keep full relative accuracy.
/// `ln(1 + v) = v - v^2/2 + ...` needs eight terms beyond `v`.
#[inline(always)]
pub fn ln_dd(value: Dd) -> Dd {
    let x = value.hi;
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return Dd::from_f64(x.ln());
    }
    let (mut m, mut e) = frexp(x);
    if m < std::f64::consts::FRAC_1_SQRT_2 {
        m *= 2.0;
        e -= 1;
    }
    let lo_scaled = value.lo / x * m; // the low part relative to x, carried to m
    let j = (m * 128.0).round_ties_even() as usize;
    let [r, neg_ln_r_hi, neg_ln_r_lo] = LOG_TABLE[j - LOG_FIRST];
    let v = m.mul_add(r, -1.0) + lo_scaled * r;
    let mut p: f64 = -1.0 / 9.0;
    p = p.mul_add(v, 1.0 / 8.0);
    p = p.mul_add(v, -1.0 / 7.0);
    p = p.mul_add(v, 1.0 / 6.0);
    p = p.mul_add(v, -1.0 / 5.0);
    p = p.mul_add(v, 1.0 / 4.0);
    p = p.mul_add(v, -1.0 / 3.0);
    p = p.mul_add(v, 0.5);
    let tail = -(v * v) * p; // ln(1+v) - v
    let log1p = Dd::sum(v, tail);
    let (s, err) = two_sum(neg_ln_r_hi, log1p.hi);
    let table_part = Dd::new(s, 0.0).add_f64(err + log1p.lo + neg_ln_r_lo);
    LN_2.mul_f64(e as f64) + table_part
}

/// Split a finite positive double into `m * 2^e` with `m` in `[0.5, 1)`.
#[inline(always)]
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exp_field = ((bits >> 52) & 0x7ff) as i32;
    if exp_field == 0 {
        // subnormal: scale into the normal range first (by 2^54)
        let scaled = x * f64::from_bits(0x4350_0000_0000_0000);
        let bits = scaled.to_bits();
        let exp_field = ((bits >> 52) & 0x7ff) as i32;
        let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
        return (m, exp_field - 1022 - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp_field - 1022)
}

/// Natural logarithm of a positive normal double, within about an ulp.
///
/// `x = m 2^e` with `m` in `[1/sqrt 2, sqrt 2)`, `f = m - 1` (exact), `s = f / (2 + f)`;
/// `ln m = 2 atanh s = f - s (f - R)` with `R = 2 s^2/3 + 2 s^4/5 + ...` (ten terms: the
/// first neglected one is below 2^-60 of the result, as `s^2 <= 0.0295`). `simd::ln` does
/// the same operations.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let exp_field = ((bits >> 52) & 0x7ff) as f64;
    let m0 = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1022u64 << 52));
    let (m, e) = if m0 < std::f64::consts::FRAC_1_SQRT_2 {
        (2.0 * m0, exp_field - 1023.0)
    } else {
        (m0, exp_field - 1022.0)
    };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R / z = 2/3 + 2/5 z + ... + 2/21 z^9 by Estrin's scheme: pairs, then z^2 and z^4, four
    // operations deep after z instead of Horner's nine (a per-point price waits for this ln)
    let z2 = z * z;
    let z4 = z2 * z2;
    let [p0, p1, p2, p3, p4] = ATANH_PAIRS.map(|[c0, c1]| c1.mul_add(z, c0));
    let q0 = p1.mul_add(z2, p0);
    let q1 = p3.mul_add(z2, p2);
    let r = p4.mul_add(z4, q1).mul_add(z4, q0) * z;
    let ln_m = (-s).mul_add(f - r, f);
    e.mul_add(LN2_HI, e.mul_add(LN2_LO, ln_m))
}

/// `ln` for any double: `ln` for positive normal ones, the library's for the rest
/// (subnormals, 0, negatives, inf, NaN). For the implied-vol starts, which `simd` repeats.
#[inline(always)]
pub fn ln_any(x: f64) -> f64 {
    if (f64::MIN_POSITIVE..f64::INFINITY).contains(&x) {
        ln(x)
    } else {
        x.ln()
    }
}

/// `2/(2k+3)` for k = 0 to 9, the coefficients of `R / z`, in pairs for Estrin's scheme.
pub(crate) const ATANH_PAIRS: [[f64; 2]; 5] = [
    [2.0 / 3.0, 2.0 / 5.0],
    [2.0 / 7.0, 2.0 / 9.0],
    [2.0 / 11.0, 2.0 / 13.0],
    [2.0 / 15.0, 2.0 / 17.0],
    [2.0 / 19.0, 2.0 / 21.0],
];

/// `sum sign_i e^{l_i}` with the largest `e^{l_i}` factored out, so that terms which
/// overflow on their own still give the sum's sign and size (inf only when the sum is).
/// Zero signs and terms of `-inf` drop out; a NaN term makes the sum NaN. The largest term
/// is factored out whole, low part included: the exponent of a contract with `h` near
/// 1e11 is about -5e21 with a low part of 1e5, and `e^{lo}` alone overflowed (theta NaN).
pub(crate) fn signed_exp_sum(terms: &[(f64, Dd)]) -> f64 {
    let live = || {
        terms
            .iter()
            .filter(|(sign, l)| *sign != 0.0 && l.hi != f64::NEG_INFINITY)
    };
    if live().any(|(_, l)| l.hi.is_nan()) {
        return f64::NAN;
    }
    // the largest by its whole value: terms near -8e20 share their high part and differ by
    // their low parts of 1e4-1e5 (picked by the high part alone, a smaller one made another
    // term e^{52581}: theta NaN for t = 3e13)
    let Some(top) = live()
        .map(|&(_, l)| l)
        .reduce(|a, b| if (b - a).hi > 0.0 { b } else { a })
    else {
        return 0.0;
    };
    let rest: f64 = live().map(|(sign, l)| sign * exp_dd(*l - top)).sum();
    if rest == 0.0 || rest.is_nan() {
        return rest;
    }
    rest.signum() * exp_dd(ln_dd(Dd::from_f64(rest.abs())) + top)
}

/// A sum of logarithms in double-double; a term of -inf (a factor of 0) gives -inf rather
/// than the NaN double-double addition would make of it.
pub(crate) fn ln_sum(terms: &[Dd]) -> Dd {
    if terms.iter().any(|l| l.hi == f64::NEG_INFINITY) {
        return Dd::from_f64(f64::NEG_INFINITY);
    }
    terms[1..].iter().fold(terms[0], |sum, &l| sum + l)
}

/// `e^l`, 0 for `l = -inf`.
pub(crate) fn exp_of(l: Dd) -> f64 {
    if l.hi == f64::NEG_INFINITY {
        0.0
    } else {
        exp_dd(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(got: f64, want: f64) -> f64 {
        if got == want {
            return 0.0;
        }
        (got - want).abs() / (f64::EPSILON * want.abs().max(f64::MIN_POSITIVE))
    }

    #[test]
    fn exp_is_within_an_ulp_of_correct_rounding() {
        let mut worst: f64 = 0.0;
        let mut x = -708.0;
        while x < 709.0 {
            worst = worst.max(ulps(exp(x), pxfm::f_exp(x)));
            x += 0.001_234_567;
        }
        assert!(worst <= 1.0, "worst {worst} ulps");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        // subnormal results: within an ulp of the subnormal grid
        for &x in &[-709.0, -720.5, -740.0, -745.0] {
            let (got, want) = (exp(x), pxfm::f_exp(x));
            assert!((got - want).abs() <= 4.9e-324, "{x}: {got:e} vs {want:e}");
        }
    }

    #[test]
    fn ln_dd_is_far_beyond_double_precision() {
        // against ln of the exact double, via pxfm's correctly rounded log plus a
        // first-order correction computed from exp of the result
        let mut worst: f64 = 0.0;
        let mut x = 1e-3;
        while x < 1e3 {
            let l = ln_dd(Dd::from_f64(x));
            let back = pxfm::f_log(x);
            // |l - ln x| must be far below half an ulp of ln x
            let err = ((l.hi - back) + l.lo).abs();
            let half_ulp = 0.5 * f64::EPSILON * back.abs();
            worst = worst.max(err / half_ulp.max(f64::MIN_POSITIVE));
            x *= 1.000_731;
        }
        assert!(worst <= 1.0001, "{worst}");
        // exact cases and small logarithms
        assert_eq!(ln_dd(Dd::from_f64(1.0)).hi, 0.0);
        let tiny = 2f64.powi(-40);
        let l = ln_dd(Dd::from_f64(1.0 + tiny));
        assert!(((l.hi - tiny) + l.lo + 2f64.powi(-81)).abs() < 2f64.powi(-100));
        // ln(10) = 2.302585092994045684017991454684364...
        let l10 = ln_dd(Dd::from_f64(10.0));
        assert_eq!(l10.hi, std::f64::consts::LN_10);
        assert!((l10.lo - (-2.170_756_223_382_249_5e-16)).abs() < 1e-18);
        let sub = ln_dd(Dd::from_f64(f64::MIN_POSITIVE / 8.0));
        assert!((sub.to_f64() - (f64::MIN_POSITIVE / 8.0).ln()).abs() < 1e-12);
    }

    #[test]
    fn two_sinh_half_is_accurate_on_both_branches() {
        for &x in &[1e-12, 1e-3, 0.3, 0.999, 1.0, 1.5, 7.0, 40.0] {
            let want = 2.0 * pxfm::f_sinh(0.5 * x);
            assert!(ulps(two_sinh_half(Dd::from_f64(x)), want) <= 1.5, "{x}");
            assert!(ulps(two_sinh_half(Dd::from_f64(-x)), -want) <= 1.5, "{x}");
        }
    }
}
