"""Tests of the network optimisers beyond the serial chain: the one-warehouse, N-store
distribution system under the balance assumption (Federgruen & Zipkin 1984) and the
assembly system by Rosling's (1989) equivalent serial chain. Reductions to the serial
solver, first-principles re-derivations on small grids, property checks, and short
simulations of the real systems under the Stocklab period convention."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from scipy.stats import norm, poisson

from policies.optimal import (
    assembly_echelon_levels,
    clark_scarf_normal,
    clark_scarf_poisson,
    distribution_echelon_levels,
    distribution_levels_normal,
    distribution_levels_poisson,
    local_to_echelon_holding,
    newsvendor_normal,
    newsvendor_poisson,
    normal_loss,
    rosling_serial_order,
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


# --------------------------------------------------------------------------- assembly


@pytest.mark.parametrize("family", ["poisson", "normal"])
def test_one_component_is_the_two_stage_serial_system(family: str) -> None:
    mean, std, lead_c, lead_0, h_c, h_p, p = 2.0, 1.0, 3, 1, 1.0, 3.0, 20.0
    sol = assembly_echelon_levels([lead_c], lead_0, [h_c, h_p], p, mean, std, family)
    echelon = local_to_echelon_holding([h_p, h_c])
    if family == "poisson":
        serial = clark_scarf_poisson(mean, echelon, [lead_0, lead_c], p)
    else:
        serial = clark_scarf_normal(mean, std, echelon, [lead_0, lead_c], p)
    assert sol.levels.tolist() == serial.levels.tolist()
    assert sol.cost == serial.cost
    assert (sol.product, *sol.components) == tuple(serial.levels)


def test_components_with_equal_lead_times_collapse_into_one_stage() -> None:
    """Two components with the same lead time move in step: one stage whose echelon
    holding is their summed rate; both share its level."""
    sol = assembly_echelon_levels([2, 2], 1, [0.5, 1.0, 3.0], 15.0, 4.0, None, "poisson")
    one = assembly_echelon_levels([2], 1, [1.5, 3.0], 15.0, 4.0, None, "poisson")
    assert sol.chain.groups == ((0,), (1, 2))
    assert sol.levels.tolist() == [one.levels[0], one.levels[1], one.levels[1]]
    assert sol.cost == one.cost


def test_rosling_chain_orders_components_by_cumulative_lead_time() -> None:
    chain = rosling_serial_order([3, 1, 1, 2], 1, [1.0, 2.0, 0.5, 1.0, 6.0])
    assert chain.groups == ((0,), (2, 3), (4,), (1,))
    assert chain.lead_times.tolist() == [1, 1, 1, 1]
    assert chain.cumulative_lead_times.tolist() == [1, 2, 3, 4]
    assert chain.echelon_holding.tolist() == [1.5, 2.5, 1.0, 1.0]
    assert chain.local_holding.tolist() == [6.0, 4.5, 2.0, 1.0]
    assert chain.stage_of_node.tolist() == [0, 3, 1, 1, 2]
    # component 1 "waits" 2 periods and component 4 one period in the chain's transit
    assert chain.transit_credit(2.0) == pytest.approx(2.0 * (1.0 * 1 + 1.0 * 2))


@settings(max_examples=40, deadline=None)
@given(
    leads=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    lead_0=st.integers(1, 3),
    rates=st.lists(st.floats(0.0, 3.0), min_size=5, max_size=5),
    value_added=st.floats(0.0, 3.0),
    mean=st.floats(0.05, 4.0),
    p=st.floats(1.0, 30.0),
)
def test_assembly_levels_never_fall_along_the_chain(
    leads, lead_0, rates, value_added, mean, p
) -> None:
    holding = [*rates[: len(leads)], sum(rates[: len(leads)]) + value_added]
    sol = assembly_echelon_levels(leads, lead_0, holding, p, mean, None, "poisson")
    chain = sol.chain
    stage_levels = np.array([sol.levels[g[0]] for g in chain.groups])
    assert np.all(np.diff(stage_levels) >= 0)
    for group, level in zip(chain.groups, stage_levels, strict=True):
        assert np.all(sol.levels[list(group)] == level)
    assert chain.lead_times.sum() == lead_0 + max(leads)
    assert np.all(chain.lead_times[1:] > 0)
    assert sol.cost == pytest.approx(sol.serial.cost - chain.transit_credit(mean))
    assert np.all(sol.levels == np.round(sol.levels))


def test_levels_are_capped_by_the_stage_above() -> None:
    """A costly upstream echelon can make the raw Clark & Scarf level fall upstream; the
    stage below can never exceed it, so it is capped, with no change in cost."""
    sol = assembly_echelon_levels([1], 1, [10.0, 11.0], 5.0, 0.1, None, "poisson")
    assert sol.serial.levels.tolist() == [1.0, 0.0]
    assert sol.levels.tolist() == [0.0, 0.0]
    assert sol.cost == sol.serial.cost


def test_deterministic_assembly_cost_is_kits_in_assembly() -> None:
    """No uncertainty: only kits in assembly cost (l_0 mean units at the components'
    summed rate); the serial chain would also charge the slow component's head start."""
    mean, lead_0, holding = 3.0, 1, [1.0, 0.5, 4.0]
    sol = assembly_echelon_levels([1, 4], lead_0, holding, 20.0, mean, 0.0, "normal")
    assert sol.levels == pytest.approx(mean * np.array([1, 2, 5]))
    assert sol.cost == pytest.approx(mean * lead_0 * 1.5)
    assert sol.serial.cost == pytest.approx(mean * lead_0 * 1.5 + mean * 1 * 0.5)


