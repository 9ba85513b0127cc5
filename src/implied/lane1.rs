//! The one-lane instance of the implied-vol kernel (`lanes/lane_implied.rs`, over the
//! one-lane layer, `lanes/one_lane.rs`, and the pricing kernels' sources it builds on):
//! `Problem::solve` is `solve`, and `prepare` asks `implied_problem` first, so the vector
//! kernels (`simd_plain.rs` includes the same file) give the scalar bits by construction.
//! Here rather than in `pricing::lane1` because the kernel works on this layer's `Problem`.

// the lane layer's and the pricing kernels' functions this instance does not use
#![allow(dead_code)]

include!("../lanes/one_lane.rs");
include!("../lanes/lane_fast.rs");
include!("../lanes/lane_exact.rs");
include!("../lanes/lane_implied.rs");

/// `prepare`'s problem for one inversion (the price, then the contract's inputs with `call`
/// as +-1), `None` where `prepare4` leaves it to the scalar code (NaN or a price outside its
/// bounds, S/K or S K outside the normal range, a far target, a time value at the price's
/// rounding, a start on arguments outside the normal range, ...).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn implied_problem(row: [f64; 7]) -> Option<super::Problem> {
    let cols = row.map(|v| [v]);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let ([problem], ok) = prepare4(&views, 0);
    (ok != 0).then_some(problem)
}

/// The total volatility solving `p`, and the number of exact objectives it took
/// (`Problem::solve`).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn solve(p: &super::Problem) -> (crate::dd::Dd, usize) {
    let ([total], evaluated) = solve4(&[*p]);
    (total, evaluated)
}

/// `ln(w / target)` as the iteration forms it (`lane_implied.rs`'s `ln_ratio4`).
#[cfg(test)]
pub(crate) fn ln_ratio(w: f64, target: f64) -> f64 {
    ln_ratio4(splat(w), splat(target), splat(f64::from_bits(u64::MAX))).0[0]
}

/// `ln(1 + d)` for `|d| <= LOG1P_BELOW` (`log1p_small4`).
#[cfg(test)]
pub(crate) fn log1p_small(d: f64) -> f64 {
    log1p_small4(splat(d)).0[0]
}

/// `implied::exp_wide` for `|v.hi| <= EXP_WIDE_LIMIT`
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_wide1(v: crate::dd::Dd) -> crate::dd::Dd {
    scalar_dd(exp_wide4(lane_dd(v)))
}

/// `time_value_of_legs` on one lane (`implied::exact_time_value`)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn time_value_of_legs1(
    price: f64,
    s: f64,
    k: f64,
    dividend: crate::dd::Dd,
    discount: crate::dd::Dd,
    is_call: bool,
) -> f64 {
    let call = gt(splat(if is_call { 1.0 } else { -1.0 }), splat(0.0));
    time_value_of_legs(
        splat(price),
        splat(s),
        splat(k),
        lane_dd(dividend),
        lane_dd(discount),
        call,
    )
    .0[0]
}
