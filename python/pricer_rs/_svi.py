"""SVI and SSVI fits of implied-volatility surfaces, and their sensitivities.

Conventions: log-moneyness ``x = ln(K / F(t))`` with the surface's forward per tenor, total
implied variance ``w = vol^2 t``.

* Raw SVI (Gatheral 2004): ``w(x) = a + b (rho (x - m) + sqrt((x - m)^2 + sigma^2))``, one
  smile per tenor. Fitted by least squares **in implied vol** by default (``objective="vol"``:
  residual ``(vol_fit - vol_quote) / vol_error``, so the default weights, the inverse of the
  surface's implied-vol uncertainty where it carries a ``price_error``, make it a maximum
  likelihood fit in the quotes' own units, and the parameter covariance means what it says);
  ``objective="total_variance"`` is Zeliade's. The global step is Zeliade's quasi-explicit
  reduction (for fixed ``(m, sigma)`` the problem is linear in three parameters, solved
  exactly on its constraint polytope; a grid and Nelder-Mead over ``(m, ln sigma)``), then
  Levenberg-Marquardt with analytic Jacobians on all five. Domain: ``b >= 0``,
  ``|rho| < 1``, ``sigma > 0``, non-negative variance. ``arbitrage_free=True`` (the default)
  also enforces Gatheral's density ``g(x) >= 0`` (no butterfly arbitrage) and Lee's wing
  bound ``b (1 + |rho|) <= 2``.
* SSVI (Gatheral & Jacquier 2014): ``w(x, theta_t) = theta_t / 2 (1 + rho phi x +
  sqrt((phi x + rho)^2 + 1 - rho^2))`` with the power law ``phi(theta) = eta /
  (theta^gamma (1 + theta)^(1 - gamma))``, fitted to every tenor at once; ``theta_t``
  non-decreasing, ``gamma`` in (0, 1/2], ``eta (1 + |rho|) <= 2`` (their sufficient
  conditions for no static arbitrage) are always enforced.
* Sensitivities: at the optimum, the implicit-function theorem on the first-order
  conditions (the exact Hessian, not Gauss-Newton's) gives ``d params / d vol_i`` and
  ``d params / d x_i`` for every quote; through ``x = ln(K/F)`` and the quotes' vegas they
  give the sensitivities to spot, rate and dividend yield with the quoted *prices* fixed.

The fitting runs in Rust (``pricer_rs._native``), slices in parallel with the GIL released.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import _native

if TYPE_CHECKING:  # pragma: no cover
    from ._native import ImpliedVolSurface

FloatArray = npt.NDArray[np.float64]

__all__ = ["ButterflyReport", "SsviFit", "SviBatchFit", "SviFit", "SviSmile", "calendar_arbitrage", "fit_svi_batch"]

PARAMS = ("a", "b", "rho", "m", "sigma")
#: fit status codes (per tenor): 0 ok; the rest say why a tenor has no (or a doubtful) fit
STATUS = dict(_native._svi_status_names())
_OBJECTIVES = ("vol", "total_variance")
_MAX_ITER = 1000


@dataclass(frozen=True)
class ButterflyReport:
    """Butterfly arbitrage of one raw SVI smile: ``ok`` when Gatheral's ``g(x) >= 0``
    everywhere, else the log-moneyness ``intervals`` where ``g < 0``; the smallest ``g`` and
    where it is. Truthy when there *is* arbitrage, like ``ArbitrageReport``."""

    ok: bool
    intervals: list[tuple[float, float]]
    min_density: float
    argmin: float

    def __bool__(self) -> bool:
        return not self.ok


@dataclass(frozen=True)
class SviSmile:
    """A raw SVI smile, ``w(x) = a + b (rho (x - m) + sqrt((x - m)^2 + sigma^2))`` in
    log-moneyness ``x = ln(K/F)`` (total variance ``w = vol^2 t``). The domain is checked:
    ``b >= 0``, ``|rho| < 1``, ``sigma > 0``, ``a + b sigma sqrt(1 - rho^2) >= 0``."""

    a: float
    b: float
    rho: float
    m: float
    sigma: float

    def __post_init__(self) -> None:
        values = (self.a, self.b, self.rho, self.m, self.sigma)
        for name, v in zip(PARAMS, values):
            if not isinstance(v, (int, float, np.floating, np.integer)) or isinstance(v, bool):
                raise TypeError(f"SviSmile: {name} must be a real number, got {type(v).__name__}")
            if not math.isfinite(v):
                raise ValueError(f"SviSmile: {name} = {v!r} must be finite")
        if self.b < 0:
            raise ValueError(f"SviSmile: b = {self.b!r} must be >= 0")
        if not abs(self.rho) < 1:
            raise ValueError(f"SviSmile: rho = {self.rho!r} must be in (-1, 1)")
        if not self.sigma > 0:
            raise ValueError(f"SviSmile: sigma = {self.sigma!r} must be > 0")
        low = self.a + self.b * self.sigma * math.sqrt(1 - self.rho * self.rho)
        if low < 0:
            raise ValueError(f"SviSmile: a + b sigma sqrt(1 - rho^2) = {low!r}: the minimum total "
                             "variance must be >= 0")
        for name, v in zip(PARAMS, values):
            object.__setattr__(self, name, float(v))

    @property
    def params(self) -> FloatArray:
        """(a, b, rho, m, sigma) as an array."""
        return np.array([self.a, self.b, self.rho, self.m, self.sigma])

    def total_variance(self, x: Any) -> Any:
        """w(x) at log-moneyness x (broadcasting; a float for a float)."""
        y = np.asarray(x, dtype=np.float64) - self.m
        w = self.a + self.b * (self.rho * y + np.sqrt(y * y + self.sigma**2))
        return float(w) if np.ndim(w) == 0 else w

    def _derivatives(self, x: Any) -> tuple[Any, Any, Any]:
        y = np.asarray(x, dtype=np.float64) - self.m
        root = np.sqrt(y * y + self.sigma**2)
        w = self.a + self.b * (self.rho * y + root)
        w1 = self.b * (self.rho + y / root)
        w2 = self.b * self.sigma**2 / root**3
        return w, w1, w2

    def vol(self, x: Any, t: Any) -> Any:
        """Implied vol sqrt(w(x) / t) at log-moneyness x and time t."""
        v = np.sqrt(np.asarray(self.total_variance(x)) / np.asarray(t, dtype=np.float64))
        return float(v) if np.ndim(v) == 0 else v

    def density(self, x: Any) -> Any:
        """Gatheral's g(x) = (1 - x w'/(2w))^2 - w'^2/4 (1/w + 1/4) + w''/2: the smile is
        free of butterfly arbitrage where g >= 0 (NaN where w <= 0)."""
        xs = np.asarray(x, dtype=np.float64)
        w, w1, w2 = self._derivatives(xs)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (1 - xs * w1 / (2 * w)) ** 2 - w1 * w1 / 4 * (1 / w + 0.25) + w2 / 2
            g = np.where(w > 0, g, np.nan)
        return float(g) if np.ndim(g) == 0 else g

    def butterfly_arbitrage(self) -> ButterflyReport:
        """Where g(x) < 0 (a scan of the whole line, each sign change refined by bisection,
        in Rust)."""
        ok, intervals, low, at = _native._svi_butterfly(tuple(self.params))
        return ButterflyReport(bool(ok), [(float(a), float(b)) for a, b in intervals], float(low), float(at))


def _q_at(surface: ImpliedVolSurface, t: FloatArray) -> FloatArray:
    """The surface's dividend yield at any time (as the core's `Surface::q_at`: one value,
    or per-tenor values interpolated linearly in q t, flat outside)."""
    q = np.atleast_1d(np.asarray(surface.q, dtype=np.float64))
    if q.size == 1:
        return np.full_like(t, q[0])
    tenors = surface.tenors
    accrued = np.interp(t, tenors, q * tenors)
    out = accrued / np.where(t > 0, t, 1.0)
    out = np.where(t <= tenors[0], q[0], out)
    out = np.where(t >= tenors[-1], q[-1], out)
    exact = np.searchsorted(tenors, t)
    hit = (exact < tenors.size) & (tenors[np.minimum(exact, tenors.size - 1)] == t)
    return np.where(hit, q[np.minimum(exact, tenors.size - 1)], out)


def _log_moneyness(surface: ImpliedVolSurface) -> FloatArray:
    return np.log(surface.strikes[None, :] / surface.forwards[:, None])


def _otm_kind(surface: ImpliedVolSurface) -> npt.NDArray[np.bool_]:
    """Which option each node's quote is taken to be: out of the money by the forward."""
    return np.asarray(surface.strikes[None, :] >= surface.forwards[:, None])


