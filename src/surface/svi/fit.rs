//! Fitting one raw-SVI slice (and many, in parallel).
//!
//! 1. Global step, no start needed: Zeliade (2009) "quasi-explicit calibration". For fixed
//!    `(m, sigma)`, with `y = (k - m)/sigma`, `w = a + d y + c sqrt(y^2 + 1)` is linear in
//!    `(a, c, d)` (`c = b sigma`, `d = rho b sigma`), so the best `(a, c, d)` is a 3-D
//!    weighted linear least squares on the paper's domain `0 <= a <= max w_i`, `|d| <= c`,
//!    `|d| <= 4 sigma - c` (`2 sigma` when arbitrage-free: Lee's slope bound, see below),
//!    solved exactly by enumerating the active sets of this 3-D polytope. The outer 2-D
//!    problem over `(m, ln sigma)` is a coarse grid on data-driven ranges + Nelder-Mead.
//!    The inner problem is always in total variance; for the implied-vol objective each
//!    node's weight is scaled by `d vol / d w = 1/(2 vol t)` so that it approximates the
//!    vol-space objective to first order.
//! 2. Polish: projected Levenberg-Marquardt ([`super::lm`]) on all five parameters with the
//!    analytic Jacobian, in the chosen objective. Domain kept by projection of each trial
//!    point: `sigma >= 1e-6`, `b >= 0`, `|rho| <= 1 - 1e-6`, `b (1 + |rho|) <= 2` when
//!    arbitrage-free, then `a` raised if needed so that `min w = a + b sigma sqrt(1-rho^2)`
//!    stays `>= w_floor` (a tiny positive floor, so `sqrt(w/t)` and `g` stay defined).
//! 3. Arbitrage-free (`FitOptions::arbitrage_free`): Lee's moment formula bounds the wing
//!    slopes of `w` by 2, i.e. `b (1 + |rho|) <= 2` in total-variance units (the often
//!    quoted `4/T` is the same bound stated for variance instead of total variance with a
//!    factor-2 slack; `g -> 1/4 - b^2 (1 +- rho)^2/16` at `+-inf`, so `g >= 0` forces 2).
//!    It is kept by projection. Butterfly arbitrage in the body is penalised: residuals
//!    `lambda * max(0, eps - g(k_j))` on a k-grid (a power-of-two lattice over the data
//!    range +- one span, plus points, snapped to a finer lattice, where a previous round
//!    found `g < 0`); after each LM round
//!    `butterfly_arbitrage()` checks the whole line and, if needed, the grid is enriched and
//!    `lambda` multiplied by 10 (up to 5 rounds), then a second attempt starts from the
//!    flat smile (G&J 2014 section 5 likewise start from an arbitrage-free guess). If no
//!    arbitrage-free candidate is found the status is `ArbitrageUnresolved` and the params
//!    are the last penalised fit.

use super::lm::{LsqProblem, levenberg_marquardt};
pub use super::slice::{ArbitragePenalty, FitOptions, FitStatus, Objective, SliceFit, SliceInput};
pub(crate) use super::slice::{Nodes, RHO_MAX, SIGMA_MIN, WING_MAX, collect_nodes};
use super::{SviParams, g_from, g_partials, radius};
const ARB_ROUNDS: usize = 5;
const PENALTY_EPS: f64 = 1e-5;

/// Floor on the minimum total variance kept by the projection: positive, so that
/// `sqrt(w/t)` and `g` stay differentiable, and negligible against the data.
pub(crate) fn w_floor(nodes: &Nodes) -> f64 {
    let mean_w = nodes.v.iter().map(|v| v * v * nodes.t).sum::<f64>() / nodes.v.len() as f64;
    1e-10 * mean_w
}

