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
)
from policies.optimal import newsvendor_normal, newsvendor_poisson
from policies.optimal.distribution_exact import distribution_search_exact


def optimal_level(context: PlanningContext) -> np.ndarray:
    """Newsvendor order-up-to level on protection-interval demand, per SKU."""
    h, p = context.holding, context.shortage_penalty
    exact = context.demand_family == "poisson" and np.all(context.lead_time_std == 0)
    if exact:
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

    def __init__(self, *, level: float | list[float] | None = None):
        self.level = finite_param("policy.level", level)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return np.maximum(self.level - state.position, 0.0)

    def prepare(self, context: PlanningContext) -> BaseStock:
        if self.level is None:
            return BaseStock(level=optimal_level(context))
        return BaseStock(level=as_sku_array(self.level, context.n_skus, "policy.level"))

    def for_network(self, context: NetworkContext) -> list[Policy]:
        self.check_nodes(context)
        own = [self.for_node(node) for node in context.nodes]
        given = [p.level for p in own]
        if any(level is None for level in given):
            levels = distribution_levels(context, given)
            if levels is not None:
                return [BaseStock(level=x) for x in levels]
        return [p.prepare(node) for p, node in zip(own, context.nodes, strict=True)]


def _exact_distribution(context: NetworkContext) -> tuple[int, list[int]] | None:
    """The warehouse's and the stores' node indices when the exact distribution levels
    apply (see the module docstring); None otherwise."""
    from policies.echelon_base_stock import network_shape

    nodes = context.nodes
    if context.topology is None or network_shape(context) != "distribution":
        return None
    if any(
        nd.demand_family != "poisson"
        or nd.unmet_demand != "backorder"
        or nd.continuous
        or nd.review_period != 1
        or np.any(nd.lead_time_std > 0)
        or np.any(nd.lead_time_mean != np.round(nd.lead_time_mean))
        for nd in nodes
    ):
        return None
    top = context.topology
    warehouse = next(i for i in range(len(nodes)) if top.outbound[i].size)
    return warehouse, [i for i in range(len(nodes)) if i != warehouse]


def _whole(given: list, n_skus: int) -> list[np.ndarray | None] | None:
    """Given levels as per-SKU arrays (None where to be derived); None when one is not a
    whole number >= 0 (the exact cost is defined on whole units)."""
    out = []
    for i, level in enumerate(given):
        if level is None:
            out.append(None)
            continue
        arr = as_sku_array(level, n_skus, f"policy.level[{i}]")
        if np.any(arr < 0) or np.any(arr != np.round(arr)):
            return None
        out.append(arr)
    return out


def distribution_levels(context: NetworkContext, given: list) -> list[np.ndarray] | None:
    """Installation base-stock levels per node (downstream first) and SKU that minimise the
    exact cost of a warehouse feeding stores (Graves 1985), the levels in ``given`` (None
    where free) kept; None where the exact result does not apply."""
    shape = _exact_distribution(context)
    if shape is None:
        return None
    nodes = context.nodes
    n = nodes[0].n_skus
    fixed = _whole(given, n)
    if fixed is None:
        return None
    warehouse, stores = shape
    out = np.zeros((len(nodes), n))
    cache: dict[tuple, tuple[float, np.ndarray]] = {}
    for k in range(n):
        rates = np.array([nodes[i].demand_mean[k] for i in stores], dtype=float)
        live = rates > 0  # a store without demand holds nothing (its level stays 0)
        fixed_0 = None if fixed[warehouse] is None else float(fixed[warehouse][k])
        fixed_s = [None if fixed[i] is None else float(fixed[i][k]) for i in stores]
        for j in np.flatnonzero(~live):
            out[stores[j], k] = 0.0 if fixed_s[j] is None else fixed_s[j]
        if not live.any():
            out[warehouse, k] = 0.0 if fixed_0 is None else fixed_0
            continue
        live_stores = [stores[j] for j in np.flatnonzero(live)]
        key = (
            tuple(rates[live]),
            max(int(nodes[warehouse].lead_time_mean[k]), 1),
            tuple(max(int(nodes[i].lead_time_mean[k]), 1) for i in live_stores),
            float(nodes[warehouse].holding[k]),
            tuple(float(nodes[i].holding[k]) for i in live_stores),
            tuple(float(nodes[i].backorder[k]) for i in live_stores),
            fixed_0,
            tuple(fixed_s[j] for j in np.flatnonzero(live)),
        )
        if key not in cache:
            sol = distribution_search_exact(
                *key[:6],  # rates, lead times, holding and backorder rates (tuples)
                warehouse_level=fixed_0,
                store_levels=list(key[7]),
            )
            cache[key] = (float(sol.warehouse_level), sol.store_levels.astype(float))
        out[warehouse, k], out[live_stores, k] = cache[key]
    return [out[i] for i in range(len(nodes))]
