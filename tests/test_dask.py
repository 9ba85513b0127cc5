"""pricer_rs.dask on a real LocalCluster with worker processes (issue 7)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import numpy as np
import pytest

dask = pytest.importorskip("dask", reason="dask is an optional extra: pip install 'pricer_rs[dask]'")
pytest.importorskip("distributed", reason="dask.distributed is part of the [dask] extra")
import dask.array as da  # noqa: E402

import pricer_rs as pr  # noqa: E402
import pricer_rs.dask as prd  # noqa: E402

N = 20_000_000


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit="6GiB")
    with Client(cluster) as c:
        yield c
    cluster.close()


def inputs(n: int) -> tuple[da.Array, ...]:
    rng = da.random.default_rng(300)
    chunks = n // 8
    s = rng.uniform(2.0, 2000.0, n, chunks=chunks)
    k = s * rng.uniform(0.5, 1.5, n, chunks=chunks)
    sigma = rng.uniform(0.05, 0.9, n, chunks=chunks)
    t = rng.uniform(1 / 365, 2.0, n, chunks=chunks)
    return s, k, sigma, t


def test_price_on_worker_processes_equals_in_process(client: object) -> None:
    s, k, sigma, t = inputs(N)
    lazy = prd.price(s, k, 0.02, sigma, t, kind="put")
    assert isinstance(lazy, da.Array) and lazy.shape == (N,) and lazy.numblocks == (8,)
    # the workers are separate processes
    pids = client.run(lambda: __import__("os").getpid())  # type: ignore[attr-defined]
    assert len(set(pids.values())) == 2
    got = lazy.compute()
    s_, k_, sigma_, t_ = dask.compute(s, k, sigma, t)
    np.testing.assert_array_equal(got, pr.price(s_, k_, 0.02, sigma_, t_, kind="put"))


def test_greeks_and_implied_vol_on_workers(client: object) -> None:
    s, k, sigma, t = inputs(2_000_000)
    g = prd.greeks(s, k, 0.02, sigma, t, which=("price", "vega"))
    assert isinstance(g, pr.Greeks) and g.delta is None
    prices = g.price
    vols = prd.implied_vol(prices, s, k, 0.02, t)
    p_, v_, vol_, s_, k_, sigma_, t_ = dask.compute(prices, g.vega, vols, s, k, sigma, t)
    np.testing.assert_array_equal(p_, pr.price(s_, k_, 0.02, sigma_, t_))
    np.testing.assert_array_equal(v_, pr.vega(s_, k_, 0.02, sigma_, t_))
    np.testing.assert_array_equal(vol_, pr.implied_vol(p_, s_, k_, 0.02, t_))


def test_progress_persists_with_the_distributed_bar(client: object) -> None:
    s, k, sigma, t = inputs(400_000)
    result = prd.price(s, k, 0.02, sigma, t, progress=True)
    assert isinstance(result, da.Array)
    assert np.isfinite(result.compute()).all()


def test_dask_dataframe_columns() -> None:
    import dask.dataframe as dd
    import pandas as pd

    frame = pd.DataFrame({"s": np.linspace(50, 150, 1000), "sigma": 0.25})
    ddf = dd.from_pandas(frame, npartitions=4)
    with dask.config.set(scheduler="threads"):
        got = prd.price(ddf["s"], 100.0, 0.01, ddf["sigma"], 0.5).compute()
    np.testing.assert_array_equal(got, pr.price(frame["s"].to_numpy(), 100.0, 0.01, 0.25, 0.5))


def test_objects_pickle_for_workers() -> None:
    p = pr.BlackScholesPricer(r=0.03, sigma=0.2, q=0.01)
    assert pickle.loads(pickle.dumps(p)) == p
    g = pr.greeks(np.array([90.0, 110.0]), 100.0, 0.0, 0.2, 1.0)
    back = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(back.charm, g.charm)
    surf = pr.ImpliedVolSurface(100.0, [90.0, 110.0], [0.5, 1.0], [[0.2, 0.21], [0.22, 0.23]])
    assert pickle.loads(pickle.dumps(surf)) == surf


def test_unknown_chunk_sizes_stay_lazy_and_which_is_checked_eagerly() -> None:
    """Columns of a dask DataFrame and boolean-masked arrays have unknown chunk sizes: they
    are priced block by block without computing anything first (a masked array crashed
    with an unrelated TypeError, and DataFrame columns were computed at graph build).
    `which` is checked as the eager function checks it, at graph build."""
    import dask.dataframe as dd
    import pandas as pd
    from dask.callbacks import Callback

    class Count(Callback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.runs = 0

        def _start(self, dsk: object) -> None:
            self.runs += 1

    m = da.from_array(np.arange(1.0, 11.0) * 10, chunks=3)
    masked = m[m > 30]
    frame = pd.DataFrame({"s": np.linspace(50, 150, 1000), "sigma": 0.25})
    ddf = dd.from_pandas(frame, npartitions=4)
    with dask.config.set(scheduler="threads"), Count() as count:
        lazy_masked = prd.price(masked, 100.0, 0.02, 0.2, 0.5)
        lazy_frame = prd.greeks(ddf["s"], 100.0, 0.01, ddf["sigma"], 0.5, which=("delta", "vega"))
        assert count.runs == 0
        np.testing.assert_array_equal(
            lazy_masked.compute(), pr.price(np.arange(40.0, 101.0, 10.0), 100.0, 0.02, 0.2, 0.5))
        eager = pr.greeks(frame["s"].to_numpy(), 100.0, 0.01, 0.25, 0.5, which=("delta", "vega"))
        np.testing.assert_array_equal(lazy_frame.delta.compute(), eager.delta)  # type: ignore[union-attr]
    # a 0-d dask array ahead of the masked one: the blocks' layout is the masked array's
    with dask.config.set(scheduler="sync"):
        np.testing.assert_array_equal(
            prd.greeks(da.asarray(100.0), masked, 0.02, 0.2, 0.5).delta.compute(),  # type: ignore[union-attr]
            pr.greeks(100.0, np.arange(40.0, 101.0, 10.0), 0.02, 0.2, 0.5).delta)
    x = da.from_array(np.linspace(80, 120, 10), chunks=5)
    with pytest.raises(ValueError, match="unknown greek 'foo'"):
        prd.greeks(x, 100.0, 0.02, 0.2, 0.5, which=("delta", "foo"))
    with pytest.raises(ValueError, match="which names no greek"):
        prd.greeks(x, 100.0, 0.02, 0.2, 0.5, which=())


def test_domain_errors_name_the_whole_arrays_index() -> None:
    """The eager function sees one block: its index was the block's (s[0] for s[4])."""
    s = da.from_array(np.array([1.0, 2, 3, 4, -5, 6]) * 100, chunks=2)
    sigma = da.from_array(np.where(np.arange(16).reshape(4, 4) == 13, -0.2, 0.2), chunks=2)
    with dask.config.set(scheduler="sync"):
        for lazy in (prd.price(s, 100.0, 0.02, 0.2, 0.5), prd.greeks(s, 100.0, 0.02, 0.2, 0.5).delta,
                     prd.implied_vol(1.0, s, 100.0, 0.02, 0.5)):
            with pytest.raises(ValueError, match=r"^s\[4\] = -500.0: s must be > 0"):
                lazy.compute()  # type: ignore[union-attr]
        with pytest.raises(ValueError, match=r"^sigma\[3, 1\] = -0.2"):
            prd.price(np.full((4, 4), 100.0), 100.0, 0.02, sigma, 0.5).compute()


