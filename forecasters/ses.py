"""Simple exponential smoothing (SES): a level that follows demand with gain ``alpha``.

The forecast of every future period is the level ``l``; after period ``t`` it moves by
``alpha`` times the one-step error, ``l_t = l_{t-1} + alpha (y_t - l_{t-1})``
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., Sec. 8.1).
``alpha`` left null is chosen per SKU from ``0.05, 0.10, ..., 1.00`` by least in-sample
squared one-step error; the initial level is the mean of the first 10 periods
(:mod:`forecasters.smoothing`).

Predictive distribution: SES is the point forecast of ETS(A,N,N) (Hyndman, Koehler, Ord &
Snyder 2008, Table 6.1), whose ``h``-step variance is ``sigma^2 (1 + (h - 1) alpha^2)``;
the sums over ``1..k`` periods follow from the psi weights ``psi_j = alpha``. ``sigma^2``
is the mean squared in-sample one-step error. Means are not clipped at 0 (they cannot go
negative on non-negative demand anyway).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import (
    RecursiveForecaster,
    check_rate,
    initial_state,
    parameter_grid,
    predictive_std,
    smooth,
    smoothing_psi,
)


class SES(RecursiveForecaster):
    """Simple exponential smoothing, ETS(A,N,N); ``alpha`` null = fitted per SKU."""

    param_names = ("alpha",)

    def __init__(self, *, alpha: float | None = None):
        self.alpha = check_rate("alpha", alpha, optional=True)

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        self.initial_state_ = initial_state(y, trend=False)
        self.grid_ = parameter_grid(self.alpha)["alpha"]
        # every grid point's end state is kept (and advanced by update), so that refit is an
        # argmin over running errors instead of a pass over the whole history
        self.grid_state_, _ = smooth(y, self.initial_state_, self.grid_[:, None])
        self._choose()
        return self

    def _choose(self) -> None:
        sse = np.where(np.isfinite(self.grid_state_.sse), self.grid_state_.sse, np.inf)
        best = np.argmin(sse, axis=0)  # the first grid point on ties, as grid_search
        self.alpha_ = self.grid_[best]
        self.state_ = self.grid_state_.take(best)

    def refit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        """Exactly ``fit(y)`` when ``y`` is the fitted history plus the updates since: the
        grid's running errors already hold every in-sample error; O(grid x SKUs)."""
        y = np.asarray(y)
        if getattr(self, "grid_state_", None) is None or y.shape != (self.n_seen_, self.n_skus_):
            return self.fit(y, exog)
        self._choose()
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)
        self.grid_state_, _ = smooth(row, self.grid_state_, self.grid_[:, None])
        self.state_, _ = smooth(row, self.state_, self.alpha_)

    @property
    def sigma_(self) -> np.ndarray:
        """Std of the one-step errors: root mean squared in-sample error, ``(n_skus,)``."""
        return np.sqrt(self.state_.sse / max(self.state_.n, 1))

    def fitted_values(self) -> np.ndarray:
        """One-step forecasts of every period seen, ``(n_seen_, n_skus)`` (recomputed)."""
        self._check_fitted()
        return smooth(self.history_, self.initial_state_, self.alpha_, fitted=True)[1]

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        mean = np.repeat(self.state_.level[None, :], h, axis=0)
        std, sum_std = predictive_std(smoothing_psi(h, self.alpha_), self.sigma_)
        return self._forecast(mean, std, sum_std)
