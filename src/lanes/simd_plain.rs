// The vector kernels, written once for any vector width: `simd` (AVX2, four lanes),
// `simd8` (AVX-512, eight lanes), `simd_lanes` (two lanes: NEON on aarch64) and, for implied
// vols, `simd_x4` and `simd8_x2` (sixteen lanes as four or two vectors, `simd_pair.rs`)
// include this file after defining the
// width-specific layer
// (`V`, `W`, `ALL`, the arithmetic, compare and select functions, `lanes`, `to_array`,
// `from_lanes`, `load`, `store`, `and`, `not`, `abs`, `xor`, `pow2`, `recip_single`,
// `exponent_and_mantissa`, `erfcx_coefficients`, `log_table_rows`, and for `fast_block`
// `append_lanes`, `gather_lanes`, `scatter_lanes`; `black::greeks_scalar` in scope) and the
// macros `vfn!` (inlined kernel functions) and `kfn!` (the drivers), which carry the target
// features. Masks are vectors of all-ones lanes at every width.
// The double-double arithmetic is in `lane_dd.rs`, the elementary functions in
// `lane_math.rs`, the
// plain-double price and greeks in `lane_fast.rs`, the exact kernel's formulas in
// `lane_exact.rs`, the implied-vol kernel in `lane_implied.rs`; the scalar code (the
// `lane1` modules) includes those alone. What stays here
// is the drivers: sorting lanes by formula, gathering the exact kernel's lanes and the
// inversions, sending guarded lanes to the scalar code.

include!("lane_dd.rs");
include!("lane_math.rs");
include!("lane_fast.rs");
include!("lane_exact.rs");
include!("lane_implied.rs");

/// Contracts per block of `price_chunk_wide`'s two passes.
const SORT_BLOCK: usize = 256;

/// `price_block_sorted`'s classes: 0 direct, 1 moment series, 2 erfcx difference,
/// 3 underflow, and lanes outside the plain-double region for the exact kernel.
const EXACT_CLASS: usize = 4;

/// `price_block_sorted`'s class of the lanes the upward moment series answers for.
const SERIES_CLASS: usize = 1;

/// `fast_block`'s working arrays (21 KB at eight lanes): one per thread, zeroed when the
/// thread first prices, rather than zeroed for every block (an engine chunk is one block;
/// the zeroing was 2.8 % of the kernel's time). Every element `fast_block` reads it has
/// written for the same block.
struct BlockScratch {
    /// h, tau, |x|, g, scale, itm, underflow per row
    fields: [[f64; SORT_BLOCK]; 7],
    /// the rows of each class, `W` slots of slack for `append_lanes`' whole-vector stores
    lists: [[u32; SORT_BLOCK + W]; EXACT_CLASS + 1],
    /// the rows Miller's series answers for
    miller: [u32; SORT_BLOCK + W],
}

