//! The binding of `crate::svi`: slices as numpy grids in, arrays out, the GIL released and
//! the slices fitted on the pool. The classes users see (`SviSmile`, `SviFit`, `SsviFit`)
//! are Python (`pricer_rs._svi`), built on these functions.

use ndarray::{Array1, Array2, Array3, ArrayView1};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::svi::{
    FitOptions, FitStatus, Objective, SliceFit, SliceInput, SviParams, calendar_arbitrage,
    fit_ssvi, fit_svi_many, fit_svi_slice, fitted_vol_jacobian, svi_sensitivity,
};

fn options(objective: &str, arbitrage_free: bool, max_iter: usize) -> PyResult<FitOptions> {
    let objective = match objective {
        "vol" | "implied_vol" => Objective::ImpliedVol,
        "total_variance" => Objective::TotalVariance,
        other => {
            return Err(PyValueError::new_err(format!(
                "objective = {other:?}: must be 'vol' (least squares in implied vol) or \
                 'total_variance'"
            )));
        }
    };
    Ok(FitOptions {
        objective,
        arbitrage_free,
        max_iter: max_iter.max(1),
    })
}

/// The slices of a (slices, strikes) grid: log-moneyness, vols, optional weights, one tenor
/// per slice; each grid C-contiguous (`_svi.py` passes them so).
struct Grid<'a> {
    k: &'a [f64],
    vol: &'a [f64],
    weight: Option<&'a [f64]>,
    t: &'a [f64],
    strikes: usize,
}

impl<'a> Grid<'a> {
    fn new(
        k: &'a PyReadonlyArray2<'_, f64>,
        vol: &'a PyReadonlyArray2<'_, f64>,
        weight: Option<&'a PyReadonlyArray2<'_, f64>>,
        t: &'a PyReadonlyArray1<'_, f64>,
    ) -> PyResult<Grid<'a>> {
        let shape = k.as_array().dim();
        if vol.as_array().dim() != shape
            || weight.is_some_and(|w| w.as_array().dim() != shape)
            || t.as_array().len() != shape.0
        {
            return Err(PyValueError::new_err(format!(
                "fit: k, vol (and weight) must have one shape, (slices, strikes) = {shape:?}, \
                 and t one value per slice"
            )));
        }
        let contiguous = || PyValueError::new_err("fit: grids must be C-contiguous");
        Ok(Grid {
            k: k.as_slice().map_err(|_| contiguous())?,
            vol: vol.as_slice().map_err(|_| contiguous())?,
            weight: match weight {
                Some(w) => Some(w.as_slice().map_err(|_| contiguous())?),
                None => None,
            },
            t: t.as_slice().map_err(|_| contiguous())?,
            strikes: shape.1,
        })
    }

    fn slice(&self, j: usize) -> SliceInput<'a> {
        let row = |a: &'a [f64]| &a[j * self.strikes..(j + 1) * self.strikes];
        SliceInput {
            k: row(self.k),
            vol: row(self.vol),
            weight: self.weight.map(row),
            t: self.t[j],
        }
    }

    fn slices(&self) -> usize {
        self.t.len()
    }
}

/// Fit raw SVI to every slice of a (slices, strikes) grid (one tenor per slice): a dict of
/// `params` (slices, 5), `status` (codes), `rmse`, `residuals` (slices, strikes, vol units,
/// fitted - observed), `n_used`, `iterations`.
#[pyfunction]
#[pyo3(signature = (k, vol, t, weight, objective, arbitrage_free, max_iter))]
#[allow(clippy::too_many_arguments)]
fn _svi_fit<'py>(
    py: Python<'py>,
    k: PyReadonlyArray2<'py, f64>,
    vol: PyReadonlyArray2<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    weight: Option<PyReadonlyArray2<'py, f64>>,
    objective: &str,
    arbitrage_free: bool,
    max_iter: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = options(objective, arbitrage_free, max_iter)?;
    let grid = Grid::new(&k, &vol, weight.as_ref(), &t)?;
    let n = grid.slices();
    let fits: Vec<SliceFit> = py.detach(|| {
        let slices: Vec<SliceInput> = (0..n).map(|j| grid.slice(j)).collect();
        fit_svi_many(&slices, &opts)
    });
    let strikes = grid.strikes;
    let mut params = Array2::from_elem((n, 5), f64::NAN);
    let mut residuals = Array2::from_elem((n, strikes), f64::NAN);
    let mut status = Array1::zeros(n);
    let (mut rmse, mut used, mut iterations) = (
        Array1::from_elem(n, f64::NAN),
        Array1::zeros(n),
        Array1::zeros(n),
    );
    for (j, f) in fits.iter().enumerate() {
        status[j] = f.status.code() as i64;
        used[j] = f.n_used as i64;
        iterations[j] = f.iterations as i64;
        // a smile that keeps butterfly arbitrage where none was allowed is no fit: NaN
        if !f.status.has_params() || f.status == FitStatus::ArbitrageUnresolved {
            continue;
        }
        params
            .row_mut(j)
            .assign(&ArrayView1::from(&f.params.to_array()));
        for (i, &r) in f.residuals.iter().enumerate().take(strikes) {
            residuals[[j, i]] = r;
        }
        rmse[j] = f.rmse;
    }
    let d = PyDict::new(py);
    d.set_item("params", params.into_pyarray(py))?;
    d.set_item("status", status.into_pyarray(py))?;
    d.set_item("rmse", rmse.into_pyarray(py))?;
    d.set_item("residuals", residuals.into_pyarray(py))?;
    d.set_item("n_used", used.into_pyarray(py))?;
    d.set_item("iterations", iterations.into_pyarray(py))?;
    Ok(d)
}

