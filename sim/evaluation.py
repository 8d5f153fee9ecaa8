"""Rolling-origin evaluation of a forecaster on demand history, apart from any policy.

Rolling-origin (time-series cross-validation; Tashman 2000, "Out-of-sample tests of
forecasting accuracy", *IJF* 16(4); Hyndman & Athanasopoulos 2021, *Forecasting:
Principles and Practice*, 3rd ed., Sec. 5.10): from each *origin* ``t0`` the forecaster,
having seen demand ``y[:t0]`` and nothing later, forecasts periods ``t0 .. t0+horizon-1``,
which are then compared with what happened.

Origins. ``t0 = T - horizon - k * step`` for ``k = 0, 1, ...``: the last window ends
exactly at the end of the data, and the ones before it are ``step`` periods apart. The last
``windows`` of them (all with ``windows=None``) with ``t0 >= min_history`` are used, oldest
first; when fewer exist, those that do (none: a ValueError).

What the forecaster sees. At the first origin it is fitted on ``y[:t0]``; at a later origin
it is fitted again on ``y[:t0]`` (all data so far) when ``refit_every`` periods or more
have passed since its last fit, and otherwise handed the periods since the previous origin
one by one through ``update`` (parameters fixed, state filtered), as in a simulation
(``forecasters/base.py``). Every array it gets is a fresh copy, so it cannot reach later
rows through a view. Exogenous regressors ``exog`` -- ``(T, n_features)`` shared or ``(T,
n_series, n_features)`` per series, row ``t`` belonging to period ``t`` -- are handed only
to forecasters whose ``uses_exog`` is true: ``exog[:t0]`` with the fit, ``exog[t]`` with the
update of period ``t``, and ``exog[t0 : t0 + horizon]`` with the forecast (regressors are
known in advance: calendars, planned promotions, weather forecasts taken as known).

Metrics, per series over all windows and leads (error ``e = actual - forecast``):

* ``mae`` = mean |e|, ``rmse`` = sqrt(mean e^2), ``bias`` = mean e (> 0: under-forecast);
* ``mase`` (Hyndman & Koehler 2006, "Another look at measures of forecast accuracy", *IJF*
  22(4), with the seasonal scale of their Sec. 3.4 / FPP3 Sec. 5.8): ``mae`` over the
  in-sample MAE of the seasonal naive forecast, ``mean |y_t - y_{t-season}|``;
* ``rmsse`` (the M5 competition's measure: Makridakis, Spiliotis & Assimakopoulos 2022,
  "M5 accuracy competition: results, findings, and conclusions", *IJF* 38(4)):
  ``sqrt(mse / mean (y_t - y_{t-1})^2)``, the in-sample mean squared one-step naive
  difference. As in M5, each series' in-sample data start at its first non-zero demand
  (leading zeros are periods before the item was sold);
* ``coverage80``: the share of periods with ``|e| <= 1.2815515655446004 * std``, the
  forecaster's own central 80% normal interval; NaN when the forecaster gives no ``std``.

Both scales are computed on the data before the FIRST origin only, so every window of a
series is divided by the same number. A series whose scale is zero or undefined (constant,
all zero, or too short a history before the first origin) has NaN ``mase``/``rmsse``, and
is left out of the means over series of those metrics (``summary``'s ``n_unscaled`` counts
the series without an RMSSE scale).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasters.base import Forecaster, as_history
from forecasters.parallel import check_exog, is_int

__all__ = [
    "Z80",
    "Backtest",
    "METRICS",
    "mase_scale",
    "origins",
    "rmsse_scale",
    "rolling_origin",
]

#: Standard normal 0.9-quantile: the half-width of a central 80% interval in stds.
Z80 = 1.2815515655446004
#: The per-series metrics, in table order.
METRICS = ("mae", "rmse", "bias", "mase", "rmsse", "coverage80")


# -- the maths -----------------------------------------------------------------------------
def origins(
    n_periods: int, *, horizon: int, step: int, windows: int | None, min_history: int
) -> np.ndarray:
    """The forecast origins, oldest first: ``t0 = n_periods - horizon - k * step`` with
    ``t0 >= min_history``, the last ``windows`` of them (all with ``None``)."""
    last = n_periods - horizon
    if last < min_history:
        return np.empty(0, dtype=np.int64)
    count = (last - min_history) // step + 1
    if windows is not None:
        count = min(count, windows)
    return last - step * np.arange(count - 1, -1, -1, dtype=np.int64)


def mase_scale(y: np.ndarray, season: int) -> np.ndarray:
    """In-sample MAE of the seasonal naive forecast, ``mean |y_t - y_{t-season}|``, per
    column of ``y`` ``(n_periods, n_series)``; NaN where it is zero or undefined."""
    if y.shape[0] <= season:
        return np.full(y.shape[1], np.nan)
    scale = np.mean(np.abs(y[season:] - y[:-season]), axis=0)
    return np.where(scale > 0, scale, np.nan)


def rmsse_scale(y: np.ndarray) -> np.ndarray:
    """M5's RMSSE denominator: the mean squared one-step naive difference
    ``mean (y_t - y_{t-1})^2`` per column of ``y``, from the column's first non-zero value
    on; NaN where it is zero or undefined (fewer than two periods from there)."""
    n_periods, n_series = y.shape
    nonzero = y != 0
    first = np.where(nonzero.any(axis=0), nonzero.argmax(axis=0), n_periods)
    sq = np.diff(y, axis=0) ** 2  # row t-1 holds (y_t - y_{t-1})^2
    counted = np.arange(1, n_periods)[:, None] > first[None, :]  # both periods from `first` on
    n = counted.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(counted, sq, 0.0).sum(axis=0) / n
    return np.where((n > 0) & (scale > 0), scale, np.nan)


# -- the result ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Backtest:
    """The forecasts of a rolling-origin evaluation and what happened.

    Arrays of shape ``(windows, horizon, n_series)``: ``actual``, ``forecast`` (the mean),
    ``errors = actual - forecast`` and ``covered80`` (1.0 / 0.0 whether the actual lay in
    the forecaster's central 80% interval; NaN without a predictive std). ``origins``
    ``(windows,)``: the first forecast period of each window. ``mae_scale`` and
    ``mse_scale`` ``(n_series,)``: the MASE and RMSSE denominators (NaN: undefined), see the
    module docstring. ``series``: the series labels, in column order.
    """

    actual: np.ndarray
    forecast: np.ndarray
    errors: np.ndarray
    covered80: np.ndarray
    origins: np.ndarray
    mae_scale: np.ndarray
    mse_scale: np.ndarray
    series: tuple[Hashable, ...]

    @property
    def horizon(self) -> int:
        return int(self.errors.shape[1])

    @property
    def n_series(self) -> int:
        return int(self.errors.shape[2])

    def per_series(self) -> pd.DataFrame:
        """One row per series (index ``series``): ``mae, rmse, bias, mase, rmsse,
        coverage80`` over all windows and leads."""
        e = self.errors.reshape(-1, self.n_series)
        c = self.covered80.reshape(-1, self.n_series)
        return pd.DataFrame(
            _metrics(e, c, self.mae_scale, self.mse_scale),
            index=pd.Index(self.series, name="series", tupleize_cols=False),
        )

    def by_lead(self) -> pd.DataFrame:
        """One row per lead (index ``lead`` = 1..horizon): the means over series of each
        metric at that lead (the scales are the same as for all leads)."""
        rows = {}
        for lead in range(self.horizon):
            m = _metrics(
                self.errors[:, lead], self.covered80[:, lead], self.mae_scale, self.mse_scale
            )
            rows[lead + 1] = {k: _mean(v) for k, v in m.items()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("lead")

    def summary(self) -> dict[str, float | int]:
        """The mean over series of each per-series metric (series with an undefined scale
        left out of ``mase`` and ``rmsse``), the pooled ``mae_pooled``, ``rmse_pooled`` and
        ``bias_pooled`` over every window, lead and series, and the counts ``n_series``,
        ``n_unscaled`` (series without an RMSSE scale), ``windows`` and ``horizon``."""
        table = self.per_series()
        out: dict[str, float | int] = {k: _mean(table[k].to_numpy()) for k in METRICS}
        out["mae_pooled"] = float(np.mean(np.abs(self.errors)))
        out["rmse_pooled"] = float(np.sqrt(np.mean(self.errors**2)))
        out["bias_pooled"] = float(np.mean(self.errors))
        out["n_series"] = self.n_series
        out["n_unscaled"] = int(np.isnan(self.mse_scale).sum())
        out["windows"] = int(self.origins.size)
        out["horizon"] = self.horizon
        return out


def _metrics(
    e: np.ndarray, covered: np.ndarray, mae_scale: np.ndarray, mse_scale: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-column metrics of errors ``e`` ``(n_obs, n_series)``."""
    mae = np.mean(np.abs(e), axis=0)
    mse = np.mean(e**2, axis=0)
    if np.all(np.isnan(covered)):
        coverage = np.full(e.shape[1], np.nan)
    else:
        coverage = np.nanmean(covered, axis=0)
    return {
        "mae": mae,
        "rmse": np.sqrt(mse),
        "bias": np.mean(e, axis=0),
        "mase": mae / mae_scale,
        "rmsse": np.sqrt(mse / mse_scale),
        "coverage80": coverage,
    }


def _mean(values: np.ndarray) -> float:
    """Mean over the finite values; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(np.mean(finite)) if finite.size else float("nan")


# -- the evaluation ------------------------------------------------------------------------
def rolling_origin(
    forecaster: Forecaster,
    y: np.ndarray | pd.DataFrame,
    exog: np.ndarray | None = None,
    *,
    horizon: int = 7,
    step: int = 7,
    windows: int | None = 26,
    min_history: int = 56,
    refit_every: int = 28,
    season: int = 7,
) -> Backtest:
    """Evaluate ``forecaster`` on demand ``y`` ``(T, n_series)`` (finite, >= 0; a
    DataFrame's columns become the series labels) from rolling origins; see the module
    docstring for the origins, what the forecaster sees and the metrics."""
    for name, value, least in (
        ("backtest.horizon", horizon, 1),
        ("backtest.step", step, 1),
        ("backtest.min_history", min_history, 1),
        ("backtest.refit_every", refit_every, 1),
        ("backtest.season", season, 1),
    ):
        _check_int(name, value, least)
    if windows is not None:
        _check_int("backtest.windows", windows, 1)
    series = _labels(y)
    y = as_history(y)
    if np.any(y < 0):
        raise ValueError("demand history holds negative values")
    n_periods, n_series = y.shape
    x = None
    if exog is not None and getattr(forecaster, "uses_exog", False):
        x = check_exog(exog, n_periods, "exog", n_skus=n_series)
    starts = origins(
        n_periods, horizon=horizon, step=step, windows=windows, min_history=min_history
    )
    if starts.size == 0:
        raise ValueError(
            f"no forecast origin: the data have {n_periods} periods, and a window of "
            f"backtest.horizon(={horizon}) must start after "
            f"backtest.min_history(={min_history}) periods; lower backtest.min_history "
            f"(backtest.windows={windows})"
        )
    shape = (starts.size, horizon, n_series)
    actual, forecast, covered = np.empty(shape), np.empty(shape), np.full(shape, np.nan)
    fitted_at: int | None = None
    seen = 0  # periods the forecaster has seen (set by the first fit)
    for k, t0 in enumerate(starts.tolist()):
        if fitted_at is None or t0 - fitted_at >= refit_every:
            if x is None:
                forecaster.fit(y[:t0].copy())
            else:
                forecaster.fit(y[:t0].copy(), x[:t0].copy())
            fitted_at = t0
        else:
            for t in range(seen, t0):
                if x is None:
                    forecaster.update(y[t].copy())
                else:
                    forecaster.update(y[t].copy(), x[t].copy())
        seen = t0
        if x is None:
            fc = forecaster.predict(horizon)
        else:
            fc = forecaster.predict(horizon, x[t0 : t0 + horizon].copy())
        mean = np.asarray(fc.mean, dtype=float)
        if mean.shape != (horizon, n_series) or not np.all(np.isfinite(mean)):
            raise ValueError(
                f"{type(forecaster).__name__} forecast from origin {t0}: mean must be finite "
                f"with shape {(horizon, n_series)}, got shape {mean.shape}"
            )
        actual[k] = y[t0 : t0 + horizon]
        forecast[k] = mean
        if fc.std is not None:
            covered[k] = np.abs(actual[k] - mean) <= Z80 * np.asarray(fc.std, dtype=float)
    in_sample = y[: starts[0]]
    return Backtest(
        actual=actual,
        forecast=forecast,
        errors=actual - forecast,
        covered80=covered,
        origins=starts,
        mae_scale=mase_scale(in_sample, season),
        mse_scale=rmsse_scale(in_sample),
        series=series,
    )


def _check_int(name: str, value: Any, least: int) -> None:
    if not is_int(value) or value < least:
        raise ValueError(f"{name}(={value!r}) must be an integer >= {least}")


def _labels(y: Any) -> tuple[Hashable, ...]:
    if isinstance(y, pd.DataFrame):
        return tuple(y.columns)
    shape = np.shape(y)
    return tuple(range(shape[1] if len(shape) > 1 else 1))
