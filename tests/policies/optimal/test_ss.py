"""Tests of :mod:`policies.optimal.ss`: Zheng & Federgruen's (1991) exact (s, S) and the
Ehrhardt & Mosier (1984) power approximation against published values, a Markov-chain
re-derivation, brute force, property checks, vectorisation and argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from policies.optimal import (
    newsvendor_normal,
    newsvendor_poisson,
    poisson_loss,
    ss_cost_poisson,
    ss_power_approximation,
    zheng_federgruen,
)
from tests.policies.optimal.helpers import bad_arguments_test

# --------------------------------------------------------------------------- (s, S)


def _ss_cost_markov(s: int, big_s: int, mean: float, h: float, p: float, k: float) -> float:
    """c(s, S) from the stationary law of the inventory position on {s+1, ..., S}: a check
    of the renewal formula that shares no code with it."""
    ys = np.arange(s + 1, big_s + 1)
    n = ys.size
    trans = np.zeros((n, n))
    for i, y in enumerate(ys):
        for j, z in enumerate(ys):
            trans[i, j] = poisson.pmf(y - z, mean)
        trans[i, -1] += poisson.sf(y - s - 1, mean)  # falls to s or below: order up to S
    a = np.vstack([trans.T - np.eye(n), np.ones(n)])
    pi = np.linalg.lstsq(a, np.append(np.zeros(n), 1.0), rcond=None)[0]
    g = h * (ys - mean) + (h + p) * np.array([poisson_loss(y, mean) for y in ys])
    order_prob = poisson.sf(ys - s - 1, mean)
    return float(pi @ (g + k * order_prob))


def test_zheng_federgruen_1991_example() -> None:
    """Zheng & Federgruen (1991): Poisson mean 10, h = 1, p = 9, K = 64."""
    sol = zheng_federgruen(10, 1, 9, 64)
    assert (sol.s, sol.S) == (6, 40)
    assert sol.cost == pytest.approx(35.021555, abs=1e-5)
    assert ss_cost_poisson(6, 40, 10, 1, 9, 64) == pytest.approx(sol.cost, abs=1e-12)
    assert _ss_cost_markov(6, 40, 10, 1, 9, 64) == pytest.approx(sol.cost, abs=1e-9)


def test_snyder_shen_ex_4_7_zheng_federgruen() -> None:
    """Snyder & Shen, 2nd ed., Example 4.7: Poisson mean 6, h = 1, p = 4, K = 5."""
    sol = zheng_federgruen(6, 1, 4, 5)
    assert (sol.s, sol.S) == (4, 10)
    assert sol.cost == pytest.approx(8.034112, abs=1e-6)


@pytest.mark.parametrize(
    ("mean", "h", "p", "k", "periods", "s_range", "big_s_range"),
    [
        (10.0, 1.0, 9.0, 64.0, 1, range(0, 14), range(32, 48)),
        (6.0, 1.0, 4.0, 5.0, 1, range(-2, 10), range(5, 20)),
        (3.0, 2.0, 20.0, 30.0, 2, range(0, 14), range(6, 24)),
    ],
)
def test_zheng_federgruen_against_brute_force(
    mean: float, h: float, p: float, k: float, periods: int, s_range: range, big_s_range: range
) -> None:
    sol = zheng_federgruen(mean, h, p, k, periods)
    grid = [(s, big) for s in s_range for big in big_s_range if big > s]
    s_g, big_g = np.array(grid).T
    costs = ss_cost_poisson(s_g, big_g, mean, h, p, k, periods)
    best = int(np.argmin(costs))
    assert sol.cost == pytest.approx(costs[best], abs=1e-12)
    assert (sol.s, sol.S) == (s_g[best], big_g[best])
    assert s_range.start < sol.s < s_range.stop - 1  # the grid surrounds the optimum
    assert big_s_range.start < sol.S < big_s_range.stop - 1


def test_zheng_federgruen_without_fixed_cost_is_base_stock() -> None:
    sol = zheng_federgruen(10, 1, 9, 0, 2)
    assert (sol.s, sol.S) == (25, 26)
    assert sol.cost == pytest.approx(newsvendor_poisson(20, 1, 9).cost)


def test_zheng_federgruen_vectorised_matches_scalars() -> None:
    sol = zheng_federgruen([10, 6, 3], [1, 1, 2], [9, 4, 20], [64, 5, 30], [1, 1, 2])
    assert sol.s.tolist() == [6, 4, zheng_federgruen(3, 2, 20, 30, 2).s]
    assert sol.S.tolist() == [40, 10, zheng_federgruen(3, 2, 20, 30, 2).S]


def test_snyder_shen_ex_4_7_power_approximation() -> None:
    """Snyder & Shen, 2nd ed., Example 4.7: N(50, 8^2), h = 0.18, p = 0.70, K = 2.5, which
    uses the formulas without Ehrhardt & Mosier's cap for small Q."""
    sol = ss_power_approximation(50, 8, 0.18, 0.70, 2.5, 1, small_q_rule=False)
    assert sol.s == pytest.approx(40.194617, abs=1e-5)
    assert sol.S == pytest.approx(74.290170, abs=1e-5)
    assert sol.cost is None
    capped = ss_power_approximation(50, 8, 0.18, 0.70, 2.5, 1)  # Q / mu = 0.68 <= 1.5
    assert capped.s == pytest.approx(40.194617, abs=1e-5)
    assert capped.S == pytest.approx(newsvendor_normal(50, 8, 0.18, 0.70).level)


