// The plain-double price and greeks (`fast_setup4`, `fast_price_from`, `fast_greeks_from`),
// written once for every width: included by `simd_plain.rs` (the vector widths) and by
// `lane1` (one lane: the scalar code), after the lane layer (`V`, `W`, `ALL`, the
// arithmetic, compare and select functions, `lanes`, `to_array`, `pow2`, `recip_single`,
// `exponent_and_mantissa`, `erfcx_coefficients`), the double-double arithmetic of
// `lane_dd.rs`, the elementary functions of `lane_math.rs` and the macros `vfn!` and `kfn!`. Nothing here calls the scalar code of
// another module, so the one-lane instance is a layer below `black`, which calls it.

/// What `fast_greeks_from` takes over from `fast_setup4` (which `lane1::fast_greeks` and the
/// vector greeks reuse rather than recompute: the squares of the signed and the out-of-the-money `h` are the same).
#[derive(Clone, Copy)]
struct FastParts {
    log_ratio: V,
    resid_term: V,
    carry: V,
    x: V,
    sqrt_t: V,
    total: V,
    tau: V,
    e_hi: V,
    g: V,
    scale: V,
    /// `-|x| / s` (the greeks take the signed `x / s` from it: a division less)
    h_otm: V,
}

/// Per-lane values of `fast_setup4` that `fast_finish4` needs besides `FastParts`.
#[derive(Clone, Copy)]
struct FastLanes {
    /// `-|x| / s`
    h: V,
    abs_x: V,
    itm: V,
    underflow: V,
}

