"""What mypy infers for results: float for scalars, ndarray once an array, a list or out= is
in (an array result was typed float | ndarray, so `.sum()` did not typecheck)."""

from typing import assert_type

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
