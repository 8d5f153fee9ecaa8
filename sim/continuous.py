"""Continuous-review simulation of one stocking node, for few-SKU studies.

Demand arrives in continuous time as a (compound) Poisson process, each arrival a SimPy
event; the policy reacts to every demand event; each order is a SimPy event that fires when
the shipment arrives after its (possibly random) lead time, so orders may cross. Costs are
time averages: holding ``h`` per unit on hand per time unit, backorder ``p`` per unit
backordered per time unit, plus the lost-sale penalty, ``K`` per order and ``c`` per unit.
This is the setting of the exact (r, Q) results (Federgruen & Zheng 1992) and of the EOQ
with deterministic demand.

The recorder process ticks once per time unit and writes the same per-period trace and
totals as the periodic engine: a *period* here is one time unit.
"""

from __future__ import annotations

import numpy as np
import simpy

from policies.base import InventoryState, Policy
from sim.engine import NodeTotals, NodeTrace, SimulationOutput
from sim.leadtime import LeadTimeModel
from sim.network import Edge, Node

__all__ = ["ContinuousSimulation"]


class ContinuousSimulation:
    """One replication of a continuous-review node.

    ``events`` is ``(times, sku, size)`` sorted by time over ``[0, horizon)``, drawn
    beforehand from the demand stream (common random numbers across policies).
    """

    def __init__(
        self,
        *,
        node: Node,
        policy: Policy,
        n_skus: int,
        events: tuple[np.ndarray, np.ndarray, np.ndarray],
        lead_time: LeadTimeModel,
        lead_time_rng: np.random.Generator,
        unmet_demand: str,
        horizon: float,
        warmup: float,
        initial_on_hand: np.ndarray,
        trace_skus: int = 0,
        edge: Edge | None = None,
    ):
        self.node = node
        self.edge = edge
        self.policy = policy
        self.n = int(n_skus)
        self.times, self.skus, self.sizes = events
        self.lead_time = lead_time
        self.lt_rng = lead_time_rng
        self.backorder_mode = unmet_demand == "backorder"
        self.horizon = float(horizon)
        self.warmup = float(warmup)
        self.initial_on_hand = np.asarray(initial_on_hand, dtype=float).copy()
        self.k = min(int(trace_skus), self.n)

    def run(self) -> SimulationOutput:
        n, k = self.n, self.k
        self.env = env = simpy.Environment()
        self.oh = self.initial_on_hand.copy()
        self.bo = np.zeros(n)
        self.on_order = np.zeros(n)
        self.tot = NodeTotals.zeros(n)
        self.tot.n_periods = max(self.horizon - self.warmup, 0.0)
        self.last = 0.0
        self.period_short = np.zeros(n, dtype=bool)
        n_periods = int(np.ceil(self.horizon))
        self.trace = NodeTrace.empty(n_periods, k) if k else None
        self.received_total = np.zeros(n)
        self.ordered_total = np.zeros(n)
        self.demand_total = np.zeros(n)
        self.served_total = np.zeros(n)
        self.lost_total = np.zeros(n)
        self._review()
        env.process(self._demand())
        env.process(self._recorder(n_periods))
        env.run(until=self.horizon)
        self._advance(self.horizon)
        if n_periods:
            self._close_period(n_periods - 1)  # SimPy stops before events at `until`
        return SimulationOutput(
            nodes=[self.node],
            totals=[self.tot],
            traces=[self.trace] if k else None,
            final_on_hand=[self.oh],
            final_in_transit=[self.on_order.copy()],
            final_backorders=[self.bo],
            final_owed=[np.zeros(n)],
            received_total=[self.received_total],
            ordered_total=[self.ordered_total],
            demand_total=[self.demand_total],
            served_total=[self.served_total],
            lost_total=[self.lost_total],
            initial_on_hand=[self.initial_on_hand],
            edges=[self.edge] if self.edge is not None else [],
            edge_in_transit=self.tot.in_transit[None, :],
        )

    # -- time integrals -------------------------------------------------------------
    def _advance(self, now: float) -> None:
        start = max(self.last, self.warmup)
        if now > start:
            dt = now - start
            self.tot.on_hand += self.oh * dt
            self.tot.backorders += self.bo * dt
            self.tot.in_transit += self.on_order * dt
        self.last = now

    def _period_index(self) -> int:
        return min(int(self.env.now), len(self.trace.fields["demand"]) - 1)

    # -- processes ------------------------------------------------------------------
    def _demand(self):
        env = self.env
        for t, i, size in zip(self.times, self.skus, self.sizes, strict=True):
            yield env.timeout(t - env.now)
            self._advance(t)
            measured = t >= self.warmup
            served = min(size, self.oh[i])
            self.oh[i] -= served
            short = size - served
            if short > 0:
                self.period_short[i] = True
                if self.backorder_mode:
                    self.bo[i] += short
                else:
                    self.lost_total[i] += short
                    if measured:
                        self.tot.lost[i] += short
            self.demand_total[i] += size
            self.served_total[i] += served
            if measured:
                self.tot.demand[i] += size
                self.tot.served[i] += served
            if self.k and i < self.k:
                p = self._period_index()
                f = self.trace.fields
                f["demand"][p, i] += size
                f["served"][p, i] += served
                f["lost"][p, i] += 0.0 if self.backorder_mode else short
            self._review()

    def _review(self) -> None:
        env = self.env
        state = InventoryState(env.now, self.oh, self.bo, self.on_order, None)
        q = self.policy.order_quantity(state)
        for i in np.flatnonzero(q > 0):
            qty = float(q[i])
            self.on_order[i] += qty
            self.ordered_total[i] += qty
            if env.now >= self.warmup:
                self.tot.orders[i] += 1
                self.tot.ordered[i] += qty
            if self.k and i < self.k:
                self.trace.fields["order"][self._period_index(), i] += qty
            lead = float(self.lead_time.sample_continuous(self.lt_rng, 1, sku=np.array([i]))[0])
            arrival = env.timeout(lead)
            arrival.callbacks.append(lambda _ev, i=i, qty=qty: self._receive(i, qty))

    def _receive(self, i: int, qty: float) -> None:
        self._advance(self.env.now)
        self.on_order[i] -= qty
        self.received_total[i] += qty
        self.oh[i] += qty
        filled = min(self.oh[i], self.bo[i])
        self.oh[i] -= filled
        self.bo[i] -= filled
        if self.k and i < self.k and self.env.now < self.horizon:
            self.trace.fields["received"][self._period_index(), i] += qty

    def _recorder(self, n_periods: int):
        env = self.env
        for p in range(n_periods - 1):
            yield env.timeout(float(p + 1) - env.now)
            self._close_period(p)

    def _close_period(self, p: int) -> None:
        short = self.period_short | (self.bo > 0)
        if p >= self.warmup:
            self.tot.stockout_periods += short
        self.period_short[:] = False
        if self.k:
            f = self.trace.fields
            f["on_hand"][p] = self.oh[: self.k]
            f["backorders"][p] = self.bo[: self.k]
            f["on_order"][p] = self.on_order[: self.k]
