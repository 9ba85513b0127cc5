"""polars expressions (issue 22, item 2): pricer_rs.polars."""

from __future__ import annotations

import numpy as np
import pytest

import pricer_rs as pr

pl = pytest.importorskip("polars")
import pricer_rs.polars as prpl  # noqa: E402

N = 2_000


@pytest.fixture
def chain() -> "pl.DataFrame":
    rng = np.random.default_rng(22)
    s = rng.uniform(3.5, 4.5, N)
    k = rng.uniform(3.0, 5.0, N)
    sigma = rng.uniform(0.1, 0.5, N)
    t = rng.uniform(0.02, 2.0, N)
    q = rng.uniform(0.0, 0.03, N)
    is_call = rng.random(N) < 0.5
    mid = pr.price(s, k, 0.02, sigma, t, q=q, kind=is_call)
    return pl.DataFrame({
        "spot": s, "strike": k, "sigma": sigma, "t": t, "q": q, "mid": mid,
        "cp": np.where(is_call, "call", "put"), "is_call": is_call,
        "sign": np.where(is_call, 1, -1).astype(np.int64), "f": s * np.exp((0.02 - q) * t),
    })


def col(df: "pl.DataFrame", name: str) -> np.ndarray:
    return df[name].to_numpy()


def test_price_and_implied_vol_in_select_are_bit_equal(chain: "pl.DataFrame") -> None:
    out = chain.select(
        p=prpl.price("spot", "strike", 0.02, "sigma", "t", q="q", kind=pl.col("cp")),
        iv=prpl.implied_vol(pl.col("mid"), pl.col("spot"), "strike", 0.02, "t", q=pl.col("q"), kind=pl.col("cp")),
    )
    want = pr.price(col(chain, "spot"), col(chain, "strike"), 0.02, col(chain, "sigma"), col(chain, "t"),
                    q=col(chain, "q"), kind=col(chain, "is_call"))
    np.testing.assert_array_equal(col(out, "p"), want)
    iv = pr.implied_vol(col(chain, "mid"), col(chain, "spot"), col(chain, "strike"), 0.02, col(chain, "t"),
                        q=col(chain, "q"), kind=col(chain, "is_call"))
    np.testing.assert_array_equal(col(out, "iv"), iv)
    assert out.schema == {"p": pl.Float64, "iv": pl.Float64}


@pytest.mark.parametrize("kind", ["cp", "is_call", "sign"])
def test_kind_columns_of_strings_bools_and_signs(chain: "pl.DataFrame", kind: str) -> None:
    out = chain.with_columns(d=prpl.delta("spot", "strike", 0.02, "sigma", "t", kind=pl.col(kind)))
    want = pr.delta(col(chain, "spot"), col(chain, "strike"), 0.02, col(chain, "sigma"), col(chain, "t"),
                    kind=col(chain, "is_call"))
    np.testing.assert_array_equal(col(out, "d"), want)
    assert out.columns[-1] == "d" and out.height == N


def test_literal_kinds_and_numbers(chain: "pl.DataFrame") -> None:
    s, k, sig, t = (col(chain, c) for c in ("spot", "strike", "sigma", "t"))
    for kind, flag in (("put", False), ("C", True), (True, True), (-1, False)):
        out = chain.select(prpl.price("spot", "strike", 0.02, "sigma", "t", kind=kind))
        np.testing.assert_array_equal(col(out, "price"), pr.price(s, k, 0.02, sig, t, kind=flag))
    # all numbers: a one-row literal
    one = chain.select(prpl.price(4.0, 4.1, 0.02, 0.2, 0.5, q=0.01, kind="put"))
    assert one.to_series().to_list() == [pr.price(4.0, 4.1, 0.02, 0.2, 0.5, q=0.01, kind="put")]
    with pytest.raises(ValueError, match="pl.col"):
        prpl.price("spot", "strike", 0.02, "sigma", "t", kind="straddle")
    with pytest.raises(TypeError, match="sigma"):
        prpl.price("spot", "strike", 0.02, [0.2], "t")  # type: ignore[arg-type]


def test_lazy_query_resolves_its_schema_and_matches(chain: "pl.DataFrame") -> None:
    lazy = (
        chain.lazy()
        .with_columns(iv=prpl.implied_vol(pl.col("mid"), pl.col("spot"), pl.col("strike"), 0.02, pl.col("t"),
                                          q=pl.col("q"), kind=pl.col("cp")))
        .with_columns(g=prpl.greeks("spot", "strike", 0.02, "iv", "t", q="q", kind=pl.col("cp"),
                                    which=("delta", "vega")))
        .filter(pl.col("t") > 0.5)
        .select("iv", "g", "spot", "strike", "t", "q", "is_call", "mid")
    )
    schema = lazy.collect_schema()
    assert schema["iv"] == pl.Float64
    assert schema["g"] == pl.Struct({"delta": pl.Float64, "vega": pl.Float64})
    out = lazy.collect()
    s, k, t, q, c, mid = (col(out, n) for n in ("spot", "strike", "t", "q", "is_call", "mid"))
    iv = pr.implied_vol(mid, s, k, 0.02, t, q=q, kind=c)
    np.testing.assert_array_equal(col(out, "iv"), iv)
    g = pr.greeks(s, k, 0.02, iv, t, q=q, kind=c)
    fields = out["g"].struct.unnest()
    assert fields.columns == ["delta", "vega"]
    np.testing.assert_array_equal(col(fields, "delta"), g.delta)
    np.testing.assert_array_equal(col(fields, "vega"), g.vega)
    # the streaming engine gives the same
    assert lazy.collect(engine="streaming").equals(out)


