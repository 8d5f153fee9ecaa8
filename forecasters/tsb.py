"""Teunter-Syntetos-Babai (TSB) method for intermittent demand (Teunter, Syntetos & Babai
2011).

Instead of the interval between demands, TSB smooths the probability of a demand, every
period: ``p += beta ([y > 0] - p)``; the demand size is smoothed in demand periods only,
``z += alpha (y - z)``. The forecast per period is ``p z``. Because ``p`` moves every
period, the forecast decays through long spells without demand (obsolescence), and it is
unbiased where Croston's is not. The first demand of a SKU sets ``z`` to that demand and
``p`` to the share of periods with demand so far; before it the forecast is 0.

Predictive distribution, an *approximation*: independent one-step errors with the std of
the in-sample one-step errors (counted from the first demand on, 0 before), so
``std = sigma`` each period and ``sum_std = sigma sqrt(k)`` for the sum over ``1..k``; the
simulation's rolling forecast-error safety stock covers the rest. Means are non-negative by
construction. Works from one period of history on; ``update`` always equals a re-fit.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import RecursiveForecaster, TSBState, check_rate, tsb


class TSB(RecursiveForecaster):
    """TSB: smoothed demand probability (``beta``) times smoothed size (``alpha``)."""

    param_names = ("alpha", "beta")
    columns_independent = True  # probability and size are smoothed per column

    def __init__(self, *, alpha: float = 0.1, beta: float = 0.1):
        self.alpha = check_rate("alpha", alpha)
        self.beta = check_rate("beta", beta)

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        self.state_ = tsb(y, TSBState.empty(y.shape[1]), self.alpha, self.beta)
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)
        self.state_ = tsb(row, self.state_, self.alpha, self.beta)

    @property
    def sigma_(self) -> np.ndarray:
        """Root mean squared in-sample one-step error, ``(n_skus,)`` (0 without any)."""
        return np.sqrt(self.state_.sse / np.maximum(self.state_.n_err, 1))

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        mean = np.repeat(self.state_.forecast()[None, :], h, axis=0)
        sigma = self.sigma_
        root_periods = np.sqrt(np.arange(1.0, h + 1))[:, None]  # sqrt(k): sums over 1..k
        return self._forecast(mean, np.repeat(sigma[None, :], h, axis=0), sigma * root_periods)
