"""Base-stock (order-up-to) policy: at every review, raise the inventory position to ``S``.

Optimal for periodic review with linear costs and no fixed ordering cost (Arrow, Harris &
Marschak 1951; Snyder & Shen 2019, Sec. 4.3). Left null, ``level`` is the newsvendor
solution on protection-interval demand: exact for Poisson demand with a deterministic lead
time, the normal approximation otherwise (lead-time variability included). Under lost sales
the critical ratio uses the lost-sale penalty, an approximation (Zipkin 2008).

**A warehouse feeding stores** (``network=distribution``, or any graph of that shape: one
externally supplied node whose customers are all demand-facing nodes). With Poisson demand,
backorders, deterministic lead times and review every period, the null levels are the
installation levels that minimise the *exact* expected cost of the network (Graves 1985;
Axsäter 1990; :func:`policies.optimal.distribution_exact.distribution_search_exact`), not
a newsvendor per node. The continuous-review result holds exactly in Stocklab's period
convention: each store orders its period's demand, the warehouse orders the sum, and under
``allocation: fifo`` the warehouse serves the stores' orders by period and, within a
period, in random order, so its backorders are the latest orders of a merged stream whose
store labels are independent draws. Store ``i``'s outstanding orders at the end of a period
are then Poisson(``lambda_i L_i``) plus a Binomial(``B0``, ``lambda_i / Lambda``) share of
the warehouse's backorders ``B0 = (X0 - S0)+``, ``X0`` Poisson(``Lambda L0``), with the
lead times in periods (a lead time of 0 counts as 1, as in the engine). The simulated cost
per period is the exact cost plus ``h0 Lambda L``: stock in transit to the stores
(``Lambda (L - 1)`` units) and the warehouse's arrivals of the period, on hand when costs
are charged and shipped after (``Lambda`` units), both at the warehouse's rate. Levels
given for some nodes (``level: {warehouse: 300}``) are kept and the others are optimised
given them. Other demand families, lost sales, random lead times or longer reviews fall
back to the newsvendor per node (at the warehouse on its own lead-time demand, a rough
rule: the warehouse has no backorder cost of its own).
"""

from __future__ import annotations

import numpy as np

from forecasters.base import Forecast
from policies.base import (
    InventoryState,
    NetworkContext,
    PlanningContext,
    Policy,
    as_sku_array,
    finite_param,
    sku_vector,
    solve_per_sku,
)
from policies.optimal import newsvendor_normal, newsvendor_poisson
from policies.optimal.distribution_exact import distribution_search_exact


def optimal_level(context: PlanningContext) -> np.ndarray:
    """Newsvendor order-up-to level on protection-interval demand, per SKU."""
    h, p = context.holding, context.shortage_penalty
    if context.exact_poisson:
        return np.asarray(newsvendor_poisson(context.protection_mean, h, p).level, dtype=float)
    return np.asarray(
        newsvendor_normal(context.protection_mean, context.protection_std, h, p).level, dtype=float
    )


class BaseStock(Policy):
    """Order ``max(level - position, 0)`` at every review."""

    param_names = ("level",)
    columnwise = True
    level_names = ("level",)
    elementwise = True

    def __init__(self, *, level: float | list[float] | np.ndarray | None = None):
        self.level = finite_param("policy.level", level)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return np.maximum(self.level - state.position, 0.0)

    def reorder_levels(self, n_skus: int) -> tuple[np.ndarray, np.ndarray] | None:
        # max(level - position, 0) is level - position exactly where position <= level
        level = sku_vector(self.level, n_skus)
        return None if level is None else (level, level)

    def prepare(self, context: PlanningContext) -> BaseStock:
        if self.level is None:
            return BaseStock(level=optimal_level(context))
        return BaseStock(level=as_sku_array(self.level, context.n_skus, "policy.level"))

    def for_network(self, context: NetworkContext) -> list[Policy]:
        self.check_nodes(context)
        own = [self._for_node(node) for node in context.nodes]
        given = [policy.level for policy in own]
        if any(level is None for level in given):
            levels = distribution_levels(context, given)
            if levels is not None:
                return [BaseStock(level=level) for level in levels]
        return [policy.prepare(node) for policy, node in zip(own, context.nodes, strict=True)]

    def _for_node(self, context: PlanningContext) -> BaseStock:
        """:meth:`Policy.for_node`, which makes a policy of this very class."""
        policy = self.for_node(context)
        assert isinstance(policy, BaseStock)
        return policy


