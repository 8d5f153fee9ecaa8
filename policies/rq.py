"""(r, Q) policy: when the inventory position is at or below ``r``, order enough batches of
``Q`` to lift it above ``r``.

Left null, ``r`` and ``Q`` are jointly optimal: exactly for unit Poisson demand in
continuous review with a deterministic lead time (Federgruen & Zheng 1992), and by the
normal approximation otherwise (Hadley & Whitin 1963; Zipkin 2000, Sec. 6.5).
"""

from __future__ import annotations

import numpy as np

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array, finite_param
from policies.optimal import rq_normal_approx, rq_poisson_exact


def batches(position: np.ndarray, r: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Units to order so that the position ends above ``r``: ``q * (floor((r - pos)/q) + 1)``
    where ``pos <= r``, else 0."""
    n = np.floor((r - position) / q) + 1.0
    return np.where(position <= r, q * n, 0.0)


def _check_positive(name: str, value):
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"policy.{name}(={value!r}) must be > 0")
    return value if arr.ndim == 0 else arr


def is_exact_poisson(context: PlanningContext) -> bool:
    return (
        context.continuous
        and context.demand_family == "poisson"
        and context.unmet_demand == "backorder"
        and bool(np.all(context.lead_time_std == 0))
    )


class RQ(Policy):
    """Reorder point ``r``, batch size ``q``."""

    param_names = ("r", "q")
    columnwise = True
    elementwise = True

    def __init__(
        self, *, r: float | list[float] | None = None, q: float | list[float] | None = None
    ):
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
    h, p, K = context.holding, context.shortage_penalty, context.order_fixed
    n = context.n_skus
    r, q = np.empty(n), np.empty(n)
    if is_exact_poisson(context):
        cache: dict[tuple, tuple[float, float]] = {}
        for i in range(n):
            key = (context.demand_mean[i], context.lead_time_mean[i], h[i], p[i], K[i])
            if key not in cache:
                sol = rq_poisson_exact(*key)
                cache[key] = (sol.r, sol.q)
            r[i], q[i] = cache[key]
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
