//! The common case in plain doubles.
//!
//! The exact kernels (`black`, `normalised`) carry every intermediate in double-double so
//! that no input, however extreme, loses accuracy; that costs about 300 instructions per
//! price. Most contracts do not need it. Where the log-moneyness is moderate, the total
//! volatility is neither vanishing nor huge and the out-of-the-money value does not
//! underflow, the plain-double kernel forms the price in plain doubles, with the same normalised
//! formulas as `normalised` and a few compensations; everything else returns `None` and
//! the caller takes the exact kernel.
//!
//! Compensations: `ln(S/K)` gets the first-order term of the quotient's rounding (`S - K
//! ratio` is exact with a fused multiply-add); the gaussian exponent `-(h^2 + tau^2)/2` is
//! formed from exactly split squares and applied as `e^{hi} (1 + lo)`; the arguments of
//! `erfcx` in the difference formula are corrected to first order. What is left moves the
//! price like a relative perturbation of `S`, `K` or `sigma` of an ulp or two, which is what
//! the condition number `kappa` of the reference test measures. Two guards keep the
//! error small in implied-vol terms too (a round trip price -> vol): `ln(S/K)` and the carry
//! `(r - q) t` must not cancel, and the difference of `erfcx` must not cancel by more than
//! `MAX_CANCELLATION (1 + h^2)` (where it does with a small `tau`, so `h < -1.5`, Miller's
//! moment series answers, as in the exact kernel; with a larger `tau` the exact kernel
//! does). Measured against the exact kernel on 400,000 random
//! contracts (`tests`): at most 1.4 units of `eps (1 + kappa)` (the reference test allows 8),
//! and at most 8.2 units of the implied-vol error `e` (issue 4 allows 16).
//!
//! The formulas are written once, for every width, in `lanes/lane_fast.rs` (`fast_setup4`,
//! `fast_price_from`, `fast_greeks_from`): `lane1::fast_price` and `lane1::fast_greeks` are
//! their one-lane instance, so the vector kernels give their bits by construction (the
//! implied-vol pre-steps' plain-double `b` is `otm_value4` there too). What stays here is
//! the region's constants and the tests of the formulas against the exact kernel.

/// The region: `|x| = |ln(F/K)|` at most this ...
pub(crate) const MAX_ABS_X: f64 = 2.0;
/// ... total volatility `sigma sqrt(t)` in this range ...
/// ... `|ln(S/K)| + |(r - q) t|` at most this times `|x| + s` ...
pub(crate) const MAX_LOG_CANCELLATION: f64 = 8.0;
pub(crate) const MIN_TOTAL_VOL: f64 = 1e-4;
pub(crate) const MAX_TOTAL_VOL: f64 = 10.0;
/// ... spot and strike in this range, `|r t|`, `|q t|` at most `MAX_RATE_TIME` (so that
/// `P`, `Q` and `G` stay far from the subnormal range) ...
pub(crate) const MIN_SPOT: f64 = 1e-30;
pub(crate) const MAX_SPOT: f64 = 1e30;
pub(crate) const MAX_RATE_TIME: f64 = 50.0;
/// ... and the gaussian exponent `-u1^2/2` above this. Below `UNDERFLOW_EXPONENT` the
/// out-of-the-money value is under half the smallest subnormal whatever `P` is in the
/// region, and is 0; in between, the exact kernel.
pub(crate) const MIN_EXPONENT: f64 = -500.0;
pub(crate) const UNDERFLOW_EXPONENT: f64 = -870.0;

/// Where the plain difference of `erfcx` is accepted: its cancellation `E1 / (E1 - E2)` at
/// most this times `1 + h^2` (which bounds both the price error in units of `kappa` and the
/// implied-vol error of a round trip to a few units).
pub(crate) const MAX_CANCELLATION: f64 = 6.0;

/// The cancellation the pre-steps accept: 1e5 (1 + h^2) leaves about 1e-10 of `b`.
pub(crate) const PRE_STEP_CANCELLATION: f64 = 1e5;

