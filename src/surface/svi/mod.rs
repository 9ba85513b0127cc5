//! SVI and SSVI implied-volatility smiles and surfaces: evaluation, static-arbitrage checks,
//! fitting, and sensitivities of the fitted parameters to the market data.
//!
//! Conventions: `k = ln(K / F(T))` (log-moneyness), `w = sigma_imp^2 T` (total implied
//! variance), `t` = tenor in years.
//!
//! - raw SVI (Gatheral 2004; Gatheral & Jacquier 2014 (G&J), eq. 3.1):
//!   `w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2))`;
//! - butterfly arbitrage: the risk-neutral density is `g(k) / sqrt(2 pi w) exp(-d_-^2 / 2)`
//!   with `g(k) = (1 - k w'/(2w))^2 - w'^2/4 (1/w + 1/4) + w''/2` (G&J eq. 2.1); a smile
//!   is free of butterfly arbitrage iff `g >= 0` (and `d_+ -> -inf` as `k -> inf`);
//! - calendar arbitrage: `w(k, T)` non-decreasing in `T` at every `k` (G&J Lemma 2.1);
//! - SSVI (G&J eq. 4.1), see [`ssvi`].
//!
//! Only `std` and the crate's pool (`parallel`, for a batch of slices) are used. Nothing
//! here panics on user data: degenerate inputs give a status flag ([`FitStatus`]) or an
//! error ([`SviError`]).

// `!(x > 0.0)` is deliberate throughout: it also catches NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::needless_range_loop)]

mod fit;
mod linalg;
mod lm;
mod sensitivity;
mod slice;
pub mod ssvi;
#[cfg(test)]
mod tests;

pub use fit::{
    ArbitragePenalty, FitOptions, FitStatus, Objective, SliceFit, SliceInput, fit_svi_many,
    fit_svi_slice,
};
pub use sensitivity::{SliceSensitivity, fitted_vol_jacobian, svi_sensitivity};
pub use ssvi::{SsviFit, SsviParams, fit_ssvi};

use std::fmt;

/// Why a parameter set is not a valid raw SVI smile.
#[derive(Clone, Debug, PartialEq)]
pub enum SviError {
    /// a parameter is NaN or infinite
    NonFinite(&'static str),
    /// `b < 0`
    NegativeB(f64),
    /// `|rho| >= 1`
    RhoOutOfRange(f64),
    /// `sigma <= 0`
    NonPositiveSigma(f64),
    /// `a + b sigma sqrt(1 - rho^2) < 0`: the smile's minimum total variance is negative
    NegativeMinVariance(f64),
    /// an SSVI parameter outside its domain (name, value)
    Ssvi(&'static str, f64),
}

impl fmt::Display for SviError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SviError::NonFinite(name) => write!(f, "{name} must be finite"),
            SviError::NegativeB(b) => write!(f, "b = {b:?}: b must be >= 0"),
            SviError::RhoOutOfRange(r) => write!(f, "rho = {r:?}: rho must be in (-1, 1)"),
            SviError::NonPositiveSigma(s) => write!(f, "sigma = {s:?}: sigma must be > 0"),
            SviError::NegativeMinVariance(v) => write!(
                f,
                "a + b sigma sqrt(1 - rho^2) = {v:?}: the minimum total variance must be >= 0"
            ),
            SviError::Ssvi(name, v) => write!(f, "{name} = {v:?} is outside the SSVI domain"),
        }
    }
}

impl std::error::Error for SviError {}

/// Raw SVI: `w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2))`, `k = ln(K/F)`,
/// `w` = total implied variance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SviParams {
    pub a: f64,
    pub b: f64,
    pub rho: f64,
    pub m: f64,
    pub sigma: f64,
}

/// Result of [`SviParams::butterfly_arbitrage`].
#[derive(Clone, Debug, PartialEq)]
pub struct ButterflyReport {
    /// true when `g(k) >= 0` at every scanned point (no butterfly arbitrage found)
    pub ok: bool,
    /// maximal k-intervals where `g < 0` (ends refined by bisection; `+-inf` for a wing whose
    /// asymptotic `g` is negative, i.e. a slope above Lee's bound 2)
    pub intervals: Vec<(f64, f64)>,
    /// the smallest `g` found (NaN if the parameters are not finite)
    pub min_density: f64,
    /// where it was found
    pub argmin: f64,
}

