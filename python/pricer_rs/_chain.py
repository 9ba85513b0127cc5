"""Option chains (long tables of quotes) to surfaces and back.

`from_chain` reads a pandas or polars DataFrame with one row per quote (expiry, strike,
call/put, and a price or a bid and an ask), implies each expiry's forward from put-call
parity when `q` is not given, keeps the out-of-the-money quote at each node and inverts the
grid with `ImpliedVolSurface.from_prices`. Rows it cannot use are reported with a reason
instead of being dropped silently. `to_chain` writes a surface back in the same long format.

Neither pandas nor polars is imported unless the caller passes one of their objects.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["REJECT_REASONS", "from_chain", "to_chain"]

FloatArray = npt.NDArray[np.float64]

#: every reason a row of a chain can be left out of the surface, in the order they are checked
REJECT_REASONS = {
    "bad strike": "the strike is missing, not finite or not positive",
    "bad expiry": "the expiry is missing",
    "bad kind": "the kind is missing",
    "expired": "time to expiry t <= 0 (expiry on or before the valuation date)",
    "no price": "the price (or bid or ask) is missing or not finite",
    "crossed": "bid > ask",
    "zero bid": "bid <= 0 (no buyer: the mid is not a price)",
    "zero price": "price <= 0 (with price=)",
    "duplicate": "a second quote for the same expiry, strike and kind (the first is used)",
    "no forward": "q=None and no expiry had a strike with both a call and a put to imply a forward from",
    "below intrinsic": "price below the discounted intrinsic value e^{-rt} max(w (F - K), 0)",
    "no time value": "price equal to the discounted intrinsic value (within rounding)",
    "above upper bound": "price at or above e^{-rt} F (call) or e^{-rt} K (put)",
    "not out of the money": "the out-of-the-money quote at the same expiry and strike was used",
    "no implied vol": "kept, but no volatility reproduces the price (the node is missing)",
}

#: how many strikes around the money (smallest |C - P|) the parity forward is taken from
PARITY_STRIKES = 5


def _library(frame: object) -> str:
    root = type(frame).__module__.partition(".")[0]
    if root == "polars" and type(frame).__name__ == "LazyFrame":
        raise TypeError("from_chain: chain is a polars LazyFrame: collect() it first (the surface needs "
                        "every quote)")
    if root in ("pandas", "polars") and hasattr(frame, "columns"):
        return root
    raise TypeError(
        f"from_chain: chain must be a pandas or polars DataFrame, got {type(frame).__name__}"
    )


def _column(frame: Any, library: str, name: str) -> npt.NDArray[Any]:
    if name not in frame.columns:
        raise KeyError(f"from_chain: the chain has no column {name!r} (columns: {list(frame.columns)})")
    col = frame[name]
    if library == "polars":
        if col.dtype.is_numeric() and col.null_count():
            return np.asarray(col.cast(float).to_numpy(), dtype=np.float64)  # null -> NaN
        return np.asarray(col.to_numpy())
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if is_numeric_dtype(col.dtype) and not is_bool_dtype(col.dtype):
        # nullable dtypes (Float64, Int64 with pd.NA) -> NaN
        return np.asarray(col.to_numpy(dtype=np.float64, na_value=np.nan))
    if is_bool_dtype(col.dtype) and not col.isna().any():
        return np.asarray(col.to_numpy(dtype=bool))
    return np.asarray(col.to_numpy())


def _as_datetime64(value: Any) -> Any:
    """A date, datetime, pandas Timestamp, datetime64 or ISO string as datetime64[ns]."""
    if hasattr(value, "to_datetime64"):  # pandas Timestamp
        value = value.to_datetime64()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("from_chain: valuation_date must be a naive date or datetime")
        return np.datetime64(value, "ns")
    if isinstance(value, _dt.date):
        return np.datetime64(value, "D").astype("datetime64[ns]")
    return np.datetime64(value).astype("datetime64[ns]")


def _year_fractions(expiry: npt.NDArray[Any], valuation_date: Any) -> tuple[FloatArray, bool]:
    """(t, dated): ACT/365 year fractions from dates, or the column itself as floats."""
    values = expiry
    if values.dtype == object:
        sample = next((v for v in values if v is not None and v == v), None)
        if isinstance(sample, (_dt.date, np.datetime64)) or hasattr(sample, "to_datetime64"):
            values = np.array(
                [np.datetime64("NaT") if v is None or v != v else _as_datetime64(v) for v in values],
                dtype="datetime64[ns]",
            )
        else:
            return np.asarray(values, dtype=np.float64), False
    if values.dtype.kind == "M":
        if valuation_date is None:
            raise ValueError(
                "from_chain: the expiry column holds dates; pass valuation_date= (the day the "
                "quotes were taken) to turn them into ACT/365 year fractions"
            )
        days = (values.astype("datetime64[ns]") - _as_datetime64(valuation_date)) / np.timedelta64(1, "D")
        return np.asarray(days / 365.0, dtype=np.float64), True
    if values.dtype.kind in "fiu":
        return np.asarray(values, dtype=np.float64), False
    raise TypeError(f"from_chain: the expiry column must hold dates or year fractions, got dtype {values.dtype}")


def _is_call(kind: npt.NDArray[Any]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(is_call, known): strings call/put/c/p in any case, bools (True = call), +1/-1."""
    if kind.dtype == np.bool_:
        return kind.copy(), np.ones(kind.shape, dtype=bool)
    if kind.dtype.kind in "iu":
        bad = ~np.isin(kind, (1, -1))
        if bad.any():
            raise ValueError(f"from_chain: integer kinds must be +1 (call) or -1 (put), got {np.unique(kind[bad])[:5]}")
        return kind == 1, np.ones(kind.shape, dtype=bool)
    if kind.dtype.kind == "f":  # +1.0 / -1.0, NaN (a null int) unknown
        known = np.isfinite(kind)
        bad = known & ~np.isin(kind, (1.0, -1.0))
        if bad.any():
            raise ValueError(f"from_chain: numeric kinds must be +1 (call) or -1 (put), got {np.unique(kind[bad])[:5]}")
        return kind == 1.0, known
    text = np.array([str(v).strip().lower() if v is not None and v == v else "" for v in kind], dtype=object)
    calls = np.isin(text, ("call", "c"))
    puts = np.isin(text, ("put", "p"))
    known = calls | puts
    bad = ~known & (text != "")
    if bad.any():
        raise ValueError(
            f"from_chain: kind must be 'call', 'put', 'c' or 'p' (any case), a bool or +1/-1; "
            f"got {sorted(set(kind[bad].tolist()))[:5]}"
        )
    return calls, known


