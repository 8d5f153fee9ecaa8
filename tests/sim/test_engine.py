"""The engine's phases one at a time (:class:`sim.engine.PeriodicSimulation`): arrive,
serve, account, review and order, allocate and ship, on tiny networks whose state is
computed by hand after every phase."""

from __future__ import annotations

import numpy as np
import pytest

from policies.base import InventoryState, Policy
from policies.base_stock import BaseStock
from sim.disruption import DisruptionPlan
from sim.engine import PeriodicSimulation
from sim.network import Costs, Distribution, Graph, Serial


def simulation(
    net,
    levels,
    demand,
    initial,
    *,
    unmet="backorder",
    plan=None,
    policies=None,
    seed=0,
):
    """A started simulation of ``net`` (built here) with a base-stock level per node
    (downstream first), ``demand`` (periods, demand nodes, SKUs) and initial stock per
    node; lead times are the edges' own (deterministic) ones."""
    net.build(Costs())
    top = net.topology
    demand = np.asarray(demand, dtype=float)
    n_skus = demand.shape[-1]
    queues = {}
    for s in range(top.n_nodes):
        out = top.outbound[s]
        if out.size > 1:
            customers = [net.nodes[c].name for c in top.customer[out]]
            queues[s] = net.allocation.queue(customers, n_skus, np.random.default_rng(seed))
    sim = PeriodicSimulation(
        nodes=net.nodes,
        edges=net.edges,
        topology=top,
        policies=policies or [BaseStock(level=float(x)) for x in levels],
        demand=demand,
        lead_times=[ed.lead_time.constant for ed in net.edges],
        unmet_demand=unmet,
        review_period=1,
        warmup=0,
        initial_on_hand=[np.full(n_skus, float(x)) if np.ndim(x) == 0 else x for x in initial],
        trace_skus=n_skus,
        queues=queues,
        disruption=plan,
    )
    sim._start_state()
    return sim


def rows(*values):
    return np.array(values, dtype=float)


def distribution(**kwargs):
    """store1 (node 0) and store2 (node 1) fed by the warehouse (node 2); edges 0 and 1
    run warehouse -> store1, store2 and edge 2 external -> warehouse."""
    kwargs = {"stores": 2, "lead_time": 1, "warehouse_lead_time": 2, **kwargs}
    return Distribution(**kwargs)


# --------------------------------------------------------------------------- one period


