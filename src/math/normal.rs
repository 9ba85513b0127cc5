//! The standard normal distribution, accurate in both tails.
//!
//! Everything is built on one kernel, the scaled complementary error function
//! `erfcx(x) = exp(x^2) erfc(x)`, which never underflows and has no cancellation:
//! `Phi(z) = exp(-w^2) erfcx(w) / 2` with `w = -z/sqrt2` in the lower tail. The argument `w`
//! and the exponent `w^2` are carried as double-doubles, because the tail amplifies an error
//! in `w` by `2 w^2`; the low part of `w` enters through `erfcx'(w) = 2w erfcx(w) - 2/sqrt(pi)`.

use crate::dd::Dd;
use crate::elementary::exp_dd;

/// 1/sqrt(2 pi)
pub const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
pub use super::consts::FRAC_1_SQRT_PI;
/// ln sqrt(2 pi) in double-double.
pub(crate) const LN_SQRT_2PI: Dd = Dd::new(0.918_938_533_204_672_8, -3.878_294_158_067_241_4e-17);
pub(crate) use super::consts::FRAC_1_SQRT_2;

/// Scaled complementary error function `exp(x^2) erfc(x)`, relative error about 1 ulp.
#[inline(always)]
pub fn erfcx(x: f64) -> f64 {
    if x > -0.99 {
        erfcx_tabulated(x)
    } else if x > -26.7 {
        // erfcx(x) = 2 exp(x^2) - erfcx(-x): here the first term is over ten times the second
        2.0 * exp_dd(Dd::product(x, x)) - erfcx_tabulated(-x)
    } else if x.is_nan() {
        f64::NAN
    } else {
        f64::INFINITY
    }
}

/// `erfcx` on `(-0.99, inf)`: the tabulated polynomials in `y = 400/(4+x)` below 50, the
/// asymptotic series `(1 - 1/(2x^2) + 3/(2x^2)^2 - ...) / (x sqrt(pi))` above.
#[inline(always)]
fn erfcx_tabulated(x: f64) -> f64 {
    // the one-lane instance of `lanes/lane_math.rs`'s `erfcx`, which the vector kernels run
    super::lane1::erfcx1(x)
}

/// `erfcx` of a double-double argument: first-order correction for the low part,
/// using `d/dx erfcx(x) = 2x erfcx(x) - 2/sqrt(pi)` (the lane kernels' correction, one lane,
/// on `erfcx` of the whole range).
#[inline(always)]
pub fn erfcx_dd(x: Dd) -> f64 {
    super::lane1::erfcx_low_part1(erfcx(x.hi), x)
}

/// Standard normal density `exp(-z^2/2) / sqrt(2 pi)`, exponent formed in double-double.
#[inline(always)]
pub fn normal_pdf(z: f64) -> f64 {
    normal_pdf_dd(Dd::from_f64(z))
}

/// Standard normal density of a double-double argument.
#[inline(always)]
pub fn normal_pdf_dd(z: Dd) -> f64 {
    let half_sq = z.sqr().mul_f64(-0.5);
    FRAC_1_SQRT_2PI * exp_dd(half_sq)
}

/// Standard normal cumulative distribution `Phi(z)`.
#[inline(always)]
pub fn normal_cdf(z: f64) -> f64 {
    normal_cdf_dd(Dd::from_f64(z))
}

/// Beyond this `|z|` the normal cdf is its limit, 0 or 1, in doubles (already from 40).
pub(crate) const HUGE_ARGUMENT: f64 = 1e100;

/// `Phi` of a double-double argument, relative error of a few ulps in both tails.
#[inline(always)]
pub fn normal_cdf_dd(z: Dd) -> f64 {
    if z.hi.is_nan() {
        return f64::NAN;
    }
    if z.hi.abs() > HUGE_ARGUMENT {
        // the limits, which Phi has long reached (Phi(-40) is below the subnormals): the
        // square would overflow on the way (h near 1e200, a vol of 1e-200: NaN), and the
        // double-double product with an infinity has a NaN low part
        return if z.hi > 0.0 { 1.0 } else { 0.0 };
    }
    // the one-lane instance of `lanes/lane_math.rs`'s `normal_cdf_dd`: `erfc(w) / 2 =
    // exp(-w^2) erfcx(w) / 2` for `w = |z| / sqrt 2`, 0 beyond `w = 38.5`
    super::lane1::normal_cdf_dd1(z)
}

/// The standard normal quantile `Phi^-1(p)` for `0 < p < 1`, to about 1e-15 relative.
///
/// Abramowitz & Stegun 26.2.23 (error below 4.5e-4) as the start, then two Halley steps on
/// `Phi(z) = p`, each of which cubes the relative error. Used for starting points, where a
/// few ulps do not matter.
#[inline(always)]
pub fn inverse_normal_cdf(p: f64) -> f64 {
    inverse_normal_cdf_steps(p, 2)
}

