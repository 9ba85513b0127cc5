"""Expiry day: prices and greeks at t = 0 or sigma = 0 as their limits (`at_expiry="limit"`).

By default a `t` or `sigma` of exactly 0 raises `ValueError` like any value out of the
domain. With `at_expiry="limit"` the native functions hand the call to `limit_call`, which
gives those elements the limit of the Black-Scholes-Merton formulas as the total volatility
sigma sqrt(t) goes to 0, and computes every other element with the native function itself
(so they are bit-identical to a call without the option). Negative or infinite t and sigma
still raise.

With X = S e^{-qt} (for Black-76: f e^{-rt}), Y = K e^{-rt}, w = +1 for a call and -1 for a
put, and I = 1 in the money (w (X - Y) > 0, i.e. w (F - K) > 0 for the forward F), else 0:

  price    max(w (X - Y), 0)               the discounted intrinsic value of the forward
  delta    w e^{-qt} I                     (Black-76: w e^{-rt} I, per unit of f)
  gamma    0
  vega     0
  theta    w (q X - r Y) I                 -dV/dt of the deterministic payoff
                                           (Black-76: r V, as X = f e^{-rt})
  rho      w t Y I                         dV/dr (0 at t = 0; Black-76: -t V)
  epsilon  -w t X I                        dV/dq (0 at t = 0; Black-76: 0)
  vanna    0
  volga    0
  charm    w q e^{-qt} I                   -d(delta)/dt (Black-76: w r e^{-rt} I)

These are the values of the formulas for sigma = 0 at the given t (t = 0 included: theta
at t = 0 is w (q S - r K) I, the limit of the BSM theta as t -> 0 off the money for any
sigma, and rho = epsilon = 0 there). Exactly at the money (X == Y: forward equal to the
strike) the payoff has a kink and the limits depend on the path: the price is 0 and every
greek is NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["LIMIT_FUNCTIONS", "limit_call", "limits"]

GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")
LIMIT_FUNCTIONS = (*GREEKS[1:], "price", "greeks", "black76_price")
_ARGS = ("s", "k", "r", "sigma", "t")
_ARGS76 = ("f", "k", "r", "sigma", "t")
_HARMLESS_SIGMA = 0.2
_HARMLESS_T = 1.0


def _is_call(kind: Any) -> npt.NDArray[np.bool_]:
    """kind as booleans (True = call): strings call/put/c/p (any case), bools, +1/-1."""
    if isinstance(kind, str):
        name = kind.strip().lower()
        if name in ("call", "c"):
            return np.asarray(True)
        if name in ("put", "p"):
            return np.asarray(False)
        raise ValueError(f"kind must be 'call', 'put', 'c' or 'p' (or booleans, True = call); got {kind!r}")
    arr = np.asarray(kind)
    if arr.dtype == np.bool_:
        return arr
    if arr.dtype.kind in "iuf":
        if not np.isin(arr, (1, -1)).all():
            raise ValueError("kind: integer kinds must be +1 (call) or -1 (put)")
        return np.asarray(arr == 1)
    if arr.dtype.kind in "UO":
        text = np.char.lower(np.char.strip(arr.astype(str)))
        calls = np.isin(text, ("call", "c"))
        if not (calls | np.isin(text, ("put", "p"))).all():
            raise ValueError("kind must be 'call', 'put', 'c' or 'p' (or booleans, True = call)")
        return calls
    raise TypeError(f"kind: strings, booleans or +1/-1, got an array of dtype {arr.dtype}")


def limits(s: Any, k: Any, r: Any, t: Any, *, q: Any = 0.0, kind: Any = "call",
           black76: bool = False) -> dict[str, npt.NDArray[np.float64]]:
    """Every field's limit (see the module), broadcast; s is f for Black-76."""
    s, k, r, t, q = (np.asarray(v, dtype=np.float64) for v in (s, k, r, t, q))
    w = np.where(_is_call(kind), 1.0, -1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        discount = np.exp(-r * t)
        carry = discount if black76 else np.exp(-q * t)  # d X / d S
        x = s * carry
        y = k * discount
        itm = (w * (x - y) > 0).astype(np.float64)
        atm = x == y
        value = np.maximum(w * (x - y), 0.0)
        zero = np.zeros(np.broadcast_shapes(value.shape, w.shape))
        if black76:
            theta = r * value
            rho = -t * value
            epsilon = zero
            charm = w * r * discount * itm
        else:
            theta = w * (q * x - r * y) * itm
            rho = w * t * y * itm
            epsilon = -w * t * x * itm
            charm = w * q * carry * itm
        out = {
            "price": value + zero,
            "delta": w * carry * itm,
            "gamma": zero,
            "vega": zero,
            "theta": theta + zero,
            "rho": rho + zero,
            "epsilon": epsilon + zero,
            "vanna": zero,
            "volga": zero,
            "charm": charm + zero,
        }
    shape = np.broadcast_shapes(*(v.shape for v in out.values()), atm.shape)
    result = {}
    for name, v in out.items():
        v = np.array(np.broadcast_to(v, shape), dtype=np.float64)
        if name != "price":
            v[np.broadcast_to(atm, shape)] = np.nan
        result[name] = v
    return result


def limit_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call `pricer_rs.<name>` with t = 0 / sigma = 0 elements given their limits (see the
    module). `name`: "price", "greeks", "delta" ... "charm" or "black76_price"; args the
    positional (s, k, r, sigma, t) (or f for Black-76), kwargs q, kind, which, out."""
    import pricer_rs as pr

    if name not in LIMIT_FUNCTIONS:
        raise ValueError(f"at_expiry='limit' is not available for {name}")
    black76 = name == "black76_price"
    names = _ARGS76 if black76 else _ARGS
    kwargs = dict(kwargs)
    kwargs.pop("at_expiry", None)
    values = list(args) + [kwargs.pop(n) for n in names[len(args):] if n in kwargs]
    if len(values) != 5:
        raise TypeError(f"{name}() takes 5 positional arguments {names}, got {len(values)}")
    native = getattr(pr, name)
    sigma = np.asarray(values[3], dtype=np.float64)
    t = np.asarray(values[4], dtype=np.float64)
    zero = (sigma == 0) | (t == 0)

    def call(*a: Any) -> Any:
        return native(*a, **kwargs)

    if not zero.any():
        return call(*values)
    safe = list(values)
    safe[3] = np.where(sigma == 0, _HARMLESS_SIGMA, sigma)
    safe[4] = np.where(t == 0, _HARMLESS_T, t)
    result = call(*safe)
    lim = limits(values[0], values[1], values[2], values[4], q=kwargs.get("q", 0.0),
                 kind=kwargs.get("kind", "call"), black76=black76)
    scalar = all(np.ndim(v) == 0 for v in (*values, kwargs.get("q", 0.0), kwargs.get("kind", "call")))

    def patch(field: str, computed: Any) -> Any:
        if computed is None:
            return None
        target: npt.NDArray[np.float64]
        out = kwargs.get("out")
        if isinstance(out, np.ndarray) and computed is out:
            target = out
        else:
            target = np.array(computed, dtype=np.float64)
        mask = np.broadcast_to(zero, target.shape)
        target[mask] = np.broadcast_to(lim[field], target.shape)[mask]
        return float(target) if scalar else target

    if name == "greeks":
        fields = {f: patch(f, v) for f, v in result.to_dict().items()}
        return pr.Greeks(**fields)
    return patch("price" if name in ("price", "black76_price") else name, result)