def test_a_distribution_network_period_by_period():
    demand = np.zeros((4, 2, 2))
    demand[0] = [[2, 7], [0, 1]]  # store1 runs short of SKU 1
    demand[1] = [[1, 1], [0, 0]]
    sim = simulation(
        distribution(allocation="proportional"),
        levels=[8, 8, 30],
        demand=demand,
        initial=[[5, 5], [5, 5], [10, 3]],
    )
    assert sim.W == 3 and sim.queues.keys() == {2}

    # t = 0 ---------------------------------------------------------------- arrive
    sim.arrive(0)
    np.testing.assert_array_equal(sim.on_hand, [[5, 5], [5, 5], [10, 3]])
    assert not sim.received_total.any() and not sim.in_transit.any()
    # serve: store1 sells 2 and 5 of 7 (2 backordered), store2 sells 0 and 1
    sim.serve(demand[0])
    np.testing.assert_array_equal(sim.on_hand, [[3, 0], [5, 4], [10, 3]])
    np.testing.assert_array_equal(sim.cust_bo, [[0, 2], [0, 0], [0, 0]])
    np.testing.assert_array_equal(sim.served, [[2, 5], [0, 1]])
    # account: end-of-period levels
    sim.account(0, demand[0])
    assert sim.n_measured == 1
    np.testing.assert_array_equal(sim.tot_on_hand, sim.on_hand)
    np.testing.assert_array_equal(sim.tot_backorders, [[0, 2], [0, 0]])
    np.testing.assert_array_equal(sim.tot_stockouts, [[0, 1], [0, 0]])
    # review: the stores order up to 8; the warehouse then sees their orders as owed
    # downstream: position (10, 3) - (8, 14) = (2, -11), so it orders (28, 41)
    sim.review_and_order(0, {}, True)
    np.testing.assert_array_equal(sim.orders, [[5, 10], [3, 4], [28, 41]])
    np.testing.assert_array_equal(sim.owed, [[5, 10], [3, 4], [28, 41]])
    np.testing.assert_array_equal(sim.edge_ordered, sim.owed)
    np.testing.assert_array_equal(sim.owed_out, [[0, 0], [0, 0], [8, 14]])
    np.testing.assert_array_equal(sim.on_order, sim.orders)
    np.testing.assert_array_equal(sim.queues[2].owed, [[5, 10], [3, 4]])
    np.testing.assert_array_equal(sim.traces[2].fields["demand"][0], [8, 14])
    # ship: the external supplier ships all; the warehouse has SKU 0 for all, and 3 of
    # SKU 1's 14 (proportional: 2.14, 0.86 -> 2, 1 by largest remainder)
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped, [[5, 2], [3, 1], [28, 41]])
    np.testing.assert_array_equal(sim.on_hand, [[3, 0], [5, 4], [2, 0]])
    np.testing.assert_array_equal(sim.owed, [[0, 8], [0, 3], [0, 0]])
    np.testing.assert_array_equal(sim.owed_out, [[0, 0], [0, 0], [0, 11]])
    np.testing.assert_array_equal(sim.queues[2].owed, sim.owed[:2])
    np.testing.assert_array_equal(sim.in_transit, sim.shipped)
    np.testing.assert_array_equal(sim.pipe[1], [[5, 2], [3, 1], [0, 0]])  # lead time 1
    np.testing.assert_array_equal(sim.pipe[2], [[0, 0], [0, 0], [28, 41]])  # lead time 2
    np.testing.assert_array_equal(sim.traces[2].fields["served"][0], [8, 3])
    np.testing.assert_array_equal(sim.tot_asked[2], [8, 14])
    np.testing.assert_array_equal(sim.tot_short[2], [0, 11])

    # t = 1 ---------------------------------------------------------------- arrive
    sim.arrive(1)
    np.testing.assert_array_equal(sim.on_hand, [[8, 2], [8, 5], [2, 0]])
    np.testing.assert_array_equal(sim.on_order, [[0, 8], [0, 3], [28, 41]])
    np.testing.assert_array_equal(sim.in_transit, [[0, 0], [0, 0], [28, 41]])
    np.testing.assert_array_equal(sim.received_total, [[5, 2], [3, 1], [0, 0]])
    assert not sim.pipe[1].any()
    np.testing.assert_array_equal(sim.cust_bo[0], [0, 2])  # arrivals do not serve
    # serve: store1's 2 backordered units of SKU 1 take the 2 that arrived; the new
    # demand for SKU 1 waits behind them
    sim.serve(demand[1])
    np.testing.assert_array_equal(sim.on_hand[0], [7, 0])
    np.testing.assert_array_equal(sim.cust_bo[0], [0, 1])
    np.testing.assert_array_equal(sim.served[0], [1, 0])

    # t = 2 ---------------------------------------------------------------- arrive
    sim.arrive(2)
    np.testing.assert_array_equal(sim.on_hand[2], [30, 41])
    np.testing.assert_array_equal(sim.on_order[2], [0, 0])
    assert not sim.in_transit.any()


def test_lost_sales_serve():
    demand = rows([[4, 1], [9, 0]])
    sim = simulation(
        distribution(), [5, 5, 0], demand, [[6, 0], [3, 3], [0, 0]], unmet="lost_sales"
    )
    sim.serve(demand[0])
    np.testing.assert_array_equal(sim.on_hand[:2], [[2, 0], [0, 3]])
    np.testing.assert_array_equal(sim.served, [[4, 0], [3, 0]])
    np.testing.assert_array_equal(sim.lost, [[0, 1], [6, 0]])
    assert not sim.cust_bo.any()
    sim.account(0, demand[0])
    np.testing.assert_array_equal(sim.tot_lost, sim.lost)
    np.testing.assert_array_equal(sim.tot_stockouts, [[0, 1], [1, 0]])


def test_demand_nodes_that_are_not_one_block_of_rows():
    # echelon 0 holds a shop that buys nothing itself between two demand-facing nodes
    net = Graph(
        nodes=[
            {"name": "dc", "demand": True},
            {"name": "shop", "demand": True},
            {"name": "depot"},
        ],
        edges=[
            {"supplier": "external", "customer": "dc", "lead_time": 1},
            {"supplier": "dc", "customer": "shop", "lead_time": 1},
            {"supplier": "dc", "customer": "depot", "lead_time": 1},
        ],
    )
    demand = rows([[3], [5]])  # shop, dc (topology.demand_nodes order)
    sim = simulation(net, [0, 0, 0], demand, [2, 7, 4])
    assert net.topology.names == ("shop", "depot", "dc")
    np.testing.assert_array_equal(net.topology.demand_nodes, [0, 2])
    sim.serve(demand[0])
    np.testing.assert_array_equal(sim.on_hand, [[0], [7], [0]])
    np.testing.assert_array_equal(sim.cust_bo, [[1], [0], [1]])
    np.testing.assert_array_equal(sim.served, [[2], [4]])


