//! The price kernel four contracts at a time with AVX2 and FMA.
//!
//! Why `std::arch` behind a safe API rather than a portable-SIMD crate: the double-double
//! arithmetic needs a true fused multiply-add in every lane (`two_prod` is exact only with
//! one rounding), and `wide` picks its instructions when *it* is compiled, not per function,
//! so a baseline build would split `mul_add` into two roundings; `pulp` would do, but the
//! table lookups here are gathers it does not offer. With Rust's `target_feature` 1.1, every
//! function below is safe to call from the others; the only `unsafe` is the gathers, the
//! loads and stores (bounds argued at each), and the one entry point, called after
//! `is_x86_feature_detected!`.
//!
//! Every function repeats the scalar code's operations in the same order (`Dd`, `exp`,
//! `ln_dd`, `erfcx`, the formulas of `normalised`, `bsm_greeks`, the implied-vol iteration),
//! so each lane's result is bit for bit the scalar one; the tests check exactly that. Lanes
//! that meet a guard of the scalar code (NaN, `S/K` or `S K` outside the normal range, a
//! vanishing total volatility, ...) and lanes needing the Miller recurrence are handed to
//! the scalar code one by one.

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use crate::black::bsm_price_chunk;
use crate::elementary::{LN2_HI, LN2_LO, LOG2_E};
use crate::normal::FRAC_1_SQRT_PI;
use crate::tables::{ERFCX_FIRST, ERFCX_LAST, ERFCX_POLY, LOG_FIRST, LOG_TABLE};

/// True when the running CPU has what this kernel needs.
pub fn available() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

/// Prices like `bsm_price_chunk`, four at a time. Falls back to it when the CPU lacks AVX2
/// or FMA.
pub fn price_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    if crate::simd8::available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { crate::simd8::price_chunk_avx512(inputs, out) }
    } else if available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { price_chunk_wide(inputs, out) }
    } else {
        bsm_price_chunk(inputs, out);
    }
}

#[derive(Clone, Copy)]
struct V(__m256d);