pub(crate) fn project_params(p: &mut [f64], arb: bool, floor: f64) {
    if !(p[4] >= SIGMA_MIN) {
        p[4] = SIGMA_MIN;
    }
    if !(p[1] >= 0.0) {
        p[1] = 0.0;
    }
    if p[2].is_nan() {
        p[2] = 0.0;
    }
    p[2] = p[2].clamp(-RHO_MAX, RHO_MAX);
    if arb && p[1] * (1.0 + p[2].abs()) > WING_MAX {
        p[1] = WING_MAX / (1.0 + p[2].abs());
    }
    let lift = p[1] * p[4] * (1.0 - p[2] * p[2]).sqrt();
    if !(p[0] + lift >= floor) {
        p[0] = floor - lift;
    }
}

/// The least-squares problem of one slice: data residuals in the chosen objective, plus the
/// butterfly penalty rows when a penalty is given.
pub(crate) struct SviProblem<'a> {
    pub nodes: &'a Nodes,
    pub objective: Objective,
    pub arb: bool,
    pub floor: f64,
    pub penalty: Option<&'a ArbitragePenalty>,
}

impl SviProblem<'_> {
    fn n_data(&self) -> usize {
        self.nodes.k.len()
    }
}

impl LsqProblem for SviProblem<'_> {
    fn n_params(&self) -> usize {
        5
    }
    fn n_residuals(&self) -> usize {
        self.n_data() + self.penalty.map_or(0, |p| p.grid.len())
    }
    fn eval(&self, p: &[f64], r: &mut [f64], mut jac: Option<&mut [f64]>) -> bool {
        let (a, b, rho, m, sigma) = (p[0], p[1], p[2], p[3], p[4]);
        let t = self.nodes.t;
        let nd = self.n_data();
        for i in 0..nd {
            let k = self.nodes.k[i];
            let c = self.nodes.c[i];
            let v = self.nodes.v[i];
            let x = k - m;
            let rr = radius(x, sigma);
            let w = a + b * (rho * x + rr);
            let (res, scale) = match self.objective {
                Objective::ImpliedVol => {
                    if !(w > 0.0) {
                        return false;
                    }
                    let s = (w / t).sqrt();
                    (c * (s - v), c / (2.0 * s * t))
                }
                Objective::TotalVariance => (c * (w - v * v * t), c),
            };
            if !res.is_finite() {
                return false;
            }
            r[i] = res;
            if let Some(j) = jac.as_deref_mut() {
                let row = &mut j[i * 5..i * 5 + 5];
                let xr = x / rr;
                row[0] = scale;
                row[1] = scale * (rho * x + rr);
                row[2] = scale * b * x;
                row[3] = -scale * b * (rho + xr);
                row[4] = scale * b * sigma / rr;
            }
        }
        if let Some(pen) = self.penalty {
            let sp = SviParams {
                a,
                b,
                rho,
                m,
                sigma,
            };
            for (jdx, &k) in pen.grid.iter().enumerate() {
                let row_i = nd + jdx;
                let d = sp.derivs(k);
                if !(d.w > 0.0) {
                    return false;
                }
                let g = g_from(k, d.w, d.w1, d.w2);
                if !g.is_finite() {
                    return false;
                }
                if g < pen.eps {
                    r[row_i] = pen.lambda * (pen.eps - g);
                    if let Some(j) = jac.as_deref_mut() {
                        let (gw, gw1, gw2) = g_partials(k, d.w, d.w1);
                        for q in 0..5 {
                            j[row_i * 5 + q] =
                                -pen.lambda * (gw * d.dw[q] + gw1 * d.dw1[q] + gw2 * d.dw2[q]);
                        }
                    }
                } else {
                    r[row_i] = 0.0;
                    if let Some(j) = jac.as_deref_mut() {
                        j[row_i * 5..row_i * 5 + 5]
                            .iter_mut()
                            .for_each(|v| *v = 0.0);
                    }
                }
            }
        }
        true
    }
    fn project(&self, p: &mut [f64]) {
        project_params(p, self.arb, self.floor);
    }
}

