"""ETS per SKU (forecasters/ets.py): statsmodels' ETSModel fitted directly, the lead-time
variance of class-1 models, simulated spreads of non-linear models, the cheap update,
the SES fallback, and automatic model selection by AICc (``selection="aicc"``)."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecasters.base import Forecaster, check_forecaster
from forecasters.ets import CANDIDATES, ETS, _fit_ets, ets_aicc, fit_ets_aicc_one, model_name
from tests.forecasters.helpers import (
    warning_records,
    weekly_counts,
    weekly_demand,
)

pytestmark = pytest.mark.usefixtures("quiet_statsmodels")


def series(y: np.ndarray) -> pd.Series:
    # statsmodels 0.15's ETS get_prediction needs a pandas index
    return pd.Series(y, index=pd.RangeIndex(len(y)))


@pytest.mark.parametrize(
    "forecaster",
    [
        ETS(),
        ETS(trend="add", damped_trend=True, seasonal="add"),
        ETS(error="mul", seasonal="mul", n_paths=50),
    ],
    ids=repr,
)
def test_passes_check_forecaster(forecaster: Forecaster):
    check_forecaster(forecaster)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"error": "multiplicative"}, "error"),
        ({"trend": "mul"}, "trend"),
        ({"damped_trend": True}, "damped_trend"),
        ({"seasonal_periods": 1}, "seasonal_periods"),
        ({"fallback": "naive"}, "fallback"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_paths": 1}, "n_paths"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"{key}\(="):
        ETS(**kwargs)


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


def test_ets_sku_that_cannot_be_fitted_falls_back_to_ses_with_one_warning(caplog):
    y = weekly_demand(levels=(5.0, 20.0, 50.0, 40.0)) + 1.0
    y[30, 2] = 0.0  # a multiplicative model needs demand > 0
    caplog.set_level(logging.WARNING)
    f = ETS(seasonal="mul", n_paths=20).fit(y)
    assert f.model_.tolist() == [0, 0, 1, 0]
    records = warning_records(caplog)
    assert len(records) == 1
    assert "SKU 2" in records[0].getMessage() and "SES" in records[0].getMessage()
    fc = f.predict(5)
    ses = ETSModel(y[:, 2]).fit(disp=False)
    np.testing.assert_allclose(fc.mean[:, 2], ses.forecast(5), rtol=0, atol=1e-8)
    assert np.all(np.isfinite(fc.mean))


def _mixed_series(n: int = 160, seed: int = 7) -> np.ndarray:
    """A strong weekly season, white noise around a level, a trend, and a season on a trend."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = 12.0 * np.sin(2 * np.pi * t / 7) + 6.0 * (t % 7 == 5)
    return np.column_stack(
        [
            60 + season + rng.normal(0, 2, n),
            40 + rng.normal(0, 3, n),
            20 + 0.5 * t + np.cumsum(rng.normal(0, 0.3, n)) + rng.normal(0, 1, n),
            30 + 0.3 * t + season + rng.normal(0, 1.5, n),
        ]
    )


@pytest.mark.parametrize("code", range(len(CANDIDATES)))
def test_aicc_of_each_candidate_equals_statsmodels_aicc(code):
    """AICc = -2 log L + 2k + 2k(k+1)/(n-k-1), k counted as statsmodels counts it (smoothing
    parameters, phi, every initial state, sigma^2): the same number as ETSResults.aicc."""
    y = _mixed_series()[:, 3]
    trend, damped, seasonal = CANDIDATES[code]
    kwargs = {"trend": trend, "damped_trend": damped, "seasonal": seasonal}
    res = ETSModel(y, seasonal_periods=7 if seasonal else None, **kwargs).fit(disp=False)
    k = res.df_model
    assert k == res.model.k_params + 1
    np.testing.assert_allclose(ets_aicc(res.llf, y.size, k), res.aicc, rtol=1e-12)
    _, aicc = _fit_ets(y, "add", trend, damped, seasonal, 7, 7, 0.0)
    np.testing.assert_allclose(aicc, res.aicc, rtol=1e-9)


