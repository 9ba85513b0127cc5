//! `BlackScholesPricer`, a frozen pricer with fixed r, sigma, q (its results' class,
//! `Greeks`, is in `greeks`, below the module functions that return it too).

use ndarray::Axis;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString};

use super::api::{
    BsmOperands, fill_one, greeks_of, greeks_of_arrays, greeks_of_contract, plain_kind, price_any,
};
use super::args::{Given, kind_operand, operand, parse_kind_str, plain_number, which_greeks};
use super::greeks::Greeks;
use crate::batch::{self, BsmArrays, Domain, check_domain, check_scalar};
use crate::black::Contract;
use crate::engine::{broadcast_shape, format_shape};

/// A Black-Scholes-Merton pricer with a fixed rate r, volatility sigma and dividend yield q.
///
/// Methods take spot s, strike k and time t (years) as floats or arrays (broadcasting) and
/// return floats or ndarrays. r, sigma and q are read-only.
#[pyclass(frozen, module = "pricer_rs", name = "BlackScholesPricer")]
pub struct BlackScholesPricer {
    r: f64,
    sigma: f64,
    q: f64,
}

impl BlackScholesPricer {
    fn scalars<'py>(&self, py: Python<'py>) -> [Bound<'py, PyAny>; 3] {
        [
            PyFloat::new(py, self.r).into_any(),
            PyFloat::new(py, self.sigma).into_any(),
            PyFloat::new(py, self.q).into_any(),
        ]
    }

    fn price_kind<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
        kind: Option<&Bound<'py, PyAny>>,
        put: bool,
    ) -> PyResult<Py<PyAny>> {
        // per-point fast path: Python numbers in, a float out, no numpy and no temporaries
        if let (Some(sv), Some(kv), Some(tv)) = (plain_number(s), plain_number(k), plain_number(t))
        {
            let is_call = match kind {
                None => Some(!put),
                Some(obj) => obj
                    .cast::<PyString>()
                    .ok()
                    .and_then(|text| text.to_cow().ok().and_then(|c| parse_kind_str(&c)))
                    .map(|v| v > 0.0),
            };
            if let Some(is_call) = is_call {
                let c = Contract {
                    s: sv,
                    k: kv,
                    r: self.r,
                    q: self.q,
                    sigma: self.sigma,
                    t: tv,
                    is_call,
                };
                batch::validate_contract(&c)?;
                return Ok(PyFloat::new(py, batch::price_one(&c)).into_any().unbind());
            }
        }
        let [r, sigma, q] = self.scalars(py);
        if put && kind.is_none() {
            let put = PyString::new(py, "put").into_any();
            return price_any(py, s, k, &r, &sigma, t, &q, Some(&put), None);
        }
        price_any(py, s, k, &r, &sigma, t, &q, kind, None)
    }

    /// Inputs for a (len(tenors), len(strikes)) grid: strikes along the last axis.
    fn surface_views<'a, 'py>(
        &self,
        s: &'a super::args::Operand<'py>,
        strikes: &'a super::args::Operand<'py>,
        tenors: &'a super::args::Operand<'py>,
        kind: &'a super::args::Operand<'py>,
        consts: &'a [super::args::Operand<'py>; 3],
    ) -> PyResult<(BsmArrays<'a>, Vec<usize>)> {
        for (name, op) in [("strikes", strikes), ("tenors", tenors)] {
            if op.view().ndim() != 1 {
                return Err(PyValueError::new_err(format!(
                    "{name} must be 1-D, got shape {}",
                    format_shape(op.view().shape())
                )));
            }
            // checked here so that an error names the axis and its index, not the grid's
            // k or t with a 2-D index
            check_domain(name, &op.view(), Domain::Positive)?;
        }
        let arrays = BsmArrays {
            s: s.view(),
            k: strikes.view().insert_axis(Axis(0)),
            r: consts[0].view(),
            q: consts[2].view(),
            sigma: consts[1].view(),
            t: tenors.view().insert_axis(Axis(1)),
            call: kind.view(),
        };
        let shape = broadcast_shape(
            &[
                arrays.s.shape(),
                arrays.k.shape(),
                arrays.t.shape(),
                arrays.call.shape(),
            ],
            &["s", "strikes", "tenors", "kind"],
        )?;
        Ok((arrays, shape))
    }
}

#[pymethods]
impl BlackScholesPricer {
    #[new]
    #[pyo3(signature = (r, sigma, q = Given::default()), text_signature = "(r, sigma, q=0.0)")]
    fn new(r: &Bound<'_, PyAny>, sigma: &Bound<'_, PyAny>, q: Given<'_>) -> PyResult<Self> {
        use super::args::{real_scalar, real_scalar_or};
        let (r, sigma) = (real_scalar(r, "r")?, real_scalar(sigma, "sigma")?);
        let q = real_scalar_or(&q, "q", 0.0)?;
        check_scalar("r", r, Domain::Finite)?;
        check_scalar("sigma", sigma, Domain::Positive)?;
        check_scalar("q", q, Domain::Finite)?;
        for (name, v) in [("r", r), ("sigma", sigma), ("q", q)] {
            if v.is_nan() {
                return Err(PyValueError::new_err(format!(
                    "{name} = nan: a pricer's {name} must not be NaN"
                )));
            }
        }
        Ok(BlackScholesPricer { r, sigma, q })
    }

    /// Continuously compounded risk-free rate, per year.
    #[getter]
    fn r(&self) -> f64 {
        self.r
    }
    /// Volatility, per sqrt(year).
    #[getter]
    fn sigma(&self) -> f64 {
        self.sigma
    }
    /// Continuous dividend yield, per year.
    #[getter]
    fn q(&self) -> f64 {
        self.q
    }

