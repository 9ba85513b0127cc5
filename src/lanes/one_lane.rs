// The one-lane layer: `lanes_array.rs` with `W = 1` and the elementary functions over it
// (`lane_math.rs`). Included by `math::lane1` (which is `elementary`'s and `normal`'s scalar
// code), `pricing::lane1` (which adds the pricing kernels' sources, `lane_fast.rs` and
// `lane_exact.rs`: the scalar price and greeks) and `implied::lane1` (those and
// `lane_implied.rs`): each is the scalar code of its layer, so that no layer imports one
// after it. Every function is inlined into its caller.

use crate::consts::{FRAC_1_SQRT_PI, LN2_HI, LN2_LO, LOG2_E};
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_FIRST, LOG_TABLE};

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

include!("lanes_array.rs");
include!("lane_math.rs");
