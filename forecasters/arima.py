"""Seasonal ARIMA with optional regressors, SARIMA(p,d,q)(P,D,Q)_s (+ exog), per SKU.

Box, Jenkins, Reinsel & Ljung (2015), *Time Series Analysis: Forecasting and Control*,
5th ed., Wiley: each SKU's demand is ``phi(B) Phi(B^s) (1-B)^d (1-B^s)^D (y_t - x_t' beta)
= c + theta(B) Theta(B^s) eps_t`` with Gaussian ``eps_t``; ``x_t`` are exogenous
regressors (promotions, prices, calendar) when ``use_exog`` is true (regression with
SARIMA errors), shared by all SKUs ``(n_periods, n_features)`` or each SKU its own
``(n_periods, n_skus, n_features)`` (see ``forecasters/base.py``). The parameters are
estimated per SKU by exact maximum likelihood with
``statsmodels.tsa.statespace.sarimax.SARIMAX`` (statsmodels docs, "SARIMAX"), whose
Kalman filter runs the model in state-space form (Durbin & Koopman 2012, *Time Series
Analysis by State Space Methods*, 2nd ed., Ch. 4, the Kalman filter):

    y_t = Z a_t + d_t,    a_{t+1} = T a_t + c + R eta_t,    eta_t ~ N(0, Q),

with ``d_t = x_t' beta``. After the fit each SKU keeps only ``Z, T, RQR', c, beta`` and the
filter's prediction of the next state, ``a_{n+1|n}`` with covariance ``P_{n+1|n}``; SKUs
are stacked (state vectors zero-padded to the largest) and everything after the fit is
vectorised over SKUs:

* ``update``: one Kalman filter step with the parameters fixed (Durbin & Koopman 2012,
  Ch. 4), which is what ``SARIMAXResults.append(new, refit=False)`` /``.extend``
  compute (tested), without a statsmodels model per SKU and period.
* ``predict``: the mean path ``Z a_{n+j|n} + d_{n+j}`` (statsmodels' ``get_forecast``),
  its variance ``Z P_{n+j|n} Z'`` (``se_mean``, tested) and the exact variance of the sum of
  the next ``j`` periods from the covariance of the stacked state ``(a_{n+j}, S_{j-1})``,
  where ``S_j = y_{n+1} + ... + y_{n+j}`` is appended to the state:
  ``(a, S) -> (T a + c + R eta, S + Z a + d)``. For a stationary ARMA at steady state this
  is ``sigma^2 sum_{i<j} (psi_0 + ... + psi_i)^2`` with the MA(inf) psi-weights
  (``arma2ma``; tested), but it also holds early in a series and for integrated models.

``fallback="arima011"``: a SKU whose fit raises or gives non-finite numbers gets
ARIMA(0,1,1) without constant (simple exponential smoothing in ARIMA form; Box & Jenkins),
then the mean of its history (``"mean"``: directly), as a white-noise state-space model.
``use_exog=true`` with ``fit(y, exog=None)`` fits without regressors.

Estimators (``estimator``):

* ``statsmodels`` (the class default): one ``SARIMAX(...).fit()`` per SKU, through
  :func:`forecasters.parallel.fit_per_sku`. The reference; about 50 ms a SKU for
  ARIMA(1,0,1), 0.13 s with a regressor, 0.3 s for SARIMA(1,0,1)(1,0,1)_7 on 365 days.
* ``batch`` (the YAMLs' choice): :mod:`forecasters.batch_arima`, the same exact Gaussian
  likelihood (statsmodels' Kalman filter gives the same log-likelihood and final state at
  its estimate, tested) maximised for all SKUs at once in numpy, the constant and the
  regression coefficients profiled out by generalised least squares, the coefficients'
  partial autocorrelations kept within 0.99 of +-1; ``refit`` starts each SKU from its
  previous estimate (and the best point of a small grid). Integrated models (``d`` or
  ``D`` > 0) use statsmodels. SKUs on which it gives non-finite numbers go down the
  statsmodels chain (``model_`` 1 = statsmodels' own fit, 2 = ARIMA(0,1,1), ...).
  ``python -m experiments.bench_forecasters --driven-only --old`` (100 SKUs, ARIMA(1,0,1)
  with a promotion column, 15 fits on 112 to 476 periods, 393 updates and forecasts):
  8 s against 138 s with statsmodels on a 2-core machine; the README's ARIMA example runs
  in under 50 s (it did not finish in 15 minutes).

Why statsmodels stays: it is the reference the batch estimator is tested against, it
fits integrated models with their diffuse initialisation, and its per-SKU path runs any
order; the batch estimator covers the stationary models this project configures.

Minimum history: a few more periods than parameters, and ``s * (P + D) + d + p`` for the
state to start; SARIMA(1,0,1)(1,0,1)_7 needs about 3 weeks. ``update`` and ``predict``
cost microseconds a SKU.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, Literal, NamedTuple, Self

import numpy as np

# statsmodels at import time, not inside the fit: its BLAS (scipy's OpenBLAS) must be
# loaded before the engine limits the thread pools to one thread.
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecasters.base import Forecast, Forecaster, as_history
from forecasters.batch_arima import ArmaSpec, Trend, fit_arima_batch
from forecasters.parallel import (
    ESTIMATORS,
    Estimator,
    FitOne,
    PerSkuFits,
    check_exog,
    check_horizon,
    check_n_jobs,
    check_period,
    fit_per_sku,
    is_int,
)

__all__ = ["ARIMA", "StateSpace"]

TRENDS: tuple[Trend, ...] = ("n", "c")
#: What a SKU whose fit fails falls back to: ARIMA(0,1,1), then the mean; or the mean.
Fallback = Literal["arima011", "mean"]
#: The fallback models of each choice, by label, in the order they are tried.
FALLBACK_CHAINS: dict[Fallback, tuple[str, ...]] = {
    "arima011": ("ARIMA(0,1,1)", "mean"),
    "mean": ("mean",),
}
FALLBACKS: tuple[Fallback, ...] = tuple(FALLBACK_CHAINS)


class StateSpace(NamedTuple):
    """One SKU's fitted model in state-space form, with its state at the end of the data."""

    design: np.ndarray  # Z (k,)
    transition: np.ndarray  # T (k, k)
    state_cov: np.ndarray  # R Q R' (k, k)
    state_intercept: np.ndarray  # c (k,)
    obs_var: float  # H
    obs_intercept: float  # constant part of d_t
    beta: np.ndarray  # regression coefficients (n_exog,)
    state: np.ndarray  # a_{n+1|n} (k,)
    state_var: np.ndarray  # P_{n+1|n} (k, k)


