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
    ("markdown", """## From a chain of quotes to a surface

A desk's chain is a long table: expiry date, strike, call/put, bid, ask, with what real
chains have (crossed and stale quotes, a zero bid, a contract expiring today).
`ImpliedVolSurface.from_chain` implies each expiry's forward from put-call parity, keeps the
out-of-the-money quote at each strike, uses half the spread as the price error and reports
every row it could not use, with the reason."""),
    ("code", """import datetime as dt
import polars as pl
import pricer_rs.polars as prpl

valued = dt.date(2026, 12, 7)
days = [7, 30, 63, 120, 365, 730]
q_true = [0.045, 0.030, 0.024, 0.016, 0.010, 0.004]       # dividends ahead: a carry per expiry
grid_k = np.round(np.arange(3.0, 5.0001, 0.05), 2)
rows, true_fwd = [], []
for d, q in zip(days, q_true):
    tt = d / 365
    f = 3.95 * np.exp((0.018 - q) * tt)
    true_fwd.append(f)
    ks = grid_k if d > 7 else grid_k[(grid_k >= 3.6) & (grid_k <= 4.3)]
    y = np.log(ks / f)
    vol = 0.19 + 0.02 * np.sqrt(tt) - 0.12 * y + 0.35 * y * y
    for cp in ("call", "put"):
        p = pr.price(3.95, ks, 0.018, vol, tt, q=q, kind=cp)
        h = np.minimum(0.002, 0.2 * p)
        rows += [(valued + dt.timedelta(days=d), float(k_), cp, float(m - e), float(m + e)) for k_, m, e in zip(ks, p, h)]
rows[10] = rows[10][:3] + (rows[10][4] + 0.001, rows[10][3])          # a crossed quote
rows[300] = rows[300][:3] + (0.0, rows[300][4])                        # a zero bid
rows[204] = rows[204][:3] + (0.36, 0.37)                               # stale: under intrinsic (120 d, 3.5 call)
rows[349] = rows[349][:3] + (0.45, 0.47)                               # stale: under intrinsic (1 y, 4.6 put)
rows.append((valued, 3.95, "call", 0.001, 0.003))                      # expires today
chain = pl.DataFrame(rows, schema=["expiry", "strike", "kind", "bid", "ask"], orient="row")

chain_surf = pr.ImpliedVolSurface.from_chain(chain, 3.95, r=0.018, valuation_date=valued)
report = chain_surf.chain_report
print("parity forwards vs true: max relative difference",
      f"{np.max(np.abs(report['forwards'] / np.array(true_fwd) - 1)):.1e}")
report["rejected"].group_by("reason").len().sort("reason")"""),
    ("markdown", """The same quotes in a polars lazy query, and why the implied vols that came back NaN
are NaN."""),
    ("code", """carry = pl.DataFrame({"expiry": report["expiries"], "q": report["q"]}).with_columns(pl.col("expiry").cast(pl.Date))
quotes = (
    chain.lazy()
    .join(carry.lazy(), on="expiry", how="left")
    .with_columns(mid=(pl.col("bid") + pl.col("ask")) / 2,
                  t=(pl.col("expiry") - pl.lit(valued)).dt.total_days() / 365)
    .filter(pl.col("t") > 0)
    .with_columns(iv=prpl.implied_vol("mid", 3.95, "strike", 0.018, "t", q="q", kind=pl.col("kind")))
    .collect()
)
bad = quotes.filter(pl.col("iv").is_nan())
codes = pr.implied_vol_reason(bad["mid"].to_numpy(), 3.95, bad["strike"].to_numpy(), 0.018,
                              bad["t"].to_numpy(), q=bad["q"].to_numpy(), kind=bad["kind"].to_numpy())
bad.with_columns(reason=pl.Series([pr.IV_REASONS[int(c)] for c in codes])).select("expiry", "strike", "kind", "bid", "ask", "reason")"""),
    ("code", """fig = chain_surf.plot(tenors=[7 / 365, 30 / 365, 1.0, 2.0])   # heatmap rows at their true tenors
plt.show()
chain_surf"""),
    ("markdown", """## How sensitive is the fit? Both ways

The question the 5-million-combination scan was built for: how much do the fitted SVI
parameters move when the quotes move. The brute-force way re-fits the surface with each
quote bumped, one at a time; the closed form differentiates the fit's first-order
conditions at the optimum (implicit-function theorem) and gets every sensitivity from one
fit. They must agree; the second is what a study of thousands of surfaces can afford."""),
    ("code", """# quotes whose smiles are SVI-shaped (a smile that is an exact parabola in log-moneyness,
# like the chain above, is SVI's sigma -> infinity limit: its fit has no finite optimum and
# is flagged 'not converged', with NaN sensitivities)
spot, r, q = 3.95, 0.018, 0.012
tenors = np.array([30, 60, 91, 182, 365, 730]) / 365
strikes = np.linspace(3.0, 5.2, 41)
fwd = spot * np.exp((r - q) * tenors)
x = np.log(strikes[None, :] / fwd[:, None])
a, b, rho, m, sig = 0.012 * tenors[:, None], 0.05 * np.sqrt(tenors[:, None]), -0.45, 0.02, 0.12
true_vols = np.sqrt((a + b * (rho * (x - m) + np.sqrt((x - m) ** 2 + sig**2))) / tenors[:, None])
otm = strikes[None, :] >= fwd[:, None]
mid = pr.price(spot, strikes[None, :], r, true_vols, tenors[:, None], q=q, kind=otm)
mid = mid + np.random.default_rng(3).normal(0, 2e-4, mid.shape)        # quote noise
quoted = pr.ImpliedVolSurface.from_prices(spot, strikes, tenors, mid, r=r, q=q, kind=otm,
                                          price_error=5e-4)             # half spread
fit = quoted.fit_svi(arbitrage_free=False)
print(fit)

start = time.perf_counter()
closed = fit.sensitivity()                      # (tenors, 5, strikes): d params / d quoted vol
closed_time = time.perf_counter() - start

j = int(np.argmax(fit.n_used))                  # the best-quoted expiry
nodes = np.flatnonzero(np.isfinite(quoted.vols[j]))
h = 1e-5
start = time.perf_counter()
brute = np.zeros((5, len(nodes)))
for c, i in enumerate(nodes):
    bump = np.zeros(quoted.shape)
    bump[j, i] = h
    # (the weights held at the fit's: vol_error = price_error / vega would move with the bump)
    up = quoted.shifted(bump).fit_svi(arbitrage_free=False, weights=fit.weights).params[j]
    down = quoted.shifted(-bump).fit_svi(arbitrage_free=False, weights=fit.weights).params[j]
    brute[:, c] = (up - down) / (2 * h)
brute_time = time.perf_counter() - start
scale = np.abs(brute).max(axis=1, keepdims=True)
print(f"expiry {quoted.tenors[j]:.3f}: {len(nodes)} quotes, {2 * len(nodes)} re-fits in {brute_time:.2f} s;"
      f" the closed form for every expiry in {1e3 * closed_time:.1f} ms")
print("largest difference, relative to each parameter's largest sensitivity:",
      np.abs(closed[j][:, nodes] - brute).max(axis=1) / scale.ravel())
print("standard errors of (a, b, rho, m, sigma), 1-year expiry:", fit.standard_errors()[4])"""),
    ("code", """ms = fit.market_sensitivity()                  # quotes (prices) fixed; spot, rate, dividend move
print("d(a, b, rho, m, sigma)/d spot per expiry:")
print(np.array2string(ms["spot"], precision=4, suppress_small=True))
fig = fit.plot(tenors=quoted.tenors[[1, 3, 5]])
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
