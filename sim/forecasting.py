"""Forecasts inside the simulation: fitting on a schedule, rolling errors, shift monitoring.

A :class:`ForecastDriver` stands between the demand a node sees and a forecaster:

* before period 0 it fits the forecaster on warm-up history (drawn from the demand model
  for periods ``-H .. -1`` on its own random stream, so it leaves the simulation's demand,
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
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from forecasters.base import Forecast, Forecaster

__all__ = ["ForecastSettings", "ForecastDriver", "ShiftEvent", "MONITORS"]

MONITORS = ("none", "cusum")


@dataclass(frozen=True)
class ForecastSettings:
    """How a forecaster is run (the ``forecaster.*`` keys besides the model's own)."""

    refit_every: int = 28
    history: int = 112
    error_window: int = 104
    min_errors: int = 8
    monitor: str = "none"
    cusum_k: float = 0.5
    cusum_h: float = 6.0
    min_after: int = 7

    def __post_init__(self) -> None:
        for key, low in (
            ("refit_every", 1),
            ("history", 1),
            ("error_window", 2),
            ("min_errors", 2),
            ("min_after", 1),
        ):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < low:
                raise ValueError(f"forecaster.{key}(={v!r}) must be an integer >= {low}")
        if self.monitor not in MONITORS:
            raise ValueError(
                f"forecaster.monitor(={self.monitor!r}) must be one of {', '.join(MONITORS)}"
            )
        for key in ("cusum_k", "cusum_h"):
            v = getattr(self, key)
            if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"forecaster.{key}(={v!r}) must be a number > 0")


class RollingErrors:
    """The last ``window`` errors of every SKU, with running sums for their std.

    ``samples`` is the ring buffer ``(window, n_skus)`` (NaN where a SKU has fewer errors);
    the running sum and sum of squares make ``std`` O(n_skus) per period.
    """

    def __init__(self, window: int, n_skus: int):
        self.samples = np.full((window, n_skus), np.nan)
        self.count = np.zeros(n_skus, dtype=np.int64)  # errors ever pushed (since reset)
        self.total = np.zeros(n_skus)
        self.squares = np.zeros(n_skus)

    def push(self, values: np.ndarray) -> None:
        """Append per-SKU values; NaN means nothing new for that SKU."""
        cols = np.flatnonzero(~np.isnan(values))
        if cols.size == 0:
            return
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

    def n(self) -> np.ndarray:
        return np.minimum(self.count, self.samples.shape[0])

    def std(self, min_count: int) -> np.ndarray:
        """Sample std per SKU; NaN where fewer than ``min_count`` errors."""
        n = self.n()
        m = np.maximum(n, 2)
        var = np.maximum(self.squares - self.total * self.total / m, 0.0) / (m - 1)
        return np.where(n >= min_count, np.sqrt(var), np.nan)

    def reset(self, skus: np.ndarray) -> None:
        self.samples[:, skus] = np.nan
        self.count[skus] = 0
        self.total[skus] = 0.0
        self.squares[skus] = 0.0


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


