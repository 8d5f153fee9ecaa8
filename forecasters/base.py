"""The forecaster contract: fitted on demand history, forecasting all SKUs at once.

A *forecaster* learns from demand history ``y`` of shape ``(n_periods, n_skus)`` (rows are
periods, oldest first; every value finite and >= 0) and forecasts the next ``h`` periods of
every SKU. The simulation fits it only on data up to the decision time: at the review at
the end of period ``t`` it has seen periods ``..., t-1, t`` and nothing later.

Extension points (statsforecast / scikit-learn style; fitted state ends in ``_``):

``fit(y, exog=None) -> self``
    Required. Estimate parameters (or use the given ones) and the state at the end of
    ``y``. ``exog``: exogenous regressors aligned with the rows of ``y`` (see below).

``predict(h, exog_future=None) -> Forecast``
    Required. Mean path ``(h, n_skus)`` and, where the model has one, its own predictive
    distribution: the std of each period and of the cumulative sums over 1..h periods, or
    sample paths. ``exog_future``: the regressors of the ``h`` periods ahead.

``update(y_new, exog_new=None) -> None``
    Optional, cheap: absorb one new period ``(n_skus,)`` with the parameters held fixed
    (the state recursion of a smoothing model). ``exog_new``: that period's regressors.
    The default appends to the stored history (and ``exog_``) and re-fits, which is
    correct but slow; fast forecasters override it.

``min_history`` (a property, int)
    Optional: the fewest periods of history a fit needs (default 1; a seasonal model of
    season ``m`` needs ``2 m``). The simulation refuses a shorter ``forecaster.history``.

``columns_independent`` (a bool)
    Optional, False by default: True declares that every SKU column is fitted, updated and
    forecast on its own, so that a column's numbers, to the last bit, do not depend on
    which other columns are passed with it (no pooling across SKUs, stopping rules per
    SKU, no random draws shaped by the number of SKUs). The simulation then runs the
    forecasts of several nodes with one forecaster, their SKUs side by side
    (:class:`sim.forecasting.SharedDriver`), which saves the fixed cost of a call per node
    and period. A class attribute, or an instance one where a parameter switches it (ETS:
    only its linear models); ``tests/forecasters/test_columns_independent.py`` checks it.

``refit(y, exog=None) -> self``
    Optional: the same result as ``fit(y, exog)``, where ``y`` is the history of the last
    ``fit`` followed by every period passed to ``update`` since. A forecaster may use that
    to re-estimate incrementally (SES keeps every grid point's running error); the default
    calls ``fit``.

Exogenous regressors (calendar, holidays, promotions, prices, weather) are known in
advance for every period, so ``predict`` may see those of the periods it forecasts. They
come in one of two shapes, rows being periods:

* ``(n_periods, n_features)``: the same columns for every SKU (calendar terms);
* ``(n_periods, n_skus, n_features)``: each SKU its own (a promotion plan is per SKU);
  shared columns are then repeated along the SKU axis.

For ``update`` the period axis is dropped: ``(n_features,)`` or ``(n_skus, n_features)``.
The simulation (``sim/forecasting.py``) builds them from ``forecaster.exog`` and hands them
only to forecasters whose ``uses_exog`` is true (a class attribute, or an instance one when
a parameter switches it, as ARIMA's ``use_exog``); every call carries the same columns in
the same order. The others receive no regressors, and when called with some they ignore
them explicitly (``_ignore_exog``): their results are the same as without, which
:func:`check_forecaster` checks. Constructor parameters are keyword-only and are the YAML
keys one to one. :func:`check_forecaster` checks a forecaster against this contract and
runs over every file in ``conf/forecaster/``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

__all__ = ["Forecast", "Forecaster", "check_forecaster", "as_history"]


@dataclass(frozen=True, slots=True)
class Forecast:
    """Demand forecast for all SKUs of a node, made at ``time`` for the next ``h`` periods.

    ``mean``: ``(h, n_skus)`` expected demand per period. The model's own uncertainty, when
    it has one: ``std`` ``(h, n_skus)`` of each period's demand; ``sum_std`` ``(h, n_skus)``
    where row ``k`` is the std of demand summed over periods ``1..k+1``; ``paths``
    ``(n_paths, h, n_skus)`` sample paths. The simulation adds the protection interval of
    each SKU (``protection_periods``) and the forecast of demand summed over it
    (``protection_mean``, which is ``cumulative_mean(protection_periods)``), and what it
    learned from past forecast errors: ``error_sum_std`` and ``error_sum_samples`` (past
    errors of protection-interval sums, ``(n_errors, n_skus)``) and ``one_step_error_std``,
    see ``sim/forecasting.py``.
    """

    time: float
    mean: np.ndarray
    std: np.ndarray | None = None
    sum_std: np.ndarray | None = None
    paths: np.ndarray | None = None
    protection_periods: np.ndarray | None = None
    protection_mean: np.ndarray | None = None
    error_sum_std: np.ndarray | None = None
    error_sum_samples: np.ndarray | None = None
    one_step_error_std: np.ndarray | None = None

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[0])

    @property
    def n_skus(self) -> int:
        return int(self.mean.shape[1])

    def columns(self, skus: slice) -> Forecast:
        """The forecast of the SKU columns ``skus`` only: every array field cut on its last
        (SKU) axis, as contiguous copies (the same numbers, laid out as a forecast of those
        SKUs alone would be)."""
        cut: dict[str, Any] = {
            f: np.ascontiguousarray(v[..., skus])
            for f in _ARRAY_FIELDS
            if (v := getattr(self, f)) is not None
        }
        return dataclasses.replace(self, **cut)

    def cumulative_mean(self, periods: np.ndarray) -> np.ndarray:
        """Expected demand summed over the first ``periods[i]`` periods, per SKU."""
        return _take_cumulative(np.cumsum(self.mean, axis=0), periods)

    def cumulative_std(self, periods: np.ndarray) -> np.ndarray | None:
        """The model's std of demand summed over the first ``periods[i]`` periods."""
        if self.sum_std is not None:
            return _take_cumulative(self.sum_std, periods)
        if self.paths is not None:
            sums = np.cumsum(self.paths, axis=1)
            return _take_cumulative(sums.std(axis=0, ddof=1), periods)
        return None


