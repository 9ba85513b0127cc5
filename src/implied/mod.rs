//! Implied volatility: the total volatility `s = sigma sqrt(t)` that reproduces a normalised
//! out-of-the-money value, found to the accuracy the price's own rounding allows.
//!
//! The method follows the structure of Jäckel's "Let's Be Rational" (2015): work on the
//! normalised Black function `b(x, s)` with `x = ln(F/K) <= 0` (an in-the-money price first
//! loses its intrinsic part `2 sinh(|x|/2)`, exactly as the pricer adds it), split the
//! problem at the inflection point `s_c = sqrt(2|x|)` of `b` in `s`, and on each side solve
//! an objective that is nearly linear there with Householder's third-order method, whose
//! derivatives are closed forms in `b'(s) = exp(-(h^2+tau^2)/2)/sqrt(2 pi)`:
//! `b''/b' = x^2/s^3 - s/4` and `b'''/b' = (b''/b')^2 - 3x^2/s^4 - 1/4`.
//! - below `b(s_c)`: `ln b(s) = ln beta` (the logarithm straightens the `exp(-x^2/(2s^2))`
//!   tail); the start solves the small-`s` asymptotics `ln b ~ -x^2/(2s^2) - s^2/8 +
//!   ln(s^3 / (x^2 sqrt(2 pi)))` for `s`;
//! - above it: `ln(e^{x/2} - b(s)) = ln(e^{x/2} - beta)`, with the complement evaluated
//!   directly as two positive tails; the start inverts `e^{x/2} - b ~ 2 cosh(x/2) Phi(-s/2)`.
//!
//! The starting points differ from Jäckel's rational interpolations (ours are cruder, so a
//! typical inversion takes three or four steps instead of two), and the last step is kept as
//! the low part of a double-double `s`, so dividing by `sqrt(t)` rounds only once.

use crate::black::Moneyness;
use crate::dd::Dd;
use crate::elementary::ln_any;
use crate::elementary::{exp, exp_dd, ln_dd, two_sinh_half};
use crate::normal::{FRAC_1_SQRT_2PI, erfcx, inverse_normal_cdf_steps};

mod lane1;

/// Safety net: the iteration normally stops after three to five steps.
pub(crate) const MAX_STEPS: usize = 30;
/// A step below this fraction of `s` is the last one: it is kept as the low part of `s`.
/// Householder(3) converges with order four, so after a step of `1e-6 s` what is left is of
/// order `1e-24 s`: the step that would follow is below the last bit. (1e-13 cost one more
/// objective per inversion; 1e-4 let a few far-off lanes stop.)
pub(crate) const CONVERGED: f64 = 1e-6;

/// Implied Black-Scholes-Merton volatility of a European option price, or NaN when no
/// volatility reproduces it (below intrinsic value, at or above the upper bound, negative,
/// infinite, zero: no volatility > 0 prices an option at 0, and a zero quote is no quote,
/// as `ImpliedVolSurface.from_prices` has it); an in-the-money price within rounding of its intrinsic
/// value gives the volatility whose time value is one ulp of it. Inputs `s, k, t > 0` and finite
/// `r, q` are assumed (checked by the batch layer).
#[inline(always)]
pub fn implied_vol(price: f64, s: f64, k: f64, r: f64, q: f64, t: f64, is_call: bool) -> f64 {
    positive_or_nan(match prepare(price, s, k, r, q, t, is_call) {
        Prepared::Done(v) => v,
        Prepared::Solve(p) => p.finish(p.solve()),
    })
}

/// A volatility the pricer accepts, or NaN: a root so small that it rounds to 0 (a price of
/// 5e-324 at the money) is no volatility (`batch::implied_chunk` applies it too).
#[inline(always)]
pub(crate) fn positive_or_nan(v: f64) -> f64 {
    if v > 0.0 { v } else { f64::NAN }
}

/// What is known of one inversion before the iteration: its answer already, or the
/// problem `b(x, s) = beta` with a starting point.
pub(crate) enum Prepared {
    Done(f64),
    Solve(Problem),
}

/// One normalised inversion: find `s` with `w(s) = target`, where `w` is `b(x, .)` or, for
/// `complement`, `e^{x/2} - b(x, .)`; start at `start`. `sqrt_t` turns `s` into sigma.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Problem {
    pub x: Dd,
    pub target: f64,
    pub complement: bool,
    pub start: f64,
    pub sqrt_t: Dd,
}

