"""Poisson demand (sim.demand.poisson) against its closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.demand import Poisson
from tests.sim.demand.helpers import assert_closed_form_moments, assert_sampler_matches_pmf, ready
from tests.sim.moments import Z

# (model, textbook mean, textbook variance) for a homogeneous population
MOMENTS = [
    pytest.param(Poisson(mean=4.0), 4.0, 4.0, id="poisson"),
    pytest.param(Poisson(mean=0.2), 0.2, 0.2, id="poisson-slow"),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_sample_moments_match_closed_form(model, mean, variance):
    assert_closed_form_moments(model, mean, variance)


@pytest.mark.parametrize(
    "model",
    [Poisson(mean=[0.05, 1.0, 7.5, 60.0])],
    ids=["poisson"],
)
def test_inversion_table_reproduces_the_pmf(model):
    """Chi-square goodness of fit, SKU by SKU, of sim.demand.poisson_inversion at any
    mean."""
    model = ready(model, n_skus=len(model._mean))
    assert_sampler_matches_pmf(model, [stats.poisson(mu) for mu in model.base_mean()])


def test_poisson_events_have_the_rate_and_the_contract_shape():
    model = ready(Poisson(mean=[0.5, 2.0, 8.0]), n_skus=3)
    times, sku, sizes = model.sample_events(np.random.default_rng(0), 2000.0)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < 2000.0
    assert sku.dtype == np.int64 and sizes.dtype == np.float64
    np.testing.assert_array_equal(sizes, 1.0)
    counts = np.bincount(sku, minlength=3)
    for i, rate in enumerate([0.5, 2.0, 8.0]):
        assert abs(counts[i] - rate * 2000) < Z * np.sqrt(rate * 2000)


def test_modulated_events_match_the_mean_path_period_by_period():
    model = ready(Poisson(mean=4.0, yearly_amplitude=0.8, yearly_peak=20), n_skus=400)
    times, sku, sizes = model.sample_events(np.random.default_rng(3), 100.5)
    assert times.max() < 100.5
    per_period = np.bincount(np.floor(times).astype(int), minlength=101)
    expected = model.mean_path(0, 101).sum(axis=1)
    expected[-1] *= 0.5  # the last period is cut at 100.5
    assert np.all(np.abs(per_period - expected) < Z * np.sqrt(expected))
