"""``policy=base_stock`` on a warehouse feeding stores: the derived installation levels
minimise the exact cost of the network (Graves 1985; Axsäter 1990), and the simulator
agrees with that cost.

Three kinds of evidence: the fast search (:func:`distribution_search_exact`) against the
full scan of every warehouse level (:func:`distribution_optimal_exact`) and brute force;
the simulated cost of the derived levels against the exact cost plus the level-free
pipeline term ``h0 Lambda L`` (99% Student-t interval over replications, and narrow); and
neighbouring levels simulated with common random numbers, whose cost differences match the
exact differences and are never significantly negative.

The single-node level, the newsvendor on protection-interval demand, is tested at the end."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from scipy import stats

from policies.base_stock import BaseStock, optimal_level
from policies.optimal import distribution_exact as de
from policies.optimal.distribution_exact import (
    distribution_cost_exact,
    distribution_optimal_exact,
    distribution_search_exact,
)
from sim import demand as dm
from sim.network import Costs, Distribution
from sim.runner import Scenario, prepare, simulate
from tests.conftest import run_cli

# --------------------------------------------------------------------- the search


def _random_systems(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(1, 5))
        rates = np.round(rng.uniform(0.2, 4.0, n), 2)
        h_0 = float(rng.uniform(0.05, 1.0))
        yield (
            rates,
            int(rng.integers(1, 5)),
            rng.integers(1, 4, n),
            h_0,
            np.round(h_0 + rng.uniform(0.0, 2.0, n), 3),
            np.round(rng.uniform(2.0, 40.0, n), 2),
        )


@pytest.mark.parametrize("system", list(_random_systems(25, 11)))
def test_search_finds_the_full_scan_optimum(system) -> None:
    """Below FULL_SCAN_SUPPORT the search tries every warehouse level: the global optimum."""
    scan = distribution_optimal_exact(*system)
    found = distribution_search_exact(*system)
    assert found.warehouse_level == scan.warehouse_level
    assert np.array_equal(found.store_levels, scan.store_levels)
    assert found.cost == pytest.approx(scan.cost, rel=1e-12)


@pytest.mark.parametrize(
    "rates, lead_0, h_0, h_s, p, forced",
    [
        ([8.0] * 10, 4, 0.05, 0.1, 1.0, True),  # the saw-tooth: a descent stops at 317
        ([20.0, 20.0, 10.0, 10.0, 60.0], 5, 0.5, 1.0, 19.0, False),
        ([30.0] * 6, 4, 0.2, 0.25, 4.0, False),
        ([2.0] * 35, 8, 0.1, 0.1, 2.0, False),
    ],
)
def test_window_search_finds_the_optimum_of_every_level(
    rates, lead_0, h_0, h_s, p, forced, monkeypatch
) -> None:
    """Above FULL_SCAN_SUPPORT (or below it, forced) only a window around METRIC's level is
    tried: it holds the optimum over every warehouse level on these systems (the profile
    over every level is the full scan's computation, checked against it above)."""
    mean_0 = sum(rates) * lead_0
    top = int(stats.poisson.isf(1e-16, mean_0)) + 2
    assert forced or top > de.FULL_SCAN_SUPPORT
    if forced:
        monkeypatch.setattr(de, "FULL_SCAN_SUPPORT", 0)
    system = de._check_system(rates, lead_0, 2, h_0, h_s, p)
    free = np.full(len(rates), np.nan)
    every = de._profile_exact(system, free, np.arange(top))
    found = distribution_search_exact(rates, lead_0, 2, h_0, h_s, p)
    assert found.warehouse_level == int(np.argmin(every))
    assert found.cost == pytest.approx(float(every.min()), rel=1e-10)


def test_fixed_levels_are_kept_and_the_others_optimised_given_them() -> None:
    rates, lead_0, leads, h_0, h_s, p = [1.0, 2.0, 3.0], 3, [1, 2, 2], 0.5, 1.0, 10.0
    # warehouse fixed: every store at its exact best level given it (brute force, one
    # store at a time: given S0 the cost is a sum of the stores' costs)
    found = distribution_search_exact(rates, lead_0, leads, h_0, h_s, p, warehouse_level=4)
    assert found.warehouse_level == 4
    for j in range(3):
        trial = [list(found.store_levels) for _ in range(41)]
        for level, levels in enumerate(trial):
            levels[j] = level
        costs = [
            distribution_cost_exact(rates, lead_0, leads, 4, x, h_0, h_s, p).cost for x in trial
        ]
        assert int(np.argmin(costs)) == found.store_levels[j]
        assert found.cost == pytest.approx(min(costs), rel=1e-12)
    # two stores fixed: the warehouse and the third store are optimised (brute force)
    found = distribution_search_exact(rates, lead_0, leads, h_0, h_s, p, store_levels=[3, None, 9])
    best = min(
        (distribution_cost_exact(rates, lead_0, leads, s0, [3, s2, 9], h_0, h_s, p).cost, s0, s2)
        for s0 in range(40)
        for s2 in range(20)
    )
    assert found.cost == pytest.approx(best[0], rel=1e-12)
    assert (found.warehouse_level, found.store_levels[1]) == best[1:]
    assert found.store_levels[[0, 2]].tolist() == [3, 9]
    with pytest.raises(ValueError, match=r"store_levels\(=\[1.0, 2.0\]\)"):
        distribution_search_exact(rates, lead_0, leads, h_0, h_s, p, store_levels=[1, 2])
    with pytest.raises(ValueError, match=r"warehouse_level\(=-1"):
        distribution_search_exact(rates, lead_0, leads, h_0, h_s, p, warehouse_level=-1)


# --------------------------------------------------------------------- the simulation

MEAN, WEIGHTS, LEAD_0, LEAD, H_0, H_S, P = 2.0, [1.0, 1.0, 2.0], 3, 2, 0.5, 1.0, 10.0
RATES = [MEAN * w for w in WEIGHTS]
N_SKUS = 20


def _scenario(demand=None, **network) -> Scenario:
    net = Distribution(
        stores=3,
        lead_time=LEAD,
        warehouse_lead_time=LEAD_0,
        store_weights=WEIGHTS,
        holding={"warehouse": H_0, "store": H_S},
        **network,
    )
    demand = dm.Poisson(mean=MEAN) if demand is None else demand
    return Scenario(net, demand, Costs(holding=H_S, backorder=P, order_fixed=0), n_skus=N_SKUS)


def _per_sku_costs(policy, horizon: int, replications: int, seed: int = 3):
    res = simulate(
        _scenario(), policy, horizon=horizon, warmup=100, replications=replications, seed=seed
    )
    return np.asarray(res.kpis["cost_per_period"]["per_replication"]) / N_SKUS, res


def _ci99(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(
        stats.t.ppf(0.995, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    )


def _levels(res) -> tuple[int, list[int]]:
    params = res.policy_parameters
    level = {name: set(np.atleast_1d(p["level"]).tolist()) for name, p in params.items()}
    assert all(len(v) == 1 for v in level.values())  # identical SKUs, identical levels
    return int(level["warehouse"].pop()), [int(level[f"store{i}"].pop()) for i in (1, 2, 3)]


@pytest.mark.slow
def test_derived_levels_are_the_exact_optimum_and_simulate_to_its_cost() -> None:
    """Graves's cost is exact in Stocklab's period convention (FIFO allocation draws the
    order of a period's units at random): the simulated cost per period is the exact cost
    plus h0 Lambda L, the stock in transit to the stores and the warehouse's arrivals of
    the period, both at the warehouse's rate."""
    costs, res = _per_sku_costs(BaseStock(), horizon=2_100, replications=10)
    exact = distribution_optimal_exact(RATES, LEAD_0, LEAD, H_0, H_S, P)
    assert _levels(res) == (exact.warehouse_level, exact.store_levels.tolist())
    assert _levels(res) == (26, [7, 7, 13])  # computed here; the scan above agrees
    target = exact.cost + H_0 * sum(RATES) * LEAD
    mean, half = _ci99(costs)
    assert half <= 0.005 * target
    assert abs(mean - target) <= half, f"exact {target} not in {mean:.4f} ± {half:.4f}"


@pytest.mark.slow
def test_neighbouring_levels_cost_what_the_exact_cost_says_and_never_less() -> None:
    """Common random numbers (each store's demand has its own named stream): the simulated
    difference neighbour - optimum matches the exact difference inside its 99% interval,
    no neighbour is significantly cheaper, and some are significantly dearer (the check
    has the power to fail)."""
    level_0, stores = 26, [7, 7, 13]
    names = ["store1", "store2", "store3"]

    def run(level_0: int, stores: list[int]) -> np.ndarray:
        level = {"warehouse": level_0} | dict(zip(names, stores, strict=True))
        return _per_sku_costs(BaseStock(level=level), horizon=700, replications=5)[0]

    base = run(level_0, stores)
    exact_base = distribution_cost_exact(RATES, LEAD_0, LEAD, level_0, stores, H_0, H_S, P).cost
    moves = [(d, None) for d in (-1, 1)] + [(d, j) for j in (0, 2) for d in (-1, 1)]
    dearer = 0
    for step, j in moves:
        s0 = level_0 + step if j is None else level_0
        s = list(stores)
        if j is not None:
            s[j] += step
        diff_mean, half = _ci99(run(s0, s) - base)
        exact_diff = (
            distribution_cost_exact(RATES, LEAD_0, LEAD, s0, s, H_0, H_S, P).cost - exact_base
        )
        assert exact_diff > 0
        assert diff_mean > -half, f"{(s0, s)} cheaper than the optimum: {diff_mean} ± {half}"
        assert abs(diff_mean - exact_diff) <= half, f"{(s0, s)}: {exact_diff} vs {diff_mean}±{half}"
        dearer += diff_mean - half > 0
    assert dearer >= 4


NAMES = ["store1", "store2", "store3", "warehouse"]


def test_levels_given_for_some_nodes_are_kept() -> None:
    policies, _ = prepare(_scenario(), BaseStock(level={"warehouse": 10}), seed=0)
    levels = {name: float(p.level[0]) for name, p in zip(NAMES, policies, strict=True)}
    best = distribution_search_exact(RATES, LEAD_0, LEAD, H_0, H_S, P, warehouse_level=10)
    assert levels["warehouse"] == 10
    assert [levels[n] for n in ("store1", "store2", "store3")] == best.store_levels.tolist()


@pytest.mark.parametrize(
    "demand, network, policy",
    [
        (dm.Normal(mean=2.0, std=1.0), {}, BaseStock()),  # not Poisson
        (None, {"review_period": 2}, BaseStock()),  # not every period
        (None, {}, BaseStock(level={"warehouse": 10.5})),  # not whole units
    ],
)
def test_outside_the_exact_model_each_node_gets_its_newsvendor_level(
    demand, network, policy
) -> None:
    policies, contexts = prepare(_scenario(demand, **network), policy, seed=0)
    for p, node, name in zip(policies, contexts.nodes, NAMES, strict=True):
        if name == "warehouse" and policy.by_node:
            assert np.all(p.level == 10.5)
        else:
            assert np.array_equal(p.level, optimal_level(node))


@pytest.mark.cli
def test_cli_derives_the_stores_given_a_warehouse_level(tmp_path) -> None:
    proc = run_cli(
        ["scenario=distribution", "policy=base_stock", "policy.level={warehouse:100}"]
        + ["demand.mean_spread=0", "horizon=40", "warmup=5", "replications=2", "n_skus=2"]
        + ["trace_skus=0", "progress=false", f"hydra.run.dir={tmp_path}"]
    )
    assert proc.returncode == 0, proc.stderr
    levels = json.loads((tmp_path / "metrics.json").read_text())["policy_parameters"]
    best = distribution_search_exact([3.0] * 10, 4, 2, 0.05, 0.1, 1.0, warehouse_level=100)
    assert levels["warehouse"]["level"] == [100.0, 100.0]
    assert levels["store7"]["level"] == [float(best.store_levels[6])] * 2


# --------------------------------------------------------------------------- single node


def test_single_node_level_is_the_newsvendor_fractile_of_protection_demand() -> None:
    """Poisson(3) over 2 periods, ratio 9 / 10: the 0.9-quantile of Poisson(6); with a
    random lead time, the normal fractile of the random-sum std."""
    from tests.conftest import poisson_context

    context = poisson_context([3.0])
    assert optimal_level(context).tolist() == [stats.poisson.ppf(0.9, 6.0)]
    random = dataclasses.replace(context, lead_time_std=np.array([1.0]))
    expected = 6.0 + stats.norm.ppf(0.9) * math.sqrt(2 * 3.0 + 9.0 * 1.0)
    assert optimal_level(random).tolist() == pytest.approx([expected])
    assert BaseStock(level=5).prepare(context).level.tolist() == [5.0]
