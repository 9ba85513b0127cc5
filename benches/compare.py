"""pricer_rs against what a quant already has, on the 5,000,000-combination CSI-300 scan.

Every figure is the median of alternating repetitions in this one process, and every claim
is a ratio against a baseline timed in the same run (machines differ by 2x in absolute
speed). Baselines: vectorised numpy/scipy closed forms, a numba `prange` loop of the same
closed form, the memory floor (a numba `prange` loop that only reads the inputs and writes
fresh outputs), the iv-engine package from PyPI, a vectorised numpy Newton/bisection
solver, and pure Python with `math.erf`. Exits non-zero when a target of issue 25 is
missed. Run with `make bench` (it installs numba and iv-engine).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    vega = s * pdf1 * sqrt_t
    return [
        s * nd1 - disc_k * nd2, nd1, pdf1 / (s * st), vega,
        -s * pdf1 * sigma / (2 * sqrt_t) - r * disc_k * nd2,
        t * disc_k * nd2, -t * s * nd1, -pdf1 * d2 / sigma, vega * d1 * d2 / sigma,
        -pdf1 * (2 * r * t - d2 * st) / (2 * t * st),
    ]


def numpy_implied_vol(price: Array, s: Array, k: Array, r: float, t: Array, iterations: int = 40) -> Array:
    """Vectorised Newton on sigma with the closed-form vega, bisecting whenever a step
    leaves the bracket."""
    lo, hi = np.full_like(price, 1e-4), np.full_like(price, 5.0)
    sigma = np.full_like(price, 0.3)
    sqrt_t, log_sk, disc_k = np.sqrt(t), np.log(s / k), k * np.exp(-r * t)
    for _ in range(iterations):
        st = sigma * sqrt_t
        d1 = (log_sk + (r + 0.5 * sigma * sigma) * t) / st
        model = s * ndtr(d1) - disc_k * ndtr(d1 - st)
        vega = s * np.exp(-0.5 * d1 * d1) / np.sqrt(2 * np.pi) * sqrt_t
        too_high = model > price
        hi, lo = np.where(too_high, sigma, hi), np.where(too_high, lo, sigma)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = sigma - (model - price) / vega
        sigma = np.where((step > lo) & (step < hi) & np.isfinite(step), step, 0.5 * (lo + hi))
    return sigma


def python_call(s: float, k: float, r: float, sigma: float, t: float) -> float:
    st = sigma * math.sqrt(t)
    d1 = (math.log(s / k) + (r + 0.5 * sigma * sigma) * t) / st
    cdf = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    return s * cdf(d1) - k * math.exp(-r * t) * cdf(d1 - st)


def numba_kernels() -> dict[str, Callable[..., Any]] | None:
    try:
        import numba
    except ImportError:
        return None
    sqrt2 = math.sqrt(2.0)

    @numba.njit(parallel=True, fastmath=False, cache=False)
    def call_loop(s, k, r, sigma, t, out):  # type: ignore[no-untyped-def]
        for i in numba.prange(s.size):
            st = sigma[i] * math.sqrt(t[i])
            d1 = (math.log(s[i] / k[i]) + (r + 0.5 * sigma[i] * sigma[i]) * t[i]) / st
            out[i] = (s[i] * 0.5 * math.erfc(-d1 / sqrt2)
                      - k[i] * math.exp(-r * t[i]) * 0.5 * math.erfc(-(d1 - st) / sqrt2))
        return out

    @numba.njit(parallel=True)
    def floor_one(s, k, sigma, t, out):  # type: ignore[no-untyped-def]
        for i in numba.prange(s.size):
            out[i] = s[i] + k[i] + sigma[i] + t[i]
        return out

    @numba.njit(parallel=True)
    def floor_ten(s, k, sigma, t, outs):  # type: ignore[no-untyped-def]
        for i in numba.prange(s.size):
            v = s[i] + k[i] + sigma[i] + t[i]
            for j in range(10):
                outs[j, i] = v
        return outs

    return {"call_loop": call_loop, "floor_one": floor_one, "floor_ten": floor_ten}


def kernel_ns(path: str | None) -> dict[str, float] | None:
    """The `kernel-ns` line that `cargo run --example kernel_ns` printed into `path` (make
    bench passes it): ns per option of the dispatched price kernel and of the naive closed
    form, one core, in cache."""
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        lines = [x for x in f if x.startswith("kernel-ns ")]
    if not lines:
        raise SystemExit(f"{path} has no kernel-ns line: did `cargo run --example kernel_ns` fail?")
    line = lines[-1]
    return {key: float(value) for key, value in (part.split("=") for part in line.split()[1:])}


def median_times(candidates: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Warm every candidate up, then `repeats` rounds, alternating between them."""
    for fn in candidates.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in samples.items()}


