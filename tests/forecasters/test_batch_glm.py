"""The batch GLM estimator (:mod:`forecasters.batch_glm`, ``GLMRegression(estimator=
"batch")``): the same IRLS as statsmodels' ``GLM.fit()`` on every SKU, Poisson and NB2,
shared and per-SKU regressors, rows cut by ``window`` and ``from_first_sale``; the SKUs it
does not fit go down the statsmodels chain as before."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from forecasters.batch_glm import fit_glm_batch
from forecasters.glm import GLMRegression, first_fitted_row, moment_alpha


@pytest.fixture(autouse=True)
def _quiet_statsmodels():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _panel(n: int = 300, n_skus: int = 12, per_sku: bool = False, seed: int = 0):
    """Poisson counts on the calendar design (weekday, two yearly pairs, trend) and a
    promotion column, shared or per SKU; ``x`` as ``GLMRegression.features`` builds it."""
    rng = np.random.default_rng(seed)
    shape = (n + 7, n_skus) if per_sku else (n + 7,)
    promo = (rng.uniform(size=shape) < 0.15).astype(float)[..., None]
    x = GLMRegression(fourier_terms=2, trend=True).features(np.arange(n + 7), promo)
    p = x.shape[-1]
    beta = rng.normal(0.0, 0.2, (n_skus, p))
    beta[:, 0] = rng.uniform(-0.5, 2.0, n_skus)
    beta[:, -1] = 0.5
    if per_sku:
        eta = np.einsum("nsp,sp->ns", x, beta)
    else:
        eta = x @ beta.T
    y = rng.poisson(np.exp(eta[:n])).astype(float)
    return y, x[:n], promo


def _statsmodels(y, x, nb=False, alpha=None):
    """fit_glm_one's statsmodels fits: params, deviance, alpha, whether all converged."""
    fit = GLM(y, x, family=families.Poisson()).fit()
    a, converged = 0.0, fit.converged
    if nb:
        a = alpha if alpha is not None else moment_alpha(y, fit.mu)
        fit = GLM(y, x, family=families.NegativeBinomial(alpha=a)).fit(start_params=fit.params)
        converged &= fit.converged
    return fit.params, fit.deviance, a, converged


@pytest.mark.parametrize("per_sku", [False, True])
@pytest.mark.parametrize(
    "window, from_first_sale", [(None, False), (200, False), (None, True), (150, True)]
)
@pytest.mark.parametrize("nb, alpha", [(False, None), (True, None), (True, 0.3)])
def test_batch_equals_statsmodels_per_sku(per_sku, window, from_first_sale, nb, alpha):
    y, x, _ = _panel(per_sku=per_sku)
    y[:60, 2] = 0.0  # a late launch: from_first_sale cuts its rows
    y[:130, 5] = 0.0
    first = np.array(
        [
            first_fitted_row(y[:, j], window=window, from_first_sale=from_first_sale)
            for j in range(y.shape[1])
        ]
    )
    fit = fit_glm_batch(y, x, first=first, negative_binomial=nb, alpha=alpha)
    assert fit.ok.sum() >= y.shape[1] - 1
    for j in range(y.shape[1]):
        f = first[j]
        xj = x[f:] if x.ndim == 2 else x[f:, j]
        params, deviance, a, converged = _statsmodels(y[f:, j], xj, nb, alpha)
        if not fit.ok[j]:  # SKU 5 on all rows: 130 zeros the calendar cannot explain
            assert not converged and "not converged" in fit.reason[j]
            continue
        assert converged
        np.testing.assert_allclose(fit.params[j], params, rtol=1e-6, atol=1e-9)
        assert abs(fit.deviance[j] - deviance) <= 1e-8
        assert fit.alpha[j] == pytest.approx(a, rel=1e-9, abs=0)
        assert fit.mean[j] == pytest.approx(np.mean(y[f:, j]), rel=1e-12)