macro_rules! vfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] #[inline] $item )* };
}
macro_rules! kfn {
    ($($item:item)*) => { $( #[target_feature(enable = "avx2,fma")] $item )* };
}

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
const W: usize = 4;
const ALL: i32 = 0xf;

include!("simd_plain.rs");

vfn! {
    fn splat(x: f64) -> V { V(_mm256_set1_pd(x)) }
    fn add(a: V, b: V) -> V { V(_mm256_add_pd(a.0, b.0)) }
    fn sub(a: V, b: V) -> V { V(_mm256_sub_pd(a.0, b.0)) }
    fn mul(a: V, b: V) -> V { V(_mm256_mul_pd(a.0, b.0)) }
    fn div(a: V, b: V) -> V { V(_mm256_div_pd(a.0, b.0)) }
    /// `a * b + c` with one rounding, as `f64::mul_add`
    fn fma(a: V, b: V, c: V) -> V { V(_mm256_fmadd_pd(a.0, b.0, c.0)) }
    fn neg(a: V) -> V { V(_mm256_xor_pd(a.0, _mm256_set1_pd(-0.0))) }
    fn sqrt(a: V) -> V { V(_mm256_sqrt_pd(a.0)) }
    fn floor(a: V) -> V { V(_mm256_floor_pd(a.0)) }
    fn round_even(a: V) -> V { V(_mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a.0)) }
    fn max(a: V, b: V) -> V { V(_mm256_max_pd(a.0, b.0)) }
    fn min(a: V, b: V) -> V { V(_mm256_min_pd(a.0, b.0)) }
    fn lt(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_LT_OQ>(a.0, b.0)) }
    fn gt(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_GT_OQ>(a.0, b.0)) }
    fn le(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_LE_OQ>(a.0, b.0)) }
    fn ge(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_GE_OQ>(a.0, b.0)) }
    fn eq(a: V, b: V) -> V { V(_mm256_cmp_pd::<_CMP_EQ_OQ>(a.0, b.0)) }
    fn or(a: V, b: V) -> V { V(_mm256_or_pd(a.0, b.0)) }
    /// per lane: `mask ? a : b`
    fn select(mask: V, a: V, b: V) -> V { V(_mm256_blendv_pd(b.0, a.0, mask.0)) }
    fn lanes(mask: V) -> i32 { _mm256_movemask_pd(mask.0) }
    fn to_array(a: V) -> [f64; 4] {
        let mut out = [0.0; 4];
        // SAFETY: `out` holds four f64, the unaligned store's whole extent.
        unsafe { _mm256_storeu_pd(out.as_mut_ptr(), a.0) };
        out
    }

    fn two_prod(a: V, b: V) -> (V, V) {
        let p = mul(a, b);
        (p, fma(a, b, neg(p)))
    }
    fn renormalise(hi: V, lo: V) -> VDd {
        let s = add(hi, lo);
        dd(s, sub(lo, sub(s, hi)))
    }
    fn dd_sum(a: V, b: V) -> VDd { let (h, l) = two_sum(a, b); dd(h, l) }
    fn dd_product(a: V, b: V) -> VDd { let (h, l) = two_prod(a, b); dd(h, l) }
    fn dd_quotient(a: V, b: V) -> VDd {
        let q = div(a, b);
        let rem = fma(neg(q), b, a);
        renormalise(q, div(rem, b))
    }
    fn dd_add(a: VDd, b: VDd) -> VDd {
        let (s, e) = two_sum(a.hi, b.hi);
        renormalise(s, add(add(e, a.lo), b.lo))
    }
    fn dd_neg(a: VDd) -> VDd { dd(neg(a.hi), neg(a.lo)) }
    fn dd_add_f64(a: VDd, b: V) -> VDd {
        let (s, e) = two_sum(a.hi, b);
        renormalise(s, add(e, a.lo))
    }
    fn dd_mul(a: VDd, b: VDd) -> VDd {
        let (p, e) = two_prod(a.hi, b.hi);
        renormalise(p, add(e, add(mul(a.hi, b.lo), mul(a.lo, b.hi))))
    }
    fn dd_mul_f64(a: VDd, b: V) -> VDd {
        let (p, e) = two_prod(a.hi, b);
        renormalise(p, fma(a.lo, b, e))
    }
    fn dd_div(a: VDd, b: VDd) -> VDd {
        let q = div(a.hi, b.hi);
        let r = dd_add(a, dd_neg(dd_mul_f64(b, q)));
        renormalise(q, div(r.hi, b.hi))
    }
    /// `Dd::sqrt` for a positive high part
    fn dd_sqrt(a: VDd) -> VDd {
        let r = sqrt(a.hi);
        let rem = dd_add(a, dd_neg(dd_product(r, r)));
        renormalise(r, div(rem.hi, mul(splat(2.0), r)))
    }
    fn dd_to_f64(a: VDd) -> V { add(a.hi, a.lo) }

    /// `2^n` for integral `n` in `[-1022, 1023]`: `n + 1023 + 2^52` has `n + 1023` in its low
    /// mantissa bits; shifting them into the exponent field builds the power of two.
    fn pow2(n: V) -> V {
        let biased = add(n, splat(1023.0 + 4_503_599_627_370_496.0));
        V(_mm256_castsi256_pd(_mm256_slli_epi64::<52>(_mm256_castpd_si256(biased.0))))
    }

    fn exp_dd(v: VDd) -> V {
        let base = exp(v.hi);
        let done = or(eq(base, splat(0.0)), eq(base, splat(f64::INFINITY)));
        select(done, base, fma(base, v.lo, base))
    }

    /// `elementary::ln_dd` for positive normal high parts
    fn ln_dd(value: VDd) -> VDd {
        let x = value.hi;
        // frexp: m in [0.5, 1), e with x = m 2^e
        let bits = _mm256_castpd_si256(x.0);
        let exp_field = _mm256_and_si256(_mm256_srli_epi64::<52>(bits), _mm256_set1_epi64x(0x7ff));
        // the 52 mantissa bits under exponent 1022 and a cleared sign: m0 in [0.5, 1) for any
        // bit pattern (negative, NaN of either sign, infinities, subnormals)
        let mant = _mm256_or_si256(
            _mm256_and_si256(bits, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff)),
            _mm256_set1_epi64x(1022i64 << 52),
        );
        let m0 = V(_mm256_castsi256_pd(mant));
        // the exponent as a double: exp_field - 1022, via the 2^52 trick in reverse
        let magic = _mm256_set1_epi64x(0x4330_0000_0000_0000); // bits of 2^52
        let e0 = sub(V(_mm256_castsi256_pd(_mm256_or_si256(exp_field, magic))),
                     splat(4_503_599_627_370_496.0 + 1022.0));
        let low = lt(m0, splat(std::f64::consts::FRAC_1_SQRT_2));
        let m = select(low, mul(m0, splat(2.0)), m0);
        let e = select(low, sub(e0, splat(1.0)), e0);
        let lo_scaled = mul(div(value.lo, x), m);
        let j = round_even(mul(m, splat(128.0)));
        // clamped as well, so the gathers below stay inside the table whatever m is
        let row = _mm_min_epi32(
            _mm_max_epi32(_mm256_cvtpd_epi32(sub(j, splat(LOG_FIRST as f64)).0), _mm_setzero_si128()),
            _mm_set1_epi32((LOG_TABLE.len() - 1) as i32),
        );
        let row3 = _mm_mullo_epi32(row, _mm_set1_epi32(3));
        let base = LOG_TABLE.as_ptr() as *const f64;
        // SAFETY: row is clamped to [0, LOG_TABLE.len() - 1] (and is in [2, 92] anyway: m0 is
        // in [0.5, 1) for any input, m in [1/sqrt2, sqrt2)); each gather reads element 0, 1 or
        // 2 of that row.
        let (r, neg_hi, neg_lo) = unsafe {
            (
                V(_mm256_i32gather_pd::<8>(base, row3)),
                V(_mm256_i32gather_pd::<8>(base.add(1), row3)),
                V(_mm256_i32gather_pd::<8>(base.add(2), row3)),
            )
        };
        let v = add(fma(m, r, splat(-1.0)), mul(lo_scaled, r));
        let mut p = splat(-1.0 / 9.0);
        for c in [1.0 / 8.0, -1.0 / 7.0, 1.0 / 6.0, -1.0 / 5.0, 1.0 / 4.0, -1.0 / 3.0, 0.5] {
            p = fma(p, v, splat(c));
        }
        let tail = mul(neg(mul(v, v)), p);
        let log1p = dd_sum(v, tail);
        let (s, err) = two_sum(neg_hi, log1p.hi);
        let table_part = dd_add_f64(dd(s, splat(0.0)), add(add(err, log1p.lo), neg_lo));
        let ln2 = dd(splat(crate::dd::LN_2.hi), splat(crate::dd::LN_2.lo));
        dd_add(dd_mul_f64(ln2, e), table_part)
    }

    fn erfcx_dd(x: VDd) -> V {
        let e = erfcx(x.hi);
        add(e, mul(sub(mul(mul(splat(2.0), x.hi), e), splat(2.0 * FRAC_1_SQRT_PI)), x.lo))
    }

    fn and(a: V, b: V) -> V { V(_mm256_and_pd(a.0, b.0)) }
    fn xor(a: V, b: V) -> V { V(_mm256_xor_pd(a.0, b.0)) }

    /// The exponent field (as a double) and the mantissa under exponent 1022 (in [0.5, 1)
    /// for positive normal lanes): `fast::ln`'s split.
    fn exponent_and_mantissa(x: V) -> (V, V) {
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
    fn erfcx_coefficients(row: V) -> [V; 8] {
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
    fn not(a: V) -> V { V(_mm256_xor_pd(a.0, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)))) }
    fn abs(a: V) -> V { V(_mm256_andnot_pd(_mm256_set1_pd(-0.0), a.0)) }
    fn from_lanes(v: [f64; 4]) -> V { V(_mm256_set_pd(v[3], v[2], v[1], v[0])) }
    fn select_dd(mask: V, a: VDd, b: VDd) -> VDd { dd(select(mask, a.hi, b.hi), select(mask, a.lo, b.lo)) }

    /// `normal::normal_cdf_dd`
    fn normal_cdf_dd(z: VDd) -> V {
        let frac = dd(splat(crate::normalised::FRAC_1_SQRT_2.hi), splat(crate::normalised::FRAC_1_SQRT_2.lo));
        let lower = le(z.hi, splat(0.0));
        let w = dd_mul(select_dd(lower, dd_neg(z), z), frac);
        let tail = mul(mul(splat(0.5), exp_dd(dd_neg(dd_mul(w, w)))), erfcx_dd(w));
        let tail = select(gt(w.hi, splat(38.5)), splat(0.0), tail);
        select(lower, tail, sub(splat(1.0), tail))
    }

    /// `normalised::gaussian_factor`
    fn gaussian_factor(h: VDd, tau: VDd) -> V {
        let g = exp_dd(dd_mul_f64(dd_add(dd_mul(h, h), dd_mul(tau, tau)), splat(-0.5)));
        select(or(gt(abs(h.hi), splat(1e100)), gt(tau.hi, splat(1e100))), splat(0.0), g)
    }

    /// `normalised::otm_call_cdf_difference`
    fn otm_call_cdf_difference(x: VDd, h: VDd, tau: VDd) -> V {
        let half_x = dd_mul_f64(x, splat(0.5));
        sub(mul(exp_dd(half_x), normal_cdf_dd(dd_add(h, tau))),
            mul(exp_dd(dd_neg(half_x)), normal_cdf_dd(dd_add(h, dd_neg(tau)))))
    }

    /// `normalised::otm_call_complement`
    fn otm_call_complement(x: VDd, h: VDd, tau: VDd) -> V {
        let half_x = dd_mul_f64(x, splat(0.5));
        add(mul(exp_dd(half_x), normal_cdf_dd(dd_neg(dd_add(h, tau)))),
            mul(exp_dd(dd_neg(half_x)), normal_cdf_dd(dd_add(h, dd_neg(tau)))))
    }

    /// `normalised::otm_call_erfcx_difference`
    fn otm_call_erfcx_difference(h: VDd, tau: VDd, gaussian: V) -> V {
        let frac = dd(splat(crate::normalised::FRAC_1_SQRT_2.hi), splat(crate::normalised::FRAC_1_SQRT_2.lo));
        let upper = erfcx_dd(dd_mul(dd_neg(dd_add(h, tau)), frac));
        let lower = erfcx_dd(dd_mul(dd_neg(dd_add(h, dd_neg(tau))), frac));
        mul(mul(splat(0.5), gaussian), sub(upper, lower))
    }

    /// `normalised::otm_call` lane by lane: the vector formulas where they apply, the scalar
    /// code for the Miller recurrence.
    fn otm_call(x: VDd, h: VDd, tau: VDd, gaussian: V) -> V {
        use crate::normalised::{MILLER_BELOW, SMALL_TAU};
        let cdf = gt(dd_add(h, tau).hi, splat(0.85));
        let under = and(not(cdf), eq(gaussian, splat(0.0)));
        let series = and(not(or(cdf, under)), lt(tau.hi, splat(SMALL_TAU)));
        let upward = and(series, ge(h.hi, splat(MILLER_BELOW)));
        let miller = and(series, not(upward));
        let erfcx_lanes = not(or(or(cdf, under), series));
        let mut value = splat(0.0);
        if lanes(erfcx_lanes) != 0 {
            value = select(erfcx_lanes, otm_call_erfcx_difference(h, tau, gaussian), value);
        }
        if lanes(upward) != 0 {
            let by_series = mul(mul(splat(2.0 * crate::normal::FRAC_1_SQRT_2PI), gaussian),
                                moment_series_upward(h.hi, tau.hi, upward));
            value = select(upward, by_series, value);
        }
        if lanes(cdf) != 0 {
            value = select(cdf, otm_call_cdf_difference(x, h, tau), value);
        }
        if lanes(miller) != 0 {
            let by_series = mul(mul(splat(2.0 * crate::normal::FRAC_1_SQRT_2PI), gaussian),
                                moment_series_miller(h.hi, tau.hi, miller));
            value = select(miller, by_series, value);
        }
        value
    }

    fn store(s: &mut [f64], i: usize, v: V) {
        assert!(i + 4 <= s.len());
        // SAFETY: four elements from i are inside the slice (checked above).
        unsafe { _mm256_storeu_pd(s.as_mut_ptr().add(i), v.0) }
    }

    fn load(s: &[f64], i: usize) -> V {
        assert!(i + 4 <= s.len());
        // SAFETY: four elements from i are inside the slice (checked above).
        V(unsafe { _mm256_loadu_pd(s.as_ptr().add(i)) })
    }

    /// `normalised::moment_series` by the downward (Miller) recurrence (its branch for
    /// h < -1.5), every lane through the scalar code's operations: a lane starts at its own
    /// top and holds its values until then. Lanes outside `wanted` hold garbage.
    fn moment_series_miller(h: V, tau: V, wanted: V) -> V {
        use crate::normalised::{MILLER_MAX, RECIPROCALS, SERIES_ORDER, SQRT_FRAC_PI_2};
        let order = series_order(tau);
        let h = select(wanted, h, splat(-2.0)); // keep the unwanted lanes finite and short
        let y = mul(splat(SQRT_FRAC_PI_2), erfcx(mul(neg(h), splat(std::f64::consts::FRAC_1_SQRT_2))));
        let top = min(add(add(order, splat(13.0)), floor(div(splat(250.0), mul(h, h)))), splat(MILLER_MAX as f64));
        let saddle = mul(splat(0.5), add(h, sqrt(fma(h, h, mul(splat(4.0), add(top, splat(1.0)))))));
        let highest = to_array(select(wanted, top, splat(0.0))).iter().fold(0.0f64, |a, &b| a.max(b)) as usize;
        let highest_order = to_array(select(wanted, order, splat(5.0))).iter().fold(5.0f64, |a, &b| a.max(b)) as usize;
        let mut m = [splat(0.0); SERIES_ORDER + 1];
        let (mut above, mut here) = (saddle, splat(1.0));
        let minus_h = neg(h);
        for k in (1..=highest.min(MILLER_MAX)).rev() {
            let below = mul(fma(minus_h, here, above), splat(RECIPROCALS[k]));
            let active = le(splat(k as f64), top);
            above = select(active, here, above);
            here = select(active, below, here);
            if k - 1 <= SERIES_ORDER {
                m[k - 1] = here;
            }
        }
        let norm = div(y, m[0]);
        for v in m.iter_mut() {
            *v = mul(*v, norm);
        }
        series_sum(&m, highest_order.clamp(5, SERIES_ORDER) | 1, tau, order)
    }

    fn is_finite(a: V) -> V { lt(abs(a), splat(f64::INFINITY)) }

    /// `fast::price` for four contracts: the prices, and the mask of lanes it answers for
    /// (the others hold garbage and go to the exact kernel).
    fn fast_price4(s: V, k: V, r: V, q: V, sigma: V, t: V, call: V) -> (V, V) {
        let (price, inside, _) = fast_price_parts(s, k, r, q, sigma, t, call);
        (price, inside)
    }
}

