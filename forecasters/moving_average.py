"""Moving average: every future period is forecast by the mean of the last ``window``
periods (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
Sec. 3.3; the mean method of Sec. 5.2 over a sliding window).

Predictive distribution, an *approximation*: demand taken as independent around a constant
mean ``mu`` with std ``sigma_y``, estimated by the mean of ``w`` periods. The one-step
error then has variance ``sigma_y^2 (1 + 1/w)``; we estimate it by the mean squared
in-sample one-step error ``sigma^2`` and report ``std = sigma`` for every period. The sum
over periods ``1..k`` shares the estimation error of the mean:
``Var = sigma_y^2 (k + k^2 / w)`` with ``sigma_y^2 = sigma^2 w / (w + 1)``. Drift or
seasonality in the data is not modelled; the simulation's rolling forecast-error safety
stock covers the rest.

Short history: with fewer than ``window`` periods the mean is over all periods seen
(``w`` = their number), also for the in-sample one-step errors. So the forecaster works
from one period of history on, and ``update`` always equals a re-fit. Means of non-negative
demand need no clipping.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import RecursiveForecaster, check_int


class MovingAverage(RecursiveForecaster):
    """Mean of the last ``window`` periods."""

    param_names = ("window",)
    columns_independent = True  # each column averages its own window

    def __init__(self, *, window: int = 7):
        self.window = check_int("window", window, 1)

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        n_skus = y.shape[1]
        self.recent_ = np.zeros((self.window, n_skus))  # row t mod w: period t (zeros: unseen)
        self.sse_ = np.zeros(n_skus)
        self._absorb(y, 0)
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)
        self._absorb(row, self.n_seen_ - 1)

    def _absorb(self, y: np.ndarray, start: int) -> None:
        """Advance the window over periods ``start, start + 1, ...`` (rows of ``y``)."""
        w = self.window
        for t in range(y.shape[0]):
            period = start + t
            if period >= 1:
                e = y[t] - self.recent_.sum(axis=0) / min(period, w)
                self.sse_ += e * e
            self.recent_[period % w] = y[t]

    @property
    def sigma_(self) -> np.ndarray:
        """Root mean squared one-step error over the history, ``(n_skus,)``."""
        return np.sqrt(self.sse_ / max(self.n_seen_ - 1, 1))

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        w = min(self.n_seen_, self.window)
        mean = np.repeat(self.recent_.sum(axis=0)[None, :] / w, h, axis=0)
        sigma = self.sigma_
        std = np.repeat(sigma[None, :], h, axis=0)
        k = np.arange(1.0, h + 1)[:, None]
        sum_std = sigma * np.sqrt(w / (w + 1.0) * (k + k * k / w))
        return self._forecast(mean, std, sum_std)
