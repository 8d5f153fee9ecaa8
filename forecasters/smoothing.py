"""Smoothing recursions shared by the numpy forecasters, vectorised over SKUs.

Every function takes demand history ``y`` of shape ``(n_periods, n_skus)`` (oldest period
first) and carries a state of arrays of shape ``(n_skus,)``, or ``(n_grid, n_skus)`` when
many parameter values are tried at once. A Python loop runs over periods, never over SKUs.

Exponential smoothing (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
3rd ed. (FPP3), Sec. 8.1-8.3), component form with level ``l``, trend ``b`` and a seasonal
index ``s`` for each of the ``m`` positions of the season::

    one-step forecast  f_t = l + b + s_{t-m}                       (additive season)
                       f_t = (l + b) * s_{t-m}                     (multiplicative season)
    level              l_t = l + b + alpha * e_t,   e_t = y_t - f_t            (additive)
                       l_t = alpha * y_t / s_{t-m} + (1 - alpha) * (l + b)   (multiplic.)
    trend              b_t = beta * (l_t - l) + (1 - beta) * b
    season             s_t = s_{t-m} + gamma * e_t                             (additive)
                       s_t = gamma * y_t / (l + b) + (1 - gamma) * s_{t-m}   (multiplic.)

with ``l, b`` the states after period ``t-1``. ``beta`` is FPP3's ``beta*`` (statsmodels'
``smoothing_trend``); in the error-correction form of Hyndman, Koehler, Ord & Snyder (2008)
the trend gain is ``alpha * beta``. Without trend ``b = 0``, without season ``s = 0``.
Multiplicative seasons need demand levels well above zero: the two denominators are
floored at ``1e-8`` only so that zero demand cannot divide by zero.

Initial states (a simplification of the heuristic of Hyndman et al. 2008, Sec. 2.6.1),
the state *before* the first period, computed from the start of the history only:

* no season: a least-squares line through the first ``INIT_PERIODS`` (10) periods; the
  level is its value at period 0 (one period before the first), the trend its slope. Without
  trend, the level is the mean of those periods.
* season of length ``m``: the first ``c = min(n_periods // m, INIT_CYCLES)`` full seasons
  (``INIT_CYCLES`` = 4; at least one is needed). A least-squares line through the season
  means (each at the centre of its season) gives the trend (its slope; 0 with one season)
  and the level (its value at period 0); without trend the line is flat at the mean of
  those periods. Seasonal indices: the averages over those seasons of ``y - line``
  (additive) or ``y / line`` (multiplicative), centred to sum 0 or to average 1.

Once the history is that long (10 periods, or ``4 m``), the initial states no longer change
as it grows, so ``update`` then gives exactly the state that re-fitting would.

Parameters left ``None`` are chosen per SKU by grid search on the in-sample one-step sum of
squared errors: every grid point for every SKU in one recursion over time, on arrays of
shape ``(n_grid, n_skus)``. The grids (:func:`parameter_grid`) are ``alpha`` in
``0.05, 0.10, ..., 1.00`` (SES, Holt), coarser ``0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0``
for Holt-Winters; ``beta`` in ``0.01, 0.05, 0.1, 0.2, 0.4``; ``gamma`` in
``0, 0.05, 0.1, 0.2, 0.3`` restricted to ``gamma <= 1 - alpha`` (FPP3, Sec. 8.3).

Prediction intervals come from the psi weights (MA(inf) representation) of the model,
``y_{t+h} - f_{t+h} = sum_{i=0}^{h-1} psi_i e_{t+h-i}`` with ``psi_0 = 1``; for ETS(A,A,A)
``psi_j = alpha + alpha beta j + gamma [j mod m = 0]`` (Hyndman et al. 2008, Table 6.1;
FPP3, Sec. 8.7). Then ``Var(y_{t+h}) = sigma^2 sum_{i<h} psi_i^2`` and the sum over periods
``1..k`` has ``Var = sigma^2 sum_{j=1}^{k} (sum_{i=0}^{k-j} psi_i)^2``
(:func:`predictive_std`). ``sigma^2`` is the mean squared in-sample one-step error (sum
over the ``n`` periods divided by ``n``, the maximum-likelihood estimate); ``update`` adds
each new error to the sum, so it stays what a re-fit would give.

Croston (1972) and its variants smooth demand sizes and the intervals between demands at
demand periods only; Teunter, Syntetos & Babai (2011) smooth the demand probability every
period instead (:func:`croston`, :func:`tsb`).

Besides the pure functions, :class:`RecursiveForecaster` is the thin base class of the
forecasters of this package: it keeps the periods seen (the ``time`` of their forecasts) and
the history, validates ``update`` rows and ``h``, and builds the :class:`Forecast`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np

from forecasters.base import Forecast, Forecaster, as_history
from forecasters.batch_lm import compiled
from sim import checks

__all__ = [
    "ALPHA_GRID",
    "HW_ALPHA_GRID",
    "BETA_GRID",
    "GAMMA_GRID",
    "INIT_PERIODS",
    "INIT_CYCLES",
    "SEASONAL_KINDS",
    "Seasonal",
    "APPLY_SEASON",
    "SmoothingState",
    "CrostonState",
    "TSBState",
    "RecursiveForecaster",
    "initial_state",
    "working_state",
    "smooth",
    "parameter_grid",
    "grid_search",
    "smoothing_psi",
    "predictive_std",
    "croston",
    "tsb",
    "check_rate",
    "check_int",
]

#: The form of a season: added to the level, or multiplying it.
Seasonal = Literal["additive", "multiplicative"]
SEASONAL_KINDS: tuple[Seasonal, ...] = ("additive", "multiplicative")
#: How a seasonal index meets the level (and trend) in a forecast, per kind of season.
APPLY_SEASON: dict[Seasonal, np.ufunc] = {"additive": np.add, "multiplicative": np.multiply}
INIT_PERIODS = 10
INIT_CYCLES = 4
ALPHA_GRID = np.round(np.arange(1, 21) * 0.05, 2)
HW_ALPHA_GRID = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0])
BETA_GRID = np.array([0.01, 0.05, 0.1, 0.2, 0.4])
GAMMA_GRID = np.array([0.0, 0.05, 0.1, 0.2, 0.3])
_FLOOR = 1e-8


# --- exponential smoothing -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmoothingState:
    """Exponential-smoothing state after ``n`` periods, arrays ``(..., n_skus)``.

    ``season[k]`` is the seasonal index of the periods ``t`` with ``t mod m = k``;
    ``sse`` the sum of squared one-step errors over the ``n`` periods.
    """

    level: np.ndarray
    trend: np.ndarray | None
    season: np.ndarray | None
    sse: np.ndarray
    n: int

    def take(self, best: np.ndarray) -> SmoothingState:
        """The state of grid point ``best[i]`` for SKU ``i`` (from ``(n_grid, n_skus)``)."""
        cols = np.arange(best.shape[0])
        return SmoothingState(
            level=self.level[best, cols],
            trend=None if self.trend is None else self.trend[best, cols],
            season=None if self.season is None else self.season[:, best, cols],
            sse=self.sse[best, cols],
            n=self.n,
        )


def initial_state(
    y: np.ndarray, *, trend: bool, seasonal: Seasonal | None = None, season_length: int = 1
) -> SmoothingState:
    """Heuristic state before the first period of ``y`` (see the module docstring)."""
    n_periods, n_skus = y.shape
    zeros = np.zeros(n_skus)
    if seasonal is None:
        head = y[: min(n_periods, INIT_PERIODS)]
        if not trend:
            return SmoothingState(head.mean(axis=0), None, None, zeros, 0)
        level, slope = _line(head, np.arange(1.0, head.shape[0] + 1))
        return SmoothingState(level, slope, None, zeros, 0)
    m = season_length
    cycles = min(n_periods // m, INIT_CYCLES)
    if cycles < 1:
        raise ValueError(f"a season of {m} periods needs at least {m} periods of history")
    head = y[: cycles * m].reshape(cycles, m, n_skus)
    if trend:
        # Periods are numbered 1, 2, ...; season j's mean sits at its centre j*m + (m+1)/2.
        level, slope = _line(head.mean(axis=1), np.arange(cycles) * m + (m + 1) / 2.0)
    else:
        level, slope = head.mean(axis=(0, 1)), zeros
    t = np.arange(1.0, cycles * m + 1).reshape(cycles, m, 1)
    line = level + slope * t
    season = _INITIAL_SEASON[seasonal](head, line)
    return SmoothingState(level, slope if trend else None, season, zeros, 0)


def _additive_indices(head: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Seasonal indices ``(m, n_skus)``: the mean deviation of the seasons ``head``
    ``(cycles, m, n_skus)`` from the ``line`` through them, centred to sum 0."""
    season = (head - line).mean(axis=0)
    return season - season.mean(axis=0)


