//! The normalised Black function `b(x, s) = e^{x/2} Phi(h + tau) - e^{-x/2} Phi(h - tau)`
//! (`h = x/s`, `tau = s/2`) and its complement `e^{x/2} - b`, evaluated to a few ulps in
//! every region, as pricing and implied volatility both need.
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
use crate::elementary::{exp_dd, two_sinh_half};
use crate::normal::{FRAC_1_SQRT_2PI, erfcx, erfcx_dd, normal_cdf_dd};

/// 1/sqrt(2) as a double-double.
pub const FRAC_1_SQRT_2: Dd = Dd::new(std::f64::consts::FRAC_1_SQRT_2, -4.833_646_656_726_457e-17);
/// sqrt(pi/2)
const SQRT_FRAC_PI_2: f64 = 1.253_314_137_315_500_3;
/// Above this `h + tau` the value is the plain difference of `Phi`.
const DIRECT_CDF_THRESHOLD: f64 = 0.85;
/// Below this `tau` the moment series is used.
pub const SMALL_TAU: f64 = 0.21;
/// Highest odd moment of the series: at tau = 0.21 the next term is below 2^-60 of the sum.
const SERIES_ORDER: usize = 17;
/// Below this `h` the moments come from the downward recurrence.
const MILLER_BELOW: f64 = -1.5;

/// `exp(-(h^2 + tau^2)/2)`, the exponent formed in double-double.
#[inline(always)]
pub fn gaussian_factor(h: Dd, tau: Dd) -> f64 {
    if h.hi.abs() > 1e100 || tau.hi > 1e100 {
        // far past underflow; squaring would overflow and turn the double-double into NaN
        return 0.0;
    }
    exp_dd((h.sqr() + tau.sqr()).mul_f64(-0.5))
}

/// `sum_{k odd <= 17} M_k(h) tau^k / k!` for `h <= 0`, `tau < SMALL_TAU`.
#[inline(always)]
fn moment_series(h: f64, tau: f64) -> f64 {
    let mut m = [0.0f64; SERIES_ORDER + 1];
    let y = SQRT_FRAC_PI_2 * erfcx(-h * std::f64::consts::FRAC_1_SQRT_2);
    if h >= MILLER_BELOW {
        m[0] = y;
        m[1] = h.mul_add(y, 1.0);
        for k in 1..SERIES_ORDER {
            m[k + 1] = h.mul_add(m[k], k as f64 * m[k - 1]);
        }
    } else {
        // downward from N: all terms of m_{k-1} = (m_{k+1} - h m_k) / k are positive for h < 0.
        // The start m_N = 1, m_{N+1} = u* takes the ratio from the saddle point u* of the
        // integrand u^N e^{hu - u^2/2}; what is left of the unwanted solution dies off like
        // exp(-2|h| sqrt(k)) going down, so N = 30 + 250/h^2 leaves less than 2^-55 of it
        // (checked against 40-digit values: at most 3 ulps for every h < -1.5).
        let top = SERIES_ORDER + 13 + (250.0 / (h * h)) as usize;
        let saddle = 0.5 * (h + h.mul_add(h, 4.0 * (top + 1) as f64).sqrt());
        let (mut above, mut here) = (saddle, 1.0f64);
        for k in (SERIES_ORDER + 1..=top).rev() {
            let below = (-h).mul_add(here, above) / k as f64;
            above = here;
            here = below;
        }
        // here = m_SERIES_ORDER, above = m_{SERIES_ORDER+1}
        m[SERIES_ORDER] = here;
        let mut next = above;
        for k in (1..=SERIES_ORDER).rev() {
            let below = (-h).mul_add(m[k], next) / k as f64;
            next = m[k];
            m[k - 1] = below;
        }
        let norm = y / m[0];
        for v in m.iter_mut() {
            *v *= norm;
        }
    }
    // sum_{k odd} m_k tau^k / k!, smallest terms first
    let t2 = tau * tau;
    let mut sum = 0.0;
    let mut k = SERIES_ORDER;
    while k >= 3 {
        sum = (sum + m[k]) * t2 / ((k * (k - 1)) as f64);
        k -= 2;
    }
    (sum + m[1]) * tau
}

/// The normalised out-of-the-money call value `b(x, s)` for `x <= 0`, given `h = x/s`,
/// `tau = s/2` and `gaussian = gaussian_factor(h, tau)`.
#[inline(always)]
pub fn otm_call(x: Dd, h: Dd, tau: Dd, gaussian: f64) -> f64 {
    let d1 = h + tau;
    if d1.hi > DIRECT_CDF_THRESHOLD {
        let half_x = x.mul_f64(0.5);
        return exp_dd(half_x) * normal_cdf_dd(d1) - exp_dd(-half_x) * normal_cdf_dd(h - tau);
    }
    if gaussian == 0.0 {
        // exp(-(h^2+tau^2)/2) underflowed, and b is smaller still (the moment recurrence
        // would overflow for such h)
        return 0.0;
    }
    if tau.hi < SMALL_TAU {
        return 2.0 * FRAC_1_SQRT_2PI * gaussian * moment_series(h.hi, tau.hi);
    }
    let upper = erfcx_dd(-d1 * FRAC_1_SQRT_2);
    let lower = erfcx_dd(-(h - tau) * FRAC_1_SQRT_2);
    0.5 * gaussian * (upper - lower)
}

/// `e^{x/2} - b(x, s)` for `x <= 0`: `e^{x/2} Phi(-(h+tau)) + e^{-x/2} Phi(h-tau)`, two
/// positive terms. It is what is left below the upper bound, accurate where `b` is close to it.
#[inline(always)]
pub fn otm_call_complement(x: Dd, h: Dd, tau: Dd) -> f64 {
    let half_x = x.mul_f64(0.5);
    exp_dd(half_x) * normal_cdf_dd(-(h + tau)) + exp_dd(-half_x) * normal_cdf_dd(h - tau)
}

/// The normalised value of the option with log-moneyness `x` seen from its own side:
/// `x_signed = theta * x`, `h_signed = x_signed / s`: its intrinsic part `2 sinh(x/2)` when
/// in the money, plus the out-of-the-money value.
#[inline(always)]
pub fn normalised_value(x_signed: Dd, h_signed: Dd, tau: Dd, gaussian: f64) -> f64 {
    if x_signed.hi <= 0.0 {
        otm_call(x_signed, h_signed, tau, gaussian)
    } else {
        two_sinh_half(x_signed) + otm_call(-x_signed, -h_signed, tau, gaussian)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: f64, s: f64) -> f64 {
        let (x, s) = (Dd::from_f64(x), Dd::from_f64(s));
        let h = x / s;
        let tau = s.mul_f64(0.5);
        otm_call(x, h, tau, gaussian_factor(h, tau))
    }

    #[test]
    fn series_and_erfcx_branches_agree_at_the_seam() {
        // at the same (h, tau) near the switch, both evaluations of the bracket must agree
        for &h in &[-30.0, -8.0, -3.0, -2.5, -2.0, -1.0, -0.2, 0.0] {
            for &tau in &[0.2, SMALL_TAU] {
                let (hd, td) = (Dd::from_f64(h), Dd::from_f64(tau));
                let series = 2.0 * FRAC_1_SQRT_2PI * moment_series(h, tau);
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
            let total = b(x, s) + otm_call_complement(xd, h, tau);
            assert!(
                (total - (0.5 * x).exp()).abs() < 4.0 * f64::EPSILON,
                "{x} {s}: {total}"
            );
        }
    }
}
