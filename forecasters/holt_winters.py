"""Holt-Winters: level, optional trend and an additive or multiplicative season.

Component form of Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd
ed., Sec. 8.3, with season length ``m`` (the same recursions as statsmodels'
``ExponentialSmoothing``; see :mod:`forecasters.smoothing` for them in full). The forecast
``h`` periods ahead is ``l + h b + s`` (additive) or ``(l + h b) s`` (multiplicative), ``s``
the latest seasonal index of that period's position in the season; ``trend: false`` drops
``b``. ``beta`` is FPP3's ``beta*`` (statsmodels' ``smoothing_trend``).

Parameters left null are chosen per SKU on a joint grid, ``alpha`` in ``0.05, 0.1, 0.2,
0.3, 0.5, 0.7, 1.0``, ``beta`` in ``0.01, 0.05, 0.1, 0.2, 0.4``, ``gamma`` in ``0, 0.05,
0.1, 0.2, 0.3`` with ``gamma <= 1 - alpha``, by least in-sample squared one-step error.
Initial states come from the first ``min(n // m, 4)`` full seasons (a line through the
season means, seasonal indices from the detrended values): fitting needs at least ``m``
periods and ValueErrors on fewer; ``update`` equals a re-fit from ``4 m`` periods on.

Predictive distribution: additive Holt-Winters is the point forecast of ETS(A,A,A) (or
ETS(A,N,A) without trend), with psi weights ``psi_j = alpha (1 + beta j) + gamma [j mod m =
0]`` (Hyndman, Koehler, Ord & Snyder 2008, Table 6.1; FPP3 Sec. 8.7). For the
multiplicative season the same additive psi weights are used: an *approximation*
(the exact ETS(A,A,M) variance depends on the seasonal indices, Hyndman et al. 2008,
Ch. 6); the simulation's rolling forecast-error safety stock covers the rest. ``sigma^2`` is
the mean squared in-sample one-step error. Means are not clipped at 0; the policy clips its
order-up-to levels. A multiplicative season needs demand levels well above zero (use the
additive one for slow movers).
"""

from __future__ import annotations

from typing import Self

import numpy as np

from forecasters.base import Forecast
from forecasters.smoothing import (
    APPLY_SEASON,
    HW_ALPHA_GRID,
    SEASONAL_KINDS,
    RecursiveForecaster,
    Seasonal,
    check_int,
    check_rate,
    grid_search,
    initial_state,
    parameter_grid,
    predictive_std,
    smooth,
    smoothing_psi,
)


class HoltWinters(RecursiveForecaster):
    """Holt-Winters, ETS(A,A,A)/(A,N,A) or multiplicative season; null parameters fitted."""

    param_names = ("alpha", "beta", "gamma", "season_length", "seasonal", "trend")
    columns_independent = True  # the recursion, initial seasons and grid search run per column

    def __init__(
        self,
        *,
        alpha: float | None = None,
        beta: float | None = None,
        gamma: float | None = None,
        season_length: int = 7,
        seasonal: Seasonal = "additive",
        trend: bool = True,
    ):
        self.alpha = check_rate("alpha", alpha, optional=True)
        self.beta = check_rate("beta", beta, optional=True, zero=True)
        self.gamma = check_rate("gamma", gamma, optional=True, zero=True)
        self.season_length = check_int("season_length", season_length, 2)
        if seasonal not in SEASONAL_KINDS:
            raise ValueError(
                f"forecaster.seasonal(={seasonal!r}) must be one of {', '.join(SEASONAL_KINDS)}"
            )
        self.seasonal = seasonal
        if not isinstance(trend, bool | np.bool_):
            raise ValueError(f"forecaster.trend(={trend!r}) must be true or false")
        self.trend = bool(trend)
        if not self.trend and beta is not None:
            raise ValueError(f"forecaster.beta(={beta!r}) needs forecaster.trend=true")

    @property
    def min_history(self) -> int:
        """Two seasons: the initial slope is a line through the season means."""
        return 2 * self.season_length

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        y = self._start(y, exog)
        m = self.season_length
        if y.shape[0] < m:
            raise ValueError(
                f"HoltWinters needs at least season_length(={m}) periods of history, "
                f"got {y.shape[0]}"
            )
        self.initial_state_ = initial_state(
            y, trend=self.trend, seasonal=self.seasonal, season_length=m
        )
        grid = parameter_grid(
            self.alpha,
            self.beta,
            self.gamma,
            trend=self.trend,
            season=True,
            alpha_grid=HW_ALPHA_GRID,
        )
        params, self.state_ = grid_search(y, self.initial_state_, grid, seasonal=self.seasonal)
        self.alpha_, self.gamma_ = params["alpha"], params["gamma"]
        self.beta_ = params.get("beta")
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        row = self._record(y_new, exog_new)
        self.state_, _ = smooth(
            row, self.state_, self.alpha_, self.beta_, self.gamma_, seasonal=self.seasonal
        )

    @property
    def sigma_(self) -> np.ndarray:
        """Std of the one-step errors: root mean squared in-sample error, ``(n_skus,)``."""
        return np.sqrt(self.state_.sse / max(self.state_.n, 1))

    def fitted_values(self) -> np.ndarray:
        """One-step forecasts of every period seen, ``(n_seen_, n_skus)`` (recomputed)."""
        _, out = smooth(
            self._fitted_history(),
            self.initial_state_,
            self.alpha_,
            self.beta_,
            self.gamma_,
            seasonal=self.seasonal,
            fitted=True,
        )
        return out

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        h = self._check_h(h, exog_future)
        state, m = self.state_, self.season_length
        assert state.season is not None  # Holt-Winters' state always carries a season
        steps = np.arange(1.0, h + 1)[:, None]
        base = state.level + (0.0 if state.trend is None else steps * state.trend)
        season = state.season[(state.n + np.arange(h)) % m]
        mean = APPLY_SEASON[self.seasonal](base, season)
        psi = smoothing_psi(h, self.alpha_, self.beta_, self.gamma_, m)
        std, sum_std = predictive_std(psi, self.sigma_)
        return self._forecast(mean, std, sum_std)
