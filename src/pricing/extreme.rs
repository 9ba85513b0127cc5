//! Prices and greeks of contracts beyond the normalised formulas' reach, and the floor at
//! the intrinsic value that every price keeps.
//!
//! The normalised form (`black`) factors the price as `sqrt(S K) e^{-(r+q)t/2} b(x, s)` with
//! `x = ln(S/K) + (r - q) t`: where `|r t|`, `|q t|` or the total volatility `s = sigma
//! sqrt(t)` run into the trillions, the two factors' logarithms are opposite numbers of that
//! size whose sum carries an absolute error of their size times the double-double's 2^-104
//! (`t = 1e34` priced an at-the-money call at thirty times the spot), and an infinite `s`
//! (sigma = 1e300, t = 1e17) left `h = x/s` meaningless. There the option is priced by its
//! two legs, `S e^{-qt} Phi(d1)` and `K e^{-rt} Phi(d2)`, each as the exponential of a sum of
//! logarithms: at these magnitudes one leg exceeds the other by an astronomical factor (or a
//! `Phi` is 0 or 1), so their difference never cancels, and each leg is exact to a few ulps
//! of itself. The limits follow: `s -> inf` gives the call `S e^{-qt}` and the put
//! `K e^{-rt}`; `(r - q) t -> +inf` the intrinsic value of the discounted forward.

use crate::contract::{Contract, GreekValues};
use crate::dd::Dd;
use crate::elementary::{exp_dd, ln_dd};
use crate::elementary::{exp_of, signed_exp_sum};
use crate::normal::LN_SQRT_2PI;

/// `|r t|`, `|q t|` or `sigma sqrt(t)` above this: the legs' form (`is_extreme`). At 1e12
/// the double-double formulas still hold the exponents to 1e-19 absolute.
pub(crate) const EXTREME: f64 = 1e12;

/// Whether `c` takes `price_extreme` / `greeks_extreme`. The test is on plain products of
/// the inputs, formed the same way lane by lane in `lane_exact.rs`'s `setup4`; a NaN input makes
/// it true (callers answer NaN inputs first).
#[inline(always)]
pub(crate) fn is_extreme(c: &Contract) -> bool {
    let total = c.sigma * c.t.sqrt();
    !((c.r * c.t).abs() <= EXTREME && (c.q * c.t).abs() <= EXTREME && total <= EXTREME)
}

/// The logarithms the legs are built from.
struct Legs {
    /// ln(S e^{-qt}), ln(K e^{-rt})
    ln_spot: Dd,
    ln_strike: Dd,
    d1: f64,
    d2: f64,
    total: f64,
}

fn ln_f(v: f64) -> Dd {
    ln_dd(Dd::from_f64(v))
}

/// `a + b` of logarithms where either may be infinite: `-inf` absorbs everything (a
/// vanishing factor: in every product here a normal tail `e^{-d^2/2}` beats a discount
/// `e^{|r| t}`, since `d` grows with `r t / s`), `+inf` the rest.
fn ln_add(a: Dd, b: Dd) -> Dd {
    if a.hi == f64::NEG_INFINITY || b.hi == f64::NEG_INFINITY {
        Dd::from_f64(f64::NEG_INFINITY)
    } else if a.hi == f64::INFINITY || b.hi == f64::INFINITY {
        Dd::from_f64(f64::INFINITY)
    } else {
        a + b
    }
}

impl Legs {
    fn new(c: &Contract) -> Legs {
        let total = c.sigma * c.t.sqrt();
        let ln_spot = ln_add(ln_f(c.s), product(-c.q, c.t));
        let ln_strike = ln_add(ln_f(c.k), product(-c.r, c.t));
        // x = ln(F/K); with a carry beyond the double range it is that infinity
        let x = (c.s.ln() - c.k.ln()) + (c.r - c.q) * c.t;
        let h = if total.is_infinite() {
            0.0 // the volatility dominates any finite log-moneyness
        } else {
            x / total
        };
        let (d1, d2) = if total.is_infinite() {
            (f64::INFINITY, f64::NEG_INFINITY)
        } else if h.is_infinite() || h.is_nan() {
            (h, h)
        } else {
            (h + 0.5 * total, h - 0.5 * total)
        };
        Legs {
            ln_spot,
            ln_strike,
            d1,
            d2,
            total,
        }
    }
}