/// Everything the price and greeks kernels share for four contracts: `Moneyness::new`,
/// `Setup::new`, the signed and out-of-the-money views and `gaussian_factor_scaled`, each
/// operation as the scalar code does it.
#[derive(Clone, Copy)]
struct Group {
    s: V,
    k: V,
    r: V,
    q: V,
    sigma: V,
    t: V,
    is_call: V,
    log_spot: VDd,
    carry: VDd,
    scale: V,
    sqrt_t: VDd,
    total: VDd,
    h: VDd,
    tau: VDd,
    xs: VDd,
    itm: V,
    x_otm: VDd,
    h_otm: VDd,
    /// exp of the gaussian exponent, scaled by 2^1000 where `deep`
    g_scaled: V,
    unscale: V,
    /// lanes the scalar code must take: NaN, S/K or S K out of the normal range, extreme h
    guards: V,
}

#[target_feature(enable = "avx2,fma")]
fn setup4(inputs: &[&[f64]; 7], i: usize) -> Group {
    let s = load(inputs[0], i);
    let k = load(inputs[1], i);
    let r = load(inputs[2], i);
    let q = load(inputs[3], i);
    let sigma = load(inputs[4], i);
    let t = load(inputs[5], i);
    let call = load(inputs[6], i);
    // Moneyness::new
    let ratio = dd_quotient(s, k);
    let log_spot = ln_dd(ratio);
    let carry = dd_mul_f64(dd_sum(r, neg(q)), t);
    let sk = dd_product(s, k);
    let sqrt_sk = dd_to_f64(dd_sqrt(sk));
    let half_discount = exp_dd(dd_mul_f64(dd_sum(r, q), mul(splat(-0.5), t)));
    let scale = mul(sqrt_sk, half_discount);
    let x = dd_add(log_spot, carry);
    let sqrt_t = dd_sqrt(dd(t, splat(0.0)));
    // Setup::new
    let total = dd_mul_f64(sqrt_t, sigma);
    let h = dd_div(x, total);
    let tau = dd_mul_f64(total, splat(0.5));
    // signed, then seen from the out-of-the-money side
    let is_call = gt(call, splat(0.0));
    let xs = select_dd(is_call, x, dd_neg(x));
    let hs = select_dd(is_call, h, dd_neg(h));
    let itm = gt(xs.hi, splat(0.0));
    let flip = select(itm, splat(-1.0), splat(1.0));
    let x_otm = dd_mul_f64(xs, flip);
    let h_otm = dd_mul_f64(hs, flip);
    // Setup::gaussian_factor_scaled
    let exponent = dd_mul_f64(dd_add(dd_mul(h, h), dd_mul(tau, tau)), splat(-0.5));
    let deep = le(exponent.hi, splat(-700.0));
    let ln2 = dd(splat(crate::dd::LN_2.hi), splat(crate::dd::LN_2.lo));
    let shifted = dd_add(exponent, dd_mul_f64(ln2, splat(1000.0)));
    let g_scaled = exp_dd(select_dd(deep, shifted, exponent));
    let unscale = select(deep, splat(2f64.powi(-1000)), splat(1.0));

    let inputs_sum = add(add(s, k), add(add(r, q), add(sigma, t)));
    let any_nan = V(_mm256_cmp_pd::<_CMP_UNORD_Q>(inputs_sum.0, inputs_sum.0));
    let big = splat(1e100);
    let guards = or(
        or(
            any_nan,
            or(
                lt(ratio.hi, splat(f64::MIN_POSITIVE)),
                ge(ratio.hi, splat(f64::INFINITY)),
            ),
        ),
        or(
            or(
                lt(sk.hi, splat(f64::MIN_POSITIVE)),
                ge(sk.hi, splat(f64::INFINITY)),
            ),
            or(
                or(gt(abs(h.hi), big), gt(tau.hi, big)),
                lt(total.hi, splat(crate::black::VANISHING_TOTAL_VOL)),
            ),
        ),
    );
    Group {
        s,
        k,
        r,
        q,
        sigma,
        t,
        is_call,
        log_spot,
        carry,
        scale,
        sqrt_t,
        total,
        h,
        tau,
        xs,
        itm,
        x_otm,
        h_otm,
        g_scaled,
        unscale,
        guards,
    }
}

