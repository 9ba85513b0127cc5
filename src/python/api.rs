//! The vectorised module-level functions.

use ndarray::ArrayViewD;
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString, PyTuple};

use super::args::{
    Given, Operand, kind_operand, operand, parse_kind_str, plain_number, which_greeks,
};
use super::greeks::Greeks;
use crate::batch::{self, Black76Arrays, BsmArrays, Check, Greek};
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

    /// Inputs sharing memory with `out` are read from copies (see `unshare_from_out`).
    pub fn unshare_from(&mut self, out: Option<&Bound<'py, PyAny>>) {
        let ops = [
            &mut self.s,
            &mut self.k,
            &mut self.r,
            &mut self.q,
            &mut self.sigma,
            &mut self.t,
            &mut self.kind,
        ];
        unshare_from_out(ops.into_iter(), out);
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
    let is_call = plain_kind(kind)?;
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

/// A kind left out (a call) or given as a string: true for a call; None for anything else
/// (arrays, bools: the general path converts them).
pub(crate) fn plain_kind(kind: Option<&Bound<'_, PyAny>>) -> Option<bool> {
    match kind {
        None => Some(true),
        Some(obj) => {
            let text = obj.cast::<PyString>().ok()?.to_cow().ok()?;
            Some(parse_kind_str(&text)? > 0.0)
        }
    }
}

/// Price and greeks of one contract given as Python numbers: a `Greeks` of floats, without
/// the arrays of the general path (which made a per-point call 4 us).
pub(crate) fn greeks_of_contract(
    py: Python<'_>,
    c: &Contract,
    which: &[Greek],
) -> PyResult<Greeks> {
    batch::validate_contract(c)?;
    let g = batch::greeks_one(c);
    let values = which
        .iter()
        .map(|w| PyFloat::new(py, w.pick(&g)).into_any().unbind())
        .collect();
    Ok(Greeks::from_fields(which, values))
}

/// Whether `obj` is a pandas or polars object, by its type's module (neither library is
/// imported to ask): the rule of `pricer_rs._frames._flavour`, which must agree with it.
fn is_frame(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_exact_instance_of::<PyFloat>()
        || obj.is_exact_instance_of::<pyo3::types::PyInt>()
        || obj.is_none()
        || obj.cast::<numpy::PyUntypedArray>().is_ok()
    {
        return false;
    }
    let Ok(module) = obj.get_type().module() else {
        return false;
    };
    let Ok(module) = module.to_cow() else {
        return false;
    };
    let has = |attr: &str| obj.hasattr(attr).unwrap_or(false);
    match module.split('.').next() {
        Some("pandas") => has("index") && has("to_numpy"),
        Some("polars") => has("to_numpy"),
        // a DataArray: broadcast by dimension name in `pricer_rs._xarray`
        Some("xarray") => has("dims") && has("to_numpy"),
        _ => false,
    }
}

/// The keyword arguments that were given, as a dict for a call back into Python.
fn given_keywords<'py>(
    py: Python<'py>,
    keywords: &[(&str, Option<&Bound<'py, PyAny>>)],
) -> PyResult<Bound<'py, PyDict>> {
    let kwargs = PyDict::new(py);
    for (key, value) in keywords {
        if let Some(value) = value {
            kwargs.set_item(*key, value)?;
        }
    }
    Ok(kwargs)
}

/// `at_expiry=`: "raise" (the default: t = 0 or sigma = 0 is out of the domain) or "limit"
/// (those elements get their limits, `pricer_rs._expiry`); the call is handed there for
/// "limit" (`Some`), left here otherwise.
fn expiry_call<'py>(
    py: Python<'py>,
    name: &str,
    at_expiry: Option<&Bound<'py, PyAny>>,
    positional: &[&Bound<'py, PyAny>],
    keywords: &[(&str, Option<&Bound<'py, PyAny>>)],
) -> Option<PyResult<Py<PyAny>>> {
    let choice = at_expiry?;
    let call = || -> PyResult<Option<Py<PyAny>>> {
        let text = choice.extract::<String>().ok();
        match text.as_deref() {
            Some("raise") => Ok(None),
            Some("limit") => {
                let kwargs = given_keywords(py, keywords)?;
                let args = PyTuple::new(py, positional.iter())?;
                let limit = py.import("pricer_rs._expiry")?.getattr("limit_call")?;
                Ok(Some(limit.call1((name, args, kwargs))?.unbind()))
            }
            _ => Err(PyValueError::new_err(format!(
                "at_expiry = {}: must be 'raise' (t = 0 or sigma = 0 is an error) or 'limit' \
                 (those elements get their limits)",
                choice.repr().map(|r| r.to_string()).unwrap_or_default()
            ))),
        }
    };
    call().transpose()
}

/// A module function called with a pandas or polars argument is handed to
/// `pricer_rs._frames.framed`, which calls it again on numpy arrays and gives the result the
/// inputs' type and labels; `None` when no argument is one (the usual case, decided here
/// rather than in a Python wrapper, which cost 0.3 us on every call).
fn frames_call<'py>(
    py: Python<'py>,
    name: &str,
    positional: &[&Bound<'py, PyAny>],
    keywords: &[(&str, Option<&Bound<'py, PyAny>>)],
) -> Option<PyResult<Py<PyAny>>> {
    let given = keywords.iter().filter_map(|(_, v)| *v);
    if !positional.iter().copied().chain(given).any(is_frame) {
        return None;
    }
    let call = || -> PyResult<Py<PyAny>> {
        let native = py.import("pricer_rs._native")?.getattr(name)?;
        let kwargs = given_keywords(py, keywords)?;
        let framed = py.import("pricer_rs._frames")?.getattr("framed")?;
        let args = PyTuple::new(py, positional.iter())?;
        Ok(framed.call1((native, args, kwargs))?.unbind())
    };
    Some(call())
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
        PyValueError::new_err("out must be writeable (not read-only, not borrowed elsewhere)")
    })
}

/// How a BSM call filling `out` checks its inputs: before anything is written into a
/// user's `out=` (`fill_one` writes there when `out` is given and not None), in the kernel's
/// pass into a fresh array.
fn check_for(out: Option<&Bound<'_, PyAny>>) -> Check {
    if out.is_none_or(|o| o.is_none()) {
        Check::InPass
    } else {
        Check::First
    }
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
        // the callers copied inputs that share memory with `out` (`unshare_from_out`); one
        // that still does would be read while written: refused rather than garbage
        let out_range = span(buf.as_ptr() as usize, &[buf.len()], &[8], 8);
        for input in inputs {
            if overlaps(view_span(input), out_range) {
                return Err(PyValueError::new_err(
                    "out must not share memory with an input (write into a fresh array)",
                ));
            }
        }
        run(buf)?;
        return Ok(out.clone().unbind());
    }
    if shape.is_empty() {
        // a 0-d result is a float: computed into a local, no numpy array to allocate and
        // borrow (half the cost of a per-point call)
        let mut one = [0.0f64];
        run(&mut one)?;
        return Ok(PyFloat::new(py, one[0]).into_any().unbind());
    }
    // SAFETY: every element is written by `compute` before the array is returned; on error
    // the array is dropped unseen
    let arr = unsafe { new_output(py, shape) }?;
    {
        let mut rw = arr.readwrite();
        let buf = rw
            .as_slice_mut()
            .map_err(|_| PyValueError::new_err("internal: new array is not contiguous"))?;
        run(buf)?;
    }
    Ok(arr.into_any().unbind())
}

/// A fresh, uninitialised C-contiguous float64 array of `shape` for the caller to fill
/// completely. numpy allocates it (so its allocator and huge-page advice apply); an
/// allocation it refuses is its `MemoryError` here, not a panic (rust-numpy's
/// `PyArray::new` panics on a null array).
///
/// # Safety
/// The elements are uninitialised: the caller writes every one before anything reads it.
pub(crate) unsafe fn new_output<'py>(
    py: Python<'py>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    use numpy::npyffi::{self, PY_ARRAY_API, npy_intp};
    use numpy::{Element, PyArrayDescrMethods};
    let bytes = shape
        .iter()
        .try_fold(std::mem::size_of::<f64>(), |acc, &n| acc.checked_mul(n))
        .filter(|&b| b <= isize::MAX as usize);
    if bytes.is_none() {
        return Err(pyo3::exceptions::PyMemoryError::new_err(format!(
            "an output of shape {} does not fit in memory",
            format_shape(shape)
        )));
    }
    let mut dims: Vec<npy_intp> = shape.iter().map(|&n| n as npy_intp).collect();
    // SAFETY: the arguments are those rust-numpy's `PyArray::new` passes (the array type, a
    // float64 descriptor the call steals, `dims.len()` dimensions from a live buffer, default
    // strides, numpy-owned data); the result is a new reference or null with an exception
    // set, which `from_owned_ptr_or_err` turns into the error.
    let obj = unsafe {
        let ptr = PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            npyffi::get_type_object(py, npyffi::NpyTypes::PyArray_Type),
            f64::get_dtype(py).into_dtype_ptr(),
            dims.len() as std::ffi::c_int,
            dims.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)?
    };
    Ok(obj.cast_into::<PyArrayDyn<f64>>()?)
}

