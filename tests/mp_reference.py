"""The textbook formulas in 60-digit arithmetic (mpmath): the reference for contracts beyond
the reference table's, shared by the test modules."""

from __future__ import annotations

from typing import Any


def mp_price(s: float, k: float, r: float, q: float, sigma: float, t: float, call: bool, dps: int = 60) -> Any:
    """The discounted price of a call or put (at `dps` digits)."""
    import mpmath as mp

    with mp.workdps(dps):
        s_, k_, r_, q_, v_, t_ = map(mp.mpf, (s, k, r, q, sigma, t))
        total = v_ * mp.sqrt(t_)
        d1 = (mp.log(s_ / k_) + (r_ - q_) * t_) / total + total / 2
        d2 = d1 - total
        spot, strike = s_ * mp.exp(-q_ * t_), k_ * mp.exp(-r_ * t_)
        if call:
            return spot * mp.ncdf(d1) - strike * mp.ncdf(d2)
        return strike * mp.ncdf(-d2) - spot * mp.ncdf(-d1)


def ncdf(z: Any) -> Any:
    """mpmath's normal cdf, with its limits where |z| > 1e6 (mpmath's erfc overflows a float
    near 1e150; the tail there, e^{-5e11}, is far below anything a double can scale up)."""
    import mpmath as mp

    if abs(z) > 1e6:
        return mp.mpf(1 if z > 0 else 0)
    return mp.ncdf(z)


def mp_greeks(s: float, k: float, r: float, q: float, sigma: float, t: float, call: bool) -> dict[str, Any]:
    """The closed forms of the nine greeks (charm = -d delta / dt)."""
    import mpmath as mp

    with mp.workdps(60):
        s_, k_, r_, q_, v_, t_ = map(mp.mpf, (s, k, r, q, sigma, t))
        th = 1 if call else -1
        total = v_ * mp.sqrt(t_)
        d1 = (mp.log(s_ / k_) + (r_ - q_) * t_) / total + total / 2
        d2 = d1 - total
        dq, dr, pdf = mp.exp(-q_ * t_), mp.exp(-r_ * t_), mp.npdf(d1)
        cdf1, cdf2 = ncdf(th * d1), ncdf(th * d2)
        vega = s_ * dq * pdf * mp.sqrt(t_)
        return dict(
            delta=th * dq * cdf1,
            gamma=dq * pdf / (s_ * total),
            vega=vega,
            theta=-s_ * dq * pdf * v_ / (2 * mp.sqrt(t_)) + th * (q_ * s_ * dq * cdf1 - r_ * k_ * dr * cdf2),
            rho=th * k_ * t_ * dr * cdf2,
            epsilon=-th * s_ * t_ * dq * cdf1,
            vanna=-dq * pdf * d2 / v_,
            volga=vega * d1 * d2 / v_,
            charm=th * q_ * dq * cdf1
            - dq * pdf * ((r_ - q_) * t_ - mp.log(s_ / k_) + total**2 / 2) / (2 * t_ * total),
        )


def price_at_or_below_intrinsic(price: float, s: float, k: float, r: float, q: float, t: float,
                                is_call: bool) -> bool:
    """Whether `price` (exact, as a double) is at or below the exact intrinsic value of the
    discounted forward of the float64 inputs (800 digits: enough for a time value in the
    subnormal range beside a price near 1e300)."""
    import mpmath

    with mpmath.workdps(800):
        spot = mpmath.mpf(s) * mpmath.exp(-mpmath.mpf(q) * mpmath.mpf(t))
        strike = mpmath.mpf(k) * mpmath.exp(-mpmath.mpf(r) * mpmath.mpf(t))
        intrinsic = spot - strike if is_call else strike - spot
        return bool(intrinsic > 0 and mpmath.mpf(price) <= intrinsic)
