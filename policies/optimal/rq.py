"""The continuous-review (r, Q) policy.

The inventory position is watched continuously; when it falls to the reorder point ``r`` an
order of ``q`` units is placed, which arrives after the lead time. Each order costs
``order_fixed`` (K); stock on hand costs ``holding`` (h) and backorders ``backorder`` (p)
per unit per time unit. In steady state the inventory position is uniform on
``(r, r + q]``, and a position ``y`` now becomes the net stock ``y - D_L`` one lead time
later, so with ``G(y) = h E(y - D_L)+ + p E(D_L - y)+`` the cost per time unit is

    c(r, q) = (K * rate + sum (or integral) of G over (r, r + q]) / q

(Zipkin, *Foundations of Inventory Management*, 2000, Ch. 6; Snyder & Shen, *Fundamentals
of Supply Chain Theory*, 2nd ed., Ch. 5). For unit Poisson demand this is exact and the
optimum is found by the algorithm of Federgruen & Zheng (1992); for other demand the
lead-time demand is taken as normal and the continuous problem is solved exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special
from scipy.optimize import brentq
from scipy.stats import norm

from policies.optimal.newsvendor import (
    Number,
    _check,
    _check_finite,
    _check_fraction,
    _out,
    _per_sku,
    expected_cost_poisson,
    newsvendor_poisson,
)

__all__ = [
    "RQSolution",
    "rq_poisson_exact",
    "rq_cost_poisson",
    "rq_normal_approx",
    "rq_cost_normal",
    "reorder_point_service",
]


@dataclass(frozen=True, slots=True)
class RQSolution:
    """Reorder point, order quantity and long-run expected cost per time unit."""

    r: Number
    q: Number
    cost: Number


_SQRT_2PI = np.sqrt(2 * np.pi)


def _check_costs(holding: ArrayLike, backorder: ArrayLike, order_fixed: ArrayLike) -> list:
    return [
        _check("holding", holding),
        _check("backorder", backorder),
        _check("order_fixed", order_fixed, strict=False),
    ]


def rq_cost_poisson(
    r: ArrayLike,
    q: ArrayLike,
    rate: ArrayLike,
    lead_time: ArrayLike,
    holding: ArrayLike,
    backorder: ArrayLike,
    order_fixed: ArrayLike,
) -> Number:
    """Exact cost per time unit of the integer policy ``(r, q)`` under unit Poisson demand:
    ``(K rate + sum_{y=r+1}^{r+q} G(y)) / q`` with ``D_L ~ Poisson(rate * lead_time)``
    (Zipkin 2000, Ch. 6; Federgruen & Zheng 1992). Vectorised over SKUs by a loop."""
    r_ = np.floor(_check_finite("r", r))
    q_ = np.floor(_check("q", q, low=1.0, strict=False))
    lam = _check("rate", rate)
    lead = _check("lead_time", lead_time, strict=False)
    h, p, k = _check_costs(holding, backorder, order_fixed)

    def one(r1: float, q1: float, lam1: float, l1: float, h1: float, p1: float, k1: float):
        ys = np.arange(int(r1) + 1, int(r1) + int(q1) + 1)
        return ((k1 * lam1 + np.sum(expected_cost_poisson(ys, lam1 * l1, h1, p1))) / q1,)

    return _out(_per_sku(one, r_, q_, lam, lead, h, p, k)[0])


def _rq_poisson_one(
    rate: float, lead_time: float, holding: float, backorder: float, fixed: float
) -> tuple[int, int, float]:
    mean = rate * lead_time
    y_star = int(newsvendor_poisson(mean, holding, backorder).level)
    width = 64
    while True:
        ys = np.arange(y_star - width, y_star + width + 1)
        g = np.asarray(expected_cost_poisson(ys, mean, holding, backorder))
        lo = hi = width  # the window (r, r + q] as indices into ys
        total = fixed * rate + g[width]
        while 0 < lo and hi < g.size - 1:
            q = hi - lo + 1
            step_left = g[lo - 1] <= g[hi + 1]
            g_next = g[lo - 1] if step_left else g[hi + 1]
            if g_next >= total / q:  # the window can no longer pay for itself
                return int(ys[lo]) - 1, q, float(total / q)
            lo, hi = (lo - 1, hi) if step_left else (lo, hi + 1)
            total += g_next
        width *= 4


def rq_poisson_exact(
    rate: ArrayLike,
    lead_time: ArrayLike,
    holding: ArrayLike,
    backorder: ArrayLike,
    order_fixed: ArrayLike,
) -> RQSolution:
    """Exact optimal integer ``(r, q)`` for unit Poisson demand at ``rate`` per time unit,
    deterministic ``lead_time`` and backorders.

    Federgruen & Zheng, "An efficient algorithm for computing an optimal (r, Q) policy in
    continuous review stochastic inventory systems", *Operations Research* 40(4), 1992: for
    each ``q`` the best window ``(r, r + q]`` holds the ``q`` smallest values of the convex
    ``G``, so grow the window one point at a time from the minimiser of ``G``, always on the
    side with the smaller ``G``, and stop as soon as the next value is not below the current
    average cost (after that the average can only rise). Vectorised over SKUs by a loop.
    """
    lam = _check("rate", rate)
    lead = _check("lead_time", lead_time, strict=False)
    r, q, cost = _per_sku(
        _rq_poisson_one, lam, lead, *_check_costs(holding, backorder, order_fixed)
    )
    scalar = r.ndim == 0
    return RQSolution(
        r=int(r) if scalar else r.astype(np.int64),
        q=int(q) if scalar else q.astype(np.int64),
        cost=_out(cost),
    )


def _lead_time_demand(
    mean_rate: ArrayLike, std_rate: ArrayLike, lead_time_mean: ArrayLike, lead_time_std: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of demand over a random lead time (the random-sum formula,
    ``var = E[L] sigma_d^2 + d^2 var L``; Silver, Pyke & Thomas 2017)."""
    lam = _check("mean_rate", mean_rate)
    sd = _check("std_rate", std_rate, strict=False)
    lead = _check("lead_time_mean", lead_time_mean, strict=False)
    lead_sd = _check("lead_time_std", lead_time_std, strict=False)
    return lam * lead, np.sqrt(lead * sd**2 + lam**2 * lead_sd**2)


