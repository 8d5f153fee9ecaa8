"""Relatives of the economic order quantity: quantity discounts, a finite production rate
and the joint replenishment of several items.

Demand is deterministic and steady at ``demand_rate`` (D) units per time unit, as in
:mod:`policies.optimal.eoq`; ``order_fixed`` (K) is paid per order.

- **All-units discounts.** Breakpoints ``0 = b_0 < b_1 < ... < b_{n-1}`` split order
  quantities into regions; an order of ``q`` in region ``j`` (``b_j <= q < b_{j+1}``) pays
  the price ``c_j`` on *every* unit. Holding costs either ``holding_rate * c_j`` (a fraction
  ``i`` of the price paid) or a fixed ``holding`` (h) per unit per time unit. The cost per
  time unit is ``c_j D + K D / q + H_j q / 2``; the best ``q`` is, in some region, either
  that region's EOQ or its lower breakpoint (Snyder & Shen, *Fundamentals of Supply Chain
  Theory*, 2nd ed., quantity-discount section, Examples 3.5-3.6).
- **Incremental discounts.** Only the units beyond ``b_j`` pay ``c_j``; an order of ``q`` in
  region ``j`` costs ``cbar_j + c_j q`` with ``cbar_j = sum_{l<j} c_l (b_{l+1} - b_l) -
  c_j b_j``. With ``holding_rate`` the holding cost is charged on the average value of a
  unit, ``i (cbar_j + c_j q) / q`` (Snyder & Shen, 2nd ed., Example 3.7); the optimum lies
  inside a region, at ``q_j = sqrt(2 (K + cbar_j) D / (i c_j))``.
- **EPQ.** Production at rate ``P > D`` builds stock at ``P - D`` while it runs; the
  inventory peaks at ``q (1 - D/P)`` and ``q* = sqrt(2 K D / (h (1 - D/P)))`` (Taft 1918;
  Snyder & Shen, 2nd ed., EPQ section, Problem 3.22). With planned backorders at
  ``backorder`` (p) the EOQ-with-backorders formulas hold with ``h`` and ``p`` scaled by
  ``1 - D/P`` (Zipkin 2000, *Foundations of Inventory Management*, Ch. 3).
- **Joint replenishment.** Items share a major setup ``K0`` per order of the family and pay
  a minor setup ``k_i`` each time item ``i`` is included. Silver's (1976) heuristic orders
  the family every ``T`` and item ``i`` every ``m_i T``; the power-of-two policy (Roundy
  1985; Jackson, Maxwell & Muckstadt 1985) rounds the relaxed optimum to intervals
  ``T_B 2^n`` and costs at most ``1 / (sqrt(2) ln 2) ~ 1.02`` times the relaxed lower bound
  when the base period is optimised, ``(sqrt(2) + 1/sqrt(2)) / 2 ~ 1.06`` times when it is
  fixed.

EPQ functions are vectorised over SKUs; the discount solvers take per-SKU ``K``, ``D`` and
holding with one price schedule of shape ``(regions,)`` or one per SKU ``(skus, regions)``;
the joint-replenishment functions take arrays over the items of one family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from policies.optimal.newsvendor import Number, _check, _check_fraction, _out, _out_int

__all__ = [
    "DiscountSolution",
    "EPQSolution",
    "JRPSolution",
    "JRPRelaxation",
    "PowerOfTwoJRPSolution",
    "all_units_discount_eoq",
    "all_units_discount_cost",
    "incremental_discount_eoq",
    "incremental_discount_cost",
    "epq",
    "epq_cost",
    "jrp_cost",
    "jrp_silver",
    "jrp_lower_bound",
    "jrp_power_of_two",
    "POWER_OF_TWO_GUARANTEE_OPTIMISED_BASE",
    "POWER_OF_TWO_GUARANTEE_FIXED_BASE",
]

#: Roundy's (1985) worst-case ratio of a power-of-two policy to the relaxed lower bound when
#: the base period is optimised: ``1 / (sqrt(2) ln 2) ~ 1.0201`` (the "98%" bound).
POWER_OF_TWO_GUARANTEE_OPTIMISED_BASE = 1.0 / (np.sqrt(2.0) * np.log(2.0))
#: The same with a fixed base period: ``(sqrt(2) + 1 / sqrt(2)) / 2 ~ 1.0607`` ("94%").
POWER_OF_TWO_GUARANTEE_FIXED_BASE = (np.sqrt(2.0) + 1.0 / np.sqrt(2.0)) / 2.0


# --------------------------------------------------------------------------- discounts


@dataclass(frozen=True, slots=True)
class DiscountSolution:
    """Order quantity, its price region (index ``j`` of the breakpoint ``b_j`` it reaches),
    total cost per time unit (ordering + holding + purchase), the purchase part of it, and
    the time between orders ``q / D``."""

    q: Number
    region: int | np.ndarray
    cost: Number
    purchase_cost: Number
    cycle_time: Number


def _schedule(breakpoints: ArrayLike, unit_costs: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated price schedule: shapes ``(regions,)`` or ``(skus, regions)``, ``b_0 = 0``,
    breakpoints strictly increasing, prices positive and non-increasing."""
    b = np.asarray(breakpoints, dtype=float)
    c = np.asarray(unit_costs, dtype=float)
    if b.ndim not in (1, 2) or b.shape[-1] == 0:
        raise ValueError(
            f"breakpoints(={b.tolist()!r}) must be a non-empty list, or one list per SKU"
        )
    if c.shape != b.shape:
        raise ValueError(
            f"unit_costs(={c.tolist()!r}) must have the shape of breakpoints {b.shape}, "
            f"one price per region"
        )
    if not np.all(np.isfinite(b)):
        raise ValueError(f"breakpoints(={b.tolist()!r}) must be finite")
    rows_b, rows_c = b.reshape(-1, b.shape[-1]), c.reshape(-1, c.shape[-1])
    for row_b, row_c in zip(rows_b, rows_c, strict=True):
        if row_b[0] != 0.0:
            raise ValueError(f"breakpoints(={row_b.tolist()!r}) must start at 0")
        if np.any(np.diff(row_b) <= 0):
            raise ValueError(f"breakpoints(={row_b.tolist()!r}) must be strictly increasing")
        _check("unit_costs", row_c)
        if np.any(np.diff(row_c) > 0):
            raise ValueError(
                f"unit_costs(={row_c.tolist()!r}) must be non-increasing (they are discounts)"
            )
    return b, c


