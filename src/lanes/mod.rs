//! The kernels over lanes: each formula written once (`lane_fast.rs`, `simd_plain.rs`,
//! `simd_pair.rs`) and compiled per width by the layer files (`simd` AVX2; `simd8` AVX-512;
//! `simd_x2`/`simd_x4`/`simd8_x2` two or four vectors at once; `simd_lanes` two-lane arrays
//! off x86; and `pricing::lane1`, one lane: the scalar code, which includes `lane_fast.rs`
//! and `lanes_array.rs` from here), and `dispatch`, which picks the width the CPU has at run
//! time.

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
