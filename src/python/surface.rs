//! `ImpliedVolSurface` and its `ArbitrageReport`: the binding of `crate::surface`.

use ndarray::{Array2, Axis, IxDyn};
use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::api::{broadcast_operands, fill_one, greeks_of_arrays};
use super::args::{Given, Operand, kind_operand, operand, which_greeks};
use super::greeks::Greeks;
use crate::batch::{self, BsmArrays, Domain, check_domain};
use crate::black::Contract;
use crate::engine::{Cost, broadcast_shape, for_each_chunk, format_shape};
use crate::surface::{ArbitrageReport as CoreReport, Surface};

/// A strike x tenor implied-volatility surface: one vol per node, `vols[j, i]` at
/// `tenors[j]`, `strikes[i]` (NaN marks a missing node). Immutable: every method returns
/// arrays or a new surface.
///
/// `ImpliedVolSurface(spot, strikes, tenors, vols, r=0.0, q=0.0, price_error=None)`: strikes
/// and tenors strictly increasing and positive, vols of shape (len(tenors), len(strikes)),
/// positive or NaN; `price_error` (a scalar or a grid, e.g. half the bid-ask spread) is kept
/// for `vol_error` and `describe_error`.
///
/// Interpolation (`vol`, `price_at`): linear in vol against log-moneyness ln(k/F(t)) along
/// strike (flat beyond the outer nodes), linear in total variance sigma^2 t along tenor
/// (constant vol before the first and after the last tenor); nodes are reproduced exactly.
/// Missing nodes are skipped: a smile interpolates between the valid nodes around one, and
/// a tenor without any valid node is left out; `price` and `greeks` give NaN at them.
#[pyclass(frozen, module = "pricer_rs", name = "ImpliedVolSurface")]
pub struct ImpliedVolSurface {
    inner: Surface,
    /// quoted-price uncertainty per node, kept from the constructor's or `from_prices`'
    /// `price_error`
    price_error: Option<Array2<f64>>,
    /// what `from_chain` reports (rejected rows with reasons, implied forwards), or None
    chain_report: Option<Py<PyAny>>,
}

/// `q=`: a number (every tenor), or a 1-D array of one per tenor (a forward per expiry).
fn q_values(q: &Given<'_>) -> PyResult<Vec<f64>> {
    let Some(obj) = q.get() else {
        return Ok(vec![0.0]);
    };
    if let Some(v) = super::args::plain_number(obj) {
        return Ok(vec![v]);
    }
    let op = operand(obj, "q")?;
    let view = op.view();
    match view.ndim() {
        0 | 1 => Ok(view.iter().copied().collect()),
        n => Err(PyValueError::new_err(format!(
            "q must be a number or a 1-D array of one value per tenor, got {n} dimensions"
        ))),
    }
}

/// `q` as a grid operand: a scalar, or a column of one value per tenor.
fn q_operand(q: &[f64]) -> Operand<'static> {
    if q.len() == 1 {
        Operand::scalar(q[0])
    } else {
        Operand::Owned(
            ndarray::Array1::from(q.to_vec())
                .insert_axis(Axis(1))
                .into_dyn(),
        )
    }
}

fn as_1d<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Operand<'py>> {
    let op = operand(obj, name)?;
    if op.view().ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "{name} must be 1-D, got shape {}",
            format_shape(op.view().shape())
        )));
    }
    Ok(op)
}

fn as_2d<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Operand<'py>> {
    let op = operand(obj, name)?;
    if op.view().ndim() != 2 {
        return Err(PyValueError::new_err(format!(
            "{name} must be 2-D (len(tenors), len(strikes)), got shape {}",
            format_shape(op.view().shape())
        )));
    }
    Ok(op)
}

use super::args::{describe_type, real_scalar as scalar, real_scalar_or};

/// The quantile levels argument: a sequence of reals, the default levels when not given.
fn quantile_levels(quantiles: Given<'_>) -> PyResult<Vec<f64>> {
    match quantiles.get() {
        None => Ok(vec![0.05, 0.25, 0.5, 0.75, 0.95]),
        Some(obj) if obj.is_instance_of::<pyo3::types::PyString>() => {
            Err(pyo3::exceptions::PyTypeError::new_err(
                "quantiles must be a sequence of real numbers, got str",
            ))
        }
        Some(obj) => obj.extract::<Vec<f64>>().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "quantiles must be a sequence of real numbers, got {}",
                describe_type(obj)
            ))
        }),
    }
}

fn pairs_array<'py>(py: Python<'py>, pairs: &[(usize, usize)]) -> Bound<'py, PyArray2<i64>> {
    let mut a = Array2::<i64>::zeros((pairs.len(), 2));
    for (row, &(j, i)) in pairs.iter().enumerate() {
        a[[row, 0]] = j as i64;
        a[[row, 1]] = i as i64;
    }
    a.into_pyarray(py)
}

impl ImpliedVolSurface {
    fn build(
        spot: f64,
        strikes: &Operand<'_>,
        tenors: &Operand<'_>,
        vols: ndarray::ArrayView2<f64>,
        r: f64,
        q: &[f64],
    ) -> PyResult<Self> {
        let strikes = strikes
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let tenors = tenors
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(ImpliedVolSurface {
            inner: Surface::new(spot, strikes, tenors, vols, r, q)?,
            price_error: None,
            chain_report: None,
        })
    }

