"""xarray (issue 22, item 3): DataArray arguments by dimension name, surfaces to DataArrays."""

from __future__ import annotations

import numpy as np
import pytest

import pricer_rs as pr
from pricer_rs import _frames, _xarray

xr = pytest.importorskip("xarray")

STRIKES = np.array([3.6, 3.8, 4.0, 4.2])
TENORS = np.array([0.1, 0.5, 1.0])


def call(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    # the native functions hand DataArray calls to _frames.framed once the lead's build
    # recognises them; calling framed directly tests this side meanwhile
    return _frames.framed(fn, args, kwargs)


def axes() -> tuple["xr.DataArray", "xr.DataArray"]:
    k = xr.DataArray(STRIKES, dims=("strike",), coords={"strike": STRIKES})
    t = xr.DataArray(TENORS, dims=("tenor",), coords={"tenor": TENORS, "expiry": ("tenor", ["a", "b", "c"])})
    return k, t


def test_price_broadcasts_by_dimension_name() -> None:
    k, t = axes()
    out = call(pr.price, 4.0, k, 0.02, 0.2, t, q=0.01, kind="put")
    assert isinstance(out, xr.DataArray) and out.name == "price"
    assert out.dims == ("strike", "tenor")  # in the order the dimensions first appear
    np.testing.assert_array_equal(out.coords["strike"], STRIKES)
    np.testing.assert_array_equal(out.coords["tenor"], TENORS)
    assert list(out.coords["expiry"].values) == ["a", "b", "c"]  # non-index coords kept
    want = pr.price(4.0, STRIKES[:, None], 0.02, 0.2, TENORS[None, :], q=0.01, kind="put")
    np.testing.assert_array_equal(out.values, want)
    # the same arrays in the other order of dimensions: the same numbers, transposed
    t_first = call(pr.price, 4.0, k, 0.02, 0.2, t.expand_dims(strike=STRIKES).transpose("tenor", "strike"))
    assert t_first.dims == ("strike", "tenor") or t_first.dims == ("tenor", "strike")
    np.testing.assert_array_equal(t_first.transpose("strike", "tenor").values,
                                  pr.price(4.0, STRIKES[:, None], 0.02, 0.2, TENORS[None, :]))


def test_kind_as_a_dataarray_and_implied_vol() -> None:
    k, t = axes()
    kind = xr.DataArray(STRIKES >= 4.0, dims=("strike",), coords={"strike": STRIKES})
    p = call(pr.price, 4.0, k, 0.02, 0.25, t, kind=kind)
    iv = call(pr.implied_vol, p, 4.0, k, 0.02, t, kind=kind)
    assert iv.dims == ("strike", "tenor") and iv.name == "implied_vol"
    np.testing.assert_allclose(iv.values, 0.25, rtol=1e-12)


def test_greeks_give_a_dataset() -> None:
    k, t = axes()
    ds = call(pr.greeks, 4.0, k, 0.02, 0.2, t)
    assert isinstance(ds, xr.Dataset) and list(ds.data_vars) == list(_xarray.GREEKS)
    g = pr.greeks(4.0, STRIKES[:, None], 0.02, 0.2, TENORS[None, :])
    for name in _xarray.GREEKS:
        assert ds[name].dims == ("strike", "tenor")
        np.testing.assert_array_equal(ds[name].values, getattr(g, name))
    sub = call(pr.greeks, 4.0, k, 0.02, 0.2, t, which=("vega",))
    assert list(sub.data_vars) == ["vega"]


def test_misaligned_coordinates_and_out_are_refused() -> None:
    k, _ = axes()
    other = xr.DataArray([0.2, 0.2, 0.2, 0.2], dims=("strike",), coords={"strike": STRIKES + 0.1})
    with pytest.raises(ValueError):
        call(pr.price, 4.0, k, 0.02, other, 0.5)
    with pytest.raises(TypeError, match="out="):
        call(pr.price, 4.0, k, 0.02, 0.2, 0.5, out=np.empty(4))


def test_surface_to_xarray() -> None:
    vols = 0.2 + 0.01 * np.arange(12).reshape(3, 4)
    surf = pr.ImpliedVolSurface(4.0, STRIKES, TENORS, vols, r=0.02, q=0.01)
    da = _xarray.surface_to_xarray(surf)
    assert da.dims == ("tenor", "strike") and da.name == "vol"
    np.testing.assert_array_equal(da.coords["tenor"], TENORS)
    np.testing.assert_array_equal(da.coords["strike"], STRIKES)
    np.testing.assert_allclose(da.coords["forward"], 4.0 * np.exp(0.01 * TENORS), rtol=1e-15)
    assert da.attrs == {"spot": 4.0, "r": 0.02, "q": 0.01}
    assert da.sel(tenor=0.5, strike=4.0).item() == vols[1, 2]
