//! Argument conversion: anything `numpy.asarray` accepts becomes a float64 view read in
//! place where possible; wrong types become `TypeError`s naming the argument.

use ndarray::{ArrayD, ArrayViewD, IxDyn};
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PySlice, PyString, PyTuple};

static NUMPY: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

pub fn numpy_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    Ok(NUMPY
        .get_or_try_init(py, || py.import("numpy").map(Bound::unbind))?
        .bind(py))
}

/// A float64 operand, held for the duration of one call.
pub enum Operand<'py> {
    /// A Python number (or numpy scalar), or a value the binding made.
    Owned(ArrayD<f64>),
    /// A numpy float64 array, borrowed read-only and read in place.
    Numpy(PyReadonlyArrayDyn<'py, f64>),
}

impl<'py> Operand<'py> {
    pub fn scalar(v: f64) -> Self {
        Operand::Owned(ndarray::arr0(v).into_dyn())
    }

    pub fn view(&self) -> ArrayViewD<'_, f64> {
        match self {
            Operand::Owned(a) => a.view(),
            Operand::Numpy(a) => a.as_array(),
        }
    }

    pub fn shape(&self) -> Vec<usize> {
        self.view().shape().to_vec()
    }
}

pub fn describe_type(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_string())
}

/// An optional argument as passed: `Given(None)` when it was left out (its documented
/// default applies), `Given(Some(obj))` otherwise. An explicit `None` is therefore a value
/// like any other, and the conversion rejects it, instead of silently meaning the default.
#[derive(Default)]
pub struct Given<'py>(pub Option<Bound<'py, PyAny>>);

impl<'a, 'py> FromPyObject<'a, 'py> for Given<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Given(Some(obj.to_owned())))
    }
}

impl<'py> Given<'py> {
    pub fn get(&self) -> Option<&Bound<'py, PyAny>> {
        self.0.as_ref()
    }
}

/// A Python float, int or bool, without going through numpy.
pub fn plain_number(obj: &Bound<'_, PyAny>) -> Option<f64> {
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Some(f.value());
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<f64>().ok();
    }
    None
}

/// True for a `numpy.ma.MaskedArray` (an ndarray subclass whose mask a plain read ignores).
fn is_masked(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if obj.cast::<numpy::PyUntypedArray>().is_err() {
        return Ok(false);
    }
    // a plain ndarray (the usual argument) is not one: no attribute lookups for it (they
    // were a tenth of a ten-element call)
    // SAFETY: numpy's C API is loaded (the cast above used it); the type object is static
    let ndarray =
        unsafe { numpy::npyffi::get_type_object(obj.py(), numpy::npyffi::NpyTypes::PyArray_Type) };
    if std::ptr::eq(obj.get_type().as_type_ptr(), ndarray) {
        return Ok(false);
    }
    let masked = numpy_module(obj.py())?
        .getattr("ma")?
        .getattr("MaskedArray")?;
    obj.is_instance(&masked)
}

/// Convert one numeric argument.
pub fn operand<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Operand<'py>> {
    if let Some(v) = plain_number(obj) {
        return Ok(Operand::scalar(v));
    }
    if is_masked(obj)? {
        // the data's dtype by the same rules as any array (complex, strings, objects,
        // datetimes are refused), then the hidden entries are missing values: NaN, which
        // propagates
        as_real_array(&obj.getattr("data")?, name)?;
        let filled = numpy_module(obj.py())?.getattr("ma")?.call_method1(
            "filled",
            (obj.call_method1("astype", ("float64",))?, f64::NAN),
        )?;
        return operand(&filled, name);
    }
    if let Ok(a) = obj.cast::<PyArrayDyn<f64>>()
        && a.is_aligned()
        && let Ok(ro) = a.try_readonly()
    {
        check_ndim(a.ndim(), name)?;
        return Ok(Operand::Numpy(ro));
    }
    let arr = as_real_array(obj, name)?;
    check_ndim(arr.cast::<numpy::PyUntypedArray>()?.ndim(), name)?;
    let converted = arr.call_method1("astype", ("float64",))?;
    let a = converted.cast_into::<PyArrayDyn<f64>>().map_err(|_| {
        PyTypeError::new_err(format!("{name}: could not convert to a float64 array"))
    })?;
    Ok(Operand::Numpy(a.readonly()))
}

