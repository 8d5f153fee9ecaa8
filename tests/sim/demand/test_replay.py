"""Replayed demand (sim/demand/replay.py): exact replay, stores as nodes, the block
bootstrap, the date split, and no look-ahead for forecasters on replayed data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policies.base_stock import BaseStock
from policies.forecast_order_up_to import ForecastOrderUpTo
from sim.demand import Poisson
from sim.demand.replay import Bakery, Replay
from sim.forecasting import ForecastSettings
from sim.network import Costs, Distribution, Single
from sim.runner import Scenario, simulate
from tests.sim.test_forecasting import WindowMean

KEEP = {"outliers": "keep", "stockouts": "keep"}  # the data as they are


def write_sales(path, *, days=140, stores=("1", "2"), skus=("a", "b"), seed=0, poison_from=None):
    """A daily export with a weekly pattern; ``poison_from``: quantities x1000 from that
    date index on."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-03-01", periods=days, freq="D")
    rows = []
    for s in stores:
        for k in skus:
            level = rng.uniform(5, 20) * (1 + 0.5 * (dates.day_of_week >= 5))
            q = rng.poisson(level).astype(float)
            if poison_from is not None:
                q[poison_from:] *= 1000.0
            promo = (rng.random(days) < 0.1).astype(int)
            rows.append(
                pd.DataFrame({"date": dates, "store": s, "sku": k, "quantity": q, "promo": promo})
            )
    table = pd.concat(rows, ignore_index=True)
    table.to_csv(path, index=False)
    return table


@pytest.fixture
def sales(tmp_path):
    path = tmp_path / "sales.csv"
    table = write_sales(path)
    return path, table


def cube(table: pd.DataFrame) -> np.ndarray:
    """(T, S, K) quantities of a table written by write_sales."""
    wide = table.pivot_table(index="date", columns=["store", "sku"], values="quantity")
    T = wide.shape[0]
    return wide.to_numpy().reshape(T, table.store.nunique(), table.sku.nunique())


def test_exact_replay_on_one_node_pools_the_stores(sales):
    path, table = sales
    demand = Replay(path=str(path), cleaning=KEEP)
    scen = Scenario(Single(lead_time=1), demand, Costs(), n_skus=2)
    res = simulate(scen, BaseStock(level=400), horizon=56, seed=0, trace_skus=2)
    pooled = cube(table).sum(axis=1)
    got = res.trace.pivot_table(index="period", columns="sku", values="demand").to_numpy()
    np.testing.assert_array_equal(got, pooled[-56:])
    assert "pooled" in demand.pooled_note()


def test_distribution_makes_one_store_node_per_store(sales):
    path, table = sales
    demand = Replay(path=str(path), cleaning=KEEP)
    net = Distribution(lead_time=1, warehouse_lead_time=1)
    scen = Scenario(net, demand, Costs(), n_skus=2)
    res = simulate(scen, BaseStock(level=400), horizon=28, seed=0, trace_skus=2)
    assert sorted(n.name for n in net.nodes) == ["store1", "store2", "warehouse"]
    data = cube(table)
    for s, name in enumerate(["store1", "store2"]):
        tr = res.trace[res.trace.node == name]
        got = tr.pivot_table(index="period", columns="sku", values="demand").to_numpy()
        np.testing.assert_array_equal(got, data[-28:, s, :])
    assert demand.pooled_note() is None


def test_a_store_count_that_does_not_match_the_data_is_refused(sales):
    path, _ = sales
    scen = Scenario(Distribution(stores=3), Replay(path=str(path)), Costs(), n_skus=2)
    with pytest.raises(ValueError, match=r"network.stores\(=3\) does not match the 2 stores"):
        simulate(scen, BaseStock(level=10), horizon=28)
    gen = Scenario(Distribution(stores="from_data"), Poisson(mean=3.0), Costs())
    with pytest.raises(ValueError, match="from_data"):
        simulate(gen, BaseStock(level=10), horizon=28)


def test_the_split_and_horizon_are_checked(sales):
    path, _ = sales
    scen = Scenario(Single(), Replay(path=str(path), start="2021-06-01"), Costs(), n_skus=2)
    with pytest.raises(ValueError, match=r"horizon\(=100\) exceeds the 48 periods"):
        simulate(scen, BaseStock(level=10), horizon=100)
    with pytest.raises(ValueError, match=r"demand.start\(=2030-01-01\)"):
        Replay(path=str(path), start="2030-01-01")
    with pytest.raises(ValueError, match=r"demand.start\('tomorrow'\)|demand.start\(='tomorrow'\)"):
        Replay(path=str(path), start="tomorrow")
    fc = Scenario(
        Single(),
        Replay(path=str(path), start="2021-03-15"),
        Costs(),
        n_skus=2,
        forecaster=WindowMean(window=5),
        forecasting=ForecastSettings(history=30),
    )
    with pytest.raises(
        ValueError, match=r"forecaster.history\(=30\) needs more history than the 14"
    ):
        simulate(fc, ForecastOrderUpTo(), horizon=28)


