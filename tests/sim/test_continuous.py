"""sim.continuous: time-average levels of one node between demand events, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from policies.base import InventoryState
from sim.continuous import ContinuousSimulation
from sim.leadtime import Deterministic
from sim.network import Edge, Node


class _Never:
    """A policy that never orders (the levels then follow the demand alone)."""

    def order_quantity(self, state: InventoryState, forecast: object = None) -> np.ndarray:
        return np.zeros_like(state.on_hand)


class _OneOrder:
    """Orders ``qty`` of SKU 0 at time 0 only."""

    def __init__(self, qty: float) -> None:
        self.qty = qty

    def order_quantity(self, state: InventoryState, forecast: object = None) -> np.ndarray:
        out = np.zeros_like(state.on_hand)
        if state.time == 0.0:
            out[0] = self.qty
        return out


def _run(policy: object, unmet: str = "backorder", trace: int = 1) -> ContinuousSimulation:
    lead = Deterministic(value=2)
    lead.setup(1, np.random.default_rng(0))
    sim = ContinuousSimulation(
        node=Node("store", 1.0, True),
        policy=policy,  # type: ignore[arg-type]
        n_skus=1,
        # demand of 3 at t=0.5, 4 at 1.5 and 5 at 2.5 (SKU 0)
        events=(np.array([0.5, 1.5, 2.5]), np.array([0, 0, 0]), np.array([3.0, 4.0, 5.0])),
        lead_time=lead,
        lead_time_rng=np.random.default_rng(1),
        unmet_demand=unmet,  # type: ignore[arg-type]
        horizon=4.0,
        warmup=0.0,
        initial_on_hand=np.array([10.0]),
        trace_skus=trace,
        edge=Edge(None, "store", lead),
    )
    return sim


def test_levels_are_time_integrals_between_events() -> None:
    """On hand 10 until 0.5, 7 until 1.5, 3 until 2.5, then 0 with 2 backordered until 4:
    integrals 5 + 7 + 3 + 0 = 15 and 2 * 1.5 = 3 over 4 time units."""
    out = _run(_Never()).run()
    totals = out.totals[0]
    assert totals.n_periods == 4.0
    assert totals.on_hand[0] == pytest.approx(15.0)
    assert totals.backorders[0] == pytest.approx(3.0)
    assert totals.demand[0] == 12.0 and totals.served[0] == 10.0
    assert out.final_backorders[0][0] == 2.0
    # periods 2 (the shortfall) and 3 (backorders open at its end) are stock-out periods
    assert totals.stockout_periods[0] == 2.0
    trace = out.traces[0].fields  # type: ignore[index]
    np.testing.assert_array_equal(trace["demand"][:, 0], [3.0, 4.0, 5.0, 0.0])
    np.testing.assert_array_equal(trace["on_hand"][:, 0], [7.0, 3.0, 0.0, 0.0])


def test_lost_sales_are_counted_not_backordered() -> None:
    out = _run(_Never(), unmet="lost_sales", trace=0).run()
    assert out.traces is None
    assert out.totals[0].lost[0] == 2.0 and out.totals[0].backorders[0] == 0.0
    assert out.lost_total[0][0] == 2.0


def test_an_order_arrives_after_its_lead_time_and_fills_backorders_first() -> None:
    """8 units ordered at 0 arrive at 2: on hand 10, 7, 3 and then 11 from t=2; 5 more at
    2.5 leaves 6. In transit 8 for 2 time units."""
    out = _run(_OneOrder(8.0)).run()
    totals = out.totals[0]
    assert totals.in_transit[0] == pytest.approx(16.0)
    assert totals.on_hand[0] == pytest.approx(5 + 7 + 0.5 * 3 + 0.5 * 11 + 1.5 * 6)
    assert totals.backorders[0] == 0.0
    assert out.received_total[0][0] == 8.0 and totals.orders[0] == 1.0
    assert out.final_on_hand[0][0] == 6.0
