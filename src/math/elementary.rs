//! `exp` and a double-double `ln`, written for the pricing kernels: branch-light, inlinable
//! into the CPU-specific kernel copies (so their fused multiply-adds become instructions),
//! and accurate to about an ulp (`exp`) and about 2^-60 (`ln_dd`). `exp`, `ln`, `exp_dd`,
//! `ln_dd` and `two_sinh_half` are the one-lane instances (`math::lane1`) of the lane source
//! the vector kernels run (`lanes/lane_math.rs`); the log-domain helpers are scalar only.

use crate::dd::{Dd, LN_2};

pub(crate) use super::consts::{LN2_HI, LN2_LO, LOG2_E};

/// `e^x`, within about one ulp over the whole range (subnormal results included).
///
/// `x = n ln2 + r` with `|r| <= ln2/2` (Cody-Waite, two-part ln 2), then `e^r` by its Taylor
/// polynomial to degree 13 (the first neglected term is below 2^-58 of the result), then
/// scaling by `2^n` in two exact steps. The one-lane instance of `lanes/lane_math.rs`'s `exp`,
/// which the vector kernels run on their lanes.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    super::lane1::exp1(x)
}

/// `e^(hi + lo)` for a double-double argument: `e^hi (1 + lo)` (`lane_math.rs`'s `exp_dd`).
#[inline(always)]
pub fn exp_dd(v: Dd) -> f64 {
    super::lane1::exp_dd1(v)
}

/// `2 sinh(x/2)` for a double-double `x`: the normalised intrinsic value `e^{x/2} - e^{-x/2}`.
/// Below |x| = 1 the difference would cancel, so the odd Taylor series is used there. The
/// one-lane instance of `lanes/lane_math.rs`'s `two_sinh_half`.
#[inline(always)]
pub fn two_sinh_half(x: Dd) -> f64 {
    super::lane1::two_sinh_half1(x)
}

/// Natural logarithm of a positive double-double, correct to about 2^-60 (absolute for
/// results below 1 in magnitude, relative above).
///
/// `ln(2^e m) = e ln2 - ln r_j + ln(1 + v)` with `m` in `[1/sqrt2, sqrt2)`, `j = round(128 m)`,
/// a tabulated `r_j ~ 1/m` and `v = m r_j - 1` (one fused multiply-add, `|v| < 2^-7`); near
/// `m = 1` the table gives `r_j = 1` exactly, so small logarithms keep full relative accuracy.
/// `ln(1 + v) = v - v^2/2 + ...` needs eight terms beyond `v`. The one-lane instance of
/// `lanes/lane_math.rs`'s `ln_dd` for positive normal high parts.
#[inline(always)]
pub fn ln_dd(value: Dd) -> Dd {
    let x = value.hi;
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return Dd::from_f64(x.ln());
    }
    if x < f64::MIN_POSITIVE {
        // a subnormal: scaled into the normal range by 2^54 (exactly), then 54 ln 2 back
        let scale = f64::from_bits(0x4350_0000_0000_0000);
        return super::lane1::ln_dd1(Dd::new(x * scale, value.lo * scale)) + LN_2.mul_f64(-54.0);
    }
    super::lane1::ln_dd1(value)
}

/// Natural logarithm of a positive normal double, within about an ulp.
///
/// `x = m 2^e` with `m` in `[1/sqrt 2, sqrt 2)`, `f = m - 1` (exact), `s = f / (2 + f)`;
/// `ln m = 2 atanh s = f - s (f - R)` with `R = 2 s^2/3 + 2 s^4/5 + ...` (ten terms: the
/// first neglected one is below 2^-60 of the result, as `s^2 <= 0.0295`). The one-lane
/// instance of `lanes/lane_math.rs`'s `ln`.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    super::lane1::ln1(x)
}

/// `ln` for any double: `ln` for positive normal ones, the library's for the rest
/// (subnormals, 0, negatives, inf, NaN). For the implied-vol starts (whose lane form is in
/// `lanes/lane_implied.rs`).
#[inline(always)]
pub fn ln_any(x: f64) -> f64 {
    if (f64::MIN_POSITIVE..f64::INFINITY).contains(&x) {
        ln(x)
    } else {
        x.ln()
    }
}

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
