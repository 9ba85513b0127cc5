//! The vector kernels (prices, greeks; implied vols as the base of `simd8_x2`) eight
//! contracts at a time with AVX-512 (F and DQ).
//!
//! Why a second width: on AMD Zen 4 (our benchmark machine) a 512-bit instruction does
//! the work of two 256-bit ones in one slot of the front end and the reorder buffer, and the
//! kernels are bound by instruction count rather than by the floating-point units (our `ln`
//! measured 1.0 ns per element in 512-bit registers against 1.8 ns in 256-bit ones). The
//! kernel itself is `simd_plain.rs`, shared with `simd` word for word; this module gives it
//! the eight-lane layer. Masks are vectors of all-ones lanes, as in AVX2, so that the
//! shared code reads the same; AVX-512's mask registers appear only inside the compare,
//! select and `append_lanes` (compress) functions below. Lanes for the exact kernel take its vector form at the same
//! width; every price is bit for bit the scalar one (tests).

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_FIRST, LOG_TABLE};

/// True when the running CPU has what this kernel needs (and what `simd`'s does, which
/// takes the exact lanes).
pub fn available() -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512dq")
}

/// Prices like `bsm_price_chunk`, eight at a time; the caller checks `available()`.
///
/// # Safety
/// The CPU must have AVX2, FMA, AVX-512F and AVX-512DQ (`available()`).
#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
pub unsafe fn price_chunk_avx512(inputs: &[&[f64]; 7], out: &mut [f64]) {
    price_chunk_wide(inputs, out)
}

/// Greeks like `dispatch::greeks_chunk`, eight at a time; the caller checks `available()`.
///
/// # Safety
/// The CPU must have AVX2, FMA, AVX-512F and AVX-512DQ (`available()`).
#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
pub unsafe fn greeks_chunk_avx512(
    inputs: &[&[f64]; 7],
    which: &[crate::black::Greek],
    outs: &mut [&mut [f64]],
) {
    greeks_chunk_wide(inputs, which, outs)
}

/// Implied vols like `dispatch::implied_chunk`, eight at a time; the caller checks
/// `available()`.
///
/// # Safety
/// The CPU must have AVX2, FMA, AVX-512F and AVX-512DQ (`available()`).
#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
pub unsafe fn implied_chunk_avx512(inputs: &[&[f64]; 7], out: &mut [f64]) {
    implied_chunk_wide(inputs, out)
}

#[derive(Clone, Copy)]
pub(crate) struct V(__m512d);

macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx512f,avx512dq,avx2,fma")] #[inline] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx512f,avx512dq,avx2,fma")] $item )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 8;
pub(crate) const ALL: i32 = 0xff;

include!("simd_plain.rs");