def test_backorders_are_served_before_new_demand_and_only_from_stock():
    net = Serial(stages=1, lead_time=1)
    demand = rows([[3]], [[2]], [[2]])
    sim = simulation(net, [0], demand, [1])
    sim.serve(demand[0])  # sells 1, 2 backordered
    np.testing.assert_array_equal(sim.cust_bo, [[2]])
    sim.on_hand[:] = 3  # as if 3 arrived
    sim.serve(demand[1])  # 2 backorders first, then 1 of the 2 new
    np.testing.assert_array_equal(sim.on_hand, [[0]])
    np.testing.assert_array_equal(sim.cust_bo, [[1]])
    np.testing.assert_array_equal(sim.served, [[1]])


# --------------------------------------------------------------------------- review order


class Recorder(Policy):
    """Orders a fixed amount and records the states it saw (as 1-D arrays: see
    test_a_policy_that_is_not_elementwise_sees_one_dimensional_arrays)."""

    param_names = ("amount",)
    uses_echelon = True

    def __init__(self, *, amount):
        self.amount = amount
        self.seen: list[InventoryState] = []

    def order_quantity(self, state, forecast=None):
        flat = [np.array(a).ravel() for a in (state.on_hand, state.backorders, state.on_order)]
        echelon = state.echelon_position
        echelon = None if echelon is None else np.array(echelon).ravel()
        self.seen.append(InventoryState(state.time, *flat, echelon))
        return np.full(state.on_hand.shape, float(self.amount))


class PerSku(Policy):
    """Base stock written SKU by SKU, as the policy contract allows a policy that is not
    ``elementwise`` to be written: state arrays have shape (n_skus,)."""

    param_names = ("level",)

    def __init__(self, *, level):
        self.level = level

    def order_quantity(self, state, forecast=None):
        q = np.zeros(state.n_skus)
        for i in range(state.n_skus):
            q[i] = max(self.level - state.position[i], 0.0)
        return q


def test_a_policy_that_is_not_elementwise_sees_one_dimensional_arrays():
    policies = [PerSku(level=5.0), PerSku(level=5.0)]
    sim = simulation(
        Serial(stages=2, lead_time=1), [], np.zeros((1, 1, 3)), [1, 2], policies=policies
    )
    sim.review_and_order(0, {}, True)
    # stage 1: 5 - 1; stage 2 sees stage 1's order as owed: 5 - (2 - 4)
    np.testing.assert_array_equal(sim.orders, [[4, 4, 4], [7, 7, 7]])


def test_a_warehouse_sees_its_stores_orders_of_the_period_before_it_reviews():
    policies = [Recorder(amount=4), Recorder(amount=6), Recorder(amount=0)]
    sim = simulation(distribution(), [], np.zeros((2, 2, 1)), [1, 2, 20], policies=policies)
    sim.review_and_order(0, {}, True)
    warehouse = policies[2].seen[0]
    np.testing.assert_array_equal(warehouse.backorders, [10])  # both stores' orders
    np.testing.assert_array_equal(warehouse.position, [10])  # 20 on hand - 10 owed
    # the echelon position does not move with orders placed inside the network
    np.testing.assert_array_equal(warehouse.echelon_position, [23])
    for p, on_order in zip(policies[:2], ([0], [0]), strict=True):
        np.testing.assert_array_equal(p.seen[0].on_order, on_order)


def test_review_uses_backorders_and_owed_downstream_in_the_position():
    demand = np.zeros((2, 2, 1))
    demand[0] = [[4], [0]]
    sim = simulation(distribution(), [10, 10, 12], demand, [1, 0, 5])
    sim.serve(demand[0])  # store1: 3 backordered
    sim.review_and_order(0, {}, True)
    # store1: 10 - (0 - 3) = 13; store2: 10; warehouse: 12 - (5 - 23) = 30
    np.testing.assert_array_equal(sim.orders, [[13], [10], [30]])


# --------------------------------------------------------------------------- shipping


