"""pricer_rs: Black-Scholes-Merton prices, greeks and implied volatility for numpy arrays.

Every function broadcasts over its array arguments like a numpy ufunc and returns a float
when all arguments are scalars. Units: prices in currency, rates and yields continuously
compounded per year, volatility per sqrt(year), time in years. Greeks are exact partial
derivatives per unit of each input (theta = -dV/dt per year).
"""

from ._native import (
    ArbitrageReport,
    BlackScholesPricer,
    Greeks,
    ImpliedVolSurface,
    __version__,
    black76_implied_vol,
    black76_price,
    delta,
    gamma,
    get_num_threads,
    greeks,
    implied_vol,
    price,
    price_european_call_batch,
    rho,
    set_num_threads,
    theta,
    vega,
)

__all__ = [
    "ArbitrageReport",
    "BlackScholesPricer",
    "Greeks",
    "ImpliedVolSurface",
    "__version__",
    "black76_implied_vol",
    "black76_price",
    "delta",
    "gamma",
    "get_num_threads",
    "greeks",
    "implied_vol",
    "price",
    "price_european_call_batch",
    "rho",
    "set_num_threads",
    "theta",
    "vega",
]
