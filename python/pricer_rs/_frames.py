"""pandas and polars in, pandas and polars out, numpy at the core.

Every vectorised module function hands its call here (`framed`, from Rust, which checks
the arguments' types first, so calls without frames never enter Python): when any argument
is a pandas or polars Series
(a DataFrame column is one) or a pandas DataFrame, the arguments are handed to the Rust core
as numpy arrays (zero-copy where the data is contiguous float64 without nulls) and the
result comes back in the caller's type where it has the inputs' shape: a pandas Series (or
a DataFrame for greeks) with the inputs' index, a DataFrame with a DataFrame input's index
and columns, or a polars Series (or DataFrame; null where an input Series was null, where
the core saw NaN); any other shape (a Series broadcast against
a 2-D numpy array) as numpy's array. pandas inputs must carry the same labels: numpy
broadcasting pairs by position, so different indexes, different columns, or a Series mixed
with a DataFrame (numpy would pair the Series with the columns, not the index) are refused
rather than silently misaligned. Neither library is imported unless the caller passed one
of its objects: the check looks at the argument's type's module name only.

An xarray DataArray argument sends the call to `pricer_rs._xarray.apply` (broadcasting by
dimension name). A ValueError of the engine naming an element (`sigma[1234] = -0.2: ...`)
of a pandas argument is raised again with the row label, `sigma[1234] (row 'C4200') =
-0.2: ...` (a DataFrame: `(row 'C4200', column 'x')`), chained from the original; polars
has no labels, and its positions are what the engine names already.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

# types that are never frames: checked first
_PLAIN = frozenset({float, int, bool, str, np.ndarray, np.float64, list, tuple, type(None)})


def _flavour(value: object) -> str | None:
    # the rule of the native `is_frame` (src/python/api.rs), which hands calls here
    if type(value) in _PLAIN:
        return None
    root = type(value).__module__.partition(".")[0]
    if root == "pandas" and hasattr(value, "index") and hasattr(value, "to_numpy"):
        return "pandas"
    if root == "polars" and hasattr(value, "to_numpy"):
        return "polars"
    if root == "xarray" and hasattr(value, "dims") and hasattr(value, "variable"):
        return "xarray"  # a DataArray: lined up by dimension name (pricer_rs._xarray)
    return None


def _as_numpy(value: object) -> object:
    flavour = _flavour(value)
    if flavour is None:
        return value
    array = value.to_numpy()  # type: ignore[attr-defined]
    if array.dtype.kind in "iub" and flavour == "polars" and getattr(value, "null_count", lambda: 0)():
        array = value.cast(float).to_numpy()  # type: ignore[attr-defined]  # nulls -> NaN
    if array.dtype == object and flavour == "pandas" and not _is_series(value):
        # a DataFrame with nullable numeric columns (Float64, Int64 with pd.NA) comes out
        # as objects, where each Series alone gives floats: pd.NA -> NaN, as for a Series
        from pandas.api.types import is_bool_dtype, is_numeric_dtype  # type: ignore[import-untyped,unused-ignore]

        dtypes = list(value.dtypes)  # type: ignore[attr-defined]
        if dtypes and all(is_numeric_dtype(d) and not is_bool_dtype(d) for d in dtypes):
            array = value.to_numpy(dtype=np.float64, na_value=np.nan)  # type: ignore[attr-defined]
    return array


def _kind_as_numpy(value: Any) -> object:
    """`kind` as `_as_numpy` gives it, except a Series or DataFrame with missing entries
    (pandas NA, None or NaN in a string, boolean, categorical, object or nullable integer
    column; polars null): a numpy masked array of its values as objects, the missing ones
    masked, so their results are NaN (polars: null), as a masked numpy kind gives (they
    raised TypeError, and a nullable integer column read as floats was refused as a float
    kind). Anything else comes back as it is. Also what the native `kind` reader calls for
    the classes' methods, and `implied_vol_reason`."""
    flavour = _flavour(value)
    if flavour not in ("pandas", "polars"):
        return value
    series = _is_series(value)
    if flavour == "pandas":
        dtypes = [value.dtype] if series else list(value.dtypes)
        if all(getattr(d, "kind", "O") == "f" for d in dtypes):
            return _as_numpy(value)  # floats carry NaN (a float column of kinds is refused)
        missing = np.asarray(value.isna(), dtype=np.bool_)
        if not missing.any():
            return _as_numpy(value)
        # (a copy: pandas may hand out a read-only view)
        data: npt.NDArray[Any] = np.empty(missing.shape, dtype=object)
        data[...] = value.to_numpy(dtype=object)
    else:
        columns = [value] if series else list(value.get_columns())
        if not any(c.null_count() for c in columns):
            return _as_numpy(value)
        missing = np.column_stack([c.is_null().to_numpy() for c in columns]).astype(np.bool_)
        data = np.empty(missing.shape, dtype=object)
        for j, c in enumerate(columns):
            data[:, j] = c.to_list()  # Python str, bool and int, as given
        if series:
            missing, data = missing[:, 0], data[:, 0]
    data[missing] = "call"  # masked: any kind the engine reads
    return np.ma.array(data, mask=missing)


