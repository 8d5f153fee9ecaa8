"""Tests of the statsmodels forecasters (ETS, ARIMA/SARIMAX, GLM) and of the per-SKU
fitting engine: the contract, agreement with statsmodels fitted directly, the predictive
spread against closed forms, fallbacks, parallel = serial, and the cheap update."""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

import forecasters.arima as arima_module
from forecasters.arima import ARIMA
from forecasters.base import Forecaster, check_forecaster
from forecasters.ets import ETS
from forecasters.glm import GLMRegression, calendar_features
from forecasters.parallel import fit_per_sku
from sim.forecasting import ForecastSettings

#: ``forecaster.*`` keys that the simulation reads, not the model (as experiments/run.py).
HARNESS_KEYS = tuple(f.name for f in dataclasses.fields(ForecastSettings))

CONF = Path(__file__).resolve().parents[2] / "conf" / "forecaster"
YAMLS = ["ets", "auto_ets", "arima", "sarima", "sarimax", "glm", "glm_sales"]


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


def series(y: np.ndarray) -> pd.Series:
    # statsmodels 0.15's ETS get_prediction needs a pandas index
    return pd.Series(y, index=pd.RangeIndex(len(y)))


# -- the contract --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "forecaster",
    [
        ETS(),
        ETS(trend="add", damped_trend=True, seasonal="add"),
        ETS(error="mul", seasonal="mul", n_paths=50),
        ARIMA(),
        ARIMA(order=[0, 1, 1], trend="n", fallback="mean"),
        GLMRegression(),
        GLMRegression(family="negative_binomial"),
    ],
    ids=repr,
)
def test_forecaster_passes_check(forecaster: Forecaster):
    check_forecaster(forecaster)


def load_model_yaml(name: str):
    """A forecaster YAML without the keys the simulation reads (``forecaster.exog``)."""
    cfg = OmegaConf.load(CONF / f"{name}.yaml")
    for key in HARNESS_KEYS:
        cfg.pop(key, None)
    return cfg


@pytest.mark.parametrize("name", YAMLS)
def test_yaml_instantiates_and_passes_check(name):
    cfg = load_model_yaml(name)
    forecaster = instantiate(cfg)
    assert isinstance(forecaster, Forecaster)
    keys = [k for k in cfg if k != "_target_"]
    assert tuple(keys) == forecaster.param_names
    assert "refit_every" not in cfg
    assert forecaster.parameters() == {k: OmegaConf.to_container(cfg)[k] for k in keys}
    check_forecaster(forecaster)


def test_uses_exog_reflects_the_parameter():
    assert not ARIMA().uses_exog
    assert ARIMA(use_exog=True).uses_exog
    assert instantiate(load_model_yaml("sarimax")).uses_exog
    assert GLMRegression.uses_exog and not ETS.uses_exog


@pytest.mark.parametrize(
    "cls, kwargs, key",
    [
        (ETS, {"error": "multiplicative"}, "error"),
        (ETS, {"trend": "mul"}, "trend"),
        (ETS, {"damped_trend": True}, "damped_trend"),
        (ETS, {"seasonal_periods": 1}, "seasonal_periods"),
        (ETS, {"fallback": "naive"}, "fallback"),
        (ETS, {"n_jobs": 0}, "n_jobs"),
        (ETS, {"n_paths": 1}, "n_paths"),
        (ARIMA, {"order": [1, 0]}, "order"),
        (ARIMA, {"seasonal_order": [1, 0, 1, 1]}, "seasonal_order"),
        (ARIMA, {"trend": "ct"}, "trend"),
        (ARIMA, {"use_exog": "yes"}, "use_exog"),
        (ARIMA, {"fallback": "ses"}, "fallback"),
        (GLMRegression, {"family": "gamma"}, "family"),
        (GLMRegression, {"alpha": -1.0, "family": "negative_binomial"}, "alpha"),
        (GLMRegression, {"alpha": 0.5}, "alpha"),
        (GLMRegression, {"fourier_terms": -1}, "fourier_terms"),
        (GLMRegression, {"start_period": 1.5}, "start_period"),
    ],
)
def test_bad_parameters_are_named(cls, kwargs, key):
    with pytest.raises(ValueError, match=rf"{key}\(="):
        cls(**kwargs)


