//! Array-level operations: validate arguments, then run a per-element formula from `black`
//! over broadcast inputs with the `engine`.

use multiversion::multiversion;
use ndarray::ArrayViewD;

// `Greek` lives with the formulas (`black`), below the vector kernels that take it
pub use crate::black::Greek;
use crate::black::{Contract, GreekValues};
use crate::engine::{Cost, MAX_OUTPUTS, for_each_checked_chunk, for_each_chunk};
use crate::error::{PricingError, Result, format_index};

/// What a value must satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// finite and > 0 (NaN passes through)
    Positive,
    /// finite (NaN passes through)
    Finite,
}

impl Domain {
    /// The rule `v` breaks, if any. NaN breaks none: it propagates to the result.
    #[inline]
    pub fn violation(self, v: f64) -> Option<&'static str> {
        match self {
            Domain::Positive if v.is_infinite() => Some("finite and > 0"),
            Domain::Positive if v <= 0.0 => Some("> 0"),
            Domain::Finite if v.is_infinite() => Some("finite"),
            _ => None,
        }
    }
}

/// A scalar argument outside `domain`, as an error naming `name`.
pub fn check_scalar(name: &'static str, value: f64, domain: Domain) -> Result<()> {
    match domain.violation(value) {
        None => Ok(()),
        Some(rule) => Err(PricingError::OutOfDomain {
            name,
            index: String::new(),
            value,
            rule,
        }),
    }
}

/// Index of the first element of `slice` outside `domain`. Blocks are tested branch-free
/// (so the compiler vectorises the scan, which otherwise costs a tenth of a price call) and
/// searched only when one holds a culprit.
fn first_outside(slice: &[f64], domain: Domain) -> Option<usize> {
    // large inputs: the pool's threads scan pieces (the scan is a pass over memory, serial
    // before the parallel kernel: 13 % of a 5 M price call on two threads), first hit wins
    const PIECE: usize = 1 << 17;
    if slice.len() < 2 * PIECE {
        return first_outside_serial(slice, domain);
    }
    let pool = match crate::parallel::pool() {
        Ok(pool) if pool.current_num_threads() > 1 => pool,
        _ => return first_outside_serial(slice, domain),
    };
    use rayon::prelude::*;
    pool.install(|| {
        slice
            .par_chunks(PIECE)
            .enumerate()
            .find_map_first(|(p, piece)| first_outside_serial(piece, domain).map(|i| p * PIECE + i))
    })
}

/// `first_outside` on the calling thread (compiled for AVX2 too: the baseline build's
/// two-lane scan was an eighth of a single-threaded 4,000-price call).
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
fn first_outside_serial(slice: &[f64], domain: Domain) -> Option<usize> {
    const BLOCK: usize = 512;
    for (b, block) in slice.chunks(BLOCK).enumerate() {
        // counted rather than or-ed into one bool: with a 64-bit count per lane the
        // compiler keeps each compare's mask in the vector (a bool accumulator had every
        // compare packed down to bytes: 0.3 ns per element, a twentieth of a 1,000-price call)
        let outside: u64 = match domain {
            Domain::Positive => block
                .iter()
                .map(|&v| u64::from(v <= 0.0) + u64::from(v == f64::INFINITY))
                .sum(),
            Domain::Finite => block
                .iter()
                .map(|&v| u64::from(v.abs() == f64::INFINITY))
                .sum(),
        };
        if outside != 0 {
            let found = block.iter().position(|&v| domain.violation(v).is_some());
            return found.map(|p| b * BLOCK + p);
        }
    }
    None
}

/// First element of `view` (C order) outside `domain`, as an error naming `name`.
pub fn check_domain(name: &'static str, view: &ArrayViewD<f64>, domain: Domain) -> Result<()> {
    let bad = |v: f64| domain.violation(v).is_some();
    // the first offender in C order names the error; whether there is one can be asked in
    // memory order (a Fortran-ordered array) or row by row (a strided view), the ordered
    // walk over a dynamic-rank view (~20 ns an element) only once one is known to exist
    let found = match view.as_slice_memory_order() {
        Some(slice) if view.is_standard_layout() => first_outside(slice, domain),
        Some(slice) if first_outside(slice, domain).is_none() => None,
        None if !view.fold(false, |seen, &v| seen | bad(v)) => None,
        _ => view.iter().position(|&v| bad(v)),
    };
    match found {
        None => Ok(()),
        Some(flat) => {
            let value = view.iter().nth(flat).copied().unwrap_or(f64::NAN);
            let rule = domain.violation(value).unwrap_or("valid");
            Err(PricingError::OutOfDomain {
                name,
                index: format_index(view.shape(), flat),
                value,
                rule,
            })
        }
    }
}

