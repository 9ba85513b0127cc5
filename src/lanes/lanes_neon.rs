// The lane layer of `simd_plain.rs` in NEON's 128-bit registers: two doubles per vector, each
// operation one AdvSIMD instruction (IEEE arithmetic, fused multiply-add, square root,
// rounding towards minus infinity and to nearest-even), so every lane rounds as the scalar
// code does and the bits are the scalar ones. Included by `simd_lanes` on aarch64, where NEON
// is part of the base instruction set (no run-time detection). Written with
// `std::arch::aarch64` rather than as two-element arrays (`lanes_array.rs`, which other
// targets keep): the compiler left nine in ten of the arrays' operations scalar (counted in
// the aarch64 objects: 154 two-lane against 1,851 one-lane floating-point instructions in the
// price kernel). Masks follow the x86 layers' conventions, which the kernels rely on:
// all-ones lanes from the compares, `select` and `lanes` reading each lane's sign bit, and
// `min`/`max` returning their second operand when either is NaN.

use std::arch::aarch64::*;

#[derive(Clone, Copy)]
pub(crate) struct V(float64x2_t);

vfn! {
    fn bits(a: V) -> uint64x2_t { vreinterpretq_u64_f64(a.0) }
    fn from_bits(b: uint64x2_t) -> V { V(vreinterpretq_f64_u64(b)) }
    /// Each lane's sign bit spread over the lane (`blendvpd`'s reading of a mask).
    fn sign_mask(a: V) -> uint64x2_t {
        vreinterpretq_u64_s64(vshrq_n_s64::<63>(vreinterpretq_s64_f64(a.0)))
    }

    pub(crate) fn splat(x: f64) -> V { V(vdupq_n_f64(x)) }
    /// `1/x` in single precision (x rounded to single, then divided: relative error below
    /// 2^-23; infinite or 0 outside the single range), as a double: IEEE single
    /// arithmetic, so the same bits at every width.
    pub(crate) fn recip_single(x: V) -> V {
        V(vcvt_f64_f32(vdiv_f32(vdup_n_f32(1.0), vcvt_f32_f64(x.0))))
    }
    pub(crate) fn add(a: V, b: V) -> V { V(vaddq_f64(a.0, b.0)) }
    pub(crate) fn sub(a: V, b: V) -> V { V(vsubq_f64(a.0, b.0)) }
    pub(crate) fn mul(a: V, b: V) -> V { V(vmulq_f64(a.0, b.0)) }
    pub(crate) fn div(a: V, b: V) -> V { V(vdivq_f64(a.0, b.0)) }
    /// `a * b + c` with one rounding, as `f64::mul_add`
    pub(crate) fn fma(a: V, b: V, c: V) -> V { V(vfmaq_f64(c.0, a.0, b.0)) }
    pub(crate) fn neg(a: V) -> V { V(vnegq_f64(a.0)) }
    pub(crate) fn sqrt(a: V) -> V { V(vsqrtq_f64(a.0)) }
    pub(crate) fn floor(a: V) -> V { V(vrndmq_f64(a.0)) }
    pub(crate) fn round_even(a: V) -> V { V(vrndnq_f64(a.0)) }
    /// x86's `maxpd`: `a > b ? a : b` (the second operand where either is NaN; NEON's own
    /// `fmax` would give NaN)
    pub(crate) fn max(a: V, b: V) -> V { V(vbslq_f64(vcgtq_f64(a.0, b.0), a.0, b.0)) }
    /// x86's `minpd`: `a < b ? a : b` (the second operand where either is NaN)
    pub(crate) fn min(a: V, b: V) -> V { V(vbslq_f64(vcltq_f64(a.0, b.0), a.0, b.0)) }
    pub(crate) fn lt(a: V, b: V) -> V { from_bits(vcltq_f64(a.0, b.0)) }
    pub(crate) fn gt(a: V, b: V) -> V { from_bits(vcgtq_f64(a.0, b.0)) }
    pub(crate) fn le(a: V, b: V) -> V { from_bits(vcleq_f64(a.0, b.0)) }
    pub(crate) fn ge(a: V, b: V) -> V { from_bits(vcgeq_f64(a.0, b.0)) }
    pub(crate) fn eq(a: V, b: V) -> V { from_bits(vceqq_f64(a.0, b.0)) }
    pub(crate) fn or(a: V, b: V) -> V { from_bits(vorrq_u64(bits(a), bits(b))) }
    pub(crate) fn and(a: V, b: V) -> V { from_bits(vandq_u64(bits(a), bits(b))) }
    pub(crate) fn xor(a: V, b: V) -> V { from_bits(veorq_u64(bits(a), bits(b))) }
    pub(crate) fn not(a: V) -> V {
        from_bits(vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(bits(a)))))
    }
    pub(crate) fn abs(a: V) -> V { V(vabsq_f64(a.0)) }
    /// per lane: `mask ? a : b`, by the mask lane's sign bit (as `blendvpd`)
    pub(crate) fn select(mask: V, a: V, b: V) -> V { V(vbslq_f64(sign_mask(mask), a.0, b.0)) }
    /// each lane's sign bit, lane 0 lowest (as `movmskpd`)
    pub(crate) fn lanes(mask: V) -> i32 {
        let signs = vshrq_n_u64::<63>(bits(mask));
        (vgetq_lane_u64::<0>(signs) | (vgetq_lane_u64::<1>(signs) << 1)) as i32
    }
    pub(crate) fn to_array(a: V) -> [f64; W] { [vgetq_lane_f64::<0>(a.0), vgetq_lane_f64::<1>(a.0)] }
    pub(crate) fn from_lanes(v: [f64; W]) -> V { V(vsetq_lane_f64::<1>(v[1], vdupq_n_f64(v[0]))) }

    /// `2^n` for integral `n` in `[-1022, 1023]`, built in the exponent field (as the x86
    /// layers' shift of `n + 1023 + 2^52`, whose low bits are `n + 1023`).
    pub(crate) fn pow2(n: V) -> V {
        let biased = add(n, splat(1023.0 + 4_503_599_627_370_496.0));
        from_bits(vshlq_n_u64::<52>(bits(biased)))
    }

    /// `LOG_TABLE`'s rows `row` (each lane's own, integral; clamped to the table): the
    /// reciprocal and the two parts of minus its logarithm.
    pub(crate) fn log_table_rows(row: V) -> (V, V, V) {
        let row = min(max(row, splat(0.0)), splat((LOG_TABLE.len() - 1) as f64));
        let [r0, r1] = to_array(row).map(|r| LOG_TABLE[(r as usize).min(LOG_TABLE.len() - 1)]);
        (
            from_lanes([r0[0], r1[0]]),
            from_lanes([r0[1], r1[1]]),
            from_lanes([r0[2], r1[2]]),
        )
    }

    /// The exponent field (as a double) and the mantissa under exponent 1022 (in [0.5, 1)
    /// for positive normal lanes): `elementary::ln`'s split, as the x86 layers form it.
    pub(crate) fn exponent_and_mantissa(x: V) -> (V, V) {
        let b = bits(x);
        let field = vorrq_u64(
            vandq_u64(vshrq_n_u64::<52>(b), vdupq_n_u64(0x7ff)),
            vdupq_n_u64(0x4330_0000_0000_0000),
        );
        let exponent = sub(from_bits(field), splat(4_503_599_627_370_496.0));
        let mantissa = from_bits(vorrq_u64(
            vandq_u64(b, vdupq_n_u64(0x000f_ffff_ffff_ffff)),
            vdupq_n_u64(1022u64 << 52),
        ));
        (exponent, mantissa)
    }

    /// The eight coefficients of `erfcx`'s table rows `row` (each lane's own), as vectors:
    /// each row four two-lane loads, the pairs of rows zipped into coefficient vectors.
    pub(crate) fn erfcx_coefficients(row: V) -> [V; 8] {
        // truncated towards zero and clamped, as the x86 layers read their rows
        let at = |r: f64| &ERFCX_POLY[((r as i32).max(0) as usize).min(ERFCX_POLY.len() - 1)];
        let [a, b] = to_array(row).map(at);
        let mut out = [splat(0.0); 8];
        for c in (0..8).step_by(2) {
            // SAFETY: `c + 1 < 8`: each load reads two of a row's eight doubles.
            let (pa, pb) = unsafe { (vld1q_f64(a[c..].as_ptr()), vld1q_f64(b[c..].as_ptr())) };
            out[c] = V(vzip1q_f64(pa, pb));
            out[c + 1] = V(vzip2q_f64(pa, pb));
        }
        out
    }

    pub(crate) fn store(s: &mut [f64], i: usize, v: V) {
        let slot = &mut s[i..i + W];
        // SAFETY: `slot` holds the two doubles the store writes.
        unsafe { vst1q_f64(slot.as_mut_ptr(), v.0) }
    }

    pub(crate) fn load(s: &[f64], i: usize) -> V {
        let slot = &s[i..i + W];
        // SAFETY: `slot` holds the two doubles the load reads.
        V(unsafe { vld1q_f64(slot.as_ptr()) })
    }
}