# -- ETS -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"seasonal": "add"}, {"trend": "add", "damped_trend": True, "seasonal": "add"}],
    ids=["ANN", "ANA", "AAdA"],
)
def test_ets_equals_statsmodels_ets_model(kwargs):
    y = weekly_demand()
    fc = ETS(**kwargs).fit(y).predict(10)
    for j in range(y.shape[1]):
        sm_kwargs = dict(kwargs, seasonal_periods=7 if "seasonal" in kwargs else None)
        res = ETSModel(series(y[:, j]), **sm_kwargs).fit(disp=False)
        frame = res.get_prediction(start=len(y), end=len(y) + 9).summary_frame()
        np.testing.assert_allclose(fc.mean[:, j], frame["mean"], rtol=0, atol=1e-8)
        std = np.sqrt(np.asarray(res.get_prediction(start=len(y), end=len(y) + 9).var_pred_mean))
        np.testing.assert_allclose(fc.std[:, j], std, rtol=1e-8)


def test_ets_lead_time_variance_of_simple_smoothing_hyndman_2008():
    # ETS(A,N,N): Var(y_{n+1} + ... + y_{n+j}) = sigma^2 sum_{i<j} (1 + i alpha)^2
    # (Hyndman et al. 2008, Ch. 6, lead-time demand of class 1 models)
    f = ETS().fit(weekly_demand())
    fc = f.predict(12)
    i = np.arange(12)[:, None]
    expected = np.sqrt(f.sigma2_[None, :] * np.cumsum((1 + i * f.alpha_[None, :]) ** 2, axis=0))
    np.testing.assert_allclose(fc.sum_std, expected, rtol=1e-12)
    assert fc.paths is None


def test_ets_multiplicative_spread_matches_statsmodels_simulation():
    y = weekly_demand(levels=(20.0, 50.0)) + 1.0
    fc = ETS(seasonal="mul", n_paths=4000).fit(y).predict(8)
    assert fc.paths.shape == (4000, 8, 2)
    for j in range(2):
        res = ETSModel(y[:, j], seasonal="mul", seasonal_periods=7).fit(disp=False)
        np.testing.assert_allclose(fc.mean[:, j], res.forecast(8), rtol=0, atol=1e-8)
        sim = res.simulate(8, anchor="end", repetitions=4000, rng=np.random.default_rng(7))
        np.testing.assert_allclose(fc.std[:, j], sim.std(axis=1, ddof=1), rtol=0.06)
        np.testing.assert_allclose(
            fc.sum_std[-1, j], np.cumsum(sim, axis=0)[-1].std(ddof=1), rtol=0.06
        )


def test_ets_paths_are_seeded():
    y = weekly_demand() + 1.0
    a = ETS(error="mul", n_paths=30).fit(y).predict(5).paths
    b = ETS(error="mul", n_paths=30).fit(y).predict(5).paths
    c = ETS(error="mul", n_paths=30, seed=1).fit(y).predict(5).paths
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_ets_update_equals_the_fixed_parameter_filter_on_the_longer_series():
    y = weekly_demand(130)
    kwargs = {"trend": "add", "damped_trend": True, "seasonal": "add"}
    f = ETS(**kwargs).fit(y[:-10])
    for row in y[-10:]:
        f.update(row)
    fc = f.predict(9)
    assert fc.time == len(y) - 1
    for j in range(y.shape[1]):
        short = ETSModel(y[:-10, j], seasonal_periods=7, **kwargs).fit(disp=False)
        longer = ETSModel(y[:, j], seasonal_periods=7, **kwargs).smooth(short.params)
        np.testing.assert_allclose(fc.mean[:, j], longer.forecast(9), rtol=0, atol=1e-8)


def test_ets_update_is_much_cheaper_than_a_fit():
    y = weekly_demand(120, levels=np.linspace(3, 30, 20))
    f = ETS(seasonal="add")
    t0 = time.perf_counter()
    f.fit(y)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(10):
        f.update(y[-1])
    assert (time.perf_counter() - t0) / 10 < fit_seconds / 50


