"""Write examples/csi300_sensitivity.ipynb from the cells below, with no outputs.

The notebook is generated so its source stays reviewable as Python; tests execute it
(tests/test_notebook.py). Run: .venv/bin/python tools/make_notebook.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat

CELLS = [
    ("markdown", """# CSI 300 sensitivity analysis with pricer_rs

The researcher's workflow end to end: a CSI-300-like universe, a 5,000,000-scenario scan
timed against numpy/scipy, implied-volatility surfaces inverted from (synthetic) option
prices, how much price noise moves each fitted vol, an arbitrage check, and plots."""),
    ("code", """import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import ndtr

import pricer_rs as pr

print(pr.__version__, pr.get_num_threads(), "threads")"""),
    ("markdown", "## A CSI-300-like universe and a 5 M scenario scan"),
    ("code", """rng = np.random.default_rng(300)
names = 300
spots = np.exp(rng.uniform(np.log(2.0), np.log(2000.0), names))   # CNY
n = 5_000_000
name = rng.integers(0, names, n)
s = spots[name]
k = s * rng.uniform(0.5, 1.5, n)
sigma = rng.uniform(0.05, 0.90, n)
t = rng.uniform(1 / 365, 2.0, n)
r = 0.02

def numpy_call(s, k, r, sigma, t):
    st = sigma * np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * sigma**2) * t) / st
    return s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d1 - st)

t0 = time.perf_counter(); ours = pr.price(s, k, r, sigma, t); t_ours = time.perf_counter() - t0
t0 = time.perf_counter(); theirs = numpy_call(s, k, r, sigma, t); t_numpy = time.perf_counter() - t0
print(f"pricer_rs {1e3 * t_ours:.0f} ms, numpy/scipy {1e3 * t_numpy:.0f} ms, ratio {t_numpy / t_ours:.2f}x")
g = pr.greeks(s, k, r, sigma, t, which=("delta", "vega"))
print("mean delta", g.delta.mean(), "mean vega", g.vega.mean())"""),
    ("markdown", "## Surfaces inverted from synthetic prices"),
    ("code", """def market(spot, n_tenors=20, n_strikes=60, q=0.01):
    strikes = np.linspace(0.7 * spot, 1.3 * spot, n_strikes)
    tenors = np.linspace(14 / 365, 1.5, n_tenors)
    fwd = spot * np.exp((r - q) * tenors)[:, None]
    y = np.log(strikes / fwd)
    vols = 0.2 + 0.02 * np.sqrt(tenors)[:, None] - 0.1 * y + 0.3 * y**2
    quote_calls = strikes >= fwd
    prices = pr.price(spot, strikes, r, vols, tenors[:, None], q=q, kind=quote_calls)
    return strikes, tenors, vols, prices, quote_calls

surfaces = {}
for code, spot in [("510300", 3.95), ("600519", 1650.0), ("601318", 52.0)]:
    strikes, tenors, vols, prices, calls = market(spot)
    surf = pr.ImpliedVolSurface.from_prices(spot, strikes, tenors, prices, r=r, q=0.01, kind=calls)
    surfaces[code] = (surf, prices, calls)
    print(code, surf, "max |fitted - true| =", np.nanmax(np.abs(surf.vols - vols)))"""),
    ("markdown", """## Sensitivity of fitted vols to price noise

A quote is known to within half the bid-ask spread; the vol moves by about
`price error / vega`. Re-invert noisy prices and compare with that first-order band."""),
    ("code", """surf, prices, calls = surfaces["510300"]
half_spread = 0.0005                                   # CNY: half a tick-ish on the ETF options
surf = pr.ImpliedVolSurface.from_prices(surf.spot, surf.strikes, surf.tenors, prices, r=surf.r,
                                        q=surf.q, kind=calls, price_error=half_spread)
band = surf.vol_error()                                # first-order: half_spread / vega per node
print(surf.describe_error().to_pandas().head())
noise = rng.uniform(-half_spread, half_spread, prices.shape)
noisy = pr.ImpliedVolSurface.from_prices(surf.spot, surf.strikes, surf.tenors, prices + noise,
                                         r=surf.r, q=surf.q, kind=calls)
moved = np.abs(noisy.vols - surf.vols)
inside = np.nanmean(moved <= 1.01 * band)
print(f"vol moves within the first-order band at {100 * inside:.1f} % of nodes")
print(f"band (vol points): median {100 * np.nanmedian(band):.3f}, 90 % of nodes below {100 * np.nanquantile(band, 0.9):.3f}")
# where vega is ~0 (short tenors, far wings) a half-spread moves the vol without bound
print("nodes where half a spread is worth over 10 vol points:", int(np.sum(band > 0.10)), "of", band.size)"""),
    ("markdown", "## Per-tenor statistics"),
    ("code", """surf.describe().to_pandas().round(4).head(8)"""),
    ("markdown", "## Arbitrage check"),
    ("code", """for code, (fitted, _, _) in surfaces.items():
    print(code, fitted.check_arbitrage())
print("noisy 510300:", noisy.check_arbitrage().counts)"""),
    ("markdown", "## Plots"),
    ("code", """fig = surf.plot()                                     # 510300, fitted with price_error
plt.show()

j = 5
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(surf.strikes, 100 * surf.vols[j], label=f"fitted, T = {surf.tenors[j]:.2f}")
ax.fill_between(surf.strikes, 100 * (surf.vols[j] - band[j]), 100 * (surf.vols[j] + band[j]),
                alpha=0.3, label="± half-spread / vega")
ax.plot(surf.strikes, 100 * noisy.vols[j], ".", label="re-fitted from noisy quotes")
ax.set_xlabel("strike"); ax.set_ylabel("vol (%)"); ax.legend()
plt.show()"""),
]


def main() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
    path = Path(__file__).resolve().parent.parent / "examples" / "csi300_sensitivity.ipynb"
    nbformat.write(nb, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