/// `wrap(e)` for an ordinary exception; a BaseException that is not an Exception
/// (KeyboardInterrupt, SystemExit) passes through untouched, as Python's own conversions let
/// it (a Ctrl-C inside an argument's `__array__` came out as a TypeError).
pub fn unless_interrupt(e: PyErr, wrap: impl FnOnce(PyErr) -> PyErr) -> PyErr {
    let ordinary = Python::attach(|py| e.is_instance_of::<pyo3::exceptions::PyException>(py));
    if ordinary { wrap(e) } else { e }
}

/// The most dimensions an array argument may have: rust-numpy's views stop at 32 (numpy 2
/// allows 64), and a deeper array panicked inside the conversion.
pub const MAX_NDIM: usize = 32;

pub fn check_ndim(ndim: usize, name: &str) -> PyResult<()> {
    if ndim > MAX_NDIM {
        return Err(PyValueError::new_err(format!(
            "{name} has {ndim} dimensions: at most {MAX_NDIM} are supported"
        )));
    }
    Ok(())
}

/// `numpy.asarray(obj)`, refusing complex, string, object and other non-real data.
fn as_real_array<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let arr = numpy_module(py)?.call_method1("asarray", (obj,)).map_err(|e| {
        unless_interrupt(e, |e| {
            PyTypeError::new_err(format!(
                "{name} must be a real number or an array of real numbers; {} could not be read as an array: {e}",
                describe_type(obj)
            ))
        })
    })?;
    let untyped = arr.cast::<numpy::PyUntypedArray>()?;
    let dtype = untyped.dtype();
    match dtype.kind() {
        b'f' | b'i' | b'u' | b'b' => Ok(arr),
        b'c' => Err(PyTypeError::new_err(format!(
            "{name} must be real, got complex data (dtype {})",
            dtype.str()?
        ))),
        _ => Err(PyTypeError::new_err(format!(
            "{name} must be a real number or an array of real numbers, got {} (dtype {})",
            describe_type(obj),
            dtype.str()?
        ))),
    }
}

/// The payoff: 1.0 for a call, -1.0 for a put.
pub fn parse_kind_str(s: &str) -> Option<f64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "call" | "c" => Some(1.0),
        "put" | "p" => Some(-1.0),
        _ => None,
    }
}

const KIND_RULE: &str = "kind must be 'call', 'put', 'c' or 'p', booleans (True = call) or +1/-1 (QuantLib's Option.Call/Put)";