    /// `price_error` as a grid of the surface's shape: a scalar or an array broadcastable to
    /// it, finite and >= 0 (NaN allowed).
    fn error_grid(&self, obj: &Bound<'_, PyAny>) -> PyResult<Array2<f64>> {
        let op = operand(obj, "price_error")?;
        let shape = [self.inner.tenors().len(), self.inner.strikes().len()];
        let view = op.view();
        let b = view.broadcast(IxDyn(&shape)).ok_or_else(|| {
            PyValueError::new_err(format!(
                "price_error has shape {}, but the surface has shape ({}, {})",
                format_shape(op.view().shape()),
                shape[0],
                shape[1]
            ))
        })?;
        let grid = b
            .to_owned()
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if let Some((flat, v)) = grid
            .iter()
            .enumerate()
            .find(|(_, v)| **v < 0.0 || v.is_infinite())
        {
            return Err(PyValueError::new_err(format!(
                "price_error{} = {v:?}: price_error must be finite and >= 0",
                crate::error::format_index(&shape, flat)
            )));
        }
        Ok(grid)
    }

    /// The error grid to use: the argument, else the one kept from `from_prices`.
    fn resolve_error(&self, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Array2<f64>> {
        match obj.filter(|o| !o.is_none()) {
            Some(o) => self.error_grid(o),
            None => self.price_error.clone().ok_or_else(|| {
                PyValueError::new_err(
                    "no price_error: pass one, or build the surface with from_prices(..., price_error=...)",
                )
            }),
        }
    }

    fn vol_error_grid(
        &self,
        py: Python<'_>,
        price_error: Option<&Bound<'_, PyAny>>,
        kind: Given<'_>,
        exact: bool,
    ) -> PyResult<Array2<f64>> {
        let errors = self.resolve_error(price_error)?;
        // checked whether or not the answer needs it (the first order is the same for
        // calls and puts): kind='x' was accepted with exact=False
        let kind = kind_operand(kind.get())?;
        let shape = [self.inner.tenors().len(), self.inner.strikes().len()];
        let kv = kind.view();
        let calls = kv.broadcast(IxDyn(&shape)).ok_or_else(|| {
            PyValueError::new_err(format!(
                "kind has shape {}, not broadcastable to the surface",
                format_shape(kind.view().shape())
            ))
        })?;
        let calls = calls
            .mapv(|v| v > 0.0)
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if !exact {
            return Ok(py.detach(|| self.inner.vol_error_first_order(errors.view())));
        }
        Ok(py.detach(|| self.inner.vol_error_exact(errors.view(), calls.view())))
    }

    /// Call `f(surface)` from the pure-Python helpers in `pricer_rs._surface`.
    fn helper<'py>(
        slf: &Bound<'py, Self>,
        name: &str,
        args: Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let module = slf.py().import("pricer_rs._surface")?;
        let mut all: Vec<Bound<'py, PyAny>> = vec![slf.clone().into_any()];
        all.extend(args.iter());
        module.getattr(name)?.call1(PyTuple::new(slf.py(), all)?)
    }
}

