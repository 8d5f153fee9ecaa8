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


# -- exogenous regressors -------------------------------------------------------------------
PROMOTIONS = {"probability": 0.04, "duration": 3, "lift": 2.5}


class PromoAware(Forecaster):
    """Test double that uses the regressors: the mean of the last ``window`` periods without
    promotion, times ``lift`` in promoted periods (the last column is the promotion flag).
    Records every call: (method, rows of demand or of regressors, the regressors)."""

    uses_exog = True

    def __init__(self, *, window: int = 28, lift: float = 2.5):
        self.window, self.lift = window, lift
        self.calls: list[tuple[str, int, np.ndarray | None]] = []

    def fit(self, y, exog=None):
        self.y_ = np.asarray(y, dtype=float).copy()
        self.x_ = np.asarray(exog, dtype=float).copy()
        self.calls.append(("fit", len(self.y_), self.x_))
        return self

    def update(self, y_new, exog_new=None):
        self.y_ = np.vstack([self.y_, y_new[None, :]])
        self.x_ = np.concatenate([self.x_, np.asarray(exog_new)[None]], axis=0)
        self.calls.append(("update", len(self.y_), np.asarray(exog_new).copy()))

    def predict(self, h, exog_future=None):
        self.calls.append(("predict", h, np.asarray(exog_future).copy()))
        on = self.x_[-self.window :, :, -1] > 0
        recent = self.y_[-self.window :]
        base = np.where(on, np.nan, recent)
        level = np.nan_to_num(np.nanmean(base, axis=0), nan=float(recent.mean()))
        mean = level * np.where(exog_future[:, :, -1] > 0, self.lift, 1.0)
        return Forecast(time=len(self.y_), mean=mean, std=np.sqrt(mean))


def _promo_scenario(forecaster, exog=("promotion",), n_skus=20, **settings):
    return Scenario(
        Single(lead_time=2),
        dm.Poisson(mean=10.0, mean_spread=0.3, promotions=PROMOTIONS),
        Costs(holding=1, backorder=9),
        n_skus=n_skus,
        forecaster=forecaster,
        forecasting=ForecastSettings(exog=exog, **settings),
    )


def test_the_driver_feeds_each_call_the_regressors_of_its_periods():
    """fit gets the history's rows, update the row of the period it absorbs, predict the
    rows of the h periods ahead (planned promotions are known in advance), and never a row
    of a period whose demand is still to come except through predict."""
    from sim.forecasting import ExogSource, ForecastDriver

    fc = PromoAware()
    scen = _promo_scenario(fc, exog=("calendar", "promotion"), refit_every=9, history=30)
    drivers = []
    original = ForecastDriver.start

    def keep(self):
        drivers.append(self)
        original(self)

    ForecastDriver.start = keep
    try:
        simulate(scen, ForecastOrderUpTo(), horizon=40, seed=2)
    finally:
        ForecastDriver.start = original
    calls = drivers[0].forecaster.calls
    source = ExogSource(("calendar", "promotion"), scen.demand)
    assert source.names[-1] == "promotion" and len(source.names) == 6 + 4 + 1
    table = source.table(-30, 30 + 40 + 2)  # periods -30 .. 41; row k is period k - 30
    np.testing.assert_array_equal(table[..., -1], scen.demand.promotions(-30, 72))
    kind, rows, x = calls[0]
    assert (kind, rows) == ("fit", 30)
    np.testing.assert_array_equal(x, table[:30])
    t = 0
    for kind, rows, x in calls[1:]:
        if kind == "update":
            assert rows == 30 + t + 1
            np.testing.assert_array_equal(x, table[30 + t])
        elif kind == "predict":
            np.testing.assert_array_equal(x, table[30 + t + 1 : 30 + t + 1 + rows])
            t += 1
        else:  # a refit is a fresh fit on every row seen
            assert rows == 30 + t + 1
            np.testing.assert_array_equal(x, table[: 30 + t + 1])
    assert t == 40


def test_forecaster_with_regressors_never_sees_the_future_demand():
    """The poisoned-future test with regressors: demand from period 100 on x1000; every
    order before period 100 is the same as in the clean run."""
    runs = []
    for poison in (False, True):
        scen = _promo_scenario(PromoAware(), refit_every=7, history=30)
        if poison:
            draw = scen.demand.sample

            def poisoned(rng, start, n_periods, draw=draw):
                y = draw(rng, start, n_periods)
                y[max(100 - start, 0) :] *= 1000.0
                return y

            scen.demand.sample = poisoned
        runs.append(simulate(scen, ForecastOrderUpTo(), horizon=150, seed=4, trace_skus=20))
    a, b = (r.trace for r in runs)
    before = a.period < 100
    np.testing.assert_array_equal(a[before]["order"].to_numpy(), b[before]["order"].to_numpy())
    assert not np.array_equal(a[~before]["order"].to_numpy(), b[~before]["order"].to_numpy())


