"""Moment checks with CLT tolerances, shared by the demand and lead-time tests."""

from __future__ import annotations

import numpy as np

#: Tolerance in standard errors.
Z = 5.0


def assert_mean(x: np.ndarray, mean: float, std: float) -> None:
    x = np.ravel(x)
    se = std / np.sqrt(x.size)
    assert abs(x.mean() - mean) < Z * se, (x.mean(), mean, se)


def assert_variance(x: np.ndarray, variance: float) -> None:
    x = np.ravel(x)
    dev2 = (x - x.mean()) ** 2
    se = dev2.std() / np.sqrt(x.size)
    assert abs(dev2.mean() - variance) < Z * se, (dev2.mean(), variance, se)