/// Sensitivities of the fits `params` (slices, 5) of the grid (refitted for the penalty
/// state where the fit was arbitrage-free): a dict of `d_params_d_vol` (slices, 5, strikes),
/// `d_params_d_k` (slices, 5, strikes), `d_params_d_t` (slices, 5), `covariance`
/// (slices, 5, 5), `d_vol_d_vol` (slices, strikes, strikes), `available` (bool per slice;
/// False where a bound is active at the optimum or the fit failed: NaN there),
/// `penalty_active`.
#[pyfunction]
#[pyo3(signature = (k, vol, t, weight, objective, arbitrage_free, max_iter))]
#[allow(clippy::too_many_arguments)]
fn _svi_sensitivity<'py>(
    py: Python<'py>,
    k: PyReadonlyArray2<'py, f64>,
    vol: PyReadonlyArray2<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    weight: Option<PyReadonlyArray2<'py, f64>>,
    objective: &str,
    arbitrage_free: bool,
    max_iter: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = options(objective, arbitrage_free, max_iter)?;
    let grid = Grid::new(&k, &vol, weight.as_ref(), &t)?;
    let n = grid.slices();
    let strikes = grid.strikes;
    // the fit is repeated (deterministic: the same bits as `_svi_fit`) for its penalty state
    let results = py.detach(|| {
        crate::parallel::map_tasks(n, |j| {
            let input = grid.slice(j);
            let fit = fit_svi_slice(&input, &opts);
            let sens = svi_sensitivity(&input, &fit, &opts);
            let jac = sens.as_ref().map(|s| fitted_vol_jacobian(&input, &fit, s));
            (sens, jac)
        })
    });
    let mut dvol = Array3::from_elem((n, 5, strikes), f64::NAN);
    let mut dk = Array3::from_elem((n, 5, strikes), f64::NAN);
    let mut dt = Array2::from_elem((n, 5), f64::NAN);
    let mut cov = Array3::from_elem((n, 5, 5), f64::NAN);
    let mut jacobian = Array3::from_elem((n, strikes, strikes), f64::NAN);
    let mut available = Array1::from_elem(n, false);
    let mut penalty = Array1::from_elem(n, false);
    for (j, (sens, jac)) in results.iter().enumerate() {
        let Some(s) = sens else { continue };
        available[j] = true;
        penalty[j] = s.penalty_active;
        for i in 0..strikes.min(s.d_params_d_vol.len()) {
            for p in 0..5 {
                dvol[[j, p, i]] = s.d_params_d_vol[i][p];
                dk[[j, p, i]] = s.d_params_d_k[i][p];
            }
        }
        for p in 0..5 {
            dt[[j, p]] = s.d_params_d_t[p];
            for q in 0..5 {
                cov[[j, p, q]] = s.covariance[p][q];
            }
        }
        if let Some(m) = jac
            && m.len() == strikes * strikes
        {
            for a in 0..strikes {
                for b in 0..strikes {
                    jacobian[[j, a, b]] = m[a * strikes + b];
                }
            }
        }
    }
    let d = PyDict::new(py);
    d.set_item("d_params_d_vol", dvol.into_pyarray(py))?;
    d.set_item("d_params_d_k", dk.into_pyarray(py))?;
    d.set_item("d_params_d_t", dt.into_pyarray(py))?;
    d.set_item("covariance", cov.into_pyarray(py))?;
    d.set_item("d_vol_d_vol", jacobian.into_pyarray(py))?;
    d.set_item("available", available.into_pyarray(py))?;
    d.set_item("penalty_active", penalty.into_pyarray(py))?;
    Ok(d)
}

