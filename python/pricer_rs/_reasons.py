"""Why an implied vol is NaN: one small integer per element.

    codes = pr.implied_vol_reason(price, s, k, r, t, q=q, kind=kind)
    pr.IV_REASONS[int(codes[i])]        # "below intrinsic value", ...

The reasons are computed with numpy from the inputs and the same no-arbitrage bounds as
the core, with X = S e^{-qt} (Black-76: f e^{-rt}) and Y = K e^{-rt}:

  call: intrinsic max(X - Y, 0), upper bound X;   put: intrinsic max(Y - X, 0), upper bound Y

A price within a few units of rounding of a bound cannot be classified from the rounded
bound alone (the core evaluates the bounds more exactly than numpy does), so by default
the function also asks `implied_vol` (vol=None) and reconciles: the code is OK (0) exactly
where implied_vol returns a finite vol; a NaN that the numpy bounds cannot explain is put
down to the nearer bound (NO_TIME_VALUE or AT_UPPER_BOUND) when the price is within
rounding of it, else NO_SOLUTION. Pass `vol=` (an implied_vol result for the same inputs)
to skip the second inversion, or `vol=False` for the numpy classification alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ABOVE_UPPER_BOUND",
    "BELOW_INTRINSIC",
    "NOT_A_NUMBER",
    "NO_SOLUTION",
    "NO_TIME_VALUE",
    "OK",
    "REASONS",
    "ZERO_OR_NEGATIVE_PRICE",
    "implied_vol_reason",
]

OK = 0
NOT_A_NUMBER = 1
ZERO_OR_NEGATIVE_PRICE = 2
BELOW_INTRINSIC = 3
NO_TIME_VALUE = 4
ABOVE_UPPER_BOUND = 5
NO_SOLUTION = 6

REASONS = {
    OK: "ok",
    NOT_A_NUMBER: "not a number",
    ZERO_OR_NEGATIVE_PRICE: "zero or negative price",
    BELOW_INTRINSIC: "below intrinsic value",
    NO_TIME_VALUE: "no time value",
    ABOVE_UPPER_BOUND: "at or above the upper bound",
    NO_SOLUTION: "no volatility found",
}

#: the width of "within rounding" of a bound, in units of eps times max(X, Y)
ROUNDING_ULPS = 4.0


def _is_call(kind: Any) -> npt.NDArray[np.bool_]:
    from ._expiry import _is_call as is_call

    return is_call(kind)


def implied_vol_reason(price: Any, s: Any, k: Any, r: Any, t: Any, *, q: Any = 0.0, kind: Any = "call",
                       black76: bool = False, vol: Any = None) -> npt.NDArray[np.int8]:
    """An int8 array (the inputs' broadcast shape) of reason codes, `REASONS[code]` the text;
    0 where implied_vol gives a vol. For Black-76 pass `black76=True` and f as `s` (q is
    ignored). See the module for the bounds and `vol=`."""
    for name, value in (("price", price), ("s", s), ("k", k), ("r", r), ("t", t), ("q", q), ("kind", kind)):
        if np.ndim(value) > 32:
            raise ValueError(f"{name} has {np.ndim(value)} dimensions: at most 32 are supported")
    from ._frames import _kind_as_numpy

    # a pandas or polars kind with missing entries: a masked array, "not a number" there
    kind = _kind_as_numpy(kind)
    labels = next((v for v in (price, s, k, r, t, q) if type(v).__module__.partition(".")[0] == "pandas"
                   and getattr(v, "ndim", 0) == 1), None)
    if labels is not None:
        # a pandas Series in: a Series out, on its index (as the vectorised functions answer)
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        codes = implied_vol_reason(*(np.asarray(v) if v is not None and np.ndim(v) else v
                                     for v in (price, s, k, r, t)),
                                   q=np.asarray(q) if np.ndim(q) else q,
                                   kind=kind if np.ma.isMaskedArray(kind) or not np.ndim(kind) else np.asarray(kind),
                                   black76=black76,
                                   vol=None if vol is None else np.asarray(vol) if np.ndim(vol) else vol)
        return pd.Series(codes, index=labels.index, name="reason")  # type: ignore[return-value,no-any-return,unused-ignore]
    p, s_, k_, r_, t_, q_ = (np.asarray(v, dtype=np.float64) for v in (price, s, k, r, t, q))
    if black76:
        q_ = r_
    missing_kind = np.ma.getmaskarray(kind) if np.ma.isMaskedArray(kind) else np.zeros((), dtype=np.bool_)
    if np.ma.isMaskedArray(kind):
        kind = kind.filled("call")
    calls = _is_call(kind)
    shape = np.broadcast_shapes(p.shape, s_.shape, k_.shape, r_.shape, t_.shape, q_.shape, calls.shape)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        discount = np.exp(-r_ * t_)
        x = s_ * np.exp(-q_ * t_) if not black76 else s_ * discount
        y = k_ * discount
        w = np.where(calls, 1.0, -1.0)
        intrinsic = np.maximum(w * (x - y), 0.0)
        upper = np.where(calls, x, y)
        tol = ROUNDING_ULPS * np.finfo(np.float64).eps * np.maximum(x, y)
        nan = np.isnan(p) | np.isnan(s_) | np.isnan(k_) | np.isnan(r_) | np.isnan(t_) | np.isnan(q_) | missing_kind
        code = np.select(
            [nan, p <= 0, p < intrinsic, p == intrinsic, p >= upper],
            [NOT_A_NUMBER, ZERO_OR_NEGATIVE_PRICE, BELOW_INTRINSIC, NO_TIME_VALUE, ABOVE_UPPER_BOUND],
            OK,
        )
        code = np.broadcast_to(code, shape).astype(np.int8)
        if vol is False:
            return code
        if vol is None:
            import pricer_rs as pr

            if black76:
                vol = pr.black76_implied_vol(price, s, k, r, t, kind=calls)
            else:
                vol = pr.implied_vol(price, s, k, r, t, q=q, kind=calls)
        found = np.broadcast_to(np.isfinite(np.asarray(vol, dtype=np.float64)) & ~missing_kind, shape)
        code = np.where(found, OK, code).astype(np.int8)
        unexplained = ~found & (code == OK)
        if unexplained.any():
            near_low = np.broadcast_to((intrinsic > 0) & (np.abs(p - intrinsic) <= tol), shape)
            near_high = np.broadcast_to(np.abs(p - upper) <= tol, shape)
            code[unexplained & near_low] = NO_TIME_VALUE
            code[unexplained & near_high & ~near_low] = ABOVE_UPPER_BOUND
            code[unexplained & ~near_low & ~near_high] = NO_SOLUTION
    return code