class ARIMA(Forecaster):
    """SARIMA(X) per SKU with statsmodels' ``SARIMAX``; see the module docstring."""

    param_names: ClassVar[tuple[str, ...]] = (
        "order",
        "seasonal_order",
        "trend",
        "use_exog",
        "n_jobs",
        "fallback",
        "estimator",
    )

    # Fitted, per SKU (rows), each state zero-padded to the largest: Z, T, R Q R', c, H,
    # the constant part of d_t, beta (columns), a_{n+1|n} and P_{n+1|n}; see ``_stack``.
    design_: np.ndarray
    transition_: np.ndarray
    state_cov_: np.ndarray
    state_intercept_: np.ndarray
    obs_var_: np.ndarray
    obs_intercept_: np.ndarray
    beta_: np.ndarray
    state_: np.ndarray
    state_var_: np.ndarray

    def __init__(
        self,
        *,
        order: Any = (1, 0, 1),
        seasonal_order: Any = (0, 0, 0, 0),
        trend: Trend = "c",
        use_exog: bool = False,
        n_jobs: int = 1,
        fallback: Fallback = "arima011",
        estimator: Estimator = "statsmodels",
    ):
        order_list = _int_list(order)
        if order_list is None or len(order_list) != 3 or min(order_list) < 0:
            raise ValueError(f"order(={order!r}) must be three integers [p, d, q] >= 0")
        seasonal_list = _int_list(seasonal_order)
        if seasonal_list is None or len(seasonal_list) != 4 or min(seasonal_list) < 0:
            raise ValueError(
                f"seasonal_order(={seasonal_order!r}) must be four integers [P, D, Q, s] >= 0"
            )
        if any(seasonal_list[:3]) and seasonal_list[3] < 2:
            raise ValueError(f"seasonal_order(={seasonal_order!r}) needs a period s >= 2")
        if trend not in TRENDS:
            raise ValueError(f"trend(={trend!r}) must be one of {TRENDS}")
        if not isinstance(use_exog, bool):
            raise ValueError(f"use_exog(={use_exog!r}) must be true or false")
        if fallback not in FALLBACKS:
            raise ValueError(f"fallback(={fallback!r}) must be one of {FALLBACKS}")
        if estimator not in ESTIMATORS:
            raise ValueError(f"estimator(={estimator!r}) must be one of {ESTIMATORS}")
        self.order = order_list
        self.seasonal_order = seasonal_list
        self.trend = trend
        self.use_exog = use_exog
        self.uses_exog = use_exog
        self.n_jobs = check_n_jobs(n_jobs)
        self.fallback = fallback
        self.estimator = estimator

    @property
    def batched(self) -> bool:
        """Whether fits run in :mod:`forecasters.batch_arima` (``estimator: batch`` and a
        stationary model, ``d = D = 0``); integrated models always use statsmodels."""
        return self.estimator == "batch" and self.order[1] == 0 and self.seasonal_order[1] == 0

    @property
    def min_history(self) -> int:
        """Two seasons for a seasonal model (its seasonal lags need them), else 1."""
        big_p, big_d, big_q, s = self.seasonal_order
        return 2 * s if big_p or big_d or big_q else 1

    @property
    def label(self) -> str:
        p, d, q = self.order
        big_p, big_d, big_q, s = self.seasonal_order
        name = f"ARIMA({p},{d},{q})"
        if any((big_p, big_d, big_q)):
            name = f"S{name}({big_p},{big_d},{big_q})_{s}"
        return name + ("+exog" if self.use_exog else "")

    # -- contract ------------------------------------------------------------------------
    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        return self._fit(y, exog, warm=False)

    def refit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        """``estimator: batch``: re-estimate starting every SKU from its previous
        coefficients (the same optimum as a fresh fit, to the optimiser's tolerance, in a
        few iterations); ``statsmodels``: a fresh fit."""
        return self._fit(y, exog, warm=True)

    def _fit(self, y: np.ndarray, exog: np.ndarray | None, *, warm: bool) -> Self:
        y = as_history(y)
        x = check_exog(exog, y.shape[0], "exog", n_skus=y.shape[1]) if self.use_exog else None
        if not self.use_exog:
            self._ignore_exog(exog)
        main = partial(
            fit_sarimax_one,
            order=tuple(self.order),
            seasonal_order=tuple(self.seasonal_order),
            trend=self.trend,
        )
        models = _fallback_models()
        fallbacks = [(label, models[label]) for label in FALLBACK_CHAINS[self.fallback]]
        n_exog = 0 if x is None else x.shape[-1]
        if self.batched:
            fits = self._fit_batch(y, x, main, fallbacks, warm)
        else:
            fits = fit_per_sku(main, y, x, n_jobs=self.n_jobs, fallbacks=fallbacks, name=self.label)
        self._stack(fits, n_exog)
        self.n_obs_ = y.shape[0]
        return self

    def _fit_batch(
        self,
        y: np.ndarray,
        x: np.ndarray | None,
        main: FitOne,
        fallbacks: list[tuple[str, FitOne]],
        warm: bool,
    ) -> PerSkuFits:
        """All SKUs by :func:`forecasters.batch_arima.fit_arima_batch`; SKUs on which it
        fails (non-finite likelihood or state) go down statsmodels' chain."""
        p, _, q = self.order
        big_p, _, big_q, s = self.seasonal_order
        spec = ArmaSpec(p, q, big_p, big_q, max(s, 1), self.trend, 0 if x is None else x.shape[-1])
        start = getattr(self, "start_", None)
        if not warm or start is None or start.shape != (y.shape[1], spec.n_params):
            start = None
        batch = fit_arima_batch(spec, y, x, start, max_iter=12 if start is not None else 30)
        self.start_ = batch.x
        results: list[StateSpace | None] = []
        k = batch.state.shape[1]
        design = np.zeros(k)
        design[0] = 1.0
        for i in range(y.shape[1]):
            if not batch.ok[i]:
                results.append(None)
                continue
            intercept = np.zeros(k)
            intercept[0] = batch.intercept[i]
            results.append(
                StateSpace(
                    design=design,
                    transition=batch.transition[i],
                    state_cov=batch.state_cov[i],
                    state_intercept=intercept,
                    obs_var=0.0,
                    obs_intercept=0.0,
                    beta=batch.beta[:, i],
                    state=batch.state[i],
                    state_var=batch.state_var[i],
                )
            )
        failed = [i for i, r in enumerate(results) if r is None]
        model = np.zeros(y.shape[1], dtype=np.int64)
        reasons: dict[int, str] = {}
        counts: dict[str, int] = {}
        labels = (self.label, *(label for label, _ in fallbacks))
        if failed:
            cols = np.array(failed)
            sub_x = x if x is None or x.ndim == 2 else x[:, cols]
            sub = fit_per_sku(
                main, y[:, cols], sub_x, n_jobs=self.n_jobs, fallbacks=fallbacks, name=self.label
            )
            counts = dict(sub.warning_counts)
            for j, i in enumerate(failed):
                results[i] = sub.results[j]
                model[i] = sub.model[j] + 1
                reasons[i] = "batch estimate not finite" + (
                    f"; {sub.reasons[j]}" if j in sub.reasons else ""
                )
            labels = (self.label + " (batch)", self.label, *(label for label, _ in fallbacks))
        return PerSkuFits(results, model, labels, reasons, counts)

    def update(self, y_new: np.ndarray, exog_new: np.ndarray | None = None) -> None:
        """One Kalman filter step per SKU with the fitted parameters held fixed."""
        self._check_fitted()
        y = check_period(y_new, self.state_.shape[0])
        x_new = None
        if exog_new is not None:  # one period: (n_features,) shared or (n_skus, n_features)
            x_new = np.asarray(exog_new, dtype=float)
            x_new = x_new[None] if x_new.ndim == 2 else x_new.reshape(1, -1)
        d = self.obs_intercept_ + self._regression(x_new, 1, "exog_new")[0]
        z, a, p = self.design_, self.state_, self.state_var_
        v = y - np.einsum("nk,nk->n", z, a) - d
        pz = np.einsum("nij,nj->ni", p, z)
        f = np.einsum("nk,nk->n", z, pz) + self.obs_var_
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_f = np.where(f > 0, 1.0 / f, 0.0)
        a_filtered = a + pz * (v * inv_f)[:, None]
        p_filtered = p - pz[:, :, None] * pz[:, None, :] * inv_f[:, None, None]
        t = self.transition_
        self.state_ = np.einsum("nij,nj->ni", t, a_filtered) + self.state_intercept_
        self.state_var_ = np.einsum("nij,njk,nlk->nil", t, p_filtered, t) + self.state_cov_
        self.n_obs_ += 1

    def predict(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        self._check_fitted()
        h = check_horizon(h)
        d = self.obs_intercept_[None, :] + self._regression(exog_future, h, "exog_future")
        z, t, c = self.design_, self.transition_, self.state_intercept_
        n, k = z.shape
        # the state (a_{n+j}, S_{j-1}) and its covariance, S = demand summed so far
        big_t = np.zeros((n, k + 1, k + 1))
        big_t[:, :k, :k] = t
        big_t[:, k, :k] = z
        big_t[:, k, k] = 1.0
        big_w = np.zeros((n, k + 1, k + 1))
        big_w[:, :k, :k] = self.state_cov_
        cov = np.zeros((n, k + 1, k + 1))
        cov[:, :k, :k] = self.state_var_
        g = np.concatenate([z, np.ones((n, 1))], axis=1)
        a = self.state_.copy()
        mean, var, sum_var = np.empty((h, n)), np.empty((h, n)), np.empty((h, n))
        for j in range(h):
            mean[j] = np.einsum("nk,nk->n", z, a) + d[j]
            var[j] = np.einsum("nk,nkl,nl->n", z, cov[:, :k, :k], z) + self.obs_var_
            sum_var[j] = np.einsum("nk,nkl,nl->n", g, cov, g) + (j + 1) * self.obs_var_
            a = np.einsum("nij,nj->ni", t, a) + c
            cov = np.einsum("nij,njk,nlk->nil", big_t, cov, big_t) + big_w
        std = np.sqrt(np.maximum(var, 0.0))
        sum_std = np.sqrt(np.maximum(sum_var, 0.0))
        return Forecast(time=float(self.n_obs_ - 1), mean=mean, std=std, sum_std=sum_std)

    # -- helpers -------------------------------------------------------------------------
    def _stack(self, fits: PerSkuFits, n_exog: int) -> None:
        models: list[StateSpace] = fits.results
        n = len(models)
        k = max(m.design.size for m in models)
        self.fits_ = fits
        self.model_ = fits.model
        self.design_ = np.zeros((n, k))
        self.transition_ = np.zeros((n, k, k))
        self.state_cov_ = np.zeros((n, k, k))
        self.state_intercept_ = np.zeros((n, k))
        self.state_ = np.zeros((n, k))
        self.state_var_ = np.zeros((n, k, k))
        self.obs_var_ = np.array([m.obs_var for m in models], dtype=float)
        self.obs_intercept_ = np.array([m.obs_intercept for m in models], dtype=float)
        self.beta_ = np.zeros((n_exog, n))
        for i, m in enumerate(models):
            s = m.design.size
            self.design_[i, :s] = m.design
            self.transition_[i, :s, :s] = m.transition
            self.state_cov_[i, :s, :s] = m.state_cov
            self.state_intercept_[i, :s] = m.state_intercept
            self.state_[i, :s] = m.state
            self.state_var_[i, :s, :s] = m.state_var
            if n_exog:
                self.beta_[:, i] = m.beta

    def _regression(self, exog: np.ndarray | None, rows: int, name: str) -> np.ndarray:
        """``x_t' beta`` per SKU, ``(rows, n)``; zeros for a model without regressors."""
        n_exog, n = self.beta_.shape
        if n_exog == 0:
            self._ignore_exog(exog)
            return np.zeros((rows, n))
        if exog is None:
            raise ValueError(f"{name} is required: the model was fitted with {n_exog} regressors")
        x = check_exog(exog, rows, name, n_skus=n)
        if x.shape[-1] != n_exog:
            raise ValueError(f"{name} has {x.shape[-1]} columns, the fit had {n_exog}")
        if x.ndim == 3:  # per-SKU regressors times per-SKU coefficients
            return np.einsum("rnf,fn->rn", x, self.beta_)
        return x @ self.beta_

    def _check_fitted(self) -> None:
        if not hasattr(self, "state_"):
            raise RuntimeError(f"{type(self).__name__}: call fit before predict or update")


# -- per-SKU fits (run in worker processes) -----------------------------------------------
def fit_sarimax_one(
    y: np.ndarray,
    exog: np.ndarray | None,
    *,
    order: tuple[int, ...],
    seasonal_order: tuple[int, ...],
    trend: Trend,
) -> StateSpace:
    """Fit one SKU with ``SARIMAX`` and keep its state-space form and final state."""
    res = SARIMAX(y, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend).fit(
        disp=False
    )
    fr = res.filter_results
    model = res.model
    k_exog = model.k_exog if exog is not None else 0
    beta = np.asarray(res.params[model.k_trend : model.k_trend + k_exog], dtype=float)
    selection = fr.selection[:, :, -1]
    return StateSpace(
        design=np.array(fr.design[0, :, -1], dtype=float),
        transition=np.array(fr.transition[:, :, -1], dtype=float),
        state_cov=selection @ fr.state_cov[:, :, -1] @ selection.T,
        state_intercept=np.array(fr.state_intercept[:, -1], dtype=float),
        obs_var=float(fr.obs_cov[0, 0, -1]),
        obs_intercept=0.0 if k_exog else float(fr.obs_intercept[0, -1]),
        beta=beta,
        state=np.array(res.predicted_state[:, -1], dtype=float),
        state_var=np.array(res.predicted_state_cov[:, :, -1], dtype=float),
    )


def fit_mean_one(y: np.ndarray, exog: np.ndarray | None = None) -> StateSpace:
    """The last resort: white noise around the mean of the history, no regressors."""
    var = float(np.var(y, ddof=1)) if y.size > 1 else 0.0
    n_exog = 0 if exog is None else exog.shape[1]
    return StateSpace(
        design=np.ones(1),
        transition=np.zeros((1, 1)),
        state_cov=np.full((1, 1), var),
        state_intercept=np.zeros(1),
        obs_var=0.0,
        obs_intercept=float(np.mean(y)),
        beta=np.zeros(n_exog),
        state=np.zeros(1),
        state_var=np.full((1, 1), var),
    )


def _fallback_models() -> dict[str, FitOne]:
    """The fallback models by label (built at each fit, from the module's functions)."""
    simple = partial(fit_sarimax_one, order=(0, 1, 1), seasonal_order=(0, 0, 0, 0), trend="n")
    return {"ARIMA(0,1,1)": simple, "mean": fit_mean_one}


def _int_list(v: Any) -> list[int] | None:
    try:
        items = list(v)
    except TypeError:
        return None
    if not all(is_int(i) for i in items):
        return None
    return [int(i) for i in items]
