"""Naive forecast: every future period repeats the last observed demand.

The point forecast of the random walk ``y_t = y_{t-1} + e_t`` (Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, 3rd ed., Sec. 5.2). Its psi weights are all 1, so
the ``h``-step std is ``sigma sqrt(h)`` (FPP3, Sec. 5.5) and the std of the sum over
periods ``1..k`` is ``sigma sqrt(1^2 + 2^2 + ... + k^2)``. ``sigma`` is the root mean
square of the in-sample one-step errors ``y_t - y_{t-1}`` (0 with a single period).
Needs one period of history; ``update`` always equals a re-fit. Forecasts repeat observed
demand, so they are non-negative without clipping.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import RecursiveForecaster, predictive_std


class Naive(RecursiveForecaster):
    """Last value; random-walk predictive distribution. No parameters."""

    param_names = ()
    columns_independent = True  # each column repeats its own last value

    def __init__(self) -> None:
        pass

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        diff = np.diff(y, axis=0)
        self.last_ = y[-1].copy()
        self.sse_ = (diff * diff).sum(axis=0)
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)[0]
        e = row - self.last_
        self.sse_ = self.sse_ + e * e
        self.last_ = row.copy()

    @property
    def sigma_(self) -> np.ndarray:
        """Root mean squared one-step error over the history, ``(n_skus,)``."""
        return np.sqrt(self.sse_ / max(self.n_seen_ - 1, 1))

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        mean = np.repeat(self.last_[None, :], h, axis=0)
        std, sum_std = predictive_std(np.ones_like(mean), self.sigma_)
        return self._forecast(mean, std, sum_std)
