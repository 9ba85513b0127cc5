//! Black-Scholes-Merton prices and greeks for one contract, accurate to a few ulps.
//!
//! Everything goes through Jäckel's normalised Black function ("Let's Be Rational", 2015):
//! with the forward `F = S e^{(r-q)t}`, log-moneyness `x = ln(F/K)`, total volatility
//! `s = sigma sqrt(t)`, `h = x/s` and `tau = s/2`,
//!
//! ```text
//! price = sqrt(S K) e^{-(r+q)t/2} * b(theta x, s)
//! b(x, s) = e^{x/2} Phi(h + tau) - e^{-x/2} Phi(h - tau)        (a call; a put is b(-x, s))
//! ```
//!
//! An in-the-money option is its intrinsic part `2 sinh(|x|/2)` plus the out-of-the-money
//! value `b(-|x|, s)`: two positive terms, no cancellation. For the out-of-the-money value the
//! two terms share the factor `exp(-(h^2 + tau^2)/2)`, so it is evaluated as
//! `exp(-(h^2+tau^2)/2) (erfcx(-(h+tau)/sqrt2) - erfcx(-(h-tau)/sqrt2)) / 2`: the exponential no
//! longer amplifies the error of `d1`, `d2` by `d^2`, and what cancellation remains is at most
//! the price's own condition number. Where `h + tau > 0.85` the upper term is not a tail and
//! the direct difference of `Phi` is as accurate.

// the types every layer shares live below them all (`contract`); named here too
pub use crate::contract::{Contract, Greek, GreekValues};
use crate::dd::{Dd, LN_2};
use crate::elementary::{exp_dd, exp_of, ln_dd, ln_sum, signed_exp_sum};
use crate::extreme::{greeks_extreme, is_extreme, price_extreme, settle_at_bounds};
use crate::lane1::{
    GreekParts, greeks_of_parts1, normalised_value, normalised_value_parts,
    otm_call_value as otm_call,
};
use crate::normal::normal_cdf_dd;
use crate::normalised::{gaussian_exponent, ln_normal_cdf};
use crate::ranges::{FAR_EXPONENT, FAR_LOG_MONEYNESS, VANISHING_TOTAL_VOL};

/// Power-of-two scale (log2) applied to a gaussian factor that would underflow.
const TAIL_SCALE_LOG2: i32 = 1000;

/// What does not depend on the volatility: shared by pricing and implied volatility.
pub(crate) struct Moneyness {
    /// ln(S/K)
    pub log_spot_moneyness: Dd,
    /// (r - q) t
    pub carry: Dd,
    /// x = ln(F/K) = ln(S/K) + (r - q) t
    pub log_moneyness: Dd,
    pub sqrt_t: Dd,
    /// sqrt(S K) e^{-(r+q) t / 2}: a price is this times its normalised value.
    pub scale: f64,
}

impl Moneyness {
    #[inline(always)]
    pub fn new(s: f64, k: f64, r: f64, q: f64, t: f64) -> Moneyness {
        // the kernels' formulas (`lane_exact.rs`'s `moneyness`, one lane), and what they
        // leave to this code where S/K or S K leaves the normal range
        let (ratio, log_spot, carry, sk, sqrt_sk, half_discount) =
            crate::lane1::moneyness1(s, k, r, q, t);
        let log_spot_moneyness = if ratio.hi >= f64::MIN_POSITIVE && ratio.hi.is_finite() {
            log_spot
        } else {
            // S/K under- or overflows (S = 1e-300, K = 1e10 ...): subtract the logarithms
            ln_dd(Dd::from_f64(s)) - ln_dd(Dd::from_f64(k))
        };
        let sqrt_sk = if sk.hi.is_finite() && sk.hi > f64::MIN_POSITIVE {
            sqrt_sk
        } else {
            s.sqrt() * k.sqrt()
        };
        Moneyness {
            log_spot_moneyness,
            carry,
            log_moneyness: log_spot_moneyness + carry,
            // (`Dd::sqrt` answers t <= 0 too)
            sqrt_t: Dd::from_f64(t).sqrt(),
            scale: sqrt_sk * half_discount,
        }
    }
}

