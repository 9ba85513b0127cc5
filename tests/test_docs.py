"""Every public name documents itself in help(), with units where there are any."""

from __future__ import annotations

import inspect

import pricer_rs as pr
import pricer_rs.dask as prd


def test_every_public_name_has_a_docstring() -> None:
    for name in pr.__all__:
        if name == "__version__":
            continue
        obj = getattr(pr, name)
        doc = inspect.getdoc(obj) or ""
        assert len(doc) > 30, f"{name} has no real docstring"
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not callable(member) and not isinstance(member, property):
                    continue
                assert (inspect.getdoc(getattr(obj, attr)) or "").strip(), f"{name}.{attr} undocumented"
    for name in prd.__all__:
        assert len(inspect.getdoc(getattr(prd, name)) or "") > 20, name


def test_units_are_stated() -> None:
    doc = inspect.getdoc(pr.price) or ""
    for unit in ("years", "per year", "sqrt(year)"):
        assert unit in doc, unit
    assert "per year" in (inspect.getdoc(pr.theta) or "")
    assert "per 1.00" in (inspect.getdoc(pr.vega) or "")


def test_signatures_are_visible() -> None:
    assert str(inspect.signature(pr.price)) == "(s, k, r, sigma, t, *, q=0.0, kind='call', out=None, at_expiry='raise')"
    assert "kind='call'" in str(inspect.signature(pr.implied_vol))
