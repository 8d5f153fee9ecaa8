"""Croston's method for intermittent demand (Croston 1972).

Demand sizes and the intervals between demands are smoothed separately, with the same
``alpha``, and only in periods with demand; the forecast per period is ``size / interval``
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., Sec. 13.2). The
first demand of a SKU sets the size to that demand and the interval to the number of
periods up to it; before it the forecast is 0. Croston's forecast is biased upwards, by
about ``alpha / (2 - alpha)`` of the mean (times ``1 - 1/interval``; Syntetos & Boylan
2001, 2005): :mod:`forecasters.sba` corrects it.

Predictive distribution, an *approximation*: independent one-step errors with the std of
the in-sample one-step errors (counted from the first demand on, 0 before), so
``std = sigma`` each period and the sum over ``1..k`` periods has ``sum_std = sigma sqrt(k)``;
the simulation's rolling forecast-error safety stock covers the rest. Means are
non-negative by construction (no clipping needed). Works from one period of history on;
``update`` always equals a re-fit.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import CrostonState, RecursiveForecaster, check_rate, croston


class Croston(RecursiveForecaster):
    """Croston (1972): smoothed demand size over smoothed inter-demand interval."""

    param_names = ("alpha",)
    columns_independent = True  # sizes and intervals are smoothed per column

    def __init__(self, *, alpha: float = 0.1):
        self.alpha = check_rate("alpha", alpha)

    @property
    def bias_factor(self) -> float:
        """Multiplier of ``size / interval`` in the forecast (1 for Croston)."""
        return 1.0

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        self.state_ = croston(y, CrostonState.empty(y.shape[1]), self.alpha, self.bias_factor)
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)
        self.state_ = croston(row, self.state_, self.alpha, self.bias_factor)

    @property
    def sigma_(self) -> np.ndarray:
        """Root mean squared in-sample one-step error, ``(n_skus,)`` (0 without any)."""
        return np.sqrt(self.state_.sse / np.maximum(self.state_.n_err, 1))

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        mean = np.repeat(self.state_.forecast(self.bias_factor)[None, :], h, axis=0)
        sigma = self.sigma_
        root_periods = np.sqrt(np.arange(1.0, h + 1))[:, None]  # sqrt(k): sums over 1..k
        return self._forecast(mean, np.repeat(sigma[None, :], h, axis=0), sigma * root_periods)
