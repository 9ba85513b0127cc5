"""Deliberately wrong calls: `mypy --strict` must reject this file (tests/test_typing.py)."""
import numpy as np
import polars as pl
import pricer_rs as pr
price: str = pr.price(100.0, 100.0, 0.05, 0.2, 0.25)  # a float is not a str
pr.price(100.0, 100.0, 0.05, 0.2, 0.25, sigma_typo=0.2)  # no such keyword
pr.BlackScholesPricer(r=0.05)  # sigma is required
pr.greeks(100.0, 100.0, 0.05, 0.2, 0.25, which=("delta", "vegga"))  # not a greek
pr.price(pl.Series([100.0]), 100.0, 0.05, 0.2, 0.25, out=np.empty(1))  # out= is for numpy inputs
pr.greeks(100.0, 100.0, 0.05, 0.2, 0.25, which=("delta",)).delta + 1.0  # delta may be None
pr.price(100.0, 100.0, 0.05, 0.2, 0.25, kind="straddle")  # not a kind
pr.price(100.0, 100.0, 0.05, 0.2, "0.5")  # t is a number, not a str
pr.price(100.0, 100.0, 0.05, 0.2, 0.25, at_expiry="clip")  # "raise" or "limit"