#: The fields of a :class:`Forecast` that hold arrays, each with SKUs on its last axis.
_ARRAY_FIELDS = tuple(f.name for f in dataclasses.fields(Forecast) if f.name != "time")


def _take_cumulative(table: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Row ``periods[i] - 1`` of column ``i`` of ``table`` ``(h, n_skus)``, the periods
    clipped to ``1..h``."""
    rows = np.clip(np.asarray(periods, dtype=np.int64), 1, table.shape[0]) - 1
    return table[rows, np.arange(table.shape[1])]


def as_history(y: Any) -> np.ndarray:
    """Demand history as a float ``(n_periods, n_skus)`` array, or a ValueError."""
    arr = np.asarray(y, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"demand history must have shape (n_periods, n_skus), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("demand history holds NaN or infinite values")
    return arr


class Forecaster(ABC):
    """Base class of every forecaster; see the module docstring for the contract."""

    #: Whether the forecaster uses exogenous regressors: a class attribute, or an instance
    #: one where a parameter switches it (ARIMA's ``use_exog``), hence not a ClassVar.
    uses_exog: bool = False
    #: Whether every SKU column is fitted and forecast on its own, bit for bit (see the
    #: module docstring); a class attribute, or an instance one (ETS), hence not a ClassVar.
    columns_independent: bool = False
    #: Names of the constructor parameters, in YAML order. Subclasses set it.
    param_names: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        """Fit on history ``y`` ``(n_periods, n_skus)``; return ``self``."""

    @abstractmethod
    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        """Forecast the next ``h`` periods of every SKU."""

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        """Absorb one period of demand ``(n_skus,)``; default: append and re-fit."""
        history = getattr(self, "history_", None)
        if history is None:
            raise RuntimeError(f"{type(self).__name__}.update called before fit")
        y = np.vstack([history, np.asarray(y_new, dtype=float)[None, :]])
        x = getattr(self, "exog_", None)
        if x is not None and exog_new is not None:
            x = np.concatenate([x, np.asarray(exog_new, dtype=float)[None]], axis=0)
        self.fit(y, x)

    def refit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        """Re-estimate on ``y`` = last fit's history + the updates since; default: fit."""
        return self.fit(y, exog)

    @property
    def min_history(self) -> int:
        """Fewest periods of history a fit needs (the simulation refuses a shorter
        ``forecaster.history``); 1 by default, two seasons for a seasonal model."""
        return 1

    def _ignore_exog(self, *exog: Any) -> None:
        """Explicitly ignore exogenous regressors (for forecasters that use none)."""
        del exog

    def parameters(self) -> dict[str, Any]:
        out = {}
        for name in self.param_names:
            v = getattr(self, name)
            out[name] = v.tolist() if isinstance(v, np.ndarray) else v
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.parameters().items())
        return f"{type(self).__name__}({args})"


