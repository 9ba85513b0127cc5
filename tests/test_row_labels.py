"""Errors for pandas inputs name the row label (issue 22, item 5): pricer_rs._frames."""

from __future__ import annotations

import numpy as np
import pytest

import pricer_rs as pr
from pricer_rs import _frames

pd = pytest.importorskip("pandas")


def test_series_error_names_the_row_label_and_chains_the_original() -> None:
    sigma = pd.Series([0.2, 0.25, -0.2], index=pd.Index(["C3800", "C4000", "C4200"], name="contract"))
    with pytest.raises(ValueError) as info:
        _frames.framed(pr.price, (3.95, 4.0, 0.018, sigma, 0.25), {})
    assert str(info.value) == "sigma[2] (row 'C4200') = -0.2: sigma must be > 0"
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) == "sigma[2] = -0.2: sigma must be > 0"


def test_implied_vol_argument_positions_and_keywords() -> None:
    idx = pd.Index([10, 20, 30])
    strikes = pd.Series([3.8, -4.0, 4.2], index=idx)
    with pytest.raises(ValueError, match=r"^k\[1\] \(row 20\) = -4"):
        _frames.framed(pr.implied_vol, (pd.Series([0.2, 0.1, 0.05], index=idx), 3.95, strikes, 0.018, 0.25), {})
    with pytest.raises(ValueError, match=r"^q\[0\] \(row 10\) = inf"):
        _frames.framed(pr.price, (3.95, 4.0, 0.018, 0.2, 0.25), {"q": pd.Series([np.inf, 0.0, 0.0], index=idx)})


def test_dataframe_error_names_row_and_column() -> None:
    t = pd.DataFrame({"m1": [0.1, 0.2], "m2": [0.3, 0.0]}, index=["a", "b"])
    with pytest.raises(ValueError, match=r"^t\[1, 1\] \(row 'b', column 'm2'\) = 0"):
        _frames.framed(pr.price, (3.95, 4.0, 0.018, 0.2, t), {})


def test_other_errors_are_untouched() -> None:
    s = pd.Series([3.9, 4.0])
    with pytest.raises(ValueError, match="different indexes"):
        _frames.framed(pr.price, (s, pd.Series([4.0, 4.0], index=[5, 6]), 0.018, 0.2, 0.25), {})