// ---------------------------------------------------------------------------------------
// Zeliade's quasi-explicit global step

/// Weighted data of the inner linear problem (total variance, weights summing to 1).
struct Inner {
    k: Vec<f64>,
    wt: Vec<f64>,
    q: Vec<f64>,
    amax: f64,
    wing: f64,
}

impl Inner {
    fn new(nodes: &Nodes, objective: Objective, arb: bool) -> Self {
        let t = nodes.t;
        let wt: Vec<f64> = nodes.v.iter().map(|v| v * v * t).collect();
        let mut q: Vec<f64> = nodes
            .v
            .iter()
            .zip(&nodes.c)
            .map(|(&v, &c)| {
                let om = match objective {
                    // d vol / d w = 1 / (2 vol t): vol residual ~ w residual / (2 vol t)
                    Objective::ImpliedVol => c / (2.0 * v * t),
                    Objective::TotalVariance => c,
                };
                om * om
            })
            .collect();
        let s: f64 = q.iter().sum();
        q.iter_mut().for_each(|x| *x /= s);
        let amax = wt.iter().fold(0.0f64, |m, &x| m.max(x));
        // Zeliade's domain uses c + |d| <= 4 sigma; with arbitrage-free fitting the wing
        // bound b (1 + |rho|) <= 2 reads c + |d| <= 2 sigma
        let wing = if arb { WING_MAX } else { 4.0 };
        Inner {
            k: nodes.k.clone(),
            wt,
            q,
            amax,
            wing,
        }
    }