/// numpy's rule for ufuncs with `out=`: the result is as if every input had been read before
/// any output was written, whatever memory they share (`np.exp(a, out=a)`). An input whose
/// bytes overlap `out`'s is replaced by a copy, which also releases its read-only borrow so
/// that `out` can be borrowed for writing. (The kernels read an element's inputs in blocks
/// and write outputs elsewhere in the block, so even `out` being exactly an input would not
/// be safe to read in place.)
fn unshare_from_out<'a, 'py: 'a>(
    ops: impl Iterator<Item = &'a mut Operand<'py>>,
    out: Option<&Bound<'py, PyAny>>,
) {
    // (an `out` of another dtype is refused later, and needs nothing here)
    let Some(out) = out.and_then(|o| o.cast::<PyArrayDyn<f64>>().ok()) else {
        return;
    };
    let out_range = span(out.data() as usize, out.shape(), out.strides(), 8);
    for op in ops {
        let copy = match op {
            Operand::Numpy(a) => {
                let v = a.as_array();
                // an empty input spans no bytes but its read-only borrow may still be on
                // `out`'s base: its copy costs nothing
                (v.is_empty() || overlaps(view_span(&v), out_range)).then(|| v.to_owned())
            }
            Operand::Owned(_) => None,
        };
        if let Some(copy) = copy {
            *op = Operand::Owned(copy);
        }
    }
}

