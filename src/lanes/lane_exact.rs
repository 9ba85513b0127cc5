// The exact kernel (double-double where an error would be amplified), written once for
// every width: the normalised Black function's formulas
// (`otm_call` and its three evaluations), the setup of a group of contracts (`setup4`, with
// the mask of lanes that need the guarded scalar paths of `black`), its price
// (`group_price`) and its price and greeks (`exact_greeks4`). Included after `lane_fast.rs`
// by `simd_plain.rs` (every vector width) and by `lane1` (the one-lane instance, which is
// the scalar code's common path: `black::bsm_price_exact` and `bsm_greeks_exact` take it
// and keep their own code only for the lanes it guards).

vfn! {
    /// `normalised::gaussian_factor`
    fn gaussian_factor(h: VDd, tau: VDd) -> V {
        let g = exp_dd(dd_mul_f64(dd_add(dd_mul(h, h), dd_mul(tau, tau)), splat(-0.5)));
        select(or(gt(abs(h.hi), splat(1e100)), gt(tau.hi, splat(1e100))), splat(0.0), g)
    }

    /// `b(x, s)` by the plain difference of `Phi` (for `h + tau > 0.85`)
    fn otm_call_cdf_difference(x: VDd, h: VDd, tau: VDd) -> V {
        let half_x = dd_mul_f64(x, splat(0.5));
        sub(mul(exp_dd(half_x), normal_cdf_dd(dd_add(h, tau))),
            mul(exp_dd(dd_neg(half_x)), normal_cdf_dd(dd_add(h, dd_neg(tau)))))
    }

    /// `e^{x/2} - b(x, s)` for `x <= 0`: `e^{x/2} Phi(-(h+tau)) + e^{-x/2} Phi(h-tau)`, two
    /// positive terms, accurate where `b` is close to its bound
    fn otm_call_complement(x: VDd, h: VDd, tau: VDd) -> V {
        let half_x = dd_mul_f64(x, splat(0.5));
        add(mul(exp_dd(half_x), normal_cdf_dd(dd_neg(dd_add(h, tau)))),
            mul(exp_dd(dd_neg(half_x)), normal_cdf_dd(dd_add(h, dd_neg(tau)))))
    }

    /// `b(x, s)` by the difference of `erfcx`
    fn otm_call_erfcx_difference(h: VDd, tau: VDd, gaussian: V) -> V {
        let frac = dd(splat(crate::normalised::FRAC_1_SQRT_2.hi), splat(crate::normalised::FRAC_1_SQRT_2.lo));
        let upper = erfcx_dd(dd_mul(dd_neg(dd_add(h, tau)), frac));
        let lower = erfcx_dd(dd_mul(dd_neg(dd_add(h, dd_neg(tau))), frac));
        mul(mul(splat(0.5), gaussian), sub(upper, lower))
    }

    /// `b(x, s)` of the out-of-the-money call (`x <= 0`), each lane by its form: the plain
    /// difference of `Phi` above `h + tau = 0.85`, 0 where the gaussian factor underflowed,
    /// the moment series for `tau < 0.21` (upward, or Miller's below `h = -1.5`), the
    /// difference of `erfcx` otherwise (see `normalised`'s notes); each form runs only if a
    /// lane takes it.
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
            let by_series = series_value(gaussian, moment_series_upward(h.hi, tau.hi, upward));
            value = select(upward, by_series, value);
        }
        if lanes(cdf) != 0 {
            value = select(cdf, otm_call_cdf_difference(x, h, tau), value);
        }
        if lanes(miller) != 0 {
            let by_series = series_value(gaussian, moment_series_miller(h.hi, tau.hi, miller));
            value = select(miller, by_series, value);
        }
        value
    }

    fn is_finite(a: V) -> V { lt(abs(a), splat(f64::INFINITY)) }

    /// `low <= v <= high` (NaN is not)
    fn within(v: V, bounds: [f64; 2]) -> V {
        and(ge(v, splat(bounds[0])), le(v, splat(bounds[1])))
    }

    /// Inside `FAR_SCALE`.
    fn in_far_range(v: V) -> V {
        within(v, crate::ranges::FAR_SCALE)
    }

    /// The lanes whose price `black::price_far` must form (`Setup::is_far`, whose one-lane
    /// instance this is): the scale outside `FAR_SCALE`, or the value: in the money (or out
    /// of it with `b` about `e^{-|x|/2} Phi(h + tau)`, `(h + tau) > DIRECT_CDF_THRESHOLD`)
    /// beyond `FAR_LOG_MONEYNESS`, else with the gaussian exponent at or below
    /// `FAR_EXPONENT`. From the scale, the signed log-moneyness, the high parts of the
    /// out-of-the-money `h + tau` and of the gaussian exponent.
    fn far_lanes(scale: V, x_signed: V, h_plus_tau: V, exponent: V) -> V {
        let itm = gt(x_signed, splat(0.0));
        let direct = gt(h_plus_tau, splat(crate::normalised::DIRECT_CDF_THRESHOLD));
        let value_in_range = select(
            or(itm, direct),
            le(abs(x_signed), splat(crate::ranges::FAR_LOG_MONEYNESS)),
            not(le(exponent, splat(crate::ranges::FAR_EXPONENT))),
        );
        not(and(in_far_range(scale), value_in_range))
    }

}