/// `inverse_normal_cdf` with `steps` Halley steps: one leaves about 1e-10 relative, plenty
/// for a starting point.
#[inline(always)]
pub fn inverse_normal_cdf_steps(p: f64, steps: usize) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return if p == 0.0 {
            f64::NEG_INFINITY
        } else if p == 1.0 {
            f64::INFINITY
        } else {
            f64::NAN
        };
    }
    let tail = p.min(1.0 - p);
    let u = (-2.0 * crate::elementary::ln_any(tail)).sqrt();
    let mut z = -(u
        - (2.515_517 + 0.802_853 * u + 0.010_328 * u * u)
            / (1.0 + 1.432_788 * u + 0.189_269 * u * u + 0.001_308 * u * u * u));
    if p > 0.5 {
        z = -z;
    }
    for _ in 0..steps {
        let err = if z <= 0.0 {
            normal_cdf(z) - p
        } else {
            (1.0 - p) - normal_cdf(-z)
        };
        let r = err / normal_pdf(z);
        z -= r / (1.0 + 0.5 * z * r);
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn erfcx_matches_correctly_rounded_values() {
        for &(x, want) in crate::tables::ERFCX_TEST_POINTS.iter() {
            let got = erfcx(x);
            assert!(
                (got - want).abs() <= 1.5 * f64::EPSILON * want,
                "erfcx({x:e}) = {got:e}, want {want:e}"
            );
        }
        assert_eq!(erfcx(f64::INFINITY), 0.0);
        assert_eq!(erfcx(-30.0), f64::INFINITY);
        assert!(erfcx(f64::NAN).is_nan());
    }

    #[test]
    fn erfcx_sweep_against_a_correctly_rounded_implementation() {
        // pxfm's erfcx is correctly rounded; ours must stay within 2 ulps everywhere
        let mut worst: f64 = 0.0;
        let mut at = 0.0;
        let mut x = -26.0;
        while x < 200.0 {
            let want = pxfm::f_erfcx(x);
            let ulps = (erfcx(x) - want).abs() / (f64::EPSILON * want);
            if ulps > worst {
                worst = ulps;
                at = x;
            }
            x += 0.000_731 * (1.0 + x.abs());
        }
        println!("erfcx worst {worst} ulps at {at}");
        assert!(worst <= 2.0, "worst {worst} ulps");
    }

    #[test]
    fn cdf_known_values() {
        assert_eq!(normal_cdf(0.0), 0.5);
        // Phi(-1) = 0.158655253931457051414767454367962...
        assert_relative_eq!(
            normal_cdf(-1.0),
            0.158_655_253_931_457_05,
            max_relative = 2e-16
        );
        // Phi(-10) = 7.61985302416052606597334325e-24
        assert_relative_eq!(
            normal_cdf(-10.0),
            7.619_853_024_160_526e-24,
            max_relative = 4e-16
        );
        // Phi(-37) = 5.72557122252458e-300
        assert_relative_eq!(
            normal_cdf(-37.0),
            5.725_571_222_524_58e-300,
            max_relative = 1e-14
        );
        assert_relative_eq!(
            normal_cdf(3.0),
            0.998_650_101_968_369_9,
            max_relative = 2e-16
        );
    }

    #[test]
    fn cdf_symmetry_and_limits() {
        for &z in &[0.1, 0.7, 1.3, 2.9, 5.5] {
            assert_relative_eq!(normal_cdf(z) + normal_cdf(-z), 1.0, max_relative = 4e-16);
        }
        assert_eq!(normal_cdf(-40.0), 0.0);
        assert_eq!(normal_cdf(40.0), 1.0);
        assert!(normal_cdf(f64::NAN).is_nan());
    }

    #[test]
    fn inverse_cdf_round_trips() {
        for &p in &[
            1e-300,
            1e-200,
            1e-50,
            1e-10,
            0.001,
            0.1,
            0.3,
            0.5,
            0.7,
            0.999,
            1.0 - 1e-12,
        ] {
            let z = inverse_normal_cdf(p);
            let back = normal_cdf(z);
            assert!(
                (back - p).abs() <= 1e-13 * p.min(1.0 - p).max(1e-300) + 1e-300,
                "{p}: {z} -> {back}"
            );
        }
        assert!(inverse_normal_cdf(0.5).abs() < 1e-16);
        assert!(inverse_normal_cdf(-0.1).is_nan());
    }

    #[test]
    fn pdf_known_values() {
        assert_relative_eq!(normal_pdf(0.0), FRAC_1_SQRT_2PI, max_relative = 1e-16);
        // phi(30) = exp(-450)/sqrt(2 pi) = 1.4736461348e-196 * ...; check via identity
        // phi(z) = phi(0) * exp(-z^2/2) with z^2/2 exact for z = 30
        assert_relative_eq!(
            normal_pdf(30.0),
            FRAC_1_SQRT_2PI * (-450.0f64).exp(),
            max_relative = 4e-16
        );
    }

    #[test]
    fn erfcx_dd_first_order_correction() {
        // erfcx(1 + 1e-10) via the dd path vs a direct evaluation at the rounded point
        let x = Dd::new(1.0, 1e-17);
        let direct = erfcx(1.0);
        let slope = 2.0 * erfcx(1.0) - 2.0 * FRAC_1_SQRT_PI;
        assert_relative_eq!(erfcx_dd(x), direct + slope * 1e-17, max_relative = 1e-16);
    }
}
