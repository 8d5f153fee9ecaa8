"""(r, Q) policy: when the inventory position is at or below ``r``, order enough batches of
``Q`` to lift it above ``r``.

Left null, ``r`` and ``Q`` are jointly optimal: exactly for unit Poisson demand in
continuous review with a deterministic lead time (Federgruen & Zheng 1992), and by the
normal approximation otherwise (Hadley & Whitin 1963; Zipkin 2000, Sec. 6.5).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forecasters.base import Forecast
from policies.base import (
    InventoryState,
    PlanningContext,
    Policy,
    as_sku_array,
    finite_param,
    solve_per_sku,
)
from policies.optimal import rq_normal_approx, rq_poisson_exact

#: A level or batch parameter: one number for every SKU, or one per SKU.
Levels = float | list[float] | np.ndarray


def batches(position: np.ndarray, r: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Units to order so that the position ends above ``r``: ``q * (floor((r - pos)/q) + 1)``
    where ``pos <= r``, else 0."""
    n_batches = np.floor((r - position) / q) + 1.0
    return np.where(position <= r, q * n_batches, 0.0)


def _check_positive(name: str, value: Levels | None) -> Any:
    """A batch-type parameter: ``None`` (to be derived), a positive number, or a list of
    positive per-SKU numbers (returned as an array), as :func:`finite_param` returns."""
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"policy.{name}(={value!r}) must be > 0")
    return value if arr.ndim == 0 else arr


def is_exact_poisson(context: PlanningContext) -> bool:
    """Whether the exact (r, Q) optimum applies: unit Poisson demand with fixed lead times
    (:attr:`PlanningContext.exact_poisson`) in continuous review under backorders, the
    model of Federgruen & Zheng (1992)."""
    return context.continuous and context.exact_poisson and context.unmet_demand == "backorder"


class RQ(Policy):
    """Reorder point ``r``, batch size ``q``."""

    param_names = ("r", "q")
    columnwise = True
    elementwise = True

    def __init__(self, *, r: Levels | None = None, q: Levels | None = None):
        self.r = finite_param("policy.r", r)
        self.q = _check_positive("q", q)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return batches(state.position, self.r, self.q)

    def prepare(self, context: PlanningContext) -> RQ:
        n = context.n_skus
        if self.r is not None and self.q is not None:
            return RQ(r=as_sku_array(self.r, n, "policy.r"), q=as_sku_array(self.q, n, "policy.q"))
        r_opt, q_opt = optimal_rq(context)
        r = r_opt if self.r is None else as_sku_array(self.r, n, "policy.r")
        q = q_opt if self.q is None else as_sku_array(self.q, n, "policy.q")
        return RQ(r=r, q=q)


def optimal_rq(context: PlanningContext) -> tuple[np.ndarray, np.ndarray]:
    """Jointly optimal ``(r, Q)`` per SKU: exact for Poisson demand where
    :func:`is_exact_poisson`, the normal approximation otherwise."""
    h, p, K = context.holding, context.shortage_penalty, context.order_fixed
    n_skus = context.n_skus
    if is_exact_poisson(context):
        r, q = np.empty(n_skus), np.empty(n_skus)
        solved = solve_per_sku(
            range(n_skus),
            lambda i: (context.demand_mean[i], context.lead_time_mean[i], h[i], p[i], K[i]),
            lambda i, problem: rq_poisson_exact(*problem),
        )
        for i, sol in solved.items():
            r[i], q[i] = sol.r, sol.q
        return r, q
    # periodic review: one period of demand is the 'time unit'; the protection interval
    # replaces the lead time (Stocklab period convention, see sim/engine.py)
    lead = context.protection_periods if not context.continuous else context.lead_time_mean
    sol = rq_normal_approx(
        context.demand_mean, context.demand_std, lead, context.lead_time_std, h, p, K
    )
    r, q = np.asarray(sol.r, dtype=float), np.asarray(sol.q, dtype=float)
    if context.demand_family != "normal":
        # integer demand: integer batches of at least one unit
        q = np.maximum(np.round(q), 1.0)
    return r, q
