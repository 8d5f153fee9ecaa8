"""Levenberg-Marquardt over many problems at once (forecasters/batch_lm.py)."""

from __future__ import annotations

import numpy as np

from forecasters.batch_lm import levenberg_marquardt


def test_levenberg_marquardt_solves_many_problems_at_once_within_bounds():
    # exponential decay fits y = a exp(-b t) per SKU; the third is held at its bound
    t = np.linspace(0, 3, 30)
    truth = np.array([[2.0, 0.5], [5.0, 1.5], [1.0, 3.0]])
    y = truth[:, :1] * np.exp(-truth[:, 1:] * t[None, :])

    def residuals(x, skus):
        return x[..., :1] * np.exp(-x[..., 1:] * t) - y[skus]

    x, cost, _ = levenberg_marquardt(
        residuals, np.ones((3, 2)), lower=np.array([0.0, 0.0]), upper=np.array([10.0, 2.0])
    )
    np.testing.assert_allclose(x[:2], truth[:2], rtol=1e-5)
    assert x[2, 1] == 2.0 and cost[2] > 0
