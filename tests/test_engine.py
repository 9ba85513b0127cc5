"""The vectorised engine: broadcasting, greeks, the pricer's surfaces, Black-76 (issue 3)."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest
from scipy.special import ndtr

import pricer_rs as pr
from mp_reference import mp_greeks, mp_price

GREEKS = ("delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")


def random_inputs(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = np.exp(rng.uniform(np.log(1.0), np.log(2000.0), n))
    return dict(
        s=s,
        k=s * np.exp(rng.uniform(-1.0, 1.0, n)),
        r=rng.uniform(-0.02, 0.15, n),
        q=rng.uniform(-0.02, 0.10, n),
        sigma=rng.uniform(0.02, 2.0, n),
        t=np.exp(rng.uniform(np.log(1 / 365), np.log(30.0), n)),
    )


def test_put_call_parity_to_rounding() -> None:
    x = random_inputs(20_000, 1)
    c = pr.price(x["s"], x["k"], x["r"], x["sigma"], x["t"], q=x["q"], kind="call")
    p = pr.price(x["s"], x["k"], x["r"], x["sigma"], x["t"], q=x["q"], kind="put")
    fwd_s = x["s"] * np.exp(-x["q"] * x["t"])
    disc_k = x["k"] * np.exp(-x["r"] * x["t"])
    scale = fwd_s + disc_k
    np.testing.assert_array_less(np.abs((c - p) - (fwd_s - disc_k)), 8 * np.finfo(float).eps * scale)


def test_no_arbitrage_bounds() -> None:
    x = random_inputs(20_000, 2)
    fwd_s = x["s"] * np.exp(-x["q"] * x["t"])
    disc_k = x["k"] * np.exp(-x["r"] * x["t"])
    tol = 4 * np.finfo(float).eps * (fwd_s + disc_k)
    c = pr.price(x["s"], x["k"], x["r"], x["sigma"], x["t"], q=x["q"])
    p = pr.price(x["s"], x["k"], x["r"], x["sigma"], x["t"], q=x["q"], kind="p")
    assert np.all(c >= np.maximum(fwd_s - disc_k, 0.0) - tol)
    assert np.all(c <= fwd_s + tol)
    assert np.all(p >= np.maximum(disc_k - fwd_s, 0.0) - tol)
    assert np.all(p <= disc_k + tol)


def test_agrees_with_numpy_closed_form_where_it_is_well_conditioned() -> None:
    x = random_inputs(5_000, 3)
    s, k, r, q, sig, t = (x[n] for n in ("s", "k", "r", "q", "sigma", "t"))
    sq = sig * np.sqrt(t)
    d1 = (np.log(s / k) + (r - q + 0.5 * sig**2) * t) / sq
    d2 = d1 - sq
    call = s * np.exp(-q * t) * ndtr(d1) - k * np.exp(-r * t) * ndtr(d2)
    ok = call > 1e-3 * s
    np.testing.assert_allclose(pr.price(s, k, r, sig, t, q=q)[ok], call[ok], rtol=1e-9)
    g = pr.greeks(s, k, r, sig, t, q=q)
    np.testing.assert_allclose(g.delta, np.exp(-q * t) * ndtr(d1), rtol=1e-9, atol=1e-300)
    vega = s * np.exp(-q * t) * np.exp(-0.5 * d1**2) / np.sqrt(2 * np.pi) * np.sqrt(t)
    np.testing.assert_allclose(g.vega, vega, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("kind", ["call", "put"])
def test_greeks_are_derivatives_of_the_price(kind: str) -> None:
    s, k, r, q, sig, t = 105.0, 100.0, 0.03, 0.01, 0.3, 0.9
    g = pr.greeks(s, k, r, sig, t, q=q, kind=kind)

    def p(**kw: float) -> float:
        a = dict(s=s, k=k, r=r, sigma=sig, t=t, q=q) | kw
        return float(pr.price(a["s"], a["k"], a["r"], a["sigma"], a["t"], q=a["q"], kind=kind))

    def d(name: str, h: float, **fixed: float) -> float:
        base = dict(s=s, k=k, r=r, sigma=sig, t=t, q=q) | fixed
        return (p(**(base | {name: base[name] + h})) - p(**(base | {name: base[name] - h}))) / (2 * h)

    assert g.delta == pytest.approx(d("s", 1e-3), rel=1e-8)
    assert g.vega == pytest.approx(d("sigma", 1e-5), rel=1e-8)
    assert g.rho == pytest.approx(d("r", 1e-5), rel=1e-8)
    assert g.epsilon == pytest.approx(d("q", 1e-5), rel=1e-8)
    assert g.theta == pytest.approx(-d("t", 1e-5), rel=1e-7)
    assert g.gamma == pytest.approx((d("s", 1e-3, s=s + 1e-2) - d("s", 1e-3, s=s - 1e-2)) / 2e-2, rel=1e-5)
    vanna = (pr.delta(s, k, r, sig + 1e-5, t, q=q, kind=kind) - pr.delta(s, k, r, sig - 1e-5, t, q=q, kind=kind)) / 2e-5
    volga = (pr.vega(s, k, r, sig + 1e-5, t, q=q, kind=kind) - pr.vega(s, k, r, sig - 1e-5, t, q=q, kind=kind)) / 2e-5
    charm = -(pr.delta(s, k, r, sig, t + 1e-5, q=q, kind=kind) - pr.delta(s, k, r, sig, t - 1e-5, q=q, kind=kind)) / 2e-5
    assert g.vanna == pytest.approx(vanna, rel=1e-7)
    assert g.volga == pytest.approx(volga, rel=1e-6)
    assert g.charm == pytest.approx(charm, rel=1e-6)


def test_single_greek_functions_equal_greeks_fields() -> None:
    x = random_inputs(1000, 4)
    args = (x["s"], x["k"], x["r"], x["sigma"], x["t"])
    g = pr.greeks(*args, q=x["q"], kind="put")
    for name, fn in (("delta", pr.delta), ("gamma", pr.gamma), ("vega", pr.vega), ("theta", pr.theta), ("rho", pr.rho)):
        np.testing.assert_array_equal(fn(*args, q=x["q"], kind="put"), getattr(g, name))
    np.testing.assert_array_equal(pr.price(*args, q=x["q"], kind="put"), g.price)


def test_which_computes_only_the_named_fields() -> None:
    g = pr.greeks(100.0, [90.0, 110.0], 0.01, 0.2, 1.0, which=("delta", "vega"))
    assert g.price is None and g.gamma is None and g.charm is None
    assert set(g.to_dict()) == {"delta", "vega"}
    full = pr.greeks(100.0, [90.0, 110.0], 0.01, 0.2, 1.0)
    np.testing.assert_array_equal(g.delta, full.delta)
    one = pr.greeks(100.0, 90.0, 0.01, 0.2, 1.0, which="gamma")
    assert isinstance(one.gamma, float) and one.delta is None
    with pytest.raises(ValueError, match="unknown greek 'speed'"):
        pr.greeks(100.0, 90.0, 0.01, 0.2, 1.0, which=("speed",))


def test_greeks_object_is_a_frozen_picklable_value() -> None:
    g = pr.greeks(np.array([90.0, 100.0]), 100.0, 0.01, 0.2, 1.0)
    assert set(g.to_dict()) == {"price", *GREEKS}
    back = pickle.loads(pickle.dumps(g))
    for name in ("price", *GREEKS):
        np.testing.assert_array_equal(getattr(back, name), getattr(g, name))
    # equal by value (a pickled copy compared unequal before), NaN equal to NaN
    assert back == g
    with_nan = pr.greeks(np.array([90.0, np.nan]), 100.0, 0.01, 0.2, 1.0)
    assert with_nan == pickle.loads(pickle.dumps(with_nan))
    assert g != with_nan and g != pr.greeks(np.array([90.0, 100.0]), 100.0, 0.01, 0.2, 1.0, which="delta")
    assert g != g.to_dict()
    # built by hand: one shape, numbers (both were accepted)
    with pytest.raises(ValueError, match="fields of different shapes: price \\(2,\\), delta \\(3,\\)"):
        pr.Greeks(price=np.ones(2), delta=np.ones(3))
    with pytest.raises(TypeError, match="price must be a number or an array of numbers, got str"):
        pr.Greeks(price="abc")
    assert pr.Greeks(price=1.0, delta=0.5).delta == 0.5
    with pytest.raises(AttributeError):
        g.delta = 1.0  # type: ignore[misc]
    assert "delta=" in repr(g)


def test_four_axis_grid_allocates_only_its_output() -> None:
    spots = np.linspace(80.0, 120.0, 300)[:, None, None, None]
    strikes = np.linspace(70.0, 130.0, 40)[None, :, None, None]
    vols = np.linspace(0.1, 0.6, 20)[None, None, :, None]
    tenors = np.linspace(0.05, 2.0, 20)[None, None, None, :]
    pr.price(spots[:2], strikes, 0.02, vols, tenors)  # warm up
    tracemalloc.start()
    try:
        grid = pr.price(spots, strikes, 0.02, vols, tenors)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert grid.shape == (300, 40, 20, 20)
    assert grid.nbytes <= peak < grid.nbytes + 1_000_000, peak
    # spot checks against the scalar path
    for idx in [(0, 0, 0, 0), (299, 39, 19, 19), (150, 7, 3, 11)]:
        i, j, a, b = idx
        assert grid[idx] == pr.price(float(spots[i, 0, 0, 0]), float(strikes[0, j, 0, 0]), 0.02,
                                     float(vols[0, 0, a, 0]), float(tenors[0, 0, 0, b]))


def test_strike_tenor_grid_in_one_call() -> None:
    strikes = np.linspace(80, 120, 9)
    tenors = np.array([0.1, 0.5, 1.0, 2.0])
    grid = pr.price(100.0, strikes[None, :], 0.03, 0.2, tenors[:, None], q=0.01)
    assert grid.shape == (4, 9)
    assert np.all(np.diff(grid, axis=1) < 0)  # calls fall with strike
    assert np.all(np.diff(grid, axis=0) > 0)  # and rise with tenor here


def test_pricer_methods_match_the_functions() -> None:
    p = pr.BlackScholesPricer(r=0.03, sigma=0.25, q=0.01)
    assert p.q == 0.01
    s = np.array([90.0, 100.0, 110.0])
    np.testing.assert_array_equal(p.price_put(s, 100.0, 0.5), pr.price(s, 100.0, 0.03, 0.25, 0.5, q=0.01, kind="put"))
    np.testing.assert_array_equal(p.price(s, 100.0, 0.5, kind="put"), p.price_put(s, 100.0, 0.5))
    assert p.price(100.0, 100.0, 0.5) == p.price_call(100.0, 100.0, 0.5)
    g = p.greeks(s, 100.0, 0.5, kind="call")
    np.testing.assert_array_equal(g.vanna, pr.greeks(s, 100.0, 0.03, 0.25, 0.5, q=0.01).vanna)
    assert pickle.loads(pickle.dumps(p)) == p
    assert "sigma=0.25" in repr(p)


def test_pricer_surfaces() -> None:
    p = pr.BlackScholesPricer(r=0.03, sigma=0.25, q=0.01)
    strikes = np.linspace(80, 120, 7)
    tenors = np.array([0.25, 0.5, 1.0])
    surf = p.price_surface(100.0, strikes, tenors, kind="put")
    assert surf.shape == (3, 7)
    np.testing.assert_array_equal(surf, pr.price(100.0, strikes[None, :], 0.03, 0.25, tenors[:, None], q=0.01, kind="put"))
    gs = p.greeks_surface(100.0, strikes, tenors)
    assert np.shape(gs.charm) == (3, 7)
    np.testing.assert_array_equal(gs.gamma, pr.gamma(100.0, strikes[None, :], 0.03, 0.25, tenors[:, None], q=0.01))
    with pytest.raises(ValueError, match="strikes must be 1-D"):
        p.price_surface(100.0, np.ones((2, 2)), tenors)


def test_black76_is_bsm_on_the_forward() -> None:
    f = np.array([95.0, 100.0, 105.0])
    b = pr.black76_price(f, 100.0, 0.04, 0.3, 0.5, kind="put")
    want = pr.price(f, 100.0, 0.04, 0.3, 0.5, q=0.04, kind="put")
    np.testing.assert_allclose(b, want, rtol=1e-15)
    with pytest.raises(ValueError, match=r"^f\[0\] = -1.0: f must be > 0$"):
        pr.black76_price([-1.0], 100.0, 0.04, 0.3, 0.5)


def test_threads_setting() -> None:
    before = pr.get_num_threads()
    try:
        pr.set_num_threads(1)
        assert pr.get_num_threads() == 1
        x = random_inputs(100_000, 5)
        one = pr.price(x["s"], x["k"], x["r"], x["sigma"], x["t"])
        pr.set_num_threads(2)
        np.testing.assert_array_equal(pr.price(x["s"], x["k"], x["r"], x["sigma"], x["t"]), one)
        with pytest.raises(ValueError, match="n must be >= 1"):
            pr.set_num_threads(0)
        # a pool of 2**34 threads aborted the process; 50,000 took minutes
        for too_many in (1025, 50_000, 2**34):
            with pytest.raises(ValueError, match="n must be at most 1024"):
                pr.set_num_threads(too_many)
        assert pr.get_num_threads() == 2
    finally:
        pr.set_num_threads(before)


def mp_kappa(args: tuple[float, ...], call: bool) -> float:
    """sum over the six inputs of |x dP/dx| / P, by central differences in 60 digits."""
    import mpmath as mp

    with mp.workdps(60):
        base = mp_price(*args, call)
        total = mp.mpf(0)
        for j, v in enumerate(args):
            step = mp.mpf(10) ** -25 * (abs(v) if v != 0 else 1)
            up = list(map(mp.mpf, args))
            down = list(up)
            up[j] += step
            down[j] -= step
            total += abs(v * (mp_price(*up, call) - mp_price(*down, call)) / (2 * step))
        return float(total / abs(base))


EXTREME_SCALES = [
    # |(r + q) t| in the thousands: the scale e^{-(r+q)t/2} and the value e^{|x|/2} over-
    # and underflow in opposite directions (r = 50, t = 30 gave NaN for 100)
    (100.0, k, r, q, sigma, 30.0, call)
    for r in (-60.0, -30.0, 30.0, 60.0)
    for q in (-60.0, 0.0, 60.0)
    for sigma in (0.2, 30.0)
    for k in (50.0, 200.0)
    for call in (True, False)
] + [
    # deep out of the money with a large scale: the gaussian factor underflows where the
    # price does not (3e-163 here, once priced at 0)
    (1e200, 1.5e200, 0.0, 0.0, 0.01, 1.0, True),
    (1e300, 1.5e300, 0.0, 0.0, 0.008, 1.0, True),
    (1e250, 0.7e250, 0.01, 0.0, 0.012, 1.0, False),
    (3e-19, 9e-19, -3.4, 0.005, 0.33, 0.0128, True),
] + [
    (spot, spot * ratio, 0.03, 0.01, sigma, 0.5, ratio > 1.0)
    for spot in (1e120, 1e200, 1e290)
    for ratio, sigma in ((1.4, 0.013), (0.7, 0.014))
]


def test_extreme_scales_priced_to_the_condition_number() -> None:
    """Where sqrt(S K) e^{-(r+q)t/2} and the normalised value leave the double range in
    opposite directions, the price is still the 60-digit value to 8 eps (1 + kappa),
    0 or inf only where that value rounds to them, in every kernel (the vector kernels
    on a 16-element array, the scalar one per point, the greeks' price)."""
    import mpmath as mp

    eps = np.finfo(float).eps
    checked = 0
    for s, k, r, q, sigma, t, call in EXTREME_SCALES:
        kind = "call" if call else "put"
        one = pr.price(s, k, r, sigma, t, q=q, kind=kind)
        array = pr.price(np.full(16, s), k, r, sigma, t, q=q, kind=kind)
        greeks_price = pr.greeks(np.full(16, s), k, r, sigma, t, q=q, kind=kind).price
        assert np.all(array == one), (s, k, r, q, sigma, t, call, one, array)
        assert np.all(greeks_price == one), (s, k, r, q, sigma, t, call, one, greeks_price)
        want = mp_price(s, k, r, q, sigma, t, call)
        as_double = float(want)
        if as_double == 0.0 or np.isinf(as_double) or abs(as_double) < np.finfo(float).tiny:
            assert one == as_double or abs(one - as_double) <= 1e-323, (s, k, r, q, sigma, t, call, one)
            continue
        kappa = mp_kappa((s, k, r, q, sigma, t), call)
        err = float(abs(mp.mpf(one) - want) / abs(want)) / (eps * (1.0 + kappa))
        assert err <= 8.0, (s, k, r, q, sigma, t, call, one, as_double, kappa)
        checked += 1
    assert checked >= 20  # normal prices among them, not only 0 and inf


GREEKS_BEYOND = EXTREME_SCALES + [
    # products of plain factors that under- or overflow while the greek does not (found by
    # an audit): gamma of a 1e-150 spot was 0, rho 0 and theta 24x off with r = q = -1,
    # theta's sign wrong with q t = -13.7 and a 1e40 strike, theta and rho NaN with
    # K e^{-rt} overflowing
    (1e-150, 9.74419e-154, 0.04669, 0.0728, 0.2923, 0.6777, True),
    (12157403.667967271, 1e8, -1.0, -1.0, 0.01, 30.0, True),
    (0.264661, 3.42491e48, -0.01006, 0.1446, 85.08, 0.001243, True),
    (1.88802e37, 1.77797e40, 0.05977, -0.5655, 0.0431, 24.17, False),
    (1.0, 1e100, -0.5, 0.0, 1.0, 1000.0, True),
    (1.0, 1e200, -0.5, -0.5, 1.0, 1000.0, True),
    # vanishing total volatility and time (a second audit): theta and charm were NaN where
    # the gaussian exponent's low part alone overflowed (h near 1e11), delta, rho, epsilon,
    # vanna, volga NaN and theta 0 (for -4.756) with sigma = 1e-300, charm -inf where 2 t s
    # underflowed with t = 1e-300
    (100.0, 90.0, 0.0, 0.0, 1e-12, 1.0, True),
    (100.0, 90.0, 0.0, 0.0, 1e-12, 1.0, False),
    (100.0, 90.0, 0.0, 0.0, 0.2, 1e-22, True),
    (100.0, 90.0, 0.03, 0.02, 1e-9, 2.0, True),
    (100.0, 100.0, 0.05, 0.0, 1e-300, 1.0, True),
    (100.0, 100.0, 0.05, 0.0, 1e-300, 1.0, False),
    (100.0, 90.0, 0.03, 0.02, 1e-300, 2.0, False),
    (100.0, 100.0, 0.05, 0.0, 0.2, 1e-300, True),
    (100.0, 100.0, 0.05, 0.01, 0.2, 1e-300, False),
    # the gaussian factor kept scaled, the rest moderate: the vector formulas instead of the
    # logarithms (a day to run deep in the money, a vol of 1e-5; 14-30x a common contract)
    (100.0, 60.0, 0.02, 0.0, 0.2, 1 / 365, True),
    (50.0, 80.0, 0.02, 0.0, 0.25, 1 / 365, False),
    (4.0, 2.5, 0.03, 0.01, 0.35, 2 / 365, True),
    (100.0, 100.0, 0.02, 0.0, 1e-5, 1.0, True),
    (100.0, 100.0, 0.02, 0.01, 1e-5, 1.0, False),
    (100.0, 60.0, 0.02, 0.01, 0.2, 1 / 365, False),
    (1e15, 6e14, 0.02, 0.0, 0.2, 1 / 365, True),
    # a vanished Phi(d) times a discount factor near 2^800 is a number (review): delta,
    # epsilon, rho 0 and theta's sign wrong; h near 1e200 made Phi NaN (theta, charm NaN)
    (1.0, 1.0, 4.35, -5.65, 2.88, 100.0, False),
    (1.0, 1.0, 4.35, -5.65, 6.7, 100.0, False),
    (2.55e-7, 1.35e-9, -0.614, 0.076, 0.304, 287.0, True),
    (100.0, 90.0, 0.03, 0.02, 1e-200, 1.0, False),
    (100.0, 90.0, 0.03, 0.02, 1e-200, 1.0, True),
    # |d| near 1e69 and 1e77 out of the money: ln Phi took erfcx of those, which was NaN
    # (delta, theta, rho, epsilon, charm NaN; sweep against mpmath)
    (1.02352916461744, 0.7277826825540202, 0.079766493722264, 0.088576232948564, 0.5544055815975295,
     1.3236776150109301e-140, False),
    (88.77982961758082, 125.01001686522419, 0.0, -0.4429592197592207, 2.905567478270008e-76,
     0.0027003624740004283, True),
]


def test_greeks_beyond_the_double_range_of_their_factors() -> None:
    """Where discount factors, normal tails or the gaussian factor leave the double range
    while a greek does not, every greek is its 60-digit value to 1e-13 relative (a few
    ulps measured), 0 or +-inf only where that value rounds to them, the same from the
    vector kernels as per point."""
    checked = 0
    for s, k, r, q, sigma, t, call in GREEKS_BEYOND:
        kind = "call" if call else "put"
        one = pr.greeks(s, k, r, sigma, t, q=q, kind=kind)
        array = pr.greeks(np.full(16, s), k, r, sigma, t, q=q, kind=kind)
        want = mp_greeks(s, k, r, q, sigma, t, call)
        for field in GREEKS:
            ours = getattr(one, field)
            assert np.array_equal(getattr(array, field), np.full(16, ours), equal_nan=True), field
            exact = float(want[field])
            where = (s, k, r, q, sigma, t, call, field, ours, exact)
            if exact == 0.0 or np.isinf(exact) or abs(exact) < 1e-290:
                assert ours == exact or abs(ours) < 1e-290, where
                continue
            assert abs(ours - exact) <= 1e-13 * abs(exact), where
            checked += 1
    assert checked >= 120  # normal values among them, not only 0 and inf


def test_equal_pricers_hash_equal() -> None:
    """-0.0 == 0.0, so pricers built with either are equal and must hash alike (they did
    not: a set kept both)."""
    for a, b in [
        (pr.BlackScholesPricer(0.0, 0.2), pr.BlackScholesPricer(-0.0, 0.2)),
        (pr.BlackScholesPricer(0.01, 0.2, q=0.0), pr.BlackScholesPricer(0.01, 0.2, q=-0.0)),
    ]:
        assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert pr.BlackScholesPricer(0.01, 0.2) != pr.BlackScholesPricer(0.01, 0.21)