def _integral_g_normal(
    y: np.ndarray,
    mu: float | np.ndarray,
    sigma: float | np.ndarray,
    h: float | np.ndarray,
    p: float | np.ndarray,
) -> np.ndarray:
    """An antiderivative of ``G(y) = h (y - mu) + (h + p) sigma L(z)``:
    ``h (y - mu)^2 / 2 - (h + p) sigma^2 L2(z)`` with the second-order loss function
    ``L2(z) = ((z^2 + 1)(1 - Phi(z)) - z phi(z)) / 2`` (Snyder & Shen, 2nd ed., App. C)."""
    d = y - mu
    safe = np.where(sigma > 0, sigma, 1.0)
    z = d / safe
    loss2 = 0.5 * ((z**2 + 1.0) * special.ndtr(-z) - z * _normal_pdf(z))
    smooth = h * d**2 / 2 - (h + p) * safe**2 * loss2
    sharp = np.where(d > 0, h, -p) * d**2 / 2
    return np.where(sigma > 0, smooth, sharp)


def rq_cost_normal(
    r: ArrayLike,
    q: ArrayLike,
    mean_rate: ArrayLike,
    std_rate: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike,
    holding: ArrayLike,
    backorder: ArrayLike,
    order_fixed: ArrayLike,
) -> Number:
    """Cost per time unit of the continuous policy ``(r, q)`` with normal lead-time demand
    and exact backorders: ``(K rate + integral_r^{r+q} G(y) dy) / q`` (Zipkin 2000, Ch. 6;
    Snyder & Shen, 2nd ed., Ch. 5). Vectorised over SKUs."""
    r_ = _check_finite("r", r)
    q_ = _check("q", q)
    mu, sigma = _lead_time_demand(mean_rate, std_rate, lead_time_mean, lead_time_std)
    h, p, k = _check_costs(holding, backorder, order_fixed)
    area = _integral_g_normal(r_ + q_, mu, sigma, h, p) - _integral_g_normal(r_, mu, sigma, h, p)
    return _out((k * np.asarray(mean_rate, dtype=float) + area) / q_)


def _normal_pdf(z: np.ndarray | np.float64) -> np.ndarray | np.float64:
    """``scipy.stats.norm.pdf`` by the same operations (``z * z`` where scipy squares an
    array; numpy's scalar ``**`` rounds differently), without its per-call overhead."""
    return np.exp(-(z * z) / 2.0) / _SQRT_2PI


