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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

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


def _demands(demand: Sequence[DiscreteDemand]) -> list[DiscreteDemand]:
    tables = [demand] if isinstance(demand, DiscreteDemand) else list(demand)
    if not tables:
        raise ValueError("demand(=[]) must give at least one period")
    for t, table in enumerate(tables, start=1):
        if not isinstance(table, DiscreteDemand):
            raise ValueError(f"demand[{t}](={table!r}) must be a DiscreteDemand table")
        v = table.values
        if np.any(v < 0) or np.any(v != np.round(v)):
            bad = (v < 0) | (v != np.round(v))
            raise ValueError(f"demand[{t}].values(={_first(v, bad)!r}) must be integers >= 0")
    return tables


def _stage(
    future: np.ndarray,
    slope: float,
    levels: np.ndarray,
    table: DiscreteDemand,
    h: float,
    p: float,
    c: float,
    k: float,
    gamma: float,
    lost_sales: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One backward step: ``theta_t`` and the optimal ``y`` on the grid from
    ``theta_{t+1}`` (``future``, extended below the grid with ``slope``)."""
    lo = int(levels[0])
    left = levels[:, None] - table.values.astype(np.int64)[None, :]  # y - d
    after = np.maximum(left, 0) if lost_sales else left
    nxt = future[np.maximum(after - lo, 0)] - slope * np.minimum(after - lo, 0)
    over = np.maximum(left, 0) @ table.probs
    under = np.maximum(-left, 0) @ table.probs
    j = c * levels + h * over + p * under + gamma * (nxt @ table.probs)
    # suffix minimum of J and, for each x, the lowest y >= x attaining it: the first
    # "record from the right" at or after x.
    suffix = np.minimum.accumulate(j[::-1])[::-1]
    records = np.flatnonzero(j <= suffix)
    best = records[np.searchsorted(records, np.arange(levels.size))]
    tol = 1e-12 * np.maximum(1.0, np.abs(j))
    order = (k + suffix < j - tol) & (best > np.arange(levels.size))
    theta = -c * levels + np.where(order, k + suffix, j)
    return theta, np.where(order, levels[best], levels)


def finite_horizon_dp(
    demand: Sequence[DiscreteDemand],
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
) -> FiniteHorizonSolution:
    """Solve the finite-horizon problem by backward recursion (Snyder & Shen, 2nd ed.,
    Algorithm 4.1, eq. (4.66); Scarf 1960); see the module docstring for the model and the
    grid. ``demand`` holds one :class:`DiscreteDemand` per period (integer support);
    ``holding``, ``shortage``, ``purchase_cost`` and ``fixed_cost`` are scalars or one value
    per period. ``levels=(lo, hi)`` widens the grid to include those start levels."""
    tables = _demands(demand)
    periods = len(tables)
    h = _per_period("holding", holding, periods)
    p = _per_period("shortage", shortage, periods)
    c = _per_period("purchase_cost", purchase_cost, periods)
    k = _per_period("fixed_cost", fixed_cost, periods)
    gamma = float(_check("discount", discount))
    if gamma > 1:
        raise ValueError(f"discount(={gamma!r}) must be in (0, 1]")
    h_end = float(_check_finite("terminal_holding", terminal_holding))
    p_end = float(_check("terminal_shortage", terminal_shortage, strict=False))
    for t in range(periods):
        waste = c[t] + sum(gamma ** (u - t) * h[u] for u in range(t, periods))
        waste += gamma ** (periods - t) * h_end
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
    hi = max(int(sum(t.values[-1] for t in tables)), hi_want, 1)
    lo = 0 if lost_sales else min(lo_want, -max(int(t.values[-1]) for t in tables), -1)
    slopes = np.append(c, p_end)
    while True:
        grid = np.arange(lo, hi + 1)
        cost = np.empty((periods + 1, grid.size))
        decision = np.empty((periods, grid.size), dtype=np.int64)
        cost[periods] = h_end * np.maximum(grid, 0) + p_end * np.maximum(-grid, 0)
        for t in range(periods - 1, -1, -1):
            cost[t], decision[t] = _stage(
                cost[t + 1],
                slopes[t + 1],
                grid,
                tables[t],
                h[t],
                p[t],
                c[t],
                k[t],
                gamma,
                lost_sales,
            )
        # The linear extension below lo is exact only if every period orders at lo.
        if lost_sales or np.all(decision[:, 0] > lo):
            break
        lo = 2 * lo
    ordered = decision > grid
    reorder = np.array([grid[np.flatnonzero(row)[-1]] if row.any() else lo - 1 for row in ordered])
    solution = FiniteHorizonSolution(
        levels=grid,
        cost_to_go=cost,
        order_up_to=decision,
        reorder_points=reorder,
        order_up_to_levels=decision[:, 0].copy(),
        slopes_below=slopes,
        lost_sales=lost_sales,
    )
    return solution


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
