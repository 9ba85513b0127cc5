//! The Python classes: `Greeks` (a value object) and `BlackScholesPricer` (a frozen pricer
//! with fixed r, sigma, q).

use ndarray::Axis;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString, PyTuple};

use super::api::{
    BsmOperands, fill_one, greeks_of, greeks_of_arrays, greeks_of_contract, plain_kind, price_any,
};
use super::args::{Given, kind_operand, operand, parse_kind_str, plain_number, which_greeks};
use crate::batch::{self, BsmArrays, Domain, Greek, check_domain, check_scalar};
use crate::black::Contract;
use crate::engine::{broadcast_shape, format_shape};

/// Price and greeks of one call to `greeks`: floats or ndarrays of one shape; fields not
/// asked for with `which=` are None.
#[pyclass(frozen, module = "pricer_rs", name = "Greeks")]
pub struct Greeks {
    fields: [Option<Py<PyAny>>; 10],
}

impl Greeks {
    pub fn from_fields(which: &[Greek], values: Vec<Py<PyAny>>) -> Greeks {
        let mut fields: [Option<Py<PyAny>>; 10] = Default::default();
        for (g, v) in which.iter().zip(values) {
            fields[*g as usize] = Some(v);
        }
        Greeks { fields }
    }

    fn field(&self, py: Python<'_>, g: Greek) -> Option<Py<PyAny>> {
        self.fields[g as usize].as_ref().map(|v| v.clone_ref(py))
    }
}

/// The constructor's rule: each given field a number or an array (not text), all of one
/// shape (numpy's, which DataFrames and dask arrays report too; a dask array of unknown
/// chunk sizes, NaN in its shape, is not compared). `Greeks(price=np.ones(2),
/// delta=np.ones(3))` and `Greeks(price='abc')` were accepted.
fn check_fields(py: Python<'_>, fields: &[Option<Py<PyAny>>; 10]) -> PyResult<()> {
    let np = super::args::numpy_module(py)?;
    let mut first: Option<(&str, Bound<'_, PyAny>)> = None;
    for (greek, field) in Greek::ALL.iter().zip(fields) {
        let Some(field) = field else { continue };
        let value = field.bind(py);
        if value.is_instance_of::<pyo3::types::PyString>()
            || value.is_instance_of::<pyo3::types::PyBytes>()
        {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "Greeks: {} must be a number or an array of numbers, got {}",
                greek.name(),
                value.get_type().name()?
            )));
        }
        let shape = np.call_method1("shape", (value,))?;
        let unknown = |shape: &Bound<'_, PyAny>| -> PyResult<bool> {
            for n in shape.try_iter()? {
                if n?.extract::<f64>().is_ok_and(f64::is_nan) {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        match &first {
            None => first = Some((greek.name(), shape)),
            Some((name, seen)) => {
                if !shape.eq(seen)? && !unknown(&shape)? && !unknown(seen)? {
                    return Err(PyValueError::new_err(format!(
                        "Greeks: fields of different shapes: {name} {}, {} {}",
                        seen.repr()?,
                        greek.name(),
                        shape.repr()?
                    )));
                }
            }
        }
    }
    Ok(())
}

