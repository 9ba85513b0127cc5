"""xarray in, xarray out: DataArray arguments broadcast by dimension name.

When any argument of a vectorised function is an `xarray.DataArray`, the call comes here
(`pricer_rs._frames.framed` dispatches it): the arguments are lined up by dimension name
with `xr.apply_ufunc` (as numpy would line up axes by position), their coordinates must
agree exactly where dimensions are shared (`join="exact"`: a misaligned pair raises
instead of being silently intersected), and the Rust function runs once on the numpy
data. The result is a DataArray named after the function with the inputs' dimensions (in
the order they first appear among the arguments) and coordinates; `greeks` gives an
`xr.Dataset` with one variable per computed field (price, delta, ...). `kind` may be a
DataArray too (of strings or booleans). Other arguments (numbers, numpy arrays) broadcast
against the DataArrays' data as numpy would, so give numpy arrays no more dimensions than
are meant to broadcast (prefer DataArrays throughout). `out=` is for numpy arrays.

xarray is imported only when a DataArray was passed (or a surface converted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["apply", "surface_to_xarray"]

GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")


def _is_dataarray(value: object) -> bool:
    return type(value).__module__.partition(".")[0] == "xarray" and hasattr(value, "dims") and hasattr(value, "variable")


def apply(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call the native `func` with DataArray arguments lined up by dimension name (see the
    module). The result: a DataArray (greeks: a Dataset of the computed fields)."""
    import xarray as xr

    name = getattr(func, "__name__", "result")
    if kwargs.get("out") is not None:
        raise TypeError(f"{name}: out= is for numpy arrays, not with xarray inputs")
    slots: list[tuple[str, Any]] = []  # ("arg", i) or ("kw", key)
    inputs: list[Any] = []
    for i, value in enumerate(args):
        if _is_dataarray(value):
            slots.append(("arg", i))
            inputs.append(value)
        elif isinstance(value, xr.Dataset):
            raise TypeError(f"{name}: pass DataArrays, not a Dataset (select a variable)")
    for key, value in kwargs.items():
        if _is_dataarray(value):
            slots.append(("kw", key))
            inputs.append(value)
    greeks = name in ("greeks", "black76_greeks")
    fields: tuple[str, ...] = ()
    if greeks:
        which = kwargs.get("which")
        chosen = GREEKS if which is None else ((which,) if isinstance(which, str) else tuple(which))
        fields = tuple(f for f in GREEKS if f in chosen)

    def kernel(*arrays: Any) -> Any:
        a = list(args)
        kw = dict(kwargs)
        for (where, key), array in zip(slots, arrays):
            if where == "arg":
                a[key] = array
            else:
                kw[key] = array
        result = func(*a, **kw)
        if greeks:
            values = tuple(np.asarray(getattr(result, f), dtype=np.float64) for f in fields)
            return values if len(values) > 1 else values[0]
        return np.asarray(result, dtype=np.float64)

    if greeks:
        outputs = xr.apply_ufunc(kernel, *inputs, join="exact", output_core_dims=[[] for _ in fields],
                                 keep_attrs="drop")
        if len(fields) == 1:
            outputs = (outputs,)
        return xr.Dataset({f: out for f, out in zip(fields, outputs)})
    out = xr.apply_ufunc(kernel, *inputs, join="exact", keep_attrs="drop")
    return out.rename(name)


def surface_to_xarray(surface: Any) -> Any:
    """The surface's vols as a DataArray named "vol" with dims ("tenor", "strike"), their
    coordinates, a "forward" coordinate along tenor, and attrs spot, r and q (q a float, or
    an array with one value per tenor)."""
    import xarray as xr

    tenors = np.asarray(surface.tenors, dtype=np.float64)
    strikes = np.asarray(surface.strikes, dtype=np.float64)
    q = surface.q
    forward = surface.forwards
    attrs: dict[str, Any] = {"spot": float(surface.spot), "r": float(surface.r),
                             "q": float(q) if np.ndim(q) == 0 else np.asarray(q, dtype=np.float64)}
    coords: dict[str, Any] = {"tenor": tenors, "strike": strikes, "forward": ("tenor", np.asarray(forward, dtype=np.float64))}
    return xr.DataArray(np.asarray(surface.vols, dtype=np.float64), dims=("tenor", "strike"), coords=coords,
                        name="vol", attrs=attrs)
