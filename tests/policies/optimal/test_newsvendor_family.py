"""Tests of the newsvendor family: published values (named after their source, read from
stockpyl's ``tests/test_newsvendor.py``), brute-force enumeration and numerical integration
of the cost, and argument checks."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import lognorm, norm, poisson, uniform

from policies.optimal import newsvendor_normal
from policies.optimal.newsvendor_family import (
    DiscreteDemand,
    expected_cost,
    expected_profit,
    myopic_base_stock,
    myopic_cost,
    myopic_level_at_cost,
    newsvendor,
    newsvendor_profit,
    poisson_demand,
)


def test_snyder_shen_ex_4_3_continuous_normal() -> None:
    """Example 4.3: h = 0.18, p = 0.7, N(50, 8^2): S* = 56.6040, g(S*) = 1.9976,
    g(40) = 7.3561."""
    sol = newsvendor(norm(50, 8), 0.18, 0.7)
    assert sol.level == pytest.approx(56.603955927433887, rel=1e-12)
    assert sol.cost == pytest.approx(1.997605193176645, rel=1e-9)
    assert expected_cost(40, norm(50, 8), 0.18, 0.7) == pytest.approx(7.356131552870388, rel=1e-9)


def test_snyder_shen_problem_4_8b_lognormal() -> None:
    """Problem 4.8(b): h = 1, p = 0.1765, lognormal(mu = 6, sigma = 0.3)."""
    d = lognorm(0.3, 0, np.exp(6))
    sol = newsvendor(d, 1, 0.1765)
    assert sol.level == pytest.approx(295.6266448071368, rel=1e-12)
    assert sol.cost == pytest.approx(29.442543582135290, rel=1e-8)
    assert expected_cost(350, d, 1, 0.1765) == pytest.approx(34.588836685654854, rel=1e-8)


def test_snyder_shen_ex_4_7_discrete_poisson_table() -> None:
    """Example 4.7 without K: h = 1, p = 4, Poisson(6): S* = 8, cost 3.5701; g(5) = 6.5903."""
    table = poisson_demand(6)
    sol = newsvendor(table, 1, 4)
    assert sol.level == 8
    assert sol.cost == pytest.approx(3.570106945770946, rel=1e-9)
    assert expected_cost(5, table, 1, 4) == pytest.approx(6.590296024616344, rel=1e-9)


def test_snyder_shen_problem_4_7b_discrete_table() -> None:
    """Problem 4.7(b): h = 500000, p = 1000000, demand table on 1..8: S* = 5, cost 1225000;
    g(3) = 1725000."""
    table = DiscreteDemand([1, 2, 3, 4, 5, 6, 7, 8], [0.25, 0.05, 0.1, 0.2, 0.15, 0.1, 0.1, 0.05])
    sol = newsvendor(table, 500000, 1000000)
    assert sol.level == 5
    assert sol.cost == pytest.approx(1225000, rel=1e-12)
    assert expected_cost(3, table, 500000, 1000000) == pytest.approx(1725000, rel=1e-12)


def test_snyder_shen_ex_4_2_revenue_cost_salvage() -> None:
    """Example 4.2: r = 1, c = 0.3, v = 0.12, N(50, 8^2): Q* = 56.6040, profit 33.0024;
    profit(40) = 27.6439."""
    sol = newsvendor_profit(norm(50, 8), 1, 0.3, 0.12)
    assert sol.quantity == pytest.approx(56.603955927433887, rel=1e-12)
    assert sol.profit == pytest.approx(33.002394806823354, rel=1e-9)
    assert sol.critical_ratio == pytest.approx(0.7 / 0.88)
    assert expected_profit(40, norm(50, 8), 1, 0.3, 0.12) == pytest.approx(
        27.643868447129613, rel=1e-9
    )


def test_snyder_shen_problem_4_1_with_shortage_penalty() -> None:
    """Problem 4.1: r = 129, c = 65, v = 22, b = 15, N(900, 60^2): h = 43, p = 79 give
    S* = 922.72 and cost 2718.20, so profit = 64 * 900 - 2718.20."""
    sol = newsvendor_profit(norm(900, 60), 129, 65, 22, 15)
    assert sol.quantity == pytest.approx(922.7214038234755, rel=1e-12)
    assert sol.profit == pytest.approx(64 * 900 - 2718.196781782411, rel=1e-10)


def test_snyder_shen_myopic_example_4_1() -> None:
    """stockpyl ``TestMyopic``/``TestMyopicCost`` on Example 4.1 data (h = 0.18, p = 0.7,
    N(50, 8^2)) with c = 0.3, gamma = 0.98 and c' = 0.35 (optimum) or 0.4 (costs)."""
    d = norm(50, 8)
    sol = myopic_base_stock(d, 0.18, 0.7, 0.3, 0.35, 0.98)
    assert sol.level == pytest.approx(58.09891883213067, rel=1e-12)
    assert sol.cost == pytest.approx(16.682411764618777, rel=1e-9)
    assert myopic_cost(62, d, 0.18, 0.7, 0.3, 0.35, 0.98) == pytest.approx(16.850319828088736)
    np.testing.assert_allclose(
        myopic_cost([60, 40, 120, 56.6], d, 0.18, 0.7, 0.3, 0.4, 0.98),
        [16.236131552870390, 23.276131552870389, 21.16, 16.390405437438364],
        rtol=1e-9,
    )


