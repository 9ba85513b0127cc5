"""Type stubs for the compiled core of pricer_rs (checked by mypy.stubtest)."""

from collections.abc import Iterable, Sequence
from typing import Any, Literal, SupportsFloat, SupportsIndex, Union, final, overload

import numpy as np
import numpy.typing as npt

__version__: str
__all__ = [
    "ArbitrageReport",
    "BlackScholesPricer",
    "Greeks",
    "ImpliedVolSurface",
    "SurfaceDescription",
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

_Float = Union[float, int, np.floating[Any], np.integer[Any]]
_ArrayLike = Union[npt.NDArray[Any], Sequence[Any]]
_FloatOrArray = Union[_Float, _ArrayLike]
_KindName = Literal["call", "put", "c", "p", "Call", "Put", "C", "P", "CALL", "PUT"]
_Kind = Union[_KindName, str, bool, np.bool_, npt.NDArray[Any], Sequence[Any]]
_GreekName = Literal[
    "price", "delta", "gamma", "vega", "theta", "rho", "epsilon", "vanna", "volga", "charm"
]
_Which = Union[None, _GreekName, Iterable[_GreekName]]
_Result = Union[float, npt.NDArray[np.float64]]
_Out = Union[None, npt.NDArray[np.float64]]

@overload
def price(
    s: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def price(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def delta(
    s: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def delta(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def gamma(
    s: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def gamma(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def vega(
    s: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def vega(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def theta(
    s: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def theta(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def rho(
    s: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def rho(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
def greeks(
    s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", which: _Which = None,
) -> Greeks: ...
@overload
def black76_price(
    f: _Float, k: _Float, r: _Float, sigma: _Float, t: _Float, *,
    kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def black76_price(
    f: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray, *, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def implied_vol(
    price: _Float, s: _Float, k: _Float, r: _Float, t: _Float, *,
    q: _Float = 0.0, kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def implied_vol(
    price: _FloatOrArray, s: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray,
    t: _FloatOrArray, *, q: _FloatOrArray = 0.0, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
@overload
def black76_implied_vol(
    price: _Float, f: _Float, k: _Float, r: _Float, t: _Float, *,
    kind: _KindName | bool = "call", out: None = None,
) -> float: ...
@overload
def black76_implied_vol(
    price: _FloatOrArray, f: _FloatOrArray, k: _FloatOrArray, r: _FloatOrArray,
    t: _FloatOrArray, *, kind: _Kind = "call", out: _Out = None,
) -> _Result: ...
def price_european_call_batch(
    s_array: npt.ArrayLike, k: _FloatOrArray, r: _FloatOrArray, sigma: _FloatOrArray,
    t: _FloatOrArray,
) -> npt.NDArray[np.float64]: ...
def set_num_threads(n: SupportsIndex) -> None: ...
def get_num_threads() -> int: ...

@final
class Greeks:
    """Price and greeks: floats or ndarrays of one shape; fields not computed are None."""

    def __new__(
        cls,
        price: _Result | None = None,
        delta: _Result | None = None,
        gamma: _Result | None = None,
        vega: _Result | None = None,
        theta: _Result | None = None,
        rho: _Result | None = None,
        epsilon: _Result | None = None,
        vanna: _Result | None = None,
        volga: _Result | None = None,
        charm: _Result | None = None,
    ) -> Greeks: ...
    @property
    def price(self) -> _Result | None: ...
    @property
    def delta(self) -> _Result | None: ...
    @property
    def gamma(self) -> _Result | None: ...
    @property
    def vega(self) -> _Result | None: ...
    @property
    def theta(self) -> _Result | None: ...
    @property
    def rho(self) -> _Result | None: ...
    @property
    def epsilon(self) -> _Result | None: ...
    @property
    def vanna(self) -> _Result | None: ...
    @property
    def volga(self) -> _Result | None: ...
    @property
    def charm(self) -> _Result | None: ...
    def to_dict(self) -> dict[str, _Result]: ...
    def __reduce__(self) -> tuple[type[Greeks], tuple[_Result | None, ...]]: ...

@final
class BlackScholesPricer:
    """A Black-Scholes-Merton pricer with fixed r, sigma and q (all read-only)."""

    def __new__(cls, r: SupportsFloat, sigma: SupportsFloat, q: SupportsFloat = 0.0) -> BlackScholesPricer: ...
    @property
    def r(self) -> float: ...
    @property
    def sigma(self) -> float: ...
    @property
    def q(self) -> float: ...
    @overload
    def price_call(self, s: _Float, k: _Float, t: _Float) -> float: ...
    @overload
    def price_call(self, s: _FloatOrArray, k: _FloatOrArray, t: _FloatOrArray) -> _Result: ...
    @overload
    def price_put(self, s: _Float, k: _Float, t: _Float) -> float: ...
    @overload
    def price_put(self, s: _FloatOrArray, k: _FloatOrArray, t: _FloatOrArray) -> _Result: ...
    @overload
    def price(self, s: _Float, k: _Float, t: _Float, kind: _KindName | bool = "call") -> float: ...
    @overload
    def price(
        self, s: _FloatOrArray, k: _FloatOrArray, t: _FloatOrArray, kind: _Kind = "call"
    ) -> _Result: ...
    def greeks(
        self, s: _FloatOrArray, k: _FloatOrArray, t: _FloatOrArray, kind: _Kind = "call",
        which: _Which = None,
    ) -> Greeks: ...
    @overload
    def implied_vol(
        self, price: _Float, s: _Float, k: _Float, t: _Float, kind: _KindName | bool = "call"
    ) -> float: ...
    @overload
    def implied_vol(
        self, price: _FloatOrArray, s: _FloatOrArray, k: _FloatOrArray, t: _FloatOrArray,
        kind: _Kind = "call",
    ) -> _Result: ...
    def price_surface(
        self, s: _FloatOrArray, strikes: _ArrayLike, tenors: _ArrayLike, kind: _Kind = "call"
    ) -> npt.NDArray[np.float64]: ...
    def greeks_surface(
        self, s: _FloatOrArray, strikes: _ArrayLike, tenors: _ArrayLike, kind: _Kind = "call",
        which: _Which = None,
    ) -> Greeks: ...
    def __reduce__(self) -> tuple[type[BlackScholesPricer], tuple[float, float, float]]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ImpliedVolSurface:
    """A strike x tenor implied-volatility surface; vols[j, i] at tenors[j], strikes[i]."""

    def __new__(
        cls, spot: SupportsFloat, strikes: _ArrayLike, tenors: _ArrayLike, vols: _ArrayLike,
        r: float = 0.0, q: float = 0.0, price_error: _FloatOrArray | None = None,
    ) -> ImpliedVolSurface: ...
    @staticmethod
    def from_prices(
        spot: SupportsFloat, strikes: _ArrayLike, tenors: _ArrayLike, prices: _ArrayLike,
        r: float = 0.0, q: float = 0.0, kind: _Kind = "call",
        price_error: _FloatOrArray | None = None,
    ) -> ImpliedVolSurface: ...
    @property
    def price_error(self) -> npt.NDArray[np.float64] | None: ...
    def describe(self, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> SurfaceDescription: ...
    def vol_error(
        self, price_error: _FloatOrArray | None = None, *, kind: _Kind = "call", exact: bool = False,
    ) -> npt.NDArray[np.float64]: ...
    def describe_error(
        self, price_error: _FloatOrArray | None = None, *, kind: _Kind = "call", exact: bool = False,
        quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    ) -> SurfaceDescription: ...
    @property
    def spot(self) -> float: ...
    @property
    def r(self) -> float: ...
    @property
    def q(self) -> float: ...
    @property
    def strikes(self) -> npt.NDArray[np.float64]: ...
    @property
    def tenors(self) -> npt.NDArray[np.float64]: ...
    @property
    def vols(self) -> npt.NDArray[np.float64]: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    def price(self, kind: _Kind = "call") -> npt.NDArray[np.float64]: ...
    def greeks(self, kind: _Kind = "call", which: _Which = None) -> Greeks: ...
    @overload
    def vol(self, k: _Float, t: _Float) -> float: ...
    @overload
    def vol(self, k: _FloatOrArray, t: _FloatOrArray) -> _Result: ...
    @overload
    def price_at(self, k: _Float, t: _Float, kind: _KindName | bool = "call") -> float: ...
    @overload
    def price_at(self, k: _FloatOrArray, t: _FloatOrArray, kind: _Kind = "call") -> _Result: ...
    def shifted(self, dvol: _FloatOrArray) -> ImpliedVolSurface: ...
    def with_spot(self, spot: float) -> ImpliedVolSurface: ...
    def check_arbitrage(self) -> ArbitrageReport: ...
    def to_pandas(self) -> Any: ...
    def plot(self, **kwargs: Any) -> Any: ...
    def _repr_html_(self) -> str: ...
    def __reduce__(self) -> tuple[type[ImpliedVolSurface], tuple[Any, ...]]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class ArbitrageReport:
    """Nodes (tenor index, strike index) where a surface admits arbitrage."""

    @property
    def calendar(self) -> npt.NDArray[np.int64]: ...
    @property
    def butterfly(self) -> npt.NDArray[np.int64]: ...
    @property
    def vertical(self) -> npt.NDArray[np.int64]: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def ok(self) -> bool: ...
    def __bool__(self) -> bool: ...

@final
class SurfaceDescription:
    """Per-tenor statistics of a surface or of its vol errors; one entry per tenor."""

    @property
    def tenor(self) -> npt.NDArray[np.float64]: ...
    @property
    def forward(self) -> npt.NDArray[np.float64]: ...
    @property
    def atm_vol(self) -> npt.NDArray[np.float64]: ...
    @property
    def skew(self) -> npt.NDArray[np.float64]: ...
    @property
    def min(self) -> npt.NDArray[np.float64]: ...
    @property
    def max(self) -> npt.NDArray[np.float64]: ...
    @property
    def mean(self) -> npt.NDArray[np.float64]: ...
    @property
    def quantiles(self) -> npt.NDArray[np.float64]: ...
    @property
    def quantile_levels(self) -> npt.NDArray[np.float64]: ...
    @property
    def missing(self) -> npt.NDArray[np.int64]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_pandas(self) -> Any: ...
