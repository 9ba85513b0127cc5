//! A projected Levenberg-Marquardt for small dense least squares `min 1/2 |r(p)|^2`,
//! `p` restricted to a closed set through a projection.
//!
//! Why projected rather than reparametrised (b = exp(.), rho = tanh(.), ...): the SVI bounds
//! are often *attained* (b = 0 for a flat smile, the wing bound b (1 + |rho|) = 2 for a steep
//! skew); a reparametrisation can only approach them with a vanishing Jacobian, which slows
//! LM to a crawl and leaves the optimum ill-defined. Clamping the trial point keeps the
//! natural parameters, so the implicit-function sensitivities are in (a, b, rho, m, sigma)
//! directly. Damping follows Nielsen (1999): mu scaled by max(1/3, 1 - (2 rho - 1)^3) on
//! success, doubled-and-growing on failure; Marquardt's diagonal scaling with a floor so a
//! column that vanishes (b = 0 kills the rho, m, sigma columns) stays regularised.

use super::linalg::cholesky_solve;

/// A least-squares problem with an analytic Jacobian and a projection onto its domain.
pub(crate) trait LsqProblem {
    fn n_params(&self) -> usize;
    fn n_residuals(&self) -> usize;
    /// Residuals into `r` (len n_residuals) and, when `jac` is given, the Jacobian row-major
    /// (n_residuals x n_params). False when the point cannot be evaluated (non-finite).
    fn eval(&self, p: &[f64], r: &mut [f64], jac: Option<&mut [f64]>) -> bool;
    /// Map `p` into the feasible set (in place).
    fn project(&self, p: &mut [f64]);
}

pub(crate) struct LmResult {
    pub p: Vec<f64>,
    #[allow(dead_code)]
    pub cost: f64,
    pub iterations: usize,
    pub converged: bool,
    /// false when even the projected start could not be evaluated
    pub evaluable: bool,
}

const XTOL: f64 = 1e-13;
const FTOL: f64 = 1e-15;