/// The inputs of a BSM batch, each a view of any shape broadcastable to the output.
/// `call` holds 1.0 for a call and -1.0 for a put.
pub struct BsmArrays<'a> {
    pub s: ArrayViewD<'a, f64>,
    pub k: ArrayViewD<'a, f64>,
    pub r: ArrayViewD<'a, f64>,
    pub q: ArrayViewD<'a, f64>,
    pub sigma: ArrayViewD<'a, f64>,
    pub t: ArrayViewD<'a, f64>,
    pub call: ArrayViewD<'a, f64>,
}

/// The domain rules of DESIGN.md for a BSM contract, in the order its arguments are checked
/// (the first broken one names the error): each argument's name, its column in the kernels'
/// order (s, k, r, q, sigma, t, call) and its rule.
const BSM_RULES: [(&str, usize, Domain); 6] = [
    ("s", 0, Domain::Positive),
    ("k", 1, Domain::Positive),
    ("r", 2, Domain::Finite),
    ("sigma", 4, Domain::Positive),
    ("t", 5, Domain::Positive),
    ("q", 3, Domain::Finite),
];

impl<'a> BsmArrays<'a> {
    /// Every domain rule of DESIGN.md, argument by argument (`BSM_RULES`).
    pub fn validate(&self) -> Result<()> {
        let views = self.views();
        for (name, column, domain) in BSM_RULES {
            check_domain(name, &views[column], domain)?;
        }
        Ok(())
    }

    /// Every input view, in kernel order (s, k, r, q, sigma, t, call).
    pub fn views(&self) -> [ArrayViewD<'a, f64>; 7] {
        [
            self.s.clone(),
            self.k.clone(),
            self.r.clone(),
            self.q.clone(),
            self.sigma.clone(),
            self.t.clone(),
            self.call.clone(),
        ]
    }
}

/// `for_each_chunk` for a kernel that fills one output column.
fn one_column(
    views: &[ArrayViewD<'_, f64>; 7],
    shape: &[usize],
    out: &mut [f64],
    cost: Cost,
    kernel: impl Fn(&[&[f64]; 7], &mut [f64]) + Sync,
) -> Result<()> {
    for_each_chunk(views, shape, &mut [out], cost, |x, o| kernel(x, o[0]))
}

/// One price, through the CPU-specific copy of the kernel: the per-point path from Python.
/// (Called directly, `bsm_price` would be the baseline x86-64 build, whose fused
/// multiply-adds are library calls.)
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn price_one(c: &Contract) -> f64 {
    crate::black::bsm_price(c)
}

/// One implied vol (inputs as `implied::implied_vol`), through the CPU-specific copy (as
/// `price_one`): what the array kernels give for it, without their vector group of sixteen.
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn implied_one(price: f64, s: f64, k: f64, r: f64, q: f64, t: f64, is_call: bool) -> f64 {
    crate::implied::implied_vol(price, s, k, r, q, t, is_call)
}

/// The domain rules of `implied_vol_into` (`black76_implied_vol_into` with `spot` named
/// "f" and `q = r`) for one set of inputs; `price` may be anything.
pub fn validate_implied(spot: &'static str, s: f64, k: f64, r: f64, q: f64, t: f64) -> Result<()> {
    check_scalar(spot, s, Domain::Positive)?;
    check_scalar("k", k, Domain::Positive)?;
    check_scalar("r", r, Domain::Finite)?;
    check_scalar("t", t, Domain::Positive)?;
    check_scalar("q", q, Domain::Finite)
}

/// Price and greeks of one contract, through the CPU-specific copy (as `price_one`): what
/// the array kernels give for it, without their arrays.
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn greeks_one(c: &Contract) -> GreekValues {
    crate::black::bsm_greeks(c)
}

/// The scalar twin of `BsmArrays::validate`, for per-point calls.
pub fn validate_contract(c: &Contract) -> Result<()> {
    let columns = [c.s, c.k, c.r, c.q, c.sigma, c.t];
    for (name, column, domain) in BSM_RULES {
        check_scalar(name, columns[column], domain)?;
    }
    Ok(())
}

/// When a BSM call checks its inputs' domain, which depends on whose buffer it fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Before anything is written: a user's `out=`, which an error must leave as it was.
    First,
    /// Chunk by chunk inside the kernel's pass over the inputs, while they are in the cache,
    /// instead of in a pass of its own (at 5 M prices on two threads of a Xeon 1.08x): for
    /// buffers the caller throws away on error, which then hold garbage. The error is the
    /// one `validate` gives (the first culprit in C order of the first argument in rule
    /// order).
    InPass,
}