/// The quantities every formula shares, carried in double-double where an error would be
/// amplified later (see `dd`).
struct Setup {
    /// ln(S/K)
    log_spot_moneyness: Dd,
    /// (r - q) t
    carry: Dd,
    /// x = ln(F/K) = ln(S/K) + (r - q) t
    log_moneyness: Dd,
    sqrt_t: Dd,
    /// s = sigma sqrt(t)
    total_vol: Dd,
    /// h = x / s
    h: Dd,
    /// tau = s / 2
    tau: Dd,
    /// sqrt(S K) e^{-(r+q) t / 2}: the price is this times the normalised value.
    scale: f64,
}

impl Setup {
    #[inline(always)]
    fn new(c: &Contract) -> Setup {
        let m = Moneyness::new(c.s, c.k, c.r, c.q, c.t);
        let total_vol = m.sqrt_t.mul_f64(c.sigma);
        let (h, tau) = if total_vol.hi > VANISHING_TOTAL_VOL {
            (m.log_moneyness / total_vol, total_vol.mul_f64(0.5))
        } else {
            // sigma sqrt(t) underflows: the option is worth its intrinsic value, and h = x/s
            // is infinite with the sign of x (0 at the money)
            let x = m.log_moneyness.hi;
            let h = if x == 0.0 {
                0.0
            } else {
                x.signum() * f64::INFINITY
            };
            (Dd::from_f64(h), Dd::from_f64(0.0))
        };
        Setup {
            log_spot_moneyness: m.log_spot_moneyness,
            carry: m.carry,
            log_moneyness: m.log_moneyness,
            sqrt_t: m.sqrt_t,
            total_vol,
            h,
            tau,
            scale: m.scale,
        }
    }

    /// `exp(-(h^2 + tau^2)/2)`: the factor shared by both terms of `b` and by `phi(d1)`
    /// once scaled (`S e^{-qt} phi(d1) = scale * this / sqrt(2 pi)`).
    #[inline(always)]
    fn gaussian_factor(&self) -> f64 {
        let (g, unscale) = self.gaussian_factor_scaled();
        g * unscale
    }

    /// The gaussian factor as `(g, unscale)` with the value `g * unscale`, where `g` is kept
    /// in the normal range by a power-of-two scale when the factor itself would underflow:
    /// greeks built on it then round once, at the end, into the subnormal range instead of
    /// flushing to zero on the way.
    #[inline(always)]
    fn gaussian_factor_scaled(&self) -> (f64, f64) {
        let exponent = gaussian_exponent(self.h, self.tau);
        if exponent.hi == f64::NEG_INFINITY {
            return (0.0, 1.0);
        }
        if exponent.hi > FAR_EXPONENT {
            (exp_dd(exponent), 1.0)
        } else {
            let shift = LN_2.mul_f64(TAIL_SCALE_LOG2 as f64);
            (exp_dd(exponent + shift), 2f64.powi(-TAIL_SCALE_LOG2))
        }
    }
}

impl Setup {
    /// Whether the price must come from `price_far` (see `FAR_SCALE`), for the option with
    /// log-moneyness `x_signed` and `h_signed` seen from its own side. `lane_exact.rs`'s `setup4`
    /// guards the same lanes.
    #[inline(always)]
    fn is_far(&self, x_signed: Dd, h_signed: Dd) -> bool {
        // (`h_signed` is the out-of-the-money one wherever the predicate reads it)
        let exponent = gaussian_exponent(self.h, self.tau).hi;
        crate::lane1::is_far1(self.scale, x_signed.hi, (h_signed + self.tau).hi, exponent)
    }

    /// The numerator of charm's gaussian term, `-dDelta/dt` scaled: `2(r-q)t - d2 s = (r-q)t
    /// - ln(S/K) + s^2/2`, formed in double-double (the exact kernel's, one lane).
    #[inline(always)]
    fn charm_numerator(&self) -> f64 {
        crate::lane1::charm_numerator1(self.carry, self.log_spot_moneyness, self.total_vol)
    }

    /// `(d1, d2) = (h + tau, h - tau)`; `h` itself where it is infinite (a total volatility
    /// under `VANISHING_TOTAL_VOL`), where the double-double sums would make the low parts
    /// NaN (delta, rho and theta of `sigma = 1e-300` were NaN, or 0 where a NaN term was
    /// dropped).
    #[inline(always)]
    fn d1_d2(&self) -> (Dd, Dd) {
        if self.h.hi.is_infinite() {
            (self.h, self.h)
        } else {
            (self.h + self.tau, self.h - self.tau)
        }
    }

