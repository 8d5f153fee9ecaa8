"""Fixed lead times (sim.leadtime.deterministic)."""

from __future__ import annotations

import numpy as np

from sim.leadtime import Deterministic, Poisson
from tests.sim.leadtime.helpers import ready


def test_deterministic_per_sku_values():
    model = ready(Deterministic(value=[0, 2, 5]), n_skus=3)
    x = model.sample(np.random.default_rng(0), 4)
    np.testing.assert_array_equal(x, np.tile([0, 2, 5], (4, 1)))
    assert x.dtype == np.int64
    np.testing.assert_array_equal(model.std(), 0.0)
    got = model.sample_continuous(np.random.default_rng(0), 3, sku=np.array([2, 0, 1]))
    np.testing.assert_array_equal(got, [5.0, 0.0, 2.0])
    assert got.dtype == np.float64


def test_one_lead_time_for_every_sku_is_constant():
    """The engine needs no per-order grid when every order takes the same periods."""
    assert ready(Deterministic(value=3), n_skus=4).constant == 3
    assert ready(Deterministic(value=[2, 2, 2]), n_skus=3).constant == 2
    assert ready(Deterministic(value=[0, 2, 5]), n_skus=3).constant is None
    assert ready(Poisson(mean=2.0)).constant is None
