"""The economic order quantity (EOQ).

Demand is deterministic and steady at ``demand_rate`` (D) units per time unit; each order
costs ``order_fixed`` (K) and arrives at once; each unit held costs ``holding`` (h) per time
unit. Ordering ``q`` units every ``q / D`` time units costs ``K D / q + h q / 2`` per time
unit, least at ``q* = sqrt(2 K D / h)`` (Harris 1913; Snyder & Shen, *Fundamentals of Supply
Chain Theory*, 2nd ed., Sec. 3.2). With planned backorders at ``backorder`` (p) per unit per
time unit, a fraction ``x`` of each cycle is spent backordered (Snyder & Shen, Sec. 3.5).

Every function is vectorised: give per-SKU arrays and get arrays back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from policies.optimal.newsvendor import Number, _check, _check_fraction, _out

__all__ = [
    "EOQSolution",
    "EOQBackorderSolution",
    "eoq",
    "eoq_cost",
    "eoq_backorders",
    "eoq_backorders_cost",
]


@dataclass(frozen=True, slots=True)
class EOQSolution:
    """Order quantity, cost per time unit and time between orders."""

    q: Number
    cost: Number
    cycle_time: Number


@dataclass(frozen=True, slots=True)
class EOQBackorderSolution:
    """Order quantity, fraction of each cycle spent in backorder, the largest backorder
    reached before an order arrives (``stockout_fraction * q``), and cost per time unit."""

    q: Number
    stockout_fraction: Number
    max_backorder: Number
    cost: Number


def eoq(order_fixed: ArrayLike, holding: ArrayLike, demand_rate: ArrayLike) -> EOQSolution:
    """``q* = sqrt(2 K D / h)``, cost ``sqrt(2 K D h)``, cycle ``q* / D`` (Harris 1913;
    Snyder & Shen, 2nd ed., Sec. 3.2)."""
    k = _check("order_fixed", order_fixed)
    h = _check("holding", holding)
    d = _check("demand_rate", demand_rate)
    q = np.sqrt(2.0 * k * d / h)
    return EOQSolution(q=_out(q), cost=_out(np.sqrt(2.0 * k * d * h)), cycle_time=_out(q / d))


def eoq_cost(
    q: ArrayLike, order_fixed: ArrayLike, holding: ArrayLike, demand_rate: ArrayLike
) -> Number:
    """Cost per time unit of ordering ``q``: ``K D / q + h q / 2`` (Snyder & Shen, 2nd ed.,
    Sec. 3.2)."""
    q_ = _check("q", q)
    k = _check("order_fixed", order_fixed)
    h = _check("holding", holding)
    d = _check("demand_rate", demand_rate)
    return _out(k * d / q_ + h * q_ / 2.0)


def eoq_backorders(
    order_fixed: ArrayLike, holding: ArrayLike, backorder: ArrayLike, demand_rate: ArrayLike
) -> EOQBackorderSolution:
    """EOQ with planned backorders: ``x* = h / (h + p)``,
    ``q* = sqrt(2 K D (h + p) / (h p))``, cost ``sqrt(2 K D h p / (h + p))`` (Snyder & Shen,
    2nd ed., Sec. 3.5)."""
    k = _check("order_fixed", order_fixed)
    h = _check("holding", holding)
    p = _check("backorder", backorder)
    d = _check("demand_rate", demand_rate)
    x = h / (h + p)
    q = np.sqrt(2.0 * k * d * (h + p) / (h * p))
    return EOQBackorderSolution(
        q=_out(q),
        stockout_fraction=_out(x),
        max_backorder=_out(x * q),
        cost=_out(np.sqrt(2.0 * k * d * h * p / (h + p))),
    )


def eoq_backorders_cost(
    q: ArrayLike,
    stockout_fraction: ArrayLike,
    order_fixed: ArrayLike,
    holding: ArrayLike,
    backorder: ArrayLike,
    demand_rate: ArrayLike,
) -> Number:
    """Cost per time unit of ordering ``q`` with a fraction ``x`` of each cycle backordered:
    ``K D / q + h q (1 - x)^2 / 2 + p q x^2 / 2`` (Snyder & Shen, 2nd ed., Sec. 3.5)."""
    q_ = _check("q", q)
    x = _check_fraction("stockout_fraction", stockout_fraction, closed=True)
    k = _check("order_fixed", order_fixed)
    h = _check("holding", holding)
    p = _check("backorder", backorder)
    d = _check("demand_rate", demand_rate)
    return _out(k * d / q_ + h * q_ * (1 - x) ** 2 / 2 + p * q_ * x**2 / 2)
