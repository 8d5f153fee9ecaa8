"""sim/runner.py and sim/columns.py: replications side by side and SKU blocks give each
replication exactly its own result."""

from __future__ import annotations

import numpy as np
import pytest

import sim.columns as columns
import sim.runner as runner
from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock
from policies.forecast_order_up_to import ForecastOrderUpTo
from policies.ss import SS
from sim.columns import replication_batches, side_by_side_obstacle
from sim.demand import Normal, Poisson
from sim.leadtime import Discrete
from sim.network import Costs, Distribution, Serial, Single
from sim.runner import Scenario, simulate

REAL_SIDE_BY_SIDE = columns.side_by_side


def _run(scenario_factory, policy_factory, side: bool, monkeypatch, **kw):
    """The run's result and the widths of its side-by-side passes."""
    monkeypatch.setattr(columns, "SIDE_BY_SIDE_COLUMNS", 4096 if side else 0)
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
    monkeypatch.setattr(columns, "SIDE_BY_SIDE_COLUMNS", 4096)
    groups = replication_batches(scenario, policies, 10, 100)
    assert [len(g) for g in groups] == [4, 4, 2]
    assert sum(groups, []) == list(range(10))
    # a long horizon: the demand of two replications would not fit the memory budget
    monkeypatch.setattr(columns, "SIDE_BY_SIDE_BYTES", 8 * 100 * 1000 * 3)
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


# -- SKU blocks ----------------------------------------------------------------------------


def _blocked(n_skus: int, block: int, monkeypatch, network=None, **kw):
    monkeypatch.setattr(columns, "SKU_BLOCK", block)
    calls = []
    real = columns.in_blocks

    def spy(*args, **kwargs):
        calls.append([(b.start, b.stop) for b in args[7]])
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "in_blocks", spy)
    scenario = Scenario(
        network or Single(lead_time=2),
        Poisson(mean=6.0, mean_spread=0.6),
        Costs(holding=1, backorder=9),
        n_skus=n_skus,
    )
    policy = EchelonBaseStock() if network is not None else BaseStock()
    return simulate(scenario, policy, seed=5, **kw), calls


@pytest.mark.parametrize("chain", [False, True])
def test_two_block_sizes_give_the_same_run(chain, monkeypatch):
    network = Serial(stages=2, lead_time=[1, 2]) if chain else None
    kw = dict(horizon=60, warmup=5, replications=2, trace_skus=3)
    small, calls_small = _blocked(2_500, 700, monkeypatch, network, **kw)
    large, calls_large = _blocked(2_500, 1_300, monkeypatch, network, **kw)
    assert calls_small[0] == [(0, 700), (700, 1400), (1400, 2100), (2100, 2500)]
    assert calls_large[0] == [(0, 1300), (1300, 2500)]
    assert small.per_replication == large.per_replication
    assert small.sku_table.equals(large.sku_table)
    assert small.trace.equals(large.trace)
    assert small.nodes == large.nodes


def test_a_run_within_one_block_draws_all_skus_at_once(monkeypatch):
    _, calls = _blocked(500, 1_000, monkeypatch, horizon=20)
    assert calls == []


def test_a_skus_block_demand_is_the_same_in_any_block():
    demand = Poisson(mean=3.0, mean_spread=1.0)
    demand.setup(50, np.random.default_rng(0))
    node = Single(lead_time=1)
    node.build(Costs())
    store = node.nodes[0]
    whole = demand.sample_block(store, 12345, -3, 40, slice(0, 50))
    assert whole.shape == (40, 50)
    assert np.array_equal(demand.sample_block(store, 12345, -3, 40, slice(17, 33)), whole[:, 17:33])
    assert np.array_equal(demand.sample_block(store, 12345, 7, 10, slice(0, 50)), whole[10:20])
    assert not np.array_equal(demand.sample_block(store, 999, -3, 40, slice(0, 50)), whole)


def test_what_keeps_a_run_from_going_block_by_block_is_named():
    random_lead = Scenario(
        Single(lead_time=Discrete(values=[1, 2], probabilities=[0.5, 0.5])), Poisson(mean=3.0)
    )
    policies = _prepared(random_lead, BaseStock(level=5.0))
    assert "lead times" in columns.block_obstacle(random_lead, policies)
    seasonal = Scenario(Single(lead_time=1), Poisson(mean=3.0, weekly_amplitude=0.3))
    policies = _prepared(seasonal, BaseStock(level=5.0))
    assert "draws all SKUs at once" in columns.block_obstacle(seasonal, policies)
    normal = Scenario(Single(lead_time=1), Normal(mean=3.0, cv=0.2))
    assert "draws all SKUs at once" in columns.block_obstacle(
        normal, _prepared(normal, BaseStock(level=5.0))
    )
    plain = Scenario(Single(lead_time=1), Poisson(mean=3.0))
    assert columns.block_obstacle(plain, _prepared(plain, BaseStock(level=5.0))) is None
