//! The vectorised module-level functions.

use ndarray::{ArrayViewD, IxDyn};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString};

use super::args::{
    Given, Operand, kind_operand, operand, parse_kind_str, plain_number, which_greeks,
};
use super::classes::Greeks;
use crate::batch::{self, Black76Arrays, BsmArrays, Greek};
use crate::black::Contract;
use crate::engine::{broadcast_shape, format_shape};

/// Below this many outputs the GIL is kept: releasing and re-taking it costs about as much
/// as the work itself.
const DETACH_THRESHOLD: usize = 64;

/// The operands of a BSM call.
pub(crate) struct BsmOperands<'py> {
    pub s: Operand<'py>,
    pub k: Operand<'py>,
    pub r: Operand<'py>,
    pub q: Operand<'py>,
    pub sigma: Operand<'py>,
    pub t: Operand<'py>,
    pub kind: Operand<'py>,
}

impl<'py> BsmOperands<'py> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        s: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        r: &Bound<'py, PyAny>,
        sigma: &Bound<'py, PyAny>,
        t: &Bound<'py, PyAny>,
        q: &Bound<'py, PyAny>,
        kind: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        Ok(BsmOperands {
            s: operand(s, "s")?,
            k: operand(k, "k")?,
            r: operand(r, "r")?,
            q: operand(q, "q")?,
            sigma: operand(sigma, "sigma")?,
            t: operand(t, "t")?,
            kind: kind_operand(kind)?,
        })
    }

    pub fn shape(&self) -> PyResult<Vec<usize>> {
        let shapes = [
            self.s.shape(),
            self.k.shape(),
            self.r.shape(),
            self.sigma.shape(),
            self.t.shape(),
            self.q.shape(),
            self.kind.shape(),
        ];
        let refs: Vec<&[usize]> = shapes.iter().map(|s| s.as_slice()).collect();
        Ok(broadcast_shape(
            &refs,
            &["s", "k", "r", "sigma", "t", "q", "kind"],
        )?)
    }

    pub fn arrays(&self) -> BsmArrays<'_> {
        BsmArrays {
            s: self.s.view(),
            k: self.k.view(),
            r: self.r.view(),
            q: self.q.view(),
            sigma: self.sigma.view(),
            t: self.t.view(),
            call: self.kind.view(),
        }
    }
}

/// The broadcast shape of `ops` (named `names` in errors).
pub(crate) fn broadcast_operands(ops: &[&Operand<'_>], names: &[&str]) -> PyResult<Vec<usize>> {
    let shapes: Vec<Vec<usize>> = ops.iter().map(|o| o.shape()).collect();
    let refs: Vec<&[usize]> = shapes.iter().map(|s| s.as_slice()).collect();
    Ok(broadcast_shape(&refs, names)?)
}

/// A contract from plain Python numbers and a `kind` string, or None when any argument is
/// an array: the per-point fast path that skips numpy entirely.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plain_contract(
    s: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
    r: &Bound<'_, PyAny>,
    sigma: &Bound<'_, PyAny>,
    t: &Bound<'_, PyAny>,
    q: &Bound<'_, PyAny>,
    kind: Option<&Bound<'_, PyAny>>,
) -> Option<Contract> {
    let is_call = match kind {
        None => true,
        Some(obj) => {
            let text = obj.cast::<PyString>().ok()?.to_cow().ok()?;
            parse_kind_str(&text)? > 0.0
        }
    };
    Some(Contract {
        s: plain_number(s)?,
        k: plain_number(k)?,
        r: plain_number(r)?,
        q: plain_number(q)?,
        sigma: plain_number(sigma)?,
        t: plain_number(t)?,
        is_call,
    })
}

/// Check `out=` against the broadcast shape and borrow it for writing.
fn writable_out<'py>(
    out: &Bound<'py, PyAny>,
    shape: &[usize],
) -> PyResult<numpy::PyReadwriteArrayDyn<'py, f64>> {
    let arr = out.cast::<PyArrayDyn<f64>>().map_err(|_| {
        let what = match out.cast::<numpy::PyUntypedArray>() {
            Ok(a) => format!("an array of dtype {}", a.dtype()),
            Err(_) => out
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "object".into()),
        };
        PyTypeError::new_err(format!("out must be a float64 numpy array, got {what}"))
    })?;
    if arr.shape() != shape {
        return Err(PyValueError::new_err(format!(
            "out has shape {}, but the result has shape {}",
            format_shape(arr.shape()),
            format_shape(shape)
        )));
    }
    if !arr.is_c_contiguous() {
        return Err(PyValueError::new_err("out must be C-contiguous"));
    }
    arr.try_readwrite().map_err(|_| {
        PyValueError::new_err("out must be writeable and must not share memory with an input")
    })
}