/// The bytes `[first, last)` spanned from address `base` by `shape` with byte `strides` and
/// items of `item` bytes (empty for an empty array).
fn span(base: usize, shape: &[usize], strides: &[isize], item: isize) -> (usize, usize) {
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
    let base = base as isize;
    ((base + lo) as usize, (base + hi + item) as usize)
}

/// `span` of a float64 view (its strides are in elements).
fn view_span(v: &ArrayViewD<'_, f64>) -> (usize, usize) {
    let byte_strides: Vec<isize> = v.strides().iter().map(|&st| st * 8).collect();
    span(v.as_ptr() as usize, v.shape(), &byte_strides, 8)
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < a.1 && b.0 < b.1 && a.0 < b.1 && b.0 < a.1
}

/// Broadcast `ops` (named `names` in errors) and fill one output from their views with
/// `compute(views, shape, buffer)`: the common path of the element-wise functions.
fn elementwise<'py, const N: usize, F>(
    py: Python<'py>,
    mut ops: [Operand<'py>; N],
    names: &[&str; N],
    out: Option<&Bound<'py, PyAny>>,
    compute: F,
) -> PyResult<Py<PyAny>>
where
    F: FnOnce(&[ArrayViewD<'_, f64>; N], &[usize], &mut [f64]) -> crate::error::Result<()> + Send,
{
    let shape = broadcast_operands(&ops.iter().collect::<Vec<_>>(), names)?;
    unshare_from_out(ops.iter_mut(), out);
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
    // SAFETY: as in `fill_one`: fully written before anyone sees them
    let arrays: Vec<Bound<'py, PyArrayDyn<f64>>> = (0..count)
        .map(|_| unsafe { new_output(py, shape) })
        .collect::<PyResult<_>>()?;
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
    let mut ops = BsmOperands::new(s, k, r, sigma, t, q, kind)?;
    let shape = ops.shape()?;
    ops.unshare_from(out);
    let arrays = ops.arrays();
    let check = check_for(out);
    fill_one(py, &shape, out, &arrays.views(), |buf| {
        batch::price_into(&arrays, &shape, buf, true, check)
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
    // per-point: Python numbers in, a float out (through the engine: 1.6 us a call)
    if out.is_none_or(|o| o.is_none())
        && let Some(c) = plain_contract(s, k, r, sigma, t, q, kind)
    {
        batch::validate_contract(&c)?;
        let value = greek.pick(&batch::greeks_one(&c));
        return Ok(PyFloat::new(py, value).into_any().unbind());
    }
    let mut ops = BsmOperands::new(s, k, r, sigma, t, q, kind)?;
    let shape = ops.shape()?;
    ops.unshare_from(out);
    let arrays = ops.arrays();
    let check = check_for(out);
    fill_one(py, &shape, out, &arrays.views(), |buf| {
        batch::greeks_into(&arrays, &shape, &[greek], &mut [buf], true, check)
    })
}

/// An implied vol from Python numbers (`price, s, k, r, q, t` and a plain kind), `None` when
/// an argument is anything else; domain errors as the array path raises them.
fn plain_implied_vol(
    py: Python<'_>,
    spot: &'static str,
    args: [&Bound<'_, PyAny>; 6],
    kind: Option<&Bound<'_, PyAny>>,
) -> Option<PyResult<Py<PyAny>>> {
    let [price, s, k, r, q, t] = args.map(plain_number);
    let (price, s, k, r, q, t, is_call) = (price?, s?, k?, r?, q?, t?, plain_kind(kind)?);
    Some(implied_of_numbers(
        py,
        spot,
        [price, s, k, r, q, t],
        is_call,
    ))
}

/// One implied vol of `price, s, k, r, q, t` with the array path's domain checks (`spot`
/// names `s` in them), as a float.
pub(crate) fn implied_of_numbers(
    py: Python<'_>,
    spot: &'static str,
    [price, s, k, r, q, t]: [f64; 6],
    is_call: bool,
) -> PyResult<Py<PyAny>> {
    batch::validate_implied(spot, s, k, r, q, t)?;
    let v = batch::implied_one(price, s, k, r, q, t, is_call);
    Ok(PyFloat::new(py, v).into_any().unbind())
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
    if shape.is_empty() {
        // every argument a scalar (numpy scalars, 0-d arrays): one contract, floats out
        arrays.validate()?;
        let one = |v: &ArrayViewD<'_, f64>| v.iter().next().copied().unwrap_or(f64::NAN);
        let call = one(&arrays.call);
        let c = Contract {
            // a masked kind (NaN) gives NaN greeks, as the array kernels give for its entries
            // (it was read as a put)
            s: if call.is_nan() {
                f64::NAN
            } else {
                one(&arrays.s)
            },
            k: one(&arrays.k),
            r: one(&arrays.r),
            q: one(&arrays.q),
            sigma: one(&arrays.sigma),
            t: one(&arrays.t),
            is_call: call > 0.0,
        };
        return greeks_of_contract(py, &c, which);
    }
    let values = fill_many(py, shape, which.len(), |bufs| {
        batch::greeks_into(arrays, shape, which, bufs, true, Check::InPass)
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
#[pyo3(signature = (s, k, r, sigma, t, *, q = Given::default(), kind = Given::default(), out = None, at_expiry = None), text_signature = "(s, k, r, sigma, t, *, q=0.0, kind='call', out=None, at_expiry='raise')")]
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
    at_expiry: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let keywords = [("q", q.get()), ("kind", kind.get()), ("out", out)];
    if let Some(limited) = expiry_call(py, "price", at_expiry, &[s, k, r, sigma, t], &keywords) {
        return limited;
    }
    if let Some(framed) = frames_call(py, "price", &[s, k, r, sigma, t], &keywords) {
        return framed;
    }
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
        #[pyo3(signature = (s, k, r, sigma, t, *, q = Given::default(), kind = Given::default(), out = None, at_expiry = None),
               text_signature = "(s, k, r, sigma, t, *, q=0.0, kind='call', out=None, at_expiry='raise')")]
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
            at_expiry: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Py<PyAny>> {
            let keywords = [("q", q.get()), ("kind", kind.get()), ("out", out)];
            if let Some(limited) = expiry_call(py, stringify!($name), at_expiry, &[s, k, r, sigma, t], &keywords) {
                return limited;
            }
            if let Some(framed) = frames_call(py, stringify!($name), &[s, k, r, sigma, t], &keywords) {
                return framed;
            }
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
single_greek!(
    epsilon,
    Greek::Epsilon,
    "Epsilon, dV/dq per 1.00 of dividend yield."
);
single_greek!(vanna, Greek::Vanna, "Vanna, d2V/(dS dsigma).");
single_greek!(volga, Greek::Volga, "Volga (vomma), d2V/dsigma2.");
single_greek!(
    charm,
    Greek::Charm,
    "Charm, -d2V/(dS dt): the change of delta per year as time passes."
);

/// Price and greeks of the Black-76 price of an option on a forward or futures price `f`,
/// discounted at `r`: delta = dV/df, gamma = d2V/df2, vega, theta = -dV/dt with f fixed,
/// rho = dV/dr with f fixed, vanna, volga, charm; epsilon is None (Black-76 has no dividend
/// yield). `which` as for `greeks`. Returns a `Greeks` (frames: as `greeks`).
#[pyfunction]
#[pyo3(signature = (f, k, r, sigma, t, *, kind = Given::default(), which = None, at_expiry = None),
       text_signature = "(f, k, r, sigma, t, *, kind='call', which=None, at_expiry='raise')")]
#[allow(clippy::too_many_arguments)]
fn black76_greeks<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    k: &Bound<'py, PyAny>,
    r: &Bound<'py, PyAny>,
    sigma: &Bound<'py, PyAny>,
    t: &Bound<'py, PyAny>,
    kind: Given<'py>,
    which: Option<&Bound<'py, PyAny>>,
    at_expiry: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    // the BSM greeks with spot f and q = r, r's two roles summed (pricer_rs._greeks)
    let kwargs = given_keywords(
        py,
        &[
            ("kind", kind.get()),
            ("which", which),
            ("at_expiry", at_expiry),
        ],
    )?;
    Ok(py
        .import("pricer_rs._greeks")?
        .getattr("black76_greeks")?
        .call((f, k, r, sigma, t), Some(&kwargs))?
        .unbind())
}

/// Price and greeks (delta, gamma, vega, theta, rho, epsilon, vanna, volga, charm), exact
/// partial derivatives per unit of each input; theta = -dV/dt per year. `which` names the
/// fields to compute (e.g. ("delta", "vega")); the others are None. Returns a `Greeks`.
#[pyfunction]
#[pyo3(signature = (s, k, r, sigma, t, *, q = Given::default(), kind = Given::default(), which = None, at_expiry = None), text_signature = "(s, k, r, sigma, t, *, q=0.0, kind='call', which=None, at_expiry='raise')")]
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
    at_expiry: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let keywords = [("q", q.get()), ("kind", kind.get()), ("which", which)];
    if let Some(limited) = expiry_call(py, "greeks", at_expiry, &[s, k, r, sigma, t], &keywords) {
        return limited;
    }
    if let Some(framed) = frames_call(py, "greeks", &[s, k, r, sigma, t], &keywords) {
        return framed;
    }
    let zero = PyFloat::new(py, 0.0).into_any();
    let which = which_greeks(which)?;
    let q = q.get().unwrap_or(&zero);
    let g = match plain_contract(s, k, r, sigma, t, q, kind.get()) {
        Some(c) => greeks_of_contract(py, &c, &which)?,
        None => greeks_of(
            py,
            &BsmOperands::new(s, k, r, sigma, t, q, kind.get())?,
            &which,
        )?,
    };
    Ok(Py::new(py, g)?.into_any())
}

/// Black-76 price of a European option on a forward or futures price f, discounted at r.
#[pyfunction]
#[pyo3(signature = (f, k, r, sigma, t, *, kind = Given::default(), out = None, at_expiry = None), text_signature = "(f, k, r, sigma, t, *, kind='call', out=None, at_expiry='raise')")]
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
    at_expiry: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let keywords = [("kind", kind.get()), ("out", out)];
    if let Some(limited) = expiry_call(
        py,
        "black76_price",
        at_expiry,
        &[f, k, r, sigma, t],
        &keywords,
    ) {
        return limited;
    }
    if let Some(framed) = frames_call(py, "black76_price", &[f, k, r, sigma, t], &keywords) {
        return framed;
    }
    // per-point: BSM with spot f and dividend yield r, as the array path
    if out.is_none_or(|o| o.is_none())
        && let (Some(fv), Some(kv), Some(rv), Some(sv), Some(tv), Some(is_call)) = (
            plain_number(f),
            plain_number(k),
            plain_number(r),
            plain_number(sigma),
            plain_number(t),
            plain_kind(kind.get()),
        )
    {
        batch::validate_black76(fv, kv, rv, sv, tv)?;
        let c = Contract {
            s: fv,
            k: kv,
            r: rv,
            q: rv,
            sigma: sv,
            t: tv,
            is_call,
        };
        return Ok(PyFloat::new(py, batch::price_one(&c)).into_any().unbind());
    }
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
        ops,
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
    // the argument's own name in an error (the engine would say `s`)
    batch::check_domain("s_array", &spots.view(), batch::Domain::Positive)?;
    let ops = BsmOperands {
        s: spots,
        k: operand(k, "k")?,
        r: operand(r, "r")?,
        q: Operand::scalar(0.0),
        sigma: operand(sigma, "sigma")?,
        t: operand(t, "t")?,
        kind: Operand::scalar(1.0),
    };
    // 1-D in, 1-D out: the other arguments broadcast to the spots' shape, never widen it
    // (a (2, 1) strike column gave a (2, n) grid, and errors named `q` and `kind`)
    let shape = broadcast_operands(
        &[&ops.s, &ops.k, &ops.r, &ops.sigma, &ops.t],
        &["s_array", "k", "r", "sigma", "t"],
    )?;
    if shape != ops.s.shape() {
        return Err(PyValueError::new_err(format!(
            "price_european_call_batch returns one price per spot: k, r, sigma and t must \
             broadcast to s_array's shape {}, not widen it to {}",
            format_shape(&ops.s.shape()),
            format_shape(&shape)
        )));
    }
    let arrays = ops.arrays();
    fill_one(py, &shape, None, &[], |buf| {
        batch::price_into(&arrays, &shape, buf, true, Check::InPass)
    })
}

/// Implied volatility of European option prices; NaN where no volatility reproduces the
/// price (below intrinsic value, at or above the upper bound, negative, zero). Arguments
/// broadcast like `price`; returns a float for scalar inputs, else an ndarray (or `out`).
#[pyfunction]
#[pyo3(signature = (price, s, k, r, t, *, q = Given::default(), kind = Given::default(), out = None),
       text_signature = "(price, s, k, r, t, *, q=0.0, kind='call', out=None)")]
