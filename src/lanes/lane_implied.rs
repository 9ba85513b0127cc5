// The implied-vol kernel, written once for every width: the preparation of `W` inversions
// (`prepare4`: domain, bounds, the normalised target and the start, with the mask of lanes
// that need the guarded scalar `implied::prepare`) and the iteration (`solve4`: the
// plain-double pre-steps, then Householder(3) steps on the exact objective). Included after
// `lane_exact.rs` by `simd_plain.rs` (every vector width) and by `lane1`, whose one-lane
// instance is the scalar code's: `implied::Problem::solve` is it, and `implied::prepare`
// asks it first.

vfn! {
    /// `implied::derivatives` and `implied::householder3` (the far inversion's), rounding for
    /// rounding: the
    /// Householder(3) step on the objective of value `value`, first derivative `p1` at `s`
    /// (for `x = xh`), and Newton's step.
    fn householder_step(value: V, p1: V, xh: V, s: V) -> (V, V) {
        let x2_s3 = div(mul(xh, xh), mul(mul(s, s), s));
        let r2 = sub(x2_s3, mul(splat(0.25), s));
        let r3 = sub(sub(mul(r2, r2), div(mul(splat(3.0), x2_s3), s)), splat(0.25));
        let d2 = mul(p1, sub(r2, p1));
        let d3 = mul(p1, add(sub(r3, mul(mul(splat(3.0), p1), r2)), mul(mul(splat(2.0), p1), p1)));
        let nu = div(neg(value), p1);
        let h2 = div(d2, p1);
        let h3 = div(d3, p1);
        let numerator = mul(nu, add(splat(1.0), mul(mul(splat(0.5), h2), nu)));
        let denominator = add(splat(1.0), mul(nu, add(h2, div(mul(h3, nu), splat(6.0)))));
        (div(numerator, denominator), nu)
    }

    /// `price - theta (S e^{-qt} - K e^{-rt})` rounded once, from the discount factors
    /// `e^{-qt}`, `e^{-rt}` in double-double (`implied::exact_time_value`, whose one-lane
    /// instance this is, and `prepare4`)
    fn time_value_of_legs(price: V, s: V, k: V, dividend: VDd, discount: VDd, is_call: V) -> V {
        let spot = dd_mul_f64(dividend, s);
        let strike = dd_mul_f64(discount, k);
        let intrinsic = select_dd(
            is_call,
            dd_add(spot, dd_neg(strike)),
            dd_add(strike, dd_neg(spot)),
        );
        dd_to_f64(dd_add(dd(price, splat(0.0)), dd_neg(intrinsic)))
    }

    /// `implied::exp_wide` for lanes with `|v.hi| <= EXP_WIDE_LIMIT` (the others hold
    /// garbage: their callers leave them to the scalar code).
    fn exp_wide4(v: VDd) -> VDd {
        use crate::implied::EXP_TAYLOR;
        let n = round_even(mul(v.hi, splat(std::f64::consts::LOG2_E)));
        let n = max(min(n, splat(1010.0)), splat(-1010.0));
        let ln2 = dd(splat(crate::dd::LN_2.hi), splat(crate::dd::LN_2.lo));
        let reduced = dd_mul_f64(dd_add(v, dd_neg(dd_mul_f64(ln2, n))), splat(1.0 / 64.0));
        let constant = |c: crate::dd::Dd| dd(splat(c.hi), splat(c.lo));
        let mut sum = constant(EXP_TAYLOR[0]);
        for c in &EXP_TAYLOR[1..] {
            sum = dd_add(dd_mul(sum, reduced), constant(*c));
        }
        for _ in 0..6 {
            sum = dd_mul(sum, sum);
        }
        let half = floor(mul(splat(0.5), n));
        dd_mul_f64(dd_mul_f64(sum, pow2(half)), pow2(sub(n, half)))
    }


    /// The objective `ln(w / target)`, for the lanes of `active` (the others may hold garbage).
    /// Near 1, as at nearly every exact step (the plain-double pre-steps leave `w` within
    /// about 1e-8 of `target`), it is `ln(1 + d)` of the relative difference
    /// `d = (w - target) / target`, whose subtraction is exact there (Sterbenz) and whose
    /// division rounds once: a short series instead of the double-double logarithm of the
    /// double-double quotient, which answers elsewhere (the first exact steps of the rare
    /// inversions the pre-steps could not bring close, NaN, infinities). The value only sets
    /// the last correction, of order 1e-8 of `s`: an ulp of it is far below an ulp of `s`.
    fn ln_ratio4(w: V, target: V, active: V) -> V {
        let d = div(sub(w, target), target);
        let near = le(abs(d), splat(crate::implied::LOG1P_BELOW));
        let mut value = log1p_small4(d);
        if lanes(and(active, not(near))) != 0 {
            let ratio = dd_quotient(w, target);
            let normal = and(ge(ratio.hi, splat(f64::MIN_POSITIVE)), is_finite(ratio.hi));
            let normal_ratio = or(near, normal);
            value = select(near, value, dd_to_f64(ln_dd(ratio)));
            if lanes(and(active, not(normal_ratio))) != 0 {
                // w underflowed or overflowed: the scalar logarithm's limits (-inf, +inf, ...)
                let (rh, rl, v) = (to_array(ratio.hi), to_array(ratio.lo), to_array(value));
                let fixed: [f64; W] = std::array::from_fn(|j| {
                    if rh[j] >= f64::MIN_POSITIVE && rh[j].is_finite() {
                        v[j]
                    } else {
                        crate::elementary::ln_dd(crate::dd::Dd::new(rh[j], rl[j])).to_f64()
                    }
                });
                value = from_lanes(fixed);
            }
        }
        value
    }

    /// `ln(1 + d)` for `|d| <= LOG1P_BELOW`: `d + d^2 (-1/2 + d/3 - ... + d^5/7)`, the first
    /// omitted term `d^8/8` under 2^-73 of the result.
    fn log1p_small4(d: V) -> V {
        let mut q = fma(d, splat(1.0 / 7.0), splat(-1.0 / 6.0));
        for c in [1.0 / 5.0, -1.0 / 4.0, 1.0 / 3.0, -0.5] {
            q = fma(d, q, splat(c));
        }
        fma(mul(d, d), q, d)
    }
}

