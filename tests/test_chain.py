"""Option chains to surfaces and back (issue 22, item 1): pricer_rs._chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import pricer_rs as pr
from pricer_rs import _chain

pd = pytest.importorskip("pandas")

SPOT, R = 3.95, 0.018
VALUATION = np.datetime64("2026-12-07")
DAYS = np.array([7, 30, 63, 120, 365, 730])
QS = np.array([0.045, 0.030, 0.024, 0.016, 0.010, 0.004])  # a q per expiry: dividends ahead
STRIKES = np.round(np.arange(3.0, 5.001, 0.05), 2)  # 41 strikes


def smile(k: np.ndarray, f: float, t: float) -> np.ndarray:
    y = np.log(k / f)
    return 0.19 + 0.02 * np.sqrt(t) - 0.12 * y + 0.35 * y * y


def make_chain() -> tuple[dict[str, Any], dict[int, str], np.ndarray]:
    """Columns of a CSI-300-ETF-like chain, the rows corrupted on purpose -> reason, the
    generating forwards per expiry."""
    t_all = DAYS / 365.0
    forwards = SPOT * np.exp((R - QS) * t_all)
    rows: dict[str, list[Any]] = {"expiry": [], "strike": [], "kind": [], "bid": [], "ask": [], "true": [], "vol": []}
    for days, t, q, f in zip(DAYS, t_all, QS, forwards):
        ks = STRIKES if days > 7 else STRIKES[(STRIKES >= 3.6) & (STRIKES <= 4.3)]  # short: wings missing
        vols = smile(ks, f, t)
        for is_call in (True, False):
            p = pr.price(SPOT, ks, R, vols, t, q=q, kind=is_call)
            half = np.minimum(0.002, 0.2 * p)
            rows["expiry"] += [VALUATION + np.timedelta64(int(days), "D")] * len(ks)
            rows["strike"] += ks.tolist()
            rows["kind"] += ["call" if is_call else "put"] * len(ks)
            rows["bid"] += (p - half).tolist()
            rows["ask"] += (p + half).tolist()
            rows["true"] += p.tolist()
            rows["vol"] += vols.tolist()
    cols = {name: np.array(v) for name, v in rows.items()}
    n = len(cols["strike"])
    bad: dict[int, str] = {}

    def row(days: int, k: float, kind: str) -> int:
        exp = VALUATION + np.timedelta64(days, "D")
        return int(np.flatnonzero((cols["expiry"] == exp) & np.isclose(cols["strike"], k) & (cols["kind"] == kind))[0])

    # crossed: an out-of-the-money put (its in-the-money call twin is used instead) and a far call
    for i in (row(63, 3.7, "put"), row(365, 4.8, "call")):
        cols["bid"][i], cols["ask"][i] = cols["ask"][i] + 0.001, cols["bid"][i]
        bad[i] = "crossed"
    # zero bids in the wings
    for i in (row(120, 3.0, "put"), row(730, 5.0, "call")):
        cols["bid"][i] = 0.0
        bad[i] = "zero bid"
    # stale in-the-money quotes under their intrinsic value
    for i in (row(120, 3.5, "call"), row(365, 4.6, "put")):
        k = cols["strike"][i]
        t = DAYS[list(DAYS).index(120 if cols["kind"][i] == "call" else 365)] / 365.0
        f = forwards[list(DAYS).index(int(round(t * 365)))]
        intrinsic = np.exp(-R * t) * abs(f - k)
        cols["bid"][i], cols["ask"][i] = 0.8 * intrinsic, 0.82 * intrinsic
        bad[i] = "below intrinsic"
    # no price
    i = row(30, 3.45, "put")
    cols["ask"][i] = np.nan
    bad[i] = "no price"
    # an expiring row (expiry on the valuation date)
    for name, value in (("expiry", VALUATION), ("strike", 3.95), ("kind", "call"), ("bid", 0.001),
                        ("ask", 0.003), ("true", np.nan), ("vol", np.nan)):
        cols[name] = np.append(cols[name], value)
    bad[n] = "expired"
    return cols, bad, forwards


def frame(cols: dict[str, Any], library: str, date_type: str = "datetime") -> Any:
    data = {k: cols[k] for k in ("expiry", "strike", "kind", "bid", "ask")}
    if library == "pandas":
        if date_type == "date":
            data["expiry"] = [dt.date.fromisoformat(str(d)) for d in data["expiry"]]
        return pd.DataFrame(data, index=[f"row{i}" for i in range(len(data["strike"]))])
    pl = pytest.importorskip("polars")
    out = pl.DataFrame(data)
    if date_type == "date":
        out = out.with_columns(pl.col("expiry").cast(pl.Date))
    return out


def expected_reasons(cols: dict[str, Any], bad: dict[int, str], forwards: np.ndarray) -> dict[int, str]:
    """Every row's expected reason: the corrupted rows', and "not out of the money" for an
    in-the-money quote whose out-of-the-money twin is usable."""
    want = dict(bad)
    t_days = ((cols["expiry"] - VALUATION) / np.timedelta64(1, "D")).astype(int)
    for i in range(len(cols["strike"])):
        if i in want or t_days[i] <= 0:
            continue
        f = forwards[list(DAYS).index(t_days[i])]
        k, is_call = cols["strike"][i], cols["kind"][i] == "call"
        itm = k < f if is_call else k >= f
        twin = np.flatnonzero((t_days == t_days[i]) & (cols["strike"] == k) & (cols["kind"] != cols["kind"][i]))
        if itm and len(twin) and twin[0] not in bad:
            want[i] = "not out of the money"
    return want


@pytest.mark.parametrize(("library", "date_type"), [("pandas", "datetime"), ("pandas", "date"),
                                                    ("polars", "datetime"), ("polars", "date")])
def test_parity_forwards_vols_and_reasons(library: str, date_type: str) -> None:
    cols, bad, forwards = make_chain()
    chain = frame(cols, library, date_type)
    grid = _chain.chain_grid(chain, SPOT, r=R, valuation_date=dt.date(2026, 12, 7))
    # the tenors are ACT/365 from the valuation date; the expiring row is not one
    np.testing.assert_allclose(grid.tenors, DAYS / 365.0, rtol=1e-15)
    # parity-implied forwards and q against the generating ones
    np.testing.assert_allclose(grid.forwards, forwards, rtol=1e-12)
    np.testing.assert_allclose(grid.q, QS, rtol=0, atol=1e-10)
    # every node holds the generating price of the quote used; vols come back
    t = grid.tenors[:, None]
    vols = pr.implied_vol(grid.prices, SPOT, grid.strikes[None, :], R, t, q=grid.q[:, None], kind=grid.is_call)
    truth = smile(grid.strikes[None, :], forwards[:, None], t)
    have = np.isfinite(grid.prices)
    np.testing.assert_allclose(vols[have], truth[have], rtol=1e-8)
    # OTM chosen except where the OTM quote was rejected (crossed put at 63 days, K = 3.7)
    j, i = list(DAYS).index(63), list(grid.strikes).index(3.7)
    assert grid.is_call[j, i]  # the in-the-money call twin, as only it was usable
    otm = grid.strikes[None, :] >= forwards[:, None]
    # the in-the-money twin where the out-of-the-money quote was crossed (2), had a zero bid
    # (2) or no price (1); nowhere else
    assert (grid.is_call != otm)[have].sum() == 5
    # missing nodes: the 7-day expiry has no wings
    assert np.isnan(grid.prices[0, 0]) and np.isnan(grid.prices[0, -1])
    assert np.isfinite(grid.prices[0, list(grid.strikes).index(3.95)])
    # half-spread kept as the price error
    assert grid.price_error is not None
    np.testing.assert_allclose(grid.price_error[have], np.minimum(0.002, 0.2 * grid.prices[have]), rtol=1e-9)
    # reasons, row by row
    want = expected_reasons(cols, bad, forwards)
    got = {i: str(r) for i, r in enumerate(grid.reasons) if r}
    assert got == want


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_from_chain_reports_the_rejected_rows(library: str) -> None:
    cols, bad, forwards = make_chain()
    chain = frame(cols, library)
    surf = _chain.from_chain(pr.ImpliedVolSurface, chain, SPOT, r=R, valuation_date=VALUATION)
    truth = smile(surf.strikes[None, :], forwards[:, None], surf.tenors[:, None])
    have = np.isfinite(surf.vols)
    np.testing.assert_allclose(surf.vols[have], truth[have], rtol=1e-8)
    report = surf.chain_report
    np.testing.assert_allclose(report["forwards"], forwards, rtol=1e-12)
    want = expected_reasons(cols, bad, forwards)
    # the unusable rows under "rejected", the usable in-the-money twins under "unused"
    twins = {i: r for i, r in want.items() if r == "not out of the money"}
    unusable = {i: r for i, r in want.items() if r != "not out of the money"}
    assert twins and unusable
    for key, expected in (("rejected", unusable), ("unused", twins)):
        part = report[key]
        if library == "pandas":
            assert dict(zip(part.index, part["reason"])) == {f"row{i}": r for i, r in expected.items()}
        else:
            assert dict(zip(part["row"].to_list(), part["reason"].to_list())) == expected


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_a_given_q_end_to_end(library: str) -> None:
    # one q for every expiry: runs on builds with scalar-q surfaces too
    q = 0.012
    t = np.array([0.1, 0.25, 0.5, 1.0])
    f = SPOT * np.exp((R - q) * t)
    k = STRIKES
    vols = smile(k[None, :], f[:, None], t[:, None])
    is_call = k[None, :] >= f[:, None]
    prices = pr.price(SPOT, k[None, :], R, vols, t[:, None], q=q, kind=is_call)
    data = {
        "T": np.repeat(t, len(k)),
        "K": np.tile(k, len(t)),
        "cp": np.where(is_call, 1, -1).ravel(),  # QuantLib's +1/-1
        "mid": prices.ravel(),
    }
    chain: Any = pd.DataFrame(data)
    if library == "polars":
        pl = pytest.importorskip("polars")
        chain = pl.DataFrame(data)
    surf = _chain.from_chain(pr.ImpliedVolSurface, chain, SPOT, r=R, q=q, expiry="T", strike="K",
                             kind="cp", price="mid")
    np.testing.assert_allclose(surf.vols, vols, rtol=1e-12)
    assert surf.price_error is None
    np.testing.assert_array_equal(surf.tenors, t)


def test_kind_spellings_and_errors() -> None:
    is_call, known = _chain._is_call(np.array(["Call", "P", "c", "PUT", None], dtype=object))
    assert is_call.tolist() == [True, False, True, False, False] and known.tolist() == [True] * 4 + [False]
    assert _chain._is_call(np.array([True, False]))[0].tolist() == [True, False]
    assert _chain._is_call(np.array([1, -1]))[0].tolist() == [True, False]
    with pytest.raises(ValueError, match="straddle"):
        _chain._is_call(np.array(["call", "straddle"], dtype=object))
    with pytest.raises(ValueError, match=r"\+1"):
        _chain._is_call(np.array([1, 0]))
    chain = pd.DataFrame({"expiry": [np.datetime64("2027-01-01")], "strike": [4.0], "kind": ["c"],
                          "bid": [0.1], "ask": [0.11]})
    with pytest.raises(ValueError, match="valuation_date"):
        _chain.chain_grid(chain, SPOT, r=R)
    with pytest.raises(KeyError, match="'mid'"):
        _chain.chain_grid(chain, SPOT, r=R, q=0.0, price="mid", valuation_date=VALUATION)
    with pytest.raises(TypeError, match="DataFrame"):
        _chain.chain_grid({"strike": [1.0]}, SPOT, r=R)


def test_duplicates_and_price_mode_reasons() -> None:
    chain = pd.DataFrame({
        "expiry": [0.5, 0.5, 0.5, 0.5, 0.0],
        "strike": [4.0, 4.0, 4.2, 4.4, 4.0],
        "kind": ["call", "call", "call", "call", "call"],
        "price": [0.2, 0.21, 0.0, np.nan, 0.1],
    })
    grid = _chain.chain_grid(chain, 4.0, r=R, q=0.0, price="price")
    assert grid.reasons.tolist() == ["", "duplicate", "zero price", "no price", "expired"]
    assert grid.prices.tolist() == [[0.2]] and grid.price_error is None


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_to_chain_round_trips(library: str) -> None:
    if library == "polars":
        pytest.importorskip("polars")
    q = np.array([0.012, 0.02, 0.008, 0.015])  # one per tenor
    t = np.array([0.02, 0.1, 0.5, 2.0])
    f = SPOT * np.exp((R - q) * t)
    vols = smile(STRIKES[None, :], f[:, None], t[:, None])
    vols[0, :3] = np.nan  # missing nodes stay missing
    surf = pr.ImpliedVolSurface(SPOT, STRIKES, t, vols, r=R, q=q)
    # the default: both sides per node, in from_chain's own column names: a plain round trip,
    # the forwards (q) from parity
    chain = surf.to_chain() if library == "pandas" else _chain.to_chain(surf, library="polars")
    assert list(chain.columns) == ["expiry", "strike", "kind", "bid", "ask", "price", "vol"]
    assert len(chain) == 2 * vols.size
    back = pr.ImpliedVolSurface.from_chain(chain, SPOT, r=R)
    assert back.strikes.tolist() == STRIKES.tolist() and back.tenors.tolist() == t.tolist()
    np.testing.assert_allclose(back.vols, vols, rtol=1e-10)
    np.testing.assert_allclose(back.q, q, rtol=1e-9)
    # a price error travels as the spread (where every bid stays above 0)
    near = pr.ImpliedVolSurface(SPOT, STRIKES[15:26], t[1:], vols[1:, 15:26], r=R, q=q[1:], price_error=2e-4)
    spread = pr.ImpliedVolSurface.from_chain(near.to_chain(), SPOT, r=R)
    np.testing.assert_allclose(spread.price_error, 2e-4, rtol=1e-9)
    np.testing.assert_allclose(spread.vols, near.vols, rtol=1e-9)
    # out of the money only, with the dividend yields given per tenor (as surf.q gives them)
    otm = _chain.to_chain(surf, kind=None, library=library)
    kinds = np.asarray(otm["kind"].to_list() if library == "polars" else otm["kind"])
    np.testing.assert_array_equal(kinds == "call", (STRIKES[None, :] >= f[:, None]).ravel())
    want = pr.price(SPOT, STRIKES[None, :], R, vols, t[:, None], q=q[:, None], kind=STRIKES[None, :] >= f[:, None])
    np.testing.assert_array_equal(np.asarray(otm["price"]), want.ravel())
    again = pr.ImpliedVolSurface.from_chain(otm, SPOT, r=R, q=surf.q, price="price")
    np.testing.assert_allclose(again.vols, vols, rtol=1e-12)
    with pytest.raises(ValueError, match="one value per expiry"):
        pr.ImpliedVolSurface.from_chain(otm, SPOT, r=R, q=surf.q[:2], price="price")


def test_to_chain_keeps_the_price_error() -> None:
    strikes = np.array([3.8, 4.0, 4.2])
    t = np.array([0.25, 0.5])
    surf = pr.ImpliedVolSurface(SPOT, strikes, t, np.full((2, 3), 0.2), r=R, q=0.0,
                                price_error=np.array([[1, 2, 3], [4, 5, 6]]) * 1e-4)
    long = _chain.to_chain(surf, kind="put")
    assert (long["kind"] == "put").all()
    np.testing.assert_array_equal(long["price_error"], np.arange(1, 7) * 1e-4)
    np.testing.assert_array_equal(long["price"], pr.price(SPOT, strikes[None, :], R, 0.2, t[:, None], kind="put").ravel())
