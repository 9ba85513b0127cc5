//! SSVI (Gatheral & Jacquier 2014, "Arbitrage-free SVI volatility surfaces", eq. 4.1):
//! `w(k, theta_t) = theta_t/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))` with the
//! power law `phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))` (G&J eq. 4.5).
//!
//! Fit: all parameters free and joint: `(rho, eta, gamma)` and one `theta_t` (ATM total
//! variance) per tenor with data. The thetas start from the data (total variance linearly
//! interpolated at `k = 0`, nearest node outside the quoted range, then made non-decreasing),
//! `(rho, eta, gamma)` from a coarse grid at those thetas, then a projected
//! Levenberg-Marquardt on everything with the analytic Jacobian. Freeing the thetas matters:
//! the interpolated ATM variance carries the data noise and the interpolation error.
//!
//! No-arbitrage, kept by projection of every trial point (sufficient conditions):
//! - calendar (G&J Theorem 4.1): `theta_t` non-decreasing in `t` (isotonic projection by
//!   pool-adjacent-violators), and `0 <= d(theta phi)/d theta <= (1 + sqrt(1-rho^2)) phi / rho^2`
//!   which the power law satisfies for `gamma in (0, 1)`: `d(theta phi)/d theta =
//!   phi (1 - gamma)/(1 + theta)`, in `[0, phi]`;
//! - butterfly (G&J Corollary 4.1 / Remark after it): power law with `eta (1 + |rho|) <= 2`
//!   and `0 < gamma <= 1/2` is free of butterfly arbitrage (it gives
//!   `theta phi (1 + |rho|) < 4` and `theta phi^2 (1 + |rho|) <= 4`, G&J Theorem 4.2);
//! - `|rho| <= 1 - 1e-6`, `eta > 0`, `gamma in [1e-3, 1/2]`, `theta >= 1e-10`.

use super::lm::{LsqProblem, levenberg_marquardt};
use super::slice::{
    FitOptions, FitStatus, Nodes, Objective, RHO_MAX, SliceInput, collect_nodes_min,
};
use super::{SviError, SviParams};

const GAMMA_MIN: f64 = 1e-3;
const GAMMA_MAX: f64 = 0.5;
const THETA_MIN: f64 = 1e-10;

/// The SSVI surface parameters shared by all tenors (power-law `phi`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SsviParams {
    pub rho: f64,
    pub eta: f64,
    pub gamma: f64,
}

impl SsviParams {
    /// Domain: all finite, `|rho| < 1`, `eta > 0`, `0 < gamma < 1` (use
    /// [`SsviParams::is_arbitrage_free`] for the sufficient no-arbitrage conditions).
    pub fn new(rho: f64, eta: f64, gamma: f64) -> Result<Self, SviError> {
        for (name, v) in [("rho", rho), ("eta", eta), ("gamma", gamma)] {
            if !v.is_finite() {
                return Err(SviError::NonFinite(name));
            }
        }
        if rho.abs() >= 1.0 {
            return Err(SviError::Ssvi("rho", rho));
        }
        if !(eta > 0.0) {
            return Err(SviError::Ssvi("eta", eta));
        }
        if !(gamma > 0.0 && gamma < 1.0) {
            return Err(SviError::Ssvi("gamma", gamma));
        }
        Ok(SsviParams { rho, eta, gamma })
    }

    /// `phi(theta) = eta theta^-gamma (1 + theta)^(gamma - 1)`
    pub fn phi(&self, theta: f64) -> f64 {
        self.eta * theta.powf(-self.gamma) * (1.0 + theta).powf(self.gamma - 1.0)
    }

    /// `w(k, theta) = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))`
    pub fn total_variance(&self, k: f64, theta: f64) -> f64 {
        let phi = self.phi(theta);
        let z = phi * k + self.rho;
        0.5 * theta * (1.0 + self.rho * phi * k + (z * z + 1.0 - self.rho * self.rho).sqrt())
    }

