"""pricer_rs against vectorised numpy/scipy on the 5,000,000-combination CSI-300 scan.

Every figure is a median of alternating repetitions measured in this one process, and
every claim is a ratio against a baseline timed in the same run (machines differ by 2x
in absolute speed). Run with `make bench`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

import pricer_rs as pr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from csi300_scan import R, numpy_call, scenarios  # noqa: E402

Array = npt.NDArray[np.float64]


def numpy_greeks(s: Array, k: Array, r: float, sigma: Array, t: Array) -> list[Array]:
    """The textbook closed forms of price and nine greeks of a call, vectorised."""
    sqrt_t = np.sqrt(t)
    st = sigma * sqrt_t
    d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / st
    d2 = d1 - st
    nd1, nd2 = ndtr(d1), ndtr(d2)
    pdf1 = np.exp(-0.5 * d1 * d1) / np.sqrt(2 * np.pi)
    disc_k = k * np.exp(-r * t)
    price = s * nd1 - disc_k * nd2
    vega = s * pdf1 * sqrt_t
    return [
        price, nd1, pdf1 / (s * st), vega,
        -s * pdf1 * sigma / (2 * sqrt_t) - r * disc_k * nd2,
        t * disc_k * nd2, -t * s * nd1,
        -pdf1 * d2 / sigma, vega * d1 * d2 / sigma,
        -pdf1 * (2 * r * t - d2 * st) / (2 * t * st),
    ]


def numpy_implied_vol(price: Array, s: Array, k: Array, r: float, t: Array,
                      iterations: int = 40) -> Array:
    """A vectorised safeguarded Newton solver: Newton on sigma with the closed-form vega,
    falling back to bisection of the bracket whenever a step leaves it."""
    lo = np.full_like(price, 1e-4)
    hi = np.full_like(price, 5.0)
    sigma = np.full_like(price, 0.3)
    sqrt_t = np.sqrt(t)
    log_sk = np.log(s / k)
    disc_k = k * np.exp(-r * t)
    for _ in range(iterations):
        st = sigma * sqrt_t
        d1 = (log_sk + (r + 0.5 * sigma * sigma) * t) / st
        model = s * ndtr(d1) - disc_k * ndtr(d1 - st)
        vega = s * np.exp(-0.5 * d1 * d1) / np.sqrt(2 * np.pi) * sqrt_t
        too_high = model > price
        hi = np.where(too_high, sigma, hi)
        lo = np.where(too_high, lo, sigma)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = sigma - (model - price) / vega
        inside = (step > lo) & (step < hi) & np.isfinite(step)
        sigma = np.where(inside, step, 0.5 * (lo + hi))
    return sigma


def median_times(candidates: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Run every candidate once to warm up, then `repeats` rounds, alternating."""
    for fn in candidates.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in samples.items()}


def row(label: str, seconds: float, n: int, baseline: float | None = None) -> str:
    ratio = f"{baseline / seconds:8.2f}x" if baseline else " " * 9
    return f"  {label:<44}{seconds * 1e3:10.1f} ms{seconds / n * 1e9:9.1f} ns {ratio}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n = args.n

    print(f"pricer_rs {pr.__version__}, {pr.get_num_threads()} threads, numpy {np.__version__}")
    print(f"building {n:,} CSI-300-like scenarios ...", flush=True)
    s, k, sigma, t = scenarios(n)

    print("timing call prices ...", flush=True)
    out = np.empty(n)
    prices = median_times({
        "numpy": lambda: numpy_call(s, k, R, sigma, t),
        "ours": lambda: pr.price(s, k, R, sigma, t),
        "ours_out": lambda: pr.price(s, k, R, sigma, t, out=out),
    }, args.repeats)

    print("timing price + 9 greeks ...", flush=True)
    greeks = median_times({
        "numpy": lambda: numpy_greeks(s, k, R, sigma, t),
        "ours": lambda: pr.greeks(s, k, R, sigma, t),
    }, max(3, args.repeats // 2))

    print("timing implied volatility ...", flush=True)
    call_prices = pr.price(s, k, R, sigma, t)
    m = min(n, 1_000_000)  # the numpy solver is slow: time it on a prefix, per option
    iv = median_times({
        "numpy": lambda: numpy_implied_vol(call_prices[:m], s[:m], k[:m], R, t[:m]),
        "ours": lambda: pr.implied_vol(call_prices, s, k, R, t),
    }, 3)
    ours_iv = pr.implied_vol(call_prices, s, k, R, t)
    ref_iv = numpy_implied_vol(call_prices[:m], s[:m], k[:m], R, t[:m])

    print("timing one thread against all ...", flush=True)
    threads = pr.get_num_threads()
    pr.set_num_threads(1)
    one = median_times({"ours": lambda: pr.price(s, k, R, sigma, t)}, 3)["ours"]
    pr.set_num_threads(threads)

    print()
    print(f"  {'workload':<44}{'median':>13}{'per option':>12}{'vs numpy':>10}")
    print(row("call prices: numpy + scipy.special.ndtr", prices["numpy"], n))
    print(row("call prices: pricer_rs.price", prices["ours"], n, prices["numpy"]))
    print(row("call prices: pricer_rs.price(out=...)", prices["ours_out"], n, prices["numpy"]))
    print(row("price + 9 greeks: numpy closed forms", greeks["numpy"], n))
    print(row("price + 9 greeks: pricer_rs.greeks", greeks["ours"], n, greeks["numpy"]))
    print(row(f"implied vol: numpy Newton/bisection ({m:,})", iv["numpy"], m))
    iv_numpy_per_option = iv["numpy"] / m
    print(row("implied vol: pricer_rs.implied_vol", iv["ours"], n, iv_numpy_per_option * n))
    print(row(f"call prices, 1 thread vs {threads}", one, n))
    print(f"  thread scaling: {one / prices['ours']:.2f}x with {threads} threads")
    # accuracy of both solvers in units of what the price's float64 rounding permits,
    # e = |sigma_found - sigma| / (eps (sigma + P / vega)), on rows with vega > 0, P >= 1e-300
    vega = pr.vega(s, k, R, sigma, t)
    ok = (vega > 0) & (call_prices >= 1e-300)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        allowed = np.finfo(float).eps * (sigma + call_prices / vega)
        e_ours = np.abs(ours_iv - sigma) / allowed
        e_numpy = np.abs(ref_iv - sigma[:m]) / allowed[:m]
    print(f"  implied-vol error e (units of the price's rounding): pricer_rs median "
          f"{np.median(e_ours[ok]):.2g}, max {np.max(e_ours[ok]):.3g}; numpy solver median "
          f"{np.nanmedian(e_numpy[ok[:m]]):.2g}, max {np.nanmax(e_numpy[ok[:m]]):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