def test_aicc_is_infinite_without_degrees_of_freedom():
    assert ets_aicc(-10.0, 5, 4) == np.inf
    assert np.isfinite(ets_aicc(-10.0, 6, 4))


def test_selection_picks_a_season_on_a_weekly_series_and_nothing_on_white_noise():
    y = _mixed_series()
    f = ETS(selection="aicc").fit(y[:, :2])
    assert f.selected_[0] in {"ETS(A,N,A)", "ETS(A,A,A)", "ETS(A,Ad,A)"}
    assert f.selected_[1] == "ETS(A,N,N)"


def test_selection_keeps_the_candidate_of_least_aicc_refitted_directly():
    y = _mixed_series()
    f = ETS(selection="aicc").fit(y)
    for j in range(y.shape[1]):
        aiccs = [
            ETSModel(
                y[:, j],
                trend=trend,
                damped_trend=damped,
                seasonal=seasonal,
                seasonal_periods=7 if seasonal else None,
            )
            .fit(disp=False)
            .aicc
            for trend, damped, seasonal in CANDIDATES
        ]
        assert f.selected_[j] == model_name("add", *CANDIDATES[int(np.argmin(aiccs))])


def _alone(name: str) -> ETS:
    """The single-model ETS of a name such as ``ETS(A,Ad,A)``."""
    _, t, s = name[4:-1].split(",")
    return ETS(
        trend=None if t == "N" else "add",
        damped_trend=t == "Ad",
        seasonal=None if s == "N" else "add",
    )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_mixed_models_update_and_predict_as_each_model_alone(n_jobs):
    """One vectorised pass over SKUs with different models gives, per SKU, the forecasts
    of that SKU's model fitted, updated and forecast alone."""
    y = _mixed_series(170)
    f = ETS(selection="aicc", n_jobs=n_jobs).fit(y[:-6])
    assert len(set(f.selected_)) >= 3, f.selected_
    for row in y[-6:]:
        f.update(row)
    fc = f.predict(10)
    assert fc.paths is None
    for j, name in enumerate(f.selected_):
        alone = _alone(name).fit(y[:-6, j : j + 1])
        for row in y[-6:]:
            alone.update(row[j : j + 1])
        ref = alone.predict(10)
        for field in ("mean", "std", "sum_std"):
            np.testing.assert_allclose(
                getattr(fc, field)[:, j], getattr(ref, field)[:, 0], rtol=1e-12, atol=1e-12
            )


def test_selection_falls_back_to_the_mean_when_no_candidate_fits(caplog):
    """Four periods leave no degrees of freedom for any candidate."""
    y = np.array([[3.0, 5.0], [4.0, 6.0], [2.0, 9.0], [5.0, 4.0]])
    with pytest.raises(ValueError, match="no candidate"):
        fit_ets_aicc_one(y[:, 0], seasonal_periods=7)
    caplog.set_level(logging.WARNING)
    f = ETS(selection="aicc").fit(y)
    assert f.selected_.tolist() == ["mean", "mean"]
    np.testing.assert_allclose(f.predict(3).mean, np.tile(y.mean(axis=0), (3, 1)))


def test_selection_none_names_the_configured_model_and_its_fallbacks():
    y = weekly_counts(100, (5.0, 20.0, 8.0), seed=3) + 1.0
    y[30, 2] = 0.0  # a multiplicative season needs demand > 0: SES
    f = ETS(selection="none", seasonal="mul", n_paths=20).fit(y)
    assert f.selected_.tolist() == ["ETS(A,N,M)", "ETS(A,N,M)", "ETS(A,N,N)"]
    g = ETS(seasonal="mul", n_paths=20).fit(y)
    assert np.array_equal(f.predict(5).mean, g.predict(5).mean)


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"error": "mul"}, "error"),
        ({"trend": "add"}, "trend"),
        ({"seasonal": "add"}, "seasonal"),
    ],
)
def test_selection_refuses_model_keys(kwargs, key):
    with pytest.raises(ValueError, match=rf"{key}\(=.*selection='aicc'"):
        ETS(selection="aicc", **kwargs)
    with pytest.raises(ValueError, match=r"selection\(='auto'\)"):
        ETS(selection="auto")
