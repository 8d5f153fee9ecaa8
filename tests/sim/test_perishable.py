"""Perishable goods in the periodic engine (:class:`sim.engine.PeriodicSimulation`,
``shelf_life``): FIFO issuing and waste computed by hand, the newsvendor with outdating as an
exact oracle (replications, 99% confidence intervals), the non-perishable path unchanged,
and the validation of shelf lives.

The oracle: with shelf life 1, lead time 1, lost sales and order-up-to ``S`` reviewed every
period, nothing carries over (the leftovers are discarded at the end of each period) and the
order placed at the review arrives at the start of the next, so every period starts with
exactly ``S`` fresh units. One period is then a newsvendor with overage ``h + w`` (holding
plus waste) and underage ``p`` (the lost-sale penalty): ``C(S) = (h + w) E(S - D)^+ + p E(D -
S)^+``, waste per period ``E(S - D)^+`` and fill rate ``1 - E(D - S)^+ / μ``, ``D ~
Poisson(μ)`` (Nahmias 1982, Sec. 2: with a lifetime of one period the perishable problem is
the newsvendor).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from policies.base import Policy
from policies.base_stock import BaseStock
from sim.engine import TRACE_FIELDS, PeriodicSimulation
from sim.kpi import KPI_NAMES, NODE_KPI_NAMES, node_kpis, replication_kpis, sku_kpis
from sim.network import Costs, Serial, Single


class Scripted(Policy):
    """Orders ``orders[t]`` (one value for every SKU) at the review of period ``t``."""

    param_names = ("orders",)

    def __init__(self, *, orders):
        self.orders = tuple(orders)

    def order_quantity(self, state, forecast=None):
        t = int(state.time)
        amount = self.orders[t] if t < len(self.orders) else 0.0
        return np.full(np.shape(state.on_hand), float(amount))


_OMITTED = object()


def simulation(
    net,
    policies,
    demand,
    initial,
    *,
    shelf_life=_OMITTED,
    unmet="lost_sales",
    warmup=0,
    costs=None,
    **kwargs,
):
    """A simulation of ``net`` (built here) with ``demand`` (periods, SKUs) at its one
    demand-facing node and initial stock per node; deterministic lead times. Without
    ``shelf_life`` the keyword is left out, as callers written before it leave it out."""
    net.build(costs or Costs())
    demand = np.asarray(demand, dtype=float)
    n_skus = demand.shape[-1]
    return PeriodicSimulation(
        nodes=net.nodes,
        edges=net.edges,
        topology=net.topology,
        policies=policies,
        demand=demand,
        lead_times=[ed.lead_time.constant for ed in net.edges],
        unmet_demand=unmet,
        review_period=1,
        warmup=warmup,
        initial_on_hand=[np.full(n_skus, float(x)) for x in initial],
        trace_skus=n_skus,
        **({} if shelf_life is _OMITTED else {"shelf_life": shelf_life}),
        **kwargs,
    )


def trace(out, node, field):
    return out.traces[node].fields[field]


# --------------------------------------------------------------------------- by hand


def test_fifo_issuing_by_hand_phase_by_phase():
    """Shelf life 2, lead time 1, lost sales; initial stock 5, one order of 4 at the end of
    period 0, demand 2, 1, 2. Buckets are (remaining life 1, remaining life 2).

    period 0: 5 fresh (0, 5); sell 2 -> (0, 3); nothing expires; age -> (3, 0); order 4.
    period 1: 4 arrive (3, 4); sell 1, the oldest -> (2, 4); discard 2; age -> (4, 0).
    period 2: sell 2 -> (2, 0); discard 2.
    Issuing the freshest first would waste 0, 3, 1 instead of 0, 2, 2."""
    demand = np.array([[2.0], [1.0], [2.0]])
    sim = simulation(Single(lead_time=1), [Scripted(orders=[4])], demand, [5], shelf_life=[2])
    sim._start_state()
    np.testing.assert_array_equal(sim.ages[0, :, 0], [0, 5])
    sim.arrive(0)
    sim.serve(demand[0][None])
    np.testing.assert_array_equal(sim.ages[0, :, 0], [0, 3])
    sim.expire(0, measured=True)
    np.testing.assert_array_equal(sim.ages[0, :, 0], [3, 0])
    np.testing.assert_array_equal(sim.waste, [[0]])
    sim.review_and_order(0, {}, measured=True)
    sim.ship(0, measured=True)
    sim.arrive(1)
    np.testing.assert_array_equal(sim.ages[0, :, 0], [3, 4])
    sim.serve(demand[1][None])
    np.testing.assert_array_equal(sim.ages[0, :, 0], [2, 4])
    sim.expire(1, measured=True)
    np.testing.assert_array_equal(sim.waste, [[2]])
    np.testing.assert_array_equal(sim.ages[0, :, 0], [4, 0])
    np.testing.assert_array_equal(sim.on_hand, [[4]])

    out = simulation(Single(lead_time=1), [Scripted(orders=[4])], demand, [5], shelf_life=[2]).run()
    np.testing.assert_array_equal(trace(out, 0, "waste")[:, 0], [0, 2, 2])
    np.testing.assert_array_equal(trace(out, 0, "on_hand")[:, 0], [3, 4, 0])
    np.testing.assert_array_equal(trace(out, 0, "served")[:, 0], [2, 1, 2])
    np.testing.assert_array_equal(out.waste_total[0], [4])
    np.testing.assert_array_equal(out.totals[0].waste, [4])


def test_each_sku_has_its_own_shelf_life():
    """SKU 0 as above (life 2); SKU 1 (life 1) loses whatever is left each period: 3 of
    the initial 5, then 3 of the 4 that arrive, and period 2 starts empty (2 lost)."""
    demand = np.array([[2.0, 2.0], [1.0, 1.0], [2.0, 2.0]])
    out = simulation(
        Single(lead_time=1), [Scripted(orders=[4])], demand, [5], shelf_life=[2, 1]
    ).run()
    np.testing.assert_array_equal(trace(out, 0, "waste"), [[0, 3], [2, 3], [2, 0]])
    np.testing.assert_array_equal(trace(out, 0, "lost"), [[0, 0], [0, 0], [0, 2]])
    np.testing.assert_array_equal(out.waste_total[0], [4, 6])


def test_backorders_are_filled_from_arrivals_before_they_age():
    """Shelf life 2, backorders; initial 3, an order of 6 at the end of period 0, demand 5,
    1, 1. Period 0 backorders 2; period 1 receives 6, fills the 2 backorders and sells 1:
    3 left, which age to remaining life 1 and expire at the end of period 2 less the 1
    sold then."""
    demand = np.array([[5.0], [1.0], [1.0]])
    out = simulation(
        Single(lead_time=1),
        [Scripted(orders=[6])],
        demand,
        [3],
        shelf_life=[2],
        unmet="backorder",
    ).run()
    np.testing.assert_array_equal(trace(out, 0, "backorders")[:, 0], [2, 0, 0])
    np.testing.assert_array_equal(trace(out, 0, "on_hand")[:, 0], [0, 3, 0])
    np.testing.assert_array_equal(trace(out, 0, "waste")[:, 0], [0, 0, 2])


def test_shipments_leave_oldest_first_and_arrive_fresh():
    """Serial, store (node 0) <- warehouse (node 1), lead time 1, shelf life 2. The
    warehouse starts with 6 units; the store orders 3 at the end of period 0 and 2 at the
    end of period 1, and sells 2 in period 2. A node that ships to others discards after
    shipping, so units on their last day can still leave.

    period 0: 3 of the warehouse's 6 ship; the other 3 age to remaining life 1.
    period 1: the 3 arrive at the store fresh (remaining life 2: age restarts at the
    node); the warehouse ships 2 of its 3 last-day units and discards the third.
    period 2: the 2 arrive fresh; the store sells its 2 oldest (remaining life 1) and
    discards the third of those, keeping the 2 fresh ones."""
    demand = np.array([[0.0], [0.0], [2.0]])
    out = simulation(
        Serial(stages=2, lead_time=1),
        [Scripted(orders=[3, 2]), Scripted(orders=[])],
        demand,
        [0, 6],
        shelf_life=[2],
    ).run()
    np.testing.assert_array_equal(trace(out, 1, "waste")[:, 0], [0, 1, 0])
    np.testing.assert_array_equal(trace(out, 1, "served")[:, 0], [3, 2, 0])
    np.testing.assert_array_equal(trace(out, 1, "backorders")[:, 0], [0, 0, 0])
    np.testing.assert_array_equal(trace(out, 0, "received")[:, 0], [0, 3, 2])
    np.testing.assert_array_equal(trace(out, 0, "waste")[:, 0], [0, 0, 1])
    np.testing.assert_array_equal(trace(out, 0, "on_hand")[:, 0], [0, 3, 2])
    np.testing.assert_array_equal([w[0] for w in out.waste_total], [1, 1])


def test_holding_is_charged_before_the_discard_and_waste_is_costed():
    """The example of the FIFO test: end-of-period stock after sales is 3, 6, 2 (the
    holding base), waste 0, 2, 2; waste costs 5 per unit."""
    demand = np.array([[2.0], [1.0], [2.0]])
    costs = Costs(holding=1.0, lost_sale=9.0, waste=5.0)
    out = simulation(
        Single(lead_time=1), [Scripted(orders=[4])], demand, [5], shelf_life=[2], costs=costs
    ).run()
    kpis = replication_kpis(out, costs, "lost_sales")
    assert kpis["holding_cost"] == pytest.approx(11 / 3)
    assert kpis["waste"] == pytest.approx(4 / 3)
    assert kpis["waste_cost"] == pytest.approx(20 / 3)
    assert kpis["cost_per_period"] == pytest.approx(11 / 3 + 20 / 3)
    node = node_kpis(out, costs, "lost_sales")["store"]
    assert set(node) == set(NODE_KPI_NAMES)
    assert node["waste"] == kpis["waste"] and node["waste_cost"] == kpis["waste_cost"]
    table = sku_kpis(out, costs, "lost_sales", 0)
    assert table["waste"].tolist() == pytest.approx([4 / 3])
    assert table["cost_per_period"].tolist() == pytest.approx([31 / 3])
    assert {"waste", "waste_cost"} <= set(KPI_NAMES)


def test_waste_is_measured_after_the_warm_up():
    demand = np.array([[2.0], [1.0], [2.0]])
    out = simulation(
        Single(lead_time=1), [Scripted(orders=[4])], demand, [5], shelf_life=[2], warmup=2
    ).run()
    np.testing.assert_array_equal(out.totals[0].waste, [2])  # period 2 only
    np.testing.assert_array_equal(out.waste_total[0], [4])  # the whole horizon


# --------------------------------------------------------------------------- unchanged


def _random_run(shelf_life=_OMITTED):
    rng = np.random.default_rng(3)
    demand = rng.poisson(4.0, size=(60, 3)).astype(float)
    net = Serial(stages=2, lead_time=2)
    sim = simulation(
        net,
        [BaseStock(level=14.0), BaseStock(level=20.0)],
        demand,
        [6, 10],
        shelf_life=shelf_life,
        unmet="backorder",
        warmup=5,
    )
    return sim.run()


def _assert_identical(a, b):
    for name in (
        "final_on_hand",
        "final_in_transit",
        "final_backorders",
        "final_owed",
        "received_total",
        "ordered_total",
        "served_total",
        "lost_total",
        "waste_total",
    ):
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            np.testing.assert_array_equal(x, y, err_msg=name)
    for ta, tb in zip(a.totals, b.totals, strict=True):
        for name, value in vars(ta).items():
            np.testing.assert_array_equal(value, getattr(tb, name), err_msg=name)
    for ta, tb in zip(a.traces, b.traces, strict=True):
        for f in TRACE_FIELDS:
            np.testing.assert_array_equal(ta.fields[f], tb.fields[f], err_msg=f)


def test_no_shelf_life_means_nothing_perishes():
    plain = _random_run()
    _assert_identical(plain, _random_run(shelf_life=None))
    for tr in plain.traces:
        assert not tr.fields["waste"].any()
    assert all(not w.any() for w in plain.waste_total)


@pytest.mark.parametrize("life", [61, 62, 10**9])
def test_a_shelf_life_beyond_the_horizon_changes_nothing(life):
    """Horizon 60: units arriving at period 0 with life 61 would expire at the end of
    period 60, after the run. Outputs equal the non-perishable run bit for bit."""
    _assert_identical(_random_run(), _random_run(shelf_life=[life] * 3))


def test_a_shelf_life_within_the_horizon_wastes_something():
    out = _random_run(shelf_life=[2, 3, 60])
    waste = np.sum(out.waste_total, axis=0)
    assert waste[0] > 0 and waste[1] > 0 and waste[2] == 0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ([0, 2], "demand.shelf_life[0](=0)"),
        ([3, -1], "demand.shelf_life[1](=-1)"),
        ([2, 1.5], "demand.shelf_life[1](=1.5)"),
        ([float("nan"), 2], "demand.shelf_life[0](=nan)"),
        ([2, float("inf")], "demand.shelf_life[1](=inf)"),
        ([2], "shape (2,)"),
        ([[2, 2]], "shape (2,)"),
        (3, "shape (2,)"),
        ([True, True], "demand.shelf_life(="),
        (["a", "b"], "demand.shelf_life(="),
    ],
)
def test_bad_shelf_lives_are_refused(value, needle):
    with pytest.raises(ValueError, match="demand.shelf_life") as err:
        simulation(
            Single(lead_time=1), [BaseStock(level=3.0)], np.ones((4, 2)), [0], shelf_life=value
        )
    assert needle in str(err.value)


def test_waste_cost_must_not_be_negative():
    with pytest.raises(ValueError, match="costs.waste"):
        Costs(waste=-1.0)


# --------------------------------------------------------------------------- exact


MU, S, H, W, P = 10.0, 12, 1.0, 2.0, 9.0
N_SKUS, HORIZON, REPLICATIONS = 50, 2_000, 10


def newsvendor_with_outdating(mu: float, level: int, h: float, w: float, p: float):
    """Expected leftovers E(S - D)^+ (all discarded), lost sales E(D - S)^+ and cost per
    period, D ~ Poisson(mu)."""
    k = np.arange(level)
    over = float(np.dot(level - k, stats.poisson.pmf(k, mu)))
    under = mu - level + over  # E(D - S)^+ = E D - S + E(S - D)^+
    return over, under, (h + w) * over + p * under


def test_one_period_shelf_life_is_a_newsvendor():
    """Shelf life 1, lead time 1, lost sales, order-up-to S = 12 every period, Poisson(10)
    demand, h = 1, w = 2, p = 9 (critical ratio 9 / 12: S = 12 is the optimal level).
    Initial stock S makes period 0 like every other (warm-up 0): each period starts with
    exactly S fresh units, so the waste of a period is (S - D)^+ path by path; over 10
    replications of 2000 periods x 50 independent SKUs the cost, waste and fill rate per
    SKU-period lie in 99% Student-t intervals narrower than 1% of their means."""
    costs = Costs(holding=H, lost_sale=P, waste=W)
    over, under, cost = newsvendor_with_outdating(MU, S, H, W, P)
    seeds = np.random.SeedSequence(2024).spawn(REPLICATIONS)
    rows = []
    for seed in seeds:
        demand = np.random.default_rng(seed).poisson(MU, size=(HORIZON, N_SKUS)).astype(float)
        out = simulation(
            Single(lead_time=1),
            [BaseStock(level=float(S))],
            demand,
            [S],
            shelf_life=np.ones(N_SKUS, dtype=int),
            costs=costs,
        ).run()
        # every period starts with S fresh units: leftovers are wasted, nothing carries over
        np.testing.assert_array_equal(trace(out, 0, "received")[1:], S)
        np.testing.assert_array_equal(trace(out, 0, "waste"), np.maximum(S - demand, 0))
        assert not trace(out, 0, "on_hand").any()
        kpis = replication_kpis(out, costs, "lost_sales")
        rows.append((kpis["cost_per_period"] / N_SKUS, kpis["waste"] / N_SKUS, kpis["fill_rate"]))
    values = np.array(rows)
    mean = values.mean(axis=0)
    half = stats.t.ppf(0.995, REPLICATIONS - 1) * values.std(axis=0, ddof=1)
    half /= math.sqrt(REPLICATIONS)
    exact = np.array([cost, over, 1.0 - under / MU])
    assert np.all(np.abs(mean - exact) <= half), (mean, exact, half)
    assert np.all(half < 0.01 * exact), (half, exact)
