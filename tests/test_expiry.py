"""Expiry day opt-in (issue 22, item 5): pricer_rs._expiry.limit_call."""

from __future__ import annotations

import numpy as np
import pytest

import pricer_rs as pr
from pricer_rs._expiry import GREEKS, limit_call

R, Q = 0.02, 0.01


def batch() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(5)
    n = 200
    s = rng.uniform(3.0, 5.0, n)
    k = rng.uniform(3.0, 5.0, n)
    sigma = rng.uniform(0.1, 0.5, n)
    t = rng.uniform(0.05, 2.0, n)
    t[::7] = 0.0
    sigma[3::11] = 0.0
    return s, k, sigma, t


def payoff(s: np.ndarray, k: np.ndarray, r: float, q: float, t: np.ndarray, w: float) -> np.ndarray:
    return np.maximum(w * (s * np.exp(-q * t) - k * np.exp(-r * t)), 0.0)


@pytest.mark.parametrize("kind", ["call", "put"])
def test_limits_where_zero_and_native_elsewhere(kind: str) -> None:
    s, k, sigma, t = batch()
    zero = (sigma == 0) | (t == 0)
    w = 1.0 if kind == "call" else -1.0
    got = limit_call("price", (s, k, R, sigma, t), {"q": Q, "kind": kind})
    np.testing.assert_array_equal(got[zero], payoff(s, k, R, Q, t, w)[zero])
    native = pr.price(s[~zero], k[~zero], R, sigma[~zero], t[~zero], q=Q, kind=kind)
    np.testing.assert_array_equal(got[~zero], native)  # bit-identical
    g = limit_call("greeks", (s, k, R, sigma, t), {"q": Q, "kind": kind})
    gn = pr.greeks(s[~zero], k[~zero], R, sigma[~zero], t[~zero], q=Q, kind=kind)
    for name in GREEKS:
        np.testing.assert_array_equal(getattr(g, name)[~zero], getattr(gn, name), err_msg=name)
        single = limit_call(name, (s, k, R, sigma, t), {"q": Q, "kind": kind})
        np.testing.assert_array_equal(single, getattr(g, name), err_msg=name)


def test_limits_match_finite_differences_of_the_payoff() -> None:
    # sigma = 0, t > 0: the deterministic value w (S e^{-qt} - K e^{-rt}) in the money
    s = np.array([4.5, 3.5, 4.5, 3.5])
    k = 4.0
    t = 0.7
    kinds = np.array([True, True, False, False])  # ITM call, OTM call, OTM put, ITM put
    w = np.where(kinds, 1.0, -1.0)
    g = limit_call("greeks", (s, k, R, 0.0, t), {"q": Q, "kind": kinds})
    h = 1e-6
    v = lambda s_=s, t_=t, r_=R, q_=Q: payoff(s_, k, r_, q_, t_, 1.0) * (w > 0) + payoff(s_, k, r_, q_, t_, -1.0) * (w < 0)  # noqa: E731
    np.testing.assert_allclose(g.price, v(), rtol=1e-15)
    np.testing.assert_allclose(g.delta, (v(s_=s + h) - v(s_=s - h)) / (2 * h), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(g.theta, -(v(t_=t + h) - v(t_=t - h)) / (2 * h), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(g.rho, (v(r_=R + h) - v(r_=R - h)) / (2 * h), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(g.epsilon, (v(q_=Q + h) - v(q_=Q - h)) / (2 * h), rtol=1e-7, atol=1e-12)
    delta_at = lambda t_: w * np.exp(-Q * t_) * np.array([1.0, 0.0, 0.0, 1.0])  # noqa: E731
    np.testing.assert_allclose(g.charm, -(delta_at(t + h) - delta_at(t - h)) / (2 * h), rtol=1e-7, atol=1e-12)
    for name in ("gamma", "vega", "vanna", "volga"):
        assert np.all(getattr(g, name) == 0.0), name
    # and they are the native formulas' limits: a tiny vol off the money comes close
    tiny = pr.greeks(s, k, R, 1e-4, t, q=Q, kind=kinds)
    for name in ("price", "delta", "theta", "rho", "epsilon", "charm", "gamma", "vega"):
        np.testing.assert_allclose(getattr(g, name), getattr(tiny, name), rtol=1e-9, atol=1e-12, err_msg=name)


def test_at_expiry_and_at_the_money() -> None:
    # t = 0: intrinsic of the spot, delta the indicator, theta w (q S - r K), rho = epsilon = 0
    g = limit_call("greeks", (np.array([4.2, 3.8, 4.0]), 4.0, R, 0.3, 0.0), {"q": Q, "kind": "call"})
    np.testing.assert_allclose(g.price, [0.2, 0.0, 0.0], rtol=1e-15, atol=0)
    np.testing.assert_array_equal(g.delta[:2], [1.0, 0.0])
    np.testing.assert_allclose(g.theta[:2], [Q * 4.2 - R * 4.0, 0.0], rtol=1e-15)
    np.testing.assert_array_equal(g.rho[:2], [0.0, 0.0])
    np.testing.assert_array_equal(g.charm[:2], [Q, 0.0])
    # exactly at the money: price 0, every greek NaN
    for name in GREEKS[1:]:
        assert np.isnan(getattr(g, name)[2]), name
    # the theta at t = 0 is the limit of the native theta as t -> 0 (in the money, any vol)
    near = pr.theta(4.2, 4.0, R, 0.3, 1e-6, q=Q)
    assert near == pytest.approx(Q * 4.2 - R * 4.0, rel=1e-4)


def test_scalars_out_of_domain_black76_and_out() -> None:
    assert limit_call("price", (4.2, 4.0, R, 0.2, 0.0), {"kind": "c"}) == pytest.approx(0.2, rel=1e-15)
    assert isinstance(limit_call("price", (4.2, 4.0, R, 0.2, 0.0), {}), float)
    # no zero element: the native answer itself
    assert limit_call("price", (4.2, 4.0, R, 0.2, 0.5), {}) == pr.price(4.2, 4.0, R, 0.2, 0.5)
    with pytest.raises(ValueError, match=r"sigma\[1\] = -0.1"):
        limit_call("price", (4.0, 4.0, R, np.array([0.0, -0.1]), 0.5), {})
    with pytest.raises(ValueError, match="t"):
        limit_call("price", (4.0, 4.0, R, 0.0, -0.5), {})  # sigma = 0 does not hide a bad t
    f = np.array([4.2, 3.8, 4.1])
    got = limit_call("black76_price", (f, 4.0, R, np.array([0.0, 0.0, 0.2]), 0.5), {"kind": np.array([1, -1, 1])})
    np.testing.assert_allclose(got[:2], np.exp(-R * 0.5) * np.array([0.2, 0.2]), rtol=1e-14)
    assert got[2] == pr.black76_price(4.1, 4.0, R, 0.2, 0.5)
    buf = np.empty(3)
    res = limit_call("price", (f, 4.0, R, np.array([0.0, 0.2, 0.2]), 0.5), {"out": buf})
    assert res is buf and buf[0] == pytest.approx(4.2 - 4.0 * np.exp(-R * 0.5), rel=1e-15)
    assert buf[1] == pr.price(3.8, 4.0, R, 0.2, 0.5)
