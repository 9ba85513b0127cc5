"""Greeks as users read them: pandas, polars, a Jupyter table, market units.

The Rust `Greeks` methods `to_pandas`, `to_polars`, `_repr_html_` and `in_units` call
these functions. Only the fields that were computed (not None) appear.

Layouts:
  to_pandas  scalar fields -> a Series indexed by field name (name "greeks");
             1-D fields    -> a DataFrame, one column per field, a RangeIndex;
             n-D fields    -> a DataFrame, one column per field, one row per element in C
                              order, indexed by a MultiIndex of the element's position
                              (levels "i0", "i1", ...; for a surface's greeks i0 is the
                              tenor index and i1 the strike index)
  to_polars  a DataFrame, one column per field; scalars give one row; n-D fields are
             flattened in C order (for a surface: tenor-major), with no index columns
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

__all__ = ["UNIT_NAMES", "in_units", "repr_html", "to_pandas", "to_polars"]

FIELDS = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")

#: in_units' accepted values
UNIT_NAMES = {
    "theta": ("year", "calendar_day", "trading_day"),
    "vega": ("unit", "percent"),
    "rho": ("unit", "percent"),
}


def _fields(g: Any) -> dict[str, Any]:
    return {name: value for name, value in g.to_dict().items() if value is not None}


def to_pandas(g: Any) -> Any:
    """See the module: a Series (scalars), or a DataFrame (arrays)."""
    import pandas as pd

    fields = _fields(g)
    arrays = {k: np.asarray(v) for k, v in fields.items()}
    ndim = max((a.ndim for a in arrays.values()), default=0)
    if ndim == 0:
        return pd.Series({k: float(a) for k, a in arrays.items()}, name="greeks", dtype=np.float64)
    if ndim == 1:
        return pd.DataFrame(arrays)
    shape = next(iter(arrays.values())).shape
    index = pd.MultiIndex.from_product([range(n) for n in shape], names=[f"i{d}" for d in range(len(shape))])
    return pd.DataFrame({k: a.ravel() for k, a in arrays.items()}, index=index)


def to_polars(g: Any) -> Any:
    """See the module: one column per field, n-D fields flattened in C order."""
    import polars as pl

    return pl.DataFrame({k: np.asarray(v, dtype=np.float64).ravel() for k, v in _fields(g).items()})


MAX_ROWS = 10


def repr_html(g: Any) -> str:
    """A small table: one column per computed field; scalars in one row, arrays by element
    (flattened, the middle elided beyond MAX_ROWS rows)."""
    fields = {k: np.asarray(v, dtype=np.float64) for k, v in _fields(g).items()}
    if not fields:
        return "<div><code>Greeks()</code></div>"
    shape = next(iter(fields.values())).shape
    flat = {k: v.ravel() for k, v in fields.items()}
    n = len(next(iter(flat.values())))
    rows: list[int | None]
    if n <= MAX_ROWS:
        rows = list(range(n))
    else:
        half = MAX_ROWS // 2
        rows = [*range(half), None, *range(n - half, n)]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in flat)
    label = "" if shape == () else "<th></th>"
    body = []
    for i in rows:
        if i is None:
            body.append(("<tr><th>&hellip;</th>" if label else "<tr>") + "<td>&hellip;</td>" * len(flat) + "</tr>")
            continue
        index = "" if shape == () else f"<th>{tuple(int(x) for x in np.unravel_index(i, shape)) if len(shape) > 1 else i}</th>"
        cells = "".join(f"<td>{v[i]:.6g}</td>" for v in flat.values())
        body.append(f"<tr>{index}{cells}</tr>")
    what = "scalar" if shape == () else "shape " + "&times;".join(str(d) for d in shape)
    return (
        f"<div><p><code>Greeks</code> ({what}; per unit of each input: theta per year, "
        f"vega per 1.00 of vol)</p><table><thead><tr>{label}{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def in_units(g: Any, *, theta: str = "year", vega: str = "unit", rho: str = "unit",
             trading_days: float = 252) -> Any:
    """A new Greeks in market units (the default keeps every field as it is):

      theta="calendar_day"  theta and charm per calendar day (/ 365)
      theta="trading_day"   theta and charm per trading day (/ trading_days, 252 by default)
      vega="percent"        vega and vanna per 1 % of vol (/ 100), volga per (1 %)^2 (/ 1e4)
      rho="percent"         rho and epsilon per 1 % of rate or yield (/ 100)

    price, delta and gamma are unchanged.
    """
    from ._native import Greeks

    for name, value in (("theta", theta), ("vega", vega), ("rho", rho)):
        if value not in UNIT_NAMES[name]:
            raise ValueError(f"in_units: {name} must be one of {UNIT_NAMES[name]}, got {value!r}")
    if not trading_days > 0:
        raise ValueError(f"in_units: trading_days must be > 0, got {trading_days!r}")
    scale = dict.fromkeys(FIELDS, 1.0)
    per_time = {"year": 1.0, "calendar_day": 365.0, "trading_day": float(trading_days)}[theta]
    scale["theta"] = scale["charm"] = 1.0 / per_time
    if vega == "percent":
        scale["vega"] = scale["vanna"] = 1.0 / 100.0
        scale["volga"] = 1.0 / 10_000.0
    if rho == "percent":
        scale["rho"] = scale["epsilon"] = 1.0 / 100.0
    out: dict[str, Any] = {}
    for name, value in _fields(g).items():
        if scale[name] == 1.0:
            out[name] = value
        elif isinstance(value, float):
            out[name] = value * scale[name]
        else:
            out[name] = value * scale[name]  # ndarray (or a frame): a new object
    return Greeks(**out)


def black76_greeks(f: Any, k: Any, r: Any, sigma: Any, t: Any, *, kind: Any = "call",
                   which: Any = None, at_expiry: Any = "raise") -> Any:
    """`pricer_rs.black76_greeks`: the Black-76 price is the BSM price with spot `f` and
    dividend yield `r`, so every greek but rho is the BSM one of that contract; Black-76's
    rho (dV/dr with f fixed) is the sum of the BSM rho and epsilon (r appears in both
    places), and epsilon is None (Black-76 has no dividend yield). Frames come back as
    `greeks` gives them (a DataFrame of the fields for Series), with those two columns
    folded the same way."""
    from ._native import Greeks, greeks

    if which is None:
        wanted = [name for name in FIELDS if name != "epsilon"]
    else:
        names = [which] if isinstance(which, str) else list(which)
        if "epsilon" in names:
            raise ValueError("black76_greeks: epsilon is not a Black-76 greek (no dividend yield); "
                             "rho is dV/dr with the forward fixed")
        wanted = [name for name in FIELDS if name in names]
        unknown = [name for name in names if name not in FIELDS]
        if unknown or not names:
            # the BSM function's own error for unknown names or none at all
            greeks(100.0, 100.0, 0.0, 0.2, 1.0, which=names)
    need: list[str] = list(dict.fromkeys([*wanted, *(["epsilon"] if "rho" in wanted else [])]))
    g: Any = greeks(f, k, r, sigma, t, q=r, kind=kind, which=need, at_expiry=at_expiry)
    if isinstance(g, Greeks):
        fields = {name: getattr(g, name) for name in wanted}
        if "rho" in fields:
            fields["rho"] = g.rho + g.epsilon
        return Greeks(**fields)
    # a frame of the fields (pandas or polars): fold epsilon into rho, drop it
    if "rho" in wanted:
        g = _fold_rho(g)
    return g


def _fold_rho(frame: Any) -> Any:
    root = type(frame).__module__.partition(".")[0]
    if root == "polars":
        import polars as pl

        return frame.with_columns(pl.col("rho") + pl.col("epsilon")).drop("epsilon")
    folded = frame.copy()
    folded["rho"] = folded["rho"] + folded["epsilon"]
    return folded.drop(columns="epsilon")
