"""Threads and leaks (issue 8): 8 threads calling every API at once agree with single-threaded
calls; repeated calls keep RSS flat and leave reference counts unchanged."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pricer_rs as pr

rng = np.random.default_rng(8)
S = rng.uniform(50, 150, 50_000)
K = S * rng.uniform(0.8, 1.2, S.size)
SIG = rng.uniform(0.1, 0.6, S.size)
T = rng.uniform(0.05, 2.0, S.size)
P = pr.price(S, K, 0.02, SIG, T)
PRICER = pr.BlackScholesPricer(r=0.02, sigma=0.3, q=0.01)
SURFACE = pr.ImpliedVolSurface(100.0, np.linspace(60, 140, 17), np.array([0.1, 0.5, 1.0, 2.0]),
                               np.full((4, 17), 0.25), r=0.02)

CALLS: list[tuple[str, Callable[[], Any]]] = [
    ("price", lambda: pr.price(S, K, 0.02, SIG, T, kind="put")),
    ("greeks", lambda: pr.greeks(S, K, 0.02, SIG, T).to_dict()),
    ("delta", lambda: pr.delta(S, K, 0.02, SIG, T)),
    ("implied_vol", lambda: pr.implied_vol(P, S, K, 0.02, T)),
    ("black76", lambda: pr.black76_price(S, K, 0.02, SIG, T)),
    ("batch", lambda: pr.price_european_call_batch(S, 100.0, 0.02, 0.2, 0.5)),
    ("pricer", lambda: PRICER.price_surface(100.0, np.linspace(80, 120, 41), np.linspace(0.1, 2, 20))),
    ("scalar", lambda: pr.price(101.0, 99.0, 0.02, 0.2, 0.3)),
    ("surface", lambda: SURFACE.price_at(K[:1000], T[:1000])),
    ("surface_fit", lambda: pr.ImpliedVolSurface.from_prices(
        100.0, SURFACE.strikes, SURFACE.tenors, SURFACE.price(), r=0.02).vols),
]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(np.array_equal(a, b, equal_nan=True))


def test_eight_threads_agree_with_single_threaded_calls() -> None:
    expected = {name: fn() for name, fn in CALLS}
    failures: list[str] = []
    counts = [0] * 8
    deadline = time.monotonic() + 4.0

    def worker(w: int) -> None:
        i = w
        while time.monotonic() < deadline:
            name, fn = CALLS[i % len(CALLS)]
            if not same(fn(), expected[name]):
                failures.append(name)
            counts[w] += 1
            i += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures[:5]
    assert min(counts) >= len(CALLS), counts  # every thread went through every API


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_repeated_calls_keep_rss_flat() -> None:
    small_s, small_k = S[:100].copy(), K[:100].copy()

    def one_round() -> None:
        pr.price(small_s, small_k, 0.02, 0.2, 0.5)
        pr.greeks(small_s, small_k, 0.02, 0.2, 0.5)
        pr.implied_vol(P[:100], small_s, small_k, 0.02, T[:100])
        pr.price(100.0, 100.0, 0.02, 0.2, 0.5)
        PRICER.price_call(100.0, 95.0, 0.5)
        SURFACE.vol(small_k, 0.7)
        try:
            pr.price(small_s, -1.0, 0.02, 0.2, 0.5)
        except ValueError:
            pass

    for _ in range(1_000):  # warm up allocator pools and caches
        one_round()
    gc.collect()
    before = rss_bytes()
    for _ in range(10_000):
        one_round()
    gc.collect()
    growth = rss_bytes() - before
    assert growth < 8 * 1024 * 1024, f"RSS grew by {growth / 1e6:.1f} MB over 10,000 rounds"


def test_reference_counts_of_inputs_are_stable() -> None:
    s, k = S[:1000].copy(), K[:1000].copy()
    kinds = np.array(["call", "put"] * 500)
    before = [sys.getrefcount(x) for x in (s, k, kinds)]
    for _ in range(2_000):
        pr.price(s, k, 0.02, 0.2, 0.5, kind=kinds)
        pr.greeks(s, k, 0.02, 0.2, 0.5, which=("delta",))
        pr.implied_vol(P[:1000], s, k, 0.02, 0.5)
        try:
            pr.price(s, k, 0.02, -0.2, 0.5)
        except ValueError:
            pass
    after = [sys.getrefcount(x) for x in (s, k, kinds)]
    assert before == after


def _in_forked_child(_: int) -> tuple[bool, int, int]:
    got = pr.price(S, K, 0.02, SIG, T)  # large enough for the pool
    deadline = time.monotonic() + 10.0
    while True:  # the pool's threads start in the background: give them time to be named
        names = [p.read_text().strip() for p in Path("/proc/self/task").glob("*/comm")]
        ours = sum(name.startswith("pricer_rs-") for name in names)
        if ours >= pr.get_num_threads() or time.monotonic() > deadline:
            return bool(np.array_equal(got, P)), pr.get_num_threads(), ours
        time.sleep(0.01)


@pytest.mark.skipif(sys.platform != "linux", reason="fork and /proc/self/task")
def test_a_forked_child_gets_a_pool_of_its_own() -> None:
    # multiprocessing forks on Linux: the parent's pool threads do not exist in the child, so
    # the child starts its own (as many) instead of queueing work for threads that never run
    import multiprocessing

    pr.price(S, K, 0.02, SIG, T)  # the parent's pool exists before the fork
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(_in_forked_child, range(2)).get(timeout=60)
    for equal, threads, ours in results:
        assert equal
        assert threads == pr.get_num_threads()
        assert ours == threads


@pytest.mark.parametrize(("value", "threads", "warns"), [
    ("3", 3, False), (" 1 ", 1, False), ("abc", None, True), ("0", None, True), ("-2", None, True),
    # beyond 1,024 threads: ignored (18446744073709551615 raised a PanicException from the
    # pool's allocation on the first call)
    ("1025", None, True), ("18446744073709551615", None, True),
    # the core and the import-time warning share one rule: ASCII spaces around the digits;
    # a no-break space was honoured by the core while the warning called the value ignored
    ("\t+2\n", 2, False), ("\u00a03", None, True), ("\x0b3", None, True),
])
def test_thread_count_from_the_environment(value: str, threads: int | None, warns: bool) -> None:
    code = (
        "import os, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import pricer_rs as pr\n"
        "print(pr.get_num_threads(), os.cpu_count(), len(caught))\n"
        "print(caught[0].message if caught else '')\n"
        "assert pr.price(100.0, 100.0, 0.02, 0.2, [0.5] * 5000).shape == (5000,)\n"
    )
    env = {**os.environ, "PRICER_RS_NUM_THREADS": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    first, message = out.stdout.splitlines()[:2]
    got, cores, warnings_seen = (int(v) for v in first.split())
    if threads is not None:
        assert got == threads
    else:  # ignored: one thread per available core
        assert 1 <= got <= cores
    assert (warnings_seen == 1) == warns, out.stdout
    assert "Panic" not in out.stderr
    if warns:
        assert "PRICER_RS_NUM_THREADS" in message and repr(value) in message
