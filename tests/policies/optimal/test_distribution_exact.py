"""Tests of :mod:`policies.optimal.distribution_exact`: the exact (Graves 1985; Axsäter
1990) and METRIC (Sherbrooke 1968) costs of installation base-stock levels in a
one-warehouse, N-store system with Poisson demand, and the optimal levels.

Three levels of evidence: closed-form reductions (S0 = 0, a warehouse that never runs out,
one store), replications of a direct event simulation of the continuous-review system with
explicit confidence intervals, and brute-force enumeration of the levels on small
instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import poisson, t

from policies.optimal.distribution_exact import (
    distribution_cost_exact,
    distribution_cost_metric,
    distribution_optimal_exact,
    distribution_optimal_metric,
    store_outstanding_pmf_exact,
)
from policies.optimal.newsvendor import expected_cost_poisson

# --------------------------------------------------------------------- event simulation


def _area(start: np.ndarray, end: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """``sum_k |[start_k, end_k] ∩ [0, x]|`` at each x in ``marks``: the integral up to x
    of the number of open intervals (a stock or backorder level over time)."""
    start, end = np.sort(start), np.sort(end)
    n_s, n_e = np.searchsorted(start, marks), np.searchsorted(end, marks)
    sum_s = np.concatenate([[0.0], np.cumsum(start)])[n_s]
    sum_e = np.concatenate([[0.0], np.cumsum(end)])[n_e]
    return (n_s * marks - sum_s) - (n_e * marks - sum_e)


def _levels_over_time(
    demand: np.ndarray, supply: np.ndarray, marks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stock point serving unit demands FCFS from units that become available at the
    sorted times ``supply`` (the k-th demand takes the k-th unit): the areas under its
    on-hand and backorder curves up to each mark, and each demand's service time."""
    served = np.maximum(demand, supply)
    waits = supply > demand
    on_hand = _area(supply[~waits], demand[~waits], marks)
    backorders = _area(demand[waits], supply[waits], marks)
    return on_hand, backorders, served


def _simulate(
    rates: list[float],
    lead_0: float,
    leads: list[float],
    level_0: int,
    levels: list[int],
    h_0: float,
    h: list[float],
    p: list[float],
    *,
    horizon: float,
    warmup: float,
    n_batches: int,
    seed: int,
) -> np.ndarray:
    """Cost per period of each of ``n_batches`` equal batches of ``[warmup, horizon -
    tail]`` in one run of the continuous-review system: a merged Poisson stream of unit
    demands, each labelled with its store; every demand is passed on one for one to the
    warehouse and from there to the supplier. All stock points are FCFS, so with ``t_k``
    the k-th order time at a stock point of level S, its k-th unit is available at 0 for
    ``k < S`` and at the arrival of the replenishment of order ``k - S`` otherwise, and
    order k is served at ``max(t_k, that time)``."""
    rng = np.random.default_rng(seed)
    total = sum(rates)
    n = rng.poisson(total * horizon)
    times = np.sort(rng.uniform(0.0, horizon, n))
    stores = rng.choice(len(rates), size=n, p=np.array(rates) / total)
    tail = 20.0 * (lead_0 + max(leads) + 1.0)  # units served after horizon - tail are cut
    marks = np.linspace(warmup, horizon - tail, n_batches + 1)
    supply_0 = np.concatenate([np.zeros(min(level_0, n)), times[: n - level_0] + lead_0])
    on_hand_0, _, shipped = _levels_over_time(times, supply_0, marks)
    area = h_0 * on_hand_0
    for i in range(len(rates)):
        own = stores == i
        demand, arrivals = times[own], shipped[own] + leads[i]  # shipped is sorted
        supply = np.concatenate([np.zeros(min(levels[i], demand.size)), arrivals])
        on_hand, backorders, _ = _levels_over_time(demand, supply[: demand.size], marks)
        area = area + h[i] * on_hand + p[i] * backorders
    return np.diff(area) / np.diff(marks)


def _interval(batches: np.ndarray, level: float = 0.999) -> tuple[float, float]:
    """Mean and half-width of a ``level`` t-interval from batch means."""
    half = t.ppf(0.5 + level / 2, batches.size - 1) * batches.std(ddof=1)
    return float(batches.mean()), float(half / np.sqrt(batches.size))


