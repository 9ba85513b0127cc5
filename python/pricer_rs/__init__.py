"""pricer_rs: Black-Scholes-Merton prices, greeks and implied volatility for numpy arrays.

Every function broadcasts over its array arguments like a numpy ufunc and returns a float
when all arguments are scalars. Units: prices in currency, rates and yields continuously
compounded per year, volatility per sqrt(year), time in years. Greeks are exact partial
derivatives per unit of each input (theta = -dV/dt per year). pandas and polars Series are
accepted wherever arrays are; the module-level vectorised functions (price, the greeks,
implied_vol, black76_*) give them back as Series (greeks: a DataFrame of the fields), and
a pandas DataFrame input of the result's shape as a DataFrame with its labels (greeks: a
Greeks of such DataFrames); the classes' methods answer with numpy arrays.
"""

import os as _os
import re as _re
import warnings as _warnings

from . import _native
from ._native import (
    ArbitrageReport,
    BlackScholesPricer,
    Greeks,
    ImpliedVolSurface,
    SurfaceDescription,
    __version__,
    black76_greeks,
    black76_implied_vol,
    black76_price,
    charm,
    delta,
    epsilon,
    gamma,
    get_num_threads,
    greeks,
    implied_vol,
    price,
    price_european_call_batch,
    rho,
    set_num_threads,
    theta,
    vanna,
    vega,
    volga,
)
from ._reasons import REASONS as IV_REASONS
from ._reasons import implied_vol_reason
from ._svi import ButterflyReport, SsviFit, SviBatchFit, SviFit, SviSmile, fit_svi_batch
from ._svi import calendar_arbitrage as svi_calendar_arbitrage

__all__ = [
    "ArbitrageReport",
    "ButterflyReport",
    "SsviFit",
    "SviBatchFit",
    "SviFit",
    "SviSmile",
    "fit_svi_batch",
    "svi_calendar_arbitrage",
    "BlackScholesPricer",
    "Greeks",
    "ImpliedVolSurface",
    "SurfaceDescription",
    "__version__",
    "IV_REASONS",
    "black76_greeks",
    "black76_implied_vol",
    "black76_price",
    "charm",
    "delta",
    "epsilon",
    "gamma",
    "get_num_threads",
    "greeks",
    "implied_vol",
    "implied_vol_reason",
    "price",
    "price_european_call_batch",
    "rho",
    "set_num_threads",
    "theta",
    "vanna",
    "vega",
    "volga",
]


def _check_thread_setting() -> None:
    """Warn when PRICER_RS_NUM_THREADS is set to something the core ignores.

    The core reads it when the pool starts and falls back to the number of cores unless it
    is an integer from 1 to 1024 (digits, an optional '+', surrounding spaces); a typo should
    not pass unnoticed.
    """
    raw = _os.environ.get("PRICER_RS_NUM_THREADS")
    if raw is None:
        return
    # the core's rule (parallel::thread_count_setting): ASCII whitespace as Rust's
    # is_ascii_whitespace has it (no vertical tab), never Unicode spaces
    match = _re.fullmatch(r"[ \t\n\f\r]*\+?([0-9]+)[ \t\n\f\r]*", raw)
    if match and 0 < int(match.group(1)) <= 1024:
        return
    _warnings.warn(
        f"PRICER_RS_NUM_THREADS={raw!r} is not an integer from 1 to 1024 and is ignored: "
        "pricer_rs uses one thread per available core (set_num_threads(n) to choose)",
        RuntimeWarning,
        stacklevel=3,
    )


_check_thread_setting()