vfn! {
    pub(crate) fn splat(x: f64) -> V { V(_mm512_set1_pd(x)) }
    /// `1/x` in single precision (x rounded to single, then divided: relative error below
    /// 2^-23; infinite or 0 outside the single range), as a double: IEEE single
    /// arithmetic, so the same bits at every width.
    pub(crate) fn recip_single(x: V) -> V {
        V(_mm512_cvtps_pd(_mm256_div_ps(_mm256_set1_ps(1.0), _mm512_cvtpd_ps(x.0))))
    }
    pub(crate) fn add(a: V, b: V) -> V { V(_mm512_add_pd(a.0, b.0)) }
    pub(crate) fn sub(a: V, b: V) -> V { V(_mm512_sub_pd(a.0, b.0)) }
    pub(crate) fn mul(a: V, b: V) -> V { V(_mm512_mul_pd(a.0, b.0)) }
    pub(crate) fn div(a: V, b: V) -> V { V(_mm512_div_pd(a.0, b.0)) }
    /// `a * b + c` with one rounding, as `f64::mul_add`
    pub(crate) fn fma(a: V, b: V, c: V) -> V { V(_mm512_fmadd_pd(a.0, b.0, c.0)) }
    pub(crate) fn neg(a: V) -> V { xor(a, splat(-0.0)) }
    pub(crate) fn sqrt(a: V) -> V { V(_mm512_sqrt_pd(a.0)) }
    pub(crate) fn floor(a: V) -> V { V(_mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(a.0)) }
    pub(crate) fn round_even(a: V) -> V { V(_mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a.0)) }
    pub(crate) fn max(a: V, b: V) -> V { V(_mm512_max_pd(a.0, b.0)) }
    pub(crate) fn min(a: V, b: V) -> V { V(_mm512_min_pd(a.0, b.0)) }
    /// a mask register as a vector of all-ones (set) and zero lanes
    pub(crate) fn mask_vector(k: __mmask8) -> V { V(_mm512_castsi512_pd(_mm512_movm_epi64(k))) }
    pub(crate) fn lt(a: V, b: V) -> V { mask_vector(_mm512_cmp_pd_mask::<_CMP_LT_OQ>(a.0, b.0)) }
    pub(crate) fn gt(a: V, b: V) -> V { mask_vector(_mm512_cmp_pd_mask::<_CMP_GT_OQ>(a.0, b.0)) }
    pub(crate) fn le(a: V, b: V) -> V { mask_vector(_mm512_cmp_pd_mask::<_CMP_LE_OQ>(a.0, b.0)) }
    pub(crate) fn ge(a: V, b: V) -> V { mask_vector(_mm512_cmp_pd_mask::<_CMP_GE_OQ>(a.0, b.0)) }
    pub(crate) fn eq(a: V, b: V) -> V { mask_vector(_mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a.0, b.0)) }
    pub(crate) fn bits(a: V) -> __m512i { _mm512_castpd_si512(a.0) }
    pub(crate) fn from_bits(a: __m512i) -> V { V(_mm512_castsi512_pd(a)) }
    pub(crate) fn or(a: V, b: V) -> V { from_bits(_mm512_or_si512(bits(a), bits(b))) }
    pub(crate) fn and(a: V, b: V) -> V { from_bits(_mm512_and_si512(bits(a), bits(b))) }
    pub(crate) fn xor(a: V, b: V) -> V { from_bits(_mm512_xor_si512(bits(a), bits(b))) }
    pub(crate) fn not(a: V) -> V { from_bits(_mm512_xor_si512(bits(a), _mm512_set1_epi64(-1))) }
    pub(crate) fn abs(a: V) -> V { V(_mm512_abs_pd(a.0)) }
    /// per lane: `mask ? a : b`
    pub(crate) fn select(mask: V, a: V, b: V) -> V { V(_mm512_mask_blend_pd(_mm512_movepi64_mask(bits(mask)), b.0, a.0)) }
    pub(crate) fn lanes(mask: V) -> i32 { i32::from(_mm512_movepi64_mask(bits(mask))) }
    pub(crate) fn to_array(a: V) -> [f64; 8] {
        let mut out = [0.0; 8];
        // SAFETY: `out` holds eight f64, the unaligned store's whole extent.
        unsafe { _mm512_storeu_pd(out.as_mut_ptr(), a.0) };
        out
    }
    pub(crate) fn from_lanes(v: [f64; 8]) -> V {
        // SAFETY: `v` holds eight f64, the unaligned load's whole extent.
        V(unsafe { _mm512_loadu_pd(v.as_ptr()) })
    }
    pub(crate) fn store(s: &mut [f64], i: usize, v: V) {
        assert!(i + 8 <= s.len());
        // SAFETY: eight elements from i are inside the slice (checked above).
        unsafe { _mm512_storeu_pd(s.as_mut_ptr().add(i), v.0) }
    }
    pub(crate) fn load(s: &[f64], i: usize) -> V {
        assert!(i + 8 <= s.len());
        // SAFETY: eight elements from i are inside the slice (checked above).
        V(unsafe { _mm512_loadu_pd(s.as_ptr().add(i)) })
    }

    /// Appends to `list` (from `count`) the rows `first + lane` of the lanes set in `mask`,
    /// in lane order, and returns the new count: one compress of the eight row numbers and
    /// one store of all eight (the register form; storing compressed is slow on Zen 4).
    pub(crate) fn append_lanes(mask: i32, first: u32, list: &mut [u32], count: usize) -> usize {
        assert!(count + 8 <= list.len());
        let rows = _mm512_add_epi32(_mm512_set1_epi32(first as i32), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0));
        let packed = _mm512_maskz_compress_epi32((mask & 0xff) as u16, rows);
        // SAFETY: eight u32 from `count` are inside the slice (checked above).
        unsafe { _mm256_storeu_si256(list.as_mut_ptr().add(count).cast(), _mm512_castsi512_si256(packed)) };
        count + (mask & 0xff).count_ones() as usize
    }

    /// The values of `field` at the eight rows `rows[..8]`: one gather.
    pub(crate) fn gather_lanes(field: &[f64], rows: &[u32]) -> V {
        // (indices are i32: a longer field could not be clamped below)
        assert!(rows.len() >= 8 && !field.is_empty() && field.len() <= i32::MAX as usize);
        // SAFETY: eight u32 are inside `rows` (checked above).
        let index = unsafe { _mm256_loadu_si256(rows.as_ptr().cast()) };
        // rows past the field read its last element instead (none are: the caller's rows are
        // its own block's)
        let index = _mm256_min_epu32(index, _mm256_set1_epi32((field.len() - 1) as i32));
        // SAFETY: every index is clamped to the field above.
        V(unsafe { _mm512_i32gather_pd::<8>(index, field.as_ptr()) })
    }

    /// `prices[rows[l]] = values[l]` for the eight lanes: one scatter (rows repeated hold
    /// the same value: `fast_block` repeats a short group's last lane).
    pub(crate) fn scatter_lanes(prices: &mut [f64], rows: &[u32], values: V) {
        assert!(rows.len() >= 8 && !prices.is_empty() && prices.len() <= i32::MAX as usize);
        // SAFETY: eight u32 are inside `rows` (checked above).
        let index = unsafe { _mm256_loadu_si256(rows.as_ptr().cast()) };
        let index = _mm256_min_epu32(index, _mm256_set1_epi32((prices.len() - 1) as i32));
        // SAFETY: every index is clamped to `prices` above.
        unsafe { _mm512_i32scatter_pd::<8>(prices.as_mut_ptr(), index, values.0) }
    }

    /// `LOG_TABLE`'s rows `row` (each lane's own, integral; clamped to the table), as
    /// `simd::log_table_rows`.
    pub(crate) fn log_table_rows(row: V) -> (V, V, V) {
        // clamped here, so that no input reads outside the table (a NaN row gives row 0:
        // `max` returns its second operand when either is NaN)
        let row = min(max(row, splat(0.0)), splat((LOG_TABLE.len() - 1) as f64));
        let row3 = _mm256_mullo_epi32(_mm512_cvtpd_epi32(row.0), _mm256_set1_epi32(3));
        let base = LOG_TABLE.as_ptr() as *const f64;
        // SAFETY: row is clamped to [0, LOG_TABLE.len() - 1] above; each gather reads
        // element 0, 1 or 2 of that row.
        unsafe {
            (
                V(_mm512_i32gather_pd::<8>(row3, base)),
                V(_mm512_i32gather_pd::<8>(row3, base.add(1))),
                V(_mm512_i32gather_pd::<8>(row3, base.add(2))),
            )
        }
    }

    /// `2^n` for integral `n` in `[-1022, 1023]` (as `simd::pow2`)
    pub(crate) fn pow2(n: V) -> V {
        let biased = add(n, splat(1023.0 + 4_503_599_627_370_496.0));
        from_bits(_mm512_slli_epi64::<52>(bits(biased)))
    }

    /// The exponent field (as a double) and the mantissa under exponent 1022, as
    /// `simd::exponent_and_mantissa`.
    pub(crate) fn exponent_and_mantissa(x: V) -> (V, V) {
        let b = bits(x);
        let exp_field = _mm512_and_si512(_mm512_srli_epi64::<52>(b), _mm512_set1_epi64(0x7ff));
        let magic = _mm512_set1_epi64(0x4330_0000_0000_0000); // bits of 2^52
        let e0 = sub(from_bits(_mm512_or_si512(exp_field, magic)), splat(4_503_599_627_370_496.0));
        let m0 = from_bits(_mm512_or_si512(
            _mm512_and_si512(b, _mm512_set1_epi64(0x000f_ffff_ffff_ffff)),
            _mm512_set1_epi64(1022i64 << 52),
        ));
        (e0, m0)
    }

    /// An 8 x 8 transpose: lane `l` of result `j` is lane `j` of `rows[l]`.
    pub(crate) fn transpose8(r: [__m512d; 8]) -> [__m512d; 8] {
        // pairs of rows interleaved: (r0 c0, r1 c0, r0 c2, r1 c2, ...) and the odd columns
        let lo: [__m512d; 4] = std::array::from_fn(|i| _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]));
        let hi: [__m512d; 4] = std::array::from_fn(|i| _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]));
        // 128-bit blocks: columns {0, 4} / {2, 6} (from lo) and {1, 5} / {3, 7} (from hi) of
        // rows 0-3 and 4-7
        let a = |x: __m512d, y: __m512d| _mm512_shuffle_f64x2::<0b10_00_10_00>(x, y);
        let b = |x: __m512d, y: __m512d| _mm512_shuffle_f64x2::<0b11_01_11_01>(x, y);
        let c04 = [a(lo[0], lo[1]), a(lo[2], lo[3])];
        let c26 = [b(lo[0], lo[1]), b(lo[2], lo[3])];
        let c15 = [a(hi[0], hi[1]), a(hi[2], hi[3])];
        let c37 = [b(hi[0], hi[1]), b(hi[2], hi[3])];
        [
            a(c04[0], c04[1]),
            a(c15[0], c15[1]),
            a(c26[0], c26[1]),
            a(c37[0], c37[1]),
            b(c04[0], c04[1]),
            b(c15[0], c15[1]),
            b(c26[0], c26[1]),
            b(c37[0], c37[1]),
        ]
    }

    /// The eight coefficients of `erfcx`'s table rows `row` (each lane's own): each lane's
    /// row (one cache line) loaded whole and the eight transposed, rather than eight
    /// gathers, one per coefficient (each gather is eight loads; a row is one): the price
    /// kernel 15.5 -> 15.25 ns per option, and only with the table's rows on cache lines.
    pub(crate) fn erfcx_coefficients(row: V) -> [V; 8] {
        // rows are clamped to the table by the caller (and here: a negative index, as
        // unsigned, is above the last row)
        let last = _mm256_set1_epi32((ERFCX_POLY.len() - 1) as i32);
        let index = _mm256_min_epu32(_mm512_cvttpd_epi32(row.0), last);
        let offset = _mm256_slli_epi32::<3>(index); // eight f64 per row
        let base = ERFCX_POLY.as_ptr() as *const f64;
        let mut offsets = [0u32; 8];
        // SAFETY: `offsets` holds eight u32, the unaligned store's whole extent.
        unsafe { _mm256_storeu_si256(offsets.as_mut_ptr().cast(), offset) };
        // SAFETY: every offset is a row's first element (rows clamped above): its eight
        // coefficients are inside the table.
        let rows: [__m512d; 8] = std::array::from_fn(|l| unsafe { _mm512_loadu_pd(base.add(offsets[l] as usize)) });
        transpose8(rows).map(V)
    }

}

use crate::black::greeks_scalar;
