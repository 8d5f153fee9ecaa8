"""Forecasts inside the simulation: fitting on a schedule, rolling errors, shift monitoring.

A :class:`ForecastDriver` stands between the demand a node sees and a forecaster:

* before period 0 it fits the forecaster on warm-up history (drawn from the demand model
  for periods ``-history .. -1`` on its own random stream, so it leaves the simulation's demand,
  and common random numbers, untouched);
* after the demand of period ``t`` is served it hands that period to the forecaster:
  a cheap ``update`` every period, a full re-fit every ``refit_every`` periods;
* at the review at the end of period ``t`` it asks for a forecast -- the forecaster has
  then seen periods up to ``t`` and nothing later -- and adds what the run has learned
  about its errors: the errors of past forecasts of demand summed over the protection
  interval (their std and the samples themselves, for the normal and empirical safety
  stocks) and the std of one-step errors (for the ``sigma_1 * sqrt(P)`` shortcut);
* it measures one-step accuracy (MAE, RMSE, bias, MASE; Hyndman & Koehler 2006);
* with ``monitor="cusum"`` it runs a two-sided CUSUM on standardised one-step errors per
  SKU (Page 1954; Brown 1959 for tracking signals in inventory control). A SKU whose
  statistic passes ``cusum_h`` has shifted: the event (period, SKU, statistic, estimated
  change point) is recorded; once ``min_after`` periods since the change point have been
  seen, that SKU's history before it is rescaled to the level seen since (Montgomery 2013,
  Sec. 9.1 for the change-point estimate) and the forecaster re-fits at once instead of
  waiting for the schedule. (Rescaling on fewer periods over-reacts: the periods that
  triggered the alarm are extreme by selection, and the next alarm follows.)

Exogenous regressors (``forecaster.exog``, e.g. ``[calendar, promotion]``; none by
default) are columns known in advance for every period, history included. An
:class:`ExogSource` builds them from the period index and the demand model:

``weekday``
    six day-of-week dummies (period 0 is weekday 0, as in the demand's weekly profile);
``yearly``
    two yearly Fourier pairs, ``sin/cos(2 pi k p / 365.25)``, ``k = 1, 2``
    (``forecasters/calendar.py``); with less than a year of history they are barely
    identified, and the run warns;
``calendar``
    both of the above;
``promotion``
    1 where the SKU is on promotion: the demand model's promotion plan, which is planned
    and therefore known ahead (left out when the demand has no promotions: a column of
    zeros carries nothing);
``data``, or a column's name
    the columns of replayed data (``demand=replay``, ``demand=bakery``: holidays,
    promotions, weather; :mod:`sim.demand.replay`), all of them or the one named, per store and
    SKU (left out when the demand has none).

Calendar columns are the same for every SKU, so without ``promotion`` the table is
``(n_periods, n_features)``; with it, ``(n_periods, n_skus, n_features)`` (the forecaster
contract allows both, ``forecasters/base.py``). The driver hands the rows of the history to
``fit`` and ``refit``, the row of period ``t`` to ``update``, and the rows of periods
``t+1 .. t+h`` to ``predict`` at the review of period ``t`` -- all of it to forecasters whose
``uses_exog`` is true only; the others run exactly as without regressors.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from forecasters.base import Forecast, Forecaster
from forecasters.calendar import calendar_features, calendar_names
from sim.checks import check_int, is_number
from sim.demand import DemandModel

__all__ = [
    "ForecastSettings",
    "ForecastDriver",
    "ForecastDrivers",
    "SharedDriver",
    "SharedNode",
    "protection_shape",
    "ExogSource",
    "ShiftEvent",
    "ShiftMonitor",
    "CusumMonitor",
    "MONITORS",
    "EXOG_COLUMNS",
]

#: How a run watches for demand shifts (``forecaster.monitor``): :class:`ShiftMonitor`,
#: :class:`CusumMonitor`.
Monitor = Literal["none", "cusum"]
MONITORS: tuple[Monitor, ...] = get_args(Monitor)
#: Exogenous column groups a run can hand to forecasters (``forecaster.exog``).
EXOG_COLUMNS = ("calendar", "weekday", "yearly", "promotion", "data")
#: Yearly Fourier pairs in the ``yearly`` columns.
YEARLY_TERMS = 2


@dataclass(frozen=True)
class ForecastSettings:
    """How a forecaster is run (the ``forecaster.*`` keys besides the model's own)."""

    refit_every: int = 28
    history: int = 112
    error_window: int = 104
    min_errors: int = 8
    monitor: Monitor = "none"
    cusum_k: float = 0.5
    cusum_h: float = 6.0
    min_after: int = 7
    exog: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "exog", exog_columns(self.exog))
        for key, low in (
            ("refit_every", 1),
            ("history", 1),
            ("error_window", 2),
            ("min_errors", 2),
            ("min_after", 1),
        ):
            v = getattr(self, key)
            check_int(f"forecaster.{key}", v, low)
        if self.monitor not in MONITORS:
            raise ValueError(
                f"forecaster.monitor(={self.monitor!r}) must be one of {', '.join(MONITORS)}"
            )
        for key in ("cusum_k", "cusum_h"):
            v = getattr(self, key)
            if not is_number(v, types=int | float) or v <= 0:
                raise ValueError(f"forecaster.{key}(={v!r}) must be a number > 0")


