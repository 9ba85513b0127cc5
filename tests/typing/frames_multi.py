"""A user script over the public API with numpy, pandas, polars and xarray arguments, several
frame arguments in one call (README's chain["mid"], chain["strike"]): `mypy --strict` and
basedpyright must accept it (tests/test_typing.py; issue 22, item 8)."""

from __future__ import annotations

from typing import Any, Literal, assert_type

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl
import xarray as xr

import pricer_rs as pr
import pricer_rs.polars as prpl

Arr = npt.NDArray[np.float64]

chain = pd.DataFrame({"strike": [3.8, 4.0, 4.2], "mid": [0.231, 0.102, 0.034]},
                     index=pd.Index(["C3800", "C4000", "C4200"], name="contract"))
# README's calls: two pandas columns in one call
chain["iv"] = pr.implied_vol(chain["mid"], 3.95, chain["strike"], 0.018, 0.25)
risk = pr.greeks(3.95, chain["strike"], 0.018, chain["iv"], 0.25, which=("delta", "vega"))
assert_type(pr.price(3.95, chain["strike"], 0.018, chain["iv"], 0.25, kind="put"), Any)
assert_type(pr.delta(3.95, chain["strike"], 0.018, chain["iv"], 0.25, q=chain["mid"]), Any)
assert_type(pr.gamma(3.95, chain["strike"], 0.018, chain["iv"], 0.25), Any)
assert_type(pr.vega(3.95, chain["strike"], 0.018, chain["iv"], 0.25), Any)
assert_type(pr.theta(3.95, chain["strike"], 0.018, chain["iv"], 0.25), Any)
assert_type(pr.rho(3.95, chain["strike"], 0.018, chain["iv"], 0.25), Any)
assert_type(pr.black76_price(chain["strike"], chain["strike"], 0.018, chain["iv"], 0.25), Any)
assert_type(pr.black76_implied_vol(chain["mid"], 3.95, chain["strike"], 0.018, 0.25), Any)
kinds = pd.Series([True, False, True], index=chain.index)
assert_type(pr.price(3.95, chain["strike"], 0.018, 0.2, 0.25, kind=kinds), Any)
assert_type(pr.price(3.95, chain["strike"], 0.018, 0.2, 0.25, at_expiry="limit"), Any)

# polars columns, two at once, and a kind column
pq = pl.DataFrame({"strike": [3.8, 4.0], "mid": [0.23, 0.10], "cp": ["call", "put"]})
assert_type(pr.implied_vol(pq["mid"], 3.95, pq["strike"], 0.018, 0.25, kind=pq["cp"]), Any)
assert_type(pr.greeks(pq["strike"], pq["strike"], 0.018, 0.2, 0.25), Any)

# xarray: DataArrays broadcast by dimension name
strikes = xr.DataArray(np.array([3.8, 4.0, 4.2]), dims=("strike",))
tenors = xr.DataArray(np.array([0.1, 0.5]), dims=("tenor",))
assert_type(pr.price(3.95, strikes, 0.018, 0.2, tenors), Any)
assert_type(pr.greeks(3.95, strikes, 0.018, 0.2, tenors), Any)
assert_type(pr.implied_vol(strikes, 3.95, strikes, 0.018, tenors), Any)

# numpy stays typed by its inputs, kinds as literals, bools or +1/-1
k: Arr = np.array([3.8, 4.0, 4.2])
assert_type(pr.price(3.95, k, 0.018, 0.2, 0.25, kind="p"), Arr)
assert_type(pr.price(3.95, 4.0, 0.018, 0.2, 0.25, kind=-1), float)
assert_type(pr.price(3.95, 4.0, 0.018, 0.2, 0.25, kind=True, at_expiry="raise"), float)
side: Literal["call", "put"] = "call"
assert_type(pr.implied_vol(0.1, 3.95, 4.0, 0.018, 0.25, kind=side), float)
assert_type(pr.greeks(3.95, k, 0.018, 0.2, 0.25), pr.Greeks[Arr])
assert_type(pr.greeks(3.95, 4.0, 0.018, 0.2, 0.25).in_units(theta="calendar_day", vega="percent"), pr.Greeks[float])
g = pr.greeks(3.95, k, 0.018, 0.2, 0.25)
table: Any = g.to_pandas()
flat: Any = g.to_polars()
html: str = g._repr_html_()

# surfaces: chains in and out
surf = pr.ImpliedVolSurface(3.95, k, np.array([0.1, 0.5]), np.full((2, 3), 0.2), r=0.018, q=np.array([0.01, 0.02]))
assert_type(surf.q, float | Arr)
assert_type(surf.forwards, Arr)
quotes = surf.to_chain()
back = pr.ImpliedVolSurface.from_chain(quotes, 3.95, r=0.018, q=0.01, expiry="tenor", price="price")
assert_type(back, pr.ImpliedVolSurface)
report: Any = back.chain_report
long_pd: Any = surf.to_pandas()
long_pl: Any = surf.to_polars()
grid: Any = surf.to_xarray()
fig: Any = surf.plot(kind="heatmap", tenors=[0.1, 0.5])
assert_type(surf.vol(chain["strike"], 0.25), Arr)
pricer = pr.BlackScholesPricer(0.018, 0.2)
assert_type(pricer.price(chain["strike"], chain["strike"], 0.25), Arr)

# polars expressions
lazy = pq.lazy().with_columns(
    iv=prpl.implied_vol(pl.col("mid"), 3.95, "strike", 0.018, 0.25, kind=pl.col("cp")),
    g=prpl.greeks(3.95, "strike", 0.018, 0.2, 0.25, which=("delta", "vega")),
    p=prpl.price(3.95, pl.col("strike"), 0.018, 0.2, 0.25, q=0.01, kind="put"),
    d=prpl.delta(3.95, "strike", 0.018, 0.2, 0.25),
    f=prpl.black76_price(4.0, "strike", 0.018, 0.2, 0.25),
    fv=prpl.black76_implied_vol("mid", 4.0, "strike", 0.018, 0.25),
)
assert_type(prpl.charm(3.95, "strike", 0.018, 0.2, 0.25), pl.Expr)
out: pl.DataFrame = lazy.collect()
