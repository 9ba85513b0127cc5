"""Surface analytics (issue 11): per-tenor statistics and implied-vol error bands."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import pricer_rs as pr

LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def random_surface(seed: int, holes: float = 0.2) -> pr.ImpliedVolSurface:
    rng = np.random.default_rng(seed)
    n_t, n_k = rng.integers(2, 12), rng.integers(3, 40)
    strikes = np.sort(rng.uniform(50, 150, n_k))
    strikes = np.unique(strikes)
    tenors = np.unique(np.sort(rng.uniform(0.02, 3.0, n_t)))
    vols = rng.uniform(0.08, 0.9, (len(tenors), len(strikes)))
    vols[rng.uniform(size=vols.shape) < holes] = np.nan
    return pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.02, q=0.01)


@pytest.mark.parametrize("seed", range(25))
def test_statistics_equal_numpys_nan_functions(seed: int) -> None:
    surf = random_surface(seed)
    vols = surf.vols
    d = surf.describe(quantiles=LEVELS)
    full = ~np.all(np.isnan(vols), axis=1)
    np.testing.assert_array_equal(d.tenor, surf.tenors)
    np.testing.assert_array_equal(d.missing, np.isnan(vols).sum(axis=1))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if not full.all() else _nowarn():
        want_min, want_max = np.nanmin(vols, axis=1), np.nanmax(vols, axis=1)
        want_mean = np.nanmean(vols, axis=1)
        want_q = np.nanquantile(vols, LEVELS, axis=1).T
    np.testing.assert_array_equal(d.min[full], want_min[full])
    np.testing.assert_array_equal(d.max[full], want_max[full])
    np.testing.assert_allclose(d.mean[full], want_mean[full], rtol=1e-15)
    np.testing.assert_allclose(d.quantiles[full], want_q[full], rtol=1e-15, atol=0)
    assert d.quantiles.shape == (len(surf.tenors), len(LEVELS))
    np.testing.assert_array_equal(d.quantile_levels, LEVELS)


class _nowarn:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def test_all_nan_tenor_gives_nan_statistics() -> None:
    vols = np.full((3, 5), 0.2)
    vols[1] = np.nan
    surf = pr.ImpliedVolSurface(100.0, np.linspace(80, 120, 5), [0.25, 0.5, 1.0], vols)
    d = surf.describe()
    for field in (d.min, d.max, d.mean, d.atm_vol, d.skew):
        assert np.isnan(field[1]) and np.isfinite(field[0])
    assert np.all(np.isnan(d.quantiles[1]))
    assert d.missing.tolist() == [0, 5, 0]


def test_atm_vol_and_skew_from_the_interpolant() -> None:
    strikes = np.linspace(80, 120, 41)
    tenors = np.array([0.5, 1.0])
    fwd = 100 * np.exp(0.01 * tenors)[:, None]
    y = np.log(strikes / fwd)
    vols = 0.2 - 0.1 * y  # linear in log-moneyness: skew -0.1, atm 0.2
    d = pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.01).describe()
    np.testing.assert_allclose(d.atm_vol, 0.2, rtol=1e-13)
    np.testing.assert_allclose(d.skew, -0.1, rtol=1e-9)
    np.testing.assert_allclose(d.forward, fwd[:, 0], rtol=1e-15)


def test_first_order_error_matches_a_finite_difference_of_from_prices() -> None:
    strikes = np.linspace(80, 120, 9)
    tenors = np.array([0.25, 1.0])
    vols = 0.2 + 0.3 * np.log(strikes / 100.0) ** 2 + 0.0 * tenors[:, None]
    surf = pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.01)
    prices = surf.price()
    h = 1e-6
    up = pr.ImpliedVolSurface.from_prices(100.0, strikes, tenors, prices + h, r=0.01).vols
    down = pr.ImpliedVolSurface.from_prices(100.0, strikes, tenors, prices - h, r=0.01).vols
    fd = (up - down) / 2  # vol moved by a price error of h
    np.testing.assert_allclose(surf.vol_error(h), fd, rtol=1e-6)


def test_exact_band_agrees_with_first_order_for_small_errors() -> None:
    strikes = np.linspace(70, 130, 13)
    tenors = np.array([0.1, 0.5, 2.0])
    vols = 0.25 + 0.2 * np.log(strikes / 100.0) ** 2 + 0.0 * tenors[:, None]
    surf = pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.02, q=0.01)
    fwd = 100 * np.exp(0.01 * tenors)[:, None]
    calls = strikes >= fwd
    err = 1e-7 * surf.price(kind=calls)
    first = surf.vol_error(err)
    exact = surf.vol_error(err, kind=calls, exact=True)
    np.testing.assert_allclose(exact, first, rtol=1e-6)


def test_exact_band_is_nan_where_a_bound_leaves_the_attainable_range() -> None:
    surf = pr.ImpliedVolSurface(100.0, [60.0, 100.0], [0.1], [[0.2, 0.2]])
    prices = surf.price()
    err = np.array([[2 * prices[0, 0], 1e-6]])  # the far strike's price cannot fall that much
    band = surf.vol_error(err, exact=True)
    assert np.isnan(band[0, 0]) and np.isfinite(band[0, 1])


def test_price_error_is_kept_and_used() -> None:
    strikes, tenors = np.linspace(90, 110, 5), np.array([0.5, 1.0])
    surf0 = pr.ImpliedVolSurface(100.0, strikes, tenors, np.full((2, 5), 0.2))
    assert surf0.price_error is None
    with pytest.raises(ValueError, match="no price_error"):
        surf0.vol_error()
    half_spread = np.full((2, 5), 0.01)
    half_spread[1, 2] = 0.05
    surf = pr.ImpliedVolSurface.from_prices(100.0, strikes, tenors, surf0.price(), price_error=half_spread)
    np.testing.assert_array_equal(surf.price_error, half_spread)
    np.testing.assert_array_equal(surf.vol_error(), surf.vol_error(half_spread))
    scalar = pr.ImpliedVolSurface.from_prices(100.0, strikes, tenors, surf0.price(), price_error=0.02)
    np.testing.assert_array_equal(scalar.price_error, np.full((2, 5), 0.02))
    copy = surf.price_error
    copy[:] = 9.0  # a copy: the surface keeps its own
    assert surf.price_error.max() == 0.05
    back = pickle.loads(pickle.dumps(surf))
    assert back == surf and back != surf0
    np.testing.assert_array_equal(back.price_error, half_spread)
    assert surf.shifted(0.01).price_error is not None
    d = surf.describe_error()
    np.testing.assert_allclose(d.max, np.nanmax(surf.vol_error(), axis=1), rtol=1e-15)


def test_validation() -> None:
    surf = pr.ImpliedVolSurface(100.0, [90.0, 110.0], [1.0], [[0.2, 0.2]])
    with pytest.raises(ValueError, match=r"price_error\[0, 1\] = -1.0"):
        surf.vol_error(np.array([[0.1, -1.0]]))
    with pytest.raises(ValueError, match="price_error has shape"):
        surf.vol_error(np.ones(3))
    with pytest.raises(ValueError, match="not in"):
        surf.describe(quantiles=(0.5, 1.5))
    # kind is checked with the first-order errors too (which do not need it)
    for exact in (False, True):
        with pytest.raises(ValueError, match="kind"):
            surf.vol_error(0.001, kind="x", exact=exact)
        with pytest.raises(ValueError, match="kind"):
            surf.describe_error(0.001, kind=np.array(["call"] * 3), exact=exact)
        # ints +1/-1 are kinds (QuantLib's Option.Call/Put), so 5 is a bad value, 5.5 a bad type
        with pytest.raises(ValueError, match="kind = 5"):
            surf.vol_error(0.001, kind=5, exact=exact)
        with pytest.raises(TypeError, match="kind = 5.5"):
            surf.vol_error(0.001, kind=5.5, exact=exact)


def test_to_dict_and_pandas() -> None:
    pd = pytest.importorskip("pandas", reason="to_pandas() needs the [pandas] extra")
    surf = random_surface(3, holes=0.0)
    d = surf.describe()
    assert set(d.to_dict()) == {"tenor", "forward", "atm_vol", "skew", "min", "max", "mean",
                                "quantiles", "quantile_levels", "missing"}
    frame = d.to_pandas()
    assert isinstance(frame, pd.DataFrame) and frame.index.name == "tenor"
    assert list(frame.columns[-5:]) == ["q0.05", "q0.25", "q0.5", "q0.75", "q0.95"]
    np.testing.assert_array_equal(frame["q0.5"].to_numpy(), d.quantiles[:, 2])


def test_infinite_vol_errors_do_not_crash_describe_error() -> None:
    # vega underflows to 0 at the far strike: the first-order error is +inf there
    surf = pr.ImpliedVolSurface(100.0, [100.0, 300.0], [0.01], [[0.2, 0.1]])
    assert np.isinf(surf.vol_error(0.01)[0, 1])
    d = surf.describe_error(0.01, quantiles=[0.0, 0.5, 1.0])
    assert d.max[0] == np.inf and d.quantiles[0, 2] == np.inf and np.isfinite(d.quantiles[0, 0])


def test_from_prices_kind_must_fit_the_grid() -> None:
    surf = pr.ImpliedVolSurface(100.0, [90.0, 110.0], [1.0], [[0.2, 0.2]])
    with pytest.raises(ValueError, match="does not broadcast to the grid"):
        pr.ImpliedVolSurface.from_prices(100.0, [90.0, 110.0], [1.0], surf.price(),
                                         kind=np.ones((3, 1, 2), dtype=bool))


@pytest.mark.parametrize("seed", range(5))
def test_error_bands_equal_node_by_node_inversions(seed: int) -> None:
    # the grid methods run the vector kernels on the pool; node by node with the scalar
    # per-point functions they must give the same bits (NaN at missing nodes)
    surf = random_surface(seed)
    rng = np.random.default_rng(100 + seed)
    err = rng.uniform(0.0, 0.5, surf.shape)
    kinds = rng.uniform(size=surf.shape) < 0.5
    first = surf.vol_error(err)
    exact = surf.vol_error(err, kind=kinds, exact=True)
    for j, t in enumerate(surf.tenors):
        for i, k in enumerate(surf.strikes):
            sigma = surf.vols[j, i]
            if np.isnan(sigma):
                assert np.isnan(first[j, i]) and np.isnan(exact[j, i])
                continue
            args = (100.0, float(k), 0.02, float(sigma), float(t))
            vega = pr.vega(*args, q=0.01)
            assert first[j, i] == err[j, i] / vega
            kind = "call" if kinds[j, i] else "put"
            p = pr.price(*args, q=0.01, kind=kind)
            up = pr.implied_vol(p + err[j, i], 100.0, float(k), 0.02, float(t), q=0.01, kind=kind)
            down = pr.implied_vol(p - err[j, i], 100.0, float(k), 0.02, float(t), q=0.01, kind=kind)
            want = 0.5 * abs(up - down)
            assert exact[j, i] == want or (np.isnan(want) and np.isnan(exact[j, i]))


def test_results_pickle_and_compare() -> None:
    # Dask and multiprocessing hand results back pickled
    surf = random_surface(3, holes=0.5)
    vols = surf.vols.copy()
    vols[0] = np.nan  # a tenor with no valid node describes as NaN
    surf = pr.ImpliedVolSurface(100.0, surf.strikes, surf.tenors, vols, r=0.02)
    d = surf.describe(quantiles=(0.1, 0.9))
    back = pickle.loads(pickle.dumps(d))
    assert isinstance(back, pr.SurfaceDescription) and back == d
    for name, value in d.to_dict().items():
        np.testing.assert_array_equal(back.to_dict()[name], value, err_msg=name)
    assert d != surf.describe(quantiles=(0.1, 0.8)) and d != "not a description"
    bumped = surf.vols.copy()
    bumped[1, ~np.isnan(bumped[1])] *= 0.5  # total variance falls: calendar violations
    report = pr.ImpliedVolSurface(100.0, surf.strikes, surf.tenors, bumped, r=0.02).check_arbitrage()
    assert not report.ok
    again = pickle.loads(pickle.dumps(report))
    assert isinstance(again, pr.ArbitrageReport) and again == report and again.counts == report.counts
    np.testing.assert_array_equal(again.calendar, report.calendar)
    assert again != surf.check_arbitrage()


def test_describe_of_a_flat_smile_with_many_strikes() -> None:
    """A flat 60,000-strike smile crashed the process (ndarray-stats' quickselect recursed
    once per equal value; describe_error(0.0) made every value equal on any surface) and
    took quadratic time below that; the quantiles now come from each row sorted once."""
    n = 60_000
    surf = pr.ImpliedVolSurface(100.0, np.linspace(50.0, 150.0, n), [0.5, 1.0], np.full((2, n), 0.2))
    d = surf.describe(quantiles=(0.0, 0.3, 1.0))
    np.testing.assert_array_equal(d.quantiles, np.full((2, 3), 0.2))
    e = surf.describe_error(0.0)
    assert np.all(e.quantiles == 0.0) and np.all(e.max == 0.0)