# Two stores sharing a long warehouse lead time: the warehouse's backorders are large and
# variable at S0 = 5 (E[B0] = 4.1), where METRIC's Poisson assumption errs most.
SYSTEM = dict(store_rates=[1.0, 0.5], warehouse_lead_time=6.0, store_lead_times=[1.0, 1.5])
COSTS = dict(warehouse_holding=1.0, store_holding=[1.0, 2.0], store_backorder=[20.0, 10.0])


def _simulated_cost(level_0: int, levels: list[int], seed: int) -> tuple[float, float]:
    batches = _simulate(
        SYSTEM["store_rates"],
        SYSTEM["warehouse_lead_time"],
        SYSTEM["store_lead_times"],
        level_0,
        levels,
        COSTS["warehouse_holding"],
        COSTS["store_holding"],
        COSTS["store_backorder"],
        horizon=1_500_000.0,
        warmup=1_000.0,
        n_batches=100,
        seed=seed,
    )
    return _interval(batches)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("level_0", "levels"), [(5, [6, 3]), (9, [4, 2]), (11, [4, 2]), (0, [10, 4])]
)
def test_exact_cost_inside_the_simulated_interval(level_0: int, levels: list[int]) -> None:
    """Graves' exact distribution: the cost lies in a 99.9% batch-means interval of a long
    event simulation. METRIC lies far outside it where the warehouse's backorders are
    large and variable (S0 = 5, 9 and the exact optimum (11, [4, 2])), and agrees at
    S0 = 0, where it is exact (which also checks the simulation against a closed form)."""
    mean, half = _simulated_cost(level_0, levels, seed=1985 + level_0)
    exact = distribution_cost_exact(
        **SYSTEM, warehouse_level=level_0, store_levels=levels, **COSTS
    ).cost
    metric = distribution_cost_metric(
        **SYSTEM, warehouse_level=level_0, store_levels=levels, **COSTS
    ).cost
    assert abs(exact - mean) <= half, (exact, mean, half)
    if level_0 > 0:
        assert abs(metric - mean) > 5 * half, (metric, mean, half)
        assert metric < exact  # METRIC understates the variance, hence the backorders
    else:
        assert metric == pytest.approx(exact, rel=1e-12)


@pytest.mark.slow
def test_simulated_fill_rate_and_outstanding_orders_match() -> None:
    """The store measures, not just the cost: with only store 0 costed, and holding and
    backorders weighted 1 and 0 or 0 and 1, the simulation reproduces E[on hand] and
    E[backorders] of store 0 within a 99.9% interval."""
    level_0, levels = 5, [6, 3]
    exact = distribution_cost_exact(**SYSTEM, warehouse_level=level_0, store_levels=levels, **COSTS)
    for weights, target in (
        (([1.0, 0.0], [0.0, 0.0]), exact.store_on_hand[0]),
        (([0.0, 0.0], [1.0, 0.0]), exact.store_backorders[0]),
    ):
        batches = _simulate(
            SYSTEM["store_rates"],
            SYSTEM["warehouse_lead_time"],
            SYSTEM["store_lead_times"],
            level_0,
            levels,
            0.0,
            *weights,
            horizon=200_000.0,
            warmup=1_000.0,
            n_batches=100,
            seed=1990,
        )
        mean, half = _interval(batches)
        assert abs(target - mean) <= half, (target, mean, half)


# ------------------------------------------------------------------ closed-form reductions


def test_no_warehouse_stock_is_a_single_store_with_the_summed_lead_time() -> None:
    """S0 = 0: every order waits L0 at the warehouse, so store i is a single stage with
    lead-time demand Poisson(lambda_i (L0 + L_i)); METRIC is then exact too."""
    for evaluate in (distribution_cost_exact, distribution_cost_metric):
        sol = evaluate(**SYSTEM, warehouse_level=0, store_levels=[7, 4], **COSTS)
        for i, level in enumerate([7, 4]):
            mean = SYSTEM["store_rates"][i] * (6.0 + SYSTEM["store_lead_times"][i])
            single = expected_cost_poisson(
                level, mean, COSTS["store_holding"][i], COSTS["store_backorder"][i]
            )
            assert sol.store_costs[i] == pytest.approx(single, rel=1e-10)
        assert sol.warehouse_on_hand == 0.0
        assert sol.warehouse_backorders == pytest.approx(1.5 * 6.0, rel=1e-12)


