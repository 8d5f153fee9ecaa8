"""The periodic-review (s, S) policy with a fixed order cost.

At each review the inventory position is checked; when it is at or below the reorder point
``s`` an order raises it to the order-up-to level ``S``. Each order costs ``order_fixed`` (K);
each unit on hand at the end of a period costs ``holding`` (h), each unit backordered
``shortage`` (p). An order placed now is safe from further ordering decisions only after
``protection_periods`` periods (lead time plus one review period), so the one-period cost of
inventory position ``y`` is ``G(y) = h E(y - D_P)+ + p E(D_P - y)+`` with ``D_P`` the demand
over that interval.

For Poisson demand the optimal pair is found exactly by the algorithm of Zheng & Federgruen
(1991), which only evaluates ``G`` and the renewal function of the per-period demand. For
other demand, or very many SKUs, the revised power approximation of Ehrhardt & Mosier (1984)
gives a good pair in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm, poisson

from policies.optimal.newsvendor import (
    Number,
    _check,
    _check_finite,
    _first,
    _out,
    _per_sku,
    expected_cost_poisson,
    newsvendor_poisson,
)

__all__ = ["SSSolution", "zheng_federgruen", "ss_cost_poisson", "ss_power_approximation"]


@dataclass(frozen=True, slots=True)
class SSSolution:
    """Reorder point ``s``, order-up-to level ``S`` and the long-run expected cost per
    period (``None`` for approximations that do not evaluate it)."""

    s: Number
    S: Number
    cost: Number | None


class _PoissonSS:
    """``G(y)`` and the renewal quantities ``m(j)``, ``M(j)`` of one SKU, tabulated on
    demand. ``m(j)`` is the expected number of periods the inventory position spends
    ``j`` units below the order-up-to level: ``m(0) = 1 / (1 - p_0)``,
    ``m(j) = sum_{l=1..j} p_l m(j - l) / (1 - p_0)``; ``M(n) = m(0) + ... + m(n - 1)`` is
    the expected length of a cycle of ``n`` units (Zheng & Federgruen 1991)."""

    def __init__(self, mean: float, holding: float, shortage: float, fixed: float, periods: float):
        self.mean, self.holding, self.shortage, self.fixed = mean, holding, shortage, fixed
        self.protection_mean = mean * periods
        self._m = np.array([1.0 / (1.0 - poisson.pmf(0, mean))])
        self._g_lo, self._g = 0, np.empty(0)

    def g(self, y: ArrayLike) -> np.ndarray:
        y = np.asarray(y, dtype=np.int64)
        lo, hi = int(y.min()), int(y.max())
        if self._g.size == 0 or lo < self._g_lo or hi >= self._g_lo + self._g.size:
            new_lo = min(lo, self._g_lo) - 16
            new_hi = max(hi, self._g_lo + self._g.size) + 16 + (hi - lo)
            ys = np.arange(new_lo, new_hi + 1)
            costs = expected_cost_poisson(ys, self.protection_mean, self.holding, self.shortage)
            self._g_lo, self._g = new_lo, np.asarray(costs)
        return self._g[y - self._g_lo]

    def m(self, n: int) -> np.ndarray:
        old = self._m.size
        if n > old:
            size = max(n, 2 * old)
            pmf = poisson.pmf(np.arange(size), self.mean)
            m = np.concatenate([self._m, np.empty(size - old)])
            for j in range(old, size):
                m[j] = pmf[1 : j + 1] @ m[j - 1 :: -1] * m[0]
            self._m = m
        return self._m[:n]

    def cost(self, s: int, big_s: int) -> float:
        """``c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S - j)) / M(S - s)``."""
        m = self.m(big_s - s)
        g = self.g(big_s - np.arange(big_s - s))
        return float((self.fixed + m @ g) / m.sum())


def _check_ss(
    mean: ArrayLike,
    holding: ArrayLike,
    shortage: ArrayLike,
    order_fixed: ArrayLike,
    protection_periods: ArrayLike,
) -> list[np.ndarray]:
    return [
        _check("mean", mean),
        _check("holding", holding),
        _check("shortage", shortage),
        _check("order_fixed", order_fixed, strict=False),
        _check("protection_periods", protection_periods, strict=False),
    ]


def ss_cost_poisson(
    s: ArrayLike,
    S: ArrayLike,
    mean: ArrayLike,
    holding: ArrayLike,
    shortage: ArrayLike,
    order_fixed: ArrayLike,
    protection_periods: ArrayLike = 1,
) -> Number:
    """Exact long-run cost per period of the integer policy ``(s, S)``, ``s < S``, under
    Poisson(``mean``) demand per period: ``c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S - j))
    / M(S - s)`` (Zheng & Federgruen 1991; Snyder & Shen, *Fundamentals of Supply Chain
    Theory*, 2nd ed., Ch. 4). Vectorised over SKUs by a loop."""
    args = _check_ss(mean, holding, shortage, order_fixed, protection_periods)
    lo, hi = np.floor(_check_finite("s", s)), np.floor(_check_finite("S", S))
    if np.any(hi <= lo):
        raise ValueError(f"S(={_first(hi, hi <= lo)!r}) must be > s(={_first(lo, hi <= lo)!r})")

    def one(s_: float, big_s: float, mu: float, h: float, p: float, k: float, n: float):
        return (_PoissonSS(mu, h, p, k, n).cost(int(s_), int(big_s)),)

    return _out(_per_sku(one, lo, hi, *args)[0])


def _zheng_federgruen_one(
    mean: float, holding: float, shortage: float, fixed: float, periods: float
) -> tuple[int, int, float]:
    model = _PoissonSS(mean, holding, shortage, fixed, periods)
    y_star = int(newsvendor_poisson(model.protection_mean, holding, shortage).level)
    big_s0 = y_star
    s = y_star - 1
    while model.cost(s, big_s0) > model.g(s):
        s -= 1
    c0 = model.cost(s, big_s0)
    big_s = big_s0 + 1
    while model.g(big_s) <= c0:
        if model.cost(s, big_s) < c0:
            big_s0 = big_s
            while model.cost(s, big_s0) <= model.g(s + 1):
                s += 1
            c0 = model.cost(s, big_s0)
        big_s += 1
    return s, big_s0, c0


def zheng_federgruen(
    mean: ArrayLike,
    holding: ArrayLike,
    shortage: ArrayLike,
    order_fixed: ArrayLike,
    protection_periods: ArrayLike = 1,
) -> SSSolution:
    """Exact optimal ``(s, S)`` for Poisson(``mean``) demand per period, backorders, and
    demand over the protection interval ``D_P ~ Poisson(mean * protection_periods)``.

    The algorithm of Zheng & Federgruen, "Finding optimal (s, S) policies is about as simple
    as evaluating a single policy", *Operations Research* 39(4), 1991: start both levels at
    the minimiser ``y*`` of ``G``; lower ``s`` until ``c(s, S) <= G(s)``; then raise ``S``
    while ``G(S) <= c*``, and each time ``c(s, S)`` improves, raise ``s`` while
    ``c(s, S) <= G(s + 1)``. Also in Snyder & Shen, 2nd ed., Ch. 4. Vectorised over SKUs
    by a loop; the cost includes ``K`` per order.
    """
    args = _check_ss(mean, holding, shortage, order_fixed, protection_periods)
    s, big_s, cost = _per_sku(_zheng_federgruen_one, *args)
    scalar = s.ndim == 0
    return SSSolution(
        s=int(s) if scalar else s.astype(np.int64),
        S=int(big_s) if scalar else big_s.astype(np.int64),
        cost=_out(cost),
    )


def ss_power_approximation(
    mean: ArrayLike,
    std: ArrayLike,
    holding: ArrayLike,
    shortage: ArrayLike,
    order_fixed: ArrayLike,
    protection_periods: ArrayLike,
    review_period: ArrayLike = 1,
    *,
    small_q_rule: bool = True,
) -> SSSolution:
    """Revised power approximation of Ehrhardt & Mosier, "A revision of the power
    approximation for computing (s, S) policies", *Management Science* 30(5), 1984.

    In units of one review interval (demand ``mu``, holding ``h`` per interval) and with
    ``mu_P``, ``sigma_P`` the mean and std of demand over the protection interval:
    ``Q = 1.30 mu^0.494 (K / h)^0.506 (1 + sigma_P^2 / mu^2)^0.116``,
    ``z = sqrt(Q h / (sigma_P p))``,
    ``s = 0.973 mu_P + sigma_P (0.183 / z + 1.063 - 2.192 z)``, ``S = s + Q``. When
    ``Q / mu <= 1.5`` and ``small_q_rule`` holds, both are capped at the newsvendor level
    ``S0 = mu_P + sigma_P Phi^-1(p / (p + h))`` (Porteus, "Stochastic inventory theory",
    *Handbooks in OR & MS* 2, 1990). Snyder & Shen, 2nd ed., Ch. 4 (Example 4.7) give the
    formulas without the cap. Vectorised over SKUs; ``s`` and ``S`` are continuous and
    ``cost`` is ``None``.
    """
    mu = _check("mean", mean)
    sigma = _check("std", std)
    h, p = _check("holding", holding), _check("shortage", shortage)
    k = _check("order_fixed", order_fixed)
    periods = _check("protection_periods", protection_periods)
    review = _check("review_period", review_period)
    mu_r, h_r = mu * review, h * review
    mu_p, sigma_p = mu * periods, sigma * np.sqrt(periods)
    q = 1.30 * mu_r**0.494 * (k / h_r) ** 0.506 * (1.0 + sigma_p**2 / mu_r**2) ** 0.116
    z = np.sqrt(q * h / (sigma_p * p))
    s = 0.973 * mu_p + sigma_p * (0.183 / z + 1.063 - 2.192 * z)
    big_s = s + q
    if small_q_rule:
        s0 = mu_p + sigma_p * norm.ppf(p / (p + h))
        small = q / mu_r <= 1.5
        s = np.where(small, np.minimum(s, s0), s)
        big_s = np.where(small, np.minimum(big_s, s0), big_s)
    return SSSolution(s=_out(s), S=_out(big_s), cost=None)