    /// Best (value, a, d, c) for fixed (m, sigma).
    fn solve(&self, m: f64, sigma: f64) -> (f64, f64, f64, f64) {
        // normal equations of sum q (a + d y + c z - wt)^2, z = sqrt(y^2 + 1)
        let mut h = [0.0f64; 9];
        let mut g = [0.0f64; 3];
        let mut s0 = 0.0;
        let inv = 1.0 / sigma;
        for i in 0..self.k.len() {
            let y = (self.k[i] - m) * inv;
            let z = (y * y + 1.0).sqrt();
            let q = self.q[i];
            let wt = self.wt[i];
            let f = [1.0, y, z];
            for r in 0..3 {
                g[r] += q * f[r] * wt;
                for c in 0..=r {
                    h[r * 3 + c] += q * f[r] * f[c];
                }
            }
            s0 += q * wt * wt;
        }
        for r in 0..3 {
            for c in 0..r {
                h[c * 3 + r] = h[r * 3 + c];
            }
        }
        // a tiny ridge keeps every face's sub-problem uniquely solvable
        let tr = h[0] + h[4] + h[8];
        for r in 0..3 {
            h[r * 3 + r] += 1e-13 * tr;
        }
        let value = |x: &[f64; 3]| {
            let mut v = s0;
            for r in 0..3 {
                v -= 2.0 * g[r] * x[r];
                for c in 0..3 {
                    v += x[r] * h[r * 3 + c] * x[c];
                }
            }
            v.max(0.0)
        };
        // constraints G x <= hb on x = (a, d, c)
        let bw = self.wing * sigma;
        let gm: [[f64; 3]; 6] = [
            [-1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, -1.0],
            [0.0, -1.0, -1.0],
            [0.0, 1.0, 1.0],
            [0.0, -1.0, 1.0],
        ];
        let hb = [0.0, self.amax, 0.0, 0.0, bw, bw];
        let tol = 1e-12 * (self.amax + bw + 1e-300);
        let feasible = |x: &[f64; 3]| {
            (0..6).all(|i| gm[i][0] * x[0] + gm[i][1] * x[1] + gm[i][2] * x[2] <= hb[i] + tol)
        };
        let mut best_x = [0.0f64; 3];
        let mut best_v = value(&best_x); // the vertex a = c = d = 0 is always feasible
        let hx = |x: &[f64; 3]| -> [f64; 3] {
            [
                h[0] * x[0] + h[1] * x[1] + h[2] * x[2],
                h[3] * x[0] + h[4] * x[1] + h[5] * x[2],
                h[6] * x[0] + h[7] * x[1] + h[8] * x[2],
            ]
        };
        if let Some(unc) = solve3(
            [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], h[8]]],
            g,
        ) && feasible(&unc)
        {
            return (value(&unc), unc[0], unc[1], unc[2]);
        }
        // The minimiser lies in the relative interior of a face of the polytope, where it is
        // the minimiser over that face's affine hull: solve each (closed form in 3-D: planes
        // by a 2x2 reduced system, edges by a 1-D minimisation, vertices by a 3x3 solve) and
        // keep the best feasible one.
        let mut consider = |x: [f64; 3]| {
            if x.iter().all(|v| v.is_finite()) && feasible(&x) {
                let v = value(&x);
                if v < best_v {
                    best_v = v;
                    best_x = x;
                }
            }
        };
        // planes
        for i in 0..6 {
            let nrm = gm[i];
            let nn = dot3(&nrm, &nrm);
            let xp = [
                nrm[0] * hb[i] / nn,
                nrm[1] * hb[i] / nn,
                nrm[2] * hb[i] / nn,
            ];
            // an orthogonal basis of the plane's directions
            let u1 = if nrm[0] != 0.0 {
                [0.0, 1.0, 0.0]
            } else {
                [1.0, 0.0, 0.0]
            };
            let u1 = sub3(u1, scale3(nrm, dot3(&u1, &nrm) / nn));
            let u2 = cross3(&nrm, &u1);
            let hxp = hx(&xp);
            let res = [g[0] - hxp[0], g[1] - hxp[1], g[2] - hxp[2]];
            let (h1, h2) = (hx(&u1), hx(&u2));
            let (a11, a12, a22) = (dot3(&u1, &h1), dot3(&u1, &h2), dot3(&u2, &h2));
            let (b1, b2) = (dot3(&u1, &res), dot3(&u2, &res));
            let det = a11 * a22 - a12 * a12;
            if !(det > 0.0) {
                continue;
            }
            let s1 = (b1 * a22 - b2 * a12) / det;
            let s2 = (a11 * b2 - a12 * b1) / det;
            consider(add3(xp, add3(scale3(u1, s1), scale3(u2, s2))));
        }
        // edges and vertices
        for i in 0..6 {
            for j in i + 1..6 {
                let d = cross3(&gm[i], &gm[j]);
                let dd = dot3(&d, &d);
                if !(dd > 0.0) {
                    continue;
                }
                if let Some(xp) = solve3([gm[i], gm[j], d], [hb[i], hb[j], 0.0]) {
                    let hxp = hx(&xp);
                    let hd = hx(&d);
                    let den = dot3(&d, &hd);
                    if den > 0.0 {
                        let sstar = (dot3(&d, &g) - dot3(&d, &hxp)) / den;
                        consider(add3(xp, scale3(d, sstar)));
                    }
                }
                for l in j + 1..6 {
                    if let Some(x) = solve3([gm[i], gm[j], gm[l]], [hb[i], hb[j], hb[l]]) {
                        consider(x);
                    }
                }
            }
        }
        (best_v, best_x[0], best_x[1], best_x[2])
    }
}

