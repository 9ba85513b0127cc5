"""pandas and polars objects typecheck where the functions take them (polars ships its own
types; pandas without pandas-stubs is Any to mypy, which every overload accepts): the
module functions answer in the frame's library (Any here), the classes' methods with numpy."""

from typing import Any, assert_type

import numpy as np
import numpy.typing as npt
import polars as pl

import pricer_rs as pr

spots = pl.Series([90.0, 100.0])
assert_type(pr.price(spots, 100.0, 0.02, 0.2, 0.5), Any)
assert_type(pr.implied_vol(1.0, spots, 100.0, 0.02, 0.5), Any)
assert_type(pr.greeks(spots, 100.0, 0.02, 0.2, 0.5), Any)
assert_type(pr.greeks(np.ones(2), 100.0, 0.02, 0.2, 0.5), pr.Greeks[npt.NDArray[np.float64]])
pricer = pr.BlackScholesPricer(0.02, 0.2)
assert_type(pricer.price_call(spots, 100.0, 0.5), npt.NDArray[np.float64])
assert_type(pr.price(100.0, 100.0, 0.02, 0.2, 0.5, q=pl.Series([0.0, 0.01])), Any)
assert_type(pr.price(100.0, 100.0, 0.02, 0.2, 0.5, kind=pl.Series([True, False])), Any)
# the classes take frames wherever they take arrays (README), and answer with numpy
assert_type(pricer.greeks(spots, 100.0, 0.5), pr.Greeks[npt.NDArray[np.float64]])
assert_type(pricer.price_surface(100.0, spots, pl.Series([0.5, 1.0])), npt.NDArray[np.float64])
surface = pr.ImpliedVolSurface(100.0, spots, pl.Series([0.5, 1.0]), np.full((2, 2), 0.2))
assert_type(surface.greeks().vega, npt.NDArray[np.float64])