/// `kind`: a string, a bool, or an array of either. Missing means call.
pub fn kind_operand<'py>(obj: Option<&Bound<'py, PyAny>>) -> PyResult<Operand<'py>> {
    let Some(obj) = obj else {
        return Ok(Operand::scalar(1.0));
    };
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return parse_kind_str(&text).map(Operand::scalar).ok_or_else(|| {
            PyValueError::new_err(format!(
                "kind = {}: {KIND_RULE}",
                s.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        });
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Operand::scalar(if b.is_true() { 1.0 } else { -1.0 }));
    }
    let py = obj.py();
    if from_frame_library(obj) {
        // a pandas or polars Series or DataFrame (the classes' methods take them directly):
        // missing kinds masked, as the module functions read them (`_frames._kind_as_numpy`)
        let array = py
            .import("pricer_rs._frames")?
            .call_method1("_kind_as_numpy", (obj,))?;
        if !array.is(obj) && !from_frame_library(&array) {
            return kind_operand(Some(&array));
        }
    }
    let scalar_like = obj.is_instance_of::<PyInt>()
        || obj.is_instance_of::<PyFloat>()
        || obj.is_none()
        || (obj.cast::<numpy::PyUntypedArray>().is_err()
            && obj.hasattr("__index__").unwrap_or(false));
    if scalar_like || obj.is_instance(&numpy_module(py)?.getattr("generic")?)? {
        // a single value: +1 / -1 (an int, QuantLib's Option.Call = 1, Option.Put = -1) or
        // numpy's bool and str scalars; anything else is described as the scalar it is
        let np_bool = numpy_module(py)?.getattr("bool_")?;
        if obj.is_instance(&np_bool)? {
            return Ok(Operand::scalar(if obj.is_truthy()? { 1.0 } else { -1.0 }));
        }
        if let Some(parsed) = kind_text(obj) {
            return parsed.map(Operand::scalar).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "kind = {}: {KIND_RULE}",
                    obj.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            });
        }
        let shown = obj.repr().map(|r| r.to_string()).unwrap_or_default();
        return match obj.extract::<i64>() {
            Ok(1) => Ok(Operand::scalar(1.0)),
            Ok(-1) => Ok(Operand::scalar(-1.0)),
            Ok(_) => Err(PyValueError::new_err(format!(
                "kind = {shown}: {KIND_RULE}"
            ))),
            Err(_) => Err(PyTypeError::new_err(format!("kind = {shown}: {KIND_RULE}"))),
        };
    }
    if is_masked(obj)? {
        // the data read by the rules below, then a hidden entry is NaN, which the kernels
        // answer with NaN (never a price of the payoff the hidden value names)
        let np = numpy_module(py)?;
        let values = kind_operand(Some(&obj.getattr("data")?))?;
        let values = numpy::PyArray::from_owned_array(py, values.view().to_owned());
        let mask = np.getattr("ma")?.call_method1("getmaskarray", (obj,))?;
        let masked = np.call_method1("where", (mask, f64::NAN, values))?;
        return operand(&masked, "kind");
    }
    let arr = numpy_module(py)?
        .call_method1("asarray", (obj,))
        .map_err(|e| {
            unless_interrupt(e, |e| {
                PyTypeError::new_err(format!(
                    "{KIND_RULE}; could not read {}: {e}",
                    describe_type(obj)
                ))
            })
        })?;
    let untyped = arr.cast::<numpy::PyUntypedArray>()?;
    check_ndim(untyped.ndim(), "kind")?;
    let shape = untyped.shape().to_vec();
    let kind = untyped.dtype().kind();
    // (b'T': numpy 2's variable-width StringDType)
    if matches!(kind, b'i' | b'u') {
        // +1 / -1 per element (QuantLib's Option.Call / Option.Put)
        let np = numpy_module(py)?;
        let good = np.call_method1("isin", (&arr, (1, -1)))?;
        if !good.call_method0("all")?.is_truthy()? {
            let first: usize = np
                .call_method1("argmin", (good.call_method0("ravel")?,))?
                .extract()?;
            // as a Python number (`3`, not numpy's `np.int64(3)`)
            let item = arr
                .call_method0("ravel")?
                .get_item(first)?
                .call_method0("item")?;
            let index = crate::error::format_index(&shape, first);
            return Err(PyValueError::new_err(format!(
                "kind{index} = {}: {KIND_RULE}",
                item.repr().map(|r| r.to_string()).unwrap_or_default()
            )));
        }
        let values = arr.call_method1("astype", ("float64",))?;
        return operand(&values, "kind");
    }
    if !matches!(kind, b'b' | b'U' | b'S' | b'O' | b'T') {
        return Err(PyTypeError::new_err(format!(
            "{KIND_RULE}; got an array of dtype {}",
            untyped.dtype().str()?
        )));
    }
    // a broadcast view (stride 0 along an axis) is read once along that axis and its values
    // broadcast back as a view: broadcast inputs are never materialised, kind included
    let strides = untyped.strides().to_vec();
    let repeated = |axis: usize| strides[axis] == 0 && shape[axis] > 1;
    let compact = if (0..shape.len()).any(repeated) {
        let index: Vec<Bound<'py, PySlice>> = (0..shape.len())
            .map(|axis| {
                if repeated(axis) {
                    PySlice::new(py, 0, 1, 1)
                } else {
                    PySlice::full(py)
                }
            })
            .collect();
        arr.get_item(PyTuple::new(py, index)?)?
    } else {
        arr.clone()
    };
    if let Some(values) = kind_values_vectorised(&compact, kind)? {
        let full = numpy_module(py)?.call_method1("broadcast_to", (values, shape.clone()))?;
        return operand(&full, "kind");
    }
    let flat = arr.call_method0("ravel")?.call_method0("tolist")?;
    // an object array's tolist() keeps numpy's own booleans (a pandas object column of
    // np.True_ was refused while a scalar np.True_ was taken)
    let numpy_bool = numpy_module(py)?.getattr("bool_")?;
    let numpy_integer = numpy_module(py)?.getattr("integer")?;
    let mut values = Vec::with_capacity(shape.iter().product());
    // an object column of "call" and "put" (pandas' strings): each distinct text parsed
    // once, the rest matched by their UTF-8 (borrowed from the str, not copied): a 2 M-element
    // price call 88 -> 47 ns per element on this Xeon
    let mut seen = Spellings::default();
    for (i, item) in flat.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(text) = item.cast::<PyString>()
            && let Ok(text) = text.to_str()
            && let Some(v) = seen.payoff(text, parse_kind_str)
        {
            values.push(v);
            continue;
        }
        // Err(is text): a string that names no payoff is a ValueError, anything else (None,
        // a number in an object array) a TypeError, as for the numeric arguments
        let v = if let Ok(b) = item.cast::<PyBool>() {
            Ok(if b.is_true() { 1.0 } else { -1.0 })
        } else if item.is_instance(&numpy_bool)? {
            Ok(if item.is_truthy()? { 1.0 } else { -1.0 })
        } else if item.is_instance_of::<PyInt>() || item.is_instance(&numpy_integer)? {
            // (numpy's integers too, as a scalar kind takes them: a pandas Int64 column
            // with NA comes as objects holding np.int64)
            match item.extract::<i64>() {
                Ok(1) => Ok(1.0),
                Ok(-1) => Ok(-1.0),
                _ => Err(true),
            }
        } else {
            match kind_text(&item) {
                Some(parsed) => parsed.ok_or(true),
                None => Err(false),
            }
        };
        match v {
            Ok(v) => values.push(v),
            Err(is_text) => {
                let index = crate::error::format_index(&shape, i);
                let shown = item.repr().map(|r| r.to_string()).unwrap_or_default();
                let message = format!("kind{index} = {shown}: {KIND_RULE}");
                return Err(if is_text {
                    PyValueError::new_err(message)
                } else {
                    PyTypeError::new_err(message)
                });
            }
        }
    }
    let a = ArrayD::from_shape_vec(IxDyn(&shape), values)
        .map_err(|e| PyValueError::new_err(format!("kind: {e}")))?;
    Ok(Operand::Owned(a))
}

