//! The Black function: one contract's types (`contract`), Jaeckel's normalised Black
//! function in double-double (`normalised`), the prices and greeks built on it (`black`),
//! the plain-double region (`fast`) and its kernel's one-lane instance (`lane1`, the formulas
//! of `lanes/lane_fast.rs`, which every vector width compiles too), and the limits and
//! settlement at the no-arbitrage bounds (`extreme`).

pub mod black;
pub mod contract;
pub(crate) mod extreme;
pub mod fast;
pub(crate) mod lane1;
pub mod normalised;