/// (ok, intervals where g < 0, min g, where it is)
type ButterflyTuple = (bool, Vec<(f64, f64)>, f64, f64);

fn svi_params(p: [f64; 5]) -> PyResult<SviParams> {
    SviParams::new(p[0], p[1], p[2], p[3], p[4]).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Butterfly arbitrage of raw SVI parameters: (ok, [(k_lo, k_hi), ...] where g < 0,
/// min g, where it is).
#[pyfunction]
fn _svi_butterfly(params: [f64; 5]) -> PyResult<ButterflyTuple> {
    let r = svi_params(params)?.butterfly_arbitrage();
    Ok((r.ok, r.intervals, r.min_density, r.argmin))
}

/// Calendar arbitrage between smiles (rows of `params`, one per tenor) on a grid of k:
/// a list of (earlier index, later index, [(k_lo, k_hi), ...], worst k, worst w difference).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn _svi_calendar(
    params: PyReadonlyArray2<'_, f64>,
    tenors: Vec<f64>,
    k_grid: Vec<f64>,
) -> PyResult<Vec<(usize, usize, Vec<(f64, f64)>, f64, f64)>> {
    let p = params.as_array();
    if p.ncols() != 5 || p.nrows() != tenors.len() {
        return Err(PyValueError::new_err(
            "params must have shape (len(tenors), 5)",
        ));
    }
    let smiles = p
        .rows()
        .into_iter()
        .map(|r| svi_params([r[0], r[1], r[2], r[3], r[4]]))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(calendar_arbitrage(&smiles, &tenors, &k_grid)
        .into_iter()
        .map(|v| (v.earlier, v.later, v.intervals, v.worst_k, v.worst_diff))
        .collect())
}

/// SSVI fitted to every slice at once: a dict of rho, eta, gamma, thetas (per slice),
/// status, rmse, residuals (slices, strikes), n_used, iterations.
#[pyfunction]
#[pyo3(signature = (k, vol, t, weight, objective, max_iter))]
fn _ssvi_fit<'py>(
    py: Python<'py>,
    k: PyReadonlyArray2<'py, f64>,
    vol: PyReadonlyArray2<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    weight: Option<PyReadonlyArray2<'py, f64>>,
    objective: &str,
    max_iter: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = options(objective, true, max_iter)?;
    let grid = Grid::new(&k, &vol, weight.as_ref(), &t)?;
    let n = grid.slices();
    let strikes = grid.strikes;
    let fit = py.detach(|| {
        let slices: Vec<SliceInput> = (0..n).map(|j| grid.slice(j)).collect();
        fit_ssvi(&slices, &opts)
    });
    let mut residuals = Array2::from_elem((n, strikes), f64::NAN);
    for (j, row) in fit.residuals.iter().enumerate().take(n) {
        for (i, &r) in row.iter().enumerate().take(strikes) {
            residuals[[j, i]] = r;
        }
    }
    let d = PyDict::new(py);
    d.set_item("rho", fit.rho)?;
    d.set_item("eta", fit.eta)?;
    d.set_item("gamma", fit.gamma)?;
    d.set_item("thetas", fit.thetas.clone().into_pyarray(py))?;
    d.set_item("status", fit.status.code())?;
    d.set_item("rmse", fit.rmse)?;
    d.set_item("residuals", residuals.into_pyarray(py))?;
    d.set_item("n_used", fit.n_used)?;
    d.set_item("iterations", fit.iterations)?;
    Ok(d)
}

/// The fit status codes and their meaning.
#[pyfunction]
fn _svi_status_names() -> Vec<(i32, &'static str)> {
    (0..16)
        .filter_map(FitStatus::from_code)
        .map(|s| (s.code(), s.as_str()))
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_svi_fit, m)?)?;
    m.add_function(wrap_pyfunction!(_svi_sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(_svi_butterfly, m)?)?;
    m.add_function(wrap_pyfunction!(_svi_calendar, m)?)?;
    m.add_function(wrap_pyfunction!(_ssvi_fit, m)?)?;
    m.add_function(wrap_pyfunction!(_svi_status_names, m)?)?;
    Ok(())
}