def test_scalars_go_to_every_block_unbroadcast() -> None:
    """A scalar argument was a 0-d dask array broadcast and rechunked to every block (one
    full-size block of 0.02s per block: a .sum() of 2 M prices peaked at 15x a block): the
    graph now holds the inputs' tasks and one task per block, and the scalars as values."""
    s = da.from_array(np.linspace(50.0, 150.0, 1000), chunks=100)
    prices = prd.price(s, 100.0, 0.02, 0.2, 0.5, q=0.01, kind="put")
    assert len(prices.__dask_graph__()) == len(s.__dask_graph__()) + s.numblocks[0]
    want = pr.price(np.linspace(50.0, 150.0, 1000), 100.0, 0.02, 0.2, 0.5, q=0.01, kind="put")
    np.testing.assert_array_equal(prices.compute(), want)
    # numpy scalars and 0-d arrays are scalars too; all-scalar calls stay lazy (0-d)
    assert len(prd.price(s, np.float64(100.0), np.array(0.02), 0.2, 0.5).__dask_graph__()) == 20
    lazy = prd.price(100.0, 100.0, 0.02, 0.2, 0.5)
    assert isinstance(lazy, da.Array) and lazy.compute() == pr.price(100.0, 100.0, 0.02, 0.2, 0.5)
    g = prd.greeks(s, 100.0, 0.02, 0.2, 0.5)
    np.testing.assert_array_equal(g.vega.compute(), pr.greeks(s.compute(), 100.0, 0.02, 0.2, 0.5).vega)


