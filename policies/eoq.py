"""EOQ-driven (r, Q): the batch size from the economic order quantity, the reorder point
from a cycle-service-level target or from costs.

``q`` left null is the EOQ of Harris (1913), ``sqrt(2 K D / h)``, or with
``variant: backorders`` the EOQ with planned backorders (Snyder & Shen 2019, Sec. 3.5).
With quantity discounts (``costs.discounts``, the context's ``discounts``) it is the
optimum of :mod:`policies.optimal.eoq_family` for the schedule's kind, all-units (Snyder
& Shen, 2nd ed., Example 3.6) or incremental (Example 3.7): deterministic demand at the
mean demand per period ``D``, ``K`` per order and ``h`` per unit held per period, so the
batch minimises purchase + ordering + holding cost per period; ``variant: backorders``
has no discount optimiser and is refused with discounts.
``r`` left null is the ``service_level``-quantile of protection-interval demand when a
target is given; otherwise the cost-optimal reorder point for that ``q``: the ``r`` with
``G(r + q) = G(r)``, ``G`` the expected holding-plus-backorder cost rate at a given
inventory position (Zipkin 2000, Sec. 6.5). Under deterministic demand this is the planned
backorder level ``L D - h q / (h + p)`` of the EOQ with backorders.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from scipy import stats

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array, finite_param
from policies.optimal import eoq, eoq_backorders, expected_cost_normal, rq_cost_poisson
from policies.rq import Levels, _check_positive, batches, is_exact_poisson

#: The EOQ model of ``q``: Harris's ``classic``, or with planned ``backorders``.
Variant = Literal["classic", "backorders"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)


def reorder_point_for_q(
    q: np.ndarray, mean: np.ndarray, std: np.ndarray, holding: np.ndarray, shortage: np.ndarray
) -> np.ndarray:
    """Cost-optimal reorder point for given batch sizes under normal demand over the
    protection interval (mean, std): solves ``G(r + q) = G(r)`` by bisection, per SKU."""
    span = q + 10.0 * std + 1.0
    lo, hi = mean - span, mean + span
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        f = expected_cost_normal(mid + q, mean, std, holding, shortage) - expected_cost_normal(
            mid, mean, std, holding, shortage
        )
        lo = np.where(f < 0, mid, lo)
        hi = np.where(f < 0, hi, mid)
    return 0.5 * (lo + hi)


class EOQ(Policy):
    """(r, Q) with ``Q`` from the EOQ formula."""

    param_names = ("r", "q", "service_level", "variant")
    columnwise = True
    optional_names = ("service_level",)

    def __init__(
        self,
        *,
        r: Levels | None = None,
        q: Levels | None = None,
        service_level: float | None = None,
        variant: Variant = "classic",
    ):
        self.r = finite_param("policy.r", r)
        self.q = _check_positive("q", q)
        if service_level is not None and not 0 < float(service_level) < 1:
            raise ValueError(f"policy.service_level(={service_level}) must be in (0, 1)")
        self.service_level = service_level
        if variant not in VARIANTS:
            raise ValueError(f"policy.variant(={variant!r}) must be one of {', '.join(VARIANTS)}")
        self.variant = variant

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return batches(state.position, self.r, self.q)

    def service_level_rule(self) -> str | None:
        """What sets ``r`` when ``service_level`` does not, in words for the run header
        (None: the service level as given sets it)."""
        if self.r is not None:
            return "not used: policy.r is given"
        if self.service_level is None:
            return "none: r is the cost-optimal reorder point for q (Zipkin 2000, Sec. 6.5)"
        return None

    def prepare(self, context: PlanningContext) -> EOQ:
        n = context.n_skus
        h, p, K = context.holding, context.shortage_penalty, context.order_fixed
        D = context.demand_mean
        discrete = context.demand_family not in ("normal", "deterministic")
        if self.q is None:
            if np.any(K <= 0) or np.any(h <= 0):
                raise ValueError(
                    f"policy=eoq derives q from costs.order_fixed(={K.max():g}) and "
                    f"costs.holding(={h.max():g}); both must be > 0, or set policy.q"
                )
            if context.discounts is not None:
                q = self._discount_q(context)
            elif self.variant == "backorders":
                q = np.asarray(eoq_backorders(K, h, p, D).q, dtype=float)
            else:
                q = np.asarray(eoq(K, h, D).q, dtype=float)
            if discrete or context.continuous:
                q = np.maximum(np.round(q), 1.0)
        else:
            q = as_sku_array(self.q, n, "policy.q")
        if self.r is not None:
            r = as_sku_array(self.r, n, "policy.r")
        elif self.service_level is not None:
            r = self._service_reorder_point(context, float(self.service_level))
        elif is_exact_poisson(context):
            r = self._poisson_reorder_point(q, context)
        else:
            r = reorder_point_for_q(q, context.protection_mean, context.protection_std, h, p)
            if context.continuous and context.demand_family != "normal":
                # unit demands one at a time: the position runs over r + 1 .. r + q, not the
                # fluid model's (r, r + q], so r is the fluid point less a half, rounded
                # (ties down): the largest whole number below it
                r = np.ceil(r - 1e-9) - 1.0 + 0.0
            elif discrete or context.continuous:
                r = np.round(r) + 0.0  # + 0.0 turns -0.0 into 0.0
        return EOQ(r=r, q=q, service_level=self.service_level, variant=self.variant)

    def _discount_q(self, context: PlanningContext) -> np.ndarray:
        """The batch that minimises purchase + ordering + holding cost per period on the
        context's price schedule (``policies.optimal.eoq_family``), per SKU."""
        if self.variant == "backorders":
            raise ValueError(
                "policy.variant(='backorders') cannot derive q with costs.discounts (the "
                "discount optimisers plan no backorders); use variant=classic or set policy.q"
            )
        sol = context.discounts.optimal_order(
            context.order_fixed, context.demand_mean, context.holding
        )
        return np.asarray(sol.q, dtype=float) * np.ones(context.n_skus)

    @staticmethod
    def _service_reorder_point(context: PlanningContext, service_level: float) -> np.ndarray:
        """The ``service_level``-quantile of protection-interval demand per SKU."""
        if context.exact_poisson:
            return stats.poisson.ppf(service_level, context.protection_mean).astype(float)
        return context.protection_mean + stats.norm.ppf(service_level) * context.protection_std

    @staticmethod
    def _poisson_reorder_point(q: np.ndarray, context: PlanningContext) -> np.ndarray:
        r = np.empty(context.n_skus)
        for i in range(context.n_skus):
            args = (
                context.demand_mean[i],
                context.lead_time_mean[i],
                context.holding[i],
                context.backorder[i],
                context.order_fixed[i],
            )
            mu = args[0] * args[1]
            lo, hi = int(mu - q[i]) - 1, int(mu + 10 * np.sqrt(mu) + 10)
            costs = [float(rq_cost_poisson(x, int(q[i]), *args)) for x in range(lo, hi + 1)]
            r[i] = lo + int(np.argmin(costs))
        return r
