// The one-lane lane layer: `lanes_array.rs` with `W = 1`, and the macros `vfn!`, `kfn!`
// every function of the lane sources is written in. Included by `one_lane.rs` and by
// `math::dd` (the double-double arithmetic's one-lane instance, `lane_dd.rs`).

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