def check_forecaster(
    forecaster: Forecaster, y: np.ndarray | None = None, h: int = 5, seed: int = 0
) -> None:
    """Check ``forecaster`` against the contract on ``y`` (default: seasonal Poisson demand
    of 4 SKUs over 120 periods): ``fit`` returns ``self``; ``predict`` gives finite arrays of
    the documented shapes, non-negative stds; ``update`` accepts one period and the next
    forecast stays well-formed; fitting twice on the same data gives the same forecast.
    Exogenous regressors (a per-SKU promotion flag and a shared monthly wave): a forecaster
    that uses them fits, updates and predicts with them in both shapes; one that does not
    gives the same forecast with them as without.
    (That the simulation hands a forecaster no data after the decision time is tested on
    the engine, in ``tests/sim/test_forecasting.py``.)"""
    rng = np.random.default_rng(seed)
    if y is None:
        t = np.arange(120)[:, None]
        level = np.array([5.0, 20.0, 0.8, 50.0])[None, :]
        y = rng.poisson(level * (1 + 0.3 * np.sin(2 * np.pi * t / 7))).astype(float)
    y = as_history(y)
    n_periods, n = y.shape
    who = type(forecaster).__name__
    fitted = forecaster.fit(y[:-1])
    if fitted is not forecaster:
        raise AssertionError(f"{who}.fit must return self")
    fc = forecaster.predict(h)
    _check_forecast(fc, h, n, who)
    forecaster.update(y[-1])
    _check_forecast(forecaster.predict(h), h, n, who + " after update")
    # regressors of periods 0 .. n_periods + h - 1: per SKU, and the shared part alone
    t = np.arange(n_periods + h, dtype=float)
    shared = np.sin(2 * np.pi * t / 30)[:, None]
    promo = (rng.uniform(size=(n_periods + h, n)) < 0.2).astype(float)
    per_sku = np.stack([promo, np.broadcast_to(shared, promo.shape)], axis=-1)
    cut = n_periods - 10
    first = forecaster.fit(y[:cut]).predict(h)
    a = {name: _copy(getattr(first, name)) for name in ("mean", "std", "sum_std")}
    if getattr(forecaster, "uses_exog", False):
        b = forecaster.fit(y[:cut].copy()).predict(h)
        for x in (per_sku, shared):
            forecaster.fit(y[:-1], x[: n_periods - 1])
            _check_forecast(forecaster.predict(h, x[n_periods - 1 : -1]), h, n, who + " exog")
            forecaster.update(y[-1], x[n_periods - 1])
            _check_forecast(forecaster.predict(h, x[n_periods:]), h, n, who + " exog update")
    else:
        b = forecaster.fit(y[:cut].copy(), per_sku[:cut]).predict(h, per_sku[cut : cut + h])
    ignored = "" if getattr(forecaster, "uses_exog", False) else " (with regressors it ignores)"
    for name in ("mean", "std", "sum_std"):
        if not _same(a[name], getattr(b, name)):
            raise AssertionError(
                f"{who}: a second fit on the same data{ignored} gave another forecast {name}"
            )


def _copy(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else np.array(a, copy=True)


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))


def _check_forecast(fc: Forecast, h: int, n: int, who: str) -> None:
    if not isinstance(fc, Forecast):
        raise AssertionError(f"{who}: predict must return a Forecast, got {type(fc).__name__}")
    if fc.mean.shape != (h, n):
        raise AssertionError(f"{who}: mean has shape {fc.mean.shape}, expected {(h, n)}")
    if not np.all(np.isfinite(fc.mean)):
        raise AssertionError(f"{who}: mean has NaN or infinite values")
    for name in ("std", "sum_std"):
        arr = getattr(fc, name)
        if arr is not None:
            if arr.shape != (h, n):
                raise AssertionError(f"{who}: {name} has shape {arr.shape}, expected {(h, n)}")
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise AssertionError(f"{who}: {name} must be finite and >= 0")
    if fc.paths is not None and (fc.paths.ndim != 3 or fc.paths.shape[1:] != (h, n)):
        raise AssertionError(f"{who}: paths has shape {fc.paths.shape}, expected (n, {h}, {n})")