#[pymethods]
impl ImpliedVolSurface {
    #[new]
    #[pyo3(signature = (spot, strikes, tenors, vols, r = Given::default(), q = Given::default(), price_error = None),
           text_signature = "(spot, strikes, tenors, vols, r=0.0, q=0.0, price_error=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        spot: &Bound<'_, PyAny>,
        strikes: &Bound<'_, PyAny>,
        tenors: &Bound<'_, PyAny>,
        vols: &Bound<'_, PyAny>,
        r: Given<'_>,
        q: Given<'_>,
        price_error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let spot = scalar(spot, "spot")?;
        let (r, q) = (real_scalar_or(&r, "r", 0.0)?, q_values(&q)?);
        let (strikes, tenors, vols) = (
            as_1d(strikes, "strikes")?,
            as_1d(tenors, "tenors")?,
            as_2d(vols, "vols")?,
        );
        let vols = vols
            .view()
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let mut surface = Self::build(spot, &strikes, &tenors, vols, r, &q)?;
        if let Some(e) = price_error.filter(|o| !o.is_none()) {
            surface.price_error = Some(surface.error_grid(e)?);
        }
        Ok(surface)
    }

    /// Invert a (len(tenors), len(strikes)) grid of option prices into a surface. Nodes whose
    /// price no volatility reproduces (or that are NaN) become missing (NaN) nodes. `kind` may
    /// be a 2-D array, e.g. puts below the forward and calls above. `price_error` (a scalar
    /// or a grid: the quotes' uncertainty, e.g. half the bid-ask spread) is kept for
    /// `vol_error` and `describe_error`.
    #[staticmethod]
    #[pyo3(signature = (spot, strikes, tenors, prices, r = Given::default(), q = Given::default(), kind = Given::default(), price_error = None),
           text_signature = "(spot, strikes, tenors, prices, r=0.0, q=0.0, kind='call', price_error=None)")]
    #[allow(clippy::too_many_arguments)]
    fn from_prices(
        py: Python<'_>,
        spot: &Bound<'_, PyAny>,
        strikes: &Bound<'_, PyAny>,
        tenors: &Bound<'_, PyAny>,
        prices: &Bound<'_, PyAny>,
        r: Given<'_>,
        q: Given<'_>,
        kind: Given<'_>,
        price_error: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let spot_v = scalar(spot, "spot")?;
        let (r, q) = (real_scalar_or(&r, "r", 0.0)?, q_values(&q)?);
        let (strikes_op, tenors_op, prices_op) = (
            as_1d(strikes, "strikes")?,
            as_1d(tenors, "tenors")?,
            as_2d(prices, "prices")?,
        );
        let kind_op = kind_operand(kind.get())?;
        let (nt, nk) = (tenors_op.view().len(), strikes_op.view().len());
        if prices_op.view().shape() != [nt, nk] {
            return Err(PyValueError::new_err(format!(
                "prices has shape {}, but (len(tenors), len(strikes)) is ({nt}, {nk})",
                format_shape(prices_op.view().shape())
            )));
        }
        if q.len() != 1 && q.len() != nt {
            return Err(PyValueError::new_err(format!(
                "q has {} values: one for every tenor, or one per tenor ({nt})",
                q.len()
            )));
        }
        let consts = [Operand::scalar(spot_v), Operand::scalar(r), q_operand(&q)];
        let arrays = batch::ImpliedArrays {
            price: prices_op.view(),
            s: consts[0].view(),
            k: strikes_op.view().insert_axis(Axis(0)),
            r: consts[1].view(),
            q: consts[2].view(),
            t: tenors_op.view().insert_axis(Axis(1)),
            call: kind_op.view(),
        };
        let shape = broadcast_shape(&[&[nt, nk], arrays.call.shape()], &["prices", "kind"])?;
        if shape != [nt, nk] {
            return Err(PyValueError::new_err(format!(
                "kind has shape {}, which does not broadcast to the grid ({nt}, {nk})",
                format_shape(arrays.call.shape())
            )));
        }
        let mut vols = vec![0.0; nt * nk];
        py.detach(|| batch::implied_vol_into(&arrays, &shape, &mut vols, true))?;
        for v in vols.iter_mut() {
            if v.is_nan() || *v <= 0.0 {
                *v = f64::NAN; // no volatility (or only a vanishing one) reproduces the price
            }
        }
        let vols = Array2::from_shape_vec((nt, nk), vols)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let mut surface = Self::build(spot_v, &strikes_op, &tenors_op, vols.view(), r, &q)?;
        if let Some(e) = price_error.filter(|o| !o.is_none()) {
            surface.price_error = Some(surface.error_grid(e)?);
        }
        Ok(surface)
    }

    /// The quoted-price uncertainty per node kept from the constructor's or `from_prices`'
    /// `price_error=` (a copy, of the surface's shape), or None.
    #[getter]
    fn price_error<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray2<f64>>> {
        self.price_error
            .as_ref()
            .map(|e| e.clone().into_pyarray(py))
    }

    /// Per-tenor statistics of the vols: tenor, forward, atm_vol (interpolated at the
    /// forward), skew (d vol / d ln(K/F) there, from the interpolant), min, max, mean,
    /// quantiles (numpy's linear method; one column per level) and missing (NaN nodes).
    /// Missing nodes are skipped; a tenor with none valid gets NaN.
    #[pyo3(signature = (quantiles = Given::default()),
           text_signature = "(self, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95))")]
    fn describe(&self, py: Python<'_>, quantiles: Given<'_>) -> PyResult<SurfaceDescription> {
        let quantiles = quantile_levels(quantiles)?;
        let d = py.detach(|| self.inner.describe_grid(self.inner.vols(), &quantiles))?;
        Ok(SurfaceDescription {
            of_error: false,
            inner: d,
            levels: quantiles,
        })
    }

    /// Implied-vol uncertainty per node caused by a price uncertainty (a scalar or a grid,
    /// e.g. half the bid-ask spread; default: the one the surface was built with). exact=False:
    /// price_error / vega. exact=True: half the distance between the vols re-inverted from
    /// the node's price moved down and up by the error (NaN where one leaves the attainable
    /// range); `kind` says which option each node's price is.
    #[pyo3(signature = (price_error = None, *, kind = Given::default(), exact = false),
           text_signature = "(self, price_error=None, *, kind='call', exact=False)")]
    fn vol_error<'py>(
        &self,
        py: Python<'py>,
        price_error: Option<&Bound<'py, PyAny>>,
        kind: Given<'py>,
        exact: bool,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        Ok(self
            .vol_error_grid(py, price_error, kind, exact)?
            .into_pyarray(py))
    }

    /// Per-tenor statistics (as `describe`) of `vol_error(price_error, kind=kind, exact=exact)`;
    /// its atm_vol and skew fields are the error's value and slope at the forward.
    #[pyo3(signature = (price_error = None, *, kind = Given::default(), exact = false,
                        quantiles = Given::default()),
           text_signature = "(self, price_error=None, *, kind='call', exact=False, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95))")]
    fn describe_error(
        &self,
        py: Python<'_>,
        price_error: Option<&Bound<'_, PyAny>>,
        kind: Given<'_>,
        exact: bool,
        quantiles: Given<'_>,
    ) -> PyResult<SurfaceDescription> {
        let quantiles = quantile_levels(quantiles)?;
        let grid = self.vol_error_grid(py, price_error, kind, exact)?;
        let d = py.detach(|| self.inner.describe_grid(grid.view(), &quantiles))?;
        Ok(SurfaceDescription {
            of_error: true,
            inner: d,
            levels: quantiles,
        })
    }

    /// Spot price of the underlying.
    #[getter]
    fn spot(&self) -> f64 {
        self.inner.spot()
    }
    /// Continuously compounded rate, per year.
    #[getter]
    fn r(&self) -> f64 {
        self.inner.r()
    }
    /// Continuous dividend yield, per year: a float, or an array of one per tenor where
    /// the surface was given one (a forward per expiry, e.g. from `from_chain`).
    #[getter]
    fn q<'py>(&self, py: Python<'py>) -> PyResult<Py<PyAny>> {
        let q = self.inner.q();
        Ok(if q.len() == 1 {
            q[0].into_pyobject(py)?.into_any().unbind()
        } else {
            q.to_vec().into_pyarray(py).into_any().unbind()
        })
    }
    /// The forward price of each tenor, `spot e^{(r - q) t}` (a copy).
    #[getter]
    fn forwards<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.forwards().into_pyarray(py)
    }
    /// What `from_chain` reported (a dict: rejected rows with their reasons, the implied
    /// forwards and dividend yields per expiry), or None for a surface built otherwise.
    #[getter]
    fn chain_report(&self, py: Python<'_>) -> Py<PyAny> {
        self.chain_report
            .as_ref()
            .map_or_else(|| py.None(), |r| r.clone_ref(py))
    }
    /// A copy of this surface holding `report` as its `chain_report` (for `from_chain`).
    fn _with_chain_report(&self, py: Python<'_>, report: Py<PyAny>) -> Self {
        ImpliedVolSurface {
            inner: self.inner.clone(),
            price_error: self.price_error.clone(),
            chain_report: (!report.is_none(py)).then_some(report),
        }
    }

    /// A surface from a long table of quotes (pandas or polars): see
    /// `pricer_rs._chain.from_chain` for the columns, the forwards implied from put-call
    /// parity when `q` is None, and the report of the rows that could not be used
    /// (`chain_report`).
    #[staticmethod]
    #[pyo3(signature = (chain, spot, *, r, q = None, valuation_date = None, expiry = "expiry",
                        strike = "strike", kind = "kind", price = None, bid = "bid", ask = "ask"))]
    #[allow(clippy::too_many_arguments)]
    fn from_chain<'py>(
        py: Python<'py>,
        chain: &Bound<'py, PyAny>,
        spot: &Bound<'py, PyAny>,
        r: &Bound<'py, PyAny>,
        q: Option<&Bound<'py, PyAny>>,
        valuation_date: Option<&Bound<'py, PyAny>>,
        expiry: &str,
        strike: &str,
        kind: &str,
        price: Option<&str>,
        bid: &str,
        ask: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("r", r)?;
        kwargs.set_item("q", q)?;
        kwargs.set_item("valuation_date", valuation_date)?;
        kwargs.set_item("expiry", expiry)?;
        kwargs.set_item("strike", strike)?;
        kwargs.set_item("kind", kind)?;
        kwargs.set_item("price", price)?;
        kwargs.set_item("bid", bid)?;
        kwargs.set_item("ask", ask)?;
        let cls = py.get_type::<ImpliedVolSurface>();
        py.import("pricer_rs._chain")?
            .getattr("from_chain")?
            .call((cls, chain, spot), Some(&kwargs))
    }

    /// The surface as a long table of quotes, one row per node (`pricer_rs._chain.to_chain`):
    /// the inverse of `from_chain`.
    #[pyo3(signature = (*args, **kwargs))]
    fn to_chain<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut all: Vec<Bound<'py, PyAny>> = vec![slf.clone().into_any()];
        all.extend(args.iter());
        slf.py()
            .import("pricer_rs._chain")?
            .getattr("to_chain")?
            .call(PyTuple::new(slf.py(), all)?, kwargs)
    }

    /// Raw SVI fitted to every tenor (`pricer_rs._svi.SviFit`): least squares in implied
    /// vol weighted by 1 / vol_error where the surface has a price_error, the quasi-explicit
    /// global step and Levenberg-Marquardt in Rust; `arbitrage_free=True` enforces no
    /// butterfly arbitrage. Keywords: weights, arbitrage_free, objective ('vol' or
    /// 'total_variance'), max_iter.
    #[pyo3(signature = (**kwargs), text_signature = "(self, *, weights=None, arbitrage_free=True, objective='vol', max_iter=1000)")]
    fn fit_svi<'py>(
        slf: &Bound<'py, Self>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("pricer_rs._svi")?
            .getattr("fit_svi")?
            .call((slf.clone(),), kwargs)
    }

    /// SSVI (Gatheral-Jacquier, power-law phi) fitted to the whole surface at once
    /// (`pricer_rs._svi.SsviFit`), free of static arbitrage by construction. Keywords:
    /// weights, objective, max_iter.
    #[pyo3(signature = (**kwargs), text_signature = "(self, *, weights=None, objective='vol', max_iter=1000)")]
    fn fit_ssvi<'py>(
        slf: &Bound<'py, Self>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("pricer_rs._svi")?
            .getattr("fit_ssvi")?
            .call((slf.clone(),), kwargs)
    }

    /// A long-format polars DataFrame, one row per node (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::helper(slf, "to_polars", PyTuple::empty(slf.py()))
    }

    /// The vols as an xarray DataArray with coordinates `tenor` and `strike` (needs xarray).
    fn to_xarray<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("pricer_rs._xarray")?
            .getattr("surface_to_xarray")?
            .call1((slf.clone(),))
    }
    /// Strike axis (a copy).
    #[getter]
    fn strikes<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.strikes().to_vec().into_pyarray(py)
    }
    /// Tenor axis in years (a copy).
    #[getter]
    fn tenors<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.tenors().to_vec().into_pyarray(py)
    }
    /// The vol grid, shape (len(tenors), len(strikes)) (a copy).
    #[getter]
    fn vols<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.vols().to_owned().into_pyarray(py)
    }
    /// (len(tenors), len(strikes))
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.inner.tenors().len(), self.inner.strikes().len())
    }

    /// Prices at every node, shape (len(tenors), len(strikes)); NaN at missing nodes.
    #[pyo3(signature = (kind = Given::default()), text_signature = "(self, kind='call')")]
    fn price<'py>(&self, py: Python<'py>, kind: Given<'py>) -> PyResult<Py<PyAny>> {
        let kind = kind_operand(kind.get())?;
        let (consts, vols) = self.node_operands();
        let arrays = node_arrays(&consts, &vols, &kind);
        let shape = self.grid_shape(&arrays)?;
        fill_one(py, &shape, None, &[], |buf| {
            batch::price_into(&arrays, &shape, buf, true, batch::Check::InPass)
        })
    }

    /// Price and greeks at every node: a `Greeks` of 2-D arrays.
    #[pyo3(signature = (kind = Given::default(), which = None), text_signature = "(self, kind='call', which=None)")]
    fn greeks(
        &self,
        py: Python<'_>,
        kind: Given<'_>,
        which: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Greeks> {
        let which = which_greeks(which)?;
        let kind = kind_operand(kind.get())?;
        let (consts, vols) = self.node_operands();
        let arrays = node_arrays(&consts, &vols, &kind);
        let shape = self.grid_shape(&arrays)?;
        greeks_of_arrays(py, &arrays, &shape, &which)
    }

    /// Interpolated vols at strikes `k` and times `t` (broadcasting).
    fn vol<'py>(
        &self,
        py: Python<'py>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (k, t) = (operand(k, "k")?, operand(t, "t")?);
        let shape = broadcast_operands(&[&k, &t], &["k", "t"])?;
        let views = [k.view(), t.view()];
        let surface = &self.inner;
        fill_one(py, &shape, None, &[], |buf| {
            check_domain("k", &views[0], Domain::Positive)?;
            check_domain("t", &views[1], Domain::Positive)?;
            for_each_chunk(&views, &shape, &mut [buf], Cost::PRICE, |x, o| {
                for (m, v) in o[0].iter_mut().enumerate() {
                    *v = surface.vol_at(x[0][m], x[1][m]);
                }
            })
        })
    }

    /// Prices at strikes `k` and times `t` off the grid, at the interpolated vols.
    #[pyo3(signature = (k, t, kind = Given::default()), text_signature = "(self, k, t, kind='call')")]
    fn price_at<'py>(
        &self,
        py: Python<'py>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
        kind: Given<'py>,
    ) -> PyResult<Py<PyAny>> {
        let (k, t, kind) = (
            operand(k, "k")?,
            operand(t, "t")?,
            kind_operand(kind.get())?,
        );
        let shape = broadcast_operands(&[&k, &t, &kind], &["k", "t", "kind"])?;
        let views = [k.view(), t.view(), kind.view()];
        let surface = &self.inner;
        fill_one(py, &shape, None, &[], |buf| {
            check_domain("k", &views[0], Domain::Positive)?;
            check_domain("t", &views[1], Domain::Positive)?;
            for_each_chunk(&views, &shape, &mut [buf], Cost::PRICE, |x, o| {
                for (m, v) in o[0].iter_mut().enumerate() {
                    let (k, t) = (x[0][m], x[1][m]);
                    let sigma = surface.vol_at(k, t);
                    *v = batch::price_one(&Contract {
                        s: surface.spot(),
                        k,
                        r: surface.r(),
                        q: surface.q_at(t),
                        sigma,
                        t,
                        is_call: x[2][m] > 0.0,
                    });
                }
            })
        })
    }

    /// A new surface with vols + dvol (a scalar or a (len(tenors), len(strikes)) array).
    fn shifted(&self, py: Python<'_>, dvol: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bump = operand(dvol, "dvol")?;
        let shape = [self.inner.tenors().len(), self.inner.strikes().len()];
        let b = bump.view();
        let b = b.broadcast(IxDyn(&shape)).ok_or_else(|| {
            PyValueError::new_err(format!(
                "dvol has shape {}, but the surface has shape ({}, {})",
                format_shape(bump.view().shape()),
                shape[0],
                shape[1]
            ))
        })?;
        let b = b
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let vols = &self.inner.vols() + &b;
        // a node the shift makes invalid is the caller's `dvol`, not the surface's vols
        if let Some(((j, i), v)) = vols
            .indexed_iter()
            .find(|(_, v)| !(v.is_nan() || (**v > 0.0 && v.is_finite())))
        {
            // the node's index in dvol's own shape (it broadcast to the grid)
            let dshape = bump.view().shape().to_vec();
            let at = |axis: usize, node: usize| if dshape[axis] == 1 { 0 } else { node };
            let which = match dshape.len() {
                0 => String::new(),
                1 => format!("[{}]", at(0, i)),
                _ => format!("[{}, {}]", at(0, j), at(1, i)),
            };
            return Err(PyValueError::new_err(format!(
                "dvol{which} = {:?} makes the vol at node [{j}, {i}] {v:?}: shifted vols must be \
                 finite and > 0 (NaN marks a missing node)",
                b[[j, i]]
            )));
        }
        Ok(ImpliedVolSurface {
            inner: py.detach(|| self.inner.with_vols(vols.view()))?,
            price_error: self.price_error.clone(),
            chain_report: None,
        })
    }

    /// A new surface with the same vol at each strike under another spot (sticky strike).
    fn with_spot(&self, py: Python<'_>, spot: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spot = scalar(spot, "spot")?;
        Ok(ImpliedVolSurface {
            inner: py.detach(|| self.inner.with_spot(spot))?,
            price_error: self.price_error.clone(),
            chain_report: None,
        })
    }

    /// Calendar, butterfly and vertical-spread arbitrage, node by node.
    fn check_arbitrage(&self, py: Python<'_>) -> ArbitrageReport {
        ArbitrageReport {
            inner: py.detach(|| self.inner.check_arbitrage()),
        }
    }

    /// Pickling (multiprocessing, Dask results): spot, axes, vols, r, q and price_error,
    /// bit for bit.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let me = slf.get();
        let args = (
            me.spot(),
            me.strikes(py),
            me.tenors(py),
            me.vols(py),
            me.r(),
            me.q(py)?,
            me.price_error(py),
            me.chain_report(py),
        );
        let restore = slf.get_type().getattr("_restore")?;
        Ok((restore, args.into_pyobject(py)?))
    }

    /// The inverse of `__reduce__` (the constructor, then the chain report).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn _restore(
        py: Python<'_>,
        spot: &Bound<'_, PyAny>,
        strikes: &Bound<'_, PyAny>,
        tenors: &Bound<'_, PyAny>,
        vols: &Bound<'_, PyAny>,
        r: Given<'_>,
        q: Given<'_>,
        price_error: Option<&Bound<'_, PyAny>>,
        chain_report: Py<PyAny>,
    ) -> PyResult<Self> {
        let surface = Self::new(spot, strikes, tenors, vols, r, q, price_error)?;
        Ok(surface._with_chain_report(py, chain_report))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<ImpliedVolSurface>() {
            Ok(o) => {
                let (a, b) = (&self.inner, &o.get().inner);
                a.spot() == b.spot()
                    && a.r() == b.r()
                    && a.q()
                        .iter()
                        .map(|v| v.to_bits())
                        .eq(b.q().iter().map(|v| v.to_bits()))
                    && a.strikes() == b.strikes()
                    && a.tenors() == b.tenors()
                    && a.vols()
                        .iter()
                        .zip(b.vols().iter())
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                    && match (&self.price_error, &o.get().price_error) {
                        (None, None) => true,
                        (Some(x), Some(y)) => x
                            .iter()
                            .zip(y.iter())
                            .all(|(p, q)| p.to_bits() == q.to_bits()),
                        _ => false,
                    }
            }
            Err(_) => false,
        }
    }

    fn __repr__(&self) -> String {
        let s = &self.inner;
        let (k, t) = (s.strikes(), s.tenors());
        let finite: Vec<f64> = s.vols().iter().copied().filter(|v| !v.is_nan()).collect();
        let missing = s.vols().len() - finite.len();
        let (lo, hi) = finite
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        // no valid node at all: say so rather than print the fold's inf..-inf
        let vols = if finite.is_empty() {
            "vols all missing".to_string()
        } else {
            format!(
                "vols {lo:.4}..{hi:.4}{}",
                if missing > 0 {
                    format!(" ({missing} missing)")
                } else {
                    String::new()
                }
            )
        };
        format!(
            "ImpliedVolSurface(spot={:?}, {} tenors {:?}..{:?}, {} strikes {:?}..{:?}, {vols}, r={:?}, q={:?})",
            s.spot(),
            t.len(),
            t[0],
            t[t.len() - 1],
            k.len(),
            k[0],
            k[k.len() - 1],
            s.r(),
            QShown(s.q())
        )
    }

    /// Jupyter's rich display: an HTML table of the grid (tenors down, strikes across).
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        Self::helper(slf, "repr_html", PyTuple::empty(slf.py()))?.extract()
    }

    /// A long-format pandas DataFrame: one row per node with tenor, strike, forward,
    /// log_moneyness, vol and total_variance (needs pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::helper(slf, "to_pandas", PyTuple::empty(slf.py()))
    }

    /// Smiles per tenor and a heatmap of the grid in one matplotlib Figure (needs matplotlib,
    /// imported only here).
    #[pyo3(signature = (**kwargs))]
    fn plot<'py>(
        slf: &Bound<'py, Self>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let module = slf.py().import("pricer_rs._surface")?;
        module.getattr("plot")?.call((slf.clone(),), kwargs)
    }
}