/// Whether `obj`'s type comes from pandas or polars (checked by its module's name: neither
/// library is imported for it).
fn from_frame_library(obj: &Bound<'_, PyAny>) -> bool {
    let Ok(module) = obj.get_type().module() else {
        return false;
    };
    module
        .to_cow()
        .is_ok_and(|m| matches!(m.split('.').next(), Some("pandas" | "polars")))
}

/// A kind element read as text (str or bytes): Some(its payoff, None for no payoff's name),
/// or None when it is not text.
fn kind_text(item: &Bound<'_, PyAny>) -> Option<Option<f64>> {
    if let Ok(text) = item.extract::<String>() {
        Some(parse_kind_str(&text))
    } else if let Ok(bytes) = item.extract::<Vec<u8>>() {
        Some(std::str::from_utf8(&bytes).ok().and_then(parse_kind_str))
    } else {
        None
    }
}

/// Kind arrays of booleans, or of at most `MAX_DISTINCT` distinct strings (a column of
/// "call" and "put"), as +-1 by numpy's vectorised operations: one comparison pass per
/// distinct string, each string parsed once. None leaves the array to the element-by-element
/// reading (more spellings, object arrays, errors to report). Read element by element
/// through `tolist`, a string array cost ~110 ns and ten times the output in memory per
/// element, a boolean one ~14 ns and twice the output (a price costs ~20 ns).
fn kind_values_vectorised<'py>(
    arr: &Bound<'py, PyAny>,
    dtype_kind: u8,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    const MAX_DISTINCT: usize = 4;
    let np = numpy_module(arr.py())?;
    match dtype_kind {
        b'b' => return Ok(Some(np.call_method1("where", (arr, 1.0, -1.0))?)),
        b'U' | b'S' => {
            if let Some(values) = kind_values_in_place(arr, dtype_kind)? {
                return Ok(Some(values));
            }
        }
        b'T' => {}
        _ => return Ok(None),
    }
    let flat = arr.call_method0("ravel")?;
    if flat.len()? == 0 {
        return Ok(None);
    }
    let values = np.call_method1("zeros", (arr.getattr("shape")?,))?;
    let covered = np.call_method1("zeros", (arr.getattr("shape")?, "bool"))?;
    for _ in 0..MAX_DISTINCT {
        // the first element not seen yet
        let first = np.call_method1("argmin", (covered.call_method0("ravel")?,))?;
        let item = flat.get_item(first)?;
        let Some(Some(v)) = kind_text(&item) else {
            return Ok(None); // an error: reported with its index by the caller's reading
        };
        let same = arr.rich_compare(item, pyo3::basic::CompareOp::Eq)?;
        np.call_method1("putmask", (&values, &same, v))?;
        np.call_method1("logical_or", (&covered, &same, &covered))?;
        if covered.call_method0("all")?.is_truthy()? {
            return Ok(Some(values));
        }
    }
    Ok(None)
}

