"""The batch ETS estimator (forecasters/batch_ets.py, ``ETS(estimator="batch")``): at least
statsmodels' likelihood, its states at the estimate, the selection, warm re-fits, and the
compiled recursion against a plain reference."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecasters import batch_ets, batch_lm
from forecasters.base import check_forecaster
from forecasters.batch_ets import EtsSpec, bounds, fit_ets_batch, parameters, smooth_columns
from forecasters.batch_lm import cross_products
from forecasters.ets import ETS
from tests.forecasters.helpers import (
    weekly_demand,
)

pytestmark = pytest.mark.usefixtures("quiet_statsmodels")


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
