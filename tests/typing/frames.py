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
assert_type(pr.greeks(np.ones(2), 100.0, 0.02, 0.2, 0.5), pr.Greeks)
pricer = pr.BlackScholesPricer(0.02, 0.2)
assert_type(pricer.price_call(spots, 100.0, 0.5), npt.NDArray[np.float64])