#[allow(clippy::too_many_arguments)]
fn implied_vol<'py>(
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
    let keywords = [("q", q.get()), ("kind", kind.get()), ("out", out)];
    if let Some(framed) = frames_call(py, "implied_vol", &[price, s, k, r, t], &keywords) {
        return framed;
    }
    implied_vol_any(py, price, s, k, r, t, q, kind, out)
}

/// `implied_vol` without the hand-off to pandas/polars: also the pricer's method, whose
/// results are numpy's whatever it is given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn implied_vol_any<'py>(
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
    if out.is_none_or(|o| o.is_none())
        && let Some(answer) = plain_implied_vol(
            py,
            "s",
            [price, s, k, r, q.get().unwrap_or(&zero), t],
            kind.get(),
        )
    {
        return answer;
    }
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
        ops,
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

/// Black-76 implied volatility of prices of options on a forward or futures price f; NaN
/// where no volatility reproduces the price, as for `implied_vol`.
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
    let keywords = [("kind", kind.get()), ("out", out)];
    if let Some(framed) = frames_call(py, "black76_implied_vol", &[price, f, k, r, t], &keywords) {
        return framed;
    }
    // per-point: BSM with spot f and dividend yield r, as the array path
    if out.is_none_or(|o| o.is_none())
        && let Some(answer) = plain_implied_vol(py, "f", [price, f, k, r, r, t], kind.get())
    {
        return answer;
    }
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
        ops,
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