def test_unknown_chunk_sizes_never_pair_blocks_of_different_lengths() -> None:
    """Issue 21: arrays of lengths 5 (blocks 3 + 2) and 3 (blocks 1 + 2), both of unknown
    chunk sizes, computed five wrong values (numpy broadcast a block of 1 against one of 3);
    numpy refuses lengths 5 and 3, and so must the graph, naming the shapes."""
    a = da.from_array(np.array([90.0, 95.0, 100.0, 105.0, 110.0]), chunks=3)
    b = da.from_array(np.array([100.0, 100.0, 100.0, 100.0]), chunks=(1, 3))
    s = a[a > 0]  # unknown sizes, blocks 3 + 2
    k = b[da.from_array(np.array([True, False, True, True]), chunks=(1, 3))]  # unknown, 1 + 2
    assert np.isnan(s.shape[0]) and np.isnan(k.shape[0])
    with dask.config.set(scheduler="sync"):
        for lazy in (prd.price(s, k, 0.02, 0.2, 0.5), prd.implied_vol(s * 0 + 5.0, s, k, 0.02, 0.5),
                     prd.greeks(s, k, 0.02, 0.2, 0.5).delta):
            with pytest.raises(ValueError, match=r"do not pair element by element.*s \(3,\), k \(1,\)"):
                lazy.compute()  # type: ignore[union-attr]
        # equal lengths cut alike still pair (DataFrame columns of one frame)
        same = prd.price(s, s * 1.05, 0.02, 0.2, 0.5).compute()
        np.testing.assert_array_equal(same, pr.price(a.compute(), a.compute() * 1.05, 0.02, 0.2, 0.5))


def test_unknown_chunk_sizes_name_the_whole_arrays_index() -> None:
    """Issue 21: a domain error in a block of unknown size named its index within the block
    (`s[2]`); the whole array's is 7 here (blocks of 3 + 2 + 3 elements after the mask)."""
    values = np.array([90.0, 95.0, 100.0, 105.0, 110.0, 115.0, 120.0, -5.0, 130.0, 135.0])
    a = da.from_array(values, chunks=(4, 3, 3))
    keep = da.from_array(np.array([1, 1, 1, 0, 1, 1, 0, 1, 1, 1], dtype=bool), chunks=(4, 3, 3))
    s = a[keep]  # 8 elements in blocks of 3, 2, 3 of unknown size; -5 is element 5
    assert np.isnan(s.shape[0])
    with dask.config.set(scheduler="sync"):
        for lazy in (prd.price(s, 100.0, 0.02, 0.2, 0.5), prd.greeks(s, 100.0, 0.02, 0.2, 0.5).vega,
                     prd.implied_vol(5.0, s, 100.0, 0.02, 0.5)):
            with pytest.raises(ValueError, match=r"^s\[5\] = -5\.0"):
                lazy.compute()  # type: ignore[union-attr]
        np.testing.assert_array_equal(prd.price(s[s > 0], 100.0, 0.02, 0.2, 0.5).compute(),
                                      pr.price(values[[0, 1, 2, 4, 5, 8, 9]], 100.0, 0.02, 0.2, 0.5))
