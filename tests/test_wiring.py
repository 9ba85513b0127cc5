"""Issue 22 through the native functions: per-tenor dividend yields on surfaces, the greeks
users name, Black-76 greeks, integer kinds, at_expiry, Greeks displays, describe_error's
own field names. Expected values from closed forms, finite differences or numpy."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import pricer_rs as pr


def test_surfaces_take_one_dividend_yield_per_tenor() -> None:
    spot, r = 4.0, 0.02
    strikes, tenors = np.linspace(3.0, 5.0, 9), np.array([0.1, 0.5, 1.0, 2.0])
    q = np.array([0.00, 0.03, 0.01, 0.02])
    vols = np.full((4, 9), 0.25)
    surf = pr.ImpliedVolSurface(spot, strikes, tenors, vols, r=r, q=q)
    np.testing.assert_array_equal(surf.q, q)
    np.testing.assert_allclose(surf.forwards, spot * np.exp((r - q) * tenors), rtol=1e-15)
    np.testing.assert_array_equal(surf.price(), pr.price(spot, strikes[None, :], r, 0.25, tenors[:, None],
                                                        q=q[:, None]))
    calls = surf.price()
    back = pr.ImpliedVolSurface.from_prices(spot, strikes, tenors, calls, r=r, q=q)
    np.testing.assert_allclose(back.vols, vols, rtol=1e-12)
    assert pickle.loads(pickle.dumps(back)) == back
    # off the grid at a tenor, the tenor's own yield
    assert surf.price_at(4.2, 0.5) == pr.price(spot, 4.2, r, 0.25, 0.5, q=0.03)
    with pytest.raises(ValueError, match="q has 3 values"):
        pr.ImpliedVolSurface(spot, strikes, tenors, vols, r=r, q=q[:3])
    # a scalar q stays a float
    assert isinstance(pr.ImpliedVolSurface(spot, strikes, tenors, vols, q=0.01).q, float)


@pytest.mark.parametrize("name", ["delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm"])
def test_every_greek_has_its_function(name: str) -> None:
    s = np.array([90.0, 100.0, 110.0])
    g = pr.greeks(s, 100.0, 0.03, 0.25, 0.7, q=0.01, kind="put")
    got = getattr(pr, name)(s, 100.0, 0.03, 0.25, 0.7, q=0.01, kind="put")
    np.testing.assert_array_equal(got, getattr(g, name))
    assert getattr(pr, name)(100.0, 100.0, 0.03, 0.25, 0.7) == getattr(pr.greeks(100.0, 100.0, 0.03, 0.25, 0.7), name)


def test_black76_greeks_are_derivatives_of_the_black76_price() -> None:
    f, k, r, sigma, t = 104.0, 100.0, 0.04, 0.3, 0.8
    g = pr.black76_greeks(f, k, r, sigma, t, kind="put")
    price = lambda **d: pr.black76_price(d.get("f", f), k, d.get("r", r), d.get("sigma", sigma),  # noqa: E731
                                         d.get("t", t), kind="put")
    h = 1e-5
    assert g.price == price()
    assert g.delta == pytest.approx((price(f=f + h) - price(f=f - h)) / (2 * h), rel=1e-7)
    assert g.vega == pytest.approx((price(sigma=sigma + h) - price(sigma=sigma - h)) / (2 * h), rel=1e-7)
    assert g.rho == pytest.approx((price(r=r + h) - price(r=r - h)) / (2 * h), rel=1e-6)
    assert g.theta == pytest.approx(-(price(t=t + h) - price(t=t - h)) / (2 * h), rel=1e-6)
    assert g.epsilon is None  # Black-76 has no dividend yield
    # Black-76 rho of the forward price with f fixed is -t V
    assert pr.black76_greeks(f, k, r, sigma, t).rho == pytest.approx(-t * pr.black76_price(f, k, r, sigma, t), rel=1e-13)
    only = pr.black76_greeks(np.array([f, f]), k, r, sigma, t, which=("rho",))
    assert only.delta is None and np.allclose(only.rho, -t * pr.black76_price(f, k, r, sigma, t))


def test_integer_kinds_are_quantlibs_call_and_put() -> None:
    assert pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=1) == pr.price(100.0, 100.0, 0.0, 0.2, 1.0)
    assert pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=-1) == pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind="put")
    both = pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=np.array([1, -1]))
    np.testing.assert_array_equal(both, [pr.price(100.0, 100.0, 0.0, 0.2, 1.0),
                                         pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind="put")])
    with pytest.raises(ValueError, match=r"kind\[1\] = np.int64\(0\)|kind\[1\] = 0"):
        pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=np.array([1, 0]))
    with pytest.raises(ValueError, match="^kind = 2: "):
        pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=2)
    with pytest.raises(TypeError, match="^kind = 1.5: "):
        pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=1.5)


def test_at_expiry_limit_through_the_native_functions() -> None:
    t = np.array([0.0, 0.5, 0.0])
    got = pr.price(np.array([110.0, 100.0, 90.0]), 100.0, 0.02, 0.2, t, at_expiry="limit")
    assert got[0] == 10.0 and got[2] == 0.0
    assert got[1] == pr.price(100.0, 100.0, 0.02, 0.2, 0.5)
    with pytest.raises(ValueError, match="t must be > 0"):
        pr.price(110.0, 100.0, 0.02, 0.2, 0.0)
    with pytest.raises(ValueError, match="at_expiry"):
        pr.price(110.0, 100.0, 0.02, 0.2, 0.5, at_expiry="maybe")
    assert pr.delta(110.0, 100.0, 0.02, 0.2, 0.0, at_expiry="limit") == 1.0
    assert pr.black76_price(104.0, 90.0, 0.0, 0.0, 1.0, at_expiry="limit") == 14.0


def test_greeks_display_and_market_units() -> None:
    pd = pytest.importorskip("pandas")
    g = pr.greeks(np.array([95.0, 105.0]), 100.0, 0.02, 0.25, 0.5)
    frame = g.to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame["delta"]) == list(g.delta)
    assert "<table" in g._repr_html_()
    daily = g.in_units(theta="calendar_day", vega="percent")
    np.testing.assert_allclose(daily.theta, g.theta / 365)
    np.testing.assert_allclose(daily.vega, g.vega / 100)
    np.testing.assert_array_equal(daily.delta, g.delta)


def test_describe_error_uses_its_own_field_names() -> None:
    surf = pr.ImpliedVolSurface(100.0, [90.0, 100.0, 110.0], [0.5, 1.0], np.full((2, 3), 0.2),
                                price_error=0.01)
    d = surf.describe_error()
    assert d.of_error
    vega = pr.vega(100.0, np.array([90.0, 100.0, 110.0]), 0.0, 0.2, np.array([[0.5], [1.0]]))
    assert np.all(d.max == np.max(0.01 / vega, axis=1))
    assert np.all(np.isfinite(d.atm_error)) and np.all(np.isfinite(d.error_skew))
    with pytest.raises(AttributeError, match="atm_error"):
        _ = d.atm_vol
    assert "atm_error" in d.to_dict() and "atm_vol" not in d.to_dict()
    assert not surf.describe().of_error and "atm_vol" in surf.describe().to_dict()
    with pytest.raises(AttributeError):
        _ = surf.describe().atm_error
    assert pickle.loads(pickle.dumps(d)) == d


def test_xarray_arguments_and_surfaces() -> None:
    xr = pytest.importorskip("xarray")
    strikes = xr.DataArray([90.0, 100.0, 110.0], dims="strike", coords={"strike": [90.0, 100.0, 110.0]})
    tenors = xr.DataArray([0.5, 1.0], dims="tenor", coords={"tenor": [0.5, 1.0]})
    out = pr.price(100.0, strikes, 0.02, 0.2, tenors)
    assert isinstance(out, xr.DataArray) and set(out.dims) == {"strike", "tenor"}
    want = pr.price(100.0, np.array([90.0, 100.0, 110.0])[:, None], 0.02, 0.2, np.array([0.5, 1.0])[None, :])
    np.testing.assert_array_equal(out.transpose("strike", "tenor").values, want)
    surf = pr.ImpliedVolSurface(100.0, [90.0, 100.0, 110.0], [0.5, 1.0], np.full((2, 3), 0.2))
    grid = surf.to_xarray()
    assert grid.dims == ("tenor", "strike") and list(grid.coords["tenor"].values) == [0.5, 1.0]
    assert math.isclose(float(grid.sel(tenor=1.0, strike=100.0)), 0.2)


def test_audit_fixes_errors_and_labels() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    import pricer_rs.polars as prpl

    codes = pr.implied_vol_reason(pd.Series([5.0, -1.0], index=["a", "b"]), 100.0, 100.0, 0.0, 1.0)
    assert isinstance(codes, pd.Series) and list(codes.index) == ["a", "b"]
    assert pr.IV_REASONS[int(codes["a"])] == "ok" and int(codes["b"]) != 0
    with pytest.raises(ValueError, match="price has 33 dimensions"):
        pr.implied_vol_reason(np.ones((1,) * 33), 100.0, 100.0, 0.0, 1.0)
    with pytest.raises(TypeError, match=r"surfaces\[0\] must be an ImpliedVolSurface"):
        pr.fit_svi_batch([1, 2])
    chain = pl.DataFrame({"expiry": [0.5, 0.5], "strike": [100.0, 100.0], "kind": ["c", "p"],
                          "bid": [5.0, 4.0], "ask": [5.2, 4.2]})
    with pytest.raises(TypeError, match="LazyFrame"):
        pr.ImpliedVolSurface.from_chain(chain.lazy(), 100.0, r=0.0)
    frame = pl.DataFrame({"s": [110.0, 100.0], "t": [0.0, 0.5]})
    out = frame.select(p=prpl.price("s", 100.0, 0.02, 0.2, "t", at_expiry="limit"))["p"].to_list()
    assert out == [10.0, pr.price(100.0, 100.0, 0.02, 0.2, 0.5)]


def test_chain_report_separates_unusable_rows_from_unused_twins() -> None:
    pd = pytest.importorskip("pandas")
    rows = []
    for k in (90.0, 100.0, 110.0):
        for kind in ("call", "put"):
            p = pr.price(100.0, k, 0.01, 0.2, 0.5, kind=kind)
            rows.append({"expiry": 0.5, "strike": k, "kind": kind, "bid": p - 0.01, "ask": p + 0.01})
    rows.append({"expiry": 0.5, "strike": 105.0, "kind": "call", "bid": 3.0, "ask": 2.0})  # crossed
    surf = pr.ImpliedVolSurface.from_chain(pd.DataFrame(rows), 100.0, r=0.01)
    report = surf.chain_report
    assert report["rejected"]["reason"].tolist() == ["crossed"]
    # in-the-money twins of the out-of-the-money quotes used: usable, listed apart
    assert set(report["unused"]["reason"]) == {"not out of the money"} and len(report["unused"]) == 3


def test_from_chain_q_per_expiry_of_the_chain_survives_screening() -> None:
    """Review: q was matched against the expiries left after screening; with every quote of
    the middle expiry crossed, three values for three expiries were refused."""
    pd = pytest.importorskip("pandas")
    spot, r = 100.0, 0.01
    q = np.array([0.00, 0.05, 0.02])
    rows = []
    for t, qt in zip((0.25, 0.5, 1.0), q):
        for k in (90.0, 100.0, 110.0):
            for kind in ("call", "put"):
                p = pr.price(spot, k, r, 0.2, t, q=qt, kind=kind)
                bid, ask = (p + 0.01, p - 0.01) if t == 0.5 else (p - 0.01, p + 0.01)  # 0.5: crossed
                rows.append({"expiry": t, "strike": k, "kind": kind, "bid": bid, "ask": ask})
    surf = pr.ImpliedVolSurface.from_chain(pd.DataFrame(rows), spot, r=r, q=q)
    assert surf.tenors.tolist() == [0.25, 1.0]
    np.testing.assert_array_equal(surf.q, [0.00, 0.02])  # each expiry its own q
    np.testing.assert_allclose(surf.vols, 0.2, rtol=1e-10)
    # the surviving expiries' q, as surf.q lists them, works too
    again = pr.ImpliedVolSurface.from_chain(pd.DataFrame(rows), spot, r=r, q=surf.q)
    np.testing.assert_array_equal(again.vols, surf.vols)
    with pytest.raises(ValueError, match="3 unexpired expiries"):
        pr.ImpliedVolSurface.from_chain(pd.DataFrame(rows), spot, r=r, q=[0.0, 0.0, 0.0, 0.0])


def test_svi_fit_read_as_a_surface_is_nan_for_nan_time() -> None:
    strikes, tenors = np.linspace(80.0, 120.0, 15), np.array([0.25, 0.5, 1.0])
    x = np.log(strikes[None, :] / 100.0)
    vols = np.sqrt((0.01 * tenors[:, None] + 0.05 * (-0.3 * x + np.sqrt(x * x + 0.01))) / tenors[:, None])
    fit = pr.ImpliedVolSurface(100.0, strikes, tenors, vols).fit_svi()
    got = np.asarray(fit.vol(np.full(3, 100.0), np.array([np.nan, 0.5, 2.0])))
    assert np.isnan(got[0]) and np.isfinite(got[1:]).all()
    assert got[1] == pytest.approx(fit.smiles[1].vol(0.0, 0.5), rel=1e-12)
