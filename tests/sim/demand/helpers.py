"""Shared by the demand tests: a set-up copy of a model, and its moments against a
closed form.

Moment checks use the central limit theorem: a sample mean of ``n`` iid draws with std
``sigma`` is off by more than ``Z * sigma / sqrt(n)`` with probability below 6e-7 for
``Z = 5``; a sample variance likewise, with the standard error of the squared deviations
estimated from the sample. Seeds are fixed, so the suites are deterministic.
"""

from __future__ import annotations

import copy

import numpy as np
from scipy import stats

from sim.demand import DemandModel, Modulation
from tests.sim.moments import assert_mean, assert_variance


def ready(model: DemandModel, n_skus: int = 200, seed: int = 1, **modulation) -> DemandModel:
    """A set-up copy of ``model`` (parametrised instances are shared between tests)."""
    model = copy.deepcopy(model)
    if modulation:
        model.modulation = Modulation(**modulation)
    model.setup(n_skus, np.random.default_rng(seed))
    return model


def assert_closed_form_moments(model: DemandModel, mean: float, variance: float) -> None:
    """``model``'s reported and sampled moments (200,000 draws) are the textbook ones."""
    model = ready(model)
    np.testing.assert_allclose(model.mean(), mean)
    np.testing.assert_allclose(model.std(), np.sqrt(variance))
    x = model.sample(np.random.default_rng(7), 0, 1000)  # 200,000 draws
    assert_mean(x, mean, np.sqrt(variance))
    assert_variance(x, variance)


def unit_interval_totals(times, sku, sizes, horizon: int, n_skus: int) -> np.ndarray:
    cell = np.floor(times).astype(np.int64) * n_skus + sku
    return np.bincount(cell, weights=sizes, minlength=horizon * n_skus).reshape(horizon, n_skus)


def assert_sampler_matches_pmf(model: DemandModel, dists: list) -> None:
    """Chi-square goodness of fit, SKU by SKU, of 40,000 periods of a set-up ``model``'s
    stationary demand to ``dists`` (one frozen scipy distribution per SKU), cells below an
    expected 5 dropped and the tail above the 0.999 quantile pooled in one cell."""
    x = model.sample(np.random.default_rng(11), 0, 40_000)
    for i, dist in enumerate(dists):
        top = int(dist.ppf(0.999))
        observed = np.bincount(x[:, i].astype(int), minlength=top + 2)[: top + 1]
        observed = np.append(observed, x.shape[0] - observed.sum())  # tail cell
        expected = np.append(dist.pmf(np.arange(top + 1)), dist.sf(top)) * x.shape[0]
        keep = expected > 5
        chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4, (i, chi2)