def _simulate_assembly(sol, leads, lead_0, holding, p, mean, periods, seed) -> np.ndarray:
    """The assembly system under Rosling's balanced policy, Stocklab's period: arrivals,
    demand, costs, then orders (product first): kits go out as far as every component
    allows; a component orders up to its level, but never past the echelon stock of a
    slower component that will be on hand when its own order arrives."""
    rng = np.random.default_rng(seed)
    n, leads = len(leads), np.asarray(leads)
    h_parts, h_product = np.asarray(holding[:-1]), holding[-1]
    due_c, due_k = np.zeros((n, periods + leads.max() + 1)), np.zeros(periods + lead_0 + 1)
    on_hand, net = np.zeros(n), float(sol.product)
    demand = rng.poisson(mean, periods)
    costs = np.empty(periods)
    for t in range(periods):
        on_hand += due_c[:, t]
        net += due_k[t] - demand[t]
        kits = due_k[t + 1 : t + lead_0].sum()
        costs[t] = (
            h_parts @ on_hand + h_parts.sum() * kits + h_product * max(net, 0) + p * max(-net, 0)
        )
        release = min(max(sol.product - net - due_k[t + 1 :].sum(), 0), on_hand.min())
        on_hand -= release
        due_k[t + lead_0] += release
        downstream = net + due_k[t + 1 :].sum()
        for k in range(n):
            target = sol.components[k]
            for j in np.flatnonzero(leads > leads[k]):
                ready = on_hand[j] + due_c[j, t + 1 : t + leads[k] + 1].sum() + downstream
                target = min(target, ready)
            position = on_hand[k] + due_c[k, t + 1 :].sum() + downstream
            due_c[k, t + leads[k]] += max(target - position, 0)
    return costs


def test_simulated_assembly_cost_matches_rosling() -> None:
    """The transit credit matters: the simulated cost sits on the assembly cost, many
    standard errors below the serial chain's."""
    leads, lead_0, holding, p, mean = [1, 3], 1, [1.0, 1.5, 4.0], 20.0, 2.0
    sol = assembly_echelon_levels(leads, lead_0, holding, p, mean, None, "poisson")
    costs = _simulate_assembly(sol, leads, lead_0, holding, p, mean, 20_000, 3)[200:]
    sim, se = _batch_mean(costs)
    assert abs(sim - sol.cost) < 4 * se
    assert sol.serial.cost - sol.cost > 8 * se


def test_assembly_argument_checks() -> None:
    cases = [
        (lambda: rosling_serial_order([1, 2], 1, [1.0, 1.0, 1.5]), "local_holding(=1.5)"),
        (lambda: rosling_serial_order([1, 2], 1, [1.0, 3.0]), "local_holding(=[1.0, 3.0])"),
        (lambda: rosling_serial_order([], 1, [1.0]), "component_lead_times(=[])"),
        (lambda: rosling_serial_order([1, -2], 1, [1, 1, 3]), "component_lead_times(=-2.0)"),
        (lambda: assembly_echelon_levels([1], 1, [1, 2], 9, 3, None, "normal"), "std(=None)"),
        (lambda: assembly_echelon_levels([1], 1, [1, 2], 9, 3, 1, "gamma"), "family(='gamma')"),
        (lambda: assembly_echelon_levels([1.5], 1, [1, 2], 9, 3, 1, "poisson"), "lead_times(=1.5)"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            call()
