"""Min-max policy, as run in ERP systems: when the inventory position falls below ``min``,
order up to ``max``, rounded up to whole packs of ``pack_size``.

Left null, ``min`` is the reorder point for a cycle ``service_level`` (safety stock
``z * sigma`` over the protection interval) and ``max = min + EOQ`` (the practitioners'
rule, Silver, Pyke & Thomas 2017, Sec. 7.6). With ``pack_size`` 1 and integer demand it is
(s, S) with ``s = min - 1``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from forecasters.base import Forecast
from policies.base import InventoryState, PlanningContext, Policy, as_sku_array
from policies.optimal import eoq


class MinMax(Policy):
    param_names = ("min", "max", "pack_size", "service_level")
    columnwise = True
    level_names = ("max",)

    def __init__(
        self,
        *,
        min: float | list[float] | np.ndarray | None = None,  # noqa: A002 - the ERP name is the YAML key
        max: float | list[float] | np.ndarray | None = None,  # noqa: A002
        pack_size: float = 1.0,
        service_level: float = 0.95,
    ):
        if (
            min is not None
            and max is not None
            and np.any(np.asarray(min, float) > np.asarray(max, float))
        ):
            raise ValueError(f"policy.min(={min}) must be <= policy.max(={max})")
        if pack_size is None or float(pack_size) <= 0:
            raise ValueError(f"policy.pack_size(={pack_size!r}) must be > 0")
        if not 0 < float(service_level) < 1:
            raise ValueError(f"policy.service_level(={service_level}) must be in (0, 1)")
        self.min = min if min is None or np.ndim(min) == 0 else np.asarray(min, dtype=float)
        self.max = max if max is None or np.ndim(max) == 0 else np.asarray(max, dtype=float)
        self.pack_size = float(pack_size)
        self.service_level = float(service_level)

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        pos = state.position
        packs = np.ceil((self.max - pos) / self.pack_size)
        return np.where(pos < self.min, packs * self.pack_size, 0.0)

    def prepare(self, context: PlanningContext) -> MinMax:
        n = context.n_skus
        lo = None if self.min is None else as_sku_array(self.min, n, "policy.min")
        hi = None if self.max is None else as_sku_array(self.max, n, "policy.max")
        if lo is None:
            z = stats.norm.ppf(self.service_level)
            lo = np.ceil(context.protection_mean + z * context.protection_std)
        if hi is None:
            K, h = context.order_fixed, context.holding
            if np.any(K <= 0) or np.any(h <= 0):
                batch = np.maximum(context.demand_mean * context.review_period, 1.0)
            else:
                batch = np.asarray(eoq(K, h, context.demand_mean).q, dtype=float)
            hi = lo + np.ceil(batch)
        hi = np.maximum(hi, lo)
        return MinMax(min=lo, max=hi, pack_size=self.pack_size, service_level=self.service_level)
