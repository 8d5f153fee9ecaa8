"""Periodic-review simulation of a network of stocking nodes, all SKUs at once.

Period convention (Stocklab's, used by every optimiser in ``policies/optimal``):

1. at the start of period ``t`` the shipments due in period ``t`` arrive;
2. customer demand of period ``t`` is served at demand-facing nodes, outstanding
   backorders first; what cannot be served is backordered or lost;
3. costs are charged on end-of-period levels (on hand, in transit, backorders, lost units);
4. at a review (periods ``t`` with ``t % R == 0``) each node, downstream first, places its
   order; every period each supplier then ships what it owes (outstanding and new orders,
   as far as its stock allows). A shipment sent at the end of period ``t`` with lead time
   ``L`` arrives at the start of period ``t + L``.

Hence an order placed at a review must cover ``L + R - 1`` periods of demand (the
*protection interval*): base-stock with ``L = 2`` and ``R = 1`` protects two periods. A lead
time of 0 delivers before the next period starts and so behaves as ``L = 1``.

SimPy is the clock: one process steps through the periods (``env.timeout(1)`` between them)
so that other processes (disruptions, capacity changes, agents) can interleave at any time.
Inside a period every node's SKUs move as numpy arrays; shipments wait in a ring buffer
indexed by arrival period, which lets orders with random lead times cross.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from policies.base import InventoryState, Policy
from sim.network import Node

__all__ = ["NodeTotals", "NodeTrace", "SimulationOutput", "PeriodicSimulation", "TRACE_FIELDS"]

#: Per-period trace fields, one array (n_periods, n_traced_skus) each per node.
TRACE_FIELDS = (
    "on_hand",
    "backorders",
    "on_order",
    "demand",
    "served",
    "lost",
    "received",
    "order",
)


@dataclass
class NodeTotals:
    """Sums over the measured periods (after warm-up) for one node, per SKU.

    In continuous review the level sums are time integrals and ``n_periods`` is the
    measured time, so ``sum / n_periods`` is a time average either way.
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

    @classmethod
    def zeros(cls, n_skus: int) -> NodeTotals:
        z = [np.zeros(n_skus) for _ in range(9)]
        return cls(0.0, *z)


@dataclass
class NodeTrace:
    """Per-period trace of the first ``n_traced`` SKUs of one node."""

    fields: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, n_periods: int, n_traced: int) -> NodeTrace:
        return cls({f: np.zeros((n_periods, n_traced)) for f in TRACE_FIELDS})


@dataclass
class SimulationOutput:
    """What one replication leaves: totals per node and (optionally) traces per node."""

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