/// `w, w', w''` and their gradients in `(a, b, rho, m, sigma)`, at one `k`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SmileDerivs {
    pub w: f64,
    pub w1: f64,
    pub w2: f64,
    pub dw: [f64; 5],
    pub dw1: [f64; 5],
    pub dw2: [f64; 5],
}

impl SviParams {
    /// Validated constructor. Domain: all finite, `b >= 0`, `|rho| < 1`, `sigma > 0`,
    /// `a + b sigma sqrt(1 - rho^2) >= 0` (the minimum of `w`, G&J section 3.1).
    pub fn new(a: f64, b: f64, rho: f64, m: f64, sigma: f64) -> Result<Self, SviError> {
        for (name, v) in [("a", a), ("b", b), ("rho", rho), ("m", m), ("sigma", sigma)] {
            if !v.is_finite() {
                return Err(SviError::NonFinite(name));
            }
        }
        if b < 0.0 {
            return Err(SviError::NegativeB(b));
        }
        if rho.abs() >= 1.0 {
            return Err(SviError::RhoOutOfRange(rho));
        }
        if sigma <= 0.0 {
            return Err(SviError::NonPositiveSigma(sigma));
        }
        let p = SviParams {
            a,
            b,
            rho,
            m,
            sigma,
        };
        let mv = p.min_total_variance();
        // tolerate round-off below zero for a smile whose minimum is exactly 0
        if mv < -1e-14 * (a.abs() + b * sigma) {
            return Err(SviError::NegativeMinVariance(mv));
        }
        Ok(p)
    }

    /// All fields NaN: the "not fitted" value.
    pub fn nan() -> Self {
        SviParams {
            a: f64::NAN,
            b: f64::NAN,
            rho: f64::NAN,
            m: f64::NAN,
            sigma: f64::NAN,
        }
    }

    pub fn is_finite(&self) -> bool {
        self.a.is_finite()
            && self.b.is_finite()
            && self.rho.is_finite()
            && self.m.is_finite()
            && self.sigma.is_finite()
    }

    pub fn to_array(&self) -> [f64; 5] {
        [self.a, self.b, self.rho, self.m, self.sigma]
    }

    pub fn from_array(p: [f64; 5]) -> Self {
        SviParams {
            a: p[0],
            b: p[1],
            rho: p[2],
            m: p[3],
            sigma: p[4],
        }
    }

    /// `min_k w(k) = a + b sigma sqrt(1 - rho^2)`, attained at `k = m - rho sigma / sqrt(1 - rho^2)`.
    pub fn min_total_variance(&self) -> f64 {
        self.a + self.b * self.sigma * (1.0 - self.rho * self.rho).max(0.0).sqrt()
    }

    pub fn total_variance(&self, k: f64) -> f64 {
        let x = k - self.m;
        self.a + self.b * (self.rho * x + radius(x, self.sigma))
    }

    /// `dw/dk = b (rho + (k - m) / sqrt((k - m)^2 + sigma^2))`
    pub fn dw(&self, k: f64) -> f64 {
        let x = k - self.m;
        let r = radius(x, self.sigma);
        // r = 0 only for sigma = 0 at k = m (outside the domain): use the one-sided limit 0
        let xr = if r > 0.0 { x / r } else { 0.0 };
        self.b * (self.rho + xr)
    }

    /// `d2w/dk2 = b sigma^2 / ((k - m)^2 + sigma^2)^(3/2)`
    pub fn d2w(&self, k: f64) -> f64 {
        let x = k - self.m;
        let r = radius(x, self.sigma);
        if r > 0.0 {
            self.b * self.sigma * self.sigma / (r * r * r)
        } else {
            f64::NAN
        }
    }

