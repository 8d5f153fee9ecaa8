"""Exponential smoothing in innovations state-space form, ETS(error, trend, season), per SKU.

Each SKU's demand follows one of the state-space models of Hyndman, Koehler, Ord & Snyder
(2008), *Forecasting with Exponential Smoothing: The State Space Approach*, Springer, Ch. 2:
a level ``l``, an optional (damped) additive trend ``b`` and an optional additive or
multiplicative season ``s`` of ``m`` periods, driven by one Gaussian innovation per period,
additive or multiplicative. The parameters (``alpha``, ``beta``, ``gamma``,
``phi``) and the initial states are estimated per SKU by maximum likelihood with
``statsmodels.tsa.exponential_smoothing.ets.ETSModel`` (statsmodels docs, "ETS models"),
in worker processes (:mod:`forecasters.parallel`).

What is computed where:

* ``fit``: per SKU, ``ETSModel(...).fit(disp=False, return_params=True)`` (the same
  optimiser as ``fit()``, without the complex-step Hessian of the parameter covariance,
  which a forecast does not use), then ``model.smooth(params, return_raw=True)``
  (statsmodels' own Cython filter) for the end-of-history states and the innovation
  variance ``sigma^2`` = mean squared one-step residual, as statsmodels' ``mse``.
* ``update``: ONE step of the same smoothing recursion as statsmodels' filter
  (``_ets_smooth_add_add`` / ``_ets_smooth_add_mul``), vectorised over SKUs, with the
  parameters and ``sigma^2`` held fixed. ``ETSResults`` offers no ``append``/``extend``;
  re-running ``model.smooth(params)`` on the longer series gives the same states (tested)
  at the price of a model per SKU per period. Should an update give a SKU non-finite
  states (a multiplicative season meeting a zero level), that SKU keeps its old states.
* ``predict``: the mean path is the model's zero-innovation path (statsmodels'
  ``forecast``). The spread:

  - linear models (additive error, no or additive season: ANN, AAN, AAdN, ANA, AAA,
    AAdA): exact. With ``c_k = alpha + beta (phi + ... + phi^k) + gamma 1[k = 0 mod m]``
    (Hyndman et al. 2008, Ch. 6, class 1 models), ``Var(y_{n+j}) = sigma^2 (1 + sum_{k<j}
    c_k^2)`` (equals statsmodels' ``summary_frame``), and for the sum of the next ``j``
    periods (Hyndman et al. 2008, Ch. 6, lead-time demand) ``sigma^2 sum_{i<j}
    C_i^2`` with ``C_0 = 1``, ``C_i = 1 + c_1 + ... + c_i``. No paths are returned.
  - non-linear models (multiplicative error or season): ``n_paths`` sample paths of the
    state-space model (the equations of statsmodels' ``ETSResults.simulate``, vectorised
    over SKUs), Gaussian innovations from a generator seeded by ``seed`` and the number of
    periods seen, so the same data give the same forecast. ``std``, ``sum_std`` are the
    paths' standard deviations; ``paths`` is returned too.

Fallbacks (``fallback="ses"``): a SKU whose fit raises (e.g. a multiplicative model on a
history with zeros) or gives non-finite numbers gets simple exponential smoothing
(``ETSModel(error="add")``), then the mean of its history (``fallback="mean"``: directly
the mean), modelled as level ``mean``, ``alpha = 0`` and ``sigma^2`` the sample variance.

Minimum history: statsmodels needs about ``2 * seasonal_periods`` periods for a seasonal
model and a few for SES; shorter histories end in the fallbacks, not in an error.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, Self

import numpy as np

# statsmodels at import time, not inside the fit: its BLAS (scipy's OpenBLAS) must be
# loaded before the engine limits the thread pools to one thread.
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecasters.base import Forecast, Forecaster, as_history
from forecasters.parallel import (
    PerSkuFits,
    check_horizon,
    check_n_jobs,
    check_period,
    fit_per_sku,
    is_int,
)

__all__ = ["ETS", "ets_mean_path", "ets_linear_std", "ets_smooth_step", "ets_simulate"]

ERRORS = ("add", "mul")
TRENDS = (None, "add")
SEASONALS = (None, "add", "mul")
FALLBACKS = ("ses", "mean")

# Layout of the per-SKU parameter vector handed back by the workers.
_ALPHA, _BETA, _GAMMA, _PHI, _SIGMA2, _MULERR, _LEVEL, _SLOPE, _SEASON = range(9)


class ETS(Forecaster):
    """ETS(error, trend, season) fitted per SKU with statsmodels' ``ETSModel``."""

    param_names: ClassVar[tuple[str, ...]] = (
        "error",
        "trend",
        "damped_trend",
        "seasonal",
        "seasonal_periods",
        "n_jobs",
        "fallback",
        "n_paths",
        "seed",
    )

    def __init__(
        self,
        *,
        error: str = "add",
        trend: str | None = None,
        damped_trend: bool = False,
        seasonal: str | None = None,
        seasonal_periods: int = 7,
        n_jobs: int = 1,
        fallback: str = "ses",
        n_paths: int = 200,
        seed: int = 0,
    ):
        if error not in ERRORS:
            raise ValueError(f"error(={error!r}) must be one of {ERRORS}")
        if trend not in TRENDS:
            raise ValueError(f"trend(={trend!r}) must be one of {TRENDS}")
        if not isinstance(damped_trend, bool):
            raise ValueError(f"damped_trend(={damped_trend!r}) must be true or false")
        if damped_trend and trend is None:
            raise ValueError(f"damped_trend(={damped_trend!r}) needs a trend, got trend=None")
        if seasonal not in SEASONALS:
            raise ValueError(f"seasonal(={seasonal!r}) must be one of {SEASONALS}")
        if not is_int(seasonal_periods) or seasonal_periods < 2:
            raise ValueError(f"seasonal_periods(={seasonal_periods!r}) must be an integer >= 2")
        if fallback not in FALLBACKS:
            raise ValueError(f"fallback(={fallback!r}) must be one of {FALLBACKS}")
        if not is_int(n_paths) or n_paths < 2:
            raise ValueError(f"n_paths(={n_paths!r}) must be an integer >= 2")
        if not is_int(seed) or seed < 0:
            raise ValueError(f"seed(={seed!r}) must be an integer >= 0")
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.seasonal_periods = int(seasonal_periods)
        self.n_jobs = check_n_jobs(n_jobs)
        self.fallback = fallback
        self.n_paths = int(n_paths)
        self.seed = int(seed)

    # -- model description ---------------------------------------------------------------
    @property
    def label(self) -> str:
        """Hyndman et al.'s name of the model, e.g. ``ETS(A,Ad,M)``."""
        t = "N" if self.trend is None else "Ad" if self.damped_trend else "A"
        s = {None: "N", "add": "A", "mul": "M"}[self.seasonal]
        return f"ETS({self.error[0].upper()},{t},{s})"

    @property
    def linear(self) -> bool:
        """Whether the exact (class 1) variance formulas apply."""
        return self.error == "add" and self.seasonal != "mul"

    @property
    def _m(self) -> int:
        return self.seasonal_periods if self.seasonal is not None else 1

    @property
    def _neutral_season(self) -> float:
        return 1.0 if self.seasonal == "mul" else 0.0

    def _chain(self) -> tuple[Any, list]:
        m, neutral = self._m, self._neutral_season
        main = partial(
            fit_ets_one,
            error=self.error,
            trend=self.trend,
            damped_trend=self.damped_trend,
            seasonal=self.seasonal,
            seasonal_periods=m,
            width=m,
            neutral=neutral,
        )
        fallbacks = []
        simple = self.error == "add" and self.trend is None and self.seasonal is None
        if self.fallback == "ses" and not simple:
            ses = partial(
                fit_ets_one,
                error="add",
                trend=None,
                damped_trend=False,
                seasonal=None,
                seasonal_periods=1,
                width=m,
                neutral=neutral,
            )
            fallbacks.append(("SES", ses))
        fallbacks.append(("mean", partial(fit_mean_one, width=m, neutral=neutral)))
        return main, fallbacks

    # -- contract ------------------------------------------------------------------------
    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        self._ignore_exog(exog)
        y = as_history(y)
        main, fallbacks = self._chain()
        fits = fit_per_sku(main, y, n_jobs=self.n_jobs, fallbacks=fallbacks, name=self.label)
        theta = np.vstack(fits.results)
        self.fits_: PerSkuFits = fits
        self.model_ = fits.model
        self.alpha_ = theta[:, _ALPHA].copy()
        self.beta_ = theta[:, _BETA].copy()
        self.gamma_ = theta[:, _GAMMA].copy()
        self.phi_ = theta[:, _PHI].copy()
        self.sigma2_ = theta[:, _SIGMA2].copy()
        self.mul_error_ = theta[:, _MULERR] > 0.5
        self.level_ = theta[:, _LEVEL].copy()
        self.slope_ = theta[:, _SLOPE].copy()
        self.season_ = theta[:, _SEASON:].copy()
        self.n_obs_ = y.shape[0]
        return self

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        """One step of the smoothing recursion per SKU, parameters and sigma^2 fixed."""
        self._ignore_exog(exog_new)
        self._check_fitted()
        y = check_period(y_new, self.level_.size)
        level, slope, season = ets_smooth_step(
            y,
            self.level_,
            self.slope_,
            self.season_,
            alpha=self.alpha_,
            beta=self.beta_,
            gamma=self.gamma_,
            phi=self.phi_,
            mul_season=self.seasonal == "mul",
        )
        ok = np.isfinite(level) & np.isfinite(slope) & np.all(np.isfinite(season), axis=1)
        self.level_ = np.where(ok, level, self.level_)
        self.slope_ = np.where(ok, slope, self.slope_)
        self.season_ = np.where(ok[:, None], season, self.season_)
        self.n_obs_ += 1

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        self._ignore_exog(exog_future)
        self._check_fitted()
        h = check_horizon(h)
        mul_season = self.seasonal == "mul"
        mean = ets_mean_path(self.level_, self.slope_, self.season_, self.phi_, h, mul_season)
        time = float(self.n_obs_ - 1)
        if self.linear:
            std, sum_std = ets_linear_std(
                self.alpha_, self.beta_, self.gamma_, self.phi_, self.sigma2_, h, self._m
            )
            return Forecast(time=time, mean=mean, std=std, sum_std=sum_std)
        rng = np.random.default_rng([self.seed, self.n_obs_])
        paths = ets_simulate(
            self.level_,
            self.slope_,
            self.season_,
            alpha=self.alpha_,
            beta=self.beta_,
            gamma=self.gamma_,
            phi=self.phi_,
            sigma=np.sqrt(self.sigma2_),
            mul_error=self.mul_error_,
            mul_season=mul_season,
            h=h,
            n_paths=self.n_paths,
            rng=rng,
        )
        std = paths.std(axis=0, ddof=1)
        sum_std = np.cumsum(paths, axis=1).std(axis=0, ddof=1)
        return Forecast(time=time, mean=mean, std=std, sum_std=sum_std, paths=paths)

    def _check_fitted(self) -> None:
        if not hasattr(self, "level_"):
            raise RuntimeError(f"{type(self).__name__}: call fit before predict or update")


