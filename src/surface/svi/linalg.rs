//! Small dense linear algebra for the fitters (at most a few dozen unknowns): Cholesky for
//! the symmetric positive definite normal equations and Hessians.
//! Matrices are row-major `n x n` slices. Every routine reports failure instead of panicking.

/// Cholesky factor `a = L L^T` (lower triangle returned row-major, upper part zero).
/// `None` if `a` is not (numerically) positive definite or not finite.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    if a.len() != n * n {
        return None;
    }
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= l[i * n + p] * l[j * n + p];
            }
            if i == j {
                // relative pivot floor: a pivot lost to round-off means the matrix is singular
                // for our purposes (an unidentified parameter), not "slightly positive".
                let scale = a[i * n + i].abs().max(f64::MIN_POSITIVE);
                if !(s > 1e-14 * scale) || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solve `L L^T x = b` in place, given the factor from [`cholesky`].
pub(crate) fn cholesky_solve_factored(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for p in 0..i {
            s -= l[i * n + p] * b[p];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for p in i + 1..n {
            s -= l[p * n + i] * b[p];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solve the SPD system `a x = b` in place; false if `a` is not positive definite.
pub(crate) fn cholesky_solve(a: &[f64], n: usize, b: &mut [f64]) -> bool {
    match cholesky(a, n) {
        Some(l) => {
            cholesky_solve_factored(&l, n, b);
            b.iter().all(|v| v.is_finite())
        }
        None => false,
    }
}

/// Inverse of an SPD matrix (row-major), `None` if not positive definite.
pub(crate) fn spd_inverse(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let l = cholesky(a, n)?;
    let mut inv = vec![0.0; n * n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        col.iter_mut().for_each(|v| *v = 0.0);
        col[j] = 1.0;
        cholesky_solve_factored(&l, n, &mut col);
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    // symmetrise away the round-off asymmetry
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (inv[i * n + j] + inv[j * n + i]);
            inv[i * n + j] = m;
            inv[j * n + i] = m;
        }
    }
    if inv.iter().all(|v| v.is_finite()) {
        Some(inv)
    } else {
        None
    }
}
