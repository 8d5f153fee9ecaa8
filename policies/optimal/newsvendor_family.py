"""The newsvendor for any demand distribution, its profit form and the myopic policy.

One period of uncertain demand ``D``; stock ``S`` is set before demand is seen. Every unit
left over costs ``holding`` (h), every unit short costs ``shortage`` (p), and the expected
cost ``g(S) = h E(S - D)+ + p E(D - S)+`` is least at the critical fractile
``S* = F^-1(p / (p + h))`` (Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed.,
Sec. 4.3). :mod:`policies.optimal.newsvendor` solves the normal and Poisson cases in closed
form; this module handles

- any continuous distribution given as a frozen ``scipy.stats`` random variable
  (:class:`ContinuousDemand` wraps it; the expected excess ``E(S - D)+ = int_{-inf}^S F`` is
  integrated numerically, to about 1e-9 relative);
- any discrete distribution given as a table of support values and probabilities
  (:class:`DiscreteDemand`; exact sums), with helpers that build Poisson and discretised
  normal tables;
- the revenue/cost/salvage form: price ``r``, unit cost ``c``, salvage ``v``, shortage
  penalty ``b``; overage ``c - v`` and underage ``r - c + b`` give
  ``Q* = F^-1((r - c + b) / (r - v + b))`` and expected profit
  ``(r - c) E[D] - (c - v) E(Q - D)+ - (r - c + b) E(D - Q)+`` (Snyder & Shen, Sec. 4.3.1);
- the myopic policy of a multi-period problem with purchase cost ``c_t``, next period's
  cost ``c_{t+1}`` and discount ``gamma``: ``G_t(y) = (c_t - gamma c_{t+1}) y + g_t(y) +
  gamma c_{t+1} E[D]``, minimised at ``F^-1((p - c_t + gamma c_{t+1}) / (h + p))``
  (Snyder & Shen, 2nd ed., Sec. 4.3.4; Veinott, "Optimal policy for a multi-product,
  dynamic, nonstationary inventory problem", *Management Science* 12(3), 1965).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate, optimize
from scipy.stats import norm, poisson, rv_continuous

from policies.optimal.newsvendor import (
    NewsvendorSolution,
    Number,
    _check,
    _check_finite,
    _first,
    _out,
)

__all__ = [
    "Demand",
    "DiscreteDemand",
    "ContinuousDemand",
    "as_demand",
    "poisson_demand",
    "normal_demand",
    "expected_cost",
    "newsvendor",
    "NewsvendorProfitSolution",
    "expected_profit",
    "newsvendor_profit",
    "myopic_cost",
    "myopic_base_stock",
    "myopic_level_at_cost",
]


class Demand(Protocol):
    """What the optimisers need of a one-period demand distribution."""

    @property
    def mean(self) -> float: ...

    def quantile(self, ratio: float) -> float:
        """The smallest ``S`` with ``F(S) >= ratio``."""

    def excess(self, level: ArrayLike) -> np.ndarray:
        """``E(S - D)+`` for each level ``S``."""


@dataclass(frozen=True, slots=True)
class DiscreteDemand:
    """A demand table: strictly increasing finite ``values`` and their ``probs`` (each
    ``>= 0``, summing to 1 within 1e-9; renormalised to sum to 1 exactly)."""

    values: np.ndarray
    probs: np.ndarray

    def __post_init__(self) -> None:
        values = np.atleast_1d(_check_finite("values", self.values))
        probs = np.atleast_1d(_check("probs", self.probs, strict=False))
        if values.ndim != 1 or values.shape != probs.shape or values.size == 0:
            raise ValueError(
                f"values(shape={values.shape}) and probs(shape={probs.shape}) must be "
                "non-empty 1-d arrays of the same length"
            )
        if np.any(np.diff(values) <= 0):
            bad = np.concatenate([[False], np.diff(values) <= 0])
            raise ValueError(f"values(={_first(values, bad)!r}) must be strictly increasing")
        total = float(probs.sum())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"probs(sum={total!r}) must sum to 1")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "probs", probs / total)

    @property
    def mean(self) -> float:
        return float(self.values @ self.probs)

    def cdf(self, level: ArrayLike) -> np.ndarray:
        """``P(D <= level)``."""
        cum = np.concatenate([[0.0], np.cumsum(self.probs)])
        return cum[np.searchsorted(self.values, np.asarray(level, dtype=float), side="right")]

    def quantile(self, ratio: float) -> float:
        # A tolerance keeps a fractile that the cumulative sum hits to rounding on its step.
        cum = np.cumsum(self.probs)
        return float(self.values[min(int(np.searchsorted(cum, ratio - 1e-12)), cum.size - 1)])

    def excess(self, level: ArrayLike) -> np.ndarray:
        s = np.asarray(level, dtype=float)
        return np.maximum(s[..., None] - self.values, 0.0) @ self.probs


@dataclass(frozen=True, slots=True)
class ContinuousDemand:
    """A frozen continuous ``scipy.stats`` random variable, e.g. ``lognorm(0.3, 0, 400)``."""

    rv: Any
    _left: tuple[float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(getattr(self.rv, "dist", None), rv_continuous):
            raise ValueError(f"rv(={self.rv!r}) must be a frozen continuous scipy.stats variable")
        if not np.isfinite(self.rv.mean()):
            raise ValueError(f"rv(mean={self.rv.mean()!r}) must have a finite mean")
        # The lower end of the support, the median and int_lo^median F, integrated once.
        lo, mid = float(self.rv.support()[0]), float(self.rv.median())
        left = integrate.quad(self.rv.cdf, lo, mid, epsabs=1e-12, epsrel=1e-11)[0]
        object.__setattr__(self, "_left", (lo, mid, left))

    @property
    def mean(self) -> float:
        return float(self.rv.mean())

    def quantile(self, ratio: float) -> float:
        return float(self.rv.ppf(ratio))

    def excess(self, level: ArrayLike) -> np.ndarray:
        """``E(S - D)+ = int_{lo}^{S} F(x) dx`` by adaptive quadrature, split at the median
        so that the integrand's bend is seen."""
        lo, mid, left = self._left

        def one(s: float) -> float:
            if s <= lo:
                return 0.0
            start, base = (lo, 0.0) if s <= mid else (mid, left)
            return base + integrate.quad(self.rv.cdf, start, s, epsabs=1e-12, epsrel=1e-11)[0]

        s = np.asarray(level, dtype=float)
        return np.vectorize(one, otypes=[float])(s)


