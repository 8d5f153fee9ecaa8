"""sim/runner.py: replications side by side give each replication exactly its own result."""

from __future__ import annotations

import pytest

import sim.runner as runner
from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock
from policies.forecast_order_up_to import ForecastOrderUpTo
from policies.ss import SS
from sim.demand import Normal, Poisson
from sim.leadtime import Discrete
from sim.network import Costs, Distribution, Serial, Single
from sim.runner import Scenario, replication_batches, side_by_side_obstacle, simulate

REAL_SIDE_BY_SIDE = runner.side_by_side


def _run(scenario_factory, policy_factory, side: bool, monkeypatch, **kw):
    """The run's result and the widths of its side-by-side passes."""
    monkeypatch.setattr(runner, "SIDE_BY_SIDE_COLUMNS", 4096 if side else 0)
    calls = []

    def spy(*args, **kwargs):
        calls.append(len(args[3]))
        return REAL_SIDE_BY_SIDE(*args, **kwargs)

    monkeypatch.setattr(runner, "side_by_side", spy)
    result = simulate(scenario_factory(), policy_factory(), seed=11, **kw)
    return result, calls


CASES = {
    "single, Poisson, base-stock, traced": (
        lambda: Scenario(Single(lead_time=2), Poisson(mean=4.0, mean_spread=0.5), n_skus=3),
        lambda: BaseStock(),
        dict(horizon=300, warmup=30, replications=5, trace_skus=2),
    ),
    "single, random lead times, (s,S), lost sales": (
        lambda: Scenario(
            Single(lead_time=Discrete(values=[1, 2, 4], probabilities=[0.3, 0.5, 0.2])),
            Normal(mean=20.0, cv=0.3, mean_spread=0.3),
            Costs(holding=1, backorder=9, order_fixed=30),
            unmet_demand="lost_sales",
            n_skus=4,
        ),
        lambda: SS(),
        dict(horizon=200, replications=4),
    ),
    "serial, echelon base-stock, weekly demand": (
        lambda: Scenario(
            Serial(stages=3, lead_time=[1, 1, 2], holding=[7, 4, 2]),
            Poisson(mean=6.0, weekly_amplitude=0.3),
            Costs(holding=1, backorder=37),
            n_skus=2,
        ),
        lambda: EchelonBaseStock(),
        dict(horizon=150, replications=3, trace_skus=1),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_side_by_side_equals_one_at_a_time_bit_for_bit(case, monkeypatch):
    scenario, policy, kw = CASES[case]
    alone, calls_alone = _run(scenario, policy, False, monkeypatch, **kw)
    together, calls = _run(scenario, policy, True, monkeypatch, **kw)
    assert calls_alone == [] and calls == [kw["replications"]]  # one pass of all of them
    assert together.per_replication == alone.per_replication
    assert together.nodes == alone.nodes
    assert together.sku_table.equals(alone.sku_table)
    if kw.get("trace_skus"):
        assert together.trace.equals(alone.trace)


def _prepared(scenario: Scenario, policy) -> list:
    return runner.prepare(scenario, policy, seed=0, horizon=100)[0]


def test_groups_are_bounded_by_columns_and_memory(monkeypatch):
    scenario = Scenario(Single(lead_time=1), Poisson(mean=3.0), n_skus=1000)
    policies = _prepared(scenario, BaseStock(level=5.0))
    monkeypatch.setattr(runner, "SIDE_BY_SIDE_COLUMNS", 4096)
    groups = replication_batches(scenario, policies, 10, 100)
    assert [len(g) for g in groups] == [4, 4, 2]
    assert sum(groups, []) == list(range(10))
    # a long horizon: the demand of two replications would not fit the memory budget
    monkeypatch.setattr(runner, "SIDE_BY_SIDE_BYTES", 8 * 100 * 1000 * 3)
    groups = replication_batches(scenario, policies, 10, 100)
    assert groups == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert replication_batches(scenario, policies, 1, 100) == [[0]]


def test_what_keeps_replications_apart_is_named():
    dist = Scenario(Distribution(stores=2), Poisson(mean=3.0))
    assert "allocation" in side_by_side_obstacle(dist, _prepared(dist, BaseStock(level=5.0)))
    cont = Scenario(Single(lead_time=1), Poisson(mean=3.0), review="continuous")
    assert "continuous" in side_by_side_obstacle(cont, _prepared(cont, BaseStock(level=5.0)))
    single = Scenario(Single(lead_time=1), Poisson(mean=3.0))
    policies = _prepared(single, BaseStock(level=5.0))
    assert side_by_side_obstacle(single, policies) is None
    assert "columnwise" in side_by_side_obstacle(single, [ForecastOrderUpTo()])