    /// `(theta x, theta h)`: log-moneyness and `h` seen from the option's own side.
    #[inline(always)]
    fn signed(&self, is_call: bool) -> (Dd, Dd) {
        if is_call {
            (self.log_moneyness, self.h)
        } else {
            (-self.log_moneyness, -self.h)
        }
    }
}

#[inline(always)]
fn has_nan(c: &Contract) -> bool {
    c.s.is_nan() || c.k.is_nan() || c.r.is_nan() || c.q.is_nan() || c.sigma.is_nan() || c.t.is_nan()
}

/// The discounted price of a European option. Inputs are assumed in domain (checked by the
/// batch layer); NaN in any input gives NaN.
#[inline(always)]
pub fn bsm_price(c: &Contract) -> f64 {
    match crate::lane1::fast_price(c) {
        Some(v) => v,
        None => bsm_price_exact(c),
    }
}

/// `bsm_price` by the double-double kernel alone, whatever the contract.
#[inline(always)]
pub fn bsm_price_exact(c: &Contract) -> f64 {
    if has_nan(c) {
        return f64::NAN;
    }
    if is_extreme(c) {
        return price_extreme(c);
    }
    let (price, time_value) = price_in_range(c);
    settle_at_bounds(c, price, time_value)
}

/// `bsm_price_exact` before its settlement at the bounds, for contracts that are not
/// `is_extreme`: the price and, where the normalised form gave it, its time value.
#[inline(always)]
fn price_in_range(c: &Contract) -> (f64, Option<f64>) {
    // the common path is the exact kernel's one-lane instance, the vector kernels' formulas
    // word for word; what it guards takes the scalar code below, in the vector kernels too
    match crate::lane1::exact_price(c) {
        Some((price, time_value)) => (price, Some(time_value)),
        None => price_guarded(c),
    }
}

/// `price_in_range` for the contracts `setup4` guards: S/K or S K outside the normal range,
/// a vanishing total vol, `h` or `tau` beyond 1e100, and `price_far`'s.
#[cold]
#[inline(never)]
fn price_guarded(c: &Contract) -> (f64, Option<f64>) {
    let su = Setup::new(c);
    let (x, h) = su.signed(c.is_call);
    if su.is_far(x, h) {
        return (price_far(c), None);
    }
    let (value, b) = normalised_value_parts(x, h, su.tau, su.gaussian_factor());
    (su.scale * value, Some(su.scale * b))
}

/// The price where `scale * value` would leave the double range on the way although the
/// price need not (`Setup::is_far`): rates and times with `|(r + q) t|` in the thousands
/// (the scale over- or underflows while the value does the opposite), an intrinsic part
/// `e^{|x|/2}` that overflows, a deep out-of-the-money value below the normal range with a
/// scale that would bring it back. Formed as `exp(ln scale + ln value)`, both logarithms
/// in double-double, the out-of-the-money value as its gaussian exponent plus the
/// logarithm of the rest (`b / gaussian`, which the series and `erfcx` formulas give with a
/// unit factor). Without it `r = 50, t = 30` priced a call at NaN (0 * inf) and a spot of
/// 1e200 with a 1 % vol priced a 150 % strike at 0 instead of 3e-163.
#[cold]
#[inline(never)]
pub(crate) fn price_far(c: &Contract) -> f64 {
    use crate::normalised::DIRECT_CDF_THRESHOLD;
    let su = Setup::new(c);
    let (x, h) = su.signed(c.is_call);
    let tau = su.tau;
    let plain = || su.scale * normalised_value(x, h, tau, su.gaussian_factor());
    let ln_scale = ln_scale(c.s, c.k, c.r, c.q, c.t);
    if !ln_scale.hi.is_finite() {
        return plain();
    }
    let ln_value = if x.hi > 0.0 {
        if x.hi > FAR_LOG_MONEYNESS {
            // b(-|x|, s) < e^{-|x|/2}: under e^{-1400} of the intrinsic part e^{|x|/2}
            x.mul_f64(0.5)
        } else {
            ln_dd(Dd::from_f64(normalised_value(
                x,
                h,
                tau,
                su.gaussian_factor(),
            )))
        }
    } else if h.hi.abs() > 1e100 {
        return 0.0;
    } else {
        if (h + tau).hi <= DIRECT_CDF_THRESHOLD {
            // here b / gaussian <= erfcx(-(h + tau)/sqrt 2) / 2 < 1: nothing representable is
            // left below this
            let exponent = gaussian_exponent(h, tau);
            if (ln_scale + exponent).hi < -760.0 {
                return 0.0;
            }
        }
        ln_otm_value(x, h, tau)
    };
    exp_of(ln_sum(&[ln_scale, ln_value]))
}

