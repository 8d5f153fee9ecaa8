"""The Syntetos-Boylan approximation (forecasters/sba.py)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasters.croston import Croston
from forecasters.sba import SBA


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"alpha": 0.0}, "alpha"),
    ],
)
def test_bad_parameter_is_named(kwargs, key):
    with pytest.raises(ValueError, match=rf"forecaster\.{key}\(="):
        SBA(**kwargs)


def test_sba_is_croston_times_one_minus_half_alpha():
    """Syntetos & Boylan (2005): the same smoothing as Croston's, the ratio times
    ``1 - alpha / 2``."""
    y = np.random.default_rng(2).poisson(0.4, (60, 5)).astype(float)
    croston = Croston(alpha=0.3).fit(y).predict(3).mean
    np.testing.assert_allclose(SBA(alpha=0.3).fit(y).predict(3).mean, 0.85 * croston, rtol=1e-12)
