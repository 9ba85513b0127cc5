//! The normalised Black function `b(x, s) = e^{x/2} Phi(h + tau) - e^{-x/2} Phi(h - tau)`
//! (`h = x/s`, `tau = s/2`) and its complement `e^{x/2} - b`, evaluated to a few ulps in
//! every region, as pricing and implied volatility both need: here its parameters (where
//! each form applies, the series' constants) and double-double helpers; the forms
//! themselves are written once for every width in `lanes/lane_exact.rs` (and
//! `lanes/lane_fast.rs` for the series), the scalar code being their one-lane instance
//! (`lane1::otm_call_value`, `lane1::otm_call_complement_value`).
//!
//! For an out-of-the-money call (`x <= 0`) the two terms share `exp(-(h^2+tau^2)/2)`:
//! `b = phi(h) e^{-tau^2/2} (Y(h+tau) - Y(h-tau))` with `Y = Phi/phi` (Jäckel 2015, eq. 2.x).
//! Three evaluations of the bracket cover the plane:
//! - `h + tau > 0.85`: the plain difference of `Phi`, whose first term is not a tail;
//! - `tau < 0.21`: the odd Taylor series of `Y` in `tau`,
//!   `Y(h+tau) - Y(h-tau) = 2 sum_{k odd} M_k(h) tau^k / k!`, with the moments
//!   `M_k(h) = int_0^inf u^k e^{hu - u^2/2} du = Y^(k)(h)`, all positive, so the sum has no
//!   cancellation. They obey `M_{k+1} = h M_k + k M_{k-1}`; for `h < -1.5` that recurrence
//!   cancels going up, so there it is run downwards from far above (Miller's algorithm) and
//!   normalised by `M_0 = Y(h)`;
//! - otherwise the difference of the scaled complementary error functions
//!   `(erfcx(-(h+tau)/sqrt2) - erfcx(-(h-tau)/sqrt2)) / 2`, whose cancellation is mild there.

use crate::dd::Dd;
use crate::elementary::{exp_dd, ln_dd};
use crate::normal::normal_cdf_dd;

/// 1/sqrt(2) as a double-double.
pub const FRAC_1_SQRT_2: Dd = crate::normal::FRAC_1_SQRT_2;
/// sqrt(pi/2)
pub(crate) const SQRT_FRAC_PI_2: f64 = 1.253_314_137_315_500_3;
/// Above this `h + tau` the value is the plain difference of `Phi`.
pub(crate) const DIRECT_CDF_THRESHOLD: f64 = 0.85;
/// Below this `tau` the moment series is used.
pub const SMALL_TAU: f64 = 0.21;
/// Highest odd moment of the series: at tau = 0.21 the next term is below 2^-60 of the sum.
pub(crate) const SERIES_ORDER: usize = 17;
/// Below this `h` the moments come from the downward recurrence.
pub(crate) const MILLER_BELOW: f64 = -1.5;
/// Longest downward recurrence: 30 + 250/h^2 at h = -1.5.
pub(crate) const MILLER_MAX: usize = 160;
/// `1/k`: the recurrence multiplies by these instead of dividing (a division's latency on
/// the recurrence's dependency chain cost most of its time; accuracy is unchanged, checked
/// against 40-digit values).
pub(crate) const RECIPROCALS: [f64; MILLER_MAX + 2] = {
    let mut a = [0.0; MILLER_MAX + 2];
    let mut k = 1;
    while k < MILLER_MAX + 2 {
        a[k] = 1.0 / k as f64;
        k += 1;
    }
    a
};
/// `1/(k (k-1))` for the odd `k` of the series: `term_k = term_{k-2} tau^2 / (k (k-1))`.
pub(crate) const SERIES_STEPS: [f64; SERIES_ORDER + 1] = {
    let mut a = [0.0; SERIES_ORDER + 1];
    let mut k = 3;
    while k <= SERIES_ORDER {
        a[k] = 1.0 / (k * (k - 1)) as f64;
        k += 2;
    }
    a
};
/// `1/k!` for `k <= SERIES_ORDER`, each rounded once.
pub(crate) const INVERSE_FACTORIALS: [f64; SERIES_ORDER + 1] = [
    1.0,
    1.0,
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
    1.0 / 87_178_291_200.0,
    1.0 / 1_307_674_368_000.0,
    1.0 / 20_922_789_888_000.0,
    1.0 / 355_687_428_096_000.0,
];

/// The gaussian exponent `-(h^2 + tau^2)/2` in double-double; -inf far past any underflow
/// (`|h|` or `tau` above 1e100), where squaring would overflow and turn the double-double
/// into NaN.
#[inline(always)]
pub(crate) fn gaussian_exponent(h: Dd, tau: Dd) -> Dd {
    if h.hi.abs() > 1e100 || tau.hi > 1e100 {
        return Dd::from_f64(f64::NEG_INFINITY);
    }
    (h.sqr() + tau.sqr()).mul_f64(-0.5)
}

