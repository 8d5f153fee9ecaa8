"""The naive forecast (forecasters/naive.py)."""

from __future__ import annotations

import numpy as np

from forecasters.naive import Naive


def test_naive_forecasts_the_last_value_with_the_random_walk_spread():
    """FPP3 Sec. 5.2 and 5.5: the last value every period; ``std = sigma sqrt(h)`` and the
    sum over ``1..k`` has ``sigma sqrt(1^2 + ... + k^2)``, sigma the RMS of ``y_t - y_{t-1}``."""
    y = np.array([[3.0, 10.0], [5.0, 7.0], [4.0, 9.0]])
    fc = Naive().fit(y).predict(3)
    np.testing.assert_array_equal(fc.mean, [[4.0, 9.0]] * 3)
    sigma = np.sqrt(np.array([2.0**2 + 1.0**2, 3.0**2 + 2.0**2]) / 2)  # errors (2, -1), (-3, 2)
    np.testing.assert_allclose(fc.std, sigma * np.sqrt([[1.0], [2.0], [3.0]]), rtol=1e-12)
    np.testing.assert_allclose(fc.sum_std, sigma * np.sqrt([[1.0], [5.0], [14.0]]), rtol=1e-12)