def test_history_before_start_is_what_forecasters_and_derived_policies_see(sales):
    path, table = sales
    demand = Replay(path=str(path), cleaning=KEEP, start="2021-05-01")
    scen = Scenario(Single(lead_time=1), demand, Costs(holding=1, backorder=9), n_skus=2)
    res = simulate(scen, BaseStock(), horizon=28, seed=0)
    pooled = cube(table).sum(axis=1)
    origin = 61  # 2021-05-01 is day 61 after 2021-03-01
    np.testing.assert_allclose(demand.mean(), pooled[:origin].mean(axis=0))
    np.testing.assert_allclose(demand.std(), pooled[:origin].std(axis=0, ddof=1))
    assert res.kpis["cost_per_period"]["mean"] > 0


def test_block_bootstrap_keeps_weekdays_and_is_shared_by_stores(sales):
    path, table = sales
    demand = Replay(path=str(path), cleaning=KEEP, resample="blocks", block=14)
    net = Distribution(lead_time=1, warehouse_lead_time=1)
    scen = Scenario(net, demand, Costs(), n_skus=2)
    runs = [
        simulate(scen, BaseStock(level=400), horizon=42, replications=3, seed=s, trace_skus=2)
        for s in (5, 5, 6)
    ]
    a, b, c = (r.trace for r in runs)
    pd.testing.assert_frame_equal(a, b)
    assert not a["demand"].equals(c["demand"])
    # every replayed period is a data period of the same weekday, the same for both stores
    data = cube(table)
    T = data.shape[0]
    origin = T - 42
    for rep in range(3):
        tr = a[a.replication == rep]
        s1 = tr[tr.node == "store1"].pivot_table(index="period", columns="sku", values="demand")
        s2 = tr[tr.node == "store2"].pivot_table(index="period", columns="sku", values="demand")
        for p in range(42):
            rows = [
                r
                for r in range(origin, T)
                if (r - origin - p) % 7 == 0
                and np.array_equal(data[r, 0], s1.iloc[p].to_numpy())
                and np.array_equal(data[r, 1], s2.iloc[p].to_numpy())
            ]
            assert rows, f"replication {rep}, period {p}: no aligned data row"


def test_rival_policies_meet_the_same_resampled_demand(sales):
    path, _ = sales
    traces = []
    for level in (100, 300):
        scen = Scenario(Single(), Replay(path=str(path), resample="blocks"), Costs(), n_skus=2)
        res = simulate(
            scen, BaseStock(level=level), horizon=35, replications=2, seed=3, trace_skus=2
        )
        traces.append(res.trace["demand"].to_numpy())
    np.testing.assert_array_equal(*traces)


def test_forecaster_never_sees_replayed_future(tmp_path):
    """Quantities from data day 110 (period 110 - origin) on are x1000: orders before that
    period are identical to the clean run's, later ones differ."""
    clean, poisoned = tmp_path / "clean.csv", tmp_path / "poisoned.csv"
    write_sales(clean, seed=1)
    write_sales(poisoned, seed=1, poison_from=110)
    traces = []
    for path in (clean, poisoned):
        demand = Replay(path=str(path), cleaning=KEEP, start="2021-04-10")  # day 40
        scen = Scenario(
            Single(lead_time=1),
            demand,
            Costs(holding=1, backorder=9),
            n_skus=2,
            forecaster=WindowMean(window=7),
            forecasting=ForecastSettings(history=28, refit_every=7),
        )
        res = simulate(scen, ForecastOrderUpTo(), horizon=100, seed=0, trace_skus=2)
        traces.append(res.trace)
    a, b = traces
    before = a.period < 70
    np.testing.assert_array_equal(a[before]["order"].to_numpy(), b[before]["order"].to_numpy())
    assert not np.array_equal(a[~before]["order"].to_numpy(), b[~before]["order"].to_numpy())


def test_data_columns_reach_forecasters_that_use_regressors(sales):
    path, table = sales
    demand = Replay(path=str(path), cleaning=KEEP, observed=["promo"], observed_as="known")
    from sim.forecasting import ExogSource

    scen = Scenario(Distribution(), demand, Costs(), n_skus=2)
    simulate(scen, BaseStock(level=100), horizon=14)
    source = ExogSource(["weekday", "promo"], demand)
    store2 = next(n for n in scen.network.nodes if n.name == "store2")
    x = source.at(store2).table(-7, 21)
    assert x.shape == (21, 2, 7)
    promo = table.pivot_table(index="date", columns=["store", "sku"], values="promo").to_numpy()
    T = promo.shape[0]
    np.testing.assert_array_equal(x[:, :, -1], promo[T - 14 - 7 : T, 2:4])
    lagged = Replay(path=str(path), cleaning=KEEP, observed=["promo"])
    simulate(Scenario(Distribution(), lagged, Costs(), n_skus=2), BaseStock(level=100), horizon=14)
    y = ExogSource(["promo"], lagged).at(store2).table(-7, 21)
    np.testing.assert_array_equal(y[:, :, -1], promo[T - 14 - 8 : T - 1, 2:4])
    with pytest.raises(ValueError, match=r"unknown column 'rain'"):
        ExogSource(["rain"], demand)


def test_bakery_ships_with_the_repo():
    demand = Bakery()
    assert len(demand.store_labels) == 35 and demand.fixed_n_skus == 3
    assert demand.shelf_life == 1 and demand.observed == ("rain", "temperature")