/// `exp(-(h^2 + tau^2)/2)`, the exponent formed in double-double.
#[inline(always)]
pub fn gaussian_factor(h: Dd, tau: Dd) -> f64 {
    // (exp_dd is 0 for -inf)
    exp_dd(gaussian_exponent(h, tau))
}

/// `ln Phi(z)`: for `z < -1` as `ln(erfcx(-z/sqrt 2)/2) - z^2/2`, so that it stays finite
/// (and accurate) far below the range where `Phi` underflows.
pub(crate) fn ln_normal_cdf(z: Dd) -> Dd {
    use crate::normal::erfcx_dd;
    if z.hi < -1.0 {
        if z.hi < -crate::normal::HUGE_ARGUMENT {
            // ln Phi ~ -z^2/2, below -5e199 (and the square overflows further out)
            return Dd::from_f64(f64::NEG_INFINITY);
        }
        if z.hi < -1e8 {
            // Phi(z) = phi(z)/|z| (1 - 1/z^2 + ...): the series' correction is under 1e-16
            // of 1 here, and erfcx_dd of arguments near 1e69 gave NaN (a vol of 1e-71 made
            // delta, theta, rho, epsilon, charm NaN; sweep against mpmath)
            return z.sqr().mul_f64(-0.5) - ln_dd(-z) - crate::normal::LN_SQRT_2PI;
        }
        ln_dd(Dd::from_f64(0.5 * erfcx_dd(-z * FRAC_1_SQRT_2))) + z.sqr().mul_f64(-0.5)
    } else {
        ln_dd(Dd::from_f64(normal_cdf_dd(z)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normal::{FRAC_1_SQRT_2PI, erfcx_dd};

    fn b(x: f64, s: f64) -> f64 {
        let (x, s) = (Dd::from_f64(x), Dd::from_f64(s));
        let h = x / s;
        let tau = s.mul_f64(0.5);
        crate::lane1::otm_call_value(x, h, tau, gaussian_factor(h, tau))
    }

    #[test]
    fn series_and_erfcx_branches_agree_at_the_seam() {
        // at the same (h, tau) near the switch, both evaluations of the bracket must agree
        for &h in &[-30.0, -8.0, -3.0, -2.5, -2.0, -1.0, -0.2, 0.0] {
            for &tau in &[0.2, SMALL_TAU] {
                let (hd, td) = (Dd::from_f64(h), Dd::from_f64(tau));
                let series = 2.0 * FRAC_1_SQRT_2PI * crate::lane1::moment_series_value(h, tau);
                let upper = erfcx_dd(-(hd + td) * FRAC_1_SQRT_2);
                let lower = erfcx_dd(-(hd - td) * FRAC_1_SQRT_2);
                let direct = 0.5 * (upper - lower);
                let rel = (series - direct).abs() / series;
                assert!(
                    rel < 64.0 * f64::EPSILON,
                    "h = {h}, tau = {tau}: {series:e} vs {direct:e}"
                );
            }
        }
    }

    /// (h, tau, (Y(h+tau) - Y(h-tau))/2) from mpmath at 40 digits, just under each order switch.
    #[rustfmt::skip]
    const SERIES_REFERENCE: [(f64, f64, f64); 63] = [
        (0.0, 0.0015, 0.0015000011250005062),
        (0.0, 0.0099, 0.009900323439340023),
        (0.0, 0.029, 0.0290081310342409),
        (0.0, 0.059, 0.05906850735199721),
        (0.0, 0.099, 0.09932406788201543),
        (0.0, 0.149, 0.15010756121806437),
        (0.0, 0.2099, 0.21300992647593742),
        (-0.3, 0.0015, 0.0010491738227831956),
        (-0.3, 0.0099, 0.0069247307230950695),
        (-0.3, 0.029, 0.020288735779109394),
        (-0.3, 0.059, 0.04130725305722995),
        (-0.3, 0.099, 0.06943355035292094),
        (-0.3, 0.149, 0.10486059746210633),
        (-0.3, 0.2099, 0.14861798457048192),
        (-1.0, 0.0015, 0.0005164808985928921),
        (-1.0, 0.0099, 0.0034088335435057313),
        (-1.0, 0.029, 0.00998682702040661),
        (-1.0, 0.059, 0.020327826967090273),
        (-1.0, 0.099, 0.034148813541019216),
        (-1.0, 0.149, 0.05151233710530987),
        (-1.0, 0.2099, 0.07285761439041386),
        (-1.49, 0.0015, 0.00034207509194358914),
        (-1.49, 0.0099, 0.0022577256980093247),
        (-1.49, 0.029, 0.006614223894869028),
        (-1.49, 0.059, 0.013461470570692675),
        (-1.49, 0.099, 0.022607777637251074),
        (-1.49, 0.149, 0.03408468250500081),
        (-1.49, 0.2099, 0.0481625438398771),
        (-1.51, 0.0015, 0.0003367829407963597),
        (-1.51, 0.0099, 0.0022227967189842168),
        (-1.51, 0.029, 0.006511888920690284),
        (-1.51, 0.059, 0.013253143364696067),
        (-1.51, 0.099, 0.022257694986174286),
        (-1.51, 0.149, 0.03355626091336453),
        (-1.51, 0.2099, 0.04741432770899869),
        (-2.2, 0.0015, 0.00020664124613988202),
        (-2.2, 0.0099, 0.0013638448719984683),
        (-2.2, 0.029, 0.003995388610537512),
        (-2.2, 0.059, 0.008130627881845143),
        (-2.2, 0.099, 0.01365127342676603),
        (-2.2, 0.149, 0.020570564184752935),
        (-2.2, 0.2099, 0.029039777149658205),
        (-3.5, 0.0015, 0.00010051922526107544),
        (-3.5, 0.0099, 0.0006634303541893632),
        (-3.5, 0.029, 0.0019434606573215728),
        (-3.5, 0.059, 0.003954507014475526),
        (-3.5, 0.099, 0.006637818589692383),
        (-3.5, 0.149, 0.009997019967320293),
        (-3.5, 0.2099, 0.01409988206915098),
        (-8.0, 0.0015, 2.24164416178902e-05),
        (-8.0, 0.0099, 0.00014794871497902804),
        (-8.0, 0.029, 0.00043338967718171154),
        (-8.0, 0.059, 0.0008817567372303212),
        (-8.0, 0.099, 0.0014796901337008016),
        (-8.0, 0.149, 0.0022273989160292123),
        (-8.0, 0.2099, 0.003138762345380744),
        (-25.0, 0.0015, 2.388571150919319e-06),
        (-25.0, 0.0099, 1.5764571984818366e-05),
        (-25.0, 0.029, 4.617910354011069e-05),
        (-25.0, 0.059, 9.395098243442169e-05),
        (-25.0, 0.099, 0.00015764814031422785),
        (-25.0, 0.149, 0.00023727306886028748),
        (-25.0, 0.2099, 0.0003342640252389556),
    ];

    #[test]
    fn moment_series_matches_40_digit_values() {
        let mut worst: f64 = 0.0;
        for &(h, tau, want) in SERIES_REFERENCE.iter() {
            let got = crate::lane1::moment_series_value(h, tau);
            worst = worst.max((got - want).abs() / (f64::EPSILON * want));
        }
        eprintln!("moment series: worst {worst:.2} ulps of 40-digit values");
        assert!(worst <= 4.0, "worst {worst} ulps");
    }

    #[test]
    fn known_values() {
        // b(0, s) = erf(s / (2 sqrt 2)) = 0.019945036390476086689... for s = 0.05 (mpmath)
        let v = b(0.0, 0.05);
        assert!(
            (v - 0.019_945_036_390_476_086).abs() <= 2.0 * f64::EPSILON * v,
            "{v:e}"
        );
        // deep out of the money with small s, carried by the moment series:
        // b(-1, 0.1) = 7.4653976115686172328...e-26 (mpmath, 40 digits)
        let v = b(-1.0, 0.1);
        assert!(
            (v - 7.465_397_611_568_617e-26).abs() <= 8.0 * f64::EPSILON * v,
            "{v:e}"
        );
    }

    #[test]
    fn vanishing_volatility_underflows_to_zero_not_nan() {
        // h = x/s ~ -8e9: the gaussian factor underflows; the series must not be consulted
        assert_eq!(b(-0.693, 8.8e-11), 0.0);
        assert_eq!(b(-1e-3, 1e-300), 0.0);
    }

    #[test]
    fn complement_adds_up_to_the_bound() {
        for &(x, s) in &[(-0.5, 0.3), (-2.0, 3.0), (0.0, 1.0), (-0.01, 0.05)] {
            let (xd, sd) = (Dd::from_f64(x), Dd::from_f64(s));
            let h = xd / sd;
            let tau = sd.mul_f64(0.5);
            let total = b(x, s) + crate::lane1::otm_call_complement_value(xd, h, tau);
            assert!(
                (total - (0.5 * x).exp()).abs() < 4.0 * f64::EPSILON,
                "{x} {s}: {total}"
            );
        }
    }
}