impl Problem {
    /// sigma from the total volatility found.
    #[inline(always)]
    pub fn finish(&self, total: Dd) -> f64 {
        (total / self.sqrt_t).to_f64()
    }

    /// The iteration: `lanes/lane_implied.rs`'s `solve4`, one lane (the vector kernels run
    /// the same source on their lanes).
    #[inline(always)]
    pub fn solve(&self) -> Dd {
        lane1::solve(self).0
    }
}

/// Everything before the iteration: domain, bounds, the normalised target and the start.
#[inline(always)]
pub(crate) fn prepare(
    price: f64,
    s: f64,
    k: f64,
    r: f64,
    q: f64,
    t: f64,
    is_call: bool,
) -> Prepared {
    // the common case by the kernel every width runs (`lane_implied.rs`'s `prepare4`, one
    // lane); what it guards takes the scalar code below, in the vector kernels too
    let call = if is_call { 1.0 } else { -1.0 };
    match lane1::implied_problem([price, s, k, r, q, t, call]) {
        Some(p) => Prepared::Solve(p),
        None => prepare_guarded(price, s, k, r, q, t, is_call),
    }
}

/// `prepare` for the inversions `prepare4` guards: NaN, prices outside their bounds, S/K or
/// S K outside the normal range, far targets, in-the-money time values at the price's
/// rounding or with `|rt|`, `|qt|` beyond `EXP_WIDE_LIMIT`, starts on arguments outside
/// the normal range.
#[cold]
#[inline(never)]
fn prepare_guarded(price: f64, s: f64, k: f64, r: f64, q: f64, t: f64, is_call: bool) -> Prepared {
    if price.is_nan() || s.is_nan() || k.is_nan() || r.is_nan() || q.is_nan() || t.is_nan() {
        return Prepared::Done(f64::NAN);
    }
    if !price.is_finite() || price < 0.0 {
        return Prepared::Done(f64::NAN);
    }
    let upper_bound = if is_call {
        s * exp_dd(Dd::product(-q, t))
    } else {
        k * exp_dd(Dd::product(-r, t))
    };
    if price >= upper_bound {
        return Prepared::Done(f64::NAN);
    }
    let m = Moneyness::new(s, k, r, q, t);
    let x_signed = if is_call {
        m.log_moneyness
    } else {
        -m.log_moneyness
    };
    let normalised = price / m.scale;
    if x_signed.hi <= 0.0 && normalised < FAR_TARGET && price > 0.0 {
        let ln_beta = ln_dd(Dd::from_f64(price)) - crate::black::ln_scale(s, k, r, q, t);
        return Prepared::Done(match far_total_vol(ln_beta, x_signed) {
            Some(total) => (total / m.sqrt_t).to_f64(),
            None => f64::NAN,
        });
    }
    let (x_otm, mut beta) = if x_signed.hi > 0.0 {
        (-x_signed, normalised - two_sinh_half(x_signed))
    } else {
        (x_signed, normalised)
    };
    // (written so that a NaN beta takes the exact route too)
    if x_signed.hi > 0.0
        && beta.partial_cmp(&(EXACT_TIME_VALUE * normalised)) != Some(std::cmp::Ordering::Greater)
    {
        // the time value is a small part of the price: `price / scale` rounded at the whole
        // price's ulp, which would be a large part of it. The price as given is exact: remove
        // the intrinsic value first, in price terms with both legs in double-double, then
        // normalise (a put at 525.0000000000061 with intrinsic 525 gave 0.83378 for 0.83406)
        match exact_time_value(price, s, k, r, q, t, is_call) {
            Some(tv) => beta = tv / m.scale,
            None => {
                // at or below the intrinsic value: no volatility reproduces it, unless the
                // legs only met it because `q t` or `r t` underflowed
                return Prepared::Done(
                    ln_underflowed_time_value(price, s, k, r, q, t, is_call)
                        .and_then(|ln_tv| {
                            far_total_vol(ln_tv - crate::black::ln_scale(s, k, r, q, t), x_otm)
                        })
                        .map_or(f64::NAN, |total| (total / m.sqrt_t).to_f64()),
                );
            }
        }
    }
    // below the bound in price, so a normalised value at or over it is rounding: the largest
    // value below it stands for it
    beta = beta.min(exp_dd(x_otm.mul_f64(0.5)) * (1.0 - f64::EPSILON));
    match problem(beta, x_otm) {
        Err(None) => Prepared::Done(f64::NAN),
        Err(Some(total)) => Prepared::Done((total / m.sqrt_t).to_f64()),
        Ok(mut p) => {
            p.sqrt_t = m.sqrt_t;
            Prepared::Solve(p)
        }
    }
}

