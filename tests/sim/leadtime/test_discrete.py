"""Empirical lead times (sim.leadtime.discrete) against their closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from sim.leadtime import Discrete
from tests.sim.leadtime.helpers import assert_periodic_moments, ready
from tests.sim.moments import Z

# 3*.1 + 4*.3 + 5*.3 + 6*.2 + 7*.1 = 4.9; E[X^2] = 25.3; variance 1.29
MOMENTS = [
    pytest.param(
        Discrete(values=[3, 4, 5, 6, 7], probabilities=[0.1, 0.3, 0.3, 0.2, 0.1]),
        4.9,
        1.29,
        id="discrete",
    ),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_periodic_moments_match_closed_form(model, mean, variance):
    assert_periodic_moments(model, mean, variance)


def test_discrete_frequencies_match_the_probabilities():
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    model = ready(Discrete(values=[0, 1, 2, 9], probabilities=list(probs)))
    x = model.sample(np.random.default_rng(2), 1000).ravel()
    freq = np.array([(x == v).mean() for v in [0, 1, 2, 9]])
    se = np.sqrt(probs * (1 - probs) / x.size)
    assert np.all(np.abs(freq - probs) <= Z * se)
    assert freq[1] == 0.0


def test_discrete_accepts_sums_within_tolerance_and_hydra_lists():
    Discrete(values=[1, 2, 3], probabilities=[0.1, 0.2, 0.7 + 5e-10])
    omegaconf = pytest.importorskip("omegaconf")
    cfg = omegaconf.OmegaConf.create({"values": [3, 4], "probabilities": [0.25, 0.75]})
    model = ready(Discrete(values=cfg["values"], probabilities=cfg.probabilities), n_skus=2)
    np.testing.assert_allclose(model.mean(), 3.75)
