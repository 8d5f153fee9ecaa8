"""Holt's linear trend method: a level and a trend, both smoothed.

After period ``t`` (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
3rd ed., Sec. 8.2)::

    l_t = l_{t-1} + b_{t-1} + alpha e_t,      e_t = y_t - (l_{t-1} + b_{t-1})
    b_t = beta (l_t - l_{t-1}) + (1 - beta) b_{t-1}

and the forecast ``h`` periods ahead is ``l + h b``. ``beta`` is FPP3's ``beta*``
(statsmodels' ``smoothing_trend``). Parameters left null are chosen per SKU on a joint
grid, ``alpha`` in ``0.05, 0.10, ..., 1.00`` times ``beta`` in ``0.01, 0.05, 0.1, 0.2,
0.4``, by least in-sample squared one-step error; the initial level and trend are the
intercept and slope of a least-squares line through the first 10 periods
(:mod:`forecasters.smoothing`).

Predictive distribution: ETS(A,A,N) (Hyndman, Koehler, Ord & Snyder 2008, Table 6.1), psi
weights ``psi_j = alpha (1 + beta j)``; ``sigma^2`` is the mean squared in-sample one-step
error. Means are not clipped at 0: a falling trend can forecast negative demand, and the
policy clips its order-up-to levels.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import (
    RecursiveForecaster,
    check_rate,
    grid_search,
    initial_state,
    parameter_grid,
    predictive_std,
    smooth,
    smoothing_psi,
)


class Holt(RecursiveForecaster):
    """Holt's linear trend, ETS(A,A,N); ``alpha``/``beta`` null = fitted per SKU."""

    param_names = ("alpha", "beta")
    columns_independent = True  # the recursion and the grid search run per column

    def __init__(self, *, alpha: float | None = None, beta: float | None = None):
        self.alpha = check_rate("alpha", alpha, optional=True)
        self.beta = check_rate("beta", beta, optional=True, zero=True)

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        self.initial_state_ = initial_state(y, trend=True)
        grid = parameter_grid(self.alpha, self.beta, trend=True)
        params, self.state_ = grid_search(y, self.initial_state_, grid, seasonal=None)
        self.alpha_, self.beta_ = params["alpha"], params["beta"]
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)
        self.state_, _ = smooth(row, self.state_, self.alpha_, self.beta_)

    @property
    def sigma_(self) -> np.ndarray:
        """Std of the one-step errors: root mean squared in-sample error, ``(n_skus,)``."""
        return np.sqrt(self.state_.sse / max(self.state_.n, 1))

    def fitted_values(self) -> np.ndarray:
        """One-step forecasts of every period seen, ``(n_seen_, n_skus)`` (recomputed)."""
        history, state = self._fitted_history(), self.initial_state_
        return smooth(history, state, self.alpha_, self.beta_, fitted=True)[1]

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        steps = np.arange(1.0, h + 1)[:, None]
        trend = self.state_.trend
        assert trend is not None  # Holt's state always carries a trend
        mean = self.state_.level + steps * trend
        psi = smoothing_psi(h, self.alpha_, self.beta_)
        std, sum_std = predictive_std(psi, self.sigma_)
        return self._forecast(mean, std, sum_std)
