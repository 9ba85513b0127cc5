//! The PyO3 binding layer: convert arguments, release the GIL, call the core, convert back.
//! No numerics live here.

mod api;
mod args;
mod classes;
mod fit;
mod greeks;
mod surface;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::error::PricingError;

/// Every core error is a `ValueError` in Python: each names the argument at fault.
impl From<PricingError> for PyErr {
    fn from(e: PricingError) -> PyErr {
        match e {
            PricingError::OutOfDomain { .. }
            | PricingError::Shape { .. }
            | PricingError::InvalidArgument(_) => PyValueError::new_err(e.to_string()),
        }
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.setattr(
        "__doc__",
        "The compiled core of pricer_rs; import pricer_rs, which re-exports it.",
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    greeks::register(m)?;
    api::register(m)?;
    classes::register(m)?;
    surface::register(m)?;
    fit::register(m)?;
    Ok(())
}
