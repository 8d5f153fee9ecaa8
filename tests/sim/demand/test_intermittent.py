"""Intermittent (Croston) demand (sim.demand.intermittent) against its closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from sim.demand import Intermittent
from sim.demand.base import population_summary
from sim.demand.intermittent import SIZE_DISTRIBUTIONS, LognormalSizes
from tests.sim.demand.helpers import assert_closed_form_moments, ready, unit_interval_totals
from tests.sim.moments import assert_mean, assert_variance

# Croston: p * s and p * E[S^2] - (p s)^2 with geometric S: E[S^2] = s(s - 1) + s^2
MOMENTS = [
    pytest.param(
        Intermittent(probability=0.3, size_mean=3.0), 0.9, 0.3 * 15 - 0.81, id="croston-geom"
    ),
    pytest.param(
        Intermittent(probability=0.25, size_mean=4.0, size_dist="poisson"),
        1.0,
        0.25 * (3 + 16) - 1.0,
        id="croston-poisson",
    ),
    pytest.param(
        Intermittent(probability=0.5, size_mean=2.0, size_dist="lognormal", size_cv=0.5),
        1.0,
        0.5 * (1.0 + 4.0) - 1.0,
        id="croston-lognormal",
    ),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_sample_moments_match_closed_form(model, mean, variance):
    assert_closed_form_moments(model, mean, variance)


def test_probability_spread_is_beta_with_the_requested_mean_and_cv():
    model = ready(Intermittent(probability=0.2, size_mean=2.0, probability_spread=0.6), 40_000)
    p = population_summary(model)["probability"].to_numpy()
    assert np.all((p > 0) & (p < 1))
    assert_mean(p, 0.2, 0.12)
    assert abs(p.std() / p.mean() - 0.6) < 0.03


def test_intermittent_events_keep_the_mean_demand_rate():
    model = ready(Intermittent(probability=0.1, size_mean=3.0), n_skus=50)
    times, sku, sizes = model.sample_events(np.random.default_rng(1), 2000.0)
    counts = unit_interval_totals(times, sku, sizes, 2000, 50)
    # Poisson(0.1) arrivals of geometric sizes: variance 0.1 * E[S^2] = 0.1 * 15
    assert_mean(counts, 0.3, np.sqrt(1.5))
    assert_variance(counts, 1.5)


@pytest.mark.parametrize(
    ("size_dist", "size_cv", "variance"),
    [("geometric", None, 3.0 * 2.0), ("poisson", None, 2.0), ("lognormal", 0.5, 1.5**2)],
)
def test_each_size_distribution_has_its_mean_and_variance(size_dist, size_cv, variance):
    """One class per ``size_dist``, chosen once: sizes of mean 3 are >= 1 for the integer
    distributions and match the closed-form variance (geometric ``s (s - 1)``, shifted
    Poisson ``s - 1``, lognormal ``(cv s)**2``)."""
    model = Intermittent(probability=0.5, size_mean=3.0, size_dist=size_dist, size_cv=size_cv)
    assert type(model.sizes) is SIZE_DISTRIBUTIONS[size_dist] and model.size_cv == size_cv
    mean = np.full(200_000, 3.0)
    x = model.sizes.sample(np.random.default_rng(4), mean)
    np.testing.assert_allclose(model.sizes.variance(mean[:1]), variance)
    assert_mean(x, 3.0, np.sqrt(variance))
    assert_variance(x, variance)
    if size_dist != "lognormal":
        assert x.min() >= 1 and np.all(x == np.round(x))
    assert isinstance(model.sizes, LognormalSizes) == (size_dist == "lognormal")