    /// G&J's sufficient conditions for a surface free of static arbitrage with the power law
    /// (given non-decreasing thetas): `eta (1 + |rho|) <= 2`, `0 < gamma <= 1/2`, `|rho| < 1`.
    pub fn is_arbitrage_free(&self) -> bool {
        self.rho.abs() < 1.0
            && self.eta > 0.0
            && self.eta * (1.0 + self.rho.abs()) <= 2.0 * (1.0 + 1e-12)
            && self.gamma > 0.0
            && self.gamma <= 0.5
    }

    /// The raw SVI slice at ATM total variance `theta` (G&J Lemma 3.2):
    /// `a = theta/2 (1 - rho^2)`, `b = theta phi / 2`, `rho`, `m = -rho/phi`,
    /// `sigma = sqrt(1 - rho^2)/phi`.
    pub fn to_raw(&self, theta: f64) -> Result<SviParams, SviError> {
        if !(theta > 0.0) || !theta.is_finite() {
            return Err(SviError::Ssvi("theta", theta));
        }
        let phi = self.phi(theta);
        if !(phi > 0.0) || !phi.is_finite() {
            return Err(SviError::Ssvi("phi", phi));
        }
        let r2 = 1.0 - self.rho * self.rho;
        SviParams::new(
            0.5 * theta * r2,
            0.5 * theta * phi,
            self.rho,
            -self.rho / phi,
            r2.sqrt() / phi,
        )
    }
}

/// Result of [`fit_ssvi`].
#[derive(Clone, Debug, PartialEq)]
pub struct SsviFit {
    pub rho: f64,
    pub eta: f64,
    pub gamma: f64,
    /// ATM total variance per input slice (NaN for a slice without usable nodes, and all NaN
    /// when not fitted)
    pub thetas: Vec<f64>,
    pub status: FitStatus,
    /// weighted RMSE in vol units over all used nodes (as [`super::SliceFit::rmse`])
    pub rmse: f64,
    /// per input slice, per node: fitted - observed vol; NaN for skipped nodes
    pub residuals: Vec<Vec<f64>>,
    pub n_used: usize,
    pub iterations: usize,
}

impl SsviFit {
    pub fn params(&self) -> SsviParams {
        SsviParams {
            rho: self.rho,
            eta: self.eta,
            gamma: self.gamma,
        }
    }
    /// The equivalent raw SVI of input slice `j` (`None` if not fitted / no theta).
    pub fn slice_params(&self, j: usize) -> Option<SviParams> {
        let th = *self.thetas.get(j)?;
        self.params().to_raw(th).ok()
    }
}

struct SsviProblem {
    k: Vec<f64>,
    v: Vec<f64>,
    c: Vec<f64>,
    t: Vec<f64>,
    /// index of the node's slice among the live slices (sorted by tenor)
    s: Vec<usize>,
    n_live: usize,
    objective: Objective,
}

