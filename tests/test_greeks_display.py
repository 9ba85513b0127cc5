"""Greeks to pandas / polars / HTML, and market units (issue 22, item 4): pricer_rs._greeks."""

from __future__ import annotations

import numpy as np
import pytest

import pricer_rs as pr
from pricer_rs import _greeks

S, K, R, SIG, T, Q = 4.0, np.array([3.8, 4.0, 4.2]), 0.02, 0.25, 0.5, 0.01


def test_to_pandas_layouts() -> None:
    pd = pytest.importorskip("pandas")
    scalar = pr.greeks(4.0, 4.1, R, SIG, T, which=("delta", "vega"))
    series = _greeks.to_pandas(scalar)
    assert isinstance(series, pd.Series) and list(series.index) == ["delta", "vega"]
    assert series["vega"] == scalar.vega
    g = pr.greeks(S, K, R, SIG, T, q=Q)
    frame = _greeks.to_pandas(g)
    assert list(frame.columns) == list(_greeks.FIELDS) and len(frame) == 3
    np.testing.assert_array_equal(frame["charm"], g.charm)
    grid = pr.greeks(S, K[None, :], R, SIG, np.array([0.25, 0.5])[:, None], which=("price",))
    table = _greeks.to_pandas(grid)
    assert table.index.names == ["i0", "i1"] and list(table.columns) == ["price"]
    assert table.loc[(1, 2), "price"] == grid.price[1, 2]


def test_to_polars_layouts() -> None:
    pl = pytest.importorskip("polars")
    one = _greeks.to_polars(pr.greeks(4.0, 4.1, R, SIG, T))
    assert one.shape == (1, 10) and one["gamma"][0] == pr.gamma(4.0, 4.1, R, SIG, T)
    grid = pr.greeks(S, K[None, :], R, SIG, np.array([0.25, 0.5])[:, None], which=("delta", "theta"))
    flat = _greeks.to_polars(grid)
    assert isinstance(flat, pl.DataFrame) and flat.columns == ["delta", "theta"] and flat.height == 6
    np.testing.assert_array_equal(flat["theta"].to_numpy(), grid.theta.ravel())  # C order


def test_repr_html() -> None:
    text = _greeks.repr_html(pr.greeks(4.0, 4.1, R, SIG, T, which=("delta", "vega")))
    assert "<table>" in text and "<th>delta</th>" in text and "<th>gamma</th>" not in text
    assert f"{pr.delta(4.0, 4.1, R, SIG, T):.6g}" in text
    big = _greeks.repr_html(pr.greeks(np.linspace(3, 5, 100), 4.0, R, SIG, T, which="price"))
    assert "&hellip;" in big and big.count("<tr>") == 1 + 11  # header, 5 + ellipsis + 5


def test_in_units_scales_exactly_the_documented_fields() -> None:
    g = pr.greeks(S, K, R, SIG, T, q=Q)
    same = _greeks.in_units(g)
    for name in _greeks.FIELDS:
        np.testing.assert_array_equal(getattr(same, name), getattr(g, name))
    m = _greeks.in_units(g, theta="calendar_day", vega="percent", rho="percent")
    for name, factor in (("price", 1), ("delta", 1), ("gamma", 1), ("theta", 1 / 365), ("charm", 1 / 365),
                         ("vega", 0.01), ("vanna", 0.01), ("volga", 1e-4), ("rho", 0.01), ("epsilon", 0.01)):
        np.testing.assert_allclose(getattr(m, name), getattr(g, name) * factor, rtol=1e-15, err_msg=name)
    td = _greeks.in_units(g, theta="trading_day", trading_days=250)
    np.testing.assert_allclose(td.theta, g.theta / 250, rtol=1e-15)
    # the meaning, checked independently: vega per 1 % is the price change for +1 vol point
    # (to first order), theta per calendar day the value lost over one day
    up = pr.price(S, K, R, SIG + 1e-4, T, q=Q)
    down = pr.price(S, K, R, SIG - 1e-4, T, q=Q)
    np.testing.assert_allclose(m.vega, (up - down) / 2e-4 / 100, rtol=1e-6)
    day = 1 / 365
    np.testing.assert_allclose(m.theta, (pr.price(S, K, R, SIG, T - 1e-4, q=Q) - pr.price(S, K, R, SIG, T + 1e-4, q=Q))
                               / 2e-4 * day, rtol=1e-5)
    # a subset stays a subset
    sub = _greeks.in_units(pr.greeks(4.0, 4.1, R, SIG, T, which=("vega",)), vega="percent")
    assert sub.delta is None and sub.vega == pytest.approx(pr.vega(4.0, 4.1, R, SIG, T) / 100, rel=1e-15)
    with pytest.raises(ValueError, match="calendar_day"):
        _greeks.in_units(g, theta="day")
