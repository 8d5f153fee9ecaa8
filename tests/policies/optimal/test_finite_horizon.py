"""Tests of the finite-horizon DP and the myopic policy: published values (named after their
source), an independent forward evaluation of the returned policy, brute-force enumeration
of (s, S) policies, the myopic-optimality theorem, and argument checks."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from scipy.stats import norm

from policies.optimal.finite_horizon import (
    finite_horizon_dp,
    myopic_bounds,
    myopic_levels,
    normal_demand,
    poisson_demand,
)
from policies.optimal.newsvendor_family import DiscreteDemand


def _forward_cost(sol, tables, h, p, c, k, gamma, h_end, p_end, x0, *, lost_sales=False):
    """Expected discounted cost of following ``sol.order_up_to`` from level ``x0``, by
    pushing the exact distribution of the level forward period by period."""
    lo = int(sol.levels[0])
    states = {x0: 1.0}
    total = 0.0
    for t, table in enumerate(tables):
        nxt: dict[int, float] = {}
        for x, px in states.items():
            y = int(sol.order_up_to[t, x - lo]) if x >= lo else int(sol.order_up_to[t, 0])
            cost = (k[t] + c[t] * (y - x)) if y > x else 0.0
            for d, pd in zip(table.values.astype(int), table.probs, strict=True):
                left = y - d
                cost_d = h[t] * max(left, 0) + p[t] * max(-left, 0)
                total += gamma**t * px * pd * (cost + cost_d)
                after = max(left, 0) if lost_sales else left
                nxt[after] = nxt.get(after, 0.0) + px * pd
        states = nxt
    for x, px in states.items():
        total += gamma ** len(tables) * px * (h_end * max(x, 0) + p_end * max(-x, 0))
    return total


def _policy_cost(policy, tables, h, p, c, k, gamma, x0):
    """Exact expected cost of per-period (s, S) pairs (``None`` = never order), backorders,
    zero terminal cost."""
    return _forward_cost(_AsTable(policy, x0, tables), tables, h, p, c, k, gamma, 0.0, 0.0, x0)


class _AsTable:
    """A per-period (s, S) policy written as the ``order_up_to`` table of a solution."""

    def __init__(self, policy, x0, tables):
        self.levels = np.arange(x0 - 3 * sum(int(t.values[-1]) for t in tables), x0 + 50)
        rows = []
        for pair in policy:
            if pair is None:
                rows.append(self.levels.copy())
            else:
                s, big_s = pair
                rows.append(np.where(self.levels <= s, big_s, self.levels))
        self.order_up_to = np.array(rows)


def test_stockpyl_finite_horizon_dp_docstring_example() -> None:
    """Snyder & Shen, 2nd ed., Sec. 4.4.3, as published in stockpyl's ``finite_horizon_dp``
    docstring: T = 5, h = 1, p = 20, h' = 1, p' = 20, c = 2, mu = 100, sigma = 20,
    gamma = 1: K = 0 gives S = 133 (126 in period 5); K = 50 gives s = 110 (111),
    S = 133 (126), cost 1558.6946 from level 0. stockpyl charges the period cost with the
    continuous normal loss and drops the demand tails; we use the rounded normal throughout,
    so the cost agrees to 2e-4 relative while the levels agree exactly."""
    tables = [normal_demand(100, 20)] * 5
    base = finite_horizon_dp(tables, 1, 20, 2, 0, 1.0, 1, 20)
    np.testing.assert_array_equal(base.order_up_to_levels, [133, 133, 133, 133, 126])
    np.testing.assert_array_equal(base.reorder_points, base.order_up_to_levels - 1)
    ss = finite_horizon_dp(tables, 1, 20, 2, 50, 1.0, 1, 20)
    np.testing.assert_array_equal(ss.reorder_points, [110, 110, 110, 110, 111])
    np.testing.assert_array_equal(ss.order_up_to_levels, [133, 133, 133, 133, 126])
    assert ss.expected_cost(0) == pytest.approx(1558.6946467384012, rel=2e-4)


def test_stockpyl_myopic_bounds_five_period_instance() -> None:
    """stockpyl ``tests/test_finite_horizon.py``, ``TestMyopicBounds.test_5_period_instance``
    (Veinott 1966 bounds for the instance above, K = 50, normal demand)."""
    b = myopic_bounds([norm(100, 20)] * 5, 1, 20, 2, 50, 1.0, 1, 20)
    np.testing.assert_allclose(b.S_lower, [133.36782388] * 4 + [126.18343434], rtol=1e-9)
    np.testing.assert_allclose(b.S_upper, [191.66022943] * 4 + [126.18343434], rtol=1e-9)
    np.testing.assert_allclose(b.s_lower, [110.26036849] * 4 + [111.66574177], rtol=1e-9)
    np.testing.assert_allclose(b.s_upper, [133.36782388] * 4 + [111.66574177], rtol=1e-9)


def test_snyder_shen_problem_4_29_myopic_bounds_with_k_100() -> None:
    """Snyder & Shen, 2nd ed., Problem 4.29 (T = 10, h = 1, p = 25, c = 1, mu = 18,
    sigma = 3, gamma = 0.98) with K = 100, from stockpyl ``TestMyopicBounds``. Periods 1-9
    only: stockpyl adds the terminal costs to period 10 undiscounted, we discount them."""
    b = myopic_bounds([norm(18, 3)] * 10, 1, 25, 1, 100, 0.98, 1, 25)
    np.testing.assert_allclose(b.S_lower[:9], 23.27904955, rtol=1e-9)
    np.testing.assert_allclose(b.S_upper[:9], 120.5649451, rtol=1e-9)
    np.testing.assert_allclose(b.s_lower[:9], 13.85076661, rtol=1e-9)
    np.testing.assert_allclose(b.s_upper[:9], 21.34135253, rtol=1e-9)
    k0 = myopic_bounds([norm(18, 3)] * 10, 1, 25, 1, 0, 0.98, 1, 25)
    for bound in (k0.S_lower, k0.S_upper, k0.s_lower, k0.s_upper):
        np.testing.assert_allclose(bound[:9], 23.27904955, rtol=1e-9)


@pytest.mark.parametrize("lost_sales", [False, True])
@pytest.mark.parametrize("fixed", [0.0, 40.0])
def test_forward_evaluation_of_the_policy_equals_the_cost_to_go(lost_sales, fixed) -> None:
    """Problem 4.29/4.30-like data, non-stationary: the DP's policy, evaluated forward,
    costs exactly the DP's cost-to-go (1e-9) from several start levels."""
    tables = [normal_demand(18, 3), poisson_demand(10), normal_demand(25, 6), poisson_demand(4)]
    h, p, c = [1, 1, 2, 1], [25, 20, 25, 30], [1, 1.5, 0.5, 1]
    k = [fixed] * 4
    args = dict(
        purchase_cost=c,
        fixed_cost=k,
        discount=0.98,
        terminal_holding=-0.5,
        terminal_shortage=3.0,
        lost_sales=lost_sales,
    )
    sol = finite_horizon_dp(tables, h, p, **args)
    for x0 in (0, 7, 30) if lost_sales else (-20, 0, 7, 30):
        forward = _forward_cost(sol, tables, h, p, c, k, 0.98, -0.5, 3.0, x0, lost_sales=lost_sales)
        assert forward == pytest.approx(sol.expected_cost(x0), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("fixed", [0.0, 40.0])
def test_policy_has_scarf_s_S_form(fixed) -> None:
    """Scarf (1960): below s order up to S, above it do not order."""
    tables = [normal_demand(18, 3), poisson_demand(10), normal_demand(25, 6)]
    sol = finite_horizon_dp(tables, 1, 25, 1, fixed, 0.98)
    for t in range(3):
        s, big_s = sol.reorder_points[t], sol.order_up_to_levels[t]
        low = sol.levels <= s
        assert np.all(sol.order_up_to[t, low] == big_s)
        assert np.all(sol.order_up_to[t, ~low] == sol.levels[~low])
        if fixed == 0:
            assert s == big_s - 1


def test_dp_beats_every_s_S_policy_of_a_tiny_instance() -> None:
    """T = 3, demand on {0, 1, 2, 3}, K = 4: enumerating every per-period (s, S) pair
    (and 'never order') confirms the DP's optimum."""
    table = DiscreteDemand([0, 1, 2, 3], [0.2, 0.3, 0.4, 0.1])
    tables = [table] * 3
    h, p, c, k = [1.0] * 3, [6.0] * 3, [0.5] * 3, [4.0] * 3
    sol = finite_horizon_dp(tables, h, p, c, k, 0.95)
    pairs = [None] + [(s, big_s) for s in range(-1, 4) for big_s in range(s + 1, 7)]
    best = min(
        _policy_cost(policy, tables, h, p, c, k, 0.95, 0)
        for policy in itertools.product(pairs, repeat=3)
    )
    assert sol.expected_cost(0) == pytest.approx(best, rel=1e-12)
    dp_policy = list(zip(sol.reorder_points, sol.order_up_to_levels, strict=True))
    assert _policy_cost(dp_policy, tables, h, p, c, k, 0.95, 0) == pytest.approx(best, rel=1e-12)


def test_snyder_shen_sec_4_3_4_myopic_policy_is_optimal() -> None:
    """Stationary demand, K = 0, backorders, terminal value -c x: every period's optimal
    base-stock level is the myopic one, and theta_1(x) = -c x + sum_t gamma^(t-1) G(S) for
    x <= S (Snyder & Shen, 2nd ed., Sec. 4.3.4; Veinott 1965)."""
    c, gamma, table = 2.0, 0.9, poisson_demand(12)
    sol = finite_horizon_dp([table] * 6, 1, 8, c, 0, gamma, -c, c)
    myopic = myopic_levels([table] * 6, 1, 8, c, gamma, -c, c)
    np.testing.assert_array_equal(sol.order_up_to_levels, myopic)
    s = int(myopic[0])
    g = c * (1 - gamma) * s + 1 * table.excess(s) + 8 * (table.excess(s) - s + table.mean)
    g += gamma * c * table.mean
    for x in (-5, 0, s):
        closed = -c * x + g * sum(gamma**t for t in range(6))
        assert sol.expected_cost(x) == pytest.approx(closed, rel=1e-10)


def test_dp_levels_lie_within_the_myopic_bounds() -> None:
    """Veinott (1966): s_lower <= s_t <= s_upper and S_lower <= S_t <= S_upper, here for
    the integer problem itself (bounds from the same demand tables; 1 unit of slack for
    the integer grid)."""
    tables = [poisson_demand(8), poisson_demand(14), poisson_demand(10), poisson_demand(6)]
    sol = finite_horizon_dp(tables, 1, 9, 1, 30, 0.95)
    b = myopic_bounds(tables, 1, 9, 1, 30, 0.95)
    assert np.all(b.S_lower - 1 <= sol.order_up_to_levels)
    assert np.all(sol.order_up_to_levels <= b.S_upper + 1)
    assert np.all(b.s_lower - 1 <= sol.reorder_points)
    ok = np.isnan(b.s_upper) | (sol.reorder_points <= b.s_upper + 1)
    assert np.all(ok)


def test_lost_sales_costs_no_more_than_backorders_with_the_same_penalty() -> None:
    tables = [poisson_demand(5)] * 4
    back = finite_horizon_dp(tables, 1, 10, 1, 5, 0.97)
    lost = finite_horizon_dp(tables, 1, 10, 1, 5, 0.97, lost_sales=True)
    assert lost.levels[0] == 0
    assert lost.expected_cost(0) <= back.expected_cost(0) + 1e-12


def test_grid_bounds_are_wide_enough() -> None:
    """The linear extension below the grid is exact: widening the grid changes nothing."""
    tables = [normal_demand(18, 3)] * 4
    narrow = finite_horizon_dp(tables, 1, 25, 1, 40, 0.98)
    wide = finite_horizon_dp(tables, 1, 25, 1, 40, 0.98, levels=(-400, 400))
    assert wide.levels[0] <= -400 and wide.levels[-1] >= 400
    for x in (-100, -30, 0, 20, 60):
        assert narrow.expected_cost(x) == pytest.approx(wide.expected_cost(x), rel=1e-12)
    np.testing.assert_array_equal(narrow.reorder_points, wide.reorder_points)
    np.testing.assert_array_equal(narrow.order_up_to_levels, wide.order_up_to_levels)


def test_demand_helpers_are_distributions() -> None:
    for table, mean in ((poisson_demand(7.5), 7.5), (normal_demand(40, 9), 40.0)):
        assert table.probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert table.mean == pytest.approx(mean, abs=1e-4)
    point = normal_demand(3.2, 0)
    assert point.values.tolist() == [3.0] and point.probs.tolist() == [1.0]


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        (dict(holding=-1), "holding"),
        (dict(shortage=float("nan")), "shortage"),
        (dict(purchase_cost=[1, 2]), "purchase_cost"),
        (dict(fixed_cost=-3), "fixed_cost"),
        (dict(discount=1.5), "discount"),
        (dict(discount=0), "discount"),
        (dict(terminal_shortage=-1), "terminal_shortage"),
        (dict(terminal_holding=-50), "terminal_holding"),
        (dict(shortage=0.5, purchase_cost=1.0), "shortage"),
        (dict(demand=[]), "demand"),
        (dict(demand=[DiscreteDemand([0.5, 1], [0.5, 0.5])]), "demand[1].values"),
        (dict(demand=[norm(3, 1)]), "demand[1]"),
        (dict(lost_sales=True, levels=(-3, 5)), "levels"),
    ],
)
def test_bad_arguments_name_the_key_and_value(kwargs, key) -> None:
    args = dict(demand=[poisson_demand(3)] * 3, holding=1, shortage=9)
    args.update(kwargs)
    with pytest.raises(ValueError, match="^" + re.escape(key) + r"\("):
        finite_horizon_dp(**args)


def test_expected_cost_rejects_levels_off_the_grid() -> None:
    sol = finite_horizon_dp([poisson_demand(3)] * 2, 1, 9, lost_sales=True)
    with pytest.raises(ValueError, match=r"^level\(=-1\)"):
        sol.expected_cost(-1)
    with pytest.raises(ValueError, match=r"^period\(=4\)"):
        sol.expected_cost(0, period=4)
