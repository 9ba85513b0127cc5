//! The eight-lane vector layer made of two AVX2 vectors (`simd_pair.rs`), which `simd_x4`
//! doubles again. No kernels of its own.

#![cfg(target_arch = "x86_64")]

use crate::simd as base;

macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] #[inline] $item )* };
}

include!("simd_pair.rs");