/// Greeks in plain doubles only where the gaussian exponent is above this (|h| <= 20): the
/// rounding of `h` enters the gaussian factor multiplied by `h^2`.
pub(crate) const GREEKS_MIN_EXPONENT: f64 = -200.0;
/// A greek formed as a sum is accepted when its terms' size times their relative error
/// (`(3 h^2 + 16) eps`) is at most this times the sum; otherwise the exact kernel.
pub(crate) const GREEKS_MAX_ERROR: f64 = 2e-13;
/// The range of `2 t sigma sqrt(t)` whose reciprocal the plain-double greeks share (theta,
/// charm, gamma, vanna, volga): its reciprocal and `2 t` times it stay normal and finite.
pub(crate) const GREEKS_TIME_RANGE: [f64; 2] = [1e-290, 1e290];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::black::{bsm_greeks_exact, bsm_price_exact};
    use crate::contract::Contract;
    use crate::elementary::ln;
    use crate::normalised::SMALL_TAU;
    use crate::testing::xorshift;

    fn ulps(got: f64, want: f64) -> f64 {
        (got - want).abs() / (f64::EPSILON * want.abs())
    }

    #[test]
    fn ln_is_within_an_ulp() {
        let mut rnd = xorshift(7);
        let mut worst: f64 = 0.0;
        for i in 0..400_000 {
            let x = if i % 2 == 0 {
                (rnd() * 8.0 - 4.0).exp()
            } else {
                1.0 + (rnd() - 0.5) * 1e-3
            };
            let want = pxfm::f_log(x);
            if want != 0.0 {
                worst = worst.max(ulps(ln(x), want));
            }
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(worst <= 1.0, "worst {worst} ulps");
    }

    /// `kappa` of the reference test, from the exact kernel's greeks.
    fn kappa(c: &Contract, price: f64) -> f64 {
        let g = bsm_greeks_exact(c);
        let s_delta = c.s * g.delta;
        ((s_delta).abs()
            + (price - s_delta).abs()
            + (c.sigma * g.vega).abs()
            + (c.t * g.theta).abs()
            + (c.r * g.rho).abs()
            + (c.q * g.epsilon).abs())
            / price
    }

    /// The plain-double price against the exact kernel on random contracts covering the
    /// region and its edges, in units of `eps (1 + kappa)` of the price: the reference test
    /// allows 8.
    #[test]
    fn common_case_is_within_a_few_condition_units_of_the_exact_kernel() {
        let mut rnd = xorshift(2024);
        let (mut worst, mut fast, mut zero) = (0.0f64, 0, 0);
        let mut worst_at = None;
        let (mut worst_iv, mut worst_iv_at) = (0.0f64, None);
        for i in 0..400_000 {
            let s = (rnd() * 20.0 - 10.0).exp();
            let k = s * (rnd() * 4.4 - 2.2).exp();
            let sigma = match i % 4 {
                0 => 0.001 + 0.05 * rnd(),
                1 => 0.05 + 0.9 * rnd(),
                2 => 1.0 + 4.0 * rnd(),
                _ => (rnd() * 12.0 - 8.0).exp(),
            };
            let t = (rnd() * 11.0 - 7.0).exp();
            let c = Contract {
                s,
                k,
                r: 0.3 * rnd() - 0.1,
                q: 0.2 * rnd() - 0.05,
                sigma,
                t,
                is_call: rnd() < 0.5,
            };
            let Some(got) = crate::lane1::fast_price(&c) else {
                continue;
            };
            fast += 1;
            let want = bsm_price_exact(&c);
            if want < 1e-300 {
                zero += 1;
                assert!(got < 1e-290, "{c:?}: {got} for {want}");
                continue;
            }
            let units = (got - want).abs() / (f64::EPSILON * (1.0 + kappa(&c, want)) * want);
            if units > worst {
                worst = units;
                worst_at = Some((c, got, want));
            }
            // what the error does to an implied vol: e of the implied-vol issue
            let vega = bsm_greeks_exact(&c).vega;
            let e = (got - want).abs() / (f64::EPSILON * (c.sigma * vega + want));
            if e > worst_iv {
                worst_iv = e;
                worst_iv_at = Some((c, got, want));
            }
        }
        println!("{fast} in the region ({zero} underflow); worst {worst:.3} units at {worst_at:?}");
        println!("worst implied-vol e {worst_iv:.3} at {worst_iv_at:?}");
        assert!(fast > 200_000, "the region covers too little: {fast}");
        assert!(worst <= 3.0, "worst {worst} units at {worst_at:?}");
        assert!(
            worst_iv <= 10.0,
            "worst implied-vol e {worst_iv} at {worst_iv_at:?}"
        );
    }

    /// The setup forms `ln(S/K)`'s rounding term `resid / S` without a division (a
    /// single-precision reciprocal and two corrections). Near the money with a vanishing
    /// total vol, where `x` is tiny and every bit of the term shows in it (and in `d2`, vanna,
    /// volga and charm), `x` must be what the division gives. A review found the
    /// uncorrected reciprocal two ulps off in `x` at S = 134.74000166740748, K = 134.74.
    #[test]
    fn the_rounding_term_of_s_over_k_is_the_divisions() {
        let mut rnd = xorshift(91);
        let mut tiny = 0;
        for i in 0..20_000 {
            let k = 1.0 + 299.0 * rnd();
            // S a few hundred ulps to 1e-8 from K: S/K rounds, and x is tiny
            let s = k * (1.0 + (1e-14f64.ln() + (1e-8f64 / 1e-14).ln() * rnd()).exp());
            let c = Contract {
                s: if i == 0 { 134.740_001_667_407_48 } else { s },
                k: if i == 0 { 134.74 } else { k },
                r: 0.0,
                q: 0.0,
                sigma: 0.015,
                t: 1e-4,
                is_call: true,
            };
            let (_, [.., x]) = crate::lane1::setup_values(&c);
            let ratio = c.s / c.k;
            let resid = (-ratio).mul_add(c.k, c.s);
            let want = ln(ratio) + (resid / c.s + 0.0);
            assert_eq!(
                x.to_bits(),
                want.to_bits(),
                "{c:?}: x {x:e}, by division {want:e}"
            );
            tiny += usize::from(x.abs() < 1e-7);
        }
        assert!(tiny > 10_000, "only {tiny} rows with a tiny x");
    }

    /// Where the difference of `erfcx` cancels too much with a small `tau` (h < -1.5), the
    /// plain-double price answers by Miller's series (`miller_finish4`) instead of leaving the
    /// contract to the exact kernel: as accurate as the rest of the region, in the same units.
    #[test]
    fn cancelled_differences_with_a_small_tau_take_the_series() {
        let mut rnd = xorshift(77);
        let (mut rescued, mut worst, mut worst_iv) = (0, 0.0f64, 0.0f64);
        let mut worst_at = None;
        for _ in 0..400_000 {
            let (s, k, sigma, t) = crate::testing::csi_like(&mut rnd);
            let c = Contract {
                s,
                k,
                r: 0.02,
                q: 0.01,
                sigma,
                t,
                is_call: rnd() < 0.5,
            };
            let (in_range, [h_otm, tau, abs_x, g, x]) = crate::lane1::setup_values(&c);
            let refused = in_range
                && crate::lane1::otm_value(h_otm, tau, abs_x, g, MAX_CANCELLATION).is_none();
            if !refused {
                continue;
            }
            if tau >= SMALL_TAU {
                // no series there: the exact kernel's
                assert!(crate::lane1::fast_price(&c).is_none(), "{c:?}");
                continue;
            }
            let Some(got) = crate::lane1::fast_price(&c) else {
                // in the money with no time value to speak of: left to the exact kernel's
                // settlement at the intrinsic value, the only other refusal here
                assert!(c.is_call == (x > 0.0), "{c:?}");
                continue;
            };
            rescued += 1;
            let want = bsm_price_exact(&c);
            let units = (got - want).abs() / (f64::EPSILON * (1.0 + kappa(&c, want)) * want);
            if units > worst || units.is_nan() {
                worst = units;
                worst_at = Some((c, got, want));
            }
            let vega = bsm_greeks_exact(&c).vega;
            worst_iv = worst_iv.max((got - want).abs() / (f64::EPSILON * (c.sigma * vega + want)));
        }
        println!(
            "{rescued} by the series; worst {worst:.3} units at {worst_at:?}, implied-vol e {worst_iv:.3}"
        );
        assert!(
            rescued > 2_000,
            "too few contracts where the difference cancels: {rescued}"
        );
        assert!(worst <= 3.0, "worst {worst} units at {worst_at:?}");
        assert!(worst_iv <= 10.0, "worst implied-vol e {worst_iv}");
    }

    /// Fast greeks against the exact kernel's on random contracts: relative error within
    /// 1e-12 (the reference test's bound), in practice far less.
    #[test]
    fn greeks_agree_with_the_exact_kernel() {
        let mut rnd = xorshift(99);
        let (mut fast, mut worst) = (0, 0.0f64);
        let mut worst_at = None;
        for i in 0..200_000 {
            let s = (rnd() * 20.0 - 10.0).exp();
            let k = s * (rnd() * 4.4 - 2.2).exp();
            let sigma = match i % 3 {
                0 => 0.01 + 0.1 * rnd(),
                1 => 0.05 + 0.9 * rnd(),
                _ => 1.0 + 4.0 * rnd(),
            };
            let t = (rnd() * 9.0 - 6.0).exp();
            let c = Contract {
                s,
                k,
                r: 0.3 * rnd() - 0.1,
                q: if i % 5 == 0 { 0.0 } else { 0.2 * rnd() - 0.05 },
                sigma,
                t,
                is_call: rnd() < 0.5,
            };
            let Some(got) = crate::lane1::fast_greeks(&c) else {
                continue;
            };
            fast += 1;
            let want = bsm_greeks_exact(&c);
            let pairs = [
                (got.delta, want.delta),
                (got.gamma, want.gamma),
                (got.vega, want.vega),
                (got.theta, want.theta),
                (got.rho, want.rho),
                (got.epsilon, want.epsilon),
                (got.vanna, want.vanna),
                (got.volga, want.volga),
                (got.charm, want.charm),
            ];
            for (j, (a, b)) in pairs.into_iter().enumerate() {
                if b == 0.0 {
                    assert_eq!(a, 0.0, "{c:?} greek {j}");
                    continue;
                }
                let rel = ((a - b) / b).abs();
                if rel > worst {
                    worst = rel;
                    worst_at = Some((c, j, a, b));
                }
            }
            assert_eq!(
                got.price.to_bits(),
                crate::lane1::fast_price(&c).map_or(0, f64::to_bits)
            );
        }
        println!(
            "{fast} greeks in plain doubles; worst relative error {worst:.3e} at {worst_at:?}"
        );
        assert!(fast > 100_000, "the region covers too little: {fast}");
        assert!(worst <= 5e-13, "worst {worst:e} at {worst_at:?}");
    }

    /// Contracts in the price's region with a t so small or large that `2 t sigma sqrt(t)`
    /// leaves the double range: the plain-double greeks leave them to the exact kernel (with
    /// one reciprocal of that product shared, gamma came out inf for t = 1e-306 and 0 for
    /// t = 1e307, review), and the greeks are finite and the exact kernel's.
    #[test]
    fn greeks_at_extreme_times_are_the_exact_kernels() {
        for (t, sigma) in [
            (1e-306, 2e149),
            (1e-300, 2e146),
            (1e307, 3.16e-153),
            (1e295, 3.16e-148),
        ] {
            let c = Contract {
                s: 100.0,
                k: 100.0,
                r: 0.0,
                q: 0.0,
                sigma,
                t,
                is_call: true,
            };
            assert!(
                crate::lane1::fast_price(&c).is_some(),
                "in the price's region: {c:?}"
            );
            assert!(crate::lane1::fast_greeks(&c).is_none(), "{c:?}");
            let greeks = |g: crate::contract::GreekValues| {
                [
                    g.delta, g.gamma, g.vega, g.theta, g.rho, g.epsilon, g.vanna, g.volga, g.charm,
                ]
            };
            let got = greeks(crate::black::bsm_greeks(&c));
            let want = greeks(bsm_greeks_exact(&c));
            for (j, (a, b)) in got.into_iter().zip(want).enumerate() {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "greek {j} of {c:?}: {a} against {b}"
                );
            }
            // gamma, theta, vanna, volga and charm are numbers here (rho and epsilon, t
            // times a leg, overflow with t = 1e307 as they should)
            for j in [1, 3, 6, 7, 8] {
                assert!(got[j].is_finite(), "greek {j} of {c:?}: {}", got[j]);
            }
        }
    }

    #[test]
    fn outside_the_region_is_none() {
        let base = Contract {
            s: 100.0,
            k: 100.0,
            r: 0.02,
            q: 0.01,
            sigma: 0.2,
            t: 1.0,
            is_call: true,
        };
        assert!(crate::lane1::fast_price(&base).is_some());
        for c in [
            Contract { k: 1.0, ..base }, // |x| > 2
            Contract {
                sigma: 1e-6,
                ..base
            }, // vanishing total vol
            Contract {
                sigma: 20.0,
                ..base
            }, // huge total vol
            Contract {
                s: f64::NAN,
                ..base
            },
            Contract {
                sigma: f64::NAN,
                ..base
            },
            Contract {
                t: f64::NAN,
                ..base
            },
            Contract {
                r: f64::NAN,
                ..base
            },
            Contract { r: 80.0, ..base }, // e^{-rt} near underflow
            Contract {
                s: 1e-40,
                k: 1e-40,
                ..base
            }, // outside the spot range
            // the gaussian exponent between MIN_EXPONENT and UNDERFLOW_EXPONENT
            Contract {
                k: 150.0,
                sigma: 0.0113,
                ..base
            },
        ] {
            assert!(crate::lane1::fast_price(&c).is_none(), "{c:?}");
        }
        // far out of the money with a small total vol: the value underflows to 0
        let far = Contract {
            k: 150.0,
            sigma: 0.008,
            ..base
        };
        assert_eq!(crate::lane1::fast_price(&far), Some(0.0));
        assert_eq!(bsm_price_exact(&far), 0.0);
        let put = Contract {
            is_call: false,
            ..far
        };
        // no time value to speak of: settled at the intrinsic value as a user forms it
        let intrinsic = 150.0 * (-0.02f64 * 1.0).exp() - 100.0 * (-0.01f64 * 1.0).exp();
        assert_eq!(crate::lane1::fast_price(&put), Some(intrinsic));
        assert_eq!(crate::black::bsm_price(&put), intrinsic);
    }
}