def ordered(sim, t=0):
    """Run the review of period ``t`` (no demand served yet)."""
    sim.review_and_order(t, {}, True)
    return sim.orders.copy()


def test_shipping_never_exceeds_the_suppliers_stock():
    sim = simulation(distribution(allocation="priority"), [6, 5, 0], np.zeros((3, 2, 1)), [0, 0, 4])
    ordered(sim)
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped[:2], [[4], [0]])  # store1 first, all 4 units
    np.testing.assert_array_equal(sim.on_hand[2], [0])
    sim.on_hand[2] = 3  # more stock: store1's last 2, then 1 for store2
    sim.ship(1, True)
    np.testing.assert_array_equal(sim.shipped[:2], [[2], [1]])
    np.testing.assert_array_equal(sim.owed[:2], [[0], [4]])
    np.testing.assert_array_equal(sim.owed_out[2], [4])


def test_edge_capacity_caps_each_lane_per_sku_and_period():
    net = distribution(store_capacity=2, warehouse_lead_time=1)
    sim = simulation(net, [5, 1, 0], np.zeros((4, 2, 2)), [0, 0, 100])
    np.testing.assert_array_equal(ordered(sim), [[5, 5], [1, 1], [0, 0]])
    shipped = []
    for t in range(3):
        sim.ship(t, True)
        shipped.append(sim.shipped[:2].copy())
    np.testing.assert_array_equal(shipped, [[[2, 2], [1, 1]], [[2, 2], [0, 0]], [[1, 1], [0, 0]]])
    np.testing.assert_array_equal(sim.on_hand[2], [94, 94])
    assert not sim.owed.any()


def test_supplier_capacity_caps_the_external_lane():
    net = distribution(supplier_capacity=3)
    sim = simulation(net, [0, 0, 10], np.zeros((3, 2, 1)), [0, 0, 0])
    ordered(sim)
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped[2], [3])
    np.testing.assert_array_equal(sim.owed[2], [7])


def test_node_capacity_rations_every_shipment_by_one_factor_in_whole_units():
    net = distribution(capacity=5)
    sim = simulation(
        net,
        [],
        np.zeros((2, 2, 2)),
        [0, 0, 100],
        policies=[BaseStock(level=np.array([4.0, 2.0])), BaseStock(level=np.array([2.0, 0.0]))]
        + [BaseStock(level=0.0)],
    )
    np.testing.assert_array_equal(ordered(sim)[:2], [[4, 2], [2, 0]])
    sim.ship(0, True)
    # 8 units asked, 5 allowed: each shipment times 5/8 (2.5, 1.25, 1.25, 0), rounded down
    np.testing.assert_array_equal(sim.shipped[:2], [[2, 1], [1, 0]])
    assert sim.shipped[:2].sum() <= 5
    np.testing.assert_array_equal(sim.on_hand[2], [97, 99])
    np.testing.assert_array_equal(sim.owed_out[2], [3, 1])
    np.testing.assert_array_equal(sim.queues[2].owed, sim.owed[:2])


def test_node_capacity_rations_fractional_shipments_exactly():
    net = distribution(capacity=5)
    policies = [BaseStock(level=4.5), BaseStock(level=3.5), BaseStock(level=0.0)]
    sim = simulation(net, [], np.zeros((2, 2, 1)), [0, 0, 100], policies=policies)
    ordered(sim)
    sim.ship(0, True)
    np.testing.assert_allclose(sim.shipped[:2], [[4.5 * 5 / 8], [3.5 * 5 / 8]])
    np.testing.assert_allclose(sim.on_hand[2], [95])


@pytest.mark.parametrize(
    ("node_down", "edge_down", "expected"),
    [
        ([0, 0, 1], [0, 0, 0], [[0], [0], [10]]),  # the warehouse ships nothing
        ([0, 0, 0], [1, 0, 0], [[0], [2], [10]]),  # one lane down, the other still served
        ([0, 0, 0], [0, 0, 1], [[3], [2], [0]]),  # the external supplier's lane down
        ([1, 1, 0], [0, 0, 0], [[3], [2], [10]]),  # a store down ships nothing anyway
    ],
    ids=["warehouse", "lane-to-store1", "external-lane", "stores"],
)
def test_outages_stop_shipping_until_they_end(node_down, edge_down, expected):
    T = 3
    plan = DisruptionPlan(
        node_down=np.r_[[node_down], np.zeros((T - 1, 3))],
        edge_down=np.r_[[edge_down], np.zeros((T - 1, 3))],
    )
    sim = simulation(distribution(), [3, 2, 0], np.zeros((T, 2, 1)), [0, 0, 15], plan=plan)
    ordered(sim)
    np.testing.assert_array_equal(sim.owed, [[3], [2], [0]])
    sim.owed[2] = sim.on_order[2] = 10  # the warehouse owed 10 by the external supplier
    sim.edge_ordered[2] = 10
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped, expected)
    np.testing.assert_array_equal(sim.on_hand[2], [15 - expected[0][0] - expected[1][0]])
    sim.ship(1, True)  # all up again: the rest ships
    np.testing.assert_array_equal(sim.shipped + expected, [[3], [2], [10]])
    assert not sim.owed.any()