def test_promotion_column_lowers_glm_forecast_error_and_cost():
    """On demand with planned promotions (lift 2.5), a Poisson GLM that is told the plan
    forecasts better and orders cheaper than the same GLM without it (same seed, common
    random numbers). Measured: MAE 2.8 vs 4.0, cost per period about 25% lower."""
    from forecasters.glm import GLMRegression

    out = {}
    for exog in ((), ("promotion",)):
        glm = GLMRegression(weekly=False, fourier_terms=0, trend=False)
        scen = _promo_scenario(glm, exog=exog, n_skus=30, refit_every=28, history=112)
        res = simulate(scen, ForecastOrderUpTo(), horizon=200, warmup=20, seed=6)
        out[exog] = (res.kpis["forecast_mae"]["mean"], res.kpis["cost_per_period"]["mean"])
    (mae_off, cost_off), (mae_on, cost_on) = out[()], out[("promotion",)]
    assert mae_on < 0.85 * mae_off, out
    assert cost_on < 0.9 * cost_off, out


def test_forecasters_without_regressors_run_exactly_as_without_them(caplog):
    """forecaster.exog set for a forecaster that uses none: the run is the same bit for
    bit, and a warning says the setting was ignored."""
    from forecasters.ses import SES

    results = []
    for exog in ((), ("calendar", "promotion")):
        scen = _promo_scenario(SES(), exog=exog, refit_every=5, history=40)
        with caplog.at_level("WARNING", logger="sim.runner"):
            results.append(simulate(scen, ForecastOrderUpTo(), horizon=80, seed=3, trace_skus=5))
    assert results[0].per_replication == results[1].per_replication
    assert results[0].trace.equals(results[1].trace)
    assert "forecaster.exog=['calendar', 'promotion'] ignored: SES" in caplog.text


def test_runs_with_regressors_are_reproducible_and_seeded():
    def run(seed):
        scen = _promo_scenario(PromoAware(), refit_every=10, history=30)
        return simulate(scen, ForecastOrderUpTo(), horizon=60, seed=seed, trace_skus=5)

    a, b, c = run(1), run(1), run(2)
    assert a.per_replication == b.per_replication and a.trace.equals(b.trace)
    assert not a.trace.equals(c.trace)


def test_without_promotions_the_promotion_column_is_left_out():
    from sim.forecasting import ExogSource

    plain = dm.Poisson(mean=5.0)
    plain.setup(3, np.random.default_rng(0))
    source = ExogSource(["promotion"], plain)
    assert source.columns == () and source.names == []
    weekly = ExogSource(["weekday"], plain).table(-7, 14)
    assert weekly.shape == (14, 6)
    np.testing.assert_array_equal(weekly.argmax(axis=1) + weekly.any(axis=1), np.arange(14) % 7)


@pytest.mark.parametrize(
    "value, message",
    [
        (["calendar", "yearly"], r"forecaster.exog\(=\['calendar', 'yearly'\]\) names 'yearly'"),
        (3, r"forecaster.exog\(=3\) must be a list of columns"),
    ],
)
def test_bad_exog_settings_are_named(value, message):
    with pytest.raises(ValueError, match=message):
        ForecastSettings(exog=value)


def test_an_unknown_exog_column_is_named_against_the_demand():
    from sim.forecasting import ExogSource

    plain = dm.Poisson(mean=5.0)
    plain.setup(3, np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"forecaster.exog\(=\['promo'\]\): unknown column 'promo'"
    ):
        ExogSource(ForecastSettings(exog=["promo"]).exog, plain)


def test_exog_settings_accept_one_name_or_none():
    assert ForecastSettings(exog="promotion").exog == ("promotion",)
    assert ForecastSettings(exog=None).exog == ForecastSettings(exog="none").exog == ()
    assert ForecastSettings(exog=["calendar", "promotion"]).exog == ("calendar", "promotion")


