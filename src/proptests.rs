//! Property tests of the pure kernels: no panic anywhere in the domain, and the invariants
//! of price, greeks and implied volatility. `cargo test` runs 256 cases per property;
//! `make fuzz` runs them with `PROPTEST_CASES` in the hundreds of thousands.

use proptest::prelude::*;

use crate::black::{Contract, bsm_greeks, bsm_price, bsm_price_chunk};
use crate::implied::implied_vol;

const EPS: f64 = f64::EPSILON;

/// Contracts with the spot, `ln(K/S)`, `r`, `q`, `ln sigma` and `ln t` drawn uniformly from
/// these ranges, calls and puts alike.
fn contracts_in(ranges: [std::ops::Range<f64>; 6]) -> impl Strategy<Value = Contract> {
    let [s, lk, r, q, ls, lt] = ranges;
    (s, lk, r, q, ls, lt, any::<bool>()).prop_map(|(s, lk, r, q, ls, lt, is_call)| Contract {
        s,
        k: s * lk.exp(),
        r,
        q,
        sigma: ls.exp(),
        t: lt.exp(),
        is_call,
    })
}

fn contract() -> impl Strategy<Value = Contract> {
    contracts_in([
        1e-3f64..1e6,
        -7.0f64..7.0, // ln(K/S)
        -0.2f64..0.5,
        -0.2f64..0.5,
        -9.2f64..2.31,  // ln sigma: 1e-4 .. 10
        -13.8f64..4.61, // ln t: 1e-6 .. 100
    ])
}

/// Rounding allowance for comparing with `bounds`: the f64 discount factors there carry
/// relative errors of about |r t| and |q t| ulps (exp amplifies its argument's rounding).
fn bound_tolerance(c: &Contract) -> f64 {
    let fwd_s = c.s * (-c.q * c.t).exp();
    let disc_k = c.k * (-c.r * c.t).exp();
    8.0 * EPS * (fwd_s * (1.0 + (c.q * c.t).abs()) + disc_k * (1.0 + (c.r * c.t).abs()))
}

/// The implied-volatility test's range (the issue's: sigma 0.1 %-500 %, t 1 day-30 years,
/// strikes 1/50-50 x spot), where most prices carry information about sigma.
fn invertible_contract() -> impl Strategy<Value = Contract> {
    contracts_in([
        1e-2f64..1e5,
        -3.9f64..3.9,
        -0.05f64..0.2,
        -0.05f64..0.2,
        -6.9f64..1.61,
        -5.9f64..3.4,
    ])
}

fn bounds(c: &Contract) -> (f64, f64) {
    let fwd_s = c.s * (-c.q * c.t).exp();
    let disc_k = c.k * (-c.r * c.t).exp();
    if c.is_call {
        ((fwd_s - disc_k).max(0.0), fwd_s)
    } else {
        ((disc_k - fwd_s).max(0.0), disc_k)
    }
}

/// The kernels' column layout of `cs`: s, k, r, q, sigma, t, and +1 (call) or -1 (put).
fn columns(cs: &[Contract]) -> [Vec<f64>; 7] {
    [
        cs.iter().map(|c| c.s).collect(),
        cs.iter().map(|c| c.k).collect(),
        cs.iter().map(|c| c.r).collect(),
        cs.iter().map(|c| c.q).collect(),
        cs.iter().map(|c| c.sigma).collect(),
        cs.iter().map(|c| c.t).collect(),
        cs.iter()
            .map(|c| if c.is_call { 1.0 } else { -1.0 })
            .collect(),
    ]
}

/// The prices of `cs` by the scalar chunk kernel and by the vector kernels (the chunk
/// kernel's again where there are none).
fn kernel_prices(cs: &[Contract]) -> [Vec<f64>; 2] {
    let cols = columns(cs);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let mut chunk = vec![0.0; cs.len()];
    bsm_price_chunk(&views, &mut chunk);
    #[cfg(target_arch = "x86_64")]
    let vector = {
        let mut v = vec![0.0; cs.len()];
        crate::dispatch::price_chunk(&views, &mut v);
        v
    };
    #[cfg(not(target_arch = "x86_64"))]
    let vector = {
        let mut v = vec![0.0; cs.len()];
        crate::simd_lanes::price_chunk(&views, &mut v);
        v
    };
    [chunk, vector]
}

