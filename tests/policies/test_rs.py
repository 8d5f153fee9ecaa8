"""Tests of :mod:`policies.rs`: orders only in the policy's own review periods, and the
derived level is the cost-optimal level of the review cycle (equal to the base-stock
newsvendor level for a cycle of one period), SKUs grouped by lead time."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from policies.base import InventoryState
from policies.base_stock import BaseStock
from policies.optimal.periodic_review import rs_level_normal, rs_level_poisson
from policies.rs import RS, cycle_level
from tests.conftest import poisson_context


def _state(time: float, position) -> InventoryState:
    position = np.asarray(position, dtype=float)
    return InventoryState(time, position, np.zeros(position.size), np.zeros(position.size))


def test_orders_up_to_the_level_only_every_review_period() -> None:
    policy = RS(review_period=3, level=[10, 4])
    for t, expected in [(0, [7, 0]), (1, [0, 0]), (2, [0, 0]), (3, [7, 0]), (6, [7, 0])]:
        np.testing.assert_array_equal(policy.order_quantity(_state(t, [3, 5])), expected)


def test_a_one_period_cycle_is_the_base_stock_level() -> None:
    context = poisson_context([3.0, 8.0])
    np.testing.assert_array_equal(
        RS(review_period=1).prepare(context).level, BaseStock().prepare(context).level
    )


def test_cycle_level_is_exact_poisson_or_normal_per_lead_time_group() -> None:
    """Two lead times: each group gets the level of its own demand windows."""
    context = dataclasses.replace(
        poisson_context([4.0, 4.0, 6.0]), lead_time_mean=np.array([1.0, 3.0, 1.0])
    )
    got = cycle_level(context, 4)
    ones = np.ones(2)
    np.testing.assert_array_equal(
        got[[0, 2]], rs_level_poisson(np.array([4.0, 6.0]), 1.0, 4, ones, 9 * ones)
    )
    assert got[1] == rs_level_poisson(np.array([4.0]), 3.0, 4, ones[:1], 9 * ones[:1])[0]
    normal = dataclasses.replace(context, demand_family="normal")
    std = normal.demand_std
    expected = rs_level_normal(
        np.array([4.0]), std[1:2], 3.0, np.zeros(1), 4, ones[:1], 9 * ones[:1]
    )
    assert cycle_level(normal, 4)[1] == pytest.approx(expected[0])


def test_given_level_is_kept_and_review_period_checked() -> None:
    prepared = RS(review_period=2, level=12).prepare(poisson_context([3.0, 4.0]))
    assert prepared.level.tolist() == [12.0, 12.0]
    assert prepared.review_period == 2
    with pytest.raises(ValueError, match=r"policy.review_period\(=0\) must be an integer >= 1"):
        RS(review_period=0)
    with pytest.raises(ValueError, match=r"policy.review_period\(=1.5\)"):
        RS(review_period=1.5)
