//! The one-lane instance of the pricing kernels (`lane_fast.rs`, the plain-double price and
//! greeks, and `lane_exact.rs`, the exact kernel's formulas, over `lanes_array.rs` with a
//! single lane, `lanes/one_lane.rs`): the scalar code of the plain-double price and greeks, and the common path of the
//! exact kernel's, is this instance, so every vector width (`simd`, `simd8`, `simd_lanes`,
//! which include the same files through `simd_plain.rs`) gives its bits by construction
//! rather than by a hand-kept mirror.
//!
//! Every function is inlined into its caller, so the CPU-specific copies of the batch and
//! per-point paths (`batch`, compiled for AVX2 and FMA too) run `f64::mul_add` as one
//! instruction.

// the lane layer's functions the kernels here do not use (loads and stores of whole columns
// are the vector drivers', the implied-vol kernel is `implied::lane1`'s)
#![allow(dead_code)]

use crate::contract::{Contract, GreekValues};
use crate::dd::Dd;

include!("../lanes/one_lane.rs");
include!("../lanes/lane_fast.rs");
include!("../lanes/lane_exact.rs");

/// `c` as the kernels' lanes: s, k, r, q, sigma, t, and the kind as +-1.
#[cfg_attr(not(debug_assertions), inline(always))]
fn lanes_of(c: &Contract) -> [V; 7] {
    let call = if c.is_call { 1.0 } else { -1.0 };
    [c.s, c.k, c.r, c.q, c.sigma, c.t, call].map(splat)
}

/// The price of `c` when it is in the common region, `None` otherwise (then the exact
/// kernel prices it). NaN inputs are outside the region.
///
/// The normalised form of `black`: `price = scale (b(-|x|, s) + [in the money] 2 sinh(|x|/2))`
/// with `scale = sqrt(S K) e^{-(r+q)t/2}`, and the out-of-the-money `b` by one of three
/// formulas picked as `otm_call_value` picks them: the direct one above `h + tau = 0.85`, the
/// moment series (its weights by Clenshaw's backward recurrence) for small `tau` and
/// `h >= -1.5`, the difference of `erfcx` elsewhere, where its cancellation is acceptable,
/// and where it is not with a small `tau` the moment series by Miller's recurrence.
///
/// Settled at the bounds where the time value is thin, as the vector kernels settle their
/// lanes.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn fast_price(c: &Contract) -> Option<f64> {
    let [s, k, r, q, sigma, t, call] = lanes_of(c);
    let (p, l, inside) = fast_setup4(s, k, r, q, sigma, t, call);
    settle_one(c, fast_price_from(&p, l, inside))
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn settle_one(c: &Contract, (price, ok, time_value): (V, V, V)) -> Option<f64> {
    if lanes(ok) == 0 {
        return None;
    }
    let (price, time_value) = (price.0[0], time_value.0[0]);
    Some(if time_value.is_finite() {
        crate::extreme::settle_at_bounds(c, price, Some(time_value))
    } else {
        price
    })
}

/// Price and greeks of `c` when it is in the common region and no greek cancels beyond what
/// plain doubles afford, `None` otherwise (then the exact kernel). The formulas of
/// `black::bsm_greeks`; `Phi(d1)`, `Phi(d2)` from the gaussian factor `g` as
/// `e^{-d1^2/2} = g e^{-x/2}`, `e^{-d2^2/2} = g e^{x/2}` (since `h tau = x/2`) and `erfcx`.
/// Each greek is within about `GREEKS_MAX_ERROR` of the exact kernel's (`fast`'s tests);
/// the vector kernels run the same `fast_greeks_from`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn fast_greeks(c: &Contract) -> Option<GreekValues> {
    let [s, k, r, q, sigma, t, call] = lanes_of(c);
    let (p, l, inside) = fast_setup4(s, k, r, q, sigma, t, call);
    let price = settle_one(c, fast_price_from(&p, l, inside))?;
    let (values, ok) = fast_greeks_from(
        s,
        r,
        q,
        t,
        call,
        p,
        splat(price),
        splat(f64::from_bits(u64::MAX)),
    );
    if lanes(ok) == 0 {
        return None;
    }
    Some(GreekValues::from_array(values.map(|v| v.0[0])))
}

/// `c` as the seven one-element input columns of the kernels' drivers.
#[cfg_attr(not(debug_assertions), inline(always))]
fn columns_of(c: &Contract) -> [[f64; 1]; 7] {
    lanes_of(c).map(|v| v.0)
}