proptest! {
    #[test]
    fn price_is_finite_and_within_bounds(c in contract()) {
        let p = bsm_price(&c);
        let (lo, hi) = bounds(&c);
        prop_assume!(hi.is_finite() && hi < 1e300);
        prop_assert!(p.is_finite());
        let tol = bound_tolerance(&c);
        prop_assert!(lo - tol <= p && p <= hi + tol, "{c:?}: {p} not in [{lo}, {hi}]");
    }

    #[test]
    fn put_call_parity(c in contract()) {
        let call = bsm_price(&Contract { is_call: true, ..c });
        let put = bsm_price(&Contract { is_call: false, ..c });
        let fwd_s = c.s * (-c.q * c.t).exp();
        let disc_k = c.k * (-c.r * c.t).exp();
        prop_assume!(fwd_s + disc_k < 1e300);
        prop_assert!(((call - put) - (fwd_s - disc_k)).abs() <= 2.0 * bound_tolerance(&c));
    }

    #[test]
    fn greeks_are_finite_and_agree_with_the_price(c in contract()) {
        prop_assume!(bounds(&c).1 < 1e300);
        let g = bsm_greeks(&c);
        for v in [g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.epsilon, g.vanna, g.volga, g.charm] {
            prop_assert!(v.is_finite(), "{c:?}: {g:?}");
        }
        prop_assert_eq!(g.price.to_bits(), bsm_price(&c).to_bits());
        prop_assert!(g.gamma >= 0.0 && g.vega >= 0.0);
        let delta_sign_ok = if c.is_call { g.delta >= 0.0 } else { g.delta <= 0.0 };
        prop_assert!(delta_sign_ok, "{:?}: delta {}", c, g.delta);
    }

    #[test]
    fn implied_vol_never_panics_on_any_price(c in contract(), price in proptest::num::f64::ANY) {
        let v = implied_vol(price, c.s, c.k, c.r, c.q, c.t, c.is_call);
        prop_assert!(v.is_nan() || v >= 0.0);
    }

    #[test]
    fn chunk_kernels_equal_the_scalar_path(cs in proptest::collection::vec(contract(), 1..40)) {
        let [chunk, vector] = kernel_prices(&cs);
        for (i, c) in cs.iter().enumerate() {
            let want = bsm_price(c).to_bits();
            prop_assert_eq!(chunk[i].to_bits(), want);
            prop_assert_eq!(vector[i].to_bits(), want, "{:?}", c);
        }
    }
}

/// Rates, yields and times far past realistic ones (`|r t|`, `|q t|` up to 1,800), where
/// the scale `sqrt(S K) e^{-(r+q)t/2}` and the normalised value over- and underflow in
/// opposite directions (`black::price_far`).
fn far_contract() -> impl Strategy<Value = Contract> {
    contracts_in([
        1e-3f64..1e6,
        -7.0f64..7.0,
        -60.0f64..60.0,
        -60.0f64..60.0,
        -4.6f64..3.4, // ln sigma: 0.01 .. 30
        0.0f64..3.4,  // ln t: 1 .. 30
    ])
}

proptest! {
    #[test]
    fn far_prices_and_greeks_are_numbers_prices_within_bounds_in_every_kernel(cs in proptest::collection::vec(far_contract(), 1..20)) {
        let [chunk, vector] = kernel_prices(&cs);
        for (i, c) in cs.iter().enumerate() {
            let p = bsm_price(c);
            prop_assert!(p >= 0.0, "{c:?}: {p}"); // not NaN, not negative
            prop_assert_eq!(chunk[i].to_bits(), p.to_bits());
            prop_assert_eq!(vector[i].to_bits(), p.to_bits(), "{:?}", c);
            let g = bsm_greeks(c);
            prop_assert_eq!(g.price.to_bits(), p.to_bits());
            for v in [g.delta, g.gamma, g.vega, g.theta, g.rho, g.epsilon, g.vanna, g.volga, g.charm] {
                prop_assert!(!v.is_nan(), "{c:?}: {g:?}");
            }
            let (lo, hi) = bounds(c);
            // (the f64 bounds themselves round to 0 below the normal range)
            if hi.is_finite() && hi > 1e-290 {
                let tol = bound_tolerance(c);
                prop_assert!(lo - tol <= p && p <= hi + tol, "{c:?}: {p} not in [{lo}, {hi}]");
            }
        }
    }
}

