"""pricer_rs on dask arrays: the same functions, mapped lazily over blocks.

Each function takes dask arrays (or dask DataFrame columns, or anything numpy takes),
broadcasts them, and maps the Rust kernel over matching blocks. Nothing runs until you
compute; on a `dask.distributed` cluster each block is priced on a worker, which needs
pricer_rs installed. `progress=True` starts the computation at once (`persist`) and shows
dask's progress bar (the distributed one when a client is active), returning the
persisted array.

    import dask.array as da
    from dask.distributed import Client
    import pricer_rs.dask as prd

    client = Client("tcp://scheduler:8786")      # or Client() for a local cluster
    s = da.random.uniform(2, 2000, 20_000_000, chunks=2_500_000)
    prices = prd.price(s, s * 1.1, 0.02, 0.25, 0.5)   # lazy
    prices.sum().compute()
"""

from __future__ import annotations

import math
import re
from typing import Any

import dask
import dask.array as da
import numpy as np

import pricer_rs as _pr

__all__ = ["greeks", "implied_vol", "price"]

_GREEK_FIELDS = ("price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")


def _as_dask(value: Any) -> Any:
    if hasattr(value, "to_dask_array"):  # a dask DataFrame column (dask Series)
        # partition lengths unknown (counting them would compute the frame now)
        return value.to_dask_array()
    if isinstance(value, da.Array):
        return value
    if np.ndim(value) == 0:
        # scalars go to every block as they are: as 0-d dask arrays they were broadcast and
        # rechunked into one full-size block per block (a .sum() peaked at 15x a block)
        return value
    return da.asarray(value)


def _unknown(a: Any) -> bool:
    return any(math.isnan(n) for n in a.shape)


def _aligned(*values: Any) -> list[Any]:
    arrays = [_as_dask(v) for v in values]
    if not any(isinstance(a, da.Array) for a in arrays):
        arrays[0] = da.asarray(arrays[0])  # all scalars: still a (0-d) lazy result
    dense = [a for a in arrays if isinstance(a, da.Array)]
    if any(_unknown(a) for a in dense):
        # chunk sizes unknown (columns of a dask DataFrame, a boolean-masked array): blocks
        # pair one to one when every array is cut into the same blocks, and stay lazy;
        # otherwise the sizes are computed (now) so that the arrays can be aligned
        blocked = [a for a in dense if a.ndim > 0]
        if all(a.ndim == blocked[0].ndim and a.numblocks == blocked[0].numblocks for a in blocked):
            # (scalars stayed values in _as_dask); each block is told where it starts in
            # the whole array, so that a domain error names the whole array's index
            return [*arrays, _block_starts(blocked[0])]
        arrays = [a.compute_chunk_sizes() if isinstance(a, da.Array) and _unknown(a) else a
                  for a in arrays]
        dense = [a for a in arrays if isinstance(a, da.Array)]
    shape = np.broadcast_shapes(*(a.shape for a in dense))
    broadcast = [da.broadcast_to(a, shape) if isinstance(a, da.Array) else a for a in arrays]
    dense = [a for a in broadcast if isinstance(a, da.Array)]
    unified = iter(da.core.unify_chunks(*[x for a in dense for x in (a, tuple(range(len(shape))))])[1])
    return [*(next(unified) if isinstance(a, da.Array) else a for a in broadcast), None]


def _block_starts(layout: Any) -> Any:
    """For a 1-D array of unknown chunk sizes, a lazy array with one element per block (its
    blocks are as many, so map_blocks pairs them with the layout's): where each block starts
    in the whole array, the running sum of the blocks' lengths. Nothing is computed now;
    each block's start waits only for the lengths of the blocks before it. None for other
    layouts (the block's own index is given then)."""
    if layout.ndim != 1:
        return None
    starts: list[Any] = [0]
    for block in layout.to_delayed().ravel()[:-1]:
        starts.append(starts[-1] + dask.delayed(len)(block))
    return da.concatenate([
        da.from_delayed(dask.delayed(np.array)([start]), shape=(math.nan,), dtype=np.int64)
        for start in starts
    ])


def _finish(result: Any, progress: bool) -> Any:
    if not progress:
        return result
    try:
        from distributed import default_client, progress as distributed_progress

        default_client()
    except (ImportError, ValueError):
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            return result.persist()
    persisted = result.persist()
    distributed_progress(persisted)
    return persisted


_INDEXED = re.compile(r"^(\w+)\[([0-9, ]+)\]")


def _in_block(call: Any, block_info: Any, start: Any = None) -> Any:
    """`call()`, with a domain error's index (which the eager function gives within the block
    it saw) moved to the whole array's: `s[4]`, not `s[0]` of the block starting at 4.
    `start` is the block's start where chunk sizes are unknown (`_block_starts`)."""
    try:
        return call()
    except ValueError as error:
        message = str(error)
        found = _INDEXED.match(message)
        where = (block_info or {}).get(None, {}).get("array-location")
        if found is None or not where:
            raise
        index = [int(i) for i in found.group(2).split(",")]
        starts = [start for start, _ in where]
        if start is not None and len(starts) == 1:
            starts = [int(np.asarray(start).ravel()[0])]
        if len(index) != len(starts) or any(isinstance(v, float) and math.isnan(v) for v in starts):
            raise
        shifted = ", ".join(str(i + int(v)) for i, v in zip(index, starts))
        raise ValueError(f"{found.group(1)}[{shifted}]{message[found.end():]}") from None


