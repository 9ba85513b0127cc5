"""The main job: price 5,000,000 CSI-300-like (S, K, sigma, t) combinations.

Spots 2-2000 CNY, strikes within +-50 % of spot, vols 5-90 %, 1 day to 2 years, r = 2 %.
Prints the time of pricer_rs beside the same computation in vectorised numpy with
scipy.special.ndtr, and the ratio. Run with `make demo`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

import pricer_rs as pr

N = 5_000_000
R = 0.02


def scenarios(n: int, seed: int = 300) -> tuple[npt.NDArray[np.float64], ...]:
    rng = np.random.default_rng(seed)
    spot = np.exp(rng.uniform(np.log(2.0), np.log(2000.0), n))
    strike = spot * rng.uniform(0.5, 1.5, n)
    sigma = rng.uniform(0.05, 0.90, n)
    t = rng.uniform(1.0 / 365.0, 2.0, n)
    return spot, strike, sigma, t


def numpy_call(
    s: npt.NDArray[np.float64], k: npt.NDArray[np.float64], r: float,
    sigma: npt.NDArray[np.float64], t: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The textbook closed form, vectorised: what a researcher writes with numpy/scipy."""
    sqrt_t = np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    out: npt.NDArray[np.float64] = s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d2)
    return out


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls of `fn`, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> int:
    print(f"pricer_rs {pr.__version__}: {pr.get_num_threads()} threads")
    print(f"building {N:,} CSI-300-like scenarios ...", flush=True)
    s, k, sigma, t = scenarios(N)

    print("pricing with pricer_rs and with numpy + scipy.special.ndtr ...", flush=True)
    ours = pr.price(s, k, R, sigma, t)
    theirs = numpy_call(s, k, R, sigma, t)
    t_ours = median_time(lambda: pr.price(s, k, R, sigma, t), 5)
    t_numpy = median_time(lambda: numpy_call(s, k, R, sigma, t), 5)

    scale = np.maximum(np.abs(theirs), 1e-300)
    agree = np.nanmax(np.abs(ours - theirs) / np.maximum(scale, 1e-12 * s))
    print()
    print(f"{'method':<32}{'time (ms)':>12}{'ns/option':>12}")
    print(f"{'pricer_rs.price':<32}{t_ours * 1e3:>12.1f}{t_ours / N * 1e9:>12.1f}")
    print(f"{'numpy + scipy.special.ndtr':<32}{t_numpy * 1e3:>12.1f}{t_numpy / N * 1e9:>12.1f}")
    print(f"{'ratio (numpy / pricer_rs)':<32}{t_numpy / t_ours:>12.2f}x")
    print(f"largest relative difference between the two: {agree:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
