"""What mypy infers for results: float for scalars, ndarray once an array, a list or out= is
in (an array result was typed float | ndarray, so `.sum()` did not typecheck)."""

from typing import Literal, assert_type

import numpy as np
import numpy.typing as npt

import pricer_rs as pr

Arr = npt.NDArray[np.float64]
ones = np.ones(3)
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, 0.25), float)
assert_type(pr.price(ones, 100.0, 0.05, 0.2, 0.25), Arr)
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, [0.25, 0.5]), Arr)
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, 0.25, out=np.empty(())), Arr)
assert_type(pr.vega(100.0, ones, 0.05, 0.2, 0.25, q=0.01), Arr)
assert_type(pr.implied_vol(ones, 100.0, 100.0, 0.05, 0.25), Arr)
assert_type(pr.black76_price(100.0, 100.0, 0.05, ones, 0.25, kind="put"), Arr)
pricer = pr.BlackScholesPricer(0.05, 0.2)
assert_type(pricer.price_call(ones, 100.0, 0.25), Arr)
assert_type(pricer.price_call(100.0, 100.0, 0.25), float)
assert_type(pricer.implied_vol(ones, 100.0, 100.0, 0.25), Arr)
print(pr.price(ones, 100.0, 0.05, 0.2, 0.25).sum())
# numpy scalars are real numbers for the classes' scalar arguments too
surface = pr.ImpliedVolSurface(100.0, [90.0, 110.0], [1.0], [[0.2, 0.2]], r=np.float32(0.01))
assert_type(surface.with_spot(np.float32(101.0)), pr.ImpliedVolSurface)
# q and kind choose the result's type as the positional arguments do (typed arrays: mypy
# answers Any for np.array([...]) of an inferred dtype[Any] wherever overloads differ)
calls: npt.NDArray[np.bool_] = np.array([True, False])
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, 0.25, q=ones), Arr)
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, 0.25, kind=["c", "p"]), Arr)
assert_type(pr.delta(100.0, 100.0, 0.05, 0.2, 0.25, kind=calls), Arr)
kind_name: Literal["call", "put"] = "put"  # a plain str is refused: kind="straddle" is an error
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, 0.25, kind=kind_name), float)
assert_type(pr.price(100.0, 100.0, 0.05, 0.2, 0.25, kind=np.True_), float)
assert_type(pricer.price(100.0, 100.0, 0.25, ["call", "put"]), Arr)
# Greeks by its fields: floats for scalars, arrays for arrays, None-able with which=
g = pr.greeks(100.0, 100.0, 0.05, 0.2, 0.25)
assert_type(g, pr.Greeks[float])
delta_in_shares: float = g.delta * 100.0
assert_type(pr.greeks(ones, 100.0, 0.05, 0.2, 0.25).vega, Arr)
assert_type(pr.greeks(100.0, 100.0, 0.05, 0.2, 0.25, which=("delta", "vega")).delta, float | None)
wanted = ["delta", "vega"]  # list[str] to mypy
assert_type(pr.greeks(ones, 100.0, 0.05, 0.2, 0.25, which=wanted).vega, Arr | None)
assert_type(pricer.greeks(100.0, 100.0, 0.25).gamma, float)
assert_type(pricer.greeks_surface(100.0, [90.0, 110.0], [0.5, 1.0]).theta, Arr)
assert_type(surface.greeks(which=("vega",)).vega, Arr | None)
print(np.sum(surface.greeks().vega) / 100.0)
assert_type(surface.describe(quantiles=np.array([0.1, 0.9])), pr.SurfaceDescription)
assert_type(pr.Greeks(price=1.0, delta=0.5), pr.Greeks[float | None])


def scaled(s: float | npt.NDArray[np.float64]) -> float | npt.NDArray[np.float64]:
    # an input typed float | ndarray: fields None-able only with which= (review)
    return pr.greeks(s, 100.0, 0.02, 0.2, 0.5).delta * 100.0


assert_type(pricer.greeks(100.0, 100.0, 0.5, "call", ("delta",)).delta, float | Arr | None)
