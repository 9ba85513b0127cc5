"""Write the overload sets of `python/pricer_rs/_native.pyi` (or, with --check, fail when
the checked-in stubs differ from what this writes; `tests/test_typing.py` runs that).

mypy picks the first overload a call matches, so each vectorised callable gets, in order:
  1. every argument a scalar (a `str` kind too) and no `out=`       -> float
  2. a pandas/polars/xarray object in any array argument, no `out=` -> the library's type
     (Any: no library is required; the classes' methods answer with ndarrays); the other
     arguments may be frames too (several frame arguments in one call, issue 22)
  3. an array or a list in any array argument (`q` and `kind` too)  -> ndarray
  4. `out=` given                                                   -> ndarray
  5. whatever is left                                               -> float | ndarray
`greeks` answers with a `Greeks[float]` or `Greeks[ndarray]`, whose fields are `| None`
when `which=` names a subset. A stub cannot share one overload set between functions, so
the sets are written here once and pasted into the stubs between `# @generated` markers.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any
from pathlib import Path

STUB = Path(__file__).resolve().parent.parent / "python" / "pricer_rs" / "_native.pyi"
ARRAY = "npt.NDArray[np.float64]"


@dataclass(frozen=True)
class Callable:
    name: str
    positional: tuple[str, ...]  # array-capable positional arguments
    q: bool = True  # a keyword-only q= (array-capable)
    kind: str = "keyword"  # "keyword" (keyword-only), "positional" (after the positionals), ""
    out: bool = True
    method: bool = False  # frames answer with ndarrays; `self` first
    greeks: bool = False  # answers with Greeks; which= instead of out=
    at_expiry: bool = False  # a keyword-only at_expiry="raise" | "limit"


SINGLE_GREEKS = ("delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm")
MODULE = [
    *(Callable(n, ("s", "k", "r", "sigma", "t"), at_expiry=True) for n in ("price", *SINGLE_GREEKS)),
    Callable("greeks", ("s", "k", "r", "sigma", "t"), out=False, greeks=True, at_expiry=True),
    Callable("black76_price", ("f", "k", "r", "sigma", "t"), q=False, at_expiry=True),
    Callable("black76_greeks", ("f", "k", "r", "sigma", "t"), q=False, out=False, greeks=True, at_expiry=True),
    Callable("implied_vol", ("price", "s", "k", "r", "t")),
    Callable("black76_implied_vol", ("price", "f", "k", "r", "t"), q=False),
]
PRICER = [
    Callable("price_call", ("s", "k", "t"), q=False, kind="", out=False, method=True),
    Callable("price_put", ("s", "k", "t"), q=False, kind="", out=False, method=True),
    Callable("price", ("s", "k", "t"), q=False, kind="positional", out=False, method=True),
    Callable("greeks", ("s", "k", "t"), q=False, kind="positional", out=False, method=True, greeks=True),
    Callable("implied_vol", ("price", "s", "k", "t"), q=False, kind="positional", out=False, method=True),
]
SURFACE = [
    Callable("vol", ("k", "t"), q=False, kind="", out=False, method=True),
    Callable("price_at", ("k", "t"), q=False, kind="positional", out=False, method=True),
]


DEFAULTS = {"_Float", "_FloatOrArray", "_KindScalar", "_Kind", "_Input", "_KindInput"}


def signature(c: Callable, types: dict[str, str], out: str | None, which: str | None,
              which_positional: bool = False) -> str:
    """The parameter list with `types` for the array-capable arguments (a method's `which`
    after a required `kind` where `which_positional`)."""
    params = ["self"] if c.method else []
    params += [f"{p}: {types[p]}" for p in c.positional]
    keywords = []
    # q and kind keep their defaults where they may be scalars; an overload for an array
    # in one of them requires it
    if c.q:
        keywords.append(f"q: {types['q']}" + (" = 0.0" if types["q"] in DEFAULTS else ""))
    has_default = types["kind"] in DEFAULTS and not which_positional
    kind = f"kind: {types['kind']}" + (' = "call"' if has_default else "")
    if c.kind == "keyword":
        keywords.append(kind)
    elif c.kind == "positional":
        params.append(kind)
    if c.at_expiry:
        keywords.append('at_expiry: _AtExpiry = "raise"')
    if c.greeks and which is not None:
        # a method's which= is positional too, but one without a default cannot follow kind's
        positional = c.method and ("=" in which or which_positional)
        (params if positional else keywords).append(which)
    elif c.out and out is not None:
        keywords.append(out)
    if keywords:
        params += ["*", *keywords]
    return ", ".join(params)


def overloads(c: Callable) -> list[str]:
    arrays = [*c.positional, *(["q"] if c.q else []), *(["kind"] if c.kind else [])]
    wide = {p: "_FloatOrArray" for p in arrays} | {"kind": "_Kind"}
    # with a frame in one argument, the others may be frames too (chain["mid"], chain["strike"])
    framed = {p: "_Input" for p in arrays} | {"kind": "_KindInput"}
    scalar = {p: "_Float" for p in arrays} | {"kind": "_KindScalar"}
    array_of = {p: "_ArrayLike" for p in arrays} | {"kind": "_KindArray"}
    no_out = "out: None = None"
    any_out = "out: _Out = None"
    # (argument types, out=, which=, result[, which positional])
    sets: list[tuple[Any, ...]] = []
    if c.greeks:
        given = "which: _WhichGiven"
        none = "which: None = None"
        scalar_t, array_t = "Greeks[float]", f"Greeks[{ARRAY}]"
        sets += [(scalar, None, none, scalar_t), (scalar, None, given, optional(scalar_t))]
        if not c.method:
            sets += [(framed | {p: "_Frame"}, None, "which: _Which = None", "Any") for p in arrays]
        for which, wrap in ((none, str), (given, optional)):
            sets += [(_others(c, wide, framed) | {p: _array_or_frame(c, array_of[p])}, None, which, wrap(array_t))
                     for p in arrays]
        # what is left (inputs typed float | ndarray): fields None-able only with which=
        either, maybe = f"Greeks[Union[float, {ARRAY}]]", f"Greeks[Union[float, {ARRAY}, None]]"
        sets += [(wide, None, none, either), (wide, None, given, maybe)]
        if c.method:  # which= given positionally, after kind
            sets.append((wide, None, given, maybe, True))
        sets.append((wide, None, "which: _Which = None", maybe))
    else:
        sets.append((scalar, no_out, None, "float"))
        if not c.method:  # (the methods' frames are typed with the arrays)
            sets += [(framed | {p: "_Frame"}, no_out, None, "Any") for p in arrays]
        sets += [(_others(c, wide, framed) | {p: _array_or_frame(c, array_of[p])}, any_out, None, ARRAY)
                 for p in arrays]
        if c.out:
            sets.append((wide, f"out: {ARRAY}", None, ARRAY))
        sets.append((wide, any_out, None, "_Result"))
    return [f"@overload\ndef {c.name}({signature(c, *entry[:3], *entry[4:])}) -> {entry[3]}: ..."
            for entry in sets]


def optional(greeks_type: str) -> str:
    """`Greeks[T]` -> `Greeks[T | None]`: the fields `which=` leaves out are None."""
    inner = greeks_type[len("Greeks["):-1]
    return f"Greeks[Union[{inner}, None]]"


def _others(c: Callable, wide: dict[str, str], framed: dict[str, str]) -> dict[str, str]:
    # a method answers frames with ndarrays, as arrays: its other arguments may be frames too
    return framed if c.method else wide


def _array_or_frame(c: Callable, array_type: str) -> str:
    # the methods answer a frame with an ndarray, as an array: one overload for both
    return f"Union[{array_type}, _Frame]" if c.method else array_type


def block(callables: list[Callable], indent: str) -> str:
    lines = []
    for c in callables:
        for o in overloads(c):
            lines += [indent + line for line in o.splitlines()]
    return "\n".join(lines)


BLOCKS = {"functions": (MODULE, ""), "pricer": (PRICER, "    "), "surface": (SURFACE, "    ")}
MARKER = re.compile(r"^( *)# @generated begin (\w+)\n.*?^\1# @generated end \2$", re.S | re.M)


def render(text: str) -> str:
    def replace(m: re.Match[str]) -> str:
        indent, name = m.group(1), m.group(2)
        callables, _ = BLOCKS[name]
        return (f"{indent}# @generated begin {name} (tools/gen_stubs.py)\n{block(callables, indent)}\n"
                f"{indent}# @generated end {name}")
    text = re.sub(r"(# @generated begin \w+) \(tools/gen_stubs.py\)", r"\1", text)
    new, count = MARKER.subn(replace, text)
    if count != len(BLOCKS):
        raise SystemExit(f"{STUB}: found {count} of {len(BLOCKS)} '# @generated' blocks")
    return new


def main() -> int:
    text = STUB.read_text()
    new = render(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print(f"{STUB} differs from what tools/gen_stubs.py writes: run it", file=sys.stderr)
            return 1
        return 0
    STUB.write_text(new)
    print(f"wrote {STUB}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
