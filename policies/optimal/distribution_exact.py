"""Exact evaluation and optimisation of installation base-stock levels in a one-warehouse,
N-store system with Poisson demand and one-for-one replenishment (Graves 1985; Axsäter
1990), and Sherbrooke's (1968) METRIC approximation of the same system.

**The model** (continuous review, time measured in periods). Customers arrive at store i
as a Poisson process of rate ``lambda_i`` and each buys one unit. Every store and the
warehouse (index 0) follow an installation base-stock policy with levels ``S_i`` and
``S0``: each demand at store i triggers a one-unit order at the warehouse, which in turn
orders one unit from an outside supplier that never runs out. The supplier delivers to the
warehouse after ``L0`` periods; the warehouse ships to store i as soon as it has stock,
and the unit reaches the store ``L_i`` periods later. The warehouse fills the stores'
orders first come, first served (FCFS); unmet customer demand at a store is backordered.
Costs per unit and period: ``h0`` on the warehouse's stock on hand, ``h_i`` on store i's
stock on hand, ``p_i`` on store i's backorders. Stock in transit is not charged: its
mean, ``Lambda L0 + sum_i lambda_i L_i`` units, does not depend on the levels.

**What is exact** (Graves, "A multi-echelon inventory model for a repairable item with
one-for-one replenishment", *Management Science* 31(10), 1985; Axsäter, "Simple solution
procedures for a class of two-echelon inventory problems", *Operations Research* 38(1),
1990; Axsäter, *Inventory Control*, 3rd ed., 2015, Sec. 10.3). The warehouse's
outstanding orders ``X0`` are Poisson(``Lambda L0``), ``Lambda = sum_i lambda_i``, so its
backorders are ``B0 = (X0 - S0)+``. Store i's outstanding orders at time t are

    X_i(t) = (store i's orders placed in (t - L_i, t])
             + (store i's orders still backordered at the warehouse at t - L_i),

because under FCFS an order that had left the warehouse by ``t - L_i`` has arrived by t and
one that had not cannot have. The first term is Poisson(``lambda_i L_i``) and independent
of the second (Poisson increments are independent of the past). Under FCFS the ``B0 = b``
warehouse backorders are the b latest orders of the merged Poisson stream, and each
order's store is drawn independently of the arrival times with probability
``q_i = lambda_i / Lambda``; hence store i's share of ``B0`` is, given ``B0 = b``, exactly
Binomial(b, q_i). So in steady state

    X_i = Poisson(lambda_i L_i)  (+)  Binomial(B0, q_i)      (independent sum),

exactly, and store i's inventory level is ``S_i - X_i``: its expected on-hand stock
``E(S_i - X_i)+``, backorders ``E(X_i - S_i)+`` and fill rate ``P(X_i <= S_i - 1)``
(customers see time averages, PASTA) follow exactly. The expected cost per period,

    C(S0, S) = h0 E(S0 - X0)+ + sum_i [h_i E(S_i - X_i)+ + p_i E(X_i - S_i)+],

is therefore exact for the model above; only the Poisson tails beyond ``1e-16`` are cut.
Graves (1985) derived this distribution (and fitted a negative binomial to it for speed);
Axsäter (1990) reaches the same exact costs by a recursion in ``S0`` over the delays of
single units, not implemented here. The exactness needs Poisson (unit) demand,
one-for-one ordering, FCFS at the warehouse and deterministic transport times (so orders
cannot cross); it is a steady-state, continuous-review result. It is *not* the Stocklab
period convention of :mod:`policies.optimal.distribution` (periodic review, end-of-period
accounting, the balance relaxation).

**METRIC** (Sherbrooke, "METRIC: a multi-echelon technique for recoverable item control",
*Operations Research* 16(1), 1968) replaces ``X_i`` by a Poisson variable of the same mean,
``lambda_i L_i + q_i E[B0]``. It gets every mean right (so on-hand minus backorders is
exact) but understates the variance of ``X_i`` when ``B0`` is large and variable, and so
understates store backorders; the error vanishes as ``S0`` grows (``B0 -> 0``) and is nil
at ``S0 = 0`` (then ``X_i`` is Poisson(``lambda_i (L0 + L_i)``)).

**Optimal levels.** Given ``S0``, ``X_i``'s distribution is fixed and the store's cost is a
newsvendor cost, convex in ``S_i``: the best ``S_i`` is the smallest with
``P(X_i <= S_i) >= p_i / (p_i + h_i)``. So the levels are optimised by scanning ``S0`` over
``0 .. n0`` (``n0`` where Poisson(``Lambda L0``)'s tail falls below 1e-16, past which
``B0 = 0`` and more stock only adds ``h0`` per unit) with every store's level set exactly
at each ``S0``, as Axsäter (1990) does. A coordinate search (warehouse, then each store,
until no move helps) would only guarantee a local optimum of a cost that is not jointly
convex; the scan is cheap and its result is the global optimum up to the tail cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import binom, poisson

from policies.optimal.newsvendor import _check

__all__ = [
    "DistributionPerformance",
    "distribution_cost_exact",
    "distribution_cost_metric",
    "distribution_optimal_exact",
    "distribution_optimal_metric",
    "distribution_search_exact",
    "store_outstanding_pmf_exact",
]

_TAIL = 1e-16  # Poisson tail mass left out of every distribution


@dataclass(frozen=True, slots=True)
class DistributionPerformance:
    """Steady-state measures of installation base-stock levels in a one-warehouse,
    N-store system with Poisson demand (time averages per period; arrays per store).

    ``cost`` is the expected holding and backorder cost per period; ``store_fill_rate`` the
    fraction of store i's customers served from stock; ``store_costs`` store i's holding
    plus backorder cost; ``warehouse_backorders`` the mean number of the stores' orders
    waiting at the warehouse and ``warehouse_delay`` an order's mean wait there (Little's
    law: ``E[B0] / Lambda``)."""

    warehouse_level: int
    store_levels: np.ndarray
    cost: float
    warehouse_on_hand: float
    warehouse_backorders: float
    warehouse_fill_rate: float
    store_on_hand: np.ndarray
    store_backorders: np.ndarray
    store_fill_rate: np.ndarray
    store_costs: np.ndarray
    warehouse_delay: float


@dataclass(frozen=True, slots=True)
class _System:
    rates: np.ndarray
    warehouse_lead_time: float
    store_lead_times: np.ndarray
    warehouse_holding: float
    store_holding: np.ndarray
    store_backorder: np.ndarray

    @property
    def total_rate(self) -> float:
        return float(self.rates.sum())


def _per_store(name: str, value: ArrayLike, n: int, *, strict: bool) -> np.ndarray:
    arr = _check(name, value, strict=strict).reshape(-1)
    if arr.size == 1:
        return np.full(n, float(arr[0]))
    if arr.size != n:
        raise ValueError(f"{name}(={arr.tolist()!r}) must have one entry per store ({n})")
    return arr


def _check_system(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> _System:
    rates = _check("store_rates", store_rates).reshape(-1)
    if rates.size == 0:
        raise ValueError("store_rates(=[]) must list at least one store")
    n = rates.size
    return _System(
        rates=rates,
        warehouse_lead_time=float(_check("warehouse_lead_time", warehouse_lead_time, strict=False)),
        store_lead_times=_per_store("store_lead_times", store_lead_times, n, strict=False),
        warehouse_holding=float(_check("warehouse_holding", warehouse_holding, strict=False)),
        store_holding=_per_store("store_holding", store_holding, n, strict=True),
        store_backorder=_per_store("store_backorder", store_backorder, n, strict=True),
    )


def _check_level(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as an int array of whole numbers ``>= 0``; else a ``ValueError`` naming the
    key and the first bad value."""
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
    if np.any(bad):
        raise ValueError(
            f"{name}(={float(arr.reshape(-1)[np.argmax(bad.reshape(-1))])!r}) must be a "
            "whole number >= 0"
        )
    return arr.astype(np.int64)