def peak_rss_of_price_call(n: int) -> tuple[float, float]:
    """(inputs MB, peak RSS above the resident inputs during one price call, MB), measured in
    a fresh process: the kernel's high-water mark is reset (/proc/self/clear_refs) just
    before the call."""
    code = f"""
import numpy as np, pricer_rs as pr
def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
rng = np.random.default_rng(1)
s = rng.uniform(2, 2000, {n}); k = s * rng.uniform(0.5, 1.5, {n})
sigma = rng.uniform(0.05, 0.9, {n}); t = rng.uniform(1 / 365, 2, {n})
pr.price(s[:10], k[:10], 0.02, sigma[:10], t[:10])
before = status('VmRSS:')
open('/proc/self/clear_refs', 'w').write('5')
out = pr.price(s, k, 0.02, sigma, t)
print(status('VmHWM:') - before)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return 4 * n * 8 / 1e6, float(res.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--kernel-ns", help="the output of `cargo run --example kernel_ns`")
    args = parser.parse_args()
    n, repeats = args.n, args.repeats
    threads = pr.get_num_threads()
    print(f"pricer_rs {pr.__version__}, {threads} threads, numpy {np.__version__}", flush=True)
    print(f"building {n:,} CSI-300-like scenarios ...", flush=True)
    s, k, sigma, t = scenarios(n)
    nb = numba_kernels()
    try:
        import iv_engine
    except ImportError:
        iv_engine = None
    rows: list[tuple[str, float, int]] = []
    targets: list[tuple[str, float, float]] = []  # (claim, measured, required)

    kernel = kernel_ns(args.kernel_ns)
    if kernel:
        targets.append(("price kernel alone >= 6x the naive closed form", kernel["naive"] / kernel["dispatched"], 6.0))

    print("call prices ...", flush=True)
    out = np.empty(n)
    cands: dict[str, Callable[[], object]] = {
        "numpy": lambda: numpy_call(s, k, R, sigma, t),
        "ours": lambda: pr.price(s, k, R, sigma, t),
        "ours_out": lambda: pr.price(s, k, R, sigma, t, out=out),
    }
    if nb:
        cands["numba"] = lambda: nb["call_loop"](s, k, R, sigma, t, np.empty(n))
        cands["floor1"] = lambda: nb["floor_one"](s, k, sigma, t, np.empty(n))
    if iv_engine:
        cands["iv_engine"] = lambda: iv_engine.black_scholes_prices(s, k, t, R, 0.0, sigma)
    p = median_times(cands, repeats)
    rows += [("call prices: numpy + scipy.special.ndtr", p["numpy"], n),
             ("call prices: pricer_rs.price", p["ours"], n),
             ("call prices: pricer_rs.price(out=...)", p["ours_out"], n)]
    targets += [("prices >= 8x numpy (fresh output)", p["numpy"] / p["ours"], 8.0),
                ("prices with out= >= 10x numpy", p["numpy"] / p["ours_out"], 10.0),
                ("out= never slower than fresh (ratio)", p["ours"] / p["ours_out"], 0.97)]
    if nb:
        rows += [("call prices: numba prange loop", p["numba"], n), ("memory floor, 1 output", p["floor1"], n)]
        targets += [("prices >= 3x the numba loop", p["numba"] / p["ours"], 3.0),
                    ("prices within 2.5x of the memory floor", p["floor1"] / p["ours"], 1 / 2.5)]
    if iv_engine:
        rows.append(("call prices: iv-engine", p["iv_engine"], n))

    print("price + 9 greeks ...", flush=True)
    cands = {"numpy": lambda: numpy_greeks(s, k, R, sigma, t), "ours": lambda: pr.greeks(s, k, R, sigma, t)}
    if nb:
        cands["floor10"] = lambda: nb["floor_ten"](s, k, sigma, t, np.empty((10, n)))
    g = median_times(cands, max(3, repeats // 2))
    rows += [("price + 9 greeks: numpy closed forms", g["numpy"], n), ("price + 9 greeks: pricer_rs.greeks", g["ours"], n)]
    targets.append(("greeks >= 6x numpy", g["numpy"] / g["ours"], 6.0))
    if nb:
        rows.append(("memory floor, 10 outputs", g["floor10"], n))
        targets.append(("greeks within 2x of the memory floor", g["floor10"] / g["ours"], 0.5))

    print("implied volatility ...", flush=True)
    call_prices = pr.price(s, k, R, sigma, t)
    m = min(n, 1_000_000)  # the numpy solver is slow: time it on a prefix, per option
    cands = {"numpy": lambda: numpy_implied_vol(call_prices[:m], s[:m], k[:m], R, t[:m]),
             "ours": lambda: pr.implied_vol(call_prices, s, k, R, t)}
    if iv_engine:
        fwd, undiscounted = s * np.exp(R * t), call_prices * np.exp(R * t)
        cands["iv_engine"] = lambda: iv_engine.implied_volatilities(undiscounted, fwd, k, t)
    iv = median_times(cands, 3)
    numpy_iv_n = iv["numpy"] / m * n
    rows += [(f"implied vol: numpy Newton/bisection (per option, {m:,} timed)", numpy_iv_n, n),
             ("implied vol: pricer_rs.implied_vol", iv["ours"], n)]
    targets.append(("implied vols >= 20x numpy Newton", numpy_iv_n / iv["ours"], 20.0))
    if iv_engine:
        rows.append(("implied vol: iv-engine", iv["iv_engine"], n))
        targets.append(("implied vols >= 5x iv-engine", iv["iv_engine"] / iv["ours"], 5.0))

    print("surface, per-point calls, small arrays, threads ...", flush=True)
    strikes, tenors = np.linspace(2.4, 5.6, 200), np.linspace(7 / 365, 2.0, 50)
    vols = 0.2 + 0.05 * np.log(strikes / 4.0) ** 2 + 0.0 * tenors[:, None]
    surf = pr.ImpliedVolSurface(4.0, strikes, tenors, vols, r=R)
    kk, tt = np.meshgrid(strikes, tenors)
    srf = median_times({"numpy": lambda: numpy_greeks(np.full_like(kk, 4.0), kk, R, vols, tt),
                        "ours": lambda: (surf.price(), surf.greeks())}, 20)
    targets.append(("surface price()+greeks() >= 5x numpy", srf["numpy"] / srf["ours"], 5.0))
    rows += [("surface 50 x 200: numpy price + 9 greeks", srf["numpy"], kk.size),
             ("surface 50 x 200: surf.price() + surf.greeks()", srf["ours"], kk.size)]

    pricer = pr.BlackScholesPricer(r=R, sigma=0.25)
    points = [(float(a), float(b), float(c)) for a, b, c in zip(s[:20_000], k[:20_000], t[:20_000])]
    pp = median_times({"python": lambda: [python_call(a, b, R, 0.25, c) for a, b, c in points],
                       "ours": lambda: [pricer.price_call(a, b, c) for a, b, c in points]}, 5)
    targets.append(("per-point price_call >= 5x pure Python", pp["python"] / pp["ours"], 5.0))

    worst_small = math.inf
    for size in (1, 10, 100, 1000):
        sub = slice(0, size)
        small = median_times({"numpy": lambda: numpy_call(s[sub], k[sub], R, sigma[sub], t[sub]),
                              "ours": lambda: pr.price(s[sub], k[sub], R, sigma[sub], t[sub])}, 200)
        worst_small = min(worst_small, small["numpy"] / small["ours"])
    targets.append(("arrays of 1-1000: never slower than numpy", worst_small, 1.0))

    def after_idle(size: int, count: int = 30) -> float:
        """Median time of a `size`-price call made 5 ms after the previous one (a notebook's
        pace: the pool's threads have gone to sleep in between)."""
        sub = slice(0, size)
        samples = []
        for _ in range(count):
            time.sleep(0.005)
            t0 = time.perf_counter()
            pr.price(s[sub], k[sub], R, sigma[sub], t[sub])
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples)

    idle_sizes = (10_000, 30_000)
    idle_many = [after_idle(size) for size in idle_sizes]
    pr.set_num_threads(1)
    idle_one = [after_idle(size) for size in idle_sizes]
    one = median_times({"ours": lambda: pr.price(s, k, R, sigma, t)}, 3)["ours"]
    spots = np.linspace(50.0, 150.0, 10_000_000)
    single = median_times({"one": lambda: pr.price_european_call_batch(spots, 100.0, R, 0.2, 0.25)}, 3)["one"]
    t0 = time.perf_counter()
    workers = [threading.Thread(target=pr.price_european_call_batch, args=(spots, 100.0, R, 0.2, 0.25)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    both = time.perf_counter() - t0
    pr.set_num_threads(threads)
    targets.append((f"{threads} threads >= 1.7x one thread", one / p["ours"], 1.7))
    inputs_mb, rss_mb = peak_rss_of_price_call(n)

    print()
    print(f"  {'workload':<58}{'median':>11}{'per option':>13}")
    for label, seconds, count in rows:
        print(f"  {label:<58}{seconds * 1e3:9.2f} ms{seconds / count * 1e9:10.1f} ns")
    print(f"  GIL: one thread pricing 10,000,000 spots {single * 1e3:.0f} ms; two threads at once "
          f"{both * 1e3:.0f} ms ({both / single:.2f}x, 2.00x if serialised)")
    for size, many, single_idle in zip(idle_sizes, idle_many, idle_one):
        print(f"  {size:,} prices 5 ms after the last call: {threads} threads {many * 1e6:.0f} us, "
              f"one thread {single_idle * 1e6:.0f} us ({single_idle / many:.2f}x)")
    print(f"  memory: during the {n:,}-option price call peak RSS rose {rss_mb:.0f} MB above the "
          f"resident inputs ({inputs_mb:.0f} MB); one output array is {n * 8 / 1e6:.0f} MB")
    ok = (vega := pr.vega(s, k, R, sigma, t)) > 0
    ours_iv = pr.implied_vol(call_prices, s, k, R, t)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        e = np.abs(ours_iv - sigma) / (np.finfo(float).eps * (sigma + call_prices / vega))
    ok &= call_prices >= 1e-300
    # a price with no time value left (at or below its intrinsic value) has no vol: NaN
    no_vol = ok & np.isnan(ours_iv)
    ok &= ~np.isnan(ours_iv)
    print(f"  implied-vol error e (units of the price's rounding): median {np.median(e[ok]):.2g}, max {np.max(e[ok]):.3g}"
          f" ({int(no_vol.sum()):,} prices without time value: NaN)")
    if kernel:
        # the kernel's share: its time per option on one core (in cache, `kernel_ns`) times the
        # options, spread over the threads, against the whole call
        inside = kernel["dispatched"] * 1e-9 * n / threads
        print(f"  {n:,} prices: the kernel alone would take {inside * 1e3:.1f} ms on {threads} threads; "
              f"outside it (checks, memory, pages, the pool) {max(0.0, 1 - inside / p['ours']):.0%} of the "
              f"fresh call, {max(0.0, 1 - inside / p['ours_out']):.0%} of the out= call")
    print()
    print(f"  {'target':<48}{'measured':>10}{'needed':>10}")
    missed = 0
    for claim, measured, needed in targets:
        flag = "ok" if measured >= needed else "MISSED"
        missed += flag != "ok"
        print(f"  {claim:<48}{measured:>9.2f}x{needed:>9.2f}x  {flag}")
    if not nb:
        print("  (numba not installed: the numba and memory-floor baselines were skipped)")
    if not iv_engine:
        print("  (iv-engine not installed: its baselines were skipped)")
    print(f"\n  {missed} of {len(targets)} targets missed")
    return 1 if missed else 0


if __name__ == "__main__":
    os.environ.setdefault("NUMBA_NUM_THREADS", str(pr.get_num_threads()))
    sys.exit(main())
