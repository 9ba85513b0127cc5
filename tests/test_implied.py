"""Implied volatility (issue 4): the reference round trip, NaN cases, random round trips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pricer_rs as pr
from mp_reference import mp_greeks, mp_price, price_at_or_below_intrinsic

EPS = 2.0**-52
HALF = 1500


@pytest.fixture(scope="module")
def ref(reference_csv: Path) -> dict[str, npt.NDArray[np.float64]]:
    data = np.genfromtxt(reference_csv, delimiter=",", names=True, dtype=None, encoding="utf-8")
    cols = {n: np.asarray(data[n], dtype=np.float64) for n in data.dtype.names if n != "kind"}
    cols["is_call"] = np.asarray(data["kind"] == "call", dtype=np.float64)
    return cols


def test_reference_round_trip(ref: dict[str, npt.NDArray[np.float64]]) -> None:
    """Invert every reference price >= 1e-300 with vega > 0; error in units of what the
    float64 rounding of the price permits: e = |sigma_found - sigma| / (eps (sigma + P/vega))."""
    mask = (ref["price"] >= 1e-300) & (ref["vega"] > 0)
    p, sig, vega = ref["price"][mask], ref["sigma"][mask], ref["vega"][mask]
    found = pr.implied_vol(p, ref["S"][mask], ref["K"][mask], ref["r"][mask], ref["t"][mask],
                           q=ref["q"][mask], kind=ref["is_call"][mask] > 0)
    assert isinstance(found, np.ndarray)
    rows = np.flatnonzero(mask)
    # a price at or below its intrinsic value, exactly (mpmath, from the float64 inputs),
    # has no volatility: deep in-the-money rows whose time value (vega down to 1e-47) is
    # far below the rounding of the price land there about half the time (issue 21)
    at_intrinsic = np.array([_at_or_below_intrinsic(ref, int(m)) for m in rows])
    assert np.all(np.isnan(found[at_intrinsic])), f"a vol for rows {rows[at_intrinsic & ~np.isnan(found)][:10]}"
    assert not np.any(np.isnan(found[~at_intrinsic])), f"NaN on rows {rows[np.isnan(found) & ~at_intrinsic][:10]}"
    print(f"implied vol: {at_intrinsic.sum()} reference prices at or below their intrinsic value give NaN")
    assert at_intrinsic.sum() < 120  # deep in-the-money rows only, not a blanket refusal
    found, p, sig, vega, rows = (a[~at_intrinsic] for a in (found, p, sig, vega, rows))
    with np.errstate(over="ignore"):  # p / vega is inf where vega is subnormal: e = 0 there
        e = np.abs(found - sig) / (EPS * (sig + p / vega))
    for label, part in (("realistic", rows < HALF), ("extreme", rows >= HALF)):
        worst = int(np.argmax(np.where(part, e, -1)))
        print(f"implied vol {label:>9}: {part.sum()} rows, median e {np.median(e[part]):.3g}, "
              f"max e {e[worst]:.3g} at row {rows[worst]}")
        assert np.median(e[part]) <= 1.0
        assert e[part].max() <= 16.0


def _at_or_below_intrinsic(ref: dict[str, npt.NDArray[np.float64]], m: int) -> bool:
    return price_at_or_below_intrinsic(float(ref["price"][m]), float(ref["S"][m]), float(ref["K"][m]),
                                        float(ref["r"][m]), float(ref["q"][m]), float(ref["t"][m]),
                                        bool(ref["is_call"][m] > 0))


@pytest.mark.parametrize("kind", ["call", "put"])
def test_prices_no_volatility_reproduces_give_nan(kind: str) -> None:
    s, k, r, q, t = 100.0, 90.0, 0.03, 0.01, 1.0
    fwd, disc_k = s * math.exp(-q * t), k * math.exp(-r * t)
    intrinsic = max(fwd - disc_k, 0.0) if kind == "call" else max(disc_k - fwd, 0.0)
    upper = fwd if kind == "call" else disc_k
    good = pr.price(s, k, r, 0.25, t, q=q, kind=kind)
    prices = np.array([good, intrinsic - 0.01, -1.0, upper, upper * 1.1, np.inf, np.nan])
    vols = pr.implied_vol(prices, s, k, r, t, q=q, kind=kind)
    assert vols[0] == pytest.approx(0.25, rel=1e-14)
    assert np.all(np.isnan(vols[1:]))


def test_a_zero_price_is_no_volatility() -> None:
    """A zero price is the limit sigma -> 0, which no volatility > 0 reaches: NaN (it was
    0.0, which the pricer refuses, so a round trip of prices that had underflowed to 0
    raised for the whole batch), per point, in arrays, from the class and for Black-76, as
    from_prices makes such a node missing."""
    k = np.array([150.0, 100.0, 60.0])  # out of the money, at the money (calls and puts)
    kinds = np.array([["call"], ["put"]])
    zero = np.zeros((2, 3))
    assert np.all(np.isnan(pr.implied_vol(zero, 100.0, k, 0.0, 1.0, kind=kinds)))
    assert np.all(np.isnan(pr.implied_vol(np.zeros(40), 100.0, 150.0, 0.01, 1.0)))
    assert math.isnan(pr.implied_vol(0.0, 100.0, 150.0, 0.0, 1.0))
    assert math.isnan(pr.BlackScholesPricer(0.0, 0.2).implied_vol(0.0, 100.0, 100.0, 1.0))
    assert math.isnan(pr.black76_implied_vol(0.0, 100.0, 150.0, 0.0, 1.0))
    assert np.isnan(pr.ImpliedVolSurface.from_prices(100.0, [100.0, 150.0], [1.0], [[5.0, 0.0]]).vols[0, 1])
    # prices of tiny vols that underflowed to 0 give NaN, which prices back to NaN
    sigma = np.array([0.01, 0.2])
    p = pr.price(100.0, 160.0, 0.0, sigma, 0.05)
    assert p[0] == 0.0 and p[1] > 0.0
    back = pr.price(100.0, 160.0, 0.0, pr.implied_vol(p, 100.0, 160.0, 0.0, 0.05), 0.05)
    assert np.isnan(back[0]) and back[1] == pytest.approx(p[1], rel=1e-12)


def test_domain_errors_and_scalars() -> None:
    assert isinstance(pr.implied_vol(4.6149971296028625, 100.0, 100.0, 0.05, 0.25), float)
    assert pr.implied_vol(4.6149971296028625, 100.0, 100.0, 0.05, 0.25) == pytest.approx(0.2, rel=1e-15)
    with pytest.raises(ValueError, match=r"^t\[1\] = 0.0: t must be > 0$"):
        pr.implied_vol(5.0, 100.0, 100.0, 0.05, [0.25, 0.0])
    with pytest.raises(ValueError, match=r"^s = -1.0: s must be > 0$"):
        pr.implied_vol(5.0, -1.0, 100.0, 0.05, 0.25)
    with pytest.raises(TypeError, match="^price"):
        pr.implied_vol("5", 100.0, 100.0, 0.05, 0.25)


def test_puts_deep_in_the_money_invert_directly() -> None:
    k = np.array([130.0, 150.0, 200.0])
    p = pr.price(100.0, k, 0.02, 0.3, 0.5, kind="put")
    vega = pr.vega(100.0, k, 0.02, 0.3, 0.5, kind="put")
    found = pr.implied_vol(p, 100.0, k, 0.02, 0.5, kind="put")
    # as accurate as the price's rounding allows (8 ulps of the price, in vol)
    np.testing.assert_array_less(np.abs(found - 0.3), 8 * EPS * (0.3 + p / vega))
    # so deep that the time value is below the price's last bit: any answer but NaN
    deep = pr.price(100.0, 1000.0, 0.02, 0.3, 0.5, kind="put")
    assert not math.isnan(pr.implied_vol(deep, 100.0, 1000.0, 0.02, 0.5, kind="put"))


def test_black76_and_pricer_methods() -> None:
    f = np.array([90.0, 100.0, 110.0])
    prices = pr.black76_price(f, 100.0, 0.04, 0.35, 0.75, kind="put")
    np.testing.assert_allclose(pr.black76_implied_vol(prices, f, 100.0, 0.04, 0.75, kind="put"), 0.35, rtol=1e-13)
    pricer = pr.BlackScholesPricer(r=0.03, sigma=0.2, q=0.01)
    p = pricer.price_put(100.0, 105.0, 0.5)
    other = pr.BlackScholesPricer(r=0.03, sigma=0.9, q=0.01)
    assert other.implied_vol(p, 100.0, 105.0, 0.5, kind="put") == pytest.approx(0.2, rel=1e-14)


def test_out_buffer() -> None:
    k = np.linspace(80, 120, 41)
    p = pr.price(100.0, k, 0.01, 0.22, 0.3)
    buf = np.empty_like(k)
    res = pr.implied_vol(p, 100.0, k, 0.01, 0.3, out=buf)
    assert res is buf
    np.testing.assert_allclose(buf, 0.22, rtol=1e-13)


@settings(max_examples=400, deadline=None)
@given(
    sigma=st.floats(0.001, 5.0),
    t=st.floats(1 / 365, 30.0),
    moneyness=st.floats(1 / 50, 50.0),
    r=st.floats(-0.05, 0.2),
    q=st.floats(-0.05, 0.2),
    is_call=st.booleans(),
)
def test_random_round_trips(sigma: float, t: float, moneyness: float, r: float, q: float, is_call: bool) -> None:
    s, k = 100.0, 100.0 * moneyness
    kind = "call" if is_call else "put"
    p = pr.price(s, k, r, sigma, t, q=q, kind=kind)
    vega = pr.vega(s, k, r, sigma, t, q=q, kind=kind)
    if not (p > 1e-300 and vega > 0):
        return
    found = pr.implied_vol(p, s, k, r, t, q=q, kind=kind)
    bound = s * math.exp(-q * t) if is_call else k * math.exp(-r * t)
    if abs(p - bound) <= 4 * EPS * bound:  # on the bound to within rounding: NaN or a vol
        return
    if p > bound:  # above the upper bound: documented NaN
        assert math.isnan(found)
        return
    if price_at_or_below_intrinsic(p, s, k, r, q, t, is_call):
        # no time value left in the price as given (settled at the intrinsic value): no
        # volatility reproduces it (issue 21)
        assert math.isnan(found)
        return
    assert not math.isnan(found)
    assert found > 0.0
    allowed = EPS * (sigma + p / vega)
    assert abs(found - sigma) <= 16 * allowed, (found, sigma)
    back = pr.price(s, k, r, found, t, q=q, kind=kind)
    # the price's own rounding, plus what the last bits of sigma move it by (sigma vega eps
    # per ulp of sigma: far out of the money that is hundreds of ulps of the price)
    assert abs(back - p) <= 64 * EPS * (p + sigma * vega)


TINY_NORMALISED = [
    # price / (sqrt(S K) e^{-(r+q)t/2}) below 2^-1000, the price itself normal: the
    # normalised value loses bits in the subnormal range (sigma 0.0099999 and 0 came back
    # for 0.01 before); the inversion then runs on logarithms
    (12325020.750413068, 1e8, -1.0, -1.0, 0.01, 30.0, True),
    (12157403.667967271, 1e8, -1.0, -1.0, 0.01, 30.0, True),
    (1e8, 1.45827e8, 0.0, 0.0, 0.01, 1.0, True),
    (1e8, 1.4e8, 0.0, 0.0, 0.0102, 1.0, True),
    (1.45e8, 1e8, 0.0, 0.0, 0.0101, 1.0, False),
    (5e7, 1e8, 0.5, 0.2, 0.025, 10.0, True),
    (1e200, 1.5e200, 0.02, 0.0, 0.0095, 1.0, True),
    (1e250, 0.7e250, 0.01, 0.0, 0.012, 1.0, False),
]


@pytest.mark.parametrize("contract", TINY_NORMALISED)
def test_implied_vol_of_prices_whose_normalised_value_is_subnormal(contract: tuple[float, ...]) -> None:
    """The 60-digit price rounded to a double inverts to sigma within 16 units of that
    rounding, per point, in a 16-element array (the vector kernels' lanes) and as Black-76
    on the forward."""
    s, k, r, q, sigma, t, call = contract
    kind = "call" if call else "put"
    exact = mp_price(s, k, r, q, sigma, t, call)
    vega = float(mp_greeks(s, k, r, q, sigma, t, call)["vega"])
    forward = s * math.exp((r - q) * t)
    price = float(exact)
    assert np.finfo(float).tiny < price < 1e300 and vega > 0.0
    allowed = 16.0 * EPS * (sigma + price / vega)
    found = pr.implied_vol(price, s, k, r, t, q=q, kind=kind)
    if price_at_or_below_intrinsic(price, s, k, r, q, t, call):
        # the time value (vega 1e-170) was lost in rounding the price down to the intrinsic
        # value's side: no volatility reproduces the double (issue 21)
        assert math.isnan(found)
        assert np.all(np.isnan(pr.implied_vol(np.full(16, price), s, k, r, t, q=q, kind=kind)))
        return
    assert abs(found - sigma) <= allowed, (found, sigma)
    array = pr.implied_vol(np.full(16, price), s, k, r, t, q=q, kind=kind)
    assert np.all(array == found)
    if q == r:
        assert pr.black76_implied_vol(price, forward, k, r, t, kind=kind) == pytest.approx(sigma, rel=1e-12)


@pytest.mark.parametrize(
    ("s", "k", "r", "q", "kind", "answered"),
    [
        (100.0, 50.0, 0.0, 5e-324, "call", True),  # the dividend lowers the intrinsic value
        (100.0, 200.0, 5e-324, 0.0, "put", True),  # the rate lowers the put's intrinsic value
        (100.5, 50.0, 0.0, 5e-324, "call", True),  # S q not a whole multiple of the smallest double
        (100.0, 200.25, 1.5e-323, 0.0, "put", True),
        (100.0, 50.0, 5e-324, 0.0, "call", False),  # the rate raises the call's: price below it
        (100.0, 200.0, 0.0, 5e-324, "put", False),
    ],
)
def test_time_value_below_the_double_range_of_q_t(s: float, k: float, r: float, q: float, kind: str,
                                                  answered: bool) -> None:
    """A price equal to S - K in doubles, with q t (or r t) below the smallest double: the
    exact intrinsic value lies a subnormal below the price (or above it), so the price has a
    time value of t S q (any vol under about 0.3 reprices it), or none. Hypothesis found the
    first row answered NaN: the legs in double-double had lost q t."""
    import mpmath

    t = 1 / 128
    price = abs(s - k)
    found = pr.implied_vol(price, s, k, r, t, q=q, kind=kind)
    assert math.isnan(found) != answered
    assert price_at_or_below_intrinsic(price, s, k, r, q, t, kind == "call") != answered
    if not answered:
        return
    assert pr.price(s, k, r, found, t, q=q, kind=kind) == price
    with mpmath.workdps(800):
        model = mp_price(s, k, r, q, found, t, kind == "call", dps=800)
        s_, k_, r_, q_, t_ = map(mpmath.mpf, (s, k, r, q, t))
        spot, strike = s_ * mpmath.exp(-q_ * t_), k_ * mpmath.exp(-r_ * t_)
        # the vol whose time value is the exact one, t S q (or t K r): sigma to 1e-15 moves
        # this deep a time value by about 1500 times that
        want = mpmath.mpf(price) - (spot - strike if kind == "call" else strike - spot)
        # model - price is the model's time value less the exact one
        assert abs(model - mpmath.mpf(price)) <= mpmath.mpf("1e-9") * want, (found, want)