    /// Price of a European call.
    fn price_call<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.price_kind(py, s, k, t, None, false)
    }

    /// Price of a European put.
    fn price_put<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        // (no "put" string to make and parse on the per-point path)
        self.price_kind(py, s, k, t, None, true)
    }

    /// Price of a European option of the given kind.
    #[pyo3(signature = (s, k, t, kind = Given::default()), text_signature = "(self, s, k, t, kind='call')")]
    fn price<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
        kind: Given<'py>,
    ) -> PyResult<Py<PyAny>> {
        self.price_kind(py, s, k, t, kind.get(), false)
    }

    /// Price and greeks (a `Greeks`); `which` limits the fields computed.
    #[pyo3(signature = (s, k, t, kind = Given::default(), which = None),
           text_signature = "(self, s, k, t, kind='call', which=None)")]
    fn greeks<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
        kind: Given<'py>,
        which: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Greeks> {
        let which = which_greeks(which)?;
        if let (Some(s), Some(k), Some(t), Some(is_call)) = (
            plain_number(s),
            plain_number(k),
            plain_number(t),
            plain_kind(kind.get()),
        ) {
            let (r, sigma, q) = (self.r, self.sigma, self.q);
            let c = Contract {
                s,
                k,
                r,
                q,
                sigma,
                t,
                is_call,
            };
            return greeks_of_contract(py, &c, &which);
        }
        let [r, sigma, q] = self.scalars(py);
        let ops = BsmOperands::new(s, k, &r, &sigma, t, &q, kind.get())?;
        greeks_of(py, &ops, &which)
    }

    /// Prices on a strike x tenor grid: a 2-D array of shape (len(tenors), len(strikes)).
    #[pyo3(signature = (s, strikes, tenors, kind = Given::default()),
           text_signature = "(self, s, strikes, tenors, kind='call')")]
    fn price_surface<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        strikes: &Bound<'py, PyAny>,
        tenors: &Bound<'py, PyAny>,
        kind: Given<'py>,
    ) -> PyResult<Py<PyAny>> {
        let (s, strikes, tenors, kind) = (
            operand(s, "s")?,
            operand(strikes, "strikes")?,
            operand(tenors, "tenors")?,
            kind_operand(kind.get())?,
        );
        let consts = self.const_operands();
        let (arrays, shape) = self.surface_views(&s, &strikes, &tenors, &kind, &consts)?;
        fill_one(py, &shape, None, &[], |buf| {
            batch::price_into(&arrays, &shape, buf, true, batch::Check::InPass)
        })
    }

    /// Greeks on a strike x tenor grid: every field has shape (len(tenors), len(strikes)).
    #[pyo3(signature = (s, strikes, tenors, kind = Given::default(), which = None),
           text_signature = "(self, s, strikes, tenors, kind='call', which=None)")]
    fn greeks_surface<'py>(
        &self,
        py: Python<'py>,
        s: &Bound<'py, PyAny>,
        strikes: &Bound<'py, PyAny>,
        tenors: &Bound<'py, PyAny>,
        kind: Given<'py>,
        which: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Greeks> {
        let which = which_greeks(which)?;
        let (s, strikes, tenors, kind) = (
            operand(s, "s")?,
            operand(strikes, "strikes")?,
            operand(tenors, "tenors")?,
            kind_operand(kind.get())?,
        );
        let consts = self.const_operands();
        let (arrays, shape) = self.surface_views(&s, &strikes, &tenors, &kind, &consts)?;
        greeks_of_arrays(py, &arrays, &shape, &which)
    }

    /// Implied volatility of prices at this pricer's r and q (its own sigma is not used);
    /// NaN where no volatility reproduces the price.
    #[pyo3(signature = (price, s, k, t, kind = Given::default()),
           text_signature = "(self, price, s, k, t, kind='call')")]
    fn implied_vol<'py>(
        &self,
        py: Python<'py>,
        price: &Bound<'py, PyAny>,
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
        kind: Given<'py>,
    ) -> PyResult<Py<PyAny>> {
        if let (Some(p), Some(sv), Some(kv), Some(tv), Some(is_call)) = (
            plain_number(price),
            plain_number(s),
            plain_number(k),
            plain_number(t),
            plain_kind(kind.get()),
        ) {
            let numbers = [p, sv, kv, self.r, self.q, tv];
            return super::api::implied_of_numbers(py, "s", numbers, is_call);
        }
        let r = PyFloat::new(py, self.r).into_any();
        let q = Given(Some(PyFloat::new(py, self.q).into_any()));
        super::api::implied_vol_any(py, price, s, k, &r, t, q, kind, None)
    }

    /// Pickling (multiprocessing, Dask results): rebuilt from (r, sigma, q).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyAny>, (f64, f64, f64)) {
        let p = slf.get();
        (slf.get_type().into_any(), (p.r, p.sigma, p.q))
    }

    fn __repr__(&self) -> String {
        format!(
            "BlackScholesPricer(r={:?}, sigma={:?}, q={:?})",
            self.r, self.sigma, self.q
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<BlackScholesPricer>()
            .map(|o| {
                let o = o.get();
                (o.r, o.sigma, o.q) == (self.r, self.sigma, self.q)
            })
            .unwrap_or(false)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        // the bits of values equal under ==: -0.0 hashes as 0.0 (adding 0.0 maps it there)
        let bits = |v: f64| (v + 0.0).to_bits();
        (bits(self.r), bits(self.sigma), bits(self.q)).hash(&mut h);
        h.finish()
    }
}

impl BlackScholesPricer {
    fn const_operands(&self) -> [super::args::Operand<'static>; 3] {
        use super::args::Operand;
        [
            Operand::scalar(self.r),
            Operand::scalar(self.sigma),
            Operand::scalar(self.q),
        ]
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BlackScholesPricer>()?;
    Ok(())
}