def test_power_approximation_near_exact_for_poisson_like_demand() -> None:
    """For Poisson(10) demand the approximation lands close to the optimum's cost."""
    approx = ss_power_approximation(10, np.sqrt(10), 1, 9, 64, 1)
    exact = zheng_federgruen(10, 1, 9, 64)
    cost = ss_cost_poisson(round(approx.s), round(approx.S), 10, 1, 9, 64)
    assert exact.cost <= cost <= 1.03 * exact.cost


def test_power_approximation_vectorised_matches_scalars() -> None:
    mean, std, k = np.array([50.0, 10.0, 200.0]), np.array([8.0, 3.0, 40.0]), np.array([2.5, 64, 9])
    sol = ss_power_approximation(mean, std, 0.18, 0.70, k, [1, 2, 3], review_period=[1, 1, 2])
    for i, (periods, review) in enumerate(((1, 1), (2, 1), (3, 2))):
        one = ss_power_approximation(mean[i], std[i], 0.18, 0.70, k[i], periods, review)
        assert (sol.s[i], sol.S[i]) == pytest.approx((one.s, one.S))


@settings(max_examples=25, deadline=None)
@given(
    mean=st.floats(0.5, 15),
    h=st.floats(0.1, 5),
    p=st.floats(0.5, 50),
    k=st.floats(0, 100),
    ds=st.integers(-3, 3),
    d_big=st.integers(-3, 3),
)
def test_zheng_federgruen_never_beaten_nearby(
    mean: float, h: float, p: float, k: float, ds: int, d_big: int
) -> None:
    sol = zheng_federgruen(mean, h, p, k)
    s, big = sol.s + ds, sol.S + d_big
    if big > s:
        assert sol.cost <= ss_cost_poisson(s, big, mean, h, p, k) + 1e-9


# --------------------------------------------------------------------------- validation


test_bad_arguments_name_the_key_and_value = bad_arguments_test(
    (lambda: zheng_federgruen(10, 1, -9, 64), "shortage", "-9.0"),
    (lambda: zheng_federgruen(10, 1, 9, -64), "order_fixed", "-64.0"),
    (lambda: ss_cost_poisson([5, 6], 6, 10, 1, 9, 64), "S", "6.0"),
    (lambda: ss_power_approximation(50, 0, 0.18, 0.7, 2.5, 1), "std", "0.0"),
)