/// `q` in a repr: the number, or `[q0, ..., qn]` per tenor.
struct QShown<'a>(&'a [f64]);

impl std::fmt::Debug for QShown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            [one] => write!(f, "{one:?}"),
            many => write!(f, "{:?}..{:?} per tenor", many[0], many[many.len() - 1]),
        }
    }
}

impl ImpliedVolSurface {
    fn node_operands(&self) -> ([Operand<'static>; 5], Operand<'static>) {
        let s = &self.inner;
        let strikes = ndarray::Array1::from(s.strikes().to_vec()).into_dyn();
        let tenors = ndarray::Array1::from(s.tenors().to_vec())
            .insert_axis(Axis(1))
            .into_dyn();
        (
            [
                Operand::scalar(s.spot()),
                Operand::Owned(strikes),
                Operand::Owned(tenors),
                Operand::scalar(s.r()),
                q_operand(s.q()),
            ],
            Operand::Owned(s.vols().to_owned().into_dyn()),
        )
    }

    fn grid_shape(&self, arrays: &BsmArrays<'_>) -> PyResult<Vec<usize>> {
        Ok(broadcast_shape(
            &[
                &[self.inner.tenors().len(), self.inner.strikes().len()],
                arrays.call.shape(),
            ],
            &["surface", "kind"],
        )?)
    }
}

fn node_arrays<'a>(
    consts: &'a [Operand<'static>; 5],
    vols: &'a Operand<'static>,
    kind: &'a Operand<'_>,
) -> BsmArrays<'a> {
    BsmArrays {
        s: consts[0].view(),
        k: consts[1].view(),
        r: consts[3].view(),
        q: consts[4].view(),
        sigma: vols.view(),
        t: consts[2].view(),
        call: kind.view(),
    }
}

