"""Finite-horizon dynamic programme of one stocking point, and its myopic policy and bounds.

Periods ``t = 1..T``. At the start of period ``t`` the inventory level is ``x`` (on hand
minus backorders; orders arrive at once, so it is also the inventory position). An order
raises it to ``y >= x`` at cost ``K_t 1{y > x} + c_t (y - x)``; then demand ``D_t`` (an
integer table, non-stationary allowed) is met, costing ``h_t E(y - D_t)+ + p_t E(D_t - y)+``.
Unmet demand is backordered (next level ``y - D_t``) or lost at penalty ``p_t`` (next level
``(y - D_t)+``). Future cost is discounted by ``gamma``; what is left after period ``T`` costs
``theta_{T+1}(x) = h' x+ + p' x-`` (``h' < 0`` is a salvage value, ``h' = -c, p' = c`` the
classical "buy back at cost" terminal value). The recursion (Snyder & Shen, *Fundamentals of
Supply Chain Theory*, 2nd ed., Sec. 4.3.3 and 4.4.3, eq. (4.66); Scarf 1960) is

    J_t(y)     = c_t y + L_t(y) + gamma E theta_{t+1}(next(y, D_t)),
    theta_t(x) = -c_t x + min( J_t(x), K_t + min_{y >= x} J_t(y) ).

With ``K = 0`` the optimal policy is a base-stock level ``S_t`` per period; with ``K > 0`` it
is ``(s_t, S_t)`` (Scarf, "The optimality of (S, s) policies in the dynamic inventory
problem", 1960). Ties are broken towards not ordering, and towards the lowest ``y``.

The integer grid and its accuracy
---------------------------------
Levels are the integers ``lo..hi``; no value off the grid is approximated.

- ``hi = sum_t max D_t`` (the largest support values): above it a unit is never consumed,
  so buying it only adds holding and terminal cost. This is exact when such a unit costs
  ``c_t + sum_{u >= t} gamma^{u-t} h_u + gamma^{T-t+1} h' >= 0``, which is checked.
- Backorders: below ``lo`` the cost-to-go is extended linearly, ``theta_t(x) = theta_t(lo) +
  c_t (lo - x)`` (``p'`` for the terminal cost). That is exact whenever the policy orders at
  ``lo`` in every period (then every ``x <= lo`` orders up to the same ``S_t``; for
  ``theta_{T+1}`` it needs ``lo <= 0``). ``lo`` starts at ``-max D_t`` and is doubled until
  that holds, so the result is exact for the given tables.
- Lost sales: levels never fall below 0, so ``lo = 0``.

The only approximation is therefore in the demand tables themselves: :func:`normal_demand`
and :func:`poisson_demand` cut the tail at probability ``tail`` (1e-12 by default) and fold
it onto the last point.

Over long horizons ``sum_t max D_t`` makes the grid, and the work, grow with ``T^2``.
``grid="adaptive"`` starts the top of the grid at four times the largest demand value (of
``cost_demand`` where given) and doubles it until every period's ``J_t`` *certifies* the
top: some level ``b`` above the grid's minimiser ``a`` has ``J_t(b) >= J_t(a) + K_t``.
``J_t`` is ``K_t``-convex (below), so then ``K_t + J_t(c) >= J_t(b) + (c - b)/(b - a)
(J_t(b) - J_t(a)) >= J_t(a) + K_t`` for every ``c > b``: no level above the grid is
better, every start level orders up to the same ``S_t`` as on the full grid or does not
order (Scarf), and the result is exact. The certificate needs ``K_t >= gamma K_{t+1}`` and,
under backorders, ``h' + p' >= 0``; under lost sales ``p_t >= gamma c_{t+1}`` and ``h_T +
gamma h' + p_T >= 0``: writing ``(y - d)+ = y - d + (d - y)+`` splits ``J_t`` into a convex
part and ``gamma E W(y - D_t)`` with ``W(x) = V_{t+1}(x+)``, ``V_{t+1} = theta_{t+1} +
c_{t+1} x`` ``K``-convex on ``x >= 0`` (Scarf's lemma) with ``V(0) <= K + min V``, which
keeps ``W`` ``K``-convex. Where these conditions fail the full grid is used.

Deterministic lead time (``cost_demand``)
-----------------------------------------
Under backorders with a deterministic lead time of ``L`` periods, the order placed in period
``t`` is the last one to arrive by period ``t + L``: every earlier order has arrived by then
and no later one has. So the net inventory at the end of period ``t + L`` is the inventory
position after ordering (on hand + on order - backorders), ``y``, less the demand of the
``L`` periods ``t + 1 .. t + L``, and the recursion above holds for the position, exactly:
ordering raises it to ``y``, the holding and shortage cost of that decision is charged on
``y`` less the lead-time demand, and the position moves on by one period's demand
(Karlin & Scarf, "Inventory models of the Arrow-Harris-Marschak type with time lag", ch. 10
of Arrow, Karlin & Scarf (eds.), *Studies in the Mathematical Theory of Inventory and
Production*, 1958). ``cost_demand`` gives that lead-time demand per period while ``demand``
moves the state. Under lost sales the position is no sufficient state: refused.

Myopic policy and bounds
------------------------
``G_t(y) = (c_t - gamma c_{t+1}) y + g_t(y) + gamma c_{t+1} E D_t`` with ``c_{T+1} = 0`` and
the terminal costs folded into the last period (``h_T + gamma h'``, ``p_T + gamma p'``). Its
minimiser is the myopic base-stock level, optimal in every period for stationary demand with
``K = 0`` under backorders when the terminal value is ``-c x`` (Veinott 1965; Snyder & Shen
Sec. 4.3.4). With ``K > 0`` it gives the bounds of Veinott, "On the optimality of (s, S)
inventory policies", *SIAM J. Appl. Math.* 14(5), 1966 (Zipkin, *Foundations of Inventory
Management*, 2000, Sec. 9.5): ``S_lower = argmin G_t``; ``S_upper > S_lower`` with
``G_t = min G_t + gamma K_{t+1}``; ``s_lower, s_upper <= S_lower`` with
``G_t = min G_t + K_t`` and ``min G_t + K_t - gamma K_{t+1}`` (``nan`` where that is
negative).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import nbinom, norm, poisson

from policies.optimal.newsvendor import _check, _check_finite, _first
from policies.optimal.newsvendor_family import (
    DiscreteDemand,
    as_demand,
    myopic_base_stock,
    myopic_level_at_cost,
    normal_demand,
    poisson_demand,
)

__all__ = [
    "FiniteHorizonSolution",
    "finite_horizon_dp",
    "MyopicBounds",
    "myopic_levels",
    "myopic_bounds",
    "normal_demand",
    "poisson_demand",
    "period_pmfs",
    "DEMAND_FAMILIES",
]


@dataclass(frozen=True, slots=True)
class FiniteHorizonSolution:
    """Optimal policy and cost-to-go over the integer grid ``levels`` (shape ``(n,)``).

    ``cost_to_go[t, i]`` is the least expected discounted cost of periods ``t + 1..T``
    starting period ``t + 1`` at level ``levels[i]``; row ``T`` is the terminal cost.
    ``order_up_to[t, i]`` is the optimal level after ordering in period ``t + 1`` (equal
    to ``levels[i]`` when not ordering). ``reorder_points[t]`` (``s``) is the largest level
    at which period ``t + 1`` orders (``levels[0] - 1`` if none) and
    ``order_up_to_levels[t]`` (``S``) the level ordered up to from the bottom of the grid;
    with ``K = 0``, ``s = S - 1``. Under backorders row ``t`` of ``cost_to_go`` continues
    below the grid with slope ``-slopes_below[t]`` (``c_t``, and ``p'`` for row ``T``)."""

    levels: np.ndarray
    cost_to_go: np.ndarray
    order_up_to: np.ndarray
    reorder_points: np.ndarray
    order_up_to_levels: np.ndarray
    slopes_below: np.ndarray
    lost_sales: bool

    def expected_cost(self, level: int, period: int = 1) -> float:
        """``theta_period(level)``, linearly extended below the grid under backorders."""
        lo, hi = int(self.levels[0]), int(self.levels[-1])
        periods = self.cost_to_go.shape[0] - 1
        if not 1 <= period <= periods + 1:
            raise ValueError(f"period(={period!r}) must be in 1..{periods + 1}")
        if level > hi or (self.lost_sales and level < 0):
            raise ValueError(f"level(={level!r}) must be in the grid {lo}..{hi}")
        row = self.cost_to_go[period - 1]
        if level >= lo:
            return float(row[level - lo])
        return float(row[0] + self.slopes_below[period - 1] * (lo - level))


def _per_period(
    name: str, value: ArrayLike, periods: int, *, low: float = 0.0, strict: bool = False
) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(periods, float(arr))
    if arr.shape != (periods,):
        raise ValueError(f"{name}(shape={arr.shape}) must be a scalar or have {periods} periods")
    return _check(name, arr, low=low, strict=strict)


def _demands(demand: Sequence[DiscreteDemand], name: str = "demand") -> list[DiscreteDemand]:
    tables: list[DiscreteDemand] = [demand] if isinstance(demand, DiscreteDemand) else list(demand)
    if not tables:
        raise ValueError(f"{name}(=[]) must give at least one period")
    for t, table in enumerate(tables, start=1):
        if not isinstance(table, DiscreteDemand):
            raise ValueError(f"{name}[{t}](={table!r}) must be a DiscreteDemand table")
        v = table.values
        if np.any(v < 0) or np.any(v != np.round(v)):
            bad = (v < 0) | (v != np.round(v))
            raise ValueError(f"{name}[{t}].values(={_first(v, bad)!r}) must be integers >= 0")
    return tables


def _pmfs(demand: Any, name: str = "demand") -> tuple[np.ndarray, np.ndarray]:
    """The demand of every period as a probability matrix (row ``t``: ``P(D_t = d)``, ``d =
    0, 1, ...``, zero-padded) and each row's largest value with positive probability, from
    :class:`DiscreteDemand` tables or from a 2-D array (rows summing to 1 within 1e-9 are
    renormalised)."""
    if not (isinstance(demand, np.ndarray) and demand.ndim == 2):
        tables = _demands(demand, name)
        rows = np.zeros((len(tables), max(int(t.values[-1]) for t in tables) + 1))
        for t, table in enumerate(tables):
            rows[t, table.values.astype(np.int64)] = table.probs
    else:
        rows = _check(name, demand, strict=False)
        if rows.size == 0:
            raise ValueError(f"{name}(shape={rows.shape}) must give at least one period")
        sums = rows.sum(axis=1)
        bad = np.abs(sums - 1.0) > 1e-9
        if np.any(bad):
            t = int(np.argmax(bad))
            raise ValueError(f"{name}[{t + 1}](sum={sums[t]!r}) must sum to 1")
        rows = rows / sums[:, None]
    tops = rows.shape[1] - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
    return rows, tops


def _excess(levels: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``E(y - D_t)+`` and ``E(D_t - y)+`` for every period (row) and level, ``(periods,
    levels)`` each, from cumulative sums: the first is exactly 0 below 0, the second
    exactly 0 from the largest value on."""
    d = np.arange(rows.shape[1], dtype=float)
    zero = np.zeros((rows.shape[0], 1))
    below = np.hstack([zero, np.cumsum(rows, axis=1)])  # P(D < k), k = 0 .. width
    below_d = np.hstack([zero, np.cumsum(rows * d, axis=1)])
    above = np.hstack([np.cumsum(rows[:, ::-1], axis=1)[:, ::-1], zero])  # P(D >= k)
    above_d = np.hstack([np.cumsum((rows * d)[:, ::-1], axis=1)[:, ::-1], zero])
    k = np.clip(levels + 1, 0, rows.shape[1])  # D <= y  <=>  D < y + 1
    y = levels.astype(float)
    return y * below[:, k] - below_d[:, k], above_d[:, k] - y * above[:, k]


def _stage(
    future: np.ndarray,
    slope: float,
    levels: np.ndarray,
    pmf: np.ndarray,
    immediate: np.ndarray,
    c: float,
    k: float,
    gamma: float,
    lost_sales: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One backward step: ``theta_t``, the optimal ``y`` on the grid and ``J_t``, from
    ``theta_{t+1}`` (``future``, extended below the grid with ``slope``), the period's
    demand ``pmf`` and its ``immediate`` cost ``c_t y + h_t E(y - D)+ + p_t E(D - y)+``.

    ``E theta_{t+1}(next(y, D))`` is one convolution of the extended ``theta_{t+1}`` with
    the demand's probability vector (under lost sales every level below 0 is 0)."""
    top = pmf.size - 1
    ext = np.empty(future.size + top)
    ext[top:] = future
    # levels lo - top .. lo - 1: the linear extension (backorders) or the value at 0
    ext[:top] = future[0] + (0.0 if lost_sales else slope) * np.arange(top, 0, -1)
    j = immediate + gamma * np.convolve(ext, pmf, mode="valid")
    # suffix minimum of J and, for each x, the lowest y >= x attaining it: the first
    # "record from the right" at or after x.
    suffix = np.minimum.accumulate(j[::-1])[::-1]
    records = np.flatnonzero(j <= suffix)
    index = np.arange(levels.size)
    best = records[np.searchsorted(records, index)]
    tol = 1e-12 * np.maximum(1.0, np.abs(j))
    order = (k + suffix < j - tol) & (best > index)
    theta = -c * levels + np.where(order, k + suffix, j)
    return theta, np.where(order, levels[best], levels), j


def _certifies_top(j: np.ndarray, k: float) -> bool:
    """Whether a level above the lowest minimiser ``a`` of ``J_t`` has ``J_t >= J_t(a) +
    K_t`` (see "the integer grid" in the module docstring)."""
    a = int(np.argmin(j))
    return a + 1 < j.size and bool(np.max(j[a + 1 :]) - j[a] >= k)


def finite_horizon_dp(
    demand: Sequence[DiscreteDemand] | np.ndarray,
    holding: ArrayLike,
    shortage: ArrayLike,
    purchase_cost: ArrayLike = 0.0,
    fixed_cost: ArrayLike = 0.0,
    discount: float = 1.0,
    terminal_holding: float = 0.0,
    terminal_shortage: float = 0.0,
    *,
    lost_sales: bool = False,
    levels: tuple[int, int] | None = None,
    cost_demand: Sequence[DiscreteDemand] | np.ndarray | None = None,
    grid: str = "full",
) -> FiniteHorizonSolution:
    """Solve the finite-horizon problem by backward recursion (Snyder & Shen, 2nd ed.,
    Algorithm 4.1, eq. (4.66); Scarf 1960); see the module docstring for the model and the
    grid. ``demand`` holds one :class:`DiscreteDemand` per period (integer support), or is
    a 2-D array whose row ``t`` is the probability vector of period ``t``'s demand on
    ``0, 1, 2, ...`` (:func:`period_pmfs`). ``holding``, ``shortage``, ``purchase_cost``
    and ``fixed_cost`` are scalars or one value per period. ``levels=(lo, hi)`` widens the
    grid to include those start levels. ``cost_demand`` (one table or row per period,
    backorders only) is the demand the period's holding and shortage cost is charged on:
    the demand over a deterministic lead time, for the recursion on the inventory position
    (module docstring). ``grid`` is ``"full"`` or ``"adaptive"`` (a top certified by
    ``K``-convexity: exact, and much faster over long horizons)."""
    rows, tops = _pmfs(demand)
    periods = rows.shape[0]
    if grid not in ("full", "adaptive"):
        raise ValueError(f"grid(={grid!r}) must be 'full' or 'adaptive'")
    charged, charged_tops = rows, tops
    if cost_demand is not None:
        charged, charged_tops = _pmfs(cost_demand, "cost_demand")
        if charged.shape[0] != periods:
            raise ValueError(
                f"cost_demand(={charged.shape[0]} periods) must give one table per period "
                f"of demand(={periods})"
            )
        if lost_sales:
            raise ValueError(
                "cost_demand(=lead-time demand) needs backorders: under lost sales the "
                "inventory position is no sufficient state"
            )
    h = _per_period("holding", holding, periods)
    p = _per_period("shortage", shortage, periods)
    c = _per_period("purchase_cost", purchase_cost, periods)
    k = _per_period("fixed_cost", fixed_cost, periods)
    gamma = float(_check("discount", discount))
    if gamma > 1:
        raise ValueError(f"discount(={gamma!r}) must be in (0, 1]")
    h_end = float(_check_finite("terminal_holding", terminal_holding))
    p_end = float(_check("terminal_shortage", terminal_shortage, strict=False))
    kept = h_end  # sum_{u >= t} gamma^(u-t) h_u + gamma^(T-t+1) h', from the end
    for t in range(periods - 1, -1, -1):
        kept = h[t] + gamma * kept
        waste = c[t] + kept
        if waste < 0:
            raise ValueError(
                f"terminal_holding(={h_end!r}) makes buying a unit in period {t + 1} only to "
                f"salvage it profitable (net cost {waste!r} < 0)"
            )
    if not lost_sales:
        c_next = np.append(c[1:], p_end)
        bad = p <= c - gamma * c_next
        if np.any(bad):
            t = int(np.argmax(bad))
            raise ValueError(
                f"shortage(={p[t]!r}) in period {t + 1} must exceed purchase_cost - discount * "
                f"next period's cost(={c[t] - gamma * c_next[t]!r}) under backorders"
            )
    lo_want, hi_want = (0, 0) if levels is None else (int(levels[0]), int(levels[1]))
    if lost_sales and lo_want < 0:
        raise ValueError(f"levels(={levels!r}) must be >= 0 under lost sales")
    # above hi_full no unit is ever consumed, nor charged on (module docstring)
    top_charged = int(charged_tops.max())
    hi_full = int(tops.sum()) + (top_charged if cost_demand is not None else 0)
    hi_full = max(hi_full, hi_want, 1)
    hi = hi_full
    if grid == "adaptive" and _certifiable(k, gamma, h, p, c, h_end, p_end, lost_sales):
        hi = min(hi_full, max(4 * top_charged, hi_want, 1))
    lo = 0 if lost_sales else min(lo_want, -int(tops.max()), -1)
    slopes = np.append(c, p_end)
    while True:
        levels_grid = np.arange(lo, hi + 1)
        cost = np.empty((periods + 1, levels_grid.size))
        decision = np.empty((periods, levels_grid.size), dtype=np.int64)
        cost[periods] = h_end * np.maximum(levels_grid, 0) + p_end * np.maximum(-levels_grid, 0)
        over, under = _excess(levels_grid, charged)
        immediate = c[:, None] * levels_grid + h[:, None] * over + p[:, None] * under
        certified = True
        for t in range(periods - 1, -1, -1):
            cost[t], decision[t], j = _stage(
                cost[t + 1],
                slopes[t + 1],
                levels_grid,
                rows[t, : tops[t] + 1],
                immediate[t],
                c[t],
                k[t],
                gamma,
                lost_sales,
            )
            if hi < hi_full and not _certifies_top(j, k[t]):
                certified = False
                break
        if not certified:
            hi = min(2 * hi, hi_full)
            continue
        # The linear extension below lo is exact only if every period orders at lo.
        if lost_sales or np.all(decision[:, 0] > lo):
            break
        lo = 2 * lo
    ordered = decision > levels_grid
    last = levels_grid.size - 1 - np.argmax(ordered[:, ::-1], axis=1)  # highest level ordering
    reorder = np.where(ordered.any(axis=1), levels_grid[last], lo - 1)
    solution = FiniteHorizonSolution(
        levels=levels_grid,
        cost_to_go=cost,
        order_up_to=decision,
        reorder_points=reorder,
        order_up_to_levels=decision[:, 0].copy(),
        slopes_below=slopes,
        lost_sales=lost_sales,
    )
    return solution


def _certifiable(
    k: np.ndarray,
    gamma: float,
    h: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    h_end: float,
    p_end: float,
    lost_sales: bool,
) -> bool:
    """Whether every ``J_t`` is ``K_t``-convex, so an adaptive grid top can be certified
    (module docstring)."""
    if np.any(k[:-1] < gamma * k[1:]):
        return False
    if lost_sales:
        return bool(np.all(p[:-1] >= gamma * c[1:]) and h[-1] + gamma * h_end + p[-1] >= 0)
    return h_end + p_end >= 0


def period_pmfs(
    family: str, mean: ArrayLike, std: ArrayLike | None = None, tail: float = 1e-12
) -> np.ndarray:
    """Demand of every period as a probability matrix, row ``t`` over ``0, 1, 2, ...``
    (zero-padded), built for all periods at once from the periods' means (and stds):
    ``poisson``: the table of :func:`poisson_demand` of each mean; ``normal``: that of
    :func:`normal_demand` of each mean and std (the normal rounded to integers);
    ``negative_binomial``: NB with the period's mean and variance ``std**2`` (``r = mean /
    (v - 1)``, ``p = 1 / v``, ``v = std**2 / mean``; Poisson where ``v <= 1``) on ``0..n``
    with the tail beyond ``P(D > n) <= tail`` folded onto ``n`` as :func:`poisson_demand`
    does. The rows are the one-period helpers' tables before their renormalisation."""
    mu = _check("mean", np.atleast_1d(np.asarray(mean, dtype=float)), strict=False)
    rows = _PERIOD_ROWS.get(family)
    if rows is None:
        raise ValueError(f"family(={family!r}) must be one of {', '.join(DEMAND_FAMILIES)}")
    return rows(mu, std, float(_check("tail", tail)))


def _period_std(std: ArrayLike | None, mu: np.ndarray) -> np.ndarray:
    """The periods' demand stds, one per mean (a scalar is every period's)."""
    return _check("std", np.broadcast_to(np.asarray(std, dtype=float), mu.shape), strict=False)


def _poisson_rows(mu: np.ndarray, std: ArrayLike | None, tail: float) -> np.ndarray:
    """Poisson rows of the means (a Poisson's std is its mean's root: ``std`` is unused)."""
    return _count_rows(mu, tail, poisson, (mu,))


def _negative_binomial_rows(mu: np.ndarray, std: ArrayLike | None, tail: float) -> np.ndarray:
    """NB rows with the periods' means and variances; Poisson rows where the variance does
    not exceed the mean (no NB has it)."""
    sigma = _period_std(std, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mu > 0, sigma**2 / np.where(mu > 0, mu, 1.0), 1.0)
    nb = ratio > 1.0
    plain = _count_rows(mu[~nb], tail, poisson, (mu[~nb],))
    mixed = _count_rows(mu[nb], tail, nbinom, (mu[nb] / (ratio[nb] - 1.0), 1.0 / ratio[nb]))
    out = np.zeros((mu.size, max(plain.shape[1], mixed.shape[1])))
    out[~nb, : plain.shape[1]] = plain
    out[nb, : mixed.shape[1]] = mixed
    return out


def _normal_rows(mu: np.ndarray, std: ArrayLike | None, tail: float) -> np.ndarray:
    """Rows of the normal rounded to integers, on ``0..n`` with the tail folded onto ``n``;
    a point mass where the std is 0."""
    sigma = _period_std(std, mu)
    n = np.maximum(np.ceil(mu + norm.isf(tail) * sigma), 1).astype(np.int64)
    n[sigma == 0] = np.round(mu[sigma == 0]).astype(np.int64)  # a point mass
    out = np.zeros((mu.size, int(n.max()) + 1 if n.size else 1))
    point = np.flatnonzero(sigma == 0)
    out[point, n[point]] = 1.0
    rows = np.flatnonzero(sigma > 0)
    if rows.size:
        x = np.arange(int(n[rows].max()) + 2) - 0.5
        edges = norm.cdf(x[None, :], mu[rows, None], sigma[rows, None])
        edges[:, 0] = 0.0
        edges[np.arange(rows.size), n[rows] + 1] = 1.0
        past = np.arange(x.size)[None, :] > (n[rows] + 1)[:, None]
        edges[past] = 1.0
        out[rows, : x.size - 1] = np.diff(edges, axis=1)
    return out


#: The row builder of each demand family :func:`period_pmfs` knows: ``(mu, std, tail)``.
_PERIOD_ROWS: dict[str, Callable[[np.ndarray, ArrayLike | None, float], np.ndarray]] = {
    "poisson": _poisson_rows,
    "negative_binomial": _negative_binomial_rows,
    "normal": _normal_rows,
}
#: Demand families :func:`period_pmfs` builds per-period tables for.
DEMAND_FAMILIES = tuple(_PERIOD_ROWS)


def _count_rows(mu: np.ndarray, tail: float, dist: Any, args: tuple) -> np.ndarray:
    """Rows of a scipy count distribution on ``0..n_t``, the tail folded onto ``n_t``."""
    if mu.size == 0:
        return np.zeros((0, 1))
    pos = mu > 0
    n = np.zeros(mu.size, dtype=np.int64)
    if pos.any():
        n[pos] = dist.isf(tail, *(a[pos] for a in args)).astype(np.int64)
    x = np.arange(int(n.max()) + 1)
    out = dist.pmf(x[None, :], *(a[:, None] for a in args))
    out[x[None, :] > n[:, None]] = 0.0
    last = np.ones(mu.size)
    some = n > 0
    if some.any():
        last[some] = dist.sf(n[some] - 1, *(a[some] for a in args))
    out[np.arange(mu.size), n] = last
    return out


@dataclass(frozen=True, slots=True)
class MyopicBounds:
    """Per-period myopic bounds (Veinott 1966): ``S_lower <= S_t <= S_upper`` and
    ``s_lower <= s_t <= s_upper``; ``S_lower`` is the myopic base-stock level."""

    S_lower: np.ndarray
    S_upper: np.ndarray
    s_lower: np.ndarray
    s_upper: np.ndarray


def _myopic_args(
    demand: Sequence[Any],
    holding,
    shortage,
    purchase_cost,
    discount,
    terminal_holding,
    terminal_shortage,
):
    tables = [as_demand(d) for d in (demand if isinstance(demand, Sequence) else [demand])]
    if not tables:
        raise ValueError("demand(=[]) must give at least one period")
    periods = len(tables)
    h = _per_period("holding", holding, periods)
    p = _per_period("shortage", shortage, periods)
    c = _per_period("purchase_cost", purchase_cost, periods)
    gamma = float(_check("discount", discount))
    if gamma > 1:
        raise ValueError(f"discount(={gamma!r}) must be in (0, 1]")
    h_end = float(_check_finite("terminal_holding", terminal_holding))
    p_end = float(_check("terminal_shortage", terminal_shortage, strict=False))
    # Period T folds the (discounted) terminal cost into its own and buys nothing back.
    h, p = h.copy(), p.copy()
    h[-1] += gamma * h_end
    p[-1] += gamma * p_end
    return tables, h, p, c, np.append(c[1:], 0.0), gamma


def myopic_levels(
    demand: Sequence[Any],
    holding: ArrayLike,
    shortage: ArrayLike,
    purchase_cost: ArrayLike = 0.0,
    discount: float = 1.0,
    terminal_holding: float = 0.0,
    terminal_shortage: float = 0.0,
) -> np.ndarray:
    """Myopic base-stock level of each period, the minimiser of ``G_t`` (Snyder & Shen,
    2nd ed., Sec. 4.3.4). ``demand``: one :class:`DiscreteDemand` or frozen continuous
    ``scipy.stats`` variable per period."""
    tables, h, p, c, c_next, gamma = _myopic_args(
        demand, holding, shortage, purchase_cost, discount, terminal_holding, terminal_shortage
    )
    return np.array(
        [
            myopic_base_stock(d, h[t], p[t], c[t], c_next[t], gamma).level
            for t, d in enumerate(tables)
        ]
    )


def myopic_bounds(
    demand: Sequence[Any],
    holding: ArrayLike,
    shortage: ArrayLike,
    purchase_cost: ArrayLike = 0.0,
    fixed_cost: ArrayLike = 0.0,
    discount: float = 1.0,
    terminal_holding: float = 0.0,
    terminal_shortage: float = 0.0,
) -> MyopicBounds:
    """Veinott's (1966) bounds on ``s_t`` and ``S_t`` from the myopic cost ``G_t`` (see the
    module docstring; Zipkin 2000, Sec. 9.5). ``K_{T+1} = 0``."""
    tables, h, p, c, c_next, gamma = _myopic_args(
        demand, holding, shortage, purchase_cost, discount, terminal_holding, terminal_shortage
    )
    k = np.append(_per_period("fixed_cost", fixed_cost, len(tables)), 0.0)
    out = np.full((4, len(tables)), np.nan)
    for t, d in enumerate(tables):
        args = (d, h[t], p[t], c[t], c_next[t], gamma)
        best = myopic_base_stock(*args)
        out[0, t] = best.level
        out[1, t] = myopic_level_at_cost(best.cost + gamma * k[t + 1], *args, left=False)
        out[2, t] = myopic_level_at_cost(best.cost + k[t], *args, left=True)
        if k[t] - gamma * k[t + 1] >= 0:
            out[3, t] = myopic_level_at_cost(best.cost + k[t] - gamma * k[t + 1], *args, left=True)
    return MyopicBounds(*out)