/// `ln(sqrt(S K) e^{-(r+q)t/2})` in double-double: the logarithm of `Moneyness::scale`.
pub(crate) fn ln_scale(s: f64, k: f64, r: f64, q: f64, t: f64) -> Dd {
    (ln_dd(Dd::from_f64(s)) + ln_dd(Dd::from_f64(k))).mul_f64(0.5) + Dd::sum(r, q).mul_f64(-0.5 * t)
}

/// `ln b(x, s)` for `x <= 0`, `h = x/s`, `tau = s/2`, without forming `b` (which may lie far
/// below the double range): where `h + tau > 0.85`, `b = e^{x/2} (Phi(h + tau) - e^{-x}
/// Phi(h - tau))` with `e^{-x} Phi(h - tau) = erfcx(-(h - tau)/sqrt 2) e^{-(h + tau)^2/2} / 2`
/// (as `(h - tau)^2 = (h + tau)^2 - 2x`); elsewhere the gaussian exponent `-(h^2 + tau^2)/2`
/// plus the logarithm of `b / gaussian`, which the moment series and the difference of
/// `erfcx` give with a unit factor. -inf where `b` is 0.
pub(crate) fn ln_otm_value(x: Dd, h: Dd, tau: Dd) -> Dd {
    use crate::normal::erfcx_dd;
    use crate::normalised::{DIRECT_CDF_THRESHOLD, FRAC_1_SQRT_2};
    let neg_inf = Dd::from_f64(f64::NEG_INFINITY);
    if (h + tau).hi > DIRECT_CDF_THRESHOLD {
        let d1 = h + tau;
        let lower = if d1.hi > 40.0 {
            0.0 // e^{-d1^2/2} underflows (and d1^2 may overflow)
        } else {
            0.5 * erfcx_dd(-(h - tau) * FRAC_1_SQRT_2) * exp_dd(d1.sqr().mul_f64(-0.5))
        };
        let inner = normal_cdf_dd(d1) - lower;
        if inner <= 0.0 {
            return neg_inf;
        }
        return x.mul_f64(0.5) + ln_dd(Dd::from_f64(inner));
    }
    let exponent = gaussian_exponent(h, tau);
    if h.hi.abs() > 1e10 {
        // b / gaussian is about 1/|h|^3 here: immaterial beside an exponent below -5e19 (and
        // the moment recurrence would overflow); -inf past 1e100
        return exponent;
    }
    // (h + tau <= 0.85 and a unit factor: `otm_call` takes the moment series for a small
    // tau, the difference of erfcx otherwise, each giving b / gaussian)
    ln_sum(&[exponent, ln_dd(Dd::from_f64(otm_call(x, h, tau, 1.0)))])
}

/// Prices of contracts given as parallel slices of `out.len()` elements (`call` holds 1.0
/// for a call, -1.0 for a put); the same values as `bsm_price` element by element: the
/// scalar code's chunk kernel (CPUs without the vector kernels, and their remainders).
#[inline(always)]
pub fn bsm_price_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = bsm_price(&Contract::from_columns(inputs, i));
    }
}

/// Black-76: an option on a forward or futures price `f`, discounted at `r`.
/// It is the BSM price with spot `f` and dividend yield equal to `r`.
#[inline(always)]
pub fn black76_price(f: f64, k: f64, r: f64, sigma: f64, t: f64, is_call: bool) -> f64 {
    bsm_price(&Contract {
        s: f,
        k,
        r,
        q: r,
        sigma,
        t,
        is_call,
    })
}

/// Price and all nine greeks of one contract.
#[inline(always)]
pub fn bsm_greeks(c: &Contract) -> GreekValues {
    if let Some(g) = crate::lane1::fast_greeks(c) {
        return g;
    }
    let mut g = bsm_greeks_exact(c);
    if let Some(p) = crate::lane1::fast_price(c) {
        // the same price as `bsm_price` (the plain-double kernel answers only where the time
        // value keeps the price clear of its bounds: `lane1::fast_price`), settled as
        // `simd_plain::exact_greeks` settles it
        g.price = settle_at_bounds(c, p, Some(f64::INFINITY));
    }
    g
}

