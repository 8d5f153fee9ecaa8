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

from collections.abc import Generator
from functools import partial
from typing import Any

import numpy as np
import simpy

from policies.base import InventoryState, Policy
from sim.engine import NodeTotals, NodeTrace, SimulationOutput
from sim.leadtime import LeadTimeModel
from sim.network import Edge, Node, UnmetDemand

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
        unmet_demand: UnmetDemand,
        horizon: float,
        warmup: float,
        initial_on_hand: np.ndarray,
        trace_skus: int = 0,
        edge: Edge | None = None,
    ):
        self.node = node
        self.edge = edge
        self.policy = policy
        self.n_skus = int(n_skus)
        self.times, self.skus, self.sizes = events
        self.lead_time = lead_time
        self.lead_time_rng = lead_time_rng
        self.backorder_mode = unmet_demand == "backorder"
        self.horizon = float(horizon)
        self.warmup = float(warmup)
        self.initial_on_hand = np.asarray(initial_on_hand, dtype=float).copy()
        self.n_traced = min(int(trace_skus), self.n_skus)

    def run(self) -> SimulationOutput:
        n_skus, n_traced = self.n_skus, self.n_traced
        self.env = env = simpy.Environment()
        self.on_hand = self.initial_on_hand.copy()
        self.backorders = np.zeros(n_skus)
        self.on_order = np.zeros(n_skus)
        self.totals = NodeTotals.zeros(n_skus)
        self.totals.n_periods = max(self.horizon - self.warmup, 0.0)
        self.last = 0.0
        self.period_short = np.zeros(n_skus, dtype=bool)
        n_periods = int(np.ceil(self.horizon))
        # (no columns without traced SKUs: every write to it is guarded by n_traced)
        self.trace = NodeTrace.empty(n_periods, n_traced)
        self.received_total = np.zeros(n_skus)
        self.ordered_total = np.zeros(n_skus)
        self.demand_total = np.zeros(n_skus)
        self.served_total = np.zeros(n_skus)
        self.lost_total = np.zeros(n_skus)
        self._review()
        env.process(self._demand())
        env.process(self._recorder(n_periods))
        env.run(until=self.horizon)
        self._advance(self.horizon)
        if n_periods:
            self._close_period(n_periods - 1)  # SimPy stops before events at `until`
        return SimulationOutput(
            nodes=[self.node],
            totals=[self.totals],
            traces=[self.trace] if n_traced else None,
            final_on_hand=[self.on_hand],
            final_in_transit=[self.on_order.copy()],
            final_backorders=[self.backorders],
            final_owed=[np.zeros(n_skus)],
            received_total=[self.received_total],
            ordered_total=[self.ordered_total],
            demand_total=[self.demand_total],
            served_total=[self.served_total],
            lost_total=[self.lost_total],
            initial_on_hand=[self.initial_on_hand],
            edges=[self.edge] if self.edge is not None else [],
            edge_in_transit=self.totals.in_transit[None, :],
        )

    # -- time integrals -------------------------------------------------------------
    def _advance(self, now: float) -> None:
        start = max(self.last, self.warmup)
        if now > start:
            dt = now - start
            self.totals.on_hand += self.on_hand * dt
            self.totals.backorders += self.backorders * dt
            self.totals.in_transit += self.on_order * dt
        self.last = now

    def _period_index(self) -> int:
        return min(int(self.env.now), len(self.trace.fields["demand"]) - 1)

    # -- processes ------------------------------------------------------------------
    def _demand(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for t, i, size in zip(self.times, self.skus, self.sizes, strict=True):
            yield env.timeout(t - env.now)
            self._advance(t)
            measured = t >= self.warmup
            served = min(size, self.on_hand[i])
            self.on_hand[i] -= served
            short = size - served
            if short > 0:
                self.period_short[i] = True
                if self.backorder_mode:
                    self.backorders[i] += short
                else:
                    self.lost_total[i] += short
                    if measured:
                        self.totals.lost[i] += short
            self.demand_total[i] += size
            self.served_total[i] += served
            if measured:
                self.totals.demand[i] += size
                self.totals.served[i] += served
            if self.n_traced and i < self.n_traced:
                period = self._period_index()
                trace = self.trace.fields
                trace["demand"][period, i] += size
                trace["served"][period, i] += served
                trace["lost"][period, i] += 0.0 if self.backorder_mode else short
            self._review()

    def _review(self) -> None:
        env = self.env
        state = InventoryState(env.now, self.on_hand, self.backorders, self.on_order, None)
        quantities = self.policy.order_quantity(state)
        for i in np.flatnonzero(quantities > 0):
            qty = float(quantities[i])
            self.on_order[i] += qty
            self.ordered_total[i] += qty
            if env.now >= self.warmup:
                self.totals.orders[i] += 1
                self.totals.ordered[i] += qty
            if self.n_traced and i < self.n_traced:
                self.trace.fields["order"][self._period_index(), i] += qty
            lead = self.lead_time.sample_continuous(self.lead_time_rng, 1, sku=np.array([i]))
            arrival = env.timeout(float(lead[0]))
            arrival.callbacks.append(partial(self._receive, int(i), qty))

    def _receive(self, i: int, qty: float, _arrival: simpy.Event | None = None) -> None:
        """Order ``qty`` of SKU ``i`` arrives (a callback of its ``_arrival`` event)."""
        self._advance(self.env.now)
        self.on_order[i] -= qty
        self.received_total[i] += qty
        self.on_hand[i] += qty
        filled = min(self.on_hand[i], self.backorders[i])
        self.on_hand[i] -= filled
        self.backorders[i] -= filled
        if self.n_traced and i < self.n_traced and self.env.now < self.horizon:
            self.trace.fields["received"][self._period_index(), i] += qty

    def _recorder(self, n_periods: int) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for period in range(n_periods - 1):
            yield env.timeout(float(period + 1) - env.now)
            self._close_period(period)

    def _close_period(self, period: int) -> None:
        short = self.period_short | (self.backorders > 0)
        if period >= self.warmup:
            self.totals.stockout_periods += short
        self.period_short[:] = False
        if self.n_traced:
            trace, n_traced = self.trace.fields, self.n_traced
            trace["on_hand"][period] = self.on_hand[:n_traced]
            trace["backorders"][period] = self.backorders[:n_traced]
            trace["on_order"][period] = self.on_order[:n_traced]