/// True when no element of a chunk's inputs breaks its rule in `BSM_RULES`.
fn chunk_in_domain(inputs: &[&[f64]; 7]) -> bool {
    BSM_RULES
        .iter()
        .all(|&(_, column, domain)| first_outside_serial(inputs[column], domain).is_none())
}

/// `for_each_chunk` over a BSM batch, its domain checked as `check` says.
fn checked_run(
    a: &BsmArrays,
    shape: &[usize],
    outs: &mut [&mut [f64]],
    cost: Cost,
    check: Check,
    kernel: impl Fn(&[&[f64]; 7], &mut [&mut [f64]]) + Sync,
) -> Result<()> {
    // with no chunk to check (an empty broadcast) the rules still hold for what was passed
    if check == Check::First || shape.contains(&0) {
        a.validate()?;
        return for_each_chunk(&a.views(), shape, outs, cost, kernel);
    }
    if for_each_checked_chunk(&a.views(), shape, outs, cost, chunk_in_domain, &kernel)? {
        return Ok(());
    }
    a.validate()?;
    // a chunk broke a rule the whole inputs now keep: another thread wrote into an input
    // while the GIL was released; what it holds now passed, so price that
    for_each_chunk(&a.views(), shape, outs, cost, kernel)
}

/// Fill `out` (flat, C order, the broadcast size) with prices, the domain checked as
/// `check` says.
pub fn price_into(
    a: &BsmArrays,
    shape: &[usize],
    out: &mut [f64],
    parallel: bool,
    check: Check,
) -> Result<()> {
    checked_run(
        a,
        shape,
        &mut [out],
        Cost::PRICE.on_pool(parallel),
        check,
        |x, o| price_chunk(x, o[0]),
    )
}

// The chunk kernels: everything they call is inlined, so each CPU-specific copy gets the
// fused multiply-adds the double-double arithmetic relies on as single instructions.
/// The scalar chunk kernel (the one-lane instance and the careful code), compiled for the
/// CPU as the batch kernels are: the "scalar" row of the kernel benchmark (`kernel_ns`).
#[doc(hidden)]
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn price_chunk_one_lane(x: &[&[f64]; 7], out: &mut [f64]) {
    crate::black::bsm_price_chunk(x, out);
}

/// The price chunk kernel every array call runs (the widest the CPU has; also the kernel
/// benchmark's "dispatched" row).
#[doc(hidden)]
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn price_chunk(x: &[&[f64]; 7], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    crate::dispatch::price_chunk(x, out);
    // elsewhere the two-lane kernels, the same bits as the scalar code: NEON on aarch64
    // (1.35-1.62x fewer instructions per contract, `tools/lane_count.py`), plain arrays on
    // other CPUs
    #[cfg(not(target_arch = "x86_64"))]
    crate::simd_lanes::price_chunk(x, out);
}

#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
fn greeks_chunk(x: &[&[f64]; 7], which: &[Greek], outs: &mut [&mut [f64]]) {
    #[cfg(target_arch = "x86_64")]
    crate::dispatch::greeks_chunk(x, which, outs);
    #[cfg(not(target_arch = "x86_64"))]
    crate::simd_lanes::greeks_chunk(x, which, outs);
}

