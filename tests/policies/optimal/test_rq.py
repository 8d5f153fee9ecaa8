"""Tests of :mod:`policies.optimal.rq`: the exact Poisson (r, Q) of Federgruen & Zheng
(1992) and the normal approximation against published values, brute force, first-order
conditions, limits, property checks, vectorisation and argument checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from policies.optimal import (
    eoq_backorders,
    expected_cost_normal,
    reorder_point_service,
    rq_cost_normal,
    rq_cost_poisson,
    rq_normal_approx,
    rq_poisson_exact,
)
from tests.policies.optimal.helpers import bad_arguments_test

# --------------------------------------------------------------------------- (r, Q)


def test_snyder_shen_ex_5_8_rq_poisson() -> None:
    """Snyder & Shen, 2nd ed., Example 5.8: rate 1.5, lead time 2, h = 20, p = 150,
    K = 100."""
    sol = rq_poisson_exact(1.5, 2, 20, 150, 100)
    assert (sol.r, sol.q) == (3, 5)
    assert sol.cost == pytest.approx(107.923581, abs=1e-5)
    assert rq_cost_poisson(3, 5, 1.5, 2, 20, 150, 100) == pytest.approx(sol.cost)


@pytest.mark.parametrize(
    ("rate", "lead", "h", "p", "k"),
    [(1.5, 2.0, 20.0, 150.0, 100.0), (4.0, 1.5, 2.0, 10.0, 30.0), (0.3, 5.0, 1.0, 50.0, 3.0)],
)
def test_rq_poisson_against_brute_force(
    rate: float, lead: float, h: float, p: float, k: float
) -> None:
    sol = rq_poisson_exact(rate, lead, h, p, k)
    grid = np.array(list(itertools.product(range(-6, 25), range(1, 40)))).T
    costs = rq_cost_poisson(grid[0], grid[1], rate, lead, h, p, k)
    best = int(np.argmin(costs))
    assert sol.cost == pytest.approx(costs[best], abs=1e-12)
    assert (sol.r, sol.q) == (grid[0][best], grid[1][best])


def test_rq_normal_is_optimal_and_meets_first_order_conditions() -> None:
    args = (1.5, 1.2, 2.0, 0.3, 20.0, 150.0, 100.0)
    sol = rq_normal_approx(*args)
    assert rq_cost_normal(sol.r, sol.q, *args) == pytest.approx(sol.cost, rel=1e-10)
    mu, sigma = 3.0, np.sqrt(2.0 * 1.2**2 + 1.5**2 * 0.3**2)
    g = expected_cost_normal([sol.r, sol.r + sol.q], mu, sigma, 20.0, 150.0)
    assert g == pytest.approx([sol.cost, sol.cost], rel=1e-8)
    res = optimize.minimize(
        lambda x: rq_cost_normal(x[0], abs(x[1]) + 1e-9, *args),
        x0=[sol.r + 1.0, sol.q - 1.0],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12},
    )
    assert sol.cost <= res.fun + 1e-9
    assert res.x == pytest.approx([sol.r, sol.q], abs=1e-4)


def test_rq_normal_deterministic_limit_is_eoq_with_backorders() -> None:
    sol = rq_normal_approx(100.0, 0.0, 2.0, 0.0, 1.0, 9.0, 50.0)
    eoq_b = eoq_backorders(50.0, 1.0, 9.0, 100.0)
    assert sol.q == pytest.approx(eoq_b.q, rel=1e-8)
    assert sol.cost == pytest.approx(eoq_b.cost, rel=1e-8)
    assert sol.r == pytest.approx(200.0 - eoq_b.max_backorder, rel=1e-8)


def test_rq_normal_close_to_poisson_exact_at_high_rate() -> None:
    exact = rq_poisson_exact(50, 2, 2, 10, 40)
    approx = rq_normal_approx(50, np.sqrt(50), 2, 0, 2, 10, 40)
    assert approx.cost == pytest.approx(exact.cost, rel=0.01)
    assert approx.q == pytest.approx(exact.q, abs=2)
    assert approx.r == pytest.approx(exact.r, abs=2)


def test_rq_vectorised_matches_scalars() -> None:
    rate, sd, lt = np.array([1.5, 100.0, 7.0]), np.array([1.2, 10.0, 0.0]), np.array([2, 2, 1])
    lt_sd, k = np.array([0.0, 0.5, 0.2]), np.array([100.0, 100.0, 5.0])
    sol = rq_normal_approx(rate, sd, lt, lt_sd, 20.0, 150.0, k)
    exact = rq_poisson_exact(rate, lt, 20.0, 150.0, k)
    for i in range(3):
        one = rq_normal_approx(rate[i], sd[i], lt[i], lt_sd[i], 20.0, 150.0, k[i])
        assert (sol.r[i], sol.q[i], sol.cost[i]) == pytest.approx((one.r, one.q, one.cost))
        one_exact = rq_poisson_exact(rate[i], lt[i], 20.0, 150.0, k[i])
        assert (exact.r[i], exact.q[i]) == (one_exact.r, one_exact.q)


def test_reorder_point_service() -> None:
    r = reorder_point_service([100.0, 20.0], [10.0, 0.0], 0.95)
    assert r == pytest.approx([100.0 + 1.6448536269514722 * 10.0, 20.0])
    assert reorder_point_service(100.0, 10.0, 0.5) == pytest.approx(100.0)


@settings(max_examples=25, deadline=None)
@given(
    rate=st.floats(0.2, 20),
    lead=st.floats(0, 4),
    h=st.floats(0.1, 5),
    p=st.floats(0.5, 50),
    k=st.floats(0, 100),
    dr=st.integers(-3, 3),
    dq=st.integers(-3, 3),
)
def test_rq_poisson_never_beaten_nearby(
    rate: float, lead: float, h: float, p: float, k: float, dr: int, dq: int
) -> None:
    sol = rq_poisson_exact(rate, lead, h, p, k)
    if sol.q + dq >= 1:
        assert sol.cost <= rq_cost_poisson(sol.r + dr, sol.q + dq, rate, lead, h, p, k) + 1e-9


# --------------------------------------------------------------------------- validation


test_bad_arguments_name_the_key_and_value = bad_arguments_test(
    (lambda: rq_poisson_exact(1.5, -2, 20, 150, 100), "lead_time", "-2.0"),
    (lambda: rq_cost_poisson(3, 0, 1.5, 2, 20, 150, 100), "q", "0.0"),
    (lambda: rq_normal_approx(1.5, 1, 2, -0.1, 20, 150, 100), "lead_time_std", "-0.1"),
    (lambda: reorder_point_service(10, 2, [0.5, 1.0]), "cycle_service_level", "1.0"),
)


def test_normal_cost_of_the_root_finders_equals_expected_cost_normal_bit_for_bit() -> None:
    """The scalar cost inside :func:`rq_normal_approx`'s root finders (written for speed)
    gives the very words of :func:`expected_cost_normal`, so the optimum is unchanged."""
    from policies.optimal.rq import _normal_cost

    rng = np.random.default_rng(3)
    for _ in range(5000):
        y, mu = rng.normal(20.0, 10.0, 2)
        sigma = 0.0 if rng.random() < 0.2 else rng.uniform(0.1, 8.0)
        h, p = rng.uniform(0.1, 5.0), rng.uniform(1.0, 30.0)
        assert _normal_cost(y, mu, sigma, h, p) == float(expected_cost_normal(y, mu, sigma, h, p))
