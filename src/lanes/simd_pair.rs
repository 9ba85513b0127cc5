// A vector layer twice as wide as `base`'s: each value is two of `base`'s vectors, every
// operation done on both, lane for lane `base`'s arithmetic. Included by `simd_x2` (two
// AVX2 vectors), `simd_x4` (two of those) and `simd8_x2` (two AVX-512 vectors). Where a
// kernel waits on long dependency chains (the implied-vol iteration), the halves are
// independent chains the out-of-order core interleaves.

#[derive(Clone, Copy)]
pub(crate) struct V(base::V, base::V);

/// Lanes per vector, and the `lanes` bits of a mask with all of them set.
pub(crate) const W: usize = 2 * base::W;
pub(crate) const ALL: i32 = (base::ALL << base::W) | base::ALL;

macro_rules! pairwise {
    ($($name:ident($($arg:ident),*);)*) => {
        vfn! {
            $( pub(crate) fn $name($($arg: V),*) -> V { V(base::$name($($arg.0),*), base::$name($($arg.1),*)) } )*
        }
    };
}

pairwise! {
    add(a, b); sub(a, b); mul(a, b); div(a, b); fma(a, b, c); neg(a); sqrt(a); floor(a);
    round_even(a); max(a, b); min(a, b); lt(a, b); gt(a, b); le(a, b); ge(a, b); eq(a, b);
    or(a, b); and(a, b); xor(a, b); not(a); abs(a); select(mask, a, b); pow2(n);
}

vfn! {
    pub(crate) fn splat(x: f64) -> V { V(base::splat(x), base::splat(x)) }
    pub(crate) fn recip_single(x: V) -> V { V(base::recip_single(x.0), base::recip_single(x.1)) }
    pub(crate) fn lanes(mask: V) -> i32 { base::lanes(mask.0) | (base::lanes(mask.1) << base::W) }
    pub(crate) fn to_array(a: V) -> [f64; W] {
        let (lo, hi) = (base::to_array(a.0), base::to_array(a.1));
        std::array::from_fn(|l| if l < base::W { lo[l] } else { hi[l - base::W] })
    }
    pub(crate) fn from_lanes(v: [f64; W]) -> V {
        V(base::from_lanes(std::array::from_fn(|l| v[l])), base::from_lanes(std::array::from_fn(|l| v[l + base::W])))
    }
    pub(crate) fn store(s: &mut [f64], i: usize, v: V) {
        base::store(s, i, v.0);
        base::store(s, i + base::W, v.1);
    }
    pub(crate) fn load(s: &[f64], i: usize) -> V { V(base::load(s, i), base::load(s, i + base::W)) }
    pub(crate) fn log_table_rows(row: V) -> (V, V, V) {
        let (a0, a1, a2) = base::log_table_rows(row.0);
        let (b0, b1, b2) = base::log_table_rows(row.1);
        (V(a0, b0), V(a1, b1), V(a2, b2))
    }
    pub(crate) fn exponent_and_mantissa(x: V) -> (V, V) {
        let (e0, m0) = base::exponent_and_mantissa(x.0);
        let (e1, m1) = base::exponent_and_mantissa(x.1);
        (V(e0, e1), V(m0, m1))
    }
    pub(crate) fn erfcx_coefficients(row: V) -> [V; 8] {
        let (a, b) = (base::erfcx_coefficients(row.0), base::erfcx_coefficients(row.1));
        std::array::from_fn(|j| V(a[j], b[j]))
    }
    /// `fast_block`'s sorting: each half by `base`'s
    pub(crate) fn append_lanes(mask: i32, first: u32, list: &mut [u32], count: usize) -> usize {
        let count = base::append_lanes(mask & base::ALL, first, list, count);
        base::append_lanes(mask >> base::W, first + base::W as u32, list, count)
    }
    pub(crate) fn gather_lanes(field: &[f64], rows: &[u32]) -> V {
        V(base::gather_lanes(field, rows), base::gather_lanes(field, &rows[base::W..]))
    }
    pub(crate) fn scatter_lanes(prices: &mut [f64], rows: &[u32], values: V) {
        base::scatter_lanes(prices, rows, values.0);
        base::scatter_lanes(prices, &rows[base::W..], values.1);
    }
}