# -- per-SKU fits (run in worker processes) -----------------------------------------------
def fit_ets_one(
    y: np.ndarray,
    exog: np.ndarray | None = None,
    *,
    error: str,
    trend: str | None,
    damped_trend: bool,
    seasonal: str | None,
    seasonal_periods: int,
    width: int,
    neutral: float,
) -> np.ndarray:
    """Fit one SKU with ``ETSModel``; return the parameter vector of the stacked layout:
    ``alpha, beta, gamma, phi, sigma^2, mul_error, level, slope, season[0..width-1]``
    (``season[j]`` is the seasonal state ``j`` periods before the last one)."""
    del exog
    model = ETSModel(
        y,
        error=error,
        trend=trend,
        damped_trend=damped_trend,
        seasonal=seasonal,
        seasonal_periods=seasonal_periods if seasonal is not None else None,
    )
    params = model.fit(disp=False, return_params=True)
    named = dict(zip(model.param_names, params, strict=True))
    yhat, states = model.smooth(params, return_raw=True)
    resid = (y - yhat) / yhat if error == "mul" else y - yhat
    out = np.full(_SEASON + width, neutral)
    out[_ALPHA] = named["smoothing_level"]
    out[_BETA] = named.get("smoothing_trend", 0.0)
    out[_GAMMA] = named.get("smoothing_seasonal", 0.0)
    out[_PHI] = named.get("damping_trend", 1.0)
    out[_SIGMA2] = np.mean(resid**2)
    out[_MULERR] = float(error == "mul")
    out[_LEVEL] = states[-1, 0]
    out[_SLOPE] = states[-1, 1] if trend is not None else 0.0
    if seasonal is not None:
        m = seasonal_periods
        # initial_seasonal.i is the season i+1 periods before the first observation
        initial = [named[f"initial_seasonal.{i}"] for i in reversed(range(m))]
        chronological = np.concatenate([initial, states[:, -1]])
        out[_SEASON:] = chronological[::-1][:m]
    return out