def _poisson_pmf(mean: float) -> np.ndarray:
    """Poisson(``mean``) probabilities of 0, 1, ... up to where the tail drops below
    ``_TAIL`` (a point mass at 0 for ``mean == 0``)."""
    if mean == 0:
        return np.ones(1)
    return poisson.pmf(np.arange(int(poisson.isf(_TAIL, mean)) + 2), mean)


def _warehouse_backorder_pmf(level: int, outstanding: np.ndarray) -> np.ndarray:
    """P(B0 = b), b = 0, 1, ..., for ``B0 = (X0 - level)+`` and X0's probabilities."""
    return np.concatenate([[outstanding[: level + 1].sum()], outstanding[level + 1 :]])


def _share_matrix(fraction: float, size: int) -> np.ndarray:
    """``M[y, b] = P(Binomial(b, fraction) = y)`` for ``y, b < size``."""
    counts = np.arange(size)
    return binom.pmf(counts[:, None], counts[None, :], fraction)


def _positive_parts(level: int, pmf: np.ndarray) -> tuple[float, float, float]:
    """``E(level - X)+``, ``E(X - level)+`` and ``P(X <= level - 1)`` for X on 0, 1, ..."""
    gap = level - np.arange(pmf.size)
    return (
        float(np.sum(np.maximum(gap, 0) * pmf)),
        float(np.sum(np.maximum(-gap, 0) * pmf)),
        float(pmf[: max(level, 0)].sum()),
    )