/// The payoffs of the spellings a kind column has shown so far (`KNOWN_SPELLINGS` of them
/// at most; a column with more parses the rest each time), keyed by text (`String`) or by
/// code units (`Vec<u32>`).
struct Spellings<K>(Vec<(K, f64)>);

impl<K> Default for Spellings<K> {
    fn default() -> Self {
        Spellings(Vec::new())
    }
}

impl<K> Spellings<K> {
    /// The payoff of `key`: remembered, or `parse`d (None when it names none).
    fn payoff<Q>(&mut self, key: &Q, parse: impl FnOnce(&Q) -> Option<f64>) -> Option<f64>
    where
        Q: PartialEq + ToOwned<Owned = K> + ?Sized,
        K: std::borrow::Borrow<Q>,
    {
        /// A column of "call" and "put" in a few spellings is the case this serves.
        const KNOWN_SPELLINGS: usize = 8;
        if let Some((_, v)) = self.0.iter().find(|(known, _)| known.borrow() == key) {
            return Some(*v);
        }
        let v = parse(key)?;
        if self.0.len() < KNOWN_SPELLINGS {
            self.0.push((key.to_owned(), v));
        }
        Some(v)
    }
}

/// Fixed-width string arrays ('U' in native byte order, 'S') read from their buffer, each
/// distinct value parsed once (`parse_kind_str`) and the rest matched by their code units.
/// None when a value names no payoff (the caller's reading reports it with its index), an
/// 'S' value has a byte above ASCII, the array is not in native byte order or its buffer is
/// held mutably elsewhere: the element-by-element reading takes those. A 2 M-element price
/// call with a column of "call" and "put" took 33 ns per element by numpy's comparisons, 21
/// this way (this Xeon; 11 with `kind="call"`).
fn kind_values_in_place<'py>(
    arr: &Bound<'py, PyAny>,
    dtype_kind: u8,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = arr.py();
    let untyped = arr.cast::<numpy::PyUntypedArray>()?;
    let dtype = untyped.dtype();
    let native = match dtype.byteorder() {
        b'=' | b'|' => true,
        b'<' => cfg!(target_endian = "little"),
        b'>' => cfg!(target_endian = "big"),
        _ => false,
    };
    let shape = untyped.shape().to_vec();
    let count: usize = shape.iter().product();
    let unit = if dtype_kind == b'U' { 4 } else { 1 };
    let width = dtype.itemsize() / unit;
    if !native || count == 0 || width == 0 {
        return Ok(None);
    }
    // one row of `width` code units per element (a copy only if `arr` is not contiguous)
    let np = numpy_module(py)?;
    let flat = np
        .call_method1("ascontiguousarray", (arr,))?
        .call_method1("reshape", (-1,))?;
    let parse_row = |row: &[u32]| -> Option<f64> {
        let end = row.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
        let text: Option<String> = row[..end].iter().map(|&c| char::from_u32(c)).collect();
        text.as_deref().and_then(parse_kind_str)
    };
    let mut values = Vec::with_capacity(count);
    let mut seen = Spellings::default();
    let mut read = |row: &[u32]| seen.payoff(row, parse_row);
    if dtype_kind == b'U' {
        let units = flat.call_method1("view", ("u4",))?;
        // (a buffer another call holds mutably, e.g. an `out=` it writes: the old path)
        let Ok(units) = units.cast::<PyArrayDyn<u32>>()?.try_readonly() else {
            return Ok(None);
        };
        let Ok(units) = units.as_slice() else {
            return Ok(None);
        };
        for row in units.chunks_exact(width) {
            let Some(v) = read(row) else { return Ok(None) };
            values.push(v);
        }
    } else {
        let bytes = flat.call_method1("view", ("u1",))?;
        let Ok(bytes) = bytes.cast::<PyArrayDyn<u8>>()?.try_readonly() else {
            return Ok(None);
        };
        let Ok(bytes) = bytes.as_slice() else {
            return Ok(None);
        };
        // a row with a byte above ASCII is left to the element-by-element reading (which
        // reads bytes as UTF-8, `kind_text`): its code units are made invalid (above
        // 0x10FFFF, refused by `char::from_u32`), so the row parses to nothing here
        let mut row = vec![0u32; width];
        for chunk in bytes.chunks_exact(width) {
            let ascii = chunk.is_ascii();
            for (unit, &b) in row.iter_mut().zip(chunk) {
                *unit = if ascii { u32::from(b) } else { u32::MAX };
            }
            let Some(v) = read(&row) else { return Ok(None) };
            values.push(v);
        }
    }
    let values = numpy::PyArray1::from_vec(py, values).reshape(shape)?;
    Ok(Some(values.into_any()))
}

