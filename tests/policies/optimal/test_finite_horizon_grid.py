"""The finite-horizon DP's adaptive grid, lead-time demand and per-period tables: the
adaptive top changes nothing on the levels it keeps (certified by K-convexity), a
probability matrix is the same input as a list of tables, and :func:`period_pmfs` builds
the one-period helpers' tables for every period at once."""

from __future__ import annotations

import re

import numpy as np
import pytest

from policies.optimal.finite_horizon import (
    finite_horizon_dp,
    normal_demand,
    period_pmfs,
    poisson_demand,
)
from policies.optimal.newsvendor_family import DiscreteDemand


def _same_on_common_levels(a, b) -> None:
    lo, hi = max(a.levels[0], b.levels[0]), min(a.levels[-1], b.levels[-1])
    ia = slice(lo - a.levels[0], hi - a.levels[0] + 1)
    ib = slice(lo - b.levels[0], hi - b.levels[0] + 1)
    np.testing.assert_allclose(a.cost_to_go[:, ia], b.cost_to_go[:, ib], rtol=1e-11, atol=1e-9)
    np.testing.assert_array_equal(a.order_up_to[:, ia], b.order_up_to[:, ib])
    np.testing.assert_array_equal(a.reorder_points, b.reorder_points)
    np.testing.assert_array_equal(a.order_up_to_levels, b.order_up_to_levels)


@pytest.mark.parametrize("seed", range(12))
def test_adaptive_grid_equals_the_full_grid(seed):
    """Random non-stationary instances, backorders and lost sales, with and without a
    fixed cost and discounting: the adaptive top gives the full grid's policy and
    cost-to-go on every level it keeps."""
    rng = np.random.default_rng(seed)
    T = int(rng.integers(5, 40))
    tables = [
        poisson_demand(rng.uniform(0, 15))
        if rng.random() < 0.5
        else normal_demand(rng.uniform(0, 20), rng.uniform(0, 5))
        for _ in range(T)
    ]
    args = dict(
        holding=rng.uniform(0.1, 2, T),
        shortage=rng.uniform(3, 20, T),
        purchase_cost=rng.uniform(0, 2),
        fixed_cost=float(rng.choice([0, 10, 40, 200])),
        discount=float(rng.choice([1.0, 0.95])),
        lost_sales=bool(seed % 3 == 0),
    )
    full = finite_horizon_dp(tables, **args)
    adaptive = finite_horizon_dp(tables, **args, grid="adaptive")
    assert adaptive.levels[-1] <= full.levels[-1]
    _same_on_common_levels(full, adaptive)


def test_adaptive_grid_is_much_smaller_over_a_long_horizon():
    tables = [poisson_demand(10 * (1 + 0.5 * np.sin(t / 7))) for t in range(150)]
    full = finite_horizon_dp(tables, 0.1, 1.0, 0.0, 20.0)
    adaptive = finite_horizon_dp(tables, 0.1, 1.0, 0.0, 20.0, grid="adaptive")
    assert adaptive.levels.size * 10 < full.levels.size
    _same_on_common_levels(full, adaptive)


def test_adaptive_grid_falls_back_where_nothing_certifies_it():
    """Fixed costs that rise over time (K_t < K_{t+1}) break the K-convexity argument:
    the full grid is used."""
    tables = [poisson_demand(4.0)] * 6
    k = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    full = finite_horizon_dp(tables, 1, 9, 0, k)
    adaptive = finite_horizon_dp(tables, 1, 9, 0, k, grid="adaptive")
    np.testing.assert_array_equal(full.levels, adaptive.levels)


def test_a_probability_matrix_is_the_same_input_as_tables():
    tables = [poisson_demand(3.0), normal_demand(6.0, 2.0), poisson_demand(0.0)]
    rows = np.zeros((3, 1 + max(int(t.values[-1]) for t in tables) + 5))  # padded
    for i, t in enumerate(tables):
        rows[i, t.values.astype(int)] = t.probs
    a = finite_horizon_dp(tables, 1, 9, 0.5, 10)
    b = finite_horizon_dp(rows, 1, 9, 0.5, 10)
    np.testing.assert_array_equal(a.levels, b.levels)
    np.testing.assert_allclose(a.cost_to_go, b.cost_to_go, rtol=1e-12)
    np.testing.assert_array_equal(a.order_up_to, b.order_up_to)


def test_lead_time_demand_charges_the_cost_and_demand_moves_the_state():
    """With cost_demand equal to the demand itself nothing changes; with a later period's
    demand, holding and shortage move with it."""
    tables = [poisson_demand(m) for m in (3.0, 5.0, 2.0, 6.0)]
    plain = finite_horizon_dp(tables, 1, 9, 0, 10)
    same = finite_horizon_dp(tables, 1, 9, 0, 10, cost_demand=tables)
    _same_on_common_levels(plain, same)
    more = [poisson_demand(m + 4.0) for m in (3.0, 5.0, 2.0, 6.0)]
    shifted = finite_horizon_dp(tables, 1, 9, 0, 10, cost_demand=more)
    assert np.all(shifted.order_up_to_levels >= plain.order_up_to_levels + 2)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        (dict(grid="tight"), "grid"),
        (dict(cost_demand=[poisson_demand(3)] * 2), "cost_demand"),
        (dict(cost_demand=[poisson_demand(3)] * 3, lost_sales=True), "cost_demand"),
        (dict(demand=np.array([[0.5, 0.4], [0.5, 0.5], [1.0, 0.0]])), "demand[1]"),
        (dict(demand=np.array([[0.5, np.nan]])), "demand"),
    ],
)
def test_bad_arguments_name_the_key_and_value(kwargs, key):
    args = dict(demand=[poisson_demand(3)] * 3, holding=1, shortage=9)
    args.update(kwargs)
    with pytest.raises(ValueError, match="^" + re.escape(key) + r"\("):
        finite_horizon_dp(**args)


def _dense(table: DiscreteDemand, width: int) -> np.ndarray:
    out = np.zeros(width)
    out[table.values.astype(int)] = table.probs
    return out


def test_period_pmfs_are_the_one_period_tables():
    mean = np.array([0.0, 0.3, 5.0, 12.7, 40.0, 2.5])
    rows = period_pmfs("poisson", mean)
    for row, m in zip(rows, mean, strict=True):
        np.testing.assert_allclose(row, _dense(poisson_demand(m), rows.shape[1]), rtol=1e-14)
    std = np.array([0.0, 1.0, 2.0, 0.0, 6.0, 0.0])
    rows = period_pmfs("normal", mean, std)
    for row, m, s in zip(rows, mean, std, strict=True):
        np.testing.assert_allclose(row, _dense(normal_demand(m, s), rows.shape[1]), rtol=1e-14)


def test_negative_binomial_rows_have_the_periods_mean_and_variance():
    mean = np.array([0.0, 0.3, 5.0, 12.7, 40.0])
    rows = period_pmfs("negative_binomial", mean, np.sqrt(2.5 * mean))
    d = np.arange(rows.shape[1])
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(rows @ d, mean, atol=1e-9)
    np.testing.assert_allclose(rows @ d**2 - (rows @ d) ** 2, 2.5 * mean, atol=1e-7)
    # variance not above the mean: the Poisson
    np.testing.assert_allclose(
        period_pmfs("negative_binomial", [4.0], [2.0]), period_pmfs("poisson", [4.0])
    )


def test_period_pmfs_refuses_an_unknown_family():
    with pytest.raises(ValueError, match=r"^family\(='intermittent'\)"):
        period_pmfs("intermittent", [1.0])
