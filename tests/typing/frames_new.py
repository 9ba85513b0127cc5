"""The functions issue 22 adds to the package root (the lead's build exports them): mypy
--strict and basedpyright accept calls with frames, numpy and scalars."""

from __future__ import annotations

from typing import Any, assert_type

import numpy as np
import numpy.typing as npt
import pandas as pd

import pricer_rs as pr

Arr = npt.NDArray[np.float64]
chain = pd.DataFrame({"strike": [3.8, 4.0], "mid": [0.23, 0.10], "iv": [0.2, 0.21]})
k: Arr = np.array([3.8, 4.0])
for fn in (pr.epsilon, pr.vanna, pr.volga, pr.charm):
    assert_type(fn(3.95, k, 0.018, 0.2, 0.25), Arr)
    assert_type(fn(3.95, chain["strike"], 0.018, chain["iv"], 0.25), Any)
assert_type(pr.charm(3.95, 4.0, 0.018, 0.2, 0.0, at_expiry="limit"), float)
assert_type(pr.black76_greeks(4.0, k, 0.018, 0.2, 0.25), pr.Greeks[Arr])
assert_type(pr.black76_greeks(4.0, 4.0, 0.018, 0.2, 0.25), pr.Greeks[float])
assert_type(pr.black76_greeks(chain["strike"], chain["strike"], 0.018, 0.2, 0.25), Any)
codes: npt.NDArray[np.int8] = pr.implied_vol_reason(chain["mid"], 3.95, chain["strike"], 0.018, 0.25)
text: str = pr.IV_REASONS[int(codes[0])]