def _default_weights(surface: ImpliedVolSurface, weights: Any) -> FloatArray | None:
    shape = surface.shape
    if weights is not None:
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), shape)
        if np.any(w < 0) or np.any(np.isinf(w)):
            raise ValueError("fit_svi: weights must be finite and >= 0 (0 or NaN skips a node)")
        return np.ascontiguousarray(w)
    if surface.price_error is None:
        return None
    error = np.asarray(surface.vol_error())
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where((error > 0) & np.isfinite(error), 1.0 / error, np.nan)
    # a node known exactly (error 0) gets the largest finite weight of the grid
    exact = error == 0
    if np.any(exact):
        finite = w[np.isfinite(w)]
        w = np.where(exact, finite.max() if finite.size else 1.0, w)
    return np.ascontiguousarray(w)


def _check_objective(objective: str) -> None:
    if objective not in _OBJECTIVES:
        raise ValueError(f"objective = {objective!r}: must be 'vol' or 'total_variance'")


class SviFit:
    """Raw SVI smiles fitted to every tenor of an ``ImpliedVolSurface`` (``surf.fit_svi``).

    Per tenor (1-D arrays, NaN where a tenor could not be fitted, including a raw SVI fit
    that kept butterfly arbitrage when none was allowed and whose SSVI-slice fallback failed
    too): ``a, b, rho, m, sigma``, ``status`` (codes, ``STATUS``; ``status_text``; 6: the
    arbitrage-free SSVI slice stands in for a raw SVI fit that kept some arbitrage),
    ``rmse`` (weighted, vol units),
    ``n_used``. ``residuals``: fitted minus quoted vol per node, the grid's shape.
    ``smiles``: an ``SviSmile`` per tenor (None where not fitted). ``vol(k, t)``,
    ``price(k, t)``, ``greeks(k, t)`` and ``to_surface(strikes, tenors)`` read the fit as a
    surface: ``k`` is a strike, as for ``ImpliedVolSurface.vol``; between tenors total
    variance is interpolated linearly in time at fixed log-moneyness. Pickles exactly.
    """

    def __init__(self, surface: ImpliedVolSurface, *, weights: Any = None, arbitrage_free: bool = True,
                 objective: str = "vol", max_iter: int = _MAX_ITER) -> None:
        _check_objective(objective)
        self.surface = surface
        self.objective = objective
        self.arbitrage_free = bool(arbitrage_free)
        self.max_iter = int(max_iter)
        self.weights = _default_weights(surface, weights)
        self.log_moneyness = np.ascontiguousarray(_log_moneyness(surface))
        result = _native._svi_fit(
            self.log_moneyness, np.ascontiguousarray(surface.vols), np.ascontiguousarray(surface.tenors),
            self.weights, objective, self.arbitrage_free, self.max_iter)
        self._set(result)

    @classmethod
    def _from_result(cls, surface: ImpliedVolSurface, weights: FloatArray | None, result: dict[str, Any],
                     arbitrage_free: bool, objective: str, max_iter: int) -> SviFit:
        fit = cls.__new__(cls)
        fit.surface = surface
        fit.objective = objective
        fit.arbitrage_free = arbitrage_free
        fit.max_iter = max_iter
        fit.weights = weights
        fit.log_moneyness = np.ascontiguousarray(_log_moneyness(surface))
        fit._set(result)
        return fit

    def _set(self, result: dict[str, Any]) -> None:
        self.params: FloatArray = np.asarray(result["params"])
        self.status: npt.NDArray[np.int64] = np.asarray(result["status"])
        self.rmse: FloatArray = np.asarray(result["rmse"])
        self.residuals: FloatArray = np.asarray(result["residuals"])
        self.n_used: npt.NDArray[np.int64] = np.asarray(result["n_used"])
        self.iterations: npt.NDArray[np.int64] = np.asarray(result["iterations"])
        self._sens: dict[str, Any] | None = None

    # -- parameters -----------------------------------------------------------------------
    @property
    def a(self) -> FloatArray:
        """a per tenor (NaN where not fitted)."""
        return self.params[:, 0]

    @property
    def b(self) -> FloatArray:
        """b per tenor."""
        return self.params[:, 1]

    @property
    def rho(self) -> FloatArray:
        """rho per tenor."""
        return self.params[:, 2]

    @property
    def m(self) -> FloatArray:
        """m per tenor."""
        return self.params[:, 3]

    @property
    def sigma(self) -> FloatArray:
        """sigma per tenor."""
        return self.params[:, 4]

    @property
    def tenors(self) -> FloatArray:
        """The data surface's tenors, years."""
        return self.surface.tenors

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Tenors with a fit to use: converged (status 0), or, where the raw SVI fit kept
        some butterfly arbitrage, the arbitrage-free SSVI slice fitted instead (status 6;
        no sensitivity there)."""
        return np.asarray((self.status == 0) | (self.status == 6))

    @property
    def status_text(self) -> list[str]:
        """What each tenor's status code means."""
        return [STATUS.get(int(c), f"status {int(c)}") for c in self.status]

    @property
    def smiles(self) -> list[SviSmile | None]:
        """An ``SviSmile`` per tenor (None where the tenor has no fit)."""
        out: list[SviSmile | None] = []
        for row in self.params:
            try:
                out.append(SviSmile(*map(float, row)) if np.all(np.isfinite(row)) else None)
            except ValueError:
                out.append(None)
        return out

    # -- the fit as a surface -------------------------------------------------------------
    def total_variance(self, x: Any, t: Any) -> FloatArray:
        """Total variance at log-moneyness x and time t: the fitted smiles' w(x) linear in
        time between tenors (flat vol before the first and after the last fitted one)."""
        xs, ts = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64))
        live = np.flatnonzero(np.all(np.isfinite(self.params), axis=1))
        if live.size == 0:
            return np.full(xs.shape, np.nan)
        tenors = self.tenors[live]
        p = self.params[live]
        flat_x = xs.ravel()
        flat_t = ts.ravel()
        y = flat_x[None, :] - p[:, 3:4]
        w = p[:, 0:1] + p[:, 1:2] * (p[:, 2:3] * y + np.sqrt(y * y + p[:, 4:5] ** 2))  # (tenors, n)
        out = np.full(flat_x.shape, np.nan)  # NaN in, NaN out
        idx = np.arange(flat_x.size)
        with np.errstate(invalid="ignore"):
            first = flat_t <= tenors[0]
            last = ~first & (flat_t >= tenors[-1])
            mid = ~first & ~last & ~np.isnan(flat_t)
        out[first] = w[0, first] * flat_t[first] / tenors[0]
        out[last] = w[-1, last] * flat_t[last] / tenors[-1]
        if mid.any():
            j = np.searchsorted(tenors, flat_t[mid])
            t0, t1 = tenors[j - 1], tenors[j]
            w0, w1 = w[j - 1, idx[mid]], w[j, idx[mid]]
            out[mid] = w0 + (w1 - w0) * (flat_t[mid] - t0) / (t1 - t0)
        return out.reshape(xs.shape)

    def _forward(self, t: FloatArray) -> FloatArray:
        s = self.surface
        return np.asarray(s.spot * np.exp((s.r - _q_at(s, t)) * t))

    def vol(self, k: Any, t: Any) -> Any:
        """Fitted implied vol at strike k and time t (broadcasting)."""
        ks, ts = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(t, dtype=np.float64))
        x = np.log(ks / self._forward(ts))
        v = np.sqrt(self.total_variance(x, ts) / ts)
        return float(v) if v.ndim == 0 else v

    def price(self, k: Any, t: Any, *, kind: Any = "call") -> Any:
        """Prices at strike k and time t from the fitted vols."""
        ks, ts = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(t, dtype=np.float64))
        s = self.surface
        out = _native.price(s.spot, ks, s.r, np.asarray(self.vol(ks, ts)), ts, q=_q_at(s, ts), kind=kind)
        return float(out) if np.ndim(out) == 0 else out

    def greeks(self, k: Any, t: Any, *, kind: Any = "call", which: Any = None) -> Any:
        """Greeks at strike k and time t from the fitted vols (a ``Greeks``)."""
        ks, ts = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(t, dtype=np.float64))
        s = self.surface
        return _native.greeks(s.spot, ks, s.r, np.asarray(self.vol(ks, ts)), ts, q=_q_at(s, ts), kind=kind,
                              which=which)

    def to_surface(self, strikes: Any = None, tenors: Any = None) -> ImpliedVolSurface:
        """An ``ImpliedVolSurface`` of the fitted vols on any grid (default: the data's)."""
        s = self.surface
        strikes = s.strikes if strikes is None else np.asarray(strikes, dtype=np.float64)
        tenors = s.tenors if tenors is None else np.asarray(tenors, dtype=np.float64)
        vols = np.asarray(self.vol(strikes[None, :], tenors[:, None]))
        q = np.atleast_1d(np.asarray(s.q, dtype=np.float64))
        q_grid: Any = float(q[0]) if q.size == 1 else _q_at(s, tenors)
        return type(s)(s.spot, strikes, tenors, vols, r=s.r, q=q_grid)

    # -- arbitrage ------------------------------------------------------------------------
    def butterfly_arbitrage(self) -> list[ButterflyReport | None]:
        """Each fitted smile's butterfly check (None where a tenor has no fit)."""
        return [None if sm is None else sm.butterfly_arbitrage() for sm in self.smiles]

    def calendar_arbitrage(self, x: Any = None) -> list[dict[str, Any]]:
        """Where a later smile's total variance falls below an earlier one's (on a grid of
        log-moneyness, by default the data's range widened by half): a list of
        ``{"earlier", "later", "intervals", "worst_x", "worst_difference"}``."""
        return calendar_arbitrage(self.params, self.tenors, self._x_grid() if x is None else x)

    def _x_grid(self) -> FloatArray:
        xs = self.log_moneyness[np.isfinite(self.surface.vols)]
        lo, hi = (float(xs.min()), float(xs.max())) if xs.size else (-1.0, 1.0)
        span = max(hi - lo, 0.1)
        return np.linspace(lo - span / 2, hi + span / 2, 401)

    # -- sensitivities --------------------------------------------------------------------
    def _sensitivities(self) -> dict[str, Any]:
        if self._sens is None:
            self._sens = dict(_native._svi_sensitivity(
                self.log_moneyness, np.ascontiguousarray(self.surface.vols),
                np.ascontiguousarray(self.surface.tenors), self.weights, self.objective,
                self.arbitrage_free, self.max_iter))
        return self._sens

    def sensitivity(self) -> FloatArray:
        """d(a, b, rho, m, sigma) / d(node vol): shape (tenors, 5, strikes); 0 at missing
        nodes, NaN for a tenor without a fit or with a parameter at a bound of its domain
        (there the optimum is not smooth in the data)."""
        return np.asarray(self._sensitivities()["d_params_d_vol"])

    def vol_sensitivity(self) -> FloatArray:
        """d(fitted vol at node j) / d(quoted vol at node i): (tenors, strikes, strikes),
        ``[t, j, i]``."""
        return np.asarray(self._sensitivities()["d_vol_d_vol"])

    def price_sensitivity(self) -> FloatArray:
        """d params / d(quoted price at node i), (tenors, 5, strikes): the vol
        sensitivity over each quote's vega."""
        vega = self._node_greeks().vega
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.sensitivity() / vega[:, None, :])

    def covariance(self) -> FloatArray:
        """Parameter covariance (tenors, 5, 5) from the weights taken as inverse vol
        uncertainties (``(J^T W J)^-1``, not rescaled by the residuals)."""
        return np.asarray(self._sensitivities()["covariance"])

    def standard_errors(self) -> FloatArray:
        """Standard errors of (a, b, rho, m, sigma) per tenor, (tenors, 5): meaningful where
        the weights are 1 / vol uncertainty (the default for a surface with price_error)."""
        cov = self.covariance()
        return np.sqrt(np.diagonal(cov, axis1=1, axis2=2).copy())

    def _node_greeks(self) -> Any:
        s = self.surface
        return _native.greeks(s.spot, s.strikes[None, :], s.r, s.vols, s.tenors[:, None],
                              q=np.atleast_1d(np.asarray(s.q, dtype=np.float64))[:, None]
                              if np.ndim(s.q) else s.q,
                              kind=_otm_kind(s), which=("delta", "vega", "rho", "epsilon"))

    def market_sensitivity(self) -> dict[str, FloatArray]:
        """d params / d spot, rate and dividend yield (each (tenors, 5)) with the quoted
        prices fixed (the quotes are out-of-the-money options by the forward): through each
        quote's vol, ``d vol / d input = -(d price / d input) / vega``, and its log-moneyness
        ``x = ln(K/F)`` (``dx/dS = -1/S``, ``dx/dr = -t``, ``dx/dq = t``)."""
        s = self.surface
        g = self._node_greeks()
        dv, dx = self.sensitivity(), np.asarray(self._sensitivities()["d_params_d_k"])
        live = np.isfinite(s.vols)
        t = s.tenors[:, None]
        out = {}
        with np.errstate(divide="ignore", invalid="ignore"):
            for name, dprice, dx_d in (("spot", g.delta, np.broadcast_to(-1.0 / s.spot, s.shape)),
                                       ("rate", g.rho, np.broadcast_to(-t, s.shape)),
                                       ("dividend", g.epsilon, np.broadcast_to(t, s.shape))):
                dvol = np.where(live, -dprice / g.vega, 0.0)
                out[name] = (np.einsum("jpi,ji->jp", dv, dvol)
                             + np.einsum("jpi,ji->jp", dx, np.where(live, dx_d, 0.0)))
        return out

    # -- reading the fit ------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """Per tenor: tenor, status, n_used, rmse (weighted), max |residual|, mean residual
        (vol units)."""
        r = self.residuals
        import warnings

        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {
                "tenor": self.tenors,
                "status": self.status,
                "n_used": self.n_used,
                "rmse": self.rmse,
                "max_abs_residual": np.nanmax(np.abs(r), axis=1),
                "mean_residual": np.nanmean(r, axis=1),
            }

    def to_pandas(self) -> Any:
        """The parameters, status and rmse per tenor as a pandas DataFrame."""
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        frame = pd.DataFrame(self.params, columns=list(PARAMS), index=pd.Index(self.tenors, name="tenor"))
        frame["status"] = self.status_text
        frame["rmse"] = self.rmse
        frame["n_used"] = self.n_used
        return frame

    def plot(self, *, tenors: Any = None, ax: Any = None, bands: bool = True) -> Any:
        """Quoted vols (with error bands where the surface has a price_error) against the
        fitted smiles, per tenor (needs matplotlib). Returns the Figure."""
        import matplotlib.pyplot as plt

        s = self.surface
        rows = range(len(s.tenors)) if tenors is None else [
            int(np.argmin(np.abs(s.tenors - t))) for t in np.atleast_1d(tenors)]
        fig, ax = (plt.subplots(figsize=(8, 5)) if ax is None else (ax.figure, ax))
        error = s.vol_error() if (bands and s.price_error is not None) else None
        for j in rows:
            x = self.log_moneyness[j]
            live = np.isfinite(s.vols[j])
            line = ax.plot(x[live], 100 * s.vols[j][live], "o", ms=3, label=f"t = {s.tenors[j]:.3g}")[0]
            if error is not None:
                e = error[j][live]
                ax.fill_between(x[live], 100 * (s.vols[j][live] - e), 100 * (s.vols[j][live] + e),
                                color=line.get_color(), alpha=0.15)
            smile = self.smiles[j]
            if smile is not None:
                grid = np.linspace(x[live].min(), x[live].max(), 200) if live.any() else x
                ax.plot(grid, 100 * np.asarray(smile.vol(grid, s.tenors[j])), "-", color=line.get_color())
        ax.set_xlabel("log-moneyness ln(K/F)")
        ax.set_ylabel("implied vol (%)")
        ax.set_title(f"SVI fit ({self.objective}, arbitrage_free={self.arbitrage_free}), spot {s.spot:g}")
        ax.legend(fontsize="small")
        return fig

    def __repr__(self) -> str:
        return (f"SviFit({len(self.tenors)} tenors, {int(self.ok.sum())} fitted ok, "
                f"rmse {np.nanmax(self.rmse) if np.any(np.isfinite(self.rmse)) else float('nan'):.3g} at worst, "
                f"objective={self.objective!r}, arbitrage_free={self.arbitrage_free})")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_sens"] = None  # recomputed on demand, bit for bit
        return state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SviFit):
            return NotImplemented
        return (self.surface == other.surface and self.objective == other.objective
                and self.arbitrage_free == other.arbitrage_free
                and np.array_equal(self.params, other.params, equal_nan=True)
                and np.array_equal(self.residuals, other.residuals, equal_nan=True)
                and np.array_equal(self.status, other.status))

    __hash__ = None  # type: ignore[assignment]


def calendar_arbitrage(params: Any, tenors: Any, x: Any) -> list[dict[str, Any]]:
    """Calendar arbitrage between raw SVI smiles (``pr.svi_calendar_arbitrage``): rows of
    ``params`` (tenors, 5: a, b, rho, m, sigma) in the order of ``tenors``, checked on the
    log-moneyness grid ``x`` (each sign change refined by bisection): a list of
    ``{"earlier", "later", "intervals", "worst_x", "worst_difference"}`` wherever a later
    smile's total variance is below an earlier one's. Rows with NaN are left out."""
    p = np.asarray(params, dtype=np.float64)
    t = np.asarray(tenors, dtype=np.float64)
    live = np.flatnonzero(np.all(np.isfinite(p), axis=1))
    found = _native._svi_calendar(np.ascontiguousarray(p[live]), [float(v) for v in t[live]],
                                  [float(v) for v in np.asarray(x, dtype=np.float64).ravel()])
    return [{"earlier": int(live[e]), "later": int(live[l]), "intervals": list(iv),
             "worst_x": wx, "worst_difference": wd} for e, l, iv, wx, wd in found]


@dataclass
class SsviFit:
    """SSVI (Gatheral & Jacquier 2014) fitted to a whole surface (``surf.fit_ssvi``):
    ``w(x, theta_t) = theta_t/2 (1 + rho phi x + sqrt((phi x + rho)^2 + 1 - rho^2))``,
    ``phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))``; ``thetas`` per tenor (the
    at-the-money total variance), non-decreasing; ``gamma`` in (0, 1/2] and
    ``eta (1 + |rho|) <= 2``: free of static arbitrage by construction."""

    surface: Any
    rho: float
    eta: float
    gamma: float
    thetas: FloatArray
    status: int
    rmse: float
    residuals: FloatArray
    n_used: int
    objective: str = "vol"
    weights: FloatArray | None = field(default=None, repr=False)

    @property
    def tenors(self) -> FloatArray:
        """The data surface's tenors, years."""
        return np.asarray(self.surface.tenors)

    @property
    def ok(self) -> bool:
        """Whether the fit ended without a flag."""
        return self.status == 0

    @property
    def status_text(self) -> str:
        """What the status code means."""
        return str(STATUS.get(int(self.status), f"status {self.status}"))

    def phi(self, theta: Any) -> Any:
        """The power law phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))."""
        th = np.asarray(theta, dtype=np.float64)
        return self.eta / (th**self.gamma * (1 + th) ** (1 - self.gamma))

    def total_variance(self, x: Any, theta: Any) -> Any:
        """w(x, theta) at log-moneyness x and at-the-money total variance theta."""
        xs, th = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(theta, dtype=np.float64))
        ph = self.phi(th)
        r = self.rho
        return th / 2 * (1 + r * ph * xs + np.sqrt((ph * xs + r) ** 2 + 1 - r * r))

    @property
    def smiles(self) -> list[SviSmile | None]:
        """The raw SVI smile of each tenor (G&J Lemma 3.2)."""
        out: list[SviSmile | None] = []
        for th in self.thetas:
            if not (np.isfinite(th) and th > 0):
                out.append(None)
                continue
            ph = float(self.phi(th))
            r = self.rho
            out.append(SviSmile(th / 2 * (1 - r * r), th * ph / 2, r, -r / ph, math.sqrt(1 - r * r) / ph))
        return out

    @property
    def params(self) -> FloatArray:
        """Raw SVI parameters per tenor, (tenors, 5)."""
        return np.array([sm.params if sm is not None else np.full(5, np.nan) for sm in self.smiles])

    def vol(self, k: Any, t: Any) -> Any:
        """Fitted vol at strike k and time t (theta linear in t between tenors)."""
        ks, ts = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(t, dtype=np.float64))
        s = self.surface
        tenors = self.tenors
        theta = np.interp(ts, tenors, self.thetas)
        theta = np.where(ts < tenors[0], self.thetas[0] * ts / tenors[0], theta)
        theta = np.where(ts > tenors[-1], self.thetas[-1] * ts / tenors[-1], theta)
        fwd = s.spot * np.exp((s.r - _q_at(s, ts)) * ts)
        v = np.sqrt(self.total_variance(np.log(ks / fwd), theta) / ts)
        return float(v) if v.ndim == 0 else v

    def to_surface(self, strikes: Any = None, tenors: Any = None) -> Any:
        """An ``ImpliedVolSurface`` of the fitted vols on any grid (default: the data's)."""
        s = self.surface
        strikes = s.strikes if strikes is None else np.asarray(strikes, dtype=np.float64)
        tenors = s.tenors if tenors is None else np.asarray(tenors, dtype=np.float64)
        vols = np.asarray(self.vol(strikes[None, :], tenors[:, None]))
        q = np.atleast_1d(np.asarray(s.q, dtype=np.float64))
        q_grid: Any = float(q[0]) if q.size == 1 else _q_at(s, tenors)
        return type(s)(s.spot, strikes, tenors, vols, r=s.r, q=q_grid)

    def is_arbitrage_free(self) -> bool:
        """The sufficient conditions: thetas non-decreasing, gamma in (0, 1/2],
        eta (1 + |rho|) <= 2, |rho| < 1."""
        th = self.thetas[np.isfinite(self.thetas)]
        return bool(abs(self.rho) < 1 and 0 < self.gamma <= 0.5 + 1e-12
                    and self.eta * (1 + abs(self.rho)) <= 2 + 1e-12 and np.all(np.diff(th) >= 0))


