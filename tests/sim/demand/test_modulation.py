"""Modulation of expected demand (sim.demand.modulation): sinusoids, profile, trend, shocks,
and samples that follow the modulated mean path."""

from __future__ import annotations

import numpy as np
import pytest

from sim.demand import Deterministic, Intermittent, NegativeBinomial, Normal, Poisson
from sim.demand.base import population_summary
from tests.sim.demand.helpers import ready
from tests.sim.moments import Z


def test_mean_path_follows_the_yearly_and_weekly_sinusoids():
    model = ready(
        Deterministic(
            mean=4.0, yearly_amplitude=0.5, yearly_peak=100, weekly_amplitude=0.2, weekly_peak=3
        ),
        n_skus=2,
    )
    t = np.arange(20, 400)
    expected = (
        4.0
        * (1 + 0.5 * np.cos(2 * np.pi * (t - 100) / 365))
        * (1 + 0.2 * np.cos(2 * np.pi * (t - 3) / 7))
    )
    path = model.mean_path(20, 380)
    np.testing.assert_allclose(path[:, 0], expected)
    np.testing.assert_array_equal(path[:, 0], path[:, 1])
    weekly = 1 + 0.2 * np.cos(2 * np.pi * (np.arange(365) - 3) / 7)
    assert np.argmax(model.mean_path(0, 365)[:, 0] / weekly) == 100  # the yearly peak
    np.testing.assert_allclose(model.mean(), model.mean_path(0, 365).mean(axis=0))


def test_weekly_profile_and_trend():
    profile = [1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 0.5]
    model = ready(Deterministic(mean=2.0, weekly_profile=profile, trend=0.01), n_skus=1)
    t = np.arange(0, 30)
    expected = 2.0 * np.array(profile)[t % 7] * (1 + 0.01 * t)
    np.testing.assert_allclose(model.mean_path(0, 30)[:, 0], expected)
    falling = ready(Deterministic(mean=2.0, trend=-0.1), n_skus=1)
    np.testing.assert_allclose(falling.mean_path(9, 4)[:, 0], [0.2, 0.0, 0.0, 0.0], atol=1e-12)


def test_shock_multiplies_from_its_period_on_for_the_chosen_fraction():
    model = ready(Poisson(mean=3.0, shocks=[{"period": 40, "factor": 2.5, "fraction": 0.25}]), 100)
    path = model.mean_path(30, 20)
    hit = population_summary(model)["shock_0"].to_numpy()
    assert hit.sum() == 25
    np.testing.assert_array_equal(path[:10], 3.0)
    np.testing.assert_array_equal(path[10:, hit], 7.5)
    np.testing.assert_array_equal(path[10:, ~hit], 3.0)


def test_phase_spread_randomises_the_yearly_peak_per_sku():
    model = ready(Poisson(mean=3.0, yearly_amplitude=0.3, yearly_peak=200, phase_spread=60), 500)
    peaks = population_summary(model)["yearly_peak"].to_numpy()
    assert peaks.min() >= 170 and peaks.max() <= 230 and peaks.std() > 10
    path = model.mean_path(0, 365)
    np.testing.assert_allclose(np.argmax(path, axis=0), np.round(peaks) % 365, atol=1)


@pytest.mark.parametrize(
    "model",
    [
        Poisson(mean=5.0, yearly_amplitude=0.6, weekly_amplitude=0.3),
        NegativeBinomial(mean=5.0, variance_ratio=2.0, yearly_amplitude=0.6),
        Normal(mean=5.0, cv=0.3, yearly_amplitude=0.6),
        # p * m(t) reaches 1.44: occurrences become certain and sizes grow instead
        Intermittent(probability=0.9, size_mean=2.0, yearly_amplitude=0.6),
    ],
    ids=lambda m: m.family,
)
def test_modulated_samples_follow_the_mean_path(model):
    model = ready(model, n_skus=2000)
    x = model.sample(np.random.default_rng(2), 60, 50)
    path = model.mean_path(60, 50)
    level = path / model.base_mean()
    per_period_var = (model._std_at(level) ** 2).sum(axis=1)
    total, expected = x.sum(axis=1), path.sum(axis=1)
    assert np.all(np.abs(total - expected) < Z * np.sqrt(per_period_var))
    assert np.corrcoef(total, expected)[0, 1] > 0.9