    /// Implied volatility `sqrt(w(k) / t)`; NaN for `t <= 0` or a negative `w`.
    pub fn vol(&self, k: f64, t: f64) -> f64 {
        if !(t > 0.0) {
            return f64::NAN;
        }
        (self.total_variance(k) / t).sqrt()
    }

    /// Gatheral's `g(k) = (1 - k w'/(2w))^2 - w'^2/4 (1/w + 1/4) + w''/2` (G&J eq. 2.1).
    /// NaN where `w <= 0` (the density is not defined there).
    pub fn density(&self, k: f64) -> f64 {
        let w = self.total_variance(k);
        if !(w > 0.0) {
            return f64::NAN;
        }
        g_from(k, w, self.dw(k), self.d2w(k))
    }

    /// The density's minimum between `lo` and `hi` by golden section (60 steps), as
    /// `(k, g(k))`: the polish of a scan's local minimum between its neighbours.
    fn density_minimum(&self, mut lo: f64, mut hi: f64) -> (f64, f64) {
        let gr = 0.5 * (5f64.sqrt() - 1.0);
        for _ in 0..60 {
            let c = hi - gr * (hi - lo);
            let d = lo + gr * (hi - lo);
            if self.density(c) < self.density(d) {
                hi = d
            } else {
                lo = c
            }
        }
        let k = 0.5 * (lo + hi);
        (k, self.density(k))
    }

    /// `w, w', w''` and their parameter gradients at `k` (order a, b, rho, m, sigma).
    pub(crate) fn derivs(&self, k: f64) -> SmileDerivs {
        let SviParams {
            a,
            b,
            rho,
            m,
            sigma,
        } = *self;
        let x = k - m;
        let r = radius(x, sigma);
        let xr = x / r;
        let s2 = sigma * sigma;
        let r3 = r * r * r;
        let r5 = r3 * r * r;
        let w = a + b * (rho * x + r);
        let w1 = b * (rho + xr);
        let w2 = b * s2 / r3;
        let dw = [1.0, rho * x + r, b * x, -b * (rho + xr), b * sigma / r];
        // d w' / d theta (also d^2 w / dk d theta)
        let dw1 = [0.0, rho + xr, b, -b * s2 / r3, -b * x * sigma / r3];
        let dw2 = [
            0.0,
            s2 / r3,
            0.0,
            3.0 * b * s2 * x / r5,
            b * sigma * (2.0 * x * x - s2) / r5,
        ];
        SmileDerivs {
            w,
            w1,
            w2,
            dw,
            dw1,
            dw2,
        }
    }