def fit_svi(surface: ImpliedVolSurface, *, weights: Any = None, arbitrage_free: bool = True,
            objective: str = "vol", max_iter: int = _MAX_ITER) -> SviFit:
    """`ImpliedVolSurface.fit_svi`: see `SviFit`."""
    return SviFit(surface, weights=weights, arbitrage_free=arbitrage_free, objective=objective,
                  max_iter=max_iter)


def fit_ssvi(surface: ImpliedVolSurface, *, weights: Any = None, objective: str = "vol",
             max_iter: int = _MAX_ITER) -> SsviFit:
    """`ImpliedVolSurface.fit_ssvi`: see `SsviFit`."""
    _check_objective(objective)
    w = _default_weights(surface, weights)
    result = _native._ssvi_fit(
        np.ascontiguousarray(_log_moneyness(surface)), np.ascontiguousarray(surface.vols),
        np.ascontiguousarray(surface.tenors), w, objective, int(max_iter))
    return SsviFit(surface, float(result["rho"]), float(result["eta"]), float(result["gamma"]),
                   np.asarray(result["thetas"]), int(result["status"]), float(result["rmse"]),
                   np.asarray(result["residuals"]), int(result["n_used"]), objective, w)


@dataclass
class SviBatchFit:
    """Raw SVI fits of many surfaces in one call (``fit_svi_batch``): ``params``
    (surfaces, tenors, 5), ``status``, ``rmse`` (surfaces, tenors), padded with NaN (status
    -1) where a surface has fewer tenors; ``fits`` the per-surface ``SviFit``."""

    params: FloatArray
    status: npt.NDArray[np.int64]
    rmse: FloatArray
    fits: list[SviFit]

    def to_pandas(self) -> Any:
        """One row per (surface, tenor): parameters, status, rmse."""
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        frames = []
        for n, fit in enumerate(self.fits):
            frame = fit.to_pandas().reset_index()
            frame.insert(0, "surface", n)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def fit_svi_batch(surfaces: Any, *, weights: Any = None, arbitrage_free: bool = True,
                  objective: str = "vol", max_iter: int = _MAX_ITER) -> SviBatchFit:
    """Fit raw SVI to every tenor of every surface (e.g. 300 names x 12 tenors x 40
    strikes) in one Rust call: all slices on all cores, the GIL released. ``weights``: None
    (each surface's default), or a list of one per surface."""
    _check_objective(objective)
    surfaces = list(surfaces)
    if not surfaces:
        raise ValueError("fit_svi_batch: no surfaces")
    for n, s in enumerate(surfaces):
        if not isinstance(s, _native.ImpliedVolSurface):
            raise TypeError(f"fit_svi_batch: surfaces[{n}] must be an ImpliedVolSurface, got {type(s).__name__}")
    per = [None] * len(surfaces) if weights is None else list(weights)
    if len(per) != len(surfaces):
        raise ValueError(f"fit_svi_batch: {len(per)} weights for {len(surfaces)} surfaces")
    width = max(s.shape[1] for s in surfaces)
    xs, vs, ws, ts, owners = [], [], [], [], []
    resolved = []
    for n, (s, w) in enumerate(zip(surfaces, per)):
        weight = _default_weights(s, w)
        resolved.append(weight)
        x = _log_moneyness(s)
        pad = width - x.shape[1]
        xs.append(np.pad(x, ((0, 0), (0, pad)), constant_values=0.0))
        vs.append(np.pad(s.vols, ((0, 0), (0, pad)), constant_values=np.nan))
        ws.append(np.pad(np.ones(s.shape) if weight is None else weight, ((0, 0), (0, pad)),
                         constant_values=np.nan))
        ts.append(s.tenors)
        owners.extend([n] * s.shape[0])
    result = _native._svi_fit(
        np.ascontiguousarray(np.vstack(xs)), np.ascontiguousarray(np.vstack(vs)),
        np.ascontiguousarray(np.concatenate(ts)), np.ascontiguousarray(np.vstack(ws)), objective,
        bool(arbitrage_free), int(max_iter))
    tmax = max(s.shape[0] for s in surfaces)
    params = np.full((len(surfaces), tmax, 5), np.nan)
    status = np.full((len(surfaces), tmax), -1, dtype=np.int64)
    rmse = np.full((len(surfaces), tmax), np.nan)
    fits = []
    start = 0
    for n, s in enumerate(surfaces):
        rows = slice(start, start + s.shape[0])
        start += s.shape[0]
        part = {key: np.asarray(value)[rows] for key, value in result.items()}
        part["residuals"] = part["residuals"][:, : s.shape[1]]
        params[n, : s.shape[0]] = part["params"]
        status[n, : s.shape[0]] = part["status"]
        rmse[n, : s.shape[0]] = part["rmse"]
        fits.append(SviFit._from_result(s, resolved[n], part, bool(arbitrage_free), objective, int(max_iter)))
    return SviBatchFit(params, status, rmse, fits)