def _holding_or_rate(
    holding_rate: ArrayLike | None, holding: ArrayLike | None
) -> tuple[np.ndarray, bool]:
    """``(value, is_rate)``: exactly one of ``holding_rate`` and ``holding`` must be given."""
    if holding_rate is not None and holding is None:
        return _check("holding_rate", holding_rate), True
    if holding is not None and holding_rate is None:
        return _check("holding", holding), False
    raise ValueError(
        f"give exactly one of holding_rate(={holding_rate!r}) and holding(={holding!r})"
    )


def _params(
    order_fixed: ArrayLike, demand_rate: ArrayLike, hold: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``K``, ``D`` and holding with a trailing axis to broadcast against the regions."""
    k = _check("order_fixed", order_fixed)
    d = _check("demand_rate", demand_rate)
    return k[..., None], d[..., None], hold[..., None]


def _region_of(q: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Index ``j`` with ``b_j <= q < b_{j+1}``, broadcast over SKUs."""
    return np.sum(b <= q[..., None], axis=-1) - 1


def _take(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``a[..., index]`` per SKU: ``a`` has regions on its last axis, ``index`` holds one
    region per SKU; leading axes broadcast."""
    lead = np.broadcast_shapes(a.shape[:-1], index.shape)
    full = np.broadcast_to(a, lead + a.shape[-1:])
    return np.take_along_axis(full, np.broadcast_to(index, lead)[..., None], axis=-1)[..., 0]


def _incremental_fixed_part(b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``cbar_j = C(b_j) - c_j b_j``: the purchase cost of ``q`` in region ``j`` is
    ``cbar_j + c_j q``, where ``C(b_j) = sum_{l<j} c_l (b_{l+1} - b_l)``."""
    spent = np.concatenate(
        [np.zeros(b.shape[:-1] + (1,)), np.cumsum(c[..., :-1] * np.diff(b, axis=-1), axis=-1)],
        axis=-1,
    )
    return spent - c * b


def all_units_discount_cost(
    q: ArrayLike,
    order_fixed: ArrayLike,
    demand_rate: ArrayLike,
    breakpoints: ArrayLike,
    unit_costs: ArrayLike,
    *,
    holding_rate: ArrayLike | None = None,
    holding: ArrayLike | None = None,
) -> Number:
    """Cost per time unit of ordering ``q`` under all-units discounts:
    ``c(q) D + K D / q + H(q) q / 2`` with ``c(q)`` the price of ``q``'s region and
    ``H(q) = i c(q)`` or ``h`` (Snyder & Shen, 2nd ed., Example 3.6). Vectorised over ``q``
    against one schedule, or over SKUs with per-SKU schedules."""
    q_ = _check("q", q)
    b, c = _schedule(breakpoints, unit_costs)
    hold, is_rate = _holding_or_rate(holding_rate, holding)
    k = _check("order_fixed", order_fixed)
    d = _check("demand_rate", demand_rate)
    region = _region_of(q_, b)
    price = _take(c, region)
    h = hold * price if is_rate else hold
    return _out(price * d + k * d / q_ + h * q_ / 2.0)


def all_units_discount_eoq(
    order_fixed: ArrayLike,
    demand_rate: ArrayLike,
    breakpoints: ArrayLike,
    unit_costs: ArrayLike,
    *,
    holding_rate: ArrayLike | None = None,
    holding: ArrayLike | None = None,
) -> DiscountSolution:
    """Optimal order quantity under all-units discounts. In each region ``j`` the cost is the
    EOQ cost at price ``c_j`` plus ``c_j D``; its best feasible point is
    ``max(q_j^EOQ, b_j)`` if that is below ``b_{j+1}`` (else the next, cheaper region does
    better); the answer is the cheapest of these (Snyder & Shen, 2nd ed., Example 3.6:
    ``K = 8, i = 0.3, D = 1300``, ``b = (0, 400, 800)``, ``c = (0.75, 0.72, 0.68)`` gives
    ``q* = 800`` in region 2 at cost 978.60)."""
    b, c = _schedule(breakpoints, unit_costs)
    hold, is_rate = _holding_or_rate(holding_rate, holding)
    k, d, hd = _params(order_fixed, demand_rate, hold)
    h = hd * c if is_rate else hd
    upper = np.concatenate([b[..., 1:], np.full(b.shape[:-1] + (1,), np.inf)], axis=-1)
    q = np.maximum(np.sqrt(2.0 * k * d / h), b)
    cost = c * d + k * d / q + h * q / 2.0
    cost = np.where(q < upper, cost, np.inf)
    best = np.argmin(cost, axis=-1)
    q_best, d_best = _take(q, best), _take(np.broadcast_to(d, cost.shape), best)
    return DiscountSolution(
        q=_out(q_best),
        region=_out_int(best),
        cost=_out(_take(cost, best)),
        purchase_cost=_out(_take(c, best) * d_best),
        cycle_time=_out(q_best / d_best),
    )


def incremental_discount_cost(
    q: ArrayLike,
    order_fixed: ArrayLike,
    demand_rate: ArrayLike,
    breakpoints: ArrayLike,
    unit_costs: ArrayLike,
    *,
    holding_rate: ArrayLike | None = None,
    holding: ArrayLike | None = None,
) -> Number:
    """Cost per time unit of ordering ``q`` under incremental discounts:
    ``C(q) D / q + K D / q + i C(q) / 2`` with ``C(q) = cbar_j + c_j q`` the purchase cost of
    ``q`` units (``h q / 2`` for the holding term with a fixed ``holding``) (Snyder & Shen,
    2nd ed., Example 3.7)."""
    q_ = _check("q", q)
    b, c = _schedule(breakpoints, unit_costs)
    hold, is_rate = _holding_or_rate(holding_rate, holding)
    k = _check("order_fixed", order_fixed)
    d = _check("demand_rate", demand_rate)
    region = _region_of(q_, b)
    purchase = _take(_incremental_fixed_part(b, c), region) + _take(c, region) * q_
    holding_cost = hold * purchase / 2.0 if is_rate else hold * q_ / 2.0
    return _out(purchase * d / q_ + k * d / q_ + holding_cost)


def incremental_discount_eoq(
    order_fixed: ArrayLike,
    demand_rate: ArrayLike,
    breakpoints: ArrayLike,
    unit_costs: ArrayLike,
    *,
    holding_rate: ArrayLike | None = None,
    holding: ArrayLike | None = None,
) -> DiscountSolution:
    """Optimal order quantity under incremental discounts. In region ``j`` the cost is
    ``c_j D + (K + cbar_j) D / q + i (c_j q + cbar_j) / 2``, least at
    ``q_j = sqrt(2 (K + cbar_j) D / (i c_j))`` (``h`` for ``i c_j`` with a fixed holding
    cost); the total cost is continuous in ``q``, so clipping ``q_j`` into
    ``[b_j, b_{j+1}]`` and taking the cheapest is exact (Snyder & Shen, 2nd ed., Example
    3.7: the data of Example 3.6 give ``q* = 304.05`` in region 0 at cost 1043.41)."""
    b, c = _schedule(breakpoints, unit_costs)
    hold, is_rate = _holding_or_rate(holding_rate, holding)
    k, d, hd = _params(order_fixed, demand_rate, hold)
    fixed_part = _incremental_fixed_part(b, c)
    upper = np.concatenate([b[..., 1:], np.full(b.shape[:-1] + (1,), np.inf)], axis=-1)
    h = hd * c if is_rate else hd
    q = np.clip(np.sqrt(2.0 * (k + fixed_part) * d / h), b, upper)
    holding_cost = hd * (c * q + fixed_part) / 2.0 if is_rate else hd * q / 2.0
    purchase = c * d + fixed_part * d / q
    cost = purchase + k * d / q + holding_cost
    best = np.argmin(cost, axis=-1)
    q_best, d_best = _take(q, best), _take(np.broadcast_to(d, cost.shape), best)
    return DiscountSolution(
        q=_out(q_best),
        region=_out_int(_region_of(q_best, b)),
        cost=_out(_take(cost, best)),
        purchase_cost=_out(_take(purchase, best)),
        cycle_time=_out(q_best / d_best),
    )


# --------------------------------------------------------------------------- EPQ


@dataclass(frozen=True, slots=True)
class EPQSolution:
    """Production lot ``q``, cost per time unit, cycle ``q / D``, production run ``q / P``,
    the peak inventory ``(1 - x) q (1 - D/P)``, the fraction ``x`` of each cycle spent in
    backorder and the largest backorder ``x q (1 - D/P)`` (both 0 without backorders)."""

    q: Number
    cost: Number
    cycle_time: Number
    production_time: Number
    max_inventory: Number
    stockout_fraction: Number
    max_backorder: Number


def _utilisation_slack(demand_rate: ArrayLike, production_rate: ArrayLike) -> np.ndarray:
    """``1 - D/P``, requiring ``P > D`` elementwise."""
    d = _check("demand_rate", demand_rate)
    p = _check("production_rate", production_rate)
    d_, p_ = np.broadcast_arrays(d, p)
    bad = p_ <= d_
    if np.any(bad):
        raise ValueError(
            f"production_rate(={float(p_[bad].flat[0])!r}) must be > "
            f"demand_rate(={float(d_[bad].flat[0])!r})"
        )
    return 1.0 - d / p


def epq(
    order_fixed: ArrayLike,
    holding: ArrayLike,
    demand_rate: ArrayLike,
    production_rate: ArrayLike,
    backorder: ArrayLike | None = None,
) -> EPQSolution:
    """Economic production quantity ``q* = sqrt(2 K D / (h (1 - D/P)))``, cost
    ``sqrt(2 K D h (1 - D/P))`` (Taft 1918; Snyder & Shen, 2nd ed., Problem 3.22:
    ``K = 4, h = 0.08, D = 80, P = 110`` gives ``q* = 171.27``, cost 3.7368). With planned
    backorders at ``backorder`` (p): ``x* = h / (h + p)``,
    ``q* = sqrt(2 K D (h + p) / (h p (1 - D/P)))``, cost
    ``sqrt(2 K D h p (1 - D/P) / (h + p))`` (Zipkin 2000, Ch. 3)."""
    k = _check("order_fixed", order_fixed)
    h = _check("holding", holding)
    d = _check("demand_rate", demand_rate)
    rho = _utilisation_slack(demand_rate, production_rate)
    p_rate = _check("production_rate", production_rate)
    if backorder is None:
        x = np.zeros_like(rho)
        h_eff = h * rho
    else:
        p = _check("backorder", backorder)
        x = h / (h + p)
        h_eff = h * p / (h + p) * rho
    q = np.sqrt(2.0 * k * d / h_eff)
    span = q * rho
    return EPQSolution(
        q=_out(q),
        cost=_out(np.sqrt(2.0 * k * d * h_eff)),
        cycle_time=_out(q / d),
        production_time=_out(q / p_rate),
        max_inventory=_out((1.0 - x) * span),
        stockout_fraction=_out(x * np.ones_like(q)),
        max_backorder=_out(x * span),
    )


def epq_cost(
    q: ArrayLike,
    order_fixed: ArrayLike,
    holding: ArrayLike,
    demand_rate: ArrayLike,
    production_rate: ArrayLike,
    *,
    backorder: ArrayLike | None = None,
    stockout_fraction: ArrayLike = 0.0,
) -> Number:
    """Cost per time unit of producing lots of ``q``:
    ``K D / q + (1 - D/P) q [h (1 - x)^2 + p x^2] / 2``; without ``backorder`` ``x`` must be
    0 and the cost is ``K D / q + h (1 - D/P) q / 2`` (Snyder & Shen, 2nd ed., EPQ
    section)."""
    q_ = _check("q", q)
    k = _check("order_fixed", order_fixed)
    h = _check("holding", holding)
    d = _check("demand_rate", demand_rate)
    rho = _utilisation_slack(demand_rate, production_rate)
    x = _check_fraction("stockout_fraction", stockout_fraction, closed=True)
    if backorder is None:
        if np.any(x != 0):
            raise ValueError(
                f"stockout_fraction(={stockout_fraction!r}) needs a backorder cost; "
                f"backorder(=None)"
            )
        p: float | np.ndarray = 0.0
    else:
        p = _check("backorder", backorder)
    return _out(k * d / q_ + rho * q_ * (h * (1 - x) ** 2 + p * x**2) / 2.0)


# --------------------------------------------------------------------------- JRP


@dataclass(frozen=True, slots=True)
class JRPSolution:
    """A joint replenishment cycle policy: the family is ordered every ``base_cycle``
    (``T``), item ``i`` every ``multiples[i]`` (``m_i``) family orders, i.e. every
    ``cycle_times[i] = m_i T`` in lots ``order_quantities[i] = D_i m_i T``; ``cost`` per time
    unit."""

    base_cycle: float
    multiples: np.ndarray
    cycle_times: np.ndarray
    order_quantities: np.ndarray
    cost: float


@dataclass(frozen=True, slots=True)
class JRPRelaxation:
    """Optimum of the relaxed joint replenishment problem
    ``min K0 / T0 + sum_i (k_i / T_i + h_i D_i T_i / 2)`` s.t. ``T_i >= T0``: the family
    interval ``family_cycle`` (``T0``), the item intervals ``cycle_times`` and the optimal
    value ``lower_bound``, a lower bound on the cost of every feasible policy (Roundy 1985;
    Jackson, Maxwell & Muckstadt 1985)."""

    family_cycle: float
    cycle_times: np.ndarray
    lower_bound: float


@dataclass(frozen=True, slots=True)
class PowerOfTwoJRPSolution:
    """A power-of-two policy: item ``i`` is ordered every
    ``cycle_times[i] = base_period * 2**exponents[i]`` (lots ``order_quantities``), the
    family every ``family_cycle = min_i cycle_times[i]``; ``cost`` per time unit, the relaxed
    ``lower_bound`` and ``guarantee``, the proven worst case of ``cost / lower_bound``."""

    base_period: float
    exponents: np.ndarray
    family_cycle: float
    cycle_times: np.ndarray
    order_quantities: np.ndarray
    cost: float
    lower_bound: float
    guarantee: float


def _jrp_inputs(
    major_setup: ArrayLike, minor_setup: ArrayLike, holding: ArrayLike, demand_rate: ArrayLike
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    big_k = _check("major_setup", major_setup)
    if big_k.ndim != 0:
        raise ValueError(f"major_setup(={big_k.tolist()!r}) must be one number per family")
    small_k = _check("minor_setup", minor_setup, strict=False)
    h = _check("holding", holding)
    d = _check("demand_rate", demand_rate)
    try:
        small_k, h, d = (np.atleast_1d(a) for a in np.broadcast_arrays(small_k, h, d))
    except ValueError as err:
        raise ValueError(
            f"minor_setup(={small_k.tolist()!r}), holding(={h.tolist()!r}) and "
            f"demand_rate(={d.tolist()!r}) must have one value per item"
        ) from err
    if small_k.ndim != 1 or small_k.size == 0:
        raise ValueError(f"minor_setup(={small_k.tolist()!r}) must be a non-empty 1-D list")
    return float(big_k), small_k.astype(float), h.astype(float), d.astype(float)


def jrp_cost(
    base_cycle: ArrayLike,
    multiples: ArrayLike,
    major_setup: ArrayLike,
    minor_setup: ArrayLike,
    holding: ArrayLike,
    demand_rate: ArrayLike,
) -> Number:
    """Cost per time unit of ordering the family every ``T`` and item ``i`` every ``m_i T``:
    ``(K0 + sum_i k_i / m_i) / T + T sum_i h_i m_i D_i / 2`` (Silver 1976). ``base_cycle``
    may be an array of ``T`` values; ``multiples`` may carry leading axes of candidate
    policies, ``(..., items)``."""
    big_k, small_k, h, d = _jrp_inputs(major_setup, minor_setup, holding, demand_rate)
    t = _check("base_cycle", base_cycle)
    m = np.asarray(multiples, dtype=float)
    if np.any(m < 1) or np.any(m != np.round(m)):
        raise ValueError(f"multiples(={m.tolist()!r}) must be integers >= 1")
    fixed = big_k + np.sum(small_k / m, axis=-1)
    hold = np.sum(h * m * d, axis=-1)
    return _out(fixed / t + t * hold / 2.0)


def jrp_silver(
    major_setup: ArrayLike, minor_setup: ArrayLike, holding: ArrayLike, demand_rate: ArrayLike
) -> JRPSolution:
    """Silver's (1976) heuristic: the item ``1`` with the least ``k_i / (h_i D_i)`` is in every
    order (``m_1 = 1``); every other item gets
    ``m_i = round(sqrt(k_i / (h_i D_i) * h_1 D_1 / (K0 + k_1)))`` (at least 1), and
    ``T = sqrt(2 (K0 + sum_i k_i / m_i) / sum_i h_i m_i D_i)`` (Silver 1976, *Management
    Science* 22; Silver, Pyke & Peterson 1998: their p. 428 example,
    ``K0 = 40``, ``k = 15`` each, ``h = 0.24``, ``D = (86000, 12500, 1400, 3000)``, gives
    ``m = (1, 1, 4, 3)``)."""
    big_k, small_k, h, d = _jrp_inputs(major_setup, minor_setup, holding, demand_rate)
    ratio = small_k / (h * d)
    first = int(np.argmin(ratio))
    scale = h[first] * d[first] / (big_k + small_k[first])
    m = np.maximum(1, np.rint(np.sqrt(ratio * scale))).astype(np.int64)
    m[first] = 1
    fixed = big_k + float(np.sum(small_k / m))
    hold = float(np.sum(h * m * d))
    t = np.sqrt(2.0 * fixed / hold)
    return JRPSolution(
        base_cycle=float(t),
        multiples=m,
        cycle_times=m * t,
        order_quantities=d * m * t,
        cost=float(fixed / t + t * hold / 2.0),
    )


def jrp_lower_bound(
    major_setup: ArrayLike, minor_setup: ArrayLike, holding: ArrayLike, demand_rate: ArrayLike
) -> JRPRelaxation:
    """Solve the relaxed problem ``min K0 / T0 + sum_i (k_i / T_i + g_i T_i)`` s.t.
    ``T_i >= T0`` with ``g_i = h_i D_i / 2`` exactly. For a given ``T0`` each item sits at
    ``max(T0, tau_i)``, ``tau_i = sqrt(k_i / g_i)``; between consecutive sorted ``tau`` the
    items tied to ``T0`` are fixed, so the optimum is the best of the clipped stationary
    points ``sqrt((K0 + sum_tied k) / sum_tied g)`` (Roundy 1985; Jackson, Maxwell &
    Muckstadt 1985). Its value bounds every feasible policy's cost from below."""
    big_k, small_k, h, d = _jrp_inputs(major_setup, minor_setup, holding, demand_rate)
    g = h * d / 2.0
    tau = np.sqrt(small_k / g)
    order = np.argsort(tau, kind="stable")
    tau_s, k_s, g_s = tau[order], small_k[order], g[order]
    tied_k = big_k + np.cumsum(k_s)
    tied_g = np.cumsum(g_s)
    alone = np.concatenate([np.cumsum((2.0 * np.sqrt(k_s * g_s))[::-1])[::-1][1:], [0.0]])
    upper = np.concatenate([tau_s[1:], [np.inf]])
    t0 = np.clip(np.sqrt(tied_k / tied_g), tau_s, upper)
    values = tied_k / t0 + tied_g * t0 + alone
    best = int(np.argmin(values))
    family = float(t0[best])
    return JRPRelaxation(
        family_cycle=family,
        cycle_times=np.maximum(family, tau),
        lower_bound=float(values[best]),
    )


def _power_of_two_cost(
    exponents: np.ndarray, base: float, big_k: float, small_k: np.ndarray, g: np.ndarray
) -> float:
    t = base * np.exp2(exponents)
    return float(big_k / t.min() + np.sum(small_k / t + g * t))


def jrp_power_of_two(
    major_setup: ArrayLike,
    minor_setup: ArrayLike,
    holding: ArrayLike,
    demand_rate: ArrayLike,
    *,
    base_period: float | None = None,
) -> PowerOfTwoJRPSolution:
    """Power-of-two policy for the joint replenishment problem (Roundy 1985; Jackson,
    Maxwell & Muckstadt 1985). Solve the relaxation (:func:`jrp_lower_bound`) and round
    every relaxed interval ``T*`` to the power-of-two multiple of the base period nearest in
    ratio, ``T_B 2^round(log2(T* / T_B))``; rounding is monotone, so every item interval
    stays a power-of-two multiple of the family interval ``min_i T_i``.

    With ``base_period`` given (e.g. a day or a week) the exponents may be negative and
    ``cost <= 1.0607 lower_bound`` (the 94% bound). Without it the base period is optimised:
    each distinct rounding pattern of ``log2(T_B)`` over one octave is tried, ``T_B`` is
    re-optimised for its exponents, and ``cost <= 1.0201 lower_bound`` (the 98% bound); the
    result is then expressed with ``base_period`` equal to the family interval."""
    big_k, small_k, h, d = _jrp_inputs(major_setup, minor_setup, holding, demand_rate)
    g = h * d / 2.0
    relaxed = jrp_lower_bound(big_k, small_k, h, d)
    log_t = np.log2(relaxed.cycle_times)
    if base_period is not None:
        base = float(_check("base_period", base_period))
        exps = np.rint(log_t - np.log2(base)).astype(np.int64)
        guarantee = POWER_OF_TWO_GUARANTEE_FIXED_BASE
    else:
        shifts = np.unique(np.concatenate([[0.0, 1.0], np.mod(log_t - 0.5, 1.0)]))
        best_cost, exps, base = np.inf, np.zeros(small_k.size, np.int64), 1.0
        for lo, hi in zip(shifts[:-1], shifts[1:], strict=True):
            if hi - lo <= 1e-12:
                continue
            n = np.rint(log_t - (lo + hi) / 2.0).astype(np.int64)
            n -= n.min()
            scale = np.exp2(n.astype(float))
            a = big_k + float(np.sum(small_k / scale))
            b = float(np.sum(g * scale))
            cost = 2.0 * np.sqrt(a * b)
            if cost < best_cost:
                best_cost, exps, base = cost, n, float(np.sqrt(a / b))
        guarantee = POWER_OF_TWO_GUARANTEE_OPTIMISED_BASE
    cycle_times = base * np.exp2(exps.astype(float))
    return PowerOfTwoJRPSolution(
        base_period=base,
        exponents=exps,
        family_cycle=float(cycle_times.min()),
        cycle_times=cycle_times,
        order_quantities=d * cycle_times,
        cost=_power_of_two_cost(exps, base, big_k, small_k, g),
        lower_bound=relaxed.lower_bound,
        guarantee=float(guarantee),
    )
