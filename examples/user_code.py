"""A small script using the whole public API; `mypy --strict` checks it against the stubs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

import pricer_rs as pr


def chain_prices(spot: float, strikes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out = pr.price(spot, strikes, 0.02, 0.25, 0.5, q=0.01, kind="put")
    return np.asarray(out, dtype=np.float64)


def main() -> None:
    atm: float = pr.price(100.0, 100.0, 0.05, 0.20, 0.25)
    spots = np.linspace(80.0, 120.0, 1000)
    batch: npt.NDArray[np.float64] = pr.price_european_call_batch(
        spots, k=100.0, r=0.05, sigma=0.20, t=0.25
    )
    puts = chain_prices(100.0, np.linspace(50.0, 150.0, 11))

    g = pr.greeks(spots, 100.0, 0.05, 0.2, 0.25, which=("delta", "vega"))
    first_delta = g.delta
    fields = g.to_dict()

    strikes = np.linspace(80.0, 120.0, 9)
    tenors = np.array([0.1, 0.25, 0.5, 1.0])
    grid = pr.price(100.0, strikes[None, :], 0.03, 0.2, tenors[:, None], kind=True)
    single = [
        pr.delta(100.0, 95.0, 0.03, 0.2, 1.0),
        pr.gamma(100.0, 95.0, 0.03, 0.2, 1.0),
        pr.vega(100.0, 95.0, 0.03, 0.2, 1.0),
        pr.theta(100.0, 95.0, 0.03, 0.2, 1.0, kind="p"),
        pr.rho(100.0, 95.0, 0.03, 0.2, 1.0, q=0.02),
    ]
    fut = pr.black76_price(101.0, 100.0, 0.03, 0.2, 0.5, kind="call")
    fut_vol: float = pr.black76_implied_vol(fut, 101.0, 100.0, 0.03, 0.5)
    chain = pr.price(100.0, strikes, 0.03, 0.2, 0.5)
    vols = pr.implied_vol(chain, 100.0, strikes, 0.03, 0.5, q=0.0, kind="call")
    atm_vol: float = pr.implied_vol(atm, 100.0, 100.0, 0.05, 0.25)

    buf = np.empty_like(spots)
    filled = pr.price(spots, 100.0, 0.05, 0.2, 0.25, out=buf)

    pricer = pr.BlackScholesPricer(r=0.05, sigma=0.20, q=0.0)
    rate: float = pricer.r + pricer.sigma + pricer.q
    c: float = pricer.price_call(100.0, 100.0, 0.25)
    p: float = pricer.price_put(100.0, 100.0, 0.25)
    either = pricer.price(spots, 100.0, 0.25, kind="put")
    pg = pricer.greeks(100.0, 100.0, 0.25)
    surface: npt.NDArray[np.float64] = pricer.price_surface(100.0, strikes, tenors)
    pricer_vol: float = pricer.implied_vol(float(c), 100.0, 100.0, 0.25)
    surface_greeks = pricer.greeks_surface(100.0, strikes, tenors, which="gamma")

    pr.set_num_threads(2)
    threads: int = pr.get_num_threads()
    print(atm, batch.shape, puts.shape, first_delta is not None, sorted(fields), np.shape(grid))
    print(single, fut, filled is buf, rate, c - p, np.shape(either), pg.price)
    print(surface.shape, surface_greeks.gamma is not None, threads, pr.__version__)
    print(fut_vol, np.shape(vols), atm_vol, pricer_vol)


if __name__ == "__main__":
    main()
