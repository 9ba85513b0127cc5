"""Property-based tests over wide ranges (issue 8): no-arbitrage bounds, parity, monotonicity,
convexity, greeks against finite differences, implied-vol round trips, finiteness."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import pricer_rs as pr
from mp_reference import price_at_or_below_intrinsic

EPS = 2.0**-52

spot = st.floats(1e-3, 1e6)
ratio = st.floats(1e-3, 1e3)  # strike / spot
vol = st.floats(1e-4, 10.0)
tenor = st.floats(1e-6, 100.0)
rate = st.floats(-0.2, 0.5)
kinds = st.sampled_from(["call", "put"])
SETTINGS = settings(max_examples=300, deadline=None)


def bounds(s: float, k: float, r: float, q: float, t: float, kind: str) -> tuple[float, float]:
    fwd_s, disc_k = s * math.exp(-q * t), k * math.exp(-r * t)
    if kind == "call":
        return max(fwd_s - disc_k, 0.0), fwd_s
    return max(disc_k - fwd_s, 0.0), disc_k


@SETTINGS
@given(spot, ratio, rate, rate, vol, tenor, kinds)
def test_price_within_no_arbitrage_bounds_and_finite(s: float, m: float, r: float, q: float,
                                                     sigma: float, t: float, kind: str) -> None:
    k = s * m
    p = pr.price(s, k, r, sigma, t, q=q, kind=kind)
    lo, hi = bounds(s, k, r, q, t, kind)
    assume(math.isfinite(hi) and hi < 1e300)
    assert math.isfinite(p)
    # the f64 discount factors of the bounds carry about |r t|, |q t| ulps of rounding
    tol = 8 * EPS * (s * math.exp(-q * t) * (1 + abs(q * t)) + k * math.exp(-r * t) * (1 + abs(r * t)))
    assert lo - tol <= p <= hi + tol
    for name, value in pr.greeks(s, k, r, sigma, t, q=q, kind=kind).to_dict().items():
        assert math.isfinite(value), name


@SETTINGS
@given(spot, ratio, rate, rate, vol, tenor)
def test_put_call_parity(s: float, m: float, r: float, q: float, sigma: float, t: float) -> None:
    k = s * m
    fwd_s, disc_k = s * math.exp(-q * t), k * math.exp(-r * t)
    assume(fwd_s + disc_k < 1e300)
    c = pr.price(s, k, r, sigma, t, q=q)
    p = pr.price(s, k, r, sigma, t, q=q, kind="put")
    assert abs((c - p) - (fwd_s - disc_k)) <= 16 * EPS * (fwd_s * (1 + abs(q * t)) + disc_k * (1 + abs(r * t)))


@SETTINGS
@given(spot, ratio, rate, rate, vol, tenor, kinds, st.floats(1.0001, 1.5))
def test_monotone_in_spot_strike_and_vol(s: float, m: float, r: float, q: float, sigma: float,
                                         t: float, kind: str, bump: float) -> None:
    k = s * m
    base = pr.price(s, k, r, sigma, t, q=q, kind=kind)
    up_s = pr.price(s * bump, k, r, sigma, t, q=q, kind=kind)
    up_k = pr.price(s, k * bump, r, sigma, t, q=q, kind=kind)
    up_v = pr.price(s, k, r, min(sigma * bump, 10.0), t, q=q, kind=kind)
    assume(all(math.isfinite(x) and abs(x) < 1e300 for x in (base, up_s, up_k, up_v)))
    tol = 16 * EPS * max(base, up_s, up_k, up_v, 1e-300)  # rounding of the larger price
    if kind == "call":
        assert up_s >= base - tol and up_k <= base + tol
    else:
        assert up_s <= base + tol and up_k >= base - tol
    assert up_v >= base - tol


@SETTINGS
@given(spot, ratio, rate, rate, vol, tenor, kinds, st.floats(0.01, 0.3))
def test_convex_in_strike(s: float, m: float, r: float, q: float, sigma: float, t: float,
                          kind: str, step: float) -> None:
    k = s * m
    ks = np.array([k * (1 - step), k, k * (1 + step)])
    p = pr.price(s, ks, r, sigma, t, q=q, kind=kind)
    assume(np.all(np.isfinite(p)) and p.max() < 1e300)
    chord = 0.5 * (p[0] + p[2])  # ks are equally spaced
    assert p[1] <= chord + 16 * EPS * p.max()


@SETTINGS
@given(st.floats(20.0, 500.0), st.floats(0.6, 1.6), st.floats(-0.05, 0.15), st.floats(-0.05, 0.1),
       st.floats(0.08, 1.5), st.floats(0.05, 5.0), kinds)
def test_greeks_match_central_differences(s: float, m: float, r: float, q: float, sigma: float,
                                          t: float, kind: str) -> None:
    """Where finite differences are well conditioned (moderate moneyness, vol and tenor)."""
    k = s * m
    g = pr.greeks(s, k, r, sigma, t, q=q, kind=kind)
    p = lambda **kw: pr.price(kw.get("s", s), k, kw.get("r", r), kw.get("sigma", sigma),  # noqa: E731
                              kw.get("t", t), q=kw.get("q", q), kind=kind)
    h = 1e-5
    checks = {
        "delta": (p(s=s * (1 + h)) - p(s=s * (1 - h))) / (2 * s * h),
        "vega": (p(sigma=sigma + h) - p(sigma=sigma - h)) / (2 * h),
        "rho": (p(r=r + h) - p(r=r - h)) / (2 * h),
        "epsilon": (p(q=q + h) - p(q=q - h)) / (2 * h),
        "theta": -(p(t=t + h) - p(t=t - h)) / (2 * h),
    }
    for name, fd in checks.items():
        value = getattr(g, name)
        scale = abs(value) + 1e-6 * s
        assert abs(value - fd) <= 1e-5 * scale, (name, value, fd)


@SETTINGS
@given(spot, st.floats(0.02, 50.0), rate, rate, st.floats(1e-3, 5.0), st.floats(1 / 365, 30.0), kinds)
def test_implied_vol_round_trips(s: float, m: float, r: float, q: float, sigma: float, t: float,
                                 kind: str) -> None:
    k = s * m
    p = pr.price(s, k, r, sigma, t, q=q, kind=kind)
    vega = pr.vega(s, k, r, sigma, t, q=q, kind=kind)
    lo, hi = bounds(s, k, r, q, t, kind)
    assume(p > 1e-250 and vega > 0 and hi < 1e300 and abs(p - hi) > 8 * EPS * hi)
    found = pr.implied_vol(p, s, k, r, t, q=q, kind=kind)
    if price_at_or_below_intrinsic(p, s, k, r, q, t, kind == "call"):
        # no time value left in the price as given: no volatility reproduces it (issue 21)
        assert math.isnan(found)
        return
    assert not math.isnan(found)
    assert found > 0.0
    assert abs(found - sigma) <= 16 * EPS * (sigma + p / vega)
