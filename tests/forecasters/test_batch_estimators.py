"""Tests of the batch estimators (``estimator: batch``): ETS and SARIMA(X) maximum
likelihood for all SKUs at once in numpy (:mod:`forecasters.batch_ets`,
:mod:`forecasters.batch_arima`, :mod:`forecasters.batch_lm`), their compiled recursions
against plain references, their warm-started re-fits, and the progress of long per-SKU
fits (:mod:`forecasters.parallel`)."""

from __future__ import annotations

import io
import time
import warnings

import numpy as np
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

import forecasters.parallel as parallel
from forecasters import batch_arima, batch_ets, batch_lm
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
from forecasters.batch_ets import EtsSpec, bounds, fit_ets_batch, parameters, smooth_columns
from forecasters.batch_lm import cross_products, levenberg_marquardt
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


# -- the compiled recursions against plain references -------------------------------------
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
    from forecasters.batch_ets import _profile

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


def _reference_smooth(spec, params, y, columns):
    """Per parameter set, SKU and column, from its initial state (column 0 from zero states
    on the data, the others from one unit initial state on zero data): ``b = phi b``,
    ``e = y - (l + b + s_{t-m})``, ``l = l + b + alpha e``, ``b = b + beta e``, ``s = s_{t-m}
    + gamma e``."""
    n, big_n = y.shape
    m = spec.m if spec.seasonal else 1
    units = [(1.0, 0.0, 0)] + ([(0.0, 1.0, 0)] if spec.trend else [])
    units += [(0.0, 0.0, slot) for slot in range(1, m if spec.seasonal else 1)]
    starts = {"all": [None, *units], "data": [None], "unit": units}[columns]
    n_sets = params["alpha"].shape[0]
    errors = np.empty((n, n_sets, big_n, len(starts)))
    level, slope = np.empty(errors.shape[1:]), np.empty(errors.shape[1:])
    season = np.empty((m, *errors.shape[1:]))
    for s in range(n_sets):
        for j in range(big_n):
            alpha, beta, gamma, phi = (
                params[k][s, j if params[k].shape[1] > 1 else 0]
                for k in ("alpha", "beta", "gamma", "phi")
            )
            for c, start in enumerate(starts):
                lev, b, ring = 0.0, 0.0, np.zeros(m)
                if start is not None:
                    lev, b, slot = start
                    ring[slot] = 1.0 if slot else 0.0
                for t in range(n):
                    b = phi * b if spec.trend else b
                    old = ring[t % m] if spec.seasonal else 0.0
                    e = (y[t, j] if start is None else 0.0) - (lev + b + old)
                    lev = lev + b + alpha * e
                    b = b + beta * e if spec.trend else b
                    ring[t % m] = old + gamma * e if spec.seasonal else 0.0
                    errors[t, s, j, c] = e
                level[s, j, c], slope[s, j, c], season[:, s, j, c] = lev, b, ring
    return errors, level, slope, season


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("columns", ["all", "data", "unit"])
def test_compiled_ets_recursion_equals_a_plain_reference(name, columns):
    # bit for bit, with parameters per SKU and (the grid's) shared by the SKUs
    y = weekly_demand(30, levels=(3.0, 12.0, 40.0))
    spec = EtsSpec(*CASES[name], 4)
    low, high = bounds(spec)
    rng = np.random.default_rng(5)
    for n_models in (3, 1):
        x = low + (high - low) * rng.uniform(size=(2, n_models, len(low)))
        params = parameters(spec, x)
        data = y if n_models > 1 or columns != "unit" else y[:, :1]
        got = smooth_columns(spec, params, data, columns)
        for a, b in zip(got, _reference_smooth(spec, params, data, columns), strict=True):
            np.testing.assert_array_equal(a, b)
        # the normal equations of the initial states: einsum's sums, bit for bit
        errors = got[0]
        gram, rhs = cross_products(errors)
        big_e = errors[..., 1:]
        np.testing.assert_array_equal(gram, np.einsum("tsni,tsnj->snij", big_e, big_e))
        np.testing.assert_array_equal(rhs, np.einsum("tsni,tsn->sni", big_e, errors[..., 0]))
    assert len(batch_ets._smooth.signatures) == 1
    assert len(batch_lm._cross_products.signatures) <= 1


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
