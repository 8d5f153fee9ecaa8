"""Property tests on random supply networks: nothing is created or lost anywhere.

Random acyclic networks (trees up to four echelons deep, and assembly nodes with two
suppliers and a bill of materials), random lead times, capacities, outages, allocation
rules, unmet-demand modes and policies (hypothesis). On every edge, every unit ordered was
shipped or is still owed, and every unit shipped was received or is in transit; at every
node, stock at the end is stock at the start plus what was received, less what was shipped
to customer nodes, handed to customers and discarded as perished (waste); every unit
demanded was handed over, lost or is still backordered; nothing is ever negative and no
customer gets more than it ordered. With perishable goods (random shelf lives per SKU) the
age buckets of every node also add up to its stock, and none holds a unit older than its
SKU's shelf life.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim.columns as columns
from policies.base_stock import BaseStock
from policies.ss import SS
from sim import demand as dm
from sim import leadtime as lt
from sim.allocation import Priority
from sim.disruption import Disruptions
from sim.engine import PeriodicSimulation
from sim.network import Costs, Graph
from sim.rng import Streams
from sim.runner import Scenario, simulate

TOL = 1e-6
#: Deepest echelon a random network reaches (0 = customer-facing only).
MAX_DEPTH = 3


@st.composite
def lead_times(draw):
    if draw(st.booleans()):
        return draw(st.integers(0, 3))
    values = draw(st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True))
    weights = draw(st.lists(st.integers(1, 5), min_size=len(values), max_size=len(values)))
    return lt.Discrete(values=values, probabilities=[w / sum(weights) for w in weights])


@st.composite
def networks(draw):
    """Graph node and edge specs: node k is supplied by the external supplier or by nodes
    listed before it (so the graph is acyclic); one or two suppliers (assembly)."""
    n_nodes = draw(st.integers(1, 6))
    names = [f"n{k}" for k in range(n_nodes)]
    depth, edges = [], []
    for k in range(n_nodes):
        candidates = [None] + [j for j in range(k) if depth[j] < MAX_DEPTH]
        two = len(candidates) > 1 and draw(st.integers(0, 3)) == 0
        suppliers = draw(
            st.lists(
                st.sampled_from(candidates),
                min_size=2 if two else 1,
                max_size=2 if two else 1,
                unique=True,
            )
        )
        for j in suppliers:
            spec = {
                "supplier": "external" if j is None else names[j],
                "customer": names[k],
                "lead_time": draw(lead_times()),
                "capacity": draw(st.sampled_from([None, None, None, 0.0, 1.0, 2.5, 15.0])),
            }
            if two:
                spec["units"] = draw(st.sampled_from([1, 2]))
            edges.append(spec)
        depth.append(max([0] + [depth[j] + 1 for j in suppliers if j is not None]))
    has_customers = {e["supplier"] for e in edges}
    nodes = [
        {
            "name": name,
            # leaves face customers; a supplier may too
            "demand": name not in has_customers or draw(st.integers(0, 4)) == 0,
            "capacity": draw(st.sampled_from([None, None, None, 0.0, 2.0, 5.5, 30.0])),
            "demand_weight": draw(st.sampled_from([0.5, 1.0, 2.0])),
        }
        for name in names
    ]
    return nodes, edges


@st.composite
def scenarios(draw):
    nodes, edges = draw(networks())
    names = [n["name"] for n in nodes]
    rule = draw(st.sampled_from(["fifo", "proportional", "priority"]))
    if rule == "priority":
        rule = Priority(order=draw(st.permutations(names)).copy()[: draw(st.integers(0, 3))])
    net = Graph(nodes=nodes, edges=edges, allocation=rule, review_period=draw(st.integers(1, 2)))
    lanes = [f"{e['supplier']}->{e['customer']}" for e in edges]
    outages = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "target": st.sampled_from(["external", *names, *lanes]),
                    "probability": st.sampled_from([0.0, 0.2, 0.5]),
                    "duration": st.integers(1, 3),
                    "periods": st.lists(st.integers(0, 30), max_size=2),
                }
            ),
            max_size=2,
        )
    )
    mean = draw(st.floats(0.5, 10))
    demand = draw(st.sampled_from([dm.Poisson(mean=mean), dm.Normal(mean=mean, cv=0.8)]))
    scen = Scenario(
        net,
        demand,
        Costs(order_fixed=1.0),
        unmet_demand=draw(st.sampled_from(["backorder", "lost_sales"])),
        n_skus=draw(st.integers(1, 3)),
        initial_stock=draw(st.sampled_from(["auto", 0, 7])),
        disruption=Disruptions(outages=outages) if outages else None,
    )

    def level():
        return float(draw(st.integers(0, 40)))

    def per_node(value):
        return {name: value() for name in names} if draw(st.booleans()) else value()

    if draw(st.booleans()):
        s, gap = per_node(level), level() + 1
        S = {k: v + gap for k, v in s.items()} if isinstance(s, dict) else s + gap
        policy = SS(s=s, S=S)
    else:
        policy = BaseStock(level=per_node(level))
    return scen, policy, draw(st.integers(1, 40)), draw(st.integers(0, 2**16))


def close(actual, desired):
    np.testing.assert_allclose(actual, desired, atol=TOL, rtol=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_stock_is_conserved_on_random_networks(case):
    out = _simulate(*case)
    assert all(not w.any() for w in out.waste_total)
    _check_conservation(case, out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data())
def test_stock_is_conserved_with_perishable_goods(case, data):
    scen = case[0]
    life = np.array(
        data.draw(st.lists(st.integers(1, 4), min_size=scen.n_skus, max_size=scen.n_skus))
    )
    made = []

    def perishable(**kwargs):  # sim.columns builds every simulation: give it these shelf lives
        made.append(PeriodicSimulation(**{**kwargs, "shelf_life": life}))
        return made[-1]

    with mock.patch.object(columns, "PeriodicSimulation", perishable):
        out = _simulate(*case)
    ages = made[0].ages
    close(ages.sum(axis=1), np.array(out.final_on_hand))
    assert np.all(ages >= -1e-9)
    for j, lj in enumerate(life):  # no unit has more life left than its shelf life
        assert not ages[:, lj:, j].any()
    for i, tr in enumerate(out.traces):
        assert np.all(tr.fields["waste"] >= 0)
        close(tr.fields["waste"].sum(axis=0), out.waste_total[i])
    _check_conservation(case, out)


def _simulate(scen, policy, horizon, seed):
    n = scen.n_skus
    res = simulate(scen, policy, horizon=horizon, seed=seed, trace_skus=n, keep_outputs=True)
    return res.outputs[0]


def _check_conservation(case, out):
    scen, policy, horizon, seed = case
    net = scen.network
    top = net.topology
    totals = out.edge_totals
    lost_sales = scen.unmet_demand == "lost_sales"

    # nothing is ever negative
    for key, arr in totals.items():
        assert np.all(arr >= -1e-9), key
    for name in ("final_on_hand", "received_total", "ordered_total", "final_backorders"):
        for arr in getattr(out, name):
            assert np.all(arr >= -1e-9), name

    # per edge: ordered = shipped + still owed; shipped = received + in transit; no
    # customer node gets more than it ordered
    close(totals["ordered"], totals["shipped"] + totals["owed"])
    close(totals["shipped"], totals["received"] + totals["in_transit"])
    assert np.all(totals["shipped"] <= totals["ordered"] + 1e-9)

    for i, nd in enumerate(out.nodes):
        inbound, outbound = top.inbound[i], top.outbound[i]
        fields = out.traces[i].fields
        # a node orders units of its own item; each inbound edge carries units[e] of the
        # supplier's item per unit, and what arrived is assembled or waits for its kit
        for e in inbound:
            close(totals["ordered"][e], top.units[e] * out.ordered_total[i])
            close(totals["received"][e], top.units[e] * out.received_total[i] + totals["kit"][e])
        if inbound.size == 1:
            assert not totals["kit"][inbound].any()
        assert np.all(fields["order"] >= 0)
        close(fields["order"].sum(axis=0), out.ordered_total[i])
        close(fields["received"].sum(axis=0), out.received_total[i])

        # what left the shelf: shipped to customer nodes (the trace counts it as served,
        # after the node's own customers), handed to customers, and perished (waste)
        shipped_out = totals["shipped"][outbound].sum(axis=0)
        close(fields["served"].sum(axis=0), out.served_total[i] + shipped_out)
        owed_down = totals["owed"][outbound].sum(axis=0)
        customer_backorders = out.final_backorders[i] - owed_down
        handed = out.demand_total[i] - out.lost_total[i] - customer_backorders
        close(
            out.initial_on_hand[i] + out.received_total[i] - shipped_out - handed,
            out.final_on_hand[i] + out.waste_total[i],
        )
        assert np.all(handed >= -1e-9)
        if not nd.demand_facing:
            close(customer_backorders, 0.0)
            close(out.demand_total[i], 0.0)
        elif lost_sales:
            # demand = served + lost; nothing is backordered to a customer
            close(customer_backorders, 0.0)
            close(out.demand_total[i], out.served_total[i] + out.lost_total[i])
            if outbound.size == 0:
                assert np.all(fields["backorders"] == 0)
        else:
            # demand = handed over + backordered; served counts units sold on arrival of
            # the demand (fill rate), so backorders filled later are handed but not served
            close(out.lost_total[i], 0.0)
            assert np.all(out.served_total[i] <= handed + 1e-9)
        if nd.demand_facing and outbound.size == 0:
            assert np.all(fields["served"] <= fields["demand"] + 1e-9)

        # a node never ships more than its capacity in a period (all SKUs and customers)
        if nd.capacity is not None and outbound.size and not nd.demand_facing:
            assert np.all(fields["served"].sum(axis=1) <= nd.capacity + 1e-9)

    # a node that is down ships nothing
    if scen.disruption is not None:
        plan = scen.disruption.plan(
            [nd.name for nd in out.nodes],
            [(ed.supplier, ed.customer) for ed in out.edges],
            horizon,
            Streams(seed),
            0,
        )
        for i, nd in enumerate(out.nodes):
            if top.outbound[i].size and not nd.demand_facing:
                down = plan.node_down[:, i]
                assert not out.traces[i].fields["served"][down].any()