/// Fill one output per entry of `which` with that greek, the domain checked as `check`
/// says.
pub fn greeks_into(
    a: &BsmArrays,
    shape: &[usize],
    which: &[Greek],
    outs: &mut [&mut [f64]],
    parallel: bool,
    check: Check,
) -> Result<()> {
    if which.len() != outs.len() || which.len() > MAX_OUTPUTS {
        return Err(PricingError::InvalidArgument(
            "internal: one output per greek".to_string(),
        ));
    }
    if which == [Greek::Price] {
        return price_into(a, shape, outs[0], parallel, check);
    }
    checked_run(
        a,
        shape,
        outs,
        Cost::GREEKS.on_pool(parallel),
        check,
        |x, o| greeks_chunk(x, which, o),
    )
}

/// The inputs of a Black-76 batch.
pub struct Black76Arrays<'a> {
    pub f: ArrayViewD<'a, f64>,
    pub k: ArrayViewD<'a, f64>,
    pub r: ArrayViewD<'a, f64>,
    pub sigma: ArrayViewD<'a, f64>,
    pub t: ArrayViewD<'a, f64>,
    pub call: ArrayViewD<'a, f64>,
}

/// The domain rules of `black76_into` for one contract.
pub fn validate_black76(f: f64, k: f64, r: f64, sigma: f64, t: f64) -> Result<()> {
    check_scalar("f", f, Domain::Positive)?;
    check_scalar("k", k, Domain::Positive)?;
    check_scalar("r", r, Domain::Finite)?;
    check_scalar("sigma", sigma, Domain::Positive)?;
    check_scalar("t", t, Domain::Positive)
}

pub fn black76_into(
    a: &Black76Arrays,
    shape: &[usize],
    out: &mut [f64],
    parallel: bool,
) -> Result<()> {
    check_domain("f", &a.f, Domain::Positive)?;
    check_domain("k", &a.k, Domain::Positive)?;
    check_domain("r", &a.r, Domain::Finite)?;
    check_domain("sigma", &a.sigma, Domain::Positive)?;
    check_domain("t", &a.t, Domain::Positive)?;
    // Black-76 is BSM with spot f and dividend yield r: the BSM kernel prices it
    let views = [
        a.f.clone(),
        a.k.clone(),
        a.r.clone(),
        a.r.clone(),
        a.sigma.clone(),
        a.t.clone(),
        a.call.clone(),
    ];
    one_column(
        &views,
        shape,
        out,
        Cost::PRICE.on_pool(parallel),
        price_chunk,
    )
}

/// The inputs of an implied-volatility batch. `price` may hold anything: a price no
/// volatility reproduces gives NaN for that element.
pub struct ImpliedArrays<'a> {
    pub price: ArrayViewD<'a, f64>,
    pub s: ArrayViewD<'a, f64>,
    pub k: ArrayViewD<'a, f64>,
    pub r: ArrayViewD<'a, f64>,
    pub q: ArrayViewD<'a, f64>,
    pub t: ArrayViewD<'a, f64>,
    pub call: ArrayViewD<'a, f64>,
}

pub fn implied_vol_into(
    a: &ImpliedArrays,
    shape: &[usize],
    out: &mut [f64],
    parallel: bool,
) -> Result<()> {
    check_domain("s", &a.s, Domain::Positive)?;
    check_domain("k", &a.k, Domain::Positive)?;
    check_domain("r", &a.r, Domain::Finite)?;
    check_domain("t", &a.t, Domain::Positive)?;
    check_domain("q", &a.q, Domain::Finite)?;
    let views = [
        a.price.clone(),
        a.s.clone(),
        a.k.clone(),
        a.r.clone(),
        a.q.clone(),
        a.t.clone(),
        a.call.clone(),
    ];
    one_column(
        &views,
        shape,
        out,
        Cost::IMPLIED_VOL.on_pool(parallel),
        implied_chunk,
    )
}

#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
fn implied_chunk(x: &[&[f64]; 7], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    crate::dispatch::implied_chunk(x, out);
    #[cfg(not(target_arch = "x86_64"))]
    crate::simd_lanes::implied_chunk(x, out);
    for v in out.iter_mut() {
        *v = crate::implied::positive_or_nan(*v);
    }
}

/// Black-76 implied volatilities: `f` in place of `s`, no dividend yield.
pub struct Black76ImpliedArrays<'a> {
    pub price: ArrayViewD<'a, f64>,
    pub f: ArrayViewD<'a, f64>,
    pub k: ArrayViewD<'a, f64>,
    pub r: ArrayViewD<'a, f64>,
    pub t: ArrayViewD<'a, f64>,
    pub call: ArrayViewD<'a, f64>,
}

