"""Teunter-Syntetos-Babai (forecasters/tsb.py)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.tsb import TSB


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"beta": 1.1}, "beta"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        TSB(**kwargs)


def test_tsb_forecasts_the_smoothed_probability_times_the_smoothed_size():
    """Teunter, Syntetos & Babai (2011) by hand: demands 4 and 6 in periods 1 and 3."""
    y = np.array([0.0, 4.0, 0.0, 6.0])[:, None]
    alpha, beta = 0.5, 0.2
    size, probability = 4.0, 1.0 / 2.0  # the first demand: its size, the share of demand periods
    probability += beta * (0.0 - probability)  # no demand: only the probability moves
    probability += beta * (1.0 - probability)
    size += alpha * (6.0 - size)
    fc = TSB(alpha=alpha, beta=beta).fit(y).predict(2)
    np.testing.assert_allclose(fc.mean, probability * size, rtol=1e-12)