proptest! {
    // deep in-the-money and vanishing-vol draws carry no information on sigma and are skipped
    // (about half of them: `make fuzz` runs 2,000,000 cases, so allow 10,000,000 rejects)
    #![proptest_config(ProptestConfig { max_global_rejects: 10_000_000, ..ProptestConfig::default() })]

    #[test]
    fn implied_vol_round_trips(c in invertible_contract()) {
        let p = bsm_price(&c);
        let g = bsm_greeks(&c);
        let (lo, hi) = bounds(&c);
        prop_assume!(p > 1e-250 && g.vega > 0.0 && (hi - p) > bound_tolerance(&c));
        let v = implied_vol(p, c.s, c.k, c.r, c.q, c.t, c.is_call);
        prop_assert!(v != 0.0, "{c:?}: 0 for price {p}");
        if v.is_nan() {
            // only a price with no time value left (settled at its intrinsic value, which the
            // legs in double-double put at or above it): no volatility reproduces it
            let in_the_money = (p - lo).abs() <= bound_tolerance(&c) && lo > 0.0;
            let tv = crate::implied::exact_time_value(p, c.s, c.k, c.r, c.q, c.t, c.is_call);
            prop_assert!(in_the_money && tv.is_none(), "{c:?}: NaN for price {p}");
        } else {
            // what the inversion promises (README, Accuracy): the vol found reprices the price
            // as given, to the rounding of the price's legs
            let legs = c.s * (-c.q * c.t).exp() + c.k * (-c.r * c.t).exp();
            let back = bsm_price(&Contract { sigma: v, ..c });
            let repriced = EPS * (p.max(legs) + v * bsm_greeks(&Contract { sigma: v, ..c }).vega);
            prop_assert!((back - p).abs() <= 16.0 * repriced, "{c:?}: found {v}, reprices to {back}");
            // and it is the vol the price was made with, to the price's own rounding, where
            // the price is not a small difference of its legs: there its bound is eps (1 +
            // kappa) with kappa the legs over the price, and "never below the intrinsic
            // value as formed in doubles" may move it by the legs' rounding (a call 27 ulps
            // of time value above an intrinsic value formed from legs 128 times the price)
            if legs <= 16.0 * p {
                let allowed = EPS * (c.sigma + p / g.vega);
                prop_assert!((v - c.sigma).abs() <= 16.0 * allowed, "{c:?}: found {v}");
            }
        }
    }
}

/// Issue 21's ranges: times to 1e300, vols to 1e300, rates near the double range; every
/// lane of the vector kernels against the scalar code, bit for bit, and the bounds as a
/// user forms them (libm's `exp`) where those are finite.
fn extreme_contract() -> impl Strategy<Value = Contract> {
    (
        1e-3f64..1e6,
        -7.0f64..7.0,
        prop_oneof![-0.2f64..0.5, -1e6f64..1e6, Just(-1e308), Just(1e308)],
        prop_oneof![-0.2f64..0.5, -1e6f64..1e6, Just(1e308), Just(-1e300)],
        -9.2f64..690.0,  // ln sigma: 1e-4 .. 1e300
        -13.8f64..690.0, // ln t: 1e-6 .. 1e300
        any::<bool>(),
    )
        .prop_map(|(s, lk, r, q, ls, lt, is_call)| Contract {
            s,
            k: s * lk.exp(),
            r,
            q,
            sigma: ls.exp(),
            t: lt.exp(),
            is_call,
        })
}

proptest! {
    #[test]
    fn extreme_inputs_same_bits_every_kernel_within_bounds(cs in proptest::collection::vec(extreme_contract(), 1..24)) {
        let [chunk, vector] = kernel_prices(&cs);
        let cols = columns(&cs);
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        let all = crate::batch::Greek::ALL;
        let mut greek_cols = vec![vec![0.0; cs.len()]; all.len()];
        {
            let mut outs: Vec<&mut [f64]> = greek_cols.iter_mut().map(|c| &mut c[..]).collect();
            // the vector kernel of this CPU (x86: AVX2 or AVX-512; elsewhere two lanes)
            #[cfg(target_arch = "x86_64")]
            crate::dispatch::greeks_chunk(&views, &all, &mut outs);
            #[cfg(not(target_arch = "x86_64"))]
            crate::simd_lanes::greeks_chunk(&views, &all, &mut outs);
        }
        for (i, c) in cs.iter().enumerate() {
            let p = bsm_price(c);
            prop_assert!(!p.is_nan() && p >= 0.0, "{c:?}: {p}");
            prop_assert_eq!(chunk[i].to_bits(), p.to_bits(), "{:?}", c);
            prop_assert_eq!(vector[i].to_bits(), p.to_bits(), "{:?}", c);
            let g = bsm_greeks(c);
            prop_assert_eq!(g.price.to_bits(), p.to_bits(), "{:?}", c);
            for (j, greek) in all.iter().enumerate() {
                prop_assert_eq!(greek_cols[j][i].to_bits(), greek.pick(&g).to_bits(), "{:?} {:?}", c, greek);
            }
            for v in [g.delta, g.gamma, g.vega, g.rho, g.epsilon, g.vanna, g.volga] {
                prop_assert!(!v.is_nan(), "{c:?}: {g:?}");
            }
            let (lo, hi) = bounds(c);
            if hi.is_finite() && lo.is_finite() {
                prop_assert!(lo <= p && p <= hi, "{c:?}: {p} not in [{lo}, {hi}]");
            }
        }
    }
}