pub fn black76_implied_vol_into(
    a: &Black76ImpliedArrays,
    shape: &[usize],
    out: &mut [f64],
    parallel: bool,
) -> Result<()> {
    check_domain("f", &a.f, Domain::Positive)?;
    check_domain("k", &a.k, Domain::Positive)?;
    check_domain("r", &a.r, Domain::Finite)?;
    check_domain("t", &a.t, Domain::Positive)?;
    // BSM with spot f and dividend yield r, as for the prices
    let views = [
        a.price.clone(),
        a.f.clone(),
        a.k.clone(),
        a.r.clone(),
        a.r.clone(),
        a.t.clone(),
        a.call.clone(),
    ];
    one_column(
        &views,
        shape,
        out,
        Cost::IMPLIED_VOL.on_pool(parallel),
        implied_chunk,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, arr0};

    #[test]
    fn first_offending_index_is_reported() {
        let mut sig = Array1::from_elem(5000, 0.2);
        sig[1234] = -0.2;
        sig[2000] = -1.0;
        let e = check_domain("sigma", &sig.view().into_dyn(), Domain::Positive).unwrap_err();
        assert_eq!(e.to_string(), "sigma[1234] = -0.2: sigma must be > 0");
        let inf = arr0(f64::INFINITY).into_dyn();
        let e = check_domain("s", &inf.view(), Domain::Positive).unwrap_err();
        assert_eq!(e.to_string(), "s = inf: s must be finite and > 0");
        let nan = arr0(f64::NAN).into_dyn();
        assert!(check_domain("t", &nan.view(), Domain::Positive).is_ok());
    }

    /// Large inputs are scanned in pieces on the pool: still the first culprit in C order,
    /// whichever piece finishes first, and NaN still passes.
    #[test]
    fn first_offending_index_of_a_large_input() {
        crate::parallel::set_num_threads(2).unwrap();
        let n = 1_000_003;
        let mut t = Array1::from_elem(n, 0.5);
        t[17] = f64::NAN;
        assert!(check_domain("t", &t.view().into_dyn(), Domain::Positive).is_ok());
        for (later, first) in [(900_000, 300_001), (n - 1, 262_144), (500_000, 131_071)] {
            let mut t = t.clone();
            t[later] = 0.0;
            t[first] = f64::NEG_INFINITY;
            let e = check_domain("t", &t.view().into_dyn(), Domain::Positive).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("t[{first}] = -inf: t must be finite and > 0")
            );
        }
        let mut r = Array1::from_elem(n, 0.01);
        r[n - 1] = f64::INFINITY;
        let e = check_domain("r", &r.view().into_dyn(), Domain::Finite).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("r[{}] = inf: r must be finite", n - 1)
        );
    }

    /// The check in the kernel's pass (fresh outputs) names the same culprit as the check
    /// before it, wherever the culprits sit among the chunks and threads, values included;
    /// with no culprit the results are those of `price_into` and `greeks_into`.
    #[test]
    fn fresh_outputs_are_checked_in_the_pass_with_the_same_errors() {
        crate::parallel::set_num_threads(2).unwrap();
        let n = 100_003;
        let s = Array1::from_shape_fn(n, |i| 60.0 + (i % 997) as f64 * 0.1).into_dyn();
        let k = arr0(100.0).into_dyn();
        let r = arr0(0.02).into_dyn();
        let q = Array1::from_shape_fn(n, |i| 0.01 * (i % 3) as f64).into_dyn();
        let sigma = Array1::from_shape_fn(n, |i| 0.1 + (i % 89) as f64 * 0.01).into_dyn();
        let t = arr0(0.5).into_dyn();
        let call = Array1::from_shape_fn(n, |i| if i % 2 == 0 { 1.0 } else { -1.0 }).into_dyn();
        let arrays = |s: &ndarray::ArrayD<f64>,
                      sigma: &ndarray::ArrayD<f64>,
                      t: &ndarray::ArrayD<f64>| {
            let a = BsmArrays {
                s: s.view(),
                k: k.view(),
                r: r.view(),
                q: q.view(),
                sigma: sigma.view(),
                t: t.view(),
                call: call.view(),
            };
            let mut fresh = vec![0.0; n];
            let mut checked = vec![7.0; n];
            let f =
                price_into(&a, &[n], &mut fresh, true, Check::InPass).map_err(|e| e.to_string());
            let c =
                price_into(&a, &[n], &mut checked, true, Check::First).map_err(|e| e.to_string());
            let mut g_fresh = vec![vec![0.0; n]; 2];
            let mut g_checked = vec![vec![0.0; n]; 2];
            let which = [Greek::Price, Greek::Vega];
            let gf = {
                let mut outs: Vec<&mut [f64]> = g_fresh.iter_mut().map(|v| &mut v[..]).collect();
                greeks_into(&a, &[n], &which, &mut outs, true, Check::InPass)
                    .map_err(|e| e.to_string())
            };
            let gc = {
                let mut outs: Vec<&mut [f64]> = g_checked.iter_mut().map(|v| &mut v[..]).collect();
                greeks_into(&a, &[n], &which, &mut outs, true, Check::First)
                    .map_err(|e| e.to_string())
            };
            (f, c, fresh, checked, gf, gc, g_fresh, g_checked)
        };
        let (f, c, fresh, checked, gf, gc, g_fresh, g_checked) = arrays(&s, &sigma, &t);
        assert!(f.is_ok() && c.is_ok() && gf.is_ok() && gc.is_ok());
        assert!(
            fresh
                .iter()
                .zip(&checked)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert_eq!(g_fresh, g_checked);
        // culprits early, late, in two arguments (s named first by the rules' order, though
        // sigma's is earlier in memory), and a scalar one
        for (s_at, sigma_at, bad_t) in [
            (Some(n - 1), None, false),
            (Some(60_000), Some(5), false),
            (None, Some(40_960), false),
            (None, None, true),
        ] {
            let (mut s2, mut sigma2) = (s.clone(), sigma.clone());
            if let Some(i) = s_at {
                s2[[i]] = -3.0;
            }
            if let Some(i) = sigma_at {
                sigma2[[i]] = f64::INFINITY;
                sigma2[[i + 30_000]] = 0.0;
            }
            let t2 = arr0(if bad_t { 0.0 } else { 0.5 }).into_dyn();
            let (f, c, _, checked, gf, gc, _, _) = arrays(&s2, &sigma2, &t2);
            let want = c.expect_err("a culprit");
            assert_eq!(f.expect_err("a culprit"), want);
            assert_eq!(gf.expect_err("a culprit"), want);
            assert_eq!(gc.expect_err("a culprit"), want);
            assert!(
                checked.iter().all(|&v| v == 7.0),
                "Check::First wrote before its check"
            );
            let first = match (s_at, sigma_at) {
                (Some(i), _) => format!("s[{i}] = -3"),
                (None, Some(i)) => format!("sigma[{i}] = inf"),
                _ => "t = 0".to_string(),
            };
            assert!(want.starts_with(&first), "{want}");
        }
        // an empty broadcast still checks what was passed
        let empty = Array1::<f64>::zeros(0).into_dyn();
        let bad = arr0(-1.0).into_dyn();
        let a = BsmArrays {
            s: empty.view(),
            k: k.view(),
            r: r.view(),
            q: r.view(),
            sigma: bad.view(),
            t: t.view(),
            call: k.view(),
        };
        let e = price_into(&a, &[0], &mut [], true, Check::InPass).unwrap_err();
        assert_eq!(e.to_string(), "sigma = -1.0: sigma must be > 0");
    }

    #[test]
    fn errors_leave_the_output_untouched() {
        let s = Array1::from_vec(vec![100.0, -1.0]).into_dyn();
        let one = arr0(1.0).into_dyn();
        let k = arr0(100.0).into_dyn();
        let a = BsmArrays {
            s: s.view(),
            k: k.view(),
            r: one.view(),
            q: one.view(),
            sigma: one.view(),
            t: one.view(),
            call: one.view(),
        };
        let mut out = vec![7.0; 2];
        assert!(price_into(&a, &[2], &mut out, false, Check::First).is_err());
        assert_eq!(out, vec![7.0, 7.0]);
    }
}
