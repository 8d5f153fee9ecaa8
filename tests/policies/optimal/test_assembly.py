"""Tests of :mod:`policies.optimal.assembly`: the one-level assembly system by Rosling's
(1989) equivalent serial chain. Reductions to the serial solver, property checks, and a
short simulation of the real system under the Stocklab period convention."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.optimal import (
    assembly_echelon_levels,
    clark_scarf_normal,
    clark_scarf_poisson,
    local_to_echelon_holding,
    rosling_serial_order,
)


def _batch_mean(costs: np.ndarray, batch: int = 500) -> tuple[float, float]:
    """Mean cost per period and its standard error by batch means."""
    means = costs[: costs.size // batch * batch].reshape(-1, batch).mean(axis=1)
    return float(costs.mean()), float(means.std(ddof=1) / np.sqrt(means.size))


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
