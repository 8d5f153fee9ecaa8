"""Periodic-review simulation of a supply network, all nodes and SKUs at once.

Period convention (Stocklab's, used by every optimiser in ``policies/optimal``):

1. *arrive*: at the start of period ``t`` the shipments due in period ``t`` arrive (at an
   assembly node they wait until the whole kit is there, then become product);
2. *serve*: customer demand of period ``t`` is served at demand-facing nodes, outstanding
   backorders first; what cannot be served is backordered or lost;
3. *account*: costs are charged on end-of-period levels (on hand, in transit, backorders,
   lost units);
4. *review* and *order*: at a review (periods ``t`` with ``t % R == 0``) the nodes order,
   one echelon at a time, downstream first, so a warehouse sees its stores' orders of the
   period in its position; an assembly node orders ``units`` of each component per unit;
5. *allocate and ship*: every period each supplier ships what it owes, as far as its stock,
   the allocation rule (:mod:`sim.allocation`), capacities and outages allow. A shipment
   sent at the end of period ``t`` with lead time ``L`` arrives at the start of ``t + L``.

Hence an order placed at a review must cover ``L + R - 1`` periods of demand (the
*protection interval*): base-stock with ``L = 2`` and ``R = 1`` protects two periods. A lead
time of 0 delivers before the next period starts and so behaves as ``L = 1``.

State is held as 2-D arrays: ``(nodes, SKUs)`` for stock, customer backorders, units on
order and what a node owes its customers, ``(edges, SKUs)`` for what each supplier owes
and what is in transit, and a ring buffer ``(slots, edges, SKUs)`` of shipments by arrival
period, which lets orders with random lead times cross. Nodes are indexed downstream
first and each echelon is a contiguous block of rows (:class:`sim.network.Topology`).

*Perishable goods* (``shelf_life``, per SKU, in periods; Nahmias 1982). Units age from their
arrival at the node that holds them: each node keeps its on-hand stock of a SKU in age
buckets by remaining life ``1 .. L`` (``L`` the longest shelf life), and what arrives (the
initial stock at period 0 included) enters the freshest bucket, remaining life = the SKU's
shelf life. Whatever leaves the shelf, sold to customers (backorders first) in *serve* or
shipped to customer nodes in *ship*, is taken oldest first (FIFO issuing). The period then
gains one phase between 3 and 4:

3b. *expire*: after the costs of the period are charged (so the holding cost counts the
    units that sat on the shelf all period), the units whose remaining life is 1 are
    discarded (waste) and every other bucket ages by one period. At a node that ships to
    no other node (a store) this happens before the review, which sees the stock after the
    discard. At a node that ships to others (a warehouse, a central bakery) it happens
    after *ship* (phase 6), so units on their last day can still leave in that period's
    shipments; its review sees them (they may be shipped, or discarded at the period's end).

So with shelf life 1 nothing carries over to the next period, and a unit arriving in
period ``t`` with shelf life ``l`` can be sold or shipped in periods ``t .. t+l-1``.
Simplifications: a shipment arrives fresh at its customer node (its age restarts: the
time it spent at the supplier and in transit does not count), and components waiting at an
assembly node for the rest of their kit do not age (the product made of them arrives fresh).

Reference: S. Nahmias (1982), Perishable inventory theory: a review, Operations Research
30(4) 680-708.

SimPy is the clock: one process steps through the periods (``env.timeout(1)`` between them)
so that other processes (agents, changes of capacity) can interleave at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from forecasters.base import Forecast
from policies.base import InventoryState, Policy, can_stack, reorder_rule, stack_policies
from sim import params
from sim.allocation import Queue
from sim.disruption import DisruptionPlan
from sim.forecasting import ForecastDrivers, SharedNode
from sim.lean import book_orders, run_chain, run_periods, serve_and_count
from sim.network import Edge, Node, PriceSchedule, Topology, UnmetDemand

#: Run one-node models through the fused period (:meth:`PeriodicSimulation._lean_period`);
#: False runs them through the general phases (the tests compare the two).
LEAN = True

__all__ = [
    "NodeTotals",
    "NodeTrace",
    "SimulationOutput",
    "PeriodicSimulation",
    "TRACE_FIELDS",
]

#: Per-period trace fields, one array (n_periods, n_traced_skus) each per node. At an
#: upstream node ``demand`` is what its customers ordered and ``served`` what it shipped.
TRACE_FIELDS = (
    "on_hand",
    "backorders",
    "on_order",
    "demand",
    "served",
    "lost",
    "received",
    "order",
    "disrupted",
    "waste",
)


@dataclass
class NodeTotals:
    """Sums over the measured periods (after warm-up) for one node, per SKU.

    In continuous review the level sums are time integrals and ``n_periods`` is the
    measured time, so ``sum / n_periods`` is a time average either way. ``backorders``
    are customer backorders at a demand-facing node plus units owed to its customer
    nodes; ``demand`` counts customer demand and ``incoming`` everything asked of the
    node (customer demand and its customers' orders); ``*_sq`` are sums of squares per
    period, for the bullwhip ratio; ``waste`` counts perished units discarded (None
    where nothing perishes); ``purchase`` is the purchase cost of the orders placed, each
    priced by its size on the quantity-discount schedule (None without one).
    """

    n_periods: float
    on_hand: np.ndarray
    backorders: np.ndarray
    in_transit: np.ndarray
    demand: np.ndarray
    served: np.ndarray
    lost: np.ndarray
    stockout_periods: np.ndarray
    orders: np.ndarray
    ordered: np.ndarray
    ordered_sq: np.ndarray | None = None
    incoming: np.ndarray | None = None
    incoming_sq: np.ndarray | None = None
    asked_children: np.ndarray | None = None
    short_children: np.ndarray | None = None
    disrupted_periods: float = 0.0
    waste: np.ndarray | None = None
    purchase: np.ndarray | None = None

    @classmethod
    def zeros(cls, n_skus: int) -> NodeTotals:
        """Nothing measured yet: every required sum zero, the optional ones None."""
        return cls(
            n_periods=0.0,
            on_hand=np.zeros(n_skus),
            backorders=np.zeros(n_skus),
            in_transit=np.zeros(n_skus),
            demand=np.zeros(n_skus),
            served=np.zeros(n_skus),
            lost=np.zeros(n_skus),
            stockout_periods=np.zeros(n_skus),
            orders=np.zeros(n_skus),
            ordered=np.zeros(n_skus),
        )


@dataclass
class NodeTrace:
    """Per-period trace of the first ``n_traced`` SKUs of one node."""

    fields: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, n_periods: int, n_traced: int) -> NodeTrace:
        return cls({f: np.zeros((n_periods, n_traced)) for f in TRACE_FIELDS})


@dataclass
class SimulationOutput:
    """What one replication leaves: totals per node and edge, and (optionally) traces per
    node. Per-node lists hold one ``(n_skus,)`` array per node; ``final_in_transit`` and
    ``final_owed`` sum a node's inbound edges (in the suppliers' units); ``waste_total``
    counts the perished units each node discarded over the whole horizon (zeros where
    nothing perishes; empty in continuous review). Per period, waste is in the trace."""

    nodes: list[Node]
    totals: list[NodeTotals]
    traces: list[NodeTrace] | None
    final_on_hand: list[np.ndarray]
    final_in_transit: list[np.ndarray]
    final_backorders: list[np.ndarray]
    final_owed: list[np.ndarray]
    received_total: list[np.ndarray]
    ordered_total: list[np.ndarray]
    demand_total: list[np.ndarray]
    served_total: list[np.ndarray]
    lost_total: list[np.ndarray]
    initial_on_hand: list[np.ndarray]
    edges: list[Edge] = field(default_factory=list)
    edge_in_transit: np.ndarray | None = None  # (edges, SKUs) measured sums, kits included
    edge_totals: dict[str, np.ndarray] = field(default_factory=dict)
    waste_total: list[np.ndarray] = field(default_factory=list)


def _shelf_life(value: Any, n_skus: int) -> np.ndarray:
    """Per-SKU shelf lives as int64, shape ``(n_skus,)``: whole numbers of periods >= 1."""
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise ValueError(f"demand.shelf_life(={value!r}) must be whole numbers of periods >= 1")
    if arr.shape != (n_skus,):
        raise ValueError(
            f"demand.shelf_life(={value!r}) must have one value per SKU: shape ({n_skus},), "
            f"not {arr.shape}"
        )
    return params.whole_periods("demand.shelf_life", arr)


def _rows(index: np.ndarray) -> slice | np.ndarray:
    """A slice for a contiguous index range (views, not copies), else the index array."""
    if index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size)):
        return slice(int(index[0]), int(index[0]) + index.size)
    return index


class PeriodicSimulation:
    """One replication of a periodic-review network.

    ``demand`` has shape ``(horizon, n_demand_nodes, n_skus)`` (or ``(horizon, n_skus)``
    with one demand-facing node), in the order of ``topology.demand_nodes``. ``lead_times``
    gives one entry per edge: an int (the same lead time for every order) or a
    ``(horizon, n_skus)`` integer grid (the lead time of a shipment sent in period ``t``).
    ``queues`` maps each internal supplier with several customers to its allocation
    :class:`sim.allocation.Queue`. ``disruption`` is a :class:`sim.disruption.DisruptionPlan`
    or None. ``shelf_life`` gives each SKU's shelf life in periods (None: nothing perishes;
    see the module docstring). ``discounts`` is a quantity-discount price schedule
    (:class:`sim.network.PriceSchedule`) or None: with one, every order a node places in a
    measured period is priced by its size (:meth:`~sim.network.PriceSchedule.purchase_cost`)
    and the sums per node and SKU are ``NodeTotals.purchase``. Demand, lead times, outages
    and allocation draws all come from named streams, so rival policies face the same ones
    (common random numbers).
    """

    def __init__(
        self,
        *,
        nodes: list[Node],
        edges: list[Edge],
        topology: Topology,
        policies: list[Policy],
        demand: np.ndarray,
        lead_times: list[int | np.ndarray],
        unmet_demand: UnmetDemand,
        review_period: int,
        warmup: int,
        initial_on_hand: list[np.ndarray],
        trace_skus: int = 0,
        trace_columns: np.ndarray | None = None,
        forecast_drivers: ForecastDrivers | None = None,
        queues: dict[int, Queue] | None = None,
        disruption: DisruptionPlan | None = None,
        shelf_life: np.ndarray | None = None,
        discounts: PriceSchedule | None = None,
    ):
        # node -> (sim.forecasting.ForecastDriver, signal: demand | echelon_demand | orders)
        self.drivers = forecast_drivers or {}
        self.nodes, self.edges, self.top = nodes, edges, topology
        self.policies = policies
        horizon = demand.shape[0]
        self.demand = demand.reshape(horizon, -1, demand.shape[-1])
        self.horizon, self.n_skus = horizon, demand.shape[-1]
        self.lead_times = lead_times
        self.backorder_mode = unmet_demand == "backorder"
        self.review_period = int(review_period)
        self.warmup = int(warmup)
        self.initial_on_hand = [np.asarray(x, dtype=float).copy() for x in initial_on_hand]
        self.trace_skus = min(int(trace_skus), self.n_skus)
        # the traced columns: the first ``trace_skus``, or the given ones (replications
        # run side by side trace the first SKUs of each: sim.runner)
        self.traced_columns: slice | np.ndarray = slice(0, self.trace_skus)
        if trace_columns is not None:
            self.traced_columns = np.asarray(trace_columns, dtype=np.int64)
            self.trace_skus = int(self.traced_columns.size)
        self.queues = queues or {}
        self.plan = disruption
        self.shelf_life = None if shelf_life is None else _shelf_life(shelf_life, self.n_skus)
        self.discounts = discounts
        n_nodes, n_edges = topology.n_nodes, topology.n_edges
        if (
            len(policies) != n_nodes
            or len(lead_times) != n_edges
            or len(initial_on_hand) != n_nodes
        ):
            raise ValueError("one policy and initial stock per node, one lead time per edge")
        if self.demand.shape[1] != topology.demand_nodes.size:
            raise ValueError("demand must have one column block per demand-facing node")
        self._compile()

    # ------------------------------------------------------------------ set-up
    def _compile(self) -> None:
        top, n_skus = self.top, self.n_skus
        n_nodes, n_edges, horizon = top.n_nodes, top.n_edges, self.horizon
        self.simple = n_edges == n_nodes and bool(np.all(top.customer == np.arange(n_nodes)))
        self.simple = self.simple and bool(np.all(top.units == 1.0))
        self.assembly = [i for i in range(n_nodes) if top.inbound[i].size > 1]
        self.one_supplier_nodes = np.array(
            [i for i in range(n_nodes) if top.inbound[i].size == 1], dtype=np.int64
        )
        self.one_supplier_edges = np.array(
            [int(top.inbound[i][0]) for i in self.one_supplier_nodes], dtype=np.int64
        )
        self.demand_rows = _rows(top.demand_nodes)
        self.external = np.flatnonzero(top.supplier < 0)
        self.internal_suppliers = [i for i in range(n_nodes) if top.outbound[i].size]
        # per supplier: its outbound edges as an int (one customer: 1-D views), else a
        # slice where contiguous (views), else an index array
        # per supplier: (supplier, its outbound edges, whether it has one customer)
        self.supply: list[tuple[int, Any, bool]] = [
            (supplier, int(top.outbound[supplier][0]), True)
            if top.outbound[supplier].size == 1
            else (supplier, _rows(top.outbound[supplier]), False)
            for supplier in self.internal_suppliers
        ]
        # lead times: effective >= 1 (see module docstring)
        constant = np.zeros(n_edges, dtype=np.int64)
        grids = {}
        for e, lead_time in enumerate(self.lead_times):
            if np.ndim(lead_time) == 0:
                constant[e] = max(int(lead_time), 1)
            else:
                grid = np.maximum(np.asarray(lead_time, dtype=np.int64), 1)
                if grid.shape != (horizon, n_skus):
                    raise ValueError(f"lead times of edge {e} must have shape {(horizon, n_skus)}")
                if grid.size and np.all(grid == grid.flat[0]):
                    constant[e] = int(grid.flat[0])
                else:
                    grids[e] = grid
        # slots of the shipment ring: one more than the longest lead time
        slots = int(max([1, *constant.tolist(), *(int(g.max()) for g in grids.values())])) + 1
        self.W = slots
        self.const_edges = np.array([e for e in range(n_edges) if e not in grids], dtype=np.int64)
        self.const_lead = constant[self.const_edges]
        self.grid_edges = sorted(grids)
        self.grids = grids
        self.slot_table = (np.arange(slots)[:, None] + self.const_lead[None, :]) % slots
        self.common_lead: int | None = None
        if not grids and n_edges and np.all(constant == constant[0]):
            self.common_lead = int(constant[0])
        # per echelon: policy groups (contiguous rows with one stacked policy)
        self._batches: list[tuple[slice, Policy]] = []
        for start, stop in top.echelon_ranges:
            i = start
            while i < stop:
                j = i + 1
                while j < stop and can_stack(self.policies[i], self.policies[j]):
                    j += 1
                batch = self.policies[i] if j - i == 1 else stack_policies(self.policies[i:j])
                if batch is None:  # can_stack said they would
                    raise RuntimeError(f"policies of nodes {i} .. {j - 1} do not stack")
                self._batches.append((slice(i, j), batch))
                i = j
        self.uses_echelon = n_nodes > 1 and any(
            getattr(p, "uses_echelon", False) for p in self.policies
        )
        capacities = [ed.capacity for ed in self.edges]
        self.edge_cap: np.ndarray | None = None
        if any(c is not None for c in capacities):
            self.edge_cap = np.array([np.inf if c is None else c for c in capacities])
        self.node_cap = [nd.capacity for nd in self.nodes]
        self.demand_index = {int(i): j for j, i in enumerate(top.demand_nodes)}
        # drivers several nodes share (sim.forecasting.SharedDriver), each with its nodes'
        # rows of the demand, in its column order
        shared = {
            id(d.group): d.group for d, _ in self.drivers.values() if isinstance(d, SharedNode)
        }
        self.shared_drivers = [
            (group, np.array([self.demand_index[i] for i in group.nodes], dtype=np.int64))
            for group in shared.values()
        ]
        # per node, the weight of each demand node's demand in its echelon demand
        self.below_weights = top.content[:, top.demand_nodes]
        self.single = n_nodes == 1
        self.cols = np.arange(n_skus)
        self.supplier_rows = _rows(np.array(self.internal_suppliers, dtype=np.int64))
        # nodes that ship to none (their stock expires before the review) and nodes that
        # ship to others (expiring units may still leave in the period's shipments)
        ships = np.zeros(n_nodes, dtype=bool)
        ships[np.asarray(self.internal_suppliers, dtype=np.int64)] = True
        self.leaf_rows = _rows(np.flatnonzero(~ships))
        self.shipper_rows = _rows(np.flatnonzero(ships)) if ships.any() else None
        # a life beyond the horizon never ends within the run: cut it there (fewer buckets)
        self.life = None if self.shelf_life is None else np.minimum(self.shelf_life, horizon + 1)
        # per period, the edges that ship nothing and the nodes cut off (supply or node down)
        self.edge_off: np.ndarray | None = None
        self.node_off: np.ndarray | None = None
        plan = self.plan
        if plan is not None and plan.any:
            supplier = top.supplier
            edge_off = np.array(plan.edge_down, dtype=bool, copy=True)
            internal = supplier >= 0
            edge_off[:, internal] |= plan.node_down[:, supplier[internal]]
            node_off = np.array(plan.node_down, dtype=bool, copy=True)
            for e in range(n_edges):
                node_off[:, top.customer[e]] |= edge_off[:, e]
            self.edge_off, self.node_off = edge_off, node_off

    @property
    def received_total(self) -> np.ndarray:
        """Units each node has received (assembled, at an assembly node) so far: what it
        ordered less what is still on order."""
        return self.ordered_total - self.on_order

    # ------------------------------------------------------------------ run
    def run(self) -> SimulationOutput:
        env, _, out = self.start()
        env.run()
        return out[0]

    def start(
        self,
        pause: Callable[[simpy.Environment, int, dict[int, Forecast]], simpy.Event] | None = None,
    ) -> tuple[simpy.Environment, simpy.Process, list[SimulationOutput]]:
        """The run as a SimPy process, not yet run: its environment, the process, and a
        list that receives the output when the last period is done. ``pause``, called at
        each review before the nodes order with the environment, the period and the
        forecasts of the review, returns an event the run waits for: a controller (a
        learning agent, :mod:`experiments.gym_env`) sets the orders in between."""
        env = simpy.Environment()
        out: list[SimulationOutput] = []
        self.pause = pause
        return env, env.process(self._periods(env, out)), out

    def _start_state(self) -> None:
        top, n_skus = self.top, self.n_skus
        nodes = (top.n_nodes, n_skus)
        edges = (top.n_edges, n_skus)
        facing = (top.demand_nodes.size, n_skus)  # demand-facing nodes
        zeros = np.zeros
        self.on_hand = np.array(self.initial_on_hand, dtype=float).reshape(nodes)
        self.cust_bo = zeros(nodes)  # customer backorders
        self.owed_out = zeros(nodes)  # what a node owes its customer nodes
        self.on_order = zeros(nodes)  # ordered, not yet received (a node's own units)
        self.owed = zeros(edges)  # what the edge's supplier owes its customer
        self.in_transit = zeros(edges)
        self.kit = zeros(edges) if self.assembly else None  # components waiting at assembly nodes
        self.pipe = zeros((self.W, *edges))
        self.served = zeros(facing)
        self.lost = zeros(facing)
        self.il = zeros(facing)
        self.tmp = zeros(facing)
        self.orders = zeros(nodes)
        self.order_sq = zeros(nodes)
        self.shipped = zeros(edges)
        self.new_owed = zeros(edges)  # this period's orders, per edge
        # totals
        self.tot_on_hand = zeros(nodes)
        self.tot_owed_out = zeros(nodes)
        self.tot_transit = zeros(edges)
        # demand-facing nodes only, in the order of topology.demand_nodes
        self.tot_backorders = zeros(facing)
        self.tot_served = zeros(facing)
        self.tot_lost = zeros(facing)
        self.tot_stockouts = zeros(facing)
        self.short_flag = np.zeros(facing, dtype=bool)
        self.tot_orders = zeros(nodes)
        self.tot_ordered = zeros(nodes)
        self.tot_ordered_sq = zeros(nodes)
        self.tot_incoming = zeros(nodes)  # at internal suppliers: what their customers asked
        self.tot_incoming_sq = zeros(nodes)
        self.tot_asked = zeros(nodes)
        self.tot_short = zeros(nodes)
        self.tot_disrupted = np.zeros(top.n_nodes)
        self.tot_waste = zeros(nodes)
        self.tot_purchase = zeros(nodes) if self.discounts is not None else None
        self.waste_total = zeros(nodes)
        self.ages: np.ndarray | None = None
        if self.life is not None:
            # on-hand stock by remaining life 1 .. L (axis 1, oldest first); arrivals enter
            # bucket life - 1 of their SKU
            self.fresh = self.life - 1
            self.ages = zeros((top.n_nodes, int(self.life.max()), n_skus))
            self.ages[:, self.fresh, self.cols] = self.on_hand
            self.waste = zeros(nodes)
        self.n_measured = 0
        self.ordered_total = zeros(nodes)
        self.served_total = zeros(facing)
        self.lost_total = zeros(facing)
        # a simple network's edge e is node e's supply: its orders are the node's
        self.edge_ordered = self.ordered_total if self.simple else zeros(edges)
        traced = self.trace_skus > 0 or not isinstance(self.traced_columns, slice)
        self.traces = (
            [NodeTrace.empty(self.horizon, self.trace_skus) for _ in range(top.n_nodes)]
            if traced
            else None
        )
        if isinstance(self.demand_rows, slice):
            self.on_hand_view = self.on_hand[self.demand_rows]
            self.cust_bo_view = self.cust_bo[self.demand_rows]
        self.groups = [(rows, policy, self._placer(rows)) for rows, policy in self._batches]

    def _periods(
        self, env: simpy.Environment, out: list[SimulationOutput]
    ) -> Generator[simpy.Event, Any, None]:
        self._start_state()
        review_period, warmup = self.review_period, self.warmup
        if self.lean_ok and self.pause is None:
            self._lean_layout()
            if env.peek() == simpy.core.Infinity:
                # alone in its environment: nothing else is scheduled, and only a running
                # process could schedule anything, so nothing can interleave; run every
                # period and move the clock to the horizon at once
                levels = self._reorder_levels()
                if levels is not None:  # the policy's decision is data: one compiled call
                    self.n_measured += run_periods(
                        self.horizon, warmup, review_period, self.lean_lead, self.lean_state,
                        self.lean_totals, self.pipe, self.demand, self.served_total,
                        self.lost_total, self.backorder_mode, self.orders, self.tot_orders,
                        self.tot_ordered_sq, *levels,
                    )  # fmt: skip
                else:
                    for t in range(self.horizon):
                        self._lean_period(t, t >= warmup, t % review_period == 0)
                yield env.timeout(self.horizon)
            else:
                for t in range(self.horizon):
                    self._lean_period(t, t >= warmup, t % review_period == 0)
                    yield env.timeout(1)
            out.append(self.output())
            return
        chain = self._chain_levels() if self.pause is None else None
        if chain is not None and env.peek() == simpy.core.Infinity:  # alone, as above
            self.n_measured += run_chain(
                self.horizon, warmup, review_period, self.const_lead, self.pipe, self.demand,
                self.on_hand, self.cust_bo, self.owed_out, self.on_order, self.owed,
                self.in_transit, self.new_owed, self.served, self.lost, self.served_total,
                self.lost_total, self.backorder_mode, self.orders, self.ordered_total,
                self.tot_on_hand, self.tot_transit, self.tot_served, self.tot_backorders,
                self.tot_lost, self.tot_stockouts, self.tot_owed_out, self.tot_orders,
                self.tot_ordered, self.tot_ordered_sq, self.tot_incoming, self.tot_incoming_sq,
                self.tot_asked, self.tot_short, *chain,
            )  # fmt: skip
            yield env.timeout(self.horizon)
            out.append(self.output())
            return
        for t in range(self.horizon):
            measured = t >= warmup
            self.arrive(t)
            demand = self.demand[t]
            self.serve(demand)
            forecasts = self._observe_demand(t, demand) if self.drivers else {}
            if measured:
                self.account(t, demand)
            if self.ages is not None:
                self.expire(t, measured, self.leaf_rows)
            if self.traces is not None:
                self._trace_demand(t, demand)
            if t % review_period == 0:
                if self.pause is not None:
                    yield self.pause(env, t, forecasts)
                self.review_and_order(t, forecasts, measured)
            elif self.drivers:
                self._observe_orders(t, forecasts, None)
            self.ship(t, measured)
            if self.ages is not None and self.shipper_rows is not None:
                self.expire(t, measured, self.shipper_rows)
            if self.traces is not None:
                self._trace_levels(t)
            yield env.timeout(1)
        out.append(self.output())

    # ------------------------------------------------------------------ phases
    @property
    def _plain(self) -> bool:
        """Whether the run has nothing the compiled loops of :mod:`sim.lean` leave out: each
        node supplied over one edge (no kits), no ages, traces, forecasts, capacities,
        outages or allocation queues."""
        return (
            LEAN
            and self.simple
            and self.ages is None
            and self.traces is None
            and not self.drivers
            and self.edge_cap is None
            and all(c is None for c in self.node_cap)
            and self.edge_off is None
            and not self.queues
        )

    @property
    def lean_ok(self) -> bool:
        """Whether :meth:`_lean_period` may run the periods: one node supplied from outside
        at a constant lead time, and nothing the lean period leaves out (:attr:`_plain`)."""
        return self.single and self.common_lead is not None and self._plain

    def _lean_layout(self) -> None:
        """Re-home the one node's state in two blocks of rows, the arrays of the lean
        period's compiled loops (:mod:`sim.lean`): ``state`` rows on hand,
        backorders, lost, served, stock-out flag, in transit, on order, ordered in all;
        ``totals`` rows their measured sums, in the same order (the sums of backorders stay
        0 under lost sales, and those of lost units under backorders). A ninth ``state``
        row holds the measured sum of orders, next to the rows every order joins."""
        n = self.n_skus
        state, totals = np.zeros((9, n)), np.zeros((6, n))
        state[0] = self.on_hand[0]
        (
            self.on_hand,
            self.cust_bo,
            self.lost,
            self.served,
            self.short_row,
            self.in_transit,
            self.on_order,
            self.ordered_total,
        ) = (state[i : i + 1] for i in range(8))
        self.edge_ordered = self.ordered_total
        self.on_hand_view, self.cust_bo_view = self.on_hand, self.cust_bo
        (
            self.tot_on_hand,
            self.tot_backorders,
            self.tot_lost,
            self.tot_served,
            self.tot_stockouts,
            self.tot_transit,
        ) = (totals[i : i + 1] for i in range(6))
        self.lean_state, self.lean_totals = state, totals
        assert self.common_lead is not None  # lean_ok
        self.lean_lead: int = self.common_lead
        self.tot_ordered = state[8:9]

    def _reorder_levels(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The policy's decision as data for :func:`sim.lean.run_periods`
        (:meth:`policies.base.Policy.reorder_levels`), or None: it has none, or a period
        does more than the loop does (quantity discounts price each order)."""
        if self.discounts is not None:
            return None
        return reorder_rule(self.policies[0], self.n_skus)

    def _chain_levels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """For :func:`sim.lean.run_chain`: the nodes' decisions as data (reorder points and
        order-up-to levels, nodes x SKUs) and whether each reads its echelon position; None
        unless the network is a serial chain (node 0 faces customers, node i + 1 supplies
        node i, the last node is supplied from outside) at constant lead times, every
        node's policy states its rule (:func:`policies.base.reorder_rule`), and the run has
        nothing the loop leaves out (:attr:`_plain`, quantity discounts)."""
        top, n_nodes = self.top, self.top.n_nodes
        if not (
            n_nodes > 1
            and self._plain
            and not self.grid_edges
            and self.discounts is None
            and np.array_equal(top.demand_nodes, [0])
            and np.array_equal(top.supplier, [*range(1, n_nodes), -1])
            # the groups decide downstream first, in node order
            and [(rows.start, rows.stop) for rows, _ in self._batches]
            == [(i, i + 1) for i in range(n_nodes)]
        ):
            return None
        rules = [reorder_rule(policy, self.n_skus) for policy in self.policies]
        if any(rule is None for rule in rules):
            return None
        reorder_point, up_to = (np.stack(levels) for levels in zip(*rules, strict=True))
        echelon = np.array(
            [self.uses_echelon and getattr(p, "uses_echelon", False) for p in self.policies]
        )
        return reorder_point, up_to, echelon

    def _lean_period(self, t: int, measured: bool, review: bool) -> None:
        """One period of a single node supplied from outside (:meth:`_lean_layout`): the
        phases below (arrive, serve, account, review and order, ship) fused into two
        compiled loops around the policy (:mod:`sim.lean`), each state array changed by the
        same operations in the same order, so with the same results bit for bit. The
        external supplier ships what it is owed in the period it is ordered, so the orders
        are the shipments and a period without orders ships nothing."""
        # the arrival slot is not cleared: this period's orders are written into the slot
        # of period t + lead time (the ring has lead time + 1 slots), or it is cleared
        serve_and_count(
            t, t % self.W, self.lean_state, self.lean_totals, self.pipe, self.demand,
            self.served_total, self.lost_total, self.backorder_mode, measured,
        )  # fmt: skip
        if measured:
            self.n_measured += 1
        slot = (t + self.lean_lead) % self.W
        if not review:
            self.pipe[slot].fill(0.0)
            return
        orders = self.orders
        state = InventoryState(float(t), self.on_hand[0], self.cust_bo[0], self.on_order[0])
        orders[0] = self.policies[0].order_quantity(state, None)
        book_orders(
            orders, slot, self.lean_state, self.pipe, self.tot_orders, self.tot_ordered_sq,
            measured,
        )  # fmt: skip
        if measured and self.tot_purchase is not None and self.discounts is not None:
            self.tot_purchase += self.discounts.purchase_cost(orders)

    def arrive(self, t: int) -> None:
        """Shipments due in period ``t`` arrive; at assembly nodes, complete kits become
        product."""
        arriving = self.pipe[t % self.W]
        self.in_transit -= arriving
        if self.simple:
            self.on_hand += arriving
            self.on_order -= arriving
            if self.ages is not None:
                self.ages[:, self.fresh, self.cols] += arriving
            if self.traces is not None:
                self._trace_received(t, arriving)
        else:
            top = self.top
            got = np.zeros_like(self.on_hand)
            # a node with one supplier takes its arrivals as they come (its edge has units 1)
            got[self.one_supplier_nodes] = arriving[self.one_supplier_edges]
            kits = self._kits()
            for i in self.assembly:
                inbound = top.inbound[i]
                kit = kits[inbound]
                kit += arriving[inbound]
                units = top.units[inbound][:, None]
                made = (kit / units).min(axis=0)
                kit -= made[None, :] * units
                np.maximum(kit, 0.0, out=kit)  # rounding dust of fractional units
                kits[inbound] = kit
                got[i] = made
            self.on_hand += got
            self.on_order -= got
            if self.ages is not None:
                self.ages[:, self.fresh, self.cols] += got
            if self.traces is not None:
                self._trace_received(t, got)
        arriving.fill(0.0)

    def _kits(self) -> np.ndarray:
        """Components waiting at assembly nodes, per inbound edge (a network with one)."""
        if self.kit is None:
            raise RuntimeError("only a network with an assembly node holds kits")
        return self.kit

    def _ages(self) -> np.ndarray:
        """On-hand stock by remaining life (perishable goods only: see the module docstring)."""
        if self.ages is None:
            raise RuntimeError("only perishable goods are held in age buckets")
        return self.ages

    def serve(self, d: np.ndarray) -> None:
        """Customer demand ``d`` (demand nodes x SKUs) is served; the rest is backordered
        (or lost)."""
        rows = self.demand_rows
        served, il = self.served, self.il
        view = isinstance(rows, slice)  # views write through; index arrays copy
        on_hand = self.on_hand_view if view else self.on_hand[rows]
        if self.backorder_mode:
            backorders = self.cust_bo_view if view else self.cust_bo[rows]
            np.subtract(on_hand, backorders, out=il)
            np.maximum(il, 0.0, out=served)
            np.minimum(served, d, out=served)
            il -= d
            np.maximum(il, 0.0, out=on_hand)
            np.negative(il, out=self.tmp)
            np.maximum(self.tmp, 0.0, out=backorders)
            if not view:
                self.cust_bo[rows] = backorders
        else:
            np.minimum(on_hand, d, out=served)
            on_hand -= served
            np.subtract(d, served, out=self.lost)
            self.lost_total += self.lost
        if not view:
            self.on_hand[rows] = on_hand
        self.served_total += served
        self.demand_now = d
        if self.ages is not None:
            self._issue(rows)

    def _issue(self, rows: slice | np.ndarray) -> None:
        """Take what left the shelf of nodes ``rows`` since the last call (their age buckets
        hold more than their on-hand stock) out of the buckets, oldest first (FIFO)."""
        ages = self._ages()
        cumulative = np.cumsum(ages[rows], axis=1)
        removed = cumulative[:, -1] - self.on_hand[rows]
        np.maximum(removed, 0.0, out=removed)
        cumulative -= removed[:, None, :]
        np.maximum(cumulative, 0.0, out=cumulative)
        ages[rows] = np.diff(cumulative, axis=1, prepend=0.0)

    def expire(self, t: int, measured: bool, rows: slice | np.ndarray | None = None) -> None:
        """End of period ``t``, after its costs are charged: at nodes ``rows`` (default all)
        units with one period of life left are discarded, the rest age by one period."""
        if rows is None:
            rows = slice(None)
        all_ages = self._ages()
        ages = all_ages[rows]
        on_hand = self.on_hand[rows]
        waste = np.minimum(ages[:, 0], on_hand)  # equal, up to rounding dust
        np.maximum(waste, 0.0, out=waste)  # ... which must not make it negative
        ages[:, :-1] = ages[:, 1:]
        ages[:, -1] = 0.0
        all_ages[rows] = ages
        self.on_hand[rows] = on_hand - waste
        self.waste[rows] = waste
        self.waste_total[rows] += waste
        if measured:
            self.tot_waste[rows] += waste
        traces = self.traces
        if traces is not None:
            for i in np.arange(len(traces))[rows]:
                traces[i].fields["waste"][t] = self.waste[i, self.traced_columns]

    def account(self, t: int, d: np.ndarray) -> None:
        """Add end-of-period levels of a measured period to the totals."""
        self.n_measured += 1
        self.tot_on_hand += self.on_hand
        self.tot_transit += self.in_transit
        if self.kit is not None:
            self.tot_transit += self.kit
        self.tot_served += self.served
        short = self.short_flag
        if self.backorder_mode:
            rows = self.demand_rows
            backorders = self.cust_bo_view if isinstance(rows, slice) else self.cust_bo[rows]
            self.tot_backorders += backorders
            np.greater(backorders, 0.0, out=short)
        else:
            self.tot_lost += self.lost
            np.greater(self.lost, 0.0, out=short)
        self.tot_stockouts += short
        if self.internal_suppliers:
            self.tot_owed_out += self.owed_out
        if self.node_off is not None:
            self.tot_disrupted += self.node_off[t]

    def _observe_demand(self, t: int, d: np.ndarray) -> dict[int, Forecast]:
        """Forecasters following customer demand learn period ``t`` only now, after it was
        served, and forecast."""
        forecasts: dict[int, Forecast] = {}
        for i, (driver, signal) in self.drivers.items():
            if signal == "orders" or isinstance(driver, SharedNode):
                continue
            if signal == "demand":
                series = d[self.demand_index[i]]
            else:
                series = self.below_weights[i] @ d
            driver.observe(t, series)
            forecasts[i] = driver.forecast(t)
        for group, rows in self.shared_drivers:  # several nodes' SKUs in one call
            forecasts.update(group.observe_and_forecast(t, d[rows]))
        return forecasts

    def _observe_orders(self, t: int, forecasts: dict[int, Forecast], rows: slice | None) -> None:
        """Forecasters following their customers' orders learn this period's orders (none
        outside reviews) once those are placed, before their own node reviews."""
        top = self.top
        for i, (driver, signal) in self.drivers.items():
            if signal != "orders" or (rows is not None and not rows.start <= i < rows.stop):
                continue
            assert not isinstance(driver, SharedNode)  # only demand followers share
            asked = self.new_owed[top.outbound[i]].sum(axis=0) if rows is not None else None
            driver.observe(t, np.zeros(self.n_skus) if asked is None else asked)
            forecasts[i] = driver.forecast(t)

    def review_and_order(self, t: int, forecasts: dict[int, Forecast], measured: bool) -> None:
        """Every node decides its order, one echelon at a time (downstream first), and the
        orders become what the suppliers owe."""
        orders = self.orders
        echelon = self._echelon_positions() if self.uses_echelon else None
        if self.single:
            state = InventoryState(float(t), self.on_hand[0], self.cust_bo[0], self.on_order[0])
            orders[0] = self.policies[0].order_quantity(state, forecasts.get(0))
            self.owed += orders
        else:
            for rows, policy, place in self.groups:
                if self.drivers:
                    self._observe_orders(t, forecasts, rows)
                # one node: (n_skus,) arrays, as the contract says; a stack: (nodes, n_skus)
                at = rows.start if rows.stop - rows.start == 1 else rows
                state = InventoryState(
                    float(t),
                    self.on_hand[at],
                    self.cust_bo[at] + self.owed_out[at],
                    self.on_order[at],
                    None if echelon is None else echelon[at],
                )
                orders[at] = policy.order_quantity(state, forecasts.get(rows.start))
                place(orders)
        self.on_order += orders
        self.ordered_total += orders
        if measured:
            self.tot_orders += orders > 0
            self.tot_ordered += orders
            np.multiply(orders, orders, out=self.order_sq)
            self.tot_ordered_sq += self.order_sq
            if self.tot_purchase is not None and self.discounts is not None:
                self.tot_purchase += self.discounts.purchase_cost(orders)
        if self.internal_suppliers:
            if measured:
                self._asked()
            outbound = self.top.outbound
            for supplier, queue in self.queues.items():
                queue.add(self.new_owed[outbound[supplier]])
        traces = self.traces
        if traces is not None:
            top = self.top
            for i, trace in enumerate(traces):
                trace.fields["order"][t] = orders[i, self.traced_columns]
            for supplier in self.internal_suppliers:
                asked = self.new_owed[top.outbound[supplier]][:, self.traced_columns].sum(axis=0)
                traces[supplier].fields["demand"][t] += asked

    def _placer(self, rows: slice) -> Callable[[np.ndarray], None]:
        """A function that turns the orders of nodes ``rows`` into what their suppliers owe
        (on the inbound edges, and downstream at each supplier) before the next echelon
        reviews."""
        top = self.top
        edges = np.concatenate([top.inbound[i] for i in range(rows.start, rows.stop)])
        units = top.units[edges][:, None]
        customers = top.customer[edges]
        internal = top.supplier[edges] >= 0
        by_supplier = [
            (int(supplier), edges[top.supplier[edges] == supplier])
            for supplier in np.unique(top.supplier[edges][internal])
        ]
        plain = bool(np.all(units == 1.0)) and np.array_equal(
            customers, np.arange(rows.start, rows.stop)
        )
        owed, ordered, owed_out, new_owed = (
            self.owed,
            self.edge_ordered,
            self.owed_out,
            self.new_owed,
        )
        one_block = len(by_supplier) == 1 and by_supplier[0][1].size == edges.size
        simple = self.simple
        target = _rows(edges)

        def place(orders: np.ndarray) -> None:
            amount = orders[rows] if plain else orders[customers] * units
            owed[target] += amount
            if not simple:
                ordered[target] += amount
            if by_supplier:
                new_owed[target] += amount
            if one_block:
                owed_out[by_supplier[0][0]] += amount.sum(axis=0)
            else:
                for supplier, its_edges in by_supplier:
                    owed_out[supplier] += (
                        orders[top.customer[its_edges]] * top.units[its_edges][:, None]
                    ).sum(axis=0)

        return place

    def _asked(self) -> None:
        """Bullwhip sums at suppliers: what was asked of them this period (their customer
        nodes' orders, and customer demand where they face customers too)."""
        for supplier, edges, one_customer in self.supply:
            asked = self.new_owed[edges] if one_customer else self.new_owed[edges].sum(axis=0)
            if supplier in self.demand_index:  # a supplier that also faces customers
                asked = asked + self.demand_now[self.demand_index[supplier]]
            self.tot_incoming[supplier] += asked
            self.tot_incoming_sq[supplier] += asked * asked

    def _echelon_positions(self) -> np.ndarray:
        """Echelon inventory position of every node (Clark & Scarf 1960): units of its item
        held at or in transit below it (product counted by its content), less customer
        backorders below it, plus what it has on order."""
        top = self.top
        level = np.empty_like(self.on_hand)
        for j in range(top.n_nodes):  # downstream first: customers are complete
            below_j = -self.cust_bo[j] if self.nodes[j].demand_facing else None
            for e in top.outbound[j]:
                customer = top.customer[e]
                # level[customer] counts units of its item; in transit and kits are j's own
                below = level[customer] if top.units[e] == 1.0 else level[customer] * top.units[e]
                part = below + self.in_transit[e]
                if self.kit is not None:
                    part = part + self.kit[e]
                below_j = part if below_j is None else below_j + part
            level[j] = self.on_hand[j] if below_j is None else below_j + self.on_hand[j]
        return level + self.on_order

    def ship(self, t: int, measured: bool) -> None:
        """Every supplier ships what it owes, as far as stock, the allocation rule,
        capacities and outages allow; shipments join the pipeline."""
        owed, shipped = self.owed, self.shipped
        external = self.external
        off = None if self.edge_off is None else self.edge_off[t]
        # the external supplier ships all it owes, unless capped
        if external.size == owed.shape[0]:
            np.copyto(shipped, owed)
        else:
            shipped[external] = owed[external]
        if self.edge_cap is not None:
            np.minimum(shipped, self.edge_cap[:, None], out=shipped)
        for supplier, edges, _ in self.supply:
            queue = self.queues.get(supplier)
            stock = self.on_hand[supplier]
            if queue is None:  # one customer: every rule ships min(owed, stock)
                proposal = np.minimum(owed[edges], stock)
            else:
                proposal = queue.propose(stock)
            if self.edge_cap is not None:
                np.minimum(proposal, self.edge_cap[edges][..., None], out=proposal)
            capacity = self.node_cap[supplier]
            if capacity is not None:
                proposal = _ration(proposal, capacity)
            shipped[edges] = proposal
        if off is not None:
            shipped[off] = 0.0
        if self.assembly:
            self._complete_kits(shipped)
        traces = self.traces if self.trace_skus else None
        for supplier, edges, one_customer in self.supply:
            sent = shipped[edges]
            total = sent if one_customer else sent.sum(axis=0)
            self.on_hand[supplier] -= total
            self.owed_out[supplier] -= total
            queue = self.queues.get(supplier)
            if queue is not None:
                queue.remove(sent)
            if traces is not None:
                traces[supplier].fields["served"][t] += total[self.traced_columns]
        owed -= shipped
        if measured and self.supply:
            # units of this period's orders not shipped this period (older orders first)
            for supplier, edges, one_customer in self.supply:
                new = self.new_owed[edges]
                short = np.minimum(new, owed[edges])
                self.tot_asked[supplier] += new if one_customer else new.sum(axis=0)
                self.tot_short[supplier] += short if one_customer else short.sum(axis=0)
        if self.supply:
            self.new_owed.fill(0.0)
            if self.ages is not None:
                self._issue(self.supplier_rows)
        self.in_transit += shipped
        self._to_pipeline(t, shipped)

    def _complete_kits(self, shipped: np.ndarray) -> None:
        """An assembly node's components ship only in complete kits."""
        top = self.top
        for i in self.assembly:
            inbound = top.inbound[i]
            units = top.units[inbound][:, None]
            kits = (shipped[inbound] / units).min(axis=0)
            if np.array_equal(shipped[inbound], np.floor(shipped[inbound])):
                kits = np.floor(kits)
            shipped[inbound] = kits[None, :] * units

    def _to_pipeline(self, t: int, shipped: np.ndarray) -> None:
        n_slots, pipe = self.W, self.pipe
        if self.common_lead is not None:  # every edge, one lead time: a row of the ring
            pipe[(t + self.common_lead) % n_slots] += shipped
        elif self.const_edges.size:
            slots = self.slot_table[t % n_slots]
            if self.const_edges.size == shipped.shape[0]:
                pipe[slots, self.const_edges] += shipped
            else:
                pipe[slots, self.const_edges] += shipped[self.const_edges]
        for e in self.grid_edges:
            pipe[(t + self.grids[e][t]) % n_slots, e, self.cols] += shipped[e]

    # ------------------------------------------------------------------ traces
    # (called only when the run traces: ``self.traces`` is a list)
    def _trace_received(self, t: int, got: np.ndarray) -> None:
        for i, trace in enumerate(self.traces or ()):
            trace.fields["received"][t] = got[i, self.traced_columns]

    def _trace_demand(self, t: int, d: np.ndarray) -> None:
        traces = self.traces or []
        columns = self.traced_columns
        for j, i in enumerate(self.top.demand_nodes):
            fields = traces[i].fields
            fields["demand"][t] = d[j, columns]
            fields["served"][t] = self.served[j, columns]
            if not self.backorder_mode:
                fields["lost"][t] = self.lost[j, columns]

    def _trace_levels(self, t: int) -> None:
        columns = self.traced_columns
        for i, trace in enumerate(self.traces or ()):
            fields = trace.fields
            fields["on_hand"][t] = self.on_hand[i, columns]
            fields["backorders"][t] = self.cust_bo[i, columns] + self.owed_out[i, columns]
            fields["on_order"][t] = self.on_order[i, columns]
            if self.node_off is not None:
                fields["disrupted"][t] = float(self.node_off[t, i])

    # ------------------------------------------------------------------ results
    def output(self) -> SimulationOutput:
        top = self.top
        n_nodes, n_skus = top.n_nodes, self.n_skus
        facing = top.demand_nodes
        inbound = top.inbound

        def per_node(edge_array: np.ndarray) -> list[np.ndarray]:
            return [
                edge_array[ix[0]] if ix.size == 1 else edge_array[ix].sum(axis=0) for ix in inbound
            ]

        def demand_rows(arr: np.ndarray) -> list[np.ndarray]:
            out = [np.zeros(n_skus) for _ in range(n_nodes)]
            for j, i in enumerate(facing):
                out[i] = arr[j]
            return out

        transit = per_node(self.tot_transit)
        # demand is known in advance: its sums need no bookkeeping in the period loop
        measured = self.demand[self.warmup :]
        tot_demand = measured.sum(axis=0)
        demand_sq = np.einsum("tjn,tjn->jn", measured, measured)  # for the bullwhip ratio
        zero = np.zeros(n_skus)
        row = {int(i): j for j, i in enumerate(facing)}
        totals = []
        for i in range(n_nodes):
            j = row.get(i)
            supplier = top.outbound[i].size > 0

            def at(arr: np.ndarray, j: int | None = j) -> np.ndarray:
                return zero if j is None else arr[j]

            totals.append(
                NodeTotals(
                    n_periods=float(self.n_measured),
                    on_hand=self.tot_on_hand[i],
                    backorders=at(self.tot_backorders) + self.tot_owed_out[i]
                    if supplier
                    else at(self.tot_backorders),
                    in_transit=transit[i],
                    demand=at(tot_demand),
                    served=at(self.tot_served),
                    lost=at(self.tot_lost),
                    stockout_periods=at(self.tot_stockouts),
                    orders=self.tot_orders[i],
                    ordered=self.tot_ordered[i],
                    ordered_sq=self.tot_ordered_sq[i],
                    incoming=self.tot_incoming[i] if supplier else at(tot_demand),
                    incoming_sq=self.tot_incoming_sq[i] if supplier else at(demand_sq),
                    asked_children=self.tot_asked[i],
                    short_children=self.tot_short[i],
                    disrupted_periods=float(self.tot_disrupted[i]),
                    waste=self.tot_waste[i],
                    purchase=None if self.tot_purchase is None else self.tot_purchase[i],
                )
            )
        return SimulationOutput(
            nodes=self.nodes,
            totals=totals,
            traces=self.traces,
            final_on_hand=list(self.on_hand),
            final_in_transit=per_node(self.in_transit),
            final_backorders=[self.cust_bo[i] + self.owed_out[i] for i in range(n_nodes)],
            final_owed=per_node(self.owed),
            received_total=list(self.received_total),
            ordered_total=list(self.ordered_total),
            demand_total=demand_rows(self.demand.sum(axis=0)),
            served_total=demand_rows(self.served_total),
            lost_total=demand_rows(self.lost_total),
            initial_on_hand=self.initial_on_hand,
            edges=self.edges,
            edge_in_transit=self.tot_transit,
            edge_totals={
                "ordered": self.edge_ordered,
                "shipped": self.edge_ordered - self.owed,
                "received": self.edge_ordered - self.owed - self.in_transit,
                "in_transit": self.in_transit,
                "owed": self.owed,
                "kit": np.zeros_like(self.owed) if self.kit is None else self.kit,
            },
            waste_total=list(self.waste_total),
        )


def _ration(proposal: np.ndarray, capacity: float) -> np.ndarray:
    """Cut a node's shipments (customers x SKUs) to ``capacity`` units in all: every
    shipment scaled by the same factor, rounded down to whole units when the proposal is
    in whole units (so a node never ships more than its capacity)."""
    total = float(proposal.sum())
    if total <= capacity:
        return proposal
    scaled = proposal * (capacity / total)
    if np.array_equal(proposal, np.floor(proposal)):
        scaled = np.floor(scaled)
    return scaled