def _multiplicative_indices(head: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Seasonal indices ``(m, n_skus)``: the mean ratio of the seasons ``head`` to the
    ``line`` through them, normalised to average 1 (1 where the line is near 0)."""
    ratio = np.where(line > _FLOOR, head / np.maximum(line, _FLOOR), 1.0)
    season = ratio.mean(axis=0)
    norm = season.mean(axis=0)
    return np.where(norm > _FLOOR, season / np.maximum(norm, _FLOOR), 1.0)


#: How the initial seasonal indices are read off the first seasons, per kind of season.
_INITIAL_SEASON = {"additive": _additive_indices, "multiplicative": _multiplicative_indices}


def _line(points: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through ``points[j]`` ``(k, n_skus)`` at ``times[j]``: its value
    at time 0 and its slope (slope 0 and the mean for a single point)."""
    if points.shape[0] < 2:
        return points.mean(axis=0), np.zeros(points.shape[1])
    centred = (times - times.mean())[:, None]
    slope = (centred * (points - points.mean(axis=0))).sum(axis=0) / (centred * centred).sum()
    return points.mean(axis=0) - slope * times.mean(), slope


# The recursions of :func:`smooth`, compiled: one per form of the model, so that the loop
# over a grid point's SKUs has no choice left in it and compiles to vector instructions.
# States are flattened: state k is SKU k mod n of grid point k // n and reads column
# k mod n of y. Each goes through the floating-point operations of the numpy formulation
# these replaced, in the same order (``maximum`` with numpy's NaN rule), so the results
# are the same bit for bit (tests/forecasters/test_smoothing.py holds them to it). The
# additive forms are the error-correction form: l + b + alpha e, b + alpha beta e, s +
# gamma e. Row t of ``fits`` gets period t's one-step forecasts (one row: overwritten).


@compiled
def _level_rows(y, level, sse, alpha, fits):  # pragma: no cover - compiled
    n = y.shape[1]
    for t in range(y.shape[0]):
        yt, fit = y[t], fits[min(t, fits.shape[0] - 1)]
        for g in range(level.shape[0] // n):  # a stepped range does not vectorise
            o = g * n
            for j in range(n):
                k = o + j
                base = level[k]
                e = yt[j] - base
                sse[k] += e * e
                fit[k] = base
                level[k] = base + alpha[k] * e


@compiled
def _trend_rows(y, level, sse, trend, alpha, alpha_beta, fits):  # pragma: no cover
    n = y.shape[1]
    for t in range(y.shape[0]):
        yt, fit = y[t], fits[min(t, fits.shape[0] - 1)]
        for g in range(level.shape[0] // n):  # a stepped range does not vectorise
            o = g * n
            for j in range(n):
                k = o + j
                base = level[k] + trend[k]
                e = yt[j] - base
                sse[k] += e * e
                fit[k] = base
                level[k] = base + alpha[k] * e
                trend[k] += alpha_beta[k] * e


@compiled
def _season_rows(y, level, sse, season, alpha, gamma, n0, fits):  # pragma: no cover
    n, m = y.shape[1], season.shape[0]
    for t in range(y.shape[0]):
        yt, fit, s = y[t], fits[min(t, fits.shape[0] - 1)], season[(n0 + t) % m]
        for g in range(level.shape[0] // n):  # a stepped range does not vectorise
            o = g * n
            for j in range(n):
                k = o + j
                base = level[k]
                f = base + s[k]
                e = yt[j] - f
                sse[k] += e * e
                fit[k] = f
                level[k] = base + alpha[k] * e
                s[k] += gamma[k] * e


@compiled
def _trend_season_rows(y, level, sse, trend, season, alpha, alpha_beta, gamma, n0,
                       fits):  # pragma: no cover - compiled  # fmt: skip
    n, m = y.shape[1], season.shape[0]
    for t in range(y.shape[0]):
        yt, fit, s = y[t], fits[min(t, fits.shape[0] - 1)], season[(n0 + t) % m]
        for g in range(level.shape[0] // n):  # a stepped range does not vectorise
            o = g * n
            for j in range(n):
                k = o + j
                base = level[k] + trend[k]
                f = base + s[k]
                e = yt[j] - f
                sse[k] += e * e
                fit[k] = f
                level[k] = base + alpha[k] * e
                trend[k] += alpha_beta[k] * e
                s[k] += gamma[k] * e


@compiled
def _multiplicative_rows(y, level, sse, trend, season, alpha, beta, gamma, alpha_c, gamma_c,
                         n0, has_trend, fits):  # pragma: no cover - compiled  # fmt: skip
    """Level alpha y / s + (1 - alpha)(l + b), season gamma y / (l + b) + (1 - gamma) s,
    trend b + beta (l_t - (l + b)); divisors floored at _FLOOR."""
    n, m = y.shape[1], season.shape[0]
    for t in range(y.shape[0]):
        yt, fit, row = y[t], fits[min(t, fits.shape[0] - 1)], season[(n0 + t) % m]
        for g in range(level.shape[0] // n):  # a stepped range does not vectorise
            o = g * n
            for j in range(n):
                k = o + j
                base = level[k] + trend[k] if has_trend else level[k]
                s = row[k]
                f = base * s
                e = yt[j] - f
                sse[k] += e * e
                fit[k] = f
                floor_s = s if s >= _FLOOR or s != s else _FLOOR
                new_level = alpha[k] * (yt[j] / floor_s) + alpha_c[k] * base
                level[k] = new_level
                floor_base = base if base >= _FLOOR or base != base else _FLOOR
                row[k] = gamma[k] * (yt[j] / floor_base) + gamma_c[k] * s
                if has_trend:
                    trend[k] += beta[k] * (new_level - base)


def working_state(
    state: SmoothingState, alpha: Any, beta: Any = None, gamma: Any = None
) -> tuple[np.ndarray, Any, Any, SmoothingState]:
    """The parameters as float arrays (beta with a trend, gamma with a season) and a copy
    of ``state`` broadcast against them: the arrays a recursion over it updates in place
    (:func:`smooth`)."""
    alpha = np.asarray(alpha, dtype=float)
    shapes = [alpha.shape, state.level.shape]
    if state.trend is not None:
        beta = np.asarray(beta, dtype=float)
        shapes.append(beta.shape)
    if state.season is not None:
        gamma = np.asarray(gamma, dtype=float)
        shapes.append(gamma.shape)
    shape = np.broadcast_shapes(*shapes)
    level = np.broadcast_to(state.level, shape).copy()
    trend = None if state.trend is None else np.broadcast_to(state.trend, shape).copy()
    season = None
    if state.season is not None:
        m = state.season.shape[0]
        extra = (1,) * (len(shape) + 1 - state.season.ndim)
        season0 = state.season.reshape((m, *extra, *state.season.shape[1:]))
        season = np.broadcast_to(season0, (m, *shape)).copy()
    sse = np.broadcast_to(state.sse, shape).copy()
    return alpha, beta, gamma, SmoothingState(level, trend, season, sse, state.n)


@overload
def smooth(
    y: np.ndarray,
    state: SmoothingState,
    alpha: Any,
    beta: Any = None,
    gamma: Any = None,
    *,
    seasonal: Seasonal | None = None,
    fitted: Literal[False] = False,
) -> tuple[SmoothingState, None]: ...


@overload
def smooth(
    y: np.ndarray,
    state: SmoothingState,
    alpha: Any,
    beta: Any = None,
    gamma: Any = None,
    *,
    seasonal: Seasonal | None = None,
    fitted: Literal[True],
) -> tuple[SmoothingState, np.ndarray]: ...


def smooth(
    y: np.ndarray,
    state: SmoothingState,
    alpha: Any,
    beta: Any = None,
    gamma: Any = None,
    *,
    seasonal: Seasonal | None = None,
    fitted: bool = False,
) -> tuple[SmoothingState, np.ndarray | None]:
    """Run the recursion over the periods ``y`` ``(n_periods, n_skus)`` from ``state``.

    Parameters broadcast against the state (scalars, ``(n_skus,)`` or ``(n_grid, 1)``).
    Returns the new state and, with ``fitted=True``, the one-step forecasts
    ``(n_periods, ...)``. ``state`` itself is not modified. The loop over the periods is
    compiled, one kernel per form of the model (``_level_rows`` and its siblings): this
    recursion is the cost of every fit.
    """
    y = np.asarray(y)
    alpha, beta, gamma, work = working_state(state, alpha, beta, gamma)
    level, trend, season, sse = work.level, work.trend, work.season, work.sse
    shape = level.shape
    m = 1 if season is None else season.shape[0]
    n_periods = y.shape[0]
    out = np.empty((n_periods, *shape)) if fitted else None
    size = math.prod(shape)
    # a period's row of y broadcasts over the leading axes of the state (the grid), so
    # state k (flattened) reads column k mod n of y; any other broadcast is written out
    lead = len(shape) - (y.ndim - 1)
    if lead >= 0 and y.shape[1:] == shape[lead:]:
        rows = np.ascontiguousarray(y, dtype=np.float64).reshape(n_periods, -1)
    else:
        spread = y.reshape(n_periods, *((1,) * max(lead, 0)), *y.shape[1:])
        rows = np.broadcast_to(spread, (n_periods, *shape))
        rows = np.ascontiguousarray(rows, dtype=np.float64).reshape(n_periods, -1)

    def flat(value: Any) -> np.ndarray:
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape == shape:
            return np.ascontiguousarray(arr).reshape(-1)
        if arr.ndim == 0:
            return np.full(size, float(arr))
        return np.ascontiguousarray(np.broadcast_to(arr, shape)).reshape(-1)

    # the one-step forecasts go to out, or period after period to one scratch row
    fits = np.empty((1, size)) if out is None else out.reshape(n_periods, size)
    states = (level.reshape(-1), sse.reshape(-1))
    if seasonal == "multiplicative":
        assert season is not None  # a multiplicative season needs one (initial_state)
        _multiplicative_rows(
            rows, *states, np.zeros(size) if trend is None else trend.reshape(-1),
            season.reshape(m, size), flat(alpha), flat(1.0 if beta is None else beta),
            flat(gamma), flat(1.0 - alpha), flat(1.0 - gamma), state.n, trend is not None,
            fits,
        )  # fmt: skip
    elif trend is None and season is None:
        _level_rows(rows, *states, flat(alpha), fits)
    elif season is None:
        assert trend is not None
        _trend_rows(rows, *states, trend.reshape(-1), flat(alpha), flat(alpha * beta), fits)
    elif trend is None:
        _season_rows(
            rows, *states, season.reshape(m, size), flat(alpha), flat(gamma), state.n, fits
        )
    else:
        _trend_season_rows(
            rows, *states, trend.reshape(-1), season.reshape(m, size), flat(alpha),
            flat(alpha * beta), flat(gamma), state.n, fits,
        )  # fmt: skip
    return SmoothingState(level, trend, season, sse, state.n + y.shape[0]), out


def parameter_grid(
    alpha: float | None,
    beta: float | None = None,
    gamma: float | None = None,
    *,
    trend: bool = False,
    season: bool = False,
    alpha_grid: np.ndarray = ALPHA_GRID,
) -> dict[str, np.ndarray]:
    """Joint grid of the parameters to try, as flat arrays of equal length: a given
    parameter is held at its value, a ``None`` one runs over its grid; ``beta`` only with
    ``trend``, ``gamma`` only with ``season``. A searched ``gamma`` is kept to
    ``gamma <= 1 - alpha``."""
    axes = {"alpha": alpha_grid if alpha is None else np.array([float(alpha)])}
    if trend:
        axes["beta"] = BETA_GRID if beta is None else np.array([float(beta)])
    if season:
        axes["gamma"] = GAMMA_GRID if gamma is None else np.array([float(gamma)])
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    grid = {name: g.ravel() for name, g in zip(axes, mesh, strict=True)}
    if season and gamma is None:
        keep = grid["gamma"] <= 1.0 - grid["alpha"] + 1e-12
        grid = {name: g[keep] for name, g in grid.items()}
    return grid


def grid_search(
    y: np.ndarray,
    state: SmoothingState,
    grid: dict[str, np.ndarray],
    *,
    seasonal: Seasonal | None,
) -> tuple[dict[str, np.ndarray], SmoothingState]:
    """Smooth ``y`` from ``state`` at every grid point at once and keep, per SKU, the point
    with the least in-sample squared one-step error (the first one on ties). Returns the
    chosen parameters ``(n_skus,)`` by name and the state they end in."""
    columns = {name: g[:, None] for name, g in grid.items()}
    end, _ = smooth(
        y,
        state,
        columns["alpha"],
        columns.get("beta"),
        columns.get("gamma"),
        seasonal=seasonal,
    )
    sse = np.where(np.isfinite(end.sse), end.sse, np.inf)
    best = np.argmin(sse, axis=0)
    return {name: g[best] for name, g in grid.items()}, end.take(best)


def smoothing_psi(
    h: int,
    alpha: np.ndarray,
    beta: np.ndarray | None = None,
    gamma: np.ndarray | None = None,
    season_length: int = 1,
) -> np.ndarray:
    """Psi weights ``psi_0 .. psi_{h-1}`` ``(h, n_skus)`` of ETS(A,N,N), (A,A,N), (A,N,A)
    or (A,A,A): ``psi_j = alpha + alpha beta j + gamma [j mod m = 0]`` for ``j >= 1``."""
    j = np.arange(h, dtype=float)[:, None]
    psi = alpha * np.ones_like(j)
    if beta is not None:
        psi = psi + alpha * beta * j
    if gamma is not None:
        jj = np.arange(h)[:, None]
        psi = psi + gamma * ((jj % season_length == 0) & (jj > 0))
    psi[0] = 1.0
    return psi


def predictive_std(psi: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Std of each period's demand and of the sums over periods ``1..k``, ``(h, n_skus)``,
    from the psi weights ``(h, n_skus)`` and the one-step error std ``(n_skus,)``."""
    std = sigma * np.sqrt(_cumsum_rows(psi * psi))
    cum = _cumsum_rows(psi)
    sum_std = sigma * np.sqrt(_cumsum_rows(cum * cum))
    return std, sum_std


def _cumsum_rows(a: np.ndarray) -> np.ndarray:
    """``np.cumsum(a, axis=0)`` for few rows of many SKUs, a row at a time (numpy's own
    is slow on this shape: 20 us against 3 us for 5 x 1000)."""
    out = np.array(a, dtype=float)
    for i in range(1, out.shape[0]):
        out[i] += out[i - 1]
    return out


# --- intermittent demand ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrostonState:
    """Croston state after ``n`` periods, arrays ``(n_skus,)``: smoothed demand ``size``
    and ``interval`` (valid where ``seen``: the SKU has had a demand), periods ``since``
    the last demand, and the squared one-step errors ``sse`` over ``n_err`` forecasts."""

    size: np.ndarray
    interval: np.ndarray
    since: np.ndarray
    seen: np.ndarray
    sse: np.ndarray
    n_err: np.ndarray
    n: int

    @classmethod
    def empty(cls, n_skus: int) -> CrostonState:
        z = np.zeros(n_skus)
        return cls(z, np.ones(n_skus), z.copy(), np.zeros(n_skus, bool), z.copy(), z.copy(), 0)

    def forecast(self, factor: float) -> np.ndarray:
        """Demand per period ``factor * size / interval``; 0 before the first demand."""
        return np.where(self.seen, factor * self.size / self.interval, 0.0)


def croston(y: np.ndarray, state: CrostonState, alpha: float, factor: float) -> CrostonState:
    """Croston (1972): at a demand period, ``size += alpha (y - size)`` and
    ``interval += alpha (q - interval)``, ``q`` the periods since the previous demand; the
    first demand sets ``size = y`` and ``interval`` = the periods up to it. The forecast is
    ``factor * size / interval`` (1 for Croston, ``1 - alpha/2`` for Syntetos & Boylan
    2005); its one-step errors count from the first demand on."""
    size, interval, since = state.size.copy(), state.interval.copy(), state.since.copy()
    seen, sse, n_err = state.seen.copy(), state.sse.copy(), state.n_err.copy()
    for t in range(y.shape[0]):
        yt = y[t]
        e = yt - np.where(seen, factor * size / interval, 0.0)
        sse += np.where(seen, e * e, 0.0)
        n_err += seen
        q = since + 1.0
        demand = yt > 0
        first = demand & ~seen
        later = demand & seen
        size = np.where(first, yt, np.where(later, size + alpha * (yt - size), size))
        interval = np.where(first, q, np.where(later, interval + alpha * (q - interval), interval))
        since = np.where(demand, 0.0, q)
        seen = seen | demand
    return CrostonState(size, interval, since, seen, sse, n_err, state.n + y.shape[0])


@dataclass(frozen=True, slots=True)
class TSBState:
    """TSB state after ``n`` periods, arrays ``(n_skus,)``: smoothed demand ``size`` and
    demand ``probability`` (valid where ``seen``), squared one-step errors ``sse`` over
    ``n_err`` forecasts."""

    size: np.ndarray
    probability: np.ndarray
    seen: np.ndarray
    sse: np.ndarray
    n_err: np.ndarray
    n: int

    @classmethod
    def empty(cls, n_skus: int) -> TSBState:
        z = np.zeros(n_skus)
        return cls(z, z.copy(), np.zeros(n_skus, bool), z.copy(), z.copy(), 0)

    def forecast(self) -> np.ndarray:
        """Demand per period ``probability * size``; 0 before the first demand."""
        return np.where(self.seen, self.probability * self.size, 0.0)


def tsb(y: np.ndarray, state: TSBState, alpha: float, beta: float) -> TSBState:
    """Teunter, Syntetos & Babai (2011): every period ``probability += beta ([y > 0] -
    probability)``; at a demand period ``size += alpha (y - size)``. The first demand sets
    ``size = y`` and ``probability`` = the share of periods with demand so far."""
    size, prob = state.size.copy(), state.probability.copy()
    seen, sse, n_err = state.seen.copy(), state.sse.copy(), state.n_err.copy()
    for t in range(y.shape[0]):
        yt = y[t]
        e = yt - np.where(seen, prob * size, 0.0)
        sse += np.where(seen, e * e, 0.0)
        n_err += seen
        demand = yt > 0
        first = demand & ~seen
        size = np.where(first, yt, np.where(demand, size + alpha * (yt - size), size))
        prob = np.where(first, 1.0 / (state.n + t + 1), prob + beta * (demand - prob))
        seen = seen | demand
    return TSBState(size, prob, seen, sse, n_err, state.n + y.shape[0])


# --- shared plumbing -------------------------------------------------------------------


class RecursiveForecaster(Forecaster):
    """Thin base of the forecasters here: they keep the count of periods seen
    (``n_seen_``, the ``time`` of their forecasts) and the demand history (``history_``, in
    a buffer that grows geometrically, so ``update`` appends in amortised ``O(n_skus)``)."""

    _buffer: np.ndarray | None = None
    n_seen_: int = 0

    @property
    def history_(self) -> np.ndarray | None:
        """The demand seen so far, ``(n_seen_, n_skus)`` (a view; do not modify)."""
        return None if self._buffer is None else self._buffer[: self.n_seen_]

    @property
    def n_skus_(self) -> int:
        return int(self._fitted_buffer().shape[1])

    def _start(self, y: Any, exog: Any) -> np.ndarray:
        """Validate and store the history of ``fit``; returns it as a float array."""
        self._ignore_exog(exog)
        y = as_history(y)
        self._buffer = np.empty((y.shape[0] + max(16, y.shape[0] // 2), y.shape[1]))
        self._buffer[: y.shape[0]] = y
        self.n_seen_ = y.shape[0]
        return y

    def _record(self, y_new: Any, exog: Any) -> np.ndarray:
        """Validate and append one period ``(n_skus,)``; returns it as ``(1, n_skus)``."""
        self._ignore_exog(exog)
        buffer = self._fitted_buffer()
        row = np.asarray(y_new, dtype=float).reshape(-1)
        if row.shape[0] != buffer.shape[1]:
            raise ValueError(
                f"{type(self).__name__}.update: got {row.shape[0]} SKUs, "
                f"fitted on {buffer.shape[1]}"
            )
        if not np.all(np.isfinite(row)):
            raise ValueError("demand holds NaN or infinite values")
        if self.n_seen_ == buffer.shape[0]:
            grown = np.empty((2 * buffer.shape[0], buffer.shape[1]))
            grown[: self.n_seen_] = buffer
            self._buffer = buffer = grown
        buffer[self.n_seen_] = row
        self.n_seen_ += 1
        return row[None, :]

    def _fitted_buffer(self) -> np.ndarray:
        """The history buffer; a RuntimeError before ``fit``."""
        if self._buffer is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit first")
        return self._buffer

    def _fitted_history(self) -> np.ndarray:
        """``history_`` of a fitted forecaster; a RuntimeError before ``fit``."""
        return self._fitted_buffer()[: self.n_seen_]

    def _check_fitted(self) -> None:
        self._fitted_buffer()

    def _check_h(self, h: int, exog_future: Any) -> int:
        self._ignore_exog(exog_future)
        self._check_fitted()
        return checks.check_int("h", h, 1)

    def _forecast(self, mean: np.ndarray, std: np.ndarray, sum_std: np.ndarray) -> Forecast:
        return Forecast(time=float(self.n_seen_), mean=mean, std=std, sum_std=sum_std)


@overload
def check_rate(
    name: str, value: Any, *, optional: Literal[False] = False, zero: bool = False
) -> float: ...


@overload
def check_rate(
    name: str, value: Any, *, optional: Literal[True], zero: bool = False
) -> float | None: ...


def check_rate(
    name: str, value: Any, *, optional: bool = False, zero: bool = False
) -> float | None:
    """``value`` as a float in ``(0, 1]`` (``[0, 1]`` with ``zero``), or ``None`` when
    ``optional``; a ValueError naming ``forecaster.<name>`` otherwise."""
    if value is None and optional:
        return None
    interval = "[0, 1]" if zero else "(0, 1]"
    ok = checks.is_number(value)
    if ok:
        v = float(value)
        ok = (0.0 <= v if zero else 0.0 < v) and v <= 1.0
    if not ok:
        none = " or null" if optional else ""
        raise ValueError(f"forecaster.{name}(={value!r}) must be in {interval}{none}")
    return float(value)


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int ``>= minimum``; a ValueError naming ``forecaster.<name>``."""
    return checks.check_int(f"forecaster.{name}", value, minimum)