/// `a b` in double-double (exact) where the product is finite, its infinity otherwise.
fn product(a: f64, b: f64) -> Dd {
    if (a * b).is_finite() {
        Dd::product(a, b)
    } else {
        Dd::from_f64(a * b)
    }
}

/// `ln Phi(z)` for any double `z`, infinities included.
fn ln_cdf(z: f64) -> Dd {
    if z == f64::INFINITY {
        Dd::from_f64(0.0)
    } else if z == f64::NEG_INFINITY || z.is_nan() {
        Dd::from_f64(if z.is_nan() {
            f64::NAN
        } else {
            f64::NEG_INFINITY
        })
    } else {
        crate::normalised::ln_normal_cdf(Dd::from_f64(z))
    }
}

/// `ln phi(z)`, -inf where `z^2` leaves the range.
fn ln_pdf(z: f64) -> Dd {
    if z.is_nan() {
        Dd::from_f64(f64::NAN)
    } else if z.abs() > 1e150 {
        Dd::from_f64(f64::NEG_INFINITY)
    } else {
        Dd::from_f64(z).sqr().mul_f64(-0.5) - LN_SQRT_2PI
    }
}

/// `S e^{-qt}` and `K e^{-rt}` as doubles (0 or inf where they leave the range).
fn discounted(l: &Legs) -> (f64, f64) {
    (exp_or_inf(l.ln_spot), exp_or_inf(l.ln_strike))
}

fn exp_or_inf(l: Dd) -> f64 {
    if l.hi == f64::INFINITY {
        f64::INFINITY
    } else if l.hi > 709.0 {
        // exp_dd of a large argument: inf past the range, as exp does
        let v = exp_dd(l);
        if v.is_finite() { v } else { f64::INFINITY }
    } else {
        exp_of(l)
    }
}

/// The price of an `is_extreme` contract: its two legs, kept within the no-arbitrage bounds
/// `max(theta (S e^{-qt} - K e^{-rt}), 0) <= price <= S e^{-qt}` (a call; `K e^{-rt}` a put).
#[cold]
#[inline(never)]
pub(crate) fn price_extreme(c: &Contract) -> f64 {
    let l = Legs::new(c);
    let (spot, strike) = discounted(&l);
    let (long, short, upper) = if c.is_call {
        (
            ln_add(l.ln_spot, ln_cdf(l.d1)),
            ln_add(l.ln_strike, ln_cdf(l.d2)),
            spot,
        )
    } else {
        (
            ln_add(l.ln_strike, ln_cdf(-l.d2)),
            ln_add(l.ln_spot, ln_cdf(-l.d1)),
            strike,
        )
    };
    let lower = if c.is_call {
        spot - strike
    } else {
        strike - spot
    };
    let (a, b) = (exp_or_inf(long), exp_or_inf(short));
    let value = if a.is_infinite() { a } else { a - b };
    // inf - inf (both bounds overflow) is the upper bound
    let lower = if lower.is_nan() { 0.0 } else { lower.max(0.0) };
    let value = if value.is_nan() { upper } else { value };
    // then at the bounds as the user forms them (libm's exp), an ulp from ours at times
    settle_at_bounds(c, value.max(lower).min(upper), None)
}

