"""Seasonal naive forecast: every future period repeats the demand one season earlier.

The point forecast of the seasonal random walk ``y_t = y_{t-m} + e_t`` (Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., Sec. 5.2), ``m`` =
``season_length``. Its psi weights are ``psi_j = [j mod m = 0]``, so the ``h``-step std is
``sigma sqrt(floor((h - 1) / m) + 1)`` (FPP3, Sec. 5.5); the sums over periods ``1..k``
follow from the same weights. ``sigma`` is the root mean square of the in-sample one-step
errors.

Short history (fewer than ``m`` periods): a period whose position in the season has not
been seen yet is forecast by the last observed demand (naive fallback), and so are the
in-sample one-step forecasts before period ``m``; the predictive std keeps the seasonal
random-walk form (an approximation while the fallback is in use). So the forecaster works
from one period of history on, and ``update`` always equals a re-fit. Forecasts repeat
observed demand, so they are non-negative without clipping.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import RecursiveForecaster, check_int, predictive_std


class SeasonalNaive(RecursiveForecaster):
    """Demand one season ago (last value while the season is incomplete)."""

    param_names = ("season_length",)
    columns_independent = True  # each column repeats its own last season

    def __init__(self, *, season_length: int = 7):
        self.season_length = check_int("season_length", season_length, 1)

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        m = self.season_length
        n_periods, n_skus = y.shape
        # One-step forecasts of periods 1.. : y_{t-m}, or y_{t-1} while t < m.
        prev = np.concatenate([y[: min(m, n_periods) - 1], y[: max(n_periods - m, 0)]])
        e = y[1:] - prev
        self.sse_ = (e * e).sum(axis=0)
        # Ring buffer: row t mod m holds the demand of the latest period t in that position.
        self.recent_ = np.zeros((m, n_skus))
        last = y[max(n_periods - m, 0) :]
        self.recent_[np.arange(n_periods - last.shape[0], n_periods) % m] = last
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)[0]
        m, n = self.season_length, self.n_seen_ - 1  # n: periods seen before this one
        forecast = self.recent_[(n - m) % m] if n >= m else self.recent_[(n - 1) % m]
        e = row - forecast
        self.sse_ = self.sse_ + e * e
        self.recent_[n % m] = row

    @property
    def sigma_(self) -> np.ndarray:
        """Root mean squared one-step error over the history, ``(n_skus,)``."""
        return np.sqrt(self.sse_ / max(self.n_seen_ - 1, 1))

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        m, n = self.season_length, self.n_seen_
        steps = np.arange(1, h + 1)
        source = n + steps - 1 - m * ((steps + m - 1) // m)  # same position, last season
        source = np.where(source >= 0, source, n - 1)  # not seen yet: last value
        mean = self.recent_[source % m]
        j = np.arange(h)[:, None]
        psi = np.broadcast_to(((j % m) == 0).astype(float), mean.shape)
        std, sum_std = predictive_std(psi, self.sigma_)
        return self._forecast(mean, std, sum_std)