/// Everything the price and greeks kernels share for `W` contracts: `Moneyness::new`,
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

/// What does not depend on the volatility (`black::Moneyness::new`'s main branch, whose
/// one-lane instance this is, for `S/K` and `S K` in the normal range): shared by the
/// price and greeks kernels (`setup4`) and the implied-vol kernel (`prepare4`).
#[derive(Clone, Copy)]
pub(crate) struct LaneMoneyness {
    /// S/K and S K in double-double (the callers test their range)
    pub(crate) ratio: VDd,
    pub(crate) sk: VDd,
    /// ln(S/K), (r - q) t and x = ln(F/K)
    pub(crate) log_spot: VDd,
    pub(crate) carry: VDd,
    pub(crate) x: VDd,
    pub(crate) sqrt_t: VDd,
    /// sqrt(S K) and e^{-(r+q)t/2}, whose product is the scale (read by the one-lane
    /// instance, whose caller forms sqrt(S K) otherwise where S K leaves the normal range)
    #[allow(dead_code)]
    pub(crate) sqrt_sk: V,
    #[allow(dead_code)]
    pub(crate) half_discount: V,
    pub(crate) scale: V,
}

vfn! {
/// `LaneMoneyness` of the inputs
fn moneyness(s: V, k: V, r: V, q: V, t: V) -> LaneMoneyness {
    let ratio = dd_quotient(s, k);
    let log_spot = ln_dd(ratio);
    let carry = dd_mul_f64(dd_sum(r, neg(q)), t);
    let sk = dd_product(s, k);
    let sqrt_sk = dd_to_f64(dd_sqrt(sk));
    let half_discount = exp_dd(dd_mul_f64(dd_sum(r, q), mul(splat(-0.5), t)));
    LaneMoneyness {
        ratio,
        sk,
        log_spot,
        carry,
        x: dd_add(log_spot, carry),
        sqrt_t: dd_sqrt(dd(t, splat(0.0))),
        sqrt_sk,
        half_discount,
        scale: mul(sqrt_sk, half_discount),
    }
}
}