/// The price and greeks of an `is_extreme` contract, from the legs as `price_extreme` forms
/// them: each product of discounts, normal tails and rates as the exponential of a sum of
/// logarithms (the formulas of `black::bsm_greeks_exact`), so that a leg of 0 times a rate
/// of 1e308 is 0, not NaN. Where the volatility is infinite every greek built on `phi(d1)`
/// is 0 and the rest are the limits of the legs.
#[cold]
#[inline(never)]
pub(crate) fn greeks_extreme(c: &Contract) -> GreekValues {
    let l = Legs::new(c);
    let theta_sign = if c.is_call { 1.0 } else { -1.0 };
    let (ln_cdf_d1, ln_cdf_d2) = (ln_cdf(theta_sign * l.d1), ln_cdf(theta_sign * l.d2));
    let ln_dividend = product(-c.q, c.t);
    let ln_s = ln_f(c.s);
    let ln_vega_factor = ln_add(l.ln_spot, ln_pdf(l.d1));
    let ln_total = ln_f(l.total);
    let ln_sqrt_t = ln_f(c.t.sqrt());
    let ln_sigma = ln_f(c.sigma);
    let ln_2t = ln_f(2.0 * c.t);
    let sign = |v: f64| {
        if v == 0.0 || v.is_nan() {
            0.0
        } else {
            v.signum()
        }
    };
    let ln_abs = |v: f64| ln_f(v.abs());
    let all = |terms: &[Dd]| {
        terms
            .iter()
            .copied()
            .reduce(ln_add)
            .unwrap_or(Dd::from_f64(0.0))
    };
    let (d1, d2) = (l.d1, l.d2);
    // 2 (r - q) t - d2 s over 2 t s, charm's gaussian term; with s infinite the term is 0
    let charm_numerator = if l.total.is_infinite() {
        0.0
    } else {
        (c.r - c.q) * c.t - (c.s.ln() - c.k.ln()) + 0.5 * l.total * l.total
    };
    GreekValues {
        price: price_extreme(c),
        delta: theta_sign * exp_or_inf(ln_add(ln_dividend, ln_cdf_d1)),
        gamma: exp_or_inf(all(&[ln_vega_factor, -ln_s, -ln_s, -ln_total])),
        vega: exp_or_inf(ln_add(ln_vega_factor, ln_sqrt_t)),
        theta: signed_exp_sum(&[
            (-1.0, all(&[ln_vega_factor, ln_total, -ln_2t])),
            (
                theta_sign * sign(c.q),
                all(&[ln_abs(c.q), l.ln_spot, ln_cdf_d1]),
            ),
            (
                -theta_sign * sign(c.r),
                all(&[ln_abs(c.r), l.ln_strike, ln_cdf_d2]),
            ),
        ]),
        rho: theta_sign * exp_or_inf(all(&[ln_f(c.t), l.ln_strike, ln_cdf_d2])),
        epsilon: -theta_sign * exp_or_inf(all(&[ln_f(c.t), l.ln_spot, ln_cdf_d1])),
        vanna: -sign(d2) * exp_or_inf(all(&[ln_vega_factor, -ln_s, ln_abs(d2), -ln_sigma])),
        volga: sign(d1)
            * sign(d2)
            * exp_or_inf(all(&[
                ln_vega_factor,
                ln_sqrt_t,
                ln_abs(d1),
                ln_abs(d2),
                -ln_sigma,
            ])),
        charm: signed_exp_sum(&[
            (
                theta_sign * sign(c.q),
                all(&[ln_abs(c.q), ln_dividend, ln_cdf_d1]),
            ),
            (
                -sign(charm_numerator),
                all(&[
                    ln_vega_factor,
                    -ln_s,
                    ln_abs(charm_numerator),
                    -ln_2t,
                    -ln_total,
                ]),
            ),
        ]),
    }
}

/// A price settled against the no-arbitrage bounds as the user forms them from the same
/// inputs in doubles (libm's `exp`): the intrinsic value of the discounted forward,
/// `max(theta (S e^{-qt} - K e^{-rt}), 0)`, and the upper bound `S e^{-qt}` (a call) or
/// `K e^{-rt}` (a put). Never outside them. Equal to the intrinsic value where the time
/// value `time_value` (the kernel's out-of-the-money part times the scale) is below half an
/// ulp of it, so below what the price can show; where the kernel does not know its time
/// value (None: the logarithmic and the legs' forms), within two units of the bound's
/// rounding. Equal to the upper bound within two units of its rounding (its distance is then
/// below the price's own rounding). Without it a deep in-the-money Black-76 call with no
/// time value, `f = 104, k = 90`, was 13.999999999999996, and a put with a total volatility
/// of 35,000 lay three ulps above `K e^{-rt}`: arbitrages a user's checks flag. (Snapping
/// every price within four ulps of the intrinsic value took a time value of 5.6 ulps from a
/// deep in-the-money put, and its implied vol with it.)
#[inline(never)]
pub(crate) fn settle_at_bounds(c: &Contract, price: f64, time_value: Option<f64>) -> f64 {
    const NEAR: f64 = 2.0 * f64::EPSILON;
    let spot = c.s * (-c.q * c.t).exp();
    let strike = c.k * (-c.r * c.t).exp();
    let (intrinsic, upper) = if c.is_call {
        (spot - strike, spot)
    } else {
        (strike - spot, strike)
    };
    if upper.is_finite() && price >= upper * (1.0 - NEAR) {
        return upper;
    }
    if !(intrinsic > 0.0 && intrinsic.is_finite()) || price.is_nan() {
        return price;
    }
    let below_rounding = match time_value {
        Some(tv) => tv <= 0.5 * f64::EPSILON * intrinsic,
        None => price <= intrinsic * (1.0 + NEAR),
    };
    if below_rounding {
        intrinsic
    } else {
        price.max(intrinsic)
    }
}