def test_greeks_struct_has_every_field(chain: "pl.DataFrame") -> None:
    out = chain.select(prpl.greeks("spot", "strike", 0.02, "sigma", "t", q="q", kind=pl.col("is_call")))
    assert out.columns == ["greeks"]
    fields = out["greeks"].struct.unnest()
    assert tuple(fields.columns) == prpl.GREEKS
    g = pr.greeks(*(col(chain, n) for n in ("spot", "strike")), 0.02, col(chain, "sigma"), col(chain, "t"),
                  q=col(chain, "q"), kind=col(chain, "is_call"))
    for name in prpl.GREEKS:
        np.testing.assert_array_equal(col(fields, name), getattr(g, name))
        single = chain.select(getattr(prpl, name)("spot", "strike", 0.02, "sigma", "t", q="q", kind=pl.col("is_call")))
        np.testing.assert_array_equal(single.to_series().to_numpy(), getattr(g, name))
    with pytest.raises(ValueError, match="delt"):
        prpl.greeks("spot", "strike", 0.02, "sigma", "t", which=("delt",))


def test_black76(chain: "pl.DataFrame") -> None:
    out = chain.with_columns(
        p=prpl.black76_price("f", "strike", 0.02, "sigma", "t", kind=pl.col("cp")),
    ).with_columns(iv=prpl.black76_implied_vol("p", "f", pl.col("strike"), 0.02, "t", kind=pl.col("cp")))
    f, k, sig, t, c = (col(chain, n) for n in ("f", "strike", "sigma", "t", "is_call"))
    p = pr.black76_price(f, k, 0.02, sig, t, kind=c)
    np.testing.assert_array_equal(col(out, "p"), p)
    np.testing.assert_array_equal(col(out, "iv"), pr.black76_implied_vol(p, f, k, 0.02, t, kind=c))


def test_null_in_null_out_and_nan_stays_nan() -> None:
    df = pl.DataFrame({
        "s": [4.0, None, 4.0, 4.0, 4.0],
        "sigma": [0.2, 0.2, float("nan"), 0.2, 0.2],
        "cp": ["call", "put", "put", None, "p"],
        "t": pl.Series([1, 1, 1, 1, None], dtype=pl.Int64),  # an integer column with a null
    })
    out = df.select(
        p=prpl.price("s", 4.2, 0.02, "sigma", "t", kind=pl.col("cp")),
        g=prpl.greeks("s", 4.2, 0.02, "sigma", "t", kind=pl.col("cp"), which="vega"),
    )
    p = out["p"]
    assert p.is_null().to_list() == [False, True, False, True, True]
    assert np.isnan(p[2]) and p[0] == pr.price(4.0, 4.2, 0.02, 0.2, 1.0)
    assert out["g"].is_null().to_list() == [False, True, False, True, True]
    assert out["g"].struct.field("vega")[0] == pr.vega(4.0, 4.2, 0.02, 0.2, 1.0)


def test_out_of_domain_raises_as_the_numpy_function() -> None:
    df = pl.DataFrame({"sigma": [0.2, -0.2]})
    with pytest.raises(ValueError, match=r"sigma\[1\] = -0.2: sigma must be > 0"):
        df.select(prpl.price(4.0, 4.0, 0.02, "sigma", 0.5))


def test_group_by_applies_to_each_groups_rows(chain: "pl.DataFrame") -> None:
    out = (chain.group_by("cp", maintain_order=True)
           .agg(pl.col("mid"), v=prpl.vega("spot", "strike", 0.02, "sigma", "t")))
    for row in out.iter_rows(named=True):
        part = chain.filter(pl.col("cp") == row["cp"])
        want = pr.vega(col(part, "spot"), col(part, "strike"), 0.02, col(part, "sigma"), col(part, "t"))
        np.testing.assert_array_equal(np.array(row["v"]), want)


def test_contiguous_float64_columns_are_read_in_place() -> None:
    s = pl.Series("x", np.linspace(1.0, 2.0, 1000))
    array, nulls = prpl._float_array(s)
    assert nulls is None and array.dtype == np.float64
    assert not array.flags.writeable  # a view of polars' buffer, not a copy
    assert np.shares_memory(array, s.to_numpy())
    with_null = pl.Series("x", [1.0, None, 3.0])
    array, nulls = prpl._float_array(with_null)
    assert nulls is not None and nulls.tolist() == [False, True, False] and np.isnan(array[1])
