"""Tests of :mod:`policies.min_max`: whole packs up to ``max`` below ``min`` (by hand), and
the practitioners' derived levels: ``min`` the cycle-service reorder point, ``max = min +
EOQ`` (Silver, Pyke & Thomas 2017, Sec. 7.6)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from policies.base import InventoryState
from policies.min_max import MinMax
from tests.conftest import poisson_context


def test_orders_whole_packs_up_to_max_below_min() -> None:
    """min 10, max 25, packs of 4: position 9 needs 16 (4 packs), 3 needs 22 -> 6 packs
    (24), 10 is not below min."""
    policy = MinMax(min=10, max=25, pack_size=4)
    position = np.array([9.0, 3.0, 10.0])
    state = InventoryState(0.0, position, np.zeros(3), np.zeros(3))
    np.testing.assert_array_equal(policy.order_quantity(state), [16.0, 24.0, 0.0])


def test_derived_levels_are_the_service_reorder_point_plus_an_eoq() -> None:
    """Poisson(4), protection 2 periods: min = ceil(8 + z_0.9 sqrt(8)); K = 20, h = 1:
    EOQ = sqrt(2 * 20 * 4) = 12.65, so max = min + 13."""
    prepared = MinMax(service_level=0.9).prepare(poisson_context([4.0]))
    low = np.ceil(8.0 + stats.norm.ppf(0.9) * np.sqrt(8.0))
    assert prepared.min.tolist() == [low]
    assert prepared.max.tolist() == [low + 13.0]


def test_without_a_fixed_cost_the_batch_is_a_reviews_demand() -> None:
    context = dataclasses.replace(poisson_context([4.0]), order_fixed=np.zeros(1))
    prepared = MinMax(min=5).prepare(context)
    assert prepared.min.tolist() == [5.0]
    assert prepared.max.tolist() == [9.0]


def test_a_given_max_below_the_derived_min_is_raised_to_it() -> None:
    prepared = MinMax(max=1).prepare(poisson_context([4.0]))
    assert prepared.max.tolist() == prepared.min.tolist()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(min=5, max=3), r"policy.min\(=5\) must be <= policy.max\(=3\)"),
        (dict(pack_size=0), r"policy.pack_size\(=0\) must be > 0"),
        (dict(service_level=1.0), r"policy.service_level\(=1.0\) must be in \(0, 1\)"),
    ],
)
def test_bad_parameters_name_the_key_and_value(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        MinMax(**kwargs)