/// `normalised_value` times the scale: the price of a group.
#[target_feature(enable = "avx2,fma")]
fn group_price(g: &Group) -> V {
    let gaussian = mul(g.g_scaled, g.unscale);
    let otm = otm_call(g.x_otm, g.h_otm, g.tau, gaussian);
    let value = select(g.itm, add(two_sinh_half(g.xs), otm), otm);
    mul(g.scale, value)
}

/// Rows `rows[0..4]` of the seven input columns, as four-element columns.
fn gather_rows(inputs: &[&[f64]; 7], rows: &[usize]) -> [[f64; 4]; 7] {
    std::array::from_fn(|j| std::array::from_fn(|l| inputs[j][rows[l]]))
}

/// Exact-kernel prices of the rows `rows`: four gathered into one vector group, fewer (or
/// guarded lanes) by the scalar code.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn exact_prices(inputs: &[&[f64]; 7], rows: &[usize], out: &mut [f64]) {
    use crate::black::{Contract, bsm_price_exact};
    if rows.len() < 4 {
        for &m in rows {
            out[m] = bsm_price_exact(&Contract::from_columns(inputs, m));
        }
        return;
    }
    let cols = gather_rows(inputs, rows);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let group = setup4(&views, 0);
    let values = to_array(group_price(&group));
    let guarded = lanes(group.guards);
    for (l, &m) in rows.iter().enumerate() {
        out[m] = if guarded & (1 << l) != 0 {
            bsm_price_exact(&Contract::from_columns(inputs, m))
        } else {
            values[l]
        };
    }
}

/// Greeks like `black::bsm_greeks` for each contract, four at a time; `outs[j]` receives
/// greek `which[j]`. Bit for bit the scalar values.
pub fn greeks_chunk(inputs: &[&[f64]; 7], which: &[crate::batch::Greek], outs: &mut [&mut [f64]]) {
    if crate::simd8::available() {
        // SAFETY: the features the kernel is compiled for are present on this CPU.
        unsafe { crate::simd8::greeks_chunk_avx512(inputs, which, outs) }
    } else if available() {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { greeks_chunk_wide(inputs, which, outs) }
    } else {
        greeks_scalar(inputs, which, outs, 0);
    }
}

pub(crate) fn greeks_scalar(
    inputs: &[&[f64]; 7],
    which: &[crate::batch::Greek],
    outs: &mut [&mut [f64]],
    from: usize,
) {
    let n = outs.first().map_or(0, |o| o.len());
    for i in from..n {
        let g = crate::black::bsm_greeks(&crate::black::Contract::from_columns(inputs, i));
        for (slot, greek) in outs.iter_mut().zip(which) {
            slot[i] = greek.pick(&g);
        }
    }
}

/// `black::bsm_greeks` of the rows `rows` outside the plain-double greeks' region: four
/// gathered into one vector group of the exact kernel, fewer (or guarded lanes) by the
/// scalar code. `slots[j]` is the index in `Greek::ALL` of `which[j]`.
#[target_feature(enable = "avx2,fma")]
pub(crate) fn exact_greeks(
    inputs: &[&[f64]; 7],
    rows: &[usize],
    which: &[crate::batch::Greek],
    slots: &[usize],
    outs: &mut [&mut [f64]],
) {
    use crate::black::{Contract, bsm_greeks};
    if rows.len() < 4 {
        for &m in rows {
            let g = bsm_greeks(&Contract::from_columns(inputs, m));
            for (slot, greek) in outs.iter_mut().zip(which) {
                slot[m] = greek.pick(&g);
            }
        }
        return;
    }
    let cols = gather_rows(inputs, rows);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let (values, guarded) = exact_greeks4(&views);
    for (l, &m) in rows.iter().enumerate() {
        if guarded & (1 << l) != 0 {
            let g = bsm_greeks(&Contract::from_columns(inputs, m));
            for (slot, greek) in outs.iter_mut().zip(which) {
                slot[m] = greek.pick(&g);
            }
        } else {
            for (slot, &idx) in outs.iter_mut().zip(slots) {
                slot[m] = to_array(values[idx])[l];
            }
        }
    }
}

