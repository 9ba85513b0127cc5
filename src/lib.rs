//! pricer_rs: Black-Scholes-Merton pricing, greeks and implied volatility.
//!
//! The numerical core (every module but `python`) has no Python dependency and is tested
//! with `cargo test`. The `python` module is the thin PyO3 binding layer, compiled only with
//! the `python` feature that maturin enables.

pub mod batch;
pub mod black;
pub mod contract;
pub mod dd;
#[cfg(target_arch = "x86_64")]
pub mod dispatch;
pub mod elementary;
pub mod engine;
pub mod error;
mod extreme;
pub mod fast;
pub mod implied;
mod lane1;
pub mod normal;
pub mod normalised;
pub mod parallel;
#[cfg(test)]
mod proptests;
#[cfg(feature = "python")]
mod python;
#[cfg(target_arch = "x86_64")]
pub mod simd;
pub mod simd8;
#[doc(hidden)]
pub mod simd8_x2;
#[cfg(not(target_arch = "x86_64"))]
pub mod simd_lanes;
mod simd_x2;
#[doc(hidden)]
pub mod simd_x4;
pub mod surface;
pub mod svi;
mod tables;
#[cfg(test)]
mod testing;