def test_outage_marks_the_nodes_it_cuts_off():
    plan = DisruptionPlan(node_down=np.array([[0, 0, 1]]), edge_down=np.zeros((1, 3)))
    sim = simulation(distribution(), [0, 0, 0], np.zeros((1, 2, 1)), [0, 0, 0], plan=plan)
    # the warehouse is down, and both stores lose their supply
    np.testing.assert_array_equal(sim.node_off[0], [True, True, True])
    np.testing.assert_array_equal(sim.edge_off[0], [True, True, False])


# --------------------------------------------------------------------------- assembly


def kit_network(lead_a=1, lead_b=2, capacity_a=None):
    """product (node 0) assembled from 2 of compA (node 1) and 3 of compB (node 2); edges
    0: compA -> product, 1: compB -> product, 2: external -> compA, 3: external -> compB."""
    return Graph(
        nodes=[{"name": "product", "demand": True}, {"name": "compA"}, {"name": "compB"}],
        edges=[
            {"supplier": "external", "customer": "compA", "lead_time": 1},
            {"supplier": "external", "customer": "compB", "lead_time": 1},
            {
                "supplier": "compA",
                "customer": "product",
                "lead_time": lead_a,
                "units": 2,
                "capacity": capacity_a,
            },
            {"supplier": "compB", "customer": "product", "lead_time": lead_b, "units": 3},
        ],
    )


def test_components_ship_in_complete_kits_and_are_assembled_on_arrival():
    sim = simulation(kit_network(), [4, 0, 0], np.zeros((5, 1, 1)), [0, 5, 7])
    assert sim.assembly == [0]
    # the product orders 4 kits: 8 of compA and 12 of compB; each component reorders
    np.testing.assert_array_equal(ordered(sim), [[4], [3], [5]])
    np.testing.assert_array_equal(sim.owed, [[8], [12], [3], [5]])
    np.testing.assert_array_equal(sim.owed_out, [[0], [8], [12]])
    sim.ship(0, True)
    # stock for 2.5 and 2.33 kits: 2 kits ship, 4 of compA and 6 of compB
    np.testing.assert_array_equal(sim.shipped, [[4], [6], [3], [5]])
    np.testing.assert_array_equal(sim.on_hand, [[0], [1], [1]])
    np.testing.assert_array_equal(sim.owed, [[4], [6], [0], [0]])
    # t = 1: compA's units arrive first and wait for compB's
    sim.arrive(1)
    np.testing.assert_array_equal(sim.kit, [[4], [0], [0], [0]])
    np.testing.assert_array_equal(sim.on_hand, [[0], [4], [6]])
    np.testing.assert_array_equal(sim.in_transit, [[0], [6], [0], [0]])
    np.testing.assert_array_equal(sim.on_order[0], [4])
    sim.ship(1, True)  # the last 2 kits
    np.testing.assert_array_equal(sim.shipped, [[4], [6], [0], [0]])
    # t = 2: compB's first 6 arrive with compA's next 4: 2 kits made, 4 of compA wait
    sim.arrive(2)
    np.testing.assert_array_equal(sim.on_hand[0], [2])
    np.testing.assert_array_equal(sim.kit, [[4], [0], [0], [0]])
    np.testing.assert_array_equal(sim.received_total[0], [2])
    sim.arrive(3)
    np.testing.assert_array_equal(sim.on_hand[0], [4])
    assert not sim.kit.any() and not sim.in_transit.any()
    np.testing.assert_array_equal(sim.on_order[0], [0])
    np.testing.assert_array_equal(sim.received_total, [[4], [3], [5]])