/// The exact kernel's price of `c` before its settlement at the bounds, and its time value,
/// `None` where `setup4` guards it (NaN, extreme, S/K or S K outside the normal range, a
/// vanishing total vol, `h` or `tau` beyond 1e100, or a price `black::price_far` must form):
/// those take `black`'s guarded scalar paths, in the vector kernels too.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exact_price(c: &Contract) -> Option<(f64, f64)> {
    let cols = columns_of(c);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let group = setup4(&views, 0);
    if lanes(group.guards) != 0 {
        return None;
    }
    let (value, time_value) = group_price(&group);
    Some((value.0[0], time_value.0[0]))
}

/// The exact kernel's price (unsettled) and greeks of `c` in `Greek::ALL`'s order, and the
/// price's time value, `None` where
/// `exact_greeks4` guards it (the price's guards, and greeks whose factors leave the range
/// where their products stay normal): those take `black::bsm_greeks_exact`'s scalar paths.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exact_greeks(c: &Contract) -> Option<([f64; 10], f64)> {
    let cols = columns_of(c);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let (values, guarded, time_value) = exact_greeks4(&views, false);
    if guarded != 0 {
        return None;
    }
    Some((values.map(|v| v.0[0]), time_value.0[0]))
}

/// The normalised out-of-the-money call value `b(x, s)` for `x <= 0`, given `h = x/s`,
/// `tau = s/2` and `gaussian = normalised::gaussian_factor(h, tau)`: by the plain
/// difference of `Phi` where `h + tau > 0.85`, 0 where the gaussian factor underflowed, the
/// moment series for `tau < 0.21`, the difference of `erfcx` otherwise (`lane_exact.rs`'s
/// `otm_call`, as the vector kernels run it).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn otm_call_value(
    x: crate::dd::Dd,
    h: crate::dd::Dd,
    tau: crate::dd::Dd,
    gaussian: f64,
) -> f64 {
    otm_call(lane_dd(x), lane_dd(h), lane_dd(tau), splat(gaussian)).0[0]
}

/// `e^{x/2} - b(x, s)` for `x <= 0`: `e^{x/2} Phi(-(h+tau)) + e^{-x/2} Phi(h-tau)`, two
/// positive terms. It is what is left below the upper bound, accurate where `b` is close to
/// it.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn otm_call_complement_value(
    x: crate::dd::Dd,
    h: crate::dd::Dd,
    tau: crate::dd::Dd,
) -> f64 {
    otm_call_complement(lane_dd(x), lane_dd(h), lane_dd(tau)).0[0]
}

/// The normalised value of the option with log-moneyness `x` seen from its own side
/// (`x_signed = theta * x`, `h_signed = x_signed / s`), and its out-of-the-money part
/// `b(-|x|, s)`, the time value in the same units (`extreme::settle_at_bounds` asks whether
/// it is below the rounding): the intrinsic part `2 sinh(x/2)` when in the money, plus the
/// out-of-the-money value.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn normalised_value_parts(
    x_signed: crate::dd::Dd,
    h_signed: crate::dd::Dd,
    tau: crate::dd::Dd,
    gaussian: f64,
) -> (f64, f64) {
    if x_signed.hi <= 0.0 {
        let b = otm_call_value(x_signed, h_signed, tau, gaussian);
        (b, b)
    } else {
        let b = otm_call_value(-x_signed, -h_signed, tau, gaussian);
        (crate::elementary::two_sinh_half(x_signed) + b, b)
    }
}

/// `normalised_value_parts`' value alone.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn normalised_value(
    x_signed: crate::dd::Dd,
    h_signed: crate::dd::Dd,
    tau: crate::dd::Dd,
    gaussian: f64,
) -> f64 {
    normalised_value_parts(x_signed, h_signed, tau, gaussian).0
}

/// `sum_{k odd <= 17} M_k(h) tau^k / k!` for `h <= 0`, `tau < SMALL_TAU`: the upward
/// recurrence's series for `h >= MILLER_BELOW`, Miller's below (for the tests against
/// 40-digit values).
#[cfg(test)]
pub(crate) fn moment_series_value(h: f64, tau: f64) -> f64 {
    let (h, tau) = (splat(h), splat(tau));
    let upward = ge(h, splat(crate::normalised::MILLER_BELOW));
    if lanes(upward) != 0 {
        moment_series_upward(h, tau, upward).0[0]
    } else {
        moment_series_miller(h, tau, not(upward)).0[0]
    }
}

