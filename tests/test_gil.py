"""The GIL is released during array work (issue 2). Robust to a loaded machine: each
property is measured against its own baseline in the same run, and retried."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import pricer_rs as pr


@pytest.fixture
def single_threaded_calls() -> Iterator[None]:
    before = pr.get_num_threads()
    pr.set_num_threads(1)
    try:
        yield
    finally:
        pr.set_num_threads(before)


def longest_stall_of(call: Callable[[], object]) -> tuple[float, float]:
    """Run `call` in a thread; return (its duration, the longest gap between two iterations
    of a Python loop running meanwhile in this thread)."""
    done = threading.Event()
    span: list[float] = []

    def work() -> None:
        t0 = time.perf_counter()
        call()
        span.append(time.perf_counter() - t0)
        done.set()

    worker = threading.Thread(target=work)
    # the clock starts before the thread: a new thread can take the GIL inside `start()` and
    # keep it, and a loop that started counting after `start()` returned would not see that
    last = time.perf_counter()
    worker.start()
    longest = 0.0
    while not done.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
        sum(range(50))
    worker.join()
    return span[0], longest


def longest_stall_during_call(spots: np.ndarray) -> tuple[float, float]:
    """Run one big batch in a thread; return (call duration, longest gap between two
    iterations of a Python loop running meanwhile in this thread)."""
    return longest_stall_of(lambda: pr.price_european_call_batch(spots, 100.0, 0.05, 0.2, 0.25))


def test_python_thread_progresses_during_a_batch(single_threaded_calls: None) -> None:
    spots = np.linspace(50.0, 150.0, 5_000_000)
    results = []
    for _ in range(3):
        duration, stall = longest_stall_during_call(spots)
        results.append((duration, stall))
        # with the GIL held the loop would stall for the whole call
        if stall < 0.25 * duration:
            return
    pytest.fail(f"a Python thread stalled during the call: (duration, stall) = {results}")


def both_in_flight(spots: np.ndarray) -> bool:
    """Two threads price `spots` into their own `out=` arrays (NaN until written, chunk by
    chunk on one pool thread); this thread samples both meanwhile. True when, at some
    instant, both are partly written: both calls were in progress together. A lock held
    across a call (the GIL, or one of ours) would let one start only after the other
    ended. Unlike a speed-up, this holds on a loaded machine: with one core left, the
    system still interleaves the two calls."""
    outs = [np.full(spots.size, np.nan) for _ in range(2)]
    threads = [
        threading.Thread(target=pr.price, args=(spots, 100.0, 0.05, 0.2, 0.25), kwargs={"out": out})
        for out in outs
    ]
    for th in threads:
        th.start()
    seen = False
    samples = spots.size // 1000
    while not seen and any(th.is_alive() for th in threads):
        written = [np.count_nonzero(~np.isnan(out[::1000])) for out in outs]
        seen = all(0 < w < samples for w in written)
        time.sleep(0.0005)
    for th in threads:
        th.join()
    return seen


def test_two_threads_overlap(single_threaded_calls: None) -> None:
    spots = np.linspace(50.0, 150.0, 10_000_000)

    def one() -> None:
        pr.price_european_call_batch(spots, 100.0, 0.05, 0.2, 0.25)

    attempts = []
    for _ in range(3):
        t0 = time.perf_counter()
        one()
        single = time.perf_counter() - t0

        threads = [threading.Thread(target=one) for _ in range(2)]
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        both = time.perf_counter() - t0
        cpu_per_wall = (time.process_time() - cpu0) / both
        attempts.append((single, both, cpu_per_wall))
        # serialised calls would take 2x as long and use one core
        if both < 1.6 * single and cpu_per_wall > 1.3:
            return
        # another process may hold the second core (this test failed so while a helper ran
        # mpmath beside it): then the calls must at least be in progress together
        if both_in_flight(spots):
            return
    pytest.fail(f"two threads did not overlap: (one, two, cpu/wall) = {attempts}")


def test_surface_analytics_release_the_gil(single_threaded_calls: None) -> None:
    # big enough that each call takes tens of milliseconds; with the GIL held the loop
    # would stall for the whole call (as it did for these methods before)
    strikes, tenors = np.linspace(50.0, 150.0, 1200), np.linspace(0.05, 3.0, 1000)
    vols = 0.2 + 0.1 * (np.log(strikes / 100.0) ** 2) + 0.01 * tenors[:, None]
    surf = pr.ImpliedVolSurface(100.0, strikes, tenors, vols, r=0.02)
    calls = {
        "check_arbitrage": surf.check_arbitrage,
        "describe": surf.describe,
        "vol_error": lambda: surf.vol_error(0.01),
        "vol_error exact": lambda: surf.vol_error(0.01, exact=True),
        "shifted": lambda: surf.shifted(0.01),
    }
    for name, call in calls.items():
        results = []
        for _ in range(5):
            duration, stall = longest_stall_of(call)
            results.append((round(duration, 4), round(stall, 4)))
            if stall < 0.5 * duration:
                break
        else:
            pytest.fail(f"{name}: a Python thread stalled during the call: {results}")