def test_snyder_shen_myopic_problem_4_1() -> None:
    """stockpyl ``TestMyopic.test_problem_4_1``: h = 43, p = 79, N(900, 60^2), c = 65,
    c' = 55, gamma = 0.9."""
    d = norm(900, 60)
    sol = myopic_base_stock(d, 43, 79, 65, 55, 0.9)
    assert sol.level == pytest.approx(903.0832764843523, rel=1e-12)
    assert sol.cost == pytest.approx(61416.404244990816, rel=1e-9)
    np.testing.assert_allclose(
        myopic_cost([950, 900, 1150, 650, 2400], d, 43, 79, 65, 55, 0.9),
        [62254.39180412519, 61420.25749253849, 73125.02466917748, 74375.02466917748, 146250],
        rtol=1e-9,
    )


def test_continuous_cost_against_direct_integration_and_closed_form() -> None:
    """The quadrature cost equals the normal closed form and a direct integral of
    ``h (S - x)+ + p (x - S)+`` against the density; the optimum beats a fine grid."""
    d = norm(120, 25)
    closed = newsvendor_normal(120, 25, 2.0, 7.0)
    sol = newsvendor(d, 2.0, 7.0)
    assert sol.level == pytest.approx(closed.level, rel=1e-12)
    assert sol.cost == pytest.approx(closed.cost, rel=1e-9)
    for s in (60.0, 131.0, 200.0):
        direct = integrate.quad(
            lambda x, s=s: (2 * max(s - x, 0) + 7 * max(x - s, 0)) * d.pdf(x),
            -np.inf,
            np.inf,
            points=None,
        )[0]
        assert expected_cost(s, d, 2.0, 7.0) == pytest.approx(direct, rel=1e-7)
    grid = np.linspace(sol.level - 30, sol.level + 30, 241)
    assert sol.cost <= np.min(expected_cost(grid, d, 2.0, 7.0)) + 1e-9


def test_bounded_support_uniform_closed_form() -> None:
    """U(0, 100), h = 1, p = 3: S* = 75, g(S) = (h S^2 + p (100 - S)^2) / 200."""
    sol = newsvendor(uniform(0, 100), 1, 3)
    assert sol.level == pytest.approx(75.0)
    for s in (-5.0, 0.0, 30.0, 75.0, 100.0, 130.0):
        s_in = min(max(s, 0.0), 100.0)
        closed = (s_in**2 + 3 * (100 - s_in) ** 2) / 200 + max(s - 100, 0) + 3 * max(-s, 0)
        assert float(expected_cost(s, uniform(0, 100), 1, 3)) == pytest.approx(closed, abs=1e-9)


