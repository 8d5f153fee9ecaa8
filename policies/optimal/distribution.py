"""Echelon base-stock levels for a one-warehouse, N-store distribution system under the
balance assumption (Eppen & Schrage 1981; Federgruen & Zipkin 1984).

An external source that never runs out supplies the warehouse (stage 0) in
``warehouse_lead_time`` (L0) periods; the warehouse supplies N stores in
``store_lead_time`` (L) periods; store i meets iid demand ``D_i`` (mean ``mu_i`` per
period) and backorders what it cannot meet at ``backorder`` (p) per unit per period. Stock
costs ``warehouse_holding`` (h0) per unit and period at the warehouse and in transit from it
to the stores (the shipper's rate), ``store_holding`` (hs >= h0) at the stores, nothing in
transit from the external source. The echelon holding rates are ``h0`` (warehouse) and
``e = hs - h0`` (each store).

**The balance relaxation.** Each period the warehouse orders its echelon position up to
``S0``; each store orders its position up to ``S_i``. When the warehouse has too little to
fill every store, the real system must ration. Eppen & Schrage (1981) and Federgruen &
Zipkin, "Computational issues in an infinite-horizon, multiechelon inventory model",
*Operations Research* 32(4), 1984, relax the system by letting the warehouse reallocate
freely, negative allocations included (the *balance* or *allocation* assumption), so that
the stores' positions ``y_i`` can take any values with ``sum y_i <= x`` for the warehouse's
echelon stock ``x``. The stores' part of the cost is then the value of a separable convex
allocation problem,

    G_i(y) = E[e (y - D_i^L) + (p + hs) (D_i^L - y)+],
    R(x)   = min { sum_i G_i(y_i) : sum_i y_i = x },

with ``D_i^L`` store i's demand over L periods. The optimal allocation equalises the
marginal costs ``G_i'(y_i)``, i.e. the stores' fractiles ``P(D_i^L <= y_i)``. ``R`` is
convex and is minimised by giving each store its own newsvendor level

    P(D_i^L <= S_i) >= (p + h0) / (p + hs),

so ``S_1 = sum_i S_i``. The warehouse then faces one stage of the Clark & Scarf (1960)
recursion in the Chen & Zheng (1994) form, exactly as in a two-stage serial system whose
stage-1 cost function is ``R``:

    C_1(x) = R(min(S_1, x)),   C~_0(y) = E[h0 (y - D_0) + C_1(y - D_0)],
    S0 = argmin C~_0,          cost = C~_0(S0),

with ``D_0 = sum_i D_i`` over L0 periods (the stores' demands are independent). See also
Axsäter, *Inventory Control*, 3rd ed. (2015), the chapters on multi-echelon systems, and
Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Ch. 6.

*Normal demand* (store i: ``N(mu_i, sigma_i^2)`` per period): the equalised fractile is
a common ``z`` with ``y_i = L mu_i + z sqrt(L) sigma_i``, so ``R(x)`` is the newsvendor
cost of one store whose lead-time demand is ``N(L sum mu_i, L (sum sigma_i)^2)``: the
stores act as *perfectly correlated*, while the warehouse's ``D_0`` is
``N(L0 sum mu_i, L0 sum sigma_i^2)``. Federgruen & Zipkin (1984) give this reduction.

*Poisson demand* (integer stock): ``R`` is evaluated exactly over integer allocations. Each
``G_i`` is convex on the integers, so the cheapest way to place ``x`` units is greedy:
merge the stores' marginal costs ``G_i(k + 1) - G_i(k)`` in increasing order. For
identical stores this is ``R(x) = (N - r) G(q) + r G(q + 1)`` with ``x = N q + r``.
Note that this is *not* a serial system whose stage-1 demand is the stores' summed demand
Poisson(N L mu): that would pool the stores' stock (a still weaker bound). For one store
both families reduce to the two-stage serial solution of :mod:`policies.optimal.serial`.

**An approximation of the real system.** The relaxation can only lower costs, so
``cost`` is a lower bound on the expected cost per period of *any* policy for the real
system (Federgruen & Zipkin 1984). The levels are near-optimal when imbalance is rare (the
warehouse seldom runs short, or the stores are alike and their lead time short); they
presume an allocation that tries to equalise the stores' fractiles when the warehouse is
short. The cost follows the Stocklab accounting: holding on end-of-period stock, in
transit charged at the shipper's rate, backorders at period end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, poisson

from policies.optimal.newsvendor import _check
from policies.optimal.serial import SolverFamily, _clark_scarf, _expect

__all__ = [
    "DistributionLevels",
    "distribution_echelon_levels",
    "distribution_levels_normal",
    "distribution_levels_poisson",
]


@dataclass(frozen=True, slots=True)
class DistributionLevels:
    """Echelon base-stock levels of a one-warehouse, N-store system under the balance
    assumption, and the relaxed system's expected cost per period (a lower bound on the
    real system's cost).

    ``warehouse`` is the warehouse's echelon level ``S0`` (its stock, stock in transit to
    and at the stores, less the stores' backorders); ``stores[i]`` is store i's level
    ``S_i`` (a store's echelon and installation positions coincide)."""

    warehouse: float
    stores: np.ndarray
    cost: float

    @property
    def warehouse_local_level(self) -> float:
        """The warehouse's installation level ``S0 - sum S_i`` (its own stock and inbound
        pipeline at the target; can be negative when the warehouse is meant to run
        lean)."""
        return float(self.warehouse - self.stores.sum())


def _check_network(
    store_means: ArrayLike,
    warehouse_lead_time: float,
    store_lead_time: float,
    warehouse_holding: float,
    store_holding: float,
    backorder: float,
) -> tuple[np.ndarray, float, float, float, float, float]:
    means = _check("store_means", store_means).reshape(-1)
    if means.size == 0:
        raise ValueError("store_means(=[]) must list at least one store")
    lead_0 = float(_check("warehouse_lead_time", warehouse_lead_time, strict=False))
    lead = float(_check("store_lead_time", store_lead_time, strict=False))
    h_0 = float(_check("warehouse_holding", warehouse_holding, strict=False))
    h_s = float(_check("store_holding", store_holding, strict=False))
    if h_s < h_0:
        raise ValueError(
            f"store_holding(={h_s!r}) must be >= warehouse_holding(={h_0!r}): the echelon "
            "holding rate of a store must not be negative"
        )
    return means, lead_0, lead, h_0, h_s, float(_check("backorder", backorder))


def _poisson_kernel(mean: float) -> tuple[np.ndarray, int]:
    """Poisson(``mean``) probabilities from the first value to the last with tail mass
    above 1e-15, and the first value (the cut of :func:`~policies.optimal.serial.
    clark_scarf_poisson`)."""
    first, last = int(poisson.ppf(1e-15, mean)), int(poisson.isf(1e-15, mean))
    return poisson.pmf(np.arange(first, last + 1), mean), first


def _store_cost_poisson(
    mean: float, echelon: float, penalty: float
) -> tuple[np.ndarray, np.ndarray]:
    """``G(y) = E[echelon (y - D) + penalty (D - y)+]`` for ``D ~ Poisson(mean)`` on the
    integers from -2 to past the demand's support (linear beyond both ends)."""
    kernel, first = _poisson_kernel(mean)
    grid = np.arange(-2, first + kernel.size + 2, dtype=float)
    return grid, _expect(echelon * grid + penalty * np.maximum(-grid, 0.0), kernel, first)


def distribution_levels_poisson(
    store_means: ArrayLike,
    warehouse_lead_time: float,
    store_lead_time: float,
    warehouse_holding: float,
    store_holding: float,
    backorder: float,
) -> DistributionLevels:
    """Integer echelon base-stock levels of a one-warehouse, N-store system with Poisson
    demand (``store_means[i]`` per period at store i) and whole-period lead times, under
    the balance assumption (Federgruen & Zipkin 1984): the stores' allocation problem is
    solved exactly over integer allocations, then one Clark & Scarf step (Chen & Zheng
    1994) sets the warehouse's level. See the module docstring for the formulas."""
    means, lead_0, lead, h_0, h_s, p = _check_network(
        store_means,
        warehouse_lead_time,
        store_lead_time,
        warehouse_holding,
        store_holding,
        backorder,
    )
    for name, value in (("warehouse_lead_time", lead_0), ("store_lead_time", lead)):
        if value != round(value):
            raise ValueError(f"{name}(={value!r}) must be whole periods")
    # the stores: each G_i, its newsvendor level S_i and its (negative) marginal costs below
    store_levels, marginals, base = [], [], 0.0
    for mean_i in means:
        grid, cost_i = _store_cost_poisson(lead * mean_i, h_s - h_0, p + h_s)
        k_i = int(np.argmin(cost_i))
        store_levels.append(grid[k_i])
        marginals.append(np.diff(cost_i[: k_i + 1]))
        base += cost_i[0]  # every store at -2, where each G_i is still linear
    # R on the integers from -2 N to sum S_i: the cheapest units first (greedy is exact for
    # separable convex costs); C_1 then stays at R(sum S_i) above
    lowest = -2 * means.size
    reach = np.concatenate([[base], base + np.cumsum(np.sort(np.concatenate(marginals)))])
    kernel_0, first_0 = _poisson_kernel(lead_0 * float(means.sum()))
    grid = np.arange(lowest, lowest + reach.size + first_0 + kernel_0.size + 2, dtype=float)
    c_1 = reach[np.minimum(np.arange(grid.size), reach.size - 1)]
    c_0 = _expect(h_0 * grid + c_1, kernel_0, first_0)
    k_0 = int(np.argmin(c_0))
    return DistributionLevels(
        warehouse=float(grid[k_0]), stores=np.array(store_levels), cost=float(c_0[k_0])
    )


def _normal_kernel(mean: float, std: float, step: float, tail: float) -> tuple[np.ndarray, int]:
    """``N(mean, std^2)`` discretised onto multiples of ``step`` (cut at ``tail`` standard
    deviations), as :func:`~policies.optimal.serial.clark_scarf_normal` does it: the
    probabilities and the first grid index."""
    if std <= 0:
        return np.ones(1), int(round(mean / step))
    first = int(np.floor((mean - tail * std) / step))
    last = int(np.ceil((mean + tail * std) / step))
    points = np.arange(first, last + 1) * step
    mass = np.diff(norm.cdf(np.append(points - step / 2, points[-1] + step / 2), mean, std))
    return mass / mass.sum(), first


def distribution_levels_normal(
    store_means: ArrayLike,
    store_stds: ArrayLike,
    warehouse_lead_time: float,
    store_lead_time: float,
    warehouse_holding: float,
    store_holding: float,
    backorder: float,
    grid_step: float | None = None,
    *,
    tail: float = 8.0,
) -> DistributionLevels:
    """Echelon base-stock levels of a one-warehouse, N-store system with normal demand
    (``N(store_means[i], store_stds[i]^2)`` per period at store i) under the balance
    assumption (Federgruen & Zipkin 1984): a two-stage Clark & Scarf recursion (Chen &
    Zheng 1994) whose store stage sees lead-time demand ``N(L sum mu_i, L (sum sigma_i)^2)``
    and whose warehouse stage sees ``N(L0 sum mu_i, L0 sum sigma_i^2)``. The stores'
    levels share the store stage's level at a common fractile:
    ``S_i = L mu_i + z sqrt(L) sigma_i``. Lead times may be fractional; ``grid_step`` and
    ``tail`` work as in :func:`~policies.optimal.serial.clark_scarf_normal` (default step
    a hundredth of the warehouse's per-period standard deviation)."""
    means, lead_0, lead, h_0, h_s, p = _check_network(
        store_means,
        warehouse_lead_time,
        store_lead_time,
        warehouse_holding,
        store_holding,
        backorder,
    )
    stds = _check("store_stds", store_stds, strict=False).reshape(-1)
    if stds.size != means.size:
        raise ValueError(
            f"store_stds(={stds.tolist()!r}) must have one entry per store ({means.size})"
        )
    tail = float(_check("tail", tail))
    mu = float(means.sum())
    # per-stage lead-time demand: stores (perfectly correlated), then the warehouse
    sigma = float(np.sqrt(np.sum(stds**2)))  # the warehouse's per-period std
    stages = [
        (lead * mu, np.sqrt(lead) * float(stds.sum())),
        (lead_0 * mu, np.sqrt(lead_0) * sigma),
    ]
    if grid_step is None:  # as clark_scarf_normal: a hundredth of a std, <= ~100,000 points
        span = sum(m + 2 * tail * s for m, s in stages)
        step = max(sigma / 100, span / 100_000) if sigma > 0 else max(mu, span) / 1000
    else:
        step = float(_check("grid_step", grid_step))
    kernels, low, high, partial = [], 0.0, 0.0, 0.0
    for mean_j, std_j in stages:
        mass, first = _normal_kernel(mean_j, std_j, step, tail)
        kernels.append((mass, first))
        partial += first * step
        low, high = min(low, partial), high + (first + mass.size - 1) * step
    grid = np.arange(np.floor(low / step) - 2, np.ceil(high / step) + 3) * step
    sol = _clark_scarf(grid, kernels, np.array([h_s - h_0, h_0]), p)
    store_total, warehouse = (float(x) for x in sol.levels)
    # split the store stage's level at the common fractile (by means if demand is certain)
    scale = np.sqrt(lead) * stds
    weight = scale / scale.sum() if scale.sum() > 0 else means / mu
    stores = lead * means + (store_total - lead * mu) * weight
    return DistributionLevels(warehouse=warehouse, stores=stores, cost=sol.cost)


#: What every family's solver is given after the demand: warehouse and store lead times,
#: warehouse and store holding costs, backorder cost.
_Network = tuple[float, float, float, float, float]


def _normal(
    means: ArrayLike, stds: ArrayLike | None, grid_step: float | None, network: _Network
) -> DistributionLevels:
    if stds is None:
        raise ValueError("store_stds(=None) must be given for family='normal'")
    return distribution_levels_normal(means, stds, *network, grid_step=grid_step)


def _poisson(
    means: ArrayLike, stds: ArrayLike | None, grid_step: float | None, network: _Network
) -> DistributionLevels:
    """Exact on the integers: ``stds`` and ``grid_step`` are not used."""
    return distribution_levels_poisson(means, *network)


_FAMILIES: dict[str, Callable[..., DistributionLevels]] = {
    "normal": _normal,
    "poisson": _poisson,
}


def distribution_echelon_levels(
    store_means: ArrayLike,
    store_stds: ArrayLike | None,
    family: SolverFamily,
    warehouse_lead_time: float,
    store_lead_time: float,
    warehouse_holding: float,
    store_holding: float,
    backorder: float,
    grid_step: float | None = None,
) -> DistributionLevels:
    """Echelon base-stock levels of a one-warehouse, N-store system for one SKU under the
    balance assumption: :func:`distribution_levels_poisson` for ``family="poisson"``
    (``store_stds`` and ``grid_step`` are ignored; may be None) or
    :func:`distribution_levels_normal` for ``family="normal"``, on a grid of step
    ``grid_step`` (None: its default). ``cost`` is a lower bound on the real system's
    cost."""
    solver = _FAMILIES.get(family)
    if solver is None:
        raise ValueError(f"family(={family!r}) must be one of {sorted(_FAMILIES)}")
    return solver(
        store_means,
        store_stds,
        grid_step,
        (warehouse_lead_time, store_lead_time, warehouse_holding, store_holding, backorder),
    )