class ForecastDriver:
    """Runs one forecaster over one node's demand during one replication."""

    def __init__(
        self,
        forecaster: Forecaster,
        *,
        history: np.ndarray,
        horizon: int,
        protection_periods: np.ndarray,
        settings: ForecastSettings,
        warmup: int = 0,
    ):
        self.forecaster = forecaster
        self.settings = settings
        H, n = history.shape
        self.H, self.n, self.T = H, n, int(horizon)
        self.P = np.maximum(np.asarray(protection_periods, dtype=np.int64), 1)
        self.h = int(self.P.max())
        self.warmup = int(warmup)
        self.y = np.zeros((H + self.T, n))
        self.y[:H] = history
        self.cum = np.zeros((H + self.T + 1, n))
        self.cum[1 : H + 1] = np.cumsum(history, axis=0)
        self.fsum = np.full((self.T, n), np.nan)  # forecast protection sums, by forecast time
        self.f1 = np.full((self.T, n), np.nan)  # one-step forecasts, by forecast time
        W = settings.error_window
        self.sum_errors = RollingErrors(W, n)
        self.one_errors = RollingErrors(W, n)
        diffs = np.abs(np.diff(history, axis=0)) if H > 1 else np.zeros((1, n))
        self.accuracy = Accuracy(
            np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), naive_scale=diffs.mean(axis=0)
        )
        self.cusum_pos = np.zeros(n)
        self.cusum_neg = np.zeros(n)
        self.zero_at = np.zeros(n, dtype=np.int64)  # last period the CUSUM sat at zero
        self.shifts: list[ShiftEvent] = []
        self.pending = np.full(n, -1, dtype=np.int64)  # change point awaiting rescaling
        self.refits = 0
        self.sigma1 = None  # set by start()

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        self.forecaster.fit(self.y[: self.H].copy())
        self.refits += 1
        self.sigma1 = self._in_sample_sigma()

    def _in_sample_sigma(self) -> np.ndarray:
        """Scale of one-step errors for standardising: the history's period-to-period
        variation until the run has its own errors."""
        hist = self.y[: self.H]
        return np.maximum(hist.std(axis=0, ddof=1) if self.H > 1 else np.ones(self.n), 1e-9)

    def observe(self, t: int, demand: np.ndarray) -> None:
        """Demand of period ``t`` has been served: learn from it."""
        row = self.H + t
        self.y[row] = demand
        self.cum[row + 1] = self.cum[row] + demand
        measured = t >= self.warmup
        # one-step error of the forecast made at the end of period t - 1
        if t >= 1 and not np.isnan(self.f1[t - 1, 0]):
            e = demand - self.f1[t - 1]
            self.one_errors.push(e)
            if measured:
                acc = self.accuracy
                acc.n += 1
                acc.abs_error += np.abs(e)
                acc.sq_error += e * e
                acc.error += e
            if self.settings.monitor == "cusum":
                self._monitor(t, e)
        # errors of protection-interval sums whose last period is t
        made = t - self.P
        ok = made >= 0
        if ok.any():
            idx = np.where(ok, made, 0)
            cols = np.arange(self.n)
            forecast_sum = self.fsum[idx, cols]
            ok &= ~np.isnan(forecast_sum)
            actual = self.cum[row + 1] - self.cum[row + 1 - self.P, cols]
            err = np.where(ok, actual - forecast_sum, np.nan)
            self.sum_errors.push(err)
        # a shift with enough periods behind it changes the history: a fresh fit; else the
        # period is absorbed, and on schedule the forecaster re-fits on the history so far
        ready = (self.pending >= 0) & (t - self.pending + 1 >= self.settings.min_after)
        if ready.any():
            self._adjust_history(t, np.flatnonzero(ready))
            self.pending[ready] = -1
            self.forecaster.fit(self.y[: row + 1].copy())
            self.refits += 1
            return
        self.forecaster.update(demand.copy())
        if (t + 1) % self.settings.refit_every == 0:
            # refit's contract: the fitted history plus every period updated since
            self.forecaster.refit(self.y[: row + 1])
            self.refits += 1

    def forecast(self, t: int) -> Forecast:
        """The forecast for the review at the end of period ``t``, with error statistics."""
        fc = self.forecaster.predict(self.h)
        self.f1[t] = fc.mean[0]
        self.fsum[t] = fc.cumulative_mean(self.P)
        return dataclasses.replace(
            fc,
            time=float(t),
            protection_periods=self.P,
            error_sum_std=self.sum_errors.std(self.settings.min_errors),
            error_sum_samples=self.sum_errors.samples,
            one_step_error_std=self.one_errors.std(self.settings.min_errors),
        )

    # -- helpers ------------------------------------------------------------------------
    def _monitor(self, t: int, e: np.ndarray) -> None:
        s = self.settings
        # a rolling sigma from few errors is often too small: false alarms
        rolling = self.one_errors.std(max(s.min_errors, 20))
        sigma = np.where(np.isnan(rolling), self.sigma1, rolling)
        z = e / np.maximum(sigma, 1e-9)
        watching = self.pending < 0  # a SKU with a pending shift is not monitored
        self.cusum_pos = np.maximum(0.0, self.cusum_pos + z - s.cusum_k)
        self.cusum_neg = np.maximum(0.0, self.cusum_neg - z - s.cusum_k)
        at_zero = (self.cusum_pos == 0) & (self.cusum_neg == 0)
        self.zero_at[at_zero] = t
        stat = np.maximum(self.cusum_pos, self.cusum_neg)
        shifted = (stat > s.cusum_h) & watching
        for i in np.flatnonzero(shifted):
            cp = int(self.zero_at[i]) + 1
            self.shifts.append(ShiftEvent(t, int(i), float(stat[i]), cp))
            self.pending[i] = cp
        self.cusum_pos[~watching | shifted] = 0.0
        self.cusum_neg[~watching | shifted] = 0.0
        self.zero_at[~watching | shifted] = t
        if shifted.any():
            # sum errors from before the shift describe the old regime
            self.sum_errors.reset(shifted)

    def _adjust_history(self, t: int, skus: np.ndarray) -> None:
        """Rescale each shifted SKU's history before its change point to the level since."""
        row = self.H + t
        for i in skus:
            cp = self.H + int(self.pending[i])
            after = self.y[cp : row + 1, i]
            before = self.y[:cp, i]
            if after.size and before.size and before.mean() > 0:
                self.y[:cp, i] = before * (after.mean() / before.mean())

    def shift_table(self) -> list[dict]:
        return [dataclasses.asdict(ev) for ev in self.shifts]