/// `otm_value4` for one lane: the plain-double `b(-|x|, s)` from `h`, `tau`, `|x|` and the
/// gaussian factor, `None` where the difference of `erfcx` cancels beyond
/// `max_cancellation (1 + h^2)`.
#[cfg(test)]
pub(crate) fn otm_value(
    h: f64,
    tau: f64,
    abs_x: f64,
    g: f64,
    max_cancellation: f64,
) -> Option<f64> {
    let all = splat(f64::from_bits(u64::MAX));
    let (b, accepted) = otm_value4(
        splat(h),
        splat(tau),
        splat(abs_x),
        splat(g),
        max_cancellation,
        all,
    );
    (lanes(accepted) != 0).then_some(b.0[0])
}

/// The setup values the tests classify a contract by: whether it is in the plain-double
/// region with a gaussian exponent in range, and its `h` (out of the money), `tau`, `|x|`,
/// gaussian factor and `x`.
#[cfg(test)]
pub(crate) fn setup_values(c: &Contract) -> (bool, [f64; 5]) {
    let [s, k, r, q, sigma, t, call] = lanes_of(c);
    let (p, l, inside) = fast_setup4(s, k, r, q, sigma, t, call);
    let in_range = lanes(and(inside, not(l.underflow))) != 0;
    (in_range, [l.h, p.tau, l.abs_x, p.g, p.x].map(|v| v.0[0]))
}

impl<T: Copy> GreekParts<T> {
    /// each field through `f` (a one-lane caller's doubles into lanes)
    pub(crate) fn map<U>(self, f: impl Fn(T) -> U) -> GreekParts<U> {
        GreekParts {
            s: f(self.s),
            k: f(self.k),
            r: f(self.r),
            q: f(self.q),
            sigma: f(self.sigma),
            t: f(self.t),
            theta_sign: f(self.theta_sign),
            scale: f(self.scale),
            g_scaled: f(self.g_scaled),
            unscale: f(self.unscale),
            d1: f(self.d1),
            d2: f(self.d2),
            cdf_d1: f(self.cdf_d1),
            cdf_d2: f(self.cdf_d2),
            dividend_discount: f(self.dividend_discount),
            rate_discount: f(self.rate_discount),
            s_total: f(self.s_total),
            sqrt_t: f(self.sqrt_t),
            charm_numerator: f(self.charm_numerator),
        }
    }
}

/// The exact greeks' formulas on one lane (`lane_exact.rs`'s `greeks_of_parts`, which the
/// vector kernels run): the nine greeks after the price, whether the factors stay in the
/// range where their products are normal, and whether the gaussian factor is kept scaled
/// with the rest moderate.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn greeks_of_parts1(parts: GreekParts<f64>) -> ([f64; 9], bool, bool) {
    let (values, in_range, scaled) = greeks_of_parts(&parts.map(splat));
    (
        values.map(|v| v.0[0]),
        lanes(in_range) != 0,
        lanes(scaled) != 0,
    )
}

/// `lane_exact.rs`'s `far_lanes` on one lane (`black`'s `Setup::is_far`)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn is_far1(scale: f64, x_signed: f64, h_plus_tau: f64, exponent: f64) -> bool {
    lanes(far_lanes(
        splat(scale),
        splat(x_signed),
        splat(h_plus_tau),
        splat(exponent),
    )) != 0
}

/// `lane_exact.rs`'s `charm_numerator` on one lane (`black`'s `Setup::charm_numerator`)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn charm_numerator1(
    carry: crate::dd::Dd,
    log_spot: crate::dd::Dd,
    total: crate::dd::Dd,
) -> f64 {
    charm_numerator(lane_dd(carry), lane_dd(log_spot), lane_dd(total)).0[0]
}

/// `lane_exact.rs`'s `moneyness` on one lane (`black::Moneyness::new`'s main branch):
/// `(S/K, ln(S/K), (r - q) t, S K, sqrt(S K), e^{-(r+q)t/2})`
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn moneyness1(s: f64, k: f64, r: f64, q: f64, t: f64) -> (Dd, Dd, Dd, Dd, f64, f64) {
    let m = moneyness(splat(s), splat(k), splat(r), splat(q), splat(t));
    (
        scalar_dd(m.ratio),
        scalar_dd(m.log_spot),
        scalar_dd(m.carry),
        scalar_dd(m.sk),
        m.sqrt_sk.0[0],
        m.half_discount.0[0],
    )
}
