"""Tests of :mod:`policies.optimal.eoq`: the EOQ with and without planned backorders
against published values (tests named after their source), brute-force grids,
vectorisation and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from policies.optimal import (
    eoq,
    eoq_backorders,
    eoq_backorders_cost,
    eoq_cost,
)
from tests.policies.optimal.helpers import bad_arguments_test

# --------------------------------------------------------------------------- EOQ


def test_snyder_shen_ex_3_1_eoq() -> None:
    """Snyder & Shen, 2nd ed., Example 3.1: K = 8, h = 0.225, D = 1300."""
    sol = eoq(8, 0.225, 1300)
    assert sol.q == pytest.approx(304.0467800264368, rel=1e-12)
    assert sol.cost == pytest.approx(68.41052550594829, rel=1e-12)
    assert sol.cycle_time == pytest.approx(sol.q / 1300)
    assert eoq_cost(sol.q, 8, 0.225, 1300) == pytest.approx(sol.cost)


def test_eoq_beats_a_grid_of_order_quantities() -> None:
    sol = eoq(50.0, 2.0, 400.0)
    grid = np.linspace(0.5 * sol.q, 2 * sol.q, 2001)
    costs = eoq_cost(grid, 50.0, 2.0, 400.0)
    assert sol.cost <= costs.min() + 1e-12
    assert grid[np.argmin(costs)] == pytest.approx(sol.q, abs=grid[1] - grid[0])


def test_snyder_shen_sec_3_5_eoq_backorders_against_brute_force() -> None:
    k, h, p, d = 8.0, 0.225, 5.0, 1300.0
    sol = eoq_backorders(k, h, p, d)
    assert sol.stockout_fraction == pytest.approx(h / (h + p))
    assert sol.max_backorder == pytest.approx(sol.stockout_fraction * sol.q)
    assert eoq_backorders_cost(sol.q, sol.stockout_fraction, k, h, p, d) == pytest.approx(sol.cost)
    qs, xs = np.meshgrid(np.linspace(200, 500, 601), np.linspace(0, 0.2, 401))
    costs = eoq_backorders_cost(qs, xs, k, h, p, d)
    assert sol.cost <= costs.min() + 1e-12
    assert costs.min() == pytest.approx(sol.cost, rel=1e-5)
    # Backorders that cost a fortune are never planned: back to the plain EOQ.
    assert eoq_backorders(k, h, 1e12, d).q == pytest.approx(eoq(k, h, d).q, rel=1e-6)


def test_eoq_vectorised_matches_scalars() -> None:
    k, h, d = np.array([8.0, 50.0, 1.0]), np.array([0.225, 2.0, 0.1]), np.array([1300, 400, 7])
    sol, sol_b = eoq(k, h, d), eoq_backorders(k, h, 3.0, d)
    for i in range(3):
        assert sol.q[i] == pytest.approx(eoq(k[i], h[i], d[i]).q)
        assert sol.cost[i] == pytest.approx(eoq(k[i], h[i], d[i]).cost)
        assert sol_b.q[i] == pytest.approx(eoq_backorders(k[i], h[i], 3.0, d[i]).q)


# --------------------------------------------------------------------------- validation


test_bad_arguments_name_the_key_and_value = bad_arguments_test(
    (lambda: eoq(8, -0.225, 1300), "holding", "-0.225"),
    (lambda: eoq([8, 0], 1, 1), "order_fixed", "0.0"),
    (lambda: eoq_backorders(8, 1, 0, 1300), "backorder", "0.0"),
    (lambda: eoq_backorders_cost(1, 1.5, 1, 1, 1, 1), "stockout_fraction", "1.5"),
)