@dataclass
class ChainGrid:
    """What `from_chain` hands to `from_prices`, and what it reports."""

    strikes: FloatArray
    tenors: FloatArray
    prices: FloatArray  # (tenors, strikes), NaN where missing
    is_call: npt.NDArray[np.bool_]  # (tenors, strikes)
    price_error: FloatArray | None  # (tenors, strikes) or None with price=
    forwards: FloatArray  # one per tenor
    q: FloatArray  # one per tenor
    expiries: list[Any]  # the expiry value as given, one per tenor
    used: npt.NDArray[np.intp]  # (tenors, strikes): the row used at each node, -1 where none
    reasons: npt.NDArray[Any] = field(default_factory=lambda: np.empty(0, dtype=object))  # per row, "" if used/unused-ok


def _parity_forward(strikes: FloatArray, calls: FloatArray, puts: FloatArray, discount: float) -> float:
    """The forward from C - P = D (F - K) at the strikes nearest the money.

    Each strike with both quotes gives F_i = K_i + (C_i - P_i) / D; the estimate is the
    median of F_i over the PARITY_STRIKES strikes with the smallest |C_i - P_i| (those
    nearest the forward, where both quotes have time value and the tightest relative
    spreads), so one stale or mis-keyed pair among them does not move it.
    """
    implied = strikes + (calls - puts) / discount
    nearest = np.argsort(np.abs(calls - puts), kind="stable")[:PARITY_STRIKES]
    return float(np.median(implied[nearest]))


