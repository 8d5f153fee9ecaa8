"""SARIMA(X) per SKU (forecasters/arima.py): statsmodels' SARIMAX and its ``append``, the
spread of sums against Box & Jenkins' psi weights, regressors shared and per SKU, and the
fallback chain."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.statespace.sarimax import SARIMAX

import forecasters.arima as arima_module
from forecasters.arima import ARIMA
from forecasters.base import Forecaster, check_forecaster
from tests.forecasters.helpers import (
    promoted_demand,
    warning_records,
    weekly_demand,
)

pytestmark = pytest.mark.usefixtures("quiet_statsmodels")


@pytest.mark.parametrize(
    "forecaster",
    [
        ARIMA(),
        ARIMA(order=[0, 1, 1], trend="n", fallback="mean"),
    ],
    ids=repr,
)
def test_passes_check_forecaster(forecaster: Forecaster):
    check_forecaster(forecaster)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"order": [1, 0]}, "order"),
        ({"seasonal_order": [1, 0, 1, 1]}, "seasonal_order"),
        ({"trend": "ct"}, "trend"),
        ({"use_exog": "yes"}, "use_exog"),
        ({"fallback": "ses"}, "fallback"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"{key}\(="):
        ARIMA(**kwargs)


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
    records = warning_records(caplog)
    assert len(records) == 1
    message = records[0].getMessage()
    assert "2 of 4 SKUs" in message and "SKU 1, 3" in message and "deliberate failure" in message
    fc = f.predict(4)
    np.testing.assert_allclose(fc.mean[:, 1], 3.0, atol=1e-6)
    assert np.all(np.isfinite(fc.sum_std))


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


def test_arima_per_sku_regressors_equal_statsmodels_sarimax():
    n, h = 100, 5
    y, x = promoted_demand(n, h, n_skus=2)
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