/// An in-the-money price whose time value (`price / scale - 2 sinh(x/2)`) is at most this
/// fraction of the normalised price takes `exact_time_value`: the plain quotient's rounding
/// is then at most 2^12 ulps of the time value, a relative error under 1e-12 in beta (and in sigma, which below the inflection point moves less than beta), and the
/// kernel's `prepare4` leaves such lanes to this code.
pub(crate) const EXACT_TIME_VALUE: f64 = 1.0 / 4096.0;

/// `price - theta (S e^{-qt} - K e^{-rt})` for an in-the-money price, the legs in
/// double-double (to about 2^-60 of themselves; exact where a rate is 0), rounded once;
/// None where it is not positive (the price is at or below its intrinsic value).
// (inlined: into the CPU-specific copies of the chunk kernels, where the double-double
// arithmetic's fused multiply-adds are instructions; compiled once for baseline x86-64 they
// were library calls, and this path cost ten times the common one)
#[inline(always)]
pub(crate) fn exact_time_value(
    price: f64,
    s: f64,
    k: f64,
    r: f64,
    q: f64,
    t: f64,
    is_call: bool,
) -> Option<f64> {
    // the one-lane instance of the kernels' formula, with the legs' discount factors of
    // any size (`exp_wide` leaves the double-double form beyond its limit)
    let (dividend, discount) = (exp_wide(Dd::product(-q, t)), exp_wide(Dd::product(-r, t)));
    let tv = lane1::time_value_of_legs1(price, s, k, dividend, discount, is_call);
    (tv > 0.0).then_some(tv)
}

/// `ln` of the time value of an in-the-money price that `exact_time_value` found without
/// one, where the price is `S - K` exactly and `|q t|`, `|r t|` are below 2^-1000 (a
/// subnormal rate or time: `q = 5e-324, t = 1/128` gave NaN for a price with time value,
/// which any vol below 0.3 reproduces): the double-double legs lost `q t` and `r t`. There
/// `e^{-qt} = 1 - qt` far beyond double-double, so the exact time value is `t (S q - K r)`
/// for a call, `t (K r - S q)` for a put, formed at a scale where the products are normal.
/// None where that is not positive (or not finite), or the price is not `S - K`. (Between
/// 2^-1068 and about 2^-1045 `exact_time_value` still answers, its legs carrying `q t` on
/// the 2^-1068 grid: a time value that coarse, within the inversion's bound.)
fn ln_underflowed_time_value(
    price: f64,
    s: f64,
    k: f64,
    r: f64,
    q: f64,
    t: f64,
    is_call: bool,
) -> Option<Dd> {
    let tiny = |v: f64| Dd::product(v, t).hi.abs() < f64::powi(2.0, -1000);
    let legs = if is_call {
        Dd::from_f64(s) - Dd::from_f64(k)
    } else {
        Dd::from_f64(k) - Dd::from_f64(s)
    };
    if !(tiny(q) && tiny(r) && Dd::from_f64(price) - legs == Dd::from_f64(0.0)) {
        return None;
    }
    // S q and K r formed at 2^600 where they are small (a subnormal product kept a few
    // bits: S = 100.5 with q = 5e-324 gave a time value off by 5e-3), and 600 ln 2 taken back
    let small = |a: f64, b: f64| (a * b).abs() < f64::powi(2.0, -900);
    let shift = if small(s, q) && small(k, r) { 600 } else { 0 };
    let scale = f64::powi(2.0, shift);
    let rates = Dd::product(s, q * scale) - Dd::product(k, r * scale);
    let rates = if is_call { rates } else { -rates };
    (rates.hi > 0.0 && rates.hi.is_finite() && t > 0.0)
        .then(|| ln_dd(rates) + ln_dd(Dd::from_f64(t)) - crate::dd::LN_2.mul_f64(f64::from(shift)))
}