def chain_grid(
    chain: Any,
    spot: float,
    *,
    r: float,
    q: float | None = None,
    valuation_date: Any = None,
    expiry: str = "expiry",
    strike: str = "strike",
    kind: str = "kind",
    price: str | None = None,
    bid: str = "bid",
    ask: str = "ask",
) -> ChainGrid:
    """Parse and screen a chain into a grid (the work of `from_chain` before the inversion)."""
    library = _library(chain)
    spot = float(spot)
    r = float(r)
    raw_expiry = _column(chain, library, expiry)
    t, _ = _year_fractions(raw_expiry, valuation_date)
    k = np.asarray(_column(chain, library, strike), dtype=np.float64)
    is_call, kind_known = _is_call(_column(chain, library, kind))
    n = len(t)
    if price is not None:
        p = np.asarray(_column(chain, library, price), dtype=np.float64)
        err: FloatArray | None = None
        b = a = None
    else:
        b = np.asarray(_column(chain, library, bid), dtype=np.float64)
        a = np.asarray(_column(chain, library, ask), dtype=np.float64)
        p = 0.5 * (b + a)
        err = 0.5 * (a - b)

    reasons = np.full(n, "", dtype=object)

    def reject(mask: npt.NDArray[np.bool_], reason: str) -> None:
        reasons[mask & (reasons == "")] = reason

    reject(~(np.isfinite(k) & (k > 0)), "bad strike")
    reject(np.isnan(t), "bad expiry")
    reject(~kind_known, "bad kind")
    reject(t <= 0, "expired")
    if b is not None and a is not None:
        reject(~(np.isfinite(b) & np.isfinite(a)), "no price")
        reject(b > a, "crossed")
        reject(b <= 0, "zero bid")
    else:
        reject(~np.isfinite(p), "no price")
        reject(p <= 0, "zero price")

    # duplicates: the first quote per (t, strike, kind) among rows still in
    ok = np.flatnonzero(reasons == "")
    keys = np.rec.fromarrays([t[ok], k[ok], is_call[ok]])
    _, first = np.unique(keys, return_index=True)
    dup = np.ones(len(ok), dtype=bool)
    dup[first] = False
    reasons[ok[dup]] = "duplicate"

    ok = reasons == ""
    tenor_values = np.unique(t[ok])
    if q is None:
        forwards = np.full(len(tenor_values), np.nan)
        for j, tj in enumerate(tenor_values):
            rows = np.flatnonzero(ok & (t == tj))
            call_rows = rows[is_call[rows]]
            put_rows = rows[~is_call[rows]]
            common, ci, pi = np.intersect1d(k[call_rows], k[put_rows], return_indices=True)
            if len(common):
                forwards[j] = _parity_forward(common, p[call_rows[ci]], p[put_rows[pi]], float(np.exp(-r * tj)))
        have = np.isfinite(forwards)
        q_values = np.full(len(tenor_values), np.nan)
        q_values[have] = r - np.log(forwards[have] / spot) / tenor_values[have]
        if not have.any():
            for tj in tenor_values:
                reasons[ok & (t == tj)] = "no forward"
            ok = reasons == ""
            tenor_values = tenor_values[:0]
            forwards = q_values = np.empty(0)
        elif not have.all():
            # an expiry without a call-put pair: its q interpolated in t from the others
            # (flat beyond them), documented as such
            q_values[~have] = np.interp(tenor_values[~have], tenor_values[have], q_values[have])
            forwards[~have] = spot * np.exp((r - q_values[~have]) * tenor_values[~have])
    else:
        given = np.asarray(q, dtype=np.float64)
        # every unexpired expiry of the chain, before any quote was screened out
        chain_tenors = np.unique(t[np.isfinite(t) & (t > 0)])
        if given.ndim == 0:
            q_values = np.full(len(tenor_values), float(given))
        elif given.ndim == 1 and len(given) == len(chain_tenors):
            # one per expiry of the chain (ascending): each to its own expiry, whichever
            # expiries the screening leaves
            q_values = given[np.searchsorted(chain_tenors, tenor_values)]
        elif given.ndim == 1 and len(given) == len(tenor_values):
            # one per expiry left after the screening, as `surf.q` lists them
            q_values = given.copy()
        else:
            raise ValueError(
                f"from_chain: q must be a number, None, or one value per expiry: the chain has "
                f"{len(chain_tenors)} unexpired expiries ({len(tenor_values)} with usable quotes), "
                f"got shape {given.shape}")
        forwards = spot * np.exp((r - q_values) * tenor_values)

    # bounds, with the forward of each row's expiry
    tenor_index = np.searchsorted(tenor_values, t)
    tenor_index = np.where(ok, np.minimum(tenor_index, max(len(tenor_values) - 1, 0)), 0)
    if len(tenor_values):
        f_row = np.where(ok, forwards[tenor_index], np.nan)
        disc = np.exp(-r * np.where(ok, t, 0.0))
        w = np.where(is_call, 1.0, -1.0)
        with np.errstate(invalid="ignore"):
            intrinsic = disc * np.maximum(w * (f_row - k), 0.0)
            upper = disc * np.where(is_call, f_row, k)
            # the rounding of an in-the-money intrinsic value (out of the money it is 0:
            # any positive price is time value)
            tol = np.where(intrinsic > 0, 8 * np.finfo(float).eps * disc * np.maximum(f_row, k), 0.0)
            reject(ok & (p < intrinsic - tol), "below intrinsic")
            reject(ok & (p <= intrinsic + tol), "no time value")
            reject(ok & (p >= upper), "above upper bound")
        ok = reasons == ""

    # the node grid: out of the money where both sides survive
    strikes = np.unique(k[ok])
    used = np.full((len(tenor_values), len(strikes)), -1, dtype=np.intp)
    rows = np.flatnonzero(ok)
    j_of = tenor_index[rows]
    i_of = np.searchsorted(strikes, k[rows])
    otm = np.where(is_call[rows], k[rows] >= forwards[j_of], k[rows] < forwards[j_of]) if len(rows) else np.empty(0, bool)
    # place the in-the-money rows first, then let the out-of-the-money ones overwrite
    for pick in (~otm, otm):
        sel = rows[pick]
        used[j_of[pick], i_of[pick]] = sel
    chosen = used[used >= 0]
    loser = np.setdiff1d(rows, chosen)
    reasons[loser] = "not out of the money"

    shape = used.shape
    prices = np.full(shape, np.nan)
    grid_call = np.broadcast_to(strikes[None, :] >= forwards[:, None], shape).copy() if len(forwards) else np.ones(shape, bool)
    grid_err = None if err is None else np.full(shape, np.nan)
    have_node = used >= 0
    prices[have_node] = p[used[have_node]]
    grid_call[have_node] = is_call[used[have_node]]
    if grid_err is not None and err is not None:
        grid_err[have_node] = err[used[have_node]]

    expiries = []
    for tj in tenor_values:
        expiries.append(raw_expiry[np.flatnonzero(ok & (t == tj))[0]] if (ok & (t == tj)).any() else tj)
    # tenors whose every quote went: kept out of the grid (a tenor row of NaN only)
    keep = have_node.any(axis=1)
    return ChainGrid(
        strikes=strikes,
        tenors=tenor_values[keep],
        prices=prices[keep],
        is_call=grid_call[keep],
        price_error=None if grid_err is None else grid_err[keep],
        forwards=forwards[keep],
        q=q_values[keep],
        expiries=[expiries[int(j)] for j in np.flatnonzero(keep)],
        used=used[keep],
        reasons=reasons,
    )