# The two ways of turning the warehouse's backorders into a store's outstanding orders:
# given the system, store i, P(B0 = b) and (exact only) the binomial share matrix.
_Outstanding = Callable[[_System, int, np.ndarray, np.ndarray | None], np.ndarray]


def _exact_outstanding(
    system: _System, store: int, backorders: np.ndarray, shares: np.ndarray | None
) -> np.ndarray:
    """Graves (1985): Poisson(lambda_i L_i) plus a Binomial(B0, q_i) share of B0."""
    size = backorders.size
    if shares is None:
        shares = _share_matrix(system.rates[store] / system.total_rate, size)
    share = shares[:size, :size] @ backorders
    transit = _poisson_pmf(system.rates[store] * system.store_lead_times[store])
    return np.convolve(transit, share)


def _metric_outstanding(
    system: _System, store: int, backorders: np.ndarray, shares: np.ndarray | None
) -> np.ndarray:
    """Sherbrooke (1968): a Poisson variable with the exact mean."""
    mean_backorders = float(np.arange(backorders.size) @ backorders)
    fraction = system.rates[store] / system.total_rate
    return _poisson_pmf(
        system.rates[store] * system.store_lead_times[store] + fraction * mean_backorders
    )


def _evaluate(
    system: _System,
    warehouse_level: int,
    store_levels: np.ndarray | None,
    outstanding: _Outstanding,
    shares: list[np.ndarray] | None = None,
) -> DistributionPerformance:
    """The measures at ``warehouse_level`` and ``store_levels`` (None, or NaN for one
    store: each such store at its best level given ``warehouse_level``)."""
    warehouse_pmf = _poisson_pmf(system.total_rate * system.warehouse_lead_time)
    backorders = _warehouse_backorder_pmf(warehouse_level, warehouse_pmf)
    wh_on_hand, wh_back, wh_fill = _positive_parts(warehouse_level, warehouse_pmf)
    n = system.rates.size
    levels = np.zeros(n, dtype=np.int64)
    on_hand, back, fill = np.zeros(n), np.zeros(n), np.zeros(n)
    pmfs: dict[tuple[float, float], np.ndarray] = {}  # alike stores share X_i's law
    for i in range(n):
        alike = (float(system.rates[i]), float(system.store_lead_times[i]))
        pmf = pmfs.get(alike)
        if pmf is None:
            pmf = outstanding(system, i, backorders, None if shares is None else shares[i])
            pmfs[alike] = pmf
        if store_levels is None or np.isnan(store_levels[i]):  # X_i's newsvendor fractile
            p_i, h_i = system.store_backorder[i], system.store_holding[i]
            levels[i] = int(np.searchsorted(np.cumsum(pmf), p_i / (p_i + h_i), side="left"))
        else:
            levels[i] = int(store_levels[i])
        on_hand[i], back[i], fill[i] = _positive_parts(int(levels[i]), pmf)
    store_costs = system.store_holding * on_hand + system.store_backorder * back
    cost = system.warehouse_holding * wh_on_hand + float(store_costs.sum())
    return DistributionPerformance(
        warehouse_level=int(warehouse_level),
        store_levels=levels,
        cost=float(cost),
        warehouse_on_hand=wh_on_hand,
        warehouse_backorders=wh_back,
        warehouse_fill_rate=wh_fill,
        store_on_hand=on_hand,
        store_backorders=back,
        store_fill_rate=fill,
        store_costs=store_costs,
        warehouse_delay=wh_back / system.total_rate,
    )