/// `which=`: None for every field, else a sequence of greek names (or one name).
pub fn which_greeks(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<crate::batch::Greek>> {
    use crate::batch::Greek;
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Greek::ALL.to_vec());
    };
    let names: Vec<String> = if let Ok(s) = obj.cast::<PyString>() {
        vec![s.to_cow()?.into_owned()]
    } else {
        obj.try_iter()
            .and_then(|it| it.map(|x| x.and_then(|x| x.extract::<String>())).collect())
            .map_err(|e| {
                unless_interrupt(e, |_| {
                    PyTypeError::new_err(
                        "which must be None, a greek name or a sequence of greek names",
                    )
                })
            })?
    };
    let mut out: Vec<Greek> = Vec::new();
    for n in names {
        let g = Greek::from_name(&n)?;
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.is_empty() {
        return Err(PyValueError::new_err("which names no greek"));
    }
    Ok(out)
}

/// A real scalar argument (a Python or numpy number): `TypeError` naming `name` and the type
/// it got otherwise (PyO3's own message names neither in a constructor).
pub fn real_scalar(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    obj.extract::<f64>().map_err(|e| {
        unless_interrupt(e, |_| {
            PyTypeError::new_err(format!(
                "{name} must be a real number, got {}",
                describe_type(obj)
            ))
        })
    })
}

/// `real_scalar` of an optional argument, `default` when it was left out (an explicit None
/// is refused, as `Given` has it).
pub fn real_scalar_or(given: &Given<'_>, name: &str, default: f64) -> PyResult<f64> {
    given.get().map_or(Ok(default), |v| real_scalar(v, name))
}