/// `1/i!` for i = 11 down to 0, as double-doubles (mpmath): `exp_wide`'s Taylor series.
pub(crate) const EXP_TAYLOR: [Dd; 12] = [
    Dd::new(2.505210838544172e-08, -1.448814070935912e-24),
    Dd::new(2.755731922398589e-07, 2.3767714622250297e-23),
    Dd::new(2.7557319223985893e-06, -1.858393274046472e-22),
    Dd::new(2.48015873015873e-05, 2.1511947866775882e-23),
    Dd::new(0.0001984126984126984, 1.7209558293420705e-22),
    Dd::new(0.001388888888888889, -5.300543954373577e-20),
    Dd::new(0.008333333333333333, 1.1564823173178714e-19),
    Dd::new(0.041666666666666664, 2.3129646346357427e-18),
    Dd::new(0.16666666666666666, 9.25185853854297e-18),
    Dd::new(0.5, 0.0),
    Dd::new(1.0, 0.0),
    Dd::new(1.0, 0.0),
];

/// Beyond this |v| `exp_wide` leaves the double-double form to `exp_dd` (and
/// `prepare4` leaves such lanes to this scalar code).
pub(crate) const EXP_WIDE_LIMIT: f64 = 700.0;

/// `e^v` as a double-double, to about 2^-100 relative: `v = n ln 2 + r`, `r / 64` into the
/// Taylor series to the eleventh power (Horner in double-double: |r / 64| < 0.0055, so the
/// first term left out is below 2^-107), then squared six times, then `2^n`. The legs of a
/// deep in-the-money price carry the intrinsic value to this accuracy, so a time value of
/// a thousand ulps of the price keeps twelve digits (with `ln_dd`'s 2^-60 it kept five:
/// sigma off by 3e-8). Within the limit the one-lane instance of `lane_implied.rs`'s
/// `exp_wide4`, which the vector kernels run.
#[inline(always)]
pub(crate) fn exp_wide(v: Dd) -> Dd {
    if v.hi.is_nan() || v.hi.abs() > EXP_WIDE_LIMIT {
        return Dd::from_f64(exp_dd(v));
    }
    lane1::exp_wide1(v)
}

/// `prepare` for row `m` of the chunk kernels' columns (price, s, k, r, q, t, call as +-1).
/// The vector kernels' drivers call it (`simd`, `simd8` on x86-64, `simd_lanes` elsewhere).
#[inline(always)]
pub(crate) fn prepare_row(columns: &[&[f64]; 7], m: usize) -> Prepared {
    let c = |j: usize| columns[j][m];
    if c(6).is_nan() {
        return Prepared::Done(f64::NAN); // a masked kind entry
    }
    prepare(c(0), c(1), c(2), c(3), c(4), c(5), c(6) > 0.0)
}

/// Below this normalised out-of-the-money price (`2^-1000`) the quotient `price / scale` has
/// lost bits to the subnormal range, and so would `b` near the root: `far_total_vol` solves
/// `ln b(x, s) = ln price - ln scale` instead (a price of 3e-302 with a scale of 4e20 gave
/// sigma 0.0099999 for 0.01, and 2e-306 gave 0).
pub(crate) const FAR_TARGET: f64 = f64::from_bits((1023 - 1000) << 52);

/// The total volatility with `ln b(x, s) = ln_beta` for `x <= 0` and a `beta` below
/// `FAR_TARGET` (so below the inflection point): the lower branch's objective `ln(b/beta)`
/// formed as a difference of logarithms (`black::ln_otm_value`), iterated as `solve4` iterates the exact objective.
#[cold]
#[inline(never)]
fn far_total_vol(ln_beta: Dd, x: Dd) -> Option<Dd> {
    use crate::black::ln_otm_value;
    use crate::elementary::{exp_of, ln_sum};
    if ln_beta.hi.is_nan() || ln_beta.hi == f64::NEG_INFINITY {
        return None;
    }
    if x.hi == 0.0 {
        // at the money b(0, s) = 2 Phi(s/2) - 1 = s / sqrt(2 pi) (1 - s^2/24 + ...), and the
        // correction is below 2^-2000 here
        return Some(Dd::from_f64(exp_of(ln_beta + crate::normal::LN_SQRT_2PI)));
    }
    let ax = -x.hi;
    let s_c = (2.0 * ax).sqrt();
    let mut start = lower_start_ln(ln_beta.hi, x.hi, s_c);
    if !(start > 0.0 && start.is_finite()) {
        start = s_c;
    }
    let objective = |s: f64| {
        let sd = Dd::from_f64(s);
        let h = x / sd;
        let tau = Dd::from_f64(0.5 * s);
        let ln_b = ln_otm_value(x, h, tau);
        if ln_b.hi == f64::NEG_INFINITY {
            // b underflows even in logarithms: s is far too small
            return derivatives(f64::NEG_INFINITY, f64::INFINITY, x.hi, s);
        }
        let exponent = crate::normalised::gaussian_exponent(h, tau);
        // L' = b'/b with b' = gaussian / sqrt(2 pi)
        let p1 = FRAC_1_SQRT_2PI * exp_of(ln_sum(&[exponent, -ln_b]));
        derivatives((ln_b - ln_beta).to_f64(), p1, x.hi, s)
    };
    Some(householder_iteration(objective, true, start).0)
}