def test_discrete_optimum_against_enumeration() -> None:
    """Every integer level and every midpoint: none beats the table's optimum."""
    rng = np.random.default_rng(14)
    for _ in range(20):
        values = np.sort(rng.choice(np.arange(0, 40), size=8, replace=False))
        probs = rng.dirichlet(np.ones(8))
        table = DiscreteDemand(values, probs)
        h, p = rng.uniform(0.1, 5, size=2)
        sol = newsvendor(table, h, p)
        levels = np.arange(-5, 45, 0.5)
        brute = np.array(
            [
                h * probs @ np.maximum(s - values, 0) + p * probs @ np.maximum(values - s, 0)
                for s in levels
            ]
        )
        assert sol.cost == pytest.approx(brute.min(), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(
            expected_cost(levels, table, h, p), brute, rtol=1e-12, atol=1e-12
        )


def test_profit_optimum_against_enumeration_and_simulation() -> None:
    table = poisson_demand(20)
    sol = newsvendor_profit(table, price=10, cost=4, salvage=1, shortage_penalty=2)
    qs = np.arange(0, 60)
    profits = np.asarray(expected_profit(qs, table, 10, 4, 1, 2))
    assert sol.quantity == qs[np.argmax(profits)]
    assert sol.profit == pytest.approx(profits.max(), rel=1e-12)
    draws = np.random.default_rng(5).poisson(20, size=400_000)
    q = sol.quantity
    sample = 10 * np.minimum(q, draws) + 1 * np.maximum(q - draws, 0) - 4 * q
    sample -= 2 * np.maximum(draws - q, 0)
    half_width = 4 * sample.std() / np.sqrt(sample.size)
    assert abs(sample.mean() - sol.profit) < half_width


def test_myopic_optimum_against_grid_and_level_at_cost() -> None:
    table = poisson_demand(9)
    sol = myopic_base_stock(table, 1, 6, 2, 2.5, 0.9)
    levels = np.arange(0, 40)
    costs = np.asarray(myopic_cost(levels, table, 1, 6, 2, 2.5, 0.9))
    assert sol.level == levels[np.argmin(costs)]
    assert sol.cost == pytest.approx(costs.min(), rel=1e-12)
    for left in (True, False):
        y = myopic_level_at_cost(sol.cost + 5, table, 1, 6, 2, 2.5, 0.9, left=left)
        assert (y < sol.level) if left else (y > sol.level)
        assert float(myopic_cost(y, table, 1, 6, 2, 2.5, 0.9)) == pytest.approx(sol.cost + 5)
    with pytest.raises(ValueError, match=r"^target\("):
        myopic_level_at_cost(sol.cost - 1, table, 1, 6, 2, 2.5, 0.9, left=True)


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda: newsvendor(norm(5, 1), -1, 2), "holding"),
        (lambda: newsvendor(norm(5, 1), 1, 0), "shortage"),
        (lambda: newsvendor(poisson(4), 1, 2), "rv"),
        (lambda: DiscreteDemand([1, 2], [0.5, 0.6]), "probs"),
        (lambda: DiscreteDemand([2, 1], [0.5, 0.5]), "values"),
        (lambda: DiscreteDemand([1, 2], [0.5, -0.5]), "probs"),
        (lambda: DiscreteDemand([1, 2, 3], [0.5, 0.5]), "values"),
        (lambda: newsvendor_profit(norm(5, 1), 10, 4, 5), "salvage"),
        (lambda: newsvendor_profit(norm(5, 1), 3, 4, 1), "cost"),
        (lambda: newsvendor_profit(norm(5, 1), 0, 4, 1), "price"),
        (lambda: expected_profit(float("inf"), norm(5, 1), 10, 4, 1), "quantity"),
        (lambda: myopic_cost(3, norm(5, 1), 1, 2, 1, 0.5, 1.2), "discount"),
        (
            lambda: myopic_base_stock(norm(5, 1), 1, 2, 5, 0.5, 0.9),
            "purchase_cost - discount * next_purchase_cost",
        ),
        (lambda: expected_cost(float("nan"), norm(5, 1), 1, 2), "level"),
        (lambda: poisson_demand(-1), "mean"),
    ],
)
def test_bad_arguments_name_the_key_and_value(call, key) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(key) + r"\("):
        call()
