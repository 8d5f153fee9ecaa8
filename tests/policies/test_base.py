"""Tests of :mod:`policies.base`: the planning context's derived figures (hand-worked), the
shared per-SKU solve, the parameter helpers, and the contract checker on a policy that
breaks the contract."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from forecasters.base import Forecast
from policies.base import (
    InventoryState,
    PlanningContext,
    Policy,
    as_sku_array,
    check_levels,
    check_policy,
    finite_param,
    sku_vector,
    solve_per_sku,
    stack_policies,
    take_columns,
)
from policies.base_stock import BaseStock
from policies.ss import SS
from tests.conftest import poisson_context


def test_exact_poisson_needs_poisson_demand_and_fixed_lead_times() -> None:
    context = poisson_context([4.0, 6.0])
    assert context.exact_poisson
    random_lead = dataclasses.replace(context, lead_time_std=np.array([0.0, 0.5]))
    assert not random_lead.exact_poisson
    assert not dataclasses.replace(context, demand_family="normal").exact_poisson
    assert not dataclasses.replace(context, demand_family="negative_binomial").exact_poisson


def test_protection_interval_by_hand() -> None:
    """Lead time 2, review every period: max(2, 1) + 1 - 1 = 2 periods; with a review every
    3 periods, 4; in continuous review the lead time itself. The std is the random-sum
    formula sqrt(P sigma^2 + mu^2 sigma_L^2): sqrt(2 * 4 + 16 * 0.25) = sqrt(12)."""
    context = dataclasses.replace(
        poisson_context([4.0]), demand_std=np.array([2.0]), lead_time_std=np.array([0.5])
    )
    assert context.protection_periods.tolist() == [2.0]
    assert dataclasses.replace(context, review_period=3).protection_periods.tolist() == [4.0]
    assert dataclasses.replace(context, continuous=True).protection_periods.tolist() == [2.0]
    assert context.protection_mean.tolist() == [8.0]
    assert context.protection_std.tolist() == pytest.approx([np.sqrt(12.0)])


def test_shortage_penalty_follows_the_unmet_demand_rule() -> None:
    context = dataclasses.replace(poisson_context([4.0]), lost_sale=np.array([30.0]))
    assert context.shortage_penalty.tolist() == [9.0]
    lost = dataclasses.replace(context, unmet_demand="lost_sales")
    assert lost.shortage_penalty.tolist() == [30.0]


def test_solve_per_sku_solves_each_distinct_key_once_in_order() -> None:
    params = [3.0, 5.0, 3.0, 7.0, 5.0]
    calls: list[tuple[int, float]] = []

    def solve(sku: int, key: float) -> list[float]:
        calls.append((sku, key))
        return [key * 2]

    out = solve_per_sku(range(len(params)), lambda sku: params[sku], solve)
    assert calls == [(0, 3.0), (1, 5.0), (3, 7.0)]
    assert [out[sku][0] for sku in range(5)] == [6.0, 10.0, 6.0, 14.0, 10.0]
    assert out[2] is out[0]  # shared, not re-solved


def test_solve_per_sku_runs_only_the_skus_given_and_keys_between_solves() -> None:
    events: list[str] = []

    def key(sku: int) -> int:
        events.append(f"key {sku}")
        if sku == 4:
            raise ValueError("sku 4 refused")
        return sku % 2

    def solve(sku: int, problem: int) -> int:
        events.append(f"solve {sku}")
        return problem

    assert solve_per_sku([1, 2], key, solve) == {1: 1, 2: 0}
    events.clear()
    with pytest.raises(ValueError, match="sku 4 refused"):
        solve_per_sku([0, 4], key, solve)
    assert events == ["key 0", "solve 0", "key 4"]


def test_finite_param_accepts_none_numbers_and_lists() -> None:
    assert finite_param("policy.level", None) is None
    assert finite_param("policy.level", 12) == 12
    np.testing.assert_array_equal(finite_param("policy.level", [1, 2]), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"policy.level\(=True\) must be a number"):
        finite_param("policy.level", True)
    with pytest.raises(ValueError, match=r"policy.level\(=nan\) must be finite"):
        finite_param("policy.level", float("nan"))
    with pytest.raises(ValueError, match="must be a number or a list of numbers"):
        finite_param("policy.level", [[1, 2]])


def test_as_sku_array_broadcasts_a_scalar_and_checks_a_list() -> None:
    assert as_sku_array(3, 2, "x").tolist() == [3.0, 3.0]
    assert as_sku_array([1, 2], 2, "x").tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"policy.level\(=\[1, 2, 3\]\) must be a number or"):
        as_sku_array([1, 2, 3], 2, "policy.level")


def test_check_levels_refuses_a_negative_order_up_to_level() -> None:
    with pytest.raises(ValueError, match=r"policy.level\(=-1\) must be >= 0"):
        check_levels(BaseStock(level=-1))
    check_levels(BaseStock(level=0))


class _Negative(Policy):
    """Breaks the contract: orders a negative quantity."""

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return -np.ones(state.n_skus)


class _Shape(Policy):
    """Breaks the contract: one order for the whole node."""

    def order_quantity(self, state: InventoryState, forecast: Forecast | None = None) -> np.ndarray:
        return np.zeros(1)


def test_check_policy_catches_negative_orders_and_a_wrong_shape() -> None:
    context = poisson_context([4.0, 6.0])
    with pytest.raises(AssertionError, match="negative or non-finite"):
        check_policy(_Negative(), context, n_states=2)
    with pytest.raises(AssertionError, match=r"must return shape \(2,\)"):
        check_policy(_Shape(), context, n_states=2)
    prepared = check_policy(BaseStock(), context, n_states=4)
    assert isinstance(prepared, BaseStock)


class _WrongRule(BaseStock):
    """Breaks the contract: its ``reorder_levels`` say (level, level + 1), its orders
    ``max(level - position, 0)``."""

    def reorder_levels(self, n_skus: int) -> tuple[np.ndarray, np.ndarray] | None:
        levels = super().reorder_levels(n_skus)
        assert levels is not None
        return levels[0], levels[1] + 1.0

    def prepare(self, context: PlanningContext) -> _WrongRule:
        return self


def test_check_policy_holds_reorder_levels_to_the_orders() -> None:
    context = poisson_context([4.0, 6.0])
    with pytest.raises(AssertionError, match="differs from its reorder_levels rule"):
        check_policy(_WrongRule(level=[5.0, 8.0]), context, n_states=16)
    assert BaseStock(level=[5.0, 8.0]).reorder_levels(2) is not None
    np.testing.assert_array_equal(SS(s=3, S=[9, 10]).reorder_levels(2), [[3, 3], [9, 10]])
    assert SS().reorder_levels(2) is None  # not prepared: nothing to run on
    assert _Negative().reorder_levels(2) is None  # the default: called per review
    assert sku_vector(np.ones((2, 2)), 2) is None  # a stack of nodes: no per-SKU vector
    np.testing.assert_array_equal(sku_vector(np.array([4.0]), 3), [4.0, 4.0, 4.0])


def test_stacked_and_taken_columns_decide_as_the_policies_one_by_one() -> None:
    """Two nodes' base-stock levels stacked row by row decide a (2, n) state at once;
    columns taken with repeats decide as the original SKUs."""
    a, b = BaseStock(level=np.array([5.0, 9.0])), BaseStock(level=np.array([2.0, 4.0]))
    stacked = stack_policies([a, b])
    assert stacked is not None
    position = np.array([[3.0, 10.0], [0.0, 1.0]])
    state = InventoryState(0.0, position, np.zeros((2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(stacked.order_quantity(state), [[2.0, 0.0], [2.0, 3.0]])
    taken = take_columns(a, 2, np.array([1, 0, 1]))
    assert taken is not None
    row = InventoryState(0.0, np.array([1.0, 1.0, 9.0]), np.zeros(3), np.zeros(3))
    np.testing.assert_array_equal(taken.order_quantity(row), [8.0, 4.0, 0.0])
