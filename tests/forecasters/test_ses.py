"""Simple exponential smoothing (forecasters/ses.py): statsmodels agreement, the ETS(A,N,N)
spread, its accuracy and coverage on an ETS(A,N,N) process, the in-place grid update and
the incremental re-fit."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import SimpleExpSmoothing

from forecasters.ses import SES
from forecasters.smoothing import predictive_std, smoothing_psi
from tests.forecasters.helpers import (
    ets_ann,
    seasonal_demand,
)


def test_ses_grid_state_update_in_place_equals_the_smoothing_recursion():
    """SES advances every grid point in place; the numbers are those of ``smooth`` (the
    recursion of a full fit) to the last bit, and the chosen state is its grid point's."""
    y = np.random.default_rng(9).poisson(8.0, (150, 6)).astype(float)
    model = SES().fit(y[:100])
    for row in y[100:]:
        model.update(row)
        model.refit(y[: model.n_seen_])
    fresh = SES().fit(y)
    np.testing.assert_array_equal(model.grid_state_.level, fresh.grid_state_.level)
    np.testing.assert_array_equal(model.grid_state_.sse, fresh.grid_state_.sse)
    np.testing.assert_array_equal(model.alpha_, fresh.alpha_)
    a, b = model.predict(4), fresh.predict(4)
    for name in ("mean", "std", "sum_std"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    psi = smoothing_psi(4, fresh.alpha_)
    std, sum_std = predictive_std(psi, fresh.sigma_)
    np.testing.assert_array_equal(b.std, std)
    np.testing.assert_array_equal(b.sum_std, sum_std)


def test_ses_agrees_with_statsmodels_simple_exp_smoothing():
    y = seasonal_demand()
    model = SES(alpha=0.3).fit(y)
    fitted, fc = model.fitted_values(), model.predict(10).mean
    for i in range(y.shape[1]):
        res = SimpleExpSmoothing(
            y[:, i], initialization_method="known", initial_level=model.initial_state_.level[i]
        ).fit(smoothing_level=0.3, optimized=False)
        np.testing.assert_allclose(fitted[:, i], res.fittedvalues, rtol=0, atol=1e-8)
        np.testing.assert_allclose(fc[:, i], res.forecast(10), rtol=0, atol=1e-8)


def test_ses_std_matches_ets_ann_closed_form():
    # Hyndman et al. (2008), Table 6.1: Var_h = sigma^2 (1 + (h - 1) alpha^2) for ETS(A,N,N).
    y = ets_ann(np.random.default_rng(2), 200, 5, 0.3, 1.0)
    model = SES(alpha=0.4).fit(y)
    fc = model.predict(6)
    h = np.arange(1, 7)[:, None]
    np.testing.assert_allclose(fc.std, model.sigma_ * np.sqrt(1 + (h - 1) * 0.16), rtol=1e-12)
    # Sum of k periods: sigma^2 sum_{j=1..k} (1 + (k - j) alpha)^2, by brute force.
    brute = [sum((1 + (k - j) * 0.4) ** 2 for j in range(1, k + 1)) for k in range(1, 7)]
    expected = model.sigma_ * np.sqrt(np.array(brute))[:, None]
    np.testing.assert_allclose(fc.sum_std, expected, rtol=1e-12)


def test_ses_one_step_rmse_within_5_percent_of_true_sigma_on_ets_ann():
    alpha, sigma = 0.3, 2.0
    y = ets_ann(np.random.default_rng(11), 2000, 40, alpha, sigma)
    model = SES().fit(y[:1000])
    errors = []
    for t in range(1000, 2000):
        errors.append(y[t] - model.predict(1).mean[0])
        model.update(y[t])
    rmse = np.sqrt(np.mean(np.square(errors)))
    assert abs(rmse / sigma - 1) < 0.05, rmse
    assert abs(np.median(model.alpha_) - alpha) <= 0.05


Z90 = 1.2815515655446004  # standard normal 0.9-quantile


def test_ses_sum_quantile_coverage_is_90_percent_on_ets_ann():
    n_skus, n_periods, h = 4000, 600, 5
    y = ets_ann(np.random.default_rng(5), n_periods + h, n_skus, 0.3, 2.0)
    fc = SES().fit(y[:n_periods]).predict(h)
    realised = np.cumsum(y[n_periods:], axis=0)
    upper = np.cumsum(fc.mean, axis=0) + Z90 * fc.sum_std
    coverage = (realised <= upper).mean(axis=1)
    tol = 4 * np.sqrt(0.9 * 0.1 / n_skus)  # binomial sampling error
    np.testing.assert_array_less(np.abs(coverage - 0.9), tol)


def test_update_keeps_fitted_parameters_and_extends_fitted_values():
    y = ets_ann(np.random.default_rng(1), 100, 4, 0.5, 1.0)
    model = SES().fit(y[:60])
    alpha, before = model.alpha_.copy(), model.fitted_values()
    for row in y[60:]:
        model.update(row)
    np.testing.assert_array_equal(model.alpha_, alpha)
    after = model.fitted_values()
    assert after.shape == (100, 4)
    np.testing.assert_array_equal(after[:60], before)
    level = after[-1] + model.alpha_ * (y[-1] - after[-1])  # l_t = l_{t-1} + alpha e_t
    np.testing.assert_allclose(model.predict(1).mean[0], level, rtol=1e-12)


def test_ses_refit_after_updates_equals_a_fresh_fit():
    """SES.refit re-estimates alpha from running grid errors: it must equal fit() on the
    same history exactly (parameters, state and forecast)."""
    from forecasters.ses import SES

    rng = np.random.default_rng(8)
    y = rng.poisson(
        rng.uniform(1, 30, 25)[None, :] * (1 + 0.4 * np.sin(np.arange(200) / 9))[:, None]
    )
    y = y.astype(float)
    incremental = SES().fit(y[:120])
    for row in y[120:]:
        incremental.update(row)
    incremental.refit(y)
    fresh = SES().fit(y)
    np.testing.assert_array_equal(incremental.alpha_, fresh.alpha_)
    np.testing.assert_allclose(incremental.state_.level, fresh.state_.level, rtol=0, atol=1e-12)
    np.testing.assert_allclose(incremental.predict(4).sum_std, fresh.predict(4).sum_std, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": "0.3"}, "alpha"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        SES(**kwargs)


def test_ses_level_follows_the_recursion_by_hand():
    """FPP3 Sec. 8.1: ``l_t = l_{t-1} + alpha (y_t - l_{t-1})`` from the mean of the first
    10 periods (here all 4), and every future period is forecast by the last level."""
    y = np.array([[10.0], [12.0], [9.0], [15.0]])
    level = y.mean()
    for demand in y[:, 0]:
        level += 0.5 * (demand - level)
    np.testing.assert_allclose(SES(alpha=0.5).fit(y).predict(3).mean, level, rtol=1e-12)
