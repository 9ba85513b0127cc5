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
