"""polars expressions for pricer_rs: `pl.Expr` in, `pl.Expr` out.

    import polars as pl
    import pricer_rs.polars as prpl

    df.lazy().with_columns(
        iv=prpl.implied_vol("mid", "spot", "strike", 0.02, "t", kind=pl.col("cp")),
        greeks=prpl.greeks("spot", "strike", 0.02, "iv", "t", which=("delta", "vega")),
    ).collect()

Each argument is a `pl.Expr`, a column name (a `str`, read as `pl.col(name)`) or a number.
`kind` is the exception: a plain string "call"/"put"/"c"/"p" is the literal kind, not a
column name; pass `pl.col("cp")` for a column of kinds (strings, booleans with True = call,
or integers +1/-1 as QuantLib's Option.Call/Put). Null in any input gives null in that
row; NaN stays NaN.

How: the expression columns are packed with `pl.struct(...)` and handed to the Rust
functions in one `map_batches` call per batch (contiguous float64 columns without nulls
are read in place: `Series.to_numpy()` does not copy them). The function is elementwise
(`is_elementwise=True`) and its output dtype is declared, so lazy schemas resolve, the
streaming engine may run it batch by batch, and inside `group_by().agg(...)` or
`over(...)` it applies to each group's rows. Limits: it is a Python callback, so polars
holds the GIL while it converts each batch (the Rust work itself releases it); the
expression cannot be serialised to another process with its function, and polars' query
optimiser treats it as opaque (no predicate pushdown through it). Out-of-domain values
(sigma <= 0, ...) raise the same `ValueError` as `pricer_rs.price` when the query is
collected (polars may wrap it in its own `ComputeError` in some engines).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

import pricer_rs as _pr

__all__ = [
    "GREEKS",
    "black76_implied_vol",
    "black76_price",
    "charm",
    "delta",
    "epsilon",
    "gamma",
    "greeks",
    "implied_vol",
    "price",
    "rho",
    "theta",
    "vanna",
    "vega",
    "volga",
]

#: the fields of `greeks`' struct, in order
GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")

IntoExpr = Union[pl.Expr, str, float, int]
"""An argument: an expression, a column name, or a number."""
IntoKind = Union[pl.Expr, str, bool, int]
"""kind: an expression (a column of kinds), or a literal "call"/"put"/"c"/"p", bool, +1/-1."""

_KIND_NAMES = {"call": True, "c": True, "put": False, "p": False}


def _literal_kind(kind: str | bool | int | np.bool_) -> bool:
    if isinstance(kind, (bool, np.bool_)):
        return bool(kind)
    if isinstance(kind, str):
        name = kind.strip().lower()
        if name not in _KIND_NAMES:
            raise ValueError(
                f"kind must be 'call', 'put', 'c' or 'p' (or a bool, or +1/-1), got {kind!r}; "
                "for a column of kinds pass pl.col(name)"
            )
        return _KIND_NAMES[name]
    if isinstance(kind, (int, np.integer)) and kind in (1, -1):
        return bool(kind == 1)
    raise ValueError(f"kind must be 'call', 'put', 'c', 'p', a bool or +1/-1, got {kind!r}")


def _kind_array(series: pl.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_] | None]:
    """A column of kinds as booleans (True = call), and its null mask (None: no nulls)."""
    nulls = series.is_null().to_numpy() if series.null_count() else None
    dtype = series.dtype
    if dtype == pl.Boolean:
        return series.fill_null(True).to_numpy().astype(bool, copy=False), nulls
    if dtype.is_integer() or dtype.is_float():
        values = series.cast(pl.Float64).fill_null(1.0).to_numpy()
        bad = ~np.isin(values, (1.0, -1.0))
        if bad.any():
            raise ValueError(f"kind: integer kinds must be +1 (call) or -1 (put), got {values[bad][0]!r}")
        return values == 1.0, nulls
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        text = series.cast(pl.String).str.strip_chars().str.to_lowercase().fill_null("call")
        calls = text.is_in(["call", "c"]).to_numpy()
        puts = text.is_in(["put", "p"]).to_numpy()
        bad = ~(calls | puts)
        if bad.any():
            first = series.cast(pl.String).to_numpy()[bad][0]
            raise ValueError(f"kind must be 'call', 'put', 'c' or 'p' (any case), got {first!r}")
        return calls, nulls
    raise TypeError(f"kind: a column of strings, booleans or +1/-1 integers, got dtype {dtype}")


def _float_array(series: pl.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_] | None]:
    """A numeric column as float64 (in place where it is contiguous float64 without nulls),
    and its null mask (None: no nulls)."""
    if series.null_count():
        nulls = series.is_null().to_numpy()
        return series.cast(pl.Float64).fill_null(np.nan).to_numpy(), nulls
    if series.dtype != pl.Float64:
        if not series.dtype.is_numeric():
            raise TypeError(f"expected a numeric column, got dtype {series.dtype} ({series.name!r})")
        series = series.cast(pl.Float64)
    return series.to_numpy(), None


class _Call:
    """The arguments of one function: expressions go into a struct, scalars straight through."""

    def __init__(self, names: Sequence[str], values: Sequence[Any], kind: IntoKind | None) -> None:
        self.exprs: list[pl.Expr] = []
        self.slots: list[tuple[str, Any]] = []  # (name, ("col", field) | ("lit", value))
        for name, value in zip(names, values):
            self._add(name, value)
        self.kind: tuple[str, Any] | None = None
        if kind is not None:
            if isinstance(kind, pl.Expr):
                field = f"__pr_{len(self.exprs)}"
                self.exprs.append(kind.alias(field))
                self.kind = ("col", field)
            else:
                self.kind = ("lit", _literal_kind(kind))

    def _add(self, name: str, value: Any) -> None:
        if isinstance(value, str):
            value = pl.col(value)
        if isinstance(value, pl.Series):
            value = pl.lit(value)
        if isinstance(value, pl.Expr):
            field = f"__pr_{len(self.exprs)}"
            self.exprs.append(value.alias(field))
            self.slots.append((name, ("col", field)))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            self.slots.append((name, ("lit", float(value))))
        else:
            raise TypeError(
                f"{name}: expected a polars expression, a column name or a number, got {type(value).__name__}"
            )

    def expr(self, name: str, compute: Callable[[dict[str, Any]], npt.NDArray[np.float64] | dict[str, Any]],
             dtype: pl.DataType) -> pl.Expr:
        """The expression, named `name` (alias it, or name it in with_columns(x=...))."""
        kind = self.kind

        def batch(struct: pl.Series) -> pl.Series:
            args: dict[str, Any] = {}
            missing: npt.NDArray[np.bool_] | None = None
            for name, (how, value) in self.slots:
                if how == "lit":
                    args[name] = value
                    continue
                array, nulls = _float_array(struct.struct.field(value))
                args[name] = array
                if nulls is not None:
                    missing = nulls if missing is None else missing | nulls
            if kind is not None:
                how, value = kind
                if how == "lit":
                    args["kind"] = value
                else:
                    kinds, nulls = _kind_array(struct.struct.field(value))
                    args["kind"] = kinds
                    if nulls is not None:
                        missing = nulls if missing is None else missing | nulls
            n = len(struct)
            result = compute(args)
            return _to_series(result, n, missing, dtype)

        if not self.exprs:  # every argument a number: a literal of the answer
            result = compute({name: value for name, (_, value) in self.slots}
                             | ({"kind": kind[1]} if kind is not None else {}))
            return pl.lit(_to_series(result, 1, None, dtype)).first().alias(name)
        return pl.struct(self.exprs).map_batches(batch, return_dtype=dtype, is_elementwise=True).alias(name)


def _to_series(result: Any, n: int, missing: npt.NDArray[np.bool_] | None, dtype: pl.DataType) -> pl.Series:
    if isinstance(result, dict):
        fields = list(result)
        frame = pl.DataFrame({k: pl.Series(k, _broadcast(v, n), dtype=pl.Float64) for k, v in result.items()})
        if missing is not None and missing.any():  # the whole struct null in those rows
            keep = pl.Series("", ~missing)
            return frame.select(pl.when(keep).then(pl.struct(fields)).alias("")).to_series()
        return frame.select(pl.struct(fields).alias("")).to_series()
    out = pl.Series("", _broadcast(result, n), dtype=pl.Float64)
    if missing is not None and missing.any():
        out = out.scatter(np.flatnonzero(missing), None)
    return out


def _broadcast(value: Any, n: int) -> npt.NDArray[np.float64]:
    array = np.asarray(value, dtype=np.float64)
    return array if array.shape == (n,) else np.broadcast_to(array, (n,)).copy()


_SPOT_ARGS = ("s", "k", "r", "sigma", "t")
_FLOAT = pl.Float64()


def _spot_function(name: str) -> Callable[..., pl.Expr]:
    native = getattr(_pr, name)

    def function(s: IntoExpr, k: IntoExpr, r: IntoExpr, sigma: IntoExpr, t: IntoExpr, *,
                 q: IntoExpr = 0.0, kind: IntoKind = "call", at_expiry: Literal["raise", "limit"] = "raise") -> pl.Expr:
        call = _Call((*_SPOT_ARGS, "q"), (s, k, r, sigma, t, q), kind)

        def compute(a: dict[str, Any]) -> Any:
            args = (a["s"], a["k"], a["r"], a["sigma"], a["t"])
            return native(*args, q=a["q"], kind=a["kind"], at_expiry=at_expiry)

        return call.expr(name, compute, _FLOAT)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"`pricer_rs.{name}` as a polars expression (Float64): each argument an expression, a "
        "column name or a number; kind a literal 'call'/'put'/'c'/'p'/bool/+1/-1 or an "
        "expression (pl.col(...)) of such values; at_expiry='limit' gives rows with t = 0 or "
        "sigma = 0 their limits. Null in, null out."
    )
    return function


price = _spot_function("price")
delta = _spot_function("delta")
gamma = _spot_function("gamma")
vega = _spot_function("vega")
theta = _spot_function("theta")
rho = _spot_function("rho")
epsilon = _spot_function("epsilon")
vanna = _spot_function("vanna")
volga = _spot_function("volga")
charm = _spot_function("charm")


def greeks(s: IntoExpr, k: IntoExpr, r: IntoExpr, sigma: IntoExpr, t: IntoExpr, *,
           q: IntoExpr = 0.0, kind: IntoKind = "call", which: str | Iterable[str] | None = None,
           at_expiry: Literal["raise", "limit"] = "raise") -> pl.Expr:
    """Price and greeks as one struct column (`pl.Struct` of Float64 fields: price, delta,
    gamma, vega, theta, rho, epsilon, vanna, volga, charm, or only those named by `which`;
    unnest it with `.struct.unnest()` or read one with `.struct.field("delta")`)."""
    fields = GREEKS if which is None else ((which,) if isinstance(which, str) else tuple(which))
    unknown = [f for f in fields if f not in GREEKS]
    if unknown:
        raise ValueError(f"which: unknown greek {unknown[0]!r}; choose from {', '.join(GREEKS)}")
    fields = tuple(f for f in GREEKS if f in fields)  # in the struct's canonical order
    dtype = pl.Struct({f: pl.Float64 for f in fields})
    call = _Call((*_SPOT_ARGS, "q"), (s, k, r, sigma, t, q), kind)

    def compute(a: dict[str, Any]) -> dict[str, Any]:
        g = _pr.greeks(a["s"], a["k"], a["r"], a["sigma"], a["t"], q=a["q"], kind=a["kind"],
                       which=None if which is None else list(fields), at_expiry=at_expiry)
        return {f: getattr(g, f) for f in fields}

    return call.expr("greeks", compute, dtype)


def implied_vol(price: IntoExpr, s: IntoExpr, k: IntoExpr, r: IntoExpr, t: IntoExpr, *,
                q: IntoExpr = 0.0, kind: IntoKind = "call") -> pl.Expr:
    """`pricer_rs.implied_vol` as a polars expression (Float64; NaN where no volatility
    reproduces the price, null where an input is null)."""
    call = _Call(("price", "s", "k", "r", "t", "q"), (price, s, k, r, t, q), kind)
    return call.expr("implied_vol", lambda a: _pr.implied_vol(a["price"], a["s"], a["k"], a["r"], a["t"], q=a["q"],
                                               kind=a["kind"]), _FLOAT)


def black76_price(f: IntoExpr, k: IntoExpr, r: IntoExpr, sigma: IntoExpr, t: IntoExpr, *,
                  kind: IntoKind = "call", at_expiry: Literal["raise", "limit"] = "raise") -> pl.Expr:
    """`pricer_rs.black76_price` as a polars expression (Float64)."""
    call = _Call(("f", "k", "r", "sigma", "t"), (f, k, r, sigma, t), kind)
    return call.expr("black76_price", lambda a: _pr.black76_price(a["f"], a["k"], a["r"], a["sigma"], a["t"],
                                                                  kind=a["kind"], at_expiry=at_expiry),
                     _FLOAT)


def black76_implied_vol(price: IntoExpr, f: IntoExpr, k: IntoExpr, r: IntoExpr, t: IntoExpr, *,
                        kind: IntoKind = "call") -> pl.Expr:
    """`pricer_rs.black76_implied_vol` as a polars expression (Float64)."""
    call = _Call(("price", "f", "k", "r", "t"), (price, f, k, r, t), kind)
    return call.expr("black76_implied_vol", lambda a: _pr.black76_implied_vol(a["price"], a["f"], a["k"], a["r"], a["t"],
                                                       kind=a["kind"]), _FLOAT)