kfn! {

/// `elementary::ln_any` for lanes where it is `elementary::ln`; `ok` is cleared for the others.
fn ln_normal(x: V, ok: &mut V) -> V {
    *ok = and(
        *ok,
        and(ge(x, splat(f64::MIN_POSITIVE)), lt(x, splat(f64::INFINITY))),
    );
    ln(x)
}

/// `normal::inverse_normal_cdf_steps(p, 0)` (the rational model) for `p` in `(0, 0.5]`.
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

/// `implied::prepare` for the `W` inversions from row `i`, for the lanes set in the mask
/// returned (the common case: finite positive price below the bound, normal S/K and S K,
/// a time value above the price's rounding, start functions on normal arguments); the
/// other lanes are for the scalar `prepare`. Operation for operation the scalar code.
fn prepare4(inputs: &[&[f64]; 7], i: usize) -> ([crate::implied::Problem; W], i32) {
    let price = load(inputs[0], i);
    let s = load(inputs[1], i);
    let k = load(inputs[2], i);
    let r = load(inputs[3], i);
    let q = load(inputs[4], i);
    let t = load(inputs[5], i);
    let is_call = gt(load(inputs[6], i), splat(0.0));
    let all = add(add(add(price, s), add(k, r)), add(add(q, t), load(inputs[6], i)));
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
    let LaneMoneyness { ratio, sk, x, sqrt_t, scale, .. } = moneyness(s, k, r, q, t);
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
    let x_signed = select_dd(is_call, x, dd_neg(x));
    let normalised = div(price, scale);
    let itm = gt(x_signed.hi, splat(0.0));
    // out of the money below `implied::FAR_TARGET`: the scalar code's far inversion
    ok = and(ok, or(itm, ge(normalised, splat(crate::implied::FAR_TARGET))));
    let x_otm = select_dd(itm, dd_neg(x_signed), x_signed);
    let beta = select(itm, sub(normalised, two_sinh_half(x_signed)), normalised);
    // in the money with a time value under `implied::EXACT_TIME_VALUE` of the price: the
    // intrinsic value removed in price terms first, the legs in double-double
    // (`implied::exact_time_value`, the same `time_value_of_legs`)
    let exact = and(itm, not(gt(beta, mul(splat(crate::implied::EXACT_TIME_VALUE), normalised))));
    ok = and(ok, or(exact, gt(beta, mul(splat(f64::EPSILON), normalised))));
    let beta = if lanes(and(ok, exact)) != 0 {
        let limit = splat(crate::implied::EXP_WIDE_LIMIT);
        let (qt, rt) = (dd_product(neg(q), t), dd_product(neg(r), t));
        ok = and(ok, or(not(exact), and(le(abs(qt.hi), limit), le(abs(rt.hi), limit))));
        // e^0 = 1 exactly (`exp_wide` gives (1, 0) for it): a group without dividends, or
        // without a rate, skips that exponential
        let one = dd(splat(1.0), splat(0.0));
        let zero = |v: VDd| lanes(and(eq(v.hi, splat(0.0)), eq(v.lo, splat(0.0)))) == ALL;
        let dividend = if zero(qt) { one } else { exp_wide4(qt) };
        let discount = if zero(rt) { one } else { exp_wide4(rt) };
        let tv = time_value_of_legs(price, s, k, dividend, discount, is_call);
        // at or below the intrinsic value: the scalar code's NaN
        ok = and(ok, or(not(exact), gt(tv, splat(0.0))));
        select(exact, div(tv, scale), beta)
    } else {
        beta
    };
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

/// The total volatilities of `W` inversions: the plain-double pre-steps from each start,
/// then Householder(3) steps on the exact objective `ln(w / target)` in the bracket its
/// signs narrow, each lane until its step and Newton's are below `CONVERGED` of `s` (or it
/// stalls, or hits the root); and the number of exact objectives evaluated (the most any
/// lane took).
fn solve4(ps: &[crate::implied::Problem; W]) -> ([crate::dd::Dd; W], usize) {
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
    // the pre-steps (`implied::MAX_PRE_STEPS`): Householder steps on the plain-double objective
    {
        use crate::fast::{
            MAX_ABS_X, MAX_TOTAL_VOL, MIN_EXPONENT, MIN_TOTAL_VOL, PRE_STEP_CANCELLATION,
        };
        let xh = x.hi;
        let ax = neg(xh);
        let b_max = exp(mul(splat(0.5), xh));
        let mut going = eq(s, s);
        for _ in 0..crate::implied::MAX_PRE_STEPS {
            // b and the gaussian factor in plain doubles, where the formulas apply
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
            let (householder, nu) = householder_step(value, p1, xh, s);
            // Newton's step where Householder's points the other way, at
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
    let all_complement = lanes(complement) == ALL;
    let mut evaluated = 0;
    for _ in 0..MAX_STEPS {
        if lanes(active) == 0 {
            break;
        }
        evaluated += 1;
        // the objective ln(w / target) and its derivatives
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
        let p1 = div(mul(sign, b1), w);
        let value = ln_ratio4(w, target, active);
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

        let (step, nu) = householder_step(value, p1, x.hi, s);
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
        // the progress test (`implied::STALL_ABOVE`)
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
    (std::array::from_fn(|j| crate::dd::Dd::new(h[j], l[j])), evaluated)
}

}
