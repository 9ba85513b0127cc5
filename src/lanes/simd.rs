//! The vector kernels (prices, greeks, implied vols) four contracts at a time with AVX2 and
//! FMA, and the dispatchers that pick the widest kernel the CPU has (`simd8`: eight at a
//! time with AVX-512; implied vols sixteen at a time, as two AVX-512 or four AVX2 vectors,
//! `simd8_x2` and `simd_x4`). The kernels themselves are written once, in `simd_plain.rs`,
//! which this module, `simd8` and those two include after defining their width's layer (the
//! vector type, arithmetic, compares, selects, the bit tricks and table lookups;
//! `simd_pair.rs` builds a layer from two of a narrower one).
//!
//! Why `std::arch` behind a safe API rather than a portable-SIMD crate: the double-double
//! arithmetic needs a true fused multiply-add in every lane (`two_prod` is exact only with
//! one rounding), and `wide` picks its instructions when *it* is compiled, not per function,
//! so a baseline build would split `mul_add` into two roundings; `pulp` would do, but the
//! table lookups here are gathers it does not offer, and it has no AVX-512 on stable. With
//! Rust's `target_feature` 1.1, every function below is safe to call from the others; the
//! only `unsafe` is the gathers, the loads and stores (bounds argued at each), and the entry
//! points, called after `is_x86_feature_detected!`.
//!
//! The kernels are the files `simd_plain.rs` includes, whose one-lane instances are the
//! scalar code (`math::lane1`, `pricing::lane1`, `implied::lane1`), so each lane's result is
//! bit for bit the scalar one by construction; the tests check exactly that, for
//! each width the CPU has. Lanes that meet a guard of the scalar code (NaN, `S/K` or `S K`
//! outside the normal range, a vanishing total volatility, ...) are handed to the scalar
//! code one by one.

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use crate::black::greeks_scalar;
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_FIRST, LOG_TABLE};

/// True when the running CPU has what this kernel needs.
pub fn available() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

#[derive(Clone, Copy)]
pub(crate) struct V(__m256d);

macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] #[inline] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] $item )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 4;
pub(crate) const ALL: i32 = 0xf;

include!("simd_plain.rs");

