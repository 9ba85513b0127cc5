"""Hostile inputs to every public function and method (issue 8): each call returns a correct
result or raises TypeError/ValueError with a message; never a crash, a PanicException or a
wrong shape. Driven by hypothesis strategies."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pricer_rs as pr

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


class Tagged(np.ndarray):
    """An ndarray subclass."""


def _weird_arrays() -> st.SearchStrategy[Any]:
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
    real = hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_]), shapes,
                      elements=None)
    return st.one_of(
        real,
        real.map(lambda a: a.view(Tagged) if a.dtype == np.float64 else a),
        real.map(lambda a: a.T),
        real.map(lambda a: a[::-1] if a.ndim else a),
        hnp.arrays(np.complex128, shapes),
        hnp.arrays(object, hnp.array_shapes(max_dims=1, max_side=3), elements=st.just(None)),
        hnp.arrays(np.dtype("U3"), hnp.array_shapes(max_dims=1, max_side=3)),
    )


HOSTILE = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.one_of(FLOATS, st.lists(FLOATS, max_size=3)), max_size=4),  # ragged nesting
    FLOATS,
    st.sampled_from([0.0, -0.0, 1e-320, 5e-324, 1e308, -1e308, 10**400, True, False, 1j]),
    _weird_arrays(),
    _weird_arrays().map(lambda a: memoryview(np.ascontiguousarray(a)) if a.dtype.kind in "fiub" else a),
)

GOOD = dict(s=100.0, k=95.0, r=0.03, sigma=0.25, t=0.5, q=0.01, price=9.0, f=101.0)

pricer = pr.BlackScholesPricer(r=0.03, sigma=0.25, q=0.01)
surface = pr.ImpliedVolSurface(100.0, [90.0, 100.0, 110.0], [0.25, 1.0], np.full((2, 3), 0.2), r=0.03)

# (name, callable, positional parameter names)
TARGETS: list[tuple[str, Callable[..., Any], tuple[str, ...]]] = [
    ("price", pr.price, ("s", "k", "r", "sigma", "t")),
    ("delta", pr.delta, ("s", "k", "r", "sigma", "t")),
    ("gamma", pr.gamma, ("s", "k", "r", "sigma", "t")),
    ("vega", pr.vega, ("s", "k", "r", "sigma", "t")),
    ("theta", pr.theta, ("s", "k", "r", "sigma", "t")),
    ("rho", pr.rho, ("s", "k", "r", "sigma", "t")),
    ("greeks", pr.greeks, ("s", "k", "r", "sigma", "t")),
    ("implied_vol", pr.implied_vol, ("price", "s", "k", "r", "t")),
    ("black76_price", pr.black76_price, ("f", "k", "r", "sigma", "t")),
    ("black76_implied_vol", pr.black76_implied_vol, ("price", "f", "k", "r", "t")),
    ("price_european_call_batch", pr.price_european_call_batch, ("s", "k", "r", "sigma", "t")),
    ("pricer.price_call", pricer.price_call, ("s", "k", "t")),
    ("pricer.price", pricer.price, ("s", "k", "t")),
    ("pricer.greeks", pricer.greeks, ("s", "k", "t")),
    ("pricer.implied_vol", pricer.implied_vol, ("price", "s", "k", "t")),
    ("surface.vol", surface.vol, ("k", "t")),
    ("surface.price_at", surface.price_at, ("k", "t")),
]


def check_result(result: Any, name: str) -> None:
    if isinstance(result, pr.Greeks):
        fields = [v for v in result.to_dict().values()]
        shapes = {np.shape(v) for v in fields}
        assert len(shapes) == 1, f"{name}: greeks of different shapes {shapes}"
        return
    assert isinstance(result, (float, np.ndarray)), f"{name} returned {type(result)}"
    if isinstance(result, np.ndarray):
        assert result.dtype == np.float64 and result.ndim >= 1


@pytest.mark.parametrize("name, fn, params", TARGETS, ids=[t[0] for t in TARGETS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_positional_arguments(name: str, fn: Callable[..., Any], params: tuple[str, ...],
                                      data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(params) - 1))
    value = data.draw(HOSTILE)
    args = [GOOD[p] for p in params]
    args[position] = value
    if name == "price_european_call_batch" and position == 0:
        pass  # s_array: any array-like; 1-D required
    try:
        result = fn(*args)
    except (TypeError, ValueError) as exc:
        assert str(exc), f"{name}: empty error message"
        return
    check_result(result, name)


@pytest.mark.parametrize("keyword", ["q", "kind", "out", "which"])
@settings(max_examples=60, deadline=None)
@given(value=HOSTILE)
def test_hostile_keywords(keyword: str, value: Any) -> None:
    fn = pr.greeks if keyword == "which" else pr.price
    try:
        result = fn(100.0, np.array([90.0, 110.0]), 0.03, 0.25, 0.5, **{keyword: value})
    except (TypeError, ValueError) as exc:
        assert str(exc)
        return
    check_result(result, keyword)


@settings(max_examples=40, deadline=None)
@given(a=hnp.array_shapes(max_dims=3, max_side=5), b=hnp.array_shapes(max_dims=3, max_side=5))
def test_shapes_broadcast_or_raise_like_numpy(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    try:
        want = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(ValueError, match="cannot be broadcast"):
            pr.price(np.full(a, 100.0), np.full(b, 95.0), 0.03, 0.25, 0.5)
        return
    got = pr.price(np.full(a, 100.0), np.full(b, 95.0), 0.03, 0.25, 0.5)
    assert np.shape(got) == want


def test_huge_tiny_and_special_values_give_results_or_value_errors() -> None:
    specials = [5e-324, 1e-300, 1e-10, 1.0, 1e10, 1e300, 1.7e308, math.nan, math.inf, -math.inf, 0.0, -1.0]
    for s in specials:
        for sigma in specials:
            for t in specials:
                try:
                    v = pr.price(s, 100.0, 0.0, sigma, t)
                except ValueError as exc:
                    assert "must be" in str(exc)
                    continue
                assert isinstance(v, float)
                if all(math.isfinite(x) and x > 0 for x in (s, sigma, t)):
                    assert not math.isnan(v) and v >= 0.0, (s, sigma, t, v)


def test_inputs_mutated_from_another_thread_do_not_crash() -> None:
    spots = np.linspace(50.0, 150.0, 2_000_000)
    stop = threading.Event()

    def scribble() -> None:
        rng = np.random.default_rng(0)
        while not stop.is_set():
            spots[rng.integers(0, spots.size, 1000)] = rng.uniform(50.0, 150.0, 1000)

    writer = threading.Thread(target=scribble)
    writer.start()
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            out = pr.price(spots, 100.0, 0.01, 0.2, 0.5)
            assert out.shape == spots.shape and np.all(np.isfinite(out))
    finally:
        stop.set()
        writer.join()


def test_outputs_too_big_for_memory_are_memory_errors() -> None:
    # broadcast views cost nothing; their product shape is what would be allocated. A
    # refused allocation must be Python's MemoryError, never a Rust panic
    # (pyo3_runtime.PanicException, which `except Exception` does not even catch)
    rows = np.broadcast_to(np.array([100.0]), (1 << 23,))[:, None]
    cols = np.broadcast_to(np.array([100.0]), (1 << 23,))
    # 2^46 float64 = 512 TiB: beyond any address space, so numpy's allocation fails
    with pytest.raises(MemoryError):
        pr.price(rows, cols, 0.02, 0.2, 1.0)
    with pytest.raises(MemoryError):
        pr.greeks(rows, cols, 0.02, 0.2, 1.0, which=("delta", "vega"))
    with pytest.raises(MemoryError):
        pr.implied_vol(rows, cols, 100.0, 0.02, 1.0)
    # 2^64 elements: the byte count itself overflows
    huge = np.broadcast_to(np.array([100.0]), (1 << 32,))
    with pytest.raises(MemoryError):
        pr.price(huge[:, None], huge, 0.02, 0.2, 1.0)