#[pymethods]
impl Greeks {
    #[new]
    #[pyo3(signature = (price=None, delta=None, gamma=None, vega=None, theta=None, rho=None,
                        epsilon=None, vanna=None, volga=None, charm=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        price: Option<Py<PyAny>>,
        delta: Option<Py<PyAny>>,
        gamma: Option<Py<PyAny>>,
        vega: Option<Py<PyAny>>,
        theta: Option<Py<PyAny>>,
        rho: Option<Py<PyAny>>,
        epsilon: Option<Py<PyAny>>,
        vanna: Option<Py<PyAny>>,
        volga: Option<Py<PyAny>>,
        charm: Option<Py<PyAny>>,
        py: Python<'_>,
    ) -> PyResult<Greeks> {
        let fields = [
            price, delta, gamma, vega, theta, rho, epsilon, vanna, volga, charm,
        ];
        check_fields(py, &fields)?;
        Ok(Greeks { fields })
    }

    /// Discounted price.
    #[getter]
    fn price(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Price)
    }
    /// dV/dS
    #[getter]
    fn delta(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Delta)
    }
    /// d2V/dS2
    #[getter]
    fn gamma(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Gamma)
    }
    /// dV/dsigma, per 1.00 of volatility
    #[getter]
    fn vega(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Vega)
    }
    /// -dV/dt, per year
    #[getter]
    fn theta(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Theta)
    }
    /// dV/dr
    #[getter]
    fn rho(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Rho)
    }
    /// dV/dq
    #[getter]
    fn epsilon(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Epsilon)
    }
    /// d2V/(dS dsigma)
    #[getter]
    fn vanna(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Vanna)
    }
    /// d2V/dsigma2
    #[getter]
    fn volga(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Volga)
    }
    /// -d2V/(dS dt)
    #[getter]
    fn charm(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.field(py, Greek::Charm)
    }

    /// `Greeks[float]`, `Greeks[numpy.ndarray]`: the stubs type Greeks by its fields' type,
    /// and annotations evaluated at run time (dataclasses, pydantic) subscript the class.
    #[classmethod]
    #[pyo3(signature = (item, /))]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let alias = cls.py().import("types")?.getattr("GenericAlias")?;
        alias.call1((cls, item))
    }

    /// The computed fields as pandas: a Series by field name for scalar fields, a DataFrame
    /// with one column per field otherwise (needs pandas; `pricer_rs._greeks`).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        greeks_helper(slf, "to_pandas", None)
    }

    /// The computed fields as a polars DataFrame, one column per field (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        greeks_helper(slf, "to_polars", None)
    }

    /// Jupyter's rich display: a small table of the computed fields.
    fn _repr_html_<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        greeks_helper(slf, "repr_html", None)
    }

    /// A new Greeks in market units on request (the fields themselves stay exact partial
    /// derivatives per unit): theta="calendar_day" or "trading_day" (theta and charm per
    /// day: / 365 or / trading_days), vega="percent" (vega and vanna per 1 % of vol, volga
    /// per (1 %)^2), rho="percent" (rho and epsilon per 1 %).
    #[pyo3(signature = (**kwargs), text_signature = "(self, *, theta='year', vega='unit', rho='unit', trading_days=252)")]
    fn in_units<'py>(
        slf: &Bound<'py, Self>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        greeks_helper(slf, "in_units", kwargs)
    }

    /// The computed fields as a dict, name -> value (fields that are None are left out).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for g in Greek::ALL {
            if let Some(v) = self.field(py, g) {
                d.set_item(g.name(), v)?;
            }
        }
        Ok(d)
    }

    /// Pickling (multiprocessing, Dask results): the fields, rebuilt by the constructor.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let this = slf.get();
        let args: Vec<Py<PyAny>> = Greek::ALL
            .iter()
            .map(|g| this.field(py, *g).unwrap_or_else(|| py.None()))
            .collect();
        Ok((slf.get_type().into_any(), PyTuple::new(py, args)?))
    }

    /// Equal when the same fields are computed and each holds the same values (numpy's
    /// array_equal, NaN equal to NaN: a pickled copy equals its original). Unhashable, as
    /// its fields may be arrays.
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<Greeks>() else {
            return Ok(false);
        };
        let other = other.get();
        let np = super::args::numpy_module(py)?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("equal_nan", true)?;
        for g in Greek::ALL {
            match (self.field(py, g), other.field(py, g)) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    let equal = np.call_method("array_equal", (a, b), Some(&kwargs))?;
                    if !equal.is_truthy()? {
                        return Ok(false);
                    }
                }
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for g in Greek::ALL {
            if let Some(v) = self.field(py, g) {
                parts.push(format!("{}={}", g.name(), v.bind(py).repr()?));
            }
        }
        Ok(format!("Greeks({})", parts.join(", ")))
    }
}

/// `f(greeks, **kwargs)` from the pure-Python helpers in `pricer_rs._greeks`.
fn greeks_helper<'py>(
    slf: &Bound<'py, Greeks>,
    name: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    slf.py()
        .import("pricer_rs._greeks")?
        .getattr(name)?
        .call((slf.clone(),), kwargs)
}

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
            batch::price_into(&arrays, &shape, buf, true)
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
    m.add_class::<Greeks>()?;
    m.add_class::<BlackScholesPricer>()?;
    Ok(())
}