/// What the exact greeks' formulas take: the contract (`theta_sign` +-1), the scale and the
/// gaussian factor as `(g_scaled, unscale)`, `d1`, `d2`, `Phi` of the signed ones, the
/// discount factors, the total vol, `sqrt t` and charm's numerator, each formed by the
/// caller (`exact_greeks4`, or `black::greeks_guarded` through the one-lane instance, for the
/// contracts `setup4` guards).
#[derive(Clone, Copy)]
pub(crate) struct GreekParts<T = V> {
    pub(crate) s: T,
    pub(crate) k: T,
    pub(crate) r: T,
    pub(crate) q: T,
    pub(crate) sigma: T,
    pub(crate) t: T,
    pub(crate) theta_sign: T,
    pub(crate) scale: T,
    pub(crate) g_scaled: T,
    pub(crate) unscale: T,
    pub(crate) d1: T,
    pub(crate) d2: T,
    pub(crate) cdf_d1: T,
    pub(crate) cdf_d2: T,
    pub(crate) dividend_discount: T,
    pub(crate) rate_discount: T,
    pub(crate) s_total: T,
    pub(crate) sqrt_t: T,
    pub(crate) charm_numerator: T,
}


vfn! {
/// The nine greeks in `Greek::ALL`'s order after the price (`black::bsm_greeks_exact`'s
/// formulas, one source for the scalar and the vector code), the mask of lanes whose factors
/// stay in the range where these products are normal (the others take `black::greeks_far`),
/// and the mask of lanes with the gaussian factor kept scaled and the rest moderate
/// (`MODERATE`).
fn greeks_of_parts(p: &GreekParts) -> ([V; 9], V, V) {
    let GreekParts {
        s, k, r, q, sigma, t, theta_sign, scale, g_scaled, unscale: u, d1, d2, cdf_d1, cdf_d2,
        dividend_discount, rate_discount, s_total, sqrt_t, charm_numerator,
    } = *p;
    // S e^{-qt} phi(d1) = K e^{-rt} phi(d2), formed without either tail exponential; every
    // product with it is multiplied by `unscale` last
    let vega_factor = mul(mul(scale, g_scaled), splat(crate::normal::FRAC_1_SQRT_2PI));
    // S e^{-qt} Phi(theta d1) and K e^{-rt} Phi(theta d2)
    let spot_leg = mul(mul(s, dividend_discount), cdf_d1);
    let strike_leg = mul(mul(k, rate_discount), cdf_d2);
    let two_t = mul(splat(2.0), t);
    let values: [V; 9] = [
        mul(mul(theta_sign, dividend_discount), cdf_d1),
        mul(div(div(div(vega_factor, s), s), s_total), u),
        mul(mul(vega_factor, sqrt_t), u),
        add(
            mul(div(mul(neg(vega_factor), s_total), two_t), u),
            mul(theta_sign, sub(mul(q, spot_leg), mul(r, strike_leg))),
        ),
        mul(mul(theta_sign, t), strike_leg),
        mul(mul(neg(theta_sign), t), spot_leg),
        mul(div(mul(div(neg(vega_factor), s), d2), sigma), u),
        mul(div(mul(mul(mul(vega_factor, sqrt_t), d1), d2), sigma), u),
        // (2t and s_total divided one by one: their product underflowed for t = 1e-300)
        sub(
            mul(mul(mul(theta_sign, q), dividend_discount), cdf_d1),
            mul(div(div(mul(div(vega_factor, s), charm_numerator), two_t), s_total), u),
        ),
    ];
    // the factors leave the range where their products stay normal (e^{-rt} or K e^{-rt}
    // overflowing against a vanishing Phi(d2); S e^{-qt} phi(d1) below it while gamma, its
    // ratio to S^2, is a number): `greeks_far` forms the greeks in logarithms, unless the
    // gaussian factor is kept scaled and the rest is moderate
    let scaled = scaled_in_range(u, scale, [s, k, t, sigma, s_total], [d1, d2, charm_numerator]);
    let in_range = and(
        and(in_far_range(dividend_discount), in_far_range(rate_discount)),
        and(
            and(in_far_range(mul(s, dividend_discount)), in_far_range(mul(k, rate_discount))),
            and(
                and(
                    leg_in_range(cdf_d1, dividend_discount, s, t, q),
                    leg_in_range(cdf_d2, rate_discount, k, t, r),
                ),
                or(in_far_range(mul(mul(scale, g_scaled), u)), scaled),
            ),
        ),
    );
    (values, in_range, scaled)
}
}

