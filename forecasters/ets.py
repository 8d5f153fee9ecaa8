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

Automatic model selection (``selection="aicc"``): per SKU, every additive-error model of
{no trend, additive trend, damped additive trend} x {no season, additive season of
``seasonal_periods``} -- ANN, AAN, AAdN, ANA, AAA, AAdA -- is fitted by maximum likelihood
and the one with the smallest AICc kept (Hyndman, Koehler, Snyder & Grose 2002, "A state
space framework for automatic forecasting using exponential smoothing methods", *IJF*
18(3); Hyndman & Khandakar 2008, "Automatic time series forecasting: the forecast package
for R", *J. Stat. Software* 27(3), ``ets``):
``AICc = -2 log L + 2k + 2k(k+1)/(n-k-1)``, with the concentrated Gaussian likelihood
``log L = -n/2 (log(2 pi sigma^2) + 1)``, ``sigma^2`` the mean squared one-step residual,
and ``k`` the estimated parameters counted as statsmodels does: smoothing parameters, ``phi``,
the initial states (level, slope, all ``m`` seasons) and ``sigma^2`` (equal to
``ETSResults.aicc``, tested). A candidate with ``n - k - 1 <= 0`` or whose fit fails is
skipped. The keys ``error``, ``trend``, ``damped_trend`` and ``seasonal`` must then stay at
their defaults (the selection sets them). All six models are linear, and a missing
component is one whose parameter and state are zero (``beta = 0``, slope 0, ``phi = 1``;
``gamma = 0``, seasons 0): the smoothing step, the mean path and the class-1 variance
formulas leave such a component at zero exactly, so ``update`` and ``predict`` run all SKUs
in one vectorised pass, each with its own model -- the same arithmetic, per SKU, as a run of
that model alone (tested). ``selected_`` names each SKU's model. A SKU on which every
candidate fails gets the mean (SES is a candidate, so ``fallback`` adds nothing).

Estimators (``estimator``): ``statsmodels`` (the class default) fits one ``ETSModel`` per
SKU as above; ``batch`` (the YAMLs' choice) fits the linear models (additive error, no or
additive season: all six candidates of the selection) by :mod:`forecasters.batch_ets`:
the same likelihood over the same bounds, maximised for all SKUs at once in numpy with
the initial states profiled out by least squares (its optimum is statsmodels' or a better
one, tested), and ``refit`` starting each SKU from its previous estimate. Multiplicative
models keep statsmodels (their likelihood is not a sum of squares, and they are rarely
used on demand with zeros). SKUs on which the batch fit gives non-finite numbers go down
the statsmodels chain (``model_`` 1 = statsmodels' own fit, 2 = SES, ...). In
``python -m experiments.bench_forecasters --driven-only --old`` (ETS(A,N,N), 100 SKUs, 15
fits, 393 updates and forecasts): 0.6 s against 5.8 s with statsmodels.

Minimum history: statsmodels needs about ``2 * seasonal_periods`` periods for a seasonal
model and a few for SES; shorter histories end in the fallbacks, not in an error.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar, Literal, Self

import numpy as np

# statsmodels at import time, not inside the fit: its BLAS (scipy's OpenBLAS) must be
# loaded before the engine limits the thread pools to one thread.
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecasters.base import Forecast, Forecaster, as_history
from forecasters.batch_ets import EtsSpec, fit_ets_batch
from forecasters.parallel import (
    ESTIMATORS,
    Estimator,
    FitOne,
    PerSkuFits,
    check_horizon,
    check_n_jobs,
    check_period,
    fit_per_sku,
    is_int,
)

__all__ = [
    "CANDIDATES",
    "ETS",
    "ets_aicc",
    "ets_linear_std",
    "ets_mean_path",
    "ets_simulate",
    "ets_smooth_step",
    "model_name",
]

#: How a component enters the model, statsmodels' names: added or multiplied.
Form = Literal["add", "mul"]
#: One model fitted as configured, or every candidate and the least AICc per SKU.
Selection = Literal["none", "aicc"]
#: What a SKU whose fit fails falls back to: SES, then the mean; or the mean.
Fallback = Literal["ses", "mean"]
ERRORS: tuple[Form, ...] = ("add", "mul")
TRENDS: tuple[Literal["add"] | None, ...] = (None, "add")
SEASONALS: tuple[Form | None, ...] = (None, "add", "mul")
FALLBACKS: tuple[Fallback, ...] = ("ses", "mean")
SELECTIONS: tuple[Selection, ...] = ("none", "aicc")
#: The models ``selection="aicc"`` chooses from: ``(trend, damped_trend, seasonal)``, all
#: with additive errors (Hyndman et al. 2002).
CANDIDATES: tuple[tuple[Form | None, bool, Form | None], ...] = (
    (None, False, None),
    ("add", False, None),
    ("add", True, None),
    (None, False, "add"),
    ("add", False, "add"),
    ("add", True, "add"),
)

# Layout of the per-SKU parameter vector handed back by the workers. _MODEL: the index in
# CANDIDATES of the model selection="aicc" chose, -1 for the configured model or a fallback.
_ALPHA, _BETA, _GAMMA, _PHI, _SIGMA2, _MULERR, _LEVEL, _SLOPE, _MODEL, _SEASON = range(10)


class ETS(Forecaster):
    """ETS(error, trend, season) fitted per SKU with statsmodels' ``ETSModel``."""

    param_names: ClassVar[tuple[str, ...]] = (
        "selection",
        "error",
        "trend",
        "damped_trend",
        "seasonal",
        "seasonal_periods",
        "n_jobs",
        "fallback",
        "n_paths",
        "seed",
        "estimator",
    )

    def __init__(
        self,
        *,
        selection: Selection = "none",
        error: Form = "add",
        trend: Literal["add"] | None = None,
        damped_trend: bool = False,
        seasonal: Form | None = None,
        seasonal_periods: int = 7,
        n_jobs: int = 1,
        fallback: Fallback = "ses",
        n_paths: int = 200,
        seed: int = 0,
        estimator: Estimator = "statsmodels",
    ):
        if selection not in SELECTIONS:
            raise ValueError(f"selection(={selection!r}) must be one of {SELECTIONS}")
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
        if estimator not in ESTIMATORS:
            raise ValueError(f"estimator(={estimator!r}) must be one of {ESTIMATORS}")
        if selection == "aicc":
            for key, value, default in (
                ("error", error, "add"),
                ("trend", trend, None),
                ("damped_trend", damped_trend, False),
                ("seasonal", seasonal, None),
            ):
                if value != default:
                    raise ValueError(
                        f"{key}(={value!r}) must stay at its default ({default!r}) with "
                        "selection='aicc': the selection chooses error, trend and season per SKU"
                    )
        self.selection = selection
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.seasonal_periods = int(seasonal_periods)
        self.n_jobs = check_n_jobs(n_jobs)
        self.fallback = fallback
        self.n_paths = int(n_paths)
        self.seed = int(seed)
        self.estimator = estimator
        # Linear models fit each SKU on its own (statsmodels one SKU at a time; the batch
        # estimator with a stopping rule per SKU) and forecast by formulas per SKU; the
        # sample paths of the non-linear ones are drawn for all SKUs from one generator,
        # so a SKU's paths depend on how many SKUs are drawn with it.
        self.columns_independent = self.linear

    # -- model description ---------------------------------------------------------------
    @property
    def label(self) -> str:
        """Hyndman et al.'s name of the model, e.g. ``ETS(A,Ad,M)``; ``ETS(AICc)`` for the
        selection."""
        if self.selects:
            return "ETS(AICc)"
        return model_name(self.error, self.trend, self.damped_trend, self.seasonal)

    @property
    def selects(self) -> bool:
        """Whether the model is chosen per SKU by AICc (``selection: aicc``)."""
        return self.selection == "aicc"

    @property
    def mul_season(self) -> bool:
        """Whether the season multiplies the level (``seasonal: mul``)."""
        return self.seasonal == "mul"

    @property
    def linear(self) -> bool:
        """Whether the exact (class 1) variance formulas apply (all candidates of the
        selection are linear)."""
        return self.error == "add" and not self.mul_season

    @property
    def _m(self) -> int:
        seasonal = self.seasonal is not None or self.selects
        return self.seasonal_periods if seasonal else 1

    @property
    def _neutral_season(self) -> float:
        return 1.0 if self.mul_season else 0.0

    def _chain(self) -> tuple[FitOne, list[tuple[str, FitOne]]]:
        """The main per-SKU fit and its fallbacks, as ``selection`` chooses."""
        chains = {"none": self._configured_chain, "aicc": self._selection_chain}
        return chains[self.selection]()

    def _selection_chain(self) -> tuple[FitOne, list[tuple[str, FitOne]]]:
        """Every candidate, the least AICc kept; the mean where none fits."""
        m, neutral = self._m, self._neutral_season
        main = partial(fit_ets_aicc_one, seasonal_periods=m)
        return main, [("mean", partial(fit_mean_one, width=m, neutral=neutral))]

    def _configured_chain(self) -> tuple[FitOne, list[tuple[str, FitOne]]]:
        """The configured model, then SES (``fallback: ses``, unless the model is SES), then
        the mean."""
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
        fallbacks: list[tuple[str, FitOne]] = []
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
    @property
    def min_history(self) -> int:
        """Two seasons for a seasonal model (statsmodels' initial seasons need them), else 1
        (``selection: aicc`` drops the seasonal candidates on short histories)."""
        return 2 * self.seasonal_periods if self.seasonal is not None else 1

    @property
    def batched(self) -> bool:
        """Whether fits run in :mod:`forecasters.batch_ets` (``estimator: batch`` and a
        linear model); multiplicative models always use statsmodels."""
        return self.estimator == "batch" and self.linear

    def fit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        return self._fit(y, exog, warm=False)

    def refit(self, y: np.ndarray, exog: np.ndarray | None = None) -> Self:
        """``estimator: batch``: re-estimate starting every SKU from its previous
        parameters (the same optimum as a fresh fit, to the optimiser's tolerance, in a few
        iterations); ``statsmodels``: a fresh fit."""
        return self._fit(y, exog, warm=True)

    def _fit(self, y: np.ndarray, exog: np.ndarray | None, *, warm: bool) -> Self:
        self._ignore_exog(exog)
        y = as_history(y)
        main, fallbacks = self._chain()
        if self.batched:
            fits = self._fit_batch(y, main, fallbacks, warm)
        else:
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
        self.selected_ = self._selected_names(fits, theta[:, _MODEL])
        self.n_obs_ = y.shape[0]
        return self

    def _fit_batch(
        self,
        y: np.ndarray,
        main: FitOne,
        fallbacks: list[tuple[str, FitOne]],
        warm: bool,
    ) -> PerSkuFits:
        """Every SKU by :func:`forecasters.batch_ets.fit_ets_batch` (each candidate of the
        selection in turn, the least AICc kept); SKUs on which it fails go down the
        statsmodels chain. ``start_``: per candidate, the parameters a re-fit starts from."""
        n_skus = y.shape[1]
        m = self._m
        if self.selects:
            candidates = list(enumerate(CANDIDATES))
        else:
            candidates = [(-1, (self.trend, self.damped_trend, self.seasonal))]
        starts = getattr(self, "start_", None) if warm else None
        new_starts: dict[int, np.ndarray] = {}
        theta = np.zeros((n_skus, _SEASON + m))
        best = np.full(n_skus, np.inf)
        for code, (trend, damped, seasonal) in candidates:
            spec = EtsSpec(trend is not None, damped, seasonal is not None, self.seasonal_periods)
            if spec.seasonal and y.shape[0] < 2 * spec.m:
                continue  # statsmodels' initial seasons need two seasons, as fit_ets_aicc_one
            start = None if starts is None else starts.get(code)
            if start is not None and start.shape != (n_skus, len(spec.names)):
                start = None
            fit = fit_ets_batch(spec, y, start, max_iter=12 if start is not None else 30)
            new_starts[code] = fit.x
            if self.selects:
                score = np.where(fit.ok & np.isfinite(fit.aicc), fit.aicc, np.inf)
            else:
                score = np.where(fit.ok, 0.0, np.inf)
            take = score < best
            best = np.where(take, score, best)
            rows = np.zeros((n_skus, _SEASON + m))
            rows[:, _ALPHA], rows[:, _BETA], rows[:, _GAMMA] = fit.alpha, fit.beta, fit.gamma
            rows[:, _PHI], rows[:, _SIGMA2] = fit.phi, fit.sigma2
            rows[:, _LEVEL], rows[:, _SLOPE], rows[:, _MODEL] = fit.level, fit.slope, code
            width = fit.season.shape[1] if spec.seasonal else 0
            rows[:, _SEASON : _SEASON + width] = fit.season
            theta[take] = rows[take]
        self.start_ = new_starts
        failed = np.flatnonzero(~np.isfinite(best))
        model = np.zeros(n_skus, dtype=np.int64)
        results = list(theta)
        labels = (self.label, *(label for label, _ in fallbacks))
        reasons: dict[int, str] = {}
        counts: dict[str, int] = {}
        if failed.size:
            sub = fit_per_sku(
                main, y[:, failed], n_jobs=self.n_jobs, fallbacks=fallbacks, name=self.label
            )
            counts = dict(sub.warning_counts)
            labels = (self.label + " (batch)", self.label, *(label for label, _ in fallbacks))
            for j, i in enumerate(failed):
                results[i] = sub.results[j]
                model[i] = sub.model[j] + 1
                reasons[int(i)] = "batch estimate not finite" + (
                    f"; {sub.reasons[j]}" if j in sub.reasons else ""
                )
        return PerSkuFits(results, model, labels, reasons, counts)

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
            mul_season=self.mul_season,
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
        mul_season = self.mul_season
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

    def _selected_names(self, fits: PerSkuFits, chosen: np.ndarray) -> np.ndarray:
        """Per SKU, the name of the model that forecasts it: the configured one, the one
        the selection chose, ``ETS(A,N,N)`` (the SES fallback) or ``mean``."""
        fallback_names = {"mean": "mean", "SES": model_name("add", None, False, None)}
        names = []
        for level, code in zip(fits.model.tolist(), chosen.tolist(), strict=True):
            if fits.labels[level] in fallback_names:
                names.append(fallback_names[fits.labels[level]])
            elif code >= 0:
                names.append(model_name("add", *CANDIDATES[int(code)]))
            else:
                names.append(self.label)
        return np.array(names)


def model_name(error: Form, trend: Form | None, damped_trend: bool, seasonal: Form | None) -> str:
    """Hyndman et al.'s (2008) name of an ETS model, e.g. ``ETS(A,Ad,M)``."""
    t = "N" if trend is None else "Ad" if damped_trend else "A"
    s = {None: "N", "add": "A", "mul": "M"}[seasonal]
    return f"ETS({error[0].upper()},{t},{s})"


def ets_aicc(loglike: float, n_obs: int, n_params: int) -> float:
    """AICc ``-2 log L + 2k + 2k(k+1)/(n-k-1)`` of a fit with ``k`` estimated parameters on
    ``n`` observations (Hurvich & Tsai 1989; Hyndman et al. 2002); ``inf`` when
    ``n - k - 1 <= 0``."""
    dof = n_obs - n_params - 1
    if dof <= 0:
        return np.inf
    return -2.0 * loglike + 2.0 * n_params + 2.0 * n_params * (n_params + 1) / dof


# -- per-SKU fits (run in worker processes) -----------------------------------------------
def fit_ets_one(
    y: np.ndarray,
    exog: np.ndarray | None = None,
    *,
    error: Form,
    trend: Form | None,
    damped_trend: bool,
    seasonal: Form | None,
    seasonal_periods: int,
    width: int,
    neutral: float,
) -> np.ndarray:
    """Fit one SKU with ``ETSModel``; return the parameter vector of the stacked layout:
    ``alpha, beta, gamma, phi, sigma^2, mul_error, level, slope, model, season[0..width-1]``
    (``season[j]`` is the seasonal state ``j`` periods before the last one; ``model`` -1)."""
    del exog
    out, _ = _fit_ets(y, error, trend, damped_trend, seasonal, seasonal_periods, width, neutral)
    return out


def fit_ets_aicc_one(
    y: np.ndarray, exog: np.ndarray | None = None, *, seasonal_periods: int
) -> np.ndarray:
    """Fit every model of :data:`CANDIDATES` to one SKU and return the vector of the one
    with the smallest AICc (``model`` = its index); candidates that fail or have too few
    observations are skipped, and a ValueError says that none was left."""
    del exog
    best, best_aicc, failures = None, np.inf, []
    for code, (trend, damped_trend, seasonal) in enumerate(CANDIDATES):
        try:
            out, aicc = _fit_ets(
                y, "add", trend, damped_trend, seasonal, seasonal_periods, seasonal_periods, 0.0
            )
        except Exception as exc:  # noqa: BLE001 -- one failing candidate leaves the others
            failures.append(f"{model_name('add', trend, damped_trend, seasonal)}: {exc}")
            continue
        if np.isfinite(aicc) and np.all(np.isfinite(out)) and aicc < best_aicc:
            best, best_aicc = out, aicc
            best[_MODEL] = code
    if best is None:
        raise ValueError(f"no candidate model could be fitted ({'; '.join(failures)})")
    return best


def _fit_ets(
    y: np.ndarray,
    error: Form,
    trend: Form | None,
    damped_trend: bool,
    seasonal: Form | None,
    seasonal_periods: int,
    width: int,
    neutral: float,
) -> tuple[np.ndarray, float]:
    """One ``ETSModel`` fit: the stacked parameter vector and the fit's AICc."""
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
    out[_MODEL] = -1.0
    if seasonal is not None:
        m = seasonal_periods
        # initial_seasonal.i is the season i+1 periods before the first observation
        initial = [named[f"initial_seasonal.{i}"] for i in reversed(range(m))]
        chronological = np.concatenate([initial, states[:, -1]])
        out[_SEASON:] = chronological[::-1][:m]
    # the concentrated Gaussian log-likelihood of statsmodels' ETSModel.loglike, and its
    # parameter count: k_params (smoothing, phi, initial states) + sigma^2
    n = y.size
    loglike = -0.5 * n * (np.log(2.0 * np.pi * out[_SIGMA2]) + 1.0)
    if error == "mul":
        loglike -= np.sum(np.log(np.abs(np.where(yhat == 0, 1e-32, yhat))))
    return out, ets_aicc(loglike, n, model.k_params + 1)


def fit_mean_one(
    y: np.ndarray, exog: np.ndarray | None = None, *, width: int, neutral: float
) -> np.ndarray:
    """The last resort: the mean of the history with its sample variance, no smoothing."""
    del exog
    out = np.full(_SEASON + width, neutral)
    out[_ALPHA] = out[_BETA] = out[_GAMMA] = out[_SLOPE] = out[_MULERR] = 0.0
    out[_PHI] = 1.0
    out[_MODEL] = -1.0
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
            eta: float | np.ndarray = 1.0
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
