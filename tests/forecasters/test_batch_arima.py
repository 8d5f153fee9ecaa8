"""The batch SARIMA(X) estimator (forecasters/batch_arima.py, ``ARIMA(estimator="batch")``):
statsmodels' Kalman filter at the batch estimate, the cheap update, warm re-fits, and the
compiled recursions against plain references."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecasters import batch_arima
from forecasters.arima import ARIMA
from forecasters.base import check_forecaster
from forecasters.batch_arima import (
    ArmaSpec,
    companion,
    constrain_stationary,
    fit_arima_batch,
    kalman,
    polynomials,
    riccati,
    stationary_cov,
)
from tests.forecasters.helpers import (
    weekly_demand,
)

pytestmark = pytest.mark.usefixtures("quiet_statsmodels")


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


# The kernels (numba) run the numpy recursions' floating-point operations in the same order:
# the references below, written for clarity, give the same numbers bit for bit.
def _reference_riccati(a, big_r, n):
    """Per model: ``f = P_00``, ``K = P e_1 / f``, ``P' = shift(P - K P_0.) + R R'``; every 8
    periods, once no entry of any model moved by 1e-13 (relative above 1), the variances
    and the gain stay."""
    shape, k = a.shape[:-1], a.shape[-1]
    p = stationary_cov(a, big_r).reshape(-1, k, k)
    r = big_r.reshape(-1, k)
    f, gains, settled = np.empty((n, len(p))), [], n
    for t in range(n):
        f[t] = p[:, 0, 0]
        gains.append(p[:, :, 0] / p[:, :1, 0])
        new = np.zeros_like(p)
        for e in range(len(p)):
            new[e, :-1, :-1] = p[e, 1:, 1:] - np.outer(gains[-1][e, 1:], p[e, 0, 1:])
            new[e] += np.outer(r[e], r[e])
        if t % 8 == 7 and np.all(np.abs(new - p) <= 1e-13 * np.maximum(1.0, np.abs(p))):
            f[t + 1 :], settled = new[:, 0, 0], t + 1
            gains.append(new[:, :, 0] / new[:, :1, 0])
            p = new
            break
        p = new
    gains = np.moveaxis(np.stack(gains).reshape(len(gains), *shape, k), -1, 1)
    return f.reshape(n, *shape), gains, settled, p.reshape(*shape, k, k)


def _reference_kalman(a, big_r, y, c_col):
    """Per parameter set, SKU and column: ``v = y - a_1``, ``w = a + K v``, ``a' = T w`` (+
    ``e_1`` in the constant's column, which starts at ``(I - T)^{-1} e_1``)."""
    n, big_n, n_cols = y.shape
    n_sets, n_models, k = a.shape
    f, gains, _, p = _reference_riccati(a, big_r, n)
    v = np.empty((n, n_sets, big_n, n_cols))
    state = np.empty((n_sets, big_n, k, n_cols))
    for s in range(n_sets):
        for j in range(big_n):
            m = j if n_models > 1 else 0
            for c in range(n_cols):
                st = np.zeros(k)
                if c == c_col:
                    st = np.linalg.solve(np.eye(k) - companion(a[s, m]), np.eye(k)[:, :1])[:, 0]
                for t in range(n):
                    v[t, s, j, c] = y[t, j, c] - st[0]
                    w = gains[min(t, len(gains) - 1), :, s, m] * v[t, s, j, c] + st
                    st = a[s, m] * w[0] + np.append(w[1:], 0.0)
                    st[0] += 1.0 if c == c_col else 0.0
                state[s, j, :, c] = st
    return v, f, state, p


@pytest.mark.parametrize(
    "orders", [(1, 0, 0, 0, 1), (1, 1, 0, 0, 1), (2, 1, 1, 1, 4)], ids=["AR", "ARMA", "SARMA"]
)
@pytest.mark.parametrize("shared", [False, True], ids=["per-sku", "shared"])
def test_compiled_kalman_filter_equals_a_plain_reference(orders, shared):
    # innovations, variances, gains, state and covariance, bit for bit; the AR model's
    # covariance settles at the first check (then the settled gain is used)
    y, promo = promotion_data(44, 3)
    spec = ArmaSpec(*orders, "c", 1)
    data, c_col = batch_arima._columns(y, promo, spec)
    x = np.random.default_rng(4).normal(size=(2, 1 if shared else 3, spec.n_params))
    a, big_r = polynomials(spec, x)
    for got, ref in zip(riccati(a, big_r, 44), _reference_riccati(a, big_r, 44), strict=True):
        np.testing.assert_array_equal(got, ref)
    for got, ref in zip(
        kalman(a, big_r, data, c_col), _reference_kalman(a, big_r, data, c_col), strict=True
    ):
        np.testing.assert_array_equal(got, ref)
    if orders[1] == 0:  # (with an MA part it settles or not, as the coefficients go)
        assert riccati(a, big_r, 44)[2] == 8
    v, f, *_ = kalman(a, big_r, data, c_col)
    for got, ref in zip(batch_arima._profile(v, f), _reference_profile(v, f), strict=True):
        np.testing.assert_array_equal(got, ref)
    # one compiled version per kernel (contiguous float64 arrays): compiled once
    for kernel in (batch_arima._kalman_loop, batch_arima._riccati_loop, batch_arima._standardise):
        assert len(kernel.signatures) == 1


def _reference_profile(v, f):
    """The generalised least squares of the linear parameters, in numpy (einsum)."""
    z = v * (1.0 / np.sqrt(f)[..., None])
    zy, zd = z[..., 0], z[..., 1:]
    gram = np.einsum("tsni,tsnj->snij", zd, zd)
    gram = gram + 1e-10 * (np.einsum("snii->sn", gram) + 1e-300)[..., None, None] * np.eye(
        zd.shape[-1]
    )
    coef = -np.linalg.solve(gram, np.einsum("tsni,tsn->sni", zd, zy)[..., None])[..., 0]
    e = zy + np.einsum("tsni,sni->tsn", zd, coef)
    return coef, np.moveaxis(e, 0, -1), np.broadcast_to(np.log(f).sum(axis=0), e.shape[1:])