/// What `settle_at_bounds` asks of the plain-double kernels: an in-the-money value whose
/// out-of-the-money part `b` is at most this fraction of the whole leaves its time value
/// near the rounding, and the contract to the exact kernel, which settles every price.
pub(crate) const SETTLE_FRACTION: f64 = 1.0 / (1u64 << 46) as f64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::black::{bsm_greeks, bsm_price};

    fn contract(s: f64, k: f64, r: f64, q: f64, sigma: f64, t: f64, is_call: bool) -> Contract {
        Contract {
            s,
            k,
            r,
            q,
            sigma,
            t,
            is_call,
        }
    }

    fn bounds(c: &Contract) -> (f64, f64) {
        let spot = c.s * (-c.q * c.t).exp();
        let strike = c.k * (-c.r * c.t).exp();
        if c.is_call {
            ((spot - strike).max(0.0), spot)
        } else {
            ((strike - spot).max(0.0), strike)
        }
    }

    #[test]
    fn huge_times_tend_to_the_limits() {
        // the contracts: t = 1e34 gave 54.6, 3.16e34 gave 2980.96, 1e35 gave 1.0
        for t in [1e13, 1e20, 1e30, 1e34, 3.16e34, 1e35, 1e300] {
            let call = bsm_price(&contract(100.0, 100.0, 0.05, 0.0, 0.2, t, true));
            let put = bsm_price(&contract(100.0, 100.0, 0.05, 0.0, 0.2, t, false));
            assert_eq!(call, 100.0, "t = {t}");
            assert_eq!(put, 0.0, "t = {t}");
        }
    }

    #[test]
    fn infinite_total_volatility_prices_the_upper_bounds() {
        // sigma sqrt(t) overflows: the call is S e^{-qt}, the put K e^{-rt}
        let call = bsm_price(&contract(100.0, 90.0, 0.0, 0.0, 1e300, 1e17, true));
        let put = bsm_price(&contract(100.0, 90.0, 0.0, 0.0, 1e300, 1e17, false));
        assert_eq!((call, put), (100.0, 90.0));
        let g = bsm_greeks(&contract(100.0, 90.0, 0.0, 0.0, 1e300, 1e17, true));
        assert_eq!((g.price, g.delta, g.gamma, g.vega), (100.0, 1.0, 0.0, 0.0));
        assert_eq!((g.rho, g.vanna, g.volga, g.charm), (0.0, 0.0, 0.0, 0.0));
        let p = bsm_greeks(&contract(100.0, 90.0, 0.0, 0.0, 1e300, 1e17, false));
        assert_eq!((p.price, p.delta, p.gamma, p.vega), (90.0, 0.0, 0.0, 0.0));
        assert_eq!(p.rho, -90.0 * 1e17);
    }

    #[test]
    fn enormous_rates_give_their_limits_not_nan() {
        // r = -1e308: K e^{-rt} overflows, the call is worth 0, the put its (infinite) bound
        let c = contract(100.0, 90.0, -1e308, 0.0, 0.2, 1.0, true);
        assert_eq!(bsm_price(&c), 0.0);
        assert_eq!(
            bsm_price(&Contract {
                is_call: false,
                ..c
            }),
            f64::INFINITY
        );
        // q = 1e308: S e^{-qt} is 0: the call 0, the put K e^{-rt} = 90
        let c = contract(100.0, 90.0, 0.0, 1e308, 0.2, 1.0, true);
        assert_eq!(bsm_price(&c), 0.0);
        assert_eq!(
            bsm_price(&Contract {
                is_call: false,
                ..c
            }),
            90.0
        );
        for c in [c, contract(100.0, 90.0, -1e308, 0.0, 0.2, 1.0, true)] {
            for is_call in [true, false] {
                let g = bsm_greeks(&Contract { is_call, ..c });
                for v in [
                    g.delta, g.gamma, g.vega, g.theta, g.rho, g.epsilon, g.vanna, g.volga, g.charm,
                ] {
                    assert!(!v.is_nan(), "{c:?} {is_call}: {g:?}");
                }
            }
        }
    }

    #[test]
    fn greeks_of_huge_times_are_numbers() {
        // a review found theta NaN where every term is about e^{-8.4e20}: the terms share
        // their high part, and the largest was picked by it alone
        let c = contract(
            8.89875161474181,
            2.1244763656824133,
            -0.22991786319880256,
            -0.030806510769612855,
            2.6996545176085886e-05,
            30807300250627.72,
            true,
        );
        let g = bsm_greeks(&c);
        for v in [
            g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.epsilon, g.vanna, g.volga, g.charm,
        ] {
            assert_eq!(v, 0.0, "{g:?}");
        }
        let put = contract(
            1.7744454431086758,
            21.491962790436425,
            9.321192089417707,
            0.29676670189010074,
            0.007272411159011202,
            6.998689585930676e19,
            false,
        );
        assert!(!bsm_greeks(&put).theta.is_nan());
    }

    #[test]
    fn extreme_prices_keep_the_bounds_and_parity() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..20_000 {
            let s = 10f64.powf(4.0 * uniform() - 2.0);
            let k = s * 10f64.powf(2.0 * uniform() - 1.0);
            let r = (uniform() - 0.3) * 10f64.powf(6.0 * uniform() - 4.0);
            let q = (uniform() - 0.3) * 10f64.powf(6.0 * uniform() - 4.0);
            let sigma = 10f64.powf(8.0 * uniform() - 4.0);
            let t = 10f64.powf(40.0 * uniform() - 4.0);
            let call = contract(s, k, r, q, sigma, t, true);
            let put = Contract {
                is_call: false,
                ..call
            };
            let (c, p) = (bsm_price(&call), bsm_price(&put));
            for o in [call, put] {
                let g = bsm_greeks(&o);
                let values = [
                    g.delta, g.gamma, g.vega, g.theta, g.rho, g.epsilon, g.vanna, g.volga, g.charm,
                ];
                let infinite = [o.s, o.k].iter().any(|v| !v.is_finite())
                    || (o.r * o.t).abs() > 700.0
                    || (o.q * o.t).abs() > 700.0;
                // NaN only where two infinite terms meet (theta, charm with a discount that
                // overflows)
                assert!(
                    infinite || values.iter().all(|v| !v.is_nan()),
                    "{o:?}: {g:?}"
                );
            }
            for (o, v) in [(call, c), (put, p)] {
                let (lo, hi) = bounds(&o);
                if !hi.is_finite() {
                    continue; // the bound as formed in doubles overflows where the price need not
                }
                assert!(lo <= v && v <= hi, "{o:?}: {v} outside [{lo}, {hi}]");
            }
            // parity to the rounding of the larger leg
            let (spot, strike) = (s * (-q * t).exp(), k * (-r * t).exp());
            if spot.is_finite() && strike.is_finite() {
                let gap = (c - p) - (spot - strike);
                let size = spot.max(strike).max(c).max(p);
                assert!(
                    gap.abs() <= 1e-13 * size,
                    "{call:?}: parity off by {gap} ({c}, {p})"
                );
            }
        }
    }

    #[test]
    fn no_price_below_its_intrinsic_value() {
        // Black-76 deep in the money with no time value: exactly 19 and 14
        let b76 = |f: f64, k: f64| contract(f, k, 0.0, 0.0, 1e-4, 4.5, true);
        assert_eq!(bsm_price(&b76(104.0, 85.0)), 19.0);
        assert_eq!(bsm_price(&b76(104.0, 90.0)), 14.0);
        assert_eq!(bsm_greeks(&b76(104.0, 90.0)).price, 14.0);
        let put = contract(90.0, 104.0, 0.0, 0.0, 1e-4, 4.5, false);
        assert_eq!(bsm_price(&put), 14.0);
    }
}