def as_demand(demand: Any) -> DiscreteDemand | ContinuousDemand:
    """``demand`` as a :class:`Demand`: a table or wrapper passes through, a frozen continuous
    ``scipy.stats`` variable is wrapped in :class:`ContinuousDemand`."""
    if isinstance(demand, DiscreteDemand | ContinuousDemand):
        return demand
    return ContinuousDemand(demand)


def poisson_demand(mean: float, tail: float = 1e-12) -> DiscreteDemand:
    """Poisson(``mean``) on ``0..n``, ``n`` the smallest value with ``P(D > n) <= tail``; the
    tail mass is folded onto ``n`` so the table sums to 1 (the mean is low by at most about
    ``tail * (mean + 1)``)."""
    mu = float(_check("mean", mean, strict=False))
    tail = float(_check("tail", tail))
    n = int(poisson.isf(tail, mu)) if mu > 0 else 0
    values = np.arange(n + 1)
    probs = poisson.pmf(values, mu)
    probs[-1] = poisson.sf(n - 1, mu) if n > 0 else 1.0
    return DiscreteDemand(values, probs)


def normal_demand(mean: float, std: float, tail: float = 1e-12) -> DiscreteDemand:
    """Normal(``mean``, ``std``^2) rounded to integers: ``P(D = d) = Phi(d + 1/2) -
    Phi(d - 1/2)``, with all mass below 1/2 on 0 (demand is not negative) and all mass above
    ``n - 1/2`` on ``n = ceil(mean + z std)``, ``z = Phi^-1(1 - tail)``. ``std == 0`` is a
    point mass at ``round(mean)``."""
    mu = float(_check("mean", mean, strict=False))
    sigma = float(_check("std", std, strict=False))
    tail = float(_check("tail", tail))
    if sigma == 0:
        return DiscreteDemand(np.array([float(round(mu))]), np.array([1.0]))
    n = max(int(np.ceil(mu + norm.isf(tail) * sigma)), 1)
    values = np.arange(n + 1)
    edges = norm.cdf(np.arange(n + 2) - 0.5, mu, sigma)
    edges[0], edges[-1] = 0.0, 1.0
    return DiscreteDemand(values, np.diff(edges))