kfn! {
fn setup4(inputs: &[&[f64]; 7], i: usize) -> Group {
    let s = load(inputs[0], i);
    let k = load(inputs[1], i);
    let r = load(inputs[2], i);
    let q = load(inputs[3], i);
    let sigma = load(inputs[4], i);
    let t = load(inputs[5], i);
    let call = load(inputs[6], i);
    let LaneMoneyness { ratio, sk, log_spot, carry, x, sqrt_t, scale, .. } = moneyness(s, k, r, q, t);
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
    let deep = le(exponent.hi, splat(crate::ranges::FAR_EXPONENT));
    let ln2 = dd(splat(crate::dd::LN_2.hi), splat(crate::dd::LN_2.lo));
    let shifted = dd_add(exponent, dd_mul_f64(ln2, splat(1000.0)));
    let g_scaled = exp_dd(select_dd(deep, shifted, exponent));
    let unscale = select(deep, splat(2f64.powi(-1000)), splat(1.0));

    let inputs_sum = add(add(add(s, k), call), add(add(r, q), add(sigma, t)));
    let any_nan = not(eq(inputs_sum, inputs_sum));
    // `extreme::is_extreme`, on the same plain products: these lanes take the legs' form
    let limit = splat(crate::extreme::EXTREME);
    let extreme = not(and(
        and(le(abs(mul(r, t)), limit), le(abs(mul(q, t)), limit)),
        le(mul(sigma, sqrt(t)), limit),
    ));
    let any_nan = or(any_nan, extreme);
    let big = splat(1e100);
    let guards = or(
        or(
            any_nan,
            // (not-inside rather than outside: S/K = inf makes the quotient's high part NaN)
            not(and(
                ge(ratio.hi, splat(f64::MIN_POSITIVE)),
                lt(ratio.hi, splat(f64::INFINITY)),
            )),
        ),
        or(
            not(and(
                gt(sk.hi, splat(f64::MIN_POSITIVE)),
                lt(sk.hi, splat(f64::INFINITY)),
            )),
            or(
                or(gt(abs(h.hi), big), gt(tau.hi, big)),
                lt(total.hi, splat(crate::ranges::VANISHING_TOTAL_VOL)),
            ),
        ),
    );
    // `Setup::is_far`: these lanes are priced by `black::price_far`, through the scalar code
    let guards = or(guards, far_lanes(scale, xs.hi, dd_add(h_otm, tau).hi, exponent.hi));
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

/// `normalised_value` times the scale: the price of a group, and its time value (the
/// out-of-the-money part times the scale), as `black::price_in_range` gives them.
fn group_price(g: &Group) -> (V, V) {
    let gaussian = mul(g.g_scaled, g.unscale);
    let otm = otm_call(g.x_otm, g.h_otm, g.tau, gaussian);
    let value = select(g.itm, add(two_sinh_half(g.xs), otm), otm);
    (mul(g.scale, value), mul(g.scale, otm))
}

/// The exact kernel's price and greeks (`black::bsm_greeks_exact`; with `plain_price`, the
/// price of `bsm_price`, the plain-double kernel's where it answers, as `black::bsm_greeks`
/// gives it) for the `W` contracts of `inputs`, the mask of guarded lanes, which need the
/// scalar code, and each price's time value for its settlement (infinite where the
/// plain-double kernel priced it, as `black::bsm_greeks` settles those).
fn exact_greeks4(inputs: &[&[f64]; 7], plain_price: bool) -> ([V; 10], i32, V) {
    let i = 0;
    let g = setup4(inputs, i);
    let theta_sign = select(g.is_call, splat(1.0), splat(-1.0));
    let (price, time_value) = if plain_price {
        let (fast, inside, fast_time_value) =
            fast_price4(g.s, g.k, g.r, g.q, g.sigma, g.t, load(inputs[6], i));
        if lanes(inside) == ALL {
            (fast, fast_time_value)
        } else {
            let (exact, time_value) = group_price(&g);
            (
                select(inside, fast, exact),
                select(inside, fast_time_value, time_value),
            )
        }
    } else {
        group_price(&g)
    };
    // `black::bsm_greeks_exact`'s parts
    let h = g.h;
    let d1 = dd_add(h, g.tau);
    let d2 = dd_add(h, dd_neg(g.tau));
    let parts = GreekParts {
        s: g.s,
        k: g.k,
        r: g.r,
        q: g.q,
        sigma: g.sigma,
        t: g.t,
        theta_sign,
        scale: g.scale,
        g_scaled: g.g_scaled,
        unscale: g.unscale,
        d1: dd_to_f64(d1),
        d2: dd_to_f64(d2),
        cdf_d1: normal_cdf_dd(select_dd(g.is_call, d1, dd_neg(d1))),
        cdf_d2: normal_cdf_dd(select_dd(g.is_call, d2, dd_neg(d2))),
        dividend_discount: exp_dd(dd_product(neg(g.q), g.t)),
        rate_discount: exp_dd(dd_product(neg(g.r), g.t)),
        s_total: dd_to_f64(g.total),
        sqrt_t: dd_to_f64(g.sqrt_t),
        charm_numerator: charm_numerator(g.carry, g.log_spot, g.total),
    };
    let (greeks, factors_in_range, _) = greeks_of_parts(&parts);
    let values: [V; 10] = std::array::from_fn(|j| if j == 0 { price } else { greeks[j - 1] });
    // `bsm_greeks_exact`'s cases for `greeks_far`, beyond the price's: lanes for the scalar
    // code
    (values, lanes(or(g.guards, not(factors_in_range))), time_value)
}
}

vfn! {
/// Charm's numerator `(r - q) t - ln(S/K) + s^2/2` in double-double, rounded once (also
/// `black`'s `Setup::charm_numerator`, one lane)
fn charm_numerator(carry: VDd, log_spot: VDd, total: VDd) -> V {
    dd_to_f64(dd_add(
        dd_add(carry, dd_neg(log_spot)),
        dd_mul_f64(dd_mul(total, total), splat(0.5)),
    ))
}

/// Whether a leg `spot e^{-qt} Phi(theta d1)` (or `K e^{-rt} Phi(theta d2)`) and the greeks
/// built on it (times t, q or r) can be formed from `Phi` as a double: `Phi` normal, or
/// the factors so small that what a subnormal or vanished `Phi` leaves out is under
/// 2^-972 (1e-293). A put with S = K = 1, q = -5.65, t = 100 has e^{-qt} = 2^815 and
/// Phi(-d1) = 0: delta, epsilon and rho came out 0 for -2e-281, 2e-279, ... (review).
fn leg_in_range(cdf: V, discount: V, amount: V, t: V, rate: V) -> V {
    let factor = mul(
        mul(discount, max(amount, splat(1.0))),
        max(max(t, abs(rate)), splat(1.0)),
    );
    or(
        ge(cdf, splat(f64::MIN_POSITIVE)),
        le(factor, splat(crate::ranges::LEG_FACTOR)),
    )
}

/// The gaussian factor kept scaled (`unscale < 1`), the scale within `MODERATE_SCALE`, the
/// `positive` values within `MODERATE` and the `small` ones within its bound in magnitude.
fn scaled_in_range(unscale: V, scale: V, positive: [V; 5], small: [V; 3]) -> V {
    use crate::ranges::{MODERATE, MODERATE_SCALE};
    let mut ok = and(lt(unscale, splat(1.0)), within(scale, MODERATE_SCALE));
    for v in positive {
        ok = and(ok, within(v, MODERATE));
    }
    for v in small {
        ok = and(ok, le(abs(v), splat(MODERATE[1])));
    }
    ok
}
}
