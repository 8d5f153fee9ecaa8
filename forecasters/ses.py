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
    SmoothingState,
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
    columns_independent = True  # the recursion and the grid search run per column
    _state: SmoothingState | None = None

    def __init__(self, *, alpha: float | None = None):
        self.alpha = check_rate("alpha", alpha, optional=True)

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        self.initial_state_ = initial_state(y, trend=False)
        self.grid_ = parameter_grid(self.alpha)["alpha"]
        # every grid point's end state is kept (and advanced by update), so that refit is an
        # argmin over running errors instead of a pass over the whole history
        self.grid_state_, _ = smooth(y, self.initial_state_, self.grid_[:, None])
        level = self.grid_state_.level
        self._work = (np.empty_like(level), np.empty_like(level))
        self._grid_alpha = np.repeat(self.grid_[:, None], level.shape[1], axis=1)
        self._psi_factors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._choose()
        return self

    def _choose(self) -> None:
        sse = self.grid_state_.sse
        n = sse.shape[1]
        cols = np.arange(n)
        best = np.argmin(sse, axis=0)  # the first grid point on ties, as grid_search
        if not np.isfinite(sse.ravel().take(best * n + cols)).all():
            # argmin picks a NaN before any number: rank non-finite errors last
            best = np.argmin(np.where(np.isfinite(sse), sse, np.inf), axis=0)
        self.best_ = best
        self.alpha_ = self.grid_[best]
        self._best_flat = best * n + cols  # positions in the raveled grid
        self._state: SmoothingState | None = None

    @property
    def state_(self) -> SmoothingState:
        """The state of the chosen ``alpha_`` per SKU: its grid point's state, since
        ``update`` runs every grid point through the same recursion."""
        if self._state is None:
            self._check_fitted()
            grid, at = self.grid_state_, self._best_flat
            level, sse = grid.level.ravel().take(at), grid.sse.ravel().take(at)
            self._state = SmoothingState(level, None, None, sse, grid.n)
        return self._state

    def refit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        """Exactly ``fit(y)`` when ``y`` is the fitted history plus the updates since: the
        grid's running errors already hold every in-sample error; O(grid x SKUs)."""
        y = np.asarray(y)
        if getattr(self, "grid_state_", None) is None or y.shape != (self.n_seen_, self.n_skus_):
            return self.fit(y, exog)
        self._choose()
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        """One step of :func:`~forecasters.smoothing.smooth` for every grid point, in place:
        ``e = y - l``, ``sse += e^2``, ``l += alpha e``."""
        row = self._record(y_new, exog_new)[0]
        grid = self.grid_state_
        level, sse = grid.level, grid.sse
        e, tmp = self._work
        np.subtract(row, level, out=e)
        np.multiply(e, e, out=tmp)
        sse += tmp
        e *= self._grid_alpha
        level += e
        self.grid_state_ = SmoothingState(level, None, None, sse, grid.n + 1)
        self._state = None

    @property
    def sigma_(self) -> np.ndarray:
        """Std of the one-step errors: root mean squared in-sample error, ``(n_skus,)``."""
        return np.sqrt(self.state_.sse / max(self.state_.n, 1))

    def fitted_values(self) -> np.ndarray:
        """One-step forecasts of every period seen, ``(n_seen_, n_skus)`` (recomputed)."""
        history = self._fitted_history()
        return smooth(history, self.initial_state_, self.alpha_, fitted=True)[1]

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        mean = np.repeat(self.state_.level[None, :], h, axis=0)
        # the psi weights depend on alpha alone: the std factors of every grid point are
        # computed once per h, and each SKU takes its own (the same numbers, elementwise)
        if h not in self._psi_factors:
            self._psi_factors[h] = predictive_std(smoothing_psi(h, self.grid_), np.ones(1))
        std_factor, sum_factor = self._psi_factors[h]
        sigma = self.sigma_
        std = sigma * std_factor.take(self.best_, axis=1)
        sum_std = sigma * sum_factor.take(self.best_, axis=1)
        return self._forecast(mean, std, sum_std)