    /// Scan for butterfly arbitrage (`g < 0`).
    ///
    /// `g` depends on `k` through `x = k - m` on the scale `sigma` and through the explicit
    /// `k` in `k w'/(2w)`, so the scan combines (i) `x = sigma sinh(z)`, 801 points with
    /// `|x| <= 1e4 sigma` (dense near the vertex, reaching the linear wings), (ii) 601 points
    /// uniform in `k` on `[-L, L]`, `L = max(10, 2|m| + 10)`, and (iii) 100 log-spaced points
    /// up to `|k| = 1e8`. Sign changes are refined by bisection. As `|k| -> inf`,
    /// `g -> 1/4 - b^2 (1 +- rho)^2 / 16`, negative iff a wing slope exceeds 2 (Roger Lee's
    /// moment bound); such a wing is reported as an interval reaching `+-inf`.
    /// Every local minimum of the scan with `0 <= g < 0.01` is polished by golden section, so
    /// a negative dip narrower than the spacing is still found when it sits at such a minimum.
    pub fn butterfly_arbitrage(&self) -> ButterflyReport {
        if !self.is_finite() || !(self.sigma > 0.0) {
            return ButterflyReport {
                ok: false,
                intervals: Vec::new(),
                min_density: f64::NAN,
                argmin: f64::NAN,
            };
        }
        let mut ks: Vec<f64> = Vec::with_capacity(3100);
        let zmax = (1e4f64).asinh();
        let nz = 800;
        for i in 0..=nz {
            let z = -zmax + 2.0 * zmax * i as f64 / nz as f64;
            ks.push(self.m + self.sigma * z.sinh());
        }
        let l = (2.0 * self.m.abs() + 10.0).max(10.0);
        let nl = 600;
        for i in 0..=nl {
            ks.push(-l + 2.0 * l * i as f64 / nl as f64);
        }
        for i in 0..50 {
            let e = 10f64.powf(1.0 + 7.0 * i as f64 / 49.0);
            ks.push(e);
            ks.push(-e);
        }
        ks.retain(|k| k.is_finite());
        ks.sort_by(|a, b| a.total_cmp(b));
        ks.dedup();
        let gs: Vec<f64> = ks.iter().map(|&k| self.density(k)).collect();
        let bad = |g: f64| !(g >= 0.0);

        let mut min_density = f64::INFINITY;
        let mut imin = 0;
        for (i, &g) in gs.iter().enumerate() {
            if g < min_density || (g.is_nan() && !min_density.is_nan()) {
                min_density = g;
                imin = i;
            }
        }
        let mut argmin = ks.get(imin).copied().unwrap_or(f64::NAN);
        // golden-section polish of the minimum between the neighbouring scan points
        if min_density.is_finite() && imin > 0 && imin + 1 < ks.len() {
            let (kk, gk) = self.density_minimum(ks[imin - 1], ks[imin + 1]);
            if gk < min_density {
                min_density = gk;
                argmin = kk;
            }
        }

        let refine = |mut good: f64, mut badk: f64| -> f64 {
            for _ in 0..80 {
                let mid = 0.5 * (good + badk);
                if mid == good || mid == badk {
                    break;
                }
                if bad(self.density(mid)) {
                    badk = mid
                } else {
                    good = mid
                }
            }
            badk
        };
        let mut intervals = Vec::new();
        let n = ks.len();
        let mut i = 0;
        while i < n {
            if !bad(gs[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && bad(gs[i]) {
                i += 1;
            }
            let end = i - 1;
            let lo = if start == 0 {
                if 0.25 - (self.b * (1.0 - self.rho)).powi(2) / 16.0 < 0.0 {
                    f64::NEG_INFINITY
                } else {
                    ks[0]
                }
            } else {
                refine(ks[start - 1], ks[start])
            };
            let hi = if end + 1 == n {
                if 0.25 - (self.b * (1.0 + self.rho)).powi(2) / 16.0 < 0.0 {
                    f64::INFINITY
                } else {
                    ks[n - 1]
                }
            } else {
                refine(ks[end + 1], ks[end])
            };
            intervals.push((lo, hi));
        }
        // A dip narrower than the scan spacing shows up as a grid local minimum with a small
        // non-negative g: polish every such minimum (golden section between its neighbours)
        // and report the negative ones, with ends bisected against the good neighbours.
        for i in 1..n.saturating_sub(1) {
            let g = gs[i];
            if !((0.0..1e-2).contains(&g) && g <= gs[i - 1] && g <= gs[i + 1]) {
                continue;
            }
            let (kk, gk) = self.density_minimum(ks[i - 1], ks[i + 1]);
            if bad(gk) {
                intervals.push((refine(ks[i - 1], kk), refine(ks[i + 1], kk)));
                if gk < min_density {
                    min_density = gk;
                    argmin = kk;
                }
            }
        }
        intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
        ButterflyReport {
            ok: intervals.is_empty(),
            intervals,
            min_density,
            argmin,
        }
    }
}

/// `sqrt(x^2 + s^2)`: the plain formula (several times faster than `hypot`), with `hypot`
/// only where the squares overflow.
#[inline]
pub(crate) fn radius(x: f64, s: f64) -> f64 {
    let r = (x * x + s * s).sqrt();
    if r.is_finite() { r } else { x.hypot(s) }
}

/// `g` from `k, w, w', w''` (G&J eq. 2.1).
pub(crate) fn g_from(k: f64, w: f64, w1: f64, w2: f64) -> f64 {
    let u = 1.0 - k * w1 / (2.0 * w);
    u * u - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2
}

/// `g` and its partial derivatives in `(w, w', w'')` at fixed `k`.
pub(crate) fn g_partials(k: f64, w: f64, w1: f64) -> (f64, f64, f64) {
    let u = 1.0 - k * w1 / (2.0 * w);
    let gw = 2.0 * u * (k * w1 / (2.0 * w * w)) + w1 * w1 / (4.0 * w * w);
    let gw1 = 2.0 * u * (-k / (2.0 * w)) - 0.5 * w1 * (1.0 / w + 0.25);
    (gw, gw1, 0.5)
}

/// One calendar-arbitrage finding between two tenors (indices into the caller's slices).
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarViolation {
    /// index of the shorter tenor
    pub earlier: usize,
    /// index of the longer tenor, whose total variance falls below the shorter one's
    pub later: usize,
    /// maximal k-intervals where `w_later(k) < w_earlier(k)`; ends refined by bisection
    /// between the grid points (clipped to the grid's range)
    pub intervals: Vec<(f64, f64)>,
    /// grid point with the most negative `w_later - w_earlier`
    pub worst_k: f64,
    /// that difference (< 0)
    pub worst_diff: f64,
}

/// Calendar arbitrage between SVI slices: total variance must not decrease with tenor at
/// any `k` (G&J Lemma 2.1). Slices are ordered by tenor and each adjacent pair is checked on
/// `k_grid` (non-finite grid points ignored; the grid is sorted internally); monotonicity of
/// adjacent pairs implies it for all pairs. Slices with a non-finite or non-positive tenor, or
/// non-finite parameters, are left out; extra entries of the longer of `slices`/`tenors` are
/// ignored. Crossings strictly between grid points are not seen, so pass a fine grid.
pub fn calendar_arbitrage(
    slices: &[SviParams],
    tenors: &[f64],
    k_grid: &[f64],
) -> Vec<CalendarViolation> {
    let n = slices.len().min(tenors.len());
    let mut order: Vec<usize> = (0..n)
        .filter(|&i| tenors[i] > 0.0 && tenors[i].is_finite() && slices[i].is_finite())
        .collect();
    order.sort_by(|&i, &j| tenors[i].total_cmp(&tenors[j]));
    let mut ks: Vec<f64> = k_grid.iter().copied().filter(|k| k.is_finite()).collect();
    ks.sort_by(|a, b| a.total_cmp(b));
    ks.dedup();
    let mut out = Vec::new();
    for pair in order.windows(2) {
        let (e, l) = (pair[0], pair[1]);
        let (se, sl) = (slices[e], slices[l]);
        let diff = |k: f64| sl.total_variance(k) - se.total_variance(k);
        let tol = |k: f64| 1e-12 * (sl.total_variance(k).abs() + se.total_variance(k).abs());
        let bad = |k: f64| diff(k) < -tol(k);
        let refine = |mut good: f64, mut badk: f64| {
            for _ in 0..80 {
                let mid = 0.5 * (good + badk);
                if mid == good || mid == badk {
                    break;
                }
                if bad(mid) { badk = mid } else { good = mid }
            }
            badk
        };
        let flags: Vec<bool> = ks.iter().map(|&k| bad(k)).collect();
        let mut intervals = Vec::new();
        let (mut worst_k, mut worst_diff) = (f64::NAN, 0.0);
        let mut i = 0;
        while i < ks.len() {
            if !flags[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < ks.len() && flags[i] {
                let d = diff(ks[i]);
                if d < worst_diff {
                    worst_diff = d;
                    worst_k = ks[i];
                }
                i += 1;
            }
            let lo = if start == 0 {
                ks[0]
            } else {
                refine(ks[start - 1], ks[start])
            };
            let hi = if i == ks.len() {
                ks[i - 1]
            } else {
                refine(ks[i], ks[i - 1])
            };
            intervals.push((lo, hi));
        }
        if !intervals.is_empty() {
            out.push(CalendarViolation {
                earlier: e,
                later: l,
                intervals,
                worst_k,
                worst_diff,
            });
        }
    }
    out
}
