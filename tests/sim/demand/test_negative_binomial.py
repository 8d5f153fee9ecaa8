"""Negative binomial demand (sim.demand.negative_binomial) against its closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.demand import NegativeBinomial, Poisson, sampling
from sim.demand.base import population_summary
from tests.sim.demand.helpers import (
    assert_closed_form_moments,
    assert_sampler_matches_pmf,
    ready,
    unit_interval_totals,
)
from tests.sim.moments import assert_mean, assert_variance

MOMENTS = [
    pytest.param(NegativeBinomial(mean=5.0, variance_ratio=3.0), 5.0, 15.0, id="nb-ratio"),
    # cv 0.5 at mean 10: variance (0.5 * 10)**2 = 25
    pytest.param(NegativeBinomial(mean=10.0, cv=0.5), 10.0, 25.0, id="nb-cv"),
]


@pytest.mark.parametrize(("model", "mean", "variance"), MOMENTS)
def test_sample_moments_match_closed_form(model, mean, variance):
    assert_closed_form_moments(model, mean, variance)


@pytest.mark.parametrize(
    "model",
    [NegativeBinomial(mean=[1.0, 3.0, 20.0], cv=1.3)],
    ids=["negative_binomial"],
)
def test_inversion_table_reproduces_the_pmf(model):
    """Chi-square goodness of fit, SKU by SKU, of the negative binomial's guide table."""
    n = len(model._mean)
    model = ready(model, n_skus=n)
    assert model._stationary_table() is not None
    r, p = model._params()
    assert_sampler_matches_pmf(model, [stats.nbinom(r[i], p[i]) for i in range(n)])


def test_direct_samplers_are_used_beyond_the_table_budget(monkeypatch):
    """The negative binomial falls back to numpy's sampler past the table budget; Poisson
    has no budget (sim.demand.poisson_inversion builds its tables chunk by chunk)."""
    monkeypatch.setattr(sampling, "TABLE_BUDGET", 0)
    for model, var in [(Poisson(mean=6.0), 6.0), (NegativeBinomial(mean=6, variance_ratio=2), 12)]:
        model = ready(model)
        if model.family != "poisson":
            assert model._stationary_table() is None
        x = model.sample(np.random.default_rng(5), 0, 500)
        assert_mean(x, 6.0, np.sqrt(var))
        assert_variance(x, var)


def test_negative_binomial_cv_is_converted_per_sku():
    model = ready(NegativeBinomial(mean=[4.0, 16.0], cv=1.0), n_skus=2)
    np.testing.assert_allclose(population_summary(model)["variance_ratio"], [4.0, 16.0])
    np.testing.assert_allclose(model.std(), [4.0, 16.0])  # cv * mean


def test_negative_binomial_events_give_nb_counts_per_unit_time():
    """Compound Poisson with logarithmic sizes (Quenouille 1949)."""
    model = ready(NegativeBinomial(mean=4.0, variance_ratio=3.0), n_skus=50)
    times, sku, sizes = model.sample_events(np.random.default_rng(1), 2000.0)
    assert sizes.min() >= 1 and np.all(sizes == np.round(sizes))
    counts = unit_interval_totals(times, sku, sizes, 2000, 50)
    assert_mean(counts, 4.0, np.sqrt(12.0))
    assert_variance(counts, 12.0)


def test_negative_binomial_cv_is_checked_for_every_sku_at_setup():
    model = NegativeBinomial(mean=5.0, cv=0.5, mean_spread=1.0)  # fine at the mean
    with pytest.raises(ValueError, match=r"cv\(=0.5\) gives variance <= mean at mean .* \(SKU"):
        model.setup(1000, np.random.default_rng(0))