/// The exact kernel's price and greeks (`black::bsm_greeks_exact`, with the price of
/// `bsm_price`) for the four contracts of `inputs`, and the mask of guarded lanes, which
/// need the scalar code.
#[target_feature(enable = "avx2,fma")]
fn exact_greeks4(inputs: &[&[f64]; 7]) -> ([V; 10], i32) {
    let i = 0;
    let g = setup4(inputs, i);
    let theta_sign = select(g.is_call, splat(1.0), splat(-1.0));
    let (fast, inside) = fast_price4(g.s, g.k, g.r, g.q, g.sigma, g.t, load(inputs[6], i));
    let price = if lanes(inside) == 0xf {
        fast
    } else {
        select(inside, fast, group_price(&g))
    };
    // bsm_greeks, operation by operation
    let h = g.h;
    let d1 = dd_add(h, g.tau);
    let d2 = dd_add(h, dd_neg(g.tau));
    let cdf_d1 = normal_cdf_dd(select_dd(g.is_call, d1, dd_neg(d1)));
    let cdf_d2 = normal_cdf_dd(select_dd(g.is_call, d2, dd_neg(d2)));
    let dividend_discount = exp_dd(dd_product(neg(g.q), g.t));
    let rate_discount = exp_dd(dd_product(neg(g.r), g.t));
    let vega_factor = mul(
        mul(g.scale, g.g_scaled),
        splat(crate::normal::FRAC_1_SQRT_2PI),
    );
    let s_total = dd_to_f64(g.total);
    let sqrt_t = dd_to_f64(g.sqrt_t);
    let spot_leg = mul(mul(g.s, dividend_discount), cdf_d1);
    let strike_leg = mul(mul(g.k, rate_discount), cdf_d2);
    let charm_numerator = dd_to_f64(dd_add(
        dd_add(g.carry, dd_neg(g.log_spot)),
        dd_mul_f64(dd_mul(g.total, g.total), splat(0.5)),
    ));
    let (d1f, d2f) = (dd_to_f64(d1), dd_to_f64(d2));
    let two_t = mul(splat(2.0), g.t);
    let u = g.unscale;
    let values: [V; 10] = [
        price,
        mul(mul(theta_sign, dividend_discount), cdf_d1),
        mul(div(div(div(vega_factor, g.s), g.s), s_total), u),
        mul(mul(vega_factor, sqrt_t), u),
        add(
            mul(div(mul(neg(vega_factor), s_total), two_t), u),
            mul(theta_sign, sub(mul(g.q, spot_leg), mul(g.r, strike_leg))),
        ),
        mul(mul(theta_sign, g.t), strike_leg),
        mul(mul(neg(theta_sign), g.t), spot_leg),
        mul(div(mul(div(neg(vega_factor), g.s), d2f), g.sigma), u),
        mul(
            div(mul(mul(mul(vega_factor, sqrt_t), d1f), d2f), g.sigma),
            u,
        ),
        sub(
            mul(mul(mul(theta_sign, g.q), dividend_discount), cdf_d1),
            mul(
                div(
                    mul(div(vega_factor, g.s), charm_numerator),
                    mul(two_t, s_total),
                ),
                u,
            ),
        ),
    ];
    (values, lanes(g.guards))
}

/// Implied vols of up to `out.len()` prices (inputs: price, s, k, r, q, t, call as +-1),
/// four inversions at a time; bit for bit the answers of `implied::implied_vol` (the
/// iteration repeats the scalar one's operations and control flow lane by lane).
// inlined into the caller's CPU-specific copy (batch.rs): `prepare` and `finish` are
// scalar code whose fused multiply-adds are otherwise library calls
#[inline(always)]
pub fn implied_chunk(inputs: &[&[f64]; 7], out: &mut [f64]) {
    use crate::implied::{Prepared, prepare};
    let mut pending: Vec<(usize, crate::implied::Problem)> = Vec::with_capacity(out.len());
    let mut first = 0;
    if available() {
        // SAFETY: the CPU has AVX2 and FMA.
        first = unsafe { prepare_groups(inputs, out, &mut pending) };
    }
    for (i, slot) in out.iter_mut().enumerate().skip(first) {
        match prepare(
            inputs[0][i],
            inputs[1][i],
            inputs[2][i],
            inputs[3][i],
            inputs[4][i],
            inputs[5][i],
            inputs[6][i] > 0.0,
        ) {
            Prepared::Done(v) => *slot = v,
            Prepared::Solve(p) => pending.push((i, p)),
        }
    }
    // Group alike problems: a group of four runs every formula any of its lanes needs, so
    // lanes that share the objective's branch and the start's formula keep each other cheap.
    // Eight kinds: a counting sort of the indices (stable, linear; a comparison sort of the
    // problems themselves was 4 % of the time).
    let kind = |p: &crate::implied::Problem| {
        let tau = 0.5 * p.start;
        let h = p.x.hi / p.start;
        usize::from(p.complement) * 4
            + usize::from(tau < crate::normalised::SMALL_TAU) * 2
            + usize::from(h < crate::normalised::MILLER_BELOW)
    };
    let mut first_of = [0usize; 9];
    for (_, p) in &pending {
        first_of[kind(p) + 1] += 1;
    }
    for j in 1..9 {
        first_of[j] += first_of[j - 1];
    }
    let mut order = vec![0usize; pending.len()];
    for (m, (_, p)) in pending.iter().enumerate() {
        let slot = &mut first_of[kind(p)];
        order[*slot] = m;
        *slot += 1;
    }
    let groups = if available() { order.len() / 4 } else { 0 };
    for g in 0..groups {
        let at: [usize; 4] = std::array::from_fn(|j| order[4 * g + j]);
        let batch: [crate::implied::Problem; 4] = std::array::from_fn(|j| pending[at[j]].1);
        // SAFETY: `available()` checked that the CPU has AVX2 and FMA.
        let totals = unsafe { solve4(&batch) };
        for j in 0..4 {
            let (i, p) = pending[at[j]];
            out[i] = p.finish(totals[j]);
        }
    }
    for &m in &order[4 * groups..] {
        let (i, p) = pending[m];
        out[i] = p.finish(p.solve());
    }
}