fn dot3(x: &[f64; 3], y: &[f64; 3]) -> f64 {
    x[0] * y[0] + x[1] * y[1] + x[2] * y[2]
}
fn cross3(x: &[f64; 3], y: &[f64; 3]) -> [f64; 3] {
    [
        x[1] * y[2] - x[2] * y[1],
        x[2] * y[0] - x[0] * y[2],
        x[0] * y[1] - x[1] * y[0],
    ]
}
fn add3(x: [f64; 3], y: [f64; 3]) -> [f64; 3] {
    [x[0] + y[0], x[1] + y[1], x[2] + y[2]]
}
fn sub3(x: [f64; 3], y: [f64; 3]) -> [f64; 3] {
    [x[0] - y[0], x[1] - y[1], x[2] - y[2]]
}
fn scale3(x: [f64; 3], s: f64) -> [f64; 3] {
    [x[0] * s, x[1] * s, x[2] * s]
}
/// Cramer's rule for a 3x3 system (rows of `m`); `None` if (relatively) singular.
fn solve3(m: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let c0 = cross3(&m[1], &m[2]);
    let det = dot3(&m[0], &c0);
    let scale = dot3(&m[0], &m[0]).sqrt() * dot3(&m[1], &m[1]).sqrt() * dot3(&m[2], &m[2]).sqrt();
    if !(det.abs() > 1e-13 * scale) {
        return None;
    }
    // x = (b0 (m1 x m2) + b1 (m2 x m0) + b2 (m0 x m1)) / det
    let c1 = cross3(&m[2], &m[0]);
    let c2 = cross3(&m[0], &m[1]);
    let x = [
        (b[0] * c0[0] + b[1] * c1[0] + b[2] * c2[0]) / det,
        (b[0] * c0[1] + b[1] * c1[1] + b[2] * c2[1]) / det,
        (b[0] * c0[2] + b[1] * c1[2] + b[2] * c2[2]) / det,
    ];
    Some(x)
}

/// Nelder-Mead in 2-D (standard coefficients 1, 2, 1/2, 1/2).
fn nelder_mead2<F: Fn([f64; 2]) -> f64>(
    f: F,
    x0: [f64; 2],
    step: [f64; 2],
    max_eval: usize,
    xtol: [f64; 2],
) -> ([f64; 2], f64) {
    let mut s = [x0, [x0[0] + step[0], x0[1]], [x0[0], x0[1] + step[1]]];
    let mut fv = [f(s[0]), f(s[1]), f(s[2])];
    let mut evals = 3;
    while evals < max_eval {
        // order
        let mut idx = [0usize, 1, 2];
        idx.sort_by(|&i, &j| fv[i].total_cmp(&fv[j]));
        s = [s[idx[0]], s[idx[1]], s[idx[2]]];
        fv = [fv[idx[0]], fv[idx[1]], fv[idx[2]]];
        let small = (0..2)
            .all(|d| (s[1][d] - s[0][d]).abs() <= xtol[d] && (s[2][d] - s[0][d]).abs() <= xtol[d]);
        if small || (fv[2] - fv[0]).abs() <= 1e-14 * fv[0].abs() + 1e-300 {
            break;
        }
        let c = [(s[0][0] + s[1][0]) * 0.5, (s[0][1] + s[1][1]) * 0.5];
        let at = |t: f64| [c[0] + t * (s[2][0] - c[0]), c[1] + t * (s[2][1] - c[1])];
        let xr = at(-1.0);
        let fr = f(xr);
        evals += 1;
        if fr < fv[0] {
            let xe = at(-2.0);
            let fe = f(xe);
            evals += 1;
            if fe < fr {
                s[2] = xe;
                fv[2] = fe
            } else {
                s[2] = xr;
                fv[2] = fr
            }
        } else if fr < fv[1] {
            s[2] = xr;
            fv[2] = fr;
        } else {
            let (xc, fc) = if fr < fv[2] {
                let x = at(-0.5);
                (x, f(x))
            } else {
                let x = at(0.5);
                (x, f(x))
            };
            evals += 1;
            if fc < fv[2].min(fr) {
                s[2] = xc;
                fv[2] = fc;
            } else {
                for i in 1..3 {
                    s[i] = [0.5 * (s[0][0] + s[i][0]), 0.5 * (s[0][1] + s[i][1])];
                    fv[i] = f(s[i]);
                }
                evals += 2;
            }
        }
    }
    let mut bi = 0;
    for i in 1..3 {
        if fv[i] < fv[bi] {
            bi = i;
        }
    }
    (s[bi], fv[bi])
}