/// Black-76 implied volatility: the BSM one with spot `f` and dividend yield `r`.
#[inline(always)]
pub fn black76_implied_vol(price: f64, f: f64, k: f64, r: f64, t: f64, is_call: bool) -> f64 {
    implied_vol(price, f, k, r, r, t, is_call)
}

/// One evaluation of the objective `L(s) = ln(w(s) / w_target)` and its first three
/// derivatives, where `w` is `b` (lower branch) or `e^{x/2} - b` (upper branch).
pub(crate) struct Objective {
    pub value: f64,
    pub d1: f64,
    pub d2: f64,
    pub d3: f64,
}

/// Below this `|w/target - 1|` the objective's logarithm is the short series of
/// `ln(1 + d)` (`lane_implied.rs`'s `ln_ratio4`).
pub(crate) const LOG1P_BELOW: f64 = 1.0 / 1024.0;

/// Householder's third-order step for the root of `L`.
#[inline(always)]
pub(crate) fn householder3(o: &Objective) -> f64 {
    let nu = -o.value / o.d1;
    let h2 = o.d2 / o.d1;
    let h3 = o.d3 / o.d1;
    nu * (1.0 + 0.5 * h2 * nu) / (1.0 + nu * (h2 + h3 * nu / 6.0))
}

/// (The starts use our own `exp` and `ln`, not the library's, so that `prepare4` could
/// repeat them bit for bit.)
///
/// Start below the inflection point: solve the small-`s` asymptotics of `ln b` for `u = 1/s^2`
/// by Newton's method.
#[inline(always)]
fn lower_start(beta: f64, x: f64, s_c: f64) -> f64 {
    lower_start_ln(ln_any(beta), x, s_c)
}

/// `lower_start` from `ln beta`.
#[inline(always)]
fn lower_start_ln(ln_beta: f64, x: f64, s_c: f64) -> f64 {
    let x2 = x * x;
    // -x^2 u / 2 - 1.5 ln u - 1/(8u) = ln beta + ln(x^2 sqrt(2 pi)) =: a
    let a = ln_beta + ln_any(x2 * std::f64::consts::TAU.sqrt());
    let mut u = (-2.0 * a / x2).max(1.0 / (s_c * s_c));
    for _ in 0..START_NEWTON_STEPS {
        let f = -0.5 * x2 * u - 1.5 * ln_any(u) - 0.125 / u - a;
        let df = -0.5 * x2 - 1.5 / u + 0.125 / (u * u);
        let next = u - f / df;
        u = if next > 0.0 { next } else { 0.5 * u };
    }
    (1.0 / u.sqrt()).min(s_c)
}

/// Start above the inflection point: `e^{x/2} - b ~ 2 cosh(x/2) Phi(-s/2)`.
#[inline(always)]
fn upper_start(complement: f64, x: f64, s_c: f64) -> f64 {
    let two_cosh = exp(0.5 * x) + exp(-0.5 * x);
    let p = (complement / two_cosh).min(0.5);
    (-2.0 * inverse_normal_cdf_steps(p, 0)).max(s_c)
}

/// The total volatility `s` with `b(x, s) = beta` for `x <= 0`, as a double-double, or None
/// when `beta` is outside `(0, e^{x/2})`.
#[inline(always)]
pub fn total_vol(beta: f64, x: Dd) -> Option<Dd> {
    match problem(beta, x) {
        Err(answer) => answer,
        Ok(p) => Some(p.solve()),
    }
}

