"""Smoke test of an installed pricer_rs (a wheel or the sdist in a fresh venv): `make wheels`.

Runs with nothing but the installed package and numpy, from a directory outside the source
tree: the seed calls, one surface inverted from its own prices, one implied vol. Exits
non-zero (an AssertionError) on any mismatch; prints one line per check.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np

import pricer_rs as pr
import pricer_rs._native as native

here = pathlib.Path(pr.__file__).resolve()
assert "site-packages" in here.parts, f"pricer_rs imported from {here}, not an installed copy"
assert pathlib.Path(native.__file__).resolve().parent == here.parent, native.__file__
print(f"pricer_rs {pr.__version__} from {here.parent}")

# The seed API.
p = pr.price(100.0, 100.0, 0.05, 0.2, 0.25)
assert isinstance(p, float) and p == 4.614997129602865, repr(p)
print(f"price(100, 100, 0.05, 0.2, 0.25) = {p!r}")

spots = np.linspace(80.0, 120.0, 1001)
calls = pr.price_european_call_batch(spots, 100.0, 0.05, 0.2, 0.25)
assert calls.shape == spots.shape and calls.dtype == np.float64
assert calls[500] == p, (calls[500], p)
assert np.all(np.diff(calls) > 0)
print(f"price_european_call_batch: {calls.shape[0]} prices, increasing, ATM = {calls[500]!r}")

pricer = pr.BlackScholesPricer(r=0.05, sigma=0.2)
assert pricer.price_call(100.0, 100.0, 0.25) == p
print("BlackScholesPricer(r=0.05, sigma=0.2).price_call(100, 100, 0.25) agrees")

g = pr.greeks(100.0, 100.0, 0.05, 0.2, 0.25)
assert g.price == p, (g.price, p)
# Delta of a call is Phi(d1); vega S phi(d1) sqrt(t): checked against the closed form.
d1 = (math.log(1.0) + (0.05 + 0.5 * 0.2**2) * 0.25) / (0.2 * math.sqrt(0.25))
delta = 0.5 * math.erfc(-d1 / math.sqrt(2.0))
vega = 100.0 * math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi) * math.sqrt(0.25)
assert abs(g.delta - delta) <= 1e-14, (g.delta, delta)
assert abs(g.vega - vega) <= 1e-12 * vega, (g.vega, vega)
put = pr.price(100.0, 100.0, 0.05, 0.2, 0.25, kind="put")
parity = p - put - (100.0 - 100.0 * math.exp(-0.05 * 0.25))
assert abs(parity) <= 1e-13, parity
print(f"greeks: delta {g.delta!r}, vega {g.vega!r}; put-call parity within {abs(parity):.1e}")

# One implied vol, round trip to 1e-12.
chain = pr.price(100.0, np.linspace(80.0, 120.0, 9), 0.02, 0.27, 0.5, q=0.01)
vols = pr.implied_vol(chain, 100.0, np.linspace(80.0, 120.0, 9), 0.02, 0.5, q=0.01)
assert np.max(np.abs(vols - 0.27)) <= 1e-12, vols - 0.27
iv = pr.implied_vol(p, 100.0, 100.0, 0.05, 0.25)
assert abs(iv - 0.2) <= 1e-12, iv
print(f"implied_vol round trip: max |error| {np.max(np.abs(vols - 0.27)):.1e}, ATM {iv!r}")

# One surface: prices from a smile, inverted back by from_prices.
strikes = np.linspace(3.0, 5.0, 41)
tenors = np.array([0.1, 0.25, 0.5, 1.0])
fwd = 4.0 * np.exp(0.006 * tenors)[:, None]
grid = 0.18 - 0.1 * np.log(strikes / fwd) + 0.3 * np.log(strikes / fwd) ** 2
surf = pr.ImpliedVolSurface(4.0, strikes, tenors, grid, r=0.018, q=0.012)
quotes = surf.price(kind=strikes >= fwd)
assert quotes.shape == (4, 41)
fitted = pr.ImpliedVolSurface.from_prices(
    4.0, strikes, tenors, quotes, r=0.018, q=0.012, kind=strikes >= fwd
)
err = np.max(np.abs(fitted.vols - grid))
assert err <= 1e-12, err
v = fitted.vol(4.1, 0.33)
assert 0.1 < v < 0.3, v
print(f"ImpliedVolSurface.from_prices round trip: max |error| {err:.1e}; vol(4.1, 0.33) = {v:.6f}")

print("smoke test passed")