vfn! {
    /// `two_sinh_half(dd(abs_x, 0))`, the in-the-money part of `b`: when every lane takes
    /// the series (`|x| < 1`, all but the deepest in-the-money contracts) the exponential
    /// and its reciprocal are skipped. The same bits: with a zero low part the full form
    /// adds `cosh * 0 = +0` to the series, which is never -0 here (`abs_x >= +0`).
    fn two_sinh_half_plain(abs_x: V) -> V {
        let h = mul(splat(0.5), abs_x);
        if lanes(lt(abs(h), splat(0.5))) == ALL {
            return two_sinh_series(h);
        }
        two_sinh_half(dd(abs_x, splat(0.0)))
    }

    /// The moment series by the upward recurrence (its branch for h >= -1.5), its weights by
    /// Clenshaw's backward recurrence (see `normalised`'s notes). Lanes
    /// outside `wanted` hold garbage (and do not raise the loop's start).
    fn moment_series_upward(h: V, tau: V, wanted: V) -> V {
        let [value] = moment_series_upward_n([h], [tau], [wanted]);
        value
    }

    /// `moment_series_upward` for `N` groups at once: each group's Clenshaw recurrence is a
    /// chain of dependent fused multiply-adds, stepped together so that one's latency hides
    /// the others'. A lane's value does not depend on the other groups': the loop starts at
    /// the highest order any wanted lane needs, and above a lane's own order its weights,
    /// and so its recurrence, are exactly 0.
    fn moment_series_upward_n<const N: usize>(h: [V; N], tau: [V; N], wanted: [V; N]) -> [V; N] {
        use crate::normalised::SERIES_ORDER;
        let order: [V; N] = std::array::from_fn(|g| series_order(tau[g]));
        // from the highest order any lane needs (above it every lane's a_k is exactly 0);
        // each start compiled on its own, so the loop unrolls into registers
        let top = (0..N).map(|g| highest_order(order[g], wanted[g])).max().unwrap_or(5);
        match top {
            5 => upward_series::<5, N>(h, tau, order),
            7 => upward_series::<7, N>(h, tau, order),
            9 => upward_series::<9, N>(h, tau, order),
            11 => upward_series::<11, N>(h, tau, order),
            13 => upward_series::<13, N>(h, tau, order),
            15 => upward_series::<15, N>(h, tau, order),
            _ => upward_series::<SERIES_ORDER, N>(h, tau, order),
        }
    }

    /// `moment_series_upward_n` with the loop started at `TOP`
    fn upward_series<const TOP: usize, const N: usize>(h: [V; N], tau: [V; N], order: [V; N]) -> [V; N] {
        use crate::normalised::{INVERSE_FACTORIALS, SERIES_ORDER, SQRT_FRAC_PI_2};
        let y: [V; N] = std::array::from_fn(|g| {
            mul(splat(SQRT_FRAC_PI_2), erfcx(mul(neg(h[g]), splat(std::f64::consts::FRAC_1_SQRT_2))))
        });
        // the odd weights only, every element written (an array of all eighteen, the even
        // ones left 0, was zeroed through memory on every call: 1.4 % of an inversion)
        let odd: [[V; SERIES_ORDER / 2 + 1]; N] = std::array::from_fn(|g| {
            let t2 = mul(tau[g], tau[g]);
            let t4 = mul(t2, t2);
            let t8 = mul(t4, t4);
            let powers =
                [splat(1.0), t2, t4, mul(t4, t2), t8, mul(t8, t2), mul(t8, t4), mul(t8, mul(t4, t2)), mul(t8, t8)];
            std::array::from_fn(|j| {
                let k = 2 * j + 1;
                if k <= TOP {
                    select(le(splat(k as f64), order[g]), mul(powers[j], splat(INVERSE_FACTORIALS[k])), splat(0.0))
                } else {
                    splat(0.0)
                }
            })
        });
        // k = TOP, TOP - 1, ..., 1 (TOP odd) as pairs (2j + 1, 2j): no test of k's parity and
        // no indexing by k inside the loop, so it unrolls (it had not, and held the weights
        // in memory)
        const { assert!(TOP % 2 == 1) };
        let mut a1 = [splat(0.0); N];
        let mut a2 = [splat(0.0); N];
        for j in (0..=TOP / 2).rev() {
            for g in 0..N {
                let ak = fma(h[g], a1[g], fma(splat((2 * j + 2) as f64), a2[g], odd[g][j]));
                a2[g] = a1[g];
                a1[g] = ak;
            }
            if j > 0 {
                for g in 0..N {
                    let ak = fma(h[g], a1[g], fma(splat((2 * j + 1) as f64), a2[g], splat(0.0)));
                    a2[g] = a1[g];
                    a1[g] = ak;
                }
            }
        }
        std::array::from_fn(|g| {
            let m1 = fma(h[g], y[g], splat(1.0));
            mul(tau[g], fma(a2[g], y[g], mul(a1[g], m1)))
        })
    }

    /// Miller's series' sum of the odd moments up to `top`, each lane's terms
    /// above its `order` left out (zero, so the sum stays zero until its first term).
    fn series_sum(m: &[V; crate::normalised::SERIES_ORDER + 1], top: usize, tau: V, order: V) -> V {
        use crate::normalised::SERIES_STEPS;
        let t2 = mul(tau, tau);
        let mut sum = splat(0.0);
        let mut k = top;
        while k >= 3 {
            let c = mul(t2, splat(SERIES_STEPS[k]));
            let term = mul(select(le(splat(k as f64), order), m[k], splat(0.0)), c);
            sum = fma(sum, c, term);
            k -= 2;
        }
        mul(add(sum, m[1]), tau)
    }

    /// `b` from the gaussian factor and the moment series
    fn series_value(gaussian: V, series: V) -> V {
        mul(mul(splat(2.0 * crate::normal::FRAC_1_SQRT_2PI), gaussian), series)
    }

    /// What Miller's series starts from: each lane's order and
    /// `m_0 = sqrt(pi/2) erfcx(-h/sqrt 2)`.
    fn series_start(h: V, tau: V) -> (V, V) {
        use crate::normalised::SQRT_FRAC_PI_2;
        let y = mul(splat(SQRT_FRAC_PI_2), erfcx(mul(neg(h), splat(std::f64::consts::FRAC_1_SQRT_2))));
        (series_order(tau), y)
    }

    /// The highest odd moment each lane's `tau` needs: term k+2 / term k is at most
    /// tau^2/(k+2), so these orders leave the remainder below 2^-62 of the sum (a NaN lane
    /// gets the highest)
    fn series_order(tau: V) -> V {
        use crate::normalised::SERIES_ORDER;
        select(lt(tau, splat(0.002)), splat(5.0),
            select(lt(tau, splat(0.01)), splat(7.0),
            select(lt(tau, splat(0.03)), splat(9.0),
            select(lt(tau, splat(0.06)), splat(11.0),
            select(lt(tau, splat(0.1)), splat(13.0),
            select(lt(tau, splat(0.15)), splat(15.0), splat(SERIES_ORDER as f64)))))))
    }

    /// The highest of `series_order`'s orders (the odd 5..=SERIES_ORDER) among the `wanted`
    /// lanes, 5 if none: by mask tests rather than a horizontal maximum through memory (13 %
    /// of the upward series' samples)
    fn highest_order(order: V, wanted: V) -> usize {
        use crate::normalised::SERIES_ORDER;
        let wanted_order = select(wanted, order, splat(5.0));
        let above = |k: f64| lanes(gt(wanted_order, splat(k))) != 0;
        if above(15.0) { SERIES_ORDER } else if above(13.0) { 15 } else if above(11.0) { 13 }
            else if above(9.0) { 11 } else if above(7.0) { 9 } else if above(5.0) { 7 } else { 5 }
    }

    /// `fast::gaussian_exponent`: `-(h^2 + tau^2)/2` as `(hi, lo)`, the squares split exactly
    fn gaussian_exponent(h: V, tau: V) -> (V, V) {
        let hh = mul(h, h);
        let hh_err = fma(h, h, neg(hh));
        let tt = mul(tau, tau);
        let tt_err = fma(tau, tau, neg(tt));
        let (sum, sum_err) = two_sum(hh, tt);
        (mul(splat(-0.5), sum), mul(splat(-0.5), add(sum_err, add(hh_err, tt_err))))
    }

    /// `fast::erfcx_of_sum`
    fn erfcx_of_sum(a: V, b: V) -> V {
        let (sum, sum_err) = two_sum(a, b);
        let f = splat(std::f64::consts::FRAC_1_SQRT_2);
        let z = mul(sum, f);
        let z_err = add(fma(sum, f, neg(z)), fma(sum, splat(crate::normalised::FRAC_1_SQRT_2.lo), mul(sum_err, f)));
        let e = erfcx(z);
        fma(fma(mul(splat(2.0), z), e, splat(-2.0 * FRAC_1_SQRT_PI)), z_err, e)
    }

    /// The plain-double `b(-|x|, s)` from `h`, `tau`, `|x|` and the gaussian factor `g` for the
    /// lanes of `wanted`, by the direct formula, the upward moment series or the difference of
    /// `erfcx`; the mask of those it accepted (the difference cancelling by at most
    /// `max_cancellation (1 + h^2)`).
    fn otm_value4(h: V, tau: V, abs_x: V, g: V, max_cancellation: f64, wanted: V) -> (V, V) {
        use crate::normalised::{DIRECT_CDF_THRESHOLD, MILLER_BELOW, SMALL_TAU};
        let frac = splat(std::f64::consts::FRAC_1_SQRT_2);
        let direct = gt(add(h, tau), splat(DIRECT_CDF_THRESHOLD));
        let series = and(not(direct), and(lt(tau, splat(SMALL_TAU)), ge(h, splat(MILLER_BELOW))));
        let difference = not(or(direct, series));
        let mut accepted = wanted;
        let mut b = splat(0.0);
        if lanes(and(wanted, difference)) != 0 {
            let e1 = erfcx_of_sum(neg(h), neg(tau));
            let e2 = erfcx_of_sum(tau, neg(h));
            let diff = sub(e1, e2);
            let refused = gt(e1, mul(mul(splat(max_cancellation), fma(h, h, splat(1.0))), diff));
            accepted = and(accepted, not(and(difference, refused)));
            b = select(difference, mul(mul(splat(0.5), g), diff), b);
        }
        if lanes(and(wanted, series)) != 0 {
            let by_series = series_value(g, moment_series_upward(h, tau, and(wanted, series)));
            b = select(series, by_series, b);
        }
        if lanes(and(wanted, direct)) != 0 {
            let e1 = erfcx(mul(add(h, tau), frac));
            let e2 = erfcx(mul(sub(tau, h), frac));
            let by_cdf = fma(mul(splat(-0.5), g), add(e1, e2), exp(mul(splat(-0.5), abs_x)));
            b = select(direct, by_cdf, b);
        }
        (b, accepted)
    }

    /// The plain-double greeks (`lane1::fast_greeks`) for `W` contracts: price and the nine greeks, and the mask of lanes
    /// it answers for, from the setup `p`, the price and the lanes it answers for (as
    /// `fast_block` leaves them).
    #[allow(clippy::too_many_arguments)]
    fn fast_greeks_from(
        s: V, r: V, q: V, t: V, call: V, p: FastParts, price: V, inside: V,
    ) -> ([V; 10], V) {
        use crate::fast::{GREEKS_MAX_ERROR, GREEKS_MIN_EXPONENT, GREEKS_TIME_RANGE};
        let FastParts { log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale, h_otm } = p;
        let log_spot = add(log_ratio, resid_term);
        // x / s: |x| / s with x's sign, the same bits (a quotient's magnitude does not depend
        // on its operands' signs)
        let h = or(abs(h_otm), and(x, splat(-0.0)));
        let vega_factor = mul(mul(scale, g), splat(crate::normal::FRAC_1_SQRT_2PI));
        let is_call = gt(call, splat(0.0));
        let theta_sign = select(is_call, splat(1.0), splat(-1.0));
        let d1 = add(h, tau);
        let d2 = sub(h, tau);
        let half = exp(mul(splat(0.5), x));
        let z1 = mul(theta_sign, d1);
        let z2 = mul(theta_sign, d2);
        let frac = splat(std::f64::consts::FRAC_1_SQRT_2);
        // one reciprocal for both quotients by e^{x/2}, one by s (gamma, vanna, charm), one
        // by 2 t sigma sqrt(t) (theta, charm, and with 2t the ones by the total vol and by
        // sigma): four divisions where the quotients took eight
        let two_t = mul(splat(2.0), t);
        let inv_half = div(splat(1.0), half);
        let inv_s = div(splat(1.0), s);
        let t_total = mul(two_t, total);
        let inv_t_total = div(splat(1.0), t_total);
        let inv_total = mul(two_t, inv_t_total);
        let inv_sigma = mul(sqrt_t, inv_total);
        let vega_s = mul(vega_factor, inv_s);
        let tail1 = mul(mul(mul(splat(0.5), g), inv_half), erfcx(mul(abs(z1), frac)));
        let tail2 = mul(mul(mul(splat(0.5), g), half), erfcx(mul(abs(z2), frac)));
        let cdf1 = select(le(z1, splat(0.0)), tail1, sub(splat(1.0), tail1));
        let cdf2 = select(le(z2, splat(0.0)), tail2, sub(splat(1.0), tail2));
        // e^0 = 1 exactly: a group without dividends (the usual case) skips one exponential
        let dividend_discount = if lanes(eq(q, splat(0.0))) == ALL { splat(1.0) } else { exp(mul(neg(q), t)) };
        let spot_leg = mul(mul(s, dividend_discount), cdf1);
        let strike_leg = mul(mul(scale, inv_half), cdf2);
        let theta_a = mul(mul(neg(vega_factor), mul(total, total)), inv_t_total);
        let theta_q = mul(q, spot_leg);
        let theta_r = mul(r, strike_leg);
        let theta = add(theta_a, mul(theta_sign, sub(theta_q, theta_r)));
        let half_total_sq = mul(mul(splat(0.5), total), total);
        let charm_numerator = add(sub(carry, log_spot), half_total_sq);
        let charm_a = mul(mul(mul(theta_sign, q), dividend_discount), cdf1);
        let charm_b = mul(mul(vega_s, charm_numerator), inv_t_total);
        let charm = sub(charm_a, charm_b);
        let unit = mul(fma(mul(splat(3.0), h), h, splat(16.0)), splat(f64::EPSILON));
        let bound = |terms: V, sum: V| le(mul(terms, unit), mul(splat(GREEKS_MAX_ERROR), abs(sum)));
        let spread = add(abs(h), tau);
        // the region does not bound t: where 2 t sigma sqrt(t) leaves this range (t = 1e-306
        // with sigma = 2e149, t = 1e307 with sigma = 3e-153) its reciprocal, and the ones
        // formed from it, overflow or vanish; the exact kernel divides one by one there
        let t_in_range = and(ge(t_total, splat(GREEKS_TIME_RANGE[0])), le(t_total, splat(GREEKS_TIME_RANGE[1])));
        let ok = and(
            and(
                and(and(ge(e_hi, splat(GREEKS_MIN_EXPONENT)), t_in_range),
                    bound(add(add(abs(theta_a), abs(theta_q)), abs(theta_r)), theta)),
                and(bound(spread, d1), bound(spread, d2)),
            ),
            and(
                bound(add(add(abs(carry), abs(log_spot)), half_total_sq), charm_numerator),
                bound(add(abs(charm_a), abs(charm_b)), charm),
            ),
        );
        let values = [
            price,
            mul(mul(theta_sign, dividend_discount), cdf1),
            mul(mul(vega_s, inv_s), inv_total),
            mul(vega_factor, sqrt_t),
            theta,
            mul(mul(theta_sign, t), strike_leg),
            mul(mul(neg(theta_sign), t), spot_leg),
            mul(mul(neg(vega_s), d2), inv_sigma),
            mul(mul(mul(mul(vega_factor, sqrt_t), d1), d2), inv_sigma),
            charm,
        ];
        (values, and(inside, ok))
    }

    /// The part of `fast_price4` before the formula for `b`: the shared values, the
    /// per-lane ones the formula needs, and the lanes in the region.
    fn fast_setup4(s: V, k: V, r: V, q: V, sigma: V, t: V, call: V) -> (FastParts, FastLanes, V) {
        use crate::fast::{MAX_ABS_X, MAX_LOG_CANCELLATION, MAX_RATE_TIME, MAX_SPOT,
                          MAX_TOTAL_VOL, MIN_EXPONENT, MIN_SPOT, MIN_TOTAL_VOL, UNDERFLOW_EXPONENT};
        let ratio = div(s, k);
        let resid = fma(neg(ratio), k, s);
        let log_ratio = ln(ratio);
        let carry = mul(sub(r, q), t);
        // the rounding of S/K relative to S (below eps S), without a division (one less of
        // the five the setup keeps the divider busy with): from a single-precision reciprocal
        // (2^-23) and two corrections of the quotient (each remainder exact), good to about
        // 2^-69 before its last rounding, so the division's bits but where the quotient lies
        // within 2^-69 of a rounding boundary. Near the money with a vanishing total vol x
        // shows every bit of this term: the single-precision quotient alone moved x by up to
        // two ulps there, one correction by one ulp in some rows
        // (`the_rounding_term_of_s_over_k_is_the_divisions`).
        let reciprocal = recip_single(s);
        let correct = |q: V| fma(fma(neg(q), s, resid), reciprocal, q);
        let resid_term = correct(correct(mul(resid, reciprocal)));
        let x = add(log_ratio, add(resid_term, carry));
        let sqrt_t = sqrt(t);
        let total = mul(sigma, sqrt_t);
        let tau = mul(splat(0.5), total);
        let abs_x = abs(x);
        let h = neg(div(abs_x, total));
        let (e_hi, e_lo) = gaussian_exponent(h, tau);
        let rt = mul(r, t);
        let qt = mul(q, t);
        let within = |v: V, lo: f64, hi: f64| and(ge(v, splat(lo)), le(v, splat(hi)));
        let underflow = lt(e_hi, splat(UNDERFLOW_EXPONENT));
        let inside = and(
            and(and(le(abs_x, splat(MAX_ABS_X)),
                    le(add(abs(log_ratio), abs(carry)), mul(splat(MAX_LOG_CANCELLATION), add(abs_x, total)))),
                and(within(total, MIN_TOTAL_VOL, MAX_TOTAL_VOL),
                    and(within(s, MIN_SPOT, MAX_SPOT), within(k, MIN_SPOT, MAX_SPOT)))),
            and(and(le(abs(rt), splat(MAX_RATE_TIME)), le(abs(qt), splat(MAX_RATE_TIME))),
                or(ge(e_hi, splat(MIN_EXPONENT)), underflow)),
        );
        let g0 = exp(e_hi);
        let g = fma(g0, e_lo, g0);
        let scale = mul(sqrt(mul(s, k)), exp(mul(splat(-0.5), mul(add(r, q), t))));
        let is_call = gt(call, splat(0.0));
        let itm = xor(is_call, le(x, splat(0.0)));
        // a NaN kind (a masked entry) is for the exact kernel's NaN answer
        let inside = and(inside, eq(call, call));
        let parts = FastParts { log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale, h_otm: h };
        let lanes4 = FastLanes { h, abs_x, itm, underflow };
        (parts, lanes4, inside)
    }

    /// The rest of `fast_price4` after `fast_setup4`: `b` by its formula, the intrinsic
    /// value, the scale. Lanes refused by the cancellation test are cleared from `inside`.
    /// The third mask: in-the-money lanes without time value to speak of, which
    /// the price leaves to its settlement (`extreme::settle_at_bounds`).
    fn fast_finish4(l: FastLanes, tau: V, g: V, scale: V, inside: V) -> (V, V, V) {
        use crate::fast::MAX_CANCELLATION;
        let FastLanes { h, abs_x, itm, underflow } = l;
        let (b, accepted) = otm_value4(h, tau, abs_x, g, MAX_CANCELLATION, and(inside, not(underflow)));
        let inside = and(inside, or(underflow, accepted));
        let b = select(underflow, splat(0.0), b);
        let (price, time_value) = price_from_b(b, abs_x, itm, lanes(and(itm, inside)) != 0, scale);
        (price, inside, time_value)
    }

    /// The price from the out-of-the-money value `b`: the intrinsic value added in the
    /// lanes of `itm` (if `any_itm`: otherwise no lane that matters is in the money), the
    /// scale; and the time value of the lanes to settle at their bounds (`settle_lanes`;
    /// infinite elsewhere).
    fn price_from_b(b: V, abs_x: V, itm: V, any_itm: bool, scale: V) -> (V, V) {
        let (value, settle) = if any_itm {
            let value = select(itm, add(b, two_sinh_half_plain(abs_x)), b);
            (value, settle_lanes(itm, b, value))
        } else {
            (b, splat(0.0))
        };
        let time_value = select(settle, mul(scale, b), splat(f64::INFINITY));
        (mul(scale, value), time_value)
    }

    /// The test for settling a lane at its bounds.
    fn settle_lanes(itm: V, b: V, value: V) -> V {
        and(itm, le(b, mul(splat(crate::extreme::SETTLE_FRACTION), add(value, splat(1.0)))))
    }

    /// The moment series by the downward (Miller) recurrence (its branch for h < -1.5): a
    /// lane starts at its own
    /// top and holds its values until then. Lanes outside `wanted` hold garbage.
    fn moment_series_miller(h: V, tau: V, wanted: V) -> V {
        let [value] = moment_series_miller_n([h], [tau], [wanted]);
        value
    }

    /// `moment_series_miller` for `N` groups at once: their recurrences are independent
    /// dependency chains, stepped together so that one's latency hides the other's (the
    /// recurrence is a chain of `MILLER_MAX` steps at most, each waiting on the last). A
    /// lane's values do not depend on the others': each starts at its own top, and the loop
    /// from the highest top over all groups only holds a lane until its own.
    fn moment_series_miller_n<const N: usize>(h: [V; N], tau: [V; N], wanted: [V; N]) -> [V; N] {
        use crate::normalised::{MILLER_MAX, RECIPROCALS, SERIES_ORDER};
        // keep the unwanted lanes finite and short
        let h: [V; N] = std::array::from_fn(|g| select(wanted[g], h[g], splat(-2.0)));
        let start: [(V, V); N] = std::array::from_fn(|g| series_start(h[g], tau[g]));
        let top: [V; N] = std::array::from_fn(|g| {
            let (order, _) = start[g];
            min(add(add(order, splat(13.0)), floor(div(splat(250.0), mul(h[g], h[g])))), splat(MILLER_MAX as f64))
        });
        let mut above: [V; N] = std::array::from_fn(|g| {
            mul(splat(0.5), add(h[g], sqrt(fma(h[g], h[g], mul(splat(4.0), add(top[g], splat(1.0)))))))
        });
        let mut here = [splat(1.0); N];
        let mut highest = 0usize;
        for g in 0..N {
            let top_g = to_array(select(wanted[g], top[g], splat(0.0))).iter().fold(0.0f64, |a, &b| a.max(b));
            highest = highest.max(top_g as usize);
        }
        let mut m = [[splat(0.0); SERIES_ORDER + 1]; N];
        let minus_h: [V; N] = std::array::from_fn(|g| neg(h[g]));
        for k in (1..=highest.min(MILLER_MAX)).rev() {
            let reciprocal = splat(RECIPROCALS[k]);
            for g in 0..N {
                // (M_{k+1} - h M_k) / k as (-h/k) M_k + M_{k+1}/k: both products are off
                // the dependency chain through M_k but the fused multiply-add's operand, so
                // a step waits for one fma and one select rather than an fma, a multiply and
                // a select
                let below = fma(mul(minus_h[g], reciprocal), here[g], mul(above[g], reciprocal));
                let active = le(splat(k as f64), top[g]);
                above[g] = select(active, here[g], above[g]);
                here[g] = select(active, below, here[g]);
                if k - 1 <= SERIES_ORDER {
                    m[g][k - 1] = here[g];
                }
            }
        }
        std::array::from_fn(|g| {
            let (order, y) = start[g];
            let norm = div(y, m[g][0]);
            let moments = m[g].map(|v| mul(v, norm));
            series_sum(&moments, highest_order(order, wanted[g]), tau[g], order)
        })
    }

    /// The plain-double price (`lane1::fast_price`) of `W` contracts before the settlement: the prices, the mask of lanes
    /// it answers for (the others hold garbage and go to the exact kernel), and the time
    /// value of the lanes to settle (infinite elsewhere).
    fn fast_price4(s: V, k: V, r: V, q: V, sigma: V, t: V, call: V) -> (V, V, V) {
        let (p, l, inside) = fast_setup4(s, k, r, q, sigma, t, call);
        fast_price_from(&p, l, inside)
    }

    /// `fast_price4` after its setup (`fast_setup4`'s three values).
    fn fast_price_from(p: &FastParts, l: FastLanes, inside: V) -> (V, V, V) {
        let (price, ok, time_value) = fast_finish4(l, p.tau, p.g, p.scale, inside);
        // lanes in the region that `fast_finish4` refused (the difference of erfcx
        // cancelled) with a small tau: Miller's series answers there
        let miller = and(and(inside, not(ok)), lt(p.tau, splat(crate::normalised::SMALL_TAU)));
        if lanes(miller) == 0 {
            return (price, ok, time_value);
        }
        let (by_series, series_time_value) = miller_finish4(l.h, p.tau, l.abs_x, p.g, p.scale, l.itm, miller);
        (
            select(miller, by_series, price),
            or(ok, miller),
            select(miller, series_time_value, time_value),
        )
    }
}

