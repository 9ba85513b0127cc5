//! Sensitivities of a fitted slice to its market data, by the implicit function theorem.
//!
//! At the optimum `theta*` of `F(theta, data) = 1/2 sum_i r_i(theta, data)^2`, the first-order
//! conditions `grad_theta F = 0` hold; differentiating them in a datum `z`,
//! `H dtheta/dz = -d(grad_theta F)/dz` with the *full* Hessian
//! `H = sum_i (grad r_i grad r_i^T + r_i hess r_i)` (exact analytic second derivatives of the
//! residuals; Gauss-Newton alone would be wrong for a fit with non-zero residuals) and
//! `d(grad_theta F)/dz = sum_i (dr_i/dz grad r_i + r_i d(grad r_i)/dz)`.
//! Only residual `i` depends on `vol_i` or `k_i`; all depend on `t`.
//!
//! Arbitrage-free fits: when the butterfly penalty acts at the optimum (`fit.penalty` is
//! `Some` and some `g(k_j) < eps`), its rows are part of `F` and are included in `H`
//! (their first derivatives analytic, their second derivatives by central differences of
//! the analytic gradient); the penalty does not depend on the data, so it adds nothing to
//! the right-hand sides. The active set is held fixed; re-fits of bumped data can switch it,
//! so these derivatives are flagged (`penalty_active`) and only indicative (not validated
//! against finite differences of re-fits).
//! When a bound of the domain is active (`b = 0`, `|rho|` at its cap, `sigma` at its floor,
//! Lee's wing bound or the minimum-variance floor attained), the optimum is not a stationary
//! point of `F` and the parameters on that bound are not differentiable: `None` is returned.

use super::fit::FitStatus;
use super::fit::{
    FitOptions, Nodes, Objective, RHO_MAX, SIGMA_MIN, SliceFit, SliceInput, WING_MAX,
    collect_nodes, w_floor,
};
use super::linalg::{cholesky, cholesky_solve_factored, spd_inverse};
use super::{SviParams, g_from, g_partials, radius};

/// Derivatives of the fitted parameters `(a, b, rho, m, sigma)`.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceSensitivity {
    /// per input node: `d(a, b, rho, m, sigma) / d vol_i` (zeros for skipped nodes)
    pub d_params_d_vol: Vec<[f64; 5]>,
    /// per input node: `d(a, b, rho, m, sigma) / d k_i` (zeros for skipped nodes); chain
    /// spot / rate / dividend sensitivities through `k = ln(K/F)`
    pub d_params_d_k: Vec<[f64; 5]>,
    /// `d(a, b, rho, m, sigma) / d t` with the vols held fixed (both objectives depend on t)
    pub d_params_d_t: [f64; 5],
    /// `(J^T J)^-1`, `J` the Jacobian of the weighted data residuals in the fit's objective:
    /// with `weight_i = 1 / error_i` (error in the objective's units: vol for ImpliedVol)
    /// the standard errors are `sqrt(diag)`. Not rescaled by the residual variance. NaN if
    /// `J^T J` is singular.
    pub covariance: [[f64; 5]; 5],
    /// true when the butterfly penalty acts at the optimum and is part of the differentiated
    /// objective (active set held fixed): treat these derivatives as indicative only
    pub penalty_active: bool,
}

/// Per node: residual, its parameter gradient and Hessian, and its derivatives in (v, k, t).
struct NodeTerms {
    r: f64,
    grad: [f64; 5],
    hess: [[f64; 5]; 5],
    dr_dv: f64,
    dr_dk: f64,
    dgrad_dk: [f64; 5],
    dr_dt: f64,
    dgrad_dt: [f64; 5],
}