def exog_columns(value: object, data_columns: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """``forecaster.exog`` as a tuple of column groups: a list of names from
    :data:`EXOG_COLUMNS` or ``data_columns`` (the columns of replayed data), one name, or none
    (``null``, ``none``, ``[]``); a ValueError naming the key and the value otherwise.
    ``data_columns=None`` (the demand not known yet) accepts any other name for now;
    :class:`ExogSource` checks it against the demand's columns."""
    if value is None or (isinstance(value, str) and value.lower() in ("none", "")):
        return ()
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(isinstance(c, str) for c in names):
        raise ValueError(
            f"forecaster.exog(={value!r}) must be a list of columns from "
            f"{', '.join(EXOG_COLUMNS)}, or none"
        )
    if data_columns is not None:
        unknown = [c for c in names if c not in EXOG_COLUMNS and c not in data_columns]
        if unknown:
            data = (
                f", or the data's columns {', '.join(data_columns)}"
                if data_columns
                else " (the demand has no data columns)"
            )
            raise ValueError(
                f"forecaster.exog(={list(names)!r}): unknown column {unknown[0]!r}; choose "
                f"from {', '.join(EXOG_COLUMNS)}{data}, or none"
            )
    expanded = _expand(names)
    repeated = sorted({c for c in expanded if expanded.count(c) > 1})
    if repeated:
        raise ValueError(
            f"forecaster.exog(={value!r}) names {repeated[0]!r} twice (calendar is weekday "
            "and yearly)"
        )
    return tuple(names)


_EXPANDS = {"calendar": ("weekday", "yearly")}


def _expand(names: tuple[str, ...] | list[str]) -> list[str]:
    """Column groups with ``calendar`` spelt out as ``weekday`` and ``yearly``."""
    return [c for name in names for c in _EXPANDS.get(name, (name,))]


class ExogSource:
    """The exogenous columns of a run (see the module docstring): ``table(start, n)`` gives
    those of periods ``start .. start + n - 1`` for all SKUs, from the period index, the
    demand model's promotion plan (``demand.promotions``) and, for replayed data, the data's
    own columns (``demand.exog_table``) at ``node`` (a demand-facing node, or the node whose
    forecaster this is: see :meth:`at`). ``columns`` are the groups in use (``promotion``
    dropped when the demand has none), ``names`` the columns. A per-SKU table takes
    ``8 * n_periods * n_skus * n_features`` bytes (40 MB for 1,000 SKUs, 480 periods and 11
    columns)."""

    def __init__(
        self, columns: tuple[str, ...] | list[str], demand: DemandModel, node: object = None
    ) -> None:
        data_columns = tuple(demand.exog_names)
        groups = _expand(exog_columns(tuple(columns), data_columns))
        if "data" in groups:  # every column of the data, in the data's order
            at = groups.index("data")
            groups[at : at + 1] = [c for c in data_columns if c not in groups]
        if "promotion" in groups and not demand.has_promotions:
            groups.remove("promotion")
        self.demand = demand
        self.node = node
        self.columns = tuple(groups)
        self.weekly = "weekday" in groups
        self.fourier_terms = YEARLY_TERMS if "yearly" in groups else 0
        self.data = tuple(c for c in groups if c not in EXOG_COLUMNS)
        self.promotion = "promotion" in groups
        self.per_sku = self.promotion or bool(self.data)
        self.names = (
            calendar_names(
                weekly=self.weekly, fourier_terms=self.fourier_terms, trend=False, intercept=False
            )
            + (["promotion"] if self.promotion else [])
            + list(self.data)
        )

    def at(self, node: object) -> ExogSource:
        """The same columns at another node (replayed data differ by store)."""
        other = copy.copy(self)
        other.node = node
        return other

    def calendar(self, periods: np.ndarray) -> np.ndarray:
        """The calendar columns in use (weekday, yearly) of ``periods``, shared by all SKUs."""
        return calendar_features(
            periods,
            weekly=self.weekly,
            fourier_terms=self.fourier_terms,
            trend=False,
            intercept=False,
        )

    def table(self, start: int, n_periods: int) -> np.ndarray:
        """``(n_periods, n_features)``, or ``(n_periods, n_skus, n_features)`` with
        ``promotion`` or data columns (the calendar columns repeated for every SKU)."""
        shared = self.calendar(np.arange(start, start + n_periods))
        if not self.per_sku:
            return shared
        own = []
        if self.promotion:
            own.append(self.demand.promotions(start, n_periods)[:, :, None])
        if self.data:
            own.append(self.demand.exog_table(self.data, start, n_periods, self.node))
        n_skus = own[0].shape[1]
        out = np.empty((n_periods, n_skus, shared.shape[1] + sum(o.shape[2] for o in own)))
        out[:, :, : shared.shape[1]] = shared[:, None, :]
        at = shared.shape[1]
        for block in own:
            out[:, :, at : at + block.shape[2]] = block
            at += block.shape[2]
        return out


class RollingErrors:
    """The last ``window`` errors of every SKU, with running sums for their std.

    ``samples`` is the ring buffer ``(window, n_skus)`` (NaN where a SKU has fewer errors);
    the running sum and sum of squares make ``std`` O(n_skus) per period. While every SKU
    has had the same number of errors (the usual case: one error per SKU and period) the
    ring position is one row for all SKUs, and ``push`` and ``std`` work on whole rows;
    the general path (NaN for some SKUs, after a ``reset``) gives the same numbers.
    """

    def __init__(self, window: int, n_skus: int):
        self.samples = np.full((window, n_skus), np.nan)
        self.count = np.zeros(n_skus, dtype=np.int64)  # errors ever pushed (since reset)
        self.total = np.zeros(n_skus)
        self.squares = np.zeros(n_skus)
        self._common: int | None = 0  # the count of every SKU while they agree, else None
        self._work = np.empty(n_skus)

    def push(self, values: np.ndarray) -> None:
        """Append per-SKU values; NaN means nothing new for that SKU."""
        if self._common is not None and not np.isnan(values).any():
            self._push_row(values, self._common)
            return
        cols = np.flatnonzero(~np.isnan(values))
        if cols.size == 0:
            return
        self._common = None
        slot = self.count[cols] % self.samples.shape[0]
        old = self.samples[slot, cols]
        had = ~np.isnan(old)
        self.total[cols] -= np.where(had, old, 0.0)
        self.squares[cols] -= np.where(had, old * old, 0.0)
        new = values[cols]
        self.samples[slot, cols] = new
        self.total[cols] += new
        self.squares[cols] += new * new
        self.count[cols] += 1

    def _push_row(self, values: np.ndarray, pushed: int) -> None:
        # the general path's arithmetic, a whole row at a time (``pushed``: every SKU's count)
        window = self.samples.shape[0]
        row = self.samples[pushed % window]
        work = self._work
        if pushed >= window:  # the ring is full: the oldest error leaves
            self.total -= row
            np.multiply(row, row, out=work)
            self.squares -= work
        row[:] = values
        self.total += values
        np.multiply(values, values, out=work)
        self.squares += work
        self.count += 1
        self._common = pushed + 1

    def n(self) -> np.ndarray:
        return np.minimum(self.count, self.samples.shape[0])

    def std(self, min_count: int) -> np.ndarray:
        """Sample std per SKU; NaN where fewer than ``min_count`` errors."""
        if self._common is not None:
            n = min(self._common, self.samples.shape[0])
            if n < min_count:
                return np.full(self.count.shape[0], np.nan)
            m = max(n, 2)
            var = self.squares - self.total * self.total / m
            np.maximum(var, 0.0, out=var)
            var /= m - 1
            return np.sqrt(var, out=var)
        counts = self.n()
        m = np.maximum(counts, 2)
        var = np.maximum(self.squares - self.total * self.total / m, 0.0) / (m - 1)
        return np.where(counts >= min_count, np.sqrt(var), np.nan)

    def reset(self, skus: np.ndarray) -> None:
        self.samples[:, skus] = np.nan
        self.count[skus] = 0
        self.total[skus] = 0.0
        self.squares[skus] = 0.0
        self._common = None


def running_total(y: np.ndarray) -> np.ndarray:
    """``np.cumsum(y, axis=0)[-1]``, the same sum in the same order, without the table."""
    total = np.zeros(y.shape[1])
    for row in y:
        total += row
    return total


@dataclass(frozen=True)
class ShiftEvent:
    period: int
    sku: int
    statistic: float
    change_point: int


@dataclass
class Accuracy:
    """Sums of one-step errors over the measured periods, per SKU."""

    n: np.ndarray
    abs_error: np.ndarray
    sq_error: np.ndarray
    error: np.ndarray
    naive_scale: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def summary(self) -> dict[str, float]:
        n = np.maximum(self.n, 1)
        total = max(float(self.n.sum()), 1.0)
        mae = float(self.abs_error.sum() / total)
        with np.errstate(divide="ignore", invalid="ignore"):
            mase_sku = (self.abs_error / n) / self.naive_scale
        ok = np.isfinite(mase_sku) & (self.n > 0)
        return {
            "forecast_mae": mae,
            "forecast_rmse": float(np.sqrt(self.sq_error.sum() / total)),
            "forecast_bias": float(self.error.sum() / total),
            "forecast_mase": float(np.mean(mase_sku[ok])) if ok.any() else float("nan"),
        }


class ShiftMonitor:
    """``monitor=none``: no shift is looked for; the forecaster follows its schedule.

    A monitor watches a driver's one-step errors, one call per period that had a one-step
    forecast, and returns the shifts it detects (:class:`ShiftEvent`); the driver records
    them and rescales and re-fits once ``min_after`` periods have passed (module
    docstring). ``scale`` gives the per-SKU scale of one-step errors, asked for only by a
    monitor that standardises them; ``watching`` is False for SKUs with a shift pending."""

    def __init__(self, n_skus: int, settings: ForecastSettings) -> None:
        self.settings = settings

    def shifts(
        self,
        t: int,
        errors: np.ndarray,
        scale: Callable[[], np.ndarray],
        watching: np.ndarray,
    ) -> list[ShiftEvent]:
        return []


class CusumMonitor(ShiftMonitor):
    """``monitor=cusum``: a two-sided CUSUM on standardised one-step errors per SKU (Page
    1954), with reference value ``cusum_k`` and decision interval ``cusum_h``. The change
    point is the period after the statistic last sat at zero (Montgomery 2013, Sec. 9.1).
    A SKU's statistic restarts at zero when it signals, and stays there while its shift is
    pending."""

    def __init__(self, n_skus: int, settings: ForecastSettings) -> None:
        super().__init__(n_skus, settings)
        self.upper = np.zeros(n_skus)
        self.lower = np.zeros(n_skus)
        self.last_at_zero = np.zeros(n_skus, dtype=np.int64)  # last period both sat at zero

    def shifts(
        self,
        t: int,
        errors: np.ndarray,
        scale: Callable[[], np.ndarray],
        watching: np.ndarray,
    ) -> list[ShiftEvent]:
        k, h = self.settings.cusum_k, self.settings.cusum_h
        standardised = errors / np.maximum(scale(), 1e-9)
        self.upper = np.maximum(0.0, self.upper + standardised - k)
        self.lower = np.maximum(0.0, self.lower - standardised - k)
        at_zero = (self.upper == 0) & (self.lower == 0)
        self.last_at_zero[at_zero] = t
        statistic = np.maximum(self.upper, self.lower)
        shifted = (statistic > h) & watching
        events = [
            ShiftEvent(t, int(i), float(statistic[i]), int(self.last_at_zero[i]) + 1)
            for i in np.flatnonzero(shifted)
        ]
        restart = ~watching | shifted
        self.upper[restart] = 0.0
        self.lower[restart] = 0.0
        self.last_at_zero[restart] = t
        return events


#: The monitor class of each ``forecaster.monitor``.
_MONITOR_CLASSES: dict[str, type[ShiftMonitor]] = {"none": ShiftMonitor, "cusum": CusumMonitor}


def protection_shape(protection_periods: np.ndarray) -> tuple[int, bool]:
    """A driver's forecast steps (the longest protection interval, at least 1) and whether
    every SKU has that interval (whole-row arithmetic): what decides how a driver sums its
    forecasts, so nodes share a driver only where this is the same."""
    steps = np.maximum(np.asarray(protection_periods, dtype=np.int64), 1)
    longest = int(steps.max())
    return longest, bool(np.all(steps == longest))


class ForecastDriver:
    """Runs one forecaster over one node's demand during one replication -- or over the
    demand of several nodes side by side, their SKUs as its columns, where one forecaster
    can serve them all without changing a number (:class:`SharedDriver`).

    ``exog``: the run's exogenous columns, for a forecaster that uses them (or None); the
    driver tabulates them once for periods ``-n_history .. horizon + forecast_steps - 1``
    (``self.regressors``, row ``n_history + t`` for period ``t``).

    Rows of ``self.series`` (the history, then the periods observed so far) are likewise
    ``n_history + t`` for period ``t``. ``protection_periods`` is each SKU's protection
    interval (at least 1); the forecaster is asked for ``forecast_steps``, the longest.
    """

    def __init__(
        self,
        forecaster: Forecaster,
        *,
        history: np.ndarray,
        horizon: int,
        protection_periods: np.ndarray,
        settings: ForecastSettings,
        warmup: int = 0,
        exog: ExogSource | None = None,
    ):
        self.forecaster = forecaster
        self.settings = settings
        n_history, n_skus = history.shape
        self.n_history, self.n_skus, self.horizon = n_history, n_skus, int(horizon)
        self.protection_periods = np.maximum(np.asarray(protection_periods, dtype=np.int64), 1)
        self.forecast_steps, common = protection_shape(self.protection_periods)
        # one protection interval for every SKU (the usual case): whole-row arithmetic
        self._common_protection: int | None = self.forecast_steps if common else None
        self.warmup = int(warmup)
        self.series = np.zeros((n_history + self.horizon, n_skus))
        self.series[:n_history] = history
        self.regressors: np.ndarray | None = None
        if exog is not None and exog.columns:
            self.regressors = exog.table(-n_history, n_history + self.horizon + self.forecast_steps)
        # The last forecast_steps + 1 of: cumulative demand (row k: periods before series
        # row k) and the forecasts of protection-interval sums (row t: made at the end of
        # period t, NaN where none was made); rings, since errors look back at most
        # forecast_steps periods.
        self.ring_size = self.forecast_steps + 1
        self.cumulative_demand = np.zeros((self.ring_size, n_skus))
        self.cumulative_demand[n_history % self.ring_size] = running_total(history)
        self.forecast_sums = np.full((self.ring_size, n_skus), np.nan)
        # the one-step forecast made at the end of period one_step_made_at
        self.one_step_forecast = np.full(n_skus, np.nan)
        self.one_step_made_at = -1
        window = settings.error_window
        self.sum_errors = RollingErrors(window, n_skus)
        self.one_errors = RollingErrors(window, n_skus)
        diffs = np.abs(np.diff(history, axis=0)) if n_history > 1 else np.zeros((1, n_skus))
        self.accuracy = Accuracy(
            np.zeros(n_skus),
            np.zeros(n_skus),
            np.zeros(n_skus),
            np.zeros(n_skus),
            naive_scale=diffs.mean(axis=0),
        )
        self.monitor = _MONITOR_CLASSES[settings.monitor](n_skus, settings)
        self.shifts: list[ShiftEvent] = []
        self.pending = np.full(n_skus, -1, dtype=np.int64)  # change point awaiting rescaling
        self._any_pending = False
        self.refits = 0
        self.history_sigma = np.ones(n_skus)  # set by start()

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._fit(self.n_history)
        self.history_sigma = self._in_sample_sigma()

    def _in_sample_sigma(self) -> np.ndarray:
        """Scale of one-step errors for standardising: the history's period-to-period
        variation until the run has its own errors."""
        history = self.series[: self.n_history]
        spread = history.std(axis=0, ddof=1) if self.n_history > 1 else np.ones(self.n_skus)
        return np.maximum(spread, 1e-9)

    def observe(self, t: int, demand: np.ndarray) -> None:
        """Demand of period ``t`` has been served: learn from it."""
        row = self.n_history + t
        self.series[row] = demand
        ring, cumulative, forecast_sums = self.ring_size, self.cumulative_demand, self.forecast_sums
        now = cumulative[(row + 1) % ring]
        np.add(cumulative[row % ring], demand, out=now)
        measured = t >= self.warmup
        # one-step error of the forecast made at the end of period t - 1
        if t >= 1 and self.one_step_made_at == t - 1:
            errors = demand - self.one_step_forecast
            self.one_errors.push(errors)
            if measured:
                accuracy = self.accuracy
                accuracy.n += 1
                accuracy.abs_error += np.abs(errors)
                accuracy.sq_error += errors * errors
                accuracy.error += errors
            self._watch(t, errors)
        # errors of protection-interval sums whose last period is t
        common = self._common_protection
        if common is not None:
            if t >= common:  # NaN where no forecast was made, as below
                actual = now - cumulative[(row + 1 - common) % ring]
                self.sum_errors.push(actual - forecast_sums[(t - common) % ring])
        else:
            made = t - self.protection_periods
            ok = made >= 0
            if ok.any():
                made_rows = np.where(ok, made, 0) % ring
                skus = np.arange(self.n_skus)
                forecast_sum = forecast_sums[made_rows, skus]
                ok &= ~np.isnan(forecast_sum)
                actual = now - cumulative[(row + 1 - self.protection_periods) % ring, skus]
                self.sum_errors.push(np.where(ok, actual - forecast_sum, np.nan))
        # made forecast_steps + 1 periods ago, no longer needed; forecast(t) fills it
        forecast_sums[t % ring] = np.nan
        # a shift with enough periods behind it changes the history: a fresh fit; else the
        # period is absorbed, and on schedule the forecaster re-fits on the history so far
        if self._any_pending:
            ready = (self.pending >= 0) & (t - self.pending + 1 >= self.settings.min_after)
            if ready.any():
                self._adjust_history(t, np.flatnonzero(ready))
                self.pending[ready] = -1
                self._any_pending = bool(np.any(self.pending >= 0))
                self._fit(row + 1)
                return
        self.forecaster.update(demand.copy(), self._exog(row))
        if (t + 1) % self.settings.refit_every == 0:
            # refit's contract: the fitted history plus every period updated since
            self.forecaster.refit(self.series[: row + 1], self._exog(slice(row + 1)))
            self.refits += 1

    def forecast(self, t: int) -> Forecast:
        """The forecast for the review at the end of period ``t``, with error statistics."""
        row = self.n_history + t + 1  # the regressors of periods t + 1 .. t + steps, known
        steps = self.forecast_steps
        fc = self.forecaster.predict(steps, self._exog(slice(row, row + steps)))
        mean = fc.mean
        self.one_step_forecast[:] = mean[0]
        self.one_step_made_at = t
        total = self.forecast_sums[t % self.ring_size]
        if self._common_protection is not None:  # the running sum cumsum computes, row by row
            total[:] = mean[0]
            for k in range(1, self._common_protection):
                total += mean[k]
        else:
            total[:] = fc.cumulative_mean(self.protection_periods)
        return dataclasses.replace(
            fc,
            time=float(t),
            protection_periods=self.protection_periods,
            protection_mean=total.copy(),
            error_sum_std=self.sum_errors.std(self.settings.min_errors),
            error_sum_samples=self.sum_errors.samples,
            one_step_error_std=self.one_errors.std(self.settings.min_errors),
        )

    # -- helpers ------------------------------------------------------------------------
    def _fit(self, rows: int) -> None:
        """A full fit on the first ``rows`` rows of the history (and of the regressors)."""
        self.forecaster.fit(self.series[:rows].copy(), self._exog(slice(rows)))
        self.refits += 1

    def _exog(self, rows: int | slice) -> np.ndarray | None:
        """Rows of the regressor table; None (the contract's "no regressors") without one."""
        return None if self.regressors is None else self.regressors[rows]

    def _one_step_scale(self) -> np.ndarray:
        """Per-SKU scale of one-step errors: their rolling std once there are enough of
        them, else the history's (a rolling sigma from few errors is often too small:
        false alarms)."""
        rolling = self.one_errors.std(max(self.settings.min_errors, 20))
        return np.where(np.isnan(rolling), self.history_sigma, rolling)

    def _watch(self, t: int, errors: np.ndarray) -> None:
        """Hand period ``t``'s one-step errors to the monitor; a SKU it finds shifted
        waits for rescaling, and its sum errors (from the old regime) are dropped."""
        watching = self.pending < 0  # a SKU with a pending shift is not monitored
        events = self.monitor.shifts(t, errors, self._one_step_scale, watching)
        if not events:
            return
        shifted = np.zeros(self.n_skus, dtype=bool)
        for event in events:
            self.shifts.append(event)
            self.pending[event.sku] = event.change_point
            shifted[event.sku] = True
        self._any_pending = True
        self.sum_errors.reset(shifted)

    def _adjust_history(self, t: int, skus: np.ndarray) -> None:
        """Rescale each shifted SKU's history before its change point to the level since."""
        row = self.n_history + t
        for i in skus:
            change_row = self.n_history + int(self.pending[i])
            after = self.series[change_row : row + 1, i]
            before = self.series[:change_row, i]
            if after.size and before.size and before.mean() > 0:
                self.series[:change_row, i] = before * (after.mean() / before.mean())

    def shift_table(self) -> list[dict[str, float]]:
        return [dataclasses.asdict(event) for event in self.shifts]


class SharedDriver:
    """One :class:`ForecastDriver` for several nodes that follow their own customers'
    demand, their SKUs side by side: column ``p * n_skus + s`` is SKU ``s`` of the ``p``-th
    node of ``nodes`` (node-major).

    A distribution network of 35 stores would otherwise make 35 ``observe`` and 35
    ``forecast`` calls a period, each mostly the fixed cost of numpy calls on a few SKUs;
    shared, it makes one of each on all their SKUs. The runner shares a driver only where
    that changes no number (:func:`sim.runner._forecast_drivers`): a forecaster whose
    columns are independent (``Forecaster.columns_independent``), the same protection
    intervals' shape (``forecast_steps``, and whether every SKU has it), no regressors or
    the same ones for every node, no shift monitor (a shift re-fits the forecaster at once,
    which would re-fit the other nodes' SKUs too) and at least two SKUs per node (numpy
    sums a single column in another order than several side by side).

    Each period :meth:`observe_and_forecast` takes the nodes' demand rows and hands back
    each node its own forecast (:meth:`forecasters.base.Forecast.columns`). What the run
    reads of a node's driver afterwards (accuracy, shifts, re-fits) is read through
    :attr:`members`, one :class:`SharedNode` per node."""

    def __init__(self, driver: ForecastDriver, nodes: list[int]) -> None:
        if driver.n_skus % len(nodes):
            raise ValueError(
                f"a shared driver's {driver.n_skus} columns do not split into {len(nodes)} nodes"
            )
        self.driver = driver
        self.nodes = list(nodes)
        width = driver.n_skus // len(nodes)
        self.columns = [slice(p * width, (p + 1) * width) for p in range(len(nodes))]
        self.members = [SharedNode(self, p) for p in range(len(nodes))]

    def observe_and_forecast(self, t: int, demand: np.ndarray) -> dict[int, Forecast]:
        """Period ``t``'s demand ``(n_nodes, n_skus)`` of the nodes (in ``nodes`` order) has
        been served: learn from it, and forecast for each node's review."""
        self.driver.observe(t, demand.reshape(-1))
        forecast = self.driver.forecast(t)
        return {
            node: forecast.columns(skus)
            for node, skus in zip(self.nodes, self.columns, strict=True)
        }


class SharedNode:
    """One node's share of a :class:`SharedDriver`: what a node's own driver would report,
    read from its columns -- one-step accuracy, detected shifts (``sku`` the SKU within the
    node), re-fits (every re-fit of the shared forecaster re-fitted this node's SKUs, as
    its own driver would have)."""

    def __init__(self, group: SharedDriver, position: int) -> None:
        self.group = group
        self.node = group.nodes[position]
        self.skus = group.columns[position]

    @property
    def accuracy(self) -> Accuracy:
        shared, skus = self.group.driver.accuracy, self.skus
        return Accuracy(
            shared.n[skus].copy(),
            shared.abs_error[skus].copy(),
            shared.sq_error[skus].copy(),
            shared.error[skus].copy(),
            naive_scale=shared.naive_scale[skus].copy(),
        )

    @property
    def shifts(self) -> list[ShiftEvent]:
        start, stop = self.skus.start, self.skus.stop
        return [
            dataclasses.replace(event, sku=event.sku - start)
            for event in self.group.driver.shifts
            if start <= event.sku < stop
        ]

    @property
    def refits(self) -> int:
        return self.group.driver.refits

    def shift_table(self) -> list[dict[str, float]]:
        return [dataclasses.asdict(event) for event in self.shifts]


#: A run's forecast drivers: per node that has one, its driver (or its share of a driver
#: several nodes use) and the signal it follows (``demand``, ``echelon_demand`` or
#: ``orders``; :func:`sim.runner.begin_replication`).
ForecastDrivers = dict[int, tuple[ForecastDriver | SharedNode, str]]
