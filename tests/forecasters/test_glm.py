"""The Poisson / negative-binomial GLM (forecasters/glm.py): statsmodels' GLM, regressors
shared and per SKU, the fallback to the mean, and the fitted rows (``window``,
``from_first_sale``)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from forecasters.base import Forecaster, check_forecaster
from forecasters.glm import GLMRegression, calendar_features, first_fitted_row
from tests.forecasters.helpers import (
    promoted_demand,
    warning_records,
    weekly_counts,
    weekly_demand,
)

pytestmark = pytest.mark.usefixtures("quiet_statsmodels")


@pytest.mark.parametrize(
    "forecaster",
    [
        GLMRegression(),
        GLMRegression(family="negative_binomial"),
    ],
    ids=repr,
)
def test_passes_check_forecaster(forecaster: Forecaster):
    check_forecaster(forecaster)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"family": "gamma"}, "family"),
        ({"alpha": -1.0, "family": "negative_binomial"}, "alpha"),
        ({"alpha": 0.5}, "alpha"),
        ({"fourier_terms": -1}, "fourier_terms"),
        ({"start_period": 1.5}, "start_period"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"{key}\(="):
        GLMRegression(**kwargs)


def test_glm_sku_without_demand_falls_back_to_its_mean(caplog):
    y = weekly_demand(120, levels=(5.0, 20.0))
    y = np.column_stack([y, np.zeros(120)])
    caplog.set_level(logging.WARNING)
    fc = GLMRegression().fit(y).predict(7)
    assert len(warning_records(caplog)) == 1
    assert np.all(fc.mean[:, 2] == 0.0) and np.all(fc.mean[:, :2] > 0)


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


def test_glm_per_sku_regressors_equal_one_fit_per_sku():
    """Each SKU is fitted on its own columns: the same as fitting it alone with its 2-D
    regressors."""
    n, h = 120, 6
    y, x = promoted_demand(n, h)
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