/// Run `compute` on one flat output buffer (fresh, or `out=`), releasing the GIL when the
/// output is large enough for it to matter. Returns `out`, a float for a 0-d result, or
/// the new array.
pub(crate) fn fill_one<'py, F>(
    py: Python<'py>,
    shape: &[usize],
    out: Option<&Bound<'py, PyAny>>,
    inputs: &[ArrayViewD<'_, f64>],
    compute: F,
) -> PyResult<Py<PyAny>>
where
    F: FnOnce(&mut [f64]) -> crate::error::Result<()> + Send,
{
    let n: usize = shape.iter().product();
    let run = |buf: &mut [f64]| -> PyResult<()> {
        if n >= DETACH_THRESHOLD {
            py.detach(|| compute(buf))?;
        } else {
            compute(buf)?;
        }
        Ok(())
    };
    if let Some(out) = out.filter(|o| !o.is_none()) {
        let mut rw = writable_out(out, shape)?;
        let buf = rw
            .as_slice_mut()
            .map_err(|_| PyValueError::new_err("out must be C-contiguous"))?;
        let out_range = byte_range(buf.as_ptr(), &[buf.len()], &[1]);
        for input in inputs {
            let range = byte_range(input.as_ptr(), input.shape(), input.strides());
            if !input.is_empty()
                && !buf.is_empty()
                && range.0 < out_range.1
                && out_range.0 < range.1
            {
                return Err(PyValueError::new_err(
                    "out must not share memory with an input (write into a fresh array)",
                ));
            }
        }
        run(buf)?;
        return Ok(out.clone().unbind());
    }
    // SAFETY: every element is written by `compute` before the array is returned; on error
    // the array is dropped unseen.
    let arr = unsafe { PyArrayDyn::<f64>::new(py, IxDyn(shape), false) };
    {
        let mut rw = arr.readwrite();
        let buf = rw
            .as_slice_mut()
            .map_err(|_| PyValueError::new_err("internal: new array is not contiguous"))?;
        run(buf)?;
        if shape.is_empty() {
            return Ok(PyFloat::new(py, buf[0]).into_any().unbind());
        }
    }
    Ok(arr.into_any().unbind())
}

