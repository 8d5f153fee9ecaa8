"""Shared by the lead-time tests: a set-up copy of a model, and its periodic moments
against a closed form (CLT tolerances, :mod:`tests.sim.moments`)."""

from __future__ import annotations

import copy

import numpy as np

from sim.leadtime import LeadTimeModel
from tests.sim.moments import assert_mean, assert_variance


def ready(model: LeadTimeModel, n_skus: int = 100) -> LeadTimeModel:
    """A set-up copy of ``model`` (parametrised instances are shared between tests)."""
    model = copy.deepcopy(model)
    model.setup(n_skus, np.random.default_rng(0))
    return model


def assert_periodic_moments(model: LeadTimeModel, mean: float, variance: float) -> None:
    """``model``'s reported and sampled (200,000 draws) periodic moments are the textbook
    ones, on an int64 grid of whole periods >= 0."""
    model = ready(model)
    np.testing.assert_allclose(model.mean(), mean)
    np.testing.assert_allclose(model.std(), np.sqrt(variance))
    x = model.sample(np.random.default_rng(1), 2000)  # 200,000 draws
    assert x.dtype == np.int64 and x.shape == (2000, 100) and x.min() >= 0
    assert_mean(x, mean, np.sqrt(variance))
    assert_variance(x, variance)