/// `bsm_greeks` by the double-double kernel alone, whatever the contract.
#[inline(always)]
pub fn bsm_greeks_exact(c: &Contract) -> GreekValues {
    if has_nan(c) {
        return GreekValues::NAN;
    }
    if is_extreme(c) {
        return greeks_extreme(c);
    }
    // the common path, as in `price_in_range`
    if let Some((values, time_value)) = crate::lane1::exact_greeks(c) {
        let mut g = GreekValues::from_array(values);
        g.price = settle_at_bounds(c, values[0], Some(time_value));
        return g;
    }
    greeks_guarded(c)
}

/// `bsm_greeks_exact` for the contracts `exact_greeks4` guards: the price's guards, and
/// factors outside the range where their products stay normal (`greeks_far`).
#[cold]
#[inline(never)]
fn greeks_guarded(c: &Contract) -> GreekValues {
    let su = Setup::new(c);
    let theta_sign = if c.is_call { 1.0 } else { -1.0 };
    let (gaussian, unscale) = su.gaussian_factor_scaled();
    let (x_signed, h_signed) = su.signed(c.is_call);
    let far_price = su.is_far(x_signed, h_signed);
    let price = if far_price {
        settle_at_bounds(c, price_far(c), None)
    } else {
        let (value, b) = normalised_value_parts(x_signed, h_signed, su.tau, gaussian * unscale);
        settle_at_bounds(c, su.scale * value, Some(su.scale * b))
    };

    let (d1, d2) = su.d1_d2();
    let (signed_d1, signed_d2) = if c.is_call { (d1, d2) } else { (-d1, -d2) };
    // the formulas are the exact kernel's (`lane_exact.rs`'s `greeks_of_parts`, one
    // lane); only the parts are formed here, for the contracts its `setup4` guards
    let parts = GreekParts {
        s: c.s,
        k: c.k,
        r: c.r,
        q: c.q,
        sigma: c.sigma,
        t: c.t,
        theta_sign,
        scale: su.scale,
        g_scaled: gaussian,
        unscale,
        d1: d1.to_f64(),
        d2: d2.to_f64(),
        cdf_d1: normal_cdf_dd(signed_d1),
        cdf_d2: normal_cdf_dd(signed_d2),
        dividend_discount: exp_dd(Dd::product(-c.q, c.t)),
        rate_discount: exp_dd(Dd::product(-c.r, c.t)),
        s_total: su.total_vol.to_f64(),
        sqrt_t: su.sqrt_t.to_f64(),
        charm_numerator: su.charm_numerator(),
    };
    let (greeks, factors_in_range, scaled_in_range) = greeks_of_parts1(parts);
    // (a far price with the factor kept scaled and the rest moderate is a deep
    // out-of-the-money one: its greeks are the formulas', most of them 0)
    if !factors_in_range || (far_price && !scaled_in_range) {
        return greeks_far(c, &su, price);
    }
    let mut values = [price; 10];
    values[1..].copy_from_slice(&greeks);
    GreekValues::from_array(values)
}

