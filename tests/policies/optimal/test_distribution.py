"""Tests of :mod:`policies.optimal.distribution`: the one-warehouse, N-store distribution
system under the balance assumption (Federgruen & Zipkin 1984). Reductions to the serial
solver, first-principles re-derivations on small grids, and a short simulation of the real
system under the Stocklab period convention."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.stats import norm, poisson

from policies.optimal import (
    clark_scarf_normal,
    clark_scarf_poisson,
    distribution_echelon_levels,
    distribution_levels_normal,
    distribution_levels_poisson,
    local_to_echelon_holding,
    newsvendor_normal,
    newsvendor_poisson,
    normal_loss,
)


def _batch_mean(costs: np.ndarray, batch: int = 500) -> tuple[float, float]:
    """Mean cost per period and its standard error by batch means."""
    means = costs[: costs.size // batch * batch].reshape(-1, batch).mean(axis=1)
    return float(costs.mean()), float(means.std(ddof=1) / np.sqrt(means.size))


# --------------------------------------------------------------------------- distribution


@pytest.mark.parametrize("family", ["poisson", "normal"])
def test_one_store_is_the_two_stage_serial_system(family: str) -> None:
    """N = 1: warehouse and store form a serial chain; the levels are the serial solver's
    and the cost agrees to rounding (the two solvers sum the same terms in another order,
    and the last bit moved with scipy/numpy releases)."""
    mean, std, lead_0, lead, h_0, h_s, p = 3.0, 1.5, 2, 1, 1.0, 3.0, 20.0
    sol = distribution_echelon_levels([mean], [std], family, lead_0, lead, h_0, h_s, p)
    echelon = local_to_echelon_holding([h_s, h_0])
    if family == "poisson":
        serial = clark_scarf_poisson(mean, echelon, [lead, lead_0], p)
    else:
        serial = clark_scarf_normal(mean, std, echelon, [lead, lead_0], p)
    assert (sol.stores[0], sol.warehouse) == tuple(serial.levels)
    assert sol.cost == pytest.approx(serial.cost, rel=1e-12)
    assert sol.warehouse_local_level == serial.local_levels[1]


def test_identical_poisson_stores_scale_sensibly() -> None:
    """Every store keeps its own newsvendor level, the warehouse's integer level grows with
    N, and the cost per store falls (the averaged warehouse demand is smaller in the convex
    order, and the allocation grids 1/N are nested for N = 1, 2, 4, 8)."""
    mean, lead_0, lead, h_0, h_s, p = 3.0, 2, 1, 1.0, 3.0, 20.0
    store_level = newsvendor_poisson(lead * mean, h_s - h_0, p + h_0).level
    sols = {
        n: distribution_levels_poisson([mean] * n, lead_0, lead, h_0, h_s, p) for n in [1, 2, 4, 8]
    }
    for n, sol in sols.items():
        assert sol.stores.tolist() == [store_level] * n
        assert sol.warehouse == round(sol.warehouse)
        assert n * mean * (lead_0 + lead) <= sol.warehouse <= n * sols[1].warehouse
    per_store = [sols[n].cost / n for n in sols]
    assert np.all(np.diff([sols[n].warehouse for n in sols]) > 0)
    assert np.all(np.diff(per_store) <= 1e-12)


def test_identical_normal_stores_scale_sensibly() -> None:
    mean, std, lead_0, lead, h_0, h_s, p = 5.0, 2.0, 3, 1, 1.0, 3.0, 20.0
    nv = newsvendor_normal(lead * mean, np.sqrt(lead) * std, h_s - h_0, p + h_0)
    sols = [
        distribution_levels_normal([mean] * n, [std] * n, lead_0, lead, h_0, h_s, p)
        for n in range(1, 6)
    ]
    for n, sol in enumerate(sols, start=1):
        assert sol.stores == pytest.approx([nv.level] * n, abs=0.03)
    assert np.all(np.diff([s.warehouse for s in sols]) > 0)
    assert np.all(np.diff([s.cost / n for n, s in enumerate(sols, start=1)]) < 0)


def test_non_identical_poisson_stores_have_integer_newsvendor_levels() -> None:
    means, lead_0, lead, h_0, h_s, p = [0.5, 2.0, 4.5], 3, 2, 0.5, 2.0, 9.0
    sol = distribution_levels_poisson(means, lead_0, lead, h_0, h_s, p)
    expected = [newsvendor_poisson(lead * m, h_s - h_0, p + h_0).level for m in means]
    assert sol.stores.tolist() == expected
    assert sol.warehouse == round(sol.warehouse)


def _store_cost(y: np.ndarray, mean: float, echelon: float, penalty: float) -> np.ndarray:
    """``E[echelon (y - D) + penalty (D - y)+]``, D ~ Poisson(mean), by summing the pmf."""
    d = np.arange(80)
    f = poisson.pmf(d, mean)
    short = np.maximum(d[None, :] - y[:, None], 0)
    return echelon * (y - mean) + penalty * (short @ f)


def test_poisson_balance_cost_against_brute_force() -> None:
    """The relaxed system's cost from first principles: the warehouse's echelon stock
    ``x = S0 - D_0`` is split between two stores by enumerating every integer allocation
    (at most each store's level); then a grid search over (S0, S_a, S_b)."""
    means, lead_0, lead, h_0, h_s, p = (1.0, 2.0), 2, 1, 1.0, 2.5, 12.0
    ys = np.arange(-40, 20)
    g = [_store_cost(ys, lead * m, h_s - h_0, p + h_s) for m in means]
    d0 = np.arange(40)
    f0 = poisson.pmf(d0, lead_0 * sum(means))

    def stores(y_a: int, y_b: int) -> float:
        return g[0][y_a - ys[0]] + g[1][y_b - ys[0]]

    def cost(s0: int, s_a: int, s_b: int) -> float:
        total = 0.0
        for d, f in zip(d0, f0, strict=True):
            x = s0 - d  # short of s_a + s_b: the cheapest split of x with y_i <= S_i
            if x >= s_a + s_b:
                total += f * stores(s_a, s_b)
            else:
                total += f * min(stores(a, x - a) for a in range(x - s_b, s_a + 1))
        return h_0 * (s0 - lead_0 * sum(means)) + total

    grid = list(itertools.product(range(4, 14), range(0, 5), range(1, 6)))
    costs = [cost(*x) for x in grid]
    best = int(np.argmin(costs))
    sol = distribution_levels_poisson(means, lead_0, lead, h_0, h_s, p)
    assert (sol.warehouse, *sol.stores) == grid[best]
    assert sol.cost == pytest.approx(costs[best], rel=1e-9)


def test_normal_balance_cost_against_direct_integration() -> None:
    """Non-identical normal stores: at a common fractile the stores' cost is
    ``(sum s_i) g(z)``, with ``g(z) = e z + (p + hs) L(z)``; minimise the warehouse's
    expected cost over (S0, sum S_i) by quadrature and Nelder-Mead."""
    means, stds, lead_0, lead, h_0, h_s, p = [2.0, 5.0], [1.0, 3.0], 2, 1, 1.0, 3.0, 20.0
    m_1, s_1 = lead * sum(means), np.sqrt(lead) * sum(stds)
    m_0, s_0 = lead_0 * sum(means), np.sqrt(lead_0 * sum(np.square(stds)))
    d0 = np.linspace(m_0 - 10 * s_0, m_0 + 10 * s_0, 40001)
    weight = norm.pdf(d0, m_0, s_0)

    def cost(x: np.ndarray) -> float:
        z = (np.minimum(x[0], x[1] - d0) - m_1) / s_1
        stores = s_1 * ((h_s - h_0) * z + (p + h_s) * normal_loss(z))
        return h_0 * (x[1] - m_0) + integrate.trapezoid(stores * weight, d0)

    sol = distribution_levels_normal(means, stds, lead_0, lead, h_0, h_s, p)
    res = optimize.minimize(
        cost, x0=[sol.stores.sum() + 0.3, sol.warehouse - 0.3], method="Nelder-Mead"
    )
    assert (sol.stores.sum(), sol.warehouse) == pytest.approx(res.x, abs=0.03)
    assert sol.cost == pytest.approx(res.fun, abs=2e-3)
    z = norm.ppf((p + h_0) / (p + h_s))  # each store at its own newsvendor fractile
    assert sol.stores == pytest.approx(
        lead * np.array(means) + z * np.sqrt(lead) * np.array(stds), abs=0.03
    )


def test_deterministic_distribution_cost_is_pipeline_holding() -> None:
    sol = distribution_levels_normal([2.0, 3.0], [0.0, 0.0], 3, 2, 1.5, 4.0, 10.0)
    assert sol.stores == pytest.approx([4.0, 6.0])
    assert sol.warehouse == pytest.approx(25.0)
    assert sol.cost == pytest.approx(1.5 * 2 * 5.0)  # warehouse-to-store transit only


def _simulate_distribution(sol, means, lead_0, lead, h_0, h_s, p, periods, seed) -> np.ndarray:
    """The real system, Stocklab's period: arrivals, demand, costs, then orders, stores
    first; a short warehouse hands out units one at a time to the store furthest below
    its level (equal fractiles for identical stores)."""
    rng = np.random.default_rng(seed)
    n = len(means)
    levels = sol.stores
    due_w, due_s = np.zeros(periods + lead_0 + 1), np.zeros((n, periods + lead + 1))
    warehouse, net = 0.0, levels.copy()
    demand = rng.poisson(means, (periods, n))
    costs = np.empty(periods)
    for t in range(periods):
        warehouse += due_w[t]
        net += due_s[:, t] - demand[t]
        transit = due_s[:, t + 1 : t + lead].sum()
        costs[t] = h_0 * (warehouse + transit) + h_s * net.clip(0).sum() + p * (-net).clip(0).sum()
        want = np.maximum(levels - net - due_s[:, t + 1 : t + lead + 1].sum(axis=1), 0)
        ship = want.copy()
        if want.sum() > warehouse:
            ship[:] = 0
            for _ in range(int(warehouse)):
                ship[np.argmax(want - ship)] += 1
        warehouse -= ship.sum()
        due_s[:, t + lead] += ship
        echelon = warehouse + due_w[t + 1 :].sum() + due_s[:, t + 1 :].sum() + net.sum()
        due_w[t + lead_0] += max(sol.warehouse - echelon, 0)
    return costs


def test_simulated_distribution_cost_is_above_the_balance_bound() -> None:
    means, lead_0, lead, h_0, h_s, p = [3.0, 3.0, 3.0], 3, 1, 1.0, 3.0, 20.0
    sol = distribution_levels_poisson(means, lead_0, lead, h_0, h_s, p)
    mean, se = _batch_mean(
        _simulate_distribution(sol, means, lead_0, lead, h_0, h_s, p, 12_000, 7)[200:]
    )
    assert mean > sol.cost - 4 * se
    assert mean < 1.03 * sol.cost  # imbalance is rare here: the bound is nearly attained


def test_distribution_argument_checks() -> None:
    cases = [
        (lambda: distribution_levels_poisson([3, 2], 2, 1, 2.0, 1.0, 20), "store_holding(=1.0)"),
        (
            lambda: distribution_levels_poisson([3, 2], 1.5, 1, 1, 2, 20),
            "warehouse_lead_time(=1.5)",
        ),
        (lambda: distribution_levels_poisson([], 1, 1, 1, 2, 20), "store_means(=[])"),
        (lambda: distribution_levels_poisson([3, -1], 1, 1, 1, 2, 20), "store_means(=-1.0)"),
        (lambda: distribution_levels_normal([3, 2], [1], 1, 1, 1, 2, 20), "store_stds(=[1.0])"),
        (
            lambda: distribution_echelon_levels([3], None, "normal", 1, 1, 1, 2, 20),
            "store_stds(=None)",
        ),
        (
            lambda: distribution_echelon_levels([3], None, "gamma", 1, 1, 1, 2, 20),
            "family(='gamma')",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            call()
