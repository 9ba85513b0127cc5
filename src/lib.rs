//! pricer_rs: Black-Scholes-Merton pricing, greeks and implied volatility.
//!
//! The numerical core (every module but `python`) has no Python dependency and is tested
//! with `cargo test`. The `python` module is the thin PyO3 binding layer, compiled only with
//! the `python` feature that maturin enables.
//!
//! The folders are the layers, each importing only from those listed before it (and from
//! `error`, the errors every layer returns): `math` (double-double, exp/ln, the normal
//! distribution), `pricing` (the Black function: prices and greeks, the plain-double
//! kernel's one-lane instance among them), `implied` (implied volatility), `lanes` (the
//! kernels per vector width and their dispatch), `engine` (broadcasting, chunks, the pool,
//! validation), `surface` (surfaces and SVI fits), `python` (the binding). Their modules are
//! also named at the root (`pricer_rs::black`, `pricer_rs::batch`, ...), the paths the
//! tools and benches use.

pub mod engine;
pub mod error;
pub mod implied;
pub mod lanes;
pub mod math;
pub mod pricing;
#[cfg(test)]
mod proptests;
#[cfg(feature = "python")]
mod python;
pub mod surface;
#[cfg(test)]
mod testing;

pub use engine::{batch, parallel};
#[cfg(target_arch = "x86_64")]
pub use lanes::dispatch;
#[cfg(not(target_arch = "x86_64"))]
pub use lanes::simd_lanes;
#[cfg(target_arch = "x86_64")]
pub(crate) use lanes::simd_x2;
#[cfg(target_arch = "x86_64")]
pub use lanes::{simd, simd_x4, simd8, simd8_x2};
pub(crate) use math::consts;
pub(crate) use math::tables;
pub use math::{dd, elementary, normal};
pub use pricing::{black, contract, fast, normalised};
pub(crate) use pricing::{extreme, lane1, ranges};
pub use surface::svi;