impl BlockScratch {
    fn new() -> Self {
        BlockScratch {
            fields: [[0.0; SORT_BLOCK]; 7],
            lists: [[0; SORT_BLOCK + W]; EXACT_CLASS + 1],
            miller: [0; SORT_BLOCK + W],
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Box<BlockScratch>> = std::cell::RefCell::new(Box::new(BlockScratch::new()));
}

kfn! {
/// The price kernel, in blocks of `SORT_BLOCK` contracts and two passes. The first runs
/// the plain-double setup (`fast_setup4`) on whole groups of `W` and sorts the lanes by the
/// formula their out-of-the-money value takes (direct, moment series, erfcx difference,
/// underflow); the second runs each formula on groups of `W` lanes that all take it, so a
/// group never pays for two formulas (three in four groups of four of the CSI scan were
/// mixed). The moment series' lanes run two groups at a time (`upward_finish_n`).
/// Lanes refused by the cancellation test with a small tau take Miller's series in groups of
/// their own, two groups at a time (`miller_finish_n`); lanes outside the plain-double region, or refused with
/// a larger tau, are collected and priced by the exact kernel `W` at a time; the remainder
/// and guarded lanes by the scalar code. Every lane goes through the same operations as `lane1::fast_price` or
/// `black::bsm_price_exact`, so the bits are the scalar ones.
fn price_chunk_wide(inputs: &[&[f64]; 7], out: &mut [f64]) {
    let n = out.len();
    let whole = n - n % W;
    let mut rows = [0usize; W];
    let mut count = 0;
    let mut start = 0;
    while start < whole {
        let end = (start + SORT_BLOCK).min(whole);
        price_block_sorted(inputs, start, end, out, &mut rows, &mut count);
        start = end;
    }
    exact_prices(inputs, &rows[..count], out);
    // fewer than W left: one by one (the scalar chunk kernel would zero its 256-row blocks
    // for them, a fifth of a one-element call)
    for (m, slot) in out.iter_mut().enumerate().skip(whole) {
        *slot = crate::black::bsm_price(&crate::black::Contract::from_columns(inputs, m));
    }
}

/// `price_chunk_wide` for rows `start..end` (`end - start` a multiple of `W`, at most
/// `SORT_BLOCK`); lanes for the exact kernel are added to `rows`, flushed by `W`.
fn price_block_sorted(
    inputs: &[&[f64]; 7],
    start: usize,
    end: usize,
    out: &mut [f64],
    rows: &mut [usize; W],
    count: &mut usize,
) {
    let mut exact = [0u32; SORT_BLOCK];
    let mut exacts = 0;
    fast_block(inputs, start, end, None, &mut out[start..end], |block, j, price, ok, time_value| {
        let m = start + j;
        if ok {
            block[j] = settled(inputs, m, price, time_value);
        } else if row_has_nan(inputs, m) {
            block[j] = f64::NAN; // what the exact kernel's guard would give, without it
        } else {
            exact[exacts] = j as u32;
            exacts += 1;
        }
    });
    for &j in &exact[..exacts] {
        rows[*count] = start + j as usize;
        *count += 1;
        if *count == W {
            exact_prices(inputs, &rows[..], out);
            *count = 0;
        }
    }
}

/// The plain-double prices of rows `start..end` (a multiple of `W`, at most `SORT_BLOCK`),
/// written to `prices[row - start]`, and the setup's shared values (`FastParts`, field by
/// field) left in `parts` if given. The rows the plain-double price does not finish are
/// handed to `sink(prices, row - start, price, ok, time_value)`: `ok` false where the exact
/// kernel must answer instead (`prices` holds garbage there), true with the finite time value
/// of a lane to settle at its bounds (`settle_lanes`). Every other row's price is final.
/// Two passes: the setup (`fast_setup4`) on whole groups, sorting the lanes by the formula their out-of-the-money value takes
/// (direct, moment series, erfcx difference, underflow); then each formula on groups of
/// `W` lanes that all take it, so a group never pays for two formulas (three in four
/// groups of four of the CSI scan were mixed).
fn fast_block(
    inputs: &[&[f64]; 7],
    start: usize,
    end: usize,
    parts: Option<&mut [[f64; SORT_BLOCK]; 11]>,
    prices: &mut [f64],
    sink: impl FnMut(&mut [f64], usize, f64, bool, f64),
) {
    // a fresh one where the thread's is not to be had (not reached: nothing here calls back
    // into a kernel, and no kernel runs while the thread's locals are destroyed)
    let mut args = Some((parts, prices, sink));
    let _ = SCRATCH.try_with(|cell| {
        if let Ok(mut scratch) = cell.try_borrow_mut()
            && let Some((parts, prices, sink)) = args.take()
        {
            fast_block_in(inputs, start, end, parts, prices, sink, &mut scratch);
        }
    });
    if let Some((parts, prices, sink)) = args {
        fast_block_in(inputs, start, end, parts, prices, sink, &mut Box::new(BlockScratch::new()));
    }
}

/// `fast_block` with its working arrays.
fn fast_block_in<S: FnMut(&mut [f64], usize, f64, bool, f64)>(
    inputs: &[&[f64]; 7],
    start: usize,
    end: usize,
    mut parts: Option<&mut [[f64; SORT_BLOCK]; 11]>,
    prices: &mut [f64],
    mut sink: S,
    scratch: &mut BlockScratch,
) {
    use crate::normalised::{DIRECT_CDF_THRESHOLD, MILLER_BELOW, SMALL_TAU};
    let BlockScratch { fields, lists, miller } = scratch;
    let mut counts = [0usize; EXACT_CLASS + 1];
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
        if let Some(parts) = parts.as_deref_mut() {
            let FastParts { log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale, h_otm } = p;
            for (field, v) in parts.iter_mut().zip([
                log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale, h_otm,
            ]) {
                store(field, j, v);
            }
        }
        let direct = gt(add(l.h, p.tau), splat(DIRECT_CDF_THRESHOLD));
        let series = and(lt(p.tau, splat(SMALL_TAU)), ge(l.h, splat(MILLER_BELOW)));
        // each lane in exactly one class: the exact kernel's (outside the region), else
        // underflow, else direct, else the moment series, else the difference of erfcx
        let plain = and(inside, not(l.underflow));
        let by_cdf = and(plain, direct);
        let rest = and(plain, not(direct));
        let by_series = and(rest, series);
        let classes = [by_cdf, by_series, and(rest, not(series)), and(inside, l.underflow), not(inside)];
        for (class, mask) in classes.into_iter().enumerate() {
            counts[class] = append_lanes(lanes(mask), j as u32, &mut lists[class], counts[class]);
        }
    }
    for (list, &len) in lists.iter_mut().zip(&counts) {
        repeat_last(list, len);
    }
    for &j in &lists[EXACT_CLASS][..counts[EXACT_CLASS]] {
        sink(prices, j as usize, 0.0, false, f64::INFINITY);
    }
    // lanes whose difference of erfcx cancelled too much, with a small tau: the moment
    // series (Miller) answers for them below, in groups of their own (as `fast_price_from` does)
    let mut millers = 0;
    // the rows of `group` (`real` of them) priced as a formula that answers for every lane
    // gave them (`upward_finish_n`, `miller_finish_n`)
    let finish = |prices: &mut [f64], sink: &mut S, group: &[u32], real: usize, (price, time_value): (V, V)| {
        scatter_lanes(prices, group, price);
        let settle = to_settle(time_value) & ((1i32 << real) - 1);
        if settle != 0 {
            let (price, time_value) = (to_array(price), to_array(time_value));
            for l in (0..real).filter(|l| settle & (1 << l) != 0) {
                sink(prices, group[l] as usize, price[l], true, time_value[l]);
            }
        }
    };
    let gather = |group: &[u32]| -> [V; 6] { std::array::from_fn(|f| gather_lanes(&fields[f], group)) };
    for (class, (list, &len)) in lists[..EXACT_CLASS].iter().zip(&counts).enumerate() {
        let mut at = 0;
        // the moment series two groups at a time where there are two (each group's
        // recurrence is a chain of dependent steps: the pair's overlap); the list is padded
        // to a multiple of `W`
        while class == SERIES_CLASS && len - at > W {
            let groups = [&list[at..at + W], &list[at + W..at + 2 * W]];
            let answers = upward_finish_n(groups.map(gather));
            finish(prices, &mut sink, groups[0], W, answers[0]);
            let real = (len - at - W).min(W);
            finish(prices, &mut sink, groups[1], real, answers[1]);
            at += W + real;
        }
        while at < len {
            let real = (len - at).min(W);
            let group = &list[at..at + W];
            let [h, tau, abs_x, g, scale, itm, underflow] =
                std::array::from_fn(|f| gather_lanes(&fields[f], group));
            let all = eq(h, h);
            let l = FastLanes {
                h,
                abs_x,
                itm,
                underflow,
            };
            let (price, ok, time_value) = fast_finish4(l, tau, g, scale, all);
            scatter_lanes(prices, group, price);
            // the lanes a plain store does not finish: refused, or to settle
            let special = (!lanes(ok) | to_settle(time_value)) & ((1i32 << real) - 1);
            if special != 0 {
                let small_tau = lanes(lt(tau, splat(SMALL_TAU)));
                let ok = lanes(ok);
                let (price, time_value) = (to_array(price), to_array(time_value));
                for l in (0..real).filter(|l| special & (1 << l) != 0) {
                    if ok & (1 << l) == 0 && small_tau & (1 << l) != 0 {
                        miller[millers] = group[l];
                        millers += 1;
                    } else {
                        sink(prices, group[l] as usize, price[l], ok & (1 << l) != 0, time_value[l]);
                    }
                }
            }
            at += real;
        }
    }
    repeat_last(miller, millers);
    let mut at = 0;
    // two groups at a time where there are two (their recurrences overlap: each is a
    // chain of up to `MILLER_MAX` dependent steps); the list is padded to a multiple of `W`
    while millers - at > W {
        let groups = [&miller[at..at + W], &miller[at + W..at + 2 * W]];
        let fields2 = groups.map(gather);
        let answers = miller_finish_n(fields2, fields2.map(|f| eq(f[0], f[0])));
        finish(prices, &mut sink, groups[0], W, answers[0]);
        let real = (millers - at - W).min(W);
        finish(prices, &mut sink, groups[1], real, answers[1]);
        at += W + real;
    }
    if at < millers {
        let group = &miller[at..at + W];
        let fields1 = gather(group);
        let [answer] = miller_finish_n([fields1], [eq(fields1[0], fields1[0])]);
        finish(prices, &mut sink, group, millers - at, answer);
    }
}

/// A plain-double price of a lane `settle_lanes` picks (a finite time value), settled at
/// its bounds as `lane1::fast_price` settles it.
#[cold]
fn settled(inputs: &[&[f64]; 7], m: usize, price: f64, time_value: f64) -> f64 {
    let c = crate::black::Contract::from_columns(inputs, m);
    crate::extreme::settle_at_bounds(&c, price, Some(time_value))
}

/// Greeks like `black::bsm_greeks`, `W` contracts at a time: the plain-double kernel where
/// it answers (its prices by formula-sorted groups, `fast_block`), the exact one for the
/// other lanes, the scalar code for the remainder. `outs[j]` receives greek `which[j]`.
fn greeks_chunk_wide(inputs: &[&[f64]; 7], which: &[crate::black::Greek], outs: &mut [&mut [f64]]) {
    use crate::black::Greek;
    let n = outs.first().map_or(0, |o| o.len());
    let whole = n - n % W;
    if whole == 0 {
        // fewer rows than a vector: the scalar code, without zeroing the blocks' 26 KB
        greeks_scalar(inputs, which, outs, 0);
        return;
    }
    let slots: Vec<usize> = which
        .iter()
        .map(|greek| Greek::ALL.iter().position(|x| x == greek).unwrap_or(0))
        .collect();
    let mut rows = [0usize; W];
    let mut count = 0;
    let mut parts = [[0.0f64; SORT_BLOCK]; 11];
    let mut prices = [0.0f64; SORT_BLOCK];
    let mut answered = [0.0f64; SORT_BLOCK];
    let mut start = 0;
    while start < whole {
        let end = (start + SORT_BLOCK).min(whole);
        answered[..end - start].fill(1.0);
        fast_block(inputs, start, end, Some(&mut parts), &mut prices[..end - start], |block, j, price, ok, time_value| {
            if ok {
                block[j] = settled(inputs, start + j, price, time_value);
            } else {
                answered[j] = 0.0;
            }
        });
        for i in (start..end).step_by(W) {
            let j = i - start;
            let [log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale, h_otm] =
                std::array::from_fn(|f| load(&parts[f], j));
            let p = FastParts { log_ratio, resid_term, carry, x, sqrt_t, total, tau, e_hi, g, scale, h_otm };
            let inside = gt(load(&answered, j), splat(0.0));
            let (fast_values, fast_ok) = fast_greeks_from(
                load(inputs[0], i),
                load(inputs[2], i),
                load(inputs[3], i),
                load(inputs[5], i),
                load(inputs[6], i),
                p,
                load(&prices, j),
                inside,
            );
            for (slot, &idx) in outs.iter_mut().zip(&slots) {
                store(slot, i, fast_values[idx]);
            }
            let handled = lanes(fast_ok);
            if handled != ALL {
                for lane in 0..W {
                    if handled & (1 << lane) != 0 {
                        continue;
                    }
                    if row_has_nan(inputs, i + lane) {
                        for slot in outs.iter_mut() {
                            slot[i + lane] = f64::NAN;
                        }
                    } else {
                        rows[count] = i + lane;
                        count += 1;
                        if count == W {
                            exact_greeks(inputs, &rows, which, &slots, outs);
                            count = 0;
                        }
                    }
                }
            }
        }
        start = end;
    }
    exact_greeks(inputs, &rows[..count], which, &slots, outs);
    greeks_scalar(inputs, which, outs, whole);
}


/// The lanes with a time value to settle: finite (`fast_finish4` leaves the others infinite).
#[inline]
fn to_settle(time_value: V) -> i32 {
    lanes(lt(abs(time_value), splat(f64::INFINITY)))
}

/// Fills the `W` slots after `list[..len]` with its last row, so that a short last group
/// repeats its last lane (nothing when the list is empty: no group reads it).
#[inline]
fn repeat_last(list: &mut [u32], len: usize) {
    if len > 0 {
        let last = list[len - 1];
        list[len..len + W].fill(last);
    }
}

/// Appends to `list` (from `count`) the rows `first + lane` of the lanes set in `mask`, in
/// lane order, and returns the new count; may write `W` slots past it. The one-by-one form
/// of the layers without a compress instruction.
#[allow(dead_code)] // the AVX-512 layer has its own
#[inline]
fn append_lanes_each(mask: i32, first: u32, list: &mut [u32], count: usize) -> usize {
    let mut count = count;
    for lane in 0..W {
        // branch-free: the classes of a CSI-like block are a random mix
        list[count] = first + lane as u32;
        count += ((mask >> lane) & 1) as usize;
    }
    count
}

/// The values of `field` at the `W` rows `rows[..W]`, one per lane: the element-by-element
/// form of the layers without a gather instruction.
#[allow(dead_code)] // the AVX-512 layer has its own
#[inline]
fn gather_lanes_each(field: &[f64], rows: &[u32]) -> V {
    from_lanes(std::array::from_fn(|l| field[rows[l] as usize]))
}

/// `prices[rows[l]] = values[l]` for the `W` lanes, one by one: the form of the layers
/// without a scatter instruction.
#[allow(dead_code)] // the AVX-512 layer has its own
#[inline]
fn scatter_lanes_each(prices: &mut [f64], rows: &[u32], values: V) {
    for (&row, value) in rows[..W].iter().zip(to_array(values)) {
        prices[row as usize] = value;
    }
}

/// Whether row `m` has a NaN among its numeric inputs (the kind column aside), as
/// `black::has_nan` sees a contract: NaN out for it, without a trip through the exact
/// kernel's vector group and its guard to the scalar code (90 % NaN inputs cost 2.9x a
/// valid batch that way).
fn row_has_nan(inputs: &[&[f64]; 7], m: usize) -> bool {
    inputs.iter().any(|column| column[m].is_nan())
}

/// Rows `rows` (one to `W` of them) of the seven input columns, as `W`-element columns;
/// fewer rows than `W` are padded by repeating the last (a vector group with a repeated
/// lane costs less than the scalar exact kernel for a lane or two).
fn gather_rows(inputs: &[&[f64]; 7], rows: &[usize]) -> [[f64; W]; 7] {
    let last = rows.len() - 1;
    std::array::from_fn(|j| std::array::from_fn(|l| inputs[j][rows[l.min(last)]]))
}

/// Exact-kernel prices of the rows `rows` (at most `W`), gathered into one vector group;
/// guarded lanes by the scalar code.
fn exact_prices(inputs: &[&[f64]; 7], rows: &[usize], out: &mut [f64]) {
    use crate::black::{Contract, bsm_price_exact};
    if rows.is_empty() {
        return;
    }
    let cols = gather_rows(inputs, rows);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let group = setup4(&views, 0);
    let (values, time_values) = group_price(&group);
    let (values, time_values) = (to_array(values), to_array(time_values));
    let guarded = lanes(group.guards);
    for (l, &m) in rows.iter().enumerate() {
        let c = Contract::from_columns(inputs, m);
        out[m] = if guarded & (1 << l) != 0 {
            bsm_price_exact(&c)
        } else {
            crate::extreme::settle_at_bounds(&c, values[l], Some(time_values[l]))
        };
    }
}



/// `black::bsm_greeks` of the rows `rows` (at most `W`) outside the plain-double greeks'
/// region, gathered into one vector group of the exact kernel; guarded lanes by the scalar
/// code. `slots[j]` is the index in `Greek::ALL` of `which[j]`.
fn exact_greeks(
    inputs: &[&[f64]; 7],
    rows: &[usize],
    which: &[crate::black::Greek],
    slots: &[usize],
    outs: &mut [&mut [f64]],
) {
    use crate::black::{Contract, bsm_greeks};
    if rows.is_empty() {
        return;
    }
    let cols = gather_rows(inputs, rows);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let (values, guarded, time_values) = exact_greeks4(&views, true);
    let time_values = to_array(time_values);
    for (l, &m) in rows.iter().enumerate() {
        if guarded & (1 << l) != 0 {
            let g = bsm_greeks(&Contract::from_columns(inputs, m));
            for (slot, greek) in outs.iter_mut().zip(which) {
                slot[m] = greek.pick(&g);
            }
        } else {
            let c = Contract::from_columns(inputs, m);
            for (slot, &idx) in outs.iter_mut().zip(slots) {
                let v = to_array(values[idx])[l];
                // idx 0 is the price (`Greek::ALL`), settled as `bsm_greeks_exact` does
                slot[m] = if idx == 0 {
                    crate::extreme::settle_at_bounds(&c, v, Some(time_values[l]))
                } else {
                    v
                };
            }
        }
    }
}


/// `prepare` over the rows of `out` in groups of `W` (the last, short one padded by
/// repeating its last row): the vector lanes directly, the others by the scalar code.
fn prepare_groups(
    inputs: &[&[f64]; 7],
    out: &mut [f64],
    pending: &mut Vec<(usize, crate::implied::Problem)>,
) {
    use crate::implied::{Prepared, prepare_row};
    let n = out.len();
    for i in (0..n).step_by(W) {
        let real = W.min(n - i);
        let (problems, handled) = if real == W {
            prepare4(inputs, i)
        } else {
            let rows: [usize; W] = std::array::from_fn(|j| i + j.min(real - 1));
            let padded = gather_rows(inputs, &rows);
            prepare4(&std::array::from_fn(|c| &padded[c][..]), 0)
        };
        for (j, p) in problems.into_iter().enumerate().take(real) {
            if handled & (1 << j) != 0 {
                pending.push((i + j, p));
                continue;
            }
            let m = i + j;
            match prepare_row(inputs, m) {
                Prepared::Done(v) => out[m] = v,
                Prepared::Solve(p) => pending.push((m, p)),
            }
        }
    }
}

/// Implied vols of up to `out.len()` prices (inputs: price, s, k, r, q, t, call as +-1),
/// `W` inversions at a time; bit for bit the answers of `implied::implied_vol` (whose
/// preparation and iteration are `lane_implied.rs` on one lane). The scalar `prepare` (for
/// the guarded lanes) and `finish` are inlined here, where fused multiply-adds are
/// instructions rather than library calls.
fn implied_chunk_wide(inputs: &[&[f64]; 7], out: &mut [f64]) {
    let mut pending: Vec<(usize, crate::implied::Problem)> = Vec::with_capacity(out.len());
    prepare_groups(inputs, out, &mut pending);
    // Group alike problems: a group of `W` runs every formula any of its lanes needs, so
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
    // a last group short of W repeats its last problem (each lane's iteration is its own, so
    // the copies change nothing): solved one by one, the up to fifteen problems left over
    // made 15 implied vols take 12.8 us against 7.1 for 17
    for group in order.chunks(W) {
        let at: [usize; W] = std::array::from_fn(|j| group[j.min(group.len() - 1)]);
        let batch: [crate::implied::Problem; W] = std::array::from_fn(|j| pending[at[j]].1);
        let (totals, _) = solve4(&batch);
        for (j, &m) in group.iter().enumerate() {
            let (i, p) = pending[m];
            out[i] = p.finish(totals[j]);
        }
    }
}
}