kfn! {
/// The price of lanes `fast_price_from` answers by Miller's series (the difference
/// of erfcx refused, tau small), from the setup's fields as `fast_block` keeps them.
/// Lanes outside `wanted` hold garbage.
/// The second mask: lanes to settle, as `fast_finish4`'s.
fn miller_finish4(h: V, tau: V, abs_x: V, g: V, scale: V, itm: V, wanted: V) -> (V, V) {
    let [answer] = miller_finish_n([[h, tau, abs_x, g, scale, itm]], [wanted]);
    answer
}

/// `miller_finish4` for `N` groups at once (`moment_series_miller_n`), each given as its
/// fields `[h, tau, abs_x, g, scale, itm]`.
fn miller_finish_n<const N: usize>(fields: [[V; 6]; N], wanted: [V; N]) -> [(V, V); N] {
    let series = moment_series_miller_n(fields.map(|f| f[0]), fields.map(|f| f[1]), wanted);
    std::array::from_fn(|j| {
        let [_, _, abs_x, g, scale, itm] = fields[j];
        price_from_b(series_value(g, series[j]), abs_x, itm, lanes(itm) != 0, scale)
    })
}

/// The price of lanes that all take the upward moment series (`otm_value4`'s `series`
/// lanes, in the plain-double region, no underflow), `N` groups at once
/// (`moment_series_upward_n`), each given as its fields `[h, tau, abs_x, g, scale, itm]`:
/// `fast_finish4`'s price and time value for them, the same bits.
fn upward_finish_n<const N: usize>(fields: [[V; 6]; N]) -> [(V, V); N] {
    let all = fields.map(|f| eq(f[0], f[0]));
    let series = moment_series_upward_n(fields.map(|f| f[0]), fields.map(|f| f[1]), all);
    std::array::from_fn(|j| {
        let [_, _, abs_x, g, scale, itm] = fields[j];
        price_from_b(series_value(g, series[j]), abs_x, itm, lanes(itm) != 0, scale)
    })
}
}
