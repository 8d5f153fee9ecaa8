"""Base-stock (order-up-to) policy: at every review, raise the inventory position to ``S``.

Optimal for periodic review with linear costs and no fixed ordering cost (Arrow, Harris &
Marschak 1951; Snyder & Shen 2019, Sec. 4.3). Left null, ``level`` is the newsvendor
solution on protection-interval demand: exact for Poisson demand with a deterministic lead
time, the normal approximation otherwise (lead-time variability included). Under lost sales
the critical ratio uses the lost-sale penalty, an approximation (Zipkin 2008).
"""

from __future__ import annotations

import numpy as np

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array, finite_param
from policies.optimal import newsvendor_normal, newsvendor_poisson


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
