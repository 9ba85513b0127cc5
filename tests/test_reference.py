"""Accuracy against ../shared/reference/bsm_reference.csv: 3,000 rows computed in 100-digit
arithmetic from float64 inputs (issue 3). Prints the worst row of every field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

import pricer_rs as pr


EPS = 2.0**-52
GREEKS = ("delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")
HALF = 1500  # rows 0..1499 realistic, 1500.. extreme


@pytest.fixture(scope="module")
def ref(reference_csv: Path) -> dict[str, npt.NDArray[np.float64]]:
    data = np.genfromtxt(reference_csv, delimiter=",", names=True, dtype=None, encoding="utf-8")
    cols = {name: np.asarray(data[name], dtype=np.float64) for name in data.dtype.names if name != "kind"}
    cols["is_call"] = np.asarray(data["kind"] == "call", dtype=np.float64)
    assert len(cols["S"]) == 3000
    return cols


@pytest.fixture(scope="module")
def ours(ref: dict[str, npt.NDArray[np.float64]]) -> pr.Greeks:
    kind = ref["is_call"] > 0
    return pr.greeks(ref["S"], ref["K"], ref["r"], ref["sigma"], ref["t"], q=ref["q"], kind=kind)


def condition_number(ref: dict[str, npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    """kappa = (|S delta| + |P - S delta| + |sigma vega| + |t theta| + |r rho| + |q epsilon|) / P
    (NaN where P = 0)."""
    p = np.where(ref["price"] > 0, ref["price"], np.nan)
    s_delta = ref["S"] * ref["delta"]
    return (
        np.abs(s_delta) + np.abs(p - s_delta) + np.abs(ref["sigma"] * ref["vega"])
        + np.abs(ref["t"] * ref["theta"]) + np.abs(ref["r"] * ref["rho"])
        + np.abs(ref["q"] * ref["epsilon"])
    ) / p


def report(field: str, err: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_],
           ref: dict[str, npt.NDArray[np.float64]]) -> float:
    worst = 0.0
    for label, half in (("realistic", slice(0, HALF)), ("extreme", slice(HALF, None))):
        e = np.where(mask[half], err[half], 0.0)
        i = int(np.argmax(e))
        row = i + (0 if half.start == 0 else HALF)
        print(f"{field:>8} {label:>9}: worst {e[i]:.3g} at row {row} "
              f"(S={ref['S'][row]:.6g} K={ref['K'][row]:.6g} sigma={ref['sigma'][row]:.4g} "
              f"t={ref['t'][row]:.4g} call={bool(ref['is_call'][row])})")
        worst = max(worst, float(e[i]))
    return worst


def test_price_within_eight_condition_units(ref: dict[str, npt.NDArray[np.float64]], ours: pr.Greeks) -> None:
    p_ref = ref["price"]
    mask = p_ref >= 1e-300
    kappa = np.where(mask, condition_number(ref), np.inf)
    print(f"\nkappa: median {np.median(kappa[mask]):.3g}, max {np.max(kappa[mask]):.3g}")
    price = np.asarray(ours.price)
    err = np.abs(price - p_ref) / (EPS * (1.0 + kappa) * np.where(mask, p_ref, 1.0))
    worst = report("price", err, mask, ref)
    assert not np.any(np.isnan(price[mask]))
    assert worst <= 8.0


@pytest.mark.parametrize("field", GREEKS)
def test_greek_relative_error(field: str, ref: dict[str, npt.NDArray[np.float64]], ours: pr.Greeks) -> None:
    value = np.asarray(getattr(ours, field))
    want = ref[field]
    mask = np.abs(want) >= 1e-290
    err = np.abs(value - want) / np.where(mask, np.abs(want), 1.0)
    worst = report(field, err, mask, ref)
    assert not np.any(np.isnan(value)), "NaN for finite in-domain inputs"
    assert worst <= 1e-12
    nonzero = want != 0
    assert np.all(np.sign(value[nonzero]) == np.sign(want[nonzero])), "wrong sign"
    # where the reference underflows to zero we must not invent a sizeable value
    assert np.all(np.abs(value[~nonzero]) < 1e-280)


def test_price_sign_and_zero_rows(ref: dict[str, npt.NDArray[np.float64]], ours: pr.Greeks) -> None:
    price = np.asarray(ours.price)
    assert np.all(price >= 0.0)
    tiny = ref["price"] < 1e-300
    assert np.all(price[tiny] < 1e-290)
