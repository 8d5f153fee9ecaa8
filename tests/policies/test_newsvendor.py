"""Tests of :mod:`policies.newsvendor`: the critical fractile of protection-interval demand,
Poisson where the context is exact Poisson (``auto``) or when asked, normal otherwise, the
critical ratio from costs or as given, and a given level kept as base-stock."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from policies.base import InventoryState
from policies.newsvendor import DISTRIBUTIONS, Newsvendor
from tests.conftest import poisson_context


def test_auto_takes_the_poisson_fractile_for_exact_poisson_demand() -> None:
    """Poisson(5) over 2 periods, p / (p + h) = 0.9: the 0.9-quantile of Poisson(10)."""
    level = Newsvendor().prepare(poisson_context([5.0])).level
    assert level.tolist() == [stats.poisson.ppf(0.9, 10.0)]


def test_auto_takes_the_normal_fractile_with_a_random_lead_time() -> None:
    context = dataclasses.replace(poisson_context([5.0]), lead_time_std=np.array([1.0]))
    level = Newsvendor().prepare(context).level
    expected = 10.0 + stats.norm.ppf(0.9) * float(context.protection_std[0])
    assert level.tolist() == pytest.approx([expected])
    # asked for, the Poisson fractile applies whatever the lead time
    poisson = Newsvendor(distribution="poisson").prepare(context).level
    assert poisson.tolist() == [stats.poisson.ppf(0.9, 10.0)]


def test_a_given_critical_ratio_replaces_the_cost_ratio() -> None:
    context = poisson_context([5.0])
    prepared = Newsvendor(critical_ratio=0.5, distribution="normal").prepare(context)
    assert prepared.level.tolist() == pytest.approx([10.0])
    assert prepared.critical_ratio == 0.5


def test_a_given_level_behaves_as_base_stock() -> None:
    prepared = Newsvendor(level=12).prepare(poisson_context([5.0, 1.0]))
    state = InventoryState(0.0, np.array([4.0, 15.0]), np.zeros(2), np.zeros(2))
    np.testing.assert_array_equal(prepared.order_quantity(state), [8.0, 0.0])


def test_bad_options_name_the_key_and_value() -> None:
    assert DISTRIBUTIONS == ("auto", "normal", "poisson")
    with pytest.raises(ValueError, match=r"policy.distribution\(='gamma'\) must be one of auto,"):
        Newsvendor(distribution="gamma")
    with pytest.raises(ValueError, match=r"policy.critical_ratio\(=1\) must be in \(0, 1\)"):
        Newsvendor(critical_ratio=1)