/// The inversion of `b(x, s) = beta` set up: `Err` holds an answer found without iterating
/// (None when there is none).
#[inline(always)]
fn problem(beta: f64, x: Dd) -> Result<Problem, Option<Dd>> {
    let b_max = exp_dd(x.mul_f64(0.5));
    // beta = 0 is the limit s -> 0, outside the domain: it answered 0.0, a volatility the
    // pricer refuses (a round trip of prices that had underflowed to 0 raised for the batch)
    if beta.is_nan() || beta <= 0.0 || beta >= b_max {
        return Err(None);
    }
    let ax = -x.hi;
    let s_c = (2.0 * ax).sqrt();
    // which side of the inflection point: b(x, s_c) = e^{x/2}/2 - e^{-x/2} Phi(-s_c), since
    // d1 = 0 there. Only the start depends on it, so its rounding near the seam is harmless:
    // the bracket starts as (0, inf) and narrows from the objective's signs.
    // with Phi(-s_c) = e^{-s_c^2/2} erfcx(s_c/sqrt 2)/2 and s_c^2 = 2 ax: one erfcx, no cdf
    let below_inflection = ax > 0.0 && beta < 0.5 * exp(0.5 * x.hi) * (1.0 - erfcx(ax.sqrt()));
    let complement = b_max - beta;
    let mut start = if below_inflection {
        lower_start(beta, x.hi, s_c)
    } else {
        upper_start(complement, x.hi, s_c)
    };
    if start.is_nan() || start <= 0.0 || start.is_infinite() {
        start = (2.0 * s_c).max(1.0);
    }
    let use_complement = beta > 0.5 * b_max;
    Ok(Problem {
        x,
        target: if use_complement { complement } else { beta },
        complement: use_complement,
        start,
        sqrt_t: Dd::from_f64(1.0),
    })
}

/// Householder steps on the objective evaluated in plain doubles (`lane_fast.rs`'s
/// `otm_value4`), before the exact
/// ones, until a step is below `PRE_STEPS_DONE` of `s`, at most `MAX_PRE_STEPS`. Householder(3)
/// converges with order four, so after a step of 1e-2 s the iterate is within about 1e-8 s of
/// the root (where the plain-double objective is still good to about 1e-12): a single exact
/// objective then confirms convergence, and its step leaves an error far below an ulp.
/// Measured on CSI-like inversions: stopping at 1e-9 (one more plain objective, to confirm)
/// took 2.9 steps on average, at 1e-2 1.9, and 99.98 % still need a single exact objective
/// either way (5 M inversions: 0.88 s -> 0.81 s). With two fixed steps 19 % needed 3-7 exact
/// objectives, from starts the two steps could not reach. The steps leave the bracket alone
/// (a plain-double sign near the root may be wrong), take Newton's step where Householder's
/// points the other way, never more than double or halve `s` in a step, and stop where a
/// formula does not apply (`lane_implied.rs`'s `solve4`).
pub(crate) const MAX_PRE_STEPS: usize = 8;
pub(crate) const PRE_STEPS_DONE: f64 = 1e-2;

/// Newton steps of the lower start on its asymptotic model (measured on 5 M CSI inversions:
/// 2 Newton steps cost 45 % more time in the steps that follow, 6 cost 7 % more than 4; with
/// the pre-steps stopping at 1e-2 s, 2 and 3 cost 6 % and 1 % more than 4). The upper start
/// takes the normal quantile's rational model as it is: a Halley step on it cost 7 % more
/// than none (its exact normal cdf costs more than the plain-double pre-step it saves; the
/// model is a few per cent from the truth anyway).
pub(crate) const START_NEWTON_STEPS: usize = 4;

/// The objective's size above which a step that does not halve it counts as stalled.
pub(crate) const STALL_ABOVE: f64 = 1e-6;

/// The objective's derivatives from its value, `p1 = L'(s)`, `x` and `s`.
#[inline(always)]
fn derivatives(value: f64, p1: f64, x: f64, s: f64) -> Objective {
    let x2_s3 = x * x / (s * s * s);
    let r2 = x2_s3 - 0.25 * s;
    let r3 = r2 * r2 - 3.0 * x2_s3 / s - 0.25;
    Objective {
        value,
        d1: p1,
        d2: p1 * (r2 - p1),
        d3: p1 * (r3 - 3.0 * p1 * r2 + 2.0 * p1 * p1),
    }
}

