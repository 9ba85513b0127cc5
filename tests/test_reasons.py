"""Why an implied vol is NaN (issue 22, item 6): pricer_rs._reasons."""

from __future__ import annotations

import numpy as np

import pricer_rs as pr
from pricer_rs import _reasons as rs

R = 0.02


def noisy_chain(n: int = 200_000, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.uniform(3, 5, n)
    k = s * np.exp(rng.normal(0, 0.3, n))
    t = rng.uniform(0.003, 2, n)
    q = rng.uniform(0, 0.04, n)
    sig = rng.uniform(0.05, 0.6, n)
    c = rng.random(n) < 0.5
    p = pr.price(s, k, R, sig, t, q=q, kind=c) + rng.normal(0, 0.01, n) * rng.random(n)
    p[rng.random(n) < 0.01] = np.nan
    x, y = s * np.exp(-q * t), k * np.exp(-R * t)
    intrinsic = np.maximum(np.where(c, x - y, y - x), 0)
    upper = np.where(c, x, y)
    on_low = rng.random(n) < 0.01
    p[on_low] = intrinsic[on_low]  # exactly at the (numpy-rounded) bounds
    on_high = rng.random(n) < 0.01
    p[on_high] = upper[on_high]
    return {"p": p, "s": s, "k": k, "t": t, "q": q, "c": c, "intrinsic": intrinsic, "upper": upper,
            "scale": np.maximum(x, y)}


def test_numpy_reasons_agree_with_implied_vol_outside_the_rounding_band() -> None:
    d = noisy_chain()
    iv = pr.implied_vol(d["p"], d["s"], d["k"], R, d["t"], q=d["q"], kind=d["c"])
    code = rs.implied_vol_reason(d["p"], d["s"], d["k"], R, d["t"], q=d["q"], kind=d["c"], vol=False)
    # every reason occurs in this chain
    assert set(np.unique(code)) == {0, 1, 2, 3, 4, 5}
    disagree = (code != rs.OK) != np.isnan(iv)
    tol = rs.ROUNDING_ULPS * np.finfo(float).eps * d["scale"]
    band = (np.abs(d["p"] - d["intrinsic"]) <= tol) | (np.abs(d["p"] - d["upper"]) <= tol)
    assert not (disagree & ~band).any(), np.flatnonzero(disagree & ~band)[:10]
    # the reasons, checked against their definitions
    p = d["p"]
    assert (np.isnan(p) == (code == rs.NOT_A_NUMBER)).all()
    assert (code[~np.isnan(p) & (p <= 0)] == rs.ZERO_OR_NEGATIVE_PRICE).all()
    assert (p[code == rs.BELOW_INTRINSIC] < d["intrinsic"][code == rs.BELOW_INTRINSIC]).all()
    assert (p[code == rs.ABOVE_UPPER_BOUND] >= d["upper"][code == rs.ABOVE_UPPER_BOUND]).all()


def test_reconciled_reasons_are_zero_exactly_where_a_vol_is_found() -> None:
    d = noisy_chain(50_000, seed=4)
    iv = pr.implied_vol(d["p"], d["s"], d["k"], R, d["t"], q=d["q"], kind=d["c"])
    code = rs.implied_vol_reason(d["p"], d["s"], d["k"], R, d["t"], q=d["q"], kind=d["c"])
    assert code.dtype == np.int8 and code.shape == iv.shape
    np.testing.assert_array_equal(code == rs.OK, np.isfinite(iv))
    # the NaN at the bounds are put down to the bound, not left unexplained
    assert (code != rs.NO_SOLUTION).all()
    assert all(int(c) in rs.REASONS for c in np.unique(code))


def test_small_cases_by_hand_and_black76() -> None:
    s, k, t = 4.0, 3.5, 0.5
    intrinsic = s - k * np.exp(-R * t)  # an in-the-money call, q = 0
    prices = np.array([np.nan, 0.0, -0.1, intrinsic * 0.9, intrinsic * 1.1, s, s * 1.01])
    code = rs.implied_vol_reason(prices, s, k, R, t)
    assert code.tolist() == [1, 2, 2, 3, 0, 5, 5]
    assert [rs.REASONS[c] for c in code[:2]] == ["not a number", "zero or negative price"]
    # puts: the upper bound is K e^{-rt}
    assert rs.implied_vol_reason(1.001 * k * np.exp(-R * t), s, k, R, t, kind="put").tolist() == 5
    assert rs.implied_vol_reason(0.999 * k * np.exp(-R * t), s, k, R, t, kind="put").tolist() == 0
    # Black-76: the forward is discounted too
    f = 4.0
    b = np.array([0.0, np.exp(-R * t) * (f - k) * 0.99, 0.6, np.exp(-R * t) * f * 1.001])
    assert rs.implied_vol_reason(b, f, k, R, t, black76=True).tolist() == [2, 3, 0, 5]
    # broadcasting with a kind array
    both = rs.implied_vol_reason(0.3, 4.0, np.array([3.5, 4.5]), R, t, kind=np.array([[True], [False]]))
    assert both.shape == (2, 2)
