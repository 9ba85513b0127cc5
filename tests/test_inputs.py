"""Inputs and errors exactly as DESIGN.md says (issue 3)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import pricer_rs as pr

S, K, R, SIG, T = 100.0, 95.0, 0.03, 0.25, 0.75


def expected(s: Any = S, k: Any = K, r: Any = R, sigma: Any = SIG, t: Any = T) -> np.ndarray:
    """Element by element through the scalar path: the oracle for every layout below."""
    b = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in (s, k, r, sigma, t)])
    flat = [pr.price(*(float(a.flat[i]) for a in b)) for i in range(b[0].size)]
    return np.array(flat, dtype=np.float64).reshape(b[0].shape)


def test_scalars_give_float_and_arrays_give_arrays() -> None:
    assert isinstance(pr.price(S, K, R, SIG, T), float)
    assert isinstance(pr.price(100, 95, 0, 1, 2), float)  # ints are fine
    v = pr.price(np.float32(100), K, R, SIG, T)
    assert isinstance(v, float)
    zero_d = pr.price(np.array(S), K, R, SIG, T)
    assert isinstance(zero_d, float)
    assert isinstance(pr.price([S], K, R, SIG, T), np.ndarray)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint16, np.int8])
def test_any_real_dtype(dtype: type) -> None:
    s = np.array([90, 100, 110], dtype=dtype)
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T), expected(s.astype(np.float64)))


def test_lists_tuples_and_nested_lists() -> None:
    np.testing.assert_array_equal(pr.price([90.0, 100.0], K, R, SIG, T), expected([90.0, 100.0]))
    np.testing.assert_array_equal(pr.price((90.0, 100.0), K, R, SIG, T), expected([90.0, 100.0]))
    grid = [[90.0, 100.0], [110.0, 120.0]]
    np.testing.assert_array_equal(pr.price(grid, K, R, SIG, T), expected(grid))


def test_layouts_are_read_correctly() -> None:
    base = np.linspace(50.0, 150.0, 60).reshape(6, 10)
    layouts = {
        "strided": base[:, ::3],
        "negative": base[::-1, ::-2],
        "fortran": np.asfortranarray(base),
        "transposed": base.T,
        "readonly": base.copy(),
        "broadcast_view": np.broadcast_to(base[0], (4, 10)),
        "big_endian": base.astype(">f8"),
    }
    layouts["readonly"].setflags(write=False)
    for name, arr in layouts.items():
        got = pr.price(arr, K, R, SIG, T)
        np.testing.assert_array_equal(got, expected(np.array(arr)), err_msg=name)
        assert got.flags.c_contiguous


def test_unaligned_array_is_read_correctly() -> None:
    raw = np.zeros(8 * 5 + 1, dtype=np.uint8)
    arr = raw[1:].view(np.float64)  # misaligned by one byte
    arr[:] = [80.0, 90.0, 100.0, 110.0, 120.0]
    assert not arr.flags.aligned
    np.testing.assert_array_equal(pr.price(arr, K, R, SIG, T), expected(arr.copy()))


def test_subclass_and_memoryview() -> None:
    class Tagged(np.ndarray):
        pass

    arr = np.array([90.0, 110.0]).view(Tagged)
    np.testing.assert_array_equal(pr.price(arr, K, R, SIG, T), expected([90.0, 110.0]))
    mv = memoryview(np.array([90.0, 110.0]))
    np.testing.assert_array_equal(pr.price(mv, K, R, SIG, T), expected([90.0, 110.0]))


@pytest.mark.parametrize("bad, what", [
    (np.array([1 + 2j]), "complex"),
    (1 + 2j, "complex"),
    ("100", "str"),
    (b"100", "bytes"),
    (None, "NoneType"),
    ({"a": 1}, "dict"),
    (np.array([object()]), "object"),
    (np.array(["1.0"]), "<U3"),
])
@pytest.mark.parametrize("position", ["s", "k", "r", "sigma", "t", "q"])
def test_non_real_data_is_a_type_error_naming_the_argument(bad: Any, what: str, position: str) -> None:
    args = dict(s=S, k=K, r=R, sigma=SIG, t=T, q=0.0)
    args[position] = bad
    q = args.pop("q")
    with pytest.raises(TypeError, match=rf"^{position}\b.*{what}"):
        pr.price(**args, q=q)


def test_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"shapes \(3,\), \(4,\).*cannot be broadcast"):
        pr.price(np.ones(3), np.ones(4), R, SIG, T)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2,\)"):
        pr.greeks(np.ones((2, 3)), np.ones(2), R, SIG, T)


@pytest.mark.parametrize("name, value, rule", [
    ("s", 0.0, "> 0"), ("s", -1.0, "> 0"), ("s", math.inf, "finite and > 0"),
    ("k", -5.0, "> 0"), ("k", math.inf, "finite and > 0"),
    ("sigma", 0.0, "> 0"), ("sigma", -0.2, "> 0"), ("sigma", math.inf, "finite and > 0"),
    ("t", 0.0, "> 0"), ("t", -math.inf, "finite and > 0"),
    ("r", math.inf, "finite"), ("r", -math.inf, "finite"), ("q", math.inf, "finite"),
])
def test_domain_errors_name_argument_index_and_value(name: str, value: float, rule: str) -> None:
    args = dict(s=S, k=K, r=R, sigma=SIG, t=T, q=0.0)
    arr = np.full(5000, args[name])
    arr[1234] = value
    arr[4000] = value  # only the first offender is reported
    args[name] = arr
    q = args.pop("q")
    with pytest.raises(ValueError) as info:
        pr.price(**args, q=q)
    assert str(info.value) == f"{name}[1234] = {value!r}: {name} must be {rule}".replace("inf:", "inf:")


def test_domain_error_on_nd_and_scalar_arguments() -> None:
    sig = np.full((3, 4), 0.2)
    sig[2, 1] = -0.5
    with pytest.raises(ValueError, match=r"^sigma\[2, 1\] = -0.5: sigma must be > 0$"):
        pr.price(S, K, R, sig, T)
    with pytest.raises(ValueError, match=r"^t = -1.0: t must be > 0$"):
        pr.price(np.ones(3), K, R, SIG, -1.0)


def test_domain_errors_name_the_first_offender_in_c_order_whatever_the_layout() -> None:
    # layouts other than C order are scanned in memory order or row by row first (an
    # element-by-element walk cost ~20 ns per element and input); the error still names the
    # first offender in C order, which memory order would not find first
    sig = np.full((4, 5), 0.2)
    sig[3, 0], sig[1, 4] = -0.5, -0.7  # memory order (Fortran) meets [3, 0] first
    for layout in (np.asfortranarray(sig), sig[::-1][::-1], np.repeat(sig, 2, axis=1)[:, ::2]):
        with pytest.raises(ValueError, match=r"^sigma\[1, 4\] = -0.7: sigma must be > 0$"):
            pr.price(S, K, R, layout, T)
    fine = np.asfortranarray(np.full((4, 5), 0.2))
    np.testing.assert_array_equal(pr.price(S, K, R, fine, T), pr.price(S, K, R, 0.2, T) * np.ones((4, 5)))


def test_nothing_is_half_written_on_error() -> None:
    out = np.full(4, 7.0)
    with pytest.raises(ValueError):
        pr.price(np.array([90.0, 100.0, -1.0, 110.0]), K, R, SIG, T, out=out)
    np.testing.assert_array_equal(out, 7.0)


def test_large_calls_name_the_first_culprit_and_spare_out() -> None:
    # fresh outputs are checked chunk by chunk as the threads read them; `out=` is checked
    # before anything is written
    n = 500_000
    s = np.linspace(50.0, 150.0, n)
    sig = np.full(n, 0.2)
    sig[[123_457, 400_000]] = -0.5
    s[499_999] = np.inf
    with pytest.raises(ValueError, match=r"^s\[499999\] = inf: s must be finite and > 0$"):
        pr.price(s, K, R, sig, T)
    s[499_999] = 100.0
    with pytest.raises(ValueError, match=r"^sigma\[123457\] = -0.5: sigma must be > 0$"):
        pr.price(s, K, R, sig, T)
    out = np.full(n, 7.0)
    with pytest.raises(ValueError, match=r"^sigma\[123457\]"):
        pr.price(s, K, R, sig, T, out=out)
    np.testing.assert_array_equal(out, 7.0)
    sig[[123_457, 400_000]] = 0.2
    np.testing.assert_array_equal(pr.price(s, K, R, sig, T), pr.price(s, K, R, sig, T, out=out))


def test_nan_propagates_element_by_element() -> None:
    s = np.array([90.0, np.nan, 110.0])
    sig = np.array([0.2, 0.2, np.nan])
    got = pr.price(s, K, R, sig, T)
    assert np.isnan(got[1]) and np.isnan(got[2]) and np.isfinite(got[0])
    g = pr.greeks(s, K, R, sig, T)
    for field, value in g.to_dict().items():
        assert np.isnan(value[1]) and np.isnan(value[2]) and np.isfinite(value[0]), field
    assert math.isnan(pr.price(math.nan, K, R, SIG, T))


def test_empty_arrays_give_empty_results() -> None:
    got = pr.price(np.array([]), K, R, SIG, T)
    assert got.shape == (0,) and got.dtype == np.float64
    assert pr.price(np.ones((0, 3)), np.ones(3), R, SIG, T).shape == (0, 3)
    g = pr.greeks(np.array([]), K, R, SIG, T)
    assert g.delta is not None and np.shape(g.delta) == (0,)


@pytest.mark.parametrize("kind, want_call", [
    ("call", True), ("c", True), ("CALL", True), ("put", False), ("p", False), (True, True), (False, False),
])
def test_kind_spellings(kind: Any, want_call: bool) -> None:
    call = pr.price(S, K, R, SIG, T, kind="call")
    put = pr.price(S, K, R, SIG, T, kind="put")
    assert pr.price(S, K, R, SIG, T, kind=kind) == (call if want_call else put)


def test_kind_arrays_mix_calls_and_puts() -> None:
    s = np.array([90.0, 100.0, 110.0, 120.0])
    calls = pr.price(s, K, R, SIG, T, kind="call")
    puts = pr.price(s, K, R, SIG, T, kind="put")
    mixed = np.array([True, False, True, False])
    want = np.where(mixed, calls, puts)
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=mixed), want)
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=["c", "put", "call", "P"]), want)
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=np.array(["c", "p", "c", "p"], dtype="S")), want)
    # numpy 2's variable-width strings (refused as an array of dtype StringDType before)
    strings = np.array(["call", "put", "c", "PUT"], dtype=np.dtypes.StringDType())
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=strings), want)
    # object arrays: Python's and numpy's booleans alike (np.True_ in an object array, as a
    # pandas object column holds them, was refused while a scalar np.True_ was taken)
    objects = np.array([np.True_, False, True, np.False_], dtype=object)
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=objects), want)
    # string arrays of a few distinct spellings are read by numpy's comparisons, more by
    # the element-by-element reading: the same answer either way
    many = np.array(["c", "put", "Call", " P ", "CALL", "p", "call", "Put"])
    np.testing.assert_array_equal(pr.price(np.tile(s, 2), K, R, SIG, T, kind=many), np.tile(want, 2))
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=np.array(["c", "put", "c", "put"])), want)
    # kind broadcasts like any other argument
    grid = pr.price(s[None, :], K, R, SIG, T, kind=np.array([[True], [False]]))
    np.testing.assert_array_equal(grid, np.stack([calls, puts]))


def test_kind_string_columns_read_from_their_buffer() -> None:
    """Fixed-width string arrays are read from their buffer and object columns of str matched
    by text (both for speed): every layout numpy has gives the answer of +-1 kinds."""
    rng = np.random.default_rng(5)
    s = 80.0 + 40.0 * rng.random(600)
    is_call = rng.random(600) < 0.5
    want = pr.price(s, K, R, SIG, T, kind=np.where(is_call, 1, -1))
    assert np.any(want != pr.price(s, K, R, SIG, T))  # the kinds matter
    spellings = (np.array(["call", "Call", " c", "C"]), np.array(["put", "PUT", "p ", "P"]))
    words = np.where(is_call, spellings[0][np.arange(600) % 4], spellings[1][np.arange(600) % 4])
    layouts = {
        "<U": words.astype("<U5"),
        ">U": words.astype(">U5"),  # not native byte order: read element by element
        "S": words.astype("S5"),
        "object": words.astype(object),
        "wide, padded": words.astype("U40"),
    }
    for name, kind in layouts.items():
        np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=kind), want, err_msg=name)
    # non-contiguous and 2-D views, and a reversed one
    stacked = np.stack([words, words])
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=stacked[1, ::-1][::-1]), want)
    np.testing.assert_array_equal(
        pr.price(s.reshape(20, 30), K, R, SIG, T, kind=words.reshape(30, 20).T.copy().T.reshape(20, 30)),
        want.reshape(20, 30),
    )
    every_other = np.repeat(words, 2)[::2]
    assert not every_other.flags.c_contiguous
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=every_other), want)
    # a broadcast column (read once along the repeated axis, then broadcast back)
    grid = pr.price(s.reshape(1, 600), K, R, SIG, np.array([[0.5], [1.0]]), kind=np.broadcast_to(words, (2, 600)))
    np.testing.assert_array_equal(
        grid[0], pr.price(s, K, R, SIG, 0.5, kind=np.where(is_call, 1, -1))
    )
    np.testing.assert_array_equal(
        grid[1], pr.price(s, K, R, SIG, 1.0, kind=np.where(is_call, 1, -1))
    )
    # more distinct spellings than are remembered: the rest parsed one by one, same answer
    many = [" call", "call ", "CaLl", "cAlL", "CALL", "Call", "c", "C", "call"]
    kinds = np.array([many[i % len(many)] if c else "put" for i, c in enumerate(is_call)])
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=kinds), want)
    np.testing.assert_array_equal(pr.price(s, K, R, SIG, T, kind=kinds.astype(object)), want)
    # a bad value anywhere is reported at its index, from every layout
    for bad in (words.astype("U5"), words.astype("S5"), words.astype(object)):
        bad[417] = "cal"
        with pytest.raises(ValueError, match=r"^kind\[417\] = (b)?'cal': kind must be"):
            pr.price(s, K, R, SIG, T, kind=bad)
    # bytes that are not ASCII name no payoff; a non-breaking space is whitespace, as for a
    # scalar kind
    with pytest.raises(ValueError, match=r"^kind\[1\] = b'\\xffp': kind must be"):
        pr.price(s[:2], K, R, SIG, T, kind=np.array([b"call", b"\xffp"]))
    nbsp = np.array(["call", "\xa0put"])
    np.testing.assert_array_equal(
        pr.price(s[:2], K, R, SIG, T, kind=nbsp), pr.price(s[:2], K, R, SIG, T, kind=np.array([1, -1]))
    )
    assert pr.price(S, K, R, SIG, T, kind="\xa0put") == pr.price(S, K, R, SIG, T, kind="put")
    np.testing.assert_array_equal(  # the same as UTF-8 bytes
        pr.price(s[:2], K, R, SIG, T, kind=np.array([b"call", "\xa0put".encode()])),
        pr.price(s[:2], K, R, SIG, T, kind=np.array([1, -1])),
    )
    # empty and 0-d string arrays
    assert pr.price(np.array([]), K, R, SIG, T, kind=np.array([], dtype="U4")).shape == (0,)
    assert pr.price(S, K, R, SIG, T, kind=np.array("put")) == pr.price(S, K, R, SIG, T, kind="put")


def test_bad_kind() -> None:
    with pytest.raises(ValueError, match=r"^kind = 'straddle': kind must be"):
        pr.price(S, K, R, SIG, T, kind="straddle")
    with pytest.raises(ValueError, match=r"^kind\[1\] = 'x': kind must be"):
        pr.price(S, K, R, SIG, T, kind=["call", "x"])
    with pytest.raises(TypeError, match="kind must be"):
        pr.price(S, K, R, SIG, T, kind=np.array([1.0, 2.0]))
    # the wrong type is a TypeError, as for the numeric arguments (None was a ValueError)
    with pytest.raises(TypeError, match=r"^kind = None: kind must be"):
        pr.price(S, K, R, SIG, T, kind=None)
    # +1 / -1 are kinds (QuantLib's Option.Call / Put, issue 22): another int is a bad
    # value, a float a bad type
    assert pr.price(S, K, R, SIG, T, kind=np.array(["put", 1], dtype=object))[1] == pr.price(S, K, R, SIG, T)
    with pytest.raises(ValueError, match=r"^kind\[1\] = 2: kind must be"):
        pr.price(S, K, R, SIG, T, kind=np.array(["call", 2], dtype=object))
    with pytest.raises(TypeError, match=r"^kind\[1\] = 1.5: kind must be"):
        pr.price(S, K, R, SIG, T, kind=np.array(["call", 1.5], dtype=object))
    # an integer array names the culprit as a number, not as numpy's repr (np.int64(3))
    with pytest.raises(ValueError, match=r"^kind\[1\] = 3: kind must be"):
        pr.price(np.full(2, 100.0), K, R, SIG, T, kind=np.array([1, 3]))


def test_inputs_are_not_modified() -> None:
    s = np.linspace(80, 120, 100)
    before = s.copy()
    pr.greeks(s, K, R, SIG, T)
    np.testing.assert_array_equal(s, before)


def test_negative_nan_and_masked_arrays() -> None:
    with np.errstate(invalid="ignore"):
        negative_nan = np.zeros(8) / 0.0  # NaN with the sign bit set on x86
    got = pr.price(negative_nan, K, R, SIG, T)
    assert got.shape == (8,) and np.all(np.isnan(got))
    g = pr.greeks(np.where(np.arange(8) % 2 == 0, negative_nan, S), K, R, SIG, T)
    assert np.all(np.isnan(g.delta[::2])) and np.all(np.isfinite(g.delta[1::2]))
    vols = pr.implied_vol(negative_nan, S, K, R, T)
    assert np.all(np.isnan(vols))
    masked = np.ma.masked_array([90.0, -5.0, 110.0], mask=[False, True, False])
    out = pr.price(masked, K, R, SIG, T)  # the masked (invalid) value is missing, not an error
    assert np.isnan(out[1]) and np.isfinite(out[[0, 2]]).all()
    np.testing.assert_array_equal(out[[0, 2]], pr.price(np.array([90.0, 110.0]), K, R, SIG, T))


def test_out_sharing_memory_with_an_input_reads_the_input_first() -> None:
    # numpy's ufunc rule (np.exp(a, out=a)): as if every input were read before any output
    # was written, whatever the overlap
    s = np.linspace(80.0, 120.0, 10)
    want = pr.price(s.copy(), K, R, SIG, T)
    assert pr.price(s, K, R, SIG, T, out=s) is s
    np.testing.assert_array_equal(s, want)
    sig = np.linspace(0.1, 0.5, 1000)
    want_vega = pr.vega(100.0, 100.0, 0.05, sig.copy(), 1.0)
    assert pr.vega(100.0, 100.0, 0.05, sig, 1.0, out=sig) is sig
    np.testing.assert_array_equal(sig, want_vega)
    buf = np.arange(20, dtype=np.float64) + 80.0
    want_shifted = pr.price(buf[:10].copy(), K, R, SIG, T)
    pr.price(buf[:10], K, R, SIG, T, out=buf[5:15])  # overlapping views of one buffer
    np.testing.assert_array_equal(buf[5:15], want_shifted)
    raw = bytearray(8 * 10)
    a = np.frombuffer(raw, dtype=np.float64)
    a[:] = np.linspace(5.0, 15.0, 10)
    b = np.frombuffer(memoryview(raw), dtype=np.float64)  # another base, same bytes
    want_vols = pr.implied_vol(a.copy(), 100.0, 100.0, 0.0, 1.0)
    pr.implied_vol(a, 100.0, 100.0, 0.0, 1.0, out=b)
    np.testing.assert_array_equal(b, want_vols)
    f = np.linspace(90.0, 110.0, 7)
    want_black = pr.black76_price(f.copy(), 100.0, 0.01, 0.2, 1.0)
    pr.black76_price(f, 100.0, 0.01, 0.2, 1.0, out=f)
    np.testing.assert_array_equal(f, want_black)
    empty = np.empty(0)  # no bytes in common, but the same array
    assert pr.price(empty, K, R, SIG, T, out=empty) is empty
    separate = np.empty(10)
    assert pr.price(s, K, R, SIG, T, out=separate) is separate


def test_scalar_arguments_of_the_classes_name_themselves() -> None:
    """A wrong type for a class's scalar argument is a TypeError naming it (PyO3's own
    message named neither the argument nor the type; quantiles='abc' gave an internal
    'Can't extract str to Vec')."""
    surf = pr.ImpliedVolSurface(100.0, [90.0, 110.0], [1.0], [[0.2, 0.2]])
    cases = [
        (lambda: pr.BlackScholesPricer(0.05, "0.2"), "sigma must be a real number, got str"),
        (lambda: pr.BlackScholesPricer(None, 0.2), "r must be a real number, got NoneType"),
        (lambda: pr.BlackScholesPricer(0.05, 0.2, q="x"), "q must be a real number, got str"),
        (lambda: pr.BlackScholesPricer([0.05], 0.2), "r must be a real number, got list"),
        (lambda: pr.ImpliedVolSurface(100.0, [90.0, 110.0], [1.0], [[0.2, 0.2]], q="x"), "q must be a real number"),
        (lambda: pr.ImpliedVolSurface.from_prices(100.0, [90.0], [1.0], [[12.0]], r="x"), "r must be a real number"),
        (lambda: surf.with_spot("4"), "spot must be a real number, got str"),
        (lambda: surf.describe(quantiles="abc"), "quantiles must be a sequence of real numbers, got str"),
        (lambda: surf.describe_error(0.01, quantiles=5), "quantiles must be a sequence of real numbers, got int"),
        # an explicit None is a value like any other (`Given`), not the default
        (lambda: pr.BlackScholesPricer(0.05, 0.2, q=None), "q must be a real number, got NoneType"),
        (lambda: pr.ImpliedVolSurface(100.0, [90.0, 110.0], [1.0], [[0.2, 0.2]], r=None), "r must be a real number"),
        (lambda: surf.describe(quantiles=None), "quantiles must be a sequence of real numbers, got NoneType"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError, match=message):
            call()
    # numpy scalars are real numbers
    assert pr.BlackScholesPricer(np.float32(0.5), np.float64(0.2)).r == 0.5
    assert surf.with_spot(np.float32(101.0)).spot == 101.0
    assert list(surf.describe(quantiles=np.array([0.5])).quantile_levels) == [0.5]


def test_broadcast_kind_views_are_not_materialised() -> None:
    # np.where on a broadcast kind (stride 0) built the full array: 32 MB here beside the
    # 32 MB output; DESIGN: broadcast inputs are never materialised
    import tracemalloc

    calls = np.broadcast_to(np.array([True, False] * 1000), (2000, 2000))
    names = np.broadcast_to(np.array(["call", "put"] * 1000), (2000, 2000))
    want = pr.price(100.0, 100.0, 0.02, 0.2, 0.5, kind=np.array([True, False] * 1000)[None, :] & np.ones((2000, 1), bool))
    for kind in (calls, names):
        tracemalloc.start()
        got = pr.price(100.0, 100.0, 0.02, 0.2, 0.5, kind=kind)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        np.testing.assert_array_equal(got, want)
        assert peak < 1.2 * got.nbytes, (kind.dtype, peak, got.nbytes)
