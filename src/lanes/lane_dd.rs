// The double-double arithmetic lane by lane, written once for every width: error-free sums
// and products (Knuth's TwoSum, the fused multiply-add's TwoProd) and the operations on
// `VDd` values built on them. Included after the lane layer (`V`, the arithmetic, compare
// and select functions) and the macro `vfn!` by `one_lane.rs` (one lane: `math::lane1`'s
// and the kernels' scalar instances), by `math::dd` (whose `Dd` operators are its one-lane
// instance) and by `simd_plain.rs` (every vector width), before `lane_math.rs`. Nothing here
// names another module.

#[derive(Clone, Copy)]
pub(crate) struct VDd {
    pub(crate) hi: V,
    pub(crate) lo: V,
}

vfn! {
    pub(crate) fn two_sum(a: V, b: V) -> (V, V) {
        let s = add(a, b);
        let bb = sub(s, a);
        (s, add(sub(a, sub(s, bb)), sub(b, bb)))
    }

    pub(crate) fn dd(hi: V, lo: V) -> VDd { VDd { hi, lo } }

    pub(crate) fn two_prod(a: V, b: V) -> (V, V) {
        let p = mul(a, b);
        (p, fma(a, b, neg(p)))
    }

    pub(crate) fn renormalise(hi: V, lo: V) -> VDd {
        let s = add(hi, lo);
        dd(s, sub(lo, sub(s, hi)))
    }

    pub(crate) fn dd_sum(a: V, b: V) -> VDd { let (h, l) = two_sum(a, b); dd(h, l) }

    pub(crate) fn dd_product(a: V, b: V) -> VDd { let (h, l) = two_prod(a, b); dd(h, l) }

    pub(crate) fn dd_quotient(a: V, b: V) -> VDd {
        let q = div(a, b);
        let rem = fma(neg(q), b, a);
        renormalise(q, div(rem, b))
    }

    pub(crate) fn dd_add(a: VDd, b: VDd) -> VDd {
        let (s, e) = two_sum(a.hi, b.hi);
        renormalise(s, add(add(e, a.lo), b.lo))
    }

    pub(crate) fn dd_neg(a: VDd) -> VDd { dd(neg(a.hi), neg(a.lo)) }

    pub(crate) fn dd_add_f64(a: VDd, b: V) -> VDd {
        let (s, e) = two_sum(a.hi, b);
        renormalise(s, add(e, a.lo))
    }

    pub(crate) fn dd_mul(a: VDd, b: VDd) -> VDd {
        let (p, e) = two_prod(a.hi, b.hi);
        renormalise(p, add(e, add(mul(a.hi, b.lo), mul(a.lo, b.hi))))
    }

    pub(crate) fn dd_mul_f64(a: VDd, b: V) -> VDd {
        let (p, e) = two_prod(a.hi, b);
        renormalise(p, fma(a.lo, b, e))
    }

    pub(crate) fn dd_div(a: VDd, b: VDd) -> VDd {
        let q = div(a.hi, b.hi);
        let r = dd_add(a, dd_neg(dd_mul_f64(b, q)));
        renormalise(q, div(r.hi, b.hi))
    }

    /// `Dd::sqrt` for a positive high part
    pub(crate) fn dd_sqrt(a: VDd) -> VDd {
        let r = sqrt(a.hi);
        let rem = dd_add(a, dd_neg(dd_product(r, r)));
        renormalise(r, div(rem.hi, mul(splat(2.0), r)))
    }

    pub(crate) fn dd_to_f64(a: VDd) -> V { add(a.hi, a.lo) }

    pub(crate) fn select_dd(mask: V, a: VDd, b: VDd) -> VDd { dd(select(mask, a.hi, b.hi), select(mask, a.lo, b.lo)) }
}
