// The lane layer of `simd_plain.rs` over a plain array of `W` doubles,
// every operation the scalar one per lane (`f64::mul_add`, `sqrt`, `floor`,
// `round_ties_even`, IEEE arithmetic), so the bits are the scalar code's by construction.
// Included by `one_lane.rs` (one lane: the scalar instance of the kernels, for
// `pricing::lane1` and `implied::lane1`) and by `simd_lanes` off x86-64 and aarch64 (two
// lanes; aarch64 has its NEON layer, `lanes_neon.rs`), after they define `W`, `ALL` and the macros `vfn!` and
// `kfn!`. Masks follow the x86 layers' conventions, which the kernels rely on: all-ones
// lanes from the compares, `select` and `lanes` reading each lane's sign bit, and
// `min`/`max` returning their second operand when either is NaN.

#[derive(Clone, Copy)]
pub(crate) struct V([f64; W]);

const ONES: f64 = f64::from_bits(u64::MAX);

#[inline(always)]
fn map(a: V, f: impl Fn(f64) -> f64) -> V {
    V(std::array::from_fn(|l| f(a.0[l])))
}

#[inline(always)]
fn zip(a: V, b: V, f: impl Fn(f64, f64) -> f64) -> V {
    V(std::array::from_fn(|l| f(a.0[l], b.0[l])))
}

#[inline(always)]
fn bits(a: V, b: V, f: impl Fn(u64, u64) -> u64) -> V {
    zip(a, b, |x, y| f64::from_bits(f(x.to_bits(), y.to_bits())))
}

#[inline(always)]
fn mask(a: V, b: V, f: impl Fn(f64, f64) -> bool) -> V {
    zip(a, b, |x, y| if f(x, y) { ONES } else { 0.0 })
}