/// Householder(3) steps from `s` on the objective `objective(s)` (which rises with `s` where
/// `rising`), the bracket `(0, inf)` narrowed by its signs; the solution and the number of
/// objectives evaluated.
#[inline(always)]
fn householder_iteration(
    objective: impl Fn(f64) -> Objective,
    rising: bool,
    mut s: f64,
) -> (Dd, usize) {
    let (mut lo, mut hi) = (0.0f64, f64::INFINITY);
    let mut previous = f64::INFINITY;
    for evaluated in 1..=MAX_STEPS {
        let o = objective(s);
        if o.value == 0.0 {
            return (Dd::from_f64(s), evaluated);
        }
        // b rises with s, its complement falls
        let s_too_large = (o.value > 0.0) == rising;
        if s_too_large {
            hi = hi.min(s);
        } else {
            lo = lo.max(s);
        }
        let step = householder3(&o);
        // converged when the step is small and the Newton step is too: far from the root a
        // large third derivative can shrink Householder's step while Newton's stays large
        let newton = -o.value / o.d1;
        if step.is_finite() && step.abs() <= CONVERGED * s && newton.abs() <= CONVERGED * s {
            return (Dd::sum(s, step), evaluated);
        }
        let mut next = s + step;
        // no progress (the objective's size not halved) far from the root: from a poor
        // start Householder's steps can creep across the flat part of `b` for dozens of
        // steps; bisect the bracket instead
        let stalled = o.value.abs() > STALL_ABOVE && o.value.abs() > 0.5 * previous;
        previous = o.value.abs();
        if !(next > lo && next < hi && next.is_finite()) || (stalled && hi.is_finite()) {
            next = if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                2.0 * s.max(lo)
            };
        }
        if next == s {
            return (Dd::from_f64(s), evaluated);
        }
        s = next;
    }
    (Dd::from_f64(s), MAX_STEPS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn exp_wide_is_double_double_accurate() {
        // e^v e^-v = 1 to the double-double's precision, and the high part is the rounded
        // exponential
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let v = ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 100.0;
            let lo = v * 1e-17;
            let (a, b) = (exp_wide(Dd::new(v, lo)), exp_wide(Dd::new(-v, -lo)));
            let one = a * b - Dd::from_f64(1.0);
            // (ten squarings multiply the series' 2^-104 by 2^10: about 1e-28 is left)
            assert!(one.hi.abs() < 1e-27, "v = {v}: e^v e^-v - 1 = {:e}", one.hi);
            assert!(
                (a.hi - v.exp() * (1.0 + lo)).abs() <= 2.0 * f64::EPSILON * a.hi,
                "v = {v}"
            );
        }
    }

    use super::*;
    use crate::black::{Contract, bsm_price};

    #[test]
    fn the_objective_near_one_is_the_logarithm_within_an_ulp() {
        let mut rnd = crate::testing::xorshift(5);
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            // from the pre-steps' typical 1e-8 to the switch at 2^-10, both signs
            let d = (if i % 2 == 0 { 1.0 } else { -1.0 }) * LOG1P_BELOW * (-20.0 * rnd()).exp();
            let want = pxfm::f_log1p(d);
            worst = worst.max((lane1::log1p_small(d) - want).abs() / (f64::EPSILON * want.abs()));
            // and the objective: ln(w / target) for w = target (1 + d)
            let target = 0.3 + rnd();
            let w = target * (1.0 + d);
            let exact = ln_dd(Dd::quotient(w, target)).to_f64();
            assert!(
                (lane1::ln_ratio(w, target) - exact).abs() <= 2.0 * f64::EPSILON * exact.abs(),
                "{w} / {target}: {} vs {exact}",
                lane1::ln_ratio(w, target)
            );
        }
        assert!(worst <= 1.0, "worst {worst} ulps");
        assert_eq!(lane1::ln_ratio(0.7, 0.7), 0.0);
        assert!(lane1::ln_ratio(f64::NAN, 0.7).is_nan());
        assert_eq!(lane1::ln_ratio(0.0, 0.7), f64::NEG_INFINITY);
    }

    #[test]
    fn round_trips_across_regions() {
        let mut worst: f64 = 0.0;
        for &kind in &[true, false] {
            for &ratio in &[0.02, 0.3, 0.8, 0.97, 1.0, 1.03, 1.25, 3.0, 50.0] {
                for &sigma in &[0.001, 0.01, 0.05, 0.2, 0.6, 1.5, 4.0] {
                    for &t in &[1.0 / 365.0, 0.1, 1.0, 10.0, 30.0] {
                        let c = Contract {
                            s: 100.0,
                            k: 100.0 * ratio,
                            r: 0.03,
                            q: 0.01,
                            sigma,
                            t,
                            is_call: kind,
                        };
                        let p = bsm_price(&c);
                        let vega = crate::black::bsm_greeks(&c).vega;
                        // skip prices whose rounding hides sigma altogether (one ulp of price
                        // moves sigma by more than sigma itself)
                        if p.is_nan() || p <= 1e-250 || f64::EPSILON * p / vega > sigma {
                            continue;
                        }
                        let v = implied_vol(p, c.s, c.k, c.r, c.q, c.t, kind);
                        // tolerance: what one ulp of the price moves sigma by, plus an ulp
                        let allowed = f64::EPSILON * (sigma + p / vega);
                        let e = (v - sigma).abs() / allowed;
                        assert!(e <= 16.0, "{c:?}: got {v}, e = {e}");
                        worst = worst.max(e);
                    }
                }
            }
        }
        println!("worst e = {worst}");
    }

    #[test]
    fn unattainable_prices_give_nan() {
        let (s, k, r, q, t): (f64, f64, f64, f64, f64) = (100.0, 90.0, 0.02, 0.0, 1.0);
        let intrinsic = s - k * (-r * t).exp();
        assert!(implied_vol(intrinsic * 0.999, s, k, r, q, t, true).is_nan());
        assert!(implied_vol(s, s, k, r, q, t, true).is_nan()); // the upper bound itself
        assert!(implied_vol(s * 1.5, s, k, r, q, t, true).is_nan());
        assert!(implied_vol(-1.0, s, k, r, q, t, true).is_nan());
        assert!(implied_vol(f64::INFINITY, s, k, r, q, t, true).is_nan());
        assert!(implied_vol(f64::NAN, s, k, r, q, t, true).is_nan());
        assert!(implied_vol(k * (-r * t).exp(), s, k, r, q, t, false).is_nan());
        // zero: the limit of a vanishing volatility, not a volatility
        assert!(implied_vol(0.0, s, 200.0, r, q, t, true).is_nan());
        assert!(total_vol(0.0, Dd::from_f64(-0.5)).is_none());
    }
}