/// The greeks of a contract `Setup::is_far` sends to `price_far`: the same formulas as
/// `bsm_greeks_exact`, each product of discount factors, normal tails and the gaussian
/// factor formed as the exponential of a sum of logarithms (with `r = 50, t = 30` the
/// factor `e^{-rt}` underflows while `Phi(d2)` is 1, and `S e^{-qt} phi(d1)` is `scale *
/// gaussian` with the scale at 0 and the gaussian factor finite: products of the plain
/// factors gave NaN where the greek is a number). Overflow to inf where the greek does;
/// NaN only where two infinite terms meet (theta, charm).
#[cold]
#[inline(never)]
fn greeks_far(c: &Contract, su: &Setup, price: f64) -> GreekValues {
    use crate::normal::LN_SQRT_2PI;
    let theta_sign = if c.is_call { 1.0 } else { -1.0 };
    let ln = |v: f64| ln_dd(Dd::from_f64(v));
    let (ln_s, ln_k) = (ln(c.s), ln(c.k));
    let ln_dividend = Dd::product(-c.q, c.t);
    let ln_spot = ln_s + ln_dividend;
    let ln_strike = ln_k + Dd::product(-c.r, c.t);
    let (d1, d2) = su.d1_d2();
    let (signed_d1, signed_d2) = if c.is_call { (d1, d2) } else { (-d1, -d2) };
    let (ln_cdf_d1, ln_cdf_d2) = (ln_normal_cdf(signed_d1), ln_normal_cdf(signed_d2));
    // ln(S e^{-qt} phi(d1)) = ln(scale) - (h^2 + tau^2)/2 - ln sqrt(2 pi)
    let ln_scale = ln_scale(c.s, c.k, c.r, c.q, c.t);
    let exponent = gaussian_exponent(su.h, su.tau);
    let ln_vega_factor = ln_sum(&[ln_scale, exponent, -LN_SQRT_2PI]);
    let (ln_total, ln_sqrt_t) = (ln_dd(su.total_vol), ln_dd(su.sqrt_t));
    let delta_size = exp_of(ln_sum(&[ln_dividend, ln_cdf_d1]));
    let vega = exp_of(ln_sum(&[ln_vega_factor, ln_sqrt_t]));
    let ln_sigma = ln(c.sigma);
    let charm_numerator = su.charm_numerator();
    let (d1f, d2f) = (d1.to_f64(), d2.to_f64());
    let sign = |v: f64| if v == 0.0 { 0.0 } else { v.signum() };
    GreekValues {
        price,
        delta: theta_sign * delta_size,
        gamma: exp_of(ln_sum(&[ln_vega_factor, -ln_s, -ln_s, -ln_total])),
        vega,
        // sums whose terms may overflow together: the largest factored out
        theta: signed_exp_sum(&[
            (-1.0, ln_sum(&[ln_vega_factor, ln_total, -ln(2.0 * c.t)])),
            (
                theta_sign * sign(c.q),
                ln_sum(&[ln(c.q.abs()), ln_spot, ln_cdf_d1]),
            ),
            (
                -theta_sign * sign(c.r),
                ln_sum(&[ln(c.r.abs()), ln_strike, ln_cdf_d2]),
            ),
        ]),
        rho: theta_sign * c.t * exp_of(ln_sum(&[ln_strike, ln_cdf_d2])),
        epsilon: -theta_sign * c.t * exp_of(ln_sum(&[ln_spot, ln_cdf_d1])),
        // the last factors inside the logarithm too: d2 / sigma may be large where the rest
        // is below the normal range
        vanna: -sign(d2f) * exp_of(ln_sum(&[ln_vega_factor, -ln_s, ln(d2f.abs()), -ln_sigma])),
        volga: sign(d1f * d2f)
            * exp_of(ln_sum(&[
                ln_vega_factor,
                ln_sqrt_t,
                ln(d1f.abs()),
                ln(d2f.abs()),
                -ln_sigma,
            ])),
        charm: signed_exp_sum(&[
            (
                theta_sign * sign(c.q),
                ln_sum(&[ln(c.q.abs()), ln_dividend, ln_cdf_d1]),
            ),
            (
                -sign(charm_numerator),
                ln_sum(&[
                    ln_vega_factor,
                    -ln_s,
                    ln(charm_numerator.abs()),
                    -ln(2.0 * c.t),
                    -ln_total,
                ]),
            ),
        ]),
    }
}

