//! The one-lane instance of the plain-double kernels (`lane_fast.rs` over `lanes_array.rs`
//! with a single lane): the scalar code of the plain-double price and greeks is this
//! instance, so every vector width (`simd`, `simd8`, `simd_lanes`, which include the same
//! file through `simd_plain.rs`) gives its bits by construction rather than by a hand-kept
//! mirror.
//!
//! Every function is inlined into its caller, so the CPU-specific copies of the batch and
//! per-point paths (`batch`, compiled for AVX2 and FMA too) run `f64::mul_add` as one
//! instruction.

// the lane layer's functions for the kernels this instance does not carry (the exact and
// implied-vol ones stay in `simd_plain.rs`, beside their scalar code in `black`, `implied`)
#![allow(dead_code)]

use crate::contract::{Contract, GreekValues};
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_TABLE};

// Inlined always in optimised builds only: unoptimised, every inlined call keeps its own
// stack slots, and the vector drivers that take the scalar code for their leftover lanes grew
// frames of over a megabyte (a pool thread's stack is two).
macro_rules! vfn {
    ($($item:item)*) => { $(
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        $item
    )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $(
        #[cfg_attr(not(debug_assertions), inline(always))]
        #[cfg_attr(debug_assertions, inline)]
        $item
    )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 1;
pub(crate) const ALL: i32 = 0x1;

include!("../lanes/lanes_array.rs");
include!("../lanes/lane_fast.rs");

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
/// formulas as `normalised::formula` picks them: the direct one above `h + tau = 0.85`, the
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
        sigma,
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
