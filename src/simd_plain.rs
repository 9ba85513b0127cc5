// The plain-double price and greeks kernels, written once for any vector width: `simd`
// (AVX2, four lanes) and `simd8` (AVX-512, eight lanes) include this file after defining
// the width-specific layer (`V`, `W`, `ALL`, the arithmetic, compare and select functions,
// `lanes`, `to_array`, `from_lanes`, `load`, `store`, `xor`, `pow2`,
// `exponent_and_mantissa`, `erfcx_coefficients`, `exact_prices`, `exact_greeks`,
// `greeks_scalar`) and the macros `vfn!`
// (inlined kernel functions) and `kfn!` (the drivers), which carry the target features.

#[derive(Clone, Copy)]
struct VDd {
    hi: V,
    lo: V,
}

/// What `fast_greeks4` takes over from `fast_price_parts` (the same values `fast::greeks`
/// recomputes: the squares of the signed and the out-of-the-money `h` are the same).
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
    fn two_sum(a: V, b: V) -> (V, V) {
        let s = add(a, b);
        let bb = sub(s, a);
        (s, add(sub(a, sub(s, bb)), sub(b, bb)))
    }

    fn dd(hi: V, lo: V) -> VDd { VDd { hi, lo } }

    /// `elementary::exp`, lane by lane
    fn exp(x: V) -> V {
        let n = round_even(mul(x, splat(LOG2_E)));
        let r = fma(neg(n), splat(LN2_LO), fma(neg(n), splat(LN2_HI), x));
        let mut p = splat(1.0 / 6_227_020_800.0);
        for c in [1.0 / 479_001_600.0, 1.0 / 39_916_800.0, 1.0 / 3_628_800.0, 1.0 / 362_880.0,
                  1.0 / 40_320.0, 1.0 / 5_040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
                  1.0 / 6.0, 0.5] {
            p = fma(p, r, splat(c));
        }
        let er = add(fma(mul(r, r), p, r), splat(1.0));
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
        let mut tail = c7;
        for ck in [c6, c5, c4, c3, c2, c1] {
            tail = fma(tail, t, ck);
        }
        let table = fma(tail, t, c0);
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

    /// `elementary::two_sinh_half`
    fn two_sinh_half(x: VDd) -> V {
        let h = mul(splat(0.5), x.hi);
        let e = exp(h);
        let h2 = mul(h, h);
        let mut p = splat(1.0 / 121_645_100_408_832_000.0);
        for c in [1.0 / 355_687_428_096_000.0, 1.0 / 1_307_674_368_000.0, 1.0 / 6_227_020_800.0,
                  1.0 / 39_916_800.0, 1.0 / 362_880.0, 1.0 / 5_040.0, 1.0 / 120.0, 1.0 / 6.0] {
            p = fma(p, h2, splat(c));
        }
        let series = mul(splat(2.0), fma(mul(h, h2), p, h));
        let inv_e = div(splat(1.0), e);
        let direct = sub(e, inv_e);
        let habs = abs(h);
        let main = select(lt(habs, splat(0.5)), series, direct);
        let cosh = mul(splat(0.5), add(e, inv_e));
        fma(cosh, x.lo, main)
    }

    /// `normalised::moment_series` by the upward recurrence (its branch for h >= -1.5)
    /// Lanes outside `wanted` hold garbage (and do not raise the recurrence's length).
    fn moment_series_upward(h: V, tau: V, wanted: V) -> V {
        use crate::normalised::{SERIES_ORDER, SQRT_FRAC_PI_2};
        let order = series_order(tau);
        let y = mul(splat(SQRT_FRAC_PI_2), erfcx(mul(neg(h), splat(std::f64::consts::FRAC_1_SQRT_2))));
        // only as far as the highest order any lane needs: the others mask their terms
        let top = to_array(select(wanted, order, splat(5.0))).iter().fold(5.0f64, |a, &b| a.max(b)) as usize;
        // each length compiled on its own, so the loops unroll and the moments stay in
        // registers (a run-time bound kept them in memory, a store-to-load round trip on
        // every step of the recurrence's dependency chain)
        match top.clamp(5, SERIES_ORDER) | 1 {
            5 => upward_sum::<5>(h, tau, order, y),
            7 => upward_sum::<7>(h, tau, order, y),
            9 => upward_sum::<9>(h, tau, order, y),
            11 => upward_sum::<11>(h, tau, order, y),
            13 => upward_sum::<13>(h, tau, order, y),
            15 => upward_sum::<15>(h, tau, order, y),
            _ => upward_sum::<SERIES_ORDER>(h, tau, order, y),
        }
    }

    /// The moments up to `TOP` by the upward recurrence from `y = m_0`, and their series,
    /// each lane's terms above its `order` masked.
    fn upward_sum<const TOP: usize>(h: V, tau: V, order: V, y: V) -> V {
        use crate::normalised::SERIES_ORDER;
        let mut m = [splat(0.0); SERIES_ORDER + 1];
        m[0] = y;
        m[1] = fma(h, y, splat(1.0));
        for k in 1..TOP {
            m[k + 1] = fma(h, m[k], mul(splat(k as f64), m[k - 1]));
        }
        series_sum(&m, TOP, tau, order)
    }

    /// `normalised::moment_series`'s sum of the odd moments up to `top`, each lane's terms
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

    /// `normalised::moment_series`'s order for each lane's `tau`
    fn series_order(tau: V) -> V {
        use crate::normalised::SERIES_ORDER;
        select(lt(tau, splat(0.002)), splat(5.0),
            select(lt(tau, splat(0.01)), splat(7.0),
            select(lt(tau, splat(0.03)), splat(9.0),
            select(lt(tau, splat(0.06)), splat(11.0),
            select(lt(tau, splat(0.1)), splat(13.0),
            select(lt(tau, splat(0.15)), splat(15.0), splat(SERIES_ORDER as f64)))))))
    }

    /// `fast::ln` for positive normal lanes
    fn ln(x: V) -> V {
        let (e0, m0) = exponent_and_mantissa(x);
        let low = lt(m0, splat(std::f64::consts::FRAC_1_SQRT_2));
        let m = select(low, mul(splat(2.0), m0), m0);
        let e = select(low, sub(e0, splat(1023.0)), sub(e0, splat(1022.0)));
        let f = sub(m, splat(1.0));
        let s = div(f, add(splat(2.0), f));
        let z = mul(s, s);
        let mut r = splat(2.0 / 21.0);
        for c in [2.0 / 19.0, 2.0 / 17.0, 2.0 / 15.0, 2.0 / 13.0, 2.0 / 11.0, 2.0 / 9.0,
                  2.0 / 7.0, 2.0 / 5.0, 2.0 / 3.0] {
            r = fma(r, z, splat(c));
        }
        let r = mul(r, z);
        let ln_m = fma(neg(s), sub(f, r), f);
        fma(e, splat(LN2_HI), fma(e, splat(LN2_LO), ln_m))
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

    /// `fast::otm_value` for the lanes of `wanted`; the mask of those it accepted.
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
            let by_series = mul(mul(splat(2.0 * crate::normal::FRAC_1_SQRT_2PI), g), moment_series_upward(h, tau, and(wanted, series)));
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

    /// `fast::greeks` for four contracts: price and the nine greeks, and the mask of lanes
    /// it answers for.
    fn fast_greeks4(s: V, k: V, r: V, q: V, sigma: V, t: V, call: V) -> ([V; 10], V) {
        use crate::fast::{GREEKS_MAX_ERROR, GREEKS_MIN_EXPONENT};
        let (price, inside, p) = fast_price_parts(s, k, r, q, sigma, t, call);
        let FastParts { log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale } = p;
        let log_spot = add(log_ratio, resid_term);
        let h = div(x, total);
        let vega_factor = mul(mul(scale, g), splat(crate::normal::FRAC_1_SQRT_2PI));
        let is_call = gt(call, splat(0.0));
        let theta_sign = select(is_call, splat(1.0), splat(-1.0));
        let d1 = add(h, tau);
        let d2 = sub(h, tau);
        let half = exp(mul(splat(0.5), x));
        let z1 = mul(theta_sign, d1);
        let z2 = mul(theta_sign, d2);
        let frac = splat(std::f64::consts::FRAC_1_SQRT_2);
        let tail1 = mul(div(mul(splat(0.5), g), half), erfcx(mul(abs(z1), frac)));
        let tail2 = mul(mul(mul(splat(0.5), g), half), erfcx(mul(abs(z2), frac)));
        let cdf1 = select(le(z1, splat(0.0)), tail1, sub(splat(1.0), tail1));
        let cdf2 = select(le(z2, splat(0.0)), tail2, sub(splat(1.0), tail2));
        let dividend_discount = exp(mul(neg(q), t));
        let rate_discount = exp(mul(neg(r), t));
        let spot_leg = mul(mul(s, dividend_discount), cdf1);
        let strike_leg = mul(mul(k, rate_discount), cdf2);
        let two_t = mul(splat(2.0), t);
        let theta_a = div(mul(neg(vega_factor), total), two_t);
        let theta_q = mul(q, spot_leg);
        let theta_r = mul(r, strike_leg);
        let theta = add(theta_a, mul(theta_sign, sub(theta_q, theta_r)));
        let half_total_sq = mul(mul(splat(0.5), total), total);
        let charm_numerator = add(sub(carry, log_spot), half_total_sq);
        let charm_a = mul(mul(mul(theta_sign, q), dividend_discount), cdf1);
        let charm_b = div(mul(div(vega_factor, s), charm_numerator), mul(two_t, total));
        let charm = sub(charm_a, charm_b);
        let unit = mul(fma(mul(splat(3.0), h), h, splat(16.0)), splat(f64::EPSILON));
        let bound = |terms: V, sum: V| le(mul(terms, unit), mul(splat(GREEKS_MAX_ERROR), abs(sum)));
        let spread = add(abs(h), tau);
        let ok = and(
            and(
                and(ge(e_hi, splat(GREEKS_MIN_EXPONENT)), bound(add(add(abs(theta_a), abs(theta_q)), abs(theta_r)), theta)),
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
            div(div(div(vega_factor, s), s), total),
            mul(vega_factor, sqrt_t),
            theta,
            mul(mul(theta_sign, t), strike_leg),
            mul(mul(neg(theta_sign), t), spot_leg),
            div(mul(div(neg(vega_factor), s), d2), sigma),
            div(mul(mul(mul(vega_factor, sqrt_t), d1), d2), sigma),
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
        let resid_term = div(resid, s);
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
        let parts = FastParts { log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale };
        let lanes4 = FastLanes { h, abs_x, itm, underflow };
        (parts, lanes4, inside)
    }

    /// The rest of `fast_price4` after `fast_setup4`: `b` by its formula, the intrinsic
    /// value, the scale. Lanes refused by the cancellation test are cleared from `inside`.
    fn fast_finish4(l: FastLanes, tau: V, g: V, scale: V, inside: V) -> (V, V) {
        use crate::fast::MAX_CANCELLATION;
        let FastLanes { h, abs_x, itm, underflow } = l;
        let (b, accepted) = otm_value4(h, tau, abs_x, g, MAX_CANCELLATION, and(inside, not(underflow)));
        let inside = and(inside, or(underflow, accepted));
        let b = select(underflow, splat(0.0), b);
        let value = if lanes(and(itm, inside)) != 0 {
            select(itm, add(b, two_sinh_half(dd(abs_x, splat(0.0)))), b)
        } else {
            b
        };
        (mul(scale, value), inside)
    }

    /// `fast_price4` and the intermediate values `fast_greeks4` shares with it.
    fn fast_price_parts(s: V, k: V, r: V, q: V, sigma: V, t: V, call: V) -> (V, V, FastParts) {
        let (p, l, inside) = fast_setup4(s, k, r, q, sigma, t, call);
        let (price, inside) = fast_finish4(l, p.tau, p.g, p.scale, inside);
        (price, inside, p)
    }
}

/// Contracts per block of `price_chunk_wide`'s two passes.
const SORT_BLOCK: usize = 256;

/// `price_block_sorted`'s classes: 0 direct, 1 moment series, 2 erfcx difference,
/// 3 underflow, and lanes outside the plain-double region for the exact kernel.
const EXACT_CLASS: usize = 4;

/// The class of a lane from its bits `inside | underflow << 1 | direct << 2 | series << 3`.
const CLASS_OF_CODE: [u8; 16] = {
    let mut table = [EXACT_CLASS as u8; 16];
    let mut code = 0;
    while code < 16 {
        if code & 1 != 0 {
            table[code] = if code & 2 != 0 {
                3
            } else if code & 4 != 0 {
                0
            } else if code & 8 != 0 {
                1
            } else {
                2
            };
        }
        code += 1;
    }
    table
};

kfn! {
/// The price kernel, in blocks of `SORT_BLOCK` contracts and two passes. The first runs
/// the plain-double setup (`fast_setup4`) on whole groups of `W` and sorts the lanes by the
/// formula their out-of-the-money value takes (direct, moment series, erfcx difference,
/// underflow); the second runs each formula on groups of `W` lanes that all take it, so a
/// group never pays for two formulas (three in four groups of four of the CSI scan were
/// mixed).
/// Lanes outside the plain-double region, or refused by its cancellation test, are collected
/// and priced by the exact kernel four at a time; the remainder and guarded lanes by the
/// scalar code. Every lane goes through the same operations as `fast::price` or
/// `black::bsm_price_exact`, so the bits are the scalar ones.
fn price_chunk_wide(inputs: &[&[f64]; 7], out: &mut [f64]) {
    let n = out.len();
    let whole = n - n % W;
    let mut rows = [0usize; 4];
    let mut count = 0;
    let mut start = 0;
    while start < whole {
        let end = (start + SORT_BLOCK).min(whole);
        price_block_sorted(inputs, start, end, out, &mut rows, &mut count);
        start = end;
    }
    exact_prices(inputs, &rows[..count], out);
    if whole < n {
        let rest: [&[f64]; 7] = std::array::from_fn(|j| &inputs[j][whole..n]);
        bsm_price_chunk(&rest, &mut out[whole..]);
    }
}

/// `price_chunk_wide` for rows `start..end` (`end - start` a multiple of `W`, at most
/// `SORT_BLOCK`); lanes for the exact kernel are added to `rows`, flushed by fours.
fn price_block_sorted(
    inputs: &[&[f64]; 7],
    start: usize,
    end: usize,
    out: &mut [f64],
    rows: &mut [usize; 4],
    count: &mut usize,
) {
    use crate::normalised::{DIRECT_CDF_THRESHOLD, MILLER_BELOW, SMALL_TAU};
    let mut fields = [[0.0f64; SORT_BLOCK]; 7]; // h, tau, |x|, g, scale, itm, underflow
    let mut lists = [[0u16; SORT_BLOCK]; EXACT_CLASS + 1];
    let mut counts = [0usize; EXACT_CLASS + 1];
    let to_exact = |m: usize, rows: &mut [usize; 4], count: &mut usize, out: &mut [f64]| {
        rows[*count] = m;
        *count += 1;
        if *count == 4 {
            exact_prices(inputs, &rows[..], out);
            *count = 0;
        }
    };
    for i in (start..end).step_by(W) {
        let (p, l, inside) = fast_setup4(
            load(inputs[0], i),
            load(inputs[1], i),
            load(inputs[2], i),
            load(inputs[3], i),
            load(inputs[4], i),
            load(inputs[5], i),
            load(inputs[6], i),
        );
        let j = i - start;
        for (field, v) in
            fields
                .iter_mut()
                .zip([l.h, p.tau, l.abs_x, p.g, p.scale, l.itm, l.underflow])
        {
            store(field, j, v);
        }
        let direct = gt(add(l.h, p.tau), splat(DIRECT_CDF_THRESHOLD));
        let series = and(
            not(direct),
            and(lt(p.tau, splat(SMALL_TAU)), ge(l.h, splat(MILLER_BELOW))),
        );
        let (inside, underflow, direct, series) = (
            lanes(inside),
            lanes(l.underflow),
            lanes(direct),
            lanes(series),
        );
        // branch-free: the classes of a CSI-like block are a random mix, which a branch per
        // lane mispredicts
        for lane in 0..W {
            let bit = |mask: i32| ((mask >> lane) & 1) as usize;
            let code = bit(inside) | bit(underflow) << 1 | bit(direct) << 2 | bit(series) << 3;
            let class = usize::from(CLASS_OF_CODE[code]);
            lists[class][counts[class]] = (j + lane) as u16;
            counts[class] += 1;
        }
    }
    for &j in &lists[EXACT_CLASS][..counts[EXACT_CLASS]] {
        to_exact(start + usize::from(j), rows, count, out);
    }
    for (list, &len) in lists[..EXACT_CLASS].iter().zip(&counts) {
        let mut at = 0;
        while at < len {
            let real = (len - at).min(W);
            // a short last group repeats its last lane
            let idx: [usize; W] = std::array::from_fn(|l| list[at + l.min(real - 1)] as usize);
            let gather = |f: &[f64; SORT_BLOCK]| from_lanes(std::array::from_fn(|l| f[idx[l]]));
            let [h, tau, abs_x, g, scale, itm, underflow] =
                std::array::from_fn(|f| gather(&fields[f]));
            let all = eq(h, h);
            let l = FastLanes {
                h,
                abs_x,
                itm,
                underflow,
            };
            let (price, ok) = fast_finish4(l, tau, g, scale, all);
            let (price, ok) = (to_array(price), lanes(ok));
            for l in 0..real {
                let m = start + idx[l];
                if ok & (1 << l) != 0 {
                    out[m] = price[l];
                } else {
                    to_exact(m, rows, count, out);
                }
            }
            at += real;
        }
    }
}

/// Greeks like `black::bsm_greeks`, `W` contracts at a time: the plain-double kernel where
/// it answers, the exact one (four at a time) for the other lanes, the scalar code for the
/// remainder. `outs[j]` receives greek `which[j]`.
fn greeks_chunk_wide(inputs: &[&[f64]; 7], which: &[crate::batch::Greek], outs: &mut [&mut [f64]]) {
    use crate::batch::Greek;
    let n = outs.first().map_or(0, |o| o.len());
    let groups = n / W;
    let slots: Vec<usize> = which
        .iter()
        .map(|greek| Greek::ALL.iter().position(|x| x == greek).unwrap_or(0))
        .collect();
    let mut rows = [0usize; 4];
    let mut count = 0;
    for gi in 0..groups {
        let i = W * gi;
        let (fast_values, fast_ok) = fast_greeks4(
            load(inputs[0], i),
            load(inputs[1], i),
            load(inputs[2], i),
            load(inputs[3], i),
            load(inputs[4], i),
            load(inputs[5], i),
            load(inputs[6], i),
        );
        for (slot, &idx) in outs.iter_mut().zip(&slots) {
            store(slot, i, fast_values[idx]);
        }
        let handled = lanes(fast_ok);
        if handled != ALL {
            for lane in 0..W {
                if handled & (1 << lane) == 0 {
                    rows[count] = i + lane;
                    count += 1;
                    if count == 4 {
                        exact_greeks(inputs, &rows, which, &slots, outs);
                        count = 0;
                    }
                }
            }
        }
    }
    exact_greeks(inputs, &rows[..count], which, &slots, outs);
    greeks_scalar(inputs, which, outs, W * groups);
}
}