def _costs(h: float, p: float) -> tuple[float, float]:
    return float(_check("holding", h)), float(_check("shortage", p))


def _g(demand: Demand, level: ArrayLike, h: float, p: float) -> np.ndarray:
    """``h E(S - D)+ + p E(D - S)+`` using ``E(D - S)+ = E(S - D)+ - (S - E[D])``."""
    s = np.asarray(level, dtype=float)
    over = demand.excess(s)
    return h * over + p * (over - (s - demand.mean))


def expected_cost(level: ArrayLike, demand: Any, holding: float, shortage: float) -> Number:
    """Newsvendor cost ``h E(S - D)+ + p E(D - S)+`` of each level for a
    :class:`DiscreteDemand` (exact) or a frozen continuous ``scipy.stats`` variable
    (quadrature) (Snyder & Shen, 2nd ed., Sec. 4.3)."""
    h, p = _costs(holding, shortage)
    return _out(_g(as_demand(demand), _check_finite("level", level), h, p))


def newsvendor(demand: Any, holding: float, shortage: float) -> NewsvendorSolution:
    """Optimal level ``S* = F^-1(p / (p + h))`` and its cost for any demand (Snyder & Shen,
    2nd ed., Sec. 4.3). For a table the level is the smallest support value reaching the
    fractile; the cost is piecewise linear between support values, so no real level is
    cheaper."""
    h, p = _costs(holding, shortage)
    dist = as_demand(demand)
    level = dist.quantile(p / (p + h))
    return NewsvendorSolution(level=level, cost=float(_g(dist, level, h, p)))


@dataclass(frozen=True, slots=True)
class NewsvendorProfitSolution:
    """Optimal order quantity, its expected profit and the critical ratio it meets."""

    quantity: float
    profit: float
    critical_ratio: float


def _profit_args(price: float, cost: float, salvage: float, penalty: float) -> tuple[float, ...]:
    r = float(_check("price", price))
    c = float(_check("cost", cost, strict=False))
    v = float(_check_finite("salvage", salvage))
    b = float(_check("shortage_penalty", penalty, strict=False))
    if not v < c:
        raise ValueError(f"salvage(={v!r}) must be < cost(={c!r})")
    if not c < r + b:
        raise ValueError(f"cost(={c!r}) must be < price + shortage_penalty(={r + b!r})")
    return r, c, v, b


def expected_profit(
    quantity: ArrayLike,
    demand: Any,
    price: float,
    cost: float,
    salvage: float = 0.0,
    shortage_penalty: float = 0.0,
) -> Number:
    """``r E min(Q, D) + v E(Q - D)+ - c Q - b E(D - Q)+``
    ``= (r - c) E[D] - (c - v) E(Q - D)+ - (r - c + b) E(D - Q)+`` (Snyder & Shen, 2nd ed.,
    Sec. 4.3.1)."""
    r, c, v, b = _profit_args(price, cost, salvage, shortage_penalty)
    dist = as_demand(demand)
    q = _check_finite("quantity", quantity)
    return _out((r - c) * dist.mean - _g(dist, q, c - v, r - c + b))


def newsvendor_profit(
    demand: Any,
    price: float,
    cost: float,
    salvage: float = 0.0,
    shortage_penalty: float = 0.0,
) -> NewsvendorProfitSolution:
    """Profit-maximising quantity ``Q* = F^-1((r - c + b) / (r - v + b))`` with price ``r``,
    unit cost ``c``, salvage ``v < c`` and shortage penalty ``b`` (Snyder & Shen, 2nd ed.,
    Sec. 4.3.1)."""
    r, c, v, b = _profit_args(price, cost, salvage, shortage_penalty)
    ratio = (r - c + b) / (r - v + b)
    q = as_demand(demand).quantile(ratio)
    profit = float(expected_profit(q, demand, r, c, v, b))
    return NewsvendorProfitSolution(quantity=q, profit=profit, critical_ratio=ratio)


