//! `Greeks`, the value object every greeks call returns (the module functions in `api`, the
//! pricer's methods in `classes`): one field per greek, floats or ndarrays of one shape.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::batch::Greek;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Greeks>()
}
