"""Normal demand censored at zero (sim.demand.normal) against its closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from sim.demand import Normal
from sim.demand.sampling import censored_normal_mean
from tests.sim.demand.helpers import assert_closed_form_moments, ready
from tests.sim.moments import assert_mean, assert_variance

MOMENTS = [
    pytest.param(Normal(mean=10.0, cv=0.2), 10.0, 4.0, id="normal"),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_sample_moments_match_closed_form(model, mean, variance):
    assert_closed_form_moments(model, mean, variance)


def test_normal_is_censored_at_zero_and_the_mean_moves_as_documented():
    model = ready(Normal(mean=10.0, cv=0.8))
    x = model.sample(np.random.default_rng(3), 0, 1000)
    assert x.min() == 0.0
    shifted = float(censored_normal_mean(10.0, 8.0))
    assert shifted > 10.3  # censoring raises the mean visibly at cv 0.8
    assert_mean(x, shifted, 8.0)


def test_normal_std_is_absolute_when_given():
    model = ready(Normal(mean=[5.0, 50.0], std=[1.0, 2.0]), n_skus=2)
    np.testing.assert_allclose(model.std(), [1.0, 2.0])
    x = model.sample(np.random.default_rng(0), 0, 50_000)
    assert_variance(x[:, 1], 4.0)


def test_normal_has_no_continuous_form():
    with pytest.raises(ValueError, match="'normal' has no continuous-time form; use poisson"):
        ready(Normal(mean=1.0, cv=0.1)).sample_events(np.random.default_rng(0), 10.0)
