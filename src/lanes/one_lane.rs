// The one-lane layer (`one_lane_layer.rs`: `lanes_array.rs` with `W = 1`) and the
// double-double arithmetic and elementary functions over it (`lane_dd.rs`, `lane_math.rs`).
// Included by `math::lane1` (which is `elementary`'s and `normal`'s scalar code), `pricing::lane1` (which adds the pricing kernels' sources, `lane_fast.rs` and
// `lane_exact.rs`: the scalar price and greeks) and `implied::lane1` (those and
// `lane_implied.rs`): each is the scalar code of its layer, so that no layer imports one
// after it. Every function is inlined into its caller.

use crate::consts::{FRAC_1_SQRT_PI, LN2_HI, LN2_LO, LOG2_E};

include!("one_lane_layer.rs");
include!("lane_dd.rs");
include!("lane_math.rs");

/// A double-double as one lane
#[cfg_attr(not(debug_assertions), inline(always))]
fn lane_dd(d: crate::dd::Dd) -> VDd {
    dd(splat(d.hi), splat(d.lo))
}

/// One lane's double-double
#[cfg_attr(not(debug_assertions), inline(always))]
fn scalar_dd(v: VDd) -> crate::dd::Dd {
    crate::dd::Dd::new(v.hi.0[0], v.lo.0[0])
}
