"""Deterministic demand (sim.demand.deterministic): constant, and its continuous-time units."""

from __future__ import annotations

import numpy as np

from sim.demand import Deterministic
from tests.sim.demand.helpers import ready


def test_deterministic_is_constant_and_may_be_fractional():
    model = ready(Deterministic(mean=2.5), n_skus=3)
    x = model.sample(np.random.default_rng(0), 10, 4)
    np.testing.assert_array_equal(x, np.full((4, 3), 2.5))
    np.testing.assert_array_equal(model.std(), 0.0)


def test_deterministic_events_are_evenly_spaced():
    model = ready(Deterministic(mean=[0.5, 4.0]), n_skus=2)
    times, sku, sizes = model.sample_events(np.random.default_rng(0), 10.0)
    np.testing.assert_allclose(times[sku == 0], [2.0, 4.0, 6.0, 8.0])  # 10.0 is excluded
    np.testing.assert_allclose(times[sku == 1], np.arange(1, 40) / 4.0)
    np.testing.assert_array_equal(sizes, 1.0)


def test_modulated_deterministic_events_follow_the_cumulative_demand():
    model = ready(Deterministic(mean=3.0, weekly_profile=[1, 1, 1, 1, 1, 0, 0]), n_skus=2)
    times, sku, _ = model.sample_events(np.random.default_rng(0), 14.0)
    t0 = times[sku == 0]
    assert t0.size == 30  # 10 working days of 3 units
    assert not np.any((t0 > 5) & (t0 <= 7))  # nothing sold over the weekend
    np.testing.assert_allclose(t0[:3], [1 / 3, 2 / 3, 1.0])