vfn! {
    pub(crate) fn splat(x: f64) -> V { V([x; W]) }
    /// `1/x` in single precision (x rounded to single, then divided: relative error below
    /// 2^-23; infinite or 0 outside the single range), as a double: IEEE single
    /// arithmetic, so the same bits at every width.
    pub(crate) fn recip_single(x: V) -> V { V(x.0.map(|v| f64::from(1.0f32 / v as f32))) }
    pub(crate) fn add(a: V, b: V) -> V { zip(a, b, |x, y| x + y) }
    pub(crate) fn sub(a: V, b: V) -> V { zip(a, b, |x, y| x - y) }
    pub(crate) fn mul(a: V, b: V) -> V { zip(a, b, |x, y| x * y) }
    pub(crate) fn div(a: V, b: V) -> V { zip(a, b, |x, y| x / y) }
    /// `a * b + c` with one rounding, as `f64::mul_add`
    pub(crate) fn fma(a: V, b: V, c: V) -> V {
        V(std::array::from_fn(|l| a.0[l].mul_add(b.0[l], c.0[l])))
    }
    pub(crate) fn neg(a: V) -> V { map(a, |x| -x) }
    pub(crate) fn sqrt(a: V) -> V { map(a, f64::sqrt) }
    pub(crate) fn floor(a: V) -> V { map(a, f64::floor) }
    pub(crate) fn round_even(a: V) -> V { map(a, f64::round_ties_even) }
    /// x86's `maxpd`: `a > b ? a : b` (the second operand where either is NaN)
    pub(crate) fn max(a: V, b: V) -> V { zip(a, b, |x, y| if x > y { x } else { y }) }
    /// x86's `minpd`: `a < b ? a : b` (the second operand where either is NaN)
    pub(crate) fn min(a: V, b: V) -> V { zip(a, b, |x, y| if x < y { x } else { y }) }
    pub(crate) fn lt(a: V, b: V) -> V { mask(a, b, |x, y| x < y) }
    pub(crate) fn gt(a: V, b: V) -> V { mask(a, b, |x, y| x > y) }
    pub(crate) fn le(a: V, b: V) -> V { mask(a, b, |x, y| x <= y) }
    pub(crate) fn ge(a: V, b: V) -> V { mask(a, b, |x, y| x >= y) }
    pub(crate) fn eq(a: V, b: V) -> V { mask(a, b, |x, y| x == y) }
    pub(crate) fn or(a: V, b: V) -> V { bits(a, b, |x, y| x | y) }
    pub(crate) fn and(a: V, b: V) -> V { bits(a, b, |x, y| x & y) }
    pub(crate) fn xor(a: V, b: V) -> V { bits(a, b, |x, y| x ^ y) }
    pub(crate) fn not(a: V) -> V { map(a, |x| f64::from_bits(!x.to_bits())) }
    pub(crate) fn abs(a: V) -> V { map(a, f64::abs) }
    /// per lane: `mask ? a : b`, by the mask lane's sign bit (as `blendvpd`)
    pub(crate) fn select(mask: V, a: V, b: V) -> V {
        V(std::array::from_fn(|l| if mask.0[l].is_sign_negative() { a.0[l] } else { b.0[l] }))
    }
    /// each lane's sign bit, lane 0 lowest (as `movmskpd`)
    pub(crate) fn lanes(mask: V) -> i32 {
        let mut bits = 0;
        for l in 0..W {
            bits |= i32::from(mask.0[l].is_sign_negative()) << l;
        }
        bits
    }
    pub(crate) fn to_array(a: V) -> [f64; W] { a.0 }
    pub(crate) fn from_lanes(v: [f64; W]) -> V { V(v) }

    /// `2^n` for integral `n` in `[-1022, 1023]`, built in the exponent field (as the x86
    /// layers' shift of `n + 1023 + 2^52`, whose low bits are `n + 1023`).
    pub(crate) fn pow2(n: V) -> V {
        map(n, |x| {
            let biased = x + (1023.0 + 4_503_599_627_370_496.0);
            f64::from_bits(biased.to_bits() << 52)
        })
    }

    /// `LOG_TABLE`'s rows `row` (each lane's own, integral; clamped to the table): the
    /// reciprocal and the two parts of minus its logarithm.
    pub(crate) fn log_table_rows(row: V) -> (V, V, V) {
        let row = min(max(row, splat(0.0)), splat((LOG_TABLE.len() - 1) as f64));
        let get = |l: usize| LOG_TABLE[(row.0[l] as usize).min(LOG_TABLE.len() - 1)];
        let rows: [[f64; 3]; W] = std::array::from_fn(get);
        (
            V(std::array::from_fn(|l| rows[l][0])),
            V(std::array::from_fn(|l| rows[l][1])),
            V(std::array::from_fn(|l| rows[l][2])),
        )
    }

    /// The exponent field (as a double) and the mantissa under exponent 1022 (in [0.5, 1)
    /// for positive normal lanes): `elementary::ln`'s split, as the x86 layers form it.
    pub(crate) fn exponent_and_mantissa(x: V) -> (V, V) {
        let exponent = |v: f64| {
            let b = v.to_bits();
            f64::from_bits(((b >> 52) & 0x7ff) | 0x4330_0000_0000_0000) - 4_503_599_627_370_496.0
        };
        let mantissa = |v: f64| f64::from_bits((v.to_bits() & 0x000f_ffff_ffff_ffff) | (1022u64 << 52));
        (map(x, exponent), map(x, mantissa))
    }

    /// The eight coefficients of `erfcx`'s table rows `row` (each lane's own), as vectors.
    pub(crate) fn erfcx_coefficients(row: V) -> [V; 8] {
        // truncated towards zero and clamped, as the x86 layers read their rows
        let get = |l: usize| &ERFCX_POLY[((row.0[l] as i32).max(0) as usize).min(ERFCX_POLY.len() - 1)];
        let rows: [&[f64; 8]; W] = std::array::from_fn(get);
        std::array::from_fn(|c| V(std::array::from_fn(|l| rows[l][c])))
    }

    pub(crate) fn store(s: &mut [f64], i: usize, v: V) {
        s[i..i + W].copy_from_slice(&v.0);
    }

    pub(crate) fn load(s: &[f64], i: usize) -> V {
        V(std::array::from_fn(|l| s[i + l]))
    }
}