def _myopic_args(h: float, p: float, c: float, c_next: float | None, gamma: float):
    h_ = float(_check_finite("holding", h))
    p_ = float(_check_finite("shortage", p))
    c_ = float(_check("purchase_cost", c, strict=False))
    c_n = c_ if c_next is None else float(_check("next_purchase_cost", c_next, strict=False))
    g = float(_check("discount", gamma))
    if g > 1:
        raise ValueError(f"discount(={g!r}) must be in (0, 1]")
    c_plus = c_ - g * c_n
    if not -h_ < c_plus < p_:
        raise ValueError(
            f"purchase_cost - discount * next_purchase_cost(={c_plus!r}) must lie strictly "
            f"between -holding(={-h_!r}) and shortage(={p_!r})"
        )
    return h_, p_, c_plus, g * c_n


def myopic_cost(
    level: ArrayLike,
    demand: Any,
    holding: float,
    shortage: float,
    purchase_cost: float,
    next_purchase_cost: float | None = None,
    discount: float = 1.0,
) -> Number:
    """Myopic cost ``G(y) = (c - gamma c') y + g(y) + gamma c' E[D]``, with ``c'`` the next
    period's purchase cost (default ``c``): the period's cost when the units consumed are
    bought back next period (Snyder & Shen, 2nd ed., Sec. 4.3.4; Veinott 1965). ``holding``
    may be negative (a salvage credit folded in) as long as ``-h < c - gamma c' < p``."""
    h, p, c_plus, gc = _myopic_args(holding, shortage, purchase_cost, next_purchase_cost, discount)
    dist = as_demand(demand)
    y = _check_finite("level", level)
    return _out(c_plus * y + _g(dist, y, h, p) + gc * dist.mean)


def myopic_base_stock(
    demand: Any,
    holding: float,
    shortage: float,
    purchase_cost: float,
    next_purchase_cost: float | None = None,
    discount: float = 1.0,
) -> NewsvendorSolution:
    """Minimiser of :func:`myopic_cost`: ``S = F^-1((p - c + gamma c') / (h + p))`` and
    ``G(S)`` (Snyder & Shen, 2nd ed., Sec. 4.3.4). With stationary demand and costs, no
    fixed cost, backorders and the terminal value ``-c x`` it is the optimal base-stock
    level of every period of the finite-horizon problem (Veinott 1965)."""
    h, p, c_plus, _ = _myopic_args(holding, shortage, purchase_cost, next_purchase_cost, discount)
    dist = as_demand(demand)
    level = dist.quantile((p - c_plus) / (h + p))
    cost = myopic_cost(level, dist, holding, shortage, purchase_cost, next_purchase_cost, discount)
    return NewsvendorSolution(level=level, cost=float(cost))


def myopic_level_at_cost(
    target: float,
    demand: Any,
    holding: float,
    shortage: float,
    purchase_cost: float,
    next_purchase_cost: float | None = None,
    discount: float = 1.0,
    *,
    left: bool,
) -> float:
    """The level ``y`` left (``left``) or right of the myopic optimum with ``G(y) = target``
    (``G`` is convex, so there is one on each side when ``target >= min G``); found by
    bracketing and Brent's method. Used for the (s, S) bounds of Veinott (1966)."""
    args = (holding, shortage, purchase_cost, next_purchase_cost, discount)
    best = myopic_base_stock(demand, *args)
    best_cost, best_level = float(best.cost), float(best.level)
    target = float(_check_finite("target", target))
    if target < best_cost - 1e-9 * max(1.0, abs(best_cost)):
        raise ValueError(f"target(={target!r}) must be >= the least myopic cost(={best.cost!r})")
    if target <= best_cost:
        return best_level
    dist = as_demand(demand)

    def gap(y: float) -> float:
        return float(myopic_cost(y, dist, *args)) - target

    step = max(1.0, abs(dist.mean), 1e-3 * abs(best_level))
    sign = -1.0 if left else 1.0
    far = best_level + sign * step
    while gap(far) < 0:
        step *= 2
        far = best_level + sign * step
    a, b = sorted((best_level, far))
    return float(optimize.brentq(gap, a, b, xtol=1e-12, rtol=1e-14))