def _rejected_frame(chain: Any, reasons: npt.NDArray[Any], unused: bool = False) -> Any:
    """The rows with a reason: those that could not be used, or (`unused`) the usable
    in-the-money twins of the out-of-the-money quotes taken instead."""
    twin = reasons == "not out of the money"
    rows = np.flatnonzero(twin if unused else (reasons != "") & ~twin)
    library = _library(chain)
    if library == "pandas":
        out = chain.iloc[rows].copy()
        out["reason"] = reasons[rows].astype(str)
        return out
    import polars as pl

    return chain[rows.tolist()].with_columns(
        pl.Series("row", rows, dtype=pl.Int64), pl.Series("reason", reasons[rows].astype(str).tolist(), dtype=pl.String)
    )


def from_chain(
    cls: Any,
    chain: Any,
    spot: float,
    *,
    r: float,
    q: float | None = None,
    valuation_date: Any = None,
    expiry: str = "expiry",
    strike: str = "strike",
    kind: str = "kind",
    price: str | None = None,
    bid: str = "bid",
    ask: str = "ask",
) -> Any:
    """An ImpliedVolSurface from a long table of quotes (pandas or polars DataFrame).

    Columns (their names are the keyword arguments):
      expiry  dates (datetime64, datetime.date, pandas Timestamp, polars Date/Datetime),
              turned into year fractions ACT/365: t = (expiry - valuation_date) in days / 365
              (fractions of a day count when the columns carry times); or floats, taken
              as year fractions (valuation_date is then ignored)
      strike  floats
      kind    "call"/"put"/"c"/"p" (any case), bools (True = call) or +1/-1
      price   a price column if given (then the surface has no price_error); otherwise
              bid and ask: the mid is the price and half the spread the price_error

    Grid: the tenors are the expiries with at least one usable quote, the strikes the union
    of the strikes used over all expiries; a node with no usable quote is missing (NaN).
    Where a strike has a usable call and put, the out-of-the-money one is used (put below
    the forward, call at or above it); where only one side is usable, that one.

    q=None: each expiry's forward F is implied from put-call parity C - P = e^{-rt} (F - K)
    as the median of K + (C - P) e^{rt} over the (up to 5) strikes with both quotes and the
    smallest |C - P| (those nearest the money); q_t = r - ln(F / spot) / t per tenor. An
    expiry with no such pair takes q interpolated in t between the others (flat beyond).
    A scalar q is used for every tenor (F = spot e^{(r - q) t}).

    Rows that cannot be used are reported, never silently dropped: `surf.chain_report` is a
    dict with "rejected" (the rows that could not be used, in the chain's library, with a
    "reason" column; polars also a "row" column, the row's position), "unused" (usable
    in-the-money quotes whose out-of-the-money twin was taken, likewise), "forwards", "q", "tenors" and "expiries" (1-D
    arrays, one per tenor; expiries as given: datetime64 for date columns, floats for year
    fractions) and "valuation_date" (as given). The reasons are
    `pricer_rs._chain.REJECT_REASONS`' keys.
    """
    grid = chain_grid(
        chain, spot, r=r, q=q, valuation_date=valuation_date, expiry=expiry, strike=strike,
        kind=kind, price=price, bid=bid, ask=ask,
    )
    if len(grid.tenors) == 0:
        counts: dict[str, int] = {}
        for reason in grid.reasons[grid.reasons != ""]:
            counts[reason] = counts.get(reason, 0) + 1
        raise ValueError(f"from_chain: no usable quote in the chain (rejected: {counts})")
    q_arg: Any = grid.q
    if q is not None and np.ndim(q) == 0:
        q_arg = float(q)
    surface = _from_prices(cls, spot, grid, r, q_arg)
    # quotes kept but not invertible: reported too (their node is missing)
    vols = np.asarray(surface.vols)
    lost = (grid.used >= 0) & np.isnan(vols)
    reasons = grid.reasons.copy()
    reasons[grid.used[lost]] = "no implied vol"
    report = {
        "rejected": _rejected_frame(chain, reasons),
        "unused": _rejected_frame(chain, reasons, unused=True),
        "forwards": grid.forwards,
        "q": grid.q,
        "tenors": grid.tenors,
        "expiries": np.asarray(grid.expiries),
        "valuation_date": valuation_date,
    }
    return surface._with_chain_report(report)