/// The global (start-free) step: raw SVI parameters from Zeliade's reduction.
pub(crate) fn quasi_explicit_start(nodes: &Nodes, objective: Objective, arb: bool) -> [f64; 5] {
    let inner = Inner::new(nodes, objective, arb);
    let span = nodes.kmax - nodes.kmin;
    let (m_lo, m_hi) = (nodes.kmin - 2.0 * span, nodes.kmax + 2.0 * span);
    let (ls_lo, ls_hi) = ((1e-3 * span).max(SIGMA_MIN).ln(), (10.0 * span).ln());
    let obj = |x: [f64; 2]| {
        let m = x[0].clamp(m_lo, m_hi);
        let sig = x[1].clamp(ls_lo, ls_hi).exp();
        inner.solve(m, sig).0
    };
    // coarse grid: m across the data (+- a quarter span), sigma log-spaced 0.02..2 spans
    let (nm, ns) = (7usize, 6usize);
    let mut best = ([0.0, 0.0], f64::INFINITY);
    for i in 0..nm {
        let m = nodes.kmin - 0.25 * span + 1.5 * span * i as f64 / (nm - 1) as f64;
        for j in 0..ns {
            let ls = (0.02 * span).ln() + (100f64).ln() * j as f64 / (ns - 1) as f64;
            let v = obj([m, ls]);
            if v < best.1 {
                best = ([m, ls], v);
            }
        }
    }
    // the Nelder-Mead only needs to land in the basin of the optimum: LM polishes all five
    // parameters afterwards, so a loose tolerance is enough
    let (x, _) = nelder_mead2(obj, best.0, [0.1 * span, 0.4], 60, [1e-3 * span, 1e-3]);
    let m = x[0].clamp(m_lo, m_hi);
    let sigma = x[1].clamp(ls_lo, ls_hi).exp();
    let (_, a, d, c) = inner.solve(m, sigma);
    let b = c / sigma;
    let rho = if c > 0.0 {
        (d / c).clamp(-RHO_MAX, RHO_MAX)
    } else {
        0.0
    };
    [a, b, rho, m, sigma]
}

/// Lattice spacing of the penalty grid: a power of two near span/16. Grid points are
/// multiples of it, so that a small change of the data does not move them (the penalised
/// objective then depends on the data only through the data residuals, which keeps the
/// implicit-function sensitivities consistent with re-fits).
fn lattice_step(nodes: &Nodes) -> f64 {
    let span = nodes.kmax - nodes.kmin;
    2f64.powi((span / 16.0).log2().floor() as i32)
}

fn snap(k: f64, step: f64) -> f64 {
    (k / step).round() * step
}

fn penalty_grid(nodes: &Nodes, extra: &[f64]) -> Vec<f64> {
    let span = nodes.kmax - nodes.kmin;
    let step = lattice_step(nodes);
    let (lo, hi) = (
        ((nodes.kmin - span) / step).floor(),
        ((nodes.kmax + span) / step).ceil(),
    );
    let n = (hi - lo) as usize;
    let mut g: Vec<f64> = (0..=n).map(|i| (lo + i as f64) * step).collect();
    g.extend(extra.iter().map(|&k| snap(k, step / 8.0)));
    g.retain(|k| k.is_finite());
    g.sort_by(|a, b| a.total_cmp(b));
    g.dedup();
    g
}