vfn! {
    pub(crate) fn splat(x: f64) -> V { V(_mm256_set1_pd(x)) }
    /// `1/x` in single precision (x rounded to single, then divided: relative error below
    /// 2^-23; infinite or 0 outside the single range), as a double: IEEE single
    /// arithmetic, so the same bits at every width.
    pub(crate) fn recip_single(x: V) -> V {
        V(_mm256_cvtps_pd(_mm_div_ps(_mm_set1_ps(1.0), _mm256_cvtpd_ps(x.0))))
    }
    pub(crate) fn add(a: V, b: V) -> V { V(_mm256_add_pd(a.0, b.0)) }
    pub(crate) fn sub(a: V, b: V) -> V { V(_mm256_sub_pd(a.0, b.0)) }
    pub(crate) fn mul(a: V, b: V) -> V { V(_mm256_mul_pd(a.0, b.0)) }
    pub(crate) fn div(a: V, b: V) -> V { V(_mm256_div_pd(a.0, b.0)) }
    /// `a * b + c` with one rounding, as `f64::mul_add`
    pub(crate) fn fma(a: V, b: V, c: V) -> V { V(_mm256_fmadd_pd(a.0, b.0, c.0)) }
    pub(crate) fn neg(a: V) -> V { V(_mm256_xor_pd(a.0, _mm256_set1_pd(-0.0))) }
    pub(crate) fn sqrt(a: V) -> V { V(_mm256_sqrt_pd(a.0)) }
    pub(crate) fn floor(a: V) -> V { V(_mm256_floor_pd(a.0)) }
    pub(crate) fn round_even(a: V) -> V { V(_mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a.0)) }
    pub(crate) fn max(a: V, b: V) -> V { V(_mm256_max_pd(a.0, b.0)) }
    pub(crate) fn min(a: V, b: V) -> V { V(_mm256_min_pd(a.0, b.0)) }
    pub(crate) fn lt(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_LT_OQ>(a.0, b.0)) }
    pub(crate) fn gt(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_GT_OQ>(a.0, b.0)) }
    pub(crate) fn le(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_LE_OQ>(a.0, b.0)) }
    pub(crate) fn ge(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_GE_OQ>(a.0, b.0)) }
    pub(crate) fn eq(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_EQ_OQ>(a.0, b.0)) }
    pub(crate) fn or(a: V, b: V) -> V { V(_mm256_or_pd(a.0, b.0)) }
    /// per lane: `mask ? a : b`
    pub(crate) fn select(mask: V, a: V, b: V) -> V { V(_mm256_blendv_pd(b.0, a.0, mask.0)) }
    pub(crate) fn lanes(mask: V) -> i32 { _mm256_movemask_pd(mask.0) }
    pub(crate) fn to_array(a: V) -> [f64; 4] {
        let mut out = [0.0; 4];
        // SAFETY: `out` holds four f64, the unaligned store's whole extent.
        unsafe { _mm256_storeu_pd(out.as_mut_ptr(), a.0) };
        out
    }

    /// `2^n` for integral `n` in `[-1022, 1023]`: `n + 1023 + 2^52` has `n + 1023` in its low
    /// mantissa bits; shifting them into the exponent field builds the power of two.
    pub(crate) fn pow2(n: V) -> V {
        let biased = add(n, splat(1023.0 + 4_503_599_627_370_496.0));
        V(_mm256_castsi256_pd(_mm256_slli_epi64::<52>(_mm256_castpd_si256(biased.0))))
    }

    pub(crate) fn and(a: V, b: V) -> V { V(_mm256_and_pd(a.0, b.0)) }

    /// `LOG_TABLE`'s rows `row` (each lane's own, integral; clamped to the table): the
    /// reciprocal and the two parts of minus its logarithm.
    pub(crate) fn log_table_rows(row: V) -> (V, V, V) {
        // clamped here, so that no input reads outside the table (a NaN row gives row 0:
        // `max` returns its second operand when either is NaN)
        let row = min(max(row, splat(0.0)), splat((LOG_TABLE.len() - 1) as f64));
        let row3 = _mm_mullo_epi32(_mm256_cvtpd_epi32(row.0), _mm_set1_epi32(3));
        let base = LOG_TABLE.as_ptr() as *const f64;
        // SAFETY: row is clamped to [0, LOG_TABLE.len() - 1] above; each gather reads
        // element 0, 1 or 2 of that row.
        unsafe {
            (
                V(_mm256_i32gather_pd::<8>(base, row3)),
                V(_mm256_i32gather_pd::<8>(base.add(1), row3)),
                V(_mm256_i32gather_pd::<8>(base.add(2), row3)),
            )
        }
    }
    pub(crate) fn xor(a: V, b: V) -> V { V(_mm256_xor_pd(a.0, b.0)) }

    /// The exponent field (as a double) and the mantissa under exponent 1022 (in [0.5, 1)
    /// for positive normal lanes): `elementary::ln`'s split.
    pub(crate) fn exponent_and_mantissa(x: V) -> (V, V) {
        let bits = _mm256_castpd_si256(x.0);
        let exp_field = _mm256_and_si256(_mm256_srli_epi64::<52>(bits), _mm256_set1_epi64x(0x7ff));
        let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000); // bits of 2^52
        let e0 = sub(V(_mm256_castsi256_pd(_mm256_or_si256(exp_field, magic))),
                     splat(4_503_599_627_370_496.0));
        let m0 = V(_mm256_castsi256_pd(_mm256_or_si256(
            _mm256_and_si256(bits, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff)),
            _mm256_set1_epi64x(1022i64 << 52),
        )));
        (e0, m0)
    }

    /// The eight coefficients of `erfcx`'s table rows `row` (each lane's own), as vectors:
    /// each row is two 32-byte loads; two 4x4 transposes turn the four rows into coefficient
    /// vectors (cheaper than eight gathers).
    pub(crate) fn erfcx_coefficients(row: V) -> [V; 8] {
        // rows are clamped to the table by the caller (and by `min` below)
        let rows = _mm256_cvttpd_epi32(row.0);
        let row = |index: i32| &ERFCX_POLY[(index as usize).min(ERFCX_POLY.len() - 1)];
        let (r0, r1, r2, r3) = (
            row(_mm_cvtsi128_si32(rows)),
            row(_mm_extract_epi32::<1>(rows)),
            row(_mm_extract_epi32::<2>(rows)),
            row(_mm_extract_epi32::<3>(rows)),
        );
        let half = |r: &[f64; 8], k: usize| {
            // SAFETY: r has eight elements; k is 0 or 4, so four from k are inside it.
            unsafe { _mm256_loadu_pd(r.as_ptr().add(k)) }
        };
        let transpose = |a: __m256d, b: __m256d, c: __m256d, d: __m256d| {
            let ab_lo = _mm256_unpacklo_pd(a, b); // a0 b0 a2 b2
            let ab_hi = _mm256_unpackhi_pd(a, b); // a1 b1 a3 b3
            let cd_lo = _mm256_unpacklo_pd(c, d);
            let cd_hi = _mm256_unpackhi_pd(c, d);
            [
                V(_mm256_permute2f128_pd::<0x20>(ab_lo, cd_lo)),
                V(_mm256_permute2f128_pd::<0x20>(ab_hi, cd_hi)),
                V(_mm256_permute2f128_pd::<0x31>(ab_lo, cd_lo)),
                V(_mm256_permute2f128_pd::<0x31>(ab_hi, cd_hi)),
            ]
        };
        let [c0, c1, c2, c3] = transpose(half(r0, 0), half(r1, 0), half(r2, 0), half(r3, 0));
        let [c4, c5, c6, c7] = transpose(half(r0, 4), half(r1, 4), half(r2, 4), half(r3, 4));
        [c0, c1, c2, c3, c4, c5, c6, c7]
    }
    pub(crate) fn not(a: V) -> V { V(_mm256_xor_pd(a.0, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)))) }
    pub(crate) fn abs(a: V) -> V { V(_mm256_andnot_pd(_mm256_set1_pd(-0.0), a.0)) }
    pub(crate) fn from_lanes(v: [f64; 4]) -> V { V(_mm256_set_pd(v[3], v[2], v[1], v[0])) }
    pub(crate) fn store(s: &mut [f64], i: usize, v: V) {
        assert!(i + 4 <= s.len());
        // SAFETY: four elements from i are inside the slice (checked above).
        unsafe { _mm256_storeu_pd(s.as_mut_ptr().add(i), v.0) }
    }

    pub(crate) fn load(s: &[f64], i: usize) -> V {
        assert!(i + 4 <= s.len());
        // SAFETY: four elements from i are inside the slice (checked above).
        V(unsafe { _mm256_loadu_pd(s.as_ptr().add(i)) })
    }

}