def test_ample_warehouse_leaves_each_store_its_own_lead_time() -> None:
    """S0 far above the warehouse's lead-time demand: B0 = 0, X_i ~ Poisson(lambda_i L_i)
    and the warehouse holds S0 - Lambda L0 on average."""
    sol = distribution_cost_exact(**SYSTEM, warehouse_level=60, store_levels=[3, 2], **COSTS)
    assert sol.warehouse_backorders < 1e-12
    assert sol.warehouse_on_hand == pytest.approx(60 - 9.0, rel=1e-12)
    for i, level in enumerate([3, 2]):
        mean = SYSTEM["store_rates"][i] * SYSTEM["store_lead_times"][i]
        single = expected_cost_poisson(
            level, mean, COSTS["store_holding"][i], COSTS["store_backorder"][i]
        )
        assert sol.store_costs[i] == pytest.approx(single, rel=1e-10)
        assert sol.store_fill_rate[i] == pytest.approx(poisson.cdf(level - 1, mean), rel=1e-12)


def test_one_store_outstanding_orders_are_transit_plus_all_warehouse_backorders() -> None:
    """N = 1 (q = 1): X_1 = Poisson(lambda L_1) + (Poisson(lambda L0) - S0)+, the serial
    two-stage result, rebuilt here by direct convolution."""
    rate, lead_0, lead, level_0 = 2.0, 3.0, 1.0, 4
    (pmf,) = store_outstanding_pmf_exact([rate], lead_0, [lead], level_0)
    k = np.arange(80)
    outstanding_0 = poisson.pmf(k, rate * lead_0)
    backorders = np.bincount(np.maximum(k - level_0, 0), weights=outstanding_0)
    expected = np.convolve(poisson.pmf(k, rate * lead), backorders)
    assert pmf == pytest.approx(expected[: pmf.size], abs=1e-14)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)


def test_means_agree_and_metric_understates_the_variance() -> None:
    """METRIC keeps every mean: on hand minus backorders, S_i - E[X_i], is the same under
    both; the exact X_i is over-dispersed (variance above its mean) once S0 > 0."""
    for level_0 in (2, 5, 9):
        exact = distribution_cost_exact(
            **SYSTEM, warehouse_level=level_0, store_levels=[5, 3], **COSTS
        )
        metric = distribution_cost_metric(
            **SYSTEM, warehouse_level=level_0, store_levels=[5, 3], **COSTS
        )
        assert exact.store_on_hand - exact.store_backorders == pytest.approx(
            metric.store_on_hand - metric.store_backorders, abs=1e-10
        )
        assert exact.warehouse_backorders == metric.warehouse_backorders
        assert np.all(exact.store_backorders > metric.store_backorders)
        for pmf in store_outstanding_pmf_exact(
            SYSTEM["store_rates"], 6.0, SYSTEM["store_lead_times"], level_0
        ):
            k = np.arange(pmf.size)
            mean = k @ pmf
            assert (k - mean) ** 2 @ pmf > mean


def test_little_law_and_fill_rates() -> None:
    sol = distribution_cost_exact(**SYSTEM, warehouse_level=7, store_levels=[5, 3], **COSTS)
    assert sol.warehouse_delay == pytest.approx(sol.warehouse_backorders / 1.5)
    assert sol.warehouse_fill_rate == pytest.approx(poisson.cdf(6, 9.0), rel=1e-12)
    assert np.all((sol.store_fill_rate > 0) & (sol.store_fill_rate < 1))
    assert sol.cost == pytest.approx(sol.warehouse_on_hand + sol.store_costs.sum())


# ------------------------------------------------------------------------ optimal levels


def _brute_force(system: dict, costs: dict, top_0: int, top: int):
    best = None
    n = len(system["store_rates"])
    for level_0 in range(top_0 + 1):
        for levels in itertools.product(range(top + 1), repeat=n):
            cost = distribution_cost_exact(
                **system, warehouse_level=level_0, store_levels=list(levels), **costs
            ).cost
            if best is None or cost < best[0] - 1e-12:
                best = (cost, level_0, levels)
    return best


