"""Newsvendor order-up-to policy: order up to the critical fractile of demand over the
protection interval.

The fractile is ``critical_ratio`` when given, else ``p / (p + h)`` with ``p`` the
backorder (or lost-sale) penalty (Arrow, Harris & Marschak 1951; Snyder & Shen 2019,
Sec. 4.3). ``distribution`` chooses the demand model of the fractile: ``normal``,
``poisson``, or ``auto`` (Poisson for Poisson demand with a deterministic lead time, normal
otherwise). With a fixed ``level`` it behaves as base-stock.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from scipy import stats

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array, finite_param

#: The demand model of the fractile (``distribution`` in the configuration).
Distribution = Literal["auto", "normal", "poisson"]
DISTRIBUTIONS: tuple[Distribution, ...] = get_args(Distribution)


class Newsvendor(Policy):
    param_names = ("level", "critical_ratio", "distribution")
    columnwise = True
    level_names = ("level",)
    optional_names = ("critical_ratio",)

    def __init__(
        self,
        *,
        level: float | list[float] | np.ndarray | None = None,
        critical_ratio: float | None = None,
        distribution: Distribution = "auto",
    ):
        if critical_ratio is not None and not 0 < float(critical_ratio) < 1:
            raise ValueError(f"policy.critical_ratio(={critical_ratio}) must be in (0, 1)")
        if distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"policy.distribution(={distribution!r}) must be one of {', '.join(DISTRIBUTIONS)}"
            )
        self.level = finite_param("policy.level", level)
        self.critical_ratio = critical_ratio
        self.distribution = distribution

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return np.maximum(self.level - state.position, 0.0)

    def ratio(self, context: PlanningContext) -> np.ndarray:
        if self.critical_ratio is not None:
            return np.full(context.n_skus, float(self.critical_ratio))
        p, h = context.shortage_penalty, context.holding
        return p / (p + h)

    def prepare(self, context: PlanningContext) -> Newsvendor:
        if self.level is not None:
            level = as_sku_array(self.level, context.n_skus, "policy.level")
        else:
            level = self.fractile(context)
        return Newsvendor(
            level=level, critical_ratio=self.critical_ratio, distribution=self.distribution
        )

    def fractile(self, context: PlanningContext) -> np.ndarray:
        """The :meth:`ratio`-fractile of protection-interval demand per SKU, by the demand
        model ``distribution`` names (``auto``: Poisson where
        :attr:`PlanningContext.exact_poisson`, normal otherwise)."""
        alpha = self.ratio(context)
        poisson = self.distribution == "poisson" or (
            self.distribution == "auto" and context.exact_poisson
        )
        if poisson:
            return stats.poisson.ppf(alpha, context.protection_mean).astype(float)
        return context.protection_mean + stats.norm.ppf(alpha) * context.protection_std
