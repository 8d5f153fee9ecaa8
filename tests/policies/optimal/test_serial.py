"""Tests of :mod:`policies.optimal.serial`: Clark & Scarf echelon levels (Chen & Zheng 1994)
against published values, reductions to the newsvendor, brute force, direct integration
and the holding-cost conversions, and argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.stats import norm, poisson

from policies.optimal import (
    clark_scarf_normal,
    clark_scarf_poisson,
    echelon_to_local_holding,
    local_to_echelon_holding,
    newsvendor_normal,
    newsvendor_poisson,
    normal_loss,
)
from tests.policies.optimal.helpers import bad_arguments_test

# --------------------------------------------------------------------------- serial


def test_snyder_shen_ex_6_1_clark_scarf() -> None:
    """Snyder & Shen, 2nd ed., Example 6.1: N(5, 1) demand, echelon holding (3, 2, 2),
    lead times (1, 1, 2), p = 37.12."""
    sol = clark_scarf_normal(5, 1, [3, 2, 2], [1, 1, 2], 37.12)
    assert sol.levels == pytest.approx([6.48, 12.03, 22.72], abs=0.02)
    assert sol.cost == pytest.approx(47.66, abs=0.05)
    assert sol.local_levels == pytest.approx(np.diff(sol.levels, prepend=0.0))


def test_clark_scarf_single_stage_is_the_newsvendor() -> None:
    normal = clark_scarf_normal(5, 1, [3], [2], 37.12, grid_step=0.001)
    nv = newsvendor_normal(10, np.sqrt(2), 3, 37.12)
    assert normal.levels[0] == pytest.approx(nv.level, abs=0.001)
    assert normal.cost == pytest.approx(nv.cost, abs=1e-5)
    pois = clark_scarf_poisson(5, [3], [2], 37.12)
    nv_p = newsvendor_poisson(10, 3, 37.12)
    assert (pois.levels[0], pois.cost) == pytest.approx((nv_p.level, nv_p.cost))


def _two_stage_cost_poisson(
    s1: int, s2: int, mean: float, h: tuple[float, float], lead: tuple[int, int], p: float
) -> float:
    """Cost of echelon levels (S1, S2) from first principles: stage 1's echelon position
    after shipping is min(S1, S2 - D_2), with D_2 the demand over L_2."""
    d = np.arange(150)
    f1, f2 = poisson.pmf(d, mean * lead[0]), poisson.pmf(d, mean * lead[1])
    y = np.minimum(s1, s2 - d)  # one per value of D_2
    net = y[:, None] - d[None, :]  # stage 1 net stock, one per (D_2, D_1)
    stage1 = h[0] * net + (p + h[0] + h[1]) * np.maximum(-net, 0)
    return float(h[1] * (s2 - mean * lead[1]) + f2 @ stage1 @ f1)


def test_clark_scarf_poisson_against_brute_force() -> None:
    mean, h, lead, p = 3.0, (2.0, 1.0), (1, 2), 20.0
    sol = clark_scarf_poisson(mean, h, lead, p)
    grid = [(a, b) for a in range(0, 15) for b in range(4, 25)]
    costs = [_two_stage_cost_poisson(a, b, mean, h, lead, p) for a, b in grid]
    best = int(np.argmin(costs))
    assert tuple(sol.levels) == grid[best]
    assert sol.cost == pytest.approx(costs[best], rel=1e-10)


def test_clark_scarf_normal_against_direct_integration() -> None:
    mean, sd, h, lead, p = 5.0, 1.0, (3.0, 4.0), (1.0, 2.0), 37.12
    local_1 = h[0] + h[1]
    mu1, sd1, mu2, sd2 = mean, sd, 2 * mean, np.sqrt(2) * sd

    d2 = np.linspace(mu2 - 10 * sd2, mu2 + 10 * sd2, 40001)
    weight = norm.pdf(d2, mu2, sd2)

    def cost(x: np.ndarray) -> float:
        y = np.minimum(x[0], x[1] - d2)  # stage 1's echelon position after shipping
        stage1 = h[0] * (y - mu1) + (p + local_1) * sd1 * normal_loss((y - mu1) / sd1)
        return h[1] * (x[1] - mu2) + integrate.trapezoid(stage1 * weight, d2)

    sol = clark_scarf_normal(mean, sd, h, lead, p)
    res = optimize.minimize(cost, x0=sol.levels + 0.3, method="Nelder-Mead")
    assert sol.levels == pytest.approx(res.x, abs=0.02)
    assert sol.cost == pytest.approx(res.fun, abs=1e-3)


def test_clark_scarf_deterministic_cost_is_pipeline_holding() -> None:
    """With no uncertainty only stock in transit between stages costs: L_j mean units at
    the shipping stage's local rate; the supplier's shipments into stage N are free."""
    sol = clark_scarf_normal(5, 0, [3, 2, 2], [1, 1, 2], 37.12)
    assert sol.levels == pytest.approx([5, 10, 20])
    assert sol.cost == pytest.approx(1 * 5 * 4 + 1 * 5 * 2)


def test_holding_conversions_round_trip() -> None:
    assert echelon_to_local_holding([3, 2, 2]).tolist() == [7, 4, 2]
    assert local_to_echelon_holding([7, 4, 2]).tolist() == [3, 2, 2]


# --------------------------------------------------------------------------- validation


test_bad_arguments_name_the_key_and_value = bad_arguments_test(
    (lambda: clark_scarf_normal(5, 1, [3, 2], [1], 37.12), "lead_times", "[1.0]"),
    (lambda: clark_scarf_normal(5, 1, [3, -2], [1, 1], 37.12), "echelon_holding", "-2.0"),
    (lambda: clark_scarf_poisson(5, [3, 2], [1, 1.5], 37.12), "lead_times", "1.5"),
)