# -- fallbacks and the engine -------------------------------------------------------------
def _warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING]


def test_ets_sku_that_cannot_be_fitted_falls_back_to_ses_with_one_warning(caplog):
    y = weekly_demand(levels=(5.0, 20.0, 50.0, 40.0)) + 1.0
    y[30, 2] = 0.0  # a multiplicative model needs demand > 0
    caplog.set_level(logging.WARNING)
    f = ETS(seasonal="mul", n_paths=20).fit(y)
    assert f.model_.tolist() == [0, 0, 1, 0]
    records = _warnings(caplog)
    assert len(records) == 1
    assert "SKU 2" in records[0].getMessage() and "SES" in records[0].getMessage()
    fc = f.predict(5)
    ses = ETSModel(y[:, 2]).fit(disp=False)
    np.testing.assert_allclose(fc.mean[:, 2], ses.forecast(5), rtol=0, atol=1e-8)
    assert np.all(np.isfinite(fc.mean))


def test_arima_failing_skus_fall_back_with_one_warning(monkeypatch, caplog):
    real = arima_module.fit_sarimax_one

    def flaky(y, exog, *, order, seasonal_order, trend):
        if order != (0, 1, 1) and np.all(y == 3.0):
            raise np.linalg.LinAlgError("deliberate failure")
        return real(y, exog, order=order, seasonal_order=seasonal_order, trend=trend)

    monkeypatch.setattr(arima_module, "fit_sarimax_one", flaky)
    y = weekly_demand(80, levels=(5.0, 20.0, 8.0, 12.0))
    y[:, 1] = 3.0
    y[:, 3] = 3.0
    caplog.set_level(logging.WARNING)
    f = ARIMA().fit(y)
    assert f.model_.tolist() == [0, 1, 0, 1]
    records = _warnings(caplog)
    assert len(records) == 1
    message = records[0].getMessage()
    assert "2 of 4 SKUs" in message and "SKU 1, 3" in message and "deliberate failure" in message
    fc = f.predict(4)
    np.testing.assert_allclose(fc.mean[:, 1], 3.0, atol=1e-6)
    assert np.all(np.isfinite(fc.sum_std))


def test_glm_sku_without_demand_falls_back_to_its_mean(caplog):
    y = weekly_demand(120, levels=(5.0, 20.0))
    y = np.column_stack([y, np.zeros(120)])
    caplog.set_level(logging.WARNING)
    fc = GLMRegression().fit(y).predict(7)
    assert len(_warnings(caplog)) == 1
    assert np.all(fc.mean[:, 2] == 0.0) and np.all(fc.mean[:, :2] > 0)


def test_engine_falls_back_on_non_finite_results_and_never_on_the_last_resort():
    y = np.arange(12.0).reshape(4, 3)

    def main(col, exog):
        return np.array([np.nan]) if col[0] == 1.0 else np.array([col.sum()])

    def last(col, exog):
        return np.array([-1.0])

    fits = fit_per_sku(main, y, fallbacks=[("last", last)], name="main")
    assert fits.model.tolist() == [0, 1, 0]
    assert "non-finite" in fits.reasons[1]
    with pytest.raises(RuntimeError, match="SKU 0"):
        fit_per_sku(lambda c, e: 1 / 0, y[:, :1], fallbacks=[("also", lambda c, e: [][0])])


def _blas_threads(col, exog):
    from threadpoolctl import threadpool_info

    return np.array([max(pool["num_threads"] for pool in threadpool_info())])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fits_run_with_one_blas_thread(n_jobs):
    import forecasters.ets  # noqa: F401 -- loads statsmodels' BLAS, as a forecaster does

    fits = fit_per_sku(_blas_threads, np.ones((3, 4)), n_jobs=n_jobs)
    assert [int(r[0]) for r in fits.results] == [1, 1, 1, 1]