/// Prices by the four-lane kernel alone (kernel benchmark).
///
/// # Safety
/// The CPU must have AVX2 and FMA (`available()`).
#[doc(hidden)]
#[target_feature(enable = "avx2,fma")]
pub unsafe fn price_chunk_avx2(inputs: &[&[f64]; 7], out: &mut [f64]) {
    price_chunk_wide(inputs, out)
}

/// Greeks by the four-lane kernel alone (kernel benchmark).
///
/// # Safety
/// The CPU must have AVX2 and FMA (`available()`).
#[doc(hidden)]
#[target_feature(enable = "avx2,fma")]
pub unsafe fn greeks_chunk_avx2(
    inputs: &[&[f64]; 7],
    which: &[crate::black::Greek],
    outs: &mut [&mut [f64]],
) {
    greeks_chunk_wide(inputs, which, outs)
}

/// Implied vols by the four-lane kernel alone, whatever wider one the CPU has (for the
/// kernel benchmark's comparison of widths).
///
/// # Safety
/// The CPU must have AVX2 and FMA (`available()`).
#[doc(hidden)]
#[target_feature(enable = "avx2,fma")]
pub unsafe fn implied_chunk_avx2(inputs: &[&[f64]; 7], out: &mut [f64]) {
    implied_chunk_wide(inputs, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::black::bsm_price_chunk;
    use crate::dispatch::{greeks_chunk, price_chunk};

    fn random_columns(n: usize, seed: u64) -> [Vec<f64>; 7] {
        let mut rnd = crate::testing::xorshift(seed);
        let mut cols: [Vec<f64>; 7] = Default::default();
        for i in 0..n {
            let s = (rnd() * 14.0 - 7.0).exp();
            let k = s * (rnd() * 6.0 - 3.0).exp();
            let sigma = match i % 4 {
                0 => 0.001 + 0.05 * rnd(),
                1 => 0.05 + 0.9 * rnd(),
                2 => 1.0 + 4.0 * rnd(),
                _ => 0.2,
            };
            let t = (rnd() * 9.0 - 6.0).exp();
            let row = [
                s,
                k,
                0.2 * rnd() - 0.05,
                0.15 * rnd() - 0.05,
                sigma,
                t,
                if rnd() < 0.5 { 1.0 } else { -1.0 },
            ];
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
        }
        cols
    }

    /// Groups of four `(h, tau)` drawn by `draw`, a lane left out with probability
    /// `left_out`: every other lane of `kernel` is the one-lane instance's
    /// (`lane1::moment_series_value`, over the array layer) bit for bit. The count of
    /// lanes checked.
    fn series_lanes_are_scalar(
        seed: u64,
        left_out: f64,
        draw: impl Fn(&mut dyn FnMut() -> f64) -> (f64, f64),
        kernel: unsafe fn([f64; 4], [f64; 4], [f64; 4]) -> [f64; 4],
    ) -> usize {
        let mut rnd = crate::testing::xorshift(seed);
        let mut checked = 0;
        for _ in 0..20_000 {
            let lanes: [(f64, f64); 4] = std::array::from_fn(|_| draw(&mut rnd));
            let (h, tau) = (lanes.map(|l| l.0), lanes.map(|l| l.1));
            let wanted: [f64; 4] =
                std::array::from_fn(|_| if rnd() < left_out { 0.0 } else { 1.0 });
            // SAFETY: the callers run only where `available()` (AVX2 and FMA).
            let got = unsafe { kernel(h, tau, wanted) };
            for j in (0..4).filter(|&j| wanted[j] > 0.0) {
                let want = crate::lane1::moment_series_value(h[j], tau[j]);
                assert_eq!(
                    got[j].to_bits(),
                    want.to_bits(),
                    "h {} tau {}",
                    h[j],
                    tau[j]
                );
                checked += 1;
            }
        }
        checked
    }

    #[test]
    fn vector_miller_series_is_bit_identical_to_the_scalar_one() {
        if !available() {
            return;
        }
        // h from -1.5 down to -400, tau 1e-4..0.21; one lane in eight left out
        let draw = |rnd: &mut dyn FnMut() -> f64| {
            (-1.5 - (rnd() * 6.0).exp() + 1.0, 1e-4 + 0.2099 * rnd())
        };
        assert!(series_lanes_are_scalar(17, 0.125, draw, miller4) > 60_000);
    }

    #[test]
    fn vector_upward_series_is_bit_identical_to_the_scalar_one() {
        if !available() {
            return;
        }
        // h in [-1.5, 0], tau 1e-4..0.21 on a log scale (orders from 5 to 17 mixed in a group
        // of four); one lane in four left out (its tau, when it is the group's highest, must
        // not raise the loop's start)
        let draw = |rnd: &mut dyn FnMut() -> f64| (-1.5 * rnd(), 1e-4 * (rnd() * 7.65).exp());
        assert!(series_lanes_are_scalar(23, 0.25, draw, upward4) > 55_000);
    }

    #[target_feature(enable = "avx2,fma")]
    fn upward4(h: [f64; 4], tau: [f64; 4], wanted: [f64; 4]) -> [f64; 4] {
        let wanted = gt(from_lanes(wanted), splat(0.5));
        to_array(moment_series_upward(from_lanes(h), from_lanes(tau), wanted))
    }

    #[target_feature(enable = "avx2,fma")]
    fn miller4(h: [f64; 4], tau: [f64; 4], wanted: [f64; 4]) -> [f64; 4] {
        let wanted = gt(from_lanes(wanted), splat(0.5));
        to_array(moment_series_miller(from_lanes(h), from_lanes(tau), wanted))
    }

    #[test]
    fn vector_greeks_are_bit_identical_to_the_scalar_ones() {
        if !available() {
            return;
        }
        let n = 2003;
        let mut cols = random_columns(n, 11);
        // no dividends in the first half: whole groups take the kernel's shortcut for q = 0
        cols[3][..n / 2].fill(0.0);
        cols[0][7] = f64::NAN;
        cols[4][8] = 1e-200;
        cols[5][8] = 1e-200;
        far_rows(&mut cols, 9);
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        let which = crate::black::Greek::ALL;
        let kernels: [(&str, GreeksKernel); 3] = [
            ("greeks_chunk", |v, w, o| greeks_chunk(v, w, o)),
            // SAFETY: `available()` checked AVX2 and FMA.
            ("AVX2", |v, w, o| unsafe { greeks_chunk_wide(v, w, o) }),
            // SAFETY: run only where `simd8::available()` (below).
            ("AVX-512", |v, w, o| unsafe {
                crate::simd8::greeks_chunk_avx512(v, w, o)
            }),
        ];
        for (kernel, run) in kernels {
            if kernel == "AVX-512" && !crate::simd8::available() {
                continue;
            }
            let mut bufs: Vec<Vec<f64>> = vec![vec![0.0; n]; which.len()];
            let mut outs: Vec<&mut [f64]> = bufs.iter_mut().map(|b| &mut b[..]).collect();
            run(&views, &which, &mut outs);
            for i in 0..n {
                let c = crate::black::Contract::from_columns(&views, i);
                let want = crate::black::bsm_greeks(&c);
                for (buf, greek) in bufs.iter().zip(which.iter()) {
                    assert_eq!(
                        buf[i].to_bits(),
                        greek.pick(&want).to_bits(),
                        "{kernel} row {i} {greek:?}: {c:?} -> {} vs {}",
                        buf[i],
                        greek.pick(&want)
                    );
                }
            }
        }
    }

    /// Rows `at..at + 5` set to contracts beyond the plain formulas' double range: S/K
    /// overflows (its double-double quotient is NaN), `r t = 1500` (the scale underflows
    /// while the intrinsic value overflows), `q t = -900` (e^{-qt} overflows), a spot of 1e200
    /// deep out of the money (the gaussian factor underflows, the price does not), and
    /// `r t = 900` with a put in the money.
    fn far_rows(cols: &mut [Vec<f64>; 7], at: usize) {
        let rows: [[f64; 7]; 5] = [
            [1e200, 1e-200, 0.0, 0.0, 0.2, 1.0, 1.0],
            [100.0, 90.0, 50.0, 0.0, 0.2, 30.0, 1.0],
            [100.0, 50.0, 0.0, -30.0, 0.3, 30.0, -1.0],
            [1e200, 1.5e200, 0.0, 0.0, 0.01, 1.0, 1.0],
            [100.0, 150.0, 30.0, 30.0, 0.4, 30.0, -1.0],
        ];
        for (i, row) in rows.iter().enumerate() {
            for (col, &v) in cols.iter_mut().zip(row) {
                col[at + i] = v;
            }
        }
    }

    type GreeksKernel = fn(&[&[f64]; 7], &[crate::black::Greek], &mut [&mut [f64]]);

    /// CSI-like contracts: nearly all lanes take the plain-double formulas, sorted by formula
    /// in `price_block_sorted`; every price must still be the scalar one, bit for bit.
    #[test]
    fn sorted_plain_double_prices_are_the_scalar_ones() {
        if !available() {
            return;
        }
        let n = 1003;
        let cols = chain_columns(n, 5, |mut rnd| crate::testing::csi_like(&mut rnd));
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        for (kernel, vector) in every_price_kernel(&views) {
            let mut fast = 0;
            for (i, v) in vector.iter().enumerate() {
                let c = crate::black::Contract::from_columns(&views, i);
                fast += crate::lane1::fast_price(&c).is_some() as usize;
                assert_eq!(
                    v.to_bits(),
                    crate::black::bsm_price(&c).to_bits(),
                    "{kernel} row {i}: {c:?}"
                );
            }
            assert!(fast > n * 9 / 10, "only {fast} plain-double lanes");
        }
    }

    /// A short-dated chain (a day to a week, strikes within 30 % of the spot): most lanes
    /// of a block take Miller's series, so its groups run in pairs (`miller_finish_n`), the
    /// last pair short and a single group left over in some blocks; every price and greek
    /// must be the scalar one, bit for bit, whatever group a lane was paired with.
    #[test]
    fn paired_miller_groups_are_the_scalar_ones() {
        if !available() {
            return;
        }
        let n = 2_000;
        let cols = chain_columns(n, 31, |rnd| {
            let s = 2.0 + 298.0 * rnd();
            let k = s * (0.7 + 0.6 * rnd());
            (s, k, 0.05 + 0.5 * rnd(), (1.0 + 6.0 * rnd()) / 365.0)
        });
        let miller = (0..n)
            .filter(|&i| {
                let (h, tau) = h_and_tau(&cols, i);
                h < -1.5 && tau < 0.21
            })
            .count();
        assert!(miller > n / 2, "only {miller} lanes in Miller's region");
        assert_chain_is_scalar(&cols);
    }

    /// Lanes of the upward moment series (near the money, `tau < 0.21`), whose groups the
    /// price kernel steps two at a time (`upward_finish_n`), with `tau` spread over every
    /// order the series starts from, so a pair's groups start at different orders: every
    /// price and greek is the scalar code's.
    #[test]
    fn paired_upward_series_groups_are_the_scalar_ones() {
        if !available() {
            return;
        }
        let n = 2_000;
        let cols = chain_columns(n, 37, |rnd| {
            let s = 2.0 + 298.0 * rnd();
            let k = s * (0.97 + 0.06 * rnd());
            let sigma = 0.05 + 0.5 * rnd();
            // tau = sigma sqrt(t) / 2 from about 0.001 to 0.2
            let tau = (0.001f64.ln() + (0.2f64 / 0.001).ln() * rnd()).exp();
            (s, k, sigma, (2.0 * tau / sigma).powi(2))
        });
        let orders: std::collections::BTreeSet<u32> = (0..n)
            .filter_map(|i| {
                let (h, tau) = h_and_tau(&cols, i);
                // the series' lanes, by the order `series_order` gives them
                (h >= -1.5 && h + tau <= 0.85 && tau < 0.21).then_some(
                    [0.002, 0.01, 0.03, 0.06, 0.1, 0.15]
                        .iter()
                        .filter(|&&b| tau >= b)
                        .count() as u32,
                )
            })
            .collect();
        assert_eq!(
            orders.len(),
            7,
            "the series' lanes start from {orders:?} only"
        );
        assert_chain_is_scalar(&cols);
    }

    /// Row `i`'s `h = -|x| / (sigma sqrt t)` and `tau = sigma sqrt(t) / 2`, roughly (x with
    /// `r - q` taken as 0.02): which formula's region a test's row lies in.
    fn h_and_tau(cols: &[Vec<f64>; 7], i: usize) -> (f64, f64) {
        let x = (cols[0][i] / cols[1][i]).ln() + 0.02 * cols[5][i];
        let total = cols[4][i] * cols[5][i].sqrt();
        (-x.abs() / total, total / 2.0)
    }

    /// Every price kernel's and both wide greeks kernels' answers on `cols` are
    /// `bsm_price`'s and `bsm_greeks`' bits.
    fn assert_chain_is_scalar(cols: &[Vec<f64>; 7]) {
        let n = cols[0].len();
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        for (kernel, vector) in every_price_kernel(&views) {
            for (i, v) in vector.iter().enumerate() {
                let c = crate::black::Contract::from_columns(&views, i);
                assert_eq!(
                    v.to_bits(),
                    crate::black::bsm_price(&c).to_bits(),
                    "{kernel} row {i}: {c:?}"
                );
            }
        }
        let which = crate::black::Greek::ALL;
        for wide in [false, true] {
            if wide && !crate::simd8::available() {
                continue;
            }
            let mut bufs: Vec<Vec<f64>> = vec![vec![0.0; n]; which.len()];
            let mut outs: Vec<&mut [f64]> = bufs.iter_mut().map(|b| &mut b[..]).collect();
            if wide {
                // SAFETY: `simd8::available()` checked the kernel's features.
                unsafe { crate::simd8::greeks_chunk_avx512(&views, &which, &mut outs) };
            } else {
                // SAFETY: `available()` checked AVX2 and FMA.
                unsafe { greeks_chunk_wide(&views, &which, &mut outs) };
            }
            for i in 0..n {
                let want =
                    crate::black::bsm_greeks(&crate::black::Contract::from_columns(&views, i));
                for (buf, greek) in bufs.iter().zip(which.iter()) {
                    assert_eq!(
                        buf[i].to_bits(),
                        greek.pick(&want).to_bits(),
                        "wide {wide} row {i} {greek:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn vector_kernel_is_bit_identical_to_the_scalar_one() {
        if !available() {
            return; // nothing to compare on this CPU: the scalar kernel is what runs
        }
        for (n, seed) in [(4099usize, 1u64), (1000, 2), (7, 3), (3, 4)] {
            let mut cols = random_columns(n, seed);
            if n > 100 {
                cols[4][10] = f64::NAN;
                cols[0][21] = 1e-300; // subnormal S/K
                cols[1][21] = 1e10;
                cols[0][33] = 1e200; // S K overflows
                cols[1][33] = 1e200;
                cols[4][45] = 1e-12; // vanishing vol
                cols[4][46] = 1e200; // enormous vol
                cols[4][47] = 1e-200; // sigma sqrt(t) underflows
                cols[5][47] = 1e-200;
                cols[0][48] = -f64::NAN; // a NaN with the sign bit set (0/0 on x86)
                cols[1][49] = -f64::NAN;
                cols[0][50] = f64::NEG_INFINITY;
                far_rows(&mut cols, 51);
            }
            let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
            let mut scalar = vec![0.0; n];
            bsm_price_chunk(&views, &mut scalar);
            for (kernel, vector) in every_price_kernel(&views) {
                for i in 0..n {
                    assert_eq!(
                        scalar[i].to_bits(),
                        vector[i].to_bits(),
                        "{kernel} row {i}: {:?} -> {} vs {}",
                        crate::black::Contract::from_columns(&views, i),
                        scalar[i],
                        vector[i]
                    );
                }
            }
        }
    }

    /// The prices of every vector kernel this CPU can run (AVX2, AVX-512), and the
    /// dispatching entry point's.
    /// `n` rows of a chain, `(s, k, sigma, t)` from `draw`, with r 2 %, q 0 and 1 % alternately
    /// and one put in three.
    fn chain_columns(
        n: usize,
        seed: u64,
        mut draw: impl FnMut(&mut dyn FnMut() -> f64) -> (f64, f64, f64, f64),
    ) -> [Vec<f64>; 7] {
        let mut rnd = crate::testing::xorshift(seed);
        let mut cols: [Vec<f64>; 7] = Default::default();
        for i in 0..n {
            let (s, k, sigma, t) = draw(&mut rnd);
            let q = if i % 2 == 0 { 0.0 } else { 0.01 };
            let row = [s, k, 0.02, q, sigma, t, if i % 3 == 0 { -1.0 } else { 1.0 }];
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
        }
        cols
    }

    fn every_price_kernel(views: &[&[f64]; 7]) -> Vec<(&'static str, Vec<f64>)> {
        let n = views[0].len();
        let mut runs = Vec::new();
        let mut out = vec![0.0; n];
        price_chunk(views, &mut out);
        runs.push(("price_chunk", out));
        let mut out = vec![0.0; n];
        // SAFETY: the callers checked `available()`: AVX2 and FMA are present.
        unsafe { price_chunk_wide(views, &mut out) };
        runs.push(("AVX2", out));
        if crate::simd8::available() {
            let mut out = vec![0.0; n];
            // SAFETY: `simd8::available()` checked the kernel's features.
            unsafe { crate::simd8::price_chunk_avx512(views, &mut out) };
            runs.push(("AVX-512", out));
        }
        runs
    }
}

#[cfg(test)]
mod implied_tests {
    use super::*;
    use crate::dispatch::implied_chunk;

    /// The vector `prepare` answers for nearly every CSI-like inversion, and with the scalar
    /// `prepare`'s problem to the bit.
    #[test]
    fn vector_prepare_covers_the_common_case_bit_for_bit() {
        if !available() {
            return;
        }
        let n = 4000;
        let mut rnd = crate::testing::xorshift(7);
        let mut cols: [Vec<f64>; 7] = Default::default();
        for i in 0..n {
            let (s, k, sigma, t) = crate::testing::csi_like(&mut rnd);
            let is_call = i % 3 != 0;
            let c = crate::black::Contract {
                s,
                k,
                r: 0.02,
                q: 0.01,
                sigma,
                t,
                is_call,
            };
            let price = crate::black::bsm_price(&c);
            for (col, v) in
                cols.iter_mut()
                    .zip([price, s, k, 0.02, 0.01, t, if is_call { 1.0 } else { -1.0 }])
            {
                col.push(v);
            }
        }
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        let mut handled = 0;
        for g in 0..n / 4 {
            // SAFETY: available() checked the CPU.
            let (problems, mask) = unsafe { prepare4(&views, 4 * g) };
            for (j, p) in problems.iter().enumerate() {
                if mask & (1 << j) == 0 {
                    continue;
                }
                handled += 1;
                let m = 4 * g + j;
                let crate::implied::Prepared::Solve(want) = crate::implied::prepare_row(&views, m)
                else {
                    panic!("row {m}: the scalar prepare answered without a problem");
                };
                assert_eq!(p.x, want.x, "row {m}");
                assert_eq!(p.target.to_bits(), want.target.to_bits(), "row {m}");
                assert_eq!(p.start.to_bits(), want.start.to_bits(), "row {m}");
                assert_eq!(p.complement, want.complement, "row {m}");
                assert_eq!(p.sqrt_t, want.sqrt_t, "row {m}");
            }
        }
        println!("prepared in vectors: {handled} of {n}");
        assert!(
            handled >= n * 95 / 100,
            "only {handled} of {n} prepared in vectors"
        );
    }

    #[test]
    fn vector_implied_vols_equal_the_scalar_ones() {
        if !available() {
            return;
        }
        let n = 4003;
        let mut rnd = crate::testing::xorshift(99);
        let mut cols: [Vec<f64>; 7] = Default::default();
        for i in 0..n {
            let s = (rnd() * 10.0 - 3.0).exp();
            let k = s * (rnd() * 6.0 - 3.0).exp();
            let sigma = (rnd() * 7.0 - 5.5).exp();
            let t = (rnd() * 9.0 - 6.0).exp();
            let (r, q) = (0.2 * rnd() - 0.05, 0.15 * rnd() - 0.05);
            let is_call = rnd() < 0.5;
            let c = crate::black::Contract {
                s,
                k,
                r,
                q,
                sigma,
                t,
                is_call,
            };
            let mut price = crate::black::bsm_price(&c);
            if i % 97 == 0 {
                price *= 1.5; // some unattainable
            }
            if i % 101 == 0 {
                price = f64::NAN;
            }
            for (col, v) in
                cols.iter_mut()
                    .zip([price, s, k, r, q, t, if is_call { 1.0 } else { -1.0 }])
            {
                col.push(v);
            }
        }
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        let mut kernels: Vec<(&str, Vec<f64>)> = Vec::new();
        let mut vector = vec![0.0; n];
        implied_chunk(&views, &mut vector);
        kernels.push(("implied_chunk", vector));
        let mut vector = vec![0.0; n];
        // SAFETY: `available()` checked AVX2 and FMA.
        unsafe { implied_chunk_wide(&views, &mut vector) };
        kernels.push(("AVX2", vector));
        let mut vector = vec![0.0; n];
        // SAFETY: `available()` checked AVX2 and FMA.
        unsafe { crate::simd_x4::implied_chunk_avx2x4(&views, &mut vector) };
        kernels.push(("AVX2 x4", vector));
        if crate::simd8::available() {
            let mut vector = vec![0.0; n];
            // SAFETY: `simd8::available()` checked the kernel's features.
            unsafe { crate::simd8::implied_chunk_avx512(&views, &mut vector) };
            kernels.push(("AVX-512", vector));
            let mut vector = vec![0.0; n];
            // SAFETY: as above.
            unsafe { crate::simd8_x2::implied_chunk_avx512x2(&views, &mut vector) };
            kernels.push(("AVX-512 x2", vector));
        }
        for (kernel, vector) in kernels {
            all_equal_the_scalar_vols(kernel, &cols, &vector);
        }
    }

    fn all_equal_the_scalar_vols(kernel: &str, cols: &[Vec<f64>; 7], vector: &[f64]) {
        let n = vector.len();
        let mut differ = 0;
        for i in 0..n {
            let want = crate::implied::implied_vol(
                cols[0][i],
                cols[1][i],
                cols[2][i],
                cols[3][i],
                cols[4][i],
                cols[5][i],
                cols[6][i] > 0.0,
            );
            if want.to_bits() != vector[i].to_bits() {
                differ += 1;
                assert!(
                    (want - vector[i]).abs() <= 4.0 * f64::EPSILON * want.abs(),
                    "{kernel} row {i}: {want} vs {}",
                    vector[i]
                );
            }
        }
        assert_eq!(
            differ, 0,
            "{kernel}: {differ} rows differ in their last bits"
        );
    }
}

vfn! {
    /// `fast_block`'s sorting, lane by lane (no compress instruction at this width)
    pub(crate) fn append_lanes(mask: i32, first: u32, list: &mut [u32], count: usize) -> usize {
        append_lanes_each(mask, first, list, count)
    }
    /// `fast_block`'s gathering, lane by lane
    pub(crate) fn gather_lanes(field: &[f64], rows: &[u32]) -> V { gather_lanes_each(field, rows) }
    /// `fast_block`'s stores, lane by lane
    pub(crate) fn scatter_lanes(prices: &mut [f64], rows: &[u32], values: V) { scatter_lanes_each(prices, rows, values) }
}