@pytest.mark.parametrize("forecaster", ["glm", "sarimax"])
def test_promotions_scenario_runs_with_the_exog_forecasters(forecaster, tmp_path):
    """``python -m experiments.run policy=forecast_order_up_to forecaster=<glm|sarimax>
    demand=promotions``, on a short horizon: the YAMLs hand the promotion plan over."""
    from experiments.run import build, run
    from tests.conftest import SHORT, compose_config

    overrides = [
        "policy=forecast_order_up_to",
        f"forecaster={forecaster}",
        "demand=promotions",
        "network=single",
        "forecaster.history=60",
        "forecaster.refit_every=20",
    ]
    cfg = compose_config(overrides + SHORT)
    scenario, _ = build(cfg)
    assert scenario.forecasting.exog == ("promotion",) and scenario.forecaster.uses_exog
    res = run(cfg, out_dir=tmp_path)
    assert np.isfinite(res.kpis["forecast_mae"]["mean"])


def test_rolling_errors_whole_row_path_equals_the_general_path():
    """While every SKU has as many errors as the others, ``push`` and ``std`` work on whole
    rows; the numbers are those of the general (per-SKU) path to the last bit."""
    from sim.forecasting import RollingErrors

    rng = np.random.default_rng(3)
    fast, general = RollingErrors(7, 5), RollingErrors(7, 5)
    general._common = None  # forces the per-SKU path
    for k in range(30):
        values = rng.normal(size=5) * 10
        if k in (0, 1):
            values[:] = np.nan  # nothing yet: both stay on their paths
        fast.push(values)
        general.push(values)
        assert fast._common is not None
        for attr in ("samples", "count", "total", "squares"):
            np.testing.assert_array_equal(getattr(fast, attr), getattr(general, attr))
        for min_count in (2, 8):
            np.testing.assert_array_equal(fast.std(min_count), general.std(min_count))
    values = rng.normal(size=5)
    values[2] = np.nan  # one SKU without an error: the general path from now on
    fast.push(values)
    general.push(values)
    assert fast._common is None
    np.testing.assert_array_equal(fast.std(2), general.std(2))


def test_the_monitor_is_a_class_per_setting_and_none_never_alarms():
    from sim.forecasting import MONITORS, CusumMonitor, ForecastSettings, ShiftMonitor

    assert MONITORS == ("none", "cusum")
    asked = []

    def scale():
        asked.append(1)
        return np.ones(2)

    quiet = ShiftMonitor(2, ForecastSettings())
    assert quiet.shifts(5, np.full(2, 100.0), scale, np.ones(2, dtype=bool)) == []
    assert asked == []  # the none monitor standardises nothing
    assert type(quiet) is not CusumMonitor


def test_cusum_signals_when_the_sum_of_excess_errors_passes_h():
    """Standardised errors of 2 with k = 0.5 add 1.5 a period: the statistic is 1.5, 3,
    4.5, 6, 7.5 and passes h = 6 in the fifth period; the change point is the period after
    the statistic last sat at zero. A SKU not watched (a shift pending) never signals."""
    from sim.forecasting import CusumMonitor, ForecastSettings

    monitor = CusumMonitor(2, ForecastSettings(monitor="cusum", cusum_k=0.5, cusum_h=6.0))
    watching = np.array([True, False])
    errors = np.array([4.0, 4.0])
    scale = lambda: np.full(2, 2.0)  # noqa: E731
    assert monitor.shifts(0, np.zeros(2), scale, watching) == []  # sits at zero at t = 0
    events = [monitor.shifts(t, errors, scale, watching) for t in range(1, 6)]
    assert [len(e) for e in events] == [0, 0, 0, 0, 1]
    (event,) = events[-1]
    assert (event.period, event.sku, event.change_point) == (5, 0, 1)
    assert event.statistic == pytest.approx(7.5)
    assert monitor.upper[0] == 0.0 and monitor.last_at_zero[0] == 5  # restarted


# -- one forecaster for several nodes (sim.forecasting.SharedDriver) -----------------------
def _independent_yamls() -> list[str]:
    from tests.forecasters.test_columns_independent import YAMLS, load

    return [name for name in YAMLS if load(name).columns_independent]