/// The greeks of elements `from..` one by one (the vector kernels' tails and the chunk kernel
/// where there are none). Inlined into each caller: the vector kernels' copies then have
/// their CPU's fused multiply-adds (called as a function of its own, every `mul_add` of
/// `bsm_greeks` was a library call: a fifth of a one-element greeks call).
#[inline(always)]
pub(crate) fn greeks_scalar(
    inputs: &[&[f64]; 7],
    which: &[Greek],
    outs: &mut [&mut [f64]],
    from: usize,
) {
    let n = outs.first().map_or(0, |o| o.len());
    for i in from..n {
        let g = bsm_greeks(&Contract::from_columns(inputs, i));
        for (slot, greek) in outs.iter_mut().zip(which) {
            slot[i] = greek.pick(&g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn call(s: f64, k: f64, r: f64, q: f64, sigma: f64, t: f64) -> Contract {
        Contract {
            s,
            k,
            r,
            q,
            sigma,
            t,
            is_call: true,
        }
    }

    #[test]
    fn seed_value() {
        // the classic example: S = K = 100, r = 5 %, sigma = 20 %, t = 0.25 -> 4.6150
        let p = bsm_price(&call(100.0, 100.0, 0.05, 0.0, 0.2, 0.25));
        assert_relative_eq!(p, 4.614_997_129_602_866, max_relative = 1e-15);
    }

    #[test]
    fn put_call_parity() {
        for &(s, k) in &[(100.0, 80.0), (100.0, 100.0), (100.0, 130.0), (3.0, 2000.0)] {
            let c = call(s, k, 0.03, 0.01, 0.3, 1.5);
            let p = Contract {
                is_call: false,
                ..c
            };
            let lhs = bsm_price(&c) - bsm_price(&p);
            let rhs = s * (-0.01f64 * 1.5).exp() - k * (-0.03f64 * 1.5).exp();
            assert!(
                (lhs - rhs).abs() <= 1e-13 * (s + k),
                "{s} {k}: {lhs} vs {rhs}"
            );
        }
    }

    #[test]
    fn deep_out_of_the_money_tail_is_positive_and_tiny() {
        // 5.0097681718344244076e-86 (mpmath, 40 digits); the condition number here is ~400
        let p = bsm_price(&call(100.0, 400.0, 0.0, 0.0, 0.1, 0.5));
        assert_relative_eq!(
            p,
            5.009_768_171_834_424e-86,
            max_relative = 400.0 * f64::EPSILON
        );
    }

    #[test]
    fn scaled_gaussian_formulas_agree_with_the_logarithms() {
        // contracts whose gaussian factor is kept scaled (exponent <= FAR_EXPONENT) with
        // moderate inputs take the closed forms now; greeks_far (every factor in logarithms)
        // is the reference they left
        // (half of them with |r t|, |q t| in the hundreds: a vanished Phi(d) times a discount
        // factor near 2^800 is a number, which the closed forms gave as 0; review)
        let mut rnd = crate::testing::xorshift(11);
        let mut compared = 0;
        for i in 0..40_000 {
            let s = 10f64.powf(12.0 * rnd() - 6.0);
            let moneyness = if rnd() < 0.5 {
                0.2 + 0.5 * rnd()
            } else {
                1.5 + 3.0 * rnd()
            };
            let (r, q, t) = if i % 2 == 0 {
                (
                    0.1 * rnd() - 0.03,
                    0.08 * rnd() - 0.02,
                    (1.0 + 4.0 * rnd()) / 365.0,
                )
            } else {
                (12.0 * rnd() - 6.0, 12.0 * rnd() - 6.0, 50.0 + 250.0 * rnd())
            };
            let c = Contract {
                s,
                k: s * moneyness,
                r,
                q,
                sigma: 0.05 + 3.0 * rnd(),
                t,
                is_call: rnd() < 0.5,
            };
            let su = Setup::new(&c);
            if gaussian_exponent(su.h, su.tau).hi > FAR_EXPONENT {
                continue;
            }
            let got = bsm_greeks_exact(&c);
            let want = greeks_far(&c, &su, got.price);
            for (name, a, b) in [
                ("delta", got.delta, want.delta),
                ("gamma", got.gamma, want.gamma),
                ("vega", got.vega, want.vega),
                ("theta", got.theta, want.theta),
                ("rho", got.rho, want.rho),
                ("epsilon", got.epsilon, want.epsilon),
                ("vanna", got.vanna, want.vanna),
                ("volga", got.volga, want.volga),
                ("charm", got.charm, want.charm),
            ] {
                let close = a == b
                    || (a - b).abs() <= 1e-13 * b.abs()
                    || (a.abs() < 1e-290 && b.abs() < 1e-290);
                assert!(close, "{name}: {a:e} vs {b:e} for {c:?}");
            }
            compared += 1;
        }
        assert!(compared > 10_000, "{compared}");
    }

    #[test]
    fn greeks_match_finite_differences() {
        let c = Contract {
            s: 105.0,
            k: 100.0,
            r: 0.03,
            q: 0.015,
            sigma: 0.25,
            t: 0.8,
            is_call: false,
        };
        let g = bsm_greeks(&c);
        let bump = |f: &dyn Fn(f64) -> Contract, x: f64, h: f64| {
            (bsm_price(&f(x + h)) - bsm_price(&f(x - h))) / (2.0 * h)
        };
        let delta = bump(&|s| Contract { s, ..c }, c.s, 1e-4);
        let vega = bump(&|sigma| Contract { sigma, ..c }, c.sigma, 1e-6);
        let rho = bump(&|r| Contract { r, ..c }, c.r, 1e-6);
        let eps = bump(&|q| Contract { q, ..c }, c.q, 1e-6);
        let theta = -bump(&|t| Contract { t, ..c }, c.t, 1e-6);
        assert_relative_eq!(g.delta, delta, max_relative = 1e-8);
        assert_relative_eq!(g.vega, vega, max_relative = 1e-8);
        assert_relative_eq!(g.rho, rho, max_relative = 1e-8);
        assert_relative_eq!(g.epsilon, eps, max_relative = 1e-8);
        assert_relative_eq!(g.theta, theta, max_relative = 1e-7);
        let gb = |s: f64| bsm_greeks(&Contract { s, ..c });
        assert_relative_eq!(
            g.gamma,
            (gb(c.s + 1e-3).delta - gb(c.s - 1e-3).delta) / 2e-3,
            max_relative = 1e-7
        );
        let gv = |sigma: f64| bsm_greeks(&Contract { sigma, ..c });
        assert_relative_eq!(
            g.vanna,
            (gv(c.sigma + 1e-6).delta - gv(c.sigma - 1e-6).delta) / 2e-6,
            max_relative = 1e-7
        );
        assert_relative_eq!(
            g.volga,
            (gv(c.sigma + 1e-6).vega - gv(c.sigma - 1e-6).vega) / 2e-6,
            max_relative = 1e-6
        );
        let gt = |t: f64| bsm_greeks(&Contract { t, ..c });
        assert_relative_eq!(
            g.charm,
            -(gt(c.t + 1e-6).delta - gt(c.t - 1e-6).delta) / 2e-6,
            max_relative = 1e-6
        );
    }

    #[test]
    fn black76_is_bsm_on_the_forward() {
        let f = 100.0 * (0.04f64 * 0.5).exp();
        let b = black76_price(f, 95.0, 0.04, 0.3, 0.5, true);
        let s = bsm_price(&call(100.0, 95.0, 0.04, 0.0, 0.3, 0.5));
        assert_relative_eq!(b, s, max_relative = 1e-14);
    }

    #[test]
    fn extreme_volatilities_stay_finite() {
        // vanishing vol: the intrinsic value and zero vega, not NaN
        let c = Contract {
            s: 100.0,
            k: 200.0,
            r: 0.0,
            q: 0.0,
            sigma: 1e-9,
            t: 0.0078125,
            is_call: false,
        };
        assert_eq!(bsm_price(&c), 100.0);
        assert_eq!(bsm_greeks(&c).vega, 0.0);
        // enormous vol: the upper bound S e^{-qt}
        let c = Contract {
            s: 100.0,
            k: 200.0,
            r: 0.0,
            q: 0.0,
            sigma: 1e300,
            t: 1.0,
            is_call: true,
        };
        assert_eq!(bsm_price(&c), 100.0);
        assert_eq!(bsm_greeks(&c).vega, 0.0);
        let c = Contract { sigma: 1e-300, ..c };
        assert_eq!(bsm_price(&c), 0.0);
    }

    #[test]
    fn subnormal_inputs_price_to_their_limits() {
        // S/K underflows, and sigma sqrt(t) underflows: a worthless call, not NaN
        let c = Contract {
            s: 5e-324,
            k: 100.0,
            r: 0.0,
            q: 0.0,
            sigma: 5e-324,
            t: 5e-324,
            is_call: true,
        };
        assert_eq!(bsm_price(&c), 0.0);
        // the put is worth the discounted strike less the (vanishing) spot
        let p = bsm_price(&Contract {
            is_call: false,
            ..c
        });
        assert!((p - 100.0).abs() < 1e-12, "{p}");
        // at the money with vanishing total vol: zero time value, delta one half
        let atm = Contract {
            s: 100.0,
            k: 100.0,
            r: 0.0,
            q: 0.0,
            sigma: 1e-200,
            t: 1e-200,
            is_call: true,
        };
        assert_eq!(bsm_price(&atm), 0.0);
        assert_eq!(bsm_greeks(&atm).delta, 0.5);
    }

    #[test]
    fn nan_in_nan_out() {
        assert!(bsm_price(&call(f64::NAN, 1.0, 0.0, 0.0, 0.2, 1.0)).is_nan());
        assert!(
            bsm_greeks(&call(1.0, 1.0, 0.0, 0.0, f64::NAN, 1.0))
                .vega
                .is_nan()
        );
    }
}
