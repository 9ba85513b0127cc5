"""The original scalar, batch and class API (issue 2)."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import pricer_rs as pr


def test_reference_call_value() -> None:
    value = pr.price(100.0, 100.0, 0.05, 0.20, 0.25)
    assert isinstance(value, float)
    assert value == pytest.approx(4.6150, abs=1e-3)
    # the exact value (40-digit mpmath) is 4.6149971296028656...
    assert value == pytest.approx(4.614997129602866, rel=4e-16)


@pytest.mark.parametrize("name, args", [
    ("t", (100.0, 100.0, 0.05, 0.2, 0.0)),
    ("t", (100.0, 100.0, 0.05, 0.2, -1.0)),
    ("sigma", (100.0, 100.0, 0.05, 0.0, 0.25)),
    ("sigma", (100.0, 100.0, 0.05, -0.2, 0.25)),
])
def test_out_of_domain_names_the_argument(name: str, args: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match=rf"^{name} = .*{name} must be > 0"):
        pr.price(*args)


def test_batch_over_spots() -> None:
    spots = np.linspace(80, 120, 1000)
    out = pr.price_european_call_batch(spots, k=100.0, r=0.05, sigma=0.20, t=0.25)
    assert isinstance(out, np.ndarray)
    assert out.shape == (1000,)
    assert out.dtype == np.float64
    assert np.all(np.diff(out) > 0)
    scalar = np.array([pr.price(float(s), 100.0, 0.05, 0.20, 0.25) for s in spots])
    np.testing.assert_array_equal(out, scalar)


def test_batch_positional_and_errors() -> None:
    spots = np.array([90.0, 100.0])
    np.testing.assert_array_equal(
        pr.price_european_call_batch(spots, 100.0, 0.05, 0.2, 0.25),
        pr.price(spots, 100.0, 0.05, 0.2, 0.25),
    )
    with pytest.raises(ValueError, match="s_array must be 1-D"):
        pr.price_european_call_batch(np.ones((2, 2)), 100.0, 0.05, 0.2, 0.25)
    with pytest.raises(ValueError, match=r"s\[1\] = -1.0"):
        pr.price(np.array([1.0, -1.0]), 100.0, 0.05, 0.2, 0.25)
    # the batch function's own argument name, not the engine's
    with pytest.raises(ValueError, match=r"^s_array\[1\] = -1.0"):
        pr.price_european_call_batch(np.array([1.0, -1.0]), 100.0, 0.05, 0.2, 0.25)
    # one price per spot: per-spot strikes broadcast, a strike column does not widen it
    np.testing.assert_array_equal(
        pr.price_european_call_batch(spots, np.array([95.0, 105.0]), 0.05, 0.2, 0.25),
        pr.price(spots, np.array([95.0, 105.0]), 0.05, 0.2, 0.25),
    )
    with pytest.raises(ValueError, match=r"s_array's shape \(2,\), not widen it to \(2, 2\)"):
        pr.price_european_call_batch(spots, np.array([[95.0], [105.0]]), 0.05, 0.2, 0.25)
    with pytest.raises(ValueError, match=r"^shapes \(2,\), \(\), \(\), \(\), \(3,\) cannot be broadcast "
                                         r"together \(s_array, k, r, sigma, t\)$"):
        pr.price_european_call_batch(spots, 100.0, 0.05, 0.2, np.ones(3))


def test_batch_reads_input_in_place_and_allocates_only_the_output() -> None:
    spots = np.linspace(50.0, 150.0, 1_000_000)
    pr.price_european_call_batch(spots[:10], 100.0, 0.05, 0.2, 0.25)  # warm up
    tracemalloc.start()
    try:
        out = pr.price_european_call_batch(spots, 100.0, 0.05, 0.2, 0.25)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # numpy reports its allocations to tracemalloc: one 8 MB output, no 8 MB input copy
    assert out.nbytes <= peak < 1.5 * out.nbytes, peak


def test_pricer_class() -> None:
    p = pr.BlackScholesPricer(r=0.05, sigma=0.20)
    assert (p.r, p.sigma, p.q) == (0.05, 0.20, 0.0)
    prices = [p.price_call(s, 100.0, 0.25) for s in (95.0, 100.0, 105.0)]
    assert all(isinstance(v, float) for v in prices)
    assert prices[0] < prices[1] < prices[2]
    assert prices[1] == pr.price(100.0, 100.0, 0.05, 0.20, 0.25)
    with pytest.raises(AttributeError):
        p.sigma = 0.3  # type: ignore[misc]


@pytest.mark.parametrize("sigma", [0.0, -0.2, math.inf])
def test_pricer_rejects_bad_sigma(sigma: float) -> None:
    with pytest.raises(ValueError, match="sigma"):
        pr.BlackScholesPricer(r=0.05, sigma=sigma)


@pytest.mark.parametrize("name", ["r", "sigma", "q"])
def test_pricer_names_its_nan_argument(name: str) -> None:
    args = {"r": 0.05, "sigma": 0.2, "q": 0.0, name: math.nan}
    with pytest.raises(ValueError, match=f"^{name} = nan"):
        pr.BlackScholesPricer(**args)


def test_price_surface_names_the_axis_at_fault() -> None:
    p = pr.BlackScholesPricer(r=0.05, sigma=0.2)
    with pytest.raises(ValueError, match=r"^strikes\[1\] = -100.0"):
        p.price_surface(100.0, [90.0, -100.0], [1.0])
    with pytest.raises(ValueError, match=r"^tenors\[1\] = -2.0"):
        p.price_surface(100.0, [90.0, 100.0], [1.0, -2.0])


def test_per_point_greeks_are_floats_equal_to_the_array_path() -> None:
    # Python numbers take a path without arrays (4 us -> under 1 us per call); the values
    # must be the array kernels' bits
    p = pr.BlackScholesPricer(r=0.03, sigma=0.27, q=0.01)
    names = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")
    rng = np.random.default_rng(6)
    for s, k, t in zip(rng.uniform(50, 150, 40), rng.uniform(50, 150, 40), rng.uniform(0.01, 3, 40)):
        for kind in ("call", "put"):
            one = p.greeks(float(s), float(k), float(t), kind=kind)
            mod = pr.greeks(float(s), float(k), 0.03, 0.27, float(t), q=0.01, kind=kind)
            arr = pr.greeks(np.array([s]), k, 0.03, 0.27, t, q=0.01, kind=kind)
            for name in names:
                got, also, want = getattr(one, name), getattr(mod, name), getattr(arr, name)[0]
                assert isinstance(got, float) and isinstance(also, float)
                assert got == want and also == want, (name, s, k, t, kind)
            assert p.price_put(float(s), float(k), float(t)) == pr.price(s, k, 0.03, 0.27, t, q=0.01, kind="put")
    sub = p.greeks(100.0, 100.0, 1.0, which=("vega",))
    assert sub.delta is None and sub.vega == p.greeks(100.0, 100.0, 1.0).vega
    with pytest.raises(ValueError, match="t must be > 0"):
        p.greeks(100.0, 100.0, -1.0)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        pr.greeks(100.0, 100.0, 0.03, 0.0, 1.0)


def test_per_point_calls_equal_the_array_path() -> None:
    # single greeks, implied vols and Black-76 with Python numbers skip the engine; their
    # values must be the array kernels' bits and their errors the same
    rng = np.random.default_rng(9)
    p = pr.BlackScholesPricer(r=0.03, sigma=0.27, q=0.01)
    for s, k, t in zip(rng.uniform(50, 150, 30), rng.uniform(50, 150, 30), rng.uniform(0.01, 3, 30)):
        s, k, t = float(s), float(k), float(t)
        for kind in ("call", "put"):
            for fn in (pr.delta, pr.gamma, pr.vega, pr.theta, pr.rho):
                want = fn(np.array([s]), k, 0.03, 0.27, t, q=0.01, kind=kind)[0]
                assert fn(s, k, 0.03, 0.27, t, q=0.01, kind=kind) == want, (fn, s, k, t, kind)
            price = pr.price(s, k, 0.03, 0.27, t, q=0.01, kind=kind)
            want_iv = pr.implied_vol(np.array([price]), s, k, 0.03, t, q=0.01, kind=kind)[0]
            got_iv = pr.implied_vol(price, s, k, 0.03, t, q=0.01, kind=kind)
            assert got_iv == want_iv or (np.isnan(got_iv) and np.isnan(want_iv))
            assert p.implied_vol(price, s, k, t, kind=kind) == got_iv or np.isnan(got_iv)
            b76 = pr.black76_price(s, k, 0.03, 0.27, t, kind=kind)
            assert b76 == pr.black76_price(np.array([s]), k, 0.03, 0.27, t, kind=kind)[0]
            want_b = pr.black76_implied_vol(np.array([b76]), s, k, 0.03, t, kind=kind)[0]
            got_b = pr.black76_implied_vol(b76, s, k, 0.03, t, kind=kind)
            assert got_b == want_b or (np.isnan(got_b) and np.isnan(want_b))
    for call, message in [
        (lambda: pr.delta(100.0, -1.0, 0.03, 0.2, 1.0), r"^k = -1.0: k must be > 0"),
        (lambda: pr.implied_vol(5.0, 100.0, 100.0, 0.03, 0.0), r"^t = 0.0: t must be > 0"),
        (lambda: p.implied_vol(5.0, 100.0, 100.0, -1.0), r"^t = -1.0: t must be > 0"),
        (lambda: pr.black76_price(-100.0, 100.0, 0.03, 0.2, 1.0), r"^f = -100.0: f must be > 0"),
        (lambda: pr.black76_implied_vol(5.0, 0.0, 100.0, 0.03, 1.0), r"^f = 0.0: f must be > 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            call()
    assert np.isnan(pr.implied_vol(-1.0, 100.0, 100.0, 0.03, 1.0))  # unattainable: NaN, no error