def _is_series(frame: Any) -> bool:
    # a pandas Series has ndim 1, a DataFrame 2; a polars DataFrame has a width, a polars
    # Series neither attribute. Asked of polars' classes, not instances: a missing attribute
    # on an instance goes through polars' __getattr__ (4 us each; a one-element call took
    # 68 us, most of it here)
    if type(frame).__module__.partition(".")[0] == "polars":
        return not hasattr(type(frame), "width")
    return getattr(frame, "ndim", 1) == 1


def _wrap_result(result: Any, flavour: str, frames: list[Any], name: str) -> Any:
    """The result in the inputs' library where its shape is theirs; numpy's otherwise.

    A 1-D result as long as the inputs becomes a Series (greeks: a DataFrame) on their index
    (polars: as long as the longest input Series, which broadcasting may have stretched from
    length 1); a pandas DataFrame input of the result's 2-D shape gives a DataFrame with its
    index and columns (greeks: a Greeks of such DataFrames). Any other shape (a frame
    broadcast against a 2-D numpy array, say) is numpy's result, as numpy broadcasting made it.
    """
    from ._native import Greeks

    if isinstance(result, Greeks):
        fields = {k: np.asarray(v) for k, v in result.to_dict().items()}
        shape = next(iter(fields.values())).shape if fields else ()
    else:
        array = np.asarray(result)
        shape = array.shape
    series_like = [f for f in frames if _is_series(f)]
    tables = [f for f in frames if not _is_series(f)]
    # copy=False: the arrays were made for this result (pandas 3 copies by default, which
    # doubled the peak memory of a call)
    if flavour == "pandas":
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        def table(values: Any) -> Any:
            return pd.DataFrame(values, index=tables[0].index, columns=tables[0].columns, copy=False)

        def series(values: Any) -> Any:
            return pd.Series(values, index=series_like[0].index, name=name, copy=False)

        def field_table(values: Any) -> Any:
            return pd.DataFrame(values, index=series_like[0].index, copy=False)
    else:
        import polars as pl  # type: ignore[import-not-found,unused-ignore]

        def table(values: Any) -> Any:
            return pl.DataFrame(values, schema=tables[0].columns, orient="row")

        def series(values: Any) -> Any:
            return pl.Series(name, values)

        def field_table(values: Any) -> Any:
            return pl.DataFrame(values)

    if tables and shape == tables[0].shape:
        if isinstance(result, Greeks):
            by_field: dict[str, Any] = {k: table(v) for k, v in fields.items()}
            return Greeks(**by_field)
        return table(array)
    if series_like and shape == (max(len(f) for f in series_like),):
        return field_table(fields) if isinstance(result, Greeks) else series(array)
    return result