def _cost_of_levels(
    outstanding: _Outstanding,
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_level: int,
    store_levels: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> DistributionPerformance:
    system = _check_system(
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_holding,
        store_holding,
        store_backorder,
    )
    level_0 = int(_check_level("warehouse_level", warehouse_level))
    levels = _check_level("store_levels", store_levels).reshape(-1)
    if levels.size != system.rates.size:
        raise ValueError(
            f"store_levels(={levels.tolist()!r}) must have one entry per store "
            f"({system.rates.size})"
        )
    return _evaluate(system, level_0, levels, outstanding)


def _optimal_levels(
    outstanding: _Outstanding,
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> DistributionPerformance:
    system = _check_system(
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_holding,
        store_holding,
        store_backorder,
    )
    top = _poisson_pmf(system.total_rate * system.warehouse_lead_time).size
    shares = [_share_matrix(q, top) for q in system.rates / system.total_rate]
    best = None
    for level_0 in range(top):  # past top - 1, B0 = 0 up to the tail cut
        found = _evaluate(system, level_0, None, outstanding, shares)
        if best is None or found.cost < best.cost - 1e-12 * abs(best.cost):
            best = found
    assert best is not None
    return best


def distribution_cost_exact(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_level: int,
    store_levels: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> DistributionPerformance:
    """Exact steady-state cost per period and measures of installation base-stock levels
    ``warehouse_level`` (S0) and ``store_levels`` (S_i) in a one-warehouse, N-store system
    with Poisson demand (``store_rates[i]`` per period), one-for-one replenishment, FCFS at
    the warehouse and deterministic lead times (Graves 1985; Axsäter 1990): store i's
    outstanding orders are Poisson(lambda_i L_i) plus a Binomial(B0, lambda_i / Lambda)
    share of the warehouse's backorders. ``store_lead_times``, ``store_holding`` and
    ``store_backorder`` are per store or one value for all. See the module docstring."""
    return _cost_of_levels(
        _exact_outstanding,
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_level,
        store_levels,
        warehouse_holding,
        store_holding,
        store_backorder,
    )


def distribution_cost_metric(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_level: int,
    store_levels: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> DistributionPerformance:
    """METRIC's (Sherbrooke 1968) estimate of :func:`distribution_cost_exact`: store i's
    outstanding orders taken as Poisson(lambda_i L_i + (lambda_i / Lambda) E[B0]). The
    warehouse's measures are exact; the stores' backorders are understated when the
    warehouse's backorders are large and variable."""
    return _cost_of_levels(
        _metric_outstanding,
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_level,
        store_levels,
        warehouse_holding,
        store_holding,
        store_backorder,
    )


def distribution_optimal_exact(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> DistributionPerformance:
    """Cost-minimising integer installation base-stock levels under the exact cost of
    :func:`distribution_cost_exact`: every warehouse level up to the tail of its lead-time
    demand is tried, each with every store at its exact newsvendor level given it
    (Axsäter 1990). Global up to the 1e-16 tail cut; the first of tied optima (lowest S0)."""
    return _optimal_levels(
        _exact_outstanding,
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_holding,
        store_holding,
        store_backorder,
    )


def distribution_optimal_metric(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
) -> DistributionPerformance:
    """The levels that minimise METRIC's cost (Sherbrooke 1968), by the same scan as
    :func:`distribution_optimal_exact`; ``cost`` is METRIC's estimate. Evaluate the levels
    with :func:`distribution_cost_exact` for their true cost."""
    return _optimal_levels(
        _metric_outstanding,
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_holding,
        store_holding,
        store_backorder,
    )


def _metric_start(system: _System, store_levels: np.ndarray) -> int:
    """The warehouse level that minimises METRIC's cost, every warehouse level from 0 to the
    tail of its lead-time demand evaluated at once (closed-form Poisson loss functions);
    stores with a NaN level at their best level, the others at theirs."""
    outstanding = _poisson_pmf(system.total_rate * system.warehouse_lead_time)
    levels_0 = np.arange(outstanding.size, dtype=float)
    above = np.cumsum(outstanding[::-1])[::-1]  # P(X0 >= s)
    beyond = np.append(above[1:], 0.0)  # P(X0 > s)
    weighted = np.cumsum((levels_0 * outstanding)[::-1])[::-1]
    backorders = np.append(weighted[1:], 0.0) - levels_0 * beyond  # E(X0 - s)+
    mean_0 = float(levels_0 @ outstanding)
    cost = system.warehouse_holding * (levels_0 - mean_0 + backorders)
    for i, rate in enumerate(system.rates):
        mean = rate * system.store_lead_times[i] + rate / system.total_rate * backorders
        h_i, p_i = system.store_holding[i], system.store_backorder[i]
        if np.isnan(store_levels[i]):
            level = poisson.ppf(p_i / (p_i + h_i), mean)
        else:
            level = np.full_like(mean, store_levels[i])
        back = mean * poisson.sf(level - 1, mean) - level * poisson.sf(level, mean)
        cost = cost + h_i * (level - mean + back) + p_i * back
    return int(np.argmin(cost))


def _profile_exact(system: _System, store_levels: np.ndarray, levels_0: np.ndarray) -> np.ndarray:
    """The exact cost at each warehouse level in ``levels_0`` (ascending), each store with
    a NaN level at its exact best level given the warehouse's, the others at theirs: the
    computation of :func:`_evaluate` done for all the warehouse levels at once (one matrix
    product per group of alike stores instead of one per level)."""
    outstanding = _poisson_pmf(system.total_rate * system.warehouse_lead_time)
    top = outstanding.size
    lowest = int(levels_0[0])
    counts = np.arange(top - lowest)  # the warehouse's backorders b = 0 .. top - 1 - lowest
    # P(B0 = b) at each warehouse level (columns): b >= 1 where X0 = level + b, b = 0 below
    index = levels_0[None, :] + counts[:, None]
    backorders = np.where(index < top, outstanding[np.minimum(index, top - 1)], 0.0)
    backorders[0] = np.cumsum(outstanding)[levels_0]
    held = levels_0[:, None] - np.arange(top)[None, :]
    cost = system.warehouse_holding * (np.maximum(held, 0) @ outstanding)
    laws: dict[tuple[float, float], np.ndarray] = {}
    stores: dict[tuple, int] = {}  # alike stores and how many
    for i, rate in enumerate(system.rates):
        key = (
            float(rate),
            float(system.store_lead_times[i]),
            float(system.store_holding[i]),
            float(system.store_backorder[i]),
            None if np.isnan(store_levels[i]) else float(store_levels[i]),  # NaN != NaN
        )
        stores[key] = stores.get(key, 0) + 1
    for (rate, lead, h_i, p_i, fixed), count in stores.items():
        pmf = laws.get((rate, lead))
        if pmf is None:  # X_i = Poisson(lambda_i L_i) + Binomial(B0, q_i), per column
            share = _share_matrix(rate / system.total_rate, counts.size) @ backorders
            transit = _poisson_pmf(rate * lead)
            pmf = np.zeros((counts.size + transit.size - 1, levels_0.size))
            for k, mass in enumerate(transit):
                pmf[k : k + counts.size] += mass * share
            laws[(rate, lead)] = pmf
        if fixed is None:
            level = np.argmax(np.cumsum(pmf, axis=0) >= p_i / (p_i + h_i), axis=0)
        else:
            level = np.full(levels_0.size, fixed)
        gap = level[None, :] - np.arange(pmf.shape[0])[:, None]
        on_hand = np.sum(np.maximum(gap, 0) * pmf, axis=0)
        back = np.sum(np.maximum(-gap, 0) * pmf, axis=0)
        cost = cost + count * (h_i * on_hand + p_i * back)
    return cost


#: Warehouse lead-time demands with a longer Poisson support than this are searched in a
#: window around METRIC's best warehouse level rather than over every level.
FULL_SCAN_SUPPORT = 600
#: The window's half-width, in standard deviations of the warehouse's lead-time demand.
WINDOW_STDS = 4.0


def distribution_search_exact(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_holding: float,
    store_holding: ArrayLike,
    store_backorder: ArrayLike,
    *,
    warehouse_level: int | None = None,
    store_levels: ArrayLike | None = None,
) -> DistributionPerformance:
    """Integer installation base-stock levels that minimise the exact cost of
    :func:`distribution_cost_exact`, fast enough to run per SKU inside a simulation.

    The cost is profiled over the warehouse level ``S0``, each store at its exact
    newsvendor level given ``S0`` (given ``S0`` the stores' costs are separate and convex:
    that coordinate is solved exactly), all levels at once with one matrix product per
    group of alike stores. The profile is not unimodal - it is a saw-tooth, a tooth per
    step of the stores' levels - so a local descent from a good start stops early; every
    level is therefore tried where the warehouse's lead-time demand ``X0`` has at most
    ``FULL_SCAN_SUPPORT`` values (then the result is the global optimum, as
    :func:`distribution_optimal_exact`), and beyond that the levels within ``WINDOW_STDS``
    standard deviations of ``X0`` (plus 10 units) around the level METRIC (Sherbrooke 1968)
    finds best, which the tests check against the full scan on larger systems.

    ``warehouse_level`` or ``store_levels`` (per store; NaN or None entries free) fix
    levels, and the free ones are optimised given them; with the warehouse level fixed only
    the stores' coordinate is solved, which is exact. Ties go to the lowest ``S0``."""
    system = _check_system(
        store_rates,
        warehouse_lead_time,
        store_lead_times,
        warehouse_holding,
        store_holding,
        store_backorder,
    )
    n = system.rates.size
    fixed = np.full(n, np.nan)
    if store_levels is not None:
        given = np.array(
            [np.nan if x is None else x for x in np.asarray(store_levels, dtype=object).ravel()],
            dtype=float,
        )
        if given.size != n:
            raise ValueError(
                f"store_levels(={given.tolist()!r}) must have one entry per store ({n})"
            )
        known = ~np.isnan(given)
        fixed[known] = _check_level("store_levels", given[known])
    if warehouse_level is not None:
        level_0 = int(_check_level("warehouse_level", warehouse_level))
        return _evaluate(system, level_0, fixed, _exact_outstanding)
    mean_0 = system.total_rate * system.warehouse_lead_time
    top = _poisson_pmf(mean_0).size
    if top <= FULL_SCAN_SUPPORT:
        levels_0 = np.arange(top)
    else:
        start, reach = _metric_start(system, fixed), int(WINDOW_STDS * np.sqrt(mean_0)) + 10
        levels_0 = np.arange(max(start - reach, 0), min(start + reach, top - 1) + 1)
    cost = _profile_exact(system, fixed, levels_0)
    return _evaluate(system, int(levels_0[np.argmin(cost)]), fixed, _exact_outstanding)


def store_outstanding_pmf_exact(
    store_rates: ArrayLike,
    warehouse_lead_time: float,
    store_lead_times: ArrayLike,
    warehouse_level: int,
) -> list[np.ndarray]:
    """The exact steady-state distributions of each store's outstanding orders (Graves
    1985): ``pmf[i][k] = P(X_i = k)``, k = 0, 1, ... (tails below 1e-16 cut)."""
    system = _check_system(store_rates, warehouse_lead_time, store_lead_times, 0.0, 1.0, 1.0)
    level_0 = int(_check_level("warehouse_level", warehouse_level))
    warehouse_pmf = _poisson_pmf(system.total_rate * system.warehouse_lead_time)
    backorders = _warehouse_backorder_pmf(level_0, warehouse_pmf)
    return [_exact_outstanding(system, i, backorders, None) for i in range(system.rates.size)]
