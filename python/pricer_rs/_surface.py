"""Pure-Python conveniences of ImpliedVolSurface: Jupyter HTML, pandas, matplotlib.

Kept out of the Rust class because they only arrange numbers for display; each imports its
optional dependency lazily, so `import pricer_rs` needs neither pandas nor matplotlib.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ._native import ImpliedVolSurface

MAX_ROWS = 12
MAX_COLUMNS = 10


def _pick(n: int, most: int) -> list[int | None]:
    """Indices to show of n, with None where the middle is elided."""
    if n <= most:
        return list(range(n))
    half = most // 2
    return [*range(half), None, *range(n - half, n)]


def _money_window(strikes: np.ndarray, forwards: np.ndarray, most: int) -> tuple[int, int]:
    """[start, stop) of the `most` strikes around the money: centred on the median over the
    tenors of the strike nearest each tenor's forward."""
    n = len(strikes)
    if n <= most:
        return 0, n
    centres = np.abs(strikes[None, :] - forwards[:, None]).argmin(axis=1) if len(forwards) else np.array([n // 2])
    centre = int(np.median(centres))
    start = min(max(centre - most // 2, 0), n - most)
    return start, start + most


def repr_html(surface: ImpliedVolSurface) -> str:
    """A compact table: tenors down (with each tenor's forward), strikes across, vols in per
    cent. The strikes shown are the MAX_COLUMNS around the money (centred on the strikes
    nearest the tenors' forwards, where short tenors have quotes), with an ellipsis column
    where strikes are left out on either side; the node nearest each tenor's forward is in
    bold. Beyond MAX_ROWS tenors the middle ones are elided."""
    strikes, tenors, vols = surface.strikes, surface.tenors, surface.vols
    forwards = np.asarray(surface.forwards, dtype=np.float64)
    start, stop = _money_window(strikes, forwards, MAX_COLUMNS)
    cols: list[int | None] = [*([None] if start > 0 else []), *range(start, stop),
                              *([None] if stop < len(strikes) else [])]
    rows = _pick(len(tenors), MAX_ROWS)
    head = "".join(
        "<th>&hellip;</th>" if i is None else f"<th>{strikes[i]:.6g}</th>" for i in cols
    )
    body = []
    for j in rows:
        if j is None:
            body.append("<tr><th>&hellip;</th><td>&hellip;</td>" + "<td>&hellip;</td>" * len(cols) + "</tr>")
            continue
        atm = int(np.abs(strikes - forwards[j]).argmin()) if len(strikes) else -1
        cells = []
        for i in cols:
            if i is None:
                cells.append("<td>&hellip;</td>")
            elif np.isnan(vols[j, i]):
                cells.append("<td>&ndash;</td>")
            elif i == atm:
                cells.append(f"<td><b>{100 * vols[j, i]:.2f}</b></td>")
            else:
                cells.append(f"<td>{100 * vols[j, i]:.2f}</td>")
        body.append(f"<tr><th>{tenors[j]:.4g}</th><td>{forwards[j]:.5g}</td>{''.join(cells)}</tr>")
    title = html.escape(repr(surface))
    return (
        f"<div><p><code>{title}</code></p><table>"
        f"<thead><tr><th>tenor \\ strike</th><th>forward</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table><p>vols in %, around the money (bold: the node "
        f"nearest the forward; &ndash;: missing)</p></div>"
    )


def _long_columns(surface: ImpliedVolSurface) -> dict[str, np.ndarray]:
    strikes, tenors, vols = surface.strikes, surface.tenors, surface.vols
    t = np.repeat(tenors, len(strikes))
    k = np.tile(strikes, len(tenors))
    forward = np.repeat(np.asarray(surface.forwards, dtype=np.float64), len(strikes))
    v = vols.ravel()
    columns = {
        "tenor": t,
        "strike": k,
        "forward": forward,
        "log_moneyness": np.log(k / forward),
        "vol": v,
        "total_variance": v * v * t,
    }
    price_error = getattr(surface, "price_error", None)
    if price_error is not None:
        columns["price_error"] = np.broadcast_to(np.asarray(price_error, dtype=np.float64), vols.shape).ravel()
    return columns


def to_pandas(surface: ImpliedVolSurface) -> Any:
    """Long format: one row per node (tenor-major): tenor, strike, forward, log_moneyness,
    vol, total_variance, and price_error when the surface has one."""
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - exercised only without pandas
        raise ImportError("to_pandas() needs pandas: pip install 'pricer_rs[pandas]'") from exc
    return pd.DataFrame(_long_columns(surface))


def to_polars(surface: ImpliedVolSurface) -> Any:
    """`to_pandas`' long format as a polars DataFrame."""
    try:
        import polars as pl
    except ImportError as exc:  # pragma: no cover - exercised only without polars
        raise ImportError("to_polars() needs polars: pip install 'pricer_rs[polars]'") from exc
    return pl.DataFrame(_long_columns(surface))


def _pick_by_value(values: np.ndarray, wanted: Any, what: str) -> list[int]:
    """Indices of the entries of `values` nearest each wanted value (sorted, unique)."""
    wanted = np.atleast_1d(np.asarray(wanted, dtype=np.float64))
    if wanted.size == 0 or not np.isfinite(wanted).all():
        raise ValueError(f"plot: {what}= must be finite values, got {wanted!r}")
    return sorted({int(np.abs(values - w).argmin()) for w in wanted})


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres: midway between neighbours, the outer cells as wide
    as their inner half (a lone centre: +-10 %, and never below 0 for a positive first)."""
    if len(centres) == 1:
        c = float(centres[0])
        half = 0.1 * abs(c) if c else 0.5
        return np.array([c - half, c + half])
    mid = 0.5 * (centres[1:] + centres[:-1])
    first = centres[0] - (mid[0] - centres[0])
    if centres[0] > 0:
        first = max(first, 0.0)
    last = centres[-1] + (centres[-1] - mid[-1])
    return np.concatenate([[first], mid, [last]])


def plot(surface: ImpliedVolSurface, *, ax: Any = None, tenors: Any = None, strikes: Any = None,
         kind: str = "both", figsize: tuple[float, float] | None = None, cmap: str | None = None) -> Any:
    """Smiles (vol against log-moneyness ln(K/F)) per tenor and/or a heatmap of the grid;
    returns the matplotlib Figure.

    kind: "both" (default: smiles beside the heatmap), "smiles" or "heatmap".
    ax: draw into these axes (one Axes for "smiles"/"heatmap", a pair for "both") instead
        of a new figure.
    tenors: tenor values (years) to show; each picks the nearest tenor of the grid
        (default all; at most 8 smiles are drawn, spread over the tenors).
    strikes: strike values to show, each the nearest strike of the grid (default all).

    The heatmap draws each tenor row at its true position (pcolormesh with cell edges
    midway between neighbouring tenors and strikes), so uneven expiries (7 days ... 2 years)
    are not stretched evenly; missing nodes are blank. The colour bar is labelled, and the
    title carries the spot and, for a surface made by from_chain with a valuation date,
    that date.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("plot() needs matplotlib: pip install 'pricer_rs[plot]'") from exc
    if kind not in ("both", "smiles", "heatmap"):
        raise ValueError(f"plot: kind must be 'both', 'smiles' or 'heatmap', got {kind!r}")
    all_strikes, all_tenors, vols = surface.strikes, surface.tenors, surface.vols
    rows = list(range(len(all_tenors))) if tenors is None else _pick_by_value(all_tenors, tenors, "tenors")
    cols = list(range(len(all_strikes))) if strikes is None else _pick_by_value(all_strikes, strikes, "strikes")
    forwards = np.asarray(surface.forwards, dtype=np.float64)
    if ax is None:
        if kind == "both":
            fig, (left, right) = plt.subplots(1, 2, figsize=figsize or (11.0, 4.2))
        else:
            fig, single = plt.subplots(figsize=figsize or (6.0, 4.2))
            left = right = single
    else:
        if kind == "both":
            try:
                left, right = ax
            except (TypeError, ValueError):
                raise ValueError("plot: kind='both' draws into two axes: pass ax=(left, right)") from None
        else:
            left = right = ax
        fig = left.figure
    k = all_strikes[cols]
    if kind in ("both", "smiles"):
        picks = rows
        if len(picks) > 8:  # a readable number of smiles, spread over the tenors
            picks = sorted({picks[int(round(i))] for i in np.linspace(0, len(picks) - 1, 8)})
        for j in picks:
            left.plot(np.log(k / forwards[j]), 100 * vols[j, cols], marker=".", label=f"T = {all_tenors[j]:.3g}")
        left.set_xlabel("log-moneyness ln(K / F)")
        left.set_ylabel("implied vol (%)")
        left.set_title("smiles")
        left.legend(fontsize="small")
    if kind in ("both", "heatmap"):
        t = all_tenors[rows]
        grid = np.ma.masked_invalid(100 * vols[np.ix_(rows, cols)])
        mesh = right.pcolormesh(_edges(k), _edges(t), grid, shading="flat", cmap=cmap)
        right.set_xlabel("strike")
        right.set_ylabel("tenor (years)")
        right.set_title("implied vol (%)")
        bar = fig.colorbar(mesh, ax=right)
        bar.set_label("implied vol (%)")
    title = f"spot {surface.spot:.6g}"
    report = getattr(surface, "chain_report", None)
    valuation = report.get("valuation_date") if isinstance(report, dict) else None
    if valuation is not None:
        title += f", valued {np.datetime_as_string(np.datetime64(valuation, 'D'))}" \
            if not hasattr(valuation, "isoformat") else f", valued {valuation.isoformat()[:10]}"
    fig.suptitle(title)
    if ax is None:
        fig.tight_layout()
    return fig


def description_to_pandas(description: Any) -> Any:
    """A SurfaceDescription as a DataFrame indexed by tenor, one column per quantile level."""
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - exercised only without pandas
        raise ImportError("to_pandas() needs pandas: pip install 'pricer_rs[pandas]'") from exc
    fields = description.to_dict()
    levels = fields.pop("quantile_levels")
    table = fields.pop("quantiles")
    tenor = fields.pop("tenor")
    frame = pd.DataFrame(fields, index=pd.Index(tenor, name="tenor"))
    for column, level in enumerate(levels):
        frame[f"q{level:g}"] = table[:, column]
    return frame


def _rebuild_arbitrage_report(calendar: Any, butterfly: Any, vertical: Any) -> Any:
    """Unpickle an ArbitrageReport (its ``__reduce__`` names this function)."""
    from ._native import ArbitrageReport

    return ArbitrageReport._from_state(calendar, butterfly, vertical)  # type: ignore[attr-defined]


def _rebuild_description(*state: Any) -> Any:
    """Unpickle a SurfaceDescription (its ``__reduce__`` names this function)."""
    from ._native import SurfaceDescription

    return SurfaceDescription._from_state(*state)  # type: ignore[attr-defined]