/// Use at most n threads for large array calls (1 <= n <= 1024; also settable with
/// PRICER_RS_NUM_THREADS).
#[pyfunction]
#[pyo3(text_signature = "(n)")]
fn set_num_threads(n: &Bound<'_, PyAny>) -> PyResult<()> {
    // any integer: one that overflows 64 bits is out of range like any other (2**63 raised
    // OverflowError where 10**9 raised ValueError)
    let count = match n.extract::<i64>() {
        Ok(v) => v,
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(n.py()) => {
            let bound = if n.gt(0)? {
                format!("at most {}", crate::parallel::MAX_THREADS)
            } else {
                ">= 1".to_string()
            };
            return Err(PyValueError::new_err(format!(
                "set_num_threads: n must be {bound}, got {n}"
            )));
        }
        Err(e) => return Err(e),
    };
    let count = usize::try_from(count)
        .map_err(|_| PyValueError::new_err(format!("set_num_threads: n must be >= 1, got {n}")))?;
    Ok(crate::parallel::set_num_threads(count)?)
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
    m.add_function(wrap_pyfunction!(epsilon, m)?)?;
    m.add_function(wrap_pyfunction!(vanna, m)?)?;
    m.add_function(wrap_pyfunction!(volga, m)?)?;
    m.add_function(wrap_pyfunction!(charm, m)?)?;
    m.add_function(wrap_pyfunction!(black76_greeks, m)?)?;
    m.add_function(wrap_pyfunction!(greeks, m)?)?;
    m.add_function(wrap_pyfunction!(black76_price, m)?)?;
    m.add_function(wrap_pyfunction!(price_european_call_batch, m)?)?;
    m.add_function(wrap_pyfunction!(implied_vol, m)?)?;
    m.add_function(wrap_pyfunction!(black76_implied_vol, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    Ok(())
}
