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


def repr_html(surface: ImpliedVolSurface) -> str:
    """A compact table: tenors down, strikes across, vols in per cent, the middle elided."""
    strikes, tenors, vols = surface.strikes, surface.tenors, surface.vols
    cols = _pick(len(strikes), MAX_COLUMNS)
    rows = _pick(len(tenors), MAX_ROWS)
    head = "".join(
        "<th>&hellip;</th>" if i is None else f"<th>{strikes[i]:.6g}</th>" for i in cols
    )
    body = []
    for j in rows:
        if j is None:
            body.append("<tr><th>&hellip;</th>" + "<td>&hellip;</td>" * len(cols) + "</tr>")
            continue
        cells = "".join(
            "<td>&hellip;</td>" if i is None
            else ("<td>&ndash;</td>" if np.isnan(vols[j, i]) else f"<td>{100 * vols[j, i]:.2f}</td>")
            for i in cols
        )
        body.append(f"<tr><th>{tenors[j]:.4g}</th>{cells}</tr>")
    title = html.escape(repr(surface))
    return (
        f"<div><p><code>{title}</code></p><table>"
        f"<thead><tr><th>tenor \\ strike</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table><p>vols in %</p></div>"
    )


def to_pandas(surface: ImpliedVolSurface) -> Any:
    """Long format: one row per node."""
    try:
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    except ImportError as exc:  # pragma: no cover - exercised only without pandas
        raise ImportError("to_pandas() needs pandas: pip install 'pricer_rs[pandas]'") from exc
    strikes, tenors, vols = surface.strikes, surface.tenors, surface.vols
    t = np.repeat(tenors, len(strikes))
    k = np.tile(strikes, len(tenors))
    forward = surface.spot * np.exp((surface.r - surface.q) * t)
    v = vols.ravel()
    return pd.DataFrame({
        "tenor": t,
        "strike": k,
        "forward": forward,
        "log_moneyness": np.log(k / forward),
        "vol": v,
        "total_variance": v * v * t,
    })


def plot(surface: ImpliedVolSurface, *, tenors: Any = None, figsize: tuple[float, float] = (11.0, 4.2)) -> Any:
    """Smiles (vol against log-moneyness) per tenor beside a heatmap of the grid."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("plot() needs matplotlib: pip install 'pricer_rs[plot]'") from exc
    strikes, all_tenors, vols = surface.strikes, surface.tenors, surface.vols
    picks = range(len(all_tenors)) if tenors is None else tenors
    picks = list(picks)
    if len(picks) > 8:  # a readable number of smiles, spread over the tenors
        picks = sorted({picks[int(round(i))] for i in np.linspace(0, len(picks) - 1, 8)})
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize)
    for j in picks:
        forward = surface.spot * np.exp((surface.r - surface.q) * all_tenors[j])
        left.plot(np.log(strikes / forward), 100 * vols[j], marker=".", label=f"T = {all_tenors[j]:.3g}")
    left.set_xlabel("log-moneyness ln(K / F)")
    left.set_ylabel("implied vol (%)")
    left.set_title("smiles")
    left.legend(fontsize="small")
    image = right.imshow(
        100 * vols, aspect="auto", origin="lower", interpolation="nearest",
        extent=(strikes[0], strikes[-1], all_tenors[0], all_tenors[-1]),
    )
    right.set_xlabel("strike")
    right.set_ylabel("tenor (years)")
    right.set_title("implied vol (%)")
    fig.colorbar(image, ax=right)
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
