"""Tests of the batch estimators (``estimator: batch``): ETS and SARIMA(X) maximum
likelihood for all SKUs at once in numpy (:mod:`forecasters.batch_ets`,
:mod:`forecasters.batch_arima`, :mod:`forecasters.batch_lm`), their warm-started re-fits,
and the progress of long per-SKU fits (:mod:`forecasters.parallel`)."""

from __future__ import annotations

import io
import time
import warnings

import numpy as np
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

import forecasters.parallel as parallel
from forecasters.arima import ARIMA
from forecasters.base import check_forecaster
from forecasters.batch_arima import ArmaSpec, constrain_stationary, fit_arima_batch
from forecasters.batch_ets import EtsSpec, fit_ets_batch
from forecasters.batch_lm import levenberg_marquardt
from forecasters.ets import ETS


@pytest.fixture(autouse=True)
def _quiet_statsmodels():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def weekly_demand(n_periods: int = 120, levels=(5.0, 20.0, 50.0), seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)[:, None]
    lam = np.asarray(levels)[None, :] * (1 + 0.3 * np.sin(2 * np.pi * t / 7))
    return rng.poisson(lam).astype(float)


def promotion_data(n: int, n_skus: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    promo = (rng.uniform(size=(n, n_skus)) < 0.1).astype(float)
    t = np.arange(n)[:, None]
    lam = np.linspace(4, 30, n_skus)[None, :] * (1 + 0.3 * np.sin(2 * np.pi * t / 7))
    return rng.poisson(lam * (1 + promo)).astype(float), promo[:, :, None]


def _sarimax_params(spec: ArmaSpec, fit, j: int, use_exog: bool) -> np.ndarray:
    """statsmodels' parameter vector ``[c, beta, ar, ma, (sar, sma), sigma2]`` of SKU j."""
    ar, ma, sar, sma = spec.split(fit.x[j])
    coef = list(constrain_stationary(ar[None])[0]) + list(-constrain_stationary(-ma[None])[0])
    if spec.big_p:
        coef += list(constrain_stationary(sar[None])[0]) + list(
            -constrain_stationary(-sma[None])[0]
        )
    beta = [fit.beta[0, j]] if use_exog else []
    return np.array([fit.intercept[j], *beta, *coef, fit.sigma2[j]])


# -- ARIMA -------------------------------------------------------------------------------
@pytest.mark.parametrize("seasonal", [(0, 0, 0, 0), (1, 0, 1, 7)], ids=["ARMA", "SARMA"])
@pytest.mark.parametrize("use_exog", [False, True], ids=["plain", "exog"])
def test_batch_arima_likelihood_and_state_equal_statsmodels_filter(seasonal, use_exog):
    # Durbin & Koopman (2012), Ch. 4: at the batch estimate, statsmodels' own Kalman filter
    # gives the same log-likelihood, a_{n+1|n} and P_{n+1|n}; and the estimate is at least
    # as likely as statsmodels' own fit where that lies in the batch's box (|PACF| <= 0.99)
    y, promo = promotion_data(130, 4)
    spec = ArmaSpec(1, 1, seasonal[0], seasonal[2], max(seasonal[3], 1), "c", int(use_exog))
    fit = fit_arima_batch(spec, y, promo if use_exog else None)
    assert fit.ok.all()
    for j in range(y.shape[1]):
        model = SARIMAX(
            y[:, j],
            exog=promo[:, j] if use_exog else None,
            order=(1, 0, 1),
            seasonal_order=seasonal,
            trend="c",
        )
        res = model.filter(_sarimax_params(spec, fit, j, use_exog))
        np.testing.assert_allclose(res.llf, fit.loglike[j], rtol=0, atol=1e-6)
        np.testing.assert_allclose(res.predicted_state[:, -1], fit.state[j], rtol=0, atol=1e-7)
        np.testing.assert_allclose(
            res.predicted_state_cov[:, :, -1], fit.state_var[j], rtol=0, atol=1e-7
        )
        ref = model.fit(disp=False)
        arma = ref.params[1 + int(use_exog) : -1]  # order-1 polynomials: coefficient = PACF
        if np.all(np.abs(arma) <= 0.99):  # the batch keeps |PACF| <= 0.99 (BOUND)
            assert fit.loglike[j] >= ref.llf - 1e-3  # to the optimiser's tolerance


def test_batch_arima_update_equals_statsmodels_append_with_fixed_parameters():
    # the cheap update between re-fits: the state after update() with the batch estimate
    # held fixed equals statsmodels' filtered state of the longer series (append, refit=False)
    y, promo = promotion_data(120, 3)
    f = ARIMA(use_exog=True, estimator="batch").fit(y[:-5], promo[:-5])
    spec = ArmaSpec(1, 1, 0, 0, 1, "c", 1)
    params = [
        _sarimax_params(spec, fit_arima_batch(spec, y[:-5], promo[:-5]), j, True) for j in range(3)
    ]
    for t in range(len(y) - 5, len(y)):
        f.update(y[t], promo[t])
    for j in range(3):
        model = SARIMAX(y[:-5, j], exog=promo[:-5, j], order=(1, 0, 1), trend="c")
        longer = model.filter(params[j]).append(y[-5:, j], exog=promo[-5:, j], refit=False)
        np.testing.assert_allclose(f.state_[j], longer.predicted_state[:, -1], rtol=0, atol=1e-9)
        np.testing.assert_allclose(
            f.state_var_[j], longer.predicted_state_cov[:, :, -1], rtol=0, atol=1e-9
        )


def test_batch_arima_refit_is_warm_and_as_good_as_a_fresh_fit():
    y, promo = promotion_data(160, 6)
    f = ARIMA(use_exog=True, estimator="batch").fit(y[:130], promo[:130])
    for t in range(130, 160):
        f.update(y[t], promo[t])
    previous = f.start_.copy()
    f.refit(y, promo)
    spec = ArmaSpec(1, 1, 0, 0, 1, "c", 1)
    fresh = fit_arima_batch(spec, y, promo)
    warm = fit_arima_batch(spec, y, promo, start=previous, max_iter=12)
    assert np.all(warm.loglike >= fresh.loglike - 0.05)
    np.testing.assert_allclose(f.state_, warm.state, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs", [{}, {"use_exog": True}, {"seasonal_order": [1, 0, 1, 7], "use_exog": True}]
)
def test_batch_arima_passes_check(kwargs):
    check_forecaster(ARIMA(estimator="batch", **kwargs))


def test_batch_arima_integrated_model_uses_statsmodels():
    y = weekly_demand(80)
    a = ARIMA(order=[0, 1, 1], trend="n", estimator="batch")
    assert not a.batched
    b = ARIMA(order=[0, 1, 1], trend="n")
    np.testing.assert_array_equal(a.fit(y).predict(3).mean, b.fit(y).predict(3).mean)


def test_batch_arima_is_deterministic():
    y, promo = promotion_data(120, 5)
    a = ARIMA(use_exog=True, estimator="batch").fit(y, promo).predict(4, promo[:4])
    b = ARIMA(use_exog=True, estimator="batch").fit(y, promo).predict(4, promo[:4])
    for name in ("mean", "std", "sum_std"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


# -- ETS ---------------------------------------------------------------------------------
CASES = {
    "ANN": (False, False, False),
    "AAN": (True, False, False),
    "AAdN": (True, True, False),
    "ANA": (False, False, True),
    "AAA": (True, False, True),
    "AAdA": (True, True, True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_batch_ets_is_at_least_as_likely_as_statsmodels(name):
    # the same objective (the sum of squared one-step errors, Hyndman et al. 2008) over the
    # same bounds; profiling out the initial states finds statsmodels' optimum or a better
    y = weekly_demand(120, levels=(3.0, 12.0, 40.0))
    trend, damped, seasonal = CASES[name]
    fit = fit_ets_batch(EtsSpec(trend, damped, seasonal, 7), y)
    assert fit.ok.all()
    for j in range(y.shape[1]):
        res = ETSModel(
            y[:, j],
            trend="add" if trend else None,
            damped_trend=damped,
            seasonal="add" if seasonal else None,
            seasonal_periods=7 if seasonal else None,
        ).fit(disp=False)
        assert fit.sse[j] <= res.sse * (1 + 1e-6)  # to the optimiser's tolerance


@pytest.mark.parametrize("name", ["ANN", "AAdA"])
def test_batch_ets_states_equal_statsmodels_smoothing_at_the_estimate(name):
    # at the batch estimate (smoothing parameters and initial states), statsmodels' own
    # filter on the series and then on 10 more periods gives the same forecasts as the
    # batch fit followed by 10 updates with the parameters held fixed
    y = weekly_demand(130)
    trend, damped, seasonal = CASES[name]
    kwargs = {
        "trend": "add" if trend else None,
        "damped_trend": damped,
        "seasonal": "add" if seasonal else None,
    }
    f = ETS(estimator="batch", **kwargs).fit(y[:-10])
    before = f.predict(9).mean
    for row in y[-10:]:
        f.update(row)
    after = f.predict(9).mean
    for j in range(y.shape[1]):
        model = ETSModel(y[:-10, j], seasonal_periods=7 if seasonal else None, **kwargs)
        free = _ets_params_from_fit(f, model, y[:-10, j], j, CASES[name])
        np.testing.assert_allclose(model.smooth(free).forecast(9), before[:, j], atol=1e-8)
        longer = ETSModel(y[:, j], seasonal_periods=7 if seasonal else None, **kwargs)
        np.testing.assert_allclose(longer.smooth(free).forecast(9), after[:, j], atol=1e-8)


def _ets_params_from_fit(f, model, y, j, case):
    """statsmodels' parameter vector of SKU j: the smoothing parameters of the batch fit
    and the initial states re-derived by least squares (what the batch fit profiles)."""
    trend, damped, seasonal = case
    spec = EtsSpec(trend, damped, seasonal, 7)
    from forecasters.batch_ets import _profile, parameters, smooth_columns

    x = [f.alpha_[j]]
    if trend:
        x.append(f.beta_[j] / f.alpha_[j])
    if seasonal:
        x.append(f.gamma_[j] / (1 - f.alpha_[j]))
    if damped:
        x.append(f.phi_[j])
    errors, *_ = smooth_columns(spec, parameters(spec, np.array(x)[None, None]), y[:, None])
    init = _profile(errors)[0][0, 0]
    params = [f.alpha_[j]] + ([f.beta_[j]] if trend else []) + ([f.gamma_[j]] if seasonal else [])
    params += [f.phi_[j]] if damped else []
    params.append(init[0])  # initial level
    at = 1
    if trend:
        params.append(init[at])
        at += 1
    if seasonal:  # initial_seasonal.i: i + 1 periods before the first; the last is 0
        ring = np.concatenate([[0.0], init[at:]])  # slot s: the season of period s
        params += [ring[7 - 1 - i] for i in range(7)]
    return np.array(params)


def test_batch_ets_selection_picks_the_least_aicc_and_passes_check():
    y = weekly_demand(140, levels=(4.0, 30.0))
    f = ETS(selection="aicc", estimator="batch").fit(y)
    assert set(f.selected_) <= {
        "ETS(A,N,N)",
        "ETS(A,A,N)",
        "ETS(A,Ad,N)",
        "ETS(A,N,A)",
        "ETS(A,A,A)",
        "ETS(A,Ad,A)",
    }
    check_forecaster(ETS(selection="aicc", estimator="batch"))
    check_forecaster(ETS(estimator="batch", trend="add", damped_trend=True, seasonal="add"))


def test_batch_ets_refit_starts_from_the_previous_estimate():
    y = weekly_demand(150, levels=np.linspace(3, 40, 8))
    f = ETS(estimator="batch", seasonal="add").fit(y[:120])
    for row in y[120:]:
        f.update(row)
    f.refit(y)
    fresh = ETS(estimator="batch", seasonal="add").fit(y)
    np.testing.assert_allclose(f.sigma2_, fresh.sigma2_, rtol=1e-4)
    np.testing.assert_allclose(f.predict(7).mean, fresh.predict(7).mean, atol=1e-2)


def test_multiplicative_ets_keeps_statsmodels():
    assert not ETS(error="mul", estimator="batch").batched
    assert ETS(estimator="batch").batched


# -- the optimiser -------------------------------------------------------------------------
def test_levenberg_marquardt_solves_many_problems_at_once_within_bounds():
    # exponential decay fits y = a exp(-b t) per SKU; the third is held at its bound
    t = np.linspace(0, 3, 30)
    truth = np.array([[2.0, 0.5], [5.0, 1.5], [1.0, 3.0]])
    y = truth[:, :1] * np.exp(-truth[:, 1:] * t[None, :])

    def residuals(x, skus):
        return x[..., :1] * np.exp(-x[..., 1:] * t) - y[skus]

    x, cost, _ = levenberg_marquardt(
        residuals, np.ones((3, 2)), lower=np.array([0.0, 0.0]), upper=np.array([10.0, 2.0])
    )
    np.testing.assert_allclose(x[:2], truth[:2], rtol=1e-5)
    assert x[2, 1] == 2.0 and cost[2] > 0


# -- progress ------------------------------------------------------------------------------
def _slow(col, exog):
    time.sleep(0.01)
    return np.array([col.sum()])


def test_long_fits_print_one_plain_line_per_tenth_when_stderr_is_not_a_terminal(
    monkeypatch, capsys
):
    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0.0)
    parallel.fit_per_sku(_slow, np.ones((3, 20)), name="slow model")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("slow model: fitted 2/20 series (")
    assert lines[-1].startswith("slow model: fitted 20/20 series (")
    assert all(line.endswith(" s)") for line in lines)


def test_short_fits_print_nothing(capsys):
    parallel.fit_per_sku(_slow, np.ones((3, 3)), name="quick")
    assert capsys.readouterr().err == ""


def test_long_fits_show_a_bar_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0.0)
    parallel.fit_per_sku(_slow, np.ones((3, 5)), name="bar")
    text = err.getvalue()
    assert "bar:" in text and "SKU" in text and "fitted" not in text
