"""pandas and polars users get their own types back (issue 7)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas", reason="pandas is an optional extra: pip install 'pricer_rs[pandas]'")
pl = pytest.importorskip("polars", reason="polars is an optional extra: pip install 'pricer_rs[polars]'")

import pricer_rs as pr


def test_pandas_series_in_series_out_with_the_index() -> None:
    idx = pd.Index(["600519", "000858", "601318"], name="code")
    s = pd.Series([1650.0, 148.0, 52.0], index=idx)
    k = s * pd.Series([1.05, 0.95, 1.0], index=idx)
    out = pr.price(s, k, 0.02, 0.3, 0.5)
    assert isinstance(out, pd.Series)
    assert out.index.equals(idx) and out.name == "price"
    np.testing.assert_array_equal(out.to_numpy(), pr.price(s.to_numpy(), k.to_numpy(), 0.02, 0.3, 0.5))
    vols = pr.implied_vol(out, s, k, 0.02, 0.5)
    assert isinstance(vols, pd.Series) and vols.index.equals(idx)
    np.testing.assert_allclose(vols.to_numpy(), 0.3, rtol=1e-13)


def test_pandas_greeks_are_a_dataframe() -> None:
    frame = pd.DataFrame({"s": [95.0, 100.0, 105.0], "k": 100.0, "kind": ["call", "put", "c"]},
                         index=[10, 20, 30])
    g = pr.greeks(frame["s"], frame["k"], 0.01, 0.2, 1.0, kind=frame["kind"], which=("delta", "gamma"))
    assert isinstance(g, pd.DataFrame)
    assert list(g.columns) == ["delta", "gamma"] and list(g.index) == [10, 20, 30]
    assert g["delta"].iloc[1] < 0 < g["delta"].iloc[0]


def test_pandas_inputs_with_different_indexes_are_refused() -> None:
    a = pd.Series([100.0, 101.0], index=[0, 1])
    b = pd.Series([100.0, 101.0], index=[1, 2])
    with pytest.raises(ValueError, match="different indexes"):
        pr.price(a, b, 0.0, 0.2, 1.0)


def test_pandas_float64_is_read_without_a_copy() -> None:
    s = pd.Series(np.linspace(50, 150, 1000))
    # the numpy view pandas hands over shares the Series' memory
    assert np.shares_memory(s.to_numpy(), s.to_numpy())
    out = pr.price(s, 100.0, 0.0, 0.2, 1.0)
    np.testing.assert_array_equal(out.to_numpy(), pr.price(s.to_numpy(), 100.0, 0.0, 0.2, 1.0))


def test_polars_series_in_series_out() -> None:
    df = pl.DataFrame({"s": [90.0, 100.0, 110.0], "sigma": [0.2, 0.25, 0.3]})
    out = pr.price(df["s"], 100.0, 0.02, df["sigma"], 0.5, kind="put")
    assert isinstance(out, pl.Series) and out.name == "price"
    np.testing.assert_array_equal(out.to_numpy(), pr.price(df["s"].to_numpy(), 100.0, 0.02, df["sigma"].to_numpy(), 0.5, kind="put"))
    g = pr.greeks(df["s"], 100.0, 0.02, df["sigma"], 0.5)
    assert isinstance(g, pl.DataFrame) and g.columns[:2] == ["price", "delta"] and g.height == 3


def test_polars_nulls_stay_null() -> None:
    # the core sees NaN where a Series is null; the answer is null there again (it was NaN,
    # which polars keeps apart from null: drop_nulls kept it)
    s = pl.Series("s", [100.0, None, 110.0])
    out = pr.price(s, 100.0, 0.0, 0.2, 1.0)
    assert out.null_count() == 1 and out.is_null().to_list() == [False, True, False]
    assert np.isfinite(out.to_numpy()[[0, 2]]).all()
    g = pr.greeks(s, 100.0, 0.0, pl.Series([0.2, 0.3, float("nan")]), 1.0)
    assert g["delta"].is_null().to_list() == [False, True, False]
    assert np.isnan(g["delta"][2])  # a NaN input stays NaN, not null
    assert pr.price(pl.Series([None], dtype=pl.Float64), s.fill_null(90.0), 0.0, 0.2, 1.0).null_count() == 3
    # a DataFrame in, a DataFrame out: null in the cells that were null
    table = pl.DataFrame({"x": [100.0, None], "y": [90.0, 110.0]})
    out = pr.price(table, 100.0, 0.0, 0.2, 1.0)
    assert out["x"].is_null().to_list() == [False, True] and out["y"].null_count() == 0
    assert out["y"].to_list() == pr.price(np.array([90.0, 110.0]), 100.0, 0.0, 0.2, 1.0).tolist()
    g = pr.greeks(table, 100.0, 0.0, 0.2, 1.0)
    assert g.delta["x"].is_null().to_list() == [False, True] and g.vega["y"].null_count() == 0


def test_missing_kinds_give_missing_answers() -> None:
    """README: null in, null out (polars), nullable columns read as missing (pandas). A kind
    column with a missing entry raised TypeError (`kind[1] = None`); now that row's answer is
    null (polars) or NaN (pandas), the others as the numpy call gives them."""
    s = np.array([100.0, 100.0, 100.0])
    want = pr.price(s, 100.0, 0.01, 0.2, 1.0, kind=np.array([1, -1, -1]))
    for kinds in (pl.Series(["call", None, "put"]), pl.Series([True, None, False]),
                  pl.Series([1, None, -1]), pl.Series(["c", None, "p"], dtype=pl.Categorical)):
        out = pr.price(pl.Series(s), 100.0, 0.01, 0.2, 1.0, kind=kinds)
        assert out.is_null().to_list() == [False, True, False], kinds
        assert out.to_list()[0] == want[0] and out.to_list()[2] == want[2]
        g = pr.greeks(pl.Series(s), 100.0, 0.01, 0.2, 1.0, kind=kinds)
        assert g["delta"].is_null().to_list() == [False, True, False]
        assert g["delta"][2] < 0 < g["delta"][0]  # put, call
        iv = pr.implied_vol(pl.Series(want), 100.0, 100.0, 0.01, 1.0, kind=kinds)
        assert iv.is_null().to_list() == [False, True, False] and abs(iv[2] - 0.2) < 1e-13
    idx = pd.Index(["a", "b", "c"])
    for kinds in (pd.Series(["call", pd.NA, "put"], dtype="string", index=idx),
                  pd.Series([True, pd.NA, False], dtype="boolean", index=idx),
                  pd.Series([1, pd.NA, -1], dtype="Int64", index=idx),
                  pd.Series(["call", None, "put"], dtype="category", index=idx),
                  pd.Series(["call", None, "put"], dtype=object, index=idx)):
        out = pr.price(pd.Series(s, index=idx), 100.0, 0.01, 0.2, 1.0, kind=kinds)
        assert out.index.equals(idx), kinds
        np.testing.assert_array_equal(out.to_numpy(), [want[0], np.nan, want[2]])
    # the classes' methods read such a kind too (numpy out), and so does implied_vol_reason
    pricer = pr.BlackScholesPricer(r=0.01, sigma=0.2)
    for kinds in (pd.Series(["call", pd.NA, "put"], dtype="string"), pl.Series(["call", None, "put"])):
        np.testing.assert_array_equal(pricer.price(s, 100.0, 1.0, kind=kinds), [want[0], np.nan, want[2]])
        assert np.isnan(pricer.greeks(s, 100.0, 1.0, kind=kinds).delta[1])
        assert list(pr.implied_vol_reason(want, 100.0, 100.0, 0.01, 1.0, kind=kinds)) == [0, 1, 0]
    # a DataFrame of kinds with a missing entry (pandas and polars)
    frame = pd.DataFrame({"a": [100.0, 100.0], "b": [100.0, 100.0]})
    out = pr.price(frame, 100.0, 0.01, 0.2, 1.0, kind=pd.DataFrame({"a": ["call", None], "b": ["put", "call"]}))
    np.testing.assert_array_equal(out.to_numpy(), [[want[0], want[2]], [np.nan, want[0]]])
    out = pr.price(pl.DataFrame({"a": [100.0, 100.0], "b": [100.0, 100.0]}), 100.0, 0.01, 0.2, 1.0,
                   kind=pl.DataFrame({"a": ["call", None], "b": ["put", "call"]}))
    np.testing.assert_array_equal(out.to_numpy(), [[want[0], want[2]], [np.nan, want[0]]])
    assert out["a"].is_null().to_list() == [False, True] and out["b"].null_count() == 0  # polars: null
    # a kind that is present but wrong is still an error naming it
    with pytest.raises(ValueError, match=r"kind\[2\] \(row 'c'\) = 'straddle'"):
        pr.price(pd.Series(s, index=idx), 100.0, 0.01, 0.2, 1.0,
                 kind=pd.Series(["call", None, "straddle"], dtype="string", index=idx))
    # numpy's integers in an object array are kinds, as a scalar np.int64(1) is
    np.testing.assert_array_equal(
        pr.price(s, 100.0, 0.01, 0.2, 1.0, kind=np.array([np.int64(1), np.int32(-1), -1], dtype=object)), want)


def test_mixing_pandas_and_polars_is_refused() -> None:
    with pytest.raises(TypeError, match="mix of pandas and polars"):
        pr.price(pd.Series([100.0]), pl.Series([100.0]), 0.0, 0.2, 1.0)


def test_numpy_users_never_import_pandas_or_polars() -> None:
    code = (
        "import sys, numpy as np, pricer_rs as pr\n"
        "pr.price(np.ones(3) * 100, 100.0, 0.0, 0.2, 1.0); pr.greeks(100.0, 100.0, 0.0, 0.2, 1.0)\n"
        "assert 'pandas' not in sys.modules and 'polars' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pandas_dataframes_and_numpy_broadcasting() -> None:
    # a DataFrame is what numpy.asarray makes a 2-D array of: a result of its shape comes
    # back as a DataFrame on its index and columns
    spots = pd.DataFrame({"a": [90.0, 100.0], "b": [110.0, 120.0]}, index=["x", "y"])
    out = pr.price(spots, 100.0, 0.05, 0.2, 1.0)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == ["x", "y"] and list(out.columns) == ["a", "b"]
    np.testing.assert_array_equal(out.to_numpy(), pr.price(spots.to_numpy(), 100.0, 0.05, 0.2, 1.0))
    # a Series broadcast against a 2-D numpy array: numpy's shape, numpy's result
    s = pd.Series([90.0, 100.0, 110.0])
    grid = pr.price(s.to_numpy()[:, None], s, 0.05, 0.2, 1.0)
    assert isinstance(grid, np.ndarray) and grid.shape == (3, 3)
    np.testing.assert_array_equal(grid, pr.price(s.to_numpy()[:, None], s.to_numpy(), 0.05, 0.2, 1.0))


def test_pandas_labels_that_numpy_would_pair_by_position_are_refused() -> None:
    frame = pd.DataFrame(np.full((3, 3), 100.0), index=list("abc"), columns=list("xyz"))
    by_rows = pd.Series([0.1, 0.2, 0.3], index=list("abc"))
    # numpy would pair the Series with the columns, whatever its index says
    with pytest.raises(ValueError, match="Series mixed with a DataFrame"):
        pr.price(frame, 100.0, 0.01, by_rows, 1.0)
    with pytest.raises(ValueError, match="different columns"):
        pr.price(frame, frame[["z", "y", "x"]], 0.01, 0.2, 1.0)


def test_the_pricer_answers_frames_with_numpy() -> None:
    # the module functions give frames back; the classes' methods numpy arrays (docstring)
    s = pd.Series([95.0, 100.0, 105.0], index=["a", "b", "c"])
    p = pr.BlackScholesPricer(r=0.02, sigma=0.3)
    prices = p.price(s, 100.0, 0.5)
    assert type(prices) is np.ndarray
    vols = p.implied_vol(pd.Series(prices, index=s.index), s, 100.0, 0.5)
    assert type(vols) is np.ndarray
    np.testing.assert_allclose(vols, 0.3, rtol=1e-13)
    assert isinstance(pr.implied_vol(pd.Series(prices, index=s.index), s, 100.0, 0.02, 0.5), pd.Series)


def test_frames_found_by_an_audit() -> None:
    # a DataFrame with nullable columns raised TypeError (object array); as a Series, pd.NA
    # is NaN, and so it is in a DataFrame now
    nullable = pd.DataFrame({"x": [90.0, None], "y": pd.array([1.0, 2.0], dtype="Float64")}, dtype="Float64")
    out = pr.price(nullable, 100.0, 0.02, 0.2, 0.5)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["x", "y"]
    plain = np.array([[90.0, 1.0], [np.nan, 2.0]])
    np.testing.assert_array_equal(out.to_numpy(), pr.price(plain, 100.0, 0.02, 0.2, 0.5))
    # greeks of a DataFrame dropped its labels: a Greeks of DataFrames
    frame = pd.DataFrame({"x": [90.0, 110.0]}, index=["a", "b"])
    g = pr.greeks(frame, 100.0, 0.02, 0.2, 0.5)
    assert isinstance(g.delta, pd.DataFrame) and list(g.delta.index) == ["a", "b"]
    np.testing.assert_array_equal(g.vega.to_numpy(), pr.greeks(frame.to_numpy(), 100.0, 0.02, 0.2, 0.5).vega)
    # polars: the answer's type did not depend on which Series came first
    one, three = pl.Series([100.0]), pl.Series([90.0, 100.0, 110.0])
    for args in ((one, three), (three, one)):
        assert isinstance(pr.price(*args, 0.02, 0.2, 0.5), pl.Series)
        assert isinstance(pr.greeks(*args, 0.02, 0.2, 0.5), pl.DataFrame)


def test_pandas_results_are_not_copied() -> None:
    """The result arrays become the Series' / DataFrame's data (pandas 3 copies an ndarray
    by default: a 1,000,000-row call peaked at twice its output)."""
    import tracemalloc

    s = pd.Series(np.linspace(50, 150, 1_000_000))
    tracemalloc.start()
    try:
        pr.price(s, 100.0, 0.02, 0.2, 0.5)
        _, price_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        pr.greeks(s, 100.0, 0.02, 0.2, 0.5)
        _, greeks_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    output = 8 * len(s)
    assert price_peak < 1.5 * output, price_peak
    assert greeks_peak < 1.5 * 10 * output, greeks_peak


def test_polars_dataframes_like_pandas_ones() -> None:
    # a polars DataFrame came back as an unlabelled (n, 1) or (n, m) ndarray
    frame = pl.DataFrame({"a": [90.0, 100.0], "b": [110.0, 120.0]})
    out = pr.price(frame, 100.0, 0.02, 0.2, 0.5)
    assert isinstance(out, pl.DataFrame) and out.columns == ["a", "b"]
    np.testing.assert_array_equal(out.to_numpy(), pr.price(frame.to_numpy(), 100.0, 0.02, 0.2, 0.5))
    g = pr.greeks(frame, 100.0, 0.02, 0.2, 0.5)
    assert isinstance(g.vega, pl.DataFrame) and g.vega.columns == ["a", "b"]
    with pytest.raises(ValueError, match="Series mixed with a DataFrame"):
        pr.price(frame, pl.Series([1.0, 2.0]), 0.02, 0.2, 0.5)
    with pytest.raises(ValueError, match="different columns"):
        pr.price(frame, frame.rename({"a": "c"}), 0.02, 0.2, 0.5)