/// Per-tenor statistics of a surface (`describe`) or of its vol errors (`describe_error`):
/// one entry per tenor in every field; `quantiles` has one column per requested level.
#[pyclass(frozen, module = "pricer_rs", name = "SurfaceDescription")]
pub struct SurfaceDescription {
    inner: crate::surface::Description,
    levels: Vec<f64>,
    /// describes `vol_error` (`describe_error`): its value and slope at the forward are
    /// `atm_error` and `error_skew`, not `atm_vol` and `skew`
    of_error: bool,
}

impl SurfaceDescription {
    fn refuse(&self, wanted_error: bool, name: &str, instead: &str) -> PyResult<()> {
        if self.of_error == wanted_error {
            Ok(())
        } else {
            Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "this description has no {name}: it describes {}; use {instead}",
                if self.of_error {
                    "vol errors (describe_error)"
                } else {
                    "vols (describe)"
                }
            )))
        }
    }
}

#[pymethods]
impl SurfaceDescription {
    /// Tenors, years.
    #[getter]
    fn tenor<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.tenor.clone().into_pyarray(py)
    }
    /// Forward price per tenor.
    #[getter]
    fn forward<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.forward.clone().into_pyarray(py)
    }
    /// The vol interpolated at the forward (log-moneyness 0); `describe` only.
    #[getter]
    fn atm_vol<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
        self.refuse(false, "atm_vol", "atm_error")?;
        Ok(self.inner.atm.clone().into_pyarray(py))
    }
    /// d vol / d ln(K/F) at the forward, from the interpolant; `describe` only.
    #[getter]
    fn skew<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
        self.refuse(false, "skew", "error_skew")?;
        Ok(self.inner.skew.clone().into_pyarray(py))
    }
    /// The vol error interpolated at the forward; `describe_error` only.
    #[getter]
    fn atm_error<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
        self.refuse(true, "atm_error", "atm_vol")?;
        Ok(self.inner.atm.clone().into_pyarray(py))
    }
    /// d vol error / d ln(K/F) at the forward; `describe_error` only.
    #[getter]
    fn error_skew<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
        self.refuse(true, "error_skew", "skew")?;
        Ok(self.inner.skew.clone().into_pyarray(py))
    }
    /// Whether this describes vol errors (`describe_error`) rather than vols.
    #[getter]
    fn of_error(&self) -> bool {
        self.of_error
    }
    /// Smallest valid node value per tenor.
    #[getter]
    fn min<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.min.clone().into_pyarray(py)
    }
    /// Largest valid node value per tenor.
    #[getter]
    fn max<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.max.clone().into_pyarray(py)
    }
    /// Mean of the valid node values per tenor.
    #[getter]
    fn mean<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.inner.mean.clone().into_pyarray(py)
    }
    /// Quantiles (numpy's linear method) per tenor, one column per level.
    #[getter]
    fn quantiles<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.quantiles.clone().into_pyarray(py)
    }
    /// The quantile levels, in column order.
    #[getter]
    fn quantile_levels<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        self.levels.clone().into_pyarray(py)
    }
    /// Number of missing (NaN) nodes per tenor.
    #[getter]
    fn missing<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<i64>> {
        self.inner
            .missing
            .iter()
            .map(|&m| m as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py)
    }

    /// The fields as a dict of arrays.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("tenor", self.tenor(py))?;
        d.set_item("forward", self.forward(py))?;
        let (atm, skew) = if self.of_error {
            ("atm_error", "error_skew")
        } else {
            ("atm_vol", "skew")
        };
        d.set_item(atm, self.inner.atm.clone().into_pyarray(py))?;
        d.set_item(skew, self.inner.skew.clone().into_pyarray(py))?;
        d.set_item("min", self.min(py))?;
        d.set_item("max", self.max(py))?;
        d.set_item("mean", self.mean(py))?;
        d.set_item("quantiles", self.quantiles(py))?;
        d.set_item("quantile_levels", self.quantile_levels(py))?;
        d.set_item("missing", self.missing(py))?;
        Ok(d)
    }

    /// A pandas DataFrame indexed by tenor, one column per field and per quantile level
    /// (needs pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let module = slf.py().import("pricer_rs._surface")?;
        module
            .getattr("description_to_pandas")?
            .call1((slf.clone(),))
    }

    fn __repr__(&self) -> String {
        format!(
            "SurfaceDescription({} tenors, quantiles {:?})",
            self.inner.tenor.len(),
            self.levels
        )
    }

    /// Equal when every field holds the same values (NaN equal to NaN: a tenor without
    /// valid nodes describes as NaN, and a copy must still equal its original).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let Ok(other) = other.cast::<SurfaceDescription>() else {
            return false;
        };
        let (a, b) = (&self.inner, &other.get().inner);
        let same = |x: &[f64], y: &[f64]| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        };
        same(&a.tenor, &b.tenor)
            && same(&a.forward, &b.forward)
            && same(&a.atm, &b.atm)
            && same(&a.skew, &b.skew)
            && same(&a.min, &b.min)
            && same(&a.max, &b.max)
            && same(&a.mean, &b.mean)
            && a.quantiles.dim() == b.quantiles.dim()
            && same(
                &a.quantiles.iter().copied().collect::<Vec<_>>(),
                &b.quantiles.iter().copied().collect::<Vec<_>>(),
            )
            && a.missing == b.missing
            && same(&self.levels, &other.get().levels)
            && self.of_error == other.get().of_error
    }

    /// Pickling (multiprocessing, Dask results): rebuilt by `pricer_rs._surface`.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let d = &self.inner;
        let rows: Vec<Vec<f64>> = d.quantiles.rows().into_iter().map(|r| r.to_vec()).collect();
        let state = (
            d.tenor.clone(),
            d.forward.clone(),
            d.atm.clone(),
            d.skew.clone(),
            d.min.clone(),
            d.max.clone(),
            d.mean.clone(),
            rows,
            d.missing.clone(),
            self.levels.clone(),
            self.of_error,
        );
        let rebuild = py
            .import("pricer_rs._surface")?
            .getattr("_rebuild_description")?;
        Ok((rebuild, state.into_pyobject(py)?))
    }

    /// The inverse of `__reduce__` (not for users: the fields must come from a description).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn _from_state(
        tenor: Vec<f64>,
        forward: Vec<f64>,
        atm: Vec<f64>,
        skew: Vec<f64>,
        min: Vec<f64>,
        max: Vec<f64>,
        mean: Vec<f64>,
        quantiles: Vec<Vec<f64>>,
        missing: Vec<usize>,
        levels: Vec<f64>,
        of_error: bool,
    ) -> PyResult<Self> {
        let n = tenor.len();
        let flat: Vec<f64> = quantiles.iter().flatten().copied().collect();
        let columns = quantiles.first().map_or(levels.len(), Vec::len);
        let fields_agree = [&forward, &atm, &skew, &min, &max, &mean]
            .iter()
            .all(|v| v.len() == n)
            && missing.len() == n
            && quantiles.len() == n
            && quantiles.iter().all(|r| r.len() == levels.len());
        let table = Array2::from_shape_vec((n, columns), flat)
            .ok()
            .filter(|_| fields_agree)
            .ok_or_else(|| {
                PyValueError::new_err("SurfaceDescription state of inconsistent lengths")
            })?;
        Ok(SurfaceDescription {
            inner: crate::surface::Description {
                tenor,
                forward,
                atm,
                skew,
                min,
                max,
                mean,
                quantiles: table,
                missing,
            },
            levels,
            of_error,
        })
    }
}

