"""Echelon base-stock policy for serial systems: each stage raises its *echelon* inventory
position (its own stock and pipeline plus everything downstream, less customer
backorders) to its echelon level.

Optimal for serial systems with linear costs (Clark & Scarf 1960). Left null, the levels are
the Chen & Zheng (1994) solution of the Clark-Scarf recursion: exact on the integers for
Poisson demand, on a fine grid for normal demand. ``levels`` lists stage 1 (customer-facing)
first. On a single node it is base-stock.
"""

from __future__ import annotations

import numpy as np

from forecasters.base import Forecast
from policies.base import InventoryState, NetworkContext, PlanningContext, Policy, as_sku_array
from policies.optimal import clark_scarf_normal, clark_scarf_poisson, local_to_echelon_holding


class EchelonStage(Policy):
    """One stage of an echelon base-stock policy: order ``level - echelon position``."""

    param_names = ("level",)

    def __init__(self, *, level):
        self.level = level

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        pos = state.echelon_position if state.echelon_position is not None else state.position
        return np.maximum(self.level - pos, 0.0)


class EchelonBaseStock(Policy):
    param_names = ("levels",)

    def __init__(self, *, levels: list[float] | None = None):
        if levels is not None:
            # one entry per stage: a number, or a list with one level per SKU
            levels = [float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float) for x in levels]
            if any(not np.all(np.isfinite(x)) for x in levels):
                raise ValueError(f"policy.levels(={levels}) must be finite numbers")
        self.levels = levels

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        raise TypeError("EchelonBaseStock decides through its per-stage policies: call for_network")

    def prepare(self, context: PlanningContext) -> EchelonStage:
        return self.for_network(NetworkContext([context]))[0]

    def for_network(self, context: NetworkContext) -> list[Policy]:
        nodes = context.nodes
        n_stages, n = len(nodes), nodes[0].n_skus
        if self.levels is not None:
            if len(self.levels) != n_stages:
                raise ValueError(
                    f"policy.levels(={self.levels}) must have one level per stage ({n_stages})"
                )
            return [EchelonStage(level=as_sku_array(x, n, "policy.levels")) for x in self.levels]
        levels = optimal_echelon_levels(context)
        return [EchelonStage(level=levels[j]) for j in range(n_stages)]


def optimal_echelon_levels(context: NetworkContext) -> list[np.ndarray]:
    """Clark-Scarf levels per stage (stage 1 first), per SKU, for the chain in ``context``."""
    nodes = context.nodes
    front = nodes[0]
    if front.unmet_demand != "backorder":
        raise ValueError(
            "policy=echelon_base_stock derives its levels for backorders only; "
            "set unmet_demand=backorder or give policy.levels"
        )
    if any(np.any(nd.lead_time_std > 0) for nd in nodes):
        raise ValueError(
            "policy=echelon_base_stock derives its levels for deterministic lead "
            "times only; give policy.levels for stochastic lead times"
        )
    if any(nd.review_period != 1 for nd in nodes):
        raise ValueError(
            "policy=echelon_base_stock derives its levels for review every period "
            "(network.review_period=1); give policy.levels otherwise"
        )
    n = front.n_skus
    out = np.empty((len(nodes), n))
    cache: dict[tuple, np.ndarray] = {}
    for i in range(n):
        local = [float(nd.holding[i]) for nd in nodes]
        lead = [max(int(nd.lead_time_mean[i]), 1) for nd in nodes]
        key = (
            front.demand_mean[i],
            front.demand_std[i],
            tuple(local),
            tuple(lead),
            float(front.backorder[i]),
        )
        if key not in cache:
            echelon = local_to_echelon_holding(local)
            if front.demand_family == "poisson":
                sol = clark_scarf_poisson(key[0], echelon, lead, key[4])
            else:
                sol = clark_scarf_normal(key[0], key[1], echelon, lead, key[4])
            cache[key] = np.asarray(sol.levels, dtype=float)
        out[:, i] = cache[key]
    return [out[j] for j in range(len(nodes))]
