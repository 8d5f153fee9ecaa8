"""Shifted gamma lead times (sim.leadtime.shifted_gamma) against their closed forms."""

from __future__ import annotations

import numpy as np

from sim.leadtime import ShiftedGamma
from tests.sim.leadtime.helpers import ready
from tests.sim.moments import assert_mean, assert_variance


def test_shifted_gamma_continuous_moments():
    """Gamma part: shape 1/cv^2, scale (mean - shift) cv^2."""
    model = ready(ShiftedGamma(shift=2.0, mean=6.0, cv=0.5))
    np.testing.assert_allclose(model.mean(), 6.0)
    np.testing.assert_allclose(model.std(), 2.0)
    x = model.sample_continuous(np.random.default_rng(3), 200_000)
    assert x.dtype == np.float64 and x.min() >= 2.0
    assert_mean(x, 6.0, 2.0)
    assert_variance(x, 4.0)


def test_shifted_gamma_periodic_is_the_rounded_continuous_draw():
    model = ready(ShiftedGamma(shift=1.0, mean=4.2, cv=0.8), n_skus=7)
    grid = model.sample(np.random.default_rng(4), 300)
    flat = model.sample_continuous(np.random.default_rng(4), 300 * 7)
    assert grid.dtype == np.int64
    np.testing.assert_array_equal(grid.ravel(), np.rint(flat).astype(np.int64))
    assert not np.array_equal(flat, np.round(flat))