/// Points to add to the penalty grid from a failed butterfly check.
fn violation_points(rep: &super::ButterflyReport, p: &[f64; 5]) -> Vec<f64> {
    let mut out = Vec::new();
    for &(lo, hi) in &rep.intervals {
        // infinite ends cannot be penalised on a grid (the wing bound handles the far wings)
        let lo = if lo.is_finite() {
            lo
        } else {
            hi - 10.0 * p[4].max(1.0)
        };
        let hi = if hi.is_finite() {
            hi
        } else {
            lo + 10.0 * p[4].max(1.0)
        };
        if lo.is_finite() && hi.is_finite() {
            for i in 0..5 {
                out.push(lo + (hi - lo) * i as f64 / 4.0);
            }
        }
    }
    if rep.argmin.is_finite() {
        out.push(rep.argmin);
    }
    out
}

/// Per-input-node vol residuals (fitted - observed) and the weighted RMSE.
pub(crate) fn residuals_and_rmse(
    input: &SliceInput,
    nodes: &Nodes,
    p: &SviParams,
) -> (Vec<f64>, f64) {
    let mut res = vec![f64::NAN; input.k.len()];
    let (mut num, mut den) = (0.0, 0.0);
    for (j, &i) in nodes.idx.iter().enumerate() {
        let e = p.vol(nodes.k[j], nodes.t) - nodes.v[j];
        res[i] = e;
        let c2 = nodes.c[j] * nodes.c[j];
        num += c2 * e * e;
        den += c2;
    }
    (res, (num / den).sqrt())
}