/// Least-squares isotonic (non-decreasing) regression by pool-adjacent-violators.
fn pav(x: &mut [f64]) {
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(x.len());
    for &v in x.iter() {
        blocks.push((v, 1));
        while blocks.len() > 1 {
            let (m2, n2) = blocks[blocks.len() - 1];
            let (m1, n1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            blocks.pop();
            let n = n1 + n2;
            if let Some(last) = blocks.last_mut() {
                *last = ((m1 * n1 as f64 + m2 * n2 as f64) / n as f64, n);
            }
        }
    }
    let mut i = 0;
    for (m, n) in blocks {
        for _ in 0..n {
            x[i] = m;
            i += 1;
        }
    }
}

fn project_ssvi(p: &mut [f64]) {
    if !p[0].is_finite() {
        p[0] = 0.0;
    }
    p[0] = p[0].clamp(-RHO_MAX, RHO_MAX);
    if !p[2].is_finite() {
        p[2] = 0.25;
    }
    p[2] = p[2].clamp(GAMMA_MIN, GAMMA_MAX);
    let eta_max = 2.0 / (1.0 + p[0].abs());
    if !(p[1] >= 1e-8) {
        p[1] = 1e-8;
    }
    if p[1] > eta_max {
        p[1] = eta_max;
    }
    for th in p[3..].iter_mut() {
        if !th.is_finite() {
            *th = THETA_MIN;
        }
    }
    pav(&mut p[3..]);
    for th in p[3..].iter_mut() {
        *th = th.max(THETA_MIN);
    }
}

impl LsqProblem for SsviProblem {
    fn n_params(&self) -> usize {
        3 + self.n_live
    }
    fn n_residuals(&self) -> usize {
        self.k.len()
    }
    fn eval(&self, p: &[f64], r: &mut [f64], mut jac: Option<&mut [f64]>) -> bool {
        let np = 3 + self.n_live;
        let (rho, eta, gamma) = (p[0], p[1], p[2]);
        for i in 0..self.k.len() {
            let (k, v, c, t, s) = (self.k[i], self.v[i], self.c[i], self.t[i], self.s[i]);
            let th = p[3 + s];
            let lphi = eta.ln() - gamma * th.ln() + (gamma - 1.0) * th.ln_1p();
            let phi = lphi.exp();
            let z = phi * k + rho;
            let q = (z * z + 1.0 - rho * rho).sqrt();
            let w = 0.5 * th * (1.0 + rho * phi * k + q);
            let (res, scale) = match self.objective {
                Objective::ImpliedVol => {
                    if !(w > 0.0) {
                        return false;
                    }
                    let sv = (w / t).sqrt();
                    (c * (sv - v), c / (2.0 * sv * t))
                }
                Objective::TotalVariance => (c * (w - v * v * t), c),
            };
            if !res.is_finite() {
                return false;
            }
            r[i] = res;
            if let Some(j) = jac.as_deref_mut() {
                let row = &mut j[i * np..(i + 1) * np];
                row.iter_mut().for_each(|x| *x = 0.0);
                // dQ/drho = phi k / Q, dQ/dphi = k z / Q  (Q^2 = phi^2 k^2 + 2 rho phi k + 1)
                let dw_drho = 0.5 * th * phi * k * (1.0 + 1.0 / q);
                let dw_dphi = 0.5 * th * k * (rho + z / q);
                let dphi_deta = phi / eta;
                let dphi_dgamma = phi * ((1.0 + th).ln() - th.ln());
                let dphi_dth = phi * (-gamma / th + (gamma - 1.0) / (1.0 + th));
                row[0] = scale * dw_drho;
                row[1] = scale * dw_dphi * dphi_deta;
                row[2] = scale * dw_dphi * dphi_dgamma;
                row[3 + s] = scale * (w / th + dw_dphi * dphi_dth);
            }
        }
        true
    }
    fn project(&self, p: &mut [f64]) {
        project_ssvi(p);
    }
}

/// ATM total variance of one slice from its nodes: linear in k between the nodes bracketing
/// 0, the nearest node's outside the quoted range.
fn atm_total_variance(nodes: &Nodes) -> f64 {
    let mut pts: Vec<(f64, f64)> = nodes
        .k
        .iter()
        .zip(&nodes.v)
        .map(|(&k, &v)| (k, v * v * nodes.t))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    if 0.0 <= first.0 {
        return first.1;
    }
    if 0.0 >= last.0 {
        return last.1;
    }
    for w in pts.windows(2) {
        let ((k0, w0), (k1, w1)) = (w[0], w[1]);
        if k0 <= 0.0 && 0.0 <= k1 {
            if k1 > k0 {
                return w0 + (w1 - w0) * (0.0 - k0) / (k1 - k0);
            }
            return w0;
        }
    }
    first.1
}

fn failed(slices: &[SliceInput], status: FitStatus, n_used: usize) -> SsviFit {
    SsviFit {
        rho: f64::NAN,
        eta: f64::NAN,
        gamma: f64::NAN,
        thetas: vec![f64::NAN; slices.len()],
        status,
        rmse: f64::NAN,
        residuals: slices.iter().map(|s| vec![f64::NAN; s.k.len()]).collect(),
        n_used,
        iterations: 0,
    }
}

/// Fit an SSVI surface to per-tenor smiles (`opts.objective` and `opts.max_iter` are used;
/// the no-arbitrage conditions are always enforced, whatever `opts.arbitrage_free`).
/// Status: `InvalidInput` if any slice is invalid (see [`FitStatus`]), `AllMissing` if no
/// slice has a usable node, `TooFewNodes` if there are fewer usable nodes than parameters
/// (3 + number of tenors with data) or fewer than 3 distinct k overall.
pub fn fit_ssvi(slices: &[SliceInput], opts: &FitOptions) -> SsviFit {
    let mut live: Vec<(usize, Nodes)> = Vec::new();
    for (j, s) in slices.iter().enumerate() {
        match collect_nodes_min(s, 1) {
            Ok(nd) => live.push((j, nd)),
            Err((FitStatus::InvalidInput, _)) => return failed(slices, FitStatus::InvalidInput, 0),
            Err(_) => {}
        }
    }
    if live.is_empty() {
        return failed(slices, FitStatus::AllMissing, 0);
    }
    live.sort_by(|a, b| a.1.t.total_cmp(&b.1.t));
    let n_live = live.len();
    let mut prob = SsviProblem {
        k: vec![],
        v: vec![],
        c: vec![],
        t: vec![],
        s: vec![],
        n_live,
        objective: opts.objective,
    };
    for (s, (_, nd)) in live.iter().enumerate() {
        for i in 0..nd.k.len() {
            prob.k.push(nd.k[i]);
            prob.v.push(nd.v[i]);
            prob.c.push(nd.c[i]);
            prob.t.push(nd.t);
            prob.s.push(s);
        }
    }
    let n_used = prob.k.len();
    let mut distinct = prob.k.clone();
    distinct.sort_by(|a, b| a.total_cmp(b));
    distinct.dedup();
    if n_used < 3 + n_live || distinct.len() < 3 {
        return failed(slices, FitStatus::TooFewNodes, n_used);
    }
    // start: data thetas, then the best (rho, eta, gamma) on a coarse grid
    let mut p = vec![0.0; 3 + n_live];
    for (s, (_, nd)) in live.iter().enumerate() {
        p[3 + s] = atm_total_variance(nd);
    }
    project_ssvi(&mut p);
    let mut r = vec![0.0; n_used];
    let mut best = (f64::INFINITY, [0.0, 0.5, 0.25]);
    for &rho in &[-0.9, -0.7, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.7, 0.9] {
        for &eta_frac in &[0.05, 0.15, 0.3, 0.5, 0.75, 1.0] {
            let eta = eta_frac * 2.0 / (1.0 + f64::abs(rho));
            for &gamma in &[0.1, 0.3, 0.5] {
                p[0] = rho;
                p[1] = eta;
                p[2] = gamma;
                if prob.eval(&p, &mut r, None) {
                    let c: f64 = r.iter().map(|x| x * x).sum();
                    if c < best.0 {
                        best = (c, [rho, eta, gamma]);
                    }
                }
            }
        }
    }
    p[0] = best.1[0];
    p[1] = best.1[1];
    p[2] = best.1[2];
    let mut res = levenberg_marquardt(&prob, &p, opts.max_iter.max(1) * 2);
    if res.evaluable && !res.converged && (res.p[2] == GAMMA_MAX || res.p[2] == GAMMA_MIN) {
        // gamma at a bound of the power law's arbitrage-free range: the projected steps keep
        // asking for more of it and stall the rest; finish on the others with gamma fixed
        let fixed = GammaFixed {
            inner: &prob,
            gamma: res.p[2],
        };
        let reduced: Vec<f64> = res
            .p
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, v)| *v)
            .collect();
        let again = levenberg_marquardt(&fixed, &reduced, opts.max_iter.max(1) * 2);
        if again.evaluable && again.cost <= res.cost {
            let mut full = again.p.clone();
            full.insert(2, res.p[2]);
            res = super::lm::LmResult {
                p: full,
                cost: again.cost,
                iterations: res.iterations + again.iterations,
                converged: again.converged,
                evaluable: true,
            };
        }
    }
    if !res.evaluable {
        return SsviFit {
            iterations: res.iterations,
            ..failed(slices, FitStatus::NotConverged, n_used)
        };
    }
    let p = res.p;
    let params = SsviParams {
        rho: p[0],
        eta: p[1],
        gamma: p[2],
    };
    let mut thetas = vec![f64::NAN; slices.len()];
    let mut residuals: Vec<Vec<f64>> = slices.iter().map(|s| vec![f64::NAN; s.k.len()]).collect();
    let (mut num, mut den) = (0.0, 0.0);
    for (s, (j, nd)) in live.iter().enumerate() {
        let th = p[3 + s];
        thetas[*j] = th;
        for i in 0..nd.k.len() {
            let e = (params.total_variance(nd.k[i], th) / nd.t).sqrt() - nd.v[i];
            residuals[*j][nd.idx[i]] = e;
            let c2 = nd.c[i] * nd.c[i];
            num += c2 * e * e;
            den += c2;
        }
    }
    SsviFit {
        rho: params.rho,
        eta: params.eta,
        gamma: params.gamma,
        thetas,
        status: if res.converged || stationary_on_bounds(&prob, &p) {
            FitStatus::Ok
        } else {
            FitStatus::NotConverged
        },
        rmse: (num / den).sqrt(),
        residuals,
        n_used,
        iterations: res.iterations,
    }
}