/// Nodes where a surface admits arbitrage, as (tenor index, strike index) rows. True in a
/// boolean context when any were found (the opposite of `ok`).
#[pyclass(frozen, module = "pricer_rs", name = "ArbitrageReport")]
pub struct ArbitrageReport {
    inner: CoreReport,
}

#[pymethods]
impl ArbitrageReport {
    /// Nodes whose total variance falls below the previous tenor's at the same log-moneyness.
    #[getter]
    fn calendar<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<i64>> {
        pairs_array(py, &self.inner.calendar)
    }
    /// Nodes whose call price lies above the chord of their neighbours (not convex in strike).
    #[getter]
    fn butterfly<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<i64>> {
        pairs_array(py, &self.inner.butterfly)
    }
    /// Nodes whose call price rises from the previous strike or falls faster than the
    /// discounted strike step.
    #[getter]
    fn vertical<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<i64>> {
        pairs_array(py, &self.inner.vertical)
    }
    /// Number of offending nodes per check.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("calendar", self.inner.calendar.len())?;
        d.set_item("butterfly", self.inner.butterfly.len())?;
        d.set_item("vertical", self.inner.vertical.len())?;
        Ok(d)
    }
    /// True when no check found anything.
    #[getter]
    fn ok(&self) -> bool {
        self.inner == CoreReport::default()
    }
    /// True when there is something to report (`if surf.check_arbitrage(): ...` acts on
    /// arbitrage found), like a non-empty container: the opposite of `ok`.
    fn __bool__(&self) -> bool {
        !self.ok()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<ArbitrageReport>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    /// Pickling (multiprocessing, Dask results): rebuilt by `pricer_rs._surface`.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let r = &self.inner;
        let state = (r.calendar.clone(), r.butterfly.clone(), r.vertical.clone());
        let rebuild = py
            .import("pricer_rs._surface")?
            .getattr("_rebuild_arbitrage_report")?;
        Ok((rebuild, state.into_pyobject(py)?))
    }

    /// The inverse of `__reduce__` (not for users).
    #[staticmethod]
    fn _from_state(
        calendar: Vec<(usize, usize)>,
        butterfly: Vec<(usize, usize)>,
        vertical: Vec<(usize, usize)>,
    ) -> Self {
        ArbitrageReport {
            inner: CoreReport {
                calendar,
                butterfly,
                vertical,
            },
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "ArbitrageReport(calendar={}, butterfly={}, vertical={})",
            self.inner.calendar.len(),
            self.inner.butterfly.len(),
            self.inner.vertical.len()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ImpliedVolSurface>()?;
    m.add_class::<ArbitrageReport>()?;
    m.add_class::<SurfaceDescription>()?;
    Ok(())
}