fn node_terms(
    p: &SviParams,
    k: f64,
    v: f64,
    c: f64,
    t: f64,
    objective: Objective,
) -> Option<NodeTerms> {
    let SviParams {
        a,
        b,
        rho,
        m,
        sigma,
    } = *p;
    let x = k - m;
    let rr = radius(x, sigma);
    let xr = x / rr;
    let r3 = rr * rr * rr;
    let s2 = sigma * sigma;
    let w = a + b * (rho * x + rr);
    let dw = [1.0, rho * x + rr, b * x, -b * (rho + xr), b * sigma / rr];
    // second derivatives of w (symmetric; a-row and b-b, rho-rho zero)
    let mut d2w = [[0.0f64; 5]; 5];
    let mut set = |i: usize, j: usize, v: f64| {
        d2w[i][j] = v;
        d2w[j][i] = v;
    };
    set(1, 2, x);
    set(1, 3, -(rho + xr));
    set(1, 4, sigma / rr);
    set(2, 3, -b);
    set(3, 3, b * s2 / r3);
    set(3, 4, b * x * sigma / r3);
    set(4, 4, b * x * x / r3);
    let wk = b * (rho + xr);
    let dwk = [0.0, rho + xr, b, -b * s2 / r3, -b * x * sigma / r3];
    let mut out = NodeTerms {
        r: 0.0,
        grad: [0.0; 5],
        hess: [[0.0; 5]; 5],
        dr_dv: 0.0,
        dr_dk: 0.0,
        dgrad_dk: [0.0; 5],
        dr_dt: 0.0,
        dgrad_dt: [0.0; 5],
    };
    match objective {
        Objective::ImpliedVol => {
            if !(w > 0.0) {
                return None;
            }
            let s = (w / t).sqrt();
            // r = c (sqrt(w/t) - v); ds/dw = 1/(2 s t); d2s/dw2 = -1/(4 s^3 t^2)
            let al = c / (2.0 * s * t);
            let be = c / (4.0 * s * s * s * t * t);
            out.r = c * (s - v);
            for i in 0..5 {
                out.grad[i] = al * dw[i];
                for j in 0..5 {
                    out.hess[i][j] = al * d2w[i][j] - be * dw[i] * dw[j];
                }
                out.dgrad_dk[i] = al * dwk[i] - be * wk * dw[i];
                // d/dt of c dw/(2 sqrt(w t)) = -c dw / (4 s t^2)
                out.dgrad_dt[i] = -c * dw[i] / (4.0 * s * t * t);
            }
            out.dr_dv = -c;
            out.dr_dk = al * wk;
            out.dr_dt = -c * s / (2.0 * t);
        }
        Objective::TotalVariance => {
            out.r = c * (w - v * v * t);
            for i in 0..5 {
                out.grad[i] = c * dw[i];
                for j in 0..5 {
                    out.hess[i][j] = c * d2w[i][j];
                }
                out.dgrad_dk[i] = c * dwk[i];
            }
            out.dr_dv = -2.0 * c * v * t;
            out.dr_dk = c * wk;
            out.dr_dt = -c * v * v;
        }
    }
    let finite = out.r.is_finite()
        && out.grad.iter().all(|g| g.is_finite())
        && out.hess.iter().flatten().all(|g| g.is_finite());
    if finite { Some(out) } else { None }
}

/// Gradient of `g(k)` in the parameters (analytic).
fn grad_g(p: &SviParams, k: f64) -> Option<(f64, [f64; 5])> {
    let d = p.derivs(k);
    if !(d.w > 0.0) {
        return None;
    }
    let g = g_from(k, d.w, d.w1, d.w2);
    let (gw, gw1, gw2) = g_partials(k, d.w, d.w1);
    let mut out = [0.0; 5];
    for q in 0..5 {
        out[q] = gw * d.dw[q] + gw1 * d.dw1[q] + gw2 * d.dw2[q];
    }
    Some((g, out))
}

fn bound_active(p: &SviParams, nodes: &Nodes, arb: bool) -> bool {
    let floor = w_floor(nodes);
    let lift = p.b * p.sigma * (1.0 - p.rho * p.rho).sqrt();
    !(p.b > 0.0)
        || p.rho.abs() >= RHO_MAX
        || p.sigma <= SIGMA_MIN
        || (arb && p.b * (1.0 + p.rho.abs()) >= WING_MAX * (1.0 - 1e-12))
        || p.a + lift <= floor + 1e-12 * (p.a.abs() + lift)
}