def test_a_missing_component_holds_back_the_others():
    sim = simulation(kit_network(), [3, 0, 0], np.zeros((2, 1, 1)), [0, 9, 0])
    ordered(sim)
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped[:2], [[0], [0]])
    np.testing.assert_array_equal(sim.on_hand[1], [9])


def test_an_outage_of_one_component_holds_back_the_kit():
    plan = DisruptionPlan(node_down=np.array([[0, 0, 1]]), edge_down=np.zeros((1, 4)))
    sim = simulation(kit_network(), [2, 0, 0], np.zeros((1, 1, 1)), [0, 9, 9], plan=plan)
    ordered(sim)
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped[:2], [[0], [0]])


def test_edge_capacity_on_one_component_cuts_the_kits():
    net = kit_network(capacity_a=3)  # compA -> product: at most 3 units, one kit
    sim = simulation(net, [5, 0, 0], np.zeros((1, 1, 1)), [0, 20, 20])
    ordered(sim)
    sim.ship(0, True)
    np.testing.assert_array_equal(sim.shipped[:2], [[2], [3]])


# --------------------------------------------------------------------------- echelon


def test_echelon_positions_on_a_serial_chain():
    sim = simulation(Serial(stages=3, lead_time=1), [0, 0, 0], np.zeros((1, 1, 1)), [0, 0, 0])
    sim.on_hand[:] = [[3], [4], [5]]
    sim.cust_bo[:] = [[2], [0], [0]]
    sim.in_transit[:] = [[6], [7], [8]]  # into stage 1, 2 and 3
    sim.on_order[:] = [[9], [10], [11]]
    # stage k: stock at stages <= k, in transit into stages < k, less customer
    # backorders, plus its own orders
    expected = [
        3 - 2 + 9,
        4 + 3 + 6 - 2 + 10,
        5 + 4 + 3 + 7 + 6 - 2 + 11,
    ]
    np.testing.assert_array_equal(sim._echelon_positions(), np.array(expected)[:, None])


def test_echelon_positions_on_a_distribution_network():
    sim = simulation(distribution(stores=3), [0] * 4, np.zeros((1, 3, 2)), [0] * 4)
    sim.on_hand[:] = [[3, 0], [4, 1], [0, 2], [10, 20]]
    sim.cust_bo[:] = [[1, 0], [2, 0], [0, 5], [0, 0]]
    sim.in_transit[:] = [[5, 1], [6, 0], [0, 3], [7, 9]]
    sim.on_order[:] = [[11, 1], [12, 2], [1, 3], [13, 4]]
    sim.owed_out[3] = [40, 50]  # owed to the stores: still in the warehouse's stock
    stores = sim.on_hand[:3] - sim.cust_bo[:3]
    expected = np.vstack(
        [
            stores + sim.on_order[:3],
            sim.on_hand[3] + (stores + sim.in_transit[:3]).sum(axis=0) + sim.on_order[3],
        ]
    )
    np.testing.assert_array_equal(sim._echelon_positions(), expected)
    np.testing.assert_array_equal(expected[3], [10 + 7 + 8 + 0 + 13, 20 + 1 + 1 + 0 + 4])


def test_the_policy_sees_the_echelon_positions():
    policies = [Recorder(amount=1) for _ in range(3)]
    sim = simulation(
        Serial(stages=3, lead_time=1), [], np.zeros((1, 1, 1)), [2, 3, 4], policies=policies
    )
    sim.in_transit[:] = [[1], [0], [5]]
    expected = sim._echelon_positions()
    sim.review_and_order(0, {}, True)
    for i, p in enumerate(policies):
        np.testing.assert_array_equal(p.seen[0].echelon_position, expected[i])
    np.testing.assert_array_equal(expected[:, 0], [2, 6, 10])


def test_echelon_positions_on_an_assembly_network_count_components_once():
    sim = simulation(kit_network(), [0, 0, 0], np.zeros((1, 1, 1)), [0, 0, 0])
    sim.on_hand[:] = [[1], [2], [3]]
    sim.in_transit[:] = [[4], [6], [0], [0]]  # two kits' worth of each component on the way
    sim.kit[:] = [[2], [0], [0], [0]]  # one kit's compA waiting at the product
    # compA: own stock 2 + 4 in transit + 2 waiting + 2 per product unit on hand (1)
    # compB: own stock 3 + 6 in transit + 3 per product unit on hand (1)
    np.testing.assert_array_equal(sim._echelon_positions(), [[1], [2 + 4 + 2 + 2], [3 + 6 + 3]])
