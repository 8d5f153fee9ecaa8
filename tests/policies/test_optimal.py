"""Tests of the textbook optimisers: published values (tests named after their source),
brute-force searches over small grids, independent re-derivations, vectorisation and
argument checks."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from scipy.stats import norm, poisson

from policies.optimal import (
    base_stock_poisson_measures,
    clark_scarf_normal,
    clark_scarf_poisson,
    echelon_to_local_holding,
    eoq,
    eoq_backorders,
    eoq_backorders_cost,
    eoq_cost,
    expected_cost_normal,
    expected_cost_poisson,
    local_to_echelon_holding,
    newsvendor_normal,
    newsvendor_poisson,
    normal_loss,
    poisson_loss,
    reorder_point_service,
    rq_cost_normal,
    rq_cost_poisson,
    rq_normal_approx,
    rq_poisson_exact,
    ss_cost_poisson,
    ss_power_approximation,
    zheng_federgruen,
)

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


# --------------------------------------------------------------------------- newsvendor


def test_snyder_shen_ex_4_3_newsvendor_normal() -> None:
    """Snyder & Shen, 2nd ed., newsvendor example: D ~ N(50, 8^2), h = 0.18, p = 0.70."""
    sol = newsvendor_normal(50, 8, 0.18, 0.70)
    assert sol.level == pytest.approx(56.603956, abs=1e-5)
    assert sol.cost == pytest.approx(1.997605, abs=1e-5)
    assert expected_cost_normal(sol.level, 50, 8, 0.18, 0.70) == pytest.approx(sol.cost)
    grid = np.linspace(40, 70, 3001)
    assert sol.cost <= np.min(expected_cost_normal(grid, 50, 8, 0.18, 0.70)) + 1e-12


def test_newsvendor_normal_deterministic_demand() -> None:
    sol = newsvendor_normal(50.0, 0.0, 0.18, 0.70)
    assert sol.level == 50.0 and sol.cost == 0.0
    assert expected_cost_normal([48.0, 50.0, 53.0], 50.0, 0.0, 1.0, 9.0) == pytest.approx(
        [18.0, 0.0, 3.0]
    )


def test_normal_loss_against_integration() -> None:
    for z in (-2.5, -0.3, 0.0, 1.7):
        exact, _ = integrate.quad(lambda x, z=z: (x - z) * norm.pdf(x), z, np.inf)
        assert normal_loss(z) == pytest.approx(exact, abs=1e-10)


def test_poisson_loss_against_summation() -> None:
    d = np.arange(200)
    for mu, s in itertools.product((0.5, 4.0, 20.0), (-3, 0, 5, 26)):
        direct = np.sum(np.maximum(d - s, 0) * poisson.pmf(d, mu))
        assert poisson_loss(s, mu) == pytest.approx(direct, abs=1e-12)


def test_poisson_base_stock_two_period_protection() -> None:
    """Poisson demand of mean 10 per period, protection interval of 2 periods, h = 1,
    p = 9, backorders."""
    sol = newsvendor_poisson(20, 1, 9)
    assert sol.level == 26
    assert sol.cost == pytest.approx(8.186431, abs=1e-6)
    m = base_stock_poisson_measures(26, 20, 10)
    assert m.on_hand == pytest.approx(6.218643, abs=1e-6)
    assert m.backorders == pytest.approx(0.218643, abs=1e-6)
    assert m.fill_rate == pytest.approx(0.978137, abs=1e-6)
    assert m.no_stockout_probability == pytest.approx(0.922113, abs=1e-6)
    assert m.cost(1, 9) == pytest.approx(sol.cost)


def test_poisson_fill_rate_against_direct_double_sum() -> None:
    """Units short in the last period are min(D_last, (D_{P-1} + D_last - S)+)."""
    d = np.arange(120)
    for level, prot, per in ((26, 20.0, 10.0), (12, 15.0, 5.0), (3, 3.0, 1.0)):
        before, last = np.meshgrid(poisson.pmf(d, prot - per), poisson.pmf(d, per), indexing="ij")
        short = np.minimum(d[None, :], np.maximum(d[:, None] + d[None, :] - level, 0))
        direct = 1 - np.sum(before * last * short) / per
        assert base_stock_poisson_measures(level, prot, per).fill_rate == pytest.approx(direct)


def test_newsvendor_poisson_against_brute_force() -> None:
    for mu, h, p in ((20.0, 1.0, 9.0), (0.7, 2.0, 3.0), (55.0, 1.0, 1.0)):
        levels = np.arange(0, 120)
        costs = expected_cost_poisson(levels, mu, h, p)
        sol = newsvendor_poisson(mu, h, p)
        assert sol.level == levels[np.argmin(costs)]
        assert sol.cost == pytest.approx(costs.min())


def test_newsvendor_vectorised_matches_scalars() -> None:
    mean, std = np.array([50.0, 20.0, 5.0]), np.array([8.0, 0.0, 2.0])
    h, p = np.array([0.18, 1.0, 2.0]), np.array([0.70, 9.0, 3.0])
    sol_n, sol_p = newsvendor_normal(mean, std, h, p), newsvendor_poisson(mean, h, p)
    m = base_stock_poisson_measures(sol_p.level, mean * 2, mean)
    for i in range(3):
        assert sol_n.level[i] == pytest.approx(newsvendor_normal(mean[i], std[i], h[i], p[i]).level)
        assert sol_n.cost[i] == pytest.approx(newsvendor_normal(mean[i], std[i], h[i], p[i]).cost)
        assert sol_p.level[i] == newsvendor_poisson(mean[i], h[i], p[i]).level
        one = base_stock_poisson_measures(sol_p.level[i], mean[i] * 2, mean[i])
        assert m.fill_rate[i] == pytest.approx(one.fill_rate)


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


# --------------------------------------------------------------------------- properties


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


@pytest.mark.parametrize(
    ("call", "key", "value"),
    [
        (lambda: eoq(8, -0.225, 1300), "holding", "-0.225"),
        (lambda: eoq([8, 0], 1, 1), "order_fixed", "0.0"),
        (lambda: eoq_backorders(8, 1, 0, 1300), "backorder", "0.0"),
        (lambda: newsvendor_normal(50, -8, 0.18, 0.7), "std", "-8.0"),
        (lambda: newsvendor_normal(50, 8, [0.18, -1.0], 0.7), "holding", "-1.0"),
        (lambda: newsvendor_poisson(np.nan, 1, 9), "mean", "nan"),
        (lambda: base_stock_poisson_measures(26, 20, 0), "period_mean", "0.0"),
        (lambda: base_stock_poisson_measures(26, 5, 10), "protection_mean", "5.0"),
        (lambda: zheng_federgruen(10, 1, -9, 64), "shortage", "-9.0"),
        (lambda: zheng_federgruen(10, 1, 9, -64), "order_fixed", "-64.0"),
        (lambda: ss_cost_poisson([5, 6], 6, 10, 1, 9, 64), "S", "6.0"),
        (lambda: ss_power_approximation(50, 0, 0.18, 0.7, 2.5, 1), "std", "0.0"),
        (lambda: rq_poisson_exact(1.5, -2, 20, 150, 100), "lead_time", "-2.0"),
        (lambda: rq_cost_poisson(3, 0, 1.5, 2, 20, 150, 100), "q", "0.0"),
        (lambda: rq_normal_approx(1.5, 1, 2, -0.1, 20, 150, 100), "lead_time_std", "-0.1"),
        (lambda: reorder_point_service(10, 2, [0.5, 1.0]), "cycle_service_level", "1.0"),
        (lambda: eoq_backorders_cost(1, 1.5, 1, 1, 1, 1), "stockout_fraction", "1.5"),
        (lambda: clark_scarf_normal(5, 1, [3, 2], [1], 37.12), "lead_times", "[1.0]"),
        (lambda: clark_scarf_normal(5, 1, [3, -2], [1, 1], 37.12), "echelon_holding", "-2.0"),
        (lambda: clark_scarf_poisson(5, [3, 2], [1, 1.5], 37.12), "lead_times", "1.5"),
    ],
)
def test_bad_arguments_name_the_key_and_value(
    call: Callable[[], object], key: str, value: str
) -> None:
    with pytest.raises(ValueError) as err:
        call()
    assert f"{key}(={value}" in str(err.value)