@pytest.mark.parametrize(
    ("system", "costs", "top_0", "top"),
    [
        (
            dict(store_rates=[0.6, 0.3], warehouse_lead_time=2.0, store_lead_times=[1.0, 2.0]),
            dict(warehouse_holding=0.5, store_holding=[1.0, 1.5], store_backorder=[10.0, 5.0]),
            9,
            7,
        ),
        (
            dict(store_rates=[0.4, 0.2, 0.3], warehouse_lead_time=3.0, store_lead_times=1.0),
            dict(warehouse_holding=1.0, store_holding=1.2, store_backorder=[15.0, 8.0, 30.0]),
            8,
            5,
        ),
    ],
)
def test_optimum_is_the_brute_force_global_optimum(system, costs, top_0, top) -> None:
    """Enumerating every (S0, S_1, ..., S_N) on a grid that contains the optimum strictly
    inside finds the optimiser's levels and cost."""
    cost, level_0, levels = _brute_force(system, costs, top_0, top)
    assert level_0 < top_0 and max(levels) < top  # the grid is wide enough
    sol = distribution_optimal_exact(**system, **costs)
    assert sol.cost == pytest.approx(cost, rel=1e-12)
    assert (sol.warehouse_level, tuple(sol.store_levels)) == (level_0, levels)


def test_metric_levels_cost_more_than_the_exact_optimum() -> None:
    """METRIC's optimum, evaluated exactly, costs more than the exact optimum on the
    high-variance instance; METRIC's own estimate of its cost is optimistic."""
    exact = distribution_optimal_exact(**SYSTEM, **COSTS)
    metric = distribution_optimal_metric(**SYSTEM, **COSTS)
    true_metric = distribution_cost_exact(
        **SYSTEM,
        warehouse_level=metric.warehouse_level,
        store_levels=metric.store_levels,
        **COSTS,
    ).cost
    assert exact.cost < true_metric
    assert metric.cost < true_metric
    # regression figures of this instance (Monte-Carlo-checked above at both level sets)
    assert (exact.warehouse_level, exact.store_levels.tolist()) == (11, [4, 2])
    assert (metric.warehouse_level, metric.store_levels.tolist()) == (9, [4, 2])
    assert exact.cost == pytest.approx(9.536860, abs=1e-6)
    assert true_metric == pytest.approx(10.320494, abs=1e-6)


def test_zero_warehouse_lead_time_keeps_no_warehouse_stock() -> None:
    sol = distribution_optimal_exact(
        [1.0, 2.0], 0.0, [1.0, 1.0], warehouse_holding=1.0, store_holding=1.0, store_backorder=9.0
    )
    assert sol.warehouse_level == 0
    for i, rate in enumerate([1.0, 2.0]):
        assert sol.store_levels[i] == int(poisson.ppf(0.9, rate))


# ------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(store_rates=[1.0, 0.0]), r"store_rates\(=0.0\) must be > 0"),
        (dict(store_rates=[]), r"store_rates\(=\[\]\) must list at least one store"),
        (dict(warehouse_lead_time=-1.0), r"warehouse_lead_time\(=-1.0\) must be >= 0"),
        (dict(store_lead_times=[1.0, 2.0, 3.0]), r"store_lead_times\(=\[1.0, 2.0, 3.0\]\)"),
        (dict(warehouse_level=2.5), r"warehouse_level\(=2.5\) must be a whole number >= 0"),
        (dict(store_levels=[1, -1]), r"store_levels\(=-1.0\) must be a whole number >= 0"),
        (dict(store_levels=[1]), r"store_levels\(=\[1\]\) must have one entry per store"),
        (dict(store_backorder=[1.0, 0.0]), r"store_backorder\(=0.0\) must be > 0"),
        (dict(warehouse_holding=np.nan), r"warehouse_holding\(=nan\) must be >= 0"),
    ],
)
def test_bad_arguments_name_key_and_value(change: dict, message: str) -> None:
    args = dict(**SYSTEM, warehouse_level=3, store_levels=[2, 2], **COSTS) | change
    with pytest.raises(ValueError, match=message):
        distribution_cost_exact(**args)
