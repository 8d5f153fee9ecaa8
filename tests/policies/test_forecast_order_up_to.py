"""Tests of :mod:`policies.forecast_order_up_to`: each safety-stock method's level against
its closed form on a hand-made forecast, the fill-rate factor against the normal loss
function (Silver, Pyke & Thomas 2017, Sec. 6.7.4), the choice of method once in
``__init__``, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from forecasters.base import Forecast
from policies.base import InventoryState
from policies.forecast_order_up_to import (
    FILL_RATE_STOCKS,
    SAFETY_STOCK_METHODS,
    SAFETY_STOCKS,
    ForecastOrderUpTo,
    column_quantile,
    normal_loss_inverse,
)
from policies.optimal import normal_loss
from tests.conftest import poisson_context

ALPHA = np.array([0.9, 0.75])
Z = stats.norm.ppf(ALPHA)


def _forecast(**kw) -> Forecast:
    """Two SKUs, 3 periods of mean 4 and 10, protection 2 periods (sums 8 and 20), the
    model's sum std sqrt(k) * (2, 3)."""
    mean = np.tile([4.0, 10.0], (3, 1))
    args = dict(
        time=0.0,
        mean=mean,
        std=np.tile([2.0, 3.0], (3, 1)),
        sum_std=np.sqrt(np.arange(1, 4))[:, None] * np.array([2.0, 3.0]),
        protection_periods=np.array([2, 2]),
    )
    args.update(kw)
    return Forecast(**args)


def _policy(method: str, **kw) -> ForecastOrderUpTo:
    return ForecastOrderUpTo(safety_stock=method, alpha=ALPHA, **kw)


def test_every_method_has_one_class() -> None:
    assert tuple(SAFETY_STOCK_METHODS) == SAFETY_STOCKS
    assert SAFETY_STOCKS == ("normal", "sqrt", "empirical", "model", "poisson", "negative_binomial")
    assert FILL_RATE_STOCKS == ("normal", "sqrt", "model")
    for name, method in SAFETY_STOCK_METHODS.items():
        assert _policy(name).method.name == name == method.name


def test_poisson_is_the_quantile_of_the_forecast_mean() -> None:
    level = _policy("poisson").level(_forecast())
    np.testing.assert_array_equal(level, stats.poisson.ppf(ALPHA, [8.0, 20.0]))


def test_normal_uses_the_rolling_sum_error_std_where_it_has_one() -> None:
    fc = _forecast(error_sum_std=np.array([1.5, np.nan]))
    level = _policy("normal").level(fc)
    model_std = np.sqrt(2.0) * np.array([2.0, 3.0])  # the model's where the run has none
    np.testing.assert_allclose(level, [8.0 + Z[0] * 1.5, 20.0 + Z[1] * model_std[1]])


def test_sqrt_and_model_ignore_the_rolling_errors() -> None:
    fc = _forecast(error_sum_std=np.array([1.5, 1.5]), one_step_error_std=np.array([1.0, np.nan]))
    # sqrt: the one-step error std (the model's own where missing) times sqrt(P)
    sqrt = _policy("sqrt").level(fc)
    np.testing.assert_allclose(sqrt, [8.0, 20.0] + Z * np.array([1.0, 3.0]) * np.sqrt(2.0))
    model = _policy("model").level(fc)
    np.testing.assert_allclose(model, [8.0, 20.0] + Z * np.sqrt(2.0) * np.array([2.0, 3.0]))


def test_empirical_is_the_quantile_of_past_sum_errors() -> None:
    samples = np.array([[-2.0, 1.0], [0.0, np.nan], [4.0, np.nan]])
    fc = _forecast(error_sum_samples=samples, error_sum_std=np.array([3.0, np.nan]))
    level = _policy("empirical").level(fc)
    # SKU 0: the 0.9-quantile of (-2, 0, 4) is 0 + 0.8 * 4 = 3.2; SKU 1 has too few errors
    np.testing.assert_allclose(level, [8.0 + 3.2, 20.0 + Z[1] * np.sqrt(2.0) * 3.0])
    np.testing.assert_allclose(column_quantile(samples, ALPHA)[0], 3.2)


def test_negative_binomial_matches_the_mean_and_variance() -> None:
    fc = _forecast(error_sum_std=np.array([4.0, 2.0]))
    level = _policy("negative_binomial").level(fc)
    # SKU 0: variance 16 > mean 8: p = 0.5, r = 8; SKU 1: variance 4 < mean 20, raised to
    # just above the mean (nearly Poisson)
    assert level[0] == stats.nbinom.ppf(0.9, 8.0, 0.5)
    assert abs(level[1] - stats.poisson.ppf(0.75, 20.0)) <= 1


def test_fill_rate_sets_the_normal_factor() -> None:
    """sigma G(k) = (1 - fill_rate) Q with Q the expected demand per review cycle."""
    fc = _forecast(error_sum_std=np.array([2.0, 5.0]))
    cycle = np.array([4.0, 10.0])
    level = _policy("normal", fill_rate=0.95, cycle_demand=cycle).level(fc)
    k = (level - [8.0, 20.0]) / [2.0, 5.0]
    np.testing.assert_allclose([2.0, 5.0] * normal_loss(k), 0.05 * cycle, rtol=1e-9)
    np.testing.assert_allclose(normal_loss(normal_loss_inverse(np.array([0.1]))), [0.1])


def test_prepare_sets_the_critical_ratio_and_the_cycle_demand() -> None:
    prepared = ForecastOrderUpTo().prepare(poisson_context([4.0, 10.0]))
    assert prepared.alpha.tolist() == [0.9, 0.9]
    assert prepared.cycle_demand.tolist() == [4.0, 10.0]
    assert prepared.service_level_in_force() == 0.9
    filled = ForecastOrderUpTo(fill_rate=0.95).prepare(poisson_context([4.0]))
    assert filled.service_level_in_force() is None
    assert filled.service_level_rule() == "not used: fill_rate=0.95 sets the safety factor"


def test_orders_up_to_the_level_and_needs_a_forecast() -> None:
    policy = _policy("poisson")
    state = InventoryState(0.0, np.array([3.0, 30.0]), np.zeros(2), np.zeros(2))
    expected = np.maximum(stats.poisson.ppf(ALPHA, [8.0, 20.0]) - [3.0, 30.0], 0.0)
    np.testing.assert_array_equal(policy.order_quantity(state, _forecast()), expected)
    with pytest.raises(ValueError, match="needs a forecaster"):
        policy.order_quantity(state, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(safety_stock="gamma"), r"policy.safety_stock\(='gamma'\) must be one of normal,"),
        (dict(upstream_signal="x"), r"policy.upstream_signal\(='x'\) must be one of echelon_"),
        (dict(fill_rate=1.0), r"policy.fill_rate\(=1.0\) must be in \(0, 1\)"),
    ],
)
def test_bad_options_name_the_key_and_value(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        ForecastOrderUpTo(**kwargs)