/// Whether `p` is a first-order point of the least squares on the feasible set although the
/// iteration did not stop: the gradient `J^T r` projected onto the set (a tiny steepest
/// descent step, projected back, over its length) vanishes next to the gradient itself. The
/// conditions that make SSVI arbitrage-free are often active at the optimum (gamma = 1/2 or
/// eta (1 + |rho|) = 2 for smiles steeper than the power law allows); the projected
/// Levenberg-Marquardt steps then zig-zag along the bound and reach `max_iter` at the
/// constrained optimum.
fn stationary_on_bounds(prob: &SsviProblem, p: &[f64]) -> bool {
    let (nr, np) = (prob.n_residuals(), prob.n_params());
    let mut r = vec![0.0; nr];
    let mut jac = vec![0.0; nr * np];
    if !prob.eval(p, &mut r, Some(&mut jac)) {
        return false;
    }
    let g: Vec<f64> = (0..np)
        .map(|j| (0..nr).map(|i| jac[i * np + j] * r[i]).sum())
        .collect();
    let g_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let g_max = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !(g_norm > 0.0) {
        return g_norm == 0.0;
    }
    let p_max = p.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let h = 1e-9 * p_max / g_max;
    let mut moved: Vec<f64> = p.iter().zip(&g).map(|(x, d)| x - h * d).collect();
    prob.project(&mut moved);
    let projected = moved
        .iter()
        .zip(p)
        .map(|(a, b)| ((b - a) / h).powi(2))
        .sum::<f64>()
        .sqrt();
    projected <= 1e-4 * g_norm
}