def _normal_cost(y: float, mu: float, sigma: float, h: float, p: float) -> float:
    """:func:`expected_cost_normal` of one level, by the same floating-point operations
    (the same values, bit for bit) at a few microseconds a call instead of a few hundred:
    the root finders of :func:`_rq_normal_one` call it some 150 times per SKU."""
    d = np.float64(y) - mu
    if sigma > 0:
        z = d / sigma
        loss = _normal_pdf(z) - z * special.ndtr(-z)
        return float(h * d + (h + p) * sigma * loss)
    return float(h * max(d, 0.0) + p * max(mu - y, 0.0))


def _rq_normal_one(
    rate: float, mu: float, sigma: float, h: float, p: float, fixed: float
) -> tuple[float, float, float]:
    def g(y: float) -> float:
        return _normal_cost(y, mu, sigma, h, p)

    def window(c: float) -> tuple[float, float]:
        """The interval where ``G <= c``: ``G >= p (mu - y)`` and ``G >= h (y - mu)``
        bracket its ends (widened a little against rounding)."""
        if c <= g_min:
            return y_star, y_star
        a = brentq(lambda y: g(y) - c, mu - 1.01 * c / p - 1e-9, y_star)
        b = brentq(lambda y: g(y) - c, y_star, mu + 1.01 * c / h + 1e-9)
        return a, b

    def surplus(c: float) -> float:
        """``integral (c - G)+ dy - K rate``: increasing in ``c``, zero at the optimum."""
        a, b = window(c)
        area = _integral_g_normal(np.array([a, b]), mu, sigma, h, p)
        return c * (b - a) - float(area[1] - area[0]) - fixed * rate

    y_star = mu + sigma * float(norm.ppf(p / (p + h)))
    g_min = g(y_star)
    if fixed == 0:
        return y_star, 0.0, g_min
    # G <= G_deterministic + (h + p) sigma / sqrt(2 pi), so this level has surplus >= 0.
    c_det = np.sqrt(2 * fixed * rate * h * p / (h + p))
    c_hi = 1.01 * (g_min + (h + p) * sigma / np.sqrt(2 * np.pi) + c_det) + 1e-9
    c_star = brentq(surplus, g_min, c_hi, xtol=1e-12, rtol=1e-14)
    a, b = window(c_star)
    return a, b - a, c_star


def rq_normal_approx(
    mean_rate: ArrayLike,
    std_rate: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike,
    holding: ArrayLike,
    backorder: ArrayLike,
    order_fixed: ArrayLike,
) -> RQSolution:
    """Optimal continuous ``(r, q)`` when demand over the lead time is taken as normal, with
    the exact backorder cost ``rq_cost_normal``.

    ``D_L`` has mean ``rate E[L]`` and variance ``E[L] std_rate^2 + rate^2 var L``. The
    optimum is the level set of ``G``: the least cost ``c*`` solves
    ``integral (c - G(y))+ dy = K rate``, and ``(r, r + q)`` is the interval where
    ``G <= c*``, so ``G(r) = G(r + q) = c*`` (the first-order conditions; Zipkin 2000,
    Ch. 6; the continuous form of Federgruen & Zheng 1992). This solves the same
    equations as the Hadley-Whitin iteration but by bracketed root finding, so it always
    converges. ``order_fixed == 0`` gives ``q = 0`` (base stock at ``r``). Vectorised over
    SKUs by a loop.
    """
    mu, sigma = _lead_time_demand(mean_rate, std_rate, lead_time_mean, lead_time_std)
    h, p, k = _check_costs(holding, backorder, order_fixed)
    rate = np.asarray(mean_rate, dtype=float)
    r, q, cost = _per_sku(_rq_normal_one, rate, mu, sigma, h, p, k)
    return RQSolution(r=_out(r), q=_out(q), cost=_out(cost))


def reorder_point_service(
    mean_lt: ArrayLike, std_lt: ArrayLike, cycle_service_level: ArrayLike
) -> Number:
    """Reorder point giving probability ``cycle_service_level`` of no stockout in a cycle
    with normal lead-time demand: ``r = mean + Phi^-1(alpha) std`` (Silver, Pyke & Thomas,
    *Inventory and Production Management in Supply Chains*, 4th ed., 2017).
    Vectorised."""
    mu = _check_finite("mean_lt", mean_lt)
    sigma = _check("std_lt", std_lt, strict=False)
    alpha = _check_fraction("cycle_service_level", cycle_service_level, closed=False)
    return _out(mu + norm.ppf(alpha) * sigma)