#[cfg(test)]
mod poor_starts {
    use super::*;

    /// From a poor start Householder's steps used to creep across the flat part of `b` (a
    /// step of -0.44 at s = 27) until the step limit, returning sigma = 21.7 for a CSI
    /// call worth 0.39: the progress test bisects instead. Every start must reach the root.
    #[test]
    fn every_start_reaches_the_root() {
        let (s, k, sigma, t) = (
            30.76337718582751,
            29.84630477007125,
            0.39420571750545874,
            0.2580471594817567,
        );
        let c = crate::black::Contract {
            s,
            k,
            r: 0.02,
            q: 0.0,
            sigma,
            t,
            is_call: true,
        };
        let p = crate::black::bsm_price_exact(&c);
        let Prepared::Solve(pb) = prepare(p, s, k, 0.02, 0.0, t, true) else {
            panic!("no problem to solve");
        };
        let truth = sigma * t.sqrt();
        for start in [1e-4, 0.0137, 0.0343, 0.5, 5.0, 50.0, 500.0] {
            let found = Problem { start, ..pb }.solve().to_f64();
            assert!(
                (found - truth).abs() <= 4.0 * f64::EPSILON * truth,
                "start {start}: {found} vs {truth}"
            );
        }
        assert!(
            (implied_vol(p, s, k, 0.02, 0.0, t, true) - sigma).abs() <= 4.0 * f64::EPSILON * sigma
        );
    }
}

#[cfg(test)]
mod exact_objectives {
    use super::*;

    /// The plain-double pre-steps bring nearly every CSI-like inversion within reach of one
    /// exact objective (with two fixed pre-steps, 19 % needed 3 to 7): what the vector solver
    /// pays per group is the worst of its four lanes.
    #[test]
    fn one_exact_objective_is_the_rule() {
        let mut rnd = crate::testing::xorshift(300);
        let (mut one, mut all) = (0, 0);
        for i in 0..20_000 {
            let (s, k, sigma, t) = crate::testing::csi_like(&mut rnd);
            let is_call = i % 2 == 0;
            let c = crate::black::Contract {
                s,
                k,
                r: 0.02,
                q: 0.0,
                sigma,
                t,
                is_call,
            };
            let p = crate::black::bsm_price(&c);
            if let Prepared::Solve(pb) = prepare(p, s, k, 0.02, 0.0, t, is_call) {
                let (_, n) = lane1::solve(&pb);
                all += 1;
                one += usize::from(n == 1);
            }
        }
        assert!(all > 19_000);
        assert!(
            one * 1000 >= all * 995,
            "{one} of {all} took one exact objective"
        );
    }
}