/// The bytes `[first, last)` an array with this base pointer, shape and element strides
/// spans (negative strides included).
fn byte_range(ptr: *const f64, shape: &[usize], strides: &[isize]) -> (usize, usize) {
    let (mut lo, mut hi) = (0isize, 0isize);
    for (&n, &st) in shape.iter().zip(strides) {
        if n == 0 {
            return (0, 0);
        }
        let reach = (n as isize - 1) * st;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    let base = ptr as isize;
    ((base + lo * 8) as usize, (base + (hi + 1) * 8) as usize)
}

/// Broadcast `ops` (named `names` in errors) and fill one output from their views with
/// `compute(views, shape, buffer)`: the common path of the element-wise functions.
fn elementwise<'py, const N: usize, F>(
    py: Python<'py>,
    ops: &[Operand<'py>; N],
    names: &[&str; N],
    out: Option<&Bound<'py, PyAny>>,
    compute: F,
) -> PyResult<Py<PyAny>>
where
    F: FnOnce(&[ArrayViewD<'_, f64>; N], &[usize], &mut [f64]) -> crate::error::Result<()> + Send,
{
    let shape = broadcast_operands(&ops.iter().collect::<Vec<_>>(), names)?;
    let views: [ArrayViewD<f64>; N] = std::array::from_fn(|i| ops[i].view());
    fill_one(py, &shape, out, &views, |buf| compute(&views, &shape, buf))
}

/// Several outputs of one shape, as fresh arrays (or floats for a 0-d shape).
pub(crate) fn fill_many<'py, F>(
    py: Python<'py>,
    shape: &[usize],
    count: usize,
    compute: F,
) -> PyResult<Vec<Py<PyAny>>>
where
    F: FnOnce(&mut [&mut [f64]]) -> crate::error::Result<()> + Send,
{
    let n: usize = shape.iter().product();
    // SAFETY: as in `fill_one`: fully written before anyone sees them.
    let arrays: Vec<Bound<'py, PyArrayDyn<f64>>> = (0..count)
        .map(|_| unsafe { PyArrayDyn::<f64>::new(py, IxDyn(shape), false) })
        .collect();
    {
        let mut rws: Vec<numpy::PyReadwriteArrayDyn<'py, f64>> =
            arrays.iter().map(|a| a.readwrite()).collect();
        let mut bufs: Vec<&mut [f64]> = Vec::with_capacity(count);
        for rw in rws.iter_mut() {
            bufs.push(
                rw.as_slice_mut()
                    .map_err(|_| PyValueError::new_err("internal: new array is not contiguous"))?,
            );
        }
        if n >= DETACH_THRESHOLD {
            py.detach(|| compute(&mut bufs))?;
        } else {
            compute(&mut bufs)?;
        }
        if shape.is_empty() {
            return Ok(bufs
                .iter()
                .map(|b| PyFloat::new(py, b[0]).into_any().unbind())
                .collect());
        }
    }
    Ok(arrays.into_iter().map(|a| a.into_any().unbind()).collect())
}

/// Price of a European option: the engine behind `price` and the pricer's methods.
#[allow(clippy::too_many_arguments)]
pub(crate) fn price_any<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    q: &Bound<'py, PyAny>,
    kind: Option<&Bound<'py, PyAny>>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    if out.is_none_or(|o| o.is_none())
        && let Some(c) = plain_contract(s, k, r, sigma, t, q, kind)
    {
        batch::validate_contract(&c)?;
        return Ok(PyFloat::new(py, batch::price_one(&c)).into_any().unbind());
    }
    let ops = BsmOperands::new(s, k, r, sigma, t, q, kind)?;
    let shape = ops.shape()?;
    let arrays = ops.arrays();
    fill_one(py, &shape, out, &arrays.views(), |buf| {
        batch::price_into(&arrays, &shape, buf, true)
    })
}

/// One greek over broadcast inputs (the single-greek functions).
#[allow(clippy::too_many_arguments)]
fn one_greek<'py>(
    py: Python<'py>,
    greek: Greek,
    s: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    q: &Bound<'py, PyAny>,
    kind: Option<&Bound<'py, PyAny>>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let ops = BsmOperands::new(s, k, r, sigma, t, q, kind)?;
    let shape = ops.shape()?;
    let arrays = ops.arrays();
    fill_one(py, &shape, out, &arrays.views(), |buf| {
        batch::greeks_into(&arrays, &shape, &[greek], &mut [buf], true)
    })
}

/// Greeks over broadcast inputs: the engine behind `greeks` and the pricer's methods.
pub(crate) fn greeks_of(
    py: Python<'_>,
    ops: &BsmOperands<'_>,
    which: &[Greek],
) -> PyResult<Greeks> {
    greeks_of_arrays(py, &ops.arrays(), &ops.shape()?, which)
}

/// Greeks of prepared views broadcast to `shape`.
pub(crate) fn greeks_of_arrays(
    py: Python<'_>,
    arrays: &BsmArrays<'_>,
    shape: &[usize],
    which: &[Greek],
) -> PyResult<Greeks> {
    let values = fill_many(py, shape, which.len(), |bufs| {
        batch::greeks_into(arrays, shape, which, bufs, true)
    })?;
    Ok(Greeks::from_fields(which, values))
}

/// Discounted Black-Scholes-Merton price of a European option.
///
/// Every argument broadcasts like numpy (scalars, lists, arrays of any shape and real
/// dtype). Units: s, k in currency; r, q continuously compounded per year; sigma per
/// sqrt(year); t in years. kind is "call"/"put"/"c"/"p", a bool (True = call) or an array
/// of either. Returns a float when every argument is a scalar, else an ndarray of the
/// broadcast shape (or `out`, filled, when given).
#[pyfunction]
#[pyo3(signature = (s, k, r, sigma, t, *, q = Given::default(), kind = Given::default(), out = None), text_signature = "(s, k, r, sigma, t, *, q=0.0, kind='call', out=None)")]
#[allow(clippy::too_many_arguments)]
fn price<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    q: Given<'py>,
    kind: Given<'py>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let zero = PyFloat::new(py, 0.0).into_any();
    price_any(
        py,
        s,
        k,
        r,
        sigma,
        t,
        q.get().unwrap_or(&zero),
        kind.get(),
        out,
    )
}