def _distribution_run(forecaster, monkeypatch, *, share, n_skus=3, **settings):
    """Four stores and their warehouse, forecast-driven everywhere; the shared drivers the
    run made, and its result."""
    import sim.runner
    from sim.forecasting import SharedDriver
    from sim.network import Distribution

    made: list[SharedDriver] = []

    class Recorded(SharedDriver):
        def __init__(self, driver, nodes):
            super().__init__(driver, nodes)
            made.append(self)

    monkeypatch.setattr(sim.runner, "SHARE_DRIVERS", share)
    monkeypatch.setattr(sim.runner, "SharedDriver", Recorded)
    scenario = Scenario(
        Distribution(stores=4, lead_time=2, warehouse_lead_time=3),
        dm.Poisson(mean=6.0),
        Costs(holding=1, backorder=9),
        n_skus=n_skus,
        forecaster=forecaster,
        forecasting=ForecastSettings(**{"history": 56, "refit_every": 10, **settings}),
    )
    result = simulate(
        scenario, ForecastOrderUpTo(), horizon=40, warmup=5, replications=2, seed=3, trace_skus=2
    )
    return made, result


def _assert_same(a, b):
    import pandas as pd

    for x, y in zip(a.per_replication, b.per_replication, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            assert x[key] == y[key] or (np.isnan(x[key]) and np.isnan(y[key])), key
    pd.testing.assert_frame_equal(a.sku_table, b.sku_table, check_exact=True)
    pd.testing.assert_frame_equal(a.trace, b.trace, check_exact=True)
    assert (a.shifts is None) == (b.shifts is None)
    if a.shifts is not None:
        pd.testing.assert_frame_equal(a.shifts, b.shifts, check_exact=True)
    assert repr(a.nodes) == repr(b.nodes)  # NaN-safe, to the last digit
    assert repr(a.kpis) == repr(b.kpis)


@pytest.mark.filterwarnings("ignore")  # statsmodels' warnings inside fits
@pytest.mark.parametrize("name", _independent_yamls())
def test_stores_sharing_one_forecaster_get_the_numbers_of_their_own(name, monkeypatch):
    """Every forecaster that declares independent columns: the four stores share one
    driver (the warehouse, following its echelon demand, keeps its own), and the KPIs, SKU
    tables, traces, node KPIs and shift tables equal those of a driver per store, bit for
    bit; re-fits are still counted per node."""
    from tests.forecasters.test_columns_independent import load

    groups, shared = _distribution_run(load(name), monkeypatch, share=True)
    assert [g.nodes for g in groups] == [[0, 1, 2, 3]] * 2  # the stores; one per replication
    alone, own = _distribution_run(load(name), monkeypatch, share=False)
    assert alone == []
    _assert_same(shared, own)
    assert shared.per_replication[0]["refits"] == 5 * (1 + 40 // 10)


@pytest.mark.parametrize(
    "change",
    [{"monitor": "cusum"}, {"n_skus": 1}],
    ids=["cusum re-fits at once", "one SKU a node"],
)
def test_nodes_keep_their_own_forecaster_where_sharing_could_change_a_number(change, monkeypatch):
    """A shift monitor re-fits a forecaster the moment a SKU shifts (a shared one would
    re-fit the other stores too), and numpy sums one column in another order than several:
    no sharing then."""
    from forecasters.ses import SES

    groups, _ = _distribution_run(SES(), monkeypatch, share=True, **change)
    assert groups == []


def test_a_shared_node_reports_its_own_shifts_and_accuracy():
    """Shifts go to their node, with the SKU numbered within it; accuracy is the node's
    columns."""
    from sim.forecasting import ForecastDriver, SharedDriver, ShiftEvent

    rng = np.random.default_rng(0)
    driver = ForecastDriver(
        WindowMean(window=5),
        history=rng.poisson(5.0, (20, 6)).astype(float),
        horizon=10,
        protection_periods=np.full(6, 2),
        settings=ForecastSettings(history=20),
    )
    driver.start()
    group = SharedDriver(driver, [4, 7])
    forecasts = group.observe_and_forecast(0, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(driver.series[20], np.arange(6.0))
    np.testing.assert_array_equal(forecasts[7].mean, driver.forecast(0).mean[:, 3:])
    driver.shifts = [ShiftEvent(3, 1, 7.0, 2), ShiftEvent(5, 4, 8.0, 4)]
    first, second = group.members
    assert first.shift_table() == [{"period": 3, "sku": 1, "statistic": 7.0, "change_point": 2}]
    assert second.shifts == [ShiftEvent(5, 1, 8.0, 4)]
    assert first.refits == second.refits == driver.refits == 1
    driver.accuracy.abs_error[:] = np.arange(6.0)
    np.testing.assert_array_equal(second.accuracy.abs_error, [3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="do not split into 4 nodes"):
        SharedDriver(driver, [0, 1, 2, 3])
