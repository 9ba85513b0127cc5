// The elementary functions lane by lane, written once for every width: `exp`, `ln`,
// `erfcx` (arguments above -0.99), `2 sinh(x/2)`, `exp`, `ln`, `erfcx` of double-double
// arguments and `Phi` of one (`normal_cdf_dd`). Included after the lane layer (`V`, `W`,
// `ALL`, the arithmetic, compare and select functions, `pow2`, `exponent_and_mantissa`,
// `erfcx_coefficients`, `log_table_rows`), the macros `vfn!`, `kfn!` and the double-double
// arithmetic (`lane_dd.rs`) by `one_lane.rs`
// (one lane: `math::lane1`, whose instance *is* `elementary::exp`, `ln`, `exp_dd`, `ln_dd`,
// `two_sinh_half`, `normal`'s tabulated `erfcx` and `normal_cdf_dd`, and the kernels'
// one-lane instances)
// and by `simd_plain.rs` (every vector width), so the scalar functions and their vector
// forms are one source. Nothing here names a module above `math`.

vfn! {
    /// `elementary::exp`, lane by lane
    fn exp(x: V) -> V {
        let n = round_even(mul(x, splat(LOG2_E)));
        let r = fma(neg(n), splat(LN2_LO), fma(neg(n), splat(LN2_HI), x));
        // Estrin's scheme, as the scalar code
        let r2 = mul(r, r);
        let r4 = mul(r2, r2);
        let r8 = mul(r4, r4);
        let pair = |hi: f64, lo: f64| fma(splat(hi), r, splat(lo));
        let q0 = pair(1.0 / 6.0, 0.5);
        let q1 = pair(1.0 / 120.0, 1.0 / 24.0);
        let q2 = pair(1.0 / 5_040.0, 1.0 / 720.0);
        let q3 = pair(1.0 / 362_880.0, 1.0 / 40_320.0);
        let q4 = pair(1.0 / 39_916_800.0, 1.0 / 3_628_800.0);
        let q5 = pair(1.0 / 6_227_020_800.0, 1.0 / 479_001_600.0);
        let p = fma(fma(q5, r2, q4), r8, fma(fma(q3, r2, q2), r4, fma(q1, r2, q0)));
        let er = add(fma(r2, p, r), splat(1.0));
        // every lane's 2^n normal (the usual case): one exact scaling, the same bits as the
        // two below (and no lane beyond the range's ends)
        if lanes(le(abs(n), splat(1000.0))) == ALL {
            return mul(er, pow2(n));
        }
        // outside the range the scalar code returns early; keep n sane there too
        let n = max(min(n, splat(1024.0)), splat(-1075.0));
        let n1 = floor(mul(splat(0.5), n));
        let value = mul(mul(er, pow2(n1)), pow2(sub(n, n1)));
        let value = select(gt(x, splat(709.782_712_893_384)), splat(f64::INFINITY), value);
        select(lt(x, splat(-745.2)), splat(0.0), value)
    }

    /// `normal::erfcx` for arguments above -0.99
    fn erfcx(x: V) -> V {
        let (den, den_err) = two_sum(splat(4.0), x);
        let y = div(splat(400.0), den);
        let y_lo = mul(sub(fma(neg(y), den, splat(400.0)), mul(y, den_err)), mul(y, splat(0.0025)));
        let fi = min(max(floor(y), splat(ERFCX_FIRST as f64)), splat(ERFCX_LAST as f64));
        let t = add(sub(y, add(fi, splat(0.5))), y_lo);
        let [c0, c1, c2, c3, c4, c5, c6, c7] = erfcx_coefficients(sub(fi, splat(ERFCX_FIRST as f64)));
        let t2 = mul(t, t);
        let t4 = mul(t2, t2);
        let high = fma(c7, t2, fma(c6, t, c5));
        let low = fma(fma(c4, t, c3), t2, fma(c2, t, c1));
        let table = fma(fma(high, t4, low), t, c0);
        if lanes(lt(x, splat(50.0))) == ALL {
            return table; // the usual case: no lane needs the asymptotic series
        }
        let z = div(splat(0.5), mul(x, x));
        let mut series = splat(-135_135.0);
        for coef in [10_395.0, -945.0, 105.0, -15.0, 3.0, -1.0, 1.0] {
            series = fma(series, z, splat(coef));
        }
        let asymptotic = mul(div(splat(FRAC_1_SQRT_PI), x), series);
        let far = div(splat(FRAC_1_SQRT_PI), x);
        let value = select(lt(x, splat(50.0)), table, select(lt(x, splat(1e8)), asymptotic, far));
        select(eq(x, splat(f64::INFINITY)), splat(0.0), value)
    }

    /// `2 sinh(h)` by its Taylor series, `two_sinh_half`'s form for `|h| < 0.5`
    fn two_sinh_series(h: V) -> V {
        let h2 = mul(h, h);
        let mut p = splat(1.0 / 121_645_100_408_832_000.0);
        for c in [1.0 / 355_687_428_096_000.0, 1.0 / 1_307_674_368_000.0, 1.0 / 6_227_020_800.0,
                  1.0 / 39_916_800.0, 1.0 / 362_880.0, 1.0 / 5_040.0, 1.0 / 120.0, 1.0 / 6.0] {
            p = fma(p, h2, splat(c));
        }
        mul(splat(2.0), fma(mul(h, h2), p, h))
    }

    /// `elementary::two_sinh_half`
    fn two_sinh_half(x: VDd) -> V {
        let h = mul(splat(0.5), x.hi);
        let e = exp(h);
        let series = two_sinh_series(h);
        let inv_e = div(splat(1.0), e);
        let direct = sub(e, inv_e);
        let habs = abs(h);
        let main = select(lt(habs, splat(0.5)), series, direct);
        let cosh = mul(splat(0.5), add(e, inv_e));
        fma(cosh, x.lo, main)
    }

    /// `elementary::ln` for positive normal lanes
    fn ln(x: V) -> V {
        let (e0, m0) = exponent_and_mantissa(x);
        let low = lt(m0, splat(std::f64::consts::FRAC_1_SQRT_2));
        let m = select(low, mul(splat(2.0), m0), m0);
        let e = select(low, sub(e0, splat(1023.0)), sub(e0, splat(1022.0)));
        let f = sub(m, splat(1.0));
        let s = div(f, add(splat(2.0), f));
        let z = mul(s, s);
        let z2 = mul(z, z);
        let z4 = mul(z2, z2);
        let [p0, p1, p2, p3, p4] =
            crate::consts::ATANH_PAIRS.map(|[c0, c1]| fma(splat(c1), z, splat(c0)));
        let q0 = fma(p1, z2, p0);
        let q1 = fma(p3, z2, p2);
        let r = mul(fma(fma(p4, z4, q1), z4, q0), z);
        let ln_m = fma(neg(s), sub(f, r), f);
        fma(e, splat(LN2_HI), fma(e, splat(LN2_LO), ln_m))
    }

    fn exp_dd(v: VDd) -> V {
        let base = exp(v.hi);
        let done = or(eq(base, splat(0.0)), eq(base, splat(f64::INFINITY)));
        select(done, base, fma(base, v.lo, base))
    }

    /// `elementary::ln_dd` for positive normal high parts
    fn ln_dd(value: VDd) -> VDd {
        let x = value.hi;
        // m0 in [0.5, 1) and the exponent field as a double for any bit pattern (negative,
        // NaN of either sign, infinities; a subnormal's are not its frexp, which is why
        // `elementary::ln_dd` scales those first)
        let (exp_field, m0) = exponent_and_mantissa(x);
        let e0 = sub(exp_field, splat(1022.0));
        let low = lt(m0, splat(std::f64::consts::FRAC_1_SQRT_2));
        let m = select(low, mul(m0, splat(2.0)), m0);
        let e = select(low, sub(e0, splat(1.0)), e0);
        let lo_scaled = mul(div(value.lo, x), m);
        let j = round_even(mul(m, splat(128.0)));
        // (the row is in [2, 92]: m is in [1/sqrt2, sqrt2); `log_table_rows` clamps anyway)
        let (r, neg_hi, neg_lo) = log_table_rows(sub(j, splat(LOG_FIRST as f64)));
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
        erfcx_low_part(erfcx(x.hi), x)
    }

    /// `erfcx(x.hi + x.lo)` from `e = erfcx(x.hi)`: the first-order correction for the low
    /// part, `d/dx erfcx(x) = 2x erfcx(x) - 2/sqrt(pi)` (also `normal::erfcx_dd`'s, whose
    /// `e` comes from the whole range)
    fn erfcx_low_part(e: V, x: VDd) -> V {
        add(e, mul(sub(mul(mul(splat(2.0), x.hi), e), splat(2.0 * FRAC_1_SQRT_PI)), x.lo))
    }

    /// `Phi` of a double-double argument (`normal::normal_cdf_dd` below `|z| = 1e100`)
    fn normal_cdf_dd(z: VDd) -> V {
        let frac = dd(splat(crate::consts::FRAC_1_SQRT_2.hi), splat(crate::consts::FRAC_1_SQRT_2.lo));
        let lower = le(z.hi, splat(0.0));
        let w = dd_mul(select_dd(lower, dd_neg(z), z), frac);
        let tail = mul(mul(splat(0.5), exp_dd(dd_neg(dd_mul(w, w)))), erfcx_dd(w));
        let tail = select(gt(w.hi, splat(38.5)), splat(0.0), tail);
        select(lower, tail, sub(splat(1.0), tail))
    }
}
