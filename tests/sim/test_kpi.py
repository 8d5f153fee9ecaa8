"""Per-node and per-echelon KPIs (sim/kpi.py) against the trace and against theory."""

from __future__ import annotations

import numpy as np
import pytest

from policies.base_stock import BaseStock
from policies.ss import SS
from sim import demand as dm
from sim.disruption import Disruptions
from sim.network import Costs, Distribution, Single
from sim.runner import Scenario, simulate


def _run(net, policy, n_skus=3, **kwargs):
    scenario = Scenario(net, dm.Poisson(mean=4.0), Costs(holding=1, backorder=9), n_skus=n_skus)
    for key, value in kwargs.pop("scenario", {}).items():
        setattr(scenario, key, value)
    return simulate(scenario, policy, trace_skus=n_skus, keep_outputs=True, **kwargs)


def test_node_costs_add_up_to_the_network_cost():
    res = _run(Distribution(stores=3), BaseStock(), horizon=120, warmup=10, replications=3)
    for k in ("cost_per_period", "holding_cost", "shortage_cost", "ordering_cost", "avg_on_hand"):
        total = np.sum([res.nodes[nd][k]["per_replication"] for nd in res.nodes], axis=0)
        np.testing.assert_allclose(total, res.kpis[k]["per_replication"], rtol=1e-12)
    # customer backorders are the stores'; the warehouse's are units owed to the stores
    stores = np.sum(
        [res.nodes[f"store{i}"]["avg_backorders"]["per_replication"] for i in (1, 2, 3)], 0
    )
    np.testing.assert_allclose(stores, res.kpis["avg_backorders"]["per_replication"], rtol=1e-12)


def test_base_stock_passes_demand_on_so_bullwhip_is_one():
    """Under base-stock reviewed every period each node orders exactly what was asked of it
    (after the first period): order variance = demand variance at every node and echelon."""
    res = _run(Distribution(stores=4), BaseStock(), horizon=150, warmup=5, replications=2)
    for node in res.nodes.values():
        assert node["bullwhip"]["per_replication"] == pytest.approx([1.0, 1.0], rel=1e-9)
    for echelon in res.echelons.values():
        assert echelon["bullwhip"]["per_replication"] == pytest.approx([1.0, 1.0], rel=1e-9)


def test_bullwhip_and_upstream_fill_rate_match_the_trace():
    res = _run(
        Distribution(stores=2),
        SS(s={"store": 6, "warehouse": 20}, S={"store": 14, "warehouse": 60}),
        horizon=200,
        warmup=20,
        replications=1,
    )
    trace = res.trace[res.trace.period >= 20]
    for name in ("store1", "warehouse"):
        rows = trace[trace.node == name].pivot(index="period", columns="sku")
        orders, asked = rows["order"].to_numpy(), rows["demand"].to_numpy()
        expected = orders.var(axis=0).sum() / asked.var(axis=0).sum()
        assert res.nodes[name]["bullwhip"]["mean"] == pytest.approx(expected, rel=1e-9)
        assert expected > 1.5  # (s,S) batches: the orders vary more than the demand
    # the warehouse fills its stores' orders of a period from stock on hand only
    assert 0.0 < res.nodes["warehouse"]["fill_rate"]["mean"] < 1.0
    plenty = _run(
        Distribution(stores=2),
        BaseStock(level={"store": 12, "warehouse": 10_000}),
        horizon=60,
        warmup=5,
        replications=1,
    )
    assert plenty.nodes["warehouse"]["fill_rate"]["mean"] == 1.0


def test_disrupted_periods_count_the_measured_periods_of_an_outage():
    outage = Disruptions(outages=[{"target": "external", "periods": [15], "duration": 8}])
    res = _run(
        Single(lead_time=2),
        BaseStock(level=12),
        horizon=60,
        warmup=10,
        replications=2,
        scenario={"disruption": outage},
    )
    assert res.nodes["store"]["disrupted_periods"]["per_replication"] == [8.0, 8.0]
    assert res.kpis["disrupted_periods"]["mean"] == 8.0
    trace = res.trace[res.trace.replication == 0]
    down = trace.loc[trace.sku == 0, "disrupted"].to_numpy()
    assert np.flatnonzero(down).tolist() == list(range(15, 23))