def _from_prices(cls: Any, spot: float, grid: ChainGrid, r: float, q: Any) -> Any:
    kwargs: dict[str, Any] = {"r": r, "kind": grid.is_call}
    if grid.price_error is not None:
        kwargs["price_error"] = grid.price_error
    return cls.from_prices(spot, grid.strikes, grid.tenors, grid.prices, q=q, **kwargs)


def _kind_grid(kind: Any, shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    if isinstance(kind, str):
        name = kind.strip().lower()
        if name not in ("call", "put", "c", "p"):
            raise ValueError(f"to_chain: kind must be 'call', 'put', 'c', 'p', 'both' or None, got {kind!r}")
        return np.full(shape, name in ("call", "c"))
    arr = np.asarray(kind)
    if arr.dtype.kind in "iuf":
        arr = arr == 1
    return np.broadcast_to(arr.astype(bool), shape)


def to_chain(surface: Any, kind: Any = "both", *, library: str = "pandas") -> Any:
    """The surface as a chain of quotes, in the columns `from_chain` reads by default.

    Columns: expiry (year fractions), strike, kind ("call"/"put"), bid and ask (the price
    less and plus the surface's price_error, or both the price where it has none), price,
    vol and, when the surface has one, price_error. kind="both" (the default) writes a call
    and a put per node (a chain's two sides: `from_chain` then implies each expiry's forward
    from put-call parity); None the out-of-the-money option at each node (a put below the
    tenor's forward, a call at or above it); "call"/"put" or a bool grid chooses. Missing
    nodes are rows with NaN vol and prices. library="polars" gives a polars DataFrame.
    `from_chain(to_chain(s), s.spot, r=s.r)` gives back the surface's vols and forwards (q
    from parity); with `q=s.q` any kind= works.
    """
    strikes = np.asarray(surface.strikes, dtype=np.float64)
    tenors = np.asarray(surface.tenors, dtype=np.float64)
    shape = (len(tenors), len(strikes))
    forwards = np.asarray(surface.forwards, dtype=np.float64)
    if isinstance(kind, str) and kind.strip().lower() == "both":
        kinds = [np.ones(shape, dtype=bool), np.zeros(shape, dtype=bool)]
    elif kind is None:
        kinds = [np.broadcast_to(strikes[None, :] >= forwards[:, None], shape)]
    else:
        kinds = [_kind_grid(kind, shape)]
    perr = getattr(surface, "price_error", None)
    parts: dict[str, list[Any]] = {"expiry": [], "strike": [], "kind": [], "bid": [], "ask": [],
                                   "price": [], "vol": []}
    if perr is not None:
        parts["price_error"] = []
    order = np.arange(shape[0] * shape[1])
    vols = np.asarray(surface.vols, dtype=np.float64)
    for kg in kinds:
        prices = np.asarray(surface.price(kind=np.ascontiguousarray(kg)), dtype=np.float64)
        parts["expiry"].append(np.repeat(tenors, shape[1]))
        spread = (np.zeros(shape) if perr is None
                  else np.broadcast_to(np.asarray(perr, dtype=np.float64), shape))
        parts["bid"].append((prices - spread).ravel())
        parts["ask"].append((prices + spread).ravel())
        parts["strike"].append(np.tile(strikes, shape[0]))
        parts["kind"].append(np.where(kg.ravel(), "call", "put").astype(object))
        parts["price"].append(prices.ravel())
        parts["vol"].append(vols.ravel())
        if perr is not None:
            parts["price_error"].append(np.broadcast_to(np.asarray(perr, dtype=np.float64), shape).ravel())
    columns = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    if len(kinds) == 2:  # node by node: the call row, then the put row
        n = len(order)
        interleave = np.column_stack([order, order + n]).ravel()
        columns = {name: col[interleave] for name, col in columns.items()}
    if library == "polars":
        import polars as pl

        return pl.DataFrame({name: (col.tolist() if name == "kind" else col) for name, col in columns.items()})
    if library != "pandas":
        raise ValueError(f"to_chain: library must be 'pandas' or 'polars', got {library!r}")
    import pandas as pd

    return pd.DataFrame(columns)