def _exact_distribution(context: NetworkContext) -> tuple[int, list[int]] | None:
    """The warehouse's and the stores' node indices when the exact distribution levels
    apply (see the module docstring); None otherwise."""
    from policies.echelon_base_stock import network_shape

    nodes = context.nodes
    if context.topology is None or network_shape(context) != "distribution":
        return None
    if any(
        not node.exact_poisson
        or node.unmet_demand != "backorder"
        or node.continuous
        or node.review_period != 1
        or np.any(node.lead_time_mean != np.round(node.lead_time_mean))
        for node in nodes
    ):
        return None
    topology = context.topology
    warehouse = next(i for i in range(len(nodes)) if topology.outbound[i].size)
    return warehouse, [i for i in range(len(nodes)) if i != warehouse]


def _whole(given: list, n_skus: int) -> list[np.ndarray | None] | None:
    """Given levels as per-SKU arrays (None where to be derived); None when one is not a
    whole number >= 0 (the exact cost is defined on whole units)."""
    out: list[np.ndarray | None] = []
    for node, level in enumerate(given):
        if level is None:
            out.append(None)
            continue
        levels = as_sku_array(level, n_skus, f"policy.level[{node}]")
        if np.any(levels < 0) or np.any(levels != np.round(levels)):
            return None
        out.append(levels)
    return out


def distribution_levels(context: NetworkContext, given: list) -> list[np.ndarray] | None:
    """Installation base-stock levels per node (downstream first) and SKU that minimise the
    exact cost of a warehouse feeding stores (Graves 1985), the levels in ``given`` (None
    where free) kept; None where the exact result does not apply."""
    shape = _exact_distribution(context)
    if shape is None:
        return None
    nodes = context.nodes
    n_skus = nodes[0].n_skus
    fixed = _whole(given, n_skus)
    if fixed is None:
        return None
    warehouse, stores = shape
    out = np.zeros((len(nodes), n_skus))
    rates = np.array(
        [[nodes[i].demand_mean[sku] for i in stores] for sku in range(n_skus)], dtype=float
    )
    live = rates > 0  # a store without demand holds nothing (its level stays 0)

    def level(node: int, sku: int) -> float | None:
        """The level given for ``node`` and ``sku`` (None: to be optimised)."""
        given_levels = fixed[node]
        return None if given_levels is None else float(given_levels[sku])

    def key(sku: int) -> tuple:
        """The exact problem of one SKU: the live stores' rates, lead times (a lead time of
        0 counts as 1), holding and backorder rates, and the levels given."""
        live_stores = [stores[j] for j in np.flatnonzero(live[sku])]
        return (
            tuple(rates[sku][live[sku]]),
            max(int(nodes[warehouse].lead_time_mean[sku]), 1),
            tuple(max(int(nodes[i].lead_time_mean[sku]), 1) for i in live_stores),
            float(nodes[warehouse].holding[sku]),
            tuple(float(nodes[i].holding[sku]) for i in live_stores),
            tuple(float(nodes[i].backorder[sku]) for i in live_stores),
            level(warehouse, sku),
            tuple(level(i, sku) for i in live_stores),
        )

    def solve(sku: int, problem: tuple) -> tuple[float, np.ndarray]:
        sol = distribution_search_exact(
            *problem[:6],  # rates, lead times, holding and backorder rates (tuples)
            warehouse_level=problem[6],
            store_levels=list(problem[7]),
        )
        return float(sol.warehouse_level), sol.store_levels.astype(float)

    def given_or_zero(node: int, sku: int) -> float:
        given_level = level(node, sku)
        return 0.0 if given_level is None else given_level

    for sku in range(n_skus):
        for j in np.flatnonzero(~live[sku]):
            out[stores[j], sku] = given_or_zero(stores[j], sku)
        if not live[sku].any():
            out[warehouse, sku] = given_or_zero(warehouse, sku)
    solved = solve_per_sku(np.flatnonzero(live.any(axis=1)).tolist(), key, solve)
    for sku, (warehouse_level, store_levels) in solved.items():
        live_stores = [stores[j] for j in np.flatnonzero(live[sku])]
        out[warehouse, sku], out[live_stores, sku] = warehouse_level, store_levels
    return [out[i] for i in range(len(nodes))]
