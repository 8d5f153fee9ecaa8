"""(s, S) policy: when the inventory position is at or below ``s``, order up to ``S``.

Optimal for periodic review with a fixed ordering cost (Scarf 1960). Left null, ``s`` and
``S`` come from the exact algorithm of Zheng & Federgruen (1991) for Poisson demand with a
deterministic lead time and review every period, and from the revised power approximation
of Ehrhardt & Mosier (1984) otherwise.
"""

from __future__ import annotations

import numpy as np

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array
from policies.optimal import ss_power_approximation, zheng_federgruen


def optimal_ss(context: PlanningContext) -> tuple[np.ndarray, np.ndarray]:
    """Per-SKU (s, S): exact where the theory is exact, approximate elsewhere."""
    h, p, K = context.holding, context.shortage_penalty, context.order_fixed
    P = context.protection_periods
    exact = (
        context.demand_family == "poisson"
        and np.all(context.lead_time_std == 0)
        and context.review_period == 1
    )
    if exact:
        s = np.empty(context.n_skus)
        S = np.empty(context.n_skus)
        cache: dict[tuple, tuple[float, float]] = {}
        for i in range(context.n_skus):
            key = (context.demand_mean[i], h[i], p[i], K[i], P[i])
            if key not in cache:
                sol = zheng_federgruen(
                    key[0], key[1], key[2], key[3], protection_periods=int(key[4])
                )
                cache[key] = (sol.s, sol.S)
            s[i], S[i] = cache[key]
        return s, S
    if context.demand_family == "deterministic" or np.all(context.demand_std == 0):
        # no uncertainty: reorder when the position just covers the protection interval,
        # and order an EOQ-sized batch (at least one period of demand)
        s = context.protection_mean
        K = np.maximum(K, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            batch = np.where(
                h > 0, np.sqrt(2 * K * context.demand_mean / np.where(h > 0, h, 1)), 0.0
            )
        return s, s + np.maximum(batch, np.maximum(context.demand_mean, 1e-9))
    sol = ss_power_approximation(
        context.demand_mean, context.demand_std, h, p, K, P, review_period=context.review_period
    )
    return np.asarray(sol.s, dtype=float), np.asarray(sol.S, dtype=float)


class SS(Policy):
    """Order ``S - position`` when ``position <= s``."""

    param_names = ("s", "S")
    level_names = ("S",)
    elementwise = True

    def __init__(
        self, *, s: float | list[float] | None = None, S: float | list[float] | None = None
    ):
        if s is not None and S is not None and np.any(np.asarray(s, float) >= np.asarray(S, float)):
            raise ValueError(f"policy.s(={s}) must be < policy.S(={S})")
        self.s = s if s is None or np.ndim(s) == 0 else np.asarray(s, dtype=float)
        self.S = S if S is None or np.ndim(S) == 0 else np.asarray(S, dtype=float)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        pos = state.position
        return np.where(pos <= self.s, self.S - pos, 0.0)

    def prepare(self, context: PlanningContext) -> SS:
        n = context.n_skus
        if self.s is None or self.S is None:
            s_opt, S_opt = optimal_ss(context)
            s = s_opt if self.s is None else as_sku_array(self.s, n, "policy.s")
            S = S_opt if self.S is None else as_sku_array(self.S, n, "policy.S")
            if np.any(s >= S):
                # a user-given s or S clashes with the derived one: keep the gap of the optimum
                gap = np.maximum(S_opt - s_opt, 1.0)
                S = np.where(s >= S, s + gap, S)
            return SS(s=s, S=S)
        return SS(s=as_sku_array(self.s, n, "policy.s"), S=as_sku_array(self.S, n, "policy.S"))
