//! The kernels over lanes: each formula written once (`lane_dd.rs` the double-double
//! arithmetic, `lane_math.rs` the elementary functions, `lane_fast.rs` the plain-double price
//! and greeks, `lane_exact.rs` the double-double kernel, `lane_implied.rs` implied vols;
//! `simd_plain.rs` the drivers that include them, `simd_pair.rs` sixteen lanes as two or four
//! vectors) and compiled per width by the layer files (`simd` AVX2; `simd8` AVX-512;
//! `simd_x2`/`simd_x4`/`simd8_x2` two or four vectors at once; `simd_lanes` two lanes off
//! x86, NEON on aarch64 through `lanes_neon.rs`; and `one_lane.rs` over `lanes_array.rs`,
//! one lane, which `math::lane1`, `pricing::lane1` and `implied::lane1` include: the scalar
//! code; `math::dd` includes `one_lane_layer.rs` and `lane_dd.rs` alone), and
//! `dispatch`, which picks the x86 width the CPU has at run time.

#[cfg(target_arch = "x86_64")]
pub mod dispatch;
#[cfg(target_arch = "x86_64")]
pub mod simd;
#[cfg(target_arch = "x86_64")]
pub mod simd8;
#[cfg(target_arch = "x86_64")]
#[doc(hidden)]
pub mod simd8_x2;
#[cfg(not(target_arch = "x86_64"))]
pub mod simd_lanes;
#[cfg(target_arch = "x86_64")]
pub(crate) mod simd_x2;
#[cfg(target_arch = "x86_64")]
#[doc(hidden)]
pub mod simd_x4;