macro_rules! single_greek {
    ($name:ident, $greek:expr, $doc:literal) => {
        #[doc = concat!($doc,
            "\n\nArguments broadcast like `price`; returns a float for scalar inputs, else an ndarray.")]
        #[pyfunction]
        #[pyo3(signature = (s, k, r, sigma, t, *, q = Given::default(), kind = Given::default(), out = None),
               text_signature = "(s, k, r, sigma, t, *, q=0.0, kind='call', out=None)")]
        #[allow(clippy::too_many_arguments)]
        fn $name<'py>(
            py: Python<'py>,
            s: &Bound<'py, PyAny>,
            k: &Bound<'py, PyAny>,
            r: &Bound<'py, PyAny>,
            sigma: &Bound<'py, PyAny>,
            t: &Bound<'py, PyAny>,
            q: Given<'py>,
            kind: Given<'py>,
            out: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Py<PyAny>> {
            let zero = PyFloat::new(py, 0.0).into_any();
            one_greek(py, $greek, s, k, r, sigma, t, q.get().unwrap_or(&zero), kind.get(), out)
        }
    };
}

single_greek!(delta, Greek::Delta, "Delta, dV/dS.");
single_greek!(gamma, Greek::Gamma, "Gamma, d2V/dS2.");
single_greek!(vega, Greek::Vega, "Vega, dV/dsigma per 1.00 of volatility.");
single_greek!(
    theta,
    Greek::Theta,
    "Theta, -dV/dt: value change per year as time passes."
);
single_greek!(rho, Greek::Rho, "Rho, dV/dr per 1.00 of rate.");

/// Price and greeks (delta, gamma, vega, theta, rho, epsilon, vanna, volga, charm), exact
/// partial derivatives per unit of each input; theta = -dV/dt per year. `which` names the
/// fields to compute (e.g. ("delta", "vega")); the others are None. Returns a `Greeks`.
#[pyfunction]
#[pyo3(signature = (s, k, r, sigma, t, *, q = Given::default(), kind = Given::default(), which = None), text_signature = "(s, k, r, sigma, t, *, q=0.0, kind='call', which=None)")]
#[allow(clippy::too_many_arguments)]
fn greeks<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    q: Given<'py>,
    kind: Given<'py>,
    which: Option<&Bound<'py, PyAny>>,
) -> PyResult<Greeks> {
    let zero = PyFloat::new(py, 0.0).into_any();
    let which = which_greeks(which)?;
    let ops = BsmOperands::new(s, k, r, sigma, t, q.get().unwrap_or(&zero), kind.get())?;
    greeks_of(py, &ops, &which)
}

/// Black-76 price of a European option on a forward or futures price f, discounted at r.
#[pyfunction]
#[pyo3(signature = (f, k, r, sigma, t, *, kind = Given::default(), out = None), text_signature = "(f, k, r, sigma, t, *, kind='call', out=None)")]
#[allow(clippy::too_many_arguments)]
fn black76_price<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    kind: Given<'py>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let ops = [
        operand(f, "f")?,
        operand(k, "k")?,
        operand(r, "r")?,
        operand(sigma, "sigma")?,
        operand(t, "t")?,
        kind_operand(kind.get())?,
    ];
    elementwise(
        py,
        &ops,
        &["f", "k", "r", "sigma", "t", "kind"],
        out,
        |v, shape, buf| {
            let arrays = Black76Arrays {
                f: v[0].clone(),
                k: v[1].clone(),
                r: v[2].clone(),
                sigma: v[3].clone(),
                t: v[4].clone(),
                call: v[5].clone(),
            };
            batch::black76_into(&arrays, shape, buf, true)
        },
    )
}

/// European call prices for a 1-D array of spots (the original batch API). The input is
/// read in place and the GIL is released while pricing.
#[pyfunction]
#[pyo3(signature = (s_array, k, r, sigma, t), text_signature = "(s_array, k, r, sigma, t)")]
fn price_european_call_batch<'py>(
    py: Python<'py>,
    s_array: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>> {
    let spots = operand(s_array, "s_array")?;
    if spots.view().ndim() != 1 {
        return Err(PyValueError::new_err(format!(
            "s_array must be 1-D, got shape {}",
            format_shape(spots.view().shape())
        )));
    }
    let ops = BsmOperands {
        s: spots,
        k: operand(k, "k")?,
        r: operand(r, "r")?,
        q: Operand::scalar(0.0),
        sigma: operand(sigma, "sigma")?,
        t: operand(t, "t")?,
        kind: Operand::scalar(1.0),
    };
    let shape = ops.shape()?;
    let arrays = ops.arrays();
    fill_one(py, &shape, None, &[], |buf| {
        batch::price_into(&arrays, &shape, buf, true)
    })
}

