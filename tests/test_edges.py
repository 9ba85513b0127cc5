"""Issue 21: no silent wrong answer at the edges, no panic, implied vols of the price as
given. Expected values come from the no-arbitrage limits, mpmath, or numpy's own rules."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import pricer_rs as pr
from mp_reference import price_at_or_below_intrinsic


def _bounds(s: float, k: float, r: float, q: float, t: float, kind: str) -> tuple[float, float]:
    spot, strike = s * math.exp(-q * t), k * math.exp(-r * t)
    return (max(spot - strike, 0.0), spot) if kind == "call" else (max(strike - spot, 0.0), strike)


@pytest.mark.parametrize("t", [1e13, 1e30, 1e34, 3.16e34, 1e35, 1e300])
def test_huge_times_tend_to_their_limits(t: float) -> None:
    # was 99.99934 at 1e30, 54.6 at 1e34, 2980.96 (30x spot) at 3.16e34, 1.0 beyond
    assert pr.price(100.0, 100.0, 0.05, 0.2, t) == 100.0
    assert pr.price(100.0, 100.0, 0.05, 0.2, t, kind="put") == 0.0
    g = pr.greeks(100.0, 100.0, 0.05, 0.2, t)
    assert g.delta == 1.0 and g.gamma == 0.0 and g.vega == 0.0


def test_infinite_total_volatility_prices_the_upper_bound() -> None:
    # sigma sqrt(t) overflows: was the intrinsic value 10 (scalar) or NaN (8 lanes)
    assert pr.price(100.0, 90.0, 0.0, 1e300, 1e17) == 100.0
    assert pr.price(100.0, 90.0, 0.0, 1e300, 1e17, kind="put") == 90.0
    for n in range(1, 20):
        np.testing.assert_array_equal(pr.price(np.full(n, 100.0), 90.0, 0.0, 1e300, 1e17), 100.0)
    g = pr.greeks(100.0, 90.0, 0.0, 1e300, 1e17, kind="put")
    assert (g.price, g.delta, g.gamma, g.vega, g.vanna, g.volga, g.charm) == (90.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert g.rho == -90.0 * 1e17


def test_enormous_finite_rates_give_limits_not_nan() -> None:
    assert pr.price(100.0, 90.0, -1e308, 0.2, 1.0) == 0.0
    assert pr.price(100.0, 90.0, 0.0, 0.2, 1.0, q=1e308) == 0.0
    assert pr.price(100.0, 90.0, 0.0, 0.2, 1.0, q=1e308, kind="put") == 90.0
    for kind in ("call", "put"):
        for r, q in ((-1e308, 0.0), (0.0, 1e308), (1e308, 0.0), (0.0, -1e300)):
            g = pr.greeks(100.0, 90.0, r, 0.2, 1.0, q=q, kind=kind)
            values = [getattr(g, f) for f in ("price", "delta", "gamma", "vega", "theta", "rho",
                                              "epsilon", "vanna", "volga", "charm")]
            assert not any(math.isnan(v) for v in values), (r, q, kind, values)


def test_bounds_parity_and_vector_bits_on_extreme_random_contracts() -> None:
    rng = np.random.default_rng(21)
    n = 20_000
    s = 10 ** rng.uniform(-2, 2, n)
    k = s * 10 ** rng.uniform(-1, 1, n)
    r = (rng.uniform(size=n) - 0.3) * 10 ** rng.uniform(-4, 2, n)
    q = (rng.uniform(size=n) - 0.3) * 10 ** rng.uniform(-4, 2, n)
    sigma = 10 ** rng.uniform(-4, 4, n)
    t = 10 ** rng.uniform(-4, 36, n)
    call = pr.price(s, k, r, sigma, t, q=q)
    put = pr.price(s, k, r, sigma, t, q=q, kind="put")
    # the bounds as a user forms them with a correctly rounded exponential (Python's math,
    # libm); numpy's vectorised exp is an ulp off on some arguments
    def exp(v: np.ndarray) -> np.ndarray:
        return np.array([math.exp(x) if x < 709 else math.inf for x in v])

    with np.errstate(over="ignore", invalid="ignore"):
        spot, strike = s * exp(-q * t), k * exp(-r * t)
    ok = np.isfinite(spot) & np.isfinite(strike)
    call, put, spot, strike = call[ok], put[ok], spot[ok], strike[ok]
    assert ok.sum() > n // 2
    assert np.all(call >= np.maximum(spot - strike, 0)) and np.all(call <= spot)
    assert np.all(put >= np.maximum(strike - spot, 0)) and np.all(put <= strike)
    size = np.maximum.reduce([spot, strike, call, put])
    assert np.all(np.abs((call - put) - (spot - strike)) <= 1e-13 * size)
    call = pr.price(s, k, r, sigma, t, q=q)
    # one element at a time (the scalar kernel) gives the array's bits
    for i in range(0, n, 97):
        assert pr.price(float(s[i]), float(k[i]), float(r[i]), float(sigma[i]), float(t[i]), q=float(q[i])) == call[i]


def test_no_price_below_its_intrinsic_value() -> None:
    assert pr.black76_price(104, 85, 0, 1e-4, 4.5) == 19.0  # was 19.000000000000004
    assert pr.black76_price(104, 90, 0, 1e-4, 4.5) == 14.0  # was 13.999999999999996
    assert pr.greeks(104.0, 90.0, 0.0, 1e-4, 4.5).price == 14.0


@pytest.mark.parametrize(("args", "kind", "want"), [
    ((525.0000000000061, 16, 541, 0, 0.36), "put", 0.83406189127),
    ((710.0000001191353, 822, 112, 0, 0.35), "call", 0.59337456999),
])
def test_black76_implied_vol_of_the_price_as_given(args: tuple[float, ...], kind: str, want: float) -> None:
    price, f, k, r, t = args
    found = pr.black76_implied_vol(price, f, k, r, t, kind=kind)
    # the vol that reproduces the double exactly, from mpmath (the price exact in doubles)
    with mpmath.workdps(60):
        def b76(sig: mpmath.mpf) -> mpmath.mpf:
            s = sig * mpmath.sqrt(t)
            d1 = (mpmath.log(mpmath.mpf(f) / k) + s * s / 2) / s
            c = f * mpmath.ncdf(d1) - k * mpmath.ncdf(d1 - s)
            return c if kind == "call" else c - (f - k)
        exact = mpmath.findroot(lambda v: b76(v) - mpmath.mpf(price), want)
    assert abs(found - float(exact)) <= 1e-12 * float(exact)


def test_no_time_value_no_volatility() -> None:
    # a price 17 ulps below intrinsic gave 36.45 (3,645 %); at intrinsic 4.357
    assert math.isnan(pr.black76_implied_vol(145.99999999999952, 104, 250, 0, 1e-5, kind="put"))
    assert math.isnan(pr.black76_implied_vol(146.0, 104, 250, 0, 1e-5, kind="put"))
    assert math.isnan(pr.implied_vol(5e-324, 100, 100, 0, 1))  # was 0.0, a vol the pricer refuses
    # strictly inside the bounds, however close to the upper one: a finite, large vol
    upper = 100.0
    near = np.nextafter(np.nextafter(upper, 0), 0)
    v = pr.implied_vol(near, 100.0, 100.0, 0.0, 1.0)
    assert math.isfinite(v) and v > 10
    assert not price_at_or_below_intrinsic(near, 100.0, 100.0, 0.0, 0.0, 1.0, True)


def test_more_than_32_dimensions_is_a_value_error() -> None:
    deep = np.ones((1,) * 33)
    p = pr.BlackScholesPricer(r=0.0, sigma=0.2)
    calls = [
        lambda: pr.price(deep, 1.0, 0.0, 0.2, 1.0),
        lambda: pr.greeks(1.0, deep, 0.0, 0.2, 1.0),
        lambda: pr.implied_vol(0.1, 1.0, 1.0, 0.0, deep),
        lambda: pr.black76_price(1.0, 1.0, 0.0, deep, 1.0),
        lambda: pr.price(1.0, 1.0, 0.0, 0.2, 1.0, kind=np.ones((1,) * 33, dtype=bool)),
        lambda: p.price_call(deep, 1.0, 1.0),
        lambda: pr.ImpliedVolSurface(1.0, deep, [1.0], [[0.2]]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="33 dimensions"):
            call()


def test_masked_arrays_follow_the_dtype_rules_and_mask_their_results() -> None:
    with pytest.raises(TypeError, match="complex"):
        pr.price(np.ma.array([1 + 1j, 2.0]), 100.0, 0.0, 0.2, 1.0)
    for bad in (np.ma.array(["a", "b"]), np.ma.array(np.array(["2020-01-01"], dtype="datetime64[D]")),
                np.ma.array([object(), 1.0], dtype=object)):
        with pytest.raises(TypeError):
            pr.price(bad, 100.0, 0.0, 0.2, 1.0)
    # a masked kind entry gives NaN, not the price of the hidden payoff
    got = pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=np.ma.array([True, False], mask=[0, 1]))
    assert got[0] == pr.price(100.0, 100.0, 0.0, 0.2, 1.0) and math.isnan(got[1])
    many = np.ma.array(np.arange(40) % 2 == 0, mask=np.arange(40) % 3 == 0)
    for fn in (lambda kind: pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=kind),
               lambda kind: pr.greeks(100.0, 100.0, 0.0, 0.2, 1.0, kind=kind).delta,
               lambda kind: pr.implied_vol(8.0, 100.0, 100.0, 0.0, 1.0, kind=kind)):
        out = np.asarray(fn(many))
        assert np.all(np.isnan(out[many.mask])) and not np.any(np.isnan(out[~many.mask]))
    # and so does a masked 0-d kind, for every function (greeks gave the put's)
    hidden = np.ma.array(True, mask=True)
    assert math.isnan(pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=hidden))
    assert all(math.isnan(getattr(pr.greeks(100.0, 100.0, 0.0, 0.2, 1.0, kind=hidden), name))
               for name in ("price", "delta", "gamma", "vega", "theta", "rho", "charm"))
    assert math.isnan(pr.implied_vol(8.0, 100.0, 100.0, 0.0, 1.0, kind=hidden))
    # a masked quote is a missing node
    vols = pr.implied_vol(np.ma.array([8.0, 8.0], mask=[0, 1]), 100.0, 100.0, 0.0, 1.0)
    assert math.isfinite(vols[0]) and math.isnan(vols[1])


def test_interrupts_pass_through_and_thread_counts_are_value_errors() -> None:
    class Interrupting:
        def __array__(self, *args: object, **kwargs: object) -> np.ndarray:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pr.price(Interrupting(), 100.0, 0.0, 0.2, 1.0)
    with pytest.raises(KeyboardInterrupt):
        pr.price(100.0, 100.0, 0.0, 0.2, 1.0, kind=Interrupting())

    def names():  # type: ignore[no-untyped-def]
        yield "delta"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pr.greeks(100.0, 100.0, 0.0, 0.2, 1.0, which=names())
    before = pr.get_num_threads()
    for n in (2**63, 2**200, 10**9, 0, -1, -(2**70)):
        with pytest.raises(ValueError, match="set_num_threads"):
            pr.set_num_threads(n)
    assert pr.get_num_threads() == before


@pytest.mark.parametrize(("price", "s", "k", "r", "t", "q", "kind"), [
    # deep in the money with r, q != 0: the intrinsic value's legs must be exact to 2^-100
    # (with 2^-60 the first gave 0.06908448884 for 0.06908448659; time value 1,039 ulps)
    (32.07154927212291, 52.2126140602424, 86.5030995145583, 0.03, 1.0910326809326323, 0.01, "put"),
    (48.08068638990056, 137.35534453962617, 96.14874117773832, 0.03, 2.4726238342291604, 0.0, "call"),
    (702.5840031232085, 822.0, 112.0, 0.03, 0.35, 0.03, "call"),  # Black-76 as q = r
])
def test_deep_in_the_money_vols_of_the_price_as_given(price: float, s: float, k: float, r: float, t: float,
                                                       q: float, kind: str) -> None:
    with mpmath.workdps(80):
        def bsm(sig: mpmath.mpf) -> mpmath.mpf:
            st = sig * mpmath.sqrt(t)
            fwd = mpmath.mpf(s) * mpmath.exp((mpmath.mpf(r) - mpmath.mpf(q)) * mpmath.mpf(t))
            d1 = (mpmath.log(fwd / k) + st * st / 2) / st
            call = mpmath.exp(-mpmath.mpf(r) * mpmath.mpf(t)) * (fwd * mpmath.ncdf(d1) - k * mpmath.ncdf(d1 - st))
            return call if kind == "call" else call - mpmath.exp(-mpmath.mpf(r) * mpmath.mpf(t)) * (fwd - k)
        guess = pr.implied_vol(price, s, k, r, t, q=q, kind=kind)
        exact = mpmath.findroot(lambda v: bsm(v) - mpmath.mpf(price), guess)
    found = pr.implied_vol(price, s, k, r, t, q=q, kind=kind)
    assert abs(found - float(exact)) <= 1e-12 * float(exact), (found, float(exact))