def test_two_workers_give_the_same_forecasts_as_one():
    y = weekly_demand(100, levels=np.linspace(2, 40, 10)) + 1.0
    y[5, 3] = 0.0  # one SKU falls back, in a worker too
    serial = ETS(seasonal="mul", n_paths=20).fit(y)
    parallel = ETS(seasonal="mul", n_paths=20, n_jobs=2).fit(y)
    assert np.array_equal(serial.model_, parallel.model_)
    a, b = serial.predict(7), parallel.predict(7)
    for name in ("mean", "std", "sum_std", "paths"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


# -- ARIMA ---------------------------------------------------------------------------------
def test_arima_equals_statsmodels_sarimax_and_append():
    y = weekly_demand(110, levels=(5.0, 30.0))
    f = ARIMA(seasonal_order=[1, 0, 1, 7]).fit(y[:-3])
    fc = f.predict(6)
    for row in y[-3:]:
        f.update(row)
    fc_updated = f.predict(6)
    for j in range(2):
        res = SARIMAX(y[:-3, j], order=(1, 0, 1), seasonal_order=(1, 0, 1, 7), trend="c").fit(
            disp=False
        )
        ref = res.get_forecast(6)
        np.testing.assert_allclose(fc.mean[:, j], ref.predicted_mean, rtol=0, atol=1e-8)
        np.testing.assert_allclose(fc.std[:, j], ref.se_mean, rtol=1e-8)
        appended = res.append(y[-3:, j], refit=False).get_forecast(6)
        np.testing.assert_allclose(fc_updated.mean[:, j], appended.predicted_mean, atol=1e-8)
        np.testing.assert_allclose(fc_updated.std[:, j], appended.se_mean, rtol=1e-8)


def test_arima_sum_std_equals_psi_weights_box_jenkins():
    # stationary ARMA(1,1) at steady state: Var(sum of j periods) = sigma^2 sum_{i<j} Psi_i^2,
    # Psi_i = psi_0 + ... + psi_i (Box et al. 2015, Ch. 5; statsmodels arma2ma)
    y = weekly_demand(200, levels=(10.0,))
    fc = ARIMA().fit(y).predict(15)
    res = SARIMAX(y[:, 0], order=(1, 0, 1), trend="c").fit(disp=False)
    ar, ma, sigma2 = res.params[1], res.params[2], res.params[3]
    psi = arma2ma(np.r_[1, -ar], np.r_[1, ma], lags=15)
    expected = np.sqrt(sigma2 * np.cumsum(np.cumsum(psi) ** 2))
    np.testing.assert_allclose(fc.sum_std[:, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(fc.sum_std[0], fc.std[0])


def test_arima_with_exog_uses_the_exog():
    rng = np.random.default_rng(3)
    n, h = 100, 5
    promo = (rng.uniform(size=n + h) < 0.2).astype(float)
    y = rng.poisson(np.column_stack([5 + 10 * promo[:n], 20 + 5 * promo[:n]])).astype(float)
    f = ARIMA(use_exog=True).fit(y, promo[:n, None])
    none = f.predict(h, np.zeros((h, 1)))
    all_promo = f.predict(h, np.ones((h, 1)))
    assert np.all(all_promo.mean - none.mean > 2.0)
    res = SARIMAX(y[:, 0], exog=promo[:n], order=(1, 0, 1), trend="c").fit(disp=False)
    future = promo[n:, None]
    np.testing.assert_allclose(
        f.predict(h, future).mean[:, 0], res.get_forecast(h, exog=future).predicted_mean, atol=1e-8
    )
    f.update(y[-1], promo[n - 1 : n])
    with pytest.raises(ValueError, match="exog_future"):
        f.predict(h)
    # fitted without exog, the same forecaster needs none
    assert ARIMA(use_exog=True).fit(y).predict(h).mean.shape == (h, 2)


# -- GLM -----------------------------------------------------------------------------------
def test_glm_equals_statsmodels_and_counts_periods():
    y = weekly_demand(150, levels=(6.0, 25.0))
    f = GLMRegression(family="negative_binomial", alpha=0.05, start_period=3).fit(y[:-4])
    for row in y[-4:]:
        f.update(row)
    fc = f.predict(7)
    assert fc.time == 3 + len(y) - 1
    x = calendar_features(3 + np.arange(len(y) + 7))
    for j in range(2):
        res = GLM(y[:-4, j], x[:-11], family=families.NegativeBinomial(alpha=0.05)).fit()
        mu = res.predict(x[-7:])
        np.testing.assert_allclose(fc.mean[:, j], mu, rtol=1e-6)
        np.testing.assert_allclose(fc.std[:, j], np.sqrt(mu + 0.05 * mu**2), rtol=1e-6)
        np.testing.assert_allclose(
            fc.sum_std[:, j], np.sqrt(np.cumsum(mu + 0.05 * mu**2)), rtol=1e-6
        )


def test_glm_uses_exogenous_columns():
    rng = np.random.default_rng(5)
    promo = (rng.uniform(size=130) < 0.3).astype(float)[:, None]
    y = rng.poisson(4 * np.exp(0.8 * promo[:120]) * np.ones((1, 3))).astype(float)
    f = GLMRegression(weekly=False, fourier_terms=0, trend=False).fit(y, promo[:120])
    lift = f.predict(10, np.ones((10, 1))).mean / f.predict(10, np.zeros((10, 1))).mean
    np.testing.assert_allclose(lift, np.exp(0.8), rtol=0.3)


# -- per-SKU exogenous regressors (n_periods, n_skus, n_features) ----------------------------
def _promotion_data(n: int, h: int, n_skus: int = 3, seed: int = 8):
    """Demand lifted by each SKU's own promotion plan, and the plan as per-SKU regressors."""
    rng = np.random.default_rng(seed)
    promo = (rng.uniform(size=(n + h, n_skus)) < 0.2).astype(float)
    levels = np.array([4.0, 12.0, 30.0])[:n_skus]
    y = rng.poisson(levels * np.exp(0.7 * promo[:n])).astype(float)
    return y, promo[:, :, None]


def test_glm_per_sku_regressors_equal_one_fit_per_sku():
    """Each SKU is fitted on its own columns: the same as fitting it alone with its 2-D
    regressors."""
    n, h = 120, 6
    y, x = _promotion_data(n, h)
    together = GLMRegression(fourier_terms=0, trend=False).fit(y, x[:n])
    fc = together.predict(h, x[n:])
    for j in range(y.shape[1]):
        alone = GLMRegression(fourier_terms=0, trend=False).fit(y[:, j : j + 1], x[:n, j])
        ref = alone.predict(h, x[n:, j])
        np.testing.assert_allclose(fc.mean[:, j], ref.mean[:, 0], rtol=1e-10)
        np.testing.assert_allclose(fc.sum_std[:, j], ref.sum_std[:, 0], rtol=1e-10)
    lift = together.coef_[-1]
    np.testing.assert_allclose(lift, 0.7, atol=0.2)
    with pytest.raises(ValueError, match=r"exog_future must have shape \(6, n_features\) or"):
        together.predict(h, x[n : n + 5])


def test_arima_per_sku_regressors_equal_statsmodels_sarimax():
    n, h = 100, 5
    y, x = _promotion_data(n, h, n_skus=2)
    f = ARIMA(use_exog=True).fit(y[:-1], x[: n - 1])
    f.update(y[-1], x[n - 1])
    fc = f.predict(h, x[n:])
    for j in range(2):
        res = SARIMAX(y[:-1, j], exog=x[: n - 1, j], order=(1, 0, 1), trend="c").fit(disp=False)
        ref = res.append(y[-1:, j], exog=x[n - 1 : n, j], refit=False).get_forecast(
            h, exog=x[n:, j]
        )
        np.testing.assert_allclose(fc.mean[:, j], ref.predicted_mean, atol=1e-8)
        np.testing.assert_allclose(fc.std[:, j], ref.se_mean, rtol=1e-8)


def test_per_sku_regressors_reach_the_right_sku_in_worker_processes():
    n = 80
    y, x = _promotion_data(n, 0, n_skus=3)
    y = np.tile(y, (1, 3))
    x = np.tile(x, (1, 3, 1))
    serial = GLMRegression(fourier_terms=0, trend=False).fit(y, x)
    parallel = GLMRegression(fourier_terms=0, trend=False, n_jobs=2).fit(y, x)
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)
    np.testing.assert_allclose(serial.coef_[:, :3], serial.coef_[:, 3:6], rtol=1e-12)