/// Sensitivities of `fit` (which must come from `fit_svi_slice(input, opts)`). `None` when
/// the slice was not fitted, a domain bound is active at the optimum, or the Hessian is not
/// positive definite (a parameter not identified by the data).
pub fn svi_sensitivity(
    input: &SliceInput,
    fit: &SliceFit,
    opts: &FitOptions,
) -> Option<SliceSensitivity> {
    if !fit.status.has_params()
        || matches!(
            fit.status,
            FitStatus::SsviSlice | FitStatus::ArbitrageUnresolved
        )
        || !fit.params.is_finite()
    {
        return None;
    }
    let nodes = collect_nodes(input).ok()?;
    let p = fit.params;
    if bound_active(&p, &nodes, opts.arbitrage_free) {
        return None;
    }
    let t = nodes.t;
    let nd = nodes.k.len();
    let mut terms = Vec::with_capacity(nd);
    for j in 0..nd {
        terms.push(node_terms(
            &p,
            nodes.k[j],
            nodes.v[j],
            nodes.c[j],
            t,
            opts.objective,
        )?);
    }
    let mut penalty_active = false;
    let mut h = [0.0f64; 25];
    let mut jtj = [0.0f64; 25];
    let mut cross_t = [0.0f64; 5];
    for nt in &terms {
        for i in 0..5 {
            for j in 0..5 {
                let gg = nt.grad[i] * nt.grad[j];
                jtj[i * 5 + j] += gg;
                h[i * 5 + j] += gg + nt.r * nt.hess[i][j];
            }
            cross_t[i] += nt.dr_dt * nt.grad[i] + nt.r * nt.dgrad_dt[i];
        }
    }
    // the butterfly penalty rows, when they act at the optimum
    if let Some(pen) = fit.penalty.as_ref().filter(|_| opts.arbitrage_free) {
        let base = p.to_array();
        for &k in &pen.grid {
            let (g, gr) = grad_g(&p, k)?;
            if !(g < pen.eps) {
                continue;
            }
            penalty_active = true;
            let rp = pen.lambda * (pen.eps - g);
            let jp: Vec<f64> = gr.iter().map(|v| -pen.lambda * v).collect();
            for q in 0..5 {
                let hq = 1e-5 * base[q].abs().max(1e-2);
                let mut up = base;
                let mut dn = base;
                up[q] += hq;
                dn[q] -= hq;
                let (_, gu) = grad_g(&SviParams::from_array(up), k)?;
                let (_, gd) = grad_g(&SviParams::from_array(dn), k)?;
                for i in 0..5 {
                    // d/dtheta_q of d r_p / d theta_i = -lambda d2g / dtheta_i dtheta_q
                    let hess_iq = -pen.lambda * (gu[i] - gd[i]) / (2.0 * hq);
                    h[i * 5 + q] += rp * hess_iq;
                }
            }
            for i in 0..5 {
                for j in 0..5 {
                    h[i * 5 + j] += jp[i] * jp[j];
                }
            }
        }
        // symmetrise the finite-difference part
        for i in 0..5 {
            for j in 0..i {
                let m = 0.5 * (h[i * 5 + j] + h[j * 5 + i]);
                h[i * 5 + j] = m;
                h[j * 5 + i] = m;
            }
        }
    }
    let l = cholesky(&h, 5)?;
    let n = input.k.len();
    let mut d_params_d_vol = vec![[0.0f64; 5]; n];
    let mut d_params_d_k = vec![[0.0f64; 5]; n];
    for (j, nt) in terms.iter().enumerate() {
        let i_in = nodes.idx[j];
        let mut rhs = [0.0f64; 5];
        for q in 0..5 {
            // d grad F / d v_i = dr_i/dv_i grad r_i (grad r_i does not depend on v_i)
            rhs[q] = -(nt.dr_dv * nt.grad[q]);
        }
        cholesky_solve_factored(&l, 5, &mut rhs);
        d_params_d_vol[i_in] = rhs;
        let mut rk = [0.0f64; 5];
        for q in 0..5 {
            rk[q] = -(nt.dr_dk * nt.grad[q] + nt.r * nt.dgrad_dk[q]);
        }
        cholesky_solve_factored(&l, 5, &mut rk);
        d_params_d_k[i_in] = rk;
    }
    let mut d_params_d_t = [0.0f64; 5];
    for q in 0..5 {
        d_params_d_t[q] = -cross_t[q];
    }
    cholesky_solve_factored(&l, 5, &mut d_params_d_t);
    let mut covariance = [[f64::NAN; 5]; 5];
    if let Some(inv) = spd_inverse(&jtj, 5) {
        for i in 0..5 {
            for j in 0..5 {
                covariance[i][j] = inv[i * 5 + j];
            }
        }
    }
    let all_finite = d_params_d_vol
        .iter()
        .chain(d_params_d_k.iter())
        .flatten()
        .all(|v| v.is_finite())
        && d_params_d_t.iter().all(|v| v.is_finite());
    if !all_finite {
        return None;
    }
    Some(SliceSensitivity {
        d_params_d_vol,
        d_params_d_k,
        d_params_d_t,
        covariance,
        penalty_active,
    })
}

/// `d fitted_vol(k_j) / d vol_i` for all input nodes, row-major `n x n` (`n = input.k.len()`):
/// entry `[j * n + i]` = `grad_theta vol(k_j) . d theta / d vol_i`. Row `j` is NaN when `k_j`
/// is not finite (or `w(k_j) <= 0`); column `i` is zero for a skipped node `i`.
pub fn fitted_vol_jacobian(
    input: &SliceInput,
    fit: &SliceFit,
    sens: &SliceSensitivity,
) -> Vec<f64> {
    let n = input.k.len();
    let mut out = vec![f64::NAN; n * n];
    let p = fit.params;
    let t = input.t;
    if !(t > 0.0) || sens.d_params_d_vol.len() != n {
        return out;
    }
    for j in 0..n {
        let k = input.k[j];
        if !k.is_finite() {
            continue;
        }
        let d = p.derivs(k);
        if !(d.w > 0.0) {
            continue;
        }
        let s = (d.w / t).sqrt();
        let gv: Vec<f64> = d.dw.iter().map(|x| x / (2.0 * s * t)).collect();
        for i in 0..n {
            let dp = &sens.d_params_d_vol[i];
            out[j * n + i] = (0..5).map(|q| gv[q] * dp[q]).sum();
        }
    }
    out
}