/// Implied volatility of European option prices; NaN where no volatility reproduces the
/// price (below intrinsic value, at or above the upper bound, negative). Arguments
/// broadcast like `price`; returns a float for scalar inputs, else an ndarray (or `out`).
#[pyfunction]
#[pyo3(signature = (price, s, k, r, t, *, q = Given::default(), kind = Given::default(), out = None),
       text_signature = "(price, s, k, r, t, *, q=0.0, kind='call', out=None)")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn implied_vol<'py>(
    py: Python<'py>,
    price: &Bound<'py, PyAny>,
    s: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    q: Given<'py>,
    kind: Given<'py>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let zero = PyFloat::new(py, 0.0).into_any();
    let ops = [
        operand(price, "price")?,
        operand(s, "s")?,
        operand(k, "k")?,
        operand(r, "r")?,
        operand(q.get().unwrap_or(&zero), "q")?,
        operand(t, "t")?,
        kind_operand(kind.get())?,
    ];
    elementwise(
        py,
        &ops,
        &["price", "s", "k", "r", "q", "t", "kind"],
        out,
        |v, shape, buf| {
            let arrays = batch::ImpliedArrays {
                price: v[0].clone(),
                s: v[1].clone(),
                k: v[2].clone(),
                r: v[3].clone(),
                q: v[4].clone(),
                t: v[5].clone(),
                call: v[6].clone(),
            };
            batch::implied_vol_into(&arrays, shape, buf, true)
        },
    )
}

/// Black-76 implied volatility of prices of options on a forward or futures price f.
#[pyfunction]
#[pyo3(signature = (price, f, k, r, t, *, kind = Given::default(), out = None),
       text_signature = "(price, f, k, r, t, *, kind='call', out=None)")]
#[allow(clippy::too_many_arguments)]
fn black76_implied_vol<'py>(
    py: Python<'py>,
    price: &Bound<'py, PyAny>,
    f: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    kind: Given<'py>,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let ops = [
        operand(price, "price")?,
        operand(f, "f")?,
        operand(k, "k")?,
        operand(r, "r")?,
        operand(t, "t")?,
        kind_operand(kind.get())?,
    ];
    elementwise(
        py,
        &ops,
        &["price", "f", "k", "r", "t", "kind"],
        out,
        |v, shape, buf| {
            let arrays = batch::Black76ImpliedArrays {
                price: v[0].clone(),
                f: v[1].clone(),
                k: v[2].clone(),
                r: v[3].clone(),
                t: v[4].clone(),
                call: v[5].clone(),
            };
            batch::black76_implied_vol_into(&arrays, shape, buf, true)
        },
    )
}

/// Use at most n threads for large array calls (also settable with PRICER_RS_NUM_THREADS).
#[pyfunction]
#[pyo3(text_signature = "(n)")]
fn set_num_threads(n: i64) -> PyResult<()> {
    let n =
        usize::try_from(n).map_err(|_| PyValueError::new_err("set_num_threads: n must be >= 1"))?;
    Ok(crate::parallel::set_num_threads(n)?)
}

/// The number of threads large array calls use.
#[pyfunction]
#[pyo3(text_signature = "()")]
fn get_num_threads() -> usize {
    crate::parallel::num_threads()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(price, m)?)?;
    m.add_function(wrap_pyfunction!(delta, m)?)?;
    m.add_function(wrap_pyfunction!(gamma, m)?)?;
    m.add_function(wrap_pyfunction!(vega, m)?)?;
    m.add_function(wrap_pyfunction!(theta, m)?)?;
    m.add_function(wrap_pyfunction!(rho, m)?)?;
    m.add_function(wrap_pyfunction!(greeks, m)?)?;
    m.add_function(wrap_pyfunction!(black76_price, m)?)?;
    m.add_function(wrap_pyfunction!(price_european_call_batch, m)?)?;
    m.add_function(wrap_pyfunction!(implied_vol, m)?)?;
    m.add_function(wrap_pyfunction!(black76_implied_vol, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    Ok(())
}