/// The SSVI problem with gamma held at `gamma` (parameters: rho, eta, thetas).
struct GammaFixed<'a> {
    inner: &'a SsviProblem,
    gamma: f64,
}

impl GammaFixed<'_> {
    fn full(&self, p: &[f64]) -> Vec<f64> {
        let mut full = p.to_vec();
        full.insert(2, self.gamma);
        full
    }
}

impl LsqProblem for GammaFixed<'_> {
    fn n_params(&self) -> usize {
        self.inner.n_params() - 1
    }
    fn n_residuals(&self) -> usize {
        self.inner.n_residuals()
    }
    fn eval(&self, p: &[f64], r: &mut [f64], jac: Option<&mut [f64]>) -> bool {
        let full = self.full(p);
        let Some(jac) = jac else {
            return self.inner.eval(&full, r, None);
        };
        let (nr, nf) = (self.inner.n_residuals(), self.inner.n_params());
        let mut whole = vec![0.0; nr * nf];
        if !self.inner.eval(&full, r, Some(&mut whole)) {
            return false;
        }
        let np = nf - 1;
        for i in 0..nr {
            let mut c = 0;
            for j in 0..nf {
                if j != 2 {
                    jac[i * np + c] = whole[i * nf + j];
                    c += 1;
                }
            }
        }
        true
    }
    fn project(&self, p: &mut [f64]) {
        let mut full = self.full(p);
        self.inner.project(&mut full);
        let mut c = 0;
        for (j, v) in full.iter().enumerate() {
            if j != 2 {
                p[c] = *v;
                c += 1;
            }
        }
    }
}