/// `fast::ln_any` for lanes where it is `fast::ln`; `ok` is cleared for the others.
#[target_feature(enable = "avx2,fma")]
fn ln_normal(x: V, ok: &mut V) -> V {
    *ok = and(
        *ok,
        and(ge(x, splat(f64::MIN_POSITIVE)), lt(x, splat(f64::INFINITY))),
    );
    ln(x)
}

/// `normal::inverse_normal_cdf_steps(p, 0)` (the rational model) for `p` in `(0, 0.5]`.
#[target_feature(enable = "avx2,fma")]
fn inverse_normal_cdf_lower(p: V, ok: &mut V) -> V {
    let tail = min(p, sub(splat(1.0), p));
    let u = sqrt(mul(splat(-2.0), ln_normal(tail, ok)));
    let num = add(
        add(splat(2.515_517), mul(splat(0.802_853), u)),
        mul(mul(splat(0.010_328), u), u),
    );
    let den = add(
        add(
            add(splat(1.0), mul(splat(1.432_788), u)),
            mul(mul(splat(0.189_269), u), u),
        ),
        mul(mul(mul(splat(0.001_308), u), u), u),
    );
    neg(sub(u, div(num, den)))
}

/// `implied::prepare` for the four inversions from row `i`, for the lanes set in the mask
/// returned (the common case: finite positive price below the bound, normal S/K and S K,
/// a time value above the price's rounding, start functions on normal arguments); the
/// other lanes are for the scalar `prepare`. Operation for operation the scalar code.
#[target_feature(enable = "avx2,fma")]
fn prepare4(inputs: &[&[f64]; 7], i: usize) -> ([crate::implied::Problem; 4], i32) {
    let price = load(inputs[0], i);
    let s = load(inputs[1], i);
    let k = load(inputs[2], i);
    let r = load(inputs[3], i);
    let q = load(inputs[4], i);
    let t = load(inputs[5], i);
    let is_call = gt(load(inputs[6], i), splat(0.0));
    let all = add(add(add(price, s), add(k, r)), add(q, t));
    let mut ok = and(
        eq(all, all),
        and(gt(price, splat(0.0)), lt(price, splat(f64::INFINITY))),
    );
    // S e^{-qt} for calls, K e^{-rt} for puts: one exponential on the selected inputs
    let upper = mul(
        select(is_call, s, k),
        exp_dd(dd_product(neg(select(is_call, q, r)), t)),
    );
    ok = and(ok, lt(price, upper));
    // Moneyness::new, main branch
    let ratio = dd_quotient(s, k);
    let sk = dd_product(s, k);
    ok = and(
        ok,
        and(
            ge(ratio.hi, splat(f64::MIN_POSITIVE)),
            lt(ratio.hi, splat(f64::INFINITY)),
        ),
    );
    ok = and(
        ok,
        and(
            gt(sk.hi, splat(f64::MIN_POSITIVE)),
            lt(sk.hi, splat(f64::INFINITY)),
        ),
    );
    let log_spot = ln_dd(ratio);
    let carry = dd_mul_f64(dd_sum(r, neg(q)), t);
    let scale = mul(
        dd_to_f64(dd_sqrt(sk)),
        exp_dd(dd_mul_f64(dd_sum(r, q), mul(splat(-0.5), t))),
    );
    let x = dd_add(log_spot, carry);
    let sqrt_t = dd_sqrt(dd(t, splat(0.0)));
    let x_signed = select_dd(is_call, x, dd_neg(x));
    let normalised = div(price, scale);
    let itm = gt(x_signed.hi, splat(0.0));
    let x_otm = select_dd(itm, dd_neg(x_signed), x_signed);
    let beta = select(itm, sub(normalised, two_sinh_half(x_signed)), normalised);
    ok = and(ok, gt(beta, mul(splat(f64::EPSILON), normalised)));
    let b_max = exp_dd(dd_mul_f64(x_otm, splat(0.5)));
    let beta = min(beta, mul(b_max, splat(1.0 - f64::EPSILON)));
    ok = and(ok, lt(beta, b_max));
    // problem()
    let xh = x_otm.hi;
    let ax = neg(xh);
    let s_c = sqrt(mul(splat(2.0), ax));
    let seam = mul(
        mul(splat(0.5), exp(mul(splat(0.5), xh))),
        sub(splat(1.0), erfcx(sqrt(ax))),
    );
    let below = and(gt(ax, splat(0.0)), lt(beta, seam));
    let complement = sub(b_max, beta);
    let mut start = splat(0.0);
    if lanes(and(ok, below)) != 0 {
        // lower_start
        let mut fine = splat(f64::from_bits(u64::MAX)); // all ones
        let x2 = mul(xh, xh);
        let a = add(
            ln_normal(beta, &mut fine),
            ln_normal(mul(x2, splat(std::f64::consts::TAU.sqrt())), &mut fine),
        );
        let mut u = max(div(mul(splat(-2.0), a), x2), div(splat(1.0), mul(s_c, s_c)));
        for _ in 0..crate::implied::START_NEWTON_STEPS {
            let f = sub(
                sub(
                    sub(
                        mul(mul(splat(-0.5), x2), u),
                        mul(splat(1.5), ln_normal(u, &mut fine)),
                    ),
                    div(splat(0.125), u),
                ),
                a,
            );
            let df = add(
                sub(mul(splat(-0.5), x2), div(splat(1.5), u)),
                div(splat(0.125), mul(u, u)),
            );
            let next = sub(u, div(f, df));
            u = select(gt(next, splat(0.0)), next, mul(splat(0.5), u));
        }
        let lower = min(div(splat(1.0), sqrt(u)), s_c);
        ok = and(ok, or(not(below), fine));
        start = select(below, lower, start);
    }
    if lanes(and(ok, not(below))) != 0 {
        // upper_start
        let mut fine = splat(f64::from_bits(u64::MAX));
        let two_cosh = add(exp(mul(splat(0.5), xh)), exp(mul(splat(-0.5), xh)));
        let p = min(div(complement, two_cosh), splat(0.5));
        fine = and(fine, gt(p, splat(0.0)));
        let upper_s = max(
            mul(splat(-2.0), inverse_normal_cdf_lower(p, &mut fine)),
            s_c,
        );
        ok = and(ok, or(below, fine));
        start = select(below, start, upper_s);
    }
    let bad_start = or(
        not(eq(start, start)),
        or(le(start, splat(0.0)), eq(abs(start), splat(f64::INFINITY))),
    );
    start = select(bad_start, max(mul(splat(2.0), s_c), splat(1.0)), start);
    let use_complement = gt(beta, mul(splat(0.5), b_max));
    let target = select(use_complement, complement, beta);
    let (xh_a, xl_a) = (to_array(x_otm.hi), to_array(x_otm.lo));
    let (th, st, cm) = (to_array(target), to_array(start), lanes(use_complement));
    let (rh, rl) = (to_array(sqrt_t.hi), to_array(sqrt_t.lo));
    let problems = std::array::from_fn(|j| crate::implied::Problem {
        x: crate::dd::Dd::new(xh_a[j], xl_a[j]),
        target: th[j],
        complement: cm & (1 << j) != 0,
        start: st[j],
        sqrt_t: crate::dd::Dd::new(rh[j], rl[j]),
    });
    (problems, lanes(ok))
}

