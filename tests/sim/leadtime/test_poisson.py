"""Poisson lead times (sim.leadtime.poisson) against their closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from sim.leadtime import Poisson
from tests.sim.leadtime.helpers import assert_periodic_moments, ready

# (model, mean, variance) of the periodic lead time
MOMENTS = [
    pytest.param(Poisson(mean=5.0, shift=2), 5.0, 3.0, id="poisson"),
    pytest.param(Poisson(mean=1.5), 1.5, 1.5, id="poisson-unshifted"),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_periodic_moments_match_closed_form(model, mean, variance):
    assert_periodic_moments(model, mean, variance)


def test_poisson_never_goes_below_its_shift():
    x = ready(Poisson(mean=2.5, shift=2)).sample(np.random.default_rng(0), 500)
    assert x.min() == 2