/// Fit raw SVI to one smile. Never panics; see [`FitStatus`] for the outcomes.
pub fn fit_svi_slice(input: &SliceInput, opts: &FitOptions) -> SliceFit {
    let n = input.k.len();
    let nodes = match collect_nodes(input) {
        Ok(nd) => nd,
        Err((status, used)) => return SliceFit::failed(n, status, used),
    };
    let arb = opts.arbitrage_free;
    let floor = w_floor(&nodes);
    let start = quasi_explicit_start(&nodes, opts.objective, arb);
    let max_iter = opts.max_iter.max(1);
    let mut iterations = 0;

    if !arb {
        let prob = SviProblem {
            nodes: &nodes,
            objective: opts.objective,
            arb,
            floor,
            penalty: None,
        };
        let res = levenberg_marquardt(&prob, &start, max_iter);
        iterations += res.iterations;
        if !res.evaluable {
            return SliceFit {
                iterations,
                ..SliceFit::failed(n, FitStatus::NotConverged, nodes.k.len())
            };
        }
        let params = SviParams::from_array([res.p[0], res.p[1], res.p[2], res.p[3], res.p[4]]);
        let (residuals, rmse) = residuals_and_rmse(input, &nodes, &params);
        let status = if res.converged {
            FitStatus::Ok
        } else {
            FitStatus::NotConverged
        };
        return SliceFit {
            params,
            status,
            rmse,
            residuals,
            n_used: nodes.k.len(),
            iterations,
            penalty: None,
        };
    }

    // arbitrage-free: penalised rounds, first from the global step, then from a flat smile
    // penalty weight: a typical quote size in the objective's units (20 vol points, or the
    // corresponding total variance), deliberately not taken from the vols themselves so
    // that the penalised objective's dependence on the data is only through the residuals
    let obs_scale = match opts.objective {
        Objective::ImpliedVol => 0.2,
        Objective::TotalVariance => 0.04 * nodes.t,
    };
    let c_rms = (nodes.c.iter().map(|c| c * c).sum::<f64>() / nodes.c.len() as f64).sqrt();
    let lambda0 = c_rms * obs_scale;
    let mean_w = nodes
        .v
        .iter()
        .zip(&nodes.c)
        .map(|(v, c)| c * c * v * v * nodes.t)
        .sum::<f64>()
        / nodes.c.iter().map(|c| c * c).sum::<f64>();
    let span = nodes.kmax - nodes.kmin;
    let flat = [
        mean_w,
        0.0,
        0.0,
        0.5 * (nodes.kmin + nodes.kmax),
        0.25 * span,
    ];
    let mut last: Option<([f64; 5], bool, ArbitragePenalty)> = None;
    for (attempt, (p0, lam_mult)) in [(start, 1.0), (flat, 100.0)].into_iter().enumerate() {
        let mut p = p0;
        project_params(&mut p, true, floor);
        let mut extra: Vec<f64> = Vec::new();
        let mut lambda = lambda0 * lam_mult;
        for _round in 0..ARB_ROUNDS {
            let pen = ArbitragePenalty {
                lambda,
                eps: PENALTY_EPS,
                grid: penalty_grid(&nodes, &extra),
            };
            let prob = SviProblem {
                nodes: &nodes,
                objective: opts.objective,
                arb: true,
                floor,
                penalty: Some(&pen),
            };
            let res = levenberg_marquardt(&prob, &p, max_iter);
            iterations += res.iterations;
            if !res.evaluable {
                break;
            }
            p = [res.p[0], res.p[1], res.p[2], res.p[3], res.p[4]];
            let params = SviParams::from_array(p);
            let rep = params.butterfly_arbitrage();
            if rep.ok {
                let (residuals, rmse) = residuals_and_rmse(input, &nodes, &params);
                let status = if res.converged {
                    FitStatus::Ok
                } else {
                    FitStatus::NotConverged
                };
                // keep the penalty only if it acts at the optimum (for the sensitivity)
                let mut r = vec![0.0; prob.n_residuals()];
                let active =
                    prob.eval(&p, &mut r, None) && r[nodes.k.len()..].iter().any(|v| *v != 0.0);
                return SliceFit {
                    params,
                    status,
                    rmse,
                    residuals,
                    n_used: nodes.k.len(),
                    iterations,
                    penalty: if active { Some(pen) } else { None },
                };
            }
            extra.extend(violation_points(&rep, &p));
            last = Some((p, res.converged, pen));
            lambda *= 10.0;
        }
        let _ = attempt;
    }
    // The penalty could not remove every negative density (a dip narrower than its grid, or
    // data that pull hard towards arbitrage): an SSVI slice on the same nodes, whose
    // power-law conditions make it free of butterfly arbitrage by construction, answers
    // instead, its raw SVI form checked by the same scan. The caller asked for no arbitrage:
    // a smile that keeps some is not returned as a fit.
    let ssvi = super::ssvi::fit_ssvi(std::slice::from_ref(input), opts);
    if ssvi.status.has_params()
        && let Some(params) = ssvi.slice_params(0)
        && params.is_finite()
        && params.butterfly_arbitrage().ok
    {
        let (residuals, rmse) = residuals_and_rmse(input, &nodes, &params);
        return SliceFit {
            params,
            status: FitStatus::SsviSlice,
            rmse,
            residuals,
            n_used: nodes.k.len(),
            iterations: iterations + ssvi.iterations,
            penalty: None,
        };
    }
    match last {
        Some((p, _, pen)) => {
            // the best penalised fit, for the record of its residuals; the bindings report
            // NaN parameters for this status (the smile is not arbitrage-free)
            let params = SviParams::from_array(p);
            let (residuals, rmse) = residuals_and_rmse(input, &nodes, &params);
            SliceFit {
                params,
                status: FitStatus::ArbitrageUnresolved,
                rmse,
                residuals,
                n_used: nodes.k.len(),
                iterations,
                penalty: Some(pen),
            }
        }
        None => SliceFit {
            iterations,
            ..SliceFit::failed(n, FitStatus::NotConverged, nodes.k.len())
        },
    }
}

/// [`fit_svi_slice`] on every slice, in parallel on the crate's pool (`parallel`, bounded by
/// `set_num_threads`). Results are identical, bit for bit, to the sequential calls: each
/// slice's computation is independent and deterministic.
pub fn fit_svi_many(slices: &[SliceInput], opts: &FitOptions) -> Vec<SliceFit> {
    crate::parallel::map_tasks(slices.len(), |j| fit_svi_slice(&slices[j], opts))
}
