"""Forecasts inside the simulation: no look-ahead, exact results with an oracle forecaster,
shift monitoring that pays for itself."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.base import Forecast, Forecaster
from policies.forecast_order_up_to import ForecastOrderUpTo, column_quantile
from sim import demand as dm
from sim.forecasting import ForecastSettings
from sim.network import Costs, Single
from sim.runner import Scenario, simulate


class WindowMean(Forecaster):
    """Test double: the mean of the last ``window`` periods; records what it was shown."""

    param_names = ("window",)

    def __init__(self, *, window: int = 28):
        self.window = window
        self.seen: list[tuple[str, int, float]] = []

    def fit(self, y, exog=None):
        self.history_ = np.asarray(y, dtype=float).copy()
        self.seen.append(("fit", len(self.history_), float(self.history_.max())))
        return self

    def update(self, y_new, exog_new=None):
        self.history_ = np.vstack([self.history_, y_new[None, :]])
        self.seen.append(("update", len(self.history_), float(self.history_.max())))

    def predict(self, h, exog_future=None):
        m = self.history_[-self.window :].mean(axis=0)
        s = self.history_[-self.window :].std(axis=0, ddof=1)
        return Forecast(time=len(self.history_), mean=np.tile(m, (h, 1)), std=np.tile(s, (h, 1)))


class Oracle(Forecaster):
    """Test double: knows the true demand mean (and the Poisson std)."""

    def __init__(self, *, mean: float):
        self.mean = mean

    def fit(self, y, exog=None):
        self.n_ = y.shape[1]
        return self

    def update(self, y_new, exog_new=None):
        pass

    def predict(self, h, exog_future=None):
        m = np.full((h, self.n_), self.mean)
        sum_std = np.sqrt(self.mean * np.arange(1, h + 1))[:, None] * np.ones((1, self.n_))
        return Forecast(time=0, mean=m, std=np.sqrt(m), sum_std=sum_std)


def _scenario(demand, forecaster, **settings):
    return Scenario(
        Single(lead_time=2),
        demand,
        Costs(holding=1, backorder=9),
        n_skus=20,
        forecaster=forecaster,
        forecasting=ForecastSettings(**settings),
    )


def test_forecaster_never_sees_the_future():
    """Demand from period 100 on is poisoned (x1000): every forecast made before the
    review of period 99 is identical to the clean run, and the forecaster was shown
    exactly history + t + 1 periods when the review of period t asked for a forecast."""
    clean = dm.Poisson(mean=10.0)
    poisoned = dm.Poisson(mean=10.0)
    draw = poisoned.sample

    def poison(rng, start, n_periods):
        y = draw(rng, start, n_periods)
        y[max(100 - start, 0) :] *= 1000.0  # the same draws, poisoned from period 100 on
        return y

    poisoned.sample = poison
    runs = []
    for demand in (clean, poisoned):
        fc = WindowMean(window=10)
        scen = _scenario(demand, fc, refit_every=7, history=30)
        res = simulate(
            scen, ForecastOrderUpTo(), horizon=150, seed=4, trace_skus=20, keep_outputs=True
        )
        runs.append(res)
    a, b = (r.trace for r in runs)
    before = a.period < 100
    np.testing.assert_array_equal(a[before]["order"].to_numpy(), b[before]["order"].to_numpy())
    assert not np.array_equal(a[~before]["order"].to_numpy(), b[~before]["order"].to_numpy())


def test_forecaster_is_shown_one_more_period_each_review():
    fc = WindowMean(window=10)
    scen = _scenario(dm.Poisson(mean=10.0), fc, refit_every=5, history=30)
    from sim.forecasting import ForecastDriver

    seen = []
    original = ForecastDriver.forecast

    def spy(self, t):
        seen.append((t, len(self.forecaster.history_)))
        return original(self, t)

    ForecastDriver.forecast = spy
    try:
        simulate(scen, ForecastOrderUpTo(), horizon=40, seed=1)
    finally:
        ForecastDriver.forecast = original
    assert seen == [(t, 30 + t + 1) for t in range(40)]


def test_oracle_forecast_with_poisson_safety_stock_is_the_base_stock_optimum():
    """A forecaster that knows the mean, with Poisson quantiles at the critical ratio,
    sets S = 26 every period: the exact base-stock cost 8.186431 (Poisson(10), L=2)."""
    n = 40
    scen = Scenario(
        Single(lead_time=2),
        dm.Poisson(mean=10.0),
        Costs(holding=1, backorder=9),
        n_skus=n,
        forecaster=Oracle(mean=10.0),
        forecasting=ForecastSettings(history=10),
    )
    res = simulate(
        scen,
        ForecastOrderUpTo(safety_stock="poisson"),
        horizon=2_100,
        warmup=100,
        replications=10,
        seed=7,
    )
    from tests.test_theory_simulation import assert_in_ci

    assert_in_ci(res, "cost_per_period", 8.186431, n)
    assert res.kpis["forecast_bias"]["mean"] == pytest.approx(0.0, abs=0.05)


def test_policy_without_forecaster_is_a_clear_error():
    scen = Scenario(Single(lead_time=2), dm.Poisson(mean=10.0), n_skus=2)
    with pytest.raises(ValueError, match="needs a forecaster"):
        simulate(scen, ForecastOrderUpTo(), horizon=10)


def test_column_quantile_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6))
    x[rng.uniform(size=x.shape) < 0.2] = np.nan
    alpha = np.linspace(0.1, 0.9, 6)
    expected = [np.nanquantile(x[:, i], alpha[i]) for i in range(6)]
    np.testing.assert_allclose(column_quantile(x, alpha), expected)


def test_rolling_errors_cover_better_than_the_sqrt_shortcut():
    """A slow moving mean makes errors that are correlated over the protection interval:
    the rolling P-period error std sees them, the sigma_1 * sqrt(P) shortcut does not."""
    n = 60
    demand = dm.Poisson(mean=10.0, yearly_amplitude=0.5, phase_spread=365)
    out = {}
    for method in ("normal", "sqrt"):
        scen = Scenario(
            Single(lead_time=4),
            demand,
            Costs(holding=1, backorder=19),
            n_skus=n,
            forecaster=WindowMean(window=56),
            forecasting=ForecastSettings(history=120),
        )
        res = simulate(
            scen,
            ForecastOrderUpTo(safety_stock=method),
            horizon=400,
            warmup=50,
            replications=2,
            seed=11,
        )
        out[method] = res.kpis["cycle_service_level"]["mean"]
    # target 0.95: both fall short under this biased forecaster, the shortcut by more
    assert out["normal"] > out["sqrt"] + 0.02


def test_cusum_monitor_detects_a_level_shift_and_lowers_cost():
    """Demand doubles at period 150 for every SKU. A forecaster with a long memory (mean of
    56 periods) lags for weeks; the CUSUM monitor flags most SKUs within 10 periods, the
    forecaster re-fits on history rescaled to the new level, and cost falls (same seed,
    common random numbers)."""
    n, shock = 50, 150
    demand = dm.Poisson(mean=10.0, shocks=[{"period": shock, "factor": 2.0}])
    results = {}
    for monitor in ("none", "cusum"):
        scen = Scenario(
            Single(lead_time=2),
            demand,
            Costs(holding=1, backorder=9),
            n_skus=n,
            forecaster=WindowMean(window=56),
            forecasting=ForecastSettings(history=112, refit_every=28, monitor=monitor),
        )
        results[monitor] = simulate(scen, ForecastOrderUpTo(), horizon=300, warmup=20, seed=5)
    shifts = results["cusum"].shifts
    after = shifts[shifts.period >= shock].groupby("sku").period.min() - shock
    assert (after <= 10).sum() >= 0.9 * n, after.describe()
    false_alarms = (shifts.period < shock).sum()
    assert false_alarms <= 0.3 * n  # measured 7 of 50 SKUs over 130 periods at h = 6
    assert results["none"].shifts is None or len(results["none"].shifts) == 0
    cost_on = results["cusum"].kpis["cost_per_period"]["mean"]
    cost_off = results["none"].kpis["cost_per_period"]["mean"]
    assert cost_on < 0.9 * cost_off, (cost_on, cost_off)
