"""ImpliedVolSurface (issue 5)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import pricer_rs as pr

SPOT, R, Q = 4.0, 0.018, 0.012


def smile_grid(n_tenors: int = 6, n_strikes: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    strikes = np.linspace(2.8, 5.2, n_strikes)
    tenors = np.linspace(0.05, 2.0, n_tenors)
    fwd = SPOT * np.exp((R - Q) * tenors)[:, None]
    y = np.log(strikes[None, :] / fwd)
    atm = 0.18 + 0.03 * np.sqrt(tenors)[:, None]
    vols = atm - 0.10 * y + 0.25 * y * y  # a skewed smile, rising term structure
    return strikes, tenors, vols


@pytest.fixture
def surface() -> pr.ImpliedVolSurface:
    strikes, tenors, vols = smile_grid()
    return pr.ImpliedVolSurface(SPOT, strikes, tenors, vols, r=R, q=Q)


def test_round_trip_through_prices(surface: pr.ImpliedVolSurface) -> None:
    strikes, tenors = surface.strikes, surface.tenors
    fwd = SPOT * np.exp((R - Q) * tenors)[:, None]
    calls_above = strikes[None, :] >= fwd  # puts below the forward, calls above
    prices = surface.price(kind=calls_above)
    back = pr.ImpliedVolSurface.from_prices(SPOT, strikes, tenors, prices, r=R, q=Q, kind=calls_above)
    np.testing.assert_allclose(back.vols, surface.vols, rtol=1e-12, atol=0)
    assert back.shape == surface.shape


def test_price_equals_the_broadcast_function(surface: pr.ImpliedVolSurface) -> None:
    want = pr.price(SPOT, surface.strikes[None, :], R, surface.vols, surface.tenors[:, None], q=Q, kind="put")
    np.testing.assert_array_equal(surface.price(kind="put"), want)
    g = surface.greeks(which=("delta", "vega"))
    np.testing.assert_array_equal(
        g.vega, pr.vega(SPOT, surface.strikes[None, :], R, surface.vols, surface.tenors[:, None], q=Q)
    )
    assert g.gamma is None and np.shape(g.delta) == surface.shape


def test_nodes_are_reproduced_exactly(surface: pr.ImpliedVolSurface) -> None:
    k, t = np.meshgrid(surface.strikes, surface.tenors)
    np.testing.assert_array_equal(surface.vol(k, t), surface.vols)
    assert surface.vol(float(surface.strikes[3]), float(surface.tenors[2])) == surface.vols[2, 3]


def test_interpolation_between_nodes_never_overshoots(surface: pr.ImpliedVolSurface) -> None:
    strikes, tenors, vols = surface.strikes, surface.tenors, surface.vols
    for j in (0, 3):
        for i in range(len(strikes) - 1):
            ks = np.linspace(strikes[i], strikes[i + 1], 7)
            v = surface.vol(ks, tenors[j])
            lo, hi = sorted((vols[j, i], vols[j, i + 1]))
            assert np.all((v >= lo - 1e-15) & (v <= hi + 1e-15))
            assert np.all(np.diff(v) >= -1e-15) or np.all(np.diff(v) <= 1e-15)  # monotone
    # along tenor: total variance at fixed log-moneyness moves linearly between tenors
    fwd = lambda t: SPOT * np.exp((R - Q) * t)  # noqa: E731
    t = np.linspace(tenors[1], tenors[2], 9)
    k = 1.05 * fwd(t)  # fixed log-moneyness ln(1.05)
    w = surface.vol(k, t) ** 2 * t
    np.testing.assert_allclose(np.diff(w, 2), 0.0, atol=1e-14)


def test_extrapolation_is_flat(surface: pr.ImpliedVolSurface) -> None:
    strikes, tenors, vols = surface.strikes, surface.tenors, surface.vols
    assert surface.vol(0.5 * strikes[0], tenors[0]) == vols[0, 0]
    assert surface.vol(3.0 * strikes[-1], tenors[-1]) == vols[-1, -1]
    # before the first tenor and after the last: constant vol at fixed log-moneyness
    f = lambda t: SPOT * np.exp((R - Q) * t)  # noqa: E731
    y = np.log(strikes[10] / f(tenors[0]))
    assert surface.vol(f(0.01) * np.exp(y), 0.01) == pytest.approx(vols[0, 10], rel=1e-14)
    y = np.log(strikes[10] / f(tenors[-1]))
    assert surface.vol(f(5.0) * np.exp(y), 5.0) == pytest.approx(vols[-1, 10], rel=1e-14)


def test_missing_nodes_are_skipped(surface: pr.ImpliedVolSurface) -> None:
    vols = surface.vols.copy()
    vols[2, 7] = np.nan
    holed = pr.ImpliedVolSurface(SPOT, surface.strikes, surface.tenors, vols, r=R, q=Q)
    assert np.isnan(holed.price()[2, 7])
    v = holed.vol(surface.strikes[7], surface.tenors[2])
    lo, hi = sorted((vols[2, 6], vols[2, 8]))
    assert lo <= v <= hi
    assert "(1 missing)" in repr(holed)
    everything_missing = vols.copy()
    everything_missing[4, :] = np.nan  # a tenor with no node is skipped along tenor
    s2 = pr.ImpliedVolSurface(SPOT, surface.strikes, surface.tenors, everything_missing, r=R, q=Q)
    assert np.isfinite(s2.vol(4.0, surface.tenors[4]))


def test_off_grid_prices(surface: pr.ImpliedVolSurface) -> None:
    k = np.array([3.33, 4.01, 4.77])
    t = np.array([[0.1], [0.9]])
    got = surface.price_at(k, t, kind="put")
    assert got.shape == (2, 3)
    want = pr.price(SPOT, k, R, surface.vol(k, t), t, q=Q, kind="put")
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match=r"^t\[1, 0\] = -0.5: t must be > 0$"):
        surface.vol(k, np.array([[0.1], [-0.5]]))


def test_injected_violations_are_reported_at_exactly_those_nodes() -> None:
    strikes = np.linspace(70.0, 130.0, 7)  # wide strike steps: a small bump stays local
    tenors = np.array([0.5, 0.52, 1.0, 1.5])
    vols = np.full((4, 7), 0.2)
    clean = pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.01)
    report = clean.check_arbitrage()
    assert report.ok and not report and report.counts == {"calendar": 0, "butterfly": 0, "vertical": 0}
    vols[1, 3] = 0.19  # total variance at T=0.52 falls below T=0.5's: calendar
    vols[3, 4] = 0.60  # a price spike at T=1.5, K=110: not convex in strike
    bad = pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.01)
    report = bad.check_arbitrage()
    assert report.calendar.tolist() == [[1, 3]]
    assert report.butterfly.tolist() == [[3, 4]]
    # the spike also makes the call price rise from K=100 to K=110, then fall to K=120 by
    # more than the discounted strike step: both vertical spreads are broken
    assert report.vertical.tolist() == [[3, 4], [3, 5]]
    assert not report.ok and bool(report)
    assert "calendar=1" in repr(report)


def test_flat_surfaces_with_calls_far_above_spot_are_clean() -> None:
    # with q = -0.3 and t = 50 call prices reach 3e6 spot, and their roundings exceeded the
    # price tolerance of 1e-11 spot: a flat surface showed 138 butterflies and 109 vertical
    # spreads (surface audit); the tolerance follows the calls' level S e^{-qt}
    flat = pr.ImpliedVolSurface(100.0, np.linspace(1.0, 400.0, 400), [1.0, 50.0],
                                np.full((2, 400), 0.2), r=0.0, q=-0.3)
    assert flat.check_arbitrage().counts == {"calendar": 0, "butterfly": 0, "vertical": 0}
    # a real violation is still seen (at the money of the first tenor: F = 135)
    vols = np.full((2, 400), 0.2)
    vols[0, 134] = 0.3
    assert flat.shifted(vols - 0.2).check_arbitrage().butterfly.tolist() == [[0, 134]]


def test_shifted_and_with_spot_return_new_surfaces(surface: pr.ImpliedVolSurface) -> None:
    up = surface.shifted(0.01)
    np.testing.assert_allclose(up.vols, surface.vols + 0.01, rtol=0, atol=1e-16)
    bump = np.zeros(surface.shape)
    bump[1, 2] = 0.05
    np.testing.assert_array_equal(surface.shifted(bump).vols, surface.vols + bump)
    assert surface.with_spot(4.2).spot == 4.2 and surface.spot == SPOT
    np.testing.assert_array_equal(surface.with_spot(4.2).vols, surface.vols)
    with pytest.raises(ValueError, match=r"^dvol = -1.0 makes the vol at node \[0, 0\]"):
        surface.shifted(-1.0)
    bad = np.zeros(surface.shape)
    bad[1, 2] = -5.0
    with pytest.raises(ValueError, match=r"^dvol\[1, 2\] = -5.0 makes the vol at node \[1, 2\]"):
        surface.shifted(bad)
    along_strikes = np.zeros(surface.shape[1])
    along_strikes[2] = -5.0  # one value per strike, broadcast down the tenors
    with pytest.raises(ValueError, match=r"^dvol\[2\] = -5.0 makes the vol at node \[0, 2\]"):
        surface.shifted(along_strikes)
    with pytest.raises(ValueError, match="dvol has shape"):
        surface.shifted(np.zeros((2, 2)))


def test_frozen_and_read_only(surface: pr.ImpliedVolSurface) -> None:
    v = surface.vols
    v[:] = 99.0
    assert surface.vols.max() < 1.0  # a copy: the surface is unchanged
    with pytest.raises(AttributeError):
        surface.spot = 5.0  # type: ignore[misc]


def test_pickle_round_trips_exactly(surface: pr.ImpliedVolSurface) -> None:
    vols = surface.vols.copy()
    vols[0, 0] = np.nan
    s = pr.ImpliedVolSurface(SPOT, surface.strikes, surface.tenors, vols, r=R, q=Q)
    back = pickle.loads(pickle.dumps(s))
    assert back == s
    np.testing.assert_array_equal(back.vols, s.vols)
    assert (back.spot, back.r, back.q) == (s.spot, s.r, s.q)


@pytest.mark.parametrize("args, message", [
    ((4.0, [3.0, 2.0], [1.0], [[0.2, 0.2]]), "strikes must be strictly increasing"),
    ((4.0, [3.0, 4.0], [0.0], [[0.2, 0.2]]), r"tenors\[0\] = 0.0: tenors must be finite and > 0"),
    ((4.0, [3.0, 4.0], [1.0, 0.5], [[0.2, 0.2], [0.2, 0.2]]), "tenors must be strictly increasing"),
    ((4.0, [3.0, 4.0], [1.0], [[0.2, -0.2]]), r"vols\[0, 1\] = -0.2"),
    ((4.0, [3.0, 4.0], [1.0], [[0.2, 0.2, 0.2]]), r"vols has shape \(1, 3\)"),
    ((4.0, [3.0, 4.0], [1.0], [0.2, 0.2]), "vols must be 2-D"),
    ((4.0, [[3.0, 4.0]], [1.0], [[0.2, 0.2]]), "strikes must be 1-D"),
    ((-4.0, [3.0, 4.0], [1.0], [[0.2, 0.2]]), "spot"),
])
def test_validation(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pr.ImpliedVolSurface(*args)


def test_notebook_conveniences(surface: pr.ImpliedVolSurface) -> None:
    pytest.importorskip("pandas", reason="to_pandas() needs the [pandas] extra")
    text = repr(surface)
    assert "6 tenors" in text and "25 strikes" in text
    html = surface._repr_html_()
    assert html.count("<tr>") == 7 and "&hellip;" in html  # 6 tenors + header; strikes elided
    frame = surface.to_pandas()
    assert list(frame.columns) == ["tenor", "strike", "forward", "log_moneyness", "vol", "total_variance"]
    assert len(frame) == 6 * 25
    np.testing.assert_array_equal(frame["vol"].to_numpy(), surface.vols.ravel())


def test_plot_returns_a_figure(surface: pr.ImpliedVolSurface, tmp_path: object) -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="plot() needs the [plot] extra")

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = surface.plot()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # smiles, heatmap, colour bar
    assert len(fig.axes[0].lines) == 6


def test_repr_of_a_surface_without_valid_nodes() -> None:
    # every price above the bound: every node missing (the repr showed 'vols inf..-inf')
    surf = pr.ImpliedVolSurface.from_prices(100.0, [90.0, 110.0], [1.0], [[500.0, 500.0]])
    assert "vols all missing" in repr(surf) and "inf" not in repr(surf)
    partly = pr.ImpliedVolSurface.from_prices(100.0, [90.0, 110.0], [1.0], [[500.0, 5.0]])
    assert "(1 missing)" in repr(partly)


def chain_like_surface() -> pr.ImpliedVolSurface:
    """Expiries from 7 days to 2 years; the 7-day smile has no wings."""
    strikes = np.linspace(3.0, 5.0, 41)
    tenors = np.array([7, 30, 63, 120, 365, 730]) / 365
    vols = 0.18 + 0.02 * np.sqrt(tenors)[:, None] + 0.1 * (strikes[None, :] - 3.95) ** 2
    vols[0, :12] = np.nan
    vols[0, 25:] = np.nan
    return pr.ImpliedVolSurface(3.95, strikes, tenors, vols, r=R, q=Q)


def test_heatmap_rows_sit_at_their_true_tenors() -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="plot() needs the [plot] extra")
    matplotlib.use("Agg")
    from matplotlib.collections import QuadMesh

    surf = chain_like_surface()
    fig = surf.plot()
    heat = fig.axes[1]
    (mesh,) = [c for c in heat.collections if isinstance(c, QuadMesh)]
    coords = mesh.get_coordinates()  # (rows + 1, cols + 1, 2) cell corners
    y_edges = coords[:, 0, 1]
    centres = 0.5 * (y_edges[1:] + y_edges[:-1])
    tenors = surf.tenors
    # each row's cell contains its own tenor and no other; the 30-day row sits near 30 days
    assert np.all((y_edges[:-1] <= tenors) & (tenors <= y_edges[1:]))
    assert abs(centres[1] - 30 / 365) < 0.05 and abs(centres[4] - 1.0) < 0.3
    x_edges = coords[0, :, 0]
    assert np.all((x_edges[:-1] < surf.strikes) & (surf.strikes < x_edges[1:]))
    # missing nodes are masked, not drawn
    data = mesh.get_array()
    assert np.ma.count_masked(data) == int(np.isnan(surf.vols).sum())
    assert fig.axes[2].get_ylabel() == "implied vol (%)"  # the colour bar
    assert "spot 3.95" in fig.get_suptitle()


def test_plot_selects_tenors_and_strikes_by_value() -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="plot() needs the [plot] extra")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    surf = chain_like_surface()
    fig = surf.plot(kind="smiles", tenors=[0.09, 1.0], strikes=[3.8, 3.9, 4.0, 4.1])
    (axis,) = fig.axes
    labels = [line.get_label() for line in axis.lines]
    assert labels == ["T = 0.0822", "T = 1"]  # 30 days (nearest 0.09) and 1 year
    assert all(len(line.get_xdata()) == 4 for line in axis.lines)
    fig2, axes = plt.subplots(1, 2)
    assert surf.plot(ax=axes, tenors=[1.0, 2.0]) is fig2
    with pytest.raises(ValueError, match="kind"):
        surf.plot(kind="surface")


def test_html_table_shows_the_nodes_around_the_money() -> None:
    surf = chain_like_surface()
    text = surf._repr_html_()
    first_row = text.split("<tbody>")[1].split("</tr>")[0]
    # the 7-day smile has quotes only around the money: shown, not all missing
    assert first_row.count("&ndash;") == 0 and "<b>" in first_row
    assert "<th>3.95</th>" in text and "<th>3</th>" not in text


def test_to_pandas_and_to_polars_long_format(surface: pr.ImpliedVolSurface) -> None:
    pd = pytest.importorskip("pandas")
    fitted = pr.ImpliedVolSurface(SPOT, surface.strikes, surface.tenors, surface.vols, r=R, q=Q,
                                  price_error=0.001)
    from pricer_rs import _surface

    frame = _surface.to_pandas(fitted)
    assert isinstance(frame, pd.DataFrame) and frame["price_error"].eq(0.001).all()
    np.testing.assert_allclose(frame["forward"], SPOT * np.exp((R - Q) * frame["tenor"]), rtol=1e-15)
    pl = pytest.importorskip("polars")
    table = _surface.to_polars(fitted)
    assert isinstance(table, pl.DataFrame) and table.columns == list(frame.columns)
    np.testing.assert_array_equal(table["vol"].to_numpy(), surface.vols.ravel())


def test_plot_title_carries_the_valuation_date_of_a_chain_report() -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="plot() needs the [plot] extra")
    matplotlib.use("Agg")
    import datetime as dt

    from pricer_rs import _surface

    class WithReport:  # a surface made by from_chain carries its report
        def __init__(self, surface: pr.ImpliedVolSurface) -> None:
            self._surface = surface
            self.chain_report = {"valuation_date": dt.date(2026, 12, 7)}

        def __getattr__(self, name: str) -> object:
            return getattr(self._surface, name)

    fig = _surface.plot(WithReport(chain_like_surface()), kind="heatmap")  # type: ignore[arg-type]
    assert fig.get_suptitle() == "spot 3.95, valued 2026-12-07"
