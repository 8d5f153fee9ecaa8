"""Tests of :mod:`policies.rq`: the batch rule by hand, and the derived ``(r, Q)``: the exact
Poisson optimum (Federgruen & Zheng 1992) in continuous review, solved once per distinct
SKU, and the normal approximation with whole batches otherwise."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import policies.rq as rq_module
from policies.base import InventoryState
from policies.optimal import rq_normal_approx, rq_poisson_exact
from policies.rq import RQ, batches, is_exact_poisson
from tests.conftest import poisson_context


def _continuous(mean):
    return dataclasses.replace(poisson_context(mean), continuous=True)


def test_batches_lift_the_position_just_above_r() -> None:
    """r = 5, Q = 4: position 5 orders one batch (to 9), 0 orders two (to 8), -3 three (to
    9), 6 orders nothing."""
    position = np.array([5.0, 0.0, -3.0, 6.0])
    np.testing.assert_array_equal(
        batches(position, np.full(4, 5.0), np.full(4, 4.0)), [4, 8, 12, 0]
    )


def test_order_quantity_is_the_batch_rule() -> None:
    policy = RQ(r=[2, 10], q=[3, 5])
    state = InventoryState(0.0, np.array([1.0, 20.0]), np.zeros(2), np.zeros(2))
    np.testing.assert_array_equal(policy.order_quantity(state), [3.0, 0.0])


def test_exact_poisson_needs_continuous_review_and_backorders() -> None:
    assert is_exact_poisson(_continuous([2.0]))
    assert not is_exact_poisson(poisson_context([2.0]))  # periodic review
    assert not is_exact_poisson(dataclasses.replace(_continuous([2.0]), unmet_demand="lost_sales"))
    random_lead = dataclasses.replace(_continuous([2.0]), lead_time_std=np.array([1.0]))
    assert not is_exact_poisson(random_lead)


def test_derived_levels_are_the_exact_optimum_solved_once_per_distinct_sku(monkeypatch) -> None:
    calls = []

    def counted(*args):
        calls.append(args)
        return rq_poisson_exact(*args)

    monkeypatch.setattr(rq_module, "rq_poisson_exact", counted)
    prepared = RQ().prepare(_continuous([2.0, 5.0, 2.0]))
    assert len(calls) == 2
    for i, mean in enumerate([2.0, 5.0, 2.0]):
        sol = rq_poisson_exact(mean, 2.0, 1.0, 9.0, 20.0)
        assert (prepared.r[i], prepared.q[i]) == (sol.r, sol.q)


def test_periodic_review_uses_the_normal_approximation_with_whole_batches() -> None:
    """Periodic review: one period is the time unit and the protection interval (here 2
    periods) the lead time; Poisson demand orders whole batches of at least one unit."""
    context = poisson_context([4.0])
    prepared = RQ().prepare(context)
    sol = rq_normal_approx(4.0, 2.0, 2.0, 0.0, 1.0, 9.0, 20.0)
    assert prepared.r[0] == pytest.approx(float(sol.r))
    assert prepared.q[0] == max(round(float(sol.q)), 1)


def test_given_values_are_kept_and_the_missing_one_derived() -> None:
    prepared = RQ(q=7).prepare(_continuous([3.0]))
    assert prepared.q.tolist() == [7.0]
    assert prepared.r[0] == rq_poisson_exact(3.0, 2.0, 1.0, 9.0, 20.0).r


def test_a_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"policy.q\(=0\) must be > 0"):
        RQ(r=1, q=0)