def _paired(names: tuple[str, ...], blocks: tuple[Any, ...], block_info: Any) -> None:
    """Blocks of unknown size are paired by position (their sizes are unknown at graph
    build, and measuring them would compute the inputs): numpy broadcasting would then pair
    a block of 1 with a block of 3, silently. Every block with axes must have the same shape
    as the others; anything else raises, naming the arguments and their blocks' lengths."""
    where = (block_info or {}).get(None, {}).get("array-location") or []
    if not any(isinstance(v, float) and math.isnan(v) for bounds in where for v in bounds):
        return  # known sizes: _aligned unified the chunks, so blocks pair as numpy pairs
    shaped = [(n, np.shape(b)) for n, b in zip(names, blocks) if np.ndim(b) > 0]
    if len({shape for _, shape in shaped}) > 1:
        block = (block_info or {}).get(None, {}).get("chunk-location")
        listed = ", ".join(f"{n} {shape}" for n, shape in shaped)
        raise ValueError(
            f"arrays of unknown chunk sizes do not pair element by element: block {block} has "
            f"shapes {listed} (the arrays differ in length, or are cut into different blocks); "
            "call .compute_chunk_sizes() on them (or to_dask_array(lengths=True)) first")


def _price_block(s: Any, k: Any, r: Any, sigma: Any, t: Any, q: Any, kind: Any, start: Any,
                 block_info: Any = None) -> Any:
    _paired(("s", "k", "r", "sigma", "t", "q", "kind"), (s, k, r, sigma, t, q, kind), block_info)
    return _in_block(lambda: _pr.price(s, k, r, sigma, t, q=q, kind=kind), block_info, start)


def price(s: Any, k: Any, r: Any, sigma: Any, t: Any, *, q: Any = 0.0, kind: Any = "call",
          progress: bool = False) -> Any:
    """Lazy `pricer_rs.price` over dask arrays (same arguments and units)."""
    args = _aligned(s, k, r, sigma, t, q, kind)
    result = da.map_blocks(_price_block, *args, dtype=np.float64)
    return _finish(result, progress)


def _implied_block(p: Any, s: Any, k: Any, r: Any, t: Any, q: Any, kind: Any, start: Any,
                   block_info: Any = None) -> Any:
    _paired(("price", "s", "k", "r", "t", "q", "kind"), (p, s, k, r, t, q, kind), block_info)
    return _in_block(lambda: _pr.implied_vol(p, s, k, r, t, q=q, kind=kind), block_info, start)


def implied_vol(price: Any, s: Any, k: Any, r: Any, t: Any, *, q: Any = 0.0, kind: Any = "call",
                progress: bool = False) -> Any:
    """Lazy `pricer_rs.implied_vol` over dask arrays (NaN where no vol reproduces a price)."""
    args = _aligned(price, s, k, r, t, q, kind)
    result = da.map_blocks(_implied_block, *args, dtype=np.float64)
    return _finish(result, progress)


def _greeks_block(s: Any, k: Any, r: Any, sigma: Any, t: Any, q: Any, kind: Any, start: Any,
                  which: Any, block_info: Any = None) -> Any:
    # (the block's location is the result's, which has the greeks' axis in front)
    if block_info and None in block_info:
        block_info = {None: {"array-location": block_info[None]["array-location"][1:],
                             "chunk-location": block_info[None].get("chunk-location", ())[1:]}}
    _paired(("s", "k", "r", "sigma", "t", "q", "kind"), (s, k, r, sigma, t, q, kind), block_info)
    g = _in_block(lambda: _pr.greeks(s, k, r, sigma, t, q=q, kind=kind, which=which), block_info,
                  start)
    return np.stack([np.asarray(getattr(g, f)) for f in which])


def greeks(s: Any, k: Any, r: Any, sigma: Any, t: Any, *, q: Any = 0.0, kind: Any = "call",
           which: Any = None, progress: bool = False) -> Any:
    """Lazy `pricer_rs.greeks`: a `Greeks` whose fields are dask arrays, all computed by one
    pass over the blocks. (Typed Any: the `Greeks` stub types its fields as numpy results,
    and `result.delta.compute()` must typecheck.)"""
    # `which` checked as the eager function checks it (unknown names, none at all), on one
    # contract: the fields it fills are the ones the blocks compute
    probe = _pr.greeks(100.0, 100.0, 0.0, 0.2, 1.0, which=which)
    fields = tuple(f for f in _GREEK_FIELDS if getattr(probe, f) is not None)
    args = _aligned(s, k, r, sigma, t, q, kind)
    # the blocks' layout: the first array's that has axes (a 0-d one may come first)
    dense = [a for a in args[:-1] if isinstance(a, da.Array)]
    layout = next((a for a in dense if a.ndim > 0), dense[0])
    stacked = da.map_blocks(_greeks_block, *args, fields, dtype=np.float64, new_axis=0,
                            chunks=((len(fields),), *layout.chunks))
    stacked = _finish(stacked, progress)
    return _pr.Greeks(**{f: stacked[i] for i, f in enumerate(fields)})


def compute(*values: Any) -> Any:
    """`dask.compute` re-exported for convenience."""
    return dask.compute(*values)
