//! The Black function: one contract's types (`contract`), the normalised Black function's
//! parameters and double-double helpers (`normalised`), where each form of the price holds
//! (`ranges`), the plain-double region (`fast`), the kernels' one-lane instance (`lane1`:
//! the formulas of `lanes/lane_fast.rs` and `lanes/lane_exact.rs`, which every vector width
//! compiles too), the limits and settlement at the no-arbitrage bounds (`extreme`), and the
//! prices and greeks built on them (`black`). Each imports only those listed before it
//! (`lane1` and `extreme` aside, `extreme` taking `normalised`'s logarithm of `Phi`).

pub mod black;
pub mod contract;
pub(crate) mod extreme;
pub mod fast;
pub(crate) mod lane1;
pub mod normalised;
pub(crate) mod ranges;
