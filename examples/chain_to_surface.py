"""From an option chain to a volatility surface: a synthetic CSI 300 ETF (510300) chain.

A long table of quotes (expiry date, strike, call/put, bid, ask) as a desk receives it,
with what real chains have: a few crossed and stale quotes, a zero bid in the wings and a
contract expiring today. It goes through `ImpliedVolSurface.from_chain` (forwards implied
from put-call parity, out-of-the-money quotes, rejected rows reported with a reason), a
polars lazy query with `pricer_rs.polars` expressions, and the surface's plots and error
bands.

    python examples/chain_to_surface.py [surface.png]
"""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import polars as pl

import pricer_rs as pr
import pricer_rs.polars as prpl

SPOT, R = 3.95, 0.018
VALUATION = dt.date(2026, 12, 7)
DAYS = [7, 30, 63, 120, 365, 730]
# dividends are paid in June and July: the implied carry differs from expiry to expiry
Q_TRUE = [0.045, 0.030, 0.024, 0.016, 0.010, 0.004]
STRIKES = np.round(np.arange(3.0, 5.0001, 0.05), 2)


def smile(k: np.ndarray, f: float, t: float) -> np.ndarray:
    y = np.log(k / f)
    return 0.19 + 0.02 * np.sqrt(t) - 0.12 * y + 0.35 * y * y


def synthetic_chain() -> tuple[pl.DataFrame, np.ndarray]:
    """The chain, and the forwards that made it."""
    rows = []
    forwards = []
    for days, q in zip(DAYS, Q_TRUE):
        t = days / 365
        f = SPOT * np.exp((R - q) * t)
        forwards.append(f)
        strikes = STRIKES if days > 7 else STRIKES[(STRIKES >= 3.6) & (STRIKES <= 4.3)]
        vols = smile(strikes, f, t)
        for kind in ("call", "put"):
            p = pr.price(SPOT, strikes, R, vols, t, q=q, kind=kind)
            half = np.minimum(0.002, 0.2 * p)  # a tick-ish half spread, wider in relative terms far out
            for k, mid, h in zip(strikes, p, half):
                rows.append((VALUATION + dt.timedelta(days=days), float(k), kind, mid - h, mid + h))
    chain = pl.DataFrame(rows, schema=["expiry", "strike", "kind", "bid", "ask"], orient="row")
    idx = {(e, k, c): i for i, (e, k, c) in enumerate(zip(chain["expiry"], chain["strike"], chain["kind"]))}
    bid, ask = chain["bid"].to_numpy().copy(), chain["ask"].to_numpy().copy()

    def at(days: int, k: float, kind: str) -> int:
        return idx[(VALUATION + dt.timedelta(days=days), k, kind)]

    for i in (at(63, 3.7, "put"), at(365, 4.8, "call")):  # crossed
        bid[i], ask[i] = ask[i] + 0.001, bid[i]
    bid[at(730, 5.0, "call")] = 0.0  # no buyer in the far wing
    for days, k, kind in ((120, 3.5, "call"), (365, 4.6, "put")):  # stale: under intrinsic
        i = at(days, k, kind)
        f = forwards[DAYS.index(days)]
        intrinsic = np.exp(-R * days / 365) * abs(f - k)
        bid[i], ask[i] = 0.8 * intrinsic, 0.82 * intrinsic
    chain = chain.with_columns(bid=pl.Series(bid), ask=pl.Series(ask))
    expiring = pl.DataFrame({"expiry": [VALUATION], "strike": [3.95], "kind": ["call"], "bid": [0.001],
                             "ask": [0.003]})
    return pl.concat([chain, expiring]), np.array(forwards)


def main(png: str = "chain_surface.png") -> None:
    chain, true_forwards = synthetic_chain()
    print(f"chain: {chain.height} quotes, {chain['expiry'].n_unique()} expiries, valued {VALUATION}")

    surf = pr.ImpliedVolSurface.from_chain(chain, SPOT, r=R, valuation_date=VALUATION)
    report = surf.chain_report
    rel = np.max(np.abs(report["forwards"] / true_forwards - 1))
    print(f"parity-implied forwards vs the ones that made the chain: max relative difference {rel:.2e}")
    for expiry, f, q in zip(report["expiries"], report["forwards"], report["q"]):
        print(f"  {str(expiry)[:10]}  forward {f:.6f}  q {q:+.4%}")
    rejected = report["rejected"]
    print(f"rejected rows (could not be used): {rejected.height}")
    print(rejected.group_by("reason").len().sort("reason"))
    print(f"unused in-the-money quotes (not out of the money, their twin was used): {report['unused'].height}")
    print(surf)

    # the same quotes in a polars lazy query: mid, time, the expiry's q, implied vol, greeks
    carry = pl.DataFrame({"expiry": report["expiries"], "q": report["q"]}).with_columns(pl.col("expiry").cast(pl.Date))
    iv = (
        chain.lazy()
        .join(carry.lazy(), on="expiry", how="left")
        .with_columns(
            mid=(pl.col("bid") + pl.col("ask")) / 2,
            t=(pl.col("expiry") - pl.lit(VALUATION)).dt.total_days() / 365,
        )
        .filter(pl.col("t") > 0, pl.col("bid") > 0)
        .with_columns(iv=prpl.implied_vol("mid", SPOT, "strike", R, "t", q="q", kind=pl.col("kind")))
        .with_columns(g=prpl.greeks(SPOT, "strike", R, "iv", "t", q="q", kind=pl.col("kind"), which=("delta", "vega")))
        .collect()
    )
    nan = iv.filter(pl.col("iv").is_nan())
    print(f"polars lazy query: {iv.height} quotes, {nan.height} without an implied vol")
    codes = pr.implied_vol_reason(nan["mid"].to_numpy(), SPOT, nan["strike"].to_numpy(), R, nan["t"].to_numpy(),
                                  q=nan["q"].to_numpy(), kind=nan["kind"].to_numpy())
    for code, n in zip(*np.unique(codes, return_counts=True)):
        print(f"  {n} x {pr.IV_REASONS[int(code)]}")

    # how far to trust each vol: half the spread over vega
    band = surf.vol_error()
    j = list(report["tenors"]).index(report["tenors"][3])
    atm = int(np.nanargmin(np.abs(surf.strikes - report["forwards"][j])))
    print(f"vol error at the money, {DAYS[j]} days: {band[j, atm] * 1e4:.2f} vol bp"
          f" (max over the surface {np.nanmax(band) * 1e4:.1f} bp)")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = surf.plot()
    fig.savefig(png, dpi=80)
    fig2, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(surf.strikes, 100 * surf.vols[j], label=f"{DAYS[j]} days")
    ax.fill_between(surf.strikes, 100 * (surf.vols[j] - band[j]), 100 * (surf.vols[j] + band[j]), alpha=0.3,
                    label="+- half spread / vega")
    ax.set_xlabel("strike")
    ax.set_ylabel("implied vol (%)")
    ax.legend()
    fig2.savefig(png.replace(".png", "_error_band.png"), dpi=80)
    print(f"saved {png}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