class PeriodicSimulation:
    """One replication of a periodic-review network.

    ``demand`` has shape ``(horizon, n_skus)`` (customer demand at node 0), ``lead_times``
    one ``(horizon, n_skus)`` integer grid per node: the lead time of a shipment sent to that
    node in period ``t``. Both are drawn beforehand from named streams, so rival policies
    face the same demand and lead times (common random numbers).
    """

    def __init__(
        self,
        *,
        nodes: list[Node],
        supplier_index: list[int | None],
        policies: list[Policy],
        demand: np.ndarray,
        lead_times: list[np.ndarray],
        unmet_demand: str,
        review_period: int,
        warmup: int,
        initial_on_hand: list[np.ndarray],
        trace_skus: int = 0,
        forecast_driver=None,
    ):
        self.forecast_driver = forecast_driver  # sim.forecasting.ForecastDriver for node 0
        self.nodes = nodes
        self.supplier_index = supplier_index
        self.policies = policies
        self.demand = demand
        self.horizon, self.n_skus = demand.shape
        self.lead_times = lead_times
        self.backorder_mode = unmet_demand == "backorder"
        self.review_period = int(review_period)
        self.warmup = int(warmup)
        self.initial_on_hand = [np.asarray(x, dtype=float).copy() for x in initial_on_hand]
        self.trace_skus = min(int(trace_skus), self.n_skus)
        if len(nodes) != len(policies) or len(nodes) != len(lead_times):
            raise ValueError("one policy and one lead-time grid per node are required")
        # downstream-first order: a node's supplier must come after it
        for i, s in enumerate(supplier_index):
            if s is not None and s <= i:
                raise ValueError(f"node {nodes[i].name!r} must be listed before its supplier")

    def run(self) -> SimulationOutput:
        env = simpy.Environment()
        out: list[SimulationOutput] = []
        env.process(self._periods(env, out))
        env.run()
        return out[0]

    # The loop below is the hot path: arrays are bound to locals and updated in place.
    def _periods(self, env: simpy.Environment, out: list[SimulationOutput]):  # noqa: C901
        T, n, N = self.horizon, self.n_skus, len(self.nodes)
        R, warmup, backorder_mode = self.review_period, self.warmup, self.backorder_mode
        sup = self.supplier_index
        multi = N > 1
        # lead times: effective >= 1 (see module docstring); constant grids use a row add
        lts, const_lt = [], []
        for g in self.lead_times:
            g = np.maximum(np.asarray(g, dtype=np.int64), 1)
            lts.append(g)
            const_lt.append(int(g.flat[0]) if g.size and np.all(g == g.flat[0]) else None)
        W = int(max(int(g.max()) if g.size else 1 for g in lts)) + 1
        pipes = [np.zeros((W, n)) for _ in range(N)]
        cols = np.arange(n)

        oh = [x.copy() for x in self.initial_on_hand]
        bo = [np.zeros(n) for _ in range(N)]  # owed to customers (node 0) or to children
        owed = [np.zeros(n) for _ in range(N)]  # what node i's supplier owes node i
        transit = [np.zeros(n) for _ in range(N)]
        on_order = [np.zeros(n) for _ in range(N)]
        caps = [
            None
            if self.nodes[i].supplier_capacity is None
            else float(self.nodes[i].supplier_capacity)
            for i in range(N)
        ]
        totals = [NodeTotals.zeros(n) for _ in range(N)]
        received_total = [np.zeros(n) for _ in range(N)]
        ordered_total = [np.zeros(n) for _ in range(N)]
        demand_total, served_total, lost_total = np.zeros(n), np.zeros(n), np.zeros(n)
        k = self.trace_skus
        traces = [NodeTrace.empty(T, k) for _ in range(N)] if k else None
        policies = self.policies
        demand = self.demand
        served = np.zeros(n)
        lost = np.zeros(n)
        il = np.zeros(n)
        tmp = np.zeros(n)
        positions_echelon = [None] * N
        driver = self.forecast_driver
        forecast = None

        for t in range(T):
            measured = t >= warmup
            slot = t % W
            # 1. arrivals
            for i in range(N):
                a = pipes[i][slot]
                oh[i] += a
                transit[i] -= a
                on_order[i] -= a
                if k:
                    traces[i].fields["received"][t] = a[:k]
                received_total[i] += a
                a.fill(0.0)
            # 2. customer demand at node 0
            d = demand[t]
            oh0, bo0 = oh[0], bo[0]
            if backorder_mode:
                np.subtract(oh0, bo0, out=il)
                np.maximum(il, 0.0, out=served)
                np.minimum(served, d, out=served)
                il -= d
                np.maximum(il, 0.0, out=oh0)
                np.negative(il, out=tmp)
                np.maximum(tmp, 0.0, out=bo0)
            else:
                np.minimum(oh0, d, out=served)
                oh0 -= served
                np.subtract(d, served, out=lost)
            demand_total += d
            served_total += served
            if driver is not None:
                # the forecaster learns period t only now, after it was served
                driver.observe(t, d)
                forecast = driver.forecast(t)
            if not backorder_mode:
                lost_total += lost
            # 3. costs on end-of-period levels
            if measured:
                for i in range(N):
                    tot = totals[i]
                    tot.on_hand += oh[i]
                    tot.in_transit += transit[i]
                tot0 = totals[0]
                tot0.n_periods += 1
                tot0.demand += d
                tot0.served += served
                if backorder_mode:
                    tot0.backorders += bo0
                    tot0.stockout_periods += bo0 > 0
                else:
                    tot0.lost += lost
                    tot0.stockout_periods += lost > 0
                for i in range(1, N):
                    totals[i].n_periods += 1
            if k:
                f0 = traces[0].fields
                f0["demand"][t] = d[:k]
                f0["served"][t] = served[:k]
                if not backorder_mode:
                    f0["lost"][t] = lost[:k]
            # 4. reviews (downstream first), then every supplier ships what it owes
            review = t % R == 0
            if review and multi:
                # echelon inventory position (Clark & Scarf 1960): stock at or below the node,
                # in transit below it, on order to it, minus customer backorders
                level = -bo[0]
                for i in range(N):
                    level = level + oh[i]
                    positions_echelon[i] = level + on_order[i]
                    level = level + transit[i]
            for i in range(N):
                s = sup[i]
                if review:
                    state = InventoryState(
                        float(t), oh[i], bo[i], on_order[i], positions_echelon[i] if multi else None
                    )
                    q = policies[i].order_quantity(state, forecast if i == 0 else None)
                    if q is not None:
                        owed[i] += q
                        on_order[i] += q
                        if s is not None:
                            bo[s] += q
                            if k:
                                traces[s].fields["demand"][t] += q[:k]
                        if measured:
                            tot = totals[i]
                            tot.orders += q > 0
                            tot.ordered += q
                        ordered_total[i] += q
                        if k:
                            traces[i].fields["order"][t] = q[:k]
                # ship what the supplier owes node i
                if s is None:
                    if caps[i] is None:
                        ship = owed[i].copy()
                    else:
                        ship = np.minimum(owed[i], caps[i])
                else:
                    ship = np.minimum(owed[i], oh[s])
                    oh[s] -= ship
                    bo[s] -= ship
                    if k:
                        traces[s].fields["served"][t] += ship[:k]
                owed[i] -= ship
                transit[i] += ship
                L = const_lt[i]
                if L is not None:
                    pipes[i][(t + L) % W] += ship
                else:
                    pipes[i][(t + lts[i][t]) % W, cols] += ship
            if k:
                for i in range(N):
                    f = traces[i].fields
                    f["on_hand"][t] = oh[i][:k]
                    f["backorders"][t] = bo[i][:k]
                    f["on_order"][t] = on_order[i][:k]
            yield env.timeout(1)

        out.append(
            SimulationOutput(
                nodes=self.nodes,
                totals=totals,
                traces=traces,
                final_on_hand=oh,
                final_in_transit=transit,
                final_backorders=bo,
                final_owed=owed,
                received_total=received_total,
                ordered_total=ordered_total,
                demand_total=[demand_total] + [np.zeros(n)] * (N - 1),
                served_total=[served_total] + [np.zeros(n)] * (N - 1),
                lost_total=[lost_total] + [np.zeros(n)] * (N - 1),
                initial_on_hand=self.initial_on_hand,
            )
        )