def fit_mean_one(
    y: np.ndarray, exog: np.ndarray | None = None, *, width: int, neutral: float
) -> np.ndarray:
    """The last resort: the mean of the history with its sample variance, no smoothing."""
    del exog
    out = np.full(_SEASON + width, neutral)
    out[_ALPHA] = out[_BETA] = out[_GAMMA] = out[_SLOPE] = out[_MULERR] = 0.0
    out[_PHI] = 1.0
    out[_SIGMA2] = np.var(y, ddof=1) if y.size > 1 else 0.0
    out[_LEVEL] = np.mean(y)
    return out


# -- the maths, vectorised over SKUs ------------------------------------------------------
def ets_smooth_step(
    y: np.ndarray,
    level: np.ndarray,
    slope: np.ndarray,
    season: np.ndarray,
    *,
    alpha: np.ndarray,
    beta: np.ndarray,
    gamma: np.ndarray,
    phi: np.ndarray,
    mul_season: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Absorb one period ``y`` ``(n,)``: the smoothing equations in statsmodels' form,
    ``l' = a (y - s) + (1 - a)(l + phi b)``, ``b' = b* (l' - l) + (1 - b*) phi b``,
    ``s' = g* (y - l') + (1 - g*) s`` with ``b* = beta / alpha``, ``g* = gamma / (1 - alpha)``
    (``/`` for ``-`` with a multiplicative season). ``season[:, -1]`` is the season of the
    coming period; the new season enters at column 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        beta_star = np.where(alpha > 0, beta / alpha, 0.0)
        gamma_star = gamma / (1.0 - alpha)
        s_old = season[:, -1]
        base = level + phi * slope
        if mul_season:
            new_level = alpha * (y / s_old) + (1.0 - alpha) * base
        else:
            new_level = alpha * (y - s_old) + (1.0 - alpha) * base
        new_slope = beta_star * (new_level - level) + (1.0 - beta_star) * phi * slope
        if mul_season:
            s_new = gamma_star * (y / new_level) + (1.0 - gamma_star) * s_old
        else:
            s_new = gamma_star * (y - new_level) + (1.0 - gamma_star) * s_old
        s_new = np.where(gamma_star > 0, s_new, s_old)
    new_season = np.concatenate([s_new[:, None], season[:, :-1]], axis=1)
    return new_level, new_slope, new_season


def ets_mean_path(
    level: np.ndarray,
    slope: np.ndarray,
    season: np.ndarray,
    phi: np.ndarray,
    h: int,
    mul_season: bool,
) -> np.ndarray:
    """Point forecasts ``(h, n)``: ``(l + (phi + ... + phi^j) b) (+ or *) s`` with the
    season of the period, computed as statsmodels' zero-innovation simulation."""
    m = season.shape[1]
    out = np.empty((h, level.size))
    lev, b = level.copy(), slope.copy()
    for j in range(h):
        b = b * phi
        lev = lev + b
        s = season[:, m - 1 - (j % m)]
        out[j] = lev * s if mul_season else lev + s
    return out


def ets_linear_std(
    alpha: np.ndarray,
    beta: np.ndarray,
    gamma: np.ndarray,
    phi: np.ndarray,
    sigma2: np.ndarray,
    h: int,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-period and cumulative forecast std ``(h, n)`` of a class-1 (linear) ETS model,
    Hyndman et al. (2008), Ch. 6 (see the module docstring)."""
    k = np.arange(1, h)[:, None]
    phi_k = np.cumsum(phi[None, :] ** k, axis=0)  # phi + ... + phi^k
    c = alpha[None, :] + beta[None, :] * phi_k + gamma[None, :] * (k % m == 0)
    ones = np.ones((1, alpha.size))
    var = sigma2[None, :] * np.concatenate([ones, 1.0 + np.cumsum(c**2, axis=0)])
    big_c = np.concatenate([ones, 1.0 + np.cumsum(c, axis=0)])
    sum_var = sigma2[None, :] * np.cumsum(big_c**2, axis=0)
    return np.sqrt(var), np.sqrt(sum_var)


def ets_simulate(
    level: np.ndarray,
    slope: np.ndarray,
    season: np.ndarray,
    *,
    alpha: np.ndarray,
    beta: np.ndarray,
    gamma: np.ndarray,
    phi: np.ndarray,
    sigma: np.ndarray,
    mul_error: np.ndarray,
    mul_season: bool,
    h: int,
    n_paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Sample paths ``(n_paths, h, n)`` of the innovations state-space model (Hyndman et
    al. 2008, Ch. 2; the equations of statsmodels' ``ETSResults.simulate``), with
    ``eps ~ N(0, sigma^2)`` per SKU; ``mul_error`` ``(n,)`` picks the error form per SKU."""
    n, m = season.shape
    eps = rng.standard_normal((h, n_paths, n)) * sigma[None, None, :]
    lev = np.broadcast_to(level, (n_paths, n)).copy()
    b = np.broadcast_to(slope, (n_paths, n)).copy()
    # seasonal states as a ring, (m, n_paths, n): the season of step t sits in slot
    # (m - 1 - t) mod m, and the updated season goes back into the same slot
    s = np.broadcast_to(season.T[:, None, :], (m, n_paths, n)).copy()
    any_mul = bool(np.any(mul_error))
    me = mul_error.astype(float)
    paths = np.empty((n_paths, h, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(h):
            e = eps[t]
            slot = (m - 1 - t) % m
            big_b = b * phi
            big_l = lev + big_b
            big_s = s[slot]
            if mul_season:
                big_y = big_l * big_s
                k_l, k_s = 1.0 / big_s, 1.0 / big_l
            else:
                big_y = big_l + big_s
                k_l, k_s = np.ones_like(big_l), np.ones_like(big_l)
            k_b = k_l
            eta = 1.0
            if any_mul:  # the multiplicative-error terms, SKU by SKU
                k_b = np.where(mul_error, (0.0 if mul_season else big_s) + lev, k_l)
                k_l = np.where(mul_error, 0.0 if mul_season else big_s, k_l)
                k_s = np.where(mul_error, 0.0 if mul_season else big_l, k_s)
                eta = np.where(mul_error, big_y, 1.0)
            paths[:, t, :] = big_y + eta * e
            lev = big_l + alpha * (me * big_l + k_l) * e
            b = big_b + beta * (me * big_b + k_b) * e
            s[slot] = big_s + gamma * (me * big_s + k_s) * e
    return paths
