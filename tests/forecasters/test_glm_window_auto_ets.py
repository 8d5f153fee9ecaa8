"""The GLM's fitted rows (``window``, ``from_first_sale``) and ETS's automatic model
selection by AICc (``selection="aicc"``): agreement with fits on the cut history and with
statsmodels, the chosen models, and mixed models updated and forecast in one pass."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecasters.ets import CANDIDATES, ETS, _fit_ets, ets_aicc, fit_ets_aicc_one, model_name
from forecasters.glm import GLMRegression, first_fitted_row


@pytest.fixture(autouse=True)
def _quiet_statsmodels():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def weekly_counts(n_periods: int, levels, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)[:, None]
    lam = np.asarray(levels, dtype=float)[None, :] * (1 + 0.4 * np.sin(2 * np.pi * t / 7))
    return rng.poisson(lam).astype(float)


def _launched(n_periods: int = 260, seed: int = 4):
    """Three SKUs: one sold from row 0, one launched at row 75, one never sold; a per-SKU
    promotion flag that lifts demand."""
    rng = np.random.default_rng(seed)
    promo = (rng.uniform(size=(n_periods + 7, 3)) < 0.2).astype(float)
    y = weekly_counts(n_periods, (6.0, 15.0, 1.0), seed) * np.exp(0.5 * promo[:n_periods])
    y = np.round(y)
    y[0, 0] = max(y[0, 0], 1.0)
    y[:75, 1] = 0.0
    y[:, 2] = 0.0
    return y, promo[:, :, None]


# -- GLM: which rows are fitted ---------------------------------------------------------
def test_first_fitted_row_is_the_later_of_window_and_first_sale():
    y = np.array([0.0, 0.0, 0.0, 2.0, 0.0, 1.0, 3.0, 0.0])
    assert first_fitted_row(y, window=None, from_first_sale=False) == 0
    assert first_fitted_row(y, window=None, from_first_sale=True) == 3
    assert first_fitted_row(y, window=3, from_first_sale=True) == 5
    assert first_fitted_row(y, window=6, from_first_sale=True) == 3
    assert first_fitted_row(y, window=20, from_first_sale=False) == 0
    assert first_fitted_row(np.zeros(5), window=None, from_first_sale=True) == 0
    assert first_fitted_row(np.zeros(5), window=2, from_first_sale=True) == 3


@pytest.mark.parametrize("shape", ["shared", "per_sku"])
@pytest.mark.parametrize("window", [None, 120])
def test_glm_cut_rows_equal_a_fit_on_the_cut_history_with_the_calendar_aligned(shape, window):
    """Each SKU fitted on its rows from max(first sale, n - window) equals a GLM fitted on
    that SKU's cut history alone with start_period moved by the cut: the weekday dummies, the
    trend and the regressors keep their absolute periods, through update and predict."""
    n, h = 240, 7
    y, promo = _launched(n + 3)
    x = promo if shape == "per_sku" else promo[:, 0, :]
    kwargs = {"fourier_terms": 1, "trend": True, "start_period": 5}
    f = GLMRegression(window=window, from_first_sale=True, **kwargs).fit(y[:n], x[:n])
    for t in range(n, n + 3):
        f.update(y[t], x[t])
    fc = f.predict(h, x[n + 3 : n + 3 + h])
    assert f.is_mean_.tolist() == [False, False, True]
    for j in range(2):
        first = first_fitted_row(y[:n, j], window=window, from_first_sale=True)
        assert first == (75 if window is None and j == 1 else 0 if window is None else n - 120)
        xj = x[:, j] if shape == "per_sku" else x
        alone = GLMRegression(**{**kwargs, "start_period": 5 + first})
        alone.fit(y[first:n, j : j + 1], xj[first:n])
        for t in range(n, n + 3):
            alone.update(y[t, j : j + 1], xj[t])
        ref = alone.predict(h, xj[n + 3 : n + 3 + h])
        np.testing.assert_allclose(fc.mean[:, j], ref.mean[:, 0], rtol=1e-9)
        np.testing.assert_allclose(fc.sum_std[:, j], ref.sum_std[:, 0], rtol=1e-9)
        assert fc.time == ref.time == 5 + n + 3 - 1
    # the SKU that never sold keeps today's fallback: the mean, 0
    assert np.all(fc.mean[:, 2] == 0.0)


def test_glm_from_first_sale_forecasts_a_late_launch_at_its_level():
    """Zeros before a launch drag a fit on all rows far below the level sold since."""
    y, _ = _launched(260)
    kwargs = {"fourier_terms": 0, "trend": True}
    cut = GLMRegression(from_first_sale=True, **kwargs).fit(y[:, :2]).predict(14).mean[:, 1]
    whole = GLMRegression(**kwargs).fit(y[:, :2]).predict(14).mean[:, 1]
    sold = y[75:, 1].mean()
    assert abs(cut.mean() / sold - 1) < 0.1
    assert abs(whole.mean() / sold - 1) > 0.2


def test_glm_new_options_at_their_defaults_change_nothing():
    """Without leading zeros and without a window every SKU keeps every row: bit for bit the
    forecasts of the GLM without the options, from_first_sale on or off."""
    y = weekly_counts(150, (4.0, 9.0, 30.0), seed=2) + 1.0
    base = GLMRegression().fit(y).predict(10)
    for ffs in (False, True):
        fc = GLMRegression(window=None, from_first_sale=ffs).fit(y).predict(10)
        assert np.array_equal(fc.mean, base.mean) and np.array_equal(fc.sum_std, base.sum_std)


def test_glm_window_shorter_than_the_regressors_falls_back_to_the_mean_of_the_window(caplog):
    y = weekly_counts(100, (5.0, 20.0), seed=6)
    caplog.set_level(logging.WARNING)
    f = GLMRegression(window=5).fit(y)
    assert f.is_mean_.all()
    np.testing.assert_allclose(f.predict(3).mean, np.tile(y[-5:].mean(axis=0), (3, 1)))


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"window": 0}, r"forecaster\.window\(=0\)"),
        ({"window": 2.5}, r"forecaster\.window\(=2\.5\)"),
        ({"window": True}, r"forecaster\.window\(=True\)"),
        ({"from_first_sale": "yes"}, r"forecaster\.from_first_sale\(='yes'\)"),
    ],
)
def test_glm_bad_window_or_first_sale_is_named(kwargs, text):
    with pytest.raises(ValueError, match=text):
        GLMRegression(**kwargs)


# -- ETS: automatic selection by AICc -----------------------------------------------------
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
