"""Periodic-review (R, S) policy: every ``review_period`` periods, order up to ``S``.

The policy keeps its own review cycle on top of the node's review schedule (run it with
``network.review_period=1``): it orders in periods ``t`` with ``t % review_period == 0``.
Left null, ``level`` is the newsvendor level on demand over the protection interval
``L + R - 1`` periods (Silver, Pyke & Thomas 2017, Sec. 7.9; Stocklab period convention).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array, finite_param
from policies.base_stock import optimal_level


class RS(Policy):
    """Order ``max(level - position, 0)`` once every ``review_period`` periods."""

    param_names = ("review_period", "level")
    level_names = ("level",)

    def __init__(self, *, review_period: int = 7, level: float | list[float] | None = None):
        if (
            isinstance(review_period, bool)
            or int(review_period) != review_period
            or review_period < 1
        ):
            raise ValueError(f"policy.review_period(={review_period!r}) must be an integer >= 1")
        self.review_period = int(review_period)
        self.level = finite_param("policy.level", level)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        if int(state.time) % self.review_period != 0:
            return np.zeros_like(state.on_hand)
        return np.maximum(self.level - state.position, 0.0)

    def prepare(self, context: PlanningContext) -> RS:
        if self.level is not None:
            return RS(
                review_period=self.review_period,
                level=as_sku_array(self.level, context.n_skus, "policy.level"),
            )
        cycle = dataclasses.replace(
            context, review_period=context.review_period * self.review_period
        )
        return RS(review_period=self.review_period, level=optimal_level(cycle))