pub(crate) fn levenberg_marquardt<P: LsqProblem>(
    prob: &P,
    p0: &[f64],
    max_iter: usize,
) -> LmResult {
    let np = prob.n_params();
    let nr = prob.n_residuals();
    let mut p = p0.to_vec();
    prob.project(&mut p);
    let mut r = vec![0.0; nr];
    let mut jac = vec![0.0; nr * np];
    if !prob.eval(&p, &mut r, Some(&mut jac)) {
        return LmResult {
            p,
            cost: f64::NAN,
            iterations: 0,
            converged: false,
            evaluable: false,
        };
    }
    let mut cost = 0.5 * dot(&r, &r);
    let mut a = vec![0.0; np * np];
    let mut g = vec![0.0; np];
    normal_equations(&jac, &r, nr, np, &mut a, &mut g);

    let max_diag = |a: &[f64]| (0..np).fold(0.0f64, |m, i| m.max(a[i * np + i]));
    let mut mu = 1e-3;
    let mut nu = 2.0;
    let mut r_new = vec![0.0; nr];
    let mut jac_new = vec![0.0; nr * np];
    let mut lhs = vec![0.0; np * np];
    let mut step = vec![0.0; np];
    let mut p_new = vec![0.0; np];
    let mut converged = false;
    let mut iterations = 0;

    while iterations < max_iter {
        iterations += 1;
        if cost == 0.0 || g.iter().all(|v| *v == 0.0) {
            converged = true;
            break;
        }
        let md = max_diag(&a).max(f64::MIN_POSITIVE);
        let floor = 1e-12 * md;
        lhs.copy_from_slice(&a);
        for i in 0..np {
            lhs[i * np + i] += mu * a[i * np + i].max(floor);
        }
        for i in 0..np {
            step[i] = -g[i];
        }
        if !cholesky_solve(&lhs, np, &mut step) {
            mu *= nu;
            nu *= 2.0;
            if mu > 1e20 {
                break;
            }
            continue;
        }
        for i in 0..np {
            p_new[i] = p[i] + step[i];
        }
        prob.project(&mut p_new);
        let mut dn = 0.0;
        let mut pn = 0.0;
        for i in 0..np {
            step[i] = p_new[i] - p[i];
            dn += step[i] * step[i];
            pn += p[i] * p[i];
        }
        if dn.sqrt() <= XTOL * (pn.sqrt() + XTOL) {
            converged = true;
            break;
        }
        // predicted decrease of the Gauss-Newton model along the (projected) step
        let mut pred = 0.0;
        for i in 0..np {
            let mut ai = 0.0;
            for j in 0..np {
                ai += a[i * np + j] * step[j];
            }
            pred -= g[i] * step[i] + 0.5 * step[i] * ai;
        }
        let ok = prob.eval(&p_new, &mut r_new, Some(&mut jac_new));
        let cost_new = if ok {
            0.5 * dot(&r_new, &r_new)
        } else {
            f64::INFINITY
        };
        if ok && cost_new < cost {
            let ratio = if pred > 0.0 {
                (cost - cost_new) / pred
            } else {
                0.5
            };
            let rel = (cost - cost_new) / cost;
            std::mem::swap(&mut p, &mut p_new);
            std::mem::swap(&mut r, &mut r_new);
            std::mem::swap(&mut jac, &mut jac_new);
            cost = cost_new;
            normal_equations(&jac, &r, nr, np, &mut a, &mut g);
            mu *= (1.0f64 / 3.0).max(1.0 - (2.0 * ratio - 1.0).powi(3));
            mu = mu.max(1e-15);
            nu = 2.0;
            // a negligible decrease alone is no proof of convergence: in a flat direction
            // (ill-conditioned J) the cost stalls at round-off while the parameters still
            // move by ~sqrt(eps cost / lambda_min); the implicit-function sensitivities need
            // the stationary point itself, so stop on the step size (XTOL) or when no
            // decrease is possible any more (mu cap below), and on FTOL only for an
            // exactly zero decrease.
            if rel <= FTOL * 0.0 {
                converged = true;
                break;
            }
        } else {
            mu *= nu;
            nu *= 2.0;
            // no decrease is possible even for a tiny steepest-descent-like step: the point
            // is stationary to round-off
            if mu > 1e16 {
                converged = true;
                break;
            }
        }
    }
    // Polish: near the optimum the cost differences drown in round-off (a decrease of
    // ~lambda_min |dp|^2 is invisible next to eps * cost), which leaves the parameters
    // off the stationary point by ~sqrt(eps cost / lambda_min) in a flat direction. The
    // gradient J^T r has no such cancellation, so take plain Gauss-Newton steps while they
    // reduce |J^T r| (whose zero is exactly the first-order condition).
    if converged {
        let mut gnorm = dot(&g, &g);
        for _ in 0..8 {
            if gnorm == 0.0 {
                break;
            }
            let md = max_diag(&a).max(f64::MIN_POSITIVE);
            lhs.copy_from_slice(&a);
            for i in 0..np {
                lhs[i * np + i] += 1e-12 * a[i * np + i].max(1e-12 * md);
            }
            for i in 0..np {
                step[i] = -g[i];
            }
            if !cholesky_solve(&lhs, np, &mut step) {
                break;
            }
            for i in 0..np {
                p_new[i] = p[i] + step[i];
            }
            prob.project(&mut p_new);
            if p_new == p {
                break;
            }
            if !prob.eval(&p_new, &mut r_new, Some(&mut jac_new)) {
                break;
            }
            let mut a2 = vec![0.0; np * np];
            let mut g2 = vec![0.0; np];
            normal_equations(&jac_new, &r_new, nr, np, &mut a2, &mut g2);
            let gn2 = dot(&g2, &g2);
            let cost_new = 0.5 * dot(&r_new, &r_new);
            // must not climb beyond round-off either
            if !(gn2 < gnorm) || cost_new > cost * (1.0 + 1e-12) {
                break;
            }
            iterations += 1;
            std::mem::swap(&mut p, &mut p_new);
            std::mem::swap(&mut r, &mut r_new);
            a.copy_from_slice(&a2);
            g.copy_from_slice(&g2);
            cost = cost_new;
            gnorm = gn2;
        }
    }
    LmResult {
        p,
        cost,
        iterations,
        converged,
        evaluable: true,
    }
}

pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// `a = J^T J`, `g = J^T r`.
pub(crate) fn normal_equations(
    jac: &[f64],
    r: &[f64],
    nr: usize,
    np: usize,
    a: &mut [f64],
    g: &mut [f64],
) {
    a.iter_mut().for_each(|v| *v = 0.0);
    g.iter_mut().for_each(|v| *v = 0.0);
    for k in 0..nr {
        let row = &jac[k * np..(k + 1) * np];
        let rk = r[k];
        if rk == 0.0 && row.iter().all(|v| *v == 0.0) {
            continue;
        }
        for i in 0..np {
            let ji = row[i];
            g[i] += ji * rk;
            for j in 0..=i {
                a[i * np + j] += ji * row[j];
            }
        }
    }
    for i in 0..np {
        for j in 0..i {
            a[j * np + i] = a[i * np + j];
        }
    }
}