/// `prepare` over the whole groups of four of `out`: the vector lanes directly, the others
/// by the scalar code. Returns the number of rows prepared.
#[target_feature(enable = "avx2,fma")]
fn prepare_groups(
    inputs: &[&[f64]; 7],
    out: &mut [f64],
    pending: &mut Vec<(usize, crate::implied::Problem)>,
) -> usize {
    use crate::implied::{Prepared, prepare};
    let groups = out.len() / 4;
    for g in 0..groups {
        let i = 4 * g;
        let (problems, handled) = prepare4(inputs, i);
        for (j, p) in problems.into_iter().enumerate() {
            if handled & (1 << j) != 0 {
                pending.push((i + j, p));
                continue;
            }
            let m = i + j;
            match prepare(
                inputs[0][m],
                inputs[1][m],
                inputs[2][m],
                inputs[3][m],
                inputs[4][m],
                inputs[5][m],
                inputs[6][m] > 0.0,
            ) {
                Prepared::Done(v) => out[m] = v,
                Prepared::Solve(p) => pending.push((m, p)),
            }
        }
    }
    4 * groups
}

/// `implied::iterate` for four problems at once.
#[target_feature(enable = "avx2,fma")]
fn solve4(ps: &[crate::implied::Problem; 4]) -> [crate::dd::Dd; 4] {
    use crate::implied::{CONVERGED, MAX_STEPS};
    let x = dd(
        from_lanes(std::array::from_fn(|j| ps[j].x.hi)),
        from_lanes(std::array::from_fn(|j| ps[j].x.lo)),
    );
    let target = from_lanes(std::array::from_fn(|j| ps[j].target));
    let complement = gt(
        from_lanes(std::array::from_fn(|j| {
            if ps[j].complement { 1.0 } else { 0.0 }
        })),
        splat(0.5),
    );
    let sign = select(complement, splat(-1.0), splat(1.0));
    let mut s = from_lanes(std::array::from_fn(|j| ps[j].start));
    // implied::pre_steps
    {
        use crate::fast::{
            MAX_ABS_X, MAX_TOTAL_VOL, MIN_EXPONENT, MIN_TOTAL_VOL, PRE_STEP_CANCELLATION,
        };
        let xh = x.hi;
        let ax = neg(xh);
        let b_max = exp(mul(splat(0.5), xh));
        let mut going = eq(s, s);
        for _ in 0..crate::implied::MAX_PRE_STEPS {
            // fast::otm_value_and_gaussian
            let tau = mul(splat(0.5), s);
            let h = neg(div(ax, s));
            let (e_hi, e_lo) = gaussian_exponent(h, tau);
            going = and(
                going,
                and(
                    ge(e_hi, splat(MIN_EXPONENT)),
                    and(
                        and(ge(s, splat(MIN_TOTAL_VOL)), le(s, splat(MAX_TOTAL_VOL))),
                        le(ax, splat(MAX_ABS_X)),
                    ),
                ),
            );
            if lanes(going) == 0 {
                break;
            }
            let g0 = exp(e_hi);
            let g = fma(g0, e_lo, g0);
            let (b, accepted) = otm_value4(h, tau, ax, g, PRE_STEP_CANCELLATION, going);
            going = and(going, accepted);
            let w = select(complement, sub(b_max, b), b);
            let ratio = div(w, target);
            going = and(
                going,
                and(
                    ge(ratio, splat(f64::MIN_POSITIVE)),
                    lt(ratio, splat(f64::INFINITY)),
                ),
            );
            let value = ln(ratio);
            let p1 = div(mul(mul(sign, splat(crate::normal::FRAC_1_SQRT_2PI)), g), w);
            let x2_s3 = div(mul(xh, xh), mul(mul(s, s), s));
            let r2 = sub(x2_s3, mul(splat(0.25), s));
            let r3 = sub(
                sub(mul(r2, r2), div(mul(splat(3.0), x2_s3), s)),
                splat(0.25),
            );
            let d2 = mul(p1, sub(r2, p1));
            let d3 = mul(
                p1,
                add(
                    sub(r3, mul(mul(splat(3.0), p1), r2)),
                    mul(mul(splat(2.0), p1), p1),
                ),
            );
            let nu = div(neg(value), p1);
            let h2 = div(d2, p1);
            let h3 = div(d3, p1);
            let numerator = mul(nu, add(splat(1.0), mul(mul(splat(0.5), h2), nu)));
            let denominator = add(splat(1.0), mul(nu, add(h2, div(mul(h3, nu), splat(6.0)))));
            let householder = div(numerator, denominator);
            // implied::pre_steps: Newton's step where Householder's points the other way, at
            // most doubling or halving s
            let step = select(gt(mul(householder, nu), splat(0.0)), householder, nu);
            let step = min(max(step, mul(splat(-0.5), s)), s);
            let next = add(s, step);
            going = and(going, and(gt(next, splat(0.0)), is_finite(next)));
            s = select(going, next, s);
            going = and(
                going,
                gt(abs(step), mul(splat(crate::implied::PRE_STEPS_DONE), s)),
            );
        }
    }
    let (mut lo, mut hi) = (splat(0.0), splat(f64::INFINITY));
    let (mut res_hi, mut res_lo) = (splat(0.0), splat(0.0));
    let mut previous = splat(f64::INFINITY);
    let mut active = eq(s, s); // all lanes
    let any_complement = lanes(complement) != 0;
    let all_complement = lanes(complement) == 0xf;
    for _ in 0..MAX_STEPS {
        if lanes(active) == 0 {
            break;
        }
        // the objective ln(w / target) and its derivatives (implied::objective)
        let h = dd_div(x, dd(s, splat(0.0)));
        let tau = dd(mul(splat(0.5), s), splat(0.0));
        let gaussian = gaussian_factor(h, tau);
        let mut w = splat(0.0);
        if !all_complement {
            w = otm_call(x, h, tau, gaussian);
        }
        if any_complement {
            w = select(complement, otm_call_complement(x, h, tau), w);
        }
        let b1 = mul(splat(crate::normal::FRAC_1_SQRT_2PI), gaussian);
        let x2_s3 = div(mul(x.hi, x.hi), mul(mul(s, s), s));
        let r2 = sub(x2_s3, mul(splat(0.25), s));
        let r3 = sub(
            sub(mul(r2, r2), div(mul(splat(3.0), x2_s3), s)),
            splat(0.25),
        );
        let p1 = div(mul(sign, b1), w);
        let ratio = dd_quotient(w, target);
        let normal_ratio = and(ge(ratio.hi, splat(f64::MIN_POSITIVE)), is_finite(ratio.hi));
        let mut value = dd_to_f64(ln_dd(ratio));
        if lanes(and(active, not(normal_ratio))) != 0 {
            // w underflowed or overflowed: the scalar logarithm's limits (-inf, +inf, ...)
            let (rh, rl, v) = (to_array(ratio.hi), to_array(ratio.lo), to_array(value));
            let fixed: [f64; 4] = std::array::from_fn(|j| {
                if rh[j] >= f64::MIN_POSITIVE && rh[j].is_finite() {
                    v[j]
                } else {
                    crate::elementary::ln_dd(crate::dd::Dd::new(rh[j], rl[j])).to_f64()
                }
            });
            value = from_lanes(fixed);
        }
        let d1 = p1;
        let d2 = mul(p1, sub(r2, p1));
        let d3 = mul(
            p1,
            add(
                sub(r3, mul(mul(splat(3.0), p1), r2)),
                mul(mul(splat(2.0), p1), p1),
            ),
        );

        let zero = and(active, eq(value, splat(0.0)));
        res_hi = select(zero, s, res_hi);
        res_lo = select(zero, splat(0.0), res_lo);
        active = and(active, not(zero));

        // b rises with s, its complement falls
        let positive = gt(value, splat(0.0));
        let too_large = select(complement, not(positive), positive);
        let too_large = and(too_large, eq(value, value)); // NaN: neither
        let too_small = and(not(too_large), eq(value, value));
        hi = select(and(active, too_large), min(hi, s), hi);
        lo = select(and(active, too_small), max(lo, s), lo);

        let nu = div(neg(value), d1);
        let h2 = div(d2, d1);
        let h3 = div(d3, d1);
        // as implied::householder3, rounding for rounding
        let numerator = mul(nu, add(splat(1.0), mul(mul(splat(0.5), h2), nu)));
        let denominator = add(splat(1.0), mul(nu, add(h2, div(mul(h3, nu), splat(6.0)))));
        let step = div(numerator, denominator);
        let converged = and(
            active,
            and(
                is_finite(step),
                and(
                    le(abs(step), mul(splat(CONVERGED), s)),
                    le(abs(nu), mul(splat(CONVERGED), s)),
                ),
            ),
        );
        let (sum_hi, sum_lo) = two_sum(s, step);
        res_hi = select(converged, sum_hi, res_hi);
        res_lo = select(converged, sum_lo, res_lo);
        active = and(active, not(converged));

        let mut next = add(s, step);
        // implied::iterate's progress test
        let stalled = and(
            gt(abs(value), splat(crate::implied::STALL_ABOVE)),
            gt(abs(value), mul(splat(0.5), previous)),
        );
        previous = abs(value);
        let inside = and(
            and(and(gt(next, lo), lt(next, hi)), is_finite(next)),
            not(and(stalled, is_finite(hi))),
        );
        let fallback = select(
            is_finite(hi),
            mul(splat(0.5), add(lo, hi)),
            mul(splat(2.0), max(s, lo)),
        );
        next = select(inside, next, fallback);
        let stuck = and(active, eq(next, s));
        res_hi = select(stuck, s, res_hi);
        res_lo = select(stuck, splat(0.0), res_lo);
        active = and(active, not(stuck));
        s = select(active, next, s);
    }
    res_hi = select(active, s, res_hi);
    res_lo = select(active, splat(0.0), res_lo);
    let (h, l) = (to_array(res_hi), to_array(res_lo));
    std::array::from_fn(|j| crate::dd::Dd::new(h[j], l[j]))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn vector_miller_series_is_bit_identical_to_the_scalar_one() {
        if !available() {
            return;
        }
        let mut rnd = crate::testing::xorshift(17);
        let mut checked = 0;
        for _ in 0..20_000 {
            // h from -1.5 down to -400, tau 1e-4..0.21; one lane in eight left out
            let h: [f64; 4] = std::array::from_fn(|_| -1.5 - (rnd() * 6.0).exp() + 1.0);
            let tau: [f64; 4] = std::array::from_fn(|_| 1e-4 + 0.2099 * rnd());
            let wanted: [f64; 4] = std::array::from_fn(|_| if rnd() < 0.125 { 0.0 } else { 1.0 });
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            let got = unsafe { miller4(h, tau, wanted) };
            for j in 0..4 {
                if wanted[j] > 0.0 {
                    let want = crate::normalised::moment_series(h[j], tau[j]);
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
        }
        assert!(checked > 60_000);
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
        cols[0][7] = f64::NAN;
        cols[4][8] = 1e-200;
        cols[5][8] = 1e-200;
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        let which = crate::batch::Greek::ALL;
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

    type GreeksKernel = fn(&[&[f64]; 7], &[crate::batch::Greek], &mut [&mut [f64]]);

    /// CSI-like contracts: nearly all lanes take the plain-double formulas, sorted by formula
    /// in `price_block_sorted`; every price must still be the scalar one, bit for bit.
    #[test]
    fn sorted_plain_double_prices_are_the_scalar_ones() {
        if !available() {
            return;
        }
        let n = 1003;
        let mut rnd = crate::testing::xorshift(5);
        let mut cols: [Vec<f64>; 7] = Default::default();
        for i in 0..n {
            let (s, k, sigma, t) = crate::testing::csi_like(&mut rnd);
            let row = [
                s,
                k,
                0.02,
                if i % 2 == 0 { 0.0 } else { 0.01 },
                sigma,
                t,
                if i % 3 == 0 { -1.0 } else { 1.0 },
            ];
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
        }
        let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
        for (kernel, vector) in every_price_kernel(&views) {
            let mut fast = 0;
            for (i, v) in vector.iter().enumerate() {
                let c = crate::black::Contract::from_columns(&views, i);
                fast += crate::fast::price(&c).is_some() as usize;
                assert_eq!(
                    v.to_bits(),
                    crate::black::bsm_price(&c).to_bits(),
                    "{kernel} row {i}: {c:?}"
                );
            }
            assert!(fast > n * 9 / 10, "only {fast} plain-double lanes");
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
                let crate::implied::Prepared::Solve(want) = crate::implied::prepare(
                    views[0][m],
                    views[1][m],
                    views[2][m],
                    views[3][m],
                    views[4][m],
                    views[5][m],
                    views[6][m] > 0.0,
                ) else {
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
        let mut vector = vec![0.0; n];
        implied_chunk(&views, &mut vector);
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
                    "row {i}: {want} vs {}",
                    vector[i]
                );
            }
        }
        assert_eq!(differ, 0, "{differ} rows differ in their last bits");
    }
}