def framed(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call the native `fn` (which saw a pandas or polars argument and handed the call here)
    on numpy arrays and give the result the inputs' type and labels (see the module)."""
    name = fn.__name__
    flavours = [f for f in map(_flavour, (*args, *kwargs.values())) if f is not None]
    if len(set(flavours)) > 1:
        raise TypeError(f"{name}: mix of {' and '.join(sorted(set(flavours)))} inputs; pass one kind of frame")
    flavour = flavours[0]
    if flavour == "xarray":
        from ._xarray import apply

        return apply(fn, args, kwargs)
    frames = [v for v in (*args, *kwargs.values()) if _flavour(v) is not None]
    tables = [f for f in frames if not _is_series(f)]
    if tables and len(tables) < len(frames):
        raise ValueError(
            f"{name}: a {flavour} Series mixed with a DataFrame (numpy broadcasting would pair "
            "the Series with the columns, not the rows); pass one kind, or numpy arrays"
        )
    if flavour == "pandas":
        index = frames[0].index
        for other in frames[1:]:
            if not index.equals(other.index):
                raise ValueError(f"{name}: pandas inputs have different indexes; align them first")
            if tables and not frames[0].columns.equals(other.columns):
                raise ValueError(f"{name}: DataFrames have different columns; align them first")
    elif any(list(t.columns) != list(tables[0].columns) for t in tables[1:]):
        raise ValueError(f"{name}: DataFrames have different columns; align them first")
    if kwargs.get("out") is not None:
        raise TypeError(f"{name}: out= is for numpy arrays, not with {flavour} inputs")
    try:
        result = fn(*map(_as_numpy, args),
                    **{k: _kind_as_numpy(v) if k == "kind" else _as_numpy(v) for k, v in kwargs.items()})
    except ValueError as exc:
        labelled = _with_row_label(exc, fn, args, kwargs)
        if labelled is None:
            raise
        raise labelled from exc
    wrapped = _wrap_result(result, flavour, frames, name)
    if flavour == "polars":
        wrapped = _nulls_back(wrapped, frames)
    return wrapped


# the engine's message for an element out of the domain: `sigma[1234] = -0.2: ...` or
# `sigma[3, 4] = ...`
_ELEMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\[(?P<index>\d+(?:, *\d+)*)\](?P<rest> = .*)$", re.S)


def _with_row_label(exc: ValueError, fn: Callable[..., Any], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> ValueError | None:
    """The engine's `name[i] = v: ...` with the frame's row label added, as
    `sigma[1234] (row 'C4200') = -0.2: sigma must be > 0` (pandas: the index label; a
    DataFrame: `[i, j] (row 'C4200', column 'x')`; polars: the row number, which is the
    position, so polars messages stay as they are). None when nothing can be added."""
    match = _ELEMENT.match(str(exc))
    if match is None:
        return None
    value = _argument(fn, args, kwargs, match.group("name"))
    if value is None or _flavour(value) != "pandas":
        return None
    index = tuple(int(i) for i in match.group("index").split(","))
    try:
        if _is_series(value) and len(index) == 1:
            where = f"row {_label(value.index[index[0]])}"
        elif not _is_series(value) and len(index) == 2:
            where = f"row {_label(value.index[index[0]])}, column {_label(value.columns[index[1]])}"
        else:
            return None
    except IndexError:
        return None
    name, at = match.group("name"), match.group("index")
    return ValueError(f"{name}[{at}] ({where}){match.group('rest')}")


def _label(label: Any) -> str:
    return repr(label.item() if isinstance(label, np.generic) else label)


_POSITIONAL = {
    "black76_price": ("f", "k", "r", "sigma", "t"),
    "black76_greeks": ("f", "k", "r", "sigma", "t"),
    "implied_vol": ("price", "s", "k", "r", "t"),
    "black76_implied_vol": ("price", "f", "k", "r", "t"),
}


def _argument(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> Any:
    if name in kwargs:
        return kwargs[name]
    names = _POSITIONAL.get(fn.__name__, ("s", "k", "r", "sigma", "t"))
    if name in names and names.index(name) < len(args):
        return args[names.index(name)]
    return None


def _nulls_back(result: Any, frames: list[Any]) -> Any:
    """A polars answer with null where an input Series was null, or (a DataFrame answer, or
    each DataFrame of a `Greeks`) where a DataFrame input of its shape has a null cell (the core saw NaN there and answered NaN;
    polars keeps the two apart, and drop_nulls or fill_null would miss NaN)."""
    import polars as pl  # type: ignore[import-not-found,unused-ignore]

    from ._native import Greeks

    if isinstance(result, Greeks):  # greeks of a DataFrame: a Greeks of DataFrames
        fields = result.to_dict()
        if fields and all(isinstance(v, pl.DataFrame) for v in fields.values()):
            return Greeks(**{k: _nulls_back(v, frames) for k, v in fields.items()})
        return result
    if not isinstance(result, (pl.Series, pl.DataFrame)):
        return result
    rows = len(result)
    missing = np.zeros(rows, dtype=bool)
    for frame in frames:
        if not _is_series(frame) or not frame.null_count():
            continue
        nulls = frame.is_null().to_numpy()
        if len(nulls) == rows:
            missing |= nulls
        elif len(nulls) == 1 and nulls[0]:  # a length-1 Series broadcast
            missing[:] = True
    # a DataFrame input of the result's shape (a table in, a table out): its null cells
    cells = [np.zeros(rows, dtype=bool) for _ in range(result.width)] if isinstance(result, pl.DataFrame) else []
    for frame in frames:
        if _is_series(frame) or not cells or frame.shape != result.shape:
            continue
        for j, column in enumerate(frame.get_columns()):
            if column.null_count():
                cells[j] |= column.is_null().to_numpy()
    if not missing.any() and not any(c.any() for c in cells):
        return result
    if isinstance(result, pl.Series):
        return result.scatter(np.flatnonzero(missing), None)
    return result.with_columns([result[c].scatter(np.flatnonzero(missing | cells[j]), None)
                                for j, c in enumerate(result.columns)])