def test_regressor_zero_on_the_rows_gets_coefficient_zero_as_lstsq():
    """A SKU never promoted: statsmodels' lstsq gives the minimum-norm solution, promotion
    coefficient 0, and the batch estimator the same."""
    y, x, _ = _panel(per_sku=True)
    x = x.copy()
    x[:, 3, -1] = 0.0
    fit = fit_glm_batch(y, x)
    assert fit.ok.all()
    params, deviance, _, _ = _statsmodels(y[:, 3], x[:, 3])
    assert fit.params[3, -1] == 0.0
    np.testing.assert_allclose(fit.params[3], params, rtol=1e-6, atol=1e-9)
    assert abs(fit.deviance[3] - deviance) <= 1e-8


def test_sku_the_batch_cannot_fit_is_reported_not_fitted():
    y, x, _ = _panel(n_skus=4)
    y[:, 1] = 0.0  # no demand
    fit = fit_glm_batch(y, x, first=np.array([0, 0, 295, 0]))  # SKU 2: 5 rows, 13 regressors
    assert fit.ok.tolist() == [True, False, False, True]
    assert "no demand" in fit.reason[1] and "too few rows" in fit.reason[2]


@pytest.mark.parametrize("family", ["poisson", "negative_binomial"])
def test_sku_without_demand_goes_to_the_fallback_as_before(family):
    y, x, promo = _panel(n=200, n_skus=5, per_sku=True)
    y[:, 2] = 0.0
    old = GLMRegression(family=family, estimator="statsmodels").fit(y, promo[:200])
    new = GLMRegression(family=family, estimator="batch").fit(y, promo[:200])
    assert old.is_mean_.tolist() == new.is_mean_.tolist() == [False, False, True, False, False]
    assert new.model_[2] == old.model_[2] + 1  # batch -> statsmodels -> mean
    for name in ("mean_", "alpha_", "coef_"):
        np.testing.assert_array_equal(getattr(new, name)[..., 2], getattr(old, name)[..., 2])
    assert "no demand" in new.fits_.reasons[2]


@pytest.mark.parametrize("per_sku", [False, True])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"fourier_terms": 1, "trend": False},
        {"window": 150, "from_first_sale": True},
        {"family": "negative_binomial"},
        {"family": "negative_binomial", "alpha": 0.5, "window": 200},
    ],
)
def test_glm_batch_forecasts_equal_statsmodels(per_sku, kwargs):
    y, _, promo = _panel(n=260, n_skus=6, per_sku=per_sku, seed=3)
    y[:90, 1] = 0.0
    exog, future = promo[:260], promo[260:]
    fcs = []
    for estimator in ("statsmodels", "batch"):
        f = GLMRegression(estimator=estimator, **kwargs).fit(y, exog)
        assert not f.is_mean_.any()
        f.update(y[-1], future[:1])
        fcs.append(f.predict(6, future[1:]))
    old, new = fcs
    for name in ("mean", "std", "sum_std"):
        np.testing.assert_allclose(getattr(new, name), getattr(old, name), rtol=1e-6)


def test_glm_bad_estimator_is_named():
    with pytest.raises(ValueError, match=r"^estimator\(='numpy'\) must be one of") as err:
        GLMRegression(estimator="numpy")
    assert "\n" not in str(err.value)


def test_estimator_is_a_parameter_and_statsmodels_by_default():
    assert "estimator" in GLMRegression.param_names
    assert GLMRegression().estimator == "statsmodels"


def test_collinear_regressor_goes_to_statsmodels_with_its_result():
    """A SKU promoted on every period: its promotion column is the intercept; the batch
    estimator does not solve it, statsmodels' lstsq does, with the same result as before."""
    y, _, promo = _panel(n=200, n_skus=4, per_sku=True, seed=5)
    promo = promo.copy()
    promo[:, 1] = 1.0
    old = GLMRegression(estimator="statsmodels").fit(y, promo[:200])
    new = GLMRegression(estimator="batch").fit(y, promo[:200])
    assert new.model_.tolist() == [0, 1, 0, 0]
    assert "ill-conditioned" in new.fits_.reasons[1]
    np.testing.assert_array_equal(new.coef_[:, 1], old.coef_[:, 1])
    np.testing.assert_allclose(new.coef_, old.coef_, rtol=1e-6, atol=1e-9)
