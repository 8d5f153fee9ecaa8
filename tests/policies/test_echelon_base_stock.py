"""Tests of :mod:`policies.echelon_base_stock`: a stage orders up to its echelon level, the
derived levels of a chain are Clark & Scarf's (Chen & Zheng 1994) solved once per distinct
SKU, a single node gets the newsvendor level, and what cannot be derived is refused in one
line naming the fix."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import policies.echelon_base_stock as echelon_module
from policies.base import InventoryState, NetworkContext
from policies.base_stock import BaseStock
from policies.echelon_base_stock import EchelonBaseStock, EchelonStage
from policies.optimal import clark_scarf_poisson, local_to_echelon_holding
from tests.conftest import poisson_context


def _chain(mean, upstream_holding: float = 0.5) -> NetworkContext:
    """A two-stage chain (topology None: node 0 faces customers, node 1 feeds it)."""
    store = poisson_context(mean)
    warehouse = dataclasses.replace(
        store,
        node="warehouse",
        holding=np.full(store.n_skus, upstream_holding),
        lead_time_mean=np.full(store.n_skus, 3.0),
    )
    return NetworkContext([store, warehouse])


def test_a_stage_orders_up_to_its_echelon_level() -> None:
    stage = EchelonStage(level=np.array([20.0, 5.0]))
    state = InventoryState(
        0.0, np.array([4.0, 1.0]), np.zeros(2), np.zeros(2), np.array([12.0, 9.0])
    )
    np.testing.assert_array_equal(stage.order_quantity(state), [8.0, 0.0])
    plain = InventoryState(0.0, np.array([4.0, 1.0]), np.zeros(2), np.zeros(2))
    np.testing.assert_array_equal(stage.order_quantity(plain), [16.0, 4.0])


def test_a_single_node_gets_the_newsvendor_level() -> None:
    context = poisson_context([3.0, 7.0])
    stage = EchelonBaseStock().prepare(context)
    np.testing.assert_array_equal(stage.level, BaseStock().prepare(context).level)


def test_chain_levels_are_clark_scarf_solved_once_per_distinct_sku(monkeypatch) -> None:
    calls = []

    def counted(*args):
        calls.append(args)
        return clark_scarf_poisson(*args)

    monkeypatch.setattr(echelon_module, "clark_scarf_poisson", counted)
    stages = EchelonBaseStock().for_network(_chain([2.0, 4.0, 2.0]))
    assert len(calls) == 2
    for sku, mean in enumerate([2.0, 4.0, 2.0]):
        sol = clark_scarf_poisson(mean, local_to_echelon_holding([1.0, 0.5]), [2, 3], 9.0)
        assert [stage.level[sku] for stage in stages] == sol.levels.tolist()


def test_given_levels_are_kept_per_node() -> None:
    stages = EchelonBaseStock(levels={"warehouse": 40}).for_network(_chain([2.0]))
    assert stages[1].level.tolist() == [40.0]
    derived = EchelonBaseStock().for_network(_chain([2.0]))
    assert stages[0].level.tolist() == derived[0].level.tolist()


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (dict(unmet_demand="lost_sales"), "for backorders only"),
        (dict(lead_time_std=np.array([1.0])), "deterministic lead times only"),
        (dict(review_period=2), "review every period"),
    ],
)
def test_what_cannot_be_derived_is_refused(change, needle) -> None:
    chain = _chain([2.0])
    nodes = [dataclasses.replace(node, **change) for node in chain.nodes]
    with pytest.raises(ValueError, match=needle):
        EchelonBaseStock().for_network(NetworkContext(nodes))


def test_bad_levels_and_grid_steps_name_the_key() -> None:
    with pytest.raises(
        ValueError,
        match=r"policy.levels\(=\[1.0\]\) must have one level per node \(2: store, warehouse\)",
    ):
        EchelonBaseStock(levels=[1]).for_network(_chain([2.0]))
    with pytest.raises(
        ValueError, match=r"policy.levels.shop\(=3.0\): no node or role named .shop."
    ):
        EchelonBaseStock(levels={"shop": 3}).for_network(_chain([2.0]))
    with pytest.raises(ValueError, match=r"policy.grid_step\(=0\) must be a positive finite"):
        EchelonBaseStock(grid_step=0)
    with pytest.raises(ValueError, match=r"policy.levels\[0\]\(='a'\) must be a finite number"):
        EchelonBaseStock(levels=["a"])
